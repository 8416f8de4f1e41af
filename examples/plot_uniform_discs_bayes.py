"""
Two uniform discs: the exact Bayes regions
==========================================

Class 1 is uniform on the disc (x-1)^2 + (y-2)^2 < 2 s1^2, class 2 on
x^2 + y^2 < 2 s2^2, with densities k_j = 1 / (2 pi s_j^2). A
:class:`~skmlp.DensityBayesClassifier` given the two known densities
(:class:`skmlp.datasets.UniformDisc`, which have ``logpdf``) decides the class
of least risk exactly, in log space: a zero density is ln 0 = -inf, and where
neither class has mass the posterior is the priors.

Only the overlap of the discs needs a decision, and there the likelihood ratio
is the constant k1 / k2:

* (a) s1 = s2 = 1, equal priors: p1 k1 = p2 k2 on the overlap, a tie. Every
  split of it is Bayes-optimal; the classifier takes the first class (class 1).
  The radical axis 2x + 4y = 5 of the two circles (dashed) is one of the
  optimal rules, not the only one.
* (c) s2 = sqrt(2), equal priors: k1 = 2 k2, so class 1 takes its whole disc,
  overlap included: the boundary is the arc of circle 1, not the radical axis
  2x + 4y = 7, which gives part of the overlap to class 2 and has a larger risk.
* (e) s2 = sqrt(2), priors 1/3 and 2/3: p1 k1 = p2 k2 again, a tie on the
  overlap (class 1 decided); outside both discs the larger prior decides
  class 2.

The hatched area is the overlap; the dashed line is the radical axis, the
answer a common slip gives for every case (see the user guide's risk page).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle

from skmlp import DensityBayesClassifier
from skmlp.datasets import UniformDisc, make_uniform_discs

PARTS = [("(a) s2 = 1, p = (1/2, 1/2)", 1.0, (500, 500), 5.0),
         ("(c) s2 = sqrt(2), p = (1/2, 1/2)", np.sqrt(2.0), (500, 500), 7.0),
         ("(e) s2 = sqrt(2), p = (1/3, 2/3)", np.sqrt(2.0), (700, 1400), 7.0)]

xx, yy = np.meshgrid(np.linspace(-3, 3.5, 300), np.linspace(-3, 4, 300))
grid = np.c_[xx.ravel(), yy.ravel()]

# Sized so that the labels stay readable at the docs' column width.
fig, axes = plt.subplots(1, 3, figsize=(9.6, 4.7), layout="constrained")
for ax, (title, sigma2, sizes, line_c) in zip(axes, PARTS):
    X, y = make_uniform_discs(sizes, sigmas=(1.0, sigma2), random_state=0)
    discs = [UniformDisc((1, 2), 1.0), UniformDisc((0, 0), sigma2)]
    clf = DensityBayesClassifier(discs).fit(X, y)  # priors: the class frequencies
    decided = clf.predict(grid).reshape(xx.shape)
    ax.contourf(xx, yy, decided, levels=[0.5, 1.5, 2.5], colors=["#c6dbef", "#fdd0a2"])
    in_both = np.isfinite(discs[0].logpdf(grid)) & np.isfinite(discs[1].logpdf(grid))
    ax.contourf(xx, yy, in_both.reshape(xx.shape), levels=[0.5, 1.5], colors="none",
                hatches=["//"])
    for disc, color in zip(discs, ("tab:blue", "tab:orange")):
        ax.add_patch(Circle(disc.center, np.sqrt(disc.radius2), fill=False, color=color))
    x = np.linspace(-3, 3.5, 2)
    ax.plot(x, (line_c - 2 * x) / 4, "k--", lw=1, label=f"2x + 4y = {line_c:g}")
    overlap = clf.predict_proba(np.array([[0.8, 0.9]]))[0]  # a point of the overlap
    ax.set(xlabel="x", ylabel="y", aspect="equal", xlim=(-3, 3.5), ylim=(-3, 4))
    ax.set_title(f"{title}\nP(C1 | overlap) = {overlap[0]:.3f}\n"
                 f"outside the discs: class {clf.predict([[3.0, -2.5]])[0]}", fontsize=12)
    ax.tick_params(labelsize=11)
    ax.legend(loc="lower left", fontsize=11)
    print(f"{title}: priors {np.round(clf.class_prior_, 3)}, posterior on the overlap "
          f"{np.round(overlap, 3)}")
fig.suptitle("Exact minimum-risk regions for uniform discs "
             "(blue: class 1, orange: class 2)",
             fontsize=13)
plt.show()
