"""MLPGridSearchCV vs GridSearchCV(ManualMLPClassifier) vs GridSearchCV(MLPClassifier).

The grid: load_digits scaled, learning_rate_init {1e-3, 1e-2, 1e-1} x
alpha {1e-4, 1e-2, 1} x hidden {(32,), (64,), (128, 64)}, 5 folds, sgd, batch 64,
30 epochs (max_iter=30), random_state=0, n_jobs 1 and 2, on float64 data and on the
same data in float32; each search fitted three times, taking turns, the best counting.
Wall time, ratio, CPU time of this process and its joblib workers (``cpu_time``:
on a shared machine a fairer measure of the work than wall time), best
candidate and score, peak RSS of the main process, and the search's achieved
GFLOP/s against numpy's matmul throughput on the same shapes, measured in the same
run (how close to the limit the search gets). Also measured in the same run, the
numpy floor: the time of the bare numpy calls every SGD step of the grid needs
(``_floor_steps``), run the fastest of several ways, and from it the largest speed-up
a search made of these numpy calls could show against each GridSearchCV.

The regression grid (``--part regression``): the same 27 candidates over
ManualMLPRegressor against GridSearchCV(MLPRegressor), on make_regression(2000, 20)
with X and y standardised, 5 folds, sgd, batch 64, 30 epochs, tol=0, float64 and
float32, n_jobs 1.

The family of searches (``--part family``), on the same float64 data, 5 folds, sgd,
batch 64: MLPHalvingGridSearchCV over epochs (resource='max_iter', max_resources=30,
factor=3) and MLPRandomizedSearchCV (27 draws of learning_rate_init and alpha for a
(64,) network, 30 epochs), each against scikit-learn's search with ManualMLPClassifier
and with MLPClassifier.

    python benchmarks/bench_search.py [--quick] [--part grid|family|regression|all]
                                      [--profile float64|float32]
"""

import argparse
import sys
import threading
import time

import numpy as np

import publish
from _common import Report, cpu_time, fmt_s, in_turns, quiet
from bench_mlp import epoch_flops, layer_shapes, matmul_epoch_time

GRID = {"learning_rate_init": [1e-3, 1e-2, 1e-1], "alpha": [1e-4, 1e-2, 1.0],
        "hidden_layer_sizes": [(32,), (64,), (128, 64)]}
ROUNDS = 3  # fits of each grid search, taking turns (the best counts)
QUICK_GRID = {"learning_rate_init": [1e-2, 1e-1], "alpha": [1e-4],
              "hidden_layer_sizes": [(16,), (8, 8)]}


def load(dtype):
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(dtype), y


def searches(grid, folds, epochs, n_jobs):
    """name -> a function making the unfitted search."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier

    from skmlp import ManualMLPClassifier
    from skmlp.model_selection import MLPGridSearchCV

    params = dict(solver="sgd", batch_size=64, max_iter=epochs, tol=0.0, random_state=0)
    return {
        "MLPGridSearchCV": lambda: MLPGridSearchCV(
            ManualMLPClassifier(**params), grid, cv=folds, n_jobs=n_jobs),
        "GridSearchCV(ManualMLPClassifier)": lambda: GridSearchCV(
            ManualMLPClassifier(**params), grid, cv=folds, n_jobs=n_jobs),
        "GridSearchCV(MLPClassifier)": lambda: GridSearchCV(
            MLPClassifier(**params), grid, cv=folds, n_jobs=n_jobs),
    }


def search_flops(X, y, grid, folds, epochs):
    """Matrix-product FLOPs of every fit of the search and the refit, at `epochs` epochs.

    An upper bound: a fit stopped early by tol runs fewer epochs.
    """
    n_classes = len(np.unique(y))
    n_train = X.shape[0] * (folds - 1) / folds
    n_candidates = int(np.prod([len(v) for k, v in grid.items() if k != "hidden_layer_sizes"]))
    total = 0.0
    for hidden in grid["hidden_layer_sizes"]:
        shapes = layer_shapes(X.shape[1], hidden, n_classes)
        per_epoch = epoch_flops(n_train, shapes)
        total += n_candidates * folds * epochs * per_epoch
    best_shape = layer_shapes(X.shape[1], grid["hidden_layer_sizes"][0], n_classes)
    return total + epochs * epoch_flops(X.shape[0], best_shape)


def matmul_gflops(X, y, grid, dtype):
    """numpy's matmul GFLOP/s on the epoch products of each grid shape (the best)."""
    n_classes = len(np.unique(y))
    rates = []
    for hidden in grid["hidden_layer_sizes"]:
        shapes = layer_shapes(X.shape[1], hidden, n_classes)
        seconds, n_used = matmul_epoch_time(X, shapes, 64, dtype)
        rates.append(epoch_flops(n_used, shapes) / seconds / 1e9)
    return min(rates), max(rates)


# ---------------------------------------------------------------- numpy floor
def _floor_steps(X, labels, folds_rows, hidden, alphas, rates, epochs, batch_size):
    """Time the minimal numpy calls of the grid's SGD steps for one hidden shape.

    The networks of every fold in ``folds_rows`` (one array of training rows per
    fold) are stacked with the candidates, weights of shape (F, C, fan_in, fan_out):
    one call per operation for all of them. Per minibatch: the gather, forward
    (product, bias, ReLU; softmax), the log-loss with its L2 term, backward
    (output delta, weight and bias gradients with the penalty, hidden deltas) and
    Nesterov's momentum update: what any numpy SGD of these networks must call,
    without the bookkeeping around it (no checks, no callbacks, no stopping).
    """
    dtype = X.dtype.type
    F, C = len(folds_rows), len(alphas)
    units = [X.shape[1], *hidden, int(labels.max()) + 1]
    rng = np.random.default_rng(0)
    W = [rng.uniform(-0.1, 0.1, (F, C, a, b)).astype(dtype) for a, b in zip(units, units[1:])]
    B = [np.zeros((F, C, 1, b), dtype) for b in units[1:]]
    params = W + B
    velocities = [np.zeros_like(p) for p in params]
    grads = [np.empty_like(p) for p in params]
    scratch = [np.empty_like(w) for w in W]
    acts = [np.empty((F, C, batch_size, b), dtype) for b in units[1:]]
    deltas = [np.empty((F, C, batch_size, b), dtype) for b in units[1:]]
    X_batch = np.empty((F, 1, batch_size, X.shape[1]), dtype)
    T_batch = np.empty((F, 1, batch_size, units[-1]), dtype)
    T = np.eye(units[-1], dtype=dtype)[labels]
    alpha = np.asarray(alphas, dtype).reshape(1, C, 1, 1)
    rate = np.asarray(rates, dtype).reshape(1, C, 1, 1)
    momentum = dtype(0.9)
    n_train = min(len(rows) for rows in folds_rows)  # equal batches in every fold
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in range(0, n_train, batch_size):
            m = min(batch_size, n_train - batch)
            idx = np.stack([rows[batch:batch + m] for rows in folds_rows])
            Xb, Tb = X_batch[:, :, :m], T_batch[:, :, :m]
            np.take(X, idx, axis=0, out=Xb[:, 0])
            np.take(T, idx, axis=0, out=Tb[:, 0])
            A = Xb
            for l, (w, b) in enumerate(zip(W, B)):  # forward
                Z = acts[l][..., :m, :]
                np.matmul(A, w, out=Z)
                Z += b
                if l < len(W) - 1:
                    np.maximum(Z, 0, out=Z)
                A = Z
            A -= A.max(axis=-1, keepdims=True)  # softmax
            np.exp(A, out=A)
            A /= A.sum(axis=-1, keepdims=True)
            # The loss of every step, as a fit needs it (loss curve, divergence, tol).
            loss = -np.log(np.take_along_axis(A, labels[idx][:, None, :, None], -1)).sum(
                axis=(-2, -1)) / m
            for w in W:
                flat = w.reshape(F, C, -1)
                loss += alpha[..., 0, 0] / (2 * m) * np.vecdot(flat, flat)
            delta = np.subtract(A, Tb, out=deltas[-1][..., :m, :])
            delta *= dtype(1 / m)
            inputs = [Xb] + [a[..., :m, :] for a in acts[:-1]]
            for l in range(len(W) - 1, -1, -1):  # backward
                delta = deltas[l][..., :m, :]
                np.matmul(np.swapaxes(inputs[l], -1, -2), delta, out=grads[l])
                grads[l] += np.multiply(W[l], alpha / m, out=scratch[l])
                np.sum(delta, axis=-2, keepdims=True, out=grads[len(W) + l])
                if l:
                    np.matmul(delta, np.swapaxes(W[l], -1, -2), out=deltas[l - 1][..., :m, :])
                    deltas[l - 1][..., :m, :] *= inputs[l] > 0
            for p, g, v in zip(params, grads, velocities):  # Nesterov momentum
                g *= rate  # no temporaries: w += mu (mu v - eta g) - eta g
                v *= momentum
                v -= g
                p -= g
                p += np.multiply(v, momentum, out=g)
    return time.perf_counter() - start


def numpy_floor(X, y, grid, folds, epochs, batch_size=64):
    """Seconds of the minimal numpy SGD steps of the grid search (fits only, no refit).

    Every network runs ``epochs`` epochs; a fit that tol stops sooner does less
    (its share of the floor is then an overestimate).

    For each hidden shape, the best of the ways to run the candidates of every
    fold: a stack per fold (as MLPGridSearchCV does), every fold stacked together
    (fewer, larger calls), each with BLAS's default threads and with BLAS on one
    thread, and a stack per fold with its two halves in two threads (both cores
    busy even where BLAS would not thread). Returns (total seconds, {way: seconds}).
    """
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    rows = [train for train, _ in StratifiedKFold(folds).split(X, y)]
    shuffled = [np.random.default_rng(0).permutation(r) for r in rows]
    rates, alphas = zip(*[(r, a) for r in grid["learning_rate_init"] for a in grid["alpha"]])
    half = (len(rates) + 1) // 2
    ways, total = {}, 0.0
    for hidden in grid["hidden_layer_sizes"]:
        def per_fold(alphas=alphas, rates=rates):
            return sum(_floor_steps(X, y, [r], hidden, alphas, rates, epochs, batch_size)
                       for r in shuffled)

        def folds_stacked():
            return _floor_steps(X, y, shuffled, hidden, alphas, rates, epochs, batch_size)

        def halves_in_threads():
            second = threading.Thread(target=per_fold, args=(alphas[half:], rates[half:]))
            start = time.perf_counter()
            second.start()
            per_fold(alphas[:half], rates[:half])
            second.join()
            return time.perf_counter() - start

        times = {"stack per fold": per_fold(), "folds stacked": folds_stacked()}
        with threadpool_limits(1):
            times["stack per fold, BLAS 1 thread"] = per_fold()
            times["folds stacked, BLAS 1 thread"] = folds_stacked()
            times["halves in 2 threads, BLAS 1 thread each"] = halves_in_threads()
        for way, seconds in times.items():
            ways[way] = ways.get(way, 0.0) + seconds
        total += min(times.values())
    return total, ways

def run(quick, report: Report, n_jobs_list=(1, 2), part="all"):
    """The grid searches (idle, then under load), the halving / randomized ones, and
    the regression grid."""
    if part in ("grid", "all"):
        times = run_grid(quick, report, n_jobs_list)
        run_under_load(quick, report, times)
    if part in ("family", "all"):
        run_family(quick, report, n_jobs_list[:1])
    if part in ("regression", "all"):
        run_regression(quick, report, n_jobs_list[:1])


def load_regression(dtype, quick=False):
    """make_regression(2000, 20), X and y standardised (400 rows with quick)."""
    from sklearn.datasets import make_regression
    from sklearn.preprocessing import StandardScaler

    X, y = make_regression(n_samples=400 if quick else 2000, n_features=20, noise=10.0,
                           random_state=0)
    return (StandardScaler().fit_transform(X).astype(dtype),
            ((y - y.mean()) / y.std()).astype(dtype))


def regression_searches(grid, folds, epochs, n_jobs):
    """name -> a function making the unfitted regression search."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPRegressor

    from skmlp import ManualMLPRegressor
    from skmlp.model_selection import MLPGridSearchCV

    params = dict(solver="sgd", batch_size=64, max_iter=epochs, tol=0.0, random_state=0)
    return {
        "MLPGridSearchCV": lambda: MLPGridSearchCV(
            ManualMLPRegressor(**params), grid, cv=folds, n_jobs=n_jobs),
        "GridSearchCV(ManualMLPRegressor)": lambda: GridSearchCV(
            ManualMLPRegressor(**params), grid, cv=folds, n_jobs=n_jobs),
        "GridSearchCV(MLPRegressor)": lambda: GridSearchCV(
            MLPRegressor(**params), grid, cv=folds, n_jobs=n_jobs),
    }


def run_regression(quick, report: Report, n_jobs_list=(1,)):
    """The regression grid searches: the table and the targets (6x float64, 8x float32)."""
    grid, folds, epochs = (QUICK_GRID, 2, 3) if quick else (GRID, 5, 30)
    report.start("search_regression", "Regression grid search, make_regression(2000, 20) "
                 "standardised: " + " x ".join(f"{k} {v}" for k, v in grid.items())
                 + f", {folds} folds, sgd, batch 64, max_iter={epochs}, tol=0, "
                 "random_state=0")
    rows, times, best = [], {}, {}
    for dtype in (np.float64, np.float32):
        X, y = load_regression(dtype, quick)
        quiet(lambda: regression_searches(grid, 2, 2, 1)["MLPGridSearchCV"]().fit(X, y))
        for n_jobs in n_jobs_list:
            _warm_up(n_jobs)
            makers = regression_searches(grid, folds, epochs, n_jobs)
            turns = in_turns([lambda make=make: make().fit(X, y) for make in makers.values()],
                             rounds=1 if quick else ROUNDS)
            for name, (seconds, cpu_seconds, search, peak) in zip(makers, turns):
                key = (np.dtype(dtype).name, n_jobs, name)
                times[key], best[key] = seconds, search.best_params_
                rows.append([key[0], n_jobs, name, fmt_s(seconds), "", fmt_s(cpu_seconds),
                             _short(search.best_params_), f"{search.best_score_:.4f}",
                             f"{peak:.0f}"])
    for row in rows:  # speed-up of MLPGridSearchCV over each search of its block
        ours = times[(row[0], row[1], "MLPGridSearchCV")]
        row[4] = f"{times[(row[0], row[1], row[2])] / ours:.2f}"
    report.table(["data", "n_jobs", "search", "time s", "x vs this", "CPU s", "best params",
                  "best score", "peak RSS MiB"], rows)
    for n_jobs in n_jobs_list:
        for dtype, goal in (("float64", 6), ("float32", 8)):
            ours, theirs = (dtype, n_jobs, "MLPGridSearchCV"), (
                dtype, n_jobs, "GridSearchCV(MLPRegressor)")
            speedup = times[theirs] / times[ours]
            report.check(f"Regression grid ({dtype}, n_jobs={n_jobs}) vs "
                         "GridSearchCV(MLPRegressor)", f">= {goal}x faster",
                         f"{speedup:.2f}x", speedup >= goal, ratio=speedup, goal=goal)
            same = best[ours] == best[theirs]
            report.check(f"Regression grid ({dtype}) best_params_ as "
                         "GridSearchCV(MLPRegressor)", "the same",
                         "the same" if same else "differ", same)


def _busy():
    """Start two processes that each keep a core busy (``while True: pass``)."""
    import subprocess

    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]


def run_under_load(quick, report, idle_times):
    """The float64 searches at n_jobs=1 again, beside two busy processes."""
    grid, folds, epochs = (QUICK_GRID, 2, 3) if quick else (GRID, 5, 30)
    report.start("under_load", "Grid search under load: the float64 searches of the grid "
                 "table (n_jobs=1) again while two processes run `python -c \"while True: "
                 "pass\"`")
    X, y = load(np.float64)
    makers = searches(grid, folds, epochs, n_jobs=1)
    rows, loaded = [], {}
    busy = _busy()
    try:
        time.sleep(1.0)
        for name in ("MLPGridSearchCV", "GridSearchCV(MLPClassifier)"):
            start = time.perf_counter()
            quiet(lambda: makers[name]().fit(X, y))
            loaded[name] = time.perf_counter() - start
    finally:
        for process in busy:
            process.kill()
    for name, seconds in loaded.items():
        idle = idle_times[("float64", 1, name)]
        rows.append([name, fmt_s(idle), fmt_s(seconds), f"{seconds / idle:.2f}"])
    report.table(["search (float64, n_jobs=1)", "idle s", "under load s", "x idle"], rows)
    ratio = loaded["MLPGridSearchCV"] / idle_times[("float64", 1, "MLPGridSearchCV")]
    report.check("MLPGridSearchCV float64 under two busy processes", "<= 2.5x its idle time",
                 f"{ratio:.2f}x", ratio <= 2.5)
    speedup = loaded["GridSearchCV(MLPClassifier)"] / loaded["MLPGridSearchCV"]
    report.note(f"under load, MLPGridSearchCV is {speedup:.2f}x faster than "
                "GridSearchCV(MLPClassifier)")


def run_grid(quick, report: Report, n_jobs_list=(1, 2)):
    """Run every grid search, print the table, record the targets."""
    grid, folds, epochs = (QUICK_GRID, 2, 3) if quick else (GRID, 5, 30)
    report.start("search", "Grid search, load_digits scaled: "
                 + " x ".join(f"{k} {v}" for k, v in grid.items())
                 + f", {folds} folds, sgd, batch 64, max_iter={epochs}, random_state=0")
    header = ["data", "n_jobs", "search", "time s", "x vs this", "CPU s", "x CPU",
              "x numpy floor", "best params", "best score", "peak RSS MiB", "GFLOP/s",
              "% of matmul"]
    rows, times, cpu, best, floors = [], {}, {}, {}, {}
    for dtype in (np.float64, np.float32):
        X, y = load(dtype)
        flops = search_flops(X, y, grid, folds, epochs)
        low, high = matmul_gflops(X, y, grid, dtype)
        matmul_rate = high
        report.note(f"{np.dtype(dtype).name}: numpy matmul on the epoch's products "
                    f"{low:.1f}-{high:.1f} GFLOP/s; the search's products: "
                    f"{flops / 1e9:.1f} GFLOP (at {epochs} epochs per fit)")
        floors[np.dtype(dtype).name], ways = numpy_floor(X, y, grid, folds, epochs)
        report.note(f"{np.dtype(dtype).name}: numpy floor of the search's SGD steps: "
                    + ", ".join(f"{way} {fmt_s(s)} s" for way, s in ways.items())
                    + f"; best per shape {fmt_s(floors[np.dtype(dtype).name])} s")
        _load_kernels(X, y, grid)
        for n_jobs in n_jobs_list:
            _warm_up(n_jobs)
            makers = searches(grid, folds, epochs, n_jobs)
            turns = in_turns([lambda make=make: make().fit(X, y) for make in makers.values()],
                             rounds=1 if quick else ROUNDS)
            for name, (seconds, cpu_seconds, search, peak) in zip(makers, turns):
                key = (np.dtype(dtype).name, n_jobs)
                times[key + (name,)] = seconds
                cpu[key + (name,)] = cpu_seconds
                best[key + (name,)] = (search.best_params_, search.best_score_)
                rows.append([key[0], n_jobs, name, fmt_s(seconds), "", fmt_s(cpu_seconds), "",
                             f"{seconds / floors[key[0]]:.2f}",
                             _short(search.best_params_), f"{search.best_score_:.4f}",
                             f"{peak:.0f}", f"{flops / seconds / 1e9:.1f}",
                             f"{100 * flops / seconds / 1e9 / matmul_rate:.0f}%"])
    for row in rows:  # speed-up of MLPGridSearchCV over each search of its block
        ours = times[(row[0], row[1], "MLPGridSearchCV")]
        row[4] = f"{times[(row[0], row[1], row[2])] / ours:.2f}"
        # CPU time of this process and its workers: the whole search, any n_jobs
        row[6] = f"{cpu[(row[0], row[1], row[2])] / cpu[(row[0], row[1], 'MLPGridSearchCV')]:.2f}"
    report.table(header, rows)
    report.note("x numpy floor: the search's time over the numpy floor of its dtype (the "
                "time of the bare numpy calls of its SGD steps, fastest way); % of matmul: "
                "its GFLOP/s over numpy's best matmul GFLOP/s on the grid's products")
    _note_bounds(times, floors, report)
    _check_targets(times, best, n_jobs_list, report)
    return times


def _note_bounds(times, floors, report):
    """Per GridSearchCV at n_jobs=1: the speed-up over it of a search taking the floor's time."""
    for (dtype, n_jobs, name), seconds in sorted(times.items()):
        if n_jobs == 1 and name != "MLPGridSearchCV":
            report.note(f"{dtype}: a search at the numpy floor ({fmt_s(floors[dtype])} s) "
                        f"would be at most {seconds / floors[dtype]:.2f}x faster than {name} "
                        "(n_jobs=1)")


def _warm_up(n_jobs):
    """Start joblib's workers (and their imports) before timing, for every search alike."""
    import importlib

    from joblib import Parallel, delayed

    Parallel(n_jobs=n_jobs)(delayed(importlib.import_module)("skmlp.model_selection")
                            for _ in range(2 * n_jobs))


def _load_kernels(X, y, grid):
    """Compile (or load from numba's cache) the kernels of X's dtype before timing.

    The cold start has its own benchmark; here every search starts warm, as
    scikit-learn's do.
    """
    quiet(lambda: searches(grid, 2, 2, n_jobs=1)["MLPGridSearchCV"]().fit(X[:200], y[:200]))


def _short(params):
    return ", ".join(f"{k.replace('hidden_layer_sizes', 'hidden')}={v}"
                     for k, v in sorted(params.items()))


def _check_targets(times, best, n_jobs_list, report):
    for n_jobs in n_jobs_list:
        def speedup(dtype, other):
            return (times[(dtype, n_jobs, other)]
                    / times[(dtype, n_jobs, "MLPGridSearchCV")])

        for dtype, other, goal in [("float64", "GridSearchCV(MLPClassifier)", 6),
                                   ("float32", "GridSearchCV(MLPClassifier)", 8)]:
            value = speedup(dtype, other)
            if n_jobs == 1:  # the goals are set for one joblib worker
                report.check(f"MLPGridSearchCV vs {other}, {dtype}, n_jobs=1",
                             f">= {goal}x faster", f"{value:.2f}x", value >= goal,
                             ratio=value, goal=goal)
            else:
                report.note(f"{dtype}, n_jobs={n_jobs}: MLPGridSearchCV is {value:.2f}x "
                            f"faster than {other} (no goal set)")
        for dtype in ("float64", "float32"):
            found = {_short(best[(dtype, n_jobs, name)][0]) for name in (
                "MLPGridSearchCV", "GridSearchCV(ManualMLPClassifier)",
                "GridSearchCV(MLPClassifier)")}
            report.check(f"best candidate of the three searches, {dtype}, n_jobs={n_jobs}",
                         "the same", " | ".join(sorted(found)), len(found) == 1)


# ---------------------------------------------------------------- the search family
def family_searches(grid, folds, epochs, n_iter, max_resources, n_jobs):
    """comparison -> {name: a function making the unfitted search}; ours first."""
    from scipy.stats import loguniform
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV, RandomizedSearchCV
    from sklearn.neural_network import MLPClassifier

    from skmlp import ManualMLPClassifier
    from skmlp.model_selection import MLPHalvingGridSearchCV, MLPRandomizedSearchCV

    params = dict(solver="sgd", batch_size=64, random_state=0)
    halving = dict(resource="max_iter", max_resources=max_resources, factor=3, cv=folds,
                   n_jobs=n_jobs)
    draws = {"learning_rate_init": loguniform(1e-3, 0.3), "alpha": loguniform(1e-5, 1.0)}
    randomized = dict(n_iter=n_iter, cv=folds, random_state=0, n_jobs=n_jobs)
    return {
        "halving over epochs": {
            "MLPHalvingGridSearchCV": lambda: MLPHalvingGridSearchCV(
                ManualMLPClassifier(**params), grid, **halving),
            "HalvingGridSearchCV(ManualMLPClassifier)": lambda: HalvingGridSearchCV(
                ManualMLPClassifier(**params), grid, **halving),
            "HalvingGridSearchCV(MLPClassifier)": lambda: HalvingGridSearchCV(
                MLPClassifier(**params), grid, **halving),
        },
        "randomized": {
            "MLPRandomizedSearchCV": lambda: MLPRandomizedSearchCV(
                ManualMLPClassifier((64,), max_iter=epochs, **params), draws, **randomized),
            "RandomizedSearchCV(ManualMLPClassifier)": lambda: RandomizedSearchCV(
                ManualMLPClassifier((64,), max_iter=epochs, **params), draws, **randomized),
            "RandomizedSearchCV(MLPClassifier)": lambda: RandomizedSearchCV(
                MLPClassifier((64,), max_iter=epochs, **params), draws, **randomized),
        },
    }


FAMILY_GOALS = {"halving over epochs": ("MLPHalvingGridSearchCV",
                                        "HalvingGridSearchCV(MLPClassifier)", 3),
                "randomized": ("MLPRandomizedSearchCV", "RandomizedSearchCV(MLPClassifier)",
                               6)}


def run_family(quick, report: Report, n_jobs_list=(1,)):
    """Time the halving and randomized searches, print the table, record the targets."""
    grid, folds, epochs, n_iter, max_resources = (
        (QUICK_GRID, 2, 3, 4, 3) if quick else (GRID, 5, 30, 27, 30))
    report.start("search_family", f"Halving (resource='max_iter', max_resources="
                 f"{max_resources}, factor=3) and randomized ({n_iter} draws, (64,), "
                 f"{epochs} epochs) searches, load_digits scaled, float64, {folds} folds, "
                 "sgd, batch 64, random_state=0")
    X, y = load(np.float64)
    header = ["comparison", "n_jobs", "search", "time s", "x vs this", "CPU s",
              "best params", "best score", "rounds (candidates x epochs)"]
    rows = []
    _load_kernels(X, y, grid)
    for n_jobs in n_jobs_list:
        _warm_up(n_jobs)
        for comparison, makers in family_searches(grid, folds, epochs, n_iter,
                                                  max_resources, n_jobs).items():
            times, best = {}, {}
            for name, make in makers.items():
                start, start_cpu = time.perf_counter(), cpu_time()
                search = quiet(lambda: make().fit(X, y))
                times[name] = time.perf_counter() - start
                best[name] = _short(search.best_params_)  # exact: the same draws
                shown = {k: float(f"{v:.4g}") if isinstance(v, float) else v
                         for k, v in search.best_params_.items()}
                rounds = " ".join(f"{n}x{r}" for n, r in zip(
                    getattr(search, "n_candidates_", []), getattr(search, "n_resources_", [])))
                rows.append([comparison, n_jobs, name, fmt_s(times[name]), "",
                             fmt_s(cpu_time() - start_cpu), _short(shown),
                             f"{search.best_score_:.4f}", rounds or "-"])
            ours = next(iter(makers))
            for row in rows[-len(makers):]:
                row[4] = f"{times[row[2]] / times[ours]:.2f}"
            ours, theirs, goal = FAMILY_GOALS[comparison]
            value = times[theirs] / times[ours]
            report.check(f"{ours} vs {theirs}, n_jobs={n_jobs}", f">= {goal}x faster",
                         f"{value:.2f}x", value >= goal, ratio=value, goal=goal)
            report.check(f"best candidate of the three {comparison} searches, "
                         f"n_jobs={n_jobs}", "the same", " | ".join(sorted(set(best.values()))),
                         len(set(best.values())) == 1)
    report.table(header, rows)


def profile(quick, dtype, top=25):
    """cProfile of one MLPGridSearchCV fit at n_jobs=1: where its time goes, by function."""
    import cProfile
    import pstats

    grid, folds, epochs = (QUICK_GRID, 2, 3) if quick else (GRID, 5, 30)
    X, y = load(dtype)
    search = searches(grid, folds, epochs, n_jobs=1)["MLPGridSearchCV"]()
    profiler = cProfile.Profile()
    quiet(lambda: profiler.runcall(search.fit, X, y))
    stats = pstats.Stats(profiler)
    print(f"{dtype.name}: MLPGridSearchCV.fit under cProfile (which slows the Python parts), "
          f"{stats.total_tt:.1f} s; the {top} functions with the most time of their own:")
    stats.sort_stats("tottime").print_stats(top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny grid, 2 folds, 3 epochs")
    parser.add_argument("--n-jobs", type=int, action="append",
                        help="joblib workers (repeatable; default 1 and 2)")
    parser.add_argument("--profile", choices=["float64", "float32"],
                        help="instead: profile one MLPGridSearchCV (n_jobs=1) on this dtype")
    parser.add_argument("--part", choices=["grid", "family", "regression", "all"],
                        default="all",
                        help="the grid searches, the halving / randomized ones, the "
                             "regression grid, or all")
    args = parser.parse_args(argv)
    report = Report(" ".join(["python benchmarks/bench_search.py",
                              *(sys.argv[1:] if argv is None else argv)]))
    print(f"machine: {report.machine}")
    if args.profile:
        profile(args.quick, np.dtype(args.profile))
        return 0
    run(args.quick, report, tuple(args.n_jobs or (1, 2)), args.part)
    print(report.summary())
    publish.save(report, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
