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
the whole file is written, so a crash never leaves half a checkpoint. load checks the whole
file before it builds or changes a model, so a bad file leaves an existing model as it was.

The text a model trained on travels with its weights. A checkpoint's metadata may name it
under "train_text" ({"generator": "rnnlib.corpus.structured_text", "seed": 0,
"chars": [start, stop], "note": ...}: characters start..stop of the generator's text for that
seed). load sets model.train_text from it (None when the file names no text), and save
writes model.train_text into the metadata when the caller's metadata names none, so a model
loaded and saved again keeps its record. rnnlib.perplexity reads it to refuse scoring a model
on text it trained on.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
import zipfile

import numpy as np

from .dense import Dense
from .layers import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .models import SequenceModel
from .module import Module

FORMAT = 1
MODULES = {cls.__name__: cls for cls in (RNNCell, RNN, LSTMCell, LSTM, GRUCell, GRU, Dense,
                                          SequenceModel)}


def save(model, path, metadata=None):
    """Write model's configuration, parameters and metadata (a JSON-safe dict) to path (.npz)."""
    where = "save"
    if not isinstance(model, Module) or type(model).__name__ not in MODULES:
        raise TypeError(f"{where}: model should be one of rnnlib's {', '.join(MODULES)}, got "
                        f"{type(model).__name__}.")
    metadata = {} if metadata is None else metadata
    trained_on = getattr(model, "train_text", None)
    if trained_on is not None and isinstance(metadata, dict) and "train_text" not in metadata:
        metadata = {**metadata, "train_text": trained_on}     # the record stays with the weights
    try:
        meta = json.dumps(metadata, sort_keys=True)
    except TypeError as err:
        raise TypeError(f"{where}: metadata should be a dict of JSON values (str, numbers, lists, "
                        f"dicts), got one that is not: {err}. Convert arrays with .tolist().") from None
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"{where}: path should end in .npz, got {str(path)!r}; numpy would add "
                         f"the suffix itself and the file would not be where you asked.")
    arrays = {f"param.{k}": p for k, p in model.state_dict().items()}
    fd, tmp = tempfile.mkstemp(suffix=".npz", prefix=f".{path.stem}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, format=np.array(FORMAT), module=np.array(type(model).__name__),
                     config=np.array(json.dumps(model.config(), sort_keys=True)),
                     metadata=np.array(meta), **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)             # mkstemp made it private; a file as open() makes
        os.replace(tmp, path)                     # atomic on the same file system
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path, *, model=None):
    """Read a checkpoint written by save. Returns a new model, or loads into `model` (which must
    have the same configuration) and returns it. Nothing changes unless the whole file is good."""
    where = "load"
    name, config, params, metadata = _read(path, where)
    cls = MODULES[name]
    if model is None:
        try:
            model = cls(**config)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: {path}: its config does not build a {name}: {err}") from None
    elif type(model) is not cls or model.config() != config:
        raise ValueError(f"{where}: {path} holds a {name} with config {config}, but the model "
                         f"given is a {type(model).__name__} with config "
                         f"{model.config() if isinstance(model, Module) else '?'}. Load it into a "
                         f"matching model, or call load(path) for a new one.")
    try:
        model.load_state_dict(params)             # checks every key and shape before changing any
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {path}: {err}") from None
    # new weights, new history: the record of what they trained on (None when not recorded)
    model.train_text = metadata.get("train_text") if isinstance(metadata, dict) else None
    return model


def load_metadata(path):
    """The metadata dict saved with a checkpoint."""
    return _read(path, "load_metadata")[3]


def _read(path, where):
    """(module name, config, params, metadata) of a checkpoint, every part checked."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{where}: there is no file {str(path)!r}.")
    try:
        with np.load(path, allow_pickle=False) as f:
            files = {k: f[k] for k in f.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise ValueError(f"{where}: {path} is not a readable checkpoint (truncated or corrupt: "
                         f"{type(err).__name__}: {err}). Save the model again.") from None
    missing = [k for k in ("format", "module", "config", "metadata") if k not in files]
    if missing:
        raise ValueError(f"{where}: {path} is not an rnnlib checkpoint: it has no {missing}. "
                         f"Checkpoints are written by rnnlib.save(model, path).")
    version = files["format"]
    if version.shape != () or version.dtype.kind not in "iu":
        raise ValueError(f"{where}: {path}: its format entry should be a whole number, got {version!r}.")
    if int(version) > FORMAT:
        raise ValueError(f"{where}: {path} has checkpoint format {int(version)}, newer than this "
                         f"rnnlib reads ({FORMAT}). Update rnnlib, or save the model again with this one.")
    name = str(files["module"])
    if name not in MODULES:
        raise ValueError(f"{where}: {path} holds a {name!r}, which rnnlib does not know; it "
                         f"knows {', '.join(MODULES)}.")
    try:
        config = json.loads(str(files["config"]))
        metadata = json.loads(str(files["metadata"]))
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: {path}: its config or metadata is not valid JSON ({err}).") from None
    params = {k[len("param."):]: a for k, a in files.items() if k.startswith("param.")}
    return name, config, params, metadata
