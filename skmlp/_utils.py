"""Helpers shared by the estimators (no math here)."""

import contextlib


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
