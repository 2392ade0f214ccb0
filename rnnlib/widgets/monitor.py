"""TrainingMonitor: a progress line and a live loss plot, passed to rnnlib.fit as its callback.

    monitor = rnnlib.widgets.TrainingMonitor(300)
    display(monitor)                  # or make it the last line of a cell
    history = rnnlib.fit(model, x, targets, optimizer, epochs=300, callback=monitor)

    monitor = TrainingMonitor(99, unit="window")   # a loop that records one loss per window
    monitor(w + 1, history)                        # "window  5/99 |█ ..."
"""
from __future__ import annotations

import ipywidgets as W

from .. import _validation as v
from ..plots import TrainingCurvesPlot
from ..train import check_history
from .explorer import Explorer

_BLOCKS = " ▏▎▍▌▋▊▉█"          # eighths of a cell, as tqdm draws its bar


def _progress_bar(fraction: float, width: int = 20) -> str:
    """A text bar `width` cells wide, filled to `fraction` (0..1) in eighths of a cell."""
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_BLOCKS[part] if part else "")).ljust(width)


class TrainingMonitor(Explorer):
    """A tqdm-style progress line and a live plot of the loss, for rnnlib.fit's callback.

    TrainingMonitor(epochs, plot_every=None, unit="epoch"). Call it as monitor(epoch, history)
    after an epoch (epochs count from 1): history is the dict of lists that rnnlib.fit builds,
    "loss" and "grad_norm", and "accuracy" when the loss reports it. Every call rewrites the
    progress line; the plot is redrawn at the first call, whenever a multiple of `plot_every`
    epochs has passed since the last drawing (default: a tenth of the run, so about 10
    drawings), and at the last epoch, because a figure costs milliseconds and an epoch of a
    small model costs less.

    unit names what one entry of the history is, in the line, the title and the axis. A
    hand-written truncated-BPTT loop that records one loss per window and calls
    monitor(w + 1, history) after window w counts windows: TrainingMonitor(W, unit="window").

    The line shows no elapsed time on purpose: the widget's state is saved in the notebook,
    and a stored notebook must come out the same every time it is run. The cell's stored text
    is the repr, "TrainingMonitor(epochs=300)" (or "TrainingMonitor(99, unit='window')").

    Attributes a test can read: .line (the progress line, an ipywidgets.Label), .out (the
    figure), .epoch (the last epoch shown, 0 before the first call).
    """

    def __init__(self, epochs, plot_every=None, unit="epoch"):
        where = "TrainingMonitor"
        self.epochs = v.positive_int(epochs, "epochs", where)
        self.unit = TrainingCurvesPlot.check_unit(unit, where)
        self.plot_every = (max(1, self.epochs // 10) if plot_every is None
                           else v.positive_int(plot_every, "plot_every", where))
        self.epoch = 0
        self._drawn = 0                       # the epoch of the figure now shown (0: none)
        self._plot = None                     # built at the first drawing, when the history
                                              # says whether there is an accuracy panel
        self.line = W.Label(self._line(0, None), style={"font_family": "monospace"})
        self.out = W.Output()
        self.widget = W.VBox([self.line, self.out])

    def __call__(self, epoch, history):
        """Show the progress after `epoch` (1..epochs); history as rnnlib.fit builds it."""
        where = "TrainingMonitor"
        built = (f"TrainingMonitor({self.epochs})" if self.unit == "epoch" else
                 f"TrainingMonitor({self.epochs}, unit={self.unit!r})")
        epoch = v.int_in(epoch, 1, self.epochs, self.unit, where,
                         f"It counts from 1 to the {self.unit}s this monitor was built for "
                         f"({built}).")
        loss, accuracy = check_history(history, where)
        self.epoch = epoch
        self.line.value = self._line(epoch, history)
        # a new figure when this call crossed a multiple of plot_every (fit may call the
        # monitor only every few epochs), and always for the first and the last epoch
        if (not self._drawn or epoch == self.epochs
                or epoch // self.plot_every > self._drawn // self.plot_every):
            self._drawn = epoch
            if self._plot is None or self._plot.accuracy != (accuracy is not None):
                self._plot = TrainingCurvesPlot(self.epochs, accuracy=accuracy is not None,
                                                unit=self.unit)
            self.show(self._plot.update(history, title=f"loss, {self.unit} {epoch}").png())

    def _line(self, epoch, history) -> str:
        """'epoch  30/300 |██▌       |  10%  loss 0.1234  grad norm 0.56  accuracy 0.83'."""
        width = len(str(self.epochs))
        text = (f"{self.unit} {epoch:>{width}}/{self.epochs} |{_progress_bar(epoch / self.epochs)}| "
                f"{100 * epoch / self.epochs:3.0f}%")
        if history is None:
            return text
        text += f"  loss {float(history['loss'][-1]):.4f}"
        for key, label, fmt in (("grad_norm", "grad norm", ".3g"), ("accuracy", "accuracy", ".2f")):
            values = history.get(key)
            if values is not None and len(values):
                text += f"  {label} {float(values[-1]):{fmt}}"
        return text

    def __repr__(self):
        if self.unit == "epoch":
            return f"TrainingMonitor(epochs={self.epochs})"
        return f"TrainingMonitor({self.epochs}, unit={self.unit!r})"

