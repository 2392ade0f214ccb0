"""ipywidgets explorers, imported on demand (`import rnnlib.widgets`), so the core of rnnlib
needs neither ipywidgets nor matplotlib. They are the package's `widgets` extra:
pip install -e ".[widgets]" (requirements.txt installs them for the course).

    colours     diverging_colours, coloured_text_html, marked_text_html: numbers as colours,
                a text coloured by them as HTML (the numbers: rnnlib.explore)
    explorer    Explorer: the base, an Output redrawn by replacement and a stable text/plain;
                HTMLText (HTML with a plain-text twin), output_text, output_html
    steps       TanhExplorer (tanh(w x) under a slider), StepThrough (one timestep's terms)
    trajectory  HiddenTrajectory (a 2-unit hidden state's path), rotation(theta)
    hidden_explorer  HiddenStateExplorer: a trained model's units over a text, select and
                match, correlation with ground truth, sampling
    monitor     TrainingMonitor: pass it to rnnlib.fit as callback=
    gradient_flow  GradientFlow: ||dL/dh_t|| against t under sliders for Wh's spectral
                radius, the input scale and the length
    quiz        Quiz: multiple-choice questions with feedback on every answer
    gates       GateExplorer: an LSTM's input, forget and output gates as strips under the
                characters of a text, for chosen units
    explorer_app  ExplorerApp: the page apps/hidden_state_explorer.ipynb serves without code
                (uploads read by uploads, features of any text from any_text, training on an
                uploaded text in train_panel)
"""
try:
    import ipywidgets  # noqa: F401
    import matplotlib  # noqa: F401
except ImportError as error:
    raise ImportError(
        f"rnnlib.widgets needs ipywidgets and matplotlib, and {error.name} is not installed. "
        f"Install the widgets extra: pip install -e \".[widgets]\" in the course's folder (or "
        f"pip install -r requirements.txt for the whole course). The core, import rnnlib, "
        f"needs numpy alone.") from error

from .colours import coloured_text_html, diverging_colours, marked_text_html  # noqa: E402
from .explorer import Explorer, HTMLText, output_html, output_text  # noqa: E402
from .explorer_app import ExplorerApp  # noqa: E402
from .gates import GateExplorer  # noqa: E402
from .hidden_explorer import HiddenStateExplorer  # noqa: E402
from .gradient_flow import GradientFlow  # noqa: E402
from .monitor import TrainingMonitor  # noqa: E402
from .quiz import Quiz  # noqa: E402
from .steps import StepThrough, TanhExplorer  # noqa: E402
from .trajectory import HiddenTrajectory, rotation  # noqa: E402

__all__ = ["Explorer", "ExplorerApp", "GateExplorer", "GradientFlow", "HTMLText",
           "HiddenStateExplorer", "HiddenTrajectory", "Quiz", "StepThrough", "TanhExplorer",
           "TrainingMonitor", "coloured_text_html", "diverging_colours", "marked_text_html",
           "output_html", "output_text", "rotation"]
