"""HiddenStateExplorer: look inside a trained character model while it reads a text.

Five panels in tabs, each redrawn alone when one of its controls moves:
    unit        the text, each character on the colour of one unit's activation
    heatmap     units x characters for a window of the text, scrolled by a slider, the units
                in their own order or sorted by their correlation with a feature
    select      a span and a threshold: the units on all along the span and off elsewhere,
                and the other places in the text where the same units are on (select and match)
    features    units ranked by |Pearson r| with each ground-truth feature
    sampling    what the model writes after a prime text, at a temperature τ, coloured by
                the chosen unit's activation while the model reads and writes it

The unit slider sits above the tabs and changes three panels (the text, the heatmap's outline,
the sample's colours): only the one in the tab shown is redrawn at once, the others when their
tab is opened or their Output is read from Python, so a move of the slider costs one panel's
redraw in the page and code that reads a panel still reads it up to date. What does not change
with a control is kept: the coloured text of the last units and the heatmap's last pictures.

The computations are rnnlib.explore's (numpy only), the colours rnnlib.widgets.colours'; this
module only lays them out.
"""
from __future__ import annotations

from collections import OrderedDict

import ipywidgets as W
import numpy as np

from .. import _validation as v
from .. import explore as X
from ..generate import check_model, encode_text, hidden_states, sample
from ..plots.hidden import HiddenHeatmapPlot
from .colours import coloured_text_html, marked_text_html
from .explorer import Explorer, HTMLText

TITLES = ("unit", "heatmap", "select and match", "features", "sampling")
TEXT_TAB, HEATMAP_TAB, SAMPLE_TAB = 0, 1, 4      # the tabs whose panel follows the unit slider
KEPT = 64                                        # heatmap pictures kept (about 50 kB each)


class _Kept(OrderedDict):
    """The last `size` results by key: fetch(key, make) returns the kept one or makes it."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def fetch(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


def _snippet(text, limit=40):
    """repr of a piece of text, cut in the middle when long, so a message stays readable."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 12] + "..." + text[-9:])


class HiddenStateExplorer(Explorer):
    """Look inside a trained SequenceModel while it reads text.

    HiddenStateExplorer(model, vocab, text, features=None, *, width=80, prime=None,
                        temperature=1.0, sample_length=200, seed=0, max_chars=5000)

    model     an rnnlib.SequenceModel over one-hot characters of vocab (input_size = len(vocab))
    text      the text it reads from a zero state; cut to its first max_chars characters
    features  None, or dict name -> array with one number (or bool) per character of text:
              ground truth such as "inside quotes" or "bracket depth", to correlate units with
    width     characters per heatmap window;  prime, temperature, sample_length, seed: the
              sampling panel's start (prime defaults to the first 10 characters of text)

    Controls (attributes, so a test sets .value as a learner would):
        unit          the unit shown in the coloured text (and the sample), outlined in the heatmap
        window        the first character of the heatmap's window
        sort_by       the heatmap's row order: "" (unit number) or a feature's name (by its r)
        span          (start, end): the selected characters text[start:end]; start == end is none
        threshold     a unit is on where its activation is above +threshold or below -threshold
        match_units   how many of the best selected units must be on together for a match
        prime, temperature   the sampling panel (the temperature τ divides the logits)
    Outputs: text_out, heatmap_out, match_out, features_out, sample_out (self.out = text_out),
    in the tabs of .tabs. When the unit slider moves, a panel whose tab is not shown is redrawn
    when its tab is opened (.tabs.selected_index) or its attribute is read, not at once; its own
    controls redraw it always.
    .states (T, H), .correlations (dict name -> r (H,), or None), .selection (the last
    rnnlib.explore.Selection, or None).
    """

    def __init__(self, model, vocab, text, features=None, *, width=80, prime=None,
                 temperature=1.0, sample_length=200, seed=0, max_chars=5000):
        where = "HiddenStateExplorer"
        if not isinstance(text, str):
            raise TypeError(f"{where}: text should be a str, the text the model reads, got "
                            f"{type(text).__name__}.")
        if prime is not None and not isinstance(prime, str):
            raise TypeError(f"{where}: prime should be a str or None, got {type(prime).__name__}.")
        max_chars = v.positive_int(max_chars, "max_chars", where)
        hint = "That is the range of its slider."
        temperature = v.number_in(temperature, 0.05, 2.0, "temperature", where, hint)
        sample_length = v.int_in(sample_length, 1, 5000, "sample_length", where,
                                 "It is the number of characters the sampling panel draws.")
        check_model(model, vocab, where, next_character=False)
        encode_text(vocab, text[:max_chars], "text", where, min_length=1)   # the Vocab's own error
        self.full_length = len(text)
        self.text = text[:max_chars]
        self.states = hidden_states(model, vocab, self.text)       # (T, H)
        T, H = self.states.shape
        if isinstance(features, dict):                              # cut with the text
            features = {k: (f[:max_chars] if np.ndim(f) == 1 and len(f) == self.full_length
                            else f) for k, f in features.items()}
        self.features = X.check_features(features, T, where)
        self.correlations = (None if self.features is None
                             else X.feature_correlations(self.states, self.features))
        self.model, self.vocab, self.seed = model, vocab, seed
        self.sample_length = sample_length
        self.scale = float(np.abs(self.states).max()) or 1.0
        self.selection = None
        self._heat = HiddenHeatmapPlot(self.states, self.text, width, self.scale)
        self._heat_order = ""                                       # sort_by it is drawn in
        self._pictures = _Kept(KEPT)               # (order, start, unit) -> the heatmap's PNG
        self._texts = _Kept(8)                     # unit -> the text coloured by it, as HTML
        self._stale = set()                        # tabs whose panel waits for its tab to show
        width = self._heat.width

        wide = dict(style={"description_width": "110px"}, layout=W.Layout(width="520px"))
        self.unit = W.IntSlider(value=0, min=0, max=H - 1, description="unit", **wide)
        self.window = W.IntSlider(value=0, min=0, max=T - width, description="window start",
                                  **wide)
        self.sort_by = W.Dropdown(options=[("unit number", "")] + [
            (f"r with {name}", name) for name in (self.correlations or {})],
            value="", description="rows sorted by", **wide)
        self.span = W.IntRangeSlider(value=(0, 0), min=0, max=T, description="span [start, end)",
                                     **wide)
        top = float(np.ceil(self.scale * 100) / 100)
        self.threshold = W.FloatSlider(value=min(0.5, top), min=0.0, max=top, step=0.01,
                                       description="threshold ±", **wide)
        self.match_units = W.IntSlider(value=min(3, H), min=1, max=min(10, H),
                                       description="units to match", **wide)
        self.prime = W.Text(value=self.text[:10] if prime is None else prime,
                            description="prime", continuous_update=False, **wide)
        self.temperature = W.FloatSlider(value=temperature, min=0.05, max=2.0, step=0.05,
                                         description="temperature τ", **wide)
        self._outs = [W.Output() for _ in TITLES]                  # one per tab
        self.match_out, self.features_out = self._outs[2], self._outs[3]

        tabs = self.tabs = W.Tab(children=[
            self._outs[TEXT_TAB], W.VBox([self.window, self.sort_by, self._outs[HEATMAP_TAB]]),
            W.VBox([self.span, self.threshold, self.match_units, self.match_out]),
            self.features_out, W.VBox([self.prime, self.temperature, self._outs[SAMPLE_TAB]])])
        tabs.titles = TITLES
        self.widget = W.VBox([self.unit, tabs])

        self.unit.observe(self._unit_moved, names="value")
        tabs.observe(self._tab_opened, names="selected_index")
        for control in (self.window, self.sort_by):
            control.observe(self._draw_heatmap, names="value")
        for control in (self.span, self.threshold, self.match_units):
            control.observe(self._draw_match, names="value")
        for control in (self.prime, self.temperature):
            control.observe(self._draw_sample, names="value")
        self._sampled = None                                        # (prime, drawn, states)
        self._draw_sample()
        self._draw_unit()
        self._draw_heatmap()
        self._draw_match()
        self._draw_features()

    def set_features(self, features):
        """Replace the ground-truth features (None, or dict name -> one value per character of
        self.text) after the explorer is built, as a typed pattern does in the explorer app:
        the correlations, the features panel and the heatmap's sort menu follow."""
        features = X.check_features(features, len(self.text), "HiddenStateExplorer.set_features")
        self.features = features
        self.correlations = None if features is None else X.feature_correlations(self.states,
                                                                                 features)
        keep = self.sort_by.value if self.sort_by.value in (self.correlations or {}) else ""
        sorted_by_feature = bool(self.sort_by.value)    # its values or the feature may be gone
        if sorted_by_feature:
            self._heat_order = None
        self.sort_by.unobserve(self._draw_heatmap, names="value")    # drawn once, below
        try:
            self.sort_by.options = [("unit number", "")] + [
                (f"r with {name}", name) for name in (self.correlations or {})]
            self.sort_by.value = keep
        finally:
            self.sort_by.observe(self._draw_heatmap, names="value")
        self._draw_features()
        self._follow(TEXT_TAB)
        if sorted_by_feature:                           # rows in unit order stay as drawn
            self._follow(HEATMAP_TAB)

    # The panels that follow the unit slider, brought up to date when read.
    @property
    def text_out(self):
        return self._current(TEXT_TAB)

    @property
    def heatmap_out(self):
        return self._current(HEATMAP_TAB)

    @property
    def sample_out(self):
        return self._current(SAMPLE_TAB)

    out = text_out

    def _current(self, tab):
        if tab in self._stale:
            self._redraw(tab)
        return self._outs[tab]

    # --- the panels -----------------------------------------------------------------------
    def _unit_moved(self, change=None):
        for tab in (TEXT_TAB, HEATMAP_TAB, SAMPLE_TAB):
            self._follow(tab)

    def _follow(self, tab):
        """Redraw the panel of tab now if its tab is shown, else when it is opened."""
        if self.tabs.selected_index == tab:
            self._redraw(tab)
        else:
            self._stale.add(tab)

    def _redraw(self, tab):
        {TEXT_TAB: self._draw_unit, HEATMAP_TAB: self._draw_heatmap,
         SAMPLE_TAB: self._colour_sample}[tab]()

    def _tab_opened(self, change):
        if change["new"] in self._stale:
            self._redraw(change["new"])

    def _draw_unit(self, change=None):
        self._stale.discard(TEXT_TAB)
        u = self.unit.value
        h = self.states[:, u]
        lo, hi = int(h.argmin()), int(h.argmax())
        cut = (f" (the first {len(self.text)} of {self.full_length})"
               if self.full_length > len(self.text) else "")
        summary = (f"unit {u} over {len(self.text)} characters{cut}: lowest {h[lo]:+.3f} at "
                   f"{lo} {self.text[lo]!r}, highest {h[hi]:+.3f} at {hi} {self.text[hi]!r}. "
                   f"Blue is -{self.scale:.2f}, white 0, red +{self.scale:.2f}; hover over a "
                   f"character for its position and value.")
        if self.correlations:
            name, r = max(((k, r[u]) for k, r in self.correlations.items()),
                          key=lambda kr: -1 if np.isnan(kr[1]) else abs(kr[1]))
            if not np.isnan(r):
                summary += f" Closest feature: {name} (r = {r:+.3f})."
        # The summary is printed, not only the HTML's text twin: the browser shows the HTML alone.
        self.show(summary, self._texts.fetch(u, lambda: HTMLText(
            coloured_text_html(self.text, h, self.scale), f"(the text coloured by unit {u})")),
            out=self._outs[TEXT_TAB])

    def _draw_heatmap(self, change=None):
        self._stale.discard(HEATMAP_TAB)
        start, u, sort_by = self.window.value, self.unit.value, self.sort_by.value
        heat = self._heat
        if sort_by != self._heat_order:
            if sort_by:
                heat.set_order(X.units_by_correlation(self.correlations[sort_by]),
                               f"unit, by r with {sort_by} (highest at top)")
            else:
                heat.set_order()
            self._heat_order = sort_by
        end = start + heat.width
        order = (f"; rows sorted by r with {sort_by}, unit {u} in row {heat.row_of[u]}"
                 if sort_by else "")
        png = self._pictures.fetch((heat.order.tobytes(), start, u),
                                 lambda: heat.update(start, u).png())
        self.show(png, f"units x characters {start} to {end - 1}: {_snippet(self.text[start:end], 90)}"
                  f"; unit {u} outlined{order}", out=self._outs[HEATMAP_TAB])

    def _draw_match(self, change=None):
        start, end = self.span.value
        threshold = self.threshold.value
        if start == end:
            self.selection = None
            self.show(f"The span is empty (start = end = {start}). Drag the two ends of the "
                      f"span slider apart to select the characters text[start:end].",
                      out=self.match_out)
            return
        piece = _snippet(self.text[start:end])
        sel = self.selection = X.select_units(self.states, start, end, threshold)
        if not len(sel):
            self.show(f"No unit is on (above +{threshold:.2f} or below -{threshold:.2f}) at "
                      f"every character of {piece} (positions {start} to {end - 1}). Lower "
                      f"the threshold, or select a shorter span.", out=self.match_out)
            return
        k = min(self.match_units.value, len(sel))
        mask = X.on_positions(self.states, sel.units[:k], sel.signs[:k], threshold)
        others = [(a, b) for a, b in X.runs(mask) if b <= start or a >= end]
        lines = [f"span {start} to {end - 1}: {piece}, threshold ±{threshold:.2f}",
                 f"{len(sel)} unit{'s are' if len(sel) > 1 else ' is'} on all along it, ranked "
                 f"by how much more on inside than outside:",
                 " unit  side  mean inside  mean outside   score"]
        for u, s, i, o, score in list(zip(sel.units, sel.signs, sel.inside, sel.outside,
                                           sel.scores))[:10]:
            side = "+" if s > 0 else "-"
            lines.append(f"{u:5d}  {side:>4}  {i:+11.3f}  {o:+12.3f}  {score:+6.3f}")
        if len(sel) > 10:
            lines.append(f"  ... and {len(sel) - 10} more")
        names = ", ".join(f"{u}{'+' if s > 0 else '-'}"
                          for u, s in zip(sel.units[:k], sel.signs[:k]))
        who = f"unit {names} is on" if k == 1 else f"units {names} are on together"
        if others:
            shown = "; ".join(f"{a}-{b - 1} {_snippet(self.text[a:b], 24)}" for a, b in others[:10])
            more = f"; and {len(others) - 10} more" if len(others) > 10 else ""
            lines.append(f"{who} at {len(others)} other place{'s' if len(others) > 1 else ''}: "
                         f"{shown}{more}")
        else:
            lines.append(f"{who} nowhere else in the text.")
        marks = np.where(mask, 2, 0)
        marks[start:end] = 1
        self.show("\n".join(lines),
                  HTMLText(marked_text_html(self.text, marks),
                           f"(the text: the span boxed in yellow, {len(others)} other places "
                           f"in green)"), out=self.match_out)

    def _draw_features(self):
        if self.correlations is None:
            self.show("No ground-truth features were given, so there is nothing to correlate "
                      "units with. Pass features={'name': values, ...}, one value per character "
                      "of the text (e.g. 1 inside quotes, 0 outside).", out=self.features_out)
            return
        lines = [f"Units ranked by |Pearson r| with each feature, over {len(self.text)} "
                 f"characters:", f"{'feature':<24} unit        r"]
        for name, r in self.correlations.items():
            units, rs = X.top_units(r, 5)
            if not len(units):
                lines.append(f"{name[:24]:<24} (constant here, or every unit is: no correlation)")
            for i, (u, ru) in enumerate(zip(units, rs)):
                lines.append(f"{name[:24] if i == 0 else '':<24} {u:4d}  {ru:+7.3f}")
        self.show("\n".join(lines), out=self.features_out)

    def _draw_sample(self, change=None):
        prime, V = self.prime.value, len(self.vocab)
        m = self.model
        problem = ""
        if m.output_size != V or m.go_backwards:
            problem = ("This model does not predict the next character (its output is not one "
                       "score per symbol, or it reads backwards), so it cannot write text.")
        elif not prime:
            problem = "Type a prime text: the model reads it, then writes what comes next."
        else:
            bad = [c for c in dict.fromkeys(prime) if c not in self.vocab.index]
            if bad:
                problem = (f"The model only knows the characters of its vocabulary; "
                           f"{', '.join(map(repr, bad))} {'is' if len(bad) == 1 else 'are'} not "
                           f"among them. Change the prime text.")
        if problem:
            self._sampled = None
            self.show(problem, out=self._outs[SAMPLE_TAB])
            return
        t = self.temperature.value
        drawn = sample(m, self.vocab, prime, self.sample_length, temperature=t, seed=self.seed)
        # the states while the model reads the prime and then its own characters: the same
        # states sample() went through, from a zero state
        self._sampled = (prime, drawn, hidden_states(m, self.vocab, prime + drawn))
        self._colour_sample()

    def _colour_sample(self):
        self._stale.discard(SAMPLE_TAB)
        if self._sampled is None:
            return
        prime, drawn, states = self._sampled
        u, t = self.unit.value, self.temperature.value
        html = coloured_text_html(prime + drawn, states[:, u], self.scale, bold=len(prime))
        self.show(f"temperature τ = {t:.2f}, seed {self.seed}: {self.sample_length} characters "
                  f"after the prime (in bold), each on the colour of unit {u} just after it "
                  f"was read (the scale of the unit panel)",
                  HTMLText(html, prime + drawn), out=self._outs[SAMPLE_TAB])

    def __repr__(self):
        return (f"HiddenStateExplorer({self.model!r}, text of {len(self.text)} characters, "
                f"unit={self.unit.value}, window={self.window.value}, span={self.span.value}, "
                f"threshold={self.threshold.value:.2f}, temperature={self.temperature.value:.2f})")
