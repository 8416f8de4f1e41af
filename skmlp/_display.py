"""TrainingCurveDisplay: the per-epoch curves of a fitted model, in sklearn's Display style."""

from sklearn.pipeline import Pipeline
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

# kind -> [(attribute, legend label)], the y-axis label
_CURVES = {
    "loss": ([("loss_curve_", "training loss"),
              ("validation_loss_curve_", "validation loss")], "loss"),
    "validation_score": ([("validation_scores_", "validation score")], "score"),
    "errors": ([("errors_", "training errors")], "misclassified samples"),
}


class TrainingCurveDisplay:
    """Per-epoch training curves: the MLP's losses and validation scores, the perceptron's errors.

    Build it with :meth:`from_estimator`; :meth:`plot` draws the curves
    against the epoch number (1, 2, ...).

    Parameters
    ----------
    curves : dict of str to sequence of float
        Legend label -> the value at each epoch.
    ylabel : str, default=None
        Label of the y axis.
    estimator_name : str, default=None
        Used as the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes with the curves.
    figure_ : matplotlib Figure
        The figure of ``ax_``.
    lines_ : list of matplotlib Line2D
        One line per curve, in the order of ``curves``.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against the
        training-set size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import PerceptronClassifier, TrainingCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = PerceptronClassifier(max_iter=5, tol=None).fit(X, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> [line.get_label() for line in display.lines_]
    ['training errors']
    """

    def __init__(self, *, curves, ylabel=None, estimator_name=None):
        self.curves = curves
        self.ylabel = ylabel
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, kind=None, ax=None, **kwargs):
        """The curves of a fitted network or perceptron, alone or inside a Pipeline or search.

        Parameters
        ----------
        estimator : fitted estimator
            A ManualMLPClassifier or ManualMLPRegressor trained by 'sgd' or
            'adam' (``loss_curve_``)
            or a PerceptronClassifier (``errors_``); or a Pipeline ending in
            one (its final step is plotted); or a fitted search with
            ``refit=True``, such as MLPGridSearchCV or GridSearchCV (its
            ``best_estimator_`` is plotted, the final step if a Pipeline).
        kind : {'loss', 'validation_score', 'errors'}, default=None
            'loss': ``loss_curve_`` and, with early stopping,
            ``validation_loss_curve_``; 'validation_score':
            ``validation_scores_``; 'errors': ``errors_``. None: 'errors' if
            the estimator has ``errors_``, else 'loss'.
        ax : matplotlib Axes, default=None
            Where to draw; None: a new figure.
        **kwargs : dict
            Passed to ``ax.plot`` for every curve.

        Returns
        -------
        display : TrainingCurveDisplay
            With ``ax_``, ``figure_`` and ``lines_``.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        model, name = _trained_model(estimator)
        if kind is None:
            kind = "errors" if hasattr(model, "errors_") else "loss"
        if kind not in _CURVES:
            raise ValueError(f"kind must be one of {sorted(_CURVES)}, got {kind!r}.")
        attributes, ylabel = _CURVES[kind]
        curves = {label: list(getattr(model, attribute))
                  for attribute, label in attributes
                  if getattr(model, attribute, None) is not None}
        if not curves:
            raise ValueError(_no_curve_message(model, name, kind))
        display = cls(curves=curves, ylabel=ylabel, estimator_name=name)
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, **kwargs):
        """Draw the curves against the epoch number.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None: a new figure.
        **kwargs : dict
            Passed to ``ax.plot`` for every curve.

        Returns
        -------
        display : TrainingCurveDisplay
            ``self``, with ``ax_``, ``figure_`` and ``lines_``.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots()
        self.lines_ = [
            ax.plot(range(1, len(values) + 1), values, label=label, **kwargs)[0]
            for label, values in self.curves.items()
        ]
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        if self.ylabel is not None:
            ax.set_ylabel(self.ylabel)
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _trained_model(estimator):
    """The fitted model whose curves are plotted, and its title.

    A fitted search stands for its ``best_estimator_``, a Pipeline for its
    final step: the network that was trained, wherever it sits.
    """
    check_is_fitted(estimator)
    if hasattr(estimator, "cv_results_"):  # a fitted search, scikit-learn's or ours
        if not hasattr(estimator, "best_estimator_"):
            raise ValueError(
                f"{type(estimator).__name__} was fitted with refit=False, so it holds "
                "no trained model to plot: fit it with refit=True, or fit a model "
                "with its best_params_ and pass that."
            )
        model, name = _trained_model(estimator.best_estimator_)
        return model, f"{name}, best of {type(estimator).__name__}"
    if isinstance(estimator, Pipeline):
        model, name = _trained_model(estimator[-1])
        return model, f"{name} in a Pipeline"
    return estimator, type(estimator).__name__


def _no_curve_message(model, name, kind):
    """Why `model` has no curve of this kind, and what would have one."""
    attributes = " or ".join(attribute for attribute, _ in _CURVES[kind][0])
    if kind == "errors":
        why = "errors_ is the PerceptronClassifier's per-epoch error count"
    elif getattr(model, "solver", None) == "lbfgs":
        why = ("solver='lbfgs' optimizes on the full batch and records no "
               "per-epoch curve: fit with solver='sgd' or 'adam' to get one")
    elif kind == "validation_score":
        why = "the validation curves are recorded with early_stopping=True"
    else:
        why = ("the curves are recorded by a ManualMLPClassifier or ManualMLPRegressor "
               "trained with "
               "solver='sgd' or 'adam', and errors_ by a PerceptronClassifier")
    return f"{name} has no {attributes} to plot: {why}."
