"""Figures for the notebooks and widgets. Every function returns a matplotlib Figure and
never calls plt.show(), so a widget can place the figure in its Output and a test can
inspect it. Figures are made with matplotlib.figure.Figure (not pyplot), so building one
inside a widget callback opens no extra window and leaks nothing.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import _validation as v

# --- notebook 01: one timestep, term by term (step-through widget) ------------------------

# --- notebook 02: the hidden-state trajectory in [-1, 1]^2 ---------------------------------

# --- notebook 03: batching, a loop over the batch vs one matrix product -------------------

def batching_times(batch_sizes, loop_seconds, batched_seconds):
    """Measured time of one RNN step for N sequences: a Python loop over them vs one product.

    batch_sizes (K,) the N measured; loop_seconds, batched_seconds (K,) seconds per step.
    Left: time per step against N, both axes logarithmic, with a dotted line proportional to
    N through the loop's first point. Right: the same times divided by N (per sequence).
    """
    where = "batching_times"
    sizes = np.asarray(batch_sizes)
    if np.issubdtype(sizes.dtype, np.integer):
        sizes = sizes.astype(float)                       # counts are ints; the axes are floats
    n = v.array(sizes, [("K", None)], "batch_sizes", where)
    loop = v.array(loop_seconds, [("K", len(n))], "loop_seconds", where)
    batched = v.array(batched_seconds, [("K", len(n))], "batched_seconds", where)
    if (n <= 0).any() or (loop <= 0).any() or (batched <= 0).any():
        raise ValueError(f"{where}: batch sizes and times should be positive; they are drawn on "
                         f"logarithmic axes.")

    fig = Figure(figsize=(8, 3), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, per in ((left, 1.0), (right, n)):
        ax.loglog(n, loop / per * 1e6, "o-", color="C3", label="Python loop over the batch")
        ax.loglog(n, batched / per * 1e6, "s-", color="C0", label="one batched matrix product")
        ax.set_xlabel("batch size N")
        ax.grid(True, which="major", color="0.9")
    left.loglog(n, loop[0] * n / n[0] * 1e6, ":", color="0.5", label="proportional to N")
    left.set(ylabel="microseconds per step", title="time for the whole batch")
    right.set(ylabel="microseconds per sequence", title="time per sequence")
    left.legend(fontsize=8, frameon=False)
    return fig

# --- notebooks 04-06: gradients and training ----------------------------------------------
