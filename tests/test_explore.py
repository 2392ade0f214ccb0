"""rnnlib.explore's measurements: the correlation of units with a feature on cases whose r is
known by algebra (with constants that are not exact in binary, at any scale, and units that are
constant up to round-off); and the tools for comparing character models (notebook 09): closings
and their accuracy by distance, n-gram predictions, next-character probabilities, an LSTM's
gates and their saturation. Each is checked against an answer known without the function:
texts and counts worked by hand, numpy's corrcoef, the library's own perplexity and baselines,
and an LSTM whose weights are set so that its gates are known. (Select and match, ranking units
by r: test_widgets_hidden_explorer.py, on a model set by hand; the colours:
test_widgets_colours.py.)"""
import numpy as np
import pytest

import rnnlib
from rnnlib import explore
from rnnlib.data import char_baselines


# --- correlations: exact cases that are not exact in binary, scale, near-constant units -----

FEAT = np.array([0.1, 0.7, 0.3, 0.9, 0.5, 0.2, 0.6])         # none of these is exact in binary


def affine_states(f):
    """Four units: 0.1 f + 0.3 and -0.7 f + 0.2 (r = +1 and -1 by algebra), a unit that is 0.3
    up to round-off (0.1 + 0.2 != 0.3 in binary), and one that is exactly 0."""
    wobble = np.where(np.arange(len(f)) % 2 == 0, 0.1 + 0.2, 0.3)       # 0.30000000000000004 or 0.3
    return np.stack([0.1 * f + 0.3, -0.7 * f + 0.2, wobble, np.zeros(len(f))], axis=1)


@pytest.mark.parametrize("scale", [1.0, 1e-7, 1e-150, 1e7, 1e150])
def test_feature_correlations_are_exact_on_affine_units_at_any_scale(scale):
    states = affine_states(FEAT) * scale
    for f_scale in (1.0, 1e-7, 3e5):
        r = explore.feature_correlations(states, {"f": FEAT * f_scale})["f"]
        np.testing.assert_allclose(r[:2], [1.0, -1.0], rtol=0, atol=1e-12)
        assert np.isnan(r[2]), r          # constant up to round-off: no r, not a number from noise
        assert np.isnan(r[3]), r


def test_a_unit_that_varies_a_little_is_not_mistaken_for_a_constant():
    # a spread of 1e-9 around 0.5: far above round-off (1e-16), so r is defined, and exact
    f = FEAT
    states = np.stack([0.5 + 1e-9 * f, 0.5 - 1e-9 * f], axis=1)
    r = explore.feature_correlations(states, {"f": f})["f"]
    np.testing.assert_allclose(r, [1.0, -1.0], atol=1e-6)          # 1e-9 / 0.5: 7 digits survive


def test_feature_correlations_agree_with_numpy_corrcoef_unit_by_unit():
    rng = np.random.default_rng(4)
    states = np.tanh(rng.normal(size=(50, 6)))
    f = rng.normal(size=50) + 0.1 * states[:, 2]
    r = explore.feature_correlations(states, {"f": f})["f"]
    np.testing.assert_allclose(r, [np.corrcoef(states[:, u], f)[0, 1] for u in range(6)],
                               rtol=1e-12, atol=1e-14)


def test_a_constant_feature_has_no_correlation_with_any_unit():
    r = explore.feature_correlations(affine_states(FEAT), {"c": np.full(len(FEAT), 0.1 + 0.2)})
    assert np.isnan(r["c"]).all()
    wobble = np.where(np.arange(len(FEAT)) % 2 == 0, 0.1 + 0.2, 0.3)
    assert np.isnan(explore.feature_correlations(affine_states(FEAT), {"c": wobble})["c"]).all()


# --- closings ------------------------------------------------------------------------------

def test_closings_by_hand():
    #          0123456789012345
    text = 'f(a, "x y")\n[1]'
    pos, dist = explore.closings(text)
    # '"' at 9 closes the quote at 5; ')' at 10 the '(' at 1; ']' at 14 the '[' at 12
    assert pos.tolist() == [9, 10, 14]
    assert dist.tolist() == [4, 9, 2]


def test_closings_nested_and_filtered():
    text = "((a)[b])"
    pos, dist = explore.closings(text)
    assert pos.tolist() == [3, 6, 7] and dist.tolist() == [2, 2, 7]
    pos, dist = explore.closings(text, closers=")")
    assert pos.tolist() == [3, 7] and dist.tolist() == [2, 7]


def test_closings_ignore_brackets_in_strings_and_strays():
    # the ')' inside the string, the stray ')' at the start and the mismatched ']' count nowhere
    text = ')("a)")(]'
    pos, dist = explore.closings(text)
    assert pos.tolist() == [5, 6] and dist.tolist() == [3, 5]


def test_closings_errors():
    with pytest.raises(ValueError, match="closers"):
        explore.closings("(a)", closers="x")
    with pytest.raises(TypeError, match="text should be a str"):
        explore.closings(["(a)"])


# --- n-grams -------------------------------------------------------------------------------

def _perplexity(probs, vocab, text):
    ids = vocab.encode(text)
    return float(np.exp(-np.log(probs[np.arange(len(ids) - 1), ids[1:]]).mean()))


def test_ngram_probs_equal_char_baselines():
    train = rnnlib.data.structured_text(3000, seed=0).text
    test = rnnlib.data.structured_text(800, seed=1).text
    vocab = rnnlib.Vocab(train + test, order="sorted")
    base = char_baselines(train, test)
    for n, name in [(1, "unigram"), (2, "bigram")]:
        probs = explore.ngram_probs(train, vocab, test, n)
        assert probs.shape == (len(test) - 1, len(vocab))
        np.testing.assert_allclose(probs.sum(axis=1), 1.0)
        assert _perplexity(probs, vocab, test) == pytest.approx(base[name], rel=1e-12)


def test_trigram_by_hand():
    vocab = rnnlib.Vocab("abcd", order="sorted")             # V = 4
    probs = explore.ngram_probs("abcabd", vocab, "abc", n=3)
    # row 0 has one character before it: the bigram's counts, a -> b twice
    np.testing.assert_allclose(probs[0], np.array([1, 3, 1, 1]) / (2 + 4))
    # row 1: context "ab", followed once by c and once by d
    np.testing.assert_allclose(probs[1], np.array([1, 1, 2, 2]) / (2 + 4))
    # an unseen context gives the uniform 1/V
    np.testing.assert_allclose(explore.ngram_probs("abcabd", vocab, "dda", n=3)[1], 0.25)


def test_ngram_errors():
    vocab = rnnlib.Vocab("ab")
    with pytest.raises(ValueError, match="n should be"):
        explore.ngram_probs("abab", vocab, "ab", n=0)
    with pytest.raises(ValueError, match="not in the model's vocabulary"):
        explore.ngram_probs("abab", vocab, "abc", n=2)
    with pytest.raises(ValueError, match="too few"):
        explore.ngram_probs("ab", vocab, "ab", n=3)
    with pytest.raises(TypeError, match="vocab"):
        explore.ngram_probs("abab", "ab", "ab")


# --- closing accuracy ------------------------------------------------------------------------

def test_bigram_closing_accuracy_by_hand():
    vocab = rnnlib.Vocab("()ab", order="sorted")             # ids: ( 0, ) 1, a 2, b 3
    train = "(aab)"           # after a: a once, b once; after b: ) once
    text = "(a)(ab)"          # ')' at 2 (after a, 2 from its '('), ')' at 6 (after b, 3 away)
    probs = explore.ngram_probs(train, vocab, text, n=2)
    acc = explore.closing_accuracy(probs, vocab, text, edges=(1, 3))
    # after a the bigram says (0+1, 0+1, 1+1, 1+1) / 6: a is the most likely, ')' gets 1/6
    # after b: (1, 2, 1, 1) / 5: ')' is the most likely, with 2/5
    assert acc.positions.tolist() == [2, 6] and acc.distances.tolist() == [2, 3]
    assert acc.correct.tolist() == [False, True]
    np.testing.assert_allclose(acc.p, [1 / 6, 2 / 5])
    assert acc.counts.tolist() == [1, 1]
    np.testing.assert_allclose(acc.accuracy, [0.0, 1.0])
    np.testing.assert_allclose(acc.probability, [1 / 6, 2 / 5])
    assert acc.overall() == (0.5, 2)


def test_closing_accuracy_of_a_perfect_predictor():
    # probs that put everything on the true next character predict every closing
    text = '(a[b]"c d")\n'
    vocab = rnnlib.Vocab(text, order="sorted")
    ids = vocab.encode(text)
    probs = np.eye(len(vocab))[ids[1:]]
    acc = explore.closing_accuracy(probs, vocab, text, edges=(1, 2, 4, 8))
    assert acc.correct.all() and np.all(acc.p == 1.0)
    # distances: ']' 2, '"' 4, ')' 10  ->  buckets [1,2) [2,4) [4,8) [8,...)
    assert acc.counts.tolist() == [0, 1, 1, 1]
    assert np.isnan(acc.accuracy[0]) and acc.accuracy[1:].tolist() == [1.0, 1.0, 1.0]


def test_closing_accuracy_without_closings():
    vocab = rnnlib.Vocab("()ab", order="sorted")
    acc = explore.closing_accuracy(np.full((3, 4), 0.25), vocab, "abab")
    assert acc.counts.tolist() == [0] * 5 and np.all(np.isnan(acc.accuracy))
    accuracy, count = acc.overall()
    assert np.isnan(accuracy) and count == 0


def test_closing_accuracy_errors():
    vocab = rnnlib.Vocab("()a", order="sorted")
    probs = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match="probs should have shape"):
        explore.closing_accuracy(probs[:2], vocab, "(a)a")
    with pytest.raises(ValueError, match="edges"):
        explore.closing_accuracy(probs, vocab, "(a)a", edges=(1, 5, 3))
    with pytest.raises(TypeError, match="edges"):
        explore.closing_accuracy(probs, vocab, "(a)a", edges=(1.5, 3))
    with pytest.raises(ValueError, match="edges"):
        explore.closing_accuracy(probs, vocab, "(a)a", edges=(0, 3))
    with pytest.raises(TypeError, match="rnnlib.Vocab"):
        explore.closing_accuracy(probs, "()a", "(a)a")


# --- a model's next-character probabilities ------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_next_char_probs_give_perplexity(cell):
    text = 'x = f("a b", [1, 2])\n'
    vocab = rnnlib.Vocab(text, order="sorted")
    model = rnnlib.SequenceModel(len(vocab), 5, len(vocab), cell=cell, seed=0)
    probs = explore.next_char_probs(model, vocab, text)
    assert probs.shape == (len(text) - 1, len(vocab))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert _perplexity(probs, vocab, text) == pytest.approx(
        rnnlib.perplexity(model, vocab, text), rel=1e-12)


def test_next_char_probs_errors():
    vocab = rnnlib.Vocab("ab")
    model = rnnlib.SequenceModel(2, 3, 2, seed=0)
    with pytest.raises(ValueError, match="at least two characters"):
        explore.next_char_probs(model, vocab, "a")
    with pytest.raises(ValueError, match="output_size"):
        explore.next_char_probs(rnnlib.SequenceModel(2, 3, 4, seed=0), vocab, "ab")


# --- an LSTM's gates -----------------------------------------------------------------------

def _hand_set_lstm(V, H):
    """An LSTM whose gates are known: unit 0's forget gate always open (bias +20), its input gate
    always shut (bias -20); every other pre-activation is x's row of a fixed weight."""
    model = rnnlib.SequenceModel(V, H, V, cell="lstm", seed=0)
    p = model.rnn.params
    rng = np.random.default_rng(1)
    p["weight_ih_l0"][...] = rng.normal(0, 1, p["weight_ih_l0"].shape)
    p["weight_hh_l0"][...] = rng.normal(0, 0.5, p["weight_hh_l0"].shape)
    p["bias_hh_l0"][...] = 0
    p["bias_ih_l0"][...] = 0
    for block, bias in [(0, -20.0), (1, 20.0)]:            # i, f of unit 0
        p["weight_ih_l0"][block * H] = 0
        p["weight_hh_l0"][block * H] = 0
        p["bias_ih_l0"][block * H] = bias
    return model


def _gates_by_hand(model, ids):
    """The gates, c and h from the LSTM's equations, one step at a time, written out in the
    test."""
    p, H = model.rnn.params, model.hidden_size
    Wx, Wh = p["weight_ih_l0"].T, p["weight_hh_l0"].T
    b = p["bias_ih_l0"] + p["bias_hh_l0"]
    h, c, out = np.zeros(H), np.zeros(H), []
    for i in ids:
        a = Wx[i] + h @ Wh + b
        sig = lambda z: 1 / (1 + np.exp(-z))                # noqa: E731
        gi, gf, gg, go = sig(a[:H]), sig(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sig(a[3 * H:])
        c = gf * c + gi * gg
        h = go * np.tanh(c)
        out.append((gi, gf, gg, go, c, h))
    names = ["input", "forget", "candidate", "output", "cell", "hidden"]
    return {name: np.array([o[k] for o in out]) for k, name in enumerate(names)}


def test_gate_activations_equal_the_equations():
    text = "abcabba"
    vocab = rnnlib.Vocab(text, order="sorted")
    model = _hand_set_lstm(len(vocab), 4)
    gates = explore.gate_activations(model, vocab, text)
    expected = _gates_by_hand(model, vocab.encode(text))
    assert set(gates) == {"input", "forget", "candidate", "output"}
    for name in gates:
        assert gates[name].shape == (len(text), 4)
        np.testing.assert_allclose(gates[name], expected[name], rtol=1e-12, atol=1e-14)
    with_states = explore.gate_activations(model, vocab, text, states=True)
    assert list(with_states) == ["input", "forget", "candidate", "output", "cell", "hidden"]
    for name in with_states:
        np.testing.assert_allclose(with_states[name], expected[name], rtol=1e-12, atol=1e-14)


def test_a_hand_set_gate_saturates():
    text = "abcabbacab" * 3
    vocab = rnnlib.Vocab(text, order="sorted")
    gates = explore.gate_activations(_hand_set_lstm(len(vocab), 4), vocab, text)
    left, right = explore.saturation(gates["forget"])
    assert right[0] == 1.0 and left[0] == 0.0               # bias +20: always open
    left, right = explore.saturation(gates["input"])
    assert left[0] == 1.0 and right[0] == 0.0               # bias -20: always shut


def test_saturation_by_hand():
    gate = np.array([[0.05, 0.5],
                     [0.95, 0.5],
                     [0.5, 0.91],
                     [0.0, 1.0]])
    left, right = explore.saturation(gate)
    np.testing.assert_allclose(left, [2 / 4, 0])
    np.testing.assert_allclose(right, [1 / 4, 2 / 4])
    left, right = explore.saturation(gate, low=0.5, high=0.92)   # strict: 0.5 is not below 0.5
    np.testing.assert_allclose(left, [2 / 4, 0])
    np.testing.assert_allclose(right, [1 / 4, 1 / 4])


def test_gate_errors():
    vocab = rnnlib.Vocab("ab")
    with pytest.raises(ValueError, match="should be an LSTM"):
        explore.gate_activations(rnnlib.SequenceModel(2, 3, 2, cell="gru", seed=0), vocab, "ab")
    with pytest.raises(TypeError, match="gate_activations: states should be True or False"):
        explore.gate_activations(_hand_set_lstm(2, 3), vocab, "ab", states="yes")
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        explore.saturation(np.array([[0.5, -0.5]]))
    with pytest.raises(ValueError, match="low should be below high"):
        explore.saturation(np.full((2, 2), 0.5), low=0.9, high=0.1)
    with pytest.raises(ValueError, match=r"shape \(T, H\)"):
        explore.saturation(np.full(3, 0.5))
    with pytest.raises(TypeError, match="floating-point"):
        explore.saturation(np.zeros((2, 2), dtype=int))


# --- the training script's gated cells and the committed gated checkpoints ------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _train_script():
    import importlib.util
    spec = importlib.util.spec_from_file_location("train_char_model",
                                                  ROOT / "tools" / "train_char_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_script_builds_an_lstm_with_its_forget_bias():
    tool = _train_script()
    plain, shifted = tool.build(46, 29, 0, "lstm", 0.0), tool.build(46, 29, 0, "lstm", 1.0)
    a, b = plain.rnn.params["bias_ih_l0"], shifted.rnn.params["bias_ih_l0"]
    np.testing.assert_allclose(b[29:58] - a[29:58], 1.0)      # rows H:2H, the forget gate's
    np.testing.assert_array_equal(np.delete(b, np.s_[29:58]), np.delete(a, np.s_[29:58]))
    # the parameter counts the script's docstring gives: about the H = 64 RNN's 10,158
    sizes = {cell: sum(p.size for p in tool.build(46, H, 0, cell).params.values())
             for cell, H in [("rnn", 64), ("lstm", 29), ("gru", 34)]}
    assert sizes == {"rnn": 10_158, "lstm": 10_312, "gru": 9_974}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_train_script_short_run_of_a_gated_cell(cell):
    tool = _train_script()
    res = tool.run(**tool.PRESETS["short"], seed=0, cell=cell, test_seed=1,
                   forget_bias=1.0 if cell == "lstm" else 0.0)
    assert res["model"].cell == cell
    assert res["perplexity"] < 0.7 * res["baselines"]["bigram"]      # measured 4.4 against 7.9
    assert res["train_text"] == dict(generator="rnnlib.corpus.structured_text", seed=0,
                                     chars=[0, 40_000], note="structured_text(40000, seed=0).text")
    assert res["test_text"]["seed"] == 1 and res["test_text"]["chars"] == [0, 5_000]


def test_the_committed_lstm_holds_a_quote_cell_on_unseen_text():
    """assets/char_model_lstm.npz on text of a seed it never trained on: one unit of its cell
    state follows in_string with |r| >= 0.75 (0.815 on tools/experiments_09's 20,000 characters
    of seed 1), and its gates are gates."""
    from rnnlib.corpus import structured_text
    path = ROOT / "assets" / "char_model_lstm.npz"
    model, meta = rnnlib.load(path), rnnlib.load_metadata(path)
    assert meta["train_text"]["seed"] == 0 and meta["train_text"]["chars"] == [0, 400_000]
    vocab = rnnlib.Vocab(meta["symbols"])
    held_out = structured_text(4000, seed=123)
    c = rnnlib.hidden_states(model, vocab, held_out.text, cell_state=True)
    r = explore.feature_correlations(c, {"in_string": held_out.features["in_string"]})
    assert np.nanmax(np.abs(r["in_string"])) >= 0.75
    gates = explore.gate_activations(model, vocab, held_out.text)
    for name in ("input", "forget", "output"):
        left, right = explore.saturation(gates[name])
        assert np.all(left + right <= 1.0)
