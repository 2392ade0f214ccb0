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


# --- the text a model trained on travels with its weights -----------------------------------

RECORD = {"generator": "rnnlib.corpus.structured_text", "seed": 0, "chars": [0, 5000],
          "note": "structured_text(5000, seed=0).text"}


def test_load_gives_the_model_the_training_text_its_metadata_names(tmp_path):
    model = rnnlib.SequenceModel(5, 8, 5, seed=0)
    assert model.train_text is None                          # nothing known before training
    rnnlib.save(model, tmp_path / "m.npz", metadata={"train_text": RECORD, "symbols": "abcde"})
    loaded = rnnlib.load(tmp_path / "m.npz")
    assert loaded.train_text == RECORD
    assert "train_text" not in loaded.config()               # not part of the architecture


def test_save_writes_the_models_record_unless_the_metadata_names_one(tmp_path):
    model = rnnlib.SequenceModel(5, 8, 5, seed=0)
    model.train_text = RECORD
    rnnlib.save(model, tmp_path / "a.npz", metadata={"symbols": "abcde"})
    assert rnnlib.load_metadata(tmp_path / "a.npz") == {"symbols": "abcde", "train_text": RECORD}
    other = dict(RECORD, seed=3)
    rnnlib.save(model, tmp_path / "b.npz", metadata={"train_text": other})
    assert rnnlib.load_metadata(tmp_path / "b.npz") == {"train_text": other}   # the caller's wins
    rnnlib.save(rnnlib.SequenceModel(5, 8, 5, seed=0), tmp_path / "c.npz")
    assert rnnlib.load_metadata(tmp_path / "c.npz") == {}    # no record, nothing added


def test_loading_weights_into_a_model_replaces_its_record(tmp_path):
    a = rnnlib.SequenceModel(5, 8, 5, seed=0)
    rnnlib.save(a, tmp_path / "plain.npz")                   # records no text
    b = rnnlib.SequenceModel(5, 8, 5, seed=1)
    b.train_text = RECORD
    rnnlib.load(tmp_path / "plain.npz", model=b)
    assert b.train_text is None                              # other weights, other history


def test_the_committed_character_models_name_their_training_text():
    """Every committed checkpoint names the 400,000 characters of seed 0 it trained on, and
    char_model.npz's weights are those of the file before its metadata was rewritten (the
    numbers notebooks 07 and 08 print from them: parameter count, the depth unit's r)."""
    import pathlib
    assets = pathlib.Path(__file__).resolve().parents[1] / "assets"
    for name in ("char_model.npz", "char_model_lstm.npz", "char_model_gru.npz"):
        meta = rnnlib.load_metadata(assets / name)
        assert meta["train_text"] == {"generator": "rnnlib.corpus.structured_text", "seed": 0,
                                      "chars": [0, 400_000],
                                      "note": "structured_text(400000, seed=0).text"}, name
        assert rnnlib.load(assets / name).train_text == meta["train_text"]
    meta = rnnlib.load_metadata(assets / "char_model.npz")
    assert meta["test_text"]["chars"] == [400_000, 420_000] and meta["test_text"]["seed"] == 0
    assert meta["parameters"] == 46 * 64 + 64 * 64 + 2 * 64 + 64 * 46 + 46 == 10_158


def test_char_model_weights_are_the_ones_notebooks_07_and_08_were_written_with():
    """The sha256 of every parameter's bytes (in name order), taken from the file before its
    metadata was rewritten: a retrained file, or any change to the weights, fails here."""
    import hashlib
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[1] / "assets" / "char_model.npz"
    h = hashlib.sha256()
    with np.load(path, allow_pickle=False) as f:
        for k in sorted(f.files):
            if k.startswith("param."):
                h.update(k.encode())
                h.update(f[k].tobytes())
    assert h.hexdigest() == "454c2be924378953a1feac7690f79df337f965191b2a1e64b1dfbf28596a0902"
