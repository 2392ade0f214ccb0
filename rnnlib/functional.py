"""The vanilla RNN as plain functions: each forward with its backward right below it.

Layout (Keras / CS231n): weights multiply from the right and the batch comes first.

    h_t = act(x_t @ Wx + h_{t-1} @ Wh + b)

    x   (N, T, F)   N sequences, T timesteps, F input features
    h0  (N, H)      the state before the first step
    Wx  (F, H)      input-to-hidden weights
    Wh  (H, H)      hidden-to-hidden weights
    b   (H,)        bias
    h   (N, T, H)   every hidden state, h[:, t] = h_t

A forward returns ``(out, cache)``; the cache holds exactly what its backward needs, and
nothing is kept anywhere else, so forwards and backwards can be called in any order.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v

LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative_slope


# --- nonlinearities ----------------------------------------------------------------------
# Each derivative is written in terms of the activation's *output* h, so the backward pass
# only needs the hidden states it already stored: tanh' = 1 - h^2, relu' = [h > 0].

def activation(a: np.ndarray, nonlinearity: str) -> np.ndarray:
    """act(a) for act in tanh, relu, leaky_relu (slope 0.01 for a < 0)."""
    if nonlinearity == "tanh":
        return np.tanh(a)
    if nonlinearity == "relu":
        return np.maximum(a, 0.0)
    return np.where(a > 0, a, LEAKY_SLOPE * a)


def activation_grad(h: np.ndarray, nonlinearity: str) -> np.ndarray:
    """d act(a) / da, from h = act(a). leaky_relu keeps the sign of a, so h > 0 iff a > 0."""
    if nonlinearity == "tanh":
        return 1.0 - h * h
    if nonlinearity == "relu":
        return (h > 0).astype(h.dtype)
    return np.where(h > 0, 1.0, LEAKY_SLOPE).astype(h.dtype)


# --- one timestep -----------------------------------------------------------------------

def _check_weights(Wx, Wh, b, where):
    Wx = v.array(Wx, [("input_size", None), ("hidden_size", None)], "Wx", where)
    F, H = Wx.shape
    Wh = v.array(Wh, [("hidden_size", H), ("hidden_size", H)], "Wh", where,
                 "Wh maps a hidden state to the next one, so it is square (H, H) with H = Wx.shape[1].")
    b = v.array(b, [("hidden_size", H)], "b", where,
                "b has one entry per hidden unit; a (1, H) bias can be passed as b.ravel().")
    return Wx, Wh, b


def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
    """h_next = act(x @ Wx + h_prev @ Wh + b)

    x (N, F), h_prev (N, H), Wx (F, H), Wh (H, H), b (H,)  ->  h_next (N, H), cache
    """
    where = "rnn_step_forward"
    Wx, Wh, b = _check_weights(Wx, Wh, b, where)
    F, H = Wx.shape
    x = v.array(x, [("batch", None), ("input_size", F)], "x", where,
                "x holds one timestep of every sequence in the batch, (batch, input_size); "
                "for a batch of one use x[None].")
    h_prev = v.array(h_prev, [("batch", x.shape[0]), ("hidden_size", H)], "h_prev", where)
    v.nonlinearity(nonlinearity, where)

    h_next = activation(x @ Wx + h_prev @ Wh + b, nonlinearity)  # (N, H)
    return h_next, (x, h_prev, Wx, Wh, h_next, nonlinearity)


def rnn_step_backward(dh_next, cache):
    """da = dh_next * act'(a);  dx = da Wx^T,  dh_prev = da Wh^T,  dWx = x^T da,  dWh = h_prev^T da,  db = sum_n da

    dh_next (N, H): dL/dh_next.  Returns dx (N, F), dh_prev (N, H), dWx (F, H), dWh (H, H), db (H,).
    """
    x, h_prev, Wx, Wh, h_next, nonlinearity = cache
    dh_next = v.array(dh_next, [("batch", h_next.shape[0]), ("hidden_size", h_next.shape[1])],
                      "dh_next", "rnn_step_backward", "dh_next has the shape of the h_next this cache came from.")

    da = dh_next * activation_grad(h_next, nonlinearity)  # (N, H) gradient at the pre-activation
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


# --- a whole sequence -------------------------------------------------------------------

def step_mask(lengths, N, T, dtype=np.float64):
    """mask[n, t] = 1.0 where t < lengths[n] (a real step), 0.0 on padding.  (N, T)"""
    if lengths is None:
        return None
    return (np.arange(T)[None, :] < np.asarray(lengths)[:, None]).astype(dtype)


def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh", *, lengths=None):
    """h_t = act(x_t @ Wx + h_{t-1} @ Wh + b) for t = 0 .. T-1, starting from h_{-1} = h0.

    x (N, T, F), h0 (N, H), Wx (F, H), Wh (H, H), b (H,)  ->  h (N, T, H), cache

    This is the plain loop it computes, one step at a time:

        h_prev = h0
        for t in range(T):
            h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b, nonlinearity)
            h[:, t] = h_prev

    The input projection x_t @ Wx + b does not depend on the previous state, so it is done
    for all timesteps in one matrix product before the loop; only h_{t-1} @ Wh is sequential.

    lengths (N,) ints, optional: sequence n is real for t < lengths[n] and padding after.
    On padding the state is carried unchanged (h_t = h_{t-1}), so h[:, -1] is always the
    state after each sequence's last real step.
    """
    where = "rnn_forward"
    Wx, Wh, b = _check_weights(Wx, Wh, b, where)
    F, H = Wx.shape
    x = v.array(x, [("batch", None), ("time", None), ("input_size", F)], "x", where, v.sequence_hint(x))
    N, T, _ = x.shape
    h0 = v.array(h0, [("batch", N), ("hidden_size", H)], "h0", where)
    v.nonlinearity(nonlinearity, where)
    mask = step_mask(v.lengths(lengths, N, T, where), N, T) if lengths is not None else None

    xw = x @ Wx + b                                   # (N, T, H) all input projections at once
    h = np.empty(xw.shape, dtype=np.result_type(xw, h0, Wh))
    h_prev = h0
    for t in range(T):
        h_t = activation(xw[:, t] + h_prev @ Wh, nonlinearity)    # (N, H)
        if mask is not None:                                      # padding: keep the old state
            m = mask[:, t, None]
            h_t = m * h_t + (1.0 - m) * h_prev
        h[:, t] = h_t
        h_prev = h_t
    return h, (x, h0, Wx, Wh, h, nonlinearity, mask)


def rnn_backward(dh, cache):
    """dL/dh_t = dh[:, t] + dL/dh_{t+1} * d h_{t+1}/d h_t, walked from t = T-1 down to 0.

    dh (N, T, H): the loss gradient arriving at every hidden state from above (the output).
    Returns dx (N, T, F), dh0 (N, H), dWx (F, H), dWh (H, H), db (H,).

    The plain loop, one step at a time (step_caches from the forward loop):

        dh_next = 0
        for t in reversed(range(T)):
            dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, step_caches[t])
            dWx += dWx_t;  dWh += dWh_t;  db += db_t      # shared weights: gradients add up
        dh0 = dh_next

    Only the recursion through dh_next is sequential. It stores the pre-activation gradient
    da_t of every step, and the weight gradients are then each one matrix product over all
    N*T steps, e.g. dWx = sum_t x_t^T da_t = x.reshape(N*T, F).T @ da.reshape(N*T, H).
    """
    x, h0, Wx, Wh, h, nonlinearity, mask = cache
    N, T, H = h.shape
    dh = v.array(dh, [("batch", N), ("time", T), ("hidden_size", H)], "dh", "rnn_backward",
                 "dh has the shape of the h this cache came from.")

    da = np.empty_like(h)                             # (N, T, H) gradient at each pre-activation
    dgrad = activation_grad(h, nonlinearity)          # (N, T, H)
    dh_next = np.zeros_like(h0, dtype=h.dtype)        # (N, H) gradient flowing back from t+1
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next                     # from the output at t, and from step t+1
        if mask is None:
            da[:, t] = dh_t * dgrad[:, t]
            dh_next = da[:, t] @ Wh.T
        else:                                         # on padding h_t = h_{t-1}: pass dh_t through
            m = mask[:, t, None]
            da[:, t] = m * dh_t * dgrad[:, t]
            dh_next = da[:, t] @ Wh.T + (1.0 - m) * dh_t

    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)     # (N, T, H) h_{t-1} for each t
    F = x.shape[2]
    dx = da @ Wx.T                                                  # (N, T, F)
    dWx = x.reshape(N * T, F).T @ da.reshape(N * T, H)              # (F, H)
    dWh = h_prev.reshape(N * T, H).T @ da.reshape(N * T, H)         # (H, H)
    db = da.sum(axis=(0, 1))                                        # (H,)
    return dx, dh_next, dWx, dWh, db


# --- reading a padded batch backwards ---------------------------------------------------

def reverse_padded(x, lengths=None):
    """Reverse each sequence in time within its own length; padding stays where it is.

    x (N, T, ...) -> (N, T, ...).  Without lengths this is x[:, ::-1]. With lengths,
    out[n, t] = x[n, lengths[n] - 1 - t] for t < lengths[n], so a backward-running RNN starts
    at each sequence's last real step, as torch's packed sequences and Keras' go_backwards
    with a mask do. Applying it twice gives x back.
    """
    where = "reverse_padded"
    x = np.asarray(x)                                 # any dtype: ids reverse as well as floats
    if x.ndim < 2 or 0 in x.shape[:2]:
        raise ValueError(f"{where}: x should have shape (batch, time, ...), got {v.fmt_shape(x.shape)}. "
                         f"{v.sequence_hint(x) or 'Give it at least a batch and a time axis.'}")
    if lengths is None:
        return x[:, ::-1]
    N, T = x.shape[:2]
    lengths = v.lengths(lengths, N, T, where)
    t = np.arange(T)[None, :]
    L = np.asarray(lengths)[:, None]
    src = np.where(t < L, L - 1 - t, t)               # (N, T) which step each output step reads
    return x[np.arange(N)[:, None], src]
