"""Reference values for torch parity beyond torch.nn.RNN in float64: torch.nn.RNNCell, and
torch.nn.RNN computing in float32. Writes assets/reference/parity_cell.npz and
assets/reference/parity_float32*.npz; tests/test_parity.py checks rnnlib against them.

Needs torch 2.13 (CPU), which the course itself never needs:

    python tools/make_parity_reference.py            # writes the fixtures
    python tools/make_parity_reference.py --check    # recomputes and compares with the files

Each fixture holds:
config          0-d str array with JSON: the module's arguments, dtype, sizes, made_with
param.<name>    the module's state_dict, in torch's names and shapes
x, h0           the input (batch-first) and the initial state (hx for the cell)
lengths         (N,) int64 for the packed fixture only
output, h_n     the forward results (the cell's h' is stored as output)
dout, dh_n      random upstream gradients; the loss is sum(output * dout) + sum(h_n * dh_n)
grad.<name>     torch autograd's gradient of that loss for x, h0 and every parameter
"""
from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_num_threads(1)
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "assets" / "reference"
MADE_WITH = f"torch {torch.__version__}, numpy {np.__version__}"


def _loss_and_grads(module, inputs, outputs, rng, np_dtype):
    """Random upstream gradients, autograd of sum(out * d), and everything as numpy arrays."""
    douts = [rng.normal(size=tuple(o.shape)).astype(np_dtype) for o in outputs]
    loss = sum((o * torch.from_numpy(d)).sum() for o, d in zip(outputs, douts))
    loss.backward()
    grads = {f"grad.{k}": t.grad.numpy() for k, t in inputs.items()}
    grads.update({f"grad.{k}": p.grad.numpy() for k, p in module.named_parameters()})
    return douts, grads


def cell_fixture():
    rng = np.random.default_rng(2026)
    torch.manual_seed(2026)
    N, F, H = 4, 3, 5
    cell = torch.nn.RNNCell(F, H, bias=True, nonlinearity="tanh", dtype=torch.float64)
    x = torch.tensor(rng.normal(size=(N, F)), requires_grad=True)
    hx = torch.tensor(rng.normal(size=(N, H)), requires_grad=True)
    out = cell(x, hx)
    (dout,), grads = _loss_and_grads(cell, {"x": x, "h0": hx}, [out], rng, np.float64)
    config = dict(module="RNNCell", input_size=F, hidden_size=H, bias=True, nonlinearity="tanh",
                  dtype="float64", N=N, made_with=MADE_WITH)
    return "parity_cell", config, {
        **{f"param.{k}": p.detach().numpy() for k, p in cell.state_dict().items()},
        "x": x.detach().numpy(), "h0": hx.detach().numpy(), "output": out.detach().numpy(),
        "dout": dout, **grads}


def float32_fixture(name, num_layers, bidirectional, lengths, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    N, T, F, H = 4, 6, 5, 7
    D = 2 if bidirectional else 1
    rnn = torch.nn.RNN(F, H, num_layers=num_layers, bidirectional=bidirectional,
                       batch_first=True, dtype=torch.float32)
    x = torch.tensor(rng.normal(size=(N, T, F)).astype(np.float32), requires_grad=True)
    h0 = torch.tensor(rng.normal(size=(num_layers * D, N, H)).astype(np.float32), requires_grad=True)
    if lengths is None:
        out, h_n = rnn(x, h0)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, h_n = rnn(packed, h0)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
    (dout, dh_n), grads = _loss_and_grads(rnn, {"x": x, "h0": h0}, [out, h_n], rng, np.float32)
    config = dict(module="RNN", input_size=F, hidden_size=H, num_layers=num_layers,
                  bidirectional=bidirectional, nonlinearity="tanh", dtype="float32",
                  has_lengths=lengths is not None, N=N, T=T, made_with=MADE_WITH)
    arrays = {**{f"param.{k}": p.detach().numpy() for k, p in rnn.state_dict().items()},
              "x": x.detach().numpy(), "h0": h0.detach().numpy(), "output": out.detach().numpy(),
              "h_n": h_n.detach().numpy(), "dout": dout, "dh_n": dh_n, **grads}
    if lengths is not None:
        arrays["lengths"] = np.array(lengths, dtype=np.int64)
    return name, config, arrays


def fixtures():
    yield cell_fixture()
    yield float32_fixture("parity_float32", 1, False, None, 2027)
    yield float32_fixture("parity_float32_lengths_two_layers_bidirectional", 2, True, [6, 3, 5, 1], 2028)


def to_bytes(config, arrays):
    buf = io.BytesIO()
    np.savez(buf, config=np.array(json.dumps(config, sort_keys=True)), **arrays)
    return buf.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files, write nothing")
    args = parser.parse_args(argv)
    bad = 0
    for name, config, arrays in fixtures():
        path = FIXTURES / f"{name}.npz"
        if args.check:
            with np.load(path, allow_pickle=False) as old:
                same = set(old.files) == set(arrays) | {"config"} and all(
                    np.array_equal(old[k], a) for k, a in arrays.items())
            print(f"{name}: {'same' if same else 'DIFFERENT'}")
            bad += not same
        else:
            path.write_bytes(to_bytes(config, arrays))
            print(f"wrote {path.relative_to(FIXTURES.parent.parent)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
