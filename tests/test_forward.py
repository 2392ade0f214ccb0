"""The forward pass against hand calculations and against its own definition.

Torch and Keras agreement lives in test_reference.py; here every expected number comes from
an explicit formula written out element by element with math.tanh, or from running the
definition (one step at a time, one sequence at a time) instead of the fast code path."""
import math

import numpy as np
import pytest

import rnnlib


def test_one_step_by_hand():
    # h = tanh(x Wx + h_prev Wh + b), every product written out for one sample
    x, h_prev = [1.0, 2.0], [0.5, -1.0]
    Wx = [[0.1, -0.2], [0.3, 0.4]]
    Wh = [[0.5, 0.0], [-0.5, 1.0]]
    b = [0.05, -0.05]
    expected = [math.tanh(x[0] * Wx[0][j] + x[1] * Wx[1][j] + h_prev[0] * Wh[0][j] + h_prev[1] * Wh[1][j] + b[j])
                for j in range(2)]
    h, _ = rnnlib.rnn_step_forward(np.array([x]), np.array([h_prev]), np.array(Wx), np.array(Wh), np.array(b))
    np.testing.assert_allclose(h[0], expected, rtol=1e-15)


@pytest.mark.parametrize("nonlinearity, f", [
    ("relu", lambda a: max(a, 0.0)),
    ("leaky_relu", lambda a: a if a > 0 else 0.01 * a),
])
def test_other_nonlinearities_by_hand(nonlinearity, f):
    x = np.array([[1.0, -2.0]])
    Wx = np.array([[1.0, -1.0], [0.5, 0.25]])
    h, _ = rnnlib.rnn_step_forward(x, np.zeros((1, 2)), Wx, np.zeros((2, 2)), np.zeros(2), nonlinearity)
    pre = [1.0 * 1.0 + -2.0 * 0.5, 1.0 * -1.0 + -2.0 * 0.25]    # 0.0 and -1.5
    np.testing.assert_allclose(h[0], [f(a) for a in pre], rtol=1e-15)


A = [-2.0, -0.5, 0.25, 3.0]
BY_HAND = {"tanh": [math.tanh(a) for a in A],
           "relu": [0.0, 0.0, 0.25, 3.0],
           "leaky_relu": [-0.02, -0.005, 0.25, 3.0]}       # slope 0.01 below 0, as torch


@pytest.mark.parametrize("nonlinearity", BY_HAND)
def test_activation_by_hand_and_its_gradient_by_finite_differences(nonlinearity):
    h = rnnlib.activation(np.array(A), nonlinearity)
    np.testing.assert_allclose(h, BY_HAND[nonlinearity], rtol=1e-15)
    np.testing.assert_allclose(rnnlib.activation(A, nonlinearity), h, rtol=0)     # a list works too
    eps = 1e-6
    numeric = [(rnnlib.activation(a + eps, nonlinearity) - rnnlib.activation(a - eps, nonlinearity)) / (2 * eps)
               for a in A]
    np.testing.assert_allclose(rnnlib.activation_grad(h, nonlinearity), numeric, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(rnnlib.activation_grad(list(h), nonlinearity), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("fn", [rnnlib.activation, rnnlib.activation_grad])
@pytest.mark.parametrize("name, error", [("sigmoid", ValueError), ("Tanh", ValueError),
                                         ("", ValueError), (None, TypeError), (1, TypeError)])
def test_activation_refuses_an_unknown_nonlinearity(fn, name, error):
    with pytest.raises(error) as info:
        fn(np.array(A), name)
    with pytest.raises(error) as layer_info:                  # the wording every layer uses
        rnnlib.RNN(2, 3, nonlinearity=name)
    assert str(info.value) == str(layer_info.value).replace("RNN:", f"{fn.__name__}:", 1)
    assert str(info.value).startswith(f"{fn.__name__}: nonlinearity should be one of 'tanh', 'relu', 'leaky_relu'")


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
def test_fast_sequence_equals_the_reference_loop(nonlinearity):
    rng = np.random.default_rng(5)
    N, T, F, H = 3, 7, 4, 5
    x, h0 = rng.normal(size=(N, T, F)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(F, H)) * 0.5, rng.normal(size=(H, H)) * 0.5, rng.normal(size=H)
    h, _ = rnnlib.rnn_forward(x, h0, Wx, Wh, b, nonlinearity)
    h_prev = h0
    for t in range(T):                       # the loop printed in rnn_forward's docstring
        h_prev, _ = rnnlib.rnn_step_forward(x[:, t], h_prev, Wx, Wh, b, nonlinearity)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-13)


def test_go_backwards_reads_the_reversed_sequence():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 6, 3))
    fwd = rnnlib.RNN(3, 4, seed=1)
    back = rnnlib.RNN(3, 4, go_backwards=True, seed=1)
    out_b, h_b = back(x)
    out_f, h_f = fwd(x[:, ::-1])
    np.testing.assert_allclose(out_b, out_f, rtol=1e-14)
    np.testing.assert_allclose(h_b, h_f, rtol=1e-14)


def test_batch_first_false_is_a_transpose():
    x = np.random.default_rng(9).normal(size=(2, 5, 3))
    a = rnnlib.RNN(3, 4, num_layers=2, seed=4)
    b = rnnlib.RNN(3, 4, num_layers=2, batch_first=False, seed=4)
    out_a, h_a = a(x)
    out_b, h_b = b(x.transpose(1, 0, 2))
    np.testing.assert_allclose(out_b, out_a.transpose(1, 0, 2), rtol=1e-14)
    np.testing.assert_allclose(h_b, h_a, rtol=1e-14)       # h_n is (layers*D, N, H) either way


def test_initialisation_is_uniform_in_torchs_range_and_seeded():
    H = 16
    layer = rnnlib.RNN(5, H, num_layers=2, bidirectional=True, seed=0)
    k = 1 / math.sqrt(H)
    values = np.concatenate([p.ravel() for p in layer.params.values()])
    assert values.min() >= -k and values.max() <= k
    assert values.min() < -0.9 * k and values.max() > 0.9 * k      # it fills the range
    assert abs(values.mean()) < 0.05 * k                            # centred
    again = rnnlib.RNN(5, H, num_layers=2, bidirectional=True, seed=0).state_dict()
    other = rnnlib.RNN(5, H, num_layers=2, bidirectional=True, seed=1).state_dict()
    assert all(np.array_equal(p, again[n]) for n, p in layer.state_dict().items())
    assert not np.array_equal(layer.params["weight_ih_l0"], other["weight_ih_l0"])


def test_state_dict_has_torchs_names_and_shapes_and_is_a_copy():
    layer = rnnlib.RNN(5, 3, num_layers=2, bidirectional=True, bias=False)
    sd = layer.state_dict()
    assert {k: v.shape for k, v in sd.items()} == {
        "weight_ih_l0": (3, 5), "weight_hh_l0": (3, 3),
        "weight_ih_l0_reverse": (3, 5), "weight_hh_l0_reverse": (3, 3),
        "weight_ih_l1": (3, 6), "weight_hh_l1": (3, 3),
        "weight_ih_l1_reverse": (3, 6), "weight_hh_l1_reverse": (3, 3)}
    sd["weight_ih_l0"][...] = 7.0
    assert not np.any(layer.params["weight_ih_l0"] == 7.0)


def test_load_state_dict_round_trip_changes_the_output():
    x = np.random.default_rng(10).normal(size=(1, 4, 2))
    a, b = rnnlib.RNN(2, 3, seed=1), rnnlib.RNN(2, 3, seed=2)
    assert not np.allclose(a(x)[0], b(x)[0])
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a(x)[0], b(x)[0])


def test_dropout_only_in_training_mode():
    x = np.random.default_rng(11).normal(size=(4, 6, 3))
    layer = rnnlib.RNN(3, 8, num_layers=2, dropout=0.5, seed=0)
    assert layer.training
    train_a, train_b = layer(x)[0], layer(x)[0]
    assert not np.allclose(train_a, train_b)                    # a new mask every call
    layer.eval()
    eval_a, eval_b = layer(x)[0], layer(x)[0]
    np.testing.assert_array_equal(eval_a, eval_b)
    no_dropout = rnnlib.RNN(3, 8, num_layers=2, seed=0)          # same weights, no dropout at all
    np.testing.assert_array_equal(no_dropout(x)[0], eval_a)
    with pytest.warns(UserWarning, match="does nothing"):         # as torch warns
        single = rnnlib.RNN(3, 8, num_layers=1, dropout=0.5, seed=0)  # dropout sits between layers
    np.testing.assert_array_equal(single(x)[0], single(x)[0])


def test_dropout_scales_kept_units_by_one_over_keep_probability():
    # Layer 2 sees inverted dropout: with Wx = identity-like weights we can read the mask back.
    layer = rnnlib.RNN(2, 2, num_layers=2, dropout=0.25, nonlinearity="relu", bias=False, seed=0)
    sd = layer.state_dict()
    sd["weight_ih_l0"], sd["weight_hh_l0"] = np.eye(2), np.zeros((2, 2))
    sd["weight_ih_l1"], sd["weight_hh_l1"] = np.eye(2), np.zeros((2, 2))
    layer.load_state_dict(sd)
    out, _ = layer(np.ones((500, 10, 2)))
    assert set(np.unique(out)) <= {0.0, 1 / 0.75}
    assert abs(np.mean(out == 0) - 0.25) < 0.02


def test_float32_input_is_accepted_and_not_modified():
    x = np.random.default_rng(12).normal(size=(2, 3, 4)).astype(np.float32)
    before = x.copy()
    out, _ = rnnlib.RNN(4, 3, seed=0)(x)
    np.testing.assert_array_equal(x, before)
    assert out.dtype == np.float64          # float64 parameters promote, as numpy does


def test_rnncell_is_one_step_of_rnn_forward():
    cell = rnnlib.RNNCell(3, 2, seed=0)
    p = cell.params                                         # torch.nn.RNNCell's names and shapes
    assert {k: a.shape for k, a in p.items()} == {"weight_ih": (2, 3), "weight_hh": (2, 2),
                                                   "bias_ih": (2,), "bias_hh": (2,)}
    x = np.random.default_rng(13).normal(size=(4, 3))
    b = p["bias_ih"] + p["bias_hh"]
    expected = np.tanh(x @ p["weight_ih"].T + b)             # h_prev = 0
    np.testing.assert_allclose(cell(x), expected, rtol=1e-15)
    h = np.full((4, 2), 0.5)
    np.testing.assert_allclose(cell(x, h), np.tanh(x @ p["weight_ih"].T + h @ p["weight_hh"].T + b),
                               rtol=1e-15)
    np.testing.assert_allclose(cell(x[0], h[0]), cell(x, h)[0], rtol=1e-15)   # unbatched, as torch


def dense_by_hand():
    """Dense(2, 3) with weight [[1, 2], [3, 4], [5, 6]] (out, in) and bias [0.5, -0.5, 1]."""
    dense = rnnlib.Dense(2, 3)
    dense.load_state_dict({"weight": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
                           "bias": np.array([0.5, -0.5, 1.0])})
    return dense


def test_dense_on_one_and_two_dimensional_inputs_by_hand():
    dense = dense_by_hand()
    # x = (1, -1): y_o = weight[o, 0] - weight[o, 1] + bias[o] = 1-2+0.5, 3-4-0.5, 5-6+1
    y = dense(np.array([1.0, -1.0]))
    assert y.shape == (3,)
    np.testing.assert_array_equal(y, [-0.5, -1.5, 0.0])
    # x = (2, 0.5): y_o = 2 weight[o, 0] + 0.5 weight[o, 1] + bias[o] = 3.5, 7.5, 14
    y2 = dense(np.array([[1.0, -1.0], [2.0, 0.5]]))
    assert y2.shape == (2, 3)
    np.testing.assert_array_equal(y2, [[-0.5, -1.5, 0.0], [3.5, 7.5, 14.0]])
    y3 = dense(np.array([[[1.0, -1.0], [2.0, 0.5]]] * 4))       # any leading axes: (4, 2, 2) -> (4, 2, 3)
    np.testing.assert_array_equal(y3, [y2] * 4)


def test_dense_backward_on_a_one_dimensional_input_by_hand():
    dense = dense_by_hand()
    x, dy = np.array([1.0, -1.0]), np.array([1.0, 0.0, -2.0])
    dense(x)
    dx = dense.backward(dy)
    # dx_f = sum_o dy_o weight[o, f] = (1 - 10, 2 - 12);  dweight = dy x^T;  dbias = dy
    np.testing.assert_array_equal(dx, [-9.0, -10.0])
    np.testing.assert_array_equal(dense.grads["weight"], [[1.0, -1.0], [0.0, 0.0], [-2.0, 2.0]])
    np.testing.assert_array_equal(dense.grads["bias"], dy)


def test_dense_repr():
    assert repr(rnnlib.Dense(4, 2)) == "Dense(4, 2)"
    assert repr(rnnlib.Dense(4, 2, bias=False)) == "Dense(4, 2, bias=False)"
    assert repr(rnnlib.Dense(4, 2, dtype=np.float32)) == "Dense(4, 2, dtype=np.float32)"


def test_repr_shows_the_non_default_arguments():
    # batch_first is always shown: a torch user reads RNN(4, 2) as time-first
    assert repr(rnnlib.RNN(4, 2)) == "RNN(4, 2, batch_first=True)"
    assert repr(rnnlib.RNN(4, 2, batch_first=False)) == "RNN(4, 2, batch_first=False)"
    assert (repr(rnnlib.RNN(4, 2, num_layers=2, bidirectional=True))
            == "RNN(4, 2, num_layers=2, batch_first=True, bidirectional=True)")
    assert repr(rnnlib.RNN(4, 2, dtype=np.float32)) == "RNN(4, 2, batch_first=True, dtype=np.float32)"
