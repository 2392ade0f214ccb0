"""The shape of the course itself: fixed notebook names, a README map that lists exactly the
notebooks that exist, and exercises as nbgrader cells a teacher can hand out and grade.

(Each notebook's cells are re-run and compared by nbval; this file checks what nbval cannot.)
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# DESIGN.md §2: the learner's path; these file names are fixed.
PATH = ["00_start_here", "01_two_timesteps_by_hand", "02_hello_one_hot", "03_batching",
        "04_backprop_through_time", "05_training", "06_vanishing_and_exploding_gradients",
        "07_character_language_model", "08_hidden_state_explorer", "09_gated_cells",
        "10_to_pytorch_and_keras"]

# nbgrader's cell metadata, exactly as the authoring guide gives it (points vary, 1 to 3).
SOLUTION = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
GRADED = {"grade": True, "locked": True, "schema_version": 3, "solution": False, "task": False}
ANSWER = {"grade": True, "locked": False, "schema_version": 3, "solution": True, "task": False}
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# a graded check cell: "from rnnlib.checks import check_x   # a comment\nassert check_x(x)"
CHECK_CELL = re.compile(r"from rnnlib\.checks import (check_\w+)[ \t]*(#[^\n]*)?\nassert \1\(\w+\)\Z")


def test_every_notebook_is_on_the_learners_path_in_order():
    names = [nb.stem for nb in NOTEBOOKS]
    assert names, "no notebooks found"
    assert names == PATH[:len(names)], "notebooks should be the first steps of the path, none skipped"


def test_readme_maps_exactly_the_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\(notebooks/(\d\d_\w+)\.ipynb\)", readme)
    assert linked == [nb.stem for nb in NOTEBOOKS]


def _nbgrader(path):
    """The notebook's cells, each with its nbgrader metadata ({} for a plain cell)."""
    nb = nbformat.read(path, as_version=4)
    return [(c, c.metadata.get("nbgrader", {})) for c in nb.cells]


def _converted(path):
    cells = _nbgrader(path)
    assert any(meta for _, meta in cells), f"{path.stem} has no nbgrader exercise cells"
    return cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_nbgrader_cells_with_exact_metadata(path):
    cells = _converted(path)
    stem = path.stem[:2]
    assert not any("solution" in c.metadata.get("tags", []) for c, _ in cells), \
        "the old `solution` tags go: nbgrader's solution cells replace them"
    for c, meta in cells:
        if not meta:
            continue
        gid = meta.get("grade_id", "")
        if c.cell_type == "markdown":
            # a written answer: nbgrader grades markdown answers by hand only
            assert {k: v for k, v in meta.items() if k not in ("grade_id", "points")} == ANSWER, gid
            assert meta.get("points") == 1 and gid.startswith(f"nb{stem}_") and BEGIN not in c.source, gid
        elif meta.get("grade"):
            assert {k: v for k, v in meta.items() if k not in ("grade_id", "points")} == GRADED, gid
            assert meta.get("points") in (1, 2, 3), gid
            assert gid.startswith(f"check_nb{stem}_"), gid
            # the check is imported in the check cell itself, so no earlier cell can replace it
            assert c.cell_type == "code" and CHECK_CELL.match(c.source), (gid, c.source)
        else:
            assert {k: v for k, v in meta.items() if k != "grade_id"} == SOLUTION, gid
            assert gid.startswith(f"nb{stem}_"), gid
            if c.cell_type == "code":
                # the student edition replaces what lies between the markers with a stub; the
                # signature and docstring stay outside them
                assert c.source.count(BEGIN) == 1 and c.source.count(END) == 1, gid
                assert c.source.index(BEGIN) < c.source.index(END), gid
            else:
                assert BEGIN not in c.source, gid


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_graded_check_follows_its_solution_cell(path):
    cells = _converted(path)
    for i, (c, meta) in enumerate(cells):
        if meta.get("grade") and c.cell_type == "code":
            assert i > 0, meta["grade_id"]
            before = cells[i - 1][1]
            assert before.get("solution") and cells[i - 1][0].cell_type == "code", meta["grade_id"]
            # check_nb01_rnn_forward checks the cell nb01_rnn_forward, with the same name
            assert meta["grade_id"] == "check_" + before["grade_id"], meta["grade_id"]
            name = before["grade_id"].split("_", 1)[1]
            assert f"check_{name}({name})" in c.source, meta["grade_id"]
            assert f"def {name}(" in cells[i - 1][0].source, meta["grade_id"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_ends_with_summary_quiz_and_exercises(path):
    cells = _converted(path)
    text = [c.source for c, _ in cells]
    firsts = {line[3:].split()[0]: i for i, t in enumerate(text) for line in t.splitlines()
              if line.startswith("## ") and line[3:].split()[0] in ("Summary", "Quiz", "Exercises")}
    assert list(firsts) == ["Summary", "Quiz", "Exercises"], "in this order, each once"
    assert any("Quiz(" in t for t in text[firsts["Quiz"]:firsts["Exercises"]])
    after = cells[firsts["Exercises"]:]
    assert any(meta.get("solution") for _, meta in after), "exercises have nbgrader solution cells"


def test_grade_ids_are_unique_across_the_course():
    ids = [meta["grade_id"] for path in NOTEBOOKS for _, meta in _nbgrader(path) if meta]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# --- what a learner reads -------------------------------------------------------------------

MENTION = re.compile(r"\bnotebooks? (\d\d)(?:\s*(?:-|–|to|and)\s*(\d\d))?|\b(\d\d)_[a-z]+(?:_[a-z]+)*\.ipynb")
LABEL = re.compile(r"\bseed[ _]?\d{3}\b|\bseeds/|\bissue \d+\b", re.IGNORECASE)
EXISTING = {p.stem[:2] for p in NOTEBOOKS}


def _mentioned(text):
    out = set()
    for a, b, f in MENTION.findall(text):
        if f:
            out.add(f)
        elif a:
            out |= {f"{n:02d}" for n in range(int(a), int(b or a) + 1)}
    return out


@pytest.mark.parametrize("path", NOTEBOOKS + [ROOT / "README.md"], ids=lambda p: p.stem)
def test_every_notebook_mentioned_exists_and_no_internal_label_shows(path):
    text = path.read_text(encoding="utf-8") if path.suffix == ".md" else _markdown(nbformat.read(path, as_version=4))
    if path.suffix == ".ipynb":   # the code a learner reads counts too, outputs do not
        text += "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert _mentioned(text) <= EXISTING, f"mentions notebooks that do not exist: {_mentioned(text) - EXISTING}"
    assert not LABEL.findall(text), LABEL.findall(text)


def test_the_mention_finder_finds_what_it_should():
    assert _mentioned("as notebook 06 shows; notebooks 07-08 and 09_rnnlib_pytorch_keras.ipynb") == \
        {"06", "07", "08", "09"}
    assert LABEL.findall("seed 000's task, Seed_004") == ["seed 000", "Seed_004"]


def test_the_lines_of_fit_that_notebook_05_prints_are_still_there():
    """Notebook 05 prints the lines of rnnlib.fit from `model.zero_grad()` to
    `optimizer.step(grads)`; if either anchor went, its cell would fail with a StopIteration
    that says nothing. This fast test says which anchor is missing."""
    import inspect

    import rnnlib
    source = inspect.getsource(rnnlib.fit).splitlines()
    for anchor in ("model.zero_grad()", "optimizer.step(grads)"):
        assert any(anchor in line for line in source), f"rnnlib.fit has no line with {anchor!r}"
    nb = nbformat.read(ROOT / "notebooks" / "05_training.ipynb", as_version=4)
    assert any("getsource(rnnlib.fit)" in c.source and '"model.zero_grad()"' in c.source
               and '"optimizer.step(grads)"' in c.source for c in nb.cells)
