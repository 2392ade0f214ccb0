"""Explorer: what every widget of the course shares.

`with out:` blocks and interact() print into the cell's output when no browser is attached,
and strict nbval then compares that output with the stored one. So an explorer owns an
ipywidgets.Output and redraws it by replacing its outputs (one assignment to out.outputs):
nothing reaches the cell but the explorer's own text/plain, which is stable from run to run,
and the same code is live in JupyterLab. Each explorer keeps its controls as attributes, so
a test drives it as a learner would (`explorer.slider.value = 3`) and reads what it shows
(`explorer.shown_text()`).
"""
from __future__ import annotations

import io

import ipywidgets as W
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import Image
from matplotlib.figure import Figure


def output_text(out: W.Output) -> str:
    """Everything an Output holds as text, figures left out: what a test asserts on."""
    parts = []
    for o in out.outputs:
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif "image/png" not in o.get("data", {}):   # a figure's text/plain says nothing
            text = o.get("data", {}).get("text/plain", "")
            parts.append(text if text.endswith("\n") or not text else text + "\n")   # one a line
    return "".join(parts)


def output_html(out: W.Output) -> str:
    """The HTML an Output holds (the text/html of its display data), joined."""
    return "".join(o.get("data", {}).get("text/html", "") for o in out.outputs)


def _output(item):
    """item as one output of an ipywidgets.Output: a str as stdout, anything else as display
    data in the formats IPython gives it (what Output.append_stdout / append_display_data do)."""
    if isinstance(item, str):
        return {"output_type": "stream", "name": "stdout",
                "text": item if item.endswith("\n") else item + "\n"}
    data, metadata = InteractiveShell.instance().display_formatter.format(item)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


class HTMLText:
    """HTML for the browser with a plain-text twin: the twin is its text/plain, so a test (and
    output_text) reads a sentence instead of '<IPython.core.display.HTML object>'. A browser
    shows the HTML only: anything the learner must read goes in the HTML or in a string."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return self.text


class Explorer:
    """The base of every explorer: an Output to draw into, and a stable text/plain.

    Subclasses build their controls, set self.widget (the box shown in the notebook) and
    self.out (an ipywidgets.Output inside it), call self.show(...) to redraw, and define
    __repr__: it is the cell's stored text, so it must not change from run to run.
    """

    out: W.Output
    widget: W.Widget

    def show(self, *items, out=None):
        """Replace what the Output shows with items, in order: Figures (drawn as PNG), ready
        PNGs (bytes or an IPython Image, e.g. a LivePlot's png()), HTML (an HTMLText or
        anything with _repr_html_) and strings (as text). out: another Output of the
        explorer (default self.out), for an explorer with several panels."""
        shown = []
        for item in items:
            if isinstance(item, Figure):
                buf = io.BytesIO()
                item.savefig(buf, format="png", dpi=item.dpi)
                item = buf.getvalue()
            if isinstance(item, (bytes, bytearray)):
                shown.append(Image(data=bytes(item), format="png"))
            elif isinstance(item, Image) or hasattr(item, "_repr_html_"):
                shown.append(item)
            else:
                shown.append(str(item))
        out = self.out if out is None else out
        # One assignment, so one message to the browser and one redraw there: clearing, then
        # appending item by item, sends the whole list again with every item and makes the
        # page lay out each stage (an empty panel, then a half-filled one).
        out.outputs = tuple(_output(item) for item in shown)

    def shown_text(self, out=None) -> str:
        """Everything the explorer (or its Output out) now shows as text, figures left out."""
        return output_text(self.out if out is None else out)

    def _repr_mimebundle_(self, **kwargs):
        # IPython's display protocol. The widget view for JupyterLab, but our own text/plain:
        # ipywidgets' default repr spells out the whole widget tree, PNG bytes included, and
        # nbval compares it.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle
