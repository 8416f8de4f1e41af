"""The types that skops.io must trust to load skmlp's fitted models.

``skops.io.load`` builds only the types it is told to trust. skmlp's
estimators, the searches, and the objects they keep for warm starts are not
on skops' default list, and neither are the few scikit-learn objects that
their default settings store; :data:`TRUSTED_TYPES` names them all, so that::

    import skops.io as sio
    import skmlp
    model = sio.load("model.skops", trusted=skmlp.TRUSTED_TYPES)

The names are built from the classes themselves, so they follow a class if
it moves to another module. A new estimator is one more line in ``_TYPES``;
tests/test_persistence.py dumps every estimator and search and checks that
the list is exactly what ``skops.io.get_untrusted_types`` asks for.
"""

from sklearn.metrics._dist_metrics import EuclideanDistance64
from sklearn.metrics._scorer import _PassthroughScorer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KDTree

from ._bayes import GaussianBayesClassifier
from ._density import DensityBayesClassifier
from ._minimum_risk import MinimumRiskClassifier
from ._mlp import ManualMLPClassifier, ManualMLPRegressor
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._perceptron import PerceptronClassifier
from ._perceptron import _TrainingState as _PerceptronTrainingState
from ._training import ResumePoint
from .datasets import UniformDisc
from .model_selection import (
    MLPGridSearchCV,
    MLPHalvingGridSearchCV,
    MLPHalvingRandomSearchCV,
    MLPRandomizedSearchCV,
)

_TYPES = (
    # the estimators
    GaussianBayesClassifier,
    DensityBayesClassifier,
    MinimumRiskClassifier,
    ManualMLPClassifier,
    ManualMLPRegressor,
    PerceptronClassifier,
    # the searches
    MLPGridSearchCV,
    MLPRandomizedSearchCV,
    MLPHalvingGridSearchCV,
    MLPHalvingRandomSearchCV,
    # the state they keep for warm starts and partial_fit
    AdamOptimizer,
    SGDOptimizer,
    ResumePoint,
    _PerceptronTrainingState,
    # a known class density
    UniformDisc,
    # scikit-learn's, inside DensityBayesClassifier's default KernelDensity
    EuclideanDistance64,
    KDTree,
    # scikit-learn's, inside a search with the default scoring and cv
    _PassthroughScorer,
    StratifiedKFold,
    KFold,  # a regression search's
)

#: The full names of every type that skmlp's fitted models are made of, to
#: pass as ``trusted=`` to ``skops.io.load`` / ``skops.io.loads``. Objects of
#: your own inside a model (frozen ``scipy.stats`` densities or distributions
#: of a randomized search, a ``scoring`` or ``cv`` other than the defaults)
#: add their own types: ``skops.io.get_untrusted_types`` lists them.
TRUSTED_TYPES = [f"{cls.__module__}.{cls.__qualname__}" for cls in _TYPES]
