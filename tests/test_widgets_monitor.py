"""TrainingMonitor (rnnlib.widgets) as rnnlib.fit's callback: monitor(epoch, history).

Expected progress lines are written out by hand (a 20-cell bar filled in eighths, as tqdm
draws it); the number of drawings is counted on the Output, from the rule in the docstring.
"""
import time

import numpy as np
import pytest
from IPython.core.formatters import format_display_data

from rnnlib import Adam, SequenceModel, fit
from rnnlib.widgets import TrainingMonitor


def history_of(epochs, accuracy=False):
    """A made-up history after `epochs` epochs: loss halves, grad norm 1.5, accuracy rises."""
    h = {"loss": [0.5 ** e for e in range(epochs)], "grad_norm": [1.5] * epochs}
    if accuracy:
        h["accuracy"] = [min(1.0, e / 10) for e in range(1, epochs + 1)]
    return h


def drawings(monitor):
    """A list that grows by the epoch each time the monitor draws a new figure."""
    drawn = []
    monitor.out.observe(lambda change: change["new"] and drawn.append(monitor.epoch),
                        names="outputs")
    return drawn


def test_repr_is_the_cells_stable_text():
    mon = TrainingMonitor(40)
    assert repr(mon) == "TrainingMonitor(epochs=40)"
    data, _ = format_display_data(mon)              # what Jupyter stores for the cell
    assert data["text/plain"] == "TrainingMonitor(epochs=40)"
    assert "application/vnd.jupyter.widget-view+json" in data
    assert mon.line.value == "epoch  0/40 |                    |   0%"
    assert mon.out.outputs == ()                    # nothing to draw before the first epoch


def test_progress_line_written_out_by_hand():
    mon = TrainingMonitor(300)
    mon(30, history_of(30, accuracy=True))
    # 10% of 20 cells = 2 full cells; loss 0.5 ** 29; accuracy min(1, 30 / 10)
    assert mon.line.value == ("epoch  30/300 |██                  |  10%  loss 0.0000  "
                              "grad norm 1.5  accuracy 1.00")
    mon = TrainingMonitor(3)
    mon(1, {"loss": [0.25]})                        # 1/3 of 160 eighths = 53 = 6 cells + 5/8
    assert mon.line.value == "epoch 1/3 |██████▋             |  33%  loss 0.2500"
    mon(3, {"loss": [0.25, 0.125, 0.0625]})
    assert mon.line.value == "epoch 3/3 |████████████████████| 100%  loss 0.0625"


def test_called_every_epoch_it_draws_about_ten_times_and_the_last_epoch():
    mon = TrainingMonitor(40)                       # plot_every = 40 // 10 = 4
    drawn = drawings(mon)
    for epoch in range(1, 41):
        mon(epoch, history_of(epoch))
    assert drawn == [1, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40]
    assert [o["output_type"] for o in mon.out.outputs] == ["display_data"]
    assert "image/png" in mon.out.outputs[0]["data"]
    assert mon.epoch == 40 and "40/40" in mon.line.value


def test_called_every_few_epochs_it_still_draws_once_per_stretch():
    # fit(..., every=3) calls at 3, 6, ..., 39 and the last epoch, 40: a drawing whenever a
    # multiple of 4 was passed since the last one
    mon = TrainingMonitor(40)
    drawn = drawings(mon)
    for epoch in [*range(3, 40, 3), 40]:
        mon(epoch, history_of(epoch))
    assert drawn == [3, 6, 9, 12, 18, 21, 24, 30, 33, 36, 40]
    mon = TrainingMonitor(7, plot_every=100)        # only the first and the last
    drawn = drawings(mon)
    for epoch in range(1, 8):
        mon(epoch, history_of(epoch))
    assert drawn == [1, 7]


def test_as_fits_callback_it_shows_fits_last_loss():
    x = np.eye(5)[[[0, 1, 0, 2, 3, 3]]]                      # "hihell" one-hot, (1, 6, 5)
    targets = np.array([[1, 0, 2, 3, 3, 4]])                 # "ihello"
    m = SequenceModel(5, 4, 5, seed=0)
    mon = TrainingMonitor(12)
    history = fit(m, x, targets, Adam(m.params, lr=0.05), epochs=12, every=1, callback=mon)
    assert mon.epoch == 12
    assert mon.line.value.startswith("epoch 12/12 |████████████████████| 100%")
    assert f"loss {history['loss'][-1]:.4f}" in mon.line.value
    assert f"accuracy {history['accuracy'][-1]:.2f}" in mon.line.value
    assert "image/png" in mon.out.outputs[0]["data"]


@pytest.mark.parametrize("epoch, history, kind, words", [
    (0, history_of(1), ValueError, ["epoch should be a whole number from 1 to 10", "counts from 1"]),
    (11, history_of(11), ValueError, ["from 1 to 10", "got 11", "TrainingMonitor(10)"]),
    (1, [0.5], TypeError, ["history should be the dict of lists", "got list"]),
    (1, {"cost": [0.5]}, TypeError, ["one value per epoch under 'loss'", "keys ['cost']"]),
    (1, {"loss": []}, ValueError, ["at least one", "got (0,) losses"]),
    (1, {"loss": [0.5, 0.4], "accuracy": [1.0]}, ValueError, ["(2,) losses and (1,) accuracies"]),
    (1, {"loss": ["low"]}, TypeError, ["lists of numbers"]),
])
def test_bad_calls_are_explained_and_change_nothing(epoch, history, kind, words):
    mon = TrainingMonitor(10)
    mon(2, history_of(2))
    before = (mon.line.value, mon.out.outputs, mon.epoch)
    with pytest.raises(kind) as info:
        mon(epoch, history)
    for w in words:
        assert w in str(info.value)
    assert str(info.value).startswith("TrainingMonitor: ")
    assert (mon.line.value, mon.out.outputs, mon.epoch) == before


@pytest.mark.parametrize("args, words", [((0,), ["epochs", "got 0"]),
                                         ((10, 0), ["plot_every", "got 0"])])
def test_bad_settings_are_explained(args, words):
    with pytest.raises(ValueError) as info:
        TrainingMonitor(*args)
    assert all(w in str(info.value) for w in words) and "TrainingMonitor" in str(info.value)


def test_a_call_without_a_drawing_is_cheap_and_a_drawing_well_under_100_ms():
    mon = TrainingMonitor(300)
    history = history_of(300, accuracy=True)
    mon(1, {k: v[:1] for k, v in history.items()})           # the first figure sets matplotlib up
    quick, drawing = [], []
    for epoch in range(2, 301):
        h = {k: v[:epoch] for k, v in history.items()}
        t0 = time.process_time()                             # this process's CPU time only
        mon(epoch, h)
        (drawing if epoch % 30 == 0 or epoch == 300 else quick).append(time.process_time() - t0)
    assert len(drawing) == 10
    assert np.median(quick) < 0.005, f"median call without drawing {np.median(quick) * 1e3:.1f} ms"
    # about 10-20 ms on an idle core; the bound only catches a return to full redraws (~125 ms
    # each on an idle core), with room for a busy machine
    assert np.median(drawing) < 0.25, f"median drawing {np.median(drawing) * 1e3:.0f} ms"


def test_a_monitor_of_windows_says_windows_in_its_line_title_axis_and_repr():
    mon = TrainingMonitor(99, unit="window")
    assert repr(mon) == "TrainingMonitor(99, unit='window')"
    assert mon.line.value == "window  0/99 |                    |   0%"
    mon(5, {"loss": [3.8, 3.5, 3.2, 3.0, 2.9]})
    # 5/99 of 160 eighths = 8.08 -> 8 eighths = one full cell
    assert mon.line.value == "window  5/99 |█                   |   5%  loss 2.9000"
    assert mon._plot.ax.get_xlabel() == "window"
    assert mon._plot.title.get_text() == "loss, window 5"
    with pytest.raises(ValueError) as info:
        mon(100, {"loss": [1.0] * 100})
    assert "window should be a whole number from 1 to 99" in str(info.value)
    assert "the windows this monitor was built for (TrainingMonitor(99, unit='window'))" in str(info.value)
    with pytest.raises(TypeError, match="unit should be a short word"):
        TrainingMonitor(10, unit="")


def test_an_epoch_monitor_keeps_its_words():
    mon = TrainingMonitor(10)
    mon(1, {"loss": [0.5]})
    assert mon._plot.ax.get_xlabel() == "epoch" and mon._plot.title.get_text() == "loss, epoch 1"
