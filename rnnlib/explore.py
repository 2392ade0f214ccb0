"""Looking inside a hidden state: the computations behind rnnlib.widgets.HiddenStateExplorer,
in plain numpy (and html for the coloured text), so they can be used and tested without a widget.

    states = rnnlib.hidden_states(model, vocab, text)          # (T, H)
    select_units(states, start, end, threshold)                # which units are on in a span
    on_positions(states, units, signs, threshold)              # where those units are all on
    runs(mask)                                                 # [(start, end), ...] of a bool mask
    feature_correlations(states, features)                     # Pearson r of every unit
    units_by_correlation(r)                                    # the units, highest r first
    diverging_colours(values, scale)                           # blue - white - red
    coloured_text_html(text, values, scale) / marked_text_html(text, marks)   # the text as HTML

and for comparing character models (notebook 09), after "Visualizing and Understanding Recurrent
Networks" (Karpathy, Johnson, Fei-Fei 2015):

    next_char_probs(model, vocab, text)                        # (T-1, V): p(text[t+1] | text[:t+1])
    ngram_probs(train_text, vocab, text, n=2)                  # the same from counted n-grams
    closings(text)                                             # each closing bracket or quote
    closing_accuracy(probs, vocab, text, edges)                # is it predicted, by distance
    gate_activations(model, vocab, text)                       # an LSTM's gates, (T, H) each
    saturation(gate, low=0.1, high=0.9)                        # per unit: share of steps shut, open

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
from .gated import lstm_forward
from .generate import check_model, encode_text
from .losses import softmax
from .module import no_grad
from .text import Vocab

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


def units_by_correlation(r):
    """Every unit, from the highest r to the lowest (the strongest negative last), units with
    r = nan at the end: the row order of a heatmap where the units that follow a feature
    gather at the top and those that go against it at the bottom. r (H,) -> (H,) ints."""
    r = np.asarray(r, dtype=float)
    return np.argsort(-np.nan_to_num(r, nan=-np.inf), kind="stable")


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


# --- what a character model predicts: closing brackets and quotes ---------------------------

def next_char_probs(model, vocab, text):
    """probs[t, k] = p(text[t+1] = vocab.symbols[k] | text[:t+1]): the model's softmax after
    reading each character but the last, from a zero state.

    model  a SequenceModel over one-hot characters (input_size = output_size = len(vocab))
    text   str of T >= 2 characters  ->  probs (T-1, V), rows summing to 1.
    rnnlib.perplexity(model, vocab, text) = exp(-mean_t log probs[t, id(text[t+1])]).
    """
    where = "next_char_probs"
    check_model(model, vocab, where, next_character=True)
    ids = encode_text(vocab, text, "text", where, min_length=2)
    x = np.eye(len(vocab), dtype=model.dtype)[ids[:-1]][None]        # (1, T-1, V)
    with no_grad():
        logits = model(x)[0]                                         # (T-1, V)
    return softmax(logits.astype(np.float64))


def ngram_probs(train_text, vocab, text, n=2):
    """probs[t, k] = p(symbol k | the n-1 characters up to text[t]), counted in train_text with
    add-one smoothing, in the layout of next_char_probs:

        p(c | a) = (count(a c) + 1) / (count(a followed by anything) + V)      a: the context

    n = 1 is the unigram (count(c) + 1) / (len(train_text) + V), n = 2 the bigram of
    rnnlib.data.char_baselines (the same perplexity when V is the same). The first n-2 rows have
    fewer characters before them; they use the longest context there is (a lower order).
    train_text, text: str in vocab's symbols (text >= 2 characters)  ->  probs (T-1, V).
    """
    where = "ngram_probs"
    _vocab(vocab, where)
    n = v.int_in(n, 1, 8, "n", where, "n = 2 is the bigram: one character of context.")
    train = encode_text(vocab, v.text(train_text, "train_text", where), "train_text", where)
    if len(train) < n:
        raise ValueError(f"{where}: train_text has {len(train)} characters, too few to count "
                         f"{n}-grams; pass the text the model was trained on.")
    ids = encode_text(vocab, v.text(text, "text", where), "text", where, min_length=2)
    V, k = len(vocab), n - 1
    tables = {}                                           # context length -> its counts
    probs = np.empty((len(ids) - 1, V))
    for r in range(len(ids) - 1):
        order = min(k, r + 1)                             # characters read before text[r + 1]
        if order not in tables:
            tables[order] = _context_counts(train, order, V)
        c = tables[order].get(_key(ids[r + 1 - order: r + 1], V), np.zeros(V))
        probs[r] = (c + 1.0) / (c.sum() + V)
    return probs


def _key(context, V):
    """One int for a context of ids: its digits in base V."""
    key = 0
    for i in context:
        key = key * V + int(i)
    return key


def _context_counts(train, order, V):
    """dict context key -> (V,) counts of the symbol that follows it in train; order 0: every
    symbol of train (the unigram's counts)."""
    if order == 0:
        return {0: np.bincount(train, minlength=V).astype(float)}
    keys = np.zeros(len(train) - order, dtype=np.int64)
    for j in range(order):                                   # base-V digits, oldest first
        keys = keys * V + train[j: len(train) - order + j]
    nxt = train[order:]
    pairs, counts = np.unique(keys * V + nxt, return_counts=True)
    table = {}
    for pair, count in zip(pairs.tolist(), counts.tolist()):
        table.setdefault(pair // V, np.zeros(V))[pair % V] = count
    return table


PAIRS = {")": "(", "]": "[", "}": "{", '"': '"'}     # each closer and the opener it closes


def closings(text, closers=")]}\""):
    """Every closing bracket or quote of text with the distance back to what it closes.

    Read as rnnlib.corpus.text_features reads: a double quote opens a string and the next one
    closes it; brackets inside a string do not count; a closing bracket closes the latest open
    one (it counts here only when the two match, e.g. ")" after "("; a stray closer counts
    nowhere). closers: which of ) ] } " to report.
    Returns (positions, distances), int64 (K,) each: text[positions[j]] closes the character
    distances[j] >= 1 places before it.
    """
    where = "closings"
    text = v.text(text, "text", where)
    closers = _closers(closers, where)
    stack, in_string, opened_at, pos, dist = [], False, -1, [], []
    for t, c in enumerate(text):
        if c == '"':
            if in_string and c in closers:
                pos.append(t)
                dist.append(t - opened_at)
            in_string, opened_at = not in_string, t
        elif in_string:
            continue
        elif c in "([{":
            stack.append((c, t))
        elif c in ")]}" and stack:
            opener, s = stack.pop()
            if opener == PAIRS[c] and c in closers:
                pos.append(t)
                dist.append(t - s)
    return np.array(pos, dtype=np.int64), np.array(dist, dtype=np.int64)


@dataclass
class ClosingAccuracy:
    """How well each closing character of a text is predicted, by the distance to its opener
    (see closing_accuracy). Bucket b holds distances edges[b] <= d < edges[b + 1]; the last
    bucket is d >= edges[-1]."""
    edges: np.ndarray        # (B,) the first distance of each bucket
    counts: np.ndarray       # (B,) closings in each bucket
    accuracy: np.ndarray     # (B,) share whose most likely next character is the closer (nan: none)
    probability: np.ndarray  # (B,) mean probability given to the closer (nan: none)
    positions: np.ndarray    # (K,) where each closing is in the text
    distances: np.ndarray    # (K,) its distance to its opener
    correct: np.ndarray      # (K,) bool: the closer was the most likely next character
    p: np.ndarray            # (K,) the probability given to it

    def overall(self):
        """(accuracy, count) over every closing, all buckets together."""
        return (float(self.correct.mean()) if len(self.correct) else float("nan"),
                int(len(self.correct)))


def closing_accuracy(probs, vocab, text, edges=(1, 5, 10, 20, 40), closers=")]}\""):
    """For each closing bracket or quote of text (closings), whether the prediction made just
    before it names it, grouped by the distance back to its opener.

    probs  (T-1, V): probs[t] the predicted distribution of text[t+1], as next_char_probs or
           ngram_probs give it;  vocab  the Vocab of probs' columns;  text  str of T characters
    edges  increasing whole numbers >= 1: the first distance of each bucket
    A closing at position t is predicted when argmax(probs[t-1]) is its id (ties: the first
    symbol of vocab wins, as np.argmax). Returns ClosingAccuracy. A closing at t = 0 has no
    opener, so every reported t is >= 1.
    """
    where = "closing_accuracy"
    _vocab(vocab, where)
    ids = encode_text(vocab, v.text(text, "text", where), "text", where, min_length=2)
    probs = v.array(probs, [("len(text) - 1", len(ids) - 1), ("len(vocab)", len(vocab))],
                    "probs", where, "next_char_probs(model, vocab, text) or ngram_probs(...) "
                    "give it for this text.")
    edges = _edges(edges, where)
    positions, distances = closings(text, closers)
    rows = probs[positions - 1]                                      # (K, V) the predictions
    p = rows[np.arange(len(positions)), ids[positions]]
    correct = rows.argmax(axis=1) == ids[positions]
    bucket = np.searchsorted(edges, distances, side="right") - 1     # -1: below the first edge
    B = len(edges)
    counts = np.array([np.sum(bucket == b) for b in range(B)], dtype=np.int64)
    with np.errstate(invalid="ignore"):
        accuracy = np.array([correct[bucket == b].mean() if counts[b] else np.nan
                             for b in range(B)])
        probability = np.array([p[bucket == b].mean() if counts[b] else np.nan
                                for b in range(B)])
    return ClosingAccuracy(edges, counts, accuracy, probability, positions, distances, correct, p)


# --- an LSTM's gates ------------------------------------------------------------------------

LSTM_GATES = ("input", "forget", "candidate", "output")      # the blocks i, f, g, o, in order


def gate_activations(model, vocab, text):
    """The top LSTM layer's gates just after reading each character of text, from a zero state:

        i_t, f_t, o_t = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g_t = tanh(a_g)
        c_t = f_t c_{t-1} + i_t g_t;  h_t = o_t tanh(c_t)

    model  a SequenceModel with cell="lstm" over one-hot characters of vocab
    Returns dict "input", "forget", "candidate", "output" -> (T, H), read from
    rnnlib.gated.lstm_forward's cache (each layer reads the h of the one below). For a
    go_backwards model row t is still the step that read text[t].
    """
    where = "gate_activations"
    check_model(model, vocab, where, next_character=False)
    if model.cell != "lstm":
        raise ValueError(f"{where}: model should be an LSTM (a SequenceModel with cell='lstm'), "
                         f"got cell={model.cell!r}, which has no input, forget or output gates. "
                         f"Build one with rnnlib.SequenceModel(V, H, V, cell='lstm').")
    ids = encode_text(vocab, text, "text", where, min_length=1)
    H = model.hidden_size
    layer_in = (ids[::-1] if model.go_backwards else ids)[None]     # (1, T) token ids
    zeros = np.zeros((1, H), model.dtype)
    for layer in range(model.num_layers):
        h, c, cache = lstm_forward(layer_in, zeros, zeros, *model.rnn.weights(layer))
        layer_in = h                                                 # (1, T, H)
    ifgo = cache[5][0]                                          # (T, 4H) after the nonlinearities
    order = slice(None, None, -1) if model.go_backwards else slice(None)
    return {name: np.array(ifgo[order, k * H:(k + 1) * H]) for k, name in enumerate(LSTM_GATES)}


def saturation(gate, low=0.1, high=0.9):
    """Per unit, the share of steps a gate is nearly shut (< low) and nearly open (> high): the
    left- and right-saturated fractions Karpathy, Johnson and Fei-Fei plot per gate.

    gate (T, H) of values in [0, 1] (one entry of gate_activations); 0 <= low < high <= 1.
    Returns (left, right), each (H,) in [0, 1]; 1 - left - right is the share in between.
    """
    where = "saturation"
    gate = v.as_float_array(gate, "gate", where)
    if gate.ndim != 2 or 0 in gate.shape:
        raise ValueError(f"{where}: gate should have shape (T, H), one row per character, got "
                         f"{v.fmt_shape(gate.shape)}. Pass one gate, e.g. "
                         f"gate_activations(...)['forget'].")
    v.check_finite(gate, "gate", where)
    if gate.min() < 0 or gate.max() > 1:
        raise ValueError(f"{where}: gate should hold values in [0, 1] (a sigmoid gate: input, "
                         f"forget or output), got values from {gate.min():.3g} to "
                         f"{gate.max():.3g}. "
                         f"The candidate g is a tanh, not a gate.")
    low = v.number_in(low, 0.0, 1.0, "low", where)
    high = v.number_in(high, 0.0, 1.0, "high", where)
    if not low < high:
        raise ValueError(f"{where}: low should be below high, got low={low}, high={high}. "
                         f"E.g. low=0.1, high=0.9.")
    return (gate < low).mean(axis=0), (gate > high).mean(axis=0)


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


def coloured_text_html(text, values, scale, offset=0, bold=0):
    """text as HTML, each character on the diverging colour of its value; hovering shows the
    position (offset + t) and the value. text (T,) str, values (T,); the first `bold`
    characters in bold (a prime, say)."""
    colours = diverging_colours(values, scale)
    ink = np.where(np.abs(np.asarray(values)) > 0.6 * scale, "#fff", "#000")    # legible on dark
    values = np.asarray(values).tolist()                   # Python floats format faster
    cells = [f'<span style="background:{bg};color:{fg}" title="{offset + t}: {x:+.3f}">'
             f'{html_char(c)}</span>'
             for t, (c, x, bg, fg) in enumerate(zip(text, values, colours, ink))]
    if bold:
        cells[:bold] = ["<b>" + "".join(cells[:bold]) + "</b>"]
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


def _vocab(vocab, where):
    if not isinstance(vocab, Vocab):
        raise TypeError(f"{where}: vocab should be an rnnlib.Vocab, got {type(vocab).__name__}. "
                        f"Use the Vocab of the model you compare with.")


def _closers(value, where):
    if not isinstance(value, str) or not value or set(value) - set(PAIRS):
        raise ValueError(f"{where}: closers should be a non-empty str of characters from "
                         f"{''.join(PAIRS)!r}, got {value!r}. E.g. closers=')' for round "
                         f"brackets only.")
    return value


def _edges(value, where):
    message = (f"{where}: edges should be increasing whole numbers >= 1, the first distance of "
               f"each bucket, got {value!r}. E.g. edges=(1, 5, 10, 20, 40).")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise TypeError(message) from None
    if arr.dtype.kind not in "iu" or arr.ndim != 1 or len(arr) == 0:
        raise TypeError(message)
    if arr[0] < 1 or np.any(np.diff(arr) <= 0):
        raise ValueError(message)
    return arr.astype(np.int64)
