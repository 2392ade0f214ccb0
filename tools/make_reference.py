"""Build the reference fixtures in assets/reference/: what PyTorch and Keras compute, saved as numbers.

rnnlib claims to compute exactly what torch.nn.RNN and keras.layers.SimpleRNN compute. The
tests check that claim against these files, so the course environment needs neither torch
nor Keras. This script needs both (torch 2.13 CPU, Keras 3 on its torch backend):

    /work/refvenv/bin/python tools/make_reference.py              # (re)write every fixture
    /work/refvenv/bin/python tools/make_reference.py --check      # recompute, compare, write nothing
    /work/refvenv/bin/python tools/make_reference.py --only torch_tanh keras_go_backwards

Everything is float64 and seeded (each fixture has its own numpy seed; torch is only used to
compute), so a rerun writes byte-identical files (the zip entries carry a fixed timestamp).

What one file holds (np.load(path); no pickle needed)
------------------------------------------------------
config          0-d str array with JSON: framework ("torch" / "keras"), input_size,
                hidden_size, num_layers, nonlinearity, bias, bidirectional, go_backwards,
                has_lengths, description, seed, made_with (+ token_ids when x is one-hot
                vectors of ids; + keras: return_sequences,
                return_state)
x               (N, T, F) batch-first input
h0              (L*D, N, H) initial state (L layers, D = 2 if bidirectional else 1)
lengths         (N,) int64, only when has_lengths; unsorted, so enforce_sorted=False is used
param.<name>    every torch.nn.RNN state_dict entry: weight_ih_l0 (H, F), weight_hh_l0 (H, H),
                bias_ih_l0 (H,), bias_hh_l0 (H,), ..._reverse, ..._l1
output          (N, T, D*H), zero past each length (pad_packed_sequence(total_length=T))
h_n             (L*D, N, H), each sequence's state after its last real step
dout, dh_n      random upstream gradients, shaped like output and h_n. The scalar that was
                differentiated is  loss = sum(output * dout) + sum(h_n * dh_n).
                dout is random at EVERY position, padding included: torch's padded outputs
                are constants, so whatever dout holds there must not reach any gradient.
grad.x, grad.h0, grad.<name>
                torch autograd's d loss / d (x, h0, each parameter); grad.x is zero on padding
keras.kernel (F, H), keras.recurrent_kernel (H, H), keras.bias (H,)     (keras fixtures)
keras.outputs (N, T, H), keras.state (N, H)
                what SimpleRNN(return_sequences=True, return_state=True) returned. For these,
                param.* is the same layer in torch's layout (weight_ih = kernel^T,
                weight_hh = recurrent_kernel^T, bias_ih = bias, bias_hh = 0), output and h_n
                are keras.outputs and keras.state[None], and grad.* comes from autograd
                through the Keras layer (grad.bias_ih and grad.bias_hh both equal
                d loss / d bias, since the two torch biases enter only through their sum).
                The keras_masked* fixtures call the layer with mask = the first lengths[n]
                steps of each row. keras.outputs is then Keras' masked layout (the last real
                output repeated over the padding; with go_backwards zeros first, real steps
                last), while output keeps rnnlib's and torch's: the real steps in reading
                order, then zeros. output is taken from keras.outputs inside the autograd
                graph, so grad.* is still Keras' autograd, of the loss on that output.

The fixtures
------------
torch_tanh                  1 layer, tanh                          N=3 T=5 F=4 H=3
torch_relu                  1 layer, relu                          N=2 T=6 F=3 H=4
torch_no_bias               bias=False, F != H                     N=3 T=4 F=5 H=2
torch_two_layers            num_layers=2                           N=2 T=5 F=3 H=4
torch_bidirectional         bidirectional=True                     N=3 T=4 F=2 H=3
torch_two_layers_bidirectional  both                               N=2 T=4 F=3 H=2
torch_lengths               lengths [5, 2, 4] (packed sequences)   N=3 T=5 F=4 H=3
torch_lengths_bidirectional lengths [3, 5, 1, 4]                   N=4 T=5 F=3 H=2
torch_lengths_two_layers    lengths [4, 6, 2]                      N=3 T=6 F=2 H=3
torch_lengths_two_layers_bidirectional  lengths [2, 4, 1, 3], all shorter than T=5
                                                                   N=4 T=5 F=3 H=2
torch_leaky_relu            a hand-written loop in torch, h_t = leaky_relu(x_t W_ih^T + b_ih
                            + h_{t-1} W_hh^T + b_hh, 0.01) (torch.nn.RNN has no leaky_relu)
                                                                   N=3 T=5 F=4 H=3
torch_token_ids             x one-hot vectors of random ids (rnnlib reads the ids)
                                                                   N=3 T=6 F=7 H=4
torch_token_ids_lengths_two_layers_bidirectional  the same, packed, lengths [5, 2, 4]
                                                                   N=3 T=5 F=6 H=3
keras_simple_rnn            SimpleRNN(return_sequences=True, return_state=True), F != H
                                                                   N=2 T=5 F=3 H=4
keras_go_backwards          the same with go_backwards=True        N=3 T=4 F=2 H=3
keras_masked                keras_simple_rnn's layer called with a mask, lengths [5, 2, 4]
                                                                   N=3 T=5 F=3 H=2
keras_masked_go_backwards   the same with go_backwards=True, lengths [3, 5, 1, 4]
                                                                   N=4 T=5 F=2 H=3

Keras and float64: Keras 3 (3.15 checked) computes ops.matmul of two float64 tensors in
float32 on every backend except TensorFlow, even with floatx "float64": its dtype promotion
maps float64 to float32 (keras-team/keras issue #23704). Left alone, the Keras fixtures would
only be good to ~1e-7. This script therefore lets that promotion keep float64 while it calls
the layer (see _keras_float64), and asserts that the unpatched Keras result agrees with the
patched one to float32 precision: the patch changes the precision, not what is computed.
Each Keras result is also checked against torch.nn.RNN with the converted weights.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import pathlib
import sys

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported

import numpy as np  # noqa: E402
from npz_files import save_npz  # noqa: E402  (tools/, beside this script)
import torch  # noqa: E402
import torch.nn.functional as tF  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

import keras  # noqa: E402
from keras.src.backend.common import dtypes as keras_dtypes  # noqa: E402

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)  # one thread: the same summation order on every run
keras.config.set_floatx("float64")

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "assets" / "reference"
MADE_WITH = f"torch {torch.__version__}, keras {keras.__version__} (torch backend), numpy {np.__version__}"


@dataclasses.dataclass(frozen=True)
class Spec:
    name: str
    description: str
    seed: int
    N: int                      # batch
    T: int                      # time
    F: int                      # input_size
    H: int                      # hidden_size
    framework: str = "torch"
    num_layers: int = 1
    nonlinearity: str = "tanh"
    bias: bool = True
    bidirectional: bool = False
    go_backwards: bool = False
    lengths: tuple | None = None
    token_ids: bool = False     # x holds one-hot vectors of random ids in 0 .. F-1


SPECS = [
    Spec("torch_tanh", "torch.nn.RNN, one tanh layer", 101, 3, 5, 4, 3),
    Spec("torch_relu", "torch.nn.RNN, one relu layer", 102, 2, 6, 3, 4, nonlinearity="relu"),
    Spec("torch_no_bias", "torch.nn.RNN(bias=False), input_size != hidden_size", 103, 3, 4, 5, 2,
         bias=False),
    Spec("torch_two_layers", "torch.nn.RNN(num_layers=2)", 104, 2, 5, 3, 4, num_layers=2),
    Spec("torch_bidirectional", "torch.nn.RNN(bidirectional=True)", 105, 3, 4, 2, 3,
         bidirectional=True),
    Spec("torch_two_layers_bidirectional", "torch.nn.RNN(num_layers=2, bidirectional=True)",
         106, 2, 4, 3, 2, num_layers=2, bidirectional=True),
    Spec("torch_lengths", "torch.nn.RNN on a packed batch of unsorted lengths", 107, 3, 5, 4, 3,
         lengths=(5, 2, 4)),
    Spec("torch_lengths_bidirectional", "bidirectional torch.nn.RNN on a packed batch", 108,
         4, 5, 3, 2, bidirectional=True, lengths=(3, 5, 1, 4)),
    Spec("torch_lengths_two_layers", "two-layer torch.nn.RNN on a packed batch", 109, 3, 6, 2, 3,
         num_layers=2, lengths=(4, 6, 2)),
    Spec("torch_lengths_two_layers_bidirectional",
         "two-layer bidirectional torch.nn.RNN on a packed batch; every length is shorter than T",
         110, 4, 5, 3, 2, num_layers=2, bidirectional=True, lengths=(2, 4, 1, 3)),
    Spec("torch_leaky_relu", "a hand-written torch loop with F.leaky_relu(slope 0.01)", 111,
         3, 5, 4, 3, nonlinearity="leaky_relu"),
    Spec("keras_simple_rnn", "keras.layers.SimpleRNN(return_sequences=True, return_state=True)",
         112, 2, 5, 3, 4, framework="keras"),
    Spec("keras_go_backwards", "keras.layers.SimpleRNN(go_backwards=True, return_sequences=True, "
         "return_state=True)", 113, 3, 4, 2, 3, framework="keras", go_backwards=True),
    Spec("keras_masked", "keras.layers.SimpleRNN(return_sequences=True, return_state=True) "
         "called with mask= the first lengths[n] steps", 114, 3, 5, 3, 2, framework="keras",
         lengths=(5, 2, 4)),
    Spec("keras_masked_go_backwards", "keras.layers.SimpleRNN(go_backwards=True, "
         "return_sequences=True, return_state=True) called with mask= the first lengths[n] "
         "steps", 115, 4, 5, 2, 3, framework="keras", go_backwards=True, lengths=(3, 5, 1, 4)),
    Spec("torch_token_ids", "torch.nn.RNN on one-hot vectors of token ids", 116, 3, 6, 7, 4,
         token_ids=True),
    Spec("torch_token_ids_lengths_two_layers_bidirectional", "two-layer bidirectional "
         "torch.nn.RNN on a packed batch of one-hot vectors of token ids", 117, 3, 5, 6, 3,
         num_layers=2, bidirectional=True, lengths=(5, 2, 4), token_ids=True),
]

KINK = 1e-4  # relu-type fixtures keep every pre-activation at least this far from 0


# --- shared pieces ----------------------------------------------------------------------

def config_json(spec: Spec) -> str:
    cfg = dict(framework=spec.framework, input_size=spec.F, hidden_size=spec.H,
               num_layers=spec.num_layers, nonlinearity=spec.nonlinearity, bias=spec.bias,
               bidirectional=spec.bidirectional, go_backwards=spec.go_backwards,
               has_lengths=spec.lengths is not None, description=spec.description,
               seed=spec.seed, made_with=MADE_WITH)
    if spec.framework == "keras":
        cfg.update(return_sequences=True, return_state=True)
    if spec.token_ids:
        cfg.update(token_ids=True)
    return json.dumps(cfg, sort_keys=True)


def torch_param_shapes(spec: Spec) -> dict:
    """torch.nn.RNN's state_dict names and shapes, in its order."""
    D, H, shapes = 2 if spec.bidirectional else 1, spec.H, {}
    for layer in range(spec.num_layers):
        F = spec.F if layer == 0 else D * H
        for sfx in ("", "_reverse")[:D]:
            shapes[f"weight_ih_l{layer}{sfx}"] = (H, F)
            shapes[f"weight_hh_l{layer}{sfx}"] = (H, H)
            if spec.bias:
                shapes[f"bias_ih_l{layer}{sfx}"] = (H,)
                shapes[f"bias_hh_l{layer}{sfx}"] = (H,)
    return shapes


def random_inputs(spec: Spec, rng):
    """x, h0, dout, dh_n, all standard normal (h0 halved), in this draw order."""
    D = 2 if spec.bidirectional else 1
    if spec.token_ids:          # one-hot rows: x[n, t] = e_i for a random id i
        x = np.eye(spec.F)[rng.integers(0, spec.F, (spec.N, spec.T))]
    else:
        x = rng.standard_normal((spec.N, spec.T, spec.F))
    h0 = 0.5 * rng.standard_normal((spec.num_layers * D, spec.N, spec.H))
    dout = rng.standard_normal((spec.N, spec.T, D * spec.H))
    dh_n = rng.standard_normal((spec.num_layers * D, spec.N, spec.H))
    if spec.lengths is not None and not spec.token_ids:
        # padding holds garbage, not zeros: nothing may read it
        x[np.arange(spec.T)[None, :] >= np.array(spec.lengths)[:, None]] = 7.0
    return x, h0, dout, dh_n


def autograd(loss, named_leaves: dict) -> dict:
    grads = torch.autograd.grad(loss, list(named_leaves.values()))
    return {f"grad.{k}": g.detach().numpy().copy() for k, g in zip(named_leaves, grads)}


# --- torch ------------------------------------------------------------------------------

def make_torch(spec: Spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    k = 1.0 / np.sqrt(spec.H)                     # torch.nn.RNN's own initialisation range
    params = {n: rng.uniform(-k, k, s) for n, s in torch_param_shapes(spec).items()}
    x, h0, dout, dh_n = random_inputs(spec, rng)

    tx = torch.tensor(x, requires_grad=True)
    th0 = torch.tensor(h0, requires_grad=True)
    if spec.nonlinearity == "leaky_relu":
        tparams = {n: torch.tensor(p, requires_grad=True) for n, p in params.items()}
        output, h_n, pre = leaky_relu_loop(tx, th0, tparams)
        check_kinks(spec, pre)
    else:
        rnn = torch.nn.RNN(spec.F, spec.H, num_layers=spec.num_layers,
                           nonlinearity=spec.nonlinearity, bias=spec.bias, batch_first=True,
                           bidirectional=spec.bidirectional)
        assert list(rnn.state_dict()) == list(params), "parameter names drifted from torch's"
        with torch.no_grad():
            for n, p in rnn.named_parameters():
                p.copy_(torch.from_numpy(params[n]))
        tparams = dict(rnn.named_parameters())
        if spec.lengths is None:
            output, h_n = rnn(tx, th0)
        else:
            lengths = torch.tensor(spec.lengths, dtype=torch.int64)
            packed = pack_padded_sequence(tx, lengths, batch_first=True, enforce_sorted=False)
            out_packed, h_n = rnn(packed, th0)
            output, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=spec.T)
        if spec.nonlinearity == "relu":
            check_kinks(spec, relu_preactivations(x, h0, params, spec))

    loss = (output * torch.from_numpy(dout)).sum() + (h_n * torch.from_numpy(dh_n)).sum()
    out = {"config": np.array(config_json(spec)), "x": x, "h0": h0}
    if spec.lengths is not None:
        out["lengths"] = np.array(spec.lengths, dtype=np.int64)
    out.update({f"param.{n}": p for n, p in params.items()})
    out.update(output=output.detach().numpy().copy(), h_n=h_n.detach().numpy().copy(),
               dout=dout, dh_n=dh_n)
    out.update(autograd(loss, {"x": tx, "h0": th0, **tparams}))
    return out


def leaky_relu_loop(x, h0, p):
    """h_t = leaky_relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, 0.01), one layer, in torch."""
    h, hs, pre = h0[0], [], []
    for t in range(x.shape[1]):
        a = x[:, t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        h = tF.leaky_relu(a, negative_slope=0.01)
        hs.append(h)
        pre.append(a.detach().numpy())
    return torch.stack(hs, dim=1), h[None], np.stack(pre)


def relu_preactivations(x, h0, p, spec):
    """The pre-activations of a one-layer relu RNN, in numpy, only to check for kinks."""
    assert spec.num_layers == 1 and not spec.bidirectional and spec.lengths is None
    h, pre = h0[0], []
    for t in range(spec.T):
        a = x[:, t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        h = np.maximum(a, 0.0)
        pre.append(a)
    return np.stack(pre)


def check_kinks(spec, pre):
    """A pre-activation at 0 would make the gradient depend on the convention at the kink."""
    closest = np.abs(pre).min()
    if closest < KINK:
        raise RuntimeError(f"{spec.name}: a pre-activation is {closest:.1e} from the kink; pick another seed")


# --- keras ------------------------------------------------------------------------------

@contextlib.contextmanager
def _keras_float64():
    """Let Keras' dtype promotion keep float64 (it maps it to float32; keras issue #23704)."""
    table = keras_dtypes.BIT64_TO_BIT32_DTYPE
    saved = table["float64"]
    table["float64"] = "float64"
    try:
        yield
    finally:
        table["float64"] = saved


def keras_layer(spec: Spec, kernel, recurrent_kernel, bias):
    layer = keras.layers.SimpleRNN(units=spec.H, activation="tanh", use_bias=True,
                                   return_sequences=True, return_state=True,
                                   go_backwards=spec.go_backwards)
    layer.build((spec.N, spec.T, spec.F))
    layer.set_weights([kernel, recurrent_kernel, bias])
    return layer


def make_keras(spec: Spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    k = 1.0 / np.sqrt(spec.H)
    kernel = rng.uniform(-k, k, (spec.F, spec.H))            # (F, H): x @ kernel
    recurrent_kernel = rng.uniform(-k, k, (spec.H, spec.H))  # (H, H): h @ recurrent_kernel
    bias = rng.uniform(-k, k, spec.H)                        # (H,)
    x, h0, dout, dh_n = random_inputs(spec, rng)

    layer = keras_layer(spec, kernel, recurrent_kernel, bias)
    mask = keras_mask(spec, x)
    tx = torch.tensor(x, requires_grad=True)
    th0 = torch.tensor(h0[0], requires_grad=True)            # Keras' state is (N, H)
    with _keras_float64():
        seq, state = layer(tx, initial_state=[th0], mask=mask)
    assert seq.dtype == torch.float64 and tuple(seq.shape) == (spec.N, spec.T, spec.H)
    output = torch_layout(spec, seq)                         # == seq without lengths
    loss = (output * torch.from_numpy(dout)).sum() + (state * torch.from_numpy(dh_n[0])).sum()
    g = autograd(loss, {"x": tx, "h0": th0, "kernel": layer.cell.kernel.value,
                        "recurrent_kernel": layer.cell.recurrent_kernel.value,
                        "bias": layer.cell.bias.value})
    seq, state = seq.detach().numpy().copy(), state.detach().numpy().copy()
    output = output.detach().numpy().copy()

    # the same layer without the float64 patch: float32 round-off only
    plain_seq, plain_state = (t.detach().numpy() for t in layer(torch.tensor(x), initial_state=[torch.tensor(h0[0])], mask=mask))
    np.testing.assert_allclose(plain_seq, seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(plain_state, state, rtol=1e-5, atol=1e-6)

    params = {"weight_ih_l0": kernel.T.copy(), "weight_hh_l0": recurrent_kernel.T.copy(),
              "bias_ih_l0": bias.copy(), "bias_hh_l0": np.zeros(spec.H)}
    check_keras_against_torch(spec, x, h0, params, output, state)

    out = {"config": np.array(config_json(spec)), "x": x, "h0": h0}
    if spec.lengths is not None:
        out["lengths"] = np.array(spec.lengths, dtype=np.int64)
    out.update({f"param.{n}": p for n, p in params.items()})
    out.update(output=output, h_n=state[None], dout=dout, dh_n=dh_n)
    out.update({"grad.x": g["grad.x"], "grad.h0": g["grad.h0"][None],
                "grad.weight_ih_l0": g["grad.kernel"].T.copy(),
                "grad.weight_hh_l0": g["grad.recurrent_kernel"].T.copy(),
                "grad.bias_ih_l0": g["grad.bias"], "grad.bias_hh_l0": g["grad.bias"].copy()})
    out.update({"keras.kernel": kernel, "keras.recurrent_kernel": recurrent_kernel,
                "keras.bias": bias, "keras.outputs": seq.copy(), "keras.state": state.copy()})
    return out


def keras_mask(spec: Spec, x):
    """None, or the (N, T) bool mask of the real steps; keras.layers.Masking agrees with it."""
    if spec.lengths is None:
        return None
    mask = torch.arange(spec.T)[None, :] < torch.tensor(spec.lengths)[:, None]   # (N, T)
    masking = keras.layers.Masking(mask_value=7.0)           # random_inputs pads with 7.0
    assert torch.equal(masking.compute_mask(torch.tensor(x)), mask)
    return mask


def torch_layout(spec: Spec, seq):
    """Keras' masked (N, T, H) outputs -> torch's padded layout: real steps in reading order
    first, zeros after. Keras repeats the last real output over the padding; with
    go_backwards it flips the padded row, so its real steps are the last lengths[n]."""
    if spec.lengths is None:
        return seq
    lengths = torch.tensor(spec.lengths)[:, None]            # (N, 1)
    t = torch.arange(spec.T)[None, :]                        # (1, T)
    real = t < lengths                                       # (N, T)
    src = t + (spec.T - lengths) if spec.go_backwards else t
    src = torch.where(real, src, 0)[..., None].expand(-1, -1, spec.H)
    return torch.where(real[..., None], torch.gather(seq, 1, src), 0.0)


def check_keras_against_torch(spec, x, h0, params, output, state):
    """Keras with converted weights == torch.nn.RNN, in torch's padded layout: on x reversed
    within each length for go_backwards, as packed sequences for lengths."""
    rnn = torch.nn.RNN(spec.F, spec.H, batch_first=True)
    lengths = None if spec.lengths is None else np.array(spec.lengths)
    if spec.go_backwards:
        x = np.stack([np.concatenate([xn[:n][::-1], xn[n:]]) for xn, n in
                      zip(x, [spec.T] * spec.N if lengths is None else lengths)])
    with torch.no_grad():
        for n, p in rnn.named_parameters():
            p.copy_(torch.from_numpy(params[n]))
        xt = torch.from_numpy(x)
        if lengths is None:
            expected, h_n = rnn(xt, torch.from_numpy(h0))
        else:
            packed = pack_padded_sequence(xt, torch.from_numpy(lengths), batch_first=True,
                                          enforce_sorted=False)
            expected, h_n = rnn(packed, torch.from_numpy(h0))
            expected, _ = pad_packed_sequence(expected, batch_first=True, total_length=spec.T)
    np.testing.assert_allclose(output, expected.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state, h_n[0].numpy(), rtol=1e-12, atol=1e-14)


# --- files ------------------------------------------------------------------------------

def build(spec: Spec) -> dict:
    arrays = make_keras(spec) if spec.framework == "keras" else make_torch(spec)
    for k, a in arrays.items():
        assert k in ("config", "lengths") or a.dtype == np.float64, (spec.name, k, a.dtype)
    return arrays



def compare(path: pathlib.Path, arrays: dict) -> float:
    """Largest relative difference between a stored fixture and a fresh computation."""
    with np.load(path) as old:
        if set(old.files) != set(arrays):
            raise SystemExit(f"{path.name}: keys differ: {sorted(set(old.files) ^ set(arrays))}")
        worst = 0.0
        for k, a in arrays.items():
            b = old[k]
            if a.dtype.kind in "US" or a.dtype.kind == "i":
                if not np.array_equal(a, b):
                    raise SystemExit(f"{path.name}: {k} differs")
                continue
            worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(b) + 1e-300), initial=0.0)))
    return worst


def cli(argv, specs, build, out, width) -> int:
    """The command line of every fixture script: write (or --check) each spec's file."""
    ap = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=out, help="directory for the .npz files")
    ap.add_argument("--only", nargs="+", metavar="NAME", choices=[s.name for s in specs],
                    help="build only these fixtures")
    ap.add_argument("--check", action="store_true",
                    help="recompute and compare with the stored files instead of writing")
    args = ap.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for spec in specs:
        if args.only and spec.name not in args.only:
            continue
        arrays = build(spec)
        path = args.out / f"{spec.name}.npz"
        if args.check:
            print(f"{spec.name:{width}s} max relative difference to stored: {compare(path, arrays):.1e}")
        else:
            save_npz(path, arrays)
            total += path.stat().st_size
            print(f"{spec.name:{width}s} {path.stat().st_size:6d} bytes")
    if not args.check:
        print(f"{'total':{width}s} {total:6d} bytes")
    return 0


def main(argv=None) -> int:
    return cli(argv, SPECS, build, FIXTURES, 40)


if __name__ == "__main__":
    sys.exit(main())
