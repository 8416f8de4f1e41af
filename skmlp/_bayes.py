"""Minimum-risk Bayes decisions with Gaussian class densities.

The Bayes risk with priors p_j and costs c_ij (deciding class i when the
truth is j) is minimised point by point by deciding the class i with the
smallest conditional risk R(i | x) = sum_j c_ij P(j | x). With Gaussian class
densities the posteriors P(j | x) come from the plug-in estimates of the means
and covariances, and the boundary between two decisions is a quadric
x'Ax + b'x + c = 0 (a hyperplane when the classes share one covariance).

Numerics: the class statistics are weight sums, means and weighted scatter
about the means, accumulated in float64 by row blocks (matrix products, no
Python loop over samples, never a float64 copy of the whole X) and merged
with Chan et al.'s stable update, between blocks and between calls of
``partial_fit``. Log-densities go through the
inverse Cholesky factor of each covariance (a triangular matrix product) and
the posteriors through ``logsumexp`` (``skmlp._risk.log_posteriors``).
"""

from numbers import Real

import numpy as np
from scipy import linalg
from scipy.linalg.blas import get_blas_funcs
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import gen_batches
from sklearn.utils._array_api import _is_numpy_namespace, get_namespace_and_device
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._callbacks import CallbackSupportMixin, FitTasks
from ._risk import (
    MinimumRiskMixin,
    PosteriorMixin,
    as_namespace_of,
    check_decision_costs,
    check_input_namespace,
    class_priors,
    labels_at,
    minimum_risk_index,
    move_fitted_arrays,
    on_host,
    to_numpy,
)
from ._utils import all_or_nothing, check_class_labels, float_dtypes

_LOG_2PI = np.log(2.0 * np.pi)


def _block_rows(n_features, covariance_type="full"):
    """Rows per block: about 32 MB of float64 for the matrix products of
    'full' and 'tied'; about 512 kB (cache-resident while it is reused) for
    the elementwise work of 'diag' and 'spherical'."""
    size = 2**22 if covariance_type in ("full", "tied") else 2**16
    return max(16, size // max(n_features, 1))


# ---------------------------------------------------------------------------
# Sufficient statistics: class weight sums, weighted means, weighted scatter
# ---------------------------------------------------------------------------


def _scale_exponent(X):
    """e with max |X| in [2**(e-1), 2**e): X * 2**-e is at most 1 in magnitude."""
    if X.size == 0:
        return 0
    return int(np.frexp(max(X.max(), -X.min()))[1])


def _times_power_of_two(a, exponent, out=None, dtype=None):
    """``np.ldexp(a, exponent, out=out, dtype=dtype)`` at the speed of a product.

    numpy's ldexp calls the C library once per element (about 30 times
    slower than a multiplication, and most of a 'diag' fit). Multiplying by
    2**exponent gives the same correctly rounded result whenever
    2**exponent is itself a float of the result's dtype (subnormal
    included); otherwise ldexp does it.
    """
    dtype = np.dtype(dtype or (out.dtype if out is not None else a.dtype))
    info = np.finfo(dtype)
    if info.minexp - info.nmant <= exponent < info.maxexp:
        return np.multiply(a, np.ldexp(dtype.type(1), exponent), out=out, dtype=dtype)
    return np.ldexp(a, exponent, out=out, dtype=dtype)


def _class_statistics(X, y_index, sample_weight, n_classes, covariance_type):
    """Weight sums W (K,), weighted means mu (K, d) and weighted scatter
    S = sum_n w_n (z_n - mu_k / 2**e)(z_n - mu_k / 2**e)' of z = X * 2**-e,
    all in float64, and the exponent e.

    S is (K, d, d) for 'full', pooled (d, d) for 'tied', and only the
    diagonals (K, d) for 'diag' and 'spherical'. One pass over X: the rows of
    a class are gathered a block at a time (never a float64 copy of all of
    X; 'diag' and 'spherical' blocks of float32 X stay float32), scaled to
    z, each block centred on its own mean (scatter B'B of the sqrt(w) scaled
    block: a symmetric matrix product; for diagonals w'(B*B)) and merged into
    the running class statistics by :func:`_chan_merge`.

    Why z: with |z| <= 1 the squares neither overflow (X near 1e154, or
    float32 X near 1e19) nor underflow (X near 1e-160), and scaling by a
    power of two is exact, so on ordinary data nothing changes: the scatter
    of X is exactly 4**e S wherever that is a float.
    """
    exponent = _scale_exponent(X)
    n_features = X.shape[1]
    weight_sums = np.zeros(n_classes)
    means = np.zeros((n_classes, n_features))
    if covariance_type == "full":
        scatter = np.zeros((n_classes, n_features, n_features))
    elif covariance_type == "tied":
        scatter = np.zeros((n_features, n_features))
    else:
        scatter = np.zeros((n_classes, n_features))
    matrix = covariance_type in ("full", "tied")
    # The elementwise squares of 'diag' and 'spherical' run in X's dtype
    # (float32 stays float32, twice as fast: sums of squares cannot go
    # negative). The scatter matrices run in float64 blocks: float32 products
    # round by about 1e-7 of the variances, more than var_smoothing's 1e-9,
    # and make the covariance of collinear features indefinite where the same
    # data fits in float64.
    work = np.float32 if X.dtype == np.float32 and not matrix else np.float64
    order = np.argsort(y_index, kind="stable")
    ends = np.cumsum(np.bincount(y_index, minlength=n_classes))
    for k in range(n_classes):
        members = order[ends[k - 1] if k else 0 : ends[k]]
        target = scatter if covariance_type == "tied" else scatter[k]
        for batch in gen_batches(len(members), _block_rows(n_features, covariance_type)):
            rows = members[batch]
            w = sample_weight[rows]
            w_block = w.sum()
            if w_block == 0:
                continue
            # X[rows] is a fresh copy (never a float64 copy of all of X); the
            # block sums accumulate into the float64 statistics.
            block = X[rows].astype(work, copy=False)
            _times_power_of_two(block, -exponent, out=block)
            # The weights times 2**-w_exp, at most 1: weights of 1e-300 do not
            # underflow in float32, and the scaling is exact (a constant
            # feature still has a mean of exactly that constant).
            w_exp = int(np.frexp(w_block)[1])
            w = np.ldexp(w, -w_exp).astype(work)
            mu_block = (w @ block) / work(np.ldexp(w_block, -w_exp))
            block -= mu_block
            mu_block = mu_block.astype(np.float64)
            if matrix:
                block *= np.sqrt(w)[:, None]
                target += _times_power_of_two(block.T @ block, w_exp, dtype=np.float64)  # syrk
            else:
                block *= block
                target += _times_power_of_two(w @ block, w_exp, dtype=np.float64)
            weight_sums[k], means[k], coupling, delta = _chan_merge(
                weight_sums[k], means[k], w_block, mu_block
            )
            target += coupling * (np.outer(delta, delta) if matrix else delta**2)
    return weight_sums, np.ldexp(means, exponent), scatter, exponent


def _chan_merge(w_a, mu_a, w_b, mu_b):
    """Chan et al.'s merge of two weighted means (per class, or over classes).

    Returns W = W_a + W_b, mu = mu_a + (W_b / W) delta, and the scatter
    correction's coupling W_a W_b / W and delta = mu_b - mu_a: the merged
    scatter is S_a + S_b + coupling delta delta'. Works on scalar weights with
    (d,) means, or on (K,) weights with (K, d) means; W = 0 gives mu = mu_a.
    """
    weight_sums = np.asarray(w_a + w_b, dtype=np.float64)
    frac_b = np.divide(w_b, weight_sums, out=np.zeros_like(weight_sums),
                       where=weight_sums > 0)
    delta = mu_b - mu_a
    means = mu_a + frac_b[..., None] * delta
    return weight_sums, means, w_a * frac_b, delta


def _merge_statistics(old, new, covariance_type):
    """Merge two sets of (weight_sums, means, scatter, exponent) by :func:`_chan_merge`.

    Both scatters are first brought to the larger of the two exponents.
    """
    (w_a, mu_a, s_a, e_a), (w_b, mu_b, s_b, e_b) = old, new
    exponent = max(e_a, e_b)
    s_a = _times_power_of_two(s_a, 2 * (e_a - exponent))
    s_b = _times_power_of_two(s_b, 2 * (e_b - exponent))
    weight_sums, means, coupling, delta = _chan_merge(
        w_a, np.ldexp(mu_a, -exponent), w_b, np.ldexp(mu_b, -exponent)
    )
    if covariance_type == "full":
        scatter = s_a + s_b + np.einsum("k,ki,kj->kij", coupling, delta, delta)
    elif covariance_type == "tied":
        scatter = s_a + s_b + (coupling[:, None] * delta).T @ delta
    else:
        scatter = s_a + s_b + coupling[:, None] * delta**2
    return weight_sums, np.ldexp(means, exponent), scatter, exponent


# ---------------------------------------------------------------------------
# Ledoit-Wolf shrinkage: what it needs beyond the scatter, streamed exactly
# ---------------------------------------------------------------------------


def _fourth_moments(X, y_index, sample_weight, means, exponent=0):
    """C_k = sum_n w_n (y_n * y_n) y_n' and M_k = sum_n w_n (y_n * y_n)(y_n * y_n)',
    both (K, d, d), y_n = (x_n - mu_k) 2**-exponent about the given class
    means (in the units of the scatter of :func:`_class_statistics`: no
    overflow); y * y is the elementwise square.

    M is what Ledoit-Wolf needs beyond the scatter: the fourth moments of the
    features, which give those of the standardised features once the
    variances are known, at the end (sum_n w_n |u_n|^4 = sum_ij M_ij /
    (s_i^2 s_j^2) for u = y / s). C is what moving the centre of M needs
    (:func:`_shift_fourth`), so that chunks merge exactly. Two matrix
    products per block of rows (M's a symmetric one), in X's dtype as the
    scatter's, accumulated in float64; the weights are scaled by a power of
    two near their block's sum, as there, so that float32 cannot overflow.
    """
    n_classes, n_features = means.shape
    third = np.zeros((n_classes, n_features, n_features))
    fourth = np.zeros((n_classes, n_features, n_features))
    work = np.float32 if X.dtype == np.float32 else np.float64
    for k in range(n_classes):
        members = np.flatnonzero(y_index == k)
        centre = np.ldexp(means[k], -exponent).astype(work)
        for batch in gen_batches(len(members), _block_rows(n_features)):
            rows = members[batch]
            w_block = sample_weight[rows].sum()
            if w_block == 0:
                continue
            w_exp = int(np.frexp(w_block)[1])
            w = np.ldexp(sample_weight[rows], -w_exp).astype(work)[:, None]
            centred = _times_power_of_two(X[rows], -exponent, dtype=work)
            centred -= centre
            squares = centred * centred
            third[k] += _times_power_of_two((w * squares).T @ centred, w_exp,
                                            dtype=np.float64)
            squares *= np.sqrt(w)
            fourth[k] += _times_power_of_two(squares.T @ squares, w_exp,  # syrk
                                             dtype=np.float64)
    return third, fourth


def _shift_fourth(weight_sums, scatter, third, fourth, shift):
    """(C, M) about the centres mu + s, from (W, S, C, M) about mu.

    With y' = y - s and sum w y = 0 (the centre is the weighted mean):
    C'_ij = C_ij - s_j S_ii - 2 s_i S_ij - W s_i^2 s_j and
    M'_ij = M_ij - 2 s_j C_ij - 2 s_i C_ji + s_j^2 S_ii + s_i^2 S_jj
    + 4 s_i s_j S_ij + W s_i^2 s_j^2. Batched over classes: W (K,),
    S, C, M (K, d, d), shift (K, d).
    """
    s, s2 = shift[:, :, None], (shift**2)[:, :, None]  # s_i, s_i^2 down the rows
    variances = np.einsum("kii->ki", scatter)[:, :, None]  # S_ii down the rows
    w = weight_sums[:, None, None]
    outer = s * shift[:, None, :]  # s_i s_j
    new_third = (third - variances * shift[:, None, :] - 2 * s * scatter
                 - w * s2 * shift[:, None, :])
    cross = third * shift[:, None, :]  # C_ij s_j
    new_fourth = (fourth - 2 * (cross + cross.transpose(0, 2, 1))
                  + variances * (shift**2)[:, None, :]
                  + (variances * (shift**2)[:, None, :]).transpose(0, 2, 1)
                  + 4 * outer * scatter + w * outer**2)
    return new_third, new_fourth


def _merge_fourth(old, new, merged):
    """(C, M) of two chunks' per-class statistics, both moved to the merged
    means and brought to the merged statistics' exponent (C scales as its
    cube, M as its fourth power)."""
    means, exponent = merged[1], merged[3]
    third, fourth = 0.0, 0.0
    for (w, mu, s, e), (c, m) in (old, new):
        k = e - exponent
        shift = np.ldexp(means, -exponent) - np.ldexp(mu, -exponent)
        c, m = _shift_fourth(w, _times_power_of_two(s, 2 * k), _times_power_of_two(c, 3 * k),
                             _times_power_of_two(m, 4 * k), shift)
        third, fourth = third + c, fourth + m
    return third, fourth


def _ledoit_wolf(scatter, weight_sum, fourth):
    """Ledoit-Wolf shrinkage of Sigma = S / W toward (tr Sigma / d) I.

    scikit-learn's ledoit_wolf_shrinkage with the sums over samples as
    weighted sums (n -> W): delta = |Sigma - mu I|_F^2 / d and
    beta = (Q / W - |Sigma|_F^2) / (d W), shrinkage min(beta, delta) / delta,
    where Q = sum_n w_n |y_n|^4.
    """
    if weight_sum <= 0:
        return 0.0
    n_features = len(scatter)
    cov = scatter / weight_sum
    mu = np.trace(cov) / n_features
    norm2 = np.sum(cov**2)
    delta = (norm2 - n_features * mu**2) / n_features
    beta = min((fourth / weight_sum - norm2) / (n_features * weight_sum), delta)
    return 0.0 if beta <= 0 else float(beta / delta)


def _ledoit_wolf_standardised(weight_sum, scatter, fourth, exponent):
    """(a, shrunk scatter) of one class, as scikit-learn's shrinkage='auto'.

    LinearDiscriminantAnalysis standardises the features (StandardScaler:
    a feature of variance 0 keeps the scale 1, here 2**-exponent in z's
    units), takes the Ledoit-Wolf shrinkage a of the standardised data and
    scales back: Sigma <- (1 - a) Sigma + a mu D, D the diagonal of the
    squared scales and mu the mean of the standardised variances (1 unless a
    feature is constant). ``scatter`` and ``fourth`` are the class's S and M.
    """
    variances = np.diag(scatter) / max(weight_sum, np.finfo(float).tiny)
    varies = variances > 0
    scale2 = np.where(varies, variances, np.ldexp(1.0, -2 * exponent))
    # 1 / scale, 0 where the feature is constant: its rows of S and M are 0
    # anyway, and 1 / 2**-exponent could overflow
    inverse = np.zeros_like(variances)
    inverse[varies] = 1.0 / np.sqrt(variances[varies])
    standard_scatter = scatter * np.outer(inverse, inverse)
    a = _ledoit_wolf(standard_scatter, weight_sum, inverse**2 @ fourth @ inverse**2)
    mu = np.count_nonzero(varies) / len(scatter)  # mean standardised variance
    return a, (1 - a) * scatter + np.diag(a * mu * weight_sum * scale2)


def _shrink(shrinkage, weight_sums, scatter, fourth_stats, exponent):
    """(shrinkage per class (K,), shrunk scatter) for the 'full' or 'tied' model.

    A float a: each scatter S ((K, d, d), or the pooled (d, d)) becomes
    (1 - a) S + a (tr S / d) I, scikit-learn's shrunk_covariance ('tied':
    the same as shrinking each class's, as the map is linear). 'auto':
    :func:`_ledoit_wolf_standardised` of each class's S (K, d, d), with the
    fourth moments M of ``fourth_stats`` = (C, M).
    """
    if shrinkage != "auto":
        a = float(shrinkage)
        n_features = scatter.shape[-1]
        target = np.einsum("...ii->...", scatter)[..., None, None] / n_features
        shrunk = (1 - a) * scatter + a * target * np.eye(n_features)
        return np.full(len(weight_sums), a), shrunk
    pairs = [_ledoit_wolf_standardised(w, s, m, exponent)
             for w, s, m in zip(weight_sums, scatter, fourth_stats[1])]
    return np.array([a for a, _ in pairs]), np.array([shrunk for _, shrunk in pairs])


class _NoVariance(ValueError):
    """Every feature of the data seen so far is constant (one row, say): no
    scale for epsilon, so no density yet. fit raises it; partial_fit keeps the
    statistics and waits for rows that vary."""


def _covariances(weight_sums, means, scatter, exponent, covariance_type, var_smoothing,
                 shrunk=None):
    """Maximum-likelihood covariances plus epsilon, shaped as GaussianMixture's,
    of z = X * 2**-exponent (those of X are 4**exponent times them).

    epsilon = var_smoothing * (largest weighted variance of a feature over all
    the data), computed from the class statistics: total scatter = within-class
    scatter + between-class scatter. Classes without weight get epsilon * I.
    ``shrunk``, the scatter after shrinkage (:func:`_shrink`), replaces
    ``scatter`` in the covariances (not in epsilon).
    """
    means = np.ldexp(means, -exponent)
    total = weight_sums.sum()
    grand_mean = weight_sums @ means / total
    if covariance_type == "full":
        within = np.einsum("kii->i", scatter)
    elif covariance_type == "tied":
        within = np.diag(scatter).copy()
    else:
        within = scatter.sum(axis=0)
    between = weight_sums @ (means - grand_mean) ** 2
    largest_variance = np.max((within + between) / total)
    if not largest_variance > 0:  # var_smoothing, a fraction of it, cannot help
        raise _NoVariance(
            "every feature of X is constant (all the variances are 0): no Gaussian "
            "density can be estimated; fit on features that vary"
        )
    epsilon = var_smoothing * largest_variance
    if shrunk is not None:
        scatter = shrunk

    n_features = means.shape[1]
    safe_w = np.where(weight_sums > 0, weight_sums, 1.0)
    if covariance_type == "full":
        cov = scatter / safe_w[:, None, None]
        cov.reshape(len(cov), -1)[:, :: n_features + 1] += epsilon
    elif covariance_type == "tied":
        cov = scatter / total
        cov.flat[:: n_features + 1] += epsilon
    elif covariance_type == "diag":
        cov = scatter / safe_w[:, None] + epsilon
    else:
        cov = scatter.mean(axis=1) / safe_w + epsilon
    return cov, float(epsilon)


def _covariances_of_X(covariances, exponent, covariance_type, dtype):
    """The covariances of z = X * 2**-exponent brought back to X: 4**exponent
    times them, in dtype. ValueError, naming X's scale and the remedy, where
    that is beyond the range of dtype (X near 1e160, or 1e-200; float32 X
    near 1e20): the model of such X cannot be stored."""
    with np.errstate(over="ignore", under="ignore"):
        cov = _times_power_of_two(covariances, 2 * exponent).astype(dtype)
    variances = {"full": lambda c: np.einsum("kii->ki", c), "tied": np.diag}.get(
        covariance_type, lambda c: c)
    overflow = not np.all(np.isfinite(cov))
    if overflow or np.any((variances(cov) == 0) & (variances(covariances) > 0)):
        # log10 of the largest variance of X, from z's (which is a float)
        log10_var = np.log10(variances(covariances).max()) + 2 * exponent * np.log10(2)
        which = "overflow" if overflow else "underflow"
        remedy = " or fit float64 data" if dtype == np.float32 and overflow else ""
        raise ValueError(
            f"X has values of magnitude about {_power_of_ten(log10_var / 2)}: their "
            f"variances (about {_power_of_ten(log10_var)}) {which} {np.dtype(dtype)}. "
            f"Rescale X (e.g. with StandardScaler){remedy}"
        )
    return cov


def _power_of_ten(log10_value):
    """'1e+160' for log10_value = 159.9: a magnitude beyond the range of floats."""
    return f"1e{int(np.round(log10_value)):+d}"


def _precision_factors(covariances, covariance_type, classes, n_features, exponent=0):
    """Inverse Cholesky factors P (Sigma^{-1} = P'P) and log-determinants.

    Returns (P, log_det) of X from the covariances of z = X * 2**-exponent:
    the factorisation runs on z's (near 1, never over- or underflowing) and
    P_X = 2**-exponent P_z, log det Sigma_X = log det Sigma_z + 2 d exponent
    ln 2. P is lower triangular (K, d, d) for 'full', (d, d) for 'tied',
    1/sqrt(variances) (K, d) for 'diag' and (K,) for 'spherical'; log_det is
    (K,). Raises numpy.linalg.LinAlgError (a ValueError, as
    QuadraticDiscriminantAnalysis raises) naming the class when a covariance
    is not positive definite.
    """
    factors, log_det = _precision_factors_of(covariances, covariance_type, classes,
                                             n_features)
    return (_times_power_of_two(factors, -exponent),
            log_det + 2 * n_features * exponent * np.log(2.0))


def _precision_factors_of(covariances, covariance_type, classes, n_features):
    """(P, log_det) of the given covariances, as :func:`_precision_factors`."""
    hint = "increase var_smoothing (it is added to the variances)"
    if covariance_type in ("diag", "spherical"):
        positive = np.all(covariances.reshape(len(covariances), -1) > 0, axis=1)
        if not np.all(positive):
            raise np.linalg.LinAlgError(
                f"the variances of class {classes[np.argmin(positive)].tolist()!r} "
                f"are not all positive; {hint}")
        log_var = np.log(covariances)
        if covariance_type == "diag":
            log_det = log_var.sum(axis=1)
        else:
            log_det = n_features * log_var
        return 1.0 / np.sqrt(covariances), log_det
    stacked = covariances[None] if covariance_type == "tied" else covariances
    factors, log_det = np.empty_like(stacked), np.empty(len(stacked))
    for k, cov in enumerate(stacked):
        chol = _cholesky_of_full_rank(cov)
        if chol is None:
            name = "the tied covariance" if covariance_type == "tied" else (
                f"the covariance of class {classes[k].tolist()!r}")
            raise np.linalg.LinAlgError(
                f"{name} is singular to working precision (as when a class has no more "
                f"samples than features, or a feature is a combination of others); {hint} "
                "or set shrinkage"
            )
        # L^-1 by LAPACK's triangular inverse, a third of the flops of solving
        # L X = I (the upper triangle stays the zeros scipy's cholesky left;
        # the pivots are positive, so trtri cannot fail).
        factors[k] = linalg.lapack.get_lapack_funcs("trtri", (chol,))(chol, lower=1)[0]
        log_det[k] = 2.0 * np.log(np.diag(chol)).sum()
    if covariance_type == "tied":
        return factors[0], np.full(len(classes), log_det[0])
    return factors, log_det


def _cholesky_of_full_rank(cov):
    """The lower Cholesky factor L of cov, or None where cov is singular to
    working precision: Cholesky fails, or a pivot L_ii^2 (at least the
    smallest eigenvalue) is within rounding (10 d eps) of the largest
    variance. A rank-deficient covariance (3 samples in 4 dimensions) would
    otherwise pass with a pivot near 1e-17 and give log-densities near -1e17.
    """
    try:
        chol = linalg.cholesky(cov, lower=True)
    except linalg.LinAlgError:
        return None
    rounding = 10 * len(cov) * np.finfo(cov.dtype).eps * np.diag(cov).max()
    return chol if np.diag(chol).min() ** 2 > rounding else None


def _log_gaussian_block(block, means, factors, log_det, covariance_type, active, trmm,
                        out):
    """Fill out (rows, K) with log N(x | mu_k, Sigma_k) for one block of rows."""
    n_features = block.shape[1]
    if covariance_type == "tied":
        # One whitening for all classes: P x - P mu_k = P (x - mu_k).
        white = trmm(1.0, factors.T, block.T.copy(order="F"), side=0, lower=0,
                     trans_a=1, overwrite_b=1)
        white_means = means @ factors.T
    for k in np.flatnonzero(active):
        if covariance_type == "tied":
            diff = white - white_means[k][:, None]
            maha = np.einsum("ij,ij->j", diff, diff)
        elif covariance_type == "full":
            # P_k @ (x - mu_k)' with P_k given as the F-ordered view P_k.T
            centred = block - means[k]
            white = trmm(1.0, factors[k].T, centred.T, side=0, lower=0,
                         trans_a=1, overwrite_b=1)
            maha = np.einsum("ij,ij->j", white, white)
        else:
            centred = block - means[k]
            centred *= factors[k]
            maha = np.einsum("ij,ij->i", centred, centred)
        out[:, k] = -0.5 * (maha + (n_features * _LOG_2PI + log_det[k]))


def _log_gaussian(X, means, factors, log_det, covariance_type, active):
    """log N(x | mu_k, Sigma_k) for every row and class, in X's dtype.

    (x - mu) is whitened as P (x - mu) by a triangular matrix product (trmm,
    half the work of a full product); classes not in `active` get -inf.
    """
    n_samples, n_features = X.shape
    dtype = X.dtype
    means = means.astype(dtype, copy=False)
    factors = factors.astype(dtype, copy=False)
    trmm = get_blas_funcs("trmm", dtype=dtype)
    out = np.full((n_samples, len(means)), -np.inf, dtype=dtype)
    for rows in gen_batches(n_samples, _block_rows(n_features, covariance_type)):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: raised below
            _log_gaussian_block(X[rows], means, factors, log_det, covariance_type,
                                active, trmm, out[rows])
    if not np.all(np.isfinite(out[:, active])):
        raise ValueError(
            "X has values so large that the Gaussian log-densities overflow "
            f"in {dtype}; rescale X"
        )
    return out


def _log_gaussian_xp(X, means, factors, log_det, covariance_type, active):
    """:func:`_log_gaussian` for X of an array API namespace other than numpy.

    The same whitening, by the namespace's matrix product (there is no
    triangular BLAS product to call), in X's dtype and on its device; the
    fitted numpy factors are moved there.
    """
    xp, _, device = get_namespace_and_device(X)
    means = xp.asarray(means, dtype=X.dtype, device=device)
    factors = xp.asarray(factors, dtype=X.dtype, device=device)
    n_features = X.shape[1]
    if covariance_type == "tied":  # one whitening for all classes
        white, white_means = X @ factors.T, means @ factors.T
    columns = []
    for k in range(means.shape[0]):
        if not active[k]:
            columns.append(xp.full((X.shape[0],), -xp.inf, dtype=X.dtype, device=device))
            continue
        if covariance_type == "tied":
            diff = white - white_means[k, :]
        elif covariance_type == "full":
            diff = (X - means[k, :]) @ factors[k, ...].T
        else:  # 'diag' (K, d) or 'spherical' (K,) factors
            diff = (X - means[k, :]) * factors[k, ...]
        maha = xp.sum(diff * diff, axis=1)
        if not xp.all(xp.isfinite(maha)):
            raise ValueError("X has values so large that the Gaussian log-densities "
                             f"overflow in {X.dtype}; rescale X")
        columns.append(-0.5 * (maha + float(n_features * _LOG_2PI + log_det[k])))
    return xp.stack(columns, axis=1)


# ---------------------------------------------------------------------------
# The boundary object
# ---------------------------------------------------------------------------


class QuadraticBoundary:
    """The decision boundary x'Ax + b'x + c = 0 between two classes.

    The polynomial is positive where the second class of `classes` is decided
    and negative where the first is.

    Parameters
    ----------
    quadratic : ndarray of shape (n_features, n_features)
        Symmetric matrix A (all zeros when the two covariances are shared).
    linear : ndarray of shape (n_features,)
        Vector b.
    constant : float
        Scalar c.
    feature_names : sequence of str, default=None
        Names used by ``str()``; None gives x0, x1, ...
    classes : tuple, default=None
        The (negative side, positive side) pair of class labels.

    Examples
    --------
    >>> import numpy as np
    >>> boundary = QuadraticBoundary(np.zeros((2, 2)), np.array([2.0, 4.0]), -5.0)
    >>> print(boundary)
    2*x0 + 4*x1 - 5 = 0
    >>> boundary(np.array([[1.0, 1.0]]))
    array([1.])
    """

    def __init__(self, quadratic, linear, constant, feature_names=None, classes=None):
        self.quadratic = np.asarray(quadratic)
        self.linear = np.asarray(linear)
        self.constant = float(constant)
        n_features = len(self.linear)
        if feature_names is None:
            feature_names = [f"x{i}" for i in range(n_features)]
        self.feature_names = [str(name) for name in feature_names]
        self.classes = classes

    def evaluate(self, X):
        """The polynomial x'Ax + b'x + c at each row of X, shape (n_samples,)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.result_type(self.linear, np.float32)))
        return (np.einsum("ij,jk,ik->i", X, self.quadratic, X) + X @ self.linear
                + self.constant)

    __call__ = evaluate

    def _terms(self):
        """(coefficient, monomial) pairs, skipping exact zeros."""
        A, names = self.quadratic, self.feature_names
        terms = [(A[i, i], f"{names[i]}^2") for i in range(len(names))]
        terms += [(A[i, j] + A[j, i], f"{names[i]}*{names[j]}")
                  for i in range(len(names)) for j in range(i + 1, len(names))]
        terms += [(b, name) for b, name in zip(self.linear, names)]
        terms.append((self.constant, ""))
        return [(coef, mono) for coef, mono in terms if coef != 0]

    def __str__(self):
        text = ""
        for coef, mono in self._terms():
            sign = "-" if coef < 0 else "+"
            value = f"{abs(coef):.5g}" + (f"*{mono}" if mono else "")
            text += (f"-{value}" if sign == "-" else value) if not text else f" {sign} {value}"
        return f"{text or '0'} = 0"

    def __repr__(self):
        return f"QuadraticBoundary({self})"


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------


class GaussianBayesClassifier(CallbackSupportMixin, PosteriorMixin, MinimumRiskMixin,
                              ClassifierMixin, BaseEstimator):
    """Minimum-risk Bayes classifier with Gaussian class densities.

    Each class j has a prior p_j and a Gaussian density N(mu_j, Sigma_j) with
    maximum-likelihood estimates (weighted means; scatter divided by the class
    weight sum). A sample is given the decision i of least conditional risk
    R(i | x) = sum_j C[i, j] P(j | x), the minimum-risk (Bayes) rule; with
    the 0-1 cost this is the maximum-posterior (MAP) decision.

    Parameters
    ----------
    priors : array-like of shape (n_classes,), default=None
        Prior probabilities p_j of the classes (in the order of ``classes_``),
        non-negative and summing to 1. None uses the class frequencies
        (sums of the sample weights).
    cost_matrix : array-like of shape (n_classes, n_classes), default=None
        C[i, j] = cost of deciding ``classes_[i]`` when the truth is
        ``classes_[j]`` (the textbook c_ij). Every wrong decision must cost
        more than the right one: C[i, j] > C[j, j] for i != j. None is the
        0-1 cost (1 - identity).
    covariance_type : {'full', 'tied', 'diag', 'spherical'}, default='full'
        'full': one covariance per class (quadric boundaries); 'tied': one
        covariance shared by all classes (pooled within-class scatter divided
        by the total weight; linear boundaries); 'diag': diagonal covariance
        per class (GaussianNB); 'spherical': one variance per class.
    var_smoothing : float, default=1e-9
        As in GaussianNB: ``epsilon_ = var_smoothing * (largest variance of a
        feature over all the data)`` is added to every variance (to the
        diagonal of every covariance) for numerical stability.
    shrinkage : 'auto' or float in [0, 1], default=None
        For 'full' and 'tied' (a ValueError for 'diag' and 'spherical', as
        LinearDiscriminantAnalysis's 'svd' solver refuses it), as in
        scikit-learn's discriminant analysis: each class covariance Sigma is
        shrunk before epsilon is added ('tied' pools the shrunk ones; with a
        float, the same as shrinking the pooled one). A float a gives
        (1 - a) Sigma + a (tr Sigma / d) I. 'auto' standardises the features
        of the class, takes a from the Ledoit-Wolf formula
        (sklearn.covariance.ledoit_wolf, sample weights as sums) and scales
        back: (1 - a) Sigma + a diag(Sigma) (a feature constant in the class
        keeps scale 1, as in StandardScaler). So 'tied' with 'auto' is
        LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto') while
        ``priors`` is None (with ``priors``, 'tied' still pools the class
        covariances by the class weights, LinearDiscriminantAnalysis by the
        priors, so their posteriors differ), and
        'full' is QuadraticDiscriminantAnalysis(solver='eigen',
        shrinkage='auto'). None: no shrinkage.
    reject_cost : float or array-like of shape (n_classes,), default=None
        The reject option: r_j, the cost of withholding a decision (a doubt)
        when the truth is ``classes_[j]``; one number is the same for every
        class. Doubt is one more decision with conditional risk
        sum_j r_j P(j | x), taken where it is strictly cheaper than every
        class; with the 0-1 cost and one number lambda this is Chow's rule,
        doubt where max_k P(k | x) < 1 - lambda (never for lambda at or above
        (K - 1) / K). None: always decide.
    reject_label : int, float or str, default=-1
        What ``predict`` returns for a doubt: a value that is not a class, a
        string for string labels (checked in ``fit`` when ``reject_cost`` is
        set). ``score`` counts a doubt as an error.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_count_ : ndarray of shape (n_classes,)
        Sum of the sample weights of each class.
    class_prior_ : ndarray of shape (n_classes,)
        The priors used (``priors`` or the class frequencies).
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The cost matrix used.
    means_ : ndarray of shape (n_classes, n_features)
        Class means, in the dtype of X.
    covariances_ : ndarray
        In the dtype of X, shaped as in GaussianMixture: (n_classes, n_features,
        n_features) for 'full', (n_features, n_features) for 'tied',
        (n_classes, n_features) for 'diag', (n_classes,) for 'spherical'.
    epsilon_ : float
        The amount added to the variances.
    reject_cost_ : ndarray of shape (n_classes,) or None
        The validated doubt costs r_j (None: no reject option).
    reject_label_ : object
        The label of a doubt in ``predict``.
    shrinkage_ : ndarray of shape (n_classes,) or None
        The shrinkage a of each class's covariance ('full' and 'tied'), None
        when ``shrinkage`` is None.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X was a DataFrame with string column names.

    See Also
    --------
    sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis : MAP decisions
        with full class covariances.
    sklearn.naive_bayes.GaussianNB : the 'diag' case with the 0-1 cost.

    Notes
    -----
    For two classes, ``decision_function`` is the log of the ratio in the
    likelihood-ratio test: deciding classes_[1] iff
    (C[0, 1] - C[1, 1]) P(1 | x) > (C[1, 0] - C[0, 0]) P(0 | x), i.e.
    ln f_1(x)/f_0(x) + ln p_1/p_0 + ln (C[0,1] - C[1,1])/(C[1,0] - C[0,0]) > 0,
    a quadratic polynomial in x given by :meth:`decision_boundary`.

    ``partial_fit`` keeps the class weight sums, means and scatter matrices
    and merges each chunk exactly, so any split of the data into chunks gives
    the same model as one ``fit`` (up to rounding). ``epsilon_`` is always the
    one of all the data seen so far. With ``shrinkage='auto'`` it also keeps,
    per class, the third and fourth moments ``sum w (y*y) y'`` and
    ``sum w (y*y)(y*y)'`` (y = x minus the class mean, y*y its elementwise
    square; d x d each), moved exactly to the merged means, so that the
    Ledoit-Wolf shrinkage of the chunks (of standardised features, whose
    scales are known only at the end) is that of one ``fit``; every
    shrinkage is applied when the covariances are finished. Changing
    ``covariance_type``, or ``shrinkage`` to or from 'auto', between calls
    is a ValueError: the kept statistics are those of the old setting.

    Under scikit-learn's array API dispatch
    (``sklearn.set_config(array_api_dispatch=True)``) the estimator takes
    arrays of any array API library: the statistics are summed on the host
    in float64, the fitted arrays are then kept in the training data's
    namespace and device, and every prediction method computes there and
    returns arrays of the input's namespace and device.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import GaussianBayesClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(3, 1, (100, 2))]
    >>> y = np.r_[np.zeros(100, int), np.ones(100, int)]
    >>> clf = GaussianBayesClassifier(covariance_type="tied").fit(X, y)
    >>> clf.predict([[0.0, 0.0], [3.0, 3.0]])
    array([0, 1])
    >>> clf.decision_boundary().quadratic
    array([[0., 0.],
           [0., 0.]])
    """

    _parameter_constraints = {
        "priors": ["array-like", None],
        "cost_matrix": ["array-like", None],
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "var_smoothing": [Interval(Real, 0, None, closed="left")],
        "shrinkage": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both"), None],
        "reject_cost": ["array-like", Real, None],
        "reject_label": "no_validation",  # any value that is not a class (checked in fit)
    }

    def __init__(self, *, priors=None, cost_matrix=None, covariance_type="full",
                 var_smoothing=1e-9, shrinkage=None, reject_cost=None, reject_label=-1):
        self.priors = priors
        self.cost_matrix = cost_matrix
        self.covariance_type = covariance_type
        self.var_smoothing = var_smoothing
        self.shrinkage = shrinkage
        self.reject_cost = reject_cost
        self.reject_label = reject_label

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.array_api_support = True
        return tags

    def __sklearn_is_fitted__(self):
        # n_features_in_ alone (set by validate_data) does not make a model.
        return hasattr(self, "means_")

    # -- fitting ------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Estimate the priors, means and covariances of the classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (float32 stays float32).
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight is the same as repeating
            the sample. Every class needs a positive total weight.

        Returns
        -------
        self : GaussianBayesClassifier
            The fitted estimator.
        """
        # Array API inputs: the statistics are summed on the host (the model is
        # small), the fitted arrays then moved to X's namespace and device;
        # predictions run there.
        xp, _, device = get_namespace_and_device(X)
        X, y, sample_weight = on_host(X, y, sample_weight)
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=0)  # one pass: no epochs
        with all_or_nothing(self):
            X, y = validate_data(self, X, y, dtype=float_dtypes(X))
            check_class_labels(y)
            classes, y_index = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    "GaussianBayesClassifier needs samples of at least 2 classes; "
                    f"got {len(classes)} class"
                )
            stats, fourth = self._chunk_statistics(X, y_index, sample_weight, len(classes))
            self._finish(classes, stats, X.dtype, fourth)
            move_fitted_arrays(self, xp, device)
            tasks.end()  # a callback failing here fails the fit: all or nothing
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Add a chunk of data to the class statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, optional after.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : GaussianBayesClassifier
            The updated estimator. Classes not seen yet are never decided
            (posterior 0) until they get samples.
        """
        first_call = not hasattr(self, "_statistics")
        xp, _, device = get_namespace_and_device(X)
        X, y, classes, sample_weight = on_host(X, y, classes, sample_weight)
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=0)
        with all_or_nothing(self):
            X, y = validate_data(self, X, y, dtype=float_dtypes(X), reset=first_call)
            check_class_labels(y)
            if not first_call:
                self._check_same_statistics()
            all_classes = self._partial_fit_classes(classes, first_call)
            unseen = np.setdiff1d(y, all_classes)
            if unseen.size:
                raise ValueError(
                    f"labels {unseen.tolist()} are not in classes {all_classes.tolist()}"
                )
            y_index = np.searchsorted(all_classes, y)
            stats, fourth = self._chunk_statistics(X, y_index, sample_weight, len(all_classes))
            if not first_call:
                stats, fourth = self._merge(stats, fourth)
            if not np.any(stats[0] > 0):
                raise ValueError("the total sample weight seen so far is zero")
            try:
                self._finish(all_classes, stats, X.dtype, fourth)
            except _NoVariance:  # as after one row: keep the statistics, no model yet
                self._keep_unfinished(all_classes, stats, fourth)
            move_fitted_arrays(self, xp, device)
            tasks.end()
        return self

    def _keep_unfinished(self, classes, stats, fourth):
        """The state of partial_fit while every feature seen is constant: the
        statistics to merge the next chunk into, no model (not fitted)."""
        for name in ("means_", "covariances_", "_precision_factors", "_log_det"):
            self.__dict__.pop(name, None)
        self.classes_ = classes
        self._covariance_type = self.covariance_type
        self._statistics = stats
        self._fourth = fourth

    def _partial_fit_classes(self, classes, first_call):
        """The class labels for partial_fit, checked against the fitted ones."""
        if first_call:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            classes = unique_labels(classes)
            if len(classes) < 2:
                raise ValueError(f"partial_fit needs at least 2 classes; got {len(classes)} class")
            return classes
        fitted = to_numpy(self.classes_)
        if classes is not None and not np.array_equal(unique_labels(classes), fitted):
            raise ValueError(
                f"classes {list(classes)} differ from the first call's {fitted.tolist()}"
            )
        return fitted

    def _statistics_type(self):
        """'full' also for 'tied' with shrinkage='auto': each class's covariance
        is shrunk by its own Ledoit-Wolf estimate, then pooled when finished."""
        if self.covariance_type == "tied" and self.shrinkage == "auto":
            return "full"
        return self.covariance_type

    def _check_same_statistics(self):
        """A ValueError where set_params changed what the statistics kept by
        earlier partial_fit calls are: they cannot be merged with a chunk's."""
        if self.covariance_type != self._covariance_type:
            raise ValueError(
                f"covariance_type changed from {self._covariance_type!r} to "
                f"{self.covariance_type!r} between calls to partial_fit: the statistics "
                "kept so far are those of the old type; fit again from the start"
            )
        if (self.shrinkage == "auto") != (self._fourth is not None):
            raise ValueError("shrinkage changed to or from 'auto' between calls to "
                             "partial_fit; fit again from the start")

    def _chunk_statistics(self, X, y_index, sample_weight, n_classes):
        """(W, mu, S) of a chunk, and (C, M) of :func:`_fourth_moments` or None."""
        if self.shrinkage is not None and self.covariance_type in ("diag", "spherical"):
            raise ValueError(
                f"shrinkage={self.shrinkage!r} applies to covariance_type 'full' or "
                f"'tied', not {self.covariance_type!r} (use var_smoothing there)"
            )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if not np.any(sample_weight):  # scikit-learn >= 1.9 checks it in _check_sample_weight
            raise ValueError("Sample weights must contain at least one non-zero number.")
        stats = _class_statistics(X, y_index, sample_weight, n_classes,
                                  self._statistics_type())
        fourth = None
        if self.shrinkage == "auto":
            fourth = _fourth_moments(X, y_index, sample_weight, stats[1], stats[3])
        return stats, fourth

    def _merge(self, stats, fourth):
        """Merge a chunk's statistics into those of the previous calls."""
        merged = _merge_statistics(self._statistics, stats, self._statistics_type())
        if fourth is not None:
            fourth = _merge_fourth((self._statistics, self._fourth), (stats, fourth),
                                   merged)
        return merged, fourth

    def _finish(self, classes, stats, dtype, fourth=None):
        """Everything that follows from the statistics; assigned only on success."""
        cost, reject_cost = check_decision_costs(self.cost_matrix, self.reject_cost,
                                                 self.reject_label, classes)
        weight_sums, means, scatter, exponent = stats
        priors = class_priors(self.priors, weight_sums)
        if not np.any((priors > 0) & (weight_sums > 0)):
            raise ValueError("no class has both a positive prior and samples")
        shrinkage = shrunk = None
        if self.shrinkage is not None:
            shrinkage, shrunk = _shrink(self.shrinkage, weight_sums, scatter, fourth,
                                        exponent)
        if self.covariance_type == "tied" and scatter.ndim == 3:
            # the pooled within-class scatter ('auto': of the shrunk class scatters)
            scatter = scatter.sum(axis=0)
            shrunk = None if shrunk is None else shrunk.sum(axis=0)
        cov, epsilon = _covariances(
            weight_sums, means, scatter, exponent, self.covariance_type,
            self.var_smoothing, shrunk,
        )
        covariances = _covariances_of_X(cov, exponent, self.covariance_type, dtype)
        factors, log_det = _precision_factors(
            cov, self.covariance_type, classes, means.shape[1], exponent
        )

        self.classes_ = classes
        self.class_count_ = weight_sums
        self.class_prior_ = priors.astype(dtype)  # GaussianNB's: in X's dtype
        self.cost_matrix_ = cost
        self.reject_cost_ = reject_cost
        self.reject_label_ = self.reject_label
        self.means_ = means.astype(dtype)
        self.covariances_ = covariances
        self.epsilon_ = float(np.ldexp(epsilon, 2 * exponent))
        self.shrinkage_ = shrinkage
        self._covariance_type = self.covariance_type  # that of the statistics and factors
        self._statistics = stats
        self._fourth = fourth
        self._precision_factors = factors
        self._log_det = log_det

    # -- prediction ---------------------------------------------------------

    def _validated(self, X):
        check_is_fitted(self)
        xp, _, _ = get_namespace_and_device(X)
        return validate_data(self, X, reset=False, dtype=float_dtypes(X, xp))

    def _joint_log_likelihood(self, X):
        active = to_numpy(self.class_count_) > 0
        xp, _, _ = get_namespace_and_device(X)
        log_gaussian = _log_gaussian if _is_numpy_namespace(xp) else _log_gaussian_xp
        log_density = log_gaussian(
            X, self._statistics[1], to_numpy(self._precision_factors),
            to_numpy(self._log_det), self._covariance_type, active,
        )
        with np.errstate(divide="ignore"):
            log_prior = np.where(active, np.log(to_numpy(self.class_prior_)), -np.inf)
        return log_density + as_namespace_of(log_prior, log_density)

    def predict_joint_log_proba(self, X):
        """ln(p_j f_j(x)): the log of prior times class density.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        jll : ndarray of shape (n_samples, n_classes)
            Joint log-likelihoods, in the dtype of X.
        """
        check_input_namespace(self, X, "predict_joint_log_proba")
        return self._joint_log_likelihood(self._validated(X))

    def decision_function(self, X):
        """Binary: the log likelihood-ratio test statistic; multiclass: minus the risks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: ln[(C[0,1] - C[1,1]) p_1 f_1(x)] - ln[(C[1,0] - C[0,0]) p_0 f_0(x)],
            positive exactly where classes_[1] is preferred to classes_[0]
            and equal to ``decision_boundary()(X)``; where a class has prior
            0, the largest finite float of the sign of the other class
            (never inf). Multiclass: -R(i | x), one column per class. With
            ``reject_cost`` the scores still compare the classes only;
            ``predict`` doubts where the doubt risk (the last column of
            ``predict_risk``) is below every class's, between the boundaries
            ``decision_boundary((classes_[0], reject_label))`` and
            ``decision_boundary((reject_label, classes_[1]))`` for two classes.
        """
        check_is_fitted(self)
        check_input_namespace(self, X, "decision_function")
        if self.classes_.shape[0] != 2:
            return super().decision_function(X)
        jll = self.predict_joint_log_proba(X)
        xp, _, _ = get_namespace_and_device(jll)
        score = jll[:, 1] - jll[:, 0] + float(self._log_cost_ratio(0, 1))
        # A class of prior 0 (never decided) makes the ratio infinite: the
        # largest finite score of its sign instead (metrics reject inf).
        largest = float(xp.finfo(score.dtype).max)
        return xp.clip(score, -largest, largest)

    def predict(self, X):
        """The decision of least conditional risk.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Binary: classes_[1] where decision_function > 0, else classes_[0].
            Multiclass: the argmin of predict_risk (first class on ties).
            With ``reject_cost``: ``reject_label`` where the doubt risk is
            strictly below the risks of the classes.
        """
        check_is_fitted(self)
        check_input_namespace(self, X, "predict")
        if self.classes_.shape[0] != 2:
            return super().predict(X)
        score = self.decision_function(X)
        xp, _, _ = get_namespace_and_device(score)
        index = xp.astype(score > 0, xp.int64)
        if self._decision_costs().shape[0] > 2:  # doubt: the last decision, where cheapest
            index = xp.where(minimum_risk_index(self.predict_risk(X)) == 2, 2, index)
        return labels_at(self._decision_labels(), index)

    # -- boundary -----------------------------------------------------------

    def _log_cost_ratio(self, i, j):
        """ln (C[i, j] - C[j, j]) / (C[j, i] - C[i, i]): the cost term of j vs i."""
        C = to_numpy(self.cost_matrix_)
        return np.log(C[i, j] - C[j, j]) - np.log(C[j, i] - C[i, i])

    def _precision_terms(self, k):
        """Lambda_k = Sigma_k^{-1} (d, d) and Lambda_k mu_k, mu_k' Lambda_k mu_k."""
        P, mu = to_numpy(self._precision_factors), self._statistics[1][k]
        if self._covariance_type == "full":
            P = P[k]
        if self._covariance_type in ("full", "tied"):
            white = P @ mu
            return P.T @ P, P.T @ white, white @ white
        precision = np.broadcast_to(P[k] ** 2, mu.shape)
        return np.diag(precision), precision * mu, mu @ (precision * mu)

    def _pair_indices(self, classes):
        """Indices of a pair of decisions: classes, or the reject label (index K)."""
        labels = self._decision_labels()
        fitted = to_numpy(self.classes_)
        if classes is None:
            if len(fitted) != 2:
                raise ValueError(
                    "with more than two classes, name the pair: classes=(a, b)"
                )
            return 0, 1
        if len(classes) != 2:
            raise ValueError(f"classes must be a pair of class labels, got {classes!r}")
        indices = []
        for label in classes:
            hits = np.flatnonzero(labels == label)
            if not hits.size:
                doubt = " or reject_label" if len(labels) > len(fitted) else ""
                raise ValueError(
                    f"{label!r} is not one of classes_ {fitted.tolist()}{doubt}")
            indices.append(int(hits[0]))
        if indices[0] == indices[1]:
            raise ValueError("classes must be two different labels")
        return tuple(indices)

    def decision_boundary(self, classes=None):
        """The quadric x'Ax + b'x + c = 0 between two decisions.

        Parameters
        ----------
        classes : pair of labels, default=None
            (a, b): the polynomial is positive where b is preferred to a
            (has the smaller conditional risk). None means
            (classes_[0], classes_[1]) and needs a binary problem. With
            ``reject_cost`` set, either label may be ``reject_label``: for two
            classes, ``(classes_[0], reject_label)`` and
            ``(reject_label, classes_[1])`` are the two boundaries of the
            doubt region. The risks of a and b differ by a quadric only when
            their costs differ for exactly two true classes, one each way
            (true of any two classes under the 0-1 cost, and of a class and
            doubt when there are two classes); otherwise a ValueError is
            raised.

        Returns
        -------
        boundary : QuadraticBoundary
            With ``quadratic`` (A), ``linear`` (b), ``constant`` (c); for two
            classes ``boundary(X) == decision_function(X)``; ``str(boundary)``
            is the equation (feature names when fitted on a DataFrame).

        Notes
        -----
        R(a | x) - R(b | x) = sum_j g_j P(j | x) with g_j = D[a, j] - D[b, j],
        D the costs of the decisions (``cost_matrix_``, and the doubt row
        ``reject_cost_``). With g_j > 0 > g_i and every other g zero, b is
        preferred where g_j p_j f_j(x) > -g_i p_i f_i(x), i.e. where
        ln f_j(x) - ln f_i(x) + ln p_j/p_i + ln g_j/(-g_i) > 0: a quadric.
        """
        check_is_fitted(self)
        a, b = self._pair_indices(classes)
        labels = self._decision_labels()
        D = self._decision_costs()
        gain = D[a] - D[b]  # R(a) - R(b) = gain @ P(. | x)
        i, j = self._gain_pair(gain, labels[a], labels[b])
        lam_i, lam_mu_i, quad_i = self._precision_terms(i)
        lam_j, lam_mu_j, quad_j = self._precision_terms(j)
        if self._covariance_type == "tied":
            A = np.zeros_like(lam_i)  # shared covariance: exactly a hyperplane
        else:
            A = -0.5 * (lam_j - lam_i)
        linear = lam_mu_j - lam_mu_i
        classes, log_det = to_numpy(self.classes_), to_numpy(self._log_det)
        with np.errstate(divide="ignore"):
            log_prior = np.log(np.where(to_numpy(self.class_count_) > 0,
                                        to_numpy(self.class_prior_), 0.0))
        for never, other in ((i, j), (j, i)):
            if np.isneginf(log_prior[never]):  # no "... + inf = 0" equation
                raise ValueError(
                    f"there is no decision boundary between {labels[a].tolist()!r} "
                    f"and {labels[b].tolist()!r}: class "
                    f"{classes[never].tolist()!r} has prior 0 (or no samples "
                    f"yet), so it is never preferred to {classes[other].tolist()!r}"
                )
        c = (-0.5 * (quad_j - quad_i) - 0.5 * (log_det[j] - log_det[i])
             + log_prior[j] - log_prior[i] + np.log(gain[j]) - np.log(-gain[i]))
        names = getattr(self, "feature_names_in_", None)
        return QuadraticBoundary(A, linear, c, feature_names=names,
                                 classes=(labels[a], labels[b]))

    def _gain_pair(self, gain, label_a, label_b):
        """(i, j): the true classes where deciding b gains (g_j > 0) and loses
        (g_i < 0), when these two are all the classes in which the costs of
        a and b differ; else a ValueError saying why there is no quadric."""
        gains, losses = np.flatnonzero(gain > 0), np.flatnonzero(gain < 0)
        if not gains.size or not losses.size:
            better, worse = (label_b, label_a) if gains.size else (label_a, label_b)
            raise ValueError(
                f"there is no decision boundary between {label_a.tolist()!r} and "
                f"{label_b.tolist()!r}: {better.tolist()!r} costs no more than "
                f"{worse.tolist()!r} whatever the true class"
            )
        if len(gains) > 1 or len(losses) > 1:
            raise ValueError(
                f"the risks of {label_a.tolist()!r} and {label_b.tolist()!r} depend on "
                "the posteriors of more than two classes (their costs differ for more "
                "than two true classes), so their boundary is not a quadric"
            )
        return int(losses[0]), int(gains[0])
