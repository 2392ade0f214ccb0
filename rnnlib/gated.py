"""Gated cells as plain functions: the LSTM and the GRU, each forward with its backward below it.

The layout is functional.py's: the batch comes first and weights multiply from the right. A
gated cell computes several blocks of H units from one product, so its weights are the
blocks side by side along the last axis, in torch's order:

    LSTM   Wx (F, 4H), Wh (H, 4H), b (4H,)           blocks i, f, g, o
           i = sigmoid(a_i)  input gate     how much of the candidate g to write
           f = sigmoid(a_f)  forget gate    how much of the old cell state to keep
           g = tanh(a_g)     candidate      what to write
           o = sigmoid(a_o)  output gate    how much of the cell state to show
           with a = x @ Wx + h_prev @ Wh + b, and then
           c_next = f * c_prev + i * g,   h_next = o * tanh(c_next)

    GRU    Wx (F, 3H), Wh (H, 3H), bx, bh (3H,)      blocks r, z, n, as torch.nn.GRU
           r = sigmoid(x Wx_r + bx_r + h_prev Wh_r + bh_r)       reset gate
           z = sigmoid(x Wx_z + bx_z + h_prev Wh_z + bh_z)       update gate
           n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n))    candidate
           h_next = (1 - z) * n + z * h_prev
           The GRU keeps two biases because bh_n sits inside r * (...): it cannot be folded
           into bx_n as the LSTM's two biases can.

A forward returns ``(out, cache)`` and keeps nothing anywhere else. Each public function
checks its arguments once, at the boundary (the ``@checked_by`` line names the check, kept
at the end of this module); layers that have checked their inputs call ``fn.unchecked``.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from ._validation import checked_by
from .functional import sum_rows_by_id


def sigmoid(a, out=None):
    """sigmoid(a) = 1 / (1 + exp(-a)), computed as (1 + tanh(a / 2)) / 2.

    The two are equal; the second never overflows (exp(-a) does for a below about -709)
    and can write its result in place: out may be a itself.
    """
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1
    out *= 0.5
    return out


def _c_order(Wh, N):
    """Wh with its rows contiguous, for the products h_{t-1} @ Wh of every step, copied once
    when it is not. The layers pass Wh = weight_hh^T, a transposed view, and OpenBLAS's float32
    product (N, H) @ (H, kH) took 20 to 28% longer with that layout than with rows at N = 32 and
    64 (float64: 2 to 4%), with the same result to the bit. For one sequence (N = 1) the product
    is a matrix-vector product, where the layout changes the order of the sums (and so the last
    bits) and saves almost nothing: Wh is used as it is."""
    return np.ascontiguousarray(Wh) if N > 1 else Wh


def _blocks(a, k):
    """The k blocks of H columns of a (..., k*H), as views."""
    H = a.shape[-1] // k
    return [a[..., j * H:(j + 1) * H] for j in range(k)]


# --- the LSTM, one timestep ---------------------------------------------------------------

def _check_lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    return _lstm_args("lstm_step_forward", x, h_prev, c_prev, Wx, Wh, b, step=True)


@checked_by(_check_lstm_step)
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """c_next = f * c_prev + i * g,  h_next = o * tanh(c_next),  [i f g o] from x @ Wx + h_prev @ Wh + b

    x (N, F), h_prev (N, H), c_prev (N, H), Wx (F, 4H), Wh (H, 4H), b (4H,)
    ->  h_next (N, H), c_next (N, H), cache
    """
    a = x @ Wx + h_prev @ Wh + b                        # (N, 4H) the four pre-activations
    a_i, a_f, a_g, a_o = _blocks(a, 4)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)   # each (N, H)
    c_next = f * c_prev + i * g                         # (N, H) keep some, write some
    h_next = o * np.tanh(c_next)                        # (N, H) show some
    gates = np.concatenate([i, f, g, o], axis=1)        # (N, 4H)
    cache = (x, h_prev, c_prev, Wx, Wh, gates, c_next)
    return h_next, c_next, cache


def _check_lstm_step_backward(dh_next, dc_next, cache):
    return _lstm_backward_args("lstm_step_backward", dh_next, dc_next, cache, step=True)


@checked_by(_check_lstm_step_backward)
def lstm_step_backward(dh_next, dc_next, cache):
    """dc = dc_next + dh_next * o * tanh'(c_next);  dc_prev = dc * f;  da = [dc*g*i', dc*c_prev*f', dc*i*g', dh_next*tanh(c_next)*o']

    dh_next (N, H), dc_next (N, H): dL/dh_next and dL/dc_next (the cell state's own path).
    Returns dx (N, F), dh_prev (N, H), dc_prev (N, H), dWx (F, 4H), dWh (H, 4H), db (4H,).
    Each gate's derivative is written from its output: sigmoid' = s (1 - s), tanh' = 1 - g^2.
    """
    x, h_prev, c_prev, Wx, Wh, gates, c_next = cache
    i, f, g, o = _blocks(gates, 4)
    tanh_c = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1 - tanh_c ** 2)      # (N, H) both paths into c_next
    da = np.concatenate([dc * g * i * (1 - i),          # input gate
                         dc * c_prev * f * (1 - f),     # forget gate
                         dc * i * (1 - g ** 2),         # candidate
                         dh_next * tanh_c * o * (1 - o)],   # output gate
                        axis=1)                          # (N, 4H)
    dc_prev = dc * f                                     # the cell state's path: one product
    dx = da @ Wx.T                                       # (N, F)
    dh_prev = da @ Wh.T                                  # (N, H)
    dWx = x.T @ da                                       # (F, 4H)
    dWh = h_prev.T @ da                                  # (H, 4H)
    db = da.sum(axis=0)                                  # (4H,)
    return dx, dh_prev, dc_prev, dWx, dWh, db


# --- the LSTM, a whole sequence -----------------------------------------------------------

def _check_lstm_sequence(x, h0, c0, Wx, Wh, b):
    return _lstm_args("lstm_forward", x, h0, c0, Wx, Wh, b, step=False)


@checked_by(_check_lstm_sequence)
def lstm_forward(x, h0, c0, Wx, Wh, b):
    """lstm_step_forward for t = 0 .. T-1, starting from (h0, c0).

    x (N, T, F) or token ids (N, T), h0 (N, H), c0 (N, H), Wx (F, 4H), Wh (H, 4H), b (4H,)
    ->  h (N, T, H) every hidden state, c (N, T, H) every cell state, cache

    The plain loop it computes:

        h_prev, c_prev = h0, c0
        for t in range(T):
            h_prev, c_prev, _ = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
            h[:, t], c[:, t] = h_prev, c_prev

    Made fast as rnn_forward is: every x_t @ Wx + b in one product before the loop (a row
    look-up for token ids), time-major buffers made once, the gates computed in place, all
    four nonlinearities in one tanh over the row.
    """
    N, T = x.shape[:2]
    H = Wh.shape[0]
    xT = x.swapaxes(0, 1)                               # (T, N, F) or (T, N) ids: a view
    if x.ndim == 2:
        gT = Wx[xT]                                     # (T, N, 4H) look-up
    else:
        xT = np.ascontiguousarray(xT)
        gT = (xT.reshape(T * N, -1) @ Wx).reshape(T, N, 4 * H)
    gT += b                                             # gT[t]: a_t without h_{t-1}, then the gates
    hT = np.empty((T, N, H), gT.dtype)
    cT = np.empty((T, N, H), gT.dtype)
    # h_{t-1} @ Wh, the same array every step. Zeros, not empty: in one fresh environment a
    # float32 product written into uninitialised memory raised numpy's "invalid value" warning
    # (with a correct result); made once per call, zeros cost nothing that shows
    hWh = np.zeros((N, 4 * H), gT.dtype)
    ig = np.empty((N, H), gT.dtype)                     # i * g, the same array every step
    # All four nonlinearities in one tanh over the whole row: sigmoid(a) = (1 + tanh(a/2)) / 2,
    # so the i, f, o columns are halved before the tanh and mapped to (1 + t)/2 after it, while
    # g's columns are scaled by 1 and shifted by 0. Halving is exact, so i, f, o equal sigmoid's
    # to the bit, and a few passes over whole rows cost less than many over column blocks.
    scale = np.full(4 * H, 0.5, gT.dtype)              # (4H,) in the input's dtype: float32 stays
    scale[2 * H:3 * H] = 1
    shift = np.full(4 * H, 0.5, gT.dtype)
    shift[2 * H:3 * H] = 0
    i_s, f_s, g_s, o_s = _blocks(gT, 4)                 # (T, N, H) views: i_s[t] is i at step t
    Wh_c = _c_order(Wh, N)
    h_prev, c_prev = h0, c0
    for t in range(T):
        a = gT[t]
        a += np.matmul(h_prev, Wh_c, out=hWh)           # (N, 4H) pre-activations
        a *= scale
        np.tanh(a, out=a)
        a *= scale
        a += shift                                      # i, f, g, o
        i, f, g, o = i_s[t], f_s[t], g_s[t], o_s[t]
        c_prev = np.multiply(f, c_prev, out=cT[t])      # c_t = f c_{t-1} + i g
        c_prev += np.multiply(i, g, out=ig)
        h_prev = np.tanh(c_prev, out=hT[t])             # h_t = o tanh(c_t)
        h_prev *= o
    h, c = hT.swapaxes(0, 1), cT.swapaxes(0, 1)         # (N, T, H) views
    cache = (xT.swapaxes(0, 1), h0, c0, Wx, Wh, gT.swapaxes(0, 1), c, h)
    return h, c, cache


def _check_lstm_sequence_backward(dh, cache, dc=None):
    return _lstm_backward_args("lstm_backward", dh, dc, cache, step=False)


@checked_by(_check_lstm_sequence_backward)
def lstm_backward(dh, cache, dc=None):
    """lstm_step_backward for t = T-1 down to 0, carrying dL/dh and dL/dc to the step before.

    dh (N, T, H): the loss gradient arriving at every hidden state from above.
    dc (N, T, H) or None: gradient arriving at every cell state from outside the recurrence
    (None means zero: usually only the last one, c_n, is read by anything else).
    Returns dx (N, T, F) (None for token ids), dh0 (N, H), dc0 (N, H), dWx (F, 4H),
    dWh (H, 4H), db (4H,).

    The plain loop:

        dh_from_next, dc_from_next = 0, 0
        for t in reversed(range(T)):
            dx[:, t], dh_from_next, dc_from_next, dWx_t, dWh_t, db_t = lstm_step_backward(
                dh[:, t] + dh_from_next, dc[:, t] + dc_from_next, step_caches[t])
            dWx += dWx_t;  dWh += dWh_t;  db += db_t
        dh0, dc0 = dh_from_next, dc_from_next

    As in rnn_backward, only the recursion is sequential: the loop stores every step's
    pre-activation gradient da_t, and dx and the weight gradients are products after it.
    Inside the loop every gate's derivative comes from the gates in one pass over the row,
    and every intermediate goes into an array made once, before the loop.
    """
    x, h0, c0, Wx, Wh, gates, c, h = cache
    N, T, H = h.shape
    gT, cT, hT, dhT = (a.swapaxes(0, 1) for a in (gates, c, h, dh))   # time-major views
    dcT = None if dc is None else dc.swapaxes(0, 1)
    daT = np.empty_like(gT)                             # (T, N, 4H) da_t for every step
    dh_next = np.zeros_like(h0)                         # dL/dh_t arriving from step t+1
    dc_next = np.zeros_like(c0)                         # dL/dc_t arriving from step t+1
    # Scratch arrays made once, so that no step allocates.
    tanh_c, dh_tanh_c, tmp = (np.empty_like(h0) for _ in range(3))   # (N, H) each
    gates_shifted = np.empty((N, 4 * H), h.dtype)
    # (1 - G)(G + shift) is every gate's derivative in one pass over the row: s (1 - s) for the
    # sigmoid gates i, f, o (shift 0) and (1 - g)(1 + g) = 1 - g^2 for g (shift 1).
    shift = np.zeros(4 * H, h.dtype)
    shift[2 * H:3 * H] = 1
    WhT = Wh.T
    i_s, f_s, g_s, o_s = _blocks(gT, 4)                 # (T, N, H) views, as in the forward
    da_is, da_fs, da_gs, da_os = _blocks(daT, 4)
    da_ifg = daT.reshape(T, N, 4, H)[:, :, :3]          # (T, N, 3, H) the blocks that reach c_t
    dc_col = dc_next[:, None]                           # (N, 1, H) a view: dc_next, broadcast
    for t in reversed(range(T)):
        G = gT[t]                                       # (N, 4H) i, f, g, o
        i, f, g, o = i_s[t], f_s[t], g_s[t], o_s[t]
        c_prev = cT[t - 1] if t > 0 else c0
        dh_next += dhT[t]                               # dL/dh_t
        if dcT is not None:
            dc_next += dcT[t]
        da = daT[t]                                     # (N, 4H)
        np.subtract(1, G, out=da)
        da *= np.add(G, shift, out=gates_shifted)       # the gates' derivatives
        da_i, da_f, da_g, da_o = da_is[t], da_fs[t], da_gs[t], da_os[t]
        np.tanh(cT[t], out=tanh_c)
        np.multiply(dh_next, tanh_c, out=dh_tanh_c)     # dL/do_t = dh_t tanh(c_t)
        da_o *= dh_tanh_c
        # dL/dc_t = dc_next + dh_t o (1 - tanh(c_t)^2), with dh_t tanh(c_t) reused
        np.multiply(dh_tanh_c, tanh_c, out=tmp)
        np.subtract(dh_next, tmp, out=tmp)
        tmp *= o
        dc_next += tmp                                  # dL/dc_t, both paths
        da_ifg[t] *= dc_col                             # i, f, g reach the loss through c_t
        da_i *= g                                       # dc_t/di = g
        da_f *= c_prev                                  # dc_t/df = c_{t-1}
        da_g *= i                                       # dc_t/dg = i
        dc_next *= f                                    # dL/dc_{t-1}: through the forget gate
        np.matmul(da, WhT, out=dh_next)                 # dL/dh_{t-1}

    da = daT.reshape(T * N, 4 * H)
    dWh = h0.T @ daT[0] + hT[:-1].reshape(-1, H).T @ daT[1:].reshape(-1, 4 * H)
    db = da.sum(axis=0)
    dx, dWx = _input_grads(x, da, Wx)
    return dx, dh_next, dc_next, dWx, dWh, db


# --- the GRU, one timestep ----------------------------------------------------------------

def _check_gru_step(x, h_prev, Wx, Wh, bx, bh):
    return _gru_args("gru_step_forward", x, h_prev, Wx, Wh, bx, bh, step=True)


@checked_by(_check_gru_step)
def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """h_next = (1 - z) * n + z * h_prev,  n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n))

    x (N, F), h_prev (N, H), Wx (F, 3H), Wh (H, 3H), bx (3H,), bh (3H,)  ->  h_next (N, H), cache
    """
    ax_r, ax_z, ax_n = _blocks(x @ Wx + bx, 3)          # (N, H) each: the input's part
    ah_r, ah_z, ah_n = _blocks(h_prev @ Wh + bh, 3)     # (N, H) each: the state's part
    r = sigmoid(ax_r + ah_r)                            # reset gate
    z = sigmoid(ax_z + ah_z)                            # update gate
    n = np.tanh(ax_n + r * ah_n)                        # candidate: r scales the state's part
    h_next = (1 - z) * n + z * h_prev                   # z = 1 keeps the old state
    cache = (x, h_prev, Wx, Wh, np.concatenate([r, z, n], axis=1), ah_n)
    return h_next, cache


def _check_gru_step_backward(dh_next, cache):
    return _gru_backward_args("gru_step_backward", dh_next, cache, step=True)


@checked_by(_check_gru_step_backward)
def gru_step_backward(dh_next, cache):
    """dn = dh_next (1 - z);  dz = dh_next (h_prev - n);  dh_prev = dh_next z + [da_r, da_z, da_n r] Wh^T

    dh_next (N, H)  ->  dx (N, F), dh_prev (N, H), dWx (F, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,)
    The input's part and the state's part get the same gradient except in the n block,
    where the state's part is scaled by r.
    """
    x, h_prev, Wx, Wh, gates, ah_n = cache
    r, z, n = _blocks(gates, 3)
    da_n = dh_next * (1 - z) * (1 - n ** 2)             # (N, H) at n's pre-activation
    da_z = dh_next * (h_prev - n) * z * (1 - z)
    da_r = da_n * ah_n * r * (1 - r)
    dax = np.concatenate([da_r, da_z, da_n], axis=1)    # (N, 3H) at x Wx + bx
    dah = np.concatenate([da_r, da_z, da_n * r], axis=1)    # (N, 3H) at h_prev Wh + bh
    dx = dax @ Wx.T                                     # (N, F)
    dh_prev = dh_next * z + dah @ Wh.T                  # (N, H) the direct path and the gates'
    dWx = x.T @ dax                                     # (F, 3H)
    dWh = h_prev.T @ dah                                # (H, 3H)
    return dx, dh_prev, dWx, dWh, dax.sum(axis=0), dah.sum(axis=0)


# --- the GRU, a whole sequence ------------------------------------------------------------

def _check_gru_sequence(x, h0, Wx, Wh, bx, bh):
    return _gru_args("gru_forward", x, h0, Wx, Wh, bx, bh, step=False)


@checked_by(_check_gru_sequence)
def gru_forward(x, h0, Wx, Wh, bx, bh):
    """gru_step_forward for t = 0 .. T-1, starting from h0.

    x (N, T, F) or token ids (N, T), h0 (N, H), Wx (F, 3H), Wh (H, 3H), bx, bh (3H,)
    ->  h (N, T, H), cache

    The plain loop it computes:

        h_prev = h0
        for t in range(T):
            h_prev, _ = gru_step_forward(x[:, t], h_prev, Wx, Wh, bx, bh)
            h[:, t] = h_prev

    Made fast as rnn_forward is: every x_t @ Wx + bx in one product before the loop (a row
    look-up for token ids), time-major buffers made once.
    """
    N, T = x.shape[:2]
    H = Wh.shape[0]
    xT = x.swapaxes(0, 1)
    if x.ndim == 2:
        gT = Wx[xT]                                     # (T, N, 3H) look-up
    else:
        xT = np.ascontiguousarray(xT)
        gT = (xT.reshape(T * N, -1) @ Wx).reshape(T, N, 3 * H)
    # bh's r and z parts sit outside r * (...) as bx does, so they join bx here, once;
    # only bh_n is added inside the loop.
    b = bx.copy()
    b[:2 * H] += bh[:2 * H]
    gT += b                                             # gT[t]: x_t Wx + the biases, then [r, z, n]
    bh_n = bh[2 * H:]
    hT = np.empty((T, N, H), gT.dtype)
    ahnT = np.empty((T, N, H), gT.dtype)                # h_{t-1} Wh_n + bh_n, for backward
    hWh = np.zeros((N, 3 * H), gT.dtype)                # h_{t-1} @ Wh (zeros: see lstm_forward)
    r_ahn = np.empty((N, H), gT.dtype)                  # r * ah_n, the same array every step
    r_s, z_s, n_s = _blocks(gT, 3)                      # (T, N, H) views: r_s[t] is r at step t
    Wh_c = _c_order(Wh, N)
    h_prev = h0
    for t in range(T):
        np.matmul(h_prev, Wh_c, out=hWh)
        rz = gT[t, :, :2 * H]
        rz += hWh[:, :2 * H]
        sigmoid(rz, out=rz)                             # r, z
        r, z, n = r_s[t], z_s[t], n_s[t]
        ah_n = np.add(hWh[:, 2 * H:], bh_n, out=ahnT[t])
        n += np.multiply(r, ah_n, out=r_ahn)
        np.tanh(n, out=n)                               # n
        h_t = hT[t]
        np.subtract(h_prev, n, out=h_t)                 # h_t = n + z (h_{t-1} - n)
        h_t *= z
        h_t += n
        h_prev = h_t
    h = hT.swapaxes(0, 1)
    cache = (xT.swapaxes(0, 1), h0, Wx, Wh, gT.swapaxes(0, 1), ahnT.swapaxes(0, 1), h)
    return h, cache


def _check_gru_sequence_backward(dh, cache):
    return _gru_backward_args("gru_backward", dh, cache, step=False)


@checked_by(_check_gru_sequence_backward)
def gru_backward(dh, cache):
    """gru_step_backward for t = T-1 down to 0, carrying dL/dh to the step before.

    dh (N, T, H)  ->  dx (N, T, F) (None for token ids), dh0 (N, H), dWx (F, 3H),
    dWh (H, 3H), dbx (3H,), dbh (3H,)

    The plain loop:

        dh_from_next = 0
        for t in reversed(range(T)):
            dx[:, t], dh_from_next, dWx_t, dWh_t, dbx_t, dbh_t = gru_step_backward(
                dh[:, t] + dh_from_next, step_caches[t])
            dWx += dWx_t;  dWh += dWh_t;  dbx += dbx_t;  dbh += dbh_t
        dh0 = dh_from_next
    """
    x, h0, Wx, Wh, gates, ah_n, h = cache
    N, T, H = h.shape
    gT, ahnT, hT, dhT = (a.swapaxes(0, 1) for a in (gates, ah_n, h, dh))
    daxT = np.empty_like(gT)                            # (T, N, 3H) gradient at x_t Wx + bx
    dahT = np.empty_like(gT)                            # (T, N, 3H) gradient at h_{t-1} Wh + bh
    dh_next = np.zeros_like(h0)
    # Scratch arrays made once, so that no step allocates.
    tmp, dh_gates = np.empty_like(h0), np.empty_like(h0)    # (N, H) each
    gates_shifted = np.empty((N, 3 * H), h.dtype)
    # (1 - G)(G + shift) is every gate's derivative in one pass over the row: s (1 - s) for the
    # sigmoid gates r, z (shift 0) and (1 - n)(1 + n) = 1 - n^2 for n (shift 1).
    shift = np.zeros(3 * H, h.dtype)
    shift[2 * H:] = 1
    WhT = Wh.T
    r_s, z_s, n_s = _blocks(gT, 3)                      # (T, N, H) views, as in the forward
    da_rs, da_zs, da_ns = _blocks(daxT, 3)
    for t in reversed(range(T)):
        G = gT[t]                                       # (N, 3H) r, z, n
        r, z, n = r_s[t], z_s[t], n_s[t]
        h_prev = hT[t - 1] if t > 0 else h0
        dh_next += dhT[t]                               # dL/dh_t
        dax = daxT[t]
        np.subtract(1, G, out=dax)
        dax *= np.add(G, shift, out=gates_shifted)      # the gates' derivatives
        da_r, da_z, da_n = da_rs[t], da_zs[t], da_ns[t]
        da_n *= np.subtract(1, z, out=tmp)              # dL/dn = dh_t (1 - z)
        da_n *= dh_next
        da_z *= np.subtract(h_prev, n, out=tmp)         # dL/dz = dh_t (h_{t-1} - n)
        da_z *= dh_next
        da_r *= np.multiply(da_n, ahnT[t], out=tmp)     # dL/dr = da_n ah_n
        dah = dahT[t]
        dah[:, :2 * H] = dax[:, :2 * H]                 # the state's part: as the input's for r, z
        np.multiply(da_n, r, out=dah[:, 2 * H:])        # and scaled by r for n
        dh_next *= z                                    # the direct path h_{t-1} -> h_t
        dh_next += np.matmul(dah, WhT, out=dh_gates)    # and the path through the gates
    dax = daxT.reshape(T * N, 3 * H)
    dah = dahT.reshape(T * N, 3 * H)
    dWh = h0.T @ dahT[0] + hT[:-1].reshape(-1, H).T @ dahT[1:].reshape(-1, 3 * H)
    dx, dWx = _input_grads(x, dax, Wx)
    return dx, dh_next, dWx, dWh, dax.sum(axis=0), dah.sum(axis=0)


def _input_grads(x, da, Wx):
    """dx (N, T, F) and dWx (F, kH) from the time-major rows da (T*N, kH); dx None for ids."""
    N, T = x.shape[:2]
    xT = x.swapaxes(0, 1)
    if x.ndim == 2:                                     # ids: dWx[i] sums the da_t of every x_t = i
        return None, sum_rows_by_id(xT.reshape(-1), da, Wx.shape[0])
    dx = (da @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)
    dWx = xT.reshape(T * N, -1).T @ da
    return dx, dWx


# --- the checks run at the public boundary ----------------------------------------------

def gated_weights(Wx, Wh, biases, k, where):
    """Wx (F, k*H), Wh (H, k*H) and each bias (k*H,), for a cell of k blocks; H from Wh."""
    name = {4: "the LSTM's four blocks i, f, g, o", 3: "the GRU's three blocks r, z, n"}[k]
    Wh = v.array(Wh, [("hidden_size", None), (f"{k}*hidden_size", None)], "Wh", where)
    H = Wh.shape[0]
    if Wh.shape[1] != k * H:
        raise ValueError(f"{where}: Wh should have shape (hidden_size, {k}*hidden_size) = "
                         f"({H}, {k * H}), got {v.fmt_shape(Wh.shape)}. Its columns hold {name} "
                         f"side by side, H columns each.")
    Wx = v.array(Wx, [("input_size", None), (f"{k}*hidden_size", k * H)], "Wx", where,
                 f"Wx's columns hold {name}, H = Wh.shape[0] = {H} columns each.")
    out = []
    for bname, b in biases:
        out.append(v.array(b, [(f"{k}*hidden_size", k * H)], bname, where,
                           f"{bname} has one entry per unit of every block; a (1, {k * H}) bias "
                           f"can be passed as {bname}.ravel()."))
    return Wx, Wh, out


def _inputs(where, x, states, F, H, step, ids_ok=True):
    """x and the initial states, checked and cast to one dtype with the weights (done by caller)."""
    if step:
        x = v.array(x, [("batch", None), ("input_size", F)], "x", where,
                    "x holds one timestep of every sequence in the batch, (batch, input_size); "
                    "for a batch of one use x[None].")
    elif ids_ok and v.is_token_ids(x):
        x = v.ids(x, F, "x", where)
    else:
        x = v.array(x, [("batch", None), ("time", None), ("input_size", F)], "x", where,
                    v.sequence_or_ids_hint(x))
    out = [v.array(s, [("batch", x.shape[0]), ("hidden_size", H)], name, where)
           for name, s in states]
    return x, out


def _one_dtype(x, arrays):
    dtype = np.result_type(*arrays, *([x] if x.dtype.kind == "f" else []))
    arrays = [a.astype(dtype, copy=False) for a in arrays]
    return (x.astype(dtype, copy=False) if x.dtype.kind == "f" else x), arrays


def _lstm_args(where, x, h, c, Wx, Wh, b, step):
    Wx, Wh, (b,) = gated_weights(Wx, Wh, [("b", b)], 4, where)
    names = ("h_prev", "c_prev") if step else ("h0", "c0")
    x, (h, c) = _inputs(where, x, zip(names, (h, c)), Wx.shape[0], Wh.shape[0], step)
    x, (h, c, Wx, Wh, b) = _one_dtype(x, [h, c, Wx, Wh, b])
    return x, h, c, Wx, Wh, b


def _gru_args(where, x, h, Wx, Wh, bx, bh, step):
    Wx, Wh, (bx, bh) = gated_weights(Wx, Wh, [("bx", bx), ("bh", bh)], 3, where)
    x, (h,) = _inputs(where, x, [("h_prev" if step else "h0", h)], Wx.shape[0], Wh.shape[0], step)
    x, (h, Wx, Wh, bx, bh) = _one_dtype(x, [h, Wx, Wh, bx, bh])
    return x, h, Wx, Wh, bx, bh


# What each forward's cache holds: its length, where the output sits (N, H) or (N, T, H),
# where the gates sit (..., k*H), and k. Enough to tell the four apart, and from rnn_forward's.
_CACHES = {
    "lstm_step_forward": (7, 6, 5, 4, "lstm_step_backward"),
    "lstm_forward": (8, 7, 5, 4, "lstm_backward"),
    "gru_step_forward": (6, 1, 4, 3, "gru_step_backward"),
    "gru_forward": (7, 6, 4, 3, "gru_backward"),
}


def _cache_maker(cache):
    """The name of the forward in this module that returned cache, or None."""
    if not isinstance(cache, tuple) or not all(isinstance(a, np.ndarray) for a in cache):
        return None
    for forward, (size, out_index, gates_index, k, _) in _CACHES.items():
        if len(cache) == size:
            out, gates = cache[out_index], cache[gates_index]
            step = "_step" in forward
            if out.ndim == (2 if step else 3) and gates.shape[:-1] == out.shape[:-1] \
                    and gates.shape[-1] == k * out.shape[-1]:
                return forward
    return None


def _cache(where, cache, forward):
    """The cache is the one `forward` returned; returns the shape of its output."""
    size, out_index, *_ = _CACHES[forward]
    maker = _cache_maker(cache)
    if maker == forward:
        return cache[out_index].shape
    if maker is not None:
        raise TypeError(f"{where}: cache should be the cache that {forward} returned, got the "
                        f"cache of {maker} ({'one timestep' if '_step' in maker else 'a whole sequence'} "
                        f"of {'an LSTM' if maker.startswith('lstm') else 'a GRU'}). Pass it to "
                        f"{_CACHES[maker][4]}, or pass {where} the cache of {forward}.")
    got = (f"a tuple of {len(cache)} items" if isinstance(cache, tuple) else type(cache).__name__)
    raise TypeError(f"{where}: cache should be the cache that {forward} returned, a tuple of "
                    f"{size} arrays, got {got} that no forward of rnnlib.gated returned. Pass the "
                    f"cache of the matching forward call.")


def _grad(where, name, value, shape, step, forward):
    axes = ("batch", "hidden_size") if step else ("batch", "time", "hidden_size")
    return v.array(value, list(zip(axes, shape)), name, where,
                   f"{name} has the shape of the output of the {forward} call this cache came from.")


def _lstm_backward_args(where, dh, dc, cache, step):
    forward = "lstm_step_forward" if step else "lstm_forward"
    shape = _cache(where, cache, forward)
    if step:                    # the step cache holds c_next (N, H) at index 6
        dh = _grad(where, "dh_next", dh, shape, step, forward)
        dc = _grad(where, "dc_next", dc, shape, step, forward)
        return dh.astype(cache[6].dtype, copy=False), dc.astype(cache[6].dtype, copy=False), cache
    dh = _grad(where, "dh", dh, shape, step, forward).astype(cache[7].dtype, copy=False)
    if dc is not None:
        dc = _grad(where, "dc", dc, shape, step, forward).astype(cache[7].dtype, copy=False)
    return dh, cache, dc


def _gru_backward_args(where, dh, cache, step):
    forward = "gru_step_forward" if step else "gru_forward"
    shape = _cache(where, cache, forward)
    if step:                    # h_prev (N, H) has the shape of h_next
        dh = _grad(where, "dh_next", dh, shape, step, forward)
        return dh.astype(cache[1].dtype, copy=False), cache
    dh = _grad(where, "dh", dh, shape, step, forward)
    return dh.astype(cache[6].dtype, copy=False), cache
