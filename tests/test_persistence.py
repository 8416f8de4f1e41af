"""Saving fitted estimators with skops.io: round trips and the public trusted types.

Every fitted estimator and every search (in the configurations below) is
dumped with skops.io and loaded back with ``skmlp.TRUSTED_TYPES``, the list
the user guide's "Saving and deploying" page passes: the loaded model
predicts the same probabilities bit for bit, the list is complete and has
nothing extra (the union of ``skops.io.get_untrusted_types`` over the dumps is
exactly the list), and leaving a type out makes skops refuse the file.
"""

import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from numpy.testing import assert_array_equal
from scipy.stats import loguniform, norm
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skops.io.exceptions import UntrustedTypesFoundException

import skmlp
from skmlp import (
    DensityBayesClassifier,
    GaussianBayesClassifier,
    ManualMLPClassifier,
    ManualMLPRegressor,
    MinimumRiskClassifier,
    PerceptronClassifier,
)
from skmlp.datasets import UniformDisc
from skmlp.model_selection import (
    MLPGridSearchCV,
    MLPHalvingGridSearchCV,
    MLPHalvingRandomSearchCV,
    MLPRandomizedSearchCV,
)

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "deploy.rst"


TRUSTED = skmlp.TRUSTED_TYPES


def _data(n_classes=3, rng=None, n=60):
    rng = np.random.RandomState(0) if rng is None else rng
    y = np.arange(n) % n_classes
    return rng.randn(n, 2) + 2.0 * rng.randn(n_classes, 2)[y], y


def _mlp(**params):
    return ManualMLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0, **params)


def _regressor(**params):
    return ManualMLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0, **params)


def _search():
    return MLPGridSearchCV(_mlp(), {"alpha": [1e-4, 1e-2]}, cv=2)


# name -> a fitted model: every estimator, with the solvers
# and options that store something of their own
MODELS = {
    "mlp_adam": lambda X, y: _mlp().fit(X, y),
    "mlp_sgd_early_stopping": lambda X, y: _mlp(solver="sgd", early_stopping=True).fit(X, y),
    "mlp_lbfgs": lambda X, y: _mlp(solver="lbfgs").fit(X, y),
    "mlp_float32": lambda X, y: _mlp().fit(X.astype(np.float32), y),
    "mlp_multilabel": lambda X, y: _mlp().fit(X, np.c_[y == 0, y != 1]),
    "mlp_partial_fit": lambda X, y: _mlp().partial_fit(X, y, classes=np.unique(y)),
    "regressor_adam": lambda X, y: _regressor().fit(X, y.astype(float)),
    "regressor_poisson_sgd_early_stopping": lambda X, y: _regressor(
        loss="poisson", solver="sgd", early_stopping=True).fit(X, y.astype(float)),
    "regressor_partial_fit": lambda X, y: _regressor().partial_fit(X, y.astype(float)),
    "regression_search": lambda X, y: MLPGridSearchCV(
        _regressor(), {"alpha": [1e-4, 1e-2]}, cv=2).fit(X, y.astype(float)),
    "perceptron": lambda X, y: PerceptronClassifier(random_state=0).fit(X, y),
    "perceptron_averaged": lambda X, y: PerceptronClassifier(average=True, early_stopping=True,
                                                             random_state=0).fit(X, y),
    "gaussian_full": lambda X, y: GaussianBayesClassifier(cost_matrix=1 - np.eye(3)).fit(X, y),
    "gaussian_tied_auto": lambda X, y: GaussianBayesClassifier(covariance_type="tied",
                                                               shrinkage="auto").fit(X, y),
    "gaussian_partial_fit": lambda X, y: GaussianBayesClassifier(
        covariance_type="diag").partial_fit(X, y, classes=np.unique(y)),
    "density_kde": lambda X, y: DensityBayesClassifier().fit(X, y),
    "density_kde_weighted": lambda X, y: DensityBayesClassifier(
        KernelDensity(bandwidth=0.5)).fit(X, y, sample_weight=np.linspace(0.5, 2, len(y))),
    "density_gmm": lambda X, y: DensityBayesClassifier(
        GaussianMixture(2, random_state=0), priors=[0.2, 0.3, 0.5]).fit(X, y),
    "density_uniform_discs": lambda X, y: DensityBayesClassifier(
        [UniformDisc((0, 0), 3), UniformDisc((1, 1), 3), UniformDisc((-1, 1), 3)]).fit(X, y),
    "minimum_risk_mlp": lambda X, y: MinimumRiskClassifier(
        _mlp(), cost_matrix=[[0, 5, 1], [1, 0, 1], [1, 5, 0]], priors=[0.5, 0.3, 0.2]).fit(X, y),
    "minimum_risk_frozen": lambda X, y: MinimumRiskClassifier(
        FrozenEstimator(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y))
    ).fit(X, y),
    "pipeline": lambda X, y: make_pipeline(StandardScaler(), _mlp()).fit(X, y),
    "search": lambda X, y: _search().fit(X, y),
    "search_best_estimator": lambda X, y: _search().fit(X, y).best_estimator_,
    "randomized_search": lambda X, y: MLPRandomizedSearchCV(
        _mlp(), {"alpha": [1e-4, 1e-2, 1e-1]}, n_iter=2, cv=2, random_state=0).fit(X, y),
    "halving_grid_search": lambda X, y: MLPHalvingGridSearchCV(
        _mlp(), {"alpha": [1e-4, 1e-2, 1e-1]}, cv=2, min_resources=20,
        random_state=0).fit(X, y),
    "halving_grid_search_max_iter": lambda X, y: MLPHalvingGridSearchCV(
        _mlp(), {"alpha": [1e-4, 1e-2, 1e-1]}, cv=2, resource="max_iter", max_resources=9,
        random_state=0).fit(X, y),
    "halving_random_search": lambda X, y: MLPHalvingRandomSearchCV(
        _mlp(), {"alpha": [1e-4, 1e-2, 1e-1]}, n_candidates=3, cv=2, min_resources=20,
        random_state=0).fit(X, y),
}


@pytest.fixture(scope="module")
def dumps():
    """name -> (fitted model, skops bytes, X to predict)."""
    X, y = _data()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs: ConvergenceWarning expected
        for name, fit in MODELS.items():
            model = fit(X, y)
            out[name] = model, sio.dumps(model), X
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_skops_round_trip_predicts_the_same(dumps, name):
    model, data, X = dumps[name]
    loaded = sio.loads(data, trusted=TRUSTED)
    assert type(loaded) is type(model)
    if hasattr(model, "predict_proba"):  # not for the regressors
        assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_documented_trusted_types_are_exactly_those_of_the_dumps(dumps):
    untrusted = set()
    for _, data, _ in dumps.values():
        untrusted |= set(sio.get_untrusted_types(data=data))
    assert untrusted == set(TRUSTED)
    assert len(TRUSTED) == len(set(TRUSTED))


def test_the_user_guide_loads_with_the_public_list():
    text = DEPLOY.read_text()
    assert "trusted=skmlp.TRUSTED_TYPES" in text
    assert not re.search(r"^ *TRUSTED = \[", text, flags=re.M)  # no copy to go stale


@pytest.mark.parametrize("name", ["mlp_adam", "perceptron", "density_kde", "search",
                                  "halving_random_search"])
def test_an_incomplete_trusted_list_is_refused(dumps, name):
    _, data, _ = dumps[name]
    for left_out in sio.get_untrusted_types(data=data):
        incomplete = [t for t in TRUSTED if t != left_out]
        with pytest.raises(UntrustedTypesFoundException, match=re.escape(left_out)):
            sio.loads(data, trusted=incomplete)


def test_scipy_distributions_of_a_randomized_search_add_only_their_own_types():
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs: ConvergenceWarning expected
        search = MLPRandomizedSearchCV(_mlp(), {"alpha": loguniform(1e-5, 1e-1)}, n_iter=2,
                                       cv=2, random_state=0).fit(X, y)
    data = sio.dumps(search)
    extra = set(sio.get_untrusted_types(data=data)) - set(TRUSTED)
    assert extra and all(t.startswith("scipy.stats.") for t in extra)
    loaded = sio.loads(data, trusted=TRUSTED + sorted(extra))
    assert_array_equal(loaded.predict_proba(X), search.predict_proba(X))


def test_known_scipy_densities_add_only_their_own_types():
    # A list of frozen scipy distributions is the user's: skops lists
    # scipy's types beyond the documented ones, and they must be trusted too.
    X, y = _data(2)
    clf = DensityBayesClassifier([norm(0, 1), norm(1, 1)]).fit(X[:, :1], y)
    data = sio.dumps(clf)
    extra = set(sio.get_untrusted_types(data=data)) - set(TRUSTED)
    assert extra and all(t.startswith("scipy.stats.") for t in extra)
    loaded = sio.loads(data, trusted=TRUSTED + sorted(extra))
    assert_array_equal(loaded.predict_proba(X[:, :1]), clf.predict_proba(X[:, :1]))


@pytest.mark.parametrize("name", list(MODELS))
def test_pickle_round_trip_predicts_the_same(dumps, name):
    model, _, X = dumps[name]
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):  # not for the regressors
        assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
