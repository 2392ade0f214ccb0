"""The facts notebook 02 states about the recurrent matrix W_h = g R(theta), recomputed here
(they used to be asserts in the learner's cells). The RNN is the notebook's rnnlib.RNN(4, 2,
seed=2) on the vocabulary h, e, l, o; each step is written out with numpy, not rnn_forward."""
import itertools

import numpy as np
import pytest

import rnnlib

SEED = 2
LETTERS = "helo"


@pytest.fixture(scope="module")
def weights():
    sd = rnnlib.RNN(4, 2, seed=SEED).state_dict()
    return sd["weight_ih_l0"].T, sd["bias_ih_l0"] + sd["bias_hh_l0"]      # Wx (4, 2), b (2,)


def rotation(theta):
    """The transposed textbook rotation: h @ R(theta) turns the row h by theta, counter-clockwise."""
    c, s = np.cos(np.radians(theta)), np.sin(np.radians(theta))
    return np.array([[c, s], [-s, c]])


def states(word, Wx, b, input_gain=1.0, g=1.0, theta=30.0):
    h, out = np.zeros(2), []
    for ch in word:
        h = np.tanh(input_gain * Wx[LETTERS.index(ch)] + h @ (g * rotation(theta)) + b)
        out.append(h)
    return np.array(out)


def test_the_widgets_rotation_is_the_transposed_textbook_matrix():
    from rnnlib.widgets import rotation as widget_rotation
    for theta in (0, 30, 90, 125):
        np.testing.assert_allclose(widget_rotation(theta), rotation(theta), atol=1e-15)


def test_small_gain_settles_on_a_fixed_point_shrinking_by_g(weights):
    Wx, b = weights
    s = states("hello" + "o" * 12, Wx, b, g=0.6, theta=60)
    c = Wx[LETTERS.index("o")] + b
    h_star = np.zeros(2)
    for _ in range(200):
        h_star = np.tanh(c + h_star @ (0.6 * rotation(60)))
    dist = np.linalg.norm(s - h_star, axis=1)[4:]
    assert np.all(dist[1:] <= 0.6 * dist[:-1])


def test_gain_1_5_settles_without_a_contraction(weights):
    Wx, b = weights
    Wh = 1.5 * rotation(30)
    c = Wx[LETTERS.index("o")] + b
    h_star = np.zeros(2)
    for _ in range(200):
        h_star = np.tanh(c + h_star @ Wh)
    local = Wh * (1 - h_star ** 2)[None, :]
    s = states("hello" + "o" * 12, Wx, b, g=1.5, theta=30)
    assert np.linalg.norm(Wh, 2) > 1 > np.linalg.norm(local, 2)
    assert np.linalg.norm(s[-1] - h_star) < 1e-4


def test_a_quarter_turn_with_gain_2_circles_with_period_4(weights):
    Wx, b = weights
    s = states("l" * 24, Wx, b, g=2.0, theta=90)
    turns = np.diff(np.degrees(np.arctan2(s[:, 1], s[:, 0]))) % 360
    assert np.all((turns[4:] > 80) & (turns[4:] < 100))
    assert np.allclose(s[-4:], s[-8:-4], atol=1e-6) and not np.allclose(s[-1], s[-2], atol=1e-2)


def test_exercise_4_period_3_at_125_degrees_not_at_120(weights):
    Wx, b = weights
    s120, s125 = (states("l" * 200, Wx, b, g=2.5, theta=th) for th in (120, 125))
    assert not np.allclose(s120[-3:], s120[-6:-3], atol=1e-9)
    assert np.allclose(s125[-3:], s125[-6:-3], atol=1e-9) and not np.allclose(s125[-1], s125[-2], atol=1e-2)


def test_section_7c_corner_and_its_inset(weights):
    """From the second letter on, 'hello' x 4 stays in the corner (-1, +1); the last pass and the
    o before it lie inside the inset's limits; o drops unit 1 to 0.8928."""
    Wx, b = weights
    s = states("hello" * 4, Wx, b, input_gain=3.0, g=3.0, theta=0)
    assert np.all(s[1:, 0] < -0.89) and np.all(s[1:, 1] > 0.89)
    slopes = 1 - s[1:] ** 2
    assert slopes.max() < 0.21 and (slopes < 0.1).sum() == 30
    last = s[14:]
    assert np.all((last[:, 0] > -1.006) & (last[:, 0] < -0.93) & (last[:, 1] > 0.885) & (last[:, 1] < 1.006))
    assert round(s[19, 1], 4) == 0.8928


def corner_escapes(word, Wx, b):
    s = states(word, Wx, b, input_gain=3.0, g=3.0, theta=0)
    return bool((np.sign(s) != np.sign(s[0])).any())


def test_418_of_5460_words_leave_their_first_corner_and_loo_is_the_first(weights):
    Wx, b = weights
    words = ["".join(p) for n in range(1, 7) for p in itertools.product(LETTERS, repeat=n)]
    escaped = [w for w in words if corner_escapes(w, Wx, b)]
    assert (len(escaped), len(words)) == (418, 5460)
    assert min(len(w) for w in escaped) == 3
    assert escaped[0] == "loo" and not corner_escapes("hello", Wx, b)


def test_exercise_6_threshold_by_bisection(weights):
    """c*: the push at which h <- tanh(3h + c) loses its positive fixed point, found by searching c
    (not by the tangency formula the answer derives): -1.3033."""
    def has_positive_fixed_point(c):
        h = np.linspace(1e-6, 1, 200001)
        return np.any(np.tanh(3 * h + c) >= h)
    lo, hi = -2.0, 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if has_positive_fixed_point(mid) else (mid, hi)
    assert hi == pytest.approx(-1.3033, abs=1e-4)
    Wx, b = weights
    push = 3 * Wx + b
    assert np.all(push[LETTERS.index("o")] < hi) and -push[LETTERS.index("e"), 1] < hi
