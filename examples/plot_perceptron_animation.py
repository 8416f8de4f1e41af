"""
The perceptron's line, update by update
========================================

Rosenblatt's rule changes the weights only when it answers wrong:
:math:`w \\leftarrow w + \\eta\\,(d - y)\\,x`, :math:`b \\leftarrow b + \\eta\\,(d - y)`.
With ``record_updates=True``, :class:`skmlp.PerceptronClassifier` keeps every
such update in ``updates_`` (the epoch, the sample, :math:`d` and :math:`y`,
and the weights after it), so the training can be played back: each frame
below is one update, the sample that caused it ringed, the region where the
perceptron answers +1 shaded, its line :math:`w^\\top x + b = 0` drawn.

First the logical AND, linearly separable: ten updates from :math:`w(0) = 0`
and the line stops moving (the fifth epoch makes the last update, the sixth
none). Then two overlapping Gaussian classes (means (1, 2) and (0, 0), unit
spread): no line separates them, every epoch makes updates and the line keeps
jumping around the best one (which the averaged perceptron, ``average=True``,
approximates).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from skmlp import PerceptronClassifier
from skmlp.datasets import make_gaussian_classes, make_logic_gate


def animate_updates(X, y, clf, title, frames=None, interval=400):
    """An animation of the boundary after each recorded update of ``clf``."""
    u = clf.updates_
    frames = np.arange(len(u["sample"])) if frames is None else frames
    pad = 0.5
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 60))
    grid = np.column_stack([xx.ravel(), yy.ravel()])

    fig, ax = plt.subplots(figsize=(4.8, 4.4), dpi=80)
    region = ax.imshow(np.zeros(xx.shape), extent=(x0, x1, y0, y1), origin="lower",
                       cmap="coolwarm", vmin=-1.5, vmax=1.5, alpha=0.35, aspect="auto",
                       interpolation="nearest")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=30, zorder=2)
    (line,) = ax.plot([], [], "k-", lw=2)
    (ring,) = ax.plot([], [], "o", ms=16, mfc="none", mec="k", mew=2, zorder=3)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(f"{title}\n", fontsize=10)  # room for the frames' two lines

    def draw(i):
        w, b = u["coef"][i, 0], u["intercept"][i, 0]
        region.set_data(np.where(grid @ w + b > 0, 1.0, -1.0).reshape(xx.shape))
        line.set_data(*_line_points(w, b, (x0, x1), (y0, y1)))
        ring.set_data([X[u["sample"][i], 0]], [X[u["sample"][i], 1]])
        d, y_out = u["target"][i, 0], u["output"][i, 0]
        n_updates = len(u["sample"])
        ax.set_title(f"{title}\nepoch {u['epoch'][i]}, update {i + 1} of {n_updates}: "
                     f"d = {d:+d}, y = {y_out:+d}", fontsize=10)
        return region, line, ring

    fig.tight_layout()
    return FuncAnimation(fig, draw, frames=frames, interval=interval, blit=False)


def _line_points(w, b, xlim, ylim):
    """Two points of w.x + b = 0 spanning the plot (nothing while w = 0)."""
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:
        xs = np.array(xlim)
        return xs, -(w[0] * xs + b) / w[1]
    if w[0] != 0:
        ys = np.array(ylim)
        return -(w[1] * ys + b) / w[0], ys
    return [], []


# %%
# The logical AND
# ---------------
X_and, y_and = make_logic_gate("and")
clf_and = PerceptronClassifier(shuffle=False, tol=None, record_updates=True)
clf_and.fit(X_and, y_and)
print("AND: updates per epoch", np.bincount(clf_and.updates_["epoch"])[1:],
      "errors_", clf_and.errors_)
anim_and = animate_updates(X_and, y_and, clf_and, "AND")

# %%
# Two overlapping Gaussian classes
# --------------------------------
# Three epochs over 100 points; every seventh update is a frame.
X_gauss, y_gauss = make_gaussian_classes((50, 50), random_state=0)
clf_gauss = PerceptronClassifier(max_iter=3, tol=None, record_updates=True,
                                 random_state=0)
clf_gauss.fit(X_gauss, y_gauss)
n_updates = len(clf_gauss.updates_["sample"])
print("Gaussian classes:", n_updates, "updates, errors_ per epoch", clf_gauss.errors_)
anim_gauss = animate_updates(X_gauss, y_gauss, clf_gauss, "two Gaussian classes",
                             frames=np.arange(0, n_updates, 7), interval=400)
plt.show()
