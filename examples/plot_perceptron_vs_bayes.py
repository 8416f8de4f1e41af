"""
Perceptron versus the Bayes classifier on two classes in the plane
==================================================================

Two classes in the plane: class 1 around (1, 2) with spread sigma_1, class 2
around (0, 0) with spread sigma_2. For each setting, Rosenblatt's
perceptron (:class:`skmlp.PerceptronClassifier`, w(0) = 0, the rule
w <- w + eta (d - y) x) draws its line, and the minimum-risk Bayes classifier
(:class:`skmlp.GaussianBayesClassifier`, 0-1 cost, priors = class frequencies)
draws its boundary: the contour where its ``decision_function`` is 0.

* Gaussian classes, sigma 1 and 1, 500 + 500 points: the Bayes boundary is the
  line 2x + 4y - 5 = 0 and the perceptron finds a line close to it.
* sigma 1 and sqrt 2: the Bayes boundary becomes a circle,
  (x - 2)^2 + (y - 4)^2 = 10 + 4 ln 2 with equal priors (a common slip drops
  the densities' normalising constants and gets 10); the perceptron can only
  draw a line.
* sigma 1 and sqrt 2 with 700 + 1400 points (priors 1/3 and 2/3): the circle
  shrinks to radius^2 = 10; the perceptron's line moves too, and its error
  curve shows how it keeps jumping on overlapping data.
* Uniform discs of radius^2 = 2 sigma^2, dashed: the exact
  Bayes boundary. With equal discs (and with sigma_2 = sqrt 2 and priors 1/3,
  2/3) the overlap is a tie, so any split of it is optimal and the radical-axis
  line (2x + 4y = 5, resp. 7) is drawn; with sigma_2 = sqrt 2 and equal priors
  the whole disc of class 1 wins, and the boundary is that disc's circle
  (x - 1)^2 + (y - 2)^2 = 2, not the radical axis. The Gaussian Bayes
  classifier fitted to the same points is shown too. On the nearly separable
  discs the perceptron's error curve falls fast.

The plain perceptron never settles on overlapping data: its line is wherever
the last update left it (it can swing far, even out of the picture), which is
why its training curve looks "strange". The averaged perceptron
(``average=True``, the mean of w(n) over all steps) gives the steady line.
The lower panels are the per-epoch training errors ``errors_``.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from skmlp import GaussianBayesClassifier, PerceptronClassifier
from skmlp.datasets import make_gaussian_classes, make_uniform_discs

SQRT2 = np.sqrt(2.0)
SETTINGS = {
    "Gaussians": [
        ("sigma 1, 1; 500 + 500", (500, 500), (1.0, 1.0), None),
        ("sigma 1, sqrt 2; 500 + 500", (500, 500), (1.0, SQRT2), None),
        ("sigma 1, sqrt 2; 700 + 1400", (700, 1400), (1.0, SQRT2), None),
    ],
    "Uniform discs": [  # an exact Bayes boundary g(x, y) = 0
        ("sigma 1, 1; 500 + 500", (500, 500), (1.0, 1.0),
         lambda x, y: 2 * x + 4 * y - 5),  # tie in the overlap: one optimum
        ("sigma 1, sqrt 2; 500 + 500", (500, 500), (1.0, SQRT2),
         lambda x, y: (x - 1) ** 2 + (y - 2) ** 2 - 2),  # class 1's disc wins
        ("sigma 1, sqrt 2; 700 + 1400", (700, 1400), (1.0, SQRT2),
         lambda x, y: 2 * x + 4 * y - 7),  # tie in the overlap: one optimum
    ],
}
MAX_EPOCHS = 20


def fit_models(X, y):
    """The plain and averaged perceptron and the Gaussian Bayes classifier."""
    plain = PerceptronClassifier(max_iter=MAX_EPOCHS, tol=None, random_state=0)
    averaged = PerceptronClassifier(
        max_iter=MAX_EPOCHS, tol=None, random_state=0, average=True
    )
    bayes = GaussianBayesClassifier()
    return [model.fit(X, y) for model in (plain, averaged, bayes)]


def draw_setting(ax_data, ax_curve, X, y, models, bayes_boundary, title):
    """Scatter the data, draw the three boundaries and the error curve."""
    plain, averaged, bayes = models
    for label, color in ((1, "tab:blue"), (2, "tab:orange")):
        ax_data.scatter(*X[y == label].T, s=3, alpha=0.35, color=color)
    xx, yy = np.meshgrid(np.linspace(-5, 6, 200), np.linspace(-5, 7, 200))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    for model, color, style in (
        (bayes, "black", "solid"),
        (plain, "tab:red", "solid"),
        (averaged, "tab:green", "solid"),
    ):
        zz = model.decision_function(grid).reshape(xx.shape)
        ax_data.contour(xx, yy, zz, levels=[0.0], colors=color, linestyles=style)
    if bayes_boundary is not None:
        ax_data.contour(xx, yy, bayes_boundary(xx, yy), levels=[0.0], colors="black",
                        linestyles="dashed", linewidths=1)
    ax_data.set(xlim=(-5, 6), ylim=(-5, 7), title=title, aspect="equal")
    rate = np.asarray(plain.errors_) / len(y)
    ax_curve.plot(np.arange(1, len(rate) + 1), rate, color="tab:red")
    ax_curve.set(xlabel="epoch", ylabel="error rate", ylim=(0, None))
    ax_curve.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # whole epochs


# Lettered to be read at the docs' column width (text of 10 px or more): a
# 13-inch figure is shown about 690 px wide.
@plt.rc_context({"font.size": 15})
def plot_family(name, settings, sampler):
    fig, axes = plt.subplots(
        2, len(settings), figsize=(4.4 * len(settings), 7.4),
        gridspec_kw={"height_ratios": [3, 1]},
    )
    for column, (title, sizes, sigmas, bayes_boundary) in enumerate(settings):
        X, y = sampler(n_samples=sizes, sigmas=sigmas, random_state=column)
        models = fit_models(X, y)
        draw_setting(axes[0, column], axes[1, column], X, y, models, bayes_boundary,
                     title)
    handles = [
        Line2D([], [], color="black", label="Gaussian Bayes (decision_function = 0)"),
        Line2D([], [], color="tab:red", label="perceptron (Rosenblatt)"),
        Line2D([], [], color="tab:green", label="averaged perceptron"),
        Line2D([], [], color="black", ls="--", label="exact Bayes boundary (discs)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2)
    fig.suptitle(f"{name}: class 1 (blue) around (1, 2), class 2 (orange) around (0, 0)")
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig


plot_family("Gaussian classes", SETTINGS["Gaussians"], make_gaussian_classes)
plt.show()

# %%
# The same three settings with uniform discs instead of Gaussians (dashed:
# the exact Bayes boundary of the discs).
plot_family("Uniform discs", SETTINGS["Uniform discs"], make_uniform_discs)
plt.show()
