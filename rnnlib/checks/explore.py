"""Checks for the hidden-state exercises: the correlation of every unit with a feature."""
from __future__ import annotations

from functools import partial

import numpy as np

from .. import explore
from ._core import Check, LearnerError, Out, describe, real_array, replaces

CONSTANT = 0.25      # the value of a unit that never changes (exact in binary: its centred values are 0.0)
ONE_PER_UNIT = ("r holds one number per unit: the correlation of column u of states, over the "
                "T characters, with the feature. Statistics of a unit are over axis 0.")


def correlation_mistakes(states, feature):
    """(message, r) of the usual wrong ways to compute r from states (T, H) and feature (T,)."""
    T = len(feature)
    hc, fc = states - states.mean(axis=0), feature - feature.mean()
    cov = fc @ hc / T                                                         # (H,) population
    sh, sf = states.std(axis=0), feature.std()
    with np.errstate(all="ignore"):
        return [
            ("r is the covariance, not divided by the standard deviations: r = cov(h_u, f) / "
             "(std(h_u) * std(f)), which puts r between -1 and 1.", cov),
            ("r is the covariance, not divided by the standard deviations: r = cov(h_u, f) / "
             "(std(h_u) * std(f)), which puts r between -1 and 1.", fc @ hc / (T - 1)),
            ("the activations and the feature are not centred: subtract each one's mean first "
             "(h_u - mean(h_u), f - mean(f)); without it you get the cosine of the angle between "
             "the raw vectors, not Pearson's r.",
             feature @ states / np.sqrt((states ** 2).sum(axis=0) * (feature @ feature))),
            ("each character was centred (states.mean(axis=1)) instead of each unit: a unit's "
             "mean is over the characters, states.mean(axis=0), shape (H,).",
             _pearson(states - states.mean(axis=1, keepdims=True), feature, centre=False)),
            ("the standard deviation of states is taken over all units and characters together "
             "(np.std(states) without an axis): each unit needs its own, states.std(axis=0), "
             "shape (H,).", cov / (states.std() * sf)),
            ("the covariance and the standard deviations mix T - 1 and T: divide both by the "
             "same number (np.std uses T unless ddof=1, np.cov uses T - 1), or r is T / (T - 1) "
             "times too large.", fc @ hc / (T - 1) / (sh * sf)),
            ("the covariance and the standard deviations mix T - 1 and T: divide both by the "
             "same number (np.std uses T unless ddof=1, np.cov uses T - 1), or r is T / (T - 1) "
             "times too large.", cov / (states.std(axis=0, ddof=1) * feature.std(ddof=1))),
        ]


def _pearson(x, f, centre=True):
    xc = x - x.mean(axis=0) if centre else x
    fc = f - f.mean()
    return fc @ xc / np.sqrt((xc * xc).sum(axis=0) * (fc @ fc))


def unit_data(seed, T, H, feature, constant=None):
    """states (T, H) that follow feature in some units, with an offset (so forgetting to centre
    shows), and a constant unit when constant is a unit number."""
    rng = np.random.default_rng(seed)
    f = np.asarray(feature, dtype=float)
    weights = rng.normal(0, 0.5, H)
    states = np.tanh(0.3 + np.outer(f - f.mean(), weights) + rng.normal(0, 0.4, (T, H)))
    if constant is not None:
        states[:, constant] = CONSTANT
    return states, f


@replaces("rnnlib.explore.feature_correlations")
def check_unit_correlations(fn):
    """fn(states, feature) -> r (H,): Pearson's r of each unit's activation with the feature,

        r_u = sum_t (h_tu - mean_u)(f_t - mean_f) / sqrt(sum_t (h_tu - mean_u)^2 * sum_t (f_t - mean_f)^2)

    states (T, H), feature (T,) numbers or 0/1. A unit that never changes has no correlation:
    r_u is nan there (0 / 0), as rnnlib.explore.feature_correlations gives. Cases: a feature a
    unit follows exactly, a depth-like feature with a constant unit, a 0/1 feature with T = H.
    """
    c = Check("check_unit_correlations", fn, "fn(states, feature)",
              "rnnlib.explore.feature_correlations")

    def case(seed, feature, H, constant=None, exact=False):
        T = len(feature)
        states, f = unit_data(seed, T, H, feature, constant)
        if exact:                        # unit 0 rises with f, unit 1 falls with it: r = +1, -1
            states[:, 0], states[:, 1] = 0.5 * f - 0.2, 0.8 - 0.3 * f
        want = explore.feature_correlations(states, {"f": f})["f"]                   # (H,)
        try:
            got = c.call(states.copy(), f.copy())
        except LearnerError as e:
            if not e.not_implemented and "broadcast" in str(e):
                raise LearnerError(f"{e}\n  {ONE_PER_UNIT} A mean or std of states with "
                                   f"axis=1 has one number per character, shape (T,).") from None
            raise
        if isinstance(got, (tuple, list)) and len(got) != H:
            return [f"the function returned {describe(got)}; it should return one array, r (H,)."]
        hints = {(H + 1, H + 1): "that is the whole correlation matrix of the units and the "
                                 "feature (np.corrcoef): r is its last row without the last "
                                 "entry, np.corrcoef(states.T, feature)[-1, :-1].",
                 (T, H): "one number per character and unit: the sums in r run over the T "
                         "characters (axis 0), leaving one number per unit.",
                 (T,): f"one number per character. {ONE_PER_UNIT}"}
        if H != T:
            hints[(H, H)] = ("a unit x unit matrix: r correlates each unit with the feature, not "
                             "units with each other.")
        constant_units = np.isnan(want)
        mistakes = correlation_mistakes(states, f)
        g = real_array(got)                              # None: not real numbers
        if g is None or g.shape != want.shape:          # Out says what is wrong with it
            return c.compare([Out("r", got, np.nan_to_num(want), axes=("units",), hints=hints)])
        keep = ~constant_units                           # compare where r is defined
        problems = c.compare([Out("r", g[keep], want[keep], axes=("units",))],
                             [(m, (r[keep],)) for m, r in mistakes])
        if problems:
            return problems
        wrong = [u for u in np.flatnonzero(constant_units) if not np.isnan(g[u])]
        if wrong:
            u = wrong[0]
            return [f"unit {u} never changes in this case (every activation is {CONSTANT}), so "
                    f"its correlation is undefined, 0 / 0; r[{u}] should be nan, as rnnlib "
                    f"gives, but is {g[u]:.4g}. Dividing 0 by 0 gives nan (the check silences "
                    f"numpy's warning); or set r to nan where a unit's standard deviation is 0."]
        return []

    depth = np.array([0, 1, 1, 2, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 1, 0, 0] * 3)  # (60,)
    quoted = (np.arange(12) % 5 >= 2).astype(int)                                     # (12,)
    cases = [("a feature that units 0 and 1 follow exactly, T=8, H=4",
              partial(case, 60, np.arange(8.0) % 3, 4, exact=True)),
             ("a depth-like feature, T=60, H=5, unit 3 constant",
              partial(case, 61, depth, 5, constant=3)),
             ("a 0/1 feature, T=12, H=12", partial(case, 62, quoted, 12))]
    return c.run(cases)
