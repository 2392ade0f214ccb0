"""Every check in rnnlib.checks, given a learner's function that misbehaves: one that changes
its array arguments, never returns, raises or exits. Each must fail with the diagnosis of that
behaviour (not a guess at a wrong formula), and a right answer changed in a single element of
one output must fail too: no check leaves an element uncompared. An all-nan, a complex or a
wrongly shaped output gets its own diagnosis.
"""
import sys

import numpy as np
import pytest

import rnnlib.checks
from rnnlib.checks import _core

CHECKS = sorted(_core.REGISTRY)
pytestmark = pytest.mark.filterwarnings("error")   # no warning of a check reaches the learner


def arrays_in(value, depth=0):
    if isinstance(value, np.ndarray):
        yield value
    elif depth < 3 and isinstance(value, (tuple, list)):
        for item in value:
            yield from arrays_in(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from arrays_in(item, depth + 1)


def failure(name, fn, **kwargs):
    """The diagnosis a failing check raises (the check must fail)."""
    with pytest.raises(AssertionError) as info:
        _core.REGISTRY[name](fn, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("name", CHECKS)
def test_changing_an_argument_in_place_is_named(name):
    seen = []

    def scribbles(*args, **kwargs):
        for a in arrays_in((args, kwargs)):
            if a.size and a.flags.writeable:
                seen.append(a)
                a.flat[0] = (not a.flat[0]) if a.dtype == bool else a.flat[0] + 1
        return None
    text = failure(name, scribbles)
    if not seen:
        pytest.skip(f"{name} passes the learner's function no array")
    assert "in place" in text and "changed its argument" in text, text


@pytest.mark.parametrize("name", CHECKS)
def test_an_endless_loop_is_stopped(name):
    def endless(*args, **kwargs):
        while True:
            pass
    text = failure(name, endless, time_limit=0.1)
    assert "still running after 0.1 s" in text, text


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("error, words", [(KeyError("h"), "your code raised KeyError: 'h'"),
                                          (SystemExit(1), "called exit() or sys.exit()")])
def test_an_exception_is_the_learners(name, error, words):
    def raises(*args, **kwargs):
        raise error
    text = failure(name, raises)
    assert words in text and ", line " in text, text


# --- one element of one output changed: every check compares every element ---------------------

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from test_checks import FACTORIES as CORE  # noqa: E402
from test_checks_explore import unit_correlations_with  # noqa: E402
from test_checks_gated import (gru_backward_with, gru_forward_with, lstm_backward_with,  # noqa: E402
                               lstm_forward_with)
from test_checks_gated_exercises import coupled_with  # noqa: E402
from test_checks_interop import mapping_with  # noqa: E402
from test_checks_generation import perplexity_with, temperature_probs_with  # noqa: E402
from test_checks_many_to_one import solution_with  # noqa: E402
from test_checks_probes import partial_correlation_with  # noqa: E402
from test_checks_through_time import back_in_time_with  # noqa: E402

# each check with the right answer its own tests write independently of rnnlib
FACTORIES = {**CORE,
             rnnlib.checks.check_unit_correlations: unit_correlations_with,
             rnnlib.checks.check_lstm_step_forward: lstm_forward_with,
             rnnlib.checks.check_lstm_step_backward: lstm_backward_with,
             rnnlib.checks.check_gru_step_forward: gru_forward_with,
             rnnlib.checks.check_gru_step_backward: gru_backward_with,
             rnnlib.checks.check_coupled_lstm_step_forward: coupled_with,
             rnnlib.checks.check_temperature_probs: temperature_probs_with,
             rnnlib.checks.check_perplexity_from_logits: perplexity_with,
             rnnlib.checks.check_many_to_one_gradients: solution_with,
             rnnlib.checks.check_partial_correlation: partial_correlation_with,
             rnnlib.checks.check_gradients_back_in_time: back_in_time_with,
             rnnlib.checks.check_simple_rnn_from_keras: mapping_with}


def _with_output(out, k, change):
    """out with output k changed by change(array): k indexes a tuple, names a dict's entry,
    or is None for a single output."""
    if isinstance(out, dict):
        return {**out, k: change(np.array(out[k], dtype=float))}
    if isinstance(out, tuple):
        return out[:k] + (change(np.array(out[k], dtype=float)),) + out[k + 1:]
    return change(np.array(out, dtype=float))


def nudged(fn, k, where):
    """fn with output k (or its only output) changed in one element: the first or the last."""
    def nudge(target):
        index = 0 if where == "first" else target.size - 1
        target.flat[index] = target.flat[index] * (1 + 1e-4) + 1e-4
        return target

    def wrapped(*args, **kwargs):
        return _with_output(fn(*args, **kwargs), k, nudge)
    return wrapped


def compared_outputs(check):
    """(index of each output the check compares) of a right answer on the check's first case."""
    probe = {}

    def spy(*args, **kwargs):
        out = FACTORIES[check](None)(*args, **kwargs)
        probe.setdefault("out", out)
        return out
    check(spy)
    out = probe["out"]
    if isinstance(out, dict):
        return [k for k, a in out.items() if isinstance(a, np.ndarray)]
    if not isinstance(out, tuple):
        return [None] if isinstance(out, (np.ndarray, float, np.floating)) else []
    # the last item of a forward's tuple is its cache, which the checks do not compare
    last = len(out) - 1 if isinstance(out[-1], tuple) else len(out)
    return [k for k in range(last) if isinstance(out[k], (np.ndarray, float, np.floating))]


@pytest.mark.parametrize("check", list(FACTORIES), ids=lambda c: c.__name__)
@pytest.mark.parametrize("where", ["first", "last"])
def test_a_right_answer_changed_in_one_element_fails(check, where):
    right = FACTORIES[check](None)
    outputs = compared_outputs(check)
    if not outputs:
        pytest.skip(f"{check.__name__}: the learner's function returns no array to nudge")
    for k in outputs:
        assert check(nudged(right, k, where), raise_error=False) is False, (check.__name__, k)


def replaced(fn, k, how):
    """fn with output k (or its only output) replaced: all nan, complex, or an extra axis."""
    change = {"nan": lambda a: np.full(a.shape, np.nan),
              "complex": lambda a: a + 1j,
              "shape": lambda a: a[None]}[how]

    def wrapped(*args, **kwargs):
        return _with_output(fn(*args, **kwargs), k, change)
    return wrapped


@pytest.mark.parametrize("check", list(FACTORIES), ids=lambda c: c.__name__)
@pytest.mark.parametrize("how, words", [("nan", "nan"), ("complex", "complex numbers"),
                                        ("shape", "has shape")])
def test_nan_complex_and_a_wrong_shape_each_get_their_diagnosis(check, how, words):
    right = FACTORIES[check](None)
    for k in compared_outputs(check):
        with pytest.raises(AssertionError) as info:
            check(replaced(right, k, how))
        assert words in str(info.value), (check.__name__, k, str(info.value))
