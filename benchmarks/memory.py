"""Peak memory (RSS) of each fit, one fresh subprocess per estimator.

Each worker imports everything, notes its RSS (the baseline: interpreter, numpy,
scipy, sklearn, skmlp), generates X (n x 784 float32, uniform in [0, 1), written in
place so generating it needs no temporary) and y (10 balanced classes), resets the
peak RSS (/proc/self/clear_refs) and fits. Reported: peak RSS minus baseline (this
includes X itself) against the target, and the part above X.

Run through ``python benchmarks/run.py --memory``; a single worker with
``python benchmarks/memory.py --worker skmlp-mlp --n 1000000``.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from _common import GIB, MIB, proc_status_kib, quiet, reset_peak_rss

N_FEATURES = 784
ALLOWANCE = {"mlp": ("X + 1 GiB", 1.0), "perceptron": ("X + 0.5 GiB", 0.5)}


def make_estimator(name):
    """(family, estimator) for a worker name; the iterative ones run 1 epoch."""
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
    from sklearn.linear_model import Perceptron
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neural_network import MLPClassifier

    from skmlp import GaussianBayesClassifier, ManualMLPClassifier, PerceptronClassifier

    mlp = dict(hidden_layer_sizes=(64,), solver="sgd", momentum=0.9, batch_size=200,
               learning_rate_init=0.01, max_iter=1, tol=0.0, n_iter_no_change=10**6,
               random_state=0)
    perceptron = dict(max_iter=1, tol=None, random_state=0)
    table = {
        "skmlp-mlp": ("mlp", lambda: ManualMLPClassifier(**mlp)),
        "sklearn-mlp": ("mlp", lambda: MLPClassifier(**mlp)),
        "skmlp-perceptron": ("perceptron", lambda: PerceptronClassifier(**perceptron)),
        "skmlp-perceptron-avg": ("perceptron",
                                 lambda: PerceptronClassifier(average=True, **perceptron)),
        "sklearn-perceptron": ("perceptron", lambda: Perceptron(**perceptron)),
        "skmlp-gauss-full": ("gaussian",
                             lambda: GaussianBayesClassifier(covariance_type="full",
                                                             var_smoothing=1e-3)),
        "skmlp-gauss-diag": ("gaussian", lambda: GaussianBayesClassifier(covariance_type="diag")),
        "sklearn-qda": ("gaussian", lambda: QuadraticDiscriminantAnalysis(reg_param=0.01)),
        "sklearn-gaussiannb": ("gaussian", lambda: GaussianNB()),
    }
    family, make = table[name]
    return family, make()


WORKERS = ["skmlp-mlp", "sklearn-mlp", "skmlp-perceptron", "skmlp-perceptron-avg",
           "sklearn-perceptron", "skmlp-gauss-full", "sklearn-qda", "skmlp-gauss-diag",
           "sklearn-gaussiannb"]


SKMLP_WORKERS = [name for name in WORKERS if name.startswith("skmlp")]


def worker(name, n):
    """Fit one estimator on generated data; print one JSON line of measurements."""
    family, estimator = make_estimator(name)
    baseline = proc_status_kib("VmRSS") * 1024
    rng = np.random.default_rng(0)
    X = np.empty((n, N_FEATURES), dtype=np.float32)
    for start in range(0, n, 65536):  # chunked: no full-size temporary
        rng.random(out=X[start : start + 65536], dtype=np.float32)
    y = np.arange(n) % 10
    with_data = proc_status_kib("VmRSS") * 1024
    reset_ok = reset_peak_rss()
    start = time.perf_counter()
    quiet(lambda: estimator.fit(X, y))
    seconds = time.perf_counter() - start
    peak = proc_status_kib("VmHWM") * 1024
    print(json.dumps(dict(name=name, family=family, n=n, x_bytes=X.nbytes, baseline=baseline,
                          with_data=with_data, peak=peak, reset_ok=reset_ok,
                          fit_s=seconds)))


def run_worker(name, n, threads=None):
    """Run one worker in a fresh interpreter; return its JSON result."""
    env = dict(os.environ)
    if threads:
        env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, __file__, "--worker", name, "--n", str(n)],
                          capture_output=True, text=True, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return dict(name=name, skipped=f"failed (exit {proc.returncode}): {tail}")
    return json.loads(lines[-1])


def row_and_target(r):
    """Table row and (target text, limit in bytes above baseline) for one result."""
    x = r["x_bytes"]
    if r["family"] == "gaussian":
        text, limit = "2X", 2 * x
    else:
        text, extra = ALLOWANCE[r["family"]]
        limit = x + extra * GIB
    used = r["peak"] - r["baseline"]
    status = ("met" if used <= limit else "MISSED") if r["name"].startswith("skmlp") else "-"
    row = [r["name"], f"{r['baseline'] / MIB:.0f}", f"{r['peak'] / MIB:.0f}",
           f"{used / GIB:.2f}", f"{(used - x) / GIB:+.2f}", f"{used / x:.2f}", text,
           status, f"{r['fit_s']:.1f}"]
    return row, text, used <= limit


def run(n, report, names=WORKERS, threads=None):
    """Run every worker one after the other, print the table, record the targets."""
    rows, reset_ok, checks = [], True, []
    for name in names:
        r = run_worker(name, n, threads)
        print(f"memory: {name} done", file=sys.stderr, flush=True)  # progress, not the table
        if "skipped" in r:
            rows.append([name, "-", "-", "-", "-", "-", "-", r["skipped"], "-"])
            continue
        reset_ok &= r["reset_ok"]
        row, text, met = row_and_target(r)
        rows.append(row)
        if name.startswith("skmlp"):
            used = r["peak"] - r["baseline"]
            checks.append((f"memory of {name}, peak - baseline", f"<= {text}",
                           f"{used / GIB:.2f} GiB = X {(used - r['x_bytes']) / GIB:+.2f} GiB",
                           met))
    x_gib = n * N_FEATURES * 4 / GIB
    report.start("memory", f"Peak RSS of one fit, {n} x {N_FEATURES} float32 (X = {x_gib:.2f} "
                 "GiB), fresh subprocess each; MLP 784-64-10 sgd and perceptron: 1 epoch")
    report.table(["estimator", "baseline MiB", "peak MiB", "peak-base GiB", "above X GiB",
                 "(peak-base)/X", "target", "status", "fit s"], rows)
    report.note("baseline = RSS after imports, before X; peak = VmHWM after the fit"
                + ("" if reset_ok else " (peak reset not permitted: VmHWM since process start)"))
    for check in checks:
        report.check(*check)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", required=True, choices=WORKERS)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    worker(args.worker, args.n)
