"""The network base of skmlp's MLP estimators: what a classifier and a regressor share.

:class:`BaseNetwork` owns, as scikit-learn's ``BaseMultilayerPerceptron``
does for MLPClassifier and MLPRegressor: parameter validation, the starting
weights, the solvers (the minibatch loop and L-BFGS of
:mod:`skmlp._training`), warm_start and partial_fit, early stopping's
held-out set, the callbacks, the divergence errors and the scikit-learn
plumbing. An estimator on it says only what differs: how targets become the
output matrix T (:meth:`BaseNetwork._targets`), the output activation, the
loss of the best constant prediction, the default early-stopping score, and
its predict methods.

Training bookkeeping is not here: each fit makes one
:class:`skmlp._training.TrainingState` per network, the loop updates it,
and the estimator copies its results into the fitted attributes at the end
(:meth:`BaseNetwork._adopt`). :func:`fit_stack` trains several estimators
of one kind as one stack (the searches of :mod:`skmlp.model_selection`).
"""

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_features,
    _num_samples,
    check_is_fitted,
    validate_data,
)

from . import nn
from ._callbacks import CallbackSupportMixin, FitTasks, fit_transaction
from ._training import (
    Divergence,
    HeldOut,
    StackSpec,
    TrainingState,
    bytes_per_network,
    dropout_rates,
    network_settings,
    thread_budget,
    train_lbfgs,
    train_stochastic,
)
from ._utils import float_dtypes, weights_in_dtype

_STOCHASTIC_SOLVERS = ("sgd", "adam")
# Fitted attributes of the stochastic solvers only (an lbfgs fit drops them).
_STOCHASTIC_ATTRIBUTES = ("loss_curve_", "best_loss_", "validation_scores_",
                          "validation_loss_curve_", "best_validation_score_",
                          "_no_improvement_count")
INITS = ("glorot_uniform", "glorot_uniform_sklearn", "he_uniform")
_MAX_UNITS = np.iinfo(np.intp).max  # the largest layer numpy can index
_PREDICT_CHUNK = 65536  # rows per forward pass in predict: bounded memory
_STOPPED_BY_CALLBACK = 99  # scipy's status when the iteration callback stops it


class BaseNetwork(CallbackSupportMixin, BaseEstimator):
    """Base of the MLP estimators: everything but the targets and the outputs.

    Not for direct use: :class:`skmlp.ManualMLPClassifier` and
    :class:`skmlp.ManualMLPRegressor` are the estimators. A subclass sets
    ``_DATA_ATTRIBUTES`` (what validating y sets, shared by a stack) and
    ``_CONSTANT`` (the best constant prediction, for messages) and defines
    ``_targets``, ``_out_activation``, ``_null_loss``, ``_stratify``,
    ``_held_out_targets``, ``_score_outputs`` and ``_data_loss``.
    """

    _DATA_ATTRIBUTES = ("n_features_in_", "feature_names_in_")
    _CONSTANT = "a constant"

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(nn.HIDDEN_ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
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
        "init": [StrOptions(set(INITS))],
        "scoring": [str, callable, None],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    }

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, coefs_init=None, intercepts_init=None,
            X_val=None, y_val=None, sample_weight_val=None):
        """Fit the network to X and y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, big-endian too (where
            scikit-learn's MLPs train it in float64); CSR/CSC matrices accepted.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels or a multilabel indicator matrix for the
            classifier, real values for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (None: all ones).
        coefs_init : list of array-like of shape (fan_in, fan_out), default=None
            Starting weight matrices, one per layer (overrides ``init`` and
            ``warm_start``).
        intercepts_init : list of array-like of shape (fan_out,), default=None
            Starting bias vectors.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Explicit validation data for early stopping (``early_stopping=True``
            required): the validation scores (``scoring``) and the validation
            loss curve are computed on it after each epoch, training stops
            when its score stalls and the best weights on it are restored.
            ``validation_fraction`` is then not used: every row of X trains.
            In a Pipeline, ``transform_input=["X_val"]`` with
            ``set_fit_request(X_val=True, y_val=True)`` passes it through the
            preprocessing steps.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val`` (required with it).
        sample_weight_val : array-like of shape (n_val,), default=None
            Non-negative weights of the validation rows in its score and loss
            (as given: class weights do not apply to them).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._transaction(
            X, y, sample_weight, coefs_init, intercepts_init, incremental=False,
            validation_data=_validation_data(X_val, y_val, sample_weight_val),
        )

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                "%s is not stochastic." % self.solver
            )
        return True

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------ predict

    def _validate_predict_X(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, accept_sparse=["csr", "csc"],
            dtype=float_dtypes(X), reset=False,
        )

    def _output(self, X):
        """Network outputs for X, in chunks of rows to bound the memory."""
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
        return nn.forward(X, self.coefs_, self.intercepts_, self.activation,
                          self.out_activation_)[-1]

    # ------------------------------------------------- fit: validation

    def _transaction(self, X, y, sample_weight, coefs_init, intercepts_init, incremental,
                     validation_data=None):
        """Run a fit; on any error put the estimator back as it was."""
        max_epochs = 1 if incremental else self.max_iter
        with fit_transaction(self, X, y, sample_weight, max_epochs) as tasks:
            self._fit(X, y, sample_weight, coefs_init, intercepts_init, incremental, tasks,
                      validation_data)
        return self

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        # () is allowed: no hidden layer, i.e. a linear model with the output's link.
        # (a bound first: int() of inf overflows, and numpy cannot index 2**70 units)
        if not all(isinstance(s, Real) and not isinstance(s, bool) and 0 < s <= _MAX_UNITS
                   and int(s) == s for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got %r (at most %d units "
                "a layer)." % (self.hidden_layer_sizes, _MAX_UNITS)
            )
        return [int(s) for s in sizes]

    def _validate_input(self, X, y, incremental, reset):
        """Validate X and y; return X, y and the target matrix T (in X's dtype)."""
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            dtype=float_dtypes(X), reset=reset, y_numeric=self._Y_NUMERIC,
        )
        y, T = self._targets(y, incremental)
        return X, y, T.astype(X.dtype, copy=False)

    _Y_NUMERIC = False

    def _share_data(self, net, X, T, sample_weight):
        """Take ``net``'s validation of the same data; return its X, T and weights.

        The networks of a stack are fitted on one X, y and weights, with the
        same class weights: validating them once is enough (and the stack's
        set-up time otherwise grows with its size). Each network gets its
        own copies of the data attributes.
        """
        for name in self._DATA_ATTRIBUTES:
            if hasattr(net, name):
                setattr(self, name, copy.copy(getattr(net, name)))
            else:
                self.__dict__.pop(name, None)
        return X, T, sample_weight

    def _sample_weight(self, sample_weight, X, y, incremental):
        """Sample weights (times the targets' weights), in X's dtype; None if all ones."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        target_weight = self._target_weights(y, incremental)
        if target_weight is not None:
            sample_weight = target_weight if sample_weight is None else (
                sample_weight * target_weight)
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

    def _target_weights(self, y, incremental):
        """Weights the targets give the samples (the classifier's class weights)."""
        return None

    def _uniform_loss(self):
        """A floor for partial_fit's null loss, whose call may be one row (none here)."""
        return 0.0

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
        # Same draws in the same order as scikit-learn's MLPs (W then b, per layer).
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

    def _fit(self, X, y, sample_weight, coefs_init, intercepts_init, incremental, tasks,
             validation_data=None):
        X, T, sample_weight, layer_units, state = self._prepare_fit(
            X, y, sample_weight, coefs_init, intercepts_init, incremental)
        # Overflow or NaN is caught by the divergence checks with a clear error instead.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.solver == "lbfgs":
                self._fit_lbfgs(X, T, sample_weight, layer_units, state, tasks)
                return self
            if self.early_stopping and incremental:
                raise ValueError("partial_fit does not support early_stopping=True")
            train, validation = self._train_rows(X, T, sample_weight, validation_data)
            train_stochastic([state], X, T, sample_weight, layer_units,
                             self._stack_spec(self._batch_size(train.shape[0])), train,
                             validation,
                             incremental, tasks=[tasks])
        self._adopt(state)
        if not incremental:
            state.divergence.warn_if_no_better_than_constant(self.loss_)
        return self

    def _prepare_fit(self, X, y, sample_weight, coefs_init, intercepts_init, incremental,
                     shared=None):
        """Validate, set the data attributes and the starting weights.

        Returns what training needs: X (CSR if sparse), the target matrix
        T, the sample weights, the units per layer and the network's
        :class:`~skmlp._training.TrainingState`. ``shared`` is ``(net, X,
        T, sample_weight)`` as another network of a stack validated the
        same data: a fresh network takes its data attributes instead of
        validating again.
        """
        hidden = self._hidden_sizes()
        nn._hidden_activations(self.activation, len(hidden))  # ValueError: names, length
        rates = dropout_rates(self.dropout, len(hidden))  # ValueError: rates, length
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
        null_loss = self._null_loss(T, sample_weight)
        if incremental:  # a call's rows may be one: the outputs' uniform loss as well
            null_loss = max(null_loss, self._uniform_loss())
        # partial_fit calls share one reference and pool their losses:
        # divergence spread over many calls is still divergence (a fit starts
        # afresh; so does a model whose fitted attributes were set by hand, as
        # in scikit-learn's test_fit).
        continued = incremental and not first_pass and hasattr(self, "_reference_loss")
        divergence = Divergence(
            self._settings(), null_loss,
            self._start_penalty(coefs, X.shape[0], sample_weight),
            self._reference_loss if continued else None, self._CONSTANT,
            pooled=None if not incremental else (
                getattr(self, "_pooled_loss", None) or (0, 0.0) if continued else (0, 0.0)))
        state = TrainingState(self._settings(), coefs, intercepts, divergence,
                              previous=None if first_pass else vars(self),
                              optimizer=getattr(self, "_optimizer", None), estimator=self,
                              print_buffer=getattr(self, "_print_buffer", None),
                              dropout_rng=self._dropout_rng(rates, incremental))
        if sp.issparse(X):
            X = X.tocsr()  # row slicing for the minibatches
        return X, T, sample_weight, layer_units, state

    def _dropout_rng(self, rates, incremental):
        """The network's own generator of dropout masks, None without dropout.

        Seeded from the state of the network's random state after the starting
        weights, without drawing from it (the shuffles and the split are those
        of the same network without dropout); partial_fit goes on with the
        generator of the previous call.
        """
        if not any(rate > 0 for rate in rates):
            return None
        if incremental and getattr(self, "_dropout_generator", None) is not None:
            # a copy: a failed call leaves the generator as it was
            return copy.deepcopy(self._dropout_generator)
        return np.random.default_rng(self._random_state.get_state()[1])

    def _settings(self):
        """This network's values of what may differ in a stack, and its solver."""
        return {**network_settings(self.get_params(deep=False)), "solver": self.solver}

    def _prepare_resume(self, X, y, sample_weight, shared=None):
        """What training needs to go on from where the last fit stopped.

        As :meth:`_prepare_fit` returns it; ``shared`` likewise.
        """
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise ValueError("Only the stochastic solvers ('sgd', 'adam') resume training.")
        if shared is not None:
            X, T, sample_weight = self._share_data(*shared)
        else:
            X, y, T = self._validate_input(X, y, incremental=True, reset=False)
            sample_weight = self._sample_weight(sample_weight, X, y, incremental=False)
        layer_units = [X.shape[1]] + self._hidden_sizes() + [T.shape[1]]
        divergence = Divergence(self._settings(), self._null_loss(T, sample_weight),
                                self._start_penalty(self.coefs_, X.shape[0], sample_weight),
                                getattr(self, "_reference_loss", None), self._CONSTANT)
        state = TrainingState(self._settings(), self.coefs_, self.intercepts_, divergence,
                              previous=vars(self), resume_point=self._resume_point,
                              estimator=self,
                              print_buffer=getattr(self, "_print_buffer", None))
        return (X.tocsr() if sp.issparse(X) else X), T, sample_weight, layer_units, state

    def _resumes(self):
        """Whether fit_stack(resume=True) trains this network further."""
        point = getattr(self, "_resume_point", None)
        return point is not None and point.at_max_iter and self.max_iter > self.n_iter_

    def _retrains_for_a_larger_max_iter(self):
        """Whether training cannot go on to a larger max_iter, so that it retrains:
        the learning rates of earlier epochs depend on max_iter ('cosine'), or
        the dropout masks' generator is not kept where training stopped."""
        return self.solver in _STOCHASTIC_SOLVERS and (
            self.learning_rate == "cosine" or self._drops_out())

    def _drops_out(self):
        """Whether ``dropout`` drops units anywhere (False for a bad value: its fit says why)."""
        try:
            return bool(np.any(np.asarray(self.dropout, dtype=float) > 0))
        except (TypeError, ValueError):
            return False

    def _reset_state(self, T, layer_units):
        """Start the fitted attributes afresh (first fit, no warm start)."""
        self.n_outputs_ = T.shape[1]
        self.n_layers_ = len(layer_units)
        self.n_iter_ = 0
        self.t_ = 0
        self.out_activation_ = self._out_activation()
        self._reset_record()

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
        """Drop the record of stochastic training and the optimizer: the
        next TrainingState starts them afresh."""
        self.__dict__.pop("_optimizer", None)
        for name in _STOCHASTIC_ATTRIBUTES:  # curves of an earlier fit with another solver
            self.__dict__.pop(name, None)

    def _adopt(self, state):
        """Copy a stochastic fit's results (its TrainingState) into the fitted attributes."""
        self.__dict__.update(state.results())
        if state.optimizer is not None:
            self._optimizer = state.optimizer
        self._dropout_generator = state.dropout_rng
        self._reference_loss = state.divergence.reference_loss
        self._pooled_loss = state.divergence.pooled
        if state.resume_point is not None:
            self._resume_point = state.resume_point

    def _stack_spec(self, batch_size, random_state=None):
        """What this network shares with the others of a stack (:class:`StackSpec`)."""
        return StackSpec(self.solver, self.activation, self.out_activation_, self.loss,
                         batch_size, self.shuffle, self.nesterovs_momentum,
                         self._random_state if random_state is None else random_state)

    # -------------------------------------------------------- fit: lbfgs

    def _fit_lbfgs(self, X, T, sample_weight, layer_units, state, tasks):
        """Full-batch L-BFGS-B on the packed weights (scipy.optimize).

        Every L-BFGS iteration is a callback subtask (both hooks at its end).
        """
        for name in _STOCHASTIC_ATTRIBUTES:  # warm start from a stochastic fit
            self.__dict__.pop(name, None)
        n_iter = [0]
        start = {"snapshot": {"coefs_": [c.copy() for c in state.coefs],
                              "intercepts_": [b.copy() for b in state.intercepts],
                              "n_iter_": 0}}

        def iteration_end(coefs, intercepts):
            n_iter[0] += 1
            end = {"coefs_": coefs, "intercepts_": intercepts, "n_iter_": n_iter[0]}
            tasks.begin_epoch(start["snapshot"])
            start["snapshot"] = end
            return tasks.end_epoch(end)

        result = train_lbfgs(state, X, T, sample_weight, layer_units,
                             self._stack_spec(X.shape[0]), self.max_fun, iteration_end)
        state.divergence.check_weights_finite(state.coefs + state.intercepts)
        if result.status not in (0, _STOPPED_BY_CALLBACK):
            warnings.warn(_lbfgs_warning(result), ConvergenceWarning)
        self.coefs_, self.intercepts_ = state.coefs, state.intercepts
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)
        state.divergence.warn_if_no_better_than_constant(self.loss_)

    # ------------------------------------------- fit: early stopping's set

    def _train_rows(self, X, T, sample_weight, validation_data=None):
        """The training rows, and the held-out set (None without early stopping).

        With explicit validation data every row trains and the held-out set
        is that data.
        """
        if validation_data is not None:
            if not self.early_stopping:
                raise ValueError(
                    "X_val and y_val are passed to fit while early_stopping=False: set "
                    "early_stopping=True to stop on them (validation_fraction is then "
                    "not used), or do not pass them.")
            return np.arange(X.shape[0]), self._explicit_held_out(X, *validation_data)
        if not self.early_stopping:
            return np.arange(X.shape[0]), None
        return self._validation_split(X, T, sample_weight)

    def _explicit_held_out(self, X, X_val, y_val, sample_weight_val):
        """The held-out set of fit's X_val, y_val and sample_weight_val (a HeldOut)."""
        X_val, y_val = validate_data(
            self, X_val, y_val, accept_sparse=["csr", "csc"], multi_output=True,
            dtype=X.dtype, reset=False, y_numeric=self._Y_NUMERIC)
        y_val, T_val = self._validation_targets(y_val)
        if sample_weight_val is not None:
            sample_weight_val = weights_in_dtype(_check_sample_weight(
                sample_weight_val, X_val, dtype=np.float64, ensure_non_negative=True),
                X.dtype)
        if sp.issparse(X_val):
            X_val = X_val.tocsr()
        return self._held_out_set(X_val, T_val.astype(X.dtype, copy=False), y_val,
                                  sample_weight_val, rows=None)

    def _validation_split(self, X, T, sample_weight):
        """Indices of the training rows, and the held-out set (a HeldOut)."""
        indices = np.arange(X.shape[0])
        stratify = self._stratify(T)
        if stratify is not None:
            _check_stratified_split(stratify, self.validation_fraction)
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

    def _stratify(self, T):
        """The labels the validation split keeps the proportions of, or None."""
        return None

    def _held_out(self, X, T, sample_weight, val):
        """The early-stopping validation set of the rows ``val`` (a HeldOut)."""
        X_val, T_val = X[val], T[val]
        sw_val = None if sample_weight is None else sample_weight[val]
        return self._held_out_set(X_val, T_val, self._held_out_targets(T_val), sw_val, val)

    def _held_out_set(self, X_val, T_val, y_val, sw_val, rows):
        """The HeldOut of validated rows; ``rows``: their indices in X, or None
        (fit's own X_val)."""
        scorer = None if self.scoring is None else check_scoring(self, self.scoring)

        def evaluate(net, coefs, intercepts):
            """Score (``scoring``, or the default) and data loss on the held-out set."""
            # The held-out rows are validated arrays: a view of the model
            # without feature_names_in_, which would warn about missing names.
            model = copy.copy(net)
            model.__dict__.pop("feature_names_in_", None)
            model.coefs_, model.intercepts_ = coefs, intercepts
            output = model._output(X_val)
            loss = model._data_loss(output, T_val, _nonzero_or_none(sw_val))
            if scorer is None:
                return model._score_outputs(output, y_val, sw_val), loss
            weights = {} if sw_val is None else {"sample_weight": sw_val}
            return float(scorer(model, X_val, y_val, **weights)), loss

        return HeldOut(rows, evaluate)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. "
                "It is going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _start_penalty(self, coefs, n_samples, sample_weight):
        """``(alpha / S, ||W||^2)`` at the starting weights, S of a minibatch.

        What :meth:`skmlp._training.Divergence.penalty_to_blame` judges a
        divergence by.
        """
        rows = n_samples if sample_weight is None else float(sample_weight.sum())
        if self.solver != "lbfgs":  # the S of a full minibatch
            rows *= min(1.0, self._batch_size(n_samples) / n_samples) if n_samples else 1.0
        with np.errstate(over="ignore"):
            return self.alpha / max(rows, 1e-300), sum(
                float(np.vdot(W, W)) for W in coefs)

    # --------------------------------------------- fit_stack's three steps

    def _stack_entry(self, X, y, sample_weight, coefs_init, intercepts_init, shared, resume):
        """This network's part of a stack: as :meth:`_prepare_fit` (or
        :meth:`_prepare_resume`) returns it; None if it has nothing to resume."""
        if resume and not self._resumes():
            return None
        self._validate_params()
        if resume:
            return self._prepare_resume(X, y, sample_weight, shared)
        return self._prepare_fit(X, y, sample_weight, coefs_init, intercepts_init,
                                 incremental=False, shared=shared)

    def _stack_rows(self, state, data, resume, validation_data=None):
        """The training rows, the StackSpec and the held-out set of a stack it leads."""
        X, T, sample_weight, _ = data
        if not resume:
            train, validation = self._train_rows(X, T, sample_weight, validation_data)
            return self._stack_spec(self._batch_size(train.shape[0])), train, validation
        point = state.resume_point
        if validation_data is not None:
            validation = self._train_rows(X, T, sample_weight, validation_data)[1]
        else:
            validation = None if point.validation_rows is None else self._held_out(
                X, T, sample_weight, point.validation_rows)
        return self._stack_spec(self._batch_size(point.order.shape[0]),
                                copy.deepcopy(point.random_state)), point.order, validation


def fit_stack(nets, X, y, sample_weight=None, coefs_init=None, intercepts_init=None,
              X_val=None, y_val=None, sample_weight_val=None, *, resume=False):
    """Fit stochastic-solver estimators of one kind together, as one stack.

    The networks must agree on everything that shapes them and their
    minibatches (:data:`skmlp._training.STACK_PARAMS`); each keeps its own
    values of :data:`skmlp._training.PER_NETWORK_PARAMS` (learning rate,
    penalty, optimizer constants and stopping). Each ends as a plain
    ``fit(X, y, ...)`` would leave it, bit for bit. This is how the
    searches of :mod:`skmlp.model_selection` fit the candidates of a fold.

    Parameters
    ----------
    nets : list of BaseNetwork
        Unfitted estimators (solver 'sgd' or 'adam'), all of one class.
    X, y, sample_weight, coefs_init, intercepts_init, X_val, y_val, sample_weight_val :
        As in ``fit``.
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
    prepared, states, shared = [], [], None
    for i, net in enumerate(nets):
        try:
            entry = net._stack_entry(X, y, sample_weight, coefs_init, intercepts_init,
                                     shared, resume)
        except Exception as exc:  # noqa: BLE001 - a failed fit, as in GridSearchCV
            errors[i] = exc
            continue
        if entry is None:  # nothing to resume
            continue
        *data, state = entry
        if shared is None:  # validated once: the other networks share it, no copy of X
            shared, lead_data, lead = (net, *data[:3]), data, net
        prepared.append(i)
        states.append(state)
    if not prepared:
        return errors
    try:
        rows = lead._stack_rows(states[0], lead_data, resume,
                                _validation_data(X_val, y_val, sample_weight_val))
    except Exception as exc:  # noqa: BLE001 - the split fails every network alike
        return [exc if i in prepared else error for i, error in enumerate(errors)]
    # Each network's callbacks (propagated by the search): one epoch subtask per epoch.
    tasks = [FitTasks(nets[i], X, y, sample_weight,
                      max_epochs=nets[i].max_iter - (nets[i].n_iter_ if resume else 0))
             for i in prepared]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        trained = train_stochastic(states, *lead_data, *rows, incremental=False,
                                   collect_errors=True, tasks=tasks,
                                   n_threads=thread_budget(), resume=resume)
    for i, state, error, net_tasks in zip(prepared, states, trained, tasks):
        errors[i] = error
        if error is None:
            nets[i]._adopt(state)
            state.divergence.warn_if_no_better_than_constant(nets[i].loss_)
            net_tasks.end()
    return errors


def _validation_data(X_val, y_val, sample_weight_val):
    """fit's explicit validation data as one tuple, or None; ValueError if half given."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val is passed without X_val and y_val.")
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val must be passed together (got only %s)."
                         % ("X_val" if y_val is None else "y_val"))
    return X_val, y_val, sample_weight_val


def stack_bytes(net, X, y):
    """Memory of one network of a stack training on X (as the network sees it).

    0 where the network's parameters, X or y are not valid: the fits say why
    (each candidate's error goes to ``error_score``, as in GridSearchCV).
    """
    try:
        n_samples = _num_samples(X)
        batch = min(200 if net.batch_size == "auto" else int(net.batch_size), n_samples)
        layer_units = [_num_features(X), *net._hidden_sizes(), net._n_outputs(y)]
    except (TypeError, ValueError, OverflowError):
        return 0
    itemsize = 4 if getattr(X, "dtype", None) == np.float32 else 8
    return bytes_per_network(layer_units, batch, itemsize, net.solver, net.early_stopping,
                             dropout=net._drops_out())


def _check_stratified_split(stratify, validation_fraction):
    """A clear error where the stratified split cannot give each side every class.

    (A class of one member is left to train_test_split, whose error names it.)
    """
    counts = np.unique(stratify.ravel(), return_counts=True)[1]
    n_samples, n_classes = len(stratify), len(counts)
    n_val = math.ceil(validation_fraction * n_samples)
    if counts.min() < 2 or min(n_val, n_samples - n_val) >= n_classes:
        return
    raise ValueError(
        "early_stopping holds out validation_fraction=%g of the %d rows, %d row(s), "
        "and trains on %d: a stratified split needs each side to have at least one "
        "row of each of the %d classes. Raise validation_fraction to at least %.3g "
        "(and at most %.3g), fit more rows, or set early_stopping=False."
        % (validation_fraction, n_samples, n_val, n_samples - n_val, n_classes,
           n_classes / n_samples, 1 - n_classes / n_samples))




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


def _nonzero_or_none(sample_weight):
    """The weights, or None if they are all 0 (held-out rows then count equally)."""
    if sample_weight is not None and not sample_weight.any():
        return None
    return sample_weight


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
