"""Looking inside a hidden state: the computations behind rnnlib.widgets.HiddenStateExplorer,
in plain numpy (and html for the coloured text), so they can be used and tested without a widget.

    states = rnnlib.hidden_states(model, vocab, text)          # (T, H)
    select_units(states, start, end, threshold)                # which units are on in a span
    on_positions(states, units, signs, threshold)              # where those units are all on
    runs(mask)                                                 # [(start, end), ...] of a bool mask
    feature_correlations(states, features)                     # Pearson r of every unit
    diverging_colours(values, scale)                           # blue - white - red
    coloured_text_html(text, values, scale) / marked_text_html(text, marks)   # the text as HTML

"On", the definition used throughout (select and match, after LSTMVis): unit u is on at
character t on the positive side when h[t, u] > threshold, on the negative side when
h[t, u] < -threshold. A tanh unit can signal with either sign, so both count; threshold >= 0.
Spans are half-open, as Python slices are: (start, end) covers start, ..., end - 1.
"""
from __future__ import annotations

import html
import numbers
from dataclasses import dataclass

import numpy as np

from . import _validation as v

# The two ends of the diverging scale (ColorBrewer's RdBu): red for +scale, blue for -scale.
RED = np.array([178, 24, 43])
BLUE = np.array([33, 102, 172])
WHITE = np.array([255, 255, 255])


# --- select and match --------------------------------------------------------------------

@dataclass
class Selection:
    """The units that are on all along a span, best first (see select_units)."""
    units: np.ndarray      # (K,) unit numbers
    signs: np.ndarray      # (K,) +1: on above +threshold, -1: on below -threshold
    inside: np.ndarray     # (K,) mean activation inside the span
    outside: np.ndarray    # (K,) mean activation outside it (nan when the span is everything)
    scores: np.ndarray     # (K,) sign * (inside - outside): how much more on inside than out

    def __len__(self):
        return len(self.units)


def select_units(states, start, end, threshold):
    """The units that are on at every character of text[start:end], on one side, ranked by
    how much more on they are inside the span than outside it.

    states (T, H); 0 <= start <= end <= T; threshold >= 0.  ->  Selection, best first.
    A unit on the positive side scores mean_inside - mean_outside, on the negative side
    mean_outside - mean_inside; "off elsewhere" is thus a ranking, not a hard rule. When
    the span is the whole text there is no outside: the score is sign * mean_inside. An
    empty span (start == end) selects nothing.
    """
    where = "select_units"
    states = _states(states, where)
    T = states.shape[0]
    start, end = _span(start, end, T, where)
    threshold = _threshold(threshold, where)
    empty = np.zeros(0)
    if start == end:
        return Selection(empty.astype(int), empty.astype(int), empty, empty, empty)
    span = states[start:end]                                       # (S, H)
    rest = np.concatenate([states[:start], states[end:]])          # (T - S, H)
    inside = span.mean(axis=0)                                     # (H,)
    outside = rest.mean(axis=0) if len(rest) else np.full(states.shape[1], np.nan)
    candidates = []
    for sign in (+1, -1):
        on = np.all(sign * span > threshold, axis=0)               # (H,) on everywhere in it
        for u in np.flatnonzero(on):
            score = sign * (inside[u] - (outside[u] if len(rest) else 0.0))
            candidates.append((-score, int(u), sign))              # ties: the lower unit first
    candidates.sort()
    units = np.array([u for _, u, _ in candidates], dtype=int)
    signs = np.array([s for _, _, s in candidates], dtype=int)
    return Selection(units, signs, inside[units], outside[units],
                     np.array([-c[0] for c in candidates], dtype=float))


def on_positions(states, units, signs, threshold):
    """mask[t] = True where every unit in units is on, on its side: signs[i] * h[t, units[i]] > threshold.

    states (T, H), units (K,), signs (K,) of +1/-1  ->  mask (T,) bool; all False when K = 0.
    """
    units = np.asarray(units, dtype=int)
    if units.size == 0:
        return np.zeros(len(states), dtype=bool)
    signs = np.asarray(signs).reshape(1, -1)
    return np.all(signs * np.asarray(states)[:, units] > threshold, axis=1)


def runs(mask):
    """The stretches of True in a 1-D bool mask, as half-open (start, end) pairs, in order."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])           # every switch False->True or True->False
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


# --- ground truth ------------------------------------------------------------------------

def feature_correlations(states, features):
    """r[name][u] = Pearson correlation between unit u's activation and features[name] over the
    characters: cov(h_u, f) / (std(h_u) std(f)).

    states (T, H); features: dict name -> (T,) numbers or bools  ->  dict name -> r (H,).
    r is nan where it is undefined: a unit or a feature that never changes in this text.
    """
    where = "feature_correlations"
    states = _states(states, where)
    T = states.shape[0]
    hc = states - states.mean(axis=0)                                  # (T, H) centred
    h_norm = np.sqrt((hc * hc).sum(axis=0))                            # (H,)
    result = {}
    for name, f in check_features(features, T, where).items():
        fc = f - f.mean()                                              # (T,)
        denom = h_norm * np.sqrt(fc @ fc)                              # (H,)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (fc @ hc) / denom
        result[name] = np.where(denom > 1e-12 * max(T, 1), np.clip(r, -1, 1), np.nan)
    return result


def top_units(r, k=5):
    """The k units with the largest |r|, best first, units with r = nan left out: (units, r)."""
    r = np.asarray(r, dtype=float)
    order = [u for u in np.argsort(-np.abs(np.nan_to_num(r, nan=-1.0)), kind="stable")
             if not np.isnan(r[u])][:k]
    return np.array(order, dtype=int), r[order]


def check_features(features, T, where):
    """A dict name -> (T,) float array, checked; None stays None."""
    if features is None:
        return None
    if not isinstance(features, dict):
        raise TypeError(f"{where}: features should be a dict of name -> array (one value per "
                        f"character), got {type(features).__name__}. E.g. "
                        f"{{'inside_quotes': inside}} with inside an array of 0/1.")
    out = {}
    for name, f in features.items():
        arr = np.asarray(f)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{where}: features[{name!r}] should hold numbers or bools, got "
                            f"dtype {arr.dtype}.")
        if arr.shape != (T,):
            raise ValueError(f"{where}: features[{name!r}] should have shape ({T},), one value "
                             f"per character of the text, got {v.fmt_shape(arr.shape)}.")
        arr = arr.astype(np.float64)
        v.check_finite(arr, f"features[{name!r}]", where)
        out[str(name)] = arr
    return out


# --- colour and HTML ---------------------------------------------------------------------

def diverging_colours(values, scale):
    """'#rrggbb' per value: white at 0, deepening to red at +scale and to blue at -scale
    (values beyond +-scale get the end colour). values (...) -> array of str, same shape."""
    t = np.clip(np.asarray(values, dtype=float) / scale, -1.0, 1.0)[..., None]     # (..., 1)
    end = np.where(t >= 0, RED, BLUE)                                              # (..., 3)
    rgb = np.rint(WHITE + np.abs(t) * (end - WHITE)).astype(int)
    hexes = np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.reshape(-1, 3)])
    return hexes.reshape(np.shape(values))


def html_char(c):
    """A character as it can be seen in a coloured cell: a newline is shown as a return arrow."""
    return "\u21b5\n" if c == "\n" else html.escape(c)


_BOX = ('<div style="font-family: monospace; white-space: pre-wrap; line-height: 1.5; '
        'max-height: 24em; overflow-y: auto">{}</div>')


def coloured_text_html(text, values, scale, offset=0):
    """text as HTML, each character on the diverging colour of its value; hovering shows the
    position (offset + t) and the value. text (T,) str, values (T,)."""
    colours = diverging_colours(values, scale)
    ink = np.where(np.abs(np.asarray(values)) > 0.6 * scale, "#fff", "#000")    # legible on dark
    values = np.asarray(values).tolist()                   # Python floats format faster
    cells = [f'<span style="background:{bg};color:{fg}" title="{offset + t}: {x:+.3f}">'
             f'{html_char(c)}</span>'
             for t, (c, x, bg, fg) in enumerate(zip(text, values, colours, ink))]
    return _BOX.format("".join(cells))


MARK_STYLES = {1: "outline: 2px solid #222; background: #ffe08a",     # the selected span
               2: "background: #8fd19e"}                               # a place that matches


def marked_text_html(text, marks):
    """text as HTML with stretches marked: marks (T,) ints, 0 plain, 1 the selection, 2 a match."""
    marks = np.asarray(marks)
    edges = np.flatnonzero(np.diff(marks)) + 1
    parts = []
    for a, b in zip(np.concatenate([[0], edges]), np.concatenate([edges, [len(text)]])):
        piece = "".join(html_char(c) for c in text[a:b])
        style = MARK_STYLES.get(int(marks[a])) if b > a else None
        parts.append(f'<span style="{style}">{piece}</span>' if style else piece)
    return _BOX.format("".join(parts))


# --- checks ------------------------------------------------------------------------------

def _states(states, where):
    arr = v.as_float_array(states, "states", where)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"{where}: states should have shape (T, H), one row per character, got "
                         f"{v.fmt_shape(arr.shape)}. rnnlib.hidden_states(model, vocab, text) "
                         f"gives them.")
    v.check_finite(arr, "states", where)
    return arr


def _span(start, end, T, where):
    start = v.int_in(start, 0, T, "start", where, f"Spans are positions 0 to {T} of the text.")
    end = v.int_in(end, start, T, "end", where, "end is past the last character of the span, "
                   "so it is at least start (start == end is the empty span).")
    return start, end


def _threshold(value, where):
    message = (f"{where}: threshold should be a number >= 0, got {value!r}. A unit is on where "
               f"its activation is above +threshold or below -threshold.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(message)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(message)
    return float(value)
