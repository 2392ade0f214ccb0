"""The shape of the course itself: fixed notebook names, a README map that lists exactly the
notebooks that exist, and solutions a teacher can strip with one nbconvert call.

(Each notebook's cells are re-run and compared by nbval; this file checks what nbval cannot.)
"""
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# DESIGN.md §2: the learner's path; these file names are fixed.
PATH = ["00_start_here", "01_two_timesteps_by_hand", "02_hello_one_hot", "03_batching",
        "04_backprop_through_time", "05_training", "06_vanishing_and_exploding_gradients",
        "07_character_language_model", "08_hidden_state_explorer", "09_rnnlib_pytorch_keras"]


def test_every_notebook_is_on_the_learners_path_in_order():
    names = [nb.stem for nb in NOTEBOOKS]
    assert names, "no notebooks found"
    assert names == PATH[:len(names)], "notebooks should be the first steps of the path, none skipped"


def test_readme_maps_exactly_the_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\(notebooks/(\d\d_\w+)\.ipynb\)", readme)
    assert linked == [nb.stem for nb in NOTEBOOKS]


def _first_line(cell):
    return "".join(cell.source).strip().splitlines()[0] if "".join(cell.source).strip() else ""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_solutions_are_last_and_tagged(path):
    nb = nbformat.read(path, as_version=4)
    heads = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "markdown" and _first_line(c) == "## Solutions"]
    assert len(heads) == 1, "one '## Solutions' heading"
    start = heads[0]
    tagged = ["solution" in c.metadata.get("tags", []) for c in nb.cells]
    assert not any(tagged[:start]), "no cell before the Solutions heading may carry the solution tag"
    assert all(tagged[start:]), "the Solutions heading and every cell after it carry the solution tag"
    assert any(c.cell_type == "code" for c in nb.cells[start:]), "solutions are runnable code"
    exercises = [c for c in nb.cells[:start] if c.cell_type == "markdown" and "xercise" in _first_line(c)]
    assert exercises, "exercises come before the solutions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_teacher_handout_strips_every_solution(path):
    # The command in the README: --TagRemovePreprocessor.remove_cell_tags solution
    nb = nbformat.read(path, as_version=4)
    n_cells = len(nb.cells)
    assert "## Solutions" in json.dumps([c.source for c in nb.cells])
    pre = TagRemovePreprocessor(remove_cell_tags={"solution"}, enabled=True)
    handout, _ = pre.preprocess(nb, {})           # (it edits nb in place, too)
    assert "## Solutions" not in json.dumps([c.source for c in handout.cells])
    assert len(handout.cells) < n_cells
    assert not any("solution" in c.metadata.get("tags", []) for c in handout.cells)
