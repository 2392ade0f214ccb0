"""The hidden-state explorer (rnnlib.widgets.HiddenStateExplorer), its heatmap
(rnnlib.plots.hidden) and its computations (rnnlib.explore); its colours by hand are in
test_widgets_colours.py.

The model is set by hand so that one unit, QUOTE, tracks "inside quotes" exactly: it reads
curly quotes, a big push up at the opening one and down at the closing one, and a
self-connection of 4 that holds the state in between (tanh(4h - 1) has stable fixed points near
+0.995 and -0.9999; the first character, read from h = 0, gives tanh(-1) = -0.76). The
other 63 units keep their random initial weights. So the ground truth is known: the
correlation panel must find QUOTE with r close to 1, selecting a quotation must select QUOTE,
and its matches must be the other quotations.
"""
import html
import re
import statistics
import time

import numpy as np
import pytest
from matplotlib.figure import Figure

import rnnlib
from rnnlib import explore
from rnnlib.plots import HiddenHeatmapPlot, hidden_heatmap_figure
from rnnlib.widgets import HiddenStateExplorer, output_html, output_text
from rnnlib.widgets.colours import MARK_STYLES

H, QUOTE = 64, 37
OPEN, CLOSE = "\u201c", "\u201d"
WORDS = "the cat sat on a mat and said hello to my dog who ran far away".split()


def make_text(T=2000, seed=0):
    """Sentences of WORDS, some with a quotation of 1-4 words, cut to T characters."""
    rng = np.random.default_rng(seed)
    parts = []
    while sum(map(len, parts)) < T:
        words = list(rng.choice(WORDS, rng.integers(2, 7)))
        if rng.random() < 0.5:
            quote = " ".join(rng.choice(WORDS, rng.integers(1, 5)))
            words.insert(rng.integers(0, len(words) + 1), OPEN + quote + CLOSE)
        parts.append(" ".join(words) + rng.choice([". ", ".\n"]))
    return "".join(parts)[:T]


def inside_quotes(text):
    """1 after reading an opening quote and until the closing one is read, else 0."""
    inside, now = np.zeros(len(text)), 0
    for t, c in enumerate(text):
        now = 1 if c == OPEN else 0 if c == CLOSE else now
        inside[t] = now
    return inside


TEXT = make_text()
VOCAB = rnnlib.Vocab(WORDS[0] + "".join(sorted(set(TEXT))), order="sorted")
FEATURES = {"inside_quotes": inside_quotes(TEXT),
            "position_in_line": np.array([len(TEXT[:t + 1].rsplit("\n", 1)[-1])
                                          for t in range(len(TEXT))]),
            "constant": np.ones(len(TEXT))}


def quote_model():
    m = rnnlib.SequenceModel(len(VOCAB), H, len(VOCAB), seed=0)
    sd = m.state_dict()
    for k in ("rnn.weight_ih_l0", "rnn.weight_hh_l0"):
        sd[k][QUOTE] = 0.0
    sd["rnn.weight_ih_l0"][QUOTE, VOCAB.index[OPEN]] = 8.0
    sd["rnn.weight_ih_l0"][QUOTE, VOCAB.index[CLOSE]] = -8.0
    sd["rnn.weight_hh_l0"][QUOTE, QUOTE] = 4.0
    sd["rnn.bias_ih_l0"][QUOTE], sd["rnn.bias_hh_l0"][QUOTE] = -1.0, 0.0
    m.load_state_dict(sd)
    return m


MODEL = quote_model()


@pytest.fixture(scope="module")
def states():
    return rnnlib.hidden_states(MODEL, VOCAB, TEXT)


@pytest.fixture
def ex():
    return HiddenStateExplorer(MODEL, VOCAB, TEXT, FEATURES, prime="the cat said ",
                               sample_length=40)


def quotations():
    """(start, end) of every quotation, opening quote included, closing quote excluded."""
    return explore.runs(FEATURES["inside_quotes"] > 0)


def test_the_hand_set_unit_tracks_quotes(states):
    inside = FEATURES["inside_quotes"] > 0
    assert states[inside, QUOTE].min() > 0.99 and states[~inside, QUOTE].max() < -0.75
    assert states[1:][~inside[1:], QUOTE].max() < -0.99
    assert len(quotations()) > 10


# --- rnnlib.explore, the computations -----------------------------------------------------

def test_feature_correlations_are_pearson_r(states):
    r = explore.feature_correlations(states, FEATURES)
    for name in ("inside_quotes", "position_in_line"):
        expected = [np.corrcoef(states[:, u], FEATURES[name])[0, 1] for u in range(H)]
        np.testing.assert_allclose(r[name], expected, rtol=1e-10, atol=1e-12)
    assert np.isnan(r["constant"]).all()               # a constant feature has no correlation
    units, rs = explore.top_units(r["inside_quotes"], 3)
    assert units[0] == QUOTE and rs[0] > 0.99
    assert len(explore.top_units(r["constant"], 3)[0]) == 0


def test_select_units_in_a_quotation_selects_the_quote_unit(states):
    a, b = quotations()[2]
    sel = explore.select_units(states, a, b, 0.5)
    assert sel.units[0] == QUOTE and sel.signs[0] == +1
    inside = FEATURES["inside_quotes"] > 0
    mask = np.zeros(len(TEXT), bool)
    mask[a:b] = True
    # the score by hand: mean inside the span minus mean everywhere else
    assert sel.scores[0] == pytest.approx(states[mask, QUOTE].mean() - states[~mask, QUOTE].mean())
    np.testing.assert_array_equal(explore.on_positions(states, [QUOTE], [+1], 0.5), inside)


def test_select_units_outside_quotes_finds_the_unit_on_its_negative_side(states):
    a, _ = quotations()[0]
    sel = explore.select_units(states, 0, a, 0.5)
    i = list(sel.units).index(QUOTE)
    # on below -0.5 all along; but most of the text is outside quotes too, so it is only a
    # little more "on" in the span than elsewhere: the score says so
    outside = states[a:, QUOTE].mean()
    assert sel.signs[i] == -1
    assert sel.scores[i] == pytest.approx(-(states[:a, QUOTE].mean() - outside))
    assert 0 < sel.scores[i] < 1
    assert list(sel.scores) == sorted(sel.scores, reverse=True)


def test_select_units_edge_cases(states):
    assert len(explore.select_units(states, 5, 5, 0.1)) == 0           # empty span
    assert len(explore.select_units(states, 0, 30, 1.0)) == 0          # |tanh| < 1: none
    whole = explore.select_units(states, 0, len(TEXT), 0.0)            # no outside
    assert np.isnan(whole.outside).all() and len(whole) >= 0
    with pytest.raises(ValueError, match="end should be a whole number from 10"):
        explore.select_units(states, 10, 5, 0.5)
    with pytest.raises(ValueError, match="threshold should be a number >= 0"):
        explore.select_units(states, 0, 5, -0.1)


def test_runs_are_half_open_stretches():
    assert explore.runs([0, 1, 1, 0, 0, 1]) == [(1, 3), (5, 6)]
    assert explore.runs([1, 1]) == [(0, 2)] and explore.runs([]) == [] and explore.runs([0]) == []


# a cell of the coloured text: its colour, position, value and character (rnnlib.widgets.colours)
SPAN = re.compile(r'<span style="background:(#[0-9a-f]{6});color:#[0-9a-f]{3}" '
                  r'title="(\d+): ([-+]\d\.\d{3})">(.*?)</span>', re.S)


# --- the heatmap ---------------------------------------------------------------------------

def test_heatmap_shows_the_window_as_units_by_characters(states):
    plot = HiddenHeatmapPlot(states, TEXT, width=50)
    plot.update(100, QUOTE)
    np.testing.assert_array_equal(plot.image.get_array(), states[100:150].T)     # (H, 50)
    assert plot.letters.get_text() == TEXT[100:150].replace(" ", "\u2423").replace("\n", "\u21b5")
    assert plot.row.get_y() == QUOTE - 0.5 and "unit 37 outlined" in plot.caption.get_text()
    assert plot.png()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = hidden_heatmap_figure(states, TEXT, start=10, width=30)
    assert isinstance(fig, Figure)
    with pytest.raises(ValueError, match="start should be a whole number from 0 to 1950"):
        plot.update(1951)


def test_heatmap_rows_can_follow_a_given_order(states):
    r = explore.feature_correlations(states, FEATURES)["inside_quotes"]
    order = explore.units_by_correlation(r)
    assert order[0] == QUOTE and r[order[0]] >= r[order[1]] >= r[order[-1]]
    plot = HiddenHeatmapPlot(states, TEXT, width=40, order=order, rows="unit, by r")
    plot.update(200, QUOTE)
    np.testing.assert_array_equal(plot.image.get_array(), states[200:240][:, order].T)
    assert plot.row.get_y() == -0.5                           # the quote unit is the top row
    assert plot.ax.get_ylabel() == "unit, by r"
    assert [t.get_text() for t in plot.ax.get_yticklabels()][0] == str(QUOTE)
    cax = plot.figure.axes[1]
    assert "activation" in cax.get_ylabel()                   # a labelled colour bar
    with pytest.raises(ValueError, match="order should list every unit 0 .. 63 once"):
        HiddenHeatmapPlot(states, TEXT, order=[0, 1, 2])


def test_units_by_correlation_puts_nan_last():
    assert explore.units_by_correlation([0.1, np.nan, -0.9, 0.5]).tolist() == [3, 0, 2, 1]


def test_clamp_effects_figure_marks_the_held_unit():
    from rnnlib.plots.hidden import clamp_effects_figure
    effects = np.array([[0.07, 0.01], [0.03, 0.07], [0.069, 0.012]])
    fig = clamp_effects_figure(effects, [0.07, 0.012], 1, "p())", "p(newline)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "p())" and ax.collections[1].get_offsets().tolist() == [[0.03, 0.07]]
    assert "unit 1 held" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match=r"effects should have shape \(H, 2\)"):
        clamp_effects_figure(np.zeros(3), [0, 0], 0, "a", "b")


def test_heatmap_letters_are_one_column_wide(states):
    for width in (20, 80, 200):
        plot = HiddenHeatmapPlot(states, TEXT, width=width)
        renderer = plot.figure.canvas.get_renderer()
        plot.letters.set_text("M" * width)
        letters = plot.letters.get_window_extent(renderer)
        image = plot.ax.get_window_extent(renderer)
        assert abs(letters.width - image.width) <= 0.5 + 0.02 * image.width / width


# --- the widget: every control changes what it shows ----------------------------------------

def test_first_draw_fills_every_panel(ex):
    assert "unit 0 over 2000 characters" in output_text(ex.text_out)
    assert ex.heatmap_out.outputs[0]["data"].get("image/png")
    assert "span is empty" in output_text(ex.match_out)
    assert "inside_quotes" in output_text(ex.features_out)
    assert output_text(ex.sample_out).count("the cat said ") == 1


def test_the_unit_picker_recolours_the_text(ex, states):
    before = output_html(ex.text_out)
    ex.unit.value = QUOTE
    page = output_html(ex.text_out)
    assert page != before
    cells = SPAN.findall(page)
    assert len(cells) == len(TEXT)
    np.testing.assert_allclose([float(x) for _, _, x, _ in cells], states[:, QUOTE], atol=5e-4)
    t = quotations()[0][0] + 1                                 # a character inside quotes
    assert int(cells[t][0][1:3], 16) > int(cells[t][0][5:7], 16)          # red over blue
    text = output_text(ex.text_out)
    assert f"unit {QUOTE} over 2000 characters" in text
    assert re.search(r"Closest feature: inside_quotes \(r = \+(0\.99\d|1\.000)\)", text)
    assert "unit 37 outlined" in output_text(ex.heatmap_out)    # the heatmap follows the unit


def test_the_unit_slider_redraws_only_the_tab_shown_and_the_others_when_opened(ex):
    """In the page, a panel in a hidden tab waits for its tab (or for Python to read it)."""
    text_view, heat_view, sample_view = (ex.tabs.children[0], ex.tabs.children[1].children[2],
                                         ex.tabs.children[4].children[2])   # what the page shows
    assert ex.tabs.selected_index == 0
    heat_before, sample_before = output_text(heat_view), output_text(sample_view)
    ex.unit.value = QUOTE
    assert f"unit {QUOTE} over" in output_text(text_view)                  # shown: at once
    assert output_text(heat_view) == heat_before                             # hidden: waits
    assert output_text(sample_view) == sample_before
    ex.tabs.selected_index = 1                                               # opened: redrawn
    assert f"unit {QUOTE} outlined" in output_text(heat_view)
    assert output_text(sample_view) == sample_before
    ex.unit.value = 3                                                        # now the heatmap
    assert "unit 3 outlined" in output_text(heat_view)                       # follows at once
    assert f"unit {QUOTE} over" in output_text(text_view)                    # and the text waits
    assert "colour of unit 3" in output_text(ex.sample_out)                 # read: up to date
    assert "colour of unit 3" in output_text(sample_view)
    ex.tabs.selected_index = 0
    assert "unit 3 over" in output_text(text_view)


def test_the_heatmap_kept_for_a_unit_is_the_picture_drawn_again(ex):
    ex.tabs.selected_index = 1
    ex.unit.value = 5
    first = ex.heatmap_out.outputs[0]["data"]["image/png"]
    ex.unit.value = 6
    assert ex.heatmap_out.outputs[0]["data"]["image/png"] != first
    ex.unit.value = 5                                                 # kept: the same bytes
    assert ex.heatmap_out.outputs[0]["data"]["image/png"] == first
    fresh = HiddenStateExplorer(MODEL, VOCAB, TEXT, FEATURES, prime="the cat said ",
                                sample_length=40)
    fresh.unit.value = 5                                              # drawn anew: the same
    assert fresh.heatmap_out.outputs[0]["data"]["image/png"] == first


def test_the_window_slider_scrolls_the_heatmap(ex):
    before = ex.heatmap_out.outputs[0]["data"]["image/png"]
    ex.window.value = 700
    assert f"units x characters 700 to 779: {TEXT[700:780]!r}" in output_text(ex.heatmap_out)
    assert ex.heatmap_out.outputs[0]["data"]["image/png"] != before
    ex.window.value = ex.window.max
    assert f"to {len(TEXT) - 1}" in output_text(ex.heatmap_out)


def test_selecting_a_quotation_finds_the_unit_and_the_other_quotations(ex):
    ex.match_units.value = 1
    a, b = quotations()[3]
    ex.span.value = (a, b)
    text = output_text(ex.match_out)
    assert re.search(rf"^\s+{QUOTE}\s+\+", text, re.M)          # QUOTE on the positive side
    assert ex.selection.units[0] == QUOTE
    others = len(quotations()) - 1
    assert f"unit {QUOTE}+ is on at {others} other places" in text
    page = output_html(ex.match_out)
    assert page.count(MARK_STYLES[2]) == others and page.count(MARK_STYLES[1]) == 1


def test_the_threshold_and_the_match_count_change_the_result(ex):
    a, b = quotations()[3]
    ex.span.value = (a, b)
    ex.match_units.value = 1
    one = output_text(ex.match_out)
    ex.threshold.value = 0.05                      # more units count as on: another table
    assert output_text(ex.match_out) != one
    assert len(ex.selection) >= 3                  # the random units are weak but not that weak
    before = output_text(ex.match_out)
    ex.match_units.value = 3
    text = output_text(ex.match_out)
    assert text != before and "are on together" in text


def test_an_empty_selection_shows_a_message(ex):
    ex.span.value = (40, 80)
    ex.span.value = (55, 55)
    assert "span is empty (start = end = 55)" in output_text(ex.match_out)
    assert ex.selection is None and not output_html(ex.match_out)


def test_a_threshold_that_selects_nothing_shows_a_message(ex):
    ex.span.value = (40, 80)
    ex.threshold.value = ex.threshold.max           # at least max |h|: nothing is beyond it
    text = output_text(ex.match_out)
    assert "No unit is on" in text and "Lower the threshold" in text
    assert "Traceback" not in text and not output_html(ex.match_out)


def test_the_prime_and_the_temperature_change_the_sample(ex):
    def shown():
        return output_text(ex.sample_out).split("\n", 1)[1].rstrip("\n")
    assert shown() == "the cat said " + rnnlib.sample(MODEL, VOCAB, "the cat said ", 40, 1.0, 0)
    ex.temperature.value = 0.3
    assert "temperature τ = 0.30" in output_text(ex.sample_out)
    assert shown() == "the cat said " + rnnlib.sample(MODEL, VOCAB, "the cat said ", 40, 0.3, 0)
    ex.prime.value = OPEN + "hello"
    assert shown() == OPEN + "hello" + rnnlib.sample(MODEL, VOCAB, OPEN + "hello", 40, 0.3, 0)


def test_the_sample_is_coloured_by_the_chosen_unit(ex):
    prime = "the cat said "
    drawn = rnnlib.sample(MODEL, VOCAB, prime, 40, 1.0, 0)
    want = rnnlib.hidden_states(MODEL, VOCAB, prime + drawn)           # (53, H)
    for unit in (QUOTE, 3):
        ex.unit.value = unit                                  # the sample follows the unit
        assert f"on the colour of unit {unit}" in output_text(ex.sample_out)
        page = output_html(ex.sample_out)
        cells = SPAN.findall(page)
        assert "".join(html.unescape(c).replace("\u21b5\n", "\n") for *_, c in cells) == prime + drawn
        np.testing.assert_allclose([float(x) for _, _, x, _ in cells], want[:, unit], atol=5e-4)
        assert page.index("</b>") < page.index(f'title="{len(prime)}:')    # the prime in bold
    ex.prime.value = OPEN + "my"                            # a quotation opens: the quote unit
    ex.unit.value = QUOTE                                   # is high all through the sample
    values = [float(x) for _, _, x, _ in SPAN.findall(output_html(ex.sample_out))]
    assert min(values[1:]) > 0.9 or CLOSE in ex._sampled[1]


def test_the_heatmap_rows_can_be_sorted_by_a_feature(ex):
    assert [label for label, _ in ex.sort_by.options] == [
        "unit number", "r with inside_quotes", "r with position_in_line", "r with constant"]
    ex.unit.value = QUOTE
    before = ex.heatmap_out.outputs[0]["data"]["image/png"]
    ex.sort_by.value = "inside_quotes"
    text = output_text(ex.heatmap_out)
    assert f"rows sorted by r with inside_quotes, unit {QUOTE} in row 0" in text
    assert ex.heatmap_out.outputs[0]["data"]["image/png"] != before
    ex.sort_by.value = ""
    assert "rows sorted" not in output_text(ex.heatmap_out)


@pytest.mark.parametrize("prime, message", [("", "Type a prime text"),
                                            ("the CAT", "'C', 'A', 'T' are not among them")])
def test_a_bad_prime_shows_a_message(ex, prime, message):
    ex.prime.value = prime
    assert message in output_text(ex.sample_out)


def test_without_features_the_panel_says_so():
    ex = HiddenStateExplorer(MODEL, VOCAB, TEXT[:300])
    assert "No ground-truth features were given" in output_text(ex.features_out)
    assert "Closest feature" not in output_text(ex.text_out)


def test_the_features_table_ranks_the_quote_unit_first(ex):
    lines = output_text(ex.features_out).splitlines()
    row = lines[lines.index(next(l for l in lines if l.startswith("inside_quotes")))]
    assert re.match(rf"inside_quotes\s+{QUOTE}\s+\+(0\.99\d|1\.000)$", row)
    assert any("constant" in l and "no correlation" in l for l in lines)


def test_a_long_text_is_cut_and_features_with_it():
    ex = HiddenStateExplorer(MODEL, VOCAB, TEXT, FEATURES, max_chars=500)
    assert ex.states.shape == (500, H) and ex.span.max == 500
    assert "the first 500 of 2000" in output_text(ex.text_out)


def test_a_model_that_does_not_predict_characters_can_still_be_explored():
    clf = rnnlib.SequenceModel(len(VOCAB), 8, 2, seed=0)
    ex = HiddenStateExplorer(clf, VOCAB, TEXT[:200])
    assert "does not predict the next character" in output_text(ex.sample_out)
    ex.unit.value = 7
    assert "unit 7 over 200" in output_text(ex.text_out)


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match=r"HiddenStateExplorer: text\[0\] is 'X'"):
        HiddenStateExplorer(MODEL, VOCAB, "X marks")
    with pytest.raises(ValueError, match="HiddenStateExplorer: text has 0 characters"):
        HiddenStateExplorer(MODEL, VOCAB, "")
    with pytest.raises(ValueError, match=r"features\['f'\] should have shape \(5,\)"):
        HiddenStateExplorer(MODEL, VOCAB, "the c", {"f": [1, 2]})
    with pytest.raises(TypeError, match="features should be a dict"):
        HiddenStateExplorer(MODEL, VOCAB, "the c", [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="input_size"):
        HiddenStateExplorer(rnnlib.SequenceModel(3, 4, 3), VOCAB, "the c")


def test_repr_is_stable_and_is_the_cells_text(ex):
    ex.unit.value = 5
    assert repr(ex) == repr(ex) and "0x" not in repr(ex) and "unit=5" in repr(ex)
    bundle = ex._repr_mimebundle_()
    assert bundle["text/plain"] == repr(ex)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert ex.widget.children[1].titles == ("unit", "heatmap", "select and match", "features",
                                            "sampling")


def test_every_handler_is_fast(ex):
    """Each control's handler in CPU time, median over several changes, on 2000 characters
    with H = 64. The requirement is under 100 ms; this bound only catches a redraw gone slow,
    with room for a busy machine (benchmarks/bench_widgets.py prints the numbers)."""
    a, b = quotations()[3]
    changes = {
        "unit": [(ex.unit, u) for u in range(1, 9)],
        "window": [(ex.window, w) for w in range(100, 900, 100)],
        "sort_by": [(ex.sort_by, k) for k in ("inside_quotes", "", "position_in_line", "",
                                              "inside_quotes", "")],
        "span": [(ex.span, (a - i, b)) for i in range(8)],
        "threshold": [(ex.threshold, th) for th in np.linspace(0.1, 0.8, 8)],
        "match_units": [(ex.match_units, k) for k in (1, 2, 3, 1, 2, 3)],
        "temperature": [(ex.temperature, t) for t in np.linspace(0.2, 1.6, 8)],
        "prime": [(ex.prime, p) for p in ("the dog ", "a cat ", OPEN, "hello. ", "my mat ")],
    }
    medians = {}
    for name, steps in changes.items():
        times = []
        for control, value in steps:
            t0 = time.process_time()
            control.value = value
            times.append(time.process_time() - t0)
        medians[name] = statistics.median(times[1:])          # the first warms caches up
    assert max(medians.values()) < 0.25, medians
