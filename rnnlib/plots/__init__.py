"""Figures for the notebooks and the widgets, grouped by subject.

Every *_figure function returns a matplotlib Figure and never calls plt.show(), so a widget
can place the figure in its Output and a test can inspect it. Figures are built with
matplotlib.figure.Figure, not pyplot, so building one inside a widget's callback opens no
window and leaks nothing. The *Plot classes are LivePlots: a figure kept alive for a slider,
redrawing only what moves.

    activations   activation_figure, step_terms_figure, tanh_weight_figure,
                  tanh_derivative_figure; StepTermsPlot, TanhWeightPlot
    graphs        two_timesteps_figure, unrolled_graph_figure, sum_over_time_figure,
                  truncation_figure
    trajectories  trajectory_figure
    gradients     gradient_norms_figure, eigenvalues_figure, slope_histogram_figure,
                  accuracy_against_gap_figure, long_gaps_figure, loss_per_update_figure,
                  gradient_flow_figure;
                  GradientFlowPlot
    gates         gates_figure (an LSTM's gates as strips under the characters of a text)
    hidden        hidden_heatmap_figure, unit_by_level_figure, clamp_effects_figure;
                  HiddenHeatmapPlot (units x characters of a text)
    training      training_curves_figure, loss_curves_figure, window_losses_figure,
                  extrapolation_figure, batching_times_figure, sequence_times_figure;
                  TrainingCurvesPlot
    live          LivePlot, the fast-redraw engine under the *Plot classes

matplotlib is the package's `plots` extra: pip install -e ".[plots]" (requirements.txt
installs it for the course); the core, import rnnlib, needs numpy alone.
"""
try:
    import matplotlib  # noqa: F401
except ImportError as error:
    raise ImportError(
        f"rnnlib.plots needs matplotlib, and {error.name} is not installed. Install the plots "
        f"extra: pip install -e \".[plots]\" in the course's folder (or pip install -r "
        f"requirements.txt for the whole course). The core, import rnnlib, needs numpy "
        f"alone.") from error

from .activations import (StepTermsPlot, TanhWeightPlot, activation_figure, step_terms_figure,
                          tanh_derivative_figure, tanh_weight_figure)
from .gradients import (GradientFlowPlot, accuracy_against_gap_figure, eigenvalues_figure,
                        gradient_flow_figure, gradient_norms_figure, long_gaps_figure,
                        loss_per_update_figure, slope_histogram_figure)
from .graphs import (sum_over_time_figure, truncation_figure, two_timesteps_figure,
                     unrolled_graph_figure)
from .gates import gates_figure
from .hidden import (HiddenHeatmapPlot, clamp_effects_figure, hidden_heatmap_figure,
                     unit_by_level_figure)
from .live import LivePlot
from .trajectories import trajectory_figure
from .training import (TrainingCurvesPlot, batching_times_figure,
                       extrapolation_figure, loss_curves_figure, sequence_times_figure,
                       training_curves_figure, window_losses_figure)

__all__ = ["GradientFlowPlot", "HiddenHeatmapPlot", "LivePlot", "StepTermsPlot", "TanhWeightPlot",
           "TrainingCurvesPlot", "accuracy_against_gap_figure", "activation_figure",
           "batching_times_figure", "clamp_effects_figure", "eigenvalues_figure",
           "extrapolation_figure",
           "gates_figure", "gradient_flow_figure", "gradient_norms_figure", "hidden_heatmap_figure",
           "long_gaps_figure", "loss_curves_figure", "loss_per_update_figure", "sequence_times_figure",
           "slope_histogram_figure",
           "step_terms_figure", "sum_over_time_figure", "tanh_derivative_figure", "tanh_weight_figure",
           "training_curves_figure", "trajectory_figure", "truncation_figure", "two_timesteps_figure",
           "unit_by_level_figure", "unrolled_graph_figure", "window_losses_figure"]
