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
    Each labelled point says when and what was read, "t:letter" ("2:l", "3:l"), because a path
    can cross itself and the order would otherwise be a guess. States that (nearly) coincide
    share one label ("6–16:o" for a state settling while it reads o's), and a label that would
    cover another, or leave the square, moves to another side of its point.
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
        arrows = np.stack([path[:-1], path[1:]], axis=1)[last]  # (steps, 2, 2): labelled pass
        for point, text, (sx, sy) in _step_labels(states, labels, np.flatnonzero(last), arrows):
            add(ax.annotate(text, point, xytext=(5 * sx, 5 * sy), textcoords="offset points",
                            ha="left" if sx > 0 else "right", va="bottom" if sy > 0 else "top",
                            fontsize=LABEL_SIZE, fontweight="bold", color="#222222", zorder=6))
        add(ax.plot(*states[-1], "o", mfc="none", mec="crimson", ms=12, mew=1.5, zorder=6)[0])
    return fig


# Label size, and the size of its glyphs in data units (the square's 2.3 units span 322
# pixels), measured with matplotlib: what decides whether two labels would overlap.
LABEL_SIZE = 11
CHAR_WIDTH, LINE_HEIGHT = 0.053, 0.09
OFFSET = 0.04            # 5 points between a point and its label
NEAR = 0.1               # states closer than this share one label ("6–16:o")
ITEMS_PER_LINE = 3
VISIBLE = (-1.2, -1.2, 1.08, 1.08)          # the axes' limits: a label must fit inside them


def _step_labels(states, labels, steps, arrows=None):
    """[((x, y), text, (sx, sy)), ...]: where to write which label, none overlapping another.

    Steps whose states lie within NEAR of each other share one label. Each label goes to the
    first free side of its point (right and above, or inwards near an edge, then the others):
    sx = +1 puts it to the right, sy = +1 above. A side is free when the label stays inside
    the square and clear of the labels placed before it and, if some side allows it, of the
    arrows (S, 2, 2), so that no arrow is drawn through a label. A label with no free side
    joins a label it would overlap. Texts list steps as "t:letter", a run of consecutive
    steps with the same letter as "a–b:letter", ITEMS_PER_LINE items to a line.
    """
    arrows = np.zeros((0, 2, 2)) if arrows is None else np.asarray(arrows, dtype=float)
    groups = []                                            # [anchor (2,), [steps]]
    for t in steps:
        for anchor, members in groups:
            if np.hypot(*(states[t] - anchor)) < NEAR:
                members.append(t)
                break
        else:
            groups.append([states[t], [t]])
    placed = []                                            # [anchor, steps, side, box]
    for anchor, members in groups:
        text = _text(members, labels)
        sides = _sides(anchor)
        free = [side for side in sides
                if _inside(_box(anchor, text, side))
                and not any(_overlap(_box(anchor, text, side), p[3]) for p in placed)]
        clear = [side for side in free if not _crosses(_box(anchor, text, side), arrows)]
        if free:
            side = (clear or free)[0]
            placed.append([anchor, members, side, _box(anchor, text, side)])
        else:
            box = _box(anchor, text, sides[0])
            hit = next((p for p in placed if _overlap(box, p[3])), None)
            if hit is None:                                # only the edge is in the way
                placed.append([anchor, members, sides[0], box])
            else:
                hit[1] = sorted(hit[1] + members)
                hit[3] = _box(hit[0], _text(hit[1], labels), hit[2])
    return [((float(a[0]), float(a[1])), _text(m, labels), side) for a, m, side, _ in placed]


def _text(steps, labels):
    """ "t:letter" items for steps (sorted), runs of the same letter shortened to "a–b:letter"."""
    items, run = [], [steps[0]]
    for t in steps[1:]:
        if t == run[-1] + 1 and labels[t] == labels[run[0]]:
            run.append(t)
        else:
            items.append(run)
            run = [t]
    items.append(run)
    words = [f"{r[0]}:{labels[r[0]]}" if len(r) == 1 else f"{r[0]}\u2013{r[-1]}:{labels[r[0]]}"
             for r in items]
    return "\n".join(" ".join(words[i:i + ITEMS_PER_LINE])
                     for i in range(0, len(words), ITEMS_PER_LINE))


def _sides(point):
    """The four sides of a point in order of preference: right and above, but inwards near
    the square's right or top edge (the title sits above the top one)."""
    sx = -1 if point[0] > 0.55 else 1
    sy = -1 if point[1] > 0.55 else 1
    return [(sx, sy), (sx, -sy), (-sx, sy), (-sx, -sy)]


def _box(point, text, side):
    """(x0, y0, x1, y1): the box text would fill on that side of point, in data units."""
    lines = text.split("\n")
    w, h = CHAR_WIDTH * max(map(len, lines)), LINE_HEIGHT * len(lines)
    x0 = point[0] + OFFSET if side[0] > 0 else point[0] - OFFSET - w
    y0 = point[1] + OFFSET if side[1] > 0 else point[1] - OFFSET - h
    return x0, y0, x0 + w, y0 + h


def _inside(box):
    return box[0] >= VISIBLE[0] and box[1] >= VISIBLE[1] and box[2] <= VISIBLE[2] and box[3] <= VISIBLE[3]


def _crosses(box, arrows, gap=0.01):
    """Whether any arrow (S, 2, 2) passes through box (grown by gap), tested at 16 points along
    each arrow: dense enough for the square's scale, and one small numpy product."""
    if not len(arrows):
        return False
    u = np.linspace(0.0, 1.0, 16)[:, None, None]                              # (16, 1, 1)
    pts = arrows[None, :, 0] + u * (arrows[None, :, 1] - arrows[None, :, 0])   # (16, S, 2)
    x, y = pts[..., 0], pts[..., 1]
    return bool(np.any((x > box[0] - gap) & (x < box[2] + gap) & (y > box[1] - gap) & (y < box[3] + gap)))


def _overlap(a, b, gap=0.03):
    """Whether two boxes come closer than gap (so that two labels never touch)."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


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
