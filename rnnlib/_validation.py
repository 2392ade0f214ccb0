"""The generic input checks of rnnlib, and the rule for how every error a learner sees is worded.

The rule
--------
- A message starts with ``where``, the public function or method the learner called
  (``"RNN.forward: ..."``), then says what came, what was expected, and how to fix it.
- ``TypeError`` when a value has the wrong type (a str where a number belongs, an int array
  where floats belong); ``ValueError`` when the type is right but the value or the shape is
  wrong (a negative size, an axis of the wrong length, an infinite entry).
- Checks never modify their input. A method runs all of its checks before it changes
  anything on its object, so a failed call leaves the object as it was.
- Checks live at the public boundary, once per call. The lesson functions behind it are the
  bare maths.

Checks that only one module needs live in that module; what is here is shared.
"""
from __future__ import annotations

import functools
import inspect
import numbers

import numpy as np

NONLINEARITIES = ("tanh", "relu", "leaky_relu")


# --- the boundary ------------------------------------------------------------------------

def checked_by(check):
    """Decorator for a lesson function: check(*args, **kwargs) validates the call and returns
    the positional arguments to run the bare maths with. fn.unchecked is the bare function,
    for callers (the layers) that have checked their inputs already."""
    def wrap(fn):
        @functools.wraps(fn)
        def public(*args, **kwargs):
            try:
                checked = check(*args, **kwargs)
            except TypeError as e:
                _named_call_error(fn, args, kwargs, e)
                raise
            return fn(*checked)
        public.unchecked = fn
        return public
    return wrap


def _named_call_error(fn, args, kwargs, error):
    """A call that does not fit fn's signature (an argument missing, one too many) raises
    TypeError naming fn, not the check behind it; any other TypeError is left as it is."""
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{fn.__name__}: {e}. Its signature is {fn.__name__}"
                        f"{inspect.signature(fn)}.") from None


# --- wording -----------------------------------------------------------------------------

def fmt_shape(shape) -> str:
    """(5, 4) for a 2-tuple, (5,) for a 1-tuple: the way numpy prints shapes."""
    return str(tuple(int(s) for s in shape))


def fmt_expected(dims) -> str:
    """[("batch", None), ("input_size", 4)] -> '(batch, input_size=4)'."""
    parts = [name if size is None else f"{name}={size}" for name, size in dims]
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def sequence_hint(arr, name: str = "x") -> str:
    """Advice for the most common shape mistake: a sequence given without its batch axis."""
    try:
        ndim = np.ndim(arr)
    except ValueError:                # a ragged list: as_float_array explains that one
        return ""
    if ndim == 2:
        return (f"A 2-D {name} looks like one sequence without a batch axis; "
                f"use {name}[None] for a batch of one.")
    if ndim == 1:
        return f"A 1-D {name} looks like one timestep of one sequence; use {name}[None, None]."
    return ""


def is_token_ids(value) -> bool:
    """True for a 2-D array of integers: (batch, time) token ids standing for one-hot vectors."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):   # a ragged list: not ids, as_float_array explains it
        return False
    return arr.ndim == 2 and arr.dtype.kind in "iu"


def sequence_or_ids_hint(arr, name: str = "x") -> str:
    """sequence_hint, and for a 2-D array the reminder that (batch, time) ids are accepted."""
    hint = sequence_hint(arr, name)
    if hint.startswith("A 2-D"):
        hint += " Token ids (batch, time) are accepted too, as an integer array."
    return hint


# --- arrays ------------------------------------------------------------------------------

def as_array(value, name: str, where: str) -> np.ndarray:
    """np.asarray(value) of any dtype, or a TypeError for a ragged list (never numpy's message)."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        raise TypeError(f"{where}: {name} could not be turned into an array: its nested lists "
                        f"have different lengths, or hold something that is not a number.") from None


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
            if isinstance(value, tuple):
                raise TypeError(
                    f"{where}: {name} is a tuple of {len(value)} items, not an array. If it came "
                    f"from a function that returns a pair, unpack it first: x, lengths = ...") from None
            raise TypeError(
                f"{where}: {name} could not be turned into an array: its nested lists have "
                f"different lengths, or hold something that is not a number. Pass a numpy "
                f"array of floats whose rows all have the same length (pad shorter sequences)."
            ) from None
    if arr.dtype.kind == "f":
        return arr                                       # the common case, checked first
    if arr.dtype.kind == "c":
        raise TypeError(f"{where}: {name} should be real-valued, got dtype {arr.dtype}. "
                        f"Pass {name}.real if the imaginary part is zero.")
    if arr.dtype.kind in "iu":
        raise TypeError(
            f"{where}: {name} should be a floating-point array, got dtype {arr.dtype}. "
            f"rnnlib computes in floating point and does not cast for you; "
            f"use {name}.astype(np.float64).")
    raise TypeError(f"{where}: {name} should be a numeric array, got dtype {arr.dtype}. "
                    f"Pass a numpy array of floats, e.g. np.asarray({name}, dtype=np.float64).")


def check_finite(arr: np.ndarray, name: str, where: str) -> None:
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"{where}: {name} contains {arr[bad]} at index {bad}; every value should be a "
            f"finite number. Look for a division by zero or an overflow where {name} was made.")


def check_shape(arr: np.ndarray, dims, name: str, where: str, hint: str = "") -> None:
    """dims is a list of (axis name, required size or None for any size >= 1)."""
    ok = arr.ndim == len(dims) and all(
        (size is None and n >= 1) or n == size for n, (_, size) in zip(arr.shape, dims))
    if not ok:
        msg = f"{where}: {name} should have shape {fmt_expected(dims)}, got {fmt_shape(arr.shape)}."
        if arr.ndim == len(dims) and 0 in arr.shape:
            msg += " An axis of length 0 means there is nothing to compute; give every axis at least one entry."
        raise ValueError(msg + (" " + hint if hint else ""))


def array(value, dims, name: str, where: str, hint: str = "") -> np.ndarray:
    """The usual check of a numeric input: float dtype, shape, finite values."""
    arr = as_float_array(value, name, where)
    check_shape(arr, dims, name, where, hint)
    check_finite(arr, name, where)
    return arr


def same_shape(arr: np.ndarray, shape, name: str, other: str, where: str) -> None:
    if arr.shape != tuple(shape):
        raise ValueError(f"{where}: {name} should have the shape of {other}, "
                         f"{fmt_shape(shape)}, got {fmt_shape(arr.shape)}. They are compared "
                         f"entry by entry, so every axis must match (numpy broadcasting is not used).")


def rnn_weights(Wx, Wh, b, where: str):
    """(Wx (F, H), Wh (H, H), b (H,)) in the right-multiply layout of the functions."""
    Wx = array(Wx, [("input_size", None), ("hidden_size", None)], "Wx", where)
    H = Wx.shape[1]
    Wh = array(Wh, [("hidden_size", H), ("hidden_size", H)], "Wh", where,
               "Wh maps a hidden state to the next one, so it is square (H, H) with H = Wx.shape[1].")
    b = array(b, [("hidden_size", H)], "b", where,
              "b has one entry per hidden unit; a (1, H) bias can be passed as b.ravel().")
    return Wx, Wh, b


def same_keys(d: dict, expected, name: str, where: str, hint: str) -> None:
    """d has exactly the keys of expected, or a ValueError names the missing and the extra ones."""
    missing = [k for k in expected if k not in d]
    extra = [k for k in d if k not in expected]
    if missing or extra:
        parts = ([f"missing keys {missing}"] if missing else []) + (
            [f"unexpected keys {extra}"] if extra else [])
        raise ValueError(f"{where}: {name} has {' and '.join(parts)}; it should have exactly the "
                         f"keys {list(expected)}. {hint}")


def state_dict(d, expected: dict, where: str, dtype=None) -> dict:
    """Check a state dict against {name: shape}; return copies (cast to dtype when given)."""
    if not isinstance(d, dict):
        raise TypeError(f"{where}: expected a dict of arrays such as model.state_dict(), "
                        f"got {type(d).__name__}.")
    same_keys(d, expected, "state_dict", where,
              "check num_layers, bias and bidirectional match the saved model.")
    out = {}
    for k, shape in expected.items():
        arr = as_float_array(d[k], f"state_dict[{k!r}]", where)
        if arr.shape != tuple(shape):
            raise ValueError(f"{where}: {k} should have shape {fmt_shape(shape)}, got "
                             f"{fmt_shape(arr.shape)}. Check input_size and hidden_size match "
                             f"the saved model.")
        check_finite(arr, f"state_dict[{k!r}]", where)
        out[k] = np.array(arr, dtype=dtype, copy=True)
    return out


# --- settings ----------------------------------------------------------------------------

def _number(value, name, where, whole, within, expected, hint=""):
    """The one rule for numeric settings: TypeError when value is not a (whole) number at all,
    ValueError when it is one but outside its range. bool is not a number here."""
    is_number = isinstance(value, numbers.Integral if whole else numbers.Real)
    if not is_number or isinstance(value, bool) or not within(value):
        error = ValueError if is_number and not isinstance(value, bool) else TypeError
        raise error(f"{where}: {name} should be {expected}, got {value!r}." + (" " + hint if hint else ""))
    return int(value) if whole else float(value)


def positive_int(value, name: str, where: str) -> int:
    return _number(value, name, where, True, lambda n: n >= 1, "a positive whole number",
                   f"Use an int such as {name}=4.")


def int_in(value, low: int, high: int, name: str, where: str, hint: str = "") -> int:
    """A whole number in [low, high], such as a timestep or the start of an integer slider."""
    return _number(value, name, where, True, lambda n: low <= n <= high,
                   f"a whole number from {low} to {high}", hint)


def index(value, size: int, name: str, where: str) -> int:
    """A position 0 .. size-1 along an axis, such as a timestep or a sample of a batch."""
    return int_in(value, 0, size - 1, name, where,
                  "Positions count from 0; negative ones are not used here.")


def number_in(value, low: float, high: float, name: str, where: str, hint: str = "") -> float:
    """A real number in [low, high], such as the starting value of a slider."""
    return _number(value, name, where, False, lambda x: low <= x <= high,
                   f"a number from {low} to {high}", hint)


def fraction(value, name: str, where: str, hint: str = "") -> float:
    """A number in [0, 1), such as a dropout probability, a momentum or an Adam beta."""
    return _number(value, name, where, False, lambda x: 0 <= x < 1, "a number in [0, 1)", hint)


def positive_float(value, name: str, where: str, hint: str = "") -> float:
    return _number(value, name, where, False, lambda x: np.isfinite(x) and x > 0,
                   "a positive number", hint)


def flag(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} should be True or False, got {value!r}.")
    return bool(value)


def choice(value, options, name: str, where: str):
    if not isinstance(value, str):
        raise TypeError(f"{where}: {name} should be one of {', '.join(map(repr, options))}, "
                        f"got {value!r}.")
    if value not in options:
        raise ValueError(f"{where}: {name} should be one of {', '.join(map(repr, options))}, "
                         f"got {value!r}.")
    return value


def nonlinearity(value, where: str) -> str:
    if not isinstance(value, str) or value not in NONLINEARITIES:
        raise unknown_nonlinearity(value, where)
    return value


def unknown_nonlinearity(value, where: str) -> Exception:
    """The error for a nonlinearity that is none of NONLINEARITIES, for the caller to raise."""
    if not isinstance(value, str):
        return TypeError(f"{where}: nonlinearity should be one of "
                         f"{', '.join(map(repr, NONLINEARITIES))}, got {value!r}.")
    return ValueError(
        f"{where}: nonlinearity should be one of {', '.join(map(repr, NONLINEARITIES))}, "
        f"got {value!r}. Pick one of those names (lower case, with an underscore).")


def seed(value, where: str):
    """A seed for np.random.default_rng: None, a whole number >= 0, a SeedSequence or a Generator."""
    if value is None or isinstance(value, (np.random.SeedSequence, np.random.Generator)):
        return value
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{where}: seed should be None or a whole number, got {value!r}. "
                        f"Use e.g. seed=0: the same seed gives the same numbers on every run.")
    if value < 0:
        raise ValueError(f"{where}: seed should be a whole number >= 0, got {value!r}. "
                         f"Use e.g. seed=0.")
    return int(value)


def short(value, limit: int = 30) -> str:
    """repr of a string, cut short when long, so a message stays one readable line."""
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 4] + "..." + r[-1]     # keep the closing quote


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


# --- sequences ---------------------------------------------------------------------------

def lengths(value, batch: int, time: int, where: str) -> np.ndarray:
    """Sequence lengths: N whole numbers in 1..T, as int64."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # a ragged nested list
        raise TypeError(f"{where}: lengths should be one whole number per sequence, got a ragged "
                        f"{type(value).__name__}. Pass e.g. np.array([5, 3, 2]).") from None
    # whole floats pass; they are cast after the range check, so 1e20 or inf is never cast
    whole_floats = arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
    if arr.dtype.kind not in "iu" and not whole_floats:
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
    return arr.astype(np.int64, copy=False)


def _at(name: str, index) -> str:
    """ids[1, 2], or ids alone for a 0-d array."""
    return f"{name}[{', '.join(str(int(i)) for i in index)}]" if len(index) else name


def ids(value, size: int, name: str, where: str, ndim: int | None = None) -> np.ndarray:
    """Symbol or class ids: whole numbers in 0 .. size-1, any shape (or exactly ndim axes), as int64.

    Floats are accepted when every value is whole (ids that went through a float array),
    so the check is on the values, not the dtype.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists end here
        raise TypeError(f"{where}: {name} could not be turned into an array: its nested lists "
                        f"have different lengths, or hold something that is not a number. "
                        f"Pass a list or array of whole numbers, e.g. [0, 1, 2, 2, 3].") from None
    if arr.dtype.kind not in "iuf":
        hint = " To turn text into ids use vocab.encode(text)." if arr.dtype.kind in "US" else ""
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
    if arr.dtype.kind == "f":
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


def nonnegative_float(value, name: str, where: str, hint: str = "") -> float:
    """A finite number >= 0, such as a spectral radius or a scale: TypeError for a non-number."""
    return _number(value, name, where, False, lambda x: np.isfinite(x) and x >= 0,
                   "a finite number >= 0", hint)
