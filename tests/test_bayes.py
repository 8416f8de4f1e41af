"""GaussianBayesClassifier against hand-derived formulas, scipy and sklearn."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.naive_bayes import GaussianNB

from skmlp import GaussianBayesClassifier
from skmlp._bayes import QuadraticBoundary

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


def _three_classes(n_per_class=(60, 80, 70), seed=0, dtype=np.float64):
    """Three correlated Gaussian classes in 3-d, with different covariances."""
    rng = np.random.RandomState(seed)
    means = [(0.0, 0.0, 0.0), (2.0, 1.0, -1.0), (-1.0, 2.5, 1.0)]
    X, y = [], []
    for k, (n, mean) in enumerate(zip(n_per_class, means)):
        mix = rng.normal(size=(3, 3)) * (0.5 + 0.5 * k)
        X.append(rng.normal(size=(n, 3)) @ mix + mean)
        y.append(np.full(n, k))
    return np.vstack(X).astype(dtype), np.concatenate(y)


def _binary(seed=0):
    X, y = _three_classes(seed=seed)
    keep = y < 2
    return X[keep], np.where(y[keep] == 0, "neg", "pos")


def _reference_covariances(X, y, covariance_type, var_smoothing=1e-9):
    """ML estimates by numpy's own routines, shaped as GaussianMixture's."""
    classes = np.unique(y)
    epsilon = var_smoothing * X.var(axis=0).max()
    d = X.shape[1]
    full = [np.cov(X[y == c].T, bias=True) for c in classes]
    if covariance_type == "full":
        return np.array([S + epsilon * np.eye(d) for S in full])
    if covariance_type == "tied":
        counts = np.array([np.sum(y == c) for c in classes])
        pooled = sum(n * S for n, S in zip(counts, full)) / len(y)
        return pooled + epsilon * np.eye(d)
    var = np.array([X[y == c].var(axis=0) for c in classes])
    if covariance_type == "diag":
        return var + epsilon
    return var.mean(axis=1) + epsilon


def _as_full(cov, covariance_type, k, d):
    if covariance_type == "full":
        return cov[k]
    if covariance_type == "tied":
        return cov
    if covariance_type == "diag":
        return np.diag(cov[k])
    return cov[k] * np.eye(d)


# --- estimates and posteriors -------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_posterior_equals_scipy_plug_in(covariance_type):
    X, y = _three_classes()
    clf = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)

    means = np.array([X[y == k].mean(axis=0) for k in range(3)])
    cov = _reference_covariances(X, y, covariance_type)
    assert_allclose(clf.means_, means, rtol=1e-12, atol=1e-12)
    assert_allclose(clf.covariances_, cov, rtol=1e-10, atol=1e-12)
    assert_allclose(clf.class_prior_, np.bincount(y) / len(y))

    X_test, _ = _three_classes(seed=1)
    log_joint = np.column_stack([
        np.log(clf.class_prior_[k])
        + multivariate_normal(means[k], _as_full(cov, covariance_type, k, 3)).logpdf(X_test)
        for k in range(3)
    ])
    posterior = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
    assert_allclose(clf.predict_proba(X_test), posterior, rtol=1e-8, atol=1e-14)
    assert_allclose(clf.predict_joint_log_proba(X_test), log_joint, rtol=1e-10)
    assert_array_equal(clf.predict(X_test), log_joint.argmax(axis=1))


def test_diag_with_defaults_equals_gaussian_nb():
    X, y = _three_classes()
    ours = GaussianBayesClassifier(covariance_type="diag").fit(X, y)
    nb = GaussianNB().fit(X, y)
    assert_allclose(ours.means_, nb.theta_, rtol=1e-12)
    assert_allclose(ours.covariances_, nb.var_, rtol=1e-12)
    assert_allclose(ours.epsilon_, nb.epsilon_, rtol=1e-12)
    assert_allclose(ours.class_prior_, nb.class_prior_, rtol=1e-12)
    assert_allclose(ours.class_count_, nb.class_count_)
    X_test, _ = _three_classes(seed=1)
    assert_allclose(ours.predict_joint_log_proba(X_test), nb.predict_joint_log_proba(X_test),
                    rtol=1e-12)
    assert_allclose(ours.predict_proba(X_test), nb.predict_proba(X_test), rtol=1e-10, atol=1e-15)
    assert_array_equal(ours.predict(X_test), nb.predict(X_test))


def test_priors_replace_the_class_frequencies():
    X, y = _three_classes()
    priors = np.array([0.5, 0.3, 0.2])
    free = GaussianBayesClassifier().fit(X, y)
    fixed = GaussianBayesClassifier(priors=priors).fit(X, y)
    assert_allclose(fixed.class_prior_, priors)
    # Bayes' rule: P(j|x) proportional to p_j f_j(x), so the log-posteriors move
    # by ln(p_j / frequency_j) up to the per-row normaliser.
    shift = fixed.predict_log_proba(X) - free.predict_log_proba(X)
    expected = np.log(priors / free.class_prior_)
    assert_allclose(shift - shift[:, :1],
                    np.broadcast_to(expected - expected[0], shift.shape), atol=1e-10)


# --- risks, costs and decisions -------------------------------------------------


@pytest.mark.parametrize("cost", [[[0, 5], [1, 0]], [[1, 4], [3, 0.5]]])
def test_binary_cost_moves_the_posterior_threshold(cost):
    X, y = _binary()
    clf = GaussianBayesClassifier(cost_matrix=cost).fit(X, y)
    C = np.asarray(cost, dtype=float)
    # Decide class 1 iff (C01 - C11) P1 > (C10 - C00) P0, i.e. iff P1 exceeds
    # (C10 - C00) / ((C10 - C00) + (C01 - C11)).
    threshold = (C[1, 0] - C[0, 0]) / ((C[1, 0] - C[0, 0]) + (C[0, 1] - C[1, 1]))
    grid = np.random.RandomState(3).uniform(-4, 5, size=(4000, 3))
    p1 = GaussianBayesClassifier().fit(X, y).predict_proba(grid)[:, 1]
    clear = np.abs(p1 - threshold) > 1e-9
    assert 0.05 < np.mean(p1[clear] > threshold) < 0.95  # both decisions occur
    expected = np.where(p1 > threshold, "pos", "neg")
    assert_array_equal(clf.predict(grid)[clear], expected[clear])
    assert_array_equal(clf.decision_function(grid)[clear] > 0, p1[clear] > threshold)


def test_multiclass_predict_is_argmin_of_hand_computed_risk():
    X, y = _three_classes()
    C = np.array([[0.0, 2.0, 7.0], [1.0, 0.5, 3.0], [4.0, 1.0, 0.0]])
    clf = GaussianBayesClassifier(cost_matrix=C).fit(X, y)
    grid = np.random.RandomState(4).uniform(-4, 5, size=(3000, 3))
    P = clf.predict_proba(grid)
    risk = np.zeros_like(P)
    for i in range(3):
        for j in range(3):
            risk[:, i] += C[i, j] * P[:, j]
    assert_allclose(clf.predict_risk(grid), risk, rtol=1e-12)
    assert_allclose(clf.decision_function(grid), -risk, rtol=1e-12)
    assert_array_equal(clf.predict(grid), np.argmin(risk, axis=1))
    # The costs really change decisions compared with the 0-1 cost.
    assert np.any(clf.predict(grid) != P.argmax(axis=1))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_decision_function_equals_boundary_polynomial(covariance_type):
    X, y = _binary()
    clf = GaussianBayesClassifier(covariance_type=covariance_type, priors=[0.3, 0.7],
                                  cost_matrix=[[0.5, 3.0], [2.0, 0.0]]).fit(X, y)
    boundary = clf.decision_boundary()
    grid = np.random.RandomState(5).uniform(-4, 5, size=(500, 3))
    scores = clf.decision_function(grid)
    assert_allclose(boundary(grid), scores, rtol=1e-9, atol=1e-9 * np.abs(scores).max())
    assert_allclose(boundary.evaluate(grid), boundary(grid))
    assert_allclose(boundary.quadratic, boundary.quadratic.T, atol=1e-12)
    assert boundary.classes == ("neg", "pos")
    # And the log-ratio written out: ln p1 f1 - ln p0 f0 + ln (C01 - C11)/(C10 - C00).
    jll = clf.predict_joint_log_proba(grid)
    assert_allclose(scores, jll[:, 1] - jll[:, 0] + np.log(3.0 / 1.5), rtol=1e-12)


def test_tied_boundary_is_exactly_linear():
    X, y = _binary()
    boundary = GaussianBayesClassifier(covariance_type="tied").fit(X, y).decision_boundary()
    assert_array_equal(boundary.quadratic, 0.0)
    assert "^2" not in str(boundary) and "*x1*" not in str(boundary)


def test_multiclass_pair_boundary():
    X, y = _three_classes()
    clf = GaussianBayesClassifier().fit(X, y)
    boundary = clf.decision_boundary(classes=(2, 0))
    log_proba = clf.predict_log_proba(X)
    # With 0-1 costs, risk_2 - risk_0 = P0 - P2: the pair's boundary is ln P0/P2.
    assert_allclose(boundary(X), log_proba[:, 0] - log_proba[:, 2], rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="name the pair"):
        clf.decision_boundary()
    with pytest.raises(ValueError, match="not one of classes_"):
        clf.decision_boundary(classes=(0, 5))
    costly = GaussianBayesClassifier(cost_matrix=[[0, 1, 1], [1, 0, 9], [1, 1, 0]]).fit(X, y)
    with pytest.raises(ValueError, match="not a quadric"):
        costly.decision_boundary(classes=(0, 1))
    costly.decision_boundary(classes=(0, 2))  # rows 0 and 2 agree on column 1


def test_boundary_str_is_the_equation():
    A = np.array([[-0.25, 0.5], [0.5, 0.0]])
    boundary = QuadraticBoundary(A, [1.0, -2.0], np.log(4.0), feature_names=["u", "v"])
    assert str(boundary) == "-0.25*u^2 + 1*u*v + 1*u - 2*v + 1.3863 = 0"
    assert str(QuadraticBoundary(np.zeros((1, 1)), [0.0], 0.0)) == "0 = 0"


def test_boundary_str_uses_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    frame = pd.DataFrame(X, columns=["height", "weight", "age"])
    clf = GaussianBayesClassifier(covariance_type="diag").fit(frame, y)
    text = str(clf.decision_boundary())
    for name in ("height^2", "weight^2", "age^2"):
        assert name in text
    assert "x0" not in text and text.endswith(" = 0")


# --- the homework: Problem 1 (a), (c), (e) -------------------------------------


def _homework_data(n_samples, sigmas, seed=0):
    """Class 1 ~ N((1, 2), s1^2 I), class 2 ~ N((0, 0), s2^2 I), as the homework."""
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.normal((1.0, 2.0), sigmas[0], size=(n_samples[0], 2)),
                   rng.normal((0.0, 0.0), sigmas[1], size=(n_samples[1], 2))])
    return X, np.repeat([1, 2], n_samples)


def test_homework_a_equal_sigmas_gives_the_line_2x_4y_minus_5():
    # ln f1/f2 = -[(x-1)^2 + (y-2)^2]/2 + (x^2 + y^2)/2 = x + 2y - 5/2:
    # class 1 where 2x + 4y - 5 > 0. The polynomial is positive where class 2
    # (classes_[1]) is decided, so it is proportional to -(2x + 4y - 5).
    X, y = _homework_data((100_000, 100_000), (1.0, 1.0))
    clf = GaussianBayesClassifier(covariance_type="tied").fit(X, y)
    boundary = clf.decision_boundary()
    assert_array_equal(boundary.quadratic, 0.0)
    fitted = np.r_[boundary.linear, boundary.constant]
    analytic = -np.array([2.0, 4.0, -5.0])
    # Over 20 seeds at this size the normalised coefficients deviate by at most
    # 0.0036 (std 0.0009): 0.006 is about 6 standard deviations.
    assert_allclose(fitted / np.linalg.norm(fitted), analytic / np.linalg.norm(analytic),
                    atol=0.006)
    assert_array_equal(clf.predict([[3.0, 3.0], [-1.0, -1.0]]), [1, 2])


def _circle(boundary):
    """Centre and radius^2 of a x'x + b'x + c = 0 (A = a I)."""
    a = np.diag(boundary.quadratic).mean()
    assert_allclose(boundary.quadratic, a * np.eye(2), atol=1e-12)
    centre = -boundary.linear / (2 * a)
    return centre, centre @ centre - boundary.constant / a


# Over 20 seeds at these sizes the centre deviates by at most 0.06 (std 0.013)
# and radius^2 by at most 0.39 (std 0.14); the tolerances are about 5 std.
CENTRE_TOL, RADIUS2_TOL = 0.07, 0.7


def test_homework_c_unequal_sigmas_gives_circle_radius2_10_plus_4ln2():
    # ln f1/f2 = ln(s2^2/s1^2) - [(x-1)^2 + (y-2)^2]/2 + (x^2 + y^2)/4 with
    # ln(s2^2/s1^2) = ln 2 (the normalising constants 1/(2 pi s^2) the seed drops).
    # Times -4: x^2 + y^2 - 4x - 8y + 10 - 4 ln 2 = 0, i.e.
    # (x-2)^2 + (y-4)^2 = 10 + 4 ln 2 with class 1 inside.
    X, y = _homework_data((100_000, 100_000), (1.0, np.sqrt(2.0)))
    clf = GaussianBayesClassifier(covariance_type="spherical").fit(X, y)
    boundary = clf.decision_boundary()
    centre, radius2 = _circle(boundary)
    assert_allclose(centre, [2.0, 4.0], atol=CENTRE_TOL)
    assert abs(radius2 - (10 + 4 * np.log(2))) < RADIUS2_TOL
    assert abs(radius2 - 10) > 2  # the seed's radius^2 = 10 is rejected
    assert boundary([[2.0, 4.0]])[0] < 0  # class 1 (classes_[0]) inside
    assert_array_equal(clf.predict([[2.0, 4.0], [2.0, 4.0 + 3.8], [2.0, 4.0 - 3.3]]),
                       [1, 2, 1])


def test_homework_e_priors_one_third_gives_circle_radius2_10():
    # Decide class 1 iff ln f1/f2 > ln(p2/p1) = ln 2: the ln 2 of the
    # normalising constants cancels and (x-2)^2 + (y-4)^2 = 10.
    X, y = _homework_data((70_000, 140_000), (1.0, np.sqrt(2.0)))
    clf = GaussianBayesClassifier(covariance_type="spherical").fit(X, y)
    assert_allclose(clf.class_prior_, [1 / 3, 2 / 3])
    centre, radius2 = _circle(clf.decision_boundary())
    assert_allclose(centre, [2.0, 4.0], atol=CENTRE_TOL)
    assert abs(radius2 - 10) < RADIUS2_TOL
    # Same data, priors given explicitly: the same boundary.
    explicit = GaussianBayesClassifier(covariance_type="spherical", priors=[1 / 3, 2 / 3])
    assert_allclose(explicit.fit(X, y).decision_boundary().constant,
                    clf.decision_boundary().constant, rtol=1e-12)


def test_homework_full_covariances_agree_with_the_analytic_circle():
    # 'full' estimates the (unknown to it) zero correlations and unequal
    # variances: a looser tolerance on the circle's parameters.
    X, y = _homework_data((100_000, 100_000), (1.0, np.sqrt(2.0)), seed=1)
    boundary = GaussianBayesClassifier().fit(X, y).decision_boundary()
    A = boundary.quadratic
    assert_allclose(A, 0.25 * np.eye(2), atol=0.01)
    centre = np.linalg.solve(-2 * A, boundary.linear)
    assert_allclose(centre, [2.0, 4.0], atol=0.15)
    assert abs(centre @ A @ centre - boundary.constant - 0.25 * (10 + 4 * np.log(2))) < 0.3


# --- partial_fit, sample weights, dtypes ----------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_partial_fit_over_chunks_equals_fit(covariance_type):
    X, y = _three_classes()
    X = X + 100.0  # far from the origin: a naive one-pass formula would lose digits
    w = np.random.RandomState(1).uniform(0.1, 3.0, size=len(y))
    order = np.random.RandomState(2).permutation(len(y))
    X, y, w = X[order], y[order], w[order]
    whole = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y, sample_weight=w)
    chunked = GaussianBayesClassifier(covariance_type=covariance_type)
    # Uneven chunks; the first holds only class 0 and 1 samples.
    first = np.flatnonzero(y != 2)[:20]
    rest = np.setdiff1d(np.arange(len(y)), first)
    chunked.partial_fit(X[first], y[first], classes=[0, 1, 2], sample_weight=w[first])
    assert_array_equal(chunked.predict_proba(X)[:, 2], 0.0)  # unseen class: never decided
    for part in np.array_split(rest, [7, 50, 51, 120]):
        chunked.partial_fit(X[part], y[part], sample_weight=w[part])
    for name in ("class_count_", "class_prior_", "means_", "covariances_", "epsilon_"):
        assert_allclose(getattr(chunked, name), getattr(whole, name), rtol=1e-10, err_msg=name)
    assert_allclose(chunked.predict_log_proba(X), whole.predict_log_proba(X),
                    rtol=1e-9, atol=1e-9)


def test_partial_fit_classes_are_checked():
    X, y = _three_classes()
    clf = GaussianBayesClassifier()
    with pytest.raises(ValueError, match="first call"):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="differ"):
        clf.partial_fit(X, y, classes=[0, 1, 3])


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_integer_sample_weight_equals_repetition(covariance_type):
    X, y = _three_classes()
    w = np.random.RandomState(6).randint(0, 4, size=len(y))
    weighted = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y, sample_weight=w)
    repeated = GaussianBayesClassifier(covariance_type=covariance_type).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w))
    for name in ("class_count_", "class_prior_", "means_", "covariances_", "epsilon_"):
        assert_allclose(getattr(weighted, name), getattr(repeated, name), rtol=1e-10,
                        err_msg=name)
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_stays_float32(covariance_type):
    X, y = _three_classes()
    y = y % 2  # binary, so decision_function is the log-ratio
    clf32 = GaussianBayesClassifier(covariance_type=covariance_type).fit(X.astype(np.float32), y)
    clf64 = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)
    assert clf32.means_.dtype == clf32.covariances_.dtype == np.float32
    X32 = X.astype(np.float32)
    for method in ("predict_proba", "predict_log_proba", "predict_joint_log_proba",
                   "predict_risk", "decision_function"):
        out32, out64 = getattr(clf32, method)(X32), getattr(clf64, method)(X)
        assert out32.dtype == np.float32, method
        scale = np.abs(out64).max()
        assert_allclose(out32, out64, rtol=1e-3, atol=1e-4 * scale, err_msg=method)
    assert_allclose(clf32.covariances_, clf64.covariances_, rtol=1e-5)


def test_big_endian_float32_is_fitted_in_float32():
    X, y = _three_classes()
    native = X.astype(np.float32)
    swapped = X.astype(">f4" if np.little_endian else "<f4")  # the other byte order
    clf = GaussianBayesClassifier().fit(swapped, y)
    reference = GaussianBayesClassifier().fit(native, y)
    assert clf.means_.dtype == clf.covariances_.dtype == np.float32
    assert_array_equal(clf.covariances_, reference.covariances_)
    proba = clf.predict_proba(swapped)
    assert proba.dtype == np.float32
    assert_array_equal(proba, reference.predict_proba(native))
    streamed = GaussianBayesClassifier().partial_fit(swapped, y, classes=[0, 1, 2])
    assert streamed.means_.dtype == np.float32


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_float32_collinear_features_fit_as_float64_does(covariance_type):
    # 6 features of rank 4: the default var_smoothing makes the covariances
    # positive definite in float64, and must do so for the same data in float32
    X, y = make_classification(n_samples=200, n_features=6, random_state=42)
    clf64 = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)
    clf32 = GaussianBayesClassifier(covariance_type=covariance_type).fit(
        X.astype(np.float32), y)
    assert clf32.means_.dtype == np.float32
    assert clf32.score(X.astype(np.float32), y) == clf64.score(X, y)
    if covariance_type == "tied":
        lda = LinearDiscriminantAnalysis().fit(X.astype(np.float32), y)
        assert clf32.score(X.astype(np.float32), y) == lda.score(X, y) == 0.88
    assert np.mean(clf32.predict(X.astype(np.float32)) == clf64.predict(X)) >= 0.99


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_class_prior_stays_float32_as_gaussian_nb(covariance_type):
    X, y = _three_classes()
    X32 = X.astype(np.float32)
    clf = GaussianBayesClassifier(covariance_type=covariance_type).fit(X32, y)
    nb = GaussianNB().fit(X32, y)
    assert clf.class_prior_.dtype == nb.class_prior_.dtype == np.float32
    assert_allclose(clf.class_prior_, nb.class_prior_, rtol=1e-7)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_partial_fit_row_by_row_equals_fit(covariance_type):
    X, y = _three_classes()
    order = np.random.RandomState(3).permutation(len(y))
    X, y = X[order], y[order]
    streamed = GaussianBayesClassifier(covariance_type=covariance_type)
    streamed.partial_fit(X[:1], y[:1], classes=[0, 1, 2])
    # one row has no variance, so no density yet: not fitted, statistics kept
    with pytest.raises(NotFittedError):
        streamed.predict(X)
    for n in range(1, len(y)):
        streamed.partial_fit(X[n:n + 1], y[n:n + 1])
    whole = GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)
    for name in ("class_count_", "class_prior_", "means_", "covariances_", "epsilon_"):
        assert_allclose(getattr(streamed, name), getattr(whole, name), rtol=1e-10,
                        err_msg=name)
    assert_array_equal(streamed.predict(X), whole.predict(X))


def test_tied_with_priors_pools_by_class_weights_not_by_priors():
    # 'tied' + 'auto' is LDA's lsqr model while priors is None; with priors,
    # the pooled covariance stays the class-weight one, LDA's is by priors
    X, y = _three_classes()
    priors = np.array([0.6, 0.3, 0.1])
    clf = GaussianBayesClassifier(covariance_type="tied", shrinkage="auto",
                                  var_smoothing=0, priors=priors).fit(X, y)
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    assert_allclose(clf.covariances_, lda.fit(X, y).covariance_, rtol=1e-10)
    by_priors = lda.set_params(priors=priors).fit(X, y).covariance_
    assert not np.allclose(clf.covariances_, by_priors, rtol=1e-3)


# --- numerical safety and validation --------------------------------------------


def test_predict_proba_is_finite_far_away_and_overflow_is_an_error():
    X, y = _three_classes()
    clf = GaussianBayesClassifier().fit(X, y)
    far = np.array([[1e6, -1e6, 1e6], [-3e7, 0.0, 0.0], [1e-300, 0.0, 5e5]])
    proba = clf.predict_proba(far)
    assert np.all(np.isfinite(proba))
    assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(np.isfinite(clf.predict_log_proba(far)) | (proba == 0))
    with pytest.raises(ValueError, match="overflow"):
        clf.predict_proba([[1e200, 0.0, 0.0]])


def test_zero_prior_class_is_never_decided():
    X, y = _three_classes()
    clf = GaussianBayesClassifier(priors=[0.5, 0.0, 0.5]).fit(X, y)
    proba = clf.predict_proba(X)
    assert_array_equal(proba[:, 1], 0.0)
    assert not np.any(np.isnan(clf.predict_log_proba(X)))
    assert not np.any(clf.predict(X) == 1)


@pytest.mark.parametrize("params, match", [
    ({"cost_matrix": [[0, 1], [1, 0]]}, r"shape \(n_classes, n_classes\)"),
    ({"cost_matrix": [[0, 1, 1], [1, 0, 1], [1, 1, np.inf]]}, "finite"),
    ({"cost_matrix": [[0, 1, 1], [1, 0, 1], [0, 1, 0]]}, r"cost_matrix\[2, 0\]"),
    ({"cost_matrix": [[2, 1, 1], [1.5, 0, 1], [3, 1, 0]]}, r"cost_matrix\[1, 0\]"),
    ({"priors": [0.5, 0.5]}, "one value per class"),
    ({"priors": [0.5, 0.6, -0.1]}, "non-negative"),
    ({"priors": [0.5, 0.3, 0.3]}, "sum to 1"),
    ({"priors": [0.5, np.nan, 0.5]}, "finite"),
])
def test_invalid_costs_and_priors_raise_and_leave_no_model(params, match):
    X, y = _three_classes()
    clf = GaussianBayesClassifier(**params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert not hasattr(clf, "n_features_in_")


def test_fit_needs_two_classes_and_some_weight():
    X, y = _three_classes()
    with pytest.raises(ValueError, match="at least 2 classes"):
        GaussianBayesClassifier().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="at least one non-zero"):
        GaussianBayesClassifier().fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_class_of_zero_total_weight_is_fitted_and_never_decided(covariance_type):
    # scikit-learn's GaussianNB fits this (its regression test for a division
    # by zero when one class alone has weight); so does partial_fit.
    X, y = _three_classes()
    y = y % 2
    weight = (y == 1).astype(np.float64)
    clf = GaussianBayesClassifier(covariance_type=covariance_type).fit(
        X, y, sample_weight=weight)
    assert_array_equal(clf.class_count_, [0.0, weight.sum()])
    assert_array_equal(clf.class_prior_, [0.0, 1.0])
    assert_array_equal(clf.predict_proba(X), np.c_[np.zeros(len(y)), np.ones(len(y))])
    assert_array_equal(clf.predict(X), 1)
    nb = GaussianNB().fit(X, y, sample_weight=weight)
    with np.errstate(divide="ignore"):  # GaussianNB's ln 0 of the empty class
        assert_array_equal(clf.predict(X), nb.predict(X))
    streamed = GaussianBayesClassifier(covariance_type=covariance_type).partial_fit(
        X, y, classes=[0, 1], sample_weight=weight)
    assert_allclose(streamed.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
def test_singular_covariance_is_a_linalg_error(covariance_type):
    X, y = _three_classes()
    X[:, 2] = 1.0  # a constant feature: singular without smoothing
    clf = GaussianBayesClassifier(covariance_type=covariance_type, var_smoothing=0.0)
    # numpy's LinAlgError (a ValueError) as QuadraticDiscriminantAnalysis raises
    with pytest.raises(np.linalg.LinAlgError, match="increase var_smoothing"):
        clf.fit(X, y)
    assert not hasattr(clf, "n_features_in_")
    GaussianBayesClassifier(covariance_type=covariance_type).fit(X, y)  # the default copes


@pytest.mark.parametrize("covariance_type, n_other, seed", [("full", 10, 6),
                                                            ("tied", 2, 2)])
def test_rank_deficient_class_without_smoothing_is_an_error_naming_it(covariance_type,
                                                                      n_other, seed):
    # 3 samples in 4 dimensions: a covariance of rank 2 ('tied' with 2 more:
    # rank 3). Cholesky passes on these draws with a pivot near 1e-17 (an
    # eigenvalue near -1e-16), whose log-densities are meaningless; QDA
    # refuses such a class, and so do we.
    rng = np.random.RandomState(seed)
    X = np.r_[rng.normal(size=(3, 4)), rng.normal(size=(n_other, 4)) + 2]
    y = np.repeat(["few", "other"], [3, n_other])
    clf = GaussianBayesClassifier(covariance_type=covariance_type, var_smoothing=0)
    name = "the tied covariance" if covariance_type == "tied" else \
        "the covariance of class 'few'"
    with pytest.raises(ValueError, match=f"{name} is singular to working precision .*"
                                         "increase var_smoothing .* or set shrinkage"):
        clf.fit(X, y)
    assert not hasattr(clf, "n_features_in_")
    # the remedies work
    for remedy in ({"var_smoothing": 1e-6}, {"shrinkage": 0.5}):
        fitted = clone(clf).set_params(**remedy).fit(X, y)
        assert np.all(np.isfinite(fitted.predict_joint_log_proba(X)))


def test_zero_prior_binary_decision_function_is_finite_and_ranks():
    # Before: -inf everywhere, which roc_auc_score rejects.
    X, y = _binary()
    for priors, decided in (([0.0, 1.0], "pos"), ([1.0, 0.0], "neg")):
        clf = GaussianBayesClassifier(priors=priors).fit(X, y)
        scores = clf.decision_function(X)
        assert np.all(np.isfinite(scores))
        assert np.all(clf.predict(X) == decided)
        assert np.array_equal(scores > 0, clf.predict(X) == "pos")
        assert roc_auc_score(y, scores) == 0.5  # a constant score ranks nothing


@pytest.mark.parametrize("old, new", [("full", "diag"), ("diag", "full"), ("tied", "full"),
                                      ("tied", "spherical"), ("full", "tied")])
def test_partial_fit_refuses_a_change_of_covariance_type(old, new):
    # The kept statistics are those of the old type: merging them with the
    # new type's gave covariances_ of shape (3, 3, 3) for 'diag', or wrong
    # covariances silently.
    X, y = _three_classes()
    clf = GaussianBayesClassifier(covariance_type=old)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    covariances = clf.covariances_.copy()
    clf.set_params(covariance_type=new)
    with pytest.raises(ValueError, match=f"covariance_type changed from '{old}' to '{new}' "
                                         "between calls to partial_fit.*fit again"):
        clf.partial_fit(X[100:], y[100:])
    assert_array_equal(clf.covariances_, covariances)
    assert_array_equal(clf.set_params(covariance_type=new).fit(X, y).covariances_,
                       GaussianBayesClassifier(covariance_type=new).fit(X, y).covariances_)


def test_predictions_follow_the_fitted_covariance_type_not_a_later_set_params():
    X, y = _three_classes()
    clf = GaussianBayesClassifier().fit(X, y)
    proba = clf.predict_proba(X)
    clf.set_params(covariance_type="diag")
    assert_array_equal(clf.predict_proba(X), proba)


# ---------------------------------------------------------------------------
# Shrinkage (Ledoit-Wolf or fixed)
# ---------------------------------------------------------------------------


def _standardised_ledoit_wolf(X):
    """scikit-learn's shrinkage='auto' covariance of X and its shrinkage:
    Ledoit-Wolf of the standardised features, scaled back."""
    from sklearn.covariance import ledoit_wolf
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    cov, shrinkage = ledoit_wolf(scaler.transform(X))
    return scaler.scale_[:, None] * cov * scaler.scale_[None, :], shrinkage


def _unequal_scales():
    """_three_classes with features of very different scales (where
    standardising matters) and one feature constant in class 0."""
    X, y = _three_classes()
    X = X * [1.0, 30.0, 0.05]
    X[y == 0, 2] = 4.0
    return X, y


def test_shrinkage_auto_is_scikit_learns_standardised_ledoit_wolf_per_class():
    X, y = _unequal_scales()
    clf = GaussianBayesClassifier(shrinkage="auto", var_smoothing=0).fit(X, y)
    for k in range(3):
        cov, shrinkage = _standardised_ledoit_wolf(X[y == k])
        assert clf.shrinkage_[k] == pytest.approx(shrinkage, rel=1e-12)
        assert_allclose(clf.covariances_[k], cov, rtol=1e-12, atol=1e-14)


def test_tied_shrinkage_auto_is_linear_discriminant_analysis():
    # Each class shrunk by its own standardised Ledoit-Wolf, then pooled:
    # LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto') (before,
    # Ledoit-Wolf of the raw pooled residuals: covariances off by up to 0.09,
    # probabilities by up to 0.65 on such data).
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = _unequal_scales()
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)
    clf = GaussianBayesClassifier(covariance_type="tied", shrinkage="auto",
                                  var_smoothing=0).fit(X, y)
    assert_allclose(clf.covariances_, lda.covariance_, rtol=1e-12,
                    atol=1e-14 * np.abs(lda.covariance_).max())
    assert_allclose(clf.predict_proba(X), lda.predict_proba(X), atol=1e-10)
    full = GaussianBayesClassifier(shrinkage="auto", var_smoothing=0).fit(X, y)
    assert_allclose(clf.shrinkage_, full.shrinkage_, rtol=1e-12)
    # float32 X: the moment products run in float32, accumulated in float64
    single = GaussianBayesClassifier(covariance_type="tied", shrinkage="auto",
                                     var_smoothing=0).fit(X.astype(np.float32), y)
    assert single.covariances_.dtype == np.float32
    assert_allclose(single.shrinkage_, full.shrinkage_, rtol=1e-4)
    assert_allclose(single.covariances_, lda.covariance_, rtol=1e-4,
                    atol=1e-5 * np.abs(lda.covariance_).max())


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_fixed_shrinkage_and_epsilon_by_hand(covariance_type):
    X, y = _three_classes()
    a, vs = 0.3, 1e-3
    clf = GaussianBayesClassifier(covariance_type=covariance_type, shrinkage=a,
                                  var_smoothing=vs).fit(X, y)
    epsilon = vs * X.var(axis=0).max()
    assert clf.epsilon_ == pytest.approx(epsilon, rel=1e-12)
    ref = _reference_covariances(X, y, covariance_type, var_smoothing=0)
    ref = np.atleast_3d(ref) if covariance_type == "full" else ref[None]
    for got, sigma in zip(np.reshape(clf.covariances_, ref.shape), ref):
        expected = (1 - a) * sigma + (a * np.trace(sigma) / 3 + epsilon) * np.eye(3)
        assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_shrinkage_auto_partial_fit_is_exact(covariance_type):
    X, y = _three_classes()
    w = np.random.RandomState(1).uniform(0.2, 3.0, len(y))
    whole = GaussianBayesClassifier(covariance_type=covariance_type,
                                    shrinkage="auto").fit(X, y, sample_weight=w)
    chunks = GaussianBayesClassifier(covariance_type=covariance_type, shrinkage="auto")
    for rows in np.array_split(np.random.RandomState(0).permutation(len(y)), 5):
        chunks.partial_fit(X[rows], y[rows], classes=[0, 1, 2], sample_weight=w[rows])
    assert_allclose(chunks.shrinkage_, whole.shrinkage_, rtol=1e-10)
    assert_allclose(chunks.covariances_, whole.covariances_, rtol=1e-10, atol=1e-12)
    # integer weights are repetitions, as in ledoit_wolf on the repeated rows
    reps = np.random.RandomState(2).randint(1, 4, len(y))
    weighted = GaussianBayesClassifier(covariance_type=covariance_type,
                                       shrinkage="auto").fit(X, y, sample_weight=reps)
    repeated = GaussianBayesClassifier(covariance_type=covariance_type,
                                       shrinkage="auto").fit(np.repeat(X, reps, axis=0),
                                                             np.repeat(y, reps))
    assert_allclose(weighted.shrinkage_, repeated.shrinkage_, rtol=1e-10)


@pytest.mark.parametrize("covariance_type", ["diag", "spherical"])
def test_shrinkage_needs_full_or_tied(covariance_type):
    X, y = _three_classes()
    clf = GaussianBayesClassifier(covariance_type=covariance_type, shrinkage="auto")
    with pytest.raises(ValueError, match="shrinkage='auto' applies to covariance_type"):
        clf.fit(X, y)
    assert not hasattr(clf, "means_")


def test_shrinkage_regularises_few_samples_in_many_dimensions():
    # 30 samples per class in 40 dimensions: the plug-in covariance is singular
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (30, 40)), rng.normal(0.6, 1, (30, 40))])
    y = np.repeat([0, 1], 30)
    X_test = np.vstack([rng.normal(0, 1, (200, 40)), rng.normal(0.6, 1, (200, 40))])
    y_test = np.repeat([0, 1], 200)
    plain = GaussianBayesClassifier(var_smoothing=1e-6).fit(X, y).score(X_test, y_test)
    shrunk = GaussianBayesClassifier(shrinkage="auto").fit(X, y).score(X_test, y_test)
    assert shrunk > plain + 0.2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scaling_by_a_power_of_two_is_ldexp(dtype):
    # The fast product must round exactly as np.ldexp, subnormal results and
    # factors beyond the dtype's range included.
    from skmlp._bayes import _times_power_of_two

    info = np.finfo(dtype)
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(500) * 2.0 ** rng.integers(-20, 20, 500)).astype(dtype)
    a[:3] = [0.0, info.smallest_subnormal, info.max]
    lowest = info.minexp - info.nmant
    for exponent in (-3, 0, 5, lowest - 1, lowest, lowest + 30, info.minexp,
                     info.maxexp - 1, info.maxexp, -info.maxexp):
        with np.errstate(over="ignore", under="ignore"):
            expected = np.ldexp(a, exponent)
            got = _times_power_of_two(a, exponent)
            out = np.empty_like(a)
            _times_power_of_two(a, exponent, out=out)
            wide = _times_power_of_two(a, exponent, dtype=np.float64)
            wide_expected = np.ldexp(a, exponent, dtype=np.float64)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, expected, err_msg=str(exponent))
        np.testing.assert_array_equal(out, expected, err_msg=str(exponent))
        np.testing.assert_array_equal(wide, wide_expected, err_msg=str(exponent))


# --- the reject option: the boundaries of the doubt region ------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_doubt_region_lies_between_two_printable_boundaries(covariance_type):
    X, y = _binary()
    lam = 0.2
    clf = GaussianBayesClassifier(covariance_type=covariance_type, reject_cost=lam,
                                  reject_label="doubt").fit(X, y)
    between = clf.decision_boundary()
    lower = clf.decision_boundary(("neg", "doubt"))  # > 0: doubt preferred to 'neg'
    upper = clf.decision_boundary(("doubt", "pos"))  # > 0: 'pos' preferred to doubt
    # 0-1 costs: the log posterior ratio s(x) against ln(lambda / (1 - lambda))
    # and ln((1 - lambda) / lambda); the boundaries share A and b with s
    threshold = np.log((1 - lam) / lam)
    for boundary, shift in ((lower, threshold), (upper, -threshold)):
        assert_allclose(boundary.quadratic, between.quadratic)
        assert_allclose(boundary.linear, between.linear)
        assert_allclose(boundary.constant, between.constant + shift, rtol=1e-12)
    assert lower.classes == ("neg", "doubt") and str(lower).endswith(" = 0")
    rows = X + np.random.RandomState(5).normal(scale=0.5, size=X.shape)
    predicted = clf.predict(rows)
    doubt = (lower(rows) > 0) & (upper(rows) < 0)
    assert_array_equal(predicted == "doubt", doubt)
    assert 0 < doubt.mean() < 1
    assert_array_equal(predicted[~doubt], np.where(between(rows[~doubt]) > 0, "pos", "neg"))


def test_doubt_boundary_errors_name_the_reason():
    X, y = _three_classes()
    clf = GaussianBayesClassifier(reject_cost=0.2).fit(X, y)
    with pytest.raises(ValueError, match="not a quadric"):  # three classes' posteriors
        clf.decision_boundary((0, -1))
    Xb, yb = _binary()
    never = GaussianBayesClassifier(reject_cost=[0.0, 2.0], reject_label="?").fit(Xb, yb)
    with pytest.raises(ValueError, match="no decision boundary between 'neg' and '\\?': "
                                         "'neg' costs no more than '\\?' whatever the true"):
        never.decision_boundary(("neg", "?"))
    with pytest.raises(ValueError, match=r"'maybe' is not one of classes_ \['neg', 'pos'\]"):
        GaussianBayesClassifier().fit(Xb, yb).decision_boundary(("neg", "maybe"))
