"""The first fit after an install says, in one line, that it compiles the kernels.

A copy of the package with an empty numba cache (NUMBA_CACHE_DIR) stands for a
fresh install: its first fit prints the notice once, whatever else it fits;
a second process, with the cache now filled, prints nothing.
"""

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmlp import ManualMLPClassifier, PerceptronClassifier, _compile_notice

PACKAGE = Path(_compile_notice.__file__).resolve().parent

SCRIPT = """
import numpy as np
from skmlp import {estimator}
X = np.random.RandomState(0).randn(60, 4)
y = np.arange(60) % 3
for _ in range(2):
    {estimator}({params}).fit(X, y)
print("fitted")
"""


@pytest.fixture
def fresh_install(tmp_path):
    """A copy of skmlp without compiled files, and an empty numba cache."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "skmlp",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "src"),
               NUMBA_CACHE_DIR=str(tmp_path / "numba_cache"))
    return env


def _run(env, estimator, params):
    code = SCRIPT.format(estimator=estimator, params=params)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "fitted" in done.stdout
    return done.stderr


def test_a_fresh_install_says_once_that_it_compiles(fresh_install):
    # the perceptron's kernel compiles fastest; the MLP's hooks are tested below
    first = _run(fresh_install, "PerceptronClassifier", "max_iter=2")
    assert first.count(_compile_notice.MESSAGE) == 1, first
    second = _run(fresh_install, "PerceptronClassifier", "max_iter=2")  # the cache is filled
    assert _compile_notice.MESSAGE not in second, second


@pytest.fixture
def cold(monkeypatch):
    """This process as if its kernels were not compiled yet."""
    monkeypatch.setattr(_compile_notice, "_checked", False)
    monkeypatch.setattr(_compile_notice, "cache_is_cold", lambda: True)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_every_mlp_fit_path_announces_once(cold, capsys, solver):
    X, y = np.random.RandomState(0).randn(30, 3), np.arange(30) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs
        for _ in range(2):
            ManualMLPClassifier(hidden_layer_sizes=(3,), solver=solver, max_iter=2).fit(X, y)
    assert capsys.readouterr().err.count(_compile_notice.MESSAGE) == 1


def test_a_warm_cache_says_nothing(monkeypatch, capsys):
    monkeypatch.setattr(_compile_notice, "_checked", False)
    PerceptronClassifier().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])  # compiled now
    assert _compile_notice.cache_is_cold() is False
    assert _compile_notice.MESSAGE not in capsys.readouterr().err


def test_the_notice_names_the_one_time_cost():
    assert "once per installation" in _compile_notice.MESSAGE
    assert f"about {_compile_notice.SECONDS} s" in _compile_notice.MESSAGE
