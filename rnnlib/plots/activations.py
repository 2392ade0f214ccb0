"""Activation functions, drawn: the curve act(a) with pre-activations marked on it, one
timestep's terms x_t @ Wx, h_(t-1) @ Wh and b per hidden unit, tanh(w x) for a weight w, and
tanh's derivative against finite differences.

Every *_figure function returns a matplotlib Figure (never calls plt.show()). The two *Plot
classes are the same pictures kept alive for a widget's slider (see live.py).
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import _validation as v
from .. import activation, activation_grad
from .live import LivePlot


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
# The course's one definition: a tanh unit is saturated where its slope 1 - tanh(a)^2 is below
# 0.1, that is where |a| > atanh(sqrt(0.9)) = 1.818...: its output barely follows its input.
SATURATION_SLOPE = 0.1
SATURATION_A = float(np.arctanh(np.sqrt(1 - SATURATION_SLOPE)))
TANH_LIM = 4.0     # the tanh panel shows a in [-4, 4]: beyond it the curve is flat to 3 decimals


def _symlog_ticks(ax, linthresh, lim):
    """A symmetric log y-axis, linear within +-linthresh, ticked 0, +-linthresh, +-10 linthresh, ..."""
    ax.set_yscale("symlog", linthresh=linthresh, linscale=1.0)
    top = [linthresh * 10.0 ** k for k in range(int(np.floor(np.log10(lim / linthresh) + 1e-9)) + 1)]
    ax.set_yticks([-t for t in reversed(top)] + [0.0] + top,
                  [f"{-t:g}" for t in reversed(top)] + ["0"] + [f"{t:g}" for t in top], fontsize=8)
    ax.set_ylabel(f"symlog scale: linear within \u00b1{linthresh:g}", fontsize=8)


class StepTermsPlot(LivePlot):
    """The picture of step_terms_figure, kept alive so that a widget can move just the bars
    and dots: StepTermsPlot(H, ...).update(xw, hw, b, t).png().

    term_lim: the bars' y-limits are [-term_lim, term_lim]. linthresh: None for a linear
    axis, or a number for a symmetric log axis that is linear within +-linthresh, so that
    steps whose terms differ by orders of magnitude are all visible on one scale.
    act_lim: the right panel shows a in [-act_lim, act_lim]; a dot beyond it sits at the edge,
    and its label gets an arrow pointing the way it went.
    """

    def __init__(self, hidden_size, nonlinearity="tanh", *, term_lim=1.0, act_lim=3.0,
                 linthresh=None):
        H, self.nonlinearity = hidden_size, nonlinearity
        fig = self.figure = Figure(figsize=(9, 3.2), dpi=80)
        FigureCanvasAgg(fig)
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
        units, width = np.arange(H), 0.8 / len(_TERM_STYLE)
        self.bars = [ax.bar(units + (k - 1.5) * width, np.zeros(H), width, color=color, label=label)
                     for k, (label, color) in enumerate(_TERM_STYLE)]
        ax.axhline(0, color="0.6", lw=0.8, zorder=0.5)     # behind the bars, as when blitted
        if linthresh is not None:
            _symlog_ticks(ax, linthresh, term_lim)
        ax.set_ylim(-term_lim, term_lim)
        ax.set_xlim(-0.6, H - 0.4)
        ax.set_xticks(units, [f"unit {j}" for j in units], fontsize=8)
        # Above the axes, where no bar can cover it.
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, fontsize=8, frameon=False,
                  borderaxespad=0.2, handlelength=1.2, columnspacing=1.2)

        _curve(ax2, nonlinearity, act_lim, slope=False)
        if nonlinearity == "tanh":
            ax2.set_ylim(-1.1, 1.1)
            for side in (-1, 1):                  # where the slope is below 0.1
                ax2.axvspan(side * SATURATION_A, side * max(act_lim, SATURATION_A), color="0.93",
                            zorder=0)
            # bottom right: below a rising curve, where no dot can be
            ax2.text(0.98, 0.04, f"shaded: saturated\n(slope < {SATURATION_SLOPE:g}, "
                     f"|a| > {SATURATION_A:.2f})", transform=ax2.transAxes, ha="right",
                     va="bottom", fontsize=7, color="0.45")
        else:
            ax2.set_ylim(-0.05 * act_lim, 1.05 * act_lim)
        ax2.set_xlabel("pre-activation a" + (f"   (arrow: beyond \u00b1{act_lim:g})"
                                             if nonlinearity == "tanh" else ""), fontsize=9)
        ax2.set_title(f"h_t = {nonlinearity}(a_t), one dot per unit", fontsize=10)
        # zorder above the spines (2.5): a dot at the edge is drawn over the spine both when
        # blitted and in a full drawing
        (self.dots,) = ax2.plot(np.zeros(H), np.zeros(H), "o", color="tab:red", ms=7, zorder=3)
        self.names = [ax2.annotate(str(j), (0, 0), textcoords="offset points", xytext=(5, 5),
                                   fontsize=9, color="tab:red") for j in units]
        # The step's label sits where every nonlinearity's curve leaves room: top left.
        self.label = ax2.text(0.03, 0.9, "", transform=ax2.transAxes, fontsize=10)
        self.act_lim, self._ylim = act_lim, ax2.get_ylim()
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.88, wspace=0.22)
        self.dynamic = [r for bars in self.bars for r in bars] + [self.dots, self.label, *self.names]

    def update(self, xw, hw, b, t=None):
        """Show the terms of one step: xw, hw, b each (H,), already checked by the caller."""
        a = xw + hw + b                               # (H,)
        h = activation(a, self.nonlinearity)          # (H,)
        for bars, values in zip(self.bars, (xw, hw, b, a)):
            for rect, value in zip(bars, values):
                rect.set_height(value)
        lim = self.act_lim
        shown = np.clip(a, -lim, lim)                 # a dot off the curve's range sits at its edge
        self.dots.set_data(shown, h)
        # Units whose dots are close share one label, "0, 2", at the first one's dot, so that
        # labels never overlap: a dot joins the first earlier dot within a label's size.
        y0, y1 = self._ylim
        spot = np.stack([(shown + lim) / (2 * lim), (h - y0) / (y1 - y0)], 1)   # axes fractions
        leader = list(range(len(a)))
        for j in range(len(a)):
            for k in range(j):
                if leader[k] == k and np.all(np.abs(spot[j] - spot[k]) < (0.09, 0.11)):
                    leader[j] = k
                    break
        for j, name in enumerate(self.names):
            same = [k for k in range(len(a)) if leader[k] == j]
            text = ", ".join(map(str, same))
            if text and a[j] > lim:
                text, ha, dx = text + " \u2192", "right", -4
            elif text and a[j] < -lim:
                text, ha, dx = "\u2190 " + text, "left", 4
            else:
                ha, dx = "left", 5
            name.set_text(text)
            name.set_ha(ha)
            name.xy = (shown[j], h[j])
            # below and to the right of the dot, away from a rising curve; above it near the floor
            name.set_position((dx, -13 if h[j] > y0 + 0.15 * (y1 - y0) else 6))
        self.label.set_text("" if t is None else f"t = {t}")
        return self


def step_terms_figure(xw, hw, b, nonlinearity="tanh", *, t=None, term_lim=None, act_lim=None,
                      linthresh=None):
    """Left: the terms of a_t = x_t @ Wx + h_{t-1} @ Wh + b per hidden unit, and their sum.
    Right: h_t = act(a_t), each unit's a_t marked on the curve act(a).

    xw, hw, b: (H,) each. term_lim: the bars' y-limits are [-term_lim, term_lim]; act_lim:
    the right panel shows a in [-act_lim, act_lim]; linthresh: None for a linear bar axis, or
    the linear range of a symmetric log axis. Fix all three across timesteps so pictures of
    different steps compare; by default they fit this step (act_lim is 4 for tanh).
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
        act_lim = TANH_LIM if nonlinearity == "tanh" else max(3.0, 1.1 * float(np.abs(a).max()))
    term_lim = v.number_in(term_lim, 1e-12, np.inf, "term_lim", where)
    act_lim = v.number_in(act_lim, 1e-12, np.inf, "act_lim", where)
    if linthresh is not None:
        linthresh = v.number_in(linthresh, 1e-12, term_lim, "linthresh", where,
                                "It is the linear range of the symmetric log axis, within term_lim.")
    plot = StepTermsPlot(H, nonlinearity, term_lim=term_lim, act_lim=act_lim, linthresh=linthresh)
    return plot.update(xw, hw, b, t).figure


class TanhWeightPlot(LivePlot):
    """tanh(w * x) for x in [-4, 4], with tanh(x) dashed for comparison."""

    def __init__(self):
        fig = self.figure = Figure(figsize=(5, 2.6), dpi=80)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        self.x = np.linspace(-4, 4, 401)
        (self.line,) = ax.plot(self.x, np.tanh(self.x), color="tab:blue", lw=2, label="tanh(w x)")
        # tanh(x) dashed ON TOP of tanh(w x): at w = 1 the two coincide, and the dashes on the
        # blue curve still show both entries of the legend.
        (self.reference,) = ax.plot(self.x, np.tanh(self.x), color="0.3", lw=1.2, ls="--",
                                    label="tanh(x)", zorder=3)
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.set_xlim(-4, 4)
        ax.set_ylim(-1.15, 1.15)
        ax.set_xlabel("x")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        self.label = ax.text(0.97, 0.08, "", transform=ax.transAxes, ha="right", fontsize=10)
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.18, top=0.95)
        self.dynamic = [self.line, self.reference, self.label]     # drawn in this order

    def update(self, w):
        """Show tanh(w * x) for this w (a number, already checked by the caller)."""
        self.line.set_ydata(np.tanh(w * self.x))
        self.label.set_text(f"w = {w:.1f}")
        return self


def tanh_weight_figure(w):
    """tanh(w * x) for x in [-4, 4], and tanh(x): a larger |w| flattens out (saturates) sooner."""
    w = v.number_in(w, -10.0, 10.0, "w", "tanh_weight_figure")
    return TanhWeightPlot().update(w).figure


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
