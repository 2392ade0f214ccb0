"""Truncated backpropagation through time (rnnlib.fit_truncated, rnnlib.time_windows) and
fit's clip_value.

Expected values come from elsewhere than the code under test: rnnlib.fit (for k >= T, where
truncation changes nothing), rnnlib.gradients.tbptt_gradients (the windows' gradients summed,
computed with rnn_forward / rnn_backward on the RNN alone), centred finite differences of one
window's loss with its start state held fixed, and a hand-written step with clip_grad_value_.
"""
import warnings

import numpy as np
import pytest

import rnnlib
from rnnlib import SGD, Adam, Optimizer, SequenceModel, fit, fit_truncated, time_windows
from rnnlib.gradients import tbptt_gradients

EXACT = dict(rtol=1e-12, atol=1e-12)


class Recorder(Optimizer):
    """An optimiser that only records the gradients it is handed (one list per parameter), so
    the model keeps its weights and every window's gradient can be read afterwards."""

    def update(self, p, g, state):
        state.setdefault("seen", []).append(g.copy())


def seen(opt, name):
    return opt.state[name]["seen"]


def linear_loss(y, targets, mask=None):
    """L = sum(y * targets): dL/dy = targets, the same in every window whatever its length."""
    return float(np.sum(y * targets)), targets.copy()


def data(N=3, T=7, F=2, O=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, T, F)), rng.normal(size=(N, T, O)), rng.integers(0, O, (N, T))


def rnn_weights(model):
    p = model.params
    return (p["rnn.weight_ih_l0"].T, p["rnn.weight_hh_l0"].T,
            p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"])


# --- time_windows -----------------------------------------------------------------------

@pytest.mark.parametrize("align", ["start", "end"])
@pytest.mark.parametrize("T, k", [(1, 1), (1, 5), (7, 1), (7, 3), (8, 4), (10, 4), (11, 5),
                                  (11, 10), (11, 11), (11, 50)])
def test_time_windows_cover_every_step_once_in_order(T, k, align):
    windows = time_windows(T, k, align=align)
    steps = [t for w in windows for t in range(w.start, w.stop)]
    assert steps == list(range(T))                                 # 0 .. T-1, once each, in order
    lengths = [w.stop - w.start for w in windows]
    assert all(1 <= n <= k for n in lengths)
    assert len(windows) == -(-T // k)                              # ceil(T / k) windows
    short = [i for i, n in enumerate(lengths) if n < min(k, T)]    # at most one short window
    assert short in ([], [len(windows) - 1] if align == "start" else [0])


def test_time_windows_examples():
    assert time_windows(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert time_windows(10, 4, align="end") == [slice(0, 2), slice(2, 6), slice(6, 10)]
    assert time_windows(11, 10, align="end") == [slice(0, 1), slice(1, 11)]
    assert time_windows(3, 5) == time_windows(3, 5, align="end") == [slice(0, 3)]


@pytest.mark.parametrize("args, error, words", [
    ((0, 3), ValueError, "T should be a positive whole number"),
    ((5, 0), ValueError, "k should be a positive whole number"),
    ((5, 2.5), TypeError, "k should be a positive whole number"),
    ((5, True), TypeError, "k should be"),
])
def test_time_windows_errors(args, error, words):
    with pytest.raises(error, match=words):
        time_windows(*args)
    with pytest.raises(ValueError, match="align should be one of 'start', 'end'"):
        time_windows(5, 2, align="middle")


# --- k >= T: nothing is cut, one epoch is one epoch of fit ------------------------------

@pytest.mark.parametrize("k", [7, 8, 100])
@pytest.mark.parametrize("loss, opt, clipping", [
    ("cross_entropy", Adam, {}),
    ("cross_entropy", SGD, {"clip": 0.05}),
    ("mse", Adam, {"clip_value": 0.01}),
])
def test_with_one_window_the_first_update_is_fits(k, loss, opt, clipping):
    x, y_mse, y_ids = data()
    targets = y_ids if loss == "cross_entropy" else y_mse
    a, b = SequenceModel(2, 4, 3, seed=1), SequenceModel(2, 4, 3, seed=1)
    ha = fit(a, x, targets, opt(a.params, lr=0.1), loss=loss, epochs=1, **clipping)
    hb = fit_truncated(b, x, targets, opt(b.params, lr=0.1), k=k, loss=loss, epochs=1, **clipping)
    for name in a.params:
        np.testing.assert_allclose(b.params[name], a.params[name], **EXACT)
    assert ha.keys() == hb.keys()
    for key in ha:
        np.testing.assert_allclose(hb[key], ha[key], **EXACT)


def test_with_one_window_every_epoch_is_fits():
    x, _, y_ids = data(seed=3)
    a, b = SequenceModel(2, 4, 3, seed=2), SequenceModel(2, 4, 3, seed=2)
    ha = fit(a, x, y_ids, Adam(a.params, lr=0.05), epochs=5)
    hb = fit_truncated(b, x, y_ids, Adam(b.params, lr=0.05), k=7, epochs=5)
    np.testing.assert_allclose(hb["loss"], ha["loss"], **EXACT)
    for name in a.params:
        np.testing.assert_allclose(b.params[name], a.params[name], **EXACT)


# --- k < T: the state carries over, the gradient is cut ---------------------------------

@pytest.mark.parametrize("align", ["start", "end"])
def test_the_state_carries_over_from_window_to_window(align):
    # With the weights held still (Recorder), the windows' outputs put side by side are the
    # outputs of one forward pass over the whole sequence: each window began where the last ended.
    x, targets, _ = data()
    model = SequenceModel(2, 4, 3, seed=1)
    outputs = []

    def keep(y, t, mask=None):
        outputs.append(y.copy())
        return linear_loss(y, t)
    fit_truncated(model, x, targets, Recorder(model.params, lr=1.0), k=3, loss=keep, epochs=1,
                  align=align)
    assert [o.shape[1] for o in outputs] == [w.stop - w.start for w in time_windows(7, 3, align=align)]
    np.testing.assert_allclose(np.concatenate(outputs, axis=1), model(x), **EXACT)


@pytest.mark.parametrize("k, align", [(1, "start"), (2, "start"), (3, "start"), (3, "end"), (5, "end")])
def test_the_windows_gradients_add_up_to_tbptt_gradients(k, align):
    # tbptt_gradients lays its windows out from the start; for align="end" it is given the
    # sequence's steps in the same windows by running it on the windows' own boundaries.
    x, targets, _ = data()
    N, T, _ = x.shape
    model = SequenceModel(2, 4, 3, seed=1)
    opt = Recorder(model.params, lr=1.0)
    fit_truncated(model, x, targets, opt, k=k, loss=linear_loss, epochs=1, align=align)
    Wx, Wh, b = rnn_weights(model)
    dh = targets @ model.params["head.weight"]                    # (N, T, H) dL/dh_t from the head
    windows = time_windows(T, k, align=align)
    if align == "start":
        want = tbptt_gradients(x, np.zeros((N, 4)), Wx, Wh, b, dh, k)[2:]
    else:   # one tbptt_gradients call per window, each from the state the last one ended in
        h, _ = rnnlib.rnn_forward(x, np.zeros((N, 4)), Wx, Wh, b)
        parts = [tbptt_gradients(x[:, w], np.zeros((N, 4)) if w.start == 0 else h[:, w.start - 1],
                                 Wx, Wh, b, dh[:, w], T)[2:] for w in windows]
        want = [sum(p[i] for p in parts) for i in range(3)]
    dWx, dWh, db = want
    got = {name: sum(seen(opt, name)) for name in model.params}
    assert len(seen(opt, "rnn.weight_hh_l0")) == len(windows)     # one update per window
    np.testing.assert_allclose(got["rnn.weight_ih_l0"], dWx.T, **EXACT)
    np.testing.assert_allclose(got["rnn.weight_hh_l0"], dWh.T, **EXACT)
    np.testing.assert_allclose(got["rnn.bias_ih_l0"], db, **EXACT)
    np.testing.assert_allclose(got["rnn.bias_hh_l0"], db, **EXACT)


@pytest.mark.parametrize("window", [0, 1, 2])
def test_one_windows_gradient_is_finite_differences_with_its_start_state_held_fixed(window):
    x, _, y_ids = data(T=8, seed=4)
    model = SequenceModel(2, 4, 3, seed=5)
    opt = Recorder(model.params, lr=1.0)
    fit_truncated(model, x, y_ids, opt, k=3, epochs=1)             # windows [0,3) [3,6) [6,8)
    w = time_windows(8, 3)[window]
    _, start = model(x[:, :w.start], return_state=True) if w.start else (None, None)

    def window_loss():
        return rnnlib.softmax_cross_entropy(model(x[:, w], h0=start), y_ids[:, w])[0]
    grads = {name: seen(opt, name)[window] for name in model.params}
    result = rnnlib.gradcheck(window_loss, model.params, grads)
    assert result.ok(), result
    # and it is not the full-BPTT gradient of the same steps' loss: the cut changes it
    if w.start:
        full = SequenceModel(2, 4, 3, seed=5)
        full.zero_grad()
        y = full(x[:, :w.stop])
        dy = np.zeros_like(y)
        dy[:, w] = rnnlib.softmax_cross_entropy(y[:, w], y_ids[:, w])[1]
        full.backward(dy)
        gap = np.linalg.norm(full.grads["rnn.weight_hh_l0"] - grads["rnn.weight_hh_l0"])
        assert gap > 1e-3 * np.linalg.norm(grads["rnn.weight_hh_l0"])


def test_every_epoch_starts_again_from_the_zero_state():
    x, targets, _ = data()
    model = SequenceModel(2, 4, 3, seed=1)
    opt = Recorder(model.params, lr=1.0)
    fit_truncated(model, x, targets, opt, k=3, loss=linear_loss, epochs=2)
    g = seen(opt, "rnn.weight_hh_l0")                             # 3 windows x 2 epochs
    assert len(g) == 6
    for a, b in zip(g[:3], g[3:]):
        np.testing.assert_array_equal(a, b)


def test_history_weights_the_windows_by_their_length_and_the_callback_runs():
    x, _, y_ids = data()
    model = SequenceModel(2, 4, 3, seed=1)
    losses, calls = [], []

    def ce(y, t, mask=None):
        out = rnnlib.softmax_cross_entropy(y, t, mask)
        losses.append(out[0])
        return out
    history = fit_truncated(model, x, y_ids, Recorder(model.params, lr=1.0), k=3, loss=ce,
                            epochs=3, every=2, callback=lambda e, h: calls.append(e))
    assert calls == [2, 3]
    np.testing.assert_allclose(history["loss"][0], np.dot([3, 3, 1], losses[:3]) / 7, **EXACT)
    assert set(history) == {"loss", "grad_norm"}                  # no accuracy for a custom loss


def test_a_loss_at_the_last_step_reaches_only_the_last_window():
    # The memory-task layout: a target at the last step only (-1 elsewhere), windows ending
    # there (align="end"). Every earlier window has no loss, so its gradient is zero, yet it
    # still gets its optimiser step; the last window's gradient is its own, from a carried state.
    x, _, _ = data(T=6)
    model = SequenceModel(2, 4, 3, seed=1)
    targets = np.full((3, 6), -1)
    targets[:, -1] = [0, 2, 1]

    def last_step(y, t, mask=None):
        scored = t >= 0
        if not scored.any():
            return 0.0, np.zeros_like(y)
        return rnnlib.softmax_cross_entropy(y, np.where(scored, t, 0), scored)
    opt = Recorder(model.params, lr=1.0)
    fit_truncated(model, x, targets, opt, k=4, loss=last_step, epochs=1, align="end")
    g = seen(opt, "rnn.weight_hh_l0")                             # windows [0,2) [2,6)
    assert len(g) == 2 and np.all(g[0] == 0) and np.any(g[1] != 0)
    _, start = model(x[:, :2], return_state=True)
    grads = {name: seen(opt, name)[1] for name in model.params}
    result = rnnlib.gradcheck(lambda: last_step(model(x[:, 2:], h0=start), targets[:, 2:])[0],
                              model.params, grads)
    assert result.ok(), result


# --- errors and divergence ---------------------------------------------------------------

def test_errors_leave_the_model_as_it_was():
    x, _, y_ids = data()
    model = SequenceModel(2, 4, 3, seed=1)
    before = model.state_dict()
    opt = Adam(model.params, lr=0.1)
    cases = [
        (dict(k=0), ValueError, "fit_truncated: k should be a positive whole number"),
        (dict(k=2.0), TypeError, "k should be a positive whole number"),
        (dict(k=3, clip=1.0, clip_value=0.1), ValueError, "pass only one"),
        (dict(k=3, clip=-1.0), ValueError, "clip should be a positive number"),
        (dict(k=3, clip_value=0.0), ValueError, "clip_value should be a positive number"),
        (dict(k=3, loss="ce"), ValueError, "loss should be one of"),
        (dict(k=3, align="both"), ValueError, "align should be one of 'start', 'end'"),
        (dict(k=3, epochs=0), ValueError, "epochs should be a positive whole number"),
        (dict(k=3, callback="monitor"), TypeError, "callback should be a function"),
    ]
    for kwargs, error, words in cases:
        with pytest.raises(error, match=words):
            fit_truncated(model, x, y_ids, opt, **kwargs)
    with pytest.raises(TypeError, match="fit_truncated: k"):
        fit_truncated(model, x, y_ids, opt, k=None)
    with pytest.raises(ValueError, match="targets should start with the \\(batch, time\\) axes"):
        fit_truncated(model, x, y_ids[:, :3], opt, k=3)
    with pytest.raises(ValueError, match="not this model's parameters"):
        fit_truncated(model, x, y_ids, Adam(SequenceModel(2, 4, 3, seed=2).params), k=3)
    backwards = SequenceModel(2, 4, 3, go_backwards=True, seed=1)
    with pytest.raises(ValueError, match="go_backwards=True.*carries the state forwards"):
        fit_truncated(backwards, x, y_ids, Adam(backwards.params), k=3)
    assert all(np.array_equal(model.params[k], before[k]) for k in before)
    with pytest.raises(ValueError, match="fit: clip=1.0 and clip_value=0.1 .* pass only one"):
        fit(model, x, y_ids, opt, clip=1.0, clip_value=0.1)


def test_divergence_is_one_clear_error_without_warnings():
    x = np.random.default_rng(0).normal(size=(5, 6, 1)) + 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
        with pytest.raises(FloatingPointError, match=r"fit_truncated: training diverged in epoch "
                                                     r"\d+.*fit_truncated\(\.\.\., clip=1\.0\)"):
            fit_truncated(model, x, x + 1, SGD(model.params, lr=1.0), k=2, loss="mse", epochs=300)
        model = SequenceModel(1, 8, 1, nonlinearity="leaky_relu", seed=0)
        with pytest.raises(FloatingPointError, match="harder than clip_value=1e\\+300"):
            fit(model, x, x + 1, SGD(model.params, lr=1e300), loss="mse", epochs=5, clip_value=1e300)


# --- fit's clip_value ----------------------------------------------------------------------

def test_fit_clip_value_is_clip_grad_value_before_the_step():
    x, _, y_ids = data(seed=6)
    a, b = SequenceModel(2, 4, 3, seed=3), SequenceModel(2, 4, 3, seed=3)
    history = fit(a, x, y_ids, SGD(a.params, lr=0.5), epochs=1, clip_value=0.02)
    # by hand: forward, loss, backward, measure the norm, clamp every entry, step
    b.zero_grad()
    loss, dy = rnnlib.softmax_cross_entropy(b(x), y_ids)
    b.backward(dy)
    norm = np.sqrt(sum(np.sum(g * g) for g in b.grads.values()))
    assert max(np.abs(g).max() for g in b.grads.values()) > 0.02   # the clamp really bites
    for g in b.grads.values():
        np.clip(g, -0.02, 0.02, out=g)
    SGD(b.params, lr=0.5).step(b.grads)
    for name in a.params:
        np.testing.assert_allclose(a.params[name], b.params[name], **EXACT)
    np.testing.assert_allclose(history["grad_norm"][0], norm, **EXACT)   # measured before clipping
    np.testing.assert_allclose(history["loss"][0], loss, **EXACT)
