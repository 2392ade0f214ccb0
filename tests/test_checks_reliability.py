"""rnnlib.checks against a learner's function that misbehaves rather than computes wrongly: one
that never returns, exits, raises something unusual, changes its inputs, returns complex
numbers or nothing but nan. Each gets its own plain diagnosis, and the check returns False (or
raises AssertionError with that diagnosis); a kernel interrupt still stops a check at once.
"""
import signal
import threading
import time

import numpy as np
import pytest

from rnnlib import checks
from test_checks import forward_with, softmax_cross_entropy_with, step_forward_with


def report(check, fn, capsys, **kwargs):
    ok = check(fn, raise_error=False, **kwargs)
    return ok, capsys.readouterr().out


def test_an_endless_loop_is_stopped_and_named(capsys):
    def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        while True:
            pass
    start = time.perf_counter()
    ok, out = report(checks.check_rnn_step_forward, rnn_step_forward, capsys, time_limit=0.3)
    took = time.perf_counter() - start
    assert not ok
    assert "case 1 of 4" in out and "still running after 0.3 s" in out and "loop" in out
    assert "time_limit=60" in out
    assert took < 3                     # stopped after the first case's limit, not once per case
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)   # no timer left behind


def test_the_time_limit_is_restored_for_the_next_check_and_a_slow_answer_can_have_more(capsys):
    def slow_but_right(*args, **kwargs):
        time.sleep(0.05)
        return step_forward_with()(*args, **kwargs)
    assert report(checks.check_rnn_step_forward, slow_but_right, capsys, time_limit=0.02)[0] is False
    assert report(checks.check_rnn_step_forward, slow_but_right, capsys, time_limit=5)[0] is True


@pytest.mark.parametrize("limit", [0, -1, float("inf"), "5", True, None])
def test_a_time_limit_must_be_a_positive_number_of_seconds(limit):
    with pytest.raises(ValueError, match="check_rnn_step_forward: time_limit should be a number"):
        checks.check_rnn_step_forward(step_forward_with(), time_limit=limit)


def test_an_except_exception_in_the_learners_code_cannot_swallow_the_time_limit(capsys):
    def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        while True:
            try:
                time.sleep(10)
            except Exception:           # noqa: BLE001 - the learner's code does this
                pass
    ok, out = report(checks.check_rnn_step_forward, rnn_step_forward, capsys, time_limit=0.2)
    assert not ok and "still running after 0.2 s" in out


def test_a_keyboard_interrupt_stops_the_check_at_once():
    def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        checks.check_rnn_step_forward(rnn_step_forward)


def test_outside_the_main_thread_there_is_no_limit_but_the_check_still_works():
    results = []
    thread = threading.Thread(
        target=lambda: results.append(checks.check_rnn_step_forward(step_forward_with())))
    thread.start()
    thread.join()
    assert results == [True]


def _exit():
    exit()


def _sys_exit():
    import sys
    sys.exit(3)


@pytest.mark.parametrize("raise_it, words", [
    (_exit, "called exit() or sys.exit()"),
    (_sys_exit, "called exit() or sys.exit()"),
    (lambda: {}["h"], "your code raised KeyError: 'h'"),
    (lambda: 1 / 0, "your code raised ZeroDivisionError: division by zero"),
    (lambda: [][0], "your code raised IndexError"),
    (lambda: np.linalg.inv(np.zeros((2, 2))), "your code raised LinAlgError"),
    (RecursionError("too deep"), "your code raised RecursionError: too deep"),
    (GeneratorExit(), "your code raised GeneratorExit"),
])
def test_any_exception_is_reported_as_the_learners_with_type_message_and_line(raise_it, words, capsys):
    def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        if isinstance(raise_it, BaseException):
            raise raise_it
        raise_it()
    ok, out = report(checks.check_rnn_step_forward, rnn_step_forward, capsys)
    assert not ok and words in out, out
    assert ", line " in out and "Traceback" not in out


def test_complex_outputs_get_their_own_diagnosis(capsys):
    def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        h, cache = step_forward_with()(x, h_prev, Wx, Wh, b, nonlinearity)
        return h + 0j, cache
    ok, out = report(checks.check_rnn_step_forward, rnn_step_forward, capsys)
    assert not ok and "h_next holds complex numbers (dtype complex128)" in out
    assert "relative error" not in out


def test_an_all_nan_output_is_not_blamed_on_an_overflow_that_cannot_happen(capsys):
    """Case 1 of the loss check has logits of size about 1: exp cannot overflow there, so
    all-nan outputs get the all-nan diagnosis, not the overflow one."""
    def nan_loss(logits, targets):
        return np.nan, np.full(logits.shape, np.nan)
    ok, out = report(checks.check_softmax_cross_entropy, nan_loss, capsys)
    assert not ok
    assert "case 1 of 4" in out and "nan in every entry" in out and "np.empty" in out
    assert "overflow" not in out


def test_an_overflow_where_it_can_happen_keeps_its_diagnosis(capsys):
    ok, out = report(checks.check_softmax_cross_entropy, softmax_cross_entropy_with("naive"), capsys)
    assert not ok and "exp overflowed" in out and "nan in every entry" not in out


def test_an_all_nan_sequence_is_not_diagnosed_as_a_loop_that_stops_early(capsys):
    def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        h, cache = forward_with()(x, h0, Wx, Wh, b, nonlinearity)
        return np.full_like(h, np.nan), cache
    ok, out = report(checks.check_rnn_forward, rnn_forward, capsys)
    assert not ok and "h is nan in every entry" in out
    assert "stop" not in out and "t = " not in out


def test_a_check_leaves_numpy_warnings_and_the_alarm_handler_as_they_were(capsys):
    handler = signal.getsignal(signal.SIGALRM)
    report(checks.check_rnn_step_forward, step_forward_with("no act"), capsys)
    assert signal.getsignal(signal.SIGALRM) is handler
