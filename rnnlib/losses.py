"""Losses, each returning the loss together with its gradient with respect to the prediction.

    loss, dpred = mse_loss(pred, target, mask=None)
    loss, dlogits = softmax_cross_entropy(logits, targets, mask=None)
    acc = accuracy(logits, targets, mask=None)

Both losses are means over the real entries. A mask (N, T) marks each timestep as real
(True / 1) or padding (False / 0); padding adds nothing to the loss or the gradient, and the
mean divides by the number of real steps only, so a batch padded to a longer length has the
same loss as the unpadded sequences.

The gradient is returned instead of stored: there is no loss object to call backward on,
so the training step reads

    y = model(x)
    loss, dy = mse_loss(y, target)
    model.backward(dy)
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from ._validation import checked_by


# --- mean squared error ------------------------------------------------------------------

def _check_mse(pred, target, mask=None):
    where = "mse_loss"
    pred = v.as_float_array(pred, "pred", where)
    v.check_finite(pred, "pred", where)
    target = v.as_float_array(target, "target", where)
    v.same_shape(target, pred.shape, "target", "pred", where)
    v.check_finite(target, "target", where)
    m = _loss_mask(mask, pred.shape, where, pred.dtype)
    if m is not None:
        m = m.reshape(m.shape + (1,) * (pred.ndim - m.ndim))   # (N, T, 1): broadcast over O
    return pred, target, m


@checked_by(_check_mse)
def mse_loss(pred, target, mask=None):
    """L = (1/M) sum_i m_i (pred_i - target_i)^2,   dL/dpred_i = (2/M) m_i (pred_i - target_i)

    pred, target (N, T, O) (any shape, the same for both); mask (N, T) or None.
    M counts the real entries: every entry without a mask, (real steps) * O with one.
    Without a mask this is torch.nn.MSELoss() (reduction "mean").
    Returns loss (float) and dpred (like pred).
    """
    m = np.ones_like(pred) if mask is None else mask        # 1 on real entries, 0 on padding
    M = m.sum() * pred.size / m.size                        # how many real entries
    diff = pred - target
    loss = np.sum(m * diff * diff) / M
    dpred = (2 / M) * m * diff + 0.0         # + 0.0 turns -0.0 on masked steps into 0.0
    return float(loss), dpred


# --- softmax cross-entropy ---------------------------------------------------------------

def log_softmax(logits, axis=-1):
    """log softmax(z)_k = z_k - log sum_j exp(z_j), computed as (z_k - c) - log sum_j exp(z_j - c)
    with c = max_j z_j, so the largest exponent is exp(0) = 1 and nothing overflows.

    logits (..., V) -> (..., V), normalised over `axis` (default the last).
    """
    z, axis = _scores(logits, axis, "log_softmax")
    return _log_softmax(z, axis)


def softmax(logits, axis=-1):
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j): probabilities over `axis` (default the last).

    logits (..., V) -> (..., V).
    """
    z, axis = _scores(logits, axis, "softmax")
    return np.exp(_log_softmax(z, axis))


def _log_softmax(z, axis=-1):
    shifted = z - z.max(axis=axis, keepdims=True)   # the largest exponent becomes exp(0) = 1
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _check_cross_entropy(logits, targets, mask=None):
    return _class_args("softmax_cross_entropy", logits, targets, mask)


@checked_by(_check_cross_entropy)
def softmax_cross_entropy(logits, targets, mask=None):
    """L = -(1/M) sum_{n,t} m_nt log softmax(z_nt)[r_nt],   dL/dz_nt = (m_nt/M) (softmax(z_nt) - onehot(r_nt))

    logits  (N, T, V) unnormalised scores z, one row of V per step
    targets (N, T)    the right class r_nt at each step, whole numbers in 0 .. V-1
    mask    (N, T)    or None; M is the number of real steps (N*T without a mask)

    Returns loss (float) and dlogits (N, T, V). Any leading axes work: logits (N, V) with
    targets (N,) too. Without a mask this is torch.nn.functional.cross_entropy on
    logits.reshape(-1, V); a mask gives what its ignore_index gives for the padded steps.
    """
    m = np.ones(targets.shape, logits.dtype) if mask is None else mask   # (N, T) 1 on real steps
    M = m.sum()
    logp = _log_softmax(logits)                                    # (N, T, V), stable
    logp_target = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]   # (N, T)
    loss = -np.sum(m * logp_target) / M

    onehot = np.zeros_like(logits)
    np.put_along_axis(onehot, targets[..., None], 1, axis=-1)     # (N, T, V)
    dlogits = (m / M)[..., None] * (np.exp(logp) - onehot)        # (N, T, V)
    return float(loss), dlogits + 0.0        # masked steps: 0 * (p - 1) is -0.0; make it 0.0


def _check_accuracy(logits, targets, mask=None):
    return _class_args("accuracy", logits, targets, mask)


@checked_by(_check_accuracy)
def accuracy(logits, targets, mask=None):
    """The fraction of real steps whose largest logit is the target class.

    logits (N, T, V), targets (N, T), mask (N, T) or None  ->  float in [0, 1]
    """
    m = np.ones(targets.shape, logits.dtype) if mask is None else mask
    return float(np.sum(m * (logits.argmax(axis=-1) == targets)) / m.sum())


# --- checks, run once at the public boundary ---------------------------------------------

def _scores(logits, axis, where):
    """Checked logits (any shape with at least one axis, no empty axis, finite) and axis."""
    z = v.as_float_array(logits, "logits", where)
    if z.ndim == 0 or 0 in z.shape:
        raise ValueError(f"{where}: logits should have shape (..., classes) with at least one "
                         f"score on every axis, got {v.fmt_shape(z.shape)}. For a single score "
                         f"use np.array([score]).")
    v.check_finite(z, "logits", where)
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{where}: axis should be a whole number, got {axis!r}. The default -1 "
                        f"is the last axis.")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"{where}: axis should be a whole number from {-z.ndim} to {z.ndim - 1} "
                         f"for a {z.ndim}-D array, got {axis!r}. The default -1 is the last axis.")
    return z, axis


def _class_args(where, logits, targets, mask):
    z = v.as_float_array(logits, "logits", where)
    if z.ndim < 2 or 0 in z.shape:
        raise ValueError(f"{where}: logits should have shape (batch, time, classes), one row of "
                         f"scores per step, got {v.fmt_shape(z.shape)}. For one step of one "
                         f"sequence use logits[None].")
    v.check_finite(z, "logits", where)
    y = v.ids(targets, z.shape[-1], "targets", where)
    if y.shape != z.shape[:-1]:
        raise ValueError(f"{where}: targets should have shape {v.fmt_shape(z.shape[:-1])}, one "
                         f"class id per row of logits {v.fmt_shape(z.shape)}, got "
                         f"{v.fmt_shape(y.shape)}. Targets are ids, not one-hot rows; use "
                         f"onehot.argmax(axis=-1) to turn one-hot rows into ids.")
    m = _loss_mask(mask, y.shape, where, z.dtype)
    if m is not None and m.ndim != y.ndim:
        raise ValueError(f"{where}: mask should have the shape of targets, {v.fmt_shape(y.shape)}, "
                         f"got {v.fmt_shape(m.shape)}.")
    return z, y, m


def _loss_mask(value, shape, where, dtype):
    """A mask over the leading axes of shape (usually (N, T)): True/1 for real steps, False/0
    for padding. Returns float weights of 0.0 and 1.0, or None when value is None."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: mask should hold True/False (or 1/0), got dtype {arr.dtype}.")
    lead = tuple(shape[:arr.ndim])
    if arr.ndim == 0 or arr.ndim > len(shape) or arr.shape != lead:
        raise ValueError(f"{where}: mask should cover the leading axes of the prediction "
                         f"{v.fmt_shape(shape)}, e.g. shape {v.fmt_shape(shape[:2])} for (batch, time), "
                         f"got {v.fmt_shape(arr.shape)}. rnnlib.data.sequence_mask(lengths, T) builds one.")
    if arr.dtype != bool and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{where}: mask should hold only 0 and 1 (or False and True), got other "
                         f"values. It marks steps as real or padding; it is not a weighting.")
    if not arr.any():
        raise ValueError(f"{where}: mask marks no step as real, so there is nothing to average. "
                         f"Check it is not inverted: True (1) means a real step.")
    return arr.astype(dtype)
