"""Sampling, perplexity and hidden states (rnnlib.generate), against hand computations.

Every expected value is computed here from first principles: a softmax written out with
np.exp, greedy decoding done by hand with the model's stepper, the cross-entropy as a mean of
-log p over the one-hot batch, and a model whose output never changes so that the frequency of
each drawn character can be compared with its probability.
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import hidden_states, perplexity, sample, temperature_probs

TEXT = 'she said "hello" to the cat, and the cat said "meow".\n'
VOCAB = rnnlib.Vocab(TEXT)
V = len(VOCAB)


@pytest.fixture(scope="module")
def model():
    # Larger weights than the default initialisation, so the model has opinions: its
    # distributions are far from uniform and greedy decoding has a clear winner at every step.
    m = rnnlib.SequenceModel(V, 16, V, seed=3)
    rng = np.random.default_rng(3)
    m.load_state_dict({k: 3 * rng.standard_normal(p.shape) for k, p in m.state_dict().items()})
    return m


def constant_model(logits):
    """A model whose logits are the same at every step: every weight 0, the head's bias = logits."""
    m = rnnlib.SequenceModel(V, 4, V, seed=0)
    m.load_state_dict({k: np.zeros_like(p) for k, p in m.state_dict().items()}
                      | {"head.bias": np.asarray(logits, dtype=float)})
    return m


def hand_softmax(z, T=1.0):
    e = np.exp(np.asarray(z, dtype=float) / T)
    return e / e.sum(axis=-1, keepdims=True)


# --- temperature_probs ---------------------------------------------------------------------

@pytest.mark.parametrize("T", [0.25, 0.5, 1.0, 2.0, 7.0])
def test_temperature_probs_is_the_softmax_of_logits_over_t(T):
    z = np.array([2.0, -1.0, 0.5, 0.0, 1.5])
    np.testing.assert_allclose(temperature_probs(z, T), hand_softmax(z, T), rtol=1e-13)


def test_temperature_one_is_the_models_own_softmax_and_batches_work():
    z = np.random.default_rng(0).standard_normal((3, 4, V))
    np.testing.assert_allclose(temperature_probs(z, 1.0), hand_softmax(z), rtol=1e-13)
    np.testing.assert_allclose(temperature_probs(z, 1.0).sum(axis=-1), 1.0, rtol=1e-14)


@pytest.mark.filterwarnings("error")          # no overflow warning may escape either
@pytest.mark.parametrize("T", [1e-30, 1e-300, 5e-324])
def test_a_tiny_temperature_puts_everything_on_the_largest_logit(T):
    z = np.array([2.0, -1.0, 2.5, 0.0])
    np.testing.assert_array_equal(temperature_probs(z, T), [0.0, 0.0, 1.0, 0.0])


@pytest.mark.filterwarnings("error")
def test_tied_largest_logits_share_the_probability_at_any_temperature():
    np.testing.assert_array_equal(temperature_probs([1.0, 3.0, 3.0], 1e-300), [0.0, 0.5, 0.5])


def test_a_high_temperature_flattens_towards_uniform():
    z = np.array([2.0, -1.0, 0.5])
    assert np.abs(temperature_probs(z, 1e6) - 1 / 3).max() < 1e-5
    # and larger logits never overflow at T = 1
    np.testing.assert_allclose(temperature_probs([1000.0, 999.0], 1.0), hand_softmax([1.0, 0.0]))


@pytest.mark.parametrize("T", [0, 0.0, -1.0])
def test_a_temperature_of_zero_or_below_is_a_clear_error(T):
    with pytest.raises(ValueError, match="temperature should be a positive number.*greedy"):
        temperature_probs([1.0, 2.0], T)


@pytest.mark.parametrize("T, error", [(float("nan"), ValueError), (float("inf"), ValueError),
                                      ("1", TypeError), (True, TypeError)])
def test_other_bad_temperatures(T, error):
    with pytest.raises(error, match="temperature"):
        temperature_probs([1.0, 2.0], T)


# --- sample --------------------------------------------------------------------------------

def test_sampling_is_reproducible_per_seed(model):
    a = sample(model, VOCAB, "the ", 60, temperature=1.0, seed=7)
    assert a == sample(model, VOCAB, "the ", 60, temperature=1.0, seed=7)
    assert len(a) == 60 and set(a) <= set(VOCAB.symbols)
    others = {sample(model, VOCAB, "the ", 60, temperature=1.0, seed=s) for s in range(5)}
    assert len(others) > 1                                   # another seed, another text
    assert sample(model, VOCAB, "the ", 0) == ""


def greedy_by_hand(model, prime, n):
    stepper = model.stepper()
    for c in prime:
        y = stepper.step(VOCAB.one_hot(c))                   # one_hot of a str is (1, V)
    out = ""
    for _ in range(n):
        c = VOCAB.symbols[int(np.argmax(y[0]))]
        out += c
        y = stepper.step(VOCAB.one_hot(c))
    return out


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("T", [1e-3, 1e-300])
def test_a_tiny_temperature_gives_greedy_decoding_whatever_the_seed(model, T):
    expected = greedy_by_hand(model, "she ", 40)
    for seed in (0, 1, 2):
        assert sample(model, VOCAB, "she ", 40, temperature=T, seed=seed) == expected


def test_the_prime_sets_the_state_the_sample_starts_from(model):
    # Greedy continuations of two primes that end in the same character differ only because
    # of what the state remembers from before.
    assert greedy_by_hand(model, "cat", 20) == sample(model, VOCAB, "cat", 20, temperature=1e-6)
    assert sample(model, VOCAB, "cat", 20, 1e-6) != sample(model, VOCAB, "said hat", 20, 1e-6)


@pytest.mark.parametrize("T", [0.5, 1.0, 2.0])
def test_drawn_frequencies_follow_the_tempered_distribution(T):
    # The model's logits never change, so n draws are n independent draws from
    # softmax(z / T): each frequency is within 5 standard deviations of its probability.
    z = np.linspace(-1.5, 1.5, V)
    n = 8000
    drawn = VOCAB.encode(sample(constant_model(z), VOCAB, "s", n, temperature=T, seed=1))
    freq = np.bincount(drawn, minlength=V) / n
    p = hand_softmax(z, T)
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-12)


def test_sample_errors_are_clear(model):
    with pytest.raises(ValueError, match="prime has 0 characters"):
        sample(model, VOCAB, "", 5)
    with pytest.raises(ValueError, match=r"prime\[1\] is 'Z'"):
        sample(model, VOCAB, "sZ", 5)
    with pytest.raises(ValueError, match="n should be a whole number"):
        sample(model, VOCAB, "s", -1)
    with pytest.raises(ValueError, match="temperature should be a positive number"):
        sample(model, VOCAB, "s", 5, temperature=0)
    with pytest.raises(ValueError, match="input_size is 16 but the vocabulary has"):
        sample(rnnlib.SequenceModel(16, 4, V), VOCAB, "s", 5)
    with pytest.raises(ValueError, match="output_size is 3"):
        sample(rnnlib.SequenceModel(V, 4, 3), VOCAB, "s", 5)
    with pytest.raises(ValueError, match="go_backwards"):
        sample(rnnlib.SequenceModel(V, 4, V, go_backwards=True), VOCAB, "s", 5)
    with pytest.raises(TypeError, match="model should be an rnnlib.SequenceModel"):
        sample(rnnlib.RNN(V, 4), VOCAB, "s", 5)
    with pytest.raises(TypeError, match="vocab should be an rnnlib.Vocab"):
        sample(model, "abc", "s", 5)


# --- perplexity ----------------------------------------------------------------------------

def test_perplexity_is_exp_of_the_mean_cross_entropy_by_hand(model):
    ids = VOCAB.encode(TEXT)
    x = np.eye(V)[ids[:-1]][None]                            # (1, T-1, V): the one-hot batch
    z = model(x)[0]                                          # (T-1, V)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ce = -np.mean(logp[np.arange(len(ids) - 1), ids[1:]])
    assert perplexity(model, VOCAB, TEXT) == pytest.approx(np.exp(ce), rel=1e-12)
    loss = rnnlib.softmax_cross_entropy(model(x), ids[1:][None])[0]
    assert perplexity(model, VOCAB, TEXT) == pytest.approx(np.exp(loss), rel=1e-12)


def test_a_model_that_says_uniform_has_perplexity_v_exactly():
    assert perplexity(constant_model(np.zeros(V)), VOCAB, TEXT) == pytest.approx(V, rel=1e-14)
    # the same with a constant bias on every logit: it cancels in the softmax
    assert perplexity(constant_model(np.full(V, 3.0)), VOCAB, TEXT) == pytest.approx(V, rel=1e-13)


def test_a_model_that_knows_the_next_character_has_perplexity_near_1():
    # "ab" repeated: after a comes b, after b comes a. A model that reads one-hot a and writes
    # large logits for b (and the other way round) predicts every character with certainty.
    vocab = rnnlib.Vocab("ab")
    m = rnnlib.SequenceModel(2, 2, 2, seed=0)
    sd = {k: np.zeros_like(p) for k, p in m.state_dict().items()}
    sd["rnn.weight_ih_l0"] = 5 * np.eye(2)                   # h = tanh(5 x): the input's sign
    sd["head.weight"] = 20 * np.array([[0.0, 1.0], [1.0, 0.0]])   # a -> b, b -> a
    m.load_state_dict(sd)
    assert 1.0 < perplexity(m, vocab, "ab" * 20) < 1.001


def test_perplexity_errors_are_clear(model):
    with pytest.raises(ValueError, match="at least two characters"):
        perplexity(model, VOCAB, "s")
    with pytest.raises(TypeError, match="text should be a str"):
        perplexity(model, VOCAB, ["she"])


# --- hidden_states -------------------------------------------------------------------------

def test_hidden_states_are_the_stepper_states_after_each_character(model):
    h = hidden_states(model, VOCAB, TEXT)
    assert h.shape == (len(TEXT), 16)
    stepper = model.stepper()
    for t, c in enumerate(TEXT):
        stepper.step(VOCAB.one_hot(c))
        np.testing.assert_allclose(h[t], stepper.state[-1, 0], rtol=1e-12, atol=1e-15)


def test_hidden_states_of_a_stacked_model_are_the_top_layer():
    m = rnnlib.SequenceModel(V, 5, V, num_layers=2, seed=1)
    h = hidden_states(m, VOCAB, "the cat")
    stepper = m.stepper()
    for t, c in enumerate("the cat"):
        stepper.step(VOCAB.one_hot(c))
        np.testing.assert_allclose(h[t], stepper.state[1, 0], rtol=1e-12, atol=1e-15)


def test_hidden_states_of_a_backwards_model_stay_aligned_with_the_text():
    back = rnnlib.SequenceModel(V, 5, V, go_backwards=True, seed=2)
    fwd = rnnlib.SequenceModel(V, 5, V, seed=0)
    fwd.load_state_dict(back.state_dict())
    text = "said the cat"
    # h[t] has read text[T-1], ..., text[t]: what a forwards model has after text[::-1][:T-t]
    np.testing.assert_allclose(hidden_states(back, VOCAB, text),
                               hidden_states(fwd, VOCAB, text[::-1])[::-1], rtol=1e-12)


def test_hidden_states_leave_a_pending_backward_alone(model):
    x = VOCAB.one_hot(TEXT)[None]
    dy = np.random.default_rng(0).standard_normal((1, len(TEXT), V))
    model.zero_grad()
    model(x)
    model.backward(dy)
    expected = {k: g.copy() for k, g in model.grads.items()}
    model.zero_grad()
    model(x)
    hidden_states(model, VOCAB, "cat")                         # between forward and backward
    perplexity(model, VOCAB, "the cat")
    model.backward(dy)
    for k in expected:
        np.testing.assert_array_equal(model.grads[k], expected[k])


def test_hidden_states_work_for_a_model_that_is_not_a_language_model():
    # A classifier (output_size 3) still has hidden states; only input_size must match.
    h = hidden_states(rnnlib.SequenceModel(V, 4, 3, seed=0), VOCAB, "cat")
    assert h.shape == (3, 4)
    with pytest.raises(ValueError, match="text has 0 characters"):
        hidden_states(rnnlib.SequenceModel(V, 4, 3, seed=0), VOCAB, "")


def test_float32_models_work():
    m = rnnlib.SequenceModel(V, 4, V, seed=0, dtype=np.float32)
    assert hidden_states(m, VOCAB, "cat").dtype == np.float32
    assert np.isfinite(perplexity(m, VOCAB, "the cat"))
    assert len(sample(m, VOCAB, "the", 10)) == 10


# --- refusing to score a model on the text it trained on -----------------------------------

from rnnlib.corpus import structured_text                  # noqa: E402
from rnnlib.generate import train_text_overlap             # noqa: E402

RECORD = {"generator": "rnnlib.corpus.structured_text", "seed": 0, "chars": [1000, 6000],
          "note": "structured_text(6000, seed=0).text[1000:]"}
SEED0 = structured_text(9000, seed=0).text                  # the record's text is SEED0[1000:6000]
SEED1 = structured_text(3000, seed=1).text
CORPUS_VOCAB = rnnlib.Vocab(SEED0 + SEED1, order="sorted")


@pytest.fixture()
def recorded():
    m = rnnlib.SequenceModel(len(CORPUS_VOCAB), 8, len(CORPUS_VOCAB), seed=0)
    m.train_text = dict(RECORD)
    return m


def test_overlap_runs_are_the_copied_stretches_exactly(recorded):
    # built by hand: 500 new characters, 300 copied from 2000, 700 new, 1000 copied from 5500
    # (of which only 500, up to 6000, lie inside the record's range), then new text again
    text = SEED1[:500] + SEED0[2000:2300] + SEED1[500:1200] + SEED0[5500:6500] + SEED1[1200:1400]
    assert train_text_overlap(recorded, text) == [(500, 800, 2000), (1500, 2000, 5500)]
    assert train_text_overlap(recorded, SEED0[1000:6000]) == [(0, 5000, 1000)]
    assert train_text_overlap(recorded, SEED0[6000:9000]) == []    # after the range: unseen
    assert train_text_overlap(recorded, SEED0[:1000]) == []        # before it: unseen
    assert train_text_overlap(recorded, SEED1) == []               # another seed


def test_runs_of_79_characters_are_always_found_and_shorter_ones_may_not_be(recorded):
    # "#" never occurs in the corpus, so a run cannot grow past the copy by a chance match
    for start in range(1000, 1016):                        # every alignment with the index
        text = "#" * 100 + SEED0[start:start + 79] + "#" * 100
        assert train_text_overlap(recorded, text) == [(100, 179, start)], start
    text = "#" * 100 + SEED0[1001:1001 + 63] + "#" * 100    # shorter than a piece
    assert train_text_overlap(recorded, text) == []


def test_no_record_or_an_unknown_generator_means_nothing_to_check(recorded):
    assert train_text_overlap(rnnlib.SequenceModel(3, 2, 3, seed=0), "abc" * 50) is None
    recorded.train_text = dict(RECORD, generator="my_own_text.txt")
    assert train_text_overlap(recorded, SEED0[1000:2000]) is None
    recorded.train_text = dict(RECORD, chars=[0])                 # not a range
    assert train_text_overlap(recorded, SEED0[1000:2000]) is None


def test_perplexity_refuses_the_training_text_and_says_what_to_do(recorded):
    text = SEED0[2000:3000]
    with pytest.raises(ValueError) as info:
        perplexity(recorded, CORPUS_VOCAB, text)
    msg = str(info.value)
    for words in ["perplexity: text overlaps the text this model trained on",
                  "structured_text(6000, seed=0).text[1000:]", "1,000 of its 1,000 characters",
                  "text[0:1000] is its characters 2,000-3,000", "would look better",
                  "another seed", "allow_train_text=True"]:
        assert words in msg, words
    # on purpose: the same number as the model's own cross-entropy, by hand
    ids = CORPUS_VOCAB.encode(text)
    z = recorded(np.eye(len(CORPUS_VOCAB))[ids[:-1]][None])[0]
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    want = np.exp(-np.mean(logp[np.arange(len(ids) - 1), ids[1:]]))
    assert perplexity(recorded, CORPUS_VOCAB, text, allow_train_text=True) == pytest.approx(want, rel=1e-12)
    # unseen text is scored as before
    assert np.isfinite(perplexity(recorded, CORPUS_VOCAB, SEED1))
    with pytest.raises(TypeError, match="allow_train_text should be True or False"):
        perplexity(recorded, CORPUS_VOCAB, SEED1, allow_train_text="yes")


# --- sample against a hand loop with the same random generator ------------------------------

def hand_sample(model, prime, n, T, seed, last_from_previous=False):
    """sample() written out with torch's weight layout, np.tanh and a softmax by hand, drawing
    with the same generator. last_from_previous=True is a known wrong sampler: it draws the
    last character from the scores of the step before (it skips the last model step)."""
    p = model.params
    Wih, Whh = p["rnn.weight_ih_l0"], p["rnn.weight_hh_l0"]
    b = p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]
    eye = np.eye(V)
    h = np.zeros(model.hidden_size)
    for c in prime:
        h = np.tanh(Wih @ eye[VOCAB.index[c]] + Whh @ h + b)
    rng = np.random.default_rng(seed)
    out, previous = "", None
    for i in range(n):
        z = p["head.weight"] @ h + p["head.bias"]
        if last_from_previous and i == n - 1:
            z = previous
        e = np.exp((z - z.max()) / T)
        k = int(rng.choice(V, p=e / e.sum()))
        out += VOCAB.symbols[k]
        previous = z
        h = np.tanh(Wih @ eye[k] + Whh @ h + b)
    return out


@pytest.mark.parametrize("T", [0.7, 1.0, 1.6])
def test_sample_is_the_hand_loop_draw_for_draw(model, T):
    for seed in range(12):
        assert sample(model, VOCAB, "she ", 6, temperature=T, seed=seed) == \
            hand_sample(model, "she ", 6, T, seed), seed


def test_the_hand_loop_would_catch_a_sampler_that_reuses_the_previous_scores(model):
    # the same comparison, made with the known wrong sampler: it differs for some seeds, so a
    # sample() with that mistake fails the test above
    wrong = [seed for seed in range(12)
             if hand_sample(model, "she ", 6, 1.0, seed, last_from_previous=True)
             != sample(model, VOCAB, "she ", 6, temperature=1.0, seed=seed)]
    assert len(wrong) >= 3, wrong
    for seed in range(12):          # and the draws before the last are the same in both
        assert hand_sample(model, "she ", 6, 1.0, seed, last_from_previous=True)[:5] == \
            sample(model, VOCAB, "she ", 6, temperature=1.0, seed=seed)[:5]
