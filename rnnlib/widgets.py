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
