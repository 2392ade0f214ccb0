"""rnnlib: a small, exact, readable recurrent neural network library in numpy.

Built one notebook at a time in the course under notebooks/. The map:

    functional   rnn_step_forward / rnn_step_backward, rnn_forward / rnn_backward
    layers       RNNCell, RNN (torch.nn.RNN's API), Dense
    _validation  every input check and the wording of every error
"""
from .functional import (activation, activation_grad, reverse_padded, rnn_backward, rnn_forward,
                         rnn_step_backward, rnn_step_forward)
from .layers import RNN, Dense, RNNCell

__version__ = "0.1.0"

__all__ = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward", "reverse_padded",
    "activation", "activation_grad", "RNNCell", "RNN", "Dense",
]
