"""
Successive halving over epochs
==============================

:class:`skmlp.model_selection.MLPHalvingGridSearchCV` is scikit-learn's
``HalvingGridSearchCV`` for a :class:`skmlp.ManualMLPClassifier` (here inside a Pipeline with a
:class:`~sklearn.preprocessing.StandardScaler`). With
``resource="manualmlpclassifier__max_iter"`` the resource it hands out is
epochs: every candidate of the grid trains 1 epoch, the best third go on to
3 epochs, the best third of those to 9, and the last one to 27. Most
candidates are dropped after a few cheap epochs; only the promising ones
train long.

A network trained 3 epochs and then 6 more is the network trained 9 epochs,
when its shuffles, learning-rate schedule, optimizer state and stopping
counters carry on. The search stacks the candidates of each round that share
a network shape, and a survivor can continue from the state it reached
instead of starting again: the same search, fewer epochs.

The figure follows each candidate's cross-validated score against the epochs
it was given, and counts what the search trains.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPClassifier
from skmlp.model_selection import MLPHalvingGridSearchCV

X, y = load_digits(return_X_y=True)
X, y = X[:1000], y[:1000]

pipe = make_pipeline(StandardScaler(), ManualMLPClassifier(
    solver="sgd", batch_size=64, random_state=0))
param_grid = {
    "manualmlpclassifier__learning_rate_init": [0.01, 0.03, 0.1],
    "manualmlpclassifier__alpha": [1e-4, 1e-2, 1.0],
    "manualmlpclassifier__hidden_layer_sizes": [(16,), (32,), (64,)],
}
search = MLPHalvingGridSearchCV(
    pipe, param_grid, resource="manualmlpclassifier__max_iter", max_resources=27,
    factor=3, cv=3)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 1-epoch rounds on purpose
    search.fit(X, y)
print(f"rounds: {search.n_candidates_} candidates, {search.n_resources_} epochs")
print(f"best {search.best_params_}, score {search.best_score_:.4f}")

# %%
# What the search trains, in network-epochs per fold: the full grid at 27
# epochs, the halving rounds retrained from scratch (as scikit-learn does),
# and the halving rounds with survivors that continue (each candidate trains
# the epochs of the last round it reaches, once).
candidates, epochs = np.array(search.n_candidates_), np.array(search.n_resources_)
dropped = candidates - np.append(candidates[1:], 0)  # candidates whose last round it is
full_grid = candidates[0] * epochs[-1]
retrained = int(candidates @ epochs)
continued = int(dropped @ epochs)
print(f"network-epochs per fold: full grid {full_grid}, halving retrained {retrained}, "
      f"halving continued {continued}")

# %%
# Left: each candidate's mean test accuracy after each round it took part in,
# coloured by its learning rate; the lines that go on to the right are the
# survivors. After one epoch the largest learning rate leads: halving over
# epochs favours the candidates that learn fastest at first (a larger
# ``min_resources`` softens this). Right: the network-epochs per fold of each
# way to search.
results = search.cv_results_
key = "manualmlpclassifier__max_iter"
identity = [tuple(sorted((k, repr(v)) for k, v in params.items() if k != key))
            for params in results["params"]]
rates = param_grid["manualmlpclassifier__learning_rate_init"]
colors = dict(zip(rates, ["tab:blue", "tab:orange", "tab:green"]))
fig, (ax_rounds, ax_cost) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
for candidate in dict.fromkeys(identity):
    rows = [i for i, c in enumerate(identity) if c == candidate]
    rate = results["params"][rows[0]]["manualmlpclassifier__learning_rate_init"]
    ax_rounds.plot(results["n_resources"][rows], results["mean_test_score"][rows],
                   marker="o", ms=3, lw=1, color=colors[rate], alpha=0.8)
for rate, color in colors.items():
    ax_rounds.plot([], [], color=color, label=f"learning_rate_init={rate}")
ax_rounds.set(xscale="log", xticks=epochs, xticklabels=epochs, xlabel="epochs (max_iter)",
              ylabel="mean test accuracy (3 folds)",
              title=" -> ".join(f"{n}" for n in candidates) + " candidates")
ax_rounds.legend(loc="lower right", fontsize=8)
ways = {"full grid": full_grid, "halving,\nretrained": retrained,
        "halving,\ncontinued": continued}
ax_cost.barh(list(ways), list(ways.values()), color=["0.6", "0.6", "tab:blue"])
ax_cost.invert_yaxis()
ax_cost.set(xlabel="network-epochs per fold", title="what each way trains")
if __name__ == "__main__" and plt.get_backend().lower() != "agg":
    plt.show()
