"""rnnlib.data given what a hostile or careless caller passes: every call gets a ValueError or
TypeError whose message starts with the function called, names the argument, and says what
came; no numpy message, no warning and no huge allocation comes first.

Each row: (function as the message names it, the argument, the call, the error, words the
message must hold besides those two)."""
import numpy as np
import pytest

from rnnlib.data import bptt_windows, char_baselines, pad_sequences, sequence_mask

from boundary import case_ids, clear_error

ONE = np.ones((2, 1))
BIG_U64 = np.array([2**63 + 5] * 10, dtype=np.uint64)        # past int64: must not wrap

CASES = [
    # pad_sequences: a list of (time, features) float arrays with one F
    ("pad_sequences", "sequences", lambda: pad_sequences(None), TypeError, ["NoneType"]),
    ("pad_sequences", "sequences", lambda: pad_sequences(np.ones((2, 3, 4))), TypeError,
     ["needs no padding"]),
    ("pad_sequences", "sequences", lambda: pad_sequences([]), ValueError, ["empty list"]),
    ("pad_sequences", "sequences", lambda: pad_sequences(iter([ONE])), TypeError, ["list_iterator"]),
    ("pad_sequences", "sequences", lambda: pad_sequences("abc"), TypeError, ["str"]),
    ("pad_sequences", "sequences[1]", lambda: pad_sequences([np.ones((2, 3)), np.ones((2, 4))]),
     ValueError, ["features=3", "got (2, 4)"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([np.ones(3)]), ValueError,
     ["got (3,)", "s[:, None]"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([np.ones((2, 3, 1))]), ValueError,
     ["got (2, 3, 1)"]),
    ("pad_sequences", "sequences[1]", lambda: pad_sequences([ONE, np.ones((0, 1))]), ValueError,
     ["length 0"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([np.ones((2, 0))]), ValueError,
     ["got (2, 0)"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([np.ones((2, 1), int)]), TypeError,
     ["int64", "astype"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([np.array([[1.0], [np.inf]])]),
     ValueError, ["inf", "(1, 0)"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([np.array([[np.nan]])]), ValueError,
     ["nan"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([ONE * 1j]), TypeError, ["complex"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([None]), TypeError, ["object"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([["a", "b"]]), TypeError, ["<U1"]),
    ("pad_sequences", "sequences[0]", lambda: pad_sequences([[[1.0], [2.0, 3.0]]]), TypeError,
     ["different lengths"]),
    # sequence_mask: 1-D whole lengths in 1..T, a sane T
    ("sequence_mask", "lengths", lambda: sequence_mask(None), TypeError, ["None"]),
    ("sequence_mask", "lengths", lambda: sequence_mask(5), ValueError, ["1-D", "got shape ()"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([]), ValueError, ["got shape (0,)"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([[1, 2]]), ValueError, ["got shape (1, 2)"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([[1], [2, 3]]), TypeError, ["flat list"]),
    ("sequence_mask", "lengths", lambda: sequence_mask(["a"]), TypeError, ["whole numbers"]),
    ("sequence_mask", "lengths", lambda: sequence_mask("3"), TypeError, ["'3'"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([True, False]), TypeError, ["bool"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([1.5]), TypeError, ["whole numbers"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([np.nan]), TypeError, ["whole numbers"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([np.inf]), TypeError, ["whole numbers"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([np.inf], 3), TypeError, ["whole numbers"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([1e20], 3), ValueError,
     ["lengths[0] is 100000000000000000000"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([1 + 0j]), TypeError, ["complex128"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([3, 0]), ValueError, ["lengths[1] is 0"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([-1]), ValueError, ["lengths[0] is -1"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([2, 3], 2), ValueError,
     ["lengths[1] is 3", "time=2"]),
    ("sequence_mask", "lengths", lambda: sequence_mask(BIG_U64[:1], 3), ValueError,
     ["lengths[0] is 9223372036854775813"]),
    ("sequence_mask", "T", lambda: sequence_mask([1], 0), ValueError, ["got 0"]),
    ("sequence_mask", "T", lambda: sequence_mask([1], 2.0), TypeError, ["got 2.0"]),
    ("sequence_mask", "T", lambda: sequence_mask([1], True), TypeError, ["True"]),
    ("sequence_mask", "T", lambda: sequence_mask([1], 10**12), ValueError, ["x.shape[1]"]),
    ("sequence_mask", "lengths", lambda: sequence_mask([1e20]), ValueError, ["max(lengths)"]),
    # bptt_windows: 1-D ids >= 0, enough of them for the streams and windows asked
    ("bptt_windows", "ids", lambda: bptt_windows("hello", 1, 2), TypeError, ["str", "Vocab"]),
    ("bptt_windows", "ids", lambda: bptt_windows(None, 1, 2), TypeError, ["NoneType"]),
    ("bptt_windows", "ids", lambda: bptt_windows(np.arange(10.0), 1, 2), TypeError, ["float64"]),
    ("bptt_windows", "ids", lambda: bptt_windows(np.ones(10, bool), 1, 2), TypeError, ["bool"]),
    ("bptt_windows", "ids", lambda: bptt_windows(np.zeros((2, 5), int), 1, 2), ValueError,
     ["1-D", "got shape (2, 5)"]),
    ("bptt_windows", "ids", lambda: bptt_windows([[1], [1, 2]], 1, 2), TypeError, ["object"]),
    ("bptt_windows", "ids", lambda: bptt_windows(np.array([-1, 2, 3, 4, 5, 6]), 1, 2), ValueError,
     ["ids[0] is -1"]),
    ("bptt_windows", "ids", lambda: bptt_windows(BIG_U64, 1, 2), ValueError,
     ["ids[0] is 9223372036854775813"]),
    ("bptt_windows", "ids", lambda: bptt_windows(np.array([], int), 1, 2), ValueError,
     ["0 ids are too few"]),
    ("bptt_windows", "n_streams", lambda: bptt_windows(np.arange(10), 0, 2), ValueError, ["got 0"]),
    ("bptt_windows", "n_streams", lambda: bptt_windows(np.arange(10), True, 2), TypeError, ["True"]),
    ("bptt_windows", "n_streams", lambda: bptt_windows(np.arange(10), 2.0, 2), TypeError, ["2.0"]),
    ("bptt_windows", "n_streams", lambda: bptt_windows(np.arange(10), 10**18, 2), ValueError,
     ["too few"]),
    ("bptt_windows", "window", lambda: bptt_windows(np.arange(10), 1, 0), ValueError, ["got 0"]),
    ("bptt_windows", "window", lambda: bptt_windows(np.arange(10), 1, "2"), TypeError, ["'2'"]),
    ("bptt_windows", "window", lambda: bptt_windows(np.arange(10), 4, 2), ValueError,
     ["n_streams * (window + 1) = 12"]),
    # char_baselines: two str, the test text at least 2 characters
    ("char_baselines", "train_text", lambda: char_baselines(None, "ab"), TypeError, ["NoneType"]),
    ("char_baselines", "train_text", lambda: char_baselines(b"ab", "ab"), TypeError, ["bytes"]),
    ("char_baselines", "train_text", lambda: char_baselines(["ab"], "ab"), TypeError, ["join"]),
    ("char_baselines", "train_text", lambda: char_baselines("", "ab"), ValueError, ["empty"]),
    ("char_baselines", "test_text", lambda: char_baselines("ab", None), TypeError, ["NoneType"]),
    ("char_baselines", "test_text", lambda: char_baselines("ab", 3), TypeError, ["int"]),
    ("char_baselines", "test_text", lambda: char_baselines("ab", ""), ValueError, ["empty"]),
    ("char_baselines", "test_text", lambda: char_baselines("ab", "a"), ValueError,
     ["at least 2 characters", "got 1"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


def test_inputs_are_never_modified():
    seqs = [np.arange(6.0).reshape(3, 2), np.ones((1, 2))]
    copies = [s.copy() for s in seqs]
    x, _ = pad_sequences(seqs)
    x[:] = -1.0
    for s, c in zip(seqs, copies):
        np.testing.assert_array_equal(s, c)
    ids = np.arange(40)
    xw, yw = bptt_windows(ids, 2, 3)
    xw[:] = -1
    np.testing.assert_array_equal(ids, np.arange(40))
    lengths = np.array([3.0, 1.0])
    sequence_mask(lengths)
    np.testing.assert_array_equal(lengths, [3.0, 1.0])


def test_a_text_with_many_distinct_characters_gets_its_baselines_without_a_v_by_v_table():
    # 60 000 distinct characters: a V x V table of float64 would need 29 GB
    train = "".join(map(chr, range(0x4E00, 0x4E00 + 30_000)))
    test = "".join(map(chr, range(0x4E00 + 30_000, 0x4E00 + 60_000)))
    out = char_baselines(train, test)
    V = 60_000
    assert out["uniform"] == V
    # every test character is unseen and every pair too: p = 1 / (n + V) and 1 / (0 + V)
    assert out["unigram"] == pytest.approx(30_000 + V, rel=1e-12)
    assert out["bigram"] == pytest.approx(V, rel=1e-12)
