"""Characters to numbers and back: a vocabulary, integer ids, one-hot vectors, padded batches.

    vocab = Vocab("hello")             # symbols ('h', 'e', 'l', 'o'): h=0, e=1, l=2, o=3
    vocab.encode("hello")              # array([0, 1, 2, 2, 3])
    vocab.one_hot("hello")             # (5, 4): row t is the one-hot vector of character t
    x, lengths = vocab.one_hot_batch(["hello", "hel"])   # (2, 5, 4) and [5, 3]
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from .padding import sequence_mask


class Vocab:
    """The distinct characters of a text, each with an integer id: its position in .symbols.

    Vocab(text, order="first", unk=None)

    order  "first": symbols in the order they first appear in text. This is the default
               because it reproduces the course's running example: "hello" gives
               h, e, l, o = 0, 1, 2, 3, the one-hot vectors every tutorial draws.
           "sorted": symbols sorted by code point. Two texts with the same characters then
               get the same ids whatever order the characters come in, which is what you
               want when a vocabulary must be rebuilt from another corpus or file.
    unk    None: encoding a character that is not in the vocabulary raises a ValueError
               naming the character and where it is.
           a single character such as "?": it is appended to the symbols (or keeps its
               place, if text already contains it), and unknown characters map to it.

    .symbols  tuple of str, one character each;  .index  dict str -> id;  len(vocab) = V

    encode(text) -> ids (T,) int64            decode(ids) -> str
    one_hot(ids or str) -> (..., V) float64   one row per id, a single 1.0 at the id
    encode_batch(texts, pad_id=0) -> ids (N, T_max) int64, lengths (N,) int64
    one_hot_batch(texts) -> x (N, T_max, V) float64 (zero rows past each length), lengths
    """

    def __init__(self, text, order="first", unk=None):
        where = "Vocab"
        text = v.text(text, "text", where, empty="A vocabulary is built from the characters "
                      "of a text, so it needs at least one; e.g. Vocab('hello').")
        order = v.choice(order, ("first", "sorted"), "order", where)
        if unk is not None and not (isinstance(unk, str) and len(unk) == 1):
            raise ValueError(f"{where}: unk should be None or a single character such as '?', "
                             f"got {unk!r}. Symbols are single characters, so the stand-in "
                             f"for unknown ones is one character too.")
        symbols = list(dict.fromkeys(text))          # dicts keep insertion order: first appearance
        if order == "sorted":
            symbols.sort()
        if unk is not None and unk not in symbols:
            symbols.append(unk)
        self.symbols = tuple(symbols)
        self.index = {s: i for i, s in enumerate(self.symbols)}
        self.unk = unk

    def __len__(self):
        return len(self.symbols)

    def __repr__(self):
        # A repr that rebuilds an equal Vocab: the symbols in id order, which order="first"
        # keeps as they are, plus unk when it is set.
        if self.unk is None:
            return f"Vocab({''.join(self.symbols)!r})"
        known = self.symbols[:-1] if self.symbols[-1] == self.unk else self.symbols
        return f"Vocab({''.join(known)!r}, unk={self.unk!r})"

    def __eq__(self, other):
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.symbols == other.symbols and self.unk == other.unk

    def __hash__(self):
        return hash((self.symbols, self.unk))

    # --- text <-> ids ------------------------------------------------------------------
    def _encode(self, text, name, where):
        """ids of a str that has been checked already; name is used in the error message."""
        get, unk_id = self.index.get, self.index.get(self.unk, -1)
        ids = np.fromiter((get(c, unk_id) for c in text), dtype=np.int64, count=len(text))
        if unk_id < 0 and (ids < 0).any():
            i = int(np.argmax(ids < 0))
            raise _unknown_symbol(text[i], i, name, self.symbols, where)
        return ids

    def encode(self, text):
        """ids[t] = index of text[t].   str of length T -> ids (T,) int64"""
        text = v.text(text, "text", "Vocab.encode")
        return self._encode(text, "text", "Vocab.encode")

    def decode(self, ids):
        """The string whose characters are symbols[ids[0]], symbols[ids[1]], ...   (T,) -> str"""
        ids = v.ids(ids, len(self), "ids", "Vocab.decode", ndim=1)
        return "".join(self.symbols[i] for i in ids)

    # --- one-hot -----------------------------------------------------------------------
    def one_hot(self, ids_or_text):
        """x[..., k] = 1.0 if ids[...] == k else 0.0.   ids (...) or a str (T,) -> (..., V)

        argmax undoes it: vocab.one_hot(ids).argmax(axis=-1) == ids.
        """
        where = "Vocab.one_hot"
        if isinstance(ids_or_text, str):
            ids = self._encode(ids_or_text, "text", where)
        else:
            ids = v.ids(ids_or_text, len(self), "ids", where)
        return np.eye(len(self))[ids]                 # row k of the identity is symbol k's vector

    # --- batches of texts of different lengths ------------------------------------------
    def encode_batch(self, texts, pad_id=0):
        """ids[n, :len(texts[n])] = encode(texts[n]); the rest is pad_id.

        texts: list of N non-empty str  ->  ids (N, T_max) int64, lengths (N,) int64
        pad_id is only a filler: 0 is also a real symbol's id, so tell padding from data by
        lengths (or rnnlib.data.sequence_mask(lengths)), never by the value.
        """
        return self._encode_batch(texts, pad_id, "Vocab.encode_batch")

    def _encode_batch(self, texts, pad_id, where):
        texts = _check_text_list(texts, "texts", where)
        if isinstance(pad_id, bool) or not isinstance(pad_id, (int, np.integer)):
            raise TypeError(f"{where}: pad_id should be a whole number, got {pad_id!r}. "
                            f"It only fills the steps past each text's end; 0 is the usual choice.")
        seqs = [self._encode(t, f"texts[{n}]", where) for n, t in enumerate(texts)]
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)      # (N,)
        ids = np.full((len(seqs), lengths.max()), pad_id, dtype=np.int64)  # (N, T_max)
        for n, s in enumerate(seqs):
            ids[n, : len(s)] = s
        return ids, lengths

    def one_hot_batch(self, texts):
        """x[n, t] = one_hot(texts[n][t]) for t < len(texts[n]), a zero row after.

        texts: list of N non-empty str  ->  x (N, T_max, V) float64, lengths (N,) int64
        The zero rows are what rnnlib.RNN(…)(x, lengths=lengths) expects: it never reads them.
        """
        ids, lengths = self._encode_batch(texts, 0, "Vocab.one_hot_batch")   # checks texts
        real = sequence_mask.unchecked(lengths, ids.shape[1])            # (N, T_max), lengths made here
        return self.one_hot(ids) * real[..., None], lengths


# --- checks ------------------------------------------------------------------------------

def _check_text_list(value, name: str, where: str) -> list:
    """A non-empty list (or tuple) of non-empty strings: one text per sequence of a batch."""
    if isinstance(value, str):
        raise TypeError(f"{where}: {name} should be a list of strings, one per sequence, got a "
                        f"single str {v.short(value)}. For a batch of one, pass [{v.short(value)}].")
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{where}: {name} should be a list of strings, one per sequence, got "
                        f"{type(value).__name__}. Pass e.g. ['hello', 'eolll', 'lleel'].")
    if len(value) == 0:
        raise ValueError(f"{where}: {name} is an empty list, so there is no batch to build. "
                         f"Pass at least one string, e.g. ['hello'].")
    for i, s in enumerate(value):
        v.text(s, f"{name}[{i}]", where, empty="Every sequence in a batch needs at least one "
             "step, because an RNN has nothing to read otherwise; drop empty strings first.")
    return list(value)


def _unknown_symbol(symbol: str, position: int, name: str, symbols, where: str) -> ValueError:
    """The error for a character that is not in a vocabulary (returned, for the caller to raise)."""
    known = "".join(symbols)
    return ValueError(
        f"{where}: {name}[{position}] is {symbol!r}, which is not in the vocabulary "
        f"{v.short(known, 40)} ({len(symbols)} symbols). Build the Vocab from a text that holds "
        f"every symbol you will encode, or pass unk='?' (any one character) to map unknown "
        f"symbols to one extra symbol.")
