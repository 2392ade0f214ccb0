"""Every backward pass against centred finite differences (rnnlib.gradcheck), in float64.

The loss is always L = sum(output * G) (+ sum(h_n * G_n)) with G random normal, so every
gradient is O(1) and a relative error below 1e-7 separates round-off (~1e-9) from a bug
(~1e-3 and up). Problems are small (N=2, T=4, F=3, H=3) so each check takes a fraction of a
second.

relu and leaky_relu have a kink at 0: a finite difference across it is meaningless, so for
them every test first asserts that no pre-activation lies within 1e-4 of 0 (a perturbation of
eps=1e-6 moves a pre-activation by ~1e-5 at most here), and the seeds were chosen so it holds.
The pre-activations are recomputed from public pieces (rnn.weights and the functions), not
read from the layer's cache.

Dropout: RNN.forward draws a fresh dropout mask from rnn.rng on every call. For a finite
difference every forward must use the same mask, so the tests save the generator's state and
restore it before each forward (the analytic one and every perturbed one).
"""
import numpy as np
import pytest

import rnnlib
from rnnlib.functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from rnnlib.finite_diff import gradcheck, relative_error

N, T, F, H = 2, 4, 3, 3
TOL = 1e-7
KINK_MARGIN = 1e-4


def pre_activations(rnn, x, h0, lengths, output):
    """Every pre-activation a = x_t Wx + h_{t-1} Wh + b on a real step of rnn(x, h0, lengths),
    recomputed layer by layer and direction by direction with rnnlib.rnn_forward (or
    rnn_forward_padded) and rnn.weights; output, what the layer returned, checks the recomputation."""
    assert not (rnn.training and rnn.dropout > 0), "a dropout mask cannot be recomputed"
    x = x if rnn.batch_first else x.transpose(1, 0, 2)
    N, T, _ = x.shape
    real = np.ones((N, T), bool) if lengths is None else rnnlib.sequence_mask(lengths, T)
    layer_in = rnnlib.reverse_padded(x, lengths) if rnn.go_backwards else x
    D, out = rnn.num_directions, []
    for layer in range(rnn.num_layers):
        hs = []
        for d in range(D):
            seq = layer_in if d == 0 else rnnlib.reverse_padded(layer_in, lengths)
            Wx, Wh, b = rnn.weights(layer, d)
            start = h0[layer * D + d]
            if lengths is None:
                h, _ = rnnlib.rnn_forward(seq, start, Wx, Wh, b, rnn.nonlinearity)
            else:
                h, _ = rnnlib.rnn_forward_padded(seq, start, Wx, Wh, b, lengths, rnn.nonlinearity)
            h_prev = np.concatenate([start[:, None], h[:, :-1]], axis=1)
            out.append((seq @ Wx + h_prev @ Wh + b)[real])        # real steps come first in seq
            hs.append(h if d == 0 else rnnlib.reverse_padded(h, lengths))
        layer_in = np.where(real[..., None], np.concatenate(hs, axis=-1), 0.0)   # zeros on padding
    expected = output if rnn.batch_first else output.transpose(1, 0, 2)
    np.testing.assert_allclose(layer_in, expected, rtol=1e-12, atol=1e-14)
    return np.concatenate([a.ravel() for a in out])


def check_rnn(rnn, seed=0, lengths=None, h0=True, dh_n=True, eps=1e-6):
    """gradcheck of every parameter, x and h0 of an RNN layer. Returns the forward the check
    ran, forward() -> (output, h_n), with the same dropout mask on every call."""
    rng = np.random.default_rng(seed)
    L, D = rnn.num_layers, rnn.num_directions
    x = rng.normal(size=(N, T, F) if rnn.batch_first else (T, N, F))
    h0 = rng.normal(size=(L * D, N, H)) if h0 else np.zeros((L * D, N, H))
    rng_state = rnn.rng.bit_generator.state     # the same dropout mask on every forward

    def forward():
        rnn.rng.bit_generator.state = rng_state
        return rnn(x, h0, lengths)

    output, h_n = forward()
    G = rng.normal(size=output.shape)
    Gn = rng.normal(size=h_n.shape) if dh_n else None
    if rnn.nonlinearity != "tanh":
        a = pre_activations(rnn, x, h0, lengths, output)
        assert np.abs(a).min() > KINK_MARGIN, "a pre-activation sits on the kink: change the seed"

    def loss():
        out, hn = forward()
        return np.sum(out * G) + (np.sum(hn * Gn) if dh_n else 0.0)

    rnn.zero_grad()
    dx, dh0 = rnn.backward(G, Gn, return_dh0=True)
    params = dict(rnn.params, x=x, h0=h0)
    grads = dict(rnn.grads, x=dx, h0=dh0)
    result = gradcheck(loss, params, grads, eps=eps)
    assert result.ok(TOL), repr(result)
    return forward


# --- the RNN layer, one feature at a time --------------------------------------------------

@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_one_layer(nonlinearity, bias):
    check_rnn(rnnlib.RNN(F, H, nonlinearity=nonlinearity, bias=bias, seed=1), seed=2)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_two_layers(nonlinearity):
    check_rnn(rnnlib.RNN(F, H, num_layers=2, nonlinearity=nonlinearity, seed=3), seed=4)


def test_rnn_bidirectional():
    check_rnn(rnnlib.RNN(F, H, bidirectional=True, seed=5), seed=6)


def test_rnn_two_layers_bidirectional_leaky_relu_no_bias():
    check_rnn(rnnlib.RNN(F, H, num_layers=2, bidirectional=True, nonlinearity="leaky_relu",
                         bias=False, seed=7), seed=8)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_lengths(bidirectional):
    # sequence 1 is padded after 2 steps: its padding must get zero gradient, and h_n its
    # state at step 1; a bidirectional layer's reverse direction starts at step 1 for it
    check_rnn(rnnlib.RNN(F, H, num_layers=2, bidirectional=bidirectional, seed=9), seed=10,
              lengths=np.array([4, 2]))


def test_rnn_lengths_padding_gets_no_gradient():
    rnn = rnnlib.RNN(F, H, bidirectional=True, seed=11)
    x = np.random.default_rng(12).normal(size=(N, T, F))
    out, h_n = rnn(x, lengths=[4, 2])
    dx = rnn.backward(np.ones_like(out), np.ones_like(h_n))
    assert np.all(dx[1, 2:] == 0.0) and np.all(dx[0] != 0.0)


def test_rnn_dropout_training_mode_fixed_mask():
    rnn = rnnlib.RNN(F, H, num_layers=2, dropout=0.5, seed=13)
    forward = check_rnn(rnn, seed=14)
    # the check above is only meaningful if dropout acted in it: the forward it ran (its
    # dropout mask) gives another output than the same forward without dropout
    train_output, _ = forward()
    rnn.eval()
    eval_output, _ = forward()
    rnn.train()
    assert not np.allclose(train_output, eval_output)


def test_rnn_dropout_eval_mode_is_off():
    check_rnn(rnnlib.RNN(F, H, num_layers=2, dropout=0.5, seed=15).eval(), seed=16)


@pytest.mark.parametrize("lengths", [None, np.array([3, 4])])
def test_rnn_go_backwards(lengths):
    check_rnn(rnnlib.RNN(F, H, go_backwards=True, seed=17), seed=18, lengths=lengths)


def test_rnn_time_first():
    check_rnn(rnnlib.RNN(F, H, num_layers=2, bidirectional=True, batch_first=False, seed=19), seed=20)


def test_rnn_without_h0_and_dh_n():
    check_rnn(rnnlib.RNN(F, H, seed=21), seed=22, h0=False, dh_n=False)


# --- the functions, directly --------------------------------------------------------------

def weights(rng, scale=0.7):
    return (rng.normal(size=(F, H)) * scale, rng.normal(size=(H, H)) * scale, rng.normal(size=H) * scale)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
def test_rnn_step_backward(nonlinearity):
    rng = np.random.default_rng(23)
    x, h_prev = rng.normal(size=(N, F)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng)
    a = x @ Wx + h_prev @ Wh + b
    assert np.abs(a).min() > KINK_MARGIN
    h_next, cache = rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity)
    G = rng.normal(size=h_next.shape)
    dx, dh_prev, dWx, dWh, db = rnn_step_backward(G, cache)
    loss = lambda: np.sum(rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity)[0] * G)  # noqa: E731
    result = gradcheck(loss, dict(x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, b=b),
                       dict(x=dx, h_prev=dh_prev, Wx=dWx, Wh=dWh, b=db))
    assert result.ok(TOL), repr(result)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("lengths", [None, [4, 1]])
def test_rnn_backward(nonlinearity, lengths):
    rng = np.random.default_rng(24)
    x, h0 = rng.normal(size=(N, T, F)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng)
    if lengths is None:
        forward, backward = (lambda: rnn_forward(x, h0, Wx, Wh, b, nonlinearity)), rnn_backward
    else:
        forward = lambda: rnnlib.rnn_forward_padded(x, h0, Wx, Wh, b, lengths, nonlinearity)  # noqa: E731
        backward = rnnlib.rnn_backward_padded
    h, cache = forward()
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    assert np.abs(x @ Wx + h_prev @ Wh + b).min() > KINK_MARGIN
    G = rng.normal(size=h.shape)
    dx, dh0, dWx, dWh, db = backward(G, cache)
    loss = lambda: np.sum(forward()[0] * G)  # noqa: E731
    result = gradcheck(loss, dict(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b), dict(x=dx, h0=dh0, Wx=dWx, Wh=dWh, b=db))
    assert result.ok(TOL), repr(result)


@pytest.mark.parametrize("bias", [True, False])
def test_dense(bias):
    rng = np.random.default_rng(25)
    dense = rnnlib.Dense(F, 5, bias=bias, seed=26)
    x = rng.normal(size=(N, T, F))
    G = rng.normal(size=(N, T, 5))
    dense(x)
    dx = dense.backward(G)
    loss = lambda: np.sum(dense(x) * G)  # noqa: E731
    result = gradcheck(loss, dict(dense.params, x=x), dict(dense.grads, x=dx))
    assert result.ok(TOL), repr(result)


@pytest.mark.parametrize("batched", [True, False])
def test_rnncell_relu_without_bias(batched):
    cell = rnnlib.RNNCell(F, H, bias=False, nonlinearity="relu", seed=29)
    assert list(cell.params) == ["weight_ih", "weight_hh"]
    rng = np.random.default_rng(31)
    lead = (N,) if batched else ()                    # unbatched: x (F,), h_prev (H,), as torch
    x, h_prev = rng.normal(size=lead + (F,)), rng.normal(size=lead + (H,))
    a = x @ cell.params["weight_ih"].T + h_prev @ cell.params["weight_hh"].T
    assert np.abs(a).min() > KINK_MARGIN
    assert (a > 0).any() and (a < 0).any()            # both sides of the kink are checked
    h_next = cell(x, h_prev)
    G = rng.normal(size=h_next.shape)
    cell.zero_grad()
    dx, dh_prev = cell.backward(G)
    loss = lambda: np.sum(cell(x, h_prev) * G)  # noqa: E731
    result = gradcheck(loss, dict(cell.params, x=x, h_prev=h_prev), dict(cell.grads, x=dx, h_prev=dh_prev))
    assert result.ok(TOL), repr(result)


# --- gradcheck itself: it must catch what it is for ---------------------------------------

def test_relative_error_definition():
    # ||a - n|| = ||(3, -4)|| = 5, ||a|| + ||n|| = 3 + 4
    assert relative_error([3.0, 0.0], [0.0, 4.0]) == pytest.approx(5 / 7, rel=1e-15)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([0.0], [1e-10]) == pytest.approx(1e-2)   # floor 1e-8 below tiny values


def test_gradcheck_catches_a_small_mistake_and_restores_params():
    rng = np.random.default_rng(27)
    W, x, G = rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    W_before = W.copy()
    loss = lambda: np.sum(np.tanh(x @ W) * G)  # noqa: E731
    dW = x.T @ ((1 - np.tanh(x @ W) ** 2) * G)
    assert gradcheck(loss, {"W": W}, {"W": dW}).ok()
    assert np.array_equal(W, W_before)                # bit for bit, not just close
    wrong = dW.copy()
    wrong[1, 0] *= 1 + 1e-4                           # one entry off by 0.01 %
    result = gradcheck(loss, {"W": W}, {"W": wrong})
    assert not result.ok() and result.rows[0][3] == (1, 0)
    assert result.rows[0][2] > 1e-6


def test_gradcheck_table_is_coarse():
    rng = np.random.default_rng(28)
    W, G = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    loss = lambda: np.sum(W ** 2 * G)  # noqa: E731
    good = gradcheck(loss, {"W": W}, {"W": 2 * W * G})
    assert repr(good).splitlines()[2].split() == ["W", "(2,", "2)", "<", "1e-08", "ok"]
    bad = gradcheck(loss, {"W": W}, {"W": W * G})     # half the true gradient: error 1/3
    assert repr(bad).splitlines()[2].split()[-2:] == ["3e-01", "FAIL"]
    html = bad._repr_html_()
    assert "<td>W</td><td>(2, 2)</td><td>3e-01</td><td>FAIL</td>" in html
    assert "<td>&lt; 1e-08</td><td>ok</td>" in good._repr_html_()


def test_gradcheck_bad_input_is_explained_and_changes_nothing():
    W = np.ones((2, 2))
    loss = lambda: float(W.sum())  # noqa: E731
    with pytest.raises(ValueError, match=r"grads\['W'\] should have shape \(axis0=2, axis1=2\), got \(2,\)"):
        gradcheck(loss, {"W": W}, {"W": np.ones(2)})
    with pytest.raises(TypeError, match="float64"):
        gradcheck(loss, {"W": W.astype(np.float32)}, {"W": W})
    with pytest.raises(ValueError, match="'V' is not a key of params"):
        gradcheck(loss, {"W": W}, {"W": W}, names=["V"])
    with pytest.raises(TypeError, match="one number"):
        gradcheck(lambda: W, {"W": W}, {"W": W})
    assert np.array_equal(W, np.ones((2, 2)))


def test_gradcheck_names_checks_those_arrays_in_that_order():
    rng = np.random.default_rng(32)
    params = {"W": rng.normal(size=(2, 3)), "V": rng.normal(size=4), "U": rng.normal(size=(1, 2))}
    loss = lambda: float(np.sum(params["W"] ** 2) + np.sum(params["V"] ** 2) + np.sum(params["U"] ** 2))  # noqa: E731
    grads = {k: 2 * p for k, p in params.items()}
    grads["V"] = np.zeros(4)                          # wrong, and left out below
    result = gradcheck(loss, params, grads, names=["U", "W"])
    assert [(name, shape) for name, shape, *_ in result.rows] == [("U", (1, 2)), ("W", (2, 3))]
    assert list(result.numeric) == ["U", "W"]
    assert result.ok()
    assert not gradcheck(loss, params, grads).ok()   # every array by default: V is caught


def test_gradcheck_numeric_is_the_derivative():
    W = np.random.default_rng(33).normal(size=(3, 2))
    result = gradcheck(lambda: float(np.sum(np.sin(W))), {"W": W}, {"W": np.cos(W)})
    assert result.ok()
    # d/dW sum(sin W) = cos W; a centred difference is off by ~eps^2 / 6 from truncation
    np.testing.assert_allclose(result.numeric["W"], np.cos(W), rtol=0, atol=1e-9)


@pytest.mark.parametrize("eps, error", [(0, ValueError), (2, ValueError), (-1e-6, ValueError),
                                        (float("nan"), ValueError), (True, TypeError),
                                        ("1e-6", TypeError), (None, TypeError)])
def test_gradcheck_eps_must_be_a_small_positive_number(eps, error):
    W = np.ones(2)
    with pytest.raises(error, match=r"gradcheck: eps should be a small positive number such as 1e-6"):
        gradcheck(lambda: float(W.sum()), {"W": W}, {"W": np.ones(2)}, eps=eps)
    np.testing.assert_array_equal(W, np.ones(2))
