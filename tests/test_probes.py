"""rnnlib.probes: read-outs, controls, partial correlation, a clamped run and character
classes, each against a computation written here by hand (normal equations, a plain loop of
tanh steps, the recursive formula of partial correlation). (rnnlib.explore.feature_correlations
on exact cases: test_explore.py.)"""
import numpy as np
import pytest

import rnnlib
from rnnlib import explore, probes

TEXT = 'x = (12, "ab")\nf([3], y)\n' * 3
VOCAB = rnnlib.Vocab(TEXT, order="sorted")


def small_model(seed=0, H=5, **kw):
    return rnnlib.SequenceModel(len(VOCAB), H, len(VOCAB), seed=seed, **kw)


# --- read-outs ---------------------------------------------------------------------------

def test_fit_readout_recovers_an_exact_linear_feature():
    rng = np.random.default_rng(0)
    states = rng.normal(size=(50, 4))
    w0, c0 = np.array([1.0, -2.0, 0.5, 0.0]), 0.7
    w, c = probes.fit_readout(states, states @ w0 + c0)
    np.testing.assert_allclose(w, w0, atol=1e-12)
    assert c == pytest.approx(c0)
    assert probes.readout_r(states, states @ w0 + c0, states[:10], states[:10] @ w0) == pytest.approx(1.0)


def test_readout_r_is_the_correlation_of_the_least_squares_fit_on_the_other_text():
    rng = np.random.default_rng(1)
    fit_states, test_states = rng.normal(size=(80, 3)), rng.normal(size=(40, 3))
    fit_f = fit_states @ [1.0, 0.0, -1.0] + rng.normal(0, 0.5, 80)
    test_f = test_states @ [1.0, 0.0, -1.0] + rng.normal(0, 0.5, 40)
    A = np.hstack([fit_states, np.ones((80, 1))])
    wc = np.linalg.solve(A.T @ A, A.T @ fit_f)                        # the normal equations
    want = np.corrcoef(np.hstack([test_states, np.ones((40, 1))]) @ wc, test_f)[0, 1]
    assert probes.readout_r(fit_states, fit_f, test_states, test_f) == pytest.approx(want, rel=1e-12)
    # bools and ints are features too (in_string, depth)
    assert np.isfinite(probes.readout_r(fit_states, fit_f > 0, test_states, (test_f > 0).astype(int)))


def test_readout_errors_are_clear():
    s = np.zeros((10, 3))
    with pytest.raises(ValueError, match="readout_r: states should have the same number of units"):
        probes.readout_r(s, np.arange(10.0), np.zeros((5, 4)), np.arange(5.0))
    with pytest.raises(ValueError, match=r"fit_readout: feature should have shape \(10,\)"):
        probes.fit_readout(s, np.arange(9.0))
    with pytest.raises(ValueError, match=r"states should have shape \(T, H\)"):
        probes.fit_readout(np.zeros(10), np.arange(10.0))


# --- controls ----------------------------------------------------------------------------

def test_untrained_like_is_the_same_architecture_at_its_initial_weights():
    m = small_model(seed=3)
    u = probes.untrained_like(m, seed=7)
    assert u.config() == m.config()
    for k, p in small_model(seed=7).params.items():
        np.testing.assert_array_equal(u.params[k], p)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_without_memory_reads_each_character_alone(cell):
    m = small_model(seed=2, cell=cell)
    before = {k: p.copy() for k, p in m.params.items()}
    nm = probes.without_memory(m)
    for k, p in m.params.items():                                      # the original is untouched
        np.testing.assert_array_equal(p, before[k])
    # the state after a character is the same whatever came before it
    a = rnnlib.hidden_states(nm, VOCAB, 'x(12"ab')[-1]
    b = rnnlib.hidden_states(nm, VOCAB, '"b')[-1]
    np.testing.assert_allclose(a, b, atol=1e-15)
    np.testing.assert_array_equal(nm.head.params["weight"], m.head.params["weight"])
    if cell == "rnn":            # h_t = tanh(x_t Wx + b) by hand
        p = m.params
        x = np.eye(len(VOCAB))[VOCAB.index["b"]]
        want = np.tanh(p["rnn.weight_ih_l0"] @ x + p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"])
        np.testing.assert_allclose(b, want, atol=1e-15)
    # the trained model does carry the past: the control is not vacuous
    assert not np.allclose(rnnlib.hidden_states(m, VOCAB, 'x(12"ab')[-1],
                           rnnlib.hidden_states(m, VOCAB, '"b')[-1])


# --- partial correlation -----------------------------------------------------------------

def test_partial_correlation_given_two_variables_is_the_recursive_formula():
    rng = np.random.default_rng(4)
    z1, z2 = rng.normal(size=(2, 300))
    x = z1 + 0.5 * z2 + rng.normal(size=300)
    y = -z1 + z2 + 0.3 * x + rng.normal(size=300)
    r = probes.partial_correlation
    # r(x, y | z1, z2) = (r(x,y|z1) - r(x,z2|z1) r(y,z2|z1)) / sqrt((1 - r(x,z2|z1)^2)(1 - r(y,z2|z1)^2))
    a, b, c = r(x, y, z1), r(x, z2, z1), r(y, z2, z1)
    want = (a - b * c) / np.sqrt((1 - b ** 2) * (1 - c ** 2))
    assert r(x, y, np.stack([z1, z2], axis=1)) == pytest.approx(want, rel=1e-10)


def test_partial_correlation_errors_are_clear():
    with pytest.raises(ValueError, match=r"partial_correlation: y should have shape \(4,\)"):
        probes.partial_correlation(np.arange(4.0), np.arange(3.0), np.arange(4.0))
    with pytest.raises(ValueError, match=r"z should have shape \(4,\) or \(4, K\)"):
        probes.partial_correlation(np.arange(4.0), np.arange(4.0), np.arange(5.0))
    with pytest.raises(TypeError, match="x should hold numbers"):
        probes.partial_correlation(np.array(list("abcd")), np.arange(4.0), np.arange(4.0))


# --- clamped_run -------------------------------------------------------------------------

def hand_run(model, text, unit, value, where):
    """The clamped run as a plain loop of tanh steps with torch's weight layout."""
    p = model.params
    Wih, Whh = p["rnn.weight_ih_l0"], p["rnn.weight_hh_l0"]
    b = p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]
    h, hs, ps = np.zeros(model.hidden_size), [], []
    for t, ch in enumerate(text):
        h = np.tanh(Wih @ np.eye(len(VOCAB))[VOCAB.index[ch]] + Whh @ h + b)
        if where[t]:
            h[unit] = value
        z = p["head.weight"] @ h + p["head.bias"]
        hs.append(h.copy())
        ps.append(np.exp(z - z.max()) / np.exp(z - z.max()).sum())
    return np.array(hs), np.array(ps)


def test_clamped_run_without_clamping_is_the_models_own_run():
    m = small_model(seed=5)
    states, probs = probes.clamped_run(m, VOCAB, TEXT, 0, 0.0, np.zeros(len(TEXT), bool))
    np.testing.assert_allclose(states, rnnlib.hidden_states(m, VOCAB, TEXT), atol=1e-14)
    np.testing.assert_allclose(probs[:-1], explore.next_char_probs(m, VOCAB, TEXT), atol=1e-14)
    none_held = probes.clamped_run(m, VOCAB, TEXT, [], [], np.ones(len(TEXT), bool))   # K = 0
    np.testing.assert_allclose(none_held[0], states, atol=0)


def test_clamped_run_holds_the_unit_and_the_change_travels_on():
    m = small_model(seed=6)
    where = np.zeros(len(TEXT), bool)
    where[3:9] = True
    states, probs = probes.clamped_run(m, VOCAB, TEXT, 2, 0.9, where)
    hs, ps = hand_run(m, TEXT, 2, 0.9, where)
    np.testing.assert_allclose(states, hs, atol=1e-14)
    np.testing.assert_allclose(probs, ps, atol=1e-14)
    assert (states[where, 2] == 0.9).all()
    free = rnnlib.hidden_states(m, VOCAB, TEXT)
    np.testing.assert_allclose(states[:3], free[:3], atol=1e-14)        # before: untouched
    assert not np.allclose(states[9], free[9])                          # after: it carries on
    # several units at once
    s2, _ = probes.clamped_run(m, VOCAB, TEXT, [0, 4], [-0.5, 0.25], where)
    assert (s2[where][:, [0, 4]] == [-0.5, 0.25]).all()


def test_clamped_run_errors_are_clear():
    m = small_model()
    T = len(TEXT)
    no = np.zeros(T, bool)
    with pytest.raises(ValueError, match=r"units should be a unit number or a list of them, each from 0 to 4"):
        probes.clamped_run(m, VOCAB, TEXT, 5, 0.0, no)
    with pytest.raises(ValueError, match="values should be 2 number"):
        probes.clamped_run(m, VOCAB, TEXT, [0, 1], [0.0], no)
    with pytest.raises(ValueError, match=rf"where should be a bool array of shape \({T},\)"):
        probes.clamped_run(m, VOCAB, TEXT, 0, 0.0, np.zeros(T))
    with pytest.raises(ValueError, match="one plain RNN layer"):
        probes.clamped_run(small_model(cell="lstm"), VOCAB, TEXT, 0, 0.0, no)


# --- character classes -------------------------------------------------------------------

def test_char_classes_and_number_positions_by_hand():
    text = 'n = 407 + "a"\n[x]'
    assert list(probes.char_classes(text)) == [
        "letter", "space", "equals", "space", "digit", "digit", "digit", "space", "operator",
        "space", "quote", "letter", "quote", "newline", "open bracket", "letter", "close bracket"]
    assert probes.number_positions("x = 407, 5\n12").tolist() == [0, 0, 0, 0, 1, 2, 3, 0, 0, 1, 0, 1, 2]


def test_class_means_by_hand():
    rows = probes.class_means([1.0, -1.0, 3.0, 0.5], ["digit", "space", "digit", "zzz"])
    assert rows == [("digit", 2, 2.0, 1.0), ("space", 1, -1.0, 0.0), ("zzz", 1, 0.5, 1.0)]
    with pytest.raises(ValueError, match=r"labels should have shape \(2,\)"):
        probes.class_means([1.0, 2.0], ["a"])


# --- scale ----------------------------------------------------------------------------------

def test_readout_r_and_partial_correlation_do_not_change_with_the_scale():
    rng = np.random.default_rng(5)
    s, t = rng.normal(size=(40, 3)), rng.normal(size=(30, 3))
    f, g = s @ [1.0, -2.0, 0.5] + rng.normal(0, 0.3, 40), t @ [1.0, -2.0, 0.5] + rng.normal(0, 0.3, 30)
    r = probes.readout_r(s, f, t, g)
    for scale in (1e-7, 1e-200, 1e200):
        assert probes.readout_r(s * scale, f, t * scale, g) == pytest.approx(r, rel=1e-9)
        assert probes.readout_r(s, f * scale, t, g * scale) == pytest.approx(r, rel=1e-9)
    x, y, z = f[:30], g, t[:, 0]
    pc = probes.partial_correlation(x, y, z)
    for scale in (1e-7, 1e-150, 1e150):
        assert probes.partial_correlation(x, y, z * scale) == pytest.approx(pc, rel=1e-9)
        assert probes.partial_correlation(x * scale, y, z) == pytest.approx(pc, rel=1e-9)
