"""Layers: parameters, gradients and settings around the functions in functional.py.

RNNCell  one timestep, weights in the right-multiply layout the course derives (Wx, Wh, b).
RNN      torch.nn.RNN's constructor, call, shapes and state_dict names, in numpy.
Dense    a linear map applied at every timestep: y_t = x_t @ W + b.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from .functional import reverse_padded, rnn_backward, rnn_forward, rnn_step_forward, step_mask


def _uniform_init(rng, shape, hidden_size):
    """U(-1/sqrt(H), 1/sqrt(H)), torch.nn.RNN's initialisation."""
    k = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-k, k, size=shape)


class RNNCell:
    """One RNN timestep: h_next = act(x @ Wx + h_prev @ Wh + b).

    Wx (F, H), Wh (H, H), b (H,) are plain attributes, in the layout the notebooks derive.
    """

    def __init__(self, input_size, hidden_size, nonlinearity="tanh", bias=True, seed=None):
        where = "RNNCell"
        self.input_size = v.positive_int(input_size, "input_size", where)
        self.hidden_size = v.positive_int(hidden_size, "hidden_size", where)
        self.nonlinearity = v.nonlinearity(nonlinearity, where)
        self.bias = v.flag(bias, "bias", where)
        rng = np.random.default_rng(v.seed(seed, where))
        F, H = self.input_size, self.hidden_size
        self.Wx = _uniform_init(rng, (F, H), H)                      # (F, H)
        self.Wh = _uniform_init(rng, (H, H), H)                      # (H, H)
        self.b = _uniform_init(rng, (H,), H) if bias else np.zeros(H)  # (H,)

    def __call__(self, x, h_prev=None):
        """x (N, F), h_prev (N, H) or None for zeros  ->  h_next (N, H)."""
        where = "RNNCell"
        x = v.array(x, [("batch", None), ("input_size", self.input_size)], "x", where,
                    "x holds one timestep of every sequence, (batch, input_size); "
                    "for a batch of one use x[None].")
        if h_prev is None:
            h_prev = np.zeros((x.shape[0], self.hidden_size))
        h_prev = v.array(h_prev, [("batch", x.shape[0]), ("hidden_size", self.hidden_size)],
                         "h_prev", where)
        h_next, _ = rnn_step_forward(x, h_prev, self.Wx, self.Wh, self.b, self.nonlinearity)
        return h_next

    def __repr__(self):
        return (f"RNNCell(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"nonlinearity={self.nonlinearity!r}, bias={self.bias})")


class RNN:
    """A multi-layer Elman RNN with torch.nn.RNN's arguments, shapes and parameter names.

    For every layer l and direction d (forward, then "_reverse" when bidirectional):

        h_t = act(x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh)

    Parameters are stored as torch stores them: weight_ih_l0 (H, F), weight_hh_l0 (H, H),
    bias_ih_l0 (H,), bias_hh_l0 (H,). The functions in functional.py take the transposed,
    right-multiply layout Wx = W_ih^T, Wh = W_hh^T, b = b_ih + b_hh.

    One difference from torch: batch_first defaults to True, because the whole course
    writes x as (batch, time, features). Pass batch_first=False for (time, batch, features).

    go_backwards=True (Keras' argument; not in torch) reads every sequence from its last real
    step to its first, and returns the output in that reading order, as Keras does: the same
    as calling the layer on reverse_padded(x, lengths).

    Call: output, h_n = rnn(x, h0=None, lengths=None)
        x       (N, T, F) (or (T, N, F) with batch_first=False)
        h0      (num_layers * D, N, H), zeros when None; D = 2 if bidirectional else 1
        lengths (N,) real length of each padded sequence; steps past it give zero output
                and h_n holds the state at each sequence's last real step
        output  (N, T, D * H) the last layer's hidden states, both directions side by side
        h_n     (num_layers * D, N, H) the final state of every layer and direction
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=True, dropout=0.0, bidirectional=False, go_backwards=False, seed=None):
        where = "RNN"
        self.input_size = v.positive_int(input_size, "input_size", where)
        self.hidden_size = v.positive_int(hidden_size, "hidden_size", where)
        self.num_layers = v.positive_int(num_layers, "num_layers", where)
        self.nonlinearity = v.nonlinearity(nonlinearity, where)
        self.bias = v.flag(bias, "bias", where)
        self.batch_first = v.flag(batch_first, "batch_first", where)
        self.dropout = v.probability(dropout, "dropout", where)
        self.bidirectional = v.flag(bidirectional, "bidirectional", where)
        self.go_backwards = v.flag(go_backwards, "go_backwards", where)
        if self.go_backwards and self.bidirectional:
            raise ValueError("RNN: go_backwards=True with bidirectional=True: a bidirectional RNN "
                             "already reads the sequence both ways. Use one or the other.")
        self.training = True
        self._rng = np.random.default_rng(v.seed(seed, where))
        self._last = None  # what backward needs from the most recent forward

        self.params = {name: _uniform_init(self._rng, shape, self.hidden_size)
                       for name, shape in self._shapes().items()}
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    # --- bookkeeping -------------------------------------------------------------------
    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _shapes(self):
        """torch's names and shapes, in torch's order (which is also the init order)."""
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

    def _weights(self, layer, direction):
        """(Wx, Wh, b) of one layer and direction in functional.py's layout, and its key suffix."""
        sfx = f"l{layer}" + ("_reverse" if direction else "")
        p = self.params
        b = p[f"bias_ih_{sfx}"] + p[f"bias_hh_{sfx}"] if self.bias else np.zeros(self.hidden_size)
        return p[f"weight_ih_{sfx}"].T, p[f"weight_hh_{sfx}"].T, b, sfx

    def state_dict(self):
        """Copies of every parameter, keyed and shaped exactly as torch.nn.RNN.state_dict()."""
        return {k: p.copy() for k, p in self.params.items()}

    def load_state_dict(self, state_dict):
        """Replace every parameter; all keys and shapes are checked before anything changes."""
        new = v.state_dict(state_dict, self._shapes(), "RNN.load_state_dict")
        for k, p in new.items():
            self.params[k][...] = p   # in place: optimisers holding self.params stay attached

    def zero_grad(self):
        for g in self.grads.values():
            g[...] = 0.0

    def train(self, mode=True):
        self.training = v.flag(mode, "mode", "RNN.train")
        return self

    def eval(self):
        return self.train(False)

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, d in
                        [("num_layers", 1), ("nonlinearity", "tanh"), ("bias", True), ("batch_first", True),
                         ("dropout", 0.0), ("bidirectional", False), ("go_backwards", False)]
                        if getattr(self, k) != d)
        return f"RNN({self.input_size}, {self.hidden_size}{extra})"

    # --- forward -----------------------------------------------------------------------
    def __call__(self, x, h0=None, lengths=None):
        return self.forward(x, h0, lengths)

    def forward(self, x, h0=None, lengths=None):
        where = "RNN.forward"
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        axes = [("batch", None), ("time", None)] if self.batch_first else [("time", None), ("batch", None)]
        x = v.array(x, axes + [("input_size", self.input_size)], "x", where,
                    v.sequence_hint(x) if self.batch_first else
                    "With batch_first=False, x is (time, batch, input_size).")
        if not self.batch_first:
            x = x.transpose(1, 0, 2)
        N, T, _ = x.shape
        if h0 is None:
            h0 = np.zeros((L * D, N, H))
        else:
            h0 = v.array(h0, [("num_layers*num_directions", L * D), ("batch", N), ("hidden_size", H)],
                         "h0", where, "h0 holds one initial state per layer and direction, "
                         "as in torch; for one layer use h[None].")
        if lengths is not None:
            lengths = v.lengths(lengths, N, T, where)
        mask = step_mask(lengths, N, T)                     # (N, T) or None
        if self.go_backwards:
            x = reverse_padded(x, lengths)

        layer_in, caches, dropmasks, h_n = x, [], [], []
        for layer in range(L):
            outs = []
            for d in range(D):
                Wx, Wh, b, _ = self._weights(layer, d)
                seq = layer_in if d == 0 else reverse_padded(layer_in, lengths)
                h, cache = rnn_forward(seq, h0[layer * D + d], Wx, Wh, b, self.nonlinearity,
                                       lengths=lengths)
                caches.append(cache)
                h_n.append(h[:, -1])                        # the state is carried over padding
                outs.append(h if d == 0 else reverse_padded(h, lengths))
            out = np.concatenate(outs, axis=-1) if D == 2 else outs[0]   # (N, T, D*H)
            if mask is not None:
                out = np.where(mask[..., None] > 0, out, 0.0)   # padding gives zero output (+0.0, never -0.0)
            drop = None
            if self.training and self.dropout > 0 and layer < L - 1:
                # inverted dropout between layers, as torch: scale kept units by 1/(1-p)
                drop = (self._rng.random(out.shape) >= self.dropout) / (1.0 - self.dropout)
                out = out * drop
            dropmasks.append(drop)
            layer_in = out

        self._last = dict(caches=caches, dropmasks=dropmasks, lengths=lengths, mask=mask,
                          out_shape=layer_in.shape, N=N)
        output = layer_in if self.batch_first else layer_in.transpose(1, 0, 2)
        return output, np.stack(h_n)

    # --- backward ----------------------------------------------------------------------
    def backward(self, doutput, dh_n=None, return_dh0=False):
        """Backpropagate through the most recent forward call; add to self.grads.

        doutput (like output): dL/doutput.  dh_n (like h_n) or None: dL/dh_n.
        Returns dx (like x), and also dh0 (like h0) when return_dh0=True.
        Gradients accumulate across calls, as in torch; call zero_grad() between steps.
        """
        where = "RNN.backward"
        if self._last is None:
            raise RuntimeError(f"{where}: there is no forward pass to go back through. "
                               f"Call output, h_n = rnn(x) first, then rnn.backward(doutput).")
        last = self._last
        return_dh0 = v.flag(return_dh0, "return_dh0", where)
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        N, T, DH = last["out_shape"]
        out_axes = [("batch", N), ("time", T)] if self.batch_first else [("time", T), ("batch", N)]
        doutput = v.array(doutput, out_axes + [("num_directions*hidden_size", DH)], "doutput", where,
                          "doutput has the shape of the output of the last forward call.")
        if not self.batch_first:
            doutput = doutput.transpose(1, 0, 2)
        if dh_n is not None:
            dh_n = v.array(dh_n, [("num_layers*num_directions", L * D), ("batch", N), ("hidden_size", H)],
                           "dh_n", where, "dh_n has the shape of the h_n of the last forward call.")

        lengths, mask = last["lengths"], last["mask"]
        grads = {k: np.zeros_like(g) for k, g in self.grads.items()}
        dh0 = np.zeros((L * D, N, H))
        dout = doutput
        for layer in reversed(range(L)):
            if last["dropmasks"][layer] is not None:
                dout = dout * last["dropmasks"][layer]
            if mask is not None:
                dout = dout * mask[..., None]
            din = 0.0
            for d in range(D):
                i = layer * D + d
                dh = dout[..., d * H:(d + 1) * H]
                if d == 1:
                    dh = reverse_padded(dh, lengths)
                if dh_n is not None:
                    dh = dh.copy()
                    dh[:, -1] += dh_n[i]                    # h_n is the state after the last step
                dseq, dh0[i], dWx, dWh, db = rnn_backward(dh, last["caches"][i])
                din = din + (dseq if d == 0 else reverse_padded(dseq, lengths))
                _, _, _, sfx = self._weights(layer, d)
                grads[f"weight_ih_{sfx}"] += dWx.T
                grads[f"weight_hh_{sfx}"] += dWh.T
                if self.bias:
                    grads[f"bias_ih_{sfx}"] += db
                    grads[f"bias_hh_{sfx}"] += db
            dout = din

        for k, g in grads.items():          # only now, with every check passed, touch self.grads
            self.grads[k] += g
        if self.go_backwards:
            dout = reverse_padded(dout, lengths)
        dx = dout if self.batch_first else dout.transpose(1, 0, 2)
        return (dx, dh0) if return_dh0 else dx


class Dense:
    """A linear map at every timestep: y = x @ weight^T + bias, on any leading axes.

    params["weight"] (O, F) and params["bias"] (O,) have torch.nn.Linear's names and shapes,
    so in the course's right-multiply layout the matrix is W = weight^T, (F, O).
    """

    def __init__(self, in_features, out_features, bias=True, seed=None):
        where = "Dense"
        self.in_features = v.positive_int(in_features, "in_features", where)
        self.out_features = v.positive_int(out_features, "out_features", where)
        self.bias = v.flag(bias, "bias", where)
        rng = np.random.default_rng(v.seed(seed, where))
        k = 1.0 / np.sqrt(self.in_features)                 # torch.nn.Linear's init range
        self.params = {"weight": rng.uniform(-k, k, (self.out_features, self.in_features))}
        if self.bias:
            self.params["bias"] = rng.uniform(-k, k, self.out_features)
        self.grads = {k_: np.zeros_like(p) for k_, p in self.params.items()}
        self._x = None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        """y = x @ weight^T + bias.   x (..., F) -> y (..., O)"""
        x = v.as_float_array(x, "x", "Dense.forward")
        if x.ndim < 1 or x.shape[-1] != self.in_features or 0 in x.shape:
            raise ValueError(f"Dense.forward: x should have shape (..., in_features={self.in_features}), "
                             f"got {v.fmt_shape(x.shape)}. The last axis holds the features.")
        v.check_finite(x, "x", "Dense.forward")
        self._x = x
        y = x @ self.params["weight"].T
        return y + self.params["bias"] if self.bias else y

    def backward(self, dy):
        """dx = dy @ weight,  dweight = sum over every leading axis of dy^T x,  dbias = sum of dy."""
        where = "Dense.backward"
        if self._x is None:
            raise RuntimeError(f"{where}: call forward before backward.")
        x = self._x
        dy = v.array(dy, [(f"axis{i}", n) for i, n in enumerate(x.shape[:-1])]
                     + [("out_features", self.out_features)], "dy", where,
                     "dy has the shape of the output of the last forward call.")
        x2, dy2 = x.reshape(-1, self.in_features), dy.reshape(-1, self.out_features)
        self.grads["weight"] += dy2.T @ x2                  # (O, F)
        if self.bias:
            self.grads["bias"] += dy2.sum(axis=0)
        return dy @ self.params["weight"]

    def state_dict(self):
        return {k: p.copy() for k, p in self.params.items()}

    def load_state_dict(self, state_dict):
        shapes = {k: p.shape for k, p in self.params.items()}
        for k, p in v.state_dict(state_dict, shapes, "Dense.load_state_dict").items():
            self.params[k][...] = p

    def zero_grad(self):
        for g in self.grads.values():
            g[...] = 0.0

    def __repr__(self):
        return f"Dense({self.in_features}, {self.out_features}, bias={self.bias})"
