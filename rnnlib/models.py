"""A model to train: a recurrent layer (RNN, LSTM or GRU) read by a Dense layer at every
timestep, and a stepper that runs it one timestep at a time with a state you can read, set
and reset.

    model = SequenceModel(input_size=1, hidden_size=8, output_size=1, seed=0)   # cell="rnn"
    model = SequenceModel(1, 8, 1, cell="lstm", seed=0)                          # or "gru"
    y = model(x)                    # x (N, T, F) -> y (N, T, O)
    model.backward(dy)              # fills model.grads
    stepper = model.stepper()       # then stepper.step(x_t) -> y_t, one step at a time
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from .functional import reverse_padded
from .dense import Dense
from .layers import GRU, LSTM, RNN
from .module import Module, no_grad


class SequenceModel(Module):
    """y_t = h_t @ W_out + b_out, with h_t the top layer's state of an RNN, LSTM or GRU:  (N, T, F) -> (N, T, O).

    W_out (H, O) in the course's right-multiply layout; head.weight = W_out^T (O, H) in
    torch.nn.Linear's layout; b_out = head.bias (O,).

    input_size, hidden_size, output_size  F, H, O
    nonlinearity   "tanh", "relu" or "leaky_relu" (the plain RNN's; the head is linear)
    num_layers     stacked recurrent layers
    cell           "rnn" (default), "lstm" or "gru": which layer model.rnn is. The LSTM's
                   state is the pair (h, c) wherever a state goes in or comes out.
    go_backwards   read every sequence from its last step to its first. The output stays
                   aligned with the input: y[:, t] is computed from the state just after
                   reading x[:, t], which has seen x[:, T-1], ..., x[:, t+1], x[:, t]
                   (the future and the present, never the past).
    seed           seeds both layers' initialisation (None: different every time); the same
                   int or SeedSequence always gives the same weights
    dtype          np.float64 (default) or np.float32, for every array of both layers

    params / grads hold both layers' arrays under "rnn.weight_ih_l0", ..., "head.weight",
    "head.bias"; they are the SAME arrays as model.rnn.params and model.head.params, so an
    optimiser built on model.params trains both layers.

    train_text     None, or the record of the text the weights were trained on, as a
                   checkpoint's metadata holds it: {"generator": "rnnlib.corpus.structured_text",
                   "seed": 0, "chars": [0, 400000], "note": "..."}. rnnlib.load sets it from
                   the checkpoint and rnnlib.save writes it back; rnnlib.perplexity refuses to
                   score text that lies inside it (see rnnlib.generate.train_text_overlap).
                   It is not part of config(): the same architecture may be trained on anything.
    symbols        None, or the symbols of the vocabulary it was trained with, in id order (a
                   str, one symbol per input), as a checkpoint's metadata "symbols" holds them.
                   rnnlib.load sets it and rnnlib.save writes it back; rnnlib.perplexity,
                   sample, hidden_states and the explorer refuse a Vocab with other symbols or
                   another order. Build the right one with rnnlib.Vocab(model.symbols).
    """

    train_text = None
    symbols = None

    def __init__(self, input_size, hidden_size, output_size, nonlinearity="tanh", num_layers=1,
                 *, cell="rnn", go_backwards=False, seed=None, dtype=np.float64):
        where = "SequenceModel"
        super().__init__(dtype)
        sizes = [v.positive_int(n, name, where) for n, name in
                 [(input_size, "input_size"), (hidden_size, "hidden_size"),
                  (output_size, "output_size"), (num_layers, "num_layers")]]
        go_backwards = v.flag(go_backwards, "go_backwards", where)
        self.cell = v.choice(cell, CELLS, "cell", where)
        _check_size(*sizes, CELLS[self.cell].gates, where)
        output_size = sizes[2]
        nonlinearity = v.nonlinearity(nonlinearity, where)
        if self.cell != "rnn" and nonlinearity != "tanh":
            raise ValueError(f"{where}: nonlinearity={nonlinearity!r} is for cell='rnn'; the "
                             f"{self.cell.upper()}'s gates fix its nonlinearities (sigmoid and "
                             f"tanh). Leave nonlinearity out, or use cell='rnn'.")
        seed = v.seed(seed, where)
        if isinstance(seed, np.random.Generator):
            rnn_seed, head_seed = seed.spawn(2)              # a generator is a stream: it moves on
        else:
            # The two children spawn(2) gives a fresh SeedSequence: independent streams for the
            # two layers. Made by hand because spawn() counts children on the parent, so a
            # second model from the same SeedSequence would get other weights.
            ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
            rnn_seed, head_seed = (np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key + (i,),
                                                          pool_size=ss.pool_size) for i in range(2))
        extra = dict(nonlinearity=nonlinearity) if self.cell == "rnn" else {}
        self.add_module("rnn", CELLS[self.cell](input_size, hidden_size, num_layers=num_layers,
                                                go_backwards=go_backwards, seed=rnn_seed,
                                                dtype=self.dtype, **extra))
        self.add_module("head", Dense(self.rnn.hidden_size, output_size, seed=head_seed,
                                      dtype=self.dtype))

    input_size = property(lambda self: self.rnn.input_size)
    hidden_size = property(lambda self: self.rnn.hidden_size)
    output_size = property(lambda self: self.head.out_features)
    num_layers = property(lambda self: self.rnn.num_layers)
    nonlinearity = property(lambda self: getattr(self.rnn, "nonlinearity", "tanh"))
    go_backwards = property(lambda self: self.rnn.go_backwards)

    def config(self):
        """The constructor arguments that rebuild this model (without its weights).

        cell appears only when it is not "rnn", so checkpoints written before the gated cells
        existed still match a plain model's config."""
        extra = {} if self.cell == "rnn" else dict(cell=self.cell)
        return dict(input_size=self.input_size, hidden_size=self.hidden_size,
                    output_size=self.output_size, nonlinearity=self.nonlinearity,
                    num_layers=self.num_layers, go_backwards=self.go_backwards,
                    dtype=self.dtype.name, **extra)

    def forward(self, x, h0=None, lengths=None, *, return_state=False):
        """x (N, T, F), h0 (num_layers, N, H) or None, lengths (N,) or None  ->  y (N, T, O)

        With return_state=True, returns (y, h_n), h_n (num_layers, N, H) the state after the
        last step read (for go_backwards, after x[:, 0]). For cell="lstm", h0 and h_n are
        pairs (h, c) of such arrays.
        """
        where = "SequenceModel.forward"
        return_state = v.flag(return_state, "return_state", where)
        try:                                                # the layer checks x, h0 and lengths
            out, h_n = self.rnn(x, h0, lengths)             # (N, T, H), in reading order
        except (TypeError, ValueError) as err:
            raise _reworded(err, f"{type(self.rnn).__name__}.forward", where) from None
        if lengths is not None:
            lengths = np.asarray(lengths).astype(np.int64)  # checked whole numbers 1 .. T
        if self.go_backwards:
            out = reverse_padded.unchecked(out, lengths)    # back to the order of x
        y = self.head(out)                                  # (N, T, O)
        self._keep((lengths,))
        return (y, h_n) if return_state else y

    def backward(self, dy):
        """dy (N, T, O) = dL/dy  ->  dx (N, T, F); adds to model.grads (call zero_grad first)."""
        where = "SequenceModel.backward"
        (lengths,) = self._last_cache(where, "Call y = model(x) first.")
        N, T = self.head.cache.shape[:2]
        v.array(dy, [("batch", N), ("time", T), ("output_size", self.output_size)], "dy", where,
                "dy has the shape of the output y of the last forward call.")
        dout = self.head.backward(dy)                       # (N, T, H)
        if self.go_backwards:
            dout = reverse_padded.unchecked(dout, lengths)
        return self.rnn.backward(dout)

    def stepper(self, batch_size=1):
        """A Stepper that runs this model one timestep at a time (see Stepper)."""
        return Stepper(self, batch_size)

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, d in
                        [("nonlinearity", "tanh"), ("num_layers", 1), ("cell", "rnn"),
                         ("go_backwards", False)] if getattr(self, k) != d)
        extra += "" if self.dtype == np.float64 else f", dtype=np.{self.dtype}"
        return f"SequenceModel({self.input_size}, {self.hidden_size}, {self.output_size}{extra})"


class Stepper:
    """Run a trained SequenceModel one timestep at a time, keeping the hidden state between calls.

        stepper = model.stepper()       # state = zeros
        y_t = stepper.step(x_t)         # x_t (N, F) -> y_t (N, O); the state moves on one step
        stepper.state                   # (num_layers, N, H), a copy; assign to set it
                                        # (for an LSTM the pair (h, c) of such arrays)
        stepper.reset()                 # back to zeros

    Feeding x[:, 0], x[:, 1], ... from a reset state gives y[:, 0], y[:, 1], ... of
    model(x). A go_backwards model reads sequences from the end, so there the same outputs
    come from feeding x[:, T-1], ..., x[:, 0], and arrive in that (reversed) order.
    Each step is the model's own layers run on a sequence of length 1 inside no_grad(), so
    it uses the current parameters and never disturbs a forward waiting for its backward.
    """

    def __init__(self, model, batch_size=1):
        where = "Stepper"
        if not isinstance(model, SequenceModel):
            raise TypeError(f"{where}: model should be a SequenceModel, got {type(model).__name__}.")
        self.model = model
        self.batch_size = v.positive_int(batch_size, "batch_size", where)
        self._names = model.rnn.state_names                 # ("h",) or ("h", "c")
        self.reset()

    @property
    def state(self):
        """The state of every layer, (num_layers, N, H): h_t after the last step
        (for an LSTM the pair (h_t, c_t))."""
        copies = tuple(s.copy() for s in self._state)
        return copies[0] if len(copies) == 1 else copies

    @state.setter
    def state(self, value):
        L, N, H = self._state[0].shape
        where = "Stepper.state"
        if len(self._names) > 1 and (not isinstance(value, (tuple, list)) or len(value) != 2):
            raise TypeError(f"{where}: an LSTM's state is the pair (h, c), each (num_layers, "
                            f"batch, hidden_size) = ({L}, {N}, {H}), got {type(value).__name__}.")
        values = value if len(self._names) > 1 else (value,)
        self._state = tuple(
            v.array(s, [("num_layers", L), ("batch", N), ("hidden_size", H)],
                    "state" if len(values) == 1 else f"state[{k}] ({name})", where,
                    "The state holds one row per layer and sequence; for one layer and one "
                    "sequence use np.array([[h]]) with h of length hidden_size."
                    ).astype(self.model.dtype, copy=True)
            for k, (name, s) in enumerate(zip(self._names, values)))

    def reset(self):
        """Forget everything read so far: the state becomes zeros, as before a new sequence."""
        m = self.model
        shape = (m.num_layers, self.batch_size, m.hidden_size)
        self._state = tuple(np.zeros(shape, m.dtype) for _ in self._names)

    def step(self, x_t):
        """One step of the cell in every layer (for the plain RNN h_t = act(x_t @ Wx + h_{t-1} @ Wh + b)),
        then y_t = h_t @ W_out + b_out.

        x_t (N, F)  ->  y_t (N, O). The state is only updated when the whole step succeeded.
        """
        m = self.model
        hint = ("x_t is one timestep of every sequence; for one value of one sequence use "
                "np.array([[value]])." if np.ndim(x_t) < 2 else
                "x_t is a single timestep; to run a whole sequence use model(x).")
        x_t = v.array(x_t, [("batch", self.batch_size), ("input_size", m.input_size)], "x_t",
                      "Stepper.step", hint)
        with no_grad():
            out, state = m.rnn(x_t[:, None], self._pack(self._state))   # one step: (N, 1, H)
            y_t = m.head(out[:, 0])                          # (N, O)
        self._state = state if isinstance(state, tuple) else (state,)
        return y_t

    def _pack(self, states):
        return states[0] if len(states) == 1 else states

    def __repr__(self):
        return f"Stepper({self.model!r}, batch_size={self.batch_size})"


CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}

# The most parameters a SequenceModel may have: 10**8 float64 are 800 MB, some ten thousand
# times the course's character models. A few zeros too many are refused, not allocated.
MAX_PARAMETERS = 10**8


def _check_size(F, H, O, L, gates, where):
    G = gates * H
    count = G * (F + H + 2) + (L - 1) * G * (2 * H + 2) + O * (H + 1)
    if count > MAX_PARAMETERS:
        raise ValueError(f"{where}: input_size={F}, hidden_size={H}, output_size={O} and "
                         f"num_layers={L} give {count:.3g} parameters ({8 * count / 1e9:.3g} GB "
                         f"in float64), more than the {MAX_PARAMETERS:.0e} a model here may have. "
                         f"Check the sizes for a few zeros too many.")


def _reworded(err, inner, where):
    """err, raised by a layer that `where` called with the caller's own arguments, as an error
    of the same type whose message starts with where: the function the caller called."""
    message = str(err)
    if message.startswith(inner + ": "):
        message = where + message[len(inner):]
    return type(err)(message)
