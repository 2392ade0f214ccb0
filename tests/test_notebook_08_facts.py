"""The facts notebook 08 states, recomputed here from the checkpoint and the library (the
notebook's learner cells hold no asserts), and the numbers its prose quotes, found in its stored
outputs so that a re-execution that moved them cannot leave the prose behind."""
import numpy as np
import pytest

import rnnlib
from notebook_outputs import checkpoint, notebook, quoted
from rnnlib import explore, probes
from rnnlib.data import structured_text

FEATURES = ("depth", "in_string", "in_number", "line_pos")


@pytest.fixture(scope="module")
def setup():
    model, meta, vocab = checkpoint("char_model.npz")
    held_out = structured_text(20_000, seed=1)
    states = rnnlib.hidden_states(model, vocab, held_out.text)
    return model, meta, vocab, held_out, states


def test_the_held_out_text_is_not_training_text(setup):
    model, meta, vocab, held_out, _ = setup
    assert meta["train_text"]["seed"] == 0 and meta["train_text"]["chars"] == [0, 400_000]
    assert rnnlib.generate.train_text_overlap(model, held_out.text) == []


def test_the_depth_unit_is_the_one_the_training_script_found(setup):
    _, meta, _, held_out, states = setup
    r = explore.feature_correlations(states, {"depth": held_out.features["depth"]})["depth"]
    unit = int(np.nanargmax(np.abs(r)))
    assert unit == meta["best_units"]["depth"]["unit"] == 6
    assert abs(r[unit]) >= 0.8
    # its mean falls with every level of depth
    means = [states[held_out.features["depth"] == k, unit].mean() for k in range(4)]
    assert means == sorted(means, reverse=True)


def test_unit_6_follows_depth_given_line_position_not_the_reverse(setup):
    _, _, _, held_out, states = setup
    f = held_out.features
    h = states[:, 6]
    assert np.corrcoef(f["depth"], f["line_pos"])[0, 1] > 0.4          # they go together
    assert abs(probes.partial_correlation(h, f["depth"], f["line_pos"])) > 0.75
    assert abs(probes.partial_correlation(h, f["line_pos"], f["depth"])) < 0.35


def test_read_outs_beat_both_controls_except_for_in_number(setup):
    model, _, vocab, held_out, states = setup
    fit = structured_text(20_000, seed=2)
    variants = {"trained": model, "no memory": probes.without_memory(model),
                **{f"untrained {s}": probes.untrained_like(model, s) for s in (0, 1, 2)}}
    r = {}
    for name, m in variants.items():
        a = rnnlib.hidden_states(m, vocab, fit.text)
        b = states if name == "trained" else rnnlib.hidden_states(m, vocab, held_out.text)
        r[name] = {f: probes.readout_r(a, fit.features[f], b, held_out.features[f]) for f in FEATURES}
    best_control = {f: max(r[n][f] for n in variants if n != "trained") for f in FEATURES}
    for f in ("depth", "in_string", "line_pos"):
        assert r["trained"][f] > best_control[f] + 0.15, (f, r)
    assert r["no memory"]["in_number"] >= r["trained"]["in_number"]     # decided by the input
    assert r["no memory"]["in_number"] > 0.99


def test_holding_the_depth_unit_makes_newlines_likely_inside_brackets(setup):
    model, _, vocab, held_out, states = setup
    f = held_out.features
    inside = f["depth"] >= 1
    scored = inside & (f["in_string"] == 0)
    level0 = states[f["depth"] == 0].mean(axis=0)
    close, newline = vocab.index[")"], vocab.index["\n"]

    def effect(units, values):
        p = probes.clamped_run(model, vocab, held_out.text, units, values, inside)[1]
        return p[scored, close].mean(), p[scored, newline].mean()

    free = effect([], [])
    held = effect(6, level0[6])
    assert held[0] < 0.6 * free[0] and held[1] > 4 * free[1]
    effects = np.array([effect(u, level0[u]) for u in range(model.hidden_size)])
    others = np.delete(effects, 6, axis=0)
    assert abs(np.median(others[:, 1]) - free[1]) < 0.002                # the typical unit: nothing
    r = explore.feature_correlations(states, {"depth": f["depth"]})["depth"]
    strong = np.flatnonzero(effects[:, 1] - free[1] > 0.5 * (held[1] - free[1]))
    assert 6 in strong and len(strong) <= 10
    assert np.all(np.abs(r[strong]) > 0.6), dict(zip(strong, r[strong]))  # all depth units


# --- the prose quotes the outputs -------------------------------------------------------------

# (what the prose says, what an output must show for it to be true)
QUOTED = [
    ("A perplexity of 3.49", r"seed 1: 3\.49 \(bigram 7\.61"),
    ("unit 6 (negative", r"depth      unit  6: r = -0\.882   unit 58: r = \+0\.873"),
    ("between 0.465 and 0.580", r"in_number  unit 48: r = \+0\.465.*\nline_pos   unit 58: r = \+0\.580"),
    ("The same unit, with the same $r$ to three decimals",
     r"unit 6: r = -0\.882 with depth.*\n.*unit 6, r = -0\.882"),
    ("unit 6 still follows depth closely ($-0.83$)", r"\n   6 +-0\.882 +-0\.834 +-0\.573 +-0\.275"),
    ("($+0.82$ and $+0.29$)", r"\n  58 +\+0\.873 +\+0\.820 +\+0\.580 +\+0\.294"),
    ("the trained read-out reaches 0.91", r"trained +0\.914 +0\.951 +0\.983 +0\.638"),
    ("without memory 0.38", r"no memory \(W_h = 0\) +0\.384 +0\.567 +1\.000 +0\.345"),
    ("(0.071 to 0.034)", r"nothing held +0\.071 +0\.012 +0\.8%\nunit 6 held +0\.034 +0\.074 +8\.8%"),
    ("unit 6 and six others", r"(  unit +\d+: p.*\n){7}\n"),
    ("97% of the matched characters", r"97% of the matches are inside two or more brackets; they cover 48%"),
    ("on 99% of the digits", r"digit +1529 +\+0\.366 +99%"),
    ("(+0.38 to +0.41) and drops on the fourth\n(+0.14)",
     r"1: \+0\.378, 2: \+0\.404, 3: \+0\.407, 4: \+0\.136"),
    ("falls to about $-0.24$", r"unit 6: r = -0\.237 with depth on 2006"),
]


@pytest.mark.parametrize("said, shown", QUOTED, ids=[q[0][:30] for q in QUOTED])
def test_the_prose_matches_the_stored_outputs(said, shown):
    quoted(notebook("08_hidden_state_explorer"), said, shown)
