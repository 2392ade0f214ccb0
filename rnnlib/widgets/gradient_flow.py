"""GradientFlow: watch the gradient vanish or explode on its way back through time while you
move the spectral radius of Wh, the size of the inputs and the sequence length.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import _validation as v
from ..gradients import gradient_norms
from ..plots.gradients import GradientFlowPlot
from .explorer import Explorer

# The radius slider's stops: every 0.05 from 0.75 to 3, where vanishing turns into growing
# (about 1 for tanh with small inputs, 1.75 for relu, 2.1 for tanh with inputs of size 1: every
# row of notebook 06's table is a stop), then a few large values to see overflow. 0 is a stop:
# Wh = 0, no path back through time at all.
RADII = tuple(float(r) for r in sorted({round(r, 2) for r in np.arange(0.0, 0.75, 0.1)}
                                       | {round(r, 2) for r in np.arange(0.75, 3.01, 0.05)}
                                       | {4.0, 5.0, 10.0, 100.0, 1000.0}))


def _g(x) -> str:
    """A norm in 3 significant digits, the special values in words."""
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf"
    return "0" if x == 0 else f"{x:.3g}"


class GradientFlow(Explorer):
    """How much of a loss at the last step reaches each earlier hidden state.

    GradientFlow(radius=1.0, input_scale=1.0, T=100, nonlinearity="tanh", seed=0)

    The network is fixed except for what the controls set: H = 32 hidden units, F = 4 inputs,
    N = 8 random input sequences (standard normal, times the input scale), Wx standard normal
    / sqrt(F), b = 0, h0 = 0, and Wh = ONE random matrix (standard normal, from seed)
    rescaled by with_spectral_radius, so moving the radius scales every eigenvalue and
    nothing else. The loss is rnnlib.gradients.gradient_norms' unit readout of h_{T-1}, so
    ||dL/dh_{T-1}|| = 1 and every other value is the gain from the last step back to t.

    Controls (attributes, so a test can set .value):
        radius        the spectral radius rho(Wh), the largest |eigenvalue| (0 ... 1000)
        input_scale   how large the inputs are (0.001 ... 100): large inputs saturate tanh
        T             the sequence length (1 ... 200)
        nonlinearity  "tanh" or "relu"
    .norms() -> (T,) the curve drawn; .message is the text shown above the figure.
    """

    H, F, N, T_MAX = 32, 4, 8, 200

    def __init__(self, radius=1.0, input_scale=1.0, T=100, nonlinearity="tanh", seed=0):
        where = "GradientFlow"
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or radius not in RADII:
            raise ValueError(f"{where}: radius should be one of the slider's stops "
                             f"({', '.join(f'{r:g}' for r in RADII)}), got {radius!r}.")
        hint = "That is the range of its slider."
        input_scale = v.number_in(input_scale, 1e-3, 1e2, "input_scale", where, hint)
        T = v.int_in(T, 1, self.T_MAX, "T", where, hint)
        nonlinearity = v.choice(nonlinearity, ("tanh", "relu"), "nonlinearity", where)
        self.seed = v.seed(seed, where)
        rng = np.random.default_rng(self.seed)
        H, F = self.H, self.F
        W0 = rng.standard_normal((H, H))
        rho0 = np.abs(np.linalg.eigvals(W0)).max()
        self._W1 = W0 / rho0                                      # spectral radius exactly 1
        self._eig1 = np.linalg.eigvals(self._W1)                 # (H,) its eigenvalues
        self._norm1 = float(np.linalg.norm(self._W1, 2))         # its largest singular value
        self._Wx = rng.standard_normal((F, H)) / np.sqrt(F)
        self._x = rng.standard_normal((self.N, self.T_MAX, F))   # the first T steps are read
        self._h0, self._b = np.zeros((self.N, H)), np.zeros(H)
        self._start = dict(radius=float(radius), input_scale=input_scale, T=T,
                           nonlinearity=nonlinearity)
        self._plot = GradientFlowPlot(self.T_MAX)

        wide = dict(style={"description_width": "110px"}, layout=W.Layout(width="420px"))
        self.radius = W.SelectionSlider(options=[(f"{r:g}", r) for r in RADII], value=float(radius),
                                        description="spectral radius", **wide)
        self.input_scale = W.FloatLogSlider(value=input_scale, base=10, min=-3, max=2, step=0.25,
                                            description="input scale", **wide)
        self.T = W.IntSlider(value=T, min=1, max=self.T_MAX, description="length T", **wide)
        self.nonlinearity = W.ToggleButtons(options=["tanh", "relu"], value=nonlinearity,
                                            description="nonlinearity",
                                            style={"description_width": "110px"})
        self.out = W.Output()
        controls = [self.radius, self.input_scale, self.T, self.nonlinearity]
        self.widget = W.VBox(controls + [self.out])
        for control in controls:
            control.observe(self._redraw, names="value")
        self._redraw()

    def weights(self):
        """(Wx (F, H), Wh (H, H), b (H,)) for the current radius."""
        return self._Wx, self.radius.value * self._W1, self._b

    def norms(self):
        """||dL/dh_t|| for t = 0 .. T-1 (mean over the N sequences), as gradient_norms gives it."""
        Wx, Wh, b = self.weights()
        x = self.input_scale.value * self._x[:, :self.T.value]              # (N, T, F)
        return gradient_norms(x, self._h0, Wx, Wh, b, self.nonlinearity.value)

    def _redraw(self, change=None):
        norms = self.norms()
        self.message = self._describe(norms)
        self.show(self.message, self._plot.update(norms, self.radius.value * self._eig1).png())

    def _describe(self, norms) -> str:
        r, T = self.radius.value, self.T.value
        head = (f"{self.nonlinearity.value}, spectral radius ρ(Wh) = {r:g} (||Wh||_2 = "
                f"{r * self._norm1:.3g}), input scale {self.input_scale.value:.3g}, T = {T}")
        if T == 1:
            return head + ("\nT = 1: the loss sits on h_0 itself, ||dL/dh_0|| = 1, and there is no "
                           "step to go back through.")
        if np.isnan(norms).any():
            return head + ("\nThe forward pass overflowed: the states themselves passed the "
                           "float64 range (inf), so there is no gradient to show (nan).")
        points = sorted({0, T // 2, T - 1})
        lines = [head, "||dL/dh_t||: " + ", ".join(f"{_g(norms[t])} at t = {t}" for t in points)]
        zeros = np.flatnonzero(norms == 0)
        infs = np.flatnonzero(np.isinf(norms))
        if len(infs):
            lines.append(f"Overflow: past the float64 range (inf) for t <= {infs.max()}.")
        elif len(zeros):
            why = (" (Wh = 0: no path back through time)" if r == 0 else
                   " (saturated units: tanh' = 1 - h^2 is exactly 0 in float64)")
            lines.append(f"Exactly 0 for t <= {zeros.max()}{why}.")
        else:
            gain = norms[0] ** (1 / (T - 1))                     # geometric mean per step
            trend = "vanishing" if gain < 0.99 else "exploding" if gain > 1.01 else "about steady"
            lines.append(f"On average x{gain:.3g} per step back: {trend}.")
        return "\n".join(lines)

    def __repr__(self):
        s = self._start
        return (f"GradientFlow(radius={s['radius']:g}, input_scale={s['input_scale']:g}, "
                f"T={s['T']}, nonlinearity={s['nonlinearity']!r}, seed={self.seed!r})")
