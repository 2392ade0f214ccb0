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
        except (ValueError, TypeError) as e:  # ragged nested lists end here
            raise TypeError(
                f"{where}: {name} could not be turned into an array ({e}). "
                f"Pass a numpy array of floats whose rows all have the same length."
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
            msg += f" An axis of length 0 means there is nothing to compute; give every axis at least one entry."
        raise ValueError(msg + (" " + hint if hint else ""))


def array(value, dims, name: str, where: str, hint: str = "") -> np.ndarray:
    """The usual check of a numeric input: float dtype, shape, finite values."""
    arr = as_float_array(value, name, where)
    check_shape(arr, dims, name, where, hint)
    check_finite(arr, name, where)
    return arr


def sequence_hint(arr, name: str = "x") -> str:
    """Advice for the most common shape mistake: a sequence given without its batch axis."""
    if np.ndim(arr) == 2:
        return (f"A 2-D {name} looks like one sequence without a batch axis; "
                f"use {name}[None] for a batch of one.")
    if np.ndim(arr) == 1:
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
    arr = np.asarray(value)
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
