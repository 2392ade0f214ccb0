"""rnnlib.save / rnnlib.load: exact round trips, no pickle, atomic writes, and a clear error for
every kind of bad file that leaves the model it was loading into as it was."""
import io
import json
import zipfile

import numpy as np
import pytest

import rnnlib
from rnnlib import checkpoint

MODELS = [
    lambda: rnnlib.RNNCell(3, 4, seed=0),
    lambda: rnnlib.RNN(3, 4, num_layers=2, bidirectional=True, seed=0),
    lambda: rnnlib.RNN(3, 4, nonlinearity="relu", bias=False, batch_first=False, seed=0, dtype=np.float32),
    lambda: rnnlib.Dense(4, 5, seed=0),
    lambda: rnnlib.SequenceModel(5, 8, 5, nonlinearity="leaky_relu", go_backwards=True, seed=0),
    lambda: rnnlib.SequenceModel(5, 8, 5, num_layers=2, seed=0, dtype=np.float32),
]


@pytest.mark.parametrize("make", MODELS)
def test_round_trip_is_exact_and_rebuilds_the_same_model(tmp_path, make):
    model = make()
    path = tmp_path / "m.npz"
    rnnlib.save(model, path, metadata={"symbols": "helo", "note": [1, 2]})
    loaded = rnnlib.load(path)
    assert type(loaded) is type(model) and loaded.config() == model.config()
    assert loaded.dtype == model.dtype
    for k, p in model.state_dict().items():
        q = loaded.state_dict()[k]
        assert q.dtype == p.dtype and np.array_equal(q, p), k          # bit for bit
    assert rnnlib.load_metadata(path) == {"symbols": "helo", "note": [1, 2]}


def test_a_loaded_model_computes_what_the_saved_one_did(tmp_path):
    model = rnnlib.SequenceModel(5, 8, 5, seed=3)
    x = np.random.default_rng(0).normal(size=(2, 6, 5))
    rnnlib.save(model, tmp_path / "m.npz")
    assert np.array_equal(rnnlib.load(tmp_path / "m.npz")(x), model(x))


def test_load_into_an_existing_matching_model(tmp_path):
    a, b = rnnlib.RNN(3, 4, seed=0), rnnlib.RNN(3, 4, seed=1)
    rnnlib.save(a, tmp_path / "a.npz")
    held = b.params["weight_hh_l0"]                          # an optimiser's view of the array
    assert rnnlib.load(tmp_path / "a.npz", model=b) is b
    assert np.array_equal(b.params["weight_hh_l0"], a.params["weight_hh_l0"])
    assert b.params["weight_hh_l0"] is held                  # loaded in place


def test_the_file_is_a_plain_npz_without_pickles(tmp_path):
    rnnlib.save(rnnlib.SequenceModel(2, 3, 1, seed=0), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:   # would raise on an object array
        assert int(f["format"]) == checkpoint.FORMAT
        assert str(f["module"]) == "SequenceModel"
        assert json.loads(str(f["config"]))["hidden_size"] == 3
        assert all(f[k].dtype != object for k in f.files)


# --- bad files ----------------------------------------------------------------------------

def good_file(tmp_path):
    path = tmp_path / "good.npz"
    rnnlib.save(rnnlib.RNN(3, 4, seed=0), path)
    return path


def rewrite(path, change):
    """Write a copy of the checkpoint at path with its arrays passed through change(dict)."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    out = path.with_name("bad.npz")
    np.savez(out, **arrays)
    return out


BAD = {
    "truncated": (lambda p: p.with_name("bad.npz").write_bytes(p.read_bytes()[:200]) and p.with_name("bad.npz"),
                  ["bad.npz", "truncated or corrupt"]),
    "corrupt": (lambda p: p.with_name("bad.npz").write_bytes(b"PK\x03\x04" + bytes(300)) and p.with_name("bad.npz"),
                ["bad.npz", "truncated or corrupt"]),
    "wrong shape": (lambda p: rewrite(p, lambda a: a.update({"param.weight_hh_l0": np.zeros((4, 5))})),
                    ["bad.npz", "weight_hh_l0 should have shape (4, 4), got (4, 5)"]),
    "missing key": (lambda p: rewrite(p, lambda a: a.pop("param.bias_hh_l0")),
                    ["bad.npz", "missing keys ['bias_hh_l0']"]),
    "newer format": (lambda p: rewrite(p, lambda a: a.update({"format": np.array(99)})),
                     ["bad.npz", "format 99, newer than this rnnlib reads (1)"]),
    "not a checkpoint": (lambda p: rewrite(p, lambda a: a.pop("module")),
                         ["bad.npz", "not an rnnlib checkpoint", "'module'"]),
    "unknown module": (lambda p: rewrite(p, lambda a: a.update({"module": np.array("Transformer")})),
                       ["bad.npz", "'Transformer'", "does not know"]),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_file_names_itself_and_what_is_wrong_and_leaves_the_model_alone(tmp_path, kind):
    make_bad, parts = BAD[kind]
    bad = make_bad(good_file(tmp_path))
    model = rnnlib.RNN(3, 4, seed=7)
    before = model.state_dict()
    for call in (lambda: rnnlib.load(bad), lambda: rnnlib.load(bad, model=model)):
        with pytest.raises(ValueError) as info:
            call()
        for part in parts:
            assert part in str(info.value), (part, str(info.value))
    assert all(np.array_equal(model.params[k], p) for k, p in before.items())


def test_a_pickled_array_is_refused_not_run(tmp_path):
    path = good_file(tmp_path)
    bad = rewrite(path, lambda a: a.update({"metadata": np.array([{"evil": 1}], dtype=object)}))
    with pytest.raises(ValueError, match="bad.npz is not a readable checkpoint"):
        rnnlib.load(bad)


def test_loading_into_a_model_of_another_config_is_refused(tmp_path):
    path = good_file(tmp_path)
    other = rnnlib.RNN(3, 5, seed=0)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"holds a RNN with config .*'hidden_size': 4.*'hidden_size': 5"):
        rnnlib.load(path, model=other)
    assert all(np.array_equal(other.params[k], p) for k, p in before.items())


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="load: there is no file"):
        rnnlib.load(tmp_path / "nope.npz")


def test_save_is_atomic_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = good_file(tmp_path)
    old = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")
    monkeypatch.setattr(checkpoint.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        rnnlib.save(rnnlib.RNN(3, 4, seed=1), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.npz"]


@pytest.mark.parametrize("call, error, words", [
    (lambda p: rnnlib.save("model", p), TypeError, "model should be one of rnnlib's"),
    (lambda p: rnnlib.save(rnnlib.Dense(2, 2), p.with_suffix(".pt")), ValueError, "should end in .npz"),
    (lambda p: rnnlib.save(rnnlib.Dense(2, 2), p, metadata={"a": np.zeros(2)}), TypeError, "JSON"),
])
def test_save_explains_bad_arguments(tmp_path, call, error, words):
    with pytest.raises(error, match=words):
        call(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []
