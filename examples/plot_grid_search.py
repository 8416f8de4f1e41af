"""
Choosing the learning rate, the L2 penalty and the hidden sizes by cross-validation
===================================================================================

Textbook examples train with a learning rate eta and a penalty lambda chosen by hand.
Here :class:`sklearn.model_selection.GridSearchCV` chooses them, together with
the hidden layer sizes, by 3-fold cross-validation of a
:class:`skmlp.ManualMLPClassifier` inside a pipeline with a
:class:`~sklearn.preprocessing.StandardScaler`, on scikit-learn's small 8x8
digits dataset. ``alpha`` is the penalty of ``alpha / (2 S) ||W||^2``: the
lambda of ``E + lambda/2 ||W||^2`` (E averaged over the S samples) is ``alpha / S``.

Each panel of the heatmap is one hidden-layer shape; each cell the mean
cross-validated accuracy of one (learning rate, alpha) pair. Too small a
learning rate does not get far in the few epochs allowed; a large alpha
shrinks the weights until the network underfits.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPClassifier

X, y = load_digits(return_X_y=True)
X, y = X[:900], y[:900]

learning_rates = [0.001, 0.01, 0.1]
alphas = [1e-3, 3e1, 3e2]
hidden_sizes = [(16,), (64, 32)]
pipe = make_pipeline(
    StandardScaler(),
    ManualMLPClassifier(solver="sgd", momentum=0.9, max_iter=15, random_state=0),
)
param_grid = {
    "manualmlpclassifier__learning_rate_init": learning_rates,
    "manualmlpclassifier__alpha": alphas,
    "manualmlpclassifier__hidden_layer_sizes": hidden_sizes,
}
search = GridSearchCV(pipe, param_grid, cv=3, n_jobs=2)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs on purpose
    search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

results = search.cv_results_
fig, axes = plt.subplots(1, len(hidden_sizes), figsize=(9, 4), sharey=True)
for ax, sizes in zip(axes, hidden_sizes):
    scores = np.empty((len(alphas), len(learning_rates)))
    for params, score in zip(results["params"], results["mean_test_score"]):
        if params["manualmlpclassifier__hidden_layer_sizes"] == sizes:
            i = alphas.index(params["manualmlpclassifier__alpha"])
            j = learning_rates.index(params["manualmlpclassifier__learning_rate_init"])
            scores[i, j] = score
    image = ax.imshow(scores, vmin=0, vmax=1, cmap="viridis", origin="lower")
    for (i, j), score in np.ndenumerate(scores):
        ax.text(j, i, f"{score:.2f}", ha="center", va="center",
                color="w" if score < 0.6 else "k")
    ax.set_xticks(range(len(learning_rates)), [str(v) for v in learning_rates])
    ax.set_yticks(range(len(alphas)), [str(v) for v in alphas])
    ax.set(xlabel="learning_rate_init (eta)", title=f"hidden_layer_sizes={sizes}")
axes[0].set_ylabel("alpha (L2 penalty)")
fig.colorbar(image, ax=axes, label="mean CV accuracy", shrink=0.8)
plt.show()
