"""The hidden state over a text: a heatmap of units x characters for a window of the text.

    hidden_heatmap_figure(states, text, start=0, width=80, unit=None)   # a Figure
    hidden_heatmap_figure(states, text, order=explore.units_by_correlation(r), rows="...")
    plot = HiddenHeatmapPlot(states, text, width=80); plot.update(start, unit).png()
    unit_by_level_figure(states[:, u], depth, u, "depth")      # one unit against a feature's levels
    clamp_effects_figure(changes, unit, labels)                # what holding each unit does

Rows are units 0 .. H-1 from the top (or in the order given, e.g. by their correlation with a
feature, so that the units that follow it gather at the top and the bottom), columns the
characters text[start:start + width], each cell coloured by h[t, u] on a diverging scale
(blue negative, white 0, red positive), the same colours as the explorer's coloured text,
with the scale on a labelled colour bar. The characters are written under their columns, a
newline as a return arrow and a space as an open box.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import _validation as v
from .live import LivePlot

# The diverging scale of every figure and of the explorers' coloured text
# (rnnlib.widgets.colours): ColorBrewer's RdBu, red for +scale, white 0, blue for -scale.
RED = np.array([178, 24, 43])
BLUE = np.array([33, 102, 172])
WHITE = np.array([255, 255, 255])
DIVERGING = LinearSegmentedColormap.from_list("rnnlib_diverging", [BLUE / 255, WHITE / 255,
                                                                   RED / 255])
VISIBLE = {"\n": "\u21b5", " ": "\u2423", "\t": "\u2192"}     # characters you can see


def _size_for_advance(text, width_px, fig):
    """The largest font size at which text (monospaced) is at most width_px wide.

    Font hinting rounds each letter's advance to whole pixels, so the width grows in steps
    with the size: scan the sizes rather than scale by a ratio."""
    renderer = fig.canvas.get_renderer()
    best = 4.0
    for size in np.arange(4.0, 24.0, 0.25):
        text.set_fontsize(size)
        if text.get_window_extent(renderer).width > width_px + 0.5:
            break
        best = size
    return best


def _label(c):
    return VISIBLE.get(c, c)


class HiddenHeatmapPlot(LivePlot):
    """units x characters for a window of the text, redrawn fast when the window moves.

    HiddenHeatmapPlot(states, text, width=80, scale=None, order=None, rows=None)
        states (T, H), text a str of length T; width: characters per window (at most T);
        scale: the value drawn at full colour (default max |h|, 1 if all are 0);
        order: the units from the top row down (default 0 .. H-1), e.g.
        rnnlib.explore.units_by_correlation(r); rows: the label of that axis
    update(start, unit=None): show text[start:start + width], with unit's row outlined.
    """

    def __init__(self, states, text, width=80, scale=None, order=None, rows=None):
        where = "HiddenHeatmapPlot"
        states = v.as_float_array(states, "states", where)
        if states.ndim != 2 or 0 in states.shape:
            raise ValueError(f"{where}: states should have shape (T, H), got "
                             f"{v.fmt_shape(states.shape)}.")
        if not isinstance(text, str) or len(text) != states.shape[0]:
            raise ValueError(f"{where}: text should be a str with one character per row of "
                             f"states ({states.shape[0]}), got {type(text).__name__} of length "
                             f"{len(text) if isinstance(text, str) else '?'}.")
        v.check_finite(states, "states", where)
        T, H = states.shape
        self.states, self.text = states, text
        self.width = min(v.positive_int(width, "width", where), T)
        self.scale = float(scale) if scale else float(np.abs(states).max()) or 1.0

        # Laid out in pixels: one column per character, wide enough for its letter.
        dpi = 80
        col = int(np.clip(round(700 / self.width), 5, 9))  # px per character, whole: see below
        row = float(np.clip(320 / H, 2, 10))               # px per unit
        left, right, top, bottom = 48, 72, 28, 26   # tick labels, colour bar, caption, letters
        w_px, h_px = self.width * col, H * row
        W, Hf = left + w_px + right, bottom + h_px + top
        fig = self.figure = Figure(figsize=(W / dpi, Hf / dpi), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = self.ax = fig.add_axes((left / W, bottom / Hf, w_px / W, h_px / Hf))
        self.image = ax.imshow(np.zeros((H, self.width)), cmap=DIVERGING, vmin=-self.scale,
                               vmax=self.scale, aspect="auto", interpolation="nearest",
                               extent=(-0.5, self.width - 0.5, H - 0.5, -0.5))
        ax.set_xticks([])
        ax.tick_params(labelsize=8)
        for spine in ax.spines.values():                  # the image covers them anyway
            spine.set_visible(False)
        cax = fig.add_axes(((left + w_px + 10) / W, bottom / Hf, 10 / W, h_px / Hf))
        bar = fig.colorbar(self.image, cax=cax)
        bar.ax.tick_params(labelsize=8)
        bar.set_label("activation $h_{t,u}$", fontsize=9)
        # The letters are ONE monospaced text whose font size makes each letter exactly a
        # column wide: one text draws in ~1 ms, one text per letter would take ~80 ms.
        self.letters = ax.text(0, -4 / h_px, "M" * self.width, ha="left", va="top",
                               family="DejaVu Sans Mono", parse_math=False,
                               transform=ax.transAxes)
        self.letters.set_fontsize(_size_for_advance(self.letters, w_px, fig))
        self.caption = fig.text(left / W, 1 - 14 / Hf, "", fontsize=10, va="center")
        self.row = Rectangle((-0.5, -0.5), self.width, 1, fill=False, lw=1.0, ec="none")
        ax.add_patch(self.row)
        self.dynamic = [self.image, self.row, self.caption, self.letters]
        # The row labels change with the order: the y axis alone is redrawn then (~6 ms, the
        # whole static part ~35 ms). Its ticks point out of the image, away from the rest.
        self.occasional = [ax.yaxis]
        self.set_order(order, rows)

    def set_order(self, order=None, rows=None):
        """Show the units in this order from the top row down (None: 0 .. H-1), with rows as
        the label of that axis; the next update() draws them so."""
        H = self.states.shape[1]
        order = np.arange(H) if order is None else np.asarray(order)
        if order.dtype.kind not in "iu" or sorted(order.tolist()) != list(range(H)):
            raise ValueError(f"HiddenHeatmapPlot: order should list every unit 0 .. {H - 1} "
                             f"once, the unit of each row from the top, got "
                             f"{v.short(order.tolist())}. rnnlib.explore.units_by_correlation(r) "
                             f"gives one.")
        self.order = order.astype(int)
        self.row_of = np.argsort(self.order)                  # unit -> its row
        ticks = list(range(0, H, max(1, H // 8)))
        self.ax.set_yticks(ticks, [str(self.order[k]) for k in ticks])
        self.ax.set_ylabel(rows or "unit", fontsize=9)
        self.invalidate(self.ax.yaxis)                # redrawn alone at the next png()
        return self

    def update(self, start, unit=None):
        """Show text[start:start + width]; outline unit's row (None: no outline)."""
        T, H = self.states.shape
        start = v.int_in(start, 0, T - self.width, "start", "HiddenHeatmapPlot.update",
                         f"A window of {self.width} characters starts at 0 to {T - self.width}.")
        if unit is not None:
            unit = v.index(unit, H, "unit", "HiddenHeatmapPlot.update")
        end = start + self.width
        self.image.set_data(self.states[start:end, self.order].T)    # (H, width): a row per unit
        self.letters.set_text("".join(map(_label, self.text[start:end])))
        # No outline is an invisible edge, not set_visible(False): LivePlot makes every dynamic
        # artist visible again when it redraws the static part.
        self.row.set_edgecolor("none" if unit is None else "black")
        if unit is not None:
            self.row.set_y(self.row_of[unit] - 0.5)
        outlined = "" if unit is None else f"; unit {unit} outlined"
        self.caption.set_text(f"characters {start} to {end - 1} of {T}{outlined}")
        return self


def hidden_heatmap_figure(states, text, start=0, width=80, unit=None, scale=None, order=None,
                          rows=None):
    """units x characters of text[start:start + width] as a Figure (see HiddenHeatmapPlot);
    order: the units from the top row down, rows: that axis' label."""
    return HiddenHeatmapPlot(states, text, width, scale, order, rows).update(start, unit).figure


def unit_by_level_figure(activation, levels, unit, feature, seed=0):
    """One unit's activation at every character, grouped by the value of a whole-number feature
    (e.g. bracket depth 0, 1, 2, 3): a dot per character (spread sideways so they can be seen),
    the mean of each level as a black bar, and how many characters each level has.

    activation (T,), levels (T,) whole numbers  ->  Figure. seed: the sideways spread only.
    """
    where = "unit_by_level_figure"
    h = v.as_float_array(activation, "activation", where).ravel()
    lv = np.asarray(levels).ravel()
    if h.shape != lv.shape or h.size == 0:
        raise ValueError(f"{where}: activation and levels should have the same shape (T,), one "
                         f"value per character, got {v.fmt_shape(np.shape(activation))} and "
                         f"{v.fmt_shape(np.shape(levels))}.")
    fig = Figure(figsize=(5.5, 3.2), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    jitter = np.random.default_rng(seed).uniform(-0.28, 0.28, h.size)
    ax.scatter(lv + jitter, h, s=4, alpha=0.25, color="C0", linewidths=0)
    values = np.unique(lv)
    means = np.array([h[lv == k].mean() for k in values])
    ax.hlines(means, values - 0.35, values + 0.35, color="black", linewidth=2.5, label="mean")
    for k in values:
        n = int((lv == k).sum())
        ax.annotate(f"{n} char{'s' if n != 1 else ''}", (k, 1.0), xycoords=("data", "axes fraction"),
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(values)
    ax.set(xlabel=feature, ylabel=f"unit {unit}'s activation")
    ax.legend(loc="best", fontsize=8)
    return fig


def clamp_effects_figure(effects, baseline, unit, xlabel, ylabel, labelled=6):
    """What holding each unit fixed does to two numbers (e.g. the mean probability of ")" and
    of a newline inside brackets): one dot per unit, `unit` in red, the run without holding
    anything as a black cross, and the `labelled` dots furthest from it numbered.

    effects (H, 2): row u = the two numbers when unit u is held; baseline (2,)  ->  Figure.
    """
    where = "clamp_effects_figure"
    e = v.as_float_array(effects, "effects", where)
    if e.ndim != 2 or e.shape[1] != 2 or len(e) == 0:
        raise ValueError(f"{where}: effects should have shape (H, 2), the two numbers for each "
                         f"unit held, got {v.fmt_shape(e.shape)}.")
    base = v.array(baseline, [("2", 2)], "baseline", where)
    unit = v.index(unit, len(e), "unit", where)
    fig = Figure(figsize=(5.6, 3.8), dpi=90, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    others = np.arange(len(e)) != unit
    ax.scatter(e[others, 0], e[others, 1], s=18, color="0.55", label="another unit held")
    ax.scatter(*e[unit], s=60, color="#b2182b", zorder=3, label=f"unit {unit} held")
    ax.scatter(*base, s=80, marker="x", color="black", zorder=3, label="nothing held")
    far = np.argsort(-np.hypot(*((e - base) / (np.ptp(e, axis=0) + 1e-12)).T))[:labelled]
    for u in far:
        ax.annotate(str(u), e[u], xytext=(4, 3), textcoords="offset points", fontsize=8)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=8, loc="best")
    return fig
