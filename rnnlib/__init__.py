"""rnnlib: a small, exact, readable recurrent neural network library in numpy.

Built one notebook at a time in the course under notebooks/. The map:

    functional   rnn_step_forward / rnn_step_backward, rnn_forward / rnn_backward
    layers       RNNCell, RNN (torch.nn.RNN's API), Dense
    text         Vocab: characters to ids and one-hot vectors, padded batches of texts
    data         pad_sequences, sequence_mask: batches of sequences of different lengths
    gradcheck    gradcheck(loss_fn, params, grads): gradients against centred finite differences
    losses       mse_loss, softmax_cross_entropy (each returns the loss and its gradient)
    optim        SGD, Adagrad, Adam on a dict of parameters; clip_grad_norm
    models       SequenceModel (RNN + Dense at every step), Stepper (one step at a time)
    train        fit: the training loop, with a live monitor in notebooks
    interop      from_keras / to_keras / keras_outputs: torch and Keras weight layouts
    checks       check_<exercise>(fn): the learner's functions against rnnlib, with diagnoses
    _validation  every input check and the wording of every error
    plots        functions that return a matplotlib Figure
    widgets      ipywidgets explorers (imported on demand: rnnlib.widgets)
"""
from .functional import activation, activation_grad, reverse_padded  # noqa: F401
from .functional import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward  # noqa: F401
from .layers import RNN, Dense, RNNCell  # noqa: F401
from .text import Vocab  # noqa: F401
from .gradcheck import gradcheck  # noqa: F401
from .losses import log_softmax, mse_loss, softmax, softmax_cross_entropy  # noqa: F401
from .optim import SGD, Adagrad, Adam, Optimizer, clip_grad_norm, global_norm  # noqa: F401
from .models import SequenceModel, Stepper  # noqa: F401
from .train import fit  # noqa: F401
from . import interop  # noqa: F401
from . import checks  # noqa: F401  (last: the checks use the names above)

__version__ = "0.1.0"
