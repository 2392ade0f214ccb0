"""Checks for the character model's exercises: sampling probabilities with a temperature, and
perplexity from logits."""
from __future__ import annotations

from functools import partial

import numpy as np


from .. import generate, losses
from ._core import Check, Out, replaces

# --- temperature_probs ----------------------------------------------------------------------

TEMPERATURE_OVERFLOW = ("exp overflowed: exp(z / T) is inf in float64 once z / T passes about "
                        "709, which a small temperature reaches quickly (3 / 0.001 = 3000), and "
                        "inf / inf is nan. Subtract the largest logit before dividing by T: "
                        "softmax((z - max z) / T) is the same distribution, and its largest "
                        "exponent is exp(0) = 1.")


@replaces("rnnlib.temperature_probs", "rnnlib.losses._log_softmax")
def check_temperature_probs(fn):
    """fn(logits (V,), temperature) -> p (V,), p = softmax(logits / temperature).

    Cases: T = 1, T below and above 1, logits as large as 1000, and T = 0.001, where a softmax
    that does not subtract the largest logit first overflows. Compared with
    rnnlib.temperature_probs.
    """
    c = Check("check_temperature_probs", fn, "fn(logits, temperature)", "rnnlib.temperature_probs")

    def case(z, T):
        want = generate.temperature_probs(z, T)                                    # (V,)
        got = c.call(z.copy(), T)
        with np.errstate(all="ignore"):
            e = np.exp((z - z.max()) / T)
            mistakes = [("the logits are not divided by the temperature: this is softmax(z), the "
                         "distribution at T = 1. Divide first, softmax(z / T).", (losses.softmax(z),)),
                        ("the logits are multiplied by the temperature; divide instead, "
                         "softmax(z / T): a small T must sharpen the distribution.", (losses.softmax(z * T),)),
                        ("the probabilities do not sum to 1: divide exp(z / T) by its sum over "
                         "the V characters.", (e,)),
                        ("the temperature is applied after the softmax (softmax(z) / T); it "
                         "divides the logits, before the exp: softmax(z / T).", (losses.softmax(z) / T,))]
        V = len(z)
        overflow = TEMPERATURE_OVERFLOW if np.abs(z).max() / T > 700 else None   # exp's limit
        out = Out("p", got, want, axes=("characters",), nonfinite=overflow,
                  hints={(1, V): "an extra batch axis: for logits (V,) return p (V,)."})
        return c.compare([out], [(m, vals) for m, vals in mistakes
                                 if np.all(np.isfinite(vals[0]))])

    rng = np.random.default_rng(90)
    cases = [("T = 1, logits [2, 1, 0.1]", np.array([2.0, 1.0, 0.1]), 1.0),
             ("T = 0.5, 6 logits", rng.normal(size=6), 0.5),
             ("T = 2, 6 logits", 2 * rng.normal(size=6), 2.0),
             ("T = 1, logits as large as 1000", np.array([1000.0, 999.0, 0.0, -1000.0]), 1.0),
             ("T = 0.001, logits [3, 1, -2, 0.5]", np.array([3.0, 1.0, -2.0, 0.5]), 0.001)]
    return c.run([(label, partial(case, z, T)) for label, z, T in cases])


# --- perplexity_from_logits -----------------------------------------------------------------

CE_OVERFLOW = {"nan": "exp overflowed (exp(1000) is inf in float64, and inf / inf is nan). Compute "
                      "log p as (z - max z) - log(sum(exp(z - max z))), the log-softmax, instead of "
                      "the log of a softmax without the max subtracted.",
               "inf": "the perplexity is inf: either a probability underflowed to 0 and its log "
                      "is -inf (compute log p directly with the log-softmax, (z - max z) - "
                      "log(sum(exp(z - max z)))), or exp of a sum of many cross-entropies "
                      "overflowed (take the mean, not the sum)."}


SHIFTED = ("the targets are shifted by one step: logits[:, t] already scores targets[:, t], the "
           "character that follows input t, so pair them as they come, without [:, 1:] or [:, :-1].")
EMPTY_MEAN = ("no exp can overflow here (the logits are a few units), so this nan is most likely "
              "the mean of an empty array: with T = 1, targets[:, 1:] has no steps. The targets "
              "need no shift: logits[:, t] already scores targets[:, t], the character that "
              "follows input t.")


@replaces("rnnlib.softmax_cross_entropy", "rnnlib.losses._log_softmax", "rnnlib.perplexity")
def check_perplexity_from_logits(fn):
    """fn(logits (N, T, V), targets (N, T) ids) -> perplexity, a float:
    exp of the mean over the M = N*T steps of -log softmax(logits)[target], in nats.

    Cases: one step, batches of several steps, and logits as large as 1000, where a log of a
    softmax without the max subtracted overflows or underflows. Compared with
    exp(rnnlib.softmax_cross_entropy(logits, targets)[0]).
    """
    c = Check("check_perplexity_from_logits", fn, "fn(logits, targets)",
              "exp(rnnlib.softmax_cross_entropy(logits, targets)[0])")

    def case(z, y):
        N, T, V = z.shape
        M = N * T
        want = float(np.exp(losses.softmax_cross_entropy(z, y)[0]))
        got = c.call(z.copy(), y.copy())
        nll = -np.take_along_axis(losses.log_softmax(z), y[..., None], axis=-1)[..., 0]   # (N, T) nats
        H = nll.mean()
        with np.errstate(all="ignore"):
            mistakes = [("the log is base 2 but the power is e: exp(mean(-log2 p)). Both must use "
                         "the same base: exp(mean(-ln p)), or 2 ** mean(-log2 p), which is the "
                         "same number.", np.exp(H / np.log(2))),
                        ("the log is natural but the power is 2: 2 ** mean(-ln p). Both must use "
                         "the same base: exp(mean(-ln p)).", 2.0 ** H),
                        (f"the cross-entropies are summed over the M = N*T = {M} steps; "
                         f"perplexity is exp of their mean: divide by M.", np.exp(nll.sum())),
                        ("exp is missing: this is the mean cross-entropy itself. The perplexity "
                         "is exp of it.", H),
                        ("exp is taken step by step and then averaged, mean(exp(-log p)) = "
                         "mean(1 / p); the perplexity is exp of the mean, exp(mean(-log p)).",
                         np.mean(np.exp(nll))),
                        (f"the mean is over the N = {N} sequences only; it is over all M = N*T "
                         f"= {M} steps.", np.exp(nll.sum() / N)),
                        (f"the mean is over the T = {T} steps only; it is over all M = N*T = "
                         f"{M} steps.", np.exp(nll.sum() / T)),
                        ("the sign is wrong: the cross-entropy is -log p, so the perplexity is "
                         "exp(mean(-log p)), at least 1.", np.exp(-H))]
        if T > 1:                       # targets shifted by one step, either way
            late = -np.take_along_axis(losses.log_softmax(z[:, :-1]), y[:, 1:, None], axis=-1)
            early = -np.take_along_axis(losses.log_softmax(z[:, 1:]), y[:, :-1, None], axis=-1)
            with np.errstate(all="ignore"):
                mistakes += [(SHIFTED, np.exp(late.mean())), (SHIFTED, np.exp(early.mean()))]
        small = float(np.abs(z).max()) < 100            # no exp of these logits can overflow
        nonfinite = {"nan": EMPTY_MEAN, "inf": CE_OVERFLOW["inf"]} if small else CE_OVERFLOW
        out = Out("the perplexity", got, want, nonfinite=nonfinite,
                  hints={(N, T): "one value per step; the perplexity is one number, exp of "
                                 "their mean.",
                         (N,): "one value per sequence; the perplexity is one number, over all "
                               "M = N*T steps."})
        return c.compare([out], [(m, (v,)) for m, v in mistakes if np.isfinite(v)])

    rng = np.random.default_rng(91)
    cases = [("logits (1, 1, 3)", np.array([[[2.0, 1.0, 0.1]]]), np.array([[0]])),
             ("logits (2, 3, 5)", rng.normal(size=(2, 3, 5)), rng.integers(0, 5, (2, 3))),
             ("logits (3, 4, 6)", 2 * rng.normal(size=(3, 4, 6)), rng.integers(0, 6, (3, 4))),
             ("logits (1, 2, 3) as large as 1000",
              np.array([[[1000.0, 0.0, -1000.0], [-5.0, 1000.0, 999.0]]]), np.array([[0, 2]]))]
    return c.run([(label, partial(case, z, y)) for label, z, y in cases])
