"""
The error-reject curve: deciding less to err less
=================================================

A classifier with a reject option may withhold its decision (a *doubt*)
where every decision is too risky, at a cost ``reject_cost`` per doubt. With
the 0-1 cost and one doubt cost lambda, the minimum-risk rule is Chow's rule:
doubt where the largest posterior is below 1 - lambda. Lowering lambda from
(K - 1) / K (never doubt) towards 0 sends more and more of the hardest cases
to a person; the errors among the cases decided fall. The curve of the error
rate against the share of doubts is the error-reject curve (Chow, 1970).

Here on scikit-learn's 8x8 digits (half for training, half held out), for
:class:`~skmlp.GaussianBayesClassifier` (one shared covariance with
Ledoit-Wolf shrinkage: LinearDiscriminantAnalysis's model) and for
:class:`~skmlp.MinimumRiskClassifier` over a fitted
:class:`~skmlp.ManualMLPClassifier` (frozen: the reject option only changes the
decisions, not the model). Left: the error rate (wrong decisions over all
held-out digits) against the rejection rate, as lambda varies. Right: the
expected cost per digit, errors at 1 and doubts at lambda, which the reject
option lowers for every lambda below (K - 1) / K = 0.9 (the dashed lines:
always deciding). How much it gains depends on how honest the posteriors
are: a model sure of its mistakes (posteriors near 1 where it errs) cannot
find them by doubt.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from skmlp import GaussianBayesClassifier, ManualMLPClassifier, MinimumRiskClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.5,
                                                    stratify=y, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 200 epochs are enough for this picture
    mlp = ManualMLPClassifier(hidden_layer_sizes=(32,), max_iter=200,
                              random_state=0).fit(X_train, y_train)
models = {
    "GaussianBayesClassifier ('tied', shrinkage='auto')":
        GaussianBayesClassifier(covariance_type="tied", shrinkage="auto"),
    "MinimumRiskClassifier over ManualMLPClassifier":
        MinimumRiskClassifier(FrozenEstimator(mlp)),
}
lambdas = np.r_[np.linspace(0.01, 0.5, 25), 0.6, 0.75, 0.9]

# 9.2 inches: shown about 690 px wide in the docs, its 10 pt text is 10 px or more.
fig, (curve, cost) = plt.subplots(1, 2, figsize=(9.2, 4.8), layout="constrained")
for (name, model), color in zip(models.items(), ["C0", "C1"]):
    error_rate, reject_rate, expected_cost = [], [], []
    for lam in lambdas:
        decided = model.set_params(reject_cost=lam).fit(X_train, y_train).predict(X_test)
        doubt = decided == model.reject_label_
        error_rate.append(np.mean(~doubt & (decided != y_test)))
        reject_rate.append(np.mean(doubt))
        expected_cost.append(error_rate[-1] + lam * reject_rate[-1])
    model.set_params(reject_cost=None).fit(X_train, y_train)
    always = 1 - model.score(X_test, y_test)
    curve.plot(reject_rate, error_rate, "o-", color=color, ms=3, label=name)
    cost.plot(lambdas, expected_cost, "o-", color=color, ms=3, label=name)
    cost.axhline(always, color=color, ls="--", lw=1)
    k = int(np.argmin(np.abs(lambdas - 0.1)))
    curve.annotate(f"λ = {lambdas[k]:.2f}", (reject_rate[k], error_rate[k]),
                   xytext=(10, 10), textcoords="offset points", color=color)
    print(f"{name}: always deciding, error {always:.3f}; lambda = {lambdas[k]:.2f}: "
          f"error {error_rate[k]:.3f} with {reject_rate[k]:.1%} doubts, "
          f"expected cost {expected_cost[k]:.3f}")
curve.set(xlabel="rejection rate (share of held-out digits in doubt)",
          ylabel="error rate (wrong decisions / all digits)",
          title="Error-reject curve\n(Chow's rule, λ from 0.9 down to 0.01)")
cost.set(xlabel="λ, the cost of a doubt (an error costs 1)",
         ylabel="expected cost per digit", title="Errors at 1, doubts at λ\n"
         "(dashed: always decide)")
for ax in (curve, cost):
    ax.grid(alpha=0.3)
curve.legend(loc="upper right")  # the same colours on the right
plt.show()
