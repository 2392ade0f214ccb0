"""Properties of rnnlib.train on arbitrary shapes and values (hypothesis): fit, fit_truncated
and time_windows either return what their docstrings promise or raise the documented error
(ValueError / TypeError naming the function, FloatingPointError for a run that diverges), and
a ValueError or TypeError leaves the model and its optimiser exactly as they were."""
import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnnlib import SGD, Adam, SequenceModel, fit, fit_truncated, time_windows

import boundary

ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=2), st.integers(-3, 3), st.floats())
ODD = ODD.map(lambda v: v)      # one branch of a one_of, not five
RARELY = st.sampled_from([False, False, False, False, True])     # shrinks to False


def outcome(call, where):
    """boundary.outcome, where a FloatingPointError that names the function and an overflow
    counts as a refusal too."""
    try:
        return boundary.outcome(call, where)
    except FloatingPointError as e:
        assert f"{where}: " in str(e) and "overflowed" in str(e), str(e)
        event("FloatingPointError")
        return None, e


@st.composite
def windows_args(draw):
    """(T, k, align), mostly valid, now and then one of them anything at all."""
    args = [draw(st.integers(1, 40)), draw(st.integers(1, 12)), draw(st.sampled_from(["start", "end"]))]
    if draw(RARELY) or draw(RARELY):
        args[draw(st.integers(0, 2))] = draw(st.one_of(st.integers(-2, 40), ODD))
    return args


@settings(max_examples=100, deadline=None)
@given(windows_args())
def test_time_windows(args):
    T, k, align = args
    windows, error = outcome(lambda: time_windows(T, k, align=align), "time_windows")
    if error:
        return
    assert [t for w in windows for t in range(w.start, w.stop)] == list(range(T))
    sizes = [w.stop - w.start for w in windows]
    assert all(1 <= n <= k for n in sizes) and len(windows) == -(-T // k)
    full = sizes[:-1] if align == "start" else sizes[1:]
    assert all(n == k for n in full)                              # only one window may be short


@st.composite
def training(draw):
    """A small model, its data and settings, mostly sane, now and then one thing wrong."""
    N, T, F, O = (draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 3)),
                  draw(st.integers(1, 3)))
    loss = draw(st.sampled_from(["cross_entropy", "mse"]))
    x = draw(hnp.arrays(np.float64, (N, T, F), elements=st.floats(-3, 3)))
    targets = (draw(hnp.arrays(np.int64, (N, T), elements=st.integers(0, O - 1))) if loss == "cross_entropy"
               else draw(hnp.arrays(np.float64, (N, T, O), elements=st.floats(-3, 3))))
    settings_ = dict(loss=loss, epochs=draw(st.integers(1, 3)))
    if draw(RARELY):
        x = draw(st.one_of(ODD, hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4)),
                           st.just(np.where(x > 0, np.nan, x))))
    if draw(RARELY):
        targets = draw(st.one_of(ODD, hnp.arrays(np.int64, (N, T), elements=st.integers(-1, O)),
                                 hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4))))
    if draw(RARELY):
        settings_[draw(st.sampled_from(["epochs", "clip", "clip_value", "every", "loss"]))] = draw(ODD)
    lr = draw(st.sampled_from([0.01, 0.1, 1e3]))
    return (N, T, F, O), x, targets, settings_, lr


def snapshot(m, o):
    return {k: p.copy() for k, p in m.params.items()}, repr(o.state), o.steps


def unchanged(before, after):
    return (before[1:] == after[1:]
            and all(np.array_equal(before[0][k], after[0][k]) for k in before[0]))


@settings(max_examples=50, deadline=None)
@given(training(), st.one_of(st.none(), st.integers(1, 4), ODD), st.data())
def test_fit(problem, batch_size, data):
    (N, T, F, O), x, targets, kw, lr = problem
    m = SequenceModel(F, 3, O, seed=0)
    o = SGD(m.params, lr=lr)
    lengths = data.draw(st.one_of(st.none(), st.none(), st.lists(st.integers(1, T), min_size=N, max_size=N),
                                  ODD))
    before = snapshot(m, o)
    history, error = outcome(lambda: fit(m, x, targets, o, batch_size=batch_size, lengths=lengths, **kw),
                             "fit")
    if isinstance(error, (ValueError, TypeError)):
        assert unchanged(before, snapshot(m, o))
    if error:
        return
    E = kw["epochs"]
    assert len(history["loss"]) == len(history["grad_norm"]) == E
    assert np.isfinite(history["loss"]).all() and np.isfinite(history["grad_norm"]).all()
    if kw["loss"] == "cross_entropy":
        assert all(0 <= a <= 1 for a in history["accuracy"])
    assert all(np.isfinite(p).all() for p in m.params.values())


@settings(max_examples=50, deadline=None)
@given(training(), st.one_of(st.integers(1, 7), ODD), st.one_of(st.sampled_from(["start", "end"]), ODD))
def test_fit_truncated(problem, k, align):
    (N, T, F, O), x, targets, kw, lr = problem
    m = SequenceModel(F, 3, O, seed=0)
    o = Adam(m.params, lr=min(lr, 0.1))
    before = snapshot(m, o)
    history, error = outcome(lambda: fit_truncated(m, x, targets, o, k=k, align=align, **kw),
                             "fit_truncated")
    if isinstance(error, (ValueError, TypeError)):
        assert unchanged(before, snapshot(m, o))
    if error:
        return
    assert len(history["loss"]) == kw["epochs"] and np.isfinite(history["loss"]).all()
    assert o.steps == kw["epochs"] * -(-T // k)                   # one update per window
