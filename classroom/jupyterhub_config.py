# JupyterHub for a class taking the rnnlib course (JupyterHub 6, classroom/requirements-hub.txt).
#
#   sudo /path/to/course/venv/bin/jupyterhub -f classroom/jupyterhub_config.py
#
# Run it as root from the course's virtual environment (README: "Teaching a class on
# JupyterHub"). What it sets up:
# - Login with the machine's own accounts (PAM): students and teachers are Unix users that
#   classroom/make_students.py creates, in the groups rnnlib-students and rnnlib-teachers; no
#   one else can log in. A student's password is their Unix password (`passwd NAME`).
# - Every user's server is JupyterLab from the course's virtual environment, started as that
#   user in their home folder (mode 700: no student reads another's work).
# - nbgrader's exchange is the shared folder /srv/rnnlib/exchange; every server reads
#   /srv/rnnlib/jupyter/nbgrader_config.py, which names it and the course id, so students'
#   Assignment List shows the course without any setting of their own.
# - The formgrader is a hub-managed service, /services/rnnlib/: JupyterLab started by the
#   hub as the grader account in the course directory /srv/rnnlib/course. Teachers (the Unix
#   group rnnlib-teachers when the hub starts) may open it; students may not.
# The names and folders are in classroom/settings.py (each can be changed from the
# environment). Restart the hub after adding a teacher: the hub reads the teachers' group at
# start-up.
import grp
import importlib.util
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub defines it)

# classroom/settings.py, beside this file (loaded by path: the hub's cwd can be anywhere).
_spec = importlib.util.spec_from_file_location("rnnlib_classroom_settings",
                                               Path(__file__).resolve().with_name("settings.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)


def _members(group):
    try:
        return sorted(grp.getgrnam(group).gr_mem)
    except KeyError:
        raise SystemExit(f"jupyterhub_config.py: no Unix group {group!r}. Create the class first: "
                         f"sudo {S.VENV_BIN / 'python'} classroom/make_students.py CLASS.csv "
                         "--teacher NAME (the course's Python: the system one has no nbgrader)")


TEACHERS = _members(S.TEACHERS_GROUP)

# ---- where it listens, and its state
c.JupyterHub.bind_url = "http://:8000"            # put HTTPS in front of it (or set ssl_cert/ssl_key)
c.JupyterHub.db_url = f"sqlite:///{S.HUB_STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(S.HUB_STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(S.HUB_STATE / "proxy.pid")
if S.PROXY.exists():
    c.ConfigurableHTTPProxy.command = [str(S.PROXY)]

# ---- who logs in: the machine's accounts in the class's two groups
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {S.STUDENTS_GROUP, S.TEACHERS_GROUP}
c.PAMAuthenticator.open_sessions = False          # no login session (utmp, systemd) per server

# ---- every user's server: JupyterLab from the course's environment, as that user
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(S.VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = S.server_environment()
c.Spawner.http_timeout = 120                      # a busy machine starts JupyterLab slowly
c.Spawner.start_timeout = 120

# ---- the teachers, and the formgrader as a service only they can open
c.JupyterHub.load_groups = {S.FORMGRADE_GROUP: {"users": TEACHERS}}
c.JupyterHub.load_roles = [
    {"name": "formgrader-users", "groups": [S.FORMGRADE_GROUP],
     "scopes": [f"access:services!service={S.SERVICE}"]},
]
c.JupyterHub.services = [{
    "name": S.SERVICE,
    "url": f"http://127.0.0.1:{S.FORMGRADER_PORT}",
    "command": [str(S.VENV_BIN / "jupyterhub-singleuser"), f"--ServerApp.root_dir={S.COURSE}"],
    "user": S.GRADER,                             # the hub (root) starts it as this account
    "cwd": str(S.COURSE),
    "environment": {**S.server_environment(), "JUPYTERHUB_DEFAULT_URL": "/formgrader"},
    "oauth_no_confirm": True,
}]
