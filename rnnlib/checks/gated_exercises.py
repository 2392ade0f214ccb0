"""Checks for notebook 09's closing exercises: parameter counts, and an LSTM with coupled gates.

These exercises give a goal, not the code: the learner works out the formula or the step from
the shapes and equations of the notebook. The checks compare with rnnlib's layers and with
rnnlib.lstm_step_forward, and name the mistakes such a derivation is likely to make.
"""
from __future__ import annotations

from functools import partial

import numpy as np


from .. import gated, layers
from ._core import Check, LearnerError, Out, fresh, replaces, unpack
from ._gated_maths import sigmoid

# (input_size, hidden_size, num_layers, bidirectional): one layer and more, one direction and
# two, F above and below H so that a layer reading the wrong width shows.
SIZES = ((4, 32, 1, False), (1, 1, 1, False), (10, 20, 2, False), (3, 5, 3, True),
         (7, 3, 2, True), (2, 6, 1, True))


def _count(F, H, num_layers, bidirectional, blocks, biases=2, upper="D*H", directions=True,
           hidden=True, layers=True):
    """Parameters of a recurrent layer of `blocks` blocks, and of its classic wrong counts."""
    D = 2 if bidirectional and directions else 1
    total = 0
    for layer in range(num_layers if layers else 1):
        reads = F if layer == 0 else {"D*H": D * H, "H": H, "F": F}[upper]
        total += D * blocks * H * (reads + (H if hidden else 0) + biases)
    return total


def _count_mistakes(blocks, other_blocks, name):
    def wrong(**kw):
        return lambda F, H, L, bi: _count(F, H, L, bi, blocks, **kw)
    return [
        (f"one bias per block: rnnlib's layers, like torch.nn.{name}, keep two, bias_ih and "
         f"bias_hh, {blocks}H each, per layer and direction (they add up, but both are "
         f"parameters).", wrong(biases=1)),
        ("no bias is counted: each layer and direction has two bias vectors, bias_ih and "
         "bias_hh.", wrong(biases=0)),
        ("the layers above the first read H inputs; with two directions they read both "
         "directions of the layer below, D * H.", wrong(upper="H")),
        ("the layers above the first read the input size F; they read the layer below's output, "
         "D * H wide.", wrong(upper="F")),
        ("bidirectional is ignored: a second direction has its own weights, so every layer "
         "counts twice.", wrong(directions=False)),
        (f"the hidden-to-hidden weights are missing: weight_hh is {blocks}H x H in every layer "
         f"and direction.", wrong(hidden=False)),
        ("num_layers is ignored: every layer has its own weights.", wrong(layers=False)),
        (f"{other_blocks} blocks are counted; {name} has {blocks} "
         f"({'i, f, g, o' if blocks == 4 else 'r, z, n'}), each H columns wide.",
         lambda F, H, L, bi: _count(F, H, L, bi, other_blocks)),
        ("one block is counted, as for a plain RNN; gated cells have one block per gate and "
         "one for the candidate.", lambda F, H, L, bi: _count(F, H, L, bi, 1)),
    ]


def _check_count(name, cls, blocks, other_blocks, fn):
    c = Check(f"check_{name.lower()}_parameter_count", fn,
              "fn(input_size, hidden_size, num_layers, bidirectional)",
              f"the parameters of rnnlib.{name} layers")
    mistakes = _count_mistakes(blocks, other_blocks, name)

    def case(F, H, L, bi):
        layer = cls(F, H, num_layers=L, bidirectional=bi)
        want = sum(p.size for p in layer.params.values())
        got = c.call(F, H, L, bi)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            if isinstance(got, (float, np.floating)) and float(got).is_integer():
                got = int(got)
            else:
                return [f"the count should be a whole number (int), got {type(got).__name__}."]
        if got == want:
            return []
        known = [m for m, count in mistakes if count(F, H, L, bi) == got != want]
        text = f"the count is {got}, but the layer has {want} parameters."
        return [text + (" Likely cause: " + known[0] if known else
                        " Add up weight_ih, weight_hh, bias_ih and bias_hh of every layer and "
                        "direction (layer.params lists them with their shapes).")]

    return c.run([(f"input_size={F}, hidden_size={H}, num_layers={L}, bidirectional={bi}",
                   partial(case, F, H, L, bi)) for F, H, L, bi in SIZES])


@replaces("rnnlib.LSTM")   # counting a real layer's parameters is not working them out
def check_lstm_parameter_count(fn):
    """fn(input_size, hidden_size, num_layers=1, bidirectional=False) -> int, the number of
    parameters of rnnlib.LSTM (and of torch.nn.LSTM) with those settings.

    Cases: one and several layers, one and two directions; compared with the sizes of a real
    rnnlib.LSTM's parameters.
    """
    return _check_count("LSTM", layers.LSTM, 4, 3, fn)


@replaces("rnnlib.GRU")
def check_gru_parameter_count(fn):
    """fn(input_size, hidden_size, num_layers=1, bidirectional=False) -> int, the number of
    parameters of rnnlib.GRU (and of torch.nn.GRU); cases as check_lstm_parameter_count's."""
    return _check_count("GRU", layers.GRU, 3, 4, fn)


# --- an LSTM with coupled input and forget gates ---------------------------------------------

def _coupled(x, h_prev, c_prev, Wx, Wh, b, order="igo", acts="sts", write="1-i", keep="1-i",
             show="tanh", h_from_prev=False):
    """(h_next, c_next) of the coupled step, with switches for its wrong versions."""
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    blocks = dict(zip(order, (a[:, k * H:(k + 1) * H] for k in range(3))))
    act = {"s": sigmoid, "t": np.tanh}
    i, g, o = (act[f](blocks[name]) for f, name in zip(acts, "igo"))
    kept = {"1-i": 1 - i, "i": i, "1": 1.0}[keep]
    written = {"1-i": i, "i": 1 - i, "1": 1.0}[write]
    c_next = kept * c_prev + written * g
    shown = c_prev if h_from_prev else c_next
    h_next = o * {"tanh": np.tanh(shown), "none": shown}[show]
    return h_next, c_next


def _coupled_mistakes(*args):
    run = partial(_coupled, *args)
    return [
        ("the forget gate is i, not 1 - i: c_next = (1 - i) * c_prev + i * g. Coupling means "
         "what is written replaces what is forgotten.", run(keep="i")),
        ("the gates are the wrong way round: c_next = (1 - i) * c_prev + i * g keeps 1 - i of "
         "the old state and writes i of the candidate.", run(keep="i", write="i")),
        ("c_prev is kept whole: c_next = (1 - i) * c_prev + i * g scales it by 1 - i.",
         run(keep="1")),
        ("the candidate is written whole: c_next = (1 - i) * c_prev + i * g scales it by i.",
         run(write="1")),
        ("h_next = o * c_next misses the tanh: h_next = o * tanh(c_next).", run(show="none")),
        ("h_next is computed from c_prev; it shows the new cell state: c_next first, then "
         "h_next = o * tanh(c_next).", run(h_from_prev=True)),
        ("the blocks are read in the order g, i, o; the exercise's Wx (F, 3H) holds i, g, o side "
         "by side, H columns each.", run(order="gio")),
        ("the blocks are read in the order i, o, g; they are i, g, o, H columns each.",
         run(order="iog")),
        ("g goes through sigmoid; the candidate goes through tanh, the gates i and o through "
         "sigmoid.", run(acts="sss")),
        ("i goes through tanh; gates go through sigmoid, so that they lie between 0 and 1.",
         run(acts="tts")),
        ("h_next and c_next are in each other's place: return h_next, c_next.",
         run()[::-1]),
    ]


def _as_lstm(W):
    """(.., 3H) blocks i, g, o -> (.., 4H) blocks i, f, g, o with f's block = -i's block."""
    i, g, o = np.split(W, 3, axis=-1)
    return np.concatenate([i, -i, g, o], axis=-1)


@replaces("rnnlib.lstm_step_forward", "rnnlib.lstm_forward")   # the next cell shows the link
def check_coupled_lstm_step_forward(fn):
    """fn(x, h_prev, c_prev, Wx, Wh, b) -> (h_next, c_next): one LSTM step with f = 1 - i.

    Wx (F, 3H), Wh (H, 3H), b (3H,) hold blocks i, g, o. Compared with rnnlib.lstm_step_forward
    given four blocks whose forget block is minus the input block (sigmoid(-a) = 1 - sigmoid(a)).
    """
    c = Check("check_coupled_lstm_step_forward", fn, "fn(x, h_prev, c_prev, Wx, Wh, b)",
              "rnnlib.lstm_step_forward with f = 1 - i")

    def case(seed, N, F, H):
        rng = np.random.default_rng(seed)
        b = np.where(np.arange(3 * H) % 2 == 0, 0.5, -0.5) + rng.normal(0, 0.2, 3 * H)
        args = (rng.normal(size=(N, F)), rng.normal(0, 0.5, (N, H)), rng.normal(0, 1.0, (N, H)),
                rng.normal(0, 0.5, (F, 3 * H)), rng.normal(0, 0.4, (H, 3 * H)), b)
        x, h_prev, c_prev, Wx, Wh, b = args
        h_want, c_want, _ = gated.lstm_step_forward(x, h_prev, c_prev, _as_lstm(Wx),
                                                     _as_lstm(Wh), _as_lstm(b))
        try:
            result = c.call(*fresh(*args))
        except LearnerError as e:
            if not e.not_implemented and ("matmul" in str(e) or "not aligned" in str(e)):
                raise LearnerError(f"{e}\n  Here Wx is (F, 3H) and Wh (H, 3H): a = x @ Wx + "
                                   f"h_prev @ Wh + b is (N, 3H), blocks i, g, o.") from None
            raise
        got, problem = unpack(result, ("h_next", "c_next"))
        if problem:
            return [problem]
        outs = [Out("h_next", got[0], h_want, axes=("batch", "hidden")),
                Out("c_next", got[1], c_want, axes=("batch", "hidden"))]
        return c.compare(outs, _coupled_mistakes(*args))

    return c.run([(f"N={N}, F={F}, H={H}", partial(case, 300 + j, N, F, H))
                  for j, (N, F, H) in enumerate(((2, 3, 4), (1, 2, 1), (3, 4, 2)))])
