"""DensityBayesClassifier: minimum-risk Bayes decisions from any class densities.

The Bayes rule needs only p_j f(x | C_j): the densities may be learned
(any estimator with fit / score_samples, one clone per class) or known (one
object with logpdf per class, scipy.stats frozen style). Densities may be zero:
everything is done with log-densities, -inf included, so that the posteriors
are exact where one class has no mass and equal to the priors where none has.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.neighbors import KernelDensity
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from ._callbacks import CallbackSupportMixin, FitTasks
from ._risk import (
    MinimumRiskMixin,
    PosteriorMixin,
    check_decision_costs,
    class_priors,
    log_or_minus_inf,
    on_host,
)
from ._utils import all_or_nothing, check_class_labels


def _check_known_densities(density, n_classes, X):
    """The list of known densities: one per class, each with a callable logpdf
    that gives one real log-density per row of X's first rows (so that a
    density of another dimension fails at fit, not at predict)."""
    if len(density) != n_classes:
        raise ValueError(
            f"density must be an estimator or a list of one density per class: got "
            f"{len(density)} densities for {n_classes} classes"
        )
    for k, dist in enumerate(density):
        if not callable(getattr(dist, "logpdf", None)):
            raise ValueError(
                f"density[{k}] ({type(dist).__name__}) has no logpdf method; known "
                "densities need logpdf(X) (e.g. a frozen scipy.stats distribution)"
            )
        rows = X[:2]
        try:
            values = np.asarray(dist.logpdf(rows))
        except ValueError as error:  # scipy's "operands could not be broadcast"
            values = error
        if isinstance(values, ValueError) or values.size != len(rows):
            found = values if isinstance(values, ValueError) else \
                f"{values.size} log-densities for {len(rows)} rows"
            raise ValueError(
                f"density[{k}] is not a density on the rows of X, which have "
                f"{X.shape[1]} features ({found}); give densities of X's dimension"
            )
        _real_log_densities(values, k, len(rows))
    return list(density)


def _rule_of_thumb(density, weights, n_features, label):
    """A clone of density whose 'scott' / 'silverman' bandwidth counts the
    weight sum as the number of samples (KernelDensity counts rows), so that
    an integer weight is the same as repeating the sample (scikit-learn's
    meaning of sample_weight).

    Less than one sample's worth of weight (weights of 1e-300, or weights
    that sum to 1 over all classes) is a ValueError: the rule of thumb would
    give a bandwidth far beyond the data (5e59 at 1e-300).
    """
    rule = density.get_params().get("bandwidth")
    if not isinstance(rule, str) or rule not in ("scott", "silverman"):
        return density
    n = weights.sum()
    if n < 1:
        raise ValueError(
            f"the sample weights of class {label.tolist()!r} sum to {n:.3g}, less than one "
            f"sample: the {rule!r} bandwidth counts weights as samples (an integer "
            "weight is the sample repeated); scale the weights up, or give the "
            "density a numeric bandwidth"
        )
    if rule == "scott":
        factor = n ** (-1 / (n_features + 4))
    else:  # silverman
        factor = (n * (n_features + 2) / 4) ** (-1 / (n_features + 4))
    return density.set_params(bandwidth=factor)


def _fit_density(density, X, weights, label):
    """Fit a clone of density to the rows X of class ``label`` with their weights.

    Rows of weight 0 are dropped; equal weights are not passed (they do not
    change a density estimate, only a rule-of-thumb bandwidth); other weights
    need a fit that accepts them.
    """
    keep = weights > 0
    X, weights = X[keep], weights[keep]
    density = clone(density)
    if np.any(weights != 1):
        density = _rule_of_thumb(density, weights, X.shape[1], label)
    if np.all(weights == weights[0]):
        return density.fit(X)
    if not has_fit_parameter(density, "sample_weight"):
        raise ValueError(
            f"the density {type(density).__name__} does not accept sample_weight; "
            "use a density whose fit does (KernelDensity) or equal weights"
        )
    return density.fit(X, sample_weight=weights)


def _log_density(density, X, k):
    """ln f_k(x) for every row, shape (n_samples,): score_samples or logpdf."""
    if callable(getattr(density, "logpdf", None)):  # a known density
        values = density.logpdf(X)
    else:  # a fitted density estimator
        values = density.score_samples(X)
    return _real_log_densities(values, k, len(X))


def _real_log_densities(values, k, n_samples):
    """``values`` as float64 (n_samples,), or a ValueError: complex, another
    count, NaN or +inf log-densities would make every decision wrong."""
    values = np.asarray(values)
    if values.dtype.kind not in "biuf":  # complex: a cast would drop the imaginary part
        raise ValueError(f"density[{k}] returned log-densities of dtype {values.dtype}; "
                         "a log-density must be real (float)")
    values = values.astype(np.float64, copy=False).reshape(-1)
    if values.shape != (n_samples,):
        raise ValueError(f"density[{k}] returned {values.size} log-densities for "
                         f"{n_samples} samples")
    if np.any(np.isnan(values) | (values == np.inf)):
        raise ValueError(f"density[{k}] returned NaN or +inf log-densities")
    return values


class DensityBayesClassifier(CallbackSupportMixin, PosteriorMixin, MinimumRiskMixin,
                             ClassifierMixin, BaseEstimator):
    """Minimum-risk Bayes classifier with any class-conditional densities.

    Each class j has a prior p_j and a density f(x | C_j), learned from its
    samples or given. A sample is given the decision i of least conditional
    risk R(i | x) = sum_j C[i, j] P(j | x), with posteriors
    P(j | x) = p_j f(x | C_j) / sum_l p_l f(x | C_l) computed in log space.

    Parameters
    ----------
    density : estimator or list of densities, default=None
        An unfitted density estimator with ``fit(X)`` and ``score_samples(X)``
        (the log-density: KernelDensity, GaussianMixture, ...), cloned and
        fitted to the samples of each class; None is
        ``KernelDensity(bandwidth="scott")``. Or a list of known densities,
        one per class in the sorted order of the labels (``classes_``), each
        with ``logpdf(X)`` returning ln f(x) per row (a frozen
        ``scipy.stats`` distribution, :class:`skmlp.datasets.UniformDisc`),
        used as given: ``fit`` then only learns the classes and priors.
    priors : array-like of shape (n_classes,), default=None
        Prior probabilities p_j of the classes, non-negative and summing to
        1. None uses the class frequencies (sums of the sample weights).
    cost_matrix : array-like of shape (n_classes, n_classes), default=None
        C[i, j] = cost of deciding ``classes_[i]`` when the truth is
        ``classes_[j]``; every wrong decision must cost more than the right
        one. None is the 0-1 cost.
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
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_count_ : ndarray of shape (n_classes,)
        Sum of the sample weights of each class.
    class_prior_ : ndarray of shape (n_classes,)
        The priors used.
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The cost matrix used.
    reject_cost_ : ndarray of shape (n_classes,) or None
        The validated doubt costs r_j (None: no reject option).
    reject_label_ : object
        The label of a doubt in ``predict``.
    densities_ : list of length n_classes
        The fitted clones of ``density``, or the known densities.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X was a DataFrame with string column names.

    See Also
    --------
    GaussianBayesClassifier : the same decisions with Gaussian densities.
    MinimumRiskClassifier : the same decisions from any classifier's posteriors.

    Notes
    -----
    Where every p_j f(x | C_j) is 0 (x outside the support of all classes)
    Bayes' rule has nothing but the priors, and the posterior is the priors.
    Ties of the risk go to the first class of ``classes_``. With sample
    weights, KernelDensity's 'scott' and 'silverman' bandwidths count the
    weight sum as the number of samples (an integer weight is the sample
    repeated); less than one sample's worth of weight in a class is a
    ValueError there.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> from skmlp import DensityBayesClassifier
    >>> X = np.array([[-1.0], [0.0], [1.0], [3.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = DensityBayesClassifier([norm(0, 1), norm(2, 1)]).fit(X, y)
    >>> clf.predict([[0.9], [1.1]])
    array([0, 1])
    >>> clf.predict_proba([[1.0]])
    array([[0.5, 0.5]])
    """

    _parameter_constraints = {
        "density": [HasMethods(["fit", "score_samples"]), list, tuple, None],
        "priors": ["array-like", None],
        "cost_matrix": ["array-like", None],
        "reject_cost": ["array-like", Real, None],
        "reject_label": "no_validation",  # any value that is not a class (checked in fit)
    }

    def __init__(self, density=None, *, priors=None, cost_matrix=None, reject_cost=None,
                 reject_label=-1):
        self.density = density
        self.priors = priors
        self.cost_matrix = cost_matrix
        self.reject_cost = reject_cost
        self.reject_label = reject_label

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "densities_")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn the classes, priors and (unless known) the class densities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels; at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights: they set the class frequencies and are
            passed to the density estimator's fit.

        Returns
        -------
        self : DensityBayesClassifier
            The fitted estimator.
        """
        X, y, sample_weight = on_host(X, y, sample_weight)  # numpy densities
        tasks = FitTasks(self, X, y, sample_weight, max_epochs=0)  # one pass: no epochs
        with all_or_nothing(self):
            X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
            check_class_labels(y)
            classes, y_index = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError("DensityBayesClassifier needs samples of at least 2 "
                                 f"classes; got {len(classes)} class")
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True)
            counts = np.bincount(y_index, weights=sample_weight, minlength=len(classes))
            self._set_priors_and_costs(counts, classes)
            self.densities_ = self._densities(X, y_index, sample_weight, classes, counts)
            self.classes_ = classes
            self.class_count_ = counts
            tasks.end()  # a callback failing here fails the fit: all or nothing
        return self

    def _set_priors_and_costs(self, counts, classes):
        self.cost_matrix_, self.reject_cost_ = check_decision_costs(
            self.cost_matrix, self.reject_cost, self.reject_label, classes)
        self.reject_label_ = self.reject_label
        self.class_prior_ = class_priors(self.priors, counts)

    def _densities(self, X, y_index, sample_weight, classes, counts):
        if isinstance(self.density, (list, tuple)):
            return _check_known_densities(self.density, len(classes), X)
        empty = classes[counts <= 0]
        if empty.size:
            raise ValueError(f"class(es) {empty.tolist()} have zero total sample weight: "
                             "their densities cannot be estimated")
        density = KernelDensity(bandwidth="scott") if self.density is None else self.density
        return [_fit_density(density, X[y_index == k], sample_weight[y_index == k], label)
                for k, label in enumerate(classes)]

    def _validated(self, X):
        check_is_fitted(self)
        X, = on_host(X)  # the densities are numpy estimators: numpy results
        return validate_data(self, X, reset=False, dtype=[np.float64, np.float32])

    def predict_joint_log_proba(self, X):
        """ln(p_j f(x | C_j)); -inf where the density or the prior is 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        jll : ndarray of shape (n_samples, n_classes)
            Joint log-likelihoods, in the dtype of X.
        """
        X = self._validated(X)
        log_density = np.column_stack([_log_density(dist, X, k)
                                       for k, dist in enumerate(self.densities_)])
        return (log_density + log_or_minus_inf(self.class_prior_)).astype(X.dtype, copy=False)
