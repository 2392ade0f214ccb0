"""Dense: a linear map applied at every timestep, with torch.nn.Linear's names and shapes.

The read-out of a sequence model: y_t = h_t @ W_out + b_out at every t, where W_out = weight^T.
"""
from __future__ import annotations

import numpy as np

from . import _validation as v
from .module import Module, uniform_init


class Dense(Module):
    """A linear map at every timestep: y = x @ weight^T + bias, on any leading axes.

    params["weight"] (O, F) and params["bias"] (O,) have torch.nn.Linear's names and shapes,
    so in the course's right-multiply layout the matrix is W = weight^T, (F, O).
    """

    def __init__(self, in_features, out_features, bias=True, *, seed=None, dtype=np.float64):
        where = "Dense"
        super().__init__(dtype)
        self.in_features = v.positive_int(in_features, "in_features", where)
        self.out_features = v.positive_int(out_features, "out_features", where)
        self.bias = v.flag(bias, "bias", where)
        rng = np.random.default_rng(v.seed(seed, where))
        F, O = self.in_features, self.out_features
        self.add_param("weight", uniform_init(rng, (O, F), F, self.dtype))
        if self.bias:
            self.add_param("bias", uniform_init(rng, (O,), F, self.dtype))

    def config(self):
        """The constructor arguments that rebuild this layer (without its weights)."""
        return dict(in_features=self.in_features, out_features=self.out_features, bias=self.bias,
                    dtype=self.dtype.name)

    def forward(self, x):
        """y = x @ weight^T + bias.   x (..., F) -> y (..., O)"""
        where = "Dense.forward"
        x = v.as_float_array(x, "x", where)
        if x.ndim < 1 or x.shape[-1] != self.in_features or 0 in x.shape:
            raise ValueError(f"{where}: x should have shape (..., in_features={self.in_features}), "
                             f"got {v.fmt_shape(x.shape)}. The last axis holds the features.")
        v.check_finite(x, "x", where)
        x = x.astype(self.dtype, copy=False)
        self._keep(x)
        # one 2-D product over every leading axis: (N*T, F) @ (F, O), not N products of (T, F)
        y = (x.reshape(-1, self.in_features) @ self.params["weight"].T).reshape(
            *x.shape[:-1], self.out_features)               # (..., O)
        if self.bias:
            y += self.params["bias"]
        return y

    def backward(self, dy):
        """dx = dy @ weight,  dweight = sum over every leading axis of dy^T x,  dbias = sum of dy."""
        where = "Dense.backward"
        x = self._last_cache(where, "Call y = dense(x) first.")
        dy = v.array(dy, [(f"axis{i}", n) for i, n in enumerate(x.shape[:-1])]
                     + [("out_features", self.out_features)], "dy", where,
                     "dy has the shape of the output of the last forward call.")
        dy = dy.astype(self.dtype, copy=False)
        x2, dy2 = x.reshape(-1, self.in_features), dy.reshape(-1, self.out_features)
        self.grads["weight"] += dy2.T @ x2                  # (O, F)
        if self.bias:
            self.grads["bias"] += dy2.sum(axis=0)
        return (dy2 @ self.params["weight"]).reshape(*x.shape[:-1], self.in_features)

    def __repr__(self):
        extra = "" if self.bias else ", bias=False"
        extra += "" if self.dtype == np.float64 else f", dtype=np.{self.dtype}"
        return f"Dense({self.in_features}, {self.out_features}{extra})"
