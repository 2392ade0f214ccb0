"""A whole class on JupyterHub (classroom/): a real hub, a teacher and three students.

The round: classroom/make_students.py makes the accounts and folders as the README says; a
real JupyterHub with classroom/jupyterhub_config.py starts on free loopback ports (PAM login,
every server started as its Unix user, configurable-http-proxy from npm); the teacher, with
their own API token, generates and releases notebook 04 through the formgrader service; each
student's server is started through the hub's REST API, and each student fetches and submits
through nbgrader's own handlers in their server (what the Assignment List's buttons call), with
their own token; one submits the teacher's solutions, one a solution with a classic mistake,
one the release untouched. The teacher collects, autogrades, generates and releases feedback
through the formgrader; `nbgrader export` (run as the grader account, as in the formgrader's
terminal) writes grades.csv, whose scores must be the ones the notebook's own points give.
Then, as each student's Unix account: who can read what.

Skipped, with the reason, without root, JupyterHub, node or the proxy; with RNNLIB_REQUIRE_HUB=1
(CI sets it) it fails instead. The accounts it makes (rnnt-*) are removed afterwards, and every
process it started is stopped by its PID.
"""
from __future__ import annotations

import csv
import html
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "classroom"
VENV_BIN = Path(sys.executable).parent
NAME = "04_backprop_through_time"
TEACHER_NB = ROOT / "notebooks" / f"{NAME}.ipynb"

TEACHER = "rnnt-tess"
SOLVED, MISTAKE, UNTOUCHED = STUDENTS = ("rnnt-ada", "rnnt-ben", "rnnt-cy")
GRADER = "rnnt-grader"
GROUPS = {"RNNLIB_STUDENTS_GROUP": "rnnt-students", "RNNLIB_TEACHERS_GROUP": "rnnt-teachers",
          "RNNLIB_GRADER": GRADER}
START_S = 120            # the hub, or a student's server, on a busy 2-core machine


def _load(name):
    spec = importlib.util.spec_from_file_location(f"classroom_{name}", CLASSROOM / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------ the class list (no root needed)

def test_class_list_refuses_bad_rows_with_their_line(tmp_path):
    make = _load("make_students")
    path = tmp_path / "class.csv"
    path.write_text("id,first_name,last_name,email\n"
                    "ada,Ada,Lovelace,ada@example.org\n"
                    "Bad Name,B,,\n"
                    "ada,again,,\n"
                    "x+y,plus,,\n"
                    ",empty,,\n"
                    "alice,a teacher,,\n"
                    "ben,,,\n", encoding="utf-8")
    rows, problems = make.read_class_list(path, teachers=["alice"])
    assert [r["id"] for r in rows] == ["ada", "ben"]
    assert [p.split(": ")[0] for p in problems] == [f"{path} line {n}" for n in (3, 4, 5, 6, 7)]
    assert "'Bad Name' is not a login name" in problems[0] and "lowercase letters" in problems[0]
    assert "'ada' is already on line 2" in problems[1]
    assert "'x+y' is not a login name" in problems[2]
    assert "'' is not a login name" in problems[3]
    assert "'alice' is a teacher" in problems[4]


def test_class_list_needs_an_id_column(tmp_path):
    make = _load("make_students")
    path = tmp_path / "class.csv"
    path.write_text("name,email\nada,ada@example.org\n", encoding="utf-8")
    rows, problems = make.read_class_list(path)
    assert rows == [] and len(problems) == 1
    assert "line 1: the header must name an 'id' column" in problems[0]


# ------------------------------------------------------------ why the hub round cannot run here

def _proxy():
    local = CLASSROOM / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else shutil.which("configurable-http-proxy")


def _why_not():
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "needs root on Linux: it creates Unix accounts and the hub starts servers as them"
    for tool, package in [("useradd", "passwd"), ("runuser", "util-linux"), ("setfacl", "acl")]:
        if shutil.which(tool) is None:
            return f"needs {tool} (apt-get install {package})"
    if importlib.util.find_spec("jupyterhub") is None or not (VENV_BIN / "jupyterhub-singleuser").exists():
        return "JupyterHub is not installed here: pip install -r classroom/requirements-hub.txt"
    if shutil.which("node") is None:
        return "needs node 20 or newer on PATH (apt-get install nodejs npm)"
    if _proxy() is None:
        return "needs configurable-http-proxy: npm ci --prefix classroom"
    return None


def _require_hub():
    reason = _why_not()
    if reason and os.environ.get("RNNLIB_REQUIRE_HUB") == "1":
        pytest.fail(f"the JupyterHub round {reason}; RNNLIB_REQUIRE_HUB=1 asks for it (.ci/run)")
    if reason:
        pytest.skip(f"the JupyterHub round {reason}")


# ------------------------------------------------------------ accounts, folders, processes

def _run(*cmd, user=None, check=True, **kw):
    if user:
        cmd = ("runuser", "-u", user, "--", *cmd)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    if check:
        assert done.returncode == 0, f"{cmd}: {done.stdout}{done.stderr}"
    return done


def _uid(name):
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _pids_of(uids):
    """Every process whose real uid is one of uids (our test accounts own nothing else)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


def _stop_pid(pid, timeout=15):
    """SIGTERM one process by its PID, then SIGKILL it if it is still there after timeout."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


ACCOUNTS = [TEACHER, *STUDENTS, GRADER]


def _remove_accounts():
    uids = {u for u in map(_uid, ACCOUNTS) if u is not None}
    for pid in _pids_of(uids):
        _stop_pid(pid, timeout=5)
    for name in ACCOUNTS:
        if _uid(name) is not None:
            _run("userdel", "--remove", name, check=False)
    for group in (GROUPS["RNNLIB_STUDENTS_GROUP"], GROUPS["RNNLIB_TEACHERS_GROUP"]):
        _run("groupdel", group, check=False)


def _blocked_dirs(paths):
    """The folders on the way to paths that other users cannot enter (no o+x), e.g. /root
    when Python was installed by pyenv there."""
    blocked = set()
    for path in paths:
        for parent in Path(path).resolve().parents:
            if not os.stat(parent).st_mode & 0o001:
                blocked.add(parent)
    return sorted(blocked)


@pytest.fixture(scope="module")
def classroom():
    """The class as the README makes it: groups, accounts, folders, the course directory."""
    _require_hub()
    _remove_accounts()                               # what an interrupted run left
    root = Path(tempfile.mkdtemp(prefix="rnnlib-class-", dir="/tmp"))
    os.chmod(root, 0o755)
    env = {**os.environ, **GROUPS, "RNNLIB_CLASS_ROOT": str(root)}
    for group in (GROUPS["RNNLIB_STUDENTS_GROUP"], GROUPS["RNNLIB_TEACHERS_GROUP"]):
        _run("groupadd", group)
    # The course's Python must be reachable by the class's accounts. Where a folder on the way
    # is closed (pyenv's /root), the two groups get only the right to pass through it, for
    # this test: an ACL entry, removed at the end.
    needed = [os.path.realpath(sys.executable), sysconfig.get_paths()["stdlib"], sys.prefix, ROOT]
    blocked = _blocked_dirs(needed)
    plain = {f for f in blocked if _run("getfacl", "--skip-base", "-p", str(f)).stdout.strip() == ""}
    acl = ",".join(f"g:{g}:x" for g in (GROUPS["RNNLIB_STUDENTS_GROUP"], GROUPS["RNNLIB_TEACHERS_GROUP"]))
    for folder in blocked:
        _run("setfacl", "-m", acl, str(folder))
    try:
        class_list = root / "class.csv"
        class_list.write_text("id,first_name,last_name,email\n" + "".join(
            f"{s},{s[5:].title()},Student,\n" for s in STUDENTS), encoding="utf-8")
        made = _run(sys.executable, str(CLASSROOM / "make_students.py"), str(class_list),
                    "--teacher", TEACHER, env=env)
        again = _run(sys.executable, str(CLASSROOM / "make_students.py"), str(class_list),
                     "--teacher", TEACHER, env=env)
        yield {"root": root, "env": env, "made": made.stdout, "again": again.stdout}
    finally:
        for folder in blocked:          # back as it was: no ACL at all, or without our entries
            _run("setfacl", *(["-b"] if folder in plain else ["-x", acl.replace(":x", "")]),
                 str(folder), check=False)
        _remove_accounts()
        shutil.rmtree(root, ignore_errors=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """A running hub: its process, URL, the admin token of the test's own service."""

    def __init__(self, proc, url, admin, log, state):
        self.proc, self.url, self.admin, self.log, self.state = proc, url, admin, log, state

    def call(self, method, path, token, body=None, query=None, timeout=600):
        url = self.url + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"token {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text.strip()[:1] in ("[", "{") else text)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def ok(self, method, path, token, **kw):
        status, body = self.call(method, path, token, **kw)
        assert status in (200, 201, 202, 204), f"{method} {path}: {status} {str(body)[:2000]}"
        return body


@pytest.fixture(scope="module")
def hub(classroom):
    """JupyterHub with classroom/jupyterhub_config.py, on free loopback ports. The test's
    additions (ports, a service whose token may create users and their tokens) are in a small
    config file that loads the class's one first."""
    root, env = classroom["root"], dict(classroom["env"])
    state = root / "hub"                        # mode 700: the admin token stays root's
    admin = os.urandom(16).hex()
    port, hub_port, api_port, fg_port = (_free_port() for _ in range(4))
    env["RNNLIB_FORMGRADER_PORT"] = str(fg_port)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
    (state / "test_config.py").write_text(f'''\
load_subconfig({str(CLASSROOM / "jupyterhub_config.py")!r})
c = get_config()
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.services.append({{"name": "test-admin", "api_token": {admin!r}}})
c.JupyterHub.load_roles.append({{"name": "test-admin", "services": ["test-admin"],
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"]}})
''', encoding="utf-8")
    log = state / "hub.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(state / "test_config.py")],
                                cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    running = Hub(proc, f"http://127.0.0.1:{port}", admin, log, state)
    try:
        deadline = time.monotonic() + START_S
        while True:
            assert proc.poll() is None, f"the hub exited: {log.read_text()[-3000:]}"
            try:
                if running.call("GET", "/hub/api/", admin, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no hub after {START_S} s: {log.read_text()[-3000:]}"
            time.sleep(0.5)
        yield running
    finally:
        leftovers = _stop_hub(running)
        print(f"\nprocesses the hub had not stopped, stopped by PID: {leftovers or 'none'}")


def _stop_hub(hub):
    """Stop every user's server through the REST API, then the hub by its PID (it stops the
    proxy and the formgrader), then whatever is left, each by its PID. Returns the PIDs that
    had to be stopped by the test itself."""
    for user in [TEACHER, *STUDENTS]:
        try:
            hub.call("DELETE", f"/hub/api/users/{user}/server", hub.admin, timeout=60)
        except Exception:               # whatever the API answers, the hub is stopped below
            pass
    proxy_pid_file = hub.state / "proxy.pid"
    proxy_pid = int(proxy_pid_file.read_text()) if proxy_pid_file.exists() else None
    if hub.proc.poll() is None:
        hub.proc.send_signal(signal.SIGTERM)
        try:
            hub.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.proc.kill()
            hub.proc.wait(timeout=10)
    leftovers = _pids_of({_uid(u) for u in ACCOUNTS} - {None})
    if proxy_pid:
        try:
            os.kill(proxy_pid, 0)
            leftovers.append(proxy_pid)
        except ProcessLookupError:
            pass
    for pid in leftovers:
        _stop_pid(pid)
    return leftovers


# ------------------------------------------------------------ the round

def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _submission(released, kind):
    """What a student hands in: the teacher's solutions, the same with one classic mistake in
    rnn_backward (the gradient from later steps forgotten), or the release untouched."""
    if kind == UNTOUCHED:
        return released
    teacher = nbformat.read(TEACHER_NB, as_version=4)
    solved = {_meta(c)["grade_id"]: c.source for c in teacher.cells if _meta(c).get("solution")}
    if kind == MISTAKE:
        right = "dh[:, t] + dh_from_next, step_cache)"
        assert right in solved["nb04_rnn_backward"], "notebook 04's rnn_backward changed: update MISTAKE"
        solved["nb04_rnn_backward"] = solved["nb04_rnn_backward"].replace(right, "dh[:, t], step_cache)")
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        if _meta(cell).get("solution"):
            cell.source = solved[_meta(cell)["grade_id"]]
    return nb


def _expected_scores():
    """From the teacher's notebook alone: the points of its autograded checks (code cells),
    and of every graded cell (the written answers too, which wait for the teacher: 0 until
    then). The mistake fails rnn_backward's check and only that one."""
    teacher = nbformat.read(TEACHER_NB, as_version=4)
    graded = {_meta(c)["grade_id"]: (c.cell_type, _meta(c)["points"])
              for c in teacher.cells if _meta(c).get("grade")}
    code = sum(p for kind, p in graded.values() if kind == "code")
    total = sum(p for _, p in graded.values())
    lost = graded["check_nb04_rnn_backward"][1]
    return {SOLVED: code, MISTAKE: code - lost, UNTOUCHED: 0}, total


def test_a_class_round_on_jupyterhub(classroom, hub):
    t0 = time.monotonic()
    times = {}
    root = classroom["root"]
    made = classroom["made"]
    assert f"teacher {TEACHER}: created" in made
    assert all(f"student {s}: created" in made for s in STUDENTS)
    assert all(f"student {s}: exists" in classroom["again"] for s in STUDENTS)   # idempotent

    # Each person: a hub user with an API token of their own (what logging in gives them).
    tokens = {}
    for user in [TEACHER, *STUDENTS]:
        status, body = hub.call("POST", f"/hub/api/users/{user}", hub.admin)
        assert status in (201, 409), body          # 409: a teacher, made at start-up (load_groups)
        tokens[user] = hub.ok("POST", f"/hub/api/users/{user}/tokens", hub.admin,
                              body={"note": "test round"})["token"]

    # The formgrader is the teachers' service: a student's token is refused.
    fg = "/services/rnnlib/formgrader/api"
    assert hub.call("GET", f"{fg}/status", tokens[TEACHER])[0] == 200
    assert hub.call("GET", f"{fg}/status", tokens[SOLVED])[0] == 403
    status, landing = hub.call("GET", "/services/rnnlib/", tokens[TEACHER])   # its start page
    assert status == 200 and "Manage Assignments" in landing, (status, str(landing)[:500])

    # The teacher generates and releases notebook 04 (the formgrader's Generate and Release).
    # Manage Assignments lists every notebook of the course directory, none released yet.
    teacher = tokens[TEACHER]
    listed = hub.ok("GET", f"{fg}/assignments", teacher)
    assert sorted(a["name"] for a in listed) == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert {a["status"] for a in listed} == {"draft"}
    for action in ("assign", "release"):
        result = hub.ok("POST", f"{fg}/assignment/{NAME}/{action}", teacher)
        assert result["success"], result
    times["teacher: generate and release"] = time.monotonic() - t0

    # The students' servers, started through the REST API, all at once.
    t1 = time.monotonic()
    for student in STUDENTS:
        status, body = hub.call("POST", f"/hub/api/users/{student}/server", hub.admin)
        assert status in (201, 202) or "already running" in str(body), (status, body)
    deadline = time.monotonic() + START_S
    while True:
        users = [hub.ok("GET", f"/hub/api/users/{s}", hub.admin) for s in STUDENTS]
        if all(u["server"] and not u["pending"] for u in users):
            break
        assert time.monotonic() < deadline, f"servers not ready: {users}"
        time.sleep(0.5)
    times["three students' servers started"] = time.monotonic() - t1

    # Each student fetches, works, saves and submits through their own server.
    t1 = time.monotonic()
    course = {"course_id": "rnnlib", "assignment_id": NAME}
    path = f"{NAME}/{NAME}.ipynb"

    def student_round(student):
        base, token = f"/user/{student}", tokens[student]
        offered = hub.ok("GET", f"{base}/assignments", token, query={"course_id": "rnnlib"})
        assert [(a["assignment_id"], a["status"]) for a in offered["value"]] == [(NAME, "released")]
        listing = hub.ok("POST", f"{base}/assignments/fetch", token, query=course)
        assert listing["success"] and listing["value"][0]["status"] == "fetched", listing
        released = hub.ok("GET", f"{base}/api/contents/{path}", token)
        nb = _submission(nbformat.from_dict(released["content"]), student)
        hub.ok("PUT", f"{base}/api/contents/{path}", token,
               body={"type": "notebook", "format": "json", "content": nb})
        result = hub.ok("POST", f"{base}/assignments/submit", token, query=course)
        assert result["success"], result

    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        list(pool.map(student_round, STUDENTS))
    times["students: fetch, save, submit"] = time.monotonic() - t1

    # The teacher collects, autogrades, generates and releases feedback, then exports.
    t1 = time.monotonic()
    assert hub.ok("POST", f"{fg}/assignment/{NAME}/collect", teacher)["success"]
    for student in STUDENTS:
        result = hub.ok("POST", f"{fg}/submission/{NAME}/{student}/autograde", teacher)
        assert result["success"], result
    for action in ("generate_feedback", "release_feedback"):
        result = hub.ok("POST", f"{fg}/assignment/{NAME}/{action}", teacher)
        assert result["success"], result
    coursedir = root / "course"
    path_env = {**classroom["env"], "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    _run(str(VENV_BIN / "nbgrader"), "export", user=GRADER, cwd=coursedir, env=path_env)
    times["teacher: collect, autograde 3, feedback, export"] = time.monotonic() - t1

    with open(coursedir / "grades.csv", newline="") as f:
        grades = {row["student_id"]: row for row in csv.DictReader(f)}
    expected, total = _expected_scores()
    assert expected == {SOLVED: 8, MISTAKE: 5, UNTOUCHED: 0} and total == 13   # 2+3+3 code, 5 written
    assert {s: float(grades[s]["score"]) for s in STUDENTS} == {s: float(v) for s, v in expected.items()}
    assert {s: float(grades[s]["max_score"]) for s in STUDENTS} == {s: float(total) for s in STUDENTS}

    # Each student fetches their feedback: their own page, with their own diagnosis.
    t1 = time.monotonic()
    pages = {}
    for student in STUDENTS:
        base, token = f"/user/{student}", tokens[student]
        hub.ok("POST", f"{base}/assignments/fetch_feedback", token, query=course)
        folders = hub.ok("GET", f"{base}/api/contents/{NAME}/feedback", token)["content"]
        assert len(folders) == 1, folders                          # one submission, one page
        page = hub.ok("GET", f"{base}/api/contents/{folders[0]['path']}/{NAME}.html", token)
        pages[student] = page["content"]
    times["students: fetch feedback"] = time.monotonic() - t1
    for student, page in pages.items():           # each page: its own student's score
        assert f"Score: {float(expected[student])} / {float(total)}" in page, student
    failed = {s: re.findall(r"AssertionError: (check_\w+)", html.unescape(re.sub("<[^>]+>", "", p)))
              for s, p in pages.items()}
    assert failed[SOLVED] == [] and "not implemented yet" not in pages[SOLVED]
    assert failed[MISTAKE] == ["check_rnn_backward"]   # with the check's own diagnosis:
    assert "ignore the gradient" in pages[MISTAKE]
    assert sorted(failed[UNTOUCHED]) == sorted(["check_rnn_step_backward", "check_rnn_backward",
                                                "check_many_to_one_gradients"])
    assert "not implemented yet" in pages[UNTOUCHED]

    # As each student's own Unix account: another student's work, the exchange's inbox and
    # feedback, and the course directory cannot be read or listed.
    exchange = root / "exchange" / "rnnlib"
    for student in STUDENTS:
        for other in STUDENTS:
            if other != student:
                denied = _run("cat", f"/home/{other}/{path}", user=student, check=False)
                assert denied.returncode != 0 and "Permission denied" in denied.stderr, (student, other)
        for folder in (exchange / "inbound", exchange / "feedback", coursedir / "submitted",
                       coursedir / "autograded", coursedir / "feedback"):
            denied = _run("ls", str(folder), user=student, check=False)
            assert denied.returncode != 0 and "Permission denied" in denied.stderr, (student, folder)
        assert _run("cat", f"/home/{student}/{path}", user=student).stdout   # their own: yes
    # ... while the teacher's account reads the course directory (group rnnt-teachers).
    assert _run("ls", str(coursedir / "submitted"), user=TEACHER).stdout.split() == sorted(STUDENTS)

    times["the whole round"] = time.monotonic() - t0
    print("\nJupyterHub round, seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))


# ------------------------------------------------------------ the login page, in a real browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_login_page_in_headless_chromium(hub):
    """A student logs in on the hub's login page with their Unix password (PAM) and lands in
    their own JupyterLab; a wrong password is refused on the same page."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if shutil.which("chromium") is None or sync_playwright is None:
        reason = "needs Debian's chromium and the playwright package (requirements.txt)"
        if os.environ.get("RNNLIB_REQUIRE_HUB") == "1":
            pytest.fail(f"the hub's login page {reason}")
        pytest.skip(f"the hub's login page {reason}")
    student = UNTOUCHED
    password = os.urandom(12).hex()
    subprocess.run(["chpasswd"], input=f"{student}:{password}\n", text=True, check=True)
    t0 = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{hub.url}/hub/login")
            page.fill("#username_input", student)
            page.fill("#password_input", "not-" + password)
            page.click("#login_submit")
            page.wait_for_selector("text=Invalid username or password", timeout=30_000)
            page.fill("#username_input", student)
            page.fill("#password_input", password)
            page.click("#login_submit")
            page.wait_for_url(re.compile(rf"/user/{student}/lab"), timeout=START_S * 1000)
            page.wait_for_selector(".jp-LabShell", timeout=START_S * 1000)   # JupyterLab drawn
            assert page.url.startswith(f"{hub.url}/user/{student}/lab"), page.url
        finally:
            browser.close()
    print(f"\nlogin page to JupyterLab in Chromium: {time.monotonic() - t0:.1f} s")
