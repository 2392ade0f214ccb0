"""Long gaps for notebook 09's "the remedy": which cells learn to remember across 10 … 100 steps.

Three tasks (tasks.py): notebook 06's memory task (--same: distractors from the same four
symbols), the adding problem, the copy task. Five models at (nearly) the same number of
parameters: the tanh RNN, the IRNN of Le et al. 2015 (relu, W_hh = I, biases 0, input
weights N(0, 0.001^2)), the LSTM with forget bias 0 and with forget bias 1, and the GRU.
Each reads one-hot or (value, marker) inputs; a Dense head reads the last state (memory,
adding) or every state (copy). Every run: Adam, gradients clipped to a global norm, the same
number of updates for every model, batches of fresh sequences from a generator seeded by
the run's seed, evaluation on held-out sequences from another seed (10_000 + seed).

"Learned", judged on the training batches, and the run stops there (the update is stored):
    memory  every answer right in each of the last 10 batches (notebook 06's rule)
    adding  mean MSE of the last 10 batches below 0.01 (chance: 1/6)
    copy    at least 99% of the recalled symbols right over the last 10 batches

Adam lr 0.01, clip 1.0; 1000 updates (memory, adding), 1500 (copy); gaps 10, 20, 50, 100;
the LSTM has H = 32 and the others the H nearest its parameter count. The grid (about 28 min
of one core, the numbers in README.md):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD \
        python tools/experiments_09/long_gaps.py --out assets/long_gaps.json
    ... --tasks copy --replace-tasks --out assets/long_gaps.json   re-run one task, keep the others
    ... --table assets/long_gaps.json     the markdown table: learned of 5, median metric
    ... --time                            CPU per update at the longest gap (20 updates each)
    ... --lr 0.001 / --updates N / --gaps ... / --seeds ... / --models ...   side checks
    ... --distinct                        memory task with distractors from E..H instead
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rnnlib                                           # noqa: E402
import tasks                                            # noqa: E402

MODELS = ["rnn", "irnn", "lstm_fb0", "lstm_fb1", "gru"]
CELL = {"rnn": "rnn", "irnn": "rnn", "lstm_fb0": "lstm", "lstm_fb1": "lstm", "gru": "gru"}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}

# per task: input width F, output width O, the gaps, updates, batch, the LSTM's state size
# (the other models get the state size whose parameter count is nearest the LSTM's)
CONFIG = {
    "memory": dict(F=tasks.MEMORY_V, O=tasks.SIGNALS, gaps=[10, 20, 50, 100], updates=1000,
                   batch=32, lstm_hidden=32, metric="accuracy", chance=tasks.MEMORY_CHANCE_ACCURACY,
                   n_test=1000),
    "adding": dict(F=2, O=1, gaps=[10, 20, 50, 100], updates=1000, batch=32, lstm_hidden=32,
                   metric="mse", chance=tasks.ADDING_CHANCE_MSE, n_test=1000),
    "copy": dict(F=tasks.COPY_IN, O=tasks.COPY_OUT, gaps=[10, 20, 50, 100], updates=1500, batch=32,
                 lstm_hidden=32, metric="cross_entropy", chance=None, n_test=500),
}
LR, CLIP, CURVE_EVERY = 1e-2, 1.0, 25


def n_params(cell, F, H, O):
    """W_ih, W_hh, b_ih, b_hh of one layer (gates * H rows each) plus the head's H*O + O."""
    return GATES[cell] * H * (F + H + 2) + H * O + O


def hidden_sizes(F, O, lstm_hidden):
    """Each model's state size: the LSTM's given, the others' nearest in parameter count."""
    target = n_params("lstm", F, lstm_hidden, O)
    out = {}
    for m in MODELS:
        cell = CELL[m]
        out[m] = min(range(1, 8 * lstm_hidden), key=lambda H: abs(n_params(cell, F, H, O) - target))
        if cell == "lstm":
            out[m] = lstm_hidden
    return out


def build(model, F, H, O, seed):
    """The recurrent layer and the head, initialised as the model's recipe says."""
    rng = np.random.default_rng(seed)
    cell = CELL[model]
    kw = dict(nonlinearity="relu") if model == "irnn" else {}
    layer = {"rnn": rnnlib.RNN, "lstm": rnnlib.LSTM, "gru": rnnlib.GRU}[cell](
        F, H, seed=int(rng.integers(2**31)), **kw)
    head = rnnlib.Dense(H, O, seed=int(rng.integers(2**31)))
    p = layer.params
    if model == "irnn":                                 # Le et al. 2015
        p["weight_hh_l0"][...] = np.eye(H)
        p["weight_ih_l0"][...] = rng.normal(0.0, 0.001, p["weight_ih_l0"].shape)
        p["bias_ih_l0"][...] = 0.0
        p["bias_hh_l0"][...] = 0.0
    elif model in ("lstm_fb0", "lstm_fb1"):             # rows H:2H are the forget gate's
        p["bias_ih_l0"][H:2 * H] = 1.0 if model == "lstm_fb1" else 0.0
        p["bias_hh_l0"][H:2 * H] = 0.0
    return layer, head


def forward_loss(task, layer, head, x, y, train=True):
    """loss, the gradient of the loss at the layer's output (train only), and a score per batch:
    memory: all right (bool); adding: the MSE; copy: the fraction of recalled symbols right."""
    out, _ = layer(x)                                   # (N, T, H)
    if task == "copy":
        logits = head(out)                              # (N, T, 9)
        loss, dlogits = rnnlib.softmax_cross_entropy(logits, y)
        recalled = logits[:, -tasks.COPY_LENGTH:].argmax(-1) == y[:, -tasks.COPY_LENGTH:]
        score = float(recalled.mean())
    else:
        pred = head(out[:, -1])                         # (N, O)
        if task == "memory":
            loss, dlogits = rnnlib.softmax_cross_entropy(pred, y)
            score = float(np.mean(pred.argmax(-1) == y))
        else:
            loss, dlogits = rnnlib.mse_loss(pred, y)
            score = loss
    if not train:
        return loss, None, score
    dhead = head.backward(dlogits)
    if task == "copy":
        dout = dhead
    else:
        dout = np.zeros_like(out)
        dout[:, -1] = dhead
    return loss, dout, score


def learned(task, scores):
    if len(scores) < 10:
        return False
    last = scores[-10:]
    if task == "memory":
        return all(s == 1.0 for s in last)
    if task == "adding":
        return float(np.mean(last)) < 0.01
    return float(np.mean(last)) >= 0.99


BATCH = {"memory": tasks.memory_batch, "adding": tasks.adding_batch, "copy": tasks.copy_batch}


def run(task, model, gap, seed, H, updates=None, early_stop=True):
    """One training run; returns a dict with the held-out metric, the update at which the run
    was learned (or None), the mean training loss over every CURVE_EVERY updates, CPU seconds."""
    c = CONFIG[task]
    updates = updates or c["updates"]
    t0 = time.process_time()
    rng = np.random.default_rng(seed)
    layer, head = build(model, c["F"], H, c["O"], int(rng.integers(2**31)))
    params = {**{f"rnn.{k}": p for k, p in layer.params.items()},
              **{f"head.{k}": p for k, p in head.params.items()}}
    grads = {**{f"rnn.{k}": g for k, g in layer.grads.items()},
             **{f"head.{k}": g for k, g in head.grads.items()}}
    opt = rnnlib.Adam(params, lr=LR)
    scores, losses, curve, learned_at = [], [], [], None
    diverged = False
    for step in range(1, updates + 1):
        x, y = BATCH[task](rng, c["batch"], gap)
        layer.zero_grad()
        head.zero_grad()
        loss, dout, score = forward_loss(task, layer, head, x, y)
        if not np.isfinite(loss):
            diverged = True
            break
        layer.backward(dout)
        rnnlib.clip_grad_norm_(grads, CLIP)
        opt.step(grads)
        scores.append(score)
        losses.append(loss)
        if step % CURVE_EVERY == 0:
            curve.append(float(f"{np.mean(losses[-CURVE_EVERY:]):.4g}"))
        if learned_at is None and learned(task, scores):
            learned_at = step
            if early_stop:
                break
    x, y = BATCH[task](np.random.default_rng(10_000 + seed), c["n_test"], gap)
    if diverged:
        test_loss, test_score = float("nan"), float("nan")
    else:
        test_loss, test_score = forward_loss(task, layer, head, x, y, train=False)[::2]
    metric = {"memory": test_score, "adding": test_loss, "copy": test_loss}[task]
    return dict(metric=None if diverged else round(float(metric), 5), learned_at=learned_at,
                updates_run=len(losses),
                curve=curve, diverged=diverged,
                recalled=round(float(test_score), 4) if task == "copy" and not diverged else None,
                cpu=round(time.process_time() - t0, 3))


def chance(task, gap):
    if task == "copy":
        return float(tasks.copy_baseline_ce(gap))
    return float(CONFIG[task]["chance"])


def main():
    global LR
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", nargs="+", default=list(CONFIG))
    ap.add_argument("--models", nargs="+", default=MODELS)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--gaps", type=int, nargs="+", default=None, help="instead of each task's own")
    ap.add_argument("--updates", type=int, default=None, help="instead of each task's own")
    ap.add_argument("--out", default=None, help="write the JSON here (e.g. assets/long_gaps.json)")
    ap.add_argument("--replace-tasks", action="store_true",
                    help="keep the other tasks already in --out, replace only those run now")
    ap.add_argument("--time", action="store_true", help="CPU per update at the longest gap")
    ap.add_argument("--distinct", action="store_true",
                    help="memory task with distractors from E..H (not in the JSON's grid)")
    ap.add_argument("--lr", type=float, default=None, help="instead of 0.01 (side checks)")
    ap.add_argument("--table", metavar="JSON", help="print the markdown table of a results file")
    a = ap.parse_args()
    if a.lr:
        LR = a.lr
    if a.table:
        with open(a.table) as f:
            print(table(json.load(f)))
        return
    if a.distinct:
        BATCH["memory"] = lambda rng, n, gap: tasks.memory_batch(rng, n, gap, same=False)
    if a.updates:
        for c in CONFIG.values():
            c["updates"] = a.updates
    if a.gaps:
        for c in CONFIG.values():
            c["gaps"] = a.gaps

    if a.time:
        for task in a.tasks:
            c = CONFIG[task]
            Hs = hidden_sizes(c["F"], c["O"], c["lstm_hidden"])
            for m in a.models:
                r = run(task, m, max(c["gaps"]), 0, Hs[m], updates=20, early_stop=False)
                print(f"{task:7s} gap {max(c['gaps'])} {m:9s} H={Hs[m]:3d}: "
                      f"{1000 * r['cpu'] / r['updates_run']:.1f} ms/update", flush=True)
        return

    result = dict(config=dict(lr=LR, optimiser="Adam (0.9, 0.999), eps 1e-8",
                              clip_global_norm=CLIP, curve_every=CURVE_EVERY, seeds=a.seeds,
                              models=a.models, eval_seed="10000 + seed", tasks={}),
                  runs={})
    if a.replace_tasks and a.out and os.path.exists(a.out):
        with open(a.out) as f:
            old = json.load(f)
        keep = [t for t in old["runs"] if t not in a.tasks]
        result["config"]["tasks"] = {t: old["config"]["tasks"][t] for t in keep}
        result["runs"] = {t: old["runs"][t] for t in keep}
    total = 0.0
    for task in a.tasks:
        c = CONFIG[task]
        Hs = hidden_sizes(c["F"], c["O"], c["lstm_hidden"])
        result["config"]["tasks"][task] = dict(
            metric=c["metric"], gaps=c["gaps"], updates=c["updates"], batch=c["batch"],
            n_test=c["n_test"], input_size=c["F"], output_size=c["O"],
            hidden={m: Hs[m] for m in a.models},
            params={m: n_params(CELL[m], c["F"], Hs[m], c["O"]) for m in a.models},
            chance={str(g): chance(task, g) for g in c["gaps"]})
        result["runs"][task] = {}
        print(f"\n{task}: {c['metric']}, {c['updates']} updates of {c['batch']}; "
              + ", ".join(f"{m} H={Hs[m]} ({n_params(CELL[m], c['F'], Hs[m], c['O'])})"
                          for m in a.models), flush=True)
        for m in a.models:
            result["runs"][task][m] = {}
            for gap in c["gaps"]:
                rs = {}
                for seed in a.seeds:
                    r = run(task, m, gap, seed, Hs[m])
                    total += r["cpu"]
                    rs[str(seed)] = r
                result["runs"][task][m][str(gap)] = rs
                n = sum(r["learned_at"] is not None for r in rs.values())
                med = np.median([np.nan if r["metric"] is None else r["metric"]
                                 for r in rs.values()])
                when = " ".join("-" if r["learned_at"] is None else str(r["learned_at"])
                                for r in rs.values())
                cpu = sum(r["cpu"] for r in rs.values())
                print(f"  {m:9s} gap {gap:3d}: learned {n}/{len(rs)} at {when:24s} "
                      f"median {c['metric']} {med:.4f} (chance {chance(task, gap):.4f}) "
                      f"cpu {cpu:.1f}s", flush=True)
                result["config"]["total_cpu_seconds"] = round(sum(
                    r["cpu"] for ms in result["runs"].values() for gs in ms.values()
                    for rs_ in gs.values() for r in rs_.values()), 1)
                if a.out:
                    write(result, a.out)            # after every gap: a partial grid survives
    print(f"\ntotal cpu {total:.1f}s")
    if a.out:
        print(f"wrote {a.out}")


def table(result):
    """Markdown: one row per task and gap, one column per model: "learned of 5, median metric"."""
    cfg = result["config"]
    models = cfg["models"]
    lines = []
    for task, tc in cfg["tasks"].items():
        lines += ["", f"{task} ({tc['metric']}, {tc['updates']} updates; "
                  + ", ".join(f"{m} H={tc['hidden'][m]} ({tc['params'][m]})" for m in models) + ")",
                  "", "| gap | chance | " + " | ".join(models) + " |",
                  "|---|---|" + "---|" * len(models)]
        for g in tc["gaps"]:
            cells = []
            for m in models:
                rs = result["runs"][task][m][str(g)].values()
                n = sum(r["learned_at"] is not None for r in rs)
                med = np.median([np.nan if r["metric"] is None else r["metric"] for r in rs])
                cells.append(f"{n}/{len(rs)}, {med:.3f}")
            lines.append(f"| {g} | {tc['chance'][str(g)]:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines[1:])


def write(result, path):
    """One line per run, so the file stays small and diffs stay readable."""
    lines = ["{", f' "config": {json.dumps(result["config"])},', ' "runs": {']
    tasks_ = list(result["runs"].items())
    for i, (task, models) in enumerate(tasks_):
        lines.append(f'  "{task}": {{')
        for j, (m, gaps) in enumerate(models.items()):
            lines.append(f'   "{m}": {{')
            for k, (g, seeds) in enumerate(gaps.items()):
                lines.append(f'    "{g}": {{')
                for s_, (seed, r) in enumerate(seeds.items()):
                    comma = "," if s_ < len(seeds) - 1 else ""
                    lines.append(f'     "{seed}": {json.dumps(r)}{comma}')
                lines.append("    }" + ("," if k < len(gaps) - 1 else ""))
            lines.append("   }" + ("," if j < len(models) - 1 else ""))
        lines.append("  }" + ("," if i < len(tasks_) - 1 else ""))
    lines += [" }", "}"]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
