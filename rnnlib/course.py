"""The student edition of the course, made by nbgrader's own preprocessors.

    python -m rnnlib.course student OUTDIR                  # every notebook in notebooks/
    python -m rnnlib.course student OUTDIR 01_two_timesteps_by_hand.ipynb
    python -m rnnlib.course student OUTDIR --notebooks DIR  # another copy of the course
    python -m rnnlib.course teacher COURSEDIR               # an nbgrader course directory

The committed notebooks are the teacher's edition: every exercise solved between
`### BEGIN SOLUTION` and `### END SOLUTION`, in cells that carry nbgrader's metadata, and
executed. The student edition is what `nbgrader generate_assignment` releases, without a
gradebook: each solution becomes `# YOUR CODE HERE` / `raise NotImplementedError()`, every
output is cleared, grade cells are locked, the notebook's stored widget state is dropped, and
exercise cells are tagged so that Run All goes on past an unfinished exercise.

Text that holds only in the teacher's edition ("in this edition every answer is filled in")
has a student version in the cell's metadata, `"rnnlib": {"student_source": "..."}`: the
student edition shows that text instead (StudentSource).

`teacher` lays the notebooks out as nbgrader expects, with an nbgrader_config.py (the README
has the workflow). Only this module imports nbgrader; `import rnnlib` does not.
"""
import argparse
import shutil
import sys
from pathlib import Path

import nbformat
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import NbGraderPreprocessor, SaveCells
from traitlets.config import Config

# The repository's notebooks/ folder, next to the package (rnnlib is installed editable).
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

# Cell metadata that describes outputs (nbclient's timings, JupyterLab's collapsed/scrolled
# state): meaningless once the outputs are gone.
OUTPUT_METADATA = {"collapsed", "scrolled", "execution", "ExecuteTime"}


class StudentSource(NbGraderPreprocessor):
    """Give a cell its student text: metadata `"rnnlib": {"student_source": TEXT}` becomes the
    cell's source, and the key goes (the teacher's edition keeps both).

    Runs first, before nbgrader's own steps, so that a locked cell's checksum and the
    gradebook's copy of it are those of the text the student sees.
    """

    def preprocess_cell(self, cell, resources, index):
        ours = cell.metadata.get("rnnlib")
        if isinstance(ours, dict) and "student_source" in ours:
            cell.source = ours.pop("student_source")
            if not ours:
                del cell.metadata["rnnlib"]
        return cell, resources


class ClearWidgetState(NbGraderPreprocessor):
    """Drop the notebook-level widget state.

    JupyterLab saves the state of every widget a notebook displayed in
    `metadata.widgets`; with the outputs cleared it describes widgets that no longer
    exist (and can hold a solution's numbers), so the student edition goes without it.
    nbgrader and nbconvert have no preprocessor for this one key.
    """

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return nb, resources


class TagExercises(NbGraderPreprocessor):
    """Tag each exercise cell (a solution to write, or its graded check) `raises-exception`.

    Until the learner writes it, an exercise raises. JupyterLab's Run All stops at the first
    cell that raises, unless the cell carries this tag; with it the rest of the notebook runs
    (it uses rnnlib's own functions), so an unfinished exercise fails only its own check.
    (nbgrader's checksums do not cover tags, so `nbgrader validate` is unaffected.)
    """

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (nbgrader.get("solution") or nbgrader.get("grade")):
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
        return cell, resources


STUDENT_FIRST = [StudentSource]                      # run before nbgrader's own steps
STUDENT_EXTRAS = [ClearWidgetState, TagExercises]   # run after them


def student_preprocessors():
    """`nbgrader generate_assignment`'s own pipeline, minus the step that needs a gradebook.

    The student texts first; then, in nbgrader's order: header/footer (none configured),
    autotests, lock cells, clear solutions, clear outputs, check metadata, checksums (so
    `nbgrader validate` works on the student edition), hidden tests, mark schemes; then the
    widget state and the tags.
    """
    config = Config()
    config.ClearOutput.remove_metadata_fields = OUTPUT_METADATA
    pipeline = GenerateAssignment.class_traits()["preprocessors"].default()
    return [cls(config=config) for cls in STUDENT_FIRST + pipeline + STUDENT_EXTRAS
            if cls is not SaveCells]


def student_edition(nb):
    """Return the student edition of one notebook (a NotebookNode; `nb` is not changed)."""
    nb = nbformat.from_dict(nb)          # a deep copy: the preprocessors edit in place
    resources = {"metadata": {}}
    for preprocessor in student_preprocessors():
        nb, resources = preprocessor.preprocess(nb, resources)
    return nb


def _notebooks(folder, names):
    """The notebooks to convert: the named ones (in folder), or every one in folder."""
    folder = Path(folder)
    if not folder.is_dir():
        sys.exit(f"rnnlib.course: no notebooks folder at {folder}. Pass the course's notebooks/ "
                 "folder with --notebooks DIR (the default works when rnnlib is installed "
                 "editable from the repository: pip install -r requirements.txt).")
    if not names:
        return sorted(folder.glob("*.ipynb")) or sys.exit(f"rnnlib.course: {folder} holds no .ipynb files.")
    # A path to a notebook, or a name in folder, with or without ".ipynb".
    paths = [Path(name) if Path(name).is_file() else folder / Path(name).with_suffix(".ipynb").name
             for name in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        sys.exit(f"rnnlib.course: no such notebook: {', '.join(missing)} (looked in {folder}).")
    return paths


def _copy_support_files(folder, outdir):
    """Copy whatever else the notebooks folder holds (data, images), so relative paths work."""
    outdir = Path(outdir).resolve()
    for item in Path(folder).iterdir():
        skip = item.suffix == ".ipynb" or item.name.startswith(".") or item.name == "__pycache__"
        if skip or outdir.is_relative_to(item.resolve()):    # (never copy OUTDIR into itself)
            continue
        target = Path(outdir) / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)


def write_student_edition(outdir, folder=NOTEBOOKS, names=()):
    """Write the student edition of the notebooks in `folder` (or only `names`) to outdir."""
    outdir = Path(outdir)
    if outdir.resolve() == Path(folder).resolve():
        sys.exit(f"rnnlib.course: OUTDIR {outdir} is the teacher's notebooks folder; choose another.")
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in _notebooks(folder, names):
        target = outdir / path.name
        nbformat.write(student_edition(nbformat.read(path, as_version=4)), target)
        written.append(target)
    _copy_support_files(folder, outdir)
    return written


# nbgrader's own default: a student's nbgrader looks here without any configuration.
EXCHANGE = "/usr/local/share/nbgrader/exchange"

NBGRADER_CONFIG = '''\
# nbgrader's settings for the rnnlib course (written by `python -m rnnlib.course teacher`).
from nbgrader.converters import GenerateAssignment
from rnnlib.course import OUTPUT_METADATA, STUDENT_EXTRAS, STUDENT_FIRST

c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = "rnnlib"
# Where release_assignment, fetch, submit, collect and the feedback meet: a folder every
# student and the teacher can write to. This is nbgrader's default, so students need no
# setting; if you change it, each student's ~/.jupyter/nbgrader_config.py needs the same line.
c.Exchange.root = {exchange!r}
# Released notebooks are the student edition: the cells' student texts, then nbgrader's own
# steps; also drop output metadata and the saved widget state, and tag exercise cells so that
# Run All goes on past an unfinished one.
c.ClearOutput.remove_metadata_fields = OUTPUT_METADATA
c.GenerateAssignment.preprocessors = (
    STUDENT_FIRST + GenerateAssignment.class_traits()["preprocessors"].default() + STUDENT_EXTRAS)
# A check cell deleted from a submission is put back and run (nbgrader's default leaves its
# points to be graded by hand); an edited one is restored in any case.
c.OverwriteCells.add_missing_cells = True
# A training cell takes seconds on a laptop; nbgrader's default of 30 s per cell leaves
# little margin when a busy machine autogrades a class.
c.Execute.timeout = 300
'''


def write_course_directory(coursedir, folder=NOTEBOOKS, names=(), assignment=None,
                           exchange=EXCHANGE):
    """Lay the teacher's notebooks out as an nbgrader course directory.

    One assignment per notebook, named after it (a notebook a week), or all of them in one
    assignment called `assignment`. The nbgrader_config.py it writes (unless one is there)
    names `exchange` as nbgrader's exchange folder.
    """
    coursedir = Path(coursedir)
    sources = []
    for path in _notebooks(folder, names):
        assignment_dir = coursedir / "source" / (assignment or path.stem)
        assignment_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, assignment_dir / path.name)
        _copy_support_files(folder, assignment_dir)
        sources.append(assignment_dir / path.name)
    config = coursedir / "nbgrader_config.py"
    if not config.exists():               # never overwrite the teacher's own settings
        config.write_text(NBGRADER_CONFIG.format(exchange=str(exchange)), encoding="utf-8")
    return sources


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnnlib.course", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in [("student", "write the student edition (solutions replaced by stubs) to OUTDIR"),
                       ("teacher", "lay the notebooks out as an nbgrader course directory in OUTDIR")]:
        command = commands.add_parser(name, help=what, description=what)
        command.add_argument("outdir", metavar="OUTDIR")
        command.add_argument("notebook", nargs="*", help="only these notebooks (default: all)")
        command.add_argument("--notebooks", metavar="DIR", default=NOTEBOOKS,
                             help="the folder of teacher notebooks (default: %(default)s)")
    commands.choices["teacher"].add_argument(
        "--assignment", metavar="NAME", help="one assignment NAME with every notebook "
        "(default: one assignment per notebook, named after it)")
    commands.choices["teacher"].add_argument(
        "--exchange", metavar="DIR", default=EXCHANGE, help="nbgrader's exchange folder, written "
        "to nbgrader_config.py (default: %(default)s, nbgrader's own)")
    args = parser.parse_args(argv)
    if args.command == "student":
        for path in write_student_edition(args.outdir, args.notebooks, args.notebook):
            print("wrote", path)
    else:
        sources = write_course_directory(args.outdir, args.notebooks, args.notebook, args.assignment,
                                         args.exchange)
        print("wrote", *sources, sep="\n  ")
        print(f"next: cd {args.outdir} && nbgrader generate_assignment {sources[-1].parent.name}")


if __name__ == "__main__":
    main()
