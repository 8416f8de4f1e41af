"""Tests of skmlp.nn: the MLP math on raw arrays.

Backpropagation is checked against central finite differences, closed-form
gradients and hand-worked numbers (the seeds' examples); the plumbing
(dtypes, buffers, sample weights, numerical safety) against properties.
"""

import itertools
import math
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import erf, expit
from scipy.special import softmax as scipy_softmax

from skmlp import nn

HIDDEN = ["identity", "logistic", "tanh", "relu"]
OUTPUTS = ["softmax", "logistic", "identity", "tanh", "relu"]
VALID = [
    (act, out, loss)
    for act, out, loss in itertools.product(HIDDEN, OUTPUTS, nn.LOSSES)
    if loss == "squared_error" or out in ("softmax", "logistic")
]
# The activations beyond scikit-learn's four, written from their definitions
# (scipy's erf for gelu, independent of the ndtr nn uses).
FORMULAS = {
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),
    "gelu": lambda z: 0.5 * z * (1 + erf(z / np.sqrt(2))),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "silu": lambda z: z / (1 + np.exp(-z)),
}
NEW_HIDDEN = list(FORMULAS)
NEW_VALID = [
    (act, out, loss)
    for act, out, loss in itertools.product(NEW_HIDDEN, OUTPUTS + NEW_HIDDEN, nn.LOSSES)
    if loss == "squared_error" or out in ("softmax", "logistic")
]


def _targets(rng, n, k, out_activation):
    """Soft targets that suit the output: rows on the simplex for softmax."""
    if out_activation == "softmax":
        return rng.dirichlet(np.ones(k), size=n)
    return rng.uniform(size=(n, k))


_KINKED = ("relu", "leaky_relu")


def _random_net(seed, activation="relu", out_activation="relu", sizes=(3, 4, 5, 3), n=6,
                margin=0.02):
    """X, coefs, intercepts for a check of ``activation`` / ``out_activation``.

    In relu (and leaky_relu) layers every pre-activation z has |z| >= margin,
    which keeps the kink out of reach of the finite-difference steps, and
    every unit is positive for some sample (no dead unit). ``activation``
    may be one name per hidden layer.
    """
    rng = np.random.default_rng(seed)
    hidden = (activation if not isinstance(activation, str)
              else [activation] * (len(sizes) - 2))
    relu_layers = [name in _KINKED for name in hidden] + [out_activation in _KINKED]
    while True:
        X = rng.normal(size=(n, sizes[0]))
        coefs = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
        intercepts = [0.5 * rng.normal(size=b) for b in sizes[1:]]
        acts = nn.forward(X, coefs, intercepts, activation, out_activation)
        pre = [A @ W + b for A, W, b, relu in zip(acts, coefs, intercepts, relu_layers) if relu]
        if all(np.abs(z).min() >= margin and (z.max(axis=0) > 0).all() for z in pre):
            return rng, X, coefs, intercepts


def _grad_arrays(X, T, coefs, intercepts, act, out, loss, alpha, sample_weight):
    acts = nn.forward(X, coefs, intercepts, act, out)
    _, coef_grads, intercept_grads = nn.backward(
        acts, T, coefs, act, out, loss, alpha, sample_weight
    )
    return coef_grads + intercept_grads


# ---------------------------------------------------------------------------
# Backprop against finite differences and closed forms
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("with_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("activation, out_activation, loss", VALID)
def test_backward_matches_central_differences(
    activation, out_activation, loss, alpha, with_weights
):
    rng, X, coefs, intercepts = _random_net(0, activation, out_activation)
    T = _targets(rng, X.shape[0], coefs[-1].shape[1], out_activation)
    sample_weight = rng.uniform(0.2, 3.0, size=X.shape[0]) if with_weights else None
    grads = _grad_arrays(X, T, coefs, intercepts, activation, out_activation, loss, alpha,
                         sample_weight)
    # Precondition: every gradient array is far from 0, so the check means something.
    assert min(np.linalg.norm(g) for g in grads) > 1e-4
    error = nn.check_gradients(
        X, T, coefs, intercepts, activation, out_activation, loss, alpha, sample_weight
    )
    assert error <= 1e-6


@pytest.mark.parametrize("with_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("activation, out_activation, loss", NEW_VALID)
def test_new_activations_backward_matches_central_differences(
    activation, out_activation, loss, with_weights
):
    rng, X, coefs, intercepts = _random_net(0, activation, out_activation)
    T = _targets(rng, X.shape[0], coefs[-1].shape[1], out_activation)
    sample_weight = rng.uniform(0.2, 3.0, size=X.shape[0]) if with_weights else None
    acts, pre = nn.forward(X, coefs, intercepts, activation, out_activation,
                           return_pre_activations=True)
    _, coef_grads, intercept_grads = nn.backward(
        acts, T, coefs, activation, out_activation, loss, 0.1, sample_weight,
        pre_activations=pre)
    assert min(np.linalg.norm(g) for g in coef_grads + intercept_grads) > 1e-4
    error = nn.check_gradients(
        X, T, coefs, intercepts, activation, out_activation, loss, 0.1, sample_weight
    )
    assert error <= 1e-6


def _loss_by_formula(X, T, coefs, intercepts, names):
    """Mean softmax cross-entropy of a network written from FORMULAS (no skmlp.nn)."""
    A = X
    for W, b, name in zip(coefs[:-1], intercepts[:-1], names):
        A = FORMULAS[name](A @ W + b)
    Y = scipy_softmax(A @ coefs[-1] + intercepts[-1], axis=1)
    return -np.sum(T * np.log(Y)) / X.shape[0]


@pytest.mark.parametrize("names", [[name, name] for name in NEW_HIDDEN]
                         + [["gelu", "leaky_relu"], ["silu", "softplus"], ["elu", "gelu"]])
def test_new_activations_gradients_equal_independent_differences(names):
    # Central differences of a loss computed without skmlp.nn, entry by entry.
    rng, X, coefs, intercepts = _random_net(13, names, "softmax", margin=0.05)
    T = np.eye(3)[rng.integers(0, 3, size=X.shape[0])]
    acts, pre = nn.forward(X, coefs, intercepts, names, return_pre_activations=True)
    _, coef_grads, intercept_grads = nn.backward(acts, T, coefs, names, pre_activations=pre)
    h = 1e-5
    for p, g in zip(coefs + intercepts, coef_grads + intercept_grads):
        numeric = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            saved = p[idx]
            p[idx] = saved + h
            up = _loss_by_formula(X, T, coefs, intercepts, names)
            p[idx] = saved - h
            down = _loss_by_formula(X, T, coefs, intercepts, names)
            p[idx] = saved
            numeric[idx] = (up - down) / (2 * h)
        assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_per_layer_activations_compose_layer_by_layer():
    rng, X, coefs, intercepts = _random_net(14, ["tanh", "gelu"], "softmax")
    acts = nn.forward(X, coefs, intercepts, ["tanh", "gelu"], "softmax")
    h1 = np.tanh(X @ coefs[0] + intercepts[0])
    h2 = FORMULAS["gelu"](h1 @ coefs[1] + intercepts[1])
    assert_allclose(acts[1], h1, rtol=1e-14)
    assert_allclose(acts[2], h2, rtol=1e-12, atol=1e-15)
    assert_allclose(acts[3], scipy_softmax(h2 @ coefs[2] + intercepts[2], axis=1), rtol=1e-12)


@pytest.mark.parametrize("activation", [["relu", "tanh"], ("logistic", "silu"),
                                        ["leaky_relu", "elu"], ["gelu", "identity"]])
def test_per_layer_activations_backward_matches_central_differences(activation):
    rng, X, coefs, intercepts = _random_net(15, list(activation), "logistic")
    T = _targets(rng, X.shape[0], 3, "logistic")
    assert nn.check_gradients(X, T, coefs, intercepts, activation, "logistic",
                              "log_loss", alpha=0.2) <= 1e-6


def test_a_per_layer_list_of_one_name_equals_the_name():
    rng, X, coefs, intercepts = _random_net(16, "elu", "softmax")
    T = _targets(rng, X.shape[0], 3, "softmax")
    by_name = nn.backward(nn.forward(X, coefs, intercepts, "elu"), T, coefs, "elu")
    by_list = nn.backward(nn.forward(X, coefs, intercepts, ["elu", "elu"]), T, coefs,
                          ["elu", "elu"])
    assert by_name[0] == by_list[0]
    for a, b in zip(by_name[1] + by_name[2], by_list[1] + by_list[2]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("activation, match", [
    (["relu"], r"activation has 1 entries \['relu'\] but the network has 2 hidden layers"),
    (["relu", "tanh", "relu"], "has 3 entries .* 2 hidden layers: give one activation per"),
    (["relu", "swish"], "activation must be one of .*one per hidden layer; got 'swish'"),
    (["softmax", "relu"], "output activation only"),
])
def test_bad_per_layer_activations_raise(activation, match):
    rng, X, coefs, intercepts = _random_net(17)
    acts = nn.forward(X, coefs, intercepts)
    T = _targets(rng, X.shape[0], 3, "softmax")
    with pytest.raises(ValueError, match=match):
        nn.forward(X, coefs, intercepts, activation)
    with pytest.raises(ValueError, match=match):
        nn.backward(acts, T, coefs, activation)
    with pytest.raises(ValueError, match=match):
        nn.check_gradients(X, T, coefs, intercepts, activation)


@pytest.mark.parametrize("activation", ["gelu", ["relu", "silu"]])
def test_backward_of_gelu_and_silu_needs_the_pre_activations(activation):
    rng, X, coefs, intercepts = _random_net(18)
    T = _targets(rng, X.shape[0], 3, "softmax")
    acts, pre = nn.forward(X, coefs, intercepts, activation, return_pre_activations=True)
    with pytest.raises(ValueError, match="not a function of the layer output.*"
                       "return_pre_activations=True"):
        nn.backward(acts, T, coefs, activation)
    with pytest.raises(ValueError, match="pre_activations must be forward's list"):
        nn.backward(acts, T, coefs, activation, pre_activations=pre[:-1])
    # the pre-activations are z = A @ W + b, and f(z) the outputs
    for l, (A, W, b) in enumerate(zip(acts, coefs, intercepts)):
        assert_allclose(pre[l], A @ W + b, rtol=1e-14)


def test_check_gradients_detects_a_wrong_derivative(monkeypatch):
    rng, X, coefs, intercepts = _random_net(seed=1)
    T = _targets(rng, X.shape[0], 3, "softmax")
    args = (X, T, coefs, intercepts, "tanh", "softmax", "log_loss")
    assert nn.check_gradients(*args) <= 1e-6
    monkeypatch.setitem(nn.DERIVATIVES, "tanh", nn.identity_derivative)  # a bug: f' = 1
    assert nn.check_gradients(*args) > 1e-2


def test_check_gradients_leaves_its_inputs_alone():
    rng, X, coefs, intercepts = _random_net(seed=2)
    T = _targets(rng, X.shape[0], 3, "softmax")
    saved = [a.copy() for a in [X, T, *coefs, *intercepts]]
    nn.check_gradients(X, T, coefs, intercepts, alpha=0.1)
    for before, after in zip(saved, [X, T, *coefs, *intercepts]):
        assert_allclose(after, before, rtol=0, atol=0)


def test_softmax_regression_gradient_closed_form():
    # One layer, softmax, cross-entropy: dL/dW = X^T diag(s/S) (Y - T) + (alpha/S) W.
    rng = np.random.default_rng(3)
    X, W, b = rng.normal(size=(7, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    T = np.eye(3)[rng.integers(0, 3, size=7)]
    s, alpha = rng.uniform(0.5, 2.0, size=7), 0.7
    S = s.sum()
    Y = scipy_softmax(X @ W + b, axis=1)
    acts = nn.forward(X, [W], [b], out_activation="softmax")
    loss, (gW,), (gb,) = nn.backward(acts, T, [W], alpha=alpha, sample_weight=s)
    expected_loss = -(s * np.log(Y[T == 1])).sum() / S + alpha / (2 * S) * (W**2).sum()
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert_allclose(gW, X.T @ ((s / S)[:, None] * (Y - T)) + alpha / S * W, rtol=1e-12)
    assert_allclose(gb, ((s / S)[:, None] * (Y - T)).sum(axis=0), rtol=1e-12)


def test_integer_sample_weights_equal_repeated_samples():
    rng, X, coefs, intercepts = _random_net(seed=4)
    T = _targets(rng, X.shape[0], 3, "logistic")
    counts = np.array([2, 1, 3, 1, 1, 4])
    args = ("tanh", "logistic", "log_loss", 0.2)
    weighted = nn.backward(nn.forward(X, coefs, intercepts, *args[:2]), T, coefs, *args,
                           sample_weight=counts)
    Xr, Tr = np.repeat(X, counts, axis=0), np.repeat(T, counts, axis=0)
    repeated = nn.backward(nn.forward(Xr, coefs, intercepts, *args[:2]), Tr, coefs, *args)
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-12)
    for g_w, g_r in zip(weighted[1] + weighted[2], repeated[1] + repeated[2]):
        assert_allclose(g_w, g_r, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------------------
# The seeds' worked examples
# ---------------------------------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def _seed_001_by_hand():
    """Seed 001's example worked unit by unit, in plain scalar arithmetic.

    Theta^(j)[k][i] is the weight from a_i^(j) to a_k^(j+1); i = 0 is the bias
    unit a_0 = 1. Returns a dict of every intermediate quantity.
    """
    x1, x2, y1, y2, lr = 0.05, 0.10, 0.01, 0.99, 0.5
    theta1 = [[0.15, 0.25, 0.35], [0.20, 0.30, 0.35]]
    theta2 = [[0.40, 0.50, 0.6], [0.45, 0.55, 0.6]]
    # forward: hidden layer, then output layer
    z1 = 0.15 + 0.25 * x1 + 0.35 * x2
    z2 = 0.20 + 0.30 * x1 + 0.35 * x2
    h1, h2 = _sigmoid(z1), _sigmoid(z2)
    z3 = 0.40 + 0.50 * h1 + 0.6 * h2
    z4 = 0.45 + 0.55 * h1 + 0.6 * h2
    o1, o2 = _sigmoid(z3), _sigmoid(z4)
    J = 0.5 * (o1 - y1) ** 2 + 0.5 * (o2 - y2) ** 2
    # output deltas dJ/dz = (o - y) o (1 - o)
    d3 = [(o1 - y1) * o1 * (1 - o1), (o2 - y2) * o2 * (1 - o2)]
    # hidden deltas (sum_k d3_k Theta2[k][i]) h_i (1 - h_i)
    d2 = [
        (d3[0] * 0.50 + d3[1] * 0.55) * h1 * (1 - h1),
        (d3[0] * 0.6 + d3[1] * 0.6) * h2 * (1 - h2),
    ]
    # dJ/dTheta[k][i] = delta_k a_i, with a_0 = 1
    grad2 = [[d * a for a in (1.0, h1, h2)] for d in d3]
    grad1 = [[d * a for a in (1.0, x1, x2)] for d in d2]
    step = lambda theta, grad: [  # noqa: E731  W <- W - lr * grad
        [t - lr * g for t, g in zip(row_t, row_g)] for row_t, row_g in zip(theta, grad)
    ]
    return dict(
        theta1=theta1, theta2=theta2, hidden=[h1, h2], output=[o1, o2], J=J, d2=d2,
        d3=d3, grad1=grad1, grad2=grad2, new1=step(theta1, grad1), new2=step(theta2, grad2),
    )


# The numbers of _seed_001_by_hand, written down (also checked with 40-digit
# decimal arithmetic): they document the example.
SEED_001_OUTPUT = [0.7333944504, 0.7482638651]
SEED_001_LOSS = 0.2908679449
SEED_001_NEW_THETA1 = [[0.1443456269, 0.2497172813, 0.3494345627],
                       [0.1929180927, 0.2996459046, 0.3492918093]]
SEED_001_NEW_THETA2 = [[0.3292784156, 0.4611586359, 0.5602419872],
                       [0.4727673200, 0.5625041566, 0.6127992523]]


def _from_theta(theta):
    """Seed 001's Theta (bias in column 0) -> (coefs (fan_in, fan_out), intercepts)."""
    theta = np.array(theta)
    return theta[:, 1:].T.copy(), theta[:, 0].copy()


def _to_theta(coef, intercept):
    return np.column_stack([intercept, coef.T])


def test_seed_001_worked_example():
    """Seed 001's example: one sample, sigmoid units, J = 1/2 sum (a - y)^2, lr 0.5.

    We read Theta^(1) = [[0.15, 0.25, 0.35], [0.20, 0.30, 0.35]] in the seed's
    own stated notation: Theta^(j)_ki is the weight from a_i^(j) to
    a_k^(j+1) and column 0 multiplies x_0 = 1, so the biases are 0.15 and 0.20
    and z1 = 0.15 + 0.25 x1 + 0.35 x2. The same numbers are Matt Mazur's
    well-known example ("A Step by Step Backpropagation Example"), where they
    mean h1 = 0.15 x1 + 0.20 x2 + 0.35 (0.35 and 0.60 are the biases); that
    reading gives other outputs (0.75136507, 0.77292847) and is checked in
    ``test_mazur_reading_of_the_same_numbers``. We follow the notation the
    seed defines two slides earlier rather than guess at its source. The
    seed's alpha = 0.5 is the learning rate; our L2 alpha is 0 here.
    """
    hand = _seed_001_by_hand()
    # the hand-worked numbers agree with the written-down ones
    assert_allclose(hand["output"], SEED_001_OUTPUT, rtol=0, atol=1e-9)
    assert hand["J"] == pytest.approx(SEED_001_LOSS, abs=1e-9)
    assert_allclose(hand["new1"], SEED_001_NEW_THETA1, rtol=0, atol=1e-9)
    assert_allclose(hand["new2"], SEED_001_NEW_THETA2, rtol=0, atol=1e-9)

    X, T = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    (W1, b1), (W2, b2) = _from_theta(hand["theta1"]), _from_theta(hand["theta2"])
    acts = nn.forward(X, [W1, W2], [b1, b2], "logistic", "logistic")
    deltas = [np.empty((1, 2)), np.empty((1, 2))]
    loss, coef_grads, intercept_grads = nn.backward(
        acts, T, [W1, W2], "logistic", "logistic", "squared_error", alpha=0.0, deltas=deltas
    )
    tol = dict(rtol=0, atol=1e-8)
    assert_allclose(acts[1], [hand["hidden"]], **tol)
    assert_allclose(acts[2], [hand["output"]], **tol)
    assert_allclose(acts[2], [SEED_001_OUTPUT], rtol=0, atol=1e-9)
    assert loss == pytest.approx(hand["J"], abs=1e-8)
    assert_allclose(deltas[1], [hand["d3"]], **tol)
    assert_allclose(deltas[0], [hand["d2"]], **tol)
    assert_allclose(_to_theta(coef_grads[0], intercept_grads[0]), hand["grad1"], **tol)
    assert_allclose(_to_theta(coef_grads[1], intercept_grads[1]), hand["grad2"], **tol)
    # one gradient-descent step W <- W - 0.5 grad
    new1 = _to_theta(W1 - 0.5 * coef_grads[0], b1 - 0.5 * intercept_grads[0])
    new2 = _to_theta(W2 - 0.5 * coef_grads[1], b2 - 0.5 * intercept_grads[1])
    assert_allclose(new1, hand["new1"], **tol)
    assert_allclose(new2, hand["new2"], **tol)
    assert_allclose(new1, SEED_001_NEW_THETA1, rtol=0, atol=1e-9)
    assert_allclose(new2, SEED_001_NEW_THETA2, rtol=0, atol=1e-9)


def test_mazur_reading_of_the_same_numbers():
    """The same numbers read as Mazur does; his published results (9 digits)."""
    X, T = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    # net_h1 = w1 i1 + w2 i2 + b1, net_h2 = w3 i1 + w4 i2 + b1 (w1..w4 = .15 .20 .25 .30)
    W1, b1 = np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35])
    # net_o1 = w5 h1 + w6 h2 + b2, net_o2 = w7 h1 + w8 h2 + b2 (w5..w8 = .40 .45 .50 .55)
    W2, b2 = np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60])
    acts = nn.forward(X, [W1, W2], [b1, b2], "logistic", "logistic")
    loss, (g1, g2), _ = nn.backward(acts, T, [W1, W2], "logistic", "logistic", "squared_error")
    tol = dict(rtol=0, atol=1e-8)
    assert_allclose(acts[1], [[0.593269992, 0.596884378]], **tol)
    assert_allclose(acts[2], [[0.75136507, 0.772928465]], **tol)
    assert loss == pytest.approx(0.298371109, abs=1e-8)
    # his updated weights (biases are not updated in his post)
    assert_allclose(W1 - 0.5 * g1, [[0.149780716, 0.24975114], [0.19956143, 0.29950229]], **tol)
    assert_allclose(W2 - 0.5 * g2, [[0.35891648, 0.511301270], [0.408666186, 0.561370121]],
                    **tol)


@pytest.mark.parametrize("n_samples", [1, 5])
def test_seed_000_uniform_outputs_loss_is_ln_10(n_samples):
    # Seed 000: y = 0.1 for each of 10 classes, one-hot t (a 7) -> E = -ln 0.1
    Y = np.full((n_samples, 10), 0.1)
    T = np.zeros((n_samples, 10))
    T[:, 7] = 1.0
    assert nn.loss_value(Y, T, "log_loss", "softmax") == pytest.approx(-math.log(0.1), rel=1e-12)


def test_weighted_loss_is_the_weighted_mean_of_sample_losses():
    rng = np.random.default_rng(5)
    Y, T = rng.uniform(0.05, 0.95, size=(4, 3)), rng.uniform(size=(4, 3))
    s = np.array([0.5, 2.0, 1.0, 3.0])
    for loss, out in [("log_loss", "logistic"), ("squared_error", "identity")]:
        per_sample = [nn.loss_value(Y[[n]], T[[n]], loss, out) for n in range(4)]
        assert nn.loss_value(Y, T, loss, out, sample_weight=s) == pytest.approx(
            np.dot(s, per_sample) / s.sum(), rel=1e-12
        )
    # binary cross-entropy of one logistic unit, written out
    bce = -(T * np.log(Y) + (1 - T) * np.log(1 - Y)).sum(axis=1).mean()
    assert nn.loss_value(Y, T, "log_loss", "logistic") == pytest.approx(bce, rel=1e-12)


# ---------------------------------------------------------------------------
# Activation tables
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, reference",
    [
        ("identity", lambda z: z),
        ("logistic", expit),
        ("tanh", np.tanh),
        ("relu", lambda z: np.maximum(z, 0)),
        ("softmax", lambda z: scipy_softmax(z, axis=1)),
    ],
)
def test_activations_work_in_place(name, reference):
    Z = np.random.default_rng(6).normal(size=(4, 3))
    expected = reference(Z.copy())
    A = nn.ACTIVATIONS[name](Z)
    assert A is Z
    assert_allclose(A, expected, rtol=1e-14)


@pytest.mark.parametrize("name", sorted(nn.DERIVATIVES))
def test_derivatives_from_the_output(name):
    rng = np.random.default_rng(7)
    Z = rng.normal(size=(5, 3))
    Z += 0.1 * np.sign(Z)  # away from relu's kink
    delta = rng.normal(size=(5, 3))
    h = 1e-6
    f = nn.ACTIVATIONS[name]
    slope = (f(Z + h) - f(Z - h)) / (2 * h)  # central differences of f at Z
    expected = delta * slope
    out = nn.DERIVATIVES[name](f(Z.copy()), delta)
    assert out is delta
    assert_allclose(delta, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NEW_HIDDEN)
def test_new_activations_equal_their_formula_in_place(name, dtype):
    Z = (3 * np.random.default_rng(11).normal(size=(50, 4))).astype(dtype)
    expected = FORMULAS[name](Z.astype(np.float64))
    A = nn.ACTIVATIONS[name](Z)
    assert A is Z and A.dtype == dtype
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=1e-6, atol=1e-7)
    assert_allclose(A, expected, **tol)


@pytest.mark.parametrize("name, z, value", [
    ("leaky_relu", -2.0, -0.02), ("leaky_relu", 3.0, 3.0),
    ("elu", -1.0, math.exp(-1) - 1), ("elu", 2.5, 2.5),
    ("gelu", 1.0, 0.8413447460685429),  # Phi(1)
    ("gelu", -1.0, -(1 - 0.8413447460685429)),  # -Phi(-1)
    ("softplus", 0.0, math.log(2)), ("softplus", 1000.0, 1000.0), ("softplus", -1000.0, 0.0),
    ("silu", 1.0, 1 / (1 + math.exp(-1))), ("silu", -1.0, -1 / (1 + math.e)),
])
def test_new_activations_at_worked_values(name, z, value):
    with np.errstate(over="raise", invalid="raise"):  # softplus(1000) must not overflow
        got = nn.ACTIVATIONS[name](np.array([[z]]))[0, 0]
    assert got == pytest.approx(value, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("name", sorted(nn.PRE_ACTIVATION_DERIVATIVES))
def test_derivatives_from_the_pre_activation(name):
    # gelu and silu are not functions of their output: f' is written from z.
    rng = np.random.default_rng(12)
    Z = 2 * rng.normal(size=(6, 4))
    delta = rng.normal(size=(6, 4))
    h = 1e-6
    slope = (FORMULAS[name](Z + h) - FORMULAS[name](Z - h)) / (2 * h)
    expected = delta * slope
    out = nn.PRE_ACTIVATION_DERIVATIVES[name](Z, delta)
    assert out is delta
    assert_allclose(delta, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name, z, slope", [
    ("leaky_relu", -1.0, 0.01), ("leaky_relu", 1.0, 1.0), ("elu", -1.0, math.exp(-1)),
    ("elu", 1.0, 1.0), ("softplus", 0.0, 0.5), ("gelu", 0.0, 0.5), ("silu", 0.0, 0.5),
    ("gelu", 1.0, 0.8413447460685429 + math.exp(-0.5) / math.sqrt(2 * math.pi)),
])
def test_new_derivatives_at_worked_values(name, z, slope):
    Z = np.array([[z]])
    A = nn.ACTIVATIONS[name](Z.copy())
    delta = np.ones((1, 1))
    if name in nn.PRE_ACTIVATION_DERIVATIVES:
        nn.PRE_ACTIVATION_DERIVATIVES[name](Z, delta)
    else:
        nn.DERIVATIVES[name](A, delta)
    assert delta[0, 0] == pytest.approx(slope, rel=1e-15)


def test_softmax_is_stable_for_huge_logits():
    Z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 1e4 - 1.0]])
    expected = scipy_softmax(Z, axis=1)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        for dtype in (np.float64, np.float32):
            A = nn.ACTIVATIONS["softmax"](Z.astype(dtype))
            assert np.isfinite(A).all()
            assert_allclose(A, expected, rtol=1e-6, atol=1e-30)


def test_log_loss_finite_for_outputs_exactly_0_or_1():
    T = np.array([[1.0, 0.0], [0.0, 1.0]])
    for dtype in (np.float64, np.float32):
        eps = np.finfo(dtype).eps
        wrong = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)  # certain and wrong
        right = T.astype(dtype)  # certain and right
        with np.errstate(all="raise"):
            assert nn.loss_value(wrong, T, "log_loss", "softmax") == pytest.approx(
                -math.log(eps), rel=1e-6)
            assert nn.loss_value(right, T, "log_loss", "softmax") == pytest.approx(
                -math.log1p(-eps), rel=1e-3)
            # logistic: each unit's binary cross-entropy, both units certain and wrong
            assert nn.loss_value(wrong, T, "log_loss", "logistic") == pytest.approx(
                -2 * math.log(eps), rel=1e-6)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("out_activation", ["identity", "relu", "tanh"])
def test_log_loss_needs_a_probability_output(out_activation):
    rng, X, coefs, intercepts = _random_net(seed=8)
    acts = nn.forward(X, coefs, intercepts, "relu", out_activation)
    T = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    match = f"log_loss.*out_activation={out_activation!r}"
    with pytest.raises(ValueError, match=match):
        nn.backward(acts, T, coefs, "relu", out_activation, "log_loss")
    with pytest.raises(ValueError, match=match):
        nn.loss_value(acts[-1], T, "log_loss", out_activation)
    with pytest.raises(ValueError, match=match):
        nn.check_gradients(X, T, coefs, intercepts, "relu", out_activation, "log_loss")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(activation="softmax"), "output activation only"),
        (dict(activation="sigmoid"), "activation must be one of"),
        (dict(out_activation="exp"), "out_activation must be one of"),
    ],
)
def test_unknown_activation_names_raise(kwargs, match):
    X, W, b = np.ones((2, 3)), np.ones((3, 2)), np.zeros(2)
    acts = nn.forward(X, [W], [b])
    with pytest.raises(ValueError, match=match):
        nn.forward(X, [W], [b], **kwargs)
    with pytest.raises(ValueError, match=match):
        nn.backward(acts, np.eye(2), [W], **kwargs)


def test_unknown_loss_raises():
    Y = np.full((2, 2), 0.5)
    with pytest.raises(ValueError, match="loss must be one of .*'hinge'"):
        nn.loss_value(Y, np.eye(2), loss="hinge")


def test_zero_weight_sum_raises():
    X, W, b = np.ones((3, 2)), np.ones((2, 2)), np.zeros(2)
    acts = nn.forward(X, [W], [b])
    T = np.eye(2)[[0, 1, 0]]
    with pytest.raises(ValueError, match="S = 0"):
        nn.backward(acts, T, [W], sample_weight=np.zeros(3))
    with pytest.raises(ValueError, match="S = 0"):
        nn.loss_value(acts[-1], T, sample_weight=np.zeros(3))
    with pytest.raises(ValueError, match="S == 0"):
        nn.loss_value(np.empty((0, 2)), np.empty((0, 2)))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\)"):
        nn.loss_value(acts[-1], T, sample_weight=np.ones(2))


# ---------------------------------------------------------------------------
# dtypes, buffers, sparse input
# ---------------------------------------------------------------------------
def _float32_problem(n=128, sizes=(64, 256, 256, 10), seed=9):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0])).astype(np.float32)
    coefs = [(rng.normal(size=(a, b)) / np.sqrt(a)).astype(np.float32)
             for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [np.zeros(b, dtype=np.float32) for b in sizes[1:]]
    T = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], size=n)]
    return rng, X, T, coefs, intercepts


@pytest.mark.parametrize("activation", HIDDEN)
def test_float32_stays_float32(activation):
    rng, X, T, coefs, intercepts = _float32_problem(n=16, sizes=(5, 4, 3))
    acts = nn.forward(X, coefs, intercepts, activation, "softmax")
    loss, coef_grads, intercept_grads = nn.backward(
        acts, T, coefs, activation, "softmax", "log_loss", alpha=1e-3,
        sample_weight=rng.uniform(size=16),
    )
    assert all(a.dtype == np.float32 for a in acts + coef_grads + intercept_grads)
    assert np.isfinite(loss)


@pytest.mark.parametrize("activation", NEW_HIDDEN + [["gelu", "softplus"]])
def test_new_activations_float32_stays_float32(activation):
    rng, X, T, coefs, intercepts = _float32_problem(n=16, sizes=(5, 4, 4, 3))
    sample_weight = rng.uniform(size=16)

    def gradients(X, coefs, intercepts):
        acts, pre = nn.forward(X, coefs, intercepts, activation, "softmax",
                               return_pre_activations=True)
        return acts + pre, nn.backward(acts, T, coefs, activation, "softmax", "log_loss",
                                       alpha=1e-3, sample_weight=sample_weight,
                                       pre_activations=pre)

    arrays, (loss, coef_grads, intercept_grads) = gradients(X, coefs, intercepts)
    assert all(a.dtype == np.float32 for a in arrays + coef_grads + intercept_grads)
    _, (loss64, coef_grads64, intercept_grads64) = gradients(
        X.astype(np.float64), [W.astype(np.float64) for W in coefs],
        [b.astype(np.float64) for b in intercepts])
    assert loss == pytest.approx(loss64, rel=1e-5)
    for got, want in zip(coef_grads + intercept_grads, coef_grads64 + intercept_grads64):
        assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("activation", HIDDEN)
def test_buffers_are_filled_in_place_without_float64_copies(activation):
    rng, X, T, coefs, intercepts = _float32_problem()
    n = X.shape[0]
    out = [np.empty((n, W.shape[1]), np.float32) for W in coefs]
    deltas = [np.empty((n, W.shape[1]), np.float32) for W in coefs]
    coef_grads = [np.empty_like(W) for W in coefs]
    intercept_grads = [np.empty_like(b) for b in intercepts]
    sample_weight = rng.uniform(size=n).astype(np.float32)
    expected = nn.backward(nn.forward(X, coefs, intercepts, activation), T, coefs, activation,
                           alpha=1e-3, sample_weight=sample_weight)

    def run():
        acts = nn.forward(X, coefs, intercepts, activation, out=out)
        return acts, nn.backward(acts, T, coefs, activation, alpha=1e-3,
                                 sample_weight=sample_weight, coef_grads=coef_grads,
                                 intercept_grads=intercept_grads, deltas=deltas)

    run()  # warm up (lazy imports, BLAS lookups)
    tracemalloc.start()
    try:
        acts, (loss, cg, ig) = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(a is b for a, b in zip(acts[1:], out))
    assert all(a is b for a, b in zip(cg + ig, coef_grads + intercept_grads))
    assert loss == pytest.approx(expected[0], rel=1e-6)
    for got, want in zip(cg + ig, expected[1] + expected[2]):
        assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # A float64 copy of one hidden layer would take n * 256 * 8 bytes: less was
    # allocated in all (the temporaries are float32, or bool masks).
    assert peak < n * 256 * 8


def test_sparse_input_matches_dense():
    rng, X, coefs, intercepts = _random_net(seed=10)
    X[np.abs(X) < 0.7] = 0.0
    T = _targets(rng, X.shape[0], 3, "softmax")
    dense = nn.backward(nn.forward(X, coefs, intercepts), T, coefs, alpha=0.1)
    sparse = nn.backward(nn.forward(sp.csr_matrix(X), coefs, intercepts), T, coefs, alpha=0.1)
    assert sparse[0] == pytest.approx(dense[0], rel=1e-12)
    for g_s, g_d in zip(sparse[1] + sparse[2], dense[1] + dense[2]):
        assert_allclose(g_s, g_d, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stacked_penalty_is_each_networks_penalty_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(4, 7, 5)).astype(dtype), rng.normal(size=(4, 5, 3)).astype(dtype)]
    alpha = np.array([0.0, 1e-4, 0.5, 3.0])
    stacked = nn._penalty(coefs, alpha, 11.0)
    alone = [nn._penalty([W[k] for W in coefs], alpha[k], 11.0) for k in range(4)]
    np.testing.assert_array_equal(stacked, alone)


# ---------------------------------------------------------------------------
# Dropout (inverted, on the hidden outputs) with given masks
# ---------------------------------------------------------------------------
def _masks(rng, X, coefs, rate):
    """One keep-mask per hidden layer, 1 with probability 1 - rate."""
    return [rng.random((X.shape[0], W.shape[1])) >= rate for W in coefs[:-1]]


def test_dropout_forward_thins_and_rescales_the_hidden_outputs():
    rng, X, coefs, intercepts = _random_net(19, ["tanh", "gelu"], "softmax")
    masks = _masks(rng, X, coefs, 0.3)
    acts = nn.forward(X, coefs, intercepts, ["tanh", "gelu"], dropout=[0.3, 0.5],
                      dropout_masks=masks)
    h1 = np.tanh(X @ coefs[0] + intercepts[0])
    h2 = FORMULAS["gelu"]((h1 * masks[0] / 0.7) @ coefs[1] + intercepts[1])
    y = scipy_softmax((h2 * masks[1] / 0.5) @ coefs[2] + intercepts[2], axis=1)
    assert_allclose(acts[1], h1, rtol=1e-14)  # the layer's own output, f(z)
    assert_allclose(acts[2], h2, rtol=1e-12, atol=1e-15)
    assert_allclose(acts[3], y, rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "elu", "gelu", "silu",
                                        ["softplus", "leaky_relu"]])
@pytest.mark.parametrize("out_activation, loss", [("softmax", "log_loss"),
                                                  ("logistic", "log_loss"),
                                                  ("identity", "squared_error")])
def test_dropout_backward_matches_central_differences(activation, out_activation, loss):
    rng, X, coefs, intercepts = _random_net(20, activation, out_activation)
    T = _targets(rng, X.shape[0], 3, out_activation)
    masks = _masks(rng, X, coefs, 0.25)
    masks[1] = None  # no dropout in the second hidden layer
    error = nn.check_gradients(X, T, coefs, intercepts, activation, out_activation, loss,
                               alpha=0.1, sample_weight=rng.uniform(0.5, 2, X.shape[0]),
                               dropout=[0.25, 0.0], dropout_masks=masks)
    assert error <= 1e-6


def test_a_unit_dropped_for_every_sample_learns_nothing():
    rng, X, coefs, intercepts = _random_net(21, "tanh", "softmax")
    T = _targets(rng, X.shape[0], 3, "softmax")
    masks = [np.ones((X.shape[0], W.shape[1])) for W in coefs[:-1]]
    masks[0][:, 2] = 0  # unit 2 of the first hidden layer, always dropped
    kwargs = dict(dropout=0.4, dropout_masks=masks)
    acts = nn.forward(X, coefs, intercepts, "tanh", **kwargs)
    _, coef_grads, intercept_grads = nn.backward(acts, T, coefs, "tanh", **kwargs)
    assert np.all(coef_grads[0][:, 2] == 0) and intercept_grads[0][2] == 0  # into it
    assert np.all(coef_grads[1][2] == 0)  # out of it
    assert np.all(coef_grads[0][:, [0, 1, 3]] != 0)


def test_dropout_with_masks_of_ones_and_rate_0_is_no_dropout_bit_for_bit():
    rng, X, coefs, intercepts = _random_net(22, "relu", "softmax")
    T = _targets(rng, X.shape[0], 3, "softmax")
    ones = [np.ones((X.shape[0], W.shape[1]), dtype=bool) for W in coefs[:-1]]
    plain = nn.backward(nn.forward(X, coefs, intercepts), T, coefs, alpha=0.1)
    dropped = nn.backward(nn.forward(X, coefs, intercepts, dropout_masks=ones), T, coefs,
                          alpha=0.1, dropout_masks=ones)
    assert plain[0] == dropped[0]
    for a, b in zip(plain[1] + plain[2], dropped[1] + dropped[2]):
        np.testing.assert_array_equal(a, b)


def test_dropout_keeps_float32():
    rng, X, T, coefs, intercepts = _float32_problem(n=16, sizes=(5, 4, 4, 3))
    masks = [rng.random((16, 4)) >= 0.5, rng.random((16, 4)).astype(np.float32) >= 0.5]
    acts = nn.forward(X, coefs, intercepts, dropout=0.5, dropout_masks=masks)
    _, coef_grads, intercept_grads = nn.backward(acts, T, coefs, dropout=0.5,
                                                 dropout_masks=masks)
    assert all(a.dtype == np.float32 for a in acts + coef_grads + intercept_grads)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dropout=0.5), "dropout needs dropout_masks"),
    (dict(dropout=1.0, dropout_masks=[None, None]), r"dropout rates must be in \[0, 1\)"),
    (dict(dropout=-0.1, dropout_masks=[None, None]), r"must be in \[0, 1\); got -0.1"),
    (dict(dropout=0.5, dropout_masks=[None]), "one entry per hidden layer, 2; got 1 masks"),
    (dict(dropout=[0.5], dropout_masks=[None, None]), "got 2 masks and 1 rates"),
    (dict(dropout=0.5, dropout_masks=[np.ones((6, 3)), None]),
     r"dropout_masks\[0\] must have the shape \(6, 4\)"),
])
def test_bad_dropout_arguments_raise(kwargs, match):
    rng, X, coefs, intercepts = _random_net(23)
    T = _targets(rng, X.shape[0], 3, "softmax")
    acts = nn.forward(X, coefs, intercepts)
    with pytest.raises(ValueError, match=match):
        nn.forward(X, coefs, intercepts, **kwargs)
    with pytest.raises(ValueError, match=match):
        nn.backward(acts, T, coefs, **kwargs)
