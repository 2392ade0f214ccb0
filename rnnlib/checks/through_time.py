"""Check for notebook 06's exercise: the gradient of a loss at the last step, carried back to
every earlier hidden state one vector at a time, as backpropagation does it (no H x H Jacobian
is ever built).

    dh[:, T-1] = u,    dh[:, t-1] = (dh[:, t] * act'(a_t)) @ Wh.T    for t = T-1 .. 1

The known mistakes are the ways this loop goes wrong: the slope of the wrong step, the slope
on the wrong side of the product, Wh where Wh.T belongs, a loop that stops one step early or
runs one step too far (numpy's index -1 is the last step), da returned instead of dh.
"""
from __future__ import annotations

from functools import partial
from itertools import product

import numpy as np


from .. import functional, gradients
from ._core import Check, Out, fresh, replaces
from ._maths import DERIVATIVE, NONLINEARITIES, act_grad, nonlinearity_names

RULE = "dh_{t-1} = (dh_t * act'(a_t)) @ Wh.T"


def _walk(h, Wh, u, slope, lag=0, W=None, after=False):
    """The loop with switches: lag=1 takes the slope of h_{t-1} instead of h_t; W replaces
    Wh.T; after=True multiplies by the slope after the product instead of before it."""
    W = Wh.T if W is None else W
    N, T, H = h.shape
    dh = np.zeros_like(h)
    dh[:, -1] = u
    for t in range(T - 1, 0, -1):
        s = slope[:, t - lag]
        dh[:, t - 1] = (dh[:, t] @ W) * s if after else (dh[:, t] * s) @ W
    return dh


def _mistakes(h, Wh, u, nl, want):
    """(message, dh) for each known mistake, on this case's states."""
    s = act_grad(h, nl)                                          # (N, T, H) act'(a_t)
    N, T, H = h.shape
    out = [
        (f"the slope is taken one step too early: going back from h_t to h_{{t-1}} passes through "
         f"step t, whose slope is act'(a_t), read from h_t (h[:, t]), not from h_{{t-1}}. "
         f"{RULE}.", _walk(h, Wh, u, s, lag=1)),
        (f"the slope multiplies after the product with Wh.T. act'(a_t) belongs to the units of "
         f"h_t, so it scales the gradient at h_t before it goes through Wh.T: {RULE}.",
         _walk(h, Wh, u, s, after=True)),
        ("the slope of h_{t-1} multiplies after the product: (dh_t @ Wh.T) * act'(a_{t-1}) is "
         "the recursion for da, the gradient at the pre-activations, not at the states. For the "
         f"states the slope of step t comes first: {RULE}.", _walk(h, Wh, u, s, lag=1, after=True)),
        (f"uses Wh where it needs Wh.T: the forward step computes h_{{t-1}} @ Wh, so the gradient "
         f"goes back through the transpose. {RULE}.", _walk(h, Wh, u, s, W=Wh)),
        (f"the activation's slope is missing: every step back multiplies by act'(a_t) too, with "
         f"{DERIVATIVE[nl]}" + (" (a unit that is off has h = 0 exactly, so (h >= 0) counts "
                                "it as on: use (h > 0))" if nl == "relu" else "") + f". {RULE}.",
         _walk(h, Wh, u, np.ones_like(s))),
        ("the gradient at every state is multiplied by its own slope: dh_t * act'(a_t) is da_t, "
         "the gradient at the pre-activation. Return dh_t itself (dh[:, T-1] = u).", want * s),
        ("the result is reversed in time: dh[:, T-1] (the last step, where the loss is) should be "
         "u, and the gradient shrinks or grows towards t = 0.", want[:, ::-1]),
        ("dh_0 is missing (zero): the loop must run down to t = 1, the step whose backward pass "
         "gives dh_0.", np.concatenate([np.zeros_like(want[:, :1]), want[:, 1:]], axis=1)),
        ("the loop runs one step too far: at t = 0 it writes dh[:, t - 1], and index -1 is "
         "numpy's LAST step, so the gradient at h_{T-1} was overwritten. Stop at t = 1: there "
         "is no state before h_0 in h.",
         np.concatenate([want[:, :-1], ((want[:, 0] * s[:, 0]) @ Wh.T)[:, None]], axis=1)),
        ("dh is all zeros: the loss reads h_{T-1} through u, so start from dh[:, T-1] = u.",
         np.zeros_like(want)),
    ]
    if N > 1:
        out.append((f"u is divided by the batch size N = {N}: the loss is a sum over the "
                    f"sequences, so each sequence's gradient starts from u itself.", want / N))
    for other in NONLINEARITIES:
        if other != nl:
            out.append((f"uses {other}'s slope although nonlinearity={nl!r}: {DERIVATIVE[nl]}.",
                        _walk(h, Wh, u, act_grad(h, other))))
    if nl == "tanh":
        out.append(("tanh'(a) = 1 - h**2 (squared), not 1 - h.", _walk(h, Wh, u, 1 - h)))
    return out


def through_time_data(seed, N, T, H, F=3):
    """x (N, T, F), Wx (F, H), Wh (H, H), b (H,), u (H,): moderate weights that keep tanh off
    its saturation, and biases of alternating sign so that relu has units on and off at every
    step: then each mistake gives different numbers."""
    rng = np.random.default_rng(seed)
    b = np.where(np.arange(H) % 2 == 0, 0.5, -0.5) + rng.normal(0, 0.2, H)
    u = rng.normal(size=H)
    return (rng.normal(size=(N, T, F)), rng.normal(0, 0.5, (F, H)), rng.normal(0, 0.6, (H, H)),
            b, u / np.linalg.norm(u))


# the library's own ways to the same gradients; rnnlib.activation_grad stays allowed
@replaces("rnnlib.gradients.state_gradients", "rnnlib.gradients.gradient_norms",
          "rnnlib.gradients.jacobian_products", "rnnlib.gradients.step_jacobian",
          "rnnlib.rnn_step_backward", "rnnlib.rnn_backward")
def check_gradients_back_in_time(fn, nonlinearities=NONLINEARITIES):
    """fn(h (N, T, H), Wh (H, H), u (H,), nonlinearity) -> dh (N, T, H), the gradient of
    L = sum_n h[n, T-1] @ u at every state: dh[:, T-1] = u and, going back one step at a time,
    dh[:, t-1] = (dh[:, t] * act'(a_t)) @ Wh.T.

    h holds the states of rnnlib.rnn_forward (h[:, t] = h_t, the state after step t).
    Cases: (N, T, H) = (1, 1, 3), (1, 4, 3) and (2, 6, 4) with each nonlinearity; compared with
    rnnlib.gradients.state_gradients, the total gradients of rnnlib's backward pass.
    """
    c = Check("check_gradients_back_in_time", fn, "fn(h, Wh, u, nonlinearity=...)",
              "rnnlib's backward pass (rnnlib.gradients.state_gradients)")
    nonlinearities = nonlinearity_names(nonlinearities, c.name)

    def case(seed, N, T, H, nl):
        x, Wx, Wh, b, u = through_time_data(seed, N, T, H)
        h, cache = functional.rnn_forward(x, np.zeros((N, H)), Wx, Wh, b, nl)     # (N, T, H)
        g = np.zeros_like(h)
        g[:, -1] = u                                  # what the loss sends to h_{T-1} only
        want = gradients.state_gradients(g, cache)              # (N, T, H) the total dL/dh_t
        got = c.call(*fresh(h, Wh, u), nonlinearity=nl)
        hints = {(N, T): "these are one number per (sequence, step), norms perhaps: return the "
                         "gradients themselves, (N, T, H).",
                 (N, H): "only one step's gradient: return the gradient at every step, (N, T, H).",
                 (T, H): "the batch axis is missing: return one gradient per sequence and step, "
                         "(N, T, H)."}
        out = Out("dh", got, want, axes=("batch", "time", "hidden"), time=1, hints=hints)
        return c.compare([out], [(m, (v,)) for m, v in _mistakes(h, Wh, u, nl, want)])

    shapes = ((1, 1, 3), (1, 4, 3), (2, 6, 4))
    return c.run([(f"N={N}, T={T}, H={H}, nonlinearity={nl!r}", partial(case, 80 + i, N, T, H, nl))
                  for i, ((N, T, H), nl) in enumerate(product(shapes, nonlinearities))])

