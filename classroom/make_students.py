"""Make a class: Unix accounts for the students of a class list, the teachers, the grader
account, and the class's shared folders. Run as root, from the course's virtual environment:

    sudo .venv/bin/python classroom/make_students.py class.csv --teacher alice

class.csv is nbgrader's student list (`nbgrader db student import` reads the same file):

    id,first_name,last_name,email
    ada,Ada,Lovelace,ada@example.org

`id` is the student's login name; the other columns may be empty or absent. Every row is
checked before anything is made: a bad row (a name Unix or nbgrader cannot use, a duplicate,
an existing account that is not a student of this class) is printed with its line number and
nothing is changed. Run it again with a longer list: who exists already is left as they are
(their password and files too), so it only adds. A new account has a locked password: set
one with `passwd NAME` (PAM logs students in with it).

It also makes, once: the groups, the grader account (owner of the course directory and the
formgrader), the exchange (a folder everyone may write to, as nbgrader wants it), the course
directory (`python -m rnnlib.course teacher`, run as the grader account), the students'
nbgrader settings and the hub's state folder; and imports the class list into the gradebook.
The names and folders come from classroom/settings.py.
"""
import argparse
import csv
import grp
import importlib.util
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("rnnlib_classroom_settings",
                                               Path(__file__).resolve().with_name("settings.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

# A login name that Unix (useradd), JupyterHub and nbgrader all take as it is: nbgrader joins
# ids with "+" in the exchange, JupyterHub lowercases, useradd refuses most punctuation.
NAME = re.compile(r"[a-z][a-z0-9-]{0,30}\Z")
NAME_RULE = "lowercase letters, digits and '-', starting with a letter, at most 31 characters"


def _user(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _group_members(group):
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


def read_class_list(path, teachers=()):
    """The students' rows of a class list, each checked: (rows, problems), where problems are
    lines "class.csv line N: what is wrong, and how to fix it"."""
    rows, problems, seen = [], [], {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "id" not in [h.strip() for h in reader.fieldnames]:
            return [], [f"{path} line 1: the header must name an 'id' column "
                        f"(id,first_name,last_name,email), got {reader.fieldnames}"]
        for row in reader:
            line = reader.line_num
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            name = row.get("id", "")
            where = f"{path} line {line}"
            if not NAME.match(name):
                problems.append(f"{where}: {name!r} is not a login name this class can use: "
                                f"use {NAME_RULE}")
            elif name in seen:
                problems.append(f"{where}: {name!r} is already on line {seen[name]}: "
                                "each student once")
            elif name in teachers or name == S.GRADER:
                problems.append(f"{where}: {name!r} is a teacher or the grader account, "
                                "not a student: remove the row")
            elif _user(name) and name not in _group_members(S.STUDENTS_GROUP):
                problems.append(f"{where}: the account {name!r} exists and is not a student of "
                                f"this class (not in {S.STUDENTS_GROUP}): refusing to take it "
                                "over; choose another id")
            else:
                seen[name] = line
                rows.append(row)
    return rows, problems


def _run(*cmd, user=None, cwd=None):
    """Run a command (as user), the course's environment first on PATH."""
    if user:
        cmd = ("runuser", "-u", user, "--", *cmd)
    env = {**os.environ, "PATH": f"{S.VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.exit(f"make_students.py: `{' '.join(map(str, cmd))}` failed (exit code "
                 f"{done.returncode}): {done.stderr.strip() or 'it printed no reason'}")


def import_into_gradebook(rows):
    """`nbgrader db student import` of the checked rows, as the grader account (which may not
    read the teacher's own copy of the list)."""
    copy = S.COURSE / ".class_list.csv"
    with open(copy, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["id", "first_name", "last_name", "email"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.chown(copy, _user(S.GRADER).pw_uid, -1)
    try:
        _run(sys.executable, "-m", "nbgrader", "db", "student", "import", copy.name,
             user=S.GRADER, cwd=S.COURSE)
    finally:
        copy.unlink()


def _ensure_group(name):
    try:
        grp.getgrnam(name)
    except KeyError:
        _run("groupadd", name)


def ensure_account(name, group, home_mode=0o700):
    """Create the account (home folder mode 700) in group, or add an existing one to it.
    Return "created" or "exists"."""
    if _user(name) is None:
        _run("useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, name)
        os.chmod(_user(name).pw_dir, home_mode)
        return "created"
    if name not in _group_members(group):
        _run("usermod", "--append", "--groups", group, name)
    return "exists"


def ensure_folders():
    """The grader account, the exchange, the course directory, the students' nbgrader
    settings and the hub's state folder (each made once, then left as it is)."""
    ensure_account(S.GRADER, S.TEACHERS_GROUP)
    grader = _user(S.GRADER)
    teachers = grp.getgrnam(S.TEACHERS_GROUP).gr_gid
    S.ROOT.mkdir(parents=True, exist_ok=True)
    os.chmod(S.ROOT, 0o755)
    S.EXCHANGE.mkdir(exist_ok=True)
    os.chmod(S.EXCHANGE, 0o777)                 # nbgrader's exchange: everyone writes here
    S.STUDENT_CONFIG.mkdir(exist_ok=True)
    os.chmod(S.STUDENT_CONFIG, 0o755)
    (S.STUDENT_CONFIG / "nbgrader_config.py").write_text(S.STUDENT_NBGRADER_CONFIG, encoding="utf-8")
    S.HUB_STATE.mkdir(exist_ok=True)
    os.chmod(S.HUB_STATE, 0o700)                # the hub's database and cookie secret
    if not S.COURSE.exists():
        S.COURSE.mkdir()
        os.chown(S.COURSE, grader.pw_uid, teachers)
        os.chmod(S.COURSE, 0o2770)              # the grader account and the teachers only
    if not (S.COURSE / "nbgrader_config.py").exists():
        _run(sys.executable, "-m", "rnnlib.course", "teacher", str(S.COURSE),
             "--exchange", str(S.EXCHANGE), user=S.GRADER, cwd=S.COURSE)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("class_list", metavar="CLASS.csv", nargs="?",
                        help="the students: nbgrader's id,first_name,last_name,email")
    parser.add_argument("--teacher", action="append", default=[], metavar="NAME",
                        help="a teacher's login name (repeat for more)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit(f"make_students.py: run it as root, with the course's Python (sudo "
                 f"{sys.executable} classroom/make_students.py ...): it creates Unix accounts "
                 f"and groups")
    if importlib.util.find_spec("nbgrader") is None:
        sys.exit(f"make_students.py: {sys.executable} has no nbgrader: run this script with "
                 f"the course's Python (the one in its .venv), which the README installs")
    bad = [t for t in args.teacher if not NAME.match(t)]
    if bad:
        sys.exit(f"make_students.py: --teacher {bad[0]!r} is not a login name this class can "
                 f"use: use {NAME_RULE}")
    rows, problems = read_class_list(args.class_list, args.teacher) if args.class_list else ([], [])
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(f"make_students.py: {len(problems)} bad row(s), nothing was changed: "
                 f"correct {args.class_list} and run it again")

    for group in (S.STUDENTS_GROUP, S.TEACHERS_GROUP):
        _ensure_group(group)
    ensure_folders()
    for teacher in args.teacher:
        print(f"teacher {teacher}: {ensure_account(teacher, S.TEACHERS_GROUP)}")
    for row in rows:
        print(f"student {row['id']}: {ensure_account(row['id'], S.STUDENTS_GROUP)}")
    if rows:            # the formgrader shows their names; re-importing updates them
        import_into_gradebook(rows)
    print(f"class ready in {S.ROOT}: {len(rows)} student(s), {len(args.teacher)} teacher(s) "
          "on this list")


if __name__ == "__main__":
    main()
