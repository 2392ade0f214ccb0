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
    assert len(calls) == 4
    for c in calls:
        assert re.match(r"\[(live|stored): (PyTorch|Keras) \d+\.\d+\.\d+\]\n", printed(c)), printed(c)


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
