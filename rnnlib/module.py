"""Module: what every layer and model shares, the way torch.nn.Module does it, in a few lines.

    params   dict name -> array      the trainable parameters (an optimiser holds these arrays)
    grads    dict name -> array      the same keys and shapes; backward adds into them
    training bool                    train() / eval(); dropout only acts in training mode
    dtype    np.float32 or float64   every parameter, output, cache and gradient has it

A model made of modules registers them with ``add_module(prefix, module)``: their params and
grads then appear in the model's dicts as "prefix.name", holding the SAME arrays, so one
optimiser built on model.params trains every part.

Forward passes keep the cache that backward needs on the module (``self.cache``). Inside
``with rnnlib.no_grad():`` they keep nothing, so a model can be run for inference (one step
at a time, say) between a forward and its backward without disturbing either.
"""
from __future__ import annotations

import contextlib

import numpy as np

from . import _validation as v

_recording = [True]   # a list so that no_grad can change it in place


@contextlib.contextmanager
def no_grad():
    """Within this block, forward passes keep no cache for backward (torch.no_grad's role)."""
    before = _recording[0]
    _recording[0] = False
    try:
        yield
    finally:
        _recording[0] = before


def recording() -> bool:
    """True unless inside ``with no_grad():``."""
    return _recording[0]


def uniform_init(rng, shape, fan, dtype):
    """U(-1/sqrt(fan), 1/sqrt(fan)): torch.nn.RNN's and torch.nn.Linear's initialisation."""
    k = 1.0 / np.sqrt(fan)
    return rng.uniform(-k, k, size=shape).astype(dtype)


class Module:
    """Parameters, gradients, a training flag and a dtype, with torch.nn.Module's methods."""

    def __init__(self, dtype=np.float64):
        self.dtype = _check_dtype(dtype, type(self).__name__)
        self.params = {}
        self.grads = {}
        self.training = True
        self.cache = None            # what backward needs from the most recent forward
        self._modules = {}

    def add_param(self, name, value):
        self.params[name] = np.asarray(value, dtype=self.dtype)
        self.grads[name] = np.zeros_like(self.params[name])

    def add_module(self, prefix, module):
        self._modules[prefix] = module
        setattr(self, prefix, module)
        for k in module.params:
            self.params[f"{prefix}.{k}"] = module.params[k]
            self.grads[f"{prefix}.{k}"] = module.grads[k]

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """The outputs for the inputs; keeps in self.cache what backward needs (nothing inside
        no_grad). Every layer and model defines its own."""
        raise NotImplementedError(
            f"{type(self).__name__}.forward: Module is the base of the layers and models; a "
            f"subclass defines forward (and backward). Use rnnlib.SequenceModel, rnnlib.RNN, ..., "
            f"or define forward in your subclass.")

    def backward(self, *args, **kwargs):
        """The gradient of the loss with respect to the inputs of the most recent forward, from
        the gradient with respect to its outputs; adds the parameters' gradients into
        self.grads. Every layer and model defines its own, matching its forward."""
        raise NotImplementedError(
            f"{type(self).__name__}.backward: Module is the base of the layers and models; a "
            f"subclass defines backward to go with its forward. Use rnnlib.SequenceModel, "
            f"rnnlib.RNN, ..., or define backward in your subclass.")

    def config(self):
        """The constructor arguments that rebuild this module, for rnnlib.save."""
        raise NotImplementedError

    def zero_grad(self):
        """Set every gradient to 0, in place (an optimiser holding model.grads stays attached)."""
        for g in self.grads.values():
            g[...] = 0

    def state_dict(self):
        """Copies of every parameter, keyed as self.params."""
        return {k: p.copy() for k, p in self.params.items()}

    def load_state_dict(self, state_dict):
        """Replace every parameter in place; all keys and shapes are checked before anything
        changes. Arrays of another float dtype are cast to this module's dtype."""
        expected = {k: p.shape for k, p in self.params.items()}
        new = v.state_dict(state_dict, expected, f"{type(self).__name__}.load_state_dict", self.dtype)
        for k, p in new.items():
            self.params[k][...] = p

    def train(self, mode=True):
        """Training mode (dropout on) or, with mode=False, evaluation mode; returns self."""
        self.training = v.flag(mode, "mode", f"{type(self).__name__}.train")
        for m in self._modules.values():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def _keep(self, cache):
        if recording():
            self.cache = cache

    def _last_cache(self, where, how):
        if self.cache is None:
            raise RuntimeError(f"{where}: there is no forward pass to go back through. {how} "
                               f"(A forward inside no_grad() keeps nothing to go back through.)")
        return self.cache


def _check_dtype(value, where):
    """np.float32 or np.float64 (also given as 'float32' or np.dtype('float32'))."""
    try:
        dt = None if value is None else np.dtype(value)     # np.dtype(None) would be float64
    except TypeError:
        dt = None
    if dt is None or dt.type not in (np.float32, np.float64):
        raise TypeError(f"{where}: dtype should be np.float32 or np.float64, got {value!r}. "
                        f"float64 (the default) is exact enough for gradient checks; float32 is "
                        f"twice as fast and half the memory.")
    return dt
