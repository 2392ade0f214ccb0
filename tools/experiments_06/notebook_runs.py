"""The memory-task runs exactly as notebook 06 makes them, and whether their outcomes survive
round-off: every initial weight is multiplied by (1 + eps), as another BLAS or CPU would
perturb the last bits.

The notebook's procedure: rnnlib.SequenceModel(4, 32, 4) (tanh), Adam lr 0.02, clip=1.0,
one rnnlib.fit epoch (or fit_truncated with align="end" for --window k) per fresh batch of
32 sequences; every 10 updates 320 fresh sequences are shown, and a run that answers all of
them right is "learned" and stops; at most 200 updates. Distractors come from the same four
symbols A..D, one-hot, the target (the first symbol) at the last step only, -1 elsewhere.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/notebook_runs.py \
        --eps 0 1e-13 -1e-14 1e-15 --gaps 2 5 10 20 40
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/notebook_runs.py \
        --eps 0 1e-13 --gaps 10 --window 5 --seeds 0 1 2
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


def train_memory(gap, seed, k=None, updates=200, eps=0.0):
    rng = np.random.default_rng(seed)
    model = rnnlib.SequenceModel(4, 32, 4, seed=seed)
    for p in model.params.values():
        p *= 1 + eps
    opt = rnnlib.Adam(model.params, lr=0.02)
    for done in range(0, updates + 1, 10):
        x_c, t_c = memory_batch(rng, 320, gap)
        if np.all(model(x_c)[:, -1].argmax(-1) == t_c[:, -1]):
            return model, done
        for _ in range(10 if done < updates else 0):
            x_b, t_b = memory_batch(rng, 32, gap)
            if k is None:
                rnnlib.fit(model, x_b, t_b, opt, loss=memory_loss, epochs=1, clip=1.0)
            else:
                rnnlib.fit_truncated(model, x_b, t_b, opt, k=k, loss=memory_loss, epochs=1,
                                     clip=1.0, align="end")
    return model, None


def held_out_accuracy(model, gap, seed):
    x_t, t_t = memory_batch(np.random.default_rng(10_000 + seed), 1000, gap)
    return float(np.mean(model(x_t)[:, -1].argmax(-1) == t_t[:, -1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eps", type=float, nargs="+", default=[0.0, 1e-13])
    ap.add_argument("--gaps", type=int, nargs="+", default=[2, 5, 10, 20, 40])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--window", type=int, default=None)
    a = ap.parse_args()
    for eps in a.eps:
        for gap in a.gaps:
            t0 = time.process_time()
            runs = [train_memory(gap, s, a.window, eps=eps) for s in a.seeds]
            acc = [held_out_accuracy(m, gap, s) for s, (m, _) in zip(a.seeds, runs)]
            print(f"eps {eps:g} window {a.window} gap {gap:2d}: learned "
                  f"{sum(u is not None for _, u in runs)} of {len(runs)}  updates "
                  f"{' '.join(str(u or '-') for _, u in runs)}  held-out "
                  f"{' '.join(f'{x:.2f}' for x in acc)}  cpu {time.process_time() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main()
