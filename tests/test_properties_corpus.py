"""Properties of rnnlib.corpus on arbitrary input (hypothesis): every call either returns what
its docstring promises (shapes, dtypes, the reader's rules) or raises ValueError / TypeError."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlib.corpus import FEATURES, Corpus, structured_text, text_features

ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(), st.binary(),
                     st.lists(st.text(max_size=3), max_size=2))
ANYTHING = ANYTHING.map(lambda v: v)      # one branch of a one_of, not five


def assert_features(features, text):
    assert set(features) == set(FEATURES)
    for f in features.values():
        assert f.shape == (len(text),) and f.dtype == np.int64
    depth, in_string = features["depth"], features["in_string"]
    assert (depth >= 0).all() and set(np.unique(in_string)) <= {0, 1}
    quotes = np.cumsum([c == '"' for c in text]) if text else np.zeros(0, int)
    np.testing.assert_array_equal(in_string, quotes % 2)            # a quote toggles, nothing else
    np.testing.assert_array_equal(features["in_number"], [c.isdigit() and c.isascii() for c in text])
    newline = np.array([c == "\n" for c in text], bool)
    line_pos = features["line_pos"]
    assert (line_pos[newline] == 0).all() and (line_pos[~newline] >= 1).all()


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(alphabet='()[]{}"\n ab1', max_size=60), ANYTHING))
def test_text_features_of_anything(text):
    try:
        features = text_features(text)
    except TypeError as e:
        assert not isinstance(text, str) and str(e).startswith("text_features: text")
        return
    assert isinstance(text, str)
    assert_features(features, text)


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.integers(-3, 3000), ANYTHING), st.one_of(st.integers(-3, 2**70), ANYTHING),
       st.one_of(st.integers(-2, 6), ANYTHING))
def test_structured_text_of_anything(n_chars, seed, max_depth):
    try:
        c = structured_text(n_chars, seed=seed, max_depth=max_depth)
    except (ValueError, TypeError) as e:
        assert str(e).startswith("structured_text: ")
        return
    assert len(c.text) == n_chars and c.seed == seed
    assert_features(c.features, c.text)
    assert c.features["depth"].max() <= max_depth


@settings(max_examples=60, deadline=None)
@given(st.integers(-60, 60) | st.none(), st.integers(-60, 60) | st.none(), st.integers(-2, 3) | st.none())
def test_corpus_slices_are_corpora_of_the_same_slice(start, stop, step):
    c = structured_text(40, seed=1)
    try:
        part = c[start:stop:step]
    except TypeError as e:
        assert step not in (None, 1) and str(e).startswith("Corpus: ")
        return
    assert part.text == c.text[start:stop]
    for k in FEATURES:
        np.testing.assert_array_equal(part.features[k], c.features[k][start:stop])
    again = Corpus(part.text, part.features, part.seed)             # a slice passes Corpus's checks
    assert again.text == part.text
