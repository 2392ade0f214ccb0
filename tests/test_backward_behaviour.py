"""How backward behaves as an API, the way torch's does: gradients accumulate until
zero_grad(), the forward's cache survives any number of backward calls, and mistakes give
clear errors that leave the layer as it was. (Whether the gradients are right is
test_backward_finite_differences.py's job.)
"""
import numpy as np
import pytest

import rnnlib

N, T, F, H = 2, 4, 3, 3


def setup(**kwargs):
    rng = np.random.default_rng(0)
    rnn = rnnlib.RNN(F, H, seed=1, **kwargs)
    x = rng.normal(size=(N, T, F) if rnn.batch_first else (T, N, F))
    output, h_n = rnn(x)
    return rnn, x, rng.normal(size=output.shape), rng.normal(size=h_n.shape)


def grads_copy(rnn):
    return {k: g.copy() for k, g in rnn.grads.items()}


@pytest.mark.parametrize("kwargs", [{}, dict(num_layers=2, bidirectional=True), dict(dropout=0.3, num_layers=2)])
def test_two_backward_calls_after_one_forward_give_twice_the_gradients(kwargs):
    rnn, x, dout, dh_n = setup(**kwargs)
    dx1 = rnn.backward(dout, dh_n)
    once = grads_copy(rnn)
    dx2 = rnn.backward(dout, dh_n)
    assert np.array_equal(dx1, dx2)                   # same cache, same answer
    for k in once:
        assert np.any(once[k] != 0)
        assert np.array_equal(rnn.grads[k], 2 * once[k]), k   # g + g == 2g exactly in floating point


def test_zero_grad_then_the_same_forward_and_backward_gives_the_same_gradients():
    rnn, x, dout, dh_n = setup(num_layers=2)
    dx1 = rnn.backward(dout, dh_n)
    first = grads_copy(rnn)
    held = dict(rnn.grads)                            # what an optimiser would hold
    rnn.zero_grad()
    assert all(not g.any() for g in rnn.grads.values())
    rnn(x)
    dx2 = rnn.backward(dout, dh_n)
    assert np.array_equal(dx1, dx2)
    for k in first:
        assert np.array_equal(rnn.grads[k], first[k])
        assert rnn.grads[k] is held[k]                # zeroed in place, not replaced


def test_grads_have_the_keys_and_shapes_of_the_state_dict():
    rnn, x, dout, dh_n = setup(num_layers=2, bidirectional=True)
    rnn.backward(dout, dh_n)
    sd = rnn.state_dict()
    assert list(rnn.grads) == list(sd)
    assert all(rnn.grads[k].shape == sd[k].shape for k in sd)


def test_backward_before_forward_is_a_clear_runtime_error():
    rnn = rnnlib.RNN(F, H, seed=0)
    with pytest.raises(RuntimeError, match=r"RNN.backward: there is no forward pass.*rnn\(x\) first"):
        rnn.backward(np.zeros((N, T, H)))
    dense = rnnlib.Dense(F, 2)
    with pytest.raises(RuntimeError, match=r"Dense.backward: there is no forward pass.*dense\(x\) first"):
        dense.backward(np.zeros((N, 2)))


@pytest.mark.parametrize("batch_first, expected", [
    (True, "doutput should have shape (batch=2, time=4, num_directions*hidden_size=3), got (2, 4, 5)"),
    (False, "doutput should have shape (time=4, batch=2, num_directions*hidden_size=3), got (2, 4, 5)"),
])
def test_wrong_doutput_shape_names_both_shapes_and_leaves_grads_alone(batch_first, expected):
    rnn, x, dout, dh_n = setup(batch_first=batch_first)
    rnn.backward(dout, dh_n)
    before = grads_copy(rnn)
    with pytest.raises(ValueError) as e:
        rnn.backward(np.ones((2, 4, 5)), dh_n)
    assert expected in str(e.value) and str(e.value).startswith("RNN.backward: ")
    assert all(np.array_equal(rnn.grads[k], before[k]) for k in before)


def test_wrong_dh_n_shape_is_a_clear_error_and_leaves_grads_alone():
    rnn, x, dout, dh_n = setup()
    before = grads_copy(rnn)
    with pytest.raises(ValueError, match=r"dh_n should have shape \(num_layers\*num_directions=1, "
                                         r"batch=2, hidden_size=3\), got \(2, 3\)"):
        rnn.backward(dout, dh_n[0])
    assert all(np.array_equal(rnn.grads[k], before[k]) for k in before)


@pytest.mark.parametrize("num_layers, bidirectional, batch_first",
                         [(1, False, True), (2, True, True), (2, False, False)])
def test_return_dh0_shapes(num_layers, bidirectional, batch_first):
    rnn, x, dout, dh_n = setup(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    dx, dh0 = rnn.backward(dout, dh_n, return_dh0=True)
    assert dx.shape == x.shape
    assert dh0.shape == (num_layers * (2 if bidirectional else 1), N, H)
    out = rnn.backward(dout, dh_n)                    # without return_dh0: dx alone
    assert isinstance(out, np.ndarray) and out.shape == x.shape


def test_dh0_is_the_gradient_through_the_first_step():
    # one layer, one step: h_0 = tanh(x Wx + h0 Wh + b), so dh0 = (dh * (1 - h^2)) Wh^T
    rnn = rnnlib.RNN(F, H, seed=2)
    rng = np.random.default_rng(3)
    x, h0 = rng.normal(size=(N, 1, F)), rng.normal(size=(1, N, H))
    out, _ = rnn(x, h0)
    dout = rng.normal(size=out.shape)
    _, dh0 = rnn.backward(dout, return_dh0=True)
    Wh = rnn.params["weight_hh_l0"].T
    expected = (dout[:, 0] * (1 - out[:, 0] ** 2)) @ Wh.T
    np.testing.assert_allclose(dh0[0], expected, rtol=1e-13, atol=1e-15)


def test_dense_gradients_accumulate_until_zero_grad():
    dense = rnnlib.Dense(F, 2, seed=4)
    rng = np.random.default_rng(5)
    x, dy = rng.normal(size=(N, T, F)), rng.normal(size=(N, T, 2))
    dense(x)
    dense.backward(dy)
    once = {k: g.copy() for k, g in dense.grads.items()}
    dense.backward(dy)
    assert all(np.array_equal(dense.grads[k], 2 * once[k]) for k in once)
    dense.zero_grad()
    assert all(not g.any() for g in dense.grads.values())


# --- RNNCell ----------------------------------------------------------------------------------

def test_rnncell_unbatched_backward_by_hand():
    # h' = tanh(a), a = W_ih x + W_hh h + b:  da = dh' (1 - h'^2),  dx = W_ih^T da,
    # dh = W_hh^T da,  dW_ih = da x^T,  dW_hh = da h^T,  db_ih = db_hh = da
    cell = rnnlib.RNNCell(F, H, seed=6)
    rng = np.random.default_rng(7)
    x, h, dh_next = rng.normal(size=F), rng.normal(size=H), rng.normal(size=H)
    h_next = cell(x, h)
    assert h_next.shape == (H,)
    dx, dh_prev = cell.backward(dh_next)
    assert dx.shape == (F,) and dh_prev.shape == (H,)
    W_ih, W_hh = cell.params["weight_ih"], cell.params["weight_hh"]
    da = dh_next * (1 - h_next ** 2)
    np.testing.assert_allclose(dx, W_ih.T @ da, rtol=1e-13)
    np.testing.assert_allclose(dh_prev, W_hh.T @ da, rtol=1e-13)
    np.testing.assert_allclose(cell.grads["weight_ih"], np.outer(da, x), rtol=1e-13)
    np.testing.assert_allclose(cell.grads["weight_hh"], np.outer(da, h), rtol=1e-13)
    np.testing.assert_allclose(cell.grads["bias_ih"], da, rtol=1e-13)
    np.testing.assert_allclose(cell.grads["bias_hh"], da, rtol=1e-13)


def test_rnncell_backward_before_forward_is_a_clear_runtime_error():
    cell = rnnlib.RNNCell(F, H, seed=0)
    with pytest.raises(RuntimeError, match=r"RNNCell.backward: there is no forward pass.*cell\(x\) first"):
        cell.backward(np.zeros((N, H)))
    assert all(not g.any() for g in cell.grads.values())


def test_rnncell_backward_after_only_a_no_grad_forward_is_a_clear_error():
    cell = rnnlib.RNNCell(F, H, seed=0)
    with rnnlib.no_grad():
        h_next = cell(np.ones((N, F)))
    with pytest.raises(RuntimeError, match=r"RNNCell.backward: there is no forward pass.*no_grad"):
        cell.backward(np.ones_like(h_next))
    assert all(not g.any() for g in cell.grads.values())
