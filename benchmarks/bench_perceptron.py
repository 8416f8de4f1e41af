"""PerceptronClassifier vs sklearn's Perceptron: 5 epochs, 10 classes one-vs-rest.

Both: eta0=1, no penalty, fit_intercept, shuffle with random_state=0, tol=None so
that exactly `epochs` epochs run. sklearn is timed on float64 and float32 input (its
SGD converts to float64 internally) and its faster dtype is the reference. The
averaged perceptron (ours, average=True) is compared in accuracy against sklearn's
plain Perceptron (the target) and, for information, sklearn's only averaged
perceptron, SGDClassifier(loss='perceptron', average=True).
"""

import numpy as np

from _common import Report, fmt_mib, fmt_s, quiet, ratio, time_case


def mean_accuracy(make, X, y, X_test, y_test, seeds, first):
    """Mean test accuracy over random_state 0..seeds-1 (`first` is seed 0's)."""
    accuracies = [first]
    for seed in range(1, seeds):
        model = quiet(lambda: make().set_params(random_state=seed).fit(X, y))
        accuracies.append(float(np.mean(model.predict(X_test) == y_test)))
    return float(np.mean(accuracies)), float(np.std(accuracies))


def run(data, epochs, report: Report, repeat=3, trace=True, seeds=10):
    """Run the perceptron comparison, print its table, record the targets."""
    from sklearn.linear_model import Perceptron, SGDClassifier

    from skmlp import PerceptronClassifier

    name, X_train, y_train, X_test, y_test = data
    common = dict(max_iter=epochs, tol=None, shuffle=True, random_state=0, eta0=1.0)
    cases = [
        ("sklearn Perceptron", np.float64, lambda: Perceptron(**common)),
        ("sklearn Perceptron", np.float32, lambda: Perceptron(**common)),
        ("sklearn SGDClassifier(perceptron, average)", np.float64,
         lambda: SGDClassifier(loss="perceptron", learning_rate="constant", penalty=None,
                               average=True, **common)),
        ("skmlp PerceptronClassifier", np.float32, lambda: PerceptronClassifier(**common)),
        ("skmlp PerceptronClassifier(average)", np.float32,
         lambda: PerceptronClassifier(average=True, **common)),
    ]
    rows, res, makers = [], {}, {}
    for label, dtype, make in cases:
        X, Xt = X_train.astype(dtype, copy=False), X_test.astype(dtype, copy=False)
        r = time_case(make, X, y_train, Xt, y_test, repeat=repeat, fit_repeat=2,
                      fit_budget=4.0, trace=trace)
        key = (label, np.dtype(dtype).name)
        res[key], makers[key] = r, make
        rows.append([label, key[1], r["model"].n_iter_, fmt_s(r["fit_s"]),
                     fmt_s(r["fit_s"] / r["model"].n_iter_), fmt_s(r["predict_s"]),
                     f"{100 * r['accuracy']:.2f}", fmt_mib(r["peak"]),
                     np.dtype(r["model"].coef_.dtype).name, r["others"]])
    report.start("perceptron", f"Perceptron, {epochs} epochs, eta0=1, "
                 f"{len(np.unique(y_train))} classes OvR; {name}: train "
                 f"{X_train.shape[0]}x{X_train.shape[1]}, test {len(y_test)}")
    report.table(["estimator", "X dtype", "epochs", "fit s", "fit s/epoch",
                 "predict s", "test acc %", "fit peak MiB", "coef dtype", "others %"], rows)
    report.note("others %: CPU share (all cores) taken by other processes during the timed calls "
                "of 0.5 s or more; above a few % the 2-thread BLAS timings are not trustworthy")
    report.note("fit peak MiB: tracemalloc peak of a separate fit (numpy buffers above the input)")

    sk = {k[1]: v for k, v in res.items() if k[0] == "sklearn Perceptron"}
    best = min(sk, key=lambda k: sk[k]["fit_s"])
    ours = res[("skmlp PerceptronClassifier", "float32")]
    speedup = ratio(sk[best]["fit_s"], ours["fit_s"])
    report.note(f"ratio sklearn({best})/skmlp: fit {speedup:.2f}x, predict "
                f"{ratio(min(v['predict_s'] for v in sk.values()), ours['predict_s']):.2f}x")
    # the last iterate of a perceptron depends much on the sample order: average seeds
    acc = {}
    for key in [("sklearn Perceptron", best), ("skmlp PerceptronClassifier", "float32"),
                ("skmlp PerceptronClassifier(average)", "float32")]:
        X, Xt = X_train.astype(key[1], copy=False), X_test.astype(key[1], copy=False)
        acc[key[0]] = mean_accuracy(makers[key], X, y_train, Xt, y_test, seeds,
                                    res[key]["accuracy"])
    report.note(f"test accuracy %, mean +- std over random_state 0..{seeds - 1}: " + "; ".join(
                f"{k} {100 * m:.2f} +- {100 * sd:.2f}" for k, (m, sd) in acc.items()))
    sk_acc, ours_acc, avg_acc = (acc[k][0] for k in acc)
    diff = 100 * (ours_acc - sk_acc)
    report.check(f"Perceptron {epochs} epochs vs sklearn ({best})", ">= 2x faster",
                 f"{speedup:.2f}x", speedup >= 2, ratio=speedup, goal=2)
    report.check(f"Perceptron accuracy vs sklearn's, mean of {seeds} seeds", "within 1 point",
                 f"{diff:+.2f} points", abs(diff) <= 1)
    gain = 100 * (avg_acc - sk_acc)
    report.check("Perceptron average=True accuracy vs sklearn's Perceptron", ">= +2 points",
                 f"{gain:+.2f} points", gain >= 2)
