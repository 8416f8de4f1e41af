"""Scale-out with dask: searches on a cluster and streaming fits over chunks.

The module starts its own small ``distributed.LocalCluster`` (two workers of one
thread each, in-process: process workers take ~10 s to start on a loaded
2-core machine and add nothing the estimators' pickling checks in
test_common.py do not already cover). Its client is the default scheduler for
the whole module, so both joblib's dask backend and dask-ml's Incremental run
their tasks on it.

- GridSearchCV through ``joblib.parallel_config(backend="dask")`` gives the same
  cv_results_ and best model as the sequential search, and its fits ran as
  tasks on the cluster.
- dask_ml.wrappers.Incremental streams chunks through ``partial_fit``: the
  Gaussian Bayes statistics equal the in-memory fit whatever the chunk order;
  the MLP and the perceptron equal ``partial_fit`` called by hand over the same
  chunks in the same order.

The test extra installs the dask extra, so these imports are plain: without dask
the module fails to import rather than skip.
"""

import warnings

import dask.array as da
import distributed
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import GaussianBayesClassifier, ManualMLPClassifier, PerceptronClassifier

CHUNK = 40  # rows per block; 200 rows make 5 blocks


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=True) as client:
        yield client


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=200, n_features=4, n_informative=3,
                               n_redundant=0, n_classes=3, n_clusters_per_class=1,
                               random_state=0)
    return X, y


def _chunks(X, y):
    return da.from_array(X, chunks=(CHUNK, -1)), da.from_array(y, chunks=CHUNK)


def _small_mlp(**params):
    return ManualMLPClassifier(hidden_layer_sizes=(6,), max_iter=15, batch_size=20,
                               random_state=0, **params)


# ----------------------------------------------------------------------------
# Searches through joblib's dask backend
# ----------------------------------------------------------------------------
SEARCHES = {
    "mlp": (_small_mlp(), {"alpha": [1e-4, 1e-1], "learning_rate_init": [1e-3, 1e-2]}),
    "scaler+mlp": (Pipeline([("scale", StandardScaler()), ("mlp", _small_mlp())]),
                   {"mlp__alpha": [1e-4, 1e-1], "mlp__hidden_layer_sizes": [(3,), (6,)]}),
}


@pytest.mark.parametrize("name", SEARCHES)
def test_grid_search_on_the_cluster_equals_the_sequential_search(client, data, name):
    estimator, grid = SEARCHES[name]
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=15 on purpose
        reference = GridSearchCV(estimator, grid, cv=3, n_jobs=None).fit(X, y)
        search = GridSearchCV(estimator, grid, cv=3)
        with distributed.get_task_stream(client) as tasks, \
                joblib.parallel_config(backend="dask"):
            search.fit(X, y)

    # The fits ran as tasks on the cluster's workers, not in this process.
    assert len(tasks.data) > 0
    assert {task["worker"] for task in tasks.data} <= set(client.scheduler_info()["workers"])
    for key in [f"split{i}_test_score" for i in range(3)] + ["mean_test_score",
                                                              "rank_test_score"]:
        np.testing.assert_array_equal(search.cv_results_[key], reference.cv_results_[key],
                                      err_msg=key)
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    assert search.best_params_ == reference.best_params_
    best, best_ref = search.best_estimator_, reference.best_estimator_
    mlp, mlp_ref = (best[-1], best_ref[-1]) if name != "mlp" else (best, best_ref)
    for coef, coef_ref in zip(mlp.coefs_, mlp_ref.coefs_):
        np.testing.assert_allclose(coef, coef_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(search.predict(X), reference.predict(X))


# ----------------------------------------------------------------------------
# Streaming fits over chunked dask arrays with dask_ml's Incremental
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_gaussian_streamed_statistics_equal_the_in_memory_fit(client, data,
                                                              covariance_type):
    # The class counts, means and scatter matrices are sufficient statistics:
    # merging them block by block gives the full-data fit in any block order
    # (here a shuffled one: dask-ml's default).
    X, y = data
    Xd, yd = _chunks(X, y)
    estimator = GaussianBayesClassifier(covariance_type=covariance_type)
    streamed = Incremental(estimator, shuffle_blocks=True, random_state=0)
    streamed.fit(Xd, yd, classes=np.unique(y))
    in_memory = clone(estimator).fit(X, y)

    fitted = streamed.estimator_
    np.testing.assert_array_equal(fitted.classes_, in_memory.classes_)
    np.testing.assert_array_equal(fitted.class_count_, in_memory.class_count_)
    np.testing.assert_allclose(fitted.class_prior_, in_memory.class_prior_, rtol=1e-12)
    np.testing.assert_allclose(fitted.means_, in_memory.means_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fitted.covariances_, in_memory.covariances_,
                               rtol=1e-10, atol=1e-12)
    # Incremental.predict maps the fitted model over the blocks, lazily.
    predictions = streamed.predict(Xd)
    assert isinstance(predictions, da.Array)
    np.testing.assert_array_equal(predictions.compute(), in_memory.predict(X))
    np.testing.assert_allclose(streamed.predict_proba(Xd).compute(),
                               in_memory.predict_proba(X), rtol=1e-9, atol=1e-12)


def _by_hand(estimator, X, y, classes, n_epochs):
    """partial_fit over the CHUNK-row blocks in order, n_epochs times."""
    model = clone(estimator)
    for _ in range(n_epochs):
        for start in range(0, len(X), CHUNK):
            model.partial_fit(X[start:start + CHUNK], y[start:start + CHUNK],
                              classes=classes)
    return model


@pytest.mark.parametrize("estimator", [
    _small_mlp(),
    _small_mlp(solver="sgd", momentum=0.9, learning_rate_init=0.05),
    PerceptronClassifier(random_state=0),
    PerceptronClassifier(average=True, shuffle=True, random_state=0),
], ids=["mlp-adam", "mlp-sgd", "perceptron", "perceptron-averaged-shuffled"])
def test_incremental_equals_partial_fit_over_the_same_chunks(client, data, estimator):
    # Incremental.fit clones the estimator and calls partial_fit once per block,
    # in block order when shuffle_blocks=False; each further
    # Incremental.partial_fit is one more pass continuing from estimator_. The
    # model travels between the tasks, so its random state (the shuffle of
    # each chunk) must carry over as it does by hand.
    X, y = data
    Xd, yd = _chunks(X, y)
    classes = np.unique(y)
    streamed = Incremental(estimator, shuffle_blocks=False)
    streamed.fit(Xd, yd, classes=classes)
    for _ in range(2):
        streamed.partial_fit(Xd, yd, classes=classes)
    by_hand = _by_hand(estimator, X, y, classes, n_epochs=3)

    fitted = streamed.estimator_
    assert fitted is not estimator and not hasattr(estimator, "classes_")
    np.testing.assert_array_equal(fitted.classes_, classes)
    if isinstance(estimator, ManualMLPClassifier):
        assert len(fitted.loss_curve_) == 3 * len(Xd.chunks[0])  # one entry per block
        np.testing.assert_allclose(fitted.loss_curve_, by_hand.loss_curve_, rtol=1e-12)
        params = zip(fitted.coefs_ + fitted.intercepts_, by_hand.coefs_ + by_hand.intercepts_)
    else:
        params = [(fitted.coef_, by_hand.coef_), (fitted.intercept_, by_hand.intercept_)]
    for streamed_param, hand_param in params:
        np.testing.assert_allclose(streamed_param, hand_param, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(streamed.predict(Xd).compute(), by_hand.predict(X))


def test_incremental_shuffled_blocks_visit_each_block_once(client, data):
    # shuffle_blocks=True (dask-ml's default) visits every block once per pass
    # in a random order: the perceptron then equals partial_fit by hand over
    # some permutation of the blocks, and differs from the in-order pass.
    from itertools import permutations

    X, y = data
    X, y = X[:4 * CHUNK], y[:4 * CHUNK]  # 4 blocks: 24 orders to try
    Xd, yd = _chunks(X, y)
    classes = np.unique(y)
    estimator = PerceptronClassifier(random_state=0)
    streamed = Incremental(estimator, shuffle_blocks=True, random_state=1)
    streamed.fit(Xd, yd, classes=classes)

    blocks = [(X[i:i + CHUNK], y[i:i + CHUNK]) for i in range(0, len(X), CHUNK)]

    def fit_in(order):
        model = clone(estimator)
        for i in order:
            model.partial_fit(*blocks[i], classes=classes)
        return model.coef_

    matches = [order for order in permutations(range(len(blocks)))
               if np.allclose(fit_in(order), streamed.estimator_.coef_, rtol=1e-12)]
    assert matches and tuple(range(len(blocks))) not in matches
