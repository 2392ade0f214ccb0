"""rnnlib.checks.check_unit_correlations: a correct solution, written from Pearson's formula
independently of rnnlib, passes with one line; each diagnosis is triggered by the same code with
one mistake switched on, the way a learner would write it."""
import numpy as np
import pytest

from rnnlib import checks
from rnnlib.checks.explore import correlation_mistakes


def unit_correlations_with(bug=None):
    def unit_correlations(states, feature):
        T = states.shape[0]
        mean_h = states.mean(axis=1, keepdims=True) if bug == "centre axis 1" else states.mean(axis=0)
        hc = states if bug == "no centring" else states - mean_h
        fc = feature if bug == "no centring" else feature - feature.mean()
        cov = (hc * fc[:, None]).sum(axis=0) / (T - 1 if bug in ("cov only ddof", "ddof mix") else T)
        if bug in ("cov only", "cov only ddof"):
            return cov
        if bug == "matrix":
            return np.corrcoef(states.T, feature)
        if bug == "per character":
            return hc * fc[:, None]
        if bug == "tuple":
            return cov, cov
        if bug == "zero for constant":
            sd = np.sqrt((hc * hc).mean(axis=0))
            return np.where(sd > 0, cov / np.where(sd > 0, sd, 1) / np.sqrt((fc * fc).mean()), 0.0)
        if bug == "std all":
            sd = states.std()
        elif bug == "std axis 1":
            sd = states.std(axis=1)
        elif bug == "no centring":
            sd = np.sqrt((states ** 2).mean(axis=0))
        else:
            sd = np.sqrt((hc * hc).mean(axis=0))
        sf = np.sqrt((fc * fc).mean())
        return cov / (sd * sf)
    return unit_correlations


def test_a_correct_solution_passes_with_one_stable_line(capsys):
    assert checks.check_unit_correlations(unit_correlations_with())
    assert capsys.readouterr().out == (
        "check_unit_correlations: all 3 cases agree with rnnlib.explore.feature_correlations "
        "(largest relative error < 1e-12)\n")


def test_np_corrcoef_column_by_column_passes_too(capsys):
    def unit_correlations(states, feature):
        return np.array([np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])])
    assert checks.check_unit_correlations(unit_correlations)


@pytest.mark.parametrize("bug, words", [
    ("cov only", "not divided by the standard deviations"),
    ("cov only ddof", "not divided by the standard deviations"),
    ("no centring", "not centred"),
    ("centre axis 1", "each character was centred"),
    ("std all", "over all units and characters together"),
    ("std axis 1", "axis=1 has one number per character"),
    ("ddof mix", "mix T - 1 and T"),
    ("matrix", "whole correlation matrix"),
    ("per character", "one number per character and unit"),
    ("tuple", "should return one array, r (H,)"),
    ("zero for constant", "r[3] should be nan"),
])
def test_each_mistake_gets_its_diagnosis(bug, words, capsys):
    assert checks.check_unit_correlations(unit_correlations_with(bug), raise_error=False) is False
    out = capsys.readouterr().out
    assert words in out, out
    assert out.startswith("check_unit_correlations: case ")


def test_a_stub_is_not_implemented_yet(capsys):
    def unit_correlations(states, feature):
        raise NotImplementedError()
    assert checks.check_unit_correlations(unit_correlations, raise_error=False) is False
    assert capsys.readouterr().out == "check_unit_correlations: not implemented yet\n"


def test_the_mistakes_are_all_different_from_the_right_answer():
    """Each known mistake gives numbers the check can tell from r (else its message could never
    be shown), computed here on data where r is known by hand: unit 0 = 2 f + 1 has r = 1."""
    f = np.array([0.0, 1, 2, 1, 0, 3])
    states = np.stack([2 * f + 1, np.sin(f) + 0.5, -f + 0.1 * np.cos(3 * f)], axis=1)   # (6, 3)
    for message, r in correlation_mistakes(states, f):
        assert not np.allclose(r, [1.0, *np.corrcoef(states[:, 1:].T, f)[-1, :-1]]), message
