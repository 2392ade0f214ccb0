"""Re-execute course notebooks top to bottom in a fresh kernel and store their outputs, so that
the diff shows only what really changed.

    python tools/run_notebooks.py                       # every notebook in notebooks/
    python tools/run_notebooks.py notebooks/03_batching.ipynb

It does what `jupyter nbconvert --to notebook --execute --inplace` does (the kernel starts in
the notebook's folder, cell timings are not recorded, widget state is stored), and then
renames every widget model id to one derived from the notebook's name and the order in which
the ids appear, and joins printed text that the kernel flushed in pieces. Jupyter draws those ids at random on every run, so without this step each
re-execution rewrites hundreds of lines of ids in the widget state and in every widget output.
It prints the time each notebook took.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
import time
import uuid

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
ID = re.compile(r"[0-9a-f]{32}")
NAMESPACE = uuid.UUID("6f1c8e52-7d0a-4b0e-9d7e-2f0c6b1a9e33")   # any fixed UUID


def stable_widget_ids(nb, name):
    """Rename the widget model ids of an executed notebook in order of first appearance."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    ids = list(state.get("state", {}))
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and view["model_id"] not in ids:
                ids.append(view["model_id"])
    if not ids:
        return nb
    new = {old: uuid.uuid5(NAMESPACE, f"{name}:{i}").hex for i, old in enumerate(ids)}
    text = json.dumps(nb)
    text = ID.sub(lambda m: new.get(m.group(0), m.group(0)), text)
    return nbformat.from_dict(json.loads(text))


def merged_streams(nb):
    """Join consecutive stdout (or stderr) outputs of a cell into one. The kernel flushes
    printed text in pieces whose sizes vary from run to run; Jupyter and nbval show the same
    text either way, and one piece keeps the diff to what changed."""
    for cell in nb.cells:
        outs = []
        for out in cell.get("outputs", []):
            if (outs and out.output_type == "stream" and outs[-1].output_type == "stream"
                    and outs[-1].name == out.name):
                outs[-1].text += out.text
            else:
                outs.append(out)
        if cell.cell_type == "code":
            cell.outputs = outs
    return nb


def run(path, timeout=600):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(stable_widget_ids(merged_streams(nb), path.stem), path)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to run (default: every notebook in notebooks/)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {run(path.resolve()):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
