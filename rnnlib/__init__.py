"""rnnlib: a small, exact, readable recurrent neural network library in numpy.

Built one notebook at a time in the course under notebooks/. The map:

    functional   rnn_step_forward / rnn_step_backward, rnn_forward / rnn_backward, and the
                 padded pair rnn_forward_padded / rnn_backward_padded: the maths
    gated        lstm_step_forward / lstm_step_backward, lstm_forward / lstm_backward, and
                 the same four for the GRU: the maths of the gated cells
    module       Module, the small base of every layer and model; no_grad
    recurrent    Recurrent: stacking, directions, padding, dropout, shared by every cell
    layers       RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU (torch.nn's API for each)
    dense        Dense: the read-out at every timestep (torch.nn.Linear's names)
    models       SequenceModel (RNN + Dense at every step), Stepper (one step at a time)
    losses       mse_loss, softmax_cross_entropy (each returns the loss and its gradient), accuracy
    optim        SGD, Adagrad, Adam on a dict of parameters; clip_grad_norm_, clip_grad_value_
    train        fit: the training loop; fit_truncated, time_windows: truncated BPTT
    checkpoint   save / load: a model in one .npz file, never a pickle
    generate     sample (with a temperature and a prime), perplexity, hidden_states,
                 temperature_probs: a trained character model at work
    explore      select_units, on_positions, feature_correlations, ...: the computations of
                 the hidden-state explorer (import rnnlib.explore)
    probes       readout_r, without_memory, partial_correlation, clamped_run, ...: testing
                 what a hidden state knows, with controls (import rnnlib.probes)
    charlm       train_on_text, python -m rnnlib.charlm train / sample: your own text
    text         Vocab: characters to ids and one-hot vectors, padded batches of texts
    padding      pad_sequences, sequence_mask: batches of sequences of different lengths
    data         the same two, and bptt_windows, char_baselines, structured_text (the generated
                 corpus, from corpus): one long text as training data
    finite_diff  gradcheck(loss_fn, params, grads): gradients against centred finite differences
    interop      to_torch / from_torch, to_keras / from_keras: models to PyTorch and Keras and
                 back; from_keras_simple_rnn, from_keras_lstm, ...: one layer's weight
                 layouts; keras_outputs; load_reference: the stored torch and Keras results
    checks       check_rnn_step_forward(fn), ...: the learner's functions against rnnlib's,
                 with a diagnosis in plain words (imported when first used: rnnlib.checks)
    _validation  the shared input checks and the rule for the wording of every error
    plots        functions that return a matplotlib Figure     (import rnnlib.plots)
    widgets      ipywidgets explorers                          (import rnnlib.widgets)

The core (everything above but plots and widgets) needs only numpy.
"""
from . import _snapshot, data, explore, gradients, interop, probes
from .checkpoint import load, load_metadata, save
from .padding import pad_sequences, sequence_mask
from .finite_diff import gradcheck
from .functional import (activation, activation_grad, reverse_padded, rnn_backward,
                         rnn_backward_padded, rnn_forward, rnn_forward_padded, rnn_step_backward,
                         rnn_step_forward)
from .gated import (gru_backward, gru_forward, gru_step_backward, gru_step_forward, lstm_backward,
                    lstm_forward, lstm_step_backward, lstm_step_forward, sigmoid)
from .generate import hidden_states, perplexity, sample, temperature_probs
from .dense import Dense
from .layers import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .losses import accuracy, log_softmax, mse_loss, softmax, softmax_cross_entropy
from .models import SequenceModel, Stepper
from .module import Module, no_grad
from .optim import SGD, Adagrad, Adam, Optimizer, clip_grad_norm_, clip_grad_value_, global_norm
from .text import Vocab
from .train import fit, fit_truncated, time_windows

__all__ = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "rnn_forward_padded", "rnn_backward_padded", "reverse_padded", "activation", "activation_grad",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward", "sigmoid",
    "Module", "no_grad", "RNNCell", "RNN", "LSTMCell", "LSTM", "GRUCell", "GRU", "Dense", "SequenceModel", "Stepper",
    "mse_loss", "softmax_cross_entropy", "accuracy", "softmax", "log_softmax",
    "Optimizer", "SGD", "Adagrad", "Adam", "clip_grad_norm_", "clip_grad_value_", "global_norm",
    "fit", "fit_truncated", "time_windows", "Vocab", "pad_sequences", "sequence_mask",
    "gradcheck", "interop", "checks", "save", "load", "load_metadata", "sample", "perplexity",
    "hidden_states", "temperature_probs", "explore", "probes",
]

__version__ = "0.2.0"



def __getattr__(name):
    """rnnlib.checks, imported the first time it is asked for: `import rnnlib` does not import
    the checks, which import the modules they compare with."""
    if name == "checks":
        import importlib
        return importlib.import_module(".checks", __name__)
    raise AttributeError(f"module 'rnnlib' has no attribute {name!r}")


_snapshot.record()   # last: rnnlib as imported, what the checks run on whatever a cell changes
