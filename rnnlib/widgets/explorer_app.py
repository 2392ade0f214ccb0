"""ExplorerApp: the hidden-state explorer as a page without code, for apps/ under Voila.

    ExplorerApp()            # the shipped checkpoint on held-out text of its corpus

It opens the course's shipped character model (assets/char_model.npz) on text it never
trained on, or a checkpoint and a text the user uploads, and shows HiddenStateExplorer's
panels on it with the features that exist for any text (rnnlib.widgets.any_text) and one more
from a regular expression the user types. Below the panels a keyboard slider reads the values
out one character at a time, for a screen reader; hovering over a coloured character writes
its value out on the same line.

Nothing a user does shows a traceback: a bad upload gets a sentence from
rnnlib.widgets.uploads, and any other error in a control's handler is caught and put in the
message line, with the page left as it was.
"""
from __future__ import annotations

import functools
import html
import pathlib

import ipywidgets as W
import numpy as np
from IPython.display import HTML

from ..checkpoint import load, load_metadata
from ..corpus import structured_text
from ..generate import sample
from ..text import Vocab
from .any_text import ANY_TEXT, any_text_features, regex_feature
from .hidden_explorer import HiddenStateExplorer
from .train_panel import TrainPanel
from .uploads import UploadProblem, checkpoint_from_upload, text_from_upload

ASSETS = pathlib.Path(__file__).resolve().parents[2] / "assets"
MAX_CHARS = 2000          # characters the explorer reads: its coloured text stays a page long
PATTERN_SECONDS = 1.0     # a typed pattern still matching after this long is stopped and refused

# The page's own styles. Every coloured character sets its ink as well as its background, so it
# reads the same on the light and the dark theme; the two marked stretches of the select panel
# get dark ink here for the same reason. A keyboard user sees where the focus is.
STYLE = """<style>
.rnnlib-app .rnnlib-message {padding: 6px 10px; margin: 4px 0; border-left: 5px solid #2166ac}
.rnnlib-app .rnnlib-error {border-left-color: #b2182b; font-weight: 600}
.rnnlib-app span[style*="#ffe08a"], .rnnlib-app span[style*="#8fd19e"] {color: #000}
.rnnlib-app :focus-visible {outline: 3px solid #f4a100 !important; outline-offset: 1px}
.rnnlib-app .rnnlib-readout {font-family: monospace; white-space: pre-wrap}
</style>"""

# Hovering over a coloured character (a span whose title is "position: value") writes it out
# in the hover line, so the value is read without waiting for the tooltip. And every slider's
# handle (the part that takes the keyboard) gets its label's text as its name, so a screen
# reader says "unit, slider, 3" where ipywidgets alone gives "slider, 3".
HOVER_SCRIPT = """<script>
(function () {
  if (window.rnnlibHover) return;
  window.rnnlibHover = true;
  function name() {
    document.querySelectorAll('.rnnlib-app .widget-slider').forEach(function (box) {
      var label = box.querySelector('.widget-label');
      box.querySelectorAll('.noUi-handle:not([aria-label])').forEach(function (h, i, all) {
        var text = label ? label.textContent : '';
        if (all.length === 2) text += i ? ' (end)' : ' (start)';
        h.setAttribute('aria-label', text);
      });
    });
  }
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
  name();
  document.addEventListener('mouseover', function (e) {
    var s = e.target.closest && e.target.closest('.rnnlib-app span[title]');
    if (!s) return;
    var m = /^(\\d+): ([-+]\\d+\\.\\d+)$/.exec(s.getAttribute('title') || '');
    var out = s.closest('.rnnlib-app').querySelector('.rnnlib-hover');
    if (!m || !out) return;
    var c = s.textContent.replace('\\u21b5\\n', '\\u21b5 (newline)');
    out.textContent = 'Hovered: character ' + m[1] + ' ' + JSON.stringify(c) +
        ', value ' + m[2] + ' (' + (out.dataset.what || 'the unit shown') + ').';
  });
})();
</script>"""


def shipped():
    """(model, vocab, text, note) of the course's checkpoint: the character model notebook 08
    explores, on the generated corpus' seed 1, which it never trained on (it trained on seed 0)."""
    path = ASSETS / "char_model.npz"
    model, meta = load(path), load_metadata(path)
    note = (f"the course's model {path.name} ({model.cell} cell, {model.hidden_size} units), on "
            f"held-out text of its generated corpus (seed 1; it trained on seed 0)")
    return model, Vocab(meta["symbols"]), structured_text(20_000, seed=1).text, note


def _page_safe(method):
    """Run a control's handler; an error becomes a sentence in the message line, never a
    traceback in the page, and the page keeps what it showed."""
    @functools.wraps(method)
    def safe(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UploadProblem as problem:
            self.say(str(problem), error=True)
        except (ValueError, TypeError, OSError) as err:
            self.say(str(err), error=True)
        except Exception as err:                      # noqa: BLE001 - the page's last guard
            self.say(f"Something went wrong ({type(err).__name__}: {err}). The page still shows "
                     f"what it showed before; try another file or value.", error=True)
    return safe


class ExplorerApp:
    """The explorer page: a model and a text (shipped, or uploaded), HiddenStateExplorer's
    panels on them, a pattern to correlate units with, and the values read out.

    ExplorerApp(model=None, vocab=None, text=None, note="", *, max_chars=2000)
        model, vocab, text: None for the shipped checkpoint and its held-out text.

    Controls (attributes, so a test sets them as a user would):
        checkpoint_upload, text_upload   ipywidgets.FileUpload (.npz, .txt)
        pattern          a regular expression: the feature "matches /pattern/" (Enter applies)
        position         the character whose values the readout writes out
    .explorer (the HiddenStateExplorer shown), .message (the last sentence of the message
    line), .open_checkpoint(name, data) and .open_text(name, data) (what the uploads call).
    """

    def __init__(self, model=None, vocab=None, text=None, note="", *, max_chars=MAX_CHARS):
        self.max_chars = max_chars
        self.status = W.HTML()
        self.message = ""
        self.source = W.HTML()
        self.checkpoint_upload = W.FileUpload(accept=".npz", multiple=False,
                                              description="Open a checkpoint (.npz)",
                                              layout=W.Layout(width="260px"))
        self.text_upload = W.FileUpload(accept=".txt,text/plain", multiple=False,
                                        description="Open a text (.txt)",
                                        layout=W.Layout(width="260px"))
        self.pattern = W.Text(value="", placeholder=r"e.g. [aeiou] or \d+ or \(.*?\)",
                              description="pattern", continuous_update=False,
                              style={"description_width": "110px"}, layout=W.Layout(width="520px"))
        self.pattern_note = W.HTML()
        self.position = W.IntSlider(value=0, min=0, max=1, description="read character",
                                    style={"description_width": "110px"},
                                    layout=W.Layout(width="520px"))
        self.readout = W.HTML()
        self.hover, self._hover_unit = W.HTML(), None
        script = W.Output()
        script.append_display_data(HTML(HOVER_SCRIPT))
        self.panels = W.VBox()
        self.explorer = self.model = self.vocab = None
        self.note = ""
        self.trainer = TrainPanel(self._trained, self.say)
        self.widget = W.VBox([
            W.HTML(STYLE), script, self.source,
            W.HBox([self.checkpoint_upload, self.text_upload]), self.status,
            self.trainer.widget,
            W.HTML(f"<b>Your own feature</b>: a regular expression; the characters inside a "
                   f"match count as 1, the others as 0, and the features tab ranks the units by "
                   f"their correlation with it. A pattern still matching after "
                   f"{PATTERN_SECONDS:g} s is stopped."),
            self.pattern, self.pattern_note, self.panels, W.HTML(_feature_list()),
            W.HTML("<b>Values, one character at a time</b> (move the slider with the arrow "
                   "keys; a screen reader reads the line below it):"),
            self.position, self.readout, self.hover])
        self.widget.add_class("rnnlib-app")

        self.checkpoint_upload.observe(self._checkpoint_uploaded, names="value")
        self.text_upload.observe(self._text_uploaded, names="value")
        self.pattern.observe(self._pattern_typed, names="value")
        self.position.observe(self._read_out, names="value")
        self._start(model, vocab, text, note)

    @_page_safe
    def _start(self, model, vocab, text, note):
        if model is None:
            model, vocab, text, note = shipped()
        self._show(model, vocab, text, note)
        self.say("Move the unit slider (or click it and use the arrow keys) to colour the text by "
                 "another unit; the tabs hold the other views.")

    # --- what the page shows ---------------------------------------------------------------
    def say(self, sentence, error=False):
        """Put one sentence in the message line (role=status: a screen reader announces it)."""
        self.message = sentence
        kind = "rnnlib-message rnnlib-error" if error else "rnnlib-message"
        head = "<b>Problem:</b> " if error else ""
        self.status.value = (f'<div class="{kind}" role="status" aria-live="polite">{head}'
                             f'{html.escape(sentence)}</div>')

    def _features(self, text):
        features = any_text_features(text)
        pattern = self.pattern.value
        if pattern:
            try:
                features[f"matches /{pattern}/"] = regex_feature(text, pattern,
                                                                   time_limit=PATTERN_SECONDS)
            except ValueError:                 # its sentence is under the pattern box already
                pass
        return features

    def _show(self, model, vocab, text, note):
        """Build the explorer on model, vocab and text (cut to max_chars) and put it in the page;
        on any error the page keeps the explorer it had."""
        text = text[:self.max_chars]
        explorer = HiddenStateExplorer(model, vocab, text, self._features(text),
                                       max_chars=self.max_chars, seed=0, temperature=0.8,
                                       prime=self._prime(vocab, text), sample_length=200)
        if self.explorer is not None:                               # the unit stays in view
            explorer.unit.value = min(self.explorer.unit.value, explorer.unit.max)
        self.model, self.vocab, self.note = model, vocab, note
        self.explorer = explorer
        self.panels.children = (explorer.widget,)
        explorer.unit.observe(self._read_out, names="value")
        T = len(explorer.text)
        cut = f" (the first {T:,} characters)" if T < explorer.full_length else ""
        symbols = "".join(vocab.symbols)
        self.source.value = (
            f"<div role='note'><b>Showing</b> {html.escape(note)}{html.escape(cut)}.<br>"
            f"<b>Vocabulary</b>: V = {len(vocab)} characters: "
            f"<code class='rnnlib-vocab'>{html.escape(repr(symbols))}</code><br>"
            f"Colours: ColorBrewer's RdBu diverging map, blue for negative, white for 0, red "
            f"for positive; blue and red stay apart for red-green colour blindness, and "
            f"lightness says how far from 0 a value is.</div>")
        with self.position.hold_trait_notifications():
            self.position.max = max(T - 1, 1)
            self.position.value = min(self.position.value, T - 1)
        self._read_out()

    @staticmethod
    def _prime(vocab, text):
        """The sampling panel's start: "print(" for the course's model, else the text's start."""
        if all(c in vocab.index for c in "print("):
            return "print("
        return text[:10]

    @_page_safe
    def _read_out(self, change=None):
        """The values at the chosen character, and the characters around it, as words."""
        e = self.explorer
        if e is None:
            return
        t, u = min(self.position.value, len(e.text) - 1), e.unit.value
        h = e.states[:, u]
        near = range(max(0, t - 4), min(len(e.text), t + 5))
        around = ", ".join(("[" if k == t else "") + f"{e.text[k]!r} {h[k]:+.3f}" +
                           ("]" if k == t else "") for k in near)
        features = "; ".join(f"{name} {int(f[t])}" for name, f in (e.features or {}).items())
        line = (f"character {t} of {len(e.text)}: {e.text[t]!r}, unit {u} = {h[t]:+.3f}. "
                f"Around it: {around}. Features here: {features}.")
        self.readout.value = (f'<div class="rnnlib-readout" role="status" aria-live="polite">'
                              f'{html.escape(line)}</div>')
        if self._hover_unit != u:                   # a new unit: the hovered value is stale
            self._hover_unit = u
            self.hover.value = (f'<div class="rnnlib-hover rnnlib-readout" aria-live="polite" '
                                f'data-what="unit {u}">Hover over a coloured character to have '
                                f'its value written here.</div>')

    # --- the user's files and pattern -----------------------------------------------------
    @staticmethod
    def _upload(change):
        """(name, bytes) of the file just chosen in a FileUpload, or None when it was cleared."""
        files = change["new"]
        if not files:
            return None
        f = files[0]
        return f["name"], f["content"]

    def _checkpoint_uploaded(self, change):
        got = self._upload(change)
        if got:
            self.open_checkpoint(*got)
            self.checkpoint_upload.value = ()         # the same file chosen again is news again

    def _text_uploaded(self, change):
        got = self._upload(change)
        if got:
            self.open_text(*got)
            self.text_upload.value = ()

    @_page_safe
    def open_checkpoint(self, name, data):
        """Open an uploaded checkpoint: on the text shown when its vocabulary covers it, else
        on text the model writes itself (a text upload then explores the user's own)."""
        model, vocab, meta = checkpoint_from_upload(name, data)
        text = "" if self.explorer is None else self.explorer.text
        unknown = [c for c in dict.fromkeys(text) if c not in vocab.index]
        source, extra = "the text shown before", ""
        if unknown or not text:                    # nothing it can read: what it writes itself
            start = vocab.symbols[0]
            text = start + sample(model, vocab, start, self.max_chars - 1, temperature=0.8, seed=0)
            source = "text it wrote itself (τ = 0.8, seed 0)"
            extra = (f" The text shown before has characters it does not know "
                     f"({_list(unknown)}), so it reads what it writes" if unknown else
                     " It reads what it writes")
            extra += "; open a .txt to explore your own text."
        self._show(model, vocab, text, f"{name} ({model.cell} cell, {model.hidden_size} units), "
                                       f"on {source}")
        self.say(f"Opened {name}: V = {len(vocab)} characters.{extra}")

    @_page_safe
    def open_text(self, name, data):
        """Read an uploaded text: explore it with the model shown when that model knows its
        characters, and arm the training panel to train a new model on it."""
        text = text_from_upload(name, data)
        self.trainer.set_text(name, text)
        if self.vocab is None:
            self.say(f"Read {name}: {len(text):,} characters. Train a model on it below.")
            return
        unknown = [c for c in dict.fromkeys(text) if c not in self.vocab.index]
        if unknown:
            self.say(f"Read {name}: {len(text):,} characters, {len(set(text))} different. The "
                     f"model shown has never seen {len(unknown)} of them ({_list(unknown)}), so "
                     f"it cannot read this text: train a new model on it below.")
            return
        self._show(self.model, self.vocab, text, f"{self.note.split(', on ')[0]}, on {name}")
        self.say(f"Opened {name}: {len(text):,} characters, explored with the model shown; "
                 f"train a new model on it below.")

    @_page_safe
    def _trained(self, model, report, name, text):
        """Explore the model just trained, on the held-out end of its text when there is enough
        of it (text the model never trained on), else on the whole text."""
        a = report["train_chars"]
        held = text[a:]
        where = (f"its held-out end (characters {a:,} to {len(text):,}, never trained on)"
                 if len(held) >= 200 else "the whole text (its held-out end is short)")
        kind = {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU"}[report["settings"]["cell"]]
        note = (f"{kind} model with {report['settings']['hidden']} units trained here on "
                f"{name}, on {where}")
        self._show(model, Vocab(model.symbols), held if len(held) >= 200 else text, note)
        self.say(f"Trained a new model on {name}: V = {len(model.symbols)} characters. The "
                 f"panels below show it.")

    @_page_safe
    def _pattern_typed(self, change=None):
        e, pattern = self.explorer, self.pattern.value
        if not pattern:
            e.set_features(any_text_features(e.text))
            self.pattern_note.value = ""
            self._read_out()
            return
        try:
            marks = regex_feature(e.text, pattern, time_limit=PATTERN_SECONDS)
        except ValueError as err:
            self.pattern_note.value = (f'<div class="rnnlib-message rnnlib-error" role="status">'
                                       f'<b>Problem:</b> {html.escape(str(err).split(": ", 1)[1])}'
                                       f'</div>')
            return
        features = any_text_features(e.text)
        name = f"matches /{pattern}/"
        features[name] = marks
        e.set_features(features)
        r = e.correlations[name]
        best = "" if np.isnan(r).all() else (
            f"; the unit closest to it is {int(np.nanargmax(np.abs(r)))} "
            f"(r = {r[int(np.nanargmax(np.abs(r)))]:+.3f})")
        self.pattern_note.value = (
            f'<div class="rnnlib-message" role="status">{html.escape(name)}: '
            f'{int(marks.sum()):,} of {len(marks):,} characters inside a match{html.escape(best)}.'
            f'</div>')
        self._read_out()

    def __repr__(self):
        return f"ExplorerApp({self.note})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


def _feature_list():
    items = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(d)}</li>"
                    for k, d in ANY_TEXT.items())
    return (f"<details><summary>What the features mean</summary><ul>{items}<li><b>matches "
            f"/pattern/</b>: 1 inside a match of the pattern typed above, else 0</li></ul>"
            f"</details>")


def _list(chars, limit=8):
    shown = ", ".join(repr(c) for c in chars[:limit])
    return shown + (f" and {len(chars) - limit} more" if len(chars) > limit else "")

