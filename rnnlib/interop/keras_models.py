"""rnnlib models to Keras models and back.

Keras has no stacked or bidirectional layer of its own: a two-layer rnnlib.RNN is two
SimpleRNN layers one after the other, a bidirectional one is SimpleRNN wrapped in
Bidirectional(merge_mode="concat"), dropout between layers is a Dropout layer, and a
SequenceModel's head is a Dense layer. So a model becomes a keras.Sequential:

    rnnlib                                keras.Sequential([keras.Input((None, F)), ...])
    RNN(F, H, nonlinearity=...)           SimpleRNN(H, activation=..., return_sequences=True)
    LSTM(F, H) / GRU(F, H)                LSTM(H, ...) / GRU(H, reset_after=True, ...)
    num_layers=L                          L of them; dropout=p puts Dropout(p) between them
    bidirectional=True                    each wrapped in Bidirectional(merge_mode="concat")
    go_backwards=True                     go_backwards=True on the first layer only (it reads
                                          the input backwards; the layers above it read its
                                          output, which is already in that order)
    SequenceModel(F, H, O, ...)           the layers of model.rnn, then Dense(O)
    batch_first=False                     Keras is always batch-first: the Keras model takes
                                          x as (N, T, F)

Each layer's weights go through rnnlib.interop.layouts (transposes; the GRU's z and r blocks
swap; Keras' SimpleRNN and LSTM have one bias where torch has two, so to_keras adds them up
and from_keras puts the sum in bias_ih and zeros in bias_hh). rnnlib adds the two biases
before it uses them, so the round trip rnnlib -> Keras -> rnnlib changes how the bias is
split but not one bit of any output; Keras -> rnnlib -> Keras gives back every array exactly.

Refused with a ValueError that says why: nonlinearity="leaky_relu" (Keras' leaky_relu has
slope 0.2, rnnlib's 0.01), a SequenceModel with go_backwards=True (rnnlib turns the output
back into the input's order before the head; a Keras Sequential cannot), Keras'
GRU(reset_after=False), the in-cell dropout and recurrent_dropout of Keras' layers, other
activations, merge modes other than "concat", layers of different kinds or sizes in one
stack, and any other layer. The cells (RNNCell, ...) are refused too: Keras runs a cell
only inside a keras.layers.RNN; convert the layer instead.

Keras 3 computes the float64 matmul of SimpleRNN and Dense in float32 on the torch backend
(keras-team/keras issue #23704; 3.15 checked): a float64 model moved to Keras holds the same
weights bit for bit, but Keras' outputs then agree with rnnlib's to about 1e-7, not 1e-15.
LSTM and GRU are not affected.

The conversion is two steps, and only the second needs Keras: keras_layer_specs(model)
describes the Keras layers as plain dicts with their weights (numpy), and
from_keras_layer_specs(specs, weights) builds the rnnlib model from such a description.
The tests use the two to check the layouts against stored Keras results without Keras.
"""
from __future__ import annotations

import numpy as np

from .layouts import (from_keras_gru, from_keras_lstm, from_keras_simple_rnn, to_keras_gru,
                      to_keras_lstm, to_keras_simple_rnn)
from .torch_models import import_framework, rnnlib_class
from ..layers import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from ..models import SequenceModel

KERAS_NAME = {RNN: "SimpleRNN", LSTM: "LSTM", GRU: "GRU"}
RNNLIB = {"SimpleRNN": RNN, "LSTM": LSTM, "GRU": GRU}
CELL = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
FROM = {"SimpleRNN": from_keras_simple_rnn, "LSTM": from_keras_lstm, "GRU": from_keras_gru}
TO = {"SimpleRNN": to_keras_simple_rnn, "LSTM": to_keras_lstm, "GRU": to_keras_gru}


# --- rnnlib -> Keras ------------------------------------------------------------------

def to_keras(model):
    """An rnnlib model -> a keras.Sequential that computes the same numbers.

    model   an rnnlib.RNN, LSTM, GRU or SequenceModel
    ->      keras.Sequential([keras.Input((None, F)), ...layers]) in the model's dtype (see
            the module docstring for the layers); its output is rnnlib's output (the
            recurrent layer's) or y (a SequenceModel's), (N, T, ...), batch-first.
            The weights are copies. Keras keeps no training flag on a model: model(x) is
            inference (Dropout off), model(x, training=True) and fit use the Dropout layers.

    Usage:  keras_model = to_keras(model);  y = keras_model(x)
    Needs Keras 3 (any backend); raises ImportError naming it when it is missing.
    """
    where = "to_keras"
    specs, weights = keras_layer_specs(model)
    keras = import_framework("keras", where)
    dtype = model.dtype.name
    layers = [_keras_layer(keras, s, dtype) for s in specs]
    keras_model = keras.Sequential([keras.Input((None, model.input_size), dtype=dtype), *layers])
    for layer, w in zip(layers, weights):
        if w:
            layer.set_weights(w)
    return keras_model


def keras_layer_specs(model):
    """The Keras layers that compute what model computes: (specs, weights), numpy only.

    specs    one dict per Keras layer: {"class_name": "SimpleRNN" | "LSTM" | "GRU" | "Dropout"
             | "Dense", ...} with the arguments that matter (units, activation, use_bias,
             go_backwards, return_sequences, bidirectional, rate)
    weights  one list of arrays per layer, in the order of Keras' get_weights()
    """
    where = "to_keras"
    if isinstance(model, (RNNCell, LSTMCell, GRUCell)):
        raise TypeError(f"{where}: Keras runs a cell such as {type(model).__name__} only inside "
                        f"keras.layers.RNN, so there is no Keras model of a cell alone. Convert "
                        f"an rnnlib.RNN, LSTM or GRU layer instead.")
    if not isinstance(model, (SequenceModel, RNN, LSTM, GRU)):
        raise TypeError(f"{where}: expected an rnnlib.RNN, LSTM, GRU or SequenceModel, got "
                        f"{type(model).__name__}.")
    layer = model.rnn if isinstance(model, SequenceModel) else model
    if getattr(layer, "nonlinearity", "tanh") == "leaky_relu":
        raise ValueError(f"{where}: this {type(model).__name__} uses nonlinearity='leaky_relu' "
                         f"with slope 0.01 for negative inputs; Keras' 'leaky_relu' has slope "
                         f"0.2, so no Keras SimpleRNN computes the same numbers. Use 'tanh' or "
                         f"'relu'.")
    if isinstance(model, SequenceModel) and model.go_backwards:
        raise ValueError(f"{where}: this SequenceModel has go_backwards=True. rnnlib turns the "
                         f"recurrent output back into the input's order before the head; Keras' "
                         f"go_backwards keeps it in reading order, so a Sequential would give y "
                         f"reversed in time. Convert model.rnn with to_keras, and apply the head "
                         f"to its output flipped along the time axis.")
    name = KERAS_NAME[rnnlib_class(layer, KERAS_NAME)]
    H, state = layer.hidden_size, layer.state_dict()
    specs, weights = [], []
    for l in range(layer.num_layers):
        if l and layer.dropout > 0:
            specs.append({"class_name": "Dropout", "rate": layer.dropout})
            weights.append([])
        spec = {"class_name": name, "units": H, "use_bias": layer.bias,
                "activation": getattr(layer, "nonlinearity", "tanh"),
                "go_backwards": layer.go_backwards and l == 0, "return_sequences": True,
                "bidirectional": layer.bidirectional}
        spec.update({"LSTM": {"recurrent_activation": "sigmoid"},
                     "GRU": {"recurrent_activation": "sigmoid", "reset_after": True}}.get(name, {}))
        w = []
        for sfx in ("", "_reverse")[: layer.num_directions]:
            one = {k.replace(f"_l{l}{sfx}", "_l0"): a for k, a in state.items()
                   if k.endswith(f"_l{l}{sfx}")}
            w += [a for a in TO[name](one) if a is not None]
        specs.append(spec)
        weights.append(w)
    if isinstance(model, SequenceModel):
        specs.append({"class_name": "Dense", "units": model.output_size, "use_bias": True,
                      "activation": "linear"})
        weights.append([model.head.params["weight"].T.copy(), model.head.params["bias"].copy()])
    return specs, weights


def _keras_layer(keras, spec, dtype):
    kind = spec["class_name"]
    if kind == "Dropout":
        return keras.layers.Dropout(spec["rate"], dtype=dtype)
    if kind == "Dense":
        return keras.layers.Dense(spec["units"], dtype=dtype)
    extra = {"LSTM": {}, "GRU": {"reset_after": True}}.get(kind, {})
    layer = getattr(keras.layers, kind)(spec["units"], activation=spec["activation"],
                                        use_bias=spec["use_bias"],
                                        go_backwards=spec["go_backwards"],
                                        return_sequences=spec["return_sequences"], dtype=dtype,
                                        **extra)
    if spec["bidirectional"]:
        layer = keras.layers.Bidirectional(layer, merge_mode="concat", dtype=dtype)
    return layer


# --- Keras -> rnnlib ------------------------------------------------------------------

def from_keras(model):
    """A Keras layer or keras.Sequential -> the rnnlib model that computes the same numbers.

    model   keras.layers.SimpleRNN, LSTM, GRU(reset_after=True), or Bidirectional around one
            of them; or a keras.Sequential of such layers (all of one kind and size, with
            Dropout layers between them or not), optionally ending in a Dense layer
    ->      rnnlib.RNN / LSTM / GRU (batch-first, as Keras), or rnnlib.SequenceModel when
            there is a Dense layer; the weights are copies in their dtype.

    return_sequences=False on the last layer is accepted: it chooses what Keras returns,
    not what is computed; the rnnlib model returns every step, and Keras' output is its last
    step, output[:, -1] (for a Bidirectional layer, output[:, -1, :units] beside
    output[:, 0, units:]: the backward direction ends at the first step). The module
    docstring lists what is refused. The model must be built (called once, or made with
    keras.Input) so that its weights exist.

    The rnnlib model is in training mode, as every new rnnlib model; Keras' model(x) is
    inference, so call .eval() before comparing outputs when there are Dropout layers.
    stateful=True is not carried: rnnlib starts every call from zeros or the h0 it is
    given (model.stepper() keeps a state between calls).
    """
    where = "from_keras"
    keras = import_framework("keras", where)
    if isinstance(model, keras.Sequential):
        layers = list(model.layers)
    elif isinstance(model, keras.Model):
        raise TypeError(f"{where}: expected a Keras layer or a keras.Sequential, got a "
                        f"{type(model).__name__} built with the functional API. Rebuild the "
                        f"chain of layers as keras.Sequential([...]), or convert its recurrent "
                        f"layers one at a time.")
    elif isinstance(model, keras.layers.Layer):
        layers = [model]
    else:
        raise TypeError(f"{where}: expected a Keras layer or a keras.Sequential, got "
                        f"{type(model).__name__}. For a torch module use from_torch.")
    specs, weights = [], []
    for layer in layers:
        specs.append(_spec_of(layer))
        weights.append([np.array(w) for w in layer.get_weights()])
        if not weights[-1] and specs[-1]["class_name"] in (*RNNLIB, "Dense"):
            raise ValueError(f"{where}: the Keras layer {layer.name!r} has no weights yet: Keras "
                             f"makes them when the model is built. Call the model once on an "
                             f"input, or start the Sequential with keras.Input((None, "
                             f"input_size)).")
    return from_keras_layer_specs(specs, weights)


def _spec_of(layer):
    """A Keras layer's arguments as keras_layer_specs writes them."""
    kind = type(layer).__name__
    if kind == "Bidirectional":
        inner = _spec_of(layer.forward_layer)
        backward = _spec_of(layer.backward_layer)
        # the backward layer must be the forward one reading the other way: every argument
        # the same but go_backwards (a backward_layer= of another activation, size or bias
        # would otherwise be read as the forward layer's twin)
        mirrors = (backward["go_backwards"] != inner["go_backwards"]
                   and {k: a for k, a in backward.items() if k != "go_backwards"}
                   == {k: a for k, a in inner.items() if k != "go_backwards"})
        return dict(inner, bidirectional=True, merge_mode=layer.merge_mode,
                    backward_mirrors=mirrors)
    cfg = layer.get_config()
    keys = {"Dropout": ["rate"], "Dense": ["units", "activation", "use_bias"],
            "SimpleRNN": ["units", "activation", "use_bias", "go_backwards", "return_sequences",
                          "dropout", "recurrent_dropout"]}
    keys["LSTM"] = keys["SimpleRNN"] + ["recurrent_activation"]
    keys["GRU"] = keys["LSTM"] + ["reset_after"]
    spec = {"class_name": kind}
    spec.update({k: cfg.get(k) for k in keys.get(kind, [])})
    if kind in RNNLIB:
        spec["bidirectional"] = False
    return spec


def from_keras_layer_specs(specs, weights):
    """The rnnlib model that the Keras layers described by (specs, weights) make; numpy only.

    specs and weights as keras_layer_specs returns them (a Bidirectional layer is its inner
    layer's spec with bidirectional=True and merge_mode, and holds both directions' weights,
    forward first, as Keras' get_weights() gives them).
    """
    where = "from_keras"
    head = specs[-1] if specs and specs[-1]["class_name"] == "Dense" else None
    body = specs[:-1] if head else list(specs)
    rec = [i for i, s in enumerate(body) if s["class_name"] in RNNLIB]
    if not rec:
        raise ValueError(f"{where}: found no SimpleRNN, LSTM or GRU layer among "
                         f"{[s['class_name'] for s in specs]}. rnnlib converts a recurrent "
                         f"layer, a stack of them, and a stack read by one Dense layer.")
    others = [s["class_name"] for s in body if s["class_name"] not in (*RNNLIB, "Dropout")]
    others += [s["class_name"] for s in specs[:-1] if s["class_name"] == "Dense"]
    if others or rec[0] != 0:
        raise ValueError(f"{where}: rnnlib converts recurrent layers (SimpleRNN, LSTM, GRU, "
                         f"alone or in Bidirectional), with Dropout layers between them, and one "
                         f"Dense layer at the end; the layers are "
                         f"{[s['class_name'] for s in specs]}. Remove or convert the others by hand.")
    first = body[0]
    kind, H = first["class_name"], first["units"]
    _check_recurrent(body, rec, kind, H, where)
    rates = {body[i]["rate"] for i in range(len(body)) if body[i]["class_name"] == "Dropout"}
    gaps = [body[a + 1:b] for a, b in zip(rec, rec[1:])]
    if body[rec[-1] + 1:] or any(len(g) > 1 for g in gaps) or len(rates) > 1 or (
            rates and not all(gaps)):
        raise ValueError(f"{where}: rnnlib's dropout acts between stacked layers, the same rate "
                         f"after every layer but the last; the layers are "
                         f"{[s['class_name'] for s in body]} with rates {sorted(rates)}. Use one "
                         f"Dropout layer of one rate between every two recurrent layers, or none.")
    dropout = float(rates.pop()) if rates else 0.0
    dtype = _dtype([a for w in weights for a in w], where)
    F = weights[0][0].shape[0]
    state = {}
    for l, i in enumerate(rec):
        w, D = weights[i], 2 if first["bidirectional"] else 1
        for d, sfx in enumerate(("", "_reverse")[:D]):
            part = w[d * len(w) // D:(d + 1) * len(w) // D]
            one = FROM[kind](*part)
            state.update({k.replace("_l0", f"_l{l}{sfx}"): a for k, a in one.items()})
    args = dict(num_layers=len(rec), dtype=dtype)
    if kind == "SimpleRNN":
        args["nonlinearity"] = first["activation"]
    if head is None:
        model = RNNLIB[kind](F, H, bias=first["use_bias"], dropout=dropout,
                             bidirectional=first["bidirectional"],
                             go_backwards=first["go_backwards"], **args)
        model.load_state_dict(state)
        return model
    _check_head(head, first, dropout, where)
    model = SequenceModel(F, H, head["units"], cell=CELL[kind], **args)
    kernel, bias = weights[-1]
    state = {f"rnn.{k}": a for k, a in state.items()}
    state.update({"head.weight": kernel.T.copy(), "head.bias": bias.copy()})
    model.load_state_dict(state)
    return model


def _check_recurrent(body, rec, kind, H, where):
    """Every recurrent layer of the stack: one kind and size, arguments rnnlib computes."""
    for n, i in enumerate(rec):
        s, what = body[i], f"layer {i} ({body[i]['class_name']})"
        if s["class_name"] != kind or s["units"] != H:
            raise ValueError(f"{where}: every recurrent layer of one rnnlib model has the same "
                             f"cell and size; layer 0 is {kind}({H}), {what} has units="
                             f"{s['units']}. Convert such a stack one layer at a time.")
        if s["bidirectional"] != body[0]["bidirectional"]:
            raise ValueError(f"{where}: either every layer of the stack is Bidirectional or none "
                             f"is, as in rnnlib; {what} differs from layer 0.")
        problems = []
        allowed = ("tanh", "relu") if kind == "SimpleRNN" else ("tanh",)
        if s["activation"] not in allowed:
            problems.append(f"activation={s['activation']!r} (rnnlib's {kind} computes "
                            f"{' or '.join(map(repr, allowed))})")
        if s.get("recurrent_activation", "sigmoid") != "sigmoid":
            problems.append(f"recurrent_activation={s['recurrent_activation']!r} (the gates "
                            f"are 'sigmoid')")
        if s.get("reset_after", True) is not True:
            problems.append("reset_after=False (torch and rnnlib compute the GRU of "
                            "reset_after=True, Keras' default: r multiplies h @ recurrent_kernel "
                            "after the product, not h before it)")
        for arg in ("dropout", "recurrent_dropout"):
            if s.get(arg):
                problems.append(f"{arg}={s[arg]} (dropout inside the cell, which rnnlib does "
                                f"not have; rnnlib's dropout is between layers)")
        if s.get("merge_mode", "concat") != "concat":
            problems.append(f"merge_mode={s['merge_mode']!r} (rnnlib puts the two directions "
                            f"side by side: 'concat')")
        if s.get("backward_mirrors") is False:
            problems.append("a backward_layer that is not the forward layer read backwards "
                            "(rnnlib's two directions share every argument; build "
                            "Bidirectional(layer) without backward_layer=)")
        if s["go_backwards"] and (n > 0 or s["bidirectional"]):
            problems.append("go_backwards=True on a layer other than the first of a "
                            "one-direction stack (rnnlib reads the input backwards once, "
                            "then every layer in that order)")
        if not s["return_sequences"] and n < len(rec) - 1:
            problems.append("return_sequences=False below another recurrent layer")
        if s["use_bias"] != body[0]["use_bias"]:
            problems.append(f"use_bias={s['use_bias']} where layer 0 has {body[0]['use_bias']}")
        if problems:
            raise ValueError(f"{where}: {what} has {'; '.join(problems)}. No rnnlib layer "
                             f"computes that; build the Keras layer without it.")


def _check_head(head, first, dropout, where):
    problems = [text for bad, text in [
        (head["activation"] not in ("linear", None),
         f"the Dense layer has activation={head['activation']!r} (the head is linear; apply "
         f"the activation to rnnlib's output yourself)"),
        (not head["use_bias"], "the Dense layer has no bias"),
        (first["bidirectional"], "the recurrent layers are Bidirectional"),
        (first["go_backwards"], "the first layer has go_backwards=True (Keras would give y in "
                                "reading order, rnnlib.SequenceModel in the input's)"),
        (dropout > 0, "there is dropout between the recurrent layers"),
        (not first["use_bias"], "the recurrent layers have no bias"),
    ] if bad]
    if problems:
        raise ValueError(f"{where}: a Dense layer at the end makes an rnnlib.SequenceModel, "
                         f"which is one direction with biases, no dropout and a linear Dense "
                         f"head with a bias; here {'; '.join(problems)}. Convert the recurrent "
                         f"layers without the Dense layer instead.")


def _dtype(arrays, where):
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) != 1 or dtypes.pop() not in (np.float32, np.float64):
        raise ValueError(f"{where}: rnnlib computes in float32 or float64, one dtype per model; "
                         f"these weights are {sorted({str(a.dtype) for a in arrays})}. Build the "
                         f"Keras model with dtype='float32' or 'float64'.")
    return arrays[0].dtype.type
