"""rnnlib.probes given what a hostile or careless caller passes: every call gets a ValueError or
TypeError whose message starts with the function called (readout_r names itself, not the
fit_readout it calls), names the argument, and says what came; no numpy message and no warning
gets through. Series that go together must have the same length; unit numbers are never
counted from the end; nothing is broadcast.

Each row: (function as the message names it, the argument, the call, the error, words the
message must hold besides those two)."""
import numpy as np
import pytest

import rnnlib
from rnnlib import probes

from boundary import case_ids, clear_error

TEXT = 'x = (12, "ab")\n'
VOCAB = rnnlib.Vocab(TEXT, order="sorted")
V, T = len(VOCAB), len(TEXT)
MODEL = rnnlib.SequenceModel(V, 5, V, seed=0)
NO = np.zeros(T, bool)
S = np.random.default_rng(0).normal(size=(20, 3))
F = np.arange(20.0)


def nan_model():
    m = rnnlib.SequenceModel(V, 5, V, seed=0)
    m.params["rnn.bias_hh_l0"][4] = np.nan
    return m


def exploding():
    m = rnnlib.SequenceModel(V, 5, V, nonlinearity="relu", seed=0)
    m.load_state_dict({k: np.abs(p) + 0.1 for k, p in m.state_dict().items()}
                      | {"rnn.weight_hh_l0": 1e200 * np.eye(5)})
    return m


CASES = [
    # fit_readout
    ("fit_readout", "states", lambda: probes.fit_readout(S[:, 0], F), ValueError, ["(T, H)", "(20,)"]),
    ("fit_readout", "states", lambda: probes.fit_readout(S * np.inf, F), ValueError, ["inf"]),
    ("fit_readout", "states", lambda: probes.fit_readout(S.astype(int), F), TypeError, ["int64"]),
    ("fit_readout", "feature", lambda: probes.fit_readout(S, F[:-1]), ValueError, ["(20,)", "(19,)"]),
    ("fit_readout", "feature", lambda: probes.fit_readout(S, F[:, None]), ValueError, ["(20, 1)"]),
    ("fit_readout", "feature", lambda: probes.fit_readout(S, F.astype(str)), TypeError, ["<U"]),
    ("fit_readout", "feature", lambda: probes.fit_readout(S, np.r_[np.nan, F[1:]]), ValueError, ["nan"]),
    ("fit_readout", "feature", lambda: probes.fit_readout(S, None), TypeError, ["object"]),
    ("fit_readout", "feature", lambda: probes.fit_readout(S, [[1.0], [2.0, 3.0]] * 10), TypeError,
     ["different lengths"]),
    # readout_r: every argument named as readout_r's own
    ("readout_r", "fit_states", lambda: probes.readout_r(S[0], F, S, F), ValueError, ["(3,)"]),
    ("readout_r", "fit_states", lambda: probes.readout_r(S * np.nan, F, S, F), ValueError, ["nan"]),
    ("readout_r", "fit_feature", lambda: probes.readout_r(S, F[:5], S, F), ValueError, ["(20,)"]),
    ("readout_r", "states", lambda: probes.readout_r(S, F, S[:, :2], F), ValueError,
     ["same number of units", "(3)"]),
    ("readout_r", "states", lambda: probes.readout_r(S, F, S.astype(np.complex128), F), TypeError,
     ["complex128"]),
    ("readout_r", "feature", lambda: probes.readout_r(S, F, S[:10], F), ValueError, ["(10,)", "(20,)"]),
    ("readout_r", "feature", lambda: probes.readout_r(S, F, S, "F"), TypeError, ["<U1"]),
    # untrained_like / without_memory
    ("untrained_like", "model", lambda: probes.untrained_like(rnnlib.RNN(3, 4)), TypeError, ["RNN"]),
    ("untrained_like", "model", lambda: probes.untrained_like(nan_model()), ValueError, ["not finite"]),
    ("untrained_like", "seed", lambda: probes.untrained_like(MODEL, -3), ValueError, ["-3"]),
    ("untrained_like", "seed", lambda: probes.untrained_like(MODEL, "0"), TypeError, ["'0'"]),
    ("without_memory", "model", lambda: probes.without_memory(None), TypeError, ["NoneType"]),
    ("without_memory", "model", lambda: probes.without_memory(nan_model()), ValueError,
     ["rnn.bias_hh_l0", "nan"]),
    # partial_correlation
    ("partial_correlation", "x", lambda: probes.partial_correlation(F[:1], F[:1], F[:1]), ValueError,
     ["at least 2"]),
    ("partial_correlation", "x", lambda: probes.partial_correlation(S, F, F), ValueError, ["(20, 3)"]),
    ("partial_correlation", "y", lambda: probes.partial_correlation(F, F[:-2], F), ValueError, ["(18,)"]),
    ("partial_correlation", "y", lambda: probes.partial_correlation(F, np.r_[F[1:], np.inf], F), ValueError,
     ["inf"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, F[:-1]), ValueError,
     ["(20,) or (20, K)"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, S.T), ValueError, ["(3, 20)"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, S[None]), ValueError,
     ["(1, 20, 3)"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, F.astype(str)), TypeError, ["<U"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, np.r_[np.nan, F[1:]]), ValueError,
     ["nan"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, [[1.0], [2.0, 3.0]]), TypeError,
     ["different lengths"]),
    ("partial_correlation", "z", lambda: probes.partial_correlation(F, F, None), TypeError, ["object"]),
    # clamped_run
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, -1, 0.0, NO), ValueError,
     ["from 0 to 4", "-1", "not count from the end"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 5, 0.0, NO), ValueError,
     ["from 0 to 4"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 1.0, 0.0, NO), TypeError,
     ["float64"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, True, 0.0, NO), TypeError,
     ["bool"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, "2", 0.0, NO), TypeError,
     ["<U1"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, [[0, 1]], [0.0, 0.0], NO),
     ValueError, ["[[0, 1]]"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, [[0], [1, 2]], 0.0, NO),
     TypeError, ["different lengths"]),
    ("clamped_run", "units", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, [2, 2], [0.1, 0.9], NO),
     ValueError, ["distinct"]),
    ("clamped_run", "values", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, [0, 1], 0.5, NO), ValueError,
     ["2 number(s)"]),
    ("clamped_run", "values", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, [0.5, 0.5], NO), ValueError,
     ["1 number(s)"]),
    ("clamped_run", "values", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, np.nan, NO), ValueError,
     ["nan"]),
    ("clamped_run", "values", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, True, NO), TypeError,
     ["bool"]),
    ("clamped_run", "values", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, "0.5", NO), TypeError,
     ["<U3"]),
    ("clamped_run", "values",
     lambda: probes.clamped_run(rnnlib.SequenceModel(V, 5, V, dtype=np.float32), VOCAB, TEXT, 0, 1e300, NO),
     ValueError, ["float32"]),
    ("clamped_run", "where", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, 0.0, NO[:-1]), ValueError,
     [f"({T},)", f"({T - 1},)"]),
    ("clamped_run", "where", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, 0.0, np.zeros(T, int)),
     ValueError, ["int64"]),
    ("clamped_run", "where", lambda: probes.clamped_run(MODEL, VOCAB, TEXT, 0, 0.0, None), ValueError,
     ["object"]),
    ("clamped_run", "model", lambda: probes.clamped_run(nan_model(), VOCAB, TEXT, 0, 0.0, NO), ValueError,
     ["not finite"]),
    ("clamped_run", "model", lambda: probes.clamped_run(exploding(), VOCAB, TEXT, 0, 0.0, NO), ValueError,
     ["overflowed"]),
    ("clamped_run", "model",
     lambda: probes.clamped_run(rnnlib.SequenceModel(V, 5, V, num_layers=2), VOCAB, TEXT, 0, 0.0, NO),
     ValueError, ["num_layers=2"]),
    ("clamped_run", "vocab", lambda: probes.clamped_run(MODEL, rnnlib.Vocab("abc"), TEXT, 0, 0.0, NO),
     ValueError, ["input_size"]),
    ("clamped_run", "text", lambda: probes.clamped_run(MODEL, VOCAB, "", 0, 0.0, NO[:0]), ValueError,
     ["0 characters"]),
    # char_classes, number_positions, class_means
    ("char_classes", "text", lambda: probes.char_classes(None), TypeError, ["NoneType"]),
    ("char_classes", "text", lambda: probes.char_classes(list("ab")), TypeError, ["list"]),
    ("number_positions", "text", lambda: probes.number_positions(b"12"), TypeError, ["bytes"]),
    ("number_positions", "text", lambda: probes.number_positions(12), TypeError, ["int"]),
    ("class_means", "labels", lambda: probes.class_means([1.0, 2.0, 3.0], ["a", "b"]), ValueError,
     ["(3,)", "(2,)"]),
    ("class_means", "labels", lambda: probes.class_means([1.0, 2.0], "ab"), ValueError, ["()"]),
    ("class_means", "labels", lambda: probes.class_means([1.0, 2.0], [[1], [2, 3]]), TypeError,
     ["hashable", "list"]),
    ("class_means", "labels", lambda: probes.class_means([1.0, 2.0], np.array([{}, {}], dtype=object)),
     TypeError, ["hashable", "dict"]),
    ("class_means", "values", lambda: probes.class_means([1.0], ["a"]), ValueError, ["at least 2"]),
    ("class_means", "values", lambda: probes.class_means([1.0, np.nan], ["a", "b"]), ValueError, ["nan"]),
    ("class_means", "values", lambda: probes.class_means(["1", "2"], ["a", "b"]), TypeError, ["<U1"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


def test_the_controls_keep_the_records_and_leave_the_model_alone():
    m = rnnlib.SequenceModel(V, 5, V, seed=1)
    m.symbols, m.train_text = "".join(VOCAB.symbols), {"note": "x"}
    before = m.state_dict()
    nm = probes.without_memory(m)
    assert (nm.symbols, nm.train_text) == (m.symbols, m.train_text)
    assert all(np.array_equal(m.params[k], p) for k, p in before.items())
    where = np.ones(T, bool)
    values = np.array([0.3])
    probes.clamped_run(m, VOCAB, TEXT, [2], values, where)
    assert values.tolist() == [0.3] and where.all()
    assert all(np.array_equal(m.params[k], p) for k, p in before.items())


@pytest.mark.filterwarnings("error")
def test_huge_and_tiny_values_fit_as_well_as_ordinary_ones():
    # least squares and r do not depend on the units: the same w, and c scaled with the feature
    w, c = probes.fit_readout(S, 2 * F + 1)
    for scale in (1e-300, 1e300):
        w_s, c_s = probes.fit_readout(S, scale * (2 * F + 1))
        np.testing.assert_allclose(w_s, scale * w, rtol=1e-9, atol=0)
        assert c_s == pytest.approx(scale * c, rel=1e-9)
    r = probes.partial_correlation(F + S[:, 0], F + S[:, 1], F)
    for scale in (1e-150, 1e150):
        got = probes.partial_correlation(scale * (F + S[:, 0]), scale * (F + S[:, 1]), scale * F)
        assert got == pytest.approx(r, rel=1e-9)
