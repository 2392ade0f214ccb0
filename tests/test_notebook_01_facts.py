"""The facts notebook 01 teaches, recomputed from scratch with the notebook's seed.

The expected values are the explicit formulas y0 = tanh(x0 Wx + b), y1 = tanh(y0 Wy + x1 Wx + b)
written out as sums of products; rnnlib must agree with them.
"""
import json
from pathlib import Path

import numpy as np

import rnnlib

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_two_timesteps_by_hand.ipynb"
SEED = 11                                        # the notebook's np.random.default_rng(11)
X0 = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
X1 = np.array([[100.0, 101.0], [102.0, 103.0], [104.0, 105.0]])


def seed_weights():
    """Wx (2, 3), Wy (3, 3), drawn as the notebook draws them; b zeros (1, 3) as in the tutorial "Manually Create a RNN w/ TF"."""
    rng = np.random.default_rng(SEED)
    Wx = rng.standard_normal((2, 3))
    Wy = rng.standard_normal((3, 3))
    return Wx, Wy, np.zeros((1, 3))


def two_steps_by_formula(x0, x1, Wx, Wy, b):
    """Every entry as an explicit sum: no matrix product, no broadcasting."""
    N, F = x0.shape
    H = Wx.shape[1]
    y0, y1 = np.zeros((N, H)), np.zeros((N, H))
    for n in range(N):
        for j in range(H):
            y0[n, j] = np.tanh(sum(x0[n, i] * Wx[i, j] for i in range(F)) + b[0, j])
    for n in range(N):
        for j in range(H):
            y1[n, j] = np.tanh(sum(y0[n, k] * Wy[k, j] for k in range(H))
                               + sum(x1[n, i] * Wx[i, j] for i in range(F)) + b[0, j])
    return y0, y1


def test_notebook_uses_this_seed_and_data():
    source = "".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"]
                     if c["cell_type"] == "code")
    assert f"np.random.default_rng({SEED})" in source
    assert "[[100, 101], [102, 103], [104, 105]]" in source and "[[0, 1], [2, 3], [4, 5]]" in source


def test_two_hand_steps_match_rnn_forward():
    Wx, Wy, b = seed_weights()
    y0, y1 = two_steps_by_formula(X0, X1, Wx, Wy, b)
    h, _ = rnnlib.rnn_forward(np.stack([X0, X1], axis=1), np.zeros((3, 3)), Wx, Wy, b.ravel())
    np.testing.assert_allclose(h[:, 0], y0, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h[:, 1], y1, rtol=1e-12, atol=1e-15)


def test_raw_inputs_saturate_and_scaled_ones_do_not():
    """The notebook's claims: raw y1 is exactly +-1 (slope 0, rows identical, a nudge does
    nothing); after standardising, every slope is above 0.1 and the nudge shows."""
    Wx, Wy, b = seed_weights()
    y0, y1 = two_steps_by_formula(X0, X1, Wx, Wy, b)
    assert np.all(np.abs(y1) == 1.0) and np.all(1 - y1**2 == 0.0)
    assert np.array_equal(y1[0], y1[1]) and np.array_equal(y1[1], y1[2])
    nudged = X1.copy()
    nudged[0, 0] += 1.0
    assert np.array_equal(two_steps_by_formula(X0, nudged, Wx, Wy, b)[1], y1)

    x = np.stack([X0, X1], axis=1)
    mean, std = x.mean(axis=(0, 1)), x.std(axis=(0, 1))
    _, ys1 = two_steps_by_formula((X0 - mean) / std, (X1 - mean) / std, Wx, Wy, b)
    _, ys1_nudged = two_steps_by_formula((X0 - mean) / std, (nudged - mean) / std, Wx, Wy, b)
    assert (1 - ys1**2).min() > 0.1
    assert np.abs(ys1_nudged - ys1).max() > 0.01


def test_what_the_widget_section_tells_the_learner_to_notice():
    """The step-through section's prompts: the terms are below 4 at t = 0 (below 1 for sample
    0) and above 100 at t = 1, sample 2 (inputs 4 and 5) is saturated already at t = 0 (slope
    below 0.1), and at t = 1 the pre-activations differ between samples while the states are
    identical."""
    Wx, Wy, b = seed_weights()
    a0 = np.array([[sum(X0[n, i] * Wx[i, j] for i in range(2)) for j in range(3)] for n in range(3)])
    assert 3 < np.abs(a0).max() < 4 and np.abs(a0[0]).max() < 1
    assert np.all(1 - np.tanh(a0[2]) ** 2 < 0.1)
    y0, y1 = two_steps_by_formula(X0, X1, Wx, Wy, b)
    a1 = np.array([[sum(y0[n, k] * Wy[k, j] for k in range(3))
                    + sum(X1[n, i] * Wx[i, j] for i in range(2)) for j in range(3)] for n in range(3)])
    assert np.abs(a1).max() > 100 and len({tuple(r) for r in np.round(a1, 4)}) == 3
    assert len({tuple(r) for r in y1}) == 1


def test_scaled_features_coincide_because_the_second_is_the_first_plus_one():
    x = np.stack([X0, X1], axis=1)
    assert np.array_equal(x[..., 1], x[..., 0] + 1)
    xs = (x - x.mean(axis=(0, 1))) / x.std(axis=(0, 1))
    np.testing.assert_allclose(xs[..., 0], xs[..., 1], rtol=0, atol=1e-12)


def test_exercise_4_settles_although_the_recurrent_weights_are_large():
    """Exercise 4's answer: ||Wy||_2 = 2.55 > 1, yet the state settles, because near the fixed
    point the saturated units' slopes shrink the map h -> tanh(x Wx + h Wy) to a gain below 1."""
    Wx, Wy, b = seed_weights()
    x = np.stack([X0, X1], axis=1)
    xs0 = ((x - x.mean(axis=(0, 1))) / x.std(axis=(0, 1)))[:, 0]
    assert round(float(np.linalg.svd(Wy, compute_uv=False)[0]), 2) == 2.55
    h = np.zeros((3, 3))
    for _ in range(200):                                  # iterate to the fixed point
        h = np.tanh(xs0 @ Wx + h @ Wy + b)
    np.testing.assert_allclose(h, np.tanh(xs0 @ Wx + h @ Wy + b), atol=1e-12)
    slope = 1 - h[0] ** 2
    gain = np.linalg.svd(Wy * slope, compute_uv=False)[0]   # d h_t / d h_(t-1) = Wy diag(slope)
    assert gain < 1 and round(float(gain), 2) == 0.84
