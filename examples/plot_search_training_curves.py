"""
Training and validation curves of the best network of a grid search
===================================================================

:class:`~skmlp.model_selection.MLPGridSearchCV` chooses the learning rate
:math:`\\eta` and the L2 penalty of a :class:`~skmlp.ManualMLPClassifier` by
3-fold cross-validation, inside a Pipeline that standardises the 8x8 digits
first. Every candidate trains with early stopping: a tenth of its training
data is held out, and training stops once the accuracy on it has not improved
for 10 epochs; the network keeps the weights of its best epoch.

:class:`~skmlp.TrainingCurveDisplay` takes the fitted search itself and plots
the network the search refitted with the best parameters (its
``best_estimator_``, and in it the Pipeline's final step): left, the training
loss and the loss on the held-out tenth per epoch; right, the accuracy on the
held-out tenth, the score early stopping watches. The dotted line marks the
best epoch, whose weights the network keeps; the epochs after it lower the
training loss but no longer the held-out one.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPClassifier, TrainingCurveDisplay
from skmlp.model_selection import MLPGridSearchCV

X, y = load_digits(return_X_y=True)
network = ManualMLPClassifier(
    hidden_layer_sizes=(64,), solver="sgd", batch_size=64, max_iter=80,
    early_stopping=True, n_iter_no_change=10, random_state=0)
search = MLPGridSearchCV(
    make_pipeline(StandardScaler(), network),
    {"manualmlpclassifier__learning_rate_init": [0.01, 0.1],
     "manualmlpclassifier__alpha": [1e-4, 1e-1]},
    cv=3,
)
with warnings.catch_warnings():
    # a candidate may run all 80 epochs without stopping early
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
best = search.best_estimator_[-1]
best_params = {key.split("__")[1]: value
               for key, value in search.best_params_.items()}
print(f"cross-validated accuracy {search.best_score_:.3f} with {best_params}")
print(f"the refitted network ran {best.n_iter_} epochs")

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
TrainingCurveDisplay.from_estimator(search, ax=axes[0])
TrainingCurveDisplay.from_estimator(search, kind="validation_score",
                                    ax=axes[1])
best_epoch = int(np.argmax(best.validation_scores_)) + 1
for ax in axes:
    ax.axvline(best_epoch, color="grey", linestyle=":",
               label=f"best epoch ({best_epoch})")
    ax.legend()
axes[1].set_title("held-out accuracy")
plt.show()
