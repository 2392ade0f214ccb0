"""Build the gated-cell fixtures assets/reference/gated_*.npz: what PyTorch and Keras compute
for the LSTM and the GRU, saved as numbers.

rnnlib's gated functions (rnnlib/gated.py) and layers claim to compute exactly what
torch.nn.LSTM / GRU / LSTMCell / GRUCell and keras.layers.LSTM / GRU compute. The tests
(tests/test_gated_reference.py) check that claim against these files, so the course
environment needs neither torch nor Keras. This script needs both (torch 2.13 CPU, Keras 3
on its torch backend):

    /work/refvenv/bin/python tools/make_gated_reference.py            # (re)write every fixture
    /work/refvenv/bin/python tools/make_gated_reference.py --check    # recompute, compare, write nothing
    /work/refvenv/bin/python tools/make_gated_reference.py --only gated_lstm gated_keras_gru

Seeded (each fixture has its own numpy seed; torch only computes) and written with a fixed
zip timestamp, so a rerun writes byte-identical files. Everything is float64 except the
*_float32 fixtures, where every array but config and lengths is float32.

What a layer fixture holds (np.load(path); no pickle needed)
------------------------------------------------------------
config          0-d str array with JSON: framework ("torch" / "keras"), module ("LSTM",
                "GRU"), cell ("lstm" / "gru"), input_size, hidden_size, num_layers, bias,
                bidirectional, has_lengths, has_initial_state, token_ids, dtype,
                description, seed, made_with (+ keras: return_sequences, return_state,
                reset_after for the GRU)
x               (N, T, F) batch-first input; one-hot rows when token_ids (rnnlib reads
                x.argmax(-1)); 7.0 on the padding when has_lengths, so nothing may read it
h0, c0          (L*D, N, H) initial states (c0 for the LSTM only), only when
                has_initial_state; otherwise torch was called with hx=None (zeros)
lengths         (N,) int64, only when has_lengths; unsorted, so pack_padded_sequence ran
                with enforce_sorted=False, and pad_packed_sequence with total_length=T
param.<name>    the torch module's state_dict: weight_ih_l0 (4H or 3H, F), weight_hh_l0
                (4H or 3H, H), bias_ih_l0, bias_hh_l0, ..._reverse, ..._l1; blocks in torch's
                order (i, f, g, o for the LSTM, r, z, n for the GRU)
output          (N, T, D*H), zero past each length
h_n, c_n        (L*D, N, H), each sequence's state after its last real step (c_n: LSTM)
dout, dh_n, dc_n random upstream gradients shaped like output, h_n, c_n (random on the
                padding too). The scalar differentiated is
                    loss = sum(output * dout) + sum(h_n * dh_n) [+ sum(c_n * dc_n)]
grad.x, grad.h0, grad.c0, grad.<name>
                torch autograd's d loss / d (x, h0, c0, each parameter); grad.h0 and
                grad.c0 only when has_initial_state

A cell fixture (module "LSTMCell" / "GRUCell", one step) holds x (N, F), h0 and c0 (N, H)
(the hx passed), param.weight_ih, weight_hh, bias_ih, bias_hh, the results h and c (N, H),
the upstream gradients dh and dc, and grad.x, grad.h0, grad.c0, grad.<name> of
loss = sum(h * dh) [+ sum(c * dc)].

A Keras fixture (framework "keras") called keras.layers.LSTM / keras.layers.GRU
(reset_after=True) with return_sequences=True, return_state=True and initial_state on one
layer. It holds the layer fixture's keys, in torch's layout (param.* converted, grad.* the
Keras autograd gradients converted the same way; the LSTM's grad.bias_ih_l0 and
grad.bias_hh_l0 both equal d loss / d bias, since torch's two biases only enter through
their sum), and Keras' own arrays:
keras.kernel (F, 4H or 3H), keras.recurrent_kernel (H, 4H or 3H), keras.bias (4H,) for the
                LSTM or (2, 3H) for the GRU (row 0 input bias, row 1 recurrent bias);
                blocks i, f, c, o (LSTM: torch's order) and z, r, h (GRU: not torch's order)
keras.outputs (N, T, H), keras.state_h (N, H), keras.state_c (N, H, LSTM): what the layer
                returned
keras.grad.kernel, keras.grad.recurrent_kernel, keras.grad.bias: Keras autograd's gradients
                in Keras' layout

The fixtures
------------
gated_lstm / gated_gru                          one layer, initial states        N=3 T=5 F=4 H=3
gated_lstm_two_layers_no_h0 / gated_gru_...     num_layers=2, hx=None            N=2 T=5 F=3 H=4
gated_lstm_bidirectional / gated_gru_...        bidirectional, initial states    N=3 T=4 F=2 H=3
gated_lstm_lengths_two_layers_bidirectional / gated_gru_...
                                                both, packed, lengths [2, 5, 1, 4] N=4 T=5 F=3 H=2
gated_lstm_no_bias / gated_gru_no_bias          bias=False, F != H               N=3 T=4 F=5 H=2
gated_lstm_token_ids / gated_gru_token_ids      one-hot rows of random ids       N=3 T=6 F=7 H=4
gated_lstm_cell / gated_gru_cell                LSTMCell / GRUCell, one step     N=4 F=3 H=5
gated_keras_lstm / gated_keras_gru              Keras, initial_state             N=2 T=5 F=3 H=4
gated_lstm_float32 / gated_gru_float32          one layer in float32             N=3 T=6 F=4 H=5
gated_lstm_float32_lengths_two_layers_bidirectional / gated_gru_...
                                                float32, packed, lengths [6, 3, 5] N=3 T=6 F=4 H=3

The float32 fixtures hold float32 weights (float64 draws rounded to float32) and torch's
float32 results, so float32 rnnlib can be checked to about 1e-5 and shown to stay float32.

Keras and float64: Keras 3 computes ops.matmul of two float64 tensors in float32 on the torch
backend (its dtype promotion maps float64 to float32; see tools/make_reference.py). As there,
the promotion is patched to keep float64 while the layer runs, the unpatched result is
asserted to agree to float32 precision, and the Keras result is checked against torch's
module with the converted weights.
"""
from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import sys

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

import keras  # noqa: E402

# the autograd helper, the Keras float64 patch and the command line (which writes the files in
# its byte-identical format) are make_reference.py's
from make_reference import _keras_float64, autograd, cli  # noqa: E402

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)  # one thread: the same summation order on every run
keras.config.set_floatx("float64")

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "assets" / "reference"
MADE_WITH = f"torch {torch.__version__}, keras {keras.__version__} (torch backend), numpy {np.__version__}"
BLOCKS = {"lstm": 4, "gru": 3}


@dataclasses.dataclass(frozen=True)
class Spec:
    name: str
    description: str
    seed: int
    cell: str                   # "lstm" or "gru"
    N: int                      # batch
    T: int                      # time (unused by the one-step cells)
    F: int                      # input_size
    H: int                      # hidden_size
    framework: str = "torch"
    one_step: bool = False      # torch.nn.LSTMCell / GRUCell
    num_layers: int = 1
    bias: bool = True
    bidirectional: bool = False
    lengths: tuple | None = None
    initial_state: bool = True
    token_ids: bool = False     # x holds one-hot rows of random ids in 0 .. F-1
    dtype: str = "float64"

    @property
    def module(self):
        name = {"lstm": "LSTM", "gru": "GRU"}[self.cell]
        return name + "Cell" if self.one_step else name


def _specs():
    specs = []
    for cell, base in (("lstm", 201), ("gru", 221)):
        C = cell.upper()

        def spec(suffix, description, offset, *sizes, **kw):
            name = f"gated_{cell}{suffix}"
            specs.append(Spec(name, description, base + offset, cell, *sizes, **kw))

        spec("", f"torch.nn.{C}, one layer, with initial states", 0, 3, 5, 4, 3)
        spec("_two_layers_no_h0", f"torch.nn.{C}(num_layers=2) called without initial states",
             1, 2, 5, 3, 4, num_layers=2, initial_state=False)
        spec("_bidirectional", f"torch.nn.{C}(bidirectional=True), with initial states", 2,
             3, 4, 2, 3, bidirectional=True)
        spec("_lengths_two_layers_bidirectional", f"torch.nn.{C}(num_layers=2, "
             "bidirectional=True) on a packed batch of unsorted lengths", 3, 4, 5, 3, 2,
             num_layers=2, bidirectional=True, lengths=(2, 5, 1, 4))
        spec("_no_bias", f"torch.nn.{C}(bias=False), input_size != hidden_size", 4, 3, 4, 5, 2,
             bias=False)
        spec("_token_ids", f"torch.nn.{C} on one-hot rows of token ids", 5, 3, 6, 7, 4,
             token_ids=True)
        spec("_cell", f"torch.nn.{C}Cell, one step from a given state", 6, 4, 1, 3, 5,
             one_step=True)
        specs.append(Spec(f"gated_keras_{cell}", f"keras.layers.{C}(return_sequences=True, "
                          f"return_state=True{', reset_after=True' if cell == 'gru' else ''}) "
                          "called with initial_state", base + 7, cell, 2, 5, 3, 4,
                          framework="keras"))
        spec("_float32", f"torch.nn.{C} computing in float32, one layer", 8, 3, 6, 4, 5,
             dtype="float32")
        spec("_float32_lengths_two_layers_bidirectional", f"torch.nn.{C}(num_layers=2, "
             "bidirectional=True) computing in float32 on a packed batch", 9, 3, 6, 4, 3,
             num_layers=2, bidirectional=True, lengths=(6, 3, 5), dtype="float32")
    return specs


SPECS = _specs()


# --- shared pieces ----------------------------------------------------------------------

def config_json(spec: Spec) -> str:
    cfg = dict(framework=spec.framework, module=spec.module, cell=spec.cell,
               input_size=spec.F, hidden_size=spec.H, num_layers=spec.num_layers,
               bias=spec.bias, bidirectional=spec.bidirectional,
               has_lengths=spec.lengths is not None, has_initial_state=spec.initial_state,
               token_ids=spec.token_ids, dtype=spec.dtype, description=spec.description,
               seed=spec.seed, made_with=MADE_WITH)
    if spec.framework == "keras":
        cfg.update(return_sequences=True, return_state=True)
        if spec.cell == "gru":
            cfg.update(reset_after=True)
    return json.dumps(cfg, sort_keys=True)


def torch_param_shapes(spec: Spec) -> dict:
    """torch.nn.LSTM / GRU (or the Cell)'s state_dict names and shapes, in its order."""
    D, H, G = 2 if spec.bidirectional else 1, spec.H, BLOCKS[spec.cell] * spec.H
    if spec.one_step:
        shapes = {"weight_ih": (G, spec.F), "weight_hh": (G, H)}
        if spec.bias:
            shapes.update(bias_ih=(G,), bias_hh=(G,))
        return shapes
    shapes = {}
    for layer in range(spec.num_layers):
        F = spec.F if layer == 0 else D * H
        for sfx in ("", "_reverse")[:D]:
            shapes[f"weight_ih_l{layer}{sfx}"] = (G, F)
            shapes[f"weight_hh_l{layer}{sfx}"] = (G, H)
            if spec.bias:
                shapes[f"bias_ih_l{layer}{sfx}"] = (G,)
                shapes[f"bias_hh_l{layer}{sfx}"] = (G,)
    return shapes


def state_names(spec: Spec):
    return ("h", "c") if spec.cell == "lstm" else ("h",)


def random_inputs(spec: Spec, rng):
    """x, the initial states, the upstream gradients, all standard normal (states halved),
    in this draw order: x, h0 [c0], dout, dh_n [dc_n]."""
    D = 2 if spec.bidirectional else 1
    state_shape = (spec.N, spec.H) if spec.one_step else (spec.num_layers * D, spec.N, spec.H)
    x_shape = (spec.N, spec.F) if spec.one_step else (spec.N, spec.T, spec.F)
    if spec.token_ids:          # one-hot rows: x[n, t] = e_i for a random id i
        x = np.eye(spec.F)[rng.integers(0, spec.F, x_shape[:-1])]
    else:
        x = rng.standard_normal(x_shape)
    states = {f"{s}0": 0.5 * rng.standard_normal(state_shape) for s in state_names(spec)}
    out_shape = (spec.N, spec.H) if spec.one_step else (spec.N, spec.T, D * spec.H)
    dout = rng.standard_normal(out_shape)
    dstates = {f"d{s}_n": rng.standard_normal(state_shape) for s in state_names(spec)}
    if spec.lengths is not None and not spec.token_ids:
        # padding holds garbage, not zeros: nothing may read it
        x[np.arange(spec.T)[None, :] >= np.array(spec.lengths)[:, None]] = 7.0
    return x, states, dout, dstates


def numpy_of(t):
    return t.detach().numpy().copy()


# --- torch ------------------------------------------------------------------------------

def make_torch(spec: Spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    dtype = np.dtype(spec.dtype)
    k = 1.0 / np.sqrt(spec.H)                  # torch's own initialisation range
    params = {n: rng.uniform(-k, k, s).astype(dtype) for n, s in torch_param_shapes(spec).items()}
    x, states, dout, dstates = (_cast(a, dtype) for a in random_inputs(spec, rng))

    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype.type]
    cls = getattr(torch.nn, spec.module)
    if spec.one_step:
        mod = cls(spec.F, spec.H, bias=spec.bias, dtype=tdtype)
    else:
        mod = cls(spec.F, spec.H, num_layers=spec.num_layers, bias=spec.bias, batch_first=True,
                  bidirectional=spec.bidirectional, dtype=tdtype)
    assert list(mod.state_dict()) == list(params), "parameter names drifted from torch's"
    with torch.no_grad():
        for n, p in mod.named_parameters():
            p.copy_(torch.from_numpy(params[n]))
    tparams = dict(mod.named_parameters())

    tx = torch.tensor(x, requires_grad=True)
    tstates = {n: torch.tensor(s, requires_grad=True) for n, s in states.items()}
    hx = None
    if spec.initial_state:
        hx = tuple(tstates.values()) if spec.cell == "lstm" else tstates["h0"]

    if spec.one_step:
        res = mod(tx, hx)
        results = dict(zip(state_names(spec), res if spec.cell == "lstm" else (res,)))
        loss = sum((results[s] * torch.from_numpy(dstates[f"d{s}_n"])).sum() for s in results)
        out = {"config": np.array(config_json(spec)), "x": x, **states}
        out.update({f"param.{n}": p for n, p in params.items()})
        out.update({s: numpy_of(r) for s, r in results.items()})
        out.update({f"d{s}": dstates[f"d{s}_n"] for s in results})
        out.update(autograd(loss, {"x": tx, **tstates, **tparams}))
        return out

    if spec.lengths is None:
        output, final = mod(tx, hx)
    else:
        lengths = torch.tensor(spec.lengths, dtype=torch.int64)
        packed = pack_padded_sequence(tx, lengths, batch_first=True, enforce_sorted=False)
        out_packed, final = mod(packed, hx)
        output, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=spec.T)
    finals = dict(zip(state_names(spec), final if spec.cell == "lstm" else (final,)))
    loss = (output * torch.from_numpy(dout)).sum()
    for s, f in finals.items():
        loss = loss + (f * torch.from_numpy(dstates[f"d{s}_n"])).sum()

    out = {"config": np.array(config_json(spec)), "x": x}
    if spec.initial_state:
        out.update(states)
    if spec.lengths is not None:
        out["lengths"] = np.array(spec.lengths, dtype=np.int64)
    out.update({f"param.{n}": p for n, p in params.items()})
    out["output"] = numpy_of(output)
    out.update({f"{s}_n": numpy_of(f) for s, f in finals.items()})
    out["dout"] = dout
    out.update(dstates)
    leaves = {"x": tx, **(tstates if spec.initial_state else {}), **tparams}
    out.update(autograd(loss, leaves))
    return out


def _cast(a, dtype):
    if isinstance(a, dict):
        return {k: v.astype(dtype) for k, v in a.items()}
    return a.astype(dtype)


# --- keras ------------------------------------------------------------------------------

def keras_to_torch_blocks(spec, a):
    """Keras' blocks along the last axis -> torch's: the LSTM's i f c o are torch's i f g o;
    the GRU's z r h become torch's r z n."""
    if spec.cell == "lstm":
        return a.copy()
    z, r, h = np.split(a, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def keras_weights_to_torch(spec, kernel, rk, bias, grads=False):
    """Keras LSTM / GRU(reset_after=True) weights (or their gradients) -> torch's state_dict."""
    d = {"weight_ih_l0": keras_to_torch_blocks(spec, kernel).T.copy(),
         "weight_hh_l0": keras_to_torch_blocks(spec, rk).T.copy()}
    if spec.cell == "lstm":
        # torch adds its two biases: all of Keras' in bias_ih; a gradient reaches both whole
        d["bias_ih_l0"] = bias.copy()
        d["bias_hh_l0"] = bias.copy() if grads else np.zeros_like(bias)
    else:
        d["bias_ih_l0"] = keras_to_torch_blocks(spec, bias[0])
        d["bias_hh_l0"] = keras_to_torch_blocks(spec, bias[1])
    return d


def keras_layer(spec: Spec, kernel, recurrent_kernel, bias):
    kw = dict(units=spec.H, return_sequences=True, return_state=True)
    if spec.cell == "lstm":
        layer = keras.layers.LSTM(**kw)
    else:
        layer = keras.layers.GRU(reset_after=True, **kw)
    layer.build((spec.N, spec.T, spec.F))
    layer.set_weights([kernel, recurrent_kernel, bias])
    return layer


def make_keras(spec: Spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    k, G = 1.0 / np.sqrt(spec.H), BLOCKS[spec.cell] * spec.H
    kernel = rng.uniform(-k, k, (spec.F, G))                  # x @ kernel
    recurrent_kernel = rng.uniform(-k, k, (spec.H, G))        # h @ recurrent_kernel
    bias = rng.uniform(-k, k, G if spec.cell == "lstm" else (2, G))
    x, states, dout, dstates = random_inputs(spec, rng)
    names = state_names(spec)

    layer = keras_layer(spec, kernel, recurrent_kernel, bias)
    tx = torch.tensor(x, requires_grad=True)
    tstates = {n: torch.tensor(states[f"{n}0"][0], requires_grad=True) for n in names}  # (N, H)
    with _keras_float64():
        seq, *finals = layer(tx, initial_state=list(tstates.values()))
    assert seq.dtype == torch.float64 and tuple(seq.shape) == (spec.N, spec.T, spec.H)
    loss = (seq * torch.from_numpy(dout)).sum()
    for n, f in zip(names, finals):
        loss = loss + (f * torch.from_numpy(dstates[f"d{n}_n"][0])).sum()
    cell = layer.cell
    g = autograd(loss, {"x": tx, **{f"{n}0": t for n, t in tstates.items()},
                        "kernel": cell.kernel.value, "recurrent_kernel": cell.recurrent_kernel.value,
                        "bias": cell.bias.value})
    seq, finals = numpy_of(seq), [numpy_of(f) for f in finals]

    # the same layer without the float64 patch: float32 round-off only
    plain = layer(torch.tensor(x), initial_state=[torch.tensor(states[f"{n}0"][0]) for n in names])
    for p, a in zip(plain, [seq, *finals]):
        np.testing.assert_allclose(p.detach().numpy(), a, rtol=1e-5, atol=1e-6)

    params = keras_weights_to_torch(spec, kernel, recurrent_kernel, bias)
    check_keras_against_torch(spec, x, states, params, seq, finals)

    out = {"config": np.array(config_json(spec)), "x": x, **states}
    out.update({f"param.{n}": p for n, p in params.items()})
    out["output"] = seq
    out.update({f"{n}_n": f[None] for n, f in zip(names, finals)})
    out["dout"] = dout
    out.update(dstates)
    out["grad.x"] = g["grad.x"]
    out.update({f"grad.{n}0": g[f"grad.{n}0"][None] for n in names})
    tgrads = keras_weights_to_torch(spec, g["grad.kernel"], g["grad.recurrent_kernel"],
                                    g["grad.bias"], grads=True)
    out.update({f"grad.{n}": a for n, a in tgrads.items()})
    out.update({"keras.kernel": kernel, "keras.recurrent_kernel": recurrent_kernel,
                "keras.bias": bias, "keras.outputs": seq.copy()})
    out.update({f"keras.state_{n}": f.copy() for n, f in zip(names, finals)})
    out.update({"keras.grad.kernel": g["grad.kernel"],
                "keras.grad.recurrent_kernel": g["grad.recurrent_kernel"],
                "keras.grad.bias": g["grad.bias"]})
    return out


def check_keras_against_torch(spec, x, states, params, seq, finals):
    """Keras with the converted weights == torch's module with them."""
    mod = getattr(torch.nn, spec.module)(spec.F, spec.H, batch_first=True)
    with torch.no_grad():
        for n, p in mod.named_parameters():
            p.copy_(torch.from_numpy(params[n]))
        hx = tuple(torch.from_numpy(states[f"{n}0"]) for n in state_names(spec))
        output, final = mod(torch.from_numpy(x), hx if spec.cell == "lstm" else hx[0])
    final = final if spec.cell == "lstm" else (final,)
    np.testing.assert_allclose(seq, output.numpy(), rtol=1e-12, atol=1e-14)
    for a, e in zip(finals, final):
        np.testing.assert_allclose(a, e[0].numpy(), rtol=1e-12, atol=1e-14)


# --- files ------------------------------------------------------------------------------

def build(spec: Spec) -> dict:
    arrays = make_keras(spec) if spec.framework == "keras" else make_torch(spec)
    for k, a in arrays.items():
        assert k in ("config", "lengths") or a.dtype == np.dtype(spec.dtype), (spec.name, k, a.dtype)
    return arrays


def main(argv=None) -> int:
    return cli(argv, SPECS, build, FIXTURES, 52)


if __name__ == "__main__":
    sys.exit(main())
