"""Properties of rnnlib.data on arbitrary input (hypothesis): every call either returns finite
results of the documented shape and dtype or raises ValueError / TypeError naming the function;
no other exception and no warning. Each strategy mixes inputs that are nearly right (the
interesting ones: a nan here, a length of 0 there) with values of any type."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnnlib.data import bptt_windows, char_baselines, pad_sequences, sequence_mask

from boundary import outcome

DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128])
ODD = st.one_of(st.none(), st.booleans(), st.floats(), st.text(max_size=2), st.integers(-5, 5))
ODD = ODD.map(lambda v: v)      # one branch of a one_of, not five
FLOATS = st.floats(-1e6, 1e6) | st.sampled_from([np.nan, np.inf, -np.inf, 1e308])


def any_array(max_dims=3, max_side=4, dtypes=DTYPES):
    return dtypes.flatmap(lambda dt: hnp.arrays(
        dt, hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side)))


@st.composite
def sequence_lists(draw):
    """Mostly a list of (T_n, F) float arrays with one F; now and then a wrong one among them."""
    F = draw(st.integers(1, 3))
    seqs = [draw(hnp.arrays(draw(st.sampled_from([np.float64, np.float32])),
                            (draw(st.integers(1, 4)), F), elements=st.floats(-1e3, 1e3, width=32)))
            for _ in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()) and draw(st.booleans()):
        seqs[draw(st.integers(0, len(seqs) - 1))] = draw(st.one_of(any_array(), ODD,
                                                                   hnp.arrays(np.float64, (2, F), elements=FLOATS)))
    return draw(st.sampled_from([list, tuple]))(seqs)


@settings(max_examples=100, deadline=None)
@given(st.one_of(sequence_lists(), sequence_lists(), st.lists(st.one_of(any_array(), ODD), max_size=3),
                 any_array(), ODD))
def test_pad_sequences(sequences):
    out, error = outcome(lambda: pad_sequences(sequences), "pad_sequences")
    if error:
        return
    x, lengths = out
    N = len(sequences)
    F = np.shape(sequences[0])[1]
    assert x.shape == (N, lengths.max(), F) and lengths.dtype == np.int64 and x.dtype.kind == "f"
    assert np.isfinite(x).all()
    for n, s in enumerate(sequences):
        np.testing.assert_array_equal(x[n, :lengths[n]], s)
        np.testing.assert_array_equal(x[n, lengths[n]:], 0)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.lists(st.integers(1, 8), min_size=1, max_size=5),
                 st.lists(st.integers(1, 8), min_size=1, max_size=5).map(np.array),
                 st.lists(st.integers(-3, 9), max_size=5),
                 st.lists(st.integers(1, 8).map(float) | FLOATS, max_size=3),
                 any_array(max_dims=2, max_side=5), ODD),
       st.one_of(st.none(), st.none(), st.integers(6, 10), st.integers(-2, 10), st.floats(),
                 st.booleans()))
def test_sequence_mask(lengths, T):
    mask, error = outcome(lambda: sequence_mask(lengths, T), "sequence_mask")
    if error:
        return
    L = np.asarray(lengths).astype(np.int64)
    assert mask.dtype == bool and mask.shape == (len(L), L.max() if T is None else T)
    np.testing.assert_array_equal(mask.sum(axis=1), L)              # each row: its length of True
    assert not (mask[:, 1:] & ~mask[:, :-1]).any()                  # the Trues come first


IDS = st.one_of(hnp.arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 50)),
                hnp.arrays(np.int64, st.integers(20, 60), elements=st.integers(0, 50)),
                hnp.arrays(np.int64, st.integers(0, 60), elements=st.integers(-2, 50)),
                st.lists(st.integers(-2, 2**64), max_size=30),
                any_array(max_dims=2, max_side=40,
                          dtypes=st.sampled_from([np.int8, np.uint64, np.float64, np.bool_])), ODD)


@settings(max_examples=100, deadline=None)
@given(IDS, st.one_of(st.integers(1, 4), st.integers(1, 4), st.integers(-1, 6), ODD),
       st.one_of(st.integers(1, 6), st.integers(1, 6), st.integers(-1, 6), ODD))
def test_bptt_windows(ids, n_streams, window):
    out, error = outcome(lambda: bptt_windows(ids, n_streams, window), "bptt_windows")
    if error:
        return
    x, y = out
    ids = np.asarray(ids)
    L = len(ids) // n_streams
    W = (L - 1) // window
    assert x.shape == y.shape == (W, n_streams, window) and x.dtype == y.dtype == np.int64
    assert W >= 1 and (x >= 0).all()
    for n in range(n_streams):
        np.testing.assert_array_equal(x[:, n].ravel(), ids[n * L: n * L + W * window])
        np.testing.assert_array_equal(y[:, n].ravel(), ids[n * L + 1: n * L + W * window + 1])


TEXTS = st.one_of(st.text("ab\n(", min_size=1, max_size=30), st.text(max_size=30), ODD)


@settings(max_examples=100, deadline=None)
@given(TEXTS, TEXTS)
def test_char_baselines(train_text, test_text):
    out, error = outcome(lambda: char_baselines(train_text, test_text), "char_baselines")
    if error:
        return
    V = len(set(train_text) | set(test_text))
    assert set(out) == {"uniform", "unigram", "bigram"} and out["uniform"] == V
    for name, ppl in out.items():
        # a perplexity is at least 1, and add-one smoothing keeps every p >= 1 / (n + V)
        assert np.isfinite(ppl) and 1.0 <= ppl <= len(train_text) + V + 1e-9, (name, ppl)
    # the same counts by brute force: str.count for single characters, a loop over the pairs
    n, scored = len(train_text), list(zip(test_text, test_text[1:]))
    pairs = [train_text[i:i + 2] for i in range(n - 1)]
    uni = [(train_text.count(c) + 1) / (n + V) for _, c in scored]
    bi = [(pairs.count(a + c) + 1) / (sum(p[0] == a for p in pairs) + V) for a, c in scored]
    assert out["unigram"] == pytest.approx(float(np.prod(uni)) ** (-1 / len(scored)), rel=1e-9)
    assert out["bigram"] == pytest.approx(float(np.prod(bi)) ** (-1 / len(scored)), rel=1e-9)
