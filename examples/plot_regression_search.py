"""
A regression search over the learning rate and the L2 penalty
=============================================================

:class:`skmlp.model_selection.MLPGridSearchCV` chooses the learning rate eta
(``learning_rate_init``) and the penalty lambda (``alpha``: the lambda of
``E + lambda/2 ||W||^2``, E averaged over the S samples, is ``alpha / S``) of a
:class:`skmlp.ManualMLPRegressor` inside a pipeline with a
:class:`~sklearn.preprocessing.StandardScaler`, by 5-fold cross-validation on
scikit-learn's diabetes data (disease progression one year on, from ten
measurements). The candidates that differ only in eta and lambda train
together, as one stack of networks per fold, and score exactly as
:class:`sklearn.model_selection.GridSearchCV` scores them one by one: the
example runs both and compares.

Each cell of the heatmap is one (eta, lambda) pair and its mean
cross-validated R². Too small a learning rate does not get far in the epochs
allowed; a large penalty shrinks the weights until the network underfits.
(Larger learning rates, or alpha=100 here, make SGD diverge: those fits fail
with skmlp's divergence error, which the searches record as ``error_score``,
NaN by default.)
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPRegressor
from skmlp.model_selection import MLPGridSearchCV

X, y = load_diabetes(return_X_y=True)
y = (y - y.mean()) / y.std()  # a target of unit scale: one learning rate suits it

learning_rates = [1e-3, 3e-3, 1e-2, 3e-2]
alphas = [1e-4, 1e-2, 1.0, 10.0]
pipe = make_pipeline(
    StandardScaler(),
    ManualMLPRegressor(hidden_layer_sizes=(32,), solver="sgd", batch_size=32,
                       max_iter=40, tol=0.0, random_state=0),
)
param_grid = {"manualmlpregressor__learning_rate_init": learning_rates,
              "manualmlpregressor__alpha": alphas}

searches = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of epochs
    for search_class in (MLPGridSearchCV, GridSearchCV):
        searches[search_class.__name__] = search_class(pipe, param_grid, cv=5).fit(X, y)
ours, theirs = searches["MLPGridSearchCV"], searches["GridSearchCV"]
difference = np.abs(ours.cv_results_["mean_test_score"]
                    - theirs.cv_results_["mean_test_score"]).max()
print("best parameters:", ours.best_params_, "(GridSearchCV's:", theirs.best_params_, ")")
print(f"best cross-validated R2: {ours.best_score_:.3f}; largest score difference "
      f"from GridSearchCV: {difference:.1e}")

# %%
# The scores against the grid.
scores = np.empty((len(alphas), len(learning_rates)))
for params, score in zip(ours.cv_results_["params"], ours.cv_results_["mean_test_score"]):
    i = alphas.index(params["manualmlpregressor__alpha"])
    j = learning_rates.index(params["manualmlpregressor__learning_rate_init"])
    scores[i, j] = score
fig, ax = plt.subplots(figsize=(5.5, 4.5))
image = ax.imshow(scores, vmin=min(0.0, scores.min()), vmax=max(0.6, scores.max()),
                  cmap="viridis", origin="lower")
for (i, j), score in np.ndenumerate(scores):
    ax.text(j, i, f"{score:.2f}", ha="center", va="center",
            color="w" if score < 0.3 else "k")
ax.set_xticks(range(len(learning_rates)), [str(v) for v in learning_rates])
ax.set_yticks(range(len(alphas)), [str(v) for v in alphas])
ax.set(xlabel="learning_rate_init (eta)", ylabel="alpha (L2 penalty)",
       title="ManualMLPRegressor on diabetes: mean 5-fold CV R²")
fig.colorbar(image, ax=ax, label="mean CV R²", shrink=0.8)
plt.show()
