"""Grid search over ManualMLPClassifier that trains its candidates together.

:class:`MLPGridSearchCV` is :class:`sklearn.model_selection.GridSearchCV`
(same signature, attributes, methods and results) for a
:class:`~skmlp.ManualMLPClassifier` or a Pipeline ending in one. Only the
fitting of the candidates changes: the candidates of a fold that share a
network shape and the minibatches are trained as one stack of networks by
the training loop of :mod:`skmlp._training` (the loop of every
ManualMLPClassifier fit), so each minibatch costs one round of numpy calls
for the whole stack instead of one per candidate. Everything else (scorers,
``cv_results_``, ranks, refit, multi-metric scoring) is scikit-learn's
``BaseSearchCV``.
"""

import contextlib
import time
import traceback
from collections import defaultdict
from numbers import Integral, Number

import numpy as np
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.model_selection._search import BaseSearchCV
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

from ._callbacks import root_context
from ._mlp import ManualMLPClassifier, fit_stack
from ._training import bytes_per_network

__all__ = ["MLPGridSearchCV"]

# Parameters that may differ between the networks of one stack: each network
# has its own value (learning rates, penalties, optimizer constants, stopping).
# Every other parameter (hidden sizes, activation, loss, solver, batch size,
# shuffling, random_state, init, early stopping, class weights, ...) shapes
# the networks or the minibatches, so candidates must agree on it to share a
# pass; so must every parameter of the preprocessing steps.
_PER_NETWORK_PARAMS = frozenset({
    "alpha", "learning_rate_init", "learning_rate", "momentum", "power_t",
    "beta_1", "beta_2", "epsilon", "tol", "n_iter_no_change", "max_iter", "verbose",
})
_NET_FIT_PARAMS = ("sample_weight", "coefs_init", "intercepts_init")


class MLPGridSearchCV(BaseSearchCV):
    """GridSearchCV for ManualMLPClassifier that trains its candidates together.

    Same signature, attributes, methods and results as
    :class:`sklearn.model_selection.GridSearchCV` with the same arguments
    (same candidate order, splits, shuffles and starting weights from the
    same ``random_state``), for an ``estimator`` that is a
    :class:`~skmlp.ManualMLPClassifier` or a
    :class:`~sklearn.pipeline.Pipeline` ending in one. In each fold, the
    candidates that differ only in per-network parameters (``alpha``,
    ``learning_rate_init``, ``learning_rate``, ``momentum``, ``power_t``,
    ``beta_1``, ``beta_2``, ``epsilon``, ``tol``, ``n_iter_no_change``,
    ``max_iter``) are trained as one stack of networks: their weights stacked
    along a leading axis and one pass over the minibatches for all of them,
    each with its own learning rate, penalty, optimizer state and stopping.
    A network trains bit for bit as it would alone.

    Candidates that differ in anything else (hidden sizes, activation,
    solver, batch size, random_state, early stopping, class weights,
    preprocessing parameters, ...) form separate groups; 'lbfgs' candidates
    are fitted one by one. Each (group, fold) is one joblib task, so
    ``n_jobs`` and any joblib backend (dask's included) apply. The
    preprocessing steps of a Pipeline are fitted once per task and shared by
    the group.

    A candidate whose training diverges fails on its own, like a failed fit
    in GridSearchCV (``error_score``); the others go on.

    Parameters
    ----------
    estimator : ManualMLPClassifier or Pipeline ending in one
        The model to tune.
    param_grid : dict or list of dict
        Parameter names (``step__param`` for a Pipeline) mapped to lists of
        values, as in GridSearchCV.
    scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, \
return_train_score :
        As in :class:`~sklearn.model_selection.GridSearchCV`.
    max_stack_bytes : int, default=268435456 (256 MiB)
        Memory budget of one stack (weights, gradients, optimizer state,
        activations and deltas of a minibatch; X is shared, never copied).
        A larger group is split into stacks that fit it.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        As GridSearchCV's (every key); ``mean_fit_time`` is the wall time of
        a candidate's stack divided by the number of its networks.
    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_ :
        As in GridSearchCV.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : The same search, one fit at a time.

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

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_grid": [dict, list],
        "max_stack_bytes": [Interval(Integral, 1, None, closed="left")],
    }

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
        max_stack_bytes=256 * 2**20,
    ):
        super().__init__(
            estimator=estimator, scoring=scoring, n_jobs=n_jobs, refit=refit, cv=cv,
            verbose=verbose, pre_dispatch=pre_dispatch, error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_grid = param_grid
        self.max_stack_bytes = max_stack_bytes

    def _run_search(self, evaluate_candidates, **kwargs):
        """Every candidate of the grid (BaseSearchCV's hook)."""
        evaluate_candidates(ParameterGrid(self.param_grid))

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
            ``sample_weight``, or ``step__sample_weight`` for a Pipeline),
            the scorer and the CV splitter, as in GridSearchCV.

        Returns
        -------
        self : MLPGridSearchCV
            The fitted search.
        """
        candidates = list(ParameterGrid(self.param_grid))
        groups = self._groups(candidates)  # every check before any training
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)
        metadata = _callback_metadata(params)
        root_ctx = root_context(
            self, max_subtasks=1 + (self.refit is not False)
        ).call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self._checked_cv_orig = cv
        self._check_input_parameters(X=X, y=y, split_params=routed_params.splitter.split)
        self.n_splits_ = cv.get_n_splits(X, y, **routed_params.splitter.split)
        splits = list(cv.split(X, y, **routed_params.splitter.split))
        if len(splits) != self.n_splits_:
            raise ValueError(
                "cv.split and cv.get_n_splits return inconsistent results. Expected "
                f"{self.n_splits_} splits, got {len(splits)}"
            )
        # Callback tasks as GridSearchCV's: one per (candidate, split).
        search_ctx = root_ctx.subcontext(
            task_name="search", max_subtasks=len(candidates) * self.n_splits_,
            sequential_subtasks=False,
        ).call_on_fit_task_begin(estimator=self)
        out = self._fit_and_score_groups(
            X, y, candidates, self._stacks(groups, candidates, X, y), splits, scorers,
            routed_params, search_ctx,
        )
        search_ctx.call_on_fit_task_end(estimator=self)
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if callable(self.scoring):
            _insert_error_scores(out, self.error_score)
        results = self._format_results(candidates, self.n_splits_, out)

        self.multimetric_ = isinstance(out[0]["test_scores"], dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(out[0]["test_scores"])
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
        """Fit the best candidate on all the data, as GridSearchCV does."""
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

    # ------------------------------------------------------------ groups

    def _groups(self, candidates):
        """Candidate indices that can share a stack, grouped; checks the input.

        Raises TypeError for an estimator that is not a ManualMLPClassifier
        or a Pipeline ending in one, ValueError for an empty grid or an
        unknown parameter name: before any training.
        """
        final_name = _final_step_name(self.estimator)
        if not candidates:
            raise ValueError(
                "param_grid has no candidates (an empty list of grids); give at "
                "least one dict of parameter lists, e.g. {'alpha': [1e-4, 1e-2]}.")
        groups = defaultdict(list)
        for i, params in enumerate(candidates):
            try:
                model = clone(self.estimator).set_params(**clone(params, safe=False))
            except ValueError as exc:
                raise ValueError(
                    f"param_grid candidate {params} does not fit the estimator: {exc}"
                ) from exc
            _final_step_name(model)  # a grid may replace the final step
            net = model.steps[-1][1] if final_name else model
            key = tuple(sorted(
                (name, repr(value)) for name, value in params.items()
                if _net_param(name, final_name) not in _PER_NETWORK_PARAMS))
            if net.solver == "lbfgs":
                key = ("lbfgs", i)  # full batch: nothing to share
            groups[key].append(i)
        return list(groups.values())

    def _stacks(self, groups, candidates, X, y):
        """Split the groups into stacks that fit ``max_stack_bytes``."""
        n_features = X.shape[1] if len(getattr(X, "shape", ())) == 2 else 1
        n_outputs = _n_outputs(y)
        itemsize = 4 if getattr(X, "dtype", None) == np.float32 else 8
        final_name = _final_step_name(self.estimator)
        stacks = []
        for group in groups:
            model = clone(self.estimator).set_params(**candidates[group[0]])
            net = model.steps[-1][1] if final_name else model
            per_network = bytes_per_network(
                [n_features] + list(np.atleast_1d(net.hidden_layer_sizes)) + [n_outputs],
                200 if net.batch_size == "auto" else net.batch_size, itemsize,
                net.solver, net.early_stopping)
            size = max(1, self.max_stack_bytes // int(per_network))  # no int64 overflow
            n_stacks = -(-len(group) // size)
            stacks.extend([list(s) for s in np.array_split(group, n_stacks)])
        return stacks

    def _fit_and_score_groups(self, X, y, candidates, stacks, splits, scorers,
                              routed_params, search_ctx):
        """One joblib task per (stack, fold); results in GridSearchCV's order."""
        n_splits = len(splits)
        if self.verbose > 0:
            print(f"Fitting {n_splits} folds for each of {len(candidates)} candidates, "
                  f"totalling {n_splits * len(candidates)} fits, as {len(stacks)} "
                  f"stacks per fold")
        base = clone(self.estimator)
        tasks = [(stack, split) for stack in stacks for split in range(n_splits)]
        # Made ahead of the parallel loop (as GridSearchCV: creating them in the
        # workers would change the search while it is being pickled).
        contexts = [search_ctx.subcontext(task_name="candidate-split-evaluation", task_id=i)
                    for i in range(len(candidates) * n_splits)]
        parallel = Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch)
        task_out = parallel(
            delayed(_fit_and_score_stack)(
                base, X, y, splits[split][0], splits[split][1],
                [candidates[i] for i in stack], scorers, routed_params.estimator.fit,
                routed_params.scorer.score, self.return_train_score, self.error_score,
                [contexts[i * n_splits + split] for i in stack], self,
            )
            for stack, split in tasks
        )
        out = [None] * (len(candidates) * n_splits)
        for (stack, split), results in zip(tasks, task_out):
            for i, result in zip(stack, results):
                out[i * n_splits + split] = result
        return out


def _net_param(name, final_name):
    """The ManualMLPClassifier parameter a grid name sets, or None."""
    if not final_name:
        return name
    prefix = final_name + "__"
    return name[len(prefix):] if name.startswith(prefix) else None


def _final_step_name(estimator):
    """'' for a ManualMLPClassifier, the final step's name for a Pipeline ending in one."""
    if isinstance(estimator, ManualMLPClassifier):
        return ""
    if isinstance(estimator, Pipeline) and isinstance(estimator.steps[-1][1],
                                                      ManualMLPClassifier):
        return estimator.steps[-1][0]
    raise TypeError(
        "MLPGridSearchCV trains stacks of ManualMLPClassifier networks: estimator "
        "must be a ManualMLPClassifier or a Pipeline ending in one, got "
        f"{estimator!r}. Use sklearn.model_selection.GridSearchCV for other models.")


def _n_outputs(y):
    """Output units of the network for the targets y (1 for binary)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.shape[1]
    n_classes = len(np.unique(y))
    return 1 if n_classes <= 2 else n_classes


def _fit_and_score_stack(base, X, y, train, test, candidates, scorer, fit_params,
                         score_params, return_train_score, error_score, contexts,
                         caller):
    """Fit the candidates of one stack on one fold and score them.

    ``contexts`` are the candidates' callback tasks on this fold; each
    network gets its candidate's (as ``_fit_and_score`` gives the estimator),
    ``caller`` is the search.

    Returns one dict per candidate in the format of scikit-learn's
    ``_fit_and_score`` (fit_error, test_scores, train_scores,
    n_test_samples, fit_time, score_time).
    """
    start = time.time()
    fit_params = _check_method_params(X, params=fit_params, indices=train)
    score_params = score_params if score_params is not None else {}
    score_params_train = _check_method_params(X, params=score_params, indices=train)
    score_params_test = _check_method_params(X, params=score_params, indices=test)
    models = [clone(base).set_params(**clone(params, safe=False)) for params in candidates]
    X_train, y_train = _safe_split(models[0], X, y, train)
    X_test, y_test = _safe_split(models[0], X, y, test, train)
    hook_args = dict(estimator=caller, X=X_train, y=y_train,
                     metadata=_callback_metadata(fit_params))
    with contextlib.ExitStack() as propagated:
        for model, context in zip(models, contexts):
            propagated.enter_context(context.propagate_callback_context(_network(model)))
            context.call_on_fit_task_begin(**hook_args)
        errors = _fit_models(models, X_train, y_train, fit_params)
    fit_time = (time.time() - start) / len(models)
    results = []
    for model, error in zip(models, errors):
        if error is not None:
            if error_score == "raise":
                raise error
            results.append(_failed(error, scorer, error_score, return_train_score))
        else:
            scored = time.time()
            result = {"fit_error": None, "test_scores": _score(
                model, X_test, y_test, scorer, score_params_test, error_score)}
            result["score_time"] = time.time() - scored
            if return_train_score:
                result["train_scores"] = _score(
                    model, X_train, y_train, scorer, score_params_train, error_score)
            results.append(result)
        results[-1].update(n_test_samples=_num_samples(X_test), fit_time=fit_time)
    for context in contexts:
        context.call_on_fit_task_end(**hook_args)
    return results


def _network(model):
    """The ManualMLPClassifier of a model (itself, or a Pipeline's last step)."""
    return model.steps[-1][1] if _final_step_name(model) else model


def _callback_metadata(fit_params):
    """The metadata the callback hooks get: the sample weights, if any."""
    sample_weight = fit_params.get("sample_weight")
    return None if sample_weight is None else {"sample_weight": sample_weight}


def _failed(error, scorer, error_score, return_train_score):
    """The result of a failed fit, as scikit-learn's _fit_and_score gives it."""
    if isinstance(error_score, Number) and isinstance(scorer, _MultimetricScorer):
        scores = {name: error_score for name in scorer._scorers}
    else:
        scores = error_score
    result = {"fit_error": "".join(traceback.format_exception(error)),
              "test_scores": scores, "score_time": 0.0}
    if return_train_score:
        result["train_scores"] = scores.copy() if isinstance(scores, dict) else scores
    return result


def _fit_models(models, X, y, fit_params):
    """Fit ManualMLPClassifiers (or Pipelines ending in one) of one stack.

    The preprocessing steps of a Pipeline are fitted once and shared.
    Returns, per model, None or the exception that made its fit fail.
    """
    final_name = _final_step_name(models[0])
    if final_name:
        prefix = final_name + "__"
        net_params = {k[len(prefix):]: v for k, v in fit_params.items()
                      if k.startswith(prefix)}
        pre_params = {k: v for k, v in fit_params.items() if not k.startswith(prefix)}
        preprocessing = models[0][:-1]
        try:
            X = preprocessing.fit_transform(X, y, **pre_params)
        except Exception as exc:
            return [exc] * len(models)
        for model in models:
            model.steps = list(preprocessing.steps) + [model.steps[-1]]
        nets = [model.steps[-1][1] for model in models]
    else:
        nets, net_params = models, fit_params
    if len(nets) == 1 or nets[0].solver == "lbfgs":
        return [_fit_one(net, X, y, net_params) for net in nets]
    unknown = set(net_params) - set(_NET_FIT_PARAMS)
    if unknown:
        error = TypeError(f"ManualMLPClassifier.fit() got unexpected fit parameters "
                          f"{sorted(unknown)}")
        return [error] * len(nets)
    return fit_stack(nets, X, y, **net_params)


def _fit_one(net, X, y, fit_params):
    try:
        net.fit(X, y, **fit_params)
    except Exception as exc:
        return exc
    return None
