"""The compiled element-wise work of a training step (numba).

A step of minibatch training is a few matrix products (numpy's matmul, i.e.
BLAS) and, between them, element-wise work: adding biases, activations, the
output layer's loss and delta, the activation derivatives, the bias
gradients, the penalty and the optimizer's update. In numpy each of those is
one or more passes over an array, each a separate call holding the GIL. Here
each is one loop that does several of them in a single pass, compiled by
numba, with the GIL released (``nogil``) so that independent networks can
step in threads, and cached on disk (``cache=True``) so a machine compiles
them once.

The formulas are those of :mod:`skmlp.nn` (the readable reference, tested
equal to these kernels) and of :mod:`skmlp._optimizers`' docstrings, in the
same order of floating-point operations, so that the results agree to
rounding. Every array has a leading axis ``K``: the networks of a stack (one
network is a stack of one). Per-network constants (learning rates, momenta,
penalties) come as arrays of shape ``(K,)`` in the parameters' dtype, so that
float32 parameters are computed in float32 throughout: no float64 constant
promotes them (:func:`_one` gives a ``1`` of the array's own type).
Losses are accumulated in float64, as :mod:`skmlp.nn` does.

This module imports numpy and numba only; only :mod:`skmlp._training` and
:mod:`skmlp._optimizers` import it.
"""

import numba
import numpy as np
from numba import njit, types
from numba.extending import overload

# Codes of the activations and losses (the kernels take integers, not strings).
IDENTITY, LOGISTIC, TANH, RELU, SOFTMAX = 0, 1, 2, 3, 4
ACTIVATION_CODES = {"identity": IDENTITY, "logistic": LOGISTIC, "tanh": TANH,
                    "relu": RELU, "softmax": SOFTMAX}
LOG_LOSS, SQUARED_ERROR = 0, 1
LOSS_CODES = {"log_loss": LOG_LOSS, "squared_error": SQUARED_ERROR}

_kernel = njit(nogil=True, cache=True)


def max_threads():
    """numba's thread count (``NUMBA_NUM_THREADS``, set by joblib's workers)."""
    return numba.config.NUMBA_NUM_THREADS


def _one(x):  # pragma: no cover - replaced by the overload below inside kernels
    """``1`` in the floating type of ``x`` (float32 stays float32)."""
    raise NotImplementedError


@overload(_one, inline="always")
def _one_overload(x):
    if isinstance(x, types.Float):
        one = x(1.0)
        return lambda x: one
    return None


@_kernel
def _activate(z, activation):
    """``f(z)`` of one pre-activation (relu keeps NaN, as numpy's maximum)."""
    one = _one(z)
    if activation == RELU:
        return z if not z <= 0 else one - one
    if activation == LOGISTIC:
        return one / (one + np.exp(-z))
    if activation == TANH:
        return np.tanh(z)
    return z


@_kernel
def _derivative(a, activation):
    """``f'`` written from the unit's output ``a = f(z)`` (nn.DERIVATIVES)."""
    one = _one(a)
    if activation == RELU:
        return one if a > 0 else one - one
    if activation == LOGISTIC:
        return a * (one - a)
    if activation == TANH:
        return one - a * a
    return one


@_kernel
def bias_activation(Z, params, offset, activation):
    """``Z[k] = f(Z[k] + b[k])`` in place: a hidden layer's output.

    Parameters
    ----------
    Z : ndarray of shape (K, n_samples, fan_out)
        The products ``A @ W`` of each network; overwritten by the activations.
    params : ndarray of shape (K, P)
        Every parameter of the stack, a row per network; the layer's biases
        ``b[k]`` are ``params[k, offset:offset + fan_out]``.
    offset : int
        Where the layer's biases start in a row.
    activation : int
        IDENTITY, LOGISTIC, TANH or RELU.
    """
    K, m, n = Z.shape
    for k in range(K):
        for i in range(m):
            for j in range(n):
                Z[k, i, j] = _activate(Z[k, i, j] + params[k, offset + j], activation)


@_kernel
def _softmax_row(z):
    """Softmax of one row in place (the maximum subtracted first, as nn.softmax)."""
    peak = z[0]
    for j in range(1, z.shape[0]):
        if z[j] > peak or z[j] != z[j]:  # NaN wins, as numpy's max
            peak = z[j]
    total = _one(peak) - _one(peak)
    for j in range(z.shape[0]):
        z[j] = np.exp(z[j] - peak)
        total += z[j]
    for j in range(z.shape[0]):
        z[j] /= total


@_kernel
def _row_loss(y, t, out_activation, loss, eps):
    """The loss of one sample over its outputs ``y`` (nn._row_losses), float64.

    Softmax outputs are taken with one-hot targets: the loss reads the
    probability of the sample's class, ``-ln y . t`` clipped to [eps, 1 - eps].
    """
    one = _one(eps)
    if loss == SQUARED_ERROR:
        total = 0.0
        for j in range(y.shape[0]):
            d = y[j] - t[j]
            total += d * d
        return 0.5 * total
    if out_activation == SOFTMAX:
        p = y[0] * t[0]
        for j in range(1, y.shape[0]):
            p += y[j] * t[j]
        return -np.float64(np.log(min(max(p, eps), one - eps)))
    terms = one - one  # binary cross-entropy of every logistic unit, in y's dtype
    for j in range(y.shape[0]):
        p = min(max(y[j], eps), one - eps)
        term = one - one  # xlogy(t, p) + xlogy(1 - t, 1 - p): 0 log 0 counts 0
        if t[j] != 0:
            term += t[j] * np.log(p)
        if t[j] != one:
            term += (one - t[j]) * np.log(one - p)
        terms += term
    return -np.float64(terms)


@_kernel
def output_layer(Z, params, offset, T, out_activation, loss, eps, row_scale, loss_weight,
                 delta, grads, losses):
    """Output activation, loss, output delta and bias gradient in one pass.

    For each network ``k`` and sample ``n``: ``y = g(z + b)`` (softmax or
    logistic) overwrites ``Z``; ``losses[k] += loss_weight[n] * L_n`` (float64);
    ``delta = (s_n / S) dL_n/da``, which is ``y - t`` for the cross-entropy
    losses and ``(y - t) y (1 - y)`` for squared error with logistic outputs;
    the output biases' gradient ``sum_n delta[k, n]``.

    Parameters
    ----------
    Z : ndarray of shape (K, n_samples, n_outputs)
        The products of the last layer; overwritten by the outputs.
    params : ndarray of shape (K, P)
        Every parameter of the stack; the output biases start at ``offset``.
    offset : int
        Where the output biases start in a row (of params and of grads).
    T : ndarray of shape (n_samples, n_outputs)
        Targets, shared by the stack (one-hot rows for softmax).
    out_activation, loss : int
        SOFTMAX or LOGISTIC; LOG_LOSS or SQUARED_ERROR.
    eps : float
        Machine epsilon of the dtype (clips the probabilities in the log-loss).
    row_scale : ndarray of shape (n_samples,)
        ``s_n / S`` in the dtype of Z.
    loss_weight : ndarray of shape (n_samples,) of float64
        ``s_n`` (ones without sample weights).
    delta : ndarray of shape (K, n_samples, n_outputs)
        Output: the output layer's delta.
    grads : ndarray of shape (K, P)
        Output: the gradient of the output biases, at ``offset``.
    losses : ndarray of shape (K,) of float64
        Output: ``sum_n s_n L_n`` per network (not yet divided by S).
    """
    K, m, n = Z.shape
    one = _one(eps)
    for k in range(K):
        losses[k] = 0.0
        for j in range(n):
            grads[k, offset + j] = 0
        for i in range(m):
            y = Z[k, i]
            for j in range(n):
                y[j] = y[j] + params[k, offset + j]
            if out_activation == SOFTMAX:
                _softmax_row(y)
            else:
                for j in range(n):
                    y[j] = _activate(y[j], out_activation)
            losses[k] += loss_weight[i] * _row_loss(y, T[i], out_activation, loss, eps)
            for j in range(n):
                d = y[j] - T[i, j]
                if loss == SQUARED_ERROR:  # times the logistic unit's derivative
                    d = d * y[j]
                    d = d * (one - y[j])
                d = d * row_scale[i]
                delta[k, i, j] = d
                grads[k, offset + j] += d


@_kernel
def hidden_delta(delta, A, activation, grads, offset):
    """``delta *= f'(A)`` in place, and the layer's bias gradient ``sum_n delta[k, n]``.

    ``delta`` holds ``delta_next @ W.T`` on entry: this finishes the delta of
    a hidden layer whose outputs are ``A``; the bias gradient goes to
    ``grads[k, offset:offset + fan_out]``.
    """
    K, m, n = delta.shape
    for k in range(K):
        for j in range(n):
            grads[k, offset + j] = 0
        for i in range(m):
            for j in range(n):
                d = delta[k, i, j] * _derivative(A[k, i, j], activation)
                delta[k, i, j] = d
                grads[k, offset + j] += d


@_kernel
def add_penalty(params, grads, n_penalized, lam, sq_norms):
    """``grads[k, :n] += lam[k] params[k, :n]``; ``sq_norms[k] = ||params[k, :n]||^2``.

    ``n = n_penalized``: the weights come first in a network's row of
    parameters, the biases (not penalised) after them. The full-batch
    (L-BFGS) gradient; the stochastic solvers fuse this into their update.
    """
    for k in range(params.shape[0]):
        total = 0.0
        for p in range(n_penalized):
            w = params[k, p]
            total += np.float64(w) * w
            grads[k, p] = grads[k, p] + lam[k] * w
        sq_norms[k] = total


@_kernel
def sgd_update(params, grads, velocities, n_penalized, lam, eta, mu, nesterov, sq_norms):
    """Penalty and one SGD step with (Nesterov) momentum, in one pass.

    With ``g = grad + lam w`` (weights only), ``eta``, ``mu`` per network:
    ``v <- mu v - eta g``, then ``w <- w + mu v - eta g`` (Nesterov) or
    ``w <- w + v``. ``sq_norms[k]`` gets the squared norm of the penalised
    weights before the step (for the loss of this minibatch).
    """
    K, P = params.shape
    for k in range(K):
        total = 0.0
        for p in range(P):
            w = params[k, p]
            g = grads[k, p]
            if p < n_penalized:
                total += np.float64(w) * w
                g = g + lam[k] * w
            step = g * eta[k]
            v = velocities[k, p] * mu[k] - step
            velocities[k, p] = v
            if nesterov:
                params[k, p] = (w - step) + v * mu[k]
            else:
                params[k, p] = w + v
        sq_norms[k] = total


@_kernel
def adam_update(params, grads, ms, vs, n_penalized, lam, eta, beta_1, one_minus_beta_1,
                beta_2, one_minus_beta_2, epsilon, sq_norms):
    """Penalty and one Adam step, in one pass.

    With ``g = grad + lam w`` (weights only) and ``eta`` the bias-corrected
    step size of this step: ``m <- beta_1 m + (1 - beta_1) g``,
    ``v <- beta_2 v + (1 - beta_2) g^2``, ``w <- w - eta m / (sqrt(v) + epsilon)``.
    ``sq_norms`` as in :func:`sgd_update`.
    """
    K, P = params.shape
    for k in range(K):
        total = 0.0
        for p in range(P):
            w = params[k, p]
            g = grads[k, p]
            if p < n_penalized:
                total += np.float64(w) * w
                g = g + lam[k] * w
            m = ms[k, p] * beta_1[k] + one_minus_beta_1[k] * g
            v = vs[k, p] * beta_2[k] + (g * g) * one_minus_beta_2[k]
            ms[k, p] = m
            vs[k, p] = v
            params[k, p] = w - (m / (np.sqrt(v) + epsilon[k])) * eta[k]
        sq_norms[k] = total
