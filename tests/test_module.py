"""The Module base and what it gives every layer: dtype end to end, train/eval, state dicts,
no_grad, a core that needs only numpy, and torch's warnings and names where a torch user
expects them."""
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import rnnlib

CORE = ["functional", "module", "layers", "models", "losses", "optim", "train", "text", "data",
        "finite_diff", "interop", "_validation"]


def test_the_core_imports_and_trains_without_matplotlib_or_ipywidgets():
    code = textwrap.dedent(f"""
        import sys
        class Block:                       # a finder that refuses the plotting and widget packages
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("matplotlib", "ipywidgets", "IPython", "PIL"):
                    raise ImportError("blocked for this test: " + name)
        sys.meta_path.insert(0, Block())
        import numpy as np
        import rnnlib
        for m in {CORE!r}:
            __import__("rnnlib." + m)
        vocab = rnnlib.Vocab("hihello")
        x, y = vocab.one_hot("hihell")[None], vocab.encode("ihello")[None]
        model = rnnlib.SequenceModel(len(vocab), 8, len(vocab), seed=0)
        history = rnnlib.fit(model, x, y, rnnlib.Adam(model.params, lr=0.05), epochs=60)
        assert history["accuracy"][-1] == 1.0, history["accuracy"][-1]
        assert not any(k.split(".")[0] in ("matplotlib", "ipywidgets", "IPython") for k in sys.modules)
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# --- dtype --------------------------------------------------------------------------------

def arrays_of(obj):
    return list(obj.params.values()) + list(obj.grads.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_array_of_an_rnn_keeps_the_dtype(dtype):
    rnn = rnnlib.RNN(3, 4, num_layers=2, bidirectional=True, seed=0, dtype=dtype)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))         # float64 in: cast to the module's dtype
    output, h_n = rnn(x, lengths=[5, 3])
    dx, dh0 = rnn.backward(np.ones_like(output), np.ones_like(h_n), return_dh0=True)
    arrays = [output, h_n, dx, dh0] + arrays_of(rnn)
    assert all(a.dtype == dtype for a in arrays), {a.dtype for a in arrays}


def test_float32_model_trains_in_float32_end_to_end():
    vocab = rnnlib.Vocab("hihello")
    x, y = vocab.one_hot("hihell")[None], vocab.encode("ihello")[None]
    model = rnnlib.SequenceModel(len(vocab), 8, len(vocab), seed=0, dtype=np.float32)
    opt = rnnlib.Adam(model.params, lr=0.05)
    history = rnnlib.fit(model, x, y, opt, epochs=60, clip=5.0)
    assert history["accuracy"][-1] == 1.0
    assert all(a.dtype == np.float32 for a in arrays_of(model))
    assert all(s.dtype == np.float32 for st in opt.state.values() for s in st.values())
    assert model(x).dtype == np.float32
    stepper = model.stepper()
    assert stepper.step(x[:, 0]).dtype == np.float32 and stepper.state.dtype == np.float32


def test_float32_and_float64_agree_to_float32_precision():
    rng = np.random.default_rng(1)
    x, G = rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 6, 5))
    out = {}
    for dt in (np.float32, np.float64):
        rnn = rnnlib.RNN(4, 5, seed=2, dtype=dt)
        y, _ = rnn(x)
        dx = rnn.backward(G)
        out[dt] = (y, dx, rnn.grads["weight_hh_l0"])
    for a, b in zip(out[np.float32], out[np.float64]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_a_state_dict_of_another_dtype_is_cast_on_load():
    a = rnnlib.RNN(3, 2, seed=0)
    b = rnnlib.RNN(3, 2, seed=1, dtype=np.float32)
    b.load_state_dict(a.state_dict())
    assert all(p.dtype == np.float32 for p in b.params.values())
    np.testing.assert_allclose(b.params["weight_hh_l0"], a.params["weight_hh_l0"], rtol=1e-7)


@pytest.mark.parametrize("bad", ["float16", np.int32, "double precision", None])
def test_dtype_must_be_float32_or_float64(bad):
    with pytest.raises(TypeError, match=r"RNN: dtype should be np.float32 or np.float64"):
        rnnlib.RNN(3, 2, dtype=bad)


# --- Module behaviour --------------------------------------------------------------------

def test_train_and_eval_reach_every_layer_of_a_model():
    model = rnnlib.SequenceModel(2, 3, 1, seed=0)
    assert model.eval() is model
    assert (model.training, model.rnn.training, model.head.training) == (False, False, False)
    model.train()
    assert (model.training, model.rnn.training, model.head.training) == (True, True, True)


def test_no_grad_keeps_the_cache_of_the_forward_waiting_for_its_backward():
    rng = np.random.default_rng(3)
    model = rnnlib.SequenceModel(2, 3, 2, seed=0)
    x, dy = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 2))
    model(x)
    with rnnlib.no_grad():
        model(rng.normal(size=(5, 7, 2)))                   # inference in between
        model.stepper(batch_size=2).step(x[:, 0])
    dx = model.backward(dy)
    grads = {k: g.copy() for k, g in model.grads.items()}
    model.zero_grad()
    model(x)
    assert np.array_equal(model.backward(dy), dx)
    assert all(np.array_equal(model.grads[k], g) for k, g in grads.items())


def test_backward_after_only_a_no_grad_forward_is_a_clear_error():
    rnn = rnnlib.RNN(2, 3, seed=0)
    with rnnlib.no_grad():
        out, _ = rnn(np.zeros((1, 2, 2)))
    with pytest.raises(RuntimeError, match=r"RNN.backward: there is no forward pass.*no_grad"):
        rnn.backward(out)


# --- Module as a base for your own model ----------------------------------------------------

class ScaledTagger(rnnlib.Module):
    """y = scale * head(rnn(x)): two registered modules and one parameter of its own."""

    def __init__(self, vocab_size, hidden_size, seed):
        super().__init__()
        self.add_module("rnn", rnnlib.RNN(vocab_size, hidden_size, seed=seed))
        self.add_module("head", rnnlib.Dense(hidden_size, vocab_size, seed=seed + 1))
        self.add_param("scale", np.ones(1))

    def forward(self, x, lengths=None):
        out, _ = self.rnn(x, lengths=lengths)
        self.z = self.head(out)                             # (N, T, V), kept for backward
        return self.params["scale"] * self.z

    def backward(self, dy):
        self.grads["scale"] += np.sum(dy * self.z)
        return self.rnn.backward(self.head.backward(self.params["scale"] * dy))


def test_a_module_of_your_own_trains_with_adam_and_fit():
    vocab = rnnlib.Vocab("hihello")
    x, y = vocab.one_hot("hihell")[None], vocab.encode("ihello")[None]
    model = ScaledTagger(len(vocab), 8, seed=0)
    assert list(model.params) == ([f"rnn.{k}" for k in model.rnn.params]
                                  + ["head.weight", "head.bias", "scale"])
    assert model.params["rnn.weight_hh_l0"] is model.rnn.params["weight_hh_l0"]
    before = model.state_dict()
    history = rnnlib.fit(model, x, y, rnnlib.Adam(model.params, lr=0.05), epochs=100)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < history["loss"][0] / 10
    for k in ("rnn.weight_hh_l0", "head.bias", "scale"):    # every part was trained ...
        assert not np.array_equal(model.params[k], before[k]), k
    # ... through the submodules' own arrays, which the model's dicts share
    np.testing.assert_array_equal(model.rnn.params["weight_hh_l0"], model.params["rnn.weight_hh_l0"])
    np.testing.assert_array_equal(model.head.grads["weight"], model.grads["head.weight"])


def test_the_base_forward_and_backward_are_for_subclasses():
    with pytest.raises(NotImplementedError, match=r"^Module\.forward: .*define forward"):
        rnnlib.Module().forward(np.zeros((1, 2, 3)))
    with pytest.raises(NotImplementedError, match=r"^Module\.forward: "):
        rnnlib.Module()(np.zeros((1, 2, 3)))                # __call__ is forward

    class OnlyForward(rnnlib.Module):
        def forward(self, x):
            return x
    with pytest.raises(NotImplementedError, match=r"^OnlyForward\.backward: .*define backward"):
        OnlyForward().backward(np.zeros((1, 2, 3)))
    # every layer and model of rnnlib defines its own
    for cls in (rnnlib.RNN, rnnlib.LSTM, rnnlib.GRU, rnnlib.RNNCell, rnnlib.LSTMCell,
                rnnlib.GRUCell, rnnlib.Dense, rnnlib.SequenceModel):
        assert cls.backward is not rnnlib.Module.backward, cls
        assert cls.forward is not rnnlib.Module.forward, cls


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_train_takes_true_or_false_only(bad):
    model = rnnlib.SequenceModel(2, 3, 1, seed=0)
    with pytest.raises(TypeError, match=r"SequenceModel.train: mode should be True or False"):
        model.train(bad)
    assert model.training and model.rnn.training            # unchanged


def forward_keeps_a_cache():
    """Whether a forward, run here, leaves something for backward: the public way to tell
    whether forwards are being recorded."""
    dense = rnnlib.Dense(2, 1, seed=0)
    dense(np.ones((1, 2)))
    try:
        dense.backward(np.ones((1, 1)))
    except RuntimeError:
        return False
    return True


def test_no_grad_is_undone_after_an_exception():
    assert forward_keeps_a_cache()
    with pytest.raises(ZeroDivisionError):
        with rnnlib.no_grad():
            assert not forward_keeps_a_cache()
            1 / 0
    assert forward_keeps_a_cache()


def test_no_grad_nests():
    with rnnlib.no_grad():
        with rnnlib.no_grad():
            assert not forward_keeps_a_cache()
        assert not forward_keeps_a_cache()                  # still inside the outer block
    assert forward_keeps_a_cache()


# --- what a torch user expects ------------------------------------------------------------

def test_dropout_with_one_layer_warns_as_torch_does():
    with pytest.warns(UserWarning, match=r"dropout=0.2 with num_layers=1 does nothing"):
        rnnlib.RNN(3, 2, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnlib.RNN(3, 2, num_layers=2, dropout=0.2)          # no warning where it acts


def test_options_that_torch_does_not_have_are_keyword_only():
    with pytest.raises(TypeError, match="positional argument"):
        rnnlib.RNN(3, 2, 1, "tanh", True, True, 0.0, False, True)   # go_backwards by position
    with pytest.raises(TypeError, match="positional argument"):
        rnnlib.Dense(3, 2, True, 0)                                   # seed by position
    model = rnnlib.SequenceModel(1, 2, 1, seed=0)
    x = np.ones((1, 3, 1))
    opt = rnnlib.SGD(model.params, lr=0.1)
    rnnlib.fit(model, x, x, opt, loss="mse", epochs=1)               # by keyword: fine
    with pytest.raises(TypeError, match="positional argument"):
        rnnlib.fit(model, x, x, opt, "mse")                          # loss by position


def test_clip_grad_norm_scales_even_at_exactly_max_norm_as_torch_does():
    # torch: coef = max_norm / (norm + 1e-6), clamped at 1, applied always; at norm == max_norm
    # the gradient shrinks by the factor 5 / (5 + 1e-6)
    g = [np.array([3.0, 4.0])]
    assert rnnlib.clip_grad_norm_(g, 5.0) == 5.0
    np.testing.assert_allclose(g[0], np.array([3.0, 4.0]) * 5 / (5 + 1e-6), rtol=1e-15)


def test_clip_grad_value_cuts_each_entry():
    g = {"a": np.array([-3.0, 0.5, 2.0]), "b": np.array([[10.0]])}
    assert rnnlib.clip_grad_value_(g, 1.0) is None
    np.testing.assert_array_equal(g["a"], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(g["b"], [[1.0]])
