"""Figures for the notebooks and widgets. Every function returns a matplotlib Figure and
never calls plt.show(), so a widget can place the figure in its Output and a test can
inspect it. Figures are made with matplotlib.figure.Figure (not pyplot), so building one
inside a widget callback opens no extra window and leaks nothing.
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from . import _validation as v
from .functional import activation, activation_grad

# --- notebook 01: one timestep, term by term (step-through widget) ------------------------
#
# A widget redraws on every slider move, and a full savefig of a two-panel figure costs
# 100-200 ms on a modest machine: mostly laying out tick labels, legends and titles that never
# change. LivePlot draws that static part once and afterwards redraws only the artists that
# move (blitting), which takes a few milliseconds. The *_figure functions return the same
# picture as an ordinary Figure, for a notebook cell or a test.

class LivePlot:
    """A Figure drawn once, whose changing artists are redrawn alone by png().

    Subclasses build self.figure and list the artists that update() changes in self.dynamic.
    Their axis limits must stay fixed, because the background is drawn only once.
    """

    figure: Figure
    dynamic: list

    def png(self) -> bytes:
        """The figure as PNG bytes, as savefig would give them, but redrawing only self.dynamic."""
        canvas = self.figure.canvas
        if getattr(self, "_renderer", None) is not canvas.get_renderer():
            for artist in self.dynamic:             # draw everything else once, and keep it
                artist.set_visible(False)
            canvas.draw()
            for artist in self.dynamic:
                artist.set_visible(True)
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._renderer = canvas.get_renderer()
        canvas.restore_region(self._background)
        for artist in self.dynamic:
            self.figure.draw_artist(artist)
        buf = io.BytesIO()
        PILImage.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
        return buf.getvalue()


def _curve(ax, nonlinearity, lim, slope):
    """Draw act(a) (and act'(a) dashed) for a in [-lim, lim] on ax."""
    a = np.linspace(-lim, lim, 801)
    ax.plot(a, activation(a, nonlinearity), color="0.2", lw=1.5, label=f"{nonlinearity}(a)")
    if slope:
        ax.plot(a, activation_grad(activation(a, nonlinearity), nonlinearity), color="0.5",
                lw=1, ls="--", label=f"slope {nonlinearity}'(a)")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlim(-lim, lim)
    ax.set_xlabel("pre-activation a")


def activation_figure(pre_activations, nonlinearity="tanh", *, slope=True, title=None):
    """The curve act(a) with pre-activations marked on it at (a, act(a)).

    pre_activations: an array of any shape, or a dict {label: array} for several groups
    (each gets its own marker). slope=True also draws act'(a) dashed: where it is close to
    0, the unit is saturated and its output no longer follows its input.
    """
    where = "activation_figure"
    v.nonlinearity(nonlinearity, where)
    groups = pre_activations if isinstance(pre_activations, dict) else {"a": pre_activations}
    arrays = {}
    for label, a in groups.items():
        arrays[label] = v.as_float_array(a, f"pre_activations[{label!r}]", where).ravel()
        v.check_finite(arrays[label], f"pre_activations[{label!r}]", where)
    lim = max([3.0] + [1.1 * float(np.abs(a).max()) for a in arrays.values() if a.size])

    fig = Figure(figsize=(6, 3), dpi=80)
    ax = fig.subplots()
    _curve(ax, nonlinearity, lim, slope)
    for (label, a), marker in zip(arrays.items(), "os^Dv*"):
        ax.plot(a, activation(a, nonlinearity), marker, ms=7, alpha=0.8, label=label)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(title or f"{nonlinearity} with the pre-activations marked", fontsize=10)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.88)
    return fig


# One colour per term of a_t = x_t @ Wx + h_{t-1} @ Wh + b, the same in every figure.
_TERM_STYLE = (("x_t @ Wx", "tab:blue"), ("h_(t-1) @ Wh", "tab:orange"), ("b", "tab:green"),
               ("a_t (sum)", "0.3"))


class StepTermsPlot(LivePlot):
    """The picture of step_terms_figure, kept alive so that a widget can move just the bars
    and dots: StepTermsPlot(H, ...).update(xw, hw, b, t).png()."""

    def __init__(self, hidden_size, nonlinearity="tanh", *, term_lim=1.0, act_lim=3.0):
        H, self.nonlinearity = hidden_size, nonlinearity
        fig = self.figure = Figure(figsize=(9, 3.2), dpi=80)
        FigureCanvasAgg(fig)
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
        units, width = np.arange(H), 0.8 / len(_TERM_STYLE)
        self.bars = [ax.bar(units + (k - 1.5) * width, np.zeros(H), width, color=color, label=label)
                     for k, (label, color) in enumerate(_TERM_STYLE)]
        ax.axhline(0, color="0.6", lw=0.8, zorder=0.5)     # behind the bars, as when blitted
        ax.set_ylim(-term_lim, term_lim)
        ax.set_xlim(-0.6, H - 0.4)
        ax.set_xticks(units, [f"unit {j}" for j in units], fontsize=8)
        # Above the axes, where no bar can cover it.
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, fontsize=8, frameon=False,
                  borderaxespad=0.2, handlelength=1.2, columnspacing=1.2)

        _curve(ax2, nonlinearity, act_lim, slope=False)
        ax2.set_ylim(*((-1.1, 1.1) if nonlinearity == "tanh" else (-0.05 * act_lim, 1.05 * act_lim)))
        ax2.set_title(f"h_t = {nonlinearity}(a_t), one dot per unit", fontsize=10)
        (self.dots,) = ax2.plot(np.zeros(H), np.zeros(H), "o", color="tab:red", ms=7)
        self.names = [ax2.annotate(str(j), (0, 0), textcoords="offset points", xytext=(5, 5),
                                   fontsize=8, color="tab:red") for j in units]
        # The step's label sits where every nonlinearity's curve leaves room: top left.
        self.label = ax2.text(0.03, 0.9, "", transform=ax2.transAxes, fontsize=10)
        self.act_lim = act_lim
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.88, wspace=0.2)
        self.dynamic = [r for bars in self.bars for r in bars] + [self.dots, self.label, *self.names]

    def update(self, xw, hw, b, t=None):
        """Show the terms of one step: xw, hw, b each (H,), already checked by the caller."""
        a = xw + hw + b                               # (H,)
        h = activation(a, self.nonlinearity)          # (H,)
        for bars, values in zip(self.bars, (xw, hw, b, a)):
            for rect, value in zip(bars, values):
                rect.set_height(value)
        shown = np.clip(a, -self.act_lim, self.act_lim)   # a dot off the curve's range sits at its edge
        self.dots.set_data(shown, h)
        for name, a_j, h_j in zip(self.names, shown, h):
            name.xy = (a_j, h_j)
            name.set_position((5, -11 if h_j > 0 else 5))
        self.label.set_text("" if t is None else f"t = {t}")
        return self


def step_terms_figure(xw, hw, b, nonlinearity="tanh", *, t=None, term_lim=None, act_lim=None):
    """Left: the terms of a_t = x_t @ Wx + h_{t-1} @ Wh + b per hidden unit, and their sum.
    Right: h_t = act(a_t), each unit's a_t marked on the curve act(a).

    xw, hw, b: (H,) each. term_lim: the bars' y-limits are [-term_lim, term_lim]; act_lim:
    the right panel shows a in [-act_lim, act_lim]. Fix both across timesteps so pictures
    of different steps compare; by default they fit this step.
    """
    where = "step_terms_figure"
    xw = v.array(xw, [("hidden_size", None)], "xw", where)
    H = xw.shape[0]
    hw = v.array(hw, [("hidden_size", H)], "hw", where)
    b = v.array(b, [("hidden_size", H)], "b", where)
    v.nonlinearity(nonlinearity, where)
    a = xw + hw + b
    if term_lim is None:
        term_lim = 1.1 * max(float(np.abs(np.stack([xw, hw, b, a])).max()), 1e-3)
    if act_lim is None:
        act_lim = max(3.0, 1.1 * float(np.abs(a).max()))
    term_lim = v.number_in(term_lim, 1e-12, np.inf, "term_lim", where)
    act_lim = v.number_in(act_lim, 1e-12, np.inf, "act_lim", where)
    plot = StepTermsPlot(H, nonlinearity, term_lim=term_lim, act_lim=act_lim)
    return plot.update(xw, hw, b, t).figure


class TanhWeightPlot(LivePlot):
    """tanh(w * x) for x in [-4, 4], with tanh(x) dashed for comparison."""

    def __init__(self):
        fig = self.figure = Figure(figsize=(5, 2.6), dpi=80)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        self.x = np.linspace(-4, 4, 401)
        ax.plot(self.x, np.tanh(self.x), color="0.7", lw=1, ls="--", label="tanh(x)")
        (self.line,) = ax.plot(self.x, np.tanh(self.x), color="tab:blue", lw=2, label="tanh(w x)")
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.set_xlim(-4, 4)
        ax.set_ylim(-1.15, 1.15)
        ax.set_xlabel("x")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        self.label = ax.text(0.97, 0.08, "", transform=ax.transAxes, ha="right", fontsize=10)
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.18, top=0.95)
        self.dynamic = [self.line, self.label]

    def update(self, w):
        self.line.set_ydata(np.tanh(w * self.x))
        self.label.set_text(f"w = {w:.1f}")
        return self


def tanh_weight_figure(w):
    """tanh(w * x) for x in [-4, 4], and tanh(x): a larger |w| flattens out (saturates) sooner."""
    w = v.number_in(w, -10.0, 10.0, "w", "tanh_weight_figure")
    return TanhWeightPlot().update(w).figure


def two_timesteps_figure():
    """Seed 003's network unrolled over its two timesteps: x0 -> y0, x1 -> y1, y0 -> y1.

    Each input arrow is labelled Wx and the arrow between the steps Wy, the same matrices at
    both steps; a faded arrow leaves y1 for the steps a longer sequence would have.
    """
    fig = Figure(figsize=(7.5, 3.3), dpi=80)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.9))
    ax.set_axis_off()
    ax.set(xlim=(0.0, 10.0), ylim=(-0.4, 3.6))
    boxes = {"x": ("#dbe9f6", 0.4), "y": ("#fde6cc", 2.2)}      # colour, row height
    arrow = dict(arrowstyle="-|>", lw=1.5, mutation_scale=14, shrinkA=14, shrinkB=14)
    for t, (c, formula) in enumerate([(2.0, r"$y_0 = \tanh(x_0 W_x + b)$"),
                                      (6.0, r"$y_1 = \tanh(y_0 W_y + x_1 W_x + b)$")]):
        for row, (colour, y) in boxes.items():
            ax.text(c, y, f"${row}_{t}$\n(3, {2 if row == 'x' else 3})", ha="center",
                    va="center", fontsize=12, bbox=dict(boxstyle="round,pad=0.4", fc=colour,
                                                        ec="#555555"))
        ax.annotate("", xy=(c, boxes["y"][1]), xytext=(c, boxes["x"][1]),
                    arrowprops=dict(arrow, color="tab:blue", shrinkA=20, shrinkB=20))
        ax.text(c + 0.15, 1.3, "$W_x$", color="tab:blue", fontsize=12, va="center")
        ax.text(c, 3.25, formula, ha="center", fontsize=11)
        ax.text(c, -0.3, f"t = {t}", ha="center", fontsize=10, color="0.35")
    ax.annotate("", xy=(6.0, 2.2), xytext=(2.0, 2.2),
                arrowprops=dict(arrow, color="tab:orange", shrinkA=24, shrinkB=24))
    ax.text(4.0, 2.35, "$W_y$ (memory)", color="tab:orange", fontsize=12, ha="center")
    ax.annotate("", xy=(9.4, 2.2), xytext=(6.0, 2.2),
                arrowprops=dict(arrow, color="tab:orange", alpha=0.35, ls="--", shrinkA=24))
    ax.text(9.5, 2.2, "...", color="0.6", fontsize=14, va="center")
    ax.text(8.1, 2.35, "$W_y$", color="tab:orange", alpha=0.45, fontsize=12, ha="center")
    fig.suptitle("The network unrolled in time: the same $W_x$, $W_y$ and $b$ at every step",
                 fontsize=11)
    return fig


# --- notebook 02: the hidden-state trajectory in [-1, 1]^2 ---------------------------------

def trajectory_figure(states, labels, h0=None, word_length=None, title=None, fig=None):
    """The path of a 2-unit hidden state through the square [-1, 1]^2, one arrow per step.

    states (T, 2)   h_0 .. h_{T-1}: the state after each character (an RNN's output[0])
    labels          T strings, labels[t] = the character read at step t
    h0 (2,)         the state before the first step (zeros when None), a white dot
    word_length     when one word was fed several times in a row (T = repeats * word_length),
                    earlier passes are drawn faint and only the last pass is labelled, so a
                    settled cycle reads as one clean loop
    title           a line of text above the square
    fig             a Figure returned by an earlier call: its path is replaced in place, which
                    is about twice as fast as building a new one (what a widget wants)

    A white dot marks h0, a red ring the final state, and the colour darkens with time.
    Returns a matplotlib Figure.
    """
    where = "trajectory_figure"
    labels = [str(s) for s in labels]
    states = v.as_float_array(states, "states", where)
    v.check_shape(states, [("time", len(labels)), ("hidden_size", 2)], "states", where,
                  "Give one row per label: states[t] is the state after reading labels[t]. "
                  "The square only fits a hidden size of 2.")
    v.check_finite(states, "states", where)
    h0 = np.zeros(2) if h0 is None else v.array(h0, [("hidden_size", 2)], "h0", where)
    T = len(labels)
    word_length = T if word_length is None else v.positive_int(word_length, "word_length", where)
    if fig is not None and not (isinstance(fig, Figure) and len(fig.axes) == 1
                                and fig.axes[0].get_gid() == "trajectory square"):
        raise TypeError(f"{where}: fig should be a Figure returned by trajectory_figure, got "
                        f"{type(fig).__name__}. Leave fig=None to get a new one.")

    if fig is None:
        fig = _square_figure()
    ax = fig.axes[0]
    for artist in [*ax.collections, *ax.lines, *ax.texts]:
        if artist.get_gid() == "path":
            artist.remove()
    ax.set_title(title or "", fontsize=10)

    def add(artist):
        artist.set_gid("path")

    add(ax.plot(*h0, "o", mfc="white", mec="black", ms=7, zorder=4)[0])
    if T:
        path = np.vstack([h0, states])                          # (T + 1, 2)
        step = np.diff(path, axis=0)                            # (T, 2): one arrow per step
        last = np.arange(T) >= T - word_length                  # the last pass through the word
        colours = _path_colours(T)                              # (T, 4) RGBA, dark = late
        colours[~last, 3] = 0.25                                # earlier passes: faint
        add(ax.quiver(path[:-1, 0], path[:-1, 1], step[:, 0], step[:, 1], color=colours,
                      angles="xy", scale_units="xy", scale=1, width=0.006, headwidth=4,
                      headlength=5, headaxislength=4.5, zorder=3))
        add(ax.scatter(states[:, 0], states[:, 1], s=18, c=colours, zorder=5))
        for t in np.flatnonzero(last):
            add(ax.annotate(labels[t], states[t], xytext=(5, 4), textcoords="offset points",
                            fontsize=12, fontweight="bold", color="#222222", zorder=6))
        add(ax.plot(*states[-1], "o", mfc="none", mec="crimson", ms=12, mew=1.5, zorder=6)[0])
    return fig


def _square_figure():
    """The empty square [-1, 1]^2 with its edges labelled: the background every path sits on."""
    fig = Figure(figsize=(4.2, 4.4), dpi=80)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.9), gid="trajectory square")
    # No axis objects and few texts: the square is its own frame, labelled by one line per
    # side. Ticks, spines and a text per tick would cost a widget half of its redraw time.
    ax.set(xlim=(-1.22, 1.08), ylim=(-1.22, 1.08), aspect="equal")
    ax.set_axis_off()
    ax.fill([-1, 1, 1, -1], [-1, -1, 1, 1], facecolor="#f4f6fa", edgecolor="#888888", lw=1)
    ax.plot([-1, 1, np.nan, 0, 0], [0, 0, np.nan, -1, 1], color="#d0d0d0", lw=0.8, zorder=0)
    ax.text(-1.02, -1.02, "-1", ha="right", va="top", fontsize=9)       # corner: both axes
    ax.text(1.0, -1.03, "+1", ha="center", va="top", fontsize=9)
    ax.text(-1.03, 1.0, "+1", ha="right", va="center", fontsize=9)
    ax.text(0, -1.03, "h[0]", ha="center", va="top", fontsize=10)
    ax.text(-1.03, 0, "h[1]", ha="right", va="center", fontsize=10, rotation=90)
    return fig


def _path_colours(T):
    """T RGBA colours from a light teal to a dark violet: the order of the steps at a glance."""
    w = np.linspace(0.0, 1.0, T)[:, None]                        # (T, 1)
    early, late = np.array([0.35, 0.75, 0.55, 1.0]), np.array([0.25, 0.05, 0.40, 1.0])
    return (1 - w) * early + w * late                            # (T, 4)


# --- notebook 03: batching, a loop over the batch vs one matrix product -------------------

def batching_times(batch_sizes, loop_seconds, batched_seconds):
    """Measured time of one RNN step for N sequences: a Python loop over them vs one product.

    batch_sizes (K,) the N measured; loop_seconds, batched_seconds (K,) seconds per step.
    Left: time per step against N, both axes logarithmic, with a dotted line proportional to
    N through the loop's first point. Right: the same times divided by N (per sequence).
    """
    where = "batching_times"
    sizes = np.asarray(batch_sizes)
    if np.issubdtype(sizes.dtype, np.integer):
        sizes = sizes.astype(float)                       # counts are ints; the axes are floats
    n = v.array(sizes, [("K", None)], "batch_sizes", where)
    loop = v.array(loop_seconds, [("K", len(n))], "loop_seconds", where)
    batched = v.array(batched_seconds, [("K", len(n))], "batched_seconds", where)
    if (n <= 0).any() or (loop <= 0).any() or (batched <= 0).any():
        raise ValueError(f"{where}: batch sizes and times should be positive; they are drawn on "
                         f"logarithmic axes.")

    fig = Figure(figsize=(8, 3), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, per in ((left, 1.0), (right, n)):
        ax.loglog(n, loop / per * 1e6, "o-", color="C3", label="Python loop over the batch")
        ax.loglog(n, batched / per * 1e6, "s-", color="C0", label="one batched matrix product")
        ax.set_xlabel("batch size N")
        ax.grid(True, which="major", color="0.9")
    left.loglog(n, loop[0] * n / n[0] * 1e6, ":", color="0.5", label="proportional to N")
    left.set(ylabel="microseconds per step", title="time for the whole batch")
    right.set(ylabel="microseconds per sequence", title="time per sequence")
    left.legend(fontsize=8, frameon=False)
    return fig

# --- notebooks 04-06: gradients and training ----------------------------------------------

# --- notebook 04: the unrolled graph and the sum over time ----------------------------------

_FORWARD, _BACKWARD = "#222222", "crimson"


def _box(ax, xy, text, colour):
    ax.text(*xy, text, ha="center", va="center", fontsize=12, zorder=3,
            bbox=dict(boxstyle="round,pad=0.35", fc=colour, ec="#555555", lw=1))


def _arrow(ax, start, end, colour, dashed=False, label=None, label_at=0.5, offset=(0, 0), **text):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.4, shrinkA=0, shrinkB=0,
                                ls="--" if dashed else "-", mutation_scale=12))
    if label:
        x = start[0] + label_at * (end[0] - start[0]) + offset[0]
        y = start[1] + label_at * (end[1] - start[1]) + offset[1]
        ax.text(x, y, label, color=colour, fontsize=10, ha="center", va="center", zorder=4, **text)


def unrolled_graph(T=2, gradients=True, title=None):
    """The RNN unrolled over T steps: x_t -> h_t -> h_{t+1}, and each h_t -> its loss term L_t.

    Black arrows are the forward pass (h_t = tanh(x_t Wx + h_{t-1} Wh + b)); with
    gradients=True, red dashed arrows are the backward pass: into h_t flow the gradient from
    its own loss term and the gradient from step t+1, da_{t+1} Wh^T, and out of h_t flow the
    gradients to x_t and to h_{t-1}. Steps are numbered 1..T, h_0 is the initial state.
    """
    where = "unrolled_graph"
    T = v.positive_int(T, "T", where)
    if T > 8:
        raise ValueError(f"{where}: T should be at most 8 for a readable drawing, got {T}. "
                         f"The graph for longer sequences repeats the same step.")
    gradients = v.flag(gradients, "gradients", where)
    dx, yx, yh, yl = 2.4, 0.0, 1.7, 3.4            # column spacing; rows of x_t, h_t, L_t
    hw, hh = 0.38, 0.26                            # half width / height of a box, for the arrows
    fig = Figure(figsize=(1.6 + 2.05 * T, 3.6 if gradients else 3.3), dpi=90)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.88 if title else 0.98))
    ax.set_axis_off()
    ax.set(xlim=(-0.8, T * dx + 1.2), ylim=(-0.55, yl + 0.55))
    _box(ax, (0, yh), "$h_0$", "#eeeeee")
    s = 0.09 if gradients else 0.0                 # forward and backward arrows side by side
    for t in range(1, T + 1):
        c = t * dx
        _box(ax, (c, yx), f"$x_{t}$", "#dbe9f6")
        _box(ax, (c, yh), f"$h_{t}$", "#fde6cc")
        _box(ax, (c, yl), f"$L_{t}$", "#e3f1df")
        _arrow(ax, (c - s, yx + hh), (c - s, yh - hh), _FORWARD, label="$W_x$", offset=(-0.28, 0))
        _arrow(ax, (c - dx + hw, yh + s), (c - hw, yh + s), _FORWARD, label="$W_h$", offset=(0, 0.2))
        _arrow(ax, (c - s, yh + hh), (c - s, yl - hh), _FORWARD)
        if gradients:
            _arrow(ax, (c + s, yl - hh), (c + s, yh + hh), _BACKWARD, dashed=True,
                   label=r"$\partial L_{%d}/\partial h_{%d}$" % (t, t), offset=(0.45, 0))
            _arrow(ax, (c - hw, yh - s), (c - dx + hw, yh - s), _BACKWARD, dashed=True,
                   label=r"$da_{%d}\,W_h^\top$" % t, offset=(0, -0.22))
            _arrow(ax, (c + s, yh - hh), (c + s, yx + hh), _BACKWARD, dashed=True,
                   label=r"$da_{%d}\,W_x^\top$" % t, offset=(0.42, 0))
    ax.plot([], [], color=_FORWARD, lw=1.4, label="forward: values")
    if gradients:
        ax.plot([], [], color=_BACKWARD, lw=1.4, ls="--", label="backward: gradients")
    ax.legend(loc="upper left", fontsize=9, frameon=False, bbox_to_anchor=(0.0, 1.02))
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def tanh_derivative_figure():
    """tanh(a), its derivative 1 - tanh(a)^2, and centred differences of tanh at a few points.

    The dots are (tanh(a + eps) - tanh(a - eps)) / (2 eps), eps = 1e-6: they land on the curve.
    """
    eps = 1e-6
    a = np.linspace(-4, 4, 401)
    dots = np.linspace(-3.5, 3.5, 15)
    fig = Figure(figsize=(5.6, 3.0), dpi=90)
    ax = fig.add_axes((0.1, 0.16, 0.86, 0.76))
    ax.plot(a, np.tanh(a), color="0.2", lw=1.5, label="h = tanh(a)")
    ax.plot(a, 1 - np.tanh(a) ** 2, color="tab:orange", lw=1.5, ls="--", label="1 - h$^2$")
    fd = (np.tanh(dots + eps) - np.tanh(dots - eps)) / (2 * eps)
    ax.plot(dots, fd, "o", color="crimson", ms=5, label="finite difference")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.set(xlim=(-4, 4), xlabel="pre-activation a")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    return fig


def sum_over_time_figure(parts, labels, total_label="sum", title=None):
    """Heatmaps of per-step gradient contributions and of their sum, side by side.

    parts: a list of K arrays of the same 2-D shape (one per timestep), labels: K titles.
    Shared symmetric colour scale, and every cell is printed with 2 decimals, so the learner
    can add the numbers by eye.
    """
    where = "sum_over_time_figure"
    arrays = [v.as_float_array(p, f"parts[{i}]", where) for i, p in enumerate(parts)]
    if not arrays or any(a.ndim != 2 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"{where}: parts should be a non-empty list of 2-D arrays of one shape, "
                         f"got shapes {[v.fmt_shape(a.shape) for a in arrays]}.")
    if len(labels) != len(arrays):
        raise ValueError(f"{where}: got {len(labels)} labels for {len(arrays)} parts; give one each.")
    panels = arrays + [sum(arrays)]
    names = list(labels) + [total_label]
    lim = max(float(np.abs(p).max()) for p in panels) or 1.0
    K = len(panels)
    fig = Figure(figsize=(2.3 * K + 0.3, 2.7), dpi=90)
    for k, (p, name) in enumerate(zip(panels, names)):
        ax = fig.add_axes((0.02 + k / K, 0.05, 0.8 / K, 0.72))
        ax.imshow(p, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (i, j), val in np.ndenumerate(p):
            ax.text(j, i, f"{val:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(val) > 0.6 * lim else "black")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name, fontsize=10)
        if k:
            fig.text(0.01 + k / K, 0.41, "=" if k == K - 1 else "+", fontsize=16, ha="center", va="center")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


# --- notebook 05: training curves and extrapolation ----------------------------------------

def training_curves(history, title=None):
    """The loss per epoch (log scale) and, when the history has it, the accuracy beside it.

    history: dict of lists as rnnlib.fit returns ("loss", optionally "accuracy").
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    has_acc = bool(history.get("accuracy"))
    # fixed margins, not layout="constrained": the monitor redraws this while training runs,
    # and the layout solver would double the cost of every redraw
    fig = Figure(figsize=(7.5 if has_acc else 4.5, 2.8), dpi=80)
    fig.subplots_adjust(left=0.1 if has_acc else 0.16, right=0.97, bottom=0.17, top=0.88, wspace=0.3)
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    epochs = np.arange(1, len(history["loss"]) + 1)
    axes[0].semilogy(epochs, history["loss"], color="C0")
    axes[0].set(xlabel="epoch", ylabel="loss (log scale)", title=title or "loss")
    # plain tick labels ("0.05") at 10^k (and 2, 5 x 10^k over a short range), no minor ticks:
    # the default log ticks (dozens of minor ticks, LaTeX-style labels) cost 40% of a redraw
    loss = np.asarray(history["loss"], dtype=float)
    decades = np.log10(loss.max() / loss.min()) if np.all(loss > 0) else 0.0
    axes[0].yaxis.set_major_locator(LogLocator(subs=(1.0,) if decades > 2 else (1.0, 2.0, 5.0)))
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes[0].yaxis.set_minor_locator(NullLocator())
    if has_acc:
        axes[1].plot(epochs, history["accuracy"], color="C2")
        axes[1].set(xlabel="epoch", ylabel="accuracy", ylim=(-0.03, 1.03), title="accuracy")
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def loss_curves(curves, title="loss per epoch", log=True, ylabel="loss"):
    """Several loss curves on one axis: curves is a dict label -> list of per-epoch values."""
    fig = Figure(figsize=(6, 3.2), dpi=80, layout="constrained")
    ax = fig.add_subplot()
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel=ylabel + (" (log scale)" if log else ""), title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def extrapolation(inputs, predictions, train_range=None, title="predictions beyond the training range"):
    """Prediction against input for several models, with the target x + 1 as a dashed line.

    inputs (K,), predictions: dict label -> (K,) outputs; train_range (lo, hi) is shaded.
    The right panel shows each model's error, prediction - (x + 1).
    """
    x = np.asarray(inputs, dtype=float)
    fig = Figure(figsize=(8, 3.2), dpi=80, layout="constrained")
    ax, ax_err = fig.subplots(1, 2)
    ax.plot(x, x + 1, "k--", lw=1, label="target x + 1")
    for label, y in predictions.items():
        ax.plot(x, y, label=label)
        ax_err.plot(x, np.asarray(y) - (x + 1), label=label)
    for a in (ax, ax_err):
        if train_range is not None:
            a.axvspan(*train_range, color="0.85", label="training inputs")
        a.set_xlabel("input x")
        a.grid(alpha=0.3)
    ax_err.axhline(0, color="k", lw=0.8)
    ax.set(ylabel="prediction", title=title)
    ax_err.set(ylabel="prediction - target", title="error")
    ax.legend(fontsize=8)
    return fig
