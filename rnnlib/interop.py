"""Moving an RNN between rnnlib, PyTorch and Keras: the same numbers in three layouts.

All three frameworks compute the same recurrence; they only store it differently.

    rnnlib functions  h_t = act(x_t @ Wx + h_{t-1} @ Wh + b)
                      Wx (F, H), Wh (H, H), b (H,)                 right-multiply, one bias
    torch.nn.RNN      h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
                      weight_ih_l0 (H, F), weight_hh_l0 (H, H),    left-multiply layout,
                      bias_ih_l0 (H,), bias_hh_l0 (H,)             two biases
    Keras SimpleRNN   h_t = act(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)
                      kernel (F, H), recurrent_kernel (H, H),      right-multiply, one bias
                      bias (H,)                                    (get_weights() order)

So Wx = W_ih^T = kernel, Wh = W_hh^T = recurrent_kernel, and b = b_ih + b_hh = bias. torch's
two biases are only ever added together, so any split of Keras' bias between them computes
the same thing; from_keras puts all of it in bias_ih and zeros in bias_hh.

rnnlib.RNN stores torch's layout (its state_dict is torch's), so torch weights load directly:

    rnn.load_state_dict({k: v.numpy() for k, v in torch_rnn.state_dict().items()})

and Keras weights go through from_keras / to_keras:

    rnn.load_state_dict(from_keras(*keras_layer.get_weights()))
    keras_layer.set_weights(list(to_keras(rnn.state_dict())))

This module needs only numpy: it never imports torch or Keras.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np

from . import _validation as v
from ._validation import checked_by

_TORCH_LAYOUT_HINT = ("Keras stores kernel as (input_size, units) and recurrent_kernel as "
                      "(units, units); a torch weight_ih_l0 is (units, input_size), the transpose. "
                      "Pass Keras' get_weights() in its order: kernel, recurrent_kernel, bias.")


def from_keras(kernel, recurrent_kernel, bias=None):
    """Keras SimpleRNN weights -> a one-layer torch.nn.RNN / rnnlib.RNN state_dict.

    kernel (F, H), recurrent_kernel (H, H), bias (H,) or None (a SimpleRNN(use_bias=False))
    ->  {"weight_ih_l0": kernel^T (H, F), "weight_hh_l0": recurrent_kernel^T (H, H),
         "bias_ih_l0": bias (H,), "bias_hh_l0": zeros (H,)}
    Without a bias the two bias entries are left out, as in torch.nn.RNN(bias=False).

    The arrays are new copies with the dtype they came with.
    Usage: rnnlib.RNN(F, H).load_state_dict(from_keras(*keras_layer.get_weights())).
    """
    where = "from_keras"
    kernel = v.array(kernel, [("input_size", None), ("units", None)], "kernel", where, _TORCH_LAYOUT_HINT)
    F, H = kernel.shape
    recurrent_kernel = v.array(recurrent_kernel, [("units", H), ("units", H)], "recurrent_kernel",
                               where, _TORCH_LAYOUT_HINT)
    if bias is not None:
        bias = v.array(bias, [("units", H)], "bias", where,
                       "Keras' SimpleRNN has one bias with an entry per unit. For a layer "
                       "without a bias (use_bias=False) leave bias out.")

    state = {"weight_ih_l0": kernel.T.copy(),                  # (H, F)
             "weight_hh_l0": recurrent_kernel.T.copy()}        # (H, H)
    if bias is not None:
        state["bias_ih_l0"] = bias.copy()                      # (H,)
        state["bias_hh_l0"] = np.zeros_like(bias)              # (H,) Keras has one bias only
    return state


def to_keras(state_dict):
    """A one-layer, one-direction torch.nn.RNN / rnnlib.RNN state_dict -> Keras SimpleRNN weights.

    {"weight_ih_l0" (H, F), "weight_hh_l0" (H, H), "bias_ih_l0" (H,), "bias_hh_l0" (H,)}
    ->  (kernel = weight_ih^T (F, H), recurrent_kernel = weight_hh^T (H, H),
         bias = bias_ih + bias_hh (H,))
    A state_dict without biases (bias=False) gives bias None: use SimpleRNN(use_bias=False)
    and set_weights([kernel, recurrent_kernel]).

    The arrays are new copies. Usage: keras_layer.set_weights(list(to_keras(rnn.state_dict()))).
    """
    d = _one_layer_state_dict(state_dict, "to_keras")
    kernel = d["weight_ih_l0"].T.copy()                        # (F, H)
    recurrent_kernel = d["weight_hh_l0"].T.copy()              # (H, H)
    bias = d["bias_ih_l0"] + d["bias_hh_l0"] if "bias_ih_l0" in d else None   # (H,)
    return kernel, recurrent_kernel, bias


def _check_keras_outputs(output, h_n, return_sequences=False, return_state=False, lengths=None,
                         go_backwards=False):
    where = "keras_outputs"
    output = v.array(output, [("batch", None), ("time", None), ("hidden_size", None)], "output",
                     where, v.sequence_hint(output, "output"))
    N, T, H = output.shape
    h_n = v.array(h_n, [("num_layers", None), ("batch", N), ("hidden_size", H)], "h_n", where,
                  "keras_outputs takes the (output, h_n) of an RNN with one direction, as Keras' "
                  "SimpleRNN has; a bidirectional output has 2 * hidden_size features. For one "
                  "layer, h_n is (1, batch, hidden_size).")
    return_sequences = v.flag(return_sequences, "return_sequences", where)
    return_state = v.flag(return_state, "return_state", where)
    go_backwards = v.flag(go_backwards, "go_backwards", where)
    if lengths is not None:
        lengths = v.lengths(lengths, N, T, where)
    return output, h_n, return_sequences, return_state, lengths, go_backwards


@checked_by(_check_keras_outputs)
def keras_outputs(output, h_n, return_sequences=False, return_state=False, lengths=None,
                  go_backwards=False):
    """What keras.layers.SimpleRNN(return_sequences=..., return_state=...) returns.

    output (N, T, H), h_n (1, N, H): the result of a one-layer, one-direction rnnlib.RNN.
    Keras returns the last output only unless asked for the sequence, and the final state
    only when asked:

        return_sequences  return_state   Keras returns
        False             False          output[:, -1]                  (N, H)
        True              False          output                         (N, T, H)
        False             True           [output[:, -1], h_n[-1]]       both (N, H), equal
        True              True           [output, h_n[-1]]              (N, T, H), (N, H)

    torch always returns both (output, h_n); Keras drops what was not asked for and gives
    the state without torch's leading (num_layers * num_directions) axis.
    With go_backwards=True, rnnlib's output is in reading order, as Keras' is, so
    output[:, -1] is still the state after the last step read.

    Padded batches: pass the lengths (N,) the RNN was called with, to get what Keras returns
    when its mask marks the first lengths[n] steps of each row (keras.layers.Masking or
    mask=). rnnlib, like torch, puts each sequence's real outputs first and zeros after
    them. Keras instead repeats the last real output over the padding; with go_backwards=True
    it flips the whole padded row, so it writes zeros on the padding, which now comes first,
    and ends with the real outputs. Either way the last output is each sequence's final state,
    h_n[-1]. go_backwards only matters when lengths are given. Without lengths the arrays are
    returned as they are, not copied.
    """
    if lengths is not None:
        # src[n, t]: the step of rnnlib's output that Keras shows at step t (a zero if < 0)
        N, T, _ = output.shape
        L, t = lengths[:, None], np.arange(T)                            # (N, 1), (T,)
        src = t - (T - L) if go_backwards else np.minimum(t, L - 1)      # (N, T)
        output = np.where(src[..., None] >= 0,
                          output[np.arange(N)[:, None], np.maximum(src, 0)], 0.0)   # (N, T, H)
    out = output if return_sequences else output[:, -1]        # (N, T, H) or (N, H)
    return [out, h_n[-1]] if return_state else out


def _one_layer_state_dict(d, where: str) -> dict:
    """A torch.nn.RNN state_dict of one layer and one direction, with or without biases."""
    if not isinstance(d, dict):
        raise TypeError(f"{where}: expected a dict of arrays such as rnn.state_dict(), "
                        f"got {type(d).__name__}.")
    others = [k for k in d if not str(k).endswith("_l0")]
    if others:
        raise ValueError(f"{where}: Keras' SimpleRNN has one layer and one direction, but the "
                         f"state_dict also has {others}. A stacked or bidirectional RNN becomes "
                         f"several Keras layers: convert each layer and direction on its own, "
                         f"renamed to the keys weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.")
    if "weight_ih_l0" not in d:
        raise ValueError(f"{where}: the state_dict has no 'weight_ih_l0', got keys {list(d)}. "
                         f"Pass a state_dict like rnnlib.RNN(...).state_dict().")
    w = v.as_float_array(d["weight_ih_l0"], "state_dict['weight_ih_l0']", where)
    v.check_shape(w, [("hidden_size", None), ("input_size", None)], "state_dict['weight_ih_l0']", where,
                "torch's weight_ih_l0 is (hidden_size, input_size).")
    H, F = w.shape
    expected = {"weight_ih_l0": (H, F), "weight_hh_l0": (H, H)}
    if "bias_ih_l0" in d or "bias_hh_l0" in d:
        expected.update(bias_ih_l0=(H,), bias_hh_l0=(H,))
    return v.state_dict(d, expected, where)


# --- the reference values the course compares against ----------------------------------

REFERENCE = pathlib.Path(__file__).resolve().parent.parent / "assets" / "reference"


def load_reference(name):
    """The arrays of assets/reference/<name>.npz, made with torch and Keras by tools/*.py.

    Returns a dict name -> array, with "config" parsed from its JSON. Found through the
    package, so it works from any working directory; loaded with allow_pickle=False.
    """
    path = REFERENCE / f"{name}.npz"
    if not path.is_file():
        known = sorted(p.stem for p in REFERENCE.glob("*.npz"))
        raise ValueError(f"load_reference: there is no reference file {name!r} in {REFERENCE.name}/; "
                         f"the files are {known}.")
    with np.load(path, allow_pickle=False) as f:
        out = {k: f[k] for k in f.files}
    if "config" in out:
        out["config"] = json.loads(str(out["config"]))
    return out
