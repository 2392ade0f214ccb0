"""ipywidgets explorers, imported on demand (`import rnnlib.widgets`), so the core of rnnlib
needs neither ipywidgets nor matplotlib.

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
"""
from .explorer import Explorer, HTMLText, output_html, output_text
from .gates import GateExplorer
from .hidden_explorer import HiddenStateExplorer
from .gradient_flow import GradientFlow
from .monitor import TrainingMonitor
from .quiz import Quiz
from .steps import StepThrough, TanhExplorer
from .trajectory import HiddenTrajectory, rotation

__all__ = ["Explorer", "GateExplorer", "GradientFlow", "HTMLText", "HiddenStateExplorer", "HiddenTrajectory", "Quiz",
           "StepThrough", "TanhExplorer", "TrainingMonitor", "output_html", "output_text",
           "rotation"]
