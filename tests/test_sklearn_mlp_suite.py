"""scikit-learn's own MLP tests, run against ManualMLPClassifier and ManualMLPRegressor.

The test module ``sklearn/neural_network/tests/test_mlp.py`` of the installed
scikit-learn (the wheels ship it) is read at collection time, its import of
``MLPClassifier`` and ``MLPRegressor`` is rewritten to skmlp's estimators and
its test functions are collected here, each one by its own name. A drop-in
must pass every test; the only tests left out are listed in ``EXCLUDED``
with the reason (they read scikit-learn's private attributes).
"""

import inspect
import os
import types
from pathlib import Path

import pytest
import sklearn
from threadpoolctl import threadpool_limits

from skmlp import ManualMLPClassifier, ManualMLPRegressor

SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
SKLEARN_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
OUR_IMPORT = (
    "from skmlp import ManualMLPClassifier as MLPClassifier, "
    "ManualMLPRegressor as MLPRegressor"
)

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

PRIVATE = "probes MLPClassifier's private _loss_grad_lbfgs"
NAN_ON_PURPOSE = "expects NaN weights and scores after divergence: skmlp raises instead"
EXCLUDED = {
    # Calls MLPClassifier's private _loss_grad_lbfgs(packed_theta, X, Y, ...),
    # an internal of its L-BFGS packing that skmlp does not have; skmlp's
    # gradients are checked by finite differences in tests/test_nn.py
    # (nn.check_gradients) for every activation, loss and output.
    "test_gradient": PRIVATE,
    # Fits with learning_rate_init=1 until the weights are NaN and asserts a
    # NaN validation score: skmlp stops such a fit with its divergence error
    # (a FloatingPointError and ValueError naming the remedy) and leaves the
    # estimator as it was, never NaN weights; tests/test_mlp.py checks that.
    "test_mlp_diverging_loss": NAN_ON_PURPOSE,
}


def _load_sklearn_suite():
    """The installed test_mlp.py, executed with skmlp's estimators as scikit-learn's."""
    text = SOURCE.read_text()
    if text.count(SKLEARN_IMPORT) != 1:
        raise AssertionError(
            f"{SOURCE} no longer has the line {SKLEARN_IMPORT!r}: update "
            "tests/test_sklearn_mlp_suite.py for this scikit-learn version."
        )
    # Same number of lines, so tracebacks point at the right lines of SOURCE.
    text = text.replace(SKLEARN_IMPORT, OUR_IMPORT)
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


_SEED = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED", "42")


@pytest.fixture(params=[int(_SEED) if _SEED.isdigit() else 42])
def global_random_seed(request):
    """scikit-learn's fixture of the same name (its conftest is not ours): one seed."""
    return request.param


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
    assert SUITE.MLPRegressor is ManualMLPRegressor


def test_exclusions_are_current_and_read_private_attributes():
    if SUITE is None:
        pytest.fail(f"{SOURCE} is missing")
    for name, reason in EXCLUDED.items():
        assert name in vars(SUITE), f"{name} is no longer in scikit-learn's test_mlp.py"
        source = inspect.getsource(vars(SUITE)[name])
        assert "._" in source if reason == PRIVATE else "np.nan" in source, name

