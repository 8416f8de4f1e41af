"""Rosenblatt's perceptron, exactly as textbooks state it, one-vs-rest and fast.

The rule, for each sample x(n) with desired response
d(n) in {-1, +1}::

    y(n)   = sgn(w(n).x(n) + b(n))
    w(n+1) = w(n) + eta0 (d(n) - y(n)) x(n)
    b(n+1) = b(n) + eta0 (d(n) - y(n))          (when fit_intercept)

with w(0) = 0 and the convention sgn(0) = -1 (a score of exactly 0 answers -1).

Speed: samples are taken in blocks of ``_BLOCK_SIZE``. The scores of a block
with the weights at the block start are one matrix product, and so is its Gram
matrix G = X_b X_b' (+1 for the intercept). Walking through the block in order,
an update at row j changes the score of every later row i by c_j G[j, i], which
costs O(B K) instead of O(d K); the update coefficients are applied to the
weights with one matrix product at the block end. This is the sequential rule,
sample after sample, not a mini-batch variant. The walk is a compiled loop
(``skmlp._kernels.walk_block``): in numpy it took a few small calls per update,
half the time of a fit.
"""

import functools
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from threadpoolctl import ThreadpoolController  # a dependency of scikit-learn

from . import _kernels
from ._callbacks import CallbackSupportMixin, FitTasks
from ._compile_notice import announce as announce_compile
from ._utils import (
    all_or_nothing,
    check_class_labels,
    class_weight_per_sample,
    weights_in_dtype,
)

# Rows per block of the fast epoch: large enough for efficient matrix products,
# small enough that the B x B Gram matrix (B^2 d flops per block) stays cheap.
_BLOCK_SIZE = 64


# --------------------------------------------------------------------- the rule
def _walk_block(scores, desired, gram, step):
    """Apply Rosenblatt's rule to the rows of one block, in order.

    Parameters
    ----------
    scores : ndarray of shape (B, K)
        Scores of the block's rows with the weights at the block start. Updated
        in place: on return row i holds the score at the moment row i was
        presented (its ``w(n).x(n) + b(n)``).
    desired : ndarray of bool, shape (B, K)
        True where d = +1 (the row belongs to the class of that unit).
    gram : ndarray of shape (B, B)
        X_b X_b' (+ 1 when the intercept is fitted).
    step : ndarray of shape (B, K)
        The size of an update at each row and unit: eta0 * weight * (d - y)
        for a wrong answer, i.e. eta0 * weight * 2 d.

    Returns
    -------
    coef : ndarray of shape (B, K)
        eta0 * weight * (d - y) of each row and unit (0 where y == d), so that
        the block changes the weights by ``coef' X_b``.
    """
    coef = np.zeros_like(scores)
    _kernels.walk_block(scores, desired, gram, step, coef)
    return coef


def _block_gram(X_block, fit_intercept):
    """Return the Gram matrix of a block as a dense array (+1 for the bias)."""
    gram = safe_sparse_dot(X_block, X_block.T, dense_output=True)
    gram = np.asarray(gram)
    if fit_intercept:
        gram += 1
    return gram


class _TrainingState:
    """Weights, running sums for the average and the l1 bookkeeping.

    ``coef`` (K, d) and ``intercept`` (K,) are in the dtype of X; the sums
    ``sum_coef`` / ``sum_intercept`` of w(n) over the steps n = 1..``t`` are
    float64 (they add up many vectors).
    """

    def __init__(self, coef, intercept, sum_coef, sum_intercept, t):
        self.coef = coef
        self.intercept = intercept
        self.sum_coef = sum_coef
        self.sum_intercept = sum_intercept
        self.t = t
        self.l1_u = 0.0  # cumulative l1 penalty (Tsuruoka et al. 2009)
        self.l1_q = None
        self.last_epoch_updates = 0  # steps of the last epoch that updated
        self.updates = None  # an _UpdateRecorder while record_updates is on

    def copy(self):
        return _TrainingState(
            self.coef.copy(),
            self.intercept.copy(),
            self.sum_coef.copy(),
            self.sum_intercept.copy(),
            self.t,
        )

    def averaged(self):
        """Mean of w(n) over the steps taken, or the weights if none was."""
        if self.t == 0:
            return self.coef.copy(), self.intercept.copy()
        dtype = self.coef.dtype
        return (
            (self.sum_coef / self.t).astype(dtype),
            (self.sum_intercept / self.t).astype(dtype),
        )


class _UpdateRecorder:
    """The rows of ``updates_``: one per presented sample that changed the weights.

    ``epoch`` is set by the training loop before each pass. Rows are kept as
    chunks (one per block or sample) and joined once, by :meth:`as_dict`.
    """

    FIELDS = ("epoch", "sample", "target", "output", "coef", "intercept")

    def __init__(self, n_units, n_features, dtype, previous=None):
        self.epoch = 0
        self._empty = {
            "epoch": np.empty(0, np.intp), "sample": np.empty(0, np.intp),
            "target": np.empty((0, n_units), np.intp),
            "output": np.empty((0, n_units), np.intp),
            "coef": np.empty((0, n_units, n_features), dtype),
            "intercept": np.empty((0, n_units), dtype),
        }
        self._chunks = {name: [] for name in self.FIELDS}
        if previous is not None:  # partial_fit: the updates of the earlier calls
            self._append(**previous)

    def _append(self, **columns):
        for name, values in columns.items():
            self._chunks[name].append(values)

    def add(self, samples, desired, scores, coef, intercept):
        """Record updates: rows ``samples`` of X, answered ``scores > 0``, giving
        ``coef`` (n, K, d) and ``intercept`` (n, K) after each of them."""
        self._append(
            epoch=np.full(len(samples), self.epoch, np.intp),
            sample=np.asarray(samples, np.intp),
            target=np.where(desired, 1, -1), output=np.where(scores > 0, 1, -1),
            coef=coef, intercept=intercept)

    def add_block(self, X_block, block, block_coef, scores, desired, state, fit_intercept):
        """The updates of one block, from the walk's update coefficients.

        The weights after the block's j-th update are the block's starting
        weights plus the first j updates ``block_coef[i]' x_i``; call before
        the block's updates are applied to ``state``.
        """
        updated = np.flatnonzero(block_coef.any(axis=1))
        if not updated.size:
            return
        c = block_coef[updated]  # (n, K): eta0 s (d - y) of each update and unit
        x = X_block[updated]
        x = x.toarray() if sp.issparse(x) else np.asarray(x)
        coef = state.coef + np.cumsum(c[:, :, None] * x[:, None, :], axis=0)
        intercept = state.intercept + (np.cumsum(c, axis=0) if fit_intercept else 0 * c)
        self.add(block[updated], desired[updated], scores[updated],
                 coef.astype(state.coef.dtype, copy=False),
                 intercept.astype(state.intercept.dtype, copy=False))

    def settle(self, state):
        """After a block: its last update leaves the weights ``state`` holds exactly."""
        if self._chunks["coef"]:
            self._chunks["coef"][-1][-1] = state.coef
            self._chunks["intercept"][-1][-1] = state.intercept

    def as_dict(self):
        """``updates_``: a dict of arrays, one row per update."""
        return {name: np.concatenate([self._empty[name]] + self._chunks[name])
                for name in self.FIELDS}


def _epoch_blocks(X, rows, desired, step, state, fit_intercept, average):
    """One pass over ``rows`` with the block algorithm (penalty=None).

    Returns the presentation-time scores of the rows, shape (len(rows), K).
    With ``state.updates`` (record_updates), each block's updates are recorded
    from the walk's coefficients; the weights themselves are computed as
    without recording.
    """
    scores_seen = np.empty((rows.size, state.coef.shape[0]), dtype=state.coef.dtype)
    for start in range(0, rows.size, _BLOCK_SIZE):
        block = rows[start : start + _BLOCK_SIZE]
        X_block = X[block]
        scores = np.asarray(safe_sparse_dot(X_block, state.coef.T))
        scores += state.intercept
        gram = _block_gram(X_block, fit_intercept)
        coef = _walk_block(scores, desired[block], gram, step[block])
        scores_seen[start : start + block.size] = scores
        if state.updates is not None:
            state.updates.add_block(X_block, block, coef, scores, desired[block], state,
                                    fit_intercept)
        _apply_block(X_block, coef, state, fit_intercept, average)
        if state.updates is not None and coef.any():
            state.updates.settle(state)
    return scores_seen


def _apply_block(X_block, coef, state, fit_intercept, average):
    """Add the block's updates coef' X_b to the weights (and to the sums)."""
    n_rows = coef.shape[0]
    if average:
        # sum over the block's steps i = 0..B-1 of w after step i
        #   = B w_start + sum_j (B - j) update_j
        remaining = np.arange(n_rows, 0, -1, dtype=coef.dtype)[:, None]
        both = np.hstack([coef, remaining * coef])
        delta = np.asarray(safe_sparse_dot(both.T, X_block))
        n_units = coef.shape[1]
        state.sum_coef += n_rows * state.coef
        state.sum_coef += delta[n_units:]
        state.coef += delta[:n_units]
        state.sum_intercept += n_rows * state.intercept
        if fit_intercept:
            state.sum_intercept += (remaining * coef).sum(axis=0)
    else:
        state.coef += np.asarray(safe_sparse_dot(coef.T, X_block))
    if fit_intercept:
        state.intercept += coef.sum(axis=0)
    state.t += n_rows


def _epoch_penalized(X, rows, desired, step, state, fit_intercept, average, penalty):
    """One pass sample by sample, with sklearn's weight decay / l1 truncation.

    ``penalty`` is (decay, l1_step): every step multiplies w by ``decay``
    (l2 part, after the score and before the update, as sklearn's SGD) and the
    l1 part truncates w towards 0 by the cumulative ``l1_step`` (Tsuruoka et
    al.'s cumulative penalty, as sklearn's SGD, on every feature). The loop is
    compiled (``skmlp._kernels.penalized_epoch``, dense or CSR X). With
    ``state.updates`` (record_updates) the kernel is called one row at a time
    (the same operations: it carries nothing from row to row but ``l1_u``)
    and the weights are recorded after every row that updated.

    Returns the presentation-time scores of the rows, shape (len(rows), K).
    """
    decay, l1_step = penalty
    coef = state.coef
    scores_seen = np.empty((rows.size, coef.shape[0]), dtype=coef.dtype)
    if l1_step > 0 and state.l1_q is None:
        state.l1_q = np.zeros_like(coef, dtype=np.float64)
    if sp.issparse(X):
        data, indices, indptr = X.data, X.indices, X.indptr
    else:
        data, indices, indptr = X.reshape(-1), np.empty(0, np.int32), np.empty(0, np.int32)
    l1_q = state.l1_q if l1_step > 0 else np.empty((0, 0))

    def walk(part):  # the rows[part] in order, from the weights in state
        state.l1_u = _kernels.penalized_epoch(
            data, indices, indptr, X.shape[1], rows[part], desired, step, coef,
            state.intercept, fit_intercept, decay, l1_step, float(state.l1_u), l1_q,
            average, state.sum_coef, state.sum_intercept, scores_seen[part])

    if state.updates is None:
        walk(slice(None))
    else:
        for n, i in enumerate(rows):
            walk(slice(n, n + 1))
            if np.any((scores_seen[n] > 0) != desired[i]):
                state.updates.add([i], desired[i][None], scores_seen[n][None],
                                  coef.copy()[None], state.intercept.copy()[None])
    state.t += rows.size
    return scores_seen


# --------------------------------------------------------------- the estimator
class PerceptronClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron: the textbook rule, one-vs-rest, averaged or not.

    For each sample x(n), desired response d(n) = +1 for the positive class
    (``classes_[1]`` in the binary case; class k for unit k in one-vs-rest) and
    -1 otherwise, the perceptron answers y(n) = sgn(w.x(n) + b) and updates::

        w <- w + eta0 * s(n) * (d(n) - y(n)) * x(n)
        b <- b + eta0 * s(n) * (d(n) - y(n))        (if fit_intercept)

    where s(n) is the sample's weight (``sample_weight`` times its class's
    ``class_weight``). **Convention: sgn(0) = -1**, so a score of exactly 0
    answers -1 (as ``predict`` does): with w(0) = 0 the first sample of the
    positive class is always an update, the first negative one never.
    A right answer gives d - y = 0 (no update), a wrong one d - y = 2d.

    Unlike scikit-learn's :class:`~sklearn.linear_model.Perceptron` (which
    adds ``eta0 * d * x`` when ``d * score <= 0``) this is the textbook rule,
    with ``average`` (the averaged perceptron), ``errors_`` (the training curve)
    and ``predict_proba``. With w(0) = 0 and no penalty, eta0 only scales w and
    b: the predictions do not depend on it. Multiclass problems are one-vs-rest with
    one unit per class, all K units updated in the same pass over the samples.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None, default=None
        Weight decay with sklearn's SGD meaning: every step multiplies w by
        ``max(0, 1 - (1 - l1_ratio) * eta0 * alpha)`` and the l1 part is the
        cumulative truncated-gradient penalty of ``l1_ratio * eta0 * alpha`` per
        step. The intercept is not penalised. None (the pure rule) uses the fast
        block algorithm; a penalty runs sample by sample, which is slower.
    alpha : float, default=0.0001
        Strength of the penalty.
    l1_ratio : float, default=0.15
        Elastic-net mixing (0 = l2, 1 = l1); used with ``penalty='elasticnet'``.
    fit_intercept : bool, default=True
        Whether to learn the bias b (otherwise b stays at its initial value,
        0 or ``intercept_init``).
    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data).
    tol : float or None, default=1e-3
        Stop when the epoch's training error rate (``errors_ / n_samples``)
        has not fallen below the best so far minus ``tol`` for
        ``n_iter_no_change`` epochs (sklearn's Perceptron watches its own loss;
        the error rate is the Rosenblatt rule's quantity and does not depend
        on eta0). None: run ``max_iter`` epochs. Training also stops after an
        epoch without a single update when ``penalty`` is None and ``average``
        is False: the weights are then a fixed point of the rule.
    shuffle : bool, default=True
        Shuffle the samples before each epoch: epoch e visits the samples of
        non-zero weight in the order of the e-th ``permutation`` drawn from
        ``check_random_state(random_state)``.
    verbose : int, default=0
        Print one line per epoch when > 0.
    eta0 : float, default=1.0
        The learning rate eta of the rule.
    random_state : int, RandomState instance or None, default=0
        Seed of the shuffling and of the validation split.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop
        when the validation accuracy has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
        Fraction of the training data held out with ``early_stopping``.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.
    class_weight : dict, 'balanced' or None, default=None
        Multiplies the weight of every sample of a class (exactly as the
        matching ``sample_weight``, for all units; sklearn's Perceptron instead
        weights only the positive samples of each one-vs-rest problem). 'balanced' uses
        ``n_samples / (n_classes * np.bincount(y))``.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of w(0) = 0.
    average : bool, default=False
        The averaged perceptron: ``coef_`` and ``intercept_`` are the mean of
        w(n), b(n) over all the steps n = 1..``t_`` (one step per presented
        sample), accumulated with running sums (nothing is stored per step).
    record_updates : bool, default=False
        Keep every update of the rule in ``updates_`` (one row per presented
        sample that changed the weights), to replay or animate the training.
        Off, nothing is recorded and the fit costs what it did; on, the
        weights are the same to the bit (the recording reads the updates,
        it does not change how they are computed) and memory grows by one
        copy of ``coef_`` per update.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights (averaged if ``average``), in the dtype of X.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Biases (averaged if ``average``).
    n_iter_ : int
        Epochs run by ``fit`` (or passes made by ``partial_fit`` calls).
    t_ : int
        Time steps n taken: samples presented (zero-weight samples are skipped
        and not counted). sklearn's Perceptron reports one more.
    errors_ : list of int
        For each epoch, the training samples (of non-zero weight) that the
        perceptron misclassified when they were presented: the classic training
        curve. In the binary case this is the number of updates.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, if X had string column names.
    updates_ : dict of ndarray
        Only with ``record_updates=True``: one row per update, in the order
        they happened, K = ``coef_.shape[0]`` units (1 for two classes):

        - ``'epoch'`` (n_updates,): the epoch (1, 2, ...; for partial_fit the
          pass, as counted by ``n_iter_``);
        - ``'sample'`` (n_updates,): the row of X that was presented;
        - ``'target'`` (n_updates, K): d of each unit, +1 or -1;
        - ``'output'`` (n_updates, K): y = sgn(w.x + b) of each unit when
          the sample was presented, +1 or -1 (sgn(0) = -1);
        - ``'coef'`` (n_updates, K, n_features) and ``'intercept'``
          (n_updates, K): w and b after the update (the rule's weights, not
          the average of ``average=True``).

        A sample is an update when at least one unit answers wrong; in
        one-vs-rest the units that answered right have target == output and
        do not move. Without a penalty (which also moves the weights between
        updates), starting from w(0) = 0 and adding
        ``eta0 * s(n) * (target - output)`` times x (times 1 for b) for each
        row in turn gives each row's ``coef`` and ``intercept``, s(n) being
        the sample's weight (1 unless weighted); the last row's are ``coef_``
        and ``intercept_`` (without ``average``). ``fit`` records afresh;
        ``partial_fit`` appends to the rows of the calls before.

    Notes
    -----
    ``predict_proba`` is a monotone map of ``decision_function``, not a
    calibrated probability: the scores are divided by the largest row norm of
    ``coef_`` (so they are eta0-free distances in feature units), then passed
    through the logistic function (binary: P(classes_[1]) = expit(score)) or a
    softmax across the one-vs-rest units (multiclass). Its argmax is
    ``predict``. Wrap the estimator in
    :class:`~sklearn.calibration.CalibratedClassifierCV` for calibrated
    probabilities.

    The sklearn checks ``check_sample_weight_equivalence_on_dense_data`` and
    ``..._on_sparse_data`` fail by design, as for sklearn's Perceptron: an
    online rule that visits samples in order treats a sample of weight 2 (one
    update twice as large) differently from the same sample repeated (two
    updates at two moments).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import PerceptronClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 0, 0, 1])  # logical AND: linearly separable
    >>> clf = PerceptronClassifier(shuffle=False, tol=None).fit(X, y)
    >>> clf.predict(X)
    array([0, 0, 0, 1])
    >>> clf.errors_[-1]
    0
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "eta0": [Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
        "average": ["boolean"],
        "record_updates": ["boolean"],
    }

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        average=False,
        record_updates=False,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average
        self.record_updates = record_updates

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Train with the perceptron rule for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        coef_init : array-like of shape (n_units, n_features), default=None
            Starting weights w(0) (n_units = 1 for two classes, else n_classes);
            None: zeros, or the previous weights with ``warm_start``.
        intercept_init : array-like of shape (n_units,), default=None
            Starting biases b(0).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; a sample's update is scaled by its weight.

        Returns
        -------
        self : PerceptronClassifier
            The fitted estimator.
        """
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=self.max_iter)
        return self._atomically(
            tasks, self._fit, X, y, coef_init, intercept_init, sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass of the rule over (X, y), continuing from the current state.

        The samples are visited in order (shuffled if ``shuffle``); ``max_iter``,
        ``tol`` and ``early_stopping`` do not apply. The average of
        ``average=True`` runs on over successive calls (changing ``average``
        between them is a ValueError).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the chunk's samples.

        Returns
        -------
        self : PerceptronClassifier
            The updated estimator.
        """
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=1)
        return self._atomically(tasks, self._partial_fit, X, y, classes, sample_weight)

    def _atomically(self, tasks, method, *args):
        """Run a fitting method; on any error restore the estimator as it was.

        ``method(*args, tasks)`` calls the callbacks' epoch hooks of ``tasks``.
        """
        # The products are small (blocks of _BLOCK_SIZE rows): one BLAS thread
        # is faster, and far faster when other processes load the cores
        # (OpenBLAS threads then wait on each other).
        with all_or_nothing(self):
            with _blas_controller().limit(limits=1, user_api="blas"):
                method(*args, tasks)
            tasks.end()  # a callback failing here fails the fit: all or nothing
        return self


    def _fit(self, X, y, coef_init, intercept_init, sample_weight, tasks):
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
            order="C", accept_large_sparse=False,
        )
        check_class_labels(y)
        classes, y_index = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                "PerceptronClassifier needs samples of at least 2 classes; "
                f"got only one class: {classes[0]!r}."
            )
        weights = self._sample_weights(X, y, sample_weight, classes)
        state = self._initial_state(X, classes, coef_init, intercept_init)
        state.updates = self._update_recorder(state)
        train, valid = self._split(y_index, weights)
        _check_two_classes(y_index[train][weights[train] > 0], classes)
        errors = self._train(X, y_index, weights, train, valid, state, tasks, classes)
        self._store(classes, state, errors)
        return self

    def _partial_fit(self, X, y, classes, sample_weight, tasks):
        first_call = not hasattr(self, "classes_")
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
            order="C", accept_large_sparse=False, reset=first_call,
        )
        check_class_labels(y)
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the whole training set and is not "
                "supported by partial_fit; pass a dict or use fit."
            )
        if _check_partial_fit_first_call(self, classes):
            state = self._initial_state(X, self.classes_, None, None, warm=False)
        else:
            self._check_same_average()
            state = self._state.copy()
            state.coef = state.coef.astype(X.dtype, copy=False)
            state.intercept = state.intercept.astype(X.dtype, copy=False)
        state.updates = self._update_recorder(
            state, None if first_call else getattr(self, "updates_", None))
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y has classes {unseen.tolist()} not in classes_ "
                f"{self.classes_.tolist()} given on the first partial_fit call."
            )
        y_index = np.searchsorted(self.classes_, y)
        weights = self._sample_weights(X, y, sample_weight, self.classes_)
        rows = np.flatnonzero(weights > 0)
        errors = [] if first_call else list(self.errors_)
        snapshot = functools.partial(self._fitted_attributes, self.classes_, state, errors)
        tasks.begin_epoch(snapshot)
        errors.append(self._run_epoch(X, y_index, weights, rows, state, len(errors) + 1))
        tasks.end_epoch(snapshot)  # one epoch: nothing left to stop
        self._store(self.classes_, state, errors)
        return self

    def _check_same_average(self):
        """A ValueError where set_params changed ``average`` since the model was
        fitted: the running sums of the average would cover only part of the
        steps (they are kept only while averaging)."""
        if self.average != self._averaging:
            raise ValueError(
                f"average changed from {self._averaging} to {self.average} between calls "
                "to partial_fit: the averaged perceptron needs the running sums of "
                "every step; fit again from the start"
            )

    def _sample_weights(self, X, y, sample_weight, classes):
        """sample_weight times the class weights, in the dtype of X."""
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        class_weights = class_weight_per_sample(self.class_weight, classes, y)
        if class_weights is not None:
            weights = weights * class_weights
        return weights_in_dtype(weights, X.dtype)

    def _initial_state(self, X, classes, coef_init, intercept_init, warm=True):
        """w(0), b(0): given, the previous solution (warm_start) or zeros."""
        n_units = 1 if classes.size == 2 else classes.size
        shape = (n_units, X.shape[1])
        if warm and self.warm_start and hasattr(self, "_state"):
            if not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"warm_start: the classes {classes.tolist()} differ from the "
                    f"classes {self.classes_.tolist()} of the previous fit."
                )
            previous = self._state
            if coef_init is None and previous.coef.shape[1] != X.shape[1]:
                raise ValueError(
                    f"warm_start: the weights of the previous fit have "
                    f"{previous.coef.shape[1]} features, X has {X.shape[1]}; use "
                    "warm_start=False (or pass coef_init) to start afresh."
                )
            coef0 = previous.coef if coef_init is None else coef_init
            intercept0 = previous.intercept if intercept_init is None else intercept_init
        else:
            coef0, intercept0 = coef_init, intercept_init
        coef = _init_array(coef0, shape, X.dtype, "coef_init")
        intercept = _init_array(intercept0, (n_units,), X.dtype, "intercept_init")
        return _TrainingState(
            coef, intercept, np.zeros(shape), np.zeros(n_units), t=0
        )

    def _update_recorder(self, state, previous=None):
        """Where the updates are recorded with ``record_updates`` (else None)."""
        if not self.record_updates:
            return None
        n_units, n_features = state.coef.shape
        return _UpdateRecorder(n_units, n_features, state.coef.dtype, previous)

    def _split(self, y_index, weights):
        """Indices of the training rows and of the validation rows (or None)."""
        everything = np.arange(y_index.size)
        if not self.early_stopping:
            return everything, None
        rng = check_random_state(self.random_state)
        try:
            train, valid = train_test_split(
                everything, test_size=self.validation_fraction, stratify=y_index,
                random_state=rng.randint(np.iinfo(np.int32).max),
            )
        except ValueError as exc:
            raise ValueError(
                "early_stopping could not make a stratified validation split of "
                f"validation_fraction={self.validation_fraction}: {exc}"
            ) from exc
        return np.sort(train), valid

    # --------------------------------------------------------------- training
    def _train(self, X, y_index, weights, train, valid, state, tasks, classes):
        """Epochs of the rule with sklearn's stopping rules; returns errors_.

        Each epoch is a callback subtask of ``tasks``; a callback returning
        True at an epoch's end stops the training there.
        """
        rng = check_random_state(self.random_state)
        train = train[weights[train] > 0]  # zero-weight samples never update
        errors, best, no_improvement = [], np.inf, 0
        snapshot = functools.partial(self._fitted_attributes, classes, state, errors)
        for epoch in range(1, self.max_iter + 1):
            tasks.begin_epoch(snapshot)
            rows = rng.permutation(train) if self.shuffle else train
            t_before = state.t
            n_errors = self._run_epoch(X, y_index, weights, rows, state, epoch)
            errors.append(n_errors)
            if valid is None:
                criterion = n_errors / train.size  # lower is better
            else:
                criterion = -self._validation_accuracy(X, y_index, weights, valid, state)
            if self.verbose:
                print(f"-- Epoch {epoch}: {n_errors} training errors, "
                      f"criterion {criterion:.6f}, steps {state.t - t_before}")
            if self.tol is not None and criterion > best - self.tol:
                no_improvement += 1
            else:
                no_improvement = 0
            best = min(best, criterion)
            stop_requested = tasks.end_epoch(snapshot)
            if (stop_requested or no_improvement >= self.n_iter_no_change
                    or self._fixed_point(state)):
                break
        else:
            if self.tol is not None:
                warnings.warn(
                    "Maximum number of iteration reached before convergence. "
                    "Consider increasing max_iter to improve the fit.",
                    ConvergenceWarning,
                )
        return errors

    def _fixed_point(self, state):
        """An epoch without update leaves the pure rule's weights unchanged."""
        return (
            self.penalty is None
            and not self.average
            and state.last_epoch_updates == 0
        )

    def _run_epoch(self, X, y_index, weights, rows, state, epoch=1):
        """One pass over ``rows`` in that order; returns the training errors."""
        if state.updates is not None:
            state.updates.epoch = epoch
        n_units = state.coef.shape[0]
        if n_units == 1:
            desired = (y_index == 1)[:, None]
        else:
            desired = y_index[:, None] == np.arange(n_units)
        # a wrong answer updates by eta0 * s (d - y) = eta0 * s * 2d
        sign = np.where(desired, 1, -1).astype(X.dtype)
        step = (2 * self.eta0) * weights[:, None] * sign
        # overflow is reported by _check_finite, with the epoch and the cause
        with np.errstate(over="ignore", invalid="ignore"):
            scores = self._epoch(X, desired, step, rows, state)
        _check_finite(state, scores, epoch)
        wrong_units = (scores > 0) != desired[rows]
        state.last_epoch_updates = int(np.count_nonzero(wrong_units.any(axis=1)))
        if n_units == 1:
            return int(np.count_nonzero(wrong_units))
        return int(np.count_nonzero(scores.argmax(axis=1) != y_index[rows]))

    def _epoch(self, X, desired, step, rows, state):
        """The block algorithm for the pure rule, sample by sample with a penalty."""
        announce_compile()  # one line on stderr if the kernels are not compiled yet
        if self.penalty is None:
            return _epoch_blocks(
                X, rows, desired, step, state, self.fit_intercept, self.average
            )
        return _epoch_penalized(
            X, rows, desired, step, state, self.fit_intercept, self.average,
            self._penalty_steps(),
        )

    def _penalty_steps(self):
        """(decay factor per step, l1 amount per step) of sklearn's SGD."""
        l1_ratio = {"l2": 0.0, "l1": 1.0}.get(self.penalty, self.l1_ratio)
        decay = max(0.0, 1.0 - (1.0 - l1_ratio) * self.eta0 * self.alpha)
        return decay, l1_ratio * self.eta0 * self.alpha

    def _validation_accuracy(self, X, y_index, weights, valid, state):
        """Accuracy on the held-out rows, in slices (no copy of X[valid])."""
        coef, intercept = state.averaged() if self.average else (state.coef, state.intercept)
        correct = np.empty(valid.size, dtype=bool)
        for batch in gen_batches(valid.size, 10_000):
            rows = valid[batch]
            scores = np.asarray(safe_sparse_dot(X[rows], coef.T)) + intercept
            correct[batch] = _scores_to_index(scores) == y_index[rows]
        valid_weights = weights[valid] if weights[valid].sum() > 0 else None
        return np.average(correct, weights=valid_weights)

    def _store(self, classes, state, errors):
        """Set the fitted attributes, all at once at the end of a successful fit."""
        self.__dict__.update(self._fitted_attributes(classes, state, errors))
        updates, state.updates = state.updates, None  # the state outlives the fit
        self.__dict__.pop("updates_", None)  # a previous fit's, recorded or not
        if updates is not None:
            self.updates_ = updates.as_dict()
        self._state = state
        self._averaging = self.average  # whether the state's running sums are kept

    def _fitted_attributes(self, classes, state, errors):
        """The fitted attributes of the model in ``state`` (copies)."""
        coef, intercept = state.averaged() if self.average else (state.coef, state.intercept)
        return {
            "classes_": classes, "coef_": coef.copy(), "intercept_": intercept.copy(),
            "errors_": list(errors), "n_iter_": len(errors), "t_": state.t,
        }

    # ------------------------------------------------------------- predicting
    def decision_function(self, X):
        """Scores w.x + b of every unit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: > 0 where ``classes_[1]`` is predicted. Multiclass: one
            column per class, the largest is predicted.
        """
        return _scores(self._validate_X(X), self.coef_, self.intercept_)

    def _validate_X(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )

    def predict(self, X):
        """Predicted class: classes_[1] where the score > 0 (sgn(0) = -1), else argmax.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        scores = self.decision_function(X)
        return self.classes_[_scores_to_index(scores)]

    def predict_proba(self, X):
        """Scores mapped to [0, 1] monotonically (see Notes of the class).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; the argmax is ``predict``. Not calibrated: use
            CalibratedClassifierCV for calibrated probabilities.
        """
        scores = self._scaled_scores(X)
        if scores.ndim == 1:
            return np.column_stack([expit(-scores), expit(scores)])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        scores = self._scaled_scores(X)
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return log_softmax(scores, axis=1)

    def _scaled_scores(self, X):
        """decision_function / the largest row norm of coef_ (eta0-free)."""
        X = self._validate_X(X)
        # Divide coef_ and intercept_ first by a power of two near their
        # largest entry: exact (the scores keep their signs, so the argmax
        # stays predict's), and the norm can no longer overflow (eta0=1e300).
        weights = np.hstack([self.coef_, self.intercept_[:, None]])
        exponent = int(np.frexp(np.abs(weights).max())[1])
        coef = np.ldexp(self.coef_, -exponent)
        scores = _scores(X, coef, np.ldexp(self.intercept_, -exponent))
        norm = np.linalg.norm(coef, axis=1).max()
        return scores / scores.dtype.type(norm) if norm > 0 else scores

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ------------------------------------------------------------------ helpers
@functools.cache
def _blas_controller():
    """The thread-pool controller, made once (finding the libraries takes ms)."""
    return ThreadpoolController()


def _scores(X, coef, intercept):
    """w.x + b of every unit in the dtype of X; one column is raveled."""
    coef = coef.astype(X.dtype, copy=False)
    scores = np.asarray(safe_sparse_dot(X, coef.T)) + intercept.astype(X.dtype, copy=False)
    return scores.ravel() if scores.shape[1] == 1 else scores


def _scores_to_index(scores):
    """Class index: score > 0 for one unit (sgn(0) = -1), argmax for several."""
    if scores.ndim == 1 or scores.shape[1] == 1:
        return (scores.reshape(-1) > 0).astype(np.intp)
    return scores.argmax(axis=1)


def _init_array(value, shape, dtype, name):
    """Validate coef_init / intercept_init (or zeros) as a fresh array of `shape`."""
    if value is None:
        return np.zeros(shape, dtype=dtype)
    array = np.asarray(value, dtype=dtype)
    if array.size != np.prod(shape) or (array.ndim > 1 and array.shape != shape):
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return array.reshape(shape).copy()


def _check_two_classes(y_index_weighted, classes):
    """Training needs two classes with positive weight among the training rows."""
    present = np.unique(y_index_weighted)
    if present.size == 0:
        raise ValueError("All training samples have zero weight: nothing to learn.")
    if present.size < 2:
        raise ValueError(
            "PerceptronClassifier needs training samples of at least 2 classes "
            f"with positive weight; only the class {classes[present].tolist()} "
            "has any (check sample_weight / class_weight)."
        )


def _check_finite(state, scores, epoch):
    """Stop with a clear error if the weights or the scores overflowed."""
    finite = (
        np.all(np.isfinite(state.coef))
        and np.all(np.isfinite(state.intercept))
        and np.all(np.isfinite(scores))
    )
    if not finite:
        raise ValueError(
            f"Floating-point overflow in epoch {epoch}: the perceptron's weights "
            "or scores are no longer finite. The features are probably too "
            "large: scale them (e.g. StandardScaler or MinMaxScaler) or lower eta0."
        )
