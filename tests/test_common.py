"""scikit-learn's own estimator checks, run over every public estimator."""

import os
import re
import subprocess
import sys

import pytest
import scipy
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_inplace_ensure_writeable,
    check_param_validation,
    parametrize_with_checks,
)

from skmlp import (
    DensityBayesClassifier,
    GaussianBayesClassifier,
    ManualMLPClassifier,
    ManualMLPRegressor,
    MinimumRiskClassifier,
    PerceptronClassifier,
)

# scikit-learn's checks fit random labels (and unscaled features around 100), so
# the network rightly learns nothing and says so; the checks test other things.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*the network learned nothing:sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [
    ManualMLPClassifier(),
    ManualMLPRegressor(),
    PerceptronClassifier(),
    GaussianBayesClassifier(),
    MinimumRiskClassifier(GaussianBayesClassifier()),
    MinimumRiskClassifier(LogisticRegression(), cost_matrix=None, priors=None),
    DensityBayesClassifier(),
]

# An online perceptron visits samples in order: weighting a sample by 2 is one
# update of twice the size, repeating it is two updates at different moments,
# so the two fits differ. sklearn's own Perceptron fails these two checks too.
_PERCEPTRON_XFAIL = {
    name: "an online perceptron: weighting a sample is not repeating it in the order"
    for name in (
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    )
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, PerceptronClassifier):
        return _PERCEPTRON_XFAIL
    return {}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# Checks that scikit-learn runs in its own test suite rather than through
# parametrize_with_checks; every estimator must pass them too.
EXTRA_CHECKS = [
    check_param_validation,
    check_dataframe_column_names_consistency,
    check_inplace_ensure_writeable,
]
if hasattr(estimator_checks, "check_all_zero_sample_weights_error"):  # sklearn >= 1.9
    EXTRA_CHECKS.append(estimator_checks.check_all_zero_sample_weights_error)


@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_sklearn_extra_checks(estimator, check):
    check(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_no_tag_weakens_the_checks(estimator):
    tags = estimator.__sklearn_tags__()
    assert not tags.non_deterministic
    for role in (tags.classifier_tags, tags.regressor_tags):
        assert role is None or not role.poor_score
    assert not tags.no_validation
    assert not tags.input_tags.allow_nan


@pytest.mark.skipif(
    os.environ.get("SCIPY_ARRAY_API") == "1", reason="already running with it set"
)
@pytest.mark.skipif(
    tuple(int(p) for p in scipy.__version__.split(".")[:2]) < (1, 14),
    reason="scikit-learn refuses array_api_dispatch with SciPy < 1.14",
)
def test_checks_pass_with_scipy_array_api():
    # SCIPY_ARRAY_API must be set before scipy is first imported, hence a
    # fresh interpreter for this second run of every check; with it set,
    # sklearn also runs check_array_api_input, which it skips otherwise.
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "--no-header", __file__]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\b\d+ passed", summary), summary
    assert not re.search(r"\b\d+ failed", summary), summary
