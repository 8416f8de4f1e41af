"""The training loop's declaration of what may differ between the networks of a stack.

Every constructor parameter of the MLP estimators is either per network
(``PER_NETWORK_PARAMS``: each network of a stack has its own value) or
defines the stack (``STACK_PARAMS``: the networks share it); and a stack of
networks that differ in one per-network parameter trains each exactly as it
trains alone, so no entry of the declaration silently gives every network
the first one's value.
"""

import inspect
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import skmlp
from skmlp._network import fit_stack
from skmlp._training import PER_NETWORK_PARAMS, STACK_PARAMS

ESTIMATORS = [skmlp.ManualMLPClassifier, skmlp.ManualMLPRegressor]


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_every_constructor_parameter_is_per_network_or_defines_the_stack(Estimator):
    names = set(inspect.signature(Estimator).parameters)
    per_network, stack = names & set(PER_NETWORK_PARAMS), names & STACK_PARAMS
    assert not per_network & stack
    assert per_network | stack == names, f"unclassified: {names - per_network - stack}"
    assert set(PER_NETWORK_PARAMS) <= names  # nothing declared that is not a parameter


def test_each_declared_reader_is_an_argument_of_what_reads_it():
    from skmlp._optimizers import AdamOptimizer, SGDOptimizer

    readers = {"sgd": SGDOptimizer, "adam": AdamOptimizer}
    for name, read_by in PER_NETWORK_PARAMS.items():
        for reader, argument in read_by.items():
            assert reader in ("sgd", "adam", "penalty", "stopping", "dropout"), name
            if reader in readers:
                assert argument in inspect.signature(readers[reader]).parameters, name


# Two values of each per-network parameter, and the solver that reads it.
VALUES = {
    "alpha": ([1e-4, 0.3], {}),
    "learning_rate_init": ([0.01, 0.2], {}),
    "learning_rate": (["constant", "invscaling"], {}),
    "momentum": ([0.5, 0.95], {}),
    "power_t": ([0.25, 0.75], {"learning_rate": "invscaling", "learning_rate_init": 0.5}),
    "beta_1": ([0.8, 0.95], {"solver": "adam"}),
    "beta_2": ([0.9, 0.999], {"solver": "adam"}),
    "epsilon": ([1e-8, 1e-2], {"solver": "adam"}),
    "tol": ([0.0, 0.5], {"n_iter_no_change": 1}),
    "n_iter_no_change": ([1, 2], {"tol": 0.5}),
    "max_iter": ([2, 5], {}),
    "verbose": ([False, True], {}),
    "weight_decay": ([0.0, 0.5], {}),
    "max_grad_norm": ([None, 0.05], {}),
    "dropout": ([0.0, 0.3], {}),
}
# Adam reads these too (cosine is the one schedule that applies to it).
ADAM_VALUES = {
    "learning_rate": (["constant", "cosine"], {"solver": "adam"}),
    "weight_decay": ([0.0, 0.5], {"solver": "adam"}),
    "max_grad_norm": ([None, 0.05], {"solver": "adam"}),
    "max_iter": ([2, 5], {"solver": "adam", "learning_rate": "cosine"}),
}


def test_every_per_network_parameter_has_a_test_value():
    assert set(VALUES) == set(PER_NETWORK_PARAMS)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_stack_gives_each_network_its_own_value(Estimator, name, capsys):
    _check_stack_gives_each_network_its_own_value(Estimator, *VALUES[name], name, capsys)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("name", sorted(ADAM_VALUES))
def test_a_stack_of_adam_networks_gives_each_its_own_value(Estimator, name, capsys):
    _check_stack_gives_each_network_its_own_value(Estimator, *ADAM_VALUES[name], name,
                                                  capsys)


def _check_stack_gives_each_network_its_own_value(Estimator, values, extra, name, capsys):
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    if Estimator is skmlp.ManualMLPRegressor:
        y = (y - 4.5) / 3.0  # a real target: the digit, centred
    base = dict(hidden_layer_sizes=(6,), solver="sgd", batch_size=50, max_iter=5,
                learning_rate_init=0.1, random_state=0)
    base.update(extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stacked = [Estimator(**{**base, name: value}) for value in values]
        assert fit_stack(stacked, X, y) == [None, None]
        alone = [Estimator(**{**base, name: value}).fit(X, y) for value in values]
    capsys.readouterr()
    for a, b in zip(stacked, alone):
        assert a.n_iter_ == b.n_iter_ and a.loss_curve_ == b.loss_curve_
        for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            assert_array_equal(wa, wb)
    # and the value matters: the two networks differ (verbose: in what it prints)
    if name != "verbose":
        assert not np.array_equal(stacked[0].coefs_[0], stacked[1].coefs_[0])


def test_dropout_buffers_are_counted_in_a_networks_stack_bytes():
    # 64-32-10 on 64-row minibatches: the masks and thinned outputs of the 32 hidden
    # units are 2 x 64 x 32 values more than without dropout
    from skmlp._training import bytes_per_network

    plain = bytes_per_network([64, 32, 10], 64, 8, "sgd", False)
    assert bytes_per_network([64, 32, 10], 64, 8, "sgd", False, dropout=True) == (
        plain + 8 * 2 * 64 * 32)
