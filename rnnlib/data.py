"""Batching sequences of different lengths: pad them to one array, and mark the real steps.

    x, lengths = pad_sequences([a, b, c])   # a (5, F), b (3, F), c (2, F) -> x (3, 5, F), [5, 3, 2]
    mask = sequence_mask(lengths)           # (3, 5) bool, True on real steps
"""
from __future__ import annotations

import numpy as np

from . import _validation as v


def pad_sequences(sequences):
    """x[n, :T_n] = sequences[n], x[n, T_n:] = 0.

    sequences: list of N float arrays (T_n, F), same F  ->  x (N, T_max, F), lengths (N,) int64
    The dtype of x is the common dtype of the sequences (float64 for float64 inputs).
    """
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
                if np.ndim(s) == 1 else "")
        s = v.array(s, [("time", None), ("features", F)], f"sequences[{n}]", where,
                    hint or (f"Every sequence needs the same number of features as "
                             f"sequences[0], F={F}." if F is not None else ""))
        F = s.shape[1]
        seqs.append(s)
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)                 # (N,)
    x = np.zeros((len(seqs), lengths.max(), F), dtype=np.result_type(*seqs))  # (N, T_max, F)
    for n, s in enumerate(seqs):
        x[n, : len(s)] = s
    return x, lengths


def sequence_mask(lengths, T=None):
    """mask[n, t] = t < lengths[n]: True on real steps, False on padding.

    lengths (N,) whole numbers in 1..T, T the padded length (default max(lengths))  ->  (N, T) bool
    Multiply by it (mask[..., None]) to zero the padding, or use it to average a loss over
    real steps only: (loss * mask).sum() / mask.sum().
    """
    where = "sequence_mask"
    arr = np.asarray(lengths)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{where}: lengths should be 1-D (batch,), one length per sequence, "
                         f"got shape {v.fmt_shape(arr.shape)}. Pass e.g. np.array([5, 3, 2]).")
    if T is None:
        if not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
            v.lengths(arr, len(arr), 1, where)                # raises its dtype message
        T = int(np.max(arr))
        T = max(T, 1)
    T = v.positive_int(T, "T", where)
    arr = v.lengths(arr, len(arr), T, where)
    return np.arange(T)[None, :] < arr[:, None]                # (N, T)
