"""Helpers shared by several test modules (not part of the library)."""


class EpochEndCallback:
    """A scikit-learn fit callback (sklearn.callback protocol) that only acts after each epoch.

    Subclasses define ``epoch_end(fitted_estimator)``; the other hooks of
    the protocol do nothing. On scikit-learn without ``sklearn.callback`` it
    is a plain class, and the tests that attach it skip.
    """

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.epoch_end(fitted_estimator)
