"""Shared helpers of the benchmarks: data, timing, peak memory, tables.

Nothing here asserts anything about speed: the benchmarks measure and print.
"""

import datetime
import gc
import json
import os
import platform
import re
import sys
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # benchmark the skmlp of this tree, installed or not
    sys.path.insert(0, str(REPO))

GIB = 2.0**30
MIB = 2.0**20


# ---------------------------------------------------------------- data
def load_data(quick, dtype=np.float32):
    """Return (name, X_train, y_train, X_test, y_test) with pixels scaled to [0, 1].

    Full mode: Fashion-MNIST (60,000 + 10,000) through
    skmlp.datasets.load_fashion_mnist. Quick mode: the bundled 5,000-digit MNIST
    subset (skmlp.datasets.load_mnist_subset), 4,000 rows train, 1,000 test
    (stratified split, fixed seed).
    """
    from skmlp import datasets

    if quick:
        from sklearn.model_selection import train_test_split

        X, y = datasets.load_mnist_subset(return_X_y=True, dtype=dtype)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=1000, stratify=y, random_state=0
        )
        name = "MNIST subset (skmlp.datasets.load_mnist_subset)"
    else:
        X_train, y_train, X_test, y_test = datasets.load_fashion_mnist(
            return_X_y=True, dtype=dtype
        )
        name = "Fashion-MNIST (skmlp.datasets.load_fashion_mnist)"
    X_train = np.ascontiguousarray(X_train, dtype=dtype)
    X_test = np.ascontiguousarray(X_test, dtype=dtype)
    X_train /= dtype(255)  # in place: stays in `dtype`
    X_test /= dtype(255)
    return name, X_train, np.asarray(y_train), X_test, np.asarray(y_test)


# ---------------------------------------------------------------- timing
class Seconds(float):
    """A wall time in seconds that also carries ``others``: the share of the
    machine's CPU time (all cores) used by OTHER processes while it was measured
    (from /proc/stat minus this process's CPU time; nan where unavailable)."""

    others = float("nan")


def _cpu_snapshot():
    """(wall s, busy CPU s of the whole machine, CPU s of this process)."""
    own = os.times()
    try:
        with open("/proc/stat") as f:
            jiffies = [int(v) for v in f.readline().split()[1:9]]
        busy = (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        busy = float("nan")
    return time.perf_counter(), busy, own.user + own.system


def _proc_cpu_and_parent(pid):
    """(CPU s, parent pid) of a live process from /proc/<pid>/stat; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)"
    except (OSError, IndexError):
        return None
    # fields[1] is the parent pid; fields[11], fields[12] are utime, stime (in ticks)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


def cpu_time():
    """CPU seconds (user + system) of this process and of all its worker processes.

    ``time.process_time()`` counts this process only: a search with n_jobs=2 does
    its work in joblib's worker processes, which it would miss. This adds every
    live descendant (from /proc) and the children that have finished
    (``os.times()``'s children fields, RUSAGE_CHILDREN); the difference of two calls
    is the CPU time of everything the call between them ran. Where /proc is
    missing (not Linux), live workers are not counted.
    """
    own = os.times()
    total = own.user + own.system + own.children_user + own.children_system
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return total
    stats = {pid: s for pid in pids if (s := _proc_cpu_and_parent(pid)) is not None}
    children = {}
    for pid, (_, parent) in stats.items():
        children.setdefault(parent, []).append(pid)
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += stats[pid][0]
        todo += children.get(pid, [])
    return total


def others_share(before, after):
    """CPU share of other processes between two _cpu_snapshot()s, in [0, 1]
    (nan for intervals under 0.5 s)."""
    wall = after[0] - before[0]
    if wall < 0.5:  # /proc/stat counts in 10 ms ticks: too coarse for short calls
        return float("nan")
    foreign = (after[1] - before[1]) - (after[2] - before[2])
    return min(1.0, max(0.0, foreign / (wall * (os.cpu_count() or 1))))


def best_time(fn, repeat=3, budget=10.0):
    """Best wall time (time.perf_counter) of up to `repeat` calls of fn().

    Stops repeating once the calls made so far took `budget` seconds in total, so
    slow calls run once. Returns (Seconds of the best call, result of the last call).
    """
    best, spent, result = Seconds("inf"), 0.0, None
    for _ in range(max(1, repeat)):
        gc.collect()
        before = _cpu_snapshot()
        result = fn()
        after = _cpu_snapshot()
        elapsed = after[0] - before[0]
        if elapsed < best:
            best = Seconds(elapsed)
            best.others = others_share(before, after)
        spent += elapsed
        if spent >= budget:
            break
    return best, result


class Turn(NamedTuple):
    """A function's fastest round in :func:`in_turns`."""

    seconds: Seconds  # wall time, with the others' CPU share
    cpu_seconds: float  # CPU time of this process and its workers (cpu_time)
    result: object
    peak_mib: float  # peak RSS of the process during the call (VmHWM)


def in_turns(fns, rounds):
    """Call every ``fns[i]()`` ``rounds`` times, taking turns; per function, its fastest round.

    Each call repeats the same work, so the fastest is the least disturbed by
    the shared machine, whose speed drifts by tens of percent from one minute
    to the next; taking turns (round by round rather than function by
    function) spreads a slow spell over every function instead of one.
    Warnings are silenced (:func:`quiet`). Returns a list of :class:`Turn`.
    """
    best = [None] * len(fns)
    for _ in range(max(1, rounds)):
        for i, fn in enumerate(fns):
            reset_peak_rss()
            start_cpu = cpu_time()
            seconds, result = best_time(lambda: quiet(fn), repeat=1)
            turn = Turn(seconds, cpu_time() - start_cpu, result,
                        proc_status_kib("VmHWM") / 1024)
            if best[i] is None or seconds < best[i].seconds:
                best[i] = turn
    return best


def fmt_others(*timings):
    """Largest 'others' share of some Seconds, as a percentage."""
    shares = [t.others for t in timings if isinstance(t, Seconds) and np.isfinite(t.others)]
    return f"{100 * max(shares):.0f}" if shares else "-"


def traced_peak(fn):
    """Peak bytes allocated through Python/numpy while fn() runs (tracemalloc).

    numpy reports its data buffers to tracemalloc, so this sees every array copy;
    memory that BLAS allocates internally is not included. The run is not timed
    (tracemalloc slows Python down). Returns (peak bytes above the start, result).
    """
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start, result


def quiet(fn):
    """Call fn() with ConvergenceWarning and friends silenced (fixed epochs on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


# ---------------------------------------------------------------- RSS
def proc_status_kib(field):
    """Value of `field` (e.g. 'VmHWM', 'VmRSS') in /proc/self/status, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- reporting
def machine_line():
    """One line naming the machine, the BLAS and its threads, the versions."""
    import scipy
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    pools = ""
    try:
        from threadpoolctl import threadpool_info

        pools = "; thread pools: " + ", ".join(
            f"{p['internal_api']} {p['version']} ({Path(p['filepath']).name.split('-')[0]}) "
            f"x{p['num_threads']}" for p in threadpool_info())
    except ImportError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{pools}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"
    )


def format_table(header, rows):
    """Plain fixed-width table: first column left-aligned, the rest right-aligned."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for k, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt_s(seconds):
    """Seconds with 3 significant digits (or '-')."""
    if seconds is None or not np.isfinite(seconds):
        return "-"
    return f"{seconds:.3g}"


def fmt_mib(nbytes):
    return "-" if nbytes is None else f"{nbytes / MIB:.0f}"


class Report:
    """What one run measures: per comparison its tables, notes and targets.

    Each comparison opens its section with ``start(key, title)``; ``table`` and
    ``note`` print and record, ``check`` records a target. ``write(directory)``
    saves one ``<key>.json`` per section (the format is in benchmarks/publish.py,
    which renders these files into benchmarks/README.md and the docs).
    """

    def __init__(self, command):
        self.command = command
        self.date = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
        self.machine = machine_line()
        self.load_start = os.getloadavg()
        self.sections = {}
        self.current = None

    def start(self, key, title):
        print(f"\n== {title} ==")
        self.current = self.sections[key] = dict(title=title, tables=[], notes=[],
                                                 targets=[])

    def table(self, header, rows):
        print(format_table(header, rows))
        self.current["tables"].append(dict(columns=list(header),
                                           rows=[[str(c) for c in row] for row in rows]))

    def note(self, text):
        print(text)
        self.current["notes"].append(text)

    def check(self, what, target, measured, met, ratio=None, goal=None):
        """Record a target: what is measured, the target and the measured value as text.

        A speed ratio over scikit-learn also gives `ratio` and its `goal` (numbers):
        the bar figure of the docs draws those.
        """
        entry = dict(what=what, target=target, measured=measured, met=bool(met))
        if ratio is not None:
            entry.update(ratio=float(ratio), goal=float(goal))
        self.current["targets"].append(entry)
        return met

    def summary(self):
        """The targets of every section as one printed table."""
        rows = [[t["what"], t["target"], t["measured"], "met" if t["met"] else "MISSED"]
                for section in self.sections.values() for t in section["targets"]]
        return format_table(["target", "goal", "measured", "status"], rows)

    def write(self, directory):
        """Save each section as <directory>/<key>.json; returns the paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        load_end = os.getloadavg()
        paths = []
        for key, section in self.sections.items():
            result = dict(benchmark=key, date=self.date, command=self.command,
                          machine=self.machine,
                          load_average=dict(start=list(self.load_start), end=list(load_end)),
                          **section)
            path = directory / f"{key}.json"
            path.write_text(dump_json(result))
            paths.append(path)
        return paths


def dump_json(result):
    """JSON text, indented, with each list of plain values (a table row) on one line."""
    text = json.dumps(result, indent=1)
    return re.sub(r"\[\n\s*([^\[\]{}]*?)\n\s*\]",
                  lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text) + "\n"


# ---------------------------------------------------------------- one estimator
def time_case(make, X, y, X_test, y_test, *, repeat=3, fit_repeat=1, fit_budget=10.0,
              trace=True, method="predict"):
    """Time fit (best of `fit_repeat`, within `fit_budget` s) and `method` on X_test.

    Returns a dict: model, fit_s, predict_s, accuracy, peak (tracemalloc peak of a
    separate untimed fit, or None), out_dtype (dtype of the method's output).
    """
    model = make()
    fit_s, _ = best_time(lambda: quiet(lambda: model.fit(X, y)), fit_repeat, fit_budget)
    predict = getattr(model, method)
    predict_s, out = best_time(lambda: predict(X_test), repeat=repeat, budget=5.0)
    y_pred = model.predict(X_test) if method != "predict" else out
    peak = None
    if trace:
        peak, _ = traced_peak(lambda: quiet(lambda: make().fit(X, y)))
    return dict(model=model, fit_s=fit_s, predict_s=predict_s, out_dtype=out.dtype,
                others=fmt_others(fit_s, predict_s),
                accuracy=float(np.mean(y_pred == y_test)), peak=peak)


def ratio(reference_s, ours_s):
    return reference_s / ours_s if ours_s > 0 else np.inf
