"""rnnlib.plots.window_losses_figure: the loss of every window of truncated BPTT and the
held-out perplexity on one axis (nats on the left, perplexity = exp(nats) on the right)."""
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from rnnlib.plots import training_curves_figure, window_losses_figure


def test_the_curves_are_the_numbers_given_and_the_right_axis_reads_perplexity():
    losses = [3.8, 3.1, 2.6, 2.2, 2.0, 1.8]
    fig = window_losses_figure(losses, [0, 3, 6], [46.0, 9.0, 5.0], baselines={"bigram": 7.78})
    ax = fig.axes[0]
    train, held = ax.lines[0], ax.lines[1]
    assert list(train.get_xdata()) == [0, 1, 2, 3, 4, 5]             # window w after w updates
    assert list(train.get_ydata()) == losses
    assert list(held.get_xdata()) == [0, 3, 6]
    np.testing.assert_allclose(held.get_ydata(), [np.log(46), np.log(9), np.log(5)], rtol=1e-15)
    bigram = ax.lines[2]                                               # the dashed baseline
    assert bigram.get_ydata()[0] == pytest.approx(np.log(7.78), rel=1e-15)
    assert any(t.get_text() == "bigram 7.78" for t in ax.texts)
    (right,) = ax.child_axes                                          # the secondary axis
    assert right.get_ylabel() == "perplexity = exp(cross-entropy)"
    assert ax.get_ylabel() == "cross-entropy (nats)"
    assert ax.get_xlabel() == "updates made (one per window)"
    # once drawn, the right axis spans exp of the left axis' range: a height of ln 46 reads 46
    FigureCanvasAgg(fig).draw()
    np.testing.assert_allclose(right.get_ylim(), np.exp(ax.get_ylim()), rtol=1e-12)


@pytest.mark.parametrize("args, kind, words", [
    (([3.0, np.nan], [0], [5.0]), ValueError, ["losses", "nan"]),
    (([3.0, 2.0], [0, 1], [5.0]), ValueError, ["held_out", "one perplexity per entry of evaluated_at"]),
    (([3.0, 2.0], [0], [0.5]), ValueError, ["perplexities (>= 1)", "0.5"]),
    (([3.0, 2.0], "0", [5.0]), TypeError, ["evaluated_at should be a 1-D list of update counts"]),
])
def test_bad_input_is_explained(args, kind, words):
    with pytest.raises(kind) as info:
        window_losses_figure(*args)
    assert str(info.value).startswith("window_losses_figure: ")
    for w in words:
        assert w in str(info.value)
    with pytest.raises(TypeError, match="baselines should be None or a dict"):
        window_losses_figure([3.0], [0], [5.0], baselines=[7.78])


def test_training_curves_can_count_windows():
    fig = training_curves_figure({"loss": [3.0, 2.0, 1.5]}, unit="window")
    assert fig.axes[0].get_xlabel() == "window"
    assert training_curves_figure({"loss": [3.0]}).axes[0].get_xlabel() == "epoch"
