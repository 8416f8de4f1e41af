"""Helpers shared by the estimators (no math here)."""

import contextlib
import sys
import threading

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets


@contextlib.contextmanager
def all_or_nothing(estimator):
    """Put the estimator's attributes back as they were if the block raises.

    A failed fit or partial_fit (bad input, diverging training, an
    interrupt) must leave no half-fitted model behind: neither new fitted
    attributes nor the ``n_features_in_`` / ``feature_names_in_`` that
    ``validate_data`` set before the failure. The attribute dict is copied
    shallowly, which suffices because fits rebind arrays rather than
    modifying the stored ones in place.
    """
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def check_class_labels(y):
    """scikit-learn's ``check_classification_targets``, with a clear error for
    labels that cannot be sorted.

    ``classes_`` is the sorted set of labels; numpy's sort of a mix of strings
    and numbers (or None) raises a bare TypeError from deep inside, which
    becomes a ValueError that names the problem and the remedy.

    Examples
    --------
    >>> import numpy as np
    >>> check_class_labels(np.array(["a", 1.0, "a"], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y mixes labels that cannot be compared (...); give labels of one type, ...
    """
    try:
        check_classification_targets(y)
    except TypeError as exc:
        raise ValueError(
            f"y mixes labels that cannot be compared ({exc}); give labels of one type, "
            "e.g. all strings (y.astype(str)) or all numbers"
        ) from None


def class_weight_per_sample(class_weight, classes, y):
    """The weight of each sample's class: None, or an array of shape (n_samples,).

    One validation of ``class_weight`` for every estimator that takes it:
    a dict must map labels to finite non-negative numbers, and a label that
    is not among ``classes`` is an error unless every class has a weight (as
    scikit-learn's ``compute_class_weight``: a fold may miss a rare class).
    'balanced' weighs a class by ``n_samples / (n_classes * its count in y)``.

    Parameters
    ----------
    class_weight : dict, 'balanced' or None
        The estimator's parameter.
    classes : ndarray of shape (n_classes,)
        All the classes of the estimator (``classes_``).
    y : ndarray of shape (n_samples,)
        Class labels, all in ``classes``.

    Returns
    -------
    ndarray of shape (n_samples,) of float64, or None

    Examples
    --------
    >>> import numpy as np
    >>> class_weight_per_sample({0: 1.0, 1: 3.0}, np.array([0, 1]), np.array([1, 0, 1]))
    array([3., 1., 3.])
    >>> class_weight_per_sample({0: -1.0, 1: 1.0}, np.array([0, 1]), np.array([1, 0]))
    Traceback (most recent call last):
    ...
    ValueError: class_weight must map classes to finite non-negative numbers; got ... = -1.0.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):  # 'balanced' (the only string allowed)
        return compute_sample_weight(class_weight, y)
    for label, weight in class_weight.items():
        try:
            ok = np.isfinite(float(weight)) and float(weight) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                "class_weight must map classes to finite non-negative numbers; "
                f"got class_weight[{label!r}] = {weight!r}."
            )
    labels = classes.tolist()
    unknown = [label for label in class_weight if label not in labels]
    if unknown and any(label not in class_weight for label in labels):
        raise ValueError(
            f"class_weight has labels {unknown} that are not classes {labels}."
        )
    per_class = np.array([float(class_weight.get(label, 1.0)) for label in labels])
    return per_class[np.searchsorted(classes, y)]


def weights_in_dtype(sample_weight, dtype):
    """Float64 sample weights cast to X's dtype, or a ValueError if they do not fit.

    Positive weights above the dtype's largest or below its smallest normal
    number would become inf or 0 (float32: beyond 3.4e38 or 1.2e-38).

    Examples
    --------
    >>> import numpy as np
    >>> weights_in_dtype(np.array([0.0, 2.0]), np.float32)
    array([0., 2.], dtype=float32)
    """
    positive = sample_weight[sample_weight > 0]
    info = np.finfo(dtype)
    if positive.size and (positive.max() > info.max or positive.min() < info.tiny):
        raise ValueError(
            f"sample_weight (times class_weight) has values from {positive.min():.3g} "
            f"to {positive.max():.3g}, beyond the range of {np.dtype(dtype)}, the dtype "
            "of X; rescale the weights (or fit float64 data)."
        )
    return sample_weight.astype(dtype)


def float_dtypes(X, xp=np):
    """The ``dtype`` to pass to ``validate_data``: float32 stays float32, whatever its byte order.

    The one place that reads X's byte order, for every estimator.

    scikit-learn keeps X's dtype where it is in the list and casts to the
    first one otherwise; a big-endian float32 (``'>f4'``) is not
    ``np.float32``, so with ``[np.float64, np.float32]`` it would become
    float64 (scikit-learn's own estimators do so). Here it becomes native
    float32; everything else as scikit-learn: float64 kept, other dtypes
    cast to float64. ``xp`` is X's array namespace (array API inputs have no
    byte order: their float32 is ``xp.float32``).

    Examples
    --------
    >>> import numpy as np
    >>> float_dtypes(np.zeros(2, dtype=">f4"))
    (<class 'numpy.float32'>, <class 'numpy.float64'>)
    >>> float_dtypes([[1, 2]])
    (<class 'numpy.float64'>, <class 'numpy.float32'>)
    """
    dtype = getattr(X, "dtype", None)
    dtypes = getattr(X, "dtypes", None)  # a DataFrame's columns
    if dtype is None and dtypes is not None and len(set(dtypes)) == 1:
        dtype = next(iter(dtypes))
    if isinstance(dtype, np.dtype):
        float32 = dtype.kind == "f" and dtype.itemsize == 4
    else:
        float32 = dtype is not None and dtype == xp.float32
    return (xp.float32, xp.float64) if float32 else (xp.float64, xp.float32)


class _ThreadStdout:
    """``sys.stdout`` while some thread prints into a buffer (:func:`prints_into`).

    Writes go to the writing thread's buffer if it has one, else to the
    stream it stands in for; everything else is the stream's.
    """

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        buffer = getattr(_PRINTS, "buffer", None)
        return (self.stream if buffer is None else buffer).write(text)

    def flush(self):
        if getattr(_PRINTS, "buffer", None) is None:
            self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


_PRINTS = threading.local()  # .buffer: where this thread's prints go
_PRINTS_LOCK = threading.Lock()
_PRINTS_USERS = [0]  # blocks of prints_into running now, in every thread


@contextlib.contextmanager
def prints_into(buffer):
    """What this thread prints within the block goes to ``buffer`` (a text stream).

    For output that must come in a set order although it is made at once in
    several threads (a search's fits): each fit prints into its own buffer,
    written out later in order. Other threads print as before. None: no
    change.
    """
    if buffer is None:
        yield
        return
    with _PRINTS_LOCK:
        if _PRINTS_USERS[0] == 0 and not isinstance(sys.stdout, _ThreadStdout):
            sys.stdout = _ThreadStdout(sys.stdout)
        _PRINTS_USERS[0] += 1
    previous, _PRINTS.buffer = getattr(_PRINTS, "buffer", None), buffer
    try:
        yield
    finally:
        _PRINTS.buffer = previous
        with _PRINTS_LOCK:
            _PRINTS_USERS[0] -= 1
            if _PRINTS_USERS[0] == 0 and isinstance(sys.stdout, _ThreadStdout):
                sys.stdout = sys.stdout.stream
