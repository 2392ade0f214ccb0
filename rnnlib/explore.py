"""Looking inside a hidden state: the computations behind rnnlib.widgets.HiddenStateExplorer,
in plain numpy, so they can be used and tested without a widget. Drawing them (colours, the
text coloured by a unit as HTML) is rnnlib.widgets.colours' part.

    states = rnnlib.hidden_states(model, vocab, text)          # (T, H)
    select_units(states, start, end, threshold)                # which units are on in a span
    on_positions(states, units, signs, threshold)              # where those units are all on
    runs(mask)                                                 # [(start, end), ...] of a bool mask
    feature_correlations(states, features)                     # Pearson r of every unit
    units_by_correlation(r)                                    # the units, highest r first

and for comparing character models (notebook 09), after "Visualizing and Understanding Recurrent
Networks" (Karpathy, Johnson, Fei-Fei 2015):

    next_char_probs(model, vocab, text)                        # (T-1, V): p(text[t+1] | text[:t+1])
    ngram_probs(train_text, vocab, text, n=2)                  # the same from counted n-grams
    closings(text)                                             # each closing bracket or quote
    closing_accuracy(probs, vocab, text, edges)                # is it predicted, by distance
    gate_activations(model, vocab, text, states=False)         # the gates (and c, h), (T, H) each
    saturation(gate, low=0.1, high=0.9)                        # per unit: share of steps shut, open

"On", the definition used throughout (select and match, after LSTMVis): unit u is on at
character t on the positive side when h[t, u] > threshold, on the negative side when
h[t, u] < -threshold. A tanh unit can signal with either sign, so both count; threshold >= 0.
Spans are half-open, as Python slices are: (start, end) covers start, ..., end - 1.

Every public function checks its arguments once, at the boundary (the ``_check_*`` function on
its ``@checked_by`` line, right above it): unit numbers are 0 .. H-1 (a negative one is never
counted from the end), arrays that go together have the same length (never broadcast or cut
short). A model is checked as rnnlib.sample checks it (rnnlib.generate.
check_model: its saved vocabulary, finite weights).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from . import _validation as v
from ._validation import checked_by
from .gated import lstm_forward
from .generate import _forward, _finite, check_model, encode_text
from .losses import softmax
from .text import Vocab

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


def _check_select_units(states, start, end, threshold):
    where = "select_units"
    states = _states(states, where)
    start, end = _span(start, end, states.shape[0], where)
    return states, start, end, _threshold(threshold, where)


@checked_by(_check_select_units)
def select_units(states, start, end, threshold):
    """The units that are on at every character of text[start:end], on one side, ranked by
    how much more on they are inside the span than outside it.

    states (T, H); 0 <= start <= end <= T; threshold >= 0.  ->  Selection, best first.
    A unit on the positive side scores mean_inside - mean_outside, on the negative side
    mean_outside - mean_inside; "off elsewhere" is thus a ranking, not a hard rule. When
    the span is the whole text there is no outside: the score is sign * mean_inside. An
    empty span (start == end) selects nothing.
    """
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


def _check_on_positions(states, units, signs, threshold):
    where = "on_positions"
    states = _states(states, where)
    units = _units(units, states.shape[1], where)
    signs = _signs(signs, len(units), where)
    return states, units, signs, _threshold(threshold, where)


@checked_by(_check_on_positions)
def on_positions(states, units, signs, threshold):
    """mask[t] = True where every unit in units is on, on its side: signs[i] * h[t, units[i]] > threshold.

    states (T, H), units (K,) distinct unit numbers, signs (K,) of +1/-1  ->  mask (T,) bool;
    all False when K = 0.
    """
    if units.size == 0:
        return np.zeros(len(states), dtype=bool)
    return np.all(signs * states[:, units] > threshold, axis=1)


def _check_runs(mask):
    where = "runs"
    arr = v.as_array(mask, "mask", where)
    if arr.shape == (0,):                               # [] is an empty mask whatever its dtype
        return (np.zeros(0, dtype=bool),)
    if arr.dtype.kind not in "biu" or arr.ndim != 1 or (arr.dtype != bool and arr.size and
                                                          not np.isin(arr, (0, 1)).all()):
        raise (ValueError if arr.dtype.kind in "biu" else TypeError)(
            f"{where}: mask should be a 1-D array of bools (or of 0 and 1), one per character, "
            f"got dtype {arr.dtype} and shape {v.fmt_shape(arr.shape)}"
            f"{'' if arr.dtype.kind not in 'iu' or arr.ndim != 1 else ' with other values'}. "
            f"Make one with a comparison, e.g. states[:, u] > 0.5.")
    return (arr.astype(bool),)


@checked_by(_check_runs)
def runs(mask):
    """The stretches of True in a 1-D bool mask, as half-open (start, end) pairs, in order."""
    m = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])           # every switch False->True or True->False
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


# --- ground truth ------------------------------------------------------------------------

def _check_feature_correlations(states, features):
    where = "feature_correlations"
    states = _states(states, where)
    return states, check_features(features, states.shape[0], where, none=False)


@checked_by(_check_feature_correlations)
def feature_correlations(states, features):
    """r[name][u] = Pearson correlation between unit u's activation and features[name] over the
    characters: cov(h_u, f) / (std(h_u) std(f)).

    states (T, H); features: dict name -> (T,) numbers or bools  ->  dict name -> r (H,).
    r is nan where it is undefined: a unit or a feature that never changes in this text (up
    to round-off: it varies by less than 1e-12 of its largest size).
    """
    T = states.shape[0]
    hc, h_ss = centred(states)                     # (T, H) centred, each unit scaled to |h| <= 1
    result = {}
    for name, f in features.items():
        fc, f_ss = centred(f)                                          # (T,), a number
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (fc @ hc) / np.sqrt(h_ss * f_ss)                       # (H,)
        result[name] = np.where(varies(h_ss, T) & varies(f_ss, T), np.clip(r, -1, 1), np.nan)
    return result


SPREAD = 1e-12      # a series that varies by less than this share of its largest size is constant


def centred(a, peak=None):
    """(a / peak - its mean, the sum of its squares), over axis 0, column by column: peak is
    each column's largest |value| (1 for a column of zeros) unless given. r does not change
    with the scale, and no square overflows or underflows on the way."""
    peak = np.abs(a).max(axis=0) if peak is None else peak
    a = a / np.where(peak > 0, peak, 1.0)
    ac = a - a.mean(axis=0)
    return ac, (ac * ac).sum(axis=0)


def varies(ss, n):
    """True where a centred series of n values (scaled to size 1) with this sum of squares
    varies by more than round-off: its root-mean-square spread is above SPREAD."""
    return ss > SPREAD ** 2 * n


def _check_top_units(r, k=5):
    where = "top_units"
    return _correlations(r, where), v.positive_int(k, "k", where)


@checked_by(_check_top_units)
def top_units(r, k=5):
    """The k units with the largest |r| (fewer when fewer have an r), best first, units with
    r = nan left out: (units, r). r (H,) in [-1, 1] or nan, k >= 1."""
    order = [u for u in np.argsort(-np.abs(np.nan_to_num(r, nan=-1.0)), kind="stable")
             if not np.isnan(r[u])][:k]
    return np.array(order, dtype=int), r[order]


def _check_units_by_correlation(r):
    return (_correlations(r, "units_by_correlation"),)


@checked_by(_check_units_by_correlation)
def units_by_correlation(r):
    """Every unit, from the highest r to the lowest (the strongest negative last), units with
    r = nan at the end: the row order of a heatmap where the units that follow a feature
    gather at the top and those that go against it at the bottom. r (H,) -> (H,) ints."""
    return np.argsort(-np.nan_to_num(r, nan=-np.inf), kind="stable")


def check_features(features, T, where, none=True):
    """A dict name (str) -> (T,) float array, checked; None stays None when none=True."""
    if features is None and none:
        return None
    if not isinstance(features, dict):
        raise TypeError(f"{where}: features should be a dict of name -> array (one value per "
                        f"character), got {type(features).__name__}. E.g. "
                        f"{{'inside_quotes': inside}} with inside an array of 0/1.")
    out = {}
    for name, f in features.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: features should have str names, got the key {name!r} "
                            f"({type(name).__name__}). Name each feature, e.g. 'depth'.")
        arr = v.as_array(f, f"features[{name!r}]", where)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{where}: features[{name!r}] should hold numbers or bools, got "
                            f"dtype {arr.dtype}.")
        if arr.shape != (T,):
            raise ValueError(f"{where}: features[{name!r}] should have shape ({T},), one value "
                             f"per character of the text, got {v.fmt_shape(arr.shape)}.")
        arr = arr.astype(np.float64)
        v.check_finite(arr, f"features[{name!r}]", where)
        out[name] = arr
    return out


# --- what a character model predicts: closing brackets and quotes ---------------------------

def _check_next_char_probs(model, vocab, text):
    where = "next_char_probs"
    check_model(model, vocab, where, next_character=True)
    encode_text(vocab, text, "text", where, min_length=2)
    return model, vocab, text


@checked_by(_check_next_char_probs)
def next_char_probs(model, vocab, text):
    """probs[t, k] = p(text[t+1] = vocab.symbols[k] | text[:t+1]): the model's softmax after
    reading each character but the last, from a zero state.

    model  a SequenceModel over one-hot characters (input_size = output_size = len(vocab))
    text   str of T >= 2 characters  ->  probs (T-1, V), rows summing to 1.
    rnnlib.perplexity(model, vocab, text) = exp(-mean_t log probs[t, id(text[t+1])]).
    """
    ids = vocab.encode(text)
    x = np.eye(len(vocab), dtype=model.dtype)[ids[:-1]][None]        # (1, T-1, V)
    logits = _forward(model, x, "next_char_probs")[0]                # (T-1, V)
    return softmax(logits.astype(np.float64))


def _check_ngram_probs(train_text, vocab, text, n=2):
    where = "ngram_probs"
    _vocab(vocab, where)
    n = v.int_in(n, 1, 8, "n", where, "n = 2 is the bigram: one character of context.")
    if len(vocab) ** n >= 2 ** 62:
        raise ValueError(f"{where}: n = {n} with a vocabulary of {len(vocab)} symbols gives "
                         f"{len(vocab)}**{n} possible {n}-grams, too many to number in 64 bits. "
                         f"Use a smaller n.")
    train = encode_text(vocab, v.text(train_text, "train_text", where), "train_text", where)
    if len(train) < n:
        raise ValueError(f"{where}: train_text has {len(train)} characters, too few to count "
                         f"{n}-grams; pass the text the model was trained on.")
    encode_text(vocab, v.text(text, "text", where), "text", where, min_length=2)
    return train_text, vocab, text, n


@checked_by(_check_ngram_probs)
def ngram_probs(train_text, vocab, text, n=2):
    """probs[t, k] = p(symbol k | the n-1 characters up to text[t]), counted in train_text with
    add-one smoothing, in the layout of next_char_probs:

        p(c | a) = (count(a c) + 1) / (count(a followed by anything) + V)      a: the context

    n = 1 is the unigram (count(c) + 1) / (len(train_text) + V), n = 2 the bigram of
    rnnlib.data.char_baselines (the same perplexity when V is the same). The first n-2 rows have
    fewer characters before them; they use the longest context there is (a lower order).
    train_text, text: str in vocab's symbols (text >= 2 characters)  ->  probs (T-1, V).
    """
    train, ids = vocab.encode(train_text), vocab.encode(text)
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


def _check_closings(text, closers=")]}\""):
    where = "closings"
    return v.text(text, "text", where), _closers(closers, where)


@checked_by(_check_closings)
def closings(text, closers=")]}\""):
    """Every closing bracket or quote of text with the distance back to what it closes.

    Read as rnnlib.corpus.text_features reads: a double quote opens a string and the next one
    closes it; brackets inside a string do not count; a closing bracket closes the latest open
    one (it counts here only when the two match, e.g. ")" after "("; a stray closer counts
    nowhere). closers: which of ) ] } " to report.
    Returns (positions, distances), int64 (K,) each: text[positions[j]] closes the character
    distances[j] >= 1 places before it.
    """
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


def _check_closing_accuracy(probs, vocab, text, edges=(1, 5, 10, 20, 40), closers=")]}\""):
    where = "closing_accuracy"
    _vocab(vocab, where)
    ids = encode_text(vocab, v.text(text, "text", where), "text", where, min_length=2)
    probs = v.array(probs, [("len(text) - 1", len(ids) - 1), ("len(vocab)", len(vocab))],
                    "probs", where, "next_char_probs(model, vocab, text) or ngram_probs(...) "
                    "give it for this text.")
    if probs.min() < 0 or probs.max() > 1 or np.abs(probs.sum(axis=1) - 1).max() > 1e-6:
        raise ValueError(f"{where}: probs should hold probabilities, each row in [0, 1] and "
                         f"summing to 1, got values from {probs.min():.3g} to {probs.max():.3g} "
                         f"and row sums from {probs.sum(axis=1).min():.6g} to "
                         f"{probs.sum(axis=1).max():.6g}. For scores (logits) take "
                         f"rnnlib.softmax(logits) first.")
    return probs, vocab, text, _edges(edges, where), _closers(closers, where)


@checked_by(_check_closing_accuracy)
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
    ids = vocab.encode(text)
    positions, distances = closings.unchecked(text, closers)
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


LSTM_STATES = ("cell", "hidden")                              # c and h, with states=True


def check_lstm(model, vocab, where, hint=""):
    """A SequenceModel with cell="lstm" over one-hot characters of vocab, or a clear error
    (hint: a last sentence of the caller's own)."""
    check_model(model, vocab, where, next_character=False)
    if model.cell != "lstm":
        raise ValueError(f"{where}: model should be an LSTM (a SequenceModel with cell='lstm'), "
                         f"got one with cell={model.cell!r}, which has no input, forget or "
                         f"output gates. Build one with rnnlib.SequenceModel(V, H, V, "
                         f"cell='lstm'){hint}.")


def _check_gate_activations(model, vocab, text, states=False):
    where = "gate_activations"
    check_lstm(model, vocab, where)
    encode_text(vocab, text, "text", where, min_length=1)
    return model, vocab, text, v.flag(states, "states", where)


@checked_by(_check_gate_activations)
def gate_activations(model, vocab, text, states=False):
    """The top LSTM layer's gates just after reading each character of text, from a zero state:

        i_t, f_t, o_t = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g_t = tanh(a_g)
        c_t = f_t c_{t-1} + i_t g_t;  h_t = o_t tanh(c_t)

    model  a SequenceModel with cell="lstm" over one-hot characters of vocab
    Returns dict "input", "forget", "candidate", "output" -> (T, H), read from
    rnnlib.gated.lstm_forward's cache (each layer reads the h of the one below); with
    states=True also "cell" c_t and "hidden" h_t, (T, H) each (equal to
    rnnlib.hidden_states(model, vocab, text), with cell_state=True for c). For a
    go_backwards model row t is still the step that read text[t].
    """
    ids = vocab.encode(text)
    H = model.hidden_size
    layer_in = (ids[::-1] if model.go_backwards else ids)[None]     # (1, T) token ids
    zeros = np.zeros((1, H), model.dtype)
    with np.errstate(over="ignore", invalid="ignore"):              # reported below if it happens
        for layer in range(model.num_layers):
            h, c, cache = lstm_forward.unchecked(layer_in, zeros, zeros, *model.rnn.weights(layer))
            layer_in = h                                             # (1, T, H)
    ifgo = _finite(cache[5][0], "gates", "gate_activations")    # (T, 4H) after the nonlinearities
    blocks = [ifgo[:, k * H:(k + 1) * H] for k in range(4)] + ([c[0], h[0]] if states else [])
    order = slice(None, None, -1) if model.go_backwards else slice(None)
    return {name: np.array(b[order]) for name, b in zip(LSTM_GATES + LSTM_STATES, blocks)}


def _check_saturation(gate, low=0.1, high=0.9):
    where = "saturation"
    gate = _per_character(gate, "gate", where, "Pass one gate, e.g. "
                                               "gate_activations(...)['forget'].")
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
    return gate, low, high


@checked_by(_check_saturation)
def saturation(gate, low=0.1, high=0.9):
    """Per unit, the share of steps a gate is nearly shut (< low) and nearly open (> high): the
    left- and right-saturated fractions Karpathy, Johnson and Fei-Fei plot per gate.

    gate (T, H) of values in [0, 1] (one entry of gate_activations); 0 <= low < high <= 1.
    Returns (left, right), each (H,) in [0, 1]; 1 - left - right is the share in between.
    """
    return (gate < low).mean(axis=0), (gate > high).mean(axis=0)


# --- checks ------------------------------------------------------------------------------

def _states(states, where):
    return _per_character(states, "states", where,
                          "rnnlib.hidden_states(model, vocab, text) gives them.")


def _per_character(value, name, where, fix):
    """A finite float (T, H) array, one row per character, T and H >= 1; fix: the sentence
    that says where a right one comes from."""
    arr = v.as_float_array(value, name, where)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"{where}: {name} should have shape (T, H), one row per character, got "
                         f"{v.fmt_shape(arr.shape)}. {fix}")
    v.check_finite(arr, name, where)
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


def _units(value, H, where):
    """Distinct unit numbers 0 .. H-1, as a 1-D int64 array (empty allowed)."""
    arr = v.as_array(value, "units", where)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{where}: units should be whole numbers (unit numbers 0 to {H - 1}), "
                        f"got dtype {arr.dtype}: {v.short(arr.tolist())}.")
    if arr.ndim != 1:
        raise ValueError(f"{where}: units should be a 1-D list of unit numbers, got shape "
                         f"{v.fmt_shape(arr.shape)}.")
    bad = np.flatnonzero((arr < 0) | (arr >= H))
    if len(bad):
        raise ValueError(f"{where}: units[{bad[0]}] is {arr[bad[0]]}, but units are numbered 0 "
                         f"to {H - 1} (states has {H} columns); a negative number does not count "
                         f"from the end here.")
    if len(np.unique(arr)) != len(arr):
        raise ValueError(f"{where}: units should be distinct, got {v.short(arr.tolist())}. List "
                         f"each unit once, with one sign.")
    return arr.astype(np.int64)


def _signs(value, K, where):
    """K signs, each +1 or -1, as a float array."""
    arr = v.as_array(value, "signs", where)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{where}: signs should be +1 or -1, one per unit, got dtype {arr.dtype}.")
    if arr.shape != (K,):
        raise ValueError(f"{where}: signs should have shape ({K},), one sign per unit, got "
                         f"{v.fmt_shape(arr.shape)}.")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{where}: signs should be +1 or -1, got {v.short(arr.tolist())}. "
                         f"Selection.signs gives them.")
    return arr.astype(np.float64)


def _correlations(value, where):
    """r (H,): correlations in [-1, 1], nan allowed (a unit with no r), as float64."""
    arr = v.as_float_array(value, "r", where)
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError(f"{where}: r should have shape (H,), one correlation per unit, got "
                         f"{v.fmt_shape(arr.shape)}. feature_correlations(states, features)[name] "
                         f"gives it.")
    known = arr[~np.isnan(arr)]
    if len(known) and (np.abs(known) > 1 + 1e-9).any():
        bad = known[np.abs(known) > 1 + 1e-9][0]
        raise ValueError(f"{where}: r should hold correlations, from -1 to 1 (or nan), got "
                         f"{bad}. Pass Pearson's r, not a covariance or a score.")
    return arr.astype(np.float64)


def _vocab(vocab, where):
    if not isinstance(vocab, Vocab):
        raise TypeError(f"{where}: vocab should be an rnnlib.Vocab, got {type(vocab).__name__}. "
                        f"Use the Vocab of the model you compare with.")


def _closers(value, where):
    if not isinstance(value, str) or not value or set(value) - set(PAIRS):
        error = ValueError if isinstance(value, str) else TypeError
        raise error(f"{where}: closers should be a non-empty str of characters from "
                    f"{''.join(PAIRS)!r}, got {value!r}. E.g. closers=')' for round brackets only.")
    return value


def _edges(value, where):
    message = (f"{where}: edges should be increasing whole numbers >= 1, the first distance of "
               f"each bucket, got {value!r}. E.g. edges=(1, 5, 10, 20, 40).")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise TypeError(message) from None
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(message)
    if arr.ndim != 1 or len(arr) == 0 or arr[0] < 1 or np.any(np.diff(arr) <= 0):
        raise ValueError(message)
    return arr.astype(np.int64)
