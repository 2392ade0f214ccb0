"""A generated corpus with structure worth finding, and the ground truth of that structure.

    corpus = structured_text(20_000, seed=0)      # nothing is downloaded: a small grammar, seeded
    corpus.text                                   # code-like lines: 'x(52, "here sat")\\n...'
    corpus.features["in_string"]                  # (20000,) int64, 1 inside a quoted string
    text_features("f(x)")["depth"]                # array([0, 1, 1, 0]): works on any text

The lines look like small programs: assignments and calls whose arguments nest brackets,
quoted strings of words, and numbers, so lines have very different lengths. A character
model has to keep track of that structure to predict the next character well (a closing
quote only makes sense inside a string, a newline only when every bracket is closed), which
is why some of its hidden units may end up tracking it. text_features recomputes the
structure from the characters alone, so a unit can be correlated with it on held-out text,
on the model's own samples, or on any text a learner types.

Every feature at position t describes the state of a reader who has just read text[t]: the
same thing the hidden state h_t, computed from text[:t+1], can know. So an opening quote
already counts as inside the string, and a closing bracket as outside its pair.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from . import _validation as v
from ._validation import checked_by

# What each feature means, in the words a notebook shows next to it.
FEATURES = {
    "depth": "how many brackets ( [ { are open (outside strings) once text[t] is read",
    "in_string": "1 once an opening double quote has been read and until its closing quote",
    "in_number": "1 when text[t] is a digit 0-9",
    "line_pos": "how many characters of the current line have been read (0 after a newline)",
}

# The grammar's word lists: few and short, so a small model can learn them as words. Any name
# can be called, so an opening bracket cannot be foreseen from the name before it: a model has
# to count brackets as they come rather than guess them from the words.
NAMES = ("x", "y", "n", "total", "count", "size", "data", "items", "name", "value",
         "print", "len", "max", "min", "sum", "f", "g")
WORDS = ("the", "cat", "sat", "on", "a", "red", "mat", "hello", "world", "big", "dog", "ran",
         "is", "not", "here", "now")
OPERATORS = (" + ", " - ", " * ", " < ")

# The longest text structured_text writes. The grammar runs in pure Python at about half a
# million characters a second: 10 million take some 20 s, and a few zeros too many would run
# for hours. Longer texts are pieces with different seeds, joined.
MAX_CHARS = 10_000_000


@dataclass
class Corpus:
    """A text and its ground truth, one value per character.

    text      str of length T
    features  dict name -> (T,) int64 array; features[k][t] is feature k after reading
              text[t] (see FEATURES for what each one means)
    seed      the seed that generated it (None for Corpus.from_text)

    corpus[a:b] is the Corpus of text[a:b], its features sliced alike (they keep the values
    they had in the whole text: a reader who starts at a is not starting from scratch).
    """
    text: str
    features: dict
    seed: int | None = None

    def __post_init__(self):
        where = "Corpus"
        v.text(self.text, "text", where)
        if not isinstance(self.features, dict):
            raise TypeError(f"{where}: features should be a dict name -> (T,) array, got "
                            f"{type(self.features).__name__}. text_features(text) builds it.")
        for k, f in self.features.items():
            if (not isinstance(f, np.ndarray) or f.dtype.kind not in "iu"
                    or f.shape != (len(self.text),)):
                got = (f"shape {v.fmt_shape(f.shape)}, dtype {f.dtype}" if isinstance(f, np.ndarray)
                       else type(f).__name__)
                raise ValueError(f"{where}: features[{k!r}] should be an integer array of shape "
                                 f"(T={len(self.text)},), one value per character of text, got "
                                 f"{got}. text_features(text) builds features that fit the text.")
        if self.seed is not None:
            v.seed(self.seed, where)                  # None, or the whole number >= 0 behind the text

    @classmethod
    def from_text(cls, text):
        """The Corpus of any text, e.g. one a learner typed or a model sampled."""
        text = v.text(text, "text", "Corpus.from_text")
        return cls(text, text_features.unchecked(text), None)

    def __len__(self):
        return len(self.text)

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError(f"Corpus: index with a slice such as corpus[:1000] to get a shorter "
                            f"Corpus, got {item!r}. For one feature use corpus.features[name].")
        return Corpus(self.text[item], {k: f[item] for k, f in self.features.items()}, self.seed)

    def __repr__(self):
        head = self.text[:40] + ("..." if len(self.text) > 40 else "")
        return f"Corpus({len(self.text)} characters, features={list(self.features)}, text={head!r})"


def _check_features(text):
    return (v.text(text, "text", "text_features"),)


@checked_by(_check_features)
def text_features(text):
    """The ground truth of FEATURES for any text, computed by reading it once, left to right.

    text: str of length T  ->  dict name -> (T,) int64 array, keys as in FEATURES.
    Rules of the reader: a double quote opens a string and the next one closes it (a newline
    does not); brackets inside a string do not count for depth; depth never goes below 0 (a
    closing bracket with nothing to close is ignored); in_number looks at the character only;
    a newline ends the line.
    """
    T = len(text)
    out = {k: np.zeros(T, dtype=np.int64) for k in FEATURES}
    depth, in_string, line_pos = 0, 0, 0
    for t, c in enumerate(text):
        if c == '"':
            in_string = 1 - in_string
        elif not in_string and c in "([{":
            depth += 1
        elif not in_string and c in ")]}":
            depth = max(depth - 1, 0)
        line_pos = 0 if c == "\n" else line_pos + 1
        out["depth"][t] = depth
        out["in_string"][t] = in_string
        out["in_number"][t] = c in "0123456789"
        out["line_pos"][t] = line_pos
    return out


def _check_structured(n_chars, seed=0, max_depth=3):
    where = "structured_text"
    n_chars = v.int_in(n_chars, 1, MAX_CHARS, "n_chars", where,
                       "The grammar writes about half a million characters a second, so the cap "
                       "keeps a typo from running for hours; for more text, join pieces made "
                       "with different seeds: ''.join(structured_text(n, seed=s).text for s in "
                       "range(k)).")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{where}: seed should be a whole number, got {seed!r}. The same seed "
                        f"gives the same text on every run; use e.g. seed=0.")
    if seed < 0:
        raise ValueError(f"{where}: seed should be a whole number >= 0, got {seed!r}. "
                         f"Use e.g. seed=0.")
    max_depth = v.positive_int(max_depth, "max_depth", where)
    return n_chars, int(seed), max_depth


@checked_by(_check_structured)
def structured_text(n_chars, seed=0, max_depth=3):
    """Code-like lines from a small random grammar, exactly n_chars long, and their ground truth.

    n_chars    whole number from 1 to MAX_CHARS (10 million): the length of the text
               (the last line is cut there)
    seed       whole number >= 0: the same seed gives the same text
    max_depth  whole number >= 1: the deepest bracket nesting the grammar writes (a call at
               the start of a line is already one level deep)
    Returns Corpus(text, features, seed) with features[k] of shape (n_chars,).

    The grammar, one line at a time (| is a random choice, [..] optional):
        line  := NAME " = " expr  |  NAME "(" args ")"
        expr  := atom [OP expr]   |  "(" expr ")"  |  "[" args "]"  |  NAME "(" args ")"
        args  := expr (", " expr)*           one to three of them
        atom  := NAME  |  NUMBER (1-4 digits)  |  '"' WORD (" " WORD)* '"'
    Brackets are only chosen while the depth is below max_depth, and less often the deeper
    the line already is, so most lines are short and a few are long.
    """
    rng = np.random.default_rng(seed)
    pieces, size = [], 0
    while size < n_chars:
        line = _line(rng, max_depth) + "\n"
        pieces.append(line)
        size += len(line)
    text = "".join(pieces)[:n_chars]
    return Corpus(text, text_features.unchecked(text), seed)


# --- the grammar: each rule returns a str; depth counts the brackets already open ----------

def _pick(rng, options):
    return options[rng.integers(len(options))]


def _line(rng, max_depth):
    if rng.random() < 0.5:
        return _pick(rng, NAMES) + " = " + _expr(rng, 0, max_depth)
    return _pick(rng, NAMES) + "(" + _args(rng, 1, max_depth) + ")"


def _expr(rng, depth, max_depth):
    # The chance of opening one more bracket falls with depth, so nesting stays shallow.
    nest = 0.45 * 0.6 ** depth if depth < max_depth else 0.0
    r = rng.random()
    if r < nest / 3:
        return "(" + _expr(rng, depth + 1, max_depth) + ")"
    if r < 2 * nest / 3:
        return "[" + _args(rng, depth + 1, max_depth) + "]"
    if r < nest:
        return _pick(rng, NAMES) + "(" + _args(rng, depth + 1, max_depth) + ")"
    atom = _atom(rng)
    if rng.random() < 0.25:
        return atom + _pick(rng, OPERATORS) + _expr(rng, depth, max_depth)
    return atom


def _args(rng, depth, max_depth):
    return ", ".join(_expr(rng, depth, max_depth) for _ in range(rng.integers(1, 4)))


def _atom(rng):
    r = rng.random()
    if r < 0.4:
        return _pick(rng, NAMES)
    if r < 0.7:
        digits = rng.integers(1, 5)
        return str(rng.integers(1, 10)) + "".join(str(d) for d in rng.integers(0, 10, digits - 1))
    return '"' + " ".join(_pick(rng, WORDS) for _ in range(rng.integers(1, 4))) + '"'
