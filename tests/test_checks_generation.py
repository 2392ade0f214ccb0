"""rnnlib.checks.check_temperature_probs and check_perplexity_from_logits: a correct solution
passes with one stable line; every diagnosis is triggered by a solution broken the way a learner
would break it.

The correct solutions are written from the equations, independently of rnnlib; the broken ones
are the same code with one mistake switched on (`bug=...`). The perplexity reference is also
checked against a hand calculation.
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import checks


def temperature_probs_with(bug=None):
    def temperature_probs(logits, temperature):
        z = np.asarray(logits, dtype=float)
        if bug == "no divide":
            s = z
        elif bug == "multiply":
            s = z * temperature
        else:
            s = z / temperature
        if bug != "no max":
            s = s - s.max()
        e = np.exp(s)
        if bug == "no sum":
            return e
        p = e / e.sum()
        if bug == "after":
            return np.exp(z - z.max()) / np.exp(z - z.max()).sum() / temperature
        if bug == "batch":
            return p[None]
        if bug == "stub":
            raise NotImplementedError()
        return p
    return temperature_probs


def perplexity_with(bug=None):
    def perplexity_from_logits(logits, targets):
        z = np.asarray(logits, dtype=float)
        N, T, V = z.shape
        if bug == "no max":
            log_p = np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
        else:
            s = z - z.max(axis=-1, keepdims=True)
            log_p = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
        if bug == "log2":
            log_p = log_p / np.log(2)
        if bug == "shift late":          # logits of t scored against the target of t + 1
            log_p, targets, T = log_p[:, :-1], targets[:, 1:], T - 1
        if bug == "shift early":
            log_p, targets, T = log_p[:, 1:], targets[:, :-1], T - 1
        nll = -log_p[np.arange(N)[:, None], np.arange(T)[None, :], targets]     # (N, T)
        if bug == "per step":
            return np.exp(nll)
        if bug == "sign":
            nll = -nll
        mean = {"sum": nll.sum(), "over N": nll.sum() / N, "over T": nll.sum() / T}.get(bug, nll.mean())
        if bug == "no exp":
            return float(mean)
        if bug == "exp then mean":
            return float(np.mean(np.exp(nll)))
        if bug == "power 2":
            return float(2.0 ** mean)
        return float(np.exp(mean))
    return perplexity_from_logits


def run(check, fn, capsys):
    ok = check(fn, raise_error=False)
    return ok, capsys.readouterr().out


@pytest.mark.parametrize("check, fn", [(checks.check_temperature_probs, temperature_probs_with()),
                                       (checks.check_perplexity_from_logits, perplexity_with())])
def test_a_correct_solution_passes_with_one_stable_line(check, fn, capsys):
    ok, out = run(check, fn, capsys)
    assert ok is True
    lines = out.splitlines()
    assert len(lines) == 1 and "cases agree with" in lines[0]
    assert "largest relative error < 1e-12" in lines[0] or "e-1" in lines[0]


def test_the_reference_perplexity_is_the_hand_calculation():
    # logits (1, 2, 2): step 0 p(target 0) = e^1 / (e^1 + e^0), step 1 p(target 1) = 1/2
    z = np.array([[[1.0, 0.0], [0.0, 0.0]]])
    p0, p1 = np.e / (np.e + 1), 0.5
    want = np.exp(-(np.log(p0) + np.log(p1)) / 2)
    assert np.isclose(np.exp(rnnlib.softmax_cross_entropy(z, np.array([[0, 1]]))[0]), want)
    assert perplexity_with()(z, np.array([[0, 1]])) == pytest.approx(want)


DIAGNOSES = [
    ("check_temperature_probs", temperature_probs_with("no divide"),
     "the logits are not divided by the temperature"),
    ("check_temperature_probs", temperature_probs_with("multiply"),
     "the logits are multiplied by the temperature; divide instead"),
    ("check_temperature_probs", temperature_probs_with("no max"),
     "p contains nan: exp overflowed"),
    ("check_temperature_probs", temperature_probs_with("no sum"),
     "the probabilities do not sum to 1"),
    ("check_temperature_probs", temperature_probs_with("after"),
     "the temperature is applied after the softmax"),
    ("check_temperature_probs", temperature_probs_with("batch"),
     "p has shape (1, 3) but should be (3,) (characters): an extra batch axis"),
    ("check_perplexity_from_logits", perplexity_with("log2"),
     "the log is base 2 but the power is e"),
    ("check_perplexity_from_logits", perplexity_with("power 2"),
     "the log is natural but the power is 2"),
    ("check_perplexity_from_logits", perplexity_with("sum"),
     "the cross-entropies are summed over the M = N*T = 6 steps"),
    ("check_perplexity_from_logits", perplexity_with("no exp"),
     "exp is missing"),
    ("check_perplexity_from_logits", perplexity_with("exp then mean"),
     "exp is taken step by step and then averaged"),
    ("check_perplexity_from_logits", perplexity_with("over N"),
     "the mean is over the N = 2 sequences only"),
    ("check_perplexity_from_logits", perplexity_with("over T"),
     "the mean is over the T = 3 steps only"),
    ("check_perplexity_from_logits", perplexity_with("sign"),
     "the sign is wrong"),
    ("check_perplexity_from_logits", perplexity_with("no max"),
     "the perplexity contains nan: exp overflowed"),
    ("check_perplexity_from_logits", perplexity_with("shift late"),
     "the perplexity contains nan: no exp can overflow here (the logits are a few units), so this "
     "nan is most likely the mean of an empty array: with T = 1, targets[:, 1:] has no steps"),
    ("check_perplexity_from_logits", perplexity_with("shift early"), "the mean of an empty array"),
    ("check_perplexity_from_logits", perplexity_with("per step"),
     "the perplexity has shape (1, 1) but should be (): one value per step"),
]


@pytest.mark.parametrize("name, fn, text", DIAGNOSES,
                         ids=[f"{n[6:]}-{i}" for i, (n, _, _) in enumerate(DIAGNOSES)])
def test_each_mistake_gets_its_diagnosis(name, fn, text, capsys):
    ok, out = run(getattr(checks, name), fn, capsys)
    assert ok is False
    assert text in out, out
    assert out.startswith(f"{name}: case ") and "disagrees with" in out.splitlines()[0]
    assert "Traceback" not in out


@pytest.mark.parametrize("check, fn", [(checks.check_temperature_probs, temperature_probs_with("stub")),
                                       (checks.check_perplexity_from_logits,
                                        lambda logits, targets: (_ for _ in ()).throw(NotImplementedError()))])
def test_a_stub_is_not_implemented_yet_in_one_line(check, fn, capsys):
    ok, out = run(check, fn, capsys)
    assert ok is False and out.splitlines() == [f"{check.__name__}: not implemented yet"]


@pytest.mark.parametrize("bug", ["shift late", "shift early"])
def test_targets_shifted_by_one_are_named_on_longer_sequences(bug, capsys):
    """With T = 1 a shift leaves no step (nan, said above); with T > 1 it gives a number, which
    the check recognises as the shift, not as an overflow or a wrong mean."""
    rng = np.random.default_rng(5)
    z, y = rng.normal(size=(2, 4, 5)), rng.integers(0, 5, (2, 4))
    fn = perplexity_with(bug)
    assert np.isfinite(fn(z, y)) and not np.isclose(fn(z, y), perplexity_with()(z, y))
    ok, out = run(checks.check_perplexity_from_logits, lambda logits, targets:
                  fn(logits, targets) if logits.shape[1] > 1 else perplexity_with()(logits, targets),
                  capsys)
    assert not ok and "the targets are shifted by one step: logits[:, t] already scores " \
                      "targets[:, t]" in out, out


def test_a_small_temperature_is_where_a_missing_max_shows(capsys):
    """Logits of a few units are safe at T = 1; at T = 0.001 exp(z / T) overflows. The learner is
    told which case, so the fix is clear."""
    ok, out = run(checks.check_temperature_probs, temperature_probs_with("no max"), capsys)
    assert not ok
    assert "(2 of 5 cases disagree" in out      # logits of 1000 at T = 1, and T = 0.001
