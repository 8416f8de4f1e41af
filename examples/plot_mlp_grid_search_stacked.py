"""
The same grid search, one fit at a time and stacked
===================================================

:class:`skmlp.model_selection.MLPGridSearchCV` is
:class:`sklearn.model_selection.GridSearchCV` for a
:class:`skmlp.ManualMLPClassifier` (here inside a Pipeline with a
:class:`~sklearn.preprocessing.StandardScaler`) that trains the candidates of
each fold together: the candidates that differ only in the learning rate and
the penalty ``alpha`` are one stack of networks, trained in one pass over the
minibatches. Each network trains bit for bit as it would alone, so both
searches give the same ``cv_results_`` and the same best candidate; the
stacked one pays the per-minibatch overhead once per stack instead of once per
candidate.

The heatmaps show the mean cross-validated accuracy of every candidate, one
panel per hidden-layer shape (one stack per shape and fold).
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPClassifier
from skmlp.model_selection import MLPGridSearchCV

X, y = load_digits(return_X_y=True)
X, y = X[:1000], y[:1000]

learning_rates = [0.001, 0.01, 0.1]
alphas = [1e-4, 1e-2, 1.0]
hidden_sizes = [(32,), (64, 32)]
pipe = make_pipeline(StandardScaler(), ManualMLPClassifier(
    solver="sgd", batch_size=64, max_iter=10, random_state=0))
param_grid = {
    "manualmlpclassifier__learning_rate_init": learning_rates,
    "manualmlpclassifier__alpha": alphas,
    "manualmlpclassifier__hidden_layer_sizes": hidden_sizes,
}

timings = {}
searches = {}
for name, Search in [("GridSearchCV", GridSearchCV), ("MLPGridSearchCV", MLPGridSearchCV)]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 10 epochs on purpose
        searches[name] = Search(pipe, param_grid, cv=3).fit(X, y)
    timings[name] = time.perf_counter() - start
    print(f"{name:>16}: {timings[name]:.2f} s, best {searches[name].best_params_}, "
          f"score {searches[name].best_score_:.4f}")

one_by_one, stacked = searches["GridSearchCV"], searches["MLPGridSearchCV"]
same = (stacked.best_params_ == one_by_one.best_params_ and np.array_equal(
    stacked.cv_results_["mean_test_score"], one_by_one.cv_results_["mean_test_score"]))
print(f"identical results: {same}; "
      f"speed-up {timings['GridSearchCV'] / timings['MLPGridSearchCV']:.1f}x")

# %%
# The scores of every candidate, one panel per hidden-layer shape.
results = stacked.cv_results_
fig, axes = plt.subplots(1, len(hidden_sizes), figsize=(4.2 * len(hidden_sizes), 3.6),
                         constrained_layout=True)
for ax, hidden in zip(axes, hidden_sizes):
    scores = np.empty((len(alphas), len(learning_rates)))
    for params, score in zip(results["params"], results["mean_test_score"]):
        if params["manualmlpclassifier__hidden_layer_sizes"] == hidden:
            i = alphas.index(params["manualmlpclassifier__alpha"])
            j = learning_rates.index(params["manualmlpclassifier__learning_rate_init"])
            scores[i, j] = score
    image = ax.imshow(scores, vmin=0, vmax=1, cmap="viridis", origin="lower")
    for (i, j), score in np.ndenumerate(scores):
        ax.text(j, i, f"{score:.2f}", ha="center", va="center",
                color="white" if score < 0.6 else "black")
    ax.set_xticks(range(len(learning_rates)), [str(v) for v in learning_rates])
    ax.set_yticks(range(len(alphas)), [str(v) for v in alphas])
    ax.set_xlabel("learning_rate_init")
    ax.set_ylabel("alpha")
    ax.set_title(f"hidden {hidden}")
fig.colorbar(image, ax=axes, label="mean CV accuracy")
fig.suptitle("MLPGridSearchCV: the same scores as GridSearchCV, "
             f"{timings['GridSearchCV'] / timings['MLPGridSearchCV']:.1f}x faster here")
plt.show()
