"""scikit-learn's callback API (sklearn.callback, 1.9+), guarded for older versions.

Every estimator calls its callbacks through a :class:`FitTasks`: a root task
per fit and, for the epoch-based ones, one subtask per epoch, each with
``on_fit_task_begin`` / ``on_fit_task_end`` hooks. On scikit-learn without
``sklearn.callback`` the mixin below is a stand-in whose contexts do nothing,
so the estimators' code is the same on both and has no version checks.
"""

import contextlib

from ._utils import all_or_nothing


class _NoCallbackContext:
    """A callback context with no callbacks: every hook is a no-op."""

    def subcontext(self, *args, **kwargs):
        return self

    def call_on_fit_task_begin(self, **kwargs):
        return self

    def call_on_fit_task_end(self, **kwargs):
        return False  # never asks to stop

    def propagate_callback_context(self, sub_estimator):
        return contextlib.nullcontext()


try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9: no callbacks, nothing to call

    class CallbackSupportMixin:
        """Stand-in for sklearn.callback.CallbackSupportMixin (no set_callbacks)."""

        def _init_callback_context(self, **kwargs):
            return _NoCallbackContext()


def root_context(estimator, **kwargs):
    """The root callback context of ``estimator``'s fit (``_init_callback_context``).

    A no-op context for an estimator without callback support (a
    scikit-learn meta-estimator on scikit-learn < 1.9).
    """
    init = getattr(estimator, "_init_callback_context", None)
    return _NoCallbackContext() if init is None else init(**kwargs)


__all__ = ["CallbackSupportMixin", "FitTasks", "root_context"]


@contextlib.contextmanager
def fit_transaction(estimator, X, y, sample_weight, max_epochs):
    """One fit or partial_fit as a transaction: its callback tasks, all or nothing.

    Every estimator's fit runs in this block: it yields the fit's
    :class:`FitTasks`; when the block ends the root task closes (a callback
    that raises there fails the fit too), and on any error (bad input,
    diverging training, an interrupt, a callback) the estimator's attributes
    are put back as they were, so no half-fitted model is left behind.

    Parameters
    ----------
    estimator : CallbackSupportMixin estimator
        The estimator being fitted.
    X, y, sample_weight :
        The data as given to fit, for the callbacks' hooks.
    max_epochs : int
        Epoch subtasks the fit may open (0 for a one-pass fit).
    """
    tasks = FitTasks(estimator, X, y, sample_weight, max_epochs)
    with all_or_nothing(estimator):
        yield tasks
        tasks.end()


class FitTasks:
    """The callback tasks of one fit: a root task and its epoch subtasks.

    Create it before the fit changes the estimator (it sets up the callbacks
    on the estimator; a failed fit restores the estimator's attributes, and
    the callbacks must still be torn down by ``_fit_context``).

    Parameters
    ----------
    estimator : CallbackSupportMixin estimator
        The estimator being fitted.
    X, y : array-like
        The data as given to fit, passed to the hooks (ScoringMonitor scores
        the ``fitted_estimator`` snapshots on them).
    sample_weight : array-like or None
        Passed to the hooks as ``metadata={"sample_weight": ...}``.
    max_epochs : int
        Maximum number of epoch subtasks (0: the fit is one task, no epochs).

    Notes
    -----
    A ``snapshot`` is a callable returning the fitted attributes that make a
    copy of the estimator predict as the model stands at that point; it is
    only called if a callback asks for ``fitted_estimator``.

    Examples
    --------
    >>> from skmlp import PerceptronClassifier
    >>> tasks = FitTasks(PerceptronClassifier(), [[0.0], [1.0]], [0, 1], None, 1)
    >>> tasks.begin_epoch(lambda: {})
    >>> tasks.end_epoch(lambda: {})  # no callback asked to stop
    False
    >>> tasks.end()
    """

    def __init__(self, estimator, X, y, sample_weight, max_epochs):
        self._root = estimator._init_callback_context(max_subtasks=max_epochs)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self._hook_args = dict(estimator=estimator, X=X, y=y, metadata=metadata)
        self._root.call_on_fit_task_begin(**self._hook_args)
        self._epoch = None

    def begin_epoch(self, snapshot):
        """Open the next epoch's subtask; ``snapshot()``: the model before it."""
        self._epoch = self._root.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(
            **self._hook_args, reconstruction_attributes=snapshot
        )

    def end_epoch(self, snapshot):
        """Close the epoch's subtask; True when a callback asks to stop."""
        return bool(
            self._epoch.call_on_fit_task_end(
                **self._hook_args, reconstruction_attributes=snapshot
            )
        )

    def fit_subestimator(self, estimator, X, y, **fit_params):
        """Fit a meta-estimator's sub-estimator as this fit's one subtask.

        As Pipeline does: the sub-estimator's own root task is merged into
        the subtask, and auto-propagated callbacks (ProgressBar, ...) reach it.
        """
        subtask = self._root.subcontext(task_name="fit-estimator")
        with subtask.propagate_callback_context(estimator):
            return estimator.fit(X, y, **fit_params)

    def end(self):
        """Close the root task; the estimator is fitted."""
        self._root.call_on_fit_task_end(
            **self._hook_args, reconstruction_attributes={}
        )
