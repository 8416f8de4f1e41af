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

The figure puts every cross-validated score of one search against the other's
and compares the wall times.
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
for Search in (GridSearchCV, MLPGridSearchCV):
    name = Search.__name__
    start = time.perf_counter()
    with warnings.catch_warnings():
        # 10 epochs on purpose: the networks stop before they converge
        warnings.simplefilter("ignore", ConvergenceWarning)
        searches[name] = Search(pipe, param_grid, cv=3).fit(X, y)
    timings[name] = time.perf_counter() - start
    best = {key.split("__")[1]: value
            for key, value in searches[name].best_params_.items()}
    print(f"{name}: {timings[name]:.2f} s, best score "
          f"{searches[name].best_score_:.4f}\n    with {best}")

one_by_one = searches["GridSearchCV"]
stacked = searches["MLPGridSearchCV"]
same = (stacked.best_params_ == one_by_one.best_params_
        and np.array_equal(stacked.cv_results_["mean_test_score"],
                           one_by_one.cv_results_["mean_test_score"]))
speed_up = timings["GridSearchCV"] / timings["MLPGridSearchCV"]
print(f"identical results: {same}; speed-up {speed_up:.1f}x")

# %%
# Left: every (candidate, fold) test score of one search against the other's:
# all on the diagonal. Right: the wall time of each search (the heatmaps of
# these scores are in the GridSearchCV example of this gallery).
splits = [f"split{i}_test_score" for i in range(stacked.n_splits_)]
ours = np.concatenate([stacked.cv_results_[key] for key in splits])
theirs = np.concatenate([one_by_one.cv_results_[key] for key in splits])
fig, (ax_scores, ax_time) = plt.subplots(1, 2, figsize=(9, 4),
                                         constrained_layout=True)
ax_scores.plot([0, 1], [0, 1], color="0.7", lw=1)
ax_scores.scatter(theirs, ours, s=18)
ax_scores.set(xlabel="GridSearchCV: test accuracy per candidate and fold",
              ylabel="MLPGridSearchCV", title="identical scores",
              aspect="equal")
names = list(timings)
ax_time.barh(names, [timings[name] for name in names],
             color=["0.6", "tab:blue"])
ax_time.set(xlabel="wall time (s)", title=f"{speed_up:.1f}x faster")
if __name__ == "__main__" and plt.get_backend().lower() != "agg":
    plt.show()
