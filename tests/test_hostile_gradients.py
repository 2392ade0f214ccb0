"""rnnlib.gradients given what a hostile or careless caller passes: every call gets a ValueError
or TypeError whose message starts with the function called, names the argument, and says what
came; no numpy message and no warning gets through.

States are checked to be states: an RNN's h is never nan, lies in [-1, 1] for tanh and is >= 0
for relu, so a pre-activation passed as h, a nan from an overflowed run or a nonlinearity
other than the one that made h is refused instead of giving a Jacobian of nothing.

Each row: (function as the message names it, the argument, the call, the error, words the
message must hold besides those two)."""
import numpy as np
import pytest

import rnnlib
from rnnlib.gradients import (gradient_norms, jacobian_products, state_gradients, step_jacobian,
                              tbptt_gradients, with_spectral_radius)

from boundary import case_ids, clear_error

N, T, F, H = 2, 5, 3, 4
rng = np.random.default_rng(0)
X = rng.normal(size=(N, T, F))
H0 = 0.5 * rng.normal(size=(N, H))
WX = rng.normal(size=(F, H))
WH = 0.3 * rng.normal(size=(H, H))
B = np.zeros(H)
ARGS = (X, H0, WX, WH, B)
_, CACHE = rnnlib.rnn_forward(*ARGS)
_, RELU_CACHE = rnnlib.rnn_forward(*ARGS, "relu")
DH = np.ones((N, T, H))
_, _, LSTM_STEP = rnnlib.lstm_step_forward(X[:, 0], H0, H0, rng.normal(size=(F, 4 * H)),
                                           rng.normal(size=(H, 4 * H)), np.zeros(4 * H))
_, _, LSTM_SEQ = rnnlib.lstm_forward(X, H0, H0, rng.normal(size=(F, 4 * H)),
                                     rng.normal(size=(H, 4 * H)), np.zeros(4 * H))
_, GRU_STEP = rnnlib.gru_step_forward(X[:, 0], H0, rng.normal(size=(F, 3 * H)),
                                      rng.normal(size=(H, 3 * H)), np.zeros(3 * H), np.zeros(3 * H))
_, GRU_SEQ = rnnlib.gru_forward(X, H0, rng.normal(size=(F, 3 * H)), rng.normal(size=(H, 3 * H)),
                                np.zeros(3 * H), np.zeros(3 * H))
_, STEP_CACHE = rnnlib.rnn_step_forward(X[:, 0], H0, WX, WH, B)
_, PADDED_CACHE = rnnlib.rnn_forward_padded(X, H0, WX, WH, B, [5, 3])


def cache_with(index, value):
    c = list(CACHE)
    c[index] = value
    return tuple(c)


def states(value, shape=(3, H)):
    return np.full(shape, value)


CASES = [
    # state_gradients: the cache of rnn_forward, and dh of its h's shape
    ("state_gradients", "cache", lambda: state_gradients(DH, None), TypeError, ["NoneType"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, list(CACHE)), TypeError, ["list"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, LSTM_STEP), TypeError,
     ["lstm_step_forward", "LSTM"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, LSTM_SEQ), TypeError, ["lstm_forward"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, GRU_STEP), TypeError,
     ["gru_step_forward", "GRU"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, GRU_SEQ), TypeError, ["gru_forward"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, STEP_CACHE), TypeError,
     ["rnn_step_forward", "one timestep"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, PADDED_CACHE), ValueError,
     ["padded", "without lengths"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, CACHE[:5]), TypeError,
     ["tuple of 5 items"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, (1, 2, 3, 4, 5, 6)), TypeError,
     ["(int, int, int, int, int, int)"]),
    ("state_gradients", "cache", lambda: state_gradients(DH, cache_with(5, "sigmoid")), ValueError,
     ["nonlinearity", "'sigmoid'"]),
    ("state_gradients", "cache's h", lambda: state_gradients(DH, cache_with(4, np.full((N, T, H), np.nan))),
     ValueError, ["h[0, 0, 0] is nan", "overflowed"]),
    ("state_gradients", "cache's h", lambda: state_gradients(DH, cache_with(4, np.full((N, T, H), 3.0))),
     ValueError, ["3.0", "[-1, 1]", "pre-activations"]),
    ("state_gradients", "cache's h",
     lambda: state_gradients(DH, RELU_CACHE[:4] + (RELU_CACHE[4] - 1.0, "relu")), ValueError,
     ["relu's outputs are >= 0"]),
    ("state_gradients", "cache's Wh", lambda: state_gradients(DH, cache_with(3, np.ones((H, H + 1)))),
     ValueError, ["square"]),
    ("state_gradients", "cache's h0", lambda: state_gradients(DH, cache_with(1, np.ones((N + 1, H)))),
     ValueError, ["batch=2"]),
    ("state_gradients", "dh", lambda: state_gradients(np.zeros((N, T - 1, H)), CACHE), ValueError,
     ["time=5", "got (2, 4, 4)"]),
    ("state_gradients", "dh", lambda: state_gradients(DH.astype(int), CACHE), TypeError, ["int64"]),
    ("state_gradients", "dh", lambda: state_gradients(DH * np.nan, CACHE), ValueError, ["nan"]),
    ("state_gradients", "dh", lambda: state_gradients(None, CACHE), TypeError, ["object"]),
    # gradient_norms: rnn_forward's arguments, named as gradient_norms's own
    ("gradient_norms", "x", lambda: gradient_norms(X * np.nan, *ARGS[1:]), ValueError, ["nan"]),
    ("gradient_norms", "x", lambda: gradient_norms(X[..., :2], *ARGS[1:]), ValueError,
     ["input_size=3"]),
    ("gradient_norms", "x", lambda: gradient_norms(X.astype(int), *ARGS[1:]), TypeError, ["int64"]),
    ("gradient_norms", "x", lambda: gradient_norms(X[0], *ARGS[1:]), ValueError, ["x[None]"]),
    ("gradient_norms", "h0", lambda: gradient_norms(X, H0[:1], WX, WH, B), ValueError, ["batch=2"]),
    ("gradient_norms", "Wh", lambda: gradient_norms(X, H0, WX, WH[:, :3], B), ValueError, ["(4, 3)"]),
    ("gradient_norms", "b", lambda: gradient_norms(X, H0, WX, WH, B[:2]), ValueError, ["(2,)"]),
    ("gradient_norms", "nonlinearity", lambda: gradient_norms(*ARGS, "sigmoid"), ValueError,
     ["'sigmoid'"]),
    ("gradient_norms", "loss", lambda: gradient_norms(*ARGS, loss="first"), ValueError, ["'last'"]),
    ("gradient_norms", "loss", lambda: gradient_norms(*ARGS, loss=None), TypeError, ["None"]),
    ("gradient_norms", "seed", lambda: gradient_norms(*ARGS, seed=-1), ValueError, ["-1"]),
    ("gradient_norms", "seed", lambda: gradient_norms(*ARGS, seed=1.5), TypeError, ["1.5"]),
    ("gradient_norms", "per_sequence", lambda: gradient_norms(*ARGS, per_sequence=1), TypeError,
     ["True or False"]),
    # step_jacobian: a state, a square Wh, the nonlinearity that made the state
    ("step_jacobian", "h_t", lambda: step_jacobian(states(np.nan, (H,)), WH), ValueError, ["nan"]),
    ("step_jacobian", "h_t", lambda: step_jacobian(states(3.0, (H,)), WH), ValueError, ["[-1, 1]"]),
    ("step_jacobian", "h_t", lambda: step_jacobian(states(-1.0, (H,)), WH, "relu"), ValueError,
     [">= 0"]),
    ("step_jacobian", "h_t", lambda: step_jacobian(np.zeros((1, 1, H)), WH), ValueError,
     ["got (1, 1, 4)"]),
    ("step_jacobian", "h_t", lambda: step_jacobian(np.zeros(H - 1), WH), ValueError,
     ["hidden_size=4", "got (3,)"]),
    ("step_jacobian", "h_t", lambda: step_jacobian(np.zeros(H, int), WH), TypeError, ["int64"]),
    ("step_jacobian", "h_t", lambda: step_jacobian(None, WH), TypeError, ["object"]),
    ("step_jacobian", "Wh", lambda: step_jacobian(np.zeros(H), WH * np.nan), ValueError, ["nan"]),
    ("step_jacobian", "Wh", lambda: step_jacobian(np.zeros(H), np.ones((H, H + 1))), ValueError,
     ["square"]),
    ("step_jacobian", "nonlinearity", lambda: step_jacobian(np.zeros(H), WH, "sigmoid"), ValueError,
     ["'sigmoid'"]),
    ("step_jacobian", "nonlinearity", lambda: step_jacobian(np.zeros(H), WH, None), TypeError,
     ["None"]),
    # jacobian_products: states (T, H) or (N, T, H), and a result that fits in memory
    ("jacobian_products", "h", lambda: jacobian_products(states(np.nan), WH), ValueError, ["nan"]),
    ("jacobian_products", "h", lambda: jacobian_products(states(2.0), WH), ValueError, ["[-1, 1]"]),
    ("jacobian_products", "h", lambda: jacobian_products(states(-0.5), WH, "relu"), ValueError,
     [">= 0"]),
    ("jacobian_products", "h", lambda: jacobian_products(np.zeros(H), WH), ValueError, ["got (4,)"]),
    ("jacobian_products", "h", lambda: jacobian_products(np.zeros((1, 1, 3, H)), WH), ValueError,
     ["got (1, 1, 3, 4)"]),
    ("jacobian_products", "h", lambda: jacobian_products(np.zeros((20_000, 100)), np.eye(100)),
     ValueError, ["2e+08", "one sequence"]),
    ("jacobian_products", "Wh", lambda: jacobian_products(np.zeros((3, H)), np.ones((3, H))),
     ValueError, ["square"]),
    ("jacobian_products", "nonlinearity", lambda: jacobian_products(np.zeros((3, H)), WH, "gelu"),
     ValueError, ["'gelu'"]),
    # with_spectral_radius: a square finite W with a nonzero radius, a finite radius >= 0
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(WH, "1"), TypeError, ["'1'"]),
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(WH, True), TypeError, ["True"]),
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(WH, None), TypeError, ["None"]),
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(WH, float("nan")), ValueError,
     ["nan"]),
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(WH, -1), ValueError, ["-1"]),
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(WH, np.inf), ValueError, ["inf"]),
    ("with_spectral_radius", "radius", lambda: with_spectral_radius(1e-300 * np.eye(2), 1e300),
     ValueError, ["overflows"]),
    ("with_spectral_radius", "W", lambda: with_spectral_radius(np.ones((3, 2)), 1), ValueError,
     ["square"]),
    ("with_spectral_radius", "W", lambda: with_spectral_radius(np.eye(3, dtype=int), 1), TypeError,
     ["int64"]),
    ("with_spectral_radius", "W", lambda: with_spectral_radius(np.full((2, 2), np.inf), 1),
     ValueError, ["inf"]),
    ("with_spectral_radius", "W", lambda: with_spectral_radius(np.zeros((3, 3)), 1), ValueError,
     ["every eigenvalue"]),
    ("with_spectral_radius", "W", lambda: with_spectral_radius(np.triu(np.ones((3, 3)), 1), 1),
     ValueError, ["every eigenvalue"]),                # nilpotent: nonzero, but rho = 0
    ("with_spectral_radius", "W", lambda: with_spectral_radius(np.full((2, 2), 1.7e308), 1),
     ValueError, ["overflows"]),
    # tbptt_gradients: rnn_forward's arguments, dh, a window length
    ("tbptt_gradients", "k", lambda: tbptt_gradients(*ARGS, DH, 0), ValueError, ["got 0"]),
    ("tbptt_gradients", "k", lambda: tbptt_gradients(*ARGS, DH, True), TypeError, ["True"]),
    ("tbptt_gradients", "k", lambda: tbptt_gradients(*ARGS, DH, 2.0), TypeError, ["2.0"]),
    ("tbptt_gradients", "dh", lambda: tbptt_gradients(*ARGS, DH[..., :3], 2), ValueError,
     ["hidden_size=4"]),
    ("tbptt_gradients", "dh", lambda: tbptt_gradients(*ARGS, DH * np.inf, 2), ValueError, ["inf"]),
    ("tbptt_gradients", "x", lambda: tbptt_gradients(X * np.nan, *ARGS[1:], DH, 2), ValueError,
     ["nan"]),
    ("tbptt_gradients", "h0", lambda: tbptt_gradients(X, None, WX, WH, B, DH, 2), TypeError,
     ["object"]),
    ("tbptt_gradients", "nonlinearity", lambda: tbptt_gradients(*ARGS, DH, 2, "sigmoid"), ValueError,
     ["'sigmoid'"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


def test_states_at_the_edge_of_the_range_are_states():
    # tanh reaches exactly +-1 in float64 (tanh(20) == 1.0); relu's 0; an overflowed relu's inf
    J = step_jacobian(np.array([1.0, -1.0, 0.0, 0.5]), WH)
    np.testing.assert_array_equal(J[:2], 0.0)                   # slope 0 at the saturated units
    step_jacobian(np.zeros(H), WH, "relu")
    P, norms = jacobian_products(np.full((3, H), np.inf), WH, "relu")
    assert np.isnan(norms).all()                                # documented: no meaningful norm
    step_jacobian(np.array([-5.0, 3.0, 0.0, -0.1]), WH, "leaky_relu")   # any sign is a state


def test_token_ids_are_inputs_and_have_no_input_gradient():
    ids = np.array([[0, 1, 2, 1, 0], [2, 2, 1, 0, 1]])
    dx, dh0, dWx, dWh, db = tbptt_gradients(ids, H0, WX, WH, B, DH, 2)
    want = tbptt_gradients(np.eye(F)[ids], H0, WX, WH, B, DH, 2)        # the same as one-hot
    assert dx is None
    for got, ref in zip((dh0, dWx, dWh, db), want[1:]):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    _, cache = rnnlib.rnn_forward(ids, H0, WX, WH, B)
    np.testing.assert_allclose(state_gradients(DH, cache),
                               state_gradients(DH, rnnlib.rnn_forward(np.eye(F)[ids], H0, WX, WH, B)[1]),
                               rtol=1e-12, atol=1e-12)


def test_inputs_are_never_modified():
    args = [a.copy() for a in ARGS]
    dh = DH.copy()
    tbptt_gradients(*args, dh, 2)
    gradient_norms(*args)
    h, cache = rnnlib.rnn_forward(*args)
    h_copy = h.copy()
    state_gradients(dh, cache)
    step_jacobian(h[0, 0], args[3])
    jacobian_products(h[0], args[3])
    with_spectral_radius(args[3], 2.0)
    for a, b in zip(args, ARGS):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dh, DH)
    np.testing.assert_array_equal(h, h_copy)
