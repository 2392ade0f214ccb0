"""ipywidgets explorers. Each widget owns an ipywidgets.Output and redraws it by replacing
its outputs (out.outputs = (); out.append_display_data(...)), never with `with out:` or
interact(), so the notebook's stored output is stable under strict nbval and live in
JupyterLab. Each explorer is a class whose controls are attributes: a test sets
`explorer.slider.value = 3` and reads `explorer.out.outputs`.
"""
from __future__ import annotations

import io

import ipywidgets as W
import numpy as np
from IPython.display import Image
from matplotlib.figure import Figure


class Explorer:
    """What every explorer shares: an Output to draw into, and a stable text/plain.

    Subclasses build their controls, set self.widget (the box shown in the notebook) and
    self.out (an ipywidgets.Output inside it), and call self._show(...) to redraw.
    """

    out: W.Output
    widget: W.Widget

    def _show(self, *items):
        """Replace what the Output shows with items: Figures (as PNG) and strings (as text)."""
        shown = []
        for item in items:
            if isinstance(item, Figure):
                buf = io.BytesIO()
                item.savefig(buf, format="png", dpi=item.dpi)
                shown.append(Image(data=buf.getvalue(), format="png"))
            else:
                shown.append(str(item))
        self.out.outputs = ()
        for item in shown:
            if isinstance(item, str):
                self.out.append_stdout(item if item.endswith("\n") else item + "\n")
            else:
                self.out.append_display_data(item)

    def shown_text(self) -> str:
        """Everything the Output holds as text: what a test asserts on."""
        parts = []
        for o in self.out.outputs:
            parts.append(o.get("text", "") if o.get("output_type") == "stream"
                         else o.get("data", {}).get("text/plain", ""))
        return "".join(parts)

    def _repr_mimebundle_(self, **kwargs):
        # The widget view for JupyterLab, but our own text/plain: ipywidgets' default repr
        # spells out the whole widget tree, PNG bytes included, and nbval compares it.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


# --- notebook 01: step through one timestep ----------------------------------------------

# --- notebook 02: hidden-state trajectory --------------------------------------------------

# --- notebooks 04-06: gradients and training ----------------------------------------------

# --- notebook 05: training monitor ----------------------------------------------------------

class TrainingMonitor(Explorer):
    """A progress bar, a status line and a live loss plot, shown once while rnnlib.fit runs.

    fit calls update(epoch, history) after every epoch; the bar moves every epoch, and the
    plot is redrawn every `plot_every` epochs (default: 10 redraws in all), because a
    figure costs milliseconds and an epoch of a small model costs less. The stored text of the
    cell is the repr, "TrainingMonitor(epochs=300)", which does not change from run to run.
    """

    def __init__(self, epochs, plot_every=None):
        from . import _validation as v
        self.epochs = v.positive_int(epochs, "epochs", "TrainingMonitor")
        self.plot_every = (max(1, self.epochs // 10) if plot_every is None
                           else v.positive_int(plot_every, "plot_every", "TrainingMonitor"))
        self.bar = W.IntProgress(value=0, min=0, max=self.epochs, description="epoch")
        self.status = W.Label(f"0 / {self.epochs}")
        self.out = W.Output()
        self.widget = W.VBox([W.HBox([self.bar, self.status]), self.out])

    def update(self, epoch, history, redraw=None):
        """Show progress after `epoch` (1-based) of training; history as rnnlib.fit builds it."""
        from .plots import training_curves
        self.bar.value = epoch
        text = f"{epoch} / {self.epochs}   loss {history['loss'][-1]:.4f}"
        if history.get("accuracy"):
            text += f"   accuracy {history['accuracy'][-1]:.2f}"
        self.status.value = text
        if redraw is None:
            redraw = epoch % self.plot_every == 0 or epoch in (1, self.epochs)
        if redraw:
            self._show(training_curves(history, title=f"loss, epoch {epoch}"))

    def __repr__(self):
        return f"TrainingMonitor(epochs={self.epochs})"
