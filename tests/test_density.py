"""DensityBayesClassifier: learned and known densities, zero densities, the discs."""

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm, uniform
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from skmlp import DensityBayesClassifier, GaussianBayesClassifier
from skmlp.datasets import UniformDisc, make_gaussian_classes, make_uniform_discs


def test_kernel_density_posteriors_by_hand():
    X = np.array([[0.0], [0.4], [1.0], [2.0], [2.5]])
    y = np.array([0, 0, 0, 1, 1])
    h = 0.7
    clf = DensityBayesClassifier(KernelDensity(bandwidth=h)).fit(X, y)
    x = np.linspace(-1, 4, 11)
    # f_k(x) = mean_i N(x; x_i, h^2); p_0 = 3/5, p_1 = 2/5
    f0 = norm.pdf(x[:, None], X[:3, 0], h).mean(axis=1)
    f1 = norm.pdf(x[:, None], X[3:, 0], h).mean(axis=1)
    joint = np.c_[0.6 * f0, 0.4 * f1]
    np.testing.assert_allclose(clf.predict_proba(x[:, None]),
                               joint / joint.sum(axis=1, keepdims=True), rtol=1e-10)
    np.testing.assert_allclose(clf.predict_joint_log_proba(x[:, None]), np.log(joint),
                               rtol=1e-10)
    assert [d.bandwidth for d in clf.densities_] == [h, h]


def test_default_density_is_a_scott_kernel_density_per_class():
    X, y = make_gaussian_classes((60, 40), random_state=0)
    clf = DensityBayesClassifier().fit(X, y)
    for k, dens in enumerate(clf.densities_):
        ref = KernelDensity(bandwidth="scott").fit(X[y == clf.classes_[k]])
        np.testing.assert_allclose(dens.score_samples(X), ref.score_samples(X))


def test_gaussian_mixture_of_one_is_the_gaussian_plug_in():
    X, y = make_gaussian_classes((150, 100), sigmas=(1.0, 1.5), random_state=1)
    X = X @ np.array([[1.0, 0.3], [0.0, 0.8]])  # correlated features
    reg = 1e-3
    clf = DensityBayesClassifier(GaussianMixture(n_components=1, reg_covar=reg)).fit(X, y)
    # by hand: ML mean and covariance (divide by n) plus reg on the diagonal
    pts = np.random.default_rng(0).normal(size=(40, 2)) * 2
    joint = np.column_stack([
        np.mean(y == c) * multivariate_normal(X[y == c].mean(axis=0),
                                              np.cov(X[y == c].T, bias=True)
                                              + reg * np.eye(2)).pdf(pts)
        for c in (1, 2)])
    expected = joint / joint.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(pts), expected, rtol=1e-8)
    # GaussianBayesClassifier adds var_smoothing * (largest feature variance)
    gauss = GaussianBayesClassifier(var_smoothing=reg / X.var(axis=0).max()).fit(X, y)
    np.testing.assert_allclose(gauss.predict_proba(pts), expected, rtol=1e-8)


def test_zero_densities_give_the_priors_without_warnings():
    dists = [uniform(0, 1), uniform(2, 1)]  # supports [0, 1] and [2, 3]
    X = np.array([[0.5], [0.2], [2.5]])
    y = np.array(["a", "a", "b"])
    x = np.array([[0.5], [2.5], [1.5], [-4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = DensityBayesClassifier(dists, priors=[0.3, 0.7]).fit(X, y)
        proba = clf.predict_proba(x)
        log_proba = clf.predict_log_proba(x)
        decision = clf.decision_function(x)
        pred = clf.predict(x)
    np.testing.assert_allclose(proba, [[1, 0], [0, 1], [0.3, 0.7], [0.3, 0.7]], rtol=1e-15)
    assert np.all(np.isfinite(decision))
    assert log_proba[0, 1] == -np.inf
    np.testing.assert_array_equal(pred, ["a", "b", "b", "b"])
    # with the frequencies as priors (2/3, 1/3), no mass anywhere decides "a"
    assert DensityBayesClassifier(dists).fit(X, y).predict([[1.5]])[0] == "a"


def test_known_densities_with_costs_and_float32():
    dists = [multivariate_normal([0, 0]), multivariate_normal([2, 0])]
    X = np.array([[0.0, 0.0], [2.0, 0.0]], dtype=np.float32)
    y = np.array([0, 1])
    clf = DensityBayesClassifier(dists, cost_matrix=[[0, 3], [1, 0]]).fit(X, y)
    x = np.array([[0.5, 0.0], [1.0, 0.0], [1.5, 0.0]], dtype=np.float32)
    proba = clf.predict_proba(x)
    assert proba.dtype == np.float32
    f0, f1 = dists[0].pdf(x), dists[1].pdf(x)
    np.testing.assert_allclose(proba[:, 1], f1 / (f0 + f1), rtol=1e-6)
    np.testing.assert_allclose(clf.predict_risk(x), proba @ clf.cost_matrix_.T, rtol=1e-6)
    # decide 1 iff 3 P(1|x) > P(0|x): ln f1/f0 = 2x - 2 > -ln 3
    np.testing.assert_array_equal(clf.predict(x), (2 * x[:, 0] - 2 > -np.log(3)).astype(int))


# ---------------------------------------------------------------------------
# The homework's part (g): uniform discs, exact decision regions
# ---------------------------------------------------------------------------

def _regions(sigma2, sizes):
    """Fitted classifier and random test points with their disc memberships."""
    X, y = make_uniform_discs(sizes, sigmas=(1.0, sigma2), random_state=0)
    discs = [UniformDisc((1, 2), 1.0), UniformDisc((0, 0), sigma2)]
    clf = DensityBayesClassifier(discs).fit(X, y)
    pts = np.random.default_rng(0).uniform(-3.0, 4.0, size=(4000, 2))
    in1 = ((pts - [1, 2]) ** 2).sum(axis=1) < 2
    in2 = (pts**2).sum(axis=1) < 2 * sigma2**2
    assert np.any(in1 & in2) and np.any(~in1 & ~in2)
    return clf, pts, in1, in2


@pytest.mark.parametrize("part, sigma2, sizes, overlap_proba, overlap_class, outside_class", [
    ("a", 1.0, (500, 500), 0.5, 1, 1),             # tie on the overlap and outside
    ("c", np.sqrt(2), (500, 500), 2 / 3, 1, 1),    # class 1 takes its whole disc
    ("e", np.sqrt(2), (700, 1400), 0.5, 1, 2),     # tie on the overlap; prior 2/3 outside
])
def test_homework_g_decision_regions_exactly(part, sigma2, sizes, overlap_proba,
                                             overlap_class, outside_class):
    clf, pts, in1, in2 = _regions(sigma2, sizes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(pts)
        pred = clf.predict(pts)
    only1, only2, both, neither = in1 & ~in2, in2 & ~in1, in1 & in2, ~in1 & ~in2
    expected = np.select([only1, only2, both], [1, 2, overlap_class], outside_class)
    np.testing.assert_array_equal(pred, expected)
    # P(C1 | x) on the overlap: p1 k1 / (p1 k1 + p2 k2) with k_j = 1 / (2 pi sigma_j^2)
    np.testing.assert_allclose(proba[both, 0], overlap_proba, rtol=1e-12)
    np.testing.assert_allclose(proba[neither], np.broadcast_to(clf.class_prior_,
                                                               proba[neither].shape))
    np.testing.assert_array_equal(proba[only1], np.broadcast_to([1.0, 0.0],
                                                                proba[only1].shape))
    if part != "c":  # an exact tie: the risks are equal, the first class is decided
        risk = clf.predict_risk(pts[both])
        np.testing.assert_array_equal(risk[:, 0], risk[:, 1])


@pytest.mark.parametrize("density, message", [
    ([norm(0, 1)], r"density must be .* got 1 densities for 2 classes"),
    ([norm(0, 1), norm(1, 1), norm(2, 1)], "got 3 densities for 2 classes"),
    ([norm(0, 1), object()], r"density\[1\] \(object\) has no logpdf"),
], ids=["too-few", "too-many", "no-logpdf"])
def test_bad_density_list_is_a_value_error_naming_it(density, message):
    clf = DensityBayesClassifier(density)
    with pytest.raises(ValueError, match=message):
        clf.fit(np.array([[0.0], [1.0]]), [0, 1])
    assert not hasattr(clf, "classes_")


def test_density_without_sample_weight_needs_equal_weights():
    X, y = make_gaussian_classes((30, 30), random_state=0)
    clf = DensityBayesClassifier(GaussianMixture(n_components=1))
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        clf.fit(X, y, sample_weight=np.r_[np.ones(30), 2 * np.ones(30)][np.argsort(y)])
    w = np.where(np.arange(60) % 3, 2.0, 0.0)  # equal weights after dropping zeros
    fitted = clf.fit(X, y, sample_weight=w)
    ref = DensityBayesClassifier(GaussianMixture(n_components=1)).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(fitted.predict_proba(X), ref.predict_proba(X))


@pytest.mark.parametrize("rule", ["scott", "silverman"])
def test_rule_of_thumb_bandwidth_with_less_than_one_sample_of_weight_is_an_error(rule):
    # Weights count samples (scikit-learn's estimator checks hold an integer
    # weight equal to the sample repeated), so weights of 1e-300 are 1e-298
    # samples in all: before, a bandwidth of 5e59 and the priors everywhere.
    X, y = make_gaussian_classes((60, 40), random_state=0)
    clf = DensityBayesClassifier(KernelDensity(bandwidth=rule))
    for weights in (np.full(len(y), 1e-300), np.full(len(y), 1 / len(y))):
        with pytest.raises(ValueError, match=r"the sample weights of class 1 sum to .*, "
                                             "less than one sample: the '"
                                             f"{rule}' bandwidth counts weights as samples"):
            clf.fit(X, y, sample_weight=weights)
        assert not hasattr(clf, "classes_")
    # a numeric bandwidth has no such rule: weights of any scale work
    fixed = DensityBayesClassifier(KernelDensity(bandwidth=0.5))
    tiny = fixed.fit(X, y, sample_weight=np.full(len(y), 1e-300)).predict_proba(X)
    np.testing.assert_allclose(tiny, clone(fixed).fit(X, y).predict_proba(X), rtol=1e-12)


def test_rule_of_thumb_bandwidth_counts_integer_weights_as_repetitions():
    X, y = make_gaussian_classes((30, 20), random_state=0)
    reps = np.random.RandomState(0).randint(1, 4, len(y))
    weighted = DensityBayesClassifier().fit(X, y, sample_weight=reps)
    repeated = DensityBayesClassifier().fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-10)


class _ComplexDensity:
    """logpdf returns complex numbers (their real part is a normal log-density)."""

    def logpdf(self, X):
        return norm(0, 1).logpdf(np.asarray(X)[:, 0]) + 1j


def test_known_density_with_complex_log_densities_is_an_error():
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    clf = DensityBayesClassifier([_ComplexDensity(), norm(2, 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's ComplexWarning is not the answer
        with pytest.raises(ValueError, match=r"density\[0\] returned log-densities of "
                                             "dtype complex128; a log-density must be real"):
            clf.fit(X, y)
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("density", [multivariate_normal(np.zeros(3)), norm(0, 1)])
def test_known_density_of_another_dimension_is_an_error_at_fit(density):
    X, y = load_iris(return_X_y=True)  # 4 features
    clf = DensityBayesClassifier([density] * 3)
    with pytest.raises(ValueError, match=r"density\[0\] is not a density on the rows of X, "
                                         "which have 4 features .*give densities of X's "
                                         "dimension"):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")
    fitted = DensityBayesClassifier([multivariate_normal(X[y == k].mean(axis=0))
                                     for k in range(3)]).fit(X, y)
    assert fitted.score(X, y) > 0.5
