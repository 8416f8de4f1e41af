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

What is per network lives on the estimators, this module calls it: each
network is a ManualMLPClassifier whose own methods do the bookkeeping of an
epoch (``_end_epoch``: loss curve, tol / n_iter_no_change, early stopping,
the learning-rate schedule) and catch a diverging loss (``_check_loss``). A
network that stops or fails leaves the stack at the end of the epoch; one
that fails in the middle of an epoch is masked until then (its row of the
stack never touches the other networks' rows).
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
    def of(cls, net, dtype, n_hidden):
        names = nn._hidden_activations(net.activation, n_hidden)
        return cls(np.array([_kernels.ACTIVATION_CODES[name] for name in names],
                            dtype=np.int64),
                   _kernels.ACTIVATION_CODES[net.out_activation_],
                   _kernels.LOSS_CODES[net.loss], np.finfo(dtype).eps)

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
    """

    def __init__(self, layer_units, batch_size, dtype, n_networks, minibatches=True,
                 pre_activations=False):
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
        self._units, self._n_networks = units, n_networks
        self._rows = {}
        self.losses = np.empty(n_networks)

    def layers(self, m):
        """Activations, their transposes, deltas and pre-activations of an ``m``-row minibatch.

        (K, m, units) each, made once per size of minibatch.
        """
        if m not in self._rows:
            shapes = [(self._n_networks, m, n) for n in self._units]
            acts, deltas, pres = ([buffer[start:start + np.prod(shape)].reshape(shape)
                                   for start, shape in zip(self.starts, shapes)]
                                  for buffer in (self.acts, self.deltas,
                                                 self.pres if self.pres.size else self.acts))
            self._rows[m] = acts, [nn._T(a) for a in acts], deltas, pres
        return self._rows[m]


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
    net : ManualMLPClassifier
        Whose activations and loss the networks have.
    params : ndarray of shape (K, P)
        The stack's parameters, laid out by ``layout``.
    layout : ParameterLayout
        The networks' shape.
    batch_size : int
        Rows of the largest minibatch.
    minibatches : bool, default=True
        As in :class:`_Buffers`.
    """

    def __init__(self, net, params, layout, batch_size, minibatches=True):
        self.codes = _Codes.of(net, params.dtype, len(layout.shapes) - 1)
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
                                minibatches, self.codes.keep_pre_activations())
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
                codes.out_activation, codes.loss, codes.eps, losses)
            return losses
        acts, acts_T, deltas, pres = buffers.layers(batch.T.shape[0])
        # Big products, or a sparse (or not C-ordered) X: the products by numpy
        # (and scipy.sparse), the same kernels between them.
        last = len(self.coefs) - 1
        A = batch.X
        for l in range(last):
            nn._matmul_into(A, self.coefs[l], out=acts[l])
            _kernels.bias_activation(acts[l], params, offsets[l], codes.activations[l],
                                     pres[l])
            A = acts[l]
        nn._matmul_into(A, self.coefs[last], out=acts[last])
        _kernels.output_layer(acts[last], params, offsets[last], batch.T, codes.out_activation,
                              codes.loss, codes.eps, batch.row_scale, batch.loss_weight,
                              deltas[last], grads, losses)
        for l in range(last, 0, -1):  # no delta for the input layer
            np.matmul(acts_T[l - 1], deltas[l], out=self.coef_grads[l])
            np.matmul(deltas[l], self.coefs_T[l], out=deltas[l - 1])
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


def bytes_per_network(layer_units, batch_size, itemsize, solver, early_stopping):
    """Bytes a stack needs per network: weights, their copies, activations.

    Weights, gradients and optimizer state (one velocity for SGD, two
    moments for Adam), the best weights with early stopping, and the
    activations and deltas of a minibatch. X is shared and not counted.

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
    return itemsize * (copies * n_params + 2 * batch_size * sum(layer_units[1:]))


def _per_network(nets, name):
    return np.array([getattr(net, name) for net in nets])


def _make_optimizer(nets, params, incremental):
    """The optimizer of the networks, with one value per network of each hyperparameter."""
    lead = nets[0]
    if incremental and hasattr(lead, "_optimizer"):
        # A copy, so that a failed partial_fit leaves the old one intact.
        return copy.deepcopy(lead._optimizer)
    if lead.solver == "sgd":
        return SGDOptimizer(params, _per_network(nets, "learning_rate_init"),
                            _per_network(nets, "learning_rate"),
                            _per_network(nets, "momentum"), lead.nesterovs_momentum,
                            _per_network(nets, "power_t"))
    return AdamOptimizer(params, _per_network(nets, "learning_rate_init"),
                         _per_network(nets, "beta_1"), _per_network(nets, "beta_2"),
                         _per_network(nets, "epsilon"))


class _NetworkOptimizer:
    """Network ``k``'s view of a stack's optimizer, for its ``_end_epoch``."""

    def __init__(self, optimizer, k):
        self.optimizer, self.k = optimizer, k

    def iteration_ends(self, time_step):
        self.optimizer.iteration_ends(time_step, k=self.k)

    def trigger_stopping(self, msg, verbose):
        return self.optimizer.trigger_stopping(msg, verbose, k=self.k)


class _AllFailed(Exception):
    """Every network of the stack has failed: nothing left to train."""


class TrainingState(NamedTuple):
    """Where a network's stochastic training stopped: what further epochs need.

    Kept by each network a fit trains (``net._training_state``), so that
    training can go on later exactly as if it had never stopped
    (``train_stochastic(..., resume=True)``): a successive-halving search
    continues its survivors with it.
    """

    params: np.ndarray  # the network's row of parameters (not the best ones)
    optimizer: object  # its optimizer, state included
    random_state: object  # the shuffling random state after the last epoch
    order: np.ndarray  # the training rows in the order of the last epoch
    validation_rows: object  # the early-stopping rows of X, or None
    at_max_iter: bool  # stopped because it reached max_iter (and only then)


class _Stack:
    """The networks trained together: their parameters, optimizer and buffers.

    Parameters
    ----------
    nets : list of ManualMLPClassifier
        Prepared estimators (starting weights set, same network shape).
    layer_units, batch_size, dtype :
        Shape of the networks and of the minibatches.
    incremental : bool
        partial_fit: continue with the estimator's optimizer.
    collect_errors : bool
        Record the error of a network's epoch (a diverging loss, a scorer
        or callback that raises) in ``errors`` and drop the network instead
        of raising it.
    tasks : list of FitTasks or None
        Each network's callback tasks (:mod:`skmlp._callbacks`), or None for
        a network without callbacks.
    """

    def __init__(self, nets, layer_units, batch_size, dtype, incremental, collect_errors,
                 tasks, resume=False):
        self.nets = list(nets)
        self.tasks = list(tasks)
        self.positions = list(range(len(self.nets)))
        self.errors = [None] * len(self.nets)
        self.collect_errors = collect_errors
        self.alive = np.ones(len(self.nets), dtype=bool)
        self.referenced = False  # every network has its reference loss
        self.layout = ParameterLayout(layer_units)
        self._batch_size = batch_size
        self.alpha = _per_network(self.nets, "alpha").astype(np.float64)
        if resume:  # where each network stopped
            states = [net._training_state for net in self.nets]
            self.params = np.stack([state.params for state in states])
            self.optimizer = type(states[0].optimizer).concatenate(
                [state.optimizer for state in states])
        else:
            self.params = self.layout.stack(
                [(net.coefs_, net.intercepts_) for net in self.nets], dtype)
            self.optimizer = _make_optimizer(self.nets, self.params, incremental)
        self.random_state = self.order = None  # set by the loop every epoch
        self._views()

    def _views(self):
        """Point each network's weights at its row; a fresh pass for the stack."""
        coefs, intercepts = self.layout.views(self.params)
        for k, net in enumerate(self.nets):
            net.coefs_ = [c[k] for c in coefs]
            net.intercepts_ = [b[k] for b in intercepts]
        self.step = _CompiledPass(self.nets[0], self.params, self.layout, self._batch_size)

    def optimizer_of(self, k):
        return _NetworkOptimizer(self.optimizer, k)

    def guard(self, k, method, *args):
        """``method(*args)`` for network k; an error in it (a diverging loss, a
        scorer or callback that raises) fails only k.

        What it prints goes to the network's ``_print_buffer`` where a search
        gave it one (its lines then come in order, not interleaved with the
        other networks').
        """
        try:
            with prints_into(getattr(self.nets[k], "_print_buffer", None)):
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
            net = self.nets[k]
            self.guard(k, net._check_loss, float(losses[k]), net.solver)
        self.referenced = True
        if not self.alive.any():
            raise _AllFailed

    def begin_epoch(self):
        """Open every network's epoch callback subtask."""
        for k, (net, tasks) in enumerate(zip(self.nets, self.tasks)):
            if tasks is not None and self.alive[k]:
                self.guard(k, tasks.begin_epoch, net._snapshot)

    def end_epoch(self, losses, n_train, validation, incremental):
        """Every network's epoch bookkeeping; the ones that stop leave.

        A network stops when it converged, failed, reached max_iter, or when
        one of its callbacks returned True at the end of the epoch.
        """
        leaving = []
        for k, net in enumerate(self.nets):
            if not self.alive[k]:
                continue
            stop = self.guard(k, net._end_epoch, float(losses[k]), n_train, validation,
                              self.optimizer_of(k))
            if not self.alive[k]:
                continue
            if self.tasks[k] is not None and self.guard(k, self.tasks[k].end_epoch,
                                                        net._snapshot):
                stop = True  # asked by a callback: no max_iter warning
            if not self.alive[k]:  # a callback raised
                continue
            at_max_iter = not stop and not incremental and net.n_iter_ == net.max_iter
            if at_max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and "
                    "the optimization hasn't converged yet." % net.max_iter,
                    ConvergenceWarning,
                )
            if stop or at_max_iter or incremental:
                leaving.append((k, at_max_iter))
        for k, at_max_iter in leaving:
            self.finish(k, validation, incremental, at_max_iter)
        leaving = [k for k, _ in leaving]
        self.keep([k for k in range(len(self.nets)) if self.alive[k] and k not in leaving])

    def keep(self, index):
        """Go on with the networks ``index`` only."""
        if len(index) == len(self.nets):
            return
        self.nets = [self.nets[k] for k in index]
        self.tasks = [self.tasks[k] for k in index]
        self.positions = [self.positions[k] for k in index]
        self.alive = np.ones(len(index), dtype=bool)
        if not self.nets:
            return
        index = np.asarray(index)
        self.params = self.params[index]
        self.alpha = self.alpha[index]
        self.optimizer.keep(index)
        self._views()

    def finish(self, k, validation, incremental, at_max_iter=False):
        """Network k is done: its own weights, the best ones with early stopping.

        A fit (not partial_fit) leaves the network its :class:`TrainingState`.
        """
        net = self.nets[k]
        optimizer = self.optimizer
        if len(self.nets) > 1:  # its own arrays, not views of the stack
            net.coefs_ = [np.array(c) for c in net.coefs_]
            net.intercepts_ = [np.array(b) for b in net.intercepts_]
            optimizer = self.optimizer.subset([k])
        else:
            net._optimizer = self.optimizer
        if not incremental:
            net._training_state = TrainingState(
                self.params[k].copy(), optimizer, copy.deepcopy(self.random_state),
                self.order, None if validation is None else validation.rows, at_max_iter)
        net._end_epochs(validation, incremental)


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


def train_stochastic(nets, X, T, sample_weight, layer_units, incremental,
                     collect_errors=False, tasks=None, n_threads=1, resume=False):
    """Train the networks of ``nets`` together with minibatch SGD or Adam.

    Parameters
    ----------
    nets : list of ManualMLPClassifier
        Estimators prepared by ``_prepare_fit`` on the same X, y and weights,
        that agree on everything that shapes the networks and the minibatches
        (hidden sizes, activation, loss, solver, batch size, shuffling,
        random_state, early stopping). The first one's random state draws the
        validation split and the shuffles.
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Training data (shared, never copied).
    T : ndarray of shape (n_samples, n_outputs)
        Targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Sample weights.
    layer_units : list of int
        Units per layer, input first.
    incremental : bool
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
        Go on from where each network's last fit stopped (its
        ``_training_state``: weights, optimizer, shuffling, validation
        rows): all must have stopped at the same epoch, at their max_iter
        of then, and have a larger ``max_iter`` now. They end as a fit with
        the new ``max_iter`` would have left them.

    Returns
    -------
    errors : list
        Per network, None or the error that stopped it.
    """
    announce_compile()  # one line on stderr if the kernels are not compiled yet
    lead = nets[0]
    if lead.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    tasks = [None] * len(nets) if tasks is None else list(tasks)
    if resume:
        state = _common_state(nets)
        train, random_state = state.order, copy.deepcopy(state.random_state)
        validation = None if state.validation_rows is None else lead._held_out(
            X, T, sample_weight, state.validation_rows)
    else:
        train, validation, random_state = np.arange(X.shape[0]), None, lead._random_state
        if lead.early_stopping:
            train, validation = lead._validation_split(X, T, sample_weight)
    run = _Run(X, T, sample_weight, train, validation, layer_units,
               lead._batch_size(train.shape[0]), incremental, collect_errors, resume)
    for net in nets:
        net._begin_epochs(validation, resume)
    n_groups = min(n_threads, len(nets))
    if n_groups <= 1:
        return run.train(nets, tasks, random_state)
    return run.train_in_threads(nets, tasks, random_state, n_groups)


def _common_state(nets):
    """The training state the networks resume from (the same epoch for all)."""
    states = [net._training_state for net in nets]
    if not all(state.at_max_iter for state in states) or len(
            {net.n_iter_ for net in nets}) > 1 or any(
            net.max_iter <= net.n_iter_ for net in nets):
        raise ValueError(
            "Only networks that stopped at their max_iter, all at the same epoch, "
            "can resume training, and only to a larger max_iter.")
    return states[0]


class _Run:
    """What the networks of one call of :func:`train_stochastic` share."""

    def __init__(self, X, T, sample_weight, train, validation, layer_units, batch_size,
                 incremental, collect_errors, resume):
        self.resume = resume
        self.X, self.T, self.sample_weight = X, T, sample_weight
        self.train_rows, self.validation = train, validation
        self.layer_units, self.batch_size = layer_units, batch_size
        self.incremental, self.collect_errors = incremental, collect_errors
        self.stop = threading.Event()  # set by the caller of threads to end them

    def train(self, nets, tasks, random_state):
        """Train a stack of ``nets`` to the end; their errors, in order."""
        stack = _Stack(nets, self.layer_units, self.batch_size, self.X.dtype,
                       self.incremental, self.collect_errors, tasks, self.resume)
        train = self.train_rows
        interruptible = len(nets) == 1 and not self.collect_errors
        finished = None  # the weights and optimizer of the last finished epoch
        try:
            while stack.nets:
                if stack.nets[0].shuffle:
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

    def train_in_threads(self, nets, tasks, random_state, n_groups):
        """Train ``nets`` in ``n_groups`` threads, BLAS on one thread each."""
        groups = np.array_split(np.arange(len(nets)), n_groups)
        errors = [None] * len(nets)
        with threadpool_limits(limits=1, user_api="blas"), \
                ThreadPoolExecutor(n_groups) as pool:
            futures = [pool.submit(self._train_group, [nets[i] for i in group],
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

    def _train_group(self, nets, tasks, random_state):
        # numpy's error state is per thread: the group's as the caller's.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self.train(nets, tasks, random_state)

    def _run_epoch(self, stack, train):
        """One pass over the rows ``train`` in order; the epoch's mean loss(es).

        The minibatch losses are averaged weighted by the sample weight each
        minibatch carries (its size without weights, as MLPClassifier), so
        that minibatches whose weights are all 0 count for nothing.
        """
        total, seen = 0.0, 0.0
        unweighted = {}
        for batch in gen_batches(train.shape[0], self.batch_size):
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
    losses = stack.optimizer.update_params(step.params, step.grads, step.layout.n_coefs,
                                           stack.alpha, batch.S, step(batch))
    stack.check_losses(losses)
    return losses, batch.S


def train_lbfgs(net, X, T, sample_weight, layer_units, iteration_end):
    """Full-batch L-BFGS-B of one network with the compiled loss and gradient.

    Parameters
    ----------
    net : ManualMLPClassifier
        Prepared estimator; its ``coefs_`` / ``intercepts_`` are the starting
        point and become views of the solution.
    X, T, sample_weight, layer_units :
        As in :func:`train_stochastic`.
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
    params = layout.stack([(net.coefs_, net.intercepts_)], X.dtype)
    net.coefs_, net.intercepts_ = layout.views(params[0])
    step = _CompiledPass(net, params, layout, X.shape[0], minibatches=False)
    batch = _batch(X, T, sample_weight, X.dtype, {})  # S > 0: checked by the estimator
    alpha = np.array([float(net.alpha)])

    def loss_grad():
        losses = step(batch)
        _kernels.add_penalty(params, step.grads, layout.n_coefs, alpha, batch.S, losses)
        net._check_loss(float(losses[0]), "lbfgs")
        return float(losses[0]), [step.grads[0]]

    def end(theta):
        weights = np.empty_like(params[0])
        unpack(theta, [weights])
        coefs_k, intercepts_k = layout.views(weights)
        return iteration_end(coefs_k, intercepts_k)

    return minimize_lbfgs(loss_grad, [params[0]], max_iter=net.max_iter,
                          max_fun=net.max_fun, tol=net.tol, verbose=bool(net.verbose),
                          iteration_end=end)
