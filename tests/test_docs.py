"""The documentation's code and its worked results are checked.

- every ``.. code-block:: python`` of docs/ runs (the quick start, the worked
  backprop example, which asserts the published hand-computed weights itself);
- the API page lists every public estimator and every public function of
  skmlp.nn and skmlp.datasets;
- the install page lists every extra of setup.cfg with every package in it;
- the user guide's results for the Bayes problems it works by hand hold,
  checked against scipy.stats densities and a numerical risk integral, not
  against skmlp itself.
"""

import configparser
import importlib.util
import re
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import multivariate_normal

import skmlp
import skmlp.datasets
import skmlp.model_selection
import skmlp.nn

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Written by the docs build (docs/.gitignore), not sources: the gallery pages
# hold the examples' code, which tests/test_examples.py runs.
GENERATED = {"_build", "auto_examples", "generated"}
_BLOCK = re.compile(r"^\.\. code-block:: python\n((?:\n|[ ]{3}.*\n)+)", flags=re.M)
# The callbacks' examples need scikit-learn's callback API, new in scikit-learn 1.9.
_NEEDS_CALLBACKS = pytest.mark.skipif(importlib.util.find_spec("sklearn.callback") is None,
                                      reason="scikit-learn < 1.9: no sklearn.callback")


def _python_blocks():
    blocks = []
    for path in sorted(DOCS.rglob("*.rst")):
        if GENERATED & set(path.relative_to(DOCS).parts):
            continue
        text = path.read_text()
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            code = textwrap.dedent(match.group(1))
            marks = [_NEEDS_CALLBACKS] if "sklearn.callback" in code else []
            blocks.append(pytest.param(path, code, id=f"{path.relative_to(DOCS)}:{line}",
                                       marks=marks))
    return blocks


def test_docs_have_python_blocks():
    assert len(_python_blocks()) >= 4


@pytest.mark.parametrize("path, code", _python_blocks())
def test_docs_python_block_runs(path, code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short max_iter: ConvergenceWarning expected
        exec(compile(code, str(path), "exec"), {"__name__": "__docs__"})


def _autosummary_names(module_name):
    """Names listed in the autosummary blocks after ``.. currentmodule:: module``."""
    text = (DOCS / "api.rst").read_text()
    names = set()
    for section in text.split(".. currentmodule:: ")[1:]:
        current, _, body = section.partition("\n")
        if current.strip() != module_name:
            continue
        for block in re.findall(r"\.\. autosummary::\n((?:\n|[ ]{3}.*\n)+)", body):
            names |= {ln.strip() for ln in block.splitlines()
                      if ln.strip() and not ln.strip().startswith(":")}
    return names


@pytest.mark.parametrize("module", [skmlp, skmlp.nn, skmlp.datasets, skmlp.model_selection],
                         ids=lambda m: m.__name__)
def test_api_page_lists_every_public_callable(module):
    public = {name for name in module.__all__
              if callable(getattr(module, name)) and not name.isupper()}
    assert public, module.__name__
    assert public <= _autosummary_names(module.__name__)


def _extras():
    """setup.cfg's extras: {name: (packages, the project's own extras it includes)}."""
    config = configparser.ConfigParser()
    config.read(DOCS.parent / "setup.cfg")
    extras = {}
    for name, value in config["options.extras_require"].items():
        lines = [line.strip() for line in value.splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        included = [extra.strip() for line in lines if line.startswith("skmlp[")
                    for extra in line[len("skmlp["):line.index("]")].split(",")]
        packages = [re.split(r"[<>=!~; ]", line)[0] for line in lines
                    if not line.startswith("skmlp[")]
        extras[name] = packages, included
    return extras


def test_install_page_lists_every_extra_and_its_packages():
    text = (DOCS / "install.rst").read_text()
    extras = _extras()
    assert {"test", "docs", "dask", "progress"} <= set(extras)
    for name, (packages, included) in extras.items():
        assert set(included) <= set(extras), f"{name!r} includes an unknown extra"
        entry = re.search(rf"^- ``{re.escape(name)}``: (.*?)(?=^- ``|^\S)", text, re.M | re.S)
        assert entry, f"install.rst does not list the {name!r} extra"
        missing = [p for p in packages if p not in entry.group(1)]
        missing += [f"``{extra}``" for extra in included
                    if f"``{extra}``" not in entry.group(1)]
        assert not missing, f"install.rst's {name!r} extra does not name {missing}"


# ----------------------------------------------------------------------------
# The Bayes problems of user_guide/bayes.rst, worked independently.
# ----------------------------------------------------------------------------
MU1, MU2 = np.array([1.0, 2.0]), np.array([0.0, 0.0])


def _log_ratio(points, sigma1, sigma2):
    """ln Lambda = ln f(x|C1) - ln f(x|C2) from scipy's Gaussian densities."""
    return (multivariate_normal(MU1, sigma1**2 * np.eye(2)).logpdf(points)
            - multivariate_normal(MU2, sigma2**2 * np.eye(2)).logpdf(points))


def _circle(center, radius2, n=64):
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.asarray(center) + np.sqrt(radius2) * np.c_[np.cos(angle), np.sin(angle)]


def test_part_a_boundary_is_the_line():
    x = np.linspace(-3, 3, 13)
    line = np.c_[x, (5 - 2 * x) / 4]  # 2x + 4y - 5 = 0
    np.testing.assert_allclose(_log_ratio(line, 1, 1), 0, atol=1e-12)
    # class 1 (ln Lambda > 0) where 2x + 4y - 5 > 0
    assert _log_ratio(np.array([[1.0, 2.0], [0.0, 0.0]]), 1, 1)[0] > 0


def test_part_c_log_ratio_keeps_the_normalising_constant():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(50, 2)) * 3
    r1 = ((pts - MU1) ** 2).sum(1)
    r2 = (pts**2).sum(1)
    np.testing.assert_allclose(_log_ratio(pts, 1, np.sqrt(2)),
                               np.log(2) - r1 / 2 + r2 / 4, rtol=1e-12, atol=1e-12)


def test_part_c_boundary_radius2_is_10_plus_4_ln2_not_10():
    sigma2 = np.sqrt(2)
    on_boundary = _circle((2, 4), 10 + 4 * np.log(2))
    np.testing.assert_allclose(_log_ratio(on_boundary, 1, sigma2), 0, atol=1e-10)
    slip_circle = _circle((2, 4), 10)  # the answer of a common slip for (c)
    assert np.all(_log_ratio(slip_circle, 1, sigma2) > 0.5)  # still class 1 there


def test_part_e_threshold_ln2_gives_radius2_10():
    # decide class 1 where p1 f1 > p2 f2, p1 = 1/3, p2 = 2/3: ln Lambda > ln 2
    on_boundary = _circle((2, 4), 10)
    np.testing.assert_allclose(_log_ratio(on_boundary, 1, np.sqrt(2)), np.log(2),
                               atol=1e-10)


def _disc_risk(decide_class1, sigma2, p1):
    """Bayes risk (0-1 cost) of a rule on the uniform discs, on a fine grid."""
    step = 0.005
    g = np.arange(-3.5, 4.5, step)
    x, y = np.meshgrid(g, g)
    in1 = (x - 1) ** 2 + (y - 2) ** 2 < 2  # sigma1 = 1: radius^2 = 2
    in2 = x**2 + y**2 < 2 * sigma2**2
    f1 = in1 / (2 * np.pi)
    f2 = in2 / (2 * np.pi * sigma2**2)
    d1 = decide_class1(x, y)
    per_point = np.where(d1, (1 - p1) * f2, p1 * f1)
    return per_point.sum() * step**2


def _line(c):
    return lambda x, y: 2 * x + 4 * y - c > 0


def _disc1(x, y):
    return (x - 1) ** 2 + (y - 2) ** 2 < 2


def test_part_g_c_whole_disc_beats_the_seed_line():
    disc = _disc_risk(_disc1, np.sqrt(2), 0.5)
    line = _disc_risk(_line(7), np.sqrt(2), 0.5)
    assert disc < line - 1e-3


@pytest.mark.parametrize("sigma2, p1, c", [(1.0, 0.5, 5), (np.sqrt(2), 1 / 3, 7)],
                         ids=["g_a", "g_e"])
def test_part_g_ties_make_line_and_disc_equally_good(sigma2, p1, c):
    disc = _disc_risk(_disc1, sigma2, p1)
    line = _disc_risk(_line(c), sigma2, p1)
    assert line == pytest.approx(disc, abs=1e-12)


# ----------------------------------------------------------------------------
# Install hints: every "pip install ..." in the code and the docs works from a
# clone (".[extra]" with an extra setup.cfg defines) or names real dependencies.
# ----------------------------------------------------------------------------
ROOT = DOCS.parent
# words after "pip install", on its line or wrapped to the next (a Markdown line break)
_PIP = re.compile(r"pip install((?:(?:[ \t]+|\n(?=\S))"
                  r"(?:-e\b|--[\w-]+|\"[^\"\s]*\"|[\w.\-\[\],]+))+)")


def _hint_files():
    files = [ROOT / "README.md", *sorted((ROOT / "examples").glob("*")),
             *sorted((ROOT / "skmlp").rglob("*.py"))]
    files += [p for p in sorted(DOCS.rglob("*.rst")) if not GENERATED & set(p.parts)]
    return [p for p in files if p.is_file()]


def _install_hints():
    hints = []
    for path in _hint_files():
        for match in _PIP.finditer(path.read_text()):
            hints.append(pytest.param(match.group(1).split(),
                                      id=f"{path.relative_to(ROOT)}:{match.group(0)[:40]}"))
    return hints


def _dependencies():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    required = [re.split(r"[<>=!~;\[ ]", line.strip())[0]
                for line in config["options"]["install_requires"].splitlines()
                if line.strip() and not line.strip().startswith("#")]
    extra = [re.split(r"\[", p)[0] for packages, _ in _extras().values() for p in packages]
    return set(required) | set(extra)


def test_install_hints_are_found():
    assert len(_install_hints()) >= 8


@pytest.mark.parametrize("tokens", _install_hints())
def test_install_hint_works_from_a_clone(tokens):
    extras, dependencies = _extras(), _dependencies()
    targets = [t.strip('"') for t in tokens if not t.startswith("-")]
    assert targets, tokens
    for target in targets:
        assert not target.startswith("skmlp"), (
            f"{target!r}: skmlp is not on the package index; from a clone, use \".[extra]\"")
        if target.startswith("."):
            match = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", target)
            assert match, f"{target!r} is not the path form '.' or '.[extra]'"
            for name in (match.group(1) or "").split(","):
                assert not name or name in extras, f"setup.cfg defines no extra {name!r}"
        else:
            assert target.split("[")[0] in dependencies, (
                f"{target!r} is not a dependency that setup.cfg names")
