"""The recurrent network as a graph unrolled in time: two timesteps of a small network, the
graph of forward values and backward gradients over T steps, a gradient as a sum over
timesteps, and truncated BPTT's windows (where the state carries over, where the gradient
is cut).

Every function returns a matplotlib Figure (never calls plt.show()).
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .. import _validation as v


def two_timesteps_figure():
    """The two-step network of "Manually Create a RNN w/ TF", unrolled: x0 -> y0, x1 -> y1, y0 -> y1.

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


_FORWARD, _BACKWARD = "#222222", "crimson"          # the colours of values and of gradients


def _box(ax, xy, text, colour):
    ax.text(*xy, text, ha="center", va="center", fontsize=12, zorder=3,
            bbox=dict(boxstyle="round,pad=0.35", fc=colour, ec="#555555", lw=1))


def _arrow(ax, start, end, colour, dashed=False, label=None, label_at=0.5, offset=(0, 0), fontsize=10):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.4, shrinkA=0, shrinkB=0,
                                ls="--" if dashed else "-", mutation_scale=12))
    if label:
        x = start[0] + label_at * (end[0] - start[0]) + offset[0]
        y = start[1] + label_at * (end[1] - start[1]) + offset[1]
        ax.text(x, y, label, color=colour, fontsize=fontsize, ha="center", va="center", zorder=4)


def unrolled_graph_figure(T=2, gradients=True, title=None):
    """The RNN unrolled over T steps, t = 0 .. T-1: h_{t-1} -> a_t -> h_t -> L_t, and x_t -> a_t.

    a_t = x_t Wx + h_{t-1} Wh + b is the pre-activation and h_t = act(a_t); h_{-1} is the
    initial state (h0 in code). Wh is drawn once, as one wide box above the steps with an
    arrow into every a_t: one matrix, used at every step. With gradients=True, red dashed
    arrows are the backward pass: g_t from L_t into h_t, through act' to a_t, da_t Wh^T back
    to h_{t-1} (the gradient from the next step), da_t Wx^T to x_t, and from every a_t its
    share h_{t-1}^T da_t up into the box, which adds them: dWh, the sum over time, in one place.
    """
    where = "unrolled_graph_figure"
    T = v.positive_int(T, "T", where)
    if T > 8:
        raise ValueError(f"{where}: T should be at most 8 for a readable drawing, got {T}. "
                         f"The graph for longer sequences repeats the same step.")
    gradients = v.flag(gradients, "gradients", where)
    step, gap = 2.7, 1.25                         # width of one step; from a_t to h_t
    yx, ya, yl, yw = 0.0, 1.3, 2.55, 3.75         # rows: x_t, the chain a_t h_t, L_t, the Wh box
    hw, hh = 0.36, 0.24                           # half width / height of a node, for the arrows
    s = 0.09 if gradients else 0.0                # forward and backward arrows side by side
    fig = Figure(figsize=(1.4 + 2.3 * T, 4.9), dpi=90)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.88 if title else 0.98))
    ax.set_axis_off()
    ax.set(xlim=(-1.9, (T - 1) * step + gap + 0.75), ylim=(-0.85, yw + 0.5))   # legend below x_t
    left, right = -1.7, (T - 1) * step + gap + 0.4    # the Wh box spans the whole graph
    ax.add_patch(FancyBboxPatch((left, yw - 0.28), right - left, 0.56, zorder=3, lw=1,
                                boxstyle="round,pad=0.02", fc="#e8e0f3", ec="#555555"))
    text = r"$W_h$ $(H, H)$: one matrix, used at every step"
    if gradients:
        text = r"$W_h$, and its gradient $dW_h = \sum_t h_{t-1}^\top da_t$"
    ax.text((left + right) / 2, yw, text, ha="center", va="center", fontsize=11 if T > 1 else 9,
            zorder=4)
    _box(ax, (-1.35, ya), "$h_{-1}$", "#eeeeee")
    for t in range(T):
        c = t * step                              # a_t's column
        hx = c + gap                              # h_t's column
        prev = -1.35 if t == 0 else hx - step     # h_{t-1}'s column
        _box(ax, (c, ya), f"$a_{t}$", "#fff6cc")
        _box(ax, (hx, ya), f"$h_{t}$", "#fde6cc")
        _box(ax, (c, yx), f"$x_{t}$", "#dbe9f6")
        _box(ax, (hx, yl), f"$L_{t}$", "#e3f1df")
        _arrow(ax, (prev + hw, ya + s), (c - hw, ya + s), _FORWARD)
        _arrow(ax, (c - s, yw - 0.28), (c - s, ya + hh), _FORWARD, label="$W_h$",
               offset=(-0.3, 0.1))
        _arrow(ax, (c - s, yx + hh), (c - s, ya - hh), _FORWARD, label="$W_x$", offset=(-0.3, 0))
        _arrow(ax, (c + hw, ya + s), (hx - hw, ya + s), _FORWARD, label="act", offset=(0, 0.19),
               fontsize=9)
        _arrow(ax, (hx - s, ya + hh), (hx - s, yl - hh), _FORWARD)
        if not gradients:
            continue
        _arrow(ax, (hx + s, yl - hh), (hx + s, ya + hh), _BACKWARD, dashed=True,
               label=r"$g_{%d}$" % t, offset=(0.25, 0))
        _arrow(ax, (hx - hw, ya - s), (c + hw, ya - s), _BACKWARD, dashed=True,
               label=r"$\odot\,$act$'$", offset=(0, -0.22), fontsize=9)
        _arrow(ax, (c - hw, ya - s), (prev + hw, ya - s), _BACKWARD, dashed=True,
               label=r"$da_{%d} W_h^\top$" % t, offset=(0, -0.22), fontsize=9)
        _arrow(ax, (c + s, ya - hh), (c + s, yx + hh), _BACKWARD, dashed=True,
               label=r"$da_{%d} W_x^\top$" % t, offset=(0.42, 0), fontsize=9)
        _arrow(ax, (c + s, ya + hh), (c + s, yw - 0.28), _BACKWARD, dashed=True,
               label=r"$h_{%d}^\top da_{%d}$" % (t - 1, t), offset=(0.45, 0.1), fontsize=9)
    ax.plot([], [], color=_FORWARD, lw=1.4, label="forward: values")
    if gradients:
        ax.plot([], [], color=_BACKWARD, lw=1.4, ls="--", label="backward: gradients")
    ax.legend(loc="lower center", fontsize=9, frameon=False, ncol=2, borderaxespad=0.0)
    if title:
        fig.suptitle(title, fontsize=11)
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


def truncation_figure(T=9, k=3, align="start", loss="every", title=None):
    """Truncated BPTT over T steps in windows of k (rnnlib.time_windows(T, k, align=align)).

    Black arrows carry the state forward, across the windows' borders too (green there: the
    state carries over); red dashed arrows carry the gradient back, inside a window only: at
    each border it is cut (a red cross). loss "every" puts a loss term on every step (as a
    language model has), "last" only on the last one (as the memory task has). The state
    before step 0 is h_{-1}; each shaded window gets one optimiser step.
    """
    from ..train import time_windows                # the core does not import plots

    where = "truncation_figure"
    T = v.positive_int(T, "T", where)
    if T > 14:
        raise ValueError(f"{where}: T should be at most 14 for a readable drawing, got {T}.")
    windows = time_windows(T, k, align=align)
    loss = v.choice(loss, ("every", "last"), "loss", where)
    dx, yx, yh, yl = 1.5, 0.0, 1.5, 3.0
    hw, hh = 0.33, 0.24
    fig = Figure(figsize=(1.4 + 1.08 * (T + 1), 3.9), dpi=80)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.86 if title else 0.98))
    ax.set_axis_off()
    ax.set(xlim=(-0.7, T * dx + 0.7), ylim=(-1.0, yl + 1.15))
    _box(ax, (0, yh), "$h_{-1}$", "#eeeeee")
    starts = {w.start for w in windows}
    for i, w in enumerate(windows):
        left, right = (w.start + 1) * dx - 0.62, w.stop * dx + 0.62
        ax.axvspan(left, right, ymin=0.11, ymax=0.91, color="#f2f2f2" if i % 2 else "#e6eef8",
                   zorder=0)
        steps = f"step {w.start}" if w.stop - w.start == 1 else f"steps {w.start}..{w.stop - 1}"
        ax.text((left + right) / 2, yl + 0.72, f"window {i + 1}: {steps}", ha="center",
                fontsize=9, color="0.3")
    for t in range(T):
        c = (t + 1) * dx
        _box(ax, (c, yx), f"$x_{{{t}}}$", "#dbe9f6")
        _box(ax, (c, yh), f"$h_{{{t}}}$", "#fde6cc")
        _arrow(ax, (c, yx + hh), (c, yh - hh), _FORWARD)
        if loss == "every" or t == T - 1:
            _box(ax, (c, yl), f"$L_{{{t}}}$", "#e3f1df")
            _arrow(ax, (c - 0.07, yh + hh), (c - 0.07, yl - hh), _FORWARD)
            _arrow(ax, (c + 0.07, yl - hh), (c + 0.07, yh + hh), _BACKWARD, dashed=True)
        carried = t in starts and t > 0
        _arrow(ax, (c - dx + hw, yh + 0.08), (c - hw, yh + 0.08),
               "tab:green" if carried else _FORWARD)
        if t in starts:        # the gradient stops here: nothing goes back to h_{t-1}
            ax.plot([c - dx / 2], [yh - 0.12], marker="x", color=_BACKWARD, ms=11, mew=2.5, zorder=4)
        elif loss == "every" or t > windows[-1].start:     # only where some loss sends a gradient
            _arrow(ax, (c - hw, yh - 0.08), (c - dx + hw, yh - 0.08), _BACKWARD, dashed=True)
    ax.plot([], [], color=_FORWARD, lw=1.4, label="forward: the state")
    ax.plot([], [], color="tab:green", lw=1.4, label="state carried into the next window")
    ax.plot([], [], color=_BACKWARD, lw=1.4, ls="--", label="backward: the gradient")
    ax.plot([], [], "x", color=_BACKWARD, ms=9, mew=2.5, ls="none", label="gradient cut")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=9, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
