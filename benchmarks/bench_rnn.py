"""rnnlib's RNN layer against torch.nn.RNN on the CPU: forward + backward of one tanh layer,
batch_first, same process, same thread count, interleaved runs, medians.

    python benchmarks/bench_rnn.py                 # torch columns only when torch is installed
    python benchmarks/bench_rnn.py --repeat 30

Prints one row per configuration and dtype: rnnlib ms, torch ms and their ratio (rnnlib / torch:
below 1 means rnnlib is faster). The claim is the ratio, measured side by side; absolute times
depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import rnnlib

try:
    import torch
except ImportError:          # the course does not need torch: the torch columns are left out
    torch = None

CONFIGS = [(1, 25, 65, 100), (32, 64, 64, 128), (64, 128, 128, 256)]   # (N, T, F, H)


def rnnlib_step(N, T, F, H, dtype, seed=0):
    rnn = rnnlib.RNN(F, H, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, F)).astype(dtype)
    dout = rng.standard_normal((N, T, H)).astype(dtype)

    def run():
        rnn.zero_grad()
        rnn(x)
        rnn.backward(dout)
    return run


def torch_step(N, T, F, H, dtype, seed=0):
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(F, H, batch_first=True, dtype=tdtype)
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.standard_normal((N, T, F)), dtype=tdtype, requires_grad=True)
    dout = torch.tensor(rng.standard_normal((N, T, H)), dtype=tdtype)

    def run():
        rnn.zero_grad()
        x.grad = None
        out, _ = rnn(x)
        out.backward(dout)
    return run


def median_ms(fns, repeat):
    """Interleave the functions (one call of each per round) and return each one's median in ms."""
    times = [[] for _ in fns]
    for f in fns:                 # warm up: first calls allocate
        f()
        f()
    for _ in range(repeat):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            f()
            times[i].append((time.perf_counter() - t0) * 1e3)
    return [statistics.median(t) for t in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds per configuration")
    args = parser.parse_args(argv)
    if torch is not None:
        torch.set_num_threads(max(1, torch.get_num_threads()))
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    else:
        print("torch is not installed: the torch columns are left out")
    print(f"{'N':>3} {'T':>4} {'F':>4} {'H':>4}  {'dtype':7s} {'rnnlib ms':>10} {'torch ms':>9} {'ratio':>6}")
    for N, T, F, H in CONFIGS:
        for dtype in (np.float32, np.float64):
            fns = [rnnlib_step(N, T, F, H, dtype)]
            if torch is not None:
                fns.append(torch_step(N, T, F, H, dtype))
            ms = median_ms(fns, args.repeat)
            tail = f"{ms[1]:9.2f} {ms[0] / ms[1]:6.2f}" if torch is not None else f"{'-':>9} {'-':>6}"
            print(f"{N:3d} {T:4d} {F:4d} {H:4d}  {np.dtype(dtype).name:7s} {ms[0]:10.2f} {tail}", flush=True)


if __name__ == "__main__":
    main()
