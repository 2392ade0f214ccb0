"""Curves of measured numbers: the loss (and accuracy) per epoch, several loss curves compared,
the loss of every window of truncated BPTT with held-out perplexity, predictions beyond the
training range, the time of a batched step against a loop, and the time of several forwards
over a whole sequence against the batch size and the sequence length.

Every *_figure function returns a matplotlib Figure (never calls plt.show()).
TrainingCurvesPlot is training_curves_figure kept alive for the TrainingMonitor widget.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator

from .. import _validation as v
from ..train import check_history
from .live import LivePlot


class TrainingCurvesPlot(LivePlot):
    """The picture of training_curves_figure for a run of known length, kept alive so that a
    monitor can redraw it while training runs: TrainingCurvesPlot(300).update(history).png().

    The epoch axis spans the whole run from the start, and the loss axis spans whole decades
    and only ever widens, so most redraws move just the curves and the title; a redraw that
    needs a wider loss axis draws everything again, which happens a few times per run.
    unit names what the horizontal axis counts: "epoch", or "window" for truncated BPTT,
    where one entry of the history is one window.
    """

    @staticmethod
    def check_unit(unit, where):
        """unit, if it is a short word naming what the run counts; else a TypeError from where."""
        return _check_unit(unit, where)

    def __init__(self, epochs, accuracy=False, unit="epoch"):
        self.epochs, self.accuracy, self.unit = epochs, accuracy, unit
        # fixed margins, not layout="constrained": the layout solver would double the cost
        # of every full redraw
        fig = self.figure = Figure(figsize=(7.5 if accuracy else 4.5, 2.8), dpi=80)
        FigureCanvasAgg(fig)
        fig.subplots_adjust(left=0.1 if accuracy else 0.16, right=0.97, bottom=0.17, top=0.88,
                            wspace=0.3)
        axes = fig.subplots(1, 2 if accuracy else 1, squeeze=False)[0]
        self.ax = axes[0]
        (self.loss_line,) = self.ax.semilogy([], [], color="C0")
        self.ax.set(xlabel=unit, ylabel="loss (log scale)")
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
            axes[1].set(xlabel=unit, ylabel="accuracy", ylim=(-0.03, 1.03), title="accuracy")
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


def training_curves_figure(history, title=None, unit="epoch"):
    """The loss per epoch (log scale) and, when the history has it, the accuracy beside it.

    history: dict of lists as rnnlib.fit returns ("loss", optionally "accuracy"); unit: what
    one entry is ("epoch", or "window" for a history of truncated BPTT's windows).
    """
    where = "training_curves_figure"
    loss, accuracy = check_history(history, where)
    plot = TrainingCurvesPlot(len(loss), accuracy=accuracy is not None, unit=_check_unit(unit, where))
    return plot.update(history, title).figure


def _check_unit(unit, where):
    """The name of what a training curve counts: a short word such as "epoch" or "window"."""
    if not isinstance(unit, str) or not unit.strip() or len(unit) > 20:
        raise TypeError(f"{where}: unit should be a short word naming what the run counts, such "
                        f"as 'epoch' or 'window', got {unit!r}.")
    return unit


PERPLEXITY_TICKS = (1, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 40, 50, 100, 200, 500, 1000)


def window_losses_figure(losses, evaluated_at, held_out, baselines=None,
                         title="truncated BPTT: the loss of every window, and held-out text"):
    """The training loss of every window of truncated BPTT, with the perplexity of held-out
    text measured every few updates, on one axis.

    losses        (W,) the cross-entropy (nats) of window w, measured before its update: the
                  model had made w updates, so it is drawn at x = w
    evaluated_at  (E,) how many updates the model had made when held-out text was scored
    held_out      (E,) the perplexity of the held-out text then, drawn as its cross-entropy
                  ln(perplexity), so both share the left axis (nats); the right axis reads
                  the same heights as perplexity, exp(cross-entropy)
    baselines     None, or dict name -> perplexity on the same held-out text (e.g. the bigram),
                  drawn as dashed horizontal lines
    """
    where = "window_losses_figure"
    losses = v.array(losses, [("windows", None)], "losses", where,
                     "Pass one cross-entropy per window, e.g. history['loss'].")
    at = np.asarray(evaluated_at)
    if at.dtype == bool or not np.issubdtype(at.dtype, np.number) or at.ndim != 1:
        raise TypeError(f"{where}: evaluated_at should be a 1-D list of update counts, got "
                        f"{at!r:.60}.")
    held = v.array(held_out, [("evaluations", len(at))], "held_out", where,
                   "It holds one perplexity per entry of evaluated_at.")
    if (losses < 0).any() or (held < 1).any():
        raise ValueError(f"{where}: losses should be cross-entropies (>= 0) and held_out "
                         f"perplexities (>= 1); got a smallest loss of {losses.min():.3g} and a "
                         f"smallest perplexity of {held.min() if held.size else 1:.3g}.")
    baselines = {} if baselines is None else baselines
    if not isinstance(baselines, dict):
        raise TypeError(f"{where}: baselines should be None or a dict name -> perplexity, e.g. "
                        f"char_baselines(train_text, test_text); got {type(baselines).__name__}.")

    fig = Figure(figsize=(7.5, 3.6), dpi=80, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(np.arange(len(losses)), losses, color=CURVE_COLOURS[0], lw=1, alpha=0.8,
            label="training loss of each window (before its update)")
    ax.plot(at, np.log(held), "o-", color=CURVE_COLOURS[1], ms=4, lw=1.2,
            label="held-out text, scored every few updates")
    right_end = max(len(losses) - 1, int(at.max()) if at.size else 0)
    for i, (name, value) in enumerate(baselines.items()):
        y = float(np.log(value))
        ax.axhline(y, color="0.35", ls=("--", ":", "-.")[i % 3], lw=1)
        ax.annotate(f"{name} {value:.3g}", (right_end, y), xytext=(-2, 2), textcoords="offset points",
                    ha="right", va="bottom", fontsize=8, color="0.25")
    ax.set(xlabel="updates made (one per window)", ylabel="cross-entropy (nats)", title=title)
    ax.grid(alpha=0.3)
    # matplotlib also maps 0 through the inverse while it lays the axis out: keep log finite
    right = ax.secondary_yaxis("right", functions=(np.exp, lambda p: np.log(np.maximum(p, 1e-300))))
    right.set_ylabel("perplexity = exp(cross-entropy)")
    right.yaxis.set_major_locator(FixedLocator(PERPLEXITY_TICKS))
    right.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    right.yaxis.set_minor_locator(NullLocator())
    _legend_below(fig, ax, 2)
    return fig


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


# the curves' line styles leave out ":", which marks the slope-1 guides
SEQUENCE_DASHES = ("-", "--", "-.", (0, (6, 2, 1, 2, 1, 2)))
SEQUENCE_MARKERS = ("o", "s", "^", "D", "v", "P")


def sequence_times_figure(batch_sizes, seconds_by_batch, sequence_lengths, seconds_by_length,
                          *, T=None, N=None):
    """Measured time of several forwards over a whole sequence: against N (left) and T (right).

    batch_sizes (K,) the N measured at a fixed T; seconds_by_batch: dict label -> (K,) seconds
    per forward. sequence_lengths (J,) the T measured at a fixed N; seconds_by_length: dict with
    the same labels, in the same order, label -> (J,) seconds. T and N, when given, are the
    fixed values, named in the panel titles.
    Both panels are log-log, where time proportional to N^k (or T^k) is a straight line of
    slope k and a constant factor only shifts a line up or down. Dotted lines of slope 1 run
    through the first curve's first point in both panels and, on the left, through the last
    curve's last point (over the upper half of the N axis). Each forward keeps its colour, line
    style and marker in both panels; one legend under the panels names them.
    """
    where = "sequence_times_figure"
    n = _positive_sizes(batch_sizes, "batch_sizes", where)
    steps = _positive_sizes(sequence_lengths, "sequence_lengths", where)
    by_n = _seconds_by_label(seconds_by_batch, len(n), "seconds_by_batch", "batch_sizes", where)
    by_t = _seconds_by_label(seconds_by_length, len(steps), "seconds_by_length",
                             "sequence_lengths", where)
    if list(by_n) != list(by_t):
        raise ValueError(f"{where}: seconds_by_batch and seconds_by_length should have the same "
                         f"labels in the same order, one per forward; got {list(by_n)} and "
                         f"{list(by_t)}.")

    fig = Figure(figsize=(8, 3.6 + 0.25 * ((len(by_n) - 1) // 3)), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, sizes, curves in ((left, n, by_n), (right, steps, by_t)):
        for i, (label, seconds) in enumerate(curves.items()):
            colour = CURVE_COLOURS[i % len(CURVE_COLOURS)]
            ax.loglog(sizes, seconds * 1e3, color=colour, lw=1.6,
                      ls=SEQUENCE_DASHES[i % len(SEQUENCE_DASHES)],
                      marker=SEQUENCE_MARKERS[i % len(SEQUENCE_MARKERS)], ms=4, label=label)
        first = next(iter(curves.values()))
        # drawn over the curves: a curve of slope 1 would hide a guide drawn under it
        ax.loglog(sizes, first[0] * sizes / sizes[0] * 1e3, ":", color="0.25", zorder=3,
                  label="slope 1: time proportional to N or T" if ax is left else None)
        ax.set_ylabel("milliseconds per forward (log scale)")
        ax.grid(True, which="major", color="0.9")
    last = list(by_n.values())[-1]
    upper = n >= np.sqrt(n[0] * n[-1])                  # the upper half of the N axis
    left.loglog(n[upper], last[-1] * n[upper] / n[-1] * 1e3, ":", color="0.25", zorder=3)
    left.set(xlabel="batch size N (log scale)",
             title="against the batch size" + (f", T = {T}" if T is not None else ""))
    right.set(xlabel="sequence length T (log scale)",
              title="against the sequence length" + (f", N = {N}" if N is not None else ""))
    _legend_below(fig, left, len(by_n) + 1)
    fig.suptitle("log-log axes: a power is a straight line; a constant factor shifts it",
                 fontsize=10)
    return fig


def _positive_sizes(sizes, name, where):
    """sizes as a 1-D float array of positive numbers (the x axis of a log-log plot)."""
    sizes = np.asarray(sizes)
    if np.issubdtype(sizes.dtype, np.integer):
        sizes = sizes.astype(float)                       # counts are ints; the axes are floats
    sizes = v.array(sizes, [("K", None)], name, where)
    if (sizes <= 0).any():
        raise ValueError(f"{where}: {name} should be positive; they are drawn on a logarithmic "
                         f"axis.")
    return sizes


def _seconds_by_label(curves, size, name, sizes_name, where):
    """{label: (size,) positive seconds} from a dict of measured times, or an error saying why."""
    if not isinstance(curves, dict) or not curves:
        got = "an empty dict" if isinstance(curves, dict) else type(curves).__name__
        raise TypeError(f"{where}: {name} should be a dict label -> seconds, one entry per "
                        f"forward, e.g. {{'loop': loop_seconds}}; got {got}.")
    out = {}
    for label, seconds in curves.items():
        seconds = v.array(seconds, [(f"len({sizes_name})", size)], f"{name}[{label!r}]", where,
                          f"It holds one time per entry of {sizes_name}.")
        if (seconds <= 0).any():
            raise ValueError(f"{where}: {name}[{label!r}] should hold positive times; they are "
                             f"drawn on a logarithmic axis.")
        out[str(label)] = seconds
    return out
