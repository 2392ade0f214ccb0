"""Padding: batches of sequences of different lengths, and the mask of their real steps.

    x, lengths = pad_sequences([a, b, c])   # a (5, F), b (3, F), c (2, F) -> x (3, 5, F), [5, 3, 2]
    mask = sequence_mask(lengths)           # (3, 5) bool, True on real steps

Kept apart from the data helpers (rnnlib.data, which re-exports both names) so that the maths
modules that need a mask (functional, text, train) import nothing but numpy and this.
Each public function checks its arguments once, at the boundary (the ``_check_*`` function
named on its ``@checked_by`` line, right above it); the function itself is the bare recipe.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from ._validation import checked_by

# The largest mask sequence_mask builds: a billion booleans (1 GB). Lengths or a T beyond it
# are a typo (a length is a number of timesteps), not a batch anyone can train on.
MAX_MASK = 10**9


def _check_pad(sequences):
    where = "pad_sequences"
    if not isinstance(sequences, (list, tuple)):
        raise TypeError(f"{where}: sequences should be a list of (time, features) arrays, "
                        f"got {type(sequences).__name__}. An array that is already (N, T, F) "
                        f"needs no padding.")
    if len(sequences) == 0:
        raise ValueError(f"{where}: sequences is an empty list, so there is no batch to build. "
                         f"Pass at least one (time, features) array.")
    seqs, F = [], None
    for n, s in enumerate(sequences):
        hint = ("A 1-D sequence holds one number per step; make it (time, 1) with s[:, None]."
                if _ndim(s) == 1 else "")
        s = v.array(s, [("time", None), ("features", F)], f"sequences[{n}]", where,
                    hint or (f"Every sequence needs the same number of features as "
                             f"sequences[0], F={F}." if F is not None else ""))
        F = s.shape[1]
        seqs.append(s)
    return (seqs,)


def _ndim(value):
    try:
        return np.ndim(value)
    except ValueError:                                # ragged: as_float_array explains it
        return None


@checked_by(_check_pad)
def pad_sequences(sequences):
    """x[n, :T_n] = sequences[n], x[n, T_n:] = 0.

    sequences: list of N float arrays (T_n, F), same F  ->  x (N, T_max, F), lengths (N,) int64
    The dtype of x is the common dtype of the sequences (float64 for float64 inputs).
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)           # (N,)
    F = sequences[0].shape[1]
    x = np.zeros((len(sequences), lengths.max(), F), dtype=np.result_type(*sequences))  # (N, T, F)
    for n, s in enumerate(sequences):
        x[n, : len(s)] = s
    return x, lengths


def _check_mask(lengths, T=None):
    where = "sequence_mask"
    try:
        arr = np.asarray(lengths)
    except (ValueError, TypeError):                   # a ragged nested list
        arr = None
    if arr is None or arr.dtype.kind in "OUS":
        raise TypeError(f"{where}: lengths should be a flat list or 1-D array of whole numbers, "
                        f"one per sequence, got {v.short(lengths)}. Pass e.g. np.array([5, 3, 2]).")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{where}: lengths should be 1-D (batch,), one length per sequence, "
                         f"got shape {v.fmt_shape(arr.shape)}. Pass e.g. np.array([5, 3, 2]).")
    if T is None:
        # the dtype and whole-number checks of v.lengths, then T = the longest length
        if arr.dtype.kind not in "iuf" or (arr.dtype.kind == "f" and not np.isfinite(arr).all()):
            v.lengths(arr, len(arr), 1, where)        # raises its dtype message
        T = max(int(arr.max()), 1)
    else:
        T = v.positive_int(T, "T", where)
    if len(arr) * T > MAX_MASK:
        raise ValueError(f"{where}: a mask of batch={len(arr)} by T={T} steps would hold more "
                         f"than the {MAX_MASK:.0e} values this function builds. T (or "
                         f"max(lengths), when T is not given) is a number of timesteps: pass "
                         f"T=x.shape[1], the padded length of the batch.")
    return v.lengths(arr, len(arr), T, where), T


@checked_by(_check_mask)
def sequence_mask(lengths, T=None):
    """mask[n, t] = t < lengths[n]: True on real steps, False on padding.

    lengths (N,) whole numbers in 1..T, T the padded length (default max(lengths))  ->  (N, T) bool
    Multiply by it (mask[..., None]) to zero the padding, or use it to average a loss over
    real steps only: (loss * mask).sum() / mask.sum().
    """
    return np.arange(T)[None, :] < lengths[:, None]            # (N, T)
