"""
Minimum-risk Bayes boundaries: how priors and costs move them
==============================================================

Two Gaussian classes: class 1 ~ N((1, 2), s1^2 I) and
class 2 ~ N((0, 0), s2^2 I). A :class:`~skmlp.GaussianBayesClassifier` decides
the class of least conditional risk R(i | x) = sum_j C[i, j] P(j | x), and for
two classes its boundary is the quadric printed by ``str(decision_boundary())``
(positive on the side where class 2 is decided).

* Left, s1 = s2 = 1 (settings a, b of the user guide): a shared covariance, so every boundary is a
  line; with equal priors and 0-1 costs it is 2*x0 + 4*x1 - 5 = 0 up to
  sampling noise and scale.
* Right, s1 = 1, s2 = sqrt(2) (settings c to f): circles around (2, 4). With
  equal priors the radius^2 is 10 + 4 ln 2 (the Gaussians' normalising
  constants do not cancel); with priors 1/3, 2/3 it is exactly 10.

Changing the priors or the costs only adds a constant to the log-likelihood
ratio: ln(p2/p1) + ln((C[0, 1] - C[1, 1]) / (C[1, 0] - C[0, 0])). The boundary
moves but keeps its shape. Making it expensive to call a class-2 point
"class 1" (C[0, 1] = 4) shrinks the region of class 1; the reverse grows it.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from skmlp import GaussianBayesClassifier
from skmlp.datasets import make_gaussian_classes

# (label, priors, cost_matrix); cost_matrix[i, j] = cost of deciding class
# i + 1 when the truth is class j + 1.
SETTINGS = [
    ("p = (1/2, 1/2), 0-1 cost", [0.5, 0.5], None),
    ("p = (1/3, 2/3), 0-1 cost", [1 / 3, 2 / 3], None),
    ("p = (1/2, 1/2), C[0,1] = 4", [0.5, 0.5], [[0, 4], [1, 0]]),
    ("p = (1/2, 1/2), C[1,0] = 4", [0.5, 0.5], [[0, 1], [4, 0]]),
]
COLORS = ["k", "tab:green", "tab:red", "tab:purple"]
# The covariance model that matches each data set: one shared covariance
# ('tied': exact lines) or one variance per class ('spherical').
PROBLEMS = [("s1 = s2 = 1, 'tied': lines", (1.0, 1.0), "tied"),
            ("s1 = 1, s2 = sqrt(2), 'spherical': circles", (1.0, np.sqrt(2.0)),
             "spherical")]

xx, yy = np.meshgrid(np.linspace(-4, 7, 300), np.linspace(-4, 9, 300))
grid = np.c_[xx.ravel(), yy.ravel()]

# Sized so that the printed equations stay readable at the docs' column width;
# each panel's legend (the equations) has an empty axes of its own below it.
fig, (axes, legend_axes) = plt.subplots(2, 2, figsize=(9.6, 8.4), layout="constrained",
                                        height_ratios=[3, 1.35])
for ax, legend_ax, (title, sigmas, covariance_type) in zip(axes, legend_axes, PROBLEMS):
    X, y = make_gaussian_classes((500, 500), sigmas=sigmas, random_state=0)
    handles = [ax.scatter(*X[y == k].T, s=4, alpha=0.35, color=color, label=f"class {k}")
               for k, color in ((1, "tab:blue"), (2, "tab:orange"))]
    print(title)
    for (label, priors, cost), color in zip(SETTINGS, COLORS):
        clf = GaussianBayesClassifier(covariance_type=covariance_type, priors=priors,
                                      cost_matrix=cost).fit(X, y)
        boundary = clf.decision_boundary()
        ax.contour(xx, yy, boundary(grid).reshape(xx.shape), levels=[0], colors=color)
        handles.append(Line2D([], [], color=color, label=f"{label}:\n{boundary}"))
        print(f"  {label:28s} {boundary}")
    ax.set(xlabel="x0", ylabel="x1", aspect="equal",
           xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()))
    ax.set_title(title, fontsize=12)
    ax.tick_params(labelsize=11)
    legend_ax.axis("off")
    legend_ax.legend(handles=handles, loc="upper center", fontsize=11, ncol=1,
                     borderaxespad=0)
fig.suptitle("Minimum-risk Bayes boundaries on two Gaussian classes (500 + 500 points)",
             fontsize=13)
plt.show()
