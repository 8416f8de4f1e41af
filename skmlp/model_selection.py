"""Searches over skmlp's MLP estimators that train their candidates together.

:class:`MLPGridSearchCV`, :class:`MLPRandomizedSearchCV`,
:class:`MLPHalvingGridSearchCV` and :class:`MLPHalvingRandomSearchCV` are
scikit-learn's four searches (subclasses of them, same signatures,
attributes, methods and results) for a :class:`~skmlp.ManualMLPClassifier`
or :class:`~skmlp.ManualMLPRegressor`, or a Pipeline ending in one. They
share one engine, ``_StackedSearchCV``:
``BaseSearchCV.fit`` step for step, whose ``evaluate_candidates`` (what
each search's ``_run_search`` calls with its candidates) groups the
candidates that share a network shape and the minibatches, and fits each
group on each fold as one joblib task: the preprocessing once, then the
networks as stacks trained by the loop of every MLP fit
(:func:`skmlp._network.fit_stack`). Everything else (candidate generation,
halving rounds, scorers, ``cv_results_``, ranks, refit) is scikit-learn's.
"""

import contextlib
import copy
import io
import time
import traceback
from collections import defaultdict
from inspect import signature
from numbers import Integral, Number
from typing import NamedTuple

import numpy as np
from joblib import effective_n_jobs
from joblib.logger import short_format_time
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._search_successive_halving import (
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
)
from sklearn.model_selection._validation import (
    _insert_error_scores,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.pipeline import Pipeline
from sklearn.utils import indexable
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_method_params, _num_samples
from threadpoolctl import threadpool_limits

from ._callbacks import _NoCallbackContext, root_context
from ._network import BaseNetwork, fit_stack, stack_bytes
from ._training import PER_NETWORK_PARAMS, thread_budget
from ._utils import prints_into

__all__ = [
    "MLPGridSearchCV",
    "MLPHalvingGridSearchCV",
    "MLPHalvingRandomSearchCV",
    "MLPRandomizedSearchCV",
]

# Parameters that may differ between the networks of one stack are declared
# beside the training loop (skmlp._training.PER_NETWORK_PARAMS): each network
# has its own value. Every other parameter shapes the networks or the
# minibatches, so candidates must agree on it to share a pass; so must every
# parameter of the preprocessing steps.
_NET_FIT_PARAMS = ("sample_weight", "coefs_init", "intercepts_init", "X_val", "y_val",
                   "sample_weight_val")
_MAX_STACK_BYTES = 256 * 2**20
_STACK_CONSTRAINTS = {"max_stack_bytes": [Interval(Integral, 1, None, closed="left")]}


class _StackedSearchCV(BaseSearchCV):
    """The engine of the searches: ``BaseSearchCV.fit`` with stacked fitting.

    ``fit`` follows ``BaseSearchCV.fit`` (routing, callbacks, ``cv``, the
    ``_run_search`` hook, multi-metric scoring, best candidate, refit);
    only ``evaluate_candidates`` differs (:class:`_Evaluator`). A subclass
    is a scikit-learn search class (its ``__init__`` and ``_run_search``)
    followed by this one; it adds ``max_stack_bytes``.
    """

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **params):
        """Run fit with all sets of parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target.
        **params : dict of str -> object
            Parameters passed to the ``fit`` method of the estimator (e.g.
            ``sample_weight``, or ``step__sample_weight`` for a Pipeline, or
            whatever metadata routing routes), the scorer and the CV
            splitter, as in scikit-learn's searches.

        Returns
        -------
        self : object
            The fitted search.
        """
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)
        metadata = _callback_metadata(params)
        root_ctx = root_context(
            self, max_subtasks=1 + (self.refit is not False)
        ).call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        self._checked_cv_orig = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        if hasattr(self, "_check_input_parameters"):  # scikit-learn >= 1.9, and halving
            self._check_input_parameters(X=X, y=y, split_params=routed_params.splitter.split)
        self.n_splits_ = self._checked_cv_orig.get_n_splits(
            X, y, **routed_params.splitter.split)
        parallel, limits = _parallel(self.n_jobs, self.pre_dispatch)
        evaluate = _Evaluator(self, X, y, scorers, routed_params, parallel)
        with limits, parallel:
            if "callback_ctx" in signature(self._run_search).parameters:
                self._run_search(evaluate, callback_ctx=root_ctx)
            else:  # scikit-learn < 1.9
                self._run_search(evaluate)
        results = evaluate.results
        self.multimetric_ = isinstance(evaluate.out[0]["test_scores"], dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(evaluate.out[0]["test_scores"])
            refit_metric = self.refit
        if self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(self.refit, refit_metric, results)
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self._refit(X, y, routed_params.estimator.fit, root_ctx, metadata)
        self.scorer_ = scorers._scorers if isinstance(scorers, _MultimetricScorer) else scorers
        self.cv_results_ = results
        root_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)
        return self

    def _refit(self, X, y, fit_params, root_ctx, metadata):
        """Fit the best candidate on all the data, as scikit-learn's searches do."""
        self.best_estimator_ = clone(self.estimator).set_params(
            **clone(self.best_params_, safe=False))
        refit_ctx = root_ctx.subcontext(task_name="refit-with-best-params")
        with refit_ctx.propagate_callback_context(self.best_estimator_):
            refit_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
            start = time.time()
            self.best_estimator_.fit(X, y, **fit_params)
            self.refit_time_ = time.time() - start
        refit_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)
        if hasattr(self.best_estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.best_estimator_.feature_names_in_

    def _continued_param(self):
        """The halving resource when it is the networks' ``max_iter``, else None.

        Raising it lets a fitted network continue where it stopped.
        """
        resource = getattr(self, "resource", None)  # the halving searches only
        final_name = _final_step_name(self.estimator)
        if resource is None or _net_param(resource, final_name) != "max_iter":
            return None
        return resource

    def _groups(self, candidates):
        """Candidate indices that can share a stack, grouped; checks the input.

        Raises TypeError for an estimator that is not one of skmlp's MLPs
        or a Pipeline ending in one, ValueError for an unknown parameter
        name: before any training. Candidates that cannot be stacked (lbfgs,
        a subclass with its own ``fit``) are groups of one.
        """
        final_name = _final_step_name(self.estimator)
        groups = defaultdict(list)
        for i, params in enumerate(candidates):
            try:
                model = clone(self.estimator).set_params(**clone(params, safe=False))
            except ValueError as exc:
                raise ValueError(
                    f"candidate {params} does not fit the estimator: {exc}") from exc
            _final_step_name(model)  # a grid may replace the final step
            key = tuple(sorted(
                (name, repr(value)) for name, value in params.items()
                if _net_param(name, final_name) not in PER_NETWORK_PARAMS))
            if not _stackable(_network(model)):
                key = ("alone", i)
            groups[key].append(i)
        return list(groups.values())


class MLPGridSearchCV(GridSearchCV, _StackedSearchCV):
    """GridSearchCV for skmlp's MLPs that trains its candidates together.

    :class:`sklearn.model_selection.GridSearchCV` (a subclass of it: same
    signature, attributes, methods and results with the same arguments: same
    candidate order, splits, shuffles and starting weights from the same
    ``random_state``), for an ``estimator`` that is a
    :class:`~skmlp.ManualMLPClassifier`, a :class:`~skmlp.ManualMLPRegressor`
    or a :class:`~sklearn.pipeline.Pipeline` ending in one. In each fold, the
    candidates that differ only in per-network parameters (declared once,
    beside the training loop: the learning rate and its schedule, the
    penalty, weight decay, gradient clipping, dropout, the optimizers'
    constants, the stopping rules) are trained as one stack of networks: their weights stacked
    along a leading axis and one pass over the minibatches for all of them,
    each with its own learning rate, penalty, optimizer state and stopping.
    A network trains bit for bit as it would alone.

    Candidates that differ in anything else (hidden sizes, activation,
    solver, batch size, random_state, early stopping, class weights,
    preprocessing parameters, ...) form separate groups; 'lbfgs' candidates,
    and those of a subclass with its own ``fit``, are fitted one by one by
    their ``fit``. Each (group, fold) is one joblib task, so ``n_jobs`` and
    any joblib backend (dask's included) apply. The preprocessing steps of a
    Pipeline are fitted once per task (by the Pipeline's own ``fit``, with
    its metadata routing) and shared by the group.

    A candidate whose fit fails (a parameter value its fit refuses, a
    diverging loss, an early-stopping split that cannot be made, a callback
    or scorer that raises) fails on its own, as in GridSearchCV
    (``error_score``); the others go on. Data every fit refuses (a 1-D X,
    labels of mixed types) fails every fit, with GridSearchCV's error.

    Parameters
    ----------
    estimator : ManualMLPClassifier, ManualMLPRegressor or Pipeline ending in one
        The model to tune.
    param_grid : dict or list of dict
        Parameter names (``step__param`` for a Pipeline) mapped to lists of
        values, as in GridSearchCV.
    scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, \
return_train_score :
        As in :class:`~sklearn.model_selection.GridSearchCV`.
    max_stack_bytes : int, default=268435456 (256 MiB)
        Memory budget of one stack (weights, gradients, optimizer state,
        activations and deltas of a minibatch, sized from the width of X
        after the preprocessing; X is shared, never copied). A larger group
        trains as several stacks, one after the other.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        As GridSearchCV's (every key); ``mean_fit_time`` is the wall time of
        a candidate's task divided by the number of its networks.
    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_ :
        As in GridSearchCV.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : The same search, one fit at a time.
    MLPRandomizedSearchCV : Candidates drawn from distributions.
    MLPHalvingGridSearchCV : Successive halving over the grid.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import ManualMLPClassifier
    >>> from skmlp.model_selection import MLPGridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), ManualMLPClassifier(
    ...     (8,), solver="sgd", max_iter=20, random_state=0))
    >>> search = MLPGridSearchCV(model, {
    ...     "manualmlpclassifier__learning_rate_init": [0.01, 0.1],
    ...     "manualmlpclassifier__alpha": [1e-4, 1e-2]}, cv=3)
    >>> search = search.fit(X, y)
    >>> len(search.cv_results_["params"]), bool(search.best_score_ > 0.8)
    (4, True)
    """

    _parameter_constraints: dict = {**GridSearchCV._parameter_constraints,
                                    **_STACK_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
        max_stack_bytes=_MAX_STACK_BYTES,
    ):
        super().__init__(
            estimator, param_grid, scoring=scoring, n_jobs=n_jobs, refit=refit, cv=cv,
            verbose=verbose, pre_dispatch=pre_dispatch, error_score=error_score,
            return_train_score=return_train_score,
        )
        self.max_stack_bytes = max_stack_bytes


class MLPRandomizedSearchCV(RandomizedSearchCV, _StackedSearchCV):
    """RandomizedSearchCV for skmlp's MLPs that trains its candidates together.

    :class:`sklearn.model_selection.RandomizedSearchCV` (a subclass of it:
    same signature, attributes, methods, and the same candidates drawn from
    the same ``random_state``, with the same results), whose candidates are
    fitted as :class:`MLPGridSearchCV` fits them: those that share a network
    shape and the minibatches train as one stack per fold. Draws of
    continuous per-network parameters (``learning_rate_init``, ``alpha``,
    ``momentum``, ...) from distributions such as
    :func:`scipy.stats.loguniform` all share one stack; a list of hidden
    sizes makes one group per size.

    Parameters
    ----------
    estimator : ManualMLPClassifier, ManualMLPRegressor or Pipeline ending in one
        The model to tune.
    param_distributions : dict or list of dict
        Parameter names mapped to distributions (with an ``rvs`` method) or
        lists, as in RandomizedSearchCV.
    n_iter, scoring, n_jobs, refit, cv, verbose, pre_dispatch, random_state, \
error_score, return_train_score :
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`.
    max_stack_bytes : int, default=268435456 (256 MiB)
        Memory budget of one stack, as in :class:`MLPGridSearchCV`.

    Attributes
    ----------
    cv_results_, best_estimator_, best_score_, best_params_, best_index_, \
scorer_, n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_ :
        As in RandomizedSearchCV (``mean_fit_time`` as in MLPGridSearchCV).

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : The same search, one fit at a time.
    MLPHalvingRandomSearchCV : Successive halving over random candidates.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import ManualMLPClassifier
    >>> from skmlp.model_selection import MLPRandomizedSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), ManualMLPClassifier(
    ...     (8,), solver="sgd", max_iter=20, random_state=0))
    >>> search = MLPRandomizedSearchCV(model, {
    ...     "manualmlpclassifier__learning_rate_init": loguniform(1e-3, 0.3),
    ...     "manualmlpclassifier__alpha": loguniform(1e-5, 1.0)},
    ...     n_iter=6, cv=3, random_state=0).fit(X, y)
    >>> len(search.cv_results_["params"])
    6
    """

    _parameter_constraints: dict = {**RandomizedSearchCV._parameter_constraints,
                                    **_STACK_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        max_stack_bytes=_MAX_STACK_BYTES,
    ):
        super().__init__(
            estimator, param_distributions, n_iter=n_iter, scoring=scoring, n_jobs=n_jobs,
            refit=refit, cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
            random_state=random_state, error_score=error_score,
            return_train_score=return_train_score,
        )
        self.max_stack_bytes = max_stack_bytes


class MLPHalvingGridSearchCV(HalvingGridSearchCV, _StackedSearchCV):
    """HalvingGridSearchCV for skmlp's MLPs; survivors keep training.

    scikit-learn's successive halving over a grid
    (:class:`~sklearn.model_selection.HalvingGridSearchCV`, a subclass of
    it: same signature, rounds, attributes and results with the same
    arguments), whose rounds are fitted as :class:`MLPGridSearchCV` fits its
    candidates: those of a round that share a network shape and the
    minibatches train as one stack per fold.

    ``resource='max_iter'`` (``'step__max_iter'`` for a Pipeline ending in
    the network) is the natural resource for a network: a round of ``r``
    epochs, the best ``1 / factor`` of the candidates on to ``factor * r``
    epochs. A survivor continues from the state it reached (weights,
    optimizer state, learning-rate schedule, shuffles, stopping counters),
    which is the network a fresh fit with the larger ``max_iter`` gives: the
    same search, and each network trains ``max_resources`` epochs at most
    once. For every other resource (``'n_samples'``, another parameter), and
    for networks that are not stacked ('lbfgs', a subclass with its own
    ``fit``, whatever their ``warm_start``), each round's candidates train
    from scratch, as scikit-learn does.

    Parameters
    ----------
    estimator : ManualMLPClassifier, ManualMLPRegressor or Pipeline ending in one
        The model to tune.
    param_grid : dict or list of dict
        As in HalvingGridSearchCV; it must not contain the resource.
    factor, resource, max_resources, min_resources, aggressive_elimination, \
cv, scoring, refit, error_score, return_train_score, random_state, n_jobs, \
verbose :
        As in :class:`~sklearn.model_selection.HalvingGridSearchCV`.
    max_stack_bytes : int, default=268435456 (256 MiB)
        Memory budget of one stack, as in :class:`MLPGridSearchCV`.

    Attributes
    ----------
    n_resources_, n_candidates_, n_remaining_candidates_, \
max_resources_, min_resources_, n_iterations_, n_possible_iterations_, \
n_required_iterations_, cv_results_, best_estimator_, best_score_, \
best_params_, best_index_, scorer_, n_splits_, refit_time_, multimetric_, \
classes_, n_features_in_, feature_names_in_ :
        As in HalvingGridSearchCV (``cv_results_`` has its ``iter`` and
        ``n_resources`` columns; ``mean_fit_time`` as in MLPGridSearchCV).

    See Also
    --------
    sklearn.model_selection.HalvingGridSearchCV : The same search, one fit at a time.
    MLPHalvingRandomSearchCV : The same rounds over random candidates.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import ManualMLPClassifier
    >>> from skmlp.model_selection import MLPHalvingGridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), ManualMLPClassifier(
    ...     (8,), solver="sgd", random_state=0))
    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> with warnings.catch_warnings():  # 2-epoch rounds: not converged, as expected
    ...     warnings.simplefilter("ignore", ConvergenceWarning)
    ...     search = MLPHalvingGridSearchCV(model, {
    ...         "manualmlpclassifier__learning_rate_init": [0.003, 0.01, 0.1],
    ...         "manualmlpclassifier__alpha": [1e-4, 1e-3, 1e-2]},
    ...         resource="manualmlpclassifier__max_iter", max_resources=18, cv=3,
    ...         random_state=0).fit(X, y)
    >>> search.n_candidates_, search.n_resources_
    ([9, 3, 1], [2, 6, 18])
    """

    _parameter_constraints: dict = {**HalvingGridSearchCV._parameter_constraints,
                                    **_STACK_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="exhaust",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        max_stack_bytes=_MAX_STACK_BYTES,
    ):
        super().__init__(
            estimator, param_grid, factor=factor, resource=resource,
            max_resources=max_resources, min_resources=min_resources,
            aggressive_elimination=aggressive_elimination, cv=cv, scoring=scoring,
            refit=refit, error_score=error_score, return_train_score=return_train_score,
            random_state=random_state, n_jobs=n_jobs, verbose=verbose,
        )
        self.max_stack_bytes = max_stack_bytes


class MLPHalvingRandomSearchCV(HalvingRandomSearchCV, _StackedSearchCV):
    """HalvingRandomSearchCV for skmlp's MLPs; survivors keep training.

    scikit-learn's successive halving over random candidates
    (:class:`~sklearn.model_selection.HalvingRandomSearchCV`, a subclass of
    it: same signature, candidates, rounds, attributes and results with the
    same arguments), fitted as :class:`MLPHalvingGridSearchCV` fits its
    rounds: stacked, and with ``resource='max_iter'`` the survivors of a
    round continue training from the state they reached.

    Parameters
    ----------
    estimator : ManualMLPClassifier, ManualMLPRegressor or Pipeline ending in one
        The model to tune.
    param_distributions : dict or list of dict
        As in HalvingRandomSearchCV; it must not contain the resource.
    n_candidates, factor, resource, max_resources, min_resources, \
aggressive_elimination, cv, scoring, refit, error_score, return_train_score, \
random_state, n_jobs, verbose :
        As in :class:`~sklearn.model_selection.HalvingRandomSearchCV`.
    max_stack_bytes : int, default=268435456 (256 MiB)
        Memory budget of one stack, as in :class:`MLPGridSearchCV`.

    Attributes
    ----------
    n_resources_, n_candidates_, n_remaining_candidates_, \
max_resources_, min_resources_, n_iterations_, n_possible_iterations_, \
n_required_iterations_, cv_results_, best_estimator_, best_score_, \
best_params_, best_index_, scorer_, n_splits_, refit_time_, multimetric_, \
classes_, n_features_in_, feature_names_in_ :
        As in HalvingRandomSearchCV.

    See Also
    --------
    sklearn.model_selection.HalvingRandomSearchCV : The same search, one fit at a time.
    MLPHalvingGridSearchCV : The same rounds over a grid.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import ManualMLPClassifier
    >>> from skmlp.model_selection import MLPHalvingRandomSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), ManualMLPClassifier(
    ...     (8,), solver="sgd", random_state=0))
    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> with warnings.catch_warnings():  # 1-epoch rounds: not converged, as expected
    ...     warnings.simplefilter("ignore", ConvergenceWarning)
    ...     search = MLPHalvingRandomSearchCV(model, {
    ...         "manualmlpclassifier__learning_rate_init": loguniform(1e-3, 0.3)},
    ...         n_candidates=9, resource="manualmlpclassifier__max_iter",
    ...         max_resources=9, cv=3, random_state=0).fit(X, y)
    >>> search.n_candidates_, search.n_resources_
    ([9, 3, 1], [1, 3, 9])
    """

    _parameter_constraints: dict = {**HalvingRandomSearchCV._parameter_constraints,
                                    **_STACK_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        max_stack_bytes=_MAX_STACK_BYTES,
    ):
        super().__init__(
            estimator, param_distributions, n_candidates=n_candidates, factor=factor,
            resource=resource, max_resources=max_resources, min_resources=min_resources,
            aggressive_elimination=aggressive_elimination, cv=cv, scoring=scoring,
            refit=refit, error_score=error_score, return_train_score=return_train_score,
            random_state=random_state, n_jobs=n_jobs, verbose=verbose,
        )
        self.max_stack_bytes = max_stack_bytes


class _TaskSettings(NamedTuple):
    """What every (group, fold) task of a search needs besides its candidates."""

    scorer: object
    fit_params: dict
    score_params: dict
    return_train_score: bool
    error_score: object
    verbose: int
    max_stack_bytes: int
    keep_models: bool  # return the fitted models (survivors continue)
    caller: object


def _parallel(n_jobs, pre_dispatch):
    """The joblib Parallel of a search's tasks, and the thread limits to run it under.

    ``n_jobs`` keeps its scikit-learn meaning: joblib workers. With one worker
    (the default), the tasks still use the cores this process may use
    (:func:`skmlp._training.thread_budget`, which obeys threadpoolctl's
    limits and joblib's inner-thread limits), as BLAS would: they run in
    that many threads, each with BLAS on one thread. The compiled steps
    release the GIL, and at these sizes one BLAS thread per task is faster
    than BLAS's own threads (which wait for each other at every small
    product).
    """
    if effective_n_jobs(n_jobs) == 1:
        threads = thread_budget()
        if threads > 1:
            return (Parallel(n_jobs=threads, backend="threading", pre_dispatch=pre_dispatch),
                    threadpool_limits(limits=1, user_api="blas"))
    return Parallel(n_jobs=n_jobs, pre_dispatch=pre_dispatch), contextlib.nullcontext()


class _Evaluator:
    """``evaluate_candidates`` of the stacked searches.

    A search's ``_run_search`` calls it with a batch of candidates (all of
    them for the grid and randomized searches, one round's for the halving
    ones); it fits and scores them on every split, one joblib task per
    (group, fold), and returns the results of every batch so far, formatted
    as ``cv_results_``, as ``BaseSearchCV.fit``'s own does. For a halving
    search over the networks' ``max_iter`` it keeps the fitted models of the
    round, per candidate and split, so that the next round's survivors
    continue training.
    """

    def __init__(self, search, X, y, scorers, routed_params, parallel):
        self.search, self.X, self.y, self.parallel = search, X, y, parallel
        self.base = clone(search.estimator)
        self.split_params = routed_params.splitter.split
        self.continued = search._continued_param()
        self.settings = _TaskSettings(
            scorers, routed_params.estimator.fit, routed_params.scorer.score,
            search.return_train_score, search.error_score, search.verbose,
            search.max_stack_bytes, self.continued is not None, search)
        self.candidates, self.out, self.more_results = [], [], defaultdict(list)
        self.results = {}
        self.fitted = {}  # (candidate key, split) -> models fitted by the last round

    def __call__(self, candidate_params, cv=None, more_results=None, callback_ctx=None):
        search = self.search
        cv = cv or search._checked_cv_orig
        candidates = list(candidate_params)
        splits = list(cv.split(self.X, self.y, **self.split_params))
        if len(splits) != search.n_splits_:
            raise ValueError(
                "cv.split and cv.get_n_splits return inconsistent results. Expected "
                f"{search.n_splits_} splits, got {len(splits)}")
        if search.verbose > 0:
            print(f"Fitting {len(splits)} folds for each of {len(candidates)} candidates,"
                  f" totalling {len(candidates) * len(splits)} fits")
        groups = search._groups(candidates)  # every check before any training
        out = self._fit_and_score(candidates, groups, splits,
                                  callback_ctx or _NoCallbackContext())
        if not out:
            raise ValueError("No fits were performed. Was the CV iterator empty? "
                             "Were there no candidates?")
        _warn_or_raise_about_fit_failures(out, search.error_score)
        if callable(search.scoring):
            _insert_error_scores(out, search.error_score)
        self.candidates.extend(candidates)
        self.out.extend(out)
        for key, value in (more_results or {}).items():
            self.more_results[key].extend(value)
        self.results = search._format_results(
            self.candidates, search.n_splits_, self.out, self.more_results)
        return self.results

    def _fit_and_score(self, candidates, groups, splits, callback_ctx):
        """One task per (group, split); results in scikit-learn's order."""
        n_splits = len(splits)
        # Made ahead of the parallel loop, as scikit-learn does (made in the
        # workers, they would change the search while it is being pickled).
        contexts = [callback_ctx.subcontext(task_name="candidate-split-evaluation",
                                            task_id=i)
                    for i in range(len(candidates) * n_splits)]
        tasks = [(group, split) for group in groups for split in range(n_splits)]
        # The largest first, so that no large task is left to run alone at the end.
        tasks.sort(key=lambda task: -self._cost(candidates, task[0]))
        survivors = [self._survivors(candidates, group, split) for group, split in tasks]
        self.fitted = {}  # the last round's other models go before this round trains
        task_out = self.parallel(
            delayed(_fit_and_score_stack)(
                self.base, self.X, self.y, _Split(split, n_splits, *splits[split]),
                _Candidates(group, [candidates[i] for i in group], len(candidates),
                            task_survivors),
                [contexts[i * n_splits + split] for i in group], self.settings)
            for (group, split), task_survivors in zip(tasks, survivors))
        out = [None] * (len(candidates) * n_splits)
        fitted = defaultdict(list)
        for (group, split), (results, models) in zip(tasks, task_out):
            for i, result, model in zip(group, results, models):
                out[i * n_splits + split] = result
                if model is not None:
                    fitted[self._key(candidates[i]), split].append(model)
        self.fitted = fitted
        self._report(candidates, n_splits, out)
        return out

    def _report(self, candidates, n_splits, out):
        """Each fit's lines in GridSearchCV's order (candidates, then splits).

        The ``[CV ...]`` lines around what the fit printed; with
        ``error_score='raise'``, the first failed fit in that order raises.
        """
        for i, params in enumerate(candidates):
            for split in range(n_splits):
                result = out[i * n_splits + split]
                progress = (i, len(candidates), split, n_splits)
                _print_cv_line("START", self.settings, progress, params)
                print(result.pop("_printed"), end="")
                error = result.pop("_exception", None)
                if error is not None and self.settings.error_score == "raise":
                    raise error
                _print_cv_line("END", self.settings, progress, params, result)

    def _cost(self, candidates, group):
        """About how much work a task of the group is (its networks' memory)."""
        net = _network(clone(self.base).set_params(**clone(candidates[group[0]], safe=False)))
        return len(group) * stack_bytes(net, self.X, self.y)

    def _key(self, params):
        """A candidate's identity across halving rounds (all but the resource)."""
        return tuple(sorted((name, repr(value)) for name, value in params.items()
                            if name != self.continued))

    def _survivors(self, candidates, group, split):
        """Per candidate of the group, its model of the last round on this split, or None.

        Only for a halving search over ``max_iter``: the model gets the
        round's ``max_iter`` and continues training from where it stopped.
        """
        if self.continued is None:
            return [None] * len(group)
        models = []
        for i in group:
            fitted = self.fitted.get((self._key(candidates[i]), split))
            model = fitted.pop() if fitted else None
            if model is not None:
                model.set_params(**{self.continued: candidates[i][self.continued]})
            models.append(model)
        return models


class _Split(NamedTuple):
    index: int
    n_splits: int
    train: np.ndarray
    test: np.ndarray


class _Candidates(NamedTuple):
    """The candidates of one task: their indices in the batch, parameters and survivors."""

    indices: list
    params: list
    n_candidates: int  # in the batch
    survivors: list  # fitted models that continue, or None


def _fit_and_score_stack(base, X, y, split, candidates, contexts, settings):
    """Fit the candidates of one group on one split and score them.

    ``contexts`` are the candidates' callback tasks on this split; each
    network being stacked gets its candidate's (a model fitted by its own
    ``fit`` gets it, as in scikit-learn's ``_fit_and_score``). The models of
    a stack are scored, and let go, before the next stack trains.

    Returns, per candidate, a dict in the format of scikit-learn's
    ``_fit_and_score`` (fit_error, test_scores, train_scores, n_test_samples,
    fit_time, score_time), and the fitted models (None for a failed fit, or
    for every model unless ``settings.keep_models``).
    """
    fit_params = _check_method_params(X, params=settings.fit_params, indices=split.train)
    data = _split_data(base, X, y, split, settings.score_params)
    models = [survivor if survivor is not None else
              clone(base).set_params(**clone(params, safe=False))
              for params, survivor in zip(candidates.params, candidates.survivors)]
    resume = [survivor is not None for survivor in candidates.survivors]
    hook_args = dict(estimator=settings.caller, X=data.X_train, y=data.y_train,
                     metadata=_callback_metadata(fit_params))
    # What a verbose network prints, kept to be printed in GridSearchCV's order.
    printed = [io.StringIO() if _network(model).verbose else None for model in models]

    @contextlib.contextmanager
    def fitting(stack, targets):
        """The candidates' callback tasks begin; theirs propagate to what trains.

        Each fit prints into its buffer: a stack of one all along, the
        networks of a larger one in their epochs' bookkeeping (skmlp._training).
        """
        with contextlib.ExitStack() as propagated:
            for k, target in zip(stack, targets):
                propagated.enter_context(contexts[k].propagate_callback_context(target))
                contexts[k].call_on_fit_task_begin(**hook_args)
                if len(stack) > 1:
                    target._print_buffer = printed[k]
                    propagated.callback(target.__dict__.pop, "_print_buffer", None)
            propagated.enter_context(prints_into(printed[stack[0]] if len(stack) == 1
                                                 else None))
            yield

    results, kept = [None] * len(models), [None] * len(models)
    fits = _fit_in_stacks(models, resume, data.X_train, data.y_train, fit_params,
                          settings.max_stack_bytes, fitting)
    for stack, errors, fit_time in fits:
        for k, error in zip(stack, errors):
            results[k] = _scored(models[k], error, fit_time, data, settings)
            results[k]["_printed"] = "" if printed[k] is None else printed[k].getvalue()
            contexts[k].call_on_fit_task_end(**hook_args)
            if error is None and settings.keep_models and _continues_as_refit(models[k]):
                kept[k] = models[k]
            models[k] = None  # let go before the next stack trains
    return results, kept


def _split_data(base, X, y, split, score_params):
    """The test and training parts of the split, and the scorer's parameters."""
    score_params = score_params or {}
    return _ScoringData(
        *_safe_split(base, X, y, split.test, split.train),
        *_safe_split(base, X, y, split.train),
        _check_method_params(X, params=score_params, indices=split.test),
        _check_method_params(X, params=score_params, indices=split.train))


class _ScoringData(NamedTuple):
    X_test: object
    y_test: object
    X_train: object
    y_train: object
    score_params_test: dict
    score_params_train: dict


def _scored(model, error, fit_time, data, settings):
    """The result of one fit, as scikit-learn's ``_fit_and_score`` gives it.

    A failed fit's exception is kept too (``_exception``), for
    ``error_score='raise'``, which raises the first in GridSearchCV's order.
    """
    scorer, error_score = settings.scorer, settings.error_score
    if error is not None:
        if isinstance(error_score, Number) and isinstance(scorer, _MultimetricScorer):
            scores = {name: error_score for name in scorer._scorers}
        else:
            scores = error_score
        result = {"fit_error": "".join(traceback.format_exception(error)),
                  "test_scores": scores, "score_time": 0.0, "_exception": error}
        if settings.return_train_score:
            result["train_scores"] = scores.copy() if isinstance(scores, dict) else scores
    else:
        start = time.time()
        result = {"fit_error": None, "test_scores": _score(
            model, data.X_test, data.y_test, scorer, data.score_params_test, error_score)}
        result["score_time"] = time.time() - start
        if settings.return_train_score:
            result["train_scores"] = _score(model, data.X_train, data.y_train, scorer,
                                            data.score_params_train, error_score)
    result.update(n_test_samples=_num_samples(data.X_test), fit_time=fit_time)
    return result


def _print_cv_line(kind, settings, progress, params, result=None):
    """scikit-learn's ``[CV i/n] START ...`` / ``[CV i/n] END ...`` lines (verbose > 1).

    The same text as ``_fit_and_score`` prints, for log readers.
    """
    verbose = settings.verbose
    if verbose <= 1 or (kind == "START" and verbose <= 9):
        return
    candidate, n_candidates, split, n_splits = progress
    where = ""
    if verbose > 2:
        where = f" {split + 1}/{n_splits}"
        if verbose > 9:
            where += f"; {candidate + 1}/{n_candidates}"
    params_msg = ", ".join(f"{k}={params[k]}" for k in sorted(params))
    if kind == "START":
        line = f"[CV{where}] START {params_msg}"
        print(f"{line}{(80 - len(line)) * '.'}")
        return
    line = f"[CV{where}] END "
    message = params_msg + (";" if params_msg else "")
    if verbose > 2:
        message += _scores_message(result, settings.return_train_score)
    message += " total time=" + short_format_time(result["fit_time"] + result["score_time"])
    print(line + "." * (80 - len(line) - len(message)) + message)


def _scores_message(result, return_train_score):
    test, train = result["test_scores"], result.get("train_scores")
    if isinstance(test, dict):
        return "".join(
            f" {name}: (" + (f"train={train[name]:.3f}, " if return_train_score else "")
            + f"test={test[name]:.3f})" for name in sorted(test))
    if return_train_score:
        return f", score=(train={train:.3f}, test={test:.3f})"
    return f", score={test:.3f}"


# ------------------------------------------------------------------ fitting

def _fit_in_stacks(models, resume, X, y, fit_params, max_stack_bytes, fitting):
    """Fit the models of one group on one split, one stack after the other.

    Stackable networks: the preprocessing of a Pipeline is fitted once and
    shared, then the networks train in stacks (:func:`_fit_round`). Others
    (lbfgs, a subclass with its own ``fit``): each model by its own
    ``fit``, a stack of one. ``fitting(stack, targets)`` is the context in
    which a stack trains (the candidates' callback tasks).

    Yields, per stack, the indices of its models, their errors (None or
    the exception that made a fit fail) and the fit time per model.
    """
    start = time.time()
    if not _stackable(_network(models[0])):
        for k, model in enumerate(models):
            with fitting([k], [model]):
                error = _fit_one(model, X, y, fit_params)
            yield [k], [error], time.time() - start
            start = time.time()
        return
    everything = list(range(len(models)))
    try:
        X, y, fit_params = _fit_preprocessing(models, X, y, fit_params)
    except Exception as exc:  # noqa: BLE001 - a failed fit of every candidate
        yield everything, [exc] * len(models), (time.time() - start) / len(models)
        return
    shared = (time.time() - start) / len(models)  # the preprocessing, shared
    nets = [_network(model) for model in models]
    for stack, errors, seconds in _fit_round(nets, resume, X, y, fit_params,
                                             max_stack_bytes, fitting):
        yield stack, errors, shared + seconds / len(stack)


def _fit_round(nets, resume, X, y, fit_params, max_stack_bytes, fitting):
    """Train the networks of one group on one split, in stacks within the budget.

    ``resume[k]``: network k was fitted by the previous halving round on the
    same data and continues from the state it reached (``fit_stack`` with
    ``resume=True``); the others train from scratch. The stack size comes
    from the width of ``X`` as the networks see it (after preprocessing).

    Yields, per stack, the indices of its networks, their errors (None or
    the exception that made a fit fail) and the stack's training time; then
    drops them from ``nets``.
    """
    unknown = set(fit_params) - set(_NET_FIT_PARAMS)
    if unknown:
        error = TypeError(f"{type(nets[0]).__name__}.fit() got unexpected fit "
                          f"parameters {sorted(unknown)}")
        yield list(range(len(nets))), [error] * len(nets), 0.0
        return
    size = max(1, max_stack_bytes // max(1, stack_bytes(nets[0], X, y)))
    # A cosine schedule spans max_iter (a larger one changes the earlier epochs too),
    # and dropout's generator is not kept where training stopped: these retrain.
    resume = [resume[k] and not net._retrains_for_a_larger_max_iter()
              for k, net in enumerate(nets)]
    for continued in (False, True):
        index = [k for k in range(len(nets)) if resume[k] == continued]
        for stack in np.array_split(index, -(-len(index) // size)) if index else []:
            stack = [int(k) for k in stack]
            extra = {"resume": True} if continued else {}
            start = time.time()
            with fitting(stack, [nets[k] for k in stack]):
                try:
                    errors = fit_stack([nets[k] for k in stack], X, y, **fit_params,
                                       **extra)
                except Exception as exc:  # noqa: BLE001 - not one network's failure
                    errors = [exc] * len(stack)
            yield stack, errors, time.time() - start
            for k in stack:  # scored by now: the memory of a stack at a time
                nets[k] = None


class _Capture:
    """Stands in for the network as a Pipeline's last step during the fold's fit.

    Pipeline.fit fits the preprocessing (with the Pipeline's own metadata
    routing, ``transform_input``, memory, resampling steps...) and passes
    the transformed data and the network's fit parameters to this step's
    ``fit``, which records them; the networks are then trained on them
    together. It requests the metadata the network requests.
    """

    def __init__(self, net):
        self.net = net

    def fit(self, X, y=None, **params):
        self.X, self.y, self.params = X, y, params
        return self

    def get_metadata_routing(self):
        return self.net.get_metadata_routing()


def _fit_preprocessing(models, X, y, fit_params):
    """Fit a Pipeline's preprocessing once for the stack, as Pipeline.fit would.

    Returns the data and fit parameters the network gets (X, y and
    ``fit_params`` themselves for a bare network); the fitted preprocessing
    steps become every model's.
    """
    model = models[0]
    if not _final_step_name(model):
        return X, y, fit_params
    name, net = model.steps[-1]
    capture = _Capture(net)
    carrier = copy.copy(model)
    carrier.steps = [*model.steps[:-1], (name, capture)]
    carrier.fit(X, y, **fit_params)
    for other in models:
        other.steps = [*carrier.steps[:-1], other.steps[-1]]
    return capture.X, capture.y, capture.params


def _fit_one(model, X, y, fit_params):
    try:
        model.fit(X, y, **fit_params)
    except Exception as exc:  # noqa: BLE001 - a failed fit, as in scikit-learn
        return exc
    return None


# ------------------------------------------------------------------ helpers

def _stackable(net):
    """Whether a network can train in a stack (a stochastic solver, our own fit)."""
    return net.solver != "lbfgs" and type(net).fit is BaseNetwork.fit


def _continues_as_refit(model):
    """Whether a model a halving round fitted may continue to a larger max_iter.

    Only a network the stacked loop trains, which resumes from its training
    state exactly as a refit would go. Any other (lbfgs, a subclass's own
    ``fit``) is refitted, as HalvingGridSearchCV does: with
    ``warm_start=True`` its fit would go on from where the last round left it.
    """
    return _stackable(_network(model))


def _net_param(name, final_name):
    """The network's parameter a candidate's name sets, or None."""
    if not final_name:
        return name
    prefix = final_name + "__"
    return name[len(prefix):] if name.startswith(prefix) else None


def _final_step_name(estimator):
    """'' for one of skmlp's MLPs, the final step's name for a Pipeline ending in one."""
    if isinstance(estimator, BaseNetwork):
        return ""
    if isinstance(estimator, Pipeline) and isinstance(estimator.steps[-1][1], BaseNetwork):
        return estimator.steps[-1][0]
    raise TypeError(
        "The MLP searches train stacks of skmlp's networks: estimator must be a "
        "ManualMLPRegressor, a ManualMLPClassifier or a Pipeline ending in one, got "
        f"{estimator!r}. Use scikit-learn's search classes for other models.")


def _network(model):
    """The network of a model (itself, or a Pipeline's last step)."""
    return model.steps[-1][1] if _final_step_name(model) else model


def _callback_metadata(fit_params):
    """The metadata the callback hooks get: the sample weights, if any."""
    sample_weight = fit_params.get("sample_weight")
    return None if sample_weight is None else {"sample_weight": sample_weight}
