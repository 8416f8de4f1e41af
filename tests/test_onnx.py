"""ONNX export: onnxruntime's labels and probabilities against predict and predict_proba.

Every converted model is run by onnxruntime on test rows that include exact
ties, duplicate rows and far-off rows (1000 times the data's scale), in
float32 and float64. Labels must equal ``predict`` on every row; probabilities
must equal ``predict_proba`` within 1e-5 (float32) / 1e-8 (float64), plus
the rounding of the dtype at the size of the scores' terms (see ``_atol``):
nothing near the data, but float32's resolution on far-off rows.
"""

import itertools
import warnings

import numpy as np
import onnxruntime as ort
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import ndtr
from skl2onnx import to_onnx
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp.onnx
from skmlp import (
    DensityBayesClassifier,
    GaussianBayesClassifier,
    ManualMLPClassifier,
    ManualMLPRegressor,
    MinimumRiskClassifier,
    PerceptronClassifier,
)
from skmlp.model_selection import MLPGridSearchCV

TOL = {np.float32: 1e-5, np.float64: 1e-8}
DTYPES = [np.float32, np.float64]
FAR = 1e3
# A cost matrix whose minimum-risk decisions differ from the most probable
# class: missing class 1 costs 10.
COST_3 = np.array([[0.0, 10.0, 1.0], [1.0, 0.0, 1.0], [2.0, 10.0, 0.0]])
COST_4 = np.array([[0, 1, 1, 1], [8, 0, 1, 1], [1, 1, 0, 1], [1, 1, 8, 0]], dtype=float)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs: ConvergenceWarning expected
        yield


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _session(model, X, **kwargs):
    kwargs.setdefault("options", {"zipmap": False})
    onx = to_onnx(model, X[:1], **kwargs)
    return ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


def _run(model, X, **kwargs):
    """(labels, probabilities) of the ONNX graph of model on X (in X's dtype)."""
    session = _session(model, X, **kwargs)
    return session.run(None, {session.get_inputs()[0].name: X})[:2]


def _score_size(model, X):
    """Per row, the size S of the terms that are summed into the model's scores.

    Bayes classifiers: the log-likelihoods |ln p_j f_j(x)| (they grow as
    |x|^2); networks: the output units' sum_i |h_i w_ij| + |b_j| of an
    absolute forward pass; linear models: sum_i |x_i w_ji| + |b_j| (over the
    perceptron's norm, as its predict_proba scales the scores).
    """
    X = np.asarray(X, dtype=np.float64)
    if isinstance(model, Pipeline):
        return _score_size(model[-1], model[:-1].transform(X))
    if isinstance(model, MinimumRiskClassifier):
        return _score_size(model.estimator_, X)
    if isinstance(model, FrozenEstimator):
        return _score_size(model.estimator, X)
    if hasattr(model, "predict_joint_log_proba"):
        jll = model.predict_joint_log_proba(X)
        return np.abs(np.where(np.isfinite(jll), jll, 0.0)).max(axis=1)
    if isinstance(model, ManualMLPClassifier):
        size = np.abs(X)
        for W, b in zip(model.coefs_, model.intercepts_):
            size = size @ np.abs(W) + np.abs(b)
        return size.max(axis=1)
    size = (np.abs(X) @ np.abs(model.coef_.T) + np.abs(model.intercept_)).max(axis=1)
    if isinstance(model, PerceptronClassifier):
        size /= np.linalg.norm(model.coef_, axis=1).max()
    return size


def _atol(model, X, dtype):
    """The issue's tolerance plus eps * S, S the size of the scores' terms.

    A sum of terms of size S carries a rounding error of about eps * S, and
    a probability computed from it inherits that (its derivative is at most
    1): numpy's and onnxruntime's results, two correct computations that sum
    in different orders, differ by that much where a probability is neither
    0 nor 1. Near the data S is about 10 and the bound is the issue's; on
    far-off rows S grows with |x| (as |x|^2 for the Gaussians), and float32
    resolves the probabilities there only to eps * S.
    """
    return TOL[dtype] + np.finfo(dtype).eps * _score_size(model, X)


def assert_onnx_matches(model, X, dtype, **kwargs):
    """onnxruntime's labels == predict on 100% of rows; probabilities within _atol."""
    X = np.asarray(X, dtype=dtype)
    labels, proba = _run(model, X, **kwargs)
    assert_array_equal(labels, model.predict(X))
    expected = model.predict_proba(X)
    assert proba.dtype == dtype
    error = np.abs(proba - expected)
    assert np.all(error <= _atol(model, X, dtype)[:, None]), error.max()


def _test_rows(X, rng, n=40):
    """Rows near the data, duplicates of the first ones, and far-off rows."""
    d = X.shape[1]
    near = X[rng.randint(len(X), size=n)] + 0.5 * rng.randn(n, d)
    directions = rng.randn(6, d)
    far = FAR * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    return np.vstack([near, near[:5], far, -far, X[:5]])


def _blobs(n_classes, rng, n=60, d=3, spread=1.5):
    y = np.arange(n) % n_classes
    centres = spread * rng.randn(n_classes, d)
    return centres[y] + rng.randn(n, d), y


def _mirrored(n_classes, rng, n=20):
    """Classes that are mirror images of one another, and rows on the mirrors.

    Class 0 is a sample around (1.5, 1); class 1 is it mirrored in x0 = 0
    (4 classes: also 2 and 3 mirrored in x1 = 0); a third feature is shared.
    Every statistic of one class is that of another with signs flipped, so a
    row on a mirror is an exact tie of their posteriors and risks.
    """
    base = np.c_[rng.randn(n, 2) * [0.8, 0.6] + [1.5, 1.0], rng.randn(n)]
    signs = [(1, 1), (-1, 1), (1, -1), (-1, -1)][:n_classes]
    X = np.vstack([base * [sx, sy, 1] for sx, sy in signs])
    y = np.repeat(np.arange(n_classes), n)
    ties = np.c_[np.zeros(8), rng.randn(8), rng.randn(8)]  # on x0 = 0
    if n_classes == 4:
        ties = np.vstack([ties, ties[:, [1, 0, 2]], [[0.0, 0.0, 0.3]]])  # x1 = 0, origin
    return X, y, ties


def _mlp(**params):
    return ManualMLPClassifier(hidden_layer_sizes=(5,), max_iter=15, random_state=0,
                               **params)


def _tie_outputs(mlp):
    """Make every row a tie: output unit 1 a copy of unit 0 (binary and
    multilabel: all output weights 0, so every output is expit(0) = 0.5)."""
    if mlp.n_outputs_ == 1 or mlp._label_binarizer.y_type_ == "multilabel-indicator":
        mlp.coefs_[-1][:] = 0.0
        mlp.intercepts_[-1][:] = 0.0
    else:
        mlp.coefs_[-1][:, 1] = mlp.coefs_[-1][:, 0]
        mlp.intercepts_[-1][1] = mlp.intercepts_[-1][0]
    return mlp


# ---------------------------------------------------------------------------
# ManualMLPClassifier
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_mlp_matches_predict(activation, loss, target, dtype):
    rng = np.random.RandomState(0)
    X, y = _blobs(3, rng)
    if target == "binary":
        y = y % 2
    elif target == "multilabel":
        y = np.c_[y == 0, y != 1, rng.rand(len(y)) < 0.5].astype(int)
    mlp = _mlp(activation=activation, loss=loss).fit(X, y)
    assert_onnx_matches(mlp, _test_rows(X, rng), dtype)
    assert_onnx_matches(_tie_outputs(mlp), _test_rows(X, rng), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "softplus", "silu",
                                        ["gelu", "elu"], ["relu", "silu"]])
def test_mlp_new_and_per_layer_activations_match_predict(activation, loss, target, dtype):
    rng = np.random.RandomState(1)
    X, y = _blobs(3, rng)
    y = y % 2 if target == "binary" else y
    mlp = ManualMLPClassifier(hidden_layer_sizes=(6, 5), activation=activation, loss=loss,
                              max_iter=15, random_state=0).fit(X, y)
    assert_onnx_matches(mlp, _test_rows(X, rng), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_graph_is_z_phi_z_over_the_whole_line(dtype):
    # The graph's normal distribution function (no double Erf in onnxruntime)
    # against scipy's ndtr, tails and the far-off inputs included.
    from skl2onnx.algebra.onnx_ops import OnnxIdentity

    ops = skmlp.onnx._ops.Ops(skmlp.onnx.MIN_OPSET, dtype)
    graph = OnnxIdentity(skmlp.onnx._ops.activation(ops, "gelu", "z"), output_names=["y"],
                         op_version=ops.opset)
    z = np.r_[np.linspace(-12, 12, 4001), -1e3, 1e3, -40, 40].astype(dtype)[:, None]
    session = ort.InferenceSession(graph.to_onnx({"z": z}).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    expected = z.astype(np.float64) * ndtr(z.astype(np.float64))
    got = session.run(None, {"z": z})[0]
    assert got.dtype == dtype
    tol = dict(rtol=1e-13, atol=1e-15) if dtype == np.float64 else dict(rtol=1e-6, atol=1e-7)
    assert_allclose(got, expected, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mlp_trained_with_dropout_decay_and_clipping_matches_predict(dtype):
    # Dropout is training only: the exported graph is the plain network.
    rng = np.random.RandomState(0)
    X, y = _blobs(3, rng)
    mlp = ManualMLPClassifier(hidden_layer_sizes=(6, 5), dropout=[0.3, 0.1],
                              weight_decay=0.01, max_grad_norm=1.0, learning_rate="cosine",
                              max_iter=15, random_state=0).fit(X, y)
    assert_onnx_matches(mlp, _test_rows(X, rng), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mlp_squared_error_far_rows_are_ties_broken_as_predict(dtype):
    # Far along the hidden units' direction every logistic output saturates:
    # predict_proba is 1/K for all (softmax of log expit), a K-way tie that
    # predict gives to the first class.
    rng = np.random.RandomState(1)
    X, y = _blobs(3, rng)
    mlp = _mlp(loss="squared_error", activation="relu").fit(X, y)
    mlp.intercepts_[-1][:] = 200.0  # logits >= 200 on the training data and beyond
    rows = np.vstack([X, FAR * np.abs(rng.randn(3, 3))])
    proba = mlp.predict_proba(rows.astype(dtype))
    assert np.any(np.all(proba == proba[:, :1], axis=1))  # the ties are there
    assert_onnx_matches(mlp, rows, dtype)


# ---------------------------------------------------------------------------
# PerceptronClassifier
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("average", [False, True])
def test_perceptron_matches_predict(average, n_classes, dtype):
    # Integer features and eta0 = 1: the weights and the scores of integer
    # rows are integers, so scores of exactly 0 (sgn(0) = -1) and equal
    # scores of two units (argmax: the first) occur.
    rng = np.random.RandomState(2)
    X = rng.randint(-3, 4, size=(60, 3)).astype(float)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (n_classes == 3) * (X[:, 2] > 1)
    clf = PerceptronClassifier(average=average, max_iter=5, tol=None, random_state=0).fit(X, y)
    grid = itertools.product(range(-6, 7), range(-6, 7), (-2, 0, 3))
    rows = np.vstack([list(grid), FAR * rng.randn(6, 3)])
    if not average:
        scores = clf.decision_function(rows)
        top = np.sort(scores.reshape(len(rows), -1), axis=1)
        ties = (scores == 0) if n_classes == 2 else (top[:, -1] == top[:, -2])
        assert np.any(ties)
    assert_onnx_matches(clf, rows, dtype)


# ---------------------------------------------------------------------------
# GaussianBayesClassifier
# ---------------------------------------------------------------------------

def _priors_and_costs(setting, n_classes):
    """{} or skewed ``priors`` and/or a ``cost_matrix`` that changes decisions."""
    params = {}
    if "priors" in setting:
        params["priors"] = np.arange(1, n_classes + 1) / np.arange(1, n_classes + 1).sum()
    if "cost" in setting:
        params["cost_matrix"] = [[0, 1], [6, 0]] if n_classes == 2 else COST_4
    return params


# shrinkage applies to 'full' and 'tied' only (a ValueError in fit otherwise)
GAUSSIAN_CASES = [(cov, setting, {}) for cov in ("full", "tied", "diag", "spherical")
                  for setting in ("plain", "priors", "cost", "priors_cost")] + [
    (cov, setting, {"shrinkage": shrinkage}) for cov in ("full", "tied")
    for setting, shrinkage in (("plain", "auto"), ("cost", 0.3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("covariance_type, setting, shrinkage", GAUSSIAN_CASES,
                         ids=lambda v: str(v.get("shrinkage")) if isinstance(v, dict) else v)
def test_gaussian_bayes_matches_predict(covariance_type, setting, shrinkage, n_classes,
                                        dtype):
    rng = np.random.RandomState(3)
    X, y, ties = _mirrored(n_classes, rng)
    clf = GaussianBayesClassifier(covariance_type=covariance_type, **shrinkage,
                                  **_priors_and_costs(setting, n_classes)).fit(X, y)
    rows = np.vstack([_test_rows(X, rng), ties])
    if "cost" in setting:  # minimum risk is not the maximum posterior
        assert np.any(clf.predict(rows) != clf.classes_[clf.predict_proba(rows).argmax(1)])
    assert_onnx_matches(clf, rows, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_gaussian_bayes_mirror_rows_are_exact_ties(n_classes, dtype):
    rng = np.random.RandomState(4)
    X, y, ties = _mirrored(n_classes, rng)
    clf = GaussianBayesClassifier().fit(X, y)
    proba = clf.predict_proba(ties.astype(dtype))
    on_x0, on_x1 = ties[:, 0] == 0, ties[:, 1] == 0
    assert np.all(proba[on_x0, 0] == proba[on_x0, 1])  # the mirror images tie exactly
    if n_classes == 4:
        assert np.all(proba[on_x1, 0] == proba[on_x1, 2])
    assert_onnx_matches(clf, ties, dtype)


# ---------------------------------------------------------------------------
# DensityBayesClassifier
# ---------------------------------------------------------------------------

DENSITIES = {
    "kde_scott": lambda: None,
    "kde_0.6": lambda: KernelDensity(bandwidth=0.6),
    "gmm_full": lambda: GaussianMixture(2, random_state=0),
    "gmm_tied": lambda: GaussianMixture(2, covariance_type="tied", random_state=0),
    "gmm_diag": lambda: GaussianMixture(2, covariance_type="diag", random_state=0),
    "gmm_spherical": lambda: GaussianMixture(2, covariance_type="spherical", random_state=0),
}


# GaussianMixture.fit takes no sample_weight: only the kernel densities are weighted
DENSITY_CASES = [(density, setting) for density in DENSITIES
                 for setting in ("plain", "priors_cost")] + [
    ("kde_scott", "weighted"), ("kde_0.6", "weighted")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("density, setting", DENSITY_CASES)
def test_density_bayes_matches_predict(density, setting, dtype):
    rng = np.random.RandomState(5)
    X, y, ties = _mirrored(4, rng)
    clf = DensityBayesClassifier(DENSITIES[density](), **_priors_and_costs(setting, 4))
    weights = rng.rand(len(y)) + 0.5 if setting == "weighted" else None
    clf.fit(X, y, sample_weight=weights)
    assert_onnx_matches(clf, np.vstack([_test_rows(X, rng), ties]), dtype)


def test_density_bayes_rows_beyond_float32_get_the_priors():
    # |x - x_i|^2 / 2h^2 beyond float32's range: every class's joint
    # log-likelihood is -inf in float32, and the posterior is the priors.
    rng = np.random.RandomState(6)
    X, y, _ = _mirrored(4, rng)
    clf = DensityBayesClassifier(KernelDensity(bandwidth=0.5), priors=[0.1, 0.2, 0.3, 0.4])
    clf.fit(X, y)
    rows = np.vstack([X[:3], 1e19 * np.ones((2, 3))]).astype(np.float32)
    assert np.all(np.isneginf(clf.predict_joint_log_proba(rows)[3:]))
    assert_allclose(clf.predict_proba(rows)[3:], [clf.class_prior_] * 2)
    labels, proba = _run(clf, rows)
    assert_array_equal(labels, clf.predict(rows))
    assert_allclose(proba, clf.predict_proba(rows), atol=1e-6)


def test_gaussian_bayes_overflowing_rows_get_the_priors_where_predict_refuses():
    # Documented: the graph cannot raise as predict does; every float32
    # log-density is -inf there and Bayes' rule falls back on the priors.
    rng = np.random.RandomState(6)
    X, y, _ = _mirrored(4, rng)
    clf = GaussianBayesClassifier(priors=[0.1, 0.2, 0.3, 0.4]).fit(X, y)
    row = np.full((1, 3), 1e25, dtype=np.float32)
    with pytest.raises(ValueError, match="overflow"):
        clf.predict_proba(row)
    _, proba = _run(clf, row)
    assert_allclose(proba, [clf.class_prior_], atol=1e-7)


# ---------------------------------------------------------------------------
# MinimumRiskClassifier
# ---------------------------------------------------------------------------

INNER = {
    "mlp": lambda: _mlp(),
    "tied_mlp": lambda: _mlp(),  # fitted, then every row made a tie (frozen)
    "pipeline": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "perceptron": lambda: PerceptronClassifier(random_state=0),
    "gaussian": lambda: GaussianBayesClassifier(covariance_type="diag"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("priors", [None, [0.5, 0.2, 0.3]])
@pytest.mark.parametrize("inner", list(INNER))
def test_minimum_risk_matches_predict(inner, priors, dtype):
    rng = np.random.RandomState(6)
    X, y = _blobs(3, rng, spread=0.7)  # overlapping classes: posteriors inside (0, 1)
    estimator = INNER[inner]()
    if inner == "tied_mlp":
        estimator = FrozenEstimator(_tie_outputs(estimator.fit(X, y)))
    clf = MinimumRiskClassifier(estimator, cost_matrix=COST_3, priors=priors).fit(X, y)
    rows = _test_rows(X, rng)
    proba = clf.predict_proba(rows)
    assert np.any(clf.predict(rows) != clf.classes_[proba.argmax(axis=1)])
    assert_onnx_matches(clf, rows, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_minimum_risk_zero_one_cost_ties_go_to_the_first_class(dtype):
    rng = np.random.RandomState(7)
    X, y = _blobs(3, rng)
    tied = FrozenEstimator(_tie_outputs(_mlp().fit(X, y)))  # P(0|x) == P(1|x)
    clf = MinimumRiskClassifier(tied).fit(X, y)
    rows = _test_rows(X, rng)
    risk = clf.predict_risk(rows)
    assert np.any(risk[:, 0] == risk[:, 1]) and np.all(clf.predict(rows) != 1)
    assert_onnx_matches(clf, rows, dtype)


# ---------------------------------------------------------------------------
# The reject option: the doubt label in the label output
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_rejecting_gaussian_bayes_matches_predict(covariance_type, n_classes, dtype):
    rng = np.random.RandomState(12)
    X, y, ties = _mirrored(n_classes, rng)
    reject_cost = np.linspace(0.1, 0.3, n_classes)  # one per class
    clf = GaussianBayesClassifier(covariance_type=covariance_type,
                                  reject_cost=reject_cost).fit(X, y)
    rows = np.vstack([_test_rows(X, rng), ties])
    assert 0 < np.mean(clf.predict(rows) == -1) < 1  # some doubts, not all
    assert_onnx_matches(clf, rows, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("priors", [None, [0.5, 0.2, 0.3]])
def test_rejecting_minimum_risk_matches_predict(priors, dtype):
    rng = np.random.RandomState(13)
    X, y = _blobs(3, rng, spread=0.7)
    clf = MinimumRiskClassifier(make_pipeline(StandardScaler(), LogisticRegression()),
                                cost_matrix=COST_3, priors=priors,
                                reject_cost=[0.3, 0.5, 0.2], reject_label=7).fit(X, y)
    rows = _test_rows(X, rng)
    assert 0 < np.mean(clf.predict(rows) == 7) < 1
    assert_onnx_matches(clf, rows, dtype)


def test_rejecting_model_with_string_labels_and_nocl():
    rng = np.random.RandomState(14)
    X, y = _blobs(3, rng, spread=0.7)
    labels = np.array(["cat", "dog", "eel"])
    clf = DensityBayesClassifier(GaussianMixture(random_state=0), reject_cost=0.2,
                                 reject_label="unsure").fit(X, labels[y])
    rows = _test_rows(X, rng).astype(np.float32)
    predicted = clf.predict(rows)
    assert np.any(predicted == "unsure")
    assert_onnx_matches(clf, rows, np.float32)
    index, _ = _run(clf, rows, options={"zipmap": False, "nocl": True})
    assert_array_equal(np.append(labels, "unsure")[index], predicted)


# ---------------------------------------------------------------------------
# Pipelines, searches, options, labels, opsets
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_pipeline_with_a_scaler_converts(dtype):
    rng = np.random.RandomState(8)
    X, y = _blobs(3, rng)
    pipe = make_pipeline(StandardScaler(), _mlp()).fit(X * 100 + 5, y)
    assert_onnx_matches(pipe, _test_rows(X * 100 + 5, rng), dtype)


def test_search_best_estimator_converts():
    rng = np.random.RandomState(9)
    X, y = _blobs(3, rng)
    search = MLPGridSearchCV(make_pipeline(StandardScaler(), _mlp()),
                             {"manualmlpclassifier__alpha": [1e-4, 1e-1]}, cv=2).fit(X, y)
    for dtype in DTYPES:
        assert_onnx_matches(search.best_estimator_, _test_rows(X, rng), dtype)



@pytest.mark.parametrize("search_class", skmlp.onnx.SEARCHES, ids=lambda c: c.__name__)
def test_a_search_is_refused_with_the_remedy(search_class):
    X, y = _blobs(3, np.random.RandomState(9))
    space = "param_grid" if "Grid" in search_class.__name__ else "param_distributions"
    extra = {} if search_class is MLPGridSearchCV else {"random_state": 0}
    search = search_class(_mlp(), **{space: {"alpha": [1e-4, 1e-1]}}, cv=2, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs: ConvergenceWarning expected
        search.fit(X, y)
    with pytest.raises(TypeError, match=r"cannot convert a search .*best_estimator_"):
        to_onnx(search, X[:1].astype(np.float32))
    with pytest.raises(TypeError, match=r"cannot convert a search"):  # inside a Pipeline too
        to_onnx(make_pipeline(StandardScaler(), search).fit(X, y), X[:1].astype(np.float32))


def test_float64_input_needs_zipmap_false_or_columns():
    # what skmlp.onnx's docstring says: skl2onnx's default ZipMap takes float32
    # probabilities only, so float64 graphs use zipmap=False or 'columns'
    rng = np.random.RandomState(12)
    X, y = _blobs(3, rng)
    clf = GaussianBayesClassifier().fit(X, y)
    rows = X[:20].astype(np.float64)
    with pytest.raises(Exception, match="ZipMap"):
        _session(clf, rows, options=None)
    for options in ({"zipmap": False}, {"zipmap": "columns"}):
        out = _session(clf, rows, options=options).run(None, {"X": rows})
        assert_allclose(np.column_stack(out[1:]), clf.predict_proba(rows), atol=1e-10)
def test_zipmap_options_and_string_labels():
    rng = np.random.RandomState(10)
    X, y = _blobs(3, rng)
    labels = np.array(["cat", "dog", "eel"])
    clf = GaussianBayesClassifier().fit(X, labels[y])
    rows = _test_rows(X, rng).astype(np.float32)
    expected = clf.predict_proba(rows)

    session = _session(clf, rows, options=None)  # default: ZipMap to dicts
    label, dicts = session.run(None, {"X": rows})
    assert_array_equal(label, clf.predict(rows))
    assert_allclose([[row[c] for c in labels] for row in dicts], expected, atol=1e-5)

    session = _session(clf, rows, options={"zipmap": "columns"})
    out = session.run(None, {"X": rows})
    assert_allclose(np.column_stack(out[1:]), expected, atol=1e-5)

    index, _ = _run(clf, rows, options={"zipmap": False, "nocl": True})
    assert_array_equal(labels[index], clf.predict(rows))

    session = _session(clf, rows, options={"zipmap": False, "output_class_labels": True})
    assert_array_equal(session.run(None, {"X": rows})[2], labels)


def test_multilabel_mlp_label_is_an_indicator_matrix():
    rng = np.random.RandomState(11)
    X, y = _blobs(3, rng)
    Y = np.c_[y == 0, y == 1].astype(int)
    mlp = _mlp().fit(X, Y)
    session = _session(mlp, X.astype(np.float32))
    assert session.get_outputs()[0].shape[1] == 2
    label, proba = session.run(None, {"X": X.astype(np.float32)})
    assert_array_equal(label, mlp.predict(X))


def test_integer_input_is_cast_to_float32():
    rng = np.random.RandomState(12)
    X, y = _blobs(3, rng)
    clf = PerceptronClassifier(random_state=0).fit(np.round(X), y)
    rows = np.round(_test_rows(X, rng)[:40]).astype(np.int64)
    labels, proba = _run(clf, rows)
    assert_array_equal(labels, clf.predict(rows))
    assert proba.dtype == np.float32
    assert_allclose(proba, clf.predict_proba(rows.astype(np.float32)), atol=1e-5)


@pytest.mark.parametrize("model", [
    _mlp(), PerceptronClassifier(), GaussianBayesClassifier(),
    DensityBayesClassifier(GaussianMixture(2, random_state=0)),
    MinimumRiskClassifier(GaussianBayesClassifier(), cost_matrix=COST_3),
], ids=lambda m: type(m).__name__)
def test_the_oldest_opset_supported(model):
    rng = np.random.RandomState(13)
    X, y = _blobs(3, rng)
    model.fit(X, y)
    assert_onnx_matches(model, _test_rows(X, rng), np.float32,
                        target_opset=skmlp.onnx.MIN_OPSET)


# ---------------------------------------------------------------------------
# Bad input: clear errors at parse time, before any graph is written
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", [
    _mlp(), PerceptronClassifier(), GaussianBayesClassifier(), DensityBayesClassifier(),
    MinimumRiskClassifier(LogisticRegression()),
], ids=lambda m: type(m).__name__)
def test_unfitted_estimator_is_a_clear_error(model):
    X = np.zeros((1, 3), dtype=np.float32)
    with pytest.raises(NotFittedError, match=f"this {type(model).__name__} is not fitted.*"
                                             "Call fit before to_onnx"):
        to_onnx(model, X)
    with pytest.raises(NotFittedError, match="not fitted"):  # also inside a Pipeline
        to_onnx(make_pipeline(StandardScaler().fit(X), model), X)


@pytest.mark.parametrize("density, name", [
    (KernelDensity(kernel="tophat"), r"KernelDensity\(kernel='tophat'"),
    (KernelDensity(metric="manhattan"), r"KernelDensity\(kernel='gaussian', metric='manhattan'\)"),
    ("known", "rv_continuous_frozen"),
])
def test_density_without_converter_is_a_clear_error(density, name):
    from scipy.stats import norm

    X = np.random.RandomState(14).randn(40, 1)
    y = np.arange(40) % 2
    if density == "known":
        density = [norm(0, 1), norm(1, 1)]
    clf = DensityBayesClassifier(density).fit(X, y)
    message = rf"density of class 0 \(densities_\[0\]\) is {name}.*no ONNX converter"
    with pytest.raises(ValueError, match=message):
        to_onnx(clf, X.astype(np.float32))
    with pytest.raises(ValueError, match=message):  # inside a MinimumRiskClassifier too
        to_onnx(MinimumRiskClassifier(FrozenEstimator(clf)).fit(X, y), X)


def test_other_unconvertible_models_are_clear_errors():
    rng = np.random.RandomState(15)
    X, y = _blobs(2, rng)
    mlp = _mlp().fit(X, y)
    with pytest.raises(ValueError, match="target_opset >= 13"):
        to_onnx(mlp, X[:1], target_opset=12)
    with pytest.raises(ValueError, match="fitted on one class"):
        to_onnx(_mlp().fit(X, np.zeros(len(X), dtype=int)), X[:1])


@pytest.mark.parametrize("big", [np.uint64(2**63), np.uint64(2**64 - 1)])
def test_labels_beyond_int64_are_a_clear_error(big):
    rng = np.random.RandomState(16)
    X, y = _blobs(3, rng)
    labels = np.array([3, 2**40, big], dtype=np.asarray(big).dtype)[y]
    clf = _mlp().fit(X, labels)
    with pytest.raises(ValueError, match=r"fitted on labels up to .*beyond int64, the "
                                         r"type of ONNX's integer labels"):
        to_onnx(clf, X[:1].astype(np.float32))


def test_uint64_labels_below_two_to_the_63_convert():
    rng = np.random.RandomState(16)
    X, y = _blobs(3, rng)
    labels = np.array([3, 2**40, 2**63 - 1], dtype=np.uint64)[y]
    assert_onnx_matches(_mlp().fit(X, labels), _test_rows(X, rng), np.float32)


# ---------------------------------------------------------------------------
# ManualMLPRegressor: the predictions, in the input's dtype
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make", [
    lambda: ManualMLPRegressor(hidden_layer_sizes=(6,), max_iter=30, random_state=0),
    lambda: ManualMLPRegressor("poisson", (5, 3), activation="tanh", max_iter=30,
                               random_state=0),
    lambda: make_pipeline(StandardScaler(), ManualMLPRegressor(
        hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0)),
], ids=["squared_error", "poisson-two-outputs", "pipeline-lbfgs"])
def test_regressor_graph_predicts_as_predict(make, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    Y = np.c_[np.abs(X[:, 0]) + X[:, 1] ** 2, np.exp(0.3 * X[:, 2])]
    model = make()
    two = isinstance(model, ManualMLPRegressor) and model.loss == "poisson"
    model.fit(X, Y if two else Y[:, 0])
    session = _session(model, X.astype(dtype), options=None)
    got = session.run(None, {session.get_inputs()[0].name: X.astype(dtype)})[0]
    expected = model.predict(X.astype(dtype))
    assert got.dtype == dtype and got.shape == (60, 2 if two else 1)
    assert_allclose(got.reshape(expected.shape), expected, rtol=TOL[dtype], atol=TOL[dtype])


def test_unfitted_regressor_is_refused_before_any_graph():
    with pytest.raises(NotFittedError, match="not fitted"):
        to_onnx(ManualMLPRegressor(), np.zeros((1, 3), dtype=np.float32))
