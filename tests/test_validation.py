"""Bad input gets a clear error: the right type, a message that names what was expected and
what came, and an object that works afterwards exactly as before."""
import numpy as np
import pytest

import rnnlib

F, H, N, T = 4, 3, 2, 5


def rnn(**kw):
    return rnnlib.RNN(F, H, seed=0, **kw)


def x_ok(n=N, t=T, f=F):
    return np.random.default_rng(1).normal(size=(n, t, f))


def with_value(arr, index, value):
    arr = arr.copy()
    arr[index] = value
    return arr


def step_args(**override):
    rng = np.random.default_rng(2)
    args = dict(x=rng.normal(size=(N, F)), h_prev=rng.normal(size=(N, H)),
                Wx=rng.normal(size=(F, H)), Wh=rng.normal(size=(H, H)), b=rng.normal(size=H))
    args.update(override)
    return args


def _state_with(key, value):
    d = rnn().state_dict()
    d[key] = value
    return d


def _without(key):
    d = rnn().state_dict()
    del d[key]
    return d


# (id, call, error type, substrings the message must contain)
CASES = [
    ("x_2d", lambda: rnn()(np.zeros((5, 4))), ValueError,
     ["RNN.forward", "(batch, time, input_size=4)", "got (5, 4)", "x[None]"]),
    ("x_1d", lambda: rnn()(np.zeros(4)), ValueError, ["(batch, time, input_size=4)", "got (4,)", "x[None, None]"]),
    ("x_4d", lambda: rnn()(np.zeros((1, 2, 5, 4))), ValueError, ["(batch, time, input_size=4)", "got (1, 2, 5, 4)"]),
    ("x_features", lambda: rnn()(np.zeros((2, 5, 3))), ValueError, ["input_size=4", "got (2, 5, 3)"]),
    ("x_time_first", lambda: rnn(batch_first=False)(np.zeros((2, 5, 3))), ValueError,
     ["(time, batch, input_size=4)", "got (2, 5, 3)", "batch_first=False"]),
    ("x_int", lambda: rnn()(np.zeros((2, 5, 4), dtype=np.int64)), TypeError, ["int64", "astype(np.float64)"]),
    ("x_bool", lambda: rnn()(np.zeros((2, 5, 4), dtype=bool)), TypeError, ["bool", "numeric"]),
    ("x_complex", lambda: rnn()(np.zeros((2, 5, 4), dtype=complex)), TypeError, ["complex128", "real"]),
    ("x_str", lambda: rnn()("hello"), TypeError, ["<U5", "numeric"]),
    ("x_ragged", lambda: rnn()([[[0.0] * 4], [[0.0] * 4, [0.0] * 4]]), TypeError, ["same length"]),
    ("x_nan", lambda: rnn()(with_value(x_ok(), (1, 2, 3), np.nan)), ValueError, ["nan", "(1, 2, 3)", "finite"]),
    ("x_inf", lambda: rnn()(with_value(x_ok(), (0, 4, 0), np.inf)), ValueError, ["inf", "(0, 4, 0)"]),
    ("x_empty_time", lambda: rnn()(np.zeros((2, 0, 4))), ValueError, ["got (2, 0, 4)", "length 0"]),
    ("x_empty_batch", lambda: rnn()(np.zeros((0, 5, 4))), ValueError, ["got (0, 5, 4)", "length 0"]),
    ("h0_2d", lambda: rnn()(x_ok(), np.zeros((N, H))), ValueError,
     ["h0", "(num_layers*num_directions=1, batch=2, hidden_size=3)", "got (2, 3)", "h[None]"]),
    ("h0_batch", lambda: rnn()(x_ok(), np.zeros((1, 3, H))), ValueError, ["batch=2", "got (1, 3, 3)"]),
    ("h0_bidirectional", lambda: rnn(bidirectional=True)(x_ok(), np.zeros((1, N, H))), ValueError,
     ["num_layers*num_directions=2", "got (1, 2, 3)"]),
    ("h0_int", lambda: rnn()(x_ok(), np.zeros((1, N, H), dtype=np.int32)), TypeError, ["h0", "int32"]),
    ("lengths_shape", lambda: rnn()(x_ok(), lengths=[5, 3, 2]), ValueError, ["(batch=2,)", "got (3,)"]),
    ("lengths_too_long", lambda: rnn()(x_ok(), lengths=[5, 6]), ValueError, ["lengths[1] is 6", "time=5"]),
    ("lengths_zero", lambda: rnn()(x_ok(), lengths=[0, 5]), ValueError, ["lengths[0] is 0", "between 1"]),
    ("lengths_fraction", lambda: rnn()(x_ok(), lengths=[2.5, 3]), TypeError, ["whole numbers", "float64"]),
    ("nonlinearity", lambda: rnnlib.RNN(F, H, nonlinearity="sigmoid"), ValueError, ["'sigmoid'", "'tanh'", "'leaky_relu'"]),
    ("cell_x", lambda: rnnlib.RNNCell(F, H)(np.zeros((N, F + 1))), ValueError,
     ["RNNCell", "(batch, input_size=4)", "got (2, 5)"]),
    ("cell_h_prev", lambda: rnnlib.RNNCell(F, H)(np.zeros((N, F)), np.zeros((N + 1, H))), ValueError,
     ["RNNCell", "h_prev", "(batch=2, hidden_size=3)", "got (3, 3)"]),
    ("nonlinearity_cell", lambda: rnnlib.RNNCell(F, H, nonlinearity="Tanh"), ValueError, ["'Tanh'", "lower case"]),
    ("hidden_zero", lambda: rnnlib.RNN(F, 0), ValueError, ["hidden_size", "got 0"]),
    ("input_negative", lambda: rnnlib.RNN(-3, H), ValueError, ["input_size", "got -3"]),
    ("input_float", lambda: rnnlib.RNN(2.5, H), TypeError, ["input_size", "got 2.5"]),
    ("layers_zero", lambda: rnnlib.RNN(F, H, num_layers=0), ValueError, ["num_layers", "got 0"]),
    ("dropout_one", lambda: rnnlib.RNN(F, H, dropout=1.0), ValueError, ["dropout", "[0, 1)", "got 1.0"]),
    ("dropout_negative", lambda: rnnlib.RNN(F, H, dropout=-0.1), ValueError, ["dropout", "got -0.1"]),
    ("bias_str", lambda: rnnlib.RNN(F, H, bias="yes"), TypeError, ["bias", "True or False", "'yes'"]),
    ("backwards_bidirectional", lambda: rnnlib.RNN(F, H, bidirectional=True, go_backwards=True), ValueError,
     ["go_backwards=True", "bidirectional=True"]),
    ("state_missing", lambda: rnn().load_state_dict(_without("bias_hh_l0")), ValueError,
     ["missing keys ['bias_hh_l0']", "bias"]),
    ("state_extra", lambda: rnn().load_state_dict(_state_with("weight_ih_l1", np.zeros((H, H)))), ValueError,
     ["unexpected keys ['weight_ih_l1']", "num_layers"]),
    ("state_shape", lambda: rnn().load_state_dict(_state_with("weight_ih_l0", np.zeros((F, H)))), ValueError,
     ["weight_ih_l0", "should have shape (3, 4)", "got (4, 3)"]),
    ("state_not_dict", lambda: rnn().load_state_dict([1, 2]), TypeError, ["dict", "list"]),
    ("state_nan", lambda: rnn().load_state_dict(_state_with("bias_ih_l0", np.full(H, np.nan))), ValueError,
     ["bias_ih_l0", "nan"]),
    ("step_x_features", lambda: rnnlib.rnn_step_forward(**step_args(x=np.zeros((N, 5)))), ValueError,
     ["rnn_step_forward", "(batch, input_size=4)", "got (2, 5)"]),
    ("step_h_batch", lambda: rnnlib.rnn_step_forward(**step_args(h_prev=np.zeros((3, H)))), ValueError,
     ["h_prev", "(batch=2, hidden_size=3)", "got (3, 3)"]),
    ("step_Wh_square", lambda: rnnlib.rnn_step_forward(**step_args(Wh=np.zeros((H, H + 1)))), ValueError,
     ["Wh", "(hidden_size=3, hidden_size=3)", "got (3, 4)", "square"]),
    ("step_b_row", lambda: rnnlib.rnn_step_forward(**step_args(b=np.zeros((1, H)))), ValueError,
     ["b should have shape (hidden_size=3,)", "got (1, 3)", "b.ravel()"]),
    ("forward_nonlinearity", lambda: rnnlib.rnn_forward(x_ok(), np.zeros((N, H)), np.zeros((F, H)),
                                                         np.zeros((H, H)), np.zeros(H), "softmax"),
     ValueError, ["rnn_forward", "'softmax'"]),
    ("backward_dh_shape", lambda: rnnlib.rnn_backward(
        np.zeros((N, T, H + 1)), rnnlib.rnn_forward(x_ok(), np.zeros((N, H)), np.zeros((F, H)),
                                                    np.zeros((H, H)), np.zeros(H))[1]),
     ValueError, ["rnn_backward", "(batch=2, time=5, hidden_size=3)", "got (2, 5, 4)"]),
    ("step_backward_shape", lambda: rnnlib.rnn_step_backward(np.zeros((1, H)), rnnlib.rnn_step_forward(**step_args())[1]),
     ValueError, ["rnn_step_backward", "(batch=2, hidden_size=3)", "got (1, 3)"]),
    ("dense_features", lambda: rnnlib.Dense(3, 2)(np.zeros((2, 5, 4))), ValueError,
     ["Dense.forward", "in_features=3", "got (2, 5, 4)"]),
    ("backward_before_forward", lambda: rnn().backward(np.zeros((N, T, H))), RuntimeError,
     ["RNN.backward", "no forward pass", "rnn(x)"]),
]


def test_failed_forward_leaves_the_layer_working():
    layer = rnn(num_layers=2, bidirectional=True)
    x = x_ok()
    out_before, hn_before = layer(x)
    params_before = layer.state_dict()
    for bad in [np.zeros((5, 4)), with_value(x, (0, 0, 0), np.nan), x.astype(np.int64)]:
        with pytest.raises((ValueError, TypeError)):
            layer(bad)
    with pytest.raises(ValueError):
        layer(x, lengths=[9, 1])
    out_after, hn_after = layer(x)
    np.testing.assert_array_equal(out_after, out_before)
    np.testing.assert_array_equal(hn_after, hn_before)
    for k, p in layer.state_dict().items():
        np.testing.assert_array_equal(p, params_before[k])


def test_failed_load_changes_no_parameter():
    layer = rnn()
    before = layer.state_dict()
    bad = {k: np.ones_like(p) for k, p in before.items()}   # every key fine ...
    bad["weight_hh_l0"] = np.ones((H, H + 1))              # ... but one shape, checked after the others
    with pytest.raises(ValueError):
        layer.load_state_dict(bad)
    for k, p in layer.state_dict().items():
        np.testing.assert_array_equal(p, before[k])


def test_failed_backward_leaves_grads_and_cache_intact():
    layer = rnn()
    x = x_ok()
    out, _ = layer(x)
    dout = np.random.default_rng(3).normal(size=out.shape)
    with pytest.raises(ValueError) as info:
        layer.backward(dout[:, :-1])
    assert "(batch=2, time=5, num_directions*hidden_size=3)" in str(info.value)
    assert "got (2, 4, 3)" in str(info.value)
    assert all(np.all(g == 0) for g in layer.grads.values())
    dx = layer.backward(dout)               # the same forward can still be backpropagated ...
    fresh = rnn()                           # ... exactly as if the failed call never happened
    fresh(x)
    np.testing.assert_array_equal(dx, fresh.backward(dout))
    for k, g in fresh.grads.items():
        np.testing.assert_array_equal(layer.grads[k], g)


@pytest.mark.parametrize("args, parts", [
    ((np.zeros((2, 3, 1)), [4, 1]), ["reverse_padded", "lengths[0] is 4", "time=3"]),
    ((np.zeros((2, 3, 1)), [1, 2, 3]), ["reverse_padded", "(batch=2,)", "got (3,)"]),
    ((np.zeros(3), None), ["reverse_padded", "(batch, time, ...)", "got (3,)", "x[None, None]"]),
])
def test_reverse_padded_explains_bad_input(args, parts):
    with pytest.raises(ValueError) as info:
        rnnlib.reverse_padded(*args)
    for part in parts:
        assert part in str(info.value)


def test_reverse_padded_by_hand():
    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])        # lengths 3 and 2, 0 is padding
    np.testing.assert_array_equal(rnnlib.reverse_padded(ids, [3, 2]), [[3, 2, 1, 0], [5, 4, 0, 0]])
    np.testing.assert_array_equal(rnnlib.reverse_padded(ids), ids[:, ::-1])


# --- review "lib": bad inputs that used to reach the learner as numpy's own messages -------

def _readonly(arr):
    arr.flags.writeable = False
    return arr


def _relative_error(a, n):
    from rnnlib.finite_diff import relative_error   # rnnlib.gradcheck is the function, not the module
    return relative_error(a, n)


CASES += [   # more checks: inputs that once reached learners as numpy or ipywidgets behaviour
    ("lengths_ragged", lambda: rnn()(x_ok(), lengths=[[1, 2], [3]]), TypeError,
     ["RNN.forward", "lengths", "np.array([5, 3, 2])"]),
    ("log_softmax_empty", lambda: rnnlib.log_softmax(np.zeros((2, 0))), ValueError,
     ["log_softmax", "logits", "got (2, 0)"]),
    ("log_softmax_0d", lambda: rnnlib.log_softmax(np.array(1.0)), ValueError, ["log_softmax", "got ()"]),
    ("log_softmax_axis", lambda: rnnlib.log_softmax(np.zeros((2, 3)), axis=5), ValueError,
     ["log_softmax", "axis", "got 5"]),
    ("log_softmax_nan", lambda: rnnlib.softmax(np.array([np.nan, 1.0])), ValueError, ["nan", "finite"]),
    ("relative_error_shapes", lambda: _relative_error(np.ones(3), np.ones(2)), ValueError,
     ["relative_error", "(3,)", "got (2,)"]),
    ("clip_read_only", lambda: rnnlib.clip_grad_norm_([_readonly(np.ones(2))], 1.0), ValueError,
     ["clip_grad_norm_", "grads[0] is read-only", "writeable"]),
    ("seed_str_rnn", lambda: rnnlib.RNN(F, H, seed="a"), TypeError, ["RNN", "seed", "'a'", "seed=0"]),
    ("seed_negative_dense", lambda: rnnlib.Dense(F, H, seed=-1), ValueError, ["Dense", "seed", "-1"]),
    ("seed_float_cell", lambda: rnnlib.RNNCell(F, H, seed=0.5), TypeError, ["RNNCell", "seed", "0.5"]),
    ("seed_str_model", lambda: rnnlib.SequenceModel(F, H, 2, seed="a"), TypeError, ["SequenceModel", "seed"]),
    ("return_dh0_str", lambda: _forwarded().backward(np.zeros((N, T, H)), return_dh0="yes"), TypeError,
     ["RNN.backward", "return_dh0", "True or False"]),
]


def _forwarded():
    layer = rnn()
    layer(x_ok())
    return layer


def _cache(forward, *lengths):
    """The cache of rnnlib.<forward> on x_ok() (N=2, T=5, F=4) with H=3 weights."""
    rng = np.random.default_rng(4)
    Wx, Wh, b = rng.normal(size=(F, H)), rng.normal(size=(H, H)), rng.normal(size=H)
    x = x_ok()[:, 0] if forward == "rnn_step_forward" else x_ok()
    return getattr(rnnlib, forward)(x, np.zeros((N, H)), Wx, Wh, b, *lengths)[1]


CASES += [   # a cache given to the wrong backward
    ("backward_padded_cache", lambda: rnnlib.rnn_backward(np.zeros((N, T, H)), _cache("rnn_forward_padded", [5, 2])),
     TypeError, ["rnn_backward: cache should be the cache that rnn_forward returned", "7 items",
                 "looks like one for rnn_backward_padded"]),
    ("backward_padded_sequence_cache", lambda: rnnlib.rnn_backward_padded(np.zeros((N, T, H)), _cache("rnn_forward")),
     TypeError, ["rnn_backward_padded", "7 items", "got tuple of 6 items", "rnn_backward"]),
    ("step_backward_sequence_cache", lambda: rnnlib.rnn_step_backward(np.zeros((N, H)), _cache("rnn_forward")),
     TypeError, ["rnn_step_backward: cache should be the cache that rnn_step_forward returned",
                 "output of shape (2, 5, 3)", "a whole sequence", "pass it to rnn_backward"]),
    ("step_backward_sequence_cache_dh", lambda: rnnlib.rnn_step_backward(np.zeros((N, T, H)), _cache("rnn_forward")),
     TypeError, ["rnn_step_backward", "a whole sequence", "pass it to rnn_backward"]),
    ("backward_step_cache", lambda: rnnlib.rnn_backward(np.zeros((N, H)), _cache("rnn_step_forward")),
     TypeError, ["rnn_backward: cache should be the cache that rnn_forward returned",
                 "output of shape (2, 3)", "one timestep", "pass it to rnn_step_backward"]),
]


@pytest.mark.parametrize("call, error, parts", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_explained(call, error, parts):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for part in parts:
        assert part in message, f"{part!r} missing from: {message}"
    # numpy's own wording never reaches a learner
    assert "operands could not be broadcast" not in message and "inhomogeneous" not in message


def test_fit_checks_seed_and_callback_before_training():
    model = rnnlib.SequenceModel(F, H, 2, seed=0)
    before = model.state_dict()
    args = (model, x_ok(), np.zeros((N, T), dtype=int), rnnlib.SGD(model.params, lr=0.1))
    for kw, parts in [(dict(seed="a", batch_size=1), ["fit", "seed"]),
                      (dict(callback="no"), ["fit", "callback", "function"])]:
        with pytest.raises(TypeError) as info:
            rnnlib.fit(*args, epochs=1, **kw)
        for part in parts:
            assert part in str(info.value)
    for k, p in model.state_dict().items():
        np.testing.assert_array_equal(p, before[k])


def same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


SEEDED = {
    "RNN": lambda seed: rnnlib.RNN(F, H, num_layers=2, seed=seed),
    "RNNCell": lambda seed: rnnlib.RNNCell(F, H, seed=seed),
    "Dense": lambda seed: rnnlib.Dense(F, H, seed=seed),
    "SequenceModel": lambda seed: rnnlib.SequenceModel(F, H, 2, seed=seed),
}


@pytest.mark.parametrize("make", SEEDED.values(), ids=SEEDED.keys())
def test_seed_accepts_what_default_rng_accepts(make):
    # a whole number or a SeedSequence: the same seed, passed twice, gives the same weights
    for seed in (0, np.int64(3), np.random.SeedSequence(1)):
        assert same_weights(make(seed), make(seed)), seed
    assert same_weights(make(7), make(np.int32(7)))
    assert not same_weights(make(7), make(8))
    # a Generator is a stream: two made alike give the same weights, one used twice moves on
    assert same_weights(make(np.random.default_rng(1)), make(np.random.default_rng(1)))
    gen = np.random.default_rng(1)
    assert not same_weights(make(gen), make(gen))
    # None draws fresh entropy each time (equal weights would take a 2**-64 coincidence)
    assert not same_weights(make(None), make(None))


def test_mask_hint_names_a_function_that_exists():
    with pytest.raises(ValueError) as info:
        rnnlib.mse_loss(np.zeros((2, 3, 1)), np.zeros((2, 3, 1)), mask=np.ones((3, 2)))
    message = str(info.value)
    assert "rnnlib.data.sequence_mask(lengths, T)" in message
    assert rnnlib.data.sequence_mask([2, 1], 3).shape == (2, 3)


@pytest.mark.parametrize("seed", [5, np.random.SeedSequence(5), np.random.default_rng(5)])
def test_sequence_model_seeds_its_two_layers_independently(seed):
    # both layers draw U(-1/sqrt(3), 1/sqrt(3)) here; from one stream the head's weights would
    # repeat the RNN's first draws
    model = rnnlib.SequenceModel(F, H, 2, seed=seed)
    assert not np.isin(model.head.params["weight"], model.rnn.params["weight_ih_l0"]).any()


@pytest.mark.parametrize("call, words", [
    (lambda: rnnlib.sample(None), "sample: missing a required argument: 'vocab'"),
    (lambda: rnnlib.rnn_forward(np.zeros((1, 2, 3))), "rnn_forward: missing a required argument: 'h0'"),
    (lambda: rnnlib.rnn_step_forward(*range(7)), "rnn_step_forward: too many positional arguments"),
    (lambda: rnnlib.rnn_step_forward(1, 2, 3, 4, 5, nonlinearty="relu"),
     "rnn_step_forward: got an unexpected keyword argument 'nonlinearty'"),
])
def test_a_call_that_does_not_fit_the_signature_names_the_function_not_its_check(call, words):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value).startswith(words) and "Its signature is" in str(info.value)
    assert "_check" not in str(info.value)
