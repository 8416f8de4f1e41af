"""Tests of PerceptronClassifier: the rule by hand, a plain reference loop,
scikit-learn's Perceptron as a reference, and the perceptron's theory."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import PerceptronClassifier
from skmlp.datasets import make_logic_gate

AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND_Y = np.array([0, 0, 0, 1])


# ------------------------------------------------------------ reference loop
def reference_rosenblatt(X, y, classes, *, epochs, eta0=1.0, sample_weight=None,
                         fit_intercept=True, shuffle=False, random_state=0,
                         coef_init=None, intercept_init=None):
    """The seeds' rule written plainly: one sample, one unit at a time.

    Returns the final (W, b) and the list of (W, b) after every step.
    Shuffling: epoch e visits the samples of non-zero weight in the order of
    the e-th RandomState(random_state).permutation, as the estimator documents.
    """
    n_units = 1 if len(classes) == 2 else len(classes)
    desired = (y[:, None] == classes[1:2]) if n_units == 1 else (y[:, None] == classes)
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    W = np.zeros((n_units, X.shape[1])) if coef_init is None else np.array(coef_init, float)
    b = np.zeros(n_units) if intercept_init is None else np.array(intercept_init, float)
    rows = np.flatnonzero(weights > 0)
    rng = np.random.RandomState(random_state)
    history = []
    for _ in range(epochs):
        order = rng.permutation(rows) if shuffle else rows
        for n in order:
            for k in range(n_units):
                y_out = 1.0 if W[k] @ X[n] + b[k] > 0 else -1.0  # sgn(0) = -1
                d = 1.0 if desired[n, k] else -1.0
                W[k] += eta0 * weights[n] * (d - y_out) * X[n]
                if fit_intercept:
                    b[k] += eta0 * weights[n] * (d - y_out)
            history.append((W.copy(), b.copy()))
    return W, b, history


def blobs(n_samples=150, n_features=5, n_classes=3, seed=0):
    """Overlapping Gaussian classes (never separable: updates in every epoch)."""
    rng = np.random.RandomState(seed)
    y = rng.randint(n_classes, size=n_samples)
    centers = rng.normal(scale=1.0, size=(n_classes, n_features))
    return centers[y] + rng.normal(size=(n_samples, n_features)), y


# --------------------------------------------------------------- by hand
def test_and_gate_worked_by_hand():
    # w(0) = 0, b(0) = 0, eta0 = 1, order (0,0), (0,1), (1,0), (1,1); d = -1,-1,-1,+1.
    # Epoch 1: only (1,1) errs (score 0 -> y = -1): w = 2*(1,1) = (2,2), b = 2.
    # Epoch 2: (0,0) score 2 -> b = 0; (0,1) score 2 -> w = (2,0), b = -2;
    #          (1,0) score 0 -> right; (1,1) score 0 -> w = (4,2), b = 0.   3 errors
    # Epoch 3: (0,1) score 2 -> w=(4,0), b=-2; (1,0) score 2 -> w=(2,0), b=-4;
    #          (1,1) score -2 -> w = (4,2), b = -2.                        3 errors
    # Epoch 4: (1,0) score 2 -> w=(2,2), b=-4; (1,1) score 0 -> w=(4,4), b=-2. 2 errors
    # Epoch 5: (0,1) score 2 -> w = (4,2), b = -4; the rest right.          1 error
    # Epoch 6: scores -4, -2, 0, 2: all right, no update -> stop.
    def fit(max_iter):
        return PerceptronClassifier(shuffle=False, tol=None, max_iter=max_iter).fit(
            AND_X, AND_Y
        )

    one, two, done = fit(1), fit(2), fit(100)
    assert_array_equal(one.coef_, [[2.0, 2.0]])
    assert_array_equal(one.intercept_, [2.0])
    assert_array_equal(two.coef_, [[4.0, 2.0]])
    assert_array_equal(two.intercept_, [0.0])
    assert_array_equal(done.coef_, [[4.0, 2.0]])
    assert_array_equal(done.intercept_, [-4.0])
    assert done.errors_ == [1, 3, 3, 2, 1, 0]
    assert done.n_iter_ == 6 and done.t_ == 24
    assert_array_equal(done.predict(AND_X), AND_Y)


def test_sgn_zero_is_minus_one():
    classes = np.array([0, 1])
    x = np.array([[1.0, 2.0]])
    # w(0) = 0: score 0 -> y = -1. A positive sample is an update by
    # eta0 (d - y) x = 0.5 * 2 * (1, 2) = (1, 2), b = 1 ...
    clf = PerceptronClassifier(eta0=0.5).partial_fit(x, [1], classes=classes)
    assert_array_equal(clf.coef_, [[1.0, 2.0]])
    assert_array_equal(clf.intercept_, [1.0])
    assert clf.errors_ == [1]
    # ... a negative one is answered right: no update.
    clf = PerceptronClassifier(eta0=0.5).partial_fit(x, [0], classes=classes)
    assert_array_equal(clf.coef_, [[0.0, 0.0]])
    assert clf.errors_ == [0]
    # predict follows the same convention: score 0 -> classes_[0]
    clf.partial_fit(x, [1])  # now w = (1, 2), b = 1, as above
    on_boundary = np.array([[1.0, -1.0]])  # 1 - 2 + 1 = 0
    assert clf.decision_function(on_boundary)[0] == 0.0
    assert clf.predict(on_boundary)[0] == 0


# ------------------------------------------------------- against references
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_reference_loop(n_classes, shuffle, fit_intercept, weighted):
    X, y = blobs(n_classes=n_classes)
    rng = np.random.RandomState(1)
    sample_weight = rng.uniform(0.5, 2.0, size=len(y)) if weighted else None
    if weighted:
        sample_weight[::7] = 0.0  # zero weights are skipped, not time steps
    params = dict(eta0=0.3, shuffle=shuffle, fit_intercept=fit_intercept,
                  random_state=3)
    W, b, history = reference_rosenblatt(
        X, y, np.unique(y), epochs=3, sample_weight=sample_weight, **params
    )
    for average in (False, True):
        clf = PerceptronClassifier(max_iter=3, tol=None, average=average, **params)
        clf.fit(X, y, sample_weight=sample_weight)
        assert clf.n_iter_ == 3 and clf.t_ == len(history)
        if average:  # the mean of w(n), b(n) over every step n = 1..t_
            W_mean = np.mean([step[0] for step in history], axis=0)
            b_mean = np.mean([step[1] for step in history], axis=0)
            assert_allclose(clf.coef_, W_mean, rtol=1e-10, atol=1e-10)
            assert_allclose(clf.intercept_, b_mean, rtol=1e-10, atol=1e-10)
        else:
            assert_allclose(clf.coef_, W, rtol=1e-10, atol=1e-10)
            assert_allclose(clf.intercept_, b, rtol=1e-10, atol=1e-10)


def numpy_walk(scores, desired, gram, step):
    """The block walk in numpy: to the next row where a unit errs, update, move on."""
    n_rows, n_units = scores.shape
    coef = np.zeros_like(scores)
    j = 0
    while j < n_rows:
        wrong = (scores[j:] > 0) != desired[j:]
        offset, unit = divmod(int(wrong.argmax()), n_units)
        if not wrong[offset, unit]:
            break
        row = j + offset
        coef[row] = update = step[row] * wrong[offset]
        j = row + 1
        scores[j:] += gram[row, j:, None] * update
    return coef


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_units", [1, 3, 10])
def test_compiled_walk_equals_numpy_walk_bit_for_bit(dtype, n_units):
    from skmlp._perceptron import _walk_block

    rng = np.random.default_rng(0)
    for _ in range(20):
        X_block = rng.normal(size=(64, 20)).astype(dtype)
        gram = X_block @ X_block.T + 1
        scores = rng.normal(size=(64, n_units)).astype(dtype)
        scores[::9] = 0  # sgn(0) = -1
        desired = rng.random((64, n_units)) < 0.3
        step = (1.4 * rng.uniform(0, 2, (64, 1)) * np.where(desired, 1, -1)).astype(dtype)
        expected_scores = scores.copy()
        expected = numpy_walk(expected_scores, desired, gram, step)
        coef = _walk_block(scores, desired, gram, step)
        assert coef.dtype == dtype and scores.dtype == dtype
        assert coef.tobytes() == expected.tobytes()
        assert scores.tobytes() == expected_scores.tobytes()


def numpy_penalized_epoch(X, rows, desired, step, W, b, decay, l1_step, average):
    """The penalized pass in numpy, sample by sample: score, decay, update, l1, sums."""
    W, b, q, u = W.copy(), b.copy(), np.zeros(W.shape), 0.0
    sum_W, sum_b, scores = np.zeros(W.shape), np.zeros(b.shape), []
    for i in rows:
        x = np.asarray(X[i : i + 1].todense() if sparse.issparse(X) else X[i : i + 1])[0]
        score = W @ x + b
        scores.append(score)
        wrong = (score > 0) != desired[i]
        W *= decay
        W += (step[i] * wrong)[:, None] * x
        b += step[i] * wrong
        if l1_step > 0:  # Tsuruoka et al.'s cumulative penalty
            u += l1_step
            before = W.copy()
            W = np.where(W > 0, np.maximum(0, W - (u + q)),
                         np.where(W < 0, np.minimum(0, W + (u - q)), W)).astype(W.dtype)
            q += W - before
        if average:
            sum_W += W
            sum_b += b
    return W, b, sum_W, sum_b, np.array(scores)


@pytest.mark.parametrize("penalty", [(0.97, 0.0), (1.0, 0.02), (0.99, 0.01)],
                         ids=["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("as_sparse", [False, True])
@pytest.mark.parametrize("average", [False, True])
def test_compiled_penalized_epoch_equals_numpy(penalty, as_sparse, average):
    from skmlp._perceptron import _epoch_penalized, _TrainingState

    X, y = blobs(n_classes=3)
    X[np.abs(X) < 0.5] = 0.0  # structural zeros for the CSR case
    desired = y[:, None] == np.arange(3)
    step = 0.6 * np.where(desired, 1.0, -1.0)
    rows = np.random.RandomState(0).permutation(len(y))
    W0, b0 = np.random.RandomState(1).normal(size=(3, 5)), np.zeros(3)
    W, b, sum_W, sum_b, scores = numpy_penalized_epoch(X, rows, desired, step, W0, b0,
                                                       *penalty, average)
    state = _TrainingState(W0.copy(), b0.copy(), np.zeros((3, 5)), np.zeros(3), t=0)
    data = sparse.csr_matrix(X) if as_sparse else X
    seen = _epoch_penalized(data, rows, desired, step, state, True, average, penalty)
    assert state.t == len(rows)
    assert_allclose(seen, scores, rtol=1e-12, atol=1e-12)
    assert_allclose(state.coef, W, rtol=1e-12, atol=1e-12)
    assert_allclose(state.intercept, b, rtol=1e-12, atol=1e-12)
    assert_allclose(state.sum_coef, sum_W, rtol=1e-12, atol=1e-12)
    assert_allclose(state.sum_intercept, sum_b, rtol=1e-12, atol=1e-12)


def test_coef_init_and_sparse_match_reference():
    X, y = blobs(n_classes=3)
    rng = np.random.RandomState(2)
    coef_init, intercept_init = rng.normal(size=(3, 5)), rng.normal(size=3)
    W, b, _ = reference_rosenblatt(X, y, np.unique(y), epochs=2, eta0=0.7,
                                   coef_init=coef_init, intercept_init=intercept_init)
    for data in (X, sparse.csr_matrix(X)):
        clf = PerceptronClassifier(max_iter=2, tol=None, eta0=0.7, shuffle=False)
        clf.fit(data, y, coef_init=coef_init, intercept_init=intercept_init)
        assert_allclose(clf.coef_, W, rtol=1e-10, atol=1e-10)
        assert_allclose(clf.intercept_, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_sparse_equals_dense_with_penalty_and_average(penalty):
    X, y = blobs(n_classes=3)
    X[np.abs(X) < 0.5] = 0.0  # some structural zeros
    params = dict(penalty=penalty, alpha=0.01, average=True, max_iter=3, tol=None)
    dense = PerceptronClassifier(**params).fit(X, y)
    sparse_fit = PerceptronClassifier(**params).fit(sparse.csr_matrix(X), y)
    assert_allclose(sparse_fit.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(sparse_fit.intercept_, dense.intercept_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_matches_sklearn_perceptron_away_from_ties(penalty, n_classes):
    # sklearn adds eta d x when d * score <= 0; Rosenblatt adds eta (d - y) x =
    # 2 eta d x when y != d. Away from score == 0 (random w(0)) the two agree
    # with sklearn's eta0 = 2 * ours, and sklearn's decay 1 - eta0 alpha then
    # needs alpha = ours / 2. One-vs-rest units are independent in both.
    X, y = blobs(n_samples=80, n_classes=n_classes, seed=4)
    rng = np.random.RandomState(5)
    n_units = 1 if n_classes == 2 else n_classes
    coef_init, intercept_init = rng.normal(size=(n_units, 5)), rng.normal(size=n_units)
    sample_weight = rng.uniform(0.5, 1.5, size=len(y))
    common = dict(penalty=penalty, l1_ratio=0.3, shuffle=False, max_iter=3, tol=None)
    ours = PerceptronClassifier(eta0=0.05, alpha=0.2, **common)
    theirs = Perceptron(eta0=0.1, alpha=0.1, **common)
    for clf in (ours, theirs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y, coef_init=coef_init, intercept_init=intercept_init,
                    sample_weight=sample_weight)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------ theory
def test_separable_data_within_mistake_bound():
    # Novikoff: with w(0) = 0 the rule makes at most (R / gamma)^2 updates,
    # R = max ||(x, 1)||, gamma = min_n d_n (w*.x_n + b*) / ||(w*, b*)||.
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(600, 3))
    w_star, b_star = np.array([1.0, -2.0, 0.5]), 0.3
    margin = X @ w_star + b_star
    keep = np.abs(margin) > 0.3
    X, y = X[keep], (margin[keep] > 0).astype(int)
    d = 2 * y - 1
    norm = np.linalg.norm(np.append(w_star, b_star))
    gamma = np.min(d * (X @ w_star + b_star)) / norm
    R = np.max(np.linalg.norm(np.column_stack([X, np.ones(len(X))]), axis=1))
    clf = PerceptronClassifier(tol=None, max_iter=1000).fit(X, y)
    n_updates = sum(clf.errors_)  # binary: every error is one update
    assert clf.errors_[-1] == 0 and clf.score(X, y) == 1.0
    assert 0 < n_updates <= (R / gamma) ** 2


def test_xor_never_reaches_zero_errors():
    X, y = make_logic_gate("xor")
    clf = PerceptronClassifier(tol=None, max_iter=200).fit(X, y)
    assert clf.n_iter_ == 200 and len(clf.errors_) == 200
    assert min(clf.errors_) >= 1  # a line cannot separate XOR
    assert clf.score(X, y) < 1.0


def test_eta0_only_scales_the_weights():
    X, y = blobs(n_classes=3)
    big = PerceptronClassifier(eta0=1.0, max_iter=20).fit(X, y)
    small = PerceptronClassifier(eta0=0.001, max_iter=20).fit(X, y)
    assert_array_equal(big.predict(X), small.predict(X))
    assert big.errors_ == small.errors_ and big.n_iter_ == small.n_iter_
    assert_allclose(small.coef_ * 1000, big.coef_, rtol=1e-9, atol=1e-9)
    assert_allclose(small.intercept_ * 1000, big.intercept_, rtol=1e-9, atol=1e-9)
    assert_allclose(small.predict_proba(X), big.predict_proba(X), atol=1e-9)


# ----------------------------------------------------------------- weights
def test_zero_sample_weight_equals_dropping_the_sample():
    X, y = blobs(n_classes=3)
    sample_weight = np.ones(len(y))
    sample_weight[[3, 50, 90]] = 0
    keep = sample_weight > 0
    for average in (False, True):
        params = dict(shuffle=False, max_iter=5, tol=None, average=average)
        weighted = PerceptronClassifier(**params).fit(X, y, sample_weight=sample_weight)
        dropped = PerceptronClassifier(**params).fit(X[keep], y[keep])
        assert_allclose(weighted.coef_, dropped.coef_, rtol=1e-12)
        assert_allclose(weighted.intercept_, dropped.intercept_, rtol=1e-12)
        assert weighted.errors_ == dropped.errors_ and weighted.t_ == dropped.t_


def test_class_weight_equals_matching_sample_weight():
    X, y = blobs(n_classes=3)
    class_weight = {0: 2.0, 1: 0.5, 2: 1.0}
    by_class = PerceptronClassifier(class_weight=class_weight, max_iter=5, tol=None)
    by_class.fit(X, y)
    by_sample = PerceptronClassifier(max_iter=5, tol=None).fit(
        X, y, sample_weight=np.array([class_weight[k] for k in y])
    )
    assert_allclose(by_class.coef_, by_sample.coef_, rtol=1e-12)
    assert_allclose(by_class.intercept_, by_sample.intercept_, rtol=1e-12)
    counts = np.bincount(y)
    balanced = PerceptronClassifier(class_weight="balanced", max_iter=5, tol=None)
    balanced.fit(X, y)
    by_sample = PerceptronClassifier(max_iter=5, tol=None).fit(
        X, y, sample_weight=len(y) / (3 * counts[y])
    )
    assert_allclose(balanced.coef_, by_sample.coef_, rtol=1e-12)


# ------------------------------------------------------ training mechanics
@pytest.mark.parametrize("average", [False, True])
def test_partial_fit_chunks_equal_one_epoch(average):
    X, y = blobs(n_classes=3)
    one_epoch = PerceptronClassifier(max_iter=1, tol=None, shuffle=False,
                                     average=average).fit(X, y)
    chunked = PerceptronClassifier(shuffle=False, average=average)
    for chunk in np.array_split(np.arange(len(y)), 3):
        chunked.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert_allclose(chunked.coef_, one_epoch.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(chunked.intercept_, one_epoch.intercept_, rtol=1e-10, atol=1e-12)
    assert chunked.t_ == one_epoch.t_ == len(y)
    assert sum(chunked.errors_) == one_epoch.errors_[0]
    assert len(chunked.errors_) == chunked.n_iter_ == 3


def test_warm_start_continues_from_the_previous_weights():
    X, y = blobs(n_classes=3)
    two = PerceptronClassifier(max_iter=2, tol=None, shuffle=False).fit(X, y)
    warm = PerceptronClassifier(max_iter=1, tol=None, shuffle=False, warm_start=True)
    warm.fit(X, y).fit(X, y)
    assert_allclose(warm.coef_, two.coef_, rtol=1e-12)
    assert warm.errors_ == two.errors_[1:]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_tol_and_n_iter_no_change(early_stopping):
    # tol = 1: no epoch can improve by 1 (error rate or accuracy), so training
    # stops after the first epoch plus n_iter_no_change epochs.
    X, y = blobs(n_classes=3)
    clf = PerceptronClassifier(tol=1.0, n_iter_no_change=3,
                               early_stopping=early_stopping).fit(X, y)
    assert clf.n_iter_ == 4 == len(clf.errors_)
    if early_stopping:  # the validation tenth is not trained on
        assert clf.t_ == 4 * (len(y) - 15)


def test_convergence_warning_when_max_iter_is_reached():
    X, y = make_logic_gate("xor")
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration"):
        PerceptronClassifier(max_iter=3, tol=0.0, n_iter_no_change=10).fit(X, y)


def test_pickle_round_trip_keeps_predictions_and_training():
    X, y = blobs(n_classes=3)
    clf = PerceptronClassifier(average=True, shuffle=False).partial_fit(
        X[:70], y[:70], classes=[0, 1, 2]
    )
    copy = pickle.loads(pickle.dumps(clf))
    assert_array_equal(copy.predict(X), clf.predict(X))
    assert_array_equal(copy.decision_function(X), clf.decision_function(X))
    clf.partial_fit(X[70:], y[70:])
    copy.partial_fit(X[70:], y[70:])
    assert_array_equal(copy.coef_, clf.coef_)


def test_pipeline_and_grid_search_over_eta0():
    X, y = blobs(n_classes=3)
    pipe = make_pipeline(StandardScaler(), PerceptronClassifier())
    search = GridSearchCV(pipe, {"perceptronclassifier__eta0": [0.01, 0.1, 1.0]}, cv=3)
    search.fit(X, y)
    # with w(0) = 0 eta0 only scales w: every eta0 scores the same
    scores = search.cv_results_["mean_test_score"]
    assert_allclose(scores, scores[0])
    assert search.best_score_ > 0.6
    assert_array_equal(search.predict(X), search.best_estimator_.predict(X))


# ------------------------------------------------------------------ outputs
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_consistent_with_predict(n_classes):
    X, y = blobs(n_classes=n_classes)
    clf = PerceptronClassifier(max_iter=10, tol=None).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), n_classes)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-12)
    scores = clf.decision_function(X)
    scale = np.linalg.norm(clf.coef_, axis=1).max()
    if n_classes == 2:  # logistic of the score divided by ||w||
        assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores / scale)))
    else:  # softmax of the scaled one-vs-rest scores
        e = np.exp(scores / scale)
        assert_allclose(proba, e / e.sum(axis=1, keepdims=True))
    assert len(clf.errors_) == clf.n_iter_


def test_calibrated_classifier_cv_calibrates_the_scores():
    X, y = blobs(n_classes=3)
    calibrated = CalibratedClassifierCV(PerceptronClassifier(), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    # it calibrates decision_function with a sigmoid per class (OvR)
    assert calibrated.calibrated_classifiers_[0].calibrators[0].__class__.__name__ == (
        "_SigmoidCalibration"
    )
    assert calibrated.score(X, y) > 0.6  # chance is 1/3


def test_float32_stays_float32():
    X, y = blobs(n_classes=3)
    X32 = X.astype(np.float32)
    for data in (X32, sparse.csr_matrix(X32)):
        clf = PerceptronClassifier(max_iter=5, tol=None, average=True).fit(data, y)
        assert clf.coef_.dtype == np.float32 and clf.intercept_.dtype == np.float32
        assert clf.decision_function(data).dtype == np.float32
        assert clf.predict_proba(data).dtype == np.float32


def test_multiclass_errors_count_argmax_mistakes():
    # errors_ of an epoch = samples whose argmax score at presentation differs
    # from their class; replay the reference loop's steps to count them.
    X, y = blobs(n_classes=4)
    _, _, history = reference_rosenblatt(X, y, np.unique(y), epochs=1)
    W_n, b_n = np.zeros((4, X.shape[1])), np.zeros(4)
    expected = 0
    for n in range(len(y)):
        expected += np.argmax(W_n @ X[n] + b_n) != y[n]
        W_n, b_n = history[n]
    clf = PerceptronClassifier(max_iter=1, tol=None, shuffle=False).fit(X, y)
    assert clf.errors_ == [expected]
    assert 0 < expected < len(y)


# -------------------------------------------------------------- bad input
def test_overflow_is_an_error_and_leaves_no_fitted_state():
    X, y = blobs(n_classes=3)
    huge = X * 1e305
    clf = PerceptronClassifier(max_iter=5, tol=None)
    with pytest.raises(ValueError, match=r"overflow in epoch 1.*eta0"):
        clf.fit(huge, y)
    assert not hasattr(clf, "coef_") and not hasattr(clf, "n_features_in_")
    clf.fit(X, y)
    before = clf.coef_.copy()
    with pytest.raises(ValueError, match="overflow"):
        clf.partial_fit(huge, y)
    assert_array_equal(clf.coef_, before)


def test_bad_input_errors():
    X, y = blobs(n_classes=3)
    with pytest.raises(ValueError, match=r"\bclass\b"):
        PerceptronClassifier().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="coef_init must have shape"):
        PerceptronClassifier().fit(X, y, coef_init=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="classes"):
        PerceptronClassifier().partial_fit(X, y)  # first call without classes
    clf = PerceptronClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"not in classes_"):
        clf.partial_fit(X, np.full(len(y), 7))
    with pytest.raises(ValueError, match="balanced"):
        PerceptronClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="class_weight"):
        PerceptronClassifier(class_weight={9: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = blobs(n_classes=3)
    PerceptronClassifier(max_iter=3, tol=None, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("-- Epoch") == 3


# ------------------------------------------------------------ record_updates
def _replay(X, updates, eta0=1.0, sample_weight=None, fit_intercept=True):
    """From w(0) = 0, add eta0 s(n) (target - output) x for each recorded update."""
    n_updates, n_units, n_features = updates["coef"].shape
    W, b = np.zeros((n_units, n_features)), np.zeros(n_units)
    weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight)
    coefs, intercepts = [], []
    for n, target, output in zip(updates["sample"], updates["target"], updates["output"]):
        step = eta0 * weights[n] * (target - output)  # (n_units,)
        W = W + step[:, None] * X[n]
        b = b + step * fit_intercept
        coefs.append(W)
        intercepts.append(b)
    return np.array(coefs).reshape(0 if not coefs else n_updates, n_units, n_features), \
        np.array(intercepts)


def test_record_updates_and_gate_by_hand():
    # The hand-worked AND sequence of test_and_gate_worked_by_hand, update by update.
    clf = PerceptronClassifier(shuffle=False, tol=None, record_updates=True).fit(AND_X, AND_Y)
    u = clf.updates_
    assert_array_equal(u["epoch"], [1, 2, 2, 2, 3, 3, 3, 4, 4, 5])
    assert_array_equal(u["sample"], [3, 0, 1, 3, 1, 2, 3, 2, 3, 1])
    assert_array_equal(u["target"][:4, 0], [1, -1, -1, 1])
    assert_array_equal(u["output"][:4, 0], [-1, 1, 1, -1])
    assert_array_equal(u["coef"][:4, 0], [[2, 2], [2, 2], [2, 0], [4, 2]])
    assert_array_equal(u["intercept"][:4, 0], [2, 0, -2, 0])
    assert_array_equal(u["coef"][-1], clf.coef_)
    assert_array_equal(u["intercept"][-1], clf.intercept_)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_record_updates_replays_to_every_recorded_weight(shuffle, n_classes):
    # 150 rows: several blocks of the block algorithm, updates in every epoch.
    X, y = blobs(n_classes=n_classes)
    clf = PerceptronClassifier(shuffle=shuffle, max_iter=4, tol=None, eta0=0.5,
                               record_updates=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    u = clf.updates_
    coefs, intercepts = _replay(X, u, eta0=0.5)
    assert_allclose(u["coef"], coefs, rtol=1e-12, atol=1e-12)
    assert_allclose(u["intercept"], intercepts, rtol=1e-12, atol=1e-12)
    assert_allclose(coefs[-1], clf.coef_, rtol=1e-12, atol=1e-12)
    assert_array_equal(u["coef"][-1], clf.coef_)  # the last update leaves coef_
    assert_array_equal(np.unique(u["epoch"]), [1, 2, 3, 4])
    n_units = 1 if n_classes == 2 else n_classes
    assert u["coef"].shape[1:] == (n_units, X.shape[1])
    assert u["target"].shape == u["output"].shape == (len(u["sample"]), n_units)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_record_updates_are_the_mistakes_of_the_plain_loop(shuffle, n_classes):
    # The reference loop's steps that changed the weights are the recorded
    # rows, in order, with the same weights after each: updates happen on
    # mistakes only, and every mistake is an update.
    X, y = blobs(n_classes=n_classes)
    classes = np.unique(y)
    clf = PerceptronClassifier(shuffle=shuffle, max_iter=3, tol=None, record_updates=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    _, _, history = reference_rosenblatt(X, y, classes, epochs=3, shuffle=shuffle)
    previous = np.zeros_like(history[0][0])
    changed = []
    for step, (W, b) in enumerate(history):
        if not np.array_equal(W, previous):
            changed.append((step, W, b))
        previous = W
    u = clf.updates_
    assert len(changed) == len(u["sample"])
    assert_allclose(u["coef"], [W for _, W, _ in changed], atol=1e-10)
    assert_allclose(u["intercept"], [b for _, _, b in changed], atol=1e-10)
    assert np.all((u["target"] != u["output"]).any(axis=1))  # each row is a mistake
    # the step index gives the epoch and, through the visiting order, the sample
    assert_array_equal(u["epoch"], [1 + step // len(y) for step, _, _ in changed])
    rng = np.random.RandomState(0)
    orders = np.concatenate([rng.permutation(len(y)) if shuffle else np.arange(len(y))
                             for _ in range(3)])
    assert_array_equal(u["sample"], orders[[step for step, _, _ in changed]])
    if n_classes == 2:  # binary: every training error is one update
        assert_array_equal(np.bincount(u["epoch"], minlength=clf.n_iter_ + 1)[1:],
                           clf.errors_)


@pytest.mark.parametrize("params", [
    {}, {"n_classes": 3}, {"average": True}, {"penalty": "l2", "alpha": 0.01},
    {"penalty": "elasticnet", "alpha": 0.01, "n_classes": 3}, {"sparse": True},
    {"sparse": True, "penalty": "l1", "alpha": 0.001}, {"float32": True},
    {"early_stopping": True, "n_classes": 3},
], ids=str)
def test_record_updates_changes_no_result(params):
    params = dict(params)
    X, y = blobs(n_classes=params.pop("n_classes", 2))
    if params.pop("sparse", False):
        X = sparse.csr_matrix(np.where(np.abs(X) > 0.7, X, 0.0))
    if params.pop("float32", False):
        X = X.astype(np.float32)
    fits = []
    for record in (False, True):
        clf = PerceptronClassifier(max_iter=5, record_updates=record, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(clf.fit(X, y))
    plain, recorded = fits
    assert not hasattr(plain, "updates_")
    for name in ("coef_", "intercept_"):
        assert_array_equal(getattr(plain, name), getattr(recorded, name))
        assert getattr(recorded, name).dtype == X.dtype
    assert (plain.n_iter_, plain.errors_, plain.t_) == \
        (recorded.n_iter_, recorded.errors_, recorded.t_)
    u = recorded.updates_
    assert u["coef"].dtype == X.dtype
    assert np.all((u["target"] != u["output"]).any(axis=1))
    if not recorded.average and recorded.penalty is None:  # a penalty moves w on
        assert_array_equal(u["coef"][-1], recorded.coef_)
        assert_array_equal(u["intercept"][-1], recorded.intercept_)


def test_record_updates_with_sample_weight_replays_with_the_weights():
    X, y = blobs(n_classes=2, n_samples=80)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    clf = PerceptronClassifier(max_iter=3, tol=None, record_updates=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=weights)
    coefs, intercepts = _replay(X, clf.updates_, sample_weight=weights)
    assert_allclose(clf.updates_["coef"], coefs, rtol=1e-12, atol=1e-12)
    assert_allclose(clf.updates_["intercept"], intercepts, rtol=1e-12, atol=1e-12)


def test_record_updates_partial_fit_appends_passes():
    X, y = blobs(n_classes=3, n_samples=90)
    clf = PerceptronClassifier(record_updates=True, shuffle=False)
    clf.partial_fit(X[:45], y[:45], classes=np.unique(y))
    first = {k: v.copy() for k, v in clf.updates_.items()}
    clf.partial_fit(X[45:], y[45:])
    u = clf.updates_
    n_first = len(first["sample"])
    assert n_first > 0 and len(u["sample"]) > n_first
    for name in first:
        assert_array_equal(u[name][:n_first], first[name])
    assert_array_equal(np.unique(u["epoch"]), [1, 2])  # the pass, as n_iter_ counts
    assert clf.n_iter_ == 2
    # the second pass's rows index its own chunk: replay over the joined data
    joined = dict(u, sample=np.where(u["epoch"] == 2, u["sample"] + 45, u["sample"]))
    coefs, _ = _replay(X, joined)
    assert_allclose(u["coef"], coefs, atol=1e-12)
    assert_array_equal(u["coef"][-1], clf.coef_)


def test_record_updates_off_by_default_and_cleared_by_a_plain_fit():
    clf = PerceptronClassifier(shuffle=False)
    assert clf.get_params()["record_updates"] is False
    clf.set_params(record_updates=True).fit(AND_X, AND_Y)
    assert hasattr(clf, "updates_")
    clf.set_params(record_updates=False).fit(AND_X, AND_Y)
    assert not hasattr(clf, "updates_")  # no stale record of another fit
    with pytest.raises(ValueError, match="record_updates"):
        PerceptronClassifier(record_updates="yes").fit(AND_X, AND_Y)
