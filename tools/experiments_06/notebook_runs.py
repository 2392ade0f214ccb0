"""The memory-task runs exactly as notebook 06 makes them, and whether their outcomes survive
round-off: every initial weight is multiplied by (1 + eps), as another BLAS or CPU would
perturb the last bits.

The notebook's procedure: rnnlib.SequenceModel(4, 32, 4) (tanh), Adam lr 0.02, clip=1.0,
one rnnlib.fit epoch (or fit_truncated with align="end" for --window k) per fresh batch of
32 sequences. One update is one optimiser step: one per batch for plain BPTT, one per window
for truncated BPTT (three per batch for k = 5 at gap 10, two for k = 10). Every 10 updates 320
fresh sequences are shown, and a run that answers all of them right is "learned" and stops; at
most --updates updates (200). Distractors come from the same four symbols A..D, one-hot, the
target (the first symbol) at the last step only, -1 elsewhere.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/notebook_runs.py \
        --eps 0 1e-13 1e-15 3e-13 --gaps 2 5 10 20 40
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/notebook_runs.py \
        --gaps 10 --window 5 --updates 200 600 --seeds 0 1 2 3 4 5 6 7 8 9

A negative eps is written with = and no space, e.g. --eps=-1e-14 (one value).
"""
import argparse
import time

import numpy as np

import rnnlib


def memory_batch(rng, n, gap):
    ids = rng.integers(0, 4, size=(n, gap + 1))
    targets = np.full((n, gap + 1), -1)
    targets[:, -1] = ids[:, 0]
    return np.eye(4)[ids], targets


def memory_loss(y, targets, mask=None):
    scored = targets >= 0
    if not scored.any():
        return 0.0, np.zeros_like(y)
    return rnnlib.softmax_cross_entropy(y, np.where(scored, targets, 0), scored)


def train_memory(gap, seed, k=None, updates=200, perturb=0.0):
    """(model, updates until learned or None, the loss of each batch): the notebook's function."""
    rng = np.random.default_rng(seed)
    model = rnnlib.SequenceModel(4, 32, 4, seed=seed)
    for p in model.params.values():
        p *= 1 + perturb
    opt = rnnlib.Adam(model.params, lr=0.02)
    losses, checked = [], None
    while True:
        if checked is None or opt.steps >= min(checked + 10, updates):
            checked = opt.steps
            x_c, t_c = memory_batch(rng, 320, gap)
            if np.all(model(x_c)[:, -1].argmax(-1) == t_c[:, -1]):
                return model, opt.steps, losses
            if opt.steps >= updates:
                return model, None, losses
        x_b, t_b = memory_batch(rng, 32, gap)
        if k is None:
            history = rnnlib.fit(model, x_b, t_b, opt, loss=memory_loss, epochs=1, clip=1.0)
        else:
            history = rnnlib.fit_truncated(model, x_b, t_b, opt, k=k, loss=memory_loss, epochs=1,
                                           clip=1.0, align="end")
        losses.append(history["loss"][0])


def held_out_accuracy(model, gap, seed):
    x_t, t_t = memory_batch(np.random.default_rng(10_000 + seed), 1000, gap)
    return float(np.mean(model(x_t)[:, -1].argmax(-1) == t_t[:, -1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eps", type=float, nargs="+", default=[0.0, 1e-13])
    ap.add_argument("--gaps", type=int, nargs="+", default=[2, 5, 10, 20, 40])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--window", type=int, default=None)
    ap.add_argument("--updates", type=int, nargs="+", default=[200])
    a = ap.parse_args()
    for updates in a.updates:
        for eps in a.eps:
            for gap in a.gaps:
                t0 = time.process_time()
                runs = [train_memory(gap, s, a.window, updates, eps) for s in a.seeds]
                acc = [held_out_accuracy(m, gap, s) for s, (m, _, _) in zip(a.seeds, runs)]
                batches = max(len(losses) for _, _, losses in runs)
                stuck = [np.mean(losses[-50:]) for _, u, losses in runs if u is None]
                print(f"eps {eps:g} window {a.window} gap {gap:2d} updates {updates} (at most "
                      f"{batches} batches): learned {sum(u is not None for _, u, _ in runs)} of "
                      f"{len(runs)}  at {' '.join(str(u or '-') for _, u, _ in runs)}  held-out "
                      f"{' '.join(f'{x:.2f}' for x in acc)}  last-50 loss of the others "
                      f"{' '.join(f'{x:.2f}' for x in stuck) or '-'}  "
                      f"cpu {time.process_time() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main()
