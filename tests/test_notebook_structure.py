"""The shape of the course itself: fixed notebook names, a README map that lists exactly the
notebooks that exist, and solutions a teacher can strip: nbgrader's solution cells in the
notebooks rewritten for it (issue 8), the `solution` cell tag in the others, until they are.

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


def _uses_nbgrader(nb):
    return any("nbgrader" in c.metadata for c in nb.cells)


TAGGED = [p for p in NOTEBOOKS if not _uses_nbgrader(nbformat.read(p, as_version=4))]
GRADED = [p for p in NOTEBOOKS if p not in TAGGED]


@pytest.mark.parametrize("path", TAGGED, ids=lambda p: p.stem)
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


@pytest.mark.parametrize("path", TAGGED, ids=lambda p: p.stem)
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


# --- notebooks with nbgrader cells ----------------------------------------------------------

def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.stem)
def test_nbgrader_cells_follow_the_exercise_pattern(path):
    """Solution code between the markers, each check locked, graded and right after its
    solution, no old solution tags, exercises after the quiz, grade ids named after the notebook."""
    nb = nbformat.read(path, as_version=4)
    number = path.stem[:2]
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    for i, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if not meta:
            continue
        assert meta["schema_version"] == 3 and meta["grade_id"].startswith(("nb" + number, "check_nb" + number))
        if meta["solution"] and cell.cell_type == "code":
            src = cell.source
            assert 0 <= src.find("### BEGIN SOLUTION") < src.find("### END SOLUTION"), meta["grade_id"]
            assert not meta["grade"] and not meta["locked"]
        if meta["grade"]:
            assert meta["locked"] and meta["points"] > 0 and not meta["solution"]
            assert "rnnlib.checks.check_" in cell.source
            assert _nbgrader(nb.cells[i - 1]).get("solution"), f"{meta['grade_id']} follows its solution"
    headings = [_first_line(c) for c in nb.cells if c.cell_type == "markdown"]
    assert "## Quiz" in headings and "## Exercises" in headings
    assert headings.index("## Quiz") < headings.index("## Exercises")
    start = next(i for i, c in enumerate(nb.cells) if _first_line(c) == "## Exercises")
    exercises = [i for i, c in enumerate(nb.cells) if "_exercise_" in _nbgrader(c).get("grade_id", "")]
    assert exercises and min(exercises) > start


def test_grade_ids_are_unique_across_the_course():
    ids = [_nbgrader(c)["grade_id"] for p in GRADED for c in nbformat.read(p, as_version=4).cells
           if _nbgrader(c)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.stem)
def test_nbgrader_clears_every_solution(path):
    from nbgrader.preprocessors import ClearSolutions
    nb = nbformat.read(path, as_version=4)
    student, _ = ClearSolutions().preprocess(nb, {})
    text = json.dumps([c.source for c in student.cells])
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    stubs = [c for c in student.cells if _nbgrader(c).get("solution") and c.cell_type == "code"]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    answers = [c for c in student.cells if _nbgrader(c).get("solution") and c.cell_type == "markdown"]
    assert all(c.source == "YOUR ANSWER HERE" for c in answers)
