"""README's Python examples run as written, on every backend."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    import keras

    if EXAMPLES[index].startswith("# needs the jax backend") and keras.backend.backend() != "jax":
        pytest.skip("this README example is for the jax backend")
    monkeypatch.chdir(tmp_path)
    exec(compile(EXAMPLES[index], f"README.md example {index}", "exec"), {})
    printed = capsys.readouterr().out
    # Each example states its output in a trailing comment: check what it printed against it.
    for expected in re.findall(r"print\(.*\)\s+# (.+)", EXAMPLES[index]):
        assert expected.strip() in printed, (expected, printed)
