"""torch's side of bench_rnn.py and bench_gated.py: the same layer as torch.nn.RNN, LSTM or GRU,
forward + backward, built once here for both.

torch is optional (the course does not need it): `torch` is None when it is not installed, and
the benchmarks then leave their torch columns out.
"""
from __future__ import annotations

import numpy as np

try:
    import torch
except ImportError:          # the course does not need torch: the torch columns are left out
    torch = None


def torch_run(layer, x, dout, grads, output=False):
    """forward + backward through torch.nn.<type(layer).__name__> (RNN, LSTM or GRU), batch first,
    with the rnnlib layer's parameters copied in.

    Returns run(): it returns (output, dx, *grads) with output=True, else (dx, *grads), where
    grads are the gradients of the parameters named in `grads` (torch's names), as numpy arrays.
    """
    tdtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[x.dtype]
    module = getattr(torch.nn, type(layer).__name__)
    reference = module(layer.input_size, layer.hidden_size, batch_first=True, dtype=tdtype)
    with torch.no_grad():
        for name, p in reference.named_parameters():
            p.copy_(torch.from_numpy(layer.params[name]))
    xt = torch.from_numpy(x).requires_grad_(True)
    dt = torch.from_numpy(dout)

    def run():
        reference.zero_grad()
        xt.grad = None
        out, _ = reference(xt)
        out.backward(dt)
        head = (out.detach().numpy(), xt.grad.numpy()) if output else (xt.grad.numpy(),)
        return head + tuple(getattr(reference, name).grad.numpy() for name in grads)
    return run
