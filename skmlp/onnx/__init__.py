"""ONNX export of the skmlp estimators, through skl2onnx.

Importing this module registers a converter with skl2onnx for each of
:class:`~skmlp.ManualMLPClassifier`, :class:`~skmlp.PerceptronClassifier`,
:class:`~skmlp.GaussianBayesClassifier`, :class:`~skmlp.DensityBayesClassifier`
and :class:`~skmlp.MinimumRiskClassifier`; then ``skl2onnx.to_onnx(model, X)``
converts them, alone or in a Pipeline, and onnxruntime runs the result::

    import skmlp.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx
    onx = to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False})

The graph computes what ``predict`` and ``predict_proba`` compute, in the
input's dtype (float64 input: float64 throughout; anything else is cast to
float32), and breaks ties as ``predict`` does. Classifier options as for
scikit-learn's converters: ``zipmap`` (True, False, 'columns'), ``nocl``,
``output_class_labels``. Target opset 13 or later (``MIN_OPSET``).

Needs the ``onnx`` extra: ``pip install "skmlp[onnx]"`` (skl2onnx, onnx,
onnxruntime).
"""

try:
    from skl2onnx import update_registered_converter
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "skmlp.onnx needs skl2onnx, onnx and onnxruntime: install the onnx extra, "
        'pip install "skmlp[onnx]"'
    ) from error

from ._convert import CONVERTERS, MIN_OPSET, parse, shape_calculator

__all__ = ["MIN_OPSET"]

_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
}

for _estimator, _convert in CONVERTERS.items():
    update_registered_converter(_estimator, f"Skmlp{_estimator.__name__}", shape_calculator,
                                _convert, parser=parse, options=_OPTIONS)
