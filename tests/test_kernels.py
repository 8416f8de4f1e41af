"""The compiled training step equals skmlp.nn's formulas and the optimizers' docstrings.

One step of the training loop (numpy's matmul and the numba kernels of
skmlp._kernels, over a flat (K, P) buffer of parameters) is compared with
the readable reference: nn.forward / nn.backward (data loss, penalty,
gradients) followed by the optimizer's update written out here from its
docstring, for every activation, loss, output, solver, with and without
sample weights, for one network and for a stack. float64 to 1e-12, float32
to 1e-5.
"""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skmlp import ManualMLPClassifier, _kernels, nn
from skmlp import _training as training
from skmlp._optimizers import AdamOptimizer, SGDOptimizer
from skmlp._training import ParameterLayout

# (out_activation, loss, targets): the three output layers the estimator uses
OUTPUTS = {
    "softmax-log_loss": ("softmax", "log_loss", "multiclass"),
    "logistic-log_loss-binary": ("logistic", "log_loss", "binary"),
    "logistic-log_loss-multilabel": ("logistic", "log_loss", "multilabel"),
    "logistic-squared_error": ("logistic", "squared_error", "multiclass"),
    "identity-squared_error": ("identity", "squared_error", "real"),
}
SOLVERS = {
    "sgd-plain": dict(solver="sgd", momentum=0.0, nesterov=False),
    "sgd-momentum": dict(solver="sgd", momentum=0.9, nesterov=False),
    "sgd-nesterov": dict(solver="sgd", momentum=0.8, nesterov=True),
    "adam": dict(solver="adam"),
}
TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-5)}


class _Net:
    """What the kernels read of a stack (its StackSpec's activations and loss)."""

    def __init__(self, activation, out_activation, loss):
        self.activation, self.out_activation, self.loss = activation, out_activation, loss


def _problem(dtype, targets, K, weighted, seed=0):
    rng = np.random.RandomState(seed)
    units = [5, 7, 4, 3 if targets != "binary" else 1]
    X = rng.normal(size=(11, units[0])).astype(dtype)
    if targets == "multiclass":
        T = np.eye(3, dtype=dtype)[rng.randint(0, 3, 11)]
    elif targets == "real":  # a regressor's
        T = rng.normal(size=(11, units[-1])).astype(dtype)
    else:
        T = (rng.rand(11, units[-1]) > 0.5).astype(dtype)
    sample_weight = rng.uniform(0, 3, 11).astype(dtype) if weighted else None
    if weighted:
        sample_weight[[2, 5]] = 0
    networks = [([rng.normal(scale=0.7, size=s).astype(dtype) for s in zip(units, units[1:])],
                 [rng.normal(scale=0.5, size=n).astype(dtype) for n in units[1:]])
                for _ in range(K)]
    return units, X, T, sample_weight, networks


def _compiled_step(net, units, X, T, sample_weight, networks, alpha, optimizer, fused=True):
    """One step of the training loop on all rows: the losses, and the new params.

    ``fused``: the whole pass in one kernel call (small networks), or numpy's
    matmul between the kernels (big products).
    """
    layout = ParameterLayout(units)
    params = layout.stack(networks, X.dtype)
    step = training._CompiledPass(net, params, layout, X.shape[0])
    step.fused = fused
    batch = training._gather(step.buffers, X, T, sample_weight, np.arange(X.shape[0]), {})
    losses = step(batch)
    grads = step.grads.copy()  # the data term's gradients, before the update
    loss = optimizer(params).update_params(params, step.grads, layout.n_coefs, alpha,
                                           batch.S, losses)
    return loss, grads, params, [layout.views(row) for row in params]


def _reference_step(net, X, T, sample_weight, coefs, intercepts, alpha, solver):
    """nn.forward / nn.backward, then the optimizer's formulas, for one network."""
    acts, pre = nn.forward(X, coefs, intercepts, net.activation, net.out_activation,
                           return_pre_activations=True)
    loss, coef_grads, intercept_grads = nn.backward(
        acts, T, coefs, net.activation, net.out_activation, net.loss, alpha, sample_weight,
        pre_activations=pre)
    new = []
    for w, g in zip(coefs + intercepts, coef_grads + intercept_grads):
        w = w.astype(np.float64)
        g = g.astype(np.float64)  # the penalty is in g already
        if solver["solver"] == "adam":  # t = 1: m = 0.1 g, v = 0.001 g^2
            eta = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
            new.append(w - eta * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-8))
        else:  # v = 0: v = -eta g; w + v or w + mu v - eta g
            mu, v = solver["momentum"], -0.01 * g
            new.append(w + mu * v - 0.01 * g if solver["nesterov"] else w + v)
    return loss, coef_grads + intercept_grads, new


def _optimizer(solver, K):
    if solver["solver"] == "adam":
        return lambda p: AdamOptimizer(p, np.full(K, 0.01), np.full(K, 0.9), np.full(K, 0.999),
                                       np.full(K, 1e-8))
    return lambda p: SGDOptimizer(p, np.full(K, 0.01), "constant", np.full(K, solver["momentum"]),
                                  solver["nesterov"])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("K", [1, 3], ids=["one", "stack"])
@pytest.mark.parametrize("solver", list(SOLVERS.values()), ids=list(SOLVERS))
@pytest.mark.parametrize("output", list(OUTPUTS.values()), ids=list(OUTPUTS))
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_compiled_step_equals_nn_and_the_optimizer_formulas(activation, output, solver, K,
                                                            weighted, dtype):
    _check_step_against_nn(activation, output, solver, K, weighted, dtype, fused=True)


# The activations beyond scikit-learn's four, and one activation per hidden layer
# (the networks of _problem have two hidden layers).
NEW_ACTIVATIONS = {name: name for name in ("leaky_relu", "elu", "gelu", "softplus", "silu")}
NEW_ACTIVATIONS.update({"gelu,leaky_relu": ["gelu", "leaky_relu"],
                        "tanh,silu": ["tanh", "silu"], "softplus,relu": ["softplus", "relu"]})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("K", [1, 3], ids=["one", "stack"])
@pytest.mark.parametrize("output", list(OUTPUTS.values()), ids=list(OUTPUTS))
@pytest.mark.parametrize("activation", list(NEW_ACTIVATIONS.values()), ids=list(NEW_ACTIVATIONS))
def test_compiled_step_with_new_and_per_layer_activations_equals_nn(activation, output, K,
                                                                    weighted, dtype):
    # The update does not depend on the activation: one solver is enough.
    _check_step_against_nn(activation, output, SOLVERS["adam"], K, weighted, dtype, fused=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("K", [1, 3], ids=["one", "stack"])
@pytest.mark.parametrize("output", list(OUTPUTS.values()), ids=list(OUTPUTS))
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"]
                         + list(NEW_ACTIVATIONS.values()),
                         ids=["identity", "logistic", "tanh", "relu"] + list(NEW_ACTIVATIONS))
def test_step_with_numpy_products_equals_nn(activation, output, K, dtype):
    # The route of big networks: numpy's matmul, the same kernels between (the
    # update does not depend on the route: one solver is enough).
    _check_step_against_nn(activation, output, SOLVERS["sgd-nesterov"], K, True, dtype,
                           fused=False)


def _check_step_against_nn(activation, output, solver, K, weighted, dtype, fused):
    out_activation, loss, targets = output
    net = _Net(activation, out_activation, loss)
    units, X, T, sample_weight, networks = _problem(dtype, targets, K, weighted)
    alpha = np.linspace(0.0, 0.3, K)
    losses, grads, params, views = _compiled_step(net, units, X, T, sample_weight, networks,
                                                  alpha, _optimizer(solver, K), fused)
    assert params.dtype == dtype
    layout = ParameterLayout(units)
    for k, (coefs, intercepts) in enumerate(networks):
        ref_loss, ref_grads, ref_new = _reference_step(
            net, X, T, sample_weight, coefs, intercepts, alpha[k], solver)
        assert losses[k] == pytest.approx(ref_loss, rel=TOL[dtype]["rtol"])
        # the data-term gradients the kernels left in grads, plus the penalty
        got = [g.copy() for g in layout.views(grads[k])[0] + layout.views(grads[k])[1]]
        for g, W in zip(got, coefs):
            g += dtype(alpha[k] / (np.sum(sample_weight) if weighted else X.shape[0])) * W
        for g, ref in zip(got, ref_grads):
            assert_allclose(g, ref, **TOL[dtype])
        for w, ref in zip(views[k][0] + views[k][1], ref_new):
            assert_allclose(w, ref, **TOL[dtype])


def test_poisson_step_is_half_the_deviance_and_its_gradient():
    # Exponential outputs, the Poisson loss: scikit-learn's half deviance at
    # the weights, and its gradient by central differences (nn has no Poisson
    # loss: the reference is sklearn's formula through nn.forward's linear outputs).
    from sklearn.neural_network._base import poisson_loss

    net = _Net("tanh", "exp", "poisson")
    units, X, _, sample_weight, networks = _problem(np.float64, "real", 1, weighted=True)
    T = np.random.RandomState(5).poisson(2.0, size=(11, units[-1])).astype(np.float64)
    losses, grads, _, _ = _compiled_step(net, units, X, T, sample_weight, networks,
                                         np.zeros(1), _optimizer(SOLVERS["sgd-plain"], 1))
    coefs, intercepts = (list(map(np.copy, part)) for part in networks[0])

    def objective():
        linear = nn.forward(X, coefs, intercepts, "tanh", "identity")[-1]
        return poisson_loss(T, np.exp(linear), sample_weight)

    assert losses[0] == pytest.approx(objective(), rel=1e-12)
    layout = ParameterLayout(units)
    got = layout.views(grads[0])
    for ours, params in zip(got[0] + got[1], coefs + intercepts):
        numeric = np.empty_like(params)
        for i in np.ndindex(params.shape):
            keep = params[i]
            params[i] = keep + 1e-6
            up = objective()
            params[i] = keep - 1e-6
            numeric[i] = (up - objective()) / 2e-6
            params[i] = keep
        assert_allclose(ours, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_of_the_class_probability_is_nn_full_sum(dtype):
    # The compiled softmax loss reads only the probability of each sample's
    # class (one-hot targets): the very value of nn's sum over all outputs,
    # clipping included, to the bit.
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=3, size=(40, 5)).astype(dtype)
    Z[:5] = 200 * np.eye(5) - 100  # outputs of exactly 0 and 1: clipped
    T = np.eye(5, dtype=dtype)[rng.integers(0, 5, 40)]
    bias, one = np.zeros((1, 5), dtype=dtype), np.ones(1, dtype=dtype)
    for z, t in zip(Z, T):
        y, losses = z[None, None].copy(), np.zeros(1)
        _kernels.output_layer(y, bias, 0, t[None], _kernels.SOFTMAX, _kernels.LOG_LOSS,
                              np.finfo(dtype).eps, one, np.ones(1), np.empty_like(y),
                              np.zeros((1, 5), dtype=dtype), losses)
        reference = nn._row_losses(y[0], t[None], "log_loss", "softmax")[0]
        # float64: to the bit; float32: to the bit where both take the same logf
        # (scipy >= 1.16's xlogy), else within the one ulp two float32 logs may differ
        rel = 0.0 if dtype == np.float64 else float(np.finfo(np.float32).eps)
        assert losses[0] == pytest.approx(reference, rel=rel, abs=0)


def test_float32_steps_stay_float32_to_the_end():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    for solver in ("sgd", "adam", "lbfgs"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = ManualMLPClassifier((8,), solver=solver, max_iter=2, random_state=0).fit(X, y)
        assert all(w.dtype == np.float32 for w in clf.coefs_ + clf.intercepts_)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


@pytest.mark.parametrize("params", [
    dict(solver="sgd", learning_rate="invscaling"),
    dict(solver="sgd", learning_rate="adaptive", tol=0.05, n_iter_no_change=1),
    dict(solver="sgd", nesterovs_momentum=False, early_stopping=True),
    dict(solver="adam", activation="tanh"),
], ids=["invscaling", "adaptive", "momentum-early-stopping", "adam"])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("big", [False, True], ids=["fused", "matmul"])
def test_a_stack_in_threads_trains_each_network_bit_for_bit_as_alone(params, n_threads, big,
                                                                     monkeypatch):
    # The search's path (fit_stack: one stack, split into threads) against
    # plain fits, every schedule: the same arithmetic for every network, on
    # both routes of the products (``big``: as if the networks were big).
    from skmlp._network import fit_stack

    monkeypatch.setattr("skmlp._network.thread_budget", lambda: n_threads)
    if big:
        monkeypatch.setattr(training, "BIG_PRODUCTS", 1)
    X, y = _digits()
    base = dict(hidden_layer_sizes=(12,), batch_size=32, max_iter=6, random_state=0,
                **params)
    grid = [dict(learning_rate_init=lr, alpha=a) for lr in (0.01, 0.2) for a in (0.0, 0.5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stacked = [ManualMLPClassifier(**base, **g) for g in grid]
        assert fit_stack(stacked, X, y) == [None] * 4
        alone = [ManualMLPClassifier(**base, **g).fit(X, y) for g in grid]
    for a, b in zip(stacked, alone):
        assert a.n_iter_ == b.n_iter_ and a.loss_curve_ == b.loss_curve_
        for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            assert_array_equal(wa, wb)


def test_thread_budget_follows_threadpoolctl_limits():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        assert training.thread_budget() == 1
    assert 1 <= training.thread_budget() <= len(__import__("os").sched_getaffinity(0))


# ----------------------------------------------------- numba's debugging switch

_FITS_SCRIPT = """
import sys, warnings
import numpy as np
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from skmlp import ManualMLPClassifier, PerceptronClassifier

def fitted_weights():
    X, y = load_iris(return_X_y=True)
    X, y = X[::5], y[::5]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for dtype in (np.float64, np.float32):
            for solver in ("sgd", "adam", "lbfgs"):
                m = ManualMLPClassifier((3,), solver=solver, max_iter=3, batch_size=10,
                                        random_state=0).fit(X.astype(dtype), y)
                out[f"mlp-{solver}-{dtype.__name__}"] = np.concatenate(
                    [w.ravel() for w in m.coefs_ + m.intercepts_])
            for penalty in (None, "l2"):
                p = PerceptronClassifier(penalty=penalty, max_iter=3,
                                         random_state=0).fit(X.astype(dtype), y)
                out[f"perceptron-{penalty}-{dtype.__name__}"] = np.concatenate(
                    [p.coef_.ravel(), p.intercept_])
    return out

if __name__ == "__main__":
    np.savez(sys.argv[1], **fitted_weights())
"""


def test_fits_without_jit_equal_the_compiled_fits(tmp_path):
    # NUMBA_DISABLE_JIT=1 (numba's switch for debugging) runs the kernels as
    # Python: the same fits, to rounding (compiled code may fuse multiply-adds).
    script = tmp_path / "fits.py"
    script.write_text(_FITS_SCRIPT)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1",
           "PYTHONPATH": os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "nojit.npz")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    namespace = {}
    exec(compile(_FITS_SCRIPT, "fits", "exec"), namespace)
    compiled = namespace["fitted_weights"]()
    without_jit = np.load(tmp_path / "nojit.npz")
    assert sorted(without_jit.files) == sorted(compiled)
    for name, weights in compiled.items():
        assert without_jit[name].dtype == weights.dtype, name
        assert_allclose(without_jit[name], weights, err_msg=name,
                        **TOL[weights.dtype.type])


# Per network of a stack of three: (weight_decay, max_grad_norm): decay alone, a bound
# the gradient exceeds (clipped), and both with a bound it does not reach.
TRAINING_FEATURES = [(0.3, None), (0.0, 0.05), (0.1, 1e6)]


def _reference_features_step(net, X, T, sample_weight, coefs, intercepts, alpha, solver,
                             weight_decay, max_grad_norm):
    """nn's gradient (penalty included), clipped to max_grad_norm as a whole, one
    step of the optimizer, then the decoupled decay eta * weight_decay * w on the weights."""
    acts, pre = nn.forward(X, coefs, intercepts, net.activation, net.out_activation,
                           return_pre_activations=True)
    _, coef_grads, intercept_grads = nn.backward(
        acts, T, coefs, net.activation, net.out_activation, net.loss, alpha, sample_weight,
        pre_activations=pre)
    grads = [g.astype(np.float64) for g in coef_grads + intercept_grads]
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    scale = 1.0 if max_grad_norm is None or norm <= max_grad_norm else max_grad_norm / norm
    new = []
    for i, (w, g) in enumerate(zip(coefs + intercepts, grads)):
        w, g = w.astype(np.float64), scale * g
        if solver["solver"] == "adam":
            eta = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
            step = w - eta * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-8)
        else:
            mu, v = solver["momentum"], -0.01 * g
            step = w + mu * v - 0.01 * g if solver["nesterov"] else w + v
        is_weight = i < len(coefs)
        new.append(step - 0.01 * weight_decay * w if is_weight else step)
    return new, scale


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("K", [1, 3], ids=["one", "stack"])
@pytest.mark.parametrize("solver", list(SOLVERS.values()), ids=list(SOLVERS))
def test_compiled_step_with_weight_decay_and_clipping_equals_the_formulas(solver, K, dtype):
    net = _Net("tanh", "softmax", "log_loss")
    units, X, T, sample_weight, networks = _problem(dtype, "multiclass", K, True)
    alpha = np.linspace(0.1, 0.3, K)
    features = TRAINING_FEATURES[:K] if K > 1 else TRAINING_FEATURES[1:2]
    decay = np.array([f[0] for f in features])
    bounds = np.array([f[1] for f in features], dtype=object)
    if solver["solver"] == "adam":
        def optimizer(p):
            return AdamOptimizer(p, 0.01, weight_decay=decay, max_grad_norm=bounds)
    else:
        def optimizer(p):
            return SGDOptimizer(p, 0.01, "constant", solver["momentum"], solver["nesterov"],
                                weight_decay=decay, max_grad_norm=bounds)
    _, _, params, views = _compiled_step(net, units, X, T, sample_weight, networks, alpha,
                                         optimizer)
    assert params.dtype == dtype
    scales = []
    for k, (coefs, intercepts) in enumerate(networks):
        ref_new, scale = _reference_features_step(net, X, T, sample_weight, coefs, intercepts,
                                                  alpha[k], solver, *features[k])
        scales.append(scale)
        for w, ref in zip(views[k][0] + views[k][1], ref_new):
            assert_allclose(w, ref, **TOL[dtype])
    assert scales[0] < 1 if K == 1 else (scales[1] < 1 and scales[2] == 1)  # clipping ran


@pytest.mark.parametrize("solver", list(SOLVERS.values()), ids=list(SOLVERS))
def test_an_unreached_clipping_bound_and_no_decay_are_bit_for_bit_the_plain_step(solver):
    net = _Net("relu", "softmax", "log_loss")
    units, X, T, sample_weight, networks = _problem(np.float64, "multiclass", 2, False)
    alpha = np.array([1e-4, 0.2])
    if solver["solver"] == "adam":
        plain, bounded = (lambda p: AdamOptimizer(p, 0.01)), (
            lambda p: AdamOptimizer(p, 0.01, max_grad_norm=1e9, weight_decay=0.0))
    else:
        args = (0.01, "constant", solver["momentum"], solver["nesterov"])
        plain, bounded = (lambda p: SGDOptimizer(p, *args)), (
            lambda p: SGDOptimizer(p, *args, max_grad_norm=1e9, weight_decay=0.0))
    a = _compiled_step(net, units, X, T, sample_weight, networks, alpha, plain)[2]
    b = _compiled_step(net, units, X, T, sample_weight, networks, alpha, bounded)[2]
    assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "matmul"])
@pytest.mark.parametrize("activation", ["relu", "gelu", ["tanh", "silu"]],
                         ids=["relu", "gelu", "tanh,silu"])
def test_compiled_pass_with_dropout_masks_equals_nn(activation, fused, dtype):
    # A stack of three: dropout in both hidden layers, none, and in the second only.
    net = _Net(activation, "softmax", "log_loss")
    units, X, T, sample_weight, networks = _problem(dtype, "multiclass", 3, True)
    rates = [[0.5, 0.25], [0.0, 0.0], [0.0, 0.4]]
    rng = np.random.RandomState(1)
    masks = [[rng.rand(X.shape[0], n) >= r for n, r in zip(units[1:-1], rk)] for rk in rates]
    layout = ParameterLayout(units)
    params = layout.stack(networks, dtype)
    step = training._CompiledPass(net, params, layout, X.shape[0],
                                  dropping=[True, False, True])
    step.fused = fused
    factors = step.buffers.dropout_layers(X.shape[0])[0]
    for k in (0, 2):
        for l, (mask, rate) in enumerate(zip(masks[k], rates[k])):
            factors[l][k] = mask / (1 - rate)
    batch = training._gather(step.buffers, X, T, sample_weight, np.arange(X.shape[0]), {})
    losses = step(batch)
    for k, (coefs, intercepts) in enumerate(networks):
        drop = dict(dropout=rates[k], dropout_masks=masks[k]) if k != 1 else {}
        acts, pre = nn.forward(X, coefs, intercepts, net.activation, net.out_activation,
                               return_pre_activations=True, **drop)
        loss, coef_grads, intercept_grads = nn.backward(
            acts, T, coefs, net.activation, net.out_activation, net.loss, 0.0, sample_weight,
            pre_activations=pre, **drop)
        assert losses[k] / np.sum(sample_weight) == pytest.approx(loss, rel=TOL[dtype]["rtol"])
        got = layout.views(step.grads[k])
        for g, ref in zip(got[0] + got[1], coef_grads + intercept_grads):
            assert_allclose(g, ref, **TOL[dtype])
    # and the masks mattered: without them network 0's gradient is another
    acts = nn.forward(X, *networks[0], net.activation, net.out_activation,
                      return_pre_activations=True)
    plain = nn.backward(acts[0], T, networks[0][0], net.activation, net.out_activation,
                        net.loss, 0.0, sample_weight, pre_activations=acts[1])[1]
    assert not np.allclose(layout.views(step.grads[0])[0][0], plain[0], **TOL[dtype])
