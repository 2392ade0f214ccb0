"""Curves of measured numbers: the loss (and accuracy) per epoch, several loss curves compared,
predictions beyond the training range, and the time of a batched step against a loop.

Every *_figure function returns a matplotlib Figure (never calls plt.show()).
TrainingCurvesPlot is training_curves_figure kept alive for the TrainingMonitor widget.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import _validation as v
from .live import LivePlot


class TrainingCurvesPlot(LivePlot):
    """The picture of training_curves_figure for a run of known length, kept alive so that a
    monitor can redraw it while training runs: TrainingCurvesPlot(300).update(history).png().

    The epoch axis spans the whole run from the start, and the loss axis spans whole decades
    and only ever widens, so most redraws move just the curves and the title; a redraw that
    needs a wider loss axis draws everything again, which happens a few times per run.
    """

    def __init__(self, epochs, accuracy=False):
        self.epochs, self.accuracy = epochs, accuracy
        # fixed margins, not layout="constrained": the layout solver would double the cost
        # of every full redraw
        fig = self.figure = Figure(figsize=(7.5 if accuracy else 4.5, 2.8), dpi=80)
        FigureCanvasAgg(fig)
        fig.subplots_adjust(left=0.1 if accuracy else 0.16, right=0.97, bottom=0.17, top=0.88,
                            wspace=0.3)
        axes = fig.subplots(1, 2 if accuracy else 1, squeeze=False)[0]
        self.ax = axes[0]
        (self.loss_line,) = self.ax.semilogy([], [], color="C0")
        self.ax.set(xlabel="epoch", ylabel="loss (log scale)")
        # plain tick labels ("0.05"), no minor ticks: the default log ticks (dozens of minor
        # ticks, LaTeX-style labels) cost 40% of a full redraw
        self.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        self.ax.yaxis.set_minor_locator(NullLocator())
        # where ax.set_title would put it; a title of its own, because the axes move their
        # title when it is drawn on its own, as blitting does
        self.title = self.ax.annotate("", (0.5, 1.0), xycoords="axes fraction", xytext=(0, 6),
                                      textcoords="offset points", ha="center", va="baseline",
                                      fontsize="large")
        self.dynamic = [self.loss_line, self.title]
        if accuracy:
            (self.accuracy_line,) = axes[1].plot([], [], color="C2")
            axes[1].set(xlabel="epoch", ylabel="accuracy", ylim=(-0.03, 1.03), title="accuracy")
            self.dynamic.append(self.accuracy_line)
        for ax in axes:
            # a margin, so that no curve runs along a spine (a redrawn curve would cover it)
            pad = 0.02 * max(epochs - 1, 1)
            ax.set_xlim(1 - pad, epochs + pad)
            ax.grid(alpha=0.3)
        self.loss_lim = None

    def update(self, history, title=None):
        """Show history (checked by the caller) up to its last epoch, under title."""
        loss = np.asarray(history["loss"], dtype=float)
        epochs = np.arange(1, len(loss) + 1)
        self.loss_line.set_data(epochs, loss)
        if self.accuracy:
            self.accuracy_line.set_data(epochs, history["accuracy"])
        self.title.set_text(title or "loss")
        lim = _decades(loss, self.loss_lim)
        if lim != self.loss_lim:
            self.loss_lim = lim
            self.ax.set_ylim(*lim)
            # 10^k only over a long range, 1, 2, 5 x 10^k over a short one
            decades = np.log10(lim[1] / lim[0])
            self.ax.yaxis.set_major_locator(LogLocator(subs=(1.0,) if decades > 2 else (1.0, 2.0, 5.0)))
            self.invalidate()
        return self


def _decades(loss, lim=None):
    """The loss axis' limits: lim when it holds every positive finite loss, else the fewest
    whole decades (10^i, 10^j) that hold them and lim."""
    shown = loss[np.isfinite(loss) & (loss > 0)]
    if not shown.size:
        return lim or (0.1, 1.0)
    if lim is not None and lim[0] <= shown.min() and shown.max() <= lim[1]:
        return lim
    lo, hi = np.floor(np.log10(shown.min())), np.ceil(np.log10(shown.max()))
    lo, hi = 10.0 ** lo, 10.0 ** max(hi, lo + 1)
    return (lo, hi) if lim is None else (min(lo, lim[0]), max(hi, lim[1]))


def check_history(history, where):
    """(loss (E,), accuracy (E,) or None) from a history as rnnlib.fit returns it, or an error
    that says what is wrong with it: the check of training_curves_figure and TrainingMonitor."""
    if not isinstance(history, dict) or "loss" not in history:
        got = (type(history).__name__ if not isinstance(history, dict) else
               f"a dict with keys {sorted(map(str, history))}" if history else "an empty dict")
        raise TypeError(f"{where}: history should be the dict of lists that rnnlib.fit returns, "
                        f"with one value per epoch under 'loss'; got {got}.")
    accuracy = history.get("accuracy")
    try:                                       # numbers of any kind: a history is not weights
        loss = np.asarray(history["loss"], dtype=float)
        accuracy = None if accuracy is None or not len(accuracy) else np.asarray(accuracy, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: history should hold lists of numbers, one per epoch; its "
                        f"'loss' or 'accuracy' holds something else.") from None
    if loss.ndim != 1 or not loss.size or (accuracy is not None and accuracy.shape != loss.shape):
        raise ValueError(f"{where}: history['loss'] should hold one value per epoch, at least "
                         f"one, and history['accuracy'], when given, as many; got "
                         f"{v.fmt_shape(loss.shape)} losses"
                         + ("" if accuracy is None else f" and {v.fmt_shape(accuracy.shape)} accuracies")
                         + ".")
    return loss, accuracy


def training_curves_figure(history, title=None):
    """The loss per epoch (log scale) and, when the history has it, the accuracy beside it.

    history: dict of lists as rnnlib.fit returns ("loss", optionally "accuracy").
    """
    loss, accuracy = check_history(history, "training_curves_figure")
    plot = TrainingCurvesPlot(len(loss), accuracy=accuracy is not None)
    return plot.update(history, title).figure


# Several curves on one axis: six colours that stay apart for every reader, colour-blind
# readers included (pairwise CIELAB distance above 60; the default C0..C5 has blue and purple
# 38 apart, orange and red 40), and a line style per curve, so that two curves lying on top
# of each other both stay visible.
CURVE_COLOURS = ("#0072B2", "#CC3311", "#009E73", "#AA3377", "#CCBB44", "#000000", "#56B4E9")
CURVE_DASHES = ("-", "--", "-.", ":")


def _curve_style(i):
    """(colour, linestyle) of the i-th curve of a comparison figure."""
    return CURVE_COLOURS[i % len(CURVE_COLOURS)], CURVE_DASHES[i % len(CURVE_DASHES)]


def _legend_below(fig, ax, n):
    """One legend under the axes, outside them, so that it never covers a curve."""
    return fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
                      ncols=min(n, 3), fontsize=9, frameon=False)


def loss_curves_figure(curves, title="loss per epoch", log=True, ylabel="loss"):
    """Several loss curves on one axis: curves is a dict label -> list of per-epoch values.

    Each curve has its own colour and line style; the legend sits under the axes.
    """
    fig = Figure(figsize=(6, 3.4 + 0.25 * ((len(curves) - 1) // 3)), dpi=80, layout="constrained")
    ax = fig.add_subplot()
    for i, (label, values) in enumerate(curves.items()):
        colour, dashes = _curve_style(i)
        ax.plot(np.arange(1, len(values) + 1), values, color=colour, ls=dashes, lw=1.8, label=label)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel=ylabel + (" (log scale)" if log else ""), title=title)
    ax.grid(alpha=0.3)
    _legend_below(fig, ax, len(curves))
    return fig


def extrapolation_figure(inputs, predictions, train_range=None, title="predictions beyond the training range"):
    """Prediction against input for several models, with the target x + 1 as a thin black line.

    inputs (K,), predictions: dict label -> (K,) outputs; train_range (lo, hi) is shaded.
    The right panel shows each model's error, prediction - (x + 1). Each model has its own
    colour and line style in both panels; one legend under both panels names them.
    """
    x = np.asarray(inputs, dtype=float)
    rows = (len(predictions) + 2) // 3                          # legend rows: target + models
    fig = Figure(figsize=(8, 3.3 + 0.25 * rows), dpi=80, layout="constrained")
    ax, ax_err = fig.subplots(1, 2)
    ax.plot(x, x + 1, color="0.3", lw=1, label="target x + 1")
    for i, (label, y) in enumerate(predictions.items()):
        colour, dashes = _curve_style(i)
        ax.plot(x, y, color=colour, ls=dashes, lw=1.8, label=label)
        ax_err.plot(x, np.asarray(y) - (x + 1), color=colour, ls=dashes, lw=1.8)
    for a in (ax, ax_err):
        if train_range is not None:
            a.axvspan(*train_range, color="0.85", label="training inputs" if a is ax else None)
        a.set_xlabel("input x")
        a.grid(alpha=0.3)
    ax_err.axhline(0, color="0.3", lw=1)
    ax.set(ylabel="prediction", title=title)
    ax_err.set(ylabel="prediction - target", title="error")
    _legend_below(fig, ax, len(predictions) + 1 + (train_range is not None))
    return fig


def batching_times_figure(batch_sizes, loop_seconds, batched_seconds):
    """Measured time of one RNN step for N sequences: a Python loop over them vs one product.

    batch_sizes (K,) the N measured; loop_seconds, batched_seconds (K,) seconds per step.
    Both panels are log-log, where time proportional to N^k is a straight line of slope k and
    a constant factor only shifts a line up or down. Left: time per step against N, with two
    dotted lines of slope 1 (time proportional to N), one through the loop's first point and
    one through the batched product's last (over the upper half of the N axis). Right: the speed-up, loop time / batched time.
    """
    where = "batching_times_figure"
    sizes = np.asarray(batch_sizes)
    if np.issubdtype(sizes.dtype, np.integer):
        sizes = sizes.astype(float)                       # counts are ints; the axes are floats
    n = v.array(sizes, [("K", None)], "batch_sizes", where)
    loop = v.array(loop_seconds, [("K", len(n))], "loop_seconds", where)
    batched = v.array(batched_seconds, [("K", len(n))], "batched_seconds", where)
    if (n <= 0).any() or (loop <= 0).any() or (batched <= 0).any():
        raise ValueError(f"{where}: batch sizes and times should be positive; they are drawn on "
                         f"logarithmic axes.")

    fig = Figure(figsize=(8, 3.2), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2)
    left.loglog(n, loop * 1e6, "o-", color="C3", label="Python loop over the batch")
    left.loglog(n, batched * 1e6, "s-", color="C0", label="one batched matrix product")
    left.loglog(n, loop[0] * n / n[0] * 1e6, ":", color="0.4", label="slope 1: time proportional to N")
    upper = n >= np.sqrt(n[0] * n[-1])                  # the upper half of the N axis
    left.loglog(n[upper], batched[-1] * n[upper] / n[-1] * 1e6, ":", color="0.4")
    left.set(ylabel="microseconds per step (log scale)", title="time for the whole batch")
    left.legend(fontsize=8, frameon=False)
    right.loglog(n, loop / batched, "D-", color="C2", label="loop time / batched time")
    right.set(ylabel="speed-up (log scale)", title="how many times faster the product is")
    for ax in (left, right):
        ax.set_xlabel("batch size N (log scale)")
        ax.grid(True, which="major", color="0.9")
    fig.suptitle("log-log axes: a power of N is a straight line; a constant factor shifts it",
                 fontsize=10)
    return fig
