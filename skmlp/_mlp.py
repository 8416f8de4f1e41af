"""ManualMLPClassifier: a multilayer perceptron trained by hand-written backprop.

The math (forward pass, losses, backpropagation) is :mod:`skmlp.nn`; the
optimizers are :mod:`skmlp._optimizers`; the minibatch training loop is
:mod:`skmlp._training` (the same loop trains the stacked candidates of
:class:`skmlp.model_selection.MLPGridSearchCV`). This module owns input
validation, the per-network bookkeeping of an epoch (loss curve, stopping,
early stopping, divergence) and the scikit-learn plumbing.
"""

import copy
import math
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.special import log_expit, xlogy
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import nn
from ._callbacks import CallbackSupportMixin, FitTasks
from ._training import thread_budget, train_lbfgs, train_stochastic
from ._utils import (
    all_or_nothing,
    class_weight_per_sample,
    native_byte_order,
    weights_in_dtype,
)

_STOCHASTIC_SOLVERS = ("sgd", "adam")
# Fitted attributes of the stochastic solvers only (an lbfgs fit drops them).
_STOCHASTIC_ATTRIBUTES = ("loss_curve_", "best_loss_", "validation_scores_",
                          "validation_loss_curve_", "best_validation_score_",
                          "_no_improvement_count")
# What validating X and y sets on a network (shared by the networks of a stack).
_DATA_ATTRIBUTES = ("n_features_in_", "feature_names_in_", "classes_", "_label_binarizer")
_INITS = ("glorot_uniform", "glorot_uniform_sklearn", "he_uniform")
# An epoch loss this many times the loss at the starting weights (or of the
# best constant prediction, if larger) means the weights ran away (_check_loss).
_EXPLOSION_FACTOR = 10.0
# partial_fit judges that on the mean loss of at least this many rows (calls
# pooled): the loss of one row varies 50-fold in healthy training.
_STREAM_ROWS = 200
_MAX_UNITS = np.iinfo(np.intp).max  # the largest layer numpy can index
_PREDICT_CHUNK = 65536  # rows per forward pass in predict: bounded memory
_STOPPED_BY_CALLBACK = 99  # scipy's status when the iteration callback stops it


class _HeldOut(NamedTuple):
    """The early-stopping validation set, and the scorer (None: accuracy)."""

    X: object
    y: np.ndarray
    T: np.ndarray
    sample_weight: object
    scorer: object
    rows: np.ndarray  # their indices in the training X


class ManualMLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    r"""Multilayer perceptron classifier with hand-written backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`
    (same parameters, defaults, attributes and methods; the one difference by
    default is the starting weights of logistic hidden units, see ``init``) whose forward and
    backward passes are the textbook formulas of :mod:`skmlp.nn`, plus the
    squared-error loss, a choice of initialiser and class weights.

    Multiclass targets get a softmax output layer, binary targets one
    logistic output unit, multilabel indicator targets one logistic unit per
    label. With ``loss='squared_error'`` every output unit is logistic and
    :meth:`predict_proba` divides multiclass outputs by their row sum.

    The losses, for outputs :math:`y_{nk}`, targets :math:`t_{nk}` and sample
    weights :math:`s_n` summing to :math:`S` (``n_samples`` without weights),
    biases not penalised: ``'log_loss'``

    .. math::

        L = -\frac{1}{S} \sum_n s_n \sum_k t_{nk} \ln y_{nk}
            + \frac{\alpha}{2S} \sum_l \|W_l\|^2

    and ``'squared_error'``

    .. math::

        L = \frac{1}{2S} \sum_n s_n \sum_k (y_{nk} - t_{nk})^2
            + \frac{\alpha}{2S} \sum_l \|W_l\|^2

    Training never fails silently: a non-finite or exploding loss stops the
    fit with a ``FloatingPointError`` naming the learning rate and feature
    scaling and leaves the estimator as it was before the call.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Units of each hidden layer; ``()`` is a network without hidden
        layer (logistic or softmax regression).
    activation : str or list of str, default='relu'
        Activation of the hidden units: 'identity', 'logistic', 'tanh',
        'relu' (scikit-learn's four), 'leaky_relu' (slope 0.01 below 0),
        'elu' (alpha 1), 'gelu' (exact, :math:`z\,\Phi(z)`), 'softplus'
        (:math:`\ln(1 + e^z)`) or 'silu' (:math:`z\,\sigma(z)`); or a list
        with one of them per hidden layer (ValueError at fit for another
        length). The formulas and derivatives are in :mod:`skmlp.nn`.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Weight optimizer: scipy's L-BFGS-B on the full batch, minibatch SGD,
        or Adam.
    alpha : float, default=0.0001
        L2 penalty strength (the course notes' :math:`\lambda` is ``alpha / S``).
    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        SGD learning-rate schedule, as in MLPClassifier: 'constant' keeps
        ``learning_rate_init``; 'invscaling' sets the rate to
        ``learning_rate_init / (t + 1) ** power_t`` at the end of each epoch,
        ``t`` being the number of samples seen; 'adaptive' divides it by 5
        each time the loss (or the validation score) stalls for
        ``n_iter_no_change`` epochs, instead of stopping, until it falls below
        1e-6.
    learning_rate_init : float, default=0.001
        Initial learning rate (the course notes' :math:`\eta`) of 'sgd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).
    shuffle : bool, default=True
        Visit the samples in a new random order every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split.
    tol : float, default=1e-4
        Training stops when the loss (or validation score) has not improved
        by ``tol`` for ``n_iter_no_change`` epochs.
    verbose : bool, default=False
        Print MLPClassifier's lines per epoch: ``Iteration N, loss = ...``
        and, with early stopping, ``Validation score: ...``.
    warm_start : bool, default=False
        Start from the weights of the previous fit. Unlike MLPClassifier, a
        warm start (or a later partial_fit) refuses targets of another kind
        than the previous fit's (multilabel against binary or multiclass),
        whose output units mean something else, with a ValueError.
    momentum : float, default=0.9
        SGD momentum, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified, except for
        multilabel targets), stop when its score (``scoring``) stalls and
        restore the best weights.
    validation_fraction : float, default=0.1
        Fraction of the data held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        Training loss; 'squared_error' is the course notes' textbook setup
        with logistic output units.
    init : {'glorot_uniform', 'glorot_uniform_sklearn', 'he_uniform'}, default='glorot_uniform'
        Initial weights. 'glorot_uniform' (the notes' Xavier): W and b drawn
        from U(-r, r) with ``r = sqrt(6 / (fan_in + fan_out))``.
        'glorot_uniform_sklearn': MLPClassifier's rule, the same but with
        ``r = sqrt(2 / (fan_in + fan_out))`` for logistic hidden units, so
        the same ``random_state`` gives MLPClassifier's initial weights.
        'he_uniform': W from U(-r, r) with ``r = sqrt(6 / fan_in)`` (suited
        to relu), b = 0.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``
        ('balanced': ``n_samples / (n_classes * bincount(y))``). Not for
        multilabel targets.
    scoring : str, callable or None, default=None
        The early-stopping score on the held-out set: any scikit-learn scorer
        name (e.g. ``'balanced_accuracy'``, ``'neg_log_loss'``) or a scorer
        callable ``scorer(estimator, X, y)``, greater is better. None:
        accuracy, as MLPClassifier.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coefs_ : list of ndarray of shape (fan_in, fan_out)
        Weight matrices, in the dtype of the training X.
    intercepts_ : list of ndarray of shape (fan_out,)
        Bias vectors.
    loss_ : float
        Loss of the last epoch (or the final L-BFGS loss).
    loss_curve_ : list of float
        Training loss per epoch (stochastic solvers).
    best_loss_ : float or None
        Lowest training loss (stochastic solvers, None with early stopping).
    validation_scores_ : list of float or None
        Validation score (``scoring``, default accuracy) per epoch with early
        stopping, else None.
    validation_loss_curve_ : list of float or None
        Loss on the held-out set per epoch with early stopping, else None:
        the data term of the training loss (:func:`skmlp.nn.loss_value`,
        weighted by the held-out sample weights) without the L2 penalty,
        which depends on the training set's size and not on the held-out
        data.
    best_validation_score_ : float or None
        Best validation score with early stopping, else None.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last fit.
    t_ : int
        Training samples seen (stochastic solvers).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Output units.
    out_activation_ : str
        'softmax' or 'logistic'.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X had string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Scikit-learn's implementation.
    skmlp.nn.forward, skmlp.nn.backward : The math on raw arrays.

    Notes
    -----
    Differences from :class:`~sklearn.neural_network.MLPClassifier`, all on
    purpose:

    - An epoch loss that is NaN/inf, or more than 10 times the loss at the
      starting weights, raises ``FloatingPointError`` (MLPClassifier keeps
      going with NaN or saturated weights); the estimator is restored to its
      state before the call (unfitted after a first fit). partial_fit judges
      the mean loss of its calls over at least 200 rows (a call may have
      one), against at least the loss of predicting every class equally
      likely.
    - A ``ConvergenceWarning`` when the last epoch's loss is above the
      first's, or when the final loss is no better than predicting the class
      frequencies.
    - Early stopping stratifies the validation split for multiclass targets
      too (MLPClassifier only for binary ones).
    - Negative sample weights are rejected; a minibatch whose weights are all
      0 is skipped.
    - With ``init='glorot_uniform_sklearn'`` and the same ``random_state``
      the weights and shuffling are MLPClassifier's, and the training
      follows the same trajectory (up to rounding); so does early stopping,
      except for multiclass targets, whose validation split is stratified
      here (above) and not in MLPClassifier.

    As in MLPClassifier, the epoch loss is the mean of the minibatch losses
    weighted by minibatch size, and scipy's L-BFGS-B may evaluate the loss
    once more than ``max_fun``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import ManualMLPClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 1, 1, 0])  # XOR
    >>> clf = ManualMLPClassifier(hidden_layer_sizes=(8,), activation="tanh",
    ...                           solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.predict(X)
    array([0, 1, 1, 0])
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(nn.HIDDEN_ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "init": [StrOptions(set(_INITS))],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "scoring": [str, callable, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        init="glorot_uniform",
        class_weight=None,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.init = init
        self.class_weight = class_weight
        self.scoring = scoring

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, coefs_init=None, intercepts_init=None):
        """Fit the network to X and y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, big-endian too (where
            MLPClassifier trains it in float64); CSR/CSC matrices accepted.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (None: all ones).
        coefs_init : list of array-like of shape (fan_in, fan_out), default=None
            Starting weight matrices, one per layer (overrides ``init`` and
            ``warm_start``).
        intercepts_init : list of array-like of shape (fan_out,), default=None
            Starting bias vectors.

        Returns
        -------
        self : ManualMLPClassifier
            The fitted estimator.
        """
        return self._transaction(
            X, y, sample_weight, coefs_init, intercepts_init, incremental=False
        )

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                "%s is not stochastic." % self.solver
            )
        return True

    @available_if(_check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch of the stochastic solver over X and y.

        The parameters are in MLPClassifier's order, so positional calls
        written for it work unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required at the first call. For multilabel y,
            the indices of its columns, ``np.arange(n_labels)``.

        Returns
        -------
        self : ManualMLPClassifier
            The updated estimator.
        """
        first_call = _check_partial_fit_first_call(self, classes)
        if first_call:
            binarizer = LabelBinarizer()
            multilabel = type_of_target(y, input_name="y").startswith("multilabel")
            binarizer.fit(y if multilabel else classes)
            self._label_binarizer = binarizer
        try:
            return self._transaction(X, y, sample_weight, None, None, incremental=True)
        except BaseException:
            if first_call:  # leave no classes_ behind either
                del self.classes_, self._label_binarizer
            raise

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted classes (an indicator matrix for multilabel).
        """
        output = self._output(self._validate_predict_X(X))
        if self.n_outputs_ == 1:
            output = output.ravel()
        return self._label_binarizer.inverse_transform(output)

    def predict_proba(self, X):
        """Class probabilities.

        Binary: ``[1 - y, y]`` from the one logistic unit; multiclass with
        log_loss: the softmax outputs; multiclass with squared_error: the
        logistic outputs divided by their row sum; multilabel: the logistic
        output of each label.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``, dtype of the model.
        """
        output = self._output(self._validate_predict_X(X))
        if len(self.classes_) == 1:  # y had one class: it is certain
            return np.ones_like(output)
        if self.n_outputs_ == 1:
            return np.hstack([1 - output, output])
        return output

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------ predict

    def _validate_predict_X(self, X):
        check_is_fitted(self)
        return validate_data(
            self, native_byte_order(X), accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32), reset=False,
        )

    def _multiclass_squared_error(self):
        return self.loss == "squared_error" and self._label_binarizer.y_type_ == "multiclass"

    def _output(self, X):
        """Network outputs for X, in chunks of rows to bound the memory.

        Multiclass squared_error: the logistic outputs divided by their row
        sum (what predict_proba returns and predict takes the argmax of).
        """
        if sp.issparse(X):
            X = X.tocsr()
        n_samples = X.shape[0]
        if n_samples <= _PREDICT_CHUNK:
            return self._chunk_output(X)
        output = None
        for rows in gen_batches(n_samples, _PREDICT_CHUNK):
            out = self._chunk_output(X[rows])
            if output is None:
                output = np.empty((n_samples, out.shape[1]), dtype=out.dtype)
            output[rows] = out
        return output

    def _chunk_output(self, X):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: handled below
            output = self._forward_output(X, self.coefs_, self.intercepts_)
            overflowed = ~np.isfinite(output).all(axis=1)
            if overflowed.any():
                output[overflowed] = self._overflowed_output(X[overflowed])
        return output

    def _forward_output(self, X, coefs, intercepts):
        if not self._multiclass_squared_error():
            return nn.forward(X, coefs, intercepts, self.activation,
                              self.out_activation_)[-1]
        # y_k / sum_j y_j with y = expit(a) is softmax(log expit(a)): in log
        # space no row is 0 / 0, even where every expit(a_k) underflows (the
        # limit there is softmax(a)) or rounds to 1.
        logits = nn.forward(X, coefs, intercepts, self.activation, "identity")[-1]
        return nn.softmax(log_expit(logits, out=logits))

    def _overflowed_output(self, X):
        """Outputs of rows whose pass overflowed float32 (inf - inf is NaN), in float64.

        Finite inputs of float32 data may make units beyond its range; float64
        holds them, and the outputs (probabilities) fit float32 again.
        """
        if X.dtype == np.float32:
            output = self._forward_output(
                X.astype(np.float64), [c.astype(np.float64) for c in self.coefs_],
                [b.astype(np.float64) for b in self.intercepts_])
            if np.isfinite(output).all():
                return output
        raise ValueError(
            "X has %d row(s) so large that the network's units overflow float64: no "
            "probability can be computed for them. Scale the features as in training "
            "(e.g. StandardScaler)." % X.shape[0])

    # ------------------------------------------------- fit: validation

    def _transaction(self, X, y, sample_weight, coefs_init, intercepts_init, incremental):
        """Run a fit; on any error put the estimator back as it was."""
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=self._max_epochs(incremental))
        with all_or_nothing(self):
            self._fit(X, y, sample_weight, coefs_init, intercepts_init, incremental, tasks)
            tasks.end()  # a callback that raises here fails the fit too
        return self

    def _max_epochs(self, incremental):
        """Epoch subtasks of a fit for the callbacks (lbfgs: its iterations)."""
        return 1 if incremental else self.max_iter

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        # () is allowed: no hidden layer, i.e. logistic / softmax regression.
        # (a bound first: int() of inf overflows, and numpy cannot index 2**70 units)
        if not all(isinstance(s, Real) and not isinstance(s, bool) and 0 < s <= _MAX_UNITS
                   and int(s) == s for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got %r (at most %d units "
                "a layer)." % (self.hidden_layer_sizes, _MAX_UNITS)
            )
        return [int(s) for s in sizes]

    def _validate_input(self, X, y, incremental, reset):
        """Validate X and y, set classes_; return X and the target matrix T."""
        X, y = validate_data(
            self, native_byte_order(X), y, accept_sparse=["csr", "csc"], multi_output=True,
            dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_same_target_kind(y, incremental)
            self._check_same_classes(y)
        # Targets in the dtype of X: float32 data trains in float32.
        T = self._label_binarizer.transform(y).astype(X.dtype)
        return X, y, T

    def _share_data(self, net, X, T, sample_weight):
        """Take ``net``'s validation of the same data; return its X, T and weights.

        The networks of a stack are fitted on one X, y and weights, with the
        same class weights: validating them once is enough (and the stack's
        set-up time otherwise grows with its size). Each network gets its
        own copies of the data attributes.
        """
        for name in _DATA_ATTRIBUTES:
            if hasattr(net, name):
                setattr(self, name, copy.copy(getattr(net, name)))
            else:
                self.__dict__.pop(name, None)
        return X, T, sample_weight

    def _check_same_target_kind(self, y, incremental):
        """A continued fit must have the previous fit's kind of targets.

        The output units of a multilabel network are one yes/no per label,
        those of a multiclass one a choice among the classes: the same
        numbers mean other things (MLPClassifier continues anyway).
        """
        kind = "multilabel" if y.ndim == 2 else "multiclass or binary"
        previous = ("multilabel" if self._label_binarizer.y_type_.startswith("multilabel")
                    else "multiclass or binary")
        if kind != previous:
            how = "partial_fit" if incremental else "warm_start=True"
            raise ValueError(
                f"{how} continues a network fitted on {previous} targets, but y is "
                f"{kind}: the output units would mean something else. Fit with "
                "warm_start=False to start afresh.")

    def _check_same_classes(self, y):
        classes = unique_labels(y)
        if self.warm_start and set(classes) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got {self.classes_}, "
                f"`y` has {classes}"
            )
        if len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {classes}."
            )

    def _sample_weight(self, sample_weight, X, y, incremental):
        """Sample weights times class weights, in X's dtype; None if all ones."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        if self.class_weight is not None:
            if y.ndim == 2:
                raise ValueError("class_weight is not supported for multilabel y.")
            if incremental and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight 'balanced' is not supported for partial_fit: "
                    "pass a dict of class weights computed on all the data."
                )
            cw = class_weight_per_sample(self.class_weight, self.classes_, y)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        if sample_weight is not None and not sample_weight.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
        with np.errstate(over="ignore"):  # an overflowing sum is the error below
            total = None if sample_weight is None else sample_weight.sum()
        if total is not None and not np.isfinite(total):
            raise ValueError(
                "sample_weight (times class_weight) sums to more than float64 holds (the "
                "largest weight is %.3g): the loss, a weighted mean, overflows. Rescale the "
                "weights: dividing them and alpha by the same number gives the same fit."
                % sample_weight.max())
        if sample_weight is not None and np.all(sample_weight == 1):
            return None  # the unweighted code path is the same loss, faster
        return None if sample_weight is None else weights_in_dtype(sample_weight, X.dtype)

    # ----------------------------------------------------- fit: weights

    def _init_layer(self, fan_in, fan_out, rng, dtype):
        """One layer's starting (W, b) drawn by ``self.init``."""
        if self.init == "he_uniform":
            bound = np.sqrt(6.0 / fan_in)
            coef = rng.uniform(-bound, bound, (fan_in, fan_out))
            return coef.astype(dtype, copy=False), np.zeros(fan_out, dtype=dtype)
        factor = 6.0
        if self.init == "glorot_uniform_sklearn" and self.activation == "logistic":
            factor = 2.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        # Same draws in the same order as MLPClassifier (W then b, per layer).
        coef = rng.uniform(-bound, bound, (fan_in, fan_out))
        intercept = rng.uniform(-bound, bound, fan_out)
        return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)

    def _starting_weights(self, layer_units, rng, dtype, first_pass, coefs_init,
                          intercepts_init):
        """Fresh copies of the starting weights (the old ones stay untouched)."""
        if first_pass:
            layers = [self._init_layer(a, b, rng, dtype)
                      for a, b in zip(layer_units[:-1], layer_units[1:])]
            coefs, intercepts = [c for c, _ in layers], [b for _, b in layers]
        else:
            coefs = [c.astype(dtype, copy=True) for c in self.coefs_]
            intercepts = [b.astype(dtype, copy=True) for b in self.intercepts_]
        shapes = [(a, b) for a, b in zip(layer_units[:-1], layer_units[1:])]
        if coefs_init is not None:
            coefs = _checked_arrays(coefs_init, shapes, dtype, "coefs_init")
        if intercepts_init is not None:
            intercepts = _checked_arrays(intercepts_init, [(b,) for _, b in shapes],
                                         dtype, "intercepts_init")
        if [c.shape for c in coefs] != shapes:
            raise ValueError(
                "The network of the previous fit has layer shapes %s but X and y "
                "need %s; use warm_start=False." % ([c.shape for c in coefs], shapes)
            )
        return coefs, intercepts

    # ------------------------------------------------------- fit: driver

    def _fit(self, X, y, sample_weight, coefs_init, intercepts_init, incremental, tasks):
        X, T, sample_weight, layer_units = self._prepare_fit(
            X, y, sample_weight, coefs_init, intercepts_init, incremental)
        # Overflow or NaN is caught by _check_loss with a clear error instead.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.solver == "lbfgs":
                self._fit_lbfgs(X, T, sample_weight, layer_units, tasks)
            else:
                train_stochastic([self], X, T, sample_weight, layer_units, incremental,
                                 tasks=[tasks])
        if not incremental:
            self._warn_if_no_better_than_constant()
        return self

    def _prepare_fit(self, X, y, sample_weight, coefs_init, intercepts_init, incremental,
                     shared=None):
        """Validate, set the classes and the starting weights; return what training needs.

        Returns X (CSR if sparse), the target matrix T, the sample weights
        and the units per layer. ``shared`` is ``(net, X, T, sample_weight)``
        as another network of a stack validated the same data: a fresh
        network takes its data attributes instead of validating again.
        """
        hidden = self._hidden_sizes()
        nn._hidden_activations(self.activation, len(hidden))  # ValueError: names, length
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        if coefs_init is not None or intercepts_init is not None:
            first_pass = True
        if shared is not None and first_pass:
            X, T, sample_weight = self._share_data(*shared)
        else:
            X, y, T = self._validate_input(X, y, incremental, reset=first_pass)
            sample_weight = self._sample_weight(sample_weight, X, y, incremental)
        layer_units = [X.shape[1]] + hidden + [T.shape[1]]
        self._random_state = check_random_state(self.random_state)
        coefs, intercepts = self._starting_weights(
            layer_units, self._random_state, X.dtype, first_pass, coefs_init,
            intercepts_init,
        )
        if first_pass:
            self._reset_state(T, layer_units)
        else:
            self._continue_previous_fit()
        self._fitted_by = (self.solver, self.loss)
        self.coefs_, self.intercepts_ = coefs, intercepts
        self._null_loss = _null_loss(T, sample_weight, self.loss, self.out_activation_)
        if incremental:  # a call's rows may be one: the classes' uniform loss as well
            self._null_loss = max(self._null_loss, self._uniform_loss())
        self._penalty_scale = self._start_penalty(coefs, X.shape[0], sample_weight)
        if not incremental or first_pass or not hasattr(self, "_reference_loss"):
            # partial_fit calls share one reference: divergence spread over
            # many calls is still divergence (a fit starts afresh; so does a
            # model whose fitted attributes were set by hand, as in
            # scikit-learn's test_fit).
            self._reference_loss = None
            self._pooled_loss = (0, 0.0)
        if not incremental:
            self._pooled_loss = None  # a fit's epoch covers all its rows
        elif getattr(self, "_pooled_loss", None) is None:
            self._pooled_loss = (0, 0.0)
        if sp.issparse(X):
            X = X.tocsr()  # row slicing for the minibatches
        return X, T, sample_weight, layer_units

    def _resumes(self):
        """Whether fit_stack(resume=True) trains this network further."""
        state = getattr(self, "_training_state", None)
        return state is not None and state.at_max_iter and self.max_iter > self.n_iter_

    def _prepare_resume(self, X, y, sample_weight, shared=None):
        """What training needs to go on from ``_training_state`` (X, T, weights, units).

        ``shared`` as in :meth:`_prepare_fit`.
        """
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise ValueError("Only the stochastic solvers ('sgd', 'adam') resume training.")
        if shared is not None:
            X, T, sample_weight = self._share_data(*shared)
        else:
            X, y, T = self._validate_input(X, y, incremental=True, reset=False)
            sample_weight = self._sample_weight(sample_weight, X, y, incremental=False)
        layer_units = [X.shape[1]] + self._hidden_sizes() + [T.shape[1]]
        return (X.tocsr() if sp.issparse(X) else X), T, sample_weight, layer_units

    def _reset_state(self, T, layer_units):
        """Start the fitted attributes afresh (first fit, no warm start)."""
        self.n_outputs_ = T.shape[1]
        self.n_layers_ = len(layer_units)
        self.n_iter_ = 0
        self.t_ = 0
        self.out_activation_ = self._out_activation()
        self._reset_record()

    def _out_activation(self):
        """Softmax for multiclass targets with log_loss, else logistic units."""
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        return "softmax" if multiclass and self.loss == "log_loss" else "logistic"

    def _continue_previous_fit(self):
        """What a warm start or a later partial_fit continues: the one place that decides.

        The weights always (:meth:`_starting_weights` checks their shapes);
        the output units follow the loss (another loss: another output
        activation). The record of stochastic training (loss curve, best
        loss or validation score, no-improvement count) only where the
        previous fit kept one of the same loss: after an lbfgs fit, or with
        another loss (another scale), it starts afresh. partial_fit's
        optimizer state only where the previous fit had this solver's.
        """
        solver, loss = getattr(self, "_fitted_by", (self.solver, self.loss))
        if loss != self.loss:
            self.out_activation_ = self._out_activation()
        if self.solver not in _STOCHASTIC_SOLVERS:
            return  # lbfgs keeps no record (_fit_lbfgs drops it)
        if solver not in _STOCHASTIC_SOLVERS or loss != self.loss:
            self._reset_record()
        elif solver != self.solver:
            self.__dict__.pop("_optimizer", None)  # another optimizer's state

    def _reset_record(self):
        """Start the record of stochastic training and the optimizer afresh."""
        if hasattr(self, "_optimizer"):
            del self._optimizer
        for name in _STOCHASTIC_ATTRIBUTES:  # curves of an earlier fit with another solver
            self.__dict__.pop(name, None)
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.validation_loss_curve_ = None
                self.best_validation_score_ = None

    # -------------------------------------------------------- fit: lbfgs

    def _fit_lbfgs(self, X, T, sample_weight, layer_units, tasks):
        """Full-batch L-BFGS-B on the packed weights (scipy.optimize).

        Every L-BFGS iteration is a callback subtask (both hooks at its end).
        """
        for name in _STOCHASTIC_ATTRIBUTES:  # warm start from a stochastic fit
            self.__dict__.pop(name, None)
        self.n_iter_ = 0
        start = {"snapshot": self._snapshot()}

        def iteration_end(coefs, intercepts):
            self.n_iter_ += 1
            end = {"coefs_": coefs, "intercepts_": intercepts, "n_iter_": self.n_iter_}
            tasks.begin_epoch(start["snapshot"])
            start["snapshot"] = end
            return tasks.end_epoch(end)

        result = train_lbfgs(self, X, T, sample_weight, layer_units, iteration_end)
        self._check_weights_finite(self.coefs_ + self.intercepts_)
        if result.status not in (0, _STOPPED_BY_CALLBACK):
            warnings.warn(_lbfgs_warning(result), ConvergenceWarning)
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)

    def _validation_split(self, X, T, sample_weight):
        """Indices of the training rows, and the held-out set (a _HeldOut)."""
        indices = np.arange(X.shape[0])
        y_type = self._label_binarizer.y_type_
        # Binary: MLPClassifier's stratification (its boolean target column, so
        # a class with one member raises its error); multiclass: the labels
        # (MLPClassifier does not stratify them); multilabel: none.
        stratify = None
        if y_type == "binary":
            stratify = T.astype(bool)
        elif y_type == "multiclass":
            stratify = self.classes_[T.argmax(axis=1)]
        if stratify is not None:
            self._check_stratified_split(stratify)
        train, val = train_test_split(indices, stratify=stratify,
                                      random_state=self._random_state,
                                      test_size=self.validation_fraction)
        if val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        if sample_weight is not None and not sample_weight[train].any():
            raise ValueError(
                "Every row with a non-zero sample weight fell into the early-stopping "
                "validation set (validation_fraction=%g): no weighted training rows "
                "remain. Give more rows a weight, lower validation_fraction, or set "
                "early_stopping=False." % self.validation_fraction)
        return train, self._held_out(X, T, sample_weight, val)

    def _check_stratified_split(self, stratify):
        """A clear error where the stratified split cannot give each side every class.

        (A class of one member is left to train_test_split, whose error names it.)
        """
        counts = np.unique(stratify.ravel(), return_counts=True)[1]
        n_samples, n_classes = len(stratify), len(counts)
        n_val = math.ceil(self.validation_fraction * n_samples)
        if counts.min() < 2 or min(n_val, n_samples - n_val) >= n_classes:
            return
        raise ValueError(
            "early_stopping holds out validation_fraction=%g of the %d rows, %d row(s), "
            "and trains on %d: a stratified split needs each side to have at least one "
            "row of each of the %d classes. Raise validation_fraction to at least %.3g "
            "(and at most %.3g), fit more rows, or set early_stopping=False."
            % (self.validation_fraction, n_samples, n_val, n_samples - n_val, n_classes,
               n_classes / n_samples, 1 - n_classes / n_samples))

    def _held_out(self, X, T, sample_weight, val):
        """The early-stopping validation set of the rows ``val`` (a _HeldOut)."""
        y_val = self._label_binarizer.inverse_transform(T[val])
        sw_val = None if sample_weight is None else sample_weight[val]
        scorer = None if self.scoring is None else check_scoring(self, self.scoring)
        return _HeldOut(X[val], y_val, T[val], sw_val, scorer, val)

    def _begin_epochs(self, validation, resume=False):
        """Before the first epoch of a fit (called by skmlp._training).

        ``resume``: training goes on where the last fit stopped, with its
        best weights, epoch count and curves.
        """
        self._continue_curves(validation is not None)
        if resume:
            return
        self._best_coefs = [c.copy() for c in self.coefs_]
        self._best_intercepts = [b.copy() for b in self.intercepts_]
        self._first_curve_index = len(self.loss_curve_)
        self.n_iter_ = 0

    def _end_epochs(self, validation, incremental):
        """After the last epoch: restore the best weights (early stopping)."""
        if validation is not None:
            self.coefs_, self.intercepts_ = self._best_coefs, self._best_intercepts
        if not incremental:
            self._warn_if_loss_went_up(self._first_curve_index)

    def _snapshot(self):
        """The fitted attributes as they stand (a callback's fitted_estimator)."""
        snapshot = {
            "coefs_": [c.copy() for c in self.coefs_],
            "intercepts_": [b.copy() for b in self.intercepts_],
            "n_iter_": self.n_iter_,
        }
        if hasattr(self, "loss_curve_"):  # not for lbfgs
            snapshot["loss_curve_"] = list(self.loss_curve_)
        return snapshot

    def _continue_curves(self, early_stopping):
        """Fresh copies of the curves of earlier fits (warm start), to append to."""
        self.loss_curve_ = list(self.loss_curve_)
        if early_stopping:
            if self.validation_scores_ is None:  # earlier fits did not stop early
                self.validation_scores_, self.best_validation_score_ = [], -np.inf
                self.validation_loss_curve_ = []
            self.validation_scores_ = list(self.validation_scores_)
            self.validation_loss_curve_ = list(self.validation_loss_curve_)
        elif self.best_loss_ is None:  # earlier fits stopped early
            self.best_loss_ = np.inf

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. "
                "It is going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _end_epoch(self, loss, n_train, validation, optimizer):
        """Bookkeeping after an epoch; returns True when training must stop."""
        judged = self._loss_to_judge(loss, n_train)
        self._check_loss(loss if judged is None else judged, self.solver,
                         epoch=judged is not None)
        self._check_weights_finite(self.coefs_ + self.intercepts_)
        self.n_iter_ += 1
        self.t_ += n_train
        self.loss_ = loss
        self.loss_curve_.append(loss)
        self._update_no_improvement_count(validation)
        if self.verbose:
            self._print_epoch()
        optimizer.iteration_ends(self.t_)
        if self._no_improvement_count <= self.n_iter_no_change:
            return False
        what = "Validation score" if validation is not None else "Training loss"
        msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
            what, self.tol, self.n_iter_no_change)
        if optimizer.trigger_stopping(msg, self.verbose):
            return True
        self._no_improvement_count = 0
        return False

    def _update_no_improvement_count(self, validation):
        if validation is None:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
            return
        score, loss = self._validation_score_and_loss(validation)
        self.validation_scores_.append(score)
        self.validation_loss_curve_.append(loss)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_coefs = [c.copy() for c in self.coefs_]
            self._best_intercepts = [b.copy() for b in self.intercepts_]

    def _validation_score_and_loss(self, held_out):
        """Score (``scoring``, default accuracy) and data loss on the held-out set."""
        output = self._output(held_out.X)
        loss = nn.loss_value(output, held_out.T, self.loss, self.out_activation_,
                             _nonzero_or_none(held_out.sample_weight))
        if held_out.scorer is None:
            y_pred = self._label_binarizer.inverse_transform(
                output.ravel() if output.shape[1] == 1 else output)
            return _accuracy(held_out.y, y_pred, held_out.sample_weight), loss
        # The held-out rows are validated arrays: score a view of the model
        # without feature_names_in_, which would warn about missing names.
        model = copy.copy(self)
        model.__dict__.pop("feature_names_in_", None)
        weights = {} if held_out.sample_weight is None else {
            "sample_weight": held_out.sample_weight}
        return float(held_out.scorer(model, held_out.X, held_out.y, **weights)), loss

    def _print_epoch(self):
        """MLPClassifier's verbose lines (the same text, for log parsers)."""
        print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
        if self.validation_scores_:
            print("Validation score: %f" % self.validation_scores_[-1])

    # ------------------------------------------------- fit: never silent

    def _loss_to_judge(self, loss, n_rows):
        """The mean loss an explosion is judged by after an epoch, or None (not yet).

        A fit's epoch loss. partial_fit pools its calls' losses, weighted by
        their rows, until they cover :data:`_STREAM_ROWS` rows: the loss of a
        call of a few rows says little about the weights.
        """
        if self._pooled_loss is None:
            return loss
        rows, total = self._pooled_loss
        rows, total = rows + n_rows, total + loss * n_rows
        self._pooled_loss = (rows, total) if rows < _STREAM_ROWS else (0, 0.0)
        return total / rows if rows >= _STREAM_ROWS else None

    def _uniform_loss(self):
        """Loss of predicting every class (or label) equally likely."""
        n_outputs = self.n_outputs_
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        p = np.full((1, n_outputs), 1.0 / n_outputs if multiclass else 0.5)
        return _null_loss(p, None, self.loss, self.out_activation_)

    def _check_loss(self, loss, solver, epoch=False):
        """Stop with a clear error on a non-finite or exploding loss."""
        finite = np.isfinite(loss)
        if self._reference_loss is None and finite:
            # The loss at the starting weights: the scale of "exploded".
            self._reference_loss = max(loss, self._null_loss)
        exploding = epoch and finite and loss > _EXPLOSION_FACTOR * self._reference_loss
        if finite and not exploding:
            return
        what = "is %s" % loss if not finite else (
            "exploded to %.4g (it was %.4g at the starting weights)"
            % (loss, self._reference_loss))
        if self._penalty_to_blame(solver):
            raise FloatingPointError(
                "Training stopped: the loss %s. alpha=%g (the L2 penalty) is too large: "
                "%s. Lower alpha. The estimator was left as it was before this call."
                % (what, self.alpha, self._penalty_to_blame(solver)))
        step = ("learning_rate_init=%g is probably too large for solver=%r; lower it"
                % (self.learning_rate_init, solver)) if solver != "lbfgs" else (
                "lbfgs diverged")
        raise FloatingPointError(
            "Training stopped: the loss %s. %s, and scale the features (e.g. "
            "StandardScaler: inputs of large magnitude saturate the units). The "
            "estimator was left as it was before this call." % (what, step)
        )

    def _start_penalty(self, coefs, n_samples, sample_weight):
        """``(alpha / S, ||W||^2)`` at the starting weights, S of a minibatch.

        What :meth:`_penalty_to_blame` judges a divergence by.
        """
        rows = n_samples if sample_weight is None else float(sample_weight.sum())
        if self.solver != "lbfgs":  # the S of a full minibatch
            rows *= min(1.0, self._batch_size(n_samples) / n_samples) if n_samples else 1.0
        with np.errstate(over="ignore"):
            return self.alpha / max(rows, 1e-300), sum(
                float(np.vdot(W, W)) for W in coefs)

    def _penalty_to_blame(self, solver):
        """Why the L2 penalty (not the learning rate) broke the training, or ''.

        The penalty's term ``alpha / (2 S) ||W||^2`` at the starting weights
        is not finite or dwarfs the data loss; or, with SGD, the weight-decay
        factor ``1 - eta alpha / S`` of every step is below -1, so the
        weights grow in size at every step whatever the data.
        """
        lam, sq_norm = getattr(self, "_penalty_scale", (0.0, 0.0))
        with np.errstate(over="ignore", invalid="ignore"):
            term = lam / 2 * sq_norm
            decay = self.learning_rate_init * lam
        if not np.isfinite(term) or term > _EXPLOSION_FACTOR * max(self._null_loss, 1.0):
            return ("its term alpha / (2 S) ||W||^2 is %.3g at the starting weights, "
                    "against %.3g for the data" % (term, self._null_loss))
        if solver == "sgd" and decay > 2:
            return ("each SGD step multiplies the weights by 1 - learning_rate_init * "
                    "alpha / S = %.3g, which makes them grow" % (1 - decay))
        return ""

    def _check_weights_finite(self, weights):
        if not all(np.isfinite(w).all() for w in weights):
            self._check_loss(np.nan, self.solver)

    def _warn_if_no_better_than_constant(self):
        # Only where the constant leaves something to learn: a null loss
        # within tol of 0 (one class, or nearly) is as good as a perfect fit.
        if self._null_loss > self.tol and self.loss_ >= self._null_loss:
            penalty = self._penalty_to_blame(self.solver)
            remedy = ("alpha=%g (the L2 penalty) is too large: %s. Lower alpha"
                      % (self.alpha, penalty)) if penalty else (
                "Check learning_rate_init=%g (too large or too small) and scale the "
                "features (e.g. StandardScaler)" % self.learning_rate_init)
            warnings.warn(
                "The final training loss %.6g is no better than the loss of always "
                "predicting the class frequencies (%.6g): the network learned "
                "nothing. %s." % (self.loss_, self._null_loss, remedy),
                ConvergenceWarning,
            )

    def _warn_if_loss_went_up(self, first):
        curve = self.loss_curve_[first:]
        if len(curve) >= 2 and curve[-1] > curve[0]:
            warnings.warn(
                "The training loss went up during fit (first epoch %.6g, last epoch "
                "%.6g): learning_rate_init=%g is probably too large, or the features "
                "need scaling (e.g. StandardScaler)."
                % (curve[0], curve[-1], self.learning_rate_init),
                ConvergenceWarning,
            )


def fit_stack(nets, X, y, sample_weight=None, coefs_init=None, intercepts_init=None, *,
              resume=False):
    """Fit stochastic-solver ManualMLPClassifiers together, as one stack.

    The networks must agree on everything that shapes them and their
    minibatches (hidden sizes, activation, loss, solver, batch size,
    shuffling, random_state, init, early stopping, class weights); each
    keeps its own learning rate, penalty, optimizer constants and stopping.
    Each ends as a plain ``fit(X, y, ...)`` would leave it, bit for bit.
    This is how :class:`skmlp.model_selection.MLPGridSearchCV` fits the
    candidates of a fold.

    Parameters
    ----------
    nets : list of ManualMLPClassifier
        Unfitted estimators (solver 'sgd' or 'adam').
    X, y, sample_weight, coefs_init, intercepts_init :
        As in :meth:`ManualMLPClassifier.fit`.
    resume : bool, default=False
        The networks were fitted before on the same X, y and weights, all to
        the same epoch, and their ``max_iter`` may have been raised since:
        each continues from the state it reached (its current weights, not
        the early-stopping best ones, optimizer, schedule, shuffling,
        stopping counters, curves and validation rows) until it stops as a
        fresh fit with its new ``max_iter`` would, and ends as that fit
        would have left it. A network whose training ended for another
        reason than max_iter (tol, early stopping, a callback), or whose
        max_iter was not raised, is left as it is.

    Returns
    -------
    errors : list
        Per estimator, None or the exception that made its fit fail (bad
        parameters, a diverging loss): it fails alone, the others go on.
    """
    errors = [None] * len(nets)
    prepared, shared = [], None
    for i, net in enumerate(nets):
        if resume and not net._resumes():
            continue
        try:
            net._validate_params()
            X_net, T, sample_weight_net, layer_units = (
                net._prepare_resume(X, y, sample_weight, shared) if resume
                else net._prepare_fit(X, y, sample_weight, coefs_init, intercepts_init,
                                      incremental=False, shared=shared))
        except Exception as exc:  # noqa: BLE001 - a failed fit, as in GridSearchCV
            errors[i] = exc
            continue
        if shared is None:  # validated once: the other networks share it, no copy of X
            shared = (net, X_net, T, sample_weight_net)
            data = (X_net, T, sample_weight_net, layer_units)
        prepared.append(i)
    if not prepared:
        return errors
    # Each network's callbacks (propagated by the search): one epoch subtask per epoch.
    tasks = [FitTasks(nets[i], X, y, sample_weight,
                      max_epochs=nets[i].max_iter - (nets[i].n_iter_ if resume else 0))
             for i in prepared]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        trained = train_stochastic([nets[i] for i in prepared], *data, incremental=False,
                                   collect_errors=True, tasks=tasks,
                                   n_threads=thread_budget(), resume=resume)
    for i, error, net_tasks in zip(prepared, trained, tasks):
        errors[i] = error
        if error is None:
            nets[i]._warn_if_no_better_than_constant()
            net_tasks.end()
    return errors


def _checked_arrays(arrays, shapes, dtype, name):
    """Copies of user-given starting weights, checked against the layer shapes."""
    if len(arrays) != len(shapes):
        raise ValueError("%s must have %d arrays (one per layer), got %d."
                         % (name, len(shapes), len(arrays)))
    out = [np.array(a, dtype=dtype, copy=True) for a in arrays]
    got = [a.shape for a in out]
    if got != shapes:
        raise ValueError("%s has shapes %s; the layers need %s." % (name, got, shapes))
    if not all(np.isfinite(a).all() for a in out):
        raise ValueError("%s contains NaN or infinity." % name)
    return out


def _null_loss(T, sample_weight, loss, out_activation):
    """Loss of the best constant prediction (the class frequencies).

    The scale against which an exploding loss is recognised.
    """
    p = np.average(T, axis=0, weights=sample_weight).astype(np.float64)
    if loss == "squared_error":
        return 0.5 * float(np.sum(p * (1 - p)))
    # The entropy of the frequencies, exactly 0 when one class is all of y
    # (xlogy(0, 0) = 0), so that a single class is not "nothing learned".
    if out_activation == "softmax":
        return float(-np.sum(xlogy(p, p)))
    return float(-np.sum(xlogy(p, p) + xlogy(1 - p, 1 - p)))


def _nonzero_or_none(sample_weight):
    """The weights, or None if they are all 0 (held-out rows then count equally)."""
    if sample_weight is not None and not sample_weight.any():
        return None
    return sample_weight


def _accuracy(y_true, y_pred, sample_weight):
    """(Weighted) accuracy; a multilabel row counts only if all labels match."""
    correct = np.all(y_true == y_pred, axis=1) if y_true.ndim == 2 else y_true == y_pred
    return float(np.average(correct, weights=_nonzero_or_none(sample_weight)))


def _lbfgs_warning(result):
    """The ConvergenceWarning's text for an L-BFGS-B fit that stopped short.

    ``result.status`` is 1 when max_iter or max_fun ran out, 2 when scipy's
    line search found no step that lowers the loss (its terse "ABNORMAL: "):
    there more iterations do not help.
    """
    head = "lbfgs failed to converge after %d iterations and %d loss evaluations" % (
        result.nit, result.nfev)
    if result.status == 1:
        return f"{head} ({result.message}). Increase max_iter / max_fun or scale the features."
    return (f"{head}: the line search found no step that lowers the loss (scipy: "
            f"{str(result.message).rstrip(': ')}). The weights may be at a minimum as far "
            "as the precision of X's dtype allows; if the loss is still high, scale the "
            "features (StandardScaler) or raise alpha.")
