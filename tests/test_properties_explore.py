"""Properties of rnnlib.explore on arbitrary shapes and values (hypothesis): every call either
returns finite results of the documented shape (r may be nan where the docstring says so) or
raises ValueError / TypeError naming the function; no other exception and no warning.

Second readings: r agrees with numpy's corrcoef where a unit and the feature vary well above
round-off, and does not change when both are scaled by any power of ten from 1e-200 to 1e200;
every unit select_units returns is on all along the span, and on_positions then marks the whole
span; runs rebuilds its mask. (The colours and the HTML: test_properties_colours.py.)"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnnlib import explore as X

from boundary import outcome

ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=2), st.integers(-3, 3), st.floats())
VALUES = st.floats(-1e3, 1e3)
RARELY = st.sampled_from([False, False, False, False, True])


@st.composite
def states(draw, min_T=1):
    T, H = draw(st.integers(min_T, 12)), draw(st.integers(1, 5))
    a = draw(hnp.arrays(np.float64, (T, H), elements=VALUES))
    if draw(RARELY):
        a[draw(st.integers(0, T - 1)), draw(st.integers(0, H - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf]))
    return a


@settings(max_examples=80, deadline=None)
@given(states(), st.data(), st.integers(-200, 200))
def test_feature_correlations(s, data, power):
    T, H = s.shape
    f = data.draw(st.one_of(hnp.arrays(np.float64, (T,), elements=VALUES),
                            hnp.arrays(np.bool_, (T,)), hnp.arrays(np.int64, (T,), elements=st.integers(-5, 5)),
                            hnp.arrays(np.float64, (data.draw(st.integers(0, 3)),))))
    r, error = outcome(lambda: X.feature_correlations(s, {"f": f}), "feature_correlations")
    if error:
        return
    r = r["f"]
    assert r.shape == (H,)
    known = ~np.isnan(r)
    assert (np.abs(r[known]) <= 1).all()
    f = f.astype(float)

    def spread(x):                                          # std / largest size, without underflow
        peak = np.abs(x).max()
        return np.std(x / peak) if peak > 0 else 0.0
    for u in range(H):
        if spread(s[:, u]) > 1e-6 and spread(f) > 1e-6:                    # well above round-off
            assert known[u]
            want = np.corrcoef(s[:, u] / np.abs(s[:, u]).max(), f / np.abs(f).max())[0, 1]
            np.testing.assert_allclose(r[u], want, atol=1e-9)
        if np.ptp(s[:, u]) == 0 or np.ptp(f) == 0:                         # exactly constant
            assert not known[u]
    scale = 10.0 ** power
    with np.errstate(under="ignore"):
        if not all(np.all((a == 0) | (np.abs(a * scale) >= np.finfo(float).tiny)) for a in (s, f)):
            return                                         # scaled into subnormals: other data
    scaled = X.feature_correlations(s * scale, {"f": f * scale})["f"]
    np.testing.assert_array_equal(np.isnan(scaled), ~known)
    np.testing.assert_allclose(scaled[known], r[known], atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(states(), st.data())
def test_select_units_and_their_matches(s, data):
    T, H = s.shape
    start = data.draw(st.one_of(st.integers(0, T), st.integers(0, T), ODD))
    end = data.draw(st.one_of(st.integers(0, T), st.integers(0, T), ODD))
    threshold = data.draw(st.one_of(st.floats(0, 1.5), st.floats(0, 1.5), ODD))
    sel, error = outcome(lambda: X.select_units(s, start, end, threshold), "select_units")
    if error:
        return
    K = len(sel)
    for field in ("units", "signs", "inside", "outside", "scores"):
        assert getattr(sel, field).shape == (K,)
    assert (np.diff(sel.scores) <= 0).all()                           # best first
    for u, sign in zip(sel.units, sel.signs):
        assert (sign * s[start:end, u] > threshold).all()            # on all along the span
    mask = X.on_positions(s, sel.units, sel.signs, threshold)
    assert mask.shape == (T,) and mask.dtype == bool
    if K:
        assert mask[start:end].all()
    rebuilt = np.zeros(T, bool)
    for a, b in X.runs(mask):
        assert a < b and not rebuilt[a:b].any()
        rebuilt[a:b] = True
    np.testing.assert_array_equal(rebuilt, mask)


@settings(max_examples=80, deadline=None)
@given(states(), st.data())
def test_on_positions_on_any_units(s, data):
    T, H = s.shape
    units = data.draw(st.one_of(st.lists(st.integers(-2, H + 1), max_size=4), ODD))
    signs = data.draw(st.one_of(st.lists(st.sampled_from([1, -1, 1.0, 0, 2]), max_size=4), ODD))
    mask, error = outcome(lambda: X.on_positions(s, units, signs, 0.1), "on_positions")
    if error:
        return
    assert mask.shape == (T,)
    units, signs = np.asarray(units, dtype=int), np.asarray(signs, dtype=float)
    assert (units >= 0).all() and (units < H).all() and len(set(units.tolist())) == len(units)
    want = np.ones(T, bool)
    for u, sign in zip(units, signs):
        want &= sign * s[:, u] > 0.1
    np.testing.assert_array_equal(mask, want if len(units) else np.zeros(T, bool))


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 8),
                  elements=st.one_of(st.floats(-1, 1), st.just(np.nan), st.floats(-3, 3))),
       st.one_of(st.integers(1, 10), ODD))
def test_top_units_and_units_by_correlation(r, k):
    order, error = outcome(lambda: X.units_by_correlation(r), "units_by_correlation")
    if error:
        return
    assert sorted(order.tolist()) == list(range(len(r)))             # every unit once
    ranked = r[order]
    known = ranked[~np.isnan(ranked)]
    assert (np.diff(known) <= 0).all() and np.isnan(ranked[len(known):]).all()
    top, error = outcome(lambda: X.top_units(r, k), "top_units")
    if error:
        return
    units, values = top
    assert len(units) == min(k, len(known)) and not np.isnan(values).any()
    assert (np.diff(np.abs(values)) <= 0).all()
