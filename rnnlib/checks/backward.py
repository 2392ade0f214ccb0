"""Checks for the backward exercises: one step, backpropagation through time, the step Jacobian."""
from __future__ import annotations

from functools import partial
from itertools import product

import numpy as np


from .. import functional
from ._core import RTOL, Check, Out, fresh, most_telling, rel_error, replaces, unpack
from ._maths import (DERIVATIVE, NONLINEARITIES, act, act_grad, backward_mistakes,
                     nonlinearity_names, rnn_data, step_backward_mistakes)

GRADS = ("dx", "dh0", "dWx", "dWh", "db")
STEP_GRADS = ("dx", "dh_prev", "dWx", "dWh", "db")


def _call_backward(c, forward, d, x, h0, Wx, Wh, b, h, nl, names):
    """(outputs, None) of the learner's backward on d, or (None, sentence). Its cache is the
    course's (x, h0, Wx, Wh, h, nonlinearity), or what the learner's own forward returns."""
    if forward is None:
        cache = tuple(fresh(x, h0, Wx, Wh, h)) + (nl,)
    else:
        got, problem = unpack(c.call(*fresh(x, h0, Wx, Wh, b), nonlinearity=nl, fn=forward),
                              ("h", "cache"))
        if problem:
            return None, "your forward: " + problem
        cache = got[1]
    return unpack(c.call(d.copy(), cache), names)


def _grad_outputs(got, want, names, N, F, H, time):
    """Out for each of (dx, dh, dWx, dWh, db), with the shape mistakes each is known for."""
    dx_axes = ("batch", "time", "input_size") if time else ("batch", "input_size")
    return [Out(names[0], got[0], want[0], axes=dx_axes, time=1 if time else None),
            Out(names[1], got[1], want[1], axes=("batch", "hidden")),
            Out("dWx", got[2], want[2], axes=("input_size", "hidden"),
                hints={(H, F): "dWx is transposed: dWx = x.T @ da, (F, H)."}),
            Out("dWh", got[3], want[3], axes=("hidden", "hidden")),
            Out("db", got[4], want[4], axes=("hidden",),
                hints={(N, H): "db keeps the batch axis: db = da.sum(axis=0), one entry per "
                               "hidden unit.",
                       (N,): "db is summed over the wrong axis: db = da.sum(axis=0), one entry per "
                             "hidden unit."})]


def _again(got, call, names):
    """A second call with the same inputs must give the same gradients: no state between calls."""
    again, problem = call()
    if problem:
        return [problem]
    try:
        changed = [n for n, a, b in zip(names, got, again)
                   if rel_error(np.asarray(b, float), np.asarray(a, float)) > RTOL]
    except (TypeError, ValueError):
        return []
    if changed:
        return [f"a second call with the same inputs returned a different {', '.join(changed)}: "
                f"does the function keep gradients between calls (a global array, or a default "
                f"argument it adds to)? Start every call from zeros."]
    return []


@replaces("rnnlib.rnn_step_backward", "rnnlib.rnn_backward", "rnnlib.rnn_backward_padded")
def check_rnn_step_backward(fn, forward=None, nonlinearities=NONLINEARITIES):
    """fn(dh_next, cache) -> (dx, dh_prev, dWx, dWh, db) for h_next = act(x @ Wx + h_prev @ Wh + b).

    cache is (x, h_prev, Wx, Wh, h_next, nonlinearity), as rnnlib.rnn_step_forward makes it,
    unless forward (your rnn_step_forward) is given: then its cache is used.
    Cases: batch 1 and 3, each nonlinearity; compared with rnnlib.rnn_step_backward.
    """
    c = Check("check_rnn_step_backward", fn, "fn(dh_next, cache)", "rnnlib.rnn_step_backward")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, N, nl, again):
        x, h_prev, Wx, Wh, b = rnn_data(seed, N, 1)
        x = x[:, 0]
        h_next, ref_cache = functional.rnn_step_forward(x, h_prev, Wx, Wh, b, nl)
        dh_next = np.random.default_rng(seed + 100).normal(size=h_next.shape)
        want = functional.rnn_step_backward(dh_next, ref_cache)

        def call():
            return _call_backward(c, forward, dh_next, x, h_prev, Wx, Wh, b, h_next, nl, STEP_GRADS)
        got, problem = call()
        if problem:
            return [problem]

        mistakes = step_backward_mistakes(x, h_prev, Wx, Wh, b, h_next, nl, dh_next)
        F, H = Wx.shape
        problems = c.compare(_grad_outputs(got, want, STEP_GRADS[:2], N, F, H, time=False), mistakes)
        return problems or (_again(got, call, STEP_GRADS) if again else [])

    return c.run([(f"N={N}, nonlinearity={nl!r}", partial(case, 50 + i, N, nl, i == 0))
                  for i, (N, nl) in enumerate(product((1, 3), nonlinearities))])


@replaces("rnnlib.rnn_backward", "rnnlib.rnn_backward_padded")
def check_rnn_backward(fn, forward=None, nonlinearities=NONLINEARITIES):
    """fn(dh, cache) -> (dx, dh0, dWx, dWh, db): backpropagation through time.

    dh (N, T, H) is the loss gradient arriving at every hidden state; cache is
    (x, h0, Wx, Wh, h, nonlinearity), as rnnlib.rnn_forward makes it, unless forward (your
    rnn_forward) is given: then its cache is used.
    Cases: (N, T) = (1, 1), (1, 4), (3, 5), each nonlinearity; compared with rnnlib.rnn_backward.
    """
    c = Check("check_rnn_backward", fn, "fn(dh, cache)", "rnnlib.rnn_backward")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, N, T, nl, again):
        x, h0, Wx, Wh, b = rnn_data(seed, N, T)
        h, ref_cache = functional.rnn_forward(x, h0, Wx, Wh, b, nl)
        dh = np.random.default_rng(seed + 100).normal(size=h.shape)
        want = functional.rnn_backward(dh, ref_cache)

        def call():
            return _call_backward(c, forward, dh, x, h0, Wx, Wh, b, h, nl, GRADS)
        got, problem = call()
        if problem:
            return [problem]
        F, H = Wx.shape
        outs = _grad_outputs(got, want, ("dx", "dh0"), N, F, H, time=True)
        problems = c.compare(outs, most_telling(outs, backward_mistakes(x, h0, Wx, Wh, b, h, nl, dh)))
        return problems or (_again(got, call, GRADS) if again else [])

    return c.run([(f"N={N}, T={T}, nonlinearity={nl!r}", partial(case, 60 + i, N, T, nl, i == 0))
                  for i, ((N, T), nl) in enumerate(product(((1, 1), (1, 4), (3, 5)), nonlinearities))])


@replaces("rnnlib.gradients.step_jacobian", "rnnlib.gradients.jacobian_products")
def check_step_jacobian(fn, nonlinearities=NONLINEARITIES):
    """fn(h_t, Wh, nonlinearity) -> J (H, H), J[i, j] = d h_t[i] / d h_{t-1}[j] = act'(a_t)[i] * Wh[j, i].

    In the course's row-vector layout (h_t = act(x_t @ Wx + h_{t-1} @ Wh + b)) that is
    J = diag(act'(a_t)) @ Wh.T. h_t (H,) is the state of one sequence.
    """
    c = Check("check_step_jacobian", fn, "fn(h_t, Wh, nonlinearity=...)", "diag(act'(a_t)) @ Wh.T")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, H, nl):
        x, h_prev, Wx, Wh, b = jacobian_data(seed, H)
        h_t = act(x @ Wx + h_prev @ Wh + b, nl)                  # (H,) one sequence
        d = act_grad(h_t, nl)
        want = d[:, None] * Wh.T                                   # row i scaled by act'(a_t)[i]
        got = c.call(*fresh(h_t, Wh), nonlinearity=nl)
        mistakes = [("J is transposed: J[i, j] = d h_t[i] / d h_{t-1}[j] = act'(a_t)[i] * Wh[j, i], "
                     "so J = diag(act'(a_t)) @ Wh.T in this course's row-vector layout.", want.T),
                    ("J uses Wh where it needs Wh.T: J[i, j] = act'(a_t)[i] * Wh[j, i], because "
                     "h_t depends on h_{t-1} @ Wh.", d[:, None] * Wh),
                    ("act'(a_t) scales the columns of Wh.T instead of its rows: J = diag(act'(a_t)) "
                     "@ Wh.T, not Wh.T @ diag(act'(a_t)).", Wh.T * d[None, :]),
                    (f"the activation derivative is missing: J = diag(act'(a_t)) @ Wh.T, with "
                     f"{DERIVATIVE[nl]}.", Wh.T),
                    ("the activation derivative is missing and Wh is not transposed: J = "
                     "diag(act'(a_t)) @ Wh.T.", Wh)]
        mistakes += [(f"uses {o}'s derivative although the nonlinearity is {nl!r}: {DERIVATIVE[nl]}.",
                      act_grad(h_t, o)[:, None] * Wh.T) for o in NONLINEARITIES if o != nl]
        if nl == "tanh":
            mistakes.append(("tanh'(a) = 1 - h**2 (squared), not 1 - h.", (1 - h_t)[:, None] * Wh.T))
        hints = {(H,): "J is a matrix (H, H): row i for unit i of h_t, column j for unit j of h_{t-1}."}
        return c.compare([Out("J", got, want, axes=("unit of h_t", "unit of h_{t-1}"),
                              hints=hints)], [(m, (v,)) for m, v in mistakes])

    return c.run([(f"H={H}, nonlinearity={nl!r}", partial(case, 70 + i, H, nl))
                  for i, (H, nl) in enumerate(product((3, 4), nonlinearities))])


def jacobian_data(seed, H):
    """x (3,), h_prev (H,), Wx (3, H), Wh (H, H), b (H,) for one sequence; alternating biases
    give relu both active and inactive units."""
    rng = np.random.default_rng(seed)
    x, h_prev = rng.normal(size=3), rng.normal(0, 0.5, H)
    Wx, Wh = rng.normal(0, 0.5, (3, H)), rng.normal(0, 0.6, (H, H))
    b = np.where(np.arange(H) % 2 == 0, 1.0, -1.0) + rng.normal(0, 0.1, H)
    return x, h_prev, Wx, Wh, b
