"""TrainPanel: train a character model on an uploaded text inside the explorer page, with a
progress bar and a stop button (rnnlib.charlm.train_on_text does the training).

Training runs in a thread of the kernel, so the stop button (and the rest of the page) still
answers while it runs: the button sets a flag that train_on_text asks before every update.
"""
from __future__ import annotations

import base64
import html
import os
import tempfile
import threading
import time

import ipywidgets as W

from ..charlm import CELLS, min_length, train_on_text
from ..checkpoint import save

UPDATE_EVERY_S = 0.25      # the progress line is redrawn at most this often (a message each)


class TrainPanel:
    """The training controls for one text. TrainPanel(done, say); .set_text(name, text) arms
    it; Train calls done(model, report, name, text) in the training thread when it ends, say(
    sentence, error=False) reports problems. Controls: cell, hidden, seconds, seed, held_out,
    train, stop; progress (0 to 1 of the time budget) and status show how it goes."""

    def __init__(self, done, say):
        self._done, self._say = done, say
        self.name = self.text = None
        self._stop = threading.Event()
        self.thread = None
        wide = dict(style={"description_width": "110px"}, layout=W.Layout(width="420px"))
        self.cell = W.Dropdown(options=list(CELLS), value="rnn", description="cell", **wide)
        self.hidden = W.IntSlider(value=64, min=8, max=256, step=8, description="hidden units",
                                  **wide)
        self.seconds = W.IntSlider(value=60, min=5, max=600, step=5, description="seconds",
                                   **wide)
        self.seed = W.BoundedIntText(value=0, min=0, max=2**31 - 1, description="seed", **wide)
        self.held_out = W.FloatSlider(value=0.1, min=0.05, max=0.5, step=0.05,
                                      description="held out (end)", **wide)
        self.train = W.Button(description="Train", button_style="primary",
                              tooltip="Train a new model on the text (its end held out)")
        self.stop = W.Button(description="Stop", disabled=True,
                             tooltip="Stop training: the model keeps every finished update")
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, description="trained",
                                        style={"description_width": "110px"},
                                        layout=W.Layout(width="420px"))
        self.status = W.HTML()
        self.download = W.HTML()
        self.heading = W.HTML()
        self.widget = W.VBox([self.heading, self.cell, self.hidden, self.seconds, self.seed,
                              self.held_out, W.HBox([self.train, self.stop]), self.progress,
                              self.status, self.download],
                             layout=W.Layout(display="none"))
        self.train.on_click(self._start)
        self.stop.on_click(lambda _: self._stop.set())

    def set_text(self, name, text):
        """Arm the panel with a text (shown from now on)."""
        self.name, self.text = name, text
        self.heading.value = (f"<b>Train a new model on {html.escape(name)}</b> "
                              f"({len(text):,} characters; its end is held out, never trained "
                              f"on, and scores the model):")
        self.widget.layout.display = "flex"

    def _line(self, sentence):
        self.status.value = (f'<div class="rnnlib-readout" role="status" aria-live="polite">'
                             f'{html.escape(sentence)}</div>')

    def _start(self, _=None):
        if self.text is None or (self.thread is not None and self.thread.is_alive()):
            return
        need = min_length(self.held_out.value)
        if len(self.text) < need:
            self._say(f"{self.name} has {len(self.text):,} characters, too few to train on: with "
                      f"{self.held_out.value:.0%} held out the model needs at least {need:,} "
                      f"(one window of 64 to train on and 20 held out to score it). Open a "
                      f"longer text.", error=True)
            return
        self._stop.clear()
        self.train.disabled, self.stop.disabled = True, False
        self.progress.value = 0.0
        self.download.value = ""
        self._line(f"Starting: reading {self.name} ...")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        budget = self.seconds.value
        last = [0.0]

        def callback(p):
            now = time.perf_counter()
            if now - last[0] < UPDATE_EVERY_S:
                return
            last[0] = now
            self.progress.value = min(p["seconds"] / budget, 1.0)
            rate = p["chars"] / p["seconds"] if p["seconds"] > 0 else 0.0
            self._line(f"update {p['update']:,}, {p['seconds']:.0f} of {budget} s, loss "
                       f"{p['loss']:.3f} (mean of the last 20 windows), {rate:,.0f} characters "
                       f"a second")

        try:
            model, report = train_on_text(
                self.text, cell=self.cell.value, hidden=self.hidden.value, minutes=budget / 60,
                seed=int(self.seed.value), valid_fraction=self.held_out.value,
                callback=callback, should_stop=self._stop.is_set, source=self.name)
        except (ValueError, TypeError, RuntimeError, MemoryError) as err:
            self._line("")
            self._say(str(err).removeprefix("train_on_text: "), error=True)
            return
        except Exception as err:                               # noqa: BLE001 - the page's guard
            self._line("")
            self._say(f"Training stopped with an error ({type(err).__name__}: {err}).", error=True)
            return
        finally:
            self.train.disabled, self.stop.disabled = False, True
        self.progress.value = 1.0 if report["stopped"] != "asked" else self.progress.value
        b = report["baselines"]
        why = {"time": "the time budget ran out", "updates": "the updates were done",
               "asked": "you pressed Stop"}[report["stopped"]]
        self._line(f"Trained: {report['updates']:,} updates in {report['seconds']:.1f} s "
                   f"({report['chars_per_second']:,.0f} characters a second), stopped because "
                   f"{why}. Held-out perplexity {report['perplexity']:.2f}; on the same held-out "
                   f"characters the bigram counts give {b['bigram']:.2f}, the unigram "
                   f"{b['unigram']:.2f}, guessing uniformly {b['uniform']:.0f}.")
        self.download.value = _download_link(model, report, self.name)
        self._done(model, report, self.name, self.text)

    def __repr__(self):
        return f"TrainPanel(text={self.name!r})"


def _download_link(model, report, name):
    """A link that saves the trained checkpoint from the browser (the file travels in the link)."""
    stem = os.path.splitext(os.path.basename(name))[0] or "model"
    with tempfile.TemporaryDirectory(prefix="rnnlib_trained_") as folder:
        path = os.path.join(folder, "model.npz")
        save(model, path, metadata=report["metadata"])
        with open(path, "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
    file = html.escape(f"{stem}_{report['settings']['cell']}.npz")
    return (f'<a download="{file}" href="data:application/octet-stream;base64,{data}">Save '
            f'this model as {file}</a> (open it again later with the checkpoint button, or '
            f'sample from it: python -m rnnlib.charlm sample {file})')
