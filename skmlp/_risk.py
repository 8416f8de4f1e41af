"""Minimum-risk decisions: costs, priors, posteriors, risks and their argmin.

The one place where the Bayes decision rule lives, for every classifier
that makes Bayes decisions (GaussianBayesClassifier, DensityBayesClassifier,
MinimumRiskClassifier). Given posteriors P(j | x) and a cost matrix C with
C[i, j] the cost of deciding class i when the truth is class j, the risk of
deciding i at x is R(i | x) = sum_j C[i, j] P(j | x), and the Bayes decision
is argmin_i R(i | x). The reject option adds one more decision, doubt, with
costs r_j and risk R(D | x) = sum_j r_j P(j | x), taken only where it is
strictly cheaper than every class (``decision_cost_matrix``). Nothing here
knows an estimator: the functions take and return arrays, of numpy or, under
scikit-learn's array API dispatch, of the input's namespace and device.
"""

from numbers import Real

import numpy as np
from scipy.special import logsumexp
from sklearn.utils import get_tags
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    _logsumexp,
    check_same_namespace,
    get_namespace_and_device,
    move_to,
)
from sklearn.utils.validation import check_is_fitted

# ---------------------------------------------------------------------------
# Array namespaces (scikit-learn's array API support): the functions below
# that take posteriors or risks compute in the namespace and on the device of
# their input (numpy, or with sklearn.set_config(array_api_dispatch=True) any
# array API library); costs and priors are small numpy arrays, moved there.
# ---------------------------------------------------------------------------


def to_numpy(array):
    """``array`` as a numpy array on the host (an array API array is moved there)."""
    xp, _, _ = get_namespace_and_device(array)
    if _is_numpy_namespace(xp):
        return np.asarray(array)
    return move_to(array, xp=np, device="cpu")


def on_host(*arrays):
    """The arrays of an array API namespace other than numpy moved to numpy on
    the host; anything else (numpy, lists, DataFrames, sparse, None) as it is."""
    moved = []
    for array in arrays:
        if array is not None and hasattr(array, "__array_namespace__"):
            xp, _, _ = get_namespace_and_device(array)
            if not _is_numpy_namespace(xp):
                array = move_to(array, xp=np, device="cpu")
        moved.append(array)
    return moved


def move_fitted_arrays(estimator, xp, device):
    """Move the fitted numeric numpy arrays of ``estimator`` to ``xp`` on ``device``.

    scikit-learn's convention under array API dispatch: fitted arrays live
    where the training data did (string ``classes_`` stay numpy, which array
    API libraries cannot hold). Nothing is moved for numpy (or list) data.
    """
    if _is_numpy_namespace(xp):
        return
    for name, value in list(vars(estimator).items()):
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            setattr(estimator, name, xp.asarray(value, device=device))


def check_input_namespace(estimator, X, method):
    """scikit-learn's ``check_same_namespace`` of X and the fitted arrays, for
    the estimators that keep them where the training data were (those tagged
    ``array_api_support``); nothing for the others, which take any input."""
    if get_tags(estimator).array_api_support:
        check_same_namespace(X, estimator, attribute="class_count_", method=method)


def as_namespace_of(values, like):
    """The numpy ``values`` as an array of the namespace, device and dtype of ``like``."""
    xp, _, device = get_namespace_and_device(like)
    return xp.asarray(np.asarray(values), dtype=like.dtype, device=device)


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


def check_reject_cost(reject_cost, n_classes):
    """The costs r_j of doubt as float64 (K,), or None (never doubt).

    r_j is the cost of withholding a decision when the truth is class j: a
    non-negative finite number per class, or one number for all classes.

    Examples
    --------
    >>> check_reject_cost(0.2, 3)
    array([0.2, 0.2, 0.2])
    >>> check_reject_cost([0.1, -1.0], 2)
    Traceback (most recent call last):
    ...
    ValueError: reject_cost must be finite and non-negative (the cost of a doubt ...
    """
    if reject_cost is None:
        return None
    cost = real_array(reject_cost, "reject_cost")
    if cost.ndim == 0:
        cost = np.full(n_classes, float(cost))
    if cost.shape != (n_classes,):
        raise ValueError(
            f"reject_cost must be one number, or one per class: expected shape "
            f"({n_classes},), got {cost.shape}"
        )
    if not np.all(np.isfinite(cost)) or np.any(cost < 0):
        raise ValueError("reject_cost must be finite and non-negative (the cost of a doubt "
                         f"when the truth is each class); got {cost}")
    return cost


def check_reject_label(reject_label, classes):
    """A ValueError unless ``reject_label`` can stand for a doubt beside ``classes``.

    It must not be a class (a doubt would read as that decision), and it
    must be of the labels' kind: a string for string labels, a number for
    numbers (the predictions are one array).

    Examples
    --------
    >>> import numpy as np
    >>> check_reject_label(-1, np.array([0, 1]))
    >>> check_reject_label(1, np.array([0, 1]))
    Traceback (most recent call last):
    ...
    ValueError: reject_label=1 is one of the classes [0, 1]; ...
    """
    classes = np.asarray(classes)
    strings = classes.dtype.kind in "USO" and all(isinstance(c, str) for c in classes)
    numbers = classes.dtype.kind in "biuf"
    if (strings and not isinstance(reject_label, str)) or (
            numbers and not isinstance(reject_label, Real)):
        kind = "a string" if strings else "a number"
        raise ValueError(f"reject_label={reject_label!r} must be {kind}, as the class "
                         f"labels are {classes.tolist()}: predict returns one array of "
                         "labels")
    if reject_label in classes.tolist():
        raise ValueError(
            f"reject_label={reject_label!r} is one of the classes {classes.tolist()}; a "
            "doubt would read as that decision: choose a label that is not a class"
        )


def check_decision_costs(cost_matrix, reject_cost, reject_label, classes):
    """The validated (cost_matrix, reject_cost) of a minimum-risk classifier.

    One validation for every classifier with a reject option: the costs of
    :func:`check_cost_matrix`, the doubt costs of :func:`check_reject_cost`
    and, when doubt is possible, the label of :func:`check_reject_label`.

    Returns
    -------
    cost : ndarray of shape (n_classes, n_classes)
    reject_cost : ndarray of shape (n_classes,) or None
    """
    n_classes = len(classes)
    cost = check_cost_matrix(cost_matrix, n_classes)
    reject = check_reject_cost(reject_cost, n_classes)
    if reject is not None:
        check_reject_label(reject_label, classes)
    return cost, reject


def decision_cost_matrix(cost, reject_cost):
    """The costs of every decision: C (K, K), with the doubt row r (K,) below it.

    Doubt is one more decision, of cost r_j when the truth is j, so its
    conditional risk is sum_j r_j P(j | x): the last column of
    :func:`conditional_risk` with this matrix, and, as the last one, it wins
    only where it is strictly cheaper than every class (ties go first).

    Examples
    --------
    >>> import numpy as np
    >>> decision_cost_matrix(1 - np.eye(2), np.array([0.2, 0.2]))
    array([[0. , 1. ],
           [1. , 0. ],
           [0.2, 0.2]])
    """
    cost = to_numpy(cost)
    return cost if reject_cost is None else np.vstack([cost, to_numpy(reject_cost)])


def decision_labels(classes, reject_cost, reject_label):
    """What each decision index means: ``classes``, then ``reject_label`` when
    doubt is possible (index K), as one array.

    Examples
    --------
    >>> import numpy as np
    >>> decision_labels(np.array(["a", "b"]), np.array([0.1, 0.1]), "doubt")
    array(['a', 'b', 'doubt'], dtype='<U5')
    """
    classes = to_numpy(classes)
    if reject_cost is None:
        return classes
    return np.append(classes, np.asarray([reject_label], dtype=classes.dtype
                                         if classes.dtype.kind == "O" else None))


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
    xp, _, _ = get_namespace_and_device(proba)
    proba = np.asarray(proba) if _is_numpy_namespace(xp) else proba
    if xp.isdtype(proba.dtype, ("bool", "integral")):
        proba = xp.astype(proba, xp.float64)
    if proba.ndim != 2 or proba.shape[1] != n_classes:
        problem = (f"an array of shape {tuple(proba.shape)}, not (n_samples, {n_classes}) "
                   "(one column per class)")
    elif not xp.isdtype(proba.dtype, "real floating") or not xp.all(xp.isfinite(proba)):
        problem = "values that are not finite numbers (NaN, inf or not numbers)"
    elif xp.any(proba < 0):
        problem = f"negative values (down to {float(xp.min(proba)):.3g})"
    else:
        sums = xp.sum(proba, axis=1)
        if not xp.all(xp.abs(sums - 1) <= xp.finfo(proba.dtype).eps ** 0.5):
            problem = (f"rows that do not sum to 1 (sums from {float(xp.min(sums)):.3g} "
                       f"to {float(xp.max(sums)):.3g})")
        else:
            return proba
    raise ValueError(f"{source} returned {problem}; minimum-risk decisions need posteriors: "
                     "finite, non-negative, one column per class, each row summing to 1")


def log_or_minus_inf(values):
    """ln of non-negative values, ln 0 = -inf without a warning (any namespace)."""
    xp, _, _ = get_namespace_and_device(values)
    with np.errstate(divide="ignore"):
        return xp.log(values) if not _is_numpy_namespace(xp) else np.log(values)


def _logsumexp_rows(jll):
    """logsumexp of each row, kept as a column: scipy's for numpy, scikit-learn's
    array API one for other namespaces."""
    xp, _, _ = get_namespace_and_device(jll)
    if _is_numpy_namespace(xp):
        return logsumexp(jll, axis=1, keepdims=True)
    return xp.expand_dims(_logsumexp(jll, axis=1, xp=xp), axis=1)


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
    xp, _, _ = get_namespace_and_device(joint_log_likelihood)
    jll = joint_log_likelihood
    if _is_numpy_namespace(xp):
        jll = np.asarray(jll)
    empty = ~xp.any(jll > -xp.inf, axis=1)
    if xp.any(empty):
        log_priors = as_namespace_of(log_or_minus_inf(to_numpy(priors)), jll)
        jll = xp.where(empty[:, None], log_priors[None, :], jll)
    return jll - _logsumexp_rows(jll)


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
    xp, _, _ = get_namespace_and_device(proba)
    if _is_numpy_namespace(xp):
        proba = np.asarray(proba)
    seen = train_priors > 0
    log_ratio = np.full(len(priors), -np.inf)
    log_ratio[seen] = log_or_minus_inf(priors[seen]) - np.log(train_priors[seen])
    jll = log_or_minus_inf(proba) + as_namespace_of(log_ratio, proba)
    return xp.exp(log_posteriors(jll, priors))


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
    xp, _, _ = get_namespace_and_device(proba)
    risk = proba @ as_namespace_of(np.asarray(cost).T, proba)
    if risk.shape[0]:
        lowest = xp.min(risk, axis=1, keepdims=True)
        slack = (TIE_ULPS * xp.finfo(risk.dtype).eps) * xp.max(xp.abs(risk), axis=1,
                                                               keepdims=True)
        risk = xp.where(risk <= lowest + slack, lowest, risk)
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
    xp, _, _ = get_namespace_and_device(risk)
    return xp.argmin(risk, axis=1)


def labels_at(labels, index):
    """``labels[index]`` in the namespace and on the device of ``index``.

    Numeric labels move to ``index``'s namespace; strings, which array API
    libraries do not hold, stay a numpy array (as in scikit-learn's GaussianNB).
    """
    xp, _, device = get_namespace_and_device(index)
    if _is_numpy_namespace(xp):
        return labels[np.asarray(index)]
    if labels.dtype.kind in "biuf":
        return xp.take(xp.asarray(labels, device=device), index, axis=0)
    return labels[to_numpy(index)]


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
        check_input_namespace(self, X, "predict_log_proba")
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
        check_input_namespace(self, X, "predict_proba")
        log_proba = self.predict_log_proba(X)
        xp, _, _ = get_namespace_and_device(log_proba)
        return xp.exp(log_proba)


class MinimumRiskMixin:
    """predict_risk, decision_function and predict from ``predict_proba``,
    ``cost_matrix_`` and ``reject_cost_``: the minimum-risk rule with its
    reject option, for the classifiers that use it."""

    def predict_risk(self, X):
        """Conditional risks R(i | x) = sum_j C[i, j] P(j | x), and of doubt.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        risk : ndarray of shape (n_samples, n_classes) or (n_samples, n_classes + 1)
            Expected cost of each decision: ``predict_proba(X) @ cost_matrix_.T``;
            with ``reject_cost`` set, a last column with the risk of doubt,
            ``predict_proba(X) @ reject_cost_``.
        """
        check_is_fitted(self)
        check_input_namespace(self, X, "predict_risk")
        return conditional_risk(self.predict_proba(X), self._decision_costs())

    def _decision_costs(self):
        return decision_cost_matrix(self.cost_matrix_, getattr(self, "reject_cost_", None))

    def _decision_labels(self):
        return decision_labels(self.classes_, getattr(self, "reject_cost_", None),
                               getattr(self, "reject_label_", None))

    def decision_function(self, X):
        """Binary: R(0 | x) - R(1 | x); multiclass: minus the risks of the classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: positive exactly where ``classes_[1]`` is preferred to
            ``classes_[0]`` (finite also where a density or posterior is
            0). Multiclass: -R(i | x), largest for the class preferred.
            With ``reject_cost`` the scores still compare the classes only
            (one per class, as scikit-learn's scorers expect); ``predict``
            doubts where the risk of doubt (the last column of
            ``predict_risk``) is below them all.
        """
        check_input_namespace(self, X, "decision_function")
        risk = self.predict_risk(X)[:, :self.classes_.shape[0]]
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
            A class label, or ``reject_label`` where doubting is strictly
            cheaper than every decision (only with ``reject_cost`` set).
        """
        check_is_fitted(self)
        check_input_namespace(self, X, "predict")
        return labels_at(self._decision_labels(), minimum_risk_index(self.predict_risk(X)))
