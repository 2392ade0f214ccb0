"""rnnlib.checks.check_gradients_back_in_time, notebook 06's exercise: a correct solution passes
with one stable line, and every diagnosis is triggered by a solution broken the way a learner
would break it.

The correct solution is written from the equations (one vector carried back, independent of
rnnlib); the broken ones are the same loop with one mistake switched on (`bug=...`). The
reference itself is checked against finite differences of the loss through rnnlib's forward.
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import checks
from rnnlib.checks.through_time import through_time_data


def slope_of(h, nonlinearity, bug=None):
    if nonlinearity == "tanh":
        return 1 - h if bug == "1 - h" else 1 - h ** 2
    if nonlinearity == "relu":
        return (h >= 0 if bug == ">=" else h > 0).astype(float)
    return np.where(h > 0, 1.0, 0.01)


def back_in_time_with(bug=None):
    def gradients_back_in_time(h, Wh, u, nonlinearity="tanh"):
        if bug == "stub":
            raise NotImplementedError()
        N, T, H = h.shape
        act = nonlinearity
        if bug == "other slope":                      # tanh's slope for relu, relu's for tanh
            act = "tanh" if nonlinearity != "tanh" else "relu"
        s = slope_of(h, act, bug)
        if bug == "no slope":
            s = np.ones_like(h)
        W = Wh if bug == "Wh" else Wh.T
        dh = np.zeros_like(h)
        if bug != "no u":
            dh[:, -1] = u / N if bug == "over N" else u
        stop = {"early": 1, "too far": -1}.get(bug, 0)
        for t in range(T - 1, stop, -1):
            if bug == "lag":
                dh[:, t - 1] = (dh[:, t] * s[:, t - 1]) @ W
            elif bug == "after":
                dh[:, t - 1] = (dh[:, t] @ W) * s[:, t]
            elif bug == "da recursion":
                dh[:, t - 1] = (dh[:, t] @ W) * s[:, t - 1]
            else:
                dh[:, t - 1] = (dh[:, t] * s[:, t]) @ W
        if bug == "da":
            return dh * s
        if bug == "reversed":
            return dh[:, ::-1]
        if bug == "norms":
            return np.linalg.norm(dh, axis=-1)
        return dh
    return gradients_back_in_time


def run(fn, capsys, **kwargs):
    ok = checks.check_gradients_back_in_time(fn, raise_error=False, **kwargs)
    return ok, capsys.readouterr().out


def test_a_correct_solution_passes_with_one_stable_line(capsys):
    ok, out = run(back_in_time_with(), capsys)
    assert ok is True
    assert out.splitlines() == ["check_gradients_back_in_time: all 9 cases agree with rnnlib's "
                                "backward pass (rnnlib.gradients.state_gradients) (largest "
                                "relative error < 1e-12)"]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "leaky_relu"])
def test_the_reference_is_the_gradient_by_finite_differences(nonlinearity):
    """dL/dh_t for L = h_{T-1} . u: nudge h_t, run the remaining steps forward, see L move."""
    x, Wx, Wh, b, u = through_time_data(3, 1, 5, 4)
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0),
           "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a)}[nonlinearity]
    h, _ = rnnlib.rnn_forward(x, np.zeros((1, 4)), Wx, Wh, b, nonlinearity)

    def loss_from(t, h_t):
        for s in range(t + 1, 5):
            h_t = act(x[0, s] @ Wx + h_t @ Wh + b)
        return h_t @ u

    eps = 1e-6
    fd = np.array([[(loss_from(t, h[0, t] + eps * e) - loss_from(t, h[0, t] - eps * e)) / (2 * eps)
                    for e in np.eye(4)] for t in range(5)])
    np.testing.assert_allclose(back_in_time_with()(h, Wh, u, nonlinearity)[0], fd, rtol=1e-6, atol=1e-9)


DIAGNOSES = [
    ("lag", "the slope is taken one step too early"),
    ("after", "the slope multiplies after the product with Wh.T"),
    ("da recursion", "the slope of h_{t-1} multiplies after the product"),
    ("Wh", "uses Wh where it needs Wh.T"),
    ("no slope", "the activation's slope is missing"),
    ("da", "the gradient at every state is multiplied by its own slope"),
    ("reversed", "the result is reversed in time"),
    ("early", "dh_0 is missing (zero): the loop must run down to t = 1"),
    ("too far", "the loop runs one step too far"),
    ("no u", "dh is all zeros: the loss reads h_{T-1} through u"),
    ("over N", "u is divided by the batch size N = 2"),
    ("other slope", "uses relu's slope although nonlinearity='tanh'"),
    ("1 - h", "tanh'(a) = 1 - h**2 (squared), not 1 - h."),
    ("norms", "(batch, time, hidden): these are one number per (sequence, step), norms perhaps"),
]


@pytest.mark.parametrize("bug, text", DIAGNOSES, ids=[b for b, _ in DIAGNOSES])
def test_each_mistake_gets_its_diagnosis(bug, text, capsys):
    ok, out = run(back_in_time_with(bug), capsys)
    assert ok is False
    assert text in out, out
    assert out.startswith("check_gradients_back_in_time: case ")
    assert "Traceback" not in out


def test_relu_counting_off_units_as_on_is_named(capsys):
    ok, out = run(back_in_time_with(">="), capsys, nonlinearities=("relu",))
    assert ok is False
    assert "so (h >= 0) counts it as on: use (h > 0)" in out, out


def test_a_stub_is_not_implemented_yet_in_one_line(capsys):
    ok, out = run(back_in_time_with("stub"), capsys)
    assert ok is False and out.splitlines() == ["check_gradients_back_in_time: not implemented yet"]


def test_a_solution_that_scribbles_on_its_inputs_fails_and_says_which():
    def scribbles(h, Wh, u, nonlinearity="tanh"):
        dh = back_in_time_with()(h, Wh, u, nonlinearity)
        h[...] = 0.0
        Wh[...] = 0.0
        return dh
    with pytest.raises(AssertionError, match="changed its arguments h and Wh in place"):
        checks.check_gradients_back_in_time(scribbles)


def test_a_wrong_function_raises_the_diagnosis_by_default():
    with pytest.raises(AssertionError, match="uses Wh where it needs Wh.T"):
        checks.check_gradients_back_in_time(back_in_time_with("Wh"))


def test_the_librarys_backward_pass_is_not_an_answer(capsys):
    """Delegating to rnnlib's backward pass (state_gradients, or rnn_step_backward step by
    step) is refused; rnnlib.activation_grad, which the solution uses, is allowed."""
    from rnnlib.gradients import state_gradients

    def delegates(h, Wh, u, nonlinearity="tanh"):
        N, T, H = h.shape
        g = np.zeros_like(h)
        g[:, -1] = u
        cache = (np.zeros((N, T, 1)), np.zeros((N, H)), np.zeros((1, H)), Wh, h, nonlinearity)
        return state_gradients(g, cache)

    def steps_back(h, Wh, u, nonlinearity="tanh"):
        dh = np.zeros_like(h)
        dh[:, -1] = u
        for t in range(h.shape[1] - 1, 0, -1):
            cache = (np.zeros((h.shape[0], 1)), h[:, t - 1], np.zeros((1, h.shape[2])), Wh, h[:, t],
                     nonlinearity)
            dh[:, t - 1] = rnnlib.rnn_step_backward(dh[:, t], cache)[1]
        return dh

    def with_activation_grad(h, Wh, u, nonlinearity="tanh"):
        s = rnnlib.activation_grad(h, nonlinearity)
        dh = np.zeros_like(h)
        dh[:, -1] = u
        for t in range(h.shape[1] - 1, 0, -1):
            dh[:, t - 1] = (dh[:, t] * s[:, t]) @ Wh.T
        return dh

    for cheat in (delegates, steps_back):
        ok, out = run(cheat, capsys)
        assert ok is False and "Traceback" not in out, out
    assert run(with_activation_grad, capsys)[0] is True
