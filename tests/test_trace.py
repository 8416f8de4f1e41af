"""skmlp.nn.trace keeps, prints and tables one backprop pass; skmlp.nn.draw draws it.

The reference numbers are the classic hand-worked 2-2-2 example (inputs 0.05,
0.1; targets 0.01, 0.99; logistic units; E = 1/2 sum_k (o_k - t_k)^2; learning
rate 0.5), published to nine digits; the other checks are by hand formulas and
by skmlp.nn's forward/backward, which tests/test_nn.py holds to finite
differences.
"""

import doctest
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp import nn
from skmlp.nn import BackpropTrace, draw, trace

X_WORKED = np.array([[0.05, 0.10]])
T_WORKED = np.array([[0.01, 0.99]])
# w1..w4 and w5..w8 in the (fan_in, fan_out) layout: h1 = 0.15 x1 + 0.20 x2 + 0.35
COEFS_WORKED = [np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([[0.40, 0.50], [0.45, 0.55]])]
INTERCEPTS_WORKED = [np.array([0.35, 0.35]), np.array([0.60, 0.60])]
# name -> (published value, where trace keeps it)
PUBLISHED = {
    "hidden output 1": (0.593269992, lambda tr: tr.activations[1][0, 0]),
    "hidden output 2": (0.596884378, lambda tr: tr.activations[1][0, 1]),
    "output 1": (0.75136507, lambda tr: tr.activations[2][0, 0]),
    "output 2": (0.772928465, lambda tr: tr.activations[2][0, 1]),
    "total error": (0.298371109, lambda tr: tr.loss),
    "dE/dw5 (hidden 1 -> output 1)": (0.082167041, lambda tr: tr.coef_grads[1][0, 0]),
    "dE/dw1 (input 1 -> hidden 1)": (0.000438568, lambda tr: tr.coef_grads[0][0, 0]),
}

# XOR solved by hand: hidden OR and NAND units, output their AND
X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])
COEFS_XOR = [np.array([[20.0, -20.0], [20.0, -20.0]]), np.array([[20.0], [20.0]])]
INTERCEPTS_XOR = [np.array([-10.0, 30.0]), np.array([-30.0])]


def _worked_trace(**kwargs):
    kwargs.setdefault("learning_rate", 0.5)
    return trace(X_WORKED, T_WORKED, COEFS_WORKED, INTERCEPTS_WORKED, activation="logistic",
                 out_activation="logistic", loss="squared_error", **kwargs)


def _six_digits(value):
    return f"{value:#.6g}"


@pytest.mark.parametrize("name", PUBLISHED)
def test_worked_example_published_values_in_arrays_and_text(name):
    published, get = PUBLISHED[name]
    tr = _worked_trace()
    assert_allclose(get(tr), published, rtol=1e-6)
    assert _six_digits(published) in str(tr)


def test_worked_example_updated_weights_are_one_gradient_step():
    tr = _worked_trace()
    # the published updated weights w5+ .. w8+ and w1+ .. w4+
    assert_allclose(tr.updated_coefs[1], [[0.35891648, 0.511301270], [0.408666186, 0.561370121]],
                    atol=1e-8)
    assert_allclose(tr.updated_coefs[0], [[0.149780716, 0.24975114], [0.19956143, 0.29950229]],
                    atol=1e-8)
    for b, g, new in zip(tr.intercepts, tr.intercept_grads, tr.updated_intercepts):
        assert_allclose(new, b - 0.5 * g)
    text = str(tr)
    assert "η = 0.5" in text and "0.358916" in text and "0.149781" in text


def test_worked_example_deltas_and_pre_activations_by_hand():
    tr = _worked_trace()
    # a = x W + b; the output delta of logistic units with squared error
    assert_allclose(tr.pre_activations[0], [[0.05 * 0.15 + 0.1 * 0.20 + 0.35,
                                             0.05 * 0.25 + 0.1 * 0.30 + 0.35]])
    o, t = tr.activations[2], T_WORKED
    assert_allclose(tr.deltas[1], (o - t) * o * (1 - o))
    h = tr.activations[1]
    assert_allclose(tr.deltas[0], tr.deltas[1] @ COEFS_WORKED[1].T * h * (1 - h))
    assert_allclose(tr.coef_grads[1], h.T @ tr.deltas[1])
    for a, x in zip(tr.pre_activations, tr.activations[1:]):
        assert_allclose(x, 1 / (1 + np.exp(-a)))
    text = str(tr)
    for symbol in ("a^(1)", "x^(1)", "o = x^(2)", "δ^(2)", "δ^(1)", "∂E/∂W^(1)", "∂E/∂b^(2)"):
        assert symbol in text


def test_trace_is_forward_and_backward():
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 3)), np.eye(4)[rng.integers(0, 4, 5)]
    coefs = [rng.normal(size=(3, 6)), rng.normal(size=(6, 4))]
    intercepts = [rng.normal(size=6), rng.normal(size=4)]
    weights = rng.uniform(0.5, 2, size=5)
    tr = trace(X, T, coefs, intercepts, "tanh", "softmax", "log_loss", alpha=0.3,
               sample_weight=weights)
    acts = nn.forward(X, coefs, intercepts, "tanh", "softmax")
    loss, coef_grads, intercept_grads = nn.backward(acts, T, coefs, "tanh", "softmax",
                                                    "log_loss", 0.3, weights)
    assert tr.loss == loss
    for mine, theirs in zip(tr.activations + tr.coef_grads + tr.intercept_grads,
                            acts + coef_grads + intercept_grads):
        assert_array_equal(mine, theirs)
    assert tr.updated_coefs is None and tr.learning_rate is None
    text = str(tr)
    assert "One gradient-descent step" not in text
    assert "α/(2S)" in text and "(α/S) W^(2)" in text and "s_n" in text
    assert f"S = {weights.sum():g}" in text


def test_softmax_output_delta_with_squared_error_is_the_jacobian_product():
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(1, 2)), np.array([[0.0, 1.0, 0.0]])
    tr = trace(X, T, [rng.normal(size=(2, 3))], [np.zeros(3)], "relu", "softmax",
               "squared_error")
    o = tr.activations[-1]
    jacobian = np.diag(o[0]) - np.outer(o[0], o[0])  # do_k / da_j of the softmax
    assert_allclose(tr.deltas[-1][0], jacobian @ (o - T)[0])
    assert "δ^(1) = o ⊙ ((o − t) − Σ_k (o_k − t_k) o_k)" in str(tr)


def test_one_activation_per_hidden_layer_is_printed_per_layer():
    rng = np.random.default_rng(2)
    coefs = [rng.normal(size=(2, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 1))]
    tr = trace(rng.normal(size=(1, 2)), [[1.0]], coefs, [np.zeros(3), np.zeros(3), np.zeros(1)],
               ["tanh", "relu"], "logistic", "log_loss")
    assert tr.layer_activations == ["tanh", "relu", "logistic"]
    h1, h2 = tr.activations[1], tr.activations[2]
    assert_allclose(h1, np.tanh(tr.pre_activations[0]))
    assert_allclose(h2, np.maximum(tr.pre_activations[1], 0))
    text = str(tr)
    assert "tanh/relu hidden units" in text
    assert "x^(1) = tanh(a^(1))" in text and "x^(2) = relu(a^(2))" in text
    assert "⊙ relu'(a^(2))" in text and "⊙ tanh'(a^(1))" in text


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "softplus", "silu"])
def test_trace_of_every_hidden_activation_is_forward_and_backward(activation):
    # gelu and silu are differentiated from the pre-activations: trace passes them
    rng = np.random.default_rng(3)
    X, T = rng.normal(size=(3, 2)), np.eye(2)[[0, 1, 1]]
    coefs, intercepts = [rng.normal(size=(2, 3)), rng.normal(size=(3, 2))], [np.zeros(3),
                                                                              np.zeros(2)]
    tr = trace(X, T, coefs, intercepts, activation)
    acts, pre = nn.forward(X, coefs, intercepts, activation, return_pre_activations=True)
    loss, coef_grads, _ = nn.backward(acts, T, coefs, activation, pre_activations=pre)
    assert tr.loss == loss
    for mine, theirs in zip(tr.pre_activations + tr.coef_grads, pre + coef_grads):
        assert_array_equal(mine, theirs)
    assert nn.check_gradients(X, T, coefs, intercepts, activation) < 1e-6
    assert f"x^(1) = {activation}(a^(1))" in str(tr)


def test_trace_does_not_modify_its_inputs_and_keeps_float32():
    X = X_WORKED.astype(np.float32)
    coefs = [W.astype(np.float32) for W in COEFS_WORKED]
    saved = [W.copy() for W in coefs]
    tr = trace(X, T_WORKED, coefs, INTERCEPTS_WORKED, "logistic", "logistic",
               "squared_error", learning_rate=0.5)
    for W, W0 in zip(coefs, saved):
        assert_array_equal(W, W0)
    for array in tr.activations + tr.pre_activations + tr.deltas + tr.coef_grads:
        assert array.dtype == np.float32


@pytest.mark.parametrize("learning_rate", [0, -0.1, np.nan, "0.5"])
def test_bad_learning_rate_is_a_clear_error(learning_rate):
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        _worked_trace(learning_rate=learning_rate)


def test_bad_network_is_forwards_error():
    with pytest.raises(ValueError, match="do not chain"):
        trace(X_WORKED, T_WORKED, [COEFS_WORKED[1].T[:1]], [INTERCEPTS_WORKED[0][:1]])


def test_several_samples_print_a_row_per_sample():
    tr = trace(X_XOR, T_XOR, COEFS_XOR, INTERCEPTS_XOR, "logistic", "logistic", "log_loss")
    text = str(tr)
    assert "4 samples" in text and "a row per sample" in text
    # x^(0) printed as 4 rows of 2 numbers
    start = text.index("x^(0)")
    block = text[start:text.index("a^(1)")].strip().splitlines()
    assert len(block) == 4
    assert "ln(1 − o_nk)" in text  # binary cross-entropy of a logistic output


def test_to_frame_tables_hold_the_arrays():
    pytest.importorskip("pandas")
    tr = _worked_trace()
    frames = tr.to_frame()
    assert set(frames) == {"pre_activations", "activations", "deltas", "coefs", "coef_grads",
                           "updated_coefs", "intercepts", "intercept_grads",
                           "updated_intercepts"}
    # units numbered from 1, one column per sample
    assert frames["activations"].loc[(1, 1), 0] == tr.activations[1][0, 0]
    assert frames["activations"].loc[(0, 2), 0] == 0.1
    assert frames["deltas"].loc[(2, 2), 0] == tr.deltas[1][0, 1]
    assert frames["coef_grads"].loc[(2, 1, 1), "coef_grads"] == tr.coef_grads[1][0, 0]
    assert frames["coef_grads"].loc[(1, 2, 1), "coef_grads"] == tr.coef_grads[0][1, 0]
    assert frames["updated_intercepts"].loc[(2, 1), "updated_intercepts"] == \
        tr.updated_intercepts[1][0]
    assert len(frames["coefs"]) == 8 and len(frames["pre_activations"]) == 4
    assert "updated_coefs" not in _worked_trace(learning_rate=None).to_frame()


def test_to_frame_without_pandas_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pandas"):
        _worked_trace().to_frame()


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_draw_worked_example_nodes_edges_and_labels():
    matplotlib.use("Agg")
    ax = draw(_worked_trace())
    assert len(ax.patches) == 6  # 2 inputs, 2 hidden, 2 outputs
    assert len(ax.lines) == 8  # 2 x 2 weights per layer
    texts = _texts(ax)
    for label in ("0.05", "0.593", "0.597", "0.751", "0.773",  # values on the nodes
                  "0.0822", "0.000439",  # dE/dw5 and dE/dw1 on the edges
                  "δ=0.138", "δ=0.00877"):
        assert label in texts
    assert "E = 0.298" in ax.get_title()
    matplotlib.pyplot.close(ax.figure)


def test_draw_xor_on_given_axes_and_sample():
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    _, ax = plt.subplots()
    tr = trace(X_XOR, T_XOR, COEFS_XOR, INTERCEPTS_XOR, "logistic", "logistic", "log_loss")
    assert draw(tr, ax=ax, sample=3) is ax
    assert len(ax.patches) == 5 and len(ax.lines) == 6
    texts = _texts(ax)
    # sample (1, 1): both inputs and the OR unit read 1, the NAND unit and the
    # output g(-30 + 20 + 20 * 4.54e-05) read 4.54e-05
    assert texts.count("1") == 3
    assert texts.count("4.54e-05") == 2
    plt.close(ax.figure)


def test_draw_refuses_what_it_cannot_draw():
    with pytest.raises(TypeError, match="result of skmlp.nn.trace"):
        draw({"coefs": COEFS_WORKED})
    rng = np.random.default_rng(0)
    big = trace(rng.normal(size=(1, 30)), [[1.0]], [rng.normal(size=(30, 1))], [np.zeros(1)],
                out_activation="logistic")
    with pytest.raises(ValueError, match="small networks"):
        draw(big)
    with pytest.raises(ValueError, match="sample must be a row of X"):
        draw(_worked_trace(), sample=1)


def test_trace_is_a_backprop_trace_with_a_short_repr():
    tr = _worked_trace()
    assert isinstance(tr, BackpropTrace)
    assert tr.n_layers == 2
    assert repr(tr) == ("<BackpropTrace of a 2-2-2 network on 1 sample(s), E = 0.298371; "
                        "print() it for every quantity>")


def test_user_guide_worked_example_is_the_trace_output():
    # The guide prints the trace of the worked example; its >>> lines run
    # here, so the page shows what the code prints.
    guide = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "mlp.rst"
    results = doctest.testfile(str(guide), module_relative=False, encoding="utf-8",
                               optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 4
    assert results.failed == 0
