"""How much of timm's pretrained catalogue the registry covers: timm's `list_models(pretrained=True)`
of the timm release the package is checked against, kept as data (`_catalogue/timm_pretrained.json`,
grouped by timm model file) so the figure needs neither timm nor torch.

A test compares the file with the installed timm's list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from luximm_keras.models._registry import list_models


@dataclass(frozen=True)
class FileCoverage:
    """One timm model file: its pretrained checkpoints (`arch.tag`) and those registered here."""

    module: str
    checkpoints: tuple[str, ...]
    covered: tuple[str, ...]


def timm_catalogue() -> tuple[str, dict[str, list[str]]]:
    """(timm version, {timm model file: its pretrained `arch.tag` names})."""
    text = resources.files("luximm_keras.models").joinpath("_catalogue/timm_pretrained.json").read_text()
    data = json.loads(text)
    return data["timm_version"], data["pretrained"]


def coverage() -> list[FileCoverage]:
    """Per timm model file, which of its pretrained checkpoints `create_model(name, pretrained=True)`
    knows here; files in timm's order of size (most checkpoints first)."""
    _, catalogue = timm_catalogue()
    ours = set(list_models(pretrained=True))
    rows = [
        FileCoverage(module, tuple(names), tuple(n for n in names if n in ours)) for module, names in catalogue.items()
    ]
    return sorted(rows, key=lambda row: (-len(row.checkpoints), row.module))


def coverage_table(all_files: bool = False) -> str:
    """The coverage as text: one line per timm model file with at least one checkpoint here (every
    file with `all_files`), then the total."""
    version, _ = timm_catalogue()
    rows = coverage()
    total = sum(len(r.checkpoints) for r in rows)
    covered = sum(len(r.covered) for r in rows)
    width = max(len(r.module) for r in rows)
    lines = [f"{'timm model file':<{width}}  covered / checkpoints"]
    for row in rows:
        if row.covered or all_files:
            lines.append(f"{row.module:<{width}}  {len(row.covered):>7} / {len(row.checkpoints)}")
    files = sum(1 for r in rows if r.covered)
    lines.append(
        f"{'total':<{width}}  {covered:>7} / {total} pretrained checkpoints of timm {version} "
        f"({100 * covered / total:.1f}%), from {files} of its {len(rows)} model files"
    )
    return "\n".join(lines)
