"""Every input check in rnnlib, and the wording of every error a learner can see.

Each check takes ``where`` (the public function or method the learner called, such as
``"RNN.forward"``) so the message starts with the place the mistake was made. A message says
what came, what was expected, and how to fix it. Checks never modify their input; a method
runs all of its checks before it changes anything on its object, so a failed call leaves the
object as it was.
"""
from __future__ import annotations

import numbers

import numpy as np

NONLINEARITIES = ("tanh", "relu", "leaky_relu")


def fmt_shape(shape) -> str:
    """(5, 4) for a 2-tuple, (5,) for a 1-tuple: the way numpy prints shapes."""
    return str(tuple(int(s) for s in shape))


def fmt_expected(dims) -> str:
    """[("batch", None), ("input_size", 4)] -> '(batch, input_size=4)'."""
    parts = [name if size is None else f"{name}={size}" for name, size in dims]
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def as_float_array(value, name: str, where: str) -> np.ndarray:
    """Turn value into a floating-point ndarray without copying it, or explain why not.

    Integer and boolean arrays are refused rather than cast: silently turning a one-hot int
    array into floats is harmless, but silently truncating float weights into ints is not,
    and rnnlib cannot tell the two apart.
    """
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):  # ragged nested lists end here
            raise TypeError(
                f"{where}: {name} could not be turned into an array: its nested lists have "
                f"different lengths, or hold something that is not a number. Pass a numpy "
                f"array of floats whose rows all have the same length (pad shorter sequences)."
            ) from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
        raise TypeError(
            f"{where}: {name} should be a numeric array, got dtype {arr.dtype}. "
            f"Pass a numpy array of floats, e.g. np.asarray({name}, dtype=np.float64)."
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{where}: {name} should be real-valued, got dtype {arr.dtype}. "
                        f"Pass {name}.real if the imaginary part is zero.")
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"{where}: {name} should be a floating-point array, got dtype {arr.dtype}. "
            f"rnnlib computes in floating point and does not cast for you; "
            f"use {name}.astype(np.float64)."
        )
    return arr


def check_finite(arr: np.ndarray, name: str, where: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"{where}: {name} contains {arr[bad]} at index {bad}; every value should be a "
            f"finite number. Look for a division by zero or an overflow where {name} was made."
        )


def check_shape(arr: np.ndarray, dims, name: str, where: str, hint: str = "") -> None:
    """dims is a list of (axis name, required size or None for any size >= 1)."""
    expected = fmt_expected(dims)
    ok = arr.ndim == len(dims) and all(
        (size is None and n >= 1) or n == size for n, (_, size) in zip(arr.shape, dims))
    if not ok:
        msg = f"{where}: {name} should have shape {expected}, got {fmt_shape(arr.shape)}."
        if arr.ndim == len(dims) and 0 in arr.shape:
            msg += " An axis of length 0 means there is nothing to compute; give every axis at least one entry."
        raise ValueError(msg + (" " + hint if hint else ""))


def array(value, dims, name: str, where: str, hint: str = "") -> np.ndarray:
    """The usual check of a numeric input: float dtype, shape, finite values."""
    arr = as_float_array(value, name, where)
    check_shape(arr, dims, name, where, hint)
    check_finite(arr, name, where)
    return arr


def sequence_hint(arr, name: str = "x") -> str:
    """Advice for the most common shape mistake: a sequence given without its batch axis."""
    ndim = getattr(arr, "ndim", None)
    if ndim is None:
        try:
            ndim = np.ndim(arr)
        except ValueError:  # a ragged list: as_float_array explains that one
            return ""
    if ndim == 2:
        return (f"A 2-D {name} looks like one sequence without a batch axis; "
                f"use {name}[None] for a batch of one.")
    if ndim == 1:
        return f"A 1-D {name} looks like one timestep of one sequence; use {name}[None, None]."
    return ""


def nonlinearity(value, where: str) -> str:
    if value not in NONLINEARITIES:
        raise ValueError(
            f"{where}: nonlinearity should be one of {', '.join(map(repr, NONLINEARITIES))}, "
            f"got {value!r}. Pick one of those names (lower case, with an underscore).")
    return value


def positive_int(value, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} should be a positive whole number, got {value!r}. "
                         f"Use an int such as {name}=4.")
    return int(value)


def probability(value, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{where}: {name} should be a number in [0, 1), got {value!r}. "
                         f"It is the probability of zeroing a unit; 0.0 turns it off.")
    return float(value)


def flag(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} should be True or False, got {value!r}.")
    return bool(value)


def lengths(value, batch: int, time: int, where: str) -> np.ndarray:
    """Sequence lengths: N whole numbers in 1..T."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # a ragged nested list
        raise TypeError(f"{where}: lengths should be one whole number per sequence, got a ragged "
                        f"{type(value).__name__}. Pass e.g. np.array([5, 3, 2]).") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{where}: lengths should hold whole numbers, got dtype {arr.dtype}. "
                            f"Pass e.g. np.array([5, 3, 2]).")
    if arr.shape != (batch,):
        raise ValueError(f"{where}: lengths should have shape (batch={batch},), one length per "
                         f"sequence, got {fmt_shape(arr.shape)}.")
    if arr.min() < 1 or arr.max() > time:
        bad = int(np.argmax((arr < 1) | (arr > time)))
        raise ValueError(f"{where}: lengths[{bad}] is {int(arr[bad])}, but every length should be "
                         f"between 1 and the padded length time={time}. Pad x to the longest "
                         f"sequence and drop empty sequences from the batch.")
    return arr


def seed(value, where: str):
    """A seed for np.random.default_rng: None, a whole number >= 0, a SeedSequence or a Generator."""
    if value is None or isinstance(value, (np.random.SeedSequence, np.random.Generator)):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: seed should be None or a whole number, got {value!r}. "
                        f"Use e.g. seed=0: the same seed gives the same numbers on every run.")
    if value < 0:
        raise ValueError(f"{where}: seed should be a whole number >= 0, got {value!r}. "
                         f"Use e.g. seed=0.")
    return int(value)


def state_dict(d, expected: dict, where: str) -> dict:
    """Check a state dict against {name: shape}; return float64 copies, never views."""
    if not isinstance(d, dict):
        raise TypeError(f"{where}: expected a dict of arrays, got {type(d).__name__}.")
    missing = [k for k in expected if k not in d]
    extra = [k for k in d if k not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing keys {missing}")
        if extra:
            parts.append(f"unexpected keys {extra}")
        raise ValueError(f"{where}: {' and '.join(parts)}. Expected exactly {list(expected)}; "
                         f"check num_layers, bias and bidirectional match the saved model.")
    out = {}
    for k, shape in expected.items():
        arr = as_float_array(d[k], f"state_dict[{k!r}]", where)
        if arr.shape != tuple(shape):
            raise ValueError(f"{where}: {k} should have shape {fmt_shape(shape)}, got "
                             f"{fmt_shape(arr.shape)}. Check input_size and hidden_size match "
                             f"the saved model.")
        check_finite(arr, f"state_dict[{k!r}]", where)
        out[k] = np.array(arr, copy=True)
    return out


# --- interop (rnnlib.interop) ------------------------------------------------------------

def one_layer_state_dict(d, where: str) -> dict:
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
    w = as_float_array(d["weight_ih_l0"], "state_dict['weight_ih_l0']", where)
    check_shape(w, [("hidden_size", None), ("input_size", None)], "state_dict['weight_ih_l0']", where,
                "torch's weight_ih_l0 is (hidden_size, input_size).")
    H, F = w.shape
    expected = {"weight_ih_l0": (H, F), "weight_hh_l0": (H, H)}
    if "bias_ih_l0" in d or "bias_hh_l0" in d:
        expected.update(bias_ih_l0=(H,), bias_hh_l0=(H,))
    return state_dict(d, expected, where)


# --- text and padding (rnnlib.text, rnnlib.data) -----------------------------------------

def _short(value, limit: int = 30) -> str:
    """repr of a string, cut short when long, so a message stays one readable line."""
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 4] + "..." + r[-1]     # keep the closing quote


def choice(value, options, name: str, where: str):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{where}: {name} should be one of {', '.join(map(repr, options))}, "
                         f"got {value!r}.")
    return value


def text(value, name: str, where: str, empty: str | None = None) -> str:
    """A str. empty=None allows "", otherwise empty is the advice given when value is ""."""
    if not isinstance(value, str):
        hint = "Pass a Python str such as 'hello'."
        if isinstance(value, (list, tuple)) and all(isinstance(s, str) for s in value):
            hint = (f"For several strings, join them ({name}=''.join(...)), or use the *_batch "
                    f"methods, which take a list of strings.")
        elif isinstance(value, np.ndarray):
            hint = ("Arrays of ids are decoded with vocab.decode(ids); to encode, pass a str.")
        raise TypeError(f"{where}: {name} should be a str, got {type(value).__name__}. {hint}")
    if empty is not None and value == "":
        raise ValueError(f"{where}: {name} is the empty string. {empty}")
    return value


def text_list(value, name: str, where: str) -> list:
    """A non-empty list (or tuple) of non-empty strings: one text per sequence of a batch."""
    if isinstance(value, str):
        raise TypeError(f"{where}: {name} should be a list of strings, one per sequence, got a "
                        f"single str {_short(value)}. For a batch of one, pass [{_short(value)}].")
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{where}: {name} should be a list of strings, one per sequence, got "
                        f"{type(value).__name__}. Pass e.g. ['hello', 'eolll', 'lleel'].")
    if len(value) == 0:
        raise ValueError(f"{where}: {name} is an empty list, so there is no batch to build. "
                         f"Pass at least one string, e.g. ['hello'].")
    for i, s in enumerate(value):
        text(s, f"{name}[{i}]", where, empty="Every sequence in a batch needs at least one "
             "step, because an RNN has nothing to read otherwise; drop empty strings first.")
    return list(value)


def unknown_symbol(symbol: str, position: int, name: str, symbols, where: str) -> ValueError:
    """The error for a character that is not in a vocabulary (returned, for the caller to raise)."""
    known = "".join(symbols)
    return ValueError(
        f"{where}: {name}[{position}] is {symbol!r}, which is not in the vocabulary "
        f"{_short(known, 40)} ({len(symbols)} symbols). Build the Vocab from a text that holds "
        f"every symbol you will encode, or pass unk='?' (any one character) to map unknown "
        f"symbols to one extra symbol.")


def _at(name: str, index) -> str:
    """ids[1, 2], or ids alone for a 0-d array."""
    return f"{name}[{', '.join(str(int(i)) for i in index)}]" if len(index) else name


def ids(value, size: int, name: str, where: str, ndim: int | None = None) -> np.ndarray:
    """Symbol ids: whole numbers in 0 .. size-1, any shape (or exactly ndim axes), as int64.

    Floats are accepted when every value is whole (ids that went through a float array),
    so the check is on the values, not the dtype.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists end here
        raise TypeError(f"{where}: {name} could not be turned into an array: its nested lists "
                        f"have different lengths, or hold something that is not a number. "
                        f"Pass a list or array of whole numbers, e.g. [0, 1, 2, 2, 3].") from None
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        hint = (" To turn text into ids use vocab.encode(text)." if arr.dtype.kind in "US"
                else "")
        raise TypeError(f"{where}: {name} should hold whole numbers (positions in the "
                        f"vocabulary), got dtype {arr.dtype}.{hint}")
    if ndim is not None and arr.ndim != ndim:
        hint = ""
        if ndim == 1 and arr.ndim == 0:
            hint = f" For a single id, wrap it in a list: [{arr.item()!r}]."
        elif ndim == 1 and arr.ndim == 2:
            hint = f" For a batch, decode one row at a time: [vocab.decode(row) for row in {name}]."
        raise ValueError(f"{where}: {name} should be 1-D (time,), got shape "
                         f"{fmt_shape(arr.shape)}.{hint}")
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            raise ValueError(f"{where}: {_at(name, i)} is {arr[i].item()!r}, which is not a whole number. "
                             f"Ids are positions in the vocabulary; for scores or probabilities "
                             f"take .argmax(axis=-1) first.")
    bad = (arr < 0) | (arr >= size)
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        val = int(arr[i])
        why = " Negative ids do not count from the end here." if val < 0 else ""
        raise ValueError(f"{where}: {_at(name, i)} is {val}, but valid ids are 0 to {size - 1} "
                         f"(the vocabulary has {size} symbols).{why} Check the ids came from "
                         f"this vocabulary.")
    return arr.astype(np.int64)


# --- gradcheck ---------------------------------------------------------------------------

def gradcheck_inputs(loss_fn, params, grads, eps, names, where: str) -> list:
    """Check gradcheck's arguments before anything is perturbed; return the names to check."""
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn should be a function of no arguments that returns the "
                        f"loss, got {type(loss_fn).__name__}. Wrap it: lambda: loss(x).")
    for label, d in (("params", params), ("grads", grads)):
        if not isinstance(d, dict):
            raise TypeError(f"{where}: {label} should be a dict of name -> array, got "
                            f"{type(d).__name__}. For one array use {{'x': x}}.")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < 1:
        raise ValueError(f"{where}: eps should be a small positive number such as 1e-6, got {eps!r}.")
    names = list(params) if names is None else list(names)
    for k in names:
        if k not in params or k not in grads:
            raise ValueError(f"{where}: {k!r} is not a key of {'params' if k not in params else 'grads'}. "
                             f"params has {list(params)}, grads has {list(grads)}.")
        p = params[k]
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            got = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"{where}: params[{k!r}] should be a float64 numpy array (it is changed "
                            f"in place, and eps={eps} needs float64 precision), got {got}. "
                            f"Convert it before building loss_fn: x = x.astype(np.float64).")
        if not p.flags.writeable:
            raise ValueError(f"{where}: params[{k!r}] is read-only, but gradcheck changes it in place. "
                             f"Pass a writeable copy and let loss_fn read that copy.")
        g = as_float_array(grads[k], f"grads[{k!r}]", where)
        check_shape(g, [(f"axis{i}", n) for i, n in enumerate(p.shape)], f"grads[{k!r}]", where,
                    f"A gradient has the shape of its array, params[{k!r}] {fmt_shape(p.shape)}.")
    return names


def loss_value(value, where: str) -> float:
    """The loss a loss_fn returned, as one finite float."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: loss_fn() should return one number, got {type(value).__name__} "
                        f"of shape {fmt_shape(np.shape(value))}. Reduce the loss to a scalar, "
                        f"e.g. return float(np.sum(output * G)).") from None
    if not np.isfinite(out):
        raise ValueError(f"{where}: loss_fn() returned {out}; the loss should be a finite number. "
                         f"Use smaller weights or inputs, or a smaller eps.")
    return out


# --- losses, optimisers and training (rnnlib.losses, rnnlib.optim, rnnlib.train) ---------

def positive_float(value, name: str, where: str, hint: str = "") -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value <= 0):
        raise ValueError(f"{where}: {name} should be a positive number, got {value!r}."
                         + (" " + hint if hint else ""))
    return float(value)


def axis(value, ndim: int, where: str) -> int:
    """An axis of an ndim-D array, counted from 0 or from the end (-1 is the last), as numpy does."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not -ndim <= value < ndim:
        raise ValueError(f"{where}: axis should be a whole number from {-ndim} to {ndim - 1} for "
                         f"a {ndim}-D array, got {value!r}. The default -1 is the last axis.")
    return int(value)


def unit_interval(value, name: str, where: str, hint: str = "") -> float:
    """A number in [0, 1), such as a momentum or an Adam beta."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{where}: {name} should be a number in [0, 1), got {value!r}."
                         + (" " + hint if hint else ""))
    return float(value)


def same_shape(arr: np.ndarray, shape, name: str, other: str, where: str) -> None:
    if arr.shape != tuple(shape):
        raise ValueError(f"{where}: {name} should have the shape of {other}, "
                         f"{fmt_shape(shape)}, got {fmt_shape(arr.shape)}. They are compared "
                         f"entry by entry, so every axis must match (numpy broadcasting is not used).")


def step_mask(value, shape, where: str) -> np.ndarray | None:
    """A mask over the leading axes of shape (usually (N, T)): True/1 for real steps, False/0
    for padding. Returns float weights of 0.0 and 1.0, or None when value is None."""
    if value is None:
        return None
    arr = np.asarray(value)
    if not (arr.dtype == bool or np.issubdtype(arr.dtype, np.number)):
        raise TypeError(f"{where}: mask should hold True/False (or 1/0), got dtype {arr.dtype}.")
    lead = tuple(shape[:arr.ndim])
    if arr.ndim == 0 or arr.ndim > len(shape) or arr.shape != lead:
        raise ValueError(f"{where}: mask should cover the leading axes of the prediction "
                         f"{fmt_shape(shape)}, e.g. shape {fmt_shape(shape[:2])} for (batch, time), "
                         f"got {fmt_shape(arr.shape)}. rnnlib.data.sequence_mask(lengths, T) builds one.")
    if arr.dtype != bool and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{where}: mask should hold only 0 and 1 (or False and True), got other "
                         f"values. It marks steps as real or padding; it is not a weighting.")
    if not arr.any():
        raise ValueError(f"{where}: mask marks no step as real, so there is nothing to average. "
                         f"Check it is not inverted: True (1) means a real step.")
    return arr.astype(np.float64)


def param_dict(params, where: str) -> dict:
    """The parameters an optimiser updates in place: a non-empty dict of writeable float arrays."""
    if not isinstance(params, dict):
        raise TypeError(f"{where}: params should be a dict of name -> numpy array (e.g. "
                        f"model.params), got {type(params).__name__}.")
    if not params:
        raise ValueError(f"{where}: params is empty, so there is nothing to optimise. "
                         f"Pass model.params.")
    for k, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            got = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"{where}: params[{k!r}] should be a float numpy array, got {got}. "
                            f"The optimiser changes the arrays in place, so it needs the model's "
                            f"own arrays, not lists or copies.")
        if not p.flags.writeable:
            raise ValueError(f"{where}: params[{k!r}] is read-only, but the optimiser updates it "
                             f"in place. Pass the model's own (writeable) arrays.")
    return dict(params)


def grad_dict(grads, params: dict, where: str) -> dict:
    """Gradients for params: the same keys, the same shapes, finite floats."""
    if not isinstance(grads, dict):
        raise TypeError(f"{where}: grads should be a dict of name -> array with the keys of the "
                        f"parameters (e.g. model.grads), got {type(grads).__name__}.")
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing or extra:
        parts = ([f"missing keys {missing}"] if missing else []) + ([f"unexpected keys {extra}"] if extra else [])
        raise ValueError(f"{where}: grads has {' and '.join(parts)}; it should have exactly the "
                         f"keys of the parameters the optimiser was built with, {list(params)}. "
                         f"Nothing was updated.")
    out = {}
    for k, p in params.items():
        g = as_float_array(grads[k], f"grads[{k!r}]", where)
        if g.shape != p.shape:
            raise ValueError(f"{where}: grads[{k!r}] should have the shape of its parameter, "
                             f"{fmt_shape(p.shape)}, got {fmt_shape(g.shape)}. Nothing was updated.")
        check_finite(g, f"grads[{k!r}]", where)
        out[k] = g
    return out


# --- widgets (rnnlib.widgets, rnnlib.plots) ----------------------------------------------

def number_in(value, low: float, high: float, name: str, where: str, hint: str = "") -> float:
    """A real number in [low, high], such as the starting value of a slider."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not low <= value <= high):
        raise ValueError(f"{where}: {name} should be a number from {low} to {high}, got {value!r}."
                         + (" " + hint if hint else ""))
    return float(value)


def int_in(value, low: int, high: int, name: str, where: str, hint: str = "") -> int:
    """A whole number in [low, high], such as the starting value of an integer slider."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"{where}: {name} should be a whole number from {low} to {high}, "
                         f"got {value!r}." + (" " + hint if hint else ""))
    return int(value)


def index(value, size: int, name: str, where: str) -> int:
    """A position 0 .. size-1 along an axis, such as a timestep or a sample of a batch."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < size:
        raise ValueError(f"{where}: {name} should be a whole number from 0 to {size - 1}, "
                         f"got {value!r}. Positions count from 0; negative ones are not used here.")
    return int(value)
