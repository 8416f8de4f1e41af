"""The Bayes classifiers and the risk code under scikit-learn's array API dispatch.

With ``sklearn.set_config(array_api_dispatch=True)`` and array_api_strict
inputs (on its non-default device, so that a lost device shows), the outputs
of GaussianBayesClassifier, MinimumRiskClassifier over an array API estimator
and ``skmlp._risk`` are arrays of the input's namespace and device, equal to
the numpy results. scikit-learn's dispatch needs scipy's own array API
support, switched on by SCIPY_ARRAY_API=1 before scipy is imported; so these
tests run in a subprocess that sets it (``test_array_api_suite_in_a_subprocess``),
and are skipped in a process without it.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy
from numpy.testing import assert_allclose, assert_array_equal

SCIPY_ARRAY_API = os.environ.get("SCIPY_ARRAY_API") == "1"
needs_dispatch = pytest.mark.skipif(
    not SCIPY_ARRAY_API, reason="run by test_array_api_suite_in_a_subprocess")


@pytest.mark.skipif(SCIPY_ARRAY_API, reason="this is the subprocess")
@pytest.mark.skipif(tuple(map(int, scipy.__version__.split(".")[:2])) < (1, 14),
                    reason="scikit-learn's array API dispatch needs scipy >= 1.14")
def test_array_api_suite_in_a_subprocess():
    pytest.importorskip("array_api_strict")
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider",
         "-k", "not in_a_subprocess"],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " skipped" not in result.stdout, result.stdout


if SCIPY_ARRAY_API:
    import array_api_strict as xps
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.naive_bayes import GaussianNB

    from skmlp import GaussianBayesClassifier, MinimumRiskClassifier
    from skmlp._risk import (
        check_posteriors,
        conditional_risk,
        log_posteriors,
        shift_priors,
    )

    DEVICE = xps.Device("device1")  # not the default device: it must be kept


@pytest.fixture
def dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _strict(array, dtype=None):
    return xps.asarray(np.asarray(array), dtype=dtype, device=DEVICE)


def _assert_like_input(out, expected, rtol=1e-10, atol=1e-12):
    """``out`` is an array_api_strict array on DEVICE, equal to numpy's ``expected``."""
    assert type(out).__module__.startswith("array_api_strict"), type(out)
    assert out.device == DEVICE
    value = np.asarray(xps.asarray(out, device=xps.Device("CPU_DEVICE")))
    if value.dtype.kind in "biu":
        assert_array_equal(value, expected)
    else:
        assert_allclose(value, expected, rtol=rtol, atol=atol)


def _iris(n_features=4):
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    return X[:, :n_features] + 0.3 * rng.randn(len(y), n_features), y


COST = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 1.0], [2.0, 6.0, 0.0]])
GAUSSIAN_CASES = [
    {"covariance_type": cov, **extra}
    for cov in ("full", "tied", "diag", "spherical")
    for extra in ({}, {"priors": [0.2, 0.3, 0.5], "cost_matrix": COST},
                  {"reject_cost": [0.2, 0.1, 0.3]})
] + [{"covariance_type": cov, "shrinkage": shrinkage, "reject_cost": 0.15}
     for cov in ("full", "tied") for shrinkage in ("auto", 0.3)]

METHODS = ("predict_proba", "predict_log_proba", "predict_joint_log_proba",
           "predict_risk", "decision_function", "predict")


@needs_dispatch
@pytest.mark.parametrize("params", GAUSSIAN_CASES, ids=lambda p: "-".join(
    f"{k}={v}" for k, v in p.items() if not isinstance(v, (list, np.ndarray))) or "plain")
def test_gaussian_bayes_follows_the_input_namespace_and_device(params, dispatch):
    X, y = _iris()
    reference = GaussianBayesClassifier(**params).fit(X, y)
    clf = GaussianBayesClassifier(**params).fit(_strict(X), _strict(y))
    rows = X[::3] + 0.1
    for method in METHODS:
        expected = getattr(reference, method)(rows)
        _assert_like_input(getattr(clf, method)(_strict(rows)), expected)
    if "reject_cost" in params:
        assert np.any(reference.predict(rows) == -1)
    # fitted arrays live where the training data did (scikit-learn's convention)
    for name in ("means_", "covariances_", "class_prior_", "class_count_", "classes_",
                 "cost_matrix_"):
        _assert_like_input(getattr(clf, name), getattr(reference, name), rtol=1e-12)


@needs_dispatch
@pytest.mark.parametrize("params", [{}, {"covariance_type": "tied", "shrinkage": "auto"},
                                    {"covariance_type": "diag", "reject_cost": 0.2}])
def test_scikit_learns_array_api_checks_pass(params):
    # scikit-learn's own checks of an estimator tagged array_api_support: the
    # fitted attributes' namespace, device and dtype, every method's output,
    # and a clear error for inputs of another namespace than fit's
    from sklearn.utils.estimator_checks import (
        check_array_api_input,
        check_array_api_same_namespace,
    )
    clf = GaussianBayesClassifier(**params)
    assert sklearn.utils.get_tags(clf).array_api_support
    for device_name, dtype_name in (("CPU_DEVICE", "float64"), ("device1", "float32")):
        for check_values in (False, True):
            check_array_api_input("GaussianBayesClassifier", clf, "array_api_strict",
                                  device_name=device_name, dtype_name=dtype_name,
                                  check_values=check_values)
    check_array_api_same_namespace("GaussianBayesClassifier", clf, "array_api_strict")


@needs_dispatch
def test_partial_fit_under_dispatch_equals_numpy(dispatch):
    X, y = _iris()
    clf, reference = GaussianBayesClassifier(), GaussianBayesClassifier()
    for part in np.array_split(np.random.RandomState(2).permutation(len(y)), 3):
        clf.partial_fit(_strict(X[part]), _strict(y[part]), classes=_strict([0, 1, 2]))
        reference.partial_fit(X[part], y[part], classes=[0, 1, 2])
    _assert_like_input(clf.predict_proba(_strict(X)), reference.predict_proba(X))
    _assert_like_input(clf.means_, reference.means_, rtol=1e-12)


@needs_dispatch
@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_gaussian_bayes_binary_and_float32_under_dispatch(covariance_type, dispatch):
    X, y = _iris(2)
    keep = y > 0
    X, y = X[keep], y[keep]
    params = {"covariance_type": covariance_type, "reject_cost": 0.25}
    for dtype in (np.float64, np.float32):
        reference = GaussianBayesClassifier(**params).fit(X.astype(dtype), y)
        clf = GaussianBayesClassifier(**params).fit(_strict(X.astype(dtype)), _strict(y))
        for method in ("decision_function", "predict", "predict_proba"):
            out = getattr(clf, method)(_strict(X.astype(dtype)))
            expected = getattr(reference, method)(X.astype(dtype))
            if method != "predict":
                assert out.dtype == (xps.float32 if dtype == np.float32 else xps.float64)
            tol = 1e-10 if dtype == np.float64 else 1e-5
            _assert_like_input(out, expected, rtol=tol, atol=tol)


@needs_dispatch
def test_diag_equals_gaussian_nb_under_dispatch(dispatch):
    X, y = _iris()
    ours = GaussianBayesClassifier(covariance_type="diag").fit(_strict(X), _strict(y))
    nb = GaussianNB().fit(_strict(X), _strict(y))
    rows = _strict(X[::2] + 0.05)
    nb_proba = np.asarray(xps.asarray(nb.predict_proba(rows), device=xps.Device("CPU_DEVICE")))
    nb_labels = np.asarray(xps.asarray(nb.predict(rows), device=xps.Device("CPU_DEVICE")))
    _assert_like_input(ours.predict_proba(rows), nb_proba, rtol=1e-10, atol=1e-15)
    _assert_like_input(ours.predict(rows), nb_labels)


@needs_dispatch
@pytest.mark.parametrize("params", [{}, {"cost_matrix": COST, "priors": [0.5, 0.2, 0.3]},
                                    {"reject_cost": 0.1}])
def test_minimum_risk_over_linear_discriminant_analysis_under_dispatch(params, dispatch):
    X, y = _iris()
    reference = MinimumRiskClassifier(LinearDiscriminantAnalysis(), **params)
    with sklearn.config_context(array_api_dispatch=False):
        reference.fit(X, y)
    clf = MinimumRiskClassifier(LinearDiscriminantAnalysis(), **params).fit(
        _strict(X), _strict(y))
    rows = X[::3] + 0.2
    with sklearn.config_context(array_api_dispatch=False):
        expected = {m: getattr(reference, m)(rows)
                    for m in ("predict_proba", "predict_log_proba", "predict_risk",
                              "decision_function", "predict")}
    for method, value in expected.items():
        _assert_like_input(getattr(clf, method)(_strict(rows)), value, rtol=1e-8,
                           atol=1e-10)
    if "reject_cost" in params:
        assert np.any(expected["predict"] == -1)


@needs_dispatch
def test_string_labels_stay_numpy_under_dispatch(dispatch):
    # array API libraries hold no strings: the labels come back as numpy, as
    # GaussianNB's do
    X, y = _iris()
    labels = np.array(["a", "b", "c"])[y]
    clf = GaussianBayesClassifier(reject_cost=0.2, reject_label="?").fit(_strict(X), labels)
    predicted = clf.predict(_strict(X))
    assert isinstance(predicted, np.ndarray)
    reference = GaussianBayesClassifier(reject_cost=0.2, reject_label="?").fit(X, labels)
    assert_array_equal(predicted, reference.predict(X))


@needs_dispatch
def test_risk_functions_follow_the_input_namespace(dispatch):
    rng = np.random.RandomState(1)
    proba = rng.dirichlet(np.ones(3), size=20)
    jll = np.log(proba) + rng.randn(20, 1)
    jll[3] = -np.inf  # no class has density: the priors
    priors, train = np.array([0.2, 0.3, 0.5]), np.array([0.4, 0.4, 0.2])
    costs = np.vstack([COST, [0.3, 0.2, 0.1]])
    _assert_like_input(conditional_risk(_strict(proba), costs), conditional_risk(proba, costs))
    _assert_like_input(log_posteriors(_strict(jll), priors), log_posteriors(jll, priors))
    _assert_like_input(shift_priors(_strict(proba), train, priors),
                       shift_priors(proba, train, priors))
    _assert_like_input(check_posteriors(_strict(proba), 3, "model"), proba)
    with pytest.raises(ValueError, match="model returned negative values"):
        check_posteriors(_strict(proba - 0.5), 3, "model")


@needs_dispatch
def test_density_bayes_takes_array_api_inputs_and_answers_in_numpy(dispatch):
    # its densities are scikit-learn estimators without array API support:
    # inputs are moved to the host, results are numpy (as documented)
    from skmlp import DensityBayesClassifier
    X, y = _iris()
    reference = DensityBayesClassifier(reject_cost=0.2).fit(X, y)
    clf = DensityBayesClassifier(reject_cost=0.2).fit(_strict(X), _strict(y))
    proba = clf.predict_proba(_strict(X))
    assert isinstance(proba, np.ndarray)
    assert_allclose(proba, reference.predict_proba(X), rtol=1e-12)
    assert_array_equal(clf.predict(_strict(X)), reference.predict(X))


@needs_dispatch
def test_onnx_export_of_a_model_fitted_on_array_api_arrays_says_how(dispatch):
    pytest.importorskip("skl2onnx")
    from skl2onnx import to_onnx
    from sklearn.utils._array_api import move_estimator_to

    import skmlp.onnx  # noqa: F401  (registers the converters)
    X, y = _iris()
    clf = GaussianBayesClassifier(reject_cost=0.2).fit(_strict(X), _strict(y))
    with pytest.raises(ValueError, match="fitted on arrays of array_api_strict .*"
                                         "move_estimator_to"):
        to_onnx(clf, X[:1].astype(np.float32))
    moved = move_estimator_to(clf, np, "cpu")
    with sklearn.config_context(array_api_dispatch=False):
        onx = to_onnx(moved, X[:1].astype(np.float32), options={"zipmap": False})
        assert_array_equal(moved.predict(X), GaussianBayesClassifier(reject_cost=0.2)
                           .fit(X, y).predict(X))
    import onnxruntime as ort
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    rows = X.astype(np.float32)
    labels = session.run(None, {session.get_inputs()[0].name: rows})[0]
    with sklearn.config_context(array_api_dispatch=False):
        assert_array_equal(labels, moved.predict(rows))
