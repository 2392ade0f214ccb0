"""A notebook as committed, executed with its outputs stored, for the tests that hold its prose
to what its cells print (nbval compares those outputs with a fresh run, so a number read here
is a number a learner sees), and the committed checkpoints those tests load.

Not a test file: the test files import it (pytest puts tests/ on sys.path).

    nb = notebook("06_vanishing_and_exploding_gradients")   # read once per test process
    cell(nb, "b06e0d01")                 # a cell by its id
    printed(c)                           # what a code cell printed (its stream outputs)
    stream_text(nb)                      # what every code cell printed, one cell after another
    outputs_text(nb)                     # the same with every text/plain result too
    prose(nb)                            # every markdown cell, one after another
    markdown(nb, "## Summary")           # the one markdown cell that starts so
    code_cell_defining(nb, "name")       # the one code cell with a top-level `def name(`
    notebook_function(nb, "name")        # the source of that definition alone
    quoted(nb, said, shown)              # the prose says said and an output matches shown
    checkpoint("char_model.npz")         # (model, metadata, vocab) of a file in assets/

The notebook is shared between the tests of a process: read it, never change it.
"""
import ast
import functools
import re
from pathlib import Path

import nbformat

import rnnlib

ROOT = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)
def notebook(name):
    """notebooks/<name>.ipynb as nbformat reads it (version 4)."""
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def cell(nb, cid):
    return next(c for c in nb.cells if c.id == cid)


def printed(c):
    """Everything one code cell printed (stdout and stderr), as stored."""
    return "".join(o.get("text", "") for o in c.get("outputs", []) if o.output_type == "stream")


def stream_text(nb):
    """What the code cells printed, cell after cell, joined by newlines."""
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "stream")


def outputs_text(nb):
    """What the code cells printed and every text/plain result they showed, in order."""
    text = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.output_type == "stream":
                text.append(o.text)
            elif "text/plain" in o.get("data", {}):
                text.append(o.data["text/plain"])
    return "\n".join(text)


def prose(nb):
    """Every markdown cell, joined by newlines."""
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def markdown(nb, starts_with):
    """The one markdown cell whose text starts with starts_with."""
    found = [c.source for c in nb.cells if c.cell_type == "markdown"
             and c.source.startswith(starts_with)]
    assert len(found) == 1, starts_with
    return found[0]


def code_cell_defining(nb, name):
    """The one code cell with a line `def name(`."""
    found = [c for c in nb.cells if c.cell_type == "code"
             and re.search(rf"^def {name}\(", c.source, re.M)]
    assert len(found) == 1, name
    return found[0]


def notebook_function(nb, name):
    """The source of the notebook's own definition of name, without the rest of its cell."""
    src = code_cell_defining(nb, name).source
    (node,) = [n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.get_source_segment(src, node)


def quoted(nb, said, shown):
    """The prose says said (line breaks aside) and what a code cell printed matches the regular
    expression shown: a number the prose quotes is the one the cells print."""
    assert " ".join(said.split()) in " ".join(prose(nb).split()), said
    assert re.search(shown, stream_text(nb)), shown


@functools.lru_cache(maxsize=None)
def checkpoint(name):
    """(model, metadata, vocab) of assets/<name>, loaded once per test process: share the model,
    never train or change it."""
    path = ROOT / "assets" / name
    meta = rnnlib.load_metadata(path)
    return rnnlib.load(path), meta, rnnlib.Vocab(meta["symbols"])
