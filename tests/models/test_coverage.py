"""The coverage figure: the stored catalogue is the installed timm's `list_models(pretrained=True)`,
every pretrained name registered here is one of timm's, and the table counts them."""

from __future__ import annotations

import timm
from timm.models import _registry as timm_registry

from luximm_keras.models import list_models
from luximm_keras.models._coverage import coverage, coverage_table, timm_catalogue


def test_the_stored_catalogue_is_the_installed_timms():
    version, catalogue = timm_catalogue()
    assert version == timm.__version__, "regenerate models/_catalogue/timm_pretrained.json for this timm"
    installed = {}
    for name in timm.list_models(pretrained=True):
        installed.setdefault(timm_registry._model_to_module[name.split(".")[0]], []).append(name)
    assert catalogue == {module: sorted(names) for module, names in installed.items()}


def test_every_pretrained_name_here_is_timms_and_is_counted():
    _, catalogue = timm_catalogue()
    timm_names = {name for names in catalogue.values() for name in names}
    ours = set(list_models(pretrained=True))
    assert ours <= timm_names, sorted(ours - timm_names)
    rows = coverage()
    assert sum(len(row.covered) for row in rows) == len(ours)
    table = coverage_table()
    assert f"{len(ours):>7} / {len(timm_names)} pretrained checkpoints of timm {timm.__version__}" in table
    assert "vision_transformer" in table
