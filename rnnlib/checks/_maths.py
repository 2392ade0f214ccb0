"""The maths the checks use to recognise mistakes: the RNN written out again, with switches
that reproduce the classic wrong versions (a loop that stops early, a missing derivative, ...).

Reference values always come from rnnlib's own public functions; these loops only produce what
a known mistake would give, so a check can say "this is what you did".
"""
from __future__ import annotations

import numpy as np

from .._validation import NONLINEARITIES
from ..functional import LEAKY_SLOPE
DERIVATIVE = {"tanh": "tanh'(a) = 1 - h**2",
              "relu": "relu'(a) = 1 where h > 0, else 0",
              "leaky_relu": "leaky_relu'(a) = 1 where h > 0, else 0.01"}


def nonlinearity_names(names, where):
    """The nonlinearities a check runs, checked: a tuple of "tanh", "relu", "leaky_relu"."""
    names = (names,) if isinstance(names, str) else tuple(names)
    bad = [n for n in names if n not in NONLINEARITIES]
    if bad or not names:
        raise ValueError(f"{where}: nonlinearities should name some of {NONLINEARITIES}, got "
                         f"{names!r}. Pass the ones the notebook has met, e.g. ('tanh', 'relu').")
    return names


def act(a, nonlinearity, slope=LEAKY_SLOPE):
    if nonlinearity == "tanh":
        return np.tanh(a)
    if nonlinearity == "relu":
        return np.maximum(a, 0.0)
    return np.where(a > 0, a, slope * a)


def act_grad(h, nonlinearity):
    """d act / da written with the output h = act(a)."""
    if nonlinearity == "tanh":
        return 1.0 - h * h
    if nonlinearity == "relu":
        return (h > 0).astype(float)
    return np.where(h > 0, 1.0, LEAKY_SLOPE)


def rnn_data(seed, N, T, F=3, H=4):
    """x (N, T, F), h0 (N, H), Wx (F, H), Wh (H, H), b (H,): values that keep tanh away from
    saturation, and biases of alternating sign so that relu has active and inactive units at
    every step: then every mistake changes the numbers."""
    rng = np.random.default_rng(seed)
    b = np.where(np.arange(H) % 2 == 0, 1.0, -1.0) + rng.normal(0, 0.2, H)
    return (rng.normal(size=(N, T, F)), rng.normal(0, 0.5, (N, H)), rng.normal(0, 0.5, (F, H)),
            rng.normal(0, 0.4, (H, H)), b)


# --- forward: one step and the loop ---------------------------------------------------------

def step_mistakes(nonlinearity):
    """(message, step function (x, h_prev, Wx, Wh, b) -> h_next) for the classic wrong steps."""
    nl = nonlinearity
    out = [
        ("uses h_prev @ Wh.T; in this course's layout h_next = act(x @ Wx + h_prev @ Wh + b), "
         "with Wh not transposed.", lambda x, h, Wx, Wh, b: act(x @ Wx + h @ Wh.T + b, nl)),
        ("the bias b is missing: h_next = act(x @ Wx + h_prev @ Wh + b).",
         lambda x, h, Wx, Wh, b: act(x @ Wx + h @ Wh, nl)),
        ("h_prev is ignored: the new state depends on the previous one through h_prev @ Wh.",
         lambda x, h, Wx, Wh, b: act(x @ Wx + b, nl)),
        ("no nonlinearity is applied: h_next = act(a), with a = x @ Wx + h_prev @ Wh + b.",
         lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b),
    ]
    for other in NONLINEARITIES:
        if other != nl:
            out.append((f"applies {other} although nonlinearity={nl!r}: choose the function by "
                        f"the nonlinearity argument.",
                        lambda x, h, Wx, Wh, b, o=other: act(x @ Wx + h @ Wh + b, o)))
    if nl == "leaky_relu":
        for s in (0.1, 0.2, 0.3):
            out.append((f"leaky_relu uses slope {s} for negative inputs; this course (like torch) "
                        f"uses 0.01.", lambda x, h, Wx, Wh, b, s=s: act(x @ Wx + h @ Wh + b, nl, s)))
    return out


def rnn_loop(x, h0, Wx, Wh, b, nonlinearity, step=None, lengths=None, pad="carry",
             update=True, store_before=False, stop=None):
    """h (N, T, H) of the loop h_t = step(x_t, h_{t-1}), with switches for its wrong versions:

    step          a wrong step function from step_mistakes (None: the right one)
    lengths, pad  padding (t >= lengths[n]): "carry" h_{t-1} (right), "zero", or "compute" it
    update=False  h_prev never moves on from h0
    store_before  h[:, t] holds the state before step t
    stop          the loop stops before this t, leaving zeros after
    """
    if step is None:
        def step(x_t, h, Wx, Wh, b):
            return act(x_t @ Wx + h @ Wh + b, nonlinearity)
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    h_prev = h0
    for t in range(T if stop is None else stop):
        h_t = step(x[:, t], h_prev, Wx, Wh, b)
        if lengths is not None and pad != "compute":
            real = (t < np.asarray(lengths))[:, None]
            h_t = np.where(real, h_t, h_prev if pad == "carry" else 0.0)
        h[:, t] = h_prev if store_before else h_t
        if update:
            h_prev = h_t
    return h


def forward_mistakes(x, h0, Wx, Wh, b, nonlinearity, lengths=None):
    """(message, h) of the classic wrong rnn_forward loops (and wrong steps inside the loop)."""
    def loop(**kw):
        return rnn_loop(x, h0, Wx, Wh, b, nonlinearity, lengths=lengths, **kw)
    out = [("h is right at t = 0 and wrong after: is h_prev updated inside the loop?", loop(update=False)),
           ("h0 is ignored: the loop should start from h_prev = h0, not from zeros.",
            rnn_loop(x, np.zeros_like(h0), Wx, Wh, b, nonlinearity, lengths=lengths)),
           ("h[:, t] holds the state before step t (h[:, 0] is h0): store each new state after "
            "computing it.", loop(store_before=True)),
           ("h is zero at the last step, t = T-1: the loop should run for every step, "
            "range(T) gives t = 0 .. T-1.", loop(stop=x.shape[1] - 1))]
    return out + [(message, loop(step=step)) for message, step in step_mistakes(nonlinearity)]


# --- backward through time ------------------------------------------------------------------

def bptt(x, h0, Wx, Wh, b, h, nonlinearity, dh, steps=None, carry=True, add_dh=True,
         dgrad=None, back_through=None, dWh_with="h_prev", overwrite=False, dh0="right",
         local_dgrad=False, h_before_0="h0"):
    """(dx, dh0, dWx, dWh, db) of backpropagation through time, with switches for its wrong versions:

    steps          the t visited, from last to first (None: all T)
    carry=False    the gradient from t+1 is dropped;  add_dh=False: only dh[:, T-1] is used
    dgrad          act'(a) to use (None: the right one, from h)
    back_through   the matrix the gradient goes back through to h_{t-1} (None: Wh.T)
    dWh_with       "h_prev" (right), "h_t", or "transposed"
    overwrite      the weight gradients keep only the last step visited
    dh0            "right", "zeros", or "at_h_0" (the gradient at h[:, 0] instead of at h0)
    local_dgrad    act'(a_t) multiplies dh[:, t] only, not the gradient from t+1
    h_before_0     "h0" (right) or "zeros": the state dWh multiplies at t = 0
    """
    N, T, H = h.shape
    dgrad = act_grad(h, nonlinearity) if dgrad is None else dgrad
    back = Wh.T if back_through is None else back_through
    first = h0 if h_before_0 == "h0" else np.zeros_like(h0)
    h_prev = np.concatenate([first[:, None], h[:, :-1]], axis=1)
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_from_next, dh_at_0 = np.zeros_like(h0), np.zeros_like(h0)
    for t in (reversed(range(T)) if steps is None else steps):
        dh_t = (dh[:, t] if add_dh or t == T - 1 else 0.0) + (dh_from_next if carry else 0.0)
        da = dh[:, t] * dgrad[:, t] + dh_from_next if local_dgrad else dh_t * dgrad[:, t]
        dx[:, t] = da @ Wx.T
        hp = {"h_prev": h_prev[:, t], "h_t": h[:, t]}.get(dWh_with)
        grads = (x[:, t].T @ da, hp.T @ da if hp is not None else da.T @ h_prev[:, t], da.sum(axis=0))
        if overwrite:
            dWx, dWh, db = grads
        else:
            dWx, dWh, db = dWx + grads[0], dWh + grads[1], db + grads[2]
        dh_from_next = da @ back
        if t == 0:
            dh_at_0 = dh_t
    d0 = {"right": dh_from_next, "zeros": np.zeros_like(h0), "at_h_0": dh_at_0}[dh0]
    return dx, d0, dWx, dWh, db


def backward_mistakes(x, h0, Wx, Wh, b, h, nonlinearity, dh):
    """(message, (dx, dh0, dWx, dWh, db)) of the classic wrong BPTT loops, most specific first.
    Messages use {names}, {is} and {s} (filled in with the outputs they explain)."""
    T = h.shape[1]
    nl = nonlinearity

    def run(**kw):
        return bptt(x, h0, Wx, Wh, b, h, nl, dh, **kw)
    # zeros where h0 belongs gives the dWh of a loop that stops at t = 1 (h0.T @ da_0 is
    # missing from both); it comes first, and most_telling drops it when the loop is the cause
    out = [("dWh uses zeros for the state before t = 0; it is h0, the initial state the forward "
            "pass started from (the cache holds it): at t = 0, dWh += h0.T @ da_0.",
            run(h_before_0="zeros"))]
    out += [] if T == 1 else [     # with T = 1 a loop that stops early never runs: no telling which end
        ("{names} {is} off by exactly the contribution of t = 0: does the loop stop at t = 1? "
         "(reversed(range(T)) runs t = T-1 down to 0.)", run(steps=range(T - 1, 0, -1))),
        ("{names} {is} missing the contribution of t = T-1: does the loop start at T-2? "
         "(reversed(range(T)) starts at T-1.)", run(steps=range(T - 2, -1, -1)))]
    out += [
        ("{names} ignore{s} the gradient arriving from t+1: at step t the gradient at h_t is "
         "dh[:, t] + dh_from_next, with dh_from_next coming back from step t+1.", run(carry=False)),
        ("{names} use{s} only dh[:, T-1]: at every step add dh[:, t], the gradient from the "
         "output at t, to dh_from_next.", run(add_dh=False)),
        ("the activation derivative is missing: da_t = (dh[:, t] + dh_from_next) * act'(a_t), "
         f"with {DERIVATIVE[nl]}.", run(dgrad=np.ones_like(h))),
        ("the activation derivative multiplies only dh[:, t]; it applies to the whole gradient at "
         "h_t: da_t = (dh[:, t] + dh_from_next) * act'(a_t).", run(local_dgrad=True)),
    ]
    for other in NONLINEARITIES:
        if other != nl:
            out.append((f"uses {other}'s derivative although the nonlinearity is {nl!r}: "
                        f"{DERIVATIVE[nl]}.", run(dgrad=act_grad(h, other))))
    if nl == "tanh":
        h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        for a in (x @ Wx + h_prev @ Wh + b, x @ Wx + h_prev @ Wh):
            out.append(("tanh's derivative is computed from the pre-activation: tanh'(a) = "
                        "1 - tanh(a)**2 = 1 - h**2, not 1 - a**2.", run(dgrad=1.0 - a * a)))
    out += [
        ("the gradient to h_{t-1} goes back through Wh where it needs Wh.T: h_t depends on "
         "h_{t-1} @ Wh, so the gradient to h_{t-1} is da_t @ Wh.T.", run(back_through=Wh)),
        ("dWh uses h_t; it should use h_{t-1} (h0 at t = 0), the state multiplied by Wh at step t.",
         run(dWh_with="h_t")),
        ("dWh is transposed: dWh = sum over t of h_{t-1}.T @ da_t.", run(dWh_with="transposed")),
        ("{names} hold{s} only one step's contribution: the weights are shared by every step, so "
         "add each step's gradient (dWx += ...) instead of overwriting it.", run(overwrite=True)),
        ("dh0 is all zeros: return the gradient that leaves step 0, dh0 = da_0 @ Wh.T.", run(dh0="zeros")),
        ("dh0 is the gradient at h[:, 0], the first state computed; it goes one step further back, "
         "through step 0: dh0 = da_0 @ Wh.T.", run(dh0="at_h_0")),
    ]
    N = x.shape[0]
    if N > 1:
        right = run()
        out.append((f"{{names}} {{is}} divided by the batch size N = {N}: gradients add up over "
                    f"the batch (the loss already holds any 1/N).",
                    (None, None) + tuple(g / N for g in right[2:])))
    return out


def step_backward_mistakes(x, h_prev, Wx, Wh, b, h_next, nonlinearity, dh_next):
    """(message, (dx, dh_prev, dWx, dWh, db)) of the classic wrong rnn_step_backward: BPTT with T = 1."""
    nl, N = nonlinearity, x.shape[0]

    def run(**kw):
        dx, dh, dWx, dWh, db = bptt(x[:, None], h_prev, Wx, Wh, b, h_next[:, None], nl,
                                    dh_next[:, None], **kw)
        return dx[:, 0], dh, dWx, dWh, db
    h = h_next[:, None]                                        # (N, 1, H), as bptt reads it
    out = [(f"the activation derivative is missing: first da = dh_next * act'(a), with "
            f"{DERIVATIVE[nl]}.", run(dgrad=np.ones_like(h)))]
    out += [(f"uses {o}'s derivative although the nonlinearity is {nl!r}: {DERIVATIVE[nl]}.",
             run(dgrad=act_grad(h, o))) for o in NONLINEARITIES if o != nl]
    if nl == "tanh":      # the cache has no b, so a learner who rebuilds a may leave it out
        out += [("tanh's derivative is computed from the pre-activation: tanh'(a) = 1 - tanh(a)**2 "
                 "= 1 - h_next**2, not 1 - a**2.", run(dgrad=1.0 - a[:, None] ** 2))
                for a in (x @ Wx + h_prev @ Wh + b, x @ Wx + h_prev @ Wh)]
    out += [("dh_prev uses Wh where it needs Wh.T: h_next depends on h_prev @ Wh, so "
             "dh_prev = da @ Wh.T.", run(back_through=Wh)),
            ("dWh uses h_next; it should use h_prev, the state multiplied by Wh: dWh = h_prev.T @ da.",
             run(dWh_with="h_t")),
            ("dWh is transposed: dWh = h_prev.T @ da.", run(dWh_with="transposed"))]
    if N > 1:
        right = run()
        out.append((f"{{names}} {{is}} divided by the batch size N = {N}: gradients add up over "
                    f"the batch.", (None, None) + tuple(g / N for g in right[2:])))
    return out
