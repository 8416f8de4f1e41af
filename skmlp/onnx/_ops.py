"""The estimators' arithmetic in ONNX operators (skl2onnx's algebra API).

Each function is the ONNX twin of numpy code the estimators run, written step
for step in the same order: the activations of :mod:`skmlp.nn`, the Gaussian
log-densities of ``_bayes``, Bayes' rule, the prior shift and the risk argmin
of ``_risk``. Same order means onnxruntime rounds where numpy does, and ties
(ArgMin / ArgMax take the first index, as np.argmin / np.argmax) are broken
the same way. The functions only build graph nodes; nothing is computed here.
"""

import functools
import math

import numpy as np
from numpy.polynomial import Chebyshev, Polynomial
from onnx import TensorProto
from scipy.special import erfcx
from skl2onnx.algebra import onnx_ops

from .. import nn
from .._risk import TIE_ULPS, log_or_minus_inf

_PROTO = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}


class Ops:
    """skl2onnx's ONNX operators for one target opset and one float dtype.

    ``ops.MatMul(a, b)`` is ``OnnxMatMul(a, b, op_version=opset)``;
    ``ops.const(x)`` is ``x`` as an array of the working dtype (it becomes an
    initializer of the graph); ``ops.reduce`` hides the opsets' difference
    between axes as an attribute (< 18) and as an input (>= 18).

    Parameters
    ----------
    opset : int
        The target opset of the main ONNX domain.
    dtype : {numpy.float32, numpy.float64}
        The working dtype of the graph: that of the input.
    """

    def __init__(self, opset, dtype):
        self.opset = opset
        self.dtype = np.dtype(dtype)
        self.proto = _PROTO[self.dtype]

    def __getattr__(self, name):
        return functools.partial(getattr(onnx_ops, "Onnx" + name), op_version=self.opset)

    def const(self, value):
        """``value`` as an array (at least 1-d) of the working dtype."""
        return np.atleast_1d(np.asarray(value, dtype=self.dtype))

    def reduce(self, name, x, axis, keepdims=1):
        """ReduceMax, ReduceMin, ReduceSum, ReduceSumSquare, ... of x over one axis."""
        if name == "Sum":  # its axes became an input at opset 13, the others' at 18
            return onnx_ops.OnnxReduceSumApi11(x, axes=[axis], keepdims=keepdims,
                                               op_version=self.opset)
        versions = [getattr(onnx_ops, f"OnnxReduce{name}{suffix}")
                    for suffix in ("", "_13", "_11", "_1")]
        return onnx_ops.OnnxReduceAnyApi18(*versions, x, axes=[axis], keepdims=keepdims,
                                           op_version=self.opset)

    def unsqueeze(self, x, axis):
        """x with a new axis of length 1 at ``axis``."""
        return onnx_ops.OnnxUnsqueezeApi11(x, axes=[axis], op_version=self.opset)

    def column(self, x, j):
        """Column j of a matrix, shape (n_samples,)."""
        return self.Gather(x, np.array(j, dtype=np.int64), axis=1)

    def to_int64(self, x):
        return self.Cast(x, to=TensorProto.INT64)


# ---------------------------------------------------------------------------
# Activations (skmlp.nn), the log-sigmoid and the normal distribution function
# ---------------------------------------------------------------------------

def activation(ops, name, A):
    """``nn.ACTIVATIONS[name]`` applied to A (every activation of :mod:`skmlp.nn`).

    onnxruntime computes LeakyRelu, Elu, Softplus and Erf in float32 only, so
    the graphs are built from operators it has in both dtypes (Where, Exp,
    Sigmoid, ...), with the formulas of ``nn``.
    """
    if name == "identity":
        return A
    if name == "softmax":
        return ops.Softmax(A, axis=1)
    if name == "leaky_relu":  # z * 0.01 where z < 0
        return ops.Where(ops.Less(A, ops.const(0.0)),
                         ops.Mul(A, ops.const(nn.LEAKY_RELU_SLOPE)), A)
    if name == "elu":  # exp(z) - 1 where z < 0
        return ops.Where(ops.Less(A, ops.const(0.0)),
                         ops.Sub(ops.Exp(A), ops.const(1.0)), A)
    if name == "softplus":
        return softplus(ops, A)
    if name == "gelu":
        return ops.Mul(A, normal_cdf(ops, A))
    if name == "silu":
        return ops.Mul(A, ops.Sigmoid(A))
    return {"logistic": ops.Sigmoid, "tanh": ops.Tanh, "relu": ops.Relu}[name](A)


def softplus(ops, A):
    """ln(1 + exp(a)) without overflow.

    float32: the Softplus operator. onnxruntime has no double Softplus, so
    float64 takes max(a, 0) + ln(1 + exp(-|a|)), equal to it within rounding.
    """
    if ops.dtype == np.float32:
        return ops.Softplus(A)
    tail = ops.Log(ops.Add(ops.const(1.0), ops.Exp(ops.Neg(ops.Abs(A)))))
    return ops.Add(ops.Max(A, ops.const(0.0)), tail)


def log_expit(ops, A):
    """ln expit(a) = -softplus(-a) (scipy.special.log_expit): never ln 0."""
    return ops.Neg(softplus(ops, ops.Neg(A)))


# Phi(z) for z <= 0 is erfc(t) / 2 = exp(-t^2) erfcx(t) / 2 with t = -z / sqrt 2,
# and 1 minus that for z > 0 (t = |z| / sqrt 2): onnxruntime has no double Erf.
# erfcx(t) = exp(t^2) erfc(t) is smooth and slowly varying on [0, 6]: its
# Chebyshev interpolant of degree 32, as a polynomial in u = t / 3 - 1 (on
# [-1, 1], coefficients below 0.2), is within 1e-14 of it (relative). Beyond
# t = 6 the tail erfc(t) / 2 < 1e-17 is 0.
_TAIL_END = 6.0
_ERFCX = Chebyshev.interpolate(erfcx, 32, domain=[0.0, _TAIL_END]).convert(
    kind=Polynomial, domain=[0.0, _TAIL_END], window=[-1.0, 1.0]).coef


def normal_cdf(ops, A):
    """The standard normal distribution function Phi(a) (scipy's ndtr), element-wise."""
    t = ops.Mul(ops.Abs(A), ops.const(math.sqrt(0.5)))
    inside = ops.Less(t, ops.const(_TAIL_END))
    t = ops.Min(t, ops.const(_TAIL_END))
    u = ops.Sub(ops.Mul(t, ops.const(2.0 / _TAIL_END)), ops.const(1.0))
    series = ops.const(_ERFCX[-1])
    for a in _ERFCX[-2::-1]:  # Horner: each step reads the previous once (a chain)
        series = ops.Add(ops.Mul(series, u), ops.const(a))
    tail = ops.Mul(ops.Mul(ops.Exp(ops.Neg(ops.Mul(t, t))), series), ops.const(0.5))
    tail = ops.Where(inside, tail, ops.const(0.0))
    return ops.Where(ops.Less(A, ops.const(0.0)), tail, ops.Sub(ops.const(1.0), tail))


# ---------------------------------------------------------------------------
# Gaussian log-densities (GaussianBayesClassifier, GaussianMixture)
# ---------------------------------------------------------------------------

def log_gaussians(ops, X, means, whiteners, covariance_type, offsets):
    """-(maha_k(x) + offsets_k) / 2 for every row and component k, shape (N, K).

    maha_k(x) = |(x - mu_k) W_k|^2, with W_k a right factor of the precision
    (W_k W_k' = Sigma_k^{-1}): (K, d, d) for 'full', one (d, d) for 'tied'
    (then x W - mu_k W: one product for all k, as the numpy code does), the
    elementwise factors (K, d) for 'diag' and (K,) for 'spherical'. With
    ``offsets_k = d ln 2 pi + ln det Sigma_k`` this is ln N(x | mu_k, Sigma_k).
    """
    if covariance_type == "tied":
        white_means = ops.const(means) @ ops.const(whiteners)  # in the dtype, as numpy
        white = ops.Sub(ops.unsqueeze(ops.MatMul(X, ops.const(whiteners)), 1), white_means)
        maha = ops.reduce("SumSquare", white, axis=2, keepdims=0)
    elif covariance_type == "full":
        centred = ops.Sub(ops.unsqueeze(X, 0), ops.const(means[:, None, :]))  # (K, N, d)
        white = ops.MatMul(centred, ops.const(whiteners))
        maha = ops.Transpose(ops.reduce("SumSquare", white, axis=2, keepdims=0))
    else:
        scale = whiteners if covariance_type == "diag" else whiteners[:, None]
        white = ops.Mul(ops.Sub(ops.unsqueeze(X, 1), ops.const(means)), ops.const(scale))
        maha = ops.reduce("SumSquare", white, axis=2, keepdims=0)
    return ops.Mul(ops.Add(maha, ops.const(offsets)), ops.const(-0.5))


def logsumexp(ops, A, axis):
    """ln sum_j exp(a_j) over ``axis`` (kept), the largest term factored out."""
    top = ops.reduce("Max", A, axis=axis)
    total = ops.reduce("Sum", ops.Exp(ops.Sub(A, top)), axis=axis)
    return ops.Add(top, ops.Log(total))


# ---------------------------------------------------------------------------
# Bayes' rule, prior shift, minimum risk (skmlp._risk)
# ---------------------------------------------------------------------------

def log_posteriors(ops, jll, priors):
    """ln P(j | x) from ln(p_j f_j(x)), as ``_risk.log_posteriors``.

    Each row minus its logsumexp (LogSoftmax factors the largest term out);
    a row that is -inf throughout (no class has density) gets the priors.
    """
    empty = ops.Equal(ops.reduce("Max", jll, axis=1), ops.const(-np.inf))
    jll = ops.Where(empty, ops.const(log_or_minus_inf(priors))[None], jll)
    return ops.LogSoftmax(jll, axis=1)


def shift_priors(ops, proba, train_priors, priors):
    """p'(j|x) ∝ p(j|x) π'_j / π̂_j, as ``_risk.shift_priors`` (log space)."""
    seen = train_priors > 0
    log_ratio = np.full(len(priors), -np.inf)
    log_ratio[seen] = log_or_minus_inf(priors[seen]) - np.log(train_priors[seen])
    jll = ops.Add(ops.Log(proba), ops.const(log_ratio))
    return ops.Exp(log_posteriors(ops, jll, priors))


def minimum_risk_index(ops, proba, cost):
    """argmin_i sum_j C[i, j] P(j | x), ties to the first class.

    ``cost`` has a row per decision: (K, K), or (K + 1, K) with the doubt row
    of a reject option last (``_risk.decision_cost_matrix``).

    As ``_risk.conditional_risk`` then ``_risk.minimum_risk_index``: risks
    within TIE_ULPS units in the last place (of the row's largest risk) of
    the row's minimum are the minimum, and ArgMin takes the first of them.
    """
    risk = ops.MatMul(proba, ops.const(cost.T))
    lowest = ops.reduce("Min", risk, axis=1)
    largest = ops.reduce("Max", ops.Abs(risk), axis=1)
    slack = ops.Mul(ops.const(TIE_ULPS * np.finfo(ops.dtype).eps), largest)
    tied = ops.LessOrEqual(risk, ops.Add(lowest, slack))
    return ops.ArgMin(ops.Where(tied, lowest, risk), axis=1, keepdims=0)


def above(ops, score, threshold):
    """1 where score > threshold, else 0 (int64): a binary decision's class index."""
    return ops.to_int64(ops.Greater(score, ops.const(threshold)))
