"""Notebook 07 read as a learner would: the sampled-text counts are compared with chance at the
same temperature (an untrained model and a bigram sampler) with a bracket count that unpaired
quotes cannot fool, and what the prose says of that table is what the table prints; the
hand-written loop is fit_truncated bit for bit on ids. Expected values come from hand-made lines,
from counting, and from a loop written here, not from the notebook's own output."""
import re

import numpy as np

import rnnlib
from notebook_outputs import code_cell_defining, markdown, notebook, notebook_function, printed
from rnnlib.data import bptt_windows, structured_text

NB = notebook("07_character_language_model")


def notebook_functions(*names):
    """The notebook's own definitions of `names` (and nothing else of their cells)."""
    namespace = {"np": np, "rnnlib": rnnlib}
    for name in names:
        exec(notebook_function(NB, name), namespace)
    return namespace


def percent(s):
    return int(s.rstrip("%"))


def fair_table():
    """{tau: {sampler: (quotes %, lines with a quote, brackets %, lines judged)}} as printed."""
    table, tau = {}, None
    row = re.compile(r"^(?:τ = ([0-9.]+))?\s+(checkpoint|untrained|bigram sampler)\s+"
                     r"(\d+)% of\s+(\d+)\s+(\d+)% of\s+(\d+)$")
    for line in printed(code_cell_defining(NB, "judged_lines")).splitlines():
        m = row.match(line)
        if m:
            tau = float(m.group(1)) if m.group(1) else tau
            table.setdefault(tau, {})[m.group(2)] = tuple(int(g) for g in m.groups()[2:])
    return table


# --- the counts themselves ------------------------------------------------------------------

def test_a_line_with_an_unpaired_quote_is_not_judged_on_its_brackets():
    ns = notebook_functions("quotes_paired", "brackets_balanced", "judged_lines")
    # an odd quote hides the bracket after it: brackets_balanced alone calls this line balanced
    assert ns["brackets_balanced"]('sum = ")') and not ns["quotes_paired"]('sum = ")')
    lines = ['sum = ")',            # unpaired quote: not judged
             'x = "a (b"',          # its only bracket is inside a string: not judged
             'y = 3',               # no bracket: not judged
             'f(")")',              # paired quotes, a bracket outside: judged, balanced
             'g([1, "]"], 2)',      # judged, balanced (the ] in the string does not count)
             'h(1]']                # judged, not balanced
    judged = ns["judged_lines"](lines)
    assert judged == ['f(")")', 'g([1, "]"], 2)', 'h(1]']
    assert [ns["brackets_balanced"](s) for s in judged] == [True, True, False]


def test_the_bigram_sampler_at_tau_1_draws_from_the_add_one_counts():
    text = structured_text(3_000, seed=2).text
    vocab = rnnlib.Vocab(text, order="sorted")
    ids = vocab.encode(text)
    V = len(vocab)
    counts = np.ones((V, V))
    for a, c in zip(ids[:-1], ids[1:]):                      # counted by hand, one pair at a time
        counts[a, c] += 1
    p = counts / counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rnnlib.temperature_probs(np.log(p), 1.0), p, rtol=1e-12)
    # a small tau puts nearly everything on the most frequent next character: where it is at
    # least twice as frequent as the runner-up, tau = 0.05 gives it odds of 2**20 against each other
    sharp = rnnlib.temperature_probs(np.log(p), 0.05)
    top2 = np.sort(p, axis=1)[:, -2:]
    clear = top2[:, 1] >= 2 * top2[:, 0]
    assert clear.sum() >= 5
    assert np.all(sharp[clear, p[clear].argmax(axis=1)] > 0.99)


def test_the_loop_is_fit_truncated_bit_for_bit_on_ids():
    ns = notebook_functions("train_short")
    text = structured_text(2_000, seed=3).text
    vocab = rnnlib.Vocab(text, order="sorted")
    V, streams, window = len(vocab), 4, 10
    x, y = bptt_windows(vocab.encode(text), streams, window)
    ours = rnnlib.SequenceModel(V, 8, V, seed=4)
    history = ns["train_short"](ours, x, y)                         # ids, as the notebook runs it
    twin, losses = rnnlib.SequenceModel(V, 8, V, seed=4), []

    def recorded(logits, targets, mask):
        loss, d = rnnlib.softmax_cross_entropy(logits, targets, mask)[:2]
        losses.append(loss)
        return loss, d
    rnnlib.fit_truncated(twin, x.transpose(1, 0, 2).reshape(streams, -1),
                         y.transpose(1, 0, 2).reshape(streams, -1),
                         rnnlib.Adam(twin.params, lr=2e-2), k=window, loss=recorded, epochs=1,
                         clip=5.0)
    assert losses == history["loss"]
    for k in twin.params:
        assert np.array_equal(twin.params[k], ours.params[k]), k


# --- what the prose says of the stored outputs -----------------------------------------------

def test_the_run_on_ids_is_reported_bit_for_bit():
    out = printed(code_cell_defining(NB, "recorded_loss"))
    assert "every window's loss the same, bit for bit: True" in out
    assert "every final weight the same, bit for bit: True" in out


def test_the_fair_table_has_every_sampler_at_every_tau():
    table = fair_table()
    assert sorted(table) == [0.2, 0.5, 1.0, 1.5]
    for rows in table.values():
        assert sorted(rows) == ["bigram sampler", "checkpoint", "untrained"]


def test_the_checkpoint_rows_are_the_samples_of_the_previous_cell():
    before = printed(code_cell_defining(NB, "line_report"))
    table = fair_table()
    for tau, rows in table.items():
        quotes, quoted = rows["checkpoint"][:2]
        line = next(s for s in before.splitlines() if s.startswith(f"τ = {tau:<4}"))
        assert f"of {quoted:3d} with a quote {quotes:3d}%" in line, (tau, line)


def test_what_the_prose_says_of_the_fair_table():
    t = fair_table()
    q = {tau: {s: r[0] for s, r in rows.items()} for tau, rows in t.items()}
    b = {tau: {s: r[2] for s, r in rows.items()} for tau, rows in t.items()}
    controls = ("untrained", "bigram sampler")
    text = markdown(NB, "Compared like with like")
    # quotes: far above both controls at 0.2 and 0.5; at 1.0 within 2 points of the bigram's
    assert [q[0.2]["checkpoint"], q[0.5]["checkpoint"]] == [97, 87]
    assert min(q[tau][s] for tau in (0.2, 0.5) for s in controls) == 32
    assert max(q[tau][s] for tau in (0.2, 0.5) for s in controls) == 38
    assert q[1.0]["checkpoint"] - q[1.0]["bigram sampler"] == 2
    assert (q[1.5]["checkpoint"], q[1.5]["bigram sampler"], q[1.5]["untrained"]) == (42, 34, 32)
    # the two samples of the bigram sampler at tau = 1 (previous cell, and here) differ by 2 too
    assert "bigram     356 lines" in printed(code_cell_defining(NB, "line_report"))
    assert "of 254 with a quote  38%" in printed(code_cell_defining(NB, "line_report"))
    assert q[1.0]["bigram sampler"] == 40
    # brackets: above every control up to tau = 1, close to chance at 1.5, under half at best
    assert [b[tau]["checkpoint"] for tau in (0.2, 0.5, 1.0)] == [36, 41, 27]
    assert max(b[tau][s] for tau in (0.2, 0.5, 1.0) for s in controls) == 18
    assert [b[tau]["untrained"] for tau in (0.2, 0.5, 1.0)] == [3, 6, 1]
    assert (b[1.5]["checkpoint"], b[1.5]["bigram sampler"]) == (10, 8)
    assert max(b[tau]["checkpoint"] for tau in b) < 50
    for number in ("97%", "87%", "32%", "38%", "42%", "40%", "34%", "36%", "41%", "27%",
                   "18%", "1% to 6%", "10%", "8%"):
        assert number in text, number


def test_the_summary_quotes_the_fair_table():
    summary = markdown(NB, "## Summary")
    for number in ("97% and 87%", "at most 38%", "27% to 41%", "at most 18%"):
        assert number in summary, number
    assert "no better than chance on\n  quotes" in summary or "no better than chance on quotes" in summary


def test_the_near_greedy_text_ends_no_line():
    (cell,) = [c for c in NB.cells if c.cell_type == "code" and "temperature=1e-3" in c.source]
    out = printed(cell)
    sampled = out.split("\nclosing brackets drawn")[0]
    assert len(sampled) == len("x = max(") + 300 and "\n" not in sampled
    assert "300 characters end no line" in markdown(NB, "Against chance the picture changes")
