"""Tests of ManualMLPClassifier against scikit-learn's MLPClassifier, the seeds and properties."""

import inspect
import pickle
import re
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import shuffle as sk_shuffle
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

import skmlp._mlp as mlp_module
import skmlp._network as network_module
from skmlp import ManualMLPClassifier, ManualMLPRegressor, nn
from skmlp._training import TrainingState

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_y = np.array([0, 1, 1, 0])


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _weights(est):
    return est.coefs_ + est.intercepts_


def _assert_same_weights(a, b, **tol):
    assert len(a) == len(b)
    for wa, wb in zip(a, b):
        assert_allclose(wa, wb, **tol)


# ---------------------------------------------------------- drop-in for MLPClassifier


def test_constructor_has_every_mlpclassifier_parameter_with_its_default():
    theirs = inspect.signature(MLPClassifier.__init__).parameters
    ours = inspect.signature(ManualMLPClassifier.__init__).parameters
    for name, param in theirs.items():
        assert name in ours, name
        assert ours[name].default == param.default, name
        assert ours[name].kind == param.kind, name  # positional stays positional
    extras = {n: p.default for n, p in ours.items() if n not in theirs}
    assert extras == {"loss": "log_loss", "init": "glorot_uniform", "class_weight": None,
                      "scoring": None, "dropout": 0.0, "weight_decay": 0.0,
                      "max_grad_norm": None}
    assert list(ours)[-len(extras):] == list(extras)  # added at the end only


def _public_methods(cls):
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}


def _parameters(cls, method):
    return [(p.name, p.kind, p.default)
            for p in inspect.signature(getattr(cls, method)).parameters.values()]


def test_every_public_method_has_mlpclassifier_signature():
    # Calls written for MLPClassifier, positional ones too, must work: each
    # method starts with MLPClassifier's positional parameters (same names,
    # defaults, order) and has its keyword-only ones; ours may only add
    # parameters with defaults after them.
    kw_only = inspect.Parameter.KEYWORD_ONLY
    for name in sorted(_public_methods(MLPClassifier)):
        theirs, ours = _parameters(MLPClassifier, name), _parameters(ManualMLPClassifier, name)
        their_positional = [p for p in theirs if p[1] != kw_only]
        our_positional = [p for p in ours if p[1] != kw_only]
        assert our_positional[:len(their_positional)] == their_positional, name
        assert {p for p in theirs if p[1] == kw_only} <= set(ours), name
        added = [p for p in ours if p not in theirs]
        assert all(default is not inspect.Parameter.empty for _, _, default in added), name
    assert {"fit", "partial_fit", "predict_proba", "score"} <= _public_methods(MLPClassifier)


def test_partial_fit_positional_call_in_mlpclassifier_order(digits):
    X, y = digits
    w = np.linspace(0.5, 2.0, len(y))
    classes = np.unique(y)
    positional = ManualMLPClassifier(solver="sgd", random_state=0).partial_fit(X, y, w, classes)
    keywords = ManualMLPClassifier(solver="sgd", random_state=0).partial_fit(
        X, y, sample_weight=w, classes=classes)
    _assert_same_weights(_weights(positional), _weights(keywords), rtol=0, atol=0)


def test_parameter_constraints_cover_mlpclassifier():
    for name in MLPClassifier._parameter_constraints:
        assert name in ManualMLPClassifier._parameter_constraints


def test_code_written_for_mlpclassifier_runs_unchanged(digits):
    X, y = digits

    def user_code(cls):
        clf = cls((20,), "tanh", solver="sgd", learning_rate_init=0.1, max_iter=20,
                  random_state=0, early_stopping=True, n_iter_no_change=3)
        clf.fit(X, y)
        attrs = ("classes_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
                 "best_validation_score_", "n_iter_", "n_layers_", "n_outputs_",
                 "out_activation_", "t_", "n_features_in_")
        return clf, {a: getattr(clf, a) for a in attrs}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk, sk_attrs = user_code(MLPClassifier)
        ours, our_attrs = user_code(ManualMLPClassifier)
    assert_array_equal(our_attrs["classes_"], sk_attrs["classes_"])
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert our_attrs[name] == sk_attrs[name], name
    assert our_attrs["best_loss_"] is None and len(our_attrs["validation_scores_"]) == ours.n_iter_
    assert ours.predict_proba(X).shape == sk.predict_proba(X).shape
    assert ours.score(X, y) > 0.9


# ------------------------------------------------------------------ the seeds


@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
def test_xor_is_learned(loss):
    clf = ManualMLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs",
                              loss=loss, alpha=0.0, random_state=1, tol=1e-10)
    clf.fit(XOR_X, XOR_y)
    assert_array_equal(clf.predict(XOR_X), XOR_y)
    proba = clf.predict_proba(XOR_X)[np.arange(4), XOR_y]
    assert np.all(proba > 0.8)


@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
def test_seed_000_toy_table_fitted_perfectly(loss):
    # Seed 000: x1 x2 x3 -> one-hot (l1, l2); classes 0, 0, 1, 1. The seeds'
    # textbook setup: logistic hidden units trained by gradient descent.
    X = np.array([[1.0, 0.1, 0.3], [0.1, 1.5, 1.2], [1.1, 1.1, 2.0], [0.2, 0.2, 0.3]])
    onehot = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    y = onehot.argmax(axis=1)
    clf = ManualMLPClassifier(hidden_layer_sizes=(3,), activation="logistic",
                              solver="sgd", learning_rate_init=1.0, momentum=0.9,
                              loss=loss, alpha=0.0, max_iter=2000, tol=0,
                              n_iter_no_change=10_000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert_array_equal(clf.predict(X), y)
    assert clf.score(X, y) == 1.0
    assert clf.loss_curve_[-1] < 0.05 * clf.loss_curve_[0]


# ------------------------------------------------- parity with scikit-learn


def _sklearn_from_weights(X, y, coefs, intercepts, max_iter, **params):
    """MLPClassifier trained for max_iter epochs from the given weights (warm_start)."""
    sk = MLPClassifier(max_iter=1, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)  # builds the layers; its weights are then replaced
        sk.coefs_ = [c.copy() for c in coefs]
        sk.intercepts_ = [b.copy() for b in intercepts]
        sk.loss_curve_, sk.t_, sk.best_loss_, sk._no_improvement_count = [], 0, np.inf, 0
        sk.set_params(warm_start=True, max_iter=max_iter).fit(X, y)
    return sk


def _parity_data(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(53, 4))
    if kind == "binary":
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
    elif kind == "multiclass":
        y = np.array(["a", "b", "c"])[rng.randint(0, 3, 53)]
    else:  # multilabel indicator
        y = (X[:, :3] + 0.3 * rng.normal(size=(53, 3)) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_parity_with_sklearn_from_the_same_weights(kind):
    # batch_size=10 does not divide 53; alpha > 0; plain SGD, fixed order.
    X, y = _parity_data(kind)
    params = dict(hidden_layer_sizes=(5, 3), activation="tanh", solver="sgd",
                  momentum=0.0, shuffle=False, alpha=0.1, batch_size=10,
                  learning_rate_init=0.1, tol=0.0, n_iter_no_change=100)
    rng = np.random.RandomState(42)
    sizes = [4, 5, 3, 1 if kind == "binary" else 3]
    coefs = [rng.uniform(-0.7, 0.7, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.uniform(-0.7, 0.7, b) for b in sizes[1:]]
    sk = _sklearn_from_weights(X, y, coefs, intercepts, max_iter=5, **params)
    ours = ManualMLPClassifier(max_iter=5, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, coefs_init=coefs, intercepts_init=intercepts)
    assert len(sk.loss_curve_) == len(ours.loss_curve_) == 5
    assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=0, atol=1e-10)
    _assert_same_weights(_weights(ours), _weights(sk), rtol=0, atol=1e-10)
    assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-10)
    assert_array_equal(ours.predict(X), sk.predict(X))


@pytest.mark.parametrize(
    "extra",
    [
        dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate="invscaling"),
        dict(solver="sgd", momentum=0.5, nesterovs_momentum=False),
        dict(solver="adam"),
        dict(solver="adam", activation="logistic"),
        dict(solver="sgd", activation="relu", early_stopping=True, n_iter_no_change=2),
    ],
    ids=["nesterov-invscaling", "momentum", "adam", "adam-logistic", "early-stopping"],
)
def test_parity_with_sklearn_from_the_same_random_state(extra):
    # init='glorot_uniform_sklearn' draws MLPClassifier's initial weights, and
    # the shuffling and validation split use the random state the same way.
    X, y = _parity_data("binary")
    params = dict(hidden_layer_sizes=(6,), activation="tanh", alpha=0.01, batch_size=16,
                  learning_rate_init=0.05, max_iter=8, random_state=3)
    params.update(extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = MLPClassifier(**params).fit(X, y)
        ours = ManualMLPClassifier(init="glorot_uniform_sklearn", **params).fit(X, y)
    assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=0, atol=1e-10)
    _assert_same_weights(_weights(ours), _weights(sk), rtol=0, atol=1e-10)
    if params.get("early_stopping"):
        assert ours.validation_scores_ == sk.validation_scores_
        assert ours.best_validation_score_ == sk.best_validation_score_


def test_lbfgs_parity_with_sklearn():
    X, y = _parity_data("multiclass")
    params = dict(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs", alpha=0.1,
                  max_iter=30, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = MLPClassifier(**params).fit(X, y)
        ours = ManualMLPClassifier(init="glorot_uniform_sklearn", **params).fit(X, y)
    assert ours.loss_ == pytest.approx(sk.loss_, rel=1e-9)
    assert ours.n_iter_ == sk.n_iter_
    _assert_same_weights(_weights(ours), _weights(sk), rtol=1e-6, atol=1e-8)


def test_partial_fit_parity_with_sklearn():
    X, y = _parity_data("multiclass")
    params = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.1,
                  random_state=0, batch_size=7)
    sk = MLPClassifier(**params)
    ours = ManualMLPClassifier(init="glorot_uniform_sklearn", **params)
    classes = np.unique(y)
    for start in (0, 20, 40):
        rows = slice(start, start + 20)
        sk.partial_fit(X[rows], y[rows], classes=classes)
        ours.partial_fit(X[rows], y[rows], classes=classes)
    assert_allclose(ours.loss_curve_, sk.loss_curve_, atol=1e-10)
    _assert_same_weights(_weights(ours), _weights(sk), atol=1e-10)
    assert ours.t_ == sk.t_ == 53


# ------------------------------------------------------- sklearn workflows


def test_grid_search_over_learning_rate_alpha_hidden_sizes():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    grid = {"learning_rate_init": [0.01, 0.1], "alpha": [1e-4, 1.0],
            "hidden_layer_sizes": [(5,), (10, 5)]}
    search = GridSearchCV(ManualMLPClassifier(solver="adam", max_iter=60, random_state=0),
                          grid, cv=3, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert search.best_params_["learning_rate_init"] == 0.1  # 60 epochs of 0.01 is too few
    assert search.best_score_ > 0.85
    assert search.score(X, y) > 0.9


def test_cross_val_score_agrees_with_sklearn(digits):
    # With MLPClassifier's initialiser and random state both fit the same
    # networks, so the fold scores agree.
    X, y = digits
    params = dict(hidden_layer_sizes=(30,), solver="lbfgs", max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cross_val_score(ManualMLPClassifier(init="glorot_uniform_sklearn", **params),
                               X, y, cv=3)
        theirs = cross_val_score(MLPClassifier(**params), X, y, cv=3)
    assert ours.shape == (3,) and ours.min() > 0.7
    assert_allclose(ours, theirs, atol=0.01)


def test_pipeline_with_standard_scaler_learns_badly_scaled_features():
    X, y = load_iris(return_X_y=True)
    X = X * np.array([1e3, 1e-3, 1e2, 1.0]) + 500.0
    pipe = make_pipeline(StandardScaler(),
                         ManualMLPClassifier(solver="lbfgs", max_iter=200, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    assert pipe.score(X, y) > 0.95


def test_pickle_round_trip_gives_identical_predictions(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(hidden_layer_sizes=(10,), max_iter=5, random_state=0).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(clone.predict(X), clf.predict(X))


# ------------------------------------------------------ never fails silently


def test_exploding_training_raises_and_leaves_the_model_unfitted(digits):
    X, y = digits
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=1e3, random_state=0)
    with pytest.raises(FloatingPointError, match="learning_rate_init=1000.*scale the features"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert not hasattr(clf, "n_features_in_") and not hasattr(clf, "classes_")


def test_nan_loss_raises_and_leaves_the_model_unfitted(digits):
    X, y = digits
    X = X.astype(np.float32)
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=1e3, momentum=0.0,
                              hidden_layer_sizes=(50, 50), random_state=0)
    with pytest.raises(FloatingPointError, match=r"(nan|inf|exploded).*learning_rate_init"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_failed_warm_start_fit_restores_the_previous_model(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(solver="sgd", max_iter=5, random_state=0).fit(X, y)
    clf.set_params(warm_start=True, learning_rate_init=1e3)
    before = pickle.dumps(clf.__dict__)
    proba = clf.predict_proba(X)
    with pytest.raises(FloatingPointError):
        clf.fit(X, y)
    assert pickle.dumps(clf.__dict__) == before
    assert_array_equal(clf.predict_proba(X), proba)


def test_failed_partial_fit_restores_the_previous_model(digits):
    X, y = digits
    clf = ManualMLPClassifier(solver="sgd", random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    coefs, curve, t = [c.copy() for c in clf.coefs_], list(clf.loss_curve_), clf.t_
    velocities = clf._optimizer.velocities.copy()
    clf.set_params(learning_rate_init=1e3)
    clf._optimizer.learning_rate = np.array([1e3])  # one network
    with pytest.raises(FloatingPointError):
        for _ in range(5):
            clf.partial_fit(X, y)
            coefs, curve, t = [c.copy() for c in clf.coefs_], list(clf.loss_curve_), clf.t_
            velocities = clf._optimizer.velocities.copy()
    _assert_same_weights(clf.coefs_, coefs, rtol=0)
    assert clf.loss_curve_ == curve and clf.t_ == t
    assert_array_equal(clf._optimizer.velocities, velocities)
    assert all(np.isfinite(c).all() for c in clf.coefs_)


def test_failed_first_partial_fit_leaves_no_classes():
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=1e4, momentum=0.0,
                              random_state=0, hidden_layer_sizes=(50,))
    X, y = load_digits(return_X_y=True)
    with pytest.raises(FloatingPointError):
        clf.partial_fit(X * 100, y, classes=np.arange(10))
    assert not hasattr(clf, "classes_")


def test_loss_no_better_than_constant_warns():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = ManualMLPClassifier(solver="sgd", loss="squared_error", learning_rate_init=10.0,
                              max_iter=10, random_state=0)
    with pytest.warns(ConvergenceWarning, match="no better than .* class frequencies"):
        clf.fit(X, y)


def test_loss_going_up_warns():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    clf = ManualMLPClassifier(solver="adam", loss="squared_error", learning_rate_init=10.0,
                              max_iter=10, random_state=0)
    with (pytest.warns(ConvergenceWarning, match="learned nothing"),
          pytest.warns(ConvergenceWarning, match="loss went up")):
        clf.fit(X, y)
    assert clf.loss_curve_[-1] > clf.loss_curve_[0]


def test_minibatch_with_all_zero_weights_is_skipped():
    # shuffle=False, batch 10: the first minibatch has weights 0 and is skipped;
    # the other minibatches are exactly those of a fit without those rows.
    X, y = _parity_data("multiclass")
    sw = np.ones(len(y))
    sw[:10] = 0
    params = dict(hidden_layer_sizes=(4,), solver="sgd", shuffle=False, batch_size=10,
                  learning_rate_init=0.1, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = ManualMLPClassifier(**params).fit(X, y, sample_weight=sw)
        dropped = ManualMLPClassifier(**params).fit(X[10:], y[10:])
    _assert_same_weights(_weights(weighted), _weights(dropped), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------- dtypes, sparse


def test_float32_stays_float32(digits):
    X, y = digits
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(solver="sgd", max_iter=3, random_state=0).fit(X32, y)
    assert all(w.dtype == np.float32 for w in _weights(clf))
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf.predict_log_proba(X32).dtype == np.float32
    clf_lbfgs = ManualMLPClassifier(solver="lbfgs", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf_lbfgs.fit(X32, y)
    assert all(w.dtype == np.float32 for w in _weights(clf_lbfgs))


def test_float32_fit_makes_no_copy_of_X():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6000, 200)).astype(np.float32)  # 4.8 MB
    y = rng.randint(0, 3, 6000)
    clf = ManualMLPClassifier(hidden_layer_sizes=(10,), solver="sgd", max_iter=1,
                              random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A shuffled or float64 copy of X would allocate X.nbytes or twice that.
    assert peak < 0.25 * X.nbytes


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_sparse_gives_the_dense_results(fmt, solver, digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = ManualMLPClassifier(**params).fit(X, y)
        sparse = ManualMLPClassifier(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    _assert_same_weights(_weights(sparse), _weights(dense), rtol=1e-9, atol=1e-12)
    assert_allclose(sparse.predict_proba(sp.csr_matrix(X).asformat(fmt)),
                    dense.predict_proba(X), atol=1e-12)


# ------------------------------------------------------ weights and classes


def _lbfgs_fit(X, y, sample_weight=None, **extra):
    clf = ManualMLPClassifier(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs",
                              alpha=0.1, max_iter=40, random_state=0, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, sample_weight=sample_weight)


def test_sample_weight_zero_equals_dropping_the_sample_lbfgs():
    X, y = _parity_data("multiclass")
    sw = np.ones(len(y))
    sw[[3, 17, 40]] = 0
    keep = sw > 0
    weighted, dropped = _lbfgs_fit(X, y, sw), _lbfgs_fit(X[keep], y[keep])
    _assert_same_weights(_weights(weighted), _weights(dropped), rtol=1e-6, atol=1e-8)


def test_integer_sample_weight_equals_repetition_lbfgs():
    X, y = _parity_data("binary")
    sw = np.random.RandomState(1).randint(1, 4, len(y))
    weighted = _lbfgs_fit(X, y, sw)
    repeated = _lbfgs_fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    _assert_same_weights(_weights(weighted), _weights(repeated), rtol=1e-6, atol=1e-8)


def test_class_weight_is_sample_weight_per_class():
    X, y = _parity_data("multiclass")
    for class_weight in ("balanced", {"a": 3.0, "b": 1.0, "c": 0.5}):
        by_class = _lbfgs_fit(X, y, class_weight=class_weight)
        by_sample = _lbfgs_fit(X, y, compute_sample_weight(class_weight, y))
        _assert_same_weights(_weights(by_class), _weights(by_sample), rtol=1e-10)


def test_class_weight_balanced_raises_minority_recall():
    X, y = make_classification(n_samples=400, weights=[0.9, 0.1], class_sep=0.5,
                               random_state=0)
    plain, balanced = _lbfgs_fit(X, y), _lbfgs_fit(X, y, class_weight="balanced")
    recall = [np.mean(c.predict(X)[y == 1] == 1) for c in (plain, balanced)]
    assert recall[1] > recall[0]


def test_multilabel_indicator_targets():
    X, Y = _parity_data("multilabel")
    clf = _lbfgs_fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    assert proba.shape == (53, 3)
    assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))
    assert np.mean(clf.predict(X) == Y) > 0.85


def test_squared_error_multiclass_proba_is_normalised_logistic_output():
    X, y = _parity_data("multiclass")
    clf = _lbfgs_fit(X, y, loss="squared_error")
    assert clf.out_activation_ == "logistic"
    out = nn.forward(X, clf.coefs_, clf.intercepts_, "tanh", "logistic")[-1]
    assert_allclose(clf.predict_proba(X), out / out.sum(axis=1, keepdims=True))
    assert_array_equal(clf.predict(X), clf.classes_[out.argmax(axis=1)])


def test_binary_proba_is_one_logistic_unit():
    X, y = _parity_data("binary")
    clf = _lbfgs_fit(X, y)
    out = nn.forward(X, clf.coefs_, clf.intercepts_, "tanh", "logistic")[-1][:, 0]
    assert clf.n_outputs_ == 1
    assert_allclose(clf.predict_proba(X), np.column_stack([1 - out, out]))
    assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)))


# ------------------------------------------- partial_fit, warm start, stopping


def test_partial_fit_learns_and_checks_classes(digits):
    X, y = digits
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=0.1, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    for _ in range(10):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y + 10)
    assert not hasattr(ManualMLPClassifier(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_the_same_trajectory(digits):
    # Plain SGD in a fixed order has no optimizer state: 3 + 2 epochs == 5 epochs.
    X, y = digits
    params = dict(hidden_layer_sizes=(10,), solver="sgd", momentum=0.0, shuffle=False,
                  learning_rate_init=0.1, random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        five = ManualMLPClassifier(max_iter=5, **params).fit(X, y)
        warm = ManualMLPClassifier(max_iter=3, **params).fit(X, y)
        warm.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert_allclose(warm.loss_curve_, five.loss_curve_, rtol=1e-12)
    _assert_same_weights(_weights(warm), _weights(five), rtol=1e-12)


def test_early_stopping_restores_the_best_weights(digits):
    X, y = digits
    clf = ManualMLPClassifier(hidden_layer_sizes=(20,), solver="sgd",
                              learning_rate_init=0.5, early_stopping=True,
                              n_iter_no_change=3, max_iter=100, random_state=0)
    scores = []
    orig = TrainingState.update_no_improvement_count

    def spy(self, validation):
        orig(self, validation)
        scores.append((self.validation_scores[-1], [c.copy() for c in self.coefs]))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TrainingState, "update_no_improvement_count", spy)
        clf.fit(X, y)
    best = int(np.argmax([s for s, _ in scores]))
    assert best < len(scores) - 1  # training went on after the best epoch
    assert clf.best_validation_score_ == scores[best][0]
    _assert_same_weights(clf.coefs_, scores[best][1], rtol=0)


def test_lbfgs_respects_max_fun(digits, monkeypatch):
    X, y = digits
    calls = []
    backward = nn.backward
    monkeypatch.setattr(mlp_module.nn, "backward",
                        lambda *a, **k: calls.append(1) or backward(*a, **k))
    clf = ManualMLPClassifier(solver="lbfgs", max_fun=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        clf.fit(X, y)
    # scipy's L-BFGS-B stops as soon as its evaluation count exceeds maxfun
    assert len(calls) <= 5 + 1 and clf.n_iter_ <= 5


def test_lbfgs_warning_gives_the_reason_and_its_remedy():
    from skmlp._optimizers import minimize_lbfgs

    # A gradient that points uphill: scipy's line search finds no lower loss
    # and stops with status 2 and the message "ABNORMAL: " (scipy < 1.15:
    # "ABNORMAL_TERMINATION_IN_LNSRCH").
    w = np.array([3.0, -1.0])
    stuck = minimize_lbfgs(lambda: (float(w.sum()), [-np.ones_like(w)]), [w],
                           max_iter=50, max_fun=100, tol=1e-10)
    assert stuck.status == 2
    text = network_module._lbfgs_warning(stuck)
    assert re.search(r"the line search found no step that lowers the loss \(scipy: "
                     r"ABNORMAL(_TERMINATION_IN_LNSRCH)?\)", text)
    assert "Increase max_iter" not in text  # more iterations would not help
    # max_iter runs out on a smooth loss: status 1, and more iterations do help.
    v = np.array([3.0, -1.0, 2.0])
    short = minimize_lbfgs(lambda: (float(np.sum(v**4 + v**2)), [4 * v**3 + 2 * v]), [v],
                           max_iter=1, max_fun=100, tol=1e-10)
    assert short.status == 1
    assert short.message.upper() == "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"  # "of": < 1.15
    assert network_module._lbfgs_warning(short).endswith(
        f"({short.message}). Increase max_iter / max_fun or scale the features.")


def test_n_iter_no_change_and_tol_stop_training(digits):
    X, y = digits
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=0.1, tol=10.0,
                              n_iter_no_change=2, max_iter=100, random_state=0).fit(X, y)
    # MLPClassifier's rule: epoch 1 sets best_loss_, epochs 2, 3, 4 do not improve
    # it by tol; the count 3 then exceeds n_iter_no_change=2.
    assert clf.n_iter_ == 4
    sk = MLPClassifier(solver="sgd", learning_rate_init=0.1, tol=10.0, n_iter_no_change=2,
                       max_iter=100, random_state=0).fit(X, y)
    assert sk.n_iter_ == clf.n_iter_


def _numbers_and_text(output):
    numbers = [float(n) for n in re.findall(r"\d+\.\d+", output)]
    return numbers, re.sub(r"\d+\.\d+", "#", output)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_prints_what_mlpclassifier_prints(capsys, early_stopping):
    # The same training (MLPClassifier's initial weights, split and order)
    # prints the same lines: "Iteration N, loss = ..." and, with early
    # stopping, "Validation score: ...", and the stopping message.
    X, y = _parity_data("binary")
    params = dict(hidden_layer_sizes=(6,), solver="sgd", learning_rate_init=0.05,
                  max_iter=30, tol=0.01, n_iter_no_change=2, random_state=3,
                  early_stopping=early_stopping, verbose=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(**params).fit(X, y)
        theirs = capsys.readouterr().out
        ManualMLPClassifier(init="glorot_uniform_sklearn", **params).fit(X, y)
        ours = capsys.readouterr().out
    assert "Iteration 1, loss = " in ours
    assert ("Validation score: " in ours) == early_stopping
    (ours_numbers, ours_text), (their_numbers, their_text) = map(
        _numbers_and_text, (ours, theirs))
    assert ours_text == their_text
    assert_allclose(ours_numbers, their_numbers, atol=2e-6)


# --------------------------------------------------------------- initialisation


@pytest.mark.parametrize("init, bound", [
    ("glorot_uniform", lambda i, o: np.sqrt(6 / (i + o))),
    ("he_uniform", lambda i, o: np.sqrt(6 / i)),
])
def test_initial_weights_follow_the_init_bound(init, bound):
    X, y = load_digits(return_X_y=True)
    clf = ManualMLPClassifier(hidden_layer_sizes=(300, 100), solver="sgd", init=init,
                              learning_rate_init=1e-300, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)  # a step of 1e-300 leaves the initial weights unchanged
    for W in clf.coefs_:
        r = bound(*W.shape)
        assert np.abs(W).max() <= r and np.abs(W).max() > 0.95 * r
        assert abs(W.mean()) < 0.05 * r  # uniform on (-r, r): mean 0
    if init == "he_uniform":
        assert all(np.abs(b).max() < 1e-250 for b in clf.intercepts_)  # b = 0


# ------------------------------------------------------------------ bad input


def test_bad_starting_weights_and_options_raise_clear_errors():
    X, y = _parity_data("binary")
    clf = ManualMLPClassifier(hidden_layer_sizes=(5,))
    with pytest.raises(ValueError, match="coefs_init has shapes"):
        clf.fit(X, y, coefs_init=[np.zeros((3, 5)), np.zeros((5, 1))])
    with pytest.raises(ValueError, match="coefs_init must have 2 arrays"):
        clf.fit(X, y, coefs_init=[np.zeros((4, 5))])
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(X, y, coefs_init=[np.full((4, 5), np.nan), np.zeros((5, 1))])
    with pytest.raises(ValueError, match="Negative values in data passed to .sample_weight"):
        clf.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        ManualMLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="class_weight is not supported for multilabel"):
        ManualMLPClassifier(class_weight="balanced").fit(*_parity_data("multilabel"))
    with pytest.raises(ValueError, match="loss"):
        ManualMLPClassifier(loss="hinge").fit(X, y)
    assert not hasattr(clf, "coefs_")


def test_warm_start_can_switch_early_stopping_on_and_off(digits):
    X, y = digits
    clf = ManualMLPClassifier(solver="sgd", max_iter=2, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        clf.set_params(early_stopping=True).fit(X, y)
        assert len(clf.validation_scores_) == 2 and len(clf.loss_curve_) == 4
        clf.set_params(early_stopping=False).fit(X, y)
    assert len(clf.loss_curve_) == 6 and clf.best_loss_ == min(clf.loss_curve_[4:])


def test_predict_in_chunks_gives_the_same_outputs(monkeypatch):
    X, y = _parity_data("multiclass")
    clf = _lbfgs_fit(X, y)
    whole = clf.predict_proba(X)
    monkeypatch.setattr(network_module, "_PREDICT_CHUNK", 7)  # 53 rows: 8 chunks
    # BLAS may round differently for other matrix sizes: equal to 1e-12
    assert_allclose(clf.predict_proba(X), whole, rtol=1e-12)
    assert_allclose(clf.predict_proba(sp.csc_matrix(X)), whole, rtol=1e-12)


def test_early_stopping_with_a_one_member_class_gives_mlpclassifiers_error():
    X = [[1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]
    with pytest.raises(ValueError) as theirs:
        MLPClassifier(early_stopping=True).fit(X, [0, 0, 0, 0, 1])
    with pytest.raises(ValueError) as ours:
        ManualMLPClassifier(early_stopping=True).fit(X, [0, 0, 0, 0, 1])
    assert str(ours.value) == str(theirs.value)
    assert "too few members are: ['True']" in str(ours.value)
    # multiclass (MLPClassifier does not stratify it): the label is named
    with pytest.raises(ValueError, match=r"too few members are: \['c'\]"):
        ManualMLPClassifier(early_stopping=True).fit(X * 2, list("aaaabbbbbc"))


# --------------------------------------------- hostile inputs (third sweep)


class _RaiseAtEpoch:
    """A callback that raises ``error`` at the end of epoch ``epoch``, or of the fit (0)."""

    def __init__(self, error, epoch):
        self.error, self.epoch, self.seen = error, epoch, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.seen += 1
            if self.seen == self.epoch:
                raise self.error
        elif self.epoch == 0:
            raise self.error


_needs_callbacks = pytest.mark.skipif(
    not hasattr(ManualMLPClassifier, "set_callbacks"), reason="scikit-learn < 1.9")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupt_in_the_first_epoch_leaves_the_model_unfitted(digits, solver,
                                                                monkeypatch):
    import skmlp._training as training

    X, y = digits
    calls = {"n": 0}
    step = training._train_step

    def interrupted_step(*args):
        calls["n"] += 1
        if calls["n"] == 2:  # Ctrl-C in the middle of the first epoch
            raise KeyboardInterrupt
        return step(*args)

    monkeypatch.setattr(training, "_train_step", interrupted_step)
    clf = ManualMLPClassifier((8,), solver=solver, batch_size=50, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "classes_")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupt_later_keeps_the_last_finished_epoch(digits, solver, monkeypatch):
    import skmlp._training as training

    X, y = digits
    params = dict(hidden_layer_sizes=(8,), solver=solver, batch_size=50, random_state=0,
                  tol=0.0, learning_rate_init=0.05)
    calls = {"n": 0}
    step = training._train_step

    def interrupted_step(*args):
        calls["n"] += 1
        if calls["n"] == 3 * 12 + 5:  # 12 minibatches an epoch: inside the 4th
            raise KeyboardInterrupt
        return step(*args)

    monkeypatch.setattr(training, "_train_step", interrupted_step)
    clf = ManualMLPClassifier(max_iter=10, **params)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.fit(X, y)
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        three = ManualMLPClassifier(max_iter=3, **params).fit(X, y)
    assert clf.n_iter_ == 3 and clf.loss_curve_ == three.loss_curve_
    for a, b in zip(_weights(clf), _weights(three)):
        assert_array_equal(a, b)
    # ... and its optimizer too: a partial_fit goes on exactly as after three epochs
    clf.partial_fit(X, y)
    three.partial_fit(X, y)
    for a, b in zip(_weights(clf), _weights(three)):
        assert_array_equal(a, b)


@_needs_callbacks
def test_keyboard_interrupt_from_a_callback_keeps_the_epochs_it_ended(digits):
    X, y = digits
    clf = ManualMLPClassifier((8,), solver="sgd", random_state=0, tol=0.0)
    clf.set_callbacks(_RaiseAtEpoch(KeyboardInterrupt, 2))
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        two = ManualMLPClassifier((8,), solver="sgd", random_state=0, max_iter=2).fit(X, y)
    assert clf.n_iter_ == 2 and clf.loss_curve_ == two.loss_curve_
    for a, b in zip(_weights(clf), _weights(two)):
        assert_array_equal(a, b)


@_needs_callbacks
def test_callback_failing_at_the_end_of_a_warm_started_fit_restores_the_model(digits):
    X, y = digits
    clf = ManualMLPClassifier((8,), solver="sgd", max_iter=3, random_state=0,
                              warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        before = [w.copy() for w in _weights(clf)]
        curve = list(clf.loss_curve_)
        clf.set_callbacks(_RaiseAtEpoch(RuntimeError("end hook failed"), 0))
        with pytest.raises(RuntimeError, match="end hook failed"):
            clf.fit(X, y)
    assert clf.loss_curve_ == curve
    for a, b in zip(_weights(clf), before):
        assert_array_equal(a, b)


def test_early_stopping_with_every_weighted_row_held_out_is_a_clear_error(digits):
    # One weighted row at a time: the fits whose row lands in the validation
    # split (validation_fraction of them) raise, the others train.
    X, y = digits[0][:40], digits[1][:40] % 2
    failed = 0
    for i in range(40):
        sample_weight = np.zeros(40)
        sample_weight[i] = 1.0
        clf = ManualMLPClassifier((4,), solver="sgd", early_stopping=True,
                                  validation_fraction=0.25, max_iter=2, random_state=0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y, sample_weight=sample_weight)
        except ValueError as exc:
            assert "no weighted training rows remain" in str(exc)
            assert not hasattr(clf, "coefs_")
            failed += 1
        else:
            assert clf.loss_curve_[0] > 0
    assert failed == 10


@pytest.mark.parametrize("batch_size", [1, 10])
def test_minibatches_of_zero_weight_do_not_deflate_the_loss(digits, batch_size):
    # 2/3 of the rows at weight 0 in whole minibatches (no shuffle): the model
    # and its losses are those of a fit on the weighted rows alone.
    X, y = digits[0][:90], digits[1][:90]
    weighted = np.r_[0:10, 30:40, 60:70] if batch_size == 10 else np.arange(0, 90, 3)
    sample_weight = np.zeros(90)
    sample_weight[weighted] = 1.0
    params = dict(hidden_layer_sizes=(8,), solver="sgd", shuffle=False, max_iter=4,
                  batch_size=batch_size, random_state=0, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = ManualMLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
        alone = ManualMLPClassifier(**params).fit(X[weighted], y[weighted])
    assert ours.loss_curve_ == pytest.approx(alone.loss_curve_, rel=1e-12)
    for a, b in zip(_weights(ours), _weights(alone)):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_refit_with_lbfgs_drops_the_stochastic_curves(digits):
    from skmlp import TrainingCurveDisplay

    X, y = digits
    clf = ManualMLPClassifier((8,), solver="sgd", max_iter=3, early_stopping=True,
                              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        assert clf.loss_curve_ and clf.validation_scores_
        clf.set_params(solver="lbfgs", max_iter=5).fit(X, y)
    for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_",
                 "best_loss_", "best_validation_score_"):
        assert not hasattr(clf, name), name
    with pytest.raises(ValueError, match="loss_curve_"):
        TrainingCurveDisplay.from_estimator(clf)


def test_penalty_that_stalls_adam_is_named_in_the_warning(digits):
    # Adam's normalised steps do not explode: g**2 overflows and the steps
    # stop; the network learns nothing, and the warning names alpha.
    X, y = digits
    clf = ManualMLPClassifier((8,), alpha=1e300, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("error", "The final training loss", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match=r"alpha=1e\+300 \(the L2 penalty\) "
                                                     "is too large"):
            clf.fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_exploding_penalty_names_alpha_not_the_learning_rate(digits, solver):
    X, y = digits
    clf = ManualMLPClassifier((8,), solver=solver, alpha=1e300, max_iter=5,
                              random_state=0)
    with pytest.raises(FloatingPointError) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    message = str(info.value)
    assert "alpha=1e+300 (the L2 penalty) is too large" in message
    assert "learning_rate_init" not in message.split(":")[1]
    assert not hasattr(clf, "coefs_")


def test_weight_decay_step_above_two_names_alpha(digits):
    # eta alpha / S = 3 * 50 / 50 = 3: every step multiplies the weights by -2,
    # although the penalty's term is small at the starting weights.
    X, y = digits
    clf = ManualMLPClassifier((8,), solver="sgd", alpha=50.0, learning_rate_init=3.0,
                              momentum=0.0, batch_size=50, max_iter=20, random_state=0)
    with pytest.raises(FloatingPointError, match=r"alpha=50 .*1 - learning_rate_init "
                                                 r"\* alpha / S = -2"):
        clf.fit(X, y)


@pytest.mark.parametrize("sizes", [[(3,)], ["3"], [True], [2.5], [0]])
def test_bad_hidden_layer_sizes_are_a_clear_error(digits, sizes):
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive integers"):
        ManualMLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(*digits)


# ------------------------------------------------ streams, warm starts, extremes


def _one_row_stream(est, X, y, n_calls):
    """partial_fit one row per call, cycling over X; the loss of each call."""
    classes, losses = np.unique(y), []
    for i in range(n_calls):
        row = slice(i % len(y), i % len(y) + 1)
        est.partial_fit(X[row], y[row], classes=classes)
        losses.append(est.loss_)
    return np.array(losses)


def test_one_row_partial_fit_stream_is_not_a_false_divergence():
    # One row's loss varies 50-fold in healthy training; the stream trains as
    # MLPClassifier's, row for row.
    X, y = load_iris(return_X_y=True)
    X, y = sk_shuffle(StandardScaler().fit_transform(X), y, random_state=0)
    params = dict(solver="sgd", learning_rate_init=0.05, random_state=0)
    ours = _one_row_stream(ManualMLPClassifier(**params), X, y, 240)
    theirs = _one_row_stream(MLPClassifier(**params), X, y, 240)
    assert_allclose(ours, theirs, rtol=1e-9)
    assert ours.max() > 10 * ours[:10].min()


def test_one_row_partial_fit_stream_that_diverges_is_stopped():
    X, y = load_iris(return_X_y=True)
    clf = ManualMLPClassifier(solver="sgd", learning_rate_init=10.0, random_state=0)
    with pytest.raises(FloatingPointError, match="exploded"):
        _one_row_stream(clf, X[::7], y[::7], 220)


@pytest.mark.parametrize("size", [float("inf"), float("nan"), 2**70, -float("inf")])
def test_hidden_layer_sizes_beyond_any_array_is_the_parameters_error(size):
    clf = ManualMLPClassifier(hidden_layer_sizes=(size,), max_iter=1)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be positive integers, "
                                         r"got .* \(at most \d+ units a layer\)"):
        clf.fit(XOR_X, XOR_y)
    assert not hasattr(clf, "n_features_in_")


def test_warm_start_after_lbfgs_starts_the_stochastic_record_afresh():
    # sgd -> lbfgs -> sgd: the last fit is a fresh sgd fit from the lbfgs weights.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(solver="sgd", warm_start=True, **params).fit(X, y)
        clf.set_params(solver="lbfgs").fit(X, y)
        start = [w.copy() for w in clf.coefs_], [b.copy() for b in clf.intercepts_]
        clf.set_params(solver="sgd").fit(X, y)
        fresh = ManualMLPClassifier(solver="sgd", **params).fit(
            X, y, coefs_init=start[0], intercepts_init=start[1])
        assert_allclose(clf.loss_curve_, fresh.loss_curve_, rtol=1e-12)
        assert clf.best_loss_ == pytest.approx(fresh.best_loss_, rel=1e-12)
        clf.set_params(solver="lbfgs").fit(X, y)
        clf.set_params(solver="adam").partial_fit(X, y)
    assert len(clf.loss_curve_) == 1 and clf.best_loss_ == clf.loss_curve_[0]


@pytest.mark.parametrize("first, then", [("squared_error", "log_loss"),
                                         ("log_loss", "squared_error")])
def test_warm_start_with_another_loss_changes_the_output_units(first, then):
    # The weights continue; the output layer and the record are the new loss's,
    # as a fresh fit of that loss from the same weights.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(loss=first, warm_start=True, **params).fit(X, y)
        start = [w.copy() for w in clf.coefs_], [b.copy() for b in clf.intercepts_]
        clf.set_params(loss=then).fit(X, y)
        fresh = ManualMLPClassifier(loss=then, **params).fit(
            X, y, coefs_init=start[0], intercepts_init=start[1])
    assert clf.out_activation_ == fresh.out_activation_
    assert_allclose(clf.loss_curve_, fresh.loss_curve_, rtol=1e-12)
    assert_allclose(clf.predict_proba(X), fresh.predict_proba(X), rtol=1e-12)
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


# ---------------------------------------------------------------------------
# The activations beyond scikit-learn's four, and one per hidden layer
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "softplus", "silu",
                                        ["gelu", "tanh"], ("relu", "silu")])
def test_a_step_of_each_activation_is_nn_gradient_descent(digits, activation, dtype):
    # One epoch of one full minibatch of plain SGD: w <- w - eta dL/dw, with
    # dL/dw from skmlp.nn's reference backward at the starting weights.
    X, y = digits[0][:60].astype(dtype), digits[1][:60] % 3
    rng = np.random.default_rng(0)
    units = [X.shape[1], 6, 5, 3]
    coefs = [rng.normal(scale=0.3, size=s).astype(dtype) for s in zip(units, units[1:])]
    intercepts = [rng.normal(scale=0.3, size=n).astype(dtype) for n in units[1:]]
    clf = ManualMLPClassifier((6, 5), activation=activation, solver="sgd", momentum=0.0,
                              learning_rate_init=0.1, alpha=0.01, batch_size=60, max_iter=1,
                              shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, coefs_init=coefs, intercepts_init=intercepts)
    acts, pre = nn.forward(X, coefs, intercepts, activation, return_pre_activations=True)
    loss, coef_grads, intercept_grads = nn.backward(
        acts, np.eye(3, dtype=dtype)[y], coefs, activation, alpha=0.01, pre_activations=pre)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    assert clf.loss_curve_[0] == pytest.approx(loss, rel=tol["rtol"])
    for w, w0, g in zip(clf.coefs_ + clf.intercepts_, coefs + intercepts,
                        coef_grads + intercept_grads):
        assert w.dtype == dtype
        assert_allclose(w, w0 - dtype(0.1) * g, **tol)
    assert_array_equal(clf.predict_proba(X), nn.forward(
        X, clf.coefs_, clf.intercepts_, activation)[-1])


@pytest.mark.parametrize("activation", ["gelu", ["elu", "softplus"]])
def test_new_activations_learn_with_every_solver(digits, activation):
    X, y = digits
    for solver in ("lbfgs", "sgd", "adam"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = ManualMLPClassifier((16, 8), activation=activation, solver=solver,
                                      learning_rate_init=0.05 if solver == "sgd" else 0.01,
                                      max_iter=60, random_state=0).fit(X, y)
        assert clf.score(X, y) > 0.9, solver


@pytest.mark.parametrize("activation, match", [
    (["relu"], r"activation has 1 entries \['relu'\] but the network has 2 hidden layers"),
    (["relu", "tanh", "tanh"], "activation has 3 entries"),
    (["relu", "swish"], r"activation must be one of \[.*'silu'.*\].*got 'swish'"),
    ("swish", "The 'activation' parameter of ManualMLPClassifier must be a str among"),
])
def test_bad_activations_are_a_clear_error_at_fit(digits, activation, match):
    clf = ManualMLPClassifier((5, 4), activation=activation, max_iter=1)
    with pytest.raises(ValueError, match=match):
        clf.fit(*digits)
    assert not hasattr(clf, "coefs_")


# ------------------------------- weight decay, gradient clipping, the cosine schedule


def _full_batch_reference(X, T, coefs, intercepts, out_activation, loss, alpha, eta0,
                          max_iter, weight_decay, max_grad_norm, schedule, solver):
    """max_iter epochs of one full-batch step each, from nn's gradients and the formulas:
    g clipped as a whole to max_grad_norm, the step at the epoch's rate
    eta_e = eta0 (1 + cos(pi e / max_iter)) / 2 ('cosine') or eta0, then
    w -= eta_e * weight_decay * w (weights as before the step)."""
    params = [a.copy() for a in coefs + intercepts]
    n = len(coefs)
    ms, vs = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    for e in range(max_iter):
        eta = eta0 * (1 + np.cos(np.pi * e / max_iter)) / 2 if schedule == "cosine" else eta0
        acts = nn.forward(X, params[:n], params[n:], "tanh", out_activation)
        _, cg, ig = nn.backward(acts, T, params[:n], "tanh", out_activation, loss, alpha)
        grads = cg + ig
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        if max_grad_norm is not None and norm > max_grad_norm:
            grads = [g * (max_grad_norm / norm) for g in grads]
        t = e + 1
        for i, (p, g) in enumerate(zip(params, grads)):
            old = p.copy()
            if solver == "adam":
                ms[i] = 0.9 * ms[i] + 0.1 * g
                vs[i] = 0.999 * vs[i] + 0.001 * g * g
                p -= eta * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * ms[i] / (
                    np.sqrt(vs[i]) + 1e-8)
            else:
                p -= eta * g
            if i < n:
                p -= eta * weight_decay * old
    return params[:n], params[n:]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("features", [
    dict(weight_decay=0.3), dict(max_grad_norm=0.05), dict(learning_rate="cosine"),
    dict(weight_decay=0.1, max_grad_norm=0.2, learning_rate="cosine")],
    ids=["decay", "clip", "cosine", "all"])
@pytest.mark.parametrize("regressor", [False, True], ids=["classifier", "regressor"])
def test_decay_clipping_and_cosine_epochs_follow_the_formulas(features, solver, regressor):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    rng = np.random.RandomState(0)
    coefs = [rng.normal(scale=0.5, size=(4, 5)), rng.normal(scale=0.5, size=(5, 1 if regressor
                                                                            else 3))]
    intercepts = [rng.normal(scale=0.1, size=5), rng.normal(scale=0.1, size=coefs[1].shape[1])]
    if regressor:
        Estimator, T = ManualMLPRegressor, (y - 1.0)[:, None]
        out, loss = "identity", "squared_error"
    else:
        Estimator, T, out, loss = ManualMLPClassifier, np.eye(3)[y], "softmax", "log_loss"
    max_iter, eta0, alpha = 4, 0.05, 0.01
    params = dict(hidden_layer_sizes=(5,), activation="tanh", solver=solver, alpha=alpha,
                  batch_size=X.shape[0], shuffle=False, learning_rate_init=eta0,
                  max_iter=max_iter, tol=0.0, n_iter_no_change=100, **features)
    if solver == "sgd":
        params["momentum"] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Estimator(**params).fit(X, (y - 1.0) if regressor else y,
                                        coefs_init=coefs, intercepts_init=intercepts)
    ref_coefs, ref_intercepts = _full_batch_reference(
        X, T, coefs, intercepts, out, loss, alpha, eta0, max_iter,
        features.get("weight_decay", 0.0), features.get("max_grad_norm"),
        features.get("learning_rate", "constant"), solver)
    for got, ref in zip(model.coefs_ + model.intercepts_, ref_coefs + ref_intercepts):
        assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
    # and the feature changes the training
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = Estimator(**{k: v for k, v in params.items() if k not in features}).fit(
            X, (y - 1.0) if regressor else y, coefs_init=coefs, intercepts_init=intercepts)
    assert not np.allclose(plain.coefs_[0], model.coefs_[0])


@pytest.mark.parametrize("regressor", [False, True], ids=["classifier", "regressor"])
@pytest.mark.parametrize("params, match", [
    (dict(weight_decay=-0.1), "'weight_decay' parameter .* must be a float in the range "
                              r"\[0(.0)?, inf\)"),
    (dict(max_grad_norm=0), r"'max_grad_norm' parameter .* in the range \(0(.0)?, inf\) "
                            "or None"),
    (dict(max_grad_norm=-1.0), "'max_grad_norm'"),
    (dict(learning_rate="cosin"), "'learning_rate' parameter .*'cosine'"),
])
def test_bad_training_feature_values_are_clear_errors_at_fit(params, match, regressor):
    X, y = load_iris(return_X_y=True)
    Estimator = ManualMLPRegressor if regressor else ManualMLPClassifier
    model = Estimator(max_iter=2, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("feature", [dict(learning_rate="cosine"), dict(dropout=0.2)],
                         ids=["cosine", "dropout"])
def test_cosine_and_dropout_halving_survivors_retrain_with_the_larger_max_iter(feature):
    # The cosine schedule of epoch e depends on max_iter, and dropout's generator is
    # not kept: a survivor retrains, and ends as a fresh fit with the larger max_iter.
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    from skmlp.model_selection import MLPHalvingGridSearchCV

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    base = ManualMLPClassifier((5,), solver="adam", learning_rate_init=0.05,
                               random_state=0, tol=0.0, **feature)
    grid = {"weight_decay": [0.0, 0.1, 0.3]}
    args = dict(resource="max_iter", max_resources=9, min_resources=3, factor=3, cv=3,
                scoring="neg_log_loss",
                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPHalvingGridSearchCV(base, grid, **args).fit(X, y)
        theirs = HalvingGridSearchCV(base, grid, **args).fit(X, y)
    assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
    assert ours.best_params_ == theirs.best_params_


# ------------------------------------------------------- explicit validation data


def _split_digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X[:400], y[:400], X[400:600], y[400:600]


@pytest.mark.parametrize("regressor", [False, True], ids=["classifier", "regressor"])
def test_x_val_is_the_early_stopping_set_and_every_training_row_trains(regressor):
    X, y, X_val, y_val = _split_digits()
    if regressor:
        y, y_val = (y - 4.5) / 3, (y_val - 4.5) / 3
    Estimator = ManualMLPRegressor if regressor else ManualMLPClassifier
    model = Estimator(hidden_layer_sizes=(16,), early_stopping=True, validation_fraction=0.5,
                      max_iter=40,
                      n_iter_no_change=3, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, X_val=X_val, y_val=y_val)
    # the restored (best) weights score on X_val what the best epoch scored
    assert model.best_validation_score_ == pytest.approx(model.score(X_val, y_val), abs=1e-12)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert len(model.validation_scores_) == len(model.validation_loss_curve_) == model.n_iter_
    assert model.t_ == model.n_iter_ * X.shape[0]  # validation_fraction unused
    # the validation loss curve is the data loss on X_val at the best epoch too
    best = int(np.argmax(model.validation_scores_))
    if not regressor:
        T_val = np.eye(10)[y_val]
        loss = nn.loss_value(model.predict_proba(X_val), T_val, "log_loss", "softmax")
        assert model.validation_loss_curve_[best] == pytest.approx(loss, rel=1e-10)


def test_x_val_with_sample_weight_val_weighs_the_validation_score():
    X, y, X_val, y_val = _split_digits()
    weights = np.where(y_val < 5, 3.0, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier((16,), early_stopping=True, max_iter=8, random_state=0,
                                  learning_rate_init=0.01).fit(
            X, y, X_val=X_val, y_val=y_val, sample_weight_val=weights)
    assert clf.best_validation_score_ == pytest.approx(
        clf.score(X_val, y_val, sample_weight=weights), abs=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(early_stopping=False), "early_stopping=False"),
    (dict(early_stopping=True, y_val=None), "X_val and y_val must be passed together"),
    (dict(early_stopping=True, X_val=np.ones((200, 5))), "5 features"),
    (dict(early_stopping=True, y_val=np.full(200, 11)), "y_val has classes not in y"),
])
def test_bad_validation_data_is_a_clear_error(kwargs, match):
    X, y, X_val, y_val = _split_digits()
    fit_args = dict(X_val=X_val, y_val=y_val)
    fit_args.update({k: v for k, v in kwargs.items() if k != "early_stopping"})
    clf = ManualMLPClassifier((4,), max_iter=2, early_stopping=kwargs["early_stopping"])
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, **fit_args)
    assert not hasattr(clf, "coefs_")


def test_x_val_routes_through_a_pipeline_with_transform_input():
    import sklearn
    from sklearn.pipeline import Pipeline

    X, y, X_val, y_val = _split_digits()
    X, X_val = 16 * X + 3.0, 16 * X_val + 3.0  # far from scaled: the scaling matters
    with sklearn.config_context(enable_metadata_routing=True):
        clf = ManualMLPClassifier((16,), early_stopping=True, max_iter=10, random_state=0,
                                  learning_rate_init=0.01).set_fit_request(X_val=True,
                                                                           y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)],
                        transform_input=["X_val"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipe.fit(X, y, X_val=X_val, y_val=y_val)
    net = pipe[-1]
    # the network was scored on the scaled X_val: the pipeline's score, not the raw one
    assert net.best_validation_score_ == pytest.approx(pipe.score(X_val, y_val), abs=1e-12)
    assert net.best_validation_score_ != pytest.approx(net.score(X_val, y_val), abs=1e-3)


# ------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("regressor", [False, True], ids=["classifier", "regressor"])
def test_dropout_masks_come_from_random_state_and_not_at_predict(regressor):
    X, y, _, _ = _split_digits()
    if regressor:
        y = (y - 4.5) / 3
    Estimator = ManualMLPRegressor if regressor else ManualMLPClassifier
    rng = np.random.RandomState(3)
    start = dict(coefs_init=[rng.normal(scale=0.2, size=(64, 12)),
                             rng.normal(scale=0.2, size=(12, 6)),
                             rng.normal(scale=0.2, size=(6, 1 if regressor else 10))])
    params = dict(hidden_layer_sizes=(12, 6), dropout=[0.3, 0.1], max_iter=3,
                  shuffle=False, learning_rate_init=0.01)

    def fit(**extra):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return Estimator(**{**params, **extra}).fit(X, y, **start)

    a, b, other = fit(random_state=0), fit(random_state=0), fit(random_state=1)
    # the same random_state: the same masks, bit for bit; another: other masks
    # (the starting weights are given and the order fixed: only the masks differ)
    for wa, wb in zip(a.coefs_, b.coefs_):
        assert_array_equal(wa, wb)
    assert not np.allclose(a.coefs_[0], other.coefs_[0])
    no_dropout = fit(random_state=0, dropout=0.0)
    assert not np.allclose(a.coefs_[0], no_dropout.coefs_[0])
    # nothing dropped at predict time: the plain forward pass, the same every call
    out = nn.forward(X, a.coefs_, a.intercepts_, a.activation, a.out_activation_)[-1]
    predicted = a.predict(X) if regressor else a.predict_proba(X)
    assert_allclose(predicted, out.ravel() if regressor else out, rtol=1e-13)
    assert_array_equal(predicted, a.predict(X) if regressor else a.predict_proba(X))


def test_dropout_validation_scores_use_the_whole_network():
    X, y, X_val, y_val = _split_digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier((32,), dropout=0.5, early_stopping=True, max_iter=10,
                                  random_state=0, learning_rate_init=0.01).fit(
            X, y, X_val=X_val, y_val=y_val)
    assert clf.best_validation_score_ == pytest.approx(clf.score(X_val, y_val), abs=1e-12)


@pytest.mark.parametrize("dropout, match", [
    (1.0, r"'dropout' parameter .* in the range \[0(.0)?, 1(.0)?\)"),
    (-0.1, "'dropout' parameter"),
    ([0.1], "dropout has 1 rates but the network has 2 hidden layers"),
    ([0.1, 1.0], r"dropout rates must be numbers in \[0, 1\).*1.0 for hidden layer 2"),
    ([0.1, "a"], "dropout rates must be numbers"),
])
def test_bad_dropout_is_a_clear_error_at_fit(dropout, match):
    X, y, _, _ = _split_digits()
    clf = ManualMLPClassifier((4, 3), dropout=dropout, max_iter=2)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


def test_dropout_in_partial_fit_goes_on_with_the_same_generator():
    X, y, _, _ = _split_digits()
    classes = np.unique(y)
    fits = []
    for restart in (False, False, True):
        clf = ManualMLPClassifier((8,), dropout=0.2, random_state=0, solver="sgd")
        for _ in range(3):
            if restart:  # a generator started afresh at every call: the same masks again
                clf.__dict__.pop("_dropout_generator", None)
            clf.partial_fit(X, y, classes=classes)
        fits.append(clf.coefs_[0])
    assert_array_equal(fits[0], fits[1])  # reproducible
    assert not np.allclose(fits[0], fits[2])  # and the calls draw new masks


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_warm_start_refuses_another_kind_of_target(method):
    X, y = load_iris(return_X_y=True)
    Y = np.column_stack([y == 0, y == 1, y == 2]).astype(int)  # one label each
    Y[::5, 0] = 1  # some rows with two labels: multilabel
    for first, then in ((Y, y), (y, Y)):
        clf = ManualMLPClassifier((5,), solver="sgd", max_iter=2, warm_start=True,
                                  random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, first)
        before = [w.copy() for w in clf.coefs_]
        with pytest.raises(ValueError, match=r"(warm_start=True|partial_fit) continues a "
                                             r"network fitted on .* targets, but y is "):
            getattr(clf, method)(X, then)
        _assert_same_weights(clf.coefs_, before, rtol=0)


@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_float32_rows_whose_units_overflow_get_float64_probabilities(activation):
    # Large weights and X * 1e37 (finite in float32): the output units
    # overflow float32, and the softmax of inf - inf would be NaN.
    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    rng = np.random.RandomState(0)
    coefs = [rng.normal(0, 1, (4, 100)), rng.normal(0, 1, (100, 3))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(activation=activation, solver="sgd",
                                  learning_rate_init=1e-9, max_iter=1,
                                  random_state=0).fit(X, y, coefs_init=coefs)
    rows = X * np.float32(1e37)
    with np.errstate(over="ignore"):
            logits = nn.forward(rows, clf.coefs_, clf.intercepts_, activation, "identity")[-1]
    assert not np.isfinite(logits).all()  # the case at hand
    expected = nn.forward(rows.astype(np.float64), [c.astype(np.float64) for c in clf.coefs_],
                          [b.astype(np.float64) for b in clf.intercepts_], activation,
                          "softmax")[-1]
    proba = clf.predict_proba(rows)
    assert proba.dtype == np.float32
    assert_allclose(proba, expected, atol=1e-7)
    assert_array_equal(clf.predict(rows), clf.classes_[expected.argmax(axis=1)])
    with pytest.raises(ValueError, match=r"X has 150 row\(s\) so large that the "
                                         r"network's units overflow float64"):
        clf.predict_proba(rows.astype(np.float64) * 1e270)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_big_endian_float32_stays_float32(solver):
    # Better than MLPClassifier, which trains '>f4' data in float64.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        native = ManualMLPClassifier(**params).fit(X, y)
        swapped = ManualMLPClassifier(**params).fit(X.astype(">f4"), y)
    assert all(w.dtype == np.float32 for w in _weights(swapped))
    _assert_same_weights(_weights(swapped), _weights(native), rtol=0)
    proba = swapped.predict_proba(X.astype(">f4"))
    assert proba.dtype == np.float32
    assert_array_equal(proba, native.predict_proba(X))


def test_weights_whose_sum_overflows_are_named_not_the_learning_rate():
    X, y = load_iris(return_X_y=True)
    clf = ManualMLPClassifier((5,), max_iter=2)
    with pytest.raises(ValueError, match=r"sample_weight \(times class_weight\) sums to "
                                         r"more than float64 holds \(the largest weight "
                                         r"is 1e\+307\).*Rescale the weights"):
        clf.fit(X, y, sample_weight=np.full(150, 1e307))
    assert not hasattr(clf, "coefs_")


def test_rescaling_the_weights_and_alpha_together_gives_the_same_fit():
    # The remedy the message above gives.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ManualMLPClassifier(alpha=1e-2, **params).fit(X, y, sample_weight=np.full(150, 2.0))
        b = ManualMLPClassifier(alpha=1e-2 / 8, **params).fit(X, y,
                                                              sample_weight=np.full(150, 0.25))
    _assert_same_weights(_weights(a), _weights(b), rtol=1e-6, atol=1e-9)


def test_early_stopping_on_small_multiclass_data_names_validation_fraction():
    X, y = load_iris(return_X_y=True)
    rows = np.r_[0:4, 50:54, 100:104]  # 12 rows, 3 classes: 0.1 holds out 2 rows
    clf = ManualMLPClassifier((5,), early_stopping=True, max_iter=2)
    with pytest.raises(ValueError, match=r"early_stopping holds out validation_fraction=0.1 "
                                         r"of the 12 rows, 2 row\(s\).*each of the 3 "
                                         r"classes. Raise validation_fraction to at least "
                                         r"0.25"):
        clf.fit(X[rows], y[rows])
    with warnings.catch_warnings():  # the remedy works
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(validation_fraction=0.25).fit(X[rows], y[rows])
    assert len(clf.validation_scores_) == 2


def test_multilabel_partial_fit_takes_the_label_indices_as_its_docstring_says():
    X, y = load_iris(return_X_y=True)
    Y = np.column_stack([y == 0, y == 1, y >= 1]).astype(int)
    doc = ManualMLPClassifier.partial_fit.__doc__
    assert ("For multilabel y, the indices of its columns, ``np.arange(n_labels)``"
            in " ".join(doc.split()))
    clf = ManualMLPClassifier((5,), solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, Y)
    clf.partial_fit(X, Y, classes=np.arange(3)).partial_fit(X, Y)
    assert clf.predict(X).shape == Y.shape and len(clf.loss_curve_) == 2


@pytest.mark.parametrize("n_classes", [2, 3])
def test_glorot_uniform_sklearn_early_stopping_is_mlpclassifiers_but_multiclass(n_classes):
    # What the Notes say: the same training as MLPClassifier, validation split
    # included, except that a multiclass split is stratified here.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep = y < n_classes
    X, y = X[keep], y[keep]
    params = dict(hidden_layer_sizes=(5,), solver="sgd", early_stopping=True,
                  validation_fraction=0.2, max_iter=5, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPClassifier(**params).fit(X, y)
        ours = ManualMLPClassifier(init="glorot_uniform_sklearn", **params).fit(X, y)
    same = np.allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert same == (n_classes == 2)
    notes = ManualMLPClassifier.__doc__.split("Notes")[1]
    assert "except for multiclass targets, whose validation split is stratified" in (
        " ".join(notes.split()))
