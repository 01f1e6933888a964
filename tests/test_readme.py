"""README's Python examples run as written, on every backend.

An example that loads pretrained weights by name runs against a Hugging Face cache the test fills
(offline, random weights under the repo timm's config names), and finds a photograph, `cat.jpg`
(scikit-image's), in its working folder.
"""

import re
from pathlib import Path

import pytest

from hf_cache import offline_hf_cache, publish_random_weights  # tests/hf_cache.py

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


def prepare_hub_and_photo(example: str, folder: Path, monkeypatch) -> None:
    """What a networked machine would have: each `create_model("NAME", pretrained=True)` of the
    example published on the Hub (here: cached), and a photo to classify."""
    names = re.findall(r"create_model\(\"([^\"]+)\", pretrained=True", example)
    if not names:
        return
    from PIL import Image
    from skimage import data

    cache = offline_hf_cache(folder / "hub", monkeypatch)
    for name in names:
        publish_random_weights(cache, name, folder)
    Image.fromarray(data.chelsea()).save(folder / "cat.jpg")


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    import keras

    if EXAMPLES[index].startswith("# needs the jax backend") and keras.backend.backend() != "jax":
        pytest.skip("this README example is for the jax backend")
    monkeypatch.chdir(tmp_path)
    prepare_hub_and_photo(EXAMPLES[index], tmp_path, monkeypatch)
    exec(compile(EXAMPLES[index], f"README.md example {index}", "exec"), {})
    printed = capsys.readouterr().out
    # Each example states its output in a trailing comment: check what it printed against it.
    for expected in re.findall(r"print\(.*\)\s+# (.+)", EXAMPLES[index]):
        assert expected.strip() in printed, (expected, printed)
