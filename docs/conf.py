"""Sphinx configuration for skmlp: numpydoc + autosummary, a sphinx-gallery of
examples/, pydata-sphinx-theme, and MathJax served from the build (no network
needed to build or to read the pages)."""

import importlib.util
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # build from a clone without installing

# sphinx-gallery resolves the names an example uses through scikit-learn's
# public modules; MLPHalvingGridSearchCV's parent class is there only once
# the experimental halving searches are enabled (skmlp.model_selection
# enables them too, but the gallery looks before any example runs).
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401

import skmlp  # noqa: E402

project = "skmlp"
author = "the skmlp developers"
copyright = "2026, the skmlp developers"
version = release = skmlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 copied into _static/: formulas typeset without a CDN.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
autosummary_generate = True
# API pages are titled by the object's own name (its signature gives the module),
# and "On this page" lists methods without the class's name: both fit their column.
toc_object_entries_show_parents = "hide"
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False  # the class template lists the methods itself
numpydoc_class_members_toctree = False

# The gallery: every examples/plot_*.py is run, its figures become images and
# its docstring the page's title and introduction (examples/README.txt says how
# to add one). A failing example fails the build.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "doc_module": ("skmlp",),
    "backreferences_dir": "generated/backreferences",
    "show_memory": False,
    # The timing pages load their table scripts from a CDN: leave them out.
    "write_computation_times": False,
    # An example's matplotlib FuncAnimation (a module-level variable) becomes a
    # JavaScript player with its frames embedded: no ffmpeg, no network.
    "matplotlib_animations": (True, "jshtml"),
}

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 5,  # one row at 1280 px; the rest under "More"
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_static_path = ["_static"]
# Long lines of code and output wrap inside the content column instead of
# running off its edge; the benchmark tables get a compact style.
html_css_files = ["skmlp.css"]
# Pages without sub-pages: no empty navigation column beside them.
html_sidebars = {page: [] for page in ("install", "scale_out", "datasets", "benchmarks")}


def _skip_metadata_request_setters(app, what, name, obj, skip, options):
    # sklearn generates set_fit_request & co. on every estimator; their docstrings
    # point into sklearn's own docs, which this build cannot resolve offline.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


# Methods a class inherits from scikit-learn (the search's predict, score, ...)
# cite scikit-learn's glossary and user guide, which an offline build cannot
# link: their docstrings keep the words, as literals or plain text.
_SKLEARN_ROLES = re.compile(r":term:`([^`<]+?)(?:\s*<[^>]*>)?`|:ref:`([^`<]+?)\s*<[^>]*>`")


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    module = getattr(getattr(obj, "fget", obj), "__module__", None) or ""
    if module.split(".")[0] == "sklearn":
        lines[:] = [_SKLEARN_ROLES.sub(_unlinked, line) for line in lines]


def _unlinked(match):
    term, ref_text = match.groups()
    return f"``{term}``" if term else f"scikit-learn's {ref_text}"


def _write_benchmark_results(app):
    # The benchmarks' result files (benchmarks/results/*.json) become the tables
    # and figures that docs/benchmarks.rst and the model-selection guide include:
    # benchmarks/publish.py renders them, and benchmarks/README.md, alike.
    spec = importlib.util.spec_from_file_location("skmlp_benchmarks_publish",
                                                  ROOT / "benchmarks" / "publish.py")
    publish = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(publish)
    publish.write_docs(DOCS / "generated")


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_setters)
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles)
    app.connect("builder-inited", _write_benchmark_results)
