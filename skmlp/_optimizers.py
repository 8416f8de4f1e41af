"""Optimizers for :class:`skmlp.ManualMLPClassifier`.

Each stochastic optimizer is a small class whose ``update_params(params,
grads)`` changes the parameters *in place*. The parameters of a network are
one flat row (its weight matrices, then its bias vectors, as
:func:`pack` lays them out), and a stack of ``K`` networks trained together
is a ``(K, P)`` array with one row per network; the gradients and the
optimizer's state (velocities, Adam's moments) are arrays of the same shape.
One pass of a compiled kernel (:mod:`skmlp._kernels`) adds the L2 penalty to
the gradient and takes the step, for every parameter of the stack at once.

The hyperparameters are per network, arrays of shape ``(K,)`` (given as
scalars, every network of the stack gets the same value). ``iteration_ends`` and
``trigger_stopping`` take the index ``k`` of the network whose epoch ended, and ``keep``
drops the networks that stopped.

The semantics (momentum, Nesterov's momentum, the learning-rate schedules,
Adam's bias correction, when the schedule is updated) are those of
scikit-learn's MLP, so that both follow the same trajectory from the same
weights. L-BFGS is not written by hand: :func:`minimize_lbfgs` packs the
parameters into one vector and hands them to :func:`scipy.optimize.minimize`.
"""

import copy
import math

import numpy as np
import scipy.optimize

from . import _kernels


def _rows(array):
    """A ``(K, P)`` view of a stack's parameters (one network's ``(P,)`` is K = 1)."""
    return array.reshape(1, -1) if array.ndim == 1 else array


def _per_network(value, n_networks):
    """One value per network, shape (K,): float64 (a schedule's name stays a str)."""
    dtype = object if np.asarray(value).dtype.kind in "OUS" else np.float64
    return np.array(np.broadcast_to(np.asarray(value, dtype=dtype), (n_networks,)))


def _norm_bounds(max_grad_norm, n_networks):
    """Clipping bounds per network, float64 (None, for no clipping, is inf)."""
    values = np.broadcast_to(np.asarray(max_grad_norm, dtype=object), (n_networks,))
    return np.array([np.inf if v is None else float(v) for v in values.tolist()])


def cosine_factor(epoch, max_iter):
    """The cosine schedule's factor ``(1 + cos(pi e / max_iter)) / 2`` at epoch e (0-based).

    torch's CosineAnnealingLR with ``T_max = max_iter``, stepped per epoch.

    Examples
    --------
    >>> cosine_factor(0, 10), cosine_factor(5, 10)
    (1.0, 0.5)
    """
    return (1.0 + math.cos(math.pi * epoch / max_iter)) / 2.0


class _PerNetwork:
    """Per-network hyperparameters and state of a stack of networks.

    Each hyperparameter is an array of shape ``(K,)`` (K = 1 for one
    network) and each state a ``(K, P)`` array.
    """

    # Names of the per-network hyperparameters and of the (K, P) states.
    _per_network = ()
    _states = ()

    def _init_per_network(self, params, **values):
        rows = _rows(params)
        for name, value in values.items():
            setattr(self, name, _per_network(value, rows.shape[0]))
        return rows

    def _set(self, name, k, value):
        """Network k's value; a new array, never a change in place (see _in_dtype)."""
        values = getattr(self, name).copy()
        values[k] = value
        setattr(self, name, values)

    def _in_dtype(self, name, dtype, one_minus=False):
        """The per-network array ``name`` (or 1 minus it) cast to ``dtype``.

        Computed once per array: the arrays are replaced, never changed in
        place (``_set``, ``keep``), so the same object means the same values,
        and a step does not recast its constant hyperparameters.
        """
        values = getattr(self, name)
        cache = self.__dict__.setdefault("_casts", {})
        key = (name, one_minus, dtype)
        if key not in cache or cache[key][0] is not values:
            cache[key] = (values, ((1 - values) if one_minus else values).astype(dtype))
        return cache[key][1]

    def __getstate__(self):
        # The casts are a cache: not part of the optimizer's state.
        return {k: v for k, v in self.__dict__.items() if k != "_casts"}

    def keep(self, index):
        """Keep only the networks ``index`` of a stack (the others stopped).

        Parameters
        ----------
        index : ndarray of int
            Positions of the networks that go on training.
        """
        for name in self._per_network + self._states:
            setattr(self, name, getattr(self, name)[index])

    def subset(self, index):
        """A new optimizer for the networks ``index`` only (copies of their state)."""
        new = copy.copy(self)
        new.__dict__.pop("_casts", None)
        new.keep(np.asarray(index))
        return new

    @classmethod
    def concatenate(cls, optimizers):
        """One optimizer for the stack of the networks of ``optimizers``, in order.

        They must be at the same step (Adam's ``t``) and agree on what is not
        per network (Nesterov's momentum).
        """
        if len({getattr(o, "t", 0) for o in optimizers}) > 1:
            raise ValueError("The optimizers of a stack must be at the same step.")
        new = copy.copy(optimizers[0])
        new.__dict__.pop("_casts", None)
        for name in cls._per_network + cls._states:
            setattr(new, name, np.concatenate([getattr(o, name) for o in optimizers]))
        return new

    def _init_training_features(self, rows, weight_decay, max_grad_norm, max_iter):
        """Decoupled weight decay, gradient clipping, the cosine schedule's state."""
        K = rows.shape[0]
        self.weight_decay = _per_network(weight_decay, K)
        self.max_grad_norm = _norm_bounds(max_grad_norm, K)
        self.max_iter = _per_network(max_iter, K)
        self.epochs = np.zeros(K)  # epochs ended, the cosine schedule's e

    def _decay(self, eta, dtype):
        """``eta * weight_decay`` per network in ``dtype`` (cached zeros without decay)."""
        if not self.weight_decay.any():
            return self._in_dtype("weight_decay", dtype)
        return (eta * self.weight_decay).astype(dtype)

    def _next_epoch(self, k):
        """Count network k's ended epoch; the cosine factor of the next one."""
        self._set("epochs", k, self.epochs[k] + 1)
        return cosine_factor(float(self.epochs[k]), float(self.max_iter[k]))

    @staticmethod
    def _penalty(alpha, losses, params):
        """alpha as one float64 per network, and the losses' array (zeros if None)."""
        K = params.shape[0]
        if not (isinstance(alpha, np.ndarray) and alpha.shape == (K,)
                and alpha.dtype == np.float64):
            alpha = np.array(np.broadcast_to(np.asarray(alpha, dtype=np.float64), (K,)))
        return alpha, np.zeros(K) if losses is None else losses


class SGDOptimizer(_PerNetwork):
    """Stochastic gradient descent with (Nesterov) momentum.

    With velocity ``v`` (zero at the start), learning rate ``eta`` and
    momentum ``mu``, one step on the gradient ``g`` is::

        v <- mu * v - eta * g
        w <- w + v                        (classical momentum)
        w <- w + mu * v - eta * g         (Nesterov's momentum)

    With ``mu = 0`` both are plain gradient descent ``w <- w - eta * g``.

    Parameters
    ----------
    params : ndarray of shape (P,) or (K, P)
        The parameters of one network, or of a stack of K networks (one row
        each); only the shape and dtype are used here, to allocate the
        velocities.
    learning_rate_init : float or ndarray of shape (K,), default=0.1
        The initial learning rate ``eta``, one per network of a stack, as
        are ``lr_schedule``, ``momentum`` and ``power_t``.
    lr_schedule : {'constant', 'invscaling', 'adaptive', 'cosine'}, default='constant'
        'constant' keeps ``eta``; 'invscaling' sets
        ``eta = learning_rate_init / (t + 1) ** power_t`` at the end of each
        epoch, ``t`` being the number of samples seen; 'adaptive' divides
        ``eta`` by 5 each time the training stalls (see
        :meth:`trigger_stopping`) instead of stopping; 'cosine' sets
        ``eta = learning_rate_init (1 + cos(pi e / max_iter)) / 2`` for
        epoch ``e`` (0-based, :func:`cosine_factor`).
    momentum : float, default=0.9
        The momentum ``mu`` in [0, 1].
    nesterov : bool, default=True
        Use Nesterov's momentum.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    weight_decay : float or ndarray of shape (K,), default=0.0
        Decoupled weight decay: each step also takes ``eta * weight_decay * w``
        off the weights (not the biases), ``eta`` the current learning rate.
    max_grad_norm : float, None or ndarray of shape (K,), default=None
        Before the step, the whole gradient (weights, penalty included, and
        biases) is scaled by ``max_grad_norm / ||g||`` where its 2-norm
        exceeds ``max_grad_norm``; None: no clipping.
    max_iter : int or ndarray of shape (K,), default=200
        The epochs of the 'cosine' schedule.

    Attributes
    ----------
    learning_rate : ndarray of shape (K,)
        The current learning rate of each network.
    velocities : ndarray of shape (K, P)
        The velocity of every parameter.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 2.0])
    >>> opt = SGDOptimizer(w, learning_rate_init=0.5, momentum=0.0)
    >>> _ = opt.update_params(w, np.array([1.0, -2.0]))
    >>> w
    array([0.5, 3. ])
    """

    _per_network = ("learning_rate_init", "learning_rate", "lr_schedule", "momentum",
                    "power_t", "weight_decay", "max_grad_norm", "max_iter", "epochs")
    _states = ("velocities",)

    def __init__(
        self,
        params,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
        weight_decay=0.0,
        max_grad_norm=None,
        max_iter=200,
    ):
        rows = self._init_per_network(
            params, learning_rate_init=learning_rate_init, learning_rate=learning_rate_init,
            lr_schedule=lr_schedule, momentum=momentum, power_t=power_t)
        self._init_training_features(rows, weight_decay, max_grad_norm, max_iter)
        self.nesterov = bool(nesterov)
        self.velocities = np.zeros_like(rows)

    def update_params(self, params, grads, n_penalized=0, alpha=0.0, S=1.0, losses=None):
        """Add the L2 penalty to the gradients and the losses, and take one step.

        The step clips the gradient and decays the weights as the
        constructor's ``max_grad_norm`` and ``weight_decay`` say.

        Parameters
        ----------
        params : ndarray of shape (P,) or (K, P)
            Parameters, updated in place.
        grads : ndarray of the same shape
            Their gradients (data term only).
        n_penalized : int, default=0
            The first ``n_penalized`` parameters of each row are weights,
            penalised: their gradient gains ``(alpha / S) w``.
        alpha : float or ndarray of shape (K,), default=0.0
            The L2 penalty of each network.
        S : float, default=1.0
            The sum of the minibatch's sample weights.
        losses : ndarray of shape (K,) of float64, default=None
            Each network's summed data loss ``sum_n s_n L_n`` (None: 0).

        Returns
        -------
        losses : ndarray of shape (K,) of float64
            ``losses / S + alpha / (2 S) ||W||^2`` at the weights before the
            step: each network's minibatch loss (in place of ``losses``).
        """
        params, grads = _rows(params), _rows(grads)
        dtype = params.dtype
        alpha, losses = self._penalty(alpha, losses, params)
        _kernels.sgd_update(params, grads, self.velocities, n_penalized, alpha, float(S),
                            self._in_dtype("learning_rate", dtype),
                            self._in_dtype("momentum", dtype), self.nesterov, losses,
                            self._decay(self.learning_rate, dtype), self.max_grad_norm)
        return losses

    def iteration_ends(self, time_step, k=0):
        """Update the 'invscaling' or 'cosine' learning rate at the end of an epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        k : int, default=0
            The network of a stack whose epoch ended.
        """
        factor = self._next_epoch(k)
        if self.lr_schedule[k] == "invscaling":
            self._set("learning_rate", k, float(self.learning_rate_init[k])
                      / (time_step + 1) ** float(self.power_t[k]))
        elif self.lr_schedule[k] == "cosine":
            self._set("learning_rate", k, float(self.learning_rate_init[k]) * factor)

    def trigger_stopping(self, msg, verbose, k=0):
        """Decide what to do when the training stalls.

        'adaptive' divides the learning rate by 5 and goes on until it falls
        to 1e-6; the other schedules stop.

        Parameters
        ----------
        msg : str
            Why training stalled, printed when ``verbose``.
        verbose : bool
            Print what is decided.
        k : int, default=0
            The network of a stack that stalled.

        Returns
        -------
        is_stopping : bool
            True when training must stop.
        """
        if self.lr_schedule[k] != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        learning_rate = float(self.learning_rate[k])
        if learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self._set("learning_rate", k, learning_rate / 5.0)
        if verbose:
            print(msg + " Setting learning rate to %f" % (learning_rate / 5.0))
        return False


class AdamOptimizer(_PerNetwork):
    """Adam (Kingma and Ba, 2014), updating the parameters in place.

    With ``t`` the step count, ``g`` the gradient::

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g**2
        eta_t = learning_rate_init * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w <- w - eta_t * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    params : ndarray of shape (P,) or (K, P)
        The parameters (one row per network); used for the shapes of ``m``
        and ``v``.
    learning_rate_init : float or ndarray of shape (K,), default=0.001
        The step size, one per network of a stack, as are ``beta_1``,
        ``beta_2`` and ``epsilon``.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Added to ``sqrt(v)`` for numerical stability.
    lr_schedule : str or ndarray of shape (K,), default='constant'
        'cosine' multiplies ``learning_rate_init`` by
        ``(1 + cos(pi e / max_iter)) / 2`` in epoch ``e`` (0-based); any
        other value keeps it (the SGD schedules do not apply to Adam).
    weight_decay : float or ndarray of shape (K,), default=0.0
        Decoupled weight decay (AdamW): each step also takes
        ``eta * weight_decay * w`` off the weights, ``eta`` the scheduled
        learning rate ``learning_rate_init`` times the schedule's factor,
        not the bias-corrected ``eta_t``.
    max_grad_norm, max_iter :
        As in :class:`SGDOptimizer`.

    Attributes
    ----------
    learning_rate : ndarray of shape (K,)
        The bias-corrected step size ``eta_t`` of the last step.
    t : int
        Number of steps taken.
    ms, vs : ndarray of shape (K, P)
        First and second moment estimates.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 1.0])
    >>> opt = AdamOptimizer(w, learning_rate_init=0.1)
    >>> _ = opt.update_params(w, np.array([3.0, -0.5]))
    >>> np.round(w, 6)  # the first Adam step moves by ~lr * sign(g)
    array([0.9, 1.1])
    """

    _per_network = ("learning_rate_init", "learning_rate", "beta_1", "beta_2", "epsilon",
                    "lr_schedule", "lr_factor", "weight_decay", "max_grad_norm", "max_iter",
                    "epochs")
    _states = ("ms", "vs")

    def __init__(
        self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
        lr_schedule="constant", weight_decay=0.0, max_grad_norm=None, max_iter=200,
    ):
        rows = self._init_per_network(
            params, learning_rate_init=learning_rate_init, learning_rate=learning_rate_init,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, lr_schedule=lr_schedule,
            lr_factor=1.0)
        self._init_training_features(rows, weight_decay, max_grad_norm, max_iter)
        self.t = 0
        self.ms = np.zeros_like(rows)
        self.vs = np.zeros_like(rows)

    def update_params(self, params, grads, n_penalized=0, alpha=0.0, S=1.0, losses=None):
        """Add the L2 penalty to the gradients and the losses, and take one Adam step.

        Parameters and return value as :meth:`SGDOptimizer.update_params`.
        """
        params, grads = _rows(params), _rows(grads)
        dtype = params.dtype
        self.t += 1
        # Python's power per network: bit for bit a single network's
        b1_t, b2_t = (np.array([b**self.t for b in beta.tolist()])
                      for beta in (self.beta_1, self.beta_2))
        scheduled = self.learning_rate_init * self.lr_factor  # x 1.0 without a schedule
        self.learning_rate = scheduled * np.sqrt(1 - b2_t) / (1 - b1_t)
        alpha, losses = self._penalty(alpha, losses, params)
        _kernels.adam_update(
            params, grads, self.ms, self.vs, n_penalized, alpha, float(S),
            self.learning_rate.astype(dtype), self._in_dtype("beta_1", dtype),
            self._in_dtype("beta_1", dtype, one_minus=True), self._in_dtype("beta_2", dtype),
            self._in_dtype("beta_2", dtype, one_minus=True), self._in_dtype("epsilon", dtype),
            losses, self._decay(scheduled, dtype), self.max_grad_norm)
        return losses

    def iteration_ends(self, time_step, k=0):
        """Set the 'cosine' schedule's factor of the next epoch (nothing else to update)."""
        factor = self._next_epoch(k)
        if self.lr_schedule[k] == "cosine":
            self._set("lr_factor", k, factor)

    def trigger_stopping(self, msg, verbose, k=0):
        """Stop when training stalls (Adam has no schedule to lower).

        Returns
        -------
        is_stopping : bool
            Always True.
        """
        if verbose:
            print(msg + " Stopping.")
        return True


def pack(arrays):
    """Flatten a list of arrays into one float64 vector (for scipy).

    Examples
    --------
    >>> import numpy as np
    >>> pack([np.ones((2, 2)), np.zeros(3)])
    array([1., 1., 1., 1., 0., 0., 0.])
    """
    return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64, copy=False)


def unpack(theta, arrays):
    """Copy the vector ``theta`` back into ``arrays`` in place (inverse of pack).

    The arrays keep their dtype (float32 parameters stay float32).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.empty((1, 2)), np.empty(1)
    >>> unpack(np.array([1.0, 2.0, 3.0]), [a, b])
    >>> a, b
    (array([[1., 2.]]), array([3.]))
    """
    start = 0
    for a in arrays:
        a[...] = theta[start : start + a.size].reshape(a.shape)
        start += a.size


def minimize_lbfgs(loss_grad, params, *, max_iter, max_fun, tol, verbose=False,
                   iteration_end=None):
    """Minimise a loss over ``params`` in place with scipy's L-BFGS-B.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad() -> (loss, grads)`` evaluated at the current content of
        ``params``; ``grads`` is a list aligned with ``params``.
    params : list of ndarray
        Starting point; holds the solution on return.
    max_iter : int
        Maximum number of L-BFGS iterations (scipy's ``maxiter``).
    max_fun : int
        Maximum number of loss evaluations (scipy's ``maxfun``).
    tol : float
        Gradient tolerance (scipy's ``gtol``).
    verbose : bool, default=False
        Print scipy's progress messages.
    iteration_end : callable, default=None
        ``iteration_end(theta) -> bool`` after every iteration, with the
        packed weights reached; True stops the minimisation there
        (``result.status`` 99).

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        With ``fun`` (final loss), ``nit``, ``nfev``, ``status``, ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([3.0, -1.0])
    >>> res = minimize_lbfgs(lambda: (float(w @ w), [2 * w]), [w],
    ...                      max_iter=50, max_fun=100, tol=1e-10)
    >>> bool(np.allclose(w, 0.0))
    True
    """

    def fun(theta):
        unpack(theta, params)
        loss, grads = loss_grad()
        return loss, pack(grads)

    options = {"maxiter": max_iter, "maxfun": max_fun, "gtol": tol}
    result = scipy.optimize.minimize(
        fun, pack(params), method="L-BFGS-B", jac=True, options=options,
        callback=_lbfgs_callback(verbose, iteration_end),
    )
    unpack(result.x, params)
    return result


def _lbfgs_callback(verbose, iteration_end):
    """scipy's per-iteration callback: print a line, and stop on request."""
    state = {"it": 0}

    def callback(intermediate_result):
        state["it"] += 1
        if verbose:
            print("Iteration %d, loss = %.8f" % (state["it"], intermediate_result.fun))
        if iteration_end is not None and iteration_end(intermediate_result.x):
            raise StopIteration  # scipy ends the minimisation with status 99

    return callback
