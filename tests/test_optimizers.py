"""Tests of skmlp._optimizers: hand-worked steps, scikit-learn's optimizers, scipy."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer as SkAdam
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer as SkSGD

from skmlp._optimizers import AdamOptimizer, SGDOptimizer, minimize_lbfgs, pack, unpack


def _params_and_grads(seed, n_steps):
    rng = np.random.RandomState(seed)
    params = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    grads = [[rng.normal(size=(3, 4)), rng.normal(size=4)] for _ in range(n_steps)]
    return params, grads


def test_sgd_plain_step_by_hand():
    w = np.array([1.0, -2.0])
    SGDOptimizer(w, learning_rate_init=0.1, momentum=0.0).update_params(
        w, np.array([10.0, 5.0])
    )
    assert_allclose(w, [1.0 - 1.0, -2.0 - 0.5])


def test_sgd_penalty_is_added_to_the_weights_gradient_only():
    # g = grad + (alpha / S) w on the first n_penalized entries (weights), not the
    # biases; the loss returned is the data loss / S + alpha / (2 S) ||w||^2.
    w = np.array([[1.0, -2.0, 3.0]])
    opt = SGDOptimizer(w, learning_rate_init=0.5, momentum=0.0)
    losses = opt.update_params(w, np.array([[1.0, 1.0, 1.0]]), n_penalized=2,
                               alpha=np.array([0.2]), S=2.0, losses=np.array([3.0]))
    assert_allclose(losses, [3.0 / 2.0 + 0.2 / 4.0 * (1.0 + 4.0)])
    assert_allclose(w, [[1.0 - 0.5 * (1.0 + 0.1), -2.0 - 0.5 * (1.0 - 0.2), 3.0 - 0.5]])


def test_sgd_momentum_two_steps_by_hand():
    # classical: v1 = -eta g1, w1 = w0 + v1; v2 = mu v1 - eta g2, w2 = w1 + v2
    w = np.array([0.0])
    opt = SGDOptimizer(w, learning_rate_init=0.5, momentum=0.9, nesterov=False)
    opt.update_params(w, np.array([1.0]))
    assert_allclose(w, [-0.5])
    opt.update_params(w, np.array([2.0]))
    assert_allclose(w, [-0.5 + (0.9 * -0.5 - 1.0)])


def test_sgd_nesterov_two_steps_by_hand():
    # Nesterov: v = mu v - eta g; w += mu v - eta g
    w = np.array([0.0])
    opt = SGDOptimizer(w, learning_rate_init=0.5, momentum=0.9, nesterov=True)
    opt.update_params(w, np.array([1.0]))
    assert_allclose(w, [0.9 * -0.5 - 0.5])
    opt.update_params(w, np.array([2.0]))
    v2 = 0.9 * -0.5 - 1.0
    assert_allclose(w, [-0.95 + 0.9 * v2 - 1.0])


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_matches_sklearn(momentum, nesterov):
    params, grads = _params_and_grads(0, 6)
    ours = pack(params)  # one network's row of parameters
    theirs = [p.copy() for p in params]
    opt = SGDOptimizer(ours, 0.05, "invscaling", momentum, nesterov, 0.5)
    sk = SkSGD(theirs, 0.05, "invscaling", momentum, nesterov, 0.5)
    for step, g in enumerate(grads):
        opt.update_params(ours, pack(g))
        sk.update_params(theirs, [x.copy() for x in g])
        opt.iteration_ends(10 * step)
        sk.iteration_ends(10 * step)
    assert opt.learning_rate[0] == sk.learning_rate
    assert_allclose(ours, pack(theirs), rtol=1e-13, atol=1e-14)


def test_sgd_invscaling_schedule():
    opt = SGDOptimizer(np.zeros(1), learning_rate_init=0.1, lr_schedule="invscaling",
                       power_t=0.5)
    opt.iteration_ends(99)
    assert opt.learning_rate[0] == pytest.approx(0.1 / 100**0.5)


def test_sgd_adaptive_divides_by_five_then_stops():
    opt = SGDOptimizer(np.zeros(1), learning_rate_init=1e-5, lr_schedule="adaptive")
    assert opt.trigger_stopping("stalled.", verbose=False) is False
    assert opt.learning_rate[0] == pytest.approx(2e-6)
    assert opt.trigger_stopping("stalled.", verbose=False) is False
    assert opt.learning_rate[0] == pytest.approx(4e-7)
    assert opt.trigger_stopping("stalled.", verbose=False) is True  # <= 1e-6
    constant = SGDOptimizer(np.zeros(1), lr_schedule="constant")
    assert constant.trigger_stopping("stalled.", verbose=False) is True


def test_adam_first_step_by_hand():
    # t = 1: m = (1-b1) g, v = (1-b2) g^2, eta_1 = lr sqrt(1-b2)/(1-b1),
    # so the step is lr * g / (|g| + eps / sqrt(1-b2)) ~ lr * sign(g).
    w = np.array([1.0, 1.0])
    g = np.array([3.0, -0.5])
    AdamOptimizer(w, learning_rate_init=0.1, epsilon=1e-8).update_params(w, g.copy())
    eta = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = 1.0 - eta * (0.1 * g) / (np.sqrt(0.001 * g**2) + 1e-8)
    assert_allclose(w, expected, rtol=1e-14)


def test_adam_matches_sklearn():
    params, grads = _params_and_grads(1, 8)
    ours = pack(params)
    theirs = [p.copy() for p in params]
    opt = AdamOptimizer(ours, 0.01, 0.8, 0.95, 1e-7)
    sk = SkAdam(theirs, 0.01, 0.8, 0.95, 1e-7)
    for g in grads:
        opt.update_params(ours, pack(g))
        sk.update_params(theirs, [x.copy() for x in g])
    assert opt.t == sk.t == 8
    assert_allclose(ours, pack(theirs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_stack_steps_each_network_as_it_would_alone(solver):
    # One (K, P) step with per-network hyperparameters = K single-network steps.
    lr, mu = np.array([0.1, 0.01, 0.3]), np.array([0.5, 0.9, 0.0])

    def make(params, k=None):  # k=None: the stack's arrays, else network k's scalars
        pick = (lambda v: v) if k is None else (lambda v: float(v[k]))
        if solver == "sgd":
            return SGDOptimizer(params, pick(lr), "constant", pick(mu), True)
        return AdamOptimizer(params, pick(lr), pick(mu), 0.99, 1e-7)  # mu as beta_1

    rng = np.random.RandomState(0)
    stack, grads = rng.normal(size=(3, 7)), rng.normal(size=(4, 3, 7))
    lam = np.array([0.0, 0.5, 2.0])
    alone = [stack[k].copy() for k in range(3)]
    opt, singles = make(stack), [make(alone[k], k) for k in range(3)]
    for g in grads:
        opt.update_params(stack, g.copy(), n_penalized=4, alpha=lam, S=1.0)
        for k in range(3):
            singles[k].update_params(alone[k], g[k].copy(), n_penalized=4, alpha=lam[k])
    for k in range(3):
        np.testing.assert_array_equal(stack[k], alone[k])


def test_float32_parameters_stay_float32():
    w = np.ones(3, dtype=np.float32)
    sgd, adam = SGDOptimizer(w, 0.1), AdamOptimizer(w, 0.1)
    for opt in (sgd, adam):
        opt.update_params(w, np.ones(3, dtype=np.float32), n_penalized=2, alpha=0.5)
        assert w.dtype == np.float32
    assert sgd.velocities.dtype == np.float32
    assert adam.ms.dtype == adam.vs.dtype == np.float32


def test_pack_unpack_round_trip():
    rng = np.random.RandomState(0)
    arrays = [rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=3)]
    theta = pack(arrays)
    assert theta.dtype == np.float64 and theta.shape == (9,)
    targets = [np.empty((2, 3), dtype=np.float32), np.empty(3)]
    unpack(theta, targets)
    assert targets[0].dtype == np.float32
    for a, b in zip(arrays, targets):
        assert_allclose(a, b)


def test_minimize_lbfgs_quadratic_matches_linear_solve():
    # f(w) = 1/2 w'Aw - b'w has its minimum at A w = b.
    rng = np.random.RandomState(0)
    M = rng.normal(size=(5, 5))
    A = M @ M.T + 5 * np.eye(5)
    b = rng.normal(size=5)
    w = np.zeros(5)

    def loss_grad():
        return 0.5 * w @ A @ w - b @ w, [A @ w - b]

    result = minimize_lbfgs(loss_grad, [w], max_iter=200, max_fun=1000, tol=1e-12)
    assert result.status == 0
    assert_allclose(w, np.linalg.solve(A, b), rtol=1e-7)


def test_minimize_lbfgs_stops_at_max_iter():
    from scipy.optimize import rosen, rosen_der

    w = np.array([-1.2, 1.0])
    result = minimize_lbfgs(lambda: (rosen(w), [rosen_der(w)]), [w],
                            max_iter=3, max_fun=1000, tol=1e-12)
    assert result.nit == 3 and result.status != 0


def test_minimize_lbfgs_iteration_end_sees_every_iteration_and_can_stop():
    from scipy.optimize import rosen, rosen_der

    w = np.array([-1.2, 1.0])
    seen = []

    def iteration_end(theta):
        seen.append(theta.copy())
        return len(seen) == 4  # stop after the 4th iteration

    result = minimize_lbfgs(lambda: (rosen(w), [rosen_der(w)]), [w], max_iter=100,
                            max_fun=1000, tol=1e-12, iteration_end=iteration_end)
    assert result.nit == len(seen) == 4 and result.status == 99
    assert_allclose(w, seen[-1])  # params hold the weights of the last iteration
    # the same 4 iterations as a minimisation limited to them
    w4 = np.array([-1.2, 1.0])
    minimize_lbfgs(lambda: (rosen(w4), [rosen_der(w4)]), [w4], max_iter=4,
                   max_fun=1000, tol=1e-12)
    assert_allclose(w, w4)


# ---------------------------------------------- weight decay, clipping, cosine


def _weights_and_bias():
    """One network's row: 3 weights (penalised, decayed), then 2 biases."""
    return np.array([[1.0, -2.0, 0.5, 0.25, -1.0]]), np.array([[0.3, -0.6, 0.9, 1.2, -0.4]])


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_decoupled_weight_decay_first_step_by_hand(nesterov):
    # v1 = -eta g; w1 = w0 + v1 (classical) or w0 + mu v1 - eta g (Nesterov),
    # then minus eta * wd * w0 on the weights only.
    w0, g = _weights_and_bias()
    w = w0.copy()
    eta, mu, wd = 0.1, 0.9, 0.5
    SGDOptimizer(w, eta, momentum=mu, nesterov=nesterov, weight_decay=wd).update_params(
        w, g.copy(), n_penalized=3)
    step = w0 - eta * g + (mu * -eta * g if nesterov else 0.0)
    expected = step - np.r_[eta * wd * w0[0, :3], 0.0, 0.0]
    assert_allclose(w, expected, rtol=1e-15, atol=1e-16)


def test_adam_decoupled_weight_decay_uses_the_scheduled_rate_not_the_corrected_step():
    # t = 1: m = (1 - b1) g, v = (1 - b2) g^2, eta_1 = eta sqrt(1 - b2) / (1 - b1);
    # w1 = w0 - eta_1 m / (sqrt v + eps) - eta * wd * w0 (AdamW), weights only.
    w0, g = _weights_and_bias()
    w = w0.copy()
    eta, wd = 0.01, 0.2
    AdamOptimizer(w, eta, weight_decay=wd).update_params(w, g.copy(), n_penalized=3)
    eta_1 = eta * np.sqrt(1 - 0.999) / (1 - 0.9)
    adam = w0 - eta_1 * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-8)
    assert_allclose(w, adam - np.r_[eta * wd * w0[0, :3], 0.0, 0.0], rtol=1e-14)


@pytest.mark.parametrize("Optimizer", [SGDOptimizer, AdamOptimizer])
def test_clipping_scales_the_whole_gradient_penalty_and_biases_included(Optimizer):
    w0, g = _weights_and_bias()
    alpha, S, bound = 0.4, 2.0, 0.5
    full = g + np.r_[alpha / S * w0[0, :3], 0.0, 0.0]  # the penalised gradient
    scale = bound / np.linalg.norm(full)
    assert scale < 1
    kwargs = {} if Optimizer is AdamOptimizer else {"momentum": 0.0}
    w = w0.copy()
    Optimizer(w, 0.1, max_grad_norm=bound, **kwargs).update_params(
        w, g.copy(), n_penalized=3, alpha=alpha, S=S)
    # the same step as an unclipped optimizer's on the scaled gradient, without penalty
    ref = w0.copy()
    Optimizer(ref, 0.1, **kwargs).update_params(ref, scale * full)
    assert_allclose(w, ref, rtol=1e-14)
    if Optimizer is SGDOptimizer:  # by hand: w0 - eta * (bound / ||g||) g
        assert_allclose(w, w0 - 0.1 * scale * full, rtol=1e-15)
    # a bound the gradient does not exceed changes nothing
    w, unclipped = w0.copy(), w0.copy()
    Optimizer(w, 0.1, max_grad_norm=10.0, **kwargs).update_params(w, g.copy(), n_penalized=3,
                                                                  alpha=alpha, S=S)
    Optimizer(unclipped, 0.1, **kwargs).update_params(unclipped, g.copy(), n_penalized=3,
                                                      alpha=alpha, S=S)
    np.testing.assert_array_equal(w, unclipped)


def test_sgd_cosine_schedule_per_epoch():
    # epoch e (0-based) uses eta0 (1 + cos(pi e / max_iter)) / 2: 0.2, 0.1707, 0.1, 0.0293
    eta0, max_iter = 0.2, 4
    opt = SGDOptimizer(np.zeros(1), eta0, lr_schedule="cosine", momentum=0.0,
                       max_iter=max_iter)
    expected = [0.2, 0.1 * (1 + np.sqrt(0.5)), 0.1, 0.1 * (1 - np.sqrt(0.5))]
    for e in range(max_iter):
        assert float(opt.learning_rate[0]) == pytest.approx(expected[e], rel=1e-15)
        w = np.array([1.0])
        opt.update_params(w, np.array([1.0]))  # the step takes that rate
        assert w[0] == pytest.approx(1.0 - expected[e], rel=1e-15)
        opt.iteration_ends(time_step=100 * (e + 1))


def test_adam_cosine_schedule_scales_each_epochs_steps():
    # Adam's bias-corrected step of epoch e is eta0 * factor(e) * sqrt(1 - b2^t) / (1 - b1^t)
    eta0, max_iter = 0.01, 3
    w = np.array([1.0, -1.0])
    opt = AdamOptimizer(w, eta0, lr_schedule="cosine", max_iter=max_iter)
    plain = AdamOptimizer(w.copy(), eta0)
    for e in range(max_iter):
        for _ in range(2):  # two minibatches an epoch
            opt.update_params(w, np.array([0.5, 2.0]))
            plain.update_params(np.zeros(2), np.array([0.5, 2.0]))
            factor = (1 + np.cos(np.pi * e / max_iter)) / 2
            assert_allclose(opt.learning_rate, plain.learning_rate * factor, rtol=1e-15)
        opt.iteration_ends(0)
        plain.iteration_ends(0)


def test_sgd_schedules_other_than_cosine_ignore_max_iter_and_adam_ignores_them():
    opt = AdamOptimizer(np.zeros(1), 0.01, lr_schedule="invscaling", max_iter=2)
    opt.iteration_ends(10)
    ref = AdamOptimizer(np.zeros(1), 0.01)
    opt.update_params(np.zeros(1), np.ones(1))
    ref.update_params(np.zeros(1), np.ones(1))
    np.testing.assert_array_equal(opt.learning_rate, ref.learning_rate)
