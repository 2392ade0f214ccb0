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

from . import _validation as v
from . import plots
from .functional import activation_grad, rnn_step_forward
from .layers import RNN


class Explorer:
    """What every explorer shares: an Output to draw into, and a stable text/plain.

    Subclasses build their controls, set self.widget (the box shown in the notebook) and
    self.out (an ipywidgets.Output inside it), and call self._show(...) to redraw.
    """

    out: W.Output
    widget: W.Widget

    def _show(self, *items):
        """Replace what the Output shows with items, in order: Figures (drawn as PNG), ready
        PNGs (bytes or an IPython Image, e.g. a plots.LivePlot's png()) and strings (as text)."""
        shown = []
        for item in items:
            if isinstance(item, Figure):
                buf = io.BytesIO()
                item.savefig(buf, format="png", dpi=item.dpi)
                item = buf.getvalue()
            if isinstance(item, (bytes, bytearray)):
                shown.append(Image(data=bytes(item), format="png"))
            elif isinstance(item, Image):
                shown.append(item)
            else:
                shown.append(str(item))
        self.out.outputs = ()
        for item in shown:
            if isinstance(item, str):
                self.out.append_stdout(item if item.endswith("\n") else item + "\n")
            else:
                self.out.append_display_data(item)

    def shown_text(self) -> str:
        """Everything the Output holds as text, figures left out: what a test asserts on."""
        parts = []
        for o in self.out.outputs:
            if o.get("output_type") == "stream":
                parts.append(o.get("text", ""))
            elif "image/png" not in o.get("data", {}):   # a figure's text/plain says nothing
                parts.append(o.get("data", {}).get("text/plain", ""))
        return "".join(parts)

    def _repr_mimebundle_(self, **kwargs):
        # The widget view for JupyterLab, but our own text/plain: ipywidgets' default repr
        # spells out the whole widget tree, PNG bytes included, and nbval compares it.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


# --- notebook 01: step through one timestep ----------------------------------------------
# (and TanhExplorer, the environment check in notebook 00)

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
        self._plot = plots.TanhWeightPlot()
        self.slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None):
        w = self.slider.value
        text = f"w = {w:.1f}:  tanh(w * 1) = {np.tanh(w):.4f},  tanh(w * 3) = {np.tanh(3 * w):.4f}"
        self._show(text, self._plot.update(w).png())

    def __repr__(self):
        return f"TanhExplorer(w={self._w0:.1f})"


def _slope_note(slope, nonlinearity) -> str:
    """The comment on StepThrough's slope line: which units have (almost) stopped responding."""
    if nonlinearity == "tanh":
        units = np.flatnonzero(slope < 0.1)
        what, why = "saturated", "slope < 0.1: h_t barely follows a_t"
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
    self.message is the table of them now shown above the figure.
    """

    def __init__(self, x, h0, Wx, Wh, b, nonlinearity="tanh"):
        where = "StepThrough"
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
        # One scale for every step and sample, so that bars of different steps compare.
        a = self._xw + self._hw + b
        self._term_lim = 1.1 * max(float(np.abs(np.stack([self._xw, self._hw, a])).max()),
                                   float(np.abs(b).max()), 1e-3)
        self._plot = plots.StepTermsPlot(H, nonlinearity, term_lim=self._term_lim,
                                         act_lim=max(3.0, 1.1 * float(np.abs(a).max())))

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
        self._show(self.message, png)

    def __repr__(self):
        N, T, F = self._x.shape
        size = f"time={T}" if self._one else f"batch={N}, time={T}"
        return (f"StepThrough({size}, input_size={F}, hidden_size={self._h.shape[2]}, "
                f"nonlinearity={self.nonlinearity!r})")


# --- notebook 02: hidden-state trajectory --------------------------------------------------

def rotation(theta_degrees):
    """R(theta) = [[cos, sin], [-sin, cos]]: h @ R(theta) turns a row vector h by theta
    degrees counter-clockwise, in the right-multiply layout h_t = tanh(x_t Wx + h_{t-1} Wh + b).
    """
    t = np.deg2rad(theta_degrees)
    return np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])     # (2, 2)


class HiddenTrajectory(Explorer):
    """Watch a 2-unit RNN's hidden state move through [-1, 1]^2 while it reads a word.

    HiddenTrajectory(vocab, word="hello", seed=0, input_gain=1.0, recurrent_gain=1.0,
                     theta=30.0, repeat=1)

    The network is self.rnn = rnnlib.RNN(len(vocab), 2, seed=seed), with two weights steered
    by sliders: Wh = recurrent_gain * rotation(theta) replaces its recurrent matrix, and
    Wx = input_gain * (its initial Wx). The bias stays as initialised.

    Controls (attributes, so a test can set .value):
        word            Text: the word to read; unknown letters get a message, not an error
        input_gain      how hard each letter pushes the state
        recurrent_gain  g: how strongly the old state carries over
        theta           the angle in degrees by which Wh turns the old state
        repeat          read the word this many times in a row, carrying the state along
    .weights() -> (Wx, Wh, b);  .trajectory() -> (states (T, 2), labels);  .message: the
    line shown under the figure (the final state) or instead of it.
    """

    MAX_LETTERS = 40          # longer words are cut: the picture would be a tangle anyway

    def __init__(self, vocab, word="hello", seed=0, input_gain=1.0, recurrent_gain=1.0,
                 theta=30.0, repeat=1):
        where = "HiddenTrajectory"
        if not (hasattr(vocab, "one_hot") and hasattr(vocab, "index")):
            raise TypeError(f"{where}: vocab should be an rnnlib.Vocab, got "
                            f"{type(vocab).__name__}. Build one with rnnlib.Vocab('helo').")
        if not isinstance(word, str):
            raise TypeError(f"{where}: word should be a str, got {type(word).__name__}.")
        # Each start value must lie on its slider: ipywidgets would silently clamp it.
        hint = "That is the range of its slider."
        input_gain = v.number_in(input_gain, 0.0, 3.0, "input_gain", where, hint)
        recurrent_gain = v.number_in(recurrent_gain, 0.0, 3.0, "recurrent_gain", where, hint)
        theta = v.number_in(theta, -180.0, 180.0, "theta", where, hint)
        repeat = v.int_in(repeat, 1, 8, "repeat", where, hint)
        self.vocab, self.seed = vocab, seed
        self.rnn = RNN(len(vocab), 2, seed=seed)
        self._initial = self.rnn.state_dict()          # Wx_0 and the bias, as drawn
        self._fig = None                               # reused by every redraw: twice as fast
        self.message = ""

        wide = dict(style={"description_width": "120px"}, layout=W.Layout(width="420px"))
        self.word = W.Text(value=word, description="word", continuous_update=True, **wide)
        self.input_gain = W.FloatSlider(value=input_gain, min=0.0, max=3.0, step=0.05,
                                        description="input gain", **wide)
        self.recurrent_gain = W.FloatSlider(value=recurrent_gain, min=0.0, max=3.0, step=0.05,
                                            description="recurrent gain g", **wide)
        self.theta = W.FloatSlider(value=theta, min=-180.0, max=180.0, step=5.0,
                                   description="rotation θ (deg)", **wide)
        self.repeat = W.IntSlider(value=repeat, min=1, max=8, description="repeat word", **wide)
        self.out = W.Output()
        controls = [self.word, self.input_gain, self.recurrent_gain, self.theta, self.repeat]
        self.widget = W.VBox(controls + [self.out])
        for control in controls:
            control.observe(self.redraw, names="value")
        self.redraw()

    def weights(self):
        """(Wx (V, 2), Wh (2, 2), b (2,)) in functional.py's layout, for the current sliders."""
        p = self._initial
        Wx = self.input_gain.value * p["weight_ih_l0"].T                     # (V, 2)
        Wh = self.recurrent_gain.value * rotation(self.theta.value)          # (2, 2)
        return Wx, Wh, p["bias_ih_l0"] + p["bias_hh_l0"]

    def trajectory(self):
        """(states (T, 2), labels): what self.rnn computes for the current controls.

        Raises the vocabulary's ValueError on a letter it does not know.
        """
        text = self._text() * self.repeat.value
        Wx, Wh, _ = self.weights()
        self.rnn.load_state_dict(dict(self._initial, weight_ih_l0=Wx.T, weight_hh_l0=Wh.T))
        output, _ = self.rnn(self.vocab.one_hot(text)[None])                # (1, T, 2)
        return output[0], list(text)

    def redraw(self, change=None):
        text = self._text()
        problem = self._problem(text)
        if problem:
            self.message = problem
            self._show(problem)
            return
        states, labels = self.trajectory()
        # No title: the sliders and the line below say it all, and every text in the
        # figure costs the redraw a few milliseconds.
        self._fig = plots.trajectory_figure(states, labels, word_length=len(text), fig=self._fig)
        h = states[-1]
        times = f" {self.repeat.value} times" if self.repeat.value > 1 else ""
        cut = (f" (only the first {self.MAX_LETTERS} letters are read)"
               if len(self.word.value.strip()) > self.MAX_LETTERS else "")
        self.message = (f"final state h = ({h[0]:+.4f}, {h[1]:+.4f}) after {len(labels)} "
                        f"steps, reading {text!r}{times}{cut}")
        self._show(self._fig, self.message)

    def _text(self):
        return self.word.value.strip()[: self.MAX_LETTERS]

    def _problem(self, text):
        """A friendly sentence when there is nothing to draw, or '' when there is."""
        known = ", ".join(self.vocab.symbols)
        if not text:
            return f"Type a word in the box, using the letters {known}."
        try:
            self.vocab.one_hot(text)
            return ""
        except ValueError as e:
            bad = [c for c in dict.fromkeys(text) if c not in self.vocab.index]
            if not bad:
                return str(e)
            case = (" (the vocabulary is lower case)"
                    if any(c.lower() in self.vocab.index for c in bad) else "")
            return (f"This network only knows the letters {known}; {', '.join(map(repr, bad))} "
                    f"{'is' if len(bad) == 1 else 'are'} not among them{case}. Try another word.")

    def __repr__(self):
        return (f"HiddenTrajectory(vocab={self.vocab!r}, word={self.word.value!r}, "
                f"seed={self.seed!r}, input_gain={self.input_gain.value:.2f}, "
                f"recurrent_gain={self.recurrent_gain.value:.2f}, theta={self.theta.value:.0f}, "
                f"repeat={self.repeat.value})")


# --- notebook 05: training monitor ----------------------------------------------------------

class TrainingMonitor(Explorer):
    """A progress bar, a status line and a live loss plot, shown once while rnnlib.fit runs.

    fit calls update(epoch, history) after every epoch; the bar moves every epoch, and the
    plot is redrawn every `plot_every` epochs (default: 10 redraws in all), because a
    figure costs milliseconds and an epoch of a small model costs less. The stored text of the
    cell is the repr, "TrainingMonitor(epochs=300)", which does not change from run to run.
    """

    def __init__(self, epochs, plot_every=None):
        self.epochs = v.positive_int(epochs, "epochs", "TrainingMonitor")
        self.plot_every = (max(1, self.epochs // 10) if plot_every is None
                           else v.positive_int(plot_every, "plot_every", "TrainingMonitor"))
        self.bar = W.IntProgress(value=0, min=0, max=self.epochs, description="epoch")
        self.status = W.Label(f"0 / {self.epochs}")
        self.out = W.Output()
        self.widget = W.VBox([W.HBox([self.bar, self.status]), self.out])

    def update(self, epoch, history, redraw=None):
        """Show progress after `epoch` (1-based) of training; history as rnnlib.fit builds it."""
        self.bar.value = epoch
        text = f"{epoch} / {self.epochs}   loss {history['loss'][-1]:.4f}"
        if history.get("accuracy"):
            text += f"   accuracy {history['accuracy'][-1]:.2f}"
        self.status.value = text
        if redraw is None:
            redraw = epoch % self.plot_every == 0 or epoch in (1, self.epochs)
        if redraw:
            self._show(plots.training_curves(history, title=f"loss, epoch {epoch}"))

    def __repr__(self):
        return f"TrainingMonitor(epochs={self.epochs})"
