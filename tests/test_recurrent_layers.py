"""The shared recurrent layer (rnnlib.recurrent) under RNN, LSTM and GRU: padding, directions,
stacking, states, and the models built on it (SequenceModel(cell=...), Stepper, save/load,
hidden_states).

The reference for padding is independent of the padded code path: each sequence run alone,
cut to its own length, through the same layer. The exactness against torch is in
test_reference.py and test_gated_reference.py; these tests pin the behaviour that torch's
fixtures do not spell out.
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import GRU, LSTM, RNN, SequenceModel

F, H = 4, 3
LAYERS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def make(cell, **kw):
    return LAYERS[cell](F, H, seed=0, **kw)


def final_h(state):
    """h_n of any cell: the LSTM returns (h_n, c_n)."""
    return state[0] if isinstance(state, tuple) else state


@pytest.fixture
def batch():
    rng = np.random.default_rng(1)
    return rng.standard_normal((3, 6, F)), np.array([6, 2, 4])


@pytest.mark.parametrize("cell", LAYERS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_padded_batch_equals_each_sequence_alone(cell, bidirectional, num_layers, batch):
    x, lengths = batch
    layer = make(cell, bidirectional=bidirectional, num_layers=num_layers)
    out, state = layer(x, lengths=lengths)
    D = 2 if bidirectional else 1
    for n, L in enumerate(lengths):
        alone, alone_state = layer(x[n:n + 1, :L])
        np.testing.assert_allclose(out[n, :L], alone[0], rtol=1e-12, atol=1e-14)
        assert np.all(out[n, L:] == 0), "padding gives zero output"
        states = state if isinstance(state, tuple) else (state,)
        alone_states = alone_state if isinstance(alone_state, tuple) else (alone_state,)
        for s, a in zip(states, alone_states):
            assert s.shape == (num_layers * D, 3, H)
            np.testing.assert_allclose(s[:, n], a[:, 0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cell", LAYERS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padded_gradients_equal_each_sequence_alone(cell, bidirectional, batch):
    """Whatever the padded steps computed, it reaches no gradient: the batch's gradients are
    the sum of the gradients of each sequence run alone, cut to its length."""
    x, lengths = batch
    rng = np.random.default_rng(2)
    layer = make(cell, bidirectional=bidirectional, num_layers=2)
    D = 2 if bidirectional else 1
    dout = rng.standard_normal((3, 6, D * H))
    names = layer.state_names
    dstate = tuple(rng.standard_normal((2 * D, 3, H)) for _ in names)
    packed = dstate if len(names) == 2 else dstate[0]
    layer.zero_grad()
    layer(x, lengths=lengths)
    dx = layer.backward(dout, packed)
    batch_grads = {k: g.copy() for k, g in layer.grads.items()}
    layer.zero_grad()
    for n, L in enumerate(lengths):
        layer(x[n:n + 1, :L])
        one = tuple(d[:, n:n + 1] for d in dstate)
        dx_n = layer.backward(dout[n:n + 1, :L], one if len(names) == 2 else one[0])
        np.testing.assert_allclose(dx[n, :L], dx_n[0], rtol=1e-10, atol=1e-13)
        assert np.all(dx[n, L:] == 0), "padded inputs get no gradient"
    for k in batch_grads:
        np.testing.assert_allclose(batch_grads[k], layer.grads[k], rtol=1e-10, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("cell", LAYERS)
def test_go_backwards_reads_the_reversed_sequence(cell, batch):
    x, lengths = batch
    fwd, back = make(cell), make(cell, go_backwards=True)
    out_b, state_b = back(x, lengths=lengths)
    out_f, state_f = fwd(rnnlib.reverse_padded(x, lengths), lengths=lengths)
    np.testing.assert_array_equal(out_b, out_f)
    np.testing.assert_array_equal(final_h(state_b), final_h(state_f))


@pytest.mark.parametrize("cell", LAYERS)
def test_batch_first_false_is_a_transpose(cell, batch):
    x, lengths = batch
    a, b = make(cell), make(cell, batch_first=False)
    out_a, _ = a(x, lengths=lengths)
    out_b, _ = b(x.transpose(1, 0, 2), lengths=lengths)
    np.testing.assert_array_equal(out_a, out_b.transpose(1, 0, 2))
    d = np.ones_like(out_a)
    np.testing.assert_array_equal(a.backward(d), b.backward(d.transpose(1, 0, 2)).transpose(1, 0, 2))


def test_lstm_state_is_a_pair_and_carries_over(batch):
    x, _ = batch
    lstm = make("lstm", num_layers=2)
    out, (h_n, c_n) = lstm(x)
    assert h_n.shape == c_n.shape == (2, 3, H)
    np.testing.assert_array_equal(h_n[-1], out[:, -1])
    first, state = lstm(x[:, :4])
    second, _ = lstm(x[:, 4:], state)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), out, rtol=1e-13)
    with pytest.raises(TypeError, match=r"LSTM.forward: h0 should be None or the pair \(h0, c0\)"):
        lstm(x, h_n)
    with pytest.raises(ValueError, match=r"LSTM.forward: c0 should have shape"):
        lstm(x, (h_n, c_n[:1]))


def test_lstm_all_states_gives_the_cell_state_of_the_functions(batch):
    x, lengths = batch
    lstm = make("lstm")
    out, _, (h, c) = lstm(x, all_states=True)
    Wx, Wh, b = lstm.weights()
    zeros = np.zeros((3, H))
    h_ref, c_ref, _ = rnnlib.lstm_forward(x, zeros, zeros, Wx, Wh, b)
    np.testing.assert_array_equal(h, out)
    np.testing.assert_allclose(h, h_ref, rtol=1e-14)
    np.testing.assert_allclose(c, c_ref, rtol=1e-14)
    _, _, (_, c_pad) = lstm(x, lengths=lengths, all_states=True)
    assert np.all(c_pad[1, 2:] == 0)


def test_dropout_between_layers_only_in_training(batch):
    x, _ = batch
    gru = GRU(F, H, num_layers=2, dropout=0.5, seed=0)
    a, _ = gru(x)
    b, _ = gru(x)
    assert not np.allclose(a, b), "a fresh mask on each training call"
    gru.eval()
    c, _ = gru(x)
    d, _ = gru(x)
    np.testing.assert_array_equal(c, d)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_token_ids_with_lengths(cell, batch):
    _, lengths = batch
    ids = np.random.default_rng(3).integers(0, F, size=(3, 6))
    layer = make(cell, bidirectional=True)
    out_ids, _ = layer(ids, lengths=lengths)
    d = np.ones_like(out_ids)
    assert layer.backward(d) is None
    g_ids = {k: g.copy() for k, g in layer.grads.items()}
    layer.zero_grad()
    out_hot, _ = layer(np.eye(F)[ids], lengths=lengths)
    layer.backward(d)
    np.testing.assert_allclose(out_ids, out_hot, rtol=1e-13)
    for k in g_ids:
        np.testing.assert_allclose(g_ids[k], layer.grads[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cell", LAYERS)
def test_a_failed_call_leaves_the_layer_as_it_was(cell, batch):
    x, lengths = batch
    layer = make(cell)
    out, _ = layer(x)
    before = {k: g.copy() for k, g in layer.grads.items()}
    with pytest.raises(ValueError, match="doutput should have shape"):
        layer.backward(np.ones((3, 5, H)))
    with pytest.raises(ValueError, match="lengths"):
        layer(x, lengths=[7, 1, 1])
    layer.backward(np.ones_like(out))              # the first forward's cache is still there
    assert any(np.any(layer.grads[k] != before[k]) for k in before)


@pytest.mark.parametrize("cls, shapes", [
    (rnnlib.LSTM, {"weight_ih_l0": (4 * H, F), "weight_hh_l0": (4 * H, H), "bias_ih_l0": (4 * H,),
                   "bias_hh_l0": (4 * H,)}),
    (rnnlib.GRU, {"weight_ih_l0": (3 * H, F), "weight_hh_l0": (3 * H, H), "bias_ih_l0": (3 * H,),
                  "bias_hh_l0": (3 * H,)}),
])
def test_state_dict_names_and_shapes_are_torchs(cls, shapes):
    layer = cls(F, H, seed=0)
    assert {k: v.shape for k, v in layer.state_dict().items()} == shapes
    # torch's initialisation: U(-1/sqrt(H), 1/sqrt(H)) for every parameter
    assert all(np.abs(v).max() <= 1 / np.sqrt(H) for v in layer.state_dict().values())
    two = cls(F, H, num_layers=2, bidirectional=True, bias=False, seed=0)
    assert sorted(two.state_dict()) == sorted(
        f"weight_{a}_l{l}{s}" for a in ("ih", "hh") for l in (0, 1) for s in ("", "_reverse"))
    assert two.state_dict()["weight_ih_l1"].shape == (shapes["weight_ih_l0"][0], 2 * H)


def test_lstm_cell_and_gru_cell_equal_one_step_of_the_layer():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, F))
    for cell_cls, layer_cls in [(rnnlib.LSTMCell, LSTM), (rnnlib.GRUCell, GRU)]:
        cell, layer = cell_cls(F, H, seed=0), layer_cls(F, H, seed=1)
        layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
        out, _ = layer(x[:, None])
        got = cell(x)
        h = got[0] if isinstance(got, tuple) else got
        np.testing.assert_allclose(h, out[:, 0], rtol=1e-14)
        one = cell(x[0])                           # one sequence without a batch axis
        np.testing.assert_allclose(one[0] if isinstance(one, tuple) else one, h[0], rtol=1e-14)
    cell = rnnlib.LSTMCell(F, H, seed=0)
    with pytest.raises(TypeError, match=r"hx should be None or the pair \(h_prev, c_prev\)"):
        cell(x, np.zeros((2, H)))


# --- models ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", LAYERS)
def test_sequence_model_stepper_and_checkpoint(cell, tmp_path):
    rng = np.random.default_rng(5)
    model = SequenceModel(5, 6, 5, num_layers=2, cell=cell, seed=0)
    assert type(model.rnn) is LAYERS[cell]
    x = rng.integers(0, 5, size=(2, 7))
    y = model(x)
    stepper = model.stepper(batch_size=2)
    steps = np.stack([stepper.step(np.eye(5)[x[:, t]]) for t in range(7)], axis=1)
    np.testing.assert_allclose(steps, y, rtol=1e-12)
    state = stepper.state
    assert isinstance(state, tuple) == (cell == "lstm")
    stepper.state = state
    rnnlib.save(model, tmp_path / "m.npz")
    again = rnnlib.load(tmp_path / "m.npz")
    assert again.cell == cell and again.config() == model.config()
    np.testing.assert_array_equal(again(x), y)
    first, s = model(x[:, :3], return_state=True)
    np.testing.assert_allclose(np.concatenate([first, model(x[:, 3:], s)], axis=1), y, rtol=1e-13)


def test_a_plain_models_config_has_no_cell_key():
    """Checkpoints written before the gated cells existed hold no 'cell': they must still match."""
    assert "cell" not in SequenceModel(2, 3, 2, seed=0).config()
    assert SequenceModel(2, 3, 2, cell="gru", seed=0).config()["cell"] == "gru"


def test_sequence_model_refuses_a_nonlinearity_for_a_gated_cell_and_an_unknown_cell():
    with pytest.raises(ValueError, match="nonlinearity='relu' is for cell='rnn'"):
        SequenceModel(2, 3, 2, cell="lstm", nonlinearity="relu")
    with pytest.raises(ValueError, match="cell should be one of 'rnn', 'lstm', 'gru'"):
        SequenceModel(2, 3, 2, cell="transformer")


def test_stepper_state_of_an_lstm_must_be_a_pair():
    stepper = SequenceModel(2, 3, 2, cell="lstm", seed=0).stepper()
    with pytest.raises(TypeError, match=r"an LSTM's state is the pair \(h, c\)"):
        stepper.state = np.zeros((1, 1, 3))


def test_hidden_states_reads_the_cell_state_of_an_lstm_only():
    vocab = rnnlib.Vocab("abc")
    lstm = SequenceModel(3, 4, 3, cell="lstm", seed=0)
    c = rnnlib.hidden_states(lstm, vocab, "abcab", cell_state=True)
    h = rnnlib.hidden_states(lstm, vocab, "abcab")
    # h = o * tanh(c) with o in (0, 1): |h| < |tanh(c)| elementwise, and the same sign
    assert c.shape == h.shape == (5, 4)
    assert np.all(np.abs(h) <= np.abs(np.tanh(c))) and np.all(np.sign(h) == np.sign(c))
    with pytest.raises(ValueError, match="cell_state=True reads an LSTM's cell state"):
        rnnlib.hidden_states(SequenceModel(3, 4, 3, seed=0), vocab, "abc", cell_state=True)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_truncated_bptt_trains_a_gated_model(cell):
    """fit_truncated carries the (h, c) pair of an LSTM from window to window like an RNN's h."""
    rng = np.random.default_rng(6)
    ids = rng.integers(0, 3, size=(4, 41))
    ids[:, 1::2] = (ids[:, ::2][:, :20] + 1) % 3            # every second id follows from the one before
    x, y = np.eye(3)[ids[:, :-1]], ids[:, 1:]
    model = SequenceModel(3, 8, 3, cell=cell, seed=0)
    history = rnnlib.fit_truncated(model, x, y, rnnlib.Adam(model.params, lr=0.02), k=10, epochs=30)
    assert history["loss"][-1] < 0.8 * history["loss"][0]
