"""rnnlib's RNN layer against torch.nn.RNN on the CPU and against a plain per-character numpy loop:
forward + backward of one tanh layer, batch first, same process, same thread count, taking
turns, medians.

    python benchmarks/bench_rnn.py                 # torch columns only when torch is installed
    python benchmarks/bench_rnn.py --turns 5

Prints one row per configuration and dtype: rnnlib ms, torch ms, their ratio (rnnlib / torch:
below 1 means rnnlib is faster) and the per-character loop's ms. The loop is the min-char-rnn
recipe: one sequence at a time, one step at a time, column vectors, every product inside the
loop. torch runs with as many threads as numpy's BLAS uses (read with threadpoolctl). Before
timing, all three are run once on the same weights and their gradients compared, so the table
compares the same computation. rnnlib and torch take turns of half a second, each starting
untimed (see _timing.py for why not one call each); then the loop has one such turn. The claim
is the ratio, measured side by side; absolute times depend on the machine.
"""
from __future__ import annotations

import argparse

import numpy as np

import rnnlib
from _timing import median_ms, print_threads
from _torch_side import torch, torch_run

CONFIGS = [(1, 25, 65, 100), (32, 64, 64, 128), (64, 128, 128, 256)]   # (N, T, F, H)
TORCH_GRADS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0")   # compared with rnnlib's and the loop's


def problem(N, T, F, H, dtype, seed=0):
    """One layer's weights in torch's layout, an input and an output gradient."""
    layer = rnnlib.RNN(F, H, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, F)).astype(dtype)
    dout = rng.standard_normal((N, T, H)).astype(dtype)
    return layer, x, dout


def rnnlib_run(layer, x, dout):
    def run():
        layer.zero_grad()
        layer(x)
        dx = layer.backward(dout)
        return dx, layer.grads["weight_ih_l0"], layer.grads["weight_hh_l0"], layer.grads["bias_ih_l0"]
    return run


def loop_run(layer, x, dout):
    """min-char-rnn's loop: h = tanh(Wxh x + Whh h + bh) per sequence and per step, column vectors."""
    p = layer.params
    Wxh, Whh = p["weight_ih_l0"], p["weight_hh_l0"]               # (H, F), (H, H)
    bh = (p["bias_ih_l0"] + p["bias_hh_l0"])[:, None]             # (H, 1)
    N, T, F = x.shape

    def run():
        dWxh, dWhh, dbh = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(bh)
        dx = np.zeros_like(x)
        for n in range(N):
            hs = {-1: np.zeros_like(bh)}
            for t in range(T):
                hs[t] = np.tanh(Wxh @ x[n, t][:, None] + Whh @ hs[t - 1] + bh)
            dhnext = np.zeros_like(bh)
            for t in reversed(range(T)):
                dhraw = (1 - hs[t] * hs[t]) * (dout[n, t][:, None] + dhnext)
                dbh += dhraw
                dWxh += dhraw @ x[n, t][None, :]
                dWhh += dhraw @ hs[t - 1].T
                dx[n, t] = (Wxh.T @ dhraw)[:, 0]
                dhnext = Whh.T @ dhraw
        return dx, dWxh, dWhh, dbh[:, 0]
    return run


def same_results(runs, dtype):
    """Every implementation gives the same dx and weight gradients (to float round-off)."""
    tol = 1e-3 if dtype == np.float32 else 1e-9
    results = [r() for r in runs]
    for other in results[1:]:
        for a, b in zip(results[0], other):
            err = np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(np.asarray(a, np.float64))
            if not err < tol:
                raise AssertionError(f"the implementations disagree: relative error {err:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3, help="turns of rnnlib and torch per row")
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="timed seconds per turn (the loop: one turn, at least 3 calls)")
    args = parser.parse_args(argv)
    print_threads(np, torch)
    print(f"{'N':>3} {'T':>4} {'F':>4} {'H':>4}  {'dtype':7s} {'rnnlib ms':>10} {'torch ms':>9} "
          f"{'ratio':>6} {'loop ms':>9}")
    for N, T, F, H in CONFIGS:
        for dtype in (np.float32, np.float64):
            layer, x, dout = problem(N, T, F, H, dtype)
            ours, loop = rnnlib_run(layer, x, dout), loop_run(layer, x, dout)
            fns = [ours] + ([torch_run(layer, x, dout, TORCH_GRADS)] if torch is not None else [])
            same_results(fns + [loop], dtype)
            ms = median_ms(fns, args.turns, args.seconds)
            loop_ms = median_ms([loop], 1, args.seconds)[0]
            tail = f"{ms[1]:9.2f} {ms[0] / ms[1]:6.2f}" if torch is not None else f"{'-':>9} {'-':>6}"
            print(f"{N:3d} {T:4d} {F:4d} {H:4d}  {np.dtype(dtype).name:7s} {ms[0]:10.2f} {tail} "
                  f"{loop_ms:9.1f}", flush=True)


if __name__ == "__main__":
    main()
