"""The training loop of the MLP, for one network or a stack of K networks.

:class:`skmlp.ManualMLPClassifier` trains one network (K = 1) with it and
the searches of :mod:`skmlp.model_selection` train the candidates that share
a network shape and the minibatches (K > 1): one pass over the minibatches
for all of them, with each network's own learning rate, penalty, optimizer
state and stopping.

The loop, like skorch's ``fit_loop -> run_single_epoch -> train_step``, is
split into short steps: :func:`train_stochastic` runs epochs, ``_run_epoch``
the minibatches of one epoch, ``_train_step`` one forward / backward /
update. A step is the matrix products (numpy's matmul, i.e. BLAS) and,
between them, compiled kernels (:mod:`skmlp._kernels`) that each do in one
pass what :mod:`skmlp.nn` (the readable reference, tested equal) does in
several: bias + activation, output activation + loss + output delta, the
derivative times the delta + the bias gradients, and penalty + optimizer
update over one flat buffer of every parameter of the stack.

Parameters live in one ``(K, P)`` array, a row per network laid out by
:class:`ParameterLayout` (weights first, then biases, as
:func:`skmlp._optimizers.pack`); the gradients and the optimizer state are
arrays of the same shape. Each network's ``coefs_`` and ``intercepts_`` are
views of its row during training. All per-minibatch arrays (the rows of X,
the activations, the deltas) are allocated once in a :class:`_Buffers`.

The kernels release the GIL: a stack of several networks can be split in
groups that step in threads (:func:`thread_budget` says how many the
process may use), BLAS then on one thread each. Every network computes
exactly what it would compute alone, whatever the grouping.

What is per network is a :class:`TrainingState`, one per network, made by
its estimator and updated here: the loss curve, the stopping counters,
early stopping's scores and best weights, the network's optimizer (its
learning-rate schedule) and the checks of a diverging loss
(:class:`Divergence`). The loop calls no method of an estimator: the
estimator hands the states down and copies their results into its fitted
attributes at the end. What may differ between the networks of one stack
is declared once, here (:data:`PER_NETWORK_PARAMS`); everything else the
networks share (:class:`StackSpec`). A network that stops or fails leaves
the stack at the end of the epoch; one that fails in the middle of an epoch
is masked until then (its row of the stack never touches the other
networks' rows).
"""

import copy
import math
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches, shuffle
from threadpoolctl import threadpool_info, threadpool_limits

from . import _kernels, nn
from ._compile_notice import announce as announce_compile
from ._optimizers import AdamOptimizer, SGDOptimizer, minimize_lbfgs, unpack
from ._utils import prints_into


class ParameterLayout:
    """Where each layer's weights and biases sit in a network's row of parameters.

    A row holds ``W_1, ..., W_L`` (each flattened in C order), then
    ``b_1, ..., b_L``: the first :attr:`n_coefs` entries are the penalised
    weights.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, input layer first.

    Attributes
    ----------
    shapes : list of tuple
        ``(fan_in, fan_out)`` of each layer.
    n_coefs : int
        Number of weights (the penalised part of a row).
    size : int
        Parameters per network, ``P``.

    Examples
    --------
    >>> import numpy as np
    >>> layout = ParameterLayout([2, 3, 1])
    >>> layout.n_coefs, layout.size
    (9, 13)
    >>> coefs, intercepts = layout.views(np.arange(13.0))
    >>> coefs[1].ravel(), intercepts[0]
    (array([6., 7., 8.]), array([ 9., 10., 11.]))
    """

    def __init__(self, layer_units):
        self.shapes = list(zip(layer_units[:-1], layer_units[1:]))
        sizes = [a * b for a, b in self.shapes] + [b for _, b in self.shapes]
        self.bounds = np.cumsum([0] + sizes).tolist()
        self.n_coefs = self.bounds[len(self.shapes)]
        self.size = self.bounds[-1]

    def views(self, flat):
        """The weight matrices and bias vectors as views of ``flat``.

        ``flat`` has shape (P,) for one network or (K, P) for a stack; the
        views then have the leading axis K.
        """
        lead, n_layers = flat.shape[:-1], len(self.shapes)
        coefs = [self._view(flat, l, lead + shape) for l, shape in enumerate(self.shapes)]
        intercepts = [self._view(flat, n_layers + l, lead + (b,))
                      for l, (_, b) in enumerate(self.shapes)]
        return coefs, intercepts

    def _view(self, flat, index, shape):
        view = flat[..., self.bounds[index]:self.bounds[index + 1]].view()
        view.shape = shape  # a view or an error, never a silent copy
        return view

    def offsets(self):
        """Where each layer's biases start in a row (the kernels read them there)."""
        n_layers = len(self.shapes)
        return self.bounds[n_layers:2 * n_layers]

    def stack(self, networks, dtype):
        """A new (K, P) array with the ``(coefs, intercepts)`` of K networks."""
        flat = np.empty((len(networks), self.size), dtype=dtype)
        coefs, intercepts = self.views(flat)
        for k, (net_coefs, net_intercepts) in enumerate(networks):
            for view, array in zip(coefs + intercepts, list(net_coefs) + list(net_intercepts)):
                view[k] = array
        return flat


class _Codes(NamedTuple):
    """What the kernels need to know of the networks: activations, loss, eps."""

    activations: np.ndarray  # int64, one code per hidden layer
    out_activation: int
    loss: int
    eps: object  # machine epsilon in the dtype of the parameters

    @classmethod
    def of(cls, spec, dtype, n_hidden):
        names = nn._hidden_activations(spec.activation, n_hidden)
        return cls(np.array([_kernels.ACTIVATION_CODES[name] for name in names],
                            dtype=np.int64),
                   _kernels.ACTIVATION_CODES[spec.out_activation],
                   _kernels.LOSS_CODES[spec.loss], np.finfo(dtype).eps)

    def keep_pre_activations(self):
        """Whether a hidden layer's derivative reads its pre-activations (gelu, silu)."""
        return bool(np.isin(self.activations, _kernels.PRE_ACTIVATION_CODES).any())


class _Buffers:
    """Arrays reused for every minibatch of one fit (no allocation per batch).

    Every per-layer array has a leading axis K (the networks of the stack).
    A smaller last minibatch uses the first rows of the same memory, laid
    out contiguously, so the kernels always see C-contiguous arrays.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, input layer first.
    batch_size : int
        Rows of the largest minibatch.
    dtype : numpy dtype
        dtype of X (float32 or float64); every buffer has it.
    n_networks : int
        K.
    minibatches : bool, default=True
        Also allocate the rows of X, T and the weights of a minibatch (not
        needed by the full-batch L-BFGS, which reads X itself).
    pre_activations : bool, default=False
        Also keep every layer's pre-activations (``pres``, laid out as
        ``acts``), for the activations whose derivative reads them; without,
        ``pres`` is empty and :meth:`layers` gives the activations in its place
        (the kernels then neither read nor write it).
    dropout : bool, default=False
        Also hold the dropout factors (``masks``, ones where a network does
        not drop) and the thinned outputs (``thinned``), laid out as ``acts``.
    """

    def __init__(self, layer_units, batch_size, dtype, n_networks, minibatches=True,
                 pre_activations=False, dropout=False):
        rows = batch_size if minibatches else 0
        self.X = np.empty((rows, layer_units[0]), dtype=dtype)
        self.T = np.empty((rows, layer_units[-1]), dtype=dtype)
        self.sample_weight = np.empty(rows, dtype=dtype)
        units = layer_units[1:]
        # Every layer's (K, rows, units) array in one flat buffer (the fused kernel's form).
        sizes = [n_networks * batch_size * n for n in units]
        self.starts = np.cumsum([0] + sizes[:-1]).astype(np.int64)
        self.acts = np.empty(sum(sizes), dtype=dtype)
        self.deltas = np.empty(sum(sizes), dtype=dtype)
        self.pres = np.empty(sum(sizes) if pre_activations else 0, dtype=dtype)
        # Inverted dropout: each unit's factor and the thinned outputs (hidden layers).
        self.masks = np.ones(sum(sizes) if dropout else 0, dtype=dtype)
        self.thinned = np.empty(sum(sizes) if dropout else 0, dtype=dtype)
        self._units, self._n_networks = units, n_networks
        self._rows = {}
        self.losses = np.empty(n_networks)

    def layers(self, m):
        """Activations, their transposes, deltas and pre-activations of an ``m``-row minibatch.

        (K, m, units) each, made once per size of minibatch.
        """
        if m not in self._rows:
            acts, deltas, pres = (self._arrays(buffer, m) for buffer in (
                self.acts, self.deltas, self.pres if self.pres.size else self.acts))
            self._rows[m] = acts, [nn._T(a) for a in acts], deltas, pres
        return self._rows[m]

    def dropout_layers(self, m):
        """The dropout factors, the thinned outputs and their transposes (``m`` rows)."""
        key = ("dropout", m)
        if key not in self._rows:
            masks, thinned = self._arrays(self.masks, m), self._arrays(self.thinned, m)
            self._rows[key] = masks, thinned, [nn._T(a) for a in thinned]
        return self._rows[key]

    def _arrays(self, buffer, m):
        shapes = [(self._n_networks, m, n) for n in self._units]
        return [buffer[start:start + np.prod(shape)].reshape(shape)
                for start, shape in zip(self.starts, shapes)]


class _Batch(NamedTuple):
    """One minibatch: its rows of X and T, the row factors and S."""

    X: object
    T: np.ndarray
    row_scale: np.ndarray  # s_n / S in the dtype of X
    loss_weight: np.ndarray  # s_n, float64 (ones without weights)
    S: float  # sum of the weights (m without weights)


def _batch(X, T, sample_weight, dtype, unweighted):
    """The minibatch of the rows X, T (weights ``sample_weight``); None if they are all 0.

    ``unweighted`` caches the row factors of unweighted minibatches by size.
    """
    m = T.shape[0]
    if sample_weight is None:
        S = float(m)
        if m not in unweighted:  # 1/S in the dtype, as nn
            unweighted[m] = (np.full(m, 1.0 / S, dtype=dtype), np.ones(m))
        return _Batch(X, T, *unweighted[m], S)
    S = float(sample_weight.sum(dtype=np.float64))
    if S == 0:
        return None  # nothing to learn from this minibatch
    return _Batch(X, T, (sample_weight / S).astype(dtype, copy=False),
                  sample_weight.astype(np.float64), S)


def _gather(buffers, X, T, sample_weight, idx, unweighted):
    """The minibatch of the rows ``idx``, copied into the buffers."""
    m = idx.shape[0]
    if sample_weight is not None:
        sample_weight = np.take(sample_weight, idx, out=buffers.sample_weight[:m],
                                mode="clip")
        if not sample_weight.any():
            return None  # (before copying the rows of X)
    if sp.issparse(X):
        X_batch = X[idx]
    else:
        X_batch = np.take(X, idx, axis=0, out=buffers.X[:m], mode="clip")
    T_batch = np.take(T, idx, axis=0, out=buffers.T[:m], mode="clip")
    return _batch(X_batch, T_batch, sample_weight, buffers.T.dtype, unweighted)


class _CompiledPass:
    """The forward and backward pass of a stack of networks, in place.

    The compiled counterpart of :func:`skmlp.nn.forward` followed by
    :func:`skmlp.nn.backward` without the penalty (which the optimizer's
    update adds, fused): for small networks one call of
    :func:`skmlp._kernels.forward_backward`; for big ones (:func:`fused_pass`)
    numpy's matmul for the products and the kernels of :mod:`skmlp._kernels`
    between them. Every view and buffer it needs is made here once, so that a
    minibatch costs the calls and nothing else.

    Parameters
    ----------
    spec : StackSpec
        The networks' activations and loss (``activation``,
        ``out_activation``, ``loss``).
    params : ndarray of shape (K, P)
        The stack's parameters, laid out by ``layout``.
    layout : ParameterLayout
        The networks' shape.
    batch_size : int
        Rows of the largest minibatch.
    minibatches : bool, default=True
        As in :class:`_Buffers`.
    """

    def __init__(self, spec, params, layout, batch_size, minibatches=True, dropping=None):
        self.codes = _Codes.of(spec, params.dtype, len(layout.shapes) - 1)
        # The networks with dropout (their masks drawn into the buffers by the loop).
        self.dropping = np.zeros(params.shape[0], dtype=bool) if dropping is None else (
            np.asarray(dropping, dtype=bool))
        self.params, self.layout = params, layout
        self.grads = np.empty_like(params)
        self.coefs, _ = layout.views(params)
        self.coefs_T = [nn._T(c) for c in self.coefs]
        self.coef_grads, _ = layout.views(self.grads)
        self.offsets = layout.offsets()
        # The layout as the fused kernel reads it.
        self.shapes = np.array(layout.shapes, dtype=np.int64)
        self.coef_offsets = np.array(layout.bounds[:len(layout.shapes)], dtype=np.int64)
        self.bias_offsets = np.array(self.offsets, dtype=np.int64)
        layer_units = [layout.shapes[0][0]] + [b for _, b in layout.shapes]
        self.buffers = _Buffers(layer_units, batch_size, params.dtype, params.shape[0],
                                minibatches, self.codes.keep_pre_activations(),
                                bool(self.dropping.any()))
        self.fused = fused_pass(layer_units, batch_size)

    def __call__(self, batch):
        """Forward and backward on ``batch``: the networks' summed data losses.

        On return ``losses[k]`` is network k's ``sum_n s_n L_n`` (divide by
        S for the mean) and ``grads`` holds the gradients of the data term,
        every layer's weights (``coef_grads`` are views of ``grads``) and
        biases.
        """
        codes, params, grads, offsets = self.codes, self.params, self.grads, self.offsets
        buffers, losses = self.buffers, self.buffers.losses
        if self.fused and isinstance(batch.X, np.ndarray) and batch.X.flags.c_contiguous:
            _kernels.forward_backward(
                batch.X, batch.T, batch.row_scale, batch.loss_weight, params, grads,
                self.shapes, self.coef_offsets, self.bias_offsets, buffers.acts,
                buffers.deltas, buffers.pres, buffers.starts, codes.activations,
                codes.out_activation, codes.loss, codes.eps, losses, buffers.thinned,
                buffers.masks, self.dropping)
            return losses
        m = batch.T.shape[0]
        acts, acts_T, deltas, pres = buffers.layers(m)
        dropout = self.dropping.any()
        if dropout:  # the thinned outputs feed the next layer and its gradient
            masks, inputs, inputs_T = buffers.dropout_layers(m)
        else:
            masks, inputs, inputs_T = None, acts, acts_T
        # Big products, or a sparse (or not C-ordered) X: the products by numpy
        # (and scipy.sparse), the same kernels between them.
        last = len(self.coefs) - 1
        A = batch.X
        for l in range(last):
            nn._matmul_into(A, self.coefs[l], out=acts[l])
            _kernels.bias_activation(acts[l], params, offsets[l], codes.activations[l],
                                     pres[l])
            if dropout:  # a factor of 1 (no dropout there) keeps every bit
                np.multiply(acts[l], masks[l], out=inputs[l])
            A = inputs[l]
        nn._matmul_into(A, self.coefs[last], out=acts[last])
        _kernels.output_layer(acts[last], params, offsets[last], batch.T, codes.out_activation,
                              codes.loss, codes.eps, batch.row_scale, batch.loss_weight,
                              deltas[last], grads, losses)
        for l in range(last, 0, -1):  # no delta for the input layer
            np.matmul(inputs_T[l - 1], deltas[l], out=self.coef_grads[l])
            np.matmul(deltas[l], self.coefs_T[l], out=deltas[l - 1])
            if dropout:  # back through the thinning: the same factor
                deltas[l - 1] *= masks[l - 1]
            _kernels.hidden_delta(deltas[l - 1], acts[l - 1], pres[l - 1],
                                  codes.activations[l - 1], grads, offsets[l - 1])
        nn._matmul_into(nn._T(batch.X), deltas[0], out=self.coef_grads[0])
        return losses


# Multiply-adds of a network's forward products on a minibatch from which numpy's
# matmul takes them: at this size a product lasts long enough (about 0.1 ms)
# for the Python call around it not to matter, and numpy's BLAS is faster than
# the one numba's np.dot calls (scipy's). Per float32 step of one network, fused
# against numpy: 64-128-64-10 on 64 rows (1M) 0.12 against 0.22 ms, 256-256-10
# (4M) 0.23 against 0.21 ms, 784-300-100-10 on 200 rows (53M) 2.28 against 2.00 ms.
BIG_PRODUCTS = 2 ** 23


def fused_pass(layer_units, batch_size):
    """Whether a network's minibatch pass runs as one fused call.

    True for small networks, where the Python calls of a pass of separate
    products would cost as much as the products (and hold the GIL between
    them); False from :data:`BIG_PRODUCTS` multiply-adds on. The choice
    depends on the network's shape and the batch size only, never on the
    stack: a network computes the same bits alone and in a search.
    """
    macs = batch_size * sum(a * b for a, b in zip(layer_units[:-1], layer_units[1:]))
    return macs < BIG_PRODUCTS


def bytes_per_network(layer_units, batch_size, itemsize, solver, early_stopping,
                      dropout=False):
    """Bytes a stack needs per network: weights, their copies, activations.

    Weights, gradients and optimizer state (one velocity for SGD, two
    moments for Adam), the best weights with early stopping, and the
    activations and deltas of a minibatch, with dropout also its masks and
    thinned outputs. X is shared and not counted.

    Examples
    --------
    64-32-10 with SGD: 2410 weights and biases kept 3 times (weights,
    gradients, velocities), 42 units of a 64-row minibatch twice (activations,
    deltas), 8 bytes each:

    >>> bytes_per_network([64, 32, 10], 64, 8, "sgd", False)
    100848
    """
    n_params = sum((a + 1) * b for a, b in zip(layer_units[:-1], layer_units[1:]))
    copies = 3 + (solver == "adam") + bool(early_stopping)
    per_row = 2 * sum(layer_units[1:]) + (2 * sum(layer_units[1:-1]) if dropout else 0)
    return itemsize * (copies * n_params + batch_size * per_row)


# What may differ between the networks of one stack, declared once: each
# network has its own value of these constructor parameters, and each is
# read here by what it is listed for (the optimizer of a solver, under that
# optimizer's argument name; the penalty; the per-network stopping and
# bookkeeping of TrainingState; the dropout rates of the stack's masks,
# _Stack.draw_masks). The searches of skmlp.model_selection stack candidates
# that differ in these only.
PER_NETWORK_PARAMS = {
    "alpha": {"penalty": "alpha"},
    "learning_rate_init": {"sgd": "learning_rate_init", "adam": "learning_rate_init"},
    "learning_rate": {"sgd": "lr_schedule", "adam": "lr_schedule"},
    "weight_decay": {"sgd": "weight_decay", "adam": "weight_decay"},
    "max_grad_norm": {"sgd": "max_grad_norm", "adam": "max_grad_norm"},
    "dropout": {"dropout": "rates"},
    "momentum": {"sgd": "momentum"},
    "power_t": {"sgd": "power_t"},
    "beta_1": {"adam": "beta_1"},
    "beta_2": {"adam": "beta_2"},
    "epsilon": {"adam": "epsilon"},
    "tol": {"stopping": "tol"},
    "n_iter_no_change": {"stopping": "n_iter_no_change"},
    "max_iter": {"stopping": "max_iter", "sgd": "max_iter", "adam": "max_iter"},
    "verbose": {"stopping": "verbose"},
}
# Every other constructor parameter defines the stack: its networks share it
# (their shape, outputs and loss, the minibatches, the shuffles, the starting
# weights, the validation split and its score). A network's estimator
# declares nothing else: tests classify every parameter of both estimators.
STACK_PARAMS = frozenset({
    "hidden_layer_sizes", "activation", "solver", "batch_size", "shuffle", "random_state",
    "warm_start", "nesterovs_momentum", "early_stopping", "validation_fraction", "max_fun",
    "loss", "init", "class_weight", "scoring",
})


class StackSpec(NamedTuple):
    """What the networks of one stack share (and the loop needs of it)."""

    solver: str  # 'sgd' or 'adam' ('lbfgs' trains one network)
    activation: str  # of the hidden units
    out_activation: str  # of the output units
    loss: str
    batch_size: int  # rows per minibatch, clipped to the training rows
    shuffle: bool
    nesterovs_momentum: bool
    random_state: object  # RandomState of the shuffles (after the weights and the split)


def dropout_rates(dropout, n_hidden):
    """The dropout rate of each hidden layer: a list of n_hidden floats in [0, 1).

    ``dropout`` is one rate for every hidden layer or a sequence of one per
    hidden layer; anything else is a ValueError naming the remedy.
    """
    rates = [dropout] * n_hidden if np.ndim(dropout) == 0 else list(dropout)
    if len(rates) != n_hidden:
        raise ValueError(
            f"dropout has {len(rates)} rates but the network has {n_hidden} hidden layers: "
            "give one rate per hidden layer, or a single rate for all.")
    for l, rate in enumerate(rates):
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or not (
                0 <= rate < 1):
            raise ValueError(
                f"dropout rates must be numbers in [0, 1) (the fraction of units dropped; "
                f"1 would drop them all); got {rate!r} for hidden layer {l + 1}.")
    return [float(rate) for rate in rates]


def network_settings(params):
    """A network's own values of :data:`PER_NETWORK_PARAMS`, from its ``get_params()``."""
    return {name: params[name] for name in PER_NETWORK_PARAMS}


def _per_network(states, name):
    values = [state.settings[name] for state in states]
    # None (no clipping) among numbers stays an object array, as one None alone
    return np.array(values, dtype=object if any(v is None for v in values) else None)


def _make_optimizer(states, params, stack, incremental):
    """The stack's optimizer: per network, its value of each declared parameter."""
    if incremental and states[0].optimizer is not None:
        # A copy, so that a failed partial_fit leaves the old one intact.
        return copy.deepcopy(states[0].optimizer)
    values = {readers[stack.solver]: _per_network(states, name)
              for name, readers in PER_NETWORK_PARAMS.items() if stack.solver in readers}
    if stack.solver == "sgd":
        return SGDOptimizer(params, nesterov=stack.nesterovs_momentum, **values)
    return AdamOptimizer(params, **values)


class _NetworkOptimizer:
    """Network ``k``'s view of a stack's optimizer, for its epoch's bookkeeping."""

    def __init__(self, optimizer, k):
        self.optimizer, self.k = optimizer, k

    def iteration_ends(self, time_step):
        self.optimizer.iteration_ends(time_step, k=self.k)

    def trigger_stopping(self, msg, verbose):
        return self.optimizer.trigger_stopping(msg, verbose, k=self.k)


class _AllFailed(Exception):
    """Every network of the stack has failed: nothing left to train."""


class HeldOut(NamedTuple):
    """The early-stopping validation set of a stack (its networks share it).

    ``evaluate(estimator, coefs, intercepts)`` is made by the estimator:
    the score (its ``scoring``, greater is better) and the data loss on the
    held-out rows of the network ``estimator`` (a state's, which the loop
    only passes on) with these weights.
    """

    rows: np.ndarray  # their indices in the training X
    evaluate: object


class ResumePoint(NamedTuple):
    """Where a network's stochastic training stopped: what further epochs need.

    Kept by each network a fit trains, so that training can go on later
    exactly as if it had never stopped (``train_stochastic(...,
    resume=True)``): a successive-halving search continues its survivors
    with it.
    """

    params: np.ndarray  # the network's row of parameters (not the best ones)
    optimizer: object  # its optimizer, state included
    random_state: object  # the shuffling random state after the last epoch
    order: np.ndarray  # the training rows in the order of the last epoch
    validation_rows: object  # the early-stopping rows of X, or None
    at_max_iter: bool  # stopped because it reached max_iter (and only then)


# An epoch loss this many times the loss at the starting weights (or of the
# best constant prediction, if larger) means the weights ran away.
EXPLOSION_FACTOR = 10.0
# partial_fit judges that on the mean loss of at least this many rows (calls
# pooled): the loss of one row varies 50-fold in healthy training.
STREAM_ROWS = 200


class DivergenceError(FloatingPointError, ValueError):
    """Training diverged: a loss or the weights not finite, or a loss that exploded.

    A ``FloatingPointError``, and a ``ValueError`` as scikit-learn's MLPs
    raise for non-finite weights, so that code written for either catches it.
    """


# scikit-learn's words for non-finite weights, kept in the message for code
# that matches them.
_NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain "
               "large values and need to be preprocessed. ")


class Divergence:
    """What tells a diverging fit, and the error that names its cause and remedy.

    Parameters
    ----------
    settings : dict
        The network's :data:`PER_NETWORK_PARAMS` values and its ``solver``.
    null_loss : float
        Loss of the best constant prediction: the scale of "exploded".
    penalty_scale : tuple of float
        ``(alpha / S, ||W||^2)`` at the starting weights, S of a minibatch.
    reference_loss : float or None
        The loss at the starting weights; None: the first finite loss.
    constant : str
        What the best constant prediction is, for the messages.
    pooled : tuple or None, default=None
        partial_fit: ``(rows, summed loss)`` of the calls since the last
        judged one (:meth:`loss_to_judge`); None for a fit.
    """

    def __init__(self, settings, null_loss, penalty_scale, reference_loss, constant,
                 pooled=None):
        self.settings, self.null_loss, self.penalty_scale = settings, null_loss, penalty_scale
        self.reference_loss, self.constant, self.pooled = reference_loss, constant, pooled

    def check_epoch_loss(self, loss, n_rows):
        """The check after an epoch: on its loss, or partial_fit's pooled mean."""
        judged = self.loss_to_judge(loss, n_rows)
        self.check_loss(loss if judged is None else judged, epoch=judged is not None)

    def loss_to_judge(self, loss, n_rows):
        """The mean loss an explosion is judged by after an epoch, or None (not yet).

        A fit's epoch loss. partial_fit pools its calls' losses, weighted by
        their rows, until they cover :data:`STREAM_ROWS` rows: the loss of a
        call of a few rows says little about the weights.
        """
        if self.pooled is None:
            return loss
        rows, total = self.pooled
        rows, total = rows + n_rows, total + loss * n_rows
        self.pooled = (rows, total) if rows < STREAM_ROWS else (0, 0.0)
        return total / rows if rows >= STREAM_ROWS else None

    def check_loss(self, loss, epoch=False):
        """Stop with a clear error on a non-finite or exploding loss."""
        finite = np.isfinite(loss)
        if self.reference_loss is None and finite:
            # The loss at the starting weights: the scale of "exploded".
            self.reference_loss = max(loss, self.null_loss)
        exploding = epoch and finite and loss > EXPLOSION_FACTOR * self.reference_loss
        if finite and not exploding:
            return
        what = "is %s" % loss if not finite else (
            "exploded to %.4g (it was %.4g at the starting weights)"
            % (loss, self.reference_loss))
        solver, blame = self.settings["solver"], self.penalty_to_blame()
        head = "" if finite else _NON_FINITE
        if blame:
            raise DivergenceError(
                "%sTraining stopped: the loss %s. alpha=%g (the L2 penalty) is too large: "
                "%s. Lower alpha. The estimator was left as it was before this call."
                % (head, what, self.settings["alpha"], blame))
        step = ("learning_rate_init=%g is probably too large for solver=%r; lower it"
                % (self.settings["learning_rate_init"], solver)) if solver != "lbfgs" else (
                "lbfgs diverged")
        raise DivergenceError(
            "%sTraining stopped: the loss %s. %s, and scale the features (e.g. "
            "StandardScaler: inputs of large magnitude saturate the units). The "
            "estimator was left as it was before this call." % (head, what, step)
        )

    def penalty_to_blame(self):
        """Why the L2 penalty (not the learning rate) broke the training, or ''.

        The penalty's term ``alpha / (2 S) ||W||^2`` at the starting weights
        is not finite or dwarfs the data loss; or, with SGD, the weight-decay
        factor ``1 - eta alpha / S`` of every step is below -1, so the
        weights grow in size at every step whatever the data.
        """
        lam, sq_norm = self.penalty_scale
        with np.errstate(over="ignore", invalid="ignore"):
            term = lam / 2 * sq_norm
            decay = self.settings["learning_rate_init"] * lam
        if not np.isfinite(term) or term > EXPLOSION_FACTOR * max(self.null_loss, 1.0):
            return ("its term alpha / (2 S) ||W||^2 is %.3g at the starting weights, "
                    "against %.3g for the data" % (term, self.null_loss))
        if self.settings["solver"] == "sgd" and decay > 2:
            return ("each SGD step multiplies the weights by 1 - learning_rate_init * "
                    "alpha / S = %.3g, which makes them grow" % (1 - decay))
        return ""

    def check_weights_finite(self, weights):
        if not all(np.isfinite(w).all() for w in weights):
            self.check_loss(np.nan)

    def warn_if_no_better_than_constant(self, loss):
        # Only where the constant leaves something to learn: a null loss
        # within tol of 0 (one class, or nearly) is as good as a perfect fit.
        if self.null_loss > self.settings["tol"] and loss >= self.null_loss:
            penalty = self.penalty_to_blame()
            remedy = ("alpha=%g (the L2 penalty) is too large: %s. Lower alpha"
                      % (self.settings["alpha"], penalty)) if penalty else (
                "Check learning_rate_init=%g (too large or too small) and scale the "
                "features (e.g. StandardScaler)" % self.settings["learning_rate_init"])
            warnings.warn(
                "The final training loss %.6g is no better than the loss of always "
                "predicting %s (%.6g): the network learned nothing. %s."
                % (loss, self.constant, self.null_loss, remedy),
                ConvergenceWarning,
            )


class TrainingState:
    """One network's training bookkeeping, updated by the loop epoch by epoch.

    The estimator makes it at the start of a fit (from its fitted attributes
    when training continues: warm start, partial_fit) and copies its results
    into the fitted attributes at the end (:meth:`results`). It holds the
    loss curve, the best loss, the no-improvement count, early stopping's
    validation scores and best weights, the network's slice of the
    optimizer (its learning-rate schedule), the divergence checks and, after
    a fit, where training stopped (:class:`ResumePoint`).

    Parameters
    ----------
    settings : dict
        The network's values of :data:`PER_NETWORK_PARAMS`, and ``solver``.
    coefs, intercepts : list of ndarray
        The starting weights (views of the stack's row during training).
    divergence : Divergence
        The checks of a diverging loss.
    previous : dict, default=None
        The fitted attributes of the fit this one continues (names of
        :data:`ATTRIBUTES`'s values), None for a fresh start.
    optimizer : object, default=None
        The optimizer of the previous partial_fit, to continue with.
    resume_point : ResumePoint, default=None
        Where the previous fit stopped (``resume=True``).
    estimator : object, default=None
        The network's estimator, for the held-out set's ``evaluate`` (its
        scorer may read the estimator's parameters); not used otherwise.
    print_buffer : text stream or None, default=None
        Where the network's epoch lines go (a search's buffer for its fit,
        so that the lines of a stack's fits come in order); None: stdout.
    dropout_rng : numpy.random.Generator, default=None
        The network's own generator of dropout masks (None without dropout).
    """

    # The state's fields and the fitted attributes they become.
    ATTRIBUTES = {
        "n_iter": "n_iter_", "t": "t_", "loss": "loss_", "loss_curve": "loss_curve_",
        "best_loss": "best_loss_", "validation_scores": "validation_scores_",
        "validation_loss_curve": "validation_loss_curve_",
        "best_validation_score": "best_validation_score_",
        "no_improvement_count": "_no_improvement_count",
        # what a resumed fit goes on with
        "best_coefs": "_best_coefs", "best_intercepts": "_best_intercepts",
        "first_curve_index": "_first_curve_index",
    }

    def __init__(self, settings, coefs, intercepts, divergence, previous=None,
                 optimizer=None, resume_point=None, estimator=None, print_buffer=None,
                 dropout_rng=None):
        self.settings, self.coefs, self.intercepts = settings, coefs, intercepts
        self.estimator, self.print_buffer = estimator, print_buffer
        self.dropout_rng = dropout_rng
        self.divergence, self.optimizer, self.resume_point = divergence, optimizer, resume_point
        previous = {} if previous is None else previous
        for field, attribute in self.ATTRIBUTES.items():
            setattr(self, field, previous.get(attribute))
        self.n_iter = self.n_iter or 0
        self.t = self.t or 0
        self.no_improvement_count = self.no_improvement_count or 0
        self.loss_curve = list(self.loss_curve or [])

    def begin(self, early_stopping, resume=False):
        """Before the first epoch of a fit.

        ``resume``: training goes on where the last fit stopped, with its
        best weights, epoch count and curves.
        """
        if early_stopping:
            if self.validation_scores is None:  # earlier fits did not stop early
                self.validation_scores, self.best_validation_score = [], -np.inf
                self.validation_loss_curve = []
            self.validation_scores = list(self.validation_scores)
            self.validation_loss_curve = list(self.validation_loss_curve)
        elif self.best_loss is None:  # a first fit, or earlier fits stopped early
            self.best_loss = np.inf
        if resume:
            return
        self.best_coefs = [c.copy() for c in self.coefs]
        self.best_intercepts = [b.copy() for b in self.intercepts]
        self.first_curve_index = len(self.loss_curve)
        self.n_iter = 0

    def check_loss(self, loss, epoch=False):
        self.divergence.check_loss(loss, epoch)

    def end_epoch(self, loss, n_train, validation, optimizer):
        """Bookkeeping after an epoch; returns True when training must stop."""
        self.divergence.check_epoch_loss(loss, n_train)
        self.divergence.check_weights_finite(self.coefs + self.intercepts)
        self.n_iter += 1
        self.t += n_train
        self.loss = loss
        self.loss_curve.append(loss)
        self.update_no_improvement_count(validation)
        if self.settings["verbose"]:
            self.print_epoch()
        optimizer.iteration_ends(self.t)
        n_iter_no_change = self.settings["n_iter_no_change"]
        if self.no_improvement_count <= n_iter_no_change:
            return False
        what = "Validation score" if validation is not None else "Training loss"
        msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
            what, self.settings["tol"], n_iter_no_change)
        if optimizer.trigger_stopping(msg, self.settings["verbose"]):
            return True
        self.no_improvement_count = 0
        return False

    def update_no_improvement_count(self, validation):
        tol = self.settings["tol"]
        if validation is None:
            if self.loss_curve[-1] > self.best_loss - tol:
                self.no_improvement_count += 1
            else:
                self.no_improvement_count = 0
            self.best_loss = min(self.best_loss, self.loss_curve[-1])
            return
        score, loss = validation.evaluate(self.estimator, self.coefs, self.intercepts)
        self.validation_scores.append(score)
        self.validation_loss_curve.append(loss)
        if score < self.best_validation_score + tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if score > self.best_validation_score:
            self.best_validation_score = score
            self.best_coefs = [c.copy() for c in self.coefs]
            self.best_intercepts = [b.copy() for b in self.intercepts]

    def print_epoch(self):
        """MLPClassifier's verbose lines (the same text, for log parsers)."""
        print("Iteration %d, loss = %.8f" % (self.n_iter, self.loss))
        if self.validation_scores:
            print("Validation score: %f" % self.validation_scores[-1])

    def end(self, validation, incremental):
        """After the last epoch: restore the best weights (early stopping)."""
        if validation is not None:
            self.coefs, self.intercepts = self.best_coefs, self.best_intercepts
        if not incremental:
            self.warn_if_loss_went_up()

    def warn_if_loss_went_up(self):
        curve = self.loss_curve[self.first_curve_index:]
        if len(curve) >= 2 and curve[-1] > curve[0]:
            warnings.warn(
                "The training loss went up during fit (first epoch %.6g, last epoch "
                "%.6g): learning_rate_init=%g is probably too large, or the features "
                "need scaling (e.g. StandardScaler)."
                % (curve[0], curve[-1], self.settings["learning_rate_init"]),
                ConvergenceWarning,
            )

    def snapshot(self):
        """The fitted attributes as they stand (a callback's fitted_estimator)."""
        return {
            "coefs_": [c.copy() for c in self.coefs],
            "intercepts_": [b.copy() for b in self.intercepts],
            "n_iter_": self.n_iter,
            "loss_curve_": list(self.loss_curve),
        }

    def results(self):
        """The fitted attributes the estimator copies at the end of a fit."""
        out = {attribute: getattr(self, field) for field, attribute in self.ATTRIBUTES.items()}
        out.update(coefs_=self.coefs, intercepts_=self.intercepts)
        return out


class _Stack:
    """The networks trained together: their parameters, optimizer and buffers.

    Parameters
    ----------
    states : list of TrainingState
        One per network (starting weights set, same network shape).
    layer_units : list of int
        Units per layer, input first.
    spec : StackSpec
        What the networks share.
    dtype : numpy dtype
        dtype of X and of the parameters.
    incremental : bool
        partial_fit: continue with the network's optimizer.
    collect_errors : bool
        Record the error of a network's epoch (a diverging loss, a scorer
        or callback that raises) in ``errors`` and drop the network instead
        of raising it.
    tasks : list of FitTasks or None
        Each network's callback tasks (:mod:`skmlp._callbacks`), or None for
        a network without callbacks.
    resume : bool, default=False
        Start from each state's :class:`ResumePoint`.
    """

    def __init__(self, states, layer_units, spec, dtype, incremental, collect_errors,
                 tasks, resume=False):
        self.states = list(states)
        self.tasks = list(tasks)
        self.spec = spec
        self.positions = list(range(len(self.states)))
        self.errors = [None] * len(self.states)
        self.collect_errors = collect_errors
        self.alive = np.ones(len(self.states), dtype=bool)
        self.referenced = False  # every network has its reference loss
        self.layout = ParameterLayout(layer_units)
        self.alpha = _per_network(self.states, "alpha").astype(np.float64)
        if resume:  # where each network stopped
            points = [state.resume_point for state in self.states]
            self.params = np.stack([point.params for point in points])
            self.optimizer = type(points[0].optimizer).concatenate(
                [point.optimizer for point in points])
        else:
            self.params = self.layout.stack(
                [(state.coefs, state.intercepts) for state in self.states], dtype)
            self.optimizer = _make_optimizer(self.states, self.params, spec, incremental)
        self.random_state = self.order = None  # set by the loop every epoch
        self._views()

    def _views(self):
        """Point each network's weights at its row; a fresh pass for the stack."""
        coefs, intercepts = self.layout.views(self.params)
        for k, state in enumerate(self.states):
            state.coefs = [c[k] for c in coefs]
            state.intercepts = [b[k] for b in intercepts]
        self.rates = [dropout_rates(state.settings.get("dropout", 0.0),
                                    len(self.layout.shapes) - 1) for state in self.states]
        self.step = _CompiledPass(self.spec, self.params, self.layout, self.spec.batch_size,
                                  dropping=[any(r > 0 for r in rates) for rates in self.rates])

    def draw_masks(self, m):
        """Each dropping network's masks for an ``m``-row minibatch, from its own generator.

        Inverted dropout: a unit of a layer of rate r is kept with probability
        1 - r, its factor ``1 / (1 - r)`` (0 where dropped); the factors of a
        layer of rate 0 stay 1.
        """
        step = self.step
        if not step.dropping.any():
            return
        masks = step.buffers.dropout_layers(m)[0]
        dtype = step.params.dtype
        for k in np.flatnonzero(step.dropping):
            rng = self.states[k].dropout_rng
            for l, rate in enumerate(self.rates[k]):
                if rate > 0:
                    keep = rng.random(masks[l][k].shape, dtype=np.float32) >= rate
                    np.multiply(keep, dtype.type(1.0 / (1.0 - rate)), out=masks[l][k])

    def optimizer_of(self, k):
        return _NetworkOptimizer(self.optimizer, k)

    def guard(self, k, method, *args):
        """``method(*args)`` for network k; an error in it (a diverging loss, a
        scorer or callback that raises) fails only k.

        What it prints goes to the network's ``print_buffer`` (its
        TrainingState's) where a search gave it one: its lines then come in
        order, not interleaved with the other networks'.
        """
        try:
            with prints_into(self.states[k].print_buffer):
                return method(*args)
        except Exception as exc:
            if not self.collect_errors:
                raise
            self.errors[self.positions[k]] = exc
            self.alive[k] = False
            return True

    def check_losses(self, losses):
        """Fail the networks whose minibatch loss is not finite."""
        if self.referenced and (math.isfinite(losses.sum()) if self.alive.all() else
                                np.all(np.isfinite(losses) | ~self.alive)):
            return
        for k in np.flatnonzero(self.alive):
            self.guard(k, self.states[k].check_loss, float(losses[k]))
        self.referenced = True
        if not self.alive.any():
            raise _AllFailed

    def begin_epoch(self):
        """Open every network's epoch callback subtask."""
        for k, (state, tasks) in enumerate(zip(self.states, self.tasks)):
            if tasks is not None and self.alive[k]:
                self.guard(k, tasks.begin_epoch, state.snapshot)

    def end_epoch(self, losses, n_train, validation, incremental):
        """Every network's epoch bookkeeping; the ones that stop leave.

        A network stops when it converged, failed, reached max_iter, or when
        one of its callbacks returned True at the end of the epoch.
        """
        leaving = []
        for k, state in enumerate(self.states):
            if not self.alive[k]:
                continue
            stop = self.guard(k, state.end_epoch, float(losses[k]), n_train, validation,
                              self.optimizer_of(k))
            if not self.alive[k]:
                continue
            if self.tasks[k] is not None and self.guard(k, self.tasks[k].end_epoch,
                                                        state.snapshot):
                stop = True  # asked by a callback: no max_iter warning
            if not self.alive[k]:  # a callback raised
                continue
            max_iter = state.settings["max_iter"]
            at_max_iter = not stop and not incremental and state.n_iter == max_iter
            if at_max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and "
                    "the optimization hasn't converged yet." % max_iter,
                    ConvergenceWarning,
                )
            if stop or at_max_iter or incremental:
                leaving.append((k, at_max_iter))
        for k, at_max_iter in leaving:
            self.finish(k, validation, incremental, at_max_iter)
        leaving = [k for k, _ in leaving]
        self.keep([k for k in range(len(self.states)) if self.alive[k] and k not in leaving])

    def keep(self, index):
        """Go on with the networks ``index`` only."""
        if len(index) == len(self.states):
            return
        self.states = [self.states[k] for k in index]
        self.tasks = [self.tasks[k] for k in index]
        self.positions = [self.positions[k] for k in index]
        self.alive = np.ones(len(index), dtype=bool)
        if not self.states:
            return
        index = np.asarray(index)
        self.params = self.params[index]
        self.alpha = self.alpha[index]
        self.optimizer.keep(index)
        self._views()

    def finish(self, k, validation, incremental, at_max_iter=False):
        """Network k is done: its own weights, the best ones with early stopping.

        A fit (not partial_fit) leaves the state its :class:`ResumePoint`.
        """
        state = self.states[k]
        optimizer = self.optimizer
        if len(self.states) > 1:  # its own arrays, not views of the stack
            state.coefs = [np.array(c) for c in state.coefs]
            state.intercepts = [np.array(b) for b in state.intercepts]
            optimizer = self.optimizer.subset([k])
        else:
            state.optimizer = self.optimizer
        if not incremental:
            state.resume_point = ResumePoint(
                self.params[k].copy(), optimizer, copy.deepcopy(self.random_state),
                self.order, None if validation is None else validation.rows, at_max_iter)
        state.end(validation, incremental)


def thread_budget():
    """How many threads a training loop in this process may use.

    The smallest of the CPUs this process may run on, numba's thread count
    (``NUMBA_NUM_THREADS``, which joblib's worker processes set to their
    share of the cores) and the number of threads the BLAS libraries are
    allowed at this point (threadpoolctl's limits, e.g.
    ``threadpool_limits(1)``, or ``OPENBLAS_NUM_THREADS``): training never
    uses more threads than the process was given.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return max(1, min([cpus, _kernels.max_threads()] + blas))


def train_stochastic(states, X, T, sample_weight, layer_units, spec, train, validation,
                     incremental=False, collect_errors=False, tasks=None, n_threads=1,
                     resume=False):
    """Train the networks of ``states`` together with minibatch SGD or Adam.

    Parameters
    ----------
    states : list of TrainingState
        One per network, made by its estimator on the same X, y and
        weights; updated in place (their weights, curves and counters).
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Training data (shared, never copied).
    T : ndarray of shape (n_samples, n_outputs)
        Targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Sample weights.
    layer_units : list of int
        Units per layer, input first.
    spec : StackSpec
        What the networks share (activations, loss, solver, minibatches,
        the random state of the shuffles).
    train : ndarray of int
        The training rows, in the order the first shuffle starts from.
    validation : HeldOut or None
        The early-stopping set (None: stop on the training loss).
    incremental : bool, default=False
        One epoch of partial_fit.
    collect_errors : bool, default=False
        A network whose loss diverges, or whose scorer or callback raises,
        fails alone (its error is returned) instead of raising.
    tasks : list of FitTasks or None, default=None
        Each network's callback tasks (one epoch subtask per epoch); None:
        no callbacks.
    n_threads : int, default=1
        Split the networks into up to this many groups that train in
        threads (BLAS on one thread each); each network trains exactly as
        it would alone.
    resume : bool, default=False
        Go on from where each network's last fit stopped (its state's
        :class:`ResumePoint`: weights, optimizer): all must have stopped at
        the same epoch, at their max_iter of then, and have a larger
        ``max_iter`` now. They end as a fit with the new ``max_iter`` would
        have left them.

    Returns
    -------
    errors : list
        Per network, None or the error that stopped it.
    """
    announce_compile()  # one line on stderr if the kernels are not compiled yet
    if resume:
        _check_resumable(states)
    tasks = [None] * len(states) if tasks is None else list(tasks)
    run = _Run(X, T, sample_weight, train, validation, layer_units, spec, incremental,
               collect_errors, resume)
    for state in states:
        state.begin(validation is not None, resume)
    n_groups = min(n_threads, len(states))
    if n_groups <= 1:
        return run.train(states, tasks, spec.random_state)
    return run.train_in_threads(states, tasks, spec.random_state, n_groups)


def _check_resumable(states):
    """All the networks stopped at their max_iter of then, at the same epoch."""
    if not all(state.resume_point.at_max_iter for state in states) or len(
            {state.n_iter for state in states}) > 1 or any(
            state.settings["max_iter"] <= state.n_iter for state in states):
        raise ValueError(
            "Only networks that stopped at their max_iter, all at the same epoch, "
            "can resume training, and only to a larger max_iter.")


class _Run:
    """What the networks of one call of :func:`train_stochastic` share."""

    def __init__(self, X, T, sample_weight, train, validation, layer_units, spec,
                 incremental, collect_errors, resume):
        self.resume = resume
        self.X, self.T, self.sample_weight = X, T, sample_weight
        self.train_rows, self.validation = train, validation
        self.layer_units, self.spec = layer_units, spec
        self.incremental, self.collect_errors = incremental, collect_errors
        self.stop = threading.Event()  # set by the caller of threads to end them

    def train(self, states, tasks, random_state):
        """Train a stack of ``states`` to the end; their errors, in order."""
        stack = _Stack(states, self.layer_units, self.spec, self.X.dtype,
                       self.incremental, self.collect_errors, tasks, self.resume)
        train = self.train_rows
        interruptible = len(states) == 1 and not self.collect_errors
        finished = None  # the weights and optimizer of the last finished epoch
        try:
            while stack.states:
                if self.spec.shuffle:
                    # Shuffle the indices, never X itself (no copy of the data);
                    # each epoch reshuffles the previous order, as MLPClassifier.
                    train = shuffle(train, random_state=random_state)
                stack.random_state, stack.order = random_state, train
                stack.begin_epoch()
                try:
                    losses = self._run_epoch(stack, train)
                except _AllFailed:
                    break
                if interruptible:
                    finished = (stack.params.copy(), copy.deepcopy(stack.optimizer))
                stack.end_epoch(losses, train.shape[0], self.validation, self.incremental)
        except KeyboardInterrupt:
            if not interruptible or finished is None:
                raise  # nothing finished to keep: the caller restores the estimator
            warnings.warn("Training interrupted by user. The model keeps the weights of "
                          "the last finished epoch.")
            stack.params[...] = finished[0]
            stack.optimizer = finished[1]
            stack.finish(0, self.validation, self.incremental)
        return stack.errors

    def train_in_threads(self, states, tasks, random_state, n_groups):
        """Train ``states`` in ``n_groups`` threads, BLAS on one thread each."""
        groups = np.array_split(np.arange(len(states)), n_groups)
        errors = [None] * len(states)
        with threadpool_limits(limits=1, user_api="blas"), \
                ThreadPoolExecutor(n_groups) as pool:
            futures = [pool.submit(self._train_group, [states[i] for i in group],
                                   [tasks[i] for i in group], copy.deepcopy(random_state))
                       for group in groups]
            try:
                for group, future in zip(groups, futures):
                    for i, error in zip(group, future.result()):
                        errors[i] = error
            except BaseException:  # an interrupt, or a group's exception: end the others
                self.stop.set()
                raise
        return errors

    def _train_group(self, states, tasks, random_state):
        # numpy's error state is per thread: the group's as the caller's.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self.train(states, tasks, random_state)

    def _run_epoch(self, stack, train):
        """One pass over the rows ``train`` in order; the epoch's mean loss(es).

        The minibatch losses are averaged weighted by the sample weight each
        minibatch carries (its size without weights, as MLPClassifier), so
        that minibatches whose weights are all 0 count for nothing.
        """
        total, seen = 0.0, 0.0
        unweighted = {}
        for batch in gen_batches(train.shape[0], self.spec.batch_size):
            if self.stop.is_set():
                raise KeyboardInterrupt
            step = _train_step(stack, self.X, self.T, self.sample_weight, train[batch],
                               unweighted)
            if step is not None:
                total = total + step[0] * step[1]
                seen += step[1]
        return total / seen


def _train_step(stack, X, T, sample_weight, idx, unweighted):
    """Forward, backward and update on the minibatch rows ``idx``.

    Returns the loss of each network (data term and penalty, at the weights
    before the update) and the minibatch's weight S, or None if the
    minibatch's weights are all 0 (nothing to learn from it).
    """
    step = stack.step
    batch = _gather(step.buffers, X, T, sample_weight, idx, unweighted)
    if batch is None:
        return None
    stack.draw_masks(batch.T.shape[0])
    losses = stack.optimizer.update_params(step.params, step.grads, step.layout.n_coefs,
                                           stack.alpha, batch.S, step(batch))
    stack.check_losses(losses)
    return losses, batch.S


def train_lbfgs(state, X, T, sample_weight, layer_units, spec, max_fun, iteration_end):
    """Full-batch L-BFGS-B of one network with the compiled loss and gradient.

    Parameters
    ----------
    state : TrainingState
        The network's: its ``coefs`` / ``intercepts`` are the starting point
        and become views of the solution; its divergence checks judge every
        loss.
    X, T, sample_weight, layer_units, spec :
        As in :func:`train_stochastic` (``spec``: the activations and loss).
    max_fun : int
        Most loss evaluations.
    iteration_end : callable
        ``iteration_end(coefs, intercepts) -> bool`` after each L-BFGS
        iteration with the weights it reached (new arrays); True stops.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        As :func:`skmlp._optimizers.minimize_lbfgs` returns it.
    """
    announce_compile()  # one line on stderr if the kernels are not compiled yet
    layout = ParameterLayout(layer_units)
    params = layout.stack([(state.coefs, state.intercepts)], X.dtype)
    state.coefs, state.intercepts = layout.views(params[0])
    step = _CompiledPass(spec, params, layout, X.shape[0], minibatches=False)
    batch = _batch(X, T, sample_weight, X.dtype, {})  # S > 0: checked by the estimator
    alpha = np.array([float(state.settings["alpha"])])

    def loss_grad():
        losses = step(batch)
        _kernels.add_penalty(params, step.grads, layout.n_coefs, alpha, batch.S, losses)
        state.check_loss(float(losses[0]))
        return float(losses[0]), [step.grads[0]]

    def end(theta):
        weights = np.empty_like(params[0])
        unpack(theta, [weights])
        coefs_k, intercepts_k = layout.views(weights)
        return iteration_end(coefs_k, intercepts_k)

    settings = state.settings
    return minimize_lbfgs(loss_grad, [params[0]], max_iter=settings["max_iter"],
                          max_fun=max_fun, tol=settings["tol"],
                          verbose=bool(settings["verbose"]), iteration_end=end)
