"""The names and folders a class on JupyterHub shares: read by jupyterhub_config.py and
make_students.py, so the two always agree.

Each can be changed with an environment variable of the same name (set it for both commands):

    RNNLIB_CLASS_ROOT      /srv/rnnlib        the class's folders (below)
    RNNLIB_STUDENTS_GROUP  rnnlib-students    the Unix group of students
    RNNLIB_TEACHERS_GROUP  rnnlib-teachers    the Unix group of teachers
    RNNLIB_GRADER          grader-rnnlib      the account that owns the course directory and
                                              runs the formgrader

Under RNNLIB_CLASS_ROOT:

    course/     nbgrader's course directory (python -m rnnlib.course teacher), owned by the
                grader account, group teachers; the formgrader runs here
    exchange/   nbgrader's exchange: where release, fetch, submit, collect and feedback meet
    jupyter/    nbgrader_config.py for every student's server (the exchange and course id)
    hub/        JupyterHub's database, cookie secret and proxy pid file (root only)
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

ROOT = Path(os.environ.get("RNNLIB_CLASS_ROOT", "/srv/rnnlib"))
STUDENTS_GROUP = os.environ.get("RNNLIB_STUDENTS_GROUP", "rnnlib-students")
TEACHERS_GROUP = os.environ.get("RNNLIB_TEACHERS_GROUP", "rnnlib-teachers")
GRADER = os.environ.get("RNNLIB_GRADER", "grader-rnnlib")

COURSE_ID = "rnnlib"                # nbgrader's course id (python -m rnnlib.course writes it)
SERVICE = "rnnlib"                  # the formgrader service: /services/rnnlib/formgrader
FORMGRADE_GROUP = f"formgrade-{COURSE_ID}"   # hub group of teachers (nbgrader's naming)
FORMGRADER_PORT = int(os.environ.get("RNNLIB_FORMGRADER_PORT", "9999"))

COURSE = ROOT / "course"
EXCHANGE = ROOT / "exchange"
STUDENT_CONFIG = ROOT / "jupyter"
HUB_STATE = ROOT / "hub"

# The course's virtual environment: the one this Python runs in (the hub is started from it).
VENV_BIN = Path(sys.executable).parent

# configurable-http-proxy from `npm ci` in classroom/ (package-lock.json pins it), else on PATH.
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

STUDENT_NBGRADER_CONFIG = f'''\
# Written by classroom/make_students.py: every student's nbgrader finds the course here.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Exchange.root = {str(EXCHANGE)!r}
'''


def server_environment():
    """What every server the hub starts (a student's, a teacher's, the formgrader) sees:
    the course's environment first on PATH (nbgrader's gradebook calls its `alembic`), and
    the class's nbgrader settings."""
    return {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(STUDENT_CONFIG),
    }
