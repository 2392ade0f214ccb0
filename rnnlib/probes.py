"""Testing what a hidden state knows, with controls: linear read-outs, partial correlations,
and holding a unit fixed to see what the model then predicts (notebook 08).

    w, c = fit_readout(states, feature)                  # least squares: feature ~ states @ w + c
    readout_r(fit_states, fit_feature, states, feature)  # fitted on one text, r on another
    untrained_like(model, seed)                          # the same architecture, initial weights
    without_memory(model)                                # a copy whose state carries nothing over
    partial_correlation(x, y, z)                         # r of x and y once z's linear part is gone
    states, probs = clamped_run(model, vocab, text, units, values, where)   # units held fixed
    char_classes(text), number_positions(text)           # what each character is
    class_means(values, labels)                          # a unit's mean in each class

A read-out or a correlation says what can be *read* from the state; it does not say the
model *uses* it, nor that it needed memory to have it. The controls answer the second
question (an untrained model, and the trained one without its recurrent weights, read the
same characters); clamped_run asks the first (change the unit, watch the predictions).

Every public function checks its arguments once, at the boundary (the ``_check_*`` function on
its ``@checked_by`` line, right above it); series that go together must have the same length,
and unit numbers are 0 .. H-1 (a negative one never counts from the end). A correlation is nan
only where a series is constant up to round-off, judged against its own size
(rnnlib.explore.varies), so a result does not change when the data are scaled.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from ._validation import checked_by
from .explore import centred, varies
from .functional import activation
from .generate import _finite, check_model, encode_text
from .losses import softmax
from .models import SequenceModel

# --- linear read-outs ------------------------------------------------------------------------


def _check_fit_readout(states, feature):
    where = "fit_readout"
    states = _states(states, where)
    return states, _series(feature, len(states), "feature", where)


@checked_by(_check_fit_readout)
def fit_readout(states, feature):
    """(w, c) minimising sum_t (states[t] @ w + c - feature[t])^2: ordinary least squares.

    states (T, H), feature (T,)  ->  w (H,), c float. np.linalg.lstsq gives the minimum-norm
    solution when units are linearly dependent (a constant unit, say), so it never fails.
    """
    # Fitted on each unit centred and scaled to size 1, then mapped back: the same least
    # squares, but lstsq's test for dependent columns then does not depend on the units' scale.
    peak = np.abs(states).max(axis=0)
    scaled = states / np.where(peak > 0, peak, 1.0)                      # (T, H)
    mean = scaled.mean(axis=0)                                           # (H,)
    design = np.hstack([scaled - mean, np.ones((len(states), 1))])       # (T, H + 1)
    wc = _lstsq(design, feature, "fit_readout")                          # (H + 1,)
    with np.errstate(over="ignore", invalid="ignore"):
        w = _fits(wc[:-1] / np.where(peak > 0, peak, 1.0), "fit_readout")
    return w, float(wc[-1] - mean @ wc[:-1])


def _check_readout_r(fit_states, fit_feature, states, feature):
    where = "readout_r"
    fit_states = _states(fit_states, where, "fit_states")
    fit_feature = _series(fit_feature, len(fit_states), "fit_feature", where)
    states = _states(states, where)
    if states.shape[1] != fit_states.shape[1]:
        raise ValueError(f"{where}: states should have the same number of units as "
                         f"fit_states ({fit_states.shape[1]}), got {states.shape[1]}. Read both "
                         f"texts with the same model.")
    return fit_states, fit_feature, states, _series(feature, len(states), "feature", where)


@checked_by(_check_readout_r)
def readout_r(fit_states, fit_feature, states, feature):
    """Pearson r between feature and the read-out fitted on (fit_states, fit_feature):

        w, c = fit_readout(fit_states, fit_feature);  r = corr(states @ w + c, feature)

    Fit on one text and score on another, so that r measures what the state carries, not
    what the fit memorised. fit_states (T1, H), fit_feature (T1,), states (T2, H) with the
    same H, feature (T2,)  ->  r, a float (nan when the read-out or the feature is constant).
    """
    w, c = fit_readout.unchecked(fit_states, fit_feature)
    with np.errstate(over="ignore", invalid="ignore"):
        readout = _fits(states @ w + c, "readout_r")                     # (T2,)
    return _pearson(readout, feature)


# --- controls --------------------------------------------------------------------------------


def _check_untrained_like(model, seed=0):
    _model(model, "untrained_like")
    return model, v.seed(seed, "untrained_like")


@checked_by(_check_untrained_like)
def untrained_like(model, seed=0):
    """A new SequenceModel of model's architecture with the initial weights of seed: what
    training started from (for another seed, a model like it), the control for "was it learned?"."""
    return SequenceModel(**model.config(), seed=seed)


def _check_without_memory(model):
    _model(model, "without_memory")
    return (model,)


@checked_by(_check_without_memory)
def without_memory(model):
    """A copy of model whose state depends on the current character only: every recurrent
    weight W_hh set to 0, so h_t = act(x_t W_x + b). For an LSTM (GRU) the path that carries
    the old cell (hidden) state is closed too: the forget (update) gate is held at 0 by a bias
    of -50, since W_hh = 0 alone leaves c_t = f c_{t-1} + ... (h_t = z h_{t-1} + ...) carrying
    the past. The read-out (head) is the trained one, and so is the record of the text it
    trained on (model.train_text) and its vocabulary (model.symbols). The control for "does it
    need memory?"."""
    copy = untrained_like.unchecked(model, 0)
    copy.load_state_dict(model.state_dict())
    copy.train_text = model.train_text                        # the same weights' records
    copy.symbols = model.symbols
    rnn, H = copy.rnn, copy.hidden_size
    for name, p in rnn.params.items():
        if name.startswith("weight_hh"):
            p[...] = 0.0                                      # nothing from h_{t-1} ...
        elif model.cell in ("lstm", "gru") and name.startswith("bias_"):
            # ... and no carried state: rows H:2H are the LSTM's f and the GRU's z
            p[H:2 * H] = -50.0 if name.startswith("bias_ih") else 0.0
    return copy


# --- partial correlation ---------------------------------------------------------------------


def _check_partial_correlation(x, y, z):
    where = "partial_correlation"
    x = _series(x, None, "x", where)
    T = len(x)
    y = _series(y, T, "y", where)
    z = np.asarray(z) if isinstance(z, np.ndarray) else v.as_array(z, "z", where)
    if z.dtype.kind not in "biuf":
        raise TypeError(f"{where}: z should hold numbers or bools, got dtype {z.dtype}.")
    if z.ndim not in (1, 2) or z.shape[0] != T:
        raise ValueError(f"{where}: z should have shape ({T},) or ({T}, K), one value (or K "
                         f"values) per entry of x, got {v.fmt_shape(z.shape)}.")
    z = z.astype(np.float64).reshape(T, -1)                            # (T, K)
    v.check_finite(z, "z", where)
    return x, y, z


@checked_by(_check_partial_correlation)
def partial_correlation(x, y, z):
    """r(x, y | z): Pearson r of what is left of x and of y once each is fitted by least
    squares with z and a constant,

        x_res = x - (a z + b),  y_res = y - (a' z + b'),  r(x, y | z) = corr(x_res, y_res)

    which for one z equals (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)).
    x, y (T,); z (T,) or (T, K) for several variables held fixed  ->  a float in [-1, 1]
    (nan when x or y is a linear function of z: nothing is left to correlate).
    """
    z = centred(z)[0]           # columns centred, largest |value| 1: the same fit at any scale
    design = np.hstack([z, np.ones((len(z), 1))])                      # (T, K + 1)
    xy = np.stack([x, y], axis=1)                                      # (T, 2)
    fitted = design @ _lstsq(design, xy, "partial_correlation")
    x_res, y_res = (xy - fitted).T                                     # (T,) each
    return _pearson(x_res, y_res, x, y)


# --- holding units fixed ---------------------------------------------------------------------


def _check_clamped_run(model, vocab, text, units, values, where):
    name = "clamped_run"
    check_model(model, vocab, name, next_character=True)
    if model.cell != "rnn" or model.num_layers != 1:
        raise ValueError(f"{name}: model should have one plain RNN layer (cell='rnn', "
                         f"num_layers=1), got cell={model.cell!r}, num_layers={model.num_layers}. "
                         f"Holding a unit of a gated or stacked model is not implemented.")
    T, H = len(encode_text(vocab, text, "text", name, min_length=1)), model.hidden_size
    units = np.atleast_1d(v.as_array(units, "units", name))
    if units.size and units.dtype.kind not in "iu":
        raise TypeError(f"{name}: units should be a unit number or a list of them, each from 0 "
                        f"to {H - 1}, got dtype {units.dtype}: {v.short(units.tolist())}.")
    if units.ndim != 1 or (len(units) and (units.min() < 0 or units.max() >= H)):
        raise ValueError(f"{name}: units should be a unit number or a list of them, each from 0 "
                         f"to {H - 1}, got {v.short(units.tolist())}. A negative number does not "
                         f"count from the end here.")
    if len(np.unique(units)) != len(units):
        raise ValueError(f"{name}: units should be distinct, got {v.short(units.tolist())}; "
                         f"each unit can be held at one value only.")
    values = np.atleast_1d(v.as_array(values, "values", name))
    if values.size and values.dtype.kind not in "iuf":
        raise TypeError(f"{name}: values should be {len(units)} number(s), one per unit, got "
                        f"dtype {values.dtype}: {v.short(values.tolist())}.")
    if values.shape != units.shape:
        raise ValueError(f"{name}: values should be {len(units)} number(s), one per unit, got "
                         f"{v.short(values.tolist())}.")
    values = values.astype(np.float64)
    v.check_finite(values, "values", name)
    if values.size and np.abs(values).max() > np.finfo(model.dtype).max:
        raise ValueError(f"{name}: values should fit in the model's {model.dtype}, got "
                         f"{v.short(values.tolist())}. A unit of this model never reaches that.")
    mask = v.as_array(where, "where", name)
    if mask.dtype != bool or mask.shape != (T,):
        raise ValueError(f"{name}: where should be a bool array of shape ({T},), one entry per "
                         f"character of text, got dtype {mask.dtype} and shape "
                         f"{v.fmt_shape(mask.shape)}. E.g. where = depth >= 1.")
    return model, vocab, text, units.astype(np.int64), values.astype(model.dtype), mask


@checked_by(_check_clamped_run)
def clamped_run(model, vocab, text, units, values, where):
    """Read text from a zero state, holding units at values on the characters where `where`
    is True, and say what the model predicts after every character:

        h_t = act(x_t W_x + h_{t-1} W_h + b);  if where[t]: h_t[units] = values
        probs[t] = softmax(h_t W_out + b_out)         the next character, given text[:t+1]

    The held value is the one the read-out sees AND the one the next step starts from, so
    the change travels on through the recurrence. With where all False this is the model's
    own run (hidden_states and next_char_probs give the same numbers).

    model   a SequenceModel, one plain RNN layer (cell "rnn"), reading forwards, over one-hot
            characters of vocab, predicting the next one
    units   an int or a list of K ints (K = 0: nothing is held, the model's own run);
    values  a number or K numbers (one per unit);  where  (T,) bools, one per character of text
    Returns states (T, H) and probs (T, V).
    """
    ids = vocab.encode(text)
    T, H = len(ids), model.hidden_size
    Wx, Wh, b = model.rnn.weights(0)                     # (V, H), (H, H), (H,)
    W_out, b_out = model.head.params["weight"].T, model.head.params["bias"]   # (H, V), (V,)
    act, dtype = model.nonlinearity, model.dtype
    states = np.empty((T, H), dtype)
    h = np.zeros(H, dtype)
    with np.errstate(over="ignore", invalid="ignore"):     # an overflow is reported below
        for t in range(T):
            h = activation(Wx[ids[t]] + h @ Wh + b, act)  # a one-hot x_t picks a row of W_x
            if where[t] and len(units):
                h[units] = values
            states[t] = h
        logits = _finite(states @ W_out + b_out, "scores", "clamped_run")     # (T, V)
    return states, softmax(logits.astype(np.float64))


# --- what each character is ------------------------------------------------------------------

# The classes of char_classes, in the order a table shows them; every character is in one.
CLASSES = ("digit", "letter", "space", "quote", "open bracket", "close bracket", "comma",
           "operator", "equals", "newline", "other")
_CLASS_OF = {**{c: "digit" for c in "0123456789"}, " ": "space", '"': "quote",
             **{c: "open bracket" for c in "([{"}, **{c: "close bracket" for c in ")]}"},
             ",": "comma", **{c: "operator" for c in "+-*/<>"}, "=": "equals", "\n": "newline"}


def char_classes(text):
    """The class of every character of text, one of CLASSES: str (T,) -> array of str (T,).

    digit 0-9, letter (a-z, A-Z), space, quote ("), open bracket ( [ {, close bracket ) ] },
    comma, operator + - * / < >, equals, newline, and other for anything else.
    """
    text = v.text(text, "text", "char_classes")
    return np.array([_CLASS_OF.get(c, "letter" if c.isalpha() else "other") for c in text],
                    dtype=object)


def number_positions(text):
    """k for the k-th digit of a run of digits (1 for the first), 0 for every other character:
    str (T,) -> int64 (T,). E.g. "x = 407," -> [0, 0, 0, 0, 1, 2, 3, 0]."""
    text = v.text(text, "text", "number_positions")
    out = np.zeros(len(text), dtype=np.int64)
    run = 0
    for t, c in enumerate(text):
        run = run + 1 if c in "0123456789" else 0
        out[t] = run
    return out


def _check_class_means(values, labels):
    where = "class_means"
    values = _series(values, None, "values", where)
    try:
        labels = np.asarray(labels, dtype=object)
    except ValueError:                                   # nested lists of different lengths
        labels = np.empty(0, dtype=object)
    if labels.shape != values.shape:
        raise ValueError(f"{where}: labels should have shape {v.fmt_shape(values.shape)}, one "
                         f"label per value, got {v.fmt_shape(labels.shape)}.")
    unhashable = [type(x).__name__ for x in labels.tolist() if not _hashable(x)]
    if unhashable:
        raise TypeError(f"{where}: labels should be hashable, such as str (char_classes(text) "
                        f"gives them), got an entry of type {unhashable[0]}.")
    return values, labels


@checked_by(_check_class_means)
def class_means(values, labels):
    """values grouped by label: [(label, count, mean, share above 0), ...] in the order labels
    first appear in CLASSES (for char_classes' labels), then in sorted order.

    values (T,) numbers (one unit's activation, say), labels (T,) hashable, e.g. char_classes(text).
    """
    present = set(labels.tolist())
    order = [c for c in CLASSES if c in present]
    order += sorted((c for c in present if c not in CLASSES), key=str)
    rows = []
    for label in order:
        m = labels == label
        rows.append((label, int(m.sum()), float(values[m].mean()), float(np.mean(values[m] > 0))))
    return rows


# --- checks ----------------------------------------------------------------------------------

def _pearson(a, b, ref_a=None, ref_b=None):
    """Pearson r of a and b; nan when either is constant up to round-off (explore.varies),
    judged against the size of ref_a and ref_b (default: a's and b's own largest values), the
    arrays they were computed from."""
    ac, ss_a = centred(a, np.abs(a if ref_a is None else ref_a).max())
    bc, ss_b = centred(b, np.abs(b if ref_b is None else ref_b).max())
    if not (varies(ss_a, len(a)) and varies(ss_b, len(b))):
        return float("nan")
    return float(np.clip((ac @ bc) / np.sqrt(ss_a * ss_b), -1.0, 1.0))


def _lstsq(design, target, where):
    """np.linalg.lstsq's solution, or a ValueError when the numbers are too large for it."""
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            solution = np.linalg.lstsq(design, target, rcond=None)[0]
        except np.linalg.LinAlgError:
            solution = np.full(design.shape[1:] + target.shape[1:], np.nan)
    if not np.isfinite(solution).all():
        raise ValueError(f"{where}: the least-squares fit overflowed: the values are too large "
                         f"(largest |value| {np.abs(design).max():.3g}) to fit in float64. "
                         f"Rescale them (divide by their largest value) first.")
    return solution


def _fits(values, where):
    """values, or the error for numbers too large for float64 on the way."""
    if not np.isfinite(values).all():
        raise ValueError(f"{where}: the read-out overflowed: the states and the feature are too "
                         f"far apart in size to fit in float64. Rescale them (divide each by its "
                         f"largest value) first.")
    return values


def _hashable(x):
    try:
        hash(x)
    except TypeError:
        return False
    return True


def _states(states, where, name="states"):
    arr = v.as_float_array(states, name, where)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"{where}: {name} should have shape (T, H), one row per character, got "
                         f"{v.fmt_shape(arr.shape)}. rnnlib.hidden_states(model, vocab, text) "
                         f"gives them.")
    v.check_finite(arr, name, where)
    return arr


def _series(value, T, name, where):
    """A 1-D float array of T values (any length >= 2 when T is None); bools and ints welcome."""
    arr = v.as_array(value, name, where)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} should hold numbers or bools, got dtype {arr.dtype}.")
    want = "(T,)" if T is None else f"({T},)"
    if arr.ndim != 1 or (T is not None and len(arr) != T) or len(arr) < 2:
        raise ValueError(f"{where}: {name} should have shape {want}, one value per character "
                         f"(at least 2), got {v.fmt_shape(arr.shape)}.")
    arr = arr.astype(np.float64)
    v.check_finite(arr, name, where)
    return arr


def _model(model, where):
    if not isinstance(model, SequenceModel):
        raise TypeError(f"{where}: model should be an rnnlib.SequenceModel, got "
                        f"{type(model).__name__}. Load one with rnnlib.load(path).")
    for name, p in model.params.items():
        if not np.isfinite(p).all():
            raise ValueError(f"{where}: the model's weights are not finite (model.params[{name!r}] "
                             f"holds {p[~np.isfinite(p)].flat[0]}); a control made from it would "
                             f"compute nothing. Load a checkpoint saved before training diverged.")
