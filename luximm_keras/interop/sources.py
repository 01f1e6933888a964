"""Checkpoint sources: turn "a checkpoint" into a flat ``{name: numpy array}`` mapping.

The weight loader only ever sees the mapping returned by :func:`read_checkpoint`, whatever the
checkpoint was: an in-memory mapping of numpy / torch / jax / tf arrays, or a ``.safetensors``,
``.pth`` / ``.pt`` / ``.bin`` or ``.npz`` file.

Guarantees of the returned mapping:

* keys are available without reading tensor data; values are converted (and, for files, read)
  one at a time when accessed, and are not cached, so a checkpoint is never held twice in memory
  (a ``.safetensors`` file is memory-mapped: its float32 tensors are views of the page cache);
* values are numpy arrays; float16, bfloat16 and float8 are widened to float32 (exactly), other
  dtypes are kept;
* training wrappers are undone like timm's ``load_state_dict`` / ``clean_state_dict``: a
  ``{"state_dict": sd, "epoch": ...}``-style dict is unwrapped, and ``module.`` / ``_orig_mod.``
  prefixes are stripped when every key carries them.

Files are validated when :func:`read_checkpoint` is called (a truncated safetensors file is
detected from its header), so a loader fails before it changes any weights.

Torch is imported only to read ``.pth``-style files; safetensors files are parsed here without
torch or the safetensors package, because safetensors' numpy framework cannot return bfloat16.
"""

from __future__ import annotations

import errno
import json
import math
import mmap
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Union

import numpy as np

__all__ = ["read_checkpoint", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin", ".npz")
_TORCH_SUFFIXES = (".pth", ".pt", ".bin")

# timm's load_state_dict picks "state_dict" then "model", and the EMA copies only with
# use_ema=True; we never prefer EMA, but fall back to it rather than fail when it is all there is.
_WRAPPER_KEYS = ("state_dict", "model", "state_dict_ema", "model_ema")
# The prefixes timm's clean_state_dict removes (DataParallel/DDP and torch.compile wrappers).
_WRAPPER_PREFIXES = ("module.", "_orig_mod.")

_TORCH_NARROW_FLOATS = ("torch.bfloat16", "torch.float16")
_NARROW_FLOAT_NAMES = ("float16", "bfloat16")
# Underscore included: "float64".startswith("float6") must not count as narrow.
_NARROW_FLOAT_PREFIXES = ("float8_", "float6_", "float4_")

WeightsSource = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def read_checkpoint(weights: WeightsSource) -> Mapping[str, np.ndarray]:
    """Return a flat, read-only ``{name: numpy array}`` view of a checkpoint.

    Args:
        weights: a mapping from name to array-like (numpy, torch, jax, tf, scalars), or a path
            to a ``.safetensors``, ``.pth``, ``.pt``, ``.bin`` or ``.npz`` file.

    Returns:
        A mapping whose keys are listed without reading data and whose values are numpy arrays,
        produced on each access (float16/bfloat16/float8 widened to float32). Arrays built from
        in-memory numpy or CPU torch inputs may share memory with them.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the path is a directory, has an unsupported suffix, or the file is truncated,
            corrupt, or (for torch files) not loadable with ``weights_only=True``.
        ImportError: a torch-format file was given and torch is not installed.
        TypeError: ``weights`` is neither a mapping nor a path.
    """
    if isinstance(weights, _ArrayMapping):
        return weights
    if isinstance(weights, np.lib.npyio.NpzFile):
        return _npz_view(weights, source="<NpzFile>")
    if isinstance(weights, Mapping):
        return _state_dict_view(weights, source="<mapping>")
    if isinstance(weights, (str, os.PathLike)):
        return _read_file(os.fsdecode(weights))
    raise TypeError(
        "weights must be a mapping of arrays or a path to a checkpoint file, "
        f"got {type(weights).__name__}"
    )


class _ArrayMapping(Mapping[str, np.ndarray]):
    """Read-only mapping that knows its names up front and fetches each array on access."""

    def __init__(self, names: dict[str, Any], fetch: Callable[[Any], np.ndarray], source: str):
        # `names` maps the public (cleaned) name to whatever `fetch` needs to produce the array.
        self._names = names
        self._fetch = fetch
        self._source = source

    def __getitem__(self, name: str) -> np.ndarray:
        return self._fetch(self._names[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __repr__(self) -> str:
        return f"<checkpoint {self._source}: {len(self._names)} arrays>"


# ---------------------------------------------------------------------------------------------
# Files


def _read_file(path: str) -> _ArrayMapping:
    if os.path.isdir(path):
        raise ValueError(f"{path!r} is a directory, not a checkpoint file")
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "checkpoint file not found", path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".safetensors":
        return _read_safetensors(path)
    if suffix in _TORCH_SUFFIXES:
        return _read_torch(path)
    if suffix == ".npz":
        return _read_npz(path)
    raise ValueError(
        f"{path!r} has an unsupported suffix {suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _unreadable(path: str, fmt: str, reason: str) -> ValueError:
    return ValueError(f"{path!r} could not be read as {fmt}: {reason}")


# safetensors dtype -> (little-endian storage dtype, decoder). Narrow floats are stored as raw
# unsigned ints and decoded to float32 because numpy has no bfloat16/float8 of its own.
def _decode_bf16(raw: np.ndarray) -> np.ndarray:
    # bfloat16 is the top half of a float32, so shifting the bits back is exact.
    return (raw.astype(np.uint32) << 16).view(np.float32)


def _decode_float8(name: str) -> Callable[[np.ndarray], np.ndarray]:
    def decode(raw: np.ndarray) -> np.ndarray:
        try:
            import ml_dtypes
        except ImportError as e:  # pragma: no cover - ml_dtypes ships with keras and jax
            hint = f"reading {name} tensors needs ml_dtypes: pip install ml_dtypes"
            raise ImportError(hint) from e
        return raw.view(getattr(ml_dtypes, name)).astype(np.float32)

    return decode


def _native(raw: np.ndarray) -> np.ndarray:
    return raw.astype(raw.dtype.newbyteorder("="), copy=False)


_SAFETENSORS_DTYPES: dict[str, tuple[np.dtype, Callable[[np.ndarray], np.ndarray]]] = {
    "F64": (np.dtype("<f8"), _native),
    "F32": (np.dtype("<f4"), _native),
    "F16": (np.dtype("<f2"), lambda raw: raw.astype(np.float32)),
    "BF16": (np.dtype("<u2"), _decode_bf16),
    "F8_E4M3": (np.dtype("u1"), _decode_float8("float8_e4m3fn")),
    "F8_E5M2": (np.dtype("u1"), _decode_float8("float8_e5m2")),
    "C64": (np.dtype("<c8"), _native),
    "C128": (np.dtype("<c16"), _native),
    "I64": (np.dtype("<i8"), _native),
    "I32": (np.dtype("<i4"), _native),
    "I16": (np.dtype("<i2"), _native),
    "I8": (np.dtype("i1"), _native),
    "U64": (np.dtype("<u8"), _native),
    "U32": (np.dtype("<u4"), _native),
    "U16": (np.dtype("<u2"), _native),
    "U8": (np.dtype("u1"), _native),
    "BOOL": (np.dtype("?"), _native),
}


class _SafetensorsEntry:
    __slots__ = ("dtype", "shape", "start", "end")

    def __init__(self, dtype: str, shape: tuple[int, ...], start: int, end: int):
        self.dtype = dtype
        self.shape = shape
        self.start = start
        self.end = end


def _read_safetensors(path: str) -> _ArrayMapping:
    entries, data_start = _read_safetensors_header(path)

    def fetch(entry: _SafetensorsEntry) -> np.ndarray:
        storage, decode = _SAFETENSORS_DTYPES[entry.dtype]
        begin, end = data_start + entry.start, data_start + entry.end
        if begin == end:
            return decode(np.empty(entry.shape, dtype=storage))
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size < end:
                raise _unreadable(path, "safetensors", "file shrank after it was opened")
            # A private copy-on-write mapping of just this tensor: the array is a writable view of the
            # page cache, nothing is copied unless a caller writes, and a write stays in this array.
            aligned = begin - begin % mmap.ALLOCATIONGRANULARITY
            mapping = mmap.mmap(f.fileno(), end - aligned, access=mmap.ACCESS_COPY, offset=aligned)
        count = (end - begin) // storage.itemsize
        raw = np.frombuffer(mapping, dtype=storage, count=count, offset=begin - aligned)
        return decode(raw.reshape(entry.shape))

    return _ArrayMapping(_clean_names(entries), fetch, source=path)


def _read_safetensors_header(path: str) -> tuple[dict[str, _SafetensorsEntry], int]:
    """Parse and check the header, so truncation is reported before any tensor is used."""
    fmt = "safetensors"
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise _unreadable(path, fmt, f"file is {size} bytes, too short for the header length")
        header_len = int.from_bytes(prefix, "little")
        if header_len > size - 8:
            raise _unreadable(
                path,
                fmt,
                f"header claims {header_len} bytes but only {size - 8} follow the length field",
            )
        header_bytes = f.read(header_len)
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _unreadable(path, fmt, f"header is not valid JSON ({e})") from e
    if not isinstance(header, dict):
        raise _unreadable(path, fmt, "header is not a JSON object")

    data_start = 8 + header_len
    entries: dict[str, _SafetensorsEntry] = {}
    data_end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        entry = _parse_safetensors_entry(path, name, info)
        entries[name] = entry
        data_end = max(data_end, entry.end)
    if data_start + data_end > size:
        raise _unreadable(
            path,
            fmt,
            f"file is truncated: tensor data ends at byte {data_start + data_end} but the file "
            f"has {size} bytes",
        )
    return entries, data_start


def _parse_safetensors_entry(path: str, name: str, info: Any) -> _SafetensorsEntry:
    def bad(reason: str) -> ValueError:
        return _unreadable(path, "safetensors", f"tensor {name!r}: {reason}")

    if not isinstance(info, dict):
        raise bad("header entry is not an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in _SAFETENSORS_DTYPES:
        raise bad(f"unsupported dtype {dtype!r}")
    if not _is_int_list(shape) or any(d < 0 for d in shape):
        raise bad(f"invalid shape {shape!r}")
    if not _is_int_list(offsets) or len(offsets) != 2 or not 0 <= offsets[0] <= offsets[1]:
        raise bad(f"invalid data_offsets {offsets!r}")
    nbytes = math.prod(shape) * _SAFETENSORS_DTYPES[dtype][0].itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise bad(f"data_offsets {offsets} span {offsets[1] - offsets[0]} bytes, expected {nbytes}")
    return _SafetensorsEntry(dtype, tuple(shape), offsets[0], offsets[1])


def _is_int_list(value: Any) -> bool:
    return isinstance(value, list) and all(type(v) is int for v in value)


def _read_torch(path: str) -> _ArrayMapping:
    try:
        import torch
    except ImportError as e:
        raise ImportError("reading .pth needs torch: pip install luximm-keras[torch]") from e
    fmt = "a PyTorch checkpoint (torch.load with weights_only=True)"
    # mmap keeps tensor storage on disk until each array is converted, but torch only supports
    # it for the zipfile format; legacy (pre-1.6) checkpoints must be read whole.
    use_mmap = zipfile.is_zipfile(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=use_mmap)
    except Exception as e:  # torch.load reports corruption through many exception types
        raise _unreadable(path, fmt, f"{type(e).__name__}: {e}") from e
    if not isinstance(checkpoint, Mapping):
        raise _unreadable(path, fmt, f"it holds a {type(checkpoint).__name__}, not a state dict")
    return _state_dict_view(checkpoint, source=path)


def _read_npz(path: str) -> _ArrayMapping:
    fmt = "npz"
    try:
        # allow_pickle=False: an .npz must not be able to run code; it also means every member
        # is a plain array, so no member needs to be read to decide what to keep.
        npz = np.load(path, allow_pickle=False)
    except Exception as e:  # zipfile, format and pickle-refusal errors all mean "not an npz"
        raise _unreadable(path, fmt, f"{type(e).__name__}: {e}") from e
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise _unreadable(path, fmt, "it holds a single .npy array, not a named archive")
    return _npz_view(npz, source=path)


def _npz_view(npz: np.lib.npyio.NpzFile, source: str) -> _ArrayMapping:
    names = _clean_names({k: k for k in npz.keys()})
    return _ArrayMapping(names, lambda key: _widen(npz[key]), source=source)


# ---------------------------------------------------------------------------------------------
# In-memory state dicts


def _state_dict_view(checkpoint: Mapping[Any, Any], source: str) -> _ArrayMapping:
    state_dict = _unwrap(checkpoint)
    kept = {k: k for k, v in state_dict.items() if isinstance(k, str) and _is_array_like(v)}
    return _ArrayMapping(_clean_names(kept), lambda key: _to_numpy(state_dict[key]), source=source)


def _unwrap(checkpoint: Mapping[Any, Any]) -> Mapping[Any, Any]:
    # A flat state dict is returned as is even if it happens to have a key named "model".
    if all(_is_array_like(v) for v in checkpoint.values()):
        return checkpoint
    for key in _WRAPPER_KEYS:
        inner = checkpoint.get(key)
        if isinstance(inner, Mapping) and any(_is_array_like(v) for v in inner.values()):
            return inner
    return checkpoint


def _clean_names(names: dict[str, Any]) -> dict[str, Any]:
    """Strip wrapper prefixes that every key carries, in whatever order they were stacked."""
    stripped = True
    while names and stripped:
        stripped = False
        for prefix in _WRAPPER_PREFIXES:
            if all(name.startswith(prefix) for name in names):
                names = {name[len(prefix):]: target for name, target in names.items()}
                stripped = True
    return names


def _is_array_like(value: Any) -> bool:
    """Cheap check that never converts a tensor, so filtering never materializes a checkpoint."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufc" or _is_narrow_float(value.dtype)
    if isinstance(value, (str, bytes, Mapping)) or value is None:
        return False
    if hasattr(value, "detach") and hasattr(value, "dtype"):  # torch
        return True
    if any(hasattr(value, a) for a in ("__array__", "__array_interface__", "__array_struct__")):
        return True  # jax, tf, and other array libraries
    if isinstance(value, (bool, int, float, complex, np.generic, list, tuple)):
        # Plain Python data is small enough to probe; keep it only if it is numeric.
        try:
            probe = np.asarray(value)
        except (ValueError, TypeError):
            return False
        return probe.dtype.kind in "biufc"
    return False


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        array = value
    elif hasattr(value, "detach") and hasattr(value, "dtype"):
        array = _torch_to_numpy(value)
    else:
        array = np.asarray(value)
    return _widen(array)


def _torch_to_numpy(tensor: Any) -> np.ndarray:
    # Duck-typed so that torch is never imported just to convert a mapping.
    tensor = tensor.detach().cpu()
    dtype = str(tensor.dtype)
    if dtype in _TORCH_NARROW_FLOATS or dtype.startswith("torch.float8"):
        # numpy has no bfloat16/float8; widening to float32 is exact.
        tensor = tensor.float()
    return tensor.numpy()


def _is_narrow_float(dtype: np.dtype) -> bool:
    # ml_dtypes' bfloat16/float8 report kind "V", so they are recognised by name.
    return dtype.name in _NARROW_FLOAT_NAMES or dtype.name.startswith(_NARROW_FLOAT_PREFIXES)


def _widen(array: np.ndarray) -> np.ndarray:
    if _is_narrow_float(array.dtype):
        return array.astype(np.float32)
    if not array.dtype.isnative:
        return _native(array)
    return array
