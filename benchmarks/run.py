"""skmlp vs scikit-learn, side by side in one process: speed, accuracy, memory.

    python benchmarks/run.py            # Fashion-MNIST, the three comparisons
    python benchmarks/run.py --memory   # peak RSS on 1,000,000 x 784 float32 (subprocesses)
    python benchmarks/run.py --quick    # bundled MNIST subset, small: a CI smoke test

Prints one table per comparison and a summary of the targets, and saves each
comparison as benchmarks/results/<name>.json, from which benchmarks/report.py
renders the tables of benchmarks/README.md and of the docs' benchmarks page.
A --quick run saves its results in a temporary directory instead: its numbers
judge nothing and never replace a real run's. Nothing is asserted: the exit
code is 0 whenever every benchmark ran.
"""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

import _common
import publish
from _common import Report


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="bundled MNIST subset, 2 epochs, small memory run (CI smoke test)")
    parser.add_argument("--memory", action="store_true",
                        help="only the peak-RSS benchmark (one subprocess per estimator)")
    parser.add_argument("--only", choices=["mlp", "perceptron", "bayes", "shrinkage",
                                           "search", "cold_start", "regularisers"],
                        action="append",
                        help="run only these speed comparisons (repeatable)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="MLP epochs (default 2)")
    parser.add_argument("--memory-n", type=int, default=None,
                        help="rows of the memory benchmark "
                             "(default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="best of REPEAT for the short measurements (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS/OpenMP threads (threadpoolctl) for every estimator")
    parser.add_argument("--no-trace", action="store_true",
                        help="skip the tracemalloc fit-peak column (saves one fit per row)")
    parser.add_argument("--results", type=Path, default=None,
                        help="directory of the result files (default benchmarks/results; "
                             "with --quick a new temporary directory)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    command = " ".join(["python benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    limiter = contextlib.nullcontext()
    if args.threads:
        import scipy.linalg  # noqa: F401  load every BLAS / OpenMP library first,
        import sklearn.neural_network  # noqa: F401  so that the limit reaches them all
        from threadpoolctl import threadpool_limits

        import skmlp  # noqa: F401

        limiter = threadpool_limits(args.threads)
    with limiter:
        report = Report(command)
        print(f"skmlp benchmarks, {report.date}, command: {command}")
        print(f"machine: {report.machine}")
        print("load average at start: %.2f %.2f %.2f (1, 5, 15 min)" % report.load_start)
        if args.memory or args.quick:
            import memory

            names = memory.SKMLP_WORKERS if args.quick else memory.WORKERS
            memory.run(args.memory_n or (10_000 if args.quick else 1_000_000), report,
                       names, threads=args.threads)
        if not args.memory:
            run_speed(args, report)
    smoke = ": --quick is a smoke test, its numbers judge nothing" if args.quick else ""
    print(f"\n== Targets{smoke} ==")
    print(report.summary())
    print("load average at end: %.2f %.2f %.2f (1, 5, 15 min)" % os.getloadavg())
    publish.save(report, args.results, quick=args.quick)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def run_speed(args, report):
    import bench_bayes
    import bench_cold_start
    import bench_mlp
    import bench_perceptron
    import bench_regularisers
    import bench_search
    import bench_shrinkage

    data = _common.load_data(args.quick)
    only = args.only or ["mlp", "perceptron", "bayes", "shrinkage", "search", "cold_start",
                         "regularisers"]
    trace = not args.no_trace
    if "mlp" in only:
        bench_mlp.run(data, args.epochs or 2, report, args.repeat, trace)
        bench_mlp.run_regressor(data, args.epochs or 2, report, args.repeat, trace)
        bench_mlp.run_digits(report, repeat=2 if args.quick else 5)
    if "perceptron" in only:
        bench_perceptron.run(data, 5, report, args.repeat, trace, seeds=1 if args.quick else 10)
    if "bayes" in only:
        bench_bayes.run(data, report, args.repeat, trace)
    if "shrinkage" in only:
        bench_shrinkage.run(data, report, args.repeat, trace)
    if "search" in only:  # the load_digits grid search, its own data
        bench_search.run(args.quick, report)
    if "cold_start" in only and not args.quick:
        bench_cold_start.run(report)
    if "regularisers" in only:  # dropout, weight decay, cosine: 20 epochs (2 with --quick)
        bench_regularisers.run(data, report, epochs=2 if args.quick else 20)


if __name__ == "__main__":
    sys.exit(main())
