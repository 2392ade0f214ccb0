"""Checks for notebook 08's probes: the partial correlation of two series given a third."""
from __future__ import annotations

from functools import partial

import numpy as np

from .. import probes
from ._core import Check, Out, replaces


def _r(a, b):
    ac, bc = a - a.mean(), b - b.mean()
    return float(ac @ bc / np.sqrt((ac @ ac) * (bc @ bc)))


def _residual(a, z, constant=True):
    """a minus its least-squares fit by z (and a constant)."""
    design = np.stack([z, np.ones_like(z)], axis=1) if constant else z[:, None]
    return a - design @ np.linalg.lstsq(design, a, rcond=None)[0]


def _formula(r_xy, r_xz, r_yz):
    return (r_xy - r_xz * r_yz) / np.sqrt((1 - r_xz ** 2) * (1 - r_yz ** 2))


def partial_correlation_mistakes(x, y, z):
    """(message, value) of the usual wrong ways to compute r(x, y | z)."""
    r_xy, r_xz, r_yz = _r(x, y), _r(x, z), _r(y, z)
    xr, yr = _residual(x, z), _residual(y, z)
    with np.errstate(all="ignore"):
        return [
            ("this is the plain correlation of x and y: z is not taken out. Fit x and y each by "
             "z (and a constant) and correlate what is left.", r_xy),
            ("z is taken out of x only (the correlation of x's residual with y itself). Take it "
             "out of y as well: correlate the two residuals.", _r(xr, y)),
            ("z is taken out of y only (the correlation of x with y's residual). Take it out of "
             "x as well: correlate the two residuals.", _r(x, yr)),
            ("z was fitted without a constant (x ~ a z instead of x ~ a z + b), so the "
             "residuals keep part of z. Put a column of ones beside z, or centre x, y and z first.",
             _r(_residual(x, z, False), _residual(y, z, False))),
            ("the product r_xz r_yz is added; the formula subtracts it: "
             "(r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)).",
             (r_xy + r_xz * r_yz) / np.sqrt((1 - r_xz ** 2) * (1 - r_yz ** 2))),
            ("this is the numerator r_xy - r_xz r_yz alone; divide it by "
             "sqrt((1 - r_xz^2)(1 - r_yz^2)), which rescales it to a correlation.",
             r_xy - r_xz * r_yz),
            ("the denominator is missing its square root: divide by "
             "sqrt((1 - r_xz^2)(1 - r_yz^2)), not by the product itself.",
             (r_xy - r_xz * r_yz) / ((1 - r_xz ** 2) * (1 - r_yz ** 2))),
            ("this is the covariance of the two residuals, not their correlation: divide by "
             "both residuals' standard deviations.", float(np.mean(xr * yr))),
            ("this is the partial correlation of x and z given y: the third argument, z, is "
             "the one held fixed; x and y are the two that are correlated.", _formula(r_xz, r_xy, r_yz)),
            ("this is the partial correlation of y and z given x: the third argument, z, is "
             "the one held fixed; x and y are the two that are correlated.", _formula(r_yz, r_xy, r_xz)),
        ]


def probe_data(seed, T, z):
    """x and y that both follow z (with offsets, so a fit without a constant shows), and share
    a little of their own besides: r(x, y | z) is clearly not 0 and not r(x, y)."""
    rng = np.random.default_rng(seed)
    z = np.asarray(z)
    shared = rng.normal(0, 1, T)
    x = 3.0 + 0.8 * z + 0.5 * shared + rng.normal(0, 0.6, T)
    y = -1.0 - 0.5 * z + 0.4 * shared + rng.normal(0, 0.5, T)
    return x, y


@replaces("rnnlib.probes.partial_correlation")
def check_partial_correlation(fn):
    """fn(x, y, z) -> r, a float: the correlation of x and y once the linear effect of z (with
    a constant) is taken out of both,

        r(x, y | z) = corr(x - fit_z(x), y - fit_z(y)) = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2))

    Cases: a short series, a depth-like z of whole numbers (an int array, as
    rnnlib.corpus.text_features gives it), and a longer series whose partial correlation is
    negative while the plain one is positive. Compared with rnnlib.probes.partial_correlation.
    """
    c = Check("check_partial_correlation", fn, "fn(x, y, z)", "rnnlib.probes.partial_correlation")

    def case(x, y, z):
        want = probes.partial_correlation(x, y, z)
        got = c.call(x.copy(), y.copy(), z.copy())
        if isinstance(got, (tuple, list)):
            return [f"the function returned a {type(got).__name__} of {len(got)} values; it "
                    f"should return one number, the correlation of the two residuals."]
        T = len(x)
        out = Out("r(x, y | z)", got, want,
                  hints={(T,): "one number per entry: those look like residuals. Return their "
                               "correlation, a single number.",
                         (2, 2): "that is a whole correlation matrix (np.corrcoef of the two "
                                 "residuals): r is its off-diagonal entry, [0, 1].",
                         (3, 3): "that is the correlation matrix of x, y and z: the partial "
                                 "correlation is worked out from three of its entries, or from "
                                 "the residuals."})
        return c.compare([out], [(m, (value,)) for m, value in partial_correlation_mistakes(x, y, z)
                                 if np.isfinite(value)])

    depth = np.array([0, 1, 1, 2, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 1, 0, 0] * 3)  # (60,) ints
    short = np.array([0.5, 1.0, 2.0, 1.5, 3.0, 2.5, 4.0, 3.5])
    rng = np.random.default_rng(83)
    long_z = rng.normal(0, 1, 200)
    x3 = 1.0 + 2.0 * long_z + rng.normal(0, 1, 200)
    y3 = 2.0 + 2.0 * long_z - 0.6 * (x3 - 2.0 * long_z) + rng.normal(0, 0.8, 200)
    cases = [("T = 8", (*probe_data(80, 8, short), short)),
             ("T = 60, z whole numbers (an int array)", (*probe_data(81, 60, depth), depth)),
             ("T = 200, r(x, y) > 0 but r(x, y | z) < 0", (x3, y3, long_z))]
    return c.run([(label, partial(case, *args)) for label, args in cases])
