"""rnnlib.corpus given what a hostile or careless caller passes: every call gets a ValueError or
TypeError whose message starts with the function called, names the argument, and says what
came; no numpy message and no warning gets through; nothing runs for minutes first.

Each row: (function as the message names it, the argument, the call, the error, words the
message must hold besides those two)."""
import numpy as np
import pytest

from rnnlib.corpus import Corpus, structured_text, text_features

from boundary import case_ids, clear_error

SMALL = structured_text(50, seed=0)

CASES = [
    # structured_text: a sane size, a seed, a depth
    ("structured_text", "n_chars", lambda: structured_text(10**13), ValueError, ["10000000", "join"]),
    ("structured_text", "n_chars", lambda: structured_text(10_000_001), ValueError, ["10000001"]),
    ("structured_text", "n_chars", lambda: structured_text(0), ValueError, ["got 0"]),
    ("structured_text", "n_chars", lambda: structured_text(-5), ValueError, ["got -5"]),
    ("structured_text", "n_chars", lambda: structured_text(2.5), TypeError, ["got 2.5"]),
    ("structured_text", "n_chars", lambda: structured_text("100"), TypeError, ["'100'"]),
    ("structured_text", "n_chars", lambda: structured_text(None), TypeError, ["None"]),
    ("structured_text", "n_chars", lambda: structured_text(True), TypeError, ["True"]),
    ("structured_text", "n_chars", lambda: structured_text(float("nan")), TypeError, ["nan"]),
    ("structured_text", "seed", lambda: structured_text(10, seed=-1), ValueError, [">= 0"]),
    ("structured_text", "seed", lambda: structured_text(10, seed=1.5), TypeError, ["1.5"]),
    ("structured_text", "seed", lambda: structured_text(10, seed=None), TypeError, ["None"]),
    ("structured_text", "seed", lambda: structured_text(10, seed="0"), TypeError, ["'0'"]),
    ("structured_text", "seed", lambda: structured_text(10, seed=True), TypeError, ["True"]),
    ("structured_text", "max_depth", lambda: structured_text(10, max_depth=0), ValueError, ["got 0"]),
    ("structured_text", "max_depth", lambda: structured_text(10, max_depth=2.0), TypeError, ["2.0"]),
    ("structured_text", "max_depth", lambda: structured_text(10, max_depth=None), TypeError, ["None"]),
    # text_features: a str and nothing else
    ("text_features", "text", lambda: text_features(None), TypeError, ["NoneType"]),
    ("text_features", "text", lambda: text_features(b"f(x)"), TypeError, ["bytes"]),
    ("text_features", "text", lambda: text_features(["f(x)"]), TypeError, ["list", "join"]),
    ("text_features", "text", lambda: text_features(np.array(list("ab"))), TypeError, ["ndarray"]),
    ("text_features", "text", lambda: text_features(42), TypeError, ["int"]),
    # Corpus: built from a text, or checked when built by hand
    ("Corpus.from_text", "text", lambda: Corpus.from_text(None), TypeError, ["NoneType"]),
    ("Corpus.from_text", "text", lambda: Corpus.from_text(b"ab"), TypeError, ["bytes"]),
    ("Corpus", "features", lambda: Corpus("ab", {"depth": np.zeros(3, int)}), ValueError,
     ["features['depth']", "(T=2,)", "got shape (3,)"]),
    ("Corpus", "features", lambda: Corpus("ab", {"depth": np.zeros(2)}), ValueError, ["float64"]),
    ("Corpus", "features", lambda: Corpus("ab", {"depth": [0, 1]}), ValueError, ["list"]),
    ("Corpus", "features", lambda: Corpus("ab", [1, 2]), TypeError, ["dict", "list"]),
    ("Corpus", "text", lambda: Corpus(None, {}), TypeError, ["NoneType"]),
    ("Corpus", "seed", lambda: Corpus("ab", {}, seed=-1), ValueError, ["-1"]),
    ("Corpus", "seed", lambda: Corpus("ab", {}, seed="x"), TypeError, ["'x'"]),
    ("Corpus", "index", lambda: SMALL[3], TypeError, ["slice", "got 3"]),
    ("Corpus", "index", lambda: SMALL[::2], TypeError, ["slice(None, None, 2)"]),
    ("Corpus", "index", lambda: SMALL["text"], TypeError, ["'text'", "features[name]"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


def test_the_cap_itself_is_allowed_and_is_the_length():
    # not run at 10 million here (20 s); the check lets the cap through and the text is exact
    from rnnlib.corpus import MAX_CHARS, _check_structured
    assert MAX_CHARS == 10_000_000
    assert _check_structured(MAX_CHARS) == (MAX_CHARS, 0, 3)
    assert len(structured_text(np.int64(1234), seed=np.int64(5)).text) == 1234   # numpy ints are whole
