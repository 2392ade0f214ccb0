"""Properties of rnnlib.probes on arbitrary shapes and values (hypothesis): every call either
returns finite results of the documented shape (r may be nan where the docstring says so) or
raises ValueError / TypeError naming the function; no other exception and no warning.

Second readings: the least-squares read-out satisfies the normal equations (its residual is
orthogonal to every unit and to the constant); the partial correlation given one variable is
the textbook formula from the three plain correlations, and does not change when any of x, y, z
is scaled; a clamped run with nothing held is the model's own run, and a held unit holds its
value; class_means counts every value once and averages each class."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnnlib
from rnnlib import explore, probes

from boundary import outcome

ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=2), st.integers(-3, 3), st.floats())
VALUES = st.floats(-1e3, 1e3)
RARELY = st.sampled_from([False, False, False, False, True])


def series(T):
    return st.one_of(*[hnp.arrays(np.float64, (T,), elements=VALUES)] * 4,
                     hnp.arrays(np.bool_, (T,)), hnp.arrays(np.float64, (max(T - 1, 0),), elements=VALUES),
                     hnp.arrays(np.float64, (T,), elements=st.sampled_from([0.5, np.nan, np.inf])))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 15), st.integers(1, 4), st.data())
def test_fit_readout(T, H, data):
    states = data.draw(hnp.arrays(np.float64, (T, H), elements=VALUES))
    feature = data.draw(series(T))
    wc, error = outcome(lambda: probes.fit_readout(states, feature), "fit_readout")
    if error:
        return
    w, c = wc
    assert w.shape == (H,) and np.isfinite(w).all() and np.isfinite(c)
    residual = states @ w + c - feature
    design = np.hstack([states, np.ones((T, 1))])
    # the normal equations: the residual is orthogonal to every column (relative to their size)
    size = np.abs(design).max(axis=0) * max(np.abs(feature).max(), 1.0) * T
    assert (np.abs(design.T @ residual) <= 1e-6 * size + 1e-9).all()


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 20), st.data(), st.integers(-150, 150))
def test_partial_correlation_given_one_variable(T, data, power):
    x, y, z = (data.draw(series(T)) for _ in range(3))
    r, error = outcome(lambda: probes.partial_correlation(x, y, z), "partial_correlation")
    if error:
        return
    assert isinstance(r, float) and (np.isnan(r) or -1 <= r <= 1)
    scale = 10.0 ** power

    def normal(a):                       # scaling a neither underflows to subnormals nor overflows
        with np.errstate(over="ignore", under="ignore"):
            a = a.astype(float) * scale
        return np.all((a == 0) | ((np.abs(a) >= np.finfo(float).tiny) & np.isfinite(a)))
    for i, a in enumerate((x, y, z)):
        if not normal(a):
            continue
        args = [x, y, z]
        args[i] = a * scale
        again = probes.partial_correlation(*args)
        assert (np.isnan(again) and np.isnan(r)) or abs(again - r) < 1e-7 or \
            min(abs(abs(again) - 1), abs(abs(r) - 1)) < 1e-6, (again, r)
    x, y, z = (a.astype(float) for a in (x, y, z))

    def corr(a, b):
        return np.corrcoef(a, b)[0, 1]
    spread = [np.std(a) / max(np.abs(a).max(), 1e-300) for a in (x, y, z)]
    if min(spread) > 1e-3:
        rxy, rxz, ryz = corr(x, y), corr(x, z), corr(y, z)
        if (1 - rxz ** 2) > 1e-3 and (1 - ryz ** 2) > 1e-3:
            want = (rxy - rxz * ryz) / np.sqrt((1 - rxz ** 2) * (1 - ryz ** 2))
            assert abs(r - want) < 1e-6, (r, want)


TEXT = 'x = (1, "a")\n'
VOCAB = rnnlib.Vocab(TEXT)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 50), st.sampled_from(["tanh", "relu", "leaky_relu"]),
       st.lists(st.integers(-1, 4), max_size=3), st.data())
def test_clamped_run(seed, nonlinearity, units, data):
    model = rnnlib.SequenceModel(len(VOCAB), 4, len(VOCAB), nonlinearity, seed=seed)
    text = data.draw(st.text(alphabet=TEXT, min_size=1, max_size=30))
    values = data.draw(st.one_of(st.lists(st.floats(-2, 2), min_size=len(units), max_size=len(units)),
                                 st.lists(st.floats(-2, 2), max_size=3)))
    where = data.draw(st.one_of(*[hnp.arrays(np.bool_, (len(text),))] * 3, hnp.arrays(np.bool_, (2,))))
    out, error = outcome(lambda: probes.clamped_run(model, VOCAB, text, units, values, where),
                         "clamped_run")
    if error:
        return
    states, probs = out
    assert states.shape == (len(text), 4) and probs.shape == (len(text), len(VOCAB))
    assert np.isfinite(states).all() and np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    if units:
        assert (states[where][:, units] == np.array(values)).all()
    if not where.any() or not units:
        np.testing.assert_allclose(states, rnnlib.hidden_states(model, VOCAB, text), atol=1e-12)
        if len(text) >= 2:
            np.testing.assert_allclose(probs[:-1], explore.next_char_probs(model, VOCAB, text),
                                       atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 15), st.data())
def test_class_means(T, data):
    values = data.draw(series(T))
    labels = data.draw(st.one_of(*[st.lists(st.sampled_from(["digit", "a", 3, None]), min_size=T,
                                            max_size=T)] * 3, st.lists(st.text(max_size=1), max_size=3)))
    rows, error = outcome(lambda: probes.class_means(values, labels), "class_means")
    if error:
        return
    assert sum(count for _, count, _, _ in rows) == T
    labels = np.asarray(labels, dtype=object)
    for label, count, mean, above in rows:
        chosen = values.astype(float)[labels == label]
        assert count == len(chosen) and np.isclose(mean, chosen.mean(), rtol=1e-12, atol=1e-12)
        assert above == np.mean(chosen > 0)
