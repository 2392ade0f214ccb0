"""One timestep at a time: TanhExplorer (a slider for w in tanh(w x), the environment check
of the first notebook) and StepThrough (the terms of h_t = act(x_t @ Wx + h_{t-1} @ Wh + b),
step by step, for one sequence or a batch).
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import _validation as v
from .. import activation_grad, rnn_step_forward
from ..plots import StepTermsPlot, TanhWeightPlot, step_terms_figure
from ..plots.activations import SATURATION_A, SATURATION_SLOPE, TANH_LIM
from .explorer import Explorer


class TanhExplorer(Explorer):
    """A slider for w and the curve tanh(w * x): the smallest live widget.

    Notebook 00 shows it to check that widgets work. It also previews notebook 01: the larger
    |w| (or the input), the sooner tanh flattens out at -1 and +1.
    """

    def __init__(self, w=1.0):
        w = v.number_in(w, -4.0, 4.0, "w", "TanhExplorer", "That is the range of its slider.")
        self.slider = W.FloatSlider(value=w, min=-4.0, max=4.0, step=0.1, description="w")
        self.out = W.Output()
        self.widget = W.VBox([self.slider, self.out])
        self._w0 = w
        self._plot = TanhWeightPlot()
        self.slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None):
        w = self.slider.value
        text = f"w = {w:.1f}:  tanh(w * 1) = {np.tanh(w):.4f},  tanh(w * 3) = {np.tanh(3 * w):.4f}"
        self.show(text, self._plot.update(w).png())

    def __repr__(self):
        return f"TanhExplorer(w={self._w0:.1f})"


def _slope_note(slope, nonlinearity) -> str:
    """The comment on StepThrough's slope line: which units have (almost) stopped responding."""
    if nonlinearity == "tanh":
        units = np.flatnonzero(slope < SATURATION_SLOPE)
        what = "saturated"
        why = f"slope < {SATURATION_SLOPE:g}, |a_t| > {SATURATION_A:.2f}: h_t barely follows a_t"
    else:
        units = np.flatnonzero(slope < 1.0)
        what, why = (("off", "a_t < 0: output 0, no gradient") if nonlinearity == "relu"
                     else ("leaking", "a_t < 0: slope 0.01, a trickle"))
    if not len(units):
        return ""
    return f"{what}: unit{'s' if len(units) > 1 else ''} {', '.join(map(str, units))} ({why})"


def _fmt(values) -> str:
    """A vector with 4 decimals whatever the print options, so the text is reproducible."""
    return np.array2string(np.asarray(values), precision=4, floatmode="fixed", sign=" ",
                           suppress_small=True, max_line_width=10_000)


class StepThrough(Explorer):
    """Step through h_t = act(x_t @ Wx + h_{t-1} @ Wh + b) one timestep at a time.

    x (T, F) one sequence, or (N, T, F) a batch; h0 (H,) or (N, H) to match, or None for
    zeros; Wx (F, H), Wh (H, H), b (H,). Every state is computed once, up front, with
    rnnlib.rnn_step_forward; moving a slider only redraws.

    Controls: self.slider picks the timestep t; self.sample picks the sequence of a batch
    (shown only when there is more than one). self.terms(t, sample) returns the numbers shown;
    self.message is the table of them now shown above the figure; self.figure(t, sample) is
    the picture as a plain Figure. The bars keep one scale for every step, symmetric-log when
    the steps' terms differ by more than a factor of 20.
    """

    def __init__(self, x, h0, Wx, Wh, b, nonlinearity="tanh"):
        where = "StepThrough"
        # The weights first: their shapes fix F and H for every other check.
        Wx, Wh, b = v.rnn_weights(Wx, Wh, b, where)
        F, H = Wx.shape
        one = np.ndim(x) == 2                         # a single sequence (T, F)
        x = v.array(x, [("time", None), ("input_size", F)] if one else
                    [("batch", None), ("time", None), ("input_size", F)], "x", where,
                    "" if np.ndim(x) in (2, 3) else
                    "x is one sequence (time, input_size) or a batch (batch, time, input_size).")
        x = x[None] if one else x                     # (N, T, F)
        N, T, _ = x.shape
        if h0 is None:
            h0 = np.zeros((N, H), dtype=np.result_type(x, Wx))
        else:
            h0 = v.array(h0, [("hidden_size", H)] if one else [("batch", N), ("hidden_size", H)],
                         "h0", where, "h0 is the state before the first step; None gives zeros.")
            h0 = h0[None] if one else h0              # (N, H)
        self.nonlinearity = v.nonlinearity(nonlinearity, where)

        h = np.empty((N, T, H), dtype=np.result_type(x, h0, Wx))
        h_prev = h0
        for t in range(T):
            h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b, nonlinearity)
            h[:, t] = h_prev
        h_before = np.concatenate([h0[:, None], h[:, :-1]], axis=1)   # (N, T, H) h_{t-1}
        self._x, self._h, self._h_before, self._b = x, h, h_before, b
        self._xw = x @ Wx                             # (N, T, H)
        self._hw = h_before @ Wh                      # (N, T, H)
        self._one = one
        # One scale for every step and sample, so that bars of different steps compare. When
        # the steps differ by orders of magnitude (inputs near 100 at one step, near 1 at
        # another), a linear axis leaves the small steps' bars invisible: then the axis is
        # symmetric-log, linear up to a power of ten below the smallest step's largest term.
        a = self._xw + self._hw + b                                    # (N, T, H)
        terms = np.abs(np.stack([self._xw, self._hw, a, np.broadcast_to(b, a.shape)]))
        largest = float(terms.max())
        self._term_lim = 1.1 * max(largest, 1e-3)
        per_step = terms.max(axis=(0, 3))                              # (N, T) each step's largest
        smallest = float(per_step[per_step > 0].min()) if (per_step > 0).any() else largest
        self._linthresh = None
        if largest > 20 * smallest:
            self._linthresh = float(10.0 ** np.floor(np.log10(max(smallest, 1e-6 * largest))))
        self._act_lim = (TANH_LIM if nonlinearity == "tanh"
                         else max(3.0, 1.1 * float(np.abs(a).max())))
        self._plot = StepTermsPlot(H, nonlinearity, term_lim=self._term_lim,
                                   act_lim=self._act_lim, linthresh=self._linthresh)

        self.slider = W.IntSlider(value=0, min=0, max=T - 1, description="t")
        self.sample = W.IntSlider(value=0, min=0, max=N - 1, description="sample")
        self.out = W.Output()
        controls = [self.slider] + ([self.sample] if N > 1 else [])
        self.widget = W.VBox([W.HBox(controls), self.out])
        self.slider.observe(self._redraw, names="value")
        self.sample.observe(self._redraw, names="value")
        self._redraw()

    def terms(self, t=None, sample=None) -> dict:
        """The numbers of step t for one sequence (default: where the sliders are), each (F,) or (H,)."""
        N, T, _ = self._x.shape
        t = self.slider.value if t is None else v.index(t, T, "t", "StepThrough.terms")
        n = self.sample.value if sample is None else v.index(sample, N, "sample", "StepThrough.terms")
        xw, hw = self._xw[n, t], self._hw[n, t]
        return {"x_t": self._x[n, t], "h_{t-1}": self._h_before[n, t], "x_t @ Wx": xw,
                "h_{t-1} @ Wh": hw, "b": self._b, "a_t": xw + hw + self._b, "h_t": self._h[n, t]}

    def figure(self, t=None, sample=None):
        """The picture of step t of one sequence (default: where the sliders are) as a plain
        matplotlib Figure, on the widget's own scales: for a reader without a live kernel."""
        d = self.terms(t, sample)
        t = self.slider.value if t is None else t
        return step_terms_figure(d["x_t @ Wx"], d["h_{t-1} @ Wh"], d["b"], self.nonlinearity, t=t,
                                 term_lim=self._term_lim, act_lim=self._act_lim,
                                 linthresh=self._linthresh)

    def _redraw(self, change=None):
        t, n, act = self.slider.value, self.sample.value, self.nonlinearity
        T = self._x.shape[1]
        d = self.terms()
        slope = activation_grad(d["h_t"], act)
        head = f"t = {t} (of 0..{T - 1})" + ("" if self._one else f", sample {n}")
        prev = "h0, the state before the first step" if t == 0 else f"the state after t = {t - 1}"
        rows = [("x_t", d["x_t"], ""),
                ("h_(t-1)", d["h_{t-1}"], f"({prev})"),
                ("x_t @ Wx", d["x_t @ Wx"], ""),
                ("h_(t-1) @ Wh", d["h_{t-1} @ Wh"], ""),
                ("b", d["b"], ""),
                ("a_t (sum)", d["a_t"], ""),
                (f"h_t = {act}(a_t)", d["h_t"], ""),
                (f"slope {act}'(a_t)", slope, _slope_note(slope, act))]
        width = max(len(name) for name, _, _ in rows) + 2
        self.message = "\n".join([head] + [f"{name:<{width}}{_fmt(values)}   {note}".rstrip()
                                         for name, values, note in rows])
        png = self._plot.update(d["x_t @ Wx"], d["h_{t-1} @ Wh"], d["b"], t).png()
        self.show(self.message, png)

    def __repr__(self):
        N, T, F = self._x.shape
        size = f"time={T}" if self._one else f"batch={N}, time={T}"
        return (f"StepThrough({size}, input_size={F}, hidden_size={self._h.shape[2]}, "
                f"nonlinearity={self.nonlinearity!r})")
