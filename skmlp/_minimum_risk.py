"""MinimumRiskClassifier: Bayes decisions over any classifier's posteriors.

A classifier with ``predict_proba`` estimates P(j | x) under the class
frequencies of its training data. Its decisions of least expected cost under a
cost matrix C, and for other class priors, follow from those posteriors alone
(the Bayes minimum-risk rule), so one wrapper serves every model.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import (
    _check_sample_weight,
    _check_y,
    check_is_fitted,
    has_fit_parameter,
)

from ._callbacks import CallbackSupportMixin, FitTasks
from ._risk import (
    MinimumRiskMixin,
    check_decision_costs,
    check_posteriors,
    class_priors,
    log_or_minus_inf,
    shift_priors,
    to_numpy,
)
from ._utils import all_or_nothing, check_class_labels


class MinimumRiskClassifier(CallbackSupportMixin, MinimumRiskMixin, MetaEstimatorMixin,
                            ClassifierMixin, BaseEstimator):
    """Minimum-risk decisions from any probabilistic classifier.

    Fits a clone of ``estimator``, takes its posteriors P(j | x), re-weights
    them for the class priors where the model is used (prior shift), and
    decides the class i of least conditional risk
    R(i | x) = sum_j C[i, j] P'(j | x).

    Parameters
    ----------
    estimator : classifier with ``fit`` and ``predict_proba``
        The model of the posteriors (ManualMLPClassifier, PerceptronClassifier,
        any scikit-learn classifier, a Pipeline ending in one). A clone is
        fitted; wrap a fitted model in :class:`sklearn.frozen.FrozenEstimator`
        to use it as it is.
    cost_matrix : array-like of shape (n_classes, n_classes), default=None
        C[i, j] = cost of deciding ``classes_[i]`` when the truth is
        ``classes_[j]``; every wrong decision must cost more than the right
        one (C[i, j] > C[j, j] for i != j). None is the 0-1 cost.
    priors : array-like of shape (n_classes,), default=None
        Class priors π' where the model is used, non-negative and summing to
        1. The posteriors are re-weighted p'(j|x) ∝ p(j|x) π'_j / π̂_j, with π̂
        the (weighted) class frequencies of the y given to ``fit``. None: no
        re-weighting (π' = π̂).
    reject_cost : float or array-like of shape (n_classes,), default=None
        The reject option: r_j, the cost of withholding a decision (a doubt)
        when the truth is ``classes_[j]``; one number is the same for every
        class. Doubt is one more decision with conditional risk
        sum_j r_j P(j | x), taken where it is strictly cheaper than every
        class; with the 0-1 cost and one number lambda this is Chow's rule,
        doubt where max_k P(k | x) < 1 - lambda (never for lambda at or above
        (K - 1) / K). None: always decide.
    reject_label : int, float or str, default=-1
        What ``predict`` returns for a doubt: a value that is not a class, a
        string for string labels (checked in ``fit`` when ``reject_cost`` is
        set). ``score`` counts a doubt as an error.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone (the FrozenEstimator itself when one was given).
    classes_ : ndarray of shape (n_classes,)
        Class labels, those of ``estimator_``.
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The cost matrix used.
    reject_cost_ : ndarray of shape (n_classes,) or None
        The validated doubt costs r_j (None: no reject option).
    reject_label_ : object
        The label of a doubt in ``predict``.
    train_class_prior_ : ndarray of shape (n_classes,)
        π̂: the class frequencies (sums of the sample weights) of y in fit.
    class_prior_ : ndarray of shape (n_classes,)
        π': the priors the posteriors are corrected to (``priors`` or π̂).
    n_features_in_ : int
        Number of features seen during fit (when ``estimator_`` has it).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names (when ``estimator_`` has them).

    See Also
    --------
    sklearn.model_selection.FixedThresholdClassifier : a threshold on one
        score, for binary problems.
    DensityBayesClassifier : minimum-risk decisions from class densities.

    Notes
    -----
    For a :class:`~sklearn.frozen.FrozenEstimator`, ``fit`` only computes π̂
    from the y it is given: pass data with the class balance the model was
    trained on when ``priors`` is set.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmlp import MinimumRiskClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = MinimumRiskClassifier(LogisticRegression(),
    ...                             cost_matrix=[[0, 10], [1, 0]]).fit(X, y)
    >>> clf.predict([[1.2]])  # a missed 1 costs 10: decide 1 already here
    array([1])
    >>> np.allclose(clf.predict_risk([[1.2]]), clf.predict_proba([[1.2]]) @ clf.cost_matrix_.T)
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "cost_matrix": ["array-like", None],
        "priors": ["array-like", None],
        "reject_cost": ["array-like", Real, None],
        "reject_label": "no_validation",  # any value that is not a class (checked in fit)
    }

    def __init__(self, estimator, *, cost_matrix=None, priors=None, reject_cost=None,
                 reject_label=-1):
        self.estimator = estimator
        self.cost_matrix = cost_matrix
        self.priors = priors
        self.reject_cost = reject_cost
        self.reject_label = reject_label

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags = inner.input_tags
        tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    @_fit_context(prefer_skip_nested_validation=False)  # estimator is validated by its fit
    def fit(self, X, y, sample_weight=None):
        """Fit a clone of the estimator; estimate π̂; check costs and priors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, in whatever form ``estimator`` takes.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to ``estimator.fit`` (which must accept it) and used for π̂.

        Returns
        -------
        self : MinimumRiskClassifier
            The fitted estimator.
        """
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=1)  # the estimator's fit
        with all_or_nothing(self):
            y = _check_y(y)  # 1-d, finite
            check_class_labels(y)
            fit_params = {}
            if sample_weight is not None:
                if not has_fit_parameter(self.estimator, "sample_weight"):
                    raise ValueError(
                        f"sample_weight was given but {type(self.estimator).__name__}.fit "
                        "does not accept it"
                    )
                sample_weight = _check_sample_weight(sample_weight, y, ensure_non_negative=True)
                fit_params["sample_weight"] = sample_weight
            estimator = tasks.fit_subestimator(clone(self.estimator), X, y, **fit_params)
            self._set_priors_and_costs(estimator.classes_, y, sample_weight)
            self.estimator_ = estimator
            for name in ("n_features_in_", "feature_names_in_"):
                if hasattr(estimator, name):
                    setattr(self, name, getattr(estimator, name))
            tasks.end()  # a callback failing here fails the fit: all or nothing
        return self

    def _set_priors_and_costs(self, classes, y, sample_weight):
        """π̂ from y over ``classes`` (in the estimator's order, sorted or not);
        the validated priors π' and costs."""
        classes, y, sample_weight = (to_numpy(a) if a is not None else None
                                     for a in (classes, y, sample_weight))
        unknown = np.setdiff1d(y, classes)
        if unknown.size:
            raise ValueError(f"labels {unknown.tolist()} of y are not in the estimator's "
                             f"classes_ {classes.tolist()}")
        n_classes = len(classes)
        if len(np.unique(classes)) != n_classes:
            raise ValueError(f"the estimator's classes_ {classes.tolist()} repeat a label")
        cost, reject_cost = check_decision_costs(self.cost_matrix, self.reject_cost,
                                                 self.reject_label, classes)
        weights = np.ones(len(y)) if sample_weight is None else sample_weight
        order = np.argsort(classes)
        y_index = order[np.searchsorted(classes, y, sorter=order)]
        counts = np.bincount(y_index, weights=weights, minlength=n_classes)
        if counts.sum() <= 0:
            raise ValueError("the total sample weight is zero")
        train_prior = class_priors(None, counts)
        priors = class_priors(self.priors, counts)
        missing = (priors > 0) & (train_prior == 0)
        if np.any(missing):
            raise ValueError(
                f"priors gives classes {np.asarray(classes)[missing].tolist()} a positive "
                "prior but y has no samples of them, so their training frequency "
                "(needed to re-weight the posteriors) is unknown"
            )
        self.cost_matrix_ = cost
        self.reject_cost_ = reject_cost
        self.reject_label_ = self.reject_label
        self.train_class_prior_ = train_prior
        self.class_prior_ = priors

    @property
    def classes_(self):
        """Class labels of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.classes_

    def predict_proba(self, X):
        """Posteriors P'(j | x) under the priors ``class_prior_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The estimator's posteriors (checked: a ValueError if they are not
            finite, non-negative rows summing to 1), re-weighted for the
            priors ``class_prior_`` fitted from ``priors``.
        """
        check_is_fitted(self)
        source = f"{type(self.estimator_).__name__}.predict_proba"
        proba = check_posteriors(self.estimator_.predict_proba(X), self.classes_.shape[0],
                                 source)
        if np.array_equal(self.class_prior_, self.train_class_prior_):  # nothing to shift
            return proba
        return shift_priors(proba, self.train_class_prior_, self.class_prior_)

    def predict_log_proba(self, X):
        """ln P'(j | x) (-inf where a posterior is 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return log_or_minus_inf(self.predict_proba(X))
