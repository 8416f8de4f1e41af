"""Synthetic problems: Gaussian classes, uniform discs, logic gates."""

import numbers

import numpy as np
from sklearn.utils import check_random_state, shuffle


def _check_class_params(n_samples, centers, sigmas, centers_name):
    """Validate per-class sizes, centers and sigmas; return them as arrays."""
    n_samples = np.asarray(n_samples)
    if (n_samples.ndim != 1 or len(n_samples) == 0
            or not all(isinstance(n, numbers.Integral) and n >= 0 for n in n_samples.tolist())):
        raise ValueError(
            "n_samples must be a sequence of non-negative integers, one per class; "
            f"got {n_samples!r}"
        )
    centers = np.asarray(centers, dtype=np.float64)
    sigmas = np.asarray(sigmas, dtype=np.float64)
    n_classes = len(n_samples)
    if centers.ndim != 2 or len(centers) != n_classes:
        raise ValueError(
            f"{centers_name} must have shape (n_classes, n_features) = ({n_classes}, d) "
            f"to match n_samples; got shape {centers.shape}"
        )
    if sigmas.shape != (n_classes,):
        raise ValueError(f"sigmas must have shape ({n_classes},); got shape {sigmas.shape}")
    if not (np.all(np.isfinite(centers)) and np.all(np.isfinite(sigmas)) and np.all(sigmas > 0)):
        raise ValueError(f"{centers_name} must be finite and sigmas finite and > 0")
    return n_samples, centers, sigmas


def _stack_classes(parts, random_state):
    """Stack per-class samples with labels 1, 2, ... and shuffle the rows."""
    X = np.concatenate(parts)
    y = np.repeat(np.arange(1, len(parts) + 1), [len(part) for part in parts])
    return shuffle(X, y, random_state=random_state)


def make_gaussian_classes(n_samples=(500, 500), *, means=((1.0, 2.0), (0.0, 0.0)),
                          sigmas=(1.0, 1.0), random_state=None):
    """Draw isotropic Gaussian classes: a classic two-class problem.

    Class k (label k, counting from 1) has ``n_samples[k-1]`` points drawn
    from N(means[k-1], sigmas[k-1]^2 I). The user guide's settings are means
    (1, 2) and (0, 0); sigmas (1, 1) or (1, sqrt(2)); sizes (500, 500) or
    (700, 1400) (priors 1/3 and 2/3).

    Parameters
    ----------
    n_samples : sequence of int, default=(500, 500)
        Number of points of each class.
    means : array-like of shape (n_classes, n_features), default=((1, 2), (0, 0))
        Class means.
    sigmas : array-like of shape (n_classes,), default=(1.0, 1.0)
        Standard deviation of every coordinate in each class (> 0).
    random_state : int, RandomState instance or None, default=None
        Seed or generator, for reproducible draws.

    Returns
    -------
    X : ndarray of shape (sum(n_samples), n_features), dtype float64
        The points, rows in random order.
    y : ndarray of shape (sum(n_samples),), dtype int
        Class labels 1, 2, ... (the classes C1, C2).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.datasets import make_gaussian_classes
    >>> X, y = make_gaussian_classes((700, 1400), sigmas=(1, np.sqrt(2)), random_state=0)
    >>> X.shape, np.bincount(y)
    ((2100, 2), array([   0,  700, 1400]))
    """
    n_samples, means, sigmas = _check_class_params(n_samples, means, sigmas, "means")
    rng = check_random_state(random_state)
    parts = [rng.normal(mean, sigma, size=(n, len(mean)))
             for n, mean, sigma in zip(n_samples, means, sigmas)]
    return _stack_classes(parts, rng)


def make_uniform_discs(n_samples=(500, 500), *, centers=((1.0, 2.0), (0.0, 0.0)),
                       sigmas=(1.0, 1.0), random_state=None):
    """Draw points uniformly on discs (radius sqrt(2) * sigma).

    Class k is uniform on the disc around ``centers[k-1]`` with radius^2 =
    2 sigmas[k-1]^2, i.e. density K_k = 1 / (2 pi sigma_k^2) inside it. A
    uniform point has radius r = R sqrt(U) with U ~ U(0, 1) (the area within
    radius r grows as r^2) and an angle uniform on [0, 2 pi).

    Parameters
    ----------
    n_samples : sequence of int, default=(500, 500)
        Number of points of each class.
    centers : array-like of shape (n_classes, 2), default=((1, 2), (0, 0))
        Disc centres.
    sigmas : array-like of shape (n_classes,), default=(1.0, 1.0)
        Disc k has radius sqrt(2) * sigmas[k] (> 0).
    random_state : int, RandomState instance or None, default=None
        Seed or generator, for reproducible draws.

    Returns
    -------
    X : ndarray of shape (sum(n_samples), 2), dtype float64
        The points, rows in random order.
    y : ndarray of shape (sum(n_samples),), dtype int
        Class labels 1, 2, ...

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.datasets import make_uniform_discs
    >>> X, y = make_uniform_discs((500, 500), sigmas=(1, np.sqrt(2)), random_state=0)
    >>> radius2 = np.sum(X[y == 2] ** 2, axis=1)
    >>> bool(radius2.max() < 4)
    True
    """
    n_samples, centers, sigmas = _check_class_params(n_samples, centers, sigmas, "centers")
    if centers.shape[1] != 2:
        raise ValueError(f"centers must be 2-D points (discs); got {centers.shape[1]} coordinates")
    rng = check_random_state(random_state)
    parts = [UniformDisc(center, sigma).rvs(n, random_state=rng)
             for n, center, sigma in zip(n_samples, centers, sigmas)]
    return _stack_classes(parts, rng)


class UniformDisc:
    """The uniform density on an open disc, frozen scipy.stats style.

    Density K = 1 / (2 pi sigma^2) where (x - center)^2 < 2 sigma^2 (radius
    sqrt(2) sigma, area 2 pi sigma^2) and 0 elsewhere, the boundary circle
    included. A known class density for
    :class:`skmlp.DensityBayesClassifier`.

    Parameters
    ----------
    center : array-like of shape (2,)
        Centre of the disc.
    sigma : float
        The disc's sigma (> 0): the radius is sqrt(2) * sigma.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.datasets import UniformDisc
    >>> disc = UniformDisc((0, 0), np.sqrt(2))  # radius 2, density 1 / (4 pi)
    >>> bool(np.isclose(disc.pdf([[0.0, 0.0]])[0], 1 / (4 * np.pi)))
    True
    >>> disc.logpdf([[3.0, 0.0]])
    array([-inf])
    """

    def __init__(self, center, sigma):
        self.center = np.asarray(center, dtype=np.float64)
        self.sigma = float(sigma)
        if self.center.shape != (2,) or not np.all(np.isfinite(self.center)):
            raise ValueError(f"center must be a finite 2-D point; got {center!r}")
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise ValueError(f"sigma must be finite and > 0; got {sigma!r}")
        with np.errstate(over="ignore", under="ignore"):  # informative: may be inf or 0
            self.radius2 = float(2.0 * np.float64(self.sigma) ** 2)

    def logpdf(self, X):
        """ln K inside the disc, -inf outside (no warning), per row of X (n, 2).

        ``ln K = -ln(2 pi) - 2 ln sigma`` and the test (distance to the
        centre) < sqrt(2) sigma hold for every finite sigma > 0 (sigma**2
        would underflow at 1e-200 and overflow at 1e200).
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"X must be points of the plane, shape (n_samples, 2); got "
                             f"shape {X.shape}")
        offset = X - self.center
        inside = np.hypot(offset[:, 0], offset[:, 1]) < np.sqrt(2.0) * self.sigma
        log_density = -np.log(2.0 * np.pi) - 2.0 * np.log(self.sigma)
        return np.where(inside, log_density, -np.inf)

    def pdf(self, X):
        """K inside the disc, 0 outside, per row of X (n, 2)."""
        return np.exp(self.logpdf(X))

    def rvs(self, size=1, random_state=None):
        """`size` uniform points on the disc, shape (size, 2).

        The radius is R sqrt(U) with U ~ U(0, 1) (the area within radius r
        grows as r^2) and the angle is uniform on [0, 2 pi).
        """
        rng = check_random_state(random_state)
        radius = np.sqrt(2.0) * self.sigma * np.sqrt(rng.uniform(size=size))
        angle = rng.uniform(0.0, 2.0 * np.pi, size=size)
        return self.center + radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])

    def __repr__(self):
        return f"UniformDisc(center={self.center.tolist()}, sigma={self.sigma:.6g})"


_GATES = {
    "and": np.logical_and,
    "or": np.logical_or,
    "xor": np.logical_xor,
}


def make_logic_gate(name):
    """Return the truth table of a two-input logic gate.

    AND and OR are linearly separable (a single perceptron learns them);
    XOR is not, and needs a hidden layer.

    Parameters
    ----------
    name : {'and', 'or', 'xor'}
        The gate (case-insensitive).

    Returns
    -------
    X : ndarray of shape (4, 2), dtype float64
        The inputs (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray of shape (4,), dtype int
        The gate's output, 0 or 1, for each row of X.

    Examples
    --------
    >>> from skmlp.datasets import make_logic_gate
    >>> X, y = make_logic_gate("xor")
    >>> X
    array([[0., 0.],
           [0., 1.],
           [1., 0.],
           [1., 1.]])
    >>> y
    array([0, 1, 1, 0])
    """
    gate = _GATES.get(name.lower()) if isinstance(name, str) else None
    if gate is None:
        raise ValueError(f"name must be one of {sorted(_GATES)}; got {name!r}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = gate(X[:, 0] > 0, X[:, 1] > 0).astype(int)
    return X, y
