"""rnnlib against torch beyond torch.nn.RNN in float64: torch.nn.RNNCell (float64), and
torch.nn.RNN computing in float32. Reference values from tools/make_parity_reference.py."""
import json
import pathlib

import numpy as np
import pytest

import rnnlib

FIXTURES = pathlib.Path(__file__).parent.parent / "assets" / "reference"


def load(name):
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as d:
        out = {k: d[k] for k in d.files}
    out["config"] = json.loads(str(out["config"]))
    return out


def params(d):
    return {k[len("param."):]: a for k, a in d.items() if k.startswith("param.")}


def test_rnncell_matches_torch_rnncell_forward_and_backward():
    d = load("parity_cell")
    c = d["config"]
    cell = rnnlib.RNNCell(c["input_size"], c["hidden_size"], bias=c["bias"], nonlinearity=c["nonlinearity"])
    assert {k: p.shape for k, p in cell.state_dict().items()} == {k: a.shape for k, a in params(d).items()}
    cell.load_state_dict(params(d))
    out = cell(d["x"], d["h0"])
    np.testing.assert_allclose(out, d["output"], rtol=1e-12)
    dx, dh = cell.backward(d["dout"])
    np.testing.assert_allclose(dx, d["grad.x"], rtol=1e-12)
    np.testing.assert_allclose(dh, d["grad.h0"], rtol=1e-12)
    for k, g in cell.grads.items():
        np.testing.assert_allclose(g, d[f"grad.{k}"], rtol=1e-12, err_msg=k)


@pytest.mark.parametrize("name", ["parity_float32", "parity_float32_lengths_two_layers_bidirectional"])
def test_float32_rnn_matches_torch_in_float32(name):
    d = load(name)
    c = d["config"]
    assert all(a.dtype == np.float32 for k, a in d.items() if k not in ("config", "lengths"))
    rnn = rnnlib.RNN(c["input_size"], c["hidden_size"], num_layers=c["num_layers"],
                     bidirectional=c["bidirectional"], dtype=np.float32)
    rnn.load_state_dict(params(d))
    lengths = d.get("lengths")
    output, h_n = rnn(d["x"], d["h0"], lengths=lengths)
    dx, dh0 = rnn.backward(d["dout"], d["dh_n"], return_dh0=True)
    got = {"output": output, "h_n": h_n, "grad.x": dx, "grad.h0": dh0,
           **{f"grad.{k}": g for k, g in rnn.grads.items()}}
    for k, a in got.items():
        assert a.dtype == np.float32, k
        # float32 round-off: relative to the size of the array, 1e-5
        err = np.abs(a - d[k]).max() / np.abs(d[k]).max()
        assert err < 1e-5, (k, err)


@pytest.mark.parametrize("name", ["h", "hello", "batch"])
def test_keras_hello_all_four_return_combinations(name):
    """Keras' SimpleRNN(units=2) on "hello" in one-hot: rnnlib.RNN with the Keras weights, read
    through keras_outputs, gives what Keras returned for each return_sequences/return_state."""
    d = load("keras_hello")
    rnn = rnnlib.RNN(4, 2)
    rnn.load_state_dict(rnnlib.interop.from_keras_simple_rnn(d["kernel"], d["recurrent_kernel"], d["bias"]))
    output, h_n = rnn(d[f"x.{name}"])
    for seq in (0, 1):
        for state in (0, 1):
            got = rnnlib.interop.keras_outputs(output, h_n, return_sequences=bool(seq),
                                               return_state=bool(state))
            got = got if state else [got]
            for i, a in enumerate(got):
                np.testing.assert_allclose(a, d[f"{name}.seq{seq}.state{state}.{i}"], rtol=1e-12, atol=1e-15)
