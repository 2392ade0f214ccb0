"""The pages of apps/ as a user sees them: Voila serves them without code, headless Chromium
opens them, and the tests move their controls and upload files.

One Voila server on a free local port serves apps/ for the whole module and is stopped by its
process id; Chromium and the skip rules are tests/test_browser.py's. How long each control
takes from the key press (or change) to the redrawn page is measured in the browser with
performance.now() and printed (pytest -s shows it): a machine shared with other work makes
those times vary too much for an assertion, so none is made on them.
"""
from __future__ import annotations

import io
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from test_browser import _free_port, _require_browser, _stop, browser  # noqa: F401

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER_START_S = 60
PAGE_MS = 90_000          # a page: a new kernel, the imports, the shipped model, the first draw
REDRAW_MS = 15_000        # one control: the message to the kernel and the new outputs back
T = 2000                  # the characters the explorer page shows (ExplorerApp's max_chars)

# The explorer's five panels are the Output widgets inside its tabs, in the order of its tabs.
OUTPUTS = ".rnnlib-app .widget-tab .widget-output"
TEXT, HEATMAP, MATCH, FEATURES, SAMPLE = range(5)


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """Voila serving apps/ on a free port; yields its base URL. Stopped by its process id."""
    _require_browser()
    state = tmp_path_factory.mktemp("voila_state")
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"))
    log_path = state / "voila.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voila", str(ROOT / "apps"), "--no-browser",
             "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=state, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not answer on {url} in {SERVER_START_S} s:\n"
                                f"{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
        yield url
    finally:
        _stop(proc)


# Every key press and change in the page stamps the time; a MutationObserver stamps the moment
# the page shows what the test waits for. The difference is the control's time to redraw.
TIMER_JS = """() => {
    if (window.rnnlibTimer) return;
    window.rnnlibTimer = {t0: null, t1: null};
    for (const kind of ['keydown', 'change', 'click'])
        document.addEventListener(kind, () => { window.rnnlibTimer.t0 = performance.now(); }, true);
}"""

WATCH_JS = """([selector, done]) => {
    const root = document.querySelector(selector);
    const isDone = eval(done);
    window.rnnlibTimer.t1 = null;
    const check = () => {
        if (window.rnnlibTimer.t1 === null && isDone(root)) {
            window.rnnlibTimer.t1 = performance.now();
            observer.disconnect();
        }
    };
    const observer = new MutationObserver(check);
    observer.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def timed(page, action, done, selector=".rnnlib-app"):
    """Run action() (key presses, a change), wait until done(root) is true in the page, and
    return the milliseconds from the last key press or change to that redraw."""
    page.evaluate(TIMER_JS)
    page.evaluate(WATCH_JS, [selector, done])
    action()
    page.wait_for_function("() => window.rnnlibTimer.t1 !== null", timeout=REDRAW_MS)
    return page.evaluate("() => window.rnnlibTimer.t1 - window.rnnlibTimer.t0")


def output_has(index, *texts, spans=None, images=None, also=None):
    """JS: done when the explorer's panel `index` holds every text (and spans coloured
    characters, images figures, also a JS condition on its element o, when given)."""
    checks = [f"o.textContent.includes({t!r})" for t in texts]
    if spans is not None:
        checks.append(f"o.querySelectorAll('span[title]').length === {spans}")
    if images is not None:
        checks.append(f"o.querySelectorAll('img').length === {images}")
    if also is not None:
        checks.append(also)
    inside = OUTPUTS.removeprefix(".rnnlib-app ")
    return (f"(root) => {{ const o = root.querySelectorAll('{inside}')[{index}]; "
            f"return !!o && {' && '.join(checks)}; }}")


def slider(page, label):
    """The handle of the slider whose description is label."""
    name = page.locator("label.widget-label", has_text=re.compile(f"^{re.escape(label)}$"))
    box = page.locator(".widget-slider", has=name)
    return box.locator(".noUi-handle").first


def tab(page, title):
    """The explorer's tab whose title is title."""
    return page.locator(".lm-TabBar-tab", has_text=re.compile(f"^{re.escape(title)}$"))


def press(locator, key, times=1):
    def act():
        locator.focus()
        for _ in range(times):
            locator.press(key)
    return act


def open_page(browser, voila, name):  # noqa: F811
    """A new browser page on apps/name. File choosers it opens are caught from the start
    (upload() fills them in): caught only once asked for, the first one can slip through."""
    page = browser.new_page()
    page.choosers = []
    page.on("filechooser", lambda chooser: page.choosers.append(chooser))
    page.goto(f"{voila}/voila/render/{name}")
    return page


def shows_no_code(page, name):
    """No line of the notebook's code cells is on the page: Voila shows outputs and prose."""
    import nbformat
    nb = nbformat.read(ROOT / "apps" / name, as_version=4)
    text = page.locator("body").inner_text()
    code = [line for cell in nb.cells if cell.cell_type == "code"
            for line in cell.source.splitlines() if line.strip()]
    assert code and not [line for line in code if line in text]


def page_has_no_traceback(page):
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "There was an error" not in text, text[-2000:]
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0


def upload(page, button, name, data):
    """Choose a file with the FileUpload button whose text starts with button, as a user does
    from the keyboard: focus the button, press Enter, pick the file in the chooser."""
    target = page.locator(".rnnlib-app .widget-upload", has_text=button)
    target.focus()
    page.choosers.clear()
    page.keyboard.press("Enter")
    deadline = time.monotonic() + REDRAW_MS / 1000
    while not page.choosers:
        assert time.monotonic() < deadline, f"the button {button!r} opened no file chooser"
        page.wait_for_timeout(20)
    page.choosers.pop().set_files(files=[{"name": name, "mimeType": "application/octet-stream",
                                          "buffer": data}])


def report(page_name, times):
    width = max(map(len, times))
    print(f"\n{page_name}: milliseconds from the change to the redrawn page, in Chromium")
    for control, ms in times.items():
        print(f"  {control:<{width}}  {ms:7.0f}")


# --- the tests ----------------------------------------------------------------------------

def test_explorer_page_colours_the_text_by_the_unit_and_answers_every_control(
        browser, voila):  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(browser, voila, "hidden_state_explorer.ipynb")
    try:
        outputs = page.locator(OUTPUTS)
        expect(outputs.nth(TEXT)).to_contain_text(f"unit 0 over {T} characters", timeout=PAGE_MS)
        expect(outputs.nth(TEXT).locator("span[title]")).to_have_count(T, timeout=REDRAW_MS)
        shows_no_code(page, "hidden_state_explorer.ipynb")
        # each slider's handle carries its label as its name, for a screen reader
        expect(slider(page, "unit")).to_have_attribute("aria-label", "unit")
        expect(page.locator(".rnnlib-app .noUi-handle-upper").first).to_have_attribute(
            "aria-label", "span [start, end) (end)")
        expect(page.locator(".rnnlib-app .rnnlib-vocab")).to_contain_text("0123456789")
        colours = "(o) => Array.from(o.querySelectorAll('span[title]'), s => s.style.background)"
        before = outputs.nth(TEXT).evaluate(colours)

        times = {}
        # the unit slider redraws the panel of the tab shown (the coloured text, the heatmap's
        # outline or the sample's colours), and another panel when its tab is opened: timed
        # with each of the three tabs shown, and to each tab opened after a move
        times["unit, text tab shown"] = timed(
            page, press(slider(page, "unit"), "ArrowRight"),
            output_has(TEXT, f"unit 1 over {T} characters", spans=T))
        after = outputs.nth(TEXT).evaluate(colours)
        assert len(after) == len(before) == T
        changed = sum(a != b for a, b in zip(after, before))
        assert changed > T // 2, f"only {changed} of {T} characters changed colour"
        press(slider(page, "unit"), "ArrowRight")()
        expect(outputs.nth(TEXT)).to_contain_text(f"unit 2 over {T} characters",
                                                  timeout=REDRAW_MS)
        expect(outputs.nth(TEXT).locator("span[title]")).to_have_count(T)

        # the hovered value is written out, and the keyboard readout reads the same value
        seventh = outputs.nth(TEXT).locator("span[title]").nth(7)
        seventh.hover()
        value = seventh.get_attribute("title").split(": ")[1]              # "7: +0.123"
        hover = page.locator(".rnnlib-app .rnnlib-hover")
        expect(hover).to_contain_text("Hovered: character 7 ", timeout=REDRAW_MS)
        expect(hover).to_contain_text(f"value {value} (unit 2)")
        # six presses in a row wait for each other in the kernel: timed to the last, then one
        readout = "(root) => root.querySelector('.rnnlib-readout').textContent.includes({!r})"
        times["read character, 6 presses in a row"] = timed(
            page, press(slider(page, "read character"), "ArrowRight", 6),
            readout.format("character 6 of"))
        times["read character, one press"] = timed(
            page, press(slider(page, "read character"), "ArrowRight"),
            readout.format("character 7 of"))
        expect(page.locator(".rnnlib-app .rnnlib-readout").first).to_contain_text(
            f"unit 2 = {value}")

        # the tabs work from the keyboard
        times["heatmap tab opened after a unit move"] = timed(
            page, press(tab(page, "heatmap"), "Enter"),
            output_has(HEATMAP, "unit 2 outlined", images=1))
        times["window start"] = timed(page, press(slider(page, "window start"), "ArrowRight"),
                                      output_has(HEATMAP, "characters 1 to 80", images=1))
        sort = page.get_by_label("rows sorted by")
        times["rows sorted by"] = timed(
            page, lambda: sort.select_option(label="r with bracket depth"),
            output_has(HEATMAP, "rows sorted by r with bracket depth", images=1))
        times["unit, heatmap tab shown"] = timed(
            page, press(slider(page, "unit"), "ArrowRight"),
            output_has(HEATMAP, "unit 3 outlined", images=1))

        page.locator(".lm-TabBar-tab", has_text="select and match").click()
        upper = page.locator(".rnnlib-app .noUi-handle-upper").first
        times["span, first press"] = timed(page, press(upper, "ArrowRight"),
                                           output_has(MATCH, "span 0 to 0", "threshold ±0.50"))
        times["span, second press"] = timed(page, press(upper, "ArrowRight"),
                                            output_has(MATCH, "span 0 to 1", "threshold ±0.50"))
        times["threshold"] = timed(page, press(slider(page, "threshold ±"), "ArrowLeft"),
                                   output_has(MATCH, "span 0 to 1", "threshold ±0.49"))
        times["units to match"] = timed(
            page, press(slider(page, "units to match"), "ArrowLeft"),
            output_has(MATCH, "are on together", also="/units \\S+, \\S+ are on/.test("
                                                      "o.textContent)"))

        times["sampling tab opened after a unit move"] = timed(
            page, press(tab(page, "sampling"), "Enter"),
            output_has(SAMPLE, "colour of unit 3", spans=206))
        times["unit, sampling tab shown"] = timed(
            page, press(slider(page, "unit"), "ArrowRight"),
            output_has(SAMPLE, "colour of unit 4", spans=206))
        times["temperature"] = timed(page, press(slider(page, "temperature τ"), "ArrowRight"),
                                     output_has(SAMPLE, "temperature τ = 0.85", spans=206))
        prime = page.locator(".rnnlib-app .widget-text", has_text="prime").locator("input")

        def type_prime():
            prime.fill("x = (")
            prime.press("Enter")
        times["prime"] = timed(page, type_prime, output_has(SAMPLE, "temperature", spans=205))

        page.locator(".lm-TabBar-tab", has_text="features").click()
        pattern = page.locator(".rnnlib-app .widget-text", has_text="pattern").locator("input")

        def type_pattern():
            pattern.fill(r"\d+")
            pattern.press("Enter")
        times["pattern (a regular expression)"] = timed(page, type_pattern,
                                                        output_has(FEATURES, r"matches /\d+/"))
        expect(page.locator(".rnnlib-app")).to_contain_text("characters inside a match")
        pattern.fill("(")                                    # not a regular expression: a sentence
        pattern.press("Enter")
        expect(page.locator(".rnnlib-app")).to_contain_text("is not a regular expression Python "
                                                            "reads", timeout=REDRAW_MS)
        pattern.fill("(.|.)+!")              # backtracks for ever: stopped after 1 s, a sentence
        pattern.press("Enter")
        expect(page.locator(".rnnlib-app")).to_contain_text("was still matching 2,000 characters "
                                                            "after 1 s", timeout=REDRAW_MS)
        times["text tab opened after a unit move"] = timed(
            page, press(tab(page, "unit"), "Enter"),
            output_has(TEXT, f"unit 4 over {T} characters", spans=T))
        page_has_no_traceback(page)
        report("explorer page", times)
    finally:
        page.close()


def _npz(**arrays):
    import numpy as np
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(a) for k, a in arrays.items()})
    return buf.getvalue()


BAD_UPLOADS = [
    ("Open a text", "photo.txt", bytes(range(256)) * 8, "photo.txt is a binary file, not text"),
    ("Open a text", "latin.txt", "café crème\n".encode("latin-1"), "latin.txt is not UTF-8 text"),
    ("Open a text", "empty.txt", b"", "empty.txt is empty (0 bytes)"),
    ("Open a checkpoint", "notes.npz", b"just some notes\n", "notes.npz is text, not a checkpoint"),
    ("Open a checkpoint", "arrays.npz", _npz(a=[1.0, 2.0]),
     "arrays.npz cannot be opened: arrays.npz is not an rnnlib checkpoint"),
]


def test_explorer_page_answers_every_bad_upload_with_a_sentence(browser, voila):  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(browser, voila, "hidden_state_explorer.ipynb")
    try:
        outputs = page.locator(OUTPUTS)
        expect(outputs.nth(TEXT)).to_contain_text(f"unit 0 over {T} characters", timeout=PAGE_MS)
        message = page.locator(".rnnlib-app .rnnlib-message[role=status]").first
        for button, name, data, said in BAD_UPLOADS:
            upload(page, button, name, data)
            expect(message).to_contain_text(said, timeout=REDRAW_MS)
            expect(message).to_contain_text("Problem:")
            page_has_no_traceback(page)
        # the page still shows the shipped model, and still answers its controls
        expect(outputs.nth(TEXT).locator("span[title]")).to_have_count(T)
        press(slider(page, "unit"), "ArrowRight")()
        expect(outputs.nth(TEXT)).to_contain_text(f"unit 1 over {T} characters",
                                                  timeout=REDRAW_MS)
        # a good text in the model's characters is explored at once
        upload(page, "Open a text", "mine.txt", b'print(x, "a cat")\n' * 20)
        expect(message).to_contain_text("Opened mine.txt: 360 characters", timeout=REDRAW_MS)
        expect(outputs.nth(TEXT)).to_contain_text("unit 1 over 360 characters",      # kept
                                                  timeout=REDRAW_MS)
        page_has_no_traceback(page)
    finally:
        page.close()


# A small text with capitals and a full stop, which the shipped model has never seen.
CATS = ("The Cat sat on the Mat. " * 10 + "\n") * 12


def test_explorer_page_trains_a_model_on_an_uploaded_text(browser, voila):  # noqa: F811
    """Upload a text the shipped model cannot read, train on it in the page for a few seconds
    (stopped with the Stop button, from the keyboard), and see the new model's vocabulary."""
    from playwright.sync_api import expect

    page = open_page(browser, voila, "hidden_state_explorer.ipynb")
    try:
        outputs = page.locator(OUTPUTS)
        expect(outputs.nth(TEXT)).to_contain_text(f"unit 0 over {T} characters", timeout=PAGE_MS)
        message = page.locator(".rnnlib-app .rnnlib-message[role=status]").first
        upload(page, "Open a text", "cats.txt", CATS.encode())
        expect(message).to_contain_text(f"Read cats.txt: {len(CATS):,} characters",
                                        timeout=REDRAW_MS)
        expect(message).to_contain_text("'T', 'C', 'M', '.'")
        train = page.locator(".rnnlib-app button", has_text="Train")
        train.focus()
        train.press("Enter")
        expect(page.locator(".rnnlib-app")).to_contain_text("characters a second",
                                                            timeout=REDRAW_MS)
        page.wait_for_timeout(2000)                          # a few seconds of training
        stop = page.locator(".rnnlib-app button", has_text="Stop")
        stopped = timed(page, press(stop, "Enter"), "(root) => root.textContent.includes("
                                                    "'stopped because you pressed Stop')")
        expect(message).to_contain_text("Trained a new model on cats.txt: V = 13 characters",
                                        timeout=REDRAW_MS)
        expect(page.locator(".rnnlib-app .rnnlib-vocab")).to_have_text(
            repr("".join(sorted(set(CATS)))), timeout=REDRAW_MS)
        expect(outputs.nth(TEXT)).to_contain_text("over 289 characters")   # its held-out end
        expect(page.locator(".rnnlib-app a[download]")).to_contain_text("Save this model")
        summary = page.locator(".rnnlib-app").inner_text()
        rate = re.search(r"Trained: ([\d,]+) updates in ([\d.]+) s \(([\d,]+) characters a "
                         r"second\)", summary)
        assert rate, summary[-2000:]
        print(f"\ntraining in the page: {rate.group(1)} updates in {rate.group(2)} s, "
              f"{rate.group(3)} characters a second; Stop to the report: {stopped:.0f} ms")
        page_has_no_traceback(page)
    finally:
        page.close()


def test_gradient_flow_page_renders_and_answers_its_controls(browser, voila):  # noqa: F811
    from playwright.sync_api import expect

    page = open_page(browser, voila, "gradient_flow.ipynb")
    try:
        out = page.locator(".widget-output").first
        expect(out).to_contain_text("spectral radius ρ(Wh) = 1 ", timeout=PAGE_MS)
        expect(out.locator("img")).to_have_count(1, timeout=REDRAW_MS)
        shows_no_code(page, "gradient_flow.ipynb")
        first = out.locator("img").get_attribute("src")
        done = ("(root) => root.textContent.includes({!r}) && "
                "root.querySelectorAll('img').length === 1")
        sel = ".widget-output"
        times = {"spectral radius": timed(page, press(slider(page, "spectral radius"),
                                                      "ArrowRight"),
                                          done.format("ρ(Wh) = 1.05 "), sel)}
        assert out.locator("img").get_attribute("src") != first   # the figure was redrawn
        times["input scale"] = timed(page, press(slider(page, "input scale"), "ArrowRight"),
                                     done.format("input scale 1.78"), sel)
        times["length T"] = timed(page, press(slider(page, "length T"), "ArrowLeft"),
                                  done.format("T = 99"), sel)
        relu = page.locator(".widget-toggle-button", has_text="relu")
        times["nonlinearity"] = timed(page, lambda: relu.click(), done.format("relu, spectral"),
                                      sel)
        page_has_no_traceback(page)
        report("gradient-flow page", times)
    finally:
        page.close()
