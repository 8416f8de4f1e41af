"""Properties (hypothesis) of the MLP and its searches on generated hostile input.

Three generators: parameter values a search may be given (good and bad), warm
starts across solvers, losses and kinds of target, and partial_fit streams of
one row per call. Each property holds the estimator to a reference: scikit-
learn's GridSearchCV, a fresh fit from the same starting weights, or
MLPClassifier on the same stream. The examples are fixed (derandomize) and
few, on tiny data: a few seconds per property.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPClassifier
from skmlp.model_selection import MLPGridSearchCV

PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=12,
                   suppress_health_check=[HealthCheck.too_slow], print_blob=False)

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::sklearn.exceptions.FitFailedWarning",
    "ignore:One or more of the test scores are non-finite",
    "ignore:Got `batch_size` less than 1 or larger than sample size",
)


def _iris(n_rows):
    """Every k-th row of scaled iris, the three classes in turn."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    order = np.argsort(np.arange(150) % 50, kind="stable")  # 0, 50, 100, 1, 51, ...
    return X[order][:n_rows], y[order][:n_rows]


# ------------------------------------------------------------ candidate values

_BAD_SIZES = st.sampled_from([None, "abc", (0,), (-3,), (2.5,), (float("inf"),),
                              (float("nan"),), (2**70,), (True,)])
_GOOD_SIZES = st.sampled_from([(3,), (2, 2), ()])
candidate_values = st.fixed_dictionaries({
    "hidden_layer_sizes": st.lists(st.one_of(_GOOD_SIZES, _BAD_SIZES), min_size=1,
                                   max_size=3),
    "batch_size": st.lists(st.sampled_from(["auto", 8, 0, -1, "big", 2.5, None]),
                           min_size=1, max_size=2),
    "alpha": st.lists(st.sampled_from([1e-4, 0.1, -1.0, float("nan")]), min_size=1,
                      max_size=2),
})


def _deduplicated(values):
    unique = []
    for value in values:
        if not any(repr(value) == repr(other) for other in unique):
            unique.append(value)
    return unique


@settings(PROFILE, max_examples=6)
@given(grid=candidate_values)
def test_property_any_candidate_values_score_as_gridsearchcv(grid):
    # A value the fit refuses scores error_score in that candidate alone; the
    # search never crashes where GridSearchCV goes on.
    grid = {name: _deduplicated(values) for name, values in grid.items()}
    X, y = _iris(60)
    estimator = ManualMLPClassifier(solver="sgd", max_iter=2, random_state=0)
    outcome = []
    for search_class in (GridSearchCV, MLPGridSearchCV):
        try:
            search = search_class(estimator, grid, cv=2, refit=False).fit(X, y)
        except ValueError as exc:  # every fit failed: GridSearchCV's error
            outcome.append(str(exc).splitlines()[1])
        else:
            outcome.append(search.cv_results_["mean_test_score"])
    if isinstance(outcome[0], str):
        assert outcome[1] == outcome[0]
    else:
        assert_allclose(outcome[1], outcome[0], rtol=0, atol=1e-12)


# ----------------------------------------------------------------- warm starts

warm_start_steps = st.lists(st.fixed_dictionaries({
    "solver": st.sampled_from(["sgd", "adam", "lbfgs"]),
    "loss": st.sampled_from(["log_loss", "squared_error"]),
    "target": st.sampled_from(["multiclass", "multiclass", "multilabel"]),
}), min_size=2, max_size=4)


def _targets(y, kind):
    if kind == "multiclass":
        return y
    return np.column_stack([y == 0, y == 1, y >= 1]).astype(int)


@PROFILE
@given(steps=warm_start_steps)
def test_property_a_warm_start_is_a_fresh_fit_from_the_last_weights(steps):
    # Whatever changes between fits (solver, loss), a warm-started fit is the
    # fit of the new settings from the weights the last one reached; a
    # target of another kind is refused with an error naming warm_start.
    X, y = _iris(45)
    params = dict(hidden_layer_sizes=(3,), max_iter=3, n_iter_no_change=1000,
                  random_state=0)
    clf = ManualMLPClassifier(warm_start=True, **params)
    kind = None
    for step in steps:
        clf.set_params(solver=step["solver"], loss=step["loss"])
        Y = _targets(y, step["target"])
        if kind is not None and step["target"] != kind:
            with pytest.raises(ValueError, match="warm_start=True continues a network"):
                clf.fit(X, Y)
            continue
        start = {} if kind is None else dict(
            coefs_init=[c.copy() for c in clf.coefs_],
            intercepts_init=[b.copy() for b in clf.intercepts_])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, Y)
            fresh = ManualMLPClassifier(solver=step["solver"], loss=step["loss"], **params)
            fresh.fit(X, Y, **start)
        kind = step["target"]
        assert clf.out_activation_ == fresh.out_activation_
        for ours, theirs in zip(clf.coefs_ + clf.intercepts_,
                                fresh.coefs_ + fresh.intercepts_):
            assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
        if step["solver"] != "lbfgs":
            assert_allclose(clf.loss_curve_[-clf.n_iter_:], fresh.loss_curve_, rtol=1e-9)
        proba = clf.predict_proba(X)
        assert np.isfinite(proba).all()
        if kind == "multiclass":
            assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


# ------------------------------------------------------------- one-row streams

one_row_streams = st.fixed_dictionaries({
    "solver": st.sampled_from(["sgd", "adam"]),
    "learning_rate_init": st.sampled_from([0.003, 0.03, 0.1]),
    "random_state": st.integers(0, 3),
    "rows": st.lists(st.integers(0, 59), min_size=10, max_size=25),
})


@settings(PROFILE, max_examples=6)
@given(stream=one_row_streams)
def test_property_a_one_row_stream_trains_as_mlpclassifiers(stream):
    # One row per partial_fit call: no false divergence, MLPClassifier's
    # losses call for call (the same weights, shuffles and steps).
    X, y = _iris(60)
    params = dict(hidden_layer_sizes=(5,), solver=stream["solver"],
                  learning_rate_init=stream["learning_rate_init"],
                  random_state=stream["random_state"])
    ours = ManualMLPClassifier(init="glorot_uniform_sklearn", **params)
    theirs = MLPClassifier(**params)
    for i in stream["rows"]:
        for clf in (theirs, ours):
            clf.partial_fit(X[i:i + 1], y[i:i + 1], classes=[0, 1, 2])
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9, atol=1e-12)
