"""Layers: parameters, gradients and settings around the functions in functional.py.

RNNCell  one timestep, torch.nn.RNNCell's names and shapes.
RNN      torch.nn.RNN's constructor, call, shapes and state_dict names, in numpy.
(Dense, the read-out at every timestep, is in dense.py.)

Every layer checks its inputs once, in forward / backward, casts them to its dtype, and then
calls the functions' bare maths (``rnn_forward.unchecked``).

Differences from torch.nn.RNN that stay on purpose
--------------------------------------------------
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

import warnings

import numpy as np

from . import _validation as v
from .data import sequence_mask
from .functional import (reverse_padded, rnn_backward, rnn_backward_padded, rnn_forward,
                         rnn_forward_padded, rnn_step_backward, rnn_step_forward)
from .module import Module, uniform_init


class RNNCell(Module):
    """One timestep, torch.nn.RNNCell: h' = act(x @ weight_ih^T + bias_ih + h @ weight_hh^T + bias_hh).

    params: weight_ih (H, F), weight_hh (H, H), bias_ih (H,), bias_hh (H,), as in torch.
    Call: h_next = cell(x, h_prev=None);  x (N, F) or (F,), h_prev (N, H) or (H,), zeros when None.
    backward(dh_next) -> (dx, dh_prev) adds to cell.grads.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, seed=None,
                 dtype=np.float64):
        where = "RNNCell"
        super().__init__(dtype)
        self.input_size = v.positive_int(input_size, "input_size", where)
        self.hidden_size = v.positive_int(hidden_size, "hidden_size", where)
        self.bias = v.flag(bias, "bias", where)
        self.nonlinearity = v.nonlinearity(nonlinearity, where)
        rng = np.random.default_rng(v.seed(seed, where))
        F, H = self.input_size, self.hidden_size
        for name, shape in [("weight_ih", (H, F)), ("weight_hh", (H, H))] + (
                [("bias_ih", (H,)), ("bias_hh", (H,))] if self.bias else []):
            self.add_param(name, uniform_init(rng, shape, H, self.dtype))

    def config(self):
        """The constructor arguments that rebuild this cell (without its weights)."""
        return dict(input_size=self.input_size, hidden_size=self.hidden_size, bias=self.bias,
                    nonlinearity=self.nonlinearity, dtype=self.dtype.name)

    def weights(self):
        """(Wx (F, H), Wh (H, H), b (H,)) in the right-multiply layout of the functions."""
        p = self.params
        b = p["bias_ih"] + p["bias_hh"] if self.bias else np.zeros(self.hidden_size, self.dtype)
        return p["weight_ih"].T, p["weight_hh"].T, b

    def forward(self, x, h_prev=None):
        """x (N, F), h_prev (N, H) or None  ->  h_next (N, H).  One sequence: x (F,) -> (H,)."""
        where = "RNNCell"
        single = np.ndim(x) == 1
        x = v.array(np.atleast_2d(x) if single else x,
                    [("batch", None), ("input_size", self.input_size)], "x", where,
                    "x holds one timestep of every sequence, (batch, input_size).")
        N, H = x.shape[0], self.hidden_size
        if h_prev is None:
            h_prev = np.zeros((N, H), self.dtype)
        h_prev = v.array(np.atleast_2d(h_prev) if single and np.ndim(h_prev) == 1 else h_prev,
                         [("batch", N), ("hidden_size", H)], "h_prev", where)
        h_next, cache = rnn_step_forward.unchecked(x.astype(self.dtype, copy=False),
                                                   h_prev.astype(self.dtype, copy=False),
                                                   *self.weights(), self.nonlinearity)
        self._keep((cache, single))
        return h_next[0] if single else h_next

    def backward(self, dh_next):
        """dh_next (like h_next) -> (dx, dh_prev); adds dL/dweights to self.grads."""
        where = "RNNCell.backward"
        cache, single = self._last_cache(where, "Call h_next = cell(x) first.")
        N, H = cache[4].shape
        dh_next = v.array(np.atleast_2d(dh_next) if single else dh_next,
                          [("batch", N), ("hidden_size", H)], "dh_next", where,
                          "dh_next has the shape of the h_next of the last forward call.")
        dx, dh_prev, dWx, dWh, db = rnn_step_backward.unchecked(dh_next.astype(self.dtype, copy=False),
                                                                 cache)
        self.grads["weight_ih"] += dWx.T
        self.grads["weight_hh"] += dWh.T
        if self.bias:
            self.grads["bias_ih"] += db
            self.grads["bias_hh"] += db
        return (dx[0], dh_prev[0]) if single else (dx, dh_prev)

    def __repr__(self):
        extra = "" if self.bias else ", bias=False"
        extra += "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"
        extra += "" if self.dtype == np.float64 else f", dtype=np.{self.dtype}"
        return f"RNNCell({self.input_size}, {self.hidden_size}{extra})"


class RNN(Module):
    """A multi-layer Elman RNN with torch.nn.RNN's arguments, shapes and parameter names.

    For every layer l and direction d (forward, then "_reverse" when bidirectional):

        h_t = act(x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh)

    Parameters are stored as torch stores them: weight_ih_l0 (H, F), weight_hh_l0 (H, H),
    bias_ih_l0 (H,), bias_hh_l0 (H,). The functions in functional.py take the transposed,
    right-multiply layout Wx = W_ih^T, Wh = W_hh^T, b = b_ih + b_hh.

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
        where = "RNN"
        super().__init__(dtype)
        self.input_size = v.positive_int(input_size, "input_size", where)
        self.hidden_size = v.positive_int(hidden_size, "hidden_size", where)
        self.num_layers = v.positive_int(num_layers, "num_layers", where)
        self.nonlinearity = v.nonlinearity(nonlinearity, where)
        self.bias = v.flag(bias, "bias", where)
        self.batch_first = v.flag(batch_first, "batch_first", where)
        self.dropout = v.fraction(dropout, "dropout", where,
                                  "It is the probability of zeroing a unit; 0.0 turns it off.")
        self.bidirectional = v.flag(bidirectional, "bidirectional", where)
        self.go_backwards = v.flag(go_backwards, "go_backwards", where)
        if self.go_backwards and self.bidirectional:
            raise ValueError("RNN: go_backwards=True with bidirectional=True: a bidirectional RNN "
                             "already reads the sequence both ways. Use one or the other.")
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn("RNN: dropout acts between stacked layers, after every layer but the "
                          f"last, so dropout={self.dropout} with num_layers=1 does nothing. "
                          "Use num_layers >= 2, or drop it.", UserWarning, stacklevel=2)
        self.rng = np.random.default_rng(v.seed(seed, where))
        for name, shape in self._shapes().items():          # torch's order is also the init order
            self.add_param(name, uniform_init(self.rng, shape, self.hidden_size, self.dtype))

    def config(self):
        """The constructor arguments that rebuild this layer (without its weights)."""
        return dict(input_size=self.input_size, hidden_size=self.hidden_size,
                    num_layers=self.num_layers, nonlinearity=self.nonlinearity, bias=self.bias,
                    batch_first=self.batch_first, dropout=self.dropout,
                    bidirectional=self.bidirectional, go_backwards=self.go_backwards,
                    dtype=self.dtype.name)

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _shapes(self):
        """torch's names and shapes, in torch's order."""
        H, shapes = self.hidden_size, {}
        for layer in range(self.num_layers):
            F = self.input_size if layer == 0 else H * self.num_directions
            for sfx in ("", "_reverse")[: self.num_directions]:
                shapes[f"weight_ih_l{layer}{sfx}"] = (H, F)
                shapes[f"weight_hh_l{layer}{sfx}"] = (H, H)
                if self.bias:
                    shapes[f"bias_ih_l{layer}{sfx}"] = (H,)
                    shapes[f"bias_hh_l{layer}{sfx}"] = (H,)
        return shapes

    def weights(self, layer=0, direction=0):
        """(Wx (F, H), Wh (H, H), b (H,)) of one layer and direction, in the functions' layout."""
        sfx = f"l{layer}" + ("_reverse" if direction else "")
        p = self.params
        b = (p[f"bias_ih_{sfx}"] + p[f"bias_hh_{sfx}"] if self.bias
             else np.zeros(self.hidden_size, self.dtype))
        return p[f"weight_ih_{sfx}"].T, p[f"weight_hh_{sfx}"].T, b

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, d in
                        [("num_layers", 1), ("nonlinearity", "tanh"), ("bias", True),
                         ("batch_first", None), ("dropout", 0.0), ("bidirectional", False),
                         ("go_backwards", False)] if getattr(self, k) != d)
        if self.dtype != np.float64:
            extra += f", dtype=np.{self.dtype}"
        return f"RNN({self.input_size}, {self.hidden_size}{extra})"

    # --- forward -----------------------------------------------------------------------
    def forward(self, x, h0=None, lengths=None):
        x, h0, lengths = self._check_forward(x, h0, lengths)
        L, D = self.num_layers, self.num_directions
        mask = None if lengths is None else sequence_mask(lengths, x.shape[1])[..., None]  # (N, T, 1)
        ids = x.ndim == 2                                   # token ids: no gradient for x
        if ids and lengths is not None:                     # the padded functions want vectors
            x = np.eye(self.input_size, dtype=self.dtype)[x]
        if self.go_backwards:
            x = reverse_padded(x, lengths)

        layer_in, caches, dropmasks, h_n = x, [], [], []
        for layer in range(L):
            outs = []
            for d in range(D):
                seq = layer_in if d == 0 else reverse_padded(layer_in, lengths)
                if lengths is None:
                    h, cache = rnn_forward.unchecked(seq, h0[layer * D + d], *self.weights(layer, d),
                                                     self.nonlinearity)
                else:
                    h, cache = rnn_forward_padded.unchecked(seq, h0[layer * D + d],
                                                            *self.weights(layer, d), lengths,
                                                            self.nonlinearity)
                caches.append(cache)
                h_n.append(h[:, -1])                        # the state is carried over padding
                outs.append(h if d == 0 else reverse_padded(h, lengths))
            out = np.concatenate(outs, axis=-1) if D == 2 else outs[0]   # (N, T, D*H)
            if mask is not None:
                out = np.where(mask, out, 0)                # padding gives zero output, as in torch
            drop = None
            if self.training and self.dropout > 0 and layer < L - 1:
                # inverted dropout between layers, as torch: scale kept units by 1/(1-p)
                keep = self.rng.random(out.shape) >= self.dropout
                drop = (keep / (1.0 - self.dropout)).astype(self.dtype)
                out = out * drop
            dropmasks.append(drop)
            layer_in = out

        self._keep(dict(caches=caches, dropmasks=dropmasks, lengths=lengths, mask=mask,
                        out_shape=layer_in.shape, ids=ids))
        output = layer_in if self.batch_first else layer_in.transpose(1, 0, 2)
        return output, np.stack(h_n)

    def _check_forward(self, x, h0, lengths):
        where = "RNN.forward"
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        axes = [("batch", None), ("time", None)] if self.batch_first else [("time", None), ("batch", None)]
        if v.is_token_ids(x):                                       # token ids (N, T)
            x = v.ids(x, self.input_size, "x", where)
        else:
            x = v.array(x, axes + [("input_size", self.input_size)], "x", where,
                        v.sequence_or_ids_hint(x) if self.batch_first else
                        "With batch_first=False, x is (time, batch, input_size), or token ids "
                        "(time, batch).")
            x = x.astype(self.dtype, copy=False)
        if not self.batch_first:
            x = x.swapaxes(0, 1)
        N, T = x.shape[:2]
        if h0 is None:
            h0 = np.zeros((L * D, N, H), self.dtype)
        else:
            h0 = v.array(h0, [("num_layers*num_directions", L * D), ("batch", N), ("hidden_size", H)],
                         "h0", where, "h0 holds one initial state per layer and direction, "
                         "as in torch; for one layer use h[None].").astype(self.dtype, copy=False)
        if lengths is not None:
            lengths = v.lengths(lengths, N, T, where)
        return x, h0, lengths

    # --- backward ----------------------------------------------------------------------
    def backward(self, doutput, dh_n=None, *, return_dh0=False):
        """Backpropagate through the most recent forward call; add to self.grads.

        doutput (like output): dL/doutput.  dh_n (like h_n) or None: dL/dh_n.
        Returns dx (like x; None when x was token ids), and also dh0 (like h0) when
        return_dh0=True.
        Gradients accumulate across calls, as in torch; call zero_grad() between steps.
        """
        last, doutput, dh_n = self._check_backward(doutput, dh_n, return_dh0)
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        lengths, mask = last["lengths"], last["mask"]
        N = doutput.shape[0]
        grads = {k: np.zeros_like(g) for k, g in self.grads.items()}
        dh0 = np.zeros((L * D, N, H), self.dtype)
        dout = doutput
        for layer in reversed(range(L)):
            if last["dropmasks"][layer] is not None:
                dout = dout * last["dropmasks"][layer]
            if mask is not None:
                dout = np.where(mask, dout, 0)
            din = 0
            for d in range(D):
                i = layer * D + d
                dh = dout[..., d * H:(d + 1) * H]
                if d == 1:
                    dh = reverse_padded(dh, lengths)
                if dh_n is not None:
                    dh = dh.copy()
                    dh[:, -1] += dh_n[i]                    # h_n is the state after the last step
                backward = rnn_backward if lengths is None else rnn_backward_padded
                dseq, dh0[i], dWx, dWh, db = backward.unchecked(dh, last["caches"][i])
                if layer > 0 or not last["ids"]:           # token ids have no gradient
                    din = din + (dseq if d == 0 else reverse_padded(dseq, lengths))
                sfx = f"l{layer}" + ("_reverse" if d else "")
                grads[f"weight_ih_{sfx}"] += dWx.T
                grads[f"weight_hh_{sfx}"] += dWh.T
                if self.bias:
                    grads[f"bias_ih_{sfx}"] += db
                    grads[f"bias_hh_{sfx}"] += db
            dout = din

        for k, g in grads.items():          # only now, with every check passed, touch self.grads
            self.grads[k] += g
        if last["ids"]:
            dx = None
        else:
            if self.go_backwards:
                dout = reverse_padded(dout, lengths)
            dx = dout if self.batch_first else dout.swapaxes(0, 1)
        return (dx, dh0) if return_dh0 else dx

    def _check_backward(self, doutput, dh_n, return_dh0):
        where = "RNN.backward"
        last = self._last_cache(where, "Call output, h_n = rnn(x) first, then rnn.backward(doutput).")
        v.flag(return_dh0, "return_dh0", where)
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        N, T, DH = last["out_shape"]
        out_axes = [("batch", N), ("time", T)] if self.batch_first else [("time", T), ("batch", N)]
        doutput = v.array(doutput, out_axes + [("num_directions*hidden_size", DH)], "doutput", where,
                          "doutput has the shape of the output of the last forward call.")
        doutput = doutput.astype(self.dtype, copy=False)
        if not self.batch_first:
            doutput = doutput.transpose(1, 0, 2)
        if dh_n is not None:
            dh_n = v.array(dh_n, [("num_layers*num_directions", L * D), ("batch", N), ("hidden_size", H)],
                           "dh_n", where, "dh_n has the shape of the h_n of the last forward call."
                           ).astype(self.dtype, copy=False)
        return last, doutput, dh_n
