"""validation_loss_curve_, the early-stopping scoring, TrainingCurveDisplay."""

import copy
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from _helpers import EpochEndCallback
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, get_scorer, log_loss
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import ManualMLPClassifier, PerceptronClassifier, TrainingCurveDisplay
from skmlp.model_selection import MLPGridSearchCV

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


class Snapshots(EpochEndCallback):
    """Keeps the model at the end of every epoch (sklearn.callback hook)."""

    def __init__(self):
        self.models = []

    def epoch_end(self, fitted_estimator):
        self.models.append(fitted_estimator)


def _fit_with_snapshots(est, X, y, **fit_params):
    snapshots = Snapshots()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_callbacks(snapshots).fit(X, y, **fit_params)
    return snapshots.models


def _held_out(est, X, y):
    # ManualMLPClassifier's split: stratified by label, with the random state
    # of random_state after the initial weights' draws (W then b per layer).
    rng = np.random.RandomState(est.random_state)
    units = [X.shape[1], *est.hidden_layer_sizes, len(np.unique(y))]
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        rng.uniform(size=(fan_in, fan_out))
        rng.uniform(size=fan_out)
    _, val = train_test_split(np.arange(len(y)), stratify=y, random_state=rng,
                              test_size=est.validation_fraction)
    return X[val], y[val]


def _mlp(**params):
    return ManualMLPClassifier(**{**dict(hidden_layer_sizes=(6,), learning_rate_init=0.05,
                                         max_iter=15, early_stopping=True,
                                         n_iter_no_change=100, random_state=0), **params})


def test_validation_loss_curve_is_the_log_loss_of_each_epoch_on_the_held_out_set(iris):
    X, y = iris
    est = _mlp()
    models = _fit_with_snapshots(est, X, y)
    X_val, y_val = _held_out(est, X, y)
    # the held-out set is the one validation_scores_ was computed on
    accuracies = [float(np.mean(m.predict(X_val) == y_val)) for m in models]
    assert accuracies == est.validation_scores_
    # the loss without penalty: sklearn's log_loss of the snapshot's probabilities
    expected = [log_loss(y_val, m.predict_proba(X_val), labels=est.classes_) for m in models]
    assert len(est.validation_loss_curve_) == est.n_iter_ == 15
    assert_allclose(est.validation_loss_curve_, expected, rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert ManualMLPClassifier(max_iter=2).fit(X, y).validation_loss_curve_ is None


def test_scoring_chooses_the_early_stopping_metric(iris):
    X, y = iris
    for scoring, metric in [
        ("balanced_accuracy", balanced_accuracy_score),
        (get_scorer("neg_log_loss"), None),
    ]:
        est = _mlp(scoring=scoring)
        models = _fit_with_snapshots(est, X, y)
        X_val, y_val = _held_out(est, X, y)
        if metric is None:
            expected = [-log_loss(y_val, m.predict_proba(X_val)) for m in models]
        else:
            expected = [metric(y_val, m.predict(X_val)) for m in models]
        assert_allclose(est.validation_scores_, expected, rtol=1e-10)
        assert est.best_validation_score_ == max(expected)


def test_scoring_is_validated(iris):
    with pytest.raises(ValueError, match="scoring"):
        _mlp(scoring="not_a_scorer").fit(*iris)
    with pytest.raises(ValueError, match="scoring"):
        _mlp(scoring=3).fit(*iris)


def test_scoring_with_dataframe_input_gives_no_feature_name_warning(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=list("abcd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        _mlp(scoring="f1_macro").fit(frame, y)


def test_display_plots_the_mlp_curves(iris):
    est = _mlp()
    _fit_with_snapshots(est, *iris)
    fig, ax = plt.subplots()
    display = TrainingCurveDisplay.from_estimator(est, ax=ax)
    assert display.ax_ is ax and display.figure_ is fig
    assert [line.get_label() for line in display.lines_] == [
        "training loss", "validation loss"]
    for line, curve in zip(display.lines_, [est.loss_curve_, est.validation_loss_curve_]):
        assert_array_equal(line.get_xdata(), np.arange(1, est.n_iter_ + 1))
        assert_array_equal(line.get_ydata(), curve)
    scores = TrainingCurveDisplay.from_estimator(est, kind="validation_score")
    assert_array_equal(scores.lines_[0].get_ydata(), est.validation_scores_)
    assert scores.ax_ is not ax
    plt.close("all")


def test_display_plots_the_perceptron_errors(iris):
    X, y = iris
    est = PerceptronClassifier(max_iter=8, tol=None).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(est, color="red")
    (line,) = display.lines_
    assert_array_equal(line.get_ydata(), est.errors_)
    assert_array_equal(line.get_xdata(), np.arange(1, 9))
    assert line.get_color() == "red"
    assert display.ax_.get_ylabel() == "misclassified samples"
    # plot() again on new axes draws the same data
    again = copy.copy(display).plot(ax=plt.subplots()[1])
    assert_array_equal(again.lines_[0].get_ydata(), est.errors_)
    plt.close("all")


def test_display_errors(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lbfgs = ManualMLPClassifier(solver="lbfgs", max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="no loss_curve_ or validation_loss_curve_"):
        TrainingCurveDisplay.from_estimator(lbfgs)
    with pytest.raises(ValueError, match="kind must be one of"):
        TrainingCurveDisplay.from_estimator(lbfgs, kind="accuracy")
    with pytest.raises(Exception, match="not fitted"):
        TrainingCurveDisplay.from_estimator(PerceptronClassifier())
    plt.close("all")


def _plotted(display):
    return {line.get_label(): list(line.get_ydata()) for line in display.lines_}


def test_display_of_a_pipeline_plots_its_final_step(iris):
    X, y = load_iris(return_X_y=True)  # unscaled: the Pipeline scales
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(StandardScaler(), _mlp()).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(pipe)
    net = pipe[-1]
    assert _plotted(display) == {"training loss": net.loss_curve_,
                                 "validation loss": net.validation_loss_curve_}
    assert display.ax_.get_title() == "ManualMLPClassifier in a Pipeline"
    plt.close("all")


@pytest.mark.parametrize("search_cls", [MLPGridSearchCV, GridSearchCV])
def test_display_of_a_search_plots_its_best_network(iris, search_cls):
    X, y = load_iris(return_X_y=True)
    grid = {"manualmlpclassifier__learning_rate_init": [0.01, 0.05]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = search_cls(make_pipeline(StandardScaler(), _mlp(max_iter=8)), grid,
                            cv=2).fit(X, y)
    best = search.best_estimator_[-1]
    display = TrainingCurveDisplay.from_estimator(search, kind="validation_score")
    assert _plotted(display) == {"validation score": best.validation_scores_}
    losses = _plotted(TrainingCurveDisplay.from_estimator(search))
    assert losses == {"training loss": best.loss_curve_,
                      "validation loss": best.validation_loss_curve_}
    assert display.ax_.get_title() == (
        f"ManualMLPClassifier in a Pipeline, best of {search_cls.__name__}")
    plt.close("all")


def test_display_errors_say_why_and_what_to_pass(iris):
    X, y = iris
    grid = {"learning_rate_init": [0.01, 0.05]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        no_refit = MLPGridSearchCV(_mlp(max_iter=3), grid, cv=2, refit=False).fit(X, y)
        lbfgs = make_pipeline(StandardScaler(),
                              ManualMLPClassifier(solver="lbfgs", max_iter=5)).fit(X, y)
        plain = ManualMLPClassifier(max_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="refit=False.*best_params_"):
        TrainingCurveDisplay.from_estimator(no_refit)
    with pytest.raises(ValueError, match="in a Pipeline has no loss_curve_.*'lbfgs'.*'sgd'"):
        TrainingCurveDisplay.from_estimator(lbfgs)
    with pytest.raises(ValueError, match="validation_scores_.*early_stopping=True"):
        TrainingCurveDisplay.from_estimator(plain, kind="validation_score")
    with pytest.raises(ValueError, match="errors_ is the PerceptronClassifier's"):
        TrainingCurveDisplay.from_estimator(plain, kind="errors")
    with pytest.raises(Exception, match="not fitted"):
        TrainingCurveDisplay.from_estimator(MLPGridSearchCV(_mlp(), grid))
    plt.close("all")


@pytest.mark.parametrize("epochs", [3, 7, 40])
def test_display_epoch_ticks_are_whole_numbers(iris, epochs):
    # before: matplotlib's default ticks put epochs 1.5, 2.5, ... on a short curve
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ManualMLPClassifier(hidden_layer_sizes=(4,), max_iter=epochs,
                                  random_state=0).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(clf)
    display.figure_.canvas.draw()
    ticks = [t for t in display.ax_.get_xticks()
             if display.ax_.get_xlim()[0] <= t <= display.ax_.get_xlim()[1]]
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)
    plt.close("all")


def test_display_plots_the_regressor_curves(iris):
    from skmlp import ManualMLPRegressor

    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ManualMLPRegressor(hidden_layer_sizes=(5,), solver="sgd", early_stopping=True,
                                 max_iter=15, random_state=0).fit(X, X[:, 0] + 0.1 * y)
    display = TrainingCurveDisplay.from_estimator(est)
    assert [line.get_label() for line in display.lines_] == [
        "training loss", "validation loss"]
    assert_array_equal(display.lines_[0].get_ydata(), est.loss_curve_)
    assert_array_equal(display.lines_[1].get_ydata(), est.validation_loss_curve_)
    scores = TrainingCurveDisplay.from_estimator(est, kind="validation_score")
    assert_array_equal(scores.lines_[0].get_ydata(), est.validation_scores_)  # R2
    plt.close("all")
