"""Data for the course: batches of sequences of different lengths, and one long generated text.

    x, lengths = pad_sequences([a, b, c])   # a (5, F), b (3, F), c (2, F) -> x (3, 5, F), [5, 3, 2]
    mask = sequence_mask(lengths)           # (3, 5) bool, True on real steps

    corpus = structured_text(200_000, seed=0)         # code-like text + ground truth per character
    text_features(text)                               # that ground truth for any text
    char_baselines(train_text, test_text)             # uniform / unigram / bigram perplexity
    x, y = bptt_windows(ids, n_streams=32, window=32) # (W, 32, 32) each, for truncated BPTT

Each public function checks its arguments once, at the boundary (the ``_check_*`` function
named on its ``@checked_by`` line, right above it); the function itself is the bare recipe.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from . import _validation as v
from ._validation import checked_by
# Padding lives in padding.py and the generated corpus in corpus.py; their public names are
# re-exported here, so a notebook needs only rnnlib.data.
from .corpus import FEATURES, Corpus, structured_text, text_features  # noqa: F401
from .padding import MAX_MASK, pad_sequences, sequence_mask  # noqa: F401


# --- a long text as training data: parallel streams, windows, and baselines to beat --------


def _check_windows(ids, n_streams, window):
    where = "bptt_windows"
    if isinstance(ids, str):
        raise TypeError(f"{where}: ids should be a 1-D array of whole numbers (time,), got a str. "
                        f"Turn a text into ids with rnnlib.Vocab(text).encode(text).")
    try:
        arr = np.asarray(ids)
    except (ValueError, TypeError):                   # a ragged nested list
        arr = np.asarray(None)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{where}: ids should be a 1-D array of whole numbers (time,), got "
                        f"{type(ids).__name__} of dtype {arr.dtype}. Turn a text into ids with "
                        f"rnnlib.Vocab(text).encode(text).")
    if arr.ndim != 1:
        raise ValueError(f"{where}: ids should be a 1-D array (time,), one long sequence, got "
                         f"shape {v.fmt_shape(arr.shape)}. For several texts, join them first "
                         f"(np.concatenate), or flatten the array with ids.ravel().")
    if arr.size and (arr.min() < 0 or arr.max() > np.iinfo(np.int64).max):
        i = int(np.argmax((arr < 0) | (arr > np.iinfo(np.int64).max)))
        raise ValueError(f"{where}: ids[{i}] is {arr[i]}, but ids are positions in a vocabulary: "
                         f"whole numbers from 0 up. Check the ids came from vocab.encode(text).")
    n_streams = v.positive_int(n_streams, "n_streams", where)
    window = v.positive_int(window, "window", where)
    if len(arr) // n_streams < window + 1:
        raise ValueError(f"{where}: {len(arr)} ids are too few for n_streams={n_streams} streams "
                         f"with one window of window={window} steps each: that needs at least "
                         f"n_streams * (window + 1) = {n_streams * (window + 1)} ids. Use fewer "
                         f"streams, a shorter window or a longer text.")
    return arr.astype(np.int64, copy=False), n_streams, window


@checked_by(_check_windows)
def bptt_windows(ids, n_streams, window):
    """Cut one long id sequence into n_streams parallel streams, then into windows of `window` steps.

        L = len(ids) // n_streams;  stream n = ids[n*L : (n+1)*L];  W = (L - 1) // window
        x[w, n] = stream n [w*window     : (w+1)*window]        the characters read
        y[w, n] = stream n [w*window + 1 : (w+1)*window + 1]    the next character of each

    ids (T,) whole numbers >= 0  ->  x (W, N, window) int64, y (W, N, window) int64
    Window w + 1 of stream n starts where window w ended, so in truncated backpropagation
    through time the final state of window w is the right initial state of window w + 1
    (carry h_n over, backpropagate inside the window only). The ids left over at the end of
    each stream (fewer than a window) are dropped.
    """
    L = len(ids) // n_streams
    W = (L - 1) // window
    streams = ids[: n_streams * L].reshape(n_streams, L)                           # (N, L)
    x = streams[:, : W * window].reshape(n_streams, W, window)                     # (N, W, window)
    y = streams[:, 1: W * window + 1].reshape(n_streams, W, window)
    return x.transpose(1, 0, 2).copy(), y.transpose(1, 0, 2).copy()                # (W, N, window)


def _check_baselines(train_text, test_text):
    where = "char_baselines"
    train_text = v.text(train_text, "train_text", where,
                        empty="Counting needs some text; pass the training text.")
    test_text = v.text(test_text, "test_text", where,
                       empty="Pass the held-out text to score.")
    if len(test_text) < 2:
        raise ValueError(f"{where}: test_text should have at least 2 characters, got "
                         f"{len(test_text)}: the first one is only read, never predicted.")
    return train_text, test_text


@checked_by(_check_baselines)
def char_baselines(train_text, test_text):
    """Perplexity on test_text of three models that need no training beyond counting.

        uniform   p(c) = 1 / V
        unigram   p(c) = (count(c) + 1) / (n + V)                      counts in train_text
        bigram    p(c | a) = (count(a c) + 1) / (count(a, followed by anything) + V)
        perplexity = exp( -(1/M) sum log p ) over the M = len(test_text) - 1 characters
                     test_text[1:], each given the one before it

    V is the number of distinct characters of train_text and test_text together; adding one
    to every count ("add-one" or Laplace smoothing) keeps a pair never seen in training from
    getting probability 0. The characters scored are the ones a language model that reads
    test_text[:-1] and predicts test_text[1:] is scored on, so its perplexity compares
    directly. Returns dict {"uniform": float, "unigram": float, "bigram": float}.
    """
    V = len(set(train_text) | set(test_text))
    n = len(train_text)
    count = Counter(train_text)                                  # count(c)
    pair_count = Counter(zip(train_text, train_text[1:]))        # count(a c)
    follows = Counter(train_text[:-1])                           # count(a, followed by anything)
    scored = list(zip(test_text, test_text[1:]))                 # the M pairs (a, c) scored
    logp_uni = np.log([(count[c] + 1) / (n + V) for a, c in scored])                 # (M,)
    logp_bi = np.log([(pair_count[a, c] + 1) / (follows[a] + V) for a, c in scored])  # (M,)
    return {"uniform": float(V),
            "unigram": float(np.exp(-logp_uni.mean())),
            "bigram": float(np.exp(-logp_bi.mean()))}
