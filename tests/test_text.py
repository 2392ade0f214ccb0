"""rnnlib.text.Vocab: ids, one-hot vectors and padded batches, and every error a learner can hit."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
import rnnlib.text
from rnnlib import Vocab

texts = st.text(min_size=1, max_size=40)

# The one-hot vectors of the "RNN Basic" tutorial, written out by hand: h, e, l, o = 0, 1, 2, 3.
H, E, L, O = [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]


# --- the running example ----------------------------------------------------------------

def test_hello_symbols_ids_and_one_hot_match_the_rnn_basic_tutorial():
    vocab = Vocab("hello")
    assert vocab.symbols == ("h", "e", "l", "o")
    assert vocab.index == {"h": 0, "e": 1, "l": 2, "o": 3}
    assert len(vocab) == 4
    np.testing.assert_array_equal(vocab.encode("hello"), [0, 1, 2, 2, 3])
    x = vocab.one_hot("hello")
    assert x.dtype == np.float64 and x.shape == (5, 4)
    np.testing.assert_array_equal(x, [H, E, L, L, O])


def test_the_rnn_basic_tutorials_batch_is_the_hand_stacked_array():
    x, lengths = Vocab("helo").one_hot_batch(["hello", "eolll", "lleel"])
    expected = np.array([[H, E, L, L, O], [E, O, L, L, L], [L, L, E, E, L]], dtype=np.float64)
    assert x.shape == (3, 5, 4) and x.dtype == np.float64
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(lengths, [5, 5, 5])
    assert lengths.dtype == np.int64


def test_padded_batch_has_zero_rows_past_each_length():
    x, lengths = Vocab("helo").one_hot_batch(["hello", "hel", "lo"])
    np.testing.assert_array_equal(lengths, [5, 3, 2])
    np.testing.assert_array_equal(x[1], [H, E, L, [0] * 4, [0] * 4])
    np.testing.assert_array_equal(x[2], [L, O, [0] * 4, [0] * 4, [0] * 4])


def test_encode_batch_pads_with_pad_id():
    ids, lengths = Vocab("helo").encode_batch(["hello", "hel", "lo"], pad_id=-1)
    np.testing.assert_array_equal(ids, [[0, 1, 2, 2, 3], [0, 1, 2, -1, -1], [2, 3, -1, -1, -1]])
    np.testing.assert_array_equal(lengths, [5, 3, 2])
    assert ids.dtype == np.int64
    ids0, _ = Vocab("helo").encode_batch(("hel", "h"))       # a tuple is a list of texts too
    np.testing.assert_array_equal(ids0, [[0, 1, 2], [0, 0, 0]])


def test_repr_equality_and_rebuilding():
    assert repr(Vocab("hello")) == "Vocab('helo')"
    for vocab in [Vocab("hello"), Vocab("hello", order="sorted"), Vocab("hello", unk="?"),
                  Vocab("h?llo", unk="?"), Vocab("b\na'\"", order="sorted", unk="#")]:
        rebuilt = eval(repr(vocab), {"Vocab": Vocab})
        assert rebuilt == vocab and rebuilt.symbols == vocab.symbols and rebuilt.unk == vocab.unk
        assert hash(rebuilt) == hash(vocab)
    assert Vocab("hello") != Vocab("hello", order="sorted")
    assert Vocab("hello") != Vocab("hello", unk="?")
    assert Vocab("hello") != "helo"


def test_sorted_order():
    assert Vocab("hello", order="sorted").symbols == ("e", "h", "l", "o")
    np.testing.assert_array_equal(Vocab("hello", order="sorted").encode("hello"), [1, 0, 2, 2, 3])


def test_unk_is_appended_and_takes_unknown_characters():
    vocab = Vocab("hello", unk="?")
    assert vocab.symbols == ("h", "e", "l", "o", "?")
    np.testing.assert_array_equal(vocab.encode("hex!"), [0, 1, 4, 4])
    assert vocab.decode(vocab.encode("hex!")) == "he??"
    x, _ = vocab.one_hot_batch(["zz"])
    np.testing.assert_array_equal(x[0], [[0, 0, 0, 0, 1]] * 2)
    # an unk the text already holds keeps its place instead of being added twice
    assert Vocab("h?i", unk="?").symbols == ("h", "?", "i")
    assert Vocab("hello", order="sorted", unk="?").symbols == ("e", "h", "l", "o", "?")


def test_one_hot_of_any_shape_and_of_float_whole_ids():
    vocab = Vocab("abc")
    ids = np.array([[0, 2], [1, 1], [2, 0]])
    x = vocab.one_hot(ids)
    assert x.shape == (3, 2, 3)
    np.testing.assert_array_equal(x.argmax(axis=-1), ids)
    np.testing.assert_array_equal(vocab.one_hot(2), [0, 0, 1])              # a scalar id
    np.testing.assert_array_equal(vocab.one_hot(ids.astype(float)), x)      # whole floats
    assert vocab.decode(np.array([2.0, 0.0])) == "ca"
    assert vocab.one_hot([]).shape == (0, 3) and vocab.decode([]) == "" and vocab.encode("").shape == (0,)


def test_inputs_are_not_modified():
    ids = np.array([0, 1, 2])
    Vocab("abc").one_hot(ids)
    Vocab("abc").decode(ids)
    np.testing.assert_array_equal(ids, [0, 1, 2])


# --- properties over random strings -----------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(texts)
def test_round_trips(text):
    vocab = Vocab(text)
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text
    x = vocab.one_hot(text)
    assert x.shape == (len(text), len(vocab))
    np.testing.assert_array_equal(x.sum(axis=-1), 1.0)                     # exactly one 1 per row
    np.testing.assert_array_equal(x.argmax(axis=-1), ids)
    assert vocab.decode(x.argmax(axis=-1)) == text
    np.testing.assert_array_equal(vocab.one_hot(ids), x)


@settings(max_examples=80, deadline=None)
@given(texts)
def test_symbols_are_the_distinct_characters_in_order(text):
    first = Vocab(text)
    assert set(first.symbols) == set(text) and len(first) == len(set(text))
    # order="first": the id order is the order of first appearance in the text
    assert list(first.symbols) == sorted(set(text), key=text.index)
    assert Vocab(text, order="sorted").symbols == tuple(sorted(set(text)))
    assert all(first.index[s] == i for i, s in enumerate(first.symbols))


@settings(max_examples=60, deadline=None)
@given(texts, st.randoms(use_true_random=False))
def test_sorted_order_does_not_depend_on_the_order_of_the_text(text, rnd):
    shuffled = list(text)
    rnd.shuffle(shuffled)
    assert Vocab(text, order="sorted") == Vocab("".join(shuffled), order="sorted")


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6))
def test_batch_rows_are_the_single_texts(batch):
    vocab = Vocab("".join(batch))
    x, lengths = vocab.one_hot_batch(batch)
    ids, lengths2 = vocab.encode_batch(batch, pad_id=7)
    T = max(map(len, batch))
    assert x.shape == (len(batch), T, len(vocab)) and ids.shape == (len(batch), T)
    np.testing.assert_array_equal(lengths, [len(t) for t in batch])
    np.testing.assert_array_equal(lengths2, lengths)
    for n, t in enumerate(batch):
        np.testing.assert_array_equal(x[n, : len(t)], vocab.one_hot(t))
        np.testing.assert_array_equal(x[n, len(t):], 0.0)
        np.testing.assert_array_equal(ids[n, : len(t)], vocab.encode(t))
        np.testing.assert_array_equal(ids[n, len(t):], 7)


@settings(max_examples=60, deadline=None)
@given(texts, texts)
def test_unk_maps_exactly_the_unknown_characters(known, other):
    vocab = Vocab(known, unk="\x00")
    ids = vocab.encode(other)
    expected = [vocab.index.get(c, vocab.index["\x00"]) for c in other]
    np.testing.assert_array_equal(ids, expected)


# --- every error ------------------------------------------------------------------------

V = Vocab("hello")

ERRORS = [
    # (call, exception type, words the message must contain)
    (lambda: Vocab(""), ValueError, ["Vocab: text is the empty string", "Vocab('hello')"]),
    (lambda: Vocab(5), TypeError, ["Vocab: text should be a str, got int"]),
    (lambda: Vocab(["he", "llo"]), TypeError, ["got list", "join"]),
    (lambda: Vocab(b"hello"), TypeError, ["got bytes"]),
    (lambda: Vocab("ab", order="alphabetical"), ValueError, ["order should be one of 'first', 'sorted'"]),
    (lambda: Vocab("ab", unk="UNK"), ValueError, ["unk should be None or a single character", "'UNK'"]),
    (lambda: Vocab("ab", unk=""), ValueError, ["unk should be None or a single character"]),
    (lambda: Vocab("ab", unk=0), ValueError, ["unk should be None or a single character"]),
    (lambda: V.encode("help"), ValueError, ["Vocab.encode: text[3] is 'p'", "not in the vocabulary 'helo'", "unk="]),
    (lambda: V.encode(np.array([0, 1])), TypeError, ["Vocab.encode: text should be a str, got ndarray", "decode"]),
    (lambda: V.encode(None), TypeError, ["text should be a str, got NoneType"]),
    (lambda: V.decode([0, 4]), ValueError, ["Vocab.decode: ids[1] is 4", "valid ids are 0 to 3"]),
    (lambda: V.decode([0, 1, -1]), ValueError, ["ids[2] is -1", "0 to 3", "Negative ids do not count from the end"]),
    (lambda: V.decode([0, 1.5]), ValueError, ["ids[1] is 1.5", "not a whole number", "argmax"]),
    (lambda: V.decode([0, np.nan]), ValueError, ["ids[1] is nan", "not a whole number"]),
    (lambda: V.decode([True, False]), TypeError, ["whole numbers", "got dtype bool"]),
    (lambda: V.decode("hello"), TypeError, ["got dtype <U5", "vocab.encode(text)"]),
    (lambda: V.decode(3), ValueError, ["ids should be 1-D (time,), got shape ()", "[3]"]),
    (lambda: V.decode([[0, 1], [2, 3]]), ValueError, ["got shape (2, 2)", "one row at a time"]),
    (lambda: V.decode([[0, 1], [2]]), TypeError, ["could not be turned into an array"]),
    (lambda: V.decode([None]), TypeError, ["whole numbers", "object"]),
    (lambda: V.one_hot([[0, 1], [9, 0]]), ValueError, ["Vocab.one_hot: ids[1, 0] is 9", "0 to 3"]),
    (lambda: V.one_hot("hex"), ValueError, ["Vocab.one_hot: text[2] is 'x'"]),
    (lambda: V.one_hot(0.5), ValueError, ["Vocab.one_hot: ids is 0.5"]),
    (lambda: V.one_hot_batch([]), ValueError, ["Vocab.one_hot_batch: texts is an empty list"]),
    (lambda: V.one_hot_batch("hello"), TypeError, ["one_hot_batch: texts should be a list of strings", "['hello']"]),
    (lambda: V.one_hot_batch(["he", ""]), ValueError, ["texts[1] is the empty string", "drop empty strings"]),
    (lambda: V.one_hot_batch(["he", 3]), TypeError, ["texts[1] should be a str, got int"]),
    (lambda: V.one_hot_batch(["he", "hx"]), ValueError, ["one_hot_batch: texts[1][1] is 'x'"]),
    (lambda: V.one_hot_batch(np.array(["he"])), TypeError, ["should be a list of strings", "ndarray"]),
    (lambda: V.encode_batch([]), ValueError, ["Vocab.encode_batch: texts is an empty list"]),
    (lambda: V.encode_batch(["lol", "hey"]), ValueError, ["encode_batch: texts[1][2] is 'y'"]),
    (lambda: V.encode_batch(["he"], pad_id=0.5), TypeError, ["pad_id should be a whole number"]),
    (lambda: V.encode_batch(["he"], pad_id=True), TypeError, ["pad_id should be a whole number"]),
]


@pytest.mark.parametrize("call, exc, words", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_say_where_what_and_how(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for w in words:
        assert w in message, (w, message)
    assert "0x" not in message


def test_a_long_vocabulary_is_shortened_in_messages():
    vocab = Vocab("".join(chr(c) for c in range(ord("a"), ord("a") + 26)) * 2)
    with pytest.raises(ValueError) as info:
        vocab.encode("A")
    assert "(26 symbols)" in str(info.value) and len(str(info.value)) < 300


def test_a_failed_call_changes_nothing():
    vocab = Vocab("hello")
    before = (vocab.symbols, dict(vocab.index), vocab.unk)
    for call in (lambda: vocab.encode("hex"), lambda: vocab.decode([9]), lambda: vocab.one_hot_batch(["x"])):
        with pytest.raises(ValueError):
            call()
    assert (vocab.symbols, vocab.index, vocab.unk) == before


def test_vocab_is_exported():
    assert rnnlib.Vocab is rnnlib.text.Vocab
    assert "Vocab" in rnnlib.__all__
