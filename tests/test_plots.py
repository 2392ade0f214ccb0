"""rnnlib.plots: the figure functions of the graphs and training modules, the fast-redraw
TrainingCurvesPlot, and the package's naming rules (figures end in _figure, live plots in
Plot, no module uses another's private names).

Expected numbers are written out by hand next to each assertion.
"""
import ast
import inspect
import io
import pathlib

import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

import rnnlib
from rnnlib import plots

PACKAGE = pathlib.Path(rnnlib.__file__).parent


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


# --- graphs -------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1, 2, 4])
def test_unrolled_graph_has_one_column_per_step(T):
    fig = plots.unrolled_graph_figure(T)
    shown = texts(fig)
    for t in range(T):                                              # steps count from 0
        for node in ("x", "a", "h", "L"):
            assert f"${node}_{t}$" in shown
    assert f"$x_{T}$" not in shown and "$a_{-1}$" not in shown and "$h_{-1}$" in shown
    # W_h is one box, drawn once, with an arrow into every a_t (labelled "$W_h$") ...
    boxes = [s for s in shown if "dW_h" in s]
    assert len(boxes) == 1 and r"\sum_t h_{t-1}^\top da_t" in boxes[0]
    assert shown.count("$W_h$") == T
    # ... and every step sends its share h_{t-1}^T da_t up into that box: the sum over time
    shares = [r"$h_{%d}^\top da_{%d}$" % (t - 1, t) for t in range(T)]
    assert all(shown.count(share) == 1 for share in shares)
    arrows = [s for s in shown if s not in boxes]
    backward = [s for s in arrows if "da_" in s or s.startswith("$g_") or "act$'$" in s]
    assert len(backward) == 5 * T            # per step: g_t, act', to h_{t-1}, to x_t, to dW_h
    forward_only = texts(plots.unrolled_graph_figure(T, gradients=False))
    assert [s for s in forward_only if "(H, H)" in s] == [r"$W_h$ $(H, H)$: one matrix, used at every step"]
    assert not [s for s in forward_only if "da_" in s or s.startswith("$g_") or "dW_h" in s]
    assert forward_only.count("$W_h$") == T and "$a_0$" in forward_only


def test_unrolled_graph_refuses_a_drawing_too_long_to_read():
    with pytest.raises(ValueError, match="unrolled_graph_figure: T should be at most 8"):
        plots.unrolled_graph_figure(9)


def test_sum_over_time_prints_each_part_and_their_sum():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, 0.5], [-1.0, 0.0]])
    fig = plots.sum_over_time_figure([a, b], ["step 1", "step 2"], total_label="dWh")
    assert [ax.get_title() for ax in fig.axes] == ["step 1", "step 2", "dWh"]
    # 1 + 0.5, 2 + 0.5, 3 - 1, 4 + 0, row by row
    assert [t.get_text() for t in fig.axes[2].texts] == ["1.50", "2.50", "2.00", "4.00"]
    with pytest.raises(ValueError, match="2 labels for 1 parts"):
        plots.sum_over_time_figure([a], ["one", "two"])
    with pytest.raises(ValueError, match="2-D arrays of one shape"):
        plots.sum_over_time_figure([a, np.ones(3)], ["one", "two"])


# --- training -----------------------------------------------------------------------------

def test_batching_times_is_log_log_with_slope_one_guides_and_the_speed_up():
    fig = plots.batching_times_figure([1, 10, 100], [2e-6, 20e-6, 150e-6], [2e-6, 3e-6, 10e-6])
    left, right = fig.axes
    for ax in (left, right):                       # the reader is told the axes are logarithmic
        assert ax.get_xscale() == ax.get_yscale() == "log"
        assert "log scale" in ax.get_xlabel() and "log scale" in ax.get_ylabel()
    assert "log-log" in fig.get_suptitle()
    guides = [ln for ln in left.lines if ln.get_linestyle() == ":"]
    np.testing.assert_allclose(guides[0].get_ydata(), [2.0, 20.0, 200.0])   # 2 us * N, loop's first point
    np.testing.assert_allclose(guides[1].get_ydata(), [1.0, 10.0])          # 10 us * N / 100, batched's last
    speed_up = right.lines[0]
    np.testing.assert_allclose(speed_up.get_ydata(), [1.0, 20 / 3, 15.0])   # loop / batched
    with pytest.raises(ValueError, match="batching_times_figure: .*should be positive"):
        plots.batching_times_figure([0, 10], [1e-6, 1e-5], [1e-6, 1e-6])
    with pytest.raises(ValueError, match="loop_seconds should have shape"):
        plots.batching_times_figure([1, 10], [1e-6], [1e-6, 1e-6])


def test_sequence_times_is_log_log_with_one_legend_and_slope_one_guides():
    by_n = {"loop": [1e-3, 2e-3, 4e-3], "batched": [1e-4, 1.2e-4, 4e-4]}      # N = 1, 4, 16
    by_t = {"loop": [1e-3, 2e-3], "batched": [1e-4, 2e-4]}                    # T = 10, 20
    fig = plots.sequence_times_figure([1, 4, 16], by_n, [10, 20], by_t, T=25, N=8)
    left, right = fig.axes
    for ax in (left, right):
        assert ax.get_xscale() == ax.get_yscale() == "log"
        assert "log scale" in ax.get_xlabel() and "log scale" in ax.get_ylabel()
    assert "log-log" in fig.get_suptitle()
    assert left.get_title().endswith("T = 25") and right.get_title().endswith("N = 8")
    np.testing.assert_allclose(left.lines[1].get_ydata(), [0.1, 0.12, 0.4])   # milliseconds
    guides = [ln for ln in left.lines if ln.get_linestyle() == ":"]
    np.testing.assert_allclose(guides[0].get_ydata(), [1.0, 4.0, 16.0])       # 1 ms * N, loop's first
    np.testing.assert_allclose(guides[1].get_ydata(), [0.1, 0.4])              # 0.4 ms * N / 16, N >= 4
    (guide,) = [ln for ln in right.lines if ln.get_linestyle() == ":"]
    np.testing.assert_allclose(guide.get_ydata(), [1.0, 2.0])                  # 1 ms * T / 10
    # one legend for both panels: each forward has one style, the same on both sides
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["loop", "batched"]
    assert [(ln.get_color(), ln.get_marker()) for ln in left.lines[:2]] == \
        [(ln.get_color(), ln.get_marker()) for ln in right.lines[:2]]
    assert ":" not in plots.training.SEQUENCE_DASHES                           # dotted: guides only
    assert not _legend_overlaps_an_axes(fig)

    with pytest.raises(ValueError, match="sequence_times_figure: batch_sizes should be positive"):
        plots.sequence_times_figure([0, 4, 16], by_n, [10, 20], by_t)
    with pytest.raises(ValueError, match=r"seconds_by_batch\['loop'\] should have shape \(len\(batch_sizes\)=3,\), got \(1,\)"):
        plots.sequence_times_figure([1, 4, 16], {**by_n, "loop": [1e-3]}, [10, 20], by_t)
    with pytest.raises(ValueError, match=r"seconds_by_length\['batched'\] should hold positive"):
        plots.sequence_times_figure([1, 4, 16], by_n, [10, 20], {**by_t, "batched": [0.0, 1e-4]})
    with pytest.raises(ValueError, match="the same labels in the same order"):
        plots.sequence_times_figure([1, 4, 16], by_n, [10, 20], {"batched": [1e-4, 2e-4]})
    with pytest.raises(TypeError, match="should be a dict label -> seconds"):
        plots.sequence_times_figure([1, 4, 16], [1e-3, 2e-3, 4e-3], [10, 20], by_t)


def _legend_overlaps_an_axes(fig):
    """True when a legend of fig covers part of any axes (the plotting area)."""
    fig.draw_without_rendering()                      # lays the figure out, as saving it does
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends, "the figure has a legend"
    return any(leg.get_window_extent().overlaps(ax.get_window_extent())
               for leg in legends for ax in fig.axes)


def _styles(ax):
    return [(ln.get_color(), ln.get_linestyle()) for ln in ax.lines if not ln.get_label().startswith("_")]


def test_loss_curves_have_distinct_styles_and_a_legend_beside_the_axes():
    curves = {f"run {i}": [10.0 / (e + i) for e in range(1, 30)] for i in range(6)}
    fig = plots.loss_curves_figure(curves, title="six runs")
    (ax,) = fig.axes
    styles = _styles(ax)
    assert len(styles) == 6 and len(set(styles)) == 6              # no two curves look alike
    assert len({c for c, _ in styles}) == 6                          # six different colours
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(curves)
    assert not _legend_overlaps_an_axes(fig)


def _cielab(colour):
    """CIELAB coordinates (D65) of a matplotlib colour: distances there follow what eyes see."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_curve_colours_are_far_apart():
    assert np.linalg.norm(_cielab("white") - [100, 0, 0]) < 0.1       # the conversion itself
    lab = [_cielab(c) for c in plots.training.CURVE_COLOURS[:6]]
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(lab) for b in lab[i + 1:]]
    assert min(gaps) > 50             # matplotlib's C0 and C4 are 38 apart, C1 and C3 40


def test_extrapolation_names_every_model_once_under_both_panels():
    x = np.arange(10.0, 101.0)
    predictions = {f"model {i}": x + 1 - 0.01 * i * x for i in range(6)}
    fig = plots.extrapolation_figure(x, predictions, train_range=(1, 8))
    left, right = fig.axes
    assert len(set(_styles(left))) == 7                              # the target and six models
    assert [(ln.get_color(), ln.get_linestyle()) for ln in right.lines[:6]] == _styles(left)[1:]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["target x + 1", *predictions, "training inputs"]
    assert left.get_legend() is None and right.get_legend() is None
    assert not _legend_overlaps_an_axes(fig)
    np.testing.assert_allclose(right.lines[1].get_ydata(), -0.01 * x)   # model 1: error -0.01 x


def test_training_curves_span_whole_decades_and_show_accuracy_when_given():
    fig = plots.training_curves_figure({"loss": [0.5, 0.2, 0.03]}, title="run")
    assert len(fig.axes) == 1
    assert fig.axes[0].get_ylim() == pytest.approx((0.01, 1.0))   # 0.03 .. 0.5 -> 10^-2 .. 10^0
    assert "run" in texts(fig)
    both = plots.training_curves_figure({"loss": [1.0, 0.5], "accuracy": [0.5, 1.0]})
    assert [ax.get_title() for ax in both.axes] == ["", "accuracy"]
    np.testing.assert_array_equal(both.axes[1].lines[0].get_ydata(), [0.5, 1.0])


@pytest.mark.parametrize("history, kind, words", [
    ([0.5, 0.2], TypeError, ["dict of lists", "got list"]),
    ({}, TypeError, ["'loss'", "got an empty dict"]),
    ({"cost": [0.5]}, TypeError, ["'loss'", "keys ['cost']"]),
    ({"loss": []}, ValueError, ["at least one", "got (0,) losses"]),
    ({"loss": [1.0, 0.5], "accuracy": [1.0]}, ValueError, ["(2,) losses and (1,) accuracies"]),
])
def test_training_curves_explain_a_bad_history(history, kind, words):
    with pytest.raises(kind) as info:
        plots.training_curves_figure(history)
    assert str(info.value).startswith("training_curves_figure: ")
    assert all(w in str(info.value) for w in words)


def test_training_curves_plot_widens_its_loss_axis_and_never_narrows_it():
    p = plots.TrainingCurvesPlot(10)
    p.update({"loss": [0.5]})
    assert p.loss_lim == pytest.approx((0.1, 1.0))
    p.update({"loss": [0.5, 0.05]})
    assert p.loss_lim == pytest.approx((0.01, 1.0))
    p.update({"loss": [0.5]})
    assert p.loss_lim == pytest.approx((0.01, 1.0))
    p.update({"loss": [1.0]})                                      # 10^0 is inside already
    assert p.loss_lim == pytest.approx((0.01, 1.0))
    p.update({"loss": [float("nan"), 20.0]})                      # nan is not drawn on a log axis
    assert p.loss_lim == pytest.approx((0.01, 100.0))


def test_a_blitted_training_plot_equals_a_full_drawing():
    """The monitor's redraw (curves and title only, after the loss axis widened once) gives
    the pixels of a full drawing of the same picture."""
    history = {"loss": [2.0, 0.9, 0.3, 0.04], "accuracy": [0.0, 0.25, 0.5, 1.0]}
    live = plots.TrainingCurvesPlot(8, accuracy=True)
    live.update({k: v[:2] for k, v in history.items()}, title="epoch 2").png()
    png = live.update(history, title="epoch 4").png()             # the loss axis widens here
    full = plots.TrainingCurvesPlot(8, accuracy=True).update(history, title="epoch 4").figure
    full.canvas.draw()
    img = matplotlib.image.imread(io.BytesIO(png))                 # floats k / 255
    np.testing.assert_array_equal(np.round(img * 255).astype(np.uint8),
                                  np.asarray(full.canvas.buffer_rgba()))


# --- names --------------------------------------------------------------------------------

def test_every_figure_function_ends_in_figure_and_every_live_plot_in_plot():
    for name in plots.__all__:
        obj = getattr(plots, name)
        if inspect.isclass(obj):
            assert issubclass(obj, plots.LivePlot) and name.endswith("Plot"), name
        else:
            assert name.endswith("_figure"), name
    # and nothing public is left out of __all__
    for module in ("activations", "graphs", "hidden", "live", "trajectories", "training"):
        mod = getattr(plots, module)
        public = {n for n, o in vars(mod).items() if not n.startswith("_")
                  and (inspect.isfunction(o) or inspect.isclass(o)) and o.__module__ == mod.__name__}
        assert public <= set(plots.__all__), (module, public - set(plots.__all__))


def _private_uses(path):
    """(line, name) for each private name of another module that the file at path uses:
    `from m import _x`, or `something._x` on anything but self / cls (dunders and IPython's
    _repr_*_ display protocol are public)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("_")
                      and a.name != "_validation"]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if node.attr.startswith("__") or node.attr.startswith("_repr_"):
                continue
            found.append((node.lineno, ast.unparse(node)))
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "plots").glob("*.py"))
                         + sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda p: p.name)
def test_no_module_uses_another_modules_private_names(path):
    assert _private_uses(path) == []


def test_the_package_needs_no_pil_of_its_own():
    # PIL comes with matplotlib, which encodes PNGs with it; rnnlib does not import it
    for path in [*(PACKAGE / "plots").glob("*.py"), *(PACKAGE / "widgets").glob("*.py")]:
        tree = ast.parse(path.read_text())
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                    for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom)}
        assert "PIL" not in imported, path.name


def test_every_figure_function_returns_a_figure():
    a = np.ones((2, 2))
    made = [plots.two_timesteps_figure(), plots.unrolled_graph_figure(), plots.tanh_derivative_figure(),
            plots.sum_over_time_figure([a, a], ["1", "2"]),
            plots.training_curves_figure({"loss": [1.0, 0.5]}),
            plots.loss_curves_figure({"a": [1.0, 0.5]}),
            plots.extrapolation_figure([1.0, 2.0], {"a": [2.0, 3.1]}, train_range=(1, 2)),
            plots.batching_times_figure([1, 2], [1e-6, 2e-6], [1e-6, 1e-6]),
            plots.sequence_times_figure([1, 2], {"a": [1e-6, 2e-6]}, [1, 2], {"a": [1e-6, 2e-6]}),
            plots.trajectory_figure(np.zeros((1, 2)), ["h"]), plots.activation_figure(a),
            plots.step_terms_figure(np.ones(2), np.ones(2), np.ones(2)), plots.tanh_weight_figure(1.0),
            plots.hidden_heatmap_figure(np.zeros((3, 2)), "abc"),
            plots.truncation_figure(4, 2), plots.gradient_norms_figure({"a": np.ones(3)}),
            plots.gradient_flow_figure(np.ones(3), np.ones(2)), plots.eigenvalues_figure({"W": a}),
            plots.slope_histogram_figure({"a": a}),
            plots.accuracy_against_gap_figure([2, 5], np.ones((2, 3))),
            plots.unit_by_level_figure([0.1, 0.2, -0.3], [0, 1, 1], 6, "depth"),
            plots.clamp_effects_figure(np.ones((3, 2)), [1.0, 1.0], 0, "x", "y"),
            plots.gates_figure({"input": np.full((3, 2), 0.5)}, "abc", [1]),
            plots.long_gaps_figure([10, 20], {"a": np.ones((2, 3))}, 0.25, "accuracy"),
            plots.loss_per_update_figure({"a": {"b": ([1.0, 0.5], True)}}),
            plots.window_losses_figure([3.0, 2.5, 2.2], [0, 2], [20.0, 9.0])]
    assert len(made) == sum(n.endswith("_figure") for n in plots.__all__)
    assert all(isinstance(f, Figure) for f in made)


def test_unit_by_level_shows_each_levels_mean_and_count():
    """Means by hand: level 0 holds 0.1 and 0.3 (mean 0.2), level 2 holds -0.5 alone."""
    fig = plots.unit_by_level_figure([0.1, 0.3, -0.5], [0, 0, 2], 6, "depth")
    ax = fig.axes[0]
    bars = ax.collections[1].get_segments()
    assert [seg[0][1] for seg in bars] == pytest.approx([0.2, -0.5])
    assert [t.get_text() for t in ax.texts] == ["2 chars", "1 char"]
    assert ax.get_xlabel() == "depth" and ax.get_ylabel() == "unit 6's activation"
    with pytest.raises(ValueError, match="same shape"):
        plots.unit_by_level_figure([0.1, 0.2], [0], 6, "depth")


def test_long_gaps_figure_draws_each_runs_dot_each_median_and_the_chance_line():
    """Medians by hand: model a's runs at gap 10 are 0.2, 0.4, 0.9 (median 0.4)."""
    runs = {"a": np.array([[0.2, 0.4, 0.9], [1.0, 1.0, 0.5]]), "b": np.full((2, 3), 0.3)}
    fig = plots.long_gaps_figure([10, 20], runs, [0.25, 0.2], "held-out accuracy", title="t")
    ax = fig.axes[0]
    lines = {l.get_label(): l for l in ax.get_lines()}
    assert list(lines["a"].get_ydata()) == [0.4, 1.0]
    assert list(lines["no memory"].get_ydata()) == [0.25, 0.2]
    dots = [l for l in ax.get_lines() if l.get_marker() == "o"]
    assert sorted(len(l.get_ydata()) for l in dots) == [6, 6]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20"]
    with pytest.raises(ValueError, match="long_gaps_figure: metrics\\['b'\\] should have shape"):
        plots.long_gaps_figure([10, 20], {"b": np.ones((3, 3))}, 0.25, "accuracy")
    with pytest.raises(TypeError, match="metrics should be a non-empty dict"):
        plots.long_gaps_figure([10, 20], {}, 0.25, "accuracy")
