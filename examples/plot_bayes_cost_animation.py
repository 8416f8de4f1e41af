"""
The Bayes boundary moves with the costs
=======================================

The minimum-risk Bayes classifier decides the class :math:`i` of least
conditional risk :math:`R(i \\mid x) = \\sum_j c_{ij} P(j \\mid x)`. With two
classes and no cost for a right decision it decides class 1 where

.. math::

   c_{12}\\, P(2 \\mid x) < c_{21}\\, P(1 \\mid x),

so only the ratio :math:`c_{12} / c_{21}` matters: deciding class 1 when the
truth is class 2 costs :math:`c_{12}`, the opposite mistake :math:`c_{21}`.
Each frame refits :class:`skmlp.GaussianBayesClassifier` with
``cost_matrix = [[0, r], [1, 0]]`` for a ratio :math:`r = c_{12}/c_{21}`
doubling from 1/16 to 16, on two Gaussian classes (class 1
around (1, 2) with unit spread, class 2 around (0, 0) with spread
:math:`\\sqrt 2`). The Gaussian fits, and so the posteriors, stay the same;
only the level of the posterior ratio at which the decision flips moves:
the boundary is the quadric where :math:`\\ln P(1 \\mid x) - \\ln P(2 \\mid x)
= \\ln r`. As class 1 becomes expensive to decide, its region shrinks towards
its mean, and the training error rates of the two kinds move the other way.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from skmlp import GaussianBayesClassifier
from skmlp.datasets import make_gaussian_classes

X, y = make_gaussian_classes((200, 200), sigmas=(1.0, np.sqrt(2.0)), random_state=0)
ratios = np.geomspace(1 / 16, 16, 9)  # doubling
models = [GaussianBayesClassifier(cost_matrix=[[0, r], [1, 0]]).fit(X, y) for r in ratios]

xx, yy = np.meshgrid(np.linspace(-4.5, 5, 100), np.linspace(-4.5, 6, 100))
grid = np.column_stack([xx.ravel(), yy.ravel()])
# decision_function > 0 exactly where class 2 (classes_[1]) is decided
decided_2 = [m.decision_function(grid).reshape(xx.shape) > 0 for m in models]
predictions = [m.predict(X) for m in models]
missed_1 = [np.mean(p[y == 1] != 1) for p in predictions]  # class 1 called 2
missed_2 = [np.mean(p[y == 2] != 2) for p in predictions]  # class 2 called 1

fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(9, 4.2), dpi=80,
                                 gridspec_kw={"width_ratios": [1.1, 1]})
region = ax.imshow(decided_2[0], extent=(xx.min(), xx.max(), yy.min(), yy.max()),
                   origin="lower", cmap="coolwarm", vmin=-0.5, vmax=1.5, alpha=0.35,
                   aspect="auto", interpolation="nearest")
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=8, edgecolors="none")
ax.set(xlabel="$x_1$", ylabel="$x_2$")
ax_err.plot(ratios, missed_1, color="C3", label="class 1 decided as 2")
ax_err.plot(ratios, missed_2, color="C0", label="class 2 decided as 1")
marker = ax_err.axvline(ratios[0], color="k", lw=1)
ax_err.set(xscale="log", xlabel="cost ratio $c_{12} / c_{21}$",
           ylabel="training error rate", title="the two kinds of error")
ax_err.legend(loc="upper center")


def draw(frame):
    region.set_data(decided_2[frame])
    marker.set_xdata([ratios[frame]])
    ax.set_title(f"$c_{{12}} / c_{{21}}$ = {ratios[frame]:.3g}: class 1 (blue) is "
                 "decided in the blue region", fontsize=10)
    return region, marker


draw(len(ratios) // 2)  # the still image: equal costs
fig.tight_layout()
anim = FuncAnimation(fig, draw, frames=len(ratios), interval=500)
plt.show()
