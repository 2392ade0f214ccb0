"""rnnlib.save / load / load_metadata given what a hostile or careless caller passes: every call
gets a clear error whose message starts with the function called and names the argument (for a
bad file: the file), and says what came; no numpy, pathlib or zipfile message and no warning
gets through, and nothing is left half-written.

Errors about the file system are the OSError Python raises for them (FileNotFoundError,
IsADirectoryError, NotADirectoryError, PermissionError), worded the same way; everything else
is a ValueError or a TypeError.

Each row: (function as the message names it, what the message must name, the call given a
fresh folder d, the error, words the message must hold besides those two)."""
import json
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest

import rnnlib
from rnnlib import checkpoint

from boundary import case_ids, clear_error

GOOD = rnnlib.RNN(3, 4, seed=0)


def nan_model():
    m = rnnlib.SequenceModel(3, 4, 3, seed=0)
    m.params["rnn.weight_hh_l0"][1, 2] = np.nan
    return m


def inf_model():
    m = rnnlib.Dense(2, 2, seed=0)
    m.params["bias"][0] = -np.inf
    return m


def reshaped_model():
    m = rnnlib.Dense(2, 3, seed=0)
    m.params["weight"] = np.zeros((3, 5))              # replaced, not assigned into
    return m


def recorded(record):
    m = rnnlib.SequenceModel(3, 4, 3, seed=0)
    m.train_text = record
    return m


def circular():
    d = {}
    d["me"] = d
    return d


def deep(n):
    x = []
    for _ in range(n):
        x = [x]
    return {"deep": x}


def file_with(d, change, name="bad.npz", model=GOOD):
    """A checkpoint of model written by save, its arrays passed through change(dict)."""
    good = d / "good.npz"
    rnnlib.save(model, good)
    with np.load(good, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    out = d / name
    np.savez(out, **arrays)
    return out


def with_config(**config):
    return lambda a: a.update(config=np.array(json.dumps(config)))


def zip_member_claiming(d, shape, name="bomb.npz"):
    """A valid checkpoint plus one member whose header claims `shape` float64 numbers while the
    member holds 16 bytes: numpy would allocate the claimed size before reading."""
    path = file_with(d, lambda a: None, name)
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    with zipfile.ZipFile(path, "a") as zf, zf.open("param.extra.npy", "w") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(bytes(16))
    return path


def write(d, name, data):
    p = d / name
    p.write_bytes(data)
    return p


def empty_zip(d):
    p = d / "empty.npz"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return p


CASES = [
    # save: the model
    ("save", "model", lambda d: rnnlib.save("model", d / "m.npz"), TypeError, ["str"]),
    ("save", "model", lambda d: rnnlib.save(None, d / "m.npz"), TypeError, ["NoneType"]),
    ("save", "model", lambda d: rnnlib.save(rnnlib.SequenceModel(2, 2, 2).stepper(), d / "m.npz"),
     TypeError, ["Stepper"]),
    ("save", "model", lambda d: rnnlib.save(rnnlib.Module(), d / "m.npz"), TypeError, ["Module"]),
    ("save", "model.params['rnn.weight_hh_l0']", lambda d: rnnlib.save(nan_model(), d / "m.npz"),
     ValueError, ["nan", "index (1, 2)", "diverged", "before"]),
    ("save", "model.params['bias']", lambda d: rnnlib.save(inf_model(), d / "m.npz"), ValueError,
     ["-inf", "finite"]),
    ("save", "model.params['weight']", lambda d: rnnlib.save(reshaped_model(), d / "m.npz"),
     ValueError, ["(3, 2)", "(3, 5)", "load_state_dict"]),
    # save: the path
    ("save", "path", lambda d: rnnlib.save(GOOD, None), TypeError, ["NoneType", "pathlib.Path"]),
    ("save", "path", lambda d: rnnlib.save(GOOD, 5), TypeError, ["int"]),
    ("save", "path", lambda d: rnnlib.save(GOOD, b"m.npz"), TypeError, ["bytes"]),
    ("save", "path", lambda d: rnnlib.save(GOOD, ["m.npz"]), TypeError, ["list"]),
    ("save", "path", lambda d: rnnlib.save(GOOD, ""), ValueError, ["empty"]),
    ("save", "path", lambda d: rnnlib.save(GOOD, d / "m.pt"), ValueError, [".npz"]),
    ("save", "path", lambda d: rnnlib.save(GOOD, d / "m"), ValueError, [".npz"]),
    ("save", "folder.npz", lambda d: (d / "folder.npz").mkdir() or rnnlib.save(GOOD, d / "folder.npz"),
     IsADirectoryError, ["is a folder", "model.npz"]),
    ("save", "nowhere", lambda d: rnnlib.save(GOOD, d / "nowhere" / "m.npz"), FileNotFoundError,
     ["m.npz", "does not exist", "mkdir"]),
    ("save", "afile", lambda d: write(d, "afile", b"x") and rnnlib.save(GOOD, d / "afile" / "m.npz"),
     NotADirectoryError, ["m.npz", "not a folder"]),
    # save: metadata that would not come back as it went in
    ("save", "metadata", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata=["a", "b"]), TypeError,
     ["list", "dict"]),
    ("save", "metadata", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata="abc"), TypeError, ["str"]),
    ("save", "metadata", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={1: "a"}), TypeError,
     ["key 1", "'1'"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": {2: 3}}),
     TypeError, ["key 2"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": (1, 2)}),
     TypeError, ["tuple", "list"]),
    ("save", "metadata['a'][1]", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": [1, (2,)]}),
     TypeError, ["tuple"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": float("nan")}),
     ValueError, ["nan"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": float("-inf")}),
     ValueError, ["inf"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": np.int64(3)}),
     TypeError, ["int64", ".item()"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": np.zeros(2)}),
     TypeError, ["ndarray", ".tolist()"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": np.bool_(True)}),
     TypeError, ["bool"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": {1, 2}}),
     TypeError, ["set"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": b"x"}),
     TypeError, ["bytes"]),
    ("save", "metadata['a']", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata={"a": object()}),
     TypeError, ["object"]),
    ("save", "metadata", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata=circular()), ValueError,
     ["contains itself"]),
    ("save", "metadata", lambda d: rnnlib.save(GOOD, d / "m.npz", metadata=deep(500)), ValueError,
     ["deep"]),
    ("save", "model.train_text", lambda d: rnnlib.save(recorded(("seed", 0)), d / "m.npz"),
     TypeError, ["tuple"]),
    # load: the path
    ("load", "path", lambda d: rnnlib.load(None), TypeError, ["NoneType"]),
    ("load", "path", lambda d: rnnlib.load(3.5), TypeError, ["float"]),
    ("load", "path", lambda d: rnnlib.load(b"m.npz"), TypeError, ["bytes"]),
    ("load", "path", lambda d: rnnlib.load(""), ValueError, ["empty"]),
    ("load", "nope.npz", lambda d: rnnlib.load(d / "nope.npz"), FileNotFoundError,
     ["there is no file"]),
    ("load", "sub", lambda d: (d / "sub").mkdir() or rnnlib.load(d / "sub"), IsADirectoryError,
     ["is a folder", ".npz file"]),
    ("load_metadata", "sub", lambda d: (d / "sub").mkdir() or rnnlib.load_metadata(d / "sub"),
     IsADirectoryError, ["is a folder"]),
    ("load_metadata", "path", lambda d: rnnlib.load_metadata(None), TypeError, ["NoneType"]),
    ("load_metadata", "nope.npz", lambda d: rnnlib.load_metadata(d / "nope.npz"), FileNotFoundError,
     ["there is no file"]),
    # load: files that are not checkpoints
    ("load", "text.npz", lambda d: rnnlib.load(write(d, "text.npz", b"hello, world\n")), ValueError,
     ["not a readable checkpoint"]),
    ("load", "empty.npz", lambda d: rnnlib.load(write(d, "empty.npz", b"")), ValueError,
     ["not a readable checkpoint"]),
    ("load", "array.npy", lambda d: np.save(d / "array.npy", np.zeros(3)) or rnnlib.load(d / "array.npy"),
     ValueError, ["single numpy array (np.save)"]),
    ("load", "empty.npz", lambda d: rnnlib.load(empty_zip(d)), ValueError, ["not a readable checkpoint"]),
    ("load", "plain.npz", lambda d: np.savez(d / "plain.npz", x=np.zeros(2)) or rnnlib.load(d / "plain.npz"),
     ValueError, ["not an rnnlib checkpoint", "'format'"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(format=np.array(-1)))),
     ValueError, ["format -1"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(format=np.array("1")))),
     ValueError, ["format entry"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(format=np.array([1, 1])))),
     ValueError, ["format entry"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(module=np.array(5)))),
     ValueError, ["module entry", "int64"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(module=np.array(["RNN", "RNN"])))),
     ValueError, ["module entry", "(2,)"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(config=np.array("{oops")))),
     ValueError, ["not valid JSON"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(config=np.array("[3, 4]")))),
     ValueError, ["config should be a JSON object", "list"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(config=np.array("null")))),
     ValueError, ["config should be a JSON object"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update(metadata=np.array("[1]")))),
     ValueError, ["metadata should be a JSON object"]),
    ("load_metadata", "bad.npz",
     lambda d: rnnlib.load_metadata(file_with(d, lambda a: a.update(metadata=np.array("{")))),
     ValueError, ["not valid JSON"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=4, colour="red"))),
     ValueError, ["unknown keys ['colour']"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3))),
     ValueError, ["lacks ['hidden_size']"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size="4"))),
     ValueError, ["hidden_size", "'4'"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=-4))),
     ValueError, ["hidden_size", "-4"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=4, num_layers=True))),
     ValueError, ["num_layers", "True"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=4, bidirectional=1))),
     ValueError, ["bidirectional"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=4, num_layers=2))),
     ValueError, ["missing keys", "weight_ih_l1", "Nothing was built"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=5))),
     ValueError, ["weight_ih_l0 should have shape (5, 3), got (4, 3)"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=4, nonlinearity="sigmoid"))),
     ValueError, ["does not build a RNN", "'sigmoid'"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, with_config(input_size=3, hidden_size=4, dtype="int8"))),
     ValueError, ["does not build a RNN", "dtype"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update({"param.weight_hh_l0": np.ones((4, 4), int)}))),
     ValueError, ["int64"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update({"param.weight_hh_l0": np.full((4, 4), np.nan)}))),
     ValueError, ["nan"]),
    ("load", "bad.npz", lambda d: rnnlib.load(file_with(d, lambda a: a.update({"param.extra": np.zeros(2)}))),
     ValueError, ["unexpected keys ['extra']"]),
    ("load", "bomb.npz", lambda d: rnnlib.load(zip_member_claiming(d, (100_000, 100_000))), ValueError,
     ["800 MB", "refused before anything is read"]),
    ("load_metadata", "bomb.npz", lambda d: rnnlib.load_metadata(zip_member_claiming(d, (10**6, 10**6))),
     ValueError, ["800 MB"]),
    # load: the model to load into
    ("load", "model", lambda d: rnnlib.load(file_with(d, lambda a: None), model="RNN"), TypeError, ["str"]),
    ("load", "model", lambda d: rnnlib.load(file_with(d, lambda a: None), model=rnnlib.RNN(3, 5)),
     ValueError, ["'hidden_size': 5", "'hidden_size': 4"]),
    ("load", "model", lambda d: rnnlib.load(file_with(d, lambda a: None), model=rnnlib.Dense(3, 4)),
     ValueError, ["a Dense", "holds a RNN"]),
    ("load", "model", lambda d: rnnlib.load(file_with(d, lambda a: None), model=rnnlib.Module()),
     ValueError, ["a Module"]),
]


def huge_config(a):
    """A 2 KB file whose config asks for 447 GiB of weights: (200000, 100000) and (200000, 200000)."""
    a.update(config=np.array(json.dumps({"input_size": 100_000, "hidden_size": 200_000,
                                         "bias": False, "dtype": "float64"})))
    for k in ("param.bias_ih_l0", "param.bias_hh_l0"):
        a.pop(k)


CASES.append(("load", "bad.npz", lambda d: rnnlib.load(file_with(d, huge_config)), ValueError,
              ["weight_ih_l0 should have shape (200000, 100000), got (4, 3)", "Nothing was built"]))


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(tmp_path, where, arg, call, error, words):
    raised = clear_error(where, arg, lambda: call(tmp_path), error, words)
    assert type(raised) is error                     # not a subclass standing in for it
    assert not [p for p in tmp_path.rglob(".*")], "a temporary file was left behind"
    if where == "save":
        assert not (tmp_path / "m.npz").exists()


def test_a_small_file_asking_for_a_huge_model_allocates_nothing(tmp_path):
    path = file_with(tmp_path, huge_config)
    assert path.stat().st_size < 4096
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="Nothing was built"):
            rnnlib.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20, peak                  # under 10 MB, not 447 GiB


def test_a_read_only_folder_names_the_target_not_the_temporary_file(tmp_path, monkeypatch):
    # (as root a chmod does not stop a write, so the refusal is made where Python would meet it)
    def refuse(suffix, prefix, dir):
        raise PermissionError(13, "Permission denied", f"{dir}/{prefix}abc{suffix}")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        rnnlib.save(GOOD, tmp_path / "m.npz")
    message = str(info.value)
    assert message.startswith("save: cannot write ") and "m.npz" in message, message
    assert ".m." not in message and "abc" not in message, message        # not the hidden name
    assert "Permission denied" in message and "save somewhere else" in message


def test_a_failed_write_names_the_target_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    rnnlib.save(GOOD, path)
    old = path.read_bytes()

    def full(f, **arrays):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(checkpoint.np, "savez", full)
    with pytest.raises(OSError) as info:
        rnnlib.save(rnnlib.RNN(3, 4, seed=1), path)
    assert str(info.value).startswith(f"save: could not write {str(path)!r}: No space left")
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


@pytest.mark.parametrize("metadata", [
    {}, {"symbols": "abc", "note": [1, 2.5, None, True, "x"]}, {"nested": {"a": [{"b": -0.0}]}},
    {"big": 2**70, "tiny": 5e-324, "unicode": "h\u00e9llo \u21b5 \U0001F600", "": ""},
    {"f": np.float64(0.1)},                            # a float subclass: comes back equal
])
def test_metadata_that_round_trips_is_kept_exactly(tmp_path, metadata):
    rnnlib.save(GOOD, tmp_path / "m.npz", metadata=metadata)
    assert rnnlib.load_metadata(tmp_path / "m.npz") == metadata


def test_load_keeps_the_models_vocabulary_and_save_writes_it_back(tmp_path):
    m = rnnlib.SequenceModel(3, 4, 3, seed=0)
    rnnlib.save(m, tmp_path / "a.npz", metadata={"symbols": "xyz"})
    loaded = rnnlib.load(tmp_path / "a.npz")
    assert loaded.symbols == "xyz"
    rnnlib.save(loaded, tmp_path / "b.npz")
    assert rnnlib.load_metadata(tmp_path / "b.npz") == {"symbols": "xyz"}
    # a record that does not fit the model (another size, a repeated symbol) is not a vocabulary
    for symbols in ("xy", "xyzw", "xxy", ["x", "y", "z"]):
        rnnlib.save(m, tmp_path / "c.npz", metadata={"symbols": symbols})
        assert rnnlib.load(tmp_path / "c.npz").symbols is None
    assert rnnlib.load(tmp_path / "a.npz", model=rnnlib.SequenceModel(3, 4, 3)).symbols == "xyz"


def test_a_failed_load_into_a_model_leaves_it_and_its_records_alone(tmp_path):
    m = rnnlib.SequenceModel(3, 4, 3, seed=0)
    m.symbols, m.train_text = "abc", {"note": "mine"}
    before = m.state_dict()
    bad = file_with(tmp_path, lambda a: a.update({"param.head.bias": np.full(3, np.inf)}),
                    model=rnnlib.SequenceModel(3, 4, 3, seed=1))
    with pytest.raises(ValueError, match="inf"):
        rnnlib.load(bad, model=m)
    assert all(np.array_equal(m.params[k], p) for k, p in before.items())
    assert (m.symbols, m.train_text) == ("abc", {"note": "mine"})


@pytest.mark.parametrize("make", [
    lambda: rnnlib.RNNCell(3, 4, bias=False), lambda: rnnlib.LSTMCell(3, 4), lambda: rnnlib.GRUCell(2, 5),
    lambda: rnnlib.RNN(3, 4, num_layers=3, bidirectional=True, bias=False),
    lambda: rnnlib.LSTM(2, 3, num_layers=2, bidirectional=True), lambda: rnnlib.GRU(4, 2, num_layers=2),
    lambda: rnnlib.Dense(3, 2, bias=False), lambda: rnnlib.SequenceModel(5, 3, 2, num_layers=2, cell="lstm"),
    lambda: rnnlib.SequenceModel(5, 3, 2, cell="gru", go_backwards=True),
])
def test_the_shapes_read_from_a_config_are_the_models_own(make):
    model = make()
    expected = checkpoint._param_shapes(type(model).__name__, model.config())
    assert expected == {k: p.shape for k, p in model.params.items()}
    assert list(expected) == list(model.params)
