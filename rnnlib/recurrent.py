"""The recurrent layer every cell shares: stacking, two directions, padding, dropout, batch_first.

A recurrent layer is a cell run along a sequence, then the same again on top of it
(num_layers), once each way (bidirectional). None of that depends on the cell, so it is
written once, here, and RNN, LSTM and GRU (layers.py) only say what their cell is:

    gates          how many blocks of hidden_size rows each weight has: 1, 4 or 3
    state_names    the state a cell carries from step to step: ("h",) or ("h", "c")
    _run(x, state0, layer, d)        -> h (N, T, H), states, cache
                   one direction of one layer over a whole sequence, from the tuple of
                   initial states; `states` is a tuple of (N, T, H) arrays, one per name
    _run_backward(dstates, cache)    -> dx, dstate0, (dWx, dWh, db_ih, db_hh)
                   its backward, from the gradient arriving at every step of every state
                   (None for a state nothing reads); the gradients are in the functions'
                   right-multiply layout, and the base stores their transposes under
                   torch's names

How padding works. Sequences are padded at the end, so a sequence's padded steps come after
all of its real ones and can change nothing before them. The cell therefore runs over all T
steps, padding included (no padded twin of any function); then the output is zero past each
length, as torch's pad_packed_sequence gives, and the final state is read at each sequence's
last real step. In backward, the gradient arriving at a padded step is zero (the output
there is a constant) and the final state's gradient enters at the last real step, so what
the padded steps computed never reaches a gradient: the numbers are those of torch's packed
sequences. The backward direction reads each sequence reversed within its own length
(reverse_padded), which keeps its padding at the end too.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import _validation as v
from .functional import reverse_padded
from .module import Module, uniform_init

_reverse = reverse_padded.unchecked                     # lengths are checked once per call


class Recurrent(Module):
    """The shared layer; see the module docstring. Subclasses: RNN, LSTM, GRU."""

    gates = 1
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=True,
                 dropout=0.0, bidirectional=False, *, go_backwards=False, seed=None,
                 dtype=np.float64):
        where = type(self).__name__
        super().__init__(dtype)
        self.input_size = v.positive_int(input_size, "input_size", where)
        self.hidden_size = v.positive_int(hidden_size, "hidden_size", where)
        self.num_layers = v.positive_int(num_layers, "num_layers", where)
        self.bias = v.flag(bias, "bias", where)
        self.batch_first = v.flag(batch_first, "batch_first", where)
        self.dropout = v.fraction(dropout, "dropout", where,
                                  "It is the probability of zeroing a unit; 0.0 turns it off.")
        self.bidirectional = v.flag(bidirectional, "bidirectional", where)
        self.go_backwards = v.flag(go_backwards, "go_backwards", where)
        if self.go_backwards and self.bidirectional:
            raise ValueError(f"{where}: go_backwards=True with bidirectional=True: a bidirectional "
                             f"layer already reads the sequence both ways. Use one or the other.")
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(f"{where}: dropout acts between stacked layers, after every layer but "
                          f"the last, so dropout={self.dropout} with num_layers=1 does nothing. "
                          "Use num_layers >= 2, or drop it.", UserWarning, stacklevel=3)
        self.rng = np.random.default_rng(v.seed(seed, where))
        # every parameter drawn from U(-1/sqrt(H), 1/sqrt(H)), in torch's order
        for name, shape in self._shapes().items():
            self.add_param(name, uniform_init(self.rng, shape, self.hidden_size, self.dtype))

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _shapes(self):
        """torch's names and shapes, in torch's order: (gates*H, F), (gates*H, H), (gates*H,) x 2."""
        H, G, shapes = self.hidden_size, self.gates * self.hidden_size, {}
        for layer in range(self.num_layers):
            F = self.input_size if layer == 0 else H * self.num_directions
            for sfx in ("", "_reverse")[: self.num_directions]:
                shapes[f"weight_ih_l{layer}{sfx}"] = (G, F)
                shapes[f"weight_hh_l{layer}{sfx}"] = (G, H)
                if self.bias:
                    shapes[f"bias_ih_l{layer}{sfx}"] = (G,)
                    shapes[f"bias_hh_l{layer}{sfx}"] = (G,)
        return shapes

    def _torch_weights(self, layer, direction):
        """W_ih^T (F, G), W_hh^T (G, H)^T = (H, G), b_ih (G,), b_hh (G,) of one layer and direction."""
        sfx = f"l{layer}" + ("_reverse" if direction else "")
        p = self.params
        if self.bias:
            b_ih, b_hh = p[f"bias_ih_{sfx}"], p[f"bias_hh_{sfx}"]
        else:
            b_ih = b_hh = np.zeros(self.gates * self.hidden_size, self.dtype)
        return p[f"weight_ih_{sfx}"].T, p[f"weight_hh_{sfx}"].T, b_ih, b_hh

    def config(self):
        """The constructor arguments that rebuild this layer (without its weights)."""
        return dict(input_size=self.input_size, hidden_size=self.hidden_size,
                    num_layers=self.num_layers, bias=self.bias, batch_first=self.batch_first,
                    dropout=self.dropout, bidirectional=self.bidirectional,
                    go_backwards=self.go_backwards, dtype=self.dtype.name)

    def _repr_settings(self):
        return [("num_layers", 1), ("bias", True), ("batch_first", None), ("dropout", 0.0),
                ("bidirectional", False), ("go_backwards", False)]

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, d in self._repr_settings()
                        if getattr(self, k) != d)
        if self.dtype != np.float64:
            extra += f", dtype=np.{self.dtype}"
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"

    # --- forward -----------------------------------------------------------------------
    def forward(self, x, h0=None, lengths=None, *, all_states=False):
        """output, state_n = layer(x, h0=None, lengths=None); see the subclass's docstring.

        all_states=True (rnnlib's own, not torch's) also returns, third, the top layer's
        state at every step, one (N, T, D*H) array per name in state_names, in the layout of
        output: for the LSTM (h, c), so its cell states can be read as its outputs are.
        """
        all_states = v.flag(all_states, "all_states", f"{type(self).__name__}.forward")
        x, state0, lengths = self._check_forward(x, h0, lengths)
        L, D = self.num_layers, self.num_directions
        N, T = x.shape[:2]
        if lengths is None:
            mask, last = None, np.full(N, T - 1)
        else:
            mask = (np.arange(T) < lengths[:, None])[..., None]     # (N, T, 1) True on real steps
            last = lengths - 1                                      # each sequence's last real step
        ids = x.ndim == 2                                   # token ids: no gradient for x
        if self.go_backwards:
            x = _reverse(x, lengths)

        layer_in, caches, dropmasks, finals = x, [], [], []
        for layer in range(L):
            outs, seqs = [], []
            for d in range(D):
                i = layer * D + d
                seq = layer_in if d == 0 else _reverse(layer_in, lengths)
                h, states, cache = self._run(seq, tuple(s[i] for s in state0), layer, d)
                caches.append(cache)
                finals.append(tuple(s[np.arange(N), last] for s in states))   # each (N, H)
                outs.append(h if d == 0 else _reverse(h, lengths))
                seqs.append(states if d == 0 else tuple(_reverse(s, lengths) for s in states))
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
                        last=last, out_shape=layer_in.shape, ids=ids))
        output = layer_in if self.batch_first else layer_in.transpose(1, 0, 2)
        state_n = tuple(np.stack([f[k] for f in finals]) for k in range(len(self.state_names)))
        if not all_states:
            return output, self._pack(state_n)
        tops = []
        for k in range(len(self.state_names)):              # the top layer's, as output is laid out
            s = np.concatenate([q[k] for q in seqs], axis=-1) if D == 2 else seqs[0][k]
            s = s if mask is None else np.where(mask, s, 0)
            tops.append(s if self.batch_first else s.swapaxes(0, 1))
        return output, self._pack(state_n), tuple(tops)

    def _pack(self, states):
        """The state as the caller sees it: one array, or a tuple when the cell has several."""
        return states[0] if len(self.state_names) == 1 else states

    def _unpack(self, value, name, where):
        """The caller's state (None, an array, or a tuple) as a tuple of arrays or Nones."""
        k = len(self.state_names)
        if k == 1:
            return (value,)
        if value is None:
            return (None,) * k
        if not isinstance(value, (tuple, list)) or len(value) != k:
            names = ", ".join(f"{s}{name[1:]}" for s in self.state_names)
            raise TypeError(f"{where}: {name} should be None or the pair ({names}), as torch's "
                            f"{type(self).__name__} takes it, got "
                            f"{type(value).__name__ if not isinstance(value, (tuple, list)) else f'{len(value)} items'}.")
        return tuple(value)

    def _check_forward(self, x, h0, lengths):
        where = f"{type(self).__name__}.forward"
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
        state0 = []
        for s, value in zip(self.state_names, self._unpack(h0, "h0", where)):
            if value is None:
                state0.append(np.zeros((L * D, N, H), self.dtype))
            else:
                state0.append(v.array(value, [("num_layers*num_directions", L * D), ("batch", N),
                                              ("hidden_size", H)], f"{s}0", where,
                                      f"{s}0 holds one initial state per layer and direction, as in "
                                      f"torch; for one layer use {s}[None].").astype(self.dtype, copy=False))
        if lengths is not None:
            lengths = v.lengths(lengths, N, T, where)
        return x, tuple(state0), lengths

    # --- backward ----------------------------------------------------------------------
    def backward(self, doutput, dh_n=None, *, return_dh0=False):
        """Backpropagate through the most recent forward call; add to self.grads.

        doutput (like output): dL/doutput.  dh_n (like the returned state) or None: the
        gradient arriving at the final state (for the LSTM a pair (dh_n, dc_n), either None).
        Returns dx (like x; None when x was token ids), and also dh0 (like h0) when
        return_dh0=True. Gradients accumulate across calls, as in torch; call zero_grad()
        between steps.
        """
        last, doutput, dstate_n = self._check_backward(doutput, dh_n, return_dh0)
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        lengths, mask, final = last["lengths"], last["mask"], last["last"]
        N, T = doutput.shape[:2]
        rows = np.arange(N)
        grads = {}                  # this call's gradient of each parameter (each is set once)
        dstate0 = [np.zeros((L * D, N, H), self.dtype) for _ in self.state_names]
        dout = doutput
        for layer in reversed(range(L)):
            if last["dropmasks"][layer] is not None:
                dout = dout * last["dropmasks"][layer]
            if mask is not None:
                dout = np.where(mask, dout, 0)
            din = None              # dL/d(this layer's input), the directions' sum
            for d in range(D):
                i = layer * D + d
                dh = dout[..., d * H:(d + 1) * H]
                if d == 1:
                    dh = _reverse(dh, lengths)
                dstates = [dh] + [None] * (len(self.state_names) - 1)
                for k, g in enumerate(dstate_n):            # the final state is read at `final`
                    if g is not None:
                        dstates[k] = (np.zeros((N, T, H), self.dtype) if dstates[k] is None
                                      else dstates[k].copy())
                        dstates[k][rows, final] += g[i]
                dseq, ds0, fgrads = self._run_backward(tuple(dstates), last["caches"][i])
                for k, g in enumerate(ds0):
                    dstate0[k][i] = g
                if layer > 0 or not last["ids"]:           # token ids have no gradient
                    dseq = dseq if d == 0 else _reverse(dseq, lengths)
                    # the first direction's array itself, not a copy of it (0 + dseq was one)
                    din = dseq if din is None else din + dseq
                sfx = f"l{layer}" + ("_reverse" if d else "")
                dWx, dWh, db_ih, db_hh = fgrads
                grads[f"weight_ih_{sfx}"] = dWx.T
                grads[f"weight_hh_{sfx}"] = dWh.T
                if self.bias:
                    grads[f"bias_ih_{sfx}"] = db_ih
                    grads[f"bias_hh_{sfx}"] = db_hh
            dout = din

        for k, g in grads.items():          # only now, with every check passed, touch self.grads
            self.grads[k] += g
        if last["ids"]:
            dx = None
        else:
            if self.go_backwards:
                dout = _reverse(dout, lengths)
            dx = dout if self.batch_first else dout.swapaxes(0, 1)
        return (dx, self._pack(tuple(dstate0))) if return_dh0 else dx

    def _check_backward(self, doutput, dh_n, return_dh0):
        where = f"{type(self).__name__}.backward"
        me = type(self).__name__.lower()
        state = "h_n" if len(self.state_names) == 1 else "(h_n, c_n)"
        last = self._last_cache(where, f"Call output, {state} = {me}(x) first, then {me}.backward(doutput).")
        v.flag(return_dh0, "return_dh0", where)
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        N, T, DH = last["out_shape"]
        out_axes = [("batch", N), ("time", T)] if self.batch_first else [("time", T), ("batch", N)]
        doutput = v.array(doutput, out_axes + [("num_directions*hidden_size", DH)], "doutput", where,
                          "doutput has the shape of the output of the last forward call.")
        doutput = doutput.astype(self.dtype, copy=False)
        if not self.batch_first:
            doutput = doutput.transpose(1, 0, 2)
        dstate_n = []
        for s, value in zip(self.state_names, self._unpack(dh_n, "dh_n", where)):
            if value is not None:
                value = v.array(value, [("num_layers*num_directions", L * D), ("batch", N),
                                        ("hidden_size", H)], f"d{s}_n", where,
                                f"d{s}_n has the shape of the {s}_n of the last forward call."
                                ).astype(self.dtype, copy=False)
            dstate_n.append(value)
        return last, doutput, dstate_n

    # --- what a cell says --------------------------------------------------------------
    def _run(self, x, state0, layer, d):
        raise NotImplementedError

    def _run_backward(self, dstates, cache):
        raise NotImplementedError
