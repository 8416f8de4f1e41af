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
       :math:`f'` is written from the output :math:`x^{(l)}`
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

Speed: every function that produces a layer-sized array accepts a
preallocated buffer and fills it in place, so a training loop allocates
nothing per minibatch for the hidden layers; the dtype of ``X`` (e.g.
float32) is kept throughout.

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

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, xlogy

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "LOSSES",
    "backward",
    "check_gradients",
    "forward",
    "loss_value",
]

LOSSES = ("log_loss", "squared_error")

# Output activations that give probabilities, so that log_loss is defined.
_PROBABILITY_OUTPUTS = ("softmax", "logistic")


# ---------------------------------------------------------------------------
# Activation functions: work in place on the pre-activation Z and return it.
# ---------------------------------------------------------------------------
def identity(Z):
    """Identity ``f(z) = z``: leave ``Z`` unchanged and return it."""
    return Z


def logistic(Z):
    """Logistic sigmoid ``f(z) = 1 / (1 + exp(-z))`` in place (scipy's expit)."""
    return expit(Z, out=Z)


def tanh(Z):
    """Hyperbolic tangent in place."""
    return np.tanh(Z, out=Z)


def relu(Z):
    """Rectified linear unit ``f(z) = max(z, 0)`` in place."""
    return np.maximum(Z, 0, out=Z)


def softmax(Z):
    """Row-wise softmax ``exp(z_k) / sum_j exp(z_j)`` in place.

    The row maximum is subtracted first: softmax does not change, and the
    largest exponent becomes ``exp(0) = 1``, so nothing overflows.
    """
    Z -= Z.max(axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=-1, keepdims=True)
    return Z


ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
}


# ---------------------------------------------------------------------------
# Derivatives: multiply delta in place by f'(a), written from A = f(a).
# ---------------------------------------------------------------------------
def identity_derivative(A, delta):
    """``f'(a) = 1``: delta is unchanged."""
    return delta


def logistic_derivative(A, delta):
    """``f'(a) = A (1 - A)`` for ``A = logistic(a)``; delta is scaled in place."""
    delta *= A
    delta *= 1 - A
    return delta


def tanh_derivative(A, delta):
    """``f'(a) = 1 - A^2`` for ``A = tanh(a)``; delta is scaled in place."""
    factor = np.square(A)
    np.subtract(1, factor, out=factor)
    delta *= factor
    return delta


def relu_derivative(A, delta):
    """``f'(a) = 1 if A > 0 else 0`` for ``A = relu(a)``; delta is zeroed in place."""
    # A multiplication by the mask: several times faster than copyto(where=)
    # on minibatch-sized arrays. Where A = 0 it leaves a zero of delta's sign
    # (equal to 0 in every later sum and update; a non-finite delta stays NaN).
    return np.multiply(delta, A > 0, out=delta)


DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
def _check_activations(activation, out_activation):
    """Raise ValueError for an unknown hidden or output activation name."""
    if activation not in DERIVATIVES:
        hint = " ('softmax' is an output activation only)" if activation == "softmax" else ""
        raise ValueError(
            f"activation must be one of {sorted(DERIVATIVES)}{hint}; got {activation!r}."
        )
    if out_activation not in ACTIVATIONS:
        raise ValueError(
            f"out_activation must be one of {sorted(ACTIVATIONS)}; got {out_activation!r}."
        )


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


def _add_scaled(G, W, scale, chunk=16384):
    """``G += scale * W`` in place, a block of rows at a time.

    Plain numpy on purpose: scipy's BLAS is a second OpenBLAS with its own
    thread pool, and switching pools every minibatch cost more than the add.
    Row blocks of about ``chunk`` entries keep the temporary ``scale * W``
    small instead of weight-sized. For a stack ``(K, fan_in, fan_out)``,
    ``scale`` has one value per network.
    """
    if isinstance(scale, np.ndarray):  # a stack: one scale per network
        scale = scale.astype(W.dtype)[:, np.newaxis, np.newaxis]
        per_block = max(1, 64 * chunk // max(1, W[0].size))  # networks per block
        for start in range(0, W.shape[0], per_block):
            block = slice(start, start + per_block)
            G[block] += scale[block] * W[block]
        return G
    if scale == 0:
        return G
    scale = W.dtype.type(scale)
    rows = max(1, chunk // max(1, W[0].size))
    for start in range(0, W.shape[0], rows):
        G[start:start + rows] += scale * W[start:start + rows]
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
def forward(X, coefs, intercepts, activation="relu", out_activation="softmax", *, out=None):
    """Forward pass: the activations of every layer.

    ``a = acts[l] @ coefs[l] + intercepts[l]`` and ``acts[l + 1] = f(a)``, with
    ``f = activation`` for hidden layers and ``out_activation`` for the last.

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
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Hidden-layer activation.
    out_activation : {'softmax', 'logistic', 'identity', 'tanh', 'relu'}, \
default='softmax'
        Output-layer activation.
    out : list of ndarray, default=None
        Preallocated outputs, one per layer after the input, of shape
        (n_samples, fan_out); filled in place and returned in ``acts``.
        If None, they are allocated in the dtype of ``X`` (float64 for
        non-float ``X``).

    Returns
    -------
    list of ndarray
        ``acts = [X, h_1, ..., output]``; ``acts[l + 1]`` has shape (n_samples, fan_out).

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
    _check_activations(activation, out_activation)
    X, coefs, intercepts = _check_network(X, coefs, intercepts)
    if out is None:
        out = _layer_buffers(X.shape[0], coefs, _float_dtype(X))
    return _forward(X, coefs, intercepts, activation, out_activation, out)


def _forward(X, coefs, intercepts, activation, out_activation, out):
    """:func:`forward` without the checks, into the buffers ``out``.

    The training loop's path: its arrays are checked once per fit, not
    once per minibatch (the checks cost as much as a small network's step).
    """
    acts = [X]
    last = len(coefs) - 1
    for l, (W, b, A) in enumerate(zip(coefs, intercepts, out)):
        _matmul_into(acts[l], W, out=A)
        A += b if b.ndim == 1 else b[:, np.newaxis, :]  # a stack's biases: (K, 1, fan_out)
        ACTIVATIONS[out_activation if l == last else activation](A)
        acts.append(A)
    return acts


def _row_losses(Y, T, loss, out_activation, one_hot=False):
    """Loss of every sample (summed over outputs), shape (n_samples,), float64.

    These arrays are (n_samples, n_outputs): small, so temporaries are fine.
    ``one_hot=True`` promises one-hot rows of T (the training loop's
    multiclass targets): softmax's cross-entropy then reads only the
    probability of each sample's class.
    """
    if loss == "squared_error":
        return 0.5 * np.square(Y - T).sum(axis=-1, dtype=np.float64)
    # Clip so that log(0) never happens: outputs of exactly 0 or 1 give a
    # large but finite loss. xlogy(0, .) = 0 drops the terms with t = 0.
    eps = np.finfo(_float_dtype(Y)).eps
    if one_hot and out_activation == "softmax":
        # y . t = y of the class exactly (the other terms are 0), and
        # xlogy(1, y) = ln y: the very value of the sum below, for a tenth
        # of its work. A one of Y's dtype keeps scipy's float32 loop.
        Y = np.clip(np.vecdot(Y, T), eps, 1 - eps)
        return -xlogy(Y.dtype.type(1), Y).astype(np.float64)
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
    out_activation : {'softmax', 'logistic', 'identity', 'tanh', 'relu'}, \
default='softmax'
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


def _data_loss(Y, T, loss, out_activation, sample_weight, S, one_hot=False):
    """:func:`loss_value` of checked arrays, ``S`` the sum of the weights."""
    rows = _row_losses(Y, T, loss, out_activation, one_hot)
    if sample_weight is None:
        total = rows.sum(axis=-1)
    elif rows.ndim == 1:
        total = rows @ sample_weight
    else:  # one dot per network: a matrix-vector product would round differently
        total = np.array([r @ sample_weight for r in rows])
    return float(total) / S if Y.ndim == 2 else total / S


def _total_loss(Y, T, coefs, loss, out_activation, alpha, sample_weight, S, one_hot=False):
    """Data term plus the L2 penalty: the objective that backward differentiates."""
    return (_data_loss(Y, T, loss, out_activation, sample_weight, S, one_hot)
            + _penalty(coefs, alpha, S))


def _output_delta(Y, T, loss, out_activation, delta):
    """``delta = dL_n/da`` at the output layer (before the s_n / S factor)."""
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
    # Element-wise output unit: (y - t) (.) f'(a); identity leaves y - t
    return DERIVATIVES[out_activation](Y, delta)


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
):
    """Backpropagation: the loss and its gradients for every weight and bias.

    Starts at the output, ``delta = (s_n / S) dL_n/da`` (``y - t`` for
    log_loss), then for every hidden layer ``delta^(l) = delta^(l+1) W^T``
    multiplied by ``f'`` (written from the layer output). No delta is
    computed for the input layer.

    Parameters
    ----------
    acts : list of ndarray
        Activations from :func:`forward`, ``[X, h_1, ..., output]``.
    T : ndarray of shape (n_samples, n_outputs)
        Targets (one-hot or soft; each row sums to 1 for softmax outputs,
        values in [0, 1] for logistic outputs with log_loss).
    coefs : list of ndarray
        ``coefs[l]`` of shape (fan_in, fan_out), the weights used in ``forward``.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Hidden-layer activation used in ``forward``.
    out_activation : {'softmax', 'logistic', 'identity', 'tanh', 'relu'}, \
default='softmax'
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
        ``deltas[l]`` holds ``dLoss/da`` of layer ``l + 1`` (scaled by ``s_n / S``).

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
    _check_activations(activation, out_activation)
    _check_loss(loss, out_activation)
    _, coefs, _ = _check_network(acts[0], coefs)
    if len(acts) != len(coefs) + 1:
        raise ValueError(
            f"acts must be forward's list [X, h_1, ..., output] of {len(coefs) + 1} "
            f"arrays for {len(coefs)} coefs; got {len(acts)}."
        )
    Y = acts[-1]
    T = _check_targets(Y, T)
    if deltas is None:
        deltas = [np.empty_like(A) for A in acts[1:]]
    if coef_grads is None:
        coef_grads = [np.empty(W.shape, dtype=Y.dtype) for W in coefs]
    if intercept_grads is None:
        intercept_grads = [np.empty(W.shape[:-2] + W.shape[-1:], dtype=Y.dtype) for W in coefs]
    return _backward(acts, T, coefs, activation, out_activation, loss, alpha, sample_weight,
                     coef_grads, intercept_grads, deltas)


def _backward(acts, T, coefs, activation, out_activation, loss, alpha, sample_weight,
              coef_grads, intercept_grads, deltas, one_hot=False):
    """:func:`backward` without the checks, into the given buffers.

    The training loop's path (see :func:`_forward`); only the sample
    weights are checked. ``one_hot=True`` promises one-hot rows of ``T``
    (see ``_row_losses``).
    """
    Y = acts[-1]
    sample_weight, S = _weights_and_sum(sample_weight, Y.shape[-2])  # ValueError if S = 0
    value = _total_loss(Y, T, coefs, loss, out_activation, alpha, sample_weight, S, one_hot)
    _output_delta(Y, T, loss, out_activation, deltas[-1])
    _scale_rows(deltas[-1], sample_weight, S)
    lam = alpha / S  # the lambda of E + lambda/2 ||W||^2
    for l in range(len(coefs) - 1, -1, -1):
        _layer_gradients(acts[l], deltas[l], coefs[l], lam, coef_grads[l], intercept_grads[l])
        if l > 0:  # no delta for the input layer
            np.matmul(deltas[l], _T(coefs[l]), out=deltas[l - 1])
            DERIVATIVES[activation](acts[l], deltas[l - 1])
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
    Relu pre-activations within ``eps |x|`` of 0 (the kink) also spoil the
    finite differences: keep them away from 0 when checking.

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
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Hidden-layer activation.
    out_activation : {'softmax', 'logistic', 'identity', 'tanh', 'relu'}, \
default='softmax'
        Output-layer activation.
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        ``log_loss`` requires a 'softmax' or 'logistic' output.
    alpha : float, default=0.0
        L2 penalty, as in :func:`backward`.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_n``; ``S = sum_n s_n`` must be > 0.
    eps : float, default=1e-6
        Finite-difference step.

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
    _check_activations(activation, out_activation)
    _check_loss(loss, out_activation)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0; got eps={eps!r}.")
    _check_network(X, coefs, intercepts)
    X = X.toarray() if sp.issparse(X) else X
    X, T = np.asarray(X, dtype=np.float64), np.asarray(T, dtype=np.float64)
    coefs = [np.array(W, dtype=np.float64) for W in coefs]
    intercepts = [np.array(b, dtype=np.float64) for b in intercepts]
    sample_weight, S = _weights_and_sum(sample_weight, X.shape[0])

    def objective():
        Y = forward(X, coefs, intercepts, activation, out_activation)[-1]
        return _total_loss(Y, T, coefs, loss, out_activation, alpha, sample_weight, S)

    acts = forward(X, coefs, intercepts, activation, out_activation)
    _, coef_grads, intercept_grads = backward(
        acts, T, coefs, activation, out_activation, loss, alpha, sample_weight
    )
    return max(
        _relative_error(g_bp, _central_differences(objective, p, eps))
        for p, g_bp in zip(coefs + intercepts, coef_grads + intercept_grads)
    )

from ._trace import BackpropTrace, draw, trace  # noqa: E402  (the teaching views)
__all__ += ["BackpropTrace", "draw", "trace"]
