"""Token ids in place of one-hot vectors: x (N, T) of whole numbers in 0 .. F-1.

For a one-hot x_t = e_i, x_t @ Wx is row i of Wx, so rnnlib looks the row up instead of
multiplying, and in the backward sums each step's gradient into the row it read. The numbers
must be those of the one-hot input (which test_reference checks against torch and
test_backward_finite_differences against finite differences); here against the one-hot path,
by finite differences, and against np.add.at for the row sums.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib import functional as fn
from rnnlib.finite_diff import gradcheck

N, T, V, H = 3, 6, 5, 4
TOL = dict(rtol=1e-12, atol=1e-13)


def ids_and_one_hot(seed=0, shape=(N, T)):
    ids = np.random.default_rng(seed).integers(0, V, shape)
    return ids, np.eye(V)[ids]


def weights(seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 0.5, (V, H)), rng.normal(0, 0.5, (H, H)), rng.normal(0, 0.5, H)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
def test_functional_ids_equal_one_hot(nonlinearity):
    ids, x = ids_and_one_hot()
    Wx, Wh, b = weights()
    h0 = np.random.default_rng(2).normal(size=(N, H))
    h_ids, cache_ids = rnnlib.rnn_forward(ids, h0, Wx, Wh, b, nonlinearity)
    h_hot, cache_hot = rnnlib.rnn_forward(x, h0, Wx, Wh, b, nonlinearity)
    np.testing.assert_allclose(h_ids, h_hot, **TOL)
    dh = np.random.default_rng(3).normal(size=(N, T, H))
    got, want = rnnlib.rnn_backward(dh, cache_ids), rnnlib.rnn_backward(dh, cache_hot)
    assert got[0] is None
    for name, g, w in zip(["dh0", "dWx", "dWh", "db"], got[1:], want[1:]):
        np.testing.assert_allclose(g, w, err_msg=name, **TOL)


def test_functional_ids_gradient_by_finite_differences():
    ids, _ = ids_and_one_hot(seed=4)
    Wx, Wh, b = weights(seed=5)
    h0 = np.random.default_rng(6).normal(size=(N, H))
    G = np.random.default_rng(7).normal(size=(N, T, H))
    _, cache = rnnlib.rnn_forward(ids, h0, Wx, Wh, b)
    _, dh0, dWx, dWh, db = rnnlib.rnn_backward(G, cache)
    loss = lambda: np.sum(rnnlib.rnn_forward(ids, h0, Wx, Wh, b)[0] * G)  # noqa: E731
    result = gradcheck(loss, dict(h0=h0, Wx=Wx, Wh=Wh, b=b), dict(h0=dh0, Wx=dWx, Wh=dWh, b=db))
    assert result.ok(1e-6), repr(result)


def test_ids_that_never_occur_get_a_zero_gradient_row():
    ids = np.array([[0, 0, 2, 0]])                      # ids 1, 3 and 4 never occur
    Wx, Wh, b = weights()
    _, cache = rnnlib.rnn_forward(ids, np.zeros((1, H)), Wx, Wh, b)
    dWx = rnnlib.rnn_backward(np.ones((1, 4, H)), cache)[2]
    assert np.all(dWx[[1, 3, 4]] == 0) and np.all(dWx[[0, 2]] != 0)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(go_backwards=True),
    dict(batch_first=False),
    dict(nonlinearity="relu", num_layers=2, bidirectional=True),
], ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "default")
@pytest.mark.parametrize("with_lengths", [False, True])
def test_rnn_layer_ids_equal_one_hot(kwargs, with_lengths):
    ids, x = ids_and_one_hot(seed=8)
    lengths = np.array([6, 2, 4]) if with_lengths else None
    if kwargs.get("batch_first") is False:
        ids, x = ids.T, x.transpose(1, 0, 2)
    a, b = rnnlib.RNN(V, H, seed=0, **kwargs), rnnlib.RNN(V, H, seed=0, **kwargs)
    out_a, hn_a = a(ids, lengths=lengths)
    out_b, hn_b = b(x, lengths=lengths)
    np.testing.assert_allclose(out_a, out_b, **TOL)
    np.testing.assert_allclose(hn_a, hn_b, **TOL)
    dout = np.random.default_rng(9).normal(size=out_a.shape)
    dh_n = np.random.default_rng(10).normal(size=hn_a.shape)
    dx, dh0_a = a.backward(dout, dh_n, return_dh0=True)
    _, dh0_b = b.backward(dout, dh_n, return_dh0=True)
    assert dx is None
    np.testing.assert_allclose(dh0_a, dh0_b, **TOL)
    for k in a.grads:
        np.testing.assert_allclose(a.grads[k], b.grads[k], err_msg=k, **TOL)


def test_float32_layer_stays_float32_with_ids():
    ids, _ = ids_and_one_hot()
    rnn = rnnlib.RNN(V, H, seed=0, dtype=np.float32)
    out, h_n = rnn(ids)
    assert out.dtype == h_n.dtype == np.float32
    rnn.backward(np.ones_like(out))
    assert all(g.dtype == np.float32 for g in rnn.grads.values())


def test_sequence_model_reads_ids():
    ids, x = ids_and_one_hot(seed=11)
    a, b = rnnlib.SequenceModel(V, H, V, seed=0), rnnlib.SequenceModel(V, H, V, seed=0)
    np.testing.assert_allclose(a(ids), b(x), **TOL)
    dy = np.random.default_rng(12).normal(size=(N, T, V))
    assert a.backward(dy) is None
    b.backward(dy)
    for k in a.grads:
        np.testing.assert_allclose(a.grads[k], b.grads[k], err_msg=k, **TOL)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.integers(1, 5), st.integers(0, 10**6))
def test_sum_rows_by_id_is_np_add_at(ids, width, seed):
    ids = np.array(ids)
    rows = np.random.default_rng(seed).normal(size=(len(ids), width))
    want = np.zeros((7, width))
    np.add.at(want, ids, rows)
    np.testing.assert_allclose(fn.sum_rows_by_id(ids, rows, 7), want, rtol=1e-12, atol=1e-12)


# --- bad ids are explained, not computed with --------------------------------------------

def test_an_id_outside_the_input_size_is_named():
    ids = np.array([[0, 1, 5]])
    with pytest.raises(ValueError, match=r"RNN.forward: x\[0, 2\] is 5, but valid ids are 0 to 4"):
        rnnlib.RNN(V, H)(ids)
    Wx, Wh, b = weights()
    with pytest.raises(ValueError, match=r"rnn_forward: x\[0, 2\] is 5, but valid ids are 0 to 4"):
        rnnlib.rnn_forward(ids, np.zeros((1, H)), Wx, Wh, b)


def test_a_2d_float_input_mentions_that_ids_are_accepted():
    with pytest.raises(ValueError, match="Token ids \\(batch, time\\) are accepted too"):
        rnnlib.RNN(V, H)(np.zeros((3, V)))


def test_padded_functions_want_vectors_not_ids():
    Wx, Wh, b = weights()
    with pytest.raises(TypeError, match="rnn_forward_padded: x should be a floating-point array"):
        rnnlib.rnn_forward_padded(np.zeros((2, 3), dtype=int), np.zeros((2, H)), Wx, Wh, b, [3, 1])


def test_a_failed_ids_call_leaves_the_layer_as_it_was():
    rnn = rnnlib.RNN(V, H, seed=0)
    before = {k: p.copy() for k, p in rnn.params.items()}
    with pytest.raises(ValueError):
        rnn(np.array([[0, -1]]))
    assert all(np.array_equal(rnn.params[k], before[k]) for k in before)
    with pytest.raises(RuntimeError):
        rnn.backward(np.zeros((1, 2, H)))              # no forward has succeeded
