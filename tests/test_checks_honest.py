"""A check a student cannot fool: it fails, with its diagnosis in an AssertionError; it refuses
rnnlib's own function however it is dressed up, and a function that runs it; and the check cell's
`from rnnlib.checks import check_x` gives the real check, running on rnnlib as imported, whatever
an earlier cell did to the checks, their machinery or rnnlib.

Every attack here is undone in a finally block (SNAPSHOT.restore() puts rnnlib, numpy and the
builtins back as imported), so the other tests see an untouched rnnlib.
"""
import functools
import sys
import types
import unittest.mock

import numpy as np
import pytest

import rnnlib
from rnnlib import checks
from rnnlib.checks import _core, _guard


def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    """The learner's loop, written from the equation (no rnnlib)."""
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0)}[nonlinearity]
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = act(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return np.stack(hs, axis=1), None


def rnn_forward_no_bias(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    return rnn_forward(x, h0, Wx, Wh, 0 * b, nonlinearity)


@pytest.fixture(autouse=True)
def untouched():
    yield
    _guard.SNAPSHOT.restore()
    assert not _guard.SNAPSHOT.changed()


# --- 1. failure carries the diagnosis ---------------------------------------------------------

def test_a_wrong_function_raises_assertion_error_whose_message_is_the_diagnosis(capsys):
    with pytest.raises(AssertionError) as raised:
        checks.check_rnn_forward(rnn_forward_no_bias)
    assert capsys.readouterr().out == ""              # said once, in the error
    printed = checks.check_rnn_forward(rnn_forward_no_bias, raise_error=False)
    out = capsys.readouterr().out
    assert printed is False and out == str(raised.value) + "\n"
    assert out.startswith("check_rnn_forward: case 1 of 6 (N=1, T=1, nonlinearity='tanh') disagrees")
    assert "the bias b is missing" in out


def test_a_right_function_prints_one_line_and_returns_true_either_way(capsys):
    for kwargs in ({}, {"raise_error": False}):
        assert checks.check_rnn_forward(rnn_forward, **kwargs) is True
        assert capsys.readouterr().out == ("check_rnn_forward: all 6 cases agree with "
                                           "rnnlib.rnn_forward (largest relative error < 1e-12)\n")


def test_a_stub_raises_not_implemented_yet():
    def stub(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        raise NotImplementedError()
    with pytest.raises(AssertionError, match=r"^check_rnn_forward: not implemented yet$"):
        checks.check_rnn_forward(stub)


def test_the_checks_own_frames_are_marked_hidden_for_ipython():
    # IPython leaves out the frames whose locals hold __tracebackhide__ (but the last one)
    with pytest.raises(AssertionError) as raised:
        checks.check_rnn_forward(rnn_forward_no_bias)
    frames = []
    tb = raised.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    assert frames[-1].f_code.co_name == "check_rnn_forward"       # as a traceback names it
    assert frames[-1].f_locals.get("__tracebackhide__") is True
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


# --- 2. cheating fails with a plain message ---------------------------------------------------

class Calls:
    """A callable object around rnnlib's function."""
    def __call__(self, *args, **kwargs):
        return rnnlib.rnn_forward(*args, **kwargs)


captured = rnnlib.rnn_forward


def renamed(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    return captured(x, h0, Wx, Wh, b, nonlinearity)


@functools.wraps(rnnlib.rnn_forward)
def wrapped(*args, **kwargs):
    return rnnlib.rnn_forward(*args, **kwargs)


def through_the_layer(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    F, H = Wx.shape
    layer = rnnlib.RNN(F, H, nonlinearity=nonlinearity)
    layer.load_state_dict({"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": b,
                           "bias_hh_l0": np.zeros(H)})
    return layer(x, h0[None])[0], None


def through_padding(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    lengths = np.full(len(x), x.shape[1])
    return rnnlib.rnn_forward_padded(x, h0, Wx, Wh, b, lengths, nonlinearity=nonlinearity)


ITSELF = "the function you passed is rnnlib.rnn_forward itself"
CALLS = "your function calls rnnlib.rnn_forward"
CHEATS = {
    "the same object": (rnnlib.rnn_forward, ITSELF),
    "imported from its module": (rnnlib.functional.rnn_forward, ITSELF),
    "its bare maths, .unchecked": (rnnlib.rnn_forward.unchecked, ITSELF),
    "its code object in a new function": (
        types.FunctionType(rnnlib.rnn_forward.unchecked.__code__, vars(rnnlib.functional)), ITSELF),
    "its code with another file name": (
        types.FunctionType(rnnlib.rnn_forward.unchecked.__code__.replace(co_filename="<cell>",
                                                                         co_name="mine"),
                           vars(rnnlib.functional)), ITSELF),
    "functools.partial": (functools.partial(rnnlib.rnn_forward, nonlinearity="tanh"), ITSELF),
    "functools.wraps": (wrapped, ITSELF),
    "a lambda": (lambda *a, **k: rnnlib.rnn_forward(*a, **k), CALLS),
    "a captured reference, renamed": (renamed, CALLS),
    "a callable object": (Calls(), CALLS),
    "the RNN layer that runs it": (through_the_layer, CALLS),
    "the padded version": (through_padding, "your function calls rnnlib.rnn_forward_padded"),
    "another rnnlib function": (rnnlib.rnn_step_forward, "the function you passed is rnnlib's own "
                                                         "rnnlib.functional.rnn_step_forward"),
}


@pytest.mark.parametrize("fn, words", CHEATS.values(), ids=CHEATS.keys())
def test_rnnlibs_function_however_dressed_up_fails_with_a_plain_message(fn, words):
    with pytest.raises(AssertionError) as raised:
        checks.check_rnn_forward(fn)
    message = str(raised.value)
    assert message.startswith("check_rnn_forward: ") and words in message, message
    assert "Write the computation yourself" in message or "Pass the function you defined" in message
    assert "\n" not in message                          # one plain paragraph, no case numbers


def test_delegation_is_seen_through_another_object_that_runs_the_step():
    def step_by_cell(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        cell = rnnlib.RNNCell(*Wx.shape, nonlinearity=nonlinearity)
        cell.load_state_dict({"weight_ih": Wx.T, "weight_hh": Wh.T, "bias_ih": b,
                              "bias_hh": np.zeros_like(b)})
        return cell(x, h_prev), None
    with pytest.raises(AssertionError, match="your function calls rnnlib.rnn_step_forward"):
        checks.check_rnn_step_forward(step_by_cell)


def test_switching_the_watch_off_is_seen():
    def quiet(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        sys.setprofile(None)
        return rnn_forward(x, h0, Wx, Wh, b, nonlinearity)
    with pytest.raises(AssertionError, match="your function changed sys.setprofile"):
        checks.check_rnn_forward(quiet)


def test_other_rnnlib_functions_stay_allowed(capsys):
    """A loop over rnnlib's step is the learner's rnn_forward (the step was the exercise before);
    BPTT over rnnlib's step backward is the learner's rnn_backward; a training step uses
    rnnlib's model, loss and optimiser by design."""
    def forward_over_steps(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        h, hs = h0, []
        for t in range(x.shape[1]):
            h = rnnlib.rnn_step_forward(x[:, t], h, Wx, Wh, b, nonlinearity)[0]
            hs.append(h)
        return np.stack(hs, axis=1), None

    def backward_over_steps(dh, cache):
        x, h0, Wx, Wh, h, nl = cache
        N, T, H = h.shape
        dx, dWx, dWh, db, carry = np.zeros_like(x), 0 * Wx, 0 * Wh, np.zeros(H), np.zeros((N, H))
        for t in reversed(range(T)):
            prev = h0 if t == 0 else h[:, t - 1]
            dx[:, t], carry, gx, gh, gb = rnnlib.rnn_step_backward(
                dh[:, t] + carry, (x[:, t], prev, Wx, Wh, h[:, t], nl))
            dWx, dWh, db = dWx + gx, dWh + gh, db + gb
        return dx, carry, dWx, dWh, db

    def training_step(model, x, targets, optimizer):
        model.zero_grad()
        loss, dlogits = rnnlib.softmax_cross_entropy(model.forward(x), targets)
        model.backward(dlogits)
        optimizer.step(model.grads)
        return loss

    assert checks.check_rnn_forward(forward_over_steps)
    assert checks.check_rnn_backward(backward_over_steps)
    assert checks.check_training_step(training_step)
    assert "agree" in capsys.readouterr().out


def test_every_check_declares_what_it_replaces_and_each_name_is_rnnlib_code():
    # the checks of this repository's exercises; a later one declares its own in one line
    declared = {name: check.replaces for name, check in _core.REGISTRY.items()}
    for name in ["check_tanh_layer", "check_rnn_step_forward", "check_rnn_forward",
                 "check_rnn_forward_padded", "check_one_hot", "check_simple_rnn",
                 "check_rnn_step_backward", "check_rnn_backward", "check_step_jacobian",
                 "check_softmax_cross_entropy", "check_adam_update", "check_training_step",
                 "check_temperature_probs", "check_perplexity_from_logits",
                 "check_unit_correlations", "check_lstm_step_forward", "check_lstm_step_backward",
                 "check_gru_step_forward", "check_gru_step_backward"]:
        assert declared[name], name
        for replaced in declared[name]:
            codes = _guard.codes_of(_guard.resolve(replaced))
            assert codes and all(_guard._in_rnnlib(c) for c in codes), replaced
    # a decorator's shared wrapper code is never watched: it would flag every checked function
    shared = rnnlib.rnn_forward.__code__
    assert shared is rnnlib.rnn_backward.__code__
    assert all(shared not in _guard.watched(c.replaces) for c in _core.REGISTRY.values())


def test_a_new_check_declares_what_it_replaces_in_one_line():
    @_core.replaces("rnnlib.softmax_cross_entropy")
    def check_my_loss(fn):
        c = _core.Check("check_my_loss", fn, "fn(logits, targets)", "rnnlib.softmax_cross_entropy")
        z, y = np.zeros((1, 2, 3)), np.zeros((1, 2), dtype=int)

        def case():
            return c.compare([_core.Out("loss", c.call(z, y), np.log(3.0))])
        return c.run([("zeros", case)])
    try:
        assert check_my_loss(lambda z, y: float(np.log(z.shape[-1])))
        with pytest.raises(AssertionError, match="your function calls rnnlib.softmax_cross_entropy"):
            check_my_loss(lambda z, y: rnnlib.softmax_cross_entropy(z, y)[0])
    finally:
        _core.REGISTRY.pop("check_my_loss")


# --- 3. the check cell's import gives the real check, on rnnlib as imported -------------------

def import_check(name):
    """What the check cell's `from rnnlib.checks import check_x` gives."""
    namespace = {}
    exec(f"from rnnlib.checks import {name}", namespace)
    return namespace[name]


def fails_on_a_wrong_function():
    with pytest.raises(AssertionError) as raised:
        import_check("check_rnn_forward")(rnn_forward_no_bias)
    return str(raised.value)


def always_true(fn, *args, **kwargs):
    return True


def test_assigning_a_check_is_refused_with_a_plain_message():
    for module, name in [(checks, "check_rnn_forward"), (checks.forward, "check_rnn_forward"),
                         (checks._core, "rel_error"), (checks._core, "RTOL"), (checks, "_core")]:
        with pytest.raises(AttributeError, match=r"cannot be changed: the checks compare your "
                                                 r"functions with rnnlib's"):
            setattr(module, name, always_true)
        with pytest.raises(AttributeError, match="cannot be changed"):
            delattr(module, name)
    with pytest.raises(AttributeError, match="rnnlib.checks._core.RTOL cannot be changed"):
        with unittest.mock.patch.object(checks._core, "RTOL", 1.0):     # what monkeypatch does
            pass


def test_a_check_replaced_in_the_package_namespace_is_not_what_the_import_gives():
    vars(checks)["check_rnn_forward"] = always_true          # past the refusal
    vars(checks.forward)["check_rnn_forward"] = always_true
    assert "the bias b is missing" in fails_on_a_wrong_function()


def test_the_checks_own_code_replaced_is_put_back():
    check = _core.REGISTRY["check_rnn_forward"]
    free = check.__code__.co_freevars

    def make(**cells):
        names = ", ".join(free)
        src = (f"def outer({names}):\n    def run_check(fn, *a, raise_error=True, **k):\n"
               f"        return ({names}) and True\n    return run_check")
        scope = {}
        exec(src, scope)
        return scope["outer"](*range(len(free))).__code__
    check.__code__ = make()
    assert "the bias b is missing" in fails_on_a_wrong_function()


@pytest.mark.parametrize("attack", [
    "Check.compare", "Check.run", "Out.problem", "rel_error", "RTOL", "the reference",
    "np.max", "builtins.max", "the mistakes", "the inner check",
])
def test_the_machinery_and_rnnlib_are_as_imported_while_a_check_runs(attack, capsys):
    c = checks._core
    patches = {
        "Check.compare": lambda: setattr(c.Check, "compare", lambda self, outputs, mistakes=(): []),
        "Check.run": lambda: setattr(c.Check, "run", lambda self, cases: True),
        "Out.problem": lambda: setattr(c.Out, "problem", lambda self: (None, None)),
        "rel_error": lambda: vars(c).__setitem__("rel_error", lambda got, want: 0.0),
        "RTOL": lambda: vars(c).__setitem__("RTOL", 1e9),
        "the reference": lambda: setattr(rnnlib, "rnn_forward",
                                         lambda *a, **k: rnn_forward_no_bias(*a, **k)),
        "np.max": lambda: setattr(np, "max", lambda *a, **k: 0.0),
        "builtins.max": lambda: setattr(__import__("builtins"), "max", lambda *a, **k: 0.0),
        "the mistakes": lambda: vars(checks._maths).__setitem__("forward_mistakes",
                                                                 lambda *a, **k: []),
        "the inner check": lambda: setattr(c.REGISTRY["check_rnn_forward"].__wrapped__,
                                           "__code__", (lambda fn, nonlinearities=(): True).__code__),
    }
    patches[attack]()
    try:                     # restore before pytest reports: it needs max and numpy itself
        changed = [_guard.describe(item) for item, _ in _guard.SNAPSHOT.changed()]
        try:
            import_check("check_rnn_forward")(rnn_forward_no_bias)
            message = None
        except AssertionError as e:
            message = str(e)
        after = [_guard.describe(item) for item, _ in _guard.SNAPSHOT.changed()]
    finally:
        _guard.SNAPSHOT.restore()
    assert changed, "the attack changed nothing the snapshot knows"
    assert message is not None and "the bias b is missing" in message, message
    assert "An earlier cell changed" in message and "the check ran with rnnlib's own" in message
    assert after == changed          # the learner's change is still in place after the check


def test_a_change_made_by_the_learners_function_during_the_check_is_dropped():
    def sneaky(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        vars(checks._core)["rel_error"] = lambda got, want: 0.0
        return rnn_forward_no_bias(x, h0, Wx, Wh, b, nonlinearity)
    with pytest.raises(AssertionError, match="the bias b is missing"):
        checks.check_rnn_forward(sneaky)
    assert not _guard.SNAPSHOT.changed()


def test_importing_a_submodule_of_the_checks_still_works():
    import importlib
    assert importlib.import_module("rnnlib.checks.forward") is checks.forward
    assert type(checks.forward) is _guard.SealedModule


# --- 4. `import rnnlib` does not import the checks; they still run on rnnlib as imported ------

def _fresh_python(code):
    """code run in a new interpreter (its own first `import rnnlib`); its stdout."""
    import subprocess
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_rnnlib_does_not_import_the_checks_and_rnnlib_checks_imports_them_when_asked():
    out = _fresh_python(
        "import sys, rnnlib\n"
        "print(sorted(m for m in sys.modules if m.startswith('rnnlib.checks')))\n"
        "print(rnnlib.checks.check_rnn_forward.__name__, 'rnnlib.checks' in sys.modules)\n")
    assert out == "[]\ncheck_rnn_forward True\n"


def test_rnnlib_replaced_before_the_checks_are_first_imported_is_still_put_back():
    # the snapshot is rnnlib as imported, taken by `import rnnlib`, not by the first import of
    # the checks: a cell that points rnnlib's functions at the learner's own before any check
    # cell ran does not turn the reference into the learner's function
    out = _fresh_python(
        "import numpy as np, rnnlib, rnnlib.functional\n"
        "def wrong(x, h0, Wx, Wh, b, nonlinearity='tanh'):\n"
        "    h, hs = h0, []\n"
        "    for t in range(x.shape[1]):\n"
        "        h = np.tanh(x[:, t] @ Wx + h @ Wh)\n"
        "        hs.append(h)\n"
        "    return np.stack(hs, axis=1), None\n"
        "rnnlib.rnn_forward = rnnlib.functional.rnn_forward = wrong\n"
        "from rnnlib.checks import check_rnn_forward\n"
        "print(check_rnn_forward(wrong, raise_error=False))\n"
        "print(rnnlib.rnn_forward is wrong and rnnlib.functional.rnn_forward is wrong)\n")
    assert out.endswith("False\nTrue\n"), out
    assert "the bias b is missing" in out and "An earlier cell changed" in out, out
