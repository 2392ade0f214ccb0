"""Notebook 10's prose against its stored outputs: every number the text quotes is one a cell
prints (nbval holds the outputs to a fresh run, with or without torch and Keras), and the
comparisons the text draws from the tables hold in the tables."""
import re

import numpy as np
import pytest

from notebook_outputs import cell, markdown, notebook, printed, quoted

NB = "10_to_pytorch_and_keras"


@pytest.fixture(scope="module")
def nb():
    return notebook(NB)


def table(text, columns):
    """{row label: [floats]} of a printed table whose rows end in `columns` numbers."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\s*(.+?)\s+((?:[-+]?[\d.]+(?:e[-+]\d+)?\s*){%d})$" % columns, line)
        if m:
            rows[m.group(1)] = [float(v) for v in m.group(2).split()]
    return rows


def test_every_framework_cell_says_live_or_stored_first(nb):
    calls = [c for c in nb.cells if c.cell_type == "code" and "live_or_stored(" in c.source
             and "def live_or_stored" not in c.source]
    assert len(calls) == 6
    for c in calls:
        # one tag per framework the cell calls, before anything else it prints
        frameworks = re.findall(r'"(PyTorch|Keras)"', c.source)
        tags = "".join(rf"\[(live|stored): {f} \d+\.\d+\.\d+\]\n" for f in frameworks)
        assert frameworks and re.match(tags, printed(c)), printed(c)


def test_h_n_shape_tells_batch_from_layers(nb):
    out = printed(cell(nb, "a0363fbd"))
    assert "h_n (2, 3, 4) = (num_layers, N, H)" in out
    assert "the same numbers: True" in out


def test_torch_and_keras_gaps(nb):
    torch_out = printed(cell(nb, "bdd5b594"))
    gaps = [float(g) for g in re.findall(r"scores: (\S+) ", torch_out)]
    assert len(gaps) == 2 and max(gaps) < 1e-13
    keras_out = printed(cell(nb, "2735d3e0"))
    # the parameter counts differ by torch's second bias: H for the RNN, 4H for the LSTM
    counts = re.findall(r": ([\d,]+) parameters \(([\d,]+) in rnnlib\)", keras_out)
    assert [int(b.replace(",", "")) - int(a.replace(",", "")) for a, b in counts] == [64, 4 * 29]
    rel = [float(r) for r in re.findall(r"relative to the largest score: (\S+)", keras_out)]
    float32 = float(re.search(r"relative (\S+)", printed(cell(nb, "86b51746"))).group(1))
    assert all(0.1 * float32 <= r <= 10 * float32 for r in rel), (rel, float32)


def test_keras_training_taken_apart(nb):
    rows = table(printed(cell(nb, "5e9a7a10")), 5)
    two, one = rows["torch Adam, two biases"], rows["torch Adam, one bias"]
    keras_two, both = rows["Keras Adam, two biases"], rows["Keras Adam, one bias"]
    first = table(printed(cell(nb, "14225da6")), 5)["keras against rnnlib"]
    assert two == first                              # "the first row is the table above"
    assert one[2] < 1e-3 * two[2] and one[1] < 0.1 * two[1]    # one bias: most of b and W_h
    assert 1e-4 < one[0] < 1e-3 and 1e-4 < one[3] < 1e-3       # W_x, W_out still ~5e-4 away
    assert np.allclose(keras_two, two, rtol=0.1)               # Keras' Adam alone: no change
    assert max(both) < 5e-7                                    # both: float32's rounding
    for said in (r"$6.5 \times 10^{-3}$", r"$1.5 \times 10^{-6}$", r"$1.8 \times 10^{-3}$",
                 r"$6.4 \times 10^{-5}$", r"at most $5 \times 10^{-7}$"):
        assert said in markdown(nb, "The first row is the table above"), said


def test_perplexities_and_controls(nb):
    rows = table(printed(cell(nb, "0c323e08")), 1)
    p = {k: v[0] for k, v in rows.items()}
    tuned = [p[f"fine-tuned in {k}"] for k in ("rnnlib", "torch", "keras")]
    assert max(tuned) < p["checkpoint"] < p["bigram counts"] < p["no memory (W_h = 0)"] \
        < p["unigram counts"] < p["untrained (seed 0)"]
    assert abs(p["untrained (seed 0)"] - 46) < 2            # about guessing among V = 46
    quoted(nb, "from 3.49 to 3.42", r"fine-tuned in rnnlib\s+3\.42\d")
    quoted(nb, "the untrained model scores 46.2", r"untrained \(seed 0\)\s+46\.1[5-9]")
    quoted(nb, "without memory 13.4", r"no memory \(W_h = 0\)\s+13\.3[5-9]")
    quoted(nb, "bigram counts (7.6)", r"bigram counts\s+7\.6\d")


def test_explorer_finds_unit_6_and_controls_do_not(nb):
    out = printed(cell(nb, "e04c0005"))
    rows = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"(.+?)\s+([-+][\d.]+)\s+(\d+) \(([-+][\d.]+)\)", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), int(m.group(3)), float(m.group(4)))
    for name in ("checkpoint", "fine-tuned in rnnlib", "fine-tuned in torch", "fine-tuned in keras"):
        assert rows[name][1] == 6 and rows[name][2] < -0.85, name
    controls = [rows["untrained (seed 0)"], rows["no memory (W_h = 0)"]]
    assert max(abs(c[2]) for c in controls) < 0.33
    assert "($0.22$ untrained, $0.32$ without memory)" in " ".join(
        markdown(nb, "The unit survives the trip").split())


def test_exercise_answers_quote_their_outputs(nb):
    quoted(nb, "the outputs are off by 0.44", r"swapped to r, z, n: False\s+largest \|rnnlib - Keras\|: 4\.4e-01")
    quoted(nb, "(0.767 of rnnlib's)", r"1e-06 .* 0\.767")
    quoted(nb, "it is 6% of rnnlib's", r"1e-08 .* 0\.06[01]")


def test_lstm_fine_tuned_in_both_frameworks(nb):
    losses = table(printed(cell(nb, "1057a002")), 4)
    assert losses["torch    loss"] == losses["rnnlib   loss"]             # every printed digit
    assert 0 < max(abs(a - b) for a, b in zip(losses["keras    loss"], losses["rnnlib   loss"])) < 1e-3
    out = printed(cell(nb, "1057a004"))
    w = table(out.split("\n\n")[0], 5)
    moved, torch_gap, keras_gap = (w[k] for k in ("rnnlib: moved by its updates", "torch against rnnlib",
                                                  "keras against rnnlib"))
    assert max(torch_gap) < 3e-15 < 1e-3 < min(moved)                  # torch: round-off only
    assert 0.4 < keras_gap[2] / moved[2] < 0.6                           # Keras' one bias: half as far
    said = " ".join(markdown(nb, "torch made rnnlib's 19 updates again").split())
    for quote in (r"at most $2.1 \times 10^{-15}$", r"$1.9 \times 10^{-2}$", r"$3.7 \times 10^{-2}$",
                  r"between $5 \times 10^{-4}$ and $4 \times 10^{-3}$"):
        assert quote in said, quote
    others = keras_gap[:2] + keras_gap[3:]                              # W_x, W_h, W_out, b_out
    assert 4e-4 <= min(others) and max(others) <= 4e-3


def test_lstm_keeps_notebook_09s_units_and_controls_do_not(nb):
    out = printed(cell(nb, "1057a004")).split("\n\n")[1]
    rows = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"(.+?)\s+([\d.]+)\s+([-+][\d.]+)\s+(\d+) \(([-+][\d.]+)\)\s+([-+][\d.]+)\s+(\d+) \(([-+][\d.]+)\)$", line)
        assert m, line
        g = m.groups()
        rows[g[0]] = dict(ppl=float(g[1]), r21=float(g[2]), quote=int(g[3]), r_quote=float(g[4]),
                          r17=float(g[5]), depth=int(g[6]), r_depth=float(g[7]))
    trained = ["checkpoint"] + [f"fine-tuned in {k}" for k in ("rnnlib", "torch", "keras")]
    for name in trained:                             # notebook 09's units, still the best ones
        row = rows[name]
        assert (row["quote"], row["depth"]) == (21, 17), name
        assert row["r21"] > 0.8 and row["r17"] < -0.9, name
    # notebook 09 measured the same checkpoint on the same text (seed 1, 20,000 characters)
    nb09 = notebook("09_gated_cells")
    assert f"unit 21 of c: r = {rows['checkpoint']['r21']:+.3f}" in printed(cell(nb09, "d4d109d2"))
    assert f"lstm c  trained        17 ({rows['checkpoint']['r17']:+.3f})" in printed(cell(nb09, "1f7e0687"))
    assert "$r = +0.815$ on this text) and unit 17 follows bracket depth ($r = -0.940$)" in " ".join(
        markdown(nb, "### The LSTM makes the same trip").split())
    tuned = [rows[n]["ppl"] for n in trained[1:]]
    assert max(tuned) - min(tuned) < 1e-3 and max(tuned) < rows["checkpoint"]["ppl"]
    untrained, no_memory = rows["untrained (seed 0)"], rows["no memory (W_h=0, f=0)"]
    assert abs(untrained["ppl"] - 46) < 2 and 7.6 < no_memory["ppl"] < untrained["ppl"]
    controls = [abs(c[k]) for c in (untrained, no_memory) for k in ("r_quote", "r_depth")]
    assert max(controls) < 0.4
    said = " ".join(markdown(nb, "torch made rnnlib's 19 updates again").split())
    for quote in ("score 3.158 against the checkpoint's 3.207", "untrained LSTM scores 45.9",
                  "without memory 15.6", r"($r = +0.813$, against $+0.815$ before)",
                  r"($-0.941$, against $-0.940$)", r"reach $0.22$ and $0.27$", r"only $0.38$ and $0.31$"):
        assert quote in said, quote
    assert f"{untrained['ppl']:.1f}" == "45.9" and f"{no_memory['ppl']:.1f}" == "15.6"
    assert f"{abs(untrained['r_quote']):.2f}" == "0.22" and f"{abs(untrained['r_depth']):.2f}" == "0.27"
    assert f"{abs(no_memory['r21']):.2f}" == "0.38" and f"{abs(no_memory['r17']):.2f}" == "0.31"
    summary = " ".join(markdown(nb, "Each refusal is a real difference").split())   # ends with the summary
    assert "The fine-tuned LSTMs score 3.16 (checkpoint 3.21)" in summary
    assert "controls reach at most 0.38" in summary


def test_packed_sequences_are_lengths(nb):
    out = printed(cell(nb, "1057b003"))
    assert "lengths [16 11  5], x (3, 16, 46)" in out
    gaps = [float(g) for g in re.search(r"lengths=\|: output (\S+), h_n (\S+), c_n (\S+)", out).groups()]
    assert max(gaps) == gaps[2] < 5e-15 and f"{gaps[2]:.0e}" == "3e-15"        # the largest on c_n
    assert "outputs on the padding are zero in both: True" in out
    h, c = (float(g) for g in re.search(r"without lengths\|: h_n (\S+), c_n (\S+)", out).groups())
    assert min(h, c) > 0.1                                       # the padding read as input moves them
    said = " ".join(markdown(nb, "torch's packed run and rnnlib's").split())
    assert r"at most $3 \times 10^{-15}$, on $c_n$" in said and f"by up to {h:.2f} ($h_n$) and {c:.2f} ($c_n$)" in said
    assert "to $3 \\times 10^{-15}$" in " ".join(markdown(nb, "Each refusal is a real difference").split())


def test_keras_weights_move_3_to_20_percent_and_half_for_the_bias(nb):
    """The summary's ratio of Keras' difference to how far the updates moved the weights, both models."""
    ratios = []
    for cid in ("14225da6", "1057a004"):
        w = table(printed(cell(nb, cid)).split("\n\n")[1 if cid == "14225da6" else 0], 5)
        moved = w["rnnlib: moved by its updates"]
        keras = w["keras against rnnlib"]
        assert 0.4 < keras[2] / moved[2] < 0.6                       # b: half
        ratios += [k / m for i, (k, m) in enumerate(zip(keras, moved)) if i != 2]
    assert (f"{min(ratios):.0%}", f"{max(ratios):.0%}") == ("3%", "20%"), ratios
    assert "by 3% to 20% of how far the updates moved them (half, for the bias, in both models)" in " ".join(
        markdown(nb, "Each refusal is a real difference").split())
