"""The explorer page's Python side (rnnlib.widgets.explorer_app, any_text, uploads, train_panel)
without a browser: features written out by hand, every bad upload's sentence, the values the
page reads out against the recurrence computed here with numpy, and the colour map under
simulated colour blindness. tests/test_apps_browser.py drives the same page in Chromium.
"""
import io
import re
import time

import numpy as np
import pytest

import rnnlib
from rnnlib.widgets import ExplorerApp, HiddenStateExplorer, output_text
from rnnlib.widgets.any_text import any_text_features, regex_feature
from rnnlib.widgets.colours import diverging_colours
from rnnlib.widgets.uploads import UploadProblem, checkpoint_from_upload, text_from_upload


# --- features of any text ----------------------------------------------------------------------

def test_any_text_features_by_hand():
    text = 'a“(b)”[x "y(" ]\n12'
    #       a “ ( b ) ” [ x   " y ( "   ] \n 1 2
    want = {
        "inside quotes":    [0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        "inside brackets":  [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        "bracket depth":    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        "position in line": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2],
        "digit":            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    }
    got = any_text_features(text)
    assert list(got) == list(want)
    for name, values in want.items():
        assert got[name].tolist() == values, name


def test_a_closing_bracket_with_nothing_open_is_ignored_and_the_empty_text_has_no_features():
    assert any_text_features(")(")["bracket depth"].tolist() == [0, 1]
    assert all(len(f) == 0 for f in any_text_features("").values())


def test_regex_feature_marks_the_characters_inside_each_match():
    assert regex_feature("a1b22c", r"\d+").tolist() == [0, 1, 0, 1, 1, 0]
    assert regex_feature("ab", r"\b").tolist() == [0, 0]            # empty matches mark nothing
    assert regex_feature("f(x) g(y)", r"\(.*?\)").tolist() == [0, 1, 1, 1, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("pattern, said", [
    ("(", "'(' is not a regular expression Python reads: missing ), unterminated subpattern "
          "at position 0"),
    ("", "pattern is the empty string"),
    ("a" * 201, "at most 200 are accepted"),
])
def test_regex_feature_refuses_a_bad_pattern_in_words(pattern, said):
    with pytest.raises(ValueError, match=re.escape(said)):
        regex_feature("abc", pattern)


def test_regex_feature_with_a_time_limit_matches_the_same_in_its_worker():
    text = "f(x) = 12 + g(y, 345)\n" * 30
    for pattern in (r"\d+", r"\(.*?\)", r"\b", r"^f", r"[a-z]\("):
        np.testing.assert_array_equal(regex_feature(text, pattern, time_limit=5.0),
                                      regex_feature(text, pattern))
    with pytest.raises(ValueError, match="time_limit should be a positive number"):
        regex_feature(text, r"\d", time_limit=0)


def test_a_pattern_that_backtracks_for_ever_is_stopped_at_its_time_limit():
    # (a|a)+! on 40 a's without a "!": re tries every way to split the run between the two
    # branches, 2**40 of them, before failing; matched in the worker it is stopped at 0.5 s
    text = "a" * 40 + "\n"
    t0 = time.monotonic()
    with pytest.raises(ValueError, match=re.escape(
            "the pattern '(a|a)+!' was still matching 41 characters after 0.5 s, so it was "
            "stopped")):
        regex_feature(text, "(a|a)+!", time_limit=0.5)
    assert time.monotonic() - t0 < 10
    assert regex_feature(text, "a+", time_limit=5.0).sum() == 40     # a new worker answers


def test_the_page_stops_a_typed_pattern_that_backtracks_for_ever(app):
    e = app.explorer
    app.pattern.value = r"\d"
    app.pattern.value = "(.|.)+!"            # every line of the text is a long run of "."
    assert "was still matching 2,000 characters after 1 s, so it was stopped" in \
        app.pattern_note.value
    assert "matches /\\d/" in output_text(e.features_out)            # the last good one stays
    app.pattern.value = ""


# --- uploads ----------------------------------------------------------------------------------

def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("data, said", [
    (b"", "empty.txt is empty (0 bytes)"),
    (b"abc\x00def", "is a binary file, not text: its byte 3 is 0 (NUL)"),
    ("na\u00efve\n".encode("latin-1"), "is not UTF-8 text: the bytes at position 2 (line 1) read "
                                        "ef 76 65 0a"),
    (b"\x01\x02\x03\x04abc", "looks like a binary file, not text: 4 of its 7 characters are "
                             "control codes"),
    (b" \n\n\t ", "holds only spaces and line breaks"),
    (_npz(a=np.zeros(2)), "is a .npz or .npy file (numpy arrays), not text"),
    (b"x" * 11, "is 11 bytes; the page accepts text files up to 10 bytes"),
])
def test_a_bad_text_upload_gets_one_sentence(data, said):
    with pytest.raises(UploadProblem, match=re.escape(said)):
        text_from_upload("empty.txt", data, max_bytes=10 if len(data) == 11 else 10**6)


def test_a_text_upload_drops_the_byte_order_mark_and_windows_line_ends():
    assert text_from_upload("a.txt", b"\xef\xbb\xbfone\r\ntwo\rthree") == "one\ntwo\nthree"
    assert text_from_upload("a.txt", memoryview("caf\u00e9".encode())) == "caf\u00e9"


def _checkpoint(tmp_path, model, metadata=None):
    path = tmp_path / "m.npz"
    rnnlib.save(model, path, metadata=metadata)
    return path.read_bytes()


def test_checkpoint_uploads_good_and_bad(tmp_path):
    model = rnnlib.SequenceModel(3, 4, 3, seed=0)
    got, vocab, meta = checkpoint_from_upload("m.npz", _checkpoint(tmp_path, model,
                                                                    {"symbols": "abc"}))
    assert vocab.symbols == ("a", "b", "c") and meta["symbols"] == "abc"
    for k, p in model.state_dict().items():
        np.testing.assert_array_equal(got.state_dict()[k], p)
    cases = [
        (b"", "m.npz is empty (0 bytes), not a checkpoint"),
        (b"hello\n", "m.npz is text, not a checkpoint"),
        (b"\x93NUMPY\x01\x00", "m.npz is a single numpy array (np.save), not a checkpoint"),
        (b"PK\x03\x04 broken", "m.npz cannot be opened: m.npz is not a readable checkpoint"),
        (_npz(a=np.zeros(2)), "m.npz cannot be opened: m.npz is not an rnnlib checkpoint"),
        (_checkpoint(tmp_path, rnnlib.RNN(3, 4)), "m.npz holds an RNN, a layer on its own"),
        (_checkpoint(tmp_path, model), "m.npz holds a SequenceModel without its vocabulary"),
        (_checkpoint(tmp_path, rnnlib.SequenceModel(3, 4, 2), {"symbols": "abc"}),
         "a model with 3 inputs and 2 outputs"),
    ]
    for data, said in cases:
        with pytest.raises(UploadProblem, match=re.escape(said)):
            checkpoint_from_upload("m.npz", data)


# --- the page ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app():
    return ExplorerApp()


def _states_by_hand(model, vocab, text):
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b) with torch's names: Wx = W_ih^T, Wh = W_hh^T."""
    sd = model.state_dict()
    Wx, Wh = sd["rnn.weight_ih_l0"].T, sd["rnn.weight_hh_l0"].T
    b = sd["rnn.bias_ih_l0"] + sd["rnn.bias_hh_l0"]
    h, out = np.zeros(Wh.shape[0]), []
    for c in text:
        h = np.tanh(Wx[vocab.index[c]] + h @ Wh + b)             # one-hot row c picks a row of Wx
        out.append(h)
    return np.array(out)


def test_the_page_opens_the_shipped_model_and_reads_values_out(app):
    e = app.explorer
    assert isinstance(e, HiddenStateExplorer) and len(e.text) == 2000
    assert "char_model.npz" in app.source.value and "V = 46 characters" in app.source.value
    by_hand = _states_by_hand(app.model, app.vocab, e.text[:12])
    e.unit.value, app.position.value = 5, 9
    line = re.search(r"character 9 of 2000: (.+?), unit 5 = ([-+]\d\.\d{3})", app.readout.value)
    assert line and float(line.group(2)) == pytest.approx(by_hand[9, 5], abs=5e-4)
    assert 'data-what="unit 5"' in app.hover.value
    assert "Features here: inside quotes" in app.readout.value


def test_a_typed_pattern_becomes_a_feature_and_a_bad_one_a_sentence(app):
    e = app.explorer
    app.pattern.value = r"\d"
    digits = sum(c.isdigit() for c in e.text)
    assert f"{digits:,} of 2,000 characters inside a match" in app.pattern_note.value
    assert "matches /\\d/" in output_text(e.features_out)
    np.testing.assert_array_equal(e.features["matches /\\d/"], e.features["digit"])
    app.pattern.value = "[a-"
    assert "is not a regular expression Python reads" in app.pattern_note.value
    assert "matches /\\d/" in output_text(e.features_out)            # the last good one stays
    app.pattern.value = ""
    assert not any(k.startswith("matches") for k in e.features)


def test_the_heatmap_sorted_by_a_typed_pattern_goes_back_to_unit_order_when_it_changes(app):
    e = app.explorer
    app.pattern.value = r"\d"
    e.sort_by.value = "matches /\\d/"
    r = e.correlations["matches /\\d/"]
    top = int(np.nanargmax(r))                              # highest r: the top row
    assert e._heat.order[0] == top and "rows sorted by r with matches" in output_text(
        e.heatmap_out)
    app.pattern.value = "[a-z]"                             # the feature it was sorted by is gone
    assert e.sort_by.value == ""
    assert "rows sorted by" not in output_text(e.heatmap_out)   # (redrawn when read, or shown)
    assert e._heat.order.tolist() == list(range(len(r)))
    app.pattern.value = ""


def test_bad_uploads_leave_the_page_as_it_was(app):
    before = app.explorer
    app.open_text("photo.txt", bytes(range(256)))
    assert app.message.startswith("photo.txt is a binary file") and app.explorer is before
    assert "Problem:" in app.status.value
    app.open_checkpoint("m.npz", b"PK\x03\x04 broken")
    assert "m.npz cannot be opened" in app.message and app.explorer is before


def test_a_text_the_model_cannot_read_arms_training_and_a_readable_one_is_explored(app):
    app.open_text("caps.txt", b"HELLO there\n" * 30)
    assert "has never seen 5 of them ('H', 'E', 'L', 'O', 'T')" not in app.message
    assert re.search(r"never seen 4 of them \('H', 'E', 'L', 'O'\)", app.message)
    assert app.trainer.widget.layout.display == "flex" and app.trainer.name == "caps.txt"
    app.open_text("mine.txt", b'print(x, "a cat")\n' * 20)
    assert app.message.startswith("Opened mine.txt: 360 characters")
    assert app.explorer.text == 'print(x, "a cat")\n' * 20


def test_a_text_too_short_to_train_on_is_refused_before_training(app):
    app.open_text("tiny.txt", b"print(x)\n")
    app.trainer.train.click()
    assert app.trainer.thread is None
    assert "tiny.txt has 9 characters, too few to train on" in app.message


def test_an_error_in_a_handler_becomes_a_sentence_not_a_traceback(app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a disk went away")
    monkeypatch.setattr("rnnlib.widgets.explorer_app.text_from_upload", broken)
    app.open_text("a.txt", b"abc")                                      # no exception
    assert app.message.startswith("Something went wrong (RuntimeError: a disk went away)")


# --- the colours, as people with colour-blindness see them --------------------------------------

# Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color
# vision deficiency", severity 1.0: matrices on linear RGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


def _lab(hex_colour, simulation):
    """CIE L*a*b* (D65) of an sRGB '#rrggbb' as seen under a simulation matrix."""
    srgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(np.array(simulation) @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("name", list(SIMULATIONS))
def test_the_diverging_map_keeps_sign_and_size_apart_under_colour_blindness(name):
    """Blue and red (RdBu) stay apart for each kind of dichromacy: a value and its negative
    differ by more than 10 in CIE76 Delta E from a third of the scale on (more than 50 at the
    ends), and lightness falls all the way from white on both sides, so size reads without hue."""
    sim = SIMULATIONS[name]
    ts = np.linspace(0, 1, 11)
    pos = [_lab(str(c), sim) for c in diverging_colours(ts, 1.0)]
    neg = [_lab(str(c), sim) for c in diverging_colours(-ts, 1.0)]
    apart = np.array([np.linalg.norm(p - n) for p, n in zip(pos, neg)])
    assert (apart[ts >= 0.3] > 10).all() and apart[-1] > 50, apart.round(1)
    for side in (pos, neg):
        lightness = np.array([lab[0] for lab in side])
        assert (np.diff(lightness) < 0).all(), lightness.round(1)
