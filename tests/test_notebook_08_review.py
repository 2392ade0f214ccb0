"""Notebook 08's controls for single units and for select and match, recomputed from the
checkpoint (the learner cells hold no asserts), and the numbers the prose quotes about them
found in the stored outputs, so that a re-execution that moved them cannot leave the prose
behind."""
import numpy as np
import pytest

import rnnlib
from notebook_outputs import checkpoint, notebook, quoted
from rnnlib import explore, probes
from rnnlib.data import structured_text

FEATURES = ("depth", "in_string", "in_number", "line_pos")


@pytest.fixture(scope="module")
def setup():
    model, _, vocab = checkpoint("char_model.npz")
    return model, vocab, structured_text(20_000, seed=1)


def best_single_unit(model, vocab, held_out):
    states = rnnlib.hidden_states(model, vocab, held_out.text)
    r = explore.feature_correlations(states, {f: held_out.features[f] for f in FEATURES})
    return {f: float(np.nanmax(np.abs(r[f]))) for f in FEATURES}


def test_no_control_has_a_single_depth_unit_near_the_trained_one(setup):
    model, vocab, held_out = setup
    trained = best_single_unit(model, vocab, held_out)
    controls = [best_single_unit(m, vocab, held_out)
                for m in [probes.without_memory(model)]
                + [probes.untrained_like(model, s) for s in (0, 1, 2)]]
    best = {f: max(c[f] for c in controls) for f in FEATURES}
    assert trained["depth"] > 0.85 and best["depth"] < 0.35          # "no single unit ... 0.32"
    assert best["in_string"] < 0.3 < trained["in_string"] < 0.55     # "0.54 (0.29 in the controls)"


def test_deep_characters_are_a_minority_of_the_text(setup):
    depth = setup[2].features["depth"]
    share = np.mean(depth >= 2)           # the base rate the 97% of select and match is set against
    assert 0.25 < share < 0.35


# --- the prose quotes the outputs -------------------------------------------------------------

NO_MEMORY = r"\nno memory \(W_h = 0\) +0\.320 +0\.292 +0\.427 +0\.181\n"
QUOTED = [
    ("no single unit of a control passes 0.32",
     r"best single unit, \|r\| on seed 1.*\ntrained +0\.882 +0\.536.*(\n.*){3}" + NO_MEMORY),
    ("no single one passes 0.54 (0.29 in the controls)", r"untrained \(seed 2\) +0\.232 +0\.212.*" + NO_MEMORY),
    ("passes 0.32. Depth and line position", NO_MEMORY),
    ("without memory does better (1.00 against 0.98)", r"trained +0\.914 +0\.951 +0\.983"),
    ("where only 30% of all the characters are", r"for comparison, 30% of all the characters"),
    ("(30% of all the characters are)", r"for comparison, 30% of all the characters"),
    ("the six that do at least half as much are all depth units",
     r"at least half as much as unit 6:\n(  unit +\d+: .*; r with depth [+-]0\.[6-9]\d\n){7}\n"),
    ("(+0.13 and +0.09 against +0.37)", r"digit +1529 +\+0\.366 +99% +\+0\.125\n(.*\n){6}"
                                        r"operator +499 +\+0\.372 +100% +\+0\.085"),
]


@pytest.mark.parametrize("said, shown", QUOTED, ids=[q[0][:30] for q in QUOTED])
def test_the_prose_matches_the_stored_outputs(said, shown):
    quoted(notebook("08_hidden_state_explorer"), said, shown)
