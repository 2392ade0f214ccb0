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

import rnnlib
from rnnlib import gated, interop

FIXTURES = pathlib.Path(__file__).parent.parent / "assets" / "reference"
REQUIRED = [f"gated_{cell}{sfx}" for cell in ("lstm", "gru") for sfx in (
    "", "_two_layers_no_h0", "_bidirectional", "_lengths_two_layers_bidirectional", "_no_bias",
    "_token_ids", "_cell", "_float32", "_float32_lengths_two_layers_bidirectional")] + [
    "gated_keras_lstm", "gated_keras_gru"]
TOL = dict(rtol=1e-6, atol=1e-12)   # the contract: 1e-6 relative in float64 (observed ~1e-15)
TOL32 = 1e-5                        # float32: error relative to the array's largest entry


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
