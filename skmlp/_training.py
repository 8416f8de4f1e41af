"""The training loop of the MLP, for one network or a stack of K networks.

:class:`skmlp.ManualMLPClassifier` trains one network (K = 1) with it and
:class:`skmlp.model_selection.MLPGridSearchCV` trains the candidates of a grid
search that share a network shape and the minibatches (K > 1): their weights
stacked along a leading axis (see :mod:`skmlp.nn`), one pass over the
minibatches for all of them, with each network's own learning rate, penalty,
optimizer state and stopping.

The loop, like skorch's ``fit_loop -> run_single_epoch -> train_step``, is
split into short steps: :func:`train_stochastic` runs epochs, ``_run_epoch``
the minibatches of one epoch, ``_train_step`` one forward / backward /
update. All per-layer arrays (the minibatch of X, the activations, the
deltas, the gradients) are allocated once in a :class:`_Buffers` and reused
for every minibatch.

What is per network lives on the estimators, this module calls it: each
network is a ManualMLPClassifier whose ``coefs_`` and ``intercepts_`` are
views of its slice of the stack during training, and whose own methods do the
bookkeeping of an epoch (``_end_epoch``: loss curve, tol / n_iter_no_change,
early stopping, the learning-rate schedule) and catch a diverging loss
(``_check_loss``). A network that stops or fails leaves the stack at the end
of the epoch; one that fails in the middle of an epoch is masked until then
(its slice of a matrix product never touches the other networks' slices).
"""

import copy
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches, shuffle

from . import nn
from ._optimizers import AdamOptimizer, SGDOptimizer


class _Buffers:
    """Arrays reused for every minibatch of one fit (no allocation per batch).

    For a stack of K networks every per-layer array gets a leading axis K.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, input layer first.
    batch_size : int
        Rows of the largest minibatch.
    dtype : numpy dtype
        dtype of X (float32 or float64); every buffer has it.
    minibatches : bool, default=True
        Also allocate the rows of X, T and the weights of a minibatch (not
        needed by the full-batch L-BFGS, which reads X itself).
    n_networks : int or None, default=None
        K for a stack of networks, None for one network (no leading axis).
    """

    def __init__(self, layer_units, batch_size, dtype, minibatches=True, n_networks=None):
        fan = list(zip(layer_units[:-1], layer_units[1:]))
        rows = batch_size if minibatches else 0
        self.X = np.empty((rows, layer_units[0]), dtype=dtype)
        self.T = np.empty((rows, layer_units[-1]), dtype=dtype)
        self.sample_weight = np.empty(rows, dtype=dtype)
        stack = () if n_networks is None else (n_networks,)
        units = layer_units[1:]
        self.acts = [np.empty(stack + (batch_size, n), dtype=dtype) for n in units]
        self.deltas = [np.empty(stack + (batch_size, n), dtype=dtype) for n in units]
        self.coef_grads = [np.empty(stack + f, dtype=dtype) for f in fan]
        self.intercept_grads = [np.empty(stack + (n,), dtype=dtype) for n in units]

    def rows(self, m):
        """Views of the first ``m`` rows of the per-sample buffers."""
        return (
            self.X[:m], self.T[:m], self.sample_weight[:m],
            [a[..., :m, :] for a in self.acts], [d[..., :m, :] for d in self.deltas],
        )


def _stack_layers(layers_per_network):
    """Stack each layer's arrays of K networks along a new leading axis."""
    return [np.stack(arrays) for arrays in zip(*layers_per_network)]


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


def _make_optimizer(nets, params, incremental):
    """The optimizer of the networks: scalars for one, arrays of K for a stack."""
    lead = nets[0]
    if incremental and hasattr(lead, "_optimizer"):
        # A copy, so that a failed partial_fit leaves the old one intact.
        return copy.deepcopy(lead._optimizer)

    def per_network(name):
        if len(nets) == 1:
            return getattr(lead, name)
        return np.array([getattr(net, name) for net in nets])

    if lead.solver == "sgd":
        return SGDOptimizer(params, per_network("learning_rate_init"),
                            per_network("learning_rate"), per_network("momentum"),
                            lead.nesterovs_momentum, per_network("power_t"))
    return AdamOptimizer(params, per_network("learning_rate_init"), per_network("beta_1"),
                         per_network("beta_2"), per_network("epsilon"))


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


class _Stack:
    """The networks trained together: their weights, optimizer and buffers.

    With one network the weights are its own ``coefs_`` / ``intercepts_``
    (no copy, no leading axis: the plain fit runs exactly as before).

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
                 tasks):
        self.nets = list(nets)
        self.tasks = list(tasks)
        self.stacked = len(self.nets) > 1
        self.positions = list(range(len(self.nets)))
        self.errors = [None] * len(self.nets)
        self.collect_errors = collect_errors
        self.alive = np.ones(len(self.nets), dtype=bool)
        self.referenced = False  # every network has its reference loss
        self._shape = (layer_units, batch_size, dtype)
        if self.stacked:
            self.coefs = _stack_layers([net.coefs_ for net in self.nets])
            self.intercepts = _stack_layers([net.intercepts_ for net in self.nets])
            self.alpha = np.array([net.alpha for net in self.nets], dtype=np.float64)
        else:
            self.coefs, self.intercepts = self.nets[0].coefs_, self.nets[0].intercepts_
            self.alpha = self.nets[0].alpha
        self.params = self.coefs + self.intercepts
        self.optimizer = _make_optimizer(self.nets, self.params, incremental)
        self._views()

    def _views(self):
        """Point each network's weights at its slice; fresh buffers for K."""
        if self.stacked:
            for k, net in enumerate(self.nets):
                net.coefs_ = [c[k] for c in self.coefs]
                net.intercepts_ = [b[k] for b in self.intercepts]
        layer_units, batch_size, dtype = self._shape
        self.buffers = _Buffers(layer_units, batch_size, dtype,
                                n_networks=len(self.nets) if self.stacked else None)

    def optimizer_of(self, k):
        return _NetworkOptimizer(self.optimizer, k) if self.stacked else self.optimizer

    def guard(self, k, method, *args):
        """``method(*args)`` for network k; an error in it (a diverging loss, a
        scorer or callback that raises) fails only k."""
        try:
            return method(*args)
        except Exception as exc:
            if not self.collect_errors:
                raise
            self.errors[self.positions[k]] = exc
            self.alive[k] = False
            return True

    def check_losses(self, losses):
        """Fail the networks whose minibatch loss is not finite."""
        if not self.stacked and not self.collect_errors:
            self.nets[0]._check_loss(losses, self.nets[0].solver)
            return
        if self.referenced and np.all(np.isfinite(losses) | ~self.alive):
            return
        losses = np.atleast_1d(losses)
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
        losses = np.atleast_1d(losses) if self.stacked else [losses]
        leaving = []
        for k, net in enumerate(self.nets):
            if not self.alive[k]:
                continue
            loss = float(losses[k]) if self.stacked else losses[k]
            stop = self.guard(k, net._end_epoch, loss, n_train, validation,
                              self.optimizer_of(k))
            if not self.alive[k]:
                continue
            if self.tasks[k] is not None and self.guard(k, self.tasks[k].end_epoch,
                                                        net._snapshot):
                stop = True  # asked by a callback: no max_iter warning
            if not self.alive[k]:  # a callback raised
                continue
            if not stop and not incremental and net.n_iter_ == net.max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and "
                    "the optimization hasn't converged yet." % net.max_iter,
                    ConvergenceWarning,
                )
                stop = True
            if stop or incremental:
                leaving.append(k)
        for k in leaving:
            self.finish(k, validation, incremental)
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
        self.coefs = _stack_layers([net.coefs_ for net in self.nets])
        self.intercepts = _stack_layers([net.intercepts_ for net in self.nets])
        self.params = self.coefs + self.intercepts
        self.alpha = self.alpha[index]
        self.optimizer.keep(index)
        self._views()

    def finish(self, k, validation, incremental):
        """Network k is done: its own weights, the best ones with early stopping."""
        net = self.nets[k]
        if self.stacked:
            net.coefs_ = [np.array(c) for c in net.coefs_]
            net.intercepts_ = [np.array(b) for b in net.intercepts_]
        else:
            net._optimizer = self.optimizer
        net._end_epochs(validation, incremental)


def forward_backward(net, X, T, sample_weight, coefs, intercepts, alpha, acts_out,
                     deltas, buffers):
    """nn.forward then nn.backward of ``net``'s network(s) into the buffers.

    The unchecked paths of :mod:`skmlp.nn`: the estimator has validated its
    parameters and shaped the arrays, so nothing is checked per minibatch.
    Its targets come from a label binarizer: one-hot rows for softmax.
    """
    activation, out_activation = net.activation, net.out_activation_
    acts = nn._forward(X, coefs, intercepts, activation, out_activation, acts_out)
    return nn._backward(
        acts, T, coefs, activation, out_activation, net.loss, alpha, sample_weight,
        buffers.coef_grads, buffers.intercept_grads, deltas, one_hot=True,
    )


def train_stochastic(nets, X, T, sample_weight, layer_units, incremental,
                     collect_errors=False, tasks=None):
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

    Returns
    -------
    errors : list
        Per network, None or the error that stopped it.
    """
    lead = nets[0]
    if lead.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    validation = None
    train = np.arange(X.shape[0])
    if lead.early_stopping:
        train, validation = lead._validation_split(X, T, sample_weight)
    batch_size = lead._batch_size(train.shape[0])
    stack = _Stack(nets, layer_units, batch_size, X.dtype, incremental, collect_errors,
                   [None] * len(nets) if tasks is None else tasks)
    for net in nets:
        net._begin_epochs(validation)
    try:
        while stack.nets:
            if lead.shuffle:
                # Shuffle the indices, never X itself (no copy of the data);
                # each epoch reshuffles the previous order, as MLPClassifier.
                train = shuffle(train, random_state=lead._random_state)
            stack.begin_epoch()
            try:
                losses = _run_epoch(stack, X, T, sample_weight, train, batch_size)
            except _AllFailed:
                break
            stack.end_epoch(losses, train.shape[0], validation, incremental)
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")
        for k in range(len(stack.nets)):
            stack.finish(k, validation, incremental)
    return stack.errors


def _run_epoch(stack, X, T, sample_weight, train, batch_size):
    """One pass over the rows ``train`` in order; returns the mean batch loss(es)."""
    # One loss per network, also when every minibatch is skipped (all weights 0).
    accumulated_loss = np.zeros(len(stack.nets)) if stack.stacked else 0.0
    n_train = train.shape[0]
    for batch in gen_batches(n_train, batch_size):
        idx = train[batch]
        batch_loss = _train_step(stack, X, T, sample_weight, idx)
        accumulated_loss += batch_loss * idx.shape[0]
    return accumulated_loss / n_train


def _train_step(stack, X, T, sample_weight, idx):
    """Forward, backward and update on the minibatch rows ``idx``."""
    m = idx.shape[0]
    buffers = stack.buffers
    X_buf, T_buf, sw_buf, acts_out, deltas = buffers.rows(m)
    sw_batch = None
    if sample_weight is not None:
        np.take(sample_weight, idx, out=sw_buf, mode="clip")
        if not sw_buf.any():
            return 0.0  # all weights 0: nothing to learn from this batch
        sw_batch = sw_buf
    if sp.issparse(X):
        X_batch = X[idx]
    else:
        X_batch = np.take(X, idx, axis=0, out=X_buf, mode="clip")
    np.take(T, idx, axis=0, out=T_buf, mode="clip")
    loss, coef_grads, intercept_grads = forward_backward(
        stack.nets[0], X_batch, T_buf, sw_batch, stack.coefs, stack.intercepts,
        stack.alpha, acts_out, deltas, buffers,
    )
    stack.check_losses(loss)
    stack.optimizer.update_params(stack.params, coef_grads + intercept_grads)
    return loss
