"""Build assets/reference/interop_{torch,keras}.npz: whole torch and Keras models and their outputs.

rnnlib.interop moves models between rnnlib, PyTorch and Keras (to_torch / from_torch,
to_keras / from_keras). The tests check it against these two files, so the course environment
needs neither torch nor Keras. Every model here is built by this script with torch's and
Keras' own classes (never through rnnlib), its weights drawn from a seeded numpy generator,
and run on a seeded input:

    /work/refvenv/bin/python tools/make_interop_reference.py            # (re)write both files
    /work/refvenv/bin/python tools/make_interop_reference.py --check    # recompute and compare

(run from the repository root with KERAS_BACKEND=torch, or let the script set it). Reruns
write byte-identical files (fixed zip timestamps, one torch thread).

What the files hold (np.load(path); no pickle needed)
------------------------------------------------------
index           0-d str array with JSON: {"made_with": ..., "configs": {name: config}}; each
                configuration's arrays are stored under "<name>.<key>".

interop_torch.npz, one configuration per torch module:
  config        kind ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell" or
                "SequenceModel") and the torch constructor's arguments: input_size,
                hidden_size, bias, dtype ("float64" / "float32"), and for the layers
                num_layers, batch_first, dropout, bidirectional; nonlinearity for RNN and
                RNNCell; for SequenceModel cell ("RNN" / "LSTM" / "GRU"), num_layers,
                output_size (the module's children are rnn = that layer with
                batch_first=True, and head = torch.nn.Linear(hidden_size, output_size)).
                Modules with dropout > 0 were run in eval mode; description, seed.
                params: [[name, shape], ...], the module's state_dict names and shapes in
                its order.
  <name>.params         the state_dict's arrays, raveled and concatenated in that order (one
                        array per configuration keeps the file small: a zip entry costs
                        more than the numbers of a small layer)
  <name>.x              the input: (N, T, F), or (T, N, F) for batch_first=False, or (N, F)
                        for a cell; for a SequenceModel the one-hot rows of <name>.ids
  <name>.ids            (N, T) int64 token ids, SequenceModel only
  <name>.h0, <name>.c0  (N, H): the state a cell was called with (layers start from zeros)
  <name>.output         a layer's output; a cell's h'; a SequenceModel's y (N, T, O)
  <name>.h_n, <name>.c_n   h_n (and c_n for LSTM) of a layer or a SequenceModel; c' of an
                        LSTMCell

interop_keras.npz, one configuration per keras.Sequential([keras.Input((None, F)), ...]):
  config        description, seed, dtype, N, T, F, and "layers": one dict per Keras layer,
                written from layer.get_config() with the keys rnnlib.interop.from_keras
                reads: class_name, units, activation, use_bias, go_backwards,
                return_sequences, dropout, recurrent_dropout (+ recurrent_activation for LSTM
                and GRU, + reset_after for GRU), bidirectional; a Bidirectional layer is its
                forward layer's dict with bidirectional=True, merge_mode and
                backward_mirrors (its backward layer is the forward one reading the other
                way); {"class_name": "Dropout", "rate"}; {"class_name": "Dense", "units",
                "activation", "use_bias"}. weight_shapes: per layer (after the Input), the
                shapes of its get_weights(), in order ([] for Dropout).
  <name>.weights        every layer's get_weights(), raveled and concatenated in that order
  <name>.x              (N, T, F)
  <name>.output         model(x, training=False): (N, T, units) (or (N, T, O) after a Dense
                        layer), or (N, units) when the last layer has return_sequences=False

Keras and float64: Keras 3 (3.15 checked) computes SimpleRNN's and Dense's float64 matmul in
float32 on the torch backend (keras-team/keras issue #23704). As tools/make_reference.py does,
this script lets Keras' dtype promotion keep float64 while it calls the model
(make_reference._keras_float64), and asserts that the unpatched result agrees to float32
precision: the patch changes the precision, not what is computed.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import keras  # noqa: E402
from make_reference import _keras_float64, save_npz  # noqa: E402

torch.set_num_threads(1)  # one thread: the same summation order on every run

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "assets" / "reference"
MADE_WITH = (f"torch {torch.__version__}, keras {keras.__version__} "
             f"({keras.backend.backend()} backend), numpy {np.__version__}")
N, T, F, H, O = 2, 4, 3, 2, 3        # batch, time, input_size, hidden_size, output_size
VOCAB = 4                            # a SequenceModel's input_size: one-hot ids 0 .. 3
DROPOUT = 0.25


# --- torch ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TorchCase:
    name: str
    kind: str                   # RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, SequenceModel
    seed: int
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    dtype: str = "float64"
    nonlinearity: str = "tanh"
    dropout: float = 0.0
    batch_first: bool = True
    cell: str = ""              # SequenceModel: RNN, LSTM or GRU


def torch_cases():
    cases, seed = [], 1000
    for kind in ("RNN", "LSTM", "GRU"):
        for L in (1, 2):
            for bi in (False, True):
                for bias in (True, False):
                    seed += 1
                    cases.append(TorchCase(f"{kind.lower()}_l{L}{'_bi' if bi else ''}"
                                           f"{'' if bias else '_nobias'}", kind, seed, L, bi, bias))
        cases += [
            TorchCase(f"{kind.lower()}_l2_bi_float32", kind, seed + 10, 2, True, dtype="float32"),
            TorchCase(f"{kind.lower()}_l2_dropout", kind, seed + 11, 2, dropout=DROPOUT),
            TorchCase(f"{kind.lower()}_l1_time_first", kind, seed + 12, batch_first=False),
        ]
        seed += 20
    cases += [
        TorchCase("rnn_relu_l1", "RNN", 1101, nonlinearity="relu"),
        TorchCase("rnn_relu_l2_bi_dropout", "RNN", 1102, 2, True, nonlinearity="relu",
                  dropout=DROPOUT),
        TorchCase("rnn_l2_bi_time_first", "RNN", 1103, 2, True, batch_first=False),
    ]
    for i, cell in enumerate(("RNN", "LSTM", "GRU")):
        for L in (1, 2):
            cases.append(TorchCase(f"sequence_model_{cell.lower()}_l{L}", "SequenceModel",
                                   1200 + 10 * i + L, L, cell=cell))
    cases += [
        TorchCase("sequence_model_rnn_relu_l2", "SequenceModel", 1240, 2, nonlinearity="relu",
                  cell="RNN"),
        TorchCase("sequence_model_lstm_l2_float32", "SequenceModel", 1241, 2, dtype="float32",
                  cell="LSTM"),
    ]
    for i, kind in enumerate(("RNNCell", "LSTMCell", "GRUCell")):
        cases += [TorchCase(f"{kind.lower()}", kind, 1300 + 10 * i),
                  TorchCase(f"{kind.lower()}_nobias", kind, 1301 + 10 * i, bias=False),
                  TorchCase(f"{kind.lower()}_float32", kind, 1302 + 10 * i, dtype="float32")]
    cases.append(TorchCase("rnncell_relu", "RNNCell", 1303, nonlinearity="relu"))
    return cases


class TorchSequenceModel(torch.nn.Module):
    """A recurrent layer (batch_first=True) read by a Linear head at every step."""

    def __init__(self, rnn, head):
        super().__init__()
        self.rnn, self.head = rnn, head

    def forward(self, x):
        out, h_n = self.rnn(x)
        return self.head(out), h_n


def torch_config(c: TorchCase) -> dict:
    cfg = dict(kind=c.kind, input_size=VOCAB if c.kind == "SequenceModel" else F,
               hidden_size=H, bias=c.bias, dtype=c.dtype, seed=c.seed)
    if c.kind in ("RNN", "LSTM", "GRU"):
        cfg.update(num_layers=c.num_layers, batch_first=c.batch_first, dropout=c.dropout,
                   bidirectional=c.bidirectional)
    if c.kind in ("RNN", "RNNCell") or c.cell == "RNN":
        cfg["nonlinearity"] = c.nonlinearity
    if c.kind == "SequenceModel":
        cfg.update(cell=c.cell, num_layers=c.num_layers, output_size=O)
    args = ", ".join(f"{k}={cfg[k]!r}" for k in ("num_layers", "bidirectional", "bias",
                                                  "nonlinearity", "dropout", "batch_first")
                     if k in cfg)
    what = (f"torch.nn.{c.cell}({args}, batch_first=True) read by a torch.nn.Linear head"
            if c.kind == "SequenceModel" else f"torch.nn.{c.kind}({args})")
    cfg["description"] = f"{what}, {c.dtype}" + (", eval mode" if c.dropout else "")
    return cfg


def torch_module(c: TorchCase, cfg: dict):
    dtype = getattr(torch, c.dtype)
    extra = dict(nonlinearity=c.nonlinearity) if "nonlinearity" in cfg else {}
    if c.kind.endswith("Cell"):
        return getattr(torch.nn, c.kind)(F, H, bias=c.bias, dtype=dtype, **extra)
    if c.kind == "SequenceModel":
        rnn = getattr(torch.nn, c.cell)(VOCAB, H, num_layers=c.num_layers, batch_first=True,
                                        dtype=dtype, **extra)
        return TorchSequenceModel(rnn, torch.nn.Linear(H, O, dtype=dtype))
    return getattr(torch.nn, c.kind)(F, H, num_layers=c.num_layers, bias=c.bias,
                                     batch_first=c.batch_first, dropout=c.dropout,
                                     bidirectional=c.bidirectional, dtype=dtype, **extra)


def make_torch(c: TorchCase) -> tuple[dict, dict]:
    cfg = torch_config(c)
    rng = np.random.default_rng(c.seed)
    module = torch_module(c, cfg)
    np_dtype = np.dtype(c.dtype)
    k = 1.0 / np.sqrt(H)                                  # torch's own initialisation range
    params = {n: rng.uniform(-k, k, tuple(p.shape)).astype(np_dtype)
              for n, p in module.state_dict().items()}
    with torch.no_grad():
        module.load_state_dict({n: torch.from_numpy(p) for n, p in params.items()})
    module.eval()                                         # dropout off; nothing else changes
    cfg["params"] = [[n, list(p.shape)] for n, p in params.items()]
    out = {"params": np.concatenate([p.ravel() for p in params.values()])}
    with torch.no_grad():
        if c.kind.endswith("Cell"):
            x = rng.standard_normal((N, F)).astype(np_dtype)
            h0 = (0.5 * rng.standard_normal((N, H))).astype(np_dtype)
            out.update(x=x, h0=h0)
            if c.kind == "LSTMCell":
                c0 = (0.5 * rng.standard_normal((N, H))).astype(np_dtype)
                h1, c1 = module(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)))
                out.update(c0=c0, output=h1.numpy().copy(), c_n=c1.numpy().copy())
            else:
                out["output"] = module(torch.from_numpy(x), torch.from_numpy(h0)).numpy().copy()
            return cfg, out
        if c.kind == "SequenceModel":
            ids = rng.integers(0, VOCAB, (N, T)).astype(np.int64)
            x = np.eye(VOCAB, dtype=np_dtype)[ids]        # (N, T, VOCAB)
            out["ids"] = ids
        else:
            x = rng.standard_normal((N, T, F) if c.batch_first else (T, N, F)).astype(np_dtype)
        output, h_n = module(torch.from_numpy(x))
    out.update(x=x, output=output.numpy().copy())
    if isinstance(h_n, tuple):
        out.update(h_n=h_n[0].numpy().copy(), c_n=h_n[1].numpy().copy())
    else:
        out["h_n"] = h_n.numpy().copy()
    return cfg, out


# --- keras ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class KerasCase:
    name: str
    cell: str                   # SimpleRNN, LSTM, GRU
    seed: int
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    dtype: str = "float64"
    activation: str = "tanh"
    go_backwards: bool = False  # on the first layer
    dropout: float = 0.0        # a Dropout layer between recurrent layers
    dense: bool = False         # a Dense(O) head at the end
    last_sequences: bool = True  # the last recurrent layer's return_sequences


def keras_cases():
    cases, seed = [], 2000
    for cell in ("SimpleRNN", "LSTM", "GRU"):
        low = cell.lower()
        for L in (1, 2):
            for bi in (False, True):
                for bias in (True, False):
                    seed += 1
                    cases.append(KerasCase(f"{low}_l{L}{'_bi' if bi else ''}"
                                           f"{'' if bias else '_nobias'}", cell, seed, L, bi, bias))
        cases += [
            KerasCase(f"{low}_l2_bi_float32", cell, seed + 10, 2, True, dtype="float32"),
            KerasCase(f"{low}_l1_go_backwards", cell, seed + 11, go_backwards=True),
            KerasCase(f"{low}_l2_dropout", cell, seed + 12, 2, dropout=DROPOUT),
            KerasCase(f"{low}_l1_dense", cell, seed + 13, dense=True),
            KerasCase(f"{low}_l2_dense", cell, seed + 14, 2, dense=True),
        ]
        seed += 20
    cases += [
        KerasCase("simplernn_relu_l1", "SimpleRNN", 2101, activation="relu"),
        KerasCase("simplernn_relu_l2_bi", "SimpleRNN", 2102, 2, True, activation="relu"),
        KerasCase("simplernn_l2_go_backwards", "SimpleRNN", 2103, 2, go_backwards=True),
        KerasCase("lstm_l2_go_backwards_nobias", "LSTM", 2104, 2, bias=False, go_backwards=True),
        KerasCase("gru_l2_bi_dropout", "GRU", 2105, 2, True, dropout=DROPOUT),
        KerasCase("simplernn_relu_l2_dense", "SimpleRNN", 2106, 2, activation="relu", dense=True),
        KerasCase("lstm_l2_dense_float32", "LSTM", 2107, 2, dtype="float32", dense=True),
        KerasCase("simplernn_l1_last_step", "SimpleRNN", 2108, last_sequences=False),
        KerasCase("gru_l2_bi_last_step", "GRU", 2109, 2, True, last_sequences=False),
        KerasCase("lstm_l1_go_backwards_last_step", "LSTM", 2110, go_backwards=True,
                  last_sequences=False),
    ]
    return cases


def keras_model(c: KerasCase):
    layers = []
    for l in range(c.num_layers):
        if l and c.dropout:
            layers.append(keras.layers.Dropout(c.dropout, dtype=c.dtype))
        extra = dict(reset_after=True) if c.cell == "GRU" else {}
        if c.cell == "SimpleRNN":
            extra["activation"] = c.activation
        layer = getattr(keras.layers, c.cell)(
            H, use_bias=c.bias, go_backwards=c.go_backwards and l == 0,
            return_sequences=c.last_sequences or l < c.num_layers - 1, dtype=c.dtype, **extra)
        if c.bidirectional:
            layer = keras.layers.Bidirectional(layer, merge_mode="concat", dtype=c.dtype)
        layers.append(layer)
    if c.dense:
        layers.append(keras.layers.Dense(O, dtype=c.dtype))
    return keras.Sequential([keras.Input((None, F), dtype=c.dtype), *layers])


def keras_spec(layer) -> dict:
    """A layer's arguments from its get_config(), under the keys from_keras reads."""
    kind = type(layer).__name__
    if kind == "Bidirectional":
        fwd, bwd = keras_spec(layer.forward_layer), keras_spec(layer.backward_layer)
        return dict(fwd, bidirectional=True, merge_mode=layer.merge_mode,
                    backward_mirrors=(bwd["class_name"] == fwd["class_name"]
                                      and bwd["go_backwards"] != fwd["go_backwards"]))
    cfg = layer.get_config()
    if kind == "Dropout":
        return {"class_name": kind, "rate": cfg["rate"]}
    if kind == "Dense":
        return {"class_name": kind, **{k: cfg[k] for k in ("units", "activation", "use_bias")}}
    keys = ["units", "activation", "use_bias", "go_backwards", "return_sequences", "dropout",
            "recurrent_dropout"]
    keys += {"LSTM": ["recurrent_activation"], "GRU": ["recurrent_activation", "reset_after"]
             }.get(kind, [])
    return {"class_name": kind, **{k: cfg[k] for k in keys}, "bidirectional": False}


def make_keras(c: KerasCase) -> tuple[dict, dict]:
    rng = np.random.default_rng(c.seed)
    model = keras_model(c)
    np_dtype = np.dtype(c.dtype)
    k = 1.0 / np.sqrt(H)
    weights, specs = [], []
    for layer in model.layers:
        w = [rng.uniform(-k, k, np.shape(a)).astype(np_dtype) for a in layer.get_weights()]
        if w:
            layer.set_weights(w)
        weights.append(w)
        specs.append(keras_spec(layer))
    out = {"weights": np.concatenate([a.ravel() for w in weights for a in w])}
    x = rng.standard_normal((N, T, F)).astype(np_dtype)
    with _keras_float64():
        y = keras.ops.convert_to_numpy(model(x, training=False)).copy()
    assert y.dtype == np_dtype, (c.name, y.dtype)
    plain = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(plain, y, rtol=1e-5, atol=1e-6)   # float32 round-off only
    out.update(x=x, output=y)
    what = ", ".join(s["class_name"] + ("(bidirectional)" if s.get("bidirectional") else "")
                     for s in specs)
    notes = [n for n, on in [(f"activation={c.activation!r}", c.activation != "tanh"),
                             ("no biases", not c.bias), ("go_backwards", c.go_backwards),
                             ("return_sequences=False on the last layer", not c.last_sequences)]
             if on]
    description = f"keras.Sequential: {what}; {c.dtype}" + "".join(f"; {n}" for n in notes)
    cfg = dict(description=description,
               seed=c.seed, dtype=c.dtype, N=N, T=T, F=F, layers=specs,
               weight_shapes=[[list(a.shape) for a in w] for w in weights])
    return cfg, out


# --- files ------------------------------------------------------------------------------

def build(kind: str) -> dict:
    cases, make = {"torch": (torch_cases(), make_torch), "keras": (keras_cases(), make_keras)}[kind]
    assert len({c.name for c in cases}) == len(cases), "two configurations share a name"
    configs, arrays = {}, {}
    for c in cases:
        cfg, out = make(c)
        configs[c.name] = cfg
        arrays.update({f"{c.name}.{k}": a for k, a in out.items()})
    index = json.dumps({"made_with": MADE_WITH, "configs": configs}, sort_keys=True)
    return {"index": np.array(index), **arrays}


def compare(path: pathlib.Path, arrays: dict) -> float:
    """Largest relative difference between a stored file and a fresh computation (in float64,
    so float32 arrays do not divide by an underflowed floor); keys, ints and text must match."""
    with np.load(path, allow_pickle=False) as old:
        if set(old.files) != set(arrays):
            raise SystemExit(f"{path.name}: keys differ: {sorted(set(old.files) ^ set(arrays))}")
        worst = 0.0
        for k, a in arrays.items():
            b = old[k]
            if a.dtype.kind in "USi" or a.dtype != b.dtype:
                if a.dtype != b.dtype or not np.array_equal(a, b):
                    raise SystemExit(f"{path.name}: {k} differs")
                continue
            a, b = a.astype(np.float64), b.astype(np.float64)
            worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(b) + 1e-300), initial=0.0)))
    return worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=FIXTURES,
                    help="directory for the .npz files")
    ap.add_argument("--check", action="store_true",
                    help="recompute and compare with the stored files instead of writing")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for kind in ("torch", "keras"):
        arrays = build(kind)
        path = args.out / f"interop_{kind}.npz"
        n = len(json.loads(str(arrays["index"]))["configs"])
        if args.check:
            print(f"{path.name}: {n} configurations, max relative difference to stored: "
                  f"{compare(path, arrays):.1e}")
        else:
            save_npz(path, arrays)
            print(f"{path.name}: {n} configurations, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
