"""Reliability: every bad input a clear error, every probability finite.

Tests of the inputs that are easy to get wrong, grouped by what they exercise:
probabilities far from the training data or with huge weights, data at the
edges of floating point, divergence, warnings that must (not) be given,
labels and class weights, streams of partial_fit with set_params in between,
and skmlp.nn's and load_idx's handling of malformed input. Several are
property-based (hypothesis): they draw arrays of random shapes, dtypes,
scales, NaN/inf placements, label sets and sample weights and check, for
every estimator in ``ESTIMATORS``, that a fit either succeeds or raises
ValueError/TypeError/FloatingPointError with a message and leaves the
estimator as it was; after a success predict_proba is finite, rows sum to 1,
its argmax is predict and float32 stays float32.
"""

import copy
import gzip
import os
import tempfile
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skmlp import (
    DensityBayesClassifier,
    GaussianBayesClassifier,
    ManualMLPClassifier,
    MinimumRiskClassifier,
    PerceptronClassifier,
    nn,
)
from skmlp.datasets import load_idx

# A fixed profile: the same examples on every run (derandomize), nothing
# stored between runs (no database), no timing (deadline=None): deterministic
# in CI and a few seconds per property.
PROFILE = settings(
    derandomize=True, database=None, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)

# Every estimator the properties run on: add new ones here. Small settings
# keep each fit to milliseconds.
ESTIMATORS = {
    "mlp-adam": lambda: ManualMLPClassifier(hidden_layer_sizes=(3,), max_iter=5,
                                            random_state=0),
    "mlp-squared-lbfgs": lambda: ManualMLPClassifier(
        hidden_layer_sizes=(3,), loss="squared_error", solver="lbfgs", max_iter=5,
        random_state=0),
    "mlp-no-hidden-sgd": lambda: ManualMLPClassifier(
        hidden_layer_sizes=(), solver="sgd", max_iter=5, random_state=0),
    "perceptron": lambda: PerceptronClassifier(max_iter=5),
    "perceptron-averaged-l2": lambda: PerceptronClassifier(max_iter=3, average=True,
                                                           penalty="l2"),
    "bayes-full": lambda: GaussianBayesClassifier(),
    "bayes-tied": lambda: GaussianBayesClassifier(covariance_type="tied"),
    "bayes-diag": lambda: GaussianBayesClassifier(covariance_type="diag"),
    "bayes-spherical": lambda: GaussianBayesClassifier(covariance_type="spherical"),
    "bayes-full-ledoit-wolf": lambda: GaussianBayesClassifier(shrinkage="auto"),
    "bayes-tied-shrunk": lambda: GaussianBayesClassifier(covariance_type="tied",
                                                         shrinkage=0.3),
    "density-bayes": lambda: DensityBayesClassifier(),
    "minimum-risk-perceptron": lambda: MinimumRiskClassifier(PerceptronClassifier(
        max_iter=5)),
}
FIT_ERRORS = (ValueError, TypeError, FloatingPointError)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


# ---------------------------------------------------------------------------
# Shared helpers: snapshots of an estimator's state, data, probabilities
# ---------------------------------------------------------------------------


def _assert_same_state(after, before):
    """Deep equality of two estimator __dict__ snapshots (arrays by value)."""
    assert after.keys() == before.keys()
    for key in before:
        _assert_same_value(after[key], before[key], key)


def _assert_same_value(a, b, where):
    if isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and a.dtype == b.dtype, where
        assert_array_equal(a, b, err_msg=where)
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for x, y in zip(a, b):
            _assert_same_value(x, y, where)
    elif isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in b:
            _assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(b, (int, float, str, bool, type(None), np.generic)):
        assert a == b or (a != a and b != b), where  # NaN == NaN here
    else:  # objects (label binarizers, optimizers, random states): same type
        assert type(a) is type(b), where


def _gaussian_data(n=600, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3)) @ rng.normal(size=(3, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


def _check_probabilities(clf, X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            proba = clf.predict_proba(X)
        except ValueError as exc:  # e.g. log-densities overflow: said so
            assert "X" in str(exc)
            return
        predicted = clf.predict(X)
    assert proba.shape == (X.shape[0], len(clf.classes_))
    assert np.all(np.isfinite(proba)), proba
    assert np.all(proba >= 0)
    tol = 1e-4 if proba.dtype == np.float32 else 1e-10
    assert_allclose(proba.sum(axis=1), 1.0, atol=tol)
    # argmax agrees with predict (a tie may go to any of the tied classes)
    index = np.searchsorted(clf.classes_, predicted)
    assert np.all(proba[np.arange(len(index)), index] >= proba.max(axis=1) - tol)
    if X.dtype == np.float32:
        assert proba.dtype == np.float32


# ---------------------------------------------------------------------------
# Every estimator: a fit succeeds soundly or fails cleanly
# ---------------------------------------------------------------------------


DTYPES = [np.float16, np.float32, np.float64, np.int64, np.bool_]


@st.composite
def datasets(draw):
    """(X, y, sample_weight) with random shape, dtype, scale, NaN/inf and labels."""
    n_samples = draw(st.integers(1, 24))
    n_features = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    scale = 10.0 ** draw(st.one_of(st.integers(-300, 300), st.integers(-8, 8)))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        X = (rng.normal(size=(n_samples, n_features)) * scale).astype(dtype)
        if draw(st.booleans()):  # an offset: values far from 0, small spread
            X = X + np.asarray(rng.normal() * scale * 1e3).astype(dtype)
    poison = draw(st.sampled_from([None, None, None, np.nan, np.inf, -np.inf]))
    if poison is not None and np.issubdtype(X.dtype, np.floating):
        X[draw(st.integers(0, n_samples - 1)), draw(st.integers(0, n_features - 1))] = poison
    labels = draw(st.sampled_from([[0, 1], [0, 1, 2], ["a", "b", "c", "d"], [-1.0, 2.0],
                                   [True, False], [-1.5, 2.0], [7]]))
    y = np.asarray(labels)[rng.randint(len(labels), size=n_samples)]
    weights = draw(st.sampled_from(["none", "ones", "random", "zeros-some", "tiny",
                                    "huge", "negative", "nan"]))
    sample_weight = {
        "none": None,
        "ones": np.ones(n_samples),
        "random": rng.uniform(0, 3, n_samples),
        "zeros-some": rng.randint(0, 2, n_samples).astype(float),
        "tiny": np.full(n_samples, 1e-300),
        "huge": np.full(n_samples, 1e300),
        "negative": -np.ones(n_samples),
        "nan": np.full(n_samples, np.nan),
    }[weights]
    return X, y, sample_weight


def _check_fit_or_clean_error(make, X, y, sample_weight, fitted_first):
    clf = make()
    if fitted_first:  # a failing fit must also leave a fitted model intact
        clf.fit(*_gaussian_data(40))
    before = copy.deepcopy(clf.__dict__)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if np.all(np.isfinite(X)):
                warnings.simplefilter("error", RuntimeWarning)  # numpy trouble: a bug
            else:  # scikit-learn's finiteness check warns of inf - inf, then raises
                warnings.simplefilter("ignore", RuntimeWarning)
            clf.fit(X, y, sample_weight=sample_weight)
    except FIT_ERRORS as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        _assert_same_state(clf.__dict__, before)
        return None
    return clf


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", list(ESTIMATORS))
@PROFILE
@given(data=datasets(), fitted_first=st.booleans())
def test_property_fit_succeeds_soundly_or_fails_cleanly(name, data, fitted_first):
    X, y, sample_weight = data
    clf = _check_fit_or_clean_error(ESTIMATORS[name], X, y, sample_weight, fitted_first)
    if clf is not None:
        _check_probabilities(clf, X)


# ---------------------------------------------------------------------------
# Labels and class weights, validated alike by every estimator
# ---------------------------------------------------------------------------


CLASS_WEIGHT_ESTIMATORS = [
    lambda cw: ManualMLPClassifier(class_weight=cw, max_iter=5, random_state=0),
    lambda cw: PerceptronClassifier(class_weight=cw, max_iter=5),
]


@pytest.mark.parametrize("make", CLASS_WEIGHT_ESTIMATORS, ids=["mlp", "perceptron"])
@pytest.mark.parametrize("bad", [-1.0, -0.5, np.nan, np.inf, "heavy"])
def test_class_weight_must_be_finite_and_non_negative(iris, make, bad):
    X, y = iris[0][:100], iris[1][:100]
    clf = make({0: bad, 1: 1.0})
    with pytest.raises(ValueError, match=r"class_weight must map classes to finite "
                                         r"non-negative numbers; got class_weight\[0\]"):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("make", CLASS_WEIGHT_ESTIMATORS, ids=["mlp", "perceptron"])
def test_class_weight_labels_must_be_classes_as_in_sklearn(iris, make):
    X, y = iris[0][:100], iris[1][:100]
    with pytest.raises(ValueError, match=r"class_weight has labels \[7\] that are not "
                                         r"classes \[0, 1\]"):
        make({0: 1.0, 7: 2.0}).fit(X, y)
    # Extra labels are fine when every class has a weight (a fold may miss
    # a rare class), as in sklearn's compute_class_weight.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make({0: 1.0, 1: 2.0, 7: 3.0}).fit(X, y)


MIXED_LABEL_ESTIMATORS = {
    "bayes": GaussianBayesClassifier,
    "density-bayes": DensityBayesClassifier,
    "minimum-risk": lambda: MinimumRiskClassifier(PerceptronClassifier(max_iter=5)),
    "perceptron": lambda: PerceptronClassifier(max_iter=5),
}


@pytest.mark.parametrize("name", list(MIXED_LABEL_ESTIMATORS))
def test_labels_of_mixed_types_are_a_clear_error(iris, name):
    # Not numpy's bare "'<' not supported between 'float' and 'str'".
    X = iris[0][:60]
    y = np.array(["setosa", 1.0, 2] * 20, dtype=object)
    clf = MIXED_LABEL_ESTIMATORS[name]()
    with pytest.raises(ValueError, match=r"y mixes labels that cannot be compared \(.*\); "
                                         r"give labels of one type, e.g. all strings"):
        clf.fit(X, y)
    assert not hasattr(clf, "n_features_in_")
    if hasattr(clf, "partial_fit"):
        with pytest.raises(ValueError, match="y mixes labels that cannot be compared"):
            clf.partial_fit(X, y, classes=["setosa", "other"])


NAN_Y_ESTIMATORS = {
    "mlp": lambda: ManualMLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0),
    **MIXED_LABEL_ESTIMATORS,
}


@pytest.mark.parametrize("name", list(NAN_Y_ESTIMATORS))
def test_nan_in_y_is_named_y_in_fit_and_partial_fit(iris, name):
    # Not partial_fit's bare "Input contains NaN", which named nothing.
    X = iris[0][:60]
    y = (np.arange(60) % 2).astype(float)
    y[7] = np.nan
    clf = NAN_Y_ESTIMATORS[name]()
    with pytest.raises(ValueError, match=r"^Input y contains NaN"):
        clf.fit(X, y)
    if hasattr(clf, "partial_fit"):
        with pytest.raises(ValueError, match=r"^Input y contains NaN"), warnings.catch_warnings():
            # scikit-learn's type_of_target casts y to int before its NaN check
            warnings.simplefilter("ignore", RuntimeWarning)
            clf.partial_fit(X, y, classes=[0.0, 1.0])


@pytest.mark.parametrize("make", [GaussianBayesClassifier, DensityBayesClassifier,
                                  lambda priors: MinimumRiskClassifier(
                                      GaussianBayesClassifier(), priors=priors)])
def test_priors_that_do_not_sum_to_1_are_named_with_a_plain_number(iris, make):
    # Not numpy's repr ("got sum np.float64(1.5)").
    X, y = iris[0][:100], iris[1][:100]
    with pytest.raises(ValueError, match=r"^priors must sum to 1, got sum 1\.5$"):
        make(priors=[1.0, 0.5]).fit(X, y)


# ---------------------------------------------------------------------------
# ManualMLPClassifier: probabilities, divergence, warnings
# ---------------------------------------------------------------------------


def test_squared_error_proba_is_finite_and_normalised_far_from_the_training_range(iris):
    X, y = iris
    clf = ManualMLPClassifier(loss="squared_error", solver="lbfgs", max_iter=300,
                              random_state=0).fit(X, y)
    far = X * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(far)
        predicted = clf.predict(far)
    assert np.all(np.isfinite(proba))
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    # Where the logistic outputs are floats, the formula: y_k / sum_j y_j.
    logits = nn.forward(X, clf.coefs_, clf.intercepts_, clf.activation, "identity")[-1]
    assert_allclose(clf.predict_proba(X), expit(logits) / expit(logits).sum(1)[:, None],
                    rtol=1e-12, atol=1e-300)
    # Where every output underflows the limit is softmax(logits).
    logits = nn.forward(far, clf.coefs_, clf.intercepts_, clf.activation, "identity")[-1]
    underflow = logits.max(axis=1) < -800
    assert underflow.any()
    assert_allclose(proba[underflow], softmax(logits[underflow], axis=1), rtol=1e-12)


def test_partial_fit_notices_divergence_spread_over_calls(iris):
    X, y = iris
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=1e4, random_state=0)
    with pytest.raises(FloatingPointError, match="exploded"):
        for _ in range(26):  # fit stops at epoch 2 with these settings
            before = copy.deepcopy(clf.__dict__)
            clf.partial_fit(X, y, classes=[0, 1, 2])
    _assert_same_state(clf.__dict__, before)


def test_a_fresh_fit_measures_divergence_from_its_own_start(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = ManualMLPClassifier(solver="sgd", random_state=0, max_iter=5)
    clf.partial_fit(X, y, classes=[0, 1, 2])  # a loss near 1
    # Starting weights with a loss near 30 that training lowers: no error.
    rng = np.random.RandomState(0)
    coefs = [rng.normal(0, 10, (4, 100)), rng.normal(0, 10, (100, 3))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, coefs_init=coefs)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_single_class_fit_does_not_blame_the_learning_rate(iris):
    X = iris[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ManualMLPClassifier(max_iter=20, random_state=0).fit(X, np.zeros(len(X), int))
    assert not [w for w in caught if "learned nothing" in str(w.message)]


def test_single_class_dataframe_with_early_stopping_does_not_warn():
    # scikit-learn's test_preserve_feature_names: one class, early stopping.
    rng = np.random.RandomState(0)
    X = pd.DataFrame(data=rng.randn(10, 2), columns=["colname_a", "colname_b"])
    y = pd.Series(data=np.full(10, 1), name="colname_y")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # ConvergenceWarning included
        ManualMLPClassifier(early_stopping=True, validation_fraction=0.2).fit(X, y)


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_a_network_that_learned_nothing_warns(iris):
    X, y = iris
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=1e-9, max_iter=2,
                              random_state=0)
    with pytest.warns(ConvergenceWarning, match="learned nothing"):
        clf.fit(X, y)


def test_no_hidden_layer_is_mlpclassifiers_logistic_regression(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(), solver="sgd", learning_rate_init=0.05,
                  batch_size=16, max_iter=5, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = MLPClassifier(**params).fit(X, y)
        ours = ManualMLPClassifier(init="glorot_uniform_sklearn", **params).fit(X, y)
    assert ours.n_layers_ == 2 and ours.coefs_[0].shape == (4, 3)
    assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=0, atol=1e-10)
    assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-10)


# ---------------------------------------------------------------------------
# MLPGridSearchCV: memory budgets of any size
# ---------------------------------------------------------------------------


def test_max_stack_bytes_beyond_int64_means_no_limit(iris):
    # Not an OverflowError ("Python int too large to convert to C long").
    from skmlp.model_selection import MLPGridSearchCV

    X, y = iris
    X = StandardScaler().fit_transform(X)
    results = []
    for budget in (2**70, 256 * 2**20):
        search = MLPGridSearchCV(
            ManualMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0),
            {"alpha": [1e-4, 1e-2]}, cv=2, max_stack_bytes=budget)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            results.append(search.fit(X, y).cv_results_["mean_test_score"])
    assert_array_equal(results[0], results[1])


# ---------------------------------------------------------------------------
# PerceptronClassifier: huge weights, warm start
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_perceptron_proba_is_finite_with_huge_weights(iris, n_classes):
    X, y = iris
    keep = y < n_classes
    X, y = X[keep], y[keep]
    huge = PerceptronClassifier(eta0=1e300).fit(X, y)
    unit = PerceptronClassifier(eta0=1.0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = huge.predict_proba(X)
        log_proba = huge.predict_log_proba(X)
    # With w(0) = 0, eta0 only scales the weights: the same probabilities.
    assert_allclose(proba, unit.predict_proba(X), rtol=1e-9)
    assert_allclose(log_proba, np.log(proba), rtol=1e-9)
    assert_array_equal(huge.classes_[proba.argmax(axis=1)], huge.predict(X))


def test_perceptron_warm_start_with_other_features_says_so(iris):
    X, y = iris[0][:100], iris[1][:100]
    clf = PerceptronClassifier(warm_start=True).fit(X, y)
    before = copy.deepcopy(clf.__dict__)
    with pytest.raises(ValueError, match="warm_start: the weights of the previous fit "
                                         "have 4 features, X has 6; use warm_start=False"):
        clf.fit(np.hstack([X, X[:, :2]]), y)
    _assert_same_state(clf.__dict__, before)


# ---------------------------------------------------------------------------
# GaussianBayesClassifier at the edges of floating point
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("scale, dtype", [(2.0**510, np.float64), (2.0**-500, np.float64),
                                          (2.0**60, np.float32)])
def test_bayes_of_large_and_small_X_is_the_scaled_model(covariance_type, scale, dtype):
    # The model of X * c (c a power of two) is the model of X with means
    # times c and covariances times c^2, and the same posteriors, although
    # the plain scatter sums would overflow at 2**510 (float32: 2**60).
    X, y = _gaussian_data()
    reference = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = GaussianBayesClassifier(covariance_type=covariance_type).fit(
            (X * scale).astype(dtype), y)
        proba = clf.predict_proba((X * scale).astype(dtype))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert clf.covariances_.dtype == dtype
    assert_allclose(clf.means_ / scale, reference.means_, rtol=rtol)
    assert_allclose(clf.covariances_ / scale**2, reference.covariances_, rtol=rtol,
                    atol=rtol * np.abs(reference.covariances_).max())
    assert_allclose(proba, reference.predict_proba(X), atol=1e-12 if rtol < 1e-6 else 1e-4)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize(
    "scale, dtype, expected",
    [(1e160, np.float64, r"magnitude about 1e\+160: their variances \(about 1e\+32\d\) "
                         r"overflow float64. Rescale X \(e.g. with StandardScaler\)"),
     (1e20, np.float32, r"magnitude about 1e\+20: .* overflow float32. Rescale X .* or "
                        r"fit float64 data"),
     (1e-200, np.float64, r"magnitude about 1e-200: .* underflow float64. Rescale X")],
)
def test_bayes_unrepresentable_model_names_X_and_the_remedy(
        covariance_type, scale, dtype, expected):
    X, y = _gaussian_data(100)
    clf = GaussianBayesClassifier(covariance_type=covariance_type)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        with pytest.raises(ValueError, match=expected) as excinfo:
            clf.fit((X * scale).astype(dtype), y)
    assert "var_smoothing" not in str(excinfo.value)
    assert not hasattr(clf, "n_features_in_")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_var_smoothing_is_relative_to_the_scale_of_X(covariance_type):
    # var_smoothing is a fraction of the largest variance, so at 1e-200 a
    # large var_smoothing works as it does at 1 (and the error never asks
    # for a larger var_smoothing than 1e300).
    X, y = _gaussian_data(100)
    params = dict(covariance_type=covariance_type, var_smoothing=1e300)
    reference = GaussianBayesClassifier(**params).fit(X, y)
    clf = GaussianBayesClassifier(**params).fit(X * 1e-200, y)
    assert_allclose(clf.predict_proba(X * 1e-200), reference.predict_proba(X), rtol=1e-9)


def test_bayes_partial_fit_chunks_of_different_scales_are_one_fit():
    X, y = _gaussian_data()
    X[:300] *= 1e-3  # the chunks' scaling exponents differ
    for covariance_type in COVARIANCE_TYPES:
        one = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)
        chunked = GaussianBayesClassifier(covariance_type=covariance_type)
        chunked.partial_fit(X[:300], y[:300], classes=[0, 1])
        chunked.partial_fit(X[300:], y[300:])
        assert_allclose(chunked.covariances_, one.covariances_, rtol=1e-10,
                        atol=1e-14 * np.abs(one.covariances_).max())
        assert_allclose(chunked.predict_proba(X), one.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_ledoit_wolf_shrinkage_at_any_scale_and_chunking(covariance_type):
    # Its fourth moments live in the same scaled units as the scatter.
    X, y = _gaussian_data()
    params = dict(covariance_type=covariance_type, shrinkage="auto")
    reference = GaussianBayesClassifier(**params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = GaussianBayesClassifier(**params).fit(X * 2.0**510, y)
    assert_allclose(big.shrinkage_, reference.shrinkage_, rtol=1e-12)
    assert_allclose(big.predict_proba(X * 2.0**510), reference.predict_proba(X), atol=1e-12)
    X[:300] *= 1e-3
    one = GaussianBayesClassifier(**params).fit(X, y)
    chunked = GaussianBayesClassifier(**params)
    chunked.partial_fit(X[:300], y[:300], classes=[0, 1])
    chunked.partial_fit(X[300:], y[300:])
    assert_allclose(chunked.shrinkage_, one.shrinkage_, rtol=1e-10)
    assert_allclose(chunked.covariances_, one.covariances_, rtol=1e-10,
                    atol=1e-14 * np.abs(one.covariances_).max())


def test_no_decision_boundary_for_a_class_of_zero_prior():
    X, y = _gaussian_data(100)
    clf = GaussianBayesClassifier(priors=[0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="no decision boundary between 0 and 1: class 0 "
                                         "has prior 0"):
        clf.decision_boundary()
    assert np.all(clf.predict(X) == 1)  # consistent: class 0 is never decided


# ---------------------------------------------------------------------------
# set_params between partial_fit calls: one fit of the stream, or a refused change
# ---------------------------------------------------------------------------


BAYES_PARAMS = {
    "covariance_type": ["full", "tied", "diag", "spherical"],
    "shrinkage": [None, "auto", 0.3],
    "var_smoothing": [1e-9, 1e-3],
    "priors": [None, [0.2, 0.3, 0.5]],
    "cost_matrix": [None, [[0, 1, 1], [1, 0, 5], [1, 1, 0]]],
}


PERCEPTRON_PARAMS = {
    "average": [False, True],
    "fit_intercept": [True, False],
    "penalty": [None, "l2", "l1"],
    "eta0": [1.0, 0.1],
    "class_weight": [None, {0: 2.0}],
    # ignored by partial_fit
    "shuffle": [True, False],
    "max_iter": [5, 1],
    "early_stopping": [False, True],
}
PARTIAL_FIT_IGNORES = {"shuffle", "max_iter", "early_stopping"}


@st.composite
def partial_fit_streams(draw, space):
    """The first parameters, then steps ("fit", seed of a chunk) and ("set",
    params): a first partial_fit, then 1 to 3 rounds of set_params and partial_fit."""
    first = {name: draw(st.sampled_from(values)) for name, values in space.items()}
    steps = [("fit", draw(st.integers(0, 2**16)))]
    for _ in range(draw(st.integers(1, 3))):
        names = draw(st.lists(st.sampled_from(sorted(space)), min_size=1, max_size=2))
        steps.append(("set", {name: draw(st.sampled_from(space[name])) for name in names}))
        steps.append(("fit", draw(st.integers(0, 2**16))))
    return first, steps


def _chunk(seed, n_per_class=8):
    """Rows of all three iris classes (enough of each for a full covariance)."""
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(seed)
    rows = np.concatenate([rng.choice(np.flatnonzero(y == k), n_per_class, replace=False)
                           for k in range(3)])
    return X[rows], y[rows]


def _fit_or_error(make, X, y):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return make().fit(X, y)
    except ValueError:
        return None


def _partial_fit_step(clf, X, y):
    """partial_fit; on a ValueError, check that nothing changed and return it."""
    before = copy.deepcopy(clf.__dict__)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            clf.partial_fit(X, y, classes=[0, 1, 2])
    except ValueError as exc:
        _assert_same_state(clf.__dict__, before)
        return exc
    return None


@PROFILE
@given(stream=partial_fit_streams(BAYES_PARAMS))
def test_property_bayes_stream_is_one_fit_or_a_refused_change(stream):
    # Priors, costs, var_smoothing and a float shrinkage apply when the
    # covariances are finished: any stream is one fit of all its chunks with
    # the current parameters. covariance_type and 'auto' decide what the
    # kept statistics are: changing them between calls is refused.
    first, steps = stream
    clf = GaussianBayesClassifier(**first)
    seen, kept = [], None  # chunks so far; the statistics' (type, 'auto'?)
    for kind, arg in steps:
        if kind == "set":
            clf.set_params(**arg)
            continue
        X, y = _chunk(arg)
        error = _partial_fit_step(clf, X, y)
        params = clf.get_params()
        now = (params["covariance_type"], params["shrinkage"] == "auto")
        if kept is not None and now != kept:
            assert error is not None and "between calls to partial_fit" in str(error)
            continue
        seen.append((X, y))
        reference = _fit_or_error(lambda: GaussianBayesClassifier(**params),
                                  np.vstack([c[0] for c in seen]),
                                  np.concatenate([c[1] for c in seen]))
        if reference is None:
            assert error is not None
            seen.pop()
            continue
        assert error is None, error
        kept = now
        for name in ("class_prior_", "means_", "covariances_", "cost_matrix_"):
            assert_allclose(getattr(clf, name), getattr(reference, name), rtol=1e-8,
                            atol=1e-12, err_msg=name)
        X_all = np.vstack([c[0] for c in seen])
        assert_allclose(clf.predict_proba(X_all), reference.predict_proba(X_all),
                        atol=1e-8)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@PROFILE
@given(stream=partial_fit_streams(PERCEPTRON_PARAMS))
def test_property_perceptron_stream_is_sound_or_a_refused_change(stream):
    # Every call succeeds with a sound model or fails cleanly; a change of
    # `average` (whose running sums are kept only while averaging) is
    # refused; parameters that partial_fit ignores change nothing.
    first, steps = stream
    clf = PerceptronClassifier(**first)
    shadow = PerceptronClassifier(**first)  # the same stream without ignored changes
    averaging = None
    for kind, arg in steps:
        if kind == "set":
            clf.set_params(**arg)
            shadow.set_params(**{k: v for k, v in arg.items() if k not in PARTIAL_FIT_IGNORES})
            continue
        X, y = _chunk(arg, n_per_class=5)
        error = _partial_fit_step(clf, X, y)
        shadow_error = _partial_fit_step(shadow, X, y)
        assert (error is None) == (shadow_error is None)
        if averaging is not None and clf.average != averaging:
            assert error is not None and "average changed from" in str(error)
            continue
        assert error is None, error
        averaging = clf.average
        assert_array_equal(clf.coef_, shadow.coef_)
        assert clf.coef_.shape == (3, 4) and np.all(np.isfinite(clf.coef_))
        _check_probabilities(clf, X)


# ---------------------------------------------------------------------------
# skmlp.nn validates its public inputs
# ---------------------------------------------------------------------------


_X = np.ones((5, 3))
_COEFS = [np.ones((3, 4)), np.ones((4, 2))]
_INTERCEPTS = [np.ones(4), np.ones(2)]
_T = np.eye(2)[[0, 1, 0, 1, 0]]


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: nn.forward(_X, _COEFS, _INTERCEPTS[:1]), r"intercepts must have one "
         r"vector per layer, of shapes \[\(4,\), \(2,\)\]"),
        (lambda: nn.forward(_X, _COEFS, [np.ones(4), np.ones(3)]), "intercepts must"),
        (lambda: nn.forward(_X, _COEFS[:1] + [np.ones((5, 2))], _INTERCEPTS),
         "coefs have shapes .* which do not chain from X with 3 features"),
        (lambda: nn.forward(np.ones((5, 2)), _COEFS, _INTERCEPTS), "do not chain"),
        (lambda: nn.forward(np.ones(3), _COEFS, _INTERCEPTS), r"X must be 2-D.*X.reshape"),
        (lambda: nn.forward(_X, [], []), "coefs must be a non-empty list"),
        (lambda: nn.check_gradients(_X, _T, _COEFS, _INTERCEPTS, eps=0),
         "eps must be a finite number > 0"),
        (lambda: nn.check_gradients(_X, _T, _COEFS, _INTERCEPTS, eps=np.nan), "eps must"),
        (lambda: nn.check_gradients(_X, _T[:, :1], _COEFS, _INTERCEPTS),
         r"T must have the shape of the network outputs, \(5, 2\)"),
        (lambda: nn.loss_value(np.full((5, 2), 0.5), np.eye(3)[[0, 1, 2, 1, 0]]),
         "T must have the shape"),
        (lambda: nn.loss_value(np.full(5, 0.5), np.ones(5)), "Y must be 2-D"),
        (lambda: nn.backward(nn.forward(_X, _COEFS, _INTERCEPTS)[:2], _T, _COEFS),
         "acts must be forward's list"),
    ],
)
def test_nn_rejects_inconsistent_inputs_naming_the_argument(call, expected):
    with pytest.raises(ValueError, match=expected):
        call()


def test_nn_accepts_lists():
    acts = nn.forward(_X.tolist(), [W.tolist() for W in _COEFS], _INTERCEPTS)
    assert_allclose(acts[-1], nn.forward(_X, _COEFS, _INTERCEPTS)[-1])
    assert nn.loss_value(acts[-1].tolist(), _T.tolist()) == nn.loss_value(acts[-1], _T)


@PROFILE
@given(
    n_samples=st.integers(1, 6),
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    activation=st.sampled_from(["identity", "logistic", "tanh"]),
    out_activation=st.sampled_from(["softmax", "logistic"]),
    break_it=st.sampled_from([None, "drop-intercept", "fan-in", "intercept-shape", "1-D X",
                              "T-shape"]),
    seed=st.integers(0, 2**16),
)
def test_property_nn_functions_on_random_shapes(n_samples, sizes, activation,
                                               out_activation, break_it, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, sizes[0]))
    # Small weights: saturated outputs are clipped in log_loss, where finite
    # differences then see a flat loss.
    coefs = [rng.normal(0, 0.3, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.normal(size=b) for b in sizes[1:]]
    T = np.eye(sizes[-1])[rng.randint(sizes[-1], size=n_samples)]
    if break_it == "drop-intercept":
        intercepts = intercepts[:-1]
    elif break_it == "fan-in":
        coefs[-1] = rng.normal(size=(sizes[-2] + 1, sizes[-1]))
    elif break_it == "intercept-shape":
        intercepts[0] = rng.normal(size=sizes[1] + 1)
    elif break_it == "1-D X":
        X = X[0]
    elif break_it == "T-shape":
        T = np.hstack([T, T])
    params = dict(activation=activation, out_activation=out_activation)
    if break_it is not None:
        with pytest.raises(ValueError) as excinfo:
            acts = nn.forward(X, coefs, intercepts, **params)
            nn.check_gradients(X, T, coefs, intercepts, **params)
        assert str(excinfo.value)
        return
    acts = nn.forward(X, coefs, intercepts, **params)
    assert [a.shape for a in acts] == [(n_samples, n) for n in sizes]
    assert all(np.all(np.isfinite(a)) for a in acts)
    loss, coef_grads, intercept_grads = nn.backward(acts, T, coefs, **params)
    assert np.isfinite(loss)
    assert [g.shape for g in coef_grads] == [W.shape for W in coefs]
    assert [g.shape for g in intercept_grads] == [b.shape for b in intercepts]
    assert nn.check_gradients(X, T, coefs, intercepts, **params) < 1e-5


# ---------------------------------------------------------------------------
# skmlp.datasets.load_idx: any header, any payload, any compression
# ---------------------------------------------------------------------------


@st.composite
def idx_files(draw):
    """(file content, expected array or None): a random IDX header and payload,
    plain or gzipped, often wrong. The expectation is worked out from the
    format's specification, independently of the reader."""
    codes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    code = draw(st.sampled_from(list(codes) + [0x00, 0x07, 0xFF]))
    zero_bytes = draw(st.sampled_from([b"\x00\x00", b"\x00\x00", b"\x00\x00", b"\x01\x00"]))
    small = st.integers(0, 5)
    huge = st.sampled_from([2**31, 2**32 - 1, 2**20])
    dims = draw(st.lists(st.one_of(*[small] * 5, huge), max_size=4))
    header = zero_bytes + bytes([code, len(dims)]) + b"".join(
        int(n).to_bytes(4, "big") for n in dims)
    valid_header = zero_bytes == b"\x00\x00" and code in codes
    itemsize = np.dtype(codes.get(code, ">u1")).itemsize
    n_values = int(np.prod(dims, dtype=object)) if dims else 1
    fits = n_values * itemsize <= 2**12
    # payload: the declared size, or a few bytes more or fewer
    n_bytes = (n_values * itemsize if fits else draw(st.integers(0, 64)))
    n_bytes = max(0, n_bytes + draw(st.sampled_from([0] * 6 + [-1, 1, -3, 7])))
    payload = np.random.RandomState(draw(st.integers(0, 2**16))).bytes(n_bytes)
    content = header[: draw(st.sampled_from([len(header)] * 8 + [0, 3, 5]))]
    whole_header = len(content) == len(header)
    content += payload if whole_header else b""
    expected = None
    if valid_header and whole_header and n_bytes == n_values * itemsize:
        dtype = np.dtype(codes[code])
        try:  # zero values, but a shape numpy refuses ("array is too big"): an error
            expected = np.frombuffer(payload, dtype).reshape(dims)
        except ValueError:
            pass
        else:
            expected = expected.astype(dtype.newbyteorder("="))
    compression = draw(st.sampled_from(["plain", "plain", "gzip", "gzip", "gzip-corrupt",
                                        "gzip-truncated"]))
    if compression != "plain":
        content = bytearray(gzip.compress(content))
        if compression == "gzip-truncated":
            content = content[: len(content) - draw(st.integers(1, 8))]
            expected = None
        elif compression == "gzip-corrupt":
            content[draw(st.integers(10, len(content) - 1))] ^= 0xFF
            expected = None  # a flipped byte in the stream or the CRC or size
        content = bytes(content)
    return content, expected


@PROFILE
@given(case=idx_files())
def test_property_load_idx_returns_the_array_or_a_value_error_naming_the_file(case):
    content, expected = case
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "case.idx")
        with open(path, "wb") as f:
            f.write(content)
        tracemalloc.start()
        try:
            array = load_idx(path)
        except ValueError as exc:
            array, message = None, str(exc)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    # whatever the header declares, the memory is about that of the file
    assert peak < 2**20 + 1040 * len(content)
    if expected is None:
        assert array is None and message.startswith(path), message
    else:
        assert array is not None, message
        assert array.dtype == expected.dtype and array.dtype.isnative
        assert_array_equal(array, expected)
