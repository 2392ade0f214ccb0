"""rnnlib.checks: a correct solution passes every check with one stable line; every diagnosis is
triggered by a deliberately broken solution written the way a learner would get it wrong.

The correct solutions here are written from the equations, independently of rnnlib; the broken
ones are the same code with one mistake switched on (`bug=...`).
"""
import numpy as np
import pytest

import rnnlib
from rnnlib import checks
from rnnlib.checks.backward import jacobian_data
from rnnlib.checks.training import optimizer_step


def act(a, nl, slope=0.01):
    return {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0),
            "leaky_relu": lambda a: np.where(a > 0, a, slope * a)}[nl](a)


def dact(h, nl):
    """d act / da from the output h."""
    return {"tanh": lambda h: 1 - h ** 2, "relu": lambda h: (h > 0) * 1.0,
            "leaky_relu": lambda h: np.where(h > 0, 1.0, 0.01)}[nl](h)


# --- solutions: bug=None is the correct one ------------------------------------------------

def tanh_layer_with(bug=None):
    def tanh_layer(x, W, b):
        if bug == "W @ x":
            return np.tanh(W @ x + b)
        if bug == "x @ W.T":
            a = x @ W.T + b
        elif bug == "elementwise":
            a = x * W + b
        else:
            a = x @ W + (0 if bug == "no bias" else b)
        h = {"no tanh": lambda a: a, "tan": np.tan, "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
             "bias after": lambda a: np.tanh(a - b) + b}.get(bug, np.tanh)(a)
        if bug == "tuple":
            return h, a
        return {"transposed": h.T, "squeezed": h[0], "inputs": x}.get(bug, h)
    return tanh_layer



def step_forward_with(bug=None):
    def rnn_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        W = Wh.T if bug == "Wh.T" else Wh
        a = x @ Wx + (0 if bug == "no h_prev" else h_prev @ W) + (0 if bug == "no bias" else b)
        if bug == "no act":
            h = a
        elif bug == "always tanh":
            h = np.tanh(a)
        else:
            h = act(a, nonlinearity, slope=0.2 if bug == "slope" else 0.01)
        if bug == "h only":
            return h
        if bug == "no return":
            h_next = h                          # noqa: F841 - the return statement is forgotten
            return None
        h = {"transposed": h.T, "squeezed": h[0], "zeros": np.zeros_like(h_prev)}.get(bug, h)
        return h, (x, h_prev, Wx, Wh, h, nonlinearity)
    return rnn_step_forward


def forward_with(bug=None):
    def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        if bug == "float32":
            x, h0, Wx, Wh, b = (a.astype(np.float32) for a in (x, h0, Wx, Wh, b))
        N, T, _ = x.shape
        h = np.zeros((N, T, Wh.shape[0]), dtype=x.dtype)
        h_prev = np.zeros_like(h0) if bug == "zeros" else h0
        for t in range(T - 1 if bug == "stops early" else T):
            W = Wh.T if bug == "Wh.T" else Wh
            h_t = act(x[:, t] @ Wx + h_prev @ W + b, nonlinearity)
            h[:, t] = h_prev if bug == "store before" else h_t
            if bug != "no update":
                h_prev = h_t
        if bug == "last only":
            return h[:, -1], None

        if bug == "time first":
            return h.transpose(1, 0, 2), None
        return h, (x, h0, Wx, Wh, h, nonlinearity)
    return rnn_forward


def padded_with(bug=None):
    def rnn_forward_padded(x, h0, Wx, Wh, b, lengths, nonlinearity="tanh"):
        N, T, _ = x.shape
        L = {"minus one": lengths - 1, "plus one": lengths + 1}.get(bug, lengths)
        h, h_prev = np.zeros((N, T, Wh.shape[0])), h0
        for t in range(T):
            h_t = act(x[:, t] @ Wx + h_prev @ Wh + b, nonlinearity)
            real = (t < L)[:, None]
            if bug == "zero":
                h_t = np.where(real, h_t, 0.0)
            elif bug == "h0 on padding":
                h_t = np.where(real, h_t, h0)
            elif bug != "ignore lengths":
                h_t = np.where(real, h_t, h_prev)
            h[:, t] = h_t
            if bug != "no update":
                h_prev = h_t
        return h, None
    return rnn_forward_padded


def simple_rnn_with(bug=None):
    def simple_rnn(x, Wx, Wh, b, return_sequences=False, return_state=False):
        N, T, _ = x.shape
        h, h_prev = np.zeros((N, T, Wh.shape[0])), np.zeros((N, Wh.shape[0]))
        for t in range(T):
            h_prev = np.tanh(x[:, t] @ Wx + h_prev @ (Wh.T if bug == "Wh.T" else Wh) + b)
            h[:, t] = h_prev
        last = h[:, 0] if bug == "first" else h[:, -1]
        seq = {"always last": False, "always seq": True}.get(bug, return_sequences)
        out, state = (h if seq else last), (h if bug == "state seq" else last)
        if bug == "never state":
            return out
        if bug == "always state" or return_state:
            return [out, state]
        return out
    return simple_rnn


def one_hot_with(bug=None):
    def one_hot(ids, vocab_size):
        if bug == "ids":
            return ids.astype(float)
        if bug == "max":
            return np.eye(ids.max() + 1)[ids]
        x = np.zeros((len(ids), vocab_size), dtype=int if bug == "int" else float)
        if bug == "columns":
            x[:, ids] = 1
        elif bug == "rows":
            x[ids] = 1
        elif bug == "off by one":
            x[np.arange(len(ids)), ids - 1] = 1
        elif bug != "zeros":
            x[np.arange(len(ids)), ids] = 1
        return {"transposed": x.T, "batch of one": x[None], "string": "one-hot"}.get(bug, x)
    return one_hot


def step_backward_with(bug=None):
    kept = {}

    def rnn_step_backward(dh_next, cache):
        x, h_prev, Wx, Wh, h_next, nl = cache
        if bug == "no derivative":
            da = dh_next
        elif bug == "tanh derivative":
            da = dh_next * (1 - h_next ** 2)
        elif bug == "pre-activation":
            a = x @ Wx + h_prev @ Wh
            da = dh_next * (1 - a ** 2)
        else:
            da = dh_next * dact(h_next, nl) * (2 if bug == "factor 2" else 1)
        dx = da @ Wx.T * (-1 if bug == "minus dx" else 1)
        dh_prev = da @ (Wh if bug == "Wh" else Wh.T)
        dWx = da.T @ x if bug == "dWx.T" else x.T @ da
        dWh = {"h_next": h_next.T @ da, "dWh.T": da.T @ h_prev}.get(bug, h_prev.T @ da)
        db = da if bug == "no sum" else da.sum(axis=0)
        if bug == "mean":
            dWx, dWh, db = dWx / len(x), dWh / len(x), db / len(x)
        if bug == "kept":                       # a gradient stored outside the function
            kept["dWh"] = kept.get("dWh", 0) + dWh
            dWh = kept["dWh"]
        return dx, dh_prev, dWx, dWh, db
    return rnn_step_backward


def backward_with(bug=None):
    kept = {}

    def rnn_backward(dh, cache):
        x, h0, Wx, Wh, h, nl = cache
        N, T, H = h.shape
        dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
        dh_next, at_h_0 = np.zeros((N, H)), None
        steps = {"skip t0": range(T - 1, 0, -1), "skip last": range(T - 2, -1, -1)}.get(bug, reversed(range(T)))
        for t in steps:
            h_prev = (np.zeros_like(h0) if bug == "h0 zeros" else h0) if t == 0 else h[:, t - 1]
            if bug == "no carry":
                g = dh[:, t]
            elif bug == "only last dh":
                g = dh_next + (dh[:, t] if t == T - 1 else 0)
            else:
                g = dh[:, t] + dh_next
            if t == 0:
                at_h_0 = g
            if bug == "no derivative":
                da = g
            elif bug == "derivative on dh only":
                da = dh[:, t] * dact(h[:, t], nl) + dh_next
            elif bug == "tanh derivative":
                da = g * (1 - h[:, t] ** 2)
            elif bug == "pre-activation":
                a = x[:, t] @ Wx + h_prev @ Wh
                da = g * (1 - a ** 2)
            else:
                da = g * dact(h[:, t], nl)
            dx[:, t] = da @ Wx.T
            gWh = {"dWh h_t": h[:, t].T @ da, "dWh.T": da.T @ h_prev}.get(bug, h_prev.T @ da)
            if bug == "overwrite":
                dWx, dWh, db = x[:, t].T @ da, gWh, da.sum(axis=0)
            else:
                dWx, dWh, db = dWx + x[:, t].T @ da, dWh + gWh, db + da.sum(axis=0)
            dh_next = da @ (Wh if bug == "Wh" else Wh.T)
            if bug == "clip" and t > 0:         # against exploding gradients, but it changes them
                dh_next = np.clip(dh_next, -0.1, 0.1)
        dh0 = {"dh0 zeros": np.zeros((N, H)), "dh0 at h_0": at_h_0}.get(bug, dh_next)
        if bug == "mean":
            dWx, dWh, db = dWx / N, dWh / N, db / N
        if bug == "kept":
            kept["dWx"] = kept.get("dWx", 0) + dWx
            dWx = kept["dWx"]
        return dx, dh0, dWx, dWh, db
    return rnn_backward


def jacobian_with(bug=None):
    def step_jacobian(h_t, Wh, nonlinearity="tanh"):
        d = dact(h_t, nonlinearity)
        return {"transposed": (np.diag(d) @ Wh.T).T, "Wh": np.diag(d) @ Wh, "columns": Wh.T @ np.diag(d),
                "no derivative": Wh.T.copy(), "no derivative, Wh": Wh.copy(),
                "tanh derivative": np.diag(1 - h_t ** 2) @ Wh.T, "1 - h": np.diag(1 - h_t) @ Wh.T,
                "vector": d}.get(bug, np.diag(d) @ Wh.T)
    return step_jacobian


def softmax_cross_entropy_with(bug=None):
    def softmax_cross_entropy(logits, targets):
        N, T, V = logits.shape
        M = N * T
        z = logits if bug == "naive" else logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=-1, keepdims=True)
        logp = np.log(p) if bug in ("naive", "log of softmax") else z - np.log(e.sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]       # (N, T)
        loss = -picked.sum() / {"sum": 1, "over N": N, "over T": T, "over V": M * V}.get(bug, M)
        if bug == "loss sign":
            loss = -loss
        if bug == "per step":
            loss = -picked
        onehot = np.eye(V)[targets]
        dlogits = (p - (0 if bug == "no -1" else onehot)) / {"no 1/M": 1, "over N": N, "over T": T}.get(bug, M)
        if bug == "accuracy too":               # as rnnlib's did before it lost the accuracy
            return loss, dlogits, float(np.mean(logits.argmax(axis=-1) == targets))
        return loss, (-dlogits if bug == "dlogits sign" else dlogits)
    return softmax_cross_entropy


def adam_with(bug=None):
    def adam_update(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        if bug == "defaults":
            lr, beta1, beta2, eps = 1e-3, 0.9, 0.999, 1e-8
        if bug == "betas swapped":
            beta1, beta2 = beta2, beta1
        tt = {"t from 0": t - 1, "t plus 1": t + 1}.get(bug, t)
        m_new = {"m no 1-b1": beta1 * m + g, "m swapped": (1 - beta1) * m + beta1 * g}.get(
            bug, beta1 * m + (1 - beta1) * g)
        v_new = {"v uses g": beta2 * v + (1 - beta2) * g, "v swapped": (1 - beta2) * v + beta2 * g * g,
                 "v no 1-b2": beta2 * v + g * g}.get(bug, beta2 * v + (1 - beta2) * g * g)
        mm, vv = (m, v) if bug == "old m v" else (m_new, v_new)
        m_hat = mm if bug in ("no correction", "no m correction") else mm / (1 - beta1 ** tt)
        v_hat = vv if bug in ("no correction", "no v correction") else vv / (1 - beta2 ** tt)
        if bug == "eps inside":
            step = lr * m_hat / np.sqrt(v_hat + eps)
        elif bug == "efficient":
            step = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m_new / (np.sqrt(v_new) + eps)
        else:
            step = lr * m_hat / (np.sqrt(v_hat) + eps)
        if bug == "in place":
            p -= step
            m[...], v[...] = m_new, v_new
            return p, m, v
        m_out = m_hat if bug == "m hat" else m_new
        v_out = v_hat if bug == "v hat" else v_new
        return (p + step if bug == "sign" else p - step), m_out, v_out
    return adam_update


def training_step_with(bug=None):
    def training_step(model, x, targets, optimizer):
        if bug not in ("no zero_grad", "zero_grad after backward"):
            model.zero_grad()
        loss, dlogits = rnnlib.softmax_cross_entropy(model.forward(x), targets)[:2]
        if bug == "zero_grad after backward":
            model.backward(dlogits)
            model.zero_grad()
            optimizer_step(optimizer, model.grads)
        elif bug == "no step":
            model.backward(dlogits)
        elif bug == "no backward":
            optimizer_step(optimizer, model.grads)
        elif bug == "step first":
            optimizer_step(optimizer, model.grads)
            model.backward(dlogits)
        else:
            model.backward(dlogits)
            if bug == "head frozen":
                model.grads["head.weight"][...] = 0.0
                model.grads["head.bias"][...] = 0.0
            optimizer_step(optimizer, model.grads)
        if bug == "loss after":
            return rnnlib.softmax_cross_entropy(model.forward(x), targets)[0]
        return {"None": None, "tuple": (loss, dlogits)}.get(bug, loss)
    return training_step


FACTORIES = {
    checks.check_tanh_layer: tanh_layer_with,
    checks.check_rnn_step_forward: step_forward_with,
    checks.check_rnn_forward: forward_with,
    checks.check_rnn_forward_padded: padded_with,
    checks.check_simple_rnn: simple_rnn_with,
    checks.check_one_hot: one_hot_with,
    checks.check_rnn_step_backward: step_backward_with,
    checks.check_rnn_backward: backward_with,
    checks.check_step_jacobian: jacobian_with,
    checks.check_softmax_cross_entropy: softmax_cross_entropy_with,
    checks.check_adam_update: adam_with,
    checks.check_training_step: training_step_with,
}


def run(check, fn, capsys, **kwargs):
    ok = check(fn, raise_error=False, **kwargs)
    return ok, capsys.readouterr().out


# --- a correct solution: True and one line that is the same on every run ----------------------

SUCCESS = {
    checks.check_tanh_layer: "all 3 cases agree with np.tanh(x @ W + b)",
    checks.check_rnn_step_forward: "all 4 cases agree with rnnlib.rnn_step_forward",
    checks.check_rnn_forward: "all 6 cases agree with rnnlib.rnn_forward",
    checks.check_rnn_forward_padded: "all 8 cases agree with rnnlib.rnn_forward_padded",
    checks.check_simple_rnn: "all 12 cases agree with rnnlib.rnn_forward from a zero state",
    checks.check_one_hot: "all 3 cases agree with np.eye(vocab_size)[ids]",
    checks.check_rnn_step_backward: "all 6 cases agree with rnnlib.rnn_step_backward",
    checks.check_rnn_backward: "all 9 cases agree with rnnlib.rnn_backward",
    checks.check_step_jacobian: "all 6 cases agree with diag(act'(a_t)) @ Wh.T",
    checks.check_softmax_cross_entropy: "all 4 cases agree with rnnlib.softmax_cross_entropy",
    checks.check_adam_update: "all 4 cases agree with rnnlib.Adam",
    checks.check_training_step: "both cases agree with a reference step",
}


@pytest.mark.parametrize("check", list(FACTORIES), ids=lambda c: c.__name__)
def test_a_correct_solution_passes_with_one_stable_line(check, capsys):
    first = run(check, FACTORIES[check](), capsys)
    assert first == (True, f"{check.__name__}: {SUCCESS[check]} (largest relative error < 1e-12)\n")
    assert run(check, FACTORIES[check](), capsys) == first


def test_the_backward_checks_accept_the_learners_own_forward_and_its_cache(capsys):
    def my_step_forward(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):
        h = act(x @ Wx + h_prev @ Wh + b, nonlinearity)
        return h, {"h_next": h, "inputs": (x, h_prev, Wx, Wh), "nl": nonlinearity}   # another format

    def my_step_backward(dh_next, cache):
        x, h_prev, Wx, Wh = cache["inputs"]
        da = dh_next * dact(cache["h_next"], cache["nl"])
        return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    assert run(checks.check_rnn_step_backward, my_step_backward, capsys, forward=my_step_forward)[0]
    assert run(checks.check_rnn_backward, backward_with(), capsys, forward=forward_with())[0]


def test_the_step_jacobian_reference_is_the_finite_difference_jacobian():
    """J[i, j] = d h_t[i] / d h_{t-1}[j], measured by centred differences on the check's own cases."""
    for H in (3, 4):
        for seed in range(70, 76):
            x, h_prev, Wx, Wh, b = jacobian_data(seed, H)
            a = x @ Wx + h_prev @ Wh + b
            assert (a > 0).any() and (a < 0).any()      # relu cases have active and inactive units
            for nl in ("tanh", "relu", "leaky_relu"):
                def h_of(hp):
                    return act(x @ Wx + hp @ Wh + b, nl)
                eps = 1e-6
                J_fd = np.stack([(h_of(h_prev + eps * e) - h_of(h_prev - eps * e)) / (2 * eps)
                                 for e in np.eye(H)], axis=1)                     # column j: d h / d h_prev[j]
                assert np.allclose(jacobian_with()(h_of(h_prev), Wh, nl), J_fd, atol=1e-8)


# --- every diagnosis, each from its own broken solution ------------------------------------

DIAGNOSES = [
    # check, bug, what the report must say, check's keyword arguments
    ("check_tanh_layer", "x @ W.T", "uses W.T: in this course's layout h = tanh(x @ W + b)", {}),
    ("check_tanh_layer", "no bias", "the bias b is missing: h = tanh(x @ W + b).", {}),
    ("check_tanh_layer", "bias after", "b is added after tanh: the bias goes inside", {}),
    ("check_tanh_layer", "no tanh", "tanh is missing: h = tanh(a) with the pre-activation", {}),
    ("check_tanh_layer", "tan", "uses np.tan, the trigonometric tangent", {}),
    ("check_tanh_layer", "sigmoid", "applies the logistic sigmoid", {}),
    ("check_tanh_layer", "transposed", "h has shape (3, 1) but should be (1, 3) (batch, hidden): "
     "rows and columns are swapped: one row per sample.", {}),
    ("check_tanh_layer", "squeezed", "h has shape (3,) but should be (1, 3) (batch, hidden): one "
     "number per unit: the batch axis is missing", {}),
    ("check_tanh_layer", "inputs", "h has shape (4, 2) but should be (4, 5) (batch, hidden): one "
     "column per input feature", {}),
    ("check_tanh_layer", "tuple", "the function returned a tuple of 2 values; it should return "
     "one array, h.", {}),
    ("check_rnn_step_forward", "Wh.T", "uses h_prev @ Wh.T; in this course's layout", {}),
    ("check_rnn_step_forward", "no bias", "the bias b is missing", {}),
    ("check_rnn_step_forward", "no h_prev", "h_prev is ignored", {}),
    ("check_rnn_step_forward", "no act", "no nonlinearity is applied", {}),
    ("check_rnn_step_forward", "always tanh", "applies tanh although nonlinearity='relu'", {}),
    ("check_rnn_step_forward", "slope", "leaky_relu uses slope 0.2 for negative inputs",
     {"nonlinearities": ("leaky_relu",)}),
    ("check_rnn_step_forward", "h only", "the function returned one array of shape (1, 4); it "
     "should return 2 values, (h_next, cache).", {}),
    ("check_rnn_step_forward", "transposed", "h_next has shape (4, 1) but should be (1, 4) (batch, "
     "hidden): the same sizes in another order: is an array transposed", {}),
    ("check_rnn_step_forward", "squeezed", "h_next has shape (4,) but should be (1, 4) (batch, "
     "hidden): the batch axis is missing.", {}),
    ("check_rnn_step_forward", "zeros", "h_next is all zeros.", {}),
    ("check_rnn_step_forward", "no return", "the function returned None (is the return statement "
     "missing?); it should return 2 values, (h_next, cache).", {}),

    ("check_rnn_forward", "no update", "h is right at t = 0 and wrong after: is h_prev updated "
     "inside the loop?", {}),
    ("check_rnn_forward", "zeros", "h0 is ignored: the loop should start from h_prev = h0", {}),
    ("check_rnn_forward", "store before", "h[:, t] holds the state before step t", {}),
    ("check_rnn_forward", "Wh.T", "uses h_prev @ Wh.T", {}),
    ("check_rnn_forward", "last only", "h has shape (1, 4) but should be (1, 1, 4) (batch, time, "
     "hidden): the time axis is missing: did you return only the last state?", {}),
    ("check_rnn_forward", "time first", "h has shape (4, 1, 4) but should be (1, 4, 4) (batch, time, "
     "hidden): time and batch are swapped", {}),
    ("check_rnn_forward", "float32", "h is float32, which keeps about 7 digits; the check compares "
     "in float64", {}),
    ("check_rnn_forward", "stops early", "h is zero at the last step, t = T-1: the loop should run "
     "for every step", {}),

    ("check_rnn_forward_padded", "zero", "h is zero on the padding steps; on padding the state is "
     "carried unchanged, h_t = h_{t-1} for t >= lengths[n]", {}),
    ("check_rnn_forward_padded", "ignore lengths", "the padding steps are computed like real ones", {}),
    ("check_rnn_forward_padded", "minus one", "lengths is off by one", {}),
    ("check_rnn_forward_padded", "plus one", "lengths is off by one", {}),
    ("check_rnn_forward_padded", "no update", "is h_prev updated inside the loop?", {}),
    ("check_rnn_forward_padded", "h0 on padding", "h is right on every real step and wrong on "
     "padding (t >= lengths[n])", {}),

    ("check_simple_rnn", "always last", "output has shape (2, 3) but should be (2, 1, 3) (batch, "
     "time, hidden): returned only the last state but return_sequences=True asks for every step.", {}),
    ("check_simple_rnn", "always seq", "output has shape (2, 1, 3) but should be (2, 3) (batch, "
     "hidden): returned every step but return_sequences=False asks for the last one", {}),
    ("check_simple_rnn", "never state", "return_state=True asks for [output, state]", {}),
    ("check_simple_rnn", "always state", "return_state=False asks for the output alone", {}),
    ("check_simple_rnn", "first", "output is the state after the first step; the last one is h[:, -1].", {}),
    ("check_simple_rnn", "state seq", "state is the last state (N, H), not every step.", {}),
    ("check_simple_rnn", "Wh.T", "uses h_prev @ Wh.T", {}),

    ("check_one_hot", "columns", "x[:, ids] = 1 sets whole columns", {}),
    ("check_one_hot", "rows", "x[ids] = 1 sets whole rows", {}),
    ("check_one_hot", "off by one", "the 1.0 is one column off", {}),
    ("check_one_hot", "zeros", "no 1.0 is set", {}),
    ("check_one_hot", "transposed", "rows and columns are swapped", {}),
    ("check_one_hot", "max", "5 columns is max(ids) + 1; the number of columns is vocab_size = 6", {}),
    ("check_one_hot", "int", "x has the right values but dtype int64; make it float", {}),
    ("check_one_hot", "ids", "one number per id", {}),
    ("check_one_hot", "batch of one", "x has shape (1, 5, 4) but should be (5, 4) (position, "
     "vocab_size): it has an extra axis of length 1 (axis 0); remove it.", {}),
    ("check_one_hot", "string", "x should be an array of numbers, got a str.", {}),

    ("check_rnn_step_backward", "no derivative", "the activation derivative is missing", {}),
    ("check_rnn_step_backward", "tanh derivative", "uses tanh's derivative although the "
     "nonlinearity is 'relu': relu'(a) = 1 where h > 0, else 0.", {}),
    ("check_rnn_step_backward", "pre-activation", "tanh's derivative is computed from the "
     "pre-activation", {}),
    ("check_rnn_step_backward", "Wh", "dh_prev uses Wh where it needs Wh.T", {}),
    ("check_rnn_step_backward", "h_next", "dWh uses h_next; it should use h_prev", {}),
    ("check_rnn_step_backward", "dWh.T", "dWh is transposed: dWh = h_prev.T @ da.", {}),
    ("check_rnn_step_backward", "dWx.T", "dWx has shape (4, 3) but should be (3, 4) (input_size, "
     "hidden): dWx is transposed", {}),
    ("check_rnn_step_backward", "no sum", "db keeps the batch axis", {}),
    ("check_rnn_step_backward", "mean", "dWx, dWh and db are divided by the batch size N = 3", {}),
    ("check_rnn_step_backward", "minus dx", "dx has the wrong sign.", {}),
    ("check_rnn_step_backward", "factor 2", "dWh is 2 times the right value.", {}),
    ("check_rnn_step_backward", "kept", "a second call with the same inputs returned a different dWh", {}),

    ("check_rnn_backward", "skip t0", "dx, dh0, dWx, dWh and db are off by exactly the contribution "
     "of t = 0: does the loop stop at t = 1?", {}),
    ("check_rnn_backward", "skip last", "are missing the contribution of t = T-1", {}),
    ("check_rnn_backward", "h0 zeros", "dWh uses zeros for the state before t = 0; it is h0", {}),
    ("check_rnn_backward", "no carry", "ignore the gradient arriving from t+1", {}),
    ("check_rnn_backward", "only last dh", "use only dh[:, T-1]", {}),
    ("check_rnn_backward", "no derivative", "the activation derivative is missing", {}),
    ("check_rnn_backward", "tanh derivative", "uses tanh's derivative although the nonlinearity "
     "is 'relu'", {}),
    ("check_rnn_backward", "pre-activation", "computed from the pre-activation", {}),
    ("check_rnn_backward", "Wh", "goes back through Wh where it needs Wh.T", {}),
    ("check_rnn_backward", "dWh h_t", "dWh uses h_t; it should use h_{t-1}", {}),
    ("check_rnn_backward", "dWh.T", "dWh is transposed", {}),
    ("check_rnn_backward", "overwrite", "dWx, dWh and db hold only one step's contribution", {}),
    ("check_rnn_backward", "dh0 zeros", "dh0 is all zeros", {}),
    ("check_rnn_backward", "dh0 at h_0", "dh0 is the gradient at h[:, 0]", {}),
    ("check_rnn_backward", "mean", "are divided by the batch size N = 3", {}),
    ("check_rnn_backward", "kept", "a second call with the same inputs returned a different dWx", {}),
    ("check_rnn_backward", "derivative on dh only", "the activation derivative multiplies only "
     "dh[:, t]", {}),
    ("check_rnn_backward", "clip", "dx is right at t = 3 and wrong at t = 0 .. 2.", {}),

    ("check_step_jacobian", "transposed", "J is transposed: J[i, j] = d h_t[i] / d h_{t-1}[j] = "
     "act'(a_t)[i] * Wh[j, i], so J = diag(act'(a_t)) @ Wh.T", {}),
    ("check_step_jacobian", "Wh", "J uses Wh where it needs Wh.T", {}),
    ("check_step_jacobian", "columns", "scales the columns of Wh.T instead of its rows", {}),
    ("check_step_jacobian", "no derivative", "the activation derivative is missing: J = "
     "diag(act'(a_t)) @ Wh.T, with tanh'(a) = 1 - h**2.", {}),
    ("check_step_jacobian", "no derivative, Wh", "the activation derivative is missing and Wh is "
     "not transposed", {}),
    ("check_step_jacobian", "tanh derivative", "uses tanh's derivative although the nonlinearity is 'relu'", {}),
    ("check_step_jacobian", "1 - h", "tanh'(a) = 1 - h**2 (squared), not 1 - h.", {}),
    ("check_step_jacobian", "vector", "J has shape (3,) but should be (3, 3)", {}),

    ("check_softmax_cross_entropy", "naive", "the loss and dlogits contain nan: exp overflowed "
     "(exp(1000) is inf in float64, and inf / inf is nan). Overflow: subtract the max", {}),
    ("check_softmax_cross_entropy", "log of softmax", "the loss contains inf: log(0)", {}),
    ("check_softmax_cross_entropy", "sum", "the loss is the sum over the M = N*T = 6 steps; it "
     "should be the mean", {}),
    ("check_softmax_cross_entropy", "no 1/M", "dlogits is M = N*T = 6 times too large: the 1/M", {}),
    ("check_softmax_cross_entropy", "over N", "the loss and dlogits are divided by N = 2 only", {}),
    ("check_softmax_cross_entropy", "over T", "the loss and dlogits are divided by T = 3 only", {}),
    ("check_softmax_cross_entropy", "over V", "divided by the number of classes V = 3", {}),
    ("check_softmax_cross_entropy", "loss sign", "the loss has the wrong sign", {}),
    ("check_softmax_cross_entropy", "no -1", "dlogits lacks the -1 at the target class", {}),
    ("check_softmax_cross_entropy", "dlogits sign", "dlogits has the wrong sign", {}),
    ("check_softmax_cross_entropy", "accuracy too", "the function returned a tuple of 3 values; "
     "it should return 2 values, (loss, dlogits).", {}),
    ("check_softmax_cross_entropy", "per step", "the loss has shape (1, 1) but should be (): one "
     "loss per step", {}),

    ("check_adam_update", "no correction", "no bias correction", {}),
    ("check_adam_update", "no v correction", "v is not bias-corrected", {}),
    ("check_adam_update", "no m correction", "m is not bias-corrected", {}),
    ("check_adam_update", "eps inside", "eps is inside the square root", {}),
    ("check_adam_update", "efficient", "eps is added before the bias correction", {}),
    ("check_adam_update", "sign", "the step has the wrong sign", {}),
    ("check_adam_update", "old m v", "the step uses m and v from before this update", {}),
    ("check_adam_update", "t from 0", "contains nan: is k counted from 0?", {}),
    ("check_adam_update", "t plus 1", "the bias correction uses k + 1", {}),
    ("check_adam_update", "defaults", "are not used: it computes with the defaults", {}),
    ("check_adam_update", "m no 1-b1", "m_new should be beta1 * m + (1 - beta1) * dp.", {}),
    ("check_adam_update", "m swapped", "beta1 and 1 - beta1 are swapped", {}),
    ("check_adam_update", "m hat", "m_new is the bias-corrected m_hat", {}),
    ("check_adam_update", "v uses g", "v_new averages dp; it should average dp**2", {}),
    ("check_adam_update", "v uses g", "the step p_new - p contains nan: the square root of a negative v", {}),
    ("check_adam_update", "m swapped", "the step is right for the m_new and v_new returned; correct "
     "those first.", {}),
    ("check_adam_update", "v swapped", "beta2 and 1 - beta2 are swapped", {}),
    ("check_adam_update", "v no 1-b2", "v_new should be beta2 * v + (1 - beta2) * dp**2.", {}),
    ("check_adam_update", "v hat", "v_new is the bias-corrected v_hat", {}),
    ("check_adam_update", "in place", "your function changed its arguments p, m and v in place", {}),
    ("check_adam_update", "betas swapped", "beta1 and beta2 are swapped: beta1 (0.9 by default) is "
     "the decay of m", {}),

    ("check_training_step", "no zero_grad", "the second step used both calls' gradients added up: "
     "call model.zero_grad()", {}),
    ("check_training_step", "step first", "optimizer.step runs before model.backward, so it uses "
     "the gradients left from before (zeros on the first call)", {}),
    ("check_training_step", "zero_grad after backward", "model.zero_grad() runs after "
     "model.backward(): it wipes the gradients backward has just filled", {}),
    ("check_training_step", "no step", "optimizer.step was not called", {}),
    ("check_training_step", "no backward", "model.backward was not called", {}),
    ("check_training_step", "None", "the loss of call 1 is None: the function should return it.", {}),
    ("check_training_step", "tuple", "call 1 returned a tuple of 2 values; return the loss alone", {}),
    ("check_training_step", "loss after", "the loss is measured after the step", {}),
    ("check_training_step", "head frozen", "it is wrong in head.weight and head.bias.", {}),
]


@pytest.mark.parametrize("name, bug, text, kwargs", DIAGNOSES,
                         ids=[f"{name[6:]}-{bug}" for name, bug, _, _ in DIAGNOSES])
def test_each_mistake_gets_its_diagnosis(name, bug, text, kwargs, capsys):
    check = getattr(checks, name)
    ok, out = run(check, FACTORIES[check](bug), capsys, **kwargs)
    assert ok is False
    assert text in out, out
    assert out.startswith(f"{name}: case ")
    # an input changed in place is said instead of a comparison: the outputs are not compared
    assert ("disagrees with" in out.splitlines()[0]) != (bug == "in place")
    assert "Traceback" not in out


def test_a_report_names_the_case_the_output_and_the_size_of_the_error(capsys):
    ok, out = run(checks.check_rnn_backward, backward_with("skip t0"), capsys)
    assert not ok
    lines = out.splitlines()
    # case 1 (T = 1) is wrong too, but a loop that stops early only shows which end with T > 1
    assert lines[0] == ("check_rnn_backward: case 4 of 9 (N=1, T=4, nonlinearity='tanh') disagrees "
                        "with rnnlib.rnn_backward:")
    assert [ln.split(" is wrong")[0].strip() for ln in lines[1:6]] == ["dx", "dh0", "dWx", "dWh", "db"]
    assert all("(largest relative error " in ln for ln in lines[1:6])
    assert lines[6:] == ["  dx, dh0, dWx, dWh and db are off by exactly the contribution of t = 0: "
                         "does the loop stop at t = 1? (reversed(range(T)) runs t = T-1 down to 0.)",
                         "  (9 of 9 cases disagree; case 4 is shown.)"]


def test_only_the_wrong_output_is_named(capsys):
    ok, out = run(checks.check_rnn_step_backward, step_backward_with("dWh.T"), capsys)
    assert not ok
    assert out.splitlines()[1:] == [out.splitlines()[1], "  dWh is transposed: dWh = h_prev.T @ da.",
                                    "  (6 of 6 cases disagree; case 1 is shown.)"]
    assert out.splitlines()[1].startswith("  dWh is wrong (largest relative error ")


@pytest.mark.parametrize("bug", ["W @ x"])
def test_a_layer_that_does_not_fit_the_row_layout_is_told_the_shapes(bug, capsys):
    """W @ x and x * W make numpy raise in case 1 already (x @ W.T, wrong numbers there, is
    diagnosed above). The error is shown as the learner's, with the row layout spelled out."""
    ok, out = run(checks.check_tanh_layer, tanh_layer_with(bug), capsys)
    assert not ok and "Traceback" not in out
    assert "your code raised ValueError" in out
    assert "in tanh_layer, line" in out
    assert "x is (N, F) and W is (F, H), so x @ W is (N, H)" in out


def test_an_elementwise_product_is_told_to_use_the_matrix_product(capsys):
    """x * W broadcasts to W's shape for N = 1 (case 1) and fails in numpy for N = 4."""
    ok, out = run(checks.check_tanh_layer, tanh_layer_with("elementwise"), capsys)
    assert not ok and "Traceback" not in out
    assert out.splitlines()[1] == ("  h has shape (3, 3) but should be (1, 3) (batch, hidden): the "
                                   "shape of W. x * W multiplies entry by entry; the layer needs the "
                                   "matrix product x @ W.")
    def right_for_one_sample(x, W, b):
        return np.tanh((x @ W if len(x) == 1 else x * W) + b)
    ok, out = run(checks.check_tanh_layer, right_for_one_sample, capsys)
    assert not ok and "your code raised ValueError: operands could not be broadcast" in out
    assert "x * W multiplies entry by entry; the layer needs the matrix product x @ W." in out


# --- stubs, errors in the learner's code, wrong arguments -----------------------------------

def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


@pytest.mark.parametrize("check", list(FACTORIES), ids=lambda c: c.__name__)
def test_a_stub_is_not_implemented_yet_in_one_line(check, capsys):
    assert run(check, stub, capsys) == (False, f"{check.__name__}: not implemented yet\n")


def test_a_stub_called_from_the_learners_code_is_not_implemented_yet_too(capsys):
    def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        return stub(x[:, 0], h0, Wx, Wh, b, nonlinearity), None
    assert run(checks.check_rnn_forward, rnn_forward, capsys) == (False, "check_rnn_forward: not implemented yet\n")


def rnn_forward_indexing_by_sequence(x, h0, Wx, Wh, b, nonlinearity="tanh"):
    h_prev, hs = h0, []
    for t in range(x.shape[1]):
        h_prev = act(x[t] @ Wx + h_prev @ Wh + b, nonlinearity)
        hs.append(h_prev)
    return np.stack(hs, axis=1), None


def test_an_error_in_the_learners_code_shows_the_learners_line(capsys):
    ok, out = run(checks.check_rnn_forward, rnn_forward_indexing_by_sequence, capsys)
    assert not ok
    assert out.splitlines() == [
        "check_rnn_forward: case 3 of 6 (N=1, T=4, nonlinearity='tanh'): your code raised IndexError: "
        "index 1 is out of bounds for axis 0 with size 1",
        "  in rnn_forward_indexing_by_sequence, line "
        f"{rnn_forward_indexing_by_sequence.__code__.co_firstlineno + 3}:  "
        "h_prev = act(x[t] @ Wx + h_prev @ Wh + b, nonlinearity)",
        "  (4 of 6 cases disagree; case 3 is shown.)"]


def test_an_error_raised_inside_rnnlib_points_at_the_learners_call(capsys):
    def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        return rnnlib.rnn_forward(x, h0, Wx, Wh[:2], b, nonlinearity)    # a slice too many
    ok, out = run(checks.check_rnn_forward, rnn_forward, capsys)
    assert not ok
    assert "your code raised ValueError: rnn_forward: Wh should have shape" in out
    assert "return rnnlib.rnn_forward(x, h0, Wx, Wh[:2], b, nonlinearity)" in out
    assert "_validation" not in out and "Traceback" not in out


def test_a_function_with_other_parameters_is_told_how_it_is_called(capsys):
    def rnn_forward(x, h0, Wx, Wh, b):
        return forward_with()(x, h0, Wx, Wh, b)
    ok, out = run(checks.check_rnn_forward, rnn_forward, capsys)
    assert not ok
    assert "TypeError" in out and "unexpected keyword argument 'nonlinearity'" in out
    assert "The check calls it as fn(x, h0, Wx, Wh, b, nonlinearity=...)" in out


def test_something_that_is_not_a_function_is_refused_in_words(capsys):
    ok, out = run(checks.check_one_hot, "one_hot", capsys)
    assert not ok
    assert out == ("check_one_hot: expected your function, got str. Pass the function itself, "
                   "without calling it: check_one_hot(my_function).\n")


def test_a_function_that_changes_its_inputs_in_place_fails_and_the_argument_is_named(capsys):
    """The right outputs do not make up for a caller's arrays changed silently: the learner's
    function gets copies, and a copy that comes back different is named with the usual cause."""
    def rnn_forward(x, h0, Wx, Wh, b, nonlinearity="tanh"):
        h, cache = forward_with()(x, h0, Wx, Wh, b, nonlinearity)
        Wh *= 0.0                                   # vandalise the weights after use
        x[...] = np.nan
        return h, cache
    ok, out = run(checks.check_rnn_forward, rnn_forward, capsys)
    assert not ok
    assert "changed its arguments x and Wh in place" in out and "`x += ...`" in out


def test_an_in_place_change_inside_a_cache_is_named_by_its_position(capsys):
    def rnn_step_backward(dnext, cache):
        out = step_backward_with()(dnext, cache)
        cache[2][0, 0] += 1.0                       # one entry of one array of the cache
        return out
    ok, out = run(checks.check_rnn_step_backward, rnn_step_backward, capsys)
    assert not ok and "changed its argument cache[2] in place" in out


def test_numpy_warnings_from_the_learners_code_do_not_reach_the_output(capsys, recwarn):
    ok, out = run(checks.check_softmax_cross_entropy, softmax_cross_entropy_with("naive"), capsys)
    assert not ok and "RuntimeWarning" not in out and not [w for w in recwarn if "overflow" in str(w.message)]
    assert capsys.readouterr().err == ""


def test_a_check_refuses_a_nonlinearity_it_does_not_know():
    with pytest.raises(ValueError, match=r"check_rnn_forward: nonlinearities should name some of"):
        checks.check_rnn_forward(forward_with(), nonlinearities=("sigmoid",))
