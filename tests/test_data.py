"""rnnlib.data: padding and masks, and the reason to trust `lengths`: a padded batch through
rnnlib.RNN gives, sequence by sequence, what running each sequence alone (no padding) gives."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib.data import pad_sequences, sequence_mask


# --- pad_sequences -----------------------------------------------------------------------

def test_pad_sequences_by_hand():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = np.array([[7.0, 8.0]])
    x, lengths = pad_sequences([a, b])
    np.testing.assert_array_equal(x, [[[1, 2], [3, 4], [5, 6]], [[7, 8], [0, 0], [0, 0]]])
    np.testing.assert_array_equal(lengths, [3, 1])
    assert x.dtype == np.float64 and lengths.dtype == np.int64
    x[0, 0, 0] = 99.0                                  # x is a new array, not a view of a
    assert a[0, 0] == 1.0


def test_pad_sequences_keeps_the_dtype_and_accepts_tuples():
    x, _ = pad_sequences((np.ones((2, 3), np.float32), np.ones((1, 3), np.float32)))
    assert x.dtype == np.float32
    x, _ = pad_sequences([np.ones((2, 3), np.float32), np.ones((1, 3))])
    assert x.dtype == np.float64


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=5), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_pad_then_mask_recovers_every_sequence(lens, F, seed):
    rng = np.random.default_rng(seed)
    seqs = [rng.normal(size=(T, F)) for T in lens]
    x, lengths = pad_sequences(seqs)
    mask = sequence_mask(lengths, x.shape[1])
    assert x.shape == (len(lens), max(lens), F)
    np.testing.assert_array_equal(lengths, lens)
    np.testing.assert_array_equal(mask.sum(axis=1), lens)
    np.testing.assert_array_equal(x[~mask], 0.0)                       # padding is zero
    for n, s in enumerate(seqs):
        np.testing.assert_array_equal(x[n][mask[n]], s)                # the real steps, in order


# --- sequence_mask -----------------------------------------------------------------------

def test_sequence_mask_by_hand():
    np.testing.assert_array_equal(sequence_mask([3, 1, 2]),
                                  [[True, True, True], [True, False, False], [True, True, False]])
    m = sequence_mask(np.array([2, 1]), 4)
    assert m.dtype == bool and m.shape == (2, 4)
    np.testing.assert_array_equal(m, [[1, 1, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(sequence_mask(np.array([2.0, 1.0]), 2), [[1, 1], [1, 0]])


def test_sequence_mask_agrees_with_vocab_padding():
    x, lengths = rnnlib.Vocab("helo").one_hot_batch(["hello", "hel", "lo"])
    np.testing.assert_array_equal(sequence_mask(lengths), x.sum(axis=-1) == 1.0)


ERRORS = [
    (lambda: pad_sequences([]), ValueError, ["pad_sequences: sequences is an empty list"]),
    (lambda: pad_sequences(np.ones((2, 3, 4))), TypeError, ["should be a list", "needs no padding"]),
    (lambda: pad_sequences([np.ones((2, 3)), np.ones((2, 4))]), ValueError,
     ["sequences[1] should have shape (time, features=3), got (2, 4)", "same number of features"]),
    (lambda: pad_sequences([np.ones(3)]), ValueError, ["sequences[0]", "got (3,)", "s[:, None]"]),
    (lambda: pad_sequences([np.ones((2, 1)), np.ones((0, 1))]), ValueError, ["sequences[1]", "length 0"]),
    (lambda: pad_sequences([np.ones((2, 1), dtype=int)]), TypeError, ["floating-point", "astype"]),
    (lambda: pad_sequences([np.array([[1.0], [np.inf]])]), ValueError, ["sequences[0] contains inf"]),
    (lambda: sequence_mask([3, 0]), ValueError, ["sequence_mask: lengths[1] is 0"]),
    (lambda: sequence_mask([2, 3], 2), ValueError, ["lengths[1] is 3", "time=2"]),
    (lambda: sequence_mask([-1]), ValueError, ["lengths[0] is -1"]),
    (lambda: sequence_mask([[1, 2]]), ValueError, ["lengths should be 1-D (batch,)", "got shape (1, 2)"]),
    (lambda: sequence_mask([]), ValueError, ["lengths should be 1-D (batch,)", "got shape (0,)"]),
    (lambda: sequence_mask([1.5]), TypeError, ["whole numbers"]),
    (lambda: sequence_mask(["a"]), TypeError, ["whole numbers"]),
    (lambda: sequence_mask([1], 0), ValueError, ["T should be a positive whole number"]),
]


@pytest.mark.parametrize("call, exc, words", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


# --- reverse_padded ------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=5), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_reverse_padded_reverses_each_real_part_and_twice_gives_x_back(lens, extra, seed):
    N, T = len(lens), max(lens) + extra                 # extra: padding even after the longest
    x = np.random.default_rng(seed).normal(size=(N, T, 2))
    once = rnnlib.reverse_padded(x, lens)
    for n, L in enumerate(lens):
        np.testing.assert_array_equal(once[n, :L], x[n, L - 1::-1] if L < T else x[n, ::-1])
        np.testing.assert_array_equal(once[n, L:], x[n, L:])          # padding stays put
    np.testing.assert_array_equal(rnnlib.reverse_padded(once, lens), x)
    np.testing.assert_array_equal(rnnlib.reverse_padded(rnnlib.reverse_padded(x)), x)


# --- padding + lengths through RNN == each sequence alone ------------------------------------

CONFIGS = [dict(), dict(num_layers=2), dict(bidirectional=True), dict(num_layers=2, bidirectional=True),
           dict(num_layers=2, bidirectional=True, nonlinearity="relu"), dict(bias=False),
           dict(go_backwards=True)]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_padded_batch_equals_each_word_alone(config):
    vocab = rnnlib.Vocab("helo")
    words = ["hello", "hel", "lo", "ohh"]
    x, lengths = vocab.one_hot_batch(words)
    rnn = rnnlib.RNN(4, 3, seed=0, **config)
    L, D = rnn.num_layers, rnn.num_directions
    h0 = np.random.default_rng(1).normal(size=(L * D, len(words), 3))
    output, h_n = rnn(x, h0, lengths=lengths)

    rng = np.random.default_rng(2)
    doutput, dh_n = rng.normal(size=output.shape), rng.normal(size=h_n.shape)
    rnn.zero_grad()
    dx, dh0 = rnn.backward(doutput, dh_n, return_dh0=True)
    batch_grads = {k: g.copy() for k, g in rnn.grads.items()}

    rnn.zero_grad()
    for n, w in enumerate(words):
        T = len(w)
        out_n, h_n_n = rnn(vocab.one_hot(w)[None], h0[:, n:n + 1])      # no padding, no lengths
        np.testing.assert_allclose(output[n, :T], out_n[0], rtol=0, atol=1e-14)
        np.testing.assert_array_equal(output[n, T:], 0.0)               # past the length: zeros
        assert not np.signbit(output[n, T:]).any()                     # +0.0, never a printed -0.
        np.testing.assert_allclose(h_n[:, n], h_n_n[:, 0], rtol=0, atol=1e-14)
        # backward: the gradient that reaches padding is ignored, the rest is the word's own
        dx_n, dh0_n = rnn.backward(doutput[n:n + 1, :T], dh_n[:, n:n + 1], return_dh0=True)
        np.testing.assert_allclose(dx[n, :T], dx_n[0], rtol=0, atol=1e-13)
        np.testing.assert_array_equal(dx[n, T:], 0.0)
        np.testing.assert_allclose(dh0[:, n], dh0_n[:, 0], rtol=0, atol=1e-13)
    for k, g in batch_grads.items():     # grads accumulated over the single runs = batch grads
        np.testing.assert_allclose(g, rnn.grads[k], rtol=0, atol=1e-12, err_msg=k)
