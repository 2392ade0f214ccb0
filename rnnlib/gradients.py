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

Each public function checks its arguments once, at the boundary (the ``_check_*`` function on
its ``@checked_by`` line, right above it); the function itself is the bare maths. States are
checked to be what an RNN can produce: never nan, inside [-1, 1] for tanh, >= 0 for relu.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from ._validation import checked_by
from .functional import _sequence_args, activation_grad, rnn_backward, rnn_forward, rnn_step_backward
from .gated import _cache_maker

LOSSES = ("last", "every")

# The most numbers jacobian_products returns: 10**8 float64 are 800 MB. P holds N*T*H*H.
MAX_PRODUCTS = 10**8


# --- the gradient at every hidden state -------------------------------------------------

def _check_state_gradients(dh, cache):
    where = "state_gradients"
    h = _rnn_cache(cache, where)
    dh = v.array(dh, [("batch", h.shape[0]), ("time", h.shape[1]), ("hidden_size", h.shape[2])],
                 "dh", where, "dh has the shape of the h this cache came from.")
    return dh, cache


@checked_by(_check_state_gradients)
def state_gradients(dh, cache):
    """dL/dh_t = dh[:, t] + dL/dh_{t+1} @ J_{t+1}, for t = T-1 down to 0.

    dh (N, T, H): the gradient arriving at each state from the output (as for rnn_backward).
    cache: from rnnlib.rnn_forward.  Returns (N, T, H): the TOTAL gradient at every h_t, from
    its own output and from every later step.

    rnn_backward walks exactly this recursion but only returns what the parameters need; this
    runs rnnlib.rnn_step_backward one step at a time and keeps the dh_t it passes through.
    Overflow (a huge spectral radius over many steps): if the gradient passes the float64
    range it is inf from that step back to t = 0; if the forward states already overflowed
    (relu states of inf), there is no meaningful gradient and every entry is nan.
    """
    x, h0, Wx, Wh, h, nonlinearity = cache
    N, T, H = h.shape
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
            carried = rnn_step_backward.unchecked(out[:, t], step_cache)[1]   # dL/dh_{t-1}
    return out


def _check_gradient_norms(x, h0, Wx, Wh, b, nonlinearity="tanh", loss="last", seed=0,
                          per_sequence=False):
    where = "gradient_norms"
    x, h0, Wx, Wh, b, nonlinearity = _sequence_args(where, x, h0, Wx, Wh, b, nonlinearity)
    loss = v.choice(loss, LOSSES, "loss", where)
    per_sequence = v.flag(per_sequence, "per_sequence", where)
    return x, h0, Wx, Wh, b, nonlinearity, loss, v.seed(seed, where), per_sequence


@checked_by(_check_gradient_norms)
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
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore", invalid="ignore"):              # huge radii overflow h
        h, cache = rnn_forward.unchecked(x, h0, Wx, Wh, b, nonlinearity)   # (N, T, H)
    u = rng.standard_normal(h.shape[-1])
    u /= np.linalg.norm(u)                                          # (H,) unit readout
    dh = np.zeros_like(h)
    if loss == "last":
        dh[:, -1] = u
    else:
        dh[:] = u
    # dh is d(sum_n L_n)/dh, so row n of the result is sequence n's own gradient
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(state_gradients.unchecked(dh, cache), axis=-1)  # (N, T)
        return norms if per_sequence else norms.mean(axis=0)


# --- Jacobians through time -------------------------------------------------------------

def _check_step_jacobian(h_t, Wh, nonlinearity="tanh"):
    where = "step_jacobian"
    Wh = _square(Wh, "Wh", where)
    h_t = v.as_float_array(h_t, "h_t", where)
    if h_t.ndim not in (1, 2) or h_t.shape[-1] != Wh.shape[0] or 0 in h_t.shape:
        raise ValueError(f"{where}: h_t should have shape (hidden_size={Wh.shape[0]},) or "
                         f"(batch, hidden_size={Wh.shape[0]}), got {v.fmt_shape(h_t.shape)}.")
    nonlinearity = v.nonlinearity(nonlinearity, where)
    _states(h_t, nonlinearity, "h_t", where)
    return h_t, Wh, nonlinearity


@checked_by(_check_step_jacobian)
def step_jacobian(h_t, Wh, nonlinearity="tanh"):
    """J_t = d h_t / d h_{t-1} = diag(act'(a_t)) @ Wh.T,  i.e.  J_t[i, j] = act'(a_t[i]) * Wh[j, i].

    h_t (H,) the state after the step (act' is read from it: tanh' = 1 - h_t^2), Wh (H, H).
    Returns (H, H); for a batch h_t (N, H), one Jacobian per sequence, (N, H, H).
    Row i says how unit i of h_t moves when each unit j of h_{t-1} moves.
    """
    slope = activation_grad(h_t, nonlinearity)      # (..., H) act'(a_t)
    return slope[..., :, None] * Wh.T               # diag(slope) @ Wh.T: row i of Wh.T times slope_i


def _check_jacobian_products(h, Wh, nonlinearity="tanh"):
    where = "jacobian_products"
    Wh = _square(Wh, "Wh", where)
    H = Wh.shape[0]
    h = v.as_float_array(h, "h", where)             # not check_finite: exploded relu states are inf
    if h.ndim not in (2, 3) or h.shape[-1] != H or 0 in h.shape:
        raise ValueError(f"{where}: h should have shape (time, hidden_size={H}) or (batch, time, "
                         f"hidden_size={H}), got {v.fmt_shape(h.shape)}. Pass the states of "
                         f"rnn_forward, h[0] for the first sequence.")
    nonlinearity = v.nonlinearity(nonlinearity, where)
    _states(h, nonlinearity, "h", where)
    size = h.size * H                               # N*T*H*H numbers in P
    if size > MAX_PRODUCTS:
        raise ValueError(f"{where}: h of shape {v.fmt_shape(h.shape)} asks for {size:.3g} numbers "
                         f"(N*T*H*H, {size * 8 / 1e9:.3g} GB in float64), more than the "
                         f"{MAX_PRODUCTS:.0e} this function returns. Pass one sequence (h[0]) or "
                         f"fewer steps (h[..., -100:, :] for the last 100).")
    return h, Wh, nonlinearity


@checked_by(_check_jacobian_products)
def jacobian_products(h, Wh, nonlinearity="tanh"):
    """P_t = d h_{T-1} / d h_t = J_{T-1} @ J_{T-2} @ ... @ J_{t+1}  (P_{T-1} = I), for every t.

    h (T, H) one sequence's states (or (N, T, H), a batch), Wh (H, H).
    Returns P (T, H, H) (or (N, T, H, H)) and norms (T,) (or (N, T)): ||P_t||_2, the largest
    singular value, the most any direction of h_t can be amplified on its way to h_{T-1}.
    Built from the end, P_t = P_{t+1} @ J_{t+1}: T matrix products, not T^2. P holds N*T*H*H
    numbers (6.5 MB for N=8, T=100, H=32; at most MAX_PRODUCTS), so pass one sequence for long
    runs. A product that overflows float64 gets norm inf; if h itself is not finite (relu
    states that overflowed in the forward pass), that sequence's norms are all nan.
    """
    H = Wh.shape[0]
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


def _check_spectral_radius(W, radius):
    where = "with_spectral_radius"
    W = _square(W, "W", where)
    radius = v.nonnegative_float(radius, "radius", where,
                                 "It is the largest |eigenvalue| the result will have; 0 gives "
                                 "the zero matrix.")
    return W, radius


@checked_by(_check_spectral_radius)
def with_spectral_radius(W, radius):
    """W * radius / rho(W), rho(W) = max |eigenvalue of W|: the same matrix, rescaled.

    W (H, H), radius >= 0. Scaling W scales every eigenvalue by the same factor, so the
    eigenvalues keep their directions in the complex plane and the largest moves to |radius|.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        rho = np.abs(np.linalg.eigvals(W)).max()    # the spectral radius
        out = W * (radius / rho) if 0 < rho < np.inf else None
    if rho == 0:
        raise ValueError(f"with_spectral_radius: every eigenvalue of W is 0, so no rescaling can "
                         f"give it spectral radius {radius:g}. Start from a random matrix, e.g. "
                         f"np.random.default_rng(0).standard_normal((H, H)).")
    if out is None or not np.all(np.isfinite(out)):
        raise ValueError(f"with_spectral_radius: W rescaled from spectral radius {rho:.3g} to "
                         f"radius={radius:g} overflows float64. Use a smaller radius, or a W "
                         f"whose entries are nearer 1 (W / np.abs(W).max()).")
    return out


# --- truncated backpropagation through time ---------------------------------------------

def _check_tbptt(x, h0, Wx, Wh, b, dh, k, nonlinearity="tanh"):
    where = "tbptt_gradients"
    x, h0, Wx, Wh, b, nonlinearity = _sequence_args(where, x, h0, Wx, Wh, b, nonlinearity)
    N, T = x.shape[:2]
    H = Wh.shape[0]
    dh = v.array(dh, [("batch", N), ("time", T), ("hidden_size", H)], "dh", where,
                 "dh has the shape of the states rnn_forward(x, h0, ...) returns.")
    k = v.positive_int(k, "k", where)
    return x, h0, Wx, Wh, b, dh.astype(h0.dtype, copy=False), k, nonlinearity


@checked_by(_check_tbptt)
def tbptt_gradients(x, h0, Wx, Wh, b, dh, k, nonlinearity="tanh"):
    """The gradients truncated BPTT collects over one batch, in windows of k steps.

    x (N, T, F), h0 (N, H), dh (N, T, H) the gradient from the output at every state, k >= 1.
    Returns dx (N, T, F), dh0 (N, H), dWx, dWh, db, like rnn_backward (dx is None when x
    holds token ids (N, T)). Overflow gives inf or nan, as in state_gradients.

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
    T = x.shape[1]
    dx = None if x.ndim == 2 else np.empty(x.shape, dtype=h0.dtype)   # ids have no gradient
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    h_start = h0
    with np.errstate(over="ignore", invalid="ignore"):               # huge radii overflow
        for s in range(0, T, k):
            hw, cache = rnn_forward.unchecked(x[:, s:s + k], h_start, Wx, Wh, b, nonlinearity)
            dxw, dh_start, dWxw, dWhw, dbw = rnn_backward.unchecked(dh[:, s:s + k], cache)
            if dx is not None:
                dx[:, s:s + k] = dxw
            dWx += dWxw
            dWh += dWhw
            db += dbw
            if s == 0:
                dh0 = dh_start
            h_start = hw[:, -1]      # carried into the next window; dh_start is not (the cut)
    return dx, dh0, dWx, dWh, db


# --- the checks shared by the functions above -------------------------------------------

def _square(W, name, where):
    W = v.array(W, [("hidden_size", None), ("hidden_size", None)], name, where)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{where}: {name} should be square (hidden_size, hidden_size), got "
                         f"{v.fmt_shape(W.shape)}. It maps one hidden state to the next.")
    return W


def _states(h, nonlinearity, name, where):
    """h holds states an RNN with this nonlinearity can reach: never nan, in [-1, 1] for tanh,
    >= 0 for relu (inf stays allowed for relu and leaky_relu: a forward pass that overflowed)."""
    if nonlinearity == "tanh":
        bad, why = ~(np.abs(h) <= 1), "outside [-1, 1], where tanh's outputs lie"
    elif nonlinearity == "relu":
        bad, why = ~(h >= 0), "negative, but relu's outputs are >= 0"
    else:
        bad = np.isnan(h)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        if np.isnan(h[i]):
            why = "not a number: a state is nan only when the forward pass overflowed, and then " \
                  "it has no gradient"
        raise ValueError(
            f"{where}: {name}[{', '.join(map(str, i))}] is {h[i]}, {why}. Pass the states h that "
            f"rnnlib.rnn_forward(..., nonlinearity={nonlinearity!r}) returns, not the "
            f"pre-activations a, with the nonlinearity they were made with. For a run that "
            f"overflowed, gradient_norms reports nan instead.")


def _rnn_cache(cache, where):
    """Check a cache of rnnlib.rnn_forward, (x, h0, Wx, Wh, h, nonlinearity); return its h."""
    usage = "Run h, cache = rnnlib.rnn_forward(x, h0, Wx, Wh, b) and pass that cache."
    if not isinstance(cache, tuple):
        raise TypeError(f"{where}: cache should be the cache that rnnlib.rnn_forward returned, a "
                        f"tuple (x, h0, Wx, Wh, h, nonlinearity), got {type(cache).__name__}. "
                        f"{usage}")
    maker = _cache_maker(cache)
    if maker is not None:
        cell = "an LSTM" if maker.startswith("lstm") else "a GRU"
        raise TypeError(f"{where}: cache is the cache of rnnlib.{maker}, {cell}'s, but {where} "
                        f"walks a plain RNN's recursion, dL/dh_(t-1) = dL/dh_t @ "
                        f"diag(act'(a_t)) @ Wh.T, which a gated cell does not follow. {usage}")
    if len(cache) == 7 and isinstance(cache[6], np.ndarray):
        raise ValueError(f"{where}: the cache comes from a padded batch (rnn_forward_padded, "
                         f"lengths=...); call rnn_forward without lengths, on sequences of one "
                         f"length.")
    if len(cache) != 6:
        raise TypeError(f"{where}: cache should be the cache that rnnlib.rnn_forward returned, a "
                        f"tuple of 6 items (x, h0, Wx, Wh, h, nonlinearity), got a tuple of "
                        f"{len(cache)} items. {usage}")
    x, h0, Wx, Wh, h, nonlinearity = cache
    if not all(isinstance(a, np.ndarray) for a in cache[:5]) or not isinstance(nonlinearity, str):
        raise TypeError(f"{where}: cache should be the cache that rnnlib.rnn_forward returned: "
                        f"five arrays (x, h0, Wx, Wh, h) and the nonlinearity's name; got "
                        f"({', '.join(type(a).__name__ for a in cache)}). {usage}")
    if h.ndim == 2:
        raise TypeError(f"{where}: cache is the cache of rnnlib.rnn_step_forward (one timestep, "
                        f"h_next (batch, hidden_size)); {where} needs a whole sequence's, from "
                        f"rnnlib.rnn_forward. {usage}")
    if nonlinearity not in v.NONLINEARITIES:
        raise ValueError(f"{where}: the cache's nonlinearity should be one of "
                         f"{', '.join(map(repr, v.NONLINEARITIES))}, got {nonlinearity!r}. {usage}")
    Wh = _square(Wh, "the cache's Wh", where)
    H = Wh.shape[0]
    h = v.as_float_array(h, "the cache's h", where)
    v.check_shape(h, [("batch", None), ("time", None), ("hidden_size", H)], "the cache's h", where)
    N, T = h.shape[:2]
    v.array(h0, [("batch", N), ("hidden_size", H)], "the cache's h0", where)
    Wx = v.array(Wx, [("input_size", None), ("hidden_size", H)], "the cache's Wx", where)
    if v.is_token_ids(x):
        v.check_shape(x, [("batch", N), ("time", T)], "the cache's x", where)
        v.ids(x, Wx.shape[0], "the cache's x", where)
    else:
        v.array(x, [("batch", N), ("time", T), ("input_size", Wx.shape[0])], "the cache's x", where)
    _states(h, nonlinearity, "the cache's h", where)
    return h
