"""ManualMLPClassifier and ManualMLPRegressor: MLPs trained by hand-written backprop.

The math (forward pass, losses, backpropagation) is :mod:`skmlp.nn`; the
optimizers are :mod:`skmlp._optimizers`; the minibatch training loop and
each network's training bookkeeping are :mod:`skmlp._training` (the same
loop trains the stacked candidates of the searches of
:mod:`skmlp.model_selection`); what both estimators share (validation, the
starting weights, the solvers, warm starts, callbacks, the divergence
errors) is :class:`skmlp._network.BaseNetwork`. This module holds what
differs: how targets become the output matrix, the output activation and
loss, and the predict methods.
"""

import numpy as np
from scipy.special import log_expit, xlogy
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from . import nn
from ._network import _PREDICT_CHUNK, BaseNetwork, fit_stack  # noqa: F401 - re-exported
from ._utils import class_weight_per_sample


class ManualMLPClassifier(ClassifierMixin, BaseNetwork):
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
        L2 penalty strength; the :math:`\lambda` of the objective
        :math:`E + \frac{\lambda}{2} \|W\|^2`, E the mean loss, is ``alpha / S``.
    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, default='constant'
        Learning-rate schedule. The first three are SGD's, as in
        MLPClassifier: 'constant' keeps ``learning_rate_init``; 'invscaling'
        sets the rate to ``learning_rate_init / (t + 1) ** power_t`` at the
        end of each epoch, ``t`` being the number of samples seen; 'adaptive'
        divides it by 5 each time the loss (or the validation score) stalls
        for ``n_iter_no_change`` epochs, instead of stopping, until it falls
        below 1e-6. 'cosine', for 'sgd' and 'adam' alike, uses
        :math:`\eta_0 (1 + \cos(\pi e / \text{max\_iter})) / 2` in epoch
        :math:`e` (0-based; torch's CosineAnnealingLR with ``T_max=max_iter``),
        :math:`\eta_0` = ``learning_rate_init``.
    learning_rate_init : float, default=0.001
        Initial learning rate :math:`\eta` of 'sgd' and 'adam' (the step
        :math:`w \leftarrow w - \eta \, \partial E / \partial w` of plain SGD).
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
        Training loss; 'squared_error' has logistic output units, the
        textbook setup of backpropagation's derivation.
    init : {'glorot_uniform', 'glorot_uniform_sklearn', 'he_uniform'}, default='glorot_uniform'
        Initial weights. 'glorot_uniform' (Xavier's bound): W and b drawn
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
    dropout : float or list of float, default=0.0
        Inverted dropout on the hidden layers' outputs during training ('sgd'
        and 'adam'): a rate in [0, 1) for every hidden layer, or a list with
        one per hidden layer. In each minibatch every hidden unit is kept with
        probability ``1 - rate`` and its output multiplied by
        ``1 / (1 - rate)`` (0 where dropped), so the next layer sees
        :math:`h \odot m / (1 - r)`, and the delta flowing back is multiplied
        by the same mask. The masks come from the network's own generator
        (seeded by ``random_state``): a fit is reproducible, and the networks
        of a stack draw independently. Nothing is dropped at predict time or
        for the validation scores. Ignored by 'lbfgs'.
    weight_decay : float, default=0.0
        Decoupled weight decay (SGDW / AdamW, Loshchilov and Hutter): every
        step of 'sgd' or 'adam' also does :math:`w \leftarrow w - \eta \,
        \text{weight\_decay} \, w` on the weights (not the biases), with
        :math:`\eta` the step's learning rate (``learning_rate_init`` times
        the schedule's factor; for Adam not its bias-corrected step). Unlike
        ``alpha`` it does not enter the loss or the gradient. Ignored by
        'lbfgs'.
    max_grad_norm : float or None, default=None
        Clip the gradient of the whole loss (every weight, penalty included,
        and bias) per minibatch, before the optimizer's step: scaled by
        :math:`\text{max\_grad\_norm} / \|g\|_2` where its 2-norm exceeds
        ``max_grad_norm`` (torch's ``clip_grad_norm_``). None: no clipping.
        Ignored by 'lbfgs'.

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
        **BaseNetwork._parameter_constraints,
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _DATA_ATTRIBUTES = (*BaseNetwork._DATA_ATTRIBUTES, "classes_", "_label_binarizer")
    _CONSTANT = "the class frequencies"

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
        dropout=0.0,
        weight_decay=0.0,
        max_grad_norm=None,
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
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.max_grad_norm = max_grad_norm

    @available_if(BaseNetwork._check_solver)
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------ outputs

    def _multiclass_squared_error(self):
        return self.loss == "squared_error" and self._label_binarizer.y_type_ == "multiclass"

    def _chunk_output(self, X):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: handled below
            output = self._forward_output(X, self.coefs_, self.intercepts_)
            overflowed = ~np.isfinite(output).all(axis=1)
            if overflowed.any():
                output[overflowed] = self._overflowed_output(X[overflowed])
        return output

    def _forward_output(self, X, coefs, intercepts):
        """The outputs; multiclass squared_error: the logistic outputs divided by
        their row sum (what predict_proba returns and predict takes the argmax of)."""
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

    def _out_activation(self):
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        return "softmax" if multiclass and self.loss == "log_loss" else "logistic"

    # ------------------------------------------------------------ targets

    def _targets(self, y, incremental):
        """Check the labels, set classes_; return y and its indicator matrix T."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_same_target_kind(y, incremental)
            self._check_same_classes(y)
        # Targets in the dtype of X (cast by the base): float32 data trains in float32.
        return y, self._label_binarizer.transform(y)

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

    def _target_weights(self, y, incremental):
        """The class weights of the samples, or None."""
        if self.class_weight is None:
            return None
        if y.ndim == 2:
            raise ValueError("class_weight is not supported for multilabel y.")
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: "
                "pass a dict of class weights computed on all the data."
            )
        return class_weight_per_sample(self.class_weight, self.classes_, y)

    def _n_outputs(self, y):
        """Output units of the network for the targets y (1 for binary)."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            return y.shape[1]
        return 1 if len(np.unique(y)) <= 2 else len(np.unique(y))

    # -------------------------------------------------- losses and scores

    def _null_loss(self, T, sample_weight):
        """Loss of the best constant prediction (the class frequencies).

        The scale against which an exploding loss is recognised.
        """
        p = np.average(T, axis=0, weights=sample_weight).astype(np.float64)
        if self.loss == "squared_error":
            return 0.5 * float(np.sum(p * (1 - p)))
        # The entropy of the frequencies, exactly 0 when one class is all of y
        # (xlogy(0, 0) = 0), so that a single class is not "nothing learned".
        if self.out_activation_ == "softmax":
            return float(-np.sum(xlogy(p, p)))
        return float(-np.sum(xlogy(p, p) + xlogy(1 - p, 1 - p)))

    def _uniform_loss(self):
        """Loss of predicting every class (or label) equally likely."""
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        p = np.full((1, self.n_outputs_), 1.0 / self.n_outputs_ if multiclass else 0.5)
        return self._null_loss(p, None)

    def _stratify(self, T):
        # Binary: MLPClassifier's stratification (its boolean target column, so
        # a class with one member raises its error); multiclass: the labels
        # (MLPClassifier does not stratify them); multilabel: none.
        y_type = self._label_binarizer.y_type_
        if y_type == "binary":
            return T.astype(bool)
        if y_type == "multiclass":
            return self.classes_[T.argmax(axis=1)]
        return None

    def _held_out_targets(self, T):
        return self._label_binarizer.inverse_transform(T)

    def _validation_targets(self, y):
        """fit's y_val checked against classes_: y_val and its indicator matrix."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y_val has classes not in y: {unknown}; the classes of y "
                             f"are {self.classes_}.")
        return y, self._label_binarizer.transform(y)

    def _data_loss(self, output, T, sample_weight):
        return nn.loss_value(output, T, self.loss, self.out_activation_, sample_weight)

    def _score_outputs(self, output, y, sample_weight):
        """(Weighted) accuracy of the outputs; a multilabel row counts only if all match."""
        y_pred = self._label_binarizer.inverse_transform(
            output.ravel() if output.shape[1] == 1 else output)
        correct = np.all(y == y_pred, axis=1) if y.ndim == 2 else y == y_pred
        if sample_weight is not None and not sample_weight.any():
            sample_weight = None  # (all 0: the held-out rows count equally)
        return float(np.average(correct, weights=sample_weight))


class ManualMLPRegressor(RegressorMixin, BaseNetwork):
    r"""Multilayer perceptron regressor with hand-written backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    (same parameters in the same order, defaults, attributes and methods),
    trained by the same loop as :class:`ManualMLPClassifier`, plus a choice
    of initialiser and of the early-stopping score.

    The output units are linear (identity) for ``loss='squared_error'`` and
    exponential for ``loss='poisson'`` (the inverse of Poisson regression's
    log link, so predictions are positive). For outputs :math:`y_{nk}`,
    targets :math:`t_{nk}` and sample weights :math:`s_n` summing to
    :math:`S`, biases not penalised, ``'squared_error'`` is

    .. math::

        L = \frac{1}{2S} \sum_n s_n \sum_k (y_{nk} - t_{nk})^2
            + \frac{\alpha}{2S} \sum_l \|W_l\|^2

    and ``'poisson'`` half the Poisson deviance

    .. math::

        L = \frac{1}{S} \sum_n s_n \sum_k \left(t_{nk} \ln \frac{t_{nk}}{y_{nk}}
            - t_{nk} + y_{nk}\right) + \frac{\alpha}{2S} \sum_l \|W_l\|^2,
            \qquad y_{nk} = e^{a_{nk}}.

    Both have the output delta :math:`\partial L_n / \partial a_{nk} = y_{nk}
    - t_{nk}`, as the classifier's cross-entropy does.

    Training never fails silently: a non-finite or exploding loss stops the
    fit with a ``FloatingPointError`` naming the learning rate and feature
    scaling and leaves the estimator as it was before the call.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Training loss; 'poisson' needs ``y >= 0``.
    hidden_layer_sizes : array-like of int, default=(100,)
        Units of each hidden layer; ``()`` is linear (or Poisson) regression.
    activation : str or list of str, default='relu'
        Activation of the hidden units, one of those of
        :class:`ManualMLPClassifier` ('identity', 'logistic', 'tanh', 'relu',
        'leaky_relu', 'elu', 'gelu', 'softplus', 'silu'), or a list with one
        per hidden layer.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Weight optimizer: scipy's L-BFGS-B on the full batch, minibatch SGD,
        or Adam.
    alpha : float, default=0.0001
        L2 penalty strength (the :math:`\lambda` of :math:`E +
        \frac{\lambda}{2} \|W\|^2`, E the mean loss, is ``alpha / S``).
    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, default='constant'
        Learning-rate schedule, as in :class:`ManualMLPClassifier`: the first
        three for 'sgd' only, 'cosine' for 'sgd' and 'adam'.
    learning_rate_init : float, default=0.001
        Initial learning rate :math:`\eta` of 'sgd' and 'adam'.
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
        Print MLPRegressor's lines per epoch.
    warm_start : bool, default=False
        Start from the weights of the previous fit.
    momentum : float, default=0.9
        SGD momentum, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score
        (``scoring``, default R²) stalls and restore the best weights.
    validation_fraction : float, default=0.1
        Fraction of the data held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.
    init : {'glorot_uniform', 'glorot_uniform_sklearn', 'he_uniform'}, default='glorot_uniform'
        Initial weights, as in :class:`ManualMLPClassifier`;
        'glorot_uniform_sklearn' with the same ``random_state`` gives
        MLPRegressor's initial weights.
    scoring : str, callable or None, default=None
        The early-stopping score on the held-out set (a scorer name or
        callable, greater is better); None: R², as MLPRegressor.
    dropout : float or list of float, default=0.0
        Inverted dropout on the hidden layers' outputs in training, as in
        :class:`ManualMLPClassifier`.
    weight_decay : float, default=0.0
        Decoupled weight decay, as in :class:`ManualMLPClassifier`.
    max_grad_norm : float or None, default=None
        Global 2-norm clipping of each minibatch's gradient, as in
        :class:`ManualMLPClassifier`.

    Attributes
    ----------
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
        Validation score per epoch with early stopping, else None.
    validation_loss_curve_ : list of float or None
        Data loss on the held-out set per epoch with early stopping.
    best_validation_score_ : float or None
        Best validation score with early stopping, else None.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last fit.
    t_ : int
        Training samples seen (stochastic solvers).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Output units (the targets' columns).
    out_activation_ : str
        'identity' or 'exp'.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X had string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : Scikit-learn's implementation.
    ManualMLPClassifier : The classifier on the same network base.

    Notes
    -----
    Differences from :class:`~sklearn.neural_network.MLPRegressor`, all on
    purpose: the divergence error and the restored estimator, and the
    ConvergenceWarnings of :class:`ManualMLPClassifier` (the best constant
    prediction is the mean of y); negative sample weights and non-numeric,
    NaN or infinite targets are rejected; with several outputs
    ``'squared_error'`` is summed over the outputs, the loss whose gradient
    training follows (MLPRegressor steps along the same gradient but reports
    the mean over the outputs, so its ``loss_curve_`` is that of a single
    output divided by ``n_outputs_``); with sample weights the epoch loss
    averages the minibatch losses weighted by their weight sums
    (MLPRegressor: by their row counts; the steps are the same). With one
    output, the same
    ``random_state`` and ``init='glorot_uniform_sklearn'``, training follows
    MLPRegressor's trajectory (up to rounding).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import ManualMLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = ManualMLPRegressor(hidden_layer_sizes=(10,), activation="tanh",
    ...                          solver="lbfgs", random_state=0).fit(X, X.ravel() ** 2)
    >>> round(reg.score(X, X.ravel() ** 2), 3)
    1.0
    """

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }
    _CONSTANT = "the mean of y"

    def __init__(
        self,
        loss="squared_error",
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
        init="glorot_uniform",
        scoring=None,
        dropout=0.0,
        weight_decay=0.0,
        max_grad_norm=None,
    ):
        self.loss = loss
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
        self.init = init
        self.scoring = scoring
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.max_grad_norm = max_grad_norm

    @available_if(BaseNetwork._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch of the stochastic solver over X and y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : ManualMLPRegressor
            The updated estimator.
        """
        return self._transaction(X, y, sample_weight, None, None, incremental=True)

    def predict(self, X):
        """Predict the targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values, in the dtype of the model (1-D for one output).
        """
        output = self._output(self._validate_predict_X(X))
        return output.ravel() if output.shape[1] == 1 else output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _chunk_output(self, X):
        if self.out_activation_ != "exp":
            return super()._chunk_output(X)
        output = nn.forward(X, self.coefs_, self.intercepts_, self.activation,
                            "identity")[-1]
        return np.exp(output, out=output)

    def _out_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    # ------------------------------------------------------------ targets

    def _targets(self, y, incremental):
        """Check the targets: numeric, finite, ``>= 0`` for poisson; T is y as columns."""
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    "ManualMLPRegressor needs numeric targets y, got values of dtype "
                    f"{y.dtype} ({exc}). For class labels use ManualMLPClassifier."
                ) from exc
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity: the targets must be finite.")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError("loss='poisson' needs targets y >= 0 (counts or rates), got "
                             f"a minimum of {y.min():g}; use loss='squared_error'.")
        return y, y.reshape(y.shape[0], -1)

    def _n_outputs(self, y):
        y = np.asarray(y)
        return y.shape[1] if y.ndim == 2 else 1

    # -------------------------------------------------- losses and scores

    def _null_loss(self, T, sample_weight):
        """Loss of the best constant prediction, the weighted mean of each output."""
        mean = np.average(T, axis=0, weights=sample_weight).astype(np.float64)
        return self._data_loss(np.broadcast_to(mean, T.shape), T, sample_weight)

    def _held_out_targets(self, T):
        return T.ravel() if T.shape[1] == 1 else T

    def _validation_targets(self, y):
        """fit's y_val checked as y is: y_val and its target matrix."""
        return self._targets(y, incremental=True)

    def _data_loss(self, output, T, sample_weight):
        if self.loss == "squared_error":
            return nn.loss_value(output, T, "squared_error", "identity", sample_weight)
        with np.errstate(divide="ignore", invalid="ignore"):
            rows = (xlogy(T, T / output) - T + output).sum(axis=1, dtype=np.float64)
        return float(np.average(rows, weights=sample_weight))

    def _score_outputs(self, output, y, sample_weight):
        """R² of the outputs, NaN where they are not finite (as MLPRegressor)."""
        if not np.isfinite(output).all():
            return np.nan
        if sample_weight is not None and not sample_weight.any():
            sample_weight = None  # (all 0: the held-out rows count equally)
        return float(r2_score(y, output.ravel() if output.shape[1] == 1 else output,
                              sample_weight=sample_weight))
