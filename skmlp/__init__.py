"""skmlp: textbook neural-network and Bayes classifiers, scikit-learn compatible.

Three estimators, each with fit / predict / predict_proba:

- :class:`ManualMLPClassifier`: a multilayer perceptron with hand-written
  backpropagation, a drop-in for :class:`sklearn.neural_network.MLPClassifier`;
  :class:`ManualMLPRegressor`, its regression sibling on the same network base,
  a drop-in for :class:`sklearn.neural_network.MLPRegressor`.
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
and the perceptron. :data:`TRUSTED_TYPES` lists the types ``skops.io.load``
must trust to load skmlp's models. The math on raw arrays lives in :mod:`skmlp.nn`; data loaders in
:mod:`skmlp.datasets`.
"""

import importlib as _importlib

__version__ = "0.1.0"

# Public name -> the module that defines it, imported on first use (PEP 562):
# ``import skmlp`` is instant, and ``python -m skmlp`` does its heavy imports
# (numpy, scipy, scikit-learn) where its Ctrl-C handler catches an interrupt.
_LAZY = {
    "DensityBayesClassifier": "._density",
    "GaussianBayesClassifier": "._bayes",
    "ManualMLPClassifier": "._mlp",
    "ManualMLPRegressor": "._mlp",
    "MinimumRiskClassifier": "._minimum_risk",
    "PerceptronClassifier": "._perceptron",
    "QuadraticBoundary": "._bayes",
    "TRUSTED_TYPES": "._persistence",
    "TrainingCurveDisplay": "._display",
}
_SUBMODULES = ("datasets", "model_selection", "nn")

__all__ = [
    "DensityBayesClassifier",
    "GaussianBayesClassifier",
    "ManualMLPClassifier",
    "ManualMLPRegressor",
    "MinimumRiskClassifier",
    "PerceptronClassifier",
    "QuadraticBoundary",
    "TRUSTED_TYPES",
    "TrainingCurveDisplay",
    "__version__",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
    elif name in _SUBMODULES:
        value = _importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
