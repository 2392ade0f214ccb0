"""Gradients through time: how much of a loss reaches each hidden state, and why.

Layout as everywhere in rnnlib: h_t = act(a_t), a_t = x_t @ Wx + h_{t-1} @ Wh + b, states are
row vectors, h[:, t] = h_t for t = 0 .. T-1 and h_{-1} = h0.

    state_gradients(dh, cache)            dL/dh_t at every step, from rnnlib's backward pass
    gradient_norms(x, h0, Wx, Wh, b)      ||dL/dh_t|| for every t, for a fixed O(1) loss
    step_jacobian(h_t, Wh)                J_t = d h_t / d h_{t-1} = diag(act'(a_t)) @ Wh.T
    jacobian_products(h, Wh)              d h_{T-1} / d h_t for every t, and their spectral norms
    with_spectral_radius(W, radius)       W rescaled so its largest |eigenvalue| is radius
    tbptt_gradients(x, h0, Wx, Wh, b, dh, k)   the gradients of truncated BPTT with windows of k

Why a gradient vanishes or explodes: the gradient at h_t is the gradient at h_{T-1} pushed back
through T-1-t steps, dL/dh_t = dL/dh_{T-1} @ J_{T-1} @ ... @ J_{t+1}, and each J is
diag(act'(a)) @ Wh.T. Its size is at most (max act' * ||Wh||_2) ** (T-1-t): a product of
T-1-t numbers that are each below or above 1 shrinks or grows geometrically.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _validation as v
from .functional import activation_grad, rnn_backward, rnn_forward, rnn_step_backward

LOSSES = ("last", "every")


def _square(W, name, where):
    W = v.array(W, [("hidden_size", None), ("hidden_size", None)], name, where)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{where}: {name} should be square (hidden_size, hidden_size), got "
                         f"{v.fmt_shape(W.shape)}. It maps one hidden state to the next.")
    return W


# --- the gradient at every hidden state -------------------------------------------------

def state_gradients(dh, cache):
    """dL/dh_t = dh[:, t] + dL/dh_{t+1} @ J_{t+1}, for t = T-1 down to 0.

    dh (N, T, H): the gradient arriving at each state from the output (as for rnn_backward).
    cache: from rnnlib.rnn_forward.  Returns (N, T, H): the TOTAL gradient at every h_t, from
    its own output and from every later step.

    rnn_backward walks exactly this recursion but only returns what the parameters need; this
    runs rnnlib.rnn_step_backward one step at a time and keeps the dh_t it passes through.
    Overflow (a huge spectral radius over many steps): if the gradient passes the float64
    range it is inf from that step back to t = 0; if the forward states already overflowed,
    there is no meaningful gradient and every entry is nan.
    """
    x, h0, Wx, Wh, h, nonlinearity = cache[:6]
    if len(cache) > 6 and cache[6] is not None:   # the padded (lengths=...) forward
        raise ValueError("state_gradients: the cache comes from a padded batch (lengths=...); "
                         "call rnn_forward without lengths, on sequences of one length.")
    N, T, H = h.shape
    dh = v.array(dh, [("batch", N), ("time", T), ("hidden_size", H)], "dh", "state_gradients",
                 "dh has the shape of the h this cache came from.")
    if not np.all(np.isfinite(h)):
        return np.full(h.shape, np.nan)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)       # (N, T, H) h_{t-1}
    out = np.full(h.shape, np.inf, dtype=h.dtype)
    carried = np.zeros((N, H), dtype=h.dtype)                       # dL/dh_t from step t+1
    with np.errstate(over="ignore", invalid="ignore"):
        for t in reversed(range(T)):
            out[:, t] = dh[:, t] + carried
            if not np.all(np.isfinite(out[:, t])):
                out[:, :t + 1] = np.inf                             # overflowed: stop here
                break
            step_cache = (x[:, t], h_prev[:, t], Wx, Wh, h[:, t], nonlinearity)
            carried = rnn_step_backward(out[:, t], step_cache)[1]   # dL/dh_{t-1} through step t
    return out


def gradient_norms(x, h0, Wx, Wh, b, nonlinearity="tanh", loss="last", seed=0, per_sequence=False):
    """||dL_n/dh_{n,t}|| for every step t, with L_n = sum over t' in S of h_{n,t'} @ u.

    x (N, T, F), h0 (N, H), Wx (F, H), Wh (H, H), b (H,).
    loss  "last": S = {T-1}, one loss at the end;  "every": S = all steps, a loss at each.
    u     a fixed readout: a unit vector drawn from np.random.default_rng(seed), the same at
          every step. Being a unit vector, it makes ||dL/dh_{T-1}|| = 1 exactly for
          loss="last", so every other number reads as a gain relative to the last step.
    Returns (T,): the mean over the N sequences of each sequence's own gradient norm;
    with per_sequence=True, (N, T). Overflow gives inf or nan, as in state_gradients.
    """
    where = "gradient_norms"
    loss = v.choice(loss, LOSSES, "loss", where)
    per_sequence = v.flag(per_sequence, "per_sequence", where)
    rng = np.random.default_rng(v.seed(seed, where))
    with np.errstate(over="ignore", invalid="ignore"):              # huge radii overflow h
        h, cache = rnn_forward(x, h0, Wx, Wh, b, nonlinearity)     # (N, T, H), checks inputs
    u = rng.standard_normal(h.shape[-1])
    u /= np.linalg.norm(u)                                          # (H,) unit readout
    dh = np.zeros_like(h)
    if loss == "last":
        dh[:, -1] = u
    else:
        dh[:] = u
    # dh is d(sum_n L_n)/dh, so row n of the result is sequence n's own gradient
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(state_gradients(dh, cache), axis=-1)  # (N, T)
        return norms if per_sequence else norms.mean(axis=0)


# --- Jacobians through time -------------------------------------------------------------

def step_jacobian(h_t, Wh, nonlinearity="tanh"):
    """J_t = d h_t / d h_{t-1} = diag(act'(a_t)) @ Wh.T,  i.e.  J_t[i, j] = act'(a_t[i]) * Wh[j, i].

    h_t (H,) the state after the step (act' is read from it: tanh' = 1 - h_t^2), Wh (H, H).
    Returns (H, H); for a batch h_t (N, H), one Jacobian per sequence, (N, H, H).
    Row i says how unit i of h_t moves when each unit j of h_{t-1} moves.
    """
    where = "step_jacobian"
    Wh = _square(Wh, "Wh", where)
    h_t = v.as_float_array(h_t, "h_t", where)
    if h_t.ndim not in (1, 2) or h_t.shape[-1] != Wh.shape[0] or 0 in h_t.shape:
        raise ValueError(f"{where}: h_t should have shape (hidden_size={Wh.shape[0]},) or "
                         f"(batch, hidden_size={Wh.shape[0]}), got {v.fmt_shape(h_t.shape)}.")
    v.nonlinearity(nonlinearity, where)
    slope = activation_grad(h_t, nonlinearity)      # (..., H) act'(a_t)
    return slope[..., :, None] * Wh.T               # diag(slope) @ Wh.T: row i of Wh.T times slope_i


def jacobian_products(h, Wh, nonlinearity="tanh"):
    """P_t = d h_{T-1} / d h_t = J_{T-1} @ J_{T-2} @ ... @ J_{t+1}  (P_{T-1} = I), for every t.

    h (T, H) one sequence's states (or (N, T, H), a batch), Wh (H, H).
    Returns P (T, H, H) (or (N, T, H, H)) and norms (T,) (or (N, T)): ||P_t||_2, the largest
    singular value, the most any direction of h_t can be amplified on its way to h_{T-1}.
    Built from the end, P_t = P_{t+1} @ J_{t+1}: T matrix products, not T^2. P holds N*T*H*H
    numbers (6.5 MB for N=8, T=100, H=32), so pass one sequence for long runs. A product that
    overflows float64 gets norm inf; if h itself is not finite (the forward pass overflowed),
    that sequence's norms are all nan.
    """
    where = "jacobian_products"
    Wh = _square(Wh, "Wh", where)
    H = Wh.shape[0]
    h = v.as_float_array(h, "h", where)             # not check_finite: exploded states are inf
    if h.ndim not in (2, 3) or h.shape[-1] != H or 0 in h.shape:
        raise ValueError(f"{where}: h should have shape (time, hidden_size={H}) or (batch, time, "
                         f"hidden_size={H}), got {v.fmt_shape(h.shape)}. Pass the states of "
                         f"rnn_forward, h[0] for the first sequence.")
    v.nonlinearity(nonlinearity, where)
    T = h.shape[-2]
    slope = activation_grad(h, nonlinearity)        # (..., T, H) act'(a_t) at every step
    P = np.empty(h.shape[:-1] + (H, H), dtype=np.result_type(h, Wh))
    P[..., T - 1, :, :] = np.eye(H)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T - 2, -1, -1):
            # P_{t+1} @ diag(slope_{t+1}) @ Wh.T: scaling the columns of P_{t+1} is the diag product
            P[..., t, :, :] = (P[..., t + 1, :, :] * slope[..., t + 1, None, :]) @ Wh.T
    finite = np.all(np.isfinite(P), axis=(-2, -1))
    norms = np.full(P.shape[:-2], np.inf)
    norms[finite] = np.linalg.svd(P[finite], compute_uv=False)[..., 0]
    norms[~np.all(np.isfinite(h), axis=(-2, -1))] = np.nan
    return P, norms


def with_spectral_radius(W, radius):
    """W * radius / rho(W), rho(W) = max |eigenvalue of W|: the same matrix, rescaled.

    W (H, H), radius >= 0. Scaling W scales every eigenvalue by the same factor, so the
    eigenvalues keep their directions in the complex plane and the largest moves to |radius|.
    """
    where = "with_spectral_radius"
    W = _square(W, "W", where)
    if (isinstance(radius, bool) or not isinstance(radius, numbers.Real)
            or not np.isfinite(radius) or radius < 0):
        raise ValueError(f"{where}: radius should be a finite number >= 0, got {radius!r}. It is "
                         f"the largest |eigenvalue| the result will have; 0 gives the zero matrix.")
    rho = np.abs(np.linalg.eigvals(W)).max()
    if rho == 0:
        raise ValueError(f"{where}: every eigenvalue of W is 0, so no rescaling can give it "
                         f"spectral radius {radius:g}. Start from a random matrix, e.g. "
                         f"np.random.default_rng(0).standard_normal((H, H)).")
    return W * (radius / rho)


# --- truncated backpropagation through time ---------------------------------------------

def tbptt_gradients(x, h0, Wx, Wh, b, dh, k, nonlinearity="tanh"):
    """The gradients truncated BPTT collects over one batch, in windows of k steps.

    x (N, T, F), h0 (N, H), dh (N, T, H) the gradient from the output at every state, k >= 1.
    Returns dx (N, T, F), dh0 (N, H), dWx, dWh, db, like rnn_backward.

    The forward pass runs through windows [0, k), [k, 2k), ...; each starts from the state the
    previous one ended in (the state is carried). The backward pass runs inside each window
    only: the gradient reaching a window's first state is dropped, never sent into the
    previous window (the gradient is cut). So:
      k >= T   the same numbers as rnn_backward on the whole sequence;
      k <  T   the full-BPTT gradient with every path that crosses a window boundary removed:
               the loss at step s reaches h_t, x_t and the weights used at step t only when t
               is in s's window. A dependency longer than k steps gets no gradient at all.
    dh0 is the gradient at h0 from the first window only.
    """
    where = "tbptt_gradients"
    k = v.positive_int(k, "k", where)
    h, _ = rnn_forward(x, h0, Wx, Wh, b, nonlinearity)      # checks every input once
    N, T, H = h.shape
    dh = v.array(dh, [("batch", N), ("time", T), ("hidden_size", H)], "dh", where,
                 "dh has the shape of the states rnn_forward(x, h0, ...) returns.")
    x = np.asarray(x)
    dx = np.empty(x.shape, dtype=h.dtype)
    dWx, dWh, db = (np.zeros(np.shape(w), dtype=h.dtype) for w in (Wx, Wh, b))
    h_start = np.asarray(h0)
    for s in range(0, T, k):
        hw, cache = rnn_forward(x[:, s:s + k], h_start, Wx, Wh, b, nonlinearity)
        dxw, dh_start, dWxw, dWhw, dbw = rnn_backward(dh[:, s:s + k], cache)
        dx[:, s:s + k] = dxw
        dWx += dWxw
        dWh += dWhw
        db += dbw
        if s == 0:
            dh0 = dh_start
        h_start = hw[:, -1]          # carried into the next window; dh_start is not (the cut)
    return dx, dh0, dWx, dWh, db
