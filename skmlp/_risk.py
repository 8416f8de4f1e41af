"""Minimum-risk decisions: costs, priors, posteriors, risks and their argmin.

The one place where the Bayes decision rule lives, for every classifier
that makes Bayes decisions (GaussianBayesClassifier, DensityBayesClassifier,
MinimumRiskClassifier). Given posteriors P(j | x) and a cost matrix C with
C[i, j] the cost of deciding class i when the truth is class j, the risk of
deciding i at x is R(i | x) = sum_j C[i, j] P(j | x), and the Bayes decision
is argmin_i R(i | x). Nothing here knows an estimator: the functions take and
return arrays.
"""

import numpy as np
from scipy.special import logsumexp
from sklearn.utils.validation import check_is_fitted


def real_array(values, name):
    """``values`` as a new float64 array (never a view of the caller's array).

    A ValueError naming ``name`` unless they are real numbers: a dict, strings
    or complex numbers (whose imaginary part a cast would drop) are refused.

    Examples
    --------
    >>> real_array([1, 2], "priors")
    array([1., 2.])
    >>> real_array({0: 0.5, 1: 0.5}, "priors")
    Traceback (most recent call last):
    ...
    ValueError: priors must be an array of real numbers; got {0: 0.5, 1: 0.5}
    """
    try:
        array = np.asarray(values)
        if array.dtype.kind not in "biufO":
            raise TypeError(array.dtype)
        return np.array(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers; got {values!r}"
                         ) from None


def check_priors(priors, n_classes):
    """Priors as float64 (K,): finite, non-negative, summing to 1.

    Parameters
    ----------
    priors : array-like of shape (n_classes,)
        Class prior probabilities, in the order of ``classes_``.
    n_classes : int
        Number of classes.

    Returns
    -------
    priors : ndarray of shape (n_classes,), dtype float64
        A new array: the fitted model does not change when the caller's does.

    Examples
    --------
    >>> check_priors([0.25, 0.75], 2)
    array([0.25, 0.75])
    """
    priors = real_array(priors, "priors")
    if priors.shape != (n_classes,):
        raise ValueError(
            f"priors must have one value per class: expected shape ({n_classes},), "
            f"got {priors.shape}"
        )
    if not np.all(np.isfinite(priors)) or np.any(priors < 0):
        raise ValueError(f"priors must be finite and non-negative, got {priors}")
    if not np.isclose(priors.sum(), 1.0):
        raise ValueError(f"priors must sum to 1, got sum {float(priors.sum()):.6g}")
    return priors


def class_priors(priors, class_weights):
    """The priors to use: ``priors`` checked, or (None) the class frequencies.

    Parameters
    ----------
    priors : array-like of shape (n_classes,) or None
        The user's priors.
    class_weights : ndarray of shape (n_classes,)
        Sum of the sample weights of each class.

    Returns
    -------
    priors : ndarray of shape (n_classes,), dtype float64

    Examples
    --------
    >>> import numpy as np
    >>> class_priors(None, np.array([1.0, 3.0]))
    array([0.25, 0.75])
    """
    if priors is None:
        return class_weights / class_weights.sum()
    return check_priors(priors, len(class_weights))


def check_cost_matrix(cost_matrix, n_classes):
    """Costs C[i, j] as float64 (K, K); None is the 0-1 cost.

    Every wrong decision must cost strictly more than the right one for the
    same true class: C[i, j] > C[j, j] for i != j. (Otherwise deciding i
    would never be worse than the truth and the rule degenerates.)

    Parameters
    ----------
    cost_matrix : array-like of shape (n_classes, n_classes) or None
        C[i, j] = cost of deciding class i when the truth is class j.
    n_classes : int
        Number of classes.

    Returns
    -------
    cost : ndarray of shape (n_classes, n_classes), dtype float64
        A new array, as in :func:`check_priors`.

    Examples
    --------
    >>> check_cost_matrix(None, 2)
    array([[0., 1.],
           [1., 0.]])
    """
    if cost_matrix is None:
        return 1.0 - np.eye(n_classes)
    cost = real_array(cost_matrix, "cost_matrix")
    if cost.shape != (n_classes, n_classes):
        raise ValueError(
            f"cost_matrix must have shape (n_classes, n_classes) = "
            f"({n_classes}, {n_classes}), got {cost.shape}"
        )
    if not np.all(np.isfinite(cost)):
        raise ValueError("cost_matrix must be finite")
    regret = cost - np.diag(cost)[None, :]  # C[i, j] - C[j, j]
    regret[np.diag_indices(n_classes)] = 1.0
    if np.any(regret <= 0):
        i, j = np.argwhere(regret <= 0)[0]
        raise ValueError(
            f"cost_matrix[{i}, {j}] = {cost[i, j]} must be larger than "
            f"cost_matrix[{j}, {j}] = {cost[j, j]}: deciding class {i} when the "
            f"truth is class {j} must cost more than the right decision"
        )
    return cost


def check_posteriors(proba, n_classes, source):
    """``proba`` as a float array, if it is a matrix of posteriors; else a ValueError.

    Posteriors have one column per class, are finite and non-negative, and
    each row sums to 1 (within the square root of the machine epsilon). A
    model that returns anything else would make every decision silently wrong.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        What a model's ``predict_proba`` returned.
    n_classes : int
        Number of classes.
    source : str
        Who returned it, for the message (e.g. "LogisticRegression.predict_proba").

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), a floating dtype

    Examples
    --------
    >>> check_posteriors([[0.25, 0.75]], 2, "model.predict_proba")
    array([[0.25, 0.75]])
    >>> check_posteriors([[0.5, 0.6]], 2, "model.predict_proba")
    Traceback (most recent call last):
    ...
    ValueError: model.predict_proba returned rows that do not sum to 1 (sums from 1.1 to 1.1); ...
    """
    proba = np.asarray(proba)
    if proba.dtype.kind in "biu":
        proba = proba.astype(np.float64)
    if proba.ndim != 2 or proba.shape[1] != n_classes:
        problem = f"an array of shape {proba.shape}, not (n_samples, {n_classes}) (one column per class)"
    elif proba.dtype.kind != "f" or not np.all(np.isfinite(proba)):
        problem = "values that are not finite numbers (NaN, inf or not numbers)"
    elif np.any(proba < 0):
        problem = f"negative values (down to {proba.min():.3g})"
    else:
        sums = proba.sum(axis=1)
        if not np.all(np.abs(sums - 1) <= np.sqrt(np.finfo(proba.dtype).eps)):
            problem = f"rows that do not sum to 1 (sums from {sums.min():.3g} to {sums.max():.3g})"
        else:
            return proba
    raise ValueError(f"{source} returned {problem}; minimum-risk decisions need posteriors: "
                     "finite, non-negative, one column per class, each row summing to 1")


def log_or_minus_inf(values):
    """ln of non-negative values, ln 0 = -inf without a warning."""
    with np.errstate(divide="ignore"):
        return np.log(values)


def log_posteriors(joint_log_likelihood, priors):
    """ln P(j | x) from ln(p_j f_j(x)), exactly also where every f_j(x) is 0.

    Where a row of ``joint_log_likelihood`` is -inf throughout (no class has
    density there), Bayes' rule has no information beyond the priors, so the
    posterior is the priors; elsewhere it is the row minus its logsumexp.
    Never NaN, never a warning.

    Parameters
    ----------
    joint_log_likelihood : ndarray of shape (n_samples, n_classes)
        ln p_j + ln f_j(x); -inf allowed, +inf and NaN not.
    priors : ndarray of shape (n_classes,)
        The priors p_j, used where a row is all -inf.

    Returns
    -------
    log_proba : ndarray of shape (n_samples, n_classes), dtype of the input

    Examples
    --------
    >>> import numpy as np
    >>> jll = np.array([[np.log(0.5 * 0.2), np.log(0.5 * 0.6)], [-np.inf, -np.inf]])
    >>> np.exp(log_posteriors(jll, np.array([0.5, 0.5])))
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    jll = np.asarray(joint_log_likelihood)
    empty = ~np.any(jll > -np.inf, axis=1)
    if np.any(empty):
        jll = jll.copy()
        jll[empty] = log_or_minus_inf(priors).astype(jll.dtype)
    return jll - logsumexp(jll, axis=1, keepdims=True)


def shift_priors(proba, train_priors, priors):
    """Re-weight posteriors for new class priors: p'(j|x) ∝ p(j|x) π'_j / π̂_j.

    A model fitted where the classes had frequencies π̂ estimates
    p(j|x) ∝ π̂_j f_j(x); where the classes have priors π' instead, Bayes'
    rule gives π'_j f_j(x) normalised. Computed in log space; classes with
    π̂_j = 0 get posterior 0, and a row whose re-weighted mass is zero
    everywhere gets the new priors (as :func:`log_posteriors`).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Posteriors under the training priors.
    train_priors : ndarray of shape (n_classes,)
        π̂, the class frequencies of the training data.
    priors : ndarray of shape (n_classes,)
        π', the class priors where the model is used.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), dtype of ``proba``

    Examples
    --------
    >>> import numpy as np
    >>> shift_priors(np.array([[0.5, 0.5]]), np.array([0.5, 0.5]), np.array([0.2, 0.8]))
    array([[0.2, 0.8]])
    """
    proba = np.asarray(proba)
    seen = train_priors > 0
    log_ratio = np.full(len(priors), -np.inf)
    log_ratio[seen] = log_or_minus_inf(priors[seen]) - np.log(train_priors[seen])
    jll = log_or_minus_inf(proba) + log_ratio.astype(proba.dtype)
    return np.exp(log_posteriors(jll, priors))


# Risks this many units in the last place (of the row's largest risk) apart
# are equal: the rounding of logs and exps must not split a tie of the math.
TIE_ULPS = 16


def conditional_risk(proba, cost):
    """R[n, i] = sum_j C[i, j] P(j | x_n), i.e. ``proba @ cost.T``, ties made exact.

    Risks that differ from the row's minimum by no more than rounding
    (``TIE_ULPS`` units in the last place of the row's largest risk) are set
    to that minimum, so that decisions which tie in exact arithmetic (as on
    two uniform discs whose overlap is a tie) tie here too, and the first class wins
    everywhere: in ``predict`` and in ``decision_function``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Posteriors.
    cost : ndarray of shape (n_classes, n_classes)
        The validated cost matrix.

    Returns
    -------
    risk : ndarray of shape (n_samples, n_classes), dtype of ``proba``

    Examples
    --------
    >>> import numpy as np
    >>> conditional_risk(np.array([[0.3, 0.7]]), np.array([[0.0, 5.0], [1.0, 0.0]]))
    array([[3.5, 0.3]])
    >>> risk = conditional_risk(np.array([[0.5 + 1e-16, 0.5 - 1e-16]]), 1 - np.eye(2))
    >>> bool(risk[0, 0] == risk[0, 1])
    True
    """
    risk = proba @ cost.T.astype(proba.dtype, copy=False)
    if risk.size:
        lowest = risk.min(axis=1, keepdims=True)
        slack = TIE_ULPS * np.finfo(risk.dtype).eps * np.abs(risk).max(axis=1, keepdims=True)
        risk = np.where(risk <= lowest + slack, lowest, risk)
    return risk


def minimum_risk_index(risk):
    """Index of the decision of least risk in each row.

    Ties go to the first class (np.argmin): where several decisions have the
    same, minimal, risk every choice is Bayes-optimal, and the first one in
    ``classes_`` is taken.

    Parameters
    ----------
    risk : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    index : ndarray of shape (n_samples,), dtype intp

    Examples
    --------
    >>> import numpy as np
    >>> minimum_risk_index(np.array([[0.5, 0.5], [0.7, 0.3]]))
    array([0, 1])
    """
    return np.argmin(risk, axis=1)


def binary_decision(risk):
    """R(0 | x) - R(1 | x): positive exactly where classes_[1] is decided
    (a tie, 0, goes to classes_[0] as in :func:`minimum_risk_index`)."""
    return risk[:, 0] - risk[:, 1]


class PosteriorMixin:
    """predict_log_proba and predict_proba from ``predict_joint_log_proba`` and
    ``class_prior_``: Bayes' rule for the classifiers built on class densities."""

    def predict_log_proba(self, X):
        """Log-posteriors ln P(j | x): the joint log-likelihoods minus their logsumexp.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-posteriors in the dtype of X: -inf for a class that cannot be
            decided (zero prior, or no samples yet), the log-priors where no
            class has density.
        """
        return log_posteriors(self.predict_joint_log_proba(X), self.class_prior_)

    def predict_proba(self, X):
        """Posteriors P(j | x); the priors where no class has density.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows summing to 1, never NaN.
        """
        return np.exp(self.predict_log_proba(X))


class MinimumRiskMixin:
    """predict_risk, decision_function and predict from ``predict_proba`` and
    ``cost_matrix_``: the minimum-risk rule, for the classifiers that use it."""

    def predict_risk(self, X):
        """Conditional risks R(i | x) = sum_j C[i, j] P(j | x).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        risk : ndarray of shape (n_samples, n_classes)
            Expected cost of each decision: ``predict_proba(X) @ cost_matrix_.T``.
        """
        check_is_fitted(self)
        return conditional_risk(self.predict_proba(X), self.cost_matrix_)

    def decision_function(self, X):
        """Binary: R(0 | x) - R(1 | x); multiclass: minus the risks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: positive exactly where ``classes_[1]`` is decided (finite
            also where a density or posterior is 0). Multiclass: -R(i | x),
            largest for the decision.
        """
        risk = self.predict_risk(X)
        return binary_decision(risk) if risk.shape[1] == 2 else -risk

    def predict(self, X):
        """The decision of least conditional risk (the first class on ties).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[minimum_risk_index(self.predict_risk(X))]
