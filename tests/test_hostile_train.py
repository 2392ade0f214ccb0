"""rnnlib.train (fit, fit_truncated, time_windows) given what a hostile or careless caller
passes: every call gets a ValueError or TypeError whose message starts with the function
called, names the argument and says what came; no numpy message and no warning gets through;
and the model and its optimiser are exactly as they were before the call, whether the problem
is found before training starts or in the middle of it (a loss function or a callback that
fails in a later window or epoch).

Each row: (function as the message names it, the argument, the call on a fresh model m, its
optimiser o and data d, the error, words the message must hold besides those two)."""
import numpy as np
import pytest

import rnnlib
from rnnlib import Adam, SequenceModel, fit, fit_truncated, time_windows

from boundary import case_ids, clear_error

N, T, F, O = 2, 5, 3, 2


class Data:
    def __init__(self):
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(N, T, F))
        self.ids = rng.integers(0, O, (N, T))              # cross-entropy targets
        self.values = rng.normal(size=(N, T, O))           # mse targets


def model(**kw):
    return SequenceModel(F, 4, O, seed=0, **kw)


class NoKeywords(rnnlib.Module):
    """A model whose forward takes x only: fit_truncated cannot hand it a state."""

    def __init__(self):
        super().__init__()
        self.add_module("inner", model())

    def forward(self, x):
        return self.inner(x)

    def backward(self, dy):
        return self.inner.backward(dy)


def loss_returning(value):
    return lambda y, t, m: value(y)


def ce(y, t, m):
    return rnnlib.softmax_cross_entropy(y, t, m)


def fails_on_second_call():
    calls = []

    def loss(y, t, m):
        calls.append(1)
        if len(calls) == 2:
            return float("nan"), np.zeros_like(y)
        return rnnlib.softmax_cross_entropy(y, t, m)
    return loss


def on_own_optimizer(trainer, m, x, targets, **kw):
    return trainer(m, x, targets, Adam(m.params), **kw)


def with_nan_weight(m):
    m.params["rnn.weight_hh_l0"][0, 0] = np.nan
    return m


CASES = [
    # the model and the optimiser
    ("fit", "model", lambda m, o, d: fit(rnnlib.RNN(F, 4), d.x, d.ids, Adam(rnnlib.RNN(F, 4).params)),
     TypeError, ["rnnlib.RNN layer", "SequenceModel"]),
    ("fit_truncated", "model",
     lambda m, o, d: fit_truncated(rnnlib.RNN(F, 4), d.x, d.ids, Adam(rnnlib.RNN(F, 4).params), k=2),
     TypeError, ["(output, h_n)"]),
    ("fit_truncated", "model",
     lambda m, o, d: fit_truncated(rnnlib.LSTM(F, 4), d.x, d.ids, Adam(rnnlib.LSTM(F, 4).params), k=2),
     TypeError, ["cell='lstm'"]),
    ("fit", "model", lambda m, o, d: fit(None, d.x, d.ids, o), TypeError, ["NoneType has no forward"]),
    ("fit", "model", lambda m, o, d: fit(rnnlib.Dense(F, O), d.x, d.ids, Adam(rnnlib.Dense(F, O).params)),
     TypeError, ["lengths"]),
    ("fit_truncated", "model", lambda m, o, d: on_own_optimizer(fit_truncated, NoKeywords(), d.x, d.ids, k=2),
     TypeError, ["h0", "return_state"]),
    ("fit", "model", lambda m, o, d: fit(with_nan_weight(m), d.x, d.ids, o), ValueError,
     ["'rnn.weight_hh_l0' is not finite", "diverged"]),
    ("fit_truncated", "model", lambda m, o, d: fit_truncated(with_nan_weight(m), d.x, d.ids, o, k=2),
     ValueError, ["nan"]),
    ("fit_truncated", "model", lambda m, o, d: on_own_optimizer(fit_truncated, model(go_backwards=True),
                                                               d.x, d.ids, k=2),
     ValueError, ["go_backwards=True"]),
    ("fit", "optimizer", lambda m, o, d: fit(m, d.x, d.ids, None), TypeError, ["NoneType"]),
    ("fit", "optimizer", lambda m, o, d: fit(m, d.x, d.ids, "adam"), TypeError, ["str"]),
    ("fit", "optimizer", lambda m, o, d: fit(m, d.x, d.ids, Adam(model().params)), ValueError,
     ["not this model's parameters"]),
    # x
    ("fit", "x", lambda m, o, d: fit(m, None, d.ids, o), TypeError, ["object"]),
    ("fit", "x", lambda m, o, d: fit(m, d.x[0], d.ids, o), ValueError, ["x[None]"]),
    ("fit", "x", lambda m, o, d: fit(m, d.x[..., :2], d.ids, o), ValueError, ["input_size=3"]),
    ("fit", "x", lambda m, o, d: fit(m, d.x * np.nan, d.ids, o), ValueError, ["nan"]),
    ("fit", "x", lambda m, o, d: fit(m, d.ids + F, d.ids, o), ValueError, ["valid ids are 0 to 2"]),
    ("fit", "x", lambda m, o, d: fit(m, [[[1.0]], [[1.0, 2.0]]], d.ids, o), TypeError,
     ["different lengths"]),
    ("fit_truncated", "x", lambda m, o, d: fit_truncated(m, d.x.astype(complex), d.ids, o, k=2),
     TypeError, ["complex"]),
    # targets
    ("fit", "targets", lambda m, o, d: fit(m, d.x, d.ids[:, :3], o), ValueError,
     ["(batch, time) axes of x"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, d.ids + O, o), ValueError, ["valid ids are 0 to 1"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, d.ids * 1.5, o), ValueError, ["not a whole number"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, np.eye(O)[d.ids], o), ValueError,
     ["not one-hot rows", "argmax"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, np.full((N, T), "a"), o), TypeError, ["<U1"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, None, o), TypeError, ["object"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, d.values[..., :1], o, loss="mse"), ValueError,
     ["output_size=2"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, d.ids[..., None].repeat(O, -1), o, loss="mse"),
     TypeError, ["int64"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, d.values * np.nan, o, loss="mse"), ValueError, ["nan"]),
    ("fit", "targets", lambda m, o, d: fit(m, d.x, [[1], [1, 2]], o, loss=ce), TypeError,
     ["different lengths"]),
    # targets bad only after the first window: found before any update
    ("fit_truncated", "targets",
     lambda m, o, d: fit_truncated(m, d.x, np.where(np.arange(T) < 3, d.ids, 1.5), o, k=2), ValueError,
     ["targets[0, 3] is 1.5"]),
    # settings
    ("fit", "loss", lambda m, o, d: fit(m, d.x, d.ids, o, loss="ce"), ValueError, ["'cross_entropy'"]),
    ("fit", "loss", lambda m, o, d: fit(m, d.x, d.ids, o, loss=3), TypeError, ["int"]),
    ("fit", "epochs", lambda m, o, d: fit(m, d.x, d.ids, o, epochs=0), ValueError, ["got 0"]),
    ("fit", "epochs", lambda m, o, d: fit(m, d.x, d.ids, o, epochs=2.5), TypeError, ["2.5"]),
    ("fit", "epochs", lambda m, o, d: fit(m, d.x, d.ids, o, epochs=True), TypeError, ["True"]),
    ("fit", "every", lambda m, o, d: fit(m, d.x, d.ids, o, every=0), ValueError, ["got 0"]),
    ("fit", "clip", lambda m, o, d: fit(m, d.x, d.ids, o, clip=-1.0), ValueError, ["-1.0"]),
    ("fit", "clip", lambda m, o, d: fit(m, d.x, d.ids, o, clip="5"), TypeError, ["'5'"]),
    ("fit", "clip", lambda m, o, d: fit(m, d.x, d.ids, o, clip=np.inf), ValueError, ["inf"]),
    ("fit", "clip_value", lambda m, o, d: fit(m, d.x, d.ids, o, clip_value=0), ValueError, ["got 0"]),
    ("fit", "clip", lambda m, o, d: fit(m, d.x, d.ids, o, clip=1.0, clip_value=1.0), ValueError,
     ["pass only one"]),
    ("fit", "callback", lambda m, o, d: fit(m, d.x, d.ids, o, callback="monitor"), TypeError, ["str"]),
    ("fit", "lengths", lambda m, o, d: fit(m, d.x, d.ids, o, lengths=[1]), ValueError, ["batch=2"]),
    ("fit", "lengths", lambda m, o, d: fit(m, d.x, d.ids, o, lengths=[0, 5]), ValueError,
     ["lengths[0] is 0"]),
    ("fit", "lengths", lambda m, o, d: fit(m, d.x, d.ids, o, lengths=[np.inf, 5]), TypeError,
     ["whole numbers"]),
    ("fit", "batch_size", lambda m, o, d: fit(m, d.x, d.ids, o, batch_size=0), ValueError, ["got 0"]),
    ("fit", "batch_size", lambda m, o, d: fit(m, d.x, d.ids, o, batch_size=True), TypeError, ["True"]),
    ("fit", "seed", lambda m, o, d: fit(m, d.x, d.ids, o, seed=-1), ValueError, ["-1"]),
    ("fit_truncated", "k", lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=0), ValueError, ["got 0"]),
    ("fit_truncated", "k", lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=None), TypeError, ["None"]),
    ("fit_truncated", "k", lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=2.0), TypeError, ["2.0"]),
    ("fit_truncated", "align", lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=2, align="both"),
     ValueError, ["'start', 'end'"]),
    ("fit_truncated", "align", lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=2, align=None),
     TypeError, ["None"]),
    # what a loss function returns
    ("fit", "loss function", lambda m, o, d: fit(m, d.x, d.ids, o, loss=loss_returning(lambda y: 1.0)),
     TypeError, ["pair (loss, dy)", "float"]),
    ("fit", "loss function",
     lambda m, o, d: fit(m, d.x, d.ids, o, loss=loss_returning(lambda y: (np.nan, np.zeros_like(y)))),
     ValueError, ["loss of nan"]),
    ("fit", "loss function",
     lambda m, o, d: fit(m, d.x, d.ids, o, loss=loss_returning(lambda y: (1j, np.zeros_like(y)))),
     TypeError, ["one real number", "complex"]),
    ("fit", "loss function",
     lambda m, o, d: fit(m, d.x, d.ids, o, loss=loss_returning(lambda y: (np.ones(2), np.zeros_like(y)))),
     TypeError, ["shape (2,)"]),
    ("fit", "dy", lambda m, o, d: fit(m, d.x, d.ids, o, loss=loss_returning(lambda y: (1.0, np.zeros(3)))),
     ValueError, ["got (3,)"]),
    ("fit", "dy", lambda m, o, d: fit(m, d.x, d.ids, o, loss=loss_returning(lambda y: (1.0, y * np.nan))),
     ValueError, ["nan"]),
    ("fit_truncated", "dy",
     lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=2, loss=loss_returning(lambda y: (1.0, None))),
     TypeError, ["object"]),
    # found in the second window, after one update: the update is undone
    ("fit_truncated", "loss function", lambda m, o, d: fit_truncated(m, d.x, d.ids, o, k=2,
                                                                    loss=fails_on_second_call()),
     ValueError, ["loss of nan"]),
    ("fit", "loss function", lambda m, o, d: fit(m, d.x, d.ids, o, batch_size=1, loss=fails_on_second_call()),
     ValueError, ["loss of nan"]),
    # time_windows
    ("time_windows", "T", lambda m, o, d: time_windows(0, 2), ValueError, ["got 0"]),
    ("time_windows", "T", lambda m, o, d: time_windows(1.0, 2), TypeError, ["1.0"]),
    ("time_windows", "T", lambda m, o, d: time_windows(10**12, 1), ValueError, ["1e+07 windows"]),
    ("time_windows", "T", lambda m, o, d: time_windows(10**400, 7), ValueError, ["x.shape[1]"]),
    ("time_windows", "k", lambda m, o, d: time_windows(5, 0), ValueError, ["got 0"]),
    ("time_windows", "k", lambda m, o, d: time_windows(5, "2"), TypeError, ["'2'"]),
    ("time_windows", "align", lambda m, o, d: time_windows(5, 2, align=None), TypeError, ["None"]),
    ("time_windows", "align", lambda m, o, d: time_windows(5, 2, align="middle"), ValueError,
     ["'middle'"]),
]


def snapshot(m, o):
    return ({k: p.copy() for k, p in m.params.items()}, {k: g.copy() for k, g in m.grads.items()},
            repr(o.state), o.steps)


def assert_same(before, after):
    for a, b in zip(before[:2], after[:2]):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert before[2:] == after[2:]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error_and_changes_nothing(where, arg, call, error, words):
    m, d = model(), Data()
    o = Adam(m.params, lr=0.1)
    fit(m, d.x, d.ids, o, epochs=1)                  # an optimiser with state to keep
    before = snapshot(m, o)
    clear_error(where, arg, lambda: call(m, o, d), error, words)
    if not np.isnan(before[0]["rnn.weight_hh_l0"]).any() and np.isfinite(m.params["rnn.weight_hh_l0"]).all():
        assert_same(before, snapshot(m, o))


@pytest.mark.parametrize("trainer", ["fit", "fit_truncated"])
def test_an_error_in_the_callback_late_in_training_puts_everything_back(trainer):
    m, d = model(), Data()
    o = Adam(m.params, lr=0.1)
    before = snapshot(m, o)

    def callback(epoch, history):
        if epoch == 3:
            raise RuntimeError("the monitor broke")
    run = (lambda **kw: fit(m, d.x, d.ids, o, **kw)) if trainer == "fit" else (
        lambda **kw: fit_truncated(m, d.x, d.ids, o, k=2, **kw))
    with pytest.raises(RuntimeError, match="the monitor broke") as info:
        run(epochs=5, callback=callback)
    assert any("put back as they were" in note for note in info.value.__notes__)
    assert_same(before, snapshot(m, o))
    # and the model trains afterwards exactly as a fresh one does
    fresh = model()
    h1 = run(epochs=2)
    h2 = (fit(fresh, d.x, d.ids, Adam(fresh.params, lr=0.1), epochs=2) if trainer == "fit" else
          fit_truncated(fresh, d.x, d.ids, Adam(fresh.params, lr=0.1), k=2, epochs=2))
    assert h1 == h2


def test_an_interrupt_keeps_the_training_done_so_far():
    m, d = model(), Data()
    o = Adam(m.params, lr=0.1)
    before = snapshot(m, o)

    def callback(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        fit(m, d.x, d.ids, o, epochs=5, callback=callback)
    assert o.steps == 2 and not np.array_equal(before[0]["head.bias"], m.params["head.bias"])


def test_token_ids_train_like_their_one_hot_vectors():
    d = Data()
    ids = np.random.default_rng(3).integers(0, F, (N, T))
    a, b = model(), model()
    ha = fit(a, ids, d.ids, Adam(a.params, lr=0.1), epochs=3)
    hb = fit(b, np.eye(F)[ids], d.ids, Adam(b.params, lr=0.1), epochs=3)
    np.testing.assert_allclose(ha["loss"], hb["loss"], rtol=1e-12)
    c, e = model(), model()
    hc = fit_truncated(c, ids, d.ids, Adam(c.params, lr=0.1), k=2, epochs=2)
    he = fit_truncated(e, np.eye(F)[ids], d.ids, Adam(e.params, lr=0.1), k=2, epochs=2)
    np.testing.assert_allclose(hc["loss"], he["loss"], rtol=1e-12)
