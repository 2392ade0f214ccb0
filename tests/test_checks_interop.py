"""rnnlib.checks.check_simple_rnn_from_keras, notebook 10's exercise.

The right answer here is written from the two frameworks' documentation, not from rnnlib:
Keras' SimpleRNN computes h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias), torch's
RNN h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), so W_ih = kernel^T, W_hh =
recurrent_kernel^T and b_ih + b_hh = bias (the exercise asks for b_hh = 0). One hand-worked
case checks it against a step computed both ways. Each wrong answer is the right one with one
mistake, and each mistake's diagnosis is tested.
"""
import numpy as np
import pytest

from rnnlib import checks

KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def mapping_with(bug=None):
    def simple_rnn_from_keras(kernel, recurrent_kernel, bias):
        w_ih, w_hh = kernel.T.copy(), recurrent_kernel.T.copy()
        b_ih, b_hh = bias.copy(), np.zeros_like(bias)
        if bug == "no transpose":
            w_ih, w_hh = kernel.copy(), recurrent_kernel.copy()
        elif bug == "recurrent only":          # the recurrent kernel transposed, the kernel not
            w_ih = kernel.copy()
        elif bug == "kernel only":             # the kernel transposed, the recurrent kernel not
            w_hh = recurrent_kernel.copy()
        elif bug == "swapped":
            w_ih, w_hh = recurrent_kernel.T.copy(), kernel.T.copy()
        elif bug == "bias_hh only":
            b_ih, b_hh = np.zeros_like(bias), bias.copy()
        elif bug == "halves":
            b_ih, b_hh = bias / 2, bias / 2
        elif bug == "doubled":
            b_hh = bias.copy()
        elif bug == "views":
            w_ih, w_hh = kernel.T, recurrent_kernel.T
        elif bug == "same bias":
            b_ih = bias
        elif bug == "float64 zeros":
            b_hh = np.zeros(bias.shape)
        elif bug == "reshape":                 # the shape torch wants, the numbers in Keras' order
            w_ih = kernel.reshape(kernel.shape[::-1]).copy()
        elif bug == "no bias":                 # "torch has two biases, Keras none of them"
            b_ih = np.zeros_like(bias)
        state = {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
        if bug == "no _l0":
            state = {k[:-3]: a for k, a in state.items()}
        elif bug == "keras names":
            state = {"kernel": w_ih, "recurrent_kernel": w_hh, "bias": b_ih}
        elif bug == "prefix":
            state = {"rnn." + k: a for k, a in state.items()}
        elif bug == "one bias":
            del state["bias_hh_l0"]
        elif bug == "tuple":
            return w_ih, w_hh, b_ih, b_hh
        elif bug == "lists":
            state = {k: a.tolist() for k, a in state.items()}
        return state
    return simple_rnn_from_keras


def test_the_right_answer_computes_keras_step():
    rng = np.random.default_rng(0)
    kernel, rk, bias = rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    keras_step = np.tanh(x @ kernel + h @ rk + bias)
    d = mapping_with()(kernel, rk, bias)
    torch_step = np.tanh(x @ d["weight_ih_l0"].T + d["bias_ih_l0"] + h @ d["weight_hh_l0"].T
                         + d["bias_hh_l0"])
    assert np.allclose(torch_step, keras_step, rtol=0, atol=1e-14)
    assert d["weight_ih_l0"].shape == (4, 3)


def test_the_right_answer_passes(capsys):
    assert checks.check_simple_rnn_from_keras(mapping_with())
    out = capsys.readouterr().out
    assert out.startswith("check_simple_rnn_from_keras: all 3 cases agree"), out


@pytest.mark.parametrize("bug, words", [
    ("no transpose", "is Keras' kernel with its numbers in their original order"),
    ("no transpose", "is recurrent_kernel as it is"),
    ("recurrent only", "is Keras' kernel with its numbers in their original order"),
    ("kernel only", "torch stores it transposed, weight_hh_l0 = recurrent_kernel.T"),
    ("swapped", "in each other's place"),
    ("bias_hh only", "the whole of Keras' bias is in bias_hh_l0"),
    ("bias_hh only", "computes the same numbers"),
    ("halves", "each hold half of Keras' bias"),
    ("doubled", "would add the bias twice"),
    ("views", "is a view of kernel you were given"),
    ("same bias", "bias_ih_l0 is the very array bias you were given"),
    ("float64 zeros", "bias_hh_l0 has dtype float64, but the Keras weights are float32"),
    ("no _l0", "end in _l0"),
    ("keras names", "Keras' names"),
    ("prefix", "prefix a SequenceModel"),
    ("one bias", "bias_hh_l0 is a vector of zeros"),
    ("tuple", "it should return a dict"),
    ("reshape", "or kernel.reshape(...), which keeps that order"),
    ("no bias", "are both zeros: Keras' bias is lost"),
    ("lists", "weight_ih_l0 is a list, not a numpy array"),
])
def test_each_mistake_is_named(bug, words, capsys):
    assert checks.check_simple_rnn_from_keras(mapping_with(bug), raise_error=False) is False
    out = capsys.readouterr().out
    assert words in out, out


def test_zeros_in_both_biases_are_not_called_the_same_layer(capsys):
    # zeros in bias_ih_l0 is also what "all of the bias in bias_hh_l0" gives; that mistake
    # computes the same layer, this one does not, and the message must not say it does
    assert checks.check_simple_rnn_from_keras(mapping_with("no bias"), raise_error=False) is False
    out = capsys.readouterr().out
    assert "computes the same numbers" not in out and "the whole of Keras' bias" not in out, out


def test_a_wrong_answer_raises_its_diagnosis():
    with pytest.raises(AssertionError, match="would add the bias twice"):
        checks.check_simple_rnn_from_keras(mapping_with("doubled"))


def test_the_library_function_and_from_keras_are_refused(capsys):
    import rnnlib

    assert not checks.check_simple_rnn_from_keras(rnnlib.interop.from_keras_simple_rnn,
                                                  raise_error=False)

    def via_library(kernel, recurrent_kernel, bias):
        return rnnlib.interop.layouts.from_keras_simple_rnn(kernel, recurrent_kernel, bias)
    assert not checks.check_simple_rnn_from_keras(via_library, raise_error=False)
    out = capsys.readouterr().out
    assert "from_keras_simple_rnn" in out


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("where", [0, -1])
def test_one_element_changed_in_any_entry_fails(key, where):
    right = mapping_with()

    def nudged(kernel, recurrent_kernel, bias):
        d = right(kernel, recurrent_kernel, bias)
        d[key].flat[where] = d[key].flat[where] * (1 + 1e-4) + 1e-4
        return d
    assert checks.check_simple_rnn_from_keras(nudged, raise_error=False) is False


@pytest.mark.parametrize("how, words", [("nan", "nan"), ("complex", "complex numbers"),
                                        ("shape", "has shape")])
@pytest.mark.parametrize("key", KEYS)
def test_nan_complex_and_a_wrong_shape_are_named(key, how, words, capsys):
    right = mapping_with()

    def replaced(kernel, recurrent_kernel, bias):
        d = right(kernel, recurrent_kernel, bias)
        d[key] = {"nan": lambda a: np.full(a.shape, np.nan), "complex": lambda a: a + 1j,
                  "shape": lambda a: a[None]}[how](d[key])
        return d
    assert checks.check_simple_rnn_from_keras(replaced, raise_error=False) is False
    assert words in capsys.readouterr().out
