"""scikit-learn's callback API (sklearn.callback) on the three estimators."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import GaussianBayesClassifier, ManualMLPClassifier, PerceptronClassifier
from skmlp.model_selection import MLPGridSearchCV

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _mlp(**params):
    defaults = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=30,
                    random_state=0)
    return ManualMLPClassifier(**{**defaults, **params})


def _lbfgs(**params):
    return _mlp(**{"solver": "lbfgs", **params})


def _perceptron(**params):
    return PerceptronClassifier(**{"max_iter": 30, "tol": None, "random_state": 0,
                                   **params})


class Recorder:
    """Records every hook call; asks to stop at the end of epoch ``stop_at``."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.calls = []  # (hook, task_name, task_id, fitted_estimator)

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name, context.task_id, None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name, context.task_id, None))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.calls.append(("begin", context.task_name, context.task_id, fitted_estimator))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.calls.append(("end", context.task_name, context.task_id, fitted_estimator))
        return context.task_name == "epoch" and context.task_id + 1 == self.stop_at

    def epochs(self, hook):
        return [c for c in self.calls if c[0] == hook and c[1] == "epoch"]


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


ITERATIVE = pytest.mark.parametrize(
    "make", [_mlp, _lbfgs, _perceptron], ids=["mlp", "mlp-lbfgs", "perceptron"])


@ITERATIVE
def test_one_subtask_per_epoch_with_snapshots(make, iris):
    X, y = iris
    recorder = Recorder()
    est = _fit(make().set_callbacks(recorder), X, y)
    hooks = [c[:2] for c in recorder.calls]
    n = est.n_iter_
    assert n >= 2
    # setup, begin fit, (begin epoch, end epoch) per epoch, end fit, teardown
    assert hooks == ([("setup", "fit"), ("begin", "fit")]
                     + [("begin", "epoch"), ("end", "epoch")] * n
                     + [("end", "fit"), ("teardown", "fit")])
    assert [c[2] for c in recorder.epochs("end")] == list(range(n))
    # The snapshot at the end of epoch k predicts as a fit of k epochs does.
    k = 2
    snapshot = recorder.epochs("end")[k - 1][3]
    shorter = _fit(make(max_iter=k), X, y)
    assert snapshot.n_iter_ == shorter.n_iter_ == k
    assert_array_equal(snapshot.predict(X), shorter.predict(X))
    assert_allclose(snapshot.predict_proba(X), shorter.predict_proba(X))
    # The snapshot at the beginning of epoch k + 1 is the same model.
    begin = recorder.epochs("begin")[k][3]
    assert_allclose(begin.predict_proba(X), snapshot.predict_proba(X))
    # Snapshots are copies: training on did not change them.
    assert not np.array_equal(recorder.epochs("end")[-1][3].predict_proba(X),
                              snapshot.predict_proba(X))


@ITERATIVE
def test_callback_stops_training_at_a_chosen_epoch(make, iris):
    X, y = iris
    stop_at = 4
    recorder = Recorder(stop_at=stop_at)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # stopping on request is no "maximum iterations reached" failure
        warnings.filterwarnings("error", message=".*[Mm]aximum")
        est = make().set_callbacks(recorder).fit(X, y)
    assert est.n_iter_ == stop_at
    assert len(recorder.epochs("end")) == stop_at
    assert recorder.calls[-2][:2] == ("end", "fit") and recorder.calls[-1][0] == "teardown"
    # The model is usable and is the model of stop_at epochs.
    reference = _fit(make(max_iter=stop_at), X, y)
    assert_array_equal(est.predict(X), reference.predict(X))
    assert_allclose(est.predict_proba(X), reference.predict_proba(X))
    if make is not _lbfgs:
        curve = est.loss_curve_ if hasattr(est, "loss_curve_") else est.errors_
        assert len(curve) == stop_at


def test_partial_fit_is_one_epoch_task(iris):
    X, y = iris
    for est in (ManualMLPClassifier(random_state=0), PerceptronClassifier()):
        recorder = Recorder()
        est.set_callbacks(recorder).partial_fit(X, y, classes=np.unique(y))
        assert [c[:3] for c in recorder.calls if c[0] in ("begin", "end")] == [
            ("begin", "fit", 0), ("begin", "epoch", 0), ("end", "epoch", 0),
            ("end", "fit", 0)]


def test_bayes_fit_is_one_task(iris):
    X, y = iris
    for est in (GaussianBayesClassifier(),):
        recorder = Recorder()
        _fit(est.set_callbacks(recorder), X, y)
        assert [c[:2] for c in recorder.calls] == [
            ("setup", "fit"), ("begin", "fit"), ("end", "fit"), ("teardown", "fit")]
        fitted = recorder.calls[2][3]
        assert_array_equal(fitted.predict(X), est.predict(X))


def test_failed_fit_still_tears_down_callbacks(iris):
    X, y = iris
    recorder = Recorder()
    est = ManualMLPClassifier(learning_rate_init=1e6, solver="sgd").set_callbacks(recorder)
    with pytest.raises(FloatingPointError):
        est.fit(X * 1e3, y)
    assert recorder.calls[-1][0] == "teardown"
    assert not hasattr(est, "coefs_")


def test_callbacks_survive_clone(iris):
    recorder = Recorder()
    est = clone(_mlp().set_callbacks(recorder))
    _fit(est, *iris)
    assert recorder.epochs("end")


@pytest.mark.parametrize(
    "est", [_mlp(), _perceptron(), GaussianBayesClassifier()],
    ids=["mlp", "perceptron", "bayes"])
def test_progress_bar_on_each_estimator(est, iris, capsys):
    pytest.importorskip("rich")
    _fit(est.set_callbacks(callback.ProgressBar()), *iris)
    out = capsys.readouterr().out
    assert type(est).__name__ + " - fit" in out and "100%" in out


def _search(mlp, search_class=GridSearchCV):
    return search_class(make_pipeline(StandardScaler(), mlp),
                        {"manualmlpclassifier__alpha": [1e-4, 1e-1]}, cv=2)


SEARCHES = pytest.mark.parametrize("search_class", [GridSearchCV, MLPGridSearchCV])


@SEARCHES
def test_progress_bar_nested_in_grid_search_of_a_pipeline(
        search_class, iris, capsys, monkeypatch):
    rich = pytest.importorskip("rich")
    # rich cuts lines to the console width; the nested task names are long
    # (and an earlier test of the process may have made rich's console)
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setattr(rich, "_console", None)
    search = _search(_mlp(max_iter=5), search_class).set_callbacks(
        callback.ProgressBar(max_propagation_depth=None))
    _fit(search, *iris)
    out = capsys.readouterr().out
    # 4 candidate fits and the refit each show the MLP's bar, completed.
    mlp_bars = [ln for ln in out.splitlines() if "ManualMLPClassifier - fit" in ln]
    assert len(mlp_bars) >= 5 and all("100%" in ln for ln in mlp_bars)


@pytest.mark.parametrize("make", [_mlp, _perceptron], ids=["mlp", "perceptron"])
def test_scoring_monitor_records_the_score_of_every_epoch(make, iris):
    X, y = iris
    recorder, monitor = Recorder(), callback.ScoringMonitor(scoring="accuracy")
    est = _fit(make().set_callbacks(recorder, monitor), X, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert [r["task_id"] for r in rows] == list(range(est.n_iter_))
    expected = [accuracy_score(y, c[3].predict(X)) for c in recorder.epochs("end")]
    assert [r["accuracy"] for r in rows] == expected
    final = [r for r in monitor.get_logs().data if r["task_name"] == "fit"]
    assert final[0]["accuracy"] == accuracy_score(y, est.predict(X))
    assert len(set(expected)) > 1  # the scores do follow the training


@SEARCHES
def test_scoring_monitor_nested_in_grid_search_of_a_pipeline(search_class, iris):
    X, y = iris
    monitor = callback.ScoringMonitor(scoring="accuracy")
    _fit(_search(_mlp(max_iter=5).set_callbacks(monitor), search_class), X, y)
    logs = monitor.get_logs(select="all")
    epoch_rows = [r for log in logs for r in log.data if r["task_name"] == "epoch"]
    # 2 candidates x 2 splits + the refit, 5 epochs each
    assert len(epoch_rows) == 5 * 5
    assert all(0 <= r["accuracy"] <= 1 for r in epoch_rows)


def test_without_sklearn_callback_the_hooks_are_no_ops(monkeypatch, iris):
    # scikit-learn 1.8 has no sklearn.callback: skmlp._callbacks falls back to
    # a mixin whose contexts do nothing (and no set_callbacks).
    import importlib
    import sys

    import skmlp._callbacks as compat

    monkeypatch.setitem(sys.modules, "sklearn.callback", None)  # import fails
    try:
        fallback = importlib.reload(compat)
        assert not hasattr(fallback.CallbackSupportMixin, "set_callbacks")

        class Model(fallback.CallbackSupportMixin):
            pass

        tasks = fallback.FitTasks(Model(), *iris, None, max_epochs=3)
        snapshots = []
        for _ in range(3):
            tasks.begin_epoch(lambda: snapshots.append(1))
            assert tasks.end_epoch(lambda: snapshots.append(1)) is False
        tasks.end()
        assert snapshots == []  # never asked for
    finally:
        monkeypatch.undo()
        importlib.reload(compat)
    assert compat.CallbackSupportMixin is callback.CallbackSupportMixin


def test_minimum_risk_and_density_bayes_support_callbacks(iris, capsys):
    from skmlp import DensityBayesClassifier, MinimumRiskClassifier

    X, y = iris
    recorder = Recorder()
    _fit(DensityBayesClassifier().set_callbacks(recorder), X, y)
    assert [c[:2] for c in recorder.calls if c[0] in ("begin", "end")] == [
        ("begin", "fit"), ("end", "fit")]
    # The meta-estimator's fit task has the inner fit as its subtask: a
    # ProgressBar set on it reaches the MLP (auto-propagated), and a
    # callback set on the inner estimator follows its clone.
    pytest.importorskip("rich")
    inner_recorder = Recorder()
    meta = MinimumRiskClassifier(_mlp(max_iter=4).set_callbacks(inner_recorder))
    _fit(meta.set_callbacks(callback.ProgressBar()), X, y)
    out = capsys.readouterr().out
    assert "MinimumRiskClassifier - fit" in out
    assert "ManualMLPClassifier - fit" in out and "100%" in out
    assert len(inner_recorder.epochs("end")) == meta.estimator_.n_iter_ == 4


def test_stacked_search_gives_each_candidate_its_epoch_subtasks(iris):
    # MLPGridSearchCV trains the two candidates of a split as one stack; each
    # network still reports its own epochs, and a callback stops only its own
    # network: the same tasks and the same results as GridSearchCV's.
    X, y = iris
    runs = {}
    for search_class in (GridSearchCV, MLPGridSearchCV):
        recorder = Recorder(stop_at=3)
        search = _fit(_search(_mlp(max_iter=6).set_callbacks(recorder), search_class),
                      X, y)
        runs[search_class] = recorder, search
    (grid_rec, grid), (stack_rec, stacked) = runs[GridSearchCV], runs[MLPGridSearchCV]
    # 2 candidates x 2 splits + the refit, each stopped after its 3rd epoch
    assert len(stack_rec.epochs("end")) == len(grid_rec.epochs("end")) == 5 * 3
    assert stacked.best_estimator_[-1].n_iter_ == 3
    assert_allclose(stacked.cv_results_["mean_test_score"],
                    grid.cv_results_["mean_test_score"], rtol=0, atol=1e-12)
    snapshots = [c[3] for c in stack_rec.epochs("end")]
    assert all(s.predict(X[:5]).shape == (5,) for s in snapshots)


class FailsAtTheEnd(Recorder):
    """Raises in the hook that ends the whole fit (the root task)."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
        if context.task_name == "fit":
            raise RuntimeError("the callback failed")


def _minimum_risk():
    from sklearn.linear_model import LogisticRegression

    from skmlp import MinimumRiskClassifier

    return MinimumRiskClassifier(LogisticRegression(max_iter=200))


def _density_bayes():
    from skmlp import DensityBayesClassifier

    return DensityBayesClassifier()


@pytest.mark.parametrize("make, method", [
    (GaussianBayesClassifier, "fit"), (GaussianBayesClassifier, "partial_fit"),
    (_density_bayes, "fit"), (_minimum_risk, "fit"),
    (_perceptron, "fit"), (_perceptron, "partial_fit"),
], ids=["gaussian-bayes-fit", "gaussian-bayes-partial_fit", "density-bayes",
        "minimum-risk", "perceptron-fit", "perceptron-partial_fit"])
@pytest.mark.parametrize("fitted_before", [False, True], ids=["unfitted", "fitted"])
def test_callback_failing_at_the_end_of_fit_fails_it_all_or_nothing(
        make, method, fitted_before, iris):
    # Before: the model stayed fitted (or updated) although fit raised.
    X, y = iris
    est = make()
    if fitted_before:
        _fit(est, X[::2], y[::2])
    before = {name: value for name, value in vars(est).items() if name.endswith("_")}
    proba = est.predict_proba(X) if fitted_before else None
    est.set_callbacks(FailsAtTheEnd())
    kwargs = {"classes": np.unique(y)} if method == "partial_fit" else {}
    with pytest.raises(RuntimeError, match="the callback failed"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            getattr(est, method)(X[1::2] * 1.5, y[1::2], **kwargs)
    after = {name: value for name, value in vars(est).items() if name.endswith("_")}
    assert after.keys() == before.keys()
    assert all(after[name] is before[name] for name in before)
    if fitted_before:
        assert_array_equal(est.predict_proba(X), proba)
    else:
        with pytest.raises(NotFittedError):
            est.predict(X)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_regressor_epochs_are_subtasks_whose_snapshots_predict_as_shorter_fits(solver, iris):
    # The regressor's fit goes through the same callback machinery: one epoch
    # subtask per epoch (lbfgs: per iteration), snapshots that predict as the
    # model stood, a callback returning True stops it cleanly.
    from skmlp import ManualMLPRegressor

    X, y = iris
    target = X[:, 0] - X[:, 1] + 0.1 * y

    def make(**params):
        return ManualMLPRegressor(**{**dict(hidden_layer_sizes=(6,), solver=solver,
                                            max_iter=12, learning_rate_init=0.01,
                                            random_state=0), **params})

    recorder, monitor = Recorder(stop_at=5), callback.ScoringMonitor(scoring="r2")
    est = _fit(make().set_callbacks(recorder, monitor), X, target)
    assert est.n_iter_ == 5 and len(recorder.epochs("end")) == 5
    snapshot = recorder.epochs("end")[2][3]
    shorter = _fit(make(max_iter=3), X, target)
    assert_allclose(snapshot.predict(X), shorter.predict(X), rtol=1e-12)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    scores = [r["r2"] for r in rows]
    assert scores == [c[3].score(X, target) for c in recorder.epochs("end")]
    assert_allclose(est.predict(X), _fit(make(max_iter=5), X, target).predict(X))
