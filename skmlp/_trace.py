r"""Every number of one backpropagation pass, kept, printed and drawn.

:func:`trace` runs :func:`skmlp.nn.forward` and :func:`skmlp.nn.backward`
once and keeps what they compute on the way: each layer's pre-activations
:math:`a^{(l)}` and outputs :math:`x^{(l)}`, the loss :math:`E`, the deltas
:math:`\delta^{(l)} = \partial E / \partial a^{(l)}`, the gradients of every
weight and bias and, given a learning rate :math:`\eta`, the weights after
one plain gradient-descent step. The returned :class:`BackpropTrace` prints
them layer by layer in that notation (``str``), gives them as pandas tables
(:meth:`BackpropTrace.to_frame`), and :func:`draw` draws a small network with
its values on the nodes and its gradients on the edges.

Notation (the MNIST practice's): :math:`x^{(0)}` is the input,
:math:`a^{(l)} = x^{(l-1)} W^{(l)} + b^{(l)}` and :math:`x^{(l)} =
f(a^{(l)})` for :math:`l = 1, \dots, L`, and :math:`o = x^{(L)}` is the
output, compared with the targets :math:`t`. :math:`W^{(l)}` is
``coefs[l - 1]``, of shape (fan_in, fan_out): :math:`W^{(l)}_{ij}` is the
weight from unit :math:`i` of layer :math:`l - 1` to unit :math:`j` of layer
:math:`l`. Units are numbered from 1, as in the formulas; samples by their
row of ``X``, from 0.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils._optional_dependencies import (
    check_matplotlib_support,
    check_pandas_support,
)

# Significant digits of the printed trace, and of the numbers draw() writes.
_DIGITS = 6
_DRAW_DIGITS = 3
# draw() is for networks a reader can follow edge by edge.
_MAX_DRAWN_UNITS = 12


@dataclass(frozen=True, eq=False, repr=False)
class BackpropTrace:
    """The quantities of one forward and backward pass (made by :func:`trace`).

    Lists have one entry per layer ``l = 1, ..., L`` (index ``l - 1``) except
    ``activations``, which starts with the input (index ``l``).

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        The input :math:`x^{(0)}`.
    T : ndarray of shape (n_samples, n_outputs)
        The targets :math:`t`.
    coefs, intercepts : list of ndarray
        The weights :math:`W^{(l)}` (fan_in, fan_out) and biases
        :math:`b^{(l)}` (fan_out,) of the pass.
    activation : str or list of str
        The hidden activation(s), as given.
    out_activation, loss_name : str
        The output activation and the loss.
    layer_activations : list of str
        The activation of each layer ``l = 1, ..., L``, the output's last.
    alpha : float
        The L2 penalty (``alpha / (2 S) sum_l ||W_l||^2``).
    sample_weight : ndarray of shape (n_samples,) or None
        The weights :math:`s_n` (None: all ones).
    pre_activations : list of ndarray
        :math:`a^{(l)}`, shape (n_samples, fan_out).
    activations : list of ndarray
        :math:`x^{(0)}, x^{(1)}, \\dots, x^{(L)} = o`: forward's ``acts``.
    loss : float
        :math:`E`, the loss with its penalty, as :func:`skmlp.nn.backward`
        returns it.
    deltas : list of ndarray
        :math:`\\delta^{(l)} = \\partial E / \\partial a^{(l)}`, shape
        (n_samples, fan_out), each row scaled by ``s_n / S``.
    coef_grads, intercept_grads : list of ndarray
        :math:`\\partial E / \\partial W^{(l)}` and
        :math:`\\partial E / \\partial b^{(l)}`.
    learning_rate : float or None
        :math:`\\eta` of the step, None when no step was taken.
    updated_coefs, updated_intercepts : list of ndarray or None
        :math:`W^{(l)} - \\eta\\, \\partial E / \\partial W^{(l)}` and the same
        for the biases; None without a learning rate.
    """

    X: np.ndarray
    T: np.ndarray
    coefs: list
    intercepts: list
    activation: str | list
    out_activation: str
    loss_name: str
    layer_activations: list
    alpha: float
    sample_weight: np.ndarray | None
    pre_activations: list
    activations: list
    loss: float
    deltas: list
    coef_grads: list
    intercept_grads: list
    learning_rate: float | None = None
    updated_coefs: list | None = None
    updated_intercepts: list | None = None

    @property
    def n_layers(self):
        """L, the number of layers with weights."""
        return len(self.coefs)

    def __repr__(self):
        sizes = "-".join(str(n) for n in [self.X.shape[1]] + [W.shape[1] for W in self.coefs])
        return (f"<BackpropTrace of a {sizes} network on {self.X.shape[0]} sample(s), "
                f"E = {_number(self.loss)}; print() it for every quantity>")

    def __str__(self):
        return "\n".join(_header(self) + _forward_lines(self) + _loss_lines(self)
                         + _backward_lines(self) + _update_lines(self))

    def to_frame(self):
        """One pandas DataFrame per quantity, keyed by the attribute's name.

        - ``'pre_activations'``, ``'activations'`` (with the input as layer 0)
          and ``'deltas'``: rows ``(layer, unit)``, one column per sample;
        - ``'coefs'``, ``'coef_grads'`` (and ``'updated_coefs'`` after a step):
          rows ``(layer, from_unit, to_unit)``, one column;
        - ``'intercepts'``, ``'intercept_grads'`` (and ``'updated_intercepts'``):
          rows ``(layer, unit)``, one column.

        Units are numbered from 1, layers as in the formulas; the loss is the
        ``loss`` attribute. Raises ImportError when pandas is not installed.

        Returns
        -------
        dict of str to pandas.DataFrame
        """
        pd = check_pandas_support("BackpropTrace.to_frame")
        frames = {
            "pre_activations": _unit_frame(pd, self.pre_activations, first_layer=1),
            "activations": _unit_frame(pd, self.activations, first_layer=0),
            "deltas": _unit_frame(pd, self.deltas, first_layer=1),
        }
        for name in ("coefs", "coef_grads", "updated_coefs"):
            if getattr(self, name) is not None:
                frames[name] = _edge_frame(pd, getattr(self, name), name)
        for name in ("intercepts", "intercept_grads", "updated_intercepts"):
            if getattr(self, name) is not None:
                frames[name] = _bias_frame(pd, getattr(self, name), name)
        return frames


def trace(X, T, coefs, intercepts, activation="relu", out_activation="softmax",
          loss="log_loss", learning_rate=None, *, alpha=0.0, sample_weight=None):
    r"""One forward and backward pass with every quantity kept.

    Runs :func:`skmlp.nn.forward` and :func:`skmlp.nn.backward` (the same
    functions, the same arguments) and keeps the pre-activations
    :math:`a^{(l)} = x^{(l-1)} W^{(l)} + b^{(l)}` (forward's
    ``return_pre_activations=True``), the outputs,
    the loss, the deltas and the gradients. With a ``learning_rate``
    :math:`\eta` it also takes one plain gradient-descent step,
    :math:`W \leftarrow W - \eta\, \partial E / \partial W` (biases alike).
    Nothing passed in is modified.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Input samples.
    T : array-like of shape (n_samples, n_outputs)
        Targets (one-hot or soft, such as 0.01 / 0.99).
    coefs : list of array-like
        ``coefs[l]`` of shape (fan_in, fan_out): the weights :math:`W^{(l+1)}`.
    intercepts : list of array-like
        ``intercepts[l]`` of shape (fan_out,): the biases :math:`b^{(l+1)}`.
    activation : str or list of str, default='relu'
        Hidden-layer activation, a key of :data:`skmlp.nn.DERIVATIVES`, or
        one per hidden layer.
    out_activation : str, default='softmax'
        Output activation, a key of :data:`skmlp.nn.ACTIVATIONS`.
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        ``'squared_error'`` is :math:`\frac{1}{2S} \sum_n s_n \sum_k (o_{nk} -
        t_{nk})^2`: with one sample, :math:`E = \frac12 \sum_k (o_k - t_k)^2`.
    learning_rate : float, default=None
        :math:`\eta` of one gradient-descent step; None takes no step.
    alpha : float, default=0.0
        L2 penalty, as in :func:`skmlp.nn.backward`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights :math:`s_n`, as in :func:`skmlp.nn.backward`.

    Returns
    -------
    BackpropTrace
        Print it for the pass layer by layer (six significant digits); see
        :meth:`BackpropTrace.to_frame` and :func:`draw`.

    Examples
    --------
    The classic 2-2-2 example: inputs 0.05 and 0.1, targets 0.01 and 0.99,
    logistic units, squared error, learning rate 0.5.

    >>> import numpy as np
    >>> from skmlp.nn import trace
    >>> tr = trace([[0.05, 0.1]], [[0.01, 0.99]],
    ...            [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
    ...            [[0.35, 0.35], [0.60, 0.60]], activation="logistic",
    ...            out_activation="logistic", loss="squared_error", learning_rate=0.5)
    >>> tr.activations[1]
    array([[0.59326999, 0.59688438]])
    >>> round(tr.loss, 9)
    0.298371109
    >>> round(float(tr.coef_grads[1][0, 0]), 9)  # from hidden unit 1 to output 1
    0.082167041
    >>> print(str(tr).splitlines()[6])
      x^(1) = logistic(a^(1))     = [0.593270  0.596884]
    """
    from . import nn  # here, not above: nn re-exports this module's names

    X, T = np.asarray(X), np.asarray(T)
    coefs = [np.array(W, dtype=nn._float_dtype(X)) for W in coefs]
    intercepts = [np.array(b, dtype=nn._float_dtype(X)) for b in intercepts]
    _check_learning_rate(learning_rate)
    acts, pre_activations = nn.forward(X, coefs, intercepts, activation, out_activation,
                                       return_pre_activations=True)
    deltas = [np.empty_like(A) for A in acts[1:]]
    value, coef_grads, intercept_grads = nn.backward(
        acts, T, coefs, activation, out_activation, loss, alpha, sample_weight,
        deltas=deltas, pre_activations=pre_activations)
    updated = {}
    if learning_rate is not None:
        updated = {
            "updated_coefs": [W - learning_rate * G for W, G in zip(coefs, coef_grads)],
            "updated_intercepts": [b - learning_rate * g
                                   for b, g in zip(intercepts, intercept_grads)],
        }
    return BackpropTrace(
        X=acts[0], T=np.asarray(T), coefs=coefs, intercepts=intercepts,
        activation=activation, out_activation=out_activation, loss_name=loss,
        layer_activations=nn._check_activations(activation, out_activation, len(coefs) - 1),
        alpha=float(alpha),
        sample_weight=None if sample_weight is None else np.asarray(sample_weight),
        pre_activations=pre_activations, activations=acts,
        loss=float(value), deltas=deltas, coef_grads=coef_grads,
        intercept_grads=intercept_grads, learning_rate=learning_rate, **updated)


def _check_learning_rate(learning_rate):
    if learning_rate is None:
        return
    if not (isinstance(learning_rate, (int, float, np.number))
            and np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(
            f"learning_rate must be a finite number > 0 (the step size eta), or None "
            f"to take no step; got {learning_rate!r}.")


# ------------------------------------------------------------------ printing
def _number(value):
    """Six significant digits, trailing zeros kept (0.593270, 0.0821670)."""
    return f"{value:#.{_DIGITS}g}"


def _matrix(array, indent):
    """An array as rows of aligned numbers in brackets, continued at ``indent``."""
    rows = np.atleast_2d(array)
    cells = [[_number(v) for v in row] for row in rows]
    width = max(len(c) for row in cells for c in row)
    lines = ["[" + "  ".join(c.rjust(width) for c in row) + "]" for row in cells]
    if np.ndim(array) == 1:
        return lines[0]
    lines = ["[" + lines[0]] + [" " + line for line in lines[1:]]
    lines[-1] += "]"
    return ("\n" + " " * indent).join(lines)


def _line(name, array, width):
    """``  name = [numbers]``, names padded to ``width`` so the numbers align."""
    prefix = f"  {name.ljust(width)} = "
    return prefix + _matrix(array, len(prefix))


def _header(tr):
    sizes = "-".join(str(n) for n in [tr.X.shape[1]] + [W.shape[1] for W in tr.coefs])
    n = tr.X.shape[0]
    return [
        f"Backpropagation, one pass: a {sizes} network, {_hidden_names(tr)} hidden units, "
        f"{tr.out_activation} output, loss {tr.loss_name}; {n} sample{'s' * (n != 1)}",
        "(a row per sample; W^(l)[i, j]: from unit i of layer l-1 to unit j of layer l)"
        if n != 1 else "(W^(l)[i, j]: from unit i of layer l-1 to unit j of layer l)",
    ]


def _hidden_names(tr):
    """The hidden activation, or each hidden layer's, for the header."""
    names = tr.layer_activations[:-1]
    if not names:
        return "no"
    return names[0] if len(set(names)) == 1 else "/".join(names)


def _forward_lines(tr):
    L = tr.n_layers
    names = ["x^(0)"]
    for l in range(1, L + 1):
        f = tr.layer_activations[l - 1]
        out = f"o = x^({l})" if l == L else f"x^({l})"
        names += [f"a^({l}) = x^({l - 1}) W^({l}) + b^({l})", f"{out} = {f}(a^({l}))"]
    names.append("t")
    width = max(len(s) for s in names)
    arrays = [tr.activations[0]]
    for a, x in zip(tr.pre_activations, tr.activations[1:]):
        arrays += [a, x]
    arrays = [_samples(A) for A in arrays + [tr.T]]
    return ["", "Forward pass"] + [_line(s, v, width) for s, v in zip(names, arrays)]


def _loss_lines(tr):
    weighted = tr.sample_weight is not None
    s_n = "s_n " if weighted else ""
    S = float(np.sum(tr.sample_weight)) if weighted else tr.X.shape[0]
    formula = {
        "squared_error": f"1/(2S) Σ_n {s_n}Σ_k (o_nk − t_nk)²",
        "log_loss": (f"−1/S Σ_n {s_n}Σ_k [t_nk ln o_nk + (1 − t_nk) ln(1 − o_nk)]"
                     if tr.out_activation == "logistic" else f"−1/S Σ_n {s_n}Σ_k t_nk ln o_nk"),
    }[tr.loss_name]
    penalty = f" + α/(2S) Σ_l ‖W^(l)‖²  (α = {tr.alpha:g})" if tr.alpha else ""
    where = "the sum of the sample weights" if weighted else "the number of samples"
    return ["", f"Loss  E = {formula}{penalty}",
            f"  S = {S:g} ({where})", f"  E = {_number(tr.loss)}"]


def _backward_lines(tr):
    L = tr.n_layers
    lines, rows = ["", "Backward pass (δ^(l) = ∂E/∂a^(l))"], []
    for l in range(L, 0, -1):
        if l == L:
            delta = f"δ^({l}) = {_output_delta_formula(tr)}"
        else:
            f = tr.layer_activations[l - 1]
            delta = f"δ^({l}) = δ^({l + 1}) W^({l + 1})ᵀ ⊙ {f}'(a^({l}))"
        penalty = f" + (α/S) W^({l})" if tr.alpha else ""
        rows += [(delta, _samples(tr.deltas[l - 1])),
                 (f"∂E/∂W^({l}) = x^({l - 1})ᵀ δ^({l}){penalty}", tr.coef_grads[l - 1]),
                 (f"∂E/∂b^({l}) = Σ_n δ^({l})_n", tr.intercept_grads[l - 1])]
    width = max(len(s) for s, _ in rows)
    return lines + [_line(s, v, width) for s, v in rows]


def _samples(A):
    """Per-sample values: one row per sample, a plain vector for a single sample."""
    return A[0] if A.shape[0] == 1 else A


def _output_delta_formula(tr):
    """∂E/∂a of the output layer, as nn.backward computes it (before s_n / S)."""
    if tr.loss_name == "log_loss" or tr.out_activation == "identity":
        return "o − t"  # the output's derivative cancels
    if tr.out_activation == "softmax":  # the softmax Jacobian applied to o - t
        return "o ⊙ ((o − t) − Σ_k (o_k − t_k) o_k)"
    return f"(o − t) ⊙ {tr.out_activation}'(a^({tr.n_layers}))"


def _update_lines(tr):
    if tr.learning_rate is None:
        return []
    rows = []
    for l in range(1, tr.n_layers + 1):
        rows += [(f"W^({l}) ← W^({l}) − η ∂E/∂W^({l})", tr.updated_coefs[l - 1]),
                 (f"b^({l}) ← b^({l}) − η ∂E/∂b^({l})", tr.updated_intercepts[l - 1])]
    width = max(len(s) for s, _ in rows)
    return (["", f"One gradient-descent step, η = {tr.learning_rate:g}"]
            + [_line(s, v, width) for s, v in rows])


# ------------------------------------------------------------------- tables
def _unit_frame(pd, arrays, first_layer):
    index = pd.MultiIndex.from_tuples(
        [(first_layer + l, j + 1) for l, A in enumerate(arrays) for j in range(A.shape[1])],
        names=["layer", "unit"])
    values = np.hstack(arrays).T  # (units of every layer, n_samples)
    return pd.DataFrame(values, index=index,
                        columns=pd.RangeIndex(values.shape[1], name="sample"))


def _edge_frame(pd, matrices, name):
    index = pd.MultiIndex.from_tuples(
        [(l + 1, i + 1, j + 1) for l, W in enumerate(matrices)
         for i in range(W.shape[0]) for j in range(W.shape[1])],
        names=["layer", "from_unit", "to_unit"])
    return pd.DataFrame({name: np.concatenate([W.ravel() for W in matrices])}, index=index)


def _bias_frame(pd, vectors, name):
    index = pd.MultiIndex.from_tuples(
        [(l + 1, j + 1) for l, b in enumerate(vectors) for j in range(b.size)],
        names=["layer", "unit"])
    return pd.DataFrame({name: np.concatenate(vectors)}, index=index)


# ------------------------------------------------------------------ drawing
def draw(trace, ax=None, *, sample=0):
    """Draw a small network with its values on the nodes and gradients on the edges.

    Each unit is a circle, layer by layer from the input (left) to the output
    (right), with its output :math:`x^{(l)}_j` of sample ``sample`` written
    inside and, below it, its delta :math:`\\delta^{(l)}_j`. Each weight is a
    line from unit :math:`i` of layer :math:`l - 1` to unit :math:`j` of layer
    :math:`l`, labelled near its start with :math:`\\partial E / \\partial
    W^{(l)}_{ij}` (over all the samples of the trace). Numbers have three
    significant digits; the title gives the loss.

    Parameters
    ----------
    trace : BackpropTrace
        From :func:`trace`.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.
    sample : int, default=0
        The row of ``X`` whose values and deltas the nodes show.

    Returns
    -------
    matplotlib Axes
        The axes, with one circle patch per unit (``ax.patches``) and one line
        per weight (``ax.lines``).
    """
    check_matplotlib_support("skmlp.nn.draw")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    if not isinstance(trace, BackpropTrace):
        raise TypeError(
            f"draw takes the result of skmlp.nn.trace; got {type(trace).__name__}.")
    sizes = [trace.X.shape[1]] + [W.shape[1] for W in trace.coefs]
    if max(sizes) > _MAX_DRAWN_UNITS:
        raise ValueError(
            f"draw is for small networks (at most {_MAX_DRAWN_UNITS} units per layer); "
            f"this one has layer sizes {sizes}. Print the trace or use to_frame().")
    n_samples = trace.X.shape[0]
    if not (isinstance(sample, (int, np.integer)) and -n_samples <= sample < n_samples):
        raise ValueError(f"sample must be a row of X, in [0, {n_samples}); got {sample!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 * len(sizes), 1.3 * max(sizes) + 1.2))
    positions = [_unit_positions(n) for n in sizes]
    _draw_edges(ax, positions, trace.coef_grads)
    _draw_nodes(ax, positions, trace, sample, Circle)
    ax.set_aspect("equal")
    ax.set_xlim(-0.6, len(sizes) - 0.4)
    ax.set_ylim(-max(sizes) / 2 - 0.3, max(sizes) / 2 + 0.3)
    ax.set_axis_off()
    ax.set_title(f"E = {trace.loss:.{_DRAW_DIGITS}g}   (nodes: x and δ; "
                 "edges: ∂E/∂W)", fontsize=10)
    return ax


def _short(value):
    return f"{value:.{_DRAW_DIGITS}g}"


def _unit_positions(n_units):
    """Heights of a layer's units, centred on 0 and one apart (first unit on top)."""
    return (n_units - 1) / 2 - np.arange(n_units)


def _draw_edges(ax, positions, coef_grads):
    for l, G in enumerate(coef_grads):
        for i, y_from in enumerate(positions[l]):
            for j, y_to in enumerate(positions[l + 1]):
                ax.plot([l, l + 1], [y_from, y_to], color="0.6", lw=1, zorder=1)
                # nearer the start, where edges from one unit fan out apart
                ax.text(l + 0.4, y_from + 0.4 * (y_to - y_from), _short(G[i, j]),
                        fontsize=7, ha="center", va="center", zorder=3,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})


def _draw_nodes(ax, positions, trace, sample, Circle):
    for l, heights in enumerate(positions):
        for j, y in enumerate(heights):
            ax.add_patch(Circle((l, y), 0.22, fc="#deebf7" if l else "#f0f0f0",
                                ec="0.2", zorder=2))
            ax.text(l, y, _short(trace.activations[l][sample, j]), fontsize=8,
                    ha="center", va="center", zorder=4)
            if l:
                ax.text(l, y - 0.32, "δ=" + _short(trace.deltas[l - 1][sample, j]),
                        fontsize=7, ha="center", va="top", color="#b2182b", zorder=4)
