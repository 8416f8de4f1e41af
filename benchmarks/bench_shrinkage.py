"""Regularised Gaussian classifiers: GaussianBayesClassifier(shrinkage=...) vs sklearn.

- 'tied' + shrinkage='auto' vs LinearDiscriminantAnalysis(solver='lsqr',
  shrinkage='auto'): both Ledoit-Wolf, ours on the pooled within-class scatter,
  sklearn's per class on standardised features, then averaged.
- 'full' + shrinkage='auto' (Ledoit-Wolf per class) vs QuadraticDiscriminantAnalysis
  (reg_param=0.1) and vs our unregularised default.
sklearn is timed on float64 and float32 input; its faster dtype is the reference.
"""

import numpy as np

from _common import Report, fmt_mib, fmt_s, ratio, time_case

QDA_REG = 0.1


def run(data, report: Report, repeat=3, trace=True):
    """Run the shrinkage comparisons, print the table, record the targets."""
    from sklearn.discriminant_analysis import (
        LinearDiscriminantAnalysis,
        QuadraticDiscriminantAnalysis,
    )

    from bench_bayes import _feature_step
    from skmlp import GaussianBayesClassifier

    name, X_train, y_train, X_test, y_test = data
    step = _feature_step(X_train.shape[1], np.bincount(y_train).min())
    if step > 1:  # QDA's svd solver needs more samples per class than features
        X_train, X_test = X_train[:, ::step].copy(), X_test[:, ::step].copy()
        name += f", features X[:, ::{step}]"
    lda = lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")  # noqa: E731
    qda = lambda: QuadraticDiscriminantAnalysis(reg_param=QDA_REG)  # noqa: E731
    cases = [
        ("LDA", "sklearn LDA(lsqr, shrinkage='auto')", np.float64, lda),
        ("LDA", "sklearn LDA(lsqr, shrinkage='auto')", np.float32, lda),
        ("QDA", f"sklearn QDA(reg_param={QDA_REG})", np.float64, qda),
        ("QDA", f"sklearn QDA(reg_param={QDA_REG})", np.float32, qda),
        ("tied", "skmlp GaussianBayes('tied', shrinkage='auto')", np.float32,
         lambda: GaussianBayesClassifier(covariance_type="tied", shrinkage="auto")),
        ("full", "skmlp GaussianBayes('full', shrinkage='auto')", np.float32,
         lambda: GaussianBayesClassifier(covariance_type="full", shrinkage="auto")),
        ("default", "skmlp GaussianBayes('full'), defaults", np.float32,
         lambda: GaussianBayesClassifier(covariance_type="full")),
        # var_smoothing=1e-9 is below float32's resolution: the default plug-in
        # may only be positive definite in float64
        ("default", "skmlp GaussianBayes('full'), defaults", np.float64,
         lambda: GaussianBayesClassifier(covariance_type="full")),
    ]
    rows, res, failures = [], {}, []
    for key, label, dtype, make in cases:
        X, Xt = X_train.astype(dtype, copy=False), X_test.astype(dtype, copy=False)
        try:
            r = time_case(make, X, y_train, Xt, y_test, repeat=repeat, fit_repeat=3,
                          fit_budget=5.0, trace=trace)
        except ValueError as exc:  # the unregularised plug-in may be singular
            failures.append(f"{label} ({np.dtype(dtype).name}) failed: {exc}")
            print(failures[-1])
            r = dict(model=None, fit_s=None, predict_s=None, accuracy=np.nan, peak=None,
                     others="-")
        res[(key, np.dtype(dtype).name)] = r
        shrinkage = getattr(r["model"], "shrinkage_", None)
        shown = "-" if shrinkage is None else (
            f"{float(shrinkage):.3g}" if np.ndim(shrinkage) == 0
            else f"{np.min(shrinkage):.3g}..{np.max(shrinkage):.3g}")
        rows.append([label, np.dtype(dtype).name, fmt_s(r["fit_s"]), fmt_s(r["predict_s"]),
                     f"{100 * r['accuracy']:.2f}", shown, fmt_mib(r["peak"]), r["others"]])
    report.start("shrinkage", f"Shrinkage; {name}: train {X_train.shape[0]}x{X_train.shape[1]}, "
                 f"test {len(y_test)}")
    report.table(["estimator", "X dtype", "fit s", "predict s", "test acc %", "shrinkage_",
                 "fit peak MiB", "others %"], rows)
    for failure in failures:
        report.note(failure)
    report.note("shrinkage_: ours only (min..max over the classes)")

    lda_runs = {k[1]: v for k, v in res.items() if k[0] == "LDA"}
    best = min(lda_runs, key=lambda k: lda_runs[k]["fit_s"])
    tied, full = (res[(k, "float32")] for k in ("tied", "full"))
    # the unregularised default at its best dtype (a failed fit scores NaN)
    default = max((v for k, v in res.items() if k[0] == "default"),
                  key=lambda r: np.nan_to_num(r["accuracy"], nan=-1.0))
    fit_x = ratio(lda_runs[best]["fit_s"], tied["fit_s"])
    diff = 100 * (tied["accuracy"] - lda_runs[best]["accuracy"])
    gain = 100 * (full["accuracy"] - default["accuracy"])
    report.note(f"ratio sklearn LDA({best})/skmlp 'tied'+'auto': fit {fit_x:.2f}x, accuracy "
                f"{diff:+.2f} points; 'full'+'auto' vs 'full' default: {gain:+.2f} points")
    report.check("'tied'+'auto' accuracy vs LDA(lsqr, auto)", "within 0.5 point",
                 f"{diff:+.2f} points", abs(diff) <= 0.5)
    report.check(f"'tied'+'auto' fit vs LDA(lsqr, auto) ({best})", "no slower (>= 1x)",
                 f"{fit_x:.2f}x", fit_x >= 1, ratio=fit_x, goal=1)
    report.check("'full'+'auto' accuracy vs the unregularised 'full'", ">= +5 points",
                 f"{gain:+.2f} points", bool(gain >= 5))
