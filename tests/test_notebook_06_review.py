"""Notebook 06 read as a learner: the sentences added or reworded in that read, held to the
outputs they describe.

The memory task's controls (an untrained network, and the trained one with Wh = 0), the
plateau's printout and the widget's radius stops. What depends on training is read from the
executed notebook's stored outputs (those cells carry nbval-ignore-output, because their
numbers move with round-off); the untrained networks' accuracies and the relu figure's curves
are recomputed here with plain numpy.
"""
import re

import numpy as np
import pytest

import rnnlib
from notebook_outputs import cell, notebook, printed
from rnnlib.widgets.gradient_flow import RADII as WIDGET_RADII

GAPS = (2, 5, 10, 20, 40)
SEEDS = range(5)


@pytest.fixture(scope="module")
def nb():
    return notebook("06_vanishing_and_exploding_gradients")


def prose(nb, cid):
    return " ".join(cell(nb, cid).source.split())          # line breaks do not matter


# --- the controls beside "learned" ---------------------------------------------------------------

@pytest.fixture(scope="module")
def controls(nb):
    """{gap: (untrained (5,), trained (5,), trained with Wh = 0 (5,))} as the notebook printed them."""
    rows = {}
    for line in printed(cell(nb, "b06e0d01")).splitlines()[2:]:
        numbers = line.split()
        values = np.array([float(v) for v in numbers[1:]])
        rows[int(numbers[0])] = (values[:5], values[5:10], values[10:])
    assert sorted(rows) == list(GAPS)
    return rows


def test_the_control_cell_is_tagged_and_asserts_nothing(nb):
    c = cell(nb, "b06e0d01")
    assert c.metadata.get("tags") == ["nbval-ignore-output"]
    assert not re.search(r"^\s*assert\b", c.source, re.M)


def test_without_memory_nothing_beats_chance(controls):
    """1,000 sequences: a score of a network that cannot know the answer is 0.25 give or take
    sqrt(0.25 * 0.75 / 1000) = 0.014; four of those either side is far outside any learning."""
    for gap, (untrained, trained, no_memory) in controls.items():
        assert np.all(np.abs(untrained - 0.25) < 0.055), gap
        assert np.all(np.abs(no_memory - 0.25) < 0.055), gap
        if gap <= 10:
            assert np.all(trained == 1.0), gap


def test_the_controls_prose_matches_the_printout(nb, controls):
    untrained = np.concatenate([row[0] for row in controls.values()])
    no_memory = np.concatenate([row[2] for row in controls.values()])
    partial = [a for gap in (20, 40) for a in controls[gap][1] if a < 1.0]
    text = prose(nb, "b06e0d02")
    assert f"{untrained.min():.2f} to {untrained.max():.2f} before training" in text
    assert f"{no_memory.min():.2f} to {no_memory.max():.2f} with $W_h = 0$" in text
    assert f"(up to {max(partial):.2f})" in text
    assert "1.00 up to gap 10" in text


def _memory_batch(seed, n, gap):
    """The notebook's memory_batch, written again: ids, then one-hot x and the first symbol."""
    ids = np.random.default_rng(seed).integers(0, 4, size=(n, gap + 1))
    return np.eye(4)[ids], ids[:, 0]


def test_the_untrained_column_recomputed_by_hand(controls):
    """The forward pass written out (torch's layout: Wx = weight_ih.T, Wh = weight_hh.T), the
    answer at the last step only, on held_out_accuracy's sequences (seed 10,000 + seed)."""
    for gap in GAPS:
        for s in SEEDS:
            p = rnnlib.SequenceModel(4, 32, 4, seed=s).params
            x, first = _memory_batch(10_000 + s, 1000, gap)
            h = np.zeros((1000, 32))
            for t in range(gap + 1):
                h = np.tanh(x[:, t] @ p["rnn.weight_ih_l0"].T + p["rnn.bias_ih_l0"]
                            + h @ p["rnn.weight_hh_l0"].T + p["rnn.bias_hh_l0"])
            y = h @ p["head.weight"].T + p["head.bias"]
            assert round(float(np.mean(y.argmax(-1) == first)), 2) == controls[gap][0][s], (gap, s)


# --- the plateau: when each run leaves ln 4, and what the stuck ones end on ----------------------

@pytest.fixture(scope="module")
def plateau(nb):
    runs = {}
    for line in printed(cell(nb, "b06e0c01")).splitlines():
        m = re.match(r"gap (\d+), seed (\d): (first below 1\.2 at update (\d+)|never below 1\.2)", line)
        assert m, line
        run = {"left": int(m.group(4)) if m.group(4) else None}
        learned = re.search(r"learned at update (\d+)", line)
        run["learned"] = int(learned.group(1)) if learned else None
        if not learned:
            numbers = re.search(r"lowest ([\d.]+), last 50 updates ([\d.]+); held-out accuracy ([\d.]+), "
                                r"answer among its two likeliest ([\d.]+)", line)
            run.update(zip(("lowest", "last50", "accuracy", "two"), map(float, numbers.groups())))
        runs[int(m.group(1)), int(m.group(2))] = run
    assert len(runs) == 10
    return runs


def test_the_plateau_prose_matches_the_printout(nb, plateau):
    text = prose(nb, "b06e0c02")
    left20 = [plateau[20, s]["left"] for s in SEEDS]
    left40 = [plateau[40, s]["left"] for s in SEEDS if plateau[40, s]["left"] is not None]
    assert min(left20) >= 12 and min(left40) >= 12                    # "the first dozen updates at least"
    assert f"at update {min(left20)} to {max(left20)} at gap 20" in text
    assert f"at {min(left40)} or much later at gap 40, where one run never gets there" in text
    assert sum(plateau[40, s]["left"] is None for s in SEEDS) == 1

    near_ln2 = [r for (gap, s), r in sorted(plateau.items()) if gap == 20 and not r["learned"]
                and abs(r["last50"] - np.log(2)) < 0.25]
    assert len(near_ln2) == 2                                          # "Two of the gap-20 runs"
    assert f"({near_ln2[0]['last50']:.2f} and {near_ln2[1]['last50']:.2f})" in text
    assert all(r["two"] == 1.0 for r in near_ln2)                     # "every time (1.00)"
    assert all(r["accuracy"] > 0.5 for r in near_ln2)                 # "more often than a coin"
    assert f"in {near_ln2[0]['accuracy']:.2f} and {near_ln2[1]['accuracy']:.2f} of them" in text

    lost = plateau[20, 2]
    assert lost["learned"] is None and lost["lowest"] < 0.1 and lost["last50"] > 1.0
    assert (f"gap 20's seed 2 reached a batch loss of {lost['lowest']:.2f}, then averaged "
            f"{lost['last50']:.2f} over its last 50 updates and ends at {lost['accuracy']:.2f}") in text


# --- the widget's stops and the relu figure -----------------------------------------------------

def test_the_widget_sentence_lists_its_stops_and_every_table_row_is_one(nb):
    text = prose(nb, "c1bb2b12")
    assert ("The stops are every 0.1 from 0 to 0.7, every 0.05 from 0.75 to 3, then 4, 5, 10, 100 "
            "and 1000, so every row of the table in section 3 is a stop") in text
    described = ({round(0.1 * i, 2) for i in range(8)} | {round(0.75 + 0.05 * i, 2) for i in range(46)}
                 | {4.0, 5.0, 10.0, 100.0, 1000.0})
    assert set(WIDGET_RADII) == described
    table = re.search(r"RADII = \(([^)]*)\)", cell(nb, "091e9a7e").source).group(1)
    assert {float(r) for r in table.split(",")} <= set(WIDGET_RADII)


def test_the_relu_figure_title_names_what_its_four_curves_do(nb):
    """Radius 2: relu ends far above 1 and tanh stays between 0.1 and 1.4; radius 3: both end above 1.
    Section 1's network rebuilt from its seed, one np.tanh or np.maximum per step."""
    source = cell(nb, "2d806214").source
    assert "at 3 both explode" in source and "for r in (2.0, 3.0)" in source
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((32, 32))
    W1 = W0 / np.abs(np.linalg.eigvals(W0)).max()
    Wx = rng.standard_normal((4, 32)) / 2.0
    x = rng.standard_normal((8, 200, 4))[:, :100]
    u = np.random.default_rng(0).standard_normal(32)
    u /= np.linalg.norm(u)

    def gain_at_0(radius, relu):
        h, states = np.zeros((8, 32)), []
        for t in range(100):
            a = x[:, t] @ Wx + h @ (radius * W1)
            h = np.maximum(a, 0.0) if relu else np.tanh(a)
            states.append(h)
        dh = np.tile(u, (8, 1))
        for t in range(99, 0, -1):
            slope = (states[t] > 0).astype(float) if relu else 1 - states[t] ** 2
            dh = (dh * slope) @ (radius * W1).T
        return np.linalg.norm(dh, axis=1).mean()

    assert gain_at_0(2.0, relu=True) > 1e3 and gain_at_0(3.0, relu=True) > 1e3
    assert 0.1 < gain_at_0(2.0, relu=False) < 1.4 and gain_at_0(3.0, relu=False) > 1e3


# --- names and words ---------------------------------------------------------------------------

def test_g_is_only_what_an_output_sends_and_u_only_the_readout(nb):
    """g_t (the gradient an output sends to its state) and u (section 1's readout) keep their
    meaning in every code cell: no parameter gradient, norm or update count is called g or u."""
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        assert not re.search(r"\bfor (g|u) in\b|, (g|u) in\b|\bg_(norm|value)\b|_, u, _", c.source), c.id


def test_no_sentence_says_nothing_trains_the_weights_under_truncation(nb):
    """Section 8 shows runs that learned through the last window's side effects."""
    for c in nb.cells:
        assert "nothing trains the weights" not in c.source, c.id
