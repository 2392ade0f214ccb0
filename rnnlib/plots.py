"""Figures for the notebooks and widgets. Every function returns a matplotlib Figure and
never calls plt.show(), so a widget can place the figure in its Output and a test can
inspect it. Figures are made with matplotlib.figure.Figure (not pyplot), so building one
inside a widget callback opens no extra window and leaks nothing.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

# --- notebook 01: one timestep, term by term (step-through widget) ------------------------

# --- notebook 02: the hidden-state trajectory in [-1, 1]^2 ---------------------------------

# --- notebooks 04-06: gradients and training ----------------------------------------------
