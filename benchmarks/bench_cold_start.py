"""Cold start: the first fit in a fresh interpreter, compilation of the kernels included.

The training step's kernels (skmlp/_kernels.py) are compiled by numba the first
time they run and cached on disk next to the module (``cache=True``). A fresh
install has no cache: its first fit compiles. This copies the package into a new
directory (no cache, as after ``pip install``), then runs the same small script in
three fresh interpreters on it: the first compiles, the next two load the cache.
Each script imports skmlp and fits ManualMLPClassifier (sgd and adam, float64 and
float32, every kernel) on load_digits; the times are measured inside the script
(imports, first fit, the fits that follow) and as the whole process.

    python benchmarks/bench_cold_start.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Report, fmt_s

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import json, time, warnings
start = time.perf_counter()
import numpy as np
from sklearn.datasets import load_digits
import skmlp
from skmlp import ManualMLPClassifier
imported = time.perf_counter()
X, y = load_digits(return_X_y=True)
X = X / 16
fits = []
for solver in ("sgd", "adam"):
    for dtype in (np.float64, np.float32):
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ManualMLPClassifier((32,), solver=solver, max_iter=2, random_state=0).fit(
                X.astype(dtype), y)
        fits.append(time.perf_counter() - t)
print(json.dumps({"import": imported - start, "fits": fits, "file": skmlp.__file__}))
"""


def _run(directory):
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=directory, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(directory)})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - start
    assert Path(result["file"]).is_relative_to(directory), result["file"]
    return result


def run(report: Report):
    report.start("cold_start", "Cold start: a fresh copy of the package (no numba cache), "
                 "then the same script in three fresh interpreters: import skmlp, then "
                 "4 fits of a (32,) network on load_digits (sgd and adam, float64 and "
                 "float32, 2 epochs each)")
    with tempfile.TemporaryDirectory(prefix="skmlp-cold-") as tmp:
        shutil.copytree(ROOT / "skmlp", Path(tmp) / "skmlp",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        runs = [_run(Path(tmp)) for _ in range(3)]
    rows = []
    for label, result in zip(["first (compiles)", "second (cache)", "third (cache)"], runs):
        rows.append([label, fmt_s(result["import"]), fmt_s(result["fits"][0]),
                     fmt_s(sum(result["fits"][1:])), fmt_s(result["process"])])
    report.table(["interpreter", "import s", "first fit s", "3 more fits s", "process s"],
                 rows)
    compile_s = runs[0]["process"] - min(r["process"] for r in runs[1:])
    report.note(f"compiling the kernels costs about {compile_s:.1f} s once per machine "
                "(first process minus the cached ones)")
    cached_first = min(r["import"] + r["fits"][0] for r in runs[1:])
    report.check("first fit from the cache, import included", "< 2 s",
                 f"{cached_first:.2f} s", cached_first < 2)


def main():
    report = Report("python benchmarks/bench_cold_start.py")
    print(f"machine: {report.machine}")
    run(report)
    print(report.summary())
    import publish

    publish.save(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
