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

Each public function checks its arguments once, at the boundary (the ``@checked_by`` line
names the check, kept at the end of this module), and then runs the bare maths you see.
Layers that have checked their inputs already call ``fn.unchecked`` directly.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from ._validation import checked_by
from .padding import sequence_mask

LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative_slope


# --- nonlinearities ----------------------------------------------------------------------
# Each derivative is written in terms of the activation's *output* h, so the backward pass
# only needs the hidden states it already stored: tanh' = 1 - h^2, relu' = [h > 0].

def activation(a, nonlinearity, out=None):
    """act(a) for act in tanh, relu, leaky_relu (slope 0.01 for a < 0); any other name is an error.

    out: an array to write the result into (it may be a itself), as for any numpy ufunc.
    """
    a = np.asarray(a)
    if nonlinearity == "tanh":
        return np.tanh(a, out=out)
    if nonlinearity == "relu":
        return np.maximum(a, 0, out=out)
    if nonlinearity == "leaky_relu":
        return np.maximum(a, LEAKY_SLOPE * a, out=out)      # a for a > 0, 0.01 a below
    raise v.unknown_nonlinearity(nonlinearity, "activation")


def activation_grad(h, nonlinearity):
    """d act(a) / da, from h = act(a). leaky_relu keeps the sign of a, so h > 0 iff a > 0."""
    h = np.asarray(h)
    if nonlinearity == "tanh":
        g = h * h                                       # one new array: 1 - h^2 is made in it
        return np.subtract(1, g, out=g) if g.ndim else 1 - g
    if nonlinearity == "relu":
        return (h > 0).astype(h.dtype)
    if nonlinearity == "leaky_relu":
        return np.where(h > 0, 1, LEAKY_SLOPE).astype(h.dtype)
    raise v.unknown_nonlinearity(nonlinearity, "activation_grad")


# --- one timestep -----------------------------------------------------------------------

def _check_step(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
    return _step_args("rnn_step_forward", x, h_prev, Wx, Wh, b, nonlinearity)


@checked_by(_check_step)
def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
    """h_next = act(x @ Wx + h_prev @ Wh + b)

    x (N, F), h_prev (N, H), Wx (F, H), Wh (H, H), b (H,)  ->  h_next (N, H), cache
    """
    a = x @ Wx + h_prev @ Wh + b                    # (N, H) pre-activation
    h_next = activation(a, nonlinearity)            # (N, H)
    cache = (x, h_prev, Wx, Wh, h_next, nonlinearity)
    return h_next, cache


def _check_step_backward(dh_next, cache):
    return _backward_args("rnn_step_backward", "dh_next", dh_next, cache, 6, "rnn_step_forward")


@checked_by(_check_step_backward)
def rnn_step_backward(dh_next, cache):
    """da = dh_next * act'(a);  dx = da Wx^T,  dh_prev = da Wh^T,  dWx = x^T da,  dWh = h_prev^T da,  db = sum_n da

    dh_next (N, H): dL/dh_next.  Returns dx (N, F), dh_prev (N, H), dWx (F, H), dWh (H, H), db (H,).
    """
    x, h_prev, Wx, Wh, h_next, nonlinearity = cache
    da = dh_next * activation_grad(h_next, nonlinearity)   # (N, H) gradient at the pre-activation
    dx = da @ Wx.T                                          # (N, F)
    dh_prev = da @ Wh.T                                     # (N, H)
    dWx = x.T @ da                                          # (F, H)
    dWh = h_prev.T @ da                                     # (H, H)
    db = da.sum(axis=0)                                     # (H,)
    return dx, dh_prev, dWx, dWh, db


# --- a whole sequence -------------------------------------------------------------------

def _check_sequence(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    return _sequence_args("rnn_forward", x, h0, Wx, Wh, b, nonlinearity)


@checked_by(_check_sequence)
def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    """h_t = act(x_t @ Wx + h_{t-1} @ Wh + b) for t = 0 .. T-1, starting from h_{-1} = h0.

    x (N, T, F), h0 (N, H), Wx (F, H), Wh (H, H), b (H,)  ->  h (N, T, H), cache
    x may also be token ids (N, T), whole numbers in 0 .. F-1, standing for one-hot vectors.

    This is the plain loop it computes, one step at a time:

        h_prev = h0
        for t in range(T):
            h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b, nonlinearity)
            h[:, t] = h_prev

    Three things make it fast; the numbers agree with the loop's up to round-off in the last
    digits (b is added before h_{t-1} @ Wh, not after). Notebook 03's last appendix measures them:
    - x_t @ Wx + b does not depend on the previous state, so it is done for all timesteps in
      one matrix product before the loop; only h_{t-1} @ Wh is sequential. For a one-hot
      x_t = e_i the product e_i @ Wx is row i of Wx, so token ids are looked up instead.
    - Everything is stored time-major, (T, N, ...), in buffers allocated once, so each step
      reads and writes one contiguous block: hT[t] holds x_t @ Wx + b, then a_t, then h_t.
    - The batch dimension N rides along in every product: a few sequences cost about as
      much as one, and from a few dozen on the time grows about in proportion to N.
    """
    N, T = x.shape[:2]
    H = Wh.shape[0]
    xT = x.swapaxes(0, 1)                             # (T, N, F), or (T, N) ids: a view
    if x.ndim == 2:                                   # token ids: e_i @ Wx is row i of Wx
        hT = Wx[xT]                                   # (T, N, H) a look-up, no product
    else:
        xT = np.ascontiguousarray(xT)                 # one copy, then every x_t is one block
        hT = (xT.reshape(T * N, -1) @ Wx).reshape(T, N, H)    # every x_t @ Wx in one product
    hT += b
    h_prev = h0                                       # (N, H)
    hWh = np.empty_like(h0)                           # (N, H) h_{t-1} @ Wh, the same array every step
    for t in range(T):
        np.matmul(h_prev, Wh, out=hWh)
        hT[t] += hWh                                  # a_t = x_t @ Wx + b + h_{t-1} @ Wh
        h_prev = activation(hT[t], nonlinearity, out=hT[t])   # h_t, written over a_t
    h = hT.swapaxes(0, 1)                             # (N, T, H) batch first: a view, no copy
    cache = (xT.swapaxes(0, 1), h0, Wx, Wh, h, nonlinearity)
    return h, cache


def _check_sequence_backward(dh, cache):
    return _backward_args("rnn_backward", "dh", dh, cache, 6, "rnn_forward")


@checked_by(_check_sequence_backward)
def rnn_backward(dh, cache):
    """dL/dh_t = dh[:, t] + dL/dh_{t+1} * d h_{t+1}/d h_t, walked from t = T-1 down to 0.

    dh (N, T, H): the loss gradient arriving at every hidden state from above (the output).
    Returns dx (N, T, F), dh0 (N, H), dWx (F, H), dWh (H, H), db (H,).
    When x was token ids, dx is None: ids have no gradient.

    The plain loop, one step at a time (step_caches from the forward loop):

        dh_from_next = 0
        for t in reversed(range(T)):
            dx[:, t], dh_from_next, dWx_t, dWh_t, db_t = rnn_step_backward(
                dh[:, t] + dh_from_next, step_caches[t])
            dWx += dWx_t;  dWh += dWh_t;  db += db_t      # shared weights: gradients add up
        dh0 = dh_from_next

    Only the recursion through dh_from_next is sequential. It stores the pre-activation
    gradient da_t of every step, and dx and the weight gradients are then computed after the
    loop from all T*N rows at once (matrix products; a sum for db), e.g.
    dWx = sum_t x_t^T da_t = xT.reshape(T*N, F).T @ da, where xT and da both hold the steps
    time-major, one row per (t, n) in the same order.
    """
    x, h0, Wx, Wh, h, nonlinearity = cache
    N, T, H = h.shape
    hT, dhT = h.swapaxes(0, 1), dh.swapaxes(0, 1)     # (T, N, H) time-major views
    daT = activation_grad(hT, nonlinearity)           # (T, N, H) act'(a_t); becomes da_t below
    dh_from_next = np.zeros_like(h0)                  # (N, H) dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        dh_from_next += dhT[t]                        # dL/dh_t = dh[:, t] + from step t+1
        daT[t] *= dh_from_next                        # da_t = dL/dh_t * act'(a_t), in place
        np.matmul(daT[t], Wh.T, out=dh_from_next)     # dL/dh_{t-1} = da_t @ Wh^T

    da = daT.reshape(T * N, H)                        # one row per (t, n)
    dWh = h0.T @ daT[0] + hT[:-1].reshape(-1, H).T @ daT[1:].reshape(-1, H)   # h_{t-1}^T da_t
    db = da.sum(axis=0)                                                        # (H,)
    xT = x.swapaxes(0, 1)                             # (T, N, F) or (T, N) ids
    if x.ndim == 2:                                   # ids: dWx[i] adds the da_t of every x_t = i
        dx, dWx = None, sum_rows_by_id(xT.reshape(-1), da, Wx.shape[0])
    else:
        dx = (da @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)                      # (N, T, F)
        dWx = xT.reshape(T * N, -1).T @ da                                     # (F, H)
    return dx, dh_from_next, dWx, dWh, db


def sum_rows_by_id(ids, rows, size):
    """out[i] = the sum of rows[k] over every k with ids[k] == i:  ids (M,), rows (M, H) -> (size, H).

    It is one_hot(ids, size).T @ rows without the one-hot matrix: the backward of the
    look-up W[ids]. np.add.at(out, ids, rows) says the same in one line but is several times
    slower; sorting the ids makes the rows of each id one run, summed by np.add.reduceat.
    """
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.diff(sorted_ids, prepend=-1))    # where each id's run begins
    out = np.zeros((size, rows.shape[1]), rows.dtype)
    out[sorted_ids[starts]] = np.add.reduceat(rows[order], starts)
    return out


# --- a padded batch: sequences of different lengths -------------------------------------

def _check_padded(x, h0, Wx, Wh, b, lengths, nonlinearity="tanh"):
    x, h0, Wx, Wh, b, nonlinearity = _sequence_args("rnn_forward_padded", x, h0, Wx, Wh, b,
                                                    nonlinearity, ids_ok=False)
    N, T, _ = x.shape
    lengths = v.lengths(lengths, N, T, "rnn_forward_padded")
    return x, h0, Wx, Wh, b, lengths, nonlinearity


@checked_by(_check_padded)
def rnn_forward_padded(x, h0, Wx, Wh, b, lengths, nonlinearity="tanh"):
    """h_t = act(x_t @ Wx + h_{t-1} @ Wh + b) on real steps (t < lengths[n]); h_t = h_{t-1} on padding.

    x (N, T, F) padded, h0 (N, H), lengths (N,) ints in 1..T  ->  h (N, T, H), cache

    On padding the state is carried unchanged, so h[:, -1] is every sequence's state after
    its own last real step, and what a padded step holds never reaches the state.
    """
    N, T, F = x.shape
    mask = sequence_mask.unchecked(lengths, T)[..., None]   # (N, T, 1) True on real steps
    xw = x @ Wx + b                                   # (N, T, H)
    h = np.empty(xw.shape, dtype=np.result_type(xw, h0, Wh))
    h_prev = h0
    for t in range(T):
        h_new = activation(xw[:, t] + h_prev @ Wh, nonlinearity)    # (N, H)
        h_prev = np.where(mask[:, t], h_new, h_prev)                # padding: keep the old state
        h[:, t] = h_prev
    cache = (x, h0, Wx, Wh, h, nonlinearity, mask)
    return h, cache


def _check_padded_backward(dh, cache):
    return _backward_args("rnn_backward_padded", "dh", dh, cache, 7, "rnn_forward_padded")


@checked_by(_check_padded_backward)
def rnn_backward_padded(dh, cache):
    """rnn_backward, where a padded step passes its gradient straight to the step before it.

    dh (N, T, H)  ->  dx (N, T, F), dh0 (N, H), dWx (F, H), dWh (H, H), db (H,)
    On padding h_t = h_{t-1}, so dL/dh_{t-1} receives dL/dh_t unchanged and the weights get
    nothing from that step (da_t = 0).
    """
    x, h0, Wx, Wh, h, nonlinearity, mask = cache
    N, T, H = h.shape
    F = x.shape[2]
    da = np.empty_like(h)                             # (N, T, H)
    act_grad = activation_grad(h, nonlinearity)       # (N, T, H)
    dh_from_next = np.zeros_like(h[:, 0])             # (N, H)
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_from_next
        da[:, t] = np.where(mask[:, t], dh_t * act_grad[:, t], 0)
        dh_from_next = da[:, t] @ Wh.T + np.where(mask[:, t], 0, dh_t)

    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)     # (N, T, H)
    dx = da @ Wx.T                                                  # (N, T, F)
    dWx = x.reshape(N * T, F).T @ da.reshape(N * T, H)              # (F, H)
    dWh = h_prev.reshape(N * T, H).T @ da.reshape(N * T, H)         # (H, H)
    db = da.sum(axis=(0, 1))                                        # (H,)
    return dx, dh_from_next, dWx, dWh, db


def _check_reverse(x, lengths=None):
    where = "reverse_padded"
    x = np.asarray(x)                                 # any dtype: ids reverse as well as floats
    if x.ndim < 2 or 0 in x.shape[:2]:
        raise ValueError(f"{where}: x should have shape (batch, time, ...), got {v.fmt_shape(x.shape)}. "
                         f"{v.sequence_hint(x) or 'Give it at least a batch and a time axis.'}")
    if lengths is not None:
        lengths = v.lengths(lengths, x.shape[0], x.shape[1], where)
    return x, lengths


@checked_by(_check_reverse)
def reverse_padded(x, lengths=None):
    """Reverse each sequence in time within its own length; padding stays where it is.

    x (N, T, ...) -> (N, T, ...).  Without lengths this is x[:, ::-1]. With lengths,
    out[n, t] = x[n, lengths[n] - 1 - t] for t < lengths[n], so a backward-running RNN starts
    at each sequence's last real step, as torch's packed sequences and Keras' go_backwards
    with a mask do. Applying it twice gives x back.
    """
    if lengths is None:
        return x[:, ::-1]
    N, T = x.shape[:2]
    t = np.arange(T)[None, :]
    L = lengths[:, None]
    src = np.where(t < L, L - 1 - t, t)               # (N, T) which step each output step reads
    return x[np.arange(N)[:, None], src]


# --- the checks run at the public boundary ----------------------------------------------

def _step_args(where, x, h_prev, Wx, Wh, b, nonlinearity):
    Wx, Wh, b = v.rnn_weights(Wx, Wh, b, where)
    F, H = Wx.shape
    x = v.array(x, [("batch", None), ("input_size", F)], "x", where,
                "x holds one timestep of every sequence in the batch, (batch, input_size); "
                "for a batch of one use x[None].")
    h_prev = v.array(h_prev, [("batch", x.shape[0]), ("hidden_size", H)], "h_prev", where)
    return x, h_prev, Wx, Wh, b, v.nonlinearity(nonlinearity, where)


def _sequence_args(where, x, h0, Wx, Wh, b, nonlinearity, ids_ok=True):
    Wx, Wh, b = v.rnn_weights(Wx, Wh, b, where)
    F, H = Wx.shape
    if ids_ok and v.is_token_ids(x):                  # token ids (N, T)
        x = v.ids(x, F, "x", where)
    else:
        x = v.array(x, [("batch", None), ("time", None), ("input_size", F)], "x", where,
                    v.sequence_or_ids_hint(x) if ids_ok else v.sequence_hint(x))
    h0 = v.array(h0, [("batch", x.shape[0]), ("hidden_size", H)], "h0", where)
    # one dtype for every array (float32 stays float32 only when everything is float32)
    dtype = np.result_type(h0, Wx, Wh, b, *([x] if x.dtype.kind == "f" else []))
    h0, Wx, Wh, b = (a.astype(dtype, copy=False) for a in (h0, Wx, Wh, b))
    if x.dtype.kind == "f":
        x = x.astype(dtype, copy=False)
    return x, h0, Wx, Wh, b, v.nonlinearity(nonlinearity, where)


def _backward_args(where, name, grad, cache, size, forward):
    if not isinstance(cache, tuple) or len(cache) != size:
        other = {6: "rnn_step_backward or rnn_backward", 7: "rnn_backward_padded"}.get(
            len(cache) if isinstance(cache, tuple) else None)
        hint = f" This cache looks like one for {other}." if other else ""
        raise TypeError(f"{where}: cache should be the cache that {forward} returned, a tuple of "
                        f"{size} items, got {type(cache).__name__}"
                        f"{f' of {len(cache)} items' if isinstance(cache, tuple) else ''}.{hint}")
    out = cache[4]                                    # h_next or h: the forward's output
    # the caches of rnn_step_forward and rnn_forward both have 6 items; their outputs differ
    step = forward == "rnn_step_forward"
    if not isinstance(out, np.ndarray) or out.ndim != (2 if step else 3):
        came = {2: "one timestep, as the cache of rnn_step_forward does; pass it to rnn_step_backward",
                3: "a whole sequence, as the cache of rnn_forward does; pass it to rnn_backward"}
        raise TypeError(f"{where}: cache should be the cache that {forward} returned, whose output "
                        f"is {'h_next (batch, hidden_size)' if step else 'h (batch, time, hidden_size)'}"
                        f"; this one holds an output of shape {v.fmt_shape(np.shape(out))}"
                        + (f", {came[np.ndim(out)]} instead." if np.ndim(out) in came else "."))
    axes = ("batch", "hidden_size") if step else ("batch", "time", "hidden_size")
    grad = v.array(grad, list(zip(axes, out.shape)), name, where,
                   f"{name} has the shape of the output of the {forward} call this cache came from.")
    return grad, cache
