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

Two kernels serve the perceptron (see :mod:`skmlp._perceptron`):
:func:`walk_block`, the sequential rule inside a block of rows, and
:func:`penalized_epoch`, a whole pass of the rule with a penalty.

This module imports numpy and numba only; only :mod:`skmlp._training`,
:mod:`skmlp._optimizers` and :mod:`skmlp._perceptron` import it.
"""

import math

import numba
import numpy as np
from numba import njit, types
from numba.extending import overload

# Codes of the activations and losses (the kernels take integers, not strings).
IDENTITY, LOGISTIC, TANH, RELU, SOFTMAX = 0, 1, 2, 3, 4
LEAKY_RELU, ELU, GELU, SOFTPLUS, SILU = 5, 6, 7, 8, 9
ACTIVATION_CODES = {"identity": IDENTITY, "logistic": LOGISTIC, "tanh": TANH,
                    "relu": RELU, "softmax": SOFTMAX, "leaky_relu": LEAKY_RELU, "elu": ELU,
                    "gelu": GELU, "softplus": SOFTPLUS, "silu": SILU}
# The activations whose derivative reads the pre-activation z, not the output
# (nn.PRE_ACTIVATION_DERIVATIVES): their layers keep z for the backward pass.
PRE_ACTIVATION_CODES = (GELU, SILU)
LEAKY_RELU_SLOPE = 0.01
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2PI = math.sqrt(2 * math.pi)
LOG_LOSS, SQUARED_ERROR, POISSON = 0, 1, 2
LOSS_CODES = {"log_loss": LOG_LOSS, "squared_error": SQUARED_ERROR, "poisson": POISSON}
# The exponential output of the Poisson regressor (the inverse of its log link):
# an output activation only, with a code of its own far from the hidden ones'.
EXP = 16
ACTIVATION_CODES["exp"] = EXP

_kernel = njit(nogil=True, cache=True)
# The helpers called per element or per row, inlined where they are called (a
# call per row, with its arrays passed as structures, costs as much as the row);
# the ones called per network or per layer stay calls (inlining them all takes
# several times longer to compile, for nothing measurable).
_inline = njit(nogil=True, cache=True, inline="always")


def max_threads():
    """numba's thread count (``NUMBA_NUM_THREADS``, set by joblib's workers)."""
    return numba.config.NUMBA_NUM_THREADS


def _one(x):
    """``1`` in the floating type of ``x`` (float32 stays float32).

    The overload below is what compiled kernels call; this body runs where
    they run as Python (``NUMBA_DISABLE_JIT=1``).
    """
    return type(x)(1.0)


@overload(_one, inline="always")
def _one_overload(x):
    if isinstance(x, types.Float):
        one = x(1.0)
        return lambda x: one
    return None


def _cast(x, like):
    """``x`` in the floating type of ``like`` (as :func:`_one`, Python without JIT)."""
    return type(like)(x)


@overload(_cast, inline="always")
def _cast_overload(x, like):
    if isinstance(like, types.Float):
        ty = like
        return lambda x, like: ty(x)
    return None


@_kernel
def _penalty(w, alpha, S, losses, k):
    """``lam = alpha[k] / S`` in w's dtype, and the penalty added to ``losses[k]``.

    ``losses[k]`` holds the summed data loss on entry and the mean loss
    ``sum_n s_n L_n / S + alpha / (2 S) ||W||^2`` of network k on return, as
    :func:`skmlp.nn.backward` computes it.
    """
    losses[k] = losses[k] / S + alpha[k] / (2 * S) * _sum_of_squares(w)
    return _cast(alpha[k] / S, w[0])


@_inline
def _activate(z, activation):
    """``f(z)`` of one pre-activation (relu keeps NaN, as numpy's maximum)."""
    one = _one(z)
    if activation == RELU:
        return z if not z <= 0 else one - one
    if activation == LOGISTIC:
        return one / (one + np.exp(-z))
    if activation == TANH:
        return np.tanh(z)
    if activation == LEAKY_RELU:
        return z * _cast(LEAKY_RELU_SLOPE, z) if z < 0 else z
    if activation == ELU:
        return _cast(math.expm1(z), z) if z < 0 else z
    if activation == GELU:  # z Phi(z), Phi(z) = erfc(-z / sqrt 2) / 2 (no cancellation)
        return z * (_cast(0.5, z) * _cast(math.erfc(-z * _cast(_SQRT_HALF, z)), z))
    if activation == SOFTPLUS:  # numpy's logaddexp(0, z): never overflows
        if z > 0:
            return z + _cast(math.log1p(math.exp(-z)), z)
        return _cast(math.log1p(math.exp(z)), z)
    if activation == SILU:  # z sigma(z)
        return z * (one / (one + np.exp(-z)))
    return z


@_inline
def _needs_pre(activation):
    """Whether the derivative of ``activation`` reads the pre-activation (gelu, silu)."""
    return activation == GELU or activation == SILU


@_inline
def _activate_row(z, bias, activation, pre):
    """``z = f(z + bias)`` in place; the choice of f outside the loop (one loop each).

    Where f's derivative needs it (gelu, silu), ``pre`` keeps ``z + bias``.
    """
    if activation == RELU:
        for j in range(z.shape[0]):
            z[j] = _activate(z[j] + bias[j], RELU)
    elif activation == LOGISTIC:
        for j in range(z.shape[0]):
            z[j] = _activate(z[j] + bias[j], LOGISTIC)
    elif activation == TANH:
        for j in range(z.shape[0]):
            z[j] = _activate(z[j] + bias[j], TANH)
    elif activation == IDENTITY:
        for j in range(z.shape[0]):
            z[j] = z[j] + bias[j]
    elif _needs_pre(activation):
        for j in range(z.shape[0]):
            pre[j] = z[j] + bias[j]
            z[j] = _activate(pre[j], activation)
    else:
        for j in range(z.shape[0]):
            z[j] = _activate(z[j] + bias[j], activation)


@_inline
def _derivative(a, activation):
    """``f'`` written from the unit's output ``a = f(z)`` (nn.DERIVATIVES)."""
    one = _one(a)
    if activation == RELU:
        return one if a > 0 else one - one
    if activation == LOGISTIC:
        return a * (one - a)
    if activation == TANH:
        return one - a * a
    if activation == LEAKY_RELU:
        return one if a > 0 else _cast(LEAKY_RELU_SLOPE, a)
    if activation == ELU:  # below 0, f' = exp(z) = a + 1
        return one if a > 0 else a + one
    if activation == SOFTPLUS:  # sigma(z) = 1 - exp(-a)
        return -_cast(math.expm1(-a), a)
    return one


@_inline
def _pre_derivative(z, activation):
    """``f'`` written from the pre-activation ``z`` (nn.PRE_ACTIVATION_DERIVATIVES)."""
    one = _one(z)
    if activation == GELU:  # Phi(z) + z phi(z)
        phi = _cast(math.exp(-0.5 * z * z), z) / _cast(_SQRT_2PI, z)
        return _cast(0.5, z) * _cast(math.erfc(-z * _cast(_SQRT_HALF, z)), z) + z * phi
    sigma = one / (one + np.exp(-z))  # SILU: sigma(z) (1 + z (1 - sigma(z)))
    return sigma * (one + z * (one - sigma))


@_kernel
def bias_activation(Z, params, offset, activation, pre):
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
        The layer's code: IDENTITY, LOGISTIC, TANH, RELU, LEAKY_RELU, ELU,
        GELU, SOFTPLUS or SILU.
    pre : ndarray of shape (K, n_samples, fan_out)
        Output: the pre-activations ``Z[k] + b[k]`` where the activation's
        derivative reads them (:data:`PRE_ACTIVATION_CODES`); not written
        otherwise (any array of Z's shape, Z itself included, will do then).
    """
    K, m, n = Z.shape
    for k in range(K):
        _hidden_output(Z[k], params[k, offset:offset + n], activation, pre[k])


@_kernel
def _hidden_output(Z, bias, activation, pre):
    """One network's ``Z = f(Z + bias)``, a row at a time (``pre`` as in bias_activation)."""
    for i in range(Z.shape[0]):
        _activate_row(Z[i], bias, activation, pre[i])


@_inline
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


@_inline
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
    if loss == POISSON:  # half the Poisson deviance: t ln(t / y) - t + y (0 ln 0 = 0)
        total = 0.0
        for j in range(y.shape[0]):
            term = y[j] - t[j]
            if t[j] != 0:
                term += t[j] * np.log(t[j] / y[j])
            total += term
        return total
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
    losses, squared error on identity outputs and the Poisson loss on
    exponential ones, and ``(y - t) y (1 - y)`` for squared error with
    logistic outputs;
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
        SOFTMAX, LOGISTIC, IDENTITY or EXP; LOG_LOSS, SQUARED_ERROR or POISSON.
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
    for k in range(K):
        losses[k] = _network_output(Z[k], params[k, offset:offset + n], T, out_activation,
                                    loss, eps, row_scale, loss_weight, delta[k],
                                    grads[k, offset:offset + n])


@_kernel
def _network_output(Z, bias, T, out_activation, loss, eps, row_scale, loss_weight, delta,
                    bias_grad):
    """One network's output layer (see :func:`output_layer`); its summed loss."""
    bias_grad[:] = 0
    total = 0.0
    for i in range(Z.shape[0]):
        y = Z[i]
        if out_activation == SOFTMAX and loss == LOG_LOSS:
            row = _softmax_cross_entropy_row(y, bias, T[i], eps, row_scale[i], delta[i],
                                             bias_grad)
        else:
            if out_activation == SOFTMAX:
                _add(y, bias)
                _softmax_row(y)
            elif out_activation == EXP:
                _add(y, bias)
                for j in range(y.shape[0]):
                    y[j] = np.exp(y[j])
            else:
                _activate_row(y, bias, out_activation, y)  # logistic: nothing kept
            row = _row_loss(y, T[i], out_activation, loss, eps)
            _output_delta_row(y, T[i], out_activation, loss, row_scale[i], delta[i],
                              bias_grad)
        total += loss_weight[i] * row
    return total


@_inline
def _add(z, bias):
    for j in range(z.shape[0]):
        z[j] = z[j] + bias[j]


@_inline
def _softmax_cross_entropy_row(z, bias, t, eps, scale, delta, bias_grad):
    """Softmax of ``z + bias`` in place, its loss ``-ln y . t`` (one-hot t), its delta.

    The same operations as :func:`_softmax_row`, :func:`_row_loss` then
    :func:`_output_delta_row`, in three passes over the row instead of six.
    """
    one = _one(eps)
    z[0] = z[0] + bias[0]
    peak = z[0]
    for j in range(1, z.shape[0]):
        z[j] = z[j] + bias[j]
        if z[j] > peak or z[j] != z[j]:  # NaN wins, as numpy's max
            peak = z[j]
    total = one - one
    for j in range(z.shape[0]):
        z[j] = np.exp(z[j] - peak)
        total += z[j]
    p = one - one
    for j in range(z.shape[0]):
        z[j] /= total
        p += z[j] * t[j]
        delta[j] = (z[j] - t[j]) * scale
        bias_grad[j] += delta[j]
    return -np.float64(np.log(min(max(p, eps), one - eps)))


@_inline
def _output_delta_row(y, t, out_activation, loss, scale, delta, bias_grad):
    """``delta = (y - t) [y (1 - y)] s_n / S`` and ``bias_grad += delta`` for one sample.

    The factor ``y (1 - y)`` only for squared error on logistic units: the
    cross-entropies of softmax and logistic units, squared error on identity
    units and the Poisson loss on exponential ones all have ``dL/da = y - t``.
    """
    one = _one(scale)
    if loss == SQUARED_ERROR and out_activation == LOGISTIC:  # the unit's derivative
        for j in range(y.shape[0]):
            d = (y[j] - t[j]) * y[j]
            delta[j] = (d * (one - y[j])) * scale
            bias_grad[j] += delta[j]
    else:
        for j in range(y.shape[0]):
            delta[j] = (y[j] - t[j]) * scale
            bias_grad[j] += delta[j]


@_kernel
def hidden_delta(delta, A, pre, activation, grads, offset):
    """``delta *= f'`` in place, and the layer's bias gradient ``sum_n delta[k, n]``.

    ``delta`` holds ``delta_next @ W.T`` on entry: this finishes the delta of
    a hidden layer whose outputs are ``A`` (and pre-activations ``pre``, read
    for gelu and silu only, as :func:`bias_activation` left them); the bias
    gradient goes to ``grads[k, offset:offset + fan_out]``.
    """
    K, m, n = delta.shape
    for k in range(K):
        _network_hidden_delta(delta[k], A[k], pre[k], activation,
                              grads[k, offset:offset + n])


@_kernel
def _network_hidden_delta(delta, A, pre, activation, bias_grad):
    """One network's ``delta *= f'`` and its bias gradient, a row at a time."""
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        _derivative_row(delta[i], A[i], pre[i], activation, bias_grad)


@_kernel
def forward_backward(X, T, row_scale, loss_weight, params, grads, shapes, coef_offsets,
                     bias_offsets, acts, deltas, pres, layer_starts, activations,
                     out_activation, loss, eps, losses, thinned, masks, dropping):
    """A stack's whole forward and backward pass on a dense minibatch, in one call.

    What :func:`bias_activation`, :func:`output_layer` and :func:`hidden_delta`
    do between numpy's products, with the products in here too (``np.dot``:
    BLAS's gemm, through scipy): one call per minibatch, so that threads
    training other stacks wait for the GIL once per minibatch, not at every
    product. Network by network, layer by layer, the same operations in the
    same order for every network, whatever the stack.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), C-contiguous
        The minibatch.
    T, row_scale, loss_weight, eps, losses :
        As in :func:`output_layer`.
    params, grads : ndarray of shape (K, P)
        The stack's parameters; the gradients of the data term (output).
    shapes : ndarray of shape (n_layers, 2) of int
        ``(fan_in, fan_out)`` of each layer.
    coef_offsets, bias_offsets : ndarray of shape (n_layers,) of int
        Where each layer's weights (C order) and biases start in a row.
    acts, deltas : ndarray of shape (n_buffer,)
        Every layer's outputs and deltas (outputs), layer l's as a
        C-contiguous (K, n_samples, fan_out) array from ``layer_starts[l]``.
    pres : ndarray
        The pre-activations of the hidden layers whose activation's
        derivative reads them (gelu, silu), laid out as ``acts``; read and
        written for those layers only (it may be empty when there are none).
    layer_starts : ndarray of shape (n_layers,) of int
        Where each layer's array starts in ``acts``, ``deltas`` and ``pres``.
    activations : ndarray of shape (n_layers - 1,) of int64
        The code of each hidden layer's activation (as in :func:`bias_activation`).
    out_activation, loss : int
        As in :func:`output_layer`.
    thinned, masks : ndarray
        Inverted dropout, laid out as ``acts`` (empty without dropout in the
        stack): ``masks`` holds each hidden unit's factor, ``keep / (1 -
        rate)`` (0 for a dropped unit); ``thinned`` receives ``acts * masks``,
        what the next layer sees and its weights' gradient reads. The delta
        flowing back through the thinning is multiplied by the same factor
        before ``f'`` (taken from the unthinned outputs).
    dropping : ndarray of shape (K,) of bool
        The networks with dropout (the others never read the two arrays).
    """
    K, m, last = params.shape[0], X.shape[0], shapes.shape[0] - 1
    for k in range(K):
        row, grad = params[k], grads[k]
        inputs = X
        for l in range(last + 1):
            W = _matrix(row, coef_offsets[l], shapes[l, 0], shapes[l, 1])
            Z = _layer(acts, layer_starts[l], K, m, shapes[l, 1])[k]
            np.dot(inputs, W, Z)
            bias = row[bias_offsets[l]:bias_offsets[l] + shapes[l, 1]]
            inputs = Z
            if l < last:
                _hidden_output(Z, bias, activations[l],
                               _pre(pres, layer_starts[l], K, m, Z, activations[l], k))
                if dropping[k]:
                    inputs = _layer(thinned, layer_starts[l], K, m, shapes[l, 1])[k]
                    _multiply(Z, _layer(masks, layer_starts[l], K, m, shapes[l, 1])[k],
                              inputs)
            else:
                losses[k] = _network_output(
                    Z, bias, T, out_activation, loss, eps, row_scale, loss_weight,
                    _layer(deltas, layer_starts[l], K, m, shapes[l, 1])[k],
                    grad[bias_offsets[l]:bias_offsets[l] + shapes[l, 1]])
        for l in range(last, -1, -1):
            delta = _layer(deltas, layer_starts[l], K, m, shapes[l, 1])[k]
            inputs = X
            if l > 0:
                A = _layer(acts, layer_starts[l - 1], K, m, shapes[l, 0])[k]
                inputs = _layer(thinned, layer_starts[l - 1], K, m, shapes[l, 0])[k] if (
                    dropping[k]) else A
            np.dot(inputs.T, delta, _matrix(grad, coef_offsets[l], shapes[l, 0], shapes[l, 1]))
            if l > 0:  # no delta for the input layer
                previous = _layer(deltas, layer_starts[l - 1], K, m, shapes[l, 0])[k]
                np.dot(delta, _matrix(row, coef_offsets[l], shapes[l, 0], shapes[l, 1]).T,
                       previous)
                if dropping[k]:  # back through the thinning: the same factor
                    _multiply(previous, _layer(masks, layer_starts[l - 1], K, m,
                                               shapes[l, 0])[k], previous)
                _network_hidden_delta(
                    previous, A,
                    _pre(pres, layer_starts[l - 1], K, m, A, activations[l - 1], k),
                    activations[l - 1],
                    grad[bias_offsets[l - 1]:bias_offsets[l - 1] + shapes[l, 0]])


@_kernel
def _multiply(A, B, out):
    """``out = A * B`` element-wise, for (m, n) arrays (out may be A)."""
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i, j] = A[i, j] * B[i, j]


@_kernel
def _pre(pres, start, K, m, A, activation, k):
    """Network k's pre-activations of a layer, from ``pres[start:]`` where its
    activation needs them; else the layer's outputs ``A`` (then neither read nor written)."""
    if _needs_pre(activation):
        return _layer(pres, start, K, m, A.shape[1])[k]
    return A


@_kernel
def _matrix(row, start, fan_in, fan_out):
    """The (fan_in, fan_out) matrix stored in C order at ``row[start:]``."""
    return row[start:start + fan_in * fan_out].reshape((fan_in, fan_out))


@_kernel
def _layer(buffer, start, K, m, n):
    """The (K, m, n) array stored at ``buffer[start:]``."""
    return buffer[start:start + K * m * n].reshape((K, m, n))


@_inline
def _derivative_row(delta, a, z, activation, bias_grad):
    """``delta *= f'`` and ``bias_grad += delta``; the choice of f' outside the loop.

    ``f'`` from the outputs ``a``, or from the pre-activations ``z`` (gelu, silu).
    """
    if activation == RELU:
        for j in range(delta.shape[0]):
            delta[j] = delta[j] * _derivative(a[j], RELU)
            bias_grad[j] += delta[j]
    elif activation == LOGISTIC:
        for j in range(delta.shape[0]):
            delta[j] = delta[j] * _derivative(a[j], LOGISTIC)
            bias_grad[j] += delta[j]
    elif activation == TANH:
        for j in range(delta.shape[0]):
            delta[j] = delta[j] * _derivative(a[j], TANH)
            bias_grad[j] += delta[j]
    elif activation == IDENTITY:
        for j in range(delta.shape[0]):
            bias_grad[j] += delta[j]
    elif _needs_pre(activation):
        for j in range(delta.shape[0]):
            delta[j] = delta[j] * _pre_derivative(z[j], activation)
            bias_grad[j] += delta[j]
    else:
        for j in range(delta.shape[0]):
            delta[j] = delta[j] * _derivative(a[j], activation)
            bias_grad[j] += delta[j]


@njit(nogil=True, cache=True, fastmath={"reassoc"})
def _sum_of_squares(w):
    """``sum w**2`` in float64, vectorized.

    Reassociation lets the compiler keep several partial sums in SIMD
    registers: the order of the additions is then the compiled loop's, the
    same for every network of every stack on this machine (as BLAS's
    sums), not the written one.
    """
    total = 0.0
    for p in range(w.shape[0]):
        total += np.float64(w[p]) * w[p]
    return total


@_kernel
def add_penalty(params, grads, n_penalized, alpha, S, losses):
    """The L2 penalty added to the gradients and the losses of a stack.

    ``grads[k, :n] += lam params[k, :n]`` with ``lam = alpha[k] / S`` and
    ``n = n_penalized`` (the weights come first in a network's row of
    parameters, the biases, not penalised, after them); ``losses`` as in
    :func:`sgd_update`. The full-batch (L-BFGS) gradient; the stochastic
    solvers fuse this into their update.
    """
    for k in range(params.shape[0]):
        w, g = params[k, :n_penalized], grads[k, :n_penalized]
        lam = _penalty(w, alpha, S, losses, k)
        for p in range(w.shape[0]):
            g[p] = g[p] + lam * w[p]


@_kernel
def _clip_scale(w, g, n, lam, max_norm):
    """The factor of global 2-norm clipping of one network's whole gradient.

    The gradient is ``g + lam w`` on the first ``n`` entries (the weights,
    penalty included) and ``g`` on the others (the biases); its norm is
    summed in float64. Returns ``max_norm / ||g||`` in w's dtype where the
    norm exceeds ``max_norm`` (torch's ``clip_grad_norm_``), else 1; an
    infinite ``max_norm`` (no clipping) returns 1 without reading g.
    """
    one = _one(w[0])
    if not max_norm < np.inf:
        return one
    total = 0.0
    for p in range(n):
        gp = g[p] + lam * w[p]
        total += np.float64(gp) * gp
    for p in range(n, w.shape[0]):
        total += np.float64(g[p]) * g[p]
    norm = math.sqrt(total)
    if norm > max_norm:
        return _cast(max_norm / norm, w[0])
    return one


@_kernel
def _sgd_steps(w, g, v, lam, eta, mu, nesterov, scale, decay):
    """``g += lam w``, ``v <- mu v - eta g``, then Nesterov's or the classical step.

    With a clipping factor ``scale`` != 1 the gradient is ``scale (g + lam w)``;
    with ``decay`` = eta * weight_decay != 0 the step also takes ``decay w``
    off the weights as they were before it (decoupled weight decay). The
    default (1, 0) runs the plain loops, bit for bit the step without them.
    """
    if scale == _one(scale) and decay == decay - decay:
        if nesterov:
            for p in range(w.shape[0]):
                step = (g[p] + lam * w[p]) * eta
                v[p] = v[p] * mu - step
                w[p] = (w[p] - step) + v[p] * mu
        else:
            for p in range(w.shape[0]):
                step = (g[p] + lam * w[p]) * eta
                v[p] = v[p] * mu - step
                w[p] = w[p] + v[p]
        return
    for p in range(w.shape[0]):
        shrink = decay * w[p]
        step = ((g[p] + lam * w[p]) * scale) * eta
        v[p] = v[p] * mu - step
        if nesterov:
            w[p] = ((w[p] - step) + v[p] * mu) - shrink
        else:
            w[p] = (w[p] + v[p]) - shrink


@_kernel
def sgd_update(params, grads, velocities, n_penalized, alpha, S, eta, mu, nesterov, losses,
               decay, max_norm):
    """Penalty, clipping, decoupled weight decay and one SGD step with (Nesterov) momentum.

    With ``g = c (grad + lam w)`` (the penalty on weights only, ``lam = alpha / S``;
    ``c`` the clipping factor of :func:`_clip_scale` for the whole gradient,
    weights and biases, bounded by ``max_norm[k]``, inf for none), ``eta``,
    ``mu`` per network: ``v <- mu v - eta g``, then ``w <- w + mu v - eta g``
    (Nesterov) or ``w <- w + v``, minus ``decay[k] w`` on the weights
    (``decay = eta * weight_decay``, the weights before the step).
    ``losses[k]``: network k's summed data loss on entry, its loss (mean
    data loss plus the penalty at the weights before the step) on return.
    """
    n = n_penalized
    for k in range(params.shape[0]):
        w, g, v = params[k], grads[k], velocities[k]
        lam = _penalty(w[:n], alpha, S, losses, k)
        scale = _clip_scale(w, g, n, lam, max_norm[k])
        _sgd_steps(w[:n], g[:n], v[:n], lam, eta[k], mu[k], nesterov, scale, decay[k])
        _sgd_steps(w[n:], g[n:], v[n:], lam - lam, eta[k], mu[k], nesterov, scale,
                   decay[k] - decay[k])


@_kernel
def _adam_steps(w, g, m, v, lam, eta, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                epsilon, scale, decay):
    """``g += lam w``; Adam's moments and step (``scale``, ``decay`` as in :func:`_sgd_steps`)."""
    if scale == _one(scale) and decay == decay - decay:
        for p in range(w.shape[0]):
            gp = g[p] + lam * w[p]
            m[p] = m[p] * beta_1 + one_minus_beta_1 * gp
            v[p] = v[p] * beta_2 + (gp * gp) * one_minus_beta_2
            w[p] = w[p] - (m[p] / (np.sqrt(v[p]) + epsilon)) * eta
        return
    for p in range(w.shape[0]):
        shrink = decay * w[p]
        gp = (g[p] + lam * w[p]) * scale
        m[p] = m[p] * beta_1 + one_minus_beta_1 * gp
        v[p] = v[p] * beta_2 + (gp * gp) * one_minus_beta_2
        w[p] = (w[p] - (m[p] / (np.sqrt(v[p]) + epsilon)) * eta) - shrink


@_kernel
def adam_update(params, grads, ms, vs, n_penalized, alpha, S, eta, beta_1, one_minus_beta_1,
                beta_2, one_minus_beta_2, epsilon, losses, decay, max_norm):
    """Penalty, clipping, decoupled weight decay and one Adam step, in one pass.

    With ``g = c (grad + lam w)`` (as in :func:`sgd_update`) and ``eta`` the
    bias-corrected step size of this step: ``m <- beta_1 m + (1 - beta_1) g``,
    ``v <- beta_2 v + (1 - beta_2) g^2``, ``w <- w - eta m / (sqrt(v) + epsilon)``,
    minus ``decay[k] w`` on the weights (AdamW: ``decay`` is the scheduled
    learning rate times weight_decay, not the bias-corrected step).
    ``lam`` and ``losses`` as in :func:`sgd_update`.
    """
    n = n_penalized
    for k in range(params.shape[0]):
        w, g, m, v = params[k], grads[k], ms[k], vs[k]
        lam = _penalty(w[:n], alpha, S, losses, k)
        scale = _clip_scale(w, g, n, lam, max_norm[k])
        _adam_steps(w[:n], g[:n], m[:n], v[:n], lam, eta[k], beta_1[k], one_minus_beta_1[k],
                    beta_2[k], one_minus_beta_2[k], epsilon[k], scale, decay[k])
        _adam_steps(w[n:], g[n:], m[n:], v[n:], lam - lam, eta[k], beta_1[k],
                    one_minus_beta_1[k], beta_2[k], one_minus_beta_2[k], epsilon[k], scale,
                    decay[k] - decay[k])


@_kernel
def walk_block(scores, desired, gram, step, coef):
    """Rosenblatt's rule over the rows of one block, in order (perceptron).

    ``scores`` (B, K) hold the rows' scores with the weights at the block
    start; on return row i holds its score when it was presented. Where a
    unit errs at row i (y = +1 exactly where the score is > 0, so sgn(0) =
    -1), ``coef[i]`` takes ``step[i]`` (eta0 * weight * (d - y)), 0 where it
    does not, and every later score of the block moves by
    ``gram[i, j] * coef[i]``: the update's change of w(n).x(n) + b(n). The
    operations are those of the numpy walk this replaces (a product and an
    add per later score, zeros included), so the results are the same to
    the bit; ``coef`` (B, K) must come in zeroed.
    """
    n_rows, n_units = scores.shape
    zero = _cast(0.0, scores[0, 0])
    for row in range(n_rows):
        wrong = False
        for k in range(n_units):
            if (scores[row, k] > 0) != desired[row, k]:
                wrong = True
        if not wrong:
            continue
        for k in range(n_units):
            errs = (scores[row, k] > 0) != desired[row, k]
            coef[row, k] = step[row, k] if errs else step[row, k] * zero
        for i in range(row + 1, n_rows):
            g = gram[row, i]
            for k in range(n_units):
                scores[i, k] += g * coef[row, k]


@njit(nogil=True, cache=True, fastmath={"reassoc"})
def penalized_epoch(data, indices, indptr, n_features, rows, desired, step, coef, intercept,
                    fit_intercept, decay, l1_step, l1_u, l1_q, average, sum_coef,
                    sum_intercept, scores_seen):
    """One pass of the perceptron with a penalty, sample by sample.

    X comes as CSR arrays (``data``, ``indices``, ``indptr``), or dense as
    ``data`` = X.ravel() with ``indptr`` empty (row i is then
    ``data[i * n_features:(i + 1) * n_features]``). Per row i of ``rows``, in
    order: the scores w.x + b (into ``scores_seen``; the dot products are
    vectorized, so summed in another order than BLAS's); w times ``decay``;
    for each unit that errs w += step[i, k] x and b += step[i, k]; the
    cumulative l1 truncation when ``l1_step > 0`` (``l1_u`` grows by
    ``l1_step``; ``l1_q``, float64, holds what each weight has paid); the
    float64 running sums of the average. Returns the new ``l1_u``.
    """
    dense = indptr.size == 0
    n_units = coef.shape[0]
    decay = _cast(decay, coef[0, 0])
    for n in range(rows.size):
        i = rows[n]
        start = i * n_features if dense else indptr[i]
        end = start + n_features if dense else indptr[i + 1]
        for k in range(n_units):
            score = _cast(0.0, coef[0, 0])
            for p in range(start, end):
                score += data[p] * coef[k, p - start if dense else indices[p]]
            scores_seen[n, k] = score + intercept[k]
        for k in range(n_units):
            for j in range(n_features):
                coef[k, j] *= decay
            if (scores_seen[n, k] > 0) != desired[i, k]:
                for p in range(start, end):
                    coef[k, p - start if dense else indices[p]] += step[i, k] * data[p]
                if fit_intercept:
                    intercept[k] += step[i, k]
        if l1_step > 0:
            l1_u += l1_step
            _truncate_l1(coef, l1_q, l1_u)
        if average:
            for k in range(n_units):
                for j in range(n_features):
                    sum_coef[k, j] += coef[k, j]
                sum_intercept[k] += intercept[k]
    return l1_u


@_inline
def _truncate_l1(coef, q, u):
    """Pull each weight towards 0 by what it still owes of the cumulative l1 ``u``."""
    for k in range(coef.shape[0]):
        for j in range(coef.shape[1]):
            w = coef[k, j]
            if w > 0:
                coef[k, j] = _cast(max(0.0, w - (u + q[k, j])), w)
            elif w < 0:
                coef[k, j] = _cast(min(0.0, w + (u - q[k, j])), w)
            q[k, j] += coef[k, j] - w
