"""Check for notebook 10's exercise: a Keras SimpleRNN's weights in torch's layout.

The learner writes simple_rnn_from_keras(kernel, recurrent_kernel, bias) -> the state_dict of a
one-layer torch.nn.RNN (and rnnlib.RNN):

    {"weight_ih_l0": kernel^T (H, F), "weight_hh_l0": recurrent_kernel^T (H, H),
     "bias_ih_l0": bias (H,), "bias_hh_l0": zeros (H,)}

new arrays in the dtype the weights came in, as rnnlib.interop.from_keras_simple_rnn returns.
torch only ever adds its two biases, so other splits of Keras' one bias compute the same layer;
the exercise asks for this one split, the library's, so that there is one answer to compare
with, and the check says so when it sees another.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from ..interop import layouts
from ._core import MATCH, Check, Out, describe, fresh, most_telling, real_array, rel_error, replaces

KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
# (F, H, dtype): F == H first, where a missing transpose shows in the numbers (and its
# diagnosis), F != H, where it changes the shape, and float32 weights whose dtype the state_dict keeps
CASES = ((4, 4, np.float64), (3, 4, np.float64), (2, 3, np.float32))

_SAME_LAYER = ("torch only ever adds bias_ih_l0 and bias_hh_l0, so this layer computes the same "
               "numbers; but the exercise asks for the split rnnlib.interop.from_keras_simple_rnn "
               "makes, the whole bias in bias_ih_l0 and zeros in bias_hh_l0, so that there is one "
               "state_dict to compare with.")


def _key_hint(keys):
    """A sentence about how the learner's key names differ from torch's, or ''."""
    names = [str(k) for k in keys]
    if any(n in ("kernel", "recurrent_kernel", "bias") for n in names):
        return ("kernel, recurrent_kernel and bias are Keras' names; the state_dict uses torch's "
                "names for the same arrays, transposed.")
    if any(n in ("Wx", "Wh", "b", "W_ih", "W_hh") for n in names):
        return ("Wx, Wh and b are the names of rnnlib's functions; a state_dict uses torch.nn.RNN's "
                "parameter names.")
    if any(n.startswith("rnn.") for n in names):
        return ("rnn. is the prefix a SequenceModel gives the layer inside it; the state_dict of "
                "the layer itself has none.")
    if any(n + "_l0" in KEYS for n in names):
        return "torch's names end in _l0, the number of the layer (0 for the first)."
    if "bias_ih_l0" in names and "bias_hh_l0" not in names:
        return ("torch.nn.RNN has two biases; Keras has one, so bias_hh_l0 is a vector of zeros "
                "(of the bias's shape and dtype).")
    return ""


def _as_state_dict(got):
    """(the dict, None) when got is a dict with exactly torch's four keys; else (None, sentence)."""
    if not isinstance(got, dict):
        extra = ""
        if isinstance(got, (tuple, list)):
            extra = (" A state_dict maps each parameter's name to its array: "
                     "{'weight_ih_l0': ..., 'weight_hh_l0': ..., 'bias_ih_l0': ..., 'bias_hh_l0': ...}.")
        return None, f"the function returned {describe(got)}; it should return a dict, the state_dict.{extra}"
    keys = list(got)
    missing = [k for k in KEYS if k not in keys]
    extra = [k for k in keys if k not in KEYS]
    if not missing and not extra:
        return got, None
    parts = []
    if missing:
        parts.append("no " + ", ".join(repr(k) for k in missing))
    if extra:
        parts.append("keys torch does not have: " + ", ".join(repr(k) for k in extra))
    hint = _key_hint(keys)
    return None, (f"the dict has {' and '.join(parts)}. A one-layer torch.nn.RNN's state_dict has "
                  f"exactly the keys {', '.join(KEYS)}." + (f" {hint}" if hint else ""))


def _mistakes(kernel, recurrent_kernel, bias):
    """(message, values per key of KEYS) of the likely wrong mappings."""
    zeros = np.zeros_like(bias)
    F, H = kernel.shape
    return [
        ("{names} {is} Keras' kernel with its numbers in their original order (kernel as it is, "
         "or kernel.reshape(...), which keeps that order): torch stores it transposed, "
         "weight_ih_l0 = kernel.T (hidden_size, input_size).", [kernel, None, None, None]),
        ("{names} {is} kernel.reshape(hidden_size, input_size): the shape is torch's, but a "
         "reshape keeps the numbers in their order in memory, so the rows are not kernel's "
         "columns. Transpose instead: weight_ih_l0 = kernel.T.",
         # when F == H the reshape is kernel itself: the line above names it
         [kernel.reshape(H, F) if F != H else None, None, None, None]),
        ("{names} {is} recurrent_kernel as it is (a reshape to (H, H) changes nothing either): "
         "torch stores it transposed, weight_hh_l0 = recurrent_kernel.T. It is square, so the "
         "shape cannot tell; the numbers do.", [None, recurrent_kernel, None, None]),
        ("kernel and recurrent_kernel are in each other's place: kernel multiplies the input, so "
         "weight_ih_l0 = kernel.T; recurrent_kernel multiplies h, so weight_hh_l0 = "
         "recurrent_kernel.T.", [recurrent_kernel.T, kernel.T, None, None]),
        ("Keras' bias is in bias_hh_l0 as well as in bias_ih_l0: torch adds the two, so this "
         "layer would add the bias twice. Keras has one bias: put it in bias_ih_l0 and zeros in "
         "bias_hh_l0.", [None, None, bias, bias]),
        ("bias_ih_l0 and bias_hh_l0 are both zeros: Keras' bias is lost, so this layer has no "
         "bias at all and computes other numbers. Put Keras' bias in bias_ih_l0 (bias.copy()) and "
         "zeros in bias_hh_l0.", [None, None, zeros, zeros]),
        ("the whole of Keras' bias is in bias_hh_l0 and zeros in bias_ih_l0. " + _SAME_LAYER,
         [None, None, zeros, bias]),
        ("bias_ih_l0 and bias_hh_l0 each hold half of Keras' bias. " + _SAME_LAYER,
         [None, None, bias / 2, bias / 2]),
        ("bias_hh_l0 should be zeros (Keras has one bias, all of it in bias_ih_l0); here it is "
         "ones.", [None, None, None, np.ones_like(bias)]),
    ]


def _consistent(mistakes, got):
    """The mistakes whose every named array is what the learner returned. A mistake that would
    explain one wrong entry but says something else about another is not the learner's: zeros
    in both biases match the zeros in bias_ih_l0 of "all of the bias in bias_hh_l0", whose
    bias_hh_l0 is not zeros."""
    keep = []
    for message, values in mistakes:
        agree = True
        for key, v in zip(KEYS, values):
            if v is None:
                continue
            g = real_array(got[key])
            if g is None or g.shape != np.shape(v) or rel_error(g, v) >= MATCH:
                agree = False
                break
        if agree:
            keep.append((message, values))
    return keep


def _shares(value, inputs):
    """The name of the input array value shares memory with, or None."""
    if not isinstance(value, np.ndarray):
        return None
    for name, a in inputs:
        try:
            if np.shares_memory(value, a, max_work=10_000):
                return name
        except (TypeError, ValueError, np.exceptions.TooHardError):
            if np.may_share_memory(value, a):
                return name
    return None


@replaces("rnnlib.interop.from_keras_simple_rnn", "rnnlib.interop.layouts.from_keras_simple_rnn",
          "rnnlib.interop.from_keras")
def check_simple_rnn_from_keras(fn):
    """fn(kernel, recurrent_kernel, bias) -> dict: a Keras SimpleRNN's get_weights() as the
    state_dict of a one-layer torch.nn.RNN (rnnlib.RNN), as rnnlib.interop.from_keras_simple_rnn.

    kernel (F, H), recurrent_kernel (H, H), bias (H,) -> {"weight_ih_l0": kernel.T (H, F),
    "weight_hh_l0": recurrent_kernel.T (H, H), "bias_ih_l0": bias, "bias_hh_l0": zeros}, new
    arrays (not views of the inputs) in the inputs' dtype. Cases: F != H, F == H (a missing
    transpose keeps the shape), float32 weights.
    """
    c = Check("check_simple_rnn_from_keras", fn, "fn(kernel, recurrent_kernel, bias)",
              "rnnlib.interop.from_keras_simple_rnn")

    def case(seed, F, H, dtype):
        rng = np.random.default_rng(seed)
        kernel = rng.normal(0, 0.5, (F, H)).astype(dtype)
        recurrent_kernel = rng.normal(0, 0.5, (H, H)).astype(dtype)
        bias = rng.normal(0, 0.5, H).astype(dtype)
        want = layouts.from_keras_simple_rnn(kernel, recurrent_kernel, bias)
        args = fresh(kernel, recurrent_kernel, bias)
        got, problem = _as_state_dict(c.call(*args))
        if problem:
            return [problem]
        hints = {}
        if F != H:
            hints = {(F, H): "that is Keras' layout (input_size, units); torch's weight_ih_l0 is "
                             "its transpose, (units, input_size) = kernel.T."}
        outs = [Out(k, got[k], want[k], axes=("hidden", "input") if k == "weight_ih_l0" else
                    ("hidden", "hidden") if k == "weight_hh_l0" else ("hidden",),
                    hints=hints if k == "weight_ih_l0" else None) for k in KEYS]
        mistakes = _mistakes(kernel, recurrent_kernel, bias)
        problems = c.compare(outs, most_telling(outs, _consistent(mistakes, got)))
        if problems:
            return problems
        inputs = list(zip(("kernel", "recurrent_kernel", "bias"), args))
        for k in KEYS:
            source = _shares(got[k], inputs)
            if source:
                how = "is the very array" if got[k] is dict(inputs)[source] else "is a view of"
                return [f"{k} {how} {source} you were given, not a copy: the two share memory, so "
                        f"changing the Keras weights later would change the state_dict too (and "
                        f"the reverse). Return new arrays, e.g. kernel.T.copy(), bias.copy()."]
        for k in KEYS:
            if not isinstance(got[k], np.ndarray):
                return [f"{k} is a {type(got[k]).__name__}, not a numpy array: return arrays, "
                        f"as the library does (kernel.T.copy() is one, np.zeros_like(bias) another)."]
        for k in KEYS:
            dt = getattr(got[k], "dtype", None)
            if dt is None or dt != np.dtype(dtype):
                return [f"{k} has dtype {dt if dt is not None else type(got[k]).__name__}, but the "
                        f"Keras weights are {np.dtype(dtype)}: keep their dtype (np.zeros_like(bias) "
                        f"makes zeros of the bias's dtype), so that the layer computes in the "
                        f"precision it was given."]
        return []

    return c.run([(f"F={F}, H={H}, {np.dtype(dt)}", partial(case, 400 + j, F, H, dt))
                  for j, (F, H, dt) in enumerate(CASES)])
