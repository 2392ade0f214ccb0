"""HiddenTrajectory: watch a 2-unit RNN's hidden state move through [-1, 1]^2 while it reads a
word, with sliders for how hard each letter pushes and how the old state turns and carries over.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import _validation as v
from .. import RNN
from ..plots import trajectory_figure
from .explorer import Explorer


def rotation(theta_degrees):
    """R(theta) = [[cos, sin], [-sin, cos]]: h @ R(theta) turns a row vector h by theta
    degrees counter-clockwise, in the right-multiply layout h_t = tanh(x_t Wx + h_{t-1} Wh + b).

    It is the transpose of the textbook rotation [[cos, -sin], [sin, cos]], which turns a
    column vector from the left: h @ R(theta) = (R_textbook @ h.T).T.
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
            control.observe(self._redraw, names="value")
        self._redraw()

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

    def _redraw(self, change=None):
        text = self._text()
        problem = self._problem(text)
        if problem:
            self.message = problem
            self.show(problem)
            return
        states, labels = self.trajectory()
        # No title: the sliders and the line below say it all, and every text in the
        # figure costs the redraw a few milliseconds.
        self._fig = trajectory_figure(states, labels, word_length=len(text), fig=self._fig)
        h = states[-1]
        times = f" {self.repeat.value} times" if self.repeat.value > 1 else ""
        cut = (f" (only the first {self.MAX_LETTERS} letters are read)"
               if len(self.word.value.strip()) > self.MAX_LETTERS else "")
        self.message = (f"final state h = ({h[0]:+.4f}, {h[1]:+.4f}) after {len(labels)} "
                        f"steps, reading {text!r}{times}{cut}")
        self.show(self._fig, self.message)

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
