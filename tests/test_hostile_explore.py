"""rnnlib.explore given what a hostile or careless caller passes: every call gets a ValueError or
TypeError whose message starts with the function called, names the argument, and says what
came; no numpy message and no warning gets through.

Nothing is broadcast, wrapped or cut short: a negative unit number does not mean the last unit,
arrays that go together must have the same length. (The colours and the coloured text, drawn
by rnnlib.widgets.colours, are tried in test_hostile_colours.py.)

Each row: (function as the message names it, the argument, the call, the error, words the
message must hold besides those two)."""
import numpy as np
import pytest

import rnnlib
from rnnlib import explore as X

from boundary import case_ids, clear_error

T, H = 6, 4
STATES = np.linspace(-0.9, 0.9, T * H).reshape(T, H)
TEXT = 'f(x) "a"'
VOCAB = rnnlib.Vocab(TEXT)
V = len(VOCAB)
MODEL = rnnlib.SequenceModel(V, 3, V, seed=0)
PROBS = np.full((len(TEXT) - 1, V), 1.0 / V)
GATE = np.full((5, 3), 0.5)
R = np.array([0.5, -0.2, np.nan, 1.0])


def with_symbols(symbols):
    m = rnnlib.SequenceModel(V, 3, V, cell="lstm", seed=0)
    m.symbols = symbols
    return m


def nan_lstm():
    m = rnnlib.SequenceModel(V, 3, V, cell="lstm", seed=0)
    m.params["rnn.weight_ih_l0"][0, 0] = np.inf
    return m


CASES = [
    # select_units
    ("select_units", "states", lambda: X.select_units(STATES[0], 0, 1, 0.5), ValueError, ["(T, H)", "(4,)"]),
    ("select_units", "states", lambda: X.select_units(STATES * np.nan, 0, 1, 0.5), ValueError, ["nan"]),
    ("select_units", "states", lambda: X.select_units(STATES.astype(int), 0, 1, 0.5), TypeError, ["int64"]),
    ("select_units", "start", lambda: X.select_units(STATES, -1, 2, 0.5), ValueError, ["-1"]),
    ("select_units", "start", lambda: X.select_units(STATES, 1.0, 2, 0.5), TypeError, ["1.0"]),
    ("select_units", "end", lambda: X.select_units(STATES, 2, 1, 0.5), ValueError, ["from 2 to 6"]),
    ("select_units", "end", lambda: X.select_units(STATES, 0, T + 1, 0.5), ValueError, ["7"]),
    ("select_units", "threshold", lambda: X.select_units(STATES, 0, 2, -0.1), ValueError, [">= 0"]),
    ("select_units", "threshold", lambda: X.select_units(STATES, 0, 2, np.nan), ValueError, ["nan"]),
    ("select_units", "threshold", lambda: X.select_units(STATES, 0, 2, "0.5"), TypeError, ["'0.5'"]),
    # on_positions
    ("on_positions", "units", lambda: X.on_positions(STATES, [-1], [1], 0.5), ValueError,
     ["units[0] is -1", "not count from the end"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, [H], [1], 0.5), ValueError, ["0 to 3"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, [1.5], [1], 0.5), TypeError, ["float64"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, [True], [1], 0.5), TypeError, ["bool"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, [[0, 1]], [1, 1], 0.5), ValueError, ["1-D"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, [1, 1], [1, -1], 0.5), ValueError,
     ["distinct"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, [[0], [1, 2]], [1], 0.5), TypeError,
     ["different lengths"]),
    ("on_positions", "units", lambda: X.on_positions(STATES, "0", [1], 0.5), TypeError, ["<U1"]),
    ("on_positions", "signs", lambda: X.on_positions(STATES, [0, 1], [1], 0.5), ValueError,
     ["(2,)", "(1,)"]),
    ("on_positions", "signs", lambda: X.on_positions(STATES, [0, 1], [1, 1, 1], 0.5), ValueError,
     ["(3,)"]),
    ("on_positions", "signs", lambda: X.on_positions(STATES, [0], [2], 0.5), ValueError, ["+1 or -1"]),
    ("on_positions", "signs", lambda: X.on_positions(STATES, [0], [0], 0.5), ValueError, ["+1 or -1"]),
    ("on_positions", "signs", lambda: X.on_positions(STATES, [0], ["+"], 0.5), TypeError, ["<U1"]),
    ("on_positions", "threshold", lambda: X.on_positions(STATES, [0], [1], None), TypeError, ["None"]),
    ("on_positions", "threshold", lambda: X.on_positions(STATES, [0], [1], -1), ValueError, [">= 0"]),
    ("on_positions", "states", lambda: X.on_positions(STATES[None], [0], [1], 0.5), ValueError,
     ["(1, 6, 4)"]),
    ("on_positions", "states", lambda: X.on_positions(None, [], [], 0.5), TypeError, ["object"]),
    # runs
    ("runs", "mask", lambda: X.runs([0, 2, 1]), ValueError, ["other values"]),
    ("runs", "mask", lambda: X.runs([0.0, 1.0]), TypeError, ["float64"]),
    ("runs", "mask", lambda: X.runs([[True, False]]), ValueError, ["1-D", "(1, 2)"]),
    ("runs", "mask", lambda: X.runs("TF"), TypeError, ["<U2"]),
    ("runs", "mask", lambda: X.runs(None), TypeError, ["object"]),
    # feature_correlations
    ("feature_correlations", "features", lambda: X.feature_correlations(STATES, None), TypeError,
     ["NoneType"]),
    ("feature_correlations", "features", lambda: X.feature_correlations(STATES, [np.ones(T)]), TypeError,
     ["list"]),
    ("feature_correlations", "features", lambda: X.feature_correlations(STATES, {1: np.arange(T)}),
     TypeError, ["key 1", "str"]),
    ("feature_correlations", "features['f']", lambda: X.feature_correlations(STATES, {"f": np.arange(T + 1)}),
     ValueError, ["(6,)", "(7,)"]),
    ("feature_correlations", "features['f']", lambda: X.feature_correlations(STATES, {"f": np.arange(2)}),
     ValueError, ["(2,)"]),
    ("feature_correlations", "features['f']", lambda: X.feature_correlations(STATES, {"f": np.ones((T, 1))}),
     ValueError, ["(6, 1)"]),
    ("feature_correlations", "features['f']", lambda: X.feature_correlations(STATES, {"f": list("abcdef")}),
     TypeError, ["<U1"]),
    ("feature_correlations", "features['f']", lambda: X.feature_correlations(STATES, {"f": [1, [2]] * 3}),
     TypeError, ["different lengths"]),
    ("feature_correlations", "features['f']",
     lambda: X.feature_correlations(STATES, {"f": np.r_[np.inf, np.ones(T - 1)]}), ValueError, ["inf"]),
    ("feature_correlations", "features['f']",
     lambda: X.feature_correlations(STATES, {"f": np.ones(T) * 1j}), TypeError, ["complex"]),
    ("feature_correlations", "states", lambda: X.feature_correlations(np.zeros((0, H)), {}), ValueError,
     ["(0, 4)"]),
    # top_units / units_by_correlation: r is (H,) correlations or nan
    ("top_units", "k", lambda: X.top_units(R, 0), ValueError, ["got 0"]),
    ("top_units", "k", lambda: X.top_units(R, -1), ValueError, ["-1"]),
    ("top_units", "k", lambda: X.top_units(R, 2.0), TypeError, ["2.0"]),
    ("top_units", "k", lambda: X.top_units(R, None), TypeError, ["None"]),
    ("top_units", "r", lambda: X.top_units(R[None], 2), ValueError, ["(H,)", "(1, 4)"]),
    ("top_units", "r", lambda: X.top_units(np.array([0.5, 3.0]), 2), ValueError, ["3.0", "-1 to 1"]),
    ("top_units", "r", lambda: X.top_units(np.array([0.5, -np.inf]), 2), ValueError, ["-inf"]),
    ("top_units", "r", lambda: X.top_units([], 2), ValueError, ["(0,)"]),
    ("top_units", "r", lambda: X.top_units({"depth": R}, 2), TypeError, ["object"]),
    ("units_by_correlation", "r", lambda: X.units_by_correlation(np.array([1.5])), ValueError, ["1.5"]),
    ("units_by_correlation", "r", lambda: X.units_by_correlation([1, 0]), TypeError, ["int64"]),
    ("units_by_correlation", "r", lambda: X.units_by_correlation(np.float64(0.5)), ValueError, ["()"]),
    # next_char_probs and gate_activations: a model as sample wants it
    ("next_char_probs", "model", lambda: X.next_char_probs(None, VOCAB, TEXT), TypeError, ["NoneType"]),
    ("next_char_probs", "vocab", lambda: X.next_char_probs(with_symbols("".join(VOCAB.symbols[::-1])), VOCAB, TEXT),
     ValueError, ["same order"]),
    ("next_char_probs", "text", lambda: X.next_char_probs(MODEL, VOCAB, "f"), ValueError, ["two"]),
    ("next_char_probs", "text", lambda: X.next_char_probs(MODEL, VOCAB, "f(y)"), ValueError,
     ["text[2] is 'y'"]),
    ("next_char_probs", "model", lambda: X.next_char_probs(nan_lstm(), VOCAB, TEXT), ValueError,
     ["not finite"]),
    ("gate_activations", "model", lambda: X.gate_activations(MODEL, VOCAB, TEXT), ValueError,
     ["LSTM", "'rnn'"]),
    ("gate_activations", "model", lambda: X.gate_activations(nan_lstm(), VOCAB, TEXT), ValueError,
     ["not finite", "inf"]),
    ("gate_activations", "vocab", lambda: X.gate_activations(with_symbols("".join(VOCAB.symbols[::-1])), VOCAB, TEXT),
     ValueError, ["same order"]),
    ("gate_activations", "text", lambda: X.gate_activations(with_symbols(None), VOCAB, ""), ValueError,
     ["0 characters"]),
    # ngram_probs
    ("ngram_probs", "n", lambda: X.ngram_probs(TEXT, VOCAB, TEXT, 0), ValueError, ["from 1 to 8"]),
    ("ngram_probs", "n", lambda: X.ngram_probs(TEXT, VOCAB, TEXT, 2.0), TypeError, ["2.0"]),
    ("ngram_probs", "n", lambda: X.ngram_probs("".join(map(chr, range(200, 1300))) * 2,
                                                rnnlib.Vocab("".join(map(chr, range(200, 1300)))),
                                                chr(200) * 3, 7), ValueError, ["64 bits"]),
    ("ngram_probs", "train_text", lambda: X.ngram_probs(5, VOCAB, TEXT), TypeError, ["int"]),
    ("ngram_probs", "train_text", lambda: X.ngram_probs("f", VOCAB, TEXT, 3), ValueError, ["too few"]),
    ("ngram_probs", "train_text", lambda: X.ngram_probs("zz", VOCAB, TEXT), ValueError, ["'z'"]),
    ("ngram_probs", "text", lambda: X.ngram_probs(TEXT, VOCAB, "f"), ValueError, ["two"]),
    ("ngram_probs", "vocab", lambda: X.ngram_probs(TEXT, "abc", TEXT), TypeError, ["str"]),
    # closings and closing_accuracy
    ("closings", "closers", lambda: X.closings(TEXT, ">"), ValueError, ["'>'"]),
    ("closings", "closers", lambda: X.closings(TEXT, ""), ValueError, ["non-empty"]),
    ("closings", "closers", lambda: X.closings(TEXT, [")"]), TypeError, ["[')']"]),
    ("closings", "text", lambda: X.closings(None), TypeError, ["NoneType"]),
    ("closing_accuracy", "probs", lambda: X.closing_accuracy(PROBS[:-1], VOCAB, TEXT), ValueError,
     ["len(text) - 1=7"]),
    ("closing_accuracy", "probs", lambda: X.closing_accuracy(PROBS * 2, VOCAB, TEXT), ValueError,
     ["probabilities", "softmax"]),
    ("closing_accuracy", "probs", lambda: X.closing_accuracy(PROBS - 0.5, VOCAB, TEXT), ValueError,
     ["[0, 1]"]),
    ("closing_accuracy", "probs", lambda: X.closing_accuracy(PROBS * np.nan, VOCAB, TEXT), ValueError,
     ["nan"]),
    ("closing_accuracy", "edges", lambda: X.closing_accuracy(PROBS, VOCAB, TEXT, edges=(0, 5)), ValueError,
     ["(0, 5)"]),
    ("closing_accuracy", "edges", lambda: X.closing_accuracy(PROBS, VOCAB, TEXT, edges=(5, 1)), ValueError,
     ["increasing"]),
    ("closing_accuracy", "edges", lambda: X.closing_accuracy(PROBS, VOCAB, TEXT, edges=(1.0, 5.0)),
     TypeError, ["whole numbers"]),
    ("closing_accuracy", "edges", lambda: X.closing_accuracy(PROBS, VOCAB, TEXT, edges=()), ValueError,
     ["()"]),
    ("closing_accuracy", "closers", lambda: X.closing_accuracy(PROBS, VOCAB, TEXT, closers="x"),
     ValueError, ["'x'"]),
    ("closing_accuracy", "text", lambda: X.closing_accuracy(PROBS, VOCAB, None), TypeError, ["NoneType"]),
    # saturation
    ("saturation", "gate", lambda: X.saturation(GATE + 0.6), ValueError, ["[0, 1]", "tanh"]),
    ("saturation", "gate", lambda: X.saturation(GATE[0]), ValueError, ["(T, H)"]),
    ("saturation", "low", lambda: X.saturation(GATE, low=-0.1), ValueError, ["-0.1"]),
    ("saturation", "low", lambda: X.saturation(GATE, low=0.9, high=0.1), ValueError, ["below high"]),
    ("saturation", "high", lambda: X.saturation(GATE, high="0.9"), TypeError, ["'0.9'"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


@pytest.mark.filterwarnings("error")
def test_edges_that_are_allowed_on_purpose():
    # an empty selection, an empty mask and no features are nothing to compute, not errors
    assert not X.on_positions(STATES, [], [], 0.5).any()
    assert X.runs([]) == [] and X.runs([0, 1, 1]) == [(1, 3)]
    assert X.feature_correlations(STATES, {}) == {}
    # more units asked for than have an r: all of them, best first
    units, r = X.top_units(R, 10)
    assert units.tolist() == [3, 0, 1] and r.tolist() == [1.0, 0.5, -0.2]


def test_the_inputs_are_never_modified():
    states, r, probs = STATES.copy(), R.copy(), PROBS.copy()
    X.select_units(states, 0, 3, 0.1)
    X.on_positions(states, [0, 2], [1, -1], 0.1)
    X.feature_correlations(states, {"f": np.arange(T)})
    X.top_units(r, 2)
    X.units_by_correlation(r)
    X.closing_accuracy(probs, VOCAB, TEXT)
    np.testing.assert_array_equal(states, STATES)
    np.testing.assert_array_equal(r, R)
    np.testing.assert_array_equal(probs, PROBS)


def test_the_explorer_refuses_a_vocabulary_in_another_order_than_the_models():
    from rnnlib.widgets import HiddenStateExplorer
    model = with_symbols("".join(VOCAB.symbols))     # an LSTM that records its symbols
    reordered = rnnlib.Vocab(TEXT, order="sorted")
    assert reordered.symbols != VOCAB.symbols
    with pytest.raises(ValueError, match=r"^HiddenStateExplorer: vocab should have the symbols"):
        HiddenStateExplorer(model, reordered, TEXT * 3)
    HiddenStateExplorer(model, VOCAB, TEXT * 3)      # the model's own order is accepted
