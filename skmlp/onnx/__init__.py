"""ONNX export of the skmlp estimators, through skl2onnx.

Importing this module registers a converter with skl2onnx for each of
:class:`~skmlp.ManualMLPClassifier`, :class:`~skmlp.ManualMLPRegressor`
(its one output: the predictions, shape ``(N, n_outputs_)``),
:class:`~skmlp.PerceptronClassifier`,
:class:`~skmlp.GaussianBayesClassifier`, :class:`~skmlp.DensityBayesClassifier`
and :class:`~skmlp.MinimumRiskClassifier`; then ``skl2onnx.to_onnx(model, X)``
converts them, alone or in a Pipeline, and onnxruntime runs the result::

    import skmlp.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx
    onx = to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False})

A search is not a model to deploy: convert its ``best_estimator_``
(``to_onnx(search)`` raises a ``TypeError`` saying so).

The graph computes what ``predict`` and ``predict_proba`` compute, in the
input's dtype (float64 input: float64 throughout; anything else is cast to
float32), and breaks ties as ``predict`` does. Classifier options as for
scikit-learn's converters: ``zipmap`` (True, False, 'columns'), ``nocl``,
``output_class_labels``. Target opset 13 or later (``MIN_OPSET``).

With float64 input, keep ``zipmap=False`` (the probabilities as one float64
array) or ``zipmap='columns'`` (one output per class): skl2onnx's default
ZipMap takes float32 probabilities only, and onnxruntime refuses the graph
(``INVALID_GRAPH ... tensor(double) ... ZipMap``). The default ZipMap works
with float32 input.

Needs skl2onnx, onnx and onnxruntime: ``pip install skl2onnx onnx onnxruntime``,
or from a clone of skmlp the ``onnx`` extra, ``pip install ".[onnx]"``.
"""

try:
    from skl2onnx import update_registered_converter
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "skmlp.onnx needs skl2onnx, onnx and onnxruntime: pip install skl2onnx onnx "
        'onnxruntime (or, from a clone of skmlp, the onnx extra: pip install ".[onnx]")'
    ) from error

from .. import ManualMLPRegressor
from ..model_selection import (
    MLPGridSearchCV,
    MLPHalvingGridSearchCV,
    MLPHalvingRandomSearchCV,
    MLPRandomizedSearchCV,
)
from ._convert import (
    CONVERTERS,
    MIN_OPSET,
    convert_regressor,
    parse,
    parse_regressor,
    regressor_shape,
    shape_calculator,
)

SEARCHES = (MLPGridSearchCV, MLPRandomizedSearchCV, MLPHalvingGridSearchCV,
            MLPHalvingRandomSearchCV)

__all__ = ["MIN_OPSET"]

_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
}

for _estimator, _convert in CONVERTERS.items():
    update_registered_converter(_estimator, f"Skmlp{_estimator.__name__}", shape_calculator,
                                _convert, parser=parse, options=_OPTIONS)


def _refuse_search(scope, model, inputs, custom_parsers=None):
    """A search holds many candidates; the deployable model is its best one."""
    raise TypeError(
        f"skl2onnx cannot convert a search ({type(model).__name__}): convert the model "
        "it chose instead, to_onnx(search.best_estimator_, X) (fit with refit=True)")


def _never_converted(scope, operator, container):  # pragma: no cover - the parser refuses
    raise TypeError("a search is not converted: convert its best_estimator_")


# The regressor: one output, the predictions (N, n_outputs), no options.
update_registered_converter(ManualMLPRegressor, "SkmlpManualMLPRegressor", regressor_shape,
                            convert_regressor, parser=parse_regressor)

for _search in SEARCHES:
    update_registered_converter(_search, f"Skmlp{_search.__name__}", shape_calculator,
                                _never_converted, parser=_refuse_search)
