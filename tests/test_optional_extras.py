"""matplotlib and ipywidgets are optional: the package's `plots` and `widgets` extras.

The core (every module of rnnlib but plots and widgets) imports and works with neither
installed; rnnlib.plots and rnnlib.widgets, without them, stop at once with an ImportError that
names the missing package and the extra to install. Each case runs in a fresh interpreter where
a finder on sys.meta_path refuses the blocked packages, as if they were not installed."""
import pathlib
import subprocess
import sys
import textwrap
import tomllib

import pytest
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLOTTING = ("matplotlib", "ipywidgets", "IPython", "PIL")       # and what they bring with them


def run_blocked(blocked, body):
    """Run body (Python source) in a fresh interpreter where importing any of blocked (top-level
    names) raises ImportError as a missing package does; returns the CompletedProcess."""
    code = textwrap.dedent(f"""
        import sys
        BLOCKED = {tuple(blocked)!r}
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        sys.meta_path.insert(0, Block())
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_every_core_module_imports_and_works_without_matplotlib_or_ipywidgets():
    out = run_blocked(PLOTTING, """
        import importlib, pkgutil
        import numpy as np
        import rnnlib
        names = [m.name for m in pkgutil.walk_packages(rnnlib.__path__, "rnnlib.")
                 if not m.name.startswith(("rnnlib.plots", "rnnlib.widgets"))
                 and m.name != "rnnlib.course"]        # the student edition: a tool, needs nbgrader
        for name in names:
            importlib.import_module(name)
        assert {"rnnlib.explore", "rnnlib.probes", "rnnlib.checks", "rnnlib.generate",
                "rnnlib.checkpoint", "rnnlib.corpus", "rnnlib.gradients"} <= set(names), names
        # the explorer's numbers, a check and sampling run without a plotting package
        from rnnlib import explore
        states = np.array([[0.9, -0.1], [0.8, 0.2], [-0.5, 0.1]])
        assert explore.select_units(states, 0, 2, 0.5).units.tolist() == [0]
        def step(x, h_prev, Wx, Wh, b, nonlinearity="tanh"):      # a learner's answer
            pre = x @ Wx + h_prev @ Wh + b
            h = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0),
                 "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a)}[nonlinearity](pre)
            return h, (x, h_prev, Wx, Wh, b, h)
        assert rnnlib.checks.check_rnn_step_forward(step)
        vocab = rnnlib.Vocab("hello")
        model = rnnlib.SequenceModel(len(vocab), 4, len(vocab), seed=0)
        assert len(rnnlib.sample(model, vocab, "h", 5, seed=0)) >= 5
        loaded = [k for k in sys.modules if k.split(".")[0] in BLOCKED]
        assert not loaded, loaded
        print(len(names), "modules")
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("modules"), out.stdout


@pytest.mark.parametrize("package, blocked, extra, missing", [
    ("rnnlib.plots", ("matplotlib",), "plots", "matplotlib"),
    ("rnnlib.widgets", ("ipywidgets", "IPython"), "widgets", "ipywidgets"),
    ("rnnlib.widgets", ("matplotlib",), "widgets", "matplotlib"),
])
def test_plots_and_widgets_name_the_missing_package_and_the_extra(package, blocked, extra, missing):
    out = run_blocked(blocked, f"""
        import rnnlib
        try:
            import {package}
        except ImportError as error:
            print(error)
        else:
            print("imported")
    """)
    assert out.returncode == 0, out.stderr
    message = out.stdout.strip()
    assert message.startswith(f"{package} needs "), message
    assert f"{missing} is not installed" in message, message
    assert f'pip install -e ".[{extra}]"' in message, message
    assert "requirements.txt" in message, message


def test_plots_need_matplotlib_alone():
    out = run_blocked(("ipywidgets", "IPython"), """
        import rnnlib.plots
        fig = rnnlib.plots.activation_figure([-2.0, 0.0, 2.0])
        print(type(fig).__name__)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Figure"


def test_explore_has_no_drawing_left():
    # the coloured-text HTML lives in rnnlib.widgets.colours; explore keeps the measurements
    import rnnlib.explore
    for name in ("diverging_colours", "html_char", "coloured_text_html", "marked_text_html"):
        assert not hasattr(rnnlib.explore, name), name


def extras():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_package_depends_on_numpy_alone_and_offers_the_two_extras():
    project = extras()
    assert [Requirement(r).name for r in project["dependencies"]] == ["numpy"]
    optional = {k: {Requirement(r).name for r in v}
                for k, v in project["optional-dependencies"].items()}
    assert optional == {"plots": {"matplotlib"}, "widgets": {"matplotlib", "ipywidgets"}}


def test_requirements_install_every_extra_at_a_version_the_extra_accepts():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            req = Requirement(line)
            pins[req.name] = next(iter(req.specifier)).version
    for group in extras()["optional-dependencies"].values():
        for spec in map(Requirement, group):
            assert spec.name in pins, f"requirements.txt does not install {spec.name}"
            assert spec.specifier.contains(pins[spec.name]), (spec, pins[spec.name])
