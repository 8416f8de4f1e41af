"""Optimizers for :class:`skmlp.ManualMLPClassifier`.

Each stochastic optimizer is a small class whose ``update_params(params,
grads)`` changes the parameter arrays *in place*, so the estimator can keep
one set of weight arrays (and the buffers around them) for a whole fit.
``params`` and ``grads`` are aligned lists: ``coefs + intercepts`` and
``coef_grads + intercept_grads``. The gradient arrays are scratch space: an
optimizer may overwrite them (the estimator recomputes them every minibatch).

Stacks of networks (see :mod:`skmlp.nn`): when the hyperparameters are
arrays of shape ``(K,)`` (one value per network), the parameters are
stacks with the network index first, ``(K, fan_in, fan_out)`` and
``(K, fan_out)``; every value then applies to its own network.
``iteration_ends`` and ``trigger_stopping`` take the index ``k`` of the
network whose epoch ended, and ``keep`` drops the networks that stopped.

The semantics (momentum, Nesterov's momentum, the learning-rate schedules,
Adam's bias correction, when the schedule is updated) are those of
scikit-learn's MLP, so that both follow the same trajectory from the same
weights. L-BFGS is not written by hand: :func:`minimize_lbfgs` packs the
parameters into one vector and hands them to :func:`scipy.optimize.minimize`.
"""

import numpy as np
import scipy.optimize


def _per_param(value, params):
    """``value`` shaped to broadcast against each parameter array.

    A scalar serves every array as is; one value per network ``(K,)``
    becomes ``(K, 1, ...)`` in the parameters' dtype, to scale each
    network's slice of a stack as a Python float scales one network (numpy
    computes float32 parameters in float32 either way).
    """
    if not isinstance(value, np.ndarray):  # (np.ndim would cost an array per call)
        return [value] * len(params)
    return [value.astype(p.dtype).reshape((-1,) + (1,) * (p.ndim - 1)) for p in params]


def _at(value, k):
    """The value of network ``k`` (``k=None``: a single network's scalar)."""
    return value if k is None else value[k]


class _PerNetwork:
    """Per-network hyperparameters and state of a stack of networks."""

    # Names of the attributes with one entry per network when stacked.
    _per_network = ()
    _states = ()

    def _set(self, name, k, value):
        if k is None:
            setattr(self, name, value)
        else:  # a new array, never a change in place (see _broadcast)
            values = getattr(self, name).copy()
            values[k] = value
            setattr(self, name, values)

    def _broadcast(self, key, value, params, transform=None):
        """``_per_param(transform(value), params)``, computed once per ``value``.

        The per-network arrays are replaced, never changed in place
        (``_set``, ``keep``), so the same object means the same values: a
        stack's step then does not recast its constant hyperparameters.
        """
        cache = self.__dict__.setdefault("_broadcasts", {})
        if key not in cache or cache[key][0] is not value:
            cache[key] = (value, _per_param(transform(value) if transform else value, params))
        return cache[key][1]

    def keep(self, index):
        """Keep only the networks ``index`` of a stack (the others stopped).

        Parameters
        ----------
        index : ndarray of int
            Positions of the networks that go on training.
        """
        for name in self._per_network:
            setattr(self, name, getattr(self, name)[index])
        for name in self._states:
            setattr(self, name, [state[index] for state in getattr(self, name)])


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
    params : list of ndarray
        The parameter arrays (``coefs + intercepts``); only their shapes and
        dtypes are used here, to allocate the velocities.
    learning_rate_init : float or ndarray of shape (K,), default=0.1
        The initial learning rate ``eta``. An array means a stack of K
        networks: ``lr_schedule``, ``momentum`` and ``power_t`` are then
        arrays of shape (K,) too.
    lr_schedule : {'constant', 'invscaling', 'adaptive'}, default='constant'
        'constant' keeps ``eta``; 'invscaling' sets
        ``eta = learning_rate_init / (t + 1) ** power_t`` at the end of each
        epoch, ``t`` being the number of samples seen; 'adaptive' divides
        ``eta`` by 5 each time the training stalls (see
        :meth:`trigger_stopping`) instead of stopping.
    momentum : float, default=0.9
        The momentum ``mu`` in [0, 1].
    nesterov : bool, default=True
        Use Nesterov's momentum.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    Attributes
    ----------
    learning_rate : float or ndarray of shape (K,)
        The current learning rate.
    velocities : list of ndarray
        One velocity per parameter array.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 2.0])
    >>> opt = SGDOptimizer([w], learning_rate_init=0.5, momentum=0.0)
    >>> opt.update_params([w], [np.array([1.0, -2.0])])
    >>> w
    array([0.5, 3. ])
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = _float_copy(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocities = [np.zeros_like(p) for p in params]

    _per_network = ("learning_rate_init", "learning_rate", "lr_schedule", "momentum",
                    "power_t")
    _states = ("velocities",)

    def update_params(self, params, grads):
        """Take one step in place; ``grads`` are overwritten (scratch).

        Parameters
        ----------
        params : list of ndarray
            Parameter arrays, updated in place.
        grads : list of ndarray
            Gradients aligned with ``params``.
        """
        etas = self._broadcast("eta", self.learning_rate, params)
        mus = self._broadcast("mu", self.momentum, params)
        plain = not isinstance(self.momentum, np.ndarray) and self.momentum == 0.0
        for param, velocity, grad, eta, mu in zip(params, self.velocities, grads, etas, mus):
            grad *= eta  # grad is now the plain gradient step eta * g
            if plain:  # plain gradient descent: the velocity is unused
                param -= grad
                continue
            velocity *= mu
            velocity -= grad  # v = mu v - eta g
            if self.nesterov:
                param -= grad
                np.multiply(velocity, mu, out=grad)
                param += grad  # w += mu v - eta g
            else:
                param += velocity

    def iteration_ends(self, time_step, k=None):
        """Update the 'invscaling' learning rate at the end of an epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        k : int, default=None
            The network of a stack whose epoch ended (None: not a stack).
        """
        if _at(self.lr_schedule, k) == "invscaling":
            self._set("learning_rate", k, float(_at(self.learning_rate_init, k))
                      / (time_step + 1) ** _at(self.power_t, k))

    def trigger_stopping(self, msg, verbose, k=None):
        """Decide what to do when the training stalls.

        'adaptive' divides the learning rate by 5 and goes on until it falls
        to 1e-6; the other schedules stop.

        Parameters
        ----------
        msg : str
            Why training stalled, printed when ``verbose``.
        verbose : bool
            Print what is decided.
        k : int, default=None
            The network of a stack that stalled (None: not a stack).

        Returns
        -------
        is_stopping : bool
            True when training must stop.
        """
        if _at(self.lr_schedule, k) != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if _at(self.learning_rate, k) <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self._set("learning_rate", k, _at(self.learning_rate, k) / 5.0)
        if verbose:
            print(msg + " Setting learning rate to %f" % _at(self.learning_rate, k))
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
    params : list of ndarray
        The parameter arrays; used for the shapes of ``m`` and ``v``.
    learning_rate_init : float or ndarray of shape (K,), default=0.001
        The step size. An array means a stack of K networks: ``beta_1``,
        ``beta_2`` and ``epsilon`` are then arrays of shape (K,) too.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Added to ``sqrt(v)`` for numerical stability.

    Attributes
    ----------
    learning_rate : float
        The bias-corrected step size ``eta_t`` of the last step.
    t : int
        Number of steps taken.
    ms, vs : list of ndarray
        First and second moment estimates.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 1.0])
    >>> opt = AdamOptimizer([w], learning_rate_init=0.1)
    >>> opt.update_params([w], [np.array([3.0, -0.5])])
    >>> np.round(w, 6)  # the first Adam step moves by ~lr * sign(g)
    array([0.9, 1.1])
    """

    def __init__(
        self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = _float_copy(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    _per_network = ("learning_rate_init", "learning_rate", "beta_1", "beta_2", "epsilon")
    _states = ("ms", "vs")

    def update_params(self, params, grads):
        """Take one Adam step in place; ``grads`` are overwritten (scratch).

        Parameters
        ----------
        params : list of ndarray
            Parameter arrays, updated in place.
        grads : list of ndarray
            Gradients aligned with ``params``.
        """
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        if not isinstance(b1, np.ndarray):
            self.learning_rate = float(
                self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t))
        else:  # Python's power per network: bit for bit the single network's
            b1_t, b2_t = (np.array([b**self.t for b in beta.tolist()]) for beta in (b1, b2))
            self.learning_rate = self.learning_rate_init * np.sqrt(1 - b2_t) / (1 - b1_t)
        per_param = [self._broadcast("b1", b1, params),
                     self._broadcast("c1", b1, params, lambda b: 1 - b),
                     self._broadcast("b2", b2, params),
                     self._broadcast("c2", b2, params, lambda b: 1 - b),
                     self._broadcast("eps", self.epsilon, params),
                     _per_param(self.learning_rate, params)]  # new every step
        for param, m, v, grad, b1, c1, b2, c2, eps, eta in zip(
                params, self.ms, self.vs, grads, *per_param):
            m *= b1
            m += c1 * grad
            v *= b2
            np.square(grad, out=grad)
            grad *= c2
            v += grad  # grad is free from here on: use it as scratch
            np.sqrt(v, out=grad)
            grad += eps
            np.divide(m, grad, out=grad)
            grad *= eta
            param -= grad

    def iteration_ends(self, time_step, k=None):
        """Nothing to update at the end of an epoch (kept for the interface)."""

    def trigger_stopping(self, msg, verbose, k=None):
        """Stop when training stalls (Adam has no schedule to lower).

        Returns
        -------
        is_stopping : bool
            Always True.
        """
        if verbose:
            print(msg + " Stopping.")
        return True


def _float_copy(value):
    """A float, or a float64 copy of one value per network."""
    return float(value) if np.ndim(value) == 0 else np.array(value, dtype=np.float64)


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
