"""ipywidgets explorers, imported on demand (`import rnnlib.widgets`), so the core of rnnlib
needs neither ipywidgets nor matplotlib.

    explorer       Explorer: the base, an Output redrawn by replacement and a stable text/plain
    steps          TanhExplorer (tanh(w x) under a slider), StepThrough (one timestep's terms)
    trajectory     HiddenTrajectory (a 2-unit hidden state's path), rotation(theta)
    monitor        TrainingMonitor: pass it to rnnlib.fit as callback=
    gradient_flow  GradientFlow: ||dL/dh_t|| against t under sliders for Wh's spectral
                   radius, the input scale and the length
    quiz           Quiz: multiple-choice questions with feedback on every answer
"""
from .explorer import Explorer, output_text
from .gradient_flow import GradientFlow
from .monitor import TrainingMonitor
from .quiz import Quiz
from .steps import StepThrough, TanhExplorer
from .trajectory import HiddenTrajectory, rotation

__all__ = ["Explorer", "GradientFlow", "HiddenTrajectory", "Quiz", "StepThrough", "TanhExplorer",
           "TrainingMonitor", "output_text", "rotation"]
