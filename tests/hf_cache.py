"""A Hugging Face cache in huggingface_hub's own layout, for tests that cannot reach the Hub.

`offline_hf_cache(path, monkeypatch)` points huggingface_hub (and so timm and this package, which both
fetch through `hf_hub_download`) at an empty cache folder and turns on offline mode;
`put_in_cache` then adds a repo's files as the Hub's downloads would leave them:
`models--{org}--{name}/blobs/<sha256>`, `snapshots/<commit>/<file>` -> `../../blobs/<sha256>`, and
`refs/<revision>` holding the commit; `publish_random_weights` puts timm's random-weight checkpoint of
a pretrained name under the repo timm's config names. Imported by name (pytest puts tests/ on
`sys.path`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import huggingface_hub.constants


def offline_hf_cache(path: Path, monkeypatch) -> Path:
    """An empty cache at `path`, what `HF_HUB_CACHE` and `HF_HUB_OFFLINE=1` would set up.
    huggingface_hub reads both into its constants at import; the test process imported it long
    before, so the constants are what must change."""
    path.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(path))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return path


def put_in_cache(cache: Path, repo_id: str, files: dict[str, str | os.PathLike], revision: str = "main") -> Path:
    """Copies local `files` ({name in repo: local path}) into the cache as repo `repo_id` at `revision`;
    returns the snapshot folder."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    commit = hashlib.sha1(f"{repo_id}@{revision}".encode()).hexdigest()
    snapshot = repo / "snapshots" / commit
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
        blob = repo / "blobs" / digest
        if not blob.exists():
            shutil.copyfile(source, blob)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / revision).write_text(commit)
    return snapshot


def publish_random_weights(cache: Path, name: str, folder: Path, filename: str = "model.safetensors", **kwargs):
    """timm's `name` (`arch` or `arch.tag`) with random weights (`perturbed_timm_model`, `kwargs` to
    timm), saved in `folder` as `filename` (safetensors, else `torch.save`) and put into the cache under
    the repo timm's config names; returns the timm module whose weights were saved."""
    import safetensors.torch
    import torch

    from luximm_keras.models import get_pretrained_cfg
    from luximm_keras.verification.models import perturbed_timm_model

    cfg = get_pretrained_cfg(name)
    source = perturbed_timm_model(cfg.architecture, num_classes=cfg.num_classes, **kwargs)
    state = {k: v.contiguous() for k, v in source.state_dict().items()}
    path = folder / filename
    if filename.endswith(".safetensors"):
        safetensors.torch.save_file(state, path)
    else:
        torch.save(state, path)
    put_in_cache(cache, cfg.hf_hub_id, {filename: path})
    return source
