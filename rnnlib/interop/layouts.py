"""One layer's weights in three layouts: rnnlib's functions, PyTorch's state_dict and Keras'
get_weights(), and what Keras' return_sequences / return_state return.

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
the same thing; from_keras_simple_rnn puts all of it in bias_ih and zeros in bias_hh.

rnnlib.RNN stores torch's layout (its state_dict is torch's), so torch weights load directly:

    rnn.load_state_dict({k: v.numpy() for k, v in torch_rnn.state_dict().items()})

and Keras weights go through from_keras_simple_rnn / to_keras_simple_rnn:

    rnn.load_state_dict(from_keras_simple_rnn(*keras_layer.get_weights()))
    keras_layer.set_weights(list(to_keras_simple_rnn(rnn.state_dict())))

The gated cells differ in more than the transposes. Their weights hold several blocks of
H columns (rows in torch) side by side, and the GRU's blocks come in another order:

    LSTM   torch.nn.LSTM     weight_ih_l0 (4H, F), weight_hh_l0 (4H, H),   blocks i, f, g, o
                             bias_ih_l0 (4H,), bias_hh_l0 (4H,)
           Keras LSTM        kernel (F, 4H), recurrent_kernel (H, 4H),    blocks i, f, c, o
                             bias (4H,)
           The same order (Keras calls the candidate c, torch g), so kernel = weight_ih^T,
           and as for SimpleRNN, bias = bias_ih + bias_hh.

    GRU    torch.nn.GRU      weight_ih_l0 (3H, F), weight_hh_l0 (3H, H),   blocks r, z, n
                             bias_ih_l0 (3H,), bias_hh_l0 (3H,)
           Keras GRU         kernel (F, 3H), recurrent_kernel (H, 3H),    blocks z, r, h
           (reset_after=True, bias (2, 3H): row 0 the input bias, row 1 the recurrent bias
           Keras' default)
           The reset and update blocks swap places: kernel = weight_ih^T with its first two
           blocks of H columns swapped, bias[0] = bias_ih and bias[1] = bias_hh swapped the
           same way. Both biases are kept, because the recurrent one of the candidate block
           sits inside r * (h W_hn^T + b_hn) and cannot be folded into the input one.
           A GRU(reset_after=False) computes r * h before the product instead; torch has no
           such GRU, and from_keras_gru refuses its (3H,) bias.

    rnnlib.LSTM(F, H).load_state_dict(from_keras_lstm(*keras_lstm.get_weights()))
    keras_gru.set_weights(list(to_keras_gru(rnnlib_gru.state_dict())))

The functions in rnnlib.gated take Wx = weight_ih^T and Wh = weight_hh^T in torch's block
order, so a Keras LSTM's kernel and recurrent_kernel go into them as they are.

This module needs only numpy: it never imports torch or Keras.
"""
from __future__ import annotations

import numpy as np

from .. import _validation as v
from .._validation import checked_by

_TORCH_LAYOUT_HINT = ("Keras stores kernel as (input_size, units) and recurrent_kernel as "
                      "(units, units); a torch weight_ih_l0 is (units, input_size), the transpose. "
                      "Pass Keras' get_weights() in its order: kernel, recurrent_kernel, bias.")


def from_keras_simple_rnn(kernel, recurrent_kernel, bias=None):
    """Keras SimpleRNN weights -> a one-layer torch.nn.RNN / rnnlib.RNN state_dict.

    kernel (F, H), recurrent_kernel (H, H), bias (H,) or None (a SimpleRNN(use_bias=False))
    ->  {"weight_ih_l0": kernel^T (H, F), "weight_hh_l0": recurrent_kernel^T (H, H),
         "bias_ih_l0": bias (H,), "bias_hh_l0": zeros (H,)}
    Without a bias the two bias entries are left out, as in torch.nn.RNN(bias=False).

    The arrays are new copies with the dtype they came with.
    Usage: rnnlib.RNN(F, H).load_state_dict(from_keras_simple_rnn(*keras_layer.get_weights())).
    """
    where = "from_keras_simple_rnn"
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


def to_keras_simple_rnn(state_dict):
    """A one-layer, one-direction torch.nn.RNN / rnnlib.RNN state_dict -> Keras SimpleRNN weights.

    {"weight_ih_l0" (H, F), "weight_hh_l0" (H, H), "bias_ih_l0" (H,), "bias_hh_l0" (H,)}
    ->  (kernel = weight_ih^T (F, H), recurrent_kernel = weight_hh^T (H, H),
         bias = bias_ih + bias_hh (H,))
    A state_dict without biases (bias=False) gives bias None: use SimpleRNN(use_bias=False)
    and set_weights([kernel, recurrent_kernel]).

    The arrays are new copies. Usage: keras_layer.set_weights(list(to_keras_simple_rnn(rnn.state_dict()))).
    """
    d = _one_layer_state_dict(state_dict, "to_keras_simple_rnn")
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


def _one_layer_state_dict(d, where: str, gates: int = 1) -> dict:
    """A torch.nn.RNN (gates=1), LSTM (4) or GRU (3) state_dict of one layer and one
    direction, with or without biases."""
    keras_name, torch_name = {1: ("SimpleRNN", "RNN"), 4: ("LSTM", "LSTM"), 3: ("GRU", "GRU")}[gates]
    if not isinstance(d, dict):
        raise TypeError(f"{where}: expected a dict of arrays such as {torch_name.lower()}.state_dict(), "
                        f"got {type(d).__name__}.")
    others = [k for k in d if not str(k).endswith("_l0")]
    if others:
        raise ValueError(f"{where}: Keras' {keras_name} has one layer and one direction, but the "
                         f"state_dict also has {others}. A stacked or bidirectional {torch_name} becomes "
                         f"several Keras layers: convert each layer and direction on its own, "
                         f"renamed to the keys weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.")
    if "weight_ih_l0" not in d:
        raise ValueError(f"{where}: the state_dict has no 'weight_ih_l0', got keys {list(d)}. "
                         f"Pass a state_dict like rnnlib.{torch_name}(...).state_dict().")
    w = v.as_float_array(d["weight_ih_l0"], "state_dict['weight_ih_l0']", where)
    rows = "hidden_size" if gates == 1 else f"{gates}*hidden_size"
    v.check_shape(w, [(rows, None), ("input_size", None)], "state_dict['weight_ih_l0']", where,
                  f"torch's weight_ih_l0 is ({rows}, input_size).")
    H, F = w.shape[0] // gates, w.shape[1]
    if gates > 1:
        _gated_rows(d, w, gates, torch_name, where)
    expected = {"weight_ih_l0": (gates * H, F), "weight_hh_l0": (gates * H, H)}
    if "bias_ih_l0" in d or "bias_hh_l0" in d:
        expected.update(bias_ih_l0=(gates * H,), bias_hh_l0=(gates * H,))
    return v.state_dict(d, expected, where)


# --- the gated cells: Keras LSTM and GRU ---------------------------------------------------

def _gated_rows(d, w, gates, torch_name, where):
    """weight_ih_l0 (k*H, F) and weight_hh_l0 (k*H, H) hold the k blocks of one cell, H from
    weight_hh_l0; an LSTM's state_dict given for a GRU (or the reverse) is named as such."""
    if "weight_hh_l0" not in d:
        return                                 # state_dict() names the missing key
    wh = v.as_float_array(d["weight_hh_l0"], "state_dict['weight_hh_l0']", where)
    v.check_shape(wh, [(f"{gates}*hidden_size", None), ("hidden_size", None)],
                  "state_dict['weight_hh_l0']", where,
                  f"torch's weight_hh_l0 is ({gates}*hidden_size, hidden_size).")
    H = wh.shape[1]
    if wh.shape[0] != gates * H or w.shape[0] != gates * H:
        other, k = ("GRU", 3) if gates == 4 else ("LSTM", 4)
        article = "an" if torch_name == "LSTM" else "a"
        hint = (f"Pass the state_dict of an rnnlib.{torch_name} or torch.nn.{torch_name}.")
        if wh.shape[0] == k * H and w.shape[0] == k * H:
            hint = (f"These are the {k} blocks of a {other}'s weights: use "
                    f"to_keras_{other.lower()}.")
        raise ValueError(f"{where}: {article} {torch_name}'s weight_ih_l0 and weight_hh_l0 should have "
                         f"{gates}*hidden_size rows, {gates} blocks of hidden_size = "
                         f"weight_hh_l0.shape[1] = {H}, so shapes ({gates * H}, input_size) and "
                         f"({gates * H}, {H}); got {v.fmt_shape(w.shape)} and "
                         f"{v.fmt_shape(wh.shape)}. {hint}")


def _swap_rz(a):
    """Swap the first two of three blocks along the last axis: torch's r, z, n <-> Keras' z, r, h.
    The swap is its own inverse. Returns a new array."""
    H = a.shape[-1] // 3
    return np.concatenate([a[..., H:2 * H], a[..., :H], a[..., 2 * H:]], axis=-1)


def _keras_gated_weights(kernel, recurrent_kernel, gates, where):
    """kernel (F, k*units), recurrent_kernel (units, k*units); units from recurrent_kernel."""
    layer, blocks, other = {4: ("LSTM", "i, f, c, o", "from_keras_gru"),
                            3: ("GRU", "z, r, h", "from_keras_lstm")}[gates]
    torch_hint = (f"Keras stores kernel as (input_size, {gates}*units) and recurrent_kernel as "
                  f"(units, {gates}*units); torch's weight_ih_l0 is ({gates}*units, input_size), "
                  f"the transpose. Pass Keras' get_weights() in its order: kernel, "
                  f"recurrent_kernel, bias.")
    recurrent_kernel = v.array(recurrent_kernel, [("units", None), (f"{gates}*units", None)],
                               "recurrent_kernel", where, torch_hint)
    rows, cols = recurrent_kernel.shape
    H = rows
    if cols != gates * H:
        if rows == gates * cols:                               # torch's (k*units, units)
            raise ValueError(f"{where}: recurrent_kernel should have shape (units, {gates}*units), "
                             f"got {v.fmt_shape(recurrent_kernel.shape)}: torch's layout of "
                             f"weight_hh_l0, ({gates}*units, units) with units = {cols}. Pass "
                             f"Keras' own weights (layer.get_weights()), or load a torch "
                             f"state_dict into rnnlib.{layer} directly with load_state_dict.")
        hint = torch_hint
        if cols == (7 - gates) * H:                            # 3 <-> 4: the other cell's
            hint = (f"Its {cols} columns are the {7 - gates} blocks of a Keras "
                    f"{'GRU' if gates == 4 else 'LSTM'}: use {other}.")
        raise ValueError(f"{where}: recurrent_kernel should have shape (units, {gates}*units) = "
                         f"({H}, {gates * H}) with units = its number of rows, got "
                         f"{v.fmt_shape(recurrent_kernel.shape)}. Its columns hold the {layer}'s "
                         f"{gates} blocks {blocks} side by side, units columns each. {hint}")
    kernel = v.array(kernel, [("input_size", None), (f"{gates}*units", gates * H)], "kernel",
                     where, f"units = recurrent_kernel.shape[0] = {H}. {torch_hint}")
    return kernel, recurrent_kernel, H


def from_keras_lstm(kernel, recurrent_kernel, bias=None):
    """Keras LSTM weights -> a one-layer torch.nn.LSTM / rnnlib.LSTM state_dict.

    kernel (F, 4H), recurrent_kernel (H, 4H), bias (4H,) or None (LSTM(use_bias=False)),
    blocks i, f, c, o: torch's i, f, g, o, the same order
    ->  {"weight_ih_l0": kernel^T (4H, F), "weight_hh_l0": recurrent_kernel^T (4H, H),
         "bias_ih_l0": bias (4H,), "bias_hh_l0": zeros (4H,)}
    Without a bias the two bias entries are left out, as in torch.nn.LSTM(bias=False).

    The arrays are new copies with the dtype they came with.
    Usage: rnnlib.LSTM(F, H).load_state_dict(from_keras_lstm(*keras_lstm.get_weights())).
    """
    where = "from_keras_lstm"
    kernel, recurrent_kernel, H = _keras_gated_weights(kernel, recurrent_kernel, 4, where)
    if bias is not None:
        bias = v.array(bias, [("4*units", 4 * H)], "bias", where,
                       "Keras' LSTM has one bias with an entry per unit of each of its four "
                       "blocks. For a layer without a bias (use_bias=False) leave bias out.")
    state = {"weight_ih_l0": kernel.T.copy(),                  # (4H, F)
             "weight_hh_l0": recurrent_kernel.T.copy()}        # (4H, H)
    if bias is not None:
        state["bias_ih_l0"] = bias.copy()                      # (4H,)
        state["bias_hh_l0"] = np.zeros_like(bias)              # (4H,) Keras has one bias only
    return state


def to_keras_lstm(state_dict):
    """A one-layer, one-direction torch.nn.LSTM / rnnlib.LSTM state_dict -> Keras LSTM weights.

    {"weight_ih_l0" (4H, F), "weight_hh_l0" (4H, H), "bias_ih_l0" (4H,), "bias_hh_l0" (4H,)}
    ->  (kernel = weight_ih^T (F, 4H), recurrent_kernel = weight_hh^T (H, 4H),
         bias = bias_ih + bias_hh (4H,)), blocks i, f, g(= Keras' c), o in both
    A state_dict without biases gives bias None: use LSTM(use_bias=False) and
    set_weights([kernel, recurrent_kernel]).

    The arrays are new copies. Usage: keras_lstm.set_weights(list(to_keras_lstm(lstm.state_dict()))).
    """
    d = _one_layer_state_dict(state_dict, "to_keras_lstm", gates=4)
    kernel = d["weight_ih_l0"].T.copy()                        # (F, 4H)
    recurrent_kernel = d["weight_hh_l0"].T.copy()              # (H, 4H)
    bias = d["bias_ih_l0"] + d["bias_hh_l0"] if "bias_ih_l0" in d else None   # (4H,)
    return kernel, recurrent_kernel, bias


def from_keras_gru(kernel, recurrent_kernel, bias=None):
    """Keras GRU(reset_after=True) weights -> a one-layer torch.nn.GRU / rnnlib.GRU state_dict.

    kernel (F, 3H), recurrent_kernel (H, 3H) with blocks z, r, h; bias (2, 3H) (row 0 the
    input bias, row 1 the recurrent bias) or None (GRU(use_bias=False))
    ->  {"weight_ih_l0" (3H, F), "weight_hh_l0" (3H, H), "bias_ih_l0" (3H,), "bias_hh_l0" (3H,)}
    in torch's block order r, z, n: each transposed with its z and r blocks swapped.

    The arrays are new copies with the dtype they came with.
    Usage: rnnlib.GRU(F, H).load_state_dict(from_keras_gru(*keras_gru.get_weights())).
    """
    where = "from_keras_gru"
    kernel, recurrent_kernel, H = _keras_gated_weights(kernel, recurrent_kernel, 3, where)
    if bias is not None:
        hint = ("Keras' GRU(reset_after=True), the default, has two biases as the rows of one "
                "(2, 3*units) array: row 0 for the input, row 1 for the recurrent product. For "
                "a layer without a bias (use_bias=False) leave bias out.")
        if np.ndim(bias) == 1 and np.shape(bias)[0] == 3 * H:
            hint = ("A (3*units,) bias comes from GRU(reset_after=False), which multiplies h by r "
                    "before the recurrent product; torch.nn.GRU and rnnlib.GRU compute "
                    "reset_after=True, so such weights cannot be converted. Build the Keras "
                    "layer with reset_after=True.")
        bias = v.as_float_array(bias, "bias", where)
        if bias.shape != (2, 3 * H):
            raise ValueError(f"{where}: bias should have shape (2, 3*units) = (2, {3 * H}), got "
                             f"{v.fmt_shape(bias.shape)}. {hint}")
        v.check_finite(bias, "bias", where)
    state = {"weight_ih_l0": _swap_rz(kernel).T.copy(),                # (3H, F)
             "weight_hh_l0": _swap_rz(recurrent_kernel).T.copy()}      # (3H, H)
    if bias is not None:
        state["bias_ih_l0"] = _swap_rz(bias[0])                         # (3H,)
        state["bias_hh_l0"] = _swap_rz(bias[1])                         # (3H,)
    return state


def to_keras_gru(state_dict):
    """A one-layer, one-direction torch.nn.GRU / rnnlib.GRU state_dict -> Keras GRU weights.

    {"weight_ih_l0" (3H, F), "weight_hh_l0" (3H, H), "bias_ih_l0" (3H,), "bias_hh_l0" (3H,)},
    blocks r, z, n  ->  (kernel (F, 3H), recurrent_kernel (H, 3H), bias (2, 3H)) for
    keras.layers.GRU(reset_after=True), blocks z, r, h: transposed, r and z swapped, and
    bias = [bias_ih, bias_hh] as two rows. Without biases bias is None: use
    GRU(use_bias=False) and set_weights([kernel, recurrent_kernel]).

    The arrays are new copies. Usage: keras_gru.set_weights(list(to_keras_gru(gru.state_dict()))).
    """
    d = _one_layer_state_dict(state_dict, "to_keras_gru", gates=3)
    kernel = _swap_rz(d["weight_ih_l0"].T)                     # (F, 3H)
    recurrent_kernel = _swap_rz(d["weight_hh_l0"].T)           # (H, 3H)
    bias = None
    if "bias_ih_l0" in d:
        bias = np.stack([_swap_rz(d["bias_ih_l0"]), _swap_rz(d["bias_hh_l0"])])   # (2, 3H)
    return kernel, recurrent_kernel, bias
