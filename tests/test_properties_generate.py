"""Properties of rnnlib.generate on arbitrary logits, temperatures, models and texts
(hypothesis): every call either returns finite results of the documented shape or raises
ValueError / TypeError naming the function; no other exception and no warning.

Second readings: temperature_probs keeps the order of the logits and sums to 1; perplexity is
exp of the mean -log of explore.next_char_probs' probability of each next character, at least
1; hidden_states' last row is the state the stepper reaches; sample draws only symbols of the
vocabulary, n of them, the same for the same seed."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnnlib
from rnnlib import explore, hidden_states, perplexity, sample, temperature_probs

from boundary import outcome

ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=2), st.integers(-3, 3), st.floats())
RARELY = st.sampled_from([False, False, False, False, True])
SYMBOLS = "ab(c) \n"


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(allow_nan=False, allow_infinity=False)),
       st.one_of(st.floats(1e-300, 1e300), ODD))
def test_temperature_probs(logits, temperature):
    p, error = outcome(lambda: temperature_probs(logits, temperature), "temperature_probs")
    if error:
        return
    assert p.shape == logits.shape and np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    # the largest logit gets the largest probability, and a larger logit never gets less
    flat_z, flat_p = logits.reshape(-1, logits.shape[-1]), p.reshape(-1, logits.shape[-1])
    for z, q in zip(flat_z, flat_p):
        assert q[np.argmax(z)] == q.max()
        order = np.argsort(z, kind="stable")
        assert (np.diff(q[order]) >= -1e-15).all()


@st.composite
def models(draw):
    vocab = rnnlib.Vocab(SYMBOLS)
    V = len(vocab)
    cell = draw(st.sampled_from(["rnn", "lstm", "gru"]))
    nl = draw(st.sampled_from(["tanh", "relu", "leaky_relu"])) if cell == "rnn" else "tanh"
    model = rnnlib.SequenceModel(V, draw(st.integers(1, 4)), V, nl, draw(st.integers(1, 2)),
                                 cell=cell, seed=draw(st.integers(0, 100)))
    scale = draw(st.sampled_from([1.0, 1.0, 1.0, 5.0, 1e3, 1e150]))  # 1e150: scores overflow
    for p in model.params.values():
        p *= scale
    if draw(RARELY):
        model.params["head.bias"][0] = np.nan                        # refused: not finite
    if draw(RARELY):
        model.symbols = draw(st.sampled_from([SYMBOLS, SYMBOLS[::-1]]))   # refused when reversed
    return model, vocab


GOOD_TEXT = st.text(alphabet=SYMBOLS, min_size=2, max_size=40)
TEXTS = st.one_of(GOOD_TEXT, GOOD_TEXT, GOOD_TEXT, st.text(max_size=3))     # now and then odd


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), TEXTS)
def test_perplexity(mv, text):
    model, vocab = mv
    ppl, error = outcome(lambda: perplexity(model, vocab, text), "perplexity")
    if error:
        return
    assert isinstance(ppl, float) and ppl >= 1.0 - 1e-12
    if np.isfinite(ppl):
        with np.errstate(divide="ignore"):
            probs = explore.next_char_probs(model, vocab, text)
            ids = vocab.encode(text)
            want = np.exp(-np.mean(np.log(probs[np.arange(len(ids) - 1), ids[1:]])))
        assert np.isclose(ppl, want, rtol=1e-9) or not np.isfinite(want)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), TEXTS, st.booleans())
def test_hidden_states(mv, text, cell_state):
    model, vocab = mv
    h, error = outcome(lambda: hidden_states(model, vocab, text, cell_state=cell_state),
                       "hidden_states")
    if error:
        return
    assert h.shape == (len(text), model.hidden_size) and np.isfinite(h).all()
    if not cell_state:
        stepper = model.stepper()
        with np.errstate(over="ignore", invalid="ignore"):
            for c in text:
                stepper.step(vocab.one_hot(c))
        last = stepper.state[0] if model.cell == "lstm" else stepper.state
        np.testing.assert_allclose(h[-1], last[-1, 0], rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), TEXTS, st.one_of(*[st.integers(0, 30)] * 6, ODD),
       st.one_of(*[st.floats(1e-3, 10)] * 6, ODD), st.one_of(*[st.integers(0, 2**32)] * 6, ODD))
def test_sample(mv, prime, n, temperature, seed):
    model, vocab = mv
    out, error = outcome(lambda: sample(model, vocab, prime, n, temperature, seed), "sample")
    if error:
        return
    assert isinstance(out, str) and len(out) == n and set(out) <= set(SYMBOLS)
    if seed is not None:                                   # None: fresh entropy every time
        assert out == sample(model, vocab, prime, n, temperature, seed)
