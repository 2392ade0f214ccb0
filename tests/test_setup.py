"""A newcomer's set-up: the Python version the README promises is the one the pins need, the
launch command opens the course at the repository root, and what a fresh clone leaves behind
is ignored."""
import importlib.metadata
import pathlib
import re
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def pinned():
    """(name, version) of every 'name==version' line of requirements.txt."""
    out = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            req = Requirement(line)
            out.append((req.name, next(iter(req.specifier)).version))
    return out


def minimum_python():
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    m = re.fullmatch(r">=\s*(\d+\.\d+)", spec)
    assert m, f"requires-python should read '>=X.Y', got {spec!r}"
    return m.group(1)


def test_the_readme_states_the_python_version_of_pyproject():
    assert f"Python {minimum_python()} or newer" in README


def test_every_pinned_package_installs_on_the_minimum_python():
    """Each pin's own Requires-Python (from the installed package's metadata) admits the
    minimum Python we promise; numpy 2.4.6, for one, needs 3.11."""
    oldest = Version(minimum_python() + ".0")
    assert sys.version_info[:2] >= oldest.release[:2]
    refused = []
    for name, version in pinned():
        meta = importlib.metadata.metadata(name)
        assert meta["Version"] == version, f"{name} {meta['Version']} installed, {version} pinned"
        needs = meta.get("Requires-Python")
        if needs and oldest not in SpecifierSet(needs):
            refused.append(f"{name}=={version} needs Python {needs}")
    assert not refused, refused


def test_the_launch_command_opens_the_repository_root_at_notebook_00():
    # `jupyter lab notebooks/00_start_here.ipynb` alone would make notebooks/ the root, and the
    # learner could not open rnnlib/; --notebook-dir=. keeps the root at the repository.
    assert "jupyter lab --notebook-dir=. notebooks/00_start_here.ipynb" in README


@pytest.mark.parametrize("ignored", [".venv/", "student/"])
def test_gitignore_covers_the_virtual_environment_and_the_student_edition(ignored):
    assert ignored in (ROOT / ".gitignore").read_text().splitlines()


def test_ci_removes_its_virtual_environment():
    assert re.search(r"trap 'rm -rf \"\$tmp\"' EXIT", (ROOT / ".ci" / "run").read_text())
