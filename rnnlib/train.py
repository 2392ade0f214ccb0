"""The training loop: one call that runs the forward pass, the loss, the backward pass and the
optimiser step for a number of epochs, and returns the history of the loss.

    history = fit(model, x, targets, Adam(model.params, lr=0.05), loss="cross_entropy", epochs=200)

One epoch is exactly the loop a notebook would write by hand:

    model.zero_grad()                                # gradients add up, so start from zero
    y = model(x, lengths=lengths)                    # (N, T, O)
    loss, dy = softmax_cross_entropy(y, targets, mask)
    model.backward(dy)                               # fills model.grads
    grad_norm = clip_grad_norm_(model.grads, clip)   # or only measured, when clip is None
    optimizer.step(model.grads)                      # updates model.params in place

fit shows nothing itself: pass callback=rnnlib.widgets.TrainingMonitor(epochs) in a notebook
for a progress bar and a live loss plot, or any function callback(epoch, history).

fit_truncated runs the same steps on windows of k timesteps (truncated backpropagation
through time, stateful as min-char-rnn trains): each window starts from the state the previous
one ended in, its backward pass stops at the window's first step, and every window gets its
own optimiser step. time_windows(T, k) says where the windows are.
"""
from __future__ import annotations

import contextlib
import copy
import inspect
import numbers

import numpy as np

from . import _validation as v
from .padding import sequence_mask
from .losses import accuracy, mse_loss, softmax_cross_entropy
from .optim import Optimizer, clip_grad_norm_, clip_grad_value_, global_norm
from .recurrent import Recurrent

LOSSES = {"mse": mse_loss, "cross_entropy": softmax_cross_entropy}

ALIGNS = ("start", "end")

# The most windows time_windows lists: T is a number of timesteps, and ten million slices
# (about 1 GB) are already far more than any sequence this course trains on.
MAX_WINDOWS = 10**7


def _check_model(model, optimizer, where, calls):
    """model is a trainable model whose forward takes the keywords in calls, its parameters are
    finite, and optimizer steps on them."""
    if isinstance(model, Recurrent):
        name = type(model).__name__
        raise TypeError(f"{where}: model is an rnnlib.{name} layer, which returns (output, h_n) "
                        f"and has no read-out to score. Train a model that reads its output: "
                        f"rnnlib.SequenceModel(input_size, hidden_size, output_size"
                        f"{'' if name == 'RNN' else f', cell={name.lower()!r}'}).")
    for attr in ("forward", "backward", "zero_grad", "params", "grads"):
        if not hasattr(model, attr):
            raise TypeError(f"{where}: model should have forward, backward, zero_grad, params and "
                            f"grads (like rnnlib.SequenceModel); {type(model).__name__} has no {attr}.")
    try:
        takes = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):                 # no signature to read: let the call decide
        takes = {}
    missing = [k for k in calls if takes and k not in takes
               and not any(p.kind is p.VAR_KEYWORD for p in takes.values())]
    if missing:
        raise TypeError(f"{where}: model.forward should take the keywords {', '.join(calls)} "
                        f"(as rnnlib.SequenceModel.forward does); {type(model).__name__}.forward "
                        f"has no {missing[0]}. Train an rnnlib.SequenceModel, or give your model's "
                        f"forward those keywords.")
    params = model.params
    if not isinstance(params, dict) or not all(isinstance(p, np.ndarray) for p in params.values()):
        raise TypeError(f"{where}: model.params should be a dict name -> numpy array, as "
                        f"rnnlib.SequenceModel's is; got {type(model.params).__name__}.")
    for name, p in params.items():
        if not np.all(np.isfinite(p)):
            raise ValueError(f"{where}: the model's parameter {name!r} is not finite (it holds "
                             f"{p.flat[np.argmin(np.isfinite(p))]}), so no loss can be computed. A "
                             f"run that diverged keeps the weights it reached: build a new model, or "
                             f"load a checkpoint saved before the divergence.")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer should be an rnnlib optimiser such as "
                        f"rnnlib.Adam(model.params, lr=1e-2), got {type(optimizer).__name__}.")
    foreign = [k for k, p in optimizer.params.items() if params.get(k) is not p]
    if foreign:
        raise ValueError(f"{where}: the optimizer holds arrays that are not this model's parameters "
                         f"(first: {foreign[0]!r}), so its steps would not change the model. Build "
                         f"it from this model: rnnlib.Adam(model.params, lr=...).")


def _check_targets(targets, loss, N, T, O, where):
    """targets as the loss will read them: (N, T) ids in 0 .. O-1 for "cross_entropy", finite
    (N, T, O) floats for "mse", anything with the (N, T) axes first for a loss function."""
    ids = f"class ids (batch, time) = {v.fmt_shape((N, T))} for the cross-entropy"
    if loss == "cross_entropy":
        if np.ndim(targets) == 3 and np.shape(targets)[:2] == (N, T):
            raise ValueError(f"{where}: targets should be {ids}, got "
                             f"{v.fmt_shape(np.shape(targets))}. Targets are ids, not one-hot "
                             f"rows: use targets.argmax(axis=-1), or loss='mse' for values.")
        y = v.ids(targets, O, "targets", where) if O is not None else np.asarray(targets)
    elif loss == "mse":
        y = v.array(targets, [("batch", N), ("time", T), ("output_size", O)], "targets", where,
                    "For the squared error, targets has the shape of the model's output.")
    else:
        try:
            y = np.asarray(targets)
        except (ValueError, TypeError):             # ragged nested lists
            raise TypeError(f"{where}: targets could not be turned into an array: its nested lists "
                            f"have different lengths. Pass a numpy array.") from None
    if y.ndim < 2 or y.shape[:2] != (N, T):
        raise ValueError(f"{where}: targets should start with the (batch, time) axes of x, "
                         f"{v.fmt_shape((N, T))}, got {v.fmt_shape(y.shape)}.")
    if loss == "cross_entropy" and y.ndim != 2:
        raise ValueError(f"{where}: targets should be {ids}, got {v.fmt_shape(y.shape)}.")
    return y


def _settings(where, model, x, targets, optimizer, loss, epochs, clip, clip_value, callback, every,
              calls):
    """The checks fit and fit_truncated share, calls the keywords they pass model.forward;
    returns (loss_fn, epochs, every, clip, clip_value, x, targets)."""
    _check_model(model, optimizer, where, calls)
    epochs = v.positive_int(epochs, "epochs", where)
    every = v.positive_int(every, "every", where)
    if isinstance(loss, str):
        loss_fn = LOSSES[v.choice(loss, tuple(LOSSES), "loss", where)]
    elif callable(loss):
        loss_fn = loss
    else:
        raise TypeError(f"{where}: loss should be 'cross_entropy', 'mse' or a function "
                        f"(y, targets, mask) -> (loss, dy), got {type(loss).__name__}.")
    if clip is not None and clip_value is not None:
        raise ValueError(f"{where}: clip={clip!r} and clip_value={clip_value!r} are two ways to clip "
                         f"the same gradients; pass only one. clip rescales the whole gradient to a "
                         f"norm of at most clip (its direction kept); clip_value cuts each entry to "
                         f"[-clip_value, clip_value].")
    if clip is not None:
        clip = v.positive_float(clip, "clip", where, "It is the max_norm for clip_grad_norm_; try 5.0.")
    if clip_value is not None:
        clip_value = v.positive_float(clip_value, "clip_value", where,
                                      "It is the largest |entry| clip_grad_value_ lets through; try 0.1.")
    if callback is not None and not callable(callback):
        raise TypeError(f"{where}: callback should be a function (epoch, history), got "
                        f"{type(callback).__name__}.")
    F = getattr(model, "input_size", None)
    if F is not None and v.is_token_ids(x):          # (N, T) token ids, as the model reads them
        x = v.ids(x, F, "x", where)
    else:
        x = v.array(x, [("batch", None), ("time", None), ("input_size", F)], "x", where,
                    v.sequence_or_ids_hint(x) if F is not None else v.sequence_hint(x))
    N, T = x.shape[:2]
    name = loss if isinstance(loss, str) else None
    targets = _check_targets(targets, name, N, T, getattr(model, "output_size", None), where)
    return loss_fn, epochs, every, clip, clip_value, x, targets


def _loss_and_grad(loss_fn, y, targets, mask, where):
    """loss_fn(y, targets, mask), with what came in and out checked: a model's output y, and
    the pair (loss, dy) with a finite loss and dy of y's shape."""
    if not isinstance(y, np.ndarray) or y.ndim != 3:
        got = f"an array of shape {v.fmt_shape(y.shape)}" if isinstance(y, np.ndarray) else (
            f"a {type(y).__name__}" + (f" of {len(y)} items" if isinstance(y, tuple) else ""))
        raise TypeError(f"{where}: model(x) should return the output y (batch, time, output_size), "
                        f"got {got}. A recurrent layer returns (output, h_n): train an "
                        f"rnnlib.SequenceModel, which reads the output with a Dense layer.")
    out = loss_fn(y, targets, mask)
    if not (isinstance(out, tuple) and len(out) == 2):
        items = f" of {len(out)} items" if isinstance(out, tuple) else ""
        raise TypeError(f"{where}: the loss function should return a pair (loss, dy), got "
                        f"{type(out).__name__}{items}.")
    loss, dy = out
    if not isinstance(loss, (numbers.Real, np.ndarray)) or isinstance(loss, bool) or np.ndim(loss):
        shape = f" of shape {v.fmt_shape(np.shape(loss))}" if isinstance(loss, np.ndarray) else ""
        raise TypeError(f"{where}: the loss function should return the loss as one real number, "
                        f"got {type(loss).__name__}{shape}.")
    if not np.isfinite(loss):
        raise ValueError(f"{where}: the loss function returned a loss of {float(loss)}; it should be "
                         f"a finite number. Call it by hand on the first batch to see where the "
                         f"{float(loss)} comes from: loss_fn(model(x), targets, None).")
    dy = v.array(dy, list(zip(("batch", "time", "output_size"), y.shape)),
                 "dy (the loss function's gradient)", where,
                 "dy = dL/dy has the shape of y = model(x).")
    return float(loss), dy


@contextlib.contextmanager
def _put_back_on_error(model, optimizer, where):
    """Inside it, an error from the model, the loss function or the callback puts the model's
    parameters and gradients and the optimiser's state back as they were, then propagates.
    Divergence (FloatingPointError) keeps the weights reached, as its message says; an
    interrupt (KeyboardInterrupt, not an error) keeps the training done so far."""
    params = {k: p.copy() for k, p in model.params.items()}
    grads = {k: g.copy() for k, g in model.grads.items()}
    state, steps = copy.deepcopy(optimizer.state), optimizer.steps
    try:
        yield
    except FloatingPointError:
        raise
    except Exception as error:
        for k, p in model.params.items():
            p[...] = params[k]
        for k, g in model.grads.items():
            g[...] = grads[k]
        optimizer.state.clear()
        optimizer.state.update(state)
        optimizer.steps = steps
        error.add_note(f"{where}: the model and the optimizer were put back as they were before "
                       f"this call.")
        raise


def _clip(grads, clip, clip_value):
    """Clip in place as asked (by global norm, by value, or not at all); return the norm before."""
    if clip is not None:
        return clip_grad_norm_(grads, clip)
    norm = global_norm(grads)
    if clip_value is not None:
        clip_grad_value_(grads, clip_value)
    return norm


def _epoch_mean(batches, i):
    """The mean of field i over an epoch's minibatches, weighted by their real steps (one
    batch: its value unchanged, not w * value / w, which can differ in the last bit)."""
    if len(batches) == 1:
        return float(batches[0][i])
    w = np.array([b[0] for b in batches], dtype=float)
    return float(np.dot(w, [b[i] for b in batches]) / w.sum())


def _record(history, batches):
    history["loss"].append(_epoch_mean(batches, 1))
    history["grad_norm"].append(_epoch_mean(batches, 2))
    if batches[0][3] is not None:
        history.setdefault("accuracy", []).append(_epoch_mean(batches, 3))


def _diverged(epoch, history, optimizer, clip, clip_value, passes, where="fit"):
    """The error for a run whose numbers overflowed: what happened, and what to change."""
    if passes == 0:
        return FloatingPointError(
            f"{where}: a number overflowed float64 in the first pass, before any update, so the "
            "inputs or targets are too large for the model's weights. Scale them down, e.g. "
            "divide x and the targets by their largest absolute value.")
    before = (f" The loss was {history['loss'][-1]:.4g} after epoch {epoch - 1}." if history["loss"]
              else "")
    if clip is not None:
        fix = f"clip the gradients harder than clip={clip:g}"
    elif clip_value is not None:
        fix = f"clip the gradients harder than clip_value={clip_value:g}"
    else:
        fix = f"clip the gradients, e.g. {where}(..., clip=1.0)"
    return FloatingPointError(
        f"{where}: training diverged in epoch {epoch}: the weights grew until a number overflowed "
        f"float64.{before} The learning rate is probably too large for this problem "
        f"(optimizer.lr = {optimizer.lr:g}); try one 10 times smaller, or {fix}. The model "
        f"keeps the huge weights it reached; build a new one to start again.")


def fit(model, x, targets, optimizer, *, loss="cross_entropy", epochs=100, lengths=None, clip=None,
        clip_value=None, batch_size=None, seed=0, callback=None, every=1):
    """Train model on (x, targets) for `epochs` passes over the data; return the history.

    model      has forward(x, lengths=...) -> y, backward(dy), zero_grad(), params, grads
               (rnnlib.SequenceModel)
    x          (N, T, F) inputs, or (N, T) token ids for a model that takes them (a
               SequenceModel does);  targets: what the loss compares y with, (N, T) class ids
               in 0 .. O-1 for "cross_entropy", (N, T, O) values for "mse"
    optimizer  built on model.params, e.g. rnnlib.Adam(model.params, lr=1e-2)
    loss       "cross_entropy", "mse", or a function (y, targets, mask) -> (loss, dy)
    lengths    (N,) real length of each padded sequence: padded steps are masked out of the loss
    clip       None, or the max_norm for clip_grad_norm_ before each step
    clip_value None, or the clip_value for clip_grad_value_ before each step (not both)
    batch_size None for one step per epoch on the whole batch; otherwise minibatches of this
               many sequences, in an order shuffled each epoch by np.random.default_rng(seed)
    callback   None, or a function callback(epoch, history) run after epoch `every`,
               2*every, ... and the last one (epochs count from 1), e.g.
               rnnlib.widgets.TrainingMonitor(epochs) for a live plot in a notebook

    Returns history, a dict of lists with one entry per epoch: "loss", "grad_norm" (the
    gradient norm before clipping) and, for "cross_entropy", "accuracy". The loss of an
    epoch is measured on the parameters before that epoch's update(s); with minibatches, each
    entry is the mean over the epoch's minibatches, weighted by their number of real steps.

    Every argument is checked before the first update (targets against the model's output
    size as well). An error found later (raised by a loss function, a callback or the model)
    puts the model's parameters and gradients and the optimiser's state back as they were
    before the call. Raises FloatingPointError, saying what to change, when a number
    overflows: training has diverged (learning rate too large; the model keeps the weights it
    reached), or the first pass already overflowed (inputs too large).
    """
    where = "fit"
    loss_fn, epochs, every, clip, clip_value, x, targets = _settings(
        where, model, x, targets, optimizer, loss, epochs, clip, clip_value, callback, every,
        calls=("lengths",))
    N, T = x.shape[:2]
    mask = None
    if lengths is not None:
        lengths = v.lengths(lengths, N, T, where)
        mask = sequence_mask.unchecked(lengths, T)                # (N, T) bool
    batch_size = N if batch_size is None else min(v.positive_int(batch_size, "batch_size", where), N)
    rng = np.random.default_rng(v.seed(seed, where))
    grads = {k: model.grads[k] for k in optimizer.params}        # what the optimiser steps on

    history = {"loss": [], "grad_norm": []}
    passes = 0                                                   # forward-backward passes completed
    with _put_back_on_error(model, optimizer, where):   # bad input found mid-run changes nothing
        for epoch in range(1, epochs + 1):
            order = np.arange(N) if batch_size == N else rng.permutation(N)
            batches = []                                             # (weight, loss, norm, accuracy)
            for start in range(0, N, batch_size):
                idx = order[start:start + batch_size]
                lens = None if lengths is None else lengths[idx]
                m = None if mask is None else mask[idx]
                # With finite data and weights, an overflow can only mean that training diverged:
                # numpy raises at the first one, and _diverged says so in words (no warning wall).
                with np.errstate(over="raise", invalid="raise"):
                    try:
                        model.zero_grad()
                        y = model(x[idx], lengths=lens)
                        loss_value, dy = _loss_and_grad(loss_fn, y, targets[idx], m, where)
                        acc = accuracy(y, targets[idx], m) if loss_fn is softmax_cross_entropy else None
                        model.backward(dy)
                        passes += 1
                        norm = _clip(grads, clip, clip_value)
                        optimizer.step(grads)
                    except FloatingPointError:
                        raise _diverged(epoch, history, optimizer, clip, clip_value, passes) from None
                weight = len(idx) * T if m is None else m.sum()      # real steps behind this loss
                batches.append((weight, loss_value, norm, acc))
            _record(history, batches)
            if callback is not None and (epoch % every == 0 or epoch == epochs):
                callback(epoch, history)
    return history


def check_history(history, where):
    """(loss (E,), accuracy (E,) or None) from a history as fit returns it, or an error that
    says what is wrong with it: the check of the plots and monitors that draw a history."""
    if not isinstance(history, dict) or "loss" not in history:
        got = (type(history).__name__ if not isinstance(history, dict) else
               f"a dict with keys {sorted(map(str, history))}" if history else "an empty dict")
        raise TypeError(f"{where}: history should be the dict of lists that rnnlib.fit returns, "
                        f"with one value per epoch under 'loss'; got {got}.")
    accuracy = history.get("accuracy")
    try:                                       # numbers of any kind: a history is not weights
        loss = np.asarray(history["loss"], dtype=float)
        accuracy = None if accuracy is None or not len(accuracy) else np.asarray(accuracy, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: history should hold lists of numbers, one per epoch; its "
                        f"'loss' or 'accuracy' holds something else.") from None
    if loss.ndim != 1 or not loss.size or (accuracy is not None and accuracy.shape != loss.shape):
        raise ValueError(f"{where}: history['loss'] should hold one value per epoch, at least "
                         f"one, and history['accuracy'], when given, as many; got "
                         f"{v.fmt_shape(loss.shape)} losses"
                         + ("" if accuracy is None else f" and {v.fmt_shape(accuracy.shape)} accuracies")
                         + ".")
    return loss, accuracy


# --- truncated backpropagation through time ----------------------------------------------

def _check_time_windows(T, k, *, align="start"):
    where = "time_windows"
    T = v.positive_int(T, "T", where)
    k = v.positive_int(k, "k", where)
    if -(-T // k) > MAX_WINDOWS:
        raise ValueError(f"{where}: T={T} steps in windows of k={k} make more than the "
                         f"{MAX_WINDOWS:.0e} windows this function lists. T is a number of "
                         f"timesteps, x.shape[1]; check it, or use a longer k.")
    return T, k, v.choice(align, ALIGNS, "align", where)


def time_windows(T, k, *, align="start"):
    """The windows of k timesteps that cover 0 .. T-1, in order, as a list of slices.

    align "start"  [0, k), [k, 2k), ...: the last window is the short one when k does not
                   divide T (min-char-rnn's layout, for a loss at every step)
          "end"    ..., [T-2k, T-k), [T-k, T): the first window is the short one, so the last
                   window is always full (for a loss at the last step only: its gradient then
                   reaches exactly k-1 steps back)
    k >= T gives one window, [0, T): no truncation at all.

        time_windows(10, 4)              -> [slice(0, 4), slice(4, 8), slice(8, 10)]
        time_windows(10, 4, align="end") -> [slice(0, 2), slice(2, 6), slice(6, 10)]
    """
    T, k, align = _check_time_windows(T, k, align=align)
    return _windows(T, k, align)


def _windows(T, k, align):
    first = T % k if align == "end" and T % k else min(k, T)     # where the first window ends
    return [slice(0, first)] + [slice(s, min(s + k, T)) for s in range(first, T, k)]


def fit_truncated(model, x, targets, optimizer, *, k, loss="cross_entropy", epochs=100, clip=None,
                  clip_value=None, align="start", callback=None, every=1):
    """Train with truncated backpropagation through time, windows of k steps; return the history.

    Each epoch reads the whole batch once, window by window (time_windows(T, k, align=align)),
    starting from the zero state. For each window w:

        model.zero_grad()
        y, state = model(x[:, w], h0=state, return_state=True)   # from where the last window ended
        loss, dy = loss_fn(y, targets[:, w], None)
        model.backward(dy)                  # stops at the window's first step: the gradient is cut
        optimizer.step(grads)               # after clipping, as in fit: one update per window

    The state (num_layers, N, H) carries over from window to window, but no gradient crosses
    a window's start: the loss at step s reaches only the steps of its own window. With k >= T
    there is one window and an epoch is exactly one epoch of fit (no minibatches). The batch
    stays together and in order (no batch_size, no shuffling): row n of one window continues
    row n of the last.

    model      rnnlib.SequenceModel (forward(x, h0=, return_state=True), backward, zero_grad,
               params, grads), reading forwards (go_backwards=False)
    x          (N, T, F), or (N, T) token ids; targets (N, T) class ids or (N, T, O) values,
               cut like x
    k          the window length, a whole number >= 1
    loss       "cross_entropy", "mse", or a function (y, targets, mask) -> (loss, dy), called
               with mask=None on each window's (N, k, ...) slices
    clip, clip_value, callback, every: as in fit
    align      "start" or "end", see time_windows

    Returns history as fit does, one entry per epoch: the mean over the epoch's windows,
    weighted by their lengths, of the loss (each measured before its window's update) and of
    the gradient norm before clipping; and "accuracy" for "cross_entropy".
    Checks, the putting back after an error, and FloatingPointError when training diverges:
    as in fit.
    """
    where = "fit_truncated"
    loss_fn, epochs, every, clip, clip_value, x, targets = _settings(
        where, model, x, targets, optimizer, loss, epochs, clip, clip_value, callback, every,
        calls=("h0", "return_state"))
    if getattr(model, "go_backwards", False):
        raise ValueError(f"{where}: the model reads backwards (go_backwards=True), but truncated "
                         f"BPTT carries the state forwards in time, from one window to the next. "
                         f"Use a model with go_backwards=False.")
    N, T = x.shape[:2]
    windows = _windows(T, v.positive_int(k, "k", where), v.choice(align, ALIGNS, "align", where))
    grads = {name: model.grads[name] for name in optimizer.params}

    history = {"loss": [], "grad_norm": []}
    passes = 0
    with _put_back_on_error(model, optimizer, where):
        for epoch in range(1, epochs + 1):
            state, batches = None, []                                # None: the zero state
            for w in windows:
                with np.errstate(over="raise", invalid="raise"):
                    try:
                        model.zero_grad()
                        y, state = model(x[:, w], h0=state, return_state=True)   # (N, k, O), (L, N, H)
                        loss_value, dy = _loss_and_grad(loss_fn, y, targets[:, w], None, where)
                        acc = accuracy(y, targets[:, w]) if loss_fn is softmax_cross_entropy else None
                        model.backward(dy)                           # dh0 is dropped: the cut
                        passes += 1
                        norm = _clip(grads, clip, clip_value)
                        optimizer.step(grads)
                    except FloatingPointError:
                        raise _diverged(epoch, history, optimizer, clip, clip_value, passes,
                                        where) from None
                batches.append((N * (w.stop - w.start), loss_value, norm, acc))
            _record(history, batches)
            if callback is not None and (epoch % every == 0 or epoch == epochs):
                callback(epoch, history)
    return history
