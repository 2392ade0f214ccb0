"""The shape of the course itself: fixed notebook names, a README map that lists exactly the
notebooks that exist, exercises as nbgrader cells, and learner-facing text that names only
notebooks that exist and no internal label.

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
        "07_character_language_model", "08_hidden_state_explorer", "09_rnnlib_pytorch_keras"]


def test_every_notebook_is_on_the_learners_path_in_order():
    names = [nb.stem for nb in NOTEBOOKS]
    assert names, "no notebooks found"
    assert names == PATH[:len(names)], "notebooks should be the first steps of the path, none skipped"


def test_readme_maps_exactly_the_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\(notebooks/(\d\d_\w+)\.ipynb\)", readme)
    assert linked == [nb.stem for nb in NOTEBOOKS]


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _text(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_nbgrader_cells_and_each_check_follows_its_exercise(path):
    nb = nbformat.read(path, as_version=4)
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells), \
        "the tag-based hand-out is gone: solutions are nbgrader solution cells"
    solutions = [c for c in nb.cells if _nbgrader(c).get("solution")]
    assert solutions, "every notebook has at least one exercise"
    for c in solutions:
        if c.cell_type == "code":
            assert "### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source, c.source[:80]
    for i, c in enumerate(nb.cells):
        meta = _nbgrader(c)
        if meta.get("grade"):
            assert c.cell_type == "code" and meta.get("locked") and meta.get("points", 0) > 0
            assert "rnnlib.checks.check_" in c.source, "a graded cell runs one of rnnlib's checks"
            assert _nbgrader(nb.cells[i - 1]).get("solution"), "a check follows its exercise cell"


def test_grade_ids_are_unique_across_the_course():
    ids = [_nbgrader(c)["grade_id"] for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells
           if _nbgrader(c)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


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
    text = path.read_text(encoding="utf-8") if path.suffix == ".md" else _text(nbformat.read(path, as_version=4))
    if path.suffix == ".ipynb":   # the code a learner reads counts too, outputs do not
        text += "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert _mentioned(text) <= EXISTING, f"mentions notebooks that do not exist: {_mentioned(text) - EXISTING}"
    assert not LABEL.findall(text), LABEL.findall(text)


def test_the_mention_finder_finds_what_it_should():
    assert _mentioned("as notebook 06 shows; notebooks 07-08 and 09_rnnlib_pytorch_keras.ipynb") == \
        {"06", "07", "08", "09"}
    assert LABEL.findall("seed 000's task, Seed_004") == ["seed 000", "Seed_004"]
