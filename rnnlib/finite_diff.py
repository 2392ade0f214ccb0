"""Check analytic gradients against centred finite differences.

For every entry p_i of an array p, with every other entry held fixed:

    numeric_i = (loss(p_i + eps) - loss(p_i - eps)) / (2 eps)

and for the whole array, with a the analytic gradient, n the numeric one, ||.|| the 2-norm:

    rel_error = ||a - n|| / max(||a|| + ||n||, FLOOR)

This is 0 for a perfect match and 1 when a and n point in opposite directions or one of them
is zero. FLOOR = 1e-8 only matters when both gradients are (nearly) all zero, for example a
weight that does not reach the loss: the error is then the absolute difference in units of
1e-8 instead of 0/0.

Why one number per array rather than one per entry: in float64 with eps = 1e-6, a centred
difference is off by ~eps^2 * f''' (~1e-12) from truncation and by ~1e-16 * |loss| / eps
(~1e-9 absolute) from round-off. An entry whose true gradient happens to be 1e-3 then has a
per-entry relative error of ~1e-6 although nothing is wrong. Measured against the size of the
whole gradient, the same round-off gives ~1e-9, while a real bug gives 1e-3 to 1. So a correct
backward passes ok(tol=1e-7) and a wrong one fails it by orders of magnitude, provided the
gradients are O(1): use a loss such as sum(output * G) with G random normal, and keep the
problem small (each entry costs two loss evaluations).
"""
from __future__ import annotations

import html
import numbers

import numpy as np

from . import _validation as v

FLOOR = 1e-8       # denominators below this count as FLOOR (see the module docstring)
SHOW_BELOW = 1e-8  # errors below this print as "< 1e-08": their digits are round-off


def relative_error(analytic, numeric, floor=FLOOR):
    """||a - n|| / max(||a|| + ||n||, floor): one number for two arrays of the same shape."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    v.same_shape(n, a.shape, "numeric", "analytic", "relative_error")
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), floor))


def numerical_gradient(loss_fn, p, eps=1e-6):
    """d loss / d p by centred differences, perturbing p in place and restoring it exactly.

    p (...) -> (...), the same shape. loss_fn() must read the current contents of p.
    """
    grad = np.zeros(p.shape)
    for i in np.ndindex(p.shape):
        old = p[i]
        try:
            p[i] = old + eps
            plus = _loss_value(loss_fn(), "gradcheck")
            p[i] = old - eps
            minus = _loss_value(loss_fn(), "gradcheck")
        finally:
            p[i] = old                    # exact: the stored value, not old + eps - eps
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def _check_inputs(loss_fn, params, grads, eps, names, where: str) -> list:
    """Check gradcheck's arguments before anything is perturbed; return the names to check."""
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn should be a function of no arguments that returns the "
                        f"loss, got {type(loss_fn).__name__}. Wrap it: lambda: loss(x).")
    for label, d in (("params", params), ("grads", grads)):
        if not isinstance(d, dict):
            raise TypeError(f"{where}: {label} should be a dict of name -> array, got "
                            f"{type(d).__name__}. For one array use {{'x': x}}.")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"{where}: eps should be a small positive number such as 1e-6, got {eps!r}.")
    if not 0 < eps < 1:
        raise ValueError(f"{where}: eps should be a small positive number such as 1e-6, got {eps!r}.")
    names = list(params) if names is None else list(names)
    for k in names:
        if k not in params or k not in grads:
            raise ValueError(f"{where}: {k!r} is not a key of {'params' if k not in params else 'grads'}. "
                             f"params has {list(params)}, grads has {list(grads)}.")
        p = params[k]
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            got = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"{where}: params[{k!r}] should be a float64 numpy array (it is changed "
                            f"in place, and eps={eps} needs float64 precision), got {got}. "
                            f"Convert it before building loss_fn: x = x.astype(np.float64).")
        if not p.flags.writeable:
            raise ValueError(f"{where}: params[{k!r}] is read-only, but gradcheck changes it in place. "
                             f"Pass a writeable copy and let loss_fn read that copy.")
        g = v.as_float_array(grads[k], f"grads[{k!r}]", where)
        v.check_shape(g, [(f"axis{i}", n) for i, n in enumerate(p.shape)], f"grads[{k!r}]", where,
                    f"A gradient has the shape of its array, params[{k!r}] {v.fmt_shape(p.shape)}.")
    return names


def gradcheck(loss_fn, params, grads, eps=1e-6, names=None):
    """Compare grads with centred finite differences of loss_fn, for every entry of params.

    loss_fn()  -> float, computed from the CURRENT contents of the arrays in params
    params     dict name -> float64 ndarray; each entry is moved by +-eps in place, then restored
    grads      dict name -> ndarray: the analytic gradients, same keys and shapes
    eps        the finite-difference step
    names      which keys to check, in this order (default: every key of params)

    Returns a GradcheckResult; result.ok() is True when every array's relative error (see the
    module docstring) is below 1e-7. Afterwards every array holds exactly its old contents.
    """
    where = "gradcheck"
    names = _check_inputs(loss_fn, params, grads, eps, names, where)
    _loss_value(loss_fn(), where)        # fail early, before anything is perturbed

    rows, numeric = [], {}
    for k in names:
        n = numerical_gradient(loss_fn, params[k], eps)
        a = np.asarray(grads[k], dtype=np.float64)
        worst = np.unravel_index(int(np.argmax(np.abs(a - n))), n.shape)  # the entry that differs most
        rows.append((k, tuple(n.shape), relative_error(a, n), tuple(int(i) for i in worst)))
        numeric[k] = n
    return GradcheckResult(rows, numeric)


class GradcheckResult:
    """The outcome of gradcheck: one row (name, shape, max_rel_error, worst_index) per array.

    max_rel_error is the array's relative error (see the module docstring), worst_index the
    entry where analytic and numeric differ most. .numeric holds the finite-difference
    gradients, keyed like the rows.
    """

    def __init__(self, rows, numeric=None):
        self.rows = rows
        self.numeric = numeric or {}

    @property
    def max_error(self):
        return max((r[2] for r in self.rows), default=0.0)

    def ok(self, tol=1e-7):
        return self.max_error < tol

    @staticmethod
    def _fmt(err):
        # Digits below SHOW_BELOW are round-off and differ between machines, so they are hidden;
        # the large errors of a real bug are deterministic and shown to one significant digit.
        return f"< {SHOW_BELOW:.0e}" if err < SHOW_BELOW else f"{err:.0e}"

    def _table(self, tol=1e-7):
        head = ("name", "shape", "rel error", f"< {tol:.0e}")
        body = [(k, v.fmt_shape(s), self._fmt(e), "ok" if e < tol else "FAIL") for k, s, e, _ in self.rows]
        return head, body

    def __repr__(self):
        head, body = self._table()
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head, *body]]
        verdict = "all ok" if self.ok() else "FAILED"
        return "\n".join([f"gradcheck: {len(self.rows)} arrays, {verdict}", *lines])

    def _repr_html_(self):
        head, body = self._table()

        def row(cells, tag):
            return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"
        rows = "".join(row(r, "td") for r in body)
        return f"<table><thead>{row(head, 'th')}</thead><tbody>{rows}</tbody></table>"


# --- the loss, checked each time it is evaluated ----------------------------------------

def _loss_value(value, where: str) -> float:
    """The loss a loss_fn returned, as one finite float."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: loss_fn() should return one number, got {type(value).__name__} "
                        f"of shape {v.fmt_shape(np.shape(value))}. Reduce the loss to a scalar, "
                        f"e.g. return float(np.sum(output * G)).") from None
    if not np.isfinite(out):
        raise ValueError(f"{where}: loss_fn() returned {out}; the loss should be a finite number. "
                         f"Use smaller weights or inputs, or a smaller eps.")
    return out
