"""rnnlib.interop: weight layouts between rnnlib, torch and Keras; round trips and bad input.

The numbers against real Keras and torch are checked in test_reference.py (fixtures); here
are the layout rules themselves and every error a learner can meet.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib.interop import from_keras_simple_rnn, keras_outputs, to_keras_simple_rnn


def keras_weights(F=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(F, H)), rng.normal(size=(H, H)), rng.normal(size=H)


# --- layouts and round trips -------------------------------------------------------------

def test_from_keras_is_torch_layout():
    kernel, rk, bias = keras_weights(F=3, H=4)
    sd = from_keras_simple_rnn(kernel, rk, bias)
    assert list(sd) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert sd["weight_ih_l0"].shape == (4, 3) and sd["weight_hh_l0"].shape == (4, 4)
    np.testing.assert_array_equal(sd["weight_ih_l0"], kernel.T)
    np.testing.assert_array_equal(sd["weight_hh_l0"], rk.T)
    np.testing.assert_array_equal(sd["bias_ih_l0"], bias)
    np.testing.assert_array_equal(sd["bias_hh_l0"], np.zeros(4))
    # exactly what rnnlib.RNN(3, 4) expects
    rnnlib.RNN(3, 4).load_state_dict(sd)


def test_from_keras_computes_what_keras_computes():
    """h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias), written out by hand."""
    kernel, rk, bias = keras_weights(F=2, H=3, seed=1)
    x = np.random.default_rng(2).normal(size=(2, 4, 2))
    rnn = rnnlib.RNN(2, 3)
    rnn.load_state_dict(from_keras_simple_rnn(kernel, rk, bias))
    output, h_n = rnn(x)
    h = np.zeros((2, 3))
    for t in range(4):
        h = np.tanh(x[:, t] @ kernel + h @ rk + bias)
        np.testing.assert_allclose(output[:, t], h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_n[0], h, rtol=1e-12, atol=1e-14)


def test_from_keras_without_bias_fits_a_bias_free_rnn():
    kernel, rk, _ = keras_weights()
    sd = from_keras_simple_rnn(kernel, rk)
    assert list(sd) == ["weight_ih_l0", "weight_hh_l0"]
    rnnlib.RNN(3, 4, bias=False).load_state_dict(sd)
    k2, rk2, b2 = to_keras_simple_rnn(sd)
    assert b2 is None
    np.testing.assert_array_equal(k2, kernel)
    np.testing.assert_array_equal(rk2, rk)


def test_results_are_copies_with_the_input_dtype():
    kernel, rk, bias = (a.astype(np.float32) for a in keras_weights())
    sd = from_keras_simple_rnn(kernel, rk, bias)
    assert all(a.dtype == np.float32 for a in sd.values())
    sd["weight_ih_l0"][0, 0] = 99.0
    sd["bias_ih_l0"][0] = 99.0
    assert kernel[0, 0] != 99.0 and bias[0] != 99.0
    k2, _, _ = to_keras_simple_rnn(sd)
    k2[0, 0] = -5.0
    assert sd["weight_ih_l0"][0, 0] == 99.0


def test_from_keras_accepts_nested_lists():
    sd = from_keras_simple_rnn([[1.0, 2.0]], [[0.5, 0.0], [0.0, 0.5]], [0.1, 0.2])
    np.testing.assert_array_equal(sd["weight_ih_l0"], [[1.0], [2.0]])


def test_to_keras_adds_torch_biases():
    rnn = rnnlib.RNN(2, 3, seed=4)
    sd = rnn.state_dict()
    kernel, rk, bias = to_keras_simple_rnn(sd)
    np.testing.assert_array_equal(kernel, sd["weight_ih_l0"].T)
    np.testing.assert_array_equal(rk, sd["weight_hh_l0"].T)
    np.testing.assert_array_equal(bias, sd["bias_ih_l0"] + sd["bias_hh_l0"])


def test_torch_keras_torch_keeps_the_outputs():
    """to_keras_simple_rnn merges the two biases; the RNN computes the same either way."""
    rnn = rnnlib.RNN(3, 2, nonlinearity="relu", seed=5)
    x = np.random.default_rng(6).normal(size=(4, 5, 3))
    h0 = np.random.default_rng(7).normal(size=(1, 4, 2))
    out, h_n = rnn(x, h0)
    other = rnnlib.RNN(3, 2, nonlinearity="relu", seed=99)
    other.load_state_dict(from_keras_simple_rnn(*to_keras_simple_rnn(rnn.state_dict())))
    out2, h_n2 = other(x, h0)
    np.testing.assert_allclose(out2, out, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h_n2, h_n, rtol=1e-13, atol=1e-15)


dims = st.integers(1, 6)


@settings(max_examples=25, deadline=None)
@given(F=dims, H=dims, seed=st.integers(0, 2**32 - 1), use_bias=st.booleans())
def test_round_trips_are_exact(F, H, seed, use_bias):
    kernel, rk, bias = keras_weights(F, H, seed)
    bias = bias if use_bias else None
    k2, rk2, b2 = to_keras_simple_rnn(from_keras_simple_rnn(kernel, rk, bias))
    np.testing.assert_array_equal(k2, kernel)
    np.testing.assert_array_equal(rk2, rk)
    assert (b2 is None) == (bias is None)
    if bias is not None:
        np.testing.assert_array_equal(b2, bias)      # bias + 0.0 is exact

    sd = rnnlib.RNN(F, H, bias=use_bias, seed=seed).state_dict()
    sd2 = from_keras_simple_rnn(*to_keras_simple_rnn(sd))
    assert sd2.keys() == sd.keys()
    np.testing.assert_array_equal(sd2["weight_ih_l0"], sd["weight_ih_l0"])
    np.testing.assert_array_equal(sd2["weight_hh_l0"], sd["weight_hh_l0"])
    if use_bias:
        np.testing.assert_array_equal(sd2["bias_ih_l0"] + sd2["bias_hh_l0"],
                                      sd["bias_ih_l0"] + sd["bias_hh_l0"])


# --- keras_outputs ------------------------------------------------------------------------

@pytest.fixture
def run():
    rnn = rnnlib.RNN(3, 2, seed=0)
    x = np.random.default_rng(1).normal(size=(4, 5, 3))
    return rnn(x)


def test_keras_outputs_all_four_combinations(run):
    output, h_n = run
    last = keras_outputs(output, h_n)
    assert last.shape == (4, 2)
    np.testing.assert_array_equal(last, output[:, -1])
    seq = keras_outputs(output, h_n, return_sequences=True)
    assert seq.shape == (4, 5, 2)
    np.testing.assert_array_equal(seq, output)
    pair = keras_outputs(output, h_n, return_state=True)
    assert isinstance(pair, list) and len(pair) == 2
    np.testing.assert_array_equal(pair[0], pair[1])          # Keras: last output == state
    np.testing.assert_array_equal(pair[1], h_n[0])
    seq2, state = keras_outputs(output, h_n, return_sequences=True, return_state=True)
    assert seq2.shape == (4, 5, 2) and state.shape == (4, 2)
    np.testing.assert_array_equal(state, h_n[0])


@pytest.mark.parametrize("go_backwards", [False, True])
def test_keras_outputs_with_lengths_by_hand(go_backwards):
    """Keras' masked layout, written out for lengths (4, 1, 3) in T = 4 steps."""
    rnn = rnnlib.RNN(2, 3, go_backwards=go_backwards, seed=3)
    lengths = np.array([4, 1, 3])
    output, h_n = rnn(np.random.default_rng(4).normal(size=(3, 4, 2)), lengths=lengths)
    before = output.copy()
    seq, state = keras_outputs(output, h_n, return_sequences=True, return_state=True,
                               lengths=lengths, go_backwards=go_backwards)
    a, b, c = output                      # rnnlib: real steps first, zeros after
    z = np.zeros(3)
    if go_backwards:                      # Keras: zeros first, the real steps at the end
        expected = [a, [z, z, z, b[0]], [z, c[0], c[1], c[2]]]
    else:                                 # Keras: the last real output repeated
        expected = [a, [b[0]] * 4, [c[0], c[1], c[2], c[2]]]
    np.testing.assert_array_equal(seq, np.array(expected))
    np.testing.assert_array_equal(state, h_n[0])
    np.testing.assert_array_equal(state, [a[3], b[0], c[2]])
    last = keras_outputs(output, h_n, lengths=lengths, go_backwards=go_backwards)
    np.testing.assert_array_equal(last, h_n[0])          # not output[:, -1], which has zeros
    assert np.all(output[1:, -1] == 0)
    np.testing.assert_array_equal(output, before)        # the input is left alone


def test_keras_outputs_full_lengths_change_nothing(run):
    output, h_n = run
    for go_backwards in (False, True):
        seq = keras_outputs(output, h_n, return_sequences=True, lengths=[5, 5, 5, 5],
                            go_backwards=go_backwards)
        np.testing.assert_array_equal(seq, output)


# --- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("args, exc, words", [
    ((np.ones(3), np.ones((3, 3))), ValueError, ["from_keras_simple_rnn: kernel should have shape (input_size, units)", "(3,)"]),
    ((np.ones((2, 3)), np.ones((2, 2))), ValueError, ["recurrent_kernel should have shape (units=3, units=3)", "transpose"]),
    ((np.ones((2, 3)), np.ones((3, 3)), np.ones(2)), ValueError, ["bias should have shape (units=3,)", "use_bias=False"]),
    ((np.ones((2, 3), dtype=int), np.ones((3, 3))), TypeError, ["kernel", "int", "astype(np.float64)"]),
    ((np.ones((2, 3)), np.full((3, 3), np.nan)), ValueError, ["recurrent_kernel contains nan", "finite"]),
    (("kernel", np.ones((3, 3))), TypeError, ["kernel should be a numeric array"]),
    ((np.ones((2, 3)), np.ones((3, 3)), np.ones((1, 3))), ValueError, ["bias should have shape"]),
])
def test_from_keras_errors(args, exc, words):
    with pytest.raises(exc) as e:
        from_keras_simple_rnn(*args)
    for w in words:
        assert w in str(e.value)


def test_from_keras_catches_torch_layout_when_shapes_disagree():
    """A torch weight_ih (H, F) passed as the kernel makes units = F; recurrent_kernel then disagrees."""
    sd = rnnlib.RNN(3, 4).state_dict()
    with pytest.raises(ValueError, match=r"recurrent_kernel should have shape \(units=3, units=3\), got \(4, 4\)"):
        from_keras_simple_rnn(sd["weight_ih_l0"], sd["weight_hh_l0"])


def test_to_keras_errors():
    with pytest.raises(TypeError, match=r"to_keras_simple_rnn: expected a dict of arrays .* got list"):
        to_keras_simple_rnn([np.ones((2, 2))])
    two_layers = rnnlib.RNN(2, 3, num_layers=2).state_dict()
    with pytest.raises(ValueError, match=r"one layer and one direction.*'weight_ih_l1'"):
        to_keras_simple_rnn(two_layers)
    bi = rnnlib.RNN(2, 3, bidirectional=True).state_dict()
    with pytest.raises(ValueError, match=r"'weight_ih_l0_reverse'.*convert each layer"):
        to_keras_simple_rnn(bi)
    sd = rnnlib.RNN(2, 3).state_dict()
    with pytest.raises(ValueError, match=r"no 'weight_ih_l0'"):
        to_keras_simple_rnn({k: a for k, a in sd.items() if k != "weight_ih_l0"})
    with pytest.raises(ValueError, match=r"missing keys \['weight_hh_l0'\]"):
        to_keras_simple_rnn({k: a for k, a in sd.items() if k != "weight_hh_l0"})
    with pytest.raises(ValueError, match=r"missing keys \['bias_hh_l0'\]"):
        to_keras_simple_rnn({k: a for k, a in sd.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match=r"weight_hh_l0 should have shape \(3, 3\), got \(3, 2\)"):
        to_keras_simple_rnn({**sd, "weight_hh_l0": np.ones((3, 2))})
    with pytest.raises(ValueError, match=r"weight_ih_l0'\] should have shape \(hidden_size, input_size\)"):
        to_keras_simple_rnn({**sd, "weight_ih_l0": np.ones(3)})
    with pytest.raises(TypeError, match=r"should be a floating-point array"):
        to_keras_simple_rnn({**sd, "bias_ih_l0": np.ones(3, dtype=int)})


def test_to_keras_leaves_its_input_alone():
    sd = rnnlib.RNN(2, 3, seed=8).state_dict()
    before = {k: a.copy() for k, a in sd.items()}
    kernel, rk, bias = to_keras_simple_rnn(sd)
    kernel[...] = 0.0
    rk[...] = 0.0
    bias[...] = 0.0
    for k, a in sd.items():
        np.testing.assert_array_equal(a, before[k])


def test_keras_outputs_errors(run):
    output, h_n = run
    with pytest.raises(ValueError, match=r"keras_outputs: output should have shape \(batch, time, hidden_size\), "
                                         r"got \(5, 2\).*output\[None\]"):
        keras_outputs(output[0], h_n)
    with pytest.raises(ValueError, match=r"h_n should have shape \(num_layers, batch=4, hidden_size=2\), got \(4, 2\)"):
        keras_outputs(output, h_n[0])
    bi = rnnlib.RNN(3, 2, bidirectional=True)
    out2, h2 = bi(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match=r"hidden_size=4\), got \(2, 4, 2\).*bidirectional"):
        keras_outputs(out2, h2)
    with pytest.raises(ValueError, match=r"batch=4"):
        keras_outputs(output, h_n[:, :3])
    with pytest.raises(TypeError, match=r"return_sequences should be True or False, got 'yes'"):
        keras_outputs(output, h_n, return_sequences="yes")
    with pytest.raises(TypeError, match=r"return_state should be True or False, got 1"):
        keras_outputs(output, h_n, return_state=1)
    with pytest.raises(TypeError, match=r"go_backwards should be True or False, got 'no'"):
        keras_outputs(output, h_n, lengths=[5, 5, 5, 5], go_backwards="no")


@pytest.mark.parametrize("lengths, exc, pattern", [
    ([5, 2, 4], ValueError, r"keras_outputs: lengths should have shape \(batch=4,\), one length per sequence, got \(3,\)"),
    ([[5, 2, 4, 1]], ValueError, r"lengths should have shape \(batch=4,\).*got \(1, 4\)"),
    ([5, 2, 6, 1], ValueError, r"keras_outputs: lengths\[2\] is 6, but every length should be between 1 and the padded length time=5"),
    ([5, 0, 4, 1], ValueError, r"lengths\[1\] is 0.*drop empty sequences"),
    ([5, 2.5, 4, 1], TypeError, r"keras_outputs: lengths should hold whole numbers, got dtype float64"),
    (["5", "2", "4", "1"], TypeError, r"lengths should hold whole numbers, got dtype <U1"),
    ([True, True, False, True], TypeError, r"lengths should hold whole numbers, got dtype bool"),
])
def test_keras_outputs_bad_lengths(run, lengths, exc, pattern):
    output, h_n = run
    with pytest.raises(exc, match=pattern):
        keras_outputs(output, h_n, return_sequences=True, lengths=lengths)


def test_interop_needs_neither_torch_nor_keras():
    # torch and Keras may be installed or not; a finder that refuses them makes sure that
    # importing and using interop never reaches for either.
    code = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "keras", "tensorflow"):
                    raise ImportError("blocked for this test: " + name)
        sys.meta_path.insert(0, Block())
        import numpy as np
        from rnnlib.interop import from_keras_simple_rnn, keras_outputs, to_keras_simple_rnn
        sd = from_keras_simple_rnn(np.ones((2, 3)), np.eye(3), np.zeros(3))
        kernel, recurrent_kernel, bias = to_keras_simple_rnn(sd)
        last = keras_outputs(np.ones((1, 4, 3)), np.ones((1, 1, 3)))
        assert kernel.shape == (2, 3) and bias.shape == (3,) and last.shape == (1, 3)
        assert not any(m.split(".")[0] in ("torch", "keras", "tensorflow") for m in sys.modules)
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# --- load_reference -----------------------------------------------------------------------

def test_load_reference_returns_the_arrays_and_parses_the_config():
    path = Path(rnnlib.__file__).resolve().parent.parent / "assets" / "reference" / "losses_torch.npz"
    with np.load(path, allow_pickle=False) as raw:
        expected = {k: raw[k] for k in raw.files}
    ref = rnnlib.interop.load_reference("losses_torch")
    assert set(ref) == set(expected)
    assert ref["config"] == json.loads(str(expected["config"]))
    assert isinstance(ref["config"], dict) and ref["config"]["ignore_index"] == -100
    for k in expected:
        if k != "config":
            np.testing.assert_array_equal(ref[k], expected[k])


def test_load_reference_unknown_name_lists_the_files():
    with pytest.raises(ValueError) as info:
        rnnlib.interop.load_reference("torch_sigmoid")
    message = str(info.value)
    assert "load_reference: there is no reference file 'torch_sigmoid'" in message
    for known in ("losses_torch", "optim_torch", "torch_tanh", "keras_hello"):
        assert repr(known) in message
