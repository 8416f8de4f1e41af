"""Tests of the demo, ``python -m skmlp``: options, errors and a short run."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

from skmlp import __main__ as demo

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPTIONS = ("--dataset", "--hidden", "--epochs", "--lr", "--momentum", "--alpha",
           "--solver", "--batch-size", "--seed", "--threads", "--compare-sklearn", "--plot")


def run_cli(*args):
    """``python -m skmlp args`` in a subprocess, from the repository root."""
    return subprocess.run([sys.executable, "-m", "skmlp", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_help_subprocess_lists_options():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for option in OPTIONS:
        assert option in result.stdout
    for choice in ("mnist-subset", "fashion-mnist", "digits", "sgd", "adam", "lbfgs"):
        assert choice in result.stdout


def test_bad_option_subprocess_one_line_no_traceback():
    result = run_cli("--hidden", "abc")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--hidden" in lines[0] and "'abc'" in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--hidden", "abc"], "comma-separated list of positive layer sizes"),
        (["--hidden", "300,0"], "comma-separated list of positive layer sizes"),
        (["--epochs", "-1"], "argument --epochs: '-1' must be at least 1"),
        (["--epochs", "2.5"], "argument --epochs: '2.5' is not an integer"),
        (["--lr", "0"], "argument --lr: '0' must be a finite number > 0"),
        (["--lr", "nan"], "argument --lr: 'nan' must be a finite number > 0"),
        (["--alpha", "-0.001"], "argument --alpha: '-0.001' must be a finite number >= 0"),
        (["--momentum", "1.5"], "argument --momentum: 1.5 must be <= 1"),
        (["--batch-size", "0"], "argument --batch-size: '0' must be at least 1"),
        (["--solver", "newton"], "argument --solver: invalid choice: 'newton'"),
        (["--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
        (["--plot", "/no/such/folder/x.png"], "argument --plot: folder '/no/such/folder'"),
        (["--threads", "0"], "argument --threads: '0' must be at least 1"),
        # more than a C int: would overflow the ETA's float and the thread limit
        (["--epochs", "1" + "0" * 400], "0' must be at most 2147483647"),
        (["--threads", str(2**31)], "argument --threads: '2147483648' must be at most 2147483647"),
        (["--plot", "demo.xyz"], "argument --plot: 'demo.xyz' does not end with a known"),
        # checked before any training (nothing on stdout), not ignored
        (["--plot", ""], "argument --plot: empty file name"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        # issue 9: a seed numpy refuses, a network that cannot fit in memory
        (["--seed", "-5"], "argument --seed: '-5' must be in [0, 2**32 - 1]"),
        (["--seed", str(2**32)], "argument --seed: '4294967296' must be in"),
        (["--hidden", "1000000000"],
         "argument --hidden: a 784-1000000000-10 network needs at least"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, argv, expected):
    with pytest.raises(SystemExit) as excinfo:
        demo.main(argv)
    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("python -m skmlp: error: ") and expected in lines[0]


def test_fashion_mnist_absent_is_a_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("skmlp.datasets._base.FASHION_MNIST_DEBIAN_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as excinfo:
        demo.main(["--dataset", "fashion-mnist"])
    assert excinfo.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "Fashion-MNIST not found" in lines[0]
    assert "apt-get install dataset-fashion-mnist" in lines[0]


def test_diverging_training_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as excinfo:
        demo.main(["--dataset", "digits", "--hidden", "16", "--epochs", "3", "--lr", "1000"])
    assert excinfo.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "error: training failed:" in lines[0]


def test_help_in_process_exits_0(capsys):
    with pytest.raises(SystemExit) as excinfo:
        demo.main(["--help"])
    assert excinfo.value.code == 0
    assert "default: 300,100" in capsys.readouterr().out


def test_parse_args_defaults():
    args = demo.parse_args([])
    assert args.dataset == "mnist-subset" and args.hidden == (300, 100)
    assert args.solver == "sgd" and args.lr == demo.DEFAULT_LR["sgd"]
    assert demo.parse_args(["--solver", "adam"]).lr == 0.001
    assert demo.parse_args(["--hidden", "50"]).hidden == (50,)


def test_format_confusion_matrix_matches_counts():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    lines = demo.format_confusion_matrix(y_true, y_pred, np.arange(3)).splitlines()
    rows = [[int(v) for v in line.split()[1:]] for line in lines[1:]]
    # rows: true class, columns: predicted (counted by hand from the arrays)
    assert rows == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def _numbers_after(label, text):
    return [float(v) for v in re.findall(label + r"\s+([0-9.]+)", text)]


def test_end_to_end_digits(capsys, tmp_path):
    plot = tmp_path / "demo.png"
    demo.main(["--dataset", "digits", "--epochs", "3", "--hidden", "32",
               "--compare-sklearn", "--plot", str(plot)])
    out = capsys.readouterr().out
    progress = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(progress) == 3 and progress[-1].startswith("epoch   3/3")
    for word in ("loss", "val acc", "elapsed", "ETA"):
        assert all(word in line for line in progress)
    losses = _numbers_after("loss", "\n".join(progress))
    assert losses[-1] < losses[0]  # training made progress
    # the printed accuracy is the confusion matrix's trace over its total
    accuracy = _numbers_after("Test accuracy:", out)[0]
    matrix_lines = out.split("columns: predicted class):\n")[1].splitlines()[1:11]
    matrix = np.array([[int(v) for v in line.split()[1:]] for line in matrix_lines])
    assert matrix.shape == (10, 10) and matrix.sum() == 360
    assert accuracy == pytest.approx(np.trace(matrix) / matrix.sum(), abs=1e-4)
    assert accuracy > 0.7  # chance is 0.1
    for name in ("PerceptronClassifier", "GaussianBayesClassifier", "sklearn MLPClassifier"):
        line = next(line for line in out.splitlines() if line.strip().startswith(name))
        assert 0.5 < _numbers_after("accuracy", line)[0] <= 1 and "fit" in line
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_end_to_end_lbfgs(capsys):
    demo.main(["--dataset", "digits", "--solver", "lbfgs", "--epochs", "2", "--hidden", "8"])
    out = capsys.readouterr().out
    assert "solver lbfgs" in out and "Test accuracy:" in out
    # rounds of L-BFGS iterations, not epochs of minibatches
    assert "round   2/2" in out and "epoch " not in out
    assert f"rounds of up to {demo.LBFGS_ITERS_PER_EPOCH} iterations" in out


def test_lr_with_lbfgs_is_an_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--solver", "lbfgs", "--lr", "0.01"])
    assert exit_info.value.code == 2
    assert "--lr: L-BFGS has no learning rate" in capsys.readouterr().err


def test_the_first_estimate_is_not_fooled_by_the_first_compile(capsys, monkeypatch):
    # After an install the first training call compiles the kernels (seconds):
    # here a first partial_fit that takes 3 s longer stands for it.
    partial_fit, calls = demo.ManualMLPClassifier.partial_fit, []

    def compiling_first(self, *args, **kwargs):
        if not calls:
            time.sleep(3.0)
        calls.append(1)
        return partial_fit(self, *args, **kwargs)

    monkeypatch.setattr(demo.ManualMLPClassifier, "partial_fit", compiling_first)
    demo.main(["--epochs", "3"])  # the default 784-300-100-10: epochs long enough to time
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    seconds = [[float(s) for s in re.findall(r"(?:elapsed|ETA)\s+([\d.]+)s", line)]
               for line in lines]
    (elapsed_1, eta_1), (total, _) = seconds[0], seconds[-1]
    assert len(lines) == 3 and total > 0
    resolution = 0.1  # the demo prints seconds to one decimal
    assert total / 2 - resolution <= elapsed_1 + eta_1 <= 2 * total + resolution, (lines, seconds)


def test_plot_without_matplotlib_is_a_message(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(demo, "_matplotlib_available", lambda: False)
    plot = tmp_path / "demo.png"
    demo.main(["--dataset", "digits", "--epochs", "1", "--hidden", "8", "--plot", str(plot)])
    captured = capsys.readouterr()
    assert "--plot needs matplotlib (pip install matplotlib)" in captured.err
    assert "Test accuracy:" in captured.out and not plot.exists()


# ---------------------------------------------------------------------------
# The same training with and without rich; the bar only on a terminal
# ---------------------------------------------------------------------------

DIGITS_3_EPOCHS = ["--dataset", "digits", "--epochs", "3", "--hidden", "16"]


def _confusion_matrix(out):
    return out.split("columns: predicted class):\n")[1].split("\n\n")[0]


def test_same_training_and_confusion_matrix_with_and_without_rich(capsys, monkeypatch):
    pytest.importorskip("rich")
    # rich importable and stdout a terminal: the bar is drawn
    monkeypatch.setattr(demo, "_stdout_is_terminal", lambda: True, raising=False)
    demo.main(DIGITS_3_EPOCHS)
    with_bar = capsys.readouterr().out
    assert "epochs" in with_bar and "100%" in with_bar  # the bar's last frame
    # rich blocked: no bar, the same training
    monkeypatch.setitem(sys.modules, "rich", None)
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    demo.main(DIGITS_3_EPOCHS)
    without = capsys.readouterr().out
    assert "100%" not in without
    for label in ("loss", "val acc"):
        values = _numbers_after(label, with_bar)
        assert len(values) == 3 and values == _numbers_after(label, without)
    assert _confusion_matrix(with_bar) == _confusion_matrix(without)
    losses = _numbers_after("loss", without)
    assert losses[0] > losses[1] > losses[2]


def test_no_progress_bar_where_stdout_is_not_a_terminal(capsys):
    # A file or a pipe gets the epoch lines in order, no bar after them.
    pytest.importorskip("rich")
    demo.main(DIGITS_3_EPOCHS)
    lines = capsys.readouterr().out.splitlines()
    epochs = [i for i, line in enumerate(lines) if line.startswith("epoch")]
    assert epochs == list(range(epochs[0], epochs[0] + 3))
    assert lines[epochs[-1] + 1] == "" and lines[epochs[-1] + 2].startswith("Test accuracy")
    assert not any("%" in line for line in lines)


def test_momentum_range_is_mlpclassifiers():
    # [0, 1], as MLPClassifier's (and ManualMLPClassifier's) momentum
    assert "in [0, 1] (default" in " ".join(demo.build_parser().format_help().split())
    assert demo.parse_args(["--momentum", "1"]).momentum == 1.0


# ---------------------------------------------------------------------------
# --plot checked before training
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["directory", "unwritable"])
def test_plot_path_that_cannot_be_written_is_an_error_before_training(
        capsys, tmp_path, where):
    if where == "directory":
        path = tmp_path / "figure.png"
        path.mkdir()
        reason = "Is a directory"
    else:  # not writable, for root too
        if not os.path.isdir("/proc/self"):
            pytest.skip("needs Linux's /proc")
        path, reason = "/proc/self/figure.png", ""
    with pytest.raises(SystemExit) as excinfo:
        demo.main(["--plot", str(path), *DIGITS_3_EPOCHS])
    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no data loaded, no training
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert f"error: argument --plot: cannot write {str(path)!r}: {reason}" in lines[0]
    assert where != "unwritable" or not os.path.exists(path)


def test_plot_check_leaves_no_file_behind(tmp_path, monkeypatch):
    # The check opens the file as saving will; a new file is removed again.
    plot = tmp_path / "demo.png"
    monkeypatch.setattr(demo, "run", lambda args, data: None)
    demo.main(["--plot", str(plot), *DIGITS_3_EPOCHS])
    assert not plot.exists()


# ---------------------------------------------------------------------------
# Interrupts and broken pipes: one line, no traceback, no going on
# ---------------------------------------------------------------------------


def _run_interrupted(argv, capsys):
    """Run the demo, which must end with status 130 and one line; its stdout.

    An interrupt that escapes main() fails the test (instead of stopping
    pytest itself)."""
    try:
        demo.main(argv)
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped main()")
    except SystemExit as exc:
        assert exc.code == demo.INTERRUPTED == 130
    else:
        pytest.fail("main() did not stop")
    captured = capsys.readouterr()
    assert captured.err == "Interrupted.\n"
    assert "Test accuracy" not in captured.out and "Other classifiers" not in captured.out
    return captured.out


@pytest.mark.parametrize("how", ["fit-warns", "fit-raises"])
def test_interrupted_training_ends_the_demo(capsys, monkeypatch, how):
    # The estimator's contract: interrupted before its first epoch ends, fit
    # raises KeyboardInterrupt; later it warns and returns the model of the
    # last finished epoch (as MLPClassifier). Either way the demo stops.
    real_epoch = demo.train_one_epoch
    calls = []

    def interrupted_on_the_second_epoch(mlp, data):
        calls.append(1)
        if len(calls) < 2:
            return real_epoch(mlp, data)
        if how == "fit-raises":
            raise KeyboardInterrupt
        warnings.warn("Training interrupted by user. The model of the last finished "
                      "epoch is kept.", UserWarning)

    monkeypatch.setattr(demo, "train_one_epoch", interrupted_on_the_second_epoch)
    out = _run_interrupted(DIGITS_3_EPOCHS, capsys)
    assert [line[:9] for line in out.splitlines() if line.startswith("epoch")] == [
        "epoch   1"]


def test_interrupt_while_testing_ends_the_demo(capsys, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "report_test", interrupted)
    _run_interrupted(DIGITS_3_EPOCHS, capsys)


def test_other_warnings_are_not_interrupts(capsys, monkeypatch):
    real_epoch = demo.train_one_epoch

    def warns(mlp, data):
        real_epoch(mlp, data)
        warnings.warn("something else", UserWarning)

    monkeypatch.setattr(demo, "train_one_epoch", warns)
    with pytest.warns(UserWarning, match="something else"):
        demo.main(["--dataset", "digits", "--epochs", "1", "--hidden", "4"])
    assert "Test accuracy" in capsys.readouterr().out


INTERRUPT_AT_IMPORT = """
import os, sys

class _InterruptAt:
    # Ctrl-C, deterministically: while {module!r} is being imported
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt

sys.meta_path.insert(0, _InterruptAt())
"""


def test_interrupt_during_the_imports_subprocess(tmp_path):
    # The seconds of imports (numpy, scipy, scikit-learn) are interruptible
    # too: before, a Ctrl-C there printed a 46-line traceback.
    (tmp_path / "sitecustomize.py").write_text(INTERRUPT_AT_IMPORT.format(module="sklearn"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "skmlp", *DIGITS_3_EPOCHS], cwd=REPO,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.stderr == "Interrupted.\n" and result.stdout == ""
    assert result.returncode == 130


def _long_demo():
    """``python -m skmlp`` training for far longer than a test waits.

    Started with SIGINT's default action, as from a terminal: a test run
    launched in the background of a script inherits SIGINT ignored, and
    Python then never turns Ctrl-C into KeyboardInterrupt.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "skmlp", "--dataset", "digits", "--epochs", "10000",
         "--hidden", "8"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_ctrl_c_during_training_subprocess():
    # A real SIGINT after the second epoch's line: one line, status 130 (a
    # shell shows 130 also where Python re-raises the signal and dies by it).
    process = _long_demo()
    try:
        for line in process.stdout:
            if line.startswith("epoch   2"):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    # (what the demo printed last and its status, to tell a missed signal from
    # a demo that ended before it)
    assert err == "Interrupted.\n", (process.returncode, out[-300:])
    assert process.returncode in (130, -signal.SIGINT)
    assert "Test accuracy" not in out


def test_reader_going_away_is_no_traceback_subprocess():
    # `python -m skmlp | head -1`: the demo stops quietly at the next line.
    process = _long_demo()
    try:
        assert process.stdout.readline().startswith("sklearn digits:")
        process.stdout.close()  # as head does after its line
        err = process.stderr.read()
        process.wait(timeout=120)
    finally:
        process.kill()
    assert err == ""
    assert process.returncode == 1


def test_plot_path_that_is_a_named_pipe_is_an_error_before_training(capsys, tmp_path):
    # Opening a FIFO for writing waits for a reader: the check must not open
    # it. (Should it, a reader comes after 20 s, and the test fails instead
    # of hanging.)
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes (POSIX)")
    fifo = tmp_path / "p.png"
    os.mkfifo(fifo)
    reader = threading.Timer(20, lambda: os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)))
    reader.start()
    try:
        with pytest.raises(SystemExit) as excinfo:
            demo.main(["--plot", str(fifo), *DIGITS_3_EPOCHS])
    finally:
        reader.cancel()
    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.fullmatch(r"python -m skmlp: error: argument --plot: '.*p\.png' is a named "
                        r"pipe or socket, not a file; .*\n", captured.err)


def test_batch_size_above_the_training_set_is_the_full_batch_said_once(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        demo.main(["--batch-size", "100000", "--compare-sklearn", *DIGITS_3_EPOCHS])
    assert [str(w.message) for w in caught if "batch_size" in str(w.message)] == []
    captured = capsys.readouterr()
    assert captured.err == ("python -m skmlp: --batch-size 100000 is more than the 1293 "
                            "training images: using 1293 (full batch)\n")
    assert "batch 1293" in captured.out


def test_closed_stdout_runs_the_demo_quietly(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)  # what Python makes of a closed fd 1
    demo.main(DIGITS_3_EPOCHS)
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_full_output_device_is_one_line(capsys, monkeypatch):
    full = open("/dev/full", "w")  # every write that reaches the device fails
    monkeypatch.setattr(sys, "stdout", full)
    try:
        with pytest.raises(SystemExit) as excinfo:
            demo.main(DIGITS_3_EPOCHS)
    finally:
        full.close()
    assert excinfo.value.code == ("python -m skmlp: error: cannot write the output: No space "
                                  "left on device")
    assert capsys.readouterr().err == ""  # (sys.exit prints the message)
