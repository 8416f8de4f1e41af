"""Every examples/plot_*.py runs headless and draws, so no example rots unnoticed.

The docs build turns these scripts into a sphinx-gallery (docs/conf.py), which
runs the files whose names start with ``plot_`` and captures the figures they
leave open. These tests hold each example to that pattern (examples/README.txt):
a sphinx-gallery docstring title, and at least one open figure at the end.

tests/conftest.py selects matplotlib's Agg backend before any example imports
pyplot, so plt.show() is a no-op; each example's figures are closed after it
runs so they do not pile up across tests.
"""

import ast
import runpy
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))


def test_there_are_examples():
    assert EXAMPLES, "no examples/plot_*.py found"


def test_every_example_script_is_a_gallery_example():
    # sphinx-gallery only runs (and draws) the files named plot_*.py.
    scripts = sorted(EXAMPLES_DIR.glob("*.py"))
    assert scripts == EXAMPLES, "name example scripts examples/plot_<topic>.py"
    assert (EXAMPLES_DIR / "README.txt").is_file(), "the gallery needs its header"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_has_a_gallery_title(path):
    # sphinx-gallery takes the page title from the docstring's first line and
    # needs it underlined with '=' as a reStructuredText section title.
    doc = ast.get_docstring(ast.parse(path.read_text()), clean=False)
    assert doc, f"{path.name}: no module docstring"
    lines = doc.strip("\n").splitlines()
    assert len(lines) >= 3, f"{path.name}: a title, its underline and a text"
    title, underline = lines[0].strip(), lines[1].strip()
    assert title, f"{path.name}: empty title line"
    assert set(underline) == {"="} and len(underline) >= len(title), (
        f"{path.name}: underline the title with at least {len(title)} '='")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_leaves_a_figure(path, monkeypatch, tmp_path):
    # Run from a scratch directory: an example that saves a file saves nothing
    # into the repository.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(path)])
    plt.close("all")
    try:
        runpy.run_path(str(path), run_name="__main__")
        assert plt.get_fignums(), (
            f"{path.name} left no open figure: the gallery would show no image")
    finally:
        plt.close("all")
