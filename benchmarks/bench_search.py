"""MLPGridSearchCV vs GridSearchCV(ManualMLPClassifier) vs GridSearchCV(MLPClassifier).

The grid of issue 12: load_digits scaled, learning_rate_init {1e-3, 1e-2, 1e-1} x
alpha {1e-4, 1e-2, 1} x hidden {(32,), (64,), (128, 64)}, 5 folds, sgd, batch 64,
30 epochs (max_iter=30), random_state=0, n_jobs 1 and 2, on float64 data and on the
same data in float32. Wall time, ratio, CPU time of this process (with n_jobs=1 the
whole search: on a shared machine a fairer measure of the work than wall time), best
candidate and score, peak RSS of the main process, and the search's achieved
GFLOP/s against numpy's matmul throughput on the same shapes, measured in the same
run (how close to the limit the search gets).

    python benchmarks/bench_search.py [--quick]
"""

import argparse
import sys
import time

import numpy as np

from _common import (Targets, fmt_s, format_table, machine_line, proc_status_kib, quiet,
                     reset_peak_rss)
from bench_mlp import epoch_flops, layer_shapes, matmul_epoch_time

GRID = {"learning_rate_init": [1e-3, 1e-2, 1e-1], "alpha": [1e-4, 1e-2, 1.0],
        "hidden_layer_sizes": [(32,), (64,), (128, 64)]}
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

    params = dict(solver="sgd", batch_size=64, max_iter=epochs, random_state=0)
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


def run(quick, targets: Targets, n_jobs_list=(1, 2)):
    """Run every search, print the table, record the targets of issue 12."""
    grid, folds, epochs = (QUICK_GRID, 2, 3) if quick else (GRID, 5, 30)
    header = ["data", "n_jobs", "search", "time s", "x vs this", "CPU s", "x CPU",
              "best params", "best score", "peak RSS MiB", "GFLOP/s"]
    rows, times, cpu, best = [], {}, {}, {}
    for dtype in (np.float64, np.float32):
        X, y = load(dtype)
        flops = search_flops(X, y, grid, folds, epochs)
        low, high = matmul_gflops(X, y, grid, dtype)
        print(f"{np.dtype(dtype).name}: numpy matmul on the epoch's products "
              f"{low:.1f}-{high:.1f} GFLOP/s; the search's products: {flops / 1e9:.1f} GFLOP "
              f"(at {epochs} epochs per fit)")
        for n_jobs in n_jobs_list:
            _warm_up(n_jobs)
            for name, make in searches(grid, folds, epochs, n_jobs).items():
                reset_peak_rss()
                start, start_cpu = time.perf_counter(), time.process_time()
                search = quiet(lambda: make().fit(X, y))
                seconds = time.perf_counter() - start
                cpu_seconds = time.process_time() - start_cpu
                peak = proc_status_kib("VmHWM") / 1024
                key = (np.dtype(dtype).name, n_jobs)
                times[key + (name,)] = seconds
                cpu[key + (name,)] = cpu_seconds
                best[key + (name,)] = (search.best_params_, search.best_score_)
                rows.append([key[0], n_jobs, name, fmt_s(seconds), "", fmt_s(cpu_seconds), "",
                             _short(search.best_params_), f"{search.best_score_:.4f}",
                             f"{peak:.0f}", f"{flops / seconds / 1e9:.1f}"])
    for row in rows:  # speed-up of MLPGridSearchCV over each search of its block
        ours = times[(row[0], row[1], "MLPGridSearchCV")]
        row[4] = f"{times[(row[0], row[1], row[2])] / ours:.2f}"
        if row[1] == 1:  # CPU time of this process: the whole search only with n_jobs=1
            row[6] = f"{cpu[(row[0], 1, row[2])] / cpu[(row[0], 1, 'MLPGridSearchCV')]:.2f}"
    print(format_table(header, rows))
    _check_targets(times, best, n_jobs_list, targets)


def _warm_up(n_jobs):
    """Start joblib's workers (and their imports) before timing, for every search alike."""
    import importlib

    from joblib import Parallel, delayed

    Parallel(n_jobs=n_jobs)(delayed(importlib.import_module)("skmlp.model_selection")
                            for _ in range(2 * n_jobs))


def _short(params):
    return ", ".join(f"{k.replace('hidden_layer_sizes', 'hidden')}={v}"
                     for k, v in sorted(params.items()))


def _check_targets(times, best, n_jobs_list, targets):
    for n_jobs in n_jobs_list:
        def speedup(dtype, other):
            return (times[(dtype, n_jobs, other)]
                    / times[(dtype, n_jobs, "MLPGridSearchCV")])

        for dtype, other, goal in [("float64", "GridSearchCV(MLPClassifier)", 5),
                                   ("float64", "GridSearchCV(ManualMLPClassifier)", 3),
                                   ("float32", "GridSearchCV(MLPClassifier)", 8)]:
            value = speedup(dtype, other)
            targets.check(f"search {dtype} n_jobs={n_jobs}: >= {goal}x vs {other}",
                          f"{value:.2f}x", value >= goal)
        for dtype in ("float64", "float32"):
            found = {_short(best[(dtype, n_jobs, name)][0]) for name in (
                "MLPGridSearchCV", "GridSearchCV(ManualMLPClassifier)",
                "GridSearchCV(MLPClassifier)")}
            targets.check(f"search {dtype} n_jobs={n_jobs}: same best candidate",
                          " | ".join(sorted(found)), len(found) == 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny grid, 2 folds, 3 epochs")
    parser.add_argument("--n-jobs", type=int, action="append",
                        help="joblib workers (repeatable; default 1 and 2)")
    args = parser.parse_args(argv)
    print(f"machine: {machine_line()}")
    targets = Targets()
    run(args.quick, targets, tuple(args.n_jobs or (1, 2)))
    print(targets.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
