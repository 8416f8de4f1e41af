"""Every examples/plot_*.py runs headless, so no example rots unnoticed.

tests/conftest.py selects matplotlib's Agg backend before any example imports
pyplot; plt.show() is then a no-op, and each example's figures are closed after
it runs so they do not pile up across tests.
"""

import runpy
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert EXAMPLES, "no examples/plot_*.py found"


def test_examples_have_a_docstring_title():
    # The docs' examples page takes each title and explanation from the docstring.
    import ast

    for path in EXAMPLES:
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and doc.strip().splitlines()[0].strip(), f"{path.name}: no docstring title"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, monkeypatch, tmp_path):
    # Run from a scratch directory: an example that saves a file saves nothing
    # into the repository.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(path)])
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")
