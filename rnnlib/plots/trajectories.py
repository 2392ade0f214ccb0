"""The path of a 2-unit hidden state through the square [-1, 1]^2, one arrow per character
read: the picture behind the HiddenTrajectory widget.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import _validation as v


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
