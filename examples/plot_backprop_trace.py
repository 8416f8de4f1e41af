"""
One backpropagation pass, every number: the worked example and XOR
==================================================================

:func:`skmlp.nn.trace` runs one forward and one backward pass and keeps
everything on the way: each layer's weighted sums :math:`a^{(l)}` and outputs
:math:`x^{(l)}`, the loss :math:`E`, the deltas :math:`\\delta^{(l)} =
\\partial E / \\partial a^{(l)}` and the gradient of every weight.
:func:`skmlp.nn.draw` draws such a small network: the outputs and deltas on
the units, the gradients :math:`\\partial E / \\partial W^{(l)}_{ij}` on the
weights (written near the unit they leave).

Left: the classic hand-worked 2-2-2 example (inputs 0.05 and 0.1, targets 0.01
and 0.99, logistic units, :math:`E = \\frac12 \\sum_k (o_k - t_k)^2`). Its
gradients are small and unequal: 0.0822 for the weight from hidden unit 1 to
output 1, 0.000439 for the weight from input 1 to hidden unit 1, a tenth of
the input's size times the hidden delta.

Right: a 2-2-1 network at the start of training on XOR (small random
weights), with the cross-entropy over the four XOR inputs; the units show the
input (1, 1). The gradients on the edges are summed over the four inputs:
these are the first step training would take.
"""

import matplotlib.pyplot as plt
import numpy as np

from skmlp import nn

worked = nn.trace(
    [[0.05, 0.10]], [[0.01, 0.99]],
    coefs=[[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
    intercepts=[[0.35, 0.35], [0.60, 0.60]],
    activation="logistic", out_activation="logistic", loss="squared_error",
    learning_rate=0.5)
print(worked)

rng = np.random.default_rng(0)
X_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
xor = nn.trace(
    X_xor, [[0.0], [1.0], [1.0], [0.0]],
    coefs=[rng.uniform(-1, 1, size=(2, 2)), rng.uniform(-1, 1, size=(2, 1))],
    intercepts=[np.zeros(2), np.zeros(1)],
    activation="logistic", out_activation="logistic", loss="log_loss")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
nn.draw(worked, ax=axes[0])
axes[0].set_title("worked example\n" + axes[0].get_title(), fontsize=10)
nn.draw(xor, ax=axes[1], sample=3)
axes[1].set_title("XOR at the start of training, input (1, 1)\n" + axes[1].get_title(),
                  fontsize=10)
fig.tight_layout()
plt.show()
