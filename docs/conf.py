"""Sphinx configuration for skmlp (numpydoc + autosummary, no network needed)."""

import ast
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # build from a clone without installing

import skmlp  # noqa: E402

project = "skmlp"
author = "the skmlp developers"
copyright = "2026, the skmlp developers"
version = release = skmlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False  # the class template lists the methods itself
numpydoc_class_members_toctree = False
html_theme = "alabaster"
html_static_path = []


def _skip_metadata_request_setters(app, what, name, obj, skip, options):
    # sklearn generates set_fit_request & co. on every estimator; their docstrings
    # point into sklearn's own docs, which this build cannot resolve offline.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _write_examples_page(app):
    """Write auto_examples/index.rst: one section per examples/plot_*.py."""
    out = DOCS / "auto_examples"
    out.mkdir(exist_ok=True)
    lines = [
        "Examples",
        "========",
        "",
        "Each script in ``examples/`` reproduces one experiment of the course notes.",
        "Run one with ``python examples/<name>.py`` (matplotlib needed); the test",
        "suite runs all of them headless (``tests/test_examples.py``).",
        "",
    ]
    for path in sorted((ROOT / "examples").glob("plot_*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text())) or path.stem
        title, _, body = doc.partition("\n")
        body = body.strip()
        first, _, rest = body.partition("\n")
        if first and len(set(first)) == 1 and first[0] in "=-~^*#+":
            body = rest  # the docstring underlines its own title
        rel = os.path.relpath(path, out)
        lines += [title.strip(), "-" * max(len(title.strip()), 3), "",
                  f"``examples/{path.name}``", "", body.strip(), "",
                  f".. literalinclude:: {rel}", "   :language: python", ""]
    text = "\n".join(lines)
    index = out / "index.rst"
    if not index.exists() or index.read_text() != text:
        index.write_text(text)


def setup(app):
    app.connect("builder-inited", _write_examples_page)
    app.connect("autodoc-skip-member", _skip_metadata_request_setters)
