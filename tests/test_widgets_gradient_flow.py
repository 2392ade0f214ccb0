"""The gradient-flow widget of notebook 06 (rnnlib.widgets.GradientFlow) and its figures
(rnnlib.plots.gradients, rnnlib.plots.truncation_figure).

The expected gradient norms are computed here by hand: the network the widget documents
(one standard-normal Wh from default_rng(seed) divided by its spectral radius and times the
slider's radius, Wx and x from the same generator, b = 0, h0 = 0), its forward pass one np.tanh
(or np.maximum) per step, and the gradient of h_{T-1} . u sent back one step at a time,
dh_{t-1} = (dh_t * act'(a_t)) @ Wh.T. So a slip in the widget's wiring shows up.
"""
import re
import statistics
import time
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from rnnlib.plots import (accuracy_against_gap_figure, eigenvalues_figure, gradient_flow_figure,
                          gradient_norms_figure, slope_histogram_figure, truncation_figure)
from rnnlib.widgets import GradientFlow
from rnnlib.widgets.gradient_flow import RADII

POINTS = re.compile(r"\|\|dL/dh_t\|\|: (.*)")


def by_hand(radius=1.0, input_scale=1.0, T=100, nonlinearity="tanh", seed=0, H=32, F=4, N=8):
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((H, H))
    Wh = W0 / np.abs(np.linalg.eigvals(W0)).max() * radius
    Wx = rng.standard_normal((F, H)) / np.sqrt(F)
    x = input_scale * rng.standard_normal((N, 200, F))[:, :T]
    u = np.random.default_rng(0).standard_normal(H)
    u /= np.linalg.norm(u)
    act = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0.0))
    norms = np.zeros((N, T))
    for n in range(N):
        h, states = np.zeros(H), []
        for t in range(T):
            h = act(x[n, t] @ Wx + h @ Wh)
            states.append(h)
        dh = u.copy()
        for t in range(T - 1, -1, -1):
            norms[n, t] = np.linalg.norm(dh)
            slope = 1 - states[t] ** 2 if nonlinearity == "tanh" else (states[t] > 0).astype(float)
            dh = (dh * slope) @ Wh.T
    return norms.mean(axis=0)


def shown_points(flow):
    """{t: value} parsed from the line '||dL/dh_t||: a at t = 0, b at t = 50, 1 at t = 99'."""
    m = POINTS.search(flow.shown_text())
    assert m, flow.shown_text()
    return {int(t): float(v) for v, t in re.findall(r"(\S+) at t = (\d+)", m.group(1))}


def settings(flow):
    return dict(radius=flow.radius.value, input_scale=flow.input_scale.value, T=flow.T.value,
                nonlinearity=flow.nonlinearity.value)


def has_png(flow):
    return any("image/png" in o.get("data", {}) for o in flow.out.outputs)


@pytest.fixture
def flow():
    return GradientFlow()


def test_first_draw_shows_the_text_and_the_picture(flow):
    kinds = [o["output_type"] for o in flow.out.outputs]
    assert kinds == ["stream", "display_data"] and has_png(flow)
    assert flow.shown_text().startswith("tanh, spectral radius ρ(Wh) = 1 (")
    want = by_hand()
    for t, value in shown_points(flow).items():
        np.testing.assert_allclose(value, want[t], rtol=5e-3)
    assert "vanishing" in flow.shown_text()


@pytest.mark.parametrize("name, value", [("radius", 0.5), ("radius", 1.5), ("radius", 3.0),
                                         ("input_scale", 0.01), ("input_scale", 10.0),
                                         ("T", 37), ("T", 200), ("nonlinearity", "relu")])
def test_every_control_changes_the_output_and_agrees_with_the_hand_computation(flow, name, value):
    before = flow.shown_text()
    getattr(flow, name).value = value
    assert flow.shown_text() != before and has_png(flow)
    want = by_hand(**settings(flow))
    np.testing.assert_allclose(flow.norms(), want, rtol=1e-4)      # tanh at radius 3 is chaotic:
    # round-off of 1e-16 grows to 1e-6 over 100 steps
    points = shown_points(flow)
    assert sorted(points) == sorted({0, flow.T.value // 2, flow.T.value - 1})
    for t, v in points.items():
        np.testing.assert_allclose(v, want[t], rtol=5e-3)


def test_small_inputs_put_the_border_on_the_unit_circle(flow):
    flow.input_scale.value = 0.01
    trend = {}
    for r in (0.9, 1.1):
        flow.radius.value = r
        trend[r] = re.search(r": (vanishing|exploding|about steady)\.", flow.shown_text()).group(1)
    assert trend == {0.9: "vanishing", 1.1: "exploding"}


@pytest.mark.parametrize("change, words", [
    (dict(radius=0.0), r"Exactly 0 for t <= 98 \(Wh = 0: no path back through time\)"),
    (dict(radius=1000.0), r"Exactly 0 for t <= \d+ \(saturated units"),
    (dict(nonlinearity="relu", radius=1000.0), r"inf at t = 0.*\nOverflow: past the float64 range \(inf\) for t <= \d+"),
    (dict(nonlinearity="relu", radius=100.0, T=200), r"The forward pass overflowed.*\(nan\)"),
    (dict(T=1), r"T = 1: the loss sits on h_0 itself"),
    (dict(T=1, radius=0.0, nonlinearity="relu"), r"T = 1: the loss sits on h_0 itself"),
    (dict(input_scale=100.0, radius=1000.0, T=200), r"Exactly 0"),
])
def test_the_extremes_are_shown_in_words_without_a_warning_or_a_crash(flow, change, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # nothing printed to the learner
        before = flow.shown_text()
        for name, value in change.items():
            getattr(flow, name).value = value
    assert flow.shown_text() != before and has_png(flow)
    assert re.search(words, flow.shown_text(), re.S), flow.shown_text()


def test_the_extreme_values_are_the_true_ones(flow):
    flow.radius.value = 0.0
    assert np.all(flow.norms()[:-1] == 0) and flow.norms()[-1] == 1
    flow.nonlinearity.value = "relu"
    flow.radius.value = 1000.0
    n = flow.norms()
    assert np.isinf(n[0]) and np.all(np.isfinite(n[-30:]))
    flow.T.value = 1
    assert flow.norms().tolist() == [1.0]


def test_every_radius_stop_draws():
    flow = GradientFlow(nonlinearity="relu", T=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for r in RADII:
            flow.radius.value = r
            assert has_png(flow) and flow.message.startswith(f"relu, spectral radius ρ(Wh) = {r:g} ")


def test_a_control_move_redraws_in_well_under_100_ms(flow):
    flow.radius.value = 1.1                                 # warm up caches (fonts, background)
    times = []
    for control, values in ((flow.radius, (0.9, 1.2, 2.0, 0.5, 1.0)),
                            (flow.input_scale, (0.1, 10.0, 1.0)),
                            (flow.nonlinearity, ("relu", "tanh")), (flow.T, (60, 100))):
        for value in values:
            t0 = time.process_time()                        # this process only: see test_widgets_trajectory
            control.value = value
            times.append(time.process_time() - t0)
    assert flow.T.value == 100
    assert statistics.median(times) < 0.100, f"median redraw {statistics.median(times):.3f} s"
    assert max(times) < 0.200, times


def test_repr_is_stable_and_names_the_starting_settings(flow):
    flow.radius.value = 2.0
    assert repr(flow) == "GradientFlow(radius=1, input_scale=1, T=100, nonlinearity='tanh', seed=0)"
    other = GradientFlow(radius=0.5, input_scale=0.01, T=7, nonlinearity="relu", seed=3)
    assert repr(other) == "GradientFlow(radius=0.5, input_scale=0.01, T=7, nonlinearity='relu', seed=3)"


def test_constructor_errors_name_the_range():
    with pytest.raises(ValueError, match="radius should be one of the slider's stops"):
        GradientFlow(radius=1.23)
    with pytest.raises(ValueError, match="radius should be one of"):
        GradientFlow(radius=True)
    with pytest.raises(ValueError, match="input_scale should be a number from 0.001 to 100"):
        GradientFlow(input_scale=0.0)
    with pytest.raises(ValueError, match="T should be a whole number from 1 to 200"):
        GradientFlow(T=0)
    with pytest.raises(ValueError, match="nonlinearity should be one of 'tanh', 'relu'"):
        GradientFlow(nonlinearity="leaky_relu")


# --- the figures ----------------------------------------------------------------------------

def test_gradient_flow_figure_puts_each_kind_of_value_where_it_belongs():
    norms = np.array([np.nan, np.inf, 0.0, 1e-5, 1e3, 1.0])
    fig = gradient_flow_figure(norms, np.array([2.0, -0.5 + 0.5j, -0.5 - 0.5j, 50.0]), t_max=10)
    assert isinstance(fig, Figure)
    ax, ax2 = fig.axes
    lines = {id(line): line for line in ax.lines}
    curve = [line for line in lines.values() if line.get_color() == "tab:blue" and line.get_linestyle() == "-"][0]
    x, y = curve.get_data()
    np.testing.assert_array_equal(x, np.arange(6) - 5)                     # t = T-1 at x = 0
    assert np.isnan(y[:3]).all() and np.array_equal(y[3:], [1e-5, 1e3, 1.0])
    marks = {line.get_marker(): line.get_data() for line in ax.lines if line.get_linestyle() == "None"}
    assert marks["v"][0].tolist() == [-3] and marks["^"][0].tolist() == [-4] and marks["x"][0].tolist() == [-5]
    hollow = [line for line in ax2.lines if line.get_markerfacecolor() == "none"][0]
    assert np.isclose(np.hypot(*hollow.get_data()), 0.97 * 3.4).all()          # 50 sits on the edge
    with pytest.raises(ValueError, match="eigenvalues should be a 1-D array"):
        gradient_flow_figure(norms, np.zeros((2, 2)))


def test_the_static_figures_draw_and_check_their_inputs():
    W = np.random.default_rng(0).standard_normal((6, 6))
    assert isinstance(gradient_norms_figure({"a": np.array([0.0, 1e-3, np.inf, 1.0]), "b": np.ones(3)}), Figure)
    assert isinstance(eigenvalues_figure({"W": W, "3W": 3 * W}), Figure)
    assert isinstance(slope_histogram_figure({"before": np.full((3, 4), 0.9), "after": np.zeros(5)}), Figure)
    assert isinstance(accuracy_against_gap_figure([2, 5], [[1.0, 0.9], [0.5, 0.25]], [0.1, 1e-5], chance=0.25), Figure)
    for T, k, align, loss in ((9, 3, "start", "every"), (11, 5, "end", "last"), (1, 4, "start", "last")):
        fig = truncation_figure(T, k, align=align, loss=loss)
        crosses = [line for line in fig.axes[0].lines if line.get_marker() == "x" and len(line.get_xdata())]
        assert len(crosses) == -(-T // k)             # one cut per window (the legend sample is empty)
    with pytest.raises(TypeError, match="curves should be a non-empty dict"):
        gradient_norms_figure([np.ones(3)])
    with pytest.raises(ValueError, match="accuracies should have shape"):
        accuracy_against_gap_figure([2, 5], [1.0, 0.5])
    with pytest.raises(ValueError, match="T should be at most 14"):
        truncation_figure(20, 4)
    with pytest.raises(ValueError, match="loss should be one of 'every', 'last'"):
        truncation_figure(5, 2, loss="first")


def test_loss_per_update_figure_draws_learned_runs_solid_and_the_others_dashed():
    from rnnlib.plots import loss_per_update_figure
    runs = {"seed 0, learned at 3": ([1.4, 0.7, 0.1], True), "seed 1": ([1.4, 1.38, 1.39, 1.41], False)}
    fig = loss_per_update_figure({"gap 20": runs, "gap 40": {"seed 0": ([1.4] * 5, False)}},
                                 chance=np.log(4), chance_label="guessing")
    left, right = fig.axes
    lines = {line.get_label(): line for line in left.lines}
    assert lines["seed 0, learned at 3"].get_linestyle() == "-"
    assert lines["seed 1"].get_linestyle() == "--"
    np.testing.assert_array_equal(lines["seed 1"].get_xdata(), [1, 2, 3, 4])   # updates count from 1
    assert np.allclose(lines["guessing"].get_ydata(), np.log(4))
    assert left.get_title() == "gap 20" and right.get_xlabel() == "update"
    with pytest.raises(TypeError, match="should be a pair \\(losses, learned\\)"):
        loss_per_update_figure({"a": {"b": np.ones(3)}})
    with pytest.raises(ValueError, match="losses should have shape \\(updates,\\)"):
        loss_per_update_figure({"a": {"b": (np.ones((2, 2)), True)}})


def test_the_radius_slider_stops_every_005_from_075_to_3():
    """Notebook 06's table of radii reads every row off the slider; the borders it shows (1 for
    tanh with small inputs, 1.75 for relu, 2.1 for tanh with inputs of size 1) are stops."""
    fine = [round(0.75 + 0.05 * i, 2) for i in range(46)]
    assert fine[-1] == 3.0 and all(r in RADII for r in fine)
    assert all(type(r) is float for r in RADII) and list(RADII) == sorted(RADII)
