"""``python -m skmlp``: a handwritten-digit network trained as a demo.

Trains the 784-300-100-10 ReLU/softmax network (Xavier initialisation, L2
penalty, minibatch SGD with momentum) on the 5,000 MNIST digits bundled with
skmlp, printing the loss, validation accuracy, elapsed time and ETA after
every epoch; then the test accuracy and confusion matrix, and one line each
for the perceptron and the Gaussian Bayes classifier on the same split.
Run ``python -m skmlp --help`` for the options.
"""

import sys

#: Exit status after an interrupt: 128 + SIGINT, what a shell reports for Ctrl-C.
INTERRUPTED = 130
#: How a fit that Ctrl-C stopped says so (ManualMLPClassifier, sklearn's
#: MLPClassifier): it warns and returns the model of the last finished epoch.
TRAINING_INTERRUPTED = "Training interrupted by user"


def _exit_interrupted():
    """End the demo after Ctrl-C: one line, status 130, no traceback."""
    print("Interrupted.", file=sys.stderr)
    sys.exit(INTERRUPTED)


try:  # seconds of imports (numpy, scipy, scikit-learn): a Ctrl-C here is an interrupt too
    import argparse
    import contextlib
    import errno
    import math
    import os
    import stat
    import time
    import warnings

    import numpy as np
    from sklearn.base import clone
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, confusion_matrix
    from sklearn.model_selection import train_test_split
    from sklearn.utils import Bunch
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    from skmlp import GaussianBayesClassifier, ManualMLPClassifier, PerceptronClassifier
    from skmlp.datasets import load_fashion_mnist, load_mnist_subset
except KeyboardInterrupt:
    if __name__ != "__main__":  # imported, not run: the importer decides
        raise
    _exit_interrupted()

DATASETS = ("mnist-subset", "fashion-mnist", "digits")
SOLVERS = ("sgd", "adam", "lbfgs")
DEFAULT_LR = {"sgd": 0.1, "adam": 0.001, "lbfgs": None}
LBFGS_ITERS_PER_EPOCH = 10
# Raw pixels have many (nearly) constant features, so the class covariances
# are singular: this much of the largest pixel variance, added to every
# variance, regularises them (0.1 gives ~0.95 on the MNIST subset, 1e-9 ~0.77).
BAYES_VAR_SMOOTHING = 0.1


# ----------------------------------------------------------------- options

class _Parser(argparse.ArgumentParser):
    """argparse, with errors as one line (exit code 2) instead of usage text."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


#: The largest count an option takes (a C int's): more epochs, threads or rows
#: than that is a typo, and would overflow the ETA's float or the thread limit.
MAX_COUNT = 2**31 - 1


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text!r} must be at most {MAX_COUNT}")
    return value


def _seed(text):
    """A seed numpy's RandomState accepts: an integer in [0, 2**32 - 1]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text!r} must be in [0, 2**32 - 1]")
    return value


def _float_at_least(low, strict):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(
                f"{text!r} must be a finite number {'>' if strict else '>='} {low}")
        return value
    return parse


def _hidden_sizes(text):
    """'300,100' -> (300, 100)."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of positive layer sizes, e.g. 300,100")
    return sizes


def build_parser():
    """The command-line options of the demo."""
    parser = _Parser(
        prog="python -m skmlp",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Train a 784-300-100-10 ReLU/softmax network (Xavier init, L2\n"
            "penalty, minibatch SGD with momentum) on handwritten digits. Shows the\n"
            "training loss and the accuracy on a validation set (10% of the training\n"
            "images, held out) after each epoch, then the test accuracy, the confusion\n"
            "matrix and PerceptronClassifier and GaussianBayesClassifier on the same split."),
        epilog=(
            "examples:\n"
            "  python -m skmlp                               the default network, MNIST subset\n"
            "  python -m skmlp --compare-sklearn --plot demo.png\n"
            "  python -m skmlp --dataset digits --hidden 64 --epochs 10\n"
            "  python -m skmlp --solver adam --lr 0.001 --alpha 0.01"),
    )
    add = parser.add_argument
    add("--dataset", choices=DATASETS, default="mnist-subset",
        help="mnist-subset: 5000 MNIST digits bundled with skmlp, split 4000/1000 "
             "(stratified); fashion-mnist: Zalando's 60000/10000 clothes images "
             "(apt-get install dataset-fashion-mnist); digits: sklearn's 8x8 digits, "
             "split 80/20 (default: %(default)s)")
    add("--hidden", type=_hidden_sizes, default=(300, 100), metavar="SIZES",
        help="hidden layer sizes, comma-separated (default: 300,100)")
    add("--epochs", type=_positive_int, default=30,
        help="passes over the training set; with lbfgs, rounds of "
             f"{LBFGS_ITERS_PER_EPOCH} L-BFGS iterations (default: %(default)s)")
    add("--lr", type=_float_at_least(0, strict=True), default=None,
        help="learning rate eta (default: 0.1 for sgd, 0.001 for adam; not with lbfgs, "
             "which has none)")
    add("--momentum", type=_float_at_least(0, strict=False), default=0.9,
        help="momentum of sgd, in [0, 1] (default: %(default)s)")
    add("--alpha", type=_float_at_least(0, strict=False), default=1e-3,
        help="L2 penalty alpha: loss + alpha/(2 n) ||W||^2 (default: %(default)s)")
    add("--solver", choices=SOLVERS, default="sgd",
        help="optimizer (default: %(default)s)")
    add("--batch-size", type=_positive_int, default=64,
        help="minibatch size of sgd and adam (default: %(default)s)")
    add("--seed", type=_seed, default=0,
        help="seed of the split, the initial weights and the shuffling "
             "(default: %(default)s)")
    add("--threads", type=_positive_int, default=1,
        help="BLAS/OpenMP threads (default: %(default)s; the minibatch products are "
             "small, and on a busy machine idle-spinning BLAS threads can slow "
             "training down tenfold)")
    add("--compare-sklearn", action="store_true",
        help="also train sklearn's MLPClassifier with the same settings")
    add("--plot", metavar="FILE",
        help="save the loss curve and misclassified test images to FILE (png, pdf, "
             "svg...; needs matplotlib)")
    return parser


def parse_args(argv=None):
    """Parse and cross-check the options (errors exit with code 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.momentum > 1:
        parser.error(f"argument --momentum: {args.momentum} must be <= 1")
    if args.solver == "lbfgs" and args.lr is not None:
        parser.error("argument --lr: L-BFGS has no learning rate (it finds each step by "
                     "a line search); drop --lr, or use --solver sgd or adam")
    if args.lr is None:
        args.lr = DEFAULT_LR[args.solver]
    if args.plot == "":
        parser.error("argument --plot: empty file name (give one, e.g. --plot demo.png)")
    if args.plot is not None:
        folder = os.path.dirname(os.path.abspath(args.plot))
        if not os.path.isdir(folder):
            parser.error(f"argument --plot: folder {folder!r} does not exist")
    args.parser = parser
    return args


# -------------------------------------------------------------------- data

def _three_way_split(X, y, test_size, seed):
    """Stratified train / validation (10% of the rest) / test split."""
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.1, stratify=y_rest, random_state=seed)
    return X_train, y_train, X_val, y_val, X_test, y_test


def load_data(name, seed):
    """Pixels scaled to [0, 1] in float32, split; FileNotFoundError if absent."""
    if name == "mnist-subset":
        X, y = load_mnist_subset(return_X_y=True, dtype=np.float32)
        splits = _three_way_split(X / 255, y, 1000, seed)
        shape, names, title = (28, 28), np.arange(10), "MNIST subset"
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
        splits = _three_way_split(X.astype(np.float32) / 16, y, 0.2, seed)
        shape, names, title = (8, 8), np.arange(10), "sklearn digits"
    else:
        bunch = load_fashion_mnist(dtype=np.float32)
        X_train, X_val, y_train, y_val = train_test_split(
            bunch.data / 255, bunch.target, test_size=0.1, stratify=bunch.target,
            random_state=seed)
        splits = X_train, y_train, X_val, y_val, bunch.data_test / 255, bunch.target_test
        shape, names, title = (28, 28), bunch.target_names, "Fashion-MNIST"
    keys = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
    return Bunch(**dict(zip(keys, splits)), image_shape=shape, target_names=names,
                 title=title)


# ---------------------------------------------------------------- training

def make_mlp(args):
    """The demo's network as a ManualMLPClassifier."""
    stochastic = args.solver != "lbfgs"
    return ManualMLPClassifier(
        hidden_layer_sizes=args.hidden, activation="relu", solver=args.solver,
        alpha=args.alpha, batch_size=args.batch_size,
        learning_rate_init=args.lr if stochastic else 0.001, momentum=args.momentum,
        nesterovs_momentum=False, init="glorot_uniform",
        # lbfgs: each fit() call continues from the current weights
        max_iter=1 if stochastic else LBFGS_ITERS_PER_EPOCH, warm_start=not stochastic,
        # a generator, not an int, so that every epoch shuffles differently
        random_state=np.random.RandomState(args.seed),
    )


def _physical_memory():
    """Bytes of RAM of this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(args, data):
    """Refuse, before allocating, a network whose weights cannot fit in memory.

    The estimate is a lower bound: the weights and their gradients, in the
    dtype of the data (the optimizer's state and the activations come on top).
    """
    sizes = [data.X_train.shape[1], *args.hidden, len(data.target_names)]
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    needed = 2 * n_params * data.X_train.dtype.itemsize
    available = _physical_memory()
    if available is not None and needed > available:
        args.parser.error(
            f"argument --hidden: a {'-'.join(map(str, sizes))} network needs at least "
            f"{needed / 2**30:,.0f} GiB for its weights and gradients; this machine has "
            f"{available / 2**30:,.0f} GiB. Use smaller hidden layers")


def _clip_batch_size(args, data):
    """A --batch-size above the training set's size is the full batch (said once)."""
    n_train = len(data.y_train)
    if args.solver != "lbfgs" and args.batch_size > n_train:
        print(f"python -m skmlp: --batch-size {args.batch_size} is more than the {n_train} "
              f"training images: using {n_train} (full batch)", file=sys.stderr)
        args.batch_size = n_train


def describe_mlp(args, data):
    """One line: the layer sizes and the training settings."""
    sizes = [data.X_train.shape[1], *args.hidden, len(data.target_names)]
    settings = f"solver {args.solver}, alpha {args.alpha:g}"
    if args.solver != "lbfgs":
        settings += f", lr {args.lr:g}, batch {args.batch_size}"
    if args.solver == "sgd":
        settings += f", momentum {args.momentum:g}"
    return (f"ManualMLPClassifier {'-'.join(map(str, sizes))} (ReLU, softmax, Xavier init), "
            f"{settings}")


def train_one_epoch(mlp, data):
    """One epoch with the public API: partial_fit, or a warm-started lbfgs fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mlp.solver == "lbfgs":
            mlp.fit(data.X_train, data.y_train)
        else:
            mlp.partial_fit(data.X_train, data.y_train, classes=np.unique(data.y_train))


def compile_kernels(mlp, data):
    """Train a copy of ``mlp`` on a few rows, so that numba compiles its kernels now.

    After an install the first training step compiles skmlp's kernels (seconds,
    once: numba caches them); done before the timed epochs, it cannot inflate
    the first epoch's time and the remaining-time estimate. The copy has its own
    copy of the random state: the demo's network and draws are unchanged.
    """
    rows = min(len(data.y_train), 2 * mlp.batch_size + 1)  # a full and a partial batch
    warm = clone(mlp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mlp.solver == "lbfgs":
            warm.set_params(max_iter=1).fit(data.X_train[:rows], data.y_train[:rows])
        else:
            warm.partial_fit(data.X_train[:rows], data.y_train[:rows],
                             classes=np.unique(data.y_train))


def _format_seconds(seconds):
    minutes, seconds = divmod(seconds, 60)
    return f"{int(minutes)}m{seconds:04.1f}s" if minutes else f"{seconds:.1f}s"


class _EpochReport:
    """Records and prints the demo's line after each epoch."""

    def __init__(self, data, epochs, unit="epoch"):
        self.data, self.epochs, self.unit = data, epochs, unit  # lbfgs: "round"
        self.history = Bunch(loss=[], val_accuracy=[], fit_time=0.0)
        self._start = time.perf_counter()
        self._reporting = 0.0

    def epoch_end(self, mlp):
        """Record the loss and validation accuracy of ``mlp``; print the line."""
        report_start = time.perf_counter()
        history, epoch = self.history, len(self.history.loss) + 1
        history.loss.append(mlp.loss_)
        history.val_accuracy.append(mlp.score(self.data.X_val, self.data.y_val))
        elapsed = report_start - self._start - self._reporting
        history.fit_time = elapsed  # training time, without the validation
        eta = elapsed / epoch * (self.epochs - epoch)
        print(f"{self.unit} {epoch:3d}/{self.epochs}  loss {history.loss[-1]:.4f}  "
              f"val acc {history.val_accuracy[-1]:.4f}  "
              f"elapsed {_format_seconds(elapsed):>7}  ETA {_format_seconds(eta):>7}",
              flush=True)
        self._reporting += time.perf_counter() - report_start


def _stdout_is_terminal():
    return sys.stdout is not None and sys.stdout.isatty()  # None: stdout closed


def _progress_bar():
    """A rich progress bar, or None: without rich, or where stdout is not a
    terminal (a file or a pipe gets the epoch lines alone, in order)."""
    if not _stdout_is_terminal():
        return None
    try:
        from rich.progress import Progress
    except ImportError:
        return None
    return Progress()


def train_with_progress(mlp, data, epochs):
    """Train for ``epochs`` epochs, printing one progress line per epoch.

    One code path, with or without rich: one partial_fit (lbfgs: one
    warm-started fit) per epoch; the bar, when there is one, only shows the
    epochs go by.
    """
    compile_kernels(mlp, data)  # before the clock starts: the estimate counts training only
    lbfgs = mlp.solver == "lbfgs"
    if lbfgs:
        print(f"L-BFGS in rounds of up to {LBFGS_ITERS_PER_EPOCH} iterations over the whole "
              "training set (one line per round)", flush=True)
    reporter = _EpochReport(data, epochs, unit="round" if lbfgs else "epoch")
    bar = _progress_bar()
    with bar if bar is not None else contextlib.nullcontext():
        task = None if bar is None else bar.add_task("epochs", total=epochs)
        for _ in range(epochs):
            train_one_epoch(mlp, data)
            reporter.epoch_end(mlp)
            if bar is not None:
                bar.advance(task)
    return reporter.history


# --------------------------------------------------------------- reporting

def format_confusion_matrix(y_true, y_pred, labels):
    """The confusion matrix as text, rows = true class, columns = predicted."""
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    width = max(len(str(matrix.max())), *(len(str(label)) for label in labels)) + 1
    lines = ["true\\pred" + "".join(f"{label:>{width}}" for label in labels)]
    for label, row in zip(labels, matrix):
        lines.append(f"{label:>9}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)


def report_test(mlp, data, history):
    """Test accuracy and confusion matrix; returns the test predictions."""
    y_pred = mlp.predict(data.X_test)
    accuracy = accuracy_score(data.y_test, y_pred)
    print(f"\nTest accuracy: {accuracy:.4f} ({len(data.y_test)} {data.title} test images, "
          f"fit {_format_seconds(history.fit_time)})")
    labels = np.arange(len(data.target_names))
    print("\nConfusion matrix (rows: true class, columns: predicted class):")
    print(format_confusion_matrix(data.y_test, y_pred, labels))
    if data.target_names.dtype.kind in "US":
        print("classes: " + ", ".join(f"{i} {name}" for i, name in enumerate(data.target_names)))
    return y_pred


def other_classifiers(args):
    """(name, estimator) pairs to compare on the same split."""
    models = [
        ("PerceptronClassifier", PerceptronClassifier(random_state=args.seed)),
        (f"GaussianBayesClassifier (full cov., var_smoothing={BAYES_VAR_SMOOTHING:g})",
         GaussianBayesClassifier(covariance_type="full", var_smoothing=BAYES_VAR_SMOOTHING)),
    ]
    if args.compare_sklearn:
        from sklearn.neural_network import MLPClassifier

        sklearn_mlp = MLPClassifier(
            hidden_layer_sizes=args.hidden, solver=args.solver, alpha=args.alpha,
            batch_size=args.batch_size, learning_rate_init=args.lr or 0.001,
            momentum=args.momentum, nesterovs_momentum=False, random_state=args.seed,
            max_iter=args.epochs * (LBFGS_ITERS_PER_EPOCH if args.solver == "lbfgs" else 1),
            n_iter_no_change=args.epochs + 1)  # no early stop: same epochs as ours
        models.append((f"sklearn MLPClassifier ({args.epochs} epochs)", sklearn_mlp))
    return models


def compare(args, data):
    """Fit each other classifier on the same training set: accuracy, fit time."""
    print("\nOther classifiers on the same split (test accuracy, fit time):")
    for name, model in other_classifiers(args):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(data.X_train, data.y_train)
        fit_time = time.perf_counter() - start
        accuracy = model.score(data.X_test, data.y_test)
        print(f"  {name:<58} accuracy {accuracy:.4f}  fit {_format_seconds(fit_time):>7}",
              flush=True)


# -------------------------------------------------------------------- plot

def _matplotlib_available():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _check_plot_option(args):
    """Drop --plot without matplotlib (with a message); reject unknown formats
    and files that cannot be written, before any training."""
    if not _matplotlib_available():
        print("python -m skmlp: --plot needs matplotlib (pip install matplotlib); "
              "continuing without the plot", file=sys.stderr)
        args.plot = None
        return
    from matplotlib.figure import Figure

    formats = Figure().canvas.get_supported_filetypes()
    extension = os.path.splitext(args.plot)[1].lstrip(".").lower()
    if extension not in formats:
        args.parser.error(f"argument --plot: {args.plot!r} does not end with a known "
                          f"image format ({', '.join(sorted(formats))})")
    _check_writable(args.plot, args.parser)


def _check_writable(path, parser):
    """Open ``path`` for appending, as saving will write it (the one test that
    holds for root, read-only file systems and ACLs); remove it if it is new.

    A named pipe (FIFO) or socket is refused first: opening one waits for a
    reader, so the check (and the save) would hang."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # absent (or unreadable): the open below tells
        mode = 0
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        parser.error(f"argument --plot: {path!r} is a named pipe or socket, not a file; "
                     "give the name of a file to save the plot to")
    existed = os.path.lexists(path)
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        parser.error(f"argument --plot: cannot write {path!r}: {exc.strerror}")
    if not existed:
        os.remove(path)


def save_plot(path, data, history, y_pred):
    """Loss / validation curves and up to 24 misclassified test images."""
    from matplotlib.figure import Figure  # no pyplot: works headless
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(12, 5), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=(1, 1.2))
    ax = left.subplots()
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, "o-", label="training loss")
    ax.set(xlabel="epoch", ylabel="loss", title=f"{data.title}: training")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc = ax.twinx()
    ax_acc.plot(epochs, history.val_accuracy, "s-", color="tab:orange",
                label="validation accuracy")
    ax_acc.set_ylabel("validation accuracy")
    fig.legend(loc="outside lower left")
    wrong = np.flatnonzero(y_pred != data.y_test)[:24]
    right.suptitle(f"misclassified test images ({np.sum(y_pred != data.y_test)} in all): "
                   "true -> predicted")
    for ax_img, index in zip(right.subplots(4, 6).ravel(), np.r_[wrong, [-1] * 24]):
        ax_img.set_axis_off()
        if index >= 0:
            ax_img.imshow(data.X_test[index].reshape(data.image_shape), cmap="gray_r")
            ax_img.set_title(f"{data.y_test[index]} -> {y_pred[index]}", fontsize=9)
    fig.savefig(path)
    print(f"\nPlot saved to {path}")


# -------------------------------------------------------------------- main

def main(argv=None):
    """Run the demo with the command-line options ``argv`` (default sys.argv).

    Errors exit with status 2 and one line; an interrupt (Ctrl-C, also in a
    fit that then stops and warns) with status 130 and one line, without going
    on; a reader that goes away (``| head -1``) ends it quietly.
    """
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=TRAINING_INTERRUPTED,
                                    category=UserWarning)
            _run_demo(parse_args(argv))
    except KeyboardInterrupt:
        _exit_interrupted()
    except UserWarning as exc:  # the interrupted fit's warning, made an error above
        if not str(exc).startswith(TRAINING_INTERRUPTED):
            raise
        _exit_interrupted()
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(1)
    except OSError as exc:
        if not _is_output_error(exc):
            raise
        _silence_stdout()
        sys.exit(f"python -m skmlp: error: cannot write the output: {exc.strerror}")


def _is_output_error(exc):
    """Whether ``exc`` is writing stdout failing (a full disk, /dev/full, an I/O
    error): a write to a stream names no file, unlike an open or a save."""
    return exc.filename is None and exc.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG,
                                                  getattr(errno, "EDQUOT", errno.ENOSPC))


def _silence_stdout():
    """Point stdout at /dev/null: after a broken pipe, the interpreter's final
    flush would print another BrokenPipeError."""
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (captured output)
        return
    os.dup2(os.open(os.devnull, os.O_WRONLY), fileno)


def _run_demo(args):
    """Load the data, then train and report under the thread limit."""
    if args.plot is not None:
        _check_plot_option(args)
    try:
        data = load_data(args.dataset, args.seed)
    except FileNotFoundError as exc:
        args.parser.error(str(exc))
    check_memory(args, data)
    _clip_batch_size(args, data)
    print(f"{data.title}: {len(data.y_train)} training, {len(data.y_val)} validation, "
          f"{len(data.y_test)} test images of {data.X_train.shape[1]} pixels (seed {args.seed})")
    print(describe_mlp(args, data), flush=True)
    with threadpool_limits(limits=args.threads):
        run(args, data)


def run(args, data):
    """Train and report: progress, test results, comparison, plot."""
    mlp = make_mlp(args)
    try:
        history = train_with_progress(mlp, data, args.epochs)
    except (ValueError, FloatingPointError) as exc:  # e.g. diverged: --lr too large
        args.parser.error(f"training failed: {exc}")
    except MemoryError as exc:  # beyond the lower bound of check_memory
        args.parser.error(f"training failed: out of memory ({exc}); use smaller "
                          "--hidden layers or --batch-size")
    y_pred = report_test(mlp, data, history)
    compare(args, data)
    if args.plot:
        try:
            save_plot(args.plot, data, history, y_pred)
        except OSError as exc:  # e.g. the disk filled up since the check
            sys.exit(f"python -m skmlp: error: cannot save the plot: {exc}")


if __name__ == "__main__":
    main()
