"""Properties of rnnlib.save / load / load_metadata on arbitrary models, weights, metadata and
damaged files (hypothesis): every call either round-trips exactly (the same class, config,
weights bit for bit, metadata equal) or raises the documented error naming the function; no
other exception and no warning.

Second readings: the shapes load reads from a config alone are the ones the model builds, and a
file with any byte changed or cut short either loads as the original or is refused by name."""
import json
import math
import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnnlib
from rnnlib import checkpoint

from boundary import outcome

SIZE = st.integers(1, 4)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def models(draw):
    kind = draw(st.sampled_from(["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "Dense",
                                 "SequenceModel"]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    F, H = draw(SIZE), draw(SIZE)
    if kind == "Dense":
        model = rnnlib.Dense(F, H, bias=draw(st.booleans()), dtype=dtype)
    elif kind.endswith("Cell"):
        model = getattr(rnnlib, kind)(F, H, bias=draw(st.booleans()), dtype=dtype)
    elif kind == "SequenceModel":
        model = rnnlib.SequenceModel(F, H, draw(SIZE), num_layers=draw(st.integers(1, 2)),
                                     cell=draw(st.sampled_from(["rnn", "lstm", "gru"])),
                                     go_backwards=draw(st.booleans()), dtype=dtype)
    else:
        model = getattr(rnnlib, kind)(F, H, num_layers=draw(st.integers(1, 2)),
                                      bias=draw(st.booleans()), bidirectional=draw(st.booleans()),
                                      dtype=dtype)
    finite = st.floats(allow_nan=False, allow_infinity=False, width=32 if dtype == np.float32 else 64)
    for p in model.params.values():
        p[...] = draw(hnp.arrays(dtype, p.shape, elements=finite))
    return model


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | FLOATS | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10)
NOT_JSON = st.sampled_from([(1, 2), float("nan"), np.int64(1), {1: "a"}, [np.zeros(1)], {"a": (1,)},
                            float("inf"), {3}, b"x"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.dictionaries(st.text(max_size=4), JSON, max_size=4), st.one_of(st.none(), NOT_JSON))
def test_save_then_load_is_exact_or_refused(model, metadata, poison):
    if poison is not None:
        metadata = {**metadata, "poison": poison}
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "m.npz"
        _, error = outcome(lambda: rnnlib.save(model, path, metadata=metadata), "save")
        if error:
            assert poison is not None and "metadata['poison']" in str(error)
            assert list(pathlib.Path(d).iterdir()) == []
            return
        assert poison is None
        loaded = rnnlib.load(path)
        assert type(loaded) is type(model) and loaded.config() == model.config()
        for k, p in model.params.items():
            assert loaded.params[k].dtype == p.dtype and loaded.params[k].tobytes() == p.tobytes(), k
        assert rnnlib.load_metadata(path) == metadata


@settings(max_examples=30, deadline=None)
@given(models())
def test_the_shapes_read_from_a_config_are_the_ones_the_model_builds(model):
    shapes = checkpoint._param_shapes(type(model).__name__, model.config())
    assert shapes == {k: p.shape for k, p in model.params.items()}


def _saved(tmp):
    path = pathlib.Path(tmp) / "m.npz"
    rnnlib.save(rnnlib.SequenceModel(3, 2, 3, seed=0), path, metadata={"symbols": "abc"})
    return path


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_damaged_file_loads_as_it_was_or_is_refused_by_name(data):
    with tempfile.TemporaryDirectory() as d:
        path = _saved(d)
        good = path.read_bytes()
        original = rnnlib.load(path)
        damage = data.draw(st.sampled_from(["flip", "cut", "zero run"]))
        if damage == "cut":
            bad = good[:data.draw(st.integers(0, len(good) - 1))]
        else:
            i = data.draw(st.integers(0, len(good) - 1))
            n = 1 if damage == "flip" else data.draw(st.integers(1, 64))
            new = bytes(b ^ 0xFF for b in good[i:i + n]) if damage == "flip" else bytes(n)
            bad = good[:i] + new + good[i + n:]
        path.write_bytes(bad)
        event(damage)
        model, error = outcome(lambda: rnnlib.load(path), "load")
        if error is None:                 # the damage hit nothing that is read (a zip comment, ...)
            assert model.config() == original.config()
            for k, p in original.params.items():
                assert np.array_equal(model.params[k], p), k
            assert rnnlib.load_metadata(path) == {"symbols": "abc"} and model.symbols == "abc"
        else:
            assert "m.npz" in str(error)
