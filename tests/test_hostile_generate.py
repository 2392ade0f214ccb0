"""rnnlib.generate (temperature_probs, sample, perplexity, hidden_states, train_text_overlap)
given what a hostile or careless caller passes: every call gets a ValueError or TypeError whose
message starts with the function called, names the argument, and says what came; no numpy
message and no warning gets through.

A model that carries its vocabulary (model.symbols, from its checkpoint) is only run with the
same symbols in the same order; a model whose weights are not finite, or whose scores overflow
on the way, is refused instead of giving nan or numpy's "probabilities contain NaN".

Each row: (function as the message names it, what the message must name, the call, the
error, words the message must hold besides those two)."""
import numpy as np
import pytest

import rnnlib
from rnnlib import hidden_states, perplexity, sample, temperature_probs
from rnnlib.generate import train_text_overlap

from boundary import case_ids, clear_error

VOCAB = rnnlib.Vocab("abcd")
MODEL = rnnlib.SequenceModel(4, 3, 4, seed=0)


def with_symbols(symbols):
    m = rnnlib.SequenceModel(4, 3, 4, seed=0)
    m.symbols = symbols
    return m


def nan_model():
    m = rnnlib.SequenceModel(4, 3, 4, seed=0)
    m.params["head.weight"][2, 1] = np.nan
    return m


def exploding():
    """A relu model whose state grows tenfold at every step: finite weights, scores that reach
    inf after some 300 characters."""
    m = rnnlib.SequenceModel(4, 3, 4, nonlinearity="relu", seed=0)
    m.load_state_dict({k: np.abs(p) + 0.1 for k, p in m.state_dict().items()}
                      | {"rnn.weight_hh_l0": 10 * np.eye(3)})
    return m


def lstm():
    return rnnlib.SequenceModel(4, 3, 4, cell="lstm", seed=0)


LONG = "abcd" * 100

CASES = [
    # temperature_probs: logits (..., V) real and finite, temperature a positive number
    ("temperature_probs", "logits", lambda: temperature_probs(None, 1.0), TypeError, ["object"]),
    ("temperature_probs", "logits", lambda: temperature_probs("abc", 1.0), TypeError, ["<U3"]),
    ("temperature_probs", "logits", lambda: temperature_probs([[1.0, 2.0], [3.0]], 1.0), TypeError,
     ["different lengths"]),
    ("temperature_probs", "logits", lambda: temperature_probs(np.zeros(0), 1.0), ValueError, ["(0,)"]),
    ("temperature_probs", "logits", lambda: temperature_probs(np.float64(2.0), 1.0), ValueError,
     ["()", "np.array([score])"]),
    ("temperature_probs", "logits", lambda: temperature_probs([1, 2], 1.0), TypeError, ["int64"]),
    ("temperature_probs", "logits", lambda: temperature_probs([1 + 2j, 0j], 1.0), TypeError,
     ["complex128", ".real"]),
    ("temperature_probs", "logits", lambda: temperature_probs([1.0, np.nan], 1.0), ValueError, ["nan"]),
    ("temperature_probs", "logits", lambda: temperature_probs([np.inf, 1.0], 1.0), ValueError, ["inf"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], 0), ValueError,
     ["greedy"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], -2.0), ValueError,
     ["-2.0"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], np.nan), ValueError,
     ["nan"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], np.inf), ValueError,
     ["inf"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], "1"), TypeError, ["'1'"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], True), TypeError,
     ["True"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], None), TypeError,
     ["None"]),
    ("temperature_probs", "temperature", lambda: temperature_probs([1.0, 2.0], [1.0]), TypeError,
     ["[1.0]"]),
    # sample: the model and its vocabulary
    ("sample", "model", lambda: sample(None, VOCAB, "a", 3), TypeError, ["NoneType"]),
    ("sample", "model", lambda: sample(rnnlib.RNN(4, 3), VOCAB, "a", 3), TypeError, ["RNN"]),
    ("sample", "model", lambda: sample(rnnlib.SequenceModel(5, 3, 4), VOCAB, "a", 3), ValueError,
     ["input_size is 5", "4 symbols"]),
    ("sample", "model", lambda: sample(rnnlib.SequenceModel(4, 3, 2), VOCAB, "a", 3), ValueError,
     ["output_size is 2"]),
    ("sample", "model", lambda: sample(rnnlib.SequenceModel(4, 3, 4, go_backwards=True), VOCAB, "a", 3),
     ValueError, ["go_backwards"]),
    ("sample", "model", lambda: sample(nan_model(), VOCAB, "a", 3), ValueError,
     ["not finite", "model.params['head.weight']", "nan", "diverged"]),
    ("sample", "model", lambda: sample(exploding(), VOCAB, LONG, 3), ValueError,
     ["overflowed", "relu"]),
    ("sample", "vocab", lambda: sample(MODEL, "abcd", "a", 3), TypeError, ["str", "Vocab"]),
    ("sample", "vocab", lambda: sample(MODEL, ["a", "b", "c", "d"], "a", 3), TypeError, ["list"]),
    ("sample", "vocab", lambda: sample(with_symbols("abcde"), VOCAB, "a", 3), ValueError,
     ["model's has 5 symbols"]),
    ("sample", "vocab", lambda: sample(with_symbols("abcd"), rnnlib.Vocab("bacd"), "a", 3), ValueError,
     ["same order", "id 0 is 'b' in vocab and 'a' for the model", "rnnlib.Vocab(model.symbols)"]),
    ("sample", "vocab", lambda: sample(with_symbols("abcd"), rnnlib.Vocab("abce"), "a", 3), ValueError,
     ["id 3 is 'e' in vocab and 'd'"]),
    ("sample", "vocab", lambda: sample(with_symbols("abcd"), rnnlib.Vocab("dcba", order="sorted"), "a", 3)
     and sample(with_symbols("dcba"), rnnlib.Vocab("abcd", order="sorted"), "a", 3), ValueError,
     ["id 0 is 'a' in vocab and 'd'"]),
    # sample: prime, n, temperature, seed
    ("sample", "prime", lambda: sample(MODEL, VOCAB, None, 3), TypeError, ["NoneType"]),
    ("sample", "prime", lambda: sample(MODEL, VOCAB, b"ab", 3), TypeError, ["bytes"]),
    ("sample", "prime", lambda: sample(MODEL, VOCAB, ["a"], 3), TypeError, ["list"]),
    ("sample", "prime", lambda: sample(MODEL, VOCAB, "", 3), ValueError, ["0 characters"]),
    ("sample", "prime", lambda: sample(MODEL, VOCAB, "abZ", 3), ValueError, ["prime[2] is 'Z'"]),
    ("sample", "n", lambda: sample(MODEL, VOCAB, "a", -1), ValueError, ["-1"]),
    ("sample", "n", lambda: sample(MODEL, VOCAB, "a", 2.0), TypeError, ["2.0"]),
    ("sample", "n", lambda: sample(MODEL, VOCAB, "a", "5"), TypeError, ["'5'"]),
    ("sample", "n", lambda: sample(MODEL, VOCAB, "a", True), TypeError, ["True"]),
    ("sample", "n", lambda: sample(MODEL, VOCAB, "a", None), TypeError, ["None"]),
    ("sample", "n", lambda: sample(MODEL, VOCAB, "a", 10**9), ValueError, ["1000000"]),
    ("sample", "temperature", lambda: sample(MODEL, VOCAB, "a", 3, 0.0), ValueError, ["greedy"]),
    ("sample", "temperature", lambda: sample(MODEL, VOCAB, "a", 3, "hot"), TypeError, ["'hot'"]),
    ("sample", "temperature", lambda: sample(MODEL, VOCAB, "a", 3, float("nan")), ValueError, ["nan"]),
    ("sample", "seed", lambda: sample(MODEL, VOCAB, "a", 3, 1.0, -1), ValueError, ["-1"]),
    ("sample", "seed", lambda: sample(MODEL, VOCAB, "a", 3, 1.0, 0.5), TypeError, ["0.5"]),
    ("sample", "seed", lambda: sample(MODEL, VOCAB, "a", 3, 1.0, "0"), TypeError, ["'0'"]),
    # perplexity
    ("perplexity", "model", lambda: perplexity(None, VOCAB, "ab"), TypeError, ["NoneType"]),
    ("perplexity", "model", lambda: perplexity(nan_model(), VOCAB, "ab"), ValueError, ["not finite"]),
    ("perplexity", "model", lambda: perplexity(exploding(), VOCAB, LONG), ValueError, ["overflowed"]),
    ("perplexity", "model", lambda: perplexity(rnnlib.SequenceModel(4, 3, 4, go_backwards=True), VOCAB, "ab"),
     ValueError, ["go_backwards"]),
    ("perplexity", "vocab", lambda: perplexity(with_symbols("abcd"), rnnlib.Vocab("abdc"), "ab"),
     ValueError, ["same order", "id 2 is 'd' in vocab and 'c'"]),
    ("perplexity", "vocab", lambda: perplexity(MODEL, "abcd", "ab"), TypeError, ["str"]),
    ("perplexity", "text", lambda: perplexity(MODEL, VOCAB, "a"), ValueError, ["1 characters", "two"]),
    ("perplexity", "text", lambda: perplexity(MODEL, VOCAB, ""), ValueError, ["0 characters"]),
    ("perplexity", "text", lambda: perplexity(MODEL, VOCAB, None), TypeError, ["NoneType"]),
    ("perplexity", "text", lambda: perplexity(MODEL, VOCAB, ["ab"]), TypeError, ["list"]),
    ("perplexity", "text", lambda: perplexity(MODEL, VOCAB, "abz"), ValueError, ["text[2] is 'z'"]),
    ("perplexity", "allow_train_text", lambda: perplexity(MODEL, VOCAB, "ab", allow_train_text="yes"),
     TypeError, ["'yes'"]),
    ("perplexity", "allow_train_text", lambda: perplexity(MODEL, VOCAB, "ab", allow_train_text=1),
     TypeError, ["True or False"]),
    ("perplexity", "allow_train_text", lambda: perplexity(MODEL, VOCAB, "ab", allow_train_text=None),
     TypeError, ["None"]),
    # hidden_states
    ("hidden_states", "model", lambda: hidden_states("model", VOCAB, "ab"), TypeError, ["str"]),
    ("hidden_states", "model", lambda: hidden_states(nan_model(), VOCAB, "ab"), ValueError, ["not finite"]),
    ("hidden_states", "model", lambda: hidden_states(exploding(), VOCAB, LONG), ValueError,
     ["overflowed"]),
    ("hidden_states", "model", lambda: hidden_states(rnnlib.SequenceModel(5, 3, 4), VOCAB, "ab"),
     ValueError, ["input_size is 5"]),
    ("hidden_states", "vocab", lambda: hidden_states(with_symbols("abcd"), rnnlib.Vocab("dcba"), "ab"),
     ValueError, ["same order"]),
    ("hidden_states", "vocab", lambda: hidden_states(MODEL, None, "ab"), TypeError, ["NoneType"]),
    ("hidden_states", "text", lambda: hidden_states(MODEL, VOCAB, ""), ValueError, ["0 characters"]),
    ("hidden_states", "text", lambda: hidden_states(MODEL, VOCAB, 5), TypeError, ["int"]),
    ("hidden_states", "text", lambda: hidden_states(MODEL, VOCAB, "a\n"), ValueError, ["'\\n'"]),
    ("hidden_states", "cell_state", lambda: hidden_states(MODEL, VOCAB, "ab", cell_state="yes"),
     TypeError, ["'yes'"]),
    ("hidden_states", "cell_state", lambda: hidden_states(MODEL, VOCAB, "ab", cell_state=True),
     ValueError, ["LSTM", "'rnn'"]),
    ("hidden_states", "cell_state", lambda: hidden_states(lstm(), VOCAB, "ab", cell_state=0),
     TypeError, ["True or False"]),
    # train_text_overlap
    ("train_text_overlap", "model", lambda: train_text_overlap("model", "abc"), TypeError, ["str"]),
    ("train_text_overlap", "model", lambda: train_text_overlap(None, "abc"), TypeError, ["NoneType"]),
    ("train_text_overlap", "text", lambda: train_text_overlap(MODEL, None), TypeError, ["NoneType"]),
    ("train_text_overlap", "text", lambda: train_text_overlap(MODEL, ["abc"]), TypeError, ["list"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


@pytest.mark.filterwarnings("error")
def test_the_right_vocabulary_is_accepted_and_a_model_without_a_record_is_not_checked():
    m = with_symbols("abcd")
    assert len(sample(m, rnnlib.Vocab("abcd"), "ab", 5)) == 5
    assert len(sample(m, rnnlib.Vocab(m.symbols), "ab", 5)) == 5
    assert np.isfinite(perplexity(m, rnnlib.Vocab("dcba", order="sorted"), "abcd"))
    # no record: any order of the right size is taken on trust (nothing to compare with)
    assert np.isfinite(perplexity(MODEL, rnnlib.Vocab("dcba"), "abcd"))


@pytest.mark.filterwarnings("error")
def test_perplexity_of_a_model_certain_of_the_wrong_character_is_inf_without_a_warning():
    # a head that puts logit +2000 on "a" whatever comes: every other character costs 2000 nats
    m = rnnlib.SequenceModel(4, 3, 4, seed=0)
    m.load_state_dict({k: np.zeros_like(p) for k, p in m.state_dict().items()}
                      | {"head.bias": np.array([2000.0, 0.0, 0.0, 0.0])})
    assert perplexity(m, VOCAB, "bbbb") == np.inf
    assert perplexity(m, VOCAB, "aaaa") == pytest.approx(1.0)


@pytest.mark.filterwarnings("error")
def test_huge_logits_and_tiny_temperatures_give_probabilities_without_warnings():
    p = temperature_probs([1e308, -1e308, 0.0], 1.0)
    np.testing.assert_array_equal(p, [1.0, 0.0, 0.0])
    p = temperature_probs([-1e308, -1e308], 5e-324)
    np.testing.assert_array_equal(p, [0.5, 0.5])


def test_a_failed_call_leaves_the_model_as_it_was():
    m = rnnlib.SequenceModel(4, 3, 4, seed=2)
    before = m.state_dict()
    for call in (lambda: sample(m, VOCAB, "aZ", 3), lambda: perplexity(m, VOCAB, "a"),
                 lambda: hidden_states(m, VOCAB, "", cell_state=False)):
        with pytest.raises(ValueError):
            call()
    assert all(np.array_equal(m.params[k], p) for k, p in before.items())
    assert m.cache is None                                      # nothing kept for a backward
