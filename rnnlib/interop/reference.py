"""The reference values the course compares against: results computed by PyTorch and Keras,
stored in assets/reference/ by the scripts in tools/, read with numpy alone."""
from __future__ import annotations

import json
import pathlib

import numpy as np

REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "assets" / "reference"


def load_reference(name):
    """The arrays of assets/reference/<name>.npz, made with torch and Keras by tools/*.py.

    Returns a dict name -> array, with "config" parsed from its JSON. Found through the
    package, so it works from any working directory; loaded with allow_pickle=False.
    """
    path = REFERENCE / f"{name}.npz"
    if not path.is_file():
        known = sorted(p.stem for p in REFERENCE.glob("*.npz"))
        raise ValueError(f"load_reference: there is no reference file {name!r} in {REFERENCE.name}/; "
                         f"the files are {known}.")
    with np.load(path, allow_pickle=False) as f:
        out = {k: f[k] for k in f.files}
    if "config" in out:
        out["config"] = json.loads(str(out["config"]))
    return out
