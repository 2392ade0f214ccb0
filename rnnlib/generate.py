"""A trained character model at work: sampling with a temperature, perplexity, hidden states.

    text = prime + sample(model, vocab, prime, n=200, temperature=0.8, seed=0)
    perplexity(model, vocab, held_out_text)     # exp(mean cross-entropy), in nats; V for a guess
    states = hidden_states(model, vocab, text)  # (T, H): the top layer's state after each character
    temperature_probs(logits, temperature)      # softmax(logits / τ), computed stably
    train_text_overlap(model, text)             # how much of text the model trained on

The model is a SequenceModel that reads one-hot characters (input_size = len(vocab)) and, for
sample and perplexity, scores the next character (output_size = len(vocab)). T counts
characters (timesteps); the temperature is τ (the argument `temperature`).

perplexity refuses text that the model trained on, when the model knows what that was
(model.train_text, set by rnnlib.load from a checkpoint's metadata): such a score looks better
than the model is on new text. allow_train_text=True measures it anyway, on purpose.

Every public function checks its arguments once, at the boundary (the ``_check_*`` function on
its ``@checked_by`` line, right above it). A model with a saved vocabulary (model.symbols, from
its checkpoint) is only run with a Vocab of the same symbols in the same order; a model whose
weights are not finite is refused; scores that overflow on the way (a relu model whose state
grows at every step) are a ValueError, never a numpy warning or a nan result.
"""
from __future__ import annotations

import functools

import numpy as np

from . import _validation as v
from ._validation import checked_by
from .corpus import MAX_CHARS, structured_text
from .losses import softmax_cross_entropy
from .models import SequenceModel
from .module import Module, no_grad
from .text import Vocab

MAX_SAMPLE = 1_000_000      # characters sample() draws at most: a slip of a finger, not a novel


def _check_temperature_probs(logits, temperature):
    where = "temperature_probs"
    z = v.as_float_array(logits, "logits", where).astype(np.float64)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"{where}: logits should have shape (..., V) with at least one score, "
                         f"got {v.fmt_shape(z.shape)}. For a single score use np.array([score]).")
    v.check_finite(z, "logits", where)
    return z, _temperature(temperature, where)


@checked_by(_check_temperature_probs)
def temperature_probs(logits, temperature):
    """p_k = exp(z_k / τ) / sum_j exp(z_j / τ): the softmax of the logits divided by τ.

    logits (..., V) -> probabilities (..., V), over the last axis; temperature τ > 0. τ = 1 is
    the model's own distribution; τ < 1 sharpens it (τ -> 0 puts everything on the largest
    logit: greedy decoding); τ > 1 flattens it towards uniform.

    Computed as a log-softmax of (z - max z) / τ: the largest entry becomes 0 before the
    division, so a tiny τ sends the others to -inf (probability 0) instead of overflowing.
    Entries tied for the largest logit share the probability at any τ.
    """
    with np.errstate(over="ignore"):        # -big - big, or -big / tiny τ = -inf: probability 0
        shifted = logits - logits.max(axis=-1, keepdims=True)   # <= 0, the largest entry is 0
        scaled = shifted / temperature
    # log-softmax: the sum holds exp(0) = 1, so its log is finite and >= 0
    log_p = scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))
    return np.exp(log_p)


def _check_sample(model, vocab, prime, n, temperature=1.0, seed=0):
    where = "sample"
    check_model(model, vocab, where, next_character=True)
    encode_text(vocab, prime, "prime", where, min_length=1)
    n = v.int_in(n, 0, MAX_SAMPLE, "n", where, "It is the number of characters to draw.")
    return model, vocab, prime, n, _temperature(temperature, where), v.seed(seed, where)


@checked_by(_check_sample)
def sample(model, vocab, prime, n, temperature=1.0, seed=0):
    """Read prime, then draw n characters one at a time from softmax(logits / τ), τ = temperature.

    model  a SequenceModel over one-hot characters: input_size = output_size = len(vocab)
    vocab  the Vocab the model was trained with;  prime  a non-empty str in that vocabulary
    n      how many characters to draw;  temperature  τ > 0 (1: the model's own distribution)
    seed   for np.random.default_rng (same seed, same text)

    Returns the n drawn characters (without the prime): prime + sample(...) is the whole text.
    Each drawn character is fed back as the next input, from the state the prime left:

        stepper = model.stepper()                      # state = zeros
        for c in prime: logits = stepper.step(one_hot(c))
        for i in range(n):
            c = rng.choice(V, p=temperature_probs(logits, temperature))
            logits = stepper.step(one_hot(c))
    """
    rng = np.random.default_rng(seed)
    V = len(vocab)
    one_hot = np.eye(V, dtype=model.dtype)                 # row k: the input for character k
    stepper = model.stepper()
    read = _scores(stepper, one_hot, "sample")             # k -> (V,) scores for the next character
    for i in vocab.encode(prime):
        logits = read(i)
    drawn = []
    for step in range(n):
        p = temperature_probs.unchecked(logits.astype(np.float64), temperature)
        drawn.append(int(rng.choice(V, p=p)))
        if step < n - 1:                                   # the last draw needs no next scores
            logits = read(drawn[-1])
    return vocab.decode(np.array(drawn, dtype=np.int64))


def _check_perplexity(model, vocab, text, *, allow_train_text=False):
    where = "perplexity"
    check_model(model, vocab, where, next_character=True)
    encode_text(vocab, text, "text", where, min_length=2)
    if not v.flag(allow_train_text, "allow_train_text", where):
        _refuse_train_text(model, text, where)
    return model, vocab, text


@checked_by(_check_perplexity)
def perplexity(model, vocab, text, *, allow_train_text=False):
    """exp(-(1/(T-1)) sum_t log p(text[t+1] | text[:t+1])): the exponentiated mean cross-entropy
    (in nats) of predicting each character of text from the ones before it, from a zero state.

    A model that always says "each of the V characters equally" scores exactly V; lower is
    better; 1 means every character was predicted with certainty. text needs 2 characters.
    inf when the mean cross-entropy passes about 709 nats (exp overflows): a model all but
    certain of wrong characters.

    Text the model trained on is refused with a ValueError (see train_text_overlap): a model
    predicts its training text better than new text, so that score would be optimistic. Pass
    allow_train_text=True to measure it on purpose (the training loss, or the gap between the
    two). Only models that carry a record of their training text (model.train_text, set by
    rnnlib.load) can be checked; for the others the caller keeps the texts apart.
    """
    ids = vocab.encode(text)
    x = np.eye(len(vocab), dtype=model.dtype)[ids[:-1]][None]      # (1, T-1, V): the inputs
    logits = _forward(model, x, "perplexity")           # model(x) under no_grad(): (1, T-1, V)
    loss = softmax_cross_entropy(logits.astype(np.float64), ids[1:][None])[0]
    with np.errstate(over="ignore"):                               # exp(> 709) = inf, said above
        return float(np.exp(loss))


def _check_hidden_states(model, vocab, text, *, cell_state=False):
    where = "hidden_states"
    check_model(model, vocab, where, next_character=False)
    if v.flag(cell_state, "cell_state", where) and model.cell != "lstm":
        raise ValueError(f"{where}: cell_state=True reads an LSTM's cell state, but this model's "
                         f"cell is {model.cell!r}, whose only state is h. Leave cell_state out.")
    encode_text(vocab, text, "text", where, min_length=1)
    return bool(cell_state)


def hidden_states(model, vocab, text, *, cell_state=False):
    """h[t] = the top layer's state just after reading text[t], from a zero state:  str -> (T, H).

    cell_state=True gives an LSTM's cell state c[t] instead of its hidden state h[t].
    Run under no_grad(), so a forward waiting for its backward is left alone. For a
    go_backwards model, h[t] is the state after reading text[T-1], ..., text[t] (the rows
    stay aligned with the characters).
    """
    cell_state = _check_hidden_states(model, vocab, text, cell_state=cell_state)
    x = np.eye(len(vocab), dtype=model.dtype)[vocab.encode(text)][None]   # (1, T, V)
    with no_grad(), np.errstate(over="ignore", invalid="ignore"):
        _, _, seqs = model.rnn(x, all_states=True)                  # (1, T, H) each, reading order
    states = _finite(seqs[-1 if cell_state else 0][0], "states", "hidden_states")
    return (states[::-1] if model.go_backwards else states).copy()  # (T, H), text order


# --- the text a model trained on ----------------------------------------------------------

PIECE, STRIDE = 64, 16     # a copied run of PIECE + STRIDE - 1 = 79 characters or more is
                           # always found. No 64-character piece of one seed's structured_text
                           # occurs in another seed's 400,000 characters (pieces of 20 sometimes
                           # do, by chance), so a run found is a copy, not a coincidence.

# The generators a train_text record may name, each (n_chars, seed) -> str. A generator here
# must give a prefix of its longer text for the same seed, as structured_text does.
GENERATORS = {"rnnlib.corpus.structured_text": lambda n, seed: structured_text(n, seed).text}


def recorded_text(record):
    """The training text a train_text record names, or None when rnnlib cannot make it again
    (no record, an unknown generator, or a record that is not of the form
    {"generator": name, "seed": int, "chars": [start, stop]} with stop at most the
    generator's MAX_CHARS, 10 million)."""
    if not isinstance(record, dict) or record.get("generator") not in GENERATORS:
        return None
    seed, chars = record.get("seed"), record.get("chars")
    if (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0
            or not isinstance(chars, (list, tuple)) or len(chars) != 2
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in chars)
            or not 0 <= chars[0] < chars[1] <= MAX_CHARS):
        return None
    return _indexed(record["generator"], seed, chars[0], chars[1])[0]


@functools.lru_cache(maxsize=4)
def _indexed(generator, seed, start, stop):
    """The training text and an index of its PIECE-character pieces that start every STRIDE
    characters (piece -> where it starts): about 25,000 entries for 400,000 characters."""
    train = GENERATORS[generator](stop, seed)[start:stop]
    index = {}
    for j in range(0, len(train) - PIECE + 1, STRIDE):
        index.setdefault(train[j:j + PIECE], j)
    return train, index


def train_text_overlap(model, text):
    """The runs of text copied from the text the model trained on: a list of (i, k, j), each
    meaning text[i:k] == the training text's characters j .. j + (k - i).

    j counts from the start of the generator's text (the record's chars give the range).
    Every copied run of 79 characters or more is found, whole; shorter ones may be missed.
    [] when none is found; None when the model carries no record rnnlib can regenerate
    (model.train_text, set by rnnlib.load; see recorded_text).
    """
    where = "train_text_overlap"
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model should be an rnnlib model such as a SequenceModel, got "
                        f"{type(model).__name__}. Its record model.train_text names the text.")
    text = v.text(text, "text", where)
    record = getattr(model, "train_text", None)
    if recorded_text(record) is None:
        return None
    train, index = _indexed(record["generator"], record["seed"], *record["chars"])
    runs, i, done = [], 0, 0
    while i <= len(text) - PIECE:
        j = index.get(text[i:i + PIECE])
        if j is None:
            i += 1
            continue
        a, b = i, j                          # grow the run backwards, then forwards
        while a > done and b > 0 and text[a - 1] == train[b - 1]:
            a, b = a - 1, b - 1
        k, m = i + PIECE, j + PIECE
        while k < len(text) and m < len(train) and text[k] == train[m]:
            k, m = k + 1, m + 1
        runs.append((a, k, record["chars"][0] + b))
        i = done = k
    return runs


def _refuse_train_text(model, text, where):
    runs = train_text_overlap(model, text)
    if not runs:
        return
    record = model.train_text
    name = record.get("note") or (f"{record['generator']}({record['chars'][1]}, "
                                  f"seed={record['seed']}).text[{record['chars'][0]}:]")
    inside = sum(k - i for i, k, _ in runs)
    i, k, j = runs[0]
    raise ValueError(
        f"{where}: text overlaps the text this model trained on, {name} (model.train_text, "
        f"from its checkpoint): {inside:,} of its {len(text):,} characters are copied from it "
        f"(text[{i}:{k}] is its characters {j:,}-{j + k - i:,}). A model predicts the text it "
        f"trained on better than new text, so this perplexity would look better than the "
        f"model is. Score text it never saw (for structured_text, another seed, e.g. "
        f"structured_text(20_000, seed=1).text), or pass allow_train_text=True to measure it "
        f"on training text on purpose.")


# --- checks ------------------------------------------------------------------------------

def _temperature(value, where):
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and np.isfinite(value) and value <= 0:
        raise ValueError(f"{where}: temperature should be a positive number, got {value!r}. "
                         f"Logits are divided by it, so 0 is undefined; for greedy decoding "
                         f"(always the most likely character) use a small value such as 1e-3.")
    return v.positive_float(value, "temperature", where,
                            "1.0 samples from the model's own distribution; smaller is greedier.")


def check_model(model, vocab, where, next_character=True):
    """The checks of sample, perplexity and hidden_states, for other callers that take a model
    and its vocabulary (the explorer): a SequenceModel with finite weights, a Vocab,
    input_size = len(vocab) and, when the model carries its vocabulary (model.symbols), the
    same symbols in the same order; with next_character=True also output_size = len(vocab)
    and a model that reads forwards."""
    if not isinstance(model, SequenceModel):
        raise TypeError(f"{where}: model should be an rnnlib.SequenceModel, got "
                        f"{type(model).__name__}. Build one with rnnlib.SequenceModel(V, H, V) "
                        f"or load a checkpoint with rnnlib.load(path).")
    if not isinstance(vocab, Vocab):
        raise TypeError(f"{where}: vocab should be an rnnlib.Vocab, got {type(vocab).__name__}. "
                        f"Use the Vocab the model was trained with, e.g. rnnlib.Vocab(train_text).")
    V = len(vocab)
    sizes = [("input_size", model.input_size)]
    if next_character:
        sizes.append(("output_size", model.output_size))
    for name, size in sizes:
        if size != V:
            raise ValueError(f"{where}: the model's {name} is {size} but the vocabulary has {V} "
                             f"symbols; a character model reads and predicts one-hot characters, "
                             f"so both should be {V}. Use the Vocab the model was trained with "
                             f"(the same symbols in the same order).")
    saved = getattr(model, "symbols", None)
    if isinstance(saved, str) and tuple(saved) != vocab.symbols:
        k = next((i for i, (a, b) in enumerate(zip(saved, vocab.symbols)) if a != b), None)
        differ = (f"id {k} is {vocab.symbols[k]!r} in vocab and {saved[k]!r} for the model"
                  if k is not None else f"the model's has {len(saved)} symbols")
        raise ValueError(f"{where}: vocab should have the symbols the model was trained with, in "
                         f"the same order (model.symbols, from its checkpoint), but {differ}. "
                         f"With another order every character would be read as another one. "
                         f"Use rnnlib.Vocab(model.symbols).")
    for name, p in model.params.items():
        if not np.isfinite(p).all():
            raise ValueError(f"{where}: the model's weights are not finite (model.params[{name!r}] "
                             f"holds {p[~np.isfinite(p)].flat[0]}), so it computes nothing. Its "
                             f"training diverged; load a checkpoint saved before that, or train "
                             f"again with a lower learning rate or gradient clipping.")
    if next_character and model.go_backwards:
        raise ValueError(f"{where}: the model reads backwards (go_backwards=True), so its output "
                         f"at a character has seen the characters after it; it does not predict "
                         f"the next character. Use a model trained forwards.")


def _finite(values, what, where):
    """values, or the error for a model whose numbers overflowed on the way."""
    if not np.isfinite(values).all():
        raise ValueError(f"{where}: the model's {what} overflowed to inf or nan while it read the "
                         f"text: its weights are finite but too large (or, for relu, its state "
                         f"grows at every step). Check the model: training may have been about "
                         f"to diverge.")
    return values


def _forward(model, x, where):
    """model(x) of a forwards model under no_grad(), without numpy warnings: logits (N, T, O),
    finite, or the error that says the states overflowed."""
    with no_grad(), np.errstate(over="ignore", invalid="ignore"):
        out, _ = model.rnn(x)                                        # (N, T, H)
        return _finite(model.head(_finite(out, "states", where)), "scores", where)


def _scores(stepper, one_hot, where):
    """read(k): one step of the stepper on character k -> (V,) finite scores for the next one."""
    def read(k):
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                scores = stepper.step(one_hot[k][None])[0]
            except ValueError:       # the input is a one-hot row: only an overflowed state
                scores = np.full(one_hot.shape[0], np.nan)   # makes the read-out refuse it
        return _finite(scores, "scores", where)
    return read


def encode_text(vocab, text, name, where, min_length=1):
    """vocab's ids of text (a str of at least min_length characters), errors worded for where."""
    if not isinstance(text, str):
        raise TypeError(f"{where}: {name} should be a str, got {type(text).__name__}.")
    if len(text) < min_length:
        need = ("at least one character to start from" if min_length == 1 else
                "at least two characters: the first is read, the second is predicted")
        raise ValueError(f"{where}: {name} has {len(text)} characters; it needs {need}.")
    if vocab.unk is None:                        # with an unk symbol, anything can be encoded
        bad = next((i for i, c in enumerate(text) if c not in vocab.index), None)
        if bad is not None:
            known = "".join(vocab.symbols)
            known = repr(known if len(known) <= 40 else known[:37] + "...")
            raise ValueError(f"{where}: {name}[{bad}] is {text[bad]!r}, which is not in the "
                             f"model's vocabulary ({len(vocab)} symbols: {known}). Use only "
                             f"characters of the text the model was trained on.")
    return vocab.encode(text)
