"""Gradients through time, drawn: ||dL/dh_t|| against t on a log scale, the eigenvalues of Wh
around the unit circle, the distribution of the activation's slope act'(a), what a network
learns against how far back its answer lies, and the loss, update by update, of runs that
learn next to runs that stay on a plateau.

Every *_figure function returns a matplotlib Figure (never calls plt.show()).
GradientFlowPlot is the gradient-flow widget's picture, kept alive so that a slider move
redraws only the curve and the eigenvalues (see live.py).

A gradient norm can be exactly 0 (nothing flows back), inf (beyond float64) or nan (the
forward pass itself overflowed). None of these has a place on a log axis, so they are drawn as
markers in bands along the bottom (0) and the top (inf, nan) of the panel.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from .. import _validation as v
from .live import LivePlot

Y_LIM = (1e-64, 1e64)          # the log axis; everything finite between 1e-60 and 1e60 fits
ZERO_Y, OVER_Y = 1e-60, 1e60   # where the bands of exact zeros and of inf / nan sit
EIG_LIM = 3.4                  # the eigenvalue panel shows |lambda| up to this; larger ones sit on its edge
_MARKS = {"zero": dict(marker="v", color="0.45", ls="none", ms=4, label="exactly 0"),
          "inf": dict(marker="^", color="crimson", ls="none", ms=4, label="overflow (inf)"),
          "nan": dict(marker="x", color="crimson", ls="none", ms=4, label="no number (nan)")}


def _split(norms):
    """(curve, zeros, infs, nans) of a (T,) array of norms: the curve keeps the positive finite
    values (nan elsewhere, which leaves a gap); the others are the t where each special value is."""
    norms = np.asarray(norms, dtype=float)
    t = np.arange(norms.size)
    curve = np.where(np.isfinite(norms) & (norms > 0), norms, np.nan)
    return curve, t[norms == 0], t[np.isinf(norms)], t[np.isnan(norms)]


def _labelled(value, name, what, where):
    """A non-empty dict label -> array, the input of the figures that draw one thing per label."""
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{where}: {name} should be a non-empty dict label -> {what}, "
                        f"got {type(value).__name__}.")
    return value


def _norms(value, name, where):
    """A 1-D float array of gradient norms; inf and nan are allowed (they are drawn as such)."""
    norms = v.as_float_array(value, name, where)
    v.check_shape(norms, [("time", None)], name, where, "One norm per timestep, e.g. gradient_norms(...).")
    if not norms.size:
        raise ValueError(f"{where}: {name} is empty; it needs at least one timestep.")
    return norms


def _log_axis(ax):
    ax.set_yscale("log")
    ax.set_ylim(*Y_LIM)
    # one tick every 20 decades, no minor ticks: dozens of log ticks would cost a redraw
    ax.yaxis.set_major_locator(FixedLocator([1e-60, 1e-40, 1e-20, 1.0, 1e20, 1e40, 1e60]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.axhline(1.0, color="0.75", lw=0.8, ls=":", zorder=0)
    ax.grid(axis="y", alpha=0.25)
    ax.set_ylabel("||dL/dh_t|| (log scale)")


def _eigen_axis(ax):
    theta = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(theta), np.sin(theta), color="0.3", lw=1.2, label="unit circle")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlim(-EIG_LIM, EIG_LIM)
    ax.set_ylim(-EIG_LIM, EIG_LIM)
    ax.set_aspect("equal")
    ax.set_xlabel("real part")
    ax.set_ylabel("imaginary part")


def _on_panel(eigenvalues):
    """(inside, outside): eigenvalues within the panel, and those beyond it moved radially to
    its edge (they keep their direction, so the picture still shows where they point)."""
    z = np.asarray(eigenvalues, dtype=complex)
    far = np.abs(z) > 0.97 * EIG_LIM
    edge = z[far] / np.abs(z[far]) * 0.97 * EIG_LIM
    return z[~far], edge


class GradientFlowPlot(LivePlot):
    """Left: ||dL/dh_t|| against t for one sequence length T <= t_max, the loss at the right
    end and a dashed line at t = 0; right: the eigenvalues of Wh, the unit circle and, dashed,
    the circle of radius rho(Wh) (eigenvalues beyond the panel sit hollow on its edge).
    GradientFlowPlot(t_max).update(norms, eigenvalues).png().

    Both panels keep fixed limits, so that a redraw moves only the curve, the markers and the
    eigenvalues: the t axis is aligned at its right end (t = T-1, where the loss is) and spans
    t_max steps, the norm axis spans 1e-64 .. 1e64.
    """

    def __init__(self, t_max=200):
        self.t_max = t_max
        fig = self.figure = Figure(figsize=(9.2, 3.3), dpi=80)
        FigureCanvasAgg(fig)
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.1, 1]})
        fig.subplots_adjust(left=0.09, right=0.985, bottom=0.16, top=0.83, wspace=0.28)
        _log_axis(ax)
        ax.set_xlim(-(t_max - 1) - 0.03 * t_max, 0.03 * t_max)
        step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 10**9) if s * 5 >= t_max)
        ticks = np.arange(0, -t_max, -step)              # x = t - (T-1)
        ax.set_xticks(ticks, ["T-1"] + [f"T-{1 - x}" for x in ticks[1:]])
        ax.set_xlabel("t (the loss is at the last step, t = T-1)")
        (self.curve,) = ax.plot([], [], color="tab:blue", lw=1.8)
        (self.last,) = ax.plot([], [], "o", color="tab:blue", ms=4)     # the loss's own state
        self.marks = {kind: ax.plot([], [], **style)[0] for kind, style in _MARKS.items()}
        # where the sequence begins: t = 0 moves with T, the axis itself stays put
        self.start = ax.axvline(0, color="0.5", lw=0.8, ls="--", ymin=0.04, ymax=0.96)
        self.start_label = ax.text(0, 1e-50, " t = 0", fontsize=8, color="0.35")
        handles = [Line2D([], [], color="tab:blue", lw=1.8, label="||dL/dh_t||")] + \
                  [Line2D([], [], **style) for style in _MARKS.values()]
        # above the axes, where no curve can cover it
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4,
                  fontsize=8, frameon=False, borderaxespad=0.2, handlelength=1.4)

        _eigen_axis(ax2)
        (self.circle,) = ax2.plot([], [], color="tab:orange", lw=1, ls="--")
        (self.eig_in,) = ax2.plot([], [], "o", color="tab:orange", ms=4)
        (self.eig_out,) = ax2.plot([], [], "o", mfc="none", mec="tab:orange", ms=5)
        ax2.legend(handles=[Line2D([], [], color="0.3", lw=1.2, label="|λ| = 1"),
                            Line2D([], [], color="tab:orange", marker="o", ms=4, ls="none",
                                   label="eigenvalues of Wh")],
                   loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8,
                   frameon=False, borderaxespad=0.2, handlelength=1.4)
        self._theta = np.linspace(0, 2 * np.pi, 200)
        self.dynamic = [self.start, self.start_label, self.curve, self.last, *self.marks.values(),
                        self.circle, self.eig_in, self.eig_out]

    def update(self, norms, eigenvalues):
        """Show norms (T,), T <= t_max, and the eigenvalues (H,) of Wh, both checked by the caller."""
        curve, zeros, infs, nans = _split(norms)
        offset = len(curve) - 1                          # t = T-1 sits at x = 0
        self.curve.set_data(np.arange(len(curve)) - offset, curve)
        self.last.set_data([0], curve[-1:])
        self.start.set_xdata([-offset, -offset])
        self.start_label.set_x(-offset)
        for kind, t, y in (("zero", zeros, ZERO_Y), ("inf", infs, OVER_Y), ("nan", nans, OVER_Y)):
            self.marks[kind].set_data(t - offset, np.full(len(t), y))
        rho = float(np.abs(eigenvalues).max()) if len(eigenvalues) else 0.0
        r = min(rho, 0.97 * EIG_LIM)
        self.circle.set_data(r * np.cos(self._theta), r * np.sin(self._theta))
        inside, outside = _on_panel(eigenvalues)
        self.eig_in.set_data(inside.real, inside.imag)
        self.eig_out.set_data(outside.real, outside.imag)
        return self


def gradient_flow_figure(norms, eigenvalues, t_max=None):
    """The gradient-flow widget's picture for one setting: ||dL/dh_t|| (T,) against t, and the
    eigenvalues (H,) of Wh around the unit circle. t_max: the length of the t axis (default T)."""
    where = "gradient_flow_figure"
    norms = _norms(norms, "norms", where)
    eigenvalues = np.asarray(eigenvalues)
    if eigenvalues.ndim != 1 or not eigenvalues.size:
        raise ValueError(f"{where}: eigenvalues should be a 1-D array (hidden_size,), e.g. "
                         f"np.linalg.eigvals(Wh), got shape {v.fmt_shape(eigenvalues.shape)}.")
    t_max = len(norms) if t_max is None else v.int_in(t_max, len(norms), 10**6, "t_max", where)
    return GradientFlowPlot(t_max).update(norms, eigenvalues).figure


def gradient_norms_figure(curves, title=None):
    """Several ||dL/dh_t|| curves against t on one log axis: curves is a dict label -> (T,)
    norms (the same T or not). Exact zeros, inf and nan are drawn as markers in bands at the
    bottom and the top, in the colour of their curve."""
    where = "gradient_norms_figure"
    _labelled(curves, "curves", "(T,) array of norms", where)
    fig = Figure(figsize=(7.2, 3.4), dpi=80)
    ax = fig.add_axes((0.1, 0.15, 0.62, 0.74))
    _log_axis(ax)
    T = 1
    for i, (label, norms) in enumerate(curves.items()):
        norms = _norms(norms, f"curves[{label!r}]", where)
        curve, zeros, infs, nans = _split(norms)
        colour = f"C{i}"
        t = np.arange(len(curve))
        ax.plot(t, curve, color=colour, lw=1.6, label=str(label))
        for kind, where_t, y in (("zero", zeros, ZERO_Y), ("inf", infs, OVER_Y), ("nan", nans, OVER_Y)):
            if len(where_t):
                ax.plot(where_t, np.full(len(where_t), y), **dict(_MARKS[kind], color=colour,
                                                                   label=f"{label}: {_MARKS[kind]['label']}"))
        T = max(T, len(curve))
    ax.set_xlim(-0.02 * T, T - 1 + 0.02 * T)
    ax.set_xlabel(f"t (the loss is at t = {T - 1})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def eigenvalues_figure(matrices, title=None):
    """The eigenvalues of each matrix around the unit circle: matrices is a dict label ->
    (H, H) array. Scaling a matrix scales its eigenvalues: they keep their directions."""
    where = "eigenvalues_figure"
    _labelled(matrices, "matrices", "(H, H) array", where)
    fig = Figure(figsize=(6.4, 3.6), dpi=80)
    ax = fig.add_axes((0.08, 0.14, 0.5, 0.78))
    _eigen_axis(ax)
    for (label, W), marker in zip(matrices.items(), "os^Dv*"):
        W = v.array(W, [("hidden_size", None), ("hidden_size", None)], f"matrices[{label!r}]", where)
        eigenvalues = np.linalg.eigvals(W)
        inside, outside = _on_panel(eigenvalues)
        (dots,) = ax.plot(inside.real, inside.imag, marker, ms=5, ls="none", alpha=0.8,
                          label=f"{label}: ρ = {np.abs(eigenvalues).max():.2f}")
        ax.plot(outside.real, outside.imag, marker, ms=5, ls="none", mfc="none", mec=dots.get_color())
    ax.legend(loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=9, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def slope_histogram_figure(slopes, nonlinearity="tanh", title=None):
    """Histograms of act'(a_t) over every unit, step and sequence: slopes is a dict label ->
    array of slopes (any shape), e.g. {"before training": 1 - h0**2, "after": 1 - h1**2}.
    Slopes near 0 are saturated units, which pass almost no gradient back."""
    where = "slope_histogram_figure"
    v.nonlinearity(nonlinearity, where)
    _labelled(slopes, "slopes", "array of slopes", where)
    fig = Figure(figsize=(6.4, 2.9), dpi=80, layout="constrained")
    ax = fig.add_subplot()
    bins = np.linspace(0, 1, 41)
    for i, (label, s) in enumerate(slopes.items()):
        s = v.as_float_array(s, f"slopes[{label!r}]", where).ravel()
        ax.hist(s, bins=bins, weights=np.full(s.size, 1 / s.size), alpha=0.55, color=f"C{i}",
                label=f"{label} (mean {s.mean():.2f})")
    ax.set(xlim=(0, 1), xlabel=f"slope {nonlinearity}'(a_t) of a unit at a step",
           ylabel="fraction of all (unit, step)")
    ax.legend(fontsize=9, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def accuracy_against_gap_figure(gaps, accuracies, gradient_at_start=None, chance=None, title=None):
    """What a network learned against how far back the answer lies.

    gaps (G,) the distances; accuracies (G, S) the held-out accuracy of S seeded runs at each
    gap (one dot per run); gradient_at_start (G,) optional: how much of a unit gradient at the
    last state reaches the first one at initialisation, drawn on a log axis beside;
    chance: the accuracy of guessing, a dotted line.
    """
    where = "accuracy_against_gap_figure"
    gaps = np.asarray(gaps)
    gaps = v.array(gaps.astype(float) if gaps.dtype.kind in "iu" else gaps, [("gaps", None)],
                   "gaps", where)                        # whole numbers of steps are welcome
    acc = v.array(accuracies, [("gaps", len(gaps)), ("seeds", None)], "accuracies", where,
                  "One row per gap, one column per seeded run.")
    panels = 1 if gradient_at_start is None else 2
    fig = Figure(figsize=(4.2 * panels + 0.4, 3.0), dpi=80, layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    ax = axes[0]
    S = acc.shape[1]
    spread = 0.012 * (gaps.max() - gaps.min() + 1)          # side by side, so equal dots show
    for s in range(S):
        ax.plot(gaps + (s - (S - 1) / 2) * spread, acc[:, s], "o", ms=5, alpha=0.7, color="tab:blue",
                label="one seeded run" if s == 0 else None)
    ax.plot(gaps, np.median(acc, axis=1), "-", color="tab:blue", lw=1, alpha=0.6, label="median")
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", lw=1, label="chance")
    ax.set(xlabel="gap (steps between the symbol and the question)", ylabel="held-out accuracy",
           ylim=(0, 1.05), xticks=gaps)
    ax.legend(fontsize=8, loc="center left", framealpha=0.9)   # clear of the chance line
    if panels == 2:
        g = v.array(gradient_at_start, [("gaps", len(gaps))], "gradient_at_start", where)
        axes[1].semilogy(gaps, g, "s-", color="crimson", ms=5)
        axes[1].set(xlabel="gap", ylabel="||dL/dh_0|| at initialisation", xticks=gaps)
        axes[1].grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def loss_per_update_figure(panels, chance=None, chance_label="chance", title=None):
    """The training loss of several seeded runs, update by update, one panel per setting.

    panels  dict panel title -> dict run label -> (losses, learned): losses (U,) the loss of
            each update's batch, measured before that update; learned True when the run
            reached its goal (drawn solid), False when it did not (dashed). Runs may differ
            in length: one that learned early stops early.
    chance  the loss of guessing (ln 4 for one of four symbols), a dotted line in every panel.
    """
    where = "loss_per_update_figure"
    _labelled(panels, "panels", "dict run label -> (losses, learned)", where)
    for name, runs in panels.items():
        _labelled(runs, f"panels[{name!r}]", "(losses, learned)", where)
    P = len(panels)
    rows = max(-(-(len(runs) + (chance is not None)) // 2) for runs in panels.values())  # legend
    fig = Figure(figsize=(4.2 * P + 0.6, 2.9 + 0.2 * rows), dpi=80, layout="constrained")
    axes = fig.subplots(1, P, squeeze=False, sharey=True)[0]
    for ax, (name, runs) in zip(axes, panels.items()):
        for i, (label, run) in enumerate(runs.items()):
            if not isinstance(run, (tuple, list)) or len(run) != 2:
                raise TypeError(f"{where}: panels[{name!r}][{label!r}] should be a pair "
                                f"(losses, learned), got {type(run).__name__}.")
            losses = v.array(run[0], [("updates", None)], f"panels[{name!r}][{label!r}] losses",
                             where, "One loss per update, e.g. the list fit's history gives.")
            ax.plot(np.arange(1, len(losses) + 1), losses, color=f"C{i}", lw=1.3,
                    ls="-" if run[1] else "--", label=str(label))
        if chance is not None:
            ax.axhline(chance, color="0.3", ls=":", lw=1.2, label=chance_label)
        ax.set(xlabel="update", title=str(name))
        ax.title.set_fontsize(10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2,
                  frameon=False)                          # under the panel: no curve covered
    axes[0].set_ylabel("training loss of the update's batch")
    axes[0].set_ylim(bottom=0)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def long_gaps_figure(gaps, metrics, chance, ylabel, title=None, log=False):
    """Several models' results against the gap, with the level a model without memory reaches.

    gaps (G,) the distances; metrics a dict label -> (G, S) array: one column per seeded run,
    drawn as dots, their median as a line, one colour per label; chance a number or (G,), the
    memoryless level at each gap, a dotted grey line; ylabel says what the metric is (and
    which way is better); log=True draws it on a log axis (for losses).
    """
    where = "long_gaps_figure"
    gaps = np.asarray(gaps)
    gaps = v.array(gaps.astype(float) if gaps.dtype.kind in "iu" else gaps, [("gaps", None)],
                   "gaps", where)
    if not isinstance(metrics, dict) or not metrics:
        raise TypeError(f"{where}: metrics should be a non-empty dict label -> (gaps, seeds) "
                        f"array, got {type(metrics).__name__}.")
    G = len(gaps)
    rows = {str(k): v.array(m, [("gaps", G), ("seeds", None)], f"metrics[{k!r}]", where,
                            "One row per gap, one column per seeded run.")
            for k, m in metrics.items()}
    level = v.array(np.broadcast_to(np.asarray(chance, dtype=float), (G,)).copy()
                    if np.ndim(chance) == 0 else chance, [("gaps", G)], "chance", where)
    fig = Figure(figsize=(6.2, 3.4), dpi=80, layout="constrained")
    ax = fig.add_subplot()
    M = len(rows)
    positions = np.arange(G, dtype=float)                     # the gaps evenly spaced
    for i, (label, m) in enumerate(rows.items()):
        colour = f"C{i}"
        x = positions + (i - (M - 1) / 2) * 0.1               # each model a little apart
        S = m.shape[1]
        ax.plot(np.repeat(x, S), m.ravel(), "o", ms=3.5, alpha=0.45, color=colour)
        ax.plot(x, np.median(m, axis=1), "-", color=colour, lw=1.8, label=label)
    ax.plot(positions, level, ":", color="0.4", lw=1.5, label="no memory")
    if log:
        ax.set_yscale("log")
    ax.set_xticks(positions, [f"{g:g}" for g in gaps])
    ax.set(xlabel="gap (steps the answer lies back)", ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return fig
