"""Notebook 04's thinking exercise, rnnlib.checks.check_many_to_one_gradients: the reference
agrees with finite differences of the loss; a solution written from the equations (its own
forward and backward loop, no rnnlib) passes with one line; each likely mistake is named."""
import numpy as np
import pytest

from rnnlib.checks.models_exercises import check_many_to_one_gradients, many_to_one_reference


def solution_with(bug=None):
    """The exercise written from the equations with plain numpy, one mistake switched on by bug."""
    def many_to_one_gradients(x, h0, Wx, Wh, b, W_out, b_out, target):
        N, T, _ = x.shape
        hs, h = [], h0
        for t in range(T):
            h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
            hs.append(h)
        y = hs[-1] @ W_out + b_out
        loss = np.sum((y - target) ** 2) / (2 * N)
        dy = (y - target) / N
        if bug == "sum":
            loss, dy = loss * N, dy * N
        if bug == "half":
            dy = 2 * dy
        if bug == "sign":
            dy = -dy
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dW_out = hs[-1].T @ dy
        if bug == "dW_out every step":
            dW_out = sum(h_t.T @ dy for h_t in hs)
        db_out = dy.sum(axis=0)
        if bug == "db_out per sequence":
            db_out = dy
        d_from_out = dy @ (W_out if bug == "W_out" else W_out.T)
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)):
            from_out = d_from_out if (t == T - 1 or bug == "every step") else 0.0
            da = (from_out + dh_next) * (1 - hs[t] ** 2)
            h_prev = h0 if t == 0 else hs[t - 1]
            dWx += x[:, t].T @ da
            dWh += h_prev.T @ da
            db += da.sum(axis=0)
            dh_next = da @ Wh.T
            if bug == "no bptt":
                break
        if bug == "stub":
            raise NotImplementedError()
        return loss, dWx, dWh, db, dW_out, db_out
    return many_to_one_gradients


def numerical(f, p, eps=1e-6):
    g = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + eps
        up = f()
        p[i] = old - eps
        down = f()
        p[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def test_the_reference_agrees_with_finite_differences():
    rng = np.random.default_rng(0)
    N, T, F, H, O = 2, 4, 3, 3, 2
    args = [rng.normal(size=(N, T, F)), 0.5 * rng.normal(size=(N, H)), 0.5 * rng.normal(size=(F, H)),
            0.5 * rng.normal(size=(H, H)), 0.1 * rng.normal(size=H), rng.normal(size=(H, O)),
            0.1 * rng.normal(size=O), rng.normal(size=(N, O))]
    loss, *grads = many_to_one_reference(*args)
    x, h0, Wx, Wh, b, W_out, b_out, target = args

    def f():
        h = h0
        for t in range(T):
            h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        return np.sum((h @ W_out + b_out - target) ** 2) / (2 * N)
    assert loss == pytest.approx(f(), rel=1e-12)
    for p, g in zip((Wx, Wh, b, W_out, b_out), grads):
        assert np.allclose(g, numerical(f, p), rtol=1e-6, atol=1e-9)


def test_a_solution_from_the_equations_passes_with_one_line(capsys):
    assert check_many_to_one_gradients(solution_with()) is True
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("check_many_to_one_gradients: all 3 cases agree")


@pytest.mark.parametrize("bug, words", [
    ("every step", "fed in at every step"),
    ("no bptt", "only the last step's share"),
    ("W_out", "it needs W_out.T"),
    ("sum", "N times too large"),
    ("half", "twice too large: the 1/2"),
    ("sign", "the wrong sign"),
    ("dW_out every step", "dW_out adds h_t.T @ dy over every step"),
    ("db_out per sequence", "db_out sums dy over the N sequences"),
    ("stub", "not implemented yet"),
])
def test_each_likely_mistake_is_named(bug, words, capsys):
    assert check_many_to_one_gradients(solution_with(bug), raise_error=False) is False
    out = capsys.readouterr().out
    assert words in out, out


def test_a_wrong_number_of_outputs_is_said_plainly(capsys):
    def three(*args):
        return solution_with()(*args)[:3]
    assert check_many_to_one_gradients(three, raise_error=False) is False
    assert "it should return 6 values, (loss, dWx, dWh, db, dW_out, db_out)" in capsys.readouterr().out
