"""skl2onnx converters of the skmlp estimators: parser, shape calculator, graphs.

Every estimator goes through the same three steps of skl2onnx: the parser
(:func:`parse`) checks that the model can be converted (before any graph
exists) and declares its outputs, a label and the probabilities, with
skl2onnx's own handling of the ``zipmap``, ``nocl`` and
``output_class_labels`` options; :func:`shape_calculator` types them; the
converter of the estimator's class writes the graph, whose arithmetic is
that of the estimator's predict_proba and predict (see ``_ops``).
"""

import numpy as np
from onnx import TensorProto

# skl2onnx's parsers of any model and of a classifier: private names, but what its
# own parsers of meta-estimators (Pipeline, GridSearchCV) call
from skl2onnx._parse import (
    _parse_sklearn,
    _parse_sklearn_classifier,
    _parse_sklearn_simple_model,
)
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType
from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
from skl2onnx.common.utils_classifier import get_label_classes
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .. import (
    DensityBayesClassifier,
    GaussianBayesClassifier,
    ManualMLPClassifier,
    MinimumRiskClassifier,
    PerceptronClassifier,
    nn,
)
from .._risk import log_or_minus_inf
from . import _ops
from ._ops import Ops

# Opset 13 (ONNX 1.8) is the first with today's Softmax, ReduceSum and
# Unsqueeze; every later opset that skl2onnx knows works.
MIN_OPSET = 13

_LOG_2PI = np.log(2.0 * np.pi)


# ---------------------------------------------------------------------------
# Parser and shape calculator (all estimators)
# ---------------------------------------------------------------------------

def parse(scope, model, inputs, custom_parsers=None):
    """Check the model, then declare a classifier's outputs (label, probabilities).

    For a MinimumRiskClassifier the inner estimator is parsed first (with its
    own converter, Pipelines included) and its probabilities are the input
    of the minimum-risk operator.
    """
    check_convertible(model, scope.target_opset)
    if isinstance(model, MinimumRiskClassifier):
        inputs = [_inner_probabilities(scope, model, inputs, custom_parsers)]
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def _inner_probabilities(scope, model, inputs, custom_parsers):
    """The probabilities output of the inner estimator's graph (no ZipMap)."""
    inner = _unfrozen(model.estimator_)
    final = inner
    while isinstance(final, Pipeline):
        final = _unfrozen(final.steps[-1][1])
    scope.add_options(id(final), {"zipmap": False})
    return _parse_sklearn(scope, inner, inputs, custom_parsers=custom_parsers)[1]


def _unfrozen(estimator):
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


def _check_opset_and_fitted(model, opset):
    """The checks every converter makes first; returns the model's class name."""
    name = type(model).__name__
    opset = opset.get("", MIN_OPSET) if isinstance(opset, dict) else opset
    if opset is not None and opset < MIN_OPSET:
        raise ValueError(f"the {name} converter needs target_opset >= {MIN_OPSET}, got "
                         f"{opset}; pass target_opset={MIN_OPSET} or later to to_onnx")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise NotFittedError(f"this {name} is not fitted: there is nothing to convert "
                             "to ONNX. Call fit before to_onnx.") from None
    return name


def check_convertible(model, opset):
    """Raise a clear error where ``model`` has no ONNX graph: before any is written.

    Parameters
    ----------
    model : skmlp estimator
        The estimator to convert.
    opset : int or dict
        skl2onnx's target opset (a dict maps domains to opsets).

    Raises
    ------
    NotFittedError
        The estimator is not fitted.
    ValueError
        A target opset below MIN_OPSET, a model fitted on one class or on
        labels beyond int64, or a DensityBayesClassifier density without a
        graph.
    """
    name = _check_opset_and_fitted(model, opset)
    counts = getattr(model, "class_count_", None)
    if counts is not None and not isinstance(counts, np.ndarray):
        raise ValueError(
            f"this {name} was fitted on arrays of {type(counts).__module__.split('.')[0]} "
            "(array API dispatch): its fitted arrays live there. Move it to numpy first: "
            "from sklearn.utils._array_api import move_estimator_to; "
            "model = move_estimator_to(model, numpy, 'cpu')"
        )
    classes = np.asarray(model.classes_)
    if len(classes) < 2:
        raise ValueError(f"this {name} was fitted on one class ({classes.tolist()}): it "
                         "predicts a constant, which has no converter; fit it on two "
                         "classes or more")
    _check_label_range(classes, name)
    if isinstance(model, DensityBayesClassifier):
        for k, density in enumerate(model.densities_):
            _check_density(density, k, model.classes_[k].tolist())


def _check_label_range(classes, name):
    """ValueError for uint64 labels from 2**63, which ONNX's int64 labels
    cannot hold: they would come out wrapped. (Float labels beyond int64 do
    not fit: scikit-learn calls them continuous.)"""
    if classes.dtype.kind != "u" or np.array_equal(_label_array(classes), classes):
        return
    raise ValueError(
        f"this {name} was fitted on labels up to {classes.max()!r}, beyond int64, the type "
        "of ONNX's integer labels (they would come out wrong); fit it on labels below "
        "2**63 (e.g. sklearn.preprocessing.LabelEncoder's) or on strings")


def _check_density(density, k, label):
    """ValueError unless density has a graph: KernelDensity (gaussian, euclidean)
    or GaussianMixture."""
    if isinstance(density, GaussianMixture):
        return
    if (isinstance(density, KernelDensity) and density.kernel == "gaussian"
            and density.metric == "euclidean"):
        return
    what = type(density).__name__
    if isinstance(density, KernelDensity):
        what += f"(kernel={density.kernel!r}, metric={density.metric!r})"
    raise ValueError(
        f"DensityBayesClassifier's density of class {label!r} (densities_[{k}]) is "
        f"{what}, which has no ONNX converter; only KernelDensity(kernel='gaussian', "
        "metric='euclidean') and GaussianMixture densities convert. Use one of them, "
        "or keep this model in Python (pickle, joblib or skops.io)."
    )


def shape_calculator(operator):
    """skl2onnx's classifier shapes; a multilabel MLP's label is (N, n_labels)."""
    calculate_linear_classifier_output_shapes(operator)
    model = operator.raw_operator
    if _is_multilabel(model):
        n_rows = operator.inputs[0].get_first_dimension()
        operator.outputs[0].type = Int64TensorType([n_rows, len(model.classes_)])


def _is_multilabel(model):
    return (isinstance(model, ManualMLPClassifier)
            and model._label_binarizer.y_type_ == "multilabel-indicator")


# ---------------------------------------------------------------------------
# Converters: each builds (label, probabilities) from the input
# ---------------------------------------------------------------------------

def _converter(graph):
    """A skl2onnx converter from ``graph(ops, X, model) -> (label, proba)``.

    The input is cast to float32 unless it is float64 (the working dtype);
    the label comes as class indices (int64) unless the graph already made
    labels (a multilabel indicator matrix), and is turned into the class
    labels here (or kept as indices with the option ``nocl``).
    """
    def convert(scope, operator, container):
        model = operator.raw_operator
        X = operator.inputs[0]
        double = isinstance(X.type, DoubleTensorType)
        ops = Ops(container.target_opset, np.float64 if double else np.float32)
        if not double:
            X = ops.Cast(X, to=TensorProto.FLOAT)
        index, proba = graph(ops, X, model)
        label = index if _is_multilabel(model) else ops.Gather(
            _label_array(_decision_labels(scope, model)), index)
        ops.Identity(label, output_names=operator.outputs[:1]).add_to(scope, container)
        ops.Identity(proba, output_names=operator.outputs[1:2]).add_to(scope, container)
    return convert


def _decision_labels(scope, model):
    """The label of each decision index: skl2onnx's classes (indices with
    ``nocl``), then, for a model with a reject option, its reject label (K
    with ``nocl``) for the doubt, the last decision."""
    classes = get_label_classes(scope, model)
    if getattr(model, "reject_cost_", None) is None:
        return classes
    nocl = scope.get_options(model, dict(nocl=False))["nocl"]
    return np.append(classes, len(classes) if nocl else model.reject_label_)


def _label_array(classes):
    """Class labels as ONNX carries them: int64 (integers, booleans, floats,
    which a classifier only fits when they are integral) or strings."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64)
    return classes.astype(str)


def _mlp_graph(ops, X, model):
    """ManualMLPClassifier: the forward pass, then predict_proba's output rule."""
    A = _linear_outputs(ops, X, model)
    if model._multiclass_squared_error():
        # as _chunk_output: y_k / sum_j y_j with y = expit(a) is softmax(log expit(a))
        proba = ops.Softmax(_ops.log_expit(ops, A), axis=1)
    else:
        proba = _ops.activation(ops, model.out_activation_, A)
    if _is_multilabel(model):  # LabelBinarizer.inverse_transform: y > 0.5
        return _ops.above(ops, proba, 0.5), proba
    if model.n_outputs_ == 1:  # binary: [1 - y, y], classes_[1] where y > 0.5
        return _ops.above(ops, ops.column(proba, 0), 0.5), ops.Concat(
            ops.Sub(ops.const(1.0), proba), proba, axis=1)
    return ops.ArgMax(proba, axis=1, keepdims=0), proba


def _linear_outputs(ops, X, model):
    """An MLP's forward pass up to the output layer's activation (its linear outputs)."""
    hidden = nn._hidden_activations(model.activation, len(model.coefs_) - 1)
    A = X
    for l, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        if l:
            A = _ops.activation(ops, hidden[l - 1], A)
        A = ops.Add(ops.MatMul(A, ops.const(W)), ops.const(b))
    return A


# ---------------------------------------------------------------------------
# ManualMLPRegressor: one output, the predictions
# ---------------------------------------------------------------------------

def parse_regressor(scope, model, inputs, custom_parsers=None):
    """Check the regressor, then declare its one output (the predictions)."""
    _check_opset_and_fitted(model, scope.target_opset)
    return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers=custom_parsers)


def regressor_shape(operator):
    """The predictions: (N, n_outputs_), float64 for float64 input, else float32."""
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    kind = DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType) else (
        FloatTensorType)
    operator.outputs[0].type = kind([n_rows, model.n_outputs_])


def convert_regressor(scope, operator, container):
    """ManualMLPRegressor: the forward pass; exp of the outputs for the Poisson loss."""
    model = operator.raw_operator
    X = operator.inputs[0]
    double = isinstance(X.type, DoubleTensorType)
    ops = Ops(container.target_opset, np.float64 if double else np.float32)
    if not double:
        X = ops.Cast(X, to=TensorProto.FLOAT)
    A = _linear_outputs(ops, X, model)
    y = ops.Exp(A) if model.out_activation_ == "exp" else A
    ops.Identity(y, output_names=operator.outputs[:1]).add_to(scope, container)


def _perceptron_graph(ops, X, model):
    """PerceptronClassifier: the signs / argmax of w.x + b, and predict_proba.

    As ``_scaled_scores``: coef_ and intercept_ divided by a power of two
    near their largest entry (exact, so the scores keep predict's signs and
    argmax), the probabilities from the scores over the largest row norm.
    """
    weights = np.hstack([model.coef_, model.intercept_[:, None]])
    exponent = int(np.frexp(np.abs(weights).max())[1])
    coef = np.ldexp(model.coef_, -exponent)
    scores = ops.Add(ops.MatMul(X, ops.const(coef.T)),
                     ops.const(np.ldexp(model.intercept_, -exponent)))
    norm = np.linalg.norm(coef, axis=1).max()
    scaled = ops.Div(scores, ops.const(norm)) if norm > 0 else scores
    if len(model.classes_) == 2:  # one unit: classes_[1] where w.x + b > 0
        return _ops.above(ops, ops.column(scores, 0), 0.0), ops.Concat(
            ops.Sigmoid(ops.Neg(scaled)), ops.Sigmoid(scaled), axis=1)
    return ops.ArgMax(scores, axis=1, keepdims=0), ops.Softmax(scaled, axis=1)


def _bayes_decision(ops, jll, model):
    """Posteriors and minimum-risk decisions from ln(p_j f_j(x)) (Bayes classifiers)."""
    proba = ops.Exp(_ops.log_posteriors(ops, jll, model.class_prior_))
    return _ops.minimum_risk_index(ops, proba, model._decision_costs()), proba


def _gaussian_bayes_graph(ops, X, model):
    """GaussianBayesClassifier: Gaussian log-densities, Bayes' rule, minimum risk.

    Reads the fitted factors predict uses (float64 means, inverse Cholesky
    factors P with Sigma^{-1} = P'P, log-determinants). Binary decisions are
    predict's: the log likelihood-ratio test, decision_function > 0.
    """
    means, factors, log_det = model._statistics[1], model._precision_factors, model._log_det
    if model.covariance_type in ("full", "tied"):
        factors = np.swapaxes(factors, -1, -2)  # (x - mu) P' is P (x - mu) as a row
    offsets = means.shape[1] * _LOG_2PI + log_det
    log_prior = np.where(model.class_count_ > 0, log_or_minus_inf(model.class_prior_),
                         -np.inf)
    jll = ops.Add(_ops.log_gaussians(ops, X, means, factors, model.covariance_type,
                                     offsets), ops.const(log_prior))
    index, proba = _bayes_decision(ops, jll, model)
    if len(model.classes_) == 2:
        decision = ops.Add(ops.Sub(ops.column(jll, 1), ops.column(jll, 0)),
                           ops.const(model._log_cost_ratio(0, 1)))
        binary = _ops.above(ops, decision, 0.0)
        if getattr(model, "reject_cost_", None) is None:
            return binary, proba
        # as predict: the doubt (index 2) where the risk argmin says so
        doubt = ops.Equal(index, np.array([2], dtype=np.int64))
        index = ops.Where(doubt, index, binary)
    return index, proba


def _density_bayes_graph(ops, X, model):
    """DensityBayesClassifier: each class's log-density in float64 (as
    score_samples), plus its log-prior, in the working dtype; then Bayes' rule."""
    ops64 = Ops(ops.opset, np.float64)
    X64 = ops.Cast(X, to=TensorProto.DOUBLE)
    log_density = ops.Concat(*[_log_density(ops64, X64, d) for d in model.densities_],
                             axis=1)
    jll = ops.Cast(ops.Add(log_density, ops64.const(log_or_minus_inf(model.class_prior_))),
                   to=ops.proto)
    return _bayes_decision(ops, jll, model)


def _log_density(ops, X, density):
    """ln f(x), shape (N, 1): a GaussianMixture or a Gaussian KernelDensity."""
    if isinstance(density, GaussianMixture):
        return _mixture_log_density(ops, X, density)
    return _kernel_log_density(ops, X, density)


def _mixture_log_density(ops, X, gmm):
    """GaussianMixture.score_samples: logsumexp_m ln(w_m N(x | mu_m, Sigma_m))."""
    chol = gmm.precisions_cholesky_  # W with W W' = Sigma^{-1}: a right whitener
    n_features = gmm.means_.shape[1]
    if gmm.covariance_type in ("full", "tied"):
        log_det_chol = np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)
    elif gmm.covariance_type == "diag":
        log_det_chol = np.log(chol).sum(axis=1)
    else:
        log_det_chol = n_features * np.log(chol)
    # ln det Sigma = -2 ln det W
    offsets = n_features * _LOG_2PI - 2 * log_det_chol
    log_prob = _ops.log_gaussians(ops, X, gmm.means_, chol, gmm.covariance_type, offsets)
    return _ops.logsumexp(ops, ops.Add(log_prob, ops.const(np.log(gmm.weights_))), axis=1)


def _kernel_log_density(ops, X, kde):
    """KernelDensity.score_samples (Gaussian kernel), summed over all the tree's points.

    The exact sum, which score_samples computes with its default atol = rtol
    = 0 (with a tolerance it prunes far points, within that tolerance):
    ln f(x) = logsumexp_i(ln w_i - |x - x_i|^2 / (2 h^2)) - ln W - d ln(h sqrt(2 pi)),
    W the weight sum (the number of points when unweighted).
    """
    data, _, _, _ = kde.tree_.get_arrays()
    weights = kde.tree_.sample_weight
    h = kde.bandwidth_
    squared = ops.reduce("SumSquare", ops.Sub(ops.unsqueeze(X, 1), ops.const(data[None])),
                         axis=2, keepdims=0)
    log_kernel = ops.Mul(squared, ops.const(-0.5 / h**2))
    total = len(data)
    if weights is not None:
        weights = np.asarray(weights)
        log_kernel = ops.Add(log_kernel, ops.const(log_or_minus_inf(weights)))
        total = weights.sum()
    n_features = data.shape[1]
    log_norm = -np.log(total) - 0.5 * n_features * _LOG_2PI - n_features * np.log(h)
    return ops.Add(_ops.logsumexp(ops, log_kernel, axis=1), ops.const(log_norm))


def _minimum_risk_graph(ops, proba, model):
    """MinimumRiskClassifier: the inner probabilities (the input here), the prior
    shift when ``priors`` is set, then the risk argmin."""
    if model.priors is not None:
        proba = _ops.shift_priors(ops, proba, model.train_class_prior_, model.class_prior_)
    return _ops.minimum_risk_index(ops, proba, model._decision_costs()), proba


CONVERTERS = {
    ManualMLPClassifier: _converter(_mlp_graph),
    PerceptronClassifier: _converter(_perceptron_graph),
    GaussianBayesClassifier: _converter(_gaussian_bayes_graph),
    DensityBayesClassifier: _converter(_density_bayes_graph),
    MinimumRiskClassifier: _converter(_minimum_risk_graph),
}
