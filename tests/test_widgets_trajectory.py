"""The hidden-state trajectory widget of notebook 02 (rnnlib.widgets.HiddenTrajectory) and its
figure (rnnlib.plots.trajectory_figure).

Expected states are computed here by hand, one np.tanh per character, from the weights of a
freshly built rnnlib.RNN with the same seed and a rotation matrix written out with cos and sin,
so a mistake in the widget's weight handling or in its call of the RNN shows up.
"""
import re
import statistics
import time

import numpy as np
import pytest
from matplotlib.figure import Figure

import rnnlib
from rnnlib.plots import trajectory_figure
from rnnlib.widgets import HiddenTrajectory, rotation

SYMBOLS = "helo"
FINAL = re.compile(r"final state h = \(([-+]\d\.\d{4}), ([-+]\d\.\d{4})\) after (\d+) steps")


def by_hand(word, seed=0, input_gain=1.0, recurrent_gain=1.0, theta=30.0, repeat=1):
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b), h_{-1} = 0, with Wh = g [[cos, sin], [-sin, cos]]."""
    sd = rnnlib.RNN(4, 2, seed=seed).state_dict()
    Wx = input_gain * sd["weight_ih_l0"].T                      # (4, 2)
    b = sd["bias_ih_l0"] + sd["bias_hh_l0"]                     # (2,)
    c, s = np.cos(np.radians(theta)), np.sin(np.radians(theta))
    Wh = recurrent_gain * np.array([[c, s], [-s, c]])           # (2, 2)
    h = np.zeros(2)
    for ch in word * repeat:
        h = np.tanh(np.eye(4)[SYMBOLS.index(ch)] @ Wx + h @ Wh + b)
    return h


def shown_state(explorer):
    """The final state and step count the widget printed, parsed back from its Output."""
    m = FINAL.search(explorer.shown_text())
    assert m, f"no final state in the Output: {explorer.shown_text()!r}"
    return np.array([float(m.group(1)), float(m.group(2))]), int(m.group(3))


def settings(e):
    return dict(input_gain=e.input_gain.value, recurrent_gain=e.recurrent_gain.value,
                theta=e.theta.value, repeat=e.repeat.value)


@pytest.fixture
def explorer():
    return HiddenTrajectory(rnnlib.Vocab(SYMBOLS), word="hello", seed=0)


def test_first_draw_shows_the_figure_and_the_hand_computed_final_state(explorer):
    kinds = [o["output_type"] for o in explorer.out.outputs]
    assert kinds == ["display_data", "stream"]
    assert "image/png" in explorer.out.outputs[0]["data"]
    h, steps = shown_state(explorer)
    assert steps == 5
    np.testing.assert_allclose(h, by_hand("hello", **settings(explorer)), atol=5.1e-5)


def test_typing_a_new_word_changes_the_output(explorer):
    before = explorer.shown_text()
    explorer.word.value = "hole"
    assert explorer.shown_text() != before
    h, steps = shown_state(explorer)
    assert steps == 4
    np.testing.assert_allclose(h, by_hand("hole", **settings(explorer)), atol=5.1e-5)


@pytest.mark.parametrize("name, value", [("input_gain", 2.5), ("recurrent_gain", 0.4),
                                         ("theta", 90.0), ("theta", -135.0), ("repeat", 3)])
def test_moving_a_slider_changes_the_output(explorer, name, value):
    before = explorer.shown_text()
    getattr(explorer, name).value = value
    assert explorer.shown_text() != before
    h, steps = shown_state(explorer)
    assert steps == 5 * explorer.repeat.value
    np.testing.assert_allclose(h, by_hand("hello", **settings(explorer)), atol=5.1e-5)


def test_weights_follow_the_sliders(explorer):
    explorer.input_gain.value, explorer.recurrent_gain.value, explorer.theta.value = 2.0, 1.5, 90.0
    Wx, Wh, b = explorer.weights()
    sd = rnnlib.RNN(4, 2, seed=0).state_dict()
    np.testing.assert_allclose(Wx, 2.0 * sd["weight_ih_l0"].T, rtol=1e-15)
    np.testing.assert_allclose(Wh, [[0.0, 1.5], [-1.5, 0.0]], atol=1e-15)
    np.testing.assert_allclose(b, sd["bias_ih_l0"] + sd["bias_hh_l0"], rtol=1e-15)


def test_rotation_turns_row_vectors_counter_clockwise():
    np.testing.assert_allclose(np.array([1.0, 0.0]) @ rotation(90), [0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(np.array([0.0, 1.0]) @ rotation(90), [-1.0, 0.0], atol=1e-15)
    r = np.array([0.6, -0.8]) @ rotation(37)
    assert np.isclose(np.hypot(*r), 1.0)                  # a rotation keeps the length


def test_rotation_is_the_transposed_textbook_rotation():
    c, s = np.cos(np.radians(37)), np.sin(np.radians(37))
    textbook = np.array([[c, -s], [s, c]])                # turns column vectors from the left
    np.testing.assert_allclose(rotation(37), textbook.T, rtol=1e-15)
    h = np.array([0.6, -0.8])
    np.testing.assert_allclose(h @ rotation(37), textbook @ h, rtol=1e-15)


@pytest.mark.parametrize("word, letters", [("help", "'p'"), ("Hello", "'H'"), ("hexyo", "'x', 'y'")])
def test_unknown_letters_give_a_friendly_message(explorer, word, letters):
    explorer.word.value = word
    text = explorer.shown_text()
    assert letters in text and "h, e, l, o" in text and "Traceback" not in text
    assert "final state" not in text
    assert [o["output_type"] for o in explorer.out.outputs] == ["stream"]   # no stale figure
    if word == "Hello":
        assert "lower case" in text
    explorer.word.value = "hello"                                            # and it recovers
    np.testing.assert_allclose(shown_state(explorer)[0], by_hand("hello", **settings(explorer)),
                               atol=5.1e-5)


@pytest.mark.parametrize("word", ["", "   "])
def test_an_empty_word_asks_for_one(explorer, word):
    explorer.word.value = word
    assert "Type a word" in explorer.shown_text()


def test_a_long_word_is_cut_and_says_so(explorer):
    explorer.word.value = "l" * 100
    h, steps = shown_state(explorer)
    assert steps == HiddenTrajectory.MAX_LETTERS
    assert f"only the first {HiddenTrajectory.MAX_LETTERS} letters" in explorer.shown_text()
    np.testing.assert_allclose(h, by_hand("l" * HiddenTrajectory.MAX_LETTERS, **settings(explorer)),
                               atol=5.1e-5)


def test_extreme_values_of_every_control_raise_nothing(explorer):
    sliders = [explorer.input_gain, explorer.recurrent_gain, explorer.theta, explorer.repeat]
    for word in ["hello", "", "o", "hellx", "l" * 50]:
        explorer.word.value = word
        for s in sliders:
            for value in (s.min, s.max):
                s.value = value
                assert explorer.shown_text().strip()
    for s in sliders:                                       # all at their maximum together
        s.value = s.max
    explorer.word.value = "hello"
    h, steps = shown_state(explorer)
    assert steps == 5 * explorer.repeat.max
    np.testing.assert_allclose(h, by_hand("hello", **settings(explorer)), atol=5.1e-5)


def test_repr_is_stable_and_names_the_settings(explorer):
    explorer.theta.value = 90.0
    r = repr(explorer)
    assert r == repr(explorer)
    assert "0x" not in r and "Vocab('helo')" in r and "theta=90" in r and "word='hello'" in r


def test_a_slider_move_redraws_in_well_under_100_ms(explorer):
    explorer.word.value = "hello"
    explorer.repeat.value = 2
    explorer.theta.value = 0.0                              # warm up caches (fonts, figure)
    times = []
    for i in range(15):
        # CPU time of this process, so another busy process cannot fail the test; on an
        # idle core it equals the wall time the learner waits
        t0 = time.process_time()
        explorer.theta.value = -150.0 + 20 * i
        times.append(time.process_time() - t0)
    # The requirement is "well under 100 ms" (benchmarks/bench_widgets.py measures it, ~10-40 ms
    # on an idle core); this bound only catches a redraw gone slow, with room for a busy machine.
    assert statistics.median(times) < 0.25, f"median redraw {statistics.median(times):.3f} s"


# --- the figure ---------------------------------------------------------------------------

def _path_texts(fig):
    return [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "path"]


def test_trajectory_figure_labels_each_step_and_reuses_a_figure():
    states = np.array([[0.1, 0.2], [-0.3, 0.5], [0.9, -0.9]])
    fig = trajectory_figure(states, list("hel"), title="hel")
    assert isinstance(fig, Figure) and _path_texts(fig) == ["0:h", "1:e", "2:l"]
    again = trajectory_figure(states[:2], list("ho"), fig=fig)
    assert again is fig and _path_texts(fig) == ["0:h", "1:o"]    # the old path is gone
    six = np.array([[-0.8, 0.8], [0.0, 0.8], [0.8, 0.8], [-0.8, -0.8], [0.0, -0.8], [0.8, -0.8]])
    many = trajectory_figure(six, list("helhel"), word_length=3)
    assert _path_texts(many) == ["3:h", "4:e", "5:l"]              # only the last pass


def test_the_two_ls_of_hello_are_told_apart_by_their_step():
    # The step number says which l came first, even where the path crosses itself.
    states = np.array([[-0.5, 0.5], [-0.2, 0.4], [0.4, -0.2], [0.1, 0.1], [-0.6, -0.3]])
    assert _path_texts(trajectory_figure(states, list("hello"))) == ["0:h", "1:e", "2:l", "3:l", "4:o"]


def test_states_that_settle_share_one_label():
    # Twelve o's closing in on a fixed point (each step halves the distance): one label for
    # the steps that sit on the point, not twelve piled into a blob.
    h_star = np.array([-0.5, -0.5])
    settling = h_star + 0.5 ** np.arange(1, 13)[:, None] * np.array([1.0, 0.6])   # (12, 2)
    states = np.vstack([[[0.5, 0.5], [0.2, -0.6]], settling])                     # (14, 2)
    texts = _path_texts(trajectory_figure(states, list("he" + "o" * 12)))
    assert texts[:2] == ["0:h", "1:e"]
    assert texts[-1].endswith("\u201313:o") and len(texts) <= 6
    covered = [t for text in texts for t in _steps_in(text)]
    assert sorted(covered) == list(range(14))                       # every step still named


def test_a_label_that_returns_to_a_point_lists_both_steps():
    states = np.array([[0.3, 0.3], [-0.4, 0.2], [0.3, 0.3]])
    assert _path_texts(trajectory_figure(states, list("lol"))) == ["0:l 2:l", "1:o"]


def _steps_in(text):
    steps = []
    for item in text.split():
        when = item.split(":")[0]
        a, _, b = when.partition("\u2013")
        steps += range(int(a), int(b or a) + 1)
    return steps


def _notebook_paths():
    """The paths notebook 02 draws, from its weights: rnnlib.RNN(4, 2, seed=2)."""
    vocab = rnnlib.Vocab(SYMBOLS)
    sd = rnnlib.RNN(4, 2, seed=2).state_dict()
    Wx, b = sd["weight_ih_l0"].T, sd["bias_ih_l0"] + sd["bias_hh_l0"]

    def states(word, input_gain=1.0, g=1.0, theta=30.0):
        h, _ = rnnlib.rnn_forward(vocab.one_hot(word)[None], np.zeros((1, 2)), input_gain * Wx,
                                  g * rotation(theta), b)
        return h[0]

    output, _ = rnnlib.RNN(4, 2, seed=2)(vocab.one_hot("hello")[None])          # (1, 5, 2)
    return [(output[0], "hello", None),
            (states("hello" + "o" * 12, g=0.6, theta=60), "hello" + "o" * 12, None),
            (states("l" * 24, g=2.0, theta=90), "l" * 24, 4),
            (states("hello" * 4, 3.0, 3.0, 0.0), "hello" * 4, 5),
            (states("hooo", 3.0, 3.0, 0.0), "hooo", None),
            (states("lhoo", 3.0, 3.0, 0.0), "lhoo", None)]


@pytest.mark.parametrize("case", range(6))
def test_labels_neither_overlap_nor_leave_the_square_nor_cover_the_title(case):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    states, word, word_length = _notebook_paths()[case]
    fig = trajectory_figure(states, list(word), word_length=word_length, title="a title")
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "path"]
    area, title = ax.get_window_extent(renderer), ax.title.get_window_extent(renderer)
    for i, box in enumerate(boxes):
        assert area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1
        assert not box.overlaps(title)
        for other in boxes[i + 1:]:
            assert not box.overlaps(other), (word, [t.get_text() for t in ax.texts])


@pytest.mark.parametrize("case", [0, 1, 2, 4, 5])
def test_no_arrow_is_drawn_through_a_label(case):
    # In the rendered figure, no point along an arrow of the labelled pass lies inside a
    # label's box (case 3, twenty states piled in one corner, has no clear side to offer).
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    states, word, word_length = _notebook_paths()[case]
    fig = trajectory_figure(states, list(word), word_length=word_length)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    path = np.vstack([np.zeros(2), states])
    last = slice(len(word) - (word_length or len(word)), None)
    u = np.linspace(0.0, 1.0, 50)[:, None, None]
    along = (path[:-1] + u * (path[1:] - path[:-1]))[:, last].reshape(-1, 2)   # data units
    pixels = ax.transData.transform(along)
    for text in (t for t in ax.texts if t.get_gid() == "path"):
        box = text.get_window_extent(renderer)
        inside = ((pixels[:, 0] > box.x0) & (pixels[:, 0] < box.x1)
                  & (pixels[:, 1] > box.y0) & (pixels[:, 1] < box.y1))
        assert not inside.any(), (word, text.get_text())


def test_trajectory_figure_explains_bad_input():
    with pytest.raises(ValueError, match=r"trajectory_figure: states should have shape \(time=3, hidden_size=2\), got \(3, 3\)"):
        trajectory_figure(np.zeros((3, 3)), list("hel"))
    with pytest.raises(ValueError, match="one row per label"):
        trajectory_figure(np.zeros((2, 2)), list("hel"))
    with pytest.raises(TypeError, match="fig should be a Figure returned by trajectory_figure"):
        trajectory_figure(np.zeros((1, 2)), ["h"], fig=Figure())


@pytest.mark.parametrize("kw, error, parts", [
    (dict(input_gain=9.0), ValueError, ["input_gain", "0.0 to 3.0", "got 9.0"]),
    (dict(recurrent_gain=-1), ValueError, ["recurrent_gain", "got -1"]),
    (dict(theta=270), ValueError, ["theta", "-180.0 to 180.0", "got 270"]),
    (dict(repeat=0), ValueError, ["repeat", "got 0"]),
    (dict(repeat=2.5), TypeError, ["repeat", "got 2.5"]),
])
def test_a_start_value_outside_its_slider_is_refused_not_clamped(kw, error, parts):
    # ipywidgets would silently clamp it, and the repr would then not show what was asked for
    with pytest.raises(error) as info:
        HiddenTrajectory(rnnlib.Vocab(SYMBOLS), **kw)
    for part in parts:
        assert part in str(info.value)
    assert "HiddenTrajectory" in str(info.value)
