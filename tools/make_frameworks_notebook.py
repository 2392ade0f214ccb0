"""Store what PyTorch and Keras compute in notebook 10, so the notebook runs without them.

Notebook 10 (notebooks/10_to_pytorch_and_keras.ipynb) calls every function that needs torch or
Keras through live_or_stored(framework, name, compute, *args): live when the framework imports,
otherwise from assets/reference/frameworks_torch.npz and frameworks_keras.npz. This script
writes those two files. It runs the notebook's own code, so nothing here can drift from it:

  1. it reads the notebook and executes, in order, the code cells tagged "frameworks" (the
     imports, the models and texts, the functions that use torch or Keras, and the cells that
     call them), skipping IPython's % lines;
  2. right after the cell that defines live_or_stored, it puts a recorder in its place, which
     calls compute(*args) and keeps the returned dict under the framework and the name;
  3. it writes each framework's results as <name>/<key> arrays, plus "config" (JSON: the
     framework's version, which the notebook's [stored: ...] tag prints, and what made it).

Needs torch and Keras 3 (run with the Keras backend torch), from the repository's root:

    PYTHONPATH=. KERAS_BACKEND=torch python tools/make_frameworks_notebook.py           # write
    PYTHONPATH=. KERAS_BACKEND=torch python tools/make_frameworks_notebook.py --check   # compare only

Deterministic: the notebook's inputs are seeded texts and stored checkpoints, torch runs on one
thread (the functions set it), and the files are written with a fixed timestamp, so a second run
writes the same bytes (--check says whether it would). Numpy arrays and JSON only; no pickle.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")    # as the notebook's first cell
os.environ.setdefault("KERAS_BACKEND", "torch")        # before anything imports keras

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from npz_files import save_npz  # noqa: E402  (tools/, beside this script)

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "10_to_pytorch_and_keras.ipynb"
OUT = ROOT / "assets" / "reference"
FILES = {"PyTorch": "frameworks_torch", "Keras": "frameworks_keras"}
TAG = "frameworks"


def tagged_cells(path=NOTEBOOK):
    """The source of every code cell tagged "frameworks", IPython's % lines left out."""
    nb = nbformat.read(path, as_version=4)
    return [("\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith("%")))
            for c in nb.cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]


def run_notebook_cells():
    """Execute the tagged cells with live_or_stored recording; -> {framework: {name: result}}."""
    results = {framework: {} for framework in FILES}
    namespace = {"__name__": "__notebook__"}

    def recorder(framework, name, compute, *args):
        result = {key: np.asarray(value) for key, value in compute(*args).items()}
        if name in results[framework]:
            raise ValueError(f"live_or_stored: {framework} result {name!r} is computed twice")
        results[framework][name] = result
        print(f"[recorded: {framework} {name}]")
        return result

    for source in tagged_cells():
        exec(compile(source, str(NOTEBOOK), "exec"), namespace)   # noqa: S102 - the course's own notebook
        if "live_or_stored" in namespace and namespace["live_or_stored"] is not recorder:
            namespace["live_or_stored"] = recorder
    for framework, module_name in (("PyTorch", "torch"), ("Keras", "keras")):
        if namespace.get(module_name) is None:
            raise SystemExit(f"{framework} did not import: run this script where torch and Keras 3 "
                             f"are installed, with KERAS_BACKEND=torch.")
    versions = {"PyTorch": namespace["torch"].__version__.split("+")[0],
                "Keras": namespace["keras"].__version__.split("+")[0]}
    made_with = (f"torch {namespace['torch'].__version__}, keras {namespace['keras'].__version__} "
                 f"(backend {os.environ['KERAS_BACKEND']}), numpy {np.__version__}")
    files = {}
    for framework, file in FILES.items():
        arrays = {"config": np.asarray(json.dumps({
            "version": versions[framework], "made_with": made_with,
            "description": f"what notebook 10's {framework} cells computed "
                           f"(tools/make_frameworks_notebook.py)"}, sort_keys=True))}
        for name, result in results[framework].items():
            arrays.update({f"{name}/{key}": a for key, a in result.items()})
        files[file] = arrays
    return files



def differences(path, arrays):
    """The keys whose stored array differs from the recomputed one (or is missing/extra)."""
    if not path.is_file():
        return ["(no file)"]
    with np.load(path, allow_pickle=False) as f:
        stored = {k: f[k] for k in f.files}
    keys = set(stored) | set(arrays)
    return sorted(k for k in keys if k not in stored or k not in arrays
                  or stored[k].shape != np.shape(arrays[k])
                  or not np.array_equal(stored[k], np.asarray(arrays[k])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="recompute and compare with the stored files; write nothing")
    args = parser.parse_args(argv)
    files = run_notebook_cells()
    status = 0
    for file, arrays in files.items():
        path = OUT / f"{file}.npz"
        if args.check:
            diff = differences(path, arrays)
            print(f"{path.name}: " + ("the same" if not diff else f"differs in {diff}"))
            status |= bool(diff)
        else:
            save_npz(path, arrays)
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes, {len(arrays)} arrays)")
    return status


if __name__ == "__main__":
    sys.exit(main())
