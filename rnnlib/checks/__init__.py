"""Checks for the course's coding exercises: call your function, say in plain words what is wrong.

    from rnnlib.checks import check_rnn_forward    # in the check cell: always the real check
    assert check_rnn_forward(rnn_forward)          # one line and True, or AssertionError

Each check_<name>(fn) calls your function (same signature as rnnlib's) on several cases
(batch 1 and more, one timestep and more, each nonlinearity) and compares every output with
rnnlib's, in float64 to a relative error of 1e-7. When all agree it prints one line and returns
True. Otherwise it raises AssertionError whose message says which output of which case is
wrong, by how much, and the likely cause ("dWh is off by exactly the contribution of t = 0:
does the loop stop at t = 1?"); with raise_error=False it prints that instead and returns
False. A stub that raises NotImplementedError gives "not implemented yet"; an error inside your
code is shown with the line of your code where it happened.

A check refuses rnnlib's own function, an alias, copy or wrapper of it, and a function that
calls the rnnlib function the exercise asks you to write (each check declares which with
@replaces, in _core); `from rnnlib.checks import check_x` gives the check as imported even if
a cell replaced it, and a check runs on rnnlib as imported (see _guard, which also says what
it cannot prevent).

    forward    check_tanh_layer, check_rnn_step_forward, check_rnn_forward, check_one_hot, check_simple_rnn,
               check_rnn_forward_padded
    backward   check_rnn_step_backward, check_rnn_backward, check_step_jacobian
    training   check_softmax_cross_entropy, check_adam_update, check_training_step
    generation check_temperature_probs, check_perplexity_from_logits
    explore    check_unit_correlations
    probes     check_partial_correlation                             (notebook 08)
    gated      check_lstm_step_forward, check_lstm_step_backward     (one LSTM step)
               check_gru_step_forward, check_gru_step_backward       (one GRU step)
    sampling   check_sample_ids                                     (notebook 07's sampling loop)
    gated_exercises  check_lstm_parameter_count, check_gru_parameter_count,
               check_coupled_lstm_step_forward                      (notebook 09's exercises)
    interop_exercises  check_simple_rnn_from_keras                  (notebook 10's exercise)
"""
from .backward import check_rnn_backward, check_rnn_step_backward, check_step_jacobian
from .explore import check_unit_correlations
from .forward import (check_one_hot, check_rnn_forward, check_rnn_forward_padded,
                      check_rnn_step_forward, check_simple_rnn, check_tanh_layer)
from .gated import (check_gru_step_backward, check_gru_step_forward, check_lstm_step_backward,
                    check_lstm_step_forward)
from .gated_exercises import (check_coupled_lstm_step_forward, check_gru_parameter_count,
                              check_lstm_parameter_count)
from .generation import check_perplexity_from_logits, check_temperature_probs
from .interop_exercises import check_simple_rnn_from_keras
from .models_exercises import check_many_to_one_gradients, check_train_last_step
from .probes import check_partial_correlation
from .sampling import check_sample_ids
from .training import check_adam_update, check_softmax_cross_entropy, check_training_step
from .through_time import check_gradients_back_in_time

__all__ = ["check_tanh_layer", "check_rnn_step_forward", "check_rnn_forward", "check_one_hot",
           "check_simple_rnn", "check_rnn_forward_padded", "check_rnn_step_backward", "check_rnn_backward",
           "check_step_jacobian", "check_softmax_cross_entropy", "check_adam_update",
           "check_training_step", "check_temperature_probs", "check_perplexity_from_logits",
           "check_unit_correlations", "check_lstm_step_forward", "check_lstm_step_backward",
           "check_gru_step_forward", "check_gru_step_backward", "check_lstm_parameter_count",
           "check_gru_parameter_count", "check_coupled_lstm_step_forward",
           "check_partial_correlation", "check_simple_rnn_from_keras"]


def _finish():
    """Run once, last, when rnnlib.checks is first imported (rnnlib is imported by then, and
    its snapshot taken): every check registered (a check without @replaces gets @replaces(),
    watching for nothing), the checks' modules added to the snapshot, and sealed against
    changes."""
    import sys

    from . import _core, _guard
    namespace = globals()
    for name, value in list(namespace.items()):
        if name.startswith("check_") and callable(value) and _core.REGISTRY.get(name) is not value:
            namespace[name] = _core.replaces()(value)
    for check in _core.REGISTRY.values():
        _guard.watched(check.replaces)       # imports any module a declaration names
    _guard.take_snapshot(list(_core.REGISTRY.values()))
    _guard.seal(__name__)
    sys.modules["rnnlib._snapshot"].__class__ = _guard.SealedModule
    sys.modules[__name__].__class__ = _guard.sealed_package(dict(_core.REGISTRY))


_finish()
