"""skmlp._risk and MinimumRiskClassifier: the minimum-risk rule over any model."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
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
    ({0: 1.0, 1: 2.0}, r"cost_matrix must be an array of real numbers; got \{0: 1.0, 1: 2.0\}"),
    ((1 - np.eye(3)) * (1 + 1j), r"cost_matrix must be an array of real numbers; got "
                                 r"array\(\[\[0\.\+0\.j"),
], ids=["shape", "nan", "free-mistake", "mistake-as-cheap", "dict", "complex"])
def test_bad_cost_matrix_is_a_value_error_naming_it(cost, message):
    for clf in _estimators(cost_matrix=cost):
        with pytest.raises(ValueError, match=message):
            clf.fit(IRIS_X, IRIS_Y)
        assert not hasattr(clf, "cost_matrix_") and not hasattr(clf, "classes_")


@pytest.mark.parametrize("priors, message", [
    ([0.5, 0.6, -0.1], "priors must be finite and non-negative"),
    ([0.5, 0.3, 0.1], "priors must sum to 1"),
    ([0.5, 0.5], r"priors must have one value per class: expected shape \(3,\)"),
    ({0: 0.2, 1: 0.3, 2: 0.5}, r"priors must be an array of real numbers; got \{0: 0.2"),
    (["0.2", "0.3", "0.5"], r"priors must be an array of real numbers; got \['0.2'"),
], ids=["negative", "sum", "length", "dict", "strings"])
def test_bad_priors_are_a_value_error_naming_them(priors, message):
    for clf in _estimators(priors=priors):
        with pytest.raises(ValueError, match=message):
            clf.fit(IRIS_X, IRIS_Y)
        assert not hasattr(clf, "cost_matrix_")


@pytest.mark.parametrize("name", ["priors", "cost_matrix"])
def test_fitted_priors_and_costs_are_copies_of_the_arguments(name):
    # Before: stored by reference, so changing the caller's array changed
    # the fitted model's predictions (QDA's do not change).
    value = {"priors": np.array([0.2, 0.3, 0.5]), "cost_matrix": IRIS_COST.copy()}[name]
    for clf in _estimators(**{name: value}):
        clf.fit(IRIS_X, IRIS_Y)
        proba, risk = clf.predict_proba(IRIS_X), clf.predict_risk(IRIS_X)
        fitted = {"priors": clf.class_prior_, "cost_matrix": clf.cost_matrix_}[name]
        assert not np.shares_memory(fitted, value)
        original = value.copy()
        value[...] = value[::-1] if name == "priors" else value.T
        np.testing.assert_array_equal(clf.predict_proba(IRIS_X), proba)
        np.testing.assert_array_equal(clf.predict_risk(IRIS_X), risk)
        value[...] = original


class _Posteriors(LogisticRegression):
    """LogisticRegression whose predict_proba is spoilt as ``spoil`` says, or
    whose classes (and columns) are in reverse order."""

    def __init__(self, spoil=None, max_iter=500):
        self.spoil = spoil
        super().__init__(max_iter=max_iter)

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        if self.spoil == "reversed":
            self.classes_ = self.classes_[::-1]
            self.coef_, self.intercept_ = self.coef_[::-1], self.intercept_[::-1]
        return self

    def predict_proba(self, X):
        proba = super().predict_proba(X)
        if self.spoil == "nan":
            proba[0, 0] = np.nan
        elif self.spoil == "inf":
            proba[1] = np.inf
        elif self.spoil == "negative":
            proba[:, 0] -= 0.5
        elif self.spoil == "unnormalised":
            proba *= 2
        elif self.spoil == "columns":
            proba = proba[:, :2]
        return proba


@pytest.mark.parametrize("spoil, problem", [
    ("nan", r"values that are not finite numbers \(NaN, inf or not numbers\)"),
    ("inf", r"values that are not finite numbers \(NaN, inf or not numbers\)"),
    ("negative", r"negative values \(down to -0.5\)"),
    ("unnormalised", r"rows that do not sum to 1 \(sums from 2 to 2\)"),
    ("columns", r"an array of shape \(150, 2\), not \(n_samples, 3\) \(one column per "
                r"class\)"),
])
@pytest.mark.parametrize("priors", [None, [0.2, 0.3, 0.5]], ids=["no-priors", "priors"])
def test_posteriors_of_the_estimator_are_checked(spoil, problem, priors):
    # Before: NaN made every prediction classes_[0] (with priors: the
    # priors), inf gave NaN probabilities, wrong columns a raw matmul error.
    clf = MinimumRiskClassifier(_Posteriors(spoil), priors=priors).fit(IRIS_X, IRIS_Y)
    expected = f"_Posteriors.predict_proba returned {problem}; minimum-risk decisions need"
    for method in (clf.predict_proba, clf.predict, clf.predict_risk, clf.decision_function):
        with pytest.raises(ValueError, match=expected):
            method(IRIS_X)


def test_estimator_with_classes_in_another_order():
    # The columns of predict_proba follow the estimator's classes_, sorted
    # or not (before: "expected shape (4,)" for 3 classes, with priors).
    priors = np.array([0.2, 0.3, 0.5])
    sorted_ = MinimumRiskClassifier(_Posteriors(), priors=priors).fit(IRIS_X, IRIS_Y)
    reversed_ = MinimumRiskClassifier(_Posteriors("reversed"), priors=priors[::-1],
                                      cost_matrix=IRIS_COST[::-1, ::-1]).fit(IRIS_X, IRIS_Y)
    np.testing.assert_array_equal(reversed_.classes_, [2, 1, 0])
    np.testing.assert_allclose(reversed_.train_class_prior_, [1 / 3] * 3)
    np.testing.assert_allclose(reversed_.predict_proba(IRIS_X)[:, ::-1],
                               sorted_.predict_proba(IRIS_X), rtol=1e-12)
    np.testing.assert_array_equal(reversed_.predict(IRIS_X), sorted_.set_params(
        cost_matrix=IRIS_COST).fit(IRIS_X, IRIS_Y).predict(IRIS_X))


def test_set_params_after_fit_does_not_change_the_fitted_priors():
    # predict_proba follows the fitted class_prior_ (before: set_params(
    # priors=None) switched the re-weighting off without a refit).
    clf = MinimumRiskClassifier(LogisticRegression(max_iter=500),
                                priors=[0.1, 0.1, 0.8]).fit(IRIS_X, IRIS_Y)
    proba = clf.predict_proba(IRIS_X)
    clf.set_params(priors=None)
    np.testing.assert_array_equal(clf.predict_proba(IRIS_X), proba)
    assert not np.allclose(proba, clf.estimator_.predict_proba(IRIS_X))


# --- the reject option ------------------------------------------------------------

def _three_rejecting_models(**params):
    """The three minimum-risk classifiers, each with the given parameters."""
    return {
        "gaussian": GaussianBayesClassifier(**params),
        "density": DensityBayesClassifier(**params),
        "minimum_risk": MinimumRiskClassifier(
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), **params),
    }


@pytest.mark.parametrize("name", ["gaussian", "density", "minimum_risk"])
def test_zero_one_cost_reject_is_chows_rule(name):
    X, y = make_classification(n_samples=300, n_features=4, n_informative=3,
                               n_redundant=0, n_classes=3, class_sep=0.7,
                               random_state=0)
    rows = X + np.random.RandomState(1).normal(scale=0.3, size=X.shape)
    plain = _three_rejecting_models()[name].fit(X, y)
    proba = plain.predict_proba(rows)
    for lam in (0.05, 0.2, 0.4, 0.6):
        clf = _three_rejecting_models(reject_cost=lam)[name].fit(X, y)
        # Chow (1970): doubt where the largest posterior is below 1 - lambda
        expected = np.where(proba.max(axis=1) < 1 - lam, -1, proba.argmax(axis=1))
        np.testing.assert_array_equal(clf.predict(rows), expected)
        assert 0 < np.mean(expected == -1) < 1, lam  # both kinds of decision occur


@pytest.mark.parametrize("name", ["gaussian", "density", "minimum_risk"])
def test_per_class_reject_costs_give_the_risks_by_hand(name):
    X, y = IRIS_X, IRIS_Y
    reject_cost = np.array([0.4, 0.3, 0.8])
    clf = _three_rejecting_models(cost_matrix=IRIS_COST, reject_cost=reject_cost,
                                  reject_label=99)[name].fit(X, y)
    proba = clf.predict_proba(X)
    risk = clf.predict_risk(X)
    assert risk.shape == (len(X), 4)  # the doubt column last
    for n in range(0, len(X), 7):
        by_hand = [sum(IRIS_COST[i, j] * proba[n, j] for j in range(3)) for i in range(3)]
        by_hand.append(sum(reject_cost[j] * proba[n, j] for j in range(3)))
        np.testing.assert_allclose(risk[n], by_hand, rtol=1e-12, atol=1e-15)
    labels = np.array([0, 1, 2, 99])
    np.testing.assert_array_equal(clf.predict(X), labels[np.argmin(risk, axis=1)])
    assert np.any(clf.predict(X) == 99)
    np.testing.assert_array_equal(clf.decision_function(X), -risk[:, :3])


def test_doubt_at_or_above_k_minus_1_over_k_never_rejects():
    # Outside both discs no class has density: the posteriors are the equal
    # priors, 1/3 each, the hardest case for doubt (every class risk is 2/3).
    from skmlp.datasets import UniformDisc
    X, y = IRIS_X[:, :2], IRIS_Y
    discs = [UniformDisc(X[y == k].mean(axis=0), 0.6) for k in range(3)]
    outside = np.array([[100.0, 100.0], [-50.0, 3.0]])
    rows = np.vstack([X, outside])
    for lam in (2 / 3, 0.7, 1.0, 5.0):
        for clf in (DensityBayesClassifier(discs, priors=[1 / 3] * 3, reject_cost=lam),
                    GaussianBayesClassifier(reject_cost=lam),
                    MinimumRiskClassifier(LogisticRegression(max_iter=500),
                                          reject_cost=lam)):
            plain = clone(clf).set_params(reject_cost=None).fit(X, y)
            np.testing.assert_array_equal(clf.fit(X, y).predict(rows), plain.predict(rows))
    clf = DensityBayesClassifier(discs, priors=[1 / 3] * 3, reject_cost=0.66).fit(X, y)
    np.testing.assert_array_equal(clf.predict(outside), -1)  # just below: doubt there


def test_rejecting_at_lambda_0_2_lowers_the_expected_cost_on_fresh_data():
    from skmlp.datasets import make_gaussian_classes
    model = dict(means=((1.0, 2.0), (0.0, 0.0)), sigmas=(1.0, np.sqrt(2.0)))
    X, y = make_gaussian_classes((500, 500), random_state=0, **model)
    fresh_X, fresh_y = make_gaussian_classes((20000, 20000), random_state=1, **model)
    costs = {}
    for lam in (None, 0.2):
        clf = GaussianBayesClassifier(reject_cost=lam).fit(X, y)
        decided = clf.predict(fresh_X)
        doubt = decided == -1
        costs[lam] = np.mean((decided != fresh_y) & ~doubt) + 0.2 * np.mean(doubt)
        if lam:
            assert clf.score(fresh_X, fresh_y) == np.mean(decided == fresh_y)  # doubt: wrong
            assert clf.score(fresh_X, fresh_y) < 1 - np.mean(doubt)
    assert costs[0.2] < costs[None] - 0.01, costs


@pytest.mark.parametrize("name", ["gaussian", "density", "minimum_risk"])
@pytest.mark.parametrize("params, match", [
    ({"reject_cost": -0.1}, "reject_cost must be finite and non-negative"),
    ({"reject_cost": [0.1, np.nan, 0.1]}, "reject_cost must be finite and non-negative"),
    ({"reject_cost": [0.1, 0.2]}, r"reject_cost must be one number, or one per class: "
                                  r"expected shape \(3,\), got \(2,\)"),
    ({"reject_cost": [0.1, "a", 0.1]}, "reject_cost must be an array of real numbers"),
    ({"reject_cost": 0.1, "reject_label": 2}, r"reject_label=2 is one of the classes "
                                              r"\[0, 1, 2\]; a doubt would read as"),
    ({"reject_cost": 0.1, "reject_label": "doubt"}, "reject_label='doubt' must be a number, "
                                                    "as the class labels are"),
    ({"reject_cost": 0.1, "reject_label": None}, "reject_label=None must be a number"),
])
def test_bad_reject_option_is_a_clear_error(name, params, match):
    clf = _three_rejecting_models(**params)[name]
    with pytest.raises(ValueError, match=match):
        clf.fit(IRIS_X, IRIS_Y)
    assert not hasattr(clf, "cost_matrix_")


@pytest.mark.parametrize("name", ["gaussian", "density", "minimum_risk"])
def test_reject_option_with_string_labels(name):
    labels = np.array(["setosa", "versicolor", "virginica"])
    y = labels[IRIS_Y]
    with pytest.raises(ValueError, match="reject_label=-1 must be a string, as the class "
                                         "labels are"):
        _three_rejecting_models(reject_cost=0.2)[name].fit(IRIS_X, y)
    clf = _three_rejecting_models(reject_cost=0.2, reject_label="unsure")[name]
    predicted = clf.fit(IRIS_X, y).predict(IRIS_X)
    assert set(predicted) <= {"setosa", "versicolor", "virginica", "unsure"}
    assert np.any(predicted == "unsure")
    assert clf.score(IRIS_X, y) == np.mean(predicted == y)
    # no doubt without reject_cost, whatever reject_label is (the default too)
    plain = _three_rejecting_models()[name].fit(IRIS_X, y)
    assert set(plain.predict(IRIS_X)) <= set(labels)


def test_default_reject_label_is_not_checked_without_reject_cost():
    y = np.where(IRIS_Y == 0, -1, IRIS_Y)  # -1 is a class here
    for clf in _three_rejecting_models().values():
        assert -1 in clf.fit(IRIS_X, y).predict(IRIS_X)


def test_reject_label_changed_after_fit_does_not_change_predictions():
    clf = GaussianBayesClassifier(reject_cost=0.2).fit(IRIS_X, IRIS_Y)
    before = clf.predict(IRIS_X)
    clf.set_params(reject_label=1, reject_cost=None)
    np.testing.assert_array_equal(clf.predict(IRIS_X), before)
    assert np.any(before == -1)
