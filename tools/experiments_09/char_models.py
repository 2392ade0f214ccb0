"""The character models of notebook 09 side by side: the plain RNN of notebooks 07 and 08, an LSTM
and a GRU of about the same number of parameters, trained on the same text (the first 400,000
characters of rnnlib.corpus.structured_text, seed 0) by tools/train_char_model.py.

Everything is measured on text none of them trained on: structured_text(20_000, seed=1)
(another seed, not a later slice of seed 0: structured_text of one seed is a prefix of the
same seed's longer text). It prints

  1. perplexity of each model and of counted n-grams (add-one, from the same training text);
  2. the best single unit per ground-truth feature (rnnlib.corpus.text_features) in the RNN's h,
     the LSTM's h and c and the GRU's h, by |Pearson r|, beside two controls: the untrained
     model of the same shape (the weights training started from) and the trained model with
     its recurrent weights set to zero (weight_hh_l0 = 0: each state sees only the character
     just read, plus for the LSTM nothing carried in c);
  3. whether the LSTM has a "quote cell": a unit of c or h with |r| >= 0.8 with in_string;
  4. closing accuracy by the distance back to the opener (explore.closing_accuracy):
     how often the most likely next character is the closing bracket or quote;
  5. the saturation of the LSTM's gates (explore.saturation, low 0.1, high 0.9).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD \
        python tools/experiments_09/char_models.py
        [--assets DIR]      where the three checkpoints are (default: the repository's assets/)
        [--settings]        instead: train every cell under four settings of learning rate and
                            weight decay (tools/train_char_model.py's run, same text and
                            updates) and print held-out perplexity and best units; 16 runs,
                            about 8 minutes of one core

The checkpoints and the --settings runs use the same training code, so a row of --settings
with a checkpoint's settings rebuilds that checkpoint (the RNN's as today's code trains it).
"""
import argparse
import importlib.util
import pathlib

import numpy as np

import rnnlib
from rnnlib import explore
from rnnlib.corpus import FEATURES, structured_text
from rnnlib.data import char_baselines

ASSETS = pathlib.Path(__file__).resolve().parents[2] / "assets"
CHECKPOINTS = {"rnn": "char_model.npz", "lstm": "char_model_lstm.npz", "gru": "char_model_gru.npz"}
TRAIN_CHARS, TEST_CHARS, TEST_SEED = 400_000, 20_000, 1
NGRAMS = (2, 3, 5)
EDGES = (1, 5, 10, 20, 40)
QUOTE_CELL_R = 0.8            # |r| with in_string at which a unit counts as a quote cell
LOW, HIGH = 0.1, 0.9


def load(cell, assets):
    path = pathlib.Path(assets) / CHECKPOINTS[cell]
    if not path.exists():
        return None
    meta = rnnlib.load_metadata(path)
    seed = meta["seed"]
    train = meta.get("train_text", dict(generator="rnnlib.corpus.structured_text", seed=seed,
                                        chars=[0, meta["config"]["train_chars"]]))
    assert (train["seed"], train["chars"]) == (0, [0, TRAIN_CHARS]), (cell, train)
    return rnnlib.load(path), rnnlib.Vocab(meta["symbols"]), meta


def controls(model, meta):
    """The untrained model training started from, and the trained one without memory: W_hh = 0
    and, for the gated cells, the forget gate (LSTM) or update gate (GRU) held at 0, since
    with W_hh = 0 alone an LSTM still carries c and a GRU still carries h."""
    cfg = meta["config"]
    cell = model.cell
    untrained = rnnlib.SequenceModel(model.input_size, model.hidden_size, model.output_size,
                                     cell=cell, seed=cfg.get("init_seed", meta["seed"]))
    if cfg.get("forget_bias"):
        H = model.hidden_size
        untrained.rnn.params["bias_ih_l0"][H:2 * H] += cfg["forget_bias"]
    no_recurrence = rnnlib.SequenceModel(model.input_size, model.hidden_size, model.output_size,
                                         cell=cell, seed=0)
    no_recurrence.load_state_dict(model.state_dict())
    p, H = no_recurrence.rnn.params, model.hidden_size
    p["weight_hh_l0"][...] = 0.0                   # nothing from h_{t-1} ...
    if cell in ("lstm", "gru"):                    # ... and no carried state: f = 0 or z = 0
        p["bias_ih_l0"][H:2 * H], p["bias_hh_l0"][H:2 * H] = -50.0, 0.0
    return untrained, no_recurrence


def best(states, features):
    """name -> (unit, r) of the largest |r|."""
    r = explore.feature_correlations(states, features)
    out = {}
    for name in FEATURES:
        units, values = explore.top_units(r[name], 1)
        out[name] = (int(units[0]), float(values[0])) if len(units) else (-1, float("nan"))
    return out


# --settings: (label, lr, weight decay); per cell (name, train_char_model.run arguments)
SETTINGS = [("3e-3, 1.0 (the RNN checkpoint's)", 3e-3, 1.0), ("3e-3, 0.3", 3e-3, 0.3),
            ("3e-3, 0", 3e-3, 0.0), ("1e-2, 0.3 (the gated checkpoints')", 1e-2, 0.3)]
SETTING_CELLS = [("RNN H=64", dict(cell="rnn", hidden=64)),
                 ("LSTM H=29 fb 1", dict(cell="lstm", hidden=29, forget_bias=1.0)),
                 ("GRU H=34", dict(cell="gru", hidden=34))]
EXTRA_RUNS = [("LSTM H=29 fb 0", dict(cell="lstm", hidden=29)),          # at the last setting
              ("RNN H=64, init seed 1", dict(cell="rnn", hidden=64, init_seed=1)),
              ("LSTM H=29 fb 1, init seed 1", dict(cell="lstm", hidden=29, forget_bias=1.0,
                                                  init_seed=1)),
              ("GRU H=34, init seed 1", dict(cell="gru", hidden=34, init_seed=1))]


def settings():
    """Every cell under every setting: the held-out perplexity and the best |r| of one unit of h
    for depth and in_string, from tools/train_char_model.py's run (15 epochs, 2,925 updates)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "train_char_model.py"
    spec = importlib.util.spec_from_file_location("train_char_model", path)
    tcm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tcm)
    base = dict(tcm.PRESETS["full"])
    test = structured_text(base["test_chars"], seed=TEST_SEED)
    print(f"Held-out perplexity on structured_text({base['test_chars']}, seed={TEST_SEED}); "
          f"best |r| of one unit of h with depth / in_string (and of c, for the LSTM); "
          f"training CPU seconds")
    print(f"   {'lr, weight decay':36s} {'model':28s} {'ppl':>6s}")
    runs = [(label, lr, wd, name, kw) for label, lr, wd in SETTINGS for name, kw in SETTING_CELLS]
    last = SETTINGS[-1]
    runs += [(*last, name, kw) for name, kw in EXTRA_RUNS]
    for label, lr, wd, name, kw in runs:
        hidden = kw["hidden"]
        res = tcm.run(**dict(base, hidden=hidden, lr=lr, weight_decay=wd),
                      **{k: x for k, x in kw.items() if k != "hidden"}, seed=0,
                      test_seed=TEST_SEED)
        b = res["best_units"]
        line = (f"   {label:36s} {name:28s} {res['perplexity']:6.3f}  "
                f"h ({abs(b['depth']['r']):.3f} / {abs(b['in_string']['r']):.3f})")
        if kw["cell"] == "lstm":
            c = rnnlib.hidden_states(res["model"], res["vocab"], test.text, cell_state=True)
            bc = best(c, test.features)
            line += f"  c ({abs(bc['depth'][1]):.3f} / {abs(bc['in_string'][1]):.3f})"
        else:
            line += " " * 17
        print(f"{line}  {res['train_cpu_s']:5.1f} s", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--assets", default=str(ASSETS))
    p.add_argument("--settings", action="store_true")
    args = p.parse_args(argv)
    if args.settings:
        return settings()
    np.set_printoptions(precision=3, suppress=True)
    train = structured_text(TRAIN_CHARS, seed=0).text
    test = structured_text(TEST_CHARS, seed=TEST_SEED)
    models = {cell: m for cell in CHECKPOINTS if (m := load(cell, args.assets)) is not None}
    vocab = models["rnn"][1]
    assert all(v.symbols == vocab.symbols for _, v, _ in models.values())

    print(f"Held-out text: structured_text({TEST_CHARS}, seed={TEST_SEED}); every model trained on "
          f"structured_text({TRAIN_CHARS}, seed=0)\n")

    # 1. perplexity --------------------------------------------------------------------------
    print("1. Perplexity on the held-out text (lower is better)")
    base = char_baselines(train, test.text)
    probs = {}
    for n in NGRAMS:
        probs[f"{n}-gram"] = explore.ngram_probs(train, vocab, test.text, n)
    for cell, (model, _, meta) in models.items():
        probs[cell] = explore.next_char_probs(model, vocab, test.text)
    ids = vocab.encode(test.text)
    print(f"   {'model':10s} {'params':>7s} {'perplexity':>10s}   training")
    print(f"   {'uniform':10s} {'':>7s} {base['uniform']:10.2f}")
    print(f"   {'unigram':10s} {'':>7s} {base['unigram']:10.2f}")
    for name, p in probs.items():
        ppl = float(np.exp(-np.log(p[np.arange(len(ids) - 1), ids[1:]]).mean()))
        if name in models:
            model, _, meta = models[name]
            params = sum(a.size for a in model.params.values())
            cfg = meta["config"]
            how = (f"H={model.hidden_size}, {meta['updates']} updates, lr {cfg['lr']}, "
                   f"weight decay {cfg['weight_decay']}"
                   + (f", forget bias {cfg['forget_bias']}" if cfg.get("forget_bias") else ""))
            assert abs(ppl - rnnlib.perplexity(model, vocab, test.text)) < 1e-9 * ppl
            print(f"   {name:10s} {params:7d} {ppl:10.2f}   {how}")
        else:
            print(f"   {name:10s} {'':>7s} {ppl:10.2f}   counted in the training text, add-one")

    # 2. best units, with controls -------------------------------------------------------------
    print("\n2. Best single unit per feature: unit (Pearson r) over the held-out characters")
    rows = []
    for cell, (model, _, meta) in models.items():
        untrained, no_rec = controls(model, meta)
        kinds = [("h", False)] + ([("c", True)] if cell == "lstm" else [])
        for state, cell_state in kinds:
            for label, m in [("trained", model), ("untrained", untrained), ("no memory", no_rec)]:
                s = rnnlib.hidden_states(m, vocab, test.text, cell_state=cell_state)
                rows.append((f"{cell} {state}", label, best(s, test.features)))
    print(f"   {'state':7s} {'model':10s}" + "".join(f"{n:>16s}" for n in FEATURES))
    for state, label, b in rows:
        print(f"   {state:7s} {label:10s}" + "".join(f"{f'{u:d} ({r:+.3f})':>16s}"
                                                    for u, r in (b[n] for n in FEATURES)))

    # 3. a quote cell ---------------------------------------------------------------------------
    print(f"\n3. A quote cell in the LSTM (a unit with |r| >= {QUOTE_CELL_R} with in_string)")
    if "lstm" in models:
        model = models["lstm"][0]
        for state, cell_state in [("c", True), ("h", False)]:
            s = rnnlib.hidden_states(model, vocab, test.text, cell_state=cell_state)
            quote = {"in_string": test.features["in_string"]}
            r = explore.feature_correlations(s, quote)["in_string"]
            units, values = explore.top_units(r, 3)
            found = "found" if abs(values[0]) >= QUOTE_CELL_R else "not found"
            top = ", ".join(f"{u} ({x:+.3f})" for u, x in zip(units, values))
            print(f"   {state}: {found}; top units {top}")
            if state == "c":
                u, x = units[0], s[:, units[0]]
                inside = test.features["in_string"] == 1
                mid = (x[inside].mean() + x[~inside].mean()) / 2      # halfway between the means
                says = (x > mid) if x[inside].mean() > mid else (x < mid)
                print(f"      unit {u} of c: mean {x[inside].mean():+.3f} inside strings, "
                      f"{x[~inside].mean():+.3f} outside; thresholded halfway ({mid:+.3f}) it "
                      f"says in_string right on {np.mean(says == inside):.3f} of characters "
                      f"({np.mean(says[inside]):.3f} inside, "
                      f"{np.mean(~says[~inside]):.3f} outside)")

    # 4. closing accuracy -------------------------------------------------------------------------
    print("\n4. Closing accuracy by distance to the opener: share of closings whose most likely "
          "next character is the closer (count)")
    for closers, what in [(")]}", "brackets ) ] }"), ('"', 'quotes "')]:
        edges = list(EDGES)
        heads = [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])] + [f">={edges[-1]}"]
        acc0 = explore.closing_accuracy(probs["2-gram"], vocab, test.text, EDGES, closers)
        print(f"   {what}; distance: "
              + "  ".join(f"{h} ({c})" for h, c in zip(heads, acc0.counts)))
        print(f"   {'model':10s}" + "".join(f"{h:>8s}" for h in heads) + f"{'all':>8s}")
        for name, p in probs.items():
            acc = explore.closing_accuracy(p, vocab, test.text, EDGES, closers)
            cells = "".join(f"{a:8.3f}" if c else f"{'-':>8s}"
                            for a, c in zip(acc.accuracy, acc.counts))
            print(f"   {name:10s}{cells}{acc.overall()[0]:8.3f}")
        print("   mean probability of the closer:")
        for name, p in probs.items():
            acc = explore.closing_accuracy(p, vocab, test.text, EDGES, closers)
            cells = "".join(f"{a:8.3f}" if c else f"{'-':>8s}"
                            for a, c in zip(acc.probability, acc.counts))
            print(f"   {name:10s}{cells}{acc.p.mean():8.3f}")

    # 5. gate saturation --------------------------------------------------------------------------
    if "lstm" in models:
        model = models["lstm"][0]
        H = model.hidden_size
        gates = explore.gate_activations(model, vocab, test.text)
        print(f"\n5. The LSTM's gates on the held-out text: per unit the share of steps < {LOW} "
              f"(left-saturated) and > {HIGH} (right-saturated); {H} units")
        print(f"   {'gate':7s} {'mean left':>10s} {'mean right':>11s} {'left>0.5':>9s} "
              f"{'right>0.5':>10s} {'neither>0.5':>12s} {'mean value':>11s}")
        for name in ("input", "forget", "output"):
            left, right = explore.saturation(gates[name], LOW, HIGH)
            neither = np.sum((left <= 0.5) & (right <= 0.5))
            print(f"   {name:7s} {left.mean():10.3f} {right.mean():11.3f} {np.sum(left > 0.5):9d} "
                  f"{np.sum(right > 0.5):10d} {neither:12d} {gates[name].mean():11.3f}")
        left, right = explore.saturation(gates["forget"], LOW, HIGH)
        order = np.argsort(-right, kind="stable")
        print("   forget gate, units by right-saturated share: " +
              ", ".join(f"{u} ({right[u]:.2f})" for u in order[:8]))


if __name__ == "__main__":
    main()
