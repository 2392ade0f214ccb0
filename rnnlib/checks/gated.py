"""Checks for the gated cells' exercises: one LSTM step and one GRU step, forward and backward."""
from __future__ import annotations

from functools import partial

import numpy as np


from .. import gated
from ._core import Check, LearnerError, Out, fresh, most_telling, replaces, unpack
from ._gated_maths import (gru_backward_mistakes, gru_data, gru_forward_mistakes,
                           lstm_backward_mistakes, lstm_data, lstm_forward_mistakes)
from .backward import _again

# (N, F, H): batch 1 and more, H 1 and more, F != H so a transpose shows. The first has F == H,
# where swapped Wx and Wh fit and can be recognised (elsewhere numpy refuses the product).
SHAPES = ((2, 3, 3), (1, 3, 2), (3, 2, 1), (4, 5, 3))

LSTM_FORWARD = ("In this course x is (N, F), Wx (F, 4H), Wh (H, 4H): a = x @ Wx + h_prev @ Wh + b "
                "is (N, 4H), the four blocks side by side, H columns each.")
LSTM_BACKWARD = ("da is (N, 4H), the four blocks' gradients side by side: dx = da @ Wx.T, "
                 "dh_prev = da @ Wh.T, dWx = x.T @ da, dWh = h_prev.T @ da.")
GRU_FORWARD = ("In this course x is (N, F), Wx (F, 3H), Wh (H, 3H): x @ Wx + bx and h_prev @ Wh + bh "
               "are (N, 3H), the three blocks side by side, H columns each.")
GRU_BACKWARD = ("The gradients at x @ Wx + bx and at h_prev @ Wh + bh are (N, 3H): call them dax "
                "and dah; dx = dax @ Wx.T, dh_prev = dh_next * z + dah @ Wh.T, dWx = x.T @ dax, "
                "dWh = h_prev.T @ dah.")


def _call(c, layout, k, *args, fn=None):
    """c.call, with the course's layout said when numpy refused the shapes: in a product, or in
    np.split, whose default axis=0 splits the rows where the blocks are columns."""
    try:
        return c.call(*args, fn=fn)
    except LearnerError as e:
        if not e.not_implemented and ("matmul" in str(e) or "not aligned" in str(e)):
            raise LearnerError(f"{e}\n  {layout}") from None
        if not e.not_implemented and "split does not result in an equal division" in str(e):
            raise LearnerError(f"{e}\n  The blocks are side by side along axis 1, the columns: "
                               f"np.split(a, {k}, axis=1). np.split's default, axis=0, splits "
                               f"the rows, one per sample.") from None
        raise


def _compare(c, outs, mistakes):
    return c.compare(outs, most_telling(outs, mistakes))


def _state_out(label, got, want, k):
    """Out for a new state (N, H), with the shape mistakes it is known for."""
    N, H = want.shape
    hints = {(H,): "the batch axis is missing: keep one row per sample, even for N = 1.",
             (N, k * H): f"{k * H} columns are all {k} blocks side by side; a state has one "
                         f"block's H = {H} columns."}
    return Out(label, got, want, axes=("batch", "hidden"), hints=hints)


def _grad_outs(got, want, names, N, F, H, k):
    """Out for each of (dx, dh_prev, [dc_prev], dWx, dWh, db...), with their known shape mistakes."""
    dax, dah = ("da", "da") if k == 4 else ("dax", "dah")      # the GRU's two parts differ
    block = f"({N}, {k * H}), the gradient at the pre-activations itself"
    outs = [Out("dx", got[0], want[0], axes=("batch", "input_size"),
                hints={(N, k * H): f"dx is {block}; dx = {dax} @ Wx.T is (N, F)."}),
            Out("dh_prev", got[1], want[1], axes=("batch", "hidden"),
                hints={(N, k * H): f"dh_prev is {block}; {dah} @ Wh.T is (N, H)."})]
    for j, name in enumerate(names[2:], 2):
        if name == "dc_prev":
            outs.append(Out(name, got[j], want[j], axes=("batch", "hidden")))
        elif name in ("dWx", "dWh"):
            rows, what, axis, d = ((F, "x", "input_size", dax) if name == "dWx"
                                   else (H, "h_prev", "hidden", dah))
            outs.append(Out(name, got[j], want[j], axes=(axis, f"{k}*hidden"),
                            hints={(k * H, rows): f"{name} is transposed: {name} = {what}.T @ {d}, "
                                                  f"({rows}, {k * H})."}))
        else:
            outs.append(Out(name, got[j], want[j], axes=(f"{k}*hidden",),
                            hints={(N, k * H): f"{name} keeps the batch axis: sum it over the "
                                               f"batch, axis=0, one entry per column of the weights.",
                                   (N,): f"{name} is summed over the wrong axis: sum over the "
                                         f"batch, axis=0, one entry per column of the weights."}))
    return outs


# --- LSTM -----------------------------------------------------------------------------------

@replaces("rnnlib.lstm_step_forward", "rnnlib.lstm_forward")
def check_lstm_step_forward(fn):
    """fn(x, h_prev, c_prev, Wx, Wh, b) -> (h_next, c_next, cache): one LSTM step.

    a = x @ Wx + h_prev @ Wh + b (N, 4H), blocks i, f, g, o (H columns each, torch's order);
    i, f, o = sigmoid, g = tanh; c_next = f * c_prev + i * g, h_next = o * tanh(c_next).
    Cases: (N, F, H) = (2, 3, 3), (1, 3, 2), (3, 2, 1), (4, 5, 3). h_next and c_next are compared
    with rnnlib.lstm_step_forward; the cache is yours (your backward reads it) and not checked.
    """
    c = Check("check_lstm_step_forward", fn, "fn(x, h_prev, c_prev, Wx, Wh, b)",
              "rnnlib.lstm_step_forward")

    def case(seed, N, F, H):
        args = lstm_data(seed, N, F, H)
        h_want, c_want, _ = gated.lstm_step_forward(*args)
        got, problem = unpack(_call(c, LSTM_FORWARD, 4, *fresh(*args)), ("h_next", "c_next", "cache"))
        if problem:
            return [problem]
        return _compare(c, [_state_out("h_next", got[0], h_want, 4),
                            _state_out("c_next", got[1], c_want, 4)], lstm_forward_mistakes(*args))

    return c.run([(f"N={N}, F={F}, H={H}", partial(case, 80 + j, N, F, H))
                  for j, (N, F, H) in enumerate(SHAPES)])


LSTM_GRADS = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")


@replaces("rnnlib.lstm_step_backward", "rnnlib.lstm_backward")
def check_lstm_step_backward(fn, forward=None):
    """fn(dh_next, dc_next, cache) -> (dx, dh_prev, dc_prev, dWx, dWh, db): one LSTM step back.

    cache is rnnlib.lstm_step_forward's, (x, h_prev, c_prev, Wx, Wh, gates, c_next), with
    gates (N, 4H) = [i, f, g, o] side by side along axis 1 (the gates' outputs, after sigmoid
    and tanh), unless forward (your lstm_step_forward) is given: then its cache is used.
    Cases as check_lstm_step_forward's; all six outputs are compared with rnnlib.lstm_step_backward.
    """
    c = Check("check_lstm_step_backward", fn, "fn(dh_next, dc_next, cache)",
              "rnnlib.lstm_step_backward")

    def case(seed, N, F, H, again):
        args = lstm_data(seed, N, F, H)
        ref_cache = gated.lstm_step_forward(*args)[2]
        rng = np.random.default_rng(seed + 100)
        dh_next, dc_next = rng.normal(size=(N, H)), rng.normal(size=(N, H))
        want = gated.lstm_step_backward(dh_next, dc_next, ref_cache)

        def call():
            if forward is None:
                cache = tuple(fresh(*ref_cache))
            else:
                out, problem = unpack(_call(c, LSTM_FORWARD, 4, *fresh(*args), fn=forward),
                                      ("h_next", "c_next", "cache"))
                if problem:
                    return None, "your forward: " + problem
                cache = out[2]
            return unpack(_call(c, LSTM_BACKWARD, 4, *fresh(dh_next, dc_next), cache), LSTM_GRADS)
        got, problem = call()
        if problem:
            return [problem]
        problems = _compare(c, _grad_outs(got, want, LSTM_GRADS, N, F, H, 4),
                            lstm_backward_mistakes(dh_next, dc_next, ref_cache))
        return problems or (_again(got, call, LSTM_GRADS) if again else [])

    return c.run([(f"N={N}, F={F}, H={H}", partial(case, 90 + j, N, F, H, j == 0))
                  for j, (N, F, H) in enumerate(SHAPES)])


# --- GRU ------------------------------------------------------------------------------------

@replaces("rnnlib.gru_step_forward", "rnnlib.gru_forward")
def check_gru_step_forward(fn):
    """fn(x, h_prev, Wx, Wh, bx, bh) -> (h_next, cache): one GRU step, as torch.nn.GRU.

    Blocks r, z, n (H columns each): r = sigmoid(x Wx_r + bx_r + h_prev Wh_r + bh_r), z likewise,
    n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n)), h_next = (1 - z) * n + z * h_prev.
    Cases: (N, F, H) = (2, 3, 3), (1, 3, 2), (3, 2, 1), (4, 5, 3). h_next is compared with
    rnnlib.gru_step_forward; the cache is yours and not checked.
    """
    c = Check("check_gru_step_forward", fn, "fn(x, h_prev, Wx, Wh, bx, bh)", "rnnlib.gru_step_forward")

    def case(seed, N, F, H):
        args = gru_data(seed, N, F, H)
        want, _ = gated.gru_step_forward(*args)
        got, problem = unpack(_call(c, GRU_FORWARD, 3, *fresh(*args)), ("h_next", "cache"))
        if problem:
            return [problem]
        return _compare(c, [_state_out("h_next", got[0], want, 3)], gru_forward_mistakes(*args))

    return c.run([(f"N={N}, F={F}, H={H}", partial(case, 100 + j, N, F, H))
                  for j, (N, F, H) in enumerate(SHAPES)])


GRU_GRADS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")


@replaces("rnnlib.gru_step_backward", "rnnlib.gru_backward")
def check_gru_step_backward(fn, forward=None):
    """fn(dh_next, cache) -> (dx, dh_prev, dWx, dWh, dbx, dbh): one GRU step back.

    cache is rnnlib.gru_step_forward's, (x, h_prev, Wx, Wh, gates, ah_n), with gates (N, 3H) =
    [r, z, n] side by side along axis 1 (the outputs of sigmoid and tanh) and ah_n (N, H) =
    h_prev @ Wh_n + bh_n, the state's part of the n block before r scales it; unless forward
    (your gru_step_forward) is given: then its cache is used.
    Cases as check_gru_step_forward's; all six outputs are compared with rnnlib.gru_step_backward.
    """
    c = Check("check_gru_step_backward", fn, "fn(dh_next, cache)", "rnnlib.gru_step_backward")

    def case(seed, N, F, H, again):
        args = gru_data(seed, N, F, H)
        ref_cache = gated.gru_step_forward(*args)[1]
        dh_next = np.random.default_rng(seed + 100).normal(size=(N, H))
        want = gated.gru_step_backward(dh_next, ref_cache)

        def call():
            if forward is None:
                cache = tuple(fresh(*ref_cache))
            else:
                out, problem = unpack(_call(c, GRU_FORWARD, 3, *fresh(*args), fn=forward),
                                      ("h_next", "cache"))
                if problem:
                    return None, "your forward: " + problem
                cache = out[1]
            return unpack(_call(c, GRU_BACKWARD, 3, dh_next.copy(), cache), GRU_GRADS)
        got, problem = call()
        if problem:
            return [problem]
        problems = _compare(c, _grad_outs(got, want, GRU_GRADS, N, F, H, 3),
                            gru_backward_mistakes(dh_next, ref_cache, args[5]))
        return problems or (_again(got, call, GRU_GRADS) if again else [])

    return c.run([(f"N={N}, F={F}, H={H}", partial(case, 110 + j, N, F, H, j == 0))
                  for j, (N, F, H) in enumerate(SHAPES)])

