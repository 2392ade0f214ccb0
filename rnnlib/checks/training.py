"""Checks for the training exercises: softmax cross-entropy, one Adam update, one training step."""
from __future__ import annotations

import inspect
from functools import partial

import numpy as np


from .. import losses, models, optim
from ._core import RTOL, Check, Out, fresh, join_names, real_array, replaces, unpack


def optimizer_step(optimizer, grads):
    """optimizer.step(grads), or optimizer.step() for an optimiser that reads the gradients itself."""
    if inspect.signature(optimizer.step).parameters:
        optimizer.step(grads)
    else:
        optimizer.step()


# --- softmax cross-entropy ------------------------------------------------------------------

OVERFLOW = {"nan": "exp overflowed (exp(1000) is inf in float64, and inf / inf is nan). Overflow: "
                   "subtract the max, each row's largest logit, before exp; softmax(z) = "
                   "softmax(z - max z).",
            "inf": "log(0): the target's probability underflowed to 0 (exp(-1000) is 0 in "
                   "float64). Compute log p directly, as (z - max z) - log(sum(exp(z - max z))), "
                   "instead of taking the log of the softmax."}


@replaces("rnnlib.softmax_cross_entropy", "rnnlib.losses._log_softmax")
def check_softmax_cross_entropy(fn):
    """fn(logits (N, T, V), targets (N, T) ids) -> (loss, dlogits):
    loss = -(1/M) sum over the M = N*T steps of log softmax(z)[target], dlogits = (softmax(z) - onehot) / M.

    Cases include logits of 1000, where a softmax that does not subtract the max overflows.
    """
    c = Check("check_softmax_cross_entropy", fn, "fn(logits, targets)", "rnnlib.softmax_cross_entropy")

    def case(z, y):
        N, T, V = z.shape
        M = N * T
        want = losses.softmax_cross_entropy(z, y)[:2]
        got, problem = unpack(c.call(*fresh(z, y)), ("loss", "dlogits"))
        if problem:
            return [problem]
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)                            # softmax(z), (N, T, V)
        mistakes = [(f"the loss is the sum over the M = N*T = {M} steps; it should be the mean: "
                     f"divide by M.", (want[0] * M, None)),
                    (f"dlogits is M = N*T = {M} times too large: the 1/M of the mean is missing "
                     f"from the gradient.", (None, want[1] * M)),
                    (f"{{names}} {{is}} divided by N = {N} only; the mean is over all M = N*T = "
                     f"{M} steps.", (want[0] * T, want[1] * T)),
                    (f"{{names}} {{is}} divided by T = {T} only; the mean is over all M = N*T = "
                     f"{M} steps.", (want[0] * N, want[1] * N)),
                    (f"the loss is also divided by the number of classes V = {V}: average over "
                     f"the M steps only.", (want[0] / V, None)),
                    ("the loss has the wrong sign: it is the mean of -log p(target), a positive "
                     "number.", (-want[0], None)),
                    ("dlogits lacks the -1 at the target class: dL/dz = (softmax(z) - "
                     "onehot(targets)) / M.", (None, p / M)),
                    ("dlogits has the wrong sign: dL/dz = (softmax(z) - onehot(targets)) / M.",
                     (None, -want[1]))]
        # overflow is the cause only where exp can overflow: logits beyond about 709
        overflow = OVERFLOW if np.abs(z).max() > 700 else None
        outs = [Out("the loss", got[0], want[0], nonfinite=overflow,
                    hints={(N, T): "one loss per step; the loss is one number, their mean."}),
                Out("dlogits", got[1], want[1], axes=("batch", "time", "classes"), nonfinite=overflow)]
        return c.compare(outs, mistakes)

    rng = np.random.default_rng(80)
    cases = [("logits (1, 1, 3)", np.array([[[2.0, 1.0, 0.1]]]), np.array([[0]])),
             ("logits (2, 3, 5)", rng.normal(size=(2, 3, 5)), rng.integers(0, 5, (2, 3))),
             ("logits (3, 4, 6)", 3 * rng.normal(size=(3, 4, 6)), rng.integers(0, 6, (3, 4))),
             ("logits (1, 2, 3) as large as 1000",
              np.array([[[1000.0, 0.0, -1000.0], [-500.0, 1000.0, 999.0]]]), np.array([[1, 2]]))]
    return c.run([(label, partial(case, z, y)) for label, z, y in cases])


# --- one Adam update ------------------------------------------------------------------------

ADAM_DEFAULTS = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _adam_by_formula(m, v, g, t, lr, beta1, beta2, eps):
    """(step, m_new, v_new, m_hat, v_hat) written out, for the variants of the mistakes."""
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return -lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new, m_hat, v_hat


@replaces("rnnlib.Adam")
def check_adam_update(fn):
    """fn(p, dp, m, v, k, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8) -> (p_new, m_new, v_new),
    new arrays, for update k = 1, 2, ... of Adam:

        m_new = beta1 m + (1 - beta1) dp;   v_new = beta2 v + (1 - beta2) dp**2
        m_hat = m_new / (1 - beta1**k);   v_hat = v_new / (1 - beta2**k)
        p_new = p - lr m_hat / (sqrt(v_hat) + eps)

    Reference: rnnlib.Adam run for k updates on a dict holding p.
    """
    c = Check("check_adam_update", fn, "fn(p, dp, m, v, k, lr=..., beta1=..., beta2=..., eps=...)",
              "rnnlib.Adam")

    def case(seed, shape, t, kwargs):
        hp = {**ADAM_DEFAULTS, **kwargs}
        lr, b1, b2, eps = hp["lr"], hp["beta1"], hp["beta2"], hp["eps"]
        rng = np.random.default_rng(seed)
        gs = [rng.normal(size=shape) * 10 ** rng.uniform(-3, 1, shape) for _ in range(t)]
        params = {"p": rng.normal(size=shape)}
        opt = optim.Adam(params, lr=lr, betas=(b1, b2), eps=eps)
        for g in gs[:-1]:
            optimizer_step(opt, {"p": g})
        p = params["p"].copy()                        # p after t - 1 steps
        optimizer_step(opt, {"p": gs[-1]})
        m, v = np.zeros(shape), np.zeros(shape)       # m and v after t - 1 steps, by their formula
        for g in gs[:-1]:
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        g = gs[-1]
        _, m_new, v_new, m_hat, v_hat = _adam_by_formula(m, v, g, t, lr, b1, b2, eps)

        inputs = fresh(p, g, m, v)
        got, problem = unpack(c.call(*inputs, t, **kwargs), ("p_new", "m_new", "v_new"))
        if problem:
            return [problem]
        p_new, v_got = real_array(got[0]), real_array(got[2])   # None: not real numbers
        same_shape = p_new is not None and p_new.shape == p.shape
        if v_got is not None and v_got.shape == p.shape and np.any(v_got < 0):
            nonfinite = "the square root of a negative v: v averages dp**2, never negative."
        elif t == 1:
            nonfinite = ("is k counted from 0? The first call has k = 1, and 1 - beta1**0 = 0 "
                         "divides by zero.")
        else:
            nonfinite = None
        step = Out("the step p_new - p" if same_shape else "p_new",
                   p_new - p if same_shape else got[0],
                   params["p"] - p if same_shape else params["p"], nonfinite=nonfinite)
        outs = [step, Out("m_new", got[1], m_new), Out("v_new", got[2], v_new)]

        def step_with(mh, vh, e=eps):
            return -lr * mh / (np.sqrt(vh) + e)
        efficient = -lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m_new / (np.sqrt(v_new) + eps)
        mistakes = [("beta1 and beta2 are swapped: beta1 (0.9 by default) is the decay of m, the "
                     "average of dp, and beta2 (0.999) the decay of v, the average of dp**2; each "
                     "bias correction uses its own: m_hat = m_new / (1 - beta1**k), v_hat = "
                     "v_new / (1 - beta2**k).", _adam_by_formula(m, v, g, t, lr, b2, b1, eps)[:3]),
                    ("no bias correction: the step uses m_hat = m_new / (1 - beta1**k) and "
                     "v_hat = v_new / (1 - beta2**k), not m_new and v_new.", (step_with(m_new, v_new),)),
                    ("v is not bias-corrected: v_hat = v_new / (1 - beta2**k).", (step_with(m_hat, v_new),)),
                    ("m is not bias-corrected: m_hat = m_new / (1 - beta1**k).", (step_with(m_new, v_hat),)),
                    ("eps is inside the square root: p_new = p - lr * m_hat / (sqrt(v_hat) + eps).",
                     (-lr * m_hat / np.sqrt(v_hat + eps),)),
                    ("eps is added before the bias correction (the Adam paper's 'efficient' form); "
                     "this course, like torch, adds it to sqrt(v_hat): p - lr * m_hat / (sqrt(v_hat) + eps).",
                     (efficient,)),
                    ("the step has the wrong sign: p_new = p - lr * m_hat / (sqrt(v_hat) + eps).",
                     (-step_with(m_hat, v_hat),)),
                    ("the step uses m and v from before this update: update m and v first, then "
                     "step with m_new and v_new.", (step_with(m / (1 - b1 ** t), v / (1 - b2 ** t)),))]
        for tt, text in ((t - 1, "is k counted from 0? This call is update k (the first call has "
                                 "k = 1), and the bias correction divides by 1 - beta1**k."),
                         (t + 1, "the bias correction uses k + 1; k already counts this step "
                                 "(the first call has k = 1).")):
            if tt >= 1:
                mistakes.append((text, (_adam_by_formula(m, v, g, tt, lr, b1, b2, eps)[0],)))
        m_l, v_l = (real_array(a) for a in got[1:])
        if all(a is not None and a.shape == p.shape for a in (m_l, v_l)):   # the right step for
            with np.errstate(all="ignore"):                                  # the m, v returned
                mistakes.append(("the step is right for the m_new and v_new returned; correct those "
                                 "first.", (step_with(m_l / (1 - b1 ** t), v_l / (1 - b2 ** t)),)))
        if kwargs:
            mistakes.append(("the lr, beta1, beta2 or eps passed to the function are not used: "
                             "it computes with the defaults.",
                             _adam_by_formula(m, v, g, t, **ADAM_DEFAULTS)[:3]))
        mistakes += [("m_new should be beta1 * m + (1 - beta1) * dp.", (None, b1 * m + g)),
                     ("beta1 and 1 - beta1 are swapped: m_new = beta1 * m + (1 - beta1) * dp.",
                      (None, (1 - b1) * m + b1 * g)),
                     ("m_new is the bias-corrected m_hat; return the running mean m_new itself "
                      "(the correction is only for the step).", (None, m_hat)),
                     ("v_new averages dp; it should average dp**2: v_new = beta2 * v + (1 - beta2) * dp**2.",
                      (None, None, b2 * v + (1 - b2) * g)),
                     ("beta2 and 1 - beta2 are swapped: v_new = beta2 * v + (1 - beta2) * dp**2.",
                      (None, None, (1 - b2) * v + b2 * g * g)),
                     ("v_new should be beta2 * v + (1 - beta2) * dp**2.", (None, None, b2 * v + g * g)),
                     ("v_new is the bias-corrected v_hat; return the running mean v_new itself "
                      "(the correction is only for the step).", (None, None, v_hat))]
        return c.compare(outs, mistakes)     # inputs changed in place: Check.call says so

    cases = [((3,), 1, {}), ((2, 4), 3, {}),
             ((3,), 5, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}),
             ((2, 3), 12, {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6})]
    labels = [f"shape {shape}, k={t}" + "".join(f", {k}={v:g}" for k, v in kw.items())
              for shape, t, kw in cases]
    return c.run([(label, partial(case, 90 + i, *args))
                  for i, (label, args) in enumerate(zip(labels, cases))])


# --- one training step ----------------------------------------------------------------------

def _flat(model):
    return np.concatenate([p.ravel() for p in model.state_dict().values()])


SIZES = (4, 5, 4)      # the model of the training-step check: input, hidden and output sizes


def _reference_calls(start, make_optimizer, x, targets, calls=2, zero_grad=True):
    """(loss, parameters after) of each call of a training step on a copy of the model;
    zero_grad=False gives the classic mistake, gradients adding up from call to call."""
    model = models.SequenceModel(*SIZES, seed=0)
    model.load_state_dict(start)
    opt = make_optimizer(model.params)
    out = []
    for _ in range(calls):
        if zero_grad:
            model.zero_grad()
        loss, dlogits = losses.softmax_cross_entropy(model.forward(x), targets)[:2]
        model.backward(dlogits)
        optimizer_step(opt, model.grads)
        out.append((loss, _flat(model)))
    return out


def _record_calls(model, optimizer):
    """A list that the model's zero_grad, forward and backward and the optimiser's step append
    their names to when called (instance attributes over the methods, which they call)."""
    calls = []

    def recorded(name, method):
        def call(*args, **kwargs):
            calls.append(name)
            return method(*args, **kwargs)
        return call
    for name in ("zero_grad", "forward", "backward"):
        setattr(model, name, recorded(name, getattr(model, name)))
    optimizer.step = recorded("step", optimizer.step)
    return calls


def _order_problem(calls):
    """What is wrong with the order of one training step's calls, in words; None if nothing."""
    if "step" not in calls:
        return "optimizer.step was not called: after model.backward, optimizer.step(model.grads) " \
               "changes the parameters."
    if "backward" not in calls:
        return "model.backward was not called, so model.grads holds no gradient of this loss: " \
               "call model.backward(dlogits) before optimizer.step."
    step, backward = len(calls) - 1 - calls[::-1].index("step"), calls.index("backward")
    if step < backward:
        return ("optimizer.step runs before model.backward, so it uses the gradients left from "
                "before (zeros on the first call), not this loss's: step last.")
    if "zero_grad" in calls[backward:step]:
        return ("model.zero_grad() runs after model.backward(): it wipes the gradients backward "
                "has just filled, so optimizer.step finds zeros and the parameters do not "
                "change. Call model.zero_grad() first, before the forward pass.")
    return None


@replaces("rnnlib.fit", "rnnlib.fit_truncated")
def check_training_step(fn):
    """fn(model, x, targets, optimizer) -> loss: one training step of an rnnlib.SequenceModel,

        model.zero_grad();  loss, dlogits = softmax_cross_entropy(model.forward(x), targets)
        model.backward(dlogits);  optimizer.step(model.grads);  return loss

    Two calls on the same model, with SGD and with Adam; the parameters after each call are
    compared with the same steps on a copy of the model.
    """
    c = Check("check_training_step", fn, "fn(model, x, targets, optimizer)", "a reference step")

    def case(make_optimizer, seed):
        rng = np.random.default_rng(seed)
        x = np.eye(4)[rng.integers(0, 4, (2, 5))]                        # (2, 5, 4) one-hot
        targets = rng.integers(0, 4, (2, 5))
        model = models.SequenceModel(*SIZES, seed=seed)
        start = model.state_dict()
        right = _reference_calls(start, make_optimizer, x, targets, calls=3)   # 3: the loss after step 2
        no_zero = _reference_calls(start, make_optimizer, x, targets, zero_grad=False)
        keys = list(start)
        sizes = np.cumsum([0] + [p.size for p in start.values()])
        opt = make_optimizer(model.params)
        calls = _record_calls(model, opt)
        before = _flat(model)
        for k in range(2):
            calls.clear()
            loss = c.call(model, x.copy(), targets.copy(), opt)
            order = _order_problem(calls)
            after = _flat(model)
            want_change = right[k][1] - before

            def where_wrong(g, want=want_change):
                bad = [key for key, i, j in zip(keys, sizes[:-1], sizes[1:])
                       if np.abs(g[i:j] - want[i:j]).max() > RTOL * np.abs(want).max()]
                return f"it is wrong in {join_names(bad)}." if len(bad) < len(keys) else None
            if isinstance(loss, (tuple, list)):
                problems = [f"call {k + 1} returned a {type(loss).__name__} of {len(loss)} values; "
                            f"return the loss alone (a float)."]
            else:
                problems = c.compare(
                    [Out(f"the loss of call {k + 1}", loss, right[k][0]),
                     Out(f"the parameter change of call {k + 1}", after - before, want_change,
                         explain=where_wrong)],
                    [("the loss is measured after the step; return the loss of the forward pass "
                      "the gradients came from.", (right[k + 1][0], None)),
                     (order or "the parameters did not change: call optimizer.step after "
                      "model.backward, which fills model.grads.", (None, np.zeros_like(want_change))),
                     ("the second step used both calls' gradients added up: call model.zero_grad() "
                      "before model.backward (backward adds to model.grads, as in torch).",
                      (None, no_zero[k][1] - before))])
            if problems and order and order not in problems:
                problems.append(order)
            if problems:
                return problems
            before = after
        return []

    cases = [("rnnlib.SGD(model.params, lr=0.5), two calls", lambda p: optim.SGD(p, lr=0.5)),
             ("rnnlib.Adam(model.params, lr=0.05), two calls", lambda p: optim.Adam(p, lr=0.05))]
    return c.run([(label, partial(case, make, 100 + i)) for i, (label, make) in enumerate(cases)])
