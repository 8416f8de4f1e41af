"""skmlp: textbook neural-network and Bayes classifiers, scikit-learn compatible.

Three estimators, each with fit / predict / predict_proba:

- :class:`ManualMLPClassifier`: a multilayer perceptron with hand-written
  backpropagation, a drop-in for :class:`sklearn.neural_network.MLPClassifier`.
- :class:`PerceptronClassifier`: Rosenblatt's perceptron rule.
- :class:`GaussianBayesClassifier`: minimum-risk Bayes decisions with Gaussian
  class densities, priors and a cost matrix; its two-class boundary is a
  :class:`QuadraticBoundary`.

and the same minimum-risk rule (one place: ``skmlp/_risk.py``) for any model
and any density:

- :class:`MinimumRiskClassifier`: costs and prior shift over any classifier's
  ``predict_proba``.
- :class:`DensityBayesClassifier`: Bayes decisions from learned or known class
  densities.

:class:`TrainingCurveDisplay` plots the per-epoch training curves of the MLP
and the perceptron. The math on raw arrays lives in :mod:`skmlp.nn`; data loaders in
:mod:`skmlp.datasets`.
"""

from ._bayes import GaussianBayesClassifier, QuadraticBoundary
from ._density import DensityBayesClassifier
from ._display import TrainingCurveDisplay
from ._minimum_risk import MinimumRiskClassifier
from ._mlp import ManualMLPClassifier
from ._perceptron import PerceptronClassifier

__version__ = "0.1.0"

__all__ = [
    "DensityBayesClassifier",
    "GaussianBayesClassifier",
    "ManualMLPClassifier",
    "MinimumRiskClassifier",
    "PerceptronClassifier",
    "QuadraticBoundary",
    "TrainingCurveDisplay",
    "__version__",
]
