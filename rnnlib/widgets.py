"""ipywidgets explorers. Each widget owns an ipywidgets.Output and redraws it by replacing
its outputs (out.outputs = (); out.append_display_data(fig)), never with `with out:` or
interact(), so the notebook's stored output is stable under strict nbval and live in
JupyterLab. Each explorer is a class whose controls are attributes: a test sets
`explorer.slider.value = 3` and reads `explorer.out.outputs`.
"""
from __future__ import annotations

import numpy as np

# --- notebook 01: step through one timestep ----------------------------------------------

# --- notebook 02: hidden-state trajectory --------------------------------------------------

# --- notebooks 04-06: gradients and training ----------------------------------------------
