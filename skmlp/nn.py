r"""The math of a multilayer perceptron on raw arrays.

This module knows nothing of estimators: it takes arrays, weights and
strings, and returns arrays. It is the readable reference of the formulas:
:class:`skmlp.ManualMLPClassifier` predicts with it and trains with the same
formulas compiled (``skmlp/_kernels.py``, tested equal to this module), and
a reader can run the textbook formulas through it line by line.

Layout of the weights (as scikit-learn's ``MLPClassifier``):
``coefs[l]`` has shape ``(fan_in, fan_out)`` and ``intercepts[l]`` shape
``(fan_out,)``; one row of ``X`` is one sample.

From the textbook notation to the code
--------------------------------------
A common textbook notation writes the network as
:math:`x = x^{(0)} \to a^{(1)} \to x^{(1)} \to \dots \to x^{(L)} = y`, with
:math:`w_{ji}` the weight from input :math:`i` to unit :math:`j` (so
:math:`W^{(l)}` has shape (fan_out, fan_in)) and :math:`\odot` the
element-wise product:

.. list-table::
   :header-rows: 1
   :widths: 45 55

   * - the textbook
     - the code
   * - input :math:`x^{(0)}`
     - ``acts[0] = X``
   * - weights :math:`W^{(l)}`
     - ``coefs[l - 1]``, the transpose of :math:`W^{(l)}`: shape (fan_in, fan_out)
   * - :math:`a^{(l)} = W^{(l)} x^{(l-1)} + b^{(l)}`
     - ``acts[l - 1] @ coefs[l - 1] + intercepts[l - 1]``
   * - :math:`x^{(l)} = f(a^{(l)})`
     - ``acts[l]``: ``ACTIVATIONS[f]`` applied in place on :math:`a^{(l)}`
   * - :math:`\delta^{(L)} = y - t` (softmax and cross-entropy)
     - ``deltas[-1] = acts[-1] - T``
   * - :math:`\delta^{(l)} = \delta^{(l+1)} W \odot f'(a^{(l)})`
     - ``deltas[l] @ coefs[l].T``, then ``DERIVATIVES[f](acts[l], ...)``:
       :math:`f'` is written from the output :math:`x^{(l)}` (for gelu and
       silu, ``PRE_ACTIVATION_DERIVATIVES[f]`` from :math:`a^{(l)}`)
   * - :math:`\partial E / \partial W = \frac{1}{N} x^\top \delta + \lambda W`
     - ``coef_grads[l] = acts[l].T @ deltas[l] + (alpha / S) * coefs[l]``
   * - :math:`\partial E / \partial b = \frac{1}{N} \sum_n \delta_n`
     - ``intercept_grads[l] = deltas[l].sum(0)``

The :math:`1/N` (more generally :math:`s_n / S` with sample weights
:math:`s_n` and :math:`S = \sum_n s_n`) is folded into the output delta, so
every later delta and gradient already carries it. The :math:`\lambda`
of :math:`E + \frac{\lambda}{2} \|W\|^2` is ``alpha / S`` here: the penalty is
:math:`\frac{\alpha}{2S} \sum_l \|W_l\|^2` as in scikit-learn; biases are not
penalised. No delta is computed for the input layer (nothing learns there).

The Θ notation writes :math:`a^{(j)}_i` for the activation of unit
:math:`i` in layer :math:`j` (:math:`a^{(1)} = x`) and
:math:`\Theta^{(j)}_{ki}` for the weight from :math:`a^{(j)}_i` to
:math:`a^{(j+1)}_k`, with column 0 multiplying the bias unit :math:`x_0 = 1`.
Hence ``intercepts[j-1] = Theta[j][:, 0]`` and
``coefs[j-1] = Theta[j][:, 1:].T``. Its cost
:math:`J = \frac12 \sum_k (a^{(L)}_k - y_k)^2` is ``loss='squared_error'``
with one sample; its :math:`\alpha` is the learning rate (our ``alpha`` is
the L2 penalty).

Losses over :math:`S = \sum_n s_n` (``S = n_samples`` without weights):

- ``log_loss``: :math:`-\frac{1}{S} \sum_n s_n \sum_k t_{nk} \ln y_{nk}` with
  softmax output, and the binary cross-entropy of every unit with logistic
  output, :math:`-\frac{1}{S} \sum_n s_n \sum_k [t_{nk} \ln y_{nk} +
  (1 - t_{nk}) \ln(1 - y_{nk})]`;
- ``squared_error``: :math:`\frac{1}{2S} \sum_n s_n \sum_k (y_{nk} - t_{nk})^2`;

plus :math:`\frac{\alpha}{2S} \sum_l \|W_l\|^2`.

Every function that produces a layer-sized array may be given a
preallocated buffer, which it fills in place; the dtype of ``X`` (e.g.
float32) is kept throughout. The functions of the activation and derivative
tables overwrite their argument, as their ``inplace_`` names say (the
shorter names of earlier versions, ``logistic``, ``relu``, ``softmax``, ...,
are aliases of the same functions and overwrite their argument too).

Stacks of networks: :func:`forward` and :func:`backward` also take ``K``
networks of the same shape at once, the way :func:`numpy.matmul`
broadcasts: ``coefs[l]`` of shape ``(K, fan_in, fan_out)``, ``intercepts[l]``
of shape ``(K, fan_out)``, activations and deltas of shape
``(K, n_samples, fan_out)``, while ``X``, ``T`` and ``sample_weight`` are
shared. ``alpha`` may then be one value per network (shape ``(K,)``) and
the loss is returned per network. This is the reference of how
:class:`skmlp.model_selection.MLPGridSearchCV` trains the candidates of a
grid search in one pass over the minibatches.
"""

import math

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, ndtr, xlogy

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "HIDDEN_ACTIVATIONS",
    "LOSSES",
    "PRE_ACTIVATION_DERIVATIVES",
    "backward",
    "check_gradients",
    "forward",
    "loss_value",
]

LOSSES = ("log_loss", "squared_error")

# Output activations that give probabilities, so that log_loss is defined.
_PROBABILITY_OUTPUTS = ("softmax", "logistic")


# ---------------------------------------------------------------------------
# Activation functions: f(Z) overwrites Z (in place, hence the names) and is returned.
# ---------------------------------------------------------------------------
def inplace_identity(Z):
    """Identity ``f(z) = z``: leave ``Z`` unchanged and return it."""
    return Z


def inplace_logistic(Z):
    """Logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``, overwriting ``Z`` (scipy's expit)."""
    return expit(Z, out=Z)


def inplace_tanh(Z):
    """Hyperbolic tangent, overwriting ``Z``."""
    return np.tanh(Z, out=Z)


def inplace_relu(Z):
    """Rectified linear unit ``f(z) = max(z, 0)``, overwriting ``Z``."""
    return np.maximum(Z, 0, out=Z)


def inplace_softmax(Z):
    """Row-wise softmax ``exp(z_k) / sum_j exp(z_j)``, overwriting ``Z``.

    The row maximum is subtracted first: softmax does not change, and the
    largest exponent becomes ``exp(0) = 1``, so nothing overflows.
    """
    Z -= Z.max(axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=-1, keepdims=True)
    return Z


LEAKY_RELU_SLOPE = 0.01  # leaky_relu's slope below 0
_SQRT_2PI = math.sqrt(2 * math.pi)


def inplace_leaky_relu(Z):
    """Leaky ReLU ``f(z) = z if z > 0 else 0.01 z``, overwriting ``Z``."""
    return np.multiply(Z, LEAKY_RELU_SLOPE, out=Z, where=Z < 0)


def inplace_elu(Z):
    """Exponential linear unit ``f(z) = z if z > 0 else exp(z) - 1`` (alpha 1), overwriting ``Z``.

    ``expm1`` keeps the digits of ``exp(z) - 1`` near 0.
    """
    return np.expm1(Z, out=Z, where=Z < 0)


def inplace_gelu(Z):
    """Gaussian error linear unit, the exact form ``f(z) = z Phi(z)``, overwriting ``Z``.

    ``Phi`` is the standard normal distribution function (scipy's ndtr,
    ``(1 + erf(z / sqrt 2)) / 2`` computed without cancellation for z < 0).
    """
    Z *= ndtr(Z)
    return Z


def inplace_softplus(Z):
    """Softplus ``f(z) = ln(1 + exp(z))``, overwriting ``Z``.

    numpy's ``logaddexp(0, z) = max(z, 0) + ln(1 + exp(-|z|))`` never
    overflows: softplus(1000) is 1000.
    """
    return np.logaddexp(0, Z, out=Z)


def inplace_silu(Z):
    """Sigmoid linear unit (swish) ``f(z) = z sigma(z)``, overwriting ``Z``."""
    Z *= expit(Z)
    return Z


ACTIVATIONS = {
    "identity": inplace_identity,
    "logistic": inplace_logistic,
    "tanh": inplace_tanh,
    "relu": inplace_relu,
    "leaky_relu": inplace_leaky_relu,
    "elu": inplace_elu,
    "gelu": inplace_gelu,
    "softplus": inplace_softplus,
    "silu": inplace_silu,
    "softmax": inplace_softmax,
}


# ---------------------------------------------------------------------------
# Derivatives: multiply delta in place by f'(a), written from A = f(a).
# ---------------------------------------------------------------------------
def inplace_identity_derivative(A, delta):
    """``f'(a) = 1``: delta is unchanged."""
    return delta


def inplace_logistic_derivative(A, delta):
    """``f'(a) = A (1 - A)`` for ``A = logistic(a)``; delta is scaled in place."""
    delta *= A
    delta *= 1 - A
    return delta


def inplace_tanh_derivative(A, delta):
    """``f'(a) = 1 - A^2`` for ``A = tanh(a)``; delta is scaled in place."""
    factor = np.square(A)
    np.subtract(1, factor, out=factor)
    delta *= factor
    return delta


def inplace_relu_derivative(A, delta):
    """``f'(a) = 1 if A > 0 else 0`` for ``A = relu(a)``; delta is zeroed in place."""
    # A multiplication by the mask: where A = 0 it leaves a zero of delta's
    # sign (equal to 0 in every later sum and update; a non-finite delta stays NaN).
    return np.multiply(delta, A > 0, out=delta)


def inplace_leaky_relu_derivative(A, delta):
    """``f'(a) = 1 if A > 0 else 0.01`` for ``A = leaky_relu(a)`` (A > 0 exactly where a > 0)."""
    return np.multiply(delta, LEAKY_RELU_SLOPE, out=delta, where=~(A > 0))


def inplace_elu_derivative(A, delta):
    """``f'(a) = 1 if A > 0 else A + 1`` for ``A = elu(a)``: below 0, ``f' = exp(a) = A + 1``."""
    return np.multiply(delta, A + 1, out=delta, where=A <= 0)


def inplace_softplus_derivative(A, delta):
    """``f'(a) = sigma(a) = 1 - exp(-A)`` for ``A = softplus(a)``, as ``-expm1(-A)``.

    (``exp(-A) = 1 / (1 + exp(a))``; expm1 keeps the digits where A is small.)
    """
    delta *= -np.expm1(-A)
    return delta


DERIVATIVES = {
    "identity": inplace_identity_derivative,
    "logistic": inplace_logistic_derivative,
    "tanh": inplace_tanh_derivative,
    "relu": inplace_relu_derivative,
    "leaky_relu": inplace_leaky_relu_derivative,
    "elu": inplace_elu_derivative,
    "softplus": inplace_softplus_derivative,
}


# ---------------------------------------------------------------------------
# Derivatives from the pre-activation: multiply delta in place by f'(z), from Z.
#
# gelu and silu dip below 0 and come back up (each has a minimum, near
# z = -0.75 and z = -1.28): two pre-activations give the same output, so no
# formula of the output alone gives f'. Their derivatives read Z itself, which
# forward then keeps (``forward(..., return_pre_activations=True)``) and
# backward takes (``pre_activations=``). The other activations keep the output
# convention above, and need nothing kept but the outputs.
# ---------------------------------------------------------------------------
def inplace_gelu_derivative(Z, delta):
    """``f'(z) = Phi(z) + z phi(z)`` for ``f(z) = z Phi(z)``; delta is scaled in place.

    ``phi(z) = exp(-z^2 / 2) / sqrt(2 pi)`` is the standard normal density.
    """
    delta *= ndtr(Z) + Z * np.exp(-0.5 * np.square(Z)) / _SQRT_2PI
    return delta


def inplace_silu_derivative(Z, delta):
    """``f'(z) = sigma(z) (1 + z (1 - sigma(z)))`` for ``f(z) = z sigma(z)``; in place."""
    sigma = expit(Z)
    delta *= sigma * (1 + Z * (1 - sigma))
    return delta


PRE_ACTIVATION_DERIVATIVES = {
    "gelu": inplace_gelu_derivative,
    "silu": inplace_silu_derivative,
}

# Every activation of a hidden layer (softmax is an output activation only).
HIDDEN_ACTIVATIONS = tuple(DERIVATIVES) + tuple(PRE_ACTIVATION_DERIVATIVES)


def _derivative(name, A, Z, delta):
    """``delta *= f'`` for activation ``name``: from the output A, or from Z where it must be."""
    if name in PRE_ACTIVATION_DERIVATIVES:
        return PRE_ACTIVATION_DERIVATIVES[name](Z, delta)
    return DERIVATIVES[name](A, delta)

# The names without ``inplace_`` of earlier versions, kept as aliases: each
# still overwrites its argument (``logistic(Z)`` changes ``Z``).
identity, logistic, tanh, relu, softmax = (
    inplace_identity, inplace_logistic, inplace_tanh, inplace_relu, inplace_softmax)
identity_derivative, logistic_derivative, tanh_derivative, relu_derivative = (
    inplace_identity_derivative, inplace_logistic_derivative, inplace_tanh_derivative,
    inplace_relu_derivative)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
def _hidden_activations(activation, n_hidden):
    """The activation of each hidden layer: a list of ``n_hidden`` names.

    ``activation`` is one name for every hidden layer or a sequence of one
    name per hidden layer; ValueError for an unknown name or a sequence of
    another length.
    """
    names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if not isinstance(activation, str) and len(names) != n_hidden:
        raise ValueError(
            f"activation has {len(names)} entries {names!r} but the network has "
            f"{n_hidden} hidden layers: give one activation per hidden layer, or one "
            "name for all of them."
        )
    for name in ([activation] if isinstance(activation, str) else names):
        if name not in HIDDEN_ACTIVATIONS:
            hint = " ('softmax' is an output activation only)" if name == "softmax" else ""
            raise ValueError(
                f"activation must be one of {sorted(HIDDEN_ACTIVATIONS)}{hint}, or a "
                f"list of them, one per hidden layer; got {name!r}."
            )
    return names


def _check_activations(activation, out_activation, n_hidden):
    """Every layer's activation name, hidden layers then output; ValueError if unknown."""
    names = _hidden_activations(activation, n_hidden)
    if out_activation not in ACTIVATIONS:
        raise ValueError(
            f"out_activation must be one of {sorted(ACTIVATIONS)}; got {out_activation!r}."
        )
    return names + [out_activation]


def _check_dropout(dropout, dropout_masks, layer_shapes):
    """The dropout rate and mask of each hidden layer: two lists, None where none.

    ``layer_shapes`` are the shapes of the hidden layers' outputs. A mask has
    the shape of its layer's output (or of one network's, shared by a
    stack); a rate is in [0, 1).
    """
    n_hidden = len(layer_shapes)
    if dropout_masks is None:
        if not np.all(np.asarray(dropout, dtype=float) == 0):
            raise ValueError(
                "dropout needs dropout_masks: skmlp.nn draws no random numbers. Pass "
                "one mask per hidden layer, e.g. rng.random(h.shape) >= dropout.")
        return [0.0] * n_hidden, [None] * n_hidden
    rates = [dropout] * n_hidden if np.ndim(dropout) == 0 else list(dropout)
    masks = list(dropout_masks)
    if len(masks) != n_hidden or len(rates) != n_hidden:
        raise ValueError(
            f"dropout_masks (and a list of dropout rates) must have one entry per hidden "
            f"layer, {n_hidden}; got {len(masks)} masks and {len(rates)} rates.")
    for l, (rate, mask, shape) in enumerate(zip(rates, masks, layer_shapes)):
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rates must be in [0, 1); got {rate!r} for hidden "
                             f"layer {l + 1}.")
        if mask is not None and np.shape(mask) not in (shape, shape[-2:]):
            raise ValueError(f"dropout_masks[{l}] must have the shape {shape[-2:]} of its "
                             f"layer's output; got {np.shape(mask)}.")
    return [float(rate) for rate in rates], masks


def _dropped_out(A, mask, rate, out=None):
    """Inverted dropout ``A * mask / (1 - rate)`` in A's dtype (A itself if no mask).

    Into ``out`` if given (``out=A``: in place), else a new array.
    """
    if mask is None:
        return A
    out = np.multiply(A, np.asarray(mask).astype(A.dtype, copy=False), out=out)
    out /= 1 - rate
    return out


def _check_loss(loss, out_activation):
    """Raise ValueError for an unknown loss or a loss the output cannot take."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)}; got {loss!r}.")
    if loss == "log_loss" and out_activation not in _PROBABILITY_OUTPUTS:
        raise ValueError(
            "loss='log_loss' needs probabilities as outputs: out_activation must be "
            f"'softmax' or 'logistic', got out_activation={out_activation!r}. "
            "Use loss='squared_error' for other output activations."
        )


def _check_network(X, coefs, intercepts=None):
    """X (a list is converted), coefs and intercepts checked against each other.

    Raises ValueError naming the argument: X must be 2-D, there must be one
    intercept vector per weight matrix, and the shapes must chain
    (X.shape[1] == coefs[0].shape[0], coefs[l].shape[1] == coefs[l + 1].shape[0],
    intercepts[l].shape == (coefs[l].shape[1],)). Only the last axes are
    compared (as matmul does), so stacked weights of several networks pass.
    """
    if not hasattr(X, "ndim"):  # a list; arrays and sparse matrices stay
        X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D, of shape (n_samples, n_features); got shape {X.shape}. "
            "Reshape a single sample with X.reshape(1, -1)."
        )
    coefs = [W if isinstance(W, np.ndarray) else np.asarray(W) for W in coefs]
    if not coefs or any(W.ndim < 2 for W in coefs):
        raise ValueError(
            "coefs must be a non-empty list of 2-D weight matrices (fan_in, fan_out); "
            f"got shapes {[W.shape for W in coefs]}."
        )
    fan_in = [W.shape[-2] for W in coefs]
    fan_out = [W.shape[-1] for W in coefs]
    if [X.shape[1]] + fan_out[:-1] != fan_in:
        raise ValueError(
            f"coefs have shapes {[W.shape for W in coefs]}, which do not chain from "
            f"X with {X.shape[1]} features: coefs[l] must have shape (fan_in, fan_out) "
            "with fan_in = X.shape[1] for l = 0 and coefs[l - 1].shape[1] after."
        )
    if intercepts is None:
        return X, coefs, None
    intercepts = [b if isinstance(b, np.ndarray) else np.asarray(b) for b in intercepts]
    if len(intercepts) != len(coefs) or any(
        b.ndim < 1 or b.shape[-1] != n for b, n in zip(intercepts, fan_out)
    ):
        raise ValueError(
            f"intercepts must have one vector per layer, of shapes "
            f"{[(n,) for n in fan_out]} to match coefs; got "
            f"{[b.shape for b in intercepts]}."
        )
    return X, coefs, intercepts


def _check_targets(Y, T, name="T"):
    """T must have the shape of the network outputs Y."""
    T = T if isinstance(T, np.ndarray) else np.asarray(T)
    if T.shape != Y.shape[-2:]:  # stacked outputs (K, n, out) share one T
        raise ValueError(
            f"{name} must have the shape of the network outputs, {Y.shape}; "
            f"got {T.shape}."
        )
    return T


def _weights_and_sum(sample_weight, n_samples):
    """Return ``(sample_weight or None, S)``; ``S = sum of weights`` must be > 0."""
    if sample_weight is None:
        if n_samples == 0:
            raise ValueError("Cannot compute a loss over 0 samples (S == 0).")
        return None, float(n_samples)
    sample_weight = np.asarray(sample_weight)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},); got {sample_weight.shape}."
        )
    S = float(sample_weight.sum(dtype=np.float64))
    if not S > 0:
        raise ValueError(
            f"The sum of sample weights S must be positive; got S = {S}. "
            "Skip minibatches whose weights sum to 0."
        )
    return sample_weight, S


def _float_dtype(X):
    """The dtype of X if it is floating point, else float64."""
    return X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)


def _matmul_into(A, B, out):
    """``out[...] = A @ B`` without temporaries; A may be a scipy sparse matrix.

    ``A`` or ``B`` may be a stack ``(K, n, m)``; a 2-D operand is shared by
    the whole stack (numpy's matmul broadcasting).
    """
    if sp.issparse(A):
        if B.ndim == 3:  # sparse @ stack: one product per network
            for k in range(B.shape[0]):
                out[k] = A @ B[k]
            return out
        out[...] = A @ B  # sparse @ dense has no out=; the product is dense
        return out
    # A stack is one matrix product per network (numpy loops over the stack
    # in C), each the very product a single network would compute: the
    # stacked networks train bit for bit as they would alone. (One wide
    # product X @ [W_1 ... W_K] would block the sums differently.)
    return np.matmul(A, B, out=out)


def _T(A):
    """Transpose of the last two axes (a 2-D array, sparse matrix or a stack)."""
    return A.T if A.ndim == 2 else np.swapaxes(A, -1, -2)


def _add_scaled(G, W, scale):
    """``G += scale * W`` in place, a row at a time (no weight-sized temporary).

    For a stack ``(K, fan_in, fan_out)``, ``scale`` has one value per network.
    """
    if isinstance(scale, np.ndarray):  # a stack: network by network
        for G_k, W_k, scale_k in zip(G, W, scale.astype(W.dtype)):
            for g, w in zip(G_k, W_k):
                g += scale_k * w
    elif scale != 0:
        scale = W.dtype.type(scale)
        for g, w in zip(G, W):
            g += scale * w
    return G


def _penalty(coefs, alpha, S):
    """L2 penalty ``alpha / (2 S) sum_l ||W_l||^2`` (biases excluded).

    A float, or one float64 per network of a stack.
    """
    if coefs[0].ndim == 3:  # a stack: the single network's sums, network by network
        # vecdot of each network's flattened weights runs the very dot
        # product vdot runs for one network, in one call for the stack.
        norms = 0.0
        for W in coefs:
            flat = W.reshape(W.shape[0], -1)
            norms = norms + np.vecdot(flat, flat).astype(np.float64)
        return np.asarray(alpha, dtype=np.float64) / (2 * S) * norms
    if alpha == 0:
        return 0.0
    return alpha / (2 * S) * sum(float(np.vdot(W, W)) for W in coefs)


def _layer_buffers(n_samples, coefs, dtype):
    """One (n_samples, fan_out) array per layer after the input (per network of a stack)."""
    return [np.empty(W.shape[:-2] + (n_samples, W.shape[-1]), dtype=dtype) for W in coefs]


# ---------------------------------------------------------------------------
# Forward pass, loss, backward pass
# ---------------------------------------------------------------------------
def forward(X, coefs, intercepts, activation="relu", out_activation="softmax", *, out=None,
            return_pre_activations=False, dropout=0.0, dropout_masks=None):
    """Forward pass: the activations of every layer.

    ``z = acts[l] @ coefs[l] + intercepts[l]`` and ``acts[l + 1] = f(z)``, with
    ``f`` the activation of hidden layer ``l + 1`` and ``out_activation`` for
    the last.

    With dropout (inverted dropout, as in training), hidden layer ``l``'s
    output reaches the next layer thinned by its mask ``m`` and rescaled,
    ``acts[l] * m / (1 - rate)``, so that its expectation over masks of
    keep-probability ``1 - rate`` is ``acts[l]``; ``acts[l]`` itself stays
    ``f(z)``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Input samples.
    coefs : list of ndarray
        ``coefs[l]`` of shape (fan_in, fan_out): weights of layer ``l``
        (or (K, fan_in, fan_out) for a stack of K networks).
    intercepts : list of ndarray
        ``intercepts[l]`` of shape (fan_out,): biases of layer ``l``
        (or (K, fan_out) for a stack).
    activation : str or sequence of str, default='relu'
        Hidden-layer activation, one of :data:`HIDDEN_ACTIVATIONS`
        ('identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu',
        'softplus', 'gelu', 'silu'), or a sequence of one per hidden layer.
    out_activation : str, default='softmax'
        Output-layer activation: 'softmax' or any of the hidden ones.
    out : list of ndarray, default=None
        Preallocated outputs, one per layer after the input, of shape
        (n_samples, fan_out); filled in place and returned in ``acts``.
        If None, they are allocated in the dtype of ``X`` (float64 for
        non-float ``X``).
    return_pre_activations : bool, default=False
        Also return the pre-activations ``z`` of every layer (copies),
        which :func:`backward` needs for 'gelu' and 'silu', whose
        derivatives are not functions of their outputs.
    dropout : float or sequence of float, default=0.0
        Dropout rate in [0, 1), or one per hidden layer; used with
        ``dropout_masks``.
    dropout_masks : list of ndarray or None, default=None
        One mask per hidden layer, of its output's shape (1 keeps a unit, 0
        drops it; None: no dropout in that layer), e.g.
        ``rng.random(shape) >= rate``. None: no dropout (prediction).

    Returns
    -------
    acts : list of ndarray
        ``[X, h_1, ..., output]``; ``acts[l + 1]`` has shape (n_samples, fan_out).
    pre_activations : list of ndarray
        Only with ``return_pre_activations=True``: ``pre_activations[l]`` is
        the ``z`` of which ``acts[l + 1]`` is ``f(z)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.nn import forward
    >>> X = np.array([[1.0, 2.0]])
    >>> coefs = [np.array([[1.0], [-1.0]]), np.array([[2.0, 0.0]])]
    >>> intercepts = [np.array([0.5]), np.array([0.0, 0.0])]
    >>> acts = forward(X, coefs, intercepts, activation="identity")
    >>> acts[1]  # 1 - 2 + 0.5
    array([[-0.5]])
    >>> acts[2]  # softmax(-1, 0)
    array([[0.26894142, 0.73105858]])
    """
    X, coefs, intercepts = _check_network(X, coefs, intercepts)
    names = _check_activations(activation, out_activation, len(coefs) - 1)
    if out is None:
        out = _layer_buffers(X.shape[0], coefs, _float_dtype(X))
    rates, masks = _check_dropout(dropout, dropout_masks, [A.shape for A in out[:-1]])
    rates, masks = [0.0] + rates, [None] + masks  # none on the input
    acts, pre_activations = [X], []
    for l, (W, b, A) in enumerate(zip(coefs, intercepts, out)):
        _matmul_into(_dropped_out(acts[l], masks[l], rates[l]), W, out=A)
        A += b if b.ndim == 1 else b[:, np.newaxis, :]  # a stack's biases: (K, 1, fan_out)
        if return_pre_activations:
            pre_activations.append(A.copy())
        ACTIVATIONS[names[l]](A)
        acts.append(A)
    return (acts, pre_activations) if return_pre_activations else acts


def _row_losses(Y, T, loss, out_activation):
    """Loss of every sample (summed over outputs), shape (n_samples,), float64.

    These arrays are (n_samples, n_outputs): small, so temporaries are fine.
    """
    if loss == "squared_error":
        return 0.5 * np.square(Y - T).sum(axis=-1, dtype=np.float64)
    # Clip so that log(0) never happens: outputs of exactly 0 or 1 give a
    # large but finite loss. xlogy(0, .) = 0 drops the terms with t = 0.
    eps = np.finfo(_float_dtype(Y)).eps
    Y = np.clip(Y, eps, 1 - eps)
    terms = xlogy(T, Y)
    if out_activation == "logistic":  # binary cross-entropy of every unit
        terms += xlogy(1 - T, 1 - Y)
    return -terms.sum(axis=-1, dtype=np.float64)


def loss_value(Y, T, loss="log_loss", out_activation="softmax", sample_weight=None):
    """Data term of the loss for given network outputs (no penalty).

    ``log_loss``: ``-(1/S) sum_n s_n sum_k t_nk ln y_nk`` for softmax outputs,
    ``-(1/S) sum_n s_n sum_k [t ln y + (1 - t) ln(1 - y)]`` for logistic ones
    (probabilities clipped to ``[eps, 1 - eps]`` with ``eps`` the machine
    epsilon of their dtype). ``squared_error``:
    ``(1/(2S)) sum_n s_n sum_k (y_nk - t_nk)^2``.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Network outputs.
    T : ndarray of shape (n_samples, n_outputs)
        Targets (one-hot or soft; each row sums to 1 for softmax outputs).
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        Which loss.
    out_activation : str, default='softmax'
        The output activation that produced ``Y``: with ``log_loss``,
        'softmax' means categorical and 'logistic' binary cross-entropy
        per unit; other outputs raise ValueError.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_n``; None means all ones. ``S = sum_n s_n`` must be > 0.

    Returns
    -------
    float
        The loss, accumulated in float64 (an array of one loss per network
        when ``Y`` is a stack of shape (K, n_samples, n_outputs)).

    Examples
    --------
    The MNIST practice's check: ten uniform outputs and a one-hot target give
    ``-ln 0.1``.

    >>> import numpy as np
    >>> from skmlp.nn import loss_value
    >>> loss_value(np.full((1, 10), 0.1), np.eye(10)[[7]])  # doctest: +ELLIPSIS
    2.302585092994...
    """
    _check_loss(loss, out_activation)
    Y = np.asarray(Y)
    if Y.ndim not in (2, 3):
        raise ValueError(
            f"Y must be 2-D, (n_samples, n_outputs), or stacked (n_networks, "
            f"n_samples, n_outputs); got shape {Y.shape}.")
    T = _check_targets(Y, T)
    sample_weight, S = _weights_and_sum(sample_weight, Y.shape[-2])
    return _data_loss(Y, T, loss, out_activation, sample_weight, S)


def _data_loss(Y, T, loss, out_activation, sample_weight, S):
    """:func:`loss_value` of checked arrays, ``S`` the sum of the weights."""
    rows = _row_losses(Y, T, loss, out_activation)
    if sample_weight is None:
        total = rows.sum(axis=-1)
    elif rows.ndim == 1:
        total = rows @ sample_weight
    else:  # one dot per network: a matrix-vector product would round differently
        total = np.array([r @ sample_weight for r in rows])
    return float(total) / S if Y.ndim == 2 else total / S


def _total_loss(Y, T, coefs, loss, out_activation, alpha, sample_weight, S):
    """Data term plus the L2 penalty: the objective that backward differentiates."""
    return (_data_loss(Y, T, loss, out_activation, sample_weight, S)
            + _penalty(coefs, alpha, S))


def _output_delta(Y, Z, T, loss, out_activation, delta):
    """``delta = dL_n/dz`` at the output layer (before the s_n / S factor).

    ``Z`` is the output's pre-activation (None unless its derivative needs it).
    """
    # Cross-entropy of a softmax (or of logistic units) has dL/dy = -t/y (+ (1-t)/(1-y)),
    # and dy/da = y(1 - y) (softmax: diag(y) - y y^T); the product cancels to
    # y - t. The same start serves squared_error, whose dL/dy is also y - t.
    np.subtract(Y, T, out=delta)
    if loss == "log_loss":
        return delta
    if out_activation == "softmax":
        # Softmax Jacobian applied to g = y - t: y (.) (g - sum_k g_k y_k)
        delta -= np.sum(delta * Y, axis=-1, keepdims=True)
        delta *= Y
        return delta
    # Element-wise output unit: (y - t) (.) f'(z); identity leaves y - t
    return _derivative(out_activation, Y, Z, delta)


def _scale_rows(delta, sample_weight, S):
    """``delta_n *= s_n / S`` in place (``1 / S`` without weights)."""
    if sample_weight is None:
        delta *= 1.0 / S  # a Python float keeps delta's dtype
    else:
        delta *= (sample_weight / S).astype(delta.dtype, copy=False)[:, np.newaxis]
    return delta


def _layer_gradients(A, delta, W, lam, coef_grad, intercept_grad):
    """``coef_grad = A^T delta + lam W`` and ``intercept_grad = sum_n delta_n``."""
    _matmul_into(_T(A), delta, out=coef_grad)
    _add_scaled(coef_grad, W, lam)
    np.sum(delta, axis=-2, out=intercept_grad)


def _check_backward(acts, T, coefs, activation, out_activation, loss, pre_activations):
    """:func:`backward`'s arguments checked: the layers' activation names, coefs and T."""
    _, coefs, _ = _check_network(acts[0], coefs)
    names = _check_activations(activation, out_activation, len(coefs) - 1)
    _check_loss(loss, out_activation)
    if len(acts) != len(coefs) + 1:
        raise ValueError(
            f"acts must be forward's list [X, h_1, ..., output] of {len(coefs) + 1} "
            f"arrays for {len(coefs)} coefs; got {len(acts)}."
        )
    needs_z = sorted({name for name in names if name in PRE_ACTIVATION_DERIVATIVES})
    if needs_z and pre_activations is None:
        raise ValueError(
            f"The derivative of {' and '.join(needs_z)} is not a function of the layer "
            "output: backward needs the pre-activations. Call acts, pre_activations = "
            "forward(..., return_pre_activations=True) and pass "
            "backward(..., pre_activations=pre_activations).")
    if pre_activations is not None and [np.shape(Z) for Z in pre_activations] != [
            A.shape for A in acts[1:]]:
        raise ValueError(
            "pre_activations must be forward's list of the pre-activations of every "
            f"layer, of shapes {[A.shape for A in acts[1:]]} like acts[1:]; got "
            f"{[np.shape(Z) for Z in pre_activations]}.")
    return names, coefs, _check_targets(acts[-1], T)


def backward(
    acts,
    T,
    coefs,
    activation="relu",
    out_activation="softmax",
    loss="log_loss",
    alpha=0.0,
    sample_weight=None,
    *,
    coef_grads=None,
    intercept_grads=None,
    deltas=None,
    pre_activations=None,
    dropout=0.0,
    dropout_masks=None,
):
    """Backpropagation: the loss and its gradients for every weight and bias.

    Starts at the output, ``delta = (s_n / S) dL_n/dz`` (``y - t`` for
    log_loss), then for every hidden layer ``delta^(l) = delta^(l+1) W^T``
    multiplied by ``f'(z)``: written from the layer output (the tables of
    :data:`DERIVATIVES`) except for 'gelu' and 'silu', whose ``f'`` reads
    the pre-activations (:data:`PRE_ACTIVATION_DERIVATIVES`). No delta is
    computed for the input layer.

    With the dropout masks of the forward pass, a layer's input in the
    gradients is its thinned output ``h * m / (1 - rate)``, and the delta
    flowing back through the thinning is multiplied by the same
    ``m / (1 - rate)`` before ``f'``:
    ``delta^(l) = (delta^(l+1) W^T) * m / (1 - rate) * f'(z)``.

    Parameters
    ----------
    acts : list of ndarray
        Activations from :func:`forward`, ``[X, h_1, ..., output]``.
    T : ndarray of shape (n_samples, n_outputs)
        Targets (one-hot or soft; each row sums to 1 for softmax outputs,
        values in [0, 1] for logistic outputs with log_loss).
    coefs : list of ndarray
        ``coefs[l]`` of shape (fan_in, fan_out), the weights used in ``forward``.
    activation : str or sequence of str, default='relu'
        Hidden-layer activation(s) used in ``forward``.
    out_activation : str, default='softmax'
        Output-layer activation used in ``forward``.
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        ``log_loss`` requires a 'softmax' or 'logistic' output.
    alpha : float or ndarray of shape (K,), default=0.0
        L2 penalty ``alpha / (2 S) sum_l ||W_l||^2`` (biases not penalised);
        one value per network for a stack.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_n``; ``S = sum_n s_n`` must be > 0 (ValueError otherwise).
    coef_grads, intercept_grads : list of ndarray, default=None
        Preallocated gradients shaped like ``coefs`` / intercepts; filled in
        place and returned. Allocated in the dtype of the output if None.
    deltas : list of ndarray, default=None
        Preallocated work arrays shaped like ``acts[1:]``; on return
        ``deltas[l]`` holds ``dLoss/dz`` of layer ``l + 1`` (scaled by ``s_n / S``).
    pre_activations : list of ndarray, default=None
        The pre-activations from ``forward(..., return_pre_activations=True)``;
        needed where a layer's activation is 'gelu' or 'silu' (ValueError
        without them), not read otherwise.
    dropout, dropout_masks :
        The dropout rates and masks ``forward`` used (see :func:`forward`).

    Returns
    -------
    loss : float
        Data loss plus penalty, accumulated in float64 (for a stack of
        networks, an array of shape (K,)).
    coef_grads : list of ndarray
        ``dLoss/dcoefs[l]``, shape (fan_in, fan_out).
    intercept_grads : list of ndarray
        ``dLoss/dintercepts[l]``, shape (fan_out,).

    Examples
    --------
    One logistic unit with cross-entropy: the gradient is ``(y - t) x``.

    >>> import numpy as np
    >>> from skmlp.nn import forward, backward
    >>> X, T = np.array([[1.0, 2.0]]), np.array([[1.0]])
    >>> coefs, intercepts = [np.array([[0.5], [-0.5]])], [np.array([0.0])]
    >>> acts = forward(X, coefs, intercepts, out_activation="logistic")
    >>> loss, coef_grads, intercept_grads = backward(
    ...     acts, T, coefs, out_activation="logistic", loss="log_loss")
    >>> round(loss, 6)  # -ln(expit(-0.5))
    0.974077
    >>> coef_grads[0]  # (expit(-0.5) - 1) * x
    array([[-0.62245933],
           [-1.24491866]])
    >>> intercept_grads[0]
    array([-0.62245933])
    """
    names, coefs, T = _check_backward(acts, T, coefs, activation, out_activation, loss,
                                      pre_activations)
    Z = [None] * len(coefs) if pre_activations is None else pre_activations
    rates, masks = _check_dropout(dropout, dropout_masks, [A.shape for A in acts[1:-1]])
    rates, masks = [0.0] + rates, [None] + masks  # indexed as acts: none on the input
    Y = acts[-1]
    sample_weight, S = _weights_and_sum(sample_weight, Y.shape[-2])  # ValueError if S = 0
    if deltas is None:
        deltas = [np.empty_like(A) for A in acts[1:]]
    if coef_grads is None:
        coef_grads = [np.empty(W.shape, dtype=Y.dtype) for W in coefs]
    if intercept_grads is None:
        intercept_grads = [np.empty(W.shape[:-2] + W.shape[-1:], dtype=Y.dtype) for W in coefs]
    value = _total_loss(Y, T, coefs, loss, out_activation, alpha, sample_weight, S)
    _output_delta(Y, Z[-1], T, loss, out_activation, deltas[-1])
    _scale_rows(deltas[-1], sample_weight, S)
    lam = alpha / S  # the lambda of E + lambda/2 ||W||^2
    for l in range(len(coefs) - 1, -1, -1):
        inputs = _dropped_out(acts[l], masks[l], rates[l])  # what layer l + 1 saw
        _layer_gradients(inputs, deltas[l], coefs[l], lam, coef_grads[l], intercept_grads[l])
        if l > 0:  # no delta for the input layer
            np.matmul(deltas[l], _T(coefs[l]), out=deltas[l - 1])
            # back through the thinning: the same factor m / (1 - rate)
            _dropped_out(deltas[l - 1], masks[l], rates[l], out=deltas[l - 1])
            _derivative(names[l - 1], acts[l], Z[l - 1], deltas[l - 1])
    return value, coef_grads, intercept_grads


# ---------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------
def _central_differences(objective, param, eps):
    """``(f(p + eps) - f(p - eps)) / (2 eps)`` for every entry of ``param``."""
    grad = np.empty_like(param)
    for idx in np.ndindex(param.shape):
        saved = param[idx]
        param[idx] = saved + eps
        f_plus = objective()
        param[idx] = saved - eps
        f_minus = objective()
        param[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def _relative_error(g_bp, g_fd):
    """``||g_bp - g_fd|| / max(||g_bp|| + ||g_fd||, tiny)`` in the Euclidean norm."""
    scale = np.linalg.norm(g_bp) + np.linalg.norm(g_fd)
    return float(np.linalg.norm(g_bp - g_fd) / max(scale, np.finfo(np.float64).tiny))


def check_gradients(
    X,
    T,
    coefs,
    intercepts,
    activation="relu",
    out_activation="softmax",
    loss="log_loss",
    alpha=0.0,
    sample_weight=None,
    eps=1e-6,
    *,
    dropout=0.0,
    dropout_masks=None,
):
    """Compare :func:`backward` with central finite differences, in float64.

    Every weight and bias ``p`` is moved by ``+-eps`` in turn and
    ``g_fd = (L(p + eps) - L(p - eps)) / (2 eps)``, with ``L`` the total loss
    (data term plus penalty) of :func:`forward` / :func:`loss_value`. The
    inputs are copied to float64; they are not modified.

    The error is measured per parameter array (each weight matrix and each
    bias vector) in the Euclidean norm, as in the gradient check of Andrew
    Ng's machine-learning course, which uses the Θ notation::

        error_l = ||g_bp - g_fd|| / max(||g_bp|| + ||g_fd||, tiny)

    with ``g_bp`` the backpropagated gradient of that array, ``g_fd`` its
    finite-difference estimate and ``tiny`` the smallest positive normal
    float64 (two exact zeros count as 0 error); the largest ``error_l`` is
    returned. It lies in [0, 1]: 0 when the two agree, 1 when one of them is
    0 and the other is not.

    Why not entry by entry: central differences are exact up to
    ``O(eps^2)`` for smooth losses, but rounding adds about
    ``1e-16 |L| / eps``, i.e. ``~1e-10`` absolute for ``eps=1e-6``. An entry
    whose gradient happens to be ``1e-5`` then shows a relative error of
    ``1e-5`` although nothing is wrong. The normwise error of a correct
    gradient stays far below ``1e-6`` (``1e-10`` to ``1e-7`` on small random
    nets), while a wrong formula shows up at the size of the mistake.
    Relu and leaky_relu pre-activations within ``eps |x|`` of 0 (the kink)
    also spoil the finite differences: keep them away from 0 when checking.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Input samples.
    T : array-like of shape (n_samples, n_outputs)
        Targets, as in :func:`backward`.
    coefs : list of ndarray
        ``coefs[l]`` of shape (fan_in, fan_out): weights of layer ``l``.
    intercepts : list of ndarray
        ``intercepts[l]`` of shape (fan_out,): biases of layer ``l``.
    activation : str or sequence of str, default='relu'
        Hidden-layer activation(s), as in :func:`forward`.
    out_activation : str, default='softmax'
        Output-layer activation.
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        ``log_loss`` requires a 'softmax' or 'logistic' output.
    alpha : float, default=0.0
        L2 penalty, as in :func:`backward`.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_n``; ``S = sum_n s_n`` must be > 0.
    eps : float, default=1e-6
        Finite-difference step.
    dropout, dropout_masks :
        Fixed dropout masks and their rates (see :func:`forward`): the loss
        with given masks is a smooth function of the weights like any other.

    Returns
    -------
    float
        The largest relative error over every weight and bias.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.nn import check_gradients
    >>> rng = np.random.default_rng(0)
    >>> X, T = rng.normal(size=(4, 3)), np.eye(2)[[0, 1, 1, 0]]
    >>> coefs = [rng.normal(size=(3, 5)), rng.normal(size=(5, 2))]
    >>> intercepts = [rng.normal(size=5), rng.normal(size=2)]
    >>> check_gradients(X, T, coefs, intercepts, activation="tanh", alpha=0.1) < 1e-6
    True
    """
    _check_network(X, coefs, intercepts)
    _check_activations(activation, out_activation, len(coefs) - 1)
    _check_loss(loss, out_activation)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0; got eps={eps!r}.")
    X = X.toarray() if sp.issparse(X) else X
    X, T = np.asarray(X, dtype=np.float64), np.asarray(T, dtype=np.float64)
    coefs = [np.array(W, dtype=np.float64) for W in coefs]
    intercepts = [np.array(b, dtype=np.float64) for b in intercepts]
    sample_weight, S = _weights_and_sum(sample_weight, X.shape[0])

    dropped = dict(dropout=dropout, dropout_masks=dropout_masks)

    def objective():
        Y = forward(X, coefs, intercepts, activation, out_activation, **dropped)[-1]
        return _total_loss(Y, T, coefs, loss, out_activation, alpha, sample_weight, S)

    acts, pre_activations = forward(X, coefs, intercepts, activation, out_activation,
                                    return_pre_activations=True, **dropped)
    _, coef_grads, intercept_grads = backward(
        acts, T, coefs, activation, out_activation, loss, alpha, sample_weight,
        pre_activations=pre_activations, **dropped,
    )
    return max(
        _relative_error(g_bp, _central_differences(objective, p, eps))
        for p, g_bp in zip(coefs + intercepts, coef_grads + intercept_grads)
    )

from ._trace import BackpropTrace, draw, trace  # noqa: E402  (the teaching views)

__all__ += ["BackpropTrace", "draw", "trace"]
# Documented (and linked by the gallery) as skmlp.nn's: their public home.
for _public in (BackpropTrace, draw, trace):
    _public.__module__ = __name__
del _public
