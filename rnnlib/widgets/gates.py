"""GateExplorer: watch an LSTM's gates open and close while it reads a text.

Under each character of the text, for each chosen unit, one strip per gate: a cell coloured by
the gate's value after reading that character, pale for 0 (closed) to dark green for 1 (open).
The gates are computed once per text (rnnlib.explore.gate_activations with states=True);
choosing other units or gates only lays the same numbers out again.

    ex = GateExplorer(model, vocab, text, units=[3, 7])
    ex.units.value = "0-7"                       # what a learner types
    ex.gates                                     # dict name -> (T, H) for the current text
    rnnlib.plots.gates_figure(ex.gates, ex.text, [3, 7])     # the same strips as a Figure
"""
from __future__ import annotations

import html
import re

import ipywidgets as W
import numpy as np

from .. import _validation as v
from .. import explore
from ..generate import encode_text
from ..plots.gates import (GATE_NAMES, SIGMOID_NAMES, check_units, gate_label,
                           sequential_colours, state_scale)
from .colours import diverging_colours
from .explorer import Explorer, HTMLText

MAX_UNITS = 32            # strips shown at once; more would be a wall of colour
CACHED_TEXTS = 8          # texts whose gates are kept, so going back to one is instant
SHOWN = {"\n": "\u21b5", "\t": "\u2192"}     # characters drawn as a visible sign


# --- the numbers ------------------------------------------------------------------------

def unit_saturation(gates):
    """(shares, saturation) of one text's gates, from rnnlib.explore.saturation:
    shares[name] = (closed, open), each (H,): the share of characters where the gate is below
    0.1 (nearly shut) and above 0.9 (nearly open), for the input, forget and output gates;
    saturation (H,): closed + open, averaged over those three gates (0: never nearly shut or
    open, 1: always one or the other)."""
    shares = {n: explore.saturation(gates[n]) for n in SIGMOID_NAMES}
    return shares, np.mean([closed + open_ for closed, open_ in shares.values()], axis=0)


def parse_units(typed, H):
    """'0, 3, 7' or '0-7' or '2 5-6' -> [0, 3, 7] ...: unit numbers, each once, in the order
    typed. Raises ValueError with a sentence for the learner."""
    how = (f"Type unit numbers from 0 to {H - 1} separated by commas, or a range such as "
           f"0-{min(7, H - 1)}.")
    tokens = [t for t in re.split(r"[,\s]+", typed.strip()) if t]
    if not tokens:
        raise ValueError(f"No units are given. {how}")
    units = []
    for token in tokens:
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", token)
        if not m:
            raise ValueError(f"{token!r} is not a unit number. {how}")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        bad = next((u for u in (a, b) if u >= H), None)
        if bad is not None:
            raise ValueError(f"There is no unit {bad}: this model has {H} units, 0 to {H - 1}. "
                             f"{how}")
        if b < a:
            raise ValueError(f"The range {token!r} runs backwards; write it as {b}-{a}.")
        units.extend(range(a, b + 1))
    return list(dict.fromkeys(units))


# --- the drawing ------------------------------------------------------------------------

_LEGEND = ('<div style="font-family: monospace; white-space: pre; line-height: 1.3; '
           'margin-bottom: 0.6em">{}</div>')
_BOX = ('<div style="font-family: monospace; white-space: pre; line-height: 1.3; '
        'overflow-x: auto; max-height: 40em; overflow-y: auto">{}</div>')     # scrolls


def _cells(colours, titles):
    """One coloured space per colour, for the legend."""
    return "".join(f'<span style="background:{c}" title="{t}"> </span>'
                   for c, t in zip(colours, titles))


def _strip(colours, values, start, letter):
    """A strip of cells, one space per character on its colour: in a monospaced font a space
    is exactly as wide as the character above it, so the strips line up with the text.
    Neighbours of one colour are merged into one span of as many spaces (a saturated gate is one colour for long stretches: the page stays small). Hovering
    shows the positions and the values: '12 i=0.52', or '12-15 i=0.98 to 0.99'."""
    edges = np.flatnonzero(colours[1:] != colours[:-1]) + 1
    parts = []
    for a, b in zip([0, *edges.tolist()], [*edges.tolist(), len(colours)]):
        if b - a == 1:
            title = f"{start + a} {letter}={values[a]:.2f}"
        else:
            lo, hi = values[a:b].min(), values[a:b].max()
            title = f"{start + a}-{start + b - 1} {letter}={lo:.2f} to {hi:.2f}"
        spaces = " " * (b - a)
        parts.append(f'<span style="background:{colours[a]}" title="{title}">{spaces}</span>')
    return "".join(parts)


def _legend(names, scales):
    steps = np.linspace(0, 1, 11)
    parts = []
    if any(n in SIGMOID_NAMES for n in names):
        parts.append("gates: 0 closed "
                     + _cells(sequential_colours(steps), [f"{x:.1f}" for x in steps])
                     + " 1 open")
    for n in names:
        if n not in SIGMOID_NAMES:
            s = scales[n]
            parts.append(f"{n} {GATE_NAMES[n]}: -{s:.2g} "
                         + _cells(diverging_colours(2 * steps - 1, 1.0),
                                  [f"{x:+.2g}" for x in (2 * steps - 1) * s])
                         + f" +{s:.2g}")
    return "    ".join(parts)


def strips_html(text, gates, units, names, width=80, scales=None):
    """The text in lines of width characters; under each line, for each unit, one strip per
    name: one cell per character, coloured by the value (hover: positions and values).

    gates dict name -> (T, H); units, names: what to show, in order; scales: name -> the value
    drawn at full colour on the diverging scale (candidate, cell, hidden), default 1.
    """
    scales = scales or {}
    T = len(text)
    shown = [SHOWN.get(ch, ch) for ch in text]
    label = max(len(f"unit {u} {gate_label(n)}") for u in units for n in names) + 2
    colours = {}
    for u in units:                                     # every colour at once
        for n in names:
            values = gates[n][:, u]
            colours[u, n] = (sequential_colours(values) if n in SIGMOID_NAMES
                             else diverging_colours(values, scales.get(n, 1.0)))
    lines = []
    for a in range(0, T, width):
        b = min(T, a + width)
        chars = html.escape("".join(shown[a:b]))
        if a:
            lines.append("")
        lines.append(f"{f'{a}-{b - 1}':<{label}}<b>{chars}</b>")
        for j, u in enumerate(units):
            for k, n in enumerate(names):
                head = f"{f'unit {u} {gate_label(n)}':<{label}}"
                if j and not k and len(names) > 1:      # a little space above each unit's strips
                    head = f'<span style="display:inline-block;margin-top:5px">{head}</span>'
                lines.append(head + _strip(colours[u, n][a:b], gates[n][a:b, u], a,
                                           GATE_NAMES[n]))
    return _LEGEND.format(_legend(names, scales)) + _BOX.format("\n".join(lines))


# --- the widget -------------------------------------------------------------------------

class GateExplorer(Explorer):
    """Watch an LSTM's gates while it reads text: for each chosen unit, strips of its input,
    forget and output gates (and, ticked, its candidate g, cell state c and hidden state h)
    under the characters, coloured from 0 = closed (pale) to 1 = open (dark green).

    GateExplorer(model, vocab, text, units=None, *, gates=("input", "forget", "output"),
                 sort=False, width=80, snippets=None, max_chars=1000)

    model     an rnnlib.SequenceModel with cell="lstm" over one-hot characters of vocab;
              for a stacked model the top layer's gates are shown
    text      the text it reads from a zero state; cut to its first max_chars characters
    units     the units to show: a list of unit numbers, one int, or a str as typed in the
              box ("0, 3, 7", "0-7"); None: units 0 to 3
    gates     which of GATE_NAMES to show: "input", "forget", "output", "candidate",
              "cell", "hidden"
    sort      show the units most saturated first (see unit_saturation()), else in the
              order given
    width     characters per line;  snippets: None, or a list of texts (or a dict name ->
              text) to choose from in a drop-down, e.g. held-out pieces of the corpus

    Controls (attributes, so a test sets .value as a learner would):
        text_input   Textarea: the text; a new text computes the gates (once, then cached)
        units        Text: unit numbers as typed ("0, 3, 7" or "0-7"), read on Enter
        gate_boxes   dict name -> Checkbox, one per gate or state
        sort         Checkbox: sort the units by saturation
        snippet      Dropdown of snippets, or None: choosing one fills text_input
    A typo in a control shows a sentence in the output instead of the strips; bad arguments
    to the constructor raise. .text, .gates (dict name -> (T, H), from
    rnnlib.explore.gate_activations(model, vocab, text, states=True)), .saturation (H,) and
    .shares (see unit_saturation), .shown_units (the units in the order drawn), .message (the
    summary or the problem).

    Speed, as measured (benchmarks/bench_widgets.py, median wall time of the handler per
    change, on the course's shared 2-core machine): a 300-character text, 8 units, the three
    gates, H = 128 (H = 64 alike): typing units 9 ms, ticking or unticking a gate 7 ms, sort
    6 ms, a new text 13 ms (the LSTM runs; 10 ms at H = 64, 31 ms at H = 256), a text seen
    before 6 ms; with all six rows ticked, typing units 27 ms. In JupyterLab, from the
    key press to the strips redrawn in the page (headless Chromium on the same machine),
    70 to 130 ms: most of it carrying and laying out the page of some 7,000 coloured cells.
    """

    def __init__(self, model, vocab, text, units=None, *, gates=("input", "forget", "output"),
                 sort=False, width=80, snippets=None, max_chars=1000):
        where = "GateExplorer"
        explore.check_lstm(model, vocab, where,
                           hint=", or look inside this model with HiddenStateExplorer")
        max_chars = v.positive_int(max_chars, "max_chars", where)
        text = v.text(text, "text", where, empty="Give the text the model should read.")
        encode_text(vocab, text[:max_chars], "text", where, min_length=1)
        H = model.hidden_size
        if units is None:
            units = list(range(min(4, H)))
        elif isinstance(units, str):
            try:
                units = parse_units(units, H)
            except ValueError as e:
                raise ValueError(f"{where}: units is {units!r}. {e}") from None
        else:
            units = check_units(units, H, where)
        if len(units) > MAX_UNITS:
            raise ValueError(f"{where}: units has {len(units)} units; at most {MAX_UNITS} can be "
                             f"shown at once. Pick the ones to compare, e.g. units=range(8).")
        if isinstance(gates, str) or not isinstance(gates, (list, tuple)):
            raise TypeError(f"{where}: gates should be a list of names from "
                            f"{', '.join(map(repr, GATE_NAMES))}, got {gates!r}. E.g. "
                            f"gates=['input', 'forget'].")
        gates = [v.choice(g, tuple(GATE_NAMES), "each of gates", where) for g in gates]
        sort = v.flag(sort, "sort", where)
        width = v.int_in(width, 20, 200, "width", where, "It is the characters per line.")
        snippets = self._check_snippets(snippets, vocab, max_chars, where)

        self.model, self.vocab, self.width, self.max_chars = model, vocab, width, max_chars
        self._cache = {}
        self.message = ""
        wide = dict(style={"description_width": "60px"}, layout=W.Layout(width="640px"))
        self.snippet = None
        if snippets:
            self.snippet = W.Dropdown(options=[("(choose a text)", None)] + list(snippets.items()),
                                      value=None, description="texts", **wide)
            self.snippet.observe(self._snippet_chosen, names="value")
        self.text_input = W.Textarea(value=text, description="text", continuous_update=False,
                                     rows=3, **wide)
        self.units = W.Text(value=", ".join(map(str, units)), description="units",
                            continuous_update=False, placeholder="e.g. 0, 3, 7 or 0-7",
                            style={"description_width": "60px"}, layout=W.Layout(width="380px"))
        self.sort = W.Checkbox(value=sort, description="sort units by saturation", indent=False)
        self.gate_boxes = {n: W.Checkbox(value=n in gates, description=gate_label(n),
                                          indent=False, layout=W.Layout(width="105px"))
                           for n in GATE_NAMES}
        self.out = W.Output()
        rows = [self.text_input, W.HBox([self.units, self.sort]),
                W.HBox(list(self.gate_boxes.values())), self.out]
        self.widget = W.VBox(([self.snippet] if self.snippet else []) + rows)

        self.text_input.observe(self._text_changed, names="value")
        for control in (self.units, self.sort, *self.gate_boxes.values()):
            control.observe(self._draw, names="value")
        self._text_changed()

    @staticmethod
    def _check_snippets(snippets, vocab, max_chars, where):
        if snippets is None:
            return {}
        if isinstance(snippets, (list, tuple)):
            snippets = {v.short(s, 40) if isinstance(s, str) else str(k): s
                        for k, s in enumerate(snippets)}
        if not isinstance(snippets, dict):
            raise TypeError(f"{where}: snippets should be None, a list of texts or a dict "
                            f"name -> text, got {type(snippets).__name__}.")
        for name, s in snippets.items():
            v.text(s, f"snippets[{name!r}]", where, empty="Each snippet needs a character.")
            encode_text(vocab, s[:max_chars], f"snippets[{name!r}]", where, min_length=1)
        return {str(k): s for k, s in snippets.items()}

    # --- a new text: the only place the LSTM runs -----------------------------------------
    def _snippet_chosen(self, change=None):
        if self.snippet.value is not None:
            self.text_input.value = self.snippet.value

    def _text_changed(self, change=None):
        full = self.text_input.value
        text = full[: self.max_chars]
        self.text, self.full_length = text, len(full)
        problem = self._text_problem(text)
        if not problem and text not in self._cache:
            try:
                gates = explore.gate_activations(self.model, self.vocab, text, states=True)
            except ValueError as e:                     # gates that overflowed: not drawable
                problem = str(e)
            else:
                if len(self._cache) >= CACHED_TEXTS:
                    self._cache.pop(next(iter(self._cache)))          # the oldest
                self._cache[text] = (gates, *unit_saturation(gates))
        if problem:
            self.gates = self.shares = self.saturation = None
            self._show_problem(problem)
            return
        self.gates, self.shares, self.saturation = self._cache[text]
        self._draw()

    def _text_problem(self, text):
        if not text:
            return "The text is empty. Type a text for the model to read."
        bad = [c for c in dict.fromkeys(text) if c not in self.vocab.index]
        if bad and self.vocab.unk is None:
            return (f"The model only knows the characters of its vocabulary; "
                    f"{', '.join(map(repr, bad[:10]))} {'is' if len(bad) == 1 else 'are'} not "
                    f"among them. Change the text.")
        return ""

    # --- units, gates, order: a drawing of the numbers already computed ---------------------
    def _draw(self, change=None):
        if self.gates is None:
            return                                      # the text's problem is shown already
        H = self.model.hidden_size
        try:
            units = parse_units(self.units.value, H)
        except ValueError as e:
            self._show_problem(f"units: {e}")
            return
        names = [n for n, box in self.gate_boxes.items() if box.value]
        if not names:
            self._show_problem("No gate is ticked. Tick input, forget or output (or c, g, h) "
                               "to see its strip.")
            return
        cut_units = len(units) > MAX_UNITS
        units = units[:MAX_UNITS]
        if self.sort.value:
            units = sorted(units, key=lambda u: -self.saturation[u])     # stable: ties keep order
        self.shown_units = units
        scales = {n: state_scale(self.gates, n, units) for n in names if n not in SIGMOID_NAMES}
        self.message = self._summary(units, names, cut_units)
        page = strips_html(self.text, self.gates, units, names, self.width, scales)
        self.show(self.message, HTMLText(page, f"(strips: units {', '.join(map(str, units))} x "
                                               f"{', '.join(names)} over {len(self.text)} "
                                               f"characters)"))

    def _summary(self, units, names, cut_units):
        T = len(self.text)
        cut = (f" (the first {T} of {self.full_length})" if self.full_length > T else "")
        order = "most saturated first" if self.sort.value else "in the order typed"
        lines = [f"{T} characters{cut}; units {', '.join(map(str, units))}, {order}"
                 + (f" (only the first {MAX_UNITS} typed are shown)" if cut_units else "") + ".",
                 "Gates: 0 = closed (pale), 1 = open (dark green). closed: share of characters "
                 "where the gate is below 0.1; open: above 0.9; saturation: closed + open, "
                 "averaged over i, f and o. Hover over a cell for its value.",
                 f"{'unit':>5} {'saturation':>10}  {'gate':<12} {'mean':>6} {'min':>6} "
                 f"{'max':>6} {'closed':>7} {'open':>6}"]
        for u in units:
            for k, n in enumerate(names):
                g = self.gates[n][:, u]
                head = f"{u:5d} {self.saturation[u]:10.2f}" if k == 0 else " " * 16
                shares = (f"{self.shares[n][0][u]:7.0%} {self.shares[n][1][u]:6.0%}"
                          if n in SIGMOID_NAMES else f"{'':>7} {'':>6}")
                lines.append(f"{head}  {gate_label(n):<12} {g.mean():+6.2f} {g.min():+6.2f} "
                             f"{g.max():+6.2f} {shares}".rstrip())
        return "\n".join(lines)

    def _show_problem(self, problem):
        self.message = problem
        self.shown_units = []
        self.show(problem)

    def __repr__(self):
        names = [n for n, box in self.gate_boxes.items() if box.value]
        return (f"GateExplorer({self.model!r}, text of {len(self.text)} characters, "
                f"units={self.units.value!r}, gates={names}, sort={self.sort.value})")
