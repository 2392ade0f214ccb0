"""Check for notebook 07's sampling loop, an exercise that gives the goal, not the code.

    check_sample_ids(sample_ids)     sample_ids(step, prime, n, tau, rng) -> n drawn ids

The learner's loop reads the prime with step, then draws n ids one at a time, each from
temperature_probs(scores, tau) with rng.choice, feeding every drawn id back in. The check runs
it on a small model with strong weights (so that the state matters and the distributions are
far from uniform) and compares the ids with a reference drawn from a generator of the same
seed: a right loop takes exactly the same random numbers, so its ids are the same. The
mistakes such a loop is likely to make each give other ids, and are named.
"""
from __future__ import annotations

from functools import partial

import numpy as np


from .. import generate, models
from ._core import Check, Out, replaces

V, H = 7, 10             # a small vocabulary, so that every wrong loop soon draws another id
LONG = 10                # cases with at least this many draws name the mistake they see


def _model(seed):
    """A SequenceModel(V, H, V) whose state remembers (recurrent weights of about 1.5) and
    whose head has opinions without certainty (the likeliest id gets about 0.4 at tau = 1)."""
    m = models.SequenceModel(V, H, V, seed=seed)
    rng = np.random.default_rng(seed)
    m.load_state_dict({k: (0.4 if k.startswith("head") else 1.5) * rng.standard_normal(p.shape)
                       for k, p in m.state_dict().items()})
    return m


def _step_of(model, calls=None):
    """step(i) -> the model's scores (V,) for the next character after reading id i; the state
    moves on one character per call. calls, when given, records every id read."""
    stepper, eye = model.stepper(), np.eye(V)

    def step(i):
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"step takes one character id, a whole number from 0 to {V - 1}, "
                            f"got {type(i).__name__} {i!r}")
        if not 0 <= i < V:
            raise ValueError(f"step takes a character id from 0 to {V - 1}, got {i}")
        if calls is not None:
            calls.append(int(i))
        return stepper.step(eye[int(i)][None])[0]          # (V,)
    return step


def _tempered(z, tau):
    return generate.temperature_probs(z, tau)


def reference(model, prime, n, tau, seed, bug=None):
    """The n ids a right loop draws, or the ids of the loop with the mistake named by bug.
    Returns (ids, the generator afterwards)."""
    step, rng = _step_of(model), np.random.default_rng(seed)
    draw = {"tau ignored": lambda z: rng.choice(V, p=_tempered(z, 1.0)),
            "tau multiplied": lambda z: rng.choice(V, p=_tempered(z * tau, 1.0)),
            "greedy": lambda z: int(np.argmax(z))}.get(bug, lambda z: rng.choice(V, p=_tempered(z, tau)))
    reads = prime[-1:] if bug == "last only" else prime
    for i in reads:
        z = step(i)
    if bug == "last twice":
        z = step(prime[-1])
    ids = []
    for _ in range(n):
        c = int(draw(z))
        ids.append(c)
        if bug == "prime again":
            z = step(prime[-1])
        elif bug != "no feedback":
            z = step(c)
    return ids, rng


MISTAKES = {
    "last only": "only the prime's last id is read: the state has to hear the whole prime, "
                 "every id in order, before the first draw.",
    "last twice": "the prime's last id is read twice: after reading the prime, the scores "
                  "step returned for its last id are the ones to draw the first id from; "
                  "feeding that id again moves the state one character too far.",
    "no feedback": "every id is drawn from the same scores, the ones after the prime: feed "
                   "each drawn id back in with step(id), and draw the next one from the "
                   "scores it returns.",
    "prime again": "the prime's last id is fed after every draw, instead of the id just drawn: "
                   "the model has to read its own text, step(drawn id).",
    "tau ignored": "the ids follow the model's own distribution (tau = 1): divide the scores by "
                   "tau, p = temperature_probs(scores, tau).",
    "tau multiplied": "the scores are multiplied by tau; divide them, p = temperature_probs("
                      "scores, tau): a small tau must sharpen the distribution.",
    "greedy": "every id is the most likely one (argmax): that is greedy decoding, tau -> 0. "
              "Draw from the distribution with rng.choice(V, p=p).",
}


class _Ids(Out):
    """The drawn ids: equal or not (a relative error says nothing about ids)."""

    def problem(self):
        text, g = super().problem()
        if g is not None:
            text = f"{self.label} differ from the reference's."
        return text, g


RNG_MISUSED = ("the generator passed in was not used as the reference uses it, one "
               "rng.choice(V, p=p) per drawn id: np.random.choice, a generator of your own, "
               "rng.random or rng.multinomial take other random numbers.")


def _first_difference(got, want):
    """Where two id sequences part: a sentence, or None when they agree everywhere."""
    bad = np.flatnonzero(np.asarray(got) != np.asarray(want))
    if not bad.size:
        return None
    k = int(bad[0])
    same = f"ids 0 .. {k - 1} agree with the reference, " if k > 1 else (
        "id 0 agrees with the reference, " if k == 1 else "")
    return f"{same}id {k} is {int(got[k])} where the reference draws {int(want[k])}."


@replaces("rnnlib.sample")
def check_sample_ids(fn):
    """fn(step, prime, n, tau, rng) -> list of n ids, drawn one at a time from
    temperature_probs(scores, tau) with rng.choice(V, p=p), each fed back in with step.

    Cases: one id of prime and one draw, longer primes and runs at tau = 0.5, 1 and 2, and
    n = 0. Compared with the same loop written in rnnlib, on a generator of the same seed.
    """
    c = Check("check_sample_ids", fn, "fn(step, prime, n, tau, rng)",
              "the ids of the same loop on the same random numbers")

    def case(seed, prime, n, tau):
        model = _model(seed)
        want, want_rng = reference(model, prime, n, tau, seed)
        calls, rng = [], np.random.default_rng(seed)
        got = c.call(_step_of(model, calls), list(prime), n, tau, rng)
        if (isinstance(got, np.ndarray) and got.ndim == 1) or isinstance(got, (list, tuple)):
            got = list(got)
        # A right loop, and every mistake below but greedy decoding, takes one rng.choice per
        # drawn id, so it leaves the generator where the reference left it. A generator
        # elsewhere means the random numbers were taken another way: that is the diagnosis.
        rng_used_right = rng.bit_generator.state == want_rng.bit_generator.state
        # A few ids cannot tell the mistakes apart (two wrong loops may draw the same id by
        # chance), so short cases name none and are never the case shown for its mistake.
        mistakes = [(message, (reference(model, prime, n, tau, seed, bug)[0],))
                    for bug, message in MISTAKES.items()
                    if (bug == "greedy") != rng_used_right and n >= LONG]
        P = len(prime)
        hints = {(n - 1,): f"{n - 1} ids: one draw is missing; draw n = {n}.",
                 (n + 1,): f"{n + 1} ids: one draw too many; draw n = {n}."}
        hints[(n + P,)] = (f"{n + P} ids: does the result hold the prime too? Return only the "
                           f"n = {n} drawn ids (prime + drawn is the whole text)"
                           + (", and draw exactly n." if P == 1 else "."))
        out = _Ids("the drawn ids", got, np.asarray(want, dtype=float), axes=("n",),
                  hints={k: s for k, s in hints.items() if k[0] >= 0},
                  explain=lambda g: _first_difference(g, want))
        problems = c.compare([out], mistakes)
        if problems and not problems.explained:
            if not rng_used_right:
                problems.append(RNG_MISUSED)
                problems.explained = n >= LONG
            elif calls[:len(prime)] != list(prime):
                problems.append(f"step read {calls[:len(prime)]} first; it should read the "
                                f"prime, {list(prime)}, in order, before the first draw.")
        return problems

    cases = [("prime [3], n = 1, tau = 1", 0, [3], 1, 1.0),
             ("prime [1, 4, 4, 0], n = 20, tau = 0.5", 1, [1, 4, 4, 0], 20, 0.5),
             ("prime [6, 2, 5], n = 30, tau = 1", 2, [6, 2, 5], 30, 1.0),
             ("prime [0, 5], n = 25, tau = 2", 3, [0, 5], 25, 2.0),
             ("prime [2], n = 0", 4, [2], 0, 1.0)]
    return c.run([(label, partial(case, seed, prime, n, tau))
                  for label, seed, prime, n, tau in cases])
