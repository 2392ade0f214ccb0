"""rnnlib.gated (the LSTM and the GRU as functions) and the gated layers, on their own terms.

Every gradient against centred finite differences (rnnlib.gradcheck, float64); the sequence
functions against their plain step-by-step loops; token ids against one-hot rows; the
errors at the boundary; float32 kept float32. The numbers against torch and Keras are in
test_gated_reference.py.
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import gated
from rnnlib.finite_diff import gradcheck

N, T, F, H = 2, 4, 3, 3
TOL = 1e-6          # gradcheck's relative error of each whole array (observed: 2e-9 at most)
EXACT = dict(rtol=1e-12, atol=1e-14)


def weights(cell, rng, F=F, H=H, dtype=np.float64):
    """Wx, Wh and the bias (LSTM) or the two biases (GRU), normal with std 0.5."""
    G = {"lstm": 4, "gru": 3}[cell] * H
    shapes = [(F, G), (H, G), (G,)] + ([(G,)] if cell == "gru" else [])
    return [(0.5 * rng.standard_normal(s)).astype(dtype) for s in shapes]


def check(loss, params, grads):
    result = gradcheck(loss, params, grads)
    assert result.ok(TOL), repr(result)
    return result


# --- the LSTM, one step --------------------------------------------------------------------

@pytest.mark.parametrize("paths", ["both", "h only", "c only"])
def test_lstm_step_backward_every_gradient(paths):
    """Both upstream paths, dh_next and dc_next, and each alone: dc_next reaches c_prev
    through the forget gate (and everything else through c_next's share in h_next)."""
    rng = np.random.default_rng(1)
    x, h, c = rng.standard_normal((N, F)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = weights("lstm", rng)
    Gh = rng.standard_normal((N, H)) * (paths != "c only")
    Gc = rng.standard_normal((N, H)) * (paths != "h only")

    def loss():
        h_next, c_next, _ = gated.lstm_step_forward(x, h, c, Wx, Wh, b)
        return np.sum(h_next * Gh) + np.sum(c_next * Gc)

    _, _, cache = gated.lstm_step_forward(x, h, c, Wx, Wh, b)
    dx, dh, dc, dWx, dWh, db = gated.lstm_step_backward(Gh, Gc, cache)
    check(loss, dict(x=x, h_prev=h, c_prev=c, Wx=Wx, Wh=Wh, b=b),
          dict(x=dx, h_prev=dh, c_prev=dc, Wx=dWx, Wh=dWh, b=db))


def test_lstm_step_dc_prev_is_dc_times_f():
    """With dh_next = 0, the cell state's gradient passes through the forget gate alone."""
    rng = np.random.default_rng(2)
    x, h, c = rng.standard_normal((N, F)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = weights("lstm", rng)
    _, _, cache = gated.lstm_step_forward(x, h, c, Wx, Wh, b)
    Gc = rng.standard_normal((N, H))
    f = gated.sigmoid((x @ Wx + h @ Wh + b)[:, H:2 * H])
    _, _, dc_prev, *_ = gated.lstm_step_backward(np.zeros((N, H)), Gc, cache)
    np.testing.assert_allclose(dc_prev, Gc * f, **EXACT)


# --- the LSTM, a whole sequence ------------------------------------------------------------

@pytest.mark.parametrize("with_dc", [True, False])
def test_lstm_backward_every_gradient(with_dc):
    """dc (N, T, H) feeds every cell state from outside the recurrence; None means zeros."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((N, T, F))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = weights("lstm", rng)
    Gh = rng.standard_normal((N, T, H))
    Gc = rng.standard_normal((N, T, H)) if with_dc else None

    def loss():
        h, c, _ = gated.lstm_forward(x, h0, c0, Wx, Wh, b)
        return np.sum(h * Gh) + (np.sum(c * Gc) if with_dc else 0.0)

    _, _, cache = gated.lstm_forward(x, h0, c0, Wx, Wh, b)
    dx, dh0, dc0, dWx, dWh, db = gated.lstm_backward(Gh, cache, Gc)
    check(loss, dict(x=x, h0=h0, c0=c0, Wx=Wx, Wh=Wh, b=b),
          dict(x=dx, h0=dh0, c0=dc0, Wx=dWx, Wh=dWh, b=db))


def test_lstm_backward_dc_none_is_zeros():
    rng = np.random.default_rng(4)
    x, h0, c0 = rng.standard_normal((N, T, F)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = weights("lstm", rng)
    _, _, cache = gated.lstm_forward(x, h0, c0, Wx, Wh, b)
    dh = rng.standard_normal((N, T, H))
    for a, e in zip(gated.lstm_backward(dh, cache), gated.lstm_backward(dh, cache, np.zeros_like(dh))):
        np.testing.assert_array_equal(a, e)


def test_lstm_forward_is_the_step_loop():
    """lstm_forward and lstm_backward compute the loops their docstrings show."""
    rng = np.random.default_rng(5)
    x, h0, c0 = rng.standard_normal((N, T, F)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = weights("lstm", rng)
    h, c, cache = gated.lstm_forward(x, h0, c0, Wx, Wh, b)

    h_prev, c_prev, caches = h0, c0, []
    for t in range(T):
        h_prev, c_prev, step_cache = gated.lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        caches.append(step_cache)
        np.testing.assert_allclose(h[:, t], h_prev, **EXACT)
        np.testing.assert_allclose(c[:, t], c_prev, **EXACT)

    dh, dc = rng.standard_normal((N, T, H)), rng.standard_normal((N, T, H))
    dx, dh0, dc0, dWx, dWh, db = gated.lstm_backward(dh, cache, dc)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    for t in reversed(range(T)):
        dx_t, dh_next, dc_next, *step = gated.lstm_step_backward(dh[:, t] + dh_next,
                                                                 dc[:, t] + dc_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, **EXACT)
        sums = [s + g for s, g in zip(sums, step)]
    for a, e in zip((dh0, dc0, dWx, dWh, db), (dh_next, dc_next, *sums)):
        np.testing.assert_allclose(a, e, **EXACT)


# --- the GRU -------------------------------------------------------------------------------

def test_gru_step_backward_every_gradient():
    rng = np.random.default_rng(6)
    x, h = rng.standard_normal((N, F)), rng.standard_normal((N, H))
    Wx, Wh, bx, bh = weights("gru", rng)
    G = rng.standard_normal((N, H))

    def loss():
        return np.sum(gated.gru_step_forward(x, h, Wx, Wh, bx, bh)[0] * G)

    _, cache = gated.gru_step_forward(x, h, Wx, Wh, bx, bh)
    dx, dh, dWx, dWh, dbx, dbh = gated.gru_step_backward(G, cache)
    check(loss, dict(x=x, h_prev=h, Wx=Wx, Wh=Wh, bx=bx, bh=bh),
          dict(x=dx, h_prev=dh, Wx=dWx, Wh=dWh, bx=dbx, bh=dbh))
    # the two biases get the same gradient except in the n block, scaled by r there
    np.testing.assert_allclose(dbx[:2 * H], dbh[:2 * H], **EXACT)
    assert not np.allclose(dbx[2 * H:], dbh[2 * H:])


def test_gru_backward_every_gradient():
    rng = np.random.default_rng(7)
    x, h0 = rng.standard_normal((N, T, F)), rng.standard_normal((N, H))
    Wx, Wh, bx, bh = weights("gru", rng)
    G = rng.standard_normal((N, T, H))

    def loss():
        return np.sum(gated.gru_forward(x, h0, Wx, Wh, bx, bh)[0] * G)

    _, cache = gated.gru_forward(x, h0, Wx, Wh, bx, bh)
    dx, dh0, dWx, dWh, dbx, dbh = gated.gru_backward(G, cache)
    check(loss, dict(x=x, h0=h0, Wx=Wx, Wh=Wh, bx=bx, bh=bh),
          dict(x=dx, h0=dh0, Wx=dWx, Wh=dWh, bx=dbx, bh=dbh))


def test_gru_forward_is_the_step_loop():
    rng = np.random.default_rng(8)
    x, h0 = rng.standard_normal((N, T, F)), rng.standard_normal((N, H))
    Wx, Wh, bx, bh = weights("gru", rng)
    h, cache = gated.gru_forward(x, h0, Wx, Wh, bx, bh)
    h_prev, caches = h0, []
    for t in range(T):
        h_prev, step_cache = gated.gru_step_forward(x[:, t], h_prev, Wx, Wh, bx, bh)
        caches.append(step_cache)
        np.testing.assert_allclose(h[:, t], h_prev, **EXACT)

    dh = rng.standard_normal((N, T, H))
    dx, dh0, dWx, dWh, dbx, dbh = gated.gru_backward(dh, cache)
    dh_next = np.zeros((N, H))
    sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(bx), np.zeros_like(bh)]
    for t in reversed(range(T)):
        dx_t, dh_next, *step = gated.gru_step_backward(dh[:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, **EXACT)
        sums = [s + g for s, g in zip(sums, step)]
    for a, e in zip((dh0, dWx, dWh, dbx, dbh), (dh_next, *sums)):
        np.testing.assert_allclose(a, e, **EXACT)


def test_gru_with_z_one_keeps_the_state():
    """z = 1 (a large update-gate bias) copies h_prev: the GRU's memory in one line."""
    rng = np.random.default_rng(9)
    x, h = rng.standard_normal((N, F)), rng.standard_normal((N, H))
    Wx, Wh, bx, bh = weights("gru", rng)
    bx[H:2 * H] = 100.0
    h_next, _ = gated.gru_step_forward(x, h, Wx, Wh, bx, bh)
    np.testing.assert_allclose(h_next, h, rtol=1e-12, atol=1e-14)


# --- token ids ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_token_ids_equal_one_hot_rows(cell):
    """(N, T) ints mean one-hot rows: the same states, the same weight gradients, dx None."""
    rng = np.random.default_rng(10)
    V = 5
    ids = rng.integers(0, V, (N, T))
    ids[0, :2] = 3                         # one id several times: its rows of dWx add up
    one_hot = np.eye(V)[ids]
    w = weights(cell, rng, F=V)
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    states = (h0, c0) if cell == "lstm" else (h0,)
    forward = gated.lstm_forward if cell == "lstm" else gated.gru_forward
    backward = gated.lstm_backward if cell == "lstm" else gated.gru_backward
    *out_ids, cache_ids = forward(ids, *states, *w)
    *out_hot, cache_hot = forward(one_hot, *states, *w)
    for a, e in zip(out_ids, out_hot):
        np.testing.assert_allclose(a, e, **EXACT)
    dh = rng.standard_normal((N, T, H))
    g_ids, g_hot = backward(dh, cache_ids), backward(dh, cache_hot)
    assert g_ids[0] is None and g_hot[0].shape == (N, T, V)
    for a, e in zip(g_ids[1:], g_hot[1:]):
        np.testing.assert_allclose(a, e, **EXACT)


# --- float32 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_float32_stays_float32(cell):
    rng = np.random.default_rng(11)
    f32 = np.float32
    w = weights(cell, rng, dtype=f32)
    x = rng.standard_normal((N, T, F)).astype(f32)
    h0, c0 = (rng.standard_normal((N, H)).astype(f32) for _ in range(2))
    dh = rng.standard_normal((N, T, H)).astype(f32)
    if cell == "lstm":
        h, c, cache = gated.lstm_forward(x, h0, c0, *w)
        outs = [h, c, *gated.lstm_backward(dh, cache, dh)]
        h1, c1, step = gated.lstm_step_forward(x[:, 0], h0, c0, *w)
        outs += [h1, c1, *gated.lstm_step_backward(dh[:, 0], dh[:, 0], step)]
    else:
        h, cache = gated.gru_forward(x, h0, *w)
        outs = [h, *gated.gru_backward(dh, cache)]
        h1, step = gated.gru_step_forward(x[:, 0], h0, *w)
        outs += [h1, *gated.gru_step_backward(dh[:, 0], step)]
    assert [a.dtype for a in outs] == [np.float32] * len(outs)
    # and they agree with float64 to float32 precision
    h64 = (gated.lstm_forward if cell == "lstm" else gated.gru_forward)(
        x.astype(float), h0.astype(float), *([c0.astype(float)] if cell == "lstm" else []),
        *(a.astype(float) for a in w))[0]
    assert np.abs(h - h64).max() < 1e-5


# --- errors at the boundary -------------------------------------------------------------------

def lstm_args(rng=None):
    rng = rng or np.random.default_rng(12)
    return [rng.standard_normal((N, T, F)), np.zeros((N, H)), np.zeros((N, H)), *weights("lstm", rng)]


def gru_args(rng=None):
    rng = rng or np.random.default_rng(13)
    return [rng.standard_normal((N, T, F)), np.zeros((N, H)), *weights("gru", rng)]


def replaced(args, i, value):
    return [value if j == i else a for j, a in enumerate(args)]


@pytest.mark.parametrize("fn, args, i, value, exc, words", [
    (gated.lstm_forward, lstm_args(), 4, np.zeros((H, 3 * H)), ValueError,
     ["lstm_forward: Wh should have shape (hidden_size, 4*hidden_size) = (3, 12), got (3, 9)",
      "i, f, g, o"]),
    (gated.lstm_forward, lstm_args(), 5, np.zeros(4 * H - 1), ValueError,
     ["lstm_forward: b should have shape (4*hidden_size=12,), got (11,)"]),
    (gated.lstm_forward, lstm_args(), 5, np.zeros((1, 4 * H)), ValueError,
     ["b should have shape (4*hidden_size=12,), got (1, 12)", "b.ravel()"]),
    (gated.lstm_forward, lstm_args(), 3, np.zeros((F, 3 * H)), ValueError,
     ["lstm_forward: Wx should have shape (input_size, 4*hidden_size=12), got (3, 9)"]),
    (gated.lstm_forward, lstm_args(), 2, np.zeros((N, H + 1)), ValueError,
     ["lstm_forward: c0 should have shape (batch=2, hidden_size=3), got (2, 4)"]),
    (gated.lstm_forward, lstm_args(), 0, np.zeros((N, T, F + 1)), ValueError,
     ["lstm_forward: x should have shape (batch, time, input_size=3), got (2, 4, 4)"]),
    (gated.lstm_forward, lstm_args(), 0, np.zeros((T, F)), ValueError,
     ["lstm_forward: x should have shape (batch, time, input_size=3), got (4, 3)", "x[None]"]),
    (gated.lstm_forward, lstm_args(), 3, np.zeros((F, 4 * H), dtype=int), TypeError,
     ["lstm_forward: Wx should be a floating-point array, got dtype int64"]),
    (gated.lstm_step_forward, replaced(lstm_args(), 0, np.zeros((N, F))), 4, np.zeros((4 * H, H)), ValueError,
     ["lstm_step_forward: Wh should have shape (hidden_size, 4*hidden_size) = (12, 48), got (12, 3)"]),
    (gated.lstm_step_forward, lstm_args(), 0, np.zeros((N, T, F)), ValueError,
     ["lstm_step_forward: x should have shape (batch, input_size=3), got (2, 4, 3)"]),
    (gated.gru_forward, gru_args(), 3, np.zeros((H, 4 * H)), ValueError,
     ["gru_forward: Wh should have shape (hidden_size, 3*hidden_size) = (3, 9), got (3, 12)",
      "r, z, n"]),
    (gated.gru_forward, gru_args(), 4, np.zeros(4 * H), ValueError,
     ["gru_forward: bx should have shape (3*hidden_size=9,), got (12,)"]),
    (gated.gru_forward, gru_args(), 5, np.zeros(2 * H), ValueError,
     ["gru_forward: bh should have shape (3*hidden_size=9,), got (6,)"]),
    (gated.gru_forward, gru_args(), 0, np.full((N, T, F), np.nan), ValueError,
     ["gru_forward: x contains nan"]),
    (gated.gru_forward, gru_args(), 0, np.full((N, T), 9), ValueError,
     ["gru_forward", "x"]),
    (gated.gru_step_forward, replaced(gru_args(), 0, np.zeros((N, F))), 1, np.zeros((N + 1, H)), ValueError,
     ["gru_step_forward: h_prev should have shape (batch=2, hidden_size=3), got (3, 3)"]),
])
def test_forward_errors(fn, args, i, value, exc, words):
    with pytest.raises(exc) as e:
        fn(*replaced(args, i, value))
    for w in words:
        assert w in str(e.value), str(e.value)


def caches():
    lstm, gru = lstm_args(), gru_args()
    return {
        "lstm_forward": gated.lstm_forward(*lstm)[-1],
        "lstm_step_forward": gated.lstm_step_forward(lstm[0][:, 0], *lstm[1:])[-1],
        "gru_forward": gated.gru_forward(*gru)[-1],
        "gru_step_forward": gated.gru_step_forward(gru[0][:, 0], *gru[1:])[-1],
        "rnn_forward": rnnlib.rnn_forward(lstm[0], np.zeros((N, H)), np.zeros((F, H)),
                                          np.zeros((H, H)), np.zeros(H))[1],
    }


SEQ, STEP = np.zeros((N, T, H)), np.zeros((N, H))
BACKWARD = {
    "lstm_backward": lambda cache: gated.lstm_backward(SEQ, cache),
    "lstm_step_backward": lambda cache: gated.lstm_step_backward(STEP, STEP, cache),
    "gru_backward": lambda cache: gated.gru_backward(SEQ, cache),
    "gru_step_backward": lambda cache: gated.gru_step_backward(STEP, cache),
}
MATCHING = {"lstm_backward": "lstm_forward", "lstm_step_backward": "lstm_step_forward",
            "gru_backward": "gru_forward", "gru_step_backward": "gru_step_forward"}


@pytest.mark.parametrize("backward", list(BACKWARD))
@pytest.mark.parametrize("source", ["lstm_forward", "lstm_step_forward", "gru_forward",
                                    "gru_step_forward", "rnn_forward"])
def test_backward_refuses_a_cache_from_another_function(backward, source):
    """Every wrong cache gives a TypeError naming the backward and the forward it needs."""
    cache = caches()[source]
    if MATCHING[backward] == source:
        BACKWARD[backward](cache)                 # the right one works
        return
    with pytest.raises(TypeError) as e:
        BACKWARD[backward](cache)
    msg = str(e.value)
    assert msg.startswith(f"{backward}: cache should be the cache that {MATCHING[backward]} returned"), msg
    if source == "rnn_forward":
        assert "no forward of rnnlib.gated returned" in msg
    else:                                         # which cache it is, and where it belongs
        assert f"got the cache of {source}" in msg and f"Pass it to {source.replace('_forward', '_backward')}" in msg


@pytest.mark.parametrize("backward, step_forward", [("lstm_backward", "lstm_step_forward"),
                                                    ("gru_backward", "gru_step_forward")])
def test_a_step_cache_given_to_the_sequence_backward(backward, step_forward):
    cache = caches()[step_forward]
    with pytest.raises(TypeError) as e:
        BACKWARD[backward](cache)
    msg = str(e.value)
    assert msg.startswith(f"{backward}: cache should be the cache that "
                          f"{backward.replace('_backward', '_forward')} returned, got the cache of "
                          f"{step_forward} (one timestep"), msg
    assert f"Pass it to {step_forward.replace('_forward', '_backward')}" in msg


@pytest.mark.parametrize("call, words", [
    (lambda c: gated.lstm_backward(np.zeros((N, T, H + 1)), c["lstm_forward"]),
     "lstm_backward: dh should have shape (batch=2, time=4, hidden_size=3), got (2, 4, 4)"),
    (lambda c: gated.lstm_backward(SEQ, c["lstm_forward"], np.zeros((N, T - 1, H))),
     "lstm_backward: dc should have shape (batch=2, time=4, hidden_size=3), got (2, 3, 3)"),
    (lambda c: gated.lstm_step_backward(STEP, np.zeros((N, 1)), c["lstm_step_forward"]),
     "lstm_step_backward: dc_next should have shape (batch=2, hidden_size=3), got (2, 1)"),
    (lambda c: gated.gru_step_backward(SEQ, c["gru_step_forward"]),
     "gru_step_backward: dh_next should have shape (batch=2, hidden_size=3), got (2, 4, 3)"),
    (lambda c: gated.gru_backward(STEP, c["gru_forward"]),
     "gru_backward: dh should have shape (batch=2, time=4, hidden_size=3), got (2, 3)"),
])
def test_backward_gradient_shapes(call, words):
    with pytest.raises(ValueError) as e:
        call(caches())
    assert words in str(e.value), str(e.value)


# --- the layers against finite differences ----------------------------------------------------

def check_layer(layer, seed=0, lengths=None, h0=True, dstate=(True, True), ids=False):
    """gradcheck of every parameter, x (unless ids) and the initial states of an LSTM or GRU
    layer, for loss = sum(output * G) + sum(h_n * Gh) [+ sum(c_n * Gc)]; dstate says which
    of the final states' gradients are given (the others are passed as None)."""
    rng = np.random.default_rng(seed)
    lstm = isinstance(layer, rnnlib.LSTM)
    L, D = layer.num_layers, 2 if layer.bidirectional else 1
    x = rng.integers(0, F, (N, T)) if ids else rng.standard_normal((N, T, F))
    names = ("h", "c") if lstm else ("h",)
    s0 = {s: 0.5 * rng.standard_normal((L * D, N, H)) for s in names}
    rng_state = layer.rng.bit_generator.state       # the same dropout mask on every forward

    def forward():
        layer.rng.bit_generator.state = rng_state
        hx = None if not h0 else (s0["h"], s0["c"]) if lstm else s0["h"]
        output, final = layer(x, hx, lengths=lengths)
        return output, (final if lstm else (final,))

    output, finals = forward()
    G = rng.standard_normal(output.shape)
    Gs = [rng.standard_normal(f.shape) if given else None for f, given in zip(finals, dstate)]

    def loss():
        output, finals = forward()
        return np.sum(output * G) + sum(np.sum(f * g) for f, g in zip(finals, Gs) if g is not None)

    layer.zero_grad()
    dh_n = tuple(Gs) if lstm else Gs[0]
    dx, ds0 = layer.backward(G, dh_n, return_dh0=True)
    ds0 = ds0 if lstm else (ds0,)
    params, grads = dict(layer.params), dict(layer.grads)
    if ids:
        assert dx is None
    else:
        params["x"], grads["x"] = x, dx
    if h0:
        params.update({f"{s}0": s0[s] for s in names})
        grads.update({f"{s}0": g for s, g in zip(names, ds0)})
    return check(loss, params, grads)


LAYER_CASES = {
    "one layer": dict(),
    "bias=False": dict(bias=False),
    "two layers": dict(num_layers=2),
    "bidirectional": dict(bidirectional=True),
    "two layers bidirectional": dict(num_layers=2, bidirectional=True),
    "go_backwards": dict(go_backwards=True),
}


@pytest.mark.parametrize("cls", [rnnlib.LSTM, rnnlib.GRU])
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_layer_every_gradient(cls, case):
    check_layer(cls(F, H, seed=1, **LAYER_CASES[case]), seed=2)


@pytest.mark.parametrize("cls", [rnnlib.LSTM, rnnlib.GRU])
@pytest.mark.parametrize("case", ["one layer", "two layers bidirectional", "go_backwards"])
def test_layer_with_lengths_every_gradient(cls, case):
    """Packed semantics: the final states at each sequence's last real step, zero output
    past it; x's padding gets no gradient (finite differences see it has none)."""
    check_layer(cls(F, H, seed=3, **LAYER_CASES[case]), seed=4, lengths=np.array([2, 4]))


@pytest.mark.parametrize("cls", [rnnlib.LSTM, rnnlib.GRU])
def test_layer_without_initial_state_or_final_gradients(cls):
    check_layer(cls(F, H, num_layers=2, seed=5), seed=6, h0=False, dstate=(False, False))


@pytest.mark.parametrize("dstate", [(True, False), (False, True)])
def test_lstm_with_only_one_final_state_gradient(dstate):
    """backward(doutput, (dh_n, None)) and (None, dc_n): the missing one counts as zero."""
    check_layer(rnnlib.LSTM(F, H, bidirectional=True, seed=7), seed=8, lengths=np.array([3, 4]),
                dstate=dstate)


@pytest.mark.parametrize("cls", [rnnlib.LSTM, rnnlib.GRU])
def test_layer_on_token_ids_every_gradient(cls):
    check_layer(cls(F, H, num_layers=2, bidirectional=True, seed=9), seed=10, ids=True,
                lengths=np.array([4, 1]))


@pytest.mark.parametrize("cls", [rnnlib.LSTM, rnnlib.GRU])
def test_layer_with_dropout_every_gradient(cls):
    """Dropout between the layers in training mode, with the mask held fixed."""
    check_layer(cls(F, H, num_layers=2, dropout=0.5, seed=11), seed=12)


def test_lstm_cell_every_gradient():
    rng = np.random.default_rng(13)
    cell = rnnlib.LSTMCell(F, H, seed=14)
    x, h, c = rng.standard_normal((N, F)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Gh, Gc = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss():
        h_next, c_next = cell(x, (h, c))
        return np.sum(h_next * Gh) + np.sum(c_next * Gc)

    loss()
    cell.zero_grad()
    dx, dh, dc = cell.backward(Gh, Gc)
    check(loss, dict(cell.params, x=x, h_prev=h, c_prev=c), dict(cell.grads, x=dx, h_prev=dh, c_prev=dc))


def test_gru_cell_every_gradient():
    rng = np.random.default_rng(15)
    cell = rnnlib.GRUCell(F, H, seed=16)
    x, h = rng.standard_normal((N, F)), rng.standard_normal((N, H))
    G = rng.standard_normal((N, H))

    def loss():
        return np.sum(cell(x, h) * G)

    loss()
    cell.zero_grad()
    dx, dh = cell.backward(G)
    check(loss, dict(cell.params, x=x, h_prev=h), dict(cell.grads, x=dx, h_prev=dh))


@pytest.mark.parametrize("cls", [rnnlib.LSTM, rnnlib.GRU])
def test_layer_float32_stays_float32(cls):
    rng = np.random.default_rng(17)
    layer = cls(F, H, num_layers=2, bidirectional=True, seed=18, dtype=np.float32)
    x = rng.standard_normal((N, T, F))                       # float64 in: cast to the layer's dtype
    output, final = layer(x, lengths=[4, 2])
    finals = final if cls is rnnlib.LSTM else (final,)
    dh_n = tuple(np.ones_like(f) for f in finals) if cls is rnnlib.LSTM else np.ones_like(final)
    dx, ds0 = layer.backward(np.ones_like(output), dh_n, return_dh0=True)
    ds0 = ds0 if cls is rnnlib.LSTM else (ds0,)
    arrays = [output, *finals, dx, *ds0, *layer.grads.values(), *layer.params.values()]
    assert all(a.dtype == np.float32 for a in arrays)
