"""Tests of ManualMLPRegressor (skmlp/_mlp.py) against scikit-learn's MLPRegressor and properties.

From the same random_state (``init='glorot_uniform_sklearn'`` draws
MLPRegressor's starting weights), the weights, loss curves, iteration counts
and validation scores are MLPRegressor's to rounding, for every solver, both
losses, early stopping, sample weights, partial_fit and warm starts.
"""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import xlogy
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.utils.validation import check_is_fitted

from skmlp import ManualMLPRegressor

RTOL = 1e-7  # float64, relative


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=0)
    return X / X.std(axis=0), (y - y.mean()) / y.std()


def _fit_both(X, y, fit=None, **params):
    """MLPRegressor and ManualMLPRegressor fitted alike (warnings silenced)."""
    fit = fit or (lambda est: est.fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = fit(MLPRegressor(**params))
        ours = fit(ManualMLPRegressor(init="glorot_uniform_sklearn", **params))
    return sk, ours


def _assert_same_model(ours, sk, rtol=RTOL, atol=1e-12):
    assert ours.n_iter_ == sk.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        assert_allclose(a, b, rtol=rtol, atol=atol)
    if hasattr(sk, "loss_curve_"):
        assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=rtol)
    assert ours.loss_ == pytest.approx(sk.loss_, rel=rtol)


def test_signature_is_mlpregressors_in_its_order_with_the_extras_last():
    ours = list(inspect.signature(ManualMLPRegressor).parameters.values())
    theirs = list(inspect.signature(MLPRegressor).parameters.values())
    assert [(p.name, p.default, p.kind) for p in ours[:len(theirs)]] == [
        (p.name, p.default, p.kind) for p in theirs]
    assert [p.name for p in ours[len(theirs):]] == ["init", "scoring", "dropout",
                                                    "weight_decay", "max_grad_norm"]
    reg = ManualMLPRegressor("poisson", (50,))
    assert reg.loss == "poisson" and reg.hidden_layer_sizes == (50,)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_same_model_as_mlpregressor_from_the_same_random_state(data, solver, activation):
    X, y = data
    sk, ours = _fit_both(X, y, hidden_layer_sizes=(7, 4), activation=activation,
                         solver=solver, alpha=0.01, batch_size=32, learning_rate_init=0.02,
                         max_iter=25, random_state=1)
    _assert_same_model(ours, sk, rtol=RTOL if solver != "lbfgs" else 1e-6)
    assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_poisson_is_mlpregressors(data, solver):
    X, y = data
    counts = np.random.RandomState(0).poisson(np.exp(0.5 * y))
    sk, ours = _fit_both(X, counts, loss="poisson", hidden_layer_sizes=(6,),
                         solver=solver, learning_rate_init=0.01, max_iter=20, random_state=2)
    assert ours.out_activation_ == sk.out_activation_ == "exp"
    _assert_same_model(ours, sk, rtol=RTOL if solver != "lbfgs" else 1e-6)
    assert (ours.predict(X) > 0).all()


def test_poisson_loss_is_half_the_deviance_and_predictions_its_exp_link(data):
    X, y = data
    counts = np.random.RandomState(1).poisson(np.exp(0.3 * y))
    reg = ManualMLPRegressor("poisson", (), solver="lbfgs", alpha=0.0, max_iter=3,
                             random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, counts)
    mu = np.exp(X @ reg.coefs_[0][:, 0] + reg.intercepts_[0][0])
    assert_allclose(reg.predict(X), mu, rtol=1e-12)
    half_deviance = np.mean(xlogy(counts, counts / mu) - counts + mu)
    assert reg.loss_ == pytest.approx(half_deviance, rel=1e-9)


def test_early_stopping_validation_scores_are_mlpregressors(data):
    X, y = data
    sk, ours = _fit_both(X, y, hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.05,
                         early_stopping=True, n_iter_no_change=3, max_iter=60, random_state=0)
    assert_allclose(ours.validation_scores_, sk.validation_scores_, rtol=RTOL)
    assert ours.best_validation_score_ == pytest.approx(sk.best_validation_score_, rel=RTOL)
    assert ours.best_loss_ is None and sk.best_loss_ is None
    _assert_same_model(ours, sk)


def test_early_stopping_scores_with_the_scoring_option(data):
    X, y = data
    params = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.05,
                  early_stopping=True, n_iter_no_change=3, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        default = ManualMLPRegressor(**params).fit(X, y)
        r2 = ManualMLPRegressor(scoring="r2", **params).fit(X, y)
        mae = ManualMLPRegressor(scoring="neg_mean_absolute_error", **params).fit(X, y)
    assert_allclose(r2.validation_scores_, default.validation_scores_, rtol=1e-12)
    assert all(score < 0 for score in mae.validation_scores_)
    assert len(mae.validation_loss_curve_) == len(mae.validation_scores_)


def test_sample_weight_is_mlpregressors(data):
    X, y = data
    weights = np.random.RandomState(3).uniform(0.2, 3.0, X.shape[0])
    sk, ours = _fit_both(X, y, fit=lambda est: est.fit(X, y, sample_weight=weights),
                         hidden_layer_sizes=(5,), solver="adam", learning_rate_init=0.01,
                         batch_size=20, max_iter=15, tol=0.0, random_state=4)
    # The same steps; the epoch loss averages the minibatches' losses by their
    # weight sums (MLPRegressor: by their row counts), so only the curves differ.
    assert ours.n_iter_ == sk.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        assert_allclose(a, b, rtol=RTOL, atol=1e-12)


def test_partial_fit_is_mlpregressors(data):
    X, y = data

    def three_calls(est):
        for rows in (slice(0, 40), slice(40, 80), slice(80, 120)):
            est.partial_fit(X[rows], y[rows])
        return est

    sk, ours = _fit_both(X, y, fit=three_calls, hidden_layer_sizes=(5,), solver="sgd",
                         learning_rate_init=0.05, batch_size=16, random_state=0)
    _assert_same_model(ours, sk)


def test_warm_start_is_mlpregressors(data):
    X, y = data

    def two_fits(est):
        est.fit(X, y)
        return est.set_params(max_iter=7).fit(X, y)

    sk, ours = _fit_both(X, y, fit=two_fits, hidden_layer_sizes=(5,), solver="sgd",
                         warm_start=True, learning_rate_init=0.05, max_iter=5, random_state=0)
    _assert_same_model(ours, sk)


def test_multi_output_follows_mlpregressors_gradient(data):
    # The same steps as MLPRegressor (its delta is output - target too); our
    # loss sums the outputs' squared errors where MLPRegressor reports their
    # mean: without a penalty, the loss curve is n_outputs times its.
    X, y = data
    Y = np.column_stack([y, -0.5 * y + X[:, 0], X[:, 1] ** 2])
    sk, ours = _fit_both(X, Y, hidden_layer_sizes=(6,), solver="sgd", alpha=0.0,
                         learning_rate_init=0.02, max_iter=10, tol=0.0, random_state=0)
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        assert_allclose(a, b, rtol=RTOL, atol=1e-12)
    assert_allclose(ours.loss_curve_, 3 * np.array(sk.loss_curve_), rtol=RTOL)
    assert ours.predict(X).shape == Y.shape and ours.n_outputs_ == 3
    assert ours.score(X, Y) == pytest.approx(r2_score(Y, ours.predict(X)))


def test_starting_weights_are_used(data):
    X, y = data
    rng = np.random.RandomState(0)
    coefs = [rng.normal(size=(5, 4)), rng.normal(size=(4, 1))]
    intercepts = [rng.normal(size=4), rng.normal(size=1)]
    reg = ManualMLPRegressor(hidden_layer_sizes=(4,), solver="sgd", max_iter=1,
                             learning_rate_init=1e-12,
                             momentum=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y, coefs_init=coefs, intercepts_init=intercepts)
    for a, b in zip(reg.coefs_ + reg.intercepts_, coefs + intercepts):
        assert_allclose(a, b, rtol=1e-9)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_float32_stays_float32(data, solver):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = ManualMLPRegressor(hidden_layer_sizes=(6,), solver=solver, max_iter=5,
                                 random_state=0).fit(
            X.astype(np.float32), y.astype(np.float32))
    assert all(w.dtype == np.float32 for w in reg.coefs_ + reg.intercepts_)
    assert reg.predict(X.astype(np.float32)).dtype == np.float32


def test_sparse_input_gives_the_dense_model(data):
    X, y = data
    params = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = ManualMLPRegressor(**params).fit(X, y)
        sparse = ManualMLPRegressor(**params).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.predict(X), dense.predict(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_divergence_is_an_error_not_nan_weights(data, solver):
    X, y = data
    reg = ManualMLPRegressor(hidden_layer_sizes=(20,), solver=solver, learning_rate_init=1e6,
                             max_iter=50,
                             random_state=0)
    X_big = X * 1e150 if solver == "lbfgs" else X
    with pytest.raises(FloatingPointError, match="Training stopped") as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(X_big, y * 1e150 if solver == "lbfgs" else y)
    assert isinstance(info.value, ValueError)  # what MLPRegressor raises for NaN weights
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)


@pytest.mark.parametrize("bad, message", [
    (np.nan, "NaN"),
    (np.inf, "infinity|NaN"),
    ("text", "numeric targets"),
])
def test_bad_targets_are_a_clear_value_error(data, bad, message):
    X, y = data
    y_bad = y.astype(object) if isinstance(bad, str) else y.copy()
    y_bad[3] = bad
    with pytest.raises(ValueError, match=message):
        ManualMLPRegressor(max_iter=2).fit(X, y_bad)


def test_targets_of_the_wrong_shape_or_sign_are_value_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ManualMLPRegressor(max_iter=2).fit(X, y[:-1])
    with pytest.raises(ValueError, match="dim 3"):
        ManualMLPRegressor(max_iter=2).fit(X, y.reshape(-1, 1, 1))
    with pytest.raises(ValueError, match="y >= 0"):
        ManualMLPRegressor("poisson", max_iter=2).fit(X, y)
    reg = ManualMLPRegressor(hidden_layer_sizes=(3,), max_iter=2, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    with pytest.raises(ValueError, match="layer shapes"):
        reg.fit(X, np.column_stack([y, y]))
