"""Moving models between rnnlib, PyTorch and Keras: the same numbers in three layouts.

    to_torch(model) / from_torch(module)    rnnlib.RNN, LSTM, GRU, their cells and
                                            SequenceModel <-> torch.nn modules (torch_models)
    to_keras(model) / from_keras(model)     rnnlib.RNN, LSTM, GRU and SequenceModel <->
                                            keras.Sequential or a Keras layer (keras_models)
    from_keras_simple_rnn, to_keras_simple_rnn, from_keras_lstm, to_keras_lstm,
    from_keras_gru, to_keras_gru            one layer's weights between torch's state_dict
                                            and Keras' get_weights(), numpy only (layouts)
    keras_outputs                           what Keras' return_sequences / return_state give
    load_reference, REFERENCE               the stored PyTorch and Keras results (reference)

Only to_torch, from_torch, to_keras and from_keras import torch or Keras, when called; the
rest, and `import rnnlib`, need numpy alone.
"""
from .keras_models import from_keras, from_keras_layer_specs, keras_layer_specs, to_keras
from .layouts import (from_keras_gru, from_keras_lstm, from_keras_simple_rnn, keras_outputs,
                      to_keras_gru, to_keras_lstm, to_keras_simple_rnn)
from .reference import REFERENCE, load_reference
from .torch_models import from_torch, to_torch

__all__ = ["to_torch", "from_torch", "to_keras", "from_keras", "keras_layer_specs",
           "from_keras_layer_specs", "from_keras_simple_rnn", "to_keras_simple_rnn",
           "from_keras_lstm", "to_keras_lstm", "from_keras_gru", "to_keras_gru",
           "keras_outputs", "load_reference", "REFERENCE"]
