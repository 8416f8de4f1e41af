"""scikit-learn's own MLP tests, run against ManualMLPClassifier.

The test module ``sklearn/neural_network/tests/test_mlp.py`` of the installed
scikit-learn (the wheels ship it) is read at collection time, its import of
``MLPClassifier`` is rewritten to ``ManualMLPClassifier`` and its test
functions are collected here, each one by its own name. A drop-in must pass
every classifier test; the only tests left out are listed in ``EXCLUDED``
with the reason.
"""

import inspect
import types
from pathlib import Path

import pytest
import sklearn
from threadpoolctl import threadpool_limits

from skmlp import ManualMLPClassifier

SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
SKLEARN_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
OUR_IMPORT = (
    "from sklearn.neural_network import MLPRegressor; "
    "from skmlp import ManualMLPClassifier as MLPClassifier"
)
# Tests parametrized over both estimators keep only the classifier case.
BOTH = "[MLPClassifier, MLPRegressor]"

# The suite fits unscaled digits with sklearn's default learning rate and few
# epochs (random_state=None): there our extra warning that the network learned
# nothing is true, and the suite, written for MLPClassifier, does not expect it.
# Its test_warm_start refits unscaled iris with L-BFGS and a 2-unit layer: whether
# the line search stalls before tol (our warning then says so) depends on the
# CPU's rounding (it stalls on one of our machines, not on another), and the
# test checks the fits, not their warnings.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:.*the network learned nothing:sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings(
        "ignore:lbfgs failed to converge.*the line search found no step"
        ":sklearn.exceptions.ConvergenceWarning"),
]

REGRESSOR_ONLY = "regressor-only: exercises MLPRegressor alone (skmlp has no regressor)"
EXCLUDED = {
    # Calls MLPClassifier's private _loss_grad_lbfgs(packed_theta, X, Y, ...),
    # an internal of its L-BFGS packing that skmlp does not have; skmlp's
    # gradients are checked by finite differences in tests/test_nn.py
    # (nn.check_gradients) for every activation, loss and output.
    "test_gradient": "probes MLPClassifier's private _loss_grad_lbfgs",
    "test_lbfgs_regression": REGRESSOR_ONLY,
    "test_lbfgs_regression_maxfun": REGRESSOR_ONLY,
    "test_multioutput_regression": REGRESSOR_ONLY,
    "test_partial_fit_regression": REGRESSOR_ONLY,
    "test_nonfinite_params": REGRESSOR_ONLY,
    "test_shuffle": REGRESSOR_ONLY,
    "test_mlp_regressor_dtypes_casting": REGRESSOR_ONLY,
    "test_mlp_loading_from_joblib_partial_fit": REGRESSOR_ONLY,
    "test_mlp_diverging_loss": REGRESSOR_ONLY,
    "test_mlp_sample_weight_with_early_stopping": REGRESSOR_ONLY,
    "test_mlp_vs_poisson_glm_equivalent": REGRESSOR_ONLY,
    "test_minimum_input_sample_size": REGRESSOR_ONLY,
}


def _load_sklearn_suite():
    """The installed test_mlp.py, executed with ManualMLPClassifier as MLPClassifier."""
    text = SOURCE.read_text()
    if text.count(SKLEARN_IMPORT) != 1:
        raise AssertionError(
            f"{SOURCE} no longer has the line {SKLEARN_IMPORT!r}: update "
            "tests/test_sklearn_mlp_suite.py for this scikit-learn version."
        )
    # Same number of lines, so tracebacks point at the right lines of SOURCE.
    text = text.replace(SKLEARN_IMPORT, OUR_IMPORT).replace(BOTH, "[MLPClassifier]")
    module = types.ModuleType("sklearn_test_mlp_on_skmlp")
    module.__file__ = str(SOURCE)
    exec(compile(text, str(SOURCE), "exec"), module.__dict__)
    return module


if SOURCE.exists():
    SUITE = _load_sklearn_suite()
    for _name, _test in vars(SUITE).items():
        if _name.startswith("test_") and callable(_test) and _name not in EXCLUDED:
            globals()[_name] = _test
else:
    SUITE = None


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # The suite's matrices are tiny (at most 200 x 64): BLAS threads only
    # wait on each other, and far longer on a loaded machine (3000 epochs of
    # test_n_iter_no_change_inf: 5 s on one thread, over 60 s on two busy ones).
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def test_the_sklearn_suite_is_installed():
    # scikit-learn's wheels include sklearn/neural_network/tests; a build
    # without them cannot check the drop-in claim, which must not pass silently.
    assert SUITE is not None, f"{SOURCE} is missing: install scikit-learn from its wheel"
    collected = [n for n in vars(SUITE) if n.startswith("test_")]
    assert len(collected) - len(EXCLUDED) >= 25
    assert SUITE.MLPClassifier is ManualMLPClassifier


def test_exclusions_are_current_and_regressor_only():
    if SUITE is None:
        pytest.fail(f"{SOURCE} is missing")
    for name, reason in EXCLUDED.items():
        assert name in vars(SUITE), f"{name} is no longer in scikit-learn's test_mlp.py"
        if reason == REGRESSOR_ONLY:
            assert "MLPClassifier" not in inspect.getsource(vars(SUITE)[name]), name

