"""rnnlib.SequenceModel and its Stepper given what a hostile or careless caller passes: every
call gets a ValueError or TypeError whose message starts with what the caller called
(SequenceModel, SequenceModel.forward, SequenceModel.backward, Stepper, Stepper.step,
Stepper.state), never with the layer inside it, names the argument and says what came; sizes
with a few zeros too many are refused before anything is allocated; nothing changes after an
error.

Each row: (what the message starts with, the argument, the call, the error, words the message
must hold besides those two)."""
import tracemalloc

import numpy as np
import pytest

import rnnlib
from rnnlib import SequenceModel

from boundary import case_ids, clear_error

M = SequenceModel(3, 4, 2, seed=0)
LSTM = SequenceModel(3, 4, 2, cell="lstm", seed=0)
BACK = SequenceModel(3, 4, 2, go_backwards=True, seed=0)
X = np.zeros((1, 5, 3))


def after_forward(model, dy):
    model(X)
    return model.backward(dy)


def set_state(model, value):
    model.stepper().state = value


CASES = [
    ("SequenceModel", "input_size", lambda: SequenceModel(None, 4, 2), TypeError, ["None"]),
    ("SequenceModel", "input_size", lambda: SequenceModel(0, 4, 2), ValueError, ["got 0"]),
    ("SequenceModel", "hidden_size", lambda: SequenceModel(3, 4.0, 2), TypeError, ["4.0"]),
    ("SequenceModel", "hidden_size", lambda: SequenceModel(3, -4, 2), ValueError, ["-4"]),
    ("SequenceModel", "output_size", lambda: SequenceModel(3, 4, "2"), TypeError, ["'2'"]),
    ("SequenceModel", "num_layers", lambda: SequenceModel(3, 4, 2, num_layers=0), ValueError, ["got 0"]),
    ("SequenceModel", "num_layers", lambda: SequenceModel(3, 4, 2, num_layers=True), TypeError, ["True"]),
    ("SequenceModel", "go_backwards", lambda: SequenceModel(3, 4, 2, go_backwards="yes"), TypeError,
     ["'yes'"]),
    ("SequenceModel", "cell", lambda: SequenceModel(3, 4, 2, cell="LSTM"), ValueError, ["'LSTM'"]),
    ("SequenceModel", "cell", lambda: SequenceModel(3, 4, 2, cell=None), TypeError, ["None"]),
    ("SequenceModel", "nonlinearity", lambda: SequenceModel(3, 4, 2, "sigmoid"), ValueError,
     ["'sigmoid'"]),
    ("SequenceModel", "nonlinearity", lambda: SequenceModel(3, 4, 2, "relu", cell="gru"), ValueError,
     ["GRU"]),
    ("SequenceModel", "seed", lambda: SequenceModel(3, 4, 2, seed=-1), ValueError, ["-1"]),
    ("SequenceModel", "dtype", lambda: SequenceModel(3, 4, 2, dtype=np.int32), TypeError, ["int32"]),
    ("SequenceModel", "hidden_size", lambda: SequenceModel(3, 10**6, 2), ValueError,
     ["1e+12 parameters", "zeros too many"]),
    ("SequenceModel", "num_layers", lambda: SequenceModel(3, 1000, 2, num_layers=100, cell="lstm"),
     ValueError, ["7.97e+08 parameters"]),
    # forward: the layer's checks, under the name the caller used
    ("SequenceModel.forward", "x", lambda: M(np.zeros((5, 3))), ValueError, ["(5, 3)", "x[None]"]),
    ("SequenceModel.forward", "x", lambda: M(np.zeros((1, 5, 4))), ValueError, ["input_size=3"]),
    ("SequenceModel.forward", "x", lambda: M(np.full((1, 5, 3), np.nan)), ValueError, ["nan"]),
    ("SequenceModel.forward", "x", lambda: M(None), TypeError, ["object"]),
    ("SequenceModel.forward", "x", lambda: M(np.array([[0, 1, 5]])), ValueError, ["x[0, 2] is 5"]),
    ("SequenceModel.forward", "x", lambda: M(np.array([[0, -1, 2]])), ValueError, ["Negative ids"]),
    ("SequenceModel.forward", "h0", lambda: M(X, np.zeros(4)), ValueError, ["(4,)"]),
    ("SequenceModel.forward", "h0", lambda: LSTM(X, np.zeros((1, 1, 4))), TypeError, ["(h0, c0)"]),
    ("SequenceModel.forward", "lengths", lambda: M(X, lengths=[6]), ValueError, ["lengths[0] is 6"]),
    ("SequenceModel.forward", "lengths", lambda: BACK(X, lengths=[0]), ValueError, ["lengths[0] is 0"]),
    ("SequenceModel.forward", "lengths", lambda: M(X, lengths=[2.5]), TypeError, ["float64"]),
    ("SequenceModel.forward", "return_state", lambda: M(X, return_state="yes"), TypeError, ["'yes'"]),
    # backward: dy is the model's, (batch, time, output_size)
    ("SequenceModel.backward", "dy", lambda: after_forward(M, np.zeros((1, 5, 3))), ValueError,
     ["output_size=2", "(1, 5, 3)"]),
    ("SequenceModel.backward", "dy", lambda: after_forward(M, np.zeros((1, 4, 2))), ValueError,
     ["time=5"]),
    ("SequenceModel.backward", "dy", lambda: after_forward(M, np.full((1, 5, 2), np.inf)), ValueError,
     ["inf"]),
    ("SequenceModel.backward", "dy", lambda: after_forward(BACK, None), TypeError, ["object"]),
    # Stepper
    ("Stepper", "batch_size", lambda: M.stepper(0), ValueError, ["got 0"]),
    ("Stepper", "batch_size", lambda: M.stepper(1.0), TypeError, ["1.0"]),
    ("Stepper", "model", lambda: rnnlib.Stepper(rnnlib.RNN(3, 4)), TypeError, ["RNN"]),
    ("Stepper.step", "x_t", lambda: M.stepper().step(np.zeros(3)), ValueError, ["(3,)"]),
    ("Stepper.step", "x_t", lambda: M.stepper().step(np.zeros((1, 1, 3))), ValueError, ["model(x)"]),
    ("Stepper.step", "x_t", lambda: M.stepper().step(np.zeros((2, 3))), ValueError, ["batch=1"]),
    ("Stepper.step", "x_t", lambda: M.stepper().step(np.zeros((1, 3), int)), TypeError, ["int64"]),
    ("Stepper.step", "x_t", lambda: M.stepper().step(np.full((1, 3), np.nan)), ValueError, ["nan"]),
    ("Stepper.state", "state", lambda: set_state(M, np.zeros((1, 1, 5))), ValueError, ["(1, 1, 5)"]),
    ("Stepper.state", "state", lambda: set_state(M, None), TypeError, ["object"]),
    ("Stepper.state", "state", lambda: set_state(LSTM, np.zeros((1, 1, 4))), TypeError, ["(h, c)"]),
    ("Stepper.state", "state[1] (c)", lambda: set_state(LSTM, (np.zeros((1, 1, 4)), np.zeros((1, 1, 3)))),
     ValueError, ["(1, 1, 3)"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


def test_sizes_with_zeros_too_many_allocate_nothing():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="zeros too many"):
            SequenceModel(46, 640_000, 46)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak


def test_a_failed_forward_or_backward_leaves_the_model_as_it_was():
    m = SequenceModel(3, 4, 2, go_backwards=True, seed=1)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    dy = np.ones((2, 5, 2))
    m(x, lengths=[5, 3])
    m.zero_grad()
    m.backward(dy)
    want = {k: g.copy() for k, g in m.grads.items()}
    m.zero_grad()
    m(x, lengths=[5, 3])
    with pytest.raises(ValueError):
        m(x, lengths=[5, 9])                      # refused: the pending forward is kept
    with pytest.raises(ValueError):
        m.backward(dy[:, :4])
    m.backward(dy)
    for k in want:
        np.testing.assert_array_equal(m.grads[k], want[k])
