"""
XOR with a 2-2-1 network: decision regions and hidden-unit lines
=================================================================

No single line separates XOR, but two hidden logistic units can:
``a1 = g(-10 + 20 x1 + 20 x2)`` fires above the line
``x1 + x2 = 0.5`` (OR), ``a2 = g(30 - 20 x1 - 20 x2)`` fires below
``x1 + x2 = 1.5`` (NAND), and the output ``g(-30 + 20 a1 + 20 a2)`` is their
AND.

Here a :class:`skmlp.ManualMLPClassifier` with two logistic hidden units and
one logistic output learns XOR by itself (L-BFGS on the log-loss). The left
panel draws its decision regions with the line ``w1 x1 + w2 x2 + b = 0`` of
each hidden unit (where that unit's input is 0 and its output is 0.5); the
right panel draws the same for these hand-set weights. (With only two
hidden units, some random starts end in a local minimum that gets one point
wrong: that is why the example fixes ``random_state``.)
"""

import matplotlib.pyplot as plt
import numpy as np

from skmlp import ManualMLPClassifier, nn

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([0, 1, 1, 0])

clf = ManualMLPClassifier(hidden_layer_sizes=(2,), activation="logistic",
                          solver="lbfgs", alpha=0.0, tol=1e-10, random_state=1)
clf.fit(X, y)
print("learned predictions:", clf.predict(X), "targets:", y)

# The hand-set weights: coefs[l] is (fan_in, fan_out), the transpose of Theta.
hand_coefs = [np.array([[20.0, -20.0], [20.0, -20.0]]), np.array([[20.0], [20.0]])]
hand_intercepts = [np.array([-10.0, 30.0]), np.array([-30.0])]

xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, 300), np.linspace(-0.5, 1.5, 300))
grid = np.column_stack([xx.ravel(), yy.ravel()])


def draw(ax, coefs, intercepts, title):
    out = nn.forward(grid, coefs, intercepts, "logistic", "logistic")[-1]
    ax.contourf(xx, yy, out.reshape(xx.shape), levels=[0, 0.5, 1],
                colors=["#9ecae1", "#fdae6b"], alpha=0.6)
    x1 = np.linspace(-0.5, 1.5, 2)
    for j in range(coefs[0].shape[1]):
        w1, w2 = coefs[0][:, j]
        b = intercepts[0][j]
        ax.plot(x1, -(w1 * x1 + b) / w2, "--", label=f"hidden unit {j + 1}")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=120, zorder=3)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5))
    ax.set_xlabel("$x_1$", fontsize=12)
    ax.set_ylabel("$x_2$", fontsize=12)
    ax.set_title(title, fontsize=13)
    ax.set(xticks=[0, 0.5, 1], yticks=[0, 0.5, 1])  # few ticks: legible at the docs' width
    ax.tick_params(labelsize=11)
    ax.legend(loc="upper right", fontsize=11)


fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
draw(axes[0], clf.coefs_, clf.intercepts_, "learned 2-2-1 network")
draw(axes[1], hand_coefs, hand_intercepts, "hand-set weights (OR, NAND, then AND)")
fig.tight_layout()
plt.show()
