"""rnnlib.data's generated corpus, its ground truth, the baselines a language model must beat,
and the windows of truncated backpropagation through time.

The ground truth is checked against a second, vectorised computation from the characters
(cumulative sums instead of one left-to-right loop) and against examples written out by
hand; the baselines against perplexities worked out on paper; the windows by rebuilding the
sequence from them and by running an RNN window by window with the state carried over."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib.data import (FEATURES, Corpus, bptt_windows, char_baselines, structured_text,
                         text_features)


# --- the generator -----------------------------------------------------------------------

def test_same_seed_same_corpus_other_seed_other_text():
    a, b = structured_text(3000, seed=7), structured_text(3000, seed=7)
    assert a.text == b.text and a.seed == 7
    for k in FEATURES:
        np.testing.assert_array_equal(a.features[k], b.features[k])
    assert structured_text(3000, seed=8).text != a.text
    # a shorter corpus with the same seed is the start of the longer one
    assert structured_text(1000, seed=7).text == a.text[:1000]


@pytest.mark.parametrize("n", [1, 2, 17, 5000])
def test_exact_length_and_aligned_int_features(n):
    c = structured_text(n, seed=0)
    assert isinstance(c, Corpus) and len(c) == len(c.text) == n
    assert set(c.features) == set(FEATURES)
    for f in c.features.values():
        assert f.shape == (n,) and f.dtype == np.int64


def test_the_text_has_the_structure_the_course_looks_for():
    c = structured_text(20_000, seed=1)
    lines = c.text.split("\n")[:-1]                       # the complete lines
    assert len(lines) > 300
    assert set(c.text) <= set("abcdefghijklmnopqrstuvwxyz0123456789 \n\"()[],=+-*<")
    lengths = [len(l) for l in lines]
    assert min(lengths) < 10 and max(lengths) > 60        # varied line lengths
    f = c.features
    ends = np.flatnonzero(np.array(list(c.text)) == "\n")
    np.testing.assert_array_equal(f["depth"][ends], 0)    # every line closes what it opens
    np.testing.assert_array_equal(f["in_string"][ends], 0)
    assert f["depth"].max() == 3                          # the default max_depth is reached
    assert 0.1 < f["in_string"].mean() < 0.5 and 0.03 < f["in_number"].mean() < 0.2


@pytest.mark.parametrize("max_depth", [1, 2, 5])
def test_max_depth_bounds_the_nesting(max_depth):
    depth = structured_text(20_000, seed=2, max_depth=max_depth).features["depth"]
    assert depth.max() == max_depth


# --- the ground truth --------------------------------------------------------------------

def recount(text):
    """The features again, without a loop: parities and cumulative sums over the characters."""
    c = np.array(list(text))
    in_string = np.cumsum(c == '"') % 2                   # odd number of quotes so far: inside
    outside = in_string == 0                              # a bracket char is never a quote
    step = np.isin(c, list("([{")) & outside
    step = step.astype(int) - (np.isin(c, list(")]}")) & outside)
    depth = np.cumsum(step)                               # the grammar never closes too many
    assert depth.min() >= 0
    t = np.arange(len(c))
    last_newline = np.maximum.accumulate(np.where(c == "\n", t, -1))
    return {"depth": depth, "in_string": in_string,
            "in_number": np.isin(c, list("0123456789")).astype(int),
            "line_pos": t - last_newline}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ground_truth_matches_an_independent_recount(seed):
    c = structured_text(8000, seed=seed)
    expected = recount(c.text)
    for k in FEATURES:
        np.testing.assert_array_equal(c.features[k], expected[k], err_msg=k)


def test_text_features_by_hand():
    # f ( " ( a " , space [ 1 2 ] ) newline x ): the ( inside the string is not a bracket,
    # and the last ) has nothing to close, so depth stays 0
    text = 'f("(a", [12])\nx)'
    f = text_features(text)
    np.testing.assert_array_equal(f["depth"],     [0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["in_string"], [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["in_number"], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["line_pos"],  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 1, 2])


def test_a_corpus_from_any_text():
    c = Corpus.from_text('x = "a(b"\n')
    assert c.seed is None and len(c) == 10
    np.testing.assert_array_equal(c.features["depth"], 0)          # the ( is inside the string
    np.testing.assert_array_equal(c.features["in_string"], [0, 0, 0, 0, 1, 1, 1, 1, 0, 0])
    assert text_features("")["depth"].shape == (0,)


def test_slicing_keeps_the_values_of_the_whole_text():
    c = structured_text(2000, seed=3)
    part = c[500:900]
    assert part.text == c.text[500:900] and len(part) == 400
    for k in FEATURES:
        np.testing.assert_array_equal(part.features[k], c.features[k][500:900])


# --- baselines ---------------------------------------------------------------------------

def test_baselines_by_hand():
    # train "aab": counts a=2, b=1; pairs aa, ab; 'b' is never followed by anything. V = 2.
    # test "aba" scores b after a, then a after b.
    #   unigram: p(b) = (1+1)/(3+2) = 2/5, p(a) = (2+1)/5 = 3/5  -> ppl = (6/25) ** -1/2
    #   bigram:  p(b|a) = (1+1)/(2+2) = 1/2, p(a|b) = (0+1)/(0+2) = 1/2  -> ppl = 2
    out = char_baselines("aab", "aba")
    assert out["uniform"] == 2.0
    assert out["unigram"] == pytest.approx(5 / math.sqrt(6), rel=1e-12)
    assert out["bigram"] == pytest.approx(2.0, rel=1e-12)


def test_baselines_give_unseen_characters_a_chance():
    # train "ab", test "ac": V = 3 (a, b, c). p(c) = (0+1)/(2+3); p(c|a) = (0+1)/(1+3)
    out = char_baselines("ab", "ac")
    assert out == pytest.approx({"uniform": 3.0, "unigram": 5.0, "bigram": 4.0}, rel=1e-12)


def test_baselines_with_probabilities_that_are_not_exact_in_binary():
    # train "aaab": count a=3, b=1 (n=4); pairs aa=2, ab=1; a is followed 3 times, b never. V=2.
    # test "aab" scores a after a, then b after a.
    #   unigram: p(a) = (3+1)/(4+2) = 2/3, p(b) = (1+1)/6 = 1/3  -> ppl = (2/9) ** -1/2 = 3/sqrt(2)
    #   bigram:  p(a|a) = (2+1)/(3+2) = 3/5, p(b|a) = (1+1)/5 = 2/5  -> ppl = (6/25) ** -1/2
    # A bigram that divided by count(a) + V instead (b's count though b is never followed)
    # would differ where the last character of train_text is scored, as in the next case.
    out = char_baselines("aaab", "aab")
    assert out["unigram"] == pytest.approx(3 / math.sqrt(2), rel=1e-14)
    assert out["bigram"] == pytest.approx(5 / math.sqrt(6), rel=1e-14)
    # test "ba": p(a|b) = (0+1)/(0+2) = 1/2 (b is never followed); count(b) + V would give 1/3
    assert char_baselines("aaab", "ba")["bigram"] == pytest.approx(2.0, rel=1e-14)


def test_bigram_beats_unigram_on_the_corpus():
    c = structured_text(30_000, seed=0)
    out = char_baselines(c.text[:25_000], c.text[25_000:])
    assert out["bigram"] < out["unigram"] < out["uniform"]


# --- windows for truncated BPTT ------------------------------------------------------------

def test_windows_by_hand():
    x, y = bptt_windows(np.arange(23), n_streams=2, window=5)
    # streams of L = 23 // 2 = 11: 0..10 and 11..21 (22 is dropped); W = (11 - 1) // 5 = 2
    assert x.shape == y.shape == (2, 2, 5) and x.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0], [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    np.testing.assert_array_equal(x[:, 1], [[11, 12, 13, 14, 15], [16, 17, 18, 19, 20]])
    np.testing.assert_array_equal(y, x + 1)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_windows_rebuild_every_stream(T, N, k, seed):
    ids = np.random.default_rng(seed).integers(0, 50, T)
    if T // N < k + 1:
        with pytest.raises(ValueError, match="too few"):
            bptt_windows(ids, N, k)
        return
    x, y = bptt_windows(ids, N, k)
    W, L = x.shape[0], T // N
    assert x.shape == (W, N, k) and W == (L - 1) // k
    for n in range(N):
        read = x[:, n].reshape(-1)                          # windows one after the other
        np.testing.assert_array_equal(read, ids[n * L: n * L + W * k])
        np.testing.assert_array_equal(y[:, n].reshape(-1), ids[n * L + 1: n * L + W * k + 1])


def test_carrying_the_state_across_windows_equals_reading_the_whole_stream():
    c = structured_text(600, seed=4)
    vocab = rnnlib.Vocab(c.text, order="sorted")
    x, _ = bptt_windows(vocab.encode(c.text), n_streams=3, window=7)       # (W, 3, 7)
    rnn = rnnlib.RNN(len(vocab), 5, seed=0)
    whole, _ = rnn(vocab.one_hot(np.concatenate(list(x), axis=1)))         # (3, W*7, 5)
    h, pieces = None, []
    for xw in x:
        out, h = rnn(vocab.one_hot(xw), h0=h)
        pieces.append(out)
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole, rtol=0, atol=1e-12)


# --- bad inputs --------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda: structured_text(0), ValueError, "n_chars should be a whole number from 1 to 10000000"),
    (lambda: structured_text(2.5), TypeError, "n_chars"),
    (lambda: structured_text(10, seed=-1), ValueError, "seed should be a whole number >= 0"),
    (lambda: structured_text(10, seed=1.5), TypeError, "seed should be a whole number"),
    (lambda: structured_text(10, seed=None), TypeError, "seed"),
    (lambda: structured_text(10, max_depth=0), ValueError, "max_depth"),
    (lambda: text_features(["f(x)"]), TypeError, "text_features: text should be a str"),
    (lambda: structured_text(10)[3], TypeError, "index with a slice"),
    (lambda: char_baselines("", "ab"), ValueError, "train_text is the empty string"),
    (lambda: char_baselines("ab", "a"), ValueError, "at least 2 characters"),
    (lambda: char_baselines(["ab"], "ab"), TypeError, "train_text should be a str"),
    (lambda: bptt_windows("hello", 1, 2), TypeError, "Vocab"),
    (lambda: bptt_windows(np.arange(10.0), 1, 2), TypeError, "whole numbers"),
    (lambda: bptt_windows(np.zeros((2, 5), int), 1, 2), ValueError, "1-D"),
    (lambda: bptt_windows(np.arange(10), 0, 2), ValueError, "n_streams"),
    (lambda: bptt_windows(np.arange(10), 1, 0), ValueError, "window"),
    (lambda: bptt_windows(np.arange(10), 4, 2), ValueError, r"needs at least n_streams \* \(window \+ 1\) = 12"),
])
def test_bad_inputs_say_what_to_do(call, error, words):
    with pytest.raises(error, match=words):
        call()
