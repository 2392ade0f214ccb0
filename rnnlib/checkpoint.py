"""Checkpoints: a model's configuration and parameters in one .npz file, never a pickle.

    rnnlib.save(model, "char_model.npz", metadata={"symbols": "abc"})
    model = rnnlib.load("char_model.npz")                 # a new model, trained weights in it
    rnnlib.load("char_model.npz", model=model)            # or into an existing, matching model
    rnnlib.load_metadata("char_model.npz")                # {"symbols": "abc"}

The file is a plain numpy .npz archive (np.savez): what np.load(path, allow_pickle=False)
reads, so loading it never runs code. It holds

    format      the format version (an int); a file from a newer rnnlib is refused
    module      the class name: "RNNCell", "RNN", "LSTMCell", "LSTM", "GRUCell", "GRU", "Dense"
                or "SequenceModel"
    config      JSON: the constructor arguments that rebuild the model (model.config())
    metadata    JSON: anything else the caller wants kept with it (a vocabulary, a note)
    param.<k>   every array of model.state_dict(), under its own name

save writes to a temporary file beside the target and renames it over the target only when
the whole file is written, so a crash never leaves half a checkpoint. It refuses a model whose
weights are not finite (such a file could never be loaded) and metadata that would not come
back as it went in: a dict with str keys whose values are None, bools, ints, finite floats,
str, lists and such dicts (a tuple would come back as a list, a key 1 as "1", nan as nothing
equal to itself).

load checks the whole file before it builds or changes a model, so a bad file leaves an
existing model as it was: first the size of every array from its header (at most MAX_BYTES,
800 MB, in all, before any is read), then the configuration against the arrays, so a small
file whose configuration asks for a huge model is refused before anything is allocated.

The text a model trained on travels with its weights. A checkpoint's metadata may name it
under "train_text" ({"generator": "rnnlib.corpus.structured_text", "seed": 0,
"chars": [start, stop], "note": ...}: characters start..stop of the generator's text for that
seed). load sets model.train_text from it (None when the file names no text), and save
writes model.train_text into the metadata when the caller's metadata names none, so a model
loaded and saved again keeps its record. rnnlib.perplexity reads it to refuse scoring a model
on text it trained on. Its vocabulary travels the same way: metadata "symbols" (the symbols
in id order, one str) becomes model.symbols when it has one symbol per input of the model,
and rnnlib.perplexity, sample, hidden_states and the explorer refuse a Vocab with other
symbols or another order.

Errors about the file system (a missing folder or file, a folder where a file should be, no
permission) are the OSError that Python raises for them (FileNotFoundError, IsADirectoryError,
PermissionError, ...), worded like every other rnnlib error: the function, the path the caller
gave, and how to fix it.
"""
from __future__ import annotations

import inspect
import json
import math
import os
import pathlib
import tempfile
import zipfile
import zlib

import numpy as np

from . import _validation as v
from .dense import Dense
from .layers import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .models import SequenceModel
from .module import Module

FORMAT = 1
MODULES = {cls.__name__: cls for cls in (RNNCell, RNN, LSTMCell, LSTM, GRUCell, GRU, Dense,
                                          SequenceModel)}
# The most a checkpoint may hold, all arrays together: 800 MB, 10**8 float64 numbers, some ten
# thousand times the course's character models. Checked from the arrays' headers.
MAX_BYTES = 8 * 10**8
MAX_DEPTH = 100            # nesting of lists and dicts in metadata


def _check_saved_params(model, params, where):
    """Every parameter finite and of the shape the model's config gives, so load can read it."""
    for k, p in params.items():
        if not np.isfinite(p).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(p))[0])
            raise ValueError(
                f"{where}: model.params[{k!r}] holds {p[bad]} at index {bad}; a checkpoint keeps "
                f"finite weights only, since a model with nan or inf weights computes nothing "
                f"(load refuses such a file). Training diverged: print the loss after every "
                f"update to find the first one that is not finite, then save a model from "
                f"before it (lower the learning rate or clip the gradients and train again).")
    expected = _param_shapes(type(model).__name__, model.config())
    for k, shape in expected.items():
        if k not in params or params[k].shape != shape:
            got = "no such parameter" if k not in params else f"shape {v.fmt_shape(params[k].shape)}"
            raise ValueError(f"{where}: model.params[{k!r}] should have shape "
                             f"{v.fmt_shape(shape)} for this model's config, got {got}. A "
                             f"parameter was replaced by an array of another shape; assign "
                             f"into it (p[...] = new) or use model.load_state_dict.")


def save(model, path, metadata=None):
    """Write model's configuration, parameters and metadata (a JSON-safe dict) to path (.npz)."""
    where = "save"
    if not isinstance(model, Module) or type(model).__name__ not in MODULES:
        raise TypeError(f"{where}: model should be one of rnnlib's {', '.join(MODULES)}, got "
                        f"{type(model).__name__}.")
    path = _path(path, where)
    if path.suffix != ".npz":
        raise ValueError(f"{where}: path should end in .npz, got {str(path)!r}; numpy would add "
                         f"the suffix itself and the file would not be where you asked.")
    meta = _metadata_json(metadata, model, where)
    params = model.state_dict()
    _check_saved_params(model, params, where)
    folder = _writable_folder(path, where)
    arrays = {f"param.{k}": p for k, p in params.items()}
    try:
        fd, tmp = tempfile.mkstemp(suffix=".npz", prefix=f".{path.stem}.", dir=folder)
    except OSError as err:
        raise _os_error(err, f"{where}: cannot write {str(path)!r}: {_reason(err)}. Check that "
                             f"you may write into the folder {str(folder)!r}, or save "
                             f"somewhere else.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, format=np.array(FORMAT), module=np.array(type(model).__name__),
                     config=np.array(json.dumps(model.config(), sort_keys=True)),
                     metadata=np.array(meta), **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)             # mkstemp made it private; a file as open() makes
        os.replace(tmp, path)                     # atomic on the same file system
    except BaseException as err:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(err, OSError):              # disk full, a path that became a folder, ...
            raise _os_error(err, f"{where}: could not write {str(path)!r}: {_reason(err)}. "
                                 f"Nothing was written there; free some space or save "
                                 f"somewhere else.") from None
        raise


def load(path, *, model=None):
    """Read a checkpoint written by save. Returns a new model, or loads into `model` (which must
    have the same configuration) and returns it. Nothing changes unless the whole file is good."""
    where = "load"
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"{where}: model should be None (to build a new model) or an rnnlib model "
                        f"to load the weights into, got {type(model).__name__}.")
    name, config, params, metadata, path = _read(path, where)
    cls = MODULES[name]
    if model is None:
        try:
            model = cls(**config)                 # sizes already checked against the arrays
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: {path}: its config does not build a {name}: "
                             f"{err}") from None
    elif type(model) is not cls or model.config() != config:
        given = (f"a {type(model).__name__} with config {model.config()}" if type(model) is cls
                 else f"a {type(model).__name__}")
        raise ValueError(f"{where}: {path} holds a {name} with config {config}, but the "
                         f"model given is {given}. Load it into a matching model, or call "
                         f"load(path) for a new one.")
    try:
        model.load_state_dict(params)             # checks every key and shape before changing any
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {path}: {err}") from None
    # new weights, new history: the record of what they trained on (None when not recorded)
    model.train_text = metadata.get("train_text")
    model.symbols = _symbols_record(metadata.get("symbols"), model)
    return model


def load_metadata(path):
    """The metadata dict saved with a checkpoint."""
    return _read(path, "load_metadata")[3]


# --- reading -----------------------------------------------------------------------------

def _check_config(name, config, shapes, path, where):
    """The config's keys are the constructor's and its sizes give exactly the file's arrays,
    so building the model allocates no more than the file already holds."""
    cls = MODULES[name]
    signature = inspect.signature(cls.__init__).parameters
    known = [k for k in signature if k not in ("self", "seed")]
    required = [k for k in known if signature[k].default is inspect.Parameter.empty]
    problem = ""
    unknown = [k for k in config if k not in known]
    absent = [k for k in required if k not in config]
    if unknown or absent:
        problem = (f"its config has unknown keys {unknown}" if unknown else
                   f"its config lacks {absent}")
    else:
        try:
            expected = _param_shapes(name, config)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: {path}: its config does not build a {name}: "
                             f"{err}") from None
        got = {k: tuple(s) for k, s in shapes.items()}
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        wrong = [k for k in expected if k in got and got[k] != expected[k]]
        if missing or extra:
            problem = "its arrays have " + " and ".join(
                ([f"missing keys {missing}"] if missing else []) +
                ([f"unexpected keys {extra}"] if extra else [])) + (
                f" for its config, which describes {list(expected)}")
        elif wrong:
            k = wrong[0]
            problem = (f"by its config, {k} should have shape {v.fmt_shape(expected[k])}, got "
                       f"{v.fmt_shape(got[k])}")
    if problem:
        raise ValueError(f"{where}: {path}: {problem}. Config and arrays must agree; "
                         f"the file was edited or not written by rnnlib.save. Nothing was built. "
                         f"Save the model again.")


def _read(path, where):
    """(module name, config, params, metadata, path) of a checkpoint, every part checked."""
    path = _path(path, where)
    if path.is_dir():
        raise IsADirectoryError(f"{where}: {path} is a folder, not a checkpoint file. "
                                f"Pass the path of the .npz file that rnnlib.save wrote.")
    if not path.is_file():
        raise FileNotFoundError(f"{where}: there is no file {path}. Check the name and "
                                f"the folder (the working directory is {os.getcwd()!r}).")
    sizes = _array_sizes(path, where)             # headers only: nothing large is read yet
    missing = [k for k in ("format", "module", "config", "metadata") if k not in sizes]
    if missing:
        raise ValueError(f"{where}: {path} is not an rnnlib checkpoint: it has no "
                         f"{missing}. Checkpoints are written by rnnlib.save(model, path).")
    try:
        with np.load(path, allow_pickle=False) as f:
            files = {k: f[k] for k in f.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as err:
        raise _unreadable(path, where, err) from None
    version = files["format"]
    if version.shape != () or version.dtype.kind not in "iu":
        raise ValueError(f"{where}: {path}: its format entry should be a whole number, "
                         f"got {version!r}.")
    if int(version) > FORMAT:
        raise ValueError(f"{where}: {path} has checkpoint format {int(version)}, newer "
                         f"than this rnnlib reads ({FORMAT}). Update rnnlib, or save the model "
                         f"again with this one.")
    if int(version) < 1:
        raise ValueError(f"{where}: {path} has checkpoint format {int(version)}; formats "
                         f"start at 1. The file was not written by rnnlib.save.")
    name = _text_entry(files, "module", path, where)
    if name not in MODULES:
        raise ValueError(f"{where}: {path} holds a {name!r}, which rnnlib does not know; "
                         f"it knows {', '.join(MODULES)}.")
    try:
        config = json.loads(_text_entry(files, "config", path, where))
        metadata = json.loads(_text_entry(files, "metadata", path, where))
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: {path}: its config or metadata is not valid JSON "
                         f"({err}).") from None
    for part, value in (("config", config), ("metadata", metadata)):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: {path}: its {part} should be a JSON object "
                             f"(a dict), got {type(value).__name__}. The file was not written "
                             f"by rnnlib.save.")
    params = {k[len("param."):]: a for k, a in files.items() if k.startswith("param.")}
    _check_config(name, config, {k: a.shape for k, a in params.items()}, path, where)
    return name, config, params, metadata, path


def _array_sizes(path, where):
    """{entry: number of values} from every array's header, refusing a file whose arrays hold
    more than MAX_BYTES in all before any of them is read."""
    sizes, total = {}, 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as fp:
                    version = np.lib.format.read_magic(fp)
                    read = {(1, 0): np.lib.format.read_array_header_1_0,
                            (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                    if read is None:
                        raise ValueError(f"npy format version {version}")
                    shape, _, dtype = read(fp)
                if dtype.hasobject:
                    raise ValueError("it holds Python objects (a pickle), which are never loaded")
                count = math.prod(shape)
                sizes[info.filename.removesuffix(".npy")] = count
                total += count * dtype.itemsize
                if total > MAX_BYTES:
                    raise ValueError(f"its arrays ask for more than {MAX_BYTES // 10**6} MB "
                                     f"(at least {total / 1e9:.3g} GB), far more than a model of "
                                     f"this course; the file is refused before anything is read")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, NotImplementedError,
            RuntimeError, KeyError) as err:
        raise _unreadable(path, where, err) from None
    return sizes


def _unreadable(path, where, err):
    with open(path, "rb") as f:
        npy = f.read(6) == b"\x93NUMPY"
    what = ("it is a single numpy array (np.save), not a checkpoint" if npy else
            f"truncated or corrupt: {type(err).__name__}: {err}")
    return ValueError(f"{where}: {path} is not a readable checkpoint ({what}). Save the "
                      f"model again with rnnlib.save(model, path).")


def _text_entry(files, key, path, where):
    a = files[key]
    if a.shape != () or a.dtype.kind != "U":
        raise ValueError(f"{where}: {path}: its {key} entry should be a single str, got "
                         f"an array of dtype {a.dtype} and shape {v.fmt_shape(a.shape)}. The file "
                         f"was not written by rnnlib.save.")
    return str(a)


def _size(config, key, where, default=None):
    value = config.get(key, default)
    return v.positive_int(value, key, where)


def _param_shapes(name, config):
    """{parameter: shape} of the model config builds, computed from the config alone (no array
    is made). The same names and shapes as the layers' own (tests compare the two)."""
    where = f"{name} config"
    if name == "Dense":
        F, O = _size(config, "in_features", where), _size(config, "out_features", where)
        bias = v.flag(config.get("bias", True), "bias", where)
        return {"weight": (O, F), **({"bias": (O,)} if bias else {})}
    if name in ("RNNCell", "LSTMCell", "GRUCell"):
        F, H = _size(config, "input_size", where), _size(config, "hidden_size", where)
        G = MODULES[name].gates * H
        shapes = {"weight_ih": (G, F), "weight_hh": (G, H)}
        if v.flag(config.get("bias", True), "bias", where):
            shapes.update(bias_ih=(G,), bias_hh=(G,))
        return shapes
    F, H = _size(config, "input_size", where), _size(config, "hidden_size", where)
    L = _size(config, "num_layers", where, 1)
    if name == "SequenceModel":
        cell = v.choice(config.get("cell", "rnn"), ("rnn", "lstm", "gru"), "cell", where)
        O = _size(config, "output_size", where)
        gates = {"rnn": RNN, "lstm": LSTM, "gru": GRU}[cell].gates
        shapes = {f"rnn.{k}": s for k, s in _recurrent_shapes(gates, F, H, L, 1, True).items()}
        return {**shapes, "head.weight": (O, H), "head.bias": (O,)}
    D = 2 if v.flag(config.get("bidirectional", False), "bidirectional", where) else 1
    bias = v.flag(config.get("bias", True), "bias", where)
    return _recurrent_shapes(MODULES[name].gates, F, H, L, D, bias)


def _recurrent_shapes(gates, F, H, L, D, bias):
    """torch's names and shapes for L stacked layers of D directions (Recurrent._shapes)."""
    G, shapes = gates * H, {}
    for layer in range(L):
        for sfx in ("", "_reverse")[:D]:
            shapes[f"weight_ih_l{layer}{sfx}"] = (G, F if layer == 0 else H * D)
            shapes[f"weight_hh_l{layer}{sfx}"] = (G, H)
            if bias:
                shapes[f"bias_ih_l{layer}{sfx}"] = (G,)
                shapes[f"bias_hh_l{layer}{sfx}"] = (G,)
    return shapes


def _symbols_record(value, model):
    """The vocabulary a checkpoint names, as model.symbols: its symbols in id order (a str),
    or None when it names none that fits the model (one distinct symbol per input)."""
    size = getattr(model, "input_size", None)
    if isinstance(value, str) and len(value) == size and len(set(value)) == len(value):
        return value
    return None


# --- writing -----------------------------------------------------------------------------

def _path(value, where):
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise TypeError(f"{where}: path should be a str or a pathlib.Path such as "
                        f"'char_model.npz', got {type(value).__name__}.")
    try:
        path = pathlib.Path(value)
    except TypeError:                              # a PathLike whose __fspath__ gives bytes
        raise TypeError(f"{where}: path should be a str or a pathlib.Path, got "
                        f"{type(value).__name__} that stands for bytes.") from None
    if str(path) in ("", "."):
        raise ValueError(f"{where}: path is empty; give a file name such as 'char_model.npz'.")
    return path


def _writable_folder(path, where):
    """The folder path goes into, or the OSError that saving there would end in, worded."""
    folder = path.parent
    if path.is_dir():
        raise IsADirectoryError(f"{where}: {str(path)!r} is a folder; a checkpoint is a file. "
                                f"Give a file name inside it, e.g. {str(path / 'model.npz')!r}.")
    if not folder.exists():
        raise FileNotFoundError(f"{where}: cannot write {str(path)!r}: the folder "
                                f"{str(folder)!r} does not exist. Create it first "
                                f"(pathlib.Path({str(folder)!r}).mkdir(parents=True)), or "
                                f"save somewhere else.")
    if not folder.is_dir():
        raise NotADirectoryError(f"{where}: cannot write {str(path)!r}: {str(folder)!r} is a "
                                 f"file, not a folder. Choose another path.")
    return folder


def _reason(err):
    return err.strerror or str(err) or type(err).__name__


def _os_error(err, message):
    """The same kind of OSError as err (PermissionError, ...), carrying rnnlib's message."""
    try:
        return type(err)(message)
    except TypeError:                              # a subclass with another constructor
        return OSError(message)


def _metadata_json(metadata, model, where):
    """metadata (plus the model's records) as JSON that loads back equal to it, or an error."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise TypeError(f"{where}: metadata should be a dict such as {{'symbols': 'abc'}}, got "
                        f"{type(metadata).__name__}. Put several values under names: "
                        f"{{'notes': [...]}}.")
    _json_value(metadata, "metadata", where, 0)
    for key in ("train_text", "symbols"):         # the model's records stay with the weights
        record = getattr(model, key, None)
        if record is not None and key not in metadata:
            _json_value(record, f"model.{key}", where, 0)
            metadata = {**metadata, key: record}
    return json.dumps(metadata, sort_keys=True, allow_nan=False)


def _json_value(value, name, where, depth):
    """value is JSON that json.loads(json.dumps(value)) gives back equal, or a TypeError /
    ValueError naming the part that is not."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: {name} nests lists and dicts more than {MAX_DEPTH} deep (or "
                         f"contains itself). Keep metadata flat.")
    if value is None or isinstance(value, (bool, str)):
        return
    if type(value) is int:
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {name} is {value!r}; JSON has no nan or inf, and nan "
                             f"would not come back equal to itself. Store None, or a str.")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _json_value(item, f"{name}[{i}]", where, depth + 1)
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: {name} has the key {k!r} ({type(k).__name__}); JSON "
                                f"keys are str, so it would come back as {str(k)!r}. Use str "
                                f"keys.")
            _json_value(item, f"{name}[{k!r}]", where, depth + 1)
        return
    if isinstance(value, tuple):
        hint = f"Use a list: a tuple comes back from JSON as a list. list({name}) will do."
    elif isinstance(value, (np.ndarray, np.generic)):
        hint = "Convert numpy values with .tolist() (arrays) or .item() (single numbers)."
    else:
        hint = "JSON keeps None, True/False, numbers, str, lists and dicts with str keys."
    raise TypeError(f"{where}: {name} is a {type(value).__name__}, which JSON does not give "
                    f"back as it went in. {hint}")
