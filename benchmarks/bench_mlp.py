"""ManualMLPClassifier vs sklearn's MLPClassifier, plus numpy's matmul throughput;
ManualMLPRegressor vs MLPRegressor on the same network (``run_regressor``).

Both train 784-300-100-10 (ReLU, softmax), solver='sgd' with momentum 0.9
(Nesterov, the default of both), batch 200, learning_rate_init 0.01, alpha 1e-4, the
same number of epochs with tol and early stopping out of the way, starting from the
SAME initial weights (sklearn's, passed to ours through coefs_init). sklearn is timed
on float64 and float32 input; its faster dtype is the reference. Ours runs float32.
"""

import time

import numpy as np

from _common import Report, best_time, fmt_mib, fmt_others, fmt_s, in_turns, quiet, traced_peak

HIDDEN = (300, 100)


def mlp_params(epochs, hidden=HIDDEN, **extra):
    """Constructor arguments shared by both classes (MLPClassifier's names)."""
    params = dict(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="sgd",
        momentum=0.9,
        nesterovs_momentum=True,
        batch_size=200,
        learning_rate_init=0.01,
        alpha=1e-4,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**6,  # never stop early: exactly `epochs` epochs
        early_stopping=False,
        shuffle=True,
        random_state=0,
    )
    params.update(extra)
    return params


# ---------------------------------------------------------------- FLOPs and matmul speed
def layer_shapes(n_features, hidden, n_outputs):
    """[(fan_in, fan_out), ...] of the weight matrices."""
    units = [n_features, *hidden, n_outputs]
    return list(zip(units[:-1], units[1:]))


def epoch_flops(n_samples, shapes):
    """Matrix-product FLOPs of one training epoch (multiply + add = 2 FLOPs).

    forward:  A_l @ W_l              2 n sum(fan_in fan_out)
    weights:  A_l.T @ delta_{l+1}    2 n sum(fan_in fan_out)
    deltas:   delta_{l+1} @ W_l.T    2 n sum over l >= 1 (no delta for the input layer)
    """
    products = [fan_in * fan_out for fan_in, fan_out in shapes]
    return 2.0 * n_samples * (2 * sum(products) + sum(products[1:]))


def matmul_epoch_time(X, shapes, batch_size, dtype, repeat=3):
    """Best time of the matrix products of one epoch alone, in `dtype`.

    Runs exactly the products an epoch needs (forward, weight gradients, hidden
    deltas) on batches of the real X, with preallocated outputs (np.matmul out=):
    the speed the hardware and BLAS give for these shapes, no other work.
    """
    rng = np.random.default_rng(0)
    X = X.astype(dtype, copy=False)
    W = [rng.standard_normal(s).astype(dtype) for s in shapes]
    acts = [np.empty((batch_size, fo), dtype) for _, fo in shapes]
    deltas = [rng.standard_normal((batch_size, fo)).astype(dtype) for _, fo in shapes]
    grads = [np.empty(s, dtype) for s in shapes]
    back = [np.empty((batch_size, fi), dtype) for fi, _ in shapes]
    starts = range(0, X.shape[0] - batch_size + 1, batch_size)

    def one_epoch():
        for start in starts:
            A = X[start : start + batch_size]
            for l, Wl in enumerate(W):  # forward
                np.matmul(A, Wl, out=acts[l])
                A = acts[l]
            inputs = [X[start : start + batch_size]] + acts[:-1]
            for l in range(len(W) - 1, -1, -1):  # backward
                np.matmul(inputs[l].T, deltas[l], out=grads[l])
                if l > 0:
                    np.matmul(deltas[l], W[l].T, out=back[l])

    one_epoch()  # warm up BLAS threads and caches
    n_used = len(starts) * batch_size
    seconds, _ = best_time(one_epoch, repeat=repeat, budget=10.0)
    return seconds, n_used


# ---------------------------------------------------------------- fits
def sklearn_initial_weights(params, X, y, estimator=None):
    """The initial weights MLPClassifier(**params) (or ``estimator``) draws, through public
    API only.

    A one-epoch fit with learning rate 1e-300 on a small subset draws the same
    initial weights (they depend on random_state, not on the data) and leaves
    them unchanged (w + 1e-300 * g == w in floating point).
    """
    from sklearn.neural_network import MLPClassifier

    estimator = estimator or MLPClassifier
    probe = estimator(**{**params, "learning_rate_init": 1e-300, "max_iter": 1})
    n = min(len(y), 2000)
    quiet(lambda: probe.fit(X[:n].astype(np.float64), y[:n]))
    return [c.copy() for c in probe.coefs_], [b.copy() for b in probe.intercepts_]


def proba_and_accuracy(model, X_test, y_test, repeat):
    """predict_proba's best time, the test accuracy and the dtype of the probabilities."""
    proba_s, proba = best_time(lambda: model.predict_proba(X_test), repeat=repeat, budget=5.0)
    accuracy = float(np.mean(model.classes_[np.argmax(proba, axis=1)] == y_test))
    return proba_s, accuracy, proba.dtype


def fit_peak(make, X, y, fit_kwargs):
    """tracemalloc peak of a one-epoch fit (untimed)."""
    model = make()
    model.set_params(max_iter=1)
    peak, _ = traced_peak(lambda: quiet(lambda: model.fit(X, y, **fit_kwargs)))
    return peak


def run(data, epochs, report: Report, repeat=3, trace=True):
    """Run the MLP comparison, print its table, record the targets."""
    from sklearn.neural_network import MLPClassifier

    from skmlp import ManualMLPClassifier

    name, X_train, y_train, X_test, y_test = data
    n, d = X_train.shape
    n_classes = len(np.unique(y_train))
    shapes = layer_shapes(d, HIDDEN, n_classes)
    params = mlp_params(epochs)
    coefs0, intercepts0 = sklearn_initial_weights(params, X_train, y_train)
    init = dict(coefs_init=coefs0, intercepts_init=intercepts0)

    rows, results = [], {}
    cases = [
        ("sklearn MLPClassifier", np.float64, lambda: MLPClassifier(**params), {}),
        ("sklearn MLPClassifier", np.float32, lambda: MLPClassifier(**params), {}),
        ("skmlp ManualMLPClassifier", np.float32, lambda: ManualMLPClassifier(**params), init),
    ]
    Xs = {dtype: X_train.astype(dtype, copy=False) for _, dtype, _, _ in cases}
    models = [make() for _, _, make, _ in cases]
    fits = [lambda model=model, X=Xs[dtype], kwargs=kwargs: model.fit(X, y_train, **kwargs)
            for model, (_, dtype, _, kwargs) in zip(models, cases)]
    fit_times = [turn.seconds for turn in in_turns(fits, repeat)]
    for (label, dtype, make, fit_kwargs), model, fit_s in zip(cases, models, fit_times):
        proba_s, acc, proba_dtype = proba_and_accuracy(
            model, X_test.astype(dtype, copy=False), y_test, repeat)
        epoch_s = fit_s / model.n_iter_
        peak = fit_peak(make, Xs[dtype], y_train, fit_kwargs) if trace else None
        gflops = epoch_flops(n, shapes) / epoch_s / 1e9
        results[(label, np.dtype(dtype).name)] = (epoch_s, proba_s, acc)
        rows.append([label, np.dtype(dtype).name, model.n_iter_, fmt_s(epoch_s),
                     f"{gflops:.1f}", fmt_s(proba_s), f"{100 * acc:.2f}", fmt_mib(peak),
                     np.dtype(model.coefs_[0].dtype).name + "/" + np.dtype(proba_dtype).name,
                     fmt_others(fit_s, proba_s)])
    del Xs

    mm, mm_times = {}, []
    for dtype in (np.float32, np.float64):
        mm_s, n_used = matmul_epoch_time(X_train, shapes, 200, dtype, repeat)
        mm[np.dtype(dtype).name] = epoch_flops(n_used, shapes) / mm_s / 1e9
        mm_times.append(mm_s)

    report.start("mlp", f"MLP {d}-{'-'.join(map(str, HIDDEN))}-{n_classes}: relu, sgd "
                 f"momentum 0.9 (nesterov), batch 200, lr 0.01, alpha 1e-4, {epochs} epochs, "
                 f"same initial weights; {name}: train {n}x{d}, test {len(y_test)}")
    report.table(["estimator", "X dtype", "epochs", f"fit s/epoch (best of {repeat})",
                  "GFLOP/s", "predict_proba s", "test acc %", "fit peak MiB", "coef/proba dtype",
                  "others %"], rows)
    flops = epoch_flops(n, shapes)
    report.note(f"epoch = {flops / 1e9:.1f} GFLOP of matrix products; numpy matmul on the same "
                f"batch shapes: float32 {mm['float32']:.1f} GFLOP/s, float64 "
                f"{mm['float64']:.1f} GFLOP/s (others {fmt_others(*mm_times)}%)")
    report.note(f"fit s/epoch: the best of {repeat} fits from the same weights, the "
                "estimators taking turns (one fit of each per round)")
    report.note("others %: CPU share (all cores) taken by other processes during the timed calls "
                "of 0.5 s or more; above a few % the 2-thread BLAS timings are not trustworthy")
    report.note("fit peak MiB: tracemalloc peak of a separate 1-epoch fit (numpy buffers, "
                f"not BLAS internals); X_train is {X_train.nbytes / 2**20:.0f} MiB in float32")

    sk = {k[1]: v for k, v in results.items() if k[0].startswith("sklearn")}
    best_dtype = min(sk, key=lambda k: sk[k][0])
    ours = results[("skmlp ManualMLPClassifier", "float32")]
    sk_epoch, sk_proba, sk_acc = sk[best_dtype]
    best_proba = min(v[1] for v in sk.values())
    ours_gflops = flops / ours[0] / 1e9
    speedup, proba_speedup = sk_epoch / ours[0], best_proba / ours[1]
    report.note(f"ratio sklearn/skmlp: epoch {speedup:.2f}x (sklearn best dtype {best_dtype}), "
                f"predict_proba {proba_speedup:.2f}x (sklearn best dtype); skmlp reaches "
                f"{ours_gflops:.1f} GFLOP/s = {100 * ours_gflops / mm['float32']:.0f}% of "
                "float32 matmul")
    report.check(f"MLP fit ({epochs} epochs, float32) vs sklearn's best dtype",
                 ">= 1.5x faster", f"{speedup:.2f}x", speedup >= 1.5, ratio=speedup, goal=1.5)
    report.check("MLP epoch GFLOP/s, share of float32 matmul", ">= 50%",
                 f"{100 * ours_gflops / mm['float32']:.0f}%", ours_gflops >= 0.5 * mm["float32"])
    diff = 100 * (ours[2] - sk_acc)
    report.check(f"MLP test accuracy vs sklearn ({best_dtype})", "within 0.5 point",
                 f"{diff:+.2f} points", abs(diff) <= 0.5)
    report.check("MLP predict_proba vs sklearn's best dtype", ">= 2x faster",
                 f"{proba_speedup:.2f}x", proba_speedup >= 2, ratio=proba_speedup, goal=2)


def run_regressor(data, epochs, report: Report, repeat=3, trace=True):
    """ManualMLPRegressor vs MLPRegressor: the single-fit comparison's network, one output.

    784-300-100-1 (ReLU, identity output, squared error), the comparison's SGD
    settings and the same initial weights (MLPRegressor's); the target is the
    image's class label standardised, a real value to regress. sklearn in float64 and
    float32, ours in float32.
    """
    from sklearn.neural_network import MLPRegressor

    from skmlp import ManualMLPRegressor

    name, X_train, labels_train, X_test, labels_test = data
    mean, std = labels_train.mean(), labels_train.std()
    y_train, y_test = (labels_train - mean) / std, (labels_test - mean) / std
    n, d = X_train.shape
    shapes = layer_shapes(d, HIDDEN, 1)
    params = mlp_params(epochs)
    coefs0, intercepts0 = sklearn_initial_weights(params, X_train, y_train, MLPRegressor)
    init = dict(coefs_init=coefs0, intercepts_init=intercepts0)
    cases = [
        ("sklearn MLPRegressor", np.float64, lambda: MLPRegressor(**params), {}),
        ("sklearn MLPRegressor", np.float32, lambda: MLPRegressor(**params), {}),
        ("skmlp ManualMLPRegressor", np.float32, lambda: ManualMLPRegressor(**params), init),
    ]
    Xs = {dtype: X_train.astype(dtype, copy=False) for _, dtype, _, _ in cases}
    models = [make() for _, _, make, _ in cases]
    fits = [lambda model=model, X=Xs[dtype], kwargs=kwargs: model.fit(X, y_train, **kwargs)
            for model, (_, dtype, _, kwargs) in zip(models, cases)]
    fit_times = [turn.seconds for turn in in_turns(fits, repeat)]
    rows, results = [], {}
    for (label, dtype, make, fit_kwargs), model, fit_s in zip(cases, models, fit_times):
        X_eval = X_test.astype(dtype, copy=False)
        predict_s, _ = best_time(lambda: model.predict(X_eval), repeat=repeat, budget=5.0)
        r2 = model.score(X_eval, y_test)
        epoch_s = fit_s / model.n_iter_
        peak = fit_peak(make, Xs[dtype], y_train, fit_kwargs) if trace else None
        results[(label, np.dtype(dtype).name)] = (epoch_s, r2)
        rows.append([label, np.dtype(dtype).name, model.n_iter_, fmt_s(epoch_s),
                     f"{epoch_flops(n, shapes) / epoch_s / 1e9:.1f}", fmt_s(predict_s),
                     f"{r2:.4f}", fmt_mib(peak), np.dtype(model.coefs_[0].dtype).name,
                     fmt_others(fit_s, predict_s)])
    del Xs
    report.start("mlp_regressor", f"Regressor {d}-{'-'.join(map(str, HIDDEN))}-1: relu, "
                 f"identity output, squared error, sgd momentum 0.9 (nesterov), batch 200, "
                 f"lr 0.01, alpha 1e-4, {epochs} epochs, same initial weights; {name} "
                 f"(target: the class label, standardised): train {n}x{d}, test "
                 f"{len(y_test)}")
    report.table(["estimator", "X dtype", "epochs", f"fit s/epoch (best of {repeat})",
                  "GFLOP/s", "predict s", "test R2", "fit peak MiB", "coef dtype",
                  "others %"], rows)
    sk = {k[1]: v for k, v in results.items() if k[0].startswith("sklearn")}
    best_dtype = min(sk, key=lambda k: sk[k][0])
    ours = results[("skmlp ManualMLPRegressor", "float32")]
    speedup = sk[best_dtype][0] / ours[0]
    report.note(f"ratio sklearn/skmlp: epoch {speedup:.2f}x (sklearn best dtype {best_dtype})")
    report.check(f"Regressor fit ({epochs} epochs, float32) vs MLPRegressor's best dtype",
                 ">= 1.5x faster", f"{speedup:.2f}x", speedup >= 1.5, ratio=speedup, goal=1.5)
    diff = ours[1] - sk[best_dtype][1]
    report.check(f"Regressor test R2 vs MLPRegressor ({best_dtype})", "within 0.01",
                 f"{diff:+.4f}", abs(diff) <= 0.01)


def run_digits(report: Report, repeat=5):
    """A small single fit: load_digits (scaled), a (64,) network, 30 epochs of SGD."""
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from skmlp import ManualMLPClassifier

    X, y = load_digits(return_X_y=True)
    params = dict(hidden_layer_sizes=(64,), solver="sgd", batch_size=64, max_iter=30,
                  tol=0.0, random_state=0)
    report.start("mlp_digits", "Single fit, small: load_digits scaled (1797x64), 64-64-10, "
                 "sgd, batch 64, 30 epochs, tol=0, random_state=0")
    rows, best = [], {}
    for dtype in (np.float64, np.float32):
        Xd = StandardScaler().fit_transform(X).astype(dtype)
        for label, make in (("sklearn MLPClassifier", lambda: MLPClassifier(**params)),
                            ("skmlp ManualMLPClassifier",
                             lambda: ManualMLPClassifier(**params))):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                model = quiet(lambda: make().fit(Xd, y))
                times.append(time.perf_counter() - start)
            best[(label, np.dtype(dtype).name)] = min(times)
            rows.append([label, np.dtype(dtype).name, fmt_s(min(times)),
                         f"{model.score(Xd, y):.4f}"])
    report.table(["estimator", "X dtype", f"fit s (best of {repeat})", "train accuracy"],
                 rows)
    ours = min(v for k, v in best.items() if k[0].startswith("skmlp"))
    theirs = min(v for k, v in best.items() if k[0].startswith("sklearn"))
    report.check("digits (64,) fit vs sklearn's best dtype", "faster",
                 f"{theirs / ours:.2f}x", theirs / ours >= 1, ratio=theirs / ours, goal=1)
