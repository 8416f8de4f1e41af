"""MLPRandomizedSearchCV and the halving searches give scikit-learn's results.

Each search is compared with scikit-learn's own search of ManualMLPClassifier
on the same arguments: every key of cv_results_ but the times (scores to
1e-6), the best candidate, the halving attributes and the refitted model's
predictions.
"""

import re

import numpy as np
import pytest
from _helpers import EpochEndCallback
from scipy.stats import loguniform
from sklearn.datasets import make_regression
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_model_selection import _assert_same_search, _mlp, digits

import skmlp.model_selection as ms
from skmlp import ManualMLPClassifier, ManualMLPRegressor
from skmlp.model_selection import (
    MLPGridSearchCV,
    MLPHalvingGridSearchCV,
    MLPHalvingRandomSearchCV,
    MLPRandomizedSearchCV,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::sklearn.exceptions.FitFailedWarning",
    "ignore:One or more of the test scores are non-finite",
    "ignore:One or more of the train scores are non-finite",
    "ignore:Got `batch_size` less than 1 or larger than sample size",
)

OURS = {RandomizedSearchCV: MLPRandomizedSearchCV, HalvingGridSearchCV: MLPHalvingGridSearchCV,
        HalvingRandomSearchCV: MLPHalvingRandomSearchCV, GridSearchCV: MLPGridSearchCV}
HALVING_ATTRIBUTES = ("n_resources_", "n_candidates_", "n_remaining_candidates_",
                      "n_iterations_", "n_required_iterations_", "n_possible_iterations_",
                      "min_resources_", "max_resources_")
RATES_AND_PENALTIES = {"learning_rate_init": [0.003, 0.03, 0.3], "alpha": [1e-4, 1e-2, 1.0]}


@pytest.fixture(scope="module")
def data():
    return digits()


def _same_as_sklearn(theirs_class, estimator, space, X, y, **search_params):
    """Run scikit-learn's search and ours on the same arguments and compare them."""
    search_params.setdefault("cv", 3)
    theirs = theirs_class(estimator, space, **search_params).fit(X, y)
    ours = OURS[theirs_class](estimator, space, **search_params).fit(X, y)
    assert isinstance(ours, theirs_class)
    _assert_same_search(ours, theirs, X)
    for name in HALVING_ATTRIBUTES:
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name), name
    return ours, theirs


@pytest.mark.parametrize("estimator, distributions, search_params", [
    (_mlp(), {"learning_rate_init": loguniform(1e-3, 0.3), "alpha": loguniform(1e-5, 1.0),
              "hidden_layer_sizes": [(8,), (4, 4)]}, {"n_iter": 8}),
    (make_pipeline(StandardScaler(), _mlp(solver="adam")),
     {"manualmlpclassifier__learning_rate_init": loguniform(1e-3, 0.3),
      "manualmlpclassifier__beta_1": [0.8, 0.9]},
     {"n_iter": 5, "return_train_score": True, "scoring": "neg_log_loss"}),
], ids=["sgd", "pipeline-adam"])
def test_randomized_search_as_sklearn(data, estimator, distributions, search_params):
    X, y = data
    ours, _ = _same_as_sklearn(RandomizedSearchCV, estimator, distributions, X, y,
                               random_state=0, **search_params)
    assert len(ours.cv_results_["params"]) == search_params["n_iter"]


@pytest.mark.parametrize("estimator", [
    _mlp(),
    _mlp(solver="adam"),
    _mlp(tol=0.05, n_iter_no_change=2),  # stops before max_iter in the late rounds
    _mlp(early_stopping=True, validation_fraction=0.2, n_iter_no_change=2),
    _mlp(learning_rate="adaptive", tol=0.05, n_iter_no_change=1),
], ids=["sgd", "adam", "tol", "early-stopping", "adaptive"])
def test_halving_grid_over_max_iter_as_sklearn(data, estimator):
    X, y = data
    ours, theirs = _same_as_sklearn(HalvingGridSearchCV, estimator, RATES_AND_PENALTIES,
                                    X, y, resource="max_iter", max_resources=9)
    assert ours.n_resources_ == [1, 3, 9] and ours.n_candidates_ == [9, 3, 1]
    np.testing.assert_array_equal(ours.cv_results_["iter"], [0] * 9 + [1] * 3 + [2])


def test_halving_grid_over_a_pipelines_max_iter_as_sklearn(data):
    X, y = data
    X = X * 3 + 1  # the scaler matters
    pipe = make_pipeline(StandardScaler(), _mlp())
    grid = {f"manualmlpclassifier__{name}": values
            for name, values in RATES_AND_PENALTIES.items()}
    _same_as_sklearn(HalvingGridSearchCV, pipe, grid, X, y,
                     resource="manualmlpclassifier__max_iter", max_resources=9, factor=2,
                     return_train_score=False)


def test_halving_random_over_max_iter_as_sklearn(data):
    X, y = data
    distributions = {"learning_rate_init": loguniform(1e-3, 0.3),
                     "alpha": loguniform(1e-5, 1.0), "hidden_layer_sizes": [(8,), (4, 4)]}
    ours, _ = _same_as_sklearn(HalvingRandomSearchCV, _mlp(), distributions, X, y,
                               resource="max_iter", max_resources=9, n_candidates=9,
                               random_state=0)
    assert ours.n_candidates_ == [9, 3, 1]


@pytest.mark.parametrize("theirs_class, space", [
    (HalvingGridSearchCV, RATES_AND_PENALTIES),
    (HalvingRandomSearchCV, {"learning_rate_init": loguniform(1e-3, 0.3),
                             "momentum": [0.0, 0.9]}),
])
def test_halving_over_n_samples_as_sklearn(data, theirs_class, space):
    X, y = data
    ours, _ = _same_as_sklearn(theirs_class, _mlp(), space, X, y, random_state=0)
    assert ours.n_resources_[0] < ours.n_resources_[-1] <= X.shape[0]


def test_halving_in_worker_processes(data):
    X, y = data
    _same_as_sklearn(HalvingGridSearchCV, _mlp(), RATES_AND_PENALTIES, X, y,
                     resource="max_iter", max_resources=9, n_jobs=2)


def test_the_resource_must_not_be_searched(data):
    X, y = data
    grid = {"max_iter": [2, 4], "alpha": [1e-4, 1e-2]}
    for search_class in (HalvingGridSearchCV, MLPHalvingGridSearchCV):
        with pytest.raises(ValueError, match="part of the searched parameters"):
            search_class(_mlp(), grid, resource="max_iter", max_resources=4).fit(X, y)


# ---------------------------------------------------------------------------
# The survivors of a halving round over max_iter continue training.
# ---------------------------------------------------------------------------

def test_survivors_reach_the_next_round_fitted(data, monkeypatch):
    # Each round after the first hands every survivor's network of every fold,
    # fitted by the round before on the same data, to fit_stack(resume=True),
    # with its new max_iter. Here a stand-in for the continuation refits them
    # from scratch, which is by contract the same network.
    X, y = data
    calls = []
    fit_stack = ms.fit_stack

    def resuming_fit_stack(nets, X, y, sample_weight=None, coefs_init=None,
                           intercepts_init=None, *, resume=False):
        calls.append((resume, [(net.max_iter, getattr(net, "n_iter_", None))
                               for net in nets]))
        return fit_stack(nets, X, y, sample_weight, coefs_init, intercepts_init,
                         resume=resume)

    monkeypatch.setattr(ms, "fit_stack", resuming_fit_stack)
    pipe = make_pipeline(StandardScaler(), _mlp())
    grid = {f"manualmlpclassifier__{name}": values
            for name, values in RATES_AND_PENALTIES.items()}
    _same_as_sklearn(HalvingGridSearchCV, pipe, grid, X, y,
                     resource="manualmlpclassifier__max_iter", max_resources=9)
    resumed = [nets for resume, nets in calls if resume]
    fresh = [nets for resume, nets in calls if not resume]
    # round 0: 9 candidates fresh in each of 3 folds; rounds 1 and 2: 3 then 1
    # survivor per fold, fitted to 1 then 3 epochs, continued to 3 then 9
    assert [len(nets) for nets in fresh] == [9, 9, 9]
    assert sorted(len(nets) for nets in resumed) == [1, 1, 1, 3, 3, 3]
    for nets in resumed:
        previous, now = (1, 3) if len(nets) == 3 else (3, 9)
        assert all(max_iter == now and n_iter == previous for max_iter, n_iter in nets)


class _EpochCounter(EpochEndCallback):
    def __init__(self):
        self.epochs = 0

    def epoch_end(self, fitted_estimator):
        self.epochs += 1


def test_survivors_train_each_epoch_once(data):
    # With tol=0 and no early stopping every network trains all its epochs:
    # retrained, a candidate of the last round trains 1 + 3 + 9 epochs per
    # fold; continued, 9.
    pytest.importorskip("sklearn.callback")
    X, y = data
    counter = _EpochCounter()
    estimator = _mlp(tol=0.0, n_iter_no_change=100).set_callbacks(counter)
    search = MLPHalvingGridSearchCV(estimator, RATES_AND_PENALTIES, resource="max_iter",
                                    max_resources=9, cv=3, refit=False).fit(X, y)
    last_round = [n * r for n, r in zip(
        np.diff(search.n_candidates_ + [0]) * -1, search.n_resources_)]
    assert counter.epochs == 3 * sum(last_round)  # (6 x 1 + 2 x 3 + 1 x 9) x 3 folds


@pytest.mark.parametrize("theirs_class, space, search_params", [
    (RandomizedSearchCV, {"hidden_layer_sizes": ["abc", None, (8,)],
                          "learning_rate_init": [0.01, 0.1]}, {"n_iter": 4}),
    (HalvingGridSearchCV, {"batch_size": ["big", 32], "alpha": [1e-4, 1e-2]},
     {"resource": "max_iter", "max_resources": 4, "factor": 2}),
    (HalvingRandomSearchCV, {"hidden_layer_sizes": [(float("inf"),), (8,)],
                             "learning_rate_init": loguniform(1e-3, 0.3)},
     {"n_candidates": 6}),
], ids=["randomized", "halving-grid", "halving-random"])
def test_a_bad_candidate_value_scores_error_score_as_sklearn(data, theirs_class, space,
                                                             search_params):
    X, y = data
    ours, _ = _same_as_sklearn(theirs_class, _mlp(), space, X, y, random_state=0,
                               **search_params)
    assert np.isnan(ours.cv_results_["mean_test_score"]).any()


@pytest.mark.filterwarnings("ignore:The total space of parameters 2 is smaller")
@pytest.mark.parametrize("theirs_class", [RandomizedSearchCV, HalvingGridSearchCV,
                                          HalvingRandomSearchCV])
def test_one_dimensional_X_is_sklearns_error(data, theirs_class):
    X, y = data
    space, errors = {"alpha": [1e-4, 1e-2]}, []
    for search_class in (theirs_class, OURS[theirs_class]):
        search = search_class(_mlp(), space, cv=3, random_state=0)
        with pytest.raises(Exception) as excinfo:
            search.fit(X[:, 0], y)
        errors.append(excinfo.value)
    assert type(errors[1]) is type(errors[0])
    assert re.sub(r"\d+", "N", str(errors[1]))[:200] == re.sub(r"\d+", "N", str(errors[0]))[:200]


class _OwnFitMLP(ManualMLPClassifier):
    """A subclass with its own fit: fitted one by one, never stacked."""

    def fit(self, X, y, sample_weight=None, coefs_init=None, intercepts_init=None):
        return super().fit(X, y, sample_weight, coefs_init, intercepts_init)


@pytest.mark.parametrize("estimator, resource", [
    (_mlp(solver="lbfgs", warm_start=True), "max_iter"),
    (_OwnFitMLP((8,), solver="sgd", batch_size=32, warm_start=True, random_state=0),
     "max_iter"),
    (make_pipeline(StandardScaler(), _mlp(solver="lbfgs", warm_start=True)),
     "manualmlpclassifier__max_iter"),
], ids=["lbfgs", "own-fit", "pipeline-lbfgs"])
def test_halving_refits_warm_started_networks_it_does_not_stack(data, estimator, resource):
    # Their fit would continue from the last round's weights, where
    # HalvingGridSearchCV refits: continuing is only for stacked networks.
    X, y = data
    prefix = resource[:-len("max_iter")]
    grid = {prefix + name: values for name, values in RATES_AND_PENALTIES.items()
            if name == "alpha"}
    _same_as_sklearn(HalvingGridSearchCV, estimator, grid, X, y, resource=resource,
                     max_resources=6, factor=3)


# ---------------------------------------------------------------------------
# Regression: the same searches over ManualMLPRegressor.
# ---------------------------------------------------------------------------

def _regression_data():
    X, y = make_regression(n_samples=150, n_features=6, noise=10.0, random_state=0)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _regressor(**params):
    defaults = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=32, max_iter=6,
                    random_state=0)
    return ManualMLPRegressor(**{**defaults, **params})


REGRESSION_SEARCHES = [
    (GridSearchCV, _regressor(), {**RATES_AND_PENALTIES, "hidden_layer_sizes": [(8,), (4, 3)]},
     {}),
    (GridSearchCV, make_pipeline(StandardScaler(), _regressor(loss="poisson")),
     {"manualmlpregressor__learning_rate_init": [0.003, 0.03],
      "manualmlpregressor__alpha": [1e-4, 1.0]}, {"target": "counts"}),
    (GridSearchCV, _regressor(solver="adam", early_stopping=True),
     {"learning_rate_init": [1e-3, 0.05], "beta_1": [0.8, 0.9]},
     {"scoring": "neg_mean_squared_error", "return_train_score": True}),
    (RandomizedSearchCV, _regressor(),
     {"learning_rate_init": loguniform(1e-3, 0.3), "alpha": loguniform(1e-5, 1.0)},
     {"n_iter": 6, "random_state": 0}),
    (HalvingGridSearchCV, _regressor(tol=0.0), RATES_AND_PENALTIES,
     {"resource": "max_iter", "max_resources": 9}),
    (HalvingGridSearchCV, make_pipeline(StandardScaler(), _regressor()),
     {f"manualmlpregressor__{name}": values for name, values in RATES_AND_PENALTIES.items()},
     {"resource": "manualmlpregressor__max_iter", "max_resources": 9}),
]


@pytest.mark.parametrize("theirs_class, estimator, space, search_params", REGRESSION_SEARCHES,
                         ids=["grid", "pipeline-poisson", "early-stopping-adam", "randomized",
                              "halving-max_iter", "pipeline-halving-max_iter"])
def test_regression_searches_as_sklearn(theirs_class, estimator, space, search_params):
    X, y = _regression_data()
    search_params = dict(search_params)
    if search_params.pop("target", None) == "counts":
        y = np.random.RandomState(0).poisson(np.exp(0.5 * y))
    ours, theirs = _same_as_sklearn(theirs_class, estimator, space, X, y, **search_params)
    assert ours.best_estimator_.predict(X).dtype == np.float64


def test_regression_halving_over_max_iter_continues_the_survivors(monkeypatch):
    X, y = _regression_data()
    resumed = []
    fit_stack = ms.fit_stack

    def recording_fit_stack(nets, *args, resume=False, **kwargs):
        if resume:
            resumed.append([(net.max_iter, net.n_iter_) for net in nets])
        return fit_stack(nets, *args, resume=resume, **kwargs)

    monkeypatch.setattr(ms, "fit_stack", recording_fit_stack)
    _same_as_sklearn(HalvingGridSearchCV, _regressor(tol=0.0), RATES_AND_PENALTIES, X, y,
                     resource="max_iter", max_resources=9)
    # rounds 1 and 2 continue 3 then 1 survivor per fold from 1 then 3 epochs
    assert sorted(len(nets) for nets in resumed) == [1, 1, 1, 3, 3, 3]
    for nets in resumed:
        previous, now = (1, 3) if len(nets) == 3 else (3, 9)
        assert all(pair == (now, previous) for pair in nets)
