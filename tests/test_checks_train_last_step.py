"""Notebook 05's thinking exercise, rnnlib.checks.check_train_last_step: the reference's first
gradient agrees with finite differences and its SGD trajectory with a plain-numpy model written
from the equations; a correct loop passes with one line; each likely mistake is named."""
import numpy as np
import pytest

import rnnlib
from rnnlib.checks.models_exercises import check_train_last_step, train_last_step_reference


def loop_with(bug=None):
    def train_last_step(model, x, targets, optimizer, updates):
        losses = []
        T = x.shape[1]
        for _ in range(updates):
            if bug != "no zero_grad":
                model.zero_grad()
            logits = model.forward(x)
            step = 0 if bug == "first step" else -1
            if bug == "every step":
                loss, dlogits = rnnlib.softmax_cross_entropy(logits, np.repeat(targets[:, None], T, axis=1))
            else:
                loss, d_last = rnnlib.softmax_cross_entropy(logits[:, step], targets)
                dlogits = np.zeros_like(logits)
                dlogits[:, step] = d_last / (T if bug == "divided by T" else 1)
            if bug != "no step":
                model.backward(dlogits)
                optimizer.step(model.grads)
            if bug == "loss after update":
                loss = rnnlib.softmax_cross_entropy(model.forward(x)[:, -1], targets)[0]
            losses.append(loss)
        if bug == "stub":
            raise NotImplementedError()
        return losses[-1] if bug == "last only" else losses
    return train_last_step


def test_sgd_on_the_reference_matches_a_plain_numpy_model():
    """Forward, cross-entropy of the last step, BPTT and SGD written out from the equations:
    the reference's losses over 4 updates agree."""
    rng = np.random.default_rng(1)
    N, T, F, H, V = 3, 4, 4, 5, 3
    x = np.eye(F)[rng.integers(0, F, (N, T))]
    targets = rng.integers(0, V, N)
    model = rnnlib.SequenceModel(F, H, V, seed=7)
    sd = {k: v.copy() for k, v in model.state_dict().items()}
    Wx, Wh = sd["rnn.weight_ih_l0"].T, sd["rnn.weight_hh_l0"].T
    b, W, c = sd["rnn.bias_ih_l0"] + sd["rnn.bias_hh_l0"], sd["head.weight"].T, sd["head.bias"]
    bih, bhh = sd["rnn.bias_ih_l0"], sd["rnn.bias_hh_l0"]
    lr, by_hand = 0.5, []
    for _ in range(4):
        hs, h = [], np.zeros((N, H))
        for t in range(T):
            h = np.tanh(x[:, t] @ Wx + h @ Wh + bih + bhh)
            hs.append(h)
        z = hs[-1] @ W + c
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        by_hand.append(-np.mean(np.log(p[np.arange(N), targets])))
        dz = (p - np.eye(V)[targets]) / N
        dW, dc = hs[-1].T @ dz, dz.sum(0)
        dWx, dWh, db, dh = 0, 0, 0, dz @ W.T
        for t in reversed(range(T)):
            da = dh * (1 - hs[t] ** 2)
            dWx, dWh, db = dWx + x[:, t].T @ da, dWh + (hs[t - 1] if t else np.zeros((N, H))).T @ da, db + da.sum(0)
            dh = da @ Wh.T
        Wx, Wh, W, c = Wx - lr * dWx, Wh - lr * dWh, W - lr * dW, c - lr * dc
        bih, bhh = bih - lr * db, bhh - lr * db          # torch's two biases both step by db
    losses = train_last_step_reference(model, x, targets, rnnlib.SGD(model.params, lr=lr), 4)
    assert np.allclose(losses, by_hand, rtol=1e-12)


def test_the_reference_gradient_agrees_with_finite_differences():
    rng = np.random.default_rng(2)
    x = np.eye(4)[rng.integers(0, 4, (2, 5))]
    targets = rng.integers(0, 3, 2)
    model = rnnlib.SequenceModel(4, 5, 3, seed=3)
    grads = {}

    class Capture:                      # an optimiser that keeps the gradients and steps nowhere
        def step(self, g):
            grads.update({k: v.copy() for k, v in g.items()})
    train_last_step_reference(model, x, targets, Capture(), 1)
    loss = lambda: rnnlib.softmax_cross_entropy(model.forward(x)[:, -1], targets)[0]
    assert rnnlib.gradcheck(loss, model.params, grads).ok()


def test_a_correct_loop_passes_with_one_line(capsys):
    assert check_train_last_step(loop_with()) is True
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("check_train_last_step: both cases agree")


@pytest.mark.parametrize("bug, words", [
    ("every step", "what scoring every step gives"),
    ("first step", "what scoring the first step gives"),
    ("no zero_grad", "call model.zero_grad() before model.backward"),
    ("loss after update", "each loss is measured after its update"),
    ("divided by T", "T times too small"),
    ("no step", "the parameters did not change"),
    ("last only", "return the list of all 5 losses"),
    ("stub", "not implemented yet"),
])
def test_each_likely_mistake_is_named(bug, words, capsys):
    assert check_train_last_step(loop_with(bug), raise_error=False) is False
    out = capsys.readouterr().out
    assert words in out, out


def test_a_wrong_loop_raises_the_diagnosis_by_default():
    with pytest.raises(AssertionError, match="call model.zero_grad"):
        check_train_last_step(loop_with("no zero_grad"))


def test_a_loop_that_hands_the_work_to_rnnlib_fit_fails_plainly(capsys):
    def with_fit(model, x, targets, optimizer, updates):
        def last_step(y, t, mask):
            loss, d_last = rnnlib.softmax_cross_entropy(y[:, -1], t[:, -1])
            dy = np.zeros_like(y)
            dy[:, -1] = d_last
            return loss, dy
        full = np.repeat(targets[:, None], x.shape[1], axis=1)
        return rnnlib.fit(model, x, full, optimizer, loss=last_step, epochs=updates)["loss"]
    assert check_train_last_step(with_fit, raise_error=False) is False
    assert "rnnlib.fit" in capsys.readouterr().out
