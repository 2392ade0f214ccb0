"""check_sample_ids (rnnlib.checks.sampling): a right loop passes, written several ways, and each
likely mistake, written out by hand here, gets its own diagnosis.

The reference is tied to rnnlib.sample (tested against hand computations in test_generate.py):
on a model and vocabulary of the check's size, the loop's ids are the ids of sample's text."""
import numpy as np
import pytest

import rnnlib
from rnnlib.checks import check_sample_ids
from rnnlib.checks import sampling


def _p(z, tau):
    """softmax(z / tau) written out, as a learner would (not rnnlib's)."""
    e = np.exp((z - z.max()) / tau)
    return e / e.sum()


def verdict(fn, capsys):
    """(True/False, the report): a failing check raises AssertionError with its diagnosis, or
    (raise_error=False, or before checks raised) prints it and returns False."""
    try:
        ok = check_sample_ids(fn)
    except AssertionError as e:
        return False, str(e)
    return ok, capsys.readouterr().out


def right(step, prime, n, tau, rng):
    for i in prime:
        z = step(i)
    ids = []
    for _ in range(n):
        ids.append(int(rng.choice(len(z), p=rnnlib.temperature_probs(z, tau))))
        z = step(ids[-1])
    return ids


def right_another_way(step, prime, n, tau, rng):
    """Its own softmax, the last prime id fed inside the loop, an array returned."""
    for i in prime[:-1]:
        step(i)
    c, out = prime[-1], []
    for _ in range(n):
        z = step(c)
        c = rng.choice(z.shape[0], p=_p(z, tau))
        out.append(c)
    return np.array(out, dtype=np.int64)


def test_the_reference_is_rnnlib_sample():
    vocab = rnnlib.Vocab("abcdefg")
    assert len(vocab) == sampling.V
    for seed, prime, n, tau in [(1, [1, 4, 4, 0], 20, 0.5), (3, [0, 5], 25, 2.0)]:
        model = sampling._model(seed)
        text = rnnlib.sample(model, vocab, vocab.decode(np.array(prime)), n, temperature=tau, seed=seed)
        assert list(vocab.encode(text)) == sampling.reference(model, prime, n, tau, seed)[0]


@pytest.mark.parametrize("fn", [right, right_another_way])
def test_a_right_loop_passes(fn, capsys):
    ok, out = verdict(fn, capsys)
    assert ok is True and out.startswith("check_sample_ids: all 5 cases agree"), out


def last_only(step, prime, n, tau, rng):
    z = step(prime[-1])
    ids = []
    for _ in range(n):
        ids.append(int(rng.choice(len(z), p=_p(z, tau))))
        z = step(ids[-1])
    return ids


def last_twice(step, prime, n, tau, rng):
    for i in prime:
        step(i)
    c, ids = prime[-1], []
    for _ in range(n):
        z = step(c)
        c = int(rng.choice(len(z), p=_p(z, tau)))
        ids.append(c)
    return ids


def no_feedback(step, prime, n, tau, rng):
    for i in prime:
        z = step(i)
    return [int(rng.choice(len(z), p=_p(z, tau))) for _ in range(n)]


def prime_again(step, prime, n, tau, rng):
    for i in prime:
        z = step(i)
    ids = []
    for _ in range(n):
        ids.append(int(rng.choice(len(z), p=_p(z, tau))))
        z = step(prime[-1])
    return ids


def tau_ignored(step, prime, n, tau, rng):
    return right(step, prime, n, 1.0, rng)


def tau_multiplied(step, prime, n, tau, rng):
    for i in prime:
        z = step(i)
    ids = []
    for _ in range(n):
        ids.append(int(rng.choice(len(z), p=_p(z * tau, 1.0))))
        z = step(ids[-1])
    return ids


def greedy(step, prime, n, tau, rng):
    for i in prime:
        z = step(i)
    ids = []
    for _ in range(n):
        ids.append(int(np.argmax(z)))
        z = step(ids[-1])
    return ids


def with_prime(step, prime, n, tau, rng):
    return list(prime) + right(step, prime, n, tau, rng)


def one_short(step, prime, n, tau, rng):
    return right(step, prime, n, tau, rng)[:-1] if n else []


def own_generator(step, prime, n, tau, rng):
    return right(step, prime, n, tau, np.random.default_rng(12345))


def multinomial(step, prime, n, tau, rng):
    for i in prime:
        z = step(i)
    ids = []
    for _ in range(n):
        ids.append(int(np.argmax(rng.multinomial(1, _p(z, tau)))))
        z = step(ids[-1])
    return ids


@pytest.mark.parametrize("fn, words", [
    (last_only, ["only the prime's last id is read"]),
    (last_twice, ["the prime's last id is read twice"]),
    (no_feedback, ["every id is drawn from the same scores", "feed each drawn id back in"]),
    (prime_again, ["the prime's last id is fed after every draw"]),
    (tau_ignored, ["the model's own distribution (tau = 1)"]),
    (tau_multiplied, ["multiplied by tau"]),
    (greedy, ["the most likely one (argmax)", "greedy decoding"]),
    (with_prime, ["does the result hold the prime too?", "Return only the n = 1 drawn ids"]),
    (one_short, ["one draw is missing"]),
    (own_generator, ["the generator passed in was not used", "where the reference draws"]),
    (multinomial, ["the generator passed in was not used", "rng.multinomial"]),
])
def test_each_likely_mistake_is_named(fn, words, capsys):
    ok, out = verdict(fn, capsys)
    assert ok is False
    for w in words:
        assert w in out, (w, out)


def test_a_stub_and_an_error_in_the_loop(capsys):
    def stub(step, prime, n, tau, rng):
        raise NotImplementedError
    ok, out = verdict(stub, capsys)
    assert ok is False and "not implemented yet" in out

    def reads_text(step, prime, n, tau, rng):
        step("a")
    ok, out = verdict(reads_text, capsys)
    assert ok is False and "step takes one character id" in out
    assert 'step("a")' in out                             # the learner's line is shown


def test_rnnlibs_own_sample_is_not_an_answer(capsys):
    ok, out = verdict(rnnlib.sample, capsys)
    assert ok is False and "rnnlib.sample" in out, out
