"""An LSTM's gates over a text, as coloured strips under the characters.

    gates_figure(gates, text, units, width=60)     # a Figure: one row per gate per unit
    sequential_colours(values)                      # '#rrggbb' per gate value, 0 closed, 1 open

gates is a dict name -> (T, H) array, with the names of GATE_NAMES: "input", "forget",
"output" (and "candidate", "cell", "hidden" when wanted), one row per character of text.
The three gates are sigmoids, in [0, 1], drawn on a sequential scale from pale (0, closed) to
dark green (1, open). The candidate g and the hidden state h are in [-1, 1] and the cell
state c is unbounded: they are drawn on the explorer's diverging scale (blue negative, white
0, red positive), g and h at +-1, c at the largest |c| of the units shown.

rnnlib.widgets.GateExplorer shows the same strips as HTML, in the same colours.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .. import _validation as v
from .hidden import DIVERGING, VISIBLE

# name -> the letter the LSTM's equations use for it
GATE_NAMES = {"input": "i", "forget": "f", "candidate": "g", "output": "o", "cell": "c",
              "hidden": "h"}
SIGMOID_NAMES = ("input", "forget", "output")       # the gates proper: values in [0, 1]

# ColorBrewer's Greens at 1, 5 and 9 of 9: closed is nearly white, open is dark.
GATE_STOPS = np.array([[247, 252, 245], [116, 196, 118], [0, 68, 27]])
GATE_CMAP = LinearSegmentedColormap.from_list("rnnlib_gate", GATE_STOPS / 255)
LEVELS = 256                                         # as a matplotlib colormap's N


def _gate_table():
    """The LEVELS colours of the gate scale, interpolated linearly between GATE_STOPS."""
    x = np.linspace(0.0, 1.0, LEVELS)
    stops = np.linspace(0.0, 1.0, len(GATE_STOPS))
    rgb = np.stack([np.interp(x, stops, GATE_STOPS[:, k]) for k in range(3)], axis=1)
    return np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in np.rint(rgb).astype(int)])


GATE_TABLE = _gate_table()                           # (LEVELS,) '#rrggbb'


def sequential_colours(values):
    """'#rrggbb' per gate value: the gate scale at round(value * 255) of its 256 levels, so 0
    (closed) is nearly white and 1 (open) dark green; values outside [0, 1] are clipped.
    values (...) -> array of str, same shape."""
    q = np.rint(np.clip(np.asarray(values, dtype=float), 0.0, 1.0) * (LEVELS - 1)).astype(int)
    return GATE_TABLE[q]


def gate_label(name):
    """'input i': the row label of a gate, its name and its letter."""
    return f"{name} {GATE_NAMES[name]}"


def check_gates(gates, where, length=None):
    """gates as a dict name -> (T, H) float array, checked: known names in GATE_NAMES' order,
    one shape for all, finite, the sigmoid gates in [0, 1]. length: the T the text requires."""
    if not isinstance(gates, dict) or not gates:
        error = ValueError if isinstance(gates, dict) else TypeError
        came = "an empty dict" if isinstance(gates, dict) else type(gates).__name__
        raise error(f"{where}: gates should be a non-empty dict of name -> (T, H) array, got "
                    f"{came}. E.g. rnnlib.explore.gate_activations(model, vocab, text, states=True), or "
                    f"GateExplorer(...).gates.")
    unknown = [k for k in gates if k not in GATE_NAMES]
    if unknown:
        raise ValueError(f"{where}: gates has unknown names {unknown}; the names are "
                         f"{', '.join(map(repr, GATE_NAMES))}.")
    out, shape = {}, None
    for name in (k for k in GATE_NAMES if k in gates):
        arr = v.as_float_array(gates[name], f"gates[{name!r}]", where)
        if shape is None:
            shape = arr.shape
            if arr.ndim != 2 or 0 in arr.shape:
                raise ValueError(f"{where}: gates[{name!r}] should have shape (T, H), one row "
                                 f"per character, got {v.fmt_shape(arr.shape)}.")
            if length is not None and shape[0] != length:
                raise ValueError(f"{where}: gates[{name!r}] has {shape[0]} rows but the text "
                                 f"has {length} characters; they should be one row per "
                                 f"character of the text the gates were computed on.")
        elif arr.shape != shape:
            first = next(iter(out))
            raise ValueError(f"{where}: gates[{name!r}] has shape {v.fmt_shape(arr.shape)} but "
                             f"gates[{first!r}] has {v.fmt_shape(shape)}; every array should "
                             f"be (T, H) over the same text and units.")
        v.check_finite(arr, f"gates[{name!r}]", where)
        if name in SIGMOID_NAMES and (arr.min() < 0 or arr.max() > 1):
            bad = tuple(int(i) for i in np.argwhere((arr < 0) | (arr > 1))[0])
            raise ValueError(f"{where}: gates[{name!r}] should hold gate values in [0, 1], got "
                             f"{arr[bad]:.4g} at (t, unit) = {bad}. A gate is the sigmoid of "
                             f"its pre-activation; pass the values after the sigmoid.")
        out[name] = arr
    return out


def check_units(units, H, where):
    """units as a list of distinct ints in 0 .. H-1 (an int alone is one unit)."""
    if isinstance(units, (int, np.integer)) and not isinstance(units, bool):
        units = [units]
    if not isinstance(units, (list, tuple, range, np.ndarray)):
        raise TypeError(f"{where}: units should be a list of unit numbers such as [0, 3, 7], "
                        f"got {type(units).__name__}.")
    if len(units) == 0:
        raise ValueError(f"{where}: units is empty; give at least one unit number from 0 to "
                         f"{H - 1}, e.g. units=[0].")
    checked = [v.index(u, H, f"units[{k}]", where) for k, u in enumerate(units)]
    return list(dict.fromkeys(checked))                 # each unit once, first place kept


def state_scale(gates, name, units):
    """The value drawn at full colour on the diverging scale: 1 for g and h, max |c| for c."""
    if name != "cell":
        return 1.0
    return float(np.abs(gates[name][:, units]).max()) or 1.0


def gates_figure(gates, text, units, names=None, width=60):
    """Each unit's gates as strips under the characters of text: a Figure.

    gates  dict name -> (T, H) (see the module docstring);  text  a str of T characters
    units  the units to show, in this order
    names  which of gates to draw; None: the input, forget and output gates that gates holds
           (all of gates when it holds none of them)
    width  characters per line: a longer text is drawn as several lines, one axes each, the
           characters written under the columns
    Rows: for each unit, one row per name (in GATE_NAMES' order), labelled 'unit u  input i'.
    Colour bars across the top: the gate scale (0 closed, 1 open) and, when a candidate, cell
    or hidden state is drawn, the diverging scale.
    """
    where = "gates_figure"
    text = v.text(text, "text", where, empty="Give the text the gates were computed on.")
    T = len(text)
    if T > 600:
        raise ValueError(f"{where}: text has {T} characters; a figure shows at most 600. Draw a "
                         f"slice: gates_figure({{k: g[a:b] for k, g in gates.items()}}, "
                         f"text[a:b], units).")
    gates = check_gates(gates, where, length=T)
    H = next(iter(gates.values())).shape[1]
    units = check_units(units, H, where)
    width = min(v.int_in(width, 10, 200, "width", where, "It is the characters per line."), T)
    if names is None:
        names = [n for n in SIGMOID_NAMES if n in gates] or list(gates)
    else:
        if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
            raise TypeError(f"{where}: names should be a non-empty list of names of gates, "
                            f"such as ['input', 'forget'], got {names!r}.")
        for n in names:
            if n not in gates:
                raise ValueError(f"{where}: names has {n!r}, which gates does not hold; gates "
                                 f"holds {', '.join(map(repr, gates))}.")
        names = [n for n in GATE_NAMES if n in names]
    rows = [(u, n) for u in units for n in names]
    diverging = [n for n in names if n not in SIGMOID_NAMES]
    sig = np.full((len(rows), T), np.nan)               # one image per scale, nan elsewhere
    div = np.full((len(rows), T), np.nan)
    for r, (u, n) in enumerate(rows):
        if n in SIGMOID_NAMES:
            sig[r] = gates[n][:, u]
        else:
            div[r] = gates[n][:, u] / state_scale(gates, n, units)
    lines = -(-T // width)

    # Laid out in inches: a column per character, a row per gate, the labels at the left and
    # the colour bars in a band across the top.
    col, row, left, gap, band = 0.13, 0.16, 1.5, 0.45, 0.8
    h_axes = len(rows) * row
    fig_w, fig_h = left + width * col + 0.3, band + lines * (h_axes + gap)
    fig = Figure(figsize=(fig_w, fig_h), dpi=90)
    FigureCanvasAgg(fig)
    images = {}
    for k in range(lines):
        a, b = k * width, min(T, (k + 1) * width)
        y0 = fig_h - band - (k + 1) * h_axes - k * gap
        ax = fig.add_axes((left / fig_w, y0 / fig_h, (b - a) * col / fig_w, h_axes / fig_h))
        extent = (a - 0.5, b - 0.5, len(rows) - 0.5, -0.5)
        images["gate"] = ax.imshow(sig[:, a:b], cmap=GATE_CMAP, vmin=0, vmax=1, aspect="auto",
                                   interpolation="nearest", extent=extent)
        if diverging:
            images["state"] = ax.imshow(div[:, a:b], cmap=DIVERGING, vmin=-1, vmax=1,
                                        aspect="auto", interpolation="nearest", extent=extent)
        for r in range(len(names), len(rows), len(names)):     # a line between units
            ax.axhline(r - 0.5, color="white", lw=2)
        ax.set_xlim(a - 0.5, b - 0.5)
        ax.set_xticks(range(a, b), [VISIBLE.get(c, c) for c in text[a:b]],
                      family="DejaVu Sans Mono", fontsize=7)
        ax.tick_params(axis="x", length=0, pad=1)
        ax.set_yticks(range(len(rows)), [f"unit {u}  {gate_label(n)}" for u, n in rows],
                      fontsize=7)
        ax.tick_params(axis="y", length=0)
        ax.set_title(f"characters {a} to {b - 1}", fontsize=8, loc="left", pad=2)
        for spine in ax.spines.values():
            spine.set_visible(False)
    bars = []
    if len(diverging) < len(names):
        bars.append(("gate", [0, 0.5, 1], ["0 closed", "0.5", "1 open"],
                     "gates " + ", ".join(GATE_NAMES[n] for n in names if n in SIGMOID_NAMES)))
    if diverging:
        bars.append(("state", [-1, 0, 1], ["\u2212", "0", "+"],
                     f"{', '.join(GATE_NAMES[n] for n in diverging)} (full colour at "
                     f"{', '.join(f'±{state_scale(gates, n, units):.2g}' for n in diverging)})"))
    for k, (key, ticks, labels, title) in enumerate(bars):
        cax = fig.add_axes(((left + k * 2.6) / fig_w, (fig_h - 0.3) / fig_h, 1.8 / fig_w,
                            0.1 / fig_h))
        bar = fig.colorbar(images[key], cax=cax, orientation="horizontal", ticks=ticks)
        bar.ax.set_xticklabels(labels, fontsize=7)
        bar.ax.set_title(title, fontsize=7, loc="left", pad=2)
    return fig
