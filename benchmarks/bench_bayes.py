"""GaussianBayesClassifier vs QuadraticDiscriminantAnalysis ('full') and GaussianNB ('diag').

'full' vs QDA: QDA(reg_param=r) (solver 'svd', the default; its 'eigen' solver
ignores reg_param) uses the covariances (1 - r) S + r I, with S the
maximum-likelihood covariance of each class. Ours adds eps I with
eps = var_smoothing * max feature variance; we set eps = r / (1 - r), the same ridge
relative to S, so both fit the same family of covariances up to a common factor
(1 - r). 'diag' vs GaussianNB: both with the default var_smoothing=1e-9.
sklearn is timed on float64 and float32 input; its faster dtype is the reference.
"""

import numpy as np

from _common import Report, fmt_mib, fmt_s, ratio, time_case

REG_PARAM = 0.01


def _feature_step(n_features, min_class_count):
    """Smallest k such that every k-th feature leaves fewer features than class samples."""
    step = 1
    while -(-n_features // step) >= min_class_count:
        step += 1
    return step


def run(data, report: Report, repeat=3, trace=True):
    """Run the Gaussian Bayes comparisons, print the table, record the targets."""
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
    from sklearn.naive_bayes import GaussianNB

    from skmlp import GaussianBayesClassifier

    name, X_train, y_train, X_test, y_test = data
    step = _feature_step(X_train.shape[1], np.bincount(y_train).min())
    if step > 1:  # QDA's svd solver needs more samples per class than features
        X_train, X_test = X_train[:, ::step].copy(), X_test[:, ::step].copy()
        name += f", features X[:, ::{step}]"
    max_var = float(np.var(X_train, axis=0, dtype=np.float64).max())
    ridge = REG_PARAM / (1 - REG_PARAM)
    var_smoothing = ridge / max_var
    cases = [
        ("QDA", "sklearn QDA(reg_param=%g)" % REG_PARAM, np.float64,
         lambda: QuadraticDiscriminantAnalysis(reg_param=REG_PARAM)),
        ("QDA", "sklearn QDA(reg_param=%g)" % REG_PARAM, np.float32,
         lambda: QuadraticDiscriminantAnalysis(reg_param=REG_PARAM)),
        ("GaussianNB", "sklearn GaussianNB", np.float64, lambda: GaussianNB()),
        ("GaussianNB", "sklearn GaussianNB", np.float32, lambda: GaussianNB()),
        ("full", "skmlp GaussianBayes('full', vs=%.4g)" % var_smoothing, np.float32,
         lambda: GaussianBayesClassifier(covariance_type="full", var_smoothing=var_smoothing)),
        ("diag", "skmlp GaussianBayes('diag')", np.float32,
         lambda: GaussianBayesClassifier(covariance_type="diag")),
    ]
    rows, res = [], {}
    for key, label, dtype, make in cases:
        X, Xt = X_train.astype(dtype, copy=False), X_test.astype(dtype, copy=False)
        r = time_case(make, X, y_train, Xt, y_test, repeat=repeat, fit_repeat=3,
                      fit_budget=5.0, trace=trace)
        res[(key, np.dtype(dtype).name)] = r
        rows.append([label, np.dtype(dtype).name, fmt_s(r["fit_s"]), fmt_s(r["predict_s"]),
                     f"{100 * r['accuracy']:.2f}", fmt_mib(r["peak"]), r["others"]])
    report.start("bayes", f"Gaussian classifiers; {name}: train "
                 f"{X_train.shape[0]}x{X_train.shape[1]}, test {len(y_test)}")
    report.table(["estimator", "X dtype", "fit s", "predict s", "test acc %", "fit peak MiB",
                 "others %"], rows)
    report.note(f"QDA reg_param={REG_PARAM} <-> ours var_smoothing={var_smoothing:.4g} (ridge "
                f"{ridge:.4g} = r/(1-r); max feature variance {max_var:.4g}); 'diag' and "
                "GaussianNB: var_smoothing=1e-9 (default)")
    report.note("others %: CPU share (all cores) taken by other processes during the timed calls "
                "of 0.5 s or more; above a few % the 2-thread BLAS timings are not trustworthy")
    report.note("fit peak MiB: tracemalloc peak of a separate fit (numpy buffers above the input)")
    for ref, kind in (("QDA", "full"), ("GaussianNB", "diag")):
        sk = {k[1]: v for k, v in res.items() if k[0] == ref}
        best = min(sk, key=lambda k: sk[k]["fit_s"])
        best_pred = min(v["predict_s"] for v in sk.values())
        ours = res[(kind, "float32")]
        fit_x = ratio(sk[best]["fit_s"], ours["fit_s"])
        pred_x = ratio(best_pred, ours["predict_s"])
        diff = 100 * (ours["accuracy"] - sk[best]["accuracy"])
        report.note(f"ratio sklearn {ref}({best})/skmlp '{kind}': fit {fit_x:.2f}x, predict "
                    f"{pred_x:.2f}x (best dtype), accuracy {diff:+.2f} points")
        if kind == "full":
            report.check(f"Gaussian 'full' fit vs QDA ({best})", ">= 10x faster",
                         f"{fit_x:.2f}x", fit_x >= 10, ratio=fit_x, goal=10)
            report.check("Gaussian 'full' predict vs QDA's best dtype", ">= 1.5x faster",
                         f"{pred_x:.2f}x", pred_x >= 1.5, ratio=pred_x, goal=1.5)
            report.check("Gaussian 'full' accuracy vs QDA", "within 1 point",
                         f"{diff:+.2f} points", abs(diff) <= 1)
        else:
            report.check(f"Gaussian 'diag' fit vs GaussianNB ({best})", "no slower (>= 1x)",
                         f"{fit_x:.2f}x", fit_x >= 1, ratio=fit_x, goal=1)
            report.check("Gaussian 'diag' predict vs GaussianNB's best dtype",
                         "no slower (>= 1x)", f"{pred_x:.2f}x", pred_x >= 1, ratio=pred_x, goal=1)
