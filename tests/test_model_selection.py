"""MLPGridSearchCV gives GridSearchCV's results with the same arguments."""

import re
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
import sklearn
from _helpers import EpochEndCallback
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

import skmlp.model_selection as ms
from skmlp import ManualMLPClassifier
from skmlp._training import bytes_per_network
from skmlp.model_selection import MLPGridSearchCV

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::sklearn.exceptions.FitFailedWarning",
    "ignore:One or more of the test scores are non-finite",
    "ignore:One or more of the train scores are non-finite",
)


def digits():
    """240 digits of 4 classes, scaled: small and quick to fit."""
    X, y = load_digits(n_class=4, return_X_y=True)
    X, y = X[:240], y[:240]
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def data():
    return digits()


def _mlp(**params):
    defaults = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=32, max_iter=6,
                    random_state=0)
    return ManualMLPClassifier(**{**defaults, **params})


def _both(estimator, grid, X, y, fit_params=None, **search_params):
    """The same search run by MLPGridSearchCV and by GridSearchCV."""
    search_params.setdefault("cv", 3)
    fit_params = fit_params or {}
    ours = MLPGridSearchCV(estimator, grid, **search_params).fit(X, y, **fit_params)
    theirs = GridSearchCV(estimator, grid, **search_params).fit(X, y, **fit_params)
    return ours, theirs


def _assert_same_search(ours, theirs, X):
    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    for key, expected in theirs.cv_results_.items():
        got = ours.cv_results_[key]
        if key == "params":
            assert got == expected
        elif key.startswith("param_"):
            assert list(got) == list(expected), key
        elif key.startswith("rank_"):
            np.testing.assert_array_equal(got, expected, err_msg=key)
        elif "_time" not in key:
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6, err_msg=key)
    for attr in ("best_index_", "best_params_", "best_score_", "n_splits_", "multimetric_"):
        np.testing.assert_equal(getattr(ours, attr, None), getattr(theirs, attr, None),
                                err_msg=attr)
    if theirs.refit:
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        if hasattr(theirs, "predict_proba"):  # a classifier
            np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))


@pytest.mark.parametrize("estimator, grid", [
    # SGD: plain, momentum, Nesterov or not, every schedule; one that diverges
    (_mlp(tol=1e-2, n_iter_no_change=2),
     {"learning_rate_init": [0.01, 0.3, 30.0], "momentum": [0.0, 0.9],
      "nesterovs_momentum": [True, False],
      "learning_rate": ["constant", "invscaling", "adaptive"]}),
    # Adam, per-candidate betas and penalties, two network shapes
    (_mlp(solver="adam"),
     {"learning_rate_init": [1e-3, 0.05], "beta_1": [0.8, 0.9], "alpha": [1e-4, 1.0],
      "hidden_layer_sizes": [(8,), (6, 5)]}),
    # early stopping with per-candidate tol / n_iter_no_change / max_iter
    (_mlp(early_stopping=True, max_iter=10),
     {"tol": [0.0, 0.05], "n_iter_no_change": [1, 3], "max_iter": [4, 10],
      "learning_rate_init": [0.01, 0.2]}),
    # lbfgs candidates are fitted one by one, next to stacked sgd ones
    (_mlp(max_iter=15),
     {"solver": ["lbfgs", "sgd"], "alpha": [1e-4, 1e-1]}),
])
def test_same_results_as_gridsearchcv(data, estimator, grid):
    X, y = data
    ours, theirs = _both(estimator, grid, X, y)
    _assert_same_search(ours, theirs, X)


def test_pipeline_with_scaler_and_preprocessing_params(data):
    X, y = data
    X = X * 3 + 1  # the scaler matters
    pipe = make_pipeline(StandardScaler(), _mlp())
    grid = {"standardscaler__with_mean": [True, False],
            "manualmlpclassifier__learning_rate_init": [0.01, 0.1],
            "manualmlpclassifier__alpha": [1e-4, 1e-1]}
    ours, theirs = _both(pipe, grid, X, y, return_train_score=True)
    _assert_same_search(ours, theirs, X)
    assert ours.best_estimator_.steps[0][1].with_mean == theirs.best_params_[
        "standardscaler__with_mean"]


def test_sample_weight_and_class_weight(data):
    X, y = data
    sample_weight = np.random.default_rng(0).uniform(0, 2, size=y.shape[0])
    grid = {"class_weight": [None, "balanced", {0: 2.0, 1: 1.0, 2: 1.0, 3: 0.5}],
            "learning_rate_init": [0.01, 0.1]}
    ours, theirs = _both(_mlp(), grid, X, y, fit_params={"sample_weight": sample_weight})
    _assert_same_search(ours, theirs, X)
    # the weights reach the networks: unweighted results differ
    plain = MLPGridSearchCV(_mlp(), grid, cv=3).fit(X, y)
    assert not np.allclose(plain.cv_results_["mean_test_score"],
                           ours.cv_results_["mean_test_score"])


def test_pipeline_sample_weight_routed_to_the_network(data):
    X, y = data
    sample_weight = np.random.default_rng(1).uniform(0, 2, size=y.shape[0])
    pipe = make_pipeline(StandardScaler(), _mlp())
    grid = {"manualmlpclassifier__learning_rate_init": [0.01, 0.1]}
    ours, theirs = _both(pipe, grid, X, y, fit_params={
        "manualmlpclassifier__sample_weight": sample_weight})
    _assert_same_search(ours, theirs, X)


def test_multimetric_scoring_refit_by_name(data):
    X, y = data
    scoring = {"acc": "accuracy", "nll": "neg_log_loss", "f1": "f1_macro"}
    grid = {"learning_rate_init": [0.01, 0.1, 50.0], "alpha": [1e-4, 1.0]}
    ours, theirs = _both(_mlp(), grid, X, y, scoring=scoring, refit="nll",
                         return_train_score=True)
    _assert_same_search(ours, theirs, X)
    assert ours.multimetric_ and set(ours.scorer_) == set(scoring)
    no_refit, theirs_no_refit = _both(_mlp(), grid, X, y, scoring=scoring, refit=False)
    _assert_same_search(no_refit, theirs_no_refit, X)
    assert not hasattr(no_refit, "best_estimator_")


def test_float32_kept_and_same_results(data):
    X, y = data
    X = X.astype(np.float32)
    grid = {"learning_rate_init": [0.01, 0.1], "hidden_layer_sizes": [(8,), (4, 4)]}
    ours, theirs = _both(_mlp(), grid, X, y)
    _assert_same_search(ours, theirs, X)
    assert all(c.dtype == np.float32 for c in ours.best_estimator_.coefs_)


def test_stacks_split_by_the_memory_budget(data, monkeypatch):
    X, y = data
    sizes = []
    fit_stack = ms.fit_stack

    def recording_fit_stack(nets, *args, **kwargs):
        sizes.append(len(nets))
        return fit_stack(nets, *args, **kwargs)

    monkeypatch.setattr(ms, "fit_stack", recording_fit_stack)
    grid = {"learning_rate_init": [0.01, 0.05, 0.1], "alpha": [1e-4, 1e-2]}
    per_network = bytes_per_network([64, 8, 4], 32, 8, "sgd", False)
    small = MLPGridSearchCV(_mlp(), grid, cv=2, max_stack_bytes=2 * per_network).fit(X, y)
    assert sizes == [2] * 6  # 3 stacks of 2 candidates, 2 folds
    sizes.clear()
    whole = MLPGridSearchCV(_mlp(), grid, cv=2).fit(X, y)
    assert sizes == [6, 6]
    for key in ("mean_test_score", "split0_test_score", "rank_test_score"):
        np.testing.assert_array_equal(small.cv_results_[key], whole.cv_results_[key])


def test_candidates_group_by_what_shapes_the_pass():
    pipe = make_pipeline(StandardScaler(), _mlp())
    grid = [{"manualmlpclassifier__alpha": [1e-4, 1e-2],
             "manualmlpclassifier__hidden_layer_sizes": [(8,), (16,)],
             "standardscaler__with_std": [True, False]},
            {"manualmlpclassifier__solver": ["lbfgs"],
             "manualmlpclassifier__alpha": [1e-4, 1e-2]}]
    candidates = list(ParameterGrid(grid))
    groups = MLPGridSearchCV(pipe, grid)._groups(candidates)
    # alpha is per network; hidden sizes and scaler params split; lbfgs alone
    assert sorted(map(len, groups)) == [1, 1, 2, 2, 2, 2]
    for group in groups:
        shared = {k: v for k, v in candidates[group[0]].items() if "alpha" not in k}
        assert all({k: v for k, v in candidates[i].items() if "alpha" not in k} == shared
                   for i in group)


@pytest.mark.parametrize("estimator, grid, error, match", [
    (LogisticRegression(), {"C": [1.0]}, TypeError, "ManualMLPClassifier or a Pipeline"),
    (make_pipeline(StandardScaler(), LogisticRegression()), {"logisticregression__C": [1]},
     TypeError, "ManualMLPClassifier or a Pipeline"),
    (_mlp(), {"learning_rate_inti": [0.1]}, ValueError, "learning_rate_inti"),
    (make_pipeline(StandardScaler(), _mlp()), {"alpha": [0.1]}, ValueError, "alpha"),
    (_mlp(), [], ValueError, "no candidates"),
    (_mlp(), {"alpha": []}, ValueError, "alpha"),
])
def test_bad_input_fails_before_training(data, monkeypatch, estimator, grid, error, match):
    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(ms, "fit_stack", no_training)
    monkeypatch.setattr(ManualMLPClassifier, "fit", no_training)
    X, y = data
    with pytest.raises(error, match=match):
        MLPGridSearchCV(estimator, grid).fit(X, y)


def test_error_score_raise_raises_the_divergence(data):
    X, y = data
    search = MLPGridSearchCV(_mlp(), {"learning_rate_init": [0.01, 1e3]}, cv=2,
                             error_score="raise")
    with pytest.raises(FloatingPointError, match="learning_rate_init=1000"):
        search.fit(X, y)


def test_a_custom_splitter(data):
    X, y = data
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"learning_rate_init": [0.01, 0.1], "hidden_layer_sizes": [(8,), (4,)]}
    ours = MLPGridSearchCV(_mlp(), grid, cv=cv).fit(X, y)
    theirs = GridSearchCV(_mlp(), grid, cv=cv).fit(X, y)
    _assert_same_search(ours, theirs, X)


def test_dask_backend_on_a_local_cluster(data):
    # (group, fold) tasks go through joblib: loky processes and a dask cluster agree
    joblib = pytest.importorskip("joblib")
    distributed = pytest.importorskip("distributed")
    X, y = data
    grid = {"learning_rate_init": [0.01, 0.1], "hidden_layer_sizes": [(8,), (4,)]}
    loky = MLPGridSearchCV(_mlp(), grid, cv=2, n_jobs=2).fit(X, y)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            on_dask = MLPGridSearchCV(_mlp(), grid, cv=2, n_jobs=-1).fit(X, y)
    _assert_same_search(on_dask, loky, X)


@pytest.mark.parametrize("extra, weighted", [
    (dict(solver="sgd", learning_rate="invscaling"), False),
    (dict(solver="adam", early_stopping=True, n_iter_no_change=2, max_iter=8), True),
])
def test_stacked_networks_end_as_plain_fits(data, extra, weighted):
    # fit_stack (what a search task runs) leaves every network with exactly the
    # fitted attributes of its own fit(X, y); a diverging one fails alone.
    X, y = data
    grid = [dict(learning_rate_init=lr, alpha=alpha, momentum=momentum)
            for lr in (0.01, 0.2, 1e4) for alpha in (1e-4, 1.0) for momentum in (0.0, 0.9)]
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(2).uniform(0, 3, size=y.shape[0])
    nets = [_mlp(**extra, **params) for params in grid]
    errors = ms.fit_stack(nets, X, y, sample_weight=sample_weight)
    for params, net, error in zip(grid, nets, errors):
        alone = _mlp(**extra, **params)
        if params["learning_rate_init"] == 1e4:
            assert isinstance(error, FloatingPointError)
            with pytest.raises(FloatingPointError):
                alone.fit(X, y, sample_weight=sample_weight)
            continue
        assert error is None
        alone.fit(X, y, sample_weight=sample_weight)
        for name in ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_",
                     "validation_scores_", "best_validation_score_", "n_layers_",
                     "n_outputs_", "out_activation_", "n_features_in_"):
            assert getattr(net, name) == getattr(alone, name), name
        for got, expected in zip(net.coefs_ + net.intercepts_,
                                 alone.coefs_ + alone.intercepts_):
            assert got.flags.owndata or got.base is None or got.base.ndim == got.ndim
            np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(net.classes_, alone.classes_)
        # validated once per stack, but each network owns its data attributes
        assert net is nets[0] or net.classes_ is not nets[0].classes_


def test_a_stack_validates_its_data_once_and_not_with_a_failed_network(data, monkeypatch):
    # The first network's parameters are invalid: the next one validates X, y.
    X, y = data
    calls = []
    validate = ManualMLPClassifier._validate_input

    def counting(self, *args, **kwargs):
        calls.append(self)
        return validate(self, *args, **kwargs)

    monkeypatch.setattr(ManualMLPClassifier, "_validate_input", counting)
    nets = [_mlp(alpha=-1.0)] + [_mlp(learning_rate_init=lr) for lr in (0.01, 0.1, 0.2)]
    errors = ms.fit_stack(nets, X, y)
    assert isinstance(errors[0], ValueError) and "alpha" in str(errors[0])
    assert errors[1:] == [None] * 3 and calls == [nets[1]]
    for net in nets[1:]:
        alone = _mlp(learning_rate_init=net.learning_rate_init).fit(X, y)
        np.testing.assert_array_equal(net.predict_proba(X), alone.predict_proba(X))


# ---------------------------------------------------------------------------
# Where MLPGridSearchCV was not yet GridSearchCV: each compared with it.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("scaler_weighted", [False, True])
# scikit-learn's weighted StandardScaler rounds a constant pixel's variance below 0
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_metadata_routing_of_a_pipeline(data, scaler_weighted):
    # Routed parameters have no step__ prefix: the Pipeline routes them itself.
    X, y = data
    X = X * 3 + 1
    sample_weight = np.random.default_rng(3).uniform(0, 2, size=y.shape[0])
    grid = {"manualmlpclassifier__learning_rate_init": [0.01, 0.1],
            "manualmlpclassifier__alpha": [1e-4, 1e-1]}
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=scaler_weighted),
            _mlp().set_fit_request(sample_weight=True).set_score_request(sample_weight=True))
        ours, theirs = _both(pipe, grid, X, y, fit_params={"sample_weight": sample_weight})
        _assert_same_search(ours, theirs, X)
        unweighted = MLPGridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert not np.allclose(unweighted.cv_results_["mean_test_score"],
                           ours.cv_results_["mean_test_score"])


def _cv_lines(text):
    """The [CV ...] lines of a search's output, without their times, sorted."""
    return sorted(re.sub(r"\.+|total time=.*", "", line)
                  for line in text.splitlines() if line.startswith("[CV"))


@pytest.mark.parametrize("verbose, search_params", [
    (3, {}), (3, {"return_train_score": True}),
    (10, {"scoring": {"acc": "accuracy", "f1": "f1_macro"}, "refit": "acc"})])
def test_verbose_prints_gridsearchcv_lines(data, capsys, verbose, search_params):
    X, y = data
    grid = {"learning_rate_init": [0.01, 0.1], "hidden_layer_sizes": [(8,), (4,)]}
    MLPGridSearchCV(_mlp(), grid, cv=3, verbose=verbose, **search_params).fit(X, y)
    ours = capsys.readouterr().out
    GridSearchCV(_mlp(), grid, cv=3, verbose=verbose, **search_params).fit(X, y)
    theirs = capsys.readouterr().out
    assert ours.splitlines()[0] == theirs.splitlines()[0]  # the header
    assert len(_cv_lines(theirs)) == (2 if verbose > 9 else 1) * 12
    assert _cv_lines(ours) == _cv_lines(theirs)


def test_empty_cv_raises_gridsearchcv_error(data):
    X, y = data
    for search_class in (GridSearchCV, MLPGridSearchCV):
        with pytest.raises(ValueError, match="No fits were performed"):
            search_class(_mlp(), {"alpha": [1e-4, 1e-2]}, cv=[]).fit(X, y)


def test_dataframe_feature_names_reach_every_network(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    grid = {"learning_rate_init": [0.01, 0.05, 0.1]}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*feature names")
        ours, theirs = _both(_mlp(), grid, frame, y)
    _assert_same_search(ours, theirs, frame)
    nets = [_mlp(learning_rate_init=lr) for lr in grid["learning_rate_init"]]
    assert ms.fit_stack(nets, frame, y) == [None] * 3
    for net in nets:
        np.testing.assert_array_equal(net.feature_names_in_, frame.columns)


class CountingMLP(ManualMLPClassifier):
    """A subclass with its own fit: a search must call it."""

    calls = []

    def fit(self, X, y, sample_weight=None, coefs_init=None, intercepts_init=None):
        CountingMLP.calls.append(self.learning_rate_init)
        return super().fit(X, y, sample_weight, coefs_init, intercepts_init)


def test_a_subclass_own_fit_is_called(data):
    X, y = data
    estimator = CountingMLP((8,), solver="sgd", batch_size=32, max_iter=4, random_state=0)
    grid = {"learning_rate_init": [0.01, 0.1], "alpha": [1e-4, 1e-2]}
    calls = {}
    for search_class in (MLPGridSearchCV, GridSearchCV):
        CountingMLP.calls = []
        search = search_class(estimator, grid, cv=3).fit(X, y)
        calls[search_class] = sorted(CountingMLP.calls)
    assert len(calls[GridSearchCV]) == 4 * 3 + 1
    assert calls[MLPGridSearchCV] == calls[GridSearchCV]
    _assert_same_search(search, GridSearchCV(estimator, grid, cv=3).fit(X, y), X)


def _picky_scorer(estimator, X, y):
    """An early-stopping scorer that fails for one candidate."""
    if estimator.alpha > 0.5:
        raise RuntimeError("no score for a large alpha")
    return float(np.mean(estimator.predict(X) == y))


class _RaisingCallback(EpochEndCallback):
    """Raises at the 2nd epoch of the candidates with a large learning rate."""

    def epoch_end(self, fitted_estimator):
        if fitted_estimator.learning_rate_init > 0.05 and fitted_estimator.n_iter_ == 2:
            raise RuntimeError("callback failed")


# the tiny fold's batch of 64 is clipped to its rows, as MLPClassifier warns
@pytest.mark.filterwarnings("ignore:Got `batch_size` less than 1")
def test_a_failing_early_stopping_split_fails_only_its_fold(data):
    # The second fold's training part is too small for a stratified
    # validation split of 4 classes: those fits fail, the first fold's do not.
    X, y = data
    folds = list(StratifiedKFold(3).split(X, y))
    cv = [folds[0], (folds[1][0][:24], folds[1][1])]
    estimator = _mlp(early_stopping=True, max_iter=4)
    grid = {"learning_rate_init": [0.01, 0.1]}
    ours, theirs = _both(estimator, grid, X, y, cv=cv)
    _assert_same_search(ours, theirs, X)
    assert np.isfinite(ours.cv_results_["split0_test_score"]).all()
    assert np.isnan(ours.cv_results_["split1_test_score"]).all()


@pytest.mark.parametrize("what", ["early-stopping scorer", "callback"])
def test_one_candidate_raising_fails_alone(data, what):
    X, y = data
    if what == "callback":
        pytest.importorskip("sklearn.callback")
        estimator = _mlp(max_iter=4).set_callbacks(_RaisingCallback())
    else:
        estimator = _mlp(early_stopping=True, scoring=_picky_scorer, max_iter=4)
    grid = {"learning_rate_init": [0.01, 0.1], "alpha": [1e-4, 1.0]}
    ours, theirs = _both(estimator, grid, X, y)
    _assert_same_search(ours, theirs, X)
    failed = np.isnan(ours.cv_results_["mean_test_score"])
    assert 0 < failed.sum() < len(failed)


def test_a_one_step_pipeline(data):
    X, y = data
    grid = {"manualmlpclassifier__learning_rate_init": [0.01, 0.1]}
    ours, theirs = _both(make_pipeline(_mlp()), grid, X, y)
    _assert_same_search(ours, theirs, X)
    assert np.isfinite(ours.cv_results_["mean_test_score"]).all()


def test_stacks_sized_from_the_transformed_width(data, monkeypatch):
    # PolynomialFeatures(3) makes 455 columns of 12: one (256,) network of
    # that width needs about 2.8 MB, so a 4 MiB budget holds one at a time.
    X, y = data
    X = X[:, 20:32]
    pipe = make_pipeline(PolynomialFeatures(3), _mlp(hidden_layer_sizes=(256,), max_iter=1))
    grid = {"manualmlpclassifier__learning_rate_init": [0.001, 0.002, 0.005, 0.01]}
    per_network = bytes_per_network([455, 256, 4], 32, 8, "sgd", False)
    assert 2 * per_network > 4 * 2**20 > per_network
    sizes = []
    fit_stack = ms.fit_stack

    def recording_fit_stack(nets, *args, **kwargs):
        sizes.append(len(nets))
        return fit_stack(nets, *args, **kwargs)

    def peak(search):
        tracemalloc.start()
        try:
            search.fit(X, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    clone(pipe).fit(X, y)  # numba loads the kernels first: not part of the peak
    monkeypatch.setattr(ms, "fit_stack", recording_fit_stack)
    ours = peak(MLPGridSearchCV(pipe, grid, cv=2, max_stack_bytes=4 * 2**20))
    assert sizes == [1] * 8  # 4 candidates, 2 folds
    theirs = peak(GridSearchCV(pipe, grid, cv=2))
    # One network at a time, as GridSearchCV (4 at a time: 3 x 2.8 MB more)
    assert ours < theirs + per_network


def test_every_weighted_row_in_the_validation_split(data):
    # With this random_state the first fold's weighted rows all fall in the
    # early-stopping validation split: its fits fail with a clear error (as
    # they do in GridSearchCV), the second fold's train.
    X, y = data
    train, test = next(StratifiedKFold(3).split(X, y))
    sample_weight = np.zeros(y.shape[0])
    sample_weight[train[:2]] = sample_weight[test] = 1.0
    estimator = _mlp(early_stopping=True, validation_fraction=0.5, max_iter=3)

    def all_held_out(seed):
        net = clone(estimator).set_params(random_state=seed)
        try:
            net.fit(X[train], y[train], sample_weight=sample_weight[train])
        except ValueError as exc:
            return "no weighted training rows remain" in str(exc)
        return False

    estimator.set_params(random_state=next(s for s in range(100) if all_held_out(s)))
    folds = [(train, test), (test, train)]
    with pytest.warns(FitFailedWarning, match="no weighted training rows remain"):
        ours, theirs = _both(estimator, {"learning_rate_init": [0.01, 0.1]}, X, y,
                             fit_params={"sample_weight": sample_weight}, cv=folds)
    _assert_same_search(ours, theirs, X)
    assert np.isnan(ours.cv_results_["split0_test_score"]).all()
    assert np.isfinite(ours.cv_results_["split1_test_score"]).all()


# ----------------------------------------- bad candidates, labels and X: as a fit


@pytest.mark.parametrize("grid", [
    {"batch_size": ["big", 32]},
    {"hidden_layer_sizes": ["abc", (8,)]},
    {"hidden_layer_sizes": [None, (8,)]},
    {"hidden_layer_sizes": [(float("inf"),), (8,)]},
    {"hidden_layer_sizes": [(2**70,), (8,)]},
    {"alpha": [-1.0, 1e-4], "learning_rate_init": [0.1]},
], ids=["batch_size-str", "hidden-str", "hidden-None", "hidden-inf", "hidden-huge",
        "alpha-negative"])
def test_a_bad_candidate_value_scores_error_score_as_gridsearchcv(data, grid):
    X, y = data
    ours, theirs = _both(_mlp(), grid, X, y)
    _assert_same_search(ours, theirs, X)
    assert np.isnan(ours.cv_results_["mean_test_score"][0])


@pytest.mark.parametrize("search_class", [MLPGridSearchCV, GridSearchCV])
def test_labels_that_cannot_be_sorted_fail_every_fit_as_gridsearchcv(data, search_class):
    X, y = data
    labels = np.array([1, "a", 2.5, "b"], dtype=object)[y]
    with pytest.raises(ValueError, match=r"(?s)All the 3 fits failed.*Unknown label type"):
        search_class(_mlp(), {"alpha": [1e-4]}, cv=3).fit(X, labels)


@pytest.mark.parametrize("search_class", [MLPGridSearchCV, GridSearchCV])
def test_one_dimensional_X_fails_every_fit_as_gridsearchcv(data, search_class):
    X, y = data
    with pytest.raises(ValueError, match=r"(?s)All the 3 fits failed.*Expected 2D array"):
        search_class(_mlp(), {"alpha": [1e-4]}, cv=3).fit(X[:, 0], y)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_grid_over_the_regularisers_equals_gridsearchcv_in_one_stack(data, solver,
                                                                      monkeypatch):
    # dropout x weight_decay x max_grad_norm x learning_rate (and one more shape): one
    # stack per network shape and fold, each candidate as GridSearchCV trains it
    X, y = data
    sizes = []
    fit_stack = ms.fit_stack

    def recording_fit_stack(nets, *args, **kwargs):
        sizes.append(len(nets))
        return fit_stack(nets, *args, **kwargs)

    monkeypatch.setattr(ms, "fit_stack", recording_fit_stack)
    grid = {"dropout": [0.0, 0.2], "weight_decay": [0.0, 0.05], "max_grad_norm": [None, 0.5],
            "learning_rate": ["constant", "cosine"], "hidden_layer_sizes": [(8,), (5,)]}
    estimator = _mlp(solver=solver, learning_rate_init=0.05 if solver == "sgd" else 0.01)
    ours, theirs = _both(estimator, grid, X, y)
    _assert_same_search(ours, theirs, X)
    assert sizes == [16] * 6  # 2 shapes x 3 folds, 16 candidates each
    # and the regularisers change the scores
    assert len(set(np.round(ours.cv_results_["mean_test_score"], 6))) > 4


def test_explicit_validation_data_reaches_every_stacked_network(data):
    X, y = data
    X_val, y_val = X[::3] + 0.1, y[::3]
    grid = {"weight_decay": [0.0, 0.1], "learning_rate_init": [0.01, 0.1]}
    estimator = _mlp(early_stopping=True, max_iter=8, n_iter_no_change=2)
    ours, theirs = _both(estimator, grid, X, y, fit_params=dict(X_val=X_val, y_val=y_val))
    _assert_same_search(ours, theirs, X)
    best = ours.best_estimator_
    assert best.best_validation_score_ == pytest.approx(best.score(X_val, y_val), abs=1e-12)


# ------------------------------------------------------ GridSearchCV's order


def _output_lines(text):
    """Every line a search printed, in order, without its times."""
    return [re.sub(r"\.+|total time=.*", "", line) for line in text.splitlines()]


def test_error_score_raise_raises_the_first_failure_in_gridsearchcvs_order(data):
    # The larger network's task trains first (the largest first); its error
    # is not the first in GridSearchCV's order.
    X, y = data
    grid = [{"hidden_layer_sizes": [(4,)], "learning_rate_init": [1e3]},
            {"hidden_layer_sizes": [(64, 64)], "learning_rate_init": [1e4]}]
    errors = []
    for search_class in (GridSearchCV, MLPGridSearchCV):
        with pytest.raises(FloatingPointError) as excinfo:
            search_class(_mlp(), grid, cv=3, error_score="raise").fit(X, y)
        errors.append(str(excinfo.value))
    assert errors[1] == errors[0]
    assert "learning_rate_init=1000 " in errors[0]


@pytest.mark.parametrize("search_verbose, net_verbose", [(3, False), (10, False), (0, True),
                                                         (3, True)])
def test_verbose_output_comes_in_gridsearchcvs_order(data, capsys, search_verbose,
                                                     net_verbose):
    # Stacked networks' epoch lines are not interleaved; the [CV ...] lines
    # follow the candidates, then the splits, whatever order the tasks ran in.
    X, y = data
    grid = {"hidden_layer_sizes": [(4,), (16, 16)], "learning_rate_init": [0.01, 0.1],
            "alpha": [1e-4, 1e-2]}
    estimator = _mlp(max_iter=3, verbose=net_verbose)
    output = []
    for search_class in (GridSearchCV, MLPGridSearchCV):
        search_class(estimator, grid, cv=3, verbose=search_verbose).fit(X, y)
        output.append(_output_lines(capsys.readouterr().out))
        assert type(sys.stdout).__name__ != "_ThreadStdout"  # put back
    assert len(output[0]) > 12
    assert output[1] == output[0]
