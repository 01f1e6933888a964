"""The notebooks run top to bottom on the current backend (each cell's errors fail the test), and they
are stored with their outputs, so that a reader on GitHub sees the results.

To store fresh outputs after editing a notebook (on jax, as the stored ones were made):

    KERAS_BACKEND=jax .venv/bin/python tests/test_notebooks.py notebooks/01_blocks.ipynb ...
"""

import os
import sys
import tempfile
from pathlib import Path

import keras
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def execute(path: Path, folder: str):
    """The notebook at `path` executed by a fresh kernel on this process's backend, in `folder`."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    env = {"KERAS_BACKEND": keras.backend.backend(), "TF_CPP_MIN_LOG_LEVEL": "3"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": folder}})
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_with_its_outputs(path):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(path, as_version=4)
    cells = _code_cells(notebook)
    assert cells and all(isinstance(cell.execution_count, int) for cell in cells), "run it and store the outputs"
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), "run top to bottom"
    outputs = [output for cell in cells for output in cell.outputs]
    assert len([cell for cell in cells if cell.outputs]) >= len(cells) // 2
    assert not [o for o in outputs if o.output_type == "error"]
    for output in outputs:  # kept small: no stored figure or log over 200 kB
        assert len(str(output)) < 200_000


def test_a_notebook_shows_a_picture():
    nbformat = pytest.importorskip("nbformat")
    kinds = {kind for path in NOTEBOOKS for cell in _code_cells(nbformat.read(path, as_version=4))
             for output in cell.outputs for kind in output.get("data", {})}
    assert kinds & {"image/png", "image/jpeg"}


# Executed in CI on torch (the notebooks run on whichever backend KERAS_BACKEND names), on jax and
# TensorFlow in the slow suite.
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
@(pytest.mark.slow if keras.backend.backend() != "torch" else (lambda test: test))
def test_notebook_runs(path, tmp_path):
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    notebook = execute(path, str(tmp_path))
    outputs = [o for cell in _code_cells(notebook) for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert list(tmp_path.iterdir()) == []  # the notebooks write into a temporary folder of their own


def _for_storing(notebook) -> None:
    """Drops what would churn or only speaks of the machine that ran it: the per-cell execution
    timestamps, and stderr (TensorFlow's start-up notices, which ipykernel passes on because Keras
    imports TensorFlow to save a model even on jax; tqdm's note that ipywidgets is missing)."""
    for cell in _code_cells(notebook):
        cell.metadata.pop("execution", None)
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]


if __name__ == "__main__":
    import nbformat

    for argument in sys.argv[1:] or map(str, NOTEBOOKS):
        with tempfile.TemporaryDirectory() as folder:
            executed = execute(Path(argument), folder)
        _for_storing(executed)
        nbformat.write(executed, argument)
        print("stored", argument)
