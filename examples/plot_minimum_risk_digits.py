"""
Minimum-risk digits: making one confusion expensive
===================================================

A :class:`~skmlp.ManualMLPClassifier` trained on scikit-learn's 8x8 digits
confuses some pairs; here, most often an 8 read as a 1. Suppose that mistake
costs 20 times more than any other. The posteriors of the network already
contain everything the Bayes rule needs: :class:`~skmlp.MinimumRiskClassifier`
decides the digit i of least conditional risk R(i | x) = sum_j C[i, j] P(j | x)
with C[1, 8] = 20 (deciding 1 when the truth is 8) and 1 for the other
mistakes.

The fitted network is wrapped in :class:`sklearn.frozen.FrozenEstimator`, so
it is used as it is, not trained again. The confusion matrices on held-out
digits, before and after: the expensive cell (true 8, predicted 1, circled)
empties, at the price of more cheap mistakes (doubtful 1s are now called 8):
the accuracy drops a few points, the total cost falls by more than half.
That is the trade the cost matrix asks for.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.model_selection import train_test_split

from skmlp import ManualMLPClassifier, MinimumRiskClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.5,
                                                    stratify=y, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 60 epochs are enough for this picture
    mlp = ManualMLPClassifier(hidden_layer_sizes=(32,), max_iter=60,
                              random_state=0).fit(X_train, y_train)

cost = 1.0 - np.eye(10)
cost[1, 8] = 20.0  # C[i, j]: deciding i when the truth is j
careful = MinimumRiskClassifier(FrozenEstimator(mlp), cost_matrix=cost)
careful.fit(X_train, y_train)

# Sized and lettered to be read at the docs' column width (text of 10 px or more).
fig, axes = plt.subplots(1, 2, figsize=(11, 6.6), layout="constrained")
for ax, (name, model) in zip(axes, [("ManualMLPClassifier (0-1 cost)", mlp),
                                     ("MinimumRiskClassifier, C[1, 8] = 20", careful)]):
    pred = model.predict(X_test)
    matrix = confusion_matrix(y_test, pred, labels=np.arange(10))
    total_cost = cost[pred, y_test].sum()
    ConfusionMatrixDisplay(matrix).plot(ax=ax, colorbar=False, text_kw={"fontsize": 12})
    ax.tick_params(labelsize=12)
    ax.set_xlabel("decided digit", fontsize=13)
    ax.set_ylabel("true digit", fontsize=13)
    ax.add_patch(plt.Circle((1, 8), 0.45, fill=False, color="red", lw=2))
    ax.set_title(f"{name}\naccuracy {np.mean(pred == y_test):.3f}, "
                 f"8 read as 1: {matrix[8, 1]}, total cost {total_cost:.0f}", fontsize=13)
    print(f"{name}: accuracy {np.mean(pred == y_test):.3f}, 8 -> 1: {matrix[8, 1]}, "
          f"total cost {total_cost:.0f}")
fig.suptitle("Held-out digits: rows are the true digit, columns the decision",
             fontsize=14)
plt.show()
