"""rnnlib.checks.check_partial_correlation: a correct solution, written from the textbook formula
independently of rnnlib, passes with one line; each diagnosis is triggered by a solution broken
the way a learner would break it (`bug=...`)."""
import numpy as np
import pytest

from rnnlib import checks
from rnnlib.checks.probes import partial_correlation_mistakes
from rnnlib.probes import partial_correlation


def corr(a, b):
    return np.corrcoef(a, b)[0, 1]


def partial_correlation_with(bug=None):
    def fn(x, y, z):
        z = np.asarray(z, dtype=float)
        if bug in ("formula", "plus", "no denominator", "no sqrt", "swap xz", "swap yz"):
            r_xy, r_xz, r_yz = corr(x, y), corr(x, z), corr(y, z)
            if bug == "swap xz":                      # r(x, z | y)
                r_xy, r_xz = r_xz, r_xy
            if bug == "swap yz":                      # r(y, z | x)
                r_xy, r_xz, r_yz = r_yz, r_xy, r_xz
            num = r_xy + r_xz * r_yz if bug == "plus" else r_xy - r_xz * r_yz
            den = (1 - r_xz ** 2) * (1 - r_yz ** 2)
            if bug == "no denominator":
                return num
            return num / (den if bug == "no sqrt" else np.sqrt(den))
        if bug == "no constant":
            def res(a):
                return a - z * (z @ a) / (z @ z)
        else:
            def res(a):
                zc = z - z.mean()
                return a - a.mean() - zc * (zc @ (a - a.mean())) / (zc @ zc)
        xr = x if bug == "y only" else res(x)
        yr = y if bug == "x only" else res(y)
        if bug == "plain":
            return corr(x, y)
        if bug == "residuals":
            return xr
        if bug == "covariance":
            return np.mean((xr - xr.mean()) * (yr - yr.mean()))
        if bug == "matrix":
            return np.corrcoef(xr, yr)
        if bug == "tuple":
            return xr, yr
        if bug == "stub":
            raise NotImplementedError
        return corr(xr, yr)
    return fn


def test_a_correct_solution_passes_with_one_stable_line(capsys):
    assert checks.check_partial_correlation(partial_correlation_with()) is True
    assert capsys.readouterr().out == (
        "check_partial_correlation: all 3 cases agree with rnnlib.probes.partial_correlation "
        "(largest relative error < 1e-12)\n")


def test_the_formula_passes_too(capsys):
    assert checks.check_partial_correlation(partial_correlation_with("formula")) is True


def test_the_reference_is_the_hand_calculation():
    # x = z + e, y = z - e with e orthogonal to z and to the constant: once z is out, x and y
    # are e and -e, so r(x, y | z) = -1, while r(x, y) is 0 (|z| = |e| here).
    z = np.array([1.0, -1.0, 1.0, -1.0])
    e = np.array([1.0, 1.0, -1.0, -1.0])
    assert corr(z + e, z - e) == pytest.approx(0.0, abs=1e-15)
    assert partial_correlation(z + e, z - e, z) == pytest.approx(-1.0)
    # and the textbook formula on three correlations worked out by hand: r_xy = 0.5,
    # r_xz = r_yz = 0.5 gives (0.5 - 0.25) / (1 - 0.25) = 1/3
    rng = np.random.default_rng(0)
    a, b, c = (v - v.mean() for v in rng.normal(size=(3, 500)))
    # orthonormal a, b, c (Gram-Schmidt), then x = a, z = a/2 + b sqrt(3)/2, y = a/2 + ...
    a /= np.linalg.norm(a)
    b -= (b @ a) * a
    b /= np.linalg.norm(b)
    c -= (c @ a) * a + (c @ b) * b
    c /= np.linalg.norm(c)
    x, z = a, 0.5 * a + np.sqrt(3) / 2 * b
    # y with r_xy = 0.5 and r_yz = 0.5: y = 0.5 a + (0.5 - 0.25) / (sqrt(3)/2) b + rest c
    yb = 0.25 / (np.sqrt(3) / 2)
    y = 0.5 * a + yb * b + np.sqrt(1 - 0.25 - yb ** 2) * c
    assert [corr(x, y), corr(x, z), corr(y, z)] == pytest.approx([0.5, 0.5, 0.5])
    assert partial_correlation(x, y, z) == pytest.approx(1 / 3)


def test_a_series_that_is_a_linear_function_of_z_has_no_partial_correlation():
    z = np.arange(10.0)
    assert np.isnan(partial_correlation(2 * z + 1, np.sin(z), z))


@pytest.mark.parametrize("bug, words", [
    ("plain", "plain correlation of x and y: z is not taken out"),
    ("x only", "z is taken out of x only"),
    ("y only", "z is taken out of y only"),
    ("no constant", "z was fitted without a constant"),
    ("plus", "the product r_xz r_yz is added"),
    ("no denominator", "the numerator r_xy - r_xz r_yz alone"),
    ("no sqrt", "the denominator is missing its square root"),
    ("covariance", "the covariance of the two residuals"),
    ("swap xz", "partial correlation of x and z given y"),
    ("swap yz", "partial correlation of y and z given x"),
    ("residuals", "one number per entry: those look like residuals"),
    ("matrix", "a whole correlation matrix"),
    ("tuple", "should return one number"),
])
def test_each_mistake_gets_its_diagnosis(bug, words, capsys):
    ok = checks.check_partial_correlation(partial_correlation_with(bug), raise_error=False)
    out = capsys.readouterr().out
    assert ok is False, out
    assert words in out, out
    assert out.startswith("check_partial_correlation: case ")


def test_a_stub_is_not_implemented_yet(capsys):
    assert checks.check_partial_correlation(partial_correlation_with("stub"), raise_error=False) is False
    assert capsys.readouterr().out == "check_partial_correlation: not implemented yet\n"


def test_the_mistakes_differ_from_the_right_answer():
    """Each known mistake gives a number the check can tell from r(x, y | z), else its message
    could never be shown: here on the hand-made data above, where the answer is -1."""
    z = np.array([1.0, -1.0, 1.0, -1.0, 2.0, 0.0])
    e = np.array([1.0, 1.0, -1.0, -1.0, 0.5, -0.3])
    x, y = 1 + z + e, 2 + 0.5 * z - e
    want = partial_correlation(x, y, z)
    for message, value in partial_correlation_mistakes(x, y, z):
        assert not np.isclose(value, want, rtol=1e-6), message


def test_rnnlibs_own_function_an_alias_or_a_call_of_it_fails(capsys):
    """The exercise asks for the computation: rnnlib.probes.partial_correlation itself, a
    wrapper of it, or a function that calls it under another name all fail, with a message
    that says so. Other rnnlib functions stay allowed (np.linalg is numpy's)."""
    from rnnlib import probes
    hidden = probes.partial_correlation

    def delegating(x, y, z):
        return hidden(x, y, z)

    for fn in (probes.partial_correlation, lambda x, y, z: probes.partial_correlation(x, y, z),
               delegating):
        assert checks.check_partial_correlation(fn, raise_error=False) is False
        out = capsys.readouterr().out
        assert "rnnlib.probes.partial_correlation" in out, out
    with pytest.raises(AssertionError, match="rnnlib.probes.partial_correlation"):
        checks.check_partial_correlation(delegating)
    assert checks.check_partial_correlation.replaces == ("rnnlib.probes.partial_correlation",)
