"""Optimisers that update a dict of parameter arrays in place, as torch.optim does.

    opt = Adam(model.params, lr=1e-2)     # holds the model's own arrays, not copies
    ...
    model.zero_grad()
    loss, dy = softmax_cross_entropy(model.forward(x), targets)
    model.backward(dy)
    clip_grad_norm_(model.grads, max_norm=5.0)    # optional
    opt.step(model.grads)                          # every model.params[k] changes in place

Every update rule is written out for one array in `update`; they match torch.optim's
(default options) to float round-off. `step` checks all gradients before it changes any
parameter, so a bad call leaves the model as it was.
"""
from __future__ import annotations

import numpy as np

from . import _validation as val   # not v: Adam keeps its running mean of g^2 in v
from ._validation import checked_by


class Optimizer:
    """What every optimiser shares: the parameters, the learning rate, a step counter, and a
    per-parameter state dict (momentum buffers, running averages) filled on first use.
    A new update rule is a subclass that implements update(p, g, state)."""

    def __init__(self, params, lr):
        where = type(self).__name__
        self.params = _param_dict(params, where)       # name -> the model's array
        self.lr = lr                                    # validated by the property below
        self.steps = 0                                  # how many step() calls completed
        self.state = {k: {} for k in self.params}       # name -> buffers of update

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        # a property, so a schedule that sets opt.lr = ... is checked like the constructor
        self._lr = val.positive_float(value, "lr", type(self).__name__,
                                    "The learning rate scales every step; try 1e-2.")

    def step(self, grads):
        """Apply one update to every parameter, using grads (dict with the same keys and shapes)."""
        grads = _grad_dict(grads, self.params, f"{type(self).__name__}.step")
        self.steps += 1                    # before the updates: Adam's bias correction reads it
        try:
            for k, p in self.params.items():
                self.update(p, grads[k], self.state[k])
        except BaseException:
            self.steps -= 1                # a step that did not complete does not count
            raise

    def update(self, p, g, state):
        """The update rule for one parameter array p with gradient g, in place; state holds
        p's own buffers (momentum, running averages), empty before the first step."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g}{self._options()}, {len(self.params)} arrays)"

    def _options(self):
        return ""


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (torch.optim.SGD, dampening 0):

        p <- p - lr * g                                  momentum = 0
        m <- momentum * m + g;   p <- p - lr * m         momentum > 0, m = 0 before the first step

    The buffer m (torch's momentum_buffer) is a running sum of past gradients that decays by
    `momentum` each step, so a direction the gradient keeps pointing in builds up speed (up to
    1 / (1 - momentum) times).
    """

    def __init__(self, params, lr=1e-3, momentum=0.0):
        self.momentum = val.fraction(momentum, "momentum", "SGD", "0.9 is the usual choice; 0 turns it off.")
        super().__init__(params, lr)

    def update(self, p, g, state):
        if self.momentum:
            m = state.setdefault("momentum_buffer", np.zeros_like(p))
            m *= self.momentum
            m += g
            g = m
        p -= self.lr * g

    def _options(self):
        return f", momentum={self.momentum:g}" if self.momentum else ""


class Adagrad(Optimizer):
    """Adagrad (torch.optim.Adagrad with its defaults):

        s <- s + g^2;   p <- p - lr * g / (sqrt(s) + eps)

    Each entry gets its own step size, shrinking as its squared gradients add up: entries with
    large or frequent gradients slow down, rarely-updated ones keep large steps.
    """

    def __init__(self, params, lr=1e-2, eps=1e-10):
        self.eps = val.positive_float(eps, "eps", "Adagrad", "It only keeps the division finite; 1e-10 is usual.")
        super().__init__(params, lr)

    def update(self, p, g, state):
        s = state.setdefault("sum", np.zeros_like(p))
        s += g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)

    def _options(self):
        return f", eps={self.eps:g}"


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015; torch.optim.Adam with its defaults). At step t = 1, 2, ...:

        m <- beta1 * m + (1 - beta1) * g           running mean of g        (m = 0 at start)
        v <- beta2 * v + (1 - beta2) * g^2         running mean of g^2      (v = 0 at start)
        m_hat = m / (1 - beta1^t);   v_hat = v / (1 - beta2^t)      bias correction
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    m and v (Kingma & Ba's names; torch's exp_avg and exp_avg_sq) start at 0, so early on they
    underestimate the averages by the factor (1 - beta^t); dividing by it undoes that. Without the correction the first steps would be
    far from lr in size; with it, the first step is lr * g / (|g| + eps) = about lr * sign(g).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        where = "Adam"
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"{where}: betas should be a pair (beta1, beta2) such as (0.9, 0.999), "
                            f"got {betas!r}.")
        if len(betas) != 2:
            raise ValueError(f"{where}: betas should be a pair (beta1, beta2) such as (0.9, 0.999), "
                             f"got {betas!r}.")
        self.betas = (val.fraction(betas[0], "betas[0]", where, "0.9 is usual."),
                      val.fraction(betas[1], "betas[1]", where, "0.999 is usual."))
        self.eps = val.positive_float(eps, "eps", where, "It only keeps the division finite; 1e-8 is usual.")
        super().__init__(params, lr)

    def update(self, p, g, state):
        beta1, beta2 = self.betas
        t = self.steps
        m = state.setdefault("exp_avg", np.zeros_like(p))
        v = state.setdefault("exp_avg_sq", np.zeros_like(p))
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def _options(self):
        return f", betas=({self.betas[0]:g}, {self.betas[1]:g}), eps={self.eps:g}"


# --- gradient norms and clipping ---------------------------------------------------------

def _check_grads(grads, where, in_place):
    """The arrays of grads (a dict or a list), each checked: float, finite, and writeable numpy
    arrays when they are to be changed in place."""
    if isinstance(grads, dict):
        items = [(f"grads[{k!r}]", g) for k, g in grads.items()]
    elif isinstance(grads, (list, tuple)):
        items = [(f"grads[{i}]", g) for i, g in enumerate(grads)]
    else:
        raise TypeError(f"{where}: grads should be a dict of name -> array (e.g. model.grads) "
                        f"or a list of arrays, got {type(grads).__name__}.")
    if not items:
        raise ValueError(f"{where}: grads is empty; pass model.grads.")
    arrays = []
    for name, g in items:
        if in_place and not isinstance(g, np.ndarray):
            raise TypeError(f"{where}: {name} should be a writeable numpy array, because the "
                            f"gradients are changed in place; got {type(g).__name__}. Pass model.grads.")
        if in_place and not g.flags.writeable:
            raise ValueError(f"{where}: {name} is read-only, but the gradients are changed in "
                             f"place. Pass model.grads (writeable arrays), or a writeable copy.")
        g = val.as_float_array(g, name, where)
        val.check_finite(g, name, where)
        arrays.append(g)
    return arrays


def _check_global_norm(grads):
    return (_check_grads(grads, "global_norm", in_place=False),)


@checked_by(_check_global_norm)
def global_norm(grads):
    """||g|| = sqrt(sum over every array and entry of g^2): all gradients as one long vector.

    grads: dict name -> array (or a list of arrays). Returns a float.
    """
    return float(np.sqrt(sum(np.sum(g * g) for g in grads)))


def _clip_args(where, grads, limit, value, hint):
    return _check_grads(grads, where, in_place=True), val.positive_float(value, limit, where, hint)


def _check_clip_norm(grads, max_norm):
    return _clip_args("clip_grad_norm_", grads, "max_norm", max_norm,
                      "It is the largest gradient norm allowed; try 1.0 or 5.0.")


@checked_by(_check_clip_norm)
def clip_grad_norm_(grads, max_norm):
    """g <- g * min(1, max_norm / (||g|| + 1e-6)) for every gradient array, in place.

    grads: dict name -> array (e.g. model.grads), or a list of arrays. Returns ||g|| measured
    BEFORE clipping, so it can be logged. This is torch.nn.utils.clip_grad_norm_: its name
    (the trailing _ says "in place"), its coefficient, its 1e-6 and its return value.

    Every array is scaled by the same coefficient, so the gradient keeps its direction and
    only its length shrinks, to just under max_norm. Below max_norm the coefficient is 1.
    """
    total_norm = np.sqrt(sum(np.sum(g * g) for g in grads))    # ||g|| over every array
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    for g in grads:
        g *= coef
    return float(total_norm)


def _check_clip_value(grads, clip_value):
    return _clip_args("clip_grad_value_", grads, "clip_value", clip_value,
                      "Every gradient entry is kept within [-clip_value, clip_value].")


@checked_by(_check_clip_value)
def clip_grad_value_(grads, clip_value):
    """g <- clip(g, -clip_value, clip_value) entry by entry, in place (torch.nn.utils.clip_grad_value_).

    Unlike clip_grad_norm_, this changes the gradient's direction: each entry is cut on its own.
    grads: dict name -> array, or a list of arrays. Returns None, as torch does.
    """
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)


# --- checks of the optimisers' arguments -------------------------------------------------

def _param_dict(params, where):
    """The parameters an optimiser updates in place: a non-empty dict of writeable float arrays."""
    if not isinstance(params, dict):
        raise TypeError(f"{where}: params should be a dict of name -> numpy array (e.g. "
                        f"model.params), got {type(params).__name__}.")
    if not params:
        raise ValueError(f"{where}: params is empty, so there is nothing to optimise. "
                         f"Pass model.params.")
    for k, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            got = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"{where}: params[{k!r}] should be a float numpy array, got {got}. "
                            f"The optimiser changes the arrays in place, so it needs the model's "
                            f"own arrays, not lists or copies.")
        if not p.flags.writeable:
            raise ValueError(f"{where}: params[{k!r}] is read-only, but the optimiser updates it "
                             f"in place. Pass the model's own (writeable) arrays.")
    return dict(params)


def _grad_dict(grads, params, where):
    """Gradients for params: the same keys, the same shapes, finite floats."""
    if not isinstance(grads, dict):
        raise TypeError(f"{where}: grads should be a dict of name -> array with the keys of the "
                        f"parameters (e.g. model.grads), got {type(grads).__name__}.")
    val.same_keys(grads, params, "grads", where, "They are the keys of the parameters the "
                "optimiser was built with. Nothing was updated.")
    out = {}
    for k, p in params.items():
        g = val.as_float_array(grads[k], f"grads[{k!r}]", where)
        if g.shape != p.shape:
            raise ValueError(f"{where}: grads[{k!r}] should have the shape of its parameter, "
                             f"{val.fmt_shape(p.shape)}, got {val.fmt_shape(g.shape)}. Nothing was updated.")
        val.check_finite(g, f"grads[{k!r}]", where)
        out[k] = g
    return out
