"""rnnlib against stored PyTorch and Keras results (assets/reference/*.npz).

The fixtures were computed by torch.nn.RNN, a hand-written torch loop (leaky_relu) and
keras.layers.SimpleRNN, all in float64, by tools/make_reference.py (see its docstring for the
file layout). Gradients are torch autograd's, of loss = sum(output * dout) + sum(h_n * dh_n).
This file needs neither torch nor Keras.
"""
import json
import pathlib

import numpy as np
import pytest

import rnnlib
from rnnlib import interop

FIXTURES = pathlib.Path(__file__).parent.parent / "assets" / "reference"
REQUIRED = [
    "torch_tanh", "torch_relu", "torch_no_bias", "torch_two_layers", "torch_bidirectional",
    "torch_two_layers_bidirectional", "torch_lengths", "torch_lengths_bidirectional",
    "torch_lengths_two_layers", "torch_lengths_two_layers_bidirectional", "torch_leaky_relu",
    "keras_simple_rnn", "keras_go_backwards", "keras_masked", "keras_masked_go_backwards",
    "torch_token_ids", "torch_token_ids_lengths_two_layers_bidirectional",
]


def _is_rnn_fixture(path):
    """Other helpers keep their own fixtures here too (losses, optimisers): skip those."""
    if not path.stem.startswith(("torch_", "keras_")):
        return False
    with np.load(path) as f:
        return "config" in f.files and {"num_layers", "hidden_size"} <= json.loads(str(f["config"])).keys()


NAMES = sorted(p.stem for p in FIXTURES.glob("*.npz") if _is_rnn_fixture(p))
KERAS = [n for n in NAMES if n.startswith("keras_")]
KERAS_MASKED = [n for n in KERAS if n.startswith("keras_masked")]
KERAS_UNMASKED = [n for n in KERAS if n not in KERAS_MASKED]
TORCH = [n for n in NAMES if n.startswith("torch_")]
TOL = dict(rtol=1e-9, atol=1e-12)   # observed: ~1e-15; the contract asks for 1e-6


def load(name):
    with np.load(FIXTURES / f"{name}.npz") as f:    # plain arrays: no pickle involved
        d = {k: f[k] for k in f.files}
    d["config"] = json.loads(str(d["config"]))
    return d


def params(d):
    return {k[len("param."):]: a for k, a in d.items() if k.startswith("param.")}


def make_rnn(d, **overrides):
    c = d["config"]
    kwargs = dict(num_layers=c["num_layers"], nonlinearity=c["nonlinearity"], bias=c["bias"],
                  bidirectional=c["bidirectional"], go_backwards=c["go_backwards"])
    kwargs.update(overrides)
    rnn = rnnlib.RNN(c["input_size"], c["hidden_size"], **kwargs)
    rnn.load_state_dict(params(d))
    return rnn


def lengths_of(d):
    return d["lengths"] if d["config"]["has_lengths"] else None


# --- the fixture set itself -------------------------------------------------------------

def test_every_required_fixture_is_present():
    missing = sorted(set(REQUIRED) - set(NAMES))
    assert not missing, f"missing fixtures {missing}: run tools/make_reference.py in the torch venv"


@pytest.mark.parametrize("name", NAMES)
def test_fixture_layout(name):
    """Shapes, dtypes and the padding convention are what the contract says."""
    d = load(name)
    c = d["config"]
    assert c["framework"] == name.split("_")[0]
    N, T, F = d["x"].shape
    H, L, D = c["hidden_size"], c["num_layers"], 2 if c["bidirectional"] else 1
    assert F == c["input_size"]
    assert d["h0"].shape == d["h_n"].shape == d["dh_n"].shape == d["grad.h0"].shape == (L * D, N, H)
    assert d["output"].shape == d["dout"].shape == (N, T, D * H)
    assert d["grad.x"].shape == d["x"].shape
    expected = rnnlib.RNN(F, H, num_layers=L, bias=c["bias"], bidirectional=c["bidirectional"]).state_dict()
    assert {k: a.shape for k, a in params(d).items()} == {k: a.shape for k, a in expected.items()}
    assert {k[5:] for k in d if k.startswith("grad.")} == set(expected) | {"x", "h0"}
    for k, a in d.items():
        if k not in ("config", "lengths"):
            assert a.dtype == np.float64, k
    assert ("lengths" in d) == c["has_lengths"]
    if c["has_lengths"]:
        assert d["lengths"].dtype == np.int64 and d["lengths"].shape == (N,)
        pad = np.arange(T)[None, :] >= d["lengths"][:, None]           # (N, T)
        assert pad.any()
        assert np.all(d["output"][pad] == 0) and np.all(d["grad.x"][pad] == 0)
        assert np.all(d["dout"][pad] != 0)          # so the tests see that padding gets no gradient


# --- rnnlib.RNN -------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_rnn_matches_reference(name):
    d = load(name)
    rnn = make_rnn(d)
    output, h_n = rnn(d["x"], d["h0"], lengths=lengths_of(d))
    np.testing.assert_allclose(output, d["output"], **TOL)
    np.testing.assert_allclose(h_n, d["h_n"], **TOL)

    dx, dh0 = rnn.backward(d["dout"], d["dh_n"], return_dh0=True)
    np.testing.assert_allclose(dx, d["grad.x"], **TOL)
    np.testing.assert_allclose(dh0, d["grad.h0"], **TOL)
    assert set(rnn.grads) == set(params(d))
    for k, g in rnn.grads.items():
        np.testing.assert_allclose(g, d[f"grad.{k}"], err_msg=k, **TOL)


TOKEN_IDS = [n for n in NAMES if load(n)["config"].get("token_ids")]


@pytest.mark.parametrize("name", TOKEN_IDS)
def test_token_ids_match_reference(name):
    """torch ran on one-hot vectors; rnnlib reads the ids themselves and looks rows of
    weight_ih up (forward) and sums rows back by id (backward): the same numbers."""
    d = load(name)
    x = d["x"]
    assert np.all(x.sum(-1) == 1) and np.all((x == 0) | (x == 1))    # one-hot rows
    ids = x.argmax(-1)                                                 # (N, T) int64
    rnn = make_rnn(d)
    output, h_n = rnn(ids, d["h0"], lengths=lengths_of(d))
    np.testing.assert_allclose(output, d["output"], **TOL)
    np.testing.assert_allclose(h_n, d["h_n"], **TOL)
    dx, dh0 = rnn.backward(d["dout"], d["dh_n"], return_dh0=True)
    assert dx is None                                                  # ids have no gradient
    np.testing.assert_allclose(dh0, d["grad.h0"], **TOL)
    for k, g in rnn.grads.items():
        np.testing.assert_allclose(g, d[f"grad.{k}"], err_msg=k, **TOL)


def test_functional_token_ids_match_reference():
    d = load("torch_token_ids")
    p = params(d)
    Wx, Wh, b = p["weight_ih_l0"].T, p["weight_hh_l0"].T, p["bias_ih_l0"] + p["bias_hh_l0"]
    ids = d["x"].argmax(-1)
    h, cache = rnnlib.rnn_forward(ids, d["h0"][0], Wx, Wh, b)
    np.testing.assert_allclose(h, d["output"], **TOL)
    dh = d["dout"].copy()
    dh[:, -1] += d["dh_n"][0]
    dx, dh0, dWx, dWh, db = rnnlib.rnn_backward(dh, cache)
    assert dx is None
    np.testing.assert_allclose(dh0, d["grad.h0"][0], **TOL)
    np.testing.assert_allclose(dWx, d["grad.weight_ih_l0"].T, **TOL)
    np.testing.assert_allclose(dWh, d["grad.weight_hh_l0"].T, **TOL)
    np.testing.assert_allclose(db, d["grad.bias_ih_l0"], **TOL)


@pytest.mark.parametrize("name", TORCH)
def test_rnn_time_first_matches_reference(name):
    """batch_first=False takes and returns (T, N, ...) and computes the same numbers."""
    d = load(name)
    rnn = make_rnn(d, batch_first=False)
    output, h_n = rnn(d["x"].transpose(1, 0, 2), d["h0"], lengths=lengths_of(d))
    np.testing.assert_allclose(output.transpose(1, 0, 2), d["output"], **TOL)
    np.testing.assert_allclose(h_n, d["h_n"], **TOL)
    dx = rnn.backward(d["dout"].transpose(1, 0, 2), d["dh_n"])
    np.testing.assert_allclose(dx.transpose(1, 0, 2), d["grad.x"], **TOL)
    for k, g in rnn.grads.items():
        np.testing.assert_allclose(g, d[f"grad.{k}"], err_msg=k, **TOL)


# --- the functional API -----------------------------------------------------------------

def functional_weights(d):
    """torch's layout -> rnnlib's functions: Wx = W_ih^T, Wh = W_hh^T, b = b_ih + b_hh."""
    p = params(d)
    return p["weight_ih_l0"].T, p["weight_hh_l0"].T, p["bias_ih_l0"] + p["bias_hh_l0"]


@pytest.mark.parametrize("name", ["torch_tanh", "torch_relu", "torch_leaky_relu", "torch_lengths"])
def test_functional_matches_reference(name):
    d = load(name)
    Wx, Wh, b = functional_weights(d)
    act = d["config"]["nonlinearity"]
    lengths = lengths_of(d)
    N, T, _ = d["x"].shape
    real = np.ones((N, T, 1)) if lengths is None else (np.arange(T)[None, :] < lengths[:, None])[..., None]

    if lengths is None:
        h, cache = rnnlib.rnn_forward(d["x"], d["h0"][0], Wx, Wh, b, act)
        backward = rnnlib.rnn_backward
    else:
        h, cache = rnnlib.rnn_forward_padded(d["x"], d["h0"][0], Wx, Wh, b, lengths, act)
        backward = rnnlib.rnn_backward_padded
    # torch zeroes the output on padding; rnn_forward carries the state there instead
    np.testing.assert_allclose(h * real, d["output"], **TOL)
    np.testing.assert_allclose(h[:, -1], d["h_n"][0], **TOL)

    dh = d["dout"] * real               # the gradient torch's zeroed padding lets through
    dh[:, -1] += d["dh_n"][0]           # h_n is the last hidden state
    dx, dh0, dWx, dWh, db = backward(dh, cache)
    np.testing.assert_allclose(dx, d["grad.x"], **TOL)
    np.testing.assert_allclose(dh0, d["grad.h0"][0], **TOL)
    np.testing.assert_allclose(dWx.T, d["grad.weight_ih_l0"], **TOL)
    np.testing.assert_allclose(dWh.T, d["grad.weight_hh_l0"], **TOL)
    np.testing.assert_allclose(db, d["grad.bias_ih_l0"], **TOL)
    np.testing.assert_allclose(db, d["grad.bias_hh_l0"], **TOL)


@pytest.mark.parametrize("name", ["torch_tanh", "torch_relu", "torch_leaky_relu"])
def test_step_functions_match_reference(name):
    """Two rnn_step_forward calls give torch's first two outputs; one step back matches too."""
    d = load(name)
    Wx, Wh, b = functional_weights(d)
    act = d["config"]["nonlinearity"]
    h1, _ = rnnlib.rnn_step_forward(d["x"][:, 0], d["h0"][0], Wx, Wh, b, act)
    h2, _ = rnnlib.rnn_step_forward(d["x"][:, 1], h1, Wx, Wh, b, act)
    np.testing.assert_allclose(h1, d["output"][:, 0], **TOL)
    np.testing.assert_allclose(h2, d["output"][:, 1], **TOL)

    # With T = 1 the whole loss is sum(h1 * (dout[:, 0] + dh_n)), so one step backward is
    # the full gradient of a one-step sequence: check it against rnn_backward's.
    h_seq, cache = rnnlib.rnn_forward(d["x"][:, :1], d["h0"][0], Wx, Wh, b, act)
    _, step_cache = rnnlib.rnn_step_forward(d["x"][:, 0], d["h0"][0], Wx, Wh, b, act)
    g = d["dout"][:, :1] + d["dh_n"][0][:, None]
    for a, e in zip(rnnlib.rnn_step_backward(g[:, 0], step_cache), rnnlib.rnn_backward(g, cache)):
        np.testing.assert_allclose(a, e.reshape(a.shape), **TOL)


@pytest.mark.parametrize("name", KERAS_UNMASKED)
def test_functional_takes_keras_weights_as_they_are(name):
    """Keras' kernel IS rnnlib's Wx: no transpose between Keras and the functions."""
    d = load(name)
    x = d["x"][:, ::-1] if d["config"]["go_backwards"] else d["x"]
    h, cache = rnnlib.rnn_forward(x, d["h0"][0], d["keras.kernel"], d["keras.recurrent_kernel"],
                                  d["keras.bias"])
    np.testing.assert_allclose(h, d["keras.outputs"], **TOL)
    np.testing.assert_allclose(h[:, -1], d["keras.state"], **TOL)
    dh = d["dout"].copy()
    dh[:, -1] += d["dh_n"][0]
    dx, dh0, dWx, dWh, db = rnnlib.rnn_backward(dh, cache)
    np.testing.assert_allclose(dx[:, ::-1] if d["config"]["go_backwards"] else dx, d["grad.x"], **TOL)
    np.testing.assert_allclose(dWx, d["grad.weight_ih_l0"].T, **TOL)
    np.testing.assert_allclose(db, d["grad.bias_ih_l0"], **TOL)


# --- Keras: rnnlib.interop --------------------------------------------------------------

@pytest.mark.parametrize("name", KERAS)
def test_keras_outputs_reproduce_keras(name):
    """With lengths (the masked fixtures), keras_outputs rebuilds Keras' masked layout."""
    d = load(name)
    rnn = make_rnn(d)
    lengths, backwards = lengths_of(d), d["config"]["go_backwards"]
    output, h_n = rnn(d["x"], d["h0"], lengths=lengths)
    seq, state = interop.keras_outputs(output, h_n, return_sequences=True, return_state=True,
                                       lengths=lengths, go_backwards=backwards)
    np.testing.assert_allclose(seq, d["keras.outputs"], **TOL)
    np.testing.assert_allclose(state, d["keras.state"], **TOL)
    # return_sequences=False gives Keras' last output, which is its final state
    last = interop.keras_outputs(output, h_n, lengths=lengths, go_backwards=backwards)
    np.testing.assert_allclose(last, d["keras.outputs"][:, -1], **TOL)
    np.testing.assert_allclose(last, d["keras.state"], **TOL)


@pytest.mark.parametrize("name", KERAS_MASKED)
def test_keras_masked_layout(name):
    """What Keras does with a mask, read off its own outputs (no rnnlib involved), and why
    keras_outputs needs the lengths: rnnlib's padded output differs from Keras' there."""
    d = load(name)
    seq, lengths = d["keras.outputs"], d["lengths"]
    N, T, _ = seq.shape
    assert (lengths < T).any() and (lengths == T).any()    # short rows and a full one
    for n, L in enumerate(lengths):
        if d["config"]["go_backwards"]:       # the flipped row starts with padding: zeros
            assert np.all(seq[n, :T - L] == 0)
            np.testing.assert_array_equal(seq[n, T - L:], d["output"][n, :L])
        else:                                 # the last real output, repeated
            np.testing.assert_array_equal(seq[n, L:], np.broadcast_to(seq[n, L - 1], seq[n, L:].shape))
            np.testing.assert_array_equal(seq[n, :L], d["output"][n, :L])
        np.testing.assert_array_equal(seq[n, -1], d["keras.state"][n])
    short = lengths < T
    assert np.all(d["output"][short, -1] == 0)    # so output[:, -1] is not Keras' last output
    assert not np.any(np.all(seq[short, -1] == 0, axis=-1))


def test_rnn_forward_carries_the_state_as_keras_masks():
    """rnn_forward_padded holds the state over the padding, which is Keras' masked
    output for an RNN reading forwards."""
    d = load("keras_masked")
    h, _ = rnnlib.rnn_forward_padded(d["x"], d["h0"][0], d["keras.kernel"], d["keras.recurrent_kernel"],
                                     d["keras.bias"], d["lengths"])
    np.testing.assert_allclose(h, d["keras.outputs"], **TOL)


@pytest.mark.parametrize("name", KERAS)
def test_from_keras_and_to_keras_round_trip(name):
    d = load(name)
    kernel, rk, bias = d["keras.kernel"], d["keras.recurrent_kernel"], d["keras.bias"]
    state = interop.from_keras_simple_rnn(kernel, rk, bias)
    assert state.keys() == params(d).keys()
    for k, a in params(d).items():                  # the mapping the fixture script used
        np.testing.assert_array_equal(state[k], a, err_msg=k)
    back = interop.to_keras_simple_rnn(state)
    for a, e in zip(back, (kernel, rk, bias)):
        np.testing.assert_array_equal(a, e)

    # a Keras layer loaded into rnnlib through from_keras_simple_rnn computes Keras' outputs (in
    # torch's padded layout for the masked fixtures; without a mask output IS keras.outputs)
    c = d["config"]
    rnn = rnnlib.RNN(c["input_size"], c["hidden_size"], go_backwards=c["go_backwards"])
    rnn.load_state_dict(interop.from_keras_simple_rnn(kernel, rk, bias))
    output, h_n = rnn(d["x"], d["h0"], lengths=lengths_of(d))
    np.testing.assert_allclose(output, d["output"], **TOL)
    np.testing.assert_allclose(h_n[0], d["keras.state"], **TOL)
    if not c["has_lengths"]:
        np.testing.assert_array_equal(d["output"], d["keras.outputs"])


@pytest.mark.parametrize("name", ["torch_tanh", "torch_relu", "torch_no_bias"])
def test_torch_weights_through_keras_layout_compute_the_same(name):
    """to_keras_simple_rnn folds torch's two biases into one; the outputs do not change."""
    d = load(name)
    kernel, rk, bias = interop.to_keras_simple_rnn(params(d))
    c = d["config"]
    assert (bias is None) == (not c["bias"])
    rnn = rnnlib.RNN(c["input_size"], c["hidden_size"], nonlinearity=c["nonlinearity"], bias=c["bias"])
    rnn.load_state_dict(interop.from_keras_simple_rnn(kernel, rk, bias))
    output, h_n = rnn(d["x"], d["h0"])
    np.testing.assert_allclose(output, d["output"], **TOL)
    np.testing.assert_allclose(h_n, d["h_n"], **TOL)
