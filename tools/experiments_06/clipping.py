"""Exploding gradients and clipping, on the memory task of memory_task.py.

The same task (first symbol after `gap` distractors drawn from A..D, scored at the last
step), trained with plain SGD, because Adam divides every update by the gradient's running
size and so hides exactly what clipping is about. Three runs from the same seed and the same
batches: no clipping, clipping by global norm (rnnlib.clip_grad_norm, torch's
clip_grad_norm_ semantics) and clipping by value (rnnlib.clip_grad_value_).

The recurrent matrix starts at spectral radius `radius` (torch's init rescaled): above about 1
the gradient through time can grow geometrically, and a few batches make it huge.

A run "diverges" when a number overflows float64 (numpy raises inside np.errstate, as
rnnlib.fit does). Printed per run: the update it diverged at (or "-"), the largest loss and
largest pre-clip gradient norm seen, the mean loss of the last 20 updates, and the held-out
accuracy at the end.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/clipping.py [--grid | --thresholds]

The defaults are the setting recommended for the notebook (relu, radius 2.5, SGD lr 0.1,
gap 10); --grid scans radius x lr, --thresholds scans the clipping thresholds.
"""
import argparse
import time

import numpy as np

import rnnlib
from rnnlib import clip_grad_value_
from rnnlib.gradients import with_spectral_radius
from memory_task import SIGNALS, V, memory_batch

clip_grad_norm_ = getattr(rnnlib, "clip_grad_norm_", None) or rnnlib.clip_grad_norm


def run(gap, seed, mode, c, steps=300, batch=32, hidden=32, lr=0.1, radius=None,
        nonlinearity="tanh", same=True):
    t0 = time.process_time()
    rng = np.random.default_rng(seed)
    rnn = rnnlib.RNN(V, hidden, nonlinearity=nonlinearity, seed=int(rng.integers(2**31)))
    head = rnnlib.Dense(hidden, SIGNALS, seed=int(rng.integers(2**31)))
    if radius is not None:
        w = rnn.params["weight_hh_l0"]
        w[...] = with_spectral_radius(w, radius)
    params = {**{f"rnn.{k}": p for k, p in rnn.params.items()},
              **{f"head.{k}": p for k, p in head.params.items()}}
    grads = {**{f"rnn.{k}": g for k, g in rnn.grads.items()},
             **{f"head.{k}": g for k, g in head.grads.items()}}
    opt = rnnlib.SGD(params, lr=lr)
    losses, norms, diverged = [], [], None
    for step in range(1, steps + 1):
        x, y = memory_batch(rng, batch, gap, same)
        try:
            with np.errstate(over="raise", invalid="raise"):
                rnn.zero_grad()
                head.zero_grad()
                out, _ = rnn(x)
                logits = head(out[:, -1])
                loss, dlogits = rnnlib.softmax_cross_entropy(logits, y)[:2]
                dout = np.zeros_like(out)
                dout[:, -1] = head.backward(dlogits)
                rnn.backward(dout)
                norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
                if mode == "norm":
                    clip_grad_norm_(grads, c)
                elif mode == "value":
                    clip_grad_value_(grads, c)
                opt.step(grads)
        except (FloatingPointError, ValueError):      # overflow, or rnnlib refusing inf/nan
            diverged = step
            break
        losses.append(loss)
        norms.append(norm)
    acc = float("nan")
    if diverged is None:
        xt, yt = memory_batch(np.random.default_rng(10_000 + seed), 1000, gap, same)
        with np.errstate(all="ignore"):
            acc = float(np.mean(head(rnn(xt)[0][:, -1]).argmax(-1) == yt))
    return dict(diverged=diverged, max_loss=max(losses, default=np.nan),
                max_norm=max(norms, default=np.nan), last_loss=float(np.mean(losses[-20:])) if losses else np.nan,
                acc=acc, cpu=time.process_time() - t0, losses=losses, norms=norms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gap", type=int, default=10)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--radius", type=float, default=2.5)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--nonlinearity", default="relu")
    ap.add_argument("--norm-clip", type=float, default=1.0)
    ap.add_argument("--value-clip", type=float, default=0.1)
    a = ap.parse_args()
    print(f"gap={a.gap} steps={a.steps} lr={a.lr} radius={a.radius} hidden={a.hidden} "
          f"nonlinearity={a.nonlinearity}")
    total = 0.0
    for seed in a.seeds:
        for mode, c in (("none", None), ("norm", a.norm_clip), ("value", a.value_clip)):
            r = run(a.gap, seed, mode, c, a.steps, hidden=a.hidden, lr=a.lr, radius=a.radius,
                    nonlinearity=a.nonlinearity)
            total += r["cpu"]
            print(f"seed {seed} clip {mode:5s} {'' if c is None else c:>5}: diverged at "
                  f"{r['diverged'] or '-':>4}  max loss {r['max_loss']:9.3g}  max grad norm "
                  f"{r['max_norm']:9.3g}  last loss {r['last_loss']:7.3g}  accuracy {r['acc']:.2f}"
                  f"  cpu {r['cpu']:.2f}s", flush=True)
    print(f"total cpu {total:.1f}s")




def grid(seeds=range(10), gap=10, steps=300):
    """How often each clipping mode diverges / learns, over radii and learning rates (relu)."""
    print(f"relu, gap {gap}, {steps} SGD updates, seeds {list(seeds)}: diverged / learned (>= 0.9)")
    for radius in (1.5, 2.0, 2.5, 3.0):
        for lr in (0.05, 0.1, 0.2):
            cells = []
            for mode, c in (("none", None), ("norm", 1.0), ("value", 0.1)):
                rs = [run(gap, s, mode, c, steps, lr=lr, radius=radius, nonlinearity="relu") for s in seeds]
                cells.append(f"{mode} {sum(r['diverged'] is not None for r in rs):2d}/"
                             f"{sum(r['acc'] >= 0.9 for r in rs):2d}")
            print(f"radius {radius} lr {lr}: " + "   ".join(cells), flush=True)


def thresholds(seeds=range(10), gap=10, steps=300, radius=2.5, lr=0.1):
    """Clipping thresholds compared at one setting: diverged, learned, and updates to learn
    (first update after which the held-out-free training loss stays under 0.1 for 10 updates)."""
    print(f"relu, gap {gap}, radius {radius}, lr {lr}, {steps} SGD updates, seeds {list(seeds)}")
    for mode, cs in (("none", (None,)), ("norm", (0.1, 1.0, 10.0, 100.0)), ("value", (0.01, 0.1, 1.0, 10.0))):
        for c in cs:
            rs = [run(gap, s, mode, c, steps, lr=lr, radius=radius, nonlinearity="relu") for s in seeds]
            when = []
            for r in rs:
                low = np.convolve(np.array(r["losses"]) < 0.1, np.ones(10), "valid") == 10
                when.append(str(int(np.argmax(low)) + 10) if low.any() else "-")
            print(f"{mode:5s} {'' if c is None else c:>6}: diverged {sum(r['diverged'] is not None for r in rs):2d}"
                  f" (at {' '.join(str(r['diverged']) for r in rs if r['diverged'])})"
                  f"  learned {sum(r['acc'] >= 0.9 for r in rs):2d}  loss < 0.1 from update {' '.join(when)}",
                  flush=True)


if __name__ == "__main__":
    import sys
    if "--grid" in sys.argv:
        grid()
    elif "--thresholds" in sys.argv:
        thresholds()
    else:
        main()
