"""Take the README's screenshot of the explorer page: assets/explorer_app.png.

    python tools/make_app_screenshot.py                    # writes assets/explorer_app.png
    python tools/make_app_screenshot.py --unit 31 --out /tmp/shot.png

It serves apps/ with Voila on a free loopback port, opens apps/hidden_state_explorer.ipynb in
headless Chromium (Debian's `chromium` package, driven by Python's playwright, as the browser
tests do), waits until the page shows the shipped model's coloured text, types the unit into
the unit slider's box (unit 6 by default: the course model's bracket-depth unit), hovers over
one character so that its value is written out, and saves the top of the page (1100 x 1000
pixels). Voila and its kernel are stopped by their process group id at the end, also after an
error. Nothing is downloaded.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
T = 2000                       # characters the page colours (ExplorerApp's max_chars)
OUTPUTS = ".rnnlib-app .widget-tab .widget-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_voila(state: pathlib.Path, timeout_s: float = 60):
    """Voila serving apps/ on a free port, in its own process group: (process, url)."""
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"))
    log = open(state / "voila.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(ROOT / "apps"), "--no-browser",
         "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=state,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"voila exited with {proc.returncode}; its log is "
                             f"{state / 'voila.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            if time.monotonic() > deadline:
                stop(proc)
                raise SystemExit(f"voila did not answer on {url} in {timeout_s:.0f} s")
            time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    """Stop Voila and its kernel by the process group id it was started in."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def screenshot(url: str, out: pathlib.Path, unit: int, hover: int,
               width: int = 1100, height: int = 1000) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    device_scale_factor=1)
            page.goto(f"{url}/voila/render/hidden_state_explorer.ipynb")
            page.wait_for_function(
                f"() => document.querySelector('{OUTPUTS}')"
                f"?.querySelectorAll('span[title]').length === {T}", timeout=90_000)
            label = page.locator("label.widget-label", has_text=re.compile("^unit$"))
            box = page.locator(".widget-slider", has=label).first.locator(".widget-readout")
            box.click()
            box.press("Control+A")
            box.press_sequentially(str(unit))
            box.press("Enter")
            page.wait_for_function(
                f"() => document.querySelector('{OUTPUTS}').textContent"
                f".includes('unit {unit} over')", timeout=20_000)
            page.evaluate("() => document.activeElement.blur()")
            page.locator(f"{OUTPUTS} span[title]").nth(hover).hover()
            page.wait_for_function(
                "() => (document.querySelector('.rnnlib-hover')?.textContent || '')"
                f".includes('Hovered: character {hover} ')", timeout=20_000)
            page.wait_for_timeout(300)                       # the last paint
            page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": width,
                                                 "height": height})
        finally:
            browser.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "assets" / "explorer_app.png")
    parser.add_argument("--unit", type=int, default=6,
                        help="the unit the text is coloured by (default 6, bracket depth)")
    parser.add_argument("--hover", type=int, default=57,
                        help="the character hovered over, whose value is written out")
    args = parser.parse_args(argv)
    if shutil.which("chromium") is None:
        raise SystemExit("make_app_screenshot: needs Debian's chromium on PATH "
                         "(apt-get install chromium) and the playwright Python package.")
    with tempfile.TemporaryDirectory(prefix="rnnlib_voila_") as state:
        proc, url = start_voila(pathlib.Path(state))
        try:
            screenshot(url, args.out, args.unit, args.hover)
        finally:
            stop(proc)
    print(f"wrote {args.out} (unit {args.unit})")


if __name__ == "__main__":
    main()
