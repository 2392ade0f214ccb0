"""Losses, each returning the loss together with its gradient with respect to the prediction.

    loss, dpred = mse_loss(pred, target, mask=None)
    loss, dlogits, accuracy = softmax_cross_entropy(logits, targets, mask=None)

Both are means over the real entries. A mask (N, T) marks each timestep as real (True / 1)
or padding (False / 0); padding adds nothing to the loss, the gradient or the accuracy, and
the mean divides by the number of real steps only, so a batch padded to a longer length has
the same loss as the unpadded sequences.

The gradient is returned instead of stored: there is no loss object to call backward on,
so the training step reads

    y = model.forward(x)
    loss, dy = mse_loss(y, target)
    model.backward(dy)
"""
from __future__ import annotations

import numpy as np

from . import _validation as v


# --- mean squared error ------------------------------------------------------------------

def mse_loss(pred, target, mask=None):
    """L = (1/M) sum_i m_i (pred_i - target_i)^2,   dL/dpred_i = (2/M) m_i (pred_i - target_i)

    pred, target (N, T, O) (any shape, the same for both); mask (N, T) or None.
    M counts the real entries: every entry without a mask, (real steps) * O with one.
    Without a mask this is torch.nn.MSELoss() (reduction "mean").
    Returns loss (float) and dpred (like pred).
    """
    where = "mse_loss"
    pred = v.as_float_array(pred, "pred", where)
    v.check_finite(pred, "pred", where)
    target = v.as_float_array(target, "target", where)
    v.same_shape(target, pred.shape, "target", "pred", where)
    v.check_finite(target, "target", where)
    m = v.step_mask(mask, pred.shape, where)

    diff = pred - target
    if m is None:
        w, M = 1.0, diff.size
    else:
        w = m.reshape(m.shape + (1,) * (pred.ndim - m.ndim))   # (N, T, 1): broadcast over O
        M = m.sum() * (diff.size // m.size)                    # real steps * entries per step
    loss = float(np.sum(w * diff * diff) / M)
    return loss, (2.0 / M) * w * diff + 0.0     # + 0.0 turns -0.0 on masked steps into 0.0


# --- softmax cross-entropy ---------------------------------------------------------------

def _scores(logits, axis, where):
    """Checked logits (any shape with at least one axis, no empty axis, finite) and axis."""
    z = v.as_float_array(logits, "logits", where)
    if z.ndim == 0 or 0 in z.shape:
        raise ValueError(f"{where}: logits should have shape (..., classes) with at least one "
                         f"score on every axis, got {v.fmt_shape(z.shape)}. For a single score "
                         f"use np.array([score]).")
    v.check_finite(z, "logits", where)
    return z, v.axis(axis, z.ndim, where)


def _log_softmax(z, axis):
    shifted = z - z.max(axis=axis, keepdims=True)   # the largest exponent becomes exp(0) = 1
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def log_softmax(logits, axis=-1):
    """log softmax(z)_k = z_k - log sum_j exp(z_j), computed as (z_k - c) - log sum_j exp(z_j - c)
    with c = max_j z_j, so the largest exponent is exp(0) = 1 and nothing overflows.

    logits (..., V) -> (..., V), normalised over `axis` (default the last).
    """
    return _log_softmax(*_scores(logits, axis, "log_softmax"))


def softmax(logits, axis=-1):
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j): probabilities over `axis` (default the last).

    logits (..., V) -> (..., V).
    """
    return np.exp(_log_softmax(*_scores(logits, axis, "softmax")))


def softmax_cross_entropy(logits, targets, mask=None):
    """L = -(1/M) sum_{n,t} m_nt log softmax(z_nt)[y_nt],   dL/dz_nt = (m_nt/M) (softmax(z_nt) - onehot(y_nt))

    logits  (N, T, V) unnormalised scores z, one row of V per step
    targets (N, T)    the right class y_nt at each step, whole numbers in 0 .. V-1
    mask    (N, T)    or None; M is the number of real steps (N*T without a mask)

    Returns loss (float), dlogits (N, T, V), accuracy (float): the fraction of real steps
    whose largest logit is the target. Any leading axes work: logits (N, V) with targets (N,)
    too. Without a mask this is torch.nn.functional.cross_entropy on logits.reshape(-1, V);
    a mask gives what its ignore_index gives for the padded steps.
    """
    where = "softmax_cross_entropy"
    z = v.as_float_array(logits, "logits", where)
    if z.ndim < 2 or 0 in z.shape:
        raise ValueError(f"{where}: logits should have shape (batch, time, classes), one row of "
                         f"scores per step, got {v.fmt_shape(z.shape)}. For one step of one "
                         f"sequence use logits[None].")
    v.check_finite(z, "logits", where)
    V = z.shape[-1]
    y = v.ids(targets, V, "targets", where)
    if y.shape != z.shape[:-1]:
        raise ValueError(f"{where}: targets should have shape {v.fmt_shape(z.shape[:-1])}, one "
                         f"class id per row of logits {v.fmt_shape(z.shape)}, got "
                         f"{v.fmt_shape(y.shape)}. Targets are ids, not one-hot rows; use "
                         f"onehot.argmax(axis=-1) to turn one-hot rows into ids.")
    m = v.step_mask(mask, y.shape, where)
    if m is not None and m.ndim != y.ndim:
        raise ValueError(f"{where}: mask should have the shape of targets, {v.fmt_shape(y.shape)}, "
                         f"got {v.fmt_shape(m.shape)}.")
    w = np.ones(y.shape) if m is None else m                       # (N, T)
    M = w.sum()

    logp = log_softmax(z)                                          # (N, T, V), stable
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]   # (N, T) log p of the target
    loss = float(-np.sum(w * picked) / M)

    dlogits = np.exp(logp)                                         # softmax, (N, T, V)
    np.put_along_axis(dlogits, y[..., None], np.take_along_axis(dlogits, y[..., None], -1) - 1.0, -1)
    dlogits *= (w / M)[..., None]
    dlogits += 0.0          # masked steps: (p - 1) * 0 is -0.0; adding +0.0 makes it a plain 0

    accuracy = float(np.sum(w * (z.argmax(axis=-1) == y)) / M)
    return loss, dlogits, accuracy
