"""Layers: parameters, gradients and settings around the functions in functional.py and gated.py.

RNNCell, LSTMCell, GRUCell   one timestep, torch's *Cell names and shapes.
RNN, LSTM, GRU               torch.nn.RNN's, LSTM's and GRU's constructors, calls, shapes and
                             state_dict names, in numpy; each is a few lines over
                             recurrent.Recurrent, which stacks, pads, reverses and drops out.
(Dense, the read-out at every timestep, is in dense.py.)

Every layer checks its inputs once, in forward / backward, casts them to its dtype, and then
calls the functions' bare maths (``rnn_forward.unchecked``).

Differences from torch.nn.RNN (and LSTM, GRU) that stay on purpose
------------------------------------------------------------------
==================  =========================  ===============================================
                    torch.nn.RNN               rnnlib.RNN
==================  =========================  ===============================================
batch_first         False: x is (T, N, F)      True: x is (N, T, F), as everywhere in the
                                               course (batch_first=False is accepted)
variable lengths    PackedSequence             lengths=(N,) ints; the same numbers, padding
                                               gives zero output as pad_packed_sequence does
reading backwards   (none)                     go_backwards=True, Keras' argument
token ids           (none: nn.Embedding first) x may be (N, T) ids, read as one-hot vectors
dtype               torch.float32 by default   np.float64 by default (gradient checks need it)
==================  =========================  ===============================================
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from .functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .gated import (gru_backward, gru_forward, gru_step_backward, gru_step_forward, lstm_backward,
                    lstm_forward, lstm_step_backward, lstm_step_forward)
from .module import Module, uniform_init
from .recurrent import Recurrent


class _Cell(Module):
    """One timestep of a cell, with torch's *Cell names: weight_ih (G, F), weight_hh (G, H),
    bias_ih (G,), bias_hh (G,), G = gates * hidden_size. A subclass says its gates and steps."""

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, *, seed=None, dtype=np.float64):
        where = type(self).__name__
        super().__init__(dtype)
        self.input_size = v.positive_int(input_size, "input_size", where)
        self.hidden_size = v.positive_int(hidden_size, "hidden_size", where)
        self.bias = v.flag(bias, "bias", where)
        rng = np.random.default_rng(v.seed(seed, where))
        F, H, G = self.input_size, self.hidden_size, self.gates * self.hidden_size
        for name, shape in [("weight_ih", (G, F)), ("weight_hh", (G, H))] + (
                [("bias_ih", (G,)), ("bias_hh", (G,))] if self.bias else []):
            self.add_param(name, uniform_init(rng, shape, H, self.dtype))

    def config(self):
        """The constructor arguments that rebuild this cell (without its weights)."""
        return dict(input_size=self.input_size, hidden_size=self.hidden_size, bias=self.bias,
                    dtype=self.dtype.name)

    def _torch_weights(self):
        """W_ih^T (F, G), W_hh^T (H, G), b_ih (G,), b_hh (G,)."""
        p = self.params
        if self.bias:
            b_ih, b_hh = p["bias_ih"], p["bias_hh"]
        else:
            b_ih = b_hh = np.zeros(self.gates * self.hidden_size, self.dtype)
        return p["weight_ih"].T, p["weight_hh"].T, b_ih, b_hh

    def _inputs(self, x, states, names):
        """x (N, F) or (F,) and each state (N, H) or (H,) or None -> 2-D arrays, single flag."""
        where = type(self).__name__
        single = np.ndim(x) == 1
        x = v.array(np.atleast_2d(x) if single else x,
                    [("batch", None), ("input_size", self.input_size)], "x", where,
                    "x holds one timestep of every sequence, (batch, input_size).")
        N, H = x.shape[0], self.hidden_size
        out = []
        for name, s in zip(names, states):
            if s is None:
                out.append(np.zeros((N, H), self.dtype))
                continue
            s = v.array(np.atleast_2d(s) if single and np.ndim(s) == 1 else s,
                        [("batch", N), ("hidden_size", H)], name, where)
            out.append(s.astype(self.dtype, copy=False))
        return x.astype(self.dtype, copy=False), out, single

    def _grad(self, value, name, shape, single):
        where = f"{type(self).__name__}.backward"
        value = v.array(np.atleast_2d(value) if single else value,
                        [("batch", shape[0]), ("hidden_size", shape[1])], name, where,
                        f"{name} has the shape of the state the last forward call returned.")
        return value.astype(self.dtype, copy=False)

    def _add_grads(self, dWx, dWh, db_ih, db_hh):
        self.grads["weight_ih"] += dWx.T
        self.grads["weight_hh"] += dWh.T
        if self.bias:
            self.grads["bias_ih"] += db_ih
            self.grads["bias_hh"] += db_hh

    def __repr__(self):
        extra = "" if self.bias else ", bias=False"
        extra += self._repr_extra()
        extra += "" if self.dtype == np.float64 else f", dtype=np.{self.dtype}"
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"

    def _repr_extra(self):
        return ""


class RNNCell(_Cell):
    """One timestep, torch.nn.RNNCell: h' = act(x @ weight_ih^T + bias_ih + h @ weight_hh^T + bias_hh).

    params: weight_ih (H, F), weight_hh (H, H), bias_ih (H,), bias_hh (H,), as in torch.
    Call: h_next = cell(x, h_prev=None);  x (N, F) or (F,), h_prev (N, H) or (H,), zeros when None.
    backward(dh_next) -> (dx, dh_prev) adds to cell.grads.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, seed=None,
                 dtype=np.float64):
        self.nonlinearity = v.nonlinearity(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias, seed=seed, dtype=dtype)

    def config(self):
        return dict(super().config(), nonlinearity=self.nonlinearity)

    def weights(self):
        """(Wx (F, H), Wh (H, H), b (H,)) in the right-multiply layout of the functions."""
        Wx, Wh, b_ih, b_hh = self._torch_weights()
        return Wx, Wh, b_ih + b_hh

    def forward(self, x, h_prev=None):
        """x (N, F), h_prev (N, H) or None  ->  h_next (N, H).  One sequence: x (F,) -> (H,)."""
        x, (h_prev,), single = self._inputs(x, [h_prev], ["h_prev"])
        h_next, cache = rnn_step_forward.unchecked(x, h_prev, *self.weights(), self.nonlinearity)
        self._keep((cache, single))
        return h_next[0] if single else h_next

    def backward(self, dh_next):
        """dh_next (like h_next) -> (dx, dh_prev); adds dL/dweights to self.grads."""
        cache, single = self._last_cache("RNNCell.backward", "Call h_next = cell(x) first.")
        dh_next = self._grad(dh_next, "dh_next", cache[4].shape, single)
        dx, dh_prev, dWx, dWh, db = rnn_step_backward.unchecked(dh_next, cache)
        self._add_grads(dWx, dWh, db, db)
        return (dx[0], dh_prev[0]) if single else (dx, dh_prev)

    def _repr_extra(self):
        return "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_Cell):
    """One timestep, torch.nn.LSTMCell: blocks i, f, g, o of x W_ih^T + b_ih + h W_hh^T + b_hh.

    params: weight_ih (4H, F), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,), as in torch.
    Call: h_next, c_next = cell(x, hx=None);  hx = (h_prev, c_prev), zeros when None;
    x (N, F) or (F,) for one sequence.
    backward(dh_next, dc_next=None) -> (dx, dh_prev, dc_prev) adds to cell.grads.
    """

    gates = 4

    def weights(self):
        """(Wx (F, 4H), Wh (H, 4H), b (4H,)): the functions' layout; the two biases add up."""
        Wx, Wh, b_ih, b_hh = self._torch_weights()
        return Wx, Wh, b_ih + b_hh

    def forward(self, x, hx=None):
        """x (N, F), hx (h_prev, c_prev) each (N, H), or None  ->  (h_next, c_next)."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx should be None or the pair (h_prev, c_prev), as "
                            f"torch.nn.LSTMCell takes it, got {type(hx).__name__}.")
        x, (h, c), single = self._inputs(x, hx or (None, None), ["h_prev", "c_prev"])
        h_next, c_next, cache = lstm_step_forward.unchecked(x, h, c, *self.weights())
        self._keep((cache, single))
        return (h_next[0], c_next[0]) if single else (h_next, c_next)

    def backward(self, dh_next, dc_next=None):
        """dh_next, dc_next (like h_next, c_next; dc_next None = 0) -> (dx, dh_prev, dc_prev)."""
        cache, single = self._last_cache("LSTMCell.backward", "Call h, c = cell(x) first.")
        shape = cache[6].shape
        dh_next = self._grad(dh_next, "dh_next", shape, single)
        dc_next = (np.zeros(shape, self.dtype) if dc_next is None
                   else self._grad(dc_next, "dc_next", shape, single))
        dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward.unchecked(dh_next, dc_next, cache)
        self._add_grads(dWx, dWh, db, db)
        return (dx[0], dh_prev[0], dc_prev[0]) if single else (dx, dh_prev, dc_prev)


class GRUCell(_Cell):
    """One timestep, torch.nn.GRUCell: blocks r, z, n; h' = (1 - z) * n + z * h.

    params: weight_ih (3H, F), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,), as in torch.
    Call: h_next = cell(x, h_prev=None).  backward(dh_next) -> (dx, dh_prev) adds to cell.grads.
    """

    gates = 3

    def weights(self):
        """(Wx (F, 3H), Wh (H, 3H), bx (3H,), bh (3H,)): two biases, since bh_n sits inside r * (...)."""
        return self._torch_weights()

    def forward(self, x, h_prev=None):
        """x (N, F), h_prev (N, H) or None  ->  h_next (N, H).  One sequence: x (F,) -> (H,)."""
        x, (h_prev,), single = self._inputs(x, [h_prev], ["h_prev"])
        h_next, cache = gru_step_forward.unchecked(x, h_prev, *self.weights())
        self._keep((cache, single))
        return h_next[0] if single else h_next

    def backward(self, dh_next):
        """dh_next (like h_next) -> (dx, dh_prev); adds dL/dweights to self.grads."""
        cache, single = self._last_cache("GRUCell.backward", "Call h_next = cell(x) first.")
        dh_next = self._grad(dh_next, "dh_next", cache[1].shape, single)
        dx, dh_prev, dWx, dWh, dbx, dbh = gru_step_backward.unchecked(dh_next, cache)
        self._add_grads(dWx, dWh, dbx, dbh)
        return (dx[0], dh_prev[0]) if single else (dx, dh_prev)


class RNN(Recurrent):
    """A multi-layer Elman RNN with torch.nn.RNN's arguments, shapes and parameter names.

    For every layer l and direction d (forward, then "_reverse" when bidirectional):

        h_t = act(x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh)

    Parameters are stored as torch stores them: weight_ih_l0 (H, F), weight_hh_l0 (H, H),
    bias_ih_l0 (H,), bias_hh_l0 (H,). The functions in functional.py take the transposed,
    right-multiply layout Wx = W_ih^T, Wh = W_hh^T, b = b_ih + b_hh.

    Stacking, directions, padding, dropout and batch_first are the same for every cell and
    live in recurrent.Recurrent; this class only says which functions run a layer.

    batch_first defaults to True, because the whole course writes x as (batch, time,
    features); torch's default is False. The other differences from torch are in the table
    at the top of this module.

    go_backwards=True (Keras' argument; not in torch) reads every sequence from its last real
    step to its first, and returns the output in that reading order, as Keras does: the same
    as calling the layer on reverse_padded(x, lengths).

    dtype: np.float64 (default) or np.float32. Parameters, outputs, caches and gradients all
    have it; an input of another float dtype is cast to it.

    rnn.rng is the np.random.Generator made from seed=: it draws the initial weights, then
    every dropout mask, a fresh one on each forward call in training mode. To replay a
    forward with the same mask (a finite-difference check, say), save
    state = rnn.rng.bit_generator.state and assign it back before each call.

    Call: output, h_n = rnn(x, h0=None, lengths=None)
        x       (N, T, F) (or (T, N, F) with batch_first=False), or token ids (N, T) of
                whole numbers in 0 .. F-1 standing for one-hot vectors: the input product
                e_i @ Wx is then the look-up of row i (backward returns dx = None)
        h0      (num_layers * D, N, H), zeros when None; D = 2 if bidirectional else 1
        lengths (N,) real length of each padded sequence; steps past it give zero output
                and h_n holds the state at each sequence's last real step
        output  (N, T, D * H) the last layer's hidden states, both directions side by side
        h_n     (num_layers * D, N, H) the final state of every layer and direction
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=True, dropout=0.0, bidirectional=False, *, go_backwards=False,
                 seed=None, dtype=np.float64):
        self.nonlinearity = v.nonlinearity(nonlinearity, "RNN")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, go_backwards=go_backwards, seed=seed, dtype=dtype)

    def config(self):
        return dict(super().config(), nonlinearity=self.nonlinearity)

    def _repr_settings(self):
        return [("num_layers", 1), ("nonlinearity", "tanh")] + super()._repr_settings()[1:]

    def weights(self, layer=0, direction=0):
        """(Wx (F, H), Wh (H, H), b (H,)) of one layer and direction, in the functions' layout."""
        Wx, Wh, b_ih, b_hh = self._torch_weights(layer, direction)
        return Wx, Wh, b_ih + b_hh

    def _run(self, x, state0, layer, d):
        h, cache = rnn_forward.unchecked(x, state0[0], *self.weights(layer, d), self.nonlinearity)
        return h, (h,), cache

    def _run_backward(self, dstates, cache):
        dx, dh0, dWx, dWh, db = rnn_backward.unchecked(dstates[0], cache)
        return dx, (dh0,), (dWx, dWh, db, db)


class LSTM(Recurrent):
    """A multi-layer LSTM with torch.nn.LSTM's arguments, shapes and parameter names.

    For every layer and direction, with [a_i a_f a_g a_o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh:

        i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);   g = tanh(a_g)
        c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)

    weight_ih_l0 (4H, F), weight_hh_l0 (4H, H), bias_ih_l0 (4H,), bias_hh_l0 (4H,), blocks in
    the order i, f, g, o as in torch. The functions in gated.py take Wx = W_ih^T (F, 4H),
    Wh = W_hh^T (H, 4H), b = b_ih + b_hh.

    Call: output, (h_n, c_n) = lstm(x, h0=None, lengths=None)
        h0      None, or the pair (h0, c0), each (num_layers * D, N, H), as torch's hx
        output  (N, T, D * H); h_n, c_n (num_layers * D, N, H)
    backward(doutput, dh_n=None) with dh_n None or the pair (dh_n, dc_n), either None.
    Everything else (x, lengths, batch_first, dropout, go_backwards, dtype, seed) as rnnlib.RNN.
    """

    gates = 4
    state_names = ("h", "c")

    def weights(self, layer=0, direction=0):
        """(Wx (F, 4H), Wh (H, 4H), b (4H,)) of one layer and direction, in the functions' layout."""
        Wx, Wh, b_ih, b_hh = self._torch_weights(layer, direction)
        return Wx, Wh, b_ih + b_hh

    def _run(self, x, state0, layer, d):
        h, c, cache = lstm_forward.unchecked(x, *state0, *self.weights(layer, d))
        return h, (h, c), cache

    def _run_backward(self, dstates, cache):
        dx, dh0, dc0, dWx, dWh, db = lstm_backward.unchecked(*dstates[:1], cache, dstates[1])
        return dx, (dh0, dc0), (dWx, dWh, db, db)


class GRU(Recurrent):
    """A multi-layer GRU with torch.nn.GRU's arguments, shapes and parameter names.

    For every layer and direction, with the blocks r, z, n of torch.nn.GRU:

        r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    weight_ih_l0 (3H, F), weight_hh_l0 (3H, H), bias_ih_l0 (3H,), bias_hh_l0 (3H,). The
    functions in gated.py take Wx = W_ih^T, Wh = W_hh^T and both biases, bx = b_ih and
    bh = b_hh: b_hn sits inside r * (...), so the two cannot be added into one.

    Call: output, h_n = gru(x, h0=None, lengths=None); everything as rnnlib.RNN.
    """

    gates = 3

    def weights(self, layer=0, direction=0):
        """(Wx (F, 3H), Wh (H, 3H), bx (3H,), bh (3H,)) of one layer and direction."""
        return self._torch_weights(layer, direction)

    def _run(self, x, state0, layer, d):
        h, cache = gru_forward.unchecked(x, state0[0], *self.weights(layer, d))
        return h, (h,), cache

    def _run_backward(self, dstates, cache):
        dx, dh0, dWx, dWh, dbx, dbh = gru_backward.unchecked(dstates[0], cache)
        return dx, (dh0,), (dWx, dWh, dbx, dbh)
