"""Where a pretrained config's weights come from, and fetching them from the Hugging Face Hub.

timm's order of sources: the config's `state_dict`, then its `file`, then its Hub repo
(`hf_hub_id`, optionally `repo@revision`, with `hf_hub_filename` when the repo's weights have another
name), else its `url`. Hub files are fetched by `huggingface_hub.hf_hub_download`, so its cache,
`HF_HOME`/`HF_HUB_CACHE`, `HF_HUB_OFFLINE`, tokens and progress bars all apply; a repo's
`model.safetensors` is preferred to its `pytorch_model.bin`, as timm does (safetensors needs no torch).

Reference: timm/models/_builder.py (`_resolve_pretrained_source`), timm/models/_hub.py
(`load_state_dict_from_hf`, `hf_split`)
"""

from __future__ import annotations

import os
from typing import Any

HF_WEIGHTS_NAME = "pytorch_model.bin"  # timm's default Hub filename
HF_SAFE_WEIGHTS_NAME = "model.safetensors"


def hf_split(hf_id: str) -> tuple[str, str | None]:
    """`"timm/repo@rev"` -> `("timm/repo", "rev")`; `("timm/repo", None)` without a revision."""
    repo_id, *revision = hf_id.split("@")
    if len(revision) > 1:
        raise ValueError(f"A Hub id has at most one '@' (before its revision), got {hf_id!r}.")
    return repo_id, revision[0] if revision else None


def resolve_pretrained_source(cfg: dict[str, Any]) -> tuple[str, Any]:
    """timm's `_resolve_pretrained_source`: `(kind, location)` with kind one of `"state_dict"`,
    `"file"`, `"hf-hub"` (location `hub_id` or `(hub_id, filename)`), `"url"`, or `""` (none)."""
    source = cfg.get("source") or ""
    if source == "hf-hub" and cfg.get("hf_hub_id"):
        kind, location = "hf-hub", cfg["hf_hub_id"]
    elif source == "local-dir":
        kind, location = "file", cfg.get("file")
    elif cfg.get("state_dict"):
        kind, location = "state_dict", cfg["state_dict"]
    elif cfg.get("file"):
        kind, location = "file", cfg["file"]
    elif cfg.get("hf_hub_id"):
        kind, location = "hf-hub", cfg["hf_hub_id"]
    elif cfg.get("url"):
        kind, location = "url", cfg["url"]
    else:
        kind, location = "", None
    if kind == "hf-hub" and cfg.get("hf_hub_filename"):
        location = (location, cfg["hf_hub_filename"])
    return kind, location


def _safe_alternatives(filename: str) -> list[str]:
    """timm's `_get_safe_alternatives`: the safetensors names a `.bin` checkpoint is also published under."""
    if filename == HF_WEIGHTS_NAME:
        return [HF_SAFE_WEIGHTS_NAME]
    if filename.endswith(".bin"):
        return [filename[: -len(".bin")] + ".safetensors"]
    return []


def download_from_hf(hf_id: str, filename: str = HF_WEIGHTS_NAME) -> str:
    """The local path of a Hub checkpoint, fetched into (or found in) huggingface_hub's cache.

    As timm's `load_state_dict_from_hf`: the safetensors alternative of `filename` when the repo has
    one, else `filename` itself.

    Raises:
        FileNotFoundError: the file is not cached and the Hub cannot be asked (offline, or no
            connection); the message names the repo, the file and the cache.
        huggingface_hub errors (repository not found, gated, unauthorized, HTTP): as raised.
    """
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    repo_id, revision = hf_split(hf_id)
    candidates = [filename] if filename.endswith(".safetensors") else [*_safe_alternatives(filename), filename]
    not_cached = []
    for name in candidates:
        try:
            return hf_hub_download(repo_id, name, revision=revision)
        except LocalEntryNotFoundError as error:  # not cached, and the Hub was not (or could not be) asked
            not_cached.append((name, error))
        except EntryNotFoundError:  # the Hub answered: the repo has no such file; try the next name
            continue
    if not not_cached:
        raise FileNotFoundError(f"The Hugging Face repo {repo_id!r} has none of {', '.join(candidates)}.")
    offline = "HF_HUB_OFFLINE is set" if constants.is_offline_mode() else "the Hub could not be reached"
    at = f" at revision {revision!r}" if revision else ""
    raise FileNotFoundError(
        f"{repo_id}{at}: {' or '.join(name for name, _ in not_cached)} is not in the Hugging Face cache "
        f"({os.fspath(constants.HF_HUB_CACHE)}) and {offline}. Download it once with network access "
        "(or copy a cache that has it), or pass pretrained_cfg_overlay=dict(file=PATH) for a local file."
    ) from not_cached[-1][1]


def fetch_pretrained(cfg: dict[str, Any]) -> Any:
    """What `load_pretrained` reads for a pretrained config: a local path, or the config's state dict.

    Raises:
        ValueError: the config names no weights (the architecture has none for that tag), or only a
            URL outside the Hub.
    """
    kind, location = resolve_pretrained_source(cfg)
    name = cfg.get("architecture", "model") + (f".{cfg['tag']}" if cfg.get("tag") else "")
    if kind == "state_dict":
        return location
    if kind == "file":
        if not os.path.exists(location):
            raise FileNotFoundError(f"{name}: pretrained file {location!r} does not exist.")
        return location
    if kind == "hf-hub":
        return download_from_hf(*location) if isinstance(location, tuple) else download_from_hf(location)
    if kind == "url":
        raise ValueError(
            f"{name}'s weights are published only at {location}, outside the Hugging Face Hub; download the "
            "file and pass pretrained_cfg_overlay=dict(file=PATH)."
        )
    raise ValueError(f"{name} has no pretrained weights (its config names no file, Hub repo or URL).")
