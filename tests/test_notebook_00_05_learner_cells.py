"""Notebooks 00-05 keep test machinery out of the cells a learner reads: no NBVAL comments (cells
whose output varies carry nbval's cell tags), no asserts outside the graded check cells, check
cells in the form that imports the check in the cell itself, and demonstrations of a check on
a buggy function pass raise_error=False."""
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("0[0-5]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_nbval_comments_and_no_asserts_in_learner_cells(path):
    nb = nbformat.read(path, as_version=4)
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        assert "NBVAL" not in c.source, (path.stem, i)
        graded = c.metadata.get("nbgrader", {}).get("grade")
        asserts = [line for line in c.source.splitlines() if line.lstrip().startswith("assert")]
        if graded:
            assert re.fullmatch(r"from rnnlib\.checks import (check_\w+)   # [^\n]+\nassert \1\(\w+\)",
                                c.source), (path.stem, i, c.source)
        else:
            assert not asserts, (path.stem, i, asserts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_whose_output_varies_are_tagged(path):
    nb = nbformat.read(path, as_version=4)
    varying = [c for c in nb.cells if c.cell_type == "code"
               and any(k in c.source for k in ("timeit.repeat(", "timeit.timeit(", "python_version()"))]
    for c in varying:
        assert "nbval-ignore-output" in c.metadata.get("tags", []), c.source[:80]
    assert bool(varying) == (path.stem[:2] in ("00", "03"))


def test_checks_shown_on_buggy_functions_do_not_raise():
    nb = nbformat.read(next(p for p in NOTEBOOKS if p.stem.startswith("04")), as_version=4)
    calls = [line for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("grade")
             for line in c.source.splitlines() if "rnnlib.checks.check_rnn_backward(" in line]
    buggy = [line for line in calls if "fixed_backward" not in line]
    assert len(buggy) == 5 and all("raise_error=False" in line for line in buggy)
