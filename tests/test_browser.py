"""The widgets in a real browser: JupyterLab renders them, and moving a slider redraws them.

Plain pytest can only check a widget's Python side (set slider.value, read explorer.out).
These tests check what a learner sees: a JupyterLab server on a free local port opens a
notebook the test writes itself, headless Chromium (Debian's package, driven by Playwright)
runs every cell, presses keys on the slider, and reads the text the widget's Output shows.

Without chromium or playwright the tests are skipped with the reason; under CI (the CI
environment variable is set) they fail instead, so CI cannot pass without running them.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import numpy as np
import pytest

pytestmark = pytest.mark.browser

TOKEN = "T"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_S = 60      # JupyterLab on a busy 2-core machine
KERNEL_READY_MS = 60_000
WIDGET_MS = 30_000       # first render includes loading the widget manager
REDRAW_MS = 15_000       # a key press travels to the kernel and the new output comes back


def _need(what: str, missing: bool) -> None:
    if not missing:
        return
    reason = f"browser test needs {what}"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (see .ci/run)")
    pytest.skip(reason)


# --- the notebooks the tests open ---------------------------------------------------------

PROBE_SOURCE = '''\
import ipywidgets as W
from rnnlib.widgets import Explorer


class Probe(Explorer):
    """The smallest explorer: a slider, and text that depends on its value."""

    def __init__(self):
        self.slider = W.IntSlider(value=0, min=0, max=9, description="n")
        self.out = W.Output()
        self.widget = W.VBox([self.slider, self.out])
        self.slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change=None):
        n = self.slider.value
        self.show(f"value: {n}, square: {n * n}")

    def __repr__(self):
        return "Probe()"


Probe()'''

# StepThrough on a fixed small input: T=3 steps of a 2-feature sequence, 2 hidden units.
STEP_X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])             # (T, F)
STEP_WX = np.array([[0.5, -0.3], [0.2, 0.8]])                      # (F, H)
STEP_WH = np.array([[0.1, 0.4], [-0.6, 0.2]])                      # (H, H)
STEP_B = np.array([0.05, -0.1])                                    # (H,)
STEP_SOURCE = f"""\
import numpy as np
from rnnlib.widgets import StepThrough

x = np.array({STEP_X.tolist()})
Wx = np.array({STEP_WX.tolist()})
Wh = np.array({STEP_WH.tolist()})
b = np.array({STEP_B.tolist()})
StepThrough(x, None, Wx, Wh, b)"""


def _write_notebook(path, *sources) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))


# --- the server, the browser, and JupyterLab in it -----------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process we started, and its children (kernels), by its process group id."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _require_browser() -> None:
    _need("Debian's chromium on PATH (apt-get install chromium)", shutil.which("chromium") is None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need("the playwright Python package (pip install -r requirements.txt)", True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A JupyterLab server starting on a free port with a temporary root; not waited for here,
    so that Chromium starts while the server imports. Yields (process, url, root, log path)."""
    _require_browser()
    root = tmp_path_factory.mktemp("lab_root")
    state = tmp_path_factory.mktemp("lab_state")
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"))
    with open(state / "server.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
             "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={root}",
             f"--LabApp.workspaces_dir={state / 'workspaces'}",
             f"--LabApp.user_settings_dir={state / 'settings'}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
    try:
        yield proc, f"http://127.0.0.1:{port}", root, state / "server.log"
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium with a fresh profile directory, for every test in this module."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium_profile")),
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def lab(server, browser):
    """JupyterLab loaded in one browser page, shared by the tests; yields (page, root)."""
    proc, url, root, log = server
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer on {url} in {SERVER_START_S} s:\n"
                            f"{log.read_text()[-3000:]}")
            time.sleep(0.25)
    page = browser.new_page()
    try:
        page.goto(f"{url}/lab?token={TOKEN}")
        page.wait_for_function("() => !!window.jupyterapp", timeout=KERNEL_READY_MS)
        page.evaluate("() => window.jupyterapp.restored.then(() => true)")
        yield page, root
    finally:
        page.close()


KERNEL_IDLE_JS = """(path) => {
    const w = window.jupyterapp.shell.currentWidget;
    if (!w || !w.context || w.context.path !== path) return false;
    const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""

CLOSE_JS = """async (id) => {
    const w = Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.id === id);
    if (!w) return;
    await w.sessionContext.shutdown();
    w.context.model.dirty = false;   // ran cells make it dirty; no "save changes?" dialog
    w.dispose();
}"""


@contextlib.contextmanager
def notebook_running(lab, name, *sources):
    """Write a notebook into the server's root, open it in JupyterLab, run all its cells.

    Yields the notebook's panel (a Playwright Locator), so that tests find only its widgets;
    afterwards shuts its kernel down and closes it.
    """
    page, root = lab
    _write_notebook(root / name, *sources)
    # (the command resolves to the widget, far too deep to send back: return nothing)
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", name)
    page.wait_for_function(KERNEL_IDLE_JS, arg=name, timeout=KERNEL_READY_MS)
    panel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    try:
        yield page.locator(f"[id='{panel_id}']")
    finally:
        page.evaluate(CLOSE_JS, panel_id)


def vector_on_line(text: str, label: str) -> np.ndarray:
    """The numbers in brackets on the line of text that reads `label [n n ...]`."""
    lines = [line for line in text.splitlines()
             if line.strip().startswith(label) and line.strip()[len(label):].lstrip()[:1] == "["]
    assert len(lines) == 1, f"expected one line starting with {label!r} in:\n{text}"
    inside = re.search(r"\[(.*?)\]", lines[0])
    assert inside, f"no [...] vector on the line {lines[0]!r}"
    return np.array([float(n) for n in inside.group(1).split()])


def press_right(panel, times):
    """Focus the slider's handle and press the right arrow key: one step each."""
    handle = panel.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press("ArrowRight")


def type_into_readout(panel, value):
    """Type a value into the number beside the slider and press Enter."""
    readout = panel.locator(".widget-slider .widget-readout").first
    readout.click()
    readout.press("Control+A")
    readout.press_sequentially(str(value))
    readout.press("Enter")


# --- the tests ----------------------------------------------------------------------------

def test_explorer_renders_and_responds_in_jupyterlab(lab):
    from playwright.sync_api import expect

    with notebook_running(lab, "probe.ipynb", PROBE_SOURCE) as panel:
        out = panel.locator(".widget-output")
        # The widget view rendered (not the text/plain fallback "Probe()"), with its first draw.
        expect(out).to_have_text("value: 0, square: 0", timeout=WIDGET_MS)
        press_right(panel, 3)
        expect(out).to_have_text("value: 3, square: 9", timeout=REDRAW_MS)
        type_into_readout(panel, 7)
        expect(out).to_have_text("value: 7, square: 49", timeout=REDRAW_MS)
        # show replaced the old text rather than appending to it.
        expect(out.locator(".jp-OutputArea-output")).to_have_count(1, timeout=REDRAW_MS)


def test_step_through_moves_to_the_right_step_in_jupyterlab(lab):
    from playwright.sync_api import expect

    # The expected states, by the plain recurrence h_t = tanh(x_t Wx + h_{t-1} Wh + b), h0 = 0.
    h = [np.zeros(2)]                                      # h[t] is h_{t-1}, h[t + 1] is h_t
    a = []
    for x_t in STEP_X:
        a.append(x_t @ STEP_WX + h[-1] @ STEP_WH + STEP_B)
        h.append(np.tanh(a[-1]))

    with notebook_running(lab, "step_through.ipynb", STEP_SOURCE) as panel:
        out = panel.locator(".widget-output")
        expect(out).to_contain_text("t = 0 (of 0..2)", timeout=WIDGET_MS)
        for t, presses in [(0, 0), (2, 2), (1, None)]:
            if presses is None:
                type_into_readout(panel, t)
            else:
                press_right(panel, presses)
            expect(out).to_contain_text(f"t = {t} (of 0..2)", timeout=REDRAW_MS)
            text = out.inner_text()
            # The widget prints 4 decimals: agreement to half a unit in the last place.
            for label, expected in [("x_t", STEP_X[t]), ("h_(t-1)", h[t]),
                                    ("a_t (sum)", a[t]), ("h_t = tanh(a_t)", h[t + 1])]:
                np.testing.assert_allclose(vector_on_line(text, label), expected, atol=5e-5,
                                           err_msg=f"{label} at t = {t}:\n{text}")
            # Its figure is drawn too, replacing the previous step's.
            expect(out.locator("img")).to_have_count(1, timeout=REDRAW_MS)


TRAJECTORY_SOURCE = """\
import rnnlib
from rnnlib.widgets import HiddenTrajectory

HiddenTrajectory(rnnlib.Vocab("helo"), word="hello", seed=0)"""


def _final_state(word):
    """h after reading word, by the plain recurrence on the widget's own weights (default sliders)."""
    import rnnlib
    from rnnlib.widgets import HiddenTrajectory

    vocab = rnnlib.Vocab("helo")
    Wx, Wh, b = HiddenTrajectory(vocab, word="hello", seed=0).weights()
    h = np.zeros(2)
    for i in vocab.encode(word):
        h = np.tanh(Wx[i] + h @ Wh + b)          # a one-hot row picks row i of Wx
    return h


def test_hidden_trajectory_follows_a_typed_word_in_jupyterlab(lab):
    from playwright.sync_api import expect

    with notebook_running(lab, "trajectory.ipynb", TRAJECTORY_SOURCE) as panel:
        out = panel.locator(".widget-output")
        expect(out).to_contain_text("reading 'hello'", timeout=WIDGET_MS)
        for word in ["hole", "hex"]:
            box = panel.locator(".widget-text input").first
            box.fill(word)                        # an input event, as typing would send
            box.press("Enter")
            if word == "hex":                     # x is not in the vocabulary: a message, no error
                expect(out).to_contain_text("'x' is not among them", timeout=REDRAW_MS)
                expect(out.locator("img")).to_have_count(0, timeout=REDRAW_MS)
                continue
            expect(out).to_contain_text(f"reading '{word}'", timeout=REDRAW_MS)
            shown = re.search(r"h = \(([-+.\d]+), ([-+.\d]+)\)", out.inner_text())
            assert shown, out.inner_text()
            np.testing.assert_allclose([float(shown.group(1)), float(shown.group(2))],
                                       _final_state(word), atol=5e-5)
            expect(out.locator("img")).to_have_count(1, timeout=REDRAW_MS)


HIDDEN_EXPLORER_SOURCE = """\
import rnnlib
from rnnlib.widgets import HiddenStateExplorer

text = 'she said \\u201chello\\u201d to the cat. the cat said \\u201cmeow\\u201d.\\n' * 4
vocab = rnnlib.Vocab(text)
model = rnnlib.SequenceModel(len(vocab), 8, len(vocab), seed=0)
HiddenStateExplorer(model, vocab, text, {"first_letter": [c == "s" for c in text]},
                    prime="the ", sample_length=30)"""


def test_hidden_state_explorer_renders_its_panels_in_jupyterlab(lab):
    from playwright.sync_api import expect

    T = 4 * len("she said \u201chello\u201d to the cat. the cat said \u201cmeow\u201d.\n")
    with notebook_running(lab, "hidden_explorer.ipynb", HIDDEN_EXPLORER_SOURCE) as panel:
        shown = panel.locator(".widget-tab .widget-output:visible")
        expect(shown).to_contain_text(f"unit 0 over {T} characters", timeout=WIDGET_MS)
        # the coloured text is HTML: one span per character, its value in the title
        expect(shown.locator("span[title]")).to_have_count(T, timeout=REDRAW_MS)
        press_right(panel, 2)                                  # the unit slider comes first
        expect(shown).to_contain_text(f"unit 2 over {T} characters", timeout=REDRAW_MS)
        panel.locator(".lm-TabBar-tab", has_text="select and match").click()
        expect(shown).to_contain_text("The span is empty", timeout=REDRAW_MS)
        upper = panel.locator(".noUi-handle-upper").first
        upper.focus()
        for _ in range(4):
            upper.press("ArrowRight")
        expect(shown).to_contain_text("span 0 to 3: 'she '", timeout=REDRAW_MS)
        panel.locator(".lm-TabBar-tab", has_text="features").click()
        expect(shown).to_contain_text("first_letter", timeout=REDRAW_MS)
        panel.locator(".lm-TabBar-tab", has_text="heatmap").click()
        expect(shown.locator("img")).to_have_count(1, timeout=REDRAW_MS)


HIDDEN_ORDER_SOURCE = """\
import rnnlib
from rnnlib.widgets import HiddenStateExplorer

text = 'x = f(g(1), "a b")\\ny = [2, (3)]\\n' * 4
vocab = rnnlib.Vocab(text)
model = rnnlib.SequenceModel(len(vocab), 8, len(vocab), seed=0)
depth = rnnlib.corpus.text_features(text)["depth"]
HiddenStateExplorer(model, vocab, text, {"depth": depth}, prime="x = ", sample_length=30)"""


def test_hidden_state_explorer_sorts_its_heatmap_and_colours_its_sample_in_jupyterlab(lab):
    """The "rows sorted by" menu redraws the heatmap; the sampling tab shows one coloured cell
    per character of prime and sample, and follows the unit slider above the tabs."""
    from playwright.sync_api import expect

    with notebook_running(lab, "hidden_explorer_order.ipynb", HIDDEN_ORDER_SOURCE) as panel:
        shown = panel.locator(".widget-tab .widget-output:visible")
        expect(shown).to_contain_text("unit 0 over", timeout=WIDGET_MS)
        panel.locator(".lm-TabBar-tab", has_text="heatmap").click()
        expect(shown.locator("img")).to_have_count(1, timeout=REDRAW_MS)
        panel.locator(".widget-dropdown select").select_option(label="r with depth")
        expect(shown).to_contain_text("rows sorted by r with depth, unit 0 in row",
                                      timeout=REDRAW_MS)
        panel.locator(".lm-TabBar-tab", has_text="sampling").click()
        expect(shown).to_contain_text("on the colour of unit 0", timeout=REDRAW_MS)
        expect(shown.locator("span[title]")).to_have_count(4 + 30, timeout=REDRAW_MS)
        first = shown.locator("span[title]").first.get_attribute("title")
        press_right(panel, 3)                                   # the unit slider
        expect(shown).to_contain_text("on the colour of unit 3", timeout=REDRAW_MS)
        expect(shown.locator("span[title]").first).not_to_have_attribute("title", first,
                                                                         timeout=REDRAW_MS)


GATE_SOURCE = """\
import rnnlib
from rnnlib.widgets import GateExplorer

text = 'ab cab. bba a.b ccc\\nab.ba c a b.\\n' * 2
vocab = rnnlib.Vocab('abc .\\n')
model = rnnlib.SequenceModel(len(vocab), 6, len(vocab), cell='lstm', seed=0)
GateExplorer(model, vocab, text, units=[0, 1], width=40)"""

CELL_STYLE_JS = """(el) => {
    const m = el.getAttribute('style').match(/#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/);
    const want = 'rgb(' + m.slice(1).map(h => parseInt(h, 16)).join(', ') + ')';
    return [getComputedStyle(el).backgroundColor, want];
}"""


def test_gate_explorer_draws_strips_and_follows_its_controls_in_jupyterlab(lab):
    from playwright.sync_api import expect

    T = 2 * len("ab cab. bba a.b ccc\nab.ba c a b.\n")
    with notebook_running(lab, "gates.ipynb", GATE_SOURCE) as panel:
        out = panel.locator(".widget-output")
        expect(out).to_contain_text(f"{T} characters; units 0, 1, in the order typed",
                                    timeout=WIDGET_MS)
        expect(out).to_contain_text("unit 1 output o", timeout=REDRAW_MS)
        # the strips are HTML whose colours reach the page (not stripped by a sanitizer) ...
        first = out.locator("span[title^='0 i=']").first
        shown, wanted = first.evaluate(CELL_STYLE_JS)
        assert shown == wanted
        # ... and each cell is one character wide, under its character
        chars = out.locator("b").first
        box, cell = chars.bounding_box(), first.bounding_box()
        assert abs(cell["x"] - box["x"]) < 1 and abs(cell["width"] - box["width"] / 40) < 0.5

        units = panel.locator(".widget-text input").first           # units: type, then Enter
        units.fill("3-4")
        units.press("Enter")
        expect(out).to_contain_text(f"{T} characters; units 3, 4, in the order typed",
                                    timeout=REDRAW_MS)
        expect(out).to_contain_text("unit 4 forget f", timeout=REDRAW_MS)
        expect(out).not_to_contain_text("unit 0 input i", timeout=REDRAW_MS)

        panel.locator(".widget-checkbox", has_text="cell c").locator("input").click()
        expect(out).to_contain_text("unit 3 cell c", timeout=REDRAW_MS)
        panel.locator(".widget-checkbox", has_text="forget f").locator("input").click()
        expect(out).not_to_contain_text("forget f", timeout=REDRAW_MS)

        units.fill("9")                                             # a typo: a sentence
        units.press("Enter")
        expect(out).to_contain_text("There is no unit 9: this model has 6 units",
                                    timeout=REDRAW_MS)
        expect(out.locator("span[title]")).to_have_count(0, timeout=REDRAW_MS)
