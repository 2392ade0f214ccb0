"""The memory task for notebook 06: report the first symbol after `gap` distractors.

A sequence is gap + 1 one-hot steps over 8 symbols: step 0 is one of A, B, C, D (ids 0..3),
steps 1..gap are random distractors E, F, G, H (ids 4..7). The target, scored at the last
step only, is the first symbol, so chance is 25%. Every update draws a fresh batch from a
seeded generator (nothing to overfit); accuracy is measured on 1000 held-out sequences
drawn from another seed.

Model: rnnlib.RNN(8, hidden) (tanh) -> rnnlib.Dense(hidden, 4) on the last state; softmax
cross-entropy; Adam; gradients clipped to a global norm before every step.

Optionally truncated BPTT with window k (stateful, as min-char-rnn trains): each window
starts from the state the previous one ended in, and its backward pass stops there. The only
loss is at the last step, so the windows are laid out to END there: the last k steps are one
window, and everything before it is only read forward to carry the state (how that prefix is
cut into windows changes no number). The gradient therefore reaches exactly k - 1 steps back
from the loss; the first symbol is gap steps back, so k >= gap + 1 is plain BPTT.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/memory_task.py --same --lr 0.02 \
        --gaps 2 5 10 20 40 --seeds 0 1 2 3 4          (the table recommended for notebook 06)
"""
import argparse
import time

import numpy as np

import rnnlib
from rnnlib.gradients import gradient_norms

clip_grad_norm_ = getattr(rnnlib, "clip_grad_norm_", None) or rnnlib.clip_grad_norm
SIGNALS, DISTRACTORS = 4, 4
V = SIGNALS + DISTRACTORS


def memory_batch(rng, n, gap, same=False):
    """x (n, gap + 1, 8) one-hot, y (n,) the first symbol's id in 0..3.
    same=True draws the distractors from A..D too (the input then never says which step
    was the first one, so the network must count on its state alone)."""
    y = rng.integers(0, SIGNALS, n)
    lo = 0 if same else SIGNALS
    ids = np.concatenate([y[:, None], rng.integers(lo, lo + DISTRACTORS, (n, gap))], axis=1)
    return np.eye(V)[ids], y


def train_memory(gap, seed=0, steps=300, batch=32, hidden=32, lr=1e-2, clip=1.0, window=None,
                 n_test=1000, same=False, early_stop=True):
    """Train one model; return (held-out accuracy, the update at which it was learned or None,
    CPU seconds). "Learned": every one of the last 10 training batches was 100% right; with
    early_stop the run ends there (the remaining budget would change nothing)."""
    t0 = time.process_time()
    rng = np.random.default_rng(seed)
    rnn = rnnlib.RNN(V, hidden, seed=int(rng.integers(2**31)))
    head = rnnlib.Dense(hidden, SIGNALS, seed=int(rng.integers(2**31)))
    params = {**{f"rnn.{k}": p for k, p in rnn.params.items()},
              **{f"head.{k}": p for k, p in head.params.items()}}
    grads = {**{f"rnn.{k}": g for k, g in rnn.grads.items()},
             **{f"head.{k}": g for k, g in head.grads.items()}}
    opt = rnnlib.Adam(params, lr=lr)
    L = gap + 1
    k = L if window is None else min(window, L)
    right, learned_at = [], None
    for step in range(1, steps + 1):
        x, y = memory_batch(rng, batch, gap, same)
        # read the steps before the last window forward only: the state is carried, no gradient
        h = np.zeros((1, batch, hidden))
        start = L - k                                    # where the last window begins
        if start > 0:
            _, h = rnn(x[:, :start], h)
        rnn.zero_grad()
        head.zero_grad()
        out, _ = rnn(x[:, start:], h)                    # the last window, from the carried state
        logits = head(out[:, -1])                        # (batch, 4)
        loss, dlogits = rnnlib.softmax_cross_entropy(logits, y)[:2]
        dout = np.zeros_like(out)
        dout[:, -1] = head.backward(dlogits)
        rnn.backward(dout)                               # stops at the window's first state
        if clip is not None:
            clip_grad_norm_(grads, clip)
        opt.step(grads)
        right.append(np.all(logits.argmax(-1) == y))
        if learned_at is None and len(right) >= 10 and all(right[-10:]):
            learned_at = step
            if early_stop:
                break
    x, y = memory_batch(np.random.default_rng(10_000 + seed), n_test, gap, same)
    out, _ = rnn(x)
    acc = float(np.mean(head(out[:, -1]).argmax(-1) == y))
    return acc, learned_at, time.process_time() - t0


def first_step_gradient(gap, seed=0, hidden=32, same=False):
    """||dL/dh_0|| / ||dL/dh_last|| at initialisation: how much of the last step's loss
    gradient reaches the state that holds the first symbol, before any training (the same
    initial weights as train_memory's run with this seed; 32 sequences of the task)."""
    rng = np.random.default_rng(seed)
    rnn = rnnlib.RNN(V, hidden, seed=int(rng.integers(2**31)))
    x, _ = memory_batch(rng, 32, gap, same)
    p = rnn.params
    return gradient_norms(x, np.zeros((32, hidden)), p["weight_ih_l0"].T, p["weight_hh_l0"].T,
                          p["bias_ih_l0"] + p["bias_hh_l0"])[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gaps", type=int, nargs="+", default=[2, 5, 10, 20, 40])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--window", type=int, default=None)
    ap.add_argument("--same", action="store_true", help="distractors drawn from A..D too")
    ap.add_argument("--no-stop", action="store_true", help="run every update even once learned")
    a = ap.parse_args()
    print(f"steps={a.steps} batch={a.batch} hidden={a.hidden} lr={a.lr} clip={a.clip} "
          f"window={a.window} same={a.same} seeds={a.seeds}")
    total = 0.0
    for gap in a.gaps:
        accs, when, cpu = [], [], 0.0
        for seed in a.seeds:
            acc, learned_at, sec = train_memory(gap, seed, a.steps, a.batch, a.hidden, a.lr, a.clip,
                                                a.window, same=a.same, early_stop=not a.no_stop)
            accs.append(acc)
            when.append("-" if learned_at is None else str(learned_at))
            cpu += sec
        total += cpu
        g0 = np.median([first_step_gradient(gap, s, a.hidden, a.same) for s in a.seeds])
        print(f"gap {gap:3d}: grad at step 0 {g0:8.1e}  accuracy {' '.join(f'{x:.2f}' for x in accs)}  mean {np.mean(accs):.2f}"
              f"  learned at {' '.join(when)}  cpu {cpu:.2f}s", flush=True)
    print(f"total cpu {total:.1f}s")


if __name__ == "__main__":
    main()
