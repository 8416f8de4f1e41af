"""Tests of the demo, ``python -m skmlp``: options, errors and a short run."""

import os
import re
import subprocess
import sys

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
        (["--momentum", "1"], "argument --momentum: 1.0 must be < 1"),
        (["--batch-size", "0"], "argument --batch-size: '0' must be at least 1"),
        (["--solver", "newton"], "argument --solver: invalid choice: 'newton'"),
        (["--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
        (["--plot", "/no/such/folder/x.png"], "argument --plot: folder '/no/such/folder'"),
        (["--threads", "0"], "argument --threads: '0' must be at least 1"),
        (["--plot", "demo.xyz"], "argument --plot: 'demo.xyz' does not end with a known"),
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
    assert "solver lbfgs" in out and "epoch   2/2" in out and "Test accuracy:" in out


def test_plot_without_matplotlib_is_a_message(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(demo, "_matplotlib_available", lambda: False)
    plot = tmp_path / "demo.png"
    demo.main(["--dataset", "digits", "--epochs", "1", "--hidden", "8", "--plot", str(plot)])
    captured = capsys.readouterr()
    assert "--plot needs matplotlib (pip install matplotlib)" in captured.err
    assert "Test accuracy:" in captured.out and not plot.exists()


def test_progress_bar_when_available_same_training_without(capsys, monkeypatch):
    # With rich and sklearn.callback: one fit under sklearn's ProgressBar,
    # reported epoch by epoch; without: one partial_fit per epoch. The same
    # first epoch (same weights and shuffle); later ones shuffle differently
    # (fit reshuffles the previous order, partial_fit the rows in order).
    pytest.importorskip("rich")
    pytest.importorskip("sklearn.callback")
    argv = ["--dataset", "digits", "--epochs", "3", "--hidden", "16"]
    demo.main(argv)
    with_bar = capsys.readouterr().out
    monkeypatch.setattr(demo, "_progress_bar", lambda: None)
    demo.main(argv)
    without = capsys.readouterr().out
    assert "ManualMLPClassifier - fit" in with_bar and "100%" in with_bar
    assert "ManualMLPClassifier - fit" not in without
    for label in ("loss", "val acc"):
        values, values_without = _numbers_after(label, with_bar), _numbers_after(label, without)
        assert len(values) == len(values_without) == 3
        assert values[0] == values_without[0]
    for out in (with_bar, without):
        losses = _numbers_after("loss", out)
        assert losses[0] > losses[1] > losses[2]
