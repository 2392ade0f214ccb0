"""The heatmap of hidden states (rnnlib.plots.hidden) as a LivePlot: a new row order redraws
the y axis alone, and gives the picture a figure drawn from scratch in that order gives."""
import io

import matplotlib.image
import numpy as np
import pytest

from rnnlib.plots import HiddenHeatmapPlot, hidden_heatmap_figure

T, H, WIDTH = 300, 64, 60
LONG = "unit, by r with a feature of a long name (highest at top)"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    states = np.tanh(rng.normal(size=(T, H)))
    text = "".join(rng.choice(list("ab( )\n"), T))
    return states, text, rng.permutation(H)


def pixels(png):
    return np.round(matplotlib.image.imread(io.BytesIO(png)) * 255).astype(np.uint8)


def picture(plot):
    """What the plot shows, apart from its pixels: the image, tick labels and axis label."""
    return (plot.image.get_array().copy(), [t.get_text() for t in plot.ax.get_yticklabels()],
            plot.ax.get_ylabel())


def same_picture(a, b):
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1:] == b[1:]


def test_a_new_row_order_gives_the_pixels_of_a_plot_drawn_in_that_order(data):
    states, text, order = data
    live = HiddenHeatmapPlot(states, text, width=WIDTH)
    live.update(0, 3).png()                                    # drawn once in unit order
    for rows_order, rows in [(order, LONG), (None, None), (order[::-1], "unit")]:
        live.set_order(rows_order, rows)
        got = pixels(live.update(10, 5).png())
        fresh = HiddenHeatmapPlot(states, text, width=WIDTH, order=rows_order, rows=rows)
        expected = pixels(fresh.update(10, 5).png())
        np.testing.assert_array_equal(got, expected)           # no old tick label is left
        same_picture(picture(live), picture(fresh))
    # the rows really moved: unit order[0] is the top row, its label the first tick's
    live.set_order(order, LONG).update(10, 5)
    np.testing.assert_array_equal(live.image.get_array()[0], states[10:10 + WIDTH, order[0]])
    assert picture(live)[1][0] == str(order[0]) and live.row_of[order[0]] == 0


def test_a_sorted_live_plot_matches_a_full_drawing_off_the_tick_ends(data):
    """Against savefig's full drawing the one difference is the tick marks' inner ends: the
    live plot draws the image over them (it is redrawn on top of the kept background), in the
    column of pixels at the image's left edge, as it did before the order could change."""
    states, text, order = data
    live = HiddenHeatmapPlot(states, text, width=WIDTH)
    live.update(0, 3).png()
    got = pixels(live.set_order(order, LONG).update(10, 5).png())
    fig = hidden_heatmap_figure(states, text, 10, WIDTH, 5, order=order, rows=LONG)
    fig.canvas.draw()
    full = np.asarray(fig.canvas.buffer_rgba())
    rows, cols = np.nonzero((got != full).any(axis=2))
    left = round(fig.axes[0].get_window_extent().x0)
    assert set(cols.tolist()) <= {left}
    assert len(rows) <= len(fig.axes[0].get_yticks())         # one pixel per tick at most


def test_a_new_order_and_a_window_move_redraw_no_whole_figure(data, monkeypatch):
    states, text, order = data
    live = HiddenHeatmapPlot(states, text, width=WIDTH)
    live.update(0, 3).png()
    draws = []
    canvas = live.figure.canvas
    full_draw = canvas.draw
    monkeypatch.setattr(canvas, "draw", lambda *a, **k: (draws.append(1), full_draw(*a, **k)))
    live.set_order(order, LONG).update(10, 5).png()
    live.update(11, 5).png()
    assert draws == []
    live.invalidate()                                          # the whole static part
    live.update(12, 5).png()
    assert draws == [1]
