"""The gate widget of notebook 09 (rnnlib.widgets.GateExplorer), the gates and states it shows
(rnnlib.explore.gate_activations with states=True) and its static figure
(rnnlib.plots.gates_figure).

The LSTM is set by hand so that unit KEY's gates depend on the current character alone (its
rows of weight_hh are zero) and are known: the input gate is sigmoid(+10) ~ 1 at 'a' and
sigmoid(-10) ~ 0 at 'b' (0.5 elsewhere), the forget gate sigmoid(+10) except sigmoid(-10) at
'.', the output gate sigmoid(+10) except sigmoid(-10) at ' '. The other units keep their
seeded random weights. So the colours under each character are known: the gate scale's
darkest green where a gate is ~1, its palest where it is ~0.
"""
import html
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

import rnnlib
from rnnlib import explore, plots
from rnnlib.gated import lstm_forward
from rnnlib.plots.gates import GATE_CMAP, GATE_NAMES, sequential_colours
from rnnlib.widgets import GateExplorer, output_html, output_text
from rnnlib.widgets.gates import parse_units, unit_saturation

H, KEY = 6, 4
TEXT = "ab cab. bba a.b ccc\nab.ba c a b.\n" * 3          # 99 characters
VOCAB = rnnlib.Vocab("abc .\n")
OPEN, CLOSED = "#00441b", "#f7fcf5"                     # the gate scale at 1 and at 0
ROW = re.compile(r"^(unit (\d+) (\w+) (\w)) +(<span.*)$")
CELL = re.compile(r'<span style="background:(#[0-9a-f]{6})" title="([^"]*)">( +)</span>')


def key_model(H=H, seed=0, **kwargs):
    m = rnnlib.SequenceModel(len(VOCAB), H, len(VOCAB), cell="lstm", seed=seed, **kwargs)
    sd = m.state_dict()
    top = m.num_layers - 1
    w_ih, w_hh = sd[f"rnn.weight_ih_l{top}"], sd[f"rnn.weight_hh_l{top}"]
    b_ih, b_hh = sd[f"rnn.bias_ih_l{top}"], sd[f"rnn.bias_hh_l{top}"]
    i, f, o = KEY, H + KEY, 3 * H + KEY                  # the unit's rows in blocks i, f, g, o
    for r in (i, f, o):
        w_ih[r], w_hh[r], b_ih[r], b_hh[r] = 0.0, 0.0, 0.0, 0.0
    if top == 0:
        w_ih[i, VOCAB.index["a"]], w_ih[i, VOCAB.index["b"]] = 10.0, -10.0
        w_ih[f, VOCAB.index["."]], b_ih[f] = -20.0, 10.0
        w_ih[o, VOCAB.index[" "]], b_ih[o] = -20.0, 10.0
    m.load_state_dict(sd)
    return m


MODEL = key_model()


def strips(out):
    """{(unit, name): [colour per character]} and the row labels in order, from the HTML."""
    page = output_html(out)
    found, labels = {}, []
    for line in page.split("\n"):
        m = ROW.match(re.sub(r'^<span style="display:[^"]*">(.*?)</span>', r"\1", line))
        if not m:
            continue
        label, u, name = m.group(1), int(m.group(2)), m.group(3)
        labels.append(label)
        colours = [c for c, _, spaces in CELL.findall(m.group(5)) for _ in spaces]
        found.setdefault((u, name), []).extend(colours)
    return found, labels


def at(char, text=TEXT):
    return [t for t, c in enumerate(text) if c == char]


def lstm_gates(model, vocab, text):
    """What the widget shows: the four gates, c and h."""
    return explore.gate_activations(model, vocab, text, states=True)


# --- the numbers ----------------------------------------------------------------------------

def test_the_hand_set_unit_has_the_gates_it_was_given():
    g = lstm_gates(MODEL, VOCAB, TEXT)
    i, f, o = g["input"][:, KEY], g["forget"][:, KEY], g["output"][:, KEY]
    hi, lo = 1 / (1 + np.exp(-10.0)), 1 / (1 + np.exp(10.0))
    np.testing.assert_allclose(i[at("a")], hi)
    np.testing.assert_allclose(i[at("b")], lo)
    np.testing.assert_allclose(i[at("c")], 0.5)
    np.testing.assert_allclose(f[at(".")], lo)
    np.testing.assert_allclose(o[at(" ")], lo)
    others = [t for t, c in enumerate(TEXT) if c not in ". "]
    np.testing.assert_allclose(f[others], hi)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_gates_are_lstm_forwards_on_the_same_text(dtype):
    model = rnnlib.SequenceModel(len(VOCAB), H, len(VOCAB), cell="lstm", seed=3, dtype=dtype)
    g = lstm_gates(model, VOCAB, TEXT)
    x = VOCAB.one_hot(TEXT)[None].astype(dtype)                          # (1, T, V) one-hot
    zeros = np.zeros((1, H), dtype)
    h, c, cache = lstm_forward(x, zeros, zeros, *model.rnn.weights(0))
    gates = cache[5][0]                                                  # (T, 4H) [i f g o]
    for k, name in enumerate(["input", "forget", "candidate", "output"]):
        np.testing.assert_array_equal(g[name], gates[:, k * H:(k + 1) * H], err_msg=name)
    np.testing.assert_array_equal(g["cell"], c[0])
    np.testing.assert_array_equal(g["hidden"], h[0])
    assert all(a.dtype == dtype and a.shape == (len(TEXT), H) for a in g.values())
    assert list(g) == list(GATE_NAMES)
    # and by the LSTM's equations, one step: c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
    t = 10
    np.testing.assert_allclose(g["cell"][t], g["forget"][t] * g["cell"][t - 1]
                               + g["input"][t] * g["candidate"][t], rtol=1e-5)
    np.testing.assert_allclose(g["hidden"][t], g["output"][t] * np.tanh(g["cell"][t]), rtol=1e-5)


def test_a_stacked_model_shows_its_top_layer_and_a_backwards_one_stays_aligned():
    for model in (rnnlib.SequenceModel(len(VOCAB), H, len(VOCAB), num_layers=2, cell="lstm",
                                       seed=1),
                  rnnlib.SequenceModel(len(VOCAB), H, len(VOCAB), cell="lstm",
                                       go_backwards=True, seed=2)):
        g = lstm_gates(model, VOCAB, TEXT)
        np.testing.assert_allclose(g["hidden"], rnnlib.hidden_states(model, VOCAB, TEXT),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g["cell"], rnnlib.hidden_states(model, VOCAB, TEXT,
                                                                   cell_state=True),
                                   rtol=1e-12, atol=1e-14)
    # the top layer's gates, by lstm_forward on the layer below's output
    model = key_model(num_layers=2)
    zeros = np.zeros((1, H))
    below, _, _ = lstm_forward(VOCAB.encode(TEXT)[None], zeros, zeros, *model.rnn.weights(0))
    _, _, cache = lstm_forward(below, zeros, zeros, *model.rnn.weights(1))
    np.testing.assert_array_equal(lstm_gates(model, VOCAB, TEXT)["forget"],
                                  cache[5][0][:, H:2 * H])


def test_unit_saturation_by_hand():
    g = {n: np.full((4, 2), 0.5) for n in GATE_NAMES}
    g["input"][:, 1] = [0.0, 1.0, 0.05, 0.95]            # shut, open, shut, open: 2/4 + 2/4
    g["forget"][:, 1] = [0.1, 0.9, 0.91, 0.5]            # 0.1 and 0.9 are neither: 0 + 1/4
    g["candidate"][:, 0] = g["cell"][:, 0] = -1.0        # not gates: not counted
    shares, s = unit_saturation(g)
    assert list(shares) == ["input", "forget", "output"]
    np.testing.assert_allclose(shares["input"], [[0, 2 / 4], [0, 2 / 4]])    # (closed, open)
    np.testing.assert_allclose(shares["forget"], [[0, 0], [0, 1 / 4]])
    np.testing.assert_allclose(s, [0.0, (1 + 1 / 4 + 0) / 3])


def test_parse_units():
    assert parse_units("3", 8) == [3] and parse_units(" 0, 3 ,7 ", 8) == [0, 3, 7]
    assert parse_units("5-7 1 6", 8) == [5, 6, 7, 1]
    for typed, words in [("", "No units"), ("x", "'x' is not a unit number"),
                         ("8", "no unit 8: this model has 8 units, 0 to 7"),
                         ("5-2", "runs backwards; write it as 2-5"), ("-1", "'-1' is not")]:
        with pytest.raises(ValueError, match=re.escape(words)):
            parse_units(typed, 8)


def test_sequential_colours_run_from_closed_to_open():
    c = sequential_colours([0.0, 1.0, -3.0, 7.0, 0.5])
    # 0.5 is level 128 of 0..255, 0.4% of the way from the middle stop (116, 196, 118) to
    # (0, 68, 27): (115.5, 195.5, 117.6) -> (116, 195, 118)
    assert list(c) == [CLOSED, OPEN, CLOSED, OPEN, "#74c376"]
    assert sequential_colours(np.zeros((2, 3))).shape == (2, 3)
    # matplotlib's colormap of the figure has the same ends
    assert [matplotlib_hex(GATE_CMAP(x)) for x in (0.0, 1.0)] == [CLOSED, OPEN]
    # darker (less light) as the gate opens
    light = [sum(int(h[k:k + 2], 16) for k in (1, 3, 5)) for h in
             sequential_colours(np.linspace(0, 1, 11))]
    assert light == sorted(light, reverse=True)


def matplotlib_hex(rgba):
    return "#" + "".join(f"{round(x * 255):02x}" for x in rgba[:3])


# --- the widget -----------------------------------------------------------------------------

@pytest.fixture
def ex():
    return GateExplorer(MODEL, VOCAB, TEXT, units=[0, KEY], width=40)


def test_first_draw_has_a_strip_per_gate_per_unit_under_every_line(ex):
    found, labels = strips(ex.out)
    lines = -(-len(TEXT) // 40)                                          # 3 lines of text
    assert len(labels) == lines * 2 * 3
    assert labels[:6] == ["unit 0 input i", "unit 0 forget f", "unit 0 output o",
                          "unit 4 input i", "unit 4 forget f", "unit 4 output o"]
    assert set(found) == {(u, n) for u in (0, KEY) for n in ("input", "forget", "output")}
    assert all(len(colours) == len(TEXT) for colours in found.values())
    page = output_html(ex.out)
    assert "0 closed" in page and "1 open" in page                       # the legend
    assert page.count("margin-top:5px") == lines                        # a gap above unit 4
    chars = re.findall(r"(?:^|>)0-39 +<b>(.*?)</b>$", page, re.M)
    assert html.unescape(chars[0]) == TEXT[:40].replace("\n", "\u21b5")
    text = output_text(ex.out)
    assert f"{len(TEXT)} characters; units 0, 4, in the order typed." in text
    assert "0 = closed (pale), 1 = open (dark green)" in text


def test_the_hand_set_units_colours(ex):
    found, _ = strips(ex.out)
    i, f, o = (found[KEY, n] for n in ("input", "forget", "output"))
    assert {i[t] for t in at("a")} == {OPEN} and {i[t] for t in at("b")} == {CLOSED}
    assert {i[t] for t in at("c")} == {"#74c376"}                       # sigmoid(0) = 0.5
    assert {f[t] for t in at(".")} == {CLOSED} and {o[t] for t in at(" ")} == {CLOSED}
    assert {f[t] for t in at("a") + at("b") + at("\n")} == {OPEN}
    # every unit's every cell is the colour of its gate value
    g = lstm_gates(MODEL, VOCAB, TEXT)
    for (u, name), colours in found.items():
        assert colours == list(sequential_colours(g[name][:, u])), (u, name)


def test_hovering_shows_the_values(ex):
    page = output_html(ex.out)
    b = at("b")[0]                                                       # 1: alone in its run
    line = next(l for l in page.split("\n") if "unit 4 input i" in l)
    titles = [t for _, t, _ in CELL.findall(line)]
    assert f"{b} i=0.00" in titles
    # neighbours of one colour are one span, its title the range of positions and values
    p = TEXT.index(" ccc\n")                        # i = 0.5 at ' ', 'c' and '\n' alike
    assert f"{p}-{p + 4} i=0.50 to 0.50" in titles


def test_typing_units_shows_their_strips(ex):
    ex.units.value = "5, 1-2"
    found, labels = strips(ex.out)
    assert {u for u, _ in found} == {5, 1, 2}
    assert [l.split()[1] for l in labels[:9:3]] == ["5", "1", "2"]      # in the order typed
    assert "units 5, 1, 2, in the order typed" in output_text(ex.out)
    assert ex.shown_units == [5, 1, 2]


def test_ticking_gates_adds_and_removes_their_strips(ex):
    ex.gate_boxes["forget"].value = False
    found, labels = strips(ex.out)
    assert len(labels) == 3 * 2 * 2 and not any("forget" in l for l in labels)
    ex.gate_boxes["cell"].value = True
    found, labels = strips(ex.out)
    assert labels[:3] == ["unit 0 input i", "unit 0 output o", "unit 0 cell c"]
    c = ex.gates["cell"][:, [0, KEY]]
    scale = np.abs(c).max()                              # c is drawn at +-its largest |c|
    assert found[0, "cell"] == list(rnnlib.widgets.colours.diverging_colours(c[:, 0], scale))
    page = output_html(ex.out)
    assert f"cell c: -{scale:.2g}" in page and "+/-" not in page
    assert re.search(r"^\s+cell c\s+[-+]\d\.\d\d", output_text(ex.out), re.M)


def test_sorting_puts_the_most_saturated_unit_first(ex):
    ex.units.value = "0-5"
    assert ex.shown_units == [0, 1, 2, 3, 4, 5]
    ex.sort.value = True
    order = list(np.argsort(-ex.saturation, kind="stable"))
    assert ex.shown_units == order and order[0] == KEY    # its gates are ~0 or ~1 nearly always
    _, labels = strips(ex.out)
    assert labels[0] == f"unit {KEY} input i"
    assert "most saturated first" in output_text(ex.out)
    # KEY's forget and output gates are ~0 or ~1 at every character, its input gate at a and b
    ab = (TEXT.count("a") + TEXT.count("b")) / len(TEXT)
    assert ex.saturation[KEY] == pytest.approx((ab + 1 + 1) / 3)
    assert ex.saturation[KEY] > 0.8 > 0.3 > ex.saturation[[0, 1, 2, 3, 5]].max()
    assert re.search(rf"^\s+{KEY}\s+{ex.saturation[KEY]:.2f}\s+input i", output_text(ex.out), re.M)


def test_a_new_text_computes_the_gates_once_and_the_other_controls_reuse_them(ex, monkeypatch):
    expected = lstm_gates(MODEL, VOCAB, "cab. abc")
    calls = []
    real = explore.gate_activations
    monkeypatch.setattr(explore, "gate_activations",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    first = ex.gates
    ex.units.value = "1, 2, 3"
    ex.gate_boxes["hidden"].value = True
    ex.sort.value = True
    assert calls == [] and ex.gates is first                 # only drawn again
    ex.text_input.value = "cab. abc"
    assert calls == [1]
    for name, g in expected.items():
        np.testing.assert_array_equal(ex.gates[name], g)
    found, _ = strips(ex.out)
    assert all(len(c) == 8 for c in found.values())
    assert "8 characters" in output_text(ex.out)
    ex.text_input.value = TEXT                               # seen before: from the cache
    assert calls == [1] and ex.gates is first


def test_snippets_fill_the_text():
    ex = GateExplorer(MODEL, VOCAB, TEXT, snippets={"short": "abc.", "long": TEXT[:50]})
    assert ex.widget.children[0] is ex.snippet
    ex.snippet.value = "abc."
    assert ex.text_input.value == "abc." and ex.text == "abc."
    assert "4 characters" in output_text(ex.out)
    listed = GateExplorer(MODEL, VOCAB, TEXT, snippets=["ab", "ba"])
    assert [label for label, _ in listed.snippet.options][1:] == ["'ab'", "'ba'"]


@pytest.mark.parametrize("control, value, words", [
    ("units", "7", "There is no unit 7: this model has 6 units, 0 to 5."),
    ("units", "two", "'two' is not a unit number"),
    ("units", " ", "No units are given"),
    ("text_input", "", "The text is empty"),
    ("text_input", "abZ.Q", "'Z', 'Q' are not among them"),
])
def test_a_typo_shows_a_sentence_instead_of_the_strips(ex, control, value, words):
    getattr(ex, control).value = value
    text = output_text(ex.out)
    assert words in text and "Traceback" not in text and not output_html(ex.out)
    assert ex.message in text
    getattr(ex, control).value = {"units": "1", "text_input": "abc"}[control]     # recovers
    assert strips(ex.out)[0]


def test_gates_that_cannot_be_computed_show_a_sentence(ex, monkeypatch):
    """gate_activations refuses gates that overflowed; the widget shows why instead of strips."""
    def overflowed(*args, **kwargs):
        raise ValueError("gate_activations: the gates are not finite")
    monkeypatch.setattr(explore, "gate_activations", overflowed)
    ex.text_input.value = "cab"
    assert output_text(ex.out) == "gate_activations: the gates are not finite\n"
    assert ex.gates is None and not output_html(ex.out)
    ex.units.value = "1"                                   # another control: still the reason
    assert output_text(ex.out) == "gate_activations: the gates are not finite\n"
    ex.text_input.value = TEXT                             # computed before: from the cache
    assert strips(ex.out)[0]


def test_no_gate_ticked_says_so(ex):
    for box in ex.gate_boxes.values():
        box.value = False
    assert "No gate is ticked" in output_text(ex.out) and not output_html(ex.out)


def test_a_long_text_is_cut():
    ex = GateExplorer(MODEL, VOCAB, TEXT, max_chars=50)
    assert ex.text == TEXT[:50] and ex.gates["input"].shape == (50, H)
    assert "50 characters (the first 50 of 99)" in output_text(ex.out)


def test_too_many_typed_units_are_cut():
    model = rnnlib.SequenceModel(len(VOCAB), 40, len(VOCAB), cell="lstm", seed=0)
    ex = GateExplorer(model, VOCAB, "abc", units=[0])
    ex.units.value = "0-39"
    assert len(ex.shown_units) == 32 and "only the first 32 typed are shown" in output_text(ex.out)


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match=r"GateExplorer: model should be an LSTM .*got one with "
                                         r"cell='rnn'.*HiddenStateExplorer"):
        GateExplorer(rnnlib.SequenceModel(len(VOCAB), 4, len(VOCAB), seed=0), VOCAB, "abc")
    with pytest.raises(TypeError, match="GateExplorer: model should be an rnnlib.SequenceModel, "
                                        "got LSTM"):
        GateExplorer(rnnlib.LSTM(len(VOCAB), 4), VOCAB, "abc")
    with pytest.raises(ValueError, match="input_size is 3 but the vocabulary has 6"):
        GateExplorer(rnnlib.SequenceModel(3, 4, 3, cell="lstm"), VOCAB, "abc")
    with pytest.raises(ValueError, match="GateExplorer: text is the empty string"):
        GateExplorer(MODEL, VOCAB, "")
    with pytest.raises(TypeError, match="GateExplorer: text should be a str, got list"):
        GateExplorer(MODEL, VOCAB, ["abc"])
    with pytest.raises(ValueError, match=r"GateExplorer: text\[2\] is 'Z', which is not in the "
                                         r"model's vocabulary"):
        GateExplorer(MODEL, VOCAB, "abZ")
    with pytest.raises(ValueError, match=r"GateExplorer: units\[1\] should be a whole number from "
                                         r"0 to 5, got 6"):
        GateExplorer(MODEL, VOCAB, "abc", units=[1, 6])
    with pytest.raises(TypeError, match=r"units\[0\] should be a whole number .* got 1\.5"):
        GateExplorer(MODEL, VOCAB, "abc", units=[1.5])
    with pytest.raises(ValueError, match="GateExplorer: units is empty"):
        GateExplorer(MODEL, VOCAB, "abc", units=[])
    with pytest.raises(ValueError, match="GateExplorer: units is '0-9'. There is no unit 9"):
        GateExplorer(MODEL, VOCAB, "abc", units="0-9")
    with pytest.raises(ValueError, match="each of gates should be one of 'input', 'forget'"):
        GateExplorer(MODEL, VOCAB, "abc", gates=["input", "update"])
    with pytest.raises(TypeError, match="gates should be a list of names"):
        GateExplorer(MODEL, VOCAB, "abc", gates="input")
    with pytest.raises(ValueError, match=r"snippets\['x'\]\[1\] is 'Q'|snippets\['x'\]"):
        GateExplorer(MODEL, VOCAB, "abc", snippets={"x": "aQ"})
    with pytest.raises(ValueError, match="gate_activations: model should be an LSTM .*got one "
                                         "with cell='gru'"):
        lstm_gates(rnnlib.SequenceModel(len(VOCAB), 4, len(VOCAB), cell="gru"), VOCAB, "abc")


def test_units_given_as_an_int_a_range_or_a_str():
    assert GateExplorer(MODEL, VOCAB, "abc", units=3).shown_units == [3]
    assert GateExplorer(MODEL, VOCAB, "abc", units=range(2, 5)).shown_units == [2, 3, 4]
    assert GateExplorer(MODEL, VOCAB, "abc", units="1-2, 0").shown_units == [1, 2, 0]
    assert GateExplorer(MODEL, VOCAB, "abc", units=np.array([5, 5, 1])).shown_units == [5, 1]
    assert GateExplorer(MODEL, VOCAB, "abc").shown_units == [0, 1, 2, 3]


def test_repr_is_stable_and_is_the_cells_text(ex):
    ex.units.value = "2, 3"
    assert repr(ex) == ("GateExplorer(SequenceModel(6, 6, 6, cell='lstm'), text of 99 characters, "
                        "units='2, 3', gates=['input', 'forget', 'output'], sort=False)")
    bundle = ex._repr_mimebundle_()
    assert bundle["text/plain"] == repr(ex)
    assert "application/vnd.jupyter.widget-view+json" in bundle


# --- the figure -----------------------------------------------------------------------------

def test_gates_figure_draws_the_strips_in_the_widgets_colours():
    g = lstm_gates(MODEL, VOCAB, TEXT)
    fig = plots.gates_figure(g, TEXT, [KEY, 1], width=40)
    assert isinstance(fig, Figure)
    lines = [ax for ax in fig.axes if ax.get_title(loc="left").startswith("characters")]
    assert [ax.get_title(loc="left") for ax in lines] == ["characters 0 to 39",
                                                          "characters 40 to 79",
                                                          "characters 80 to 98"]
    first = lines[0]
    assert [t.get_text() for t in first.get_yticklabels()] == [
        "unit 4  input i", "unit 4  forget f", "unit 4  output o",
        "unit 1  input i", "unit 1  forget f", "unit 1  output o"]
    assert "".join(t.get_text() for t in lines[2].get_xticklabels()) == \
        TEXT[80:].replace(" ", "\u2423").replace("\n", "\u21b5")
    image = first.images[0].get_array()                                   # (rows, 40)
    np.testing.assert_array_equal(image[0], g["input"][:40, KEY])
    np.testing.assert_array_equal(image[5], g["output"][:40, 1])
    assert first.images[0].get_cmap() is GATE_CMAP and len(first.images) == 1
    bars = [ax for ax in fig.axes if ax not in lines]
    assert len(bars) == 1 and bars[0].get_title(loc="left") == "gates i, f, o"
    assert [t.get_text() for t in bars[0].get_xticklabels()] == ["0 closed", "0.5", "1 open"]


def test_gates_figure_draws_states_on_the_diverging_scale():
    g = lstm_gates(MODEL, VOCAB, TEXT)
    fig = plots.gates_figure({k: a[:30] for k, a in g.items()}, TEXT[:30], [0],
                             names=["hidden", "forget", "cell"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["unit 0  forget f", "unit 0  cell c",
                                                           "unit 0  hidden h"]
    gate, state = ax.images
    scale = np.abs(g["cell"][:30, 0]).max()
    np.testing.assert_allclose(state.get_array()[1], g["cell"][:30, 0] / scale)
    np.testing.assert_allclose(state.get_array()[2], g["hidden"][:30, 0])
    assert np.ma.getmaskarray(state.get_array())[0].all()           # the gate row is the other's
    titles = [a.get_title(loc="left") for a in fig.axes[1:]]
    assert titles == ["gates f", f"c, h (full colour at \u00b1{scale:.2g}, \u00b11)"]
    # by default: the three gates, even when the dict holds everything
    default = plots.gates_figure(g, TEXT, [0])
    assert len(default.axes[0].get_yticklabels()) == 3


def test_gates_figure_refuses_bad_input():
    g = lstm_gates(MODEL, VOCAB, TEXT)
    with pytest.raises(ValueError, match=r"gates\['input'\] has 99 rows but the text has 10"):
        plots.gates_figure(g, TEXT[:10], [0])
    with pytest.raises(ValueError, match=r"units\[0\] should be a whole number from 0 to 5, got 6"):
        plots.gates_figure(g, TEXT, [6])
    bad = dict(g, input=g["input"] * 3)
    with pytest.raises(ValueError, match=r"gates\['input'\] should hold gate values in \[0, 1\], "
                                         r"got .* at \(t, unit\) = .*after the sigmoid"):
        plots.gates_figure(bad, TEXT, [0])
    with pytest.raises(ValueError, match="unknown names \\['update'\\]"):
        plots.gates_figure({"update": g["input"]}, TEXT, [0])
    with pytest.raises(ValueError, match="names has 'cell', which gates does not hold"):
        plots.gates_figure({"input": g["input"]}, TEXT, [0], names=["cell"])
    with pytest.raises(ValueError, match=r"gates\['forget'\] has shape \(99, 5\) but "
                                         r"gates\['input'\] has \(99, 6\)"):
        plots.gates_figure({"input": g["input"], "forget": g["forget"][:, :5]}, TEXT, [0])
    with pytest.raises(TypeError, match="gates should be a non-empty dict .* got ndarray"):
        plots.gates_figure(g["input"], TEXT, [0])
    with pytest.raises(ValueError, match="gates should be a non-empty dict .* got an empty dict"):
        plots.gates_figure({}, TEXT, [0])
    with pytest.raises(ValueError, match="a figure shows at most 600"):
        plots.gates_figure({"input": np.zeros((601, 2))}, "a" * 601, [0])
    with pytest.raises(TypeError, match=r"gates\['input'\] should be a floating-point array"):
        plots.gates_figure({"input": np.zeros((3, 2), int)}, "abc", [0])


def test_characters_that_mean_something_in_html_are_shown_as_themselves():
    vocab = rnnlib.Vocab('<a&"\n')
    model = rnnlib.SequenceModel(len(vocab), 2, len(vocab), cell="lstm", seed=0)
    ex = GateExplorer(model, vocab, '<a&"\n<', units=[1])
    chars = re.findall(r"(?:^|>)0-5 +<b>(.*?)</b>$", output_html(ex.out), re.M)
    assert [html.unescape(c) for c in chars] == ['<a&"\u21b5<']
    found, labels = strips(ex.out)
    assert labels == ["unit 1 input i", "unit 1 forget f", "unit 1 output o"]
    assert all(len(c) == 6 for c in found.values())
