"""rnnlib models to PyTorch modules and back: the same parameters under the same names.

rnnlib's layers keep torch's parameter names and shapes (weight_ih_l0 (G*H, F), ...), so
moving a model is copying its arrays; no number changes, and a round trip is exact bit for
bit. What has to be right is the configuration around them:

    rnnlib                         torch
    RNN / LSTM / GRU               torch.nn.RNN / LSTM / GRU, the same arguments; rnnlib's
                                   batch_first defaults to True, torch's to False, so the
                                   torch module gets the rnnlib layer's value explicitly
    RNNCell / LSTMCell / GRUCell   torch.nn.RNNCell / LSTMCell / GRUCell
    SequenceModel                  a small torch.nn.Module with two children, rnn (the
                                   recurrent layer, batch_first=True) and head
                                   (torch.nn.Linear): model(x) -> y (N, T, O), and with
                                   return_state=True (y, h_n), as rnnlib's

What one side has and the other has not is refused with a ValueError that says so:
rnnlib's leaky_relu and go_backwards (torch.nn.RNN has neither), torch's LSTM with
proj_size > 0, and dtypes other than float32 and float64.

torch is imported only inside to_torch and from_torch; the rest of rnnlib never needs it.
"""
from __future__ import annotations

import importlib

import numpy as np

from .. import _validation as v
from ..layers import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from ..models import SequenceModel

LAYERS = {RNN: "RNN", LSTM: "LSTM", GRU: "GRU"}
CELLS = {RNNCell: "RNNCell", LSTMCell: "LSTMCell", GRUCell: "GRUCell"}
MODEL_CELL = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}       # torch class -> SequenceModel cell
SUPPORTED = "rnnlib.RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell or SequenceModel"


def rnnlib_class(model, table):
    """The rnnlib class in table that model is an instance of (a subclass of rnnlib.RNN
    converts as an RNN), or None."""
    return next((c for c in type(model).__mro__ if c in table), None)


def import_framework(name: str, where: str):
    """Import torch or keras for a function that builds their objects, or say how to get it."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(f"{where}: needs the package {name!r}, which is not installed here "
                          f"({err}). Install it (pip install {name}) to use {where}; rnnlib "
                          f"itself and the rest of the course do not need it.") from None


# --- rnnlib -> torch ------------------------------------------------------------------

def to_torch(model):
    """An rnnlib model -> the torch.nn.Module that computes the same numbers.

    model   an rnnlib.RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell or SequenceModel
    ->      torch.nn.RNN / LSTM / GRU / RNNCell / LSTMCell / GRUCell with the same arguments,
            or for a SequenceModel a torch.nn.Module with children rnn and head (see the
            module docstring). Its parameters are copies of the model's arrays (changing one
            side never changes the other), in the model's dtype, in the model's training or
            evaluation mode.

    Usage:  module = to_torch(model);  y = module(torch.from_numpy(x))
    Needs torch; raises ImportError naming it when it is missing.
    """
    where = "to_torch"
    _check_model(model, where)
    torch = import_framework("torch", where)
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[model.dtype]
    if isinstance(model, SequenceModel):
        rnn = _torch_layer(torch, model.rnn, dtype)
        head = torch.nn.Linear(model.hidden_size, model.output_size, dtype=dtype)
        module = _sequence_model_class(torch)(rnn, head)
    elif rnnlib_class(model, CELLS):
        cls = getattr(torch.nn, CELLS[rnnlib_class(model, CELLS)])
        extra = dict(nonlinearity=model.nonlinearity) if isinstance(model, RNNCell) else {}
        module = cls(model.input_size, model.hidden_size, bias=model.bias, dtype=dtype, **extra)
    else:
        module = _torch_layer(torch, model, dtype)
    with torch.no_grad():
        module.load_state_dict({k: torch.from_numpy(np.array(p, copy=True))
                                for k, p in model.state_dict().items()})
    return module.train(model.training)


def _torch_layer(torch, layer, dtype):
    cls = getattr(torch.nn, LAYERS[rnnlib_class(layer, LAYERS)])
    extra = dict(nonlinearity=layer.nonlinearity) if isinstance(layer, RNN) else {}
    return cls(layer.input_size, layer.hidden_size, num_layers=layer.num_layers, bias=layer.bias,
               batch_first=layer.batch_first, dropout=layer.dropout,
               bidirectional=layer.bidirectional, dtype=dtype, **extra)


def _check_model(model, where):
    """Refuse, before importing anything, what torch has no equivalent for."""
    if not isinstance(model, (SequenceModel, *LAYERS, *CELLS)):
        raise TypeError(f"{where}: expected an {SUPPORTED}, got {type(model).__name__}. "
                        f"(A Dense layer is torch.nn.Linear: load its state_dict there directly.)")
    layer = model.rnn if isinstance(model, SequenceModel) else model
    name = type(model).__name__
    if getattr(layer, "nonlinearity", "tanh") == "leaky_relu":
        raise ValueError(f"{where}: this {name} uses nonlinearity='leaky_relu', which "
                         f"torch.nn.RNN does not offer (only 'tanh' and 'relu'). There is no "
                         f"torch layer that computes the same numbers; write the loop by hand "
                         f"in torch, or train the rnnlib model with 'tanh' or 'relu'.")
    if getattr(layer, "go_backwards", False):
        raise ValueError(f"{where}: this {name} has go_backwards=True, Keras' argument, which "
                         f"torch.nn.{LAYERS[rnnlib_class(layer, LAYERS)]} does not have. In torch, "
                         f"reverse the input yourself (torch.flip(x, dims=[1]) for batch-first "
                         f"x) and run a layer converted from a copy with go_backwards=False.")


_TORCH_CLASSES = {}


def __getattr__(name):
    """rnnlib.interop.torch_models.TorchSequenceModel, made the first time it is asked for, so
    that torch.save / torch.load (pickle) find the class by name in a new process too."""
    if name == "TorchSequenceModel":
        return _sequence_model_class(import_framework("torch", "TorchSequenceModel"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _sequence_model_class(torch):
    """torch's twin of rnnlib.SequenceModel: y_t = head(h_t), made once, when torch is imported."""
    if "TorchSequenceModel" in _TORCH_CLASSES:
        return _TORCH_CLASSES["TorchSequenceModel"]

    class TorchSequenceModel(torch.nn.Module):
        """A recurrent layer (batch_first=True) read by a Linear head at every timestep.

        forward(x, hx=None, return_state=False): x (N, T, F) floats, or token ids (N, T) of
        integers (one-hot inputs, as rnnlib's ids); returns y (N, T, O), or (y, h_n) with
        return_state=True, h_n as the recurrent layer returns it.
        """

        def __init__(self, rnn, head):
            super().__init__()
            self.rnn, self.head = rnn, head

        def forward(self, x, hx=None, return_state=False):
            if not x.is_floating_point():            # token ids stand for one-hot vectors
                x = torch.nn.functional.one_hot(x.long(), self.rnn.input_size)  # any int dtype
                x = x.to(self.head.weight.dtype)
            out, h_n = self.rnn(x, hx)
            y = self.head(out)
            return (y, h_n) if return_state else y

    TorchSequenceModel.__module__ = __name__                # where pickle looks it up:
    TorchSequenceModel.__qualname__ = "TorchSequenceModel"  # this module's __getattr__
    _TORCH_CLASSES["TorchSequenceModel"] = TorchSequenceModel
    return TorchSequenceModel


# --- torch -> rnnlib ------------------------------------------------------------------

def from_torch(module):
    """A torch module -> the rnnlib model that computes the same numbers.

    module  torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell; or a module whose only
            children are, in this order, one torch.nn.RNN / LSTM / GRU and one
            torch.nn.Linear reading its output at every step (what to_torch makes of a
            SequenceModel, or your own), which becomes an rnnlib.SequenceModel
    ->      the rnnlib model with the same arguments and copies of the parameters (detached,
            moved to the CPU), in the module's dtype and training or evaluation mode.

    Refused with a ValueError that says why: an LSTM with proj_size > 0, parameters that are
    not float32 or float64, and for a SequenceModel a bidirectional layer, dropout between
    layers, batch_first=False, a layer without biases, a Linear without a bias or of the
    wrong width, or parameters of the module's own besides its two children's.
    """
    where = "from_torch"
    torch = import_framework("torch", where)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{where}: expected a torch.nn.Module (torch.nn.RNN, LSTM, GRU, their "
                        f"cells, or a recurrent layer with a Linear head), got "
                        f"{type(module).__name__}. For an rnnlib model, use to_torch.")
    dtype = _torch_dtype(torch, module, where)
    kind = _torch_kind(torch, module)
    if kind in CELLS.values():
        cls = {n: c for c, n in CELLS.items()}[kind]
        extra = dict(nonlinearity=module.nonlinearity) if kind == "RNNCell" else {}
        model = cls(module.input_size, module.hidden_size, bias=module.bias, dtype=dtype, **extra)
    elif kind in LAYERS.values():
        model = _rnnlib_layer(module, kind, dtype, where)
    else:
        return _rnnlib_sequence_model(torch, module, dtype, where).train(module.training)
    model.load_state_dict(_numpy_state(module.state_dict()))
    return model.train(module.training)


def _numpy_state(state):
    """A torch state_dict as numpy arrays: detached, on the CPU, copied."""
    return {k: p.detach().cpu().numpy().copy() for k, p in state.items()}


def _torch_kind(torch, module):
    for name in [*CELLS.values(), *LAYERS.values()]:
        if type(module) is getattr(torch.nn, name):
            return name
    return None


def _torch_dtype(torch, module, where):
    dtypes = {p.dtype for p in module.parameters()}
    if not dtypes:
        raise ValueError(f"{where}: this {type(module).__name__} has no parameters, so there is "
                         f"nothing to convert. Pass the recurrent layer or a model holding one.")
    allowed = {torch.float32: np.float32, torch.float64: np.float64}
    if len(dtypes) > 1 or not dtypes <= set(allowed):
        raise ValueError(f"{where}: rnnlib computes in float32 or float64, one dtype per model; "
                         f"this module's parameters are {sorted(str(d) for d in dtypes)}. "
                         f"Convert it first: module.double() or module.float().")
    return allowed[dtypes.pop()]


def _rnnlib_layer(module, kind, dtype, where):
    if getattr(module, "proj_size", 0):
        raise ValueError(f"{where}: this torch.nn.LSTM has proj_size={module.proj_size}: it "
                         f"projects h to a smaller size at every step, which rnnlib.LSTM does "
                         f"not. Only proj_size=0 (the default) converts.")
    cls = {n: c for c, n in LAYERS.items()}[kind]
    extra = dict(nonlinearity=module.nonlinearity) if kind == "RNN" else {}
    return cls(module.input_size, module.hidden_size, num_layers=module.num_layers,
               bias=module.bias, batch_first=module.batch_first, dropout=float(module.dropout),
               bidirectional=module.bidirectional, dtype=dtype, **extra)


def _rnnlib_sequence_model(torch, module, dtype, where):
    """A module with two children, a recurrent layer then a Linear: an rnnlib.SequenceModel,
    its parameters renamed from the module's child names to rnn. and head."""
    children = list(module.named_children())
    kinds = [_torch_kind(torch, c) for _, c in children]
    if (len(children) != 2 or kinds[0] not in LAYERS.values()
            or not isinstance(children[1][1], torch.nn.Linear)):
        found = ", ".join(f"{n} ({type(c).__name__})" for n, c in children) or "no children"
        raise TypeError(f"{where}: expected torch.nn.RNN, LSTM, GRU, one of their cells, or a "
                        f"module whose children are one recurrent layer then one "
                        f"torch.nn.Linear (rnnlib.SequenceModel's shape); got "
                        f"{type(module).__name__} with {found}.")
    (rnn_name, rnn), (head_name, head) = children
    own = [n for n, _ in module.named_parameters(recurse=False)]
    problems = [text for bad, text in [
        (own, f"the module has parameters of its own besides its two children: {own}"),
        (getattr(rnn, "proj_size", 0), f"the LSTM has proj_size={getattr(rnn, 'proj_size', 0)}"),
        (rnn.bidirectional, "the recurrent layer is bidirectional"),
        (rnn.dropout > 0, f"the recurrent layer has dropout={rnn.dropout} between layers"),
        (not rnn.batch_first, "the recurrent layer has batch_first=False"),
        (not rnn.bias, "the recurrent layer has bias=False"),
        (head.bias is None, "the Linear head has no bias"),
        (head.in_features != rnn.hidden_size,
         f"the Linear head reads {head.in_features} features, not hidden_size={rnn.hidden_size}"),
    ] if bad]
    if problems:
        raise ValueError(f"{where}: rnnlib.SequenceModel is one direction of a batch-first "
                         f"recurrent layer with biases, no dropout, read by a Linear with a bias; "
                         f"here {'; '.join(problems)}. Convert module.{rnn_name} on its own "
                         f"(from_torch(module.{rnn_name})) and the head as an rnnlib.Dense.")
    extra = dict(nonlinearity=rnn.nonlinearity) if kinds[0] == "RNN" else {}
    model = SequenceModel(rnn.input_size, rnn.hidden_size, head.out_features,
                          num_layers=rnn.num_layers, cell=MODEL_CELL[kinds[0]], dtype=dtype,
                          **extra)
    state = {k.replace(f"{rnn_name}.", "rnn.", 1).replace(f"{head_name}.", "head.", 1): p
             for k, p in module.state_dict().items()}
    model.load_state_dict(_numpy_state(state))
    return model
