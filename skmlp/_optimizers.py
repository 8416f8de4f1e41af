"""Optimizers for :class:`skmlp.ManualMLPClassifier`.

Each stochastic optimizer is a small class whose ``update_params(params,
grads)`` changes the parameter arrays *in place*, so the estimator can keep
one set of weight arrays (and the buffers around them) for a whole fit.
``params`` and ``grads`` are aligned lists: ``coefs + intercepts`` and
``coef_grads + intercept_grads``. The gradient arrays are scratch space: an
optimizer may overwrite them (the estimator recomputes them every minibatch).

The semantics (momentum, Nesterov's momentum, the learning-rate schedules,
Adam's bias correction, when the schedule is updated) are those of
scikit-learn's MLP, so that both follow the same trajectory from the same
weights. L-BFGS is not written by hand: :func:`minimize_lbfgs` packs the
parameters into one vector and hands them to :func:`scipy.optimize.minimize`.
"""

import numpy as np
import scipy.optimize


class SGDOptimizer:
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
    learning_rate_init : float, default=0.1
        The initial learning rate ``eta``.
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
    learning_rate : float
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
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocities = [np.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        """Take one step in place; ``grads`` are overwritten (scratch).

        Parameters
        ----------
        params : list of ndarray
            Parameter arrays, updated in place.
        grads : list of ndarray
            Gradients aligned with ``params``.
        """
        eta, mu = self.learning_rate, self.momentum
        for param, velocity, grad in zip(params, self.velocities, grads):
            grad *= eta  # grad is now the plain gradient step eta * g
            if mu == 0.0:  # plain gradient descent: the velocity is unused
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

    def iteration_ends(self, time_step):
        """Update the 'invscaling' learning rate at the end of an epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """Decide what to do when the training stalls.

        'adaptive' divides the learning rate by 5 and goes on until it falls
        to 1e-6; the other schedules stop.

        Parameters
        ----------
        msg : str
            Why training stalled, printed when ``verbose``.
        verbose : bool
            Print what is decided.

        Returns
        -------
        is_stopping : bool
            True when training must stop.
        """
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


class AdamOptimizer:
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
    learning_rate_init : float, default=0.001
        The step size.
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
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

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
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        for param, m, v, grad in zip(params, self.ms, self.vs, grads):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            np.square(grad, out=grad)
            grad *= 1 - b2
            v += grad  # grad is free from here on: use it as scratch
            np.sqrt(v, out=grad)
            grad += self.epsilon
            np.divide(m, grad, out=grad)
            grad *= self.learning_rate
            param -= grad

    def iteration_ends(self, time_step):
        """Nothing to update at the end of an epoch (kept for the interface)."""

    def trigger_stopping(self, msg, verbose):
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
