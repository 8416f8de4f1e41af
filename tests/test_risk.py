"""skmlp._risk and MinimumRiskClassifier: the minimum-risk rule over any model."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import (
    DensityBayesClassifier,
    GaussianBayesClassifier,
    ManualMLPClassifier,
    MinimumRiskClassifier,
    PerceptronClassifier,
)
from skmlp._risk import log_posteriors, shift_priors

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
# Deciding versicolor (1) when the truth is virginica (2) costs 20.
IRIS_COST = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 20.0], [1.0, 1.0, 0.0]])


def _mlp():
    return ManualMLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)


@pytest.mark.parametrize("make", [lambda: LogisticRegression(max_iter=500), _mlp,
                                  lambda: PerceptronClassifier(random_state=0)],
                         ids=["LogisticRegression", "ManualMLP", "Perceptron"])
def test_risk_is_proba_times_cost_and_predict_its_argmin(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few MLP epochs on purpose
        clf = MinimumRiskClassifier(make(), cost_matrix=IRIS_COST).fit(IRIS_X, IRIS_Y)
    proba = clf.predict_proba(IRIS_X)
    np.testing.assert_allclose(proba, clf.estimator_.predict_proba(IRIS_X))
    risk = clf.predict_risk(IRIS_X)
    np.testing.assert_allclose(risk, proba @ IRIS_COST.T, rtol=1e-12)
    # by hand, R(i|x) = sum_j C[i, j] P(j|x)
    np.testing.assert_allclose(risk[:, 1], proba[:, 0] + 20 * proba[:, 2], rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(IRIS_X), clf.classes_[risk.argmin(axis=1)])
    np.testing.assert_array_equal(clf.decision_function(IRIS_X), -risk)


def test_expensive_confusion_is_avoided():
    plain = LogisticRegression(max_iter=500).fit(IRIS_X, IRIS_Y).predict(IRIS_X)
    costly = MinimumRiskClassifier(LogisticRegression(max_iter=500),
                                   cost_matrix=IRIS_COST).fit(IRIS_X, IRIS_Y).predict(IRIS_X)
    confusions = lambda pred: np.sum((pred == 1) & (IRIS_Y == 2))  # noqa: E731
    assert confusions(costly) < confusions(plain)
    assert np.sum(costly == 1) < np.sum(plain == 1)


def test_binary_threshold_follows_the_costs():
    X, y = make_classification(n_samples=300, random_state=0)
    clf = MinimumRiskClassifier(LogisticRegression(), cost_matrix=[[0, 10], [1, 0]]).fit(X, y)
    p1 = clf.predict_proba(X)[:, 1]
    # decide 1 iff 10 p1 > 1 (1 - p1): p1 > 1/11
    np.testing.assert_array_equal(clf.predict(X), (p1 > 1 / 11).astype(int))
    np.testing.assert_array_equal(clf.decision_function(X) > 0, clf.predict(X) == 1)
    np.testing.assert_allclose(clf.decision_function(X), 11 * p1 - 1, atol=1e-12)


def test_prior_shift_matches_the_formula():
    X, y = make_classification(n_samples=400, n_classes=3, n_informative=4,
                               weights=[0.6, 0.3, 0.1], random_state=0)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    new = np.array([0.2, 0.3, 0.5])
    clf = MinimumRiskClassifier(LogisticRegression(), priors=new).fit(X, y, sample_weight=w)
    seen = np.bincount(y, weights=w) / w.sum()
    np.testing.assert_allclose(clf.train_class_prior_, seen)
    p = LogisticRegression().fit(X, y, sample_weight=w).predict_proba(X)
    expected = p * new / seen
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-10)
    np.testing.assert_allclose(clf.estimator_.coef_,
                               LogisticRegression().fit(X, y, sample_weight=w).coef_)


def test_shift_priors_unseen_class_and_empty_rows():
    proba = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # class 2 unseen in training: posterior 0; row 0 has mass only on class 1,
        # whose new prior is 0: nothing left but the new priors
        out = shift_priors(proba, np.array([0.5, 0.5, 0.0]), np.array([0.6, 0.0, 0.4]))
    np.testing.assert_allclose(out, [[0.6, 0.0, 0.4], [1.0, 0.0, 0.0]])
    jll = np.array([[-np.inf, -np.inf]], dtype=np.float32)
    assert log_posteriors(jll, np.array([0.25, 0.75])).dtype == np.float32


def test_frozen_fitted_model_is_used_as_is():
    inner = LogisticRegression(max_iter=500).fit(IRIS_X, IRIS_Y)
    coef = inner.coef_.copy()
    clf = MinimumRiskClassifier(FrozenEstimator(inner), cost_matrix=IRIS_COST)
    clf.fit(IRIS_X[:30], IRIS_Y[:30])  # the frozen model is not refitted
    np.testing.assert_array_equal(inner.coef_, coef)
    np.testing.assert_allclose(clf.predict_proba(IRIS_X), inner.predict_proba(IRIS_X))
    np.testing.assert_array_equal(clf.classes_, inner.classes_)


def test_pipeline_and_grid_search_over_the_inner_parameters():
    pipe = make_pipeline(StandardScaler(),
                         MinimumRiskClassifier(LogisticRegression(), cost_matrix=IRIS_COST))
    grid = GridSearchCV(pipe, {"minimumriskclassifier__estimator__C": [0.01, 1.0]}, cv=3)
    grid.fit(IRIS_X, IRIS_Y)
    assert grid.best_params_["minimumriskclassifier__estimator__C"] in (0.01, 1.0)
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert grid.best_estimator_[-1].estimator_.C == grid.best_params_[
        "minimumriskclassifier__estimator__C"]


def test_sample_weight_needs_an_estimator_that_takes_it():
    clf = MinimumRiskClassifier(KNeighborsClassifier())
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(IRIS_X, IRIS_Y, sample_weight=np.ones(len(IRIS_Y)))
    assert not hasattr(clf, "estimator_")
    clf.fit(IRIS_X, IRIS_Y)  # fine without weights


def test_priors_of_a_class_absent_from_y_are_rejected():
    inner = LogisticRegression(max_iter=500).fit(IRIS_X, IRIS_Y)
    clf = MinimumRiskClassifier(FrozenEstimator(inner), priors=[0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="priors gives classes \\[2\\]"):
        clf.fit(IRIS_X[:100], IRIS_Y[:100])


def _estimators(**params):
    return [GaussianBayesClassifier(**params), DensityBayesClassifier(**params),
            MinimumRiskClassifier(LogisticRegression(max_iter=500), **params)]


@pytest.mark.parametrize("cost, message", [
    (np.ones((2, 2)) - np.eye(2), r"cost_matrix must have shape .* \(3, 3\), got \(2, 2\)"),
    (np.where(np.eye(3) > 0, 0.0, np.nan), "cost_matrix must be finite"),
    ([[0, 1, 1], [1, 0, 1], [1, 0, 0]], r"cost_matrix\[2, 1\] = 0.0 must be larger than "
                                        r"cost_matrix\[1, 1\]"),
    ([[1, 1, 1], [1, 0, 1], [1, 1, 0]], r"cost_matrix\[1, 0\] = 1.0 must be larger"),
], ids=["shape", "nan", "free-mistake", "mistake-as-cheap"])
def test_bad_cost_matrix_is_a_value_error_naming_it(cost, message):
    for clf in _estimators(cost_matrix=cost):
        with pytest.raises(ValueError, match=message):
            clf.fit(IRIS_X, IRIS_Y)
        assert not hasattr(clf, "cost_matrix_") and not hasattr(clf, "classes_")


@pytest.mark.parametrize("priors, message", [
    ([0.5, 0.6, -0.1], "priors must be finite and non-negative"),
    ([0.5, 0.3, 0.1], "priors must sum to 1"),
    ([0.5, 0.5], r"priors must have one value per class: expected shape \(3,\)"),
], ids=["negative", "sum", "length"])
def test_bad_priors_are_a_value_error_naming_them(priors, message):
    for clf in _estimators(priors=priors):
        with pytest.raises(ValueError, match=message):
            clf.fit(IRIS_X, IRIS_Y)
        assert not hasattr(clf, "cost_matrix_")
