"""SequenceModel, Stepper and fit (the TrainingMonitor widget: test_widgets_monitor.py)."""
import numpy as np
import pytest

import rnnlib
from rnnlib import SGD, Adam, SequenceModel, Stepper, accuracy, fit, gradcheck, mse_loss, softmax_cross_entropy


def hihell():
    """'hihell' -> 'ihello' as one-hot inputs (1, 6, 5) and target ids (1, 6), built by hand."""
    symbols = list(dict.fromkeys("hihello"))                 # h i e l o
    ids = lambda s: np.array([[symbols.index(c) for c in s]])  # noqa: E731
    return np.eye(len(symbols))[ids("hihell")], ids("ihello")


# --- SequenceModel -------------------------------------------------------------------------

def test_params_are_the_submodules_arrays():
    m = SequenceModel(3, 4, 2, num_layers=2, seed=0)
    assert list(m.params) == [f"rnn.{k}" for k in m.rnn.params] + ["head.weight", "head.bias"]
    for k, p in m.rnn.params.items():
        assert m.params[f"rnn.{k}"] is p and m.grads[f"rnn.{k}"] is m.rnn.grads[k]
    assert m.params["head.weight"] is m.head.params["weight"]
    assert m.params["head.weight"].shape == (2, 4)
    Adam(m.params, lr=0.1).step({k: np.ones_like(g) for k, g in m.grads.items()})
    assert np.all(m.rnn.params["weight_hh_l1"] == m.params["rnn.weight_hh_l1"])
    assert isinstance(m, rnnlib.Module) and isinstance(m.rnn, rnnlib.Module) and isinstance(m.head, rnnlib.Module)


def test_same_seed_same_model():
    a, b = SequenceModel(3, 4, 2, seed=5), SequenceModel(3, 4, 2, seed=5)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    c = SequenceModel(3, 4, 2, seed=6)
    assert not np.array_equal(a.params["head.weight"], c.params["head.weight"])


def test_forward_is_rnn_then_dense():
    m = SequenceModel(3, 4, 2, seed=1)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    p = m.params
    h = np.zeros((2, 4))
    for t in range(5):
        h = np.tanh(x[:, t] @ p["rnn.weight_ih_l0"].T + p["rnn.bias_ih_l0"]
                    + h @ p["rnn.weight_hh_l0"].T + p["rnn.bias_hh_l0"])
        np.testing.assert_allclose(m.forward(x)[:, t], h @ p["head.weight"].T + p["head.bias"], rtol=1e-13)


KINK_MARGIN = 1e-4      # see test_backward_finite_differences.py: no finite difference across a kink


def pre_activations(rnn, x):
    """Every pre-activation a = x_t Wx + h_{t-1} Wh + b of rnn(x) (one direction, no lengths),
    recomputed layer by layer with rnnlib.rnn_forward and rnn.weights."""
    layer_in = x[:, ::-1] if rnn.go_backwards else x
    h0 = np.zeros((x.shape[0], rnn.hidden_size))
    out = []
    for layer in range(rnn.num_layers):
        Wx, Wh, b = rnn.weights(layer)
        h, _ = rnnlib.rnn_forward(layer_in, h0, Wx, Wh, b, rnn.nonlinearity)
        h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        out.append(layer_in @ Wx + h_prev @ Wh + b)
        layer_in = h
    np.testing.assert_allclose(layer_in, rnn(x)[0], rtol=1e-13, atol=1e-15)   # the layer's own output
    return np.concatenate([a.ravel() for a in out])


def test_forward_from_a_given_h0_and_return_state():
    m = SequenceModel(3, 4, 2, seed=1)
    rng = np.random.default_rng(5)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(1, 2, 4))
    y, h_n = m.forward(x, h0=h0, return_state=True)
    p = m.params
    h = h0[0]
    for t in range(5):
        h = np.tanh(x[:, t] @ p["rnn.weight_ih_l0"].T + p["rnn.bias_ih_l0"]
                    + h @ p["rnn.weight_hh_l0"].T + p["rnn.bias_hh_l0"])
        np.testing.assert_allclose(y[:, t], h @ p["head.weight"].T + p["head.bias"], rtol=1e-13)
    np.testing.assert_allclose(h_n, h[None], rtol=1e-13)
    assert not np.allclose(m.forward(x), y)              # h0 made a difference


def test_model_repr_shows_the_non_default_arguments():
    assert repr(SequenceModel(3, 4, 2)) == "SequenceModel(3, 4, 2)"
    assert (repr(SequenceModel(3, 4, 2, nonlinearity="relu", num_layers=2, go_backwards=True))
            == "SequenceModel(3, 4, 2, nonlinearity='relu', num_layers=2, go_backwards=True)")
    assert repr(SequenceModel(3, 4, 2, dtype=np.float32)) == "SequenceModel(3, 4, 2, dtype=np.float32)"
    assert repr(SequenceModel(3, 4, 2).stepper(batch_size=2)) == "Stepper(SequenceModel(3, 4, 2), batch_size=2)"


@pytest.mark.parametrize("kwargs", [
    dict(nonlinearity="tanh"),
    dict(nonlinearity="leaky_relu", num_layers=2),
    dict(nonlinearity="tanh", go_backwards=True),
    dict(nonlinearity="tanh", num_layers=2, lengths=True),
    dict(nonlinearity="tanh", go_backwards=True, lengths=True),
])
def test_model_gradcheck(kwargs):
    kwargs = dict(kwargs)
    use_lengths = kwargs.pop("lengths", False)
    rng = np.random.default_rng(3)
    m = SequenceModel(3, 4, 2, seed=2, **kwargs)
    x = rng.normal(size=(2, 4, 3))
    G = rng.normal(size=(2, 4, 2))
    lengths = np.array([4, 2]) if use_lengths else None
    if m.nonlinearity != "tanh":
        assert lengths is None
        assert np.abs(pre_activations(m.rnn, x)).min() > KINK_MARGIN, "on the kink: change the seed"
    m.zero_grad()
    m.forward(x, lengths=lengths)
    dx = m.backward(G)
    loss = lambda: float(np.sum(m.forward(x, lengths=lengths) * G))  # noqa: E731
    res = gradcheck(loss, m.params, m.grads)
    assert res.ok(1e-7), res
    res = gradcheck(loss, {"x": x}, {"x": dx})
    assert res.ok(1e-7), res


def test_go_backwards_output_is_aligned_with_the_input():
    fwd = SequenceModel(2, 3, 1, seed=4)
    bwd = SequenceModel(2, 3, 1, go_backwards=True, seed=4)
    x = np.random.default_rng(1).normal(size=(2, 5, 2))
    # reading x backwards = reading the reversed sequence forwards, then putting outputs back
    np.testing.assert_allclose(bwd.forward(x), fwd.forward(x[:, ::-1])[:, ::-1], rtol=1e-14)
    # the output at the last step has read only the last input
    x2 = x.copy()
    x2[:, :-1] += 1.0
    np.testing.assert_array_equal(bwd.forward(x2)[:, -1], bwd.forward(x)[:, -1])


def test_state_dict_round_trip_and_errors():
    a, b = SequenceModel(3, 4, 2, seed=0), SequenceModel(3, 4, 2, seed=1)
    arrays = dict(b.params)
    b.load_state_dict(a.state_dict())
    assert all(b.params[k] is arrays[k] for k in arrays)       # in place: optimisers stay attached
    x = np.ones((1, 2, 3))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    before = b.state_dict()
    bad = a.state_dict()
    bad["head.bias"] = np.zeros(3)
    with pytest.raises(ValueError, match="head.bias should have shape \\(2,\\)"):
        b.load_state_dict(bad)
    del bad["head.bias"]
    with pytest.raises(ValueError, match="missing keys \\['head.bias'\\]"):
        b.load_state_dict(bad)
    assert all(np.array_equal(b.params[k], before[k]) for k in before)


def test_model_errors():
    with pytest.raises(ValueError, match="output_size should be a positive whole number"):
        SequenceModel(3, 4, 0)
    m = SequenceModel(3, 4, 2, seed=0)
    with pytest.raises(ValueError, match="x\\[None\\]"):
        m.forward(np.ones((5, 3)))
    m.forward(np.ones((1, 5, 3)))
    with pytest.raises(ValueError, match=r"dy should have shape"):
        m.backward(np.ones((1, 5, 3)))


# --- Stepper --------------------------------------------------------------------------------

def test_stepper_agrees_with_forward():
    m = SequenceModel(2, 3, 2, nonlinearity="relu", num_layers=2, seed=7)
    x = np.random.default_rng(2).normal(size=(3, 6, 2))
    y = m.forward(x)
    s = m.stepper(batch_size=3)
    for t in range(6):
        np.testing.assert_allclose(s.step(x[:, t]), y[:, t], rtol=1e-13, atol=1e-15)
    _, h_n = m.forward(x, return_state=True)
    np.testing.assert_allclose(s.state, h_n, rtol=1e-13)


def test_stepper_errors():
    with pytest.raises(TypeError, match=r"Stepper: model should be a SequenceModel, got RNN"):
        Stepper(rnnlib.RNN(2, 3))
    s = SequenceModel(2, 3, 1, seed=0).stepper(batch_size=2)
    with pytest.raises(ValueError, match=r"Stepper.step: x_t should have shape "
                                         r"\(batch=2, input_size=2\), got \(3, 2\)"):
        s.step(np.ones((3, 2)))
    np.testing.assert_array_equal(s.state, np.zeros((1, 2, 3)))   # the failed step changed nothing


def test_stepper_state_takes_the_models_dtype_and_is_a_copy():
    m = SequenceModel(1, 2, 1, seed=0, dtype=np.float32)
    s = m.stepper()
    value = np.array([[[0.1, -0.7]]])                                # float64
    s.state = value
    assert s.state.dtype == np.float32
    np.testing.assert_array_equal(s.state, value.astype(np.float32))
    value[...] = 5.0                                                 # the stepper kept its own copy
    np.testing.assert_array_equal(s.state, np.array([[[0.1, -0.7]]], dtype=np.float32))
    assert s.step([[1.0]]).dtype == np.float32


def test_stepper_on_a_go_backwards_model_reads_the_sequence_from_the_end():
    m = SequenceModel(1, 3, 1, nonlinearity="leaky_relu", go_backwards=True, seed=0)
    x = np.arange(1.0, 5.0).reshape(1, 4, 1)
    y = m.forward(x)
    s = m.stepper()
    outs = [s.step(x[:, t]) for t in reversed(range(4))]      # x_3, x_2, x_1, x_0
    np.testing.assert_allclose(np.concatenate(outs[::-1], axis=1)[:, :, None], y, rtol=1e-13)


def test_stepper_state_set_reset_and_errors():
    m = SequenceModel(1, 2, 1, seed=0)
    s = m.stepper()
    assert s.state.shape == (1, 1, 2) and np.all(s.state == 0)
    first = s.step([[1.0]])
    s.step([[2.0]])
    s.reset()
    np.testing.assert_array_equal(s.step([[1.0]]), first)      # a reset forgets the past
    s.state = np.array([[[0.5, -0.5]]])
    h = np.tanh(np.array([[1.0]]) @ m.params["rnn.weight_ih_l0"].T + m.params["rnn.bias_ih_l0"]
                + np.array([[0.5, -0.5]]) @ m.params["rnn.weight_hh_l0"].T + m.params["rnn.bias_hh_l0"])
    np.testing.assert_allclose(s.step([[1.0]]), h @ m.params["head.weight"].T + m.params["head.bias"], rtol=1e-14)
    st = s.state
    st[...] = 99.0                                              # .state is a copy
    assert not np.any(s.state == 99.0)
    before = s.state
    with pytest.raises(ValueError, match="state should have shape \\(num_layers=1, batch=1, hidden_size=2\\)"):
        s.state = np.zeros(2)
    with pytest.raises(ValueError, match="np.array\\(\\[\\[value\\]\\]\\)"):
        s.step(5.0)
    with pytest.raises(ValueError, match="finite"):
        s.step([[np.nan]])
    np.testing.assert_array_equal(s.state, before)              # failed calls changed nothing


# --- fit --------------------------------------------------------------------------------------

def test_hihell_reaches_full_accuracy():
    x, y = hihell()
    m = SequenceModel(5, 8, 5, seed=0)
    history = fit(m, x, y, Adam(m.params, lr=0.05), epochs=100)
    assert set(history) == {"loss", "accuracy", "grad_norm"}
    assert all(len(h) == 100 for h in history.values())
    assert history["accuracy"][-1] == 1.0
    loss, _ = softmax_cross_entropy(m(x), y)
    acc = accuracy(m(x), y)
    assert acc == 1.0 and loss < history["loss"][0] / 10


def test_one_epoch_is_the_hand_written_step():
    x, y = hihell()
    a, b = SequenceModel(5, 4, 5, seed=3), SequenceModel(5, 4, 5, seed=3)
    history = fit(a, x, y, SGD(a.params, lr=0.5), epochs=1)
    b.zero_grad()
    loss, dy = softmax_cross_entropy(b(x), y)
    acc = accuracy(b(x), y)
    b.backward(dy)
    norm = np.sqrt(sum(np.sum(g ** 2) for g in b.grads.values()))
    for k in b.params:
        b.params[k] -= 0.5 * b.grads[k]
    assert history == {"loss": [loss], "accuracy": [acc], "grad_norm": [pytest.approx(norm, rel=1e-14)]}
    assert all(np.allclose(a.params[k], b.params[k], rtol=1e-14, atol=0) for k in a.params)


def test_mse_history_and_clipping():
    x = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 7, 8]], float)[..., None]
    m = SequenceModel(1, 4, 1, nonlinearity="leaky_relu", seed=0)
    snapshot = m.state_dict()
    h = fit(m, x, x + 1, SGD(m.params, lr=1e-3), loss="mse", epochs=3, clip=0.5)
    assert set(h) == {"loss", "grad_norm"}
    # epoch 1 measured the gradient before clipping, and the step was lr * (clipped gradient)
    m2 = SequenceModel(1, 4, 1, nonlinearity="leaky_relu", seed=0)
    m2.zero_grad()
    loss, dy = mse_loss(m2.forward(x), x + 1)
    m2.backward(dy)
    norm = np.sqrt(sum(np.sum(g ** 2) for g in m2.grads.values()))
    assert h["loss"][0] == loss and h["grad_norm"][0] == pytest.approx(norm, rel=1e-14) and norm > 0.5
    m.load_state_dict(snapshot)
    fit(m, x, x + 1, SGD(m.params, lr=1e-3), loss="mse", epochs=1, clip=0.5)
    step = np.sqrt(sum(np.sum((m.params[k] - snapshot[k]) ** 2) for k in snapshot))
    assert step == pytest.approx(1e-3 * 0.5, rel=1e-5)


def test_padding_and_minibatches():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 2))
    y = rng.integers(0, 3, size=(4, 5))
    lengths = np.array([5, 3, 2, 4])
    y2 = y.copy()
    y2[1, 3:] = (y[1, 3:] + 1) % 3                          # other targets on padding only
    runs = []
    for targets in (y, y2):
        m = SequenceModel(2, 3, 3, seed=1)
        runs.append(fit(m, x, targets, Adam(m.params, lr=0.05), epochs=5, lengths=lengths,
                        batch_size=2, seed=4))
    assert runs[0] == runs[1]
    m = SequenceModel(2, 3, 3, seed=1)
    # epoch 1's loss is the mean over the 14 real steps of two minibatches of different sizes
    h = fit(m, x, y, SGD(m.params, lr=1e-12), epochs=1, lengths=lengths, batch_size=2, seed=4)
    full = softmax_cross_entropy(m.forward(x, lengths=lengths), y, np.arange(5) < lengths[:, None])[0]
    assert h["loss"][0] == pytest.approx(full, rel=1e-9)


def test_callback_runs_at_checkpoints():
    x, y = hihell()
    m = SequenceModel(5, 4, 5, seed=0)
    seen = []
    fit(m, x, y, Adam(m.params, lr=0.01), epochs=25, every=10, callback=lambda e, h: seen.append((e, len(h["loss"]))))
    assert seen == [(10, 10), (20, 20), (25, 25)]


def test_fit_errors():
    x, y = hihell()
    m, other = SequenceModel(5, 4, 5, seed=0), SequenceModel(5, 4, 5, seed=1)
    before = m.state_dict()
    with pytest.raises(ValueError, match="not this model's parameters"):
        fit(m, x, y, Adam(other.params))
    with pytest.raises(ValueError, match="loss should be one of 'mse', 'cross_entropy'"):
        fit(m, x, y, Adam(m.params), loss="crossentropy")
    with pytest.raises(TypeError, match="rnnlib optimiser"):
        fit(m, x, y, "adam")
    with pytest.raises(ValueError, match="targets should start with the \\(batch, time\\) axes"):
        fit(m, x, y[:, :3], Adam(m.params))
    with pytest.raises(ValueError, match="0 to 4"):
        fit(m, x, y + 1, Adam(m.params))
    assert all(np.array_equal(m.params[k], before[k]) for k in before)


def plus_one():
    """The +1 sequences of "Creating Our First Recurrent Neural Network", (5, 3, 1) inputs and targets."""
    x = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 7, 8]], dtype=float)[..., None]
    return x, x + 1


def test_fit_reports_divergence_in_words_without_warnings():
    import warnings
    x, y = plus_one()
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no RuntimeWarning wall before the error
        # lr = 1 makes plain SGD blow up on this task within a few epochs
        m = SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
        with pytest.raises(FloatingPointError, match=r"diverged in epoch \d+.*after epoch \d+.*"
                                                     r"lr = 1\b.*10 times smaller.*clip=1\.0"):
            fit(m, x, y, SGD(m.params, lr=1.0), loss="mse", epochs=300)
        # the same with clipping already on: the advice changes
        m = SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
        with pytest.raises(FloatingPointError, match="harder than clip=1000"):
            fit(m, x, y, SGD(m.params, lr=1e306), loss="mse", epochs=5, clip=1e3)
        # an overflow in the very first optimiser step is the learning rate, not the data
        m = SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
        with pytest.raises(FloatingPointError, match="diverged in epoch 1"):
            fit(m, x, y, SGD(m.params, lr=1e308), loss="mse", epochs=5)
        # inputs so large that the first loss overflows: no update happened, the data is the cause
        m = SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
        with pytest.raises(FloatingPointError, match="before any update.*Scale them down"):
            fit(m, 1e200 * x, 1e200 * y, SGD(m.params, lr=1e-3), loss="mse", epochs=5)


# --- fit and its callback -----------------------------------------------------------------

def test_fit_prints_nothing_and_hands_every_epoch_to_its_callback(capsys):
    x, y = hihell()
    m = SequenceModel(5, 4, 5, seed=0)
    seen = []
    history = fit(m, x, y, Adam(m.params), epochs=3, callback=lambda e, h: seen.append((e, list(h["loss"]))))
    assert capsys.readouterr() == ("", "")
    assert seen == [(1, history["loss"][:1]), (2, history["loss"][:2]), (3, history["loss"])]


# --- fit's options ---------------------------------------------------------------------------

def test_fit_takes_a_loss_function():
    x, y = plus_one()
    a, b = SequenceModel(1, 4, 1, seed=2), SequenceModel(1, 4, 1, seed=2)
    calls = []

    def half_sum_of_squares(pred, target, mask):
        calls.append(mask)
        return float(np.sum((pred - target) ** 2) / 2), pred - target

    history = fit(a, x, y, SGD(a.params, lr=1e-3), loss=half_sum_of_squares, epochs=1)
    assert calls == [None] and set(history) == {"loss", "grad_norm"}
    # the same epoch by hand: L = sum (y - t)^2 / 2, dL/dy = y - t
    b.zero_grad()
    pred = b(x)
    b.backward(pred - y)
    for k in b.params:
        b.params[k] -= 1e-3 * b.grads[k]
    assert history["loss"] == [pytest.approx(np.sum((pred - y) ** 2) / 2, rel=1e-14)]
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-14, atol=1e-16)
    # with lengths, the function receives the mask of the real steps
    fit(a, x, y, SGD(a.params, lr=1e-3), loss=half_sum_of_squares, epochs=1, lengths=[3, 2, 3, 1, 3])
    np.testing.assert_array_equal(calls[-1], [[1, 1, 1], [1, 1, 0], [1, 1, 1], [1, 0, 0], [1, 1, 1]])


@pytest.mark.parametrize("bad_loss, got", [
    (lambda y, t, m: float(np.sum(y)), "got float"),
    (lambda y, t, m: (0.0, y, 1.0), "got tuple of 3 items"),
    (lambda y, t, m: [0.0, y], "got list"),
])
def test_fit_loss_function_must_return_a_pair(bad_loss, got):
    x, y = plus_one()
    m = SequenceModel(1, 4, 1, seed=0)
    before = m.state_dict()
    with pytest.raises(TypeError, match=rf"fit: the loss function should return a pair \(loss, dy\), {got}"):
        fit(m, x, y, SGD(m.params, lr=0.1), loss=bad_loss, epochs=1)
    for k, p in m.state_dict().items():
        np.testing.assert_array_equal(p, before[k])


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(epochs=0), ValueError, "epochs should be a positive whole number, got 0"),
    (dict(epochs=2.5), TypeError, "epochs should be a positive whole number, got 2.5"),
    (dict(clip=0), ValueError, "clip should be a positive number, got 0"),
    (dict(clip=-1.0), ValueError, "clip should be a positive number, got -1.0"),
    (dict(clip="5"), TypeError, "clip should be a positive number, got '5'"),
    (dict(every=0), ValueError, "every should be a positive whole number, got 0"),
    (dict(batch_size=0), ValueError, "batch_size should be a positive whole number, got 0"),
    (dict(loss=3), TypeError, "loss should be 'cross_entropy', 'mse' or a function"),
])
def test_fit_settings_are_checked_before_training(kwargs, error, words):
    x, y = plus_one()
    m = SequenceModel(1, 4, 1, seed=0)
    before = m.state_dict()
    with pytest.raises(error, match=rf"^fit: {words}"):
        fit(m, x, y, SGD(m.params, lr=0.1), **{"loss": "mse", **kwargs})
    for k, p in m.state_dict().items():
        np.testing.assert_array_equal(p, before[k])


def test_fit_seed_sets_the_minibatch_order():
    x = np.random.default_rng(6).normal(size=(6, 3, 1))
    y = np.arange(6.0)[:, None, None] * np.ones((6, 3, 1))          # y[n] is all n: names the sequence

    def run(seed):
        seen = []

        def loss(pred, target, mask):
            seen.extend(int(t) for t in target[:, 0, 0])
            return mse_loss(pred, target, mask)
        m = SequenceModel(1, 3, 1, seed=0)
        history = fit(m, x, y, Adam(m.params, lr=0.01), loss=loss, epochs=4, batch_size=2, seed=seed)
        return history, [seen[i:i + 6] for i in range(0, 24, 6)]   # the order of each epoch

    history, orders = run(seed=0)
    assert all(sorted(order) == list(range(6)) for order in orders)   # every sequence once an epoch
    assert len({tuple(o) for o in orders}) > 1                       # shuffled anew each epoch
    again, orders_again = run(seed=0)
    assert again == history and orders_again == orders               # the same seed: the same run
    other, orders_other = run(seed=1)
    assert orders_other != orders and other != history


def test_check_history_reads_what_fit_returns_and_explains_the_rest():
    from rnnlib.train import check_history
    x, y = hihell()
    m = SequenceModel(5, 4, 5, seed=0)
    history = fit(m, x, y, Adam(m.params), epochs=3)
    loss, acc = check_history(history, "plot")
    np.testing.assert_array_equal(loss, history["loss"])
    np.testing.assert_array_equal(acc, history["accuracy"])
    assert check_history({"loss": [1, 2]}, "plot")[1] is None        # mse: no accuracy
    for bad, error, words in [(None, TypeError, "got NoneType"), ({}, TypeError, "an empty dict"),
                              ({"acc": [1]}, TypeError, "keys ['acc']"),
                              ({"loss": ["a"]}, TypeError, "lists of numbers"),
                              ({"loss": []}, ValueError, "got (0,) losses"),
                              ({"loss": [1, 2], "accuracy": [1]}, ValueError, "(1,) accuracies")]:
        with pytest.raises(error, match=r"^plot: history") as info:
            check_history(bad, "plot")
        assert words in str(info.value)
