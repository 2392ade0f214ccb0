"""Checks for the thinking exercises of notebooks 04 and 05: a whole model's loss and gradients,
and a whole training loop, where the notebook does not spell the code line by line.

    check_many_to_one_gradients   notebook 04: a linear read-out of the last state, its
                                  squared-error loss, and every gradient through BPTT
    check_train_last_step         notebook 05: many updates of a model scored at its last step
"""
from __future__ import annotations

from functools import partial

import numpy as np


from .. import functional, losses, models, optim
from ._core import RTOL, Check, Out, fresh, join_names, replaces, unpack
from .training import optimizer_step

# --- notebook 04: many-to-one loss and gradients ---------------------------------------------

M2O_NAMES = ("loss", "dWx", "dWh", "db", "dW_out", "db_out")


def many_to_one_reference(x, h0, Wx, Wh, b, W_out, b_out, target, bug=None):
    """(loss, dWx, dWh, db, dW_out, db_out) of L = 1/(2N) sum_n ||h_{T-1} W_out + b_out - target||^2,
    or of the mistake named by bug (None for the right answer)."""
    N, T, _ = x.shape
    h, cache = functional.rnn_forward(x, h0, Wx, Wh, b)                 # (N, T, H)
    h_last = h[:, -1]                                               # (N, H)
    y = h_last @ W_out + b_out                                      # (N, O)
    scale = {"sum": 1.0}.get(bug, 1.0 / N)                          # the 1/N of the mean
    loss = 0.5 * scale * np.sum((y - target) ** 2)
    dy = scale * (y - target)                                       # (N, O)
    if bug == "half":
        dy = 2 * dy
    if bug == "loss without half":
        loss = 2 * loss
    if bug == "sign":
        dy = -dy
    dh_last = dy @ (W_out if bug == "W_out not transposed" else W_out.T)   # (N, H)
    dh = np.zeros_like(h)                                           # (N, T, H)
    if bug == "every step":
        dh[:] = dh_last[:, None]
    elif bug == "first step":
        dh[:, 0] = dh_last
    else:
        dh[:, -1] = dh_last
    if bug == "last step only":                                     # no BPTT: one step back
        h_prev = h0 if T == 1 else h[:, -2]
        _, _, dWx, dWh, db = functional.rnn_step_backward(dh_last, (x[:, -1], h_prev, Wx, Wh, h_last, "tanh"))
    else:
        _, _, dWx, dWh, db = functional.rnn_backward(dh, cache)
    if bug == "dW_out transposed":
        dW_out = dy.T @ h_last
    elif bug == "dW_out every step":
        dW_out = sum(h[:, t].T @ dy for t in range(T))
    else:
        dW_out = h_last.T @ dy                                      # (H, O)
    db_out = dy.sum(axis=0)                                         # (O,)
    return float(loss), dWx, dWh, db, dW_out, db_out


M2O_MISTAKES = {
    "every step": "the read-out reads only the last state h_{T-1}, so dh is zero at every other "
                  "step; {names} {is} what you get when dy @ W_out.T is fed in at every step. Set "
                  "dh[:, -1] = dy @ W_out.T and leave the rest zero: BPTT carries it back.",
    "first step": "the read-out's gradient went into dh[:, 0]; it reads h_{T-1}, the state after "
                  "the last step, so it goes into dh[:, -1] (dh[:, 0] is the state after step 0).",
    "last step only": "{names} hold{s} only the last step's share: the gradient at h_{T-1} must "
                      "travel back through every step. Use rnn_backward on a dh (N, T, H) that is "
                      "zero except at t = T-1, not one rnn_step_backward.",
    "W_out not transposed": "the gradient sent into the RNN uses W_out; it needs W_out.T: y = h "
                            "W_out, so dh_{T-1} = dy @ W_out.T (a (N, O) @ (O, H) product).",
    "sum": "the loss and the gradients are N times too large: L averages over the N sequences "
           "(the 1/(2N) in front), so dy = (y - target) / N.",
    "half": "{names} {is} twice too large: the 1/2 in L = 1/(2N) sum ||y - target||^2 cancels "
            "the 2 of the square's derivative, so dy = (y - target) / N.",
    "loss without half": "the loss is twice too large: L = 1/(2N) sum ||y - target||^2, with the 1/2.",
    "sign": "{names} {is} the wrong sign: dy = dL/dy = (y - target) / N, the prediction minus "
            "the target.",
    "dW_out transposed": "dW_out is transposed: dW_out = h_{T-1}.T @ dy (H, O), the shape of W_out.",
    "dW_out every step": "dW_out adds h_t.T @ dy over every step; the read-out reads only the "
                         "last state: dW_out = h[:, -1].T @ dy.",
}


@replaces()
def check_many_to_one_gradients(fn):
    """fn(x, h0, Wx, Wh, b, W_out, b_out, target) -> (loss, dWx, dWh, db, dW_out, db_out) of a
    many-to-one model: y = h_{T-1} W_out + b_out (N, O), read from the RNN's last state, and
    L = 1/(2N) sum_n ||y_n - target_n||^2.

    x (N, T, F), h0 (N, H), Wx (F, H), Wh (H, H), b (H,), W_out (H, O), b_out (O,), target (N, O).
    Cases: (N, T, H, O) = (2, 4, 3, 3) (square W_out, where a missing transpose gives numbers,
    not an error, so it comes first), (1, 1, 3, 2) and (3, 5, 4, 1); tanh. The reference is rnnlib.rnn_forward and
    rnnlib.rnn_backward with dh zero except at t = T-1; the learner may call both (the
    exercise is the read-out and what it sends into BPTT), so the check replaces nothing.
    """
    c = Check("check_many_to_one_gradients", fn,
              "fn(x, h0, Wx, Wh, b, W_out, b_out, target)",
              "the reference (rnnlib.rnn_backward, fed at t = T-1 only)")

    def case(seed, N, T, F, H, O):
        rng = np.random.default_rng(seed)
        x, h0 = rng.normal(size=(N, T, F)), 0.5 * rng.normal(size=(N, H))
        Wx, Wh = 0.5 * rng.normal(size=(F, H)), 0.5 * rng.normal(size=(H, H))
        b, W_out, b_out = 0.1 * rng.normal(size=H), rng.normal(size=(H, O)), 0.1 * rng.normal(size=O)
        target = rng.normal(size=(N, O))
        inputs = (x, h0, Wx, Wh, b, W_out, b_out, target)
        want = many_to_one_reference(*inputs)
        got, problem = unpack(c.call(*fresh(*inputs)), M2O_NAMES)
        if problem:
            return [problem]
        shapes = {"dWx": (F, H), "dWh": (H, H), "db": (H,), "dW_out": (H, O), "db_out": (O,)}
        hints = {"dW_out": {(O, H): "dW_out has the shape of W_out, (H, O): dW_out = h_{T-1}.T @ dy."},
                 "db_out": {(N, O): "db_out sums dy over the N sequences: dy.sum(axis=0), (O,)."},
                 "db": {(N, H): "db sums over the sequences (and the steps), (H,)."}}
        outs = [Out("loss", got[0], want[0],
                    hints={(N,): "one loss per sequence; L is one number, the mean over them."})]
        outs += [Out(name, g, w, hints=hints.get(name)) for name, g, w in zip(M2O_NAMES[1:], got[1:], want[1:])
                 if shapes[name] == np.shape(w)]
        mistakes = []
        for bug, message in M2O_MISTAKES.items():
            if bug == "W_out not transposed" and H != O:
                continue                              # a shape error there, reported as such
            mistakes.append((message, many_to_one_reference(*inputs, bug=bug)))
        return c.compare(outs, mistakes)

    sizes = [(2, 4, 3, 3, 3), (1, 1, 2, 3, 2), (3, 5, 2, 4, 1)]
    return c.run([(f"N={N}, T={T}, F={F}, H={H}, O={O}", partial(case, 400 + i, N, T, F, H, O))
                  for i, (N, T, F, H, O) in enumerate(sizes)])


# --- notebook 05: a training loop for a model scored at its last step ------------------------

LAST_STEP_SIZES = (4, 6, 3)      # the check's models: input (one-hot), hidden and output sizes


def _flat(model):
    return np.concatenate([p.ravel() for p in model.state_dict().values()])


def train_last_step_reference(model, x, targets, optimizer, updates, bug=None):
    """The losses (one per update, each measured before it) of training model on the cross-entropy
    of its last step, L = -(1/N) sum_n log softmax(y_{n, T-1})[targets_n]; or of the mistake
    named by bug."""
    history = []
    T = x.shape[1]
    for _ in range(updates):
        if bug != "no zero_grad":
            model.zero_grad()
        logits = model.forward(x)                                    # (N, T, V)
        dlogits = np.zeros_like(logits)
        if bug == "every step":
            loss, dlogits = losses.softmax_cross_entropy(logits, np.repeat(targets[:, None], T, axis=1))
        elif bug == "first step":
            loss, dlogits[:, 0] = losses.softmax_cross_entropy(logits[:, 0], targets)
        else:
            loss, dlogits[:, -1] = losses.softmax_cross_entropy(logits[:, -1], targets)
        if bug == "divided by T":
            dlogits /= T
        model.backward(dlogits)
        optimizer_step(optimizer, model.grads)
        history.append(loss)
    if bug == "loss after update":
        after = losses.softmax_cross_entropy(model.forward(x)[:, -1], targets)[0]
        history = history[1:] + [after]
    return history


LAST_STEP_MISTAKES = {
    "every step": "{names} {is} what scoring every step gives: the model answers once, after "
                  "reading the whole sequence, so only its last step is scored: the loss of "
                  "logits[:, -1] against targets, and dlogits zero at every other step.",
    "first step": "{names} {is} what scoring the first step gives: the answer comes after the "
                  "last step, logits[:, -1], not logits[:, 0].",
    "no zero_grad": "each update used the gradients of every update so far added up: call "
                    "model.zero_grad() before model.backward in every update (backward adds to "
                    "model.grads, as in torch).",
    "loss after update": "each loss is measured after its update; return the loss of the forward "
                         "pass whose gradients the update used, measured before it.",
    "divided by T": "the gradient is T times too small: the loss is a mean over the N sequences' "
                    "last steps (M = N), not over all N*T steps.",
}


@replaces("rnnlib.fit")
def check_train_last_step(fn):
    """fn(model, x, targets, optimizer, updates) -> losses, a list of `updates` floats: train an
    rnnlib.SequenceModel that answers once per sequence, scored by the cross-entropy of its last
    step, L = -(1/N) sum_n log softmax(y_{n, T-1})[targets_n], with targets (N,) class ids.
    Each loss is measured before its update. The model is trained in place.

    Cases: rnnlib.SGD and rnnlib.Adam, 5 updates each, on one-hot batches; the losses and the
    parameters after training are compared with the same updates on a copy of the model.
    The loop is the exercise, so rnnlib.fit may not run it.
    """
    c = Check("check_train_last_step", fn, "fn(model, x, targets, optimizer, updates)",
              "the same updates on a copy of the model")
    F, H, V = LAST_STEP_SIZES

    def run_copy(start, make_optimizer, x, targets, updates, bug=None):
        model = models.SequenceModel(F, H, V, seed=0)
        model.load_state_dict(start)
        losses = train_last_step_reference(model, x, targets, make_optimizer(model.params), updates, bug)
        return np.array(losses), _flat(model)

    def case(seed, N, T, make_optimizer, updates):
        rng = np.random.default_rng(seed)
        x = np.eye(F)[rng.integers(0, F, (N, T))]                   # (N, T, F) one-hot
        targets = rng.integers(0, V, N)                             # (N,) one answer per sequence
        model = models.SequenceModel(F, H, V, seed=seed)
        start = model.state_dict()
        want = run_copy(start, make_optimizer, x, targets, updates)
        got = c.call(model, x.copy(), targets.copy(), make_optimizer(model.params), updates)
        if got is None:
            return ["the function returned None; return the list of losses, one per update."]
        if np.isscalar(got):
            return [f"the function returned one number; return the list of all {updates} "
                    f"losses, one per update, each measured before it."]
        after = _flat(model)
        keys, sizes = list(start), np.cumsum([0] + [p.size for p in start.values()])
        change = want[1] - _flat_start(start)

        def where_wrong(g):
            bad = [key for key, i, j in zip(keys, sizes[:-1], sizes[1:])
                   if np.abs(g[i:j] - change[i:j]).max() > RTOL * np.abs(change).max()]
            return f"it is wrong in {join_names(bad)}." if len(bad) < len(keys) else None

        outs = [Out("the list of losses", got, want[0], axes=("updates",), explain=_which_updates(want[0])),
                Out("the parameter change", after - _flat_start(start), change, explain=where_wrong)]
        mistakes = [(message, tuple(v if i == 0 else v - _flat_start(start) for i, v in
                                    enumerate(run_copy(start, make_optimizer, x, targets, updates, bug))))
                    for bug, message in LAST_STEP_MISTAKES.items()]
        mistakes.append(("the parameters did not change: call model.backward(dlogits) and then "
                         "optimizer.step(model.grads) in every update.",
                         (None, np.zeros_like(change))))
        return c.compare(outs, mistakes)

    cases = [("rnnlib.SGD(model.params, lr=0.5), N=3, T=4, 5 updates", 3, 4,
              lambda p: optim.SGD(p, lr=0.5)),
             ("rnnlib.Adam(model.params, lr=0.05), N=5, T=6, 5 updates", 5, 6,
              lambda p: optim.Adam(p, lr=0.05))]
    return c.run([(label, partial(case, 500 + i, N, T, make, 5))
                  for i, (label, N, T, make) in enumerate(cases)])


def _which_updates(want):
    """explain(got) for the losses: which updates are right, when some are ("update 1 is right,
    updates 2 .. 5 are wrong"), counted from 1 as updates are."""
    def explain(got):
        scale = float(np.max(np.abs(want))) or 1.0
        bad = np.abs(np.asarray(got, float) - want) > RTOL * scale
        if bad.all() or not bad.any():
            return None
        def words(ks):
            ks = [k + 1 for k in ks]
            if len(ks) == 1:
                return f"update {ks[0]}"
            if ks == list(range(ks[0], ks[-1] + 1)):
                return f"updates {ks[0]} .. {ks[-1]}"
            return "updates " + ", ".join(map(str, ks))
        return (f"the loss is right at {words(np.flatnonzero(~bad).tolist())} and wrong at "
                f"{words(np.flatnonzero(bad).tolist())}.")
    return explain


def _flat_start(start):
    return np.concatenate([p.ravel() for p in start.values()])
