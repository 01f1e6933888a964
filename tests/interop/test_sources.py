"""Tests for luximm_keras.interop.sources.read_checkpoint."""

# torch first: importing tensorflow before torch in one process segfaults, and this file must
# not depend on whatever the rest of the package imports.
import torch  # noqa: I001

import importlib
import importlib.util
import os
import pathlib
import pickle
import sys

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch

_REPO = pathlib.Path(__file__).resolve().parents[2]
_SOURCES_PATH = _REPO / "luximm_keras" / "interop" / "sources.py"


def _load_sources():
    try:
        return importlib.import_module("luximm_keras.interop.sources")
    except Exception:
        # The package __init__ files may not exist yet (or be mid-edit); the module has no
        # package-relative imports, so load it straight from its file.
        spec = importlib.util.spec_from_file_location("_luximm_sources_under_test", _SOURCES_PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module


sources = _load_sources()
read_checkpoint = sources.read_checkpoint


def _torch_state_dict():
    g = torch.Generator().manual_seed(0)
    return {
        "f32": torch.randn(3, 4, generator=g),
        "f16": torch.randn(5, generator=g).half(),
        "bf16": torch.randn(2, 3, 2, generator=g).bfloat16(),
        "i64": torch.arange(-3, 4, dtype=torch.int64),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }


def _expected(value):
    """What read_checkpoint must return for a torch tensor: exact, narrow floats widened."""
    t = value.detach().cpu()
    if t.dtype in (torch.float16, torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2):
        t = t.float()
    return t.numpy()


def _assert_same(actual_mapping, expected_mapping):
    assert sorted(actual_mapping.keys()) == sorted(expected_mapping.keys())
    for key, expected in expected_mapping.items():
        actual = actual_mapping[key]
        assert isinstance(actual, np.ndarray), key
        assert actual.dtype == expected.dtype, (key, actual.dtype, expected.dtype)
        assert actual.shape == expected.shape, key
        np.testing.assert_array_equal(actual, expected, strict=True)


# --- safetensors ------------------------------------------------------------------------------


def test_safetensors_written_by_torch_round_trips(tmp_path):
    sd = _torch_state_dict()
    path = tmp_path / "w.safetensors"
    safetensors.torch.save_file(sd, str(path))

    out = read_checkpoint(path)

    _assert_same(out, {k: _expected(v) for k, v in sd.items()})
    assert out["bf16"].dtype == np.float32
    assert out["f16"].dtype == np.float32
    assert out["i64"].dtype == np.int64


def test_safetensors_bf16_bit_patterns_are_exact(tmp_path):
    # Every bf16 bit pattern, including subnormals, infinities and NaNs, must widen exactly.
    bits = torch.arange(0, 1 << 16, dtype=torch.int32).to(torch.int16)
    sd = {"all": bits.view(torch.bfloat16)}
    path = tmp_path / "all.safetensors"
    safetensors.torch.save_file(sd, str(path))

    got = read_checkpoint(str(path))["all"]

    want = sd["all"].float().numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


def test_safetensors_float8_is_widened_exactly(tmp_path):
    x = torch.linspace(-8, 8, 33)
    sd = {"e4m3": x.to(torch.float8_e4m3fn), "e5m2": x.to(torch.float8_e5m2)}
    path = tmp_path / "f8.safetensors"
    safetensors.torch.save_file(sd, str(path))

    _assert_same(read_checkpoint(path), {k: _expected(v) for k, v in sd.items()})


def test_safetensors_written_by_numpy_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "f64": rng.standard_normal((2, 3)),
        "f32": rng.standard_normal(4).astype(np.float32),
        "f16": rng.standard_normal((3, 1)).astype(np.float16),
        "i64": np.arange(6, dtype=np.int64).reshape(2, 3),
        "i8": np.array([-128, 0, 127], dtype=np.int8),
        "u8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False, True]),
    }
    path = tmp_path / "np.safetensors"
    safetensors.numpy.save_file(arrays, str(path))

    expected = dict(arrays, f16=arrays["f16"].astype(np.float32))
    _assert_same(read_checkpoint(path), expected)


def test_safetensors_values_are_writable_copies(tmp_path):
    path = tmp_path / "w.safetensors"
    safetensors.torch.save_file({"w": torch.ones(3)}, str(path))
    out = read_checkpoint(path)

    first = out["w"]
    first[0] = 7.0

    np.testing.assert_array_equal(out["w"], np.ones(3, np.float32), strict=True)


def test_safetensors_keys_listed_without_reading_data(tmp_path, monkeypatch):
    sd = _torch_state_dict()
    path = tmp_path / "w.safetensors"
    safetensors.torch.save_file(sd, str(path))

    opened = []
    real_open = open

    def counting_open(file, mode="r", *args, **kwargs):
        opened.append((os.fspath(file), mode))
        return real_open(file, mode, *args, **kwargs)

    # Module globals shadow builtins, so this sees every file the module opens.
    monkeypatch.setattr(sources, "open", counting_open, raising=False)

    out = read_checkpoint(path)
    after_header = len(opened)
    assert sorted(out) == sorted(sd)
    assert len(out) == len(sd)
    assert "bf16" in out and "missing" not in out
    assert list(out.keys()) == list(out)
    assert not isinstance(out, dict)
    assert len(opened) == after_header, "listing keys must not read tensor data"

    np.testing.assert_array_equal(out["f32"], sd["f32"].numpy(), strict=True)
    assert len(opened) == after_header + 1, "one tensor access reads one tensor"


def test_safetensors_data_is_read_at_access_time(tmp_path):
    # If read_checkpoint had materialized the tensors, rewriting the file afterwards could not
    # change what the mapping returns.
    path = tmp_path / "w.safetensors"
    safetensors.torch.save_file({"a": torch.zeros(4), "b": torch.arange(3)}, str(path))
    out = read_checkpoint(path)

    safetensors.torch.save_file({"a": torch.full((4,), 3.0), "b": torch.arange(3)}, str(path))

    np.testing.assert_array_equal(out["a"], np.full(4, 3.0, np.float32), strict=True)


@pytest.mark.parametrize(
    "cut",
    [lambda n: n // 2, lambda n: 20, lambda n: 4, lambda n: 0],
    ids=["half", "in-header", "in-length", "empty"],
)
def test_truncated_safetensors_raises_naming_file(tmp_path, cut):
    path = tmp_path / "cut.safetensors"
    sd = {"w": torch.randn(64, 64), "b": torch.randn(64).bfloat16()}
    safetensors.torch.save_file(sd, str(path))
    data = path.read_bytes()
    path.write_bytes(data[: cut(len(data))])

    with pytest.raises(ValueError, match="safetensors") as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)


def test_safetensors_cut_inside_data_is_detected_eagerly(tmp_path):
    path = tmp_path / "cut.safetensors"
    safetensors.torch.save_file({"w": torch.randn(64, 64)}, str(path))
    data = path.read_bytes()
    path.write_bytes(data[:-1])

    with pytest.raises(ValueError, match="truncated") as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)


def test_safetensors_garbage_header_chains_cause(tmp_path):
    path = tmp_path / "bad.safetensors"
    header = b"{not json"
    path.write_bytes(len(header).to_bytes(8, "little") + header)

    with pytest.raises(ValueError, match="could not be read as safetensors") as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)
    assert info.value.__cause__ is not None


# --- torch files ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".pth", ".pt", ".bin"])
def test_torch_state_dict_round_trips(tmp_path, suffix):
    sd = _torch_state_dict()
    path = tmp_path / f"w{suffix}"
    torch.save(sd, path)

    _assert_same(read_checkpoint(path), {k: _expected(v) for k, v in sd.items()})


@pytest.mark.parametrize("wrapper", ["state_dict", "model"])
def test_torch_wrapped_checkpoint_is_unwrapped(tmp_path, wrapper):
    sd = _torch_state_dict()
    path = tmp_path / "ckpt.pth"
    torch.save({wrapper: sd, "epoch": 12, "optimizer": {"lr": 0.1}, "arch": "vit"}, path)

    _assert_same(read_checkpoint(path), {k: _expected(v) for k, v in sd.items()})


def test_torch_prefers_plain_weights_over_ema(tmp_path):
    sd = {"w": torch.ones(2)}
    ema = {"w": torch.full((2,), 5.0)}
    path = tmp_path / "ckpt.pth"
    torch.save({"state_dict_ema": ema, "model_ema": ema, "model": sd, "epoch": 1}, path)

    _assert_same(read_checkpoint(path), {"w": np.ones(2, np.float32)})


def test_state_dict_preferred_over_model(tmp_path):
    path = tmp_path / "ckpt.pth"
    torch.save({"model": {"w": torch.zeros(1)}, "state_dict": {"w": torch.ones(1)}}, path)

    _assert_same(read_checkpoint(path), {"w": np.ones(1, np.float32)})


def test_ema_only_checkpoint_falls_back_to_ema(tmp_path):
    path = tmp_path / "ckpt.pth"
    torch.save({"state_dict_ema": {"w": torch.full((2,), 5.0)}, "epoch": 3}, path)

    _assert_same(read_checkpoint(path), {"w": np.full(2, 5.0, np.float32)})


def test_flat_state_dict_with_model_key_is_not_unwrapped(tmp_path):
    sd = {"model": torch.ones(2), "head.weight": torch.zeros(3)}
    path = tmp_path / "flat.pth"
    torch.save(sd, path)

    _assert_same(read_checkpoint(path), {k: _expected(v) for k, v in sd.items()})


def test_module_prefix_is_stripped(tmp_path):
    sd = _torch_state_dict()
    path = tmp_path / "ddp.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in sd.items()}}, path)

    _assert_same(read_checkpoint(path), {k: _expected(v) for k, v in sd.items()})


def test_stacked_wrapper_prefixes_are_stripped():
    sd = {"_orig_mod.module.a.weight": torch.ones(1), "_orig_mod.module.b": torch.zeros(1)}

    assert sorted(read_checkpoint(sd)) == ["a.weight", "b"]


def test_module_prefix_kept_when_not_on_every_key():
    sd = {"module.a": torch.ones(1), "b": torch.zeros(1)}

    assert sorted(read_checkpoint(sd)) == ["b", "module.a"]


def test_legacy_non_zip_torch_file_is_read(tmp_path):
    sd = _torch_state_dict()
    path = tmp_path / "legacy.pth"
    torch.save(sd, path, _use_new_zipfile_serialization=False)

    _assert_same(read_checkpoint(path), {k: _expected(v) for k, v in sd.items()})


def test_torch_load_called_safely(tmp_path, monkeypatch):
    path = tmp_path / "w.pth"
    torch.save({"w": torch.ones(1)}, path)
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    read_checkpoint(path)

    assert calls == [{"map_location": "cpu", "weights_only": True, "mmap": True}]


def test_garbage_pth_raises_naming_file(tmp_path):
    path = tmp_path / "garbage.pth"
    path.write_bytes(b"\x00\x13garbage" * 100)

    with pytest.raises(ValueError, match="could not be read as a PyTorch checkpoint") as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)
    assert info.value.__cause__ is not None


def test_truncated_zip_pth_raises(tmp_path):
    path = tmp_path / "cut.pth"
    torch.save({"w": torch.randn(256, 256)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ValueError) as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)


def _touch(marker):
    pathlib.Path(marker).write_text("code ran")
    return {}


class _Payload:
    """Unpickling this runs _touch: it stands in for a malicious checkpoint."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (_touch, (self.marker,))


def test_pth_with_pickled_object_is_refused_without_running_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"w": torch.ones(1), "payload": _Payload(str(marker))}, path)

    with pytest.raises(ValueError, match="weights_only=True") as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value.__cause__, pickle.UnpicklingError)
    assert not marker.exists()

    # Sanity check that the payload is live, i.e. the refusal above is what protected us.
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_missing_torch_gives_install_hint(tmp_path, monkeypatch):
    path = tmp_path / "w.pth"
    torch.save({"w": torch.ones(1)}, path)
    monkeypatch.setitem(sys.modules, "torch", None)

    with pytest.raises(ImportError, match=r"pip install luximm-keras\[torch\]"):
        read_checkpoint(path)


# --- npz --------------------------------------------------------------------------------------


def test_npz_round_trips(tmp_path):
    arrays = {
        "f32": np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),
        "f16": np.array([0.5, -2.0, 65504.0], dtype=np.float16),
        "f64": np.array([1e-300]),
        "i64": np.arange(4, dtype=np.int64),
    }
    path = tmp_path / "w.npz"
    np.savez(path, **arrays)

    out = read_checkpoint(path)

    assert not isinstance(out, dict)
    _assert_same(out, dict(arrays, f16=arrays["f16"].astype(np.float32)))


def test_npz_module_prefix_is_stripped(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **{"module.a": np.ones(2), "module.b": np.zeros(1)})

    _assert_same(read_checkpoint(path), {"a": np.ones(2), "b": np.zeros(1)})


@pytest.mark.parametrize("content", [b"not a zip at all", None])
def test_corrupt_npz_raises_naming_file(tmp_path, content):
    path = tmp_path / "bad.npz"
    if content is None:
        # A single .npy array saved under an .npz name is not a named archive.
        with open(path, "wb") as f:
            np.save(f, np.ones(3))
    else:
        path.write_bytes(content)

    with pytest.raises(ValueError, match="could not be read as npz") as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)


# --- mappings ---------------------------------------------------------------------------------


def test_mapping_of_torch_tensors():
    param = torch.nn.Parameter(torch.randn(3, 2))
    grad_tensor = torch.randn(4, requires_grad=True) * 2  # non-leaf, carries a grad_fn
    sd = {
        "param": param,
        "grad": grad_tensor,
        "bf16": torch.randn(5).bfloat16(),
        "f16": torch.randn(2, 2).half(),
        "f64": torch.randn(3, dtype=torch.float64),
        "i32": torch.arange(3, dtype=torch.int32),
        "bool": torch.tensor([True, False]),
    }

    out = read_checkpoint(sd)

    _assert_same(out, {k: _expected(v) for k, v in sd.items()})
    assert out["f64"].dtype == np.float64
    assert out["i32"].dtype == np.int32


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mapping_of_cuda_tensors():
    sd = {"w": torch.randn(3, device="cuda").bfloat16(), "b": torch.arange(2, device="cuda")}

    _assert_same(read_checkpoint(sd), {k: _expected(v) for k, v in sd.items()})


def test_mapping_keeps_arrays_and_numeric_scalars_only():
    big_endian = np.arange(3, dtype=">i4")
    sd = {
        "np": np.arange(6, dtype=np.float32).reshape(2, 3),
        "np_f16": np.array([1.5, -0.25], dtype=np.float16),
        "big_endian": big_endian,
        "count": 7,
        "ratio": 0.5,
        "np_scalar": np.float64(2.0),
        "name": "resnet50",
        "nothing": None,
        "config": {"depth": 50},
        "strings": np.array(["a", "b"]),
        "objects": np.array([object()], dtype=object),
    }

    out = read_checkpoint(sd)

    _assert_same(
        out,
        {
            "np": sd["np"],
            "np_f16": np.array([1.5, -0.25], dtype=np.float32),
            "big_endian": np.arange(3, dtype=np.int32),
            "count": np.asarray(7),
            "ratio": np.asarray(0.5),
            "np_scalar": np.asarray(2.0),
        },
    )
    assert out["big_endian"].dtype.isnative


def test_mapping_of_jax_arrays():
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.arange(6, dtype=jnp.float32).reshape(2, 3) / 7
    sd = {"f32": x, "bf16": x.astype(jnp.bfloat16)}

    out = read_checkpoint(sd)

    np.testing.assert_array_equal(out["f32"], np.asarray(x), strict=True)
    want_bf16 = np.asarray(sd["bf16"]).astype(np.float32)
    np.testing.assert_array_equal(out["bf16"], want_bf16, strict=True)


def test_mapping_protocol_and_missing_key():
    out = read_checkpoint({"a": torch.ones(1), "b": torch.zeros(2)})

    assert set(out.keys()) == {"a", "b"}
    assert len(out) == 2
    assert "a" in out and "c" not in out
    assert sorted(iter(out)) == ["a", "b"]
    with pytest.raises(KeyError):
        out["c"]


def test_read_checkpoint_is_idempotent(tmp_path):
    path = tmp_path / "w.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2)}, str(path))
    out = read_checkpoint(path)

    assert read_checkpoint(out) is out


# --- path errors ------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.safetensors"

    with pytest.raises(FileNotFoundError) as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)


def test_unknown_suffix(tmp_path):
    path = tmp_path / "weights.h5"
    path.write_bytes(b"x")

    with pytest.raises(ValueError) as info:
        read_checkpoint(str(path))
    message = str(info.value)
    assert str(path) in message
    for suffix in (".safetensors", ".pth", ".pt", ".bin", ".npz"):
        assert suffix in message


def test_directory_is_rejected(tmp_path):
    directory = tmp_path / "ckpt.safetensors"
    directory.mkdir()

    with pytest.raises(ValueError, match="directory") as info:
        read_checkpoint(directory)
    assert str(directory) in str(info.value)


def test_unsupported_input_type():
    with pytest.raises(TypeError):
        read_checkpoint(42)


def test_module_does_not_import_torch_at_import_time():
    source = _SOURCES_PATH.read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not any("torch" in line for line in top_level)
