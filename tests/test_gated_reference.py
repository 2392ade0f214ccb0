"""rnnlib's LSTM and GRU against stored PyTorch and Keras results (assets/reference/gated_*.npz).

The fixtures were computed by torch.nn.LSTM, GRU, LSTMCell, GRUCell and keras.layers.LSTM,
GRU(reset_after=True) by tools/make_gated_reference.py (see its docstring for the file
layout). Gradients are autograd's, of loss = sum(output * dout) + sum(h_n * dh_n)
[+ sum(c_n * dc_n)]. Checked here: the functions of rnnlib.gated (composed into layers,
directions and packed batches by hand, one sequence at a time), the layers rnnlib.LSTM,
GRU, LSTMCell, GRUCell, and the Keras weight conversions of rnnlib.interop.
This file needs neither torch nor Keras.
"""
import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib import gated, interop

FIXTURES = pathlib.Path(__file__).parent.parent / "assets" / "reference"
REQUIRED = [f"gated_{cell}{sfx}" for cell in ("lstm", "gru") for sfx in (
    "", "_two_layers_no_h0", "_bidirectional", "_lengths_two_layers_bidirectional", "_no_bias",
    "_token_ids", "_cell", "_float32", "_float32_lengths_two_layers_bidirectional")] + [
    "gated_keras_lstm", "gated_keras_gru"]
TOL = dict(rtol=1e-6, atol=1e-12)   # the contract: 1e-6 relative in float64 (observed: 2e-12 at most)
TOL32 = 1e-5                        # float32: error relative to the array's largest entry (observed 5e-7)


def load(name):
    with np.load(FIXTURES / f"{name}.npz") as f:    # plain arrays: no pickle involved
        d = {k: f[k] for k in f.files}
    d["config"] = json.loads(str(d["config"]))
    return d


NAMES = sorted(p.stem for p in FIXTURES.glob("gated_*.npz"))
CONFIGS = {n: load(n)["config"] for n in NAMES}
CELLS = [n for n in NAMES if CONFIGS[n]["module"].endswith("Cell")]
LAYERS = [n for n in NAMES if n not in CELLS]
FLOAT64 = [n for n in LAYERS if CONFIGS[n]["dtype"] == "float64"]
FLOAT32 = [n for n in LAYERS if CONFIGS[n]["dtype"] == "float32"]
KERAS = [n for n in NAMES if CONFIGS[n]["framework"] == "keras"]
TOKEN_IDS = [n for n in NAMES if CONFIGS[n]["token_ids"]]


def params(d):
    return {k[len("param."):]: a for k, a in d.items() if k.startswith("param.")}


def states(d, c):
    return ("h", "c") if c["cell"] == "lstm" else ("h",)


def assert_close(actual, expected, name, dtype="float64"):
    """1e-6 relative in float64 (TOL); in float32, the largest error relative to the largest
    entry, below 1e-5, and the result still float32."""
    assert actual.shape == expected.shape, (name, actual.shape, expected.shape)
    if dtype == "float32":
        assert actual.dtype == np.float32, (name, actual.dtype)
        err = np.abs(actual - expected).max() / np.abs(expected).max()
        assert err < TOL32, (name, err)
    else:
        np.testing.assert_allclose(actual, expected, err_msg=name, **TOL)


# --- the fixture set itself -------------------------------------------------------------

def test_every_required_fixture_is_present():
    missing = sorted(set(REQUIRED) - set(NAMES))
    assert not missing, f"missing fixtures {missing}: run tools/make_gated_reference.py in the torch venv"


@pytest.mark.parametrize("name", LAYERS)
def test_fixture_layout(name):
    """Shapes, dtypes and the padding convention are what the script's docstring says."""
    d = load(name)
    c = d["config"]
    N, T, F = d["x"].shape
    H, L, D = c["hidden_size"], c["num_layers"], 2 if c["bidirectional"] else 1
    G = {"lstm": 4, "gru": 3}[c["cell"]] * H
    assert F == c["input_size"] and d["output"].shape == d["dout"].shape == (N, T, D * H)
    for s in states(d, c):
        assert d[f"{s}_n"].shape == d[f"d{s}_n"].shape == (L * D, N, H)
        assert (f"{s}0" in d) == (f"grad.{s}0" in d) == c["has_initial_state"]
    for layer in range(L):
        for sfx in ("", "_reverse")[:D]:
            assert d[f"param.weight_ih_l{layer}{sfx}"].shape == (G, F if layer == 0 else D * H)
            assert d[f"param.weight_hh_l{layer}{sfx}"].shape == (G, H)
            assert (f"param.bias_ih_l{layer}{sfx}" in d) == c["bias"]
    assert {k[5:] for k in d if k.startswith("grad.")} == (
        set(params(d)) | {"x"} | ({f"{s}0" for s in states(d, c)} if c["has_initial_state"] else set()))
    for k, a in d.items():
        if k not in ("config", "lengths"):
            assert a.dtype == np.dtype(c["dtype"]), k
    assert ("lengths" in d) == c["has_lengths"]
    if c["has_lengths"]:
        pad = np.arange(T)[None, :] >= d["lengths"][:, None]            # (N, T)
        assert pad.any() and not np.all(pad.sum(1) > 0)                 # short rows and a full one
        assert np.all(d["output"][pad] == 0) and np.all(d["grad.x"][pad] == 0)
        assert np.all(d["dout"][pad] != 0)      # so the tests see that padding gets no gradient
    if c["token_ids"]:
        assert np.all(d["x"].sum(-1) == 1) and np.all((d["x"] == 0) | (d["x"] == 1))


# --- the functions, composed by hand ---------------------------------------------------

def functional_weights(p, cell, sfx=""):
    """torch's layout -> rnnlib.gated's: Wx = W_ih^T, Wh = W_hh^T; the LSTM adds its biases
    (bias=False: zero biases)."""
    Wx, Wh = p[f"weight_ih{sfx}"].T, p[f"weight_hh{sfx}"].T
    zero = np.zeros(Wx.shape[1], Wx.dtype)
    b_ih, b_hh = p.get(f"bias_ih{sfx}", zero), p.get(f"bias_hh{sfx}", zero)
    return (Wx, Wh, b_ih + b_hh) if cell == "lstm" else (Wx, Wh, b_ih, b_hh)


def functional_stack(d, x=None):
    """What the fixture's torch module computes, with rnnlib.gated's sequence functions only.

    Each sequence is run on its own real steps x[n, :length] (so packing needs no special
    code); the reverse direction reads them reversed; layer l + 1 reads layer l's outputs.
    Backward feeds dout and dh_n (and dc_n through lstm_backward's dc) down the same path.
    Returns a dict with the fixture's keys: output, h_n, [c_n], grad.*.
    """
    c = d["config"]
    cell, L, D, H = c["cell"], c["num_layers"], 2 if c["bidirectional"] else 1, c["hidden_size"]
    x = d["x"] if x is None else x
    N, T = x.shape[:2]
    dtype = d["output"].dtype
    names = states(d, c)
    p = params(d)
    lengths = d["lengths"] if c["has_lengths"] else np.full(N, T)
    init = {s: d[f"{s}0"] if c["has_initial_state"] else np.zeros((L * D, N, H), dtype) for s in names}
    out = {"output": np.zeros((N, T, D * H), dtype), **{f"{s}_n": np.zeros((L * D, N, H), dtype) for s in names}}
    grads = {f"grad.{k}": np.zeros_like(a) for k, a in p.items()}
    grads["grad.x"] = None if x.ndim == 2 else np.zeros_like(x)
    grads.update({f"grad.{s}0": np.zeros((L * D, N, H), dtype) for s in names})
    forward = gated.lstm_forward if cell == "lstm" else gated.gru_forward
    backward = gated.lstm_backward if cell == "lstm" else gated.gru_backward

    for n, Ln in enumerate(lengths):
        inp, caches = x[n:n + 1, :Ln], {}
        for layer in range(L):
            outs = []
            for k, sfx in enumerate(("", "_reverse")[:D]):
                j, key = layer * D + k, f"_l{layer}{sfx}"
                xin = inp if k == 0 else inp[:, ::-1]
                s0 = [init[s][j, n:n + 1] for s in names]
                res = forward(xin, *s0, *functional_weights(p, cell, key))
                *seqs, caches[j] = res
                for s, seq in zip(names, seqs):
                    out[f"{s}_n"][j, n] = seq[0, -1]
                outs.append(seqs[0] if k == 0 else seqs[0][:, ::-1])
            inp = np.concatenate(outs, axis=-1)                      # (1, Ln, D*H)
        out["output"][n, :Ln] = inp[0]

        dinp = d["dout"][n:n + 1, :Ln]
        for layer in reversed(range(L)):
            dbelow = 0
            for k, sfx in enumerate(("", "_reverse")[:D]):
                j, key = layer * D + k, f"_l{layer}{sfx}"
                dh = dinp[..., k * H:(k + 1) * H]
                dh = (dh if k == 0 else dh[:, ::-1]).copy()
                dh[:, -1] += d["dh_n"][j, n]
                if cell == "lstm":
                    dc = np.zeros_like(dh)
                    dc[:, -1] = d["dc_n"][j, n]
                    dx, dh0, dc0, dWx, dWh, db = backward(dh, caches[j], dc)
                    grads["grad.c0"][j, n] = dc0[0]
                    dbs = (db, db)
                else:
                    dx, dh0, dWx, dWh, *dbs = backward(dh, caches[j])
                grads["grad.h0"][j, n] = dh0[0]
                grads[f"grad.weight_ih{key}"] += dWx.T
                grads[f"grad.weight_hh{key}"] += dWh.T
                if c["bias"]:
                    grads[f"grad.bias_ih{key}"] += dbs[0]
                    grads[f"grad.bias_hh{key}"] += dbs[1]
                if dx is not None:
                    dbelow = dbelow + (dx if k == 0 else dx[:, ::-1])
            dinp = dbelow
        if grads["grad.x"] is not None:
            grads["grad.x"][n, :Ln] = dinp[0]
    if not c["has_initial_state"]:
        for s in names:
            del grads[f"grad.{s}0"]
    return {**out, **grads}


@pytest.mark.parametrize("name", FLOAT64 + FLOAT32)
def test_functions_match_reference(name):
    d = load(name)
    got = functional_stack(d)
    for k, a in got.items():
        if a is not None:
            assert_close(a, d[k], k, d["config"]["dtype"])


@pytest.mark.parametrize("name", TOKEN_IDS)
def test_functions_read_token_ids(name):
    """torch ran on one-hot rows; the functions read the ids (a row look-up forward, a sum
    of rows by id backward) and give the same numbers, with dx None."""
    d = load(name)
    got = functional_stack(d, x=d["x"].argmax(-1))
    assert got.pop("grad.x") is None
    for k, a in got.items():
        assert_close(a, d[k], k)


@pytest.mark.parametrize("name", ["gated_lstm_cell", "gated_gru_cell"])
def test_step_functions_match_the_cells(name):
    d = load(name)
    p = params(d)
    if d["config"]["cell"] == "lstm":
        Wx, Wh, b = functional_weights(p, "lstm")
        h, c, cache = gated.lstm_step_forward(d["x"], d["h0"], d["c0"], Wx, Wh, b)
        assert_close(h, d["h"], "h")
        assert_close(c, d["c"], "c")
        dx, dh0, dc0, dWx, dWh, db = gated.lstm_step_backward(d["dh"], d["dc"], cache)
        got = {"x": dx, "h0": dh0, "c0": dc0, "bias_ih": db, "bias_hh": db}
    else:
        Wx, Wh, bx, bh = functional_weights(p, "gru")
        h, cache = gated.gru_step_forward(d["x"], d["h0"], Wx, Wh, bx, bh)
        assert_close(h, d["h"], "h")
        dx, dh0, dWx, dWh, dbx, dbh = gated.gru_step_backward(d["dh"], cache)
        got = {"x": dx, "h0": dh0, "bias_ih": dbx, "bias_hh": dbh}
    got.update(weight_ih=dWx.T, weight_hh=dWh.T)
    for k, a in got.items():
        assert_close(a, d[f"grad.{k}"], k)


def test_functions_take_keras_lstm_weights_as_they_are():
    """Keras' LSTM kernel IS rnnlib's Wx: the same block order i, f, c(=g), o, the same
    right-multiply layout, one bias. No conversion between Keras and the functions."""
    d = load("gated_keras_lstm")
    h, c, cache = gated.lstm_forward(d["x"], d["h0"][0], d["c0"][0], d["keras.kernel"],
                                     d["keras.recurrent_kernel"], d["keras.bias"])
    assert_close(h, d["keras.outputs"], "outputs")
    assert_close(h[:, -1], d["keras.state_h"], "state_h")
    assert_close(c[:, -1], d["keras.state_c"], "state_c")
    dh = d["dout"].copy()
    dh[:, -1] += d["dh_n"][0]
    dc = np.zeros_like(dh)
    dc[:, -1] = d["dc_n"][0]
    dx, dh0, dc0, dWx, dWh, db = gated.lstm_backward(dh, cache, dc)
    assert_close(dx, d["grad.x"], "x")
    assert_close(dh0, d["grad.h0"][0], "h0")
    assert_close(dc0, d["grad.c0"][0], "c0")
    assert_close(dWx, d["keras.grad.kernel"], "kernel")
    assert_close(dWh, d["keras.grad.recurrent_kernel"], "recurrent_kernel")
    assert_close(db, d["keras.grad.bias"], "bias")


# --- the layers -------------------------------------------------------------------------

def make_layer(d, **overrides):
    c = d["config"]
    cls = {"LSTM": rnnlib.LSTM, "GRU": rnnlib.GRU}[c["module"]]
    kwargs = dict(num_layers=c["num_layers"], bias=c["bias"], bidirectional=c["bidirectional"],
                  dtype=np.dtype(c["dtype"]).type)
    kwargs.update(overrides)
    layer = cls(c["input_size"], c["hidden_size"], **kwargs)
    layer.load_state_dict(params(d))
    return layer


def run_layer(layer, d, x=None, time_first=False):
    """The layer on the fixture's inputs: forward, then backward with dout, dh_n [, dc_n].
    Returns a dict with the fixture's keys (grad.h0 / grad.c0 even without initial states)."""
    c = d["config"]
    lstm = c["cell"] == "lstm"
    x = d["x"] if x is None else x
    tf = (lambda a: a.swapaxes(0, 1)) if time_first else (lambda a: a)
    h0 = None
    if c["has_initial_state"]:
        h0 = (d["h0"], d["c0"]) if lstm else d["h0"]
    output, final = layer(tf(x), h0, lengths=d["lengths"] if c["has_lengths"] else None)
    dh_n = (d["dh_n"], d["dc_n"]) if lstm else d["dh_n"]
    dx, dh0 = layer.backward(tf(d["dout"]), dh_n, return_dh0=True)
    got = {"output": tf(output), "grad.x": None if dx is None else tf(dx)}
    for s, f, g in zip(states(d, c), final if lstm else (final,), dh0 if lstm else (dh0,)):
        got[f"{s}_n"], got[f"grad.{s}0"] = f, g
    got.update({f"grad.{k}": g for k, g in layer.grads.items()})
    assert set(layer.grads) == set(params(d))
    return got


@pytest.mark.parametrize("name", FLOAT64 + FLOAT32)
def test_layer_matches_reference(name):
    d = load(name)
    got = run_layer(make_layer(d), d)
    for k, a in got.items():
        if k in d:
            assert_close(a, d[k], k, d["config"]["dtype"])
        else:           # no initial state was given: torch had none to differentiate
            assert k in ("grad.h0", "grad.c0") and not d["config"]["has_initial_state"]


@pytest.mark.parametrize("name", FLOAT64)
def test_layer_time_first_matches_reference(name):
    """batch_first=False takes and returns (T, N, ...) and computes the same numbers."""
    d = load(name)
    got = run_layer(make_layer(d, batch_first=False), d, time_first=True)
    for k in ("output", "grad.x", *(f"{s}_n" for s in states(d, d["config"]))):
        assert_close(got[k], d[k], k)
    for k in params(d):
        assert_close(got[f"grad.{k}"], d[f"grad.{k}"], k)


@pytest.mark.parametrize("name", TOKEN_IDS)
def test_layer_reads_token_ids(name):
    d = load(name)
    got = run_layer(make_layer(d), d, x=d["x"].argmax(-1))
    assert got.pop("grad.x") is None
    for k, a in got.items():
        if k in d:
            assert_close(a, d[k], k)


def test_layer_without_initial_state_equals_zero_state():
    """h0=None means zeros, as in torch; dh0 is then still the gradient at that zero state."""
    d = load("gated_lstm_two_layers_no_h0")
    a = run_layer(make_layer(d), d)
    zeros = np.zeros_like(d["h_n"])
    b = run_layer(make_layer(d), {**d, "h0": zeros, "c0": zeros,
                                  "config": {**d["config"], "has_initial_state": True}})
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("name", ["gated_lstm_cell", "gated_gru_cell"])
def test_cell_matches_reference(name):
    d = load(name)
    c = d["config"]
    cls = {"LSTMCell": rnnlib.LSTMCell, "GRUCell": rnnlib.GRUCell}[c["module"]]
    cell = cls(c["input_size"], c["hidden_size"], bias=c["bias"])
    cell.load_state_dict(params(d))
    if c["cell"] == "lstm":
        h, cc = cell(d["x"], (d["h0"], d["c0"]))
        assert_close(cc, d["c"], "c")
        dx, dh0, dc0 = cell.backward(d["dh"], d["dc"])
        assert_close(dc0, d["grad.c0"], "grad.c0")
    else:
        h = cell(d["x"], d["h0"])
        dx, dh0 = cell.backward(d["dh"])
    assert_close(h, d["h"], "h")
    assert_close(dx, d["grad.x"], "grad.x")
    assert_close(dh0, d["grad.h0"], "grad.h0")
    assert set(cell.grads) == set(params(d))
    for k, g in cell.grads.items():
        assert_close(g, d[f"grad.{k}"], k)


# --- Keras: rnnlib.interop --------------------------------------------------------------

CONVERT = {"lstm": (interop.from_keras_lstm, interop.to_keras_lstm, rnnlib.LSTM),
           "gru": (interop.from_keras_gru, interop.to_keras_gru, rnnlib.GRU)}


def keras_weights(d):
    return d["keras.kernel"], d["keras.recurrent_kernel"], d["keras.bias"]


@pytest.mark.parametrize("name", KERAS)
def test_keras_weights_through_interop_compute_what_keras_computed(name):
    """from_keras_* makes the torch state_dict the fixture script made; a layer loaded with it
    returns Keras' outputs and states, and its gradients are Keras' autograd gradients."""
    d = load(name)
    cell = d["config"]["cell"]
    from_keras, to_keras, cls = CONVERT[cell]
    state = from_keras(*keras_weights(d))
    assert list(state) == list(params(d))
    for k, a in params(d).items():
        np.testing.assert_array_equal(state[k], a, err_msg=k)

    layer = cls(d["config"]["input_size"], d["config"]["hidden_size"])
    layer.load_state_dict(state)
    got = run_layer(layer, d)
    assert_close(got["output"], d["keras.outputs"], "keras.outputs")
    for s in states(d, d["config"]):
        assert_close(got[f"{s}_n"][0], d[f"keras.state_{s}"], f"keras.state_{s}")
    for k in d:
        if k.startswith("grad."):
            assert_close(got[k], d[k], k)

    # the gradients in Keras' layout: to_keras_* moves them as it moves the weights. The
    # LSTM's to_keras adds the two bias gradients, each of which is d loss / d bias already.
    kernel, rk, bias = to_keras({k: layer.grads[k] for k in state})
    assert_close(kernel, d["keras.grad.kernel"], "keras.grad.kernel")
    assert_close(rk, d["keras.grad.recurrent_kernel"], "keras.grad.recurrent_kernel")
    assert_close(bias / 2 if cell == "lstm" else bias, d["keras.grad.bias"], "keras.grad.bias")


@pytest.mark.parametrize("name", KERAS)
def test_keras_round_trip_is_exact(name):
    d = load(name)
    from_keras, to_keras, _ = CONVERT[d["config"]["cell"]]
    back = to_keras(from_keras(*keras_weights(d)))
    for a, e in zip(back, keras_weights(d)):
        assert a.shape == e.shape
        np.testing.assert_array_equal(a, e)          # bias + 0.0 and block swaps are exact


@pytest.mark.parametrize("name", ["gated_lstm", "gated_gru", "gated_lstm_no_bias", "gated_gru_no_bias"])
def test_torch_weights_through_keras_layout_compute_the_same(name):
    """torch -> Keras -> torch: the LSTM's biases are folded into one, the GRU's kept; the
    layer computes the same either way."""
    d = load(name)
    c = d["config"]
    from_keras, to_keras, cls = CONVERT[c["cell"]]
    kernel, rk, bias = to_keras(params(d))
    G = {"lstm": 4, "gru": 3}[c["cell"]] * c["hidden_size"]
    assert kernel.shape == (c["input_size"], G) and rk.shape == (c["hidden_size"], G)
    assert (bias is None) == (not c["bias"])
    if bias is not None:
        assert bias.shape == ((G,) if c["cell"] == "lstm" else (2, G))
    state = from_keras(kernel, rk, bias)
    assert state.keys() == params(d).keys()
    if c["cell"] == "gru":                           # nothing folded: the very same arrays
        for k, a in params(d).items():
            np.testing.assert_array_equal(state[k], a, err_msg=k)
    layer = cls(c["input_size"], c["hidden_size"], bias=c["bias"])
    layer.load_state_dict(state)
    got = run_layer(layer, d)
    for k in ("output", "grad.x", "grad.h0", *(f"{s}_n" for s in states(d, c))):
        assert_close(got[k], d[k], k)


def test_gru_blocks_swap_between_torch_and_keras():
    """Keras' z, r, h are torch's r, z, n with the first two blocks swapped, written out."""
    H, F = 2, 3
    kernel = np.arange(F * 3 * H, dtype=float).reshape(F, 3 * H)
    z, r, h = kernel[:, :H], kernel[:, H:2 * H], kernel[:, 2 * H:]
    rk = np.arange(H * 3 * H, dtype=float).reshape(H, 3 * H) + 100
    bias = np.arange(2 * 3 * H, dtype=float).reshape(2, 3 * H) + 200
    sd = interop.from_keras_gru(kernel, rk, bias)
    np.testing.assert_array_equal(sd["weight_ih_l0"], np.concatenate([r, z, h], axis=1).T)
    np.testing.assert_array_equal(sd["bias_ih_l0"], [202, 203, 200, 201, 204, 205])
    np.testing.assert_array_equal(sd["bias_hh_l0"], [208, 209, 206, 207, 210, 211])
    rnnlib.GRU(F, H).load_state_dict(sd)
    assert list(interop.from_keras_gru(kernel, rk)) == ["weight_ih_l0", "weight_hh_l0"]
    rnnlib.GRU(F, H, bias=False).load_state_dict(interop.from_keras_gru(kernel, rk))


def test_conversions_copy_and_keep_the_dtype():
    d = load("gated_keras_gru")
    kernel, rk, bias = (a.astype(np.float32) for a in keras_weights(d))
    for from_keras, to_keras, w in ((interop.from_keras_gru, interop.to_keras_gru, (kernel, rk, bias)),
                                    (interop.from_keras_lstm, interop.to_keras_lstm,
                                     keras_weights(load("gated_keras_lstm")))):
        before = [a.copy() for a in w]
        sd = from_keras(*w)
        assert all(a.dtype == w[0].dtype for a in sd.values())
        for a in sd.values():
            a[...] = 0.0
        for a, b in zip(w, before):
            np.testing.assert_array_equal(a, b)
        sd = from_keras(*w)
        sd_before = {k: a.copy() for k, a in sd.items()}
        for a in to_keras(sd):
            assert a.dtype == w[0].dtype
            a[...] = 0.0
        for k, a in sd.items():
            np.testing.assert_array_equal(a, sd_before[k])


@pytest.mark.parametrize("fn, args, exc, words", [
    (interop.from_keras_lstm, (np.ones((3, 12)), np.ones((3, 12)), np.ones(11)), ValueError,
     ["from_keras_lstm: bias should have shape (4*units=12,), got (11,)", "use_bias=False"]),
    (interop.from_keras_lstm, (np.ones((3, 8)), np.ones((3, 12))), ValueError,
     ["from_keras_lstm: kernel should have shape (input_size, 4*units=12), got (3, 8)"]),
    (interop.from_keras_lstm, (np.ones((12, 3)), np.ones((12, 3))), ValueError,
     ["recurrent_kernel should have shape (units, 4*units), got (12, 3)", "torch's layout",
      "load_state_dict"]),
    (interop.from_keras_lstm, (np.ones((3, 9)), np.ones((3, 9))), ValueError,
     ["should have shape (units, 4*units) = (3, 12)", "got (3, 9)", "use from_keras_gru"]),
    (interop.from_keras_gru, (np.ones((3, 12)), np.ones((4, 16))), ValueError,
     ["from_keras_gru: recurrent_kernel should have shape (units, 3*units) = (4, 12)", "use from_keras_lstm"]),
    (interop.from_keras_gru, (np.ones((3, 9)), np.ones((3, 9)), np.ones(9)), ValueError,
     ["from_keras_gru: bias should have shape (2, 3*units) = (2, 9), got (9,)", "reset_after=False"]),
    (interop.from_keras_gru, (np.ones((3, 9)), np.ones((3, 9)), np.ones((9, 2))), ValueError,
     ["bias should have shape (2, 3*units) = (2, 9), got (9, 2)", "row 0 for the input"]),
    (interop.from_keras_gru, (np.ones((3, 9), dtype=int), np.ones((3, 9))), TypeError,
     ["from_keras_gru: kernel", "int", "astype(np.float64)"]),
    (interop.from_keras_gru, (np.ones((3, 9)), np.full((3, 9), np.nan)), ValueError,
     ["recurrent_kernel contains nan", "finite"]),
    (interop.from_keras_gru, (np.ones((3, 9)), np.ones((3, 9)), np.full((2, 9), np.inf)), ValueError,
     ["from_keras_gru: bias contains inf"]),
])
def test_from_keras_gated_errors(fn, args, exc, words):
    with pytest.raises(exc) as e:
        fn(*args)
    for w in words:
        assert w in str(e.value)


def test_to_keras_gated_errors():
    with pytest.raises(ValueError, match=r"to_keras_lstm: an LSTM's weight_ih_l0 and weight_hh_l0 "
                                         r"should have 4\*hidden_size rows.*use to_keras_gru"):
        interop.to_keras_lstm(rnnlib.GRU(3, 4).state_dict())
    with pytest.raises(ValueError, match=r"to_keras_gru: a GRU's .*\(9, input_size\) and \(9, 3\); "
                                         r"got \(12, 2\) and \(12, 3\).*use to_keras_lstm"):
        interop.to_keras_gru(rnnlib.LSTM(2, 3).state_dict())
    with pytest.raises(ValueError, match=r"to_keras_gru: Keras' GRU has one layer and one direction.*"
                                         r"'weight_ih_l0_reverse'"):
        interop.to_keras_gru(rnnlib.GRU(2, 3, bidirectional=True).state_dict())
    with pytest.raises(ValueError, match=r"to_keras_lstm: Keras' LSTM has one layer.*'weight_ih_l1'"):
        interop.to_keras_lstm(rnnlib.LSTM(2, 3, num_layers=2).state_dict())
    with pytest.raises(TypeError, match=r"to_keras_lstm: expected a dict of arrays such as lstm.state_dict\(\)"):
        interop.to_keras_lstm([np.ones((12, 3))])
    sd = rnnlib.GRU(2, 3).state_dict()
    with pytest.raises(ValueError, match=r"missing keys \['bias_hh_l0'\]"):
        interop.to_keras_gru({k: a for k, a in sd.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match=r"bias_ih_l0 should have shape \(9,\), got \(8,\)"):
        interop.to_keras_gru({**sd, "bias_ih_l0": np.ones(8)})


@settings(max_examples=25, deadline=None)
@given(F=st.integers(1, 5), H=st.integers(1, 5), seed=st.integers(0, 2**32 - 1),
       cell=st.sampled_from(["lstm", "gru"]), use_bias=st.booleans())
def test_gated_round_trips_are_exact(F, H, seed, cell, use_bias):
    """Keras -> torch -> Keras gives the same arrays; torch -> Keras -> torch the same
    weights, and for the LSTM the same sum of the two biases (Keras keeps only the sum)."""
    from_keras, to_keras, cls = CONVERT[cell]
    rng = np.random.default_rng(seed)
    G = {"lstm": 4, "gru": 3}[cell] * H
    bias = rng.normal(size=G if cell == "lstm" else (2, G)) if use_bias else None
    w = (rng.normal(size=(F, G)), rng.normal(size=(H, G)), bias)
    back = to_keras(from_keras(*w))
    assert (back[2] is None) == (not use_bias)
    for a, e in zip(back, w):
        if e is not None:
            np.testing.assert_array_equal(a, e)

    sd = cls(F, H, bias=use_bias, seed=seed).state_dict()
    sd2 = from_keras(*to_keras(sd))
    assert sd2.keys() == sd.keys()
    for k in ("weight_ih_l0", "weight_hh_l0") + (("bias_ih_l0", "bias_hh_l0") if cell == "gru" and use_bias else ()):
        np.testing.assert_array_equal(sd2[k], sd[k])
    if cell == "lstm" and use_bias:
        np.testing.assert_array_equal(sd2["bias_ih_l0"] + sd2["bias_hh_l0"], sd["bias_ih_l0"] + sd["bias_hh_l0"])
