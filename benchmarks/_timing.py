"""The timing shared by bench_rnn.py and bench_gated.py: rnnlib and torch take turns, medians,
and torch gets as many threads as numpy's BLAS.

Why turns and not one call of each per round: numpy's BLAS and torch's OpenMP keep their worker
threads spinning for a while after a call, and on a machine with few cores those spinning
threads sit on the cores the other library needs. Alternating call by call on a 2-core machine,
torch.nn.LSTM at (32, 64, 64, 128) float32 took 24 to 110 ms, against 7.5 ms run alone, and
torch.nn.RNN at (64, 128, 128, 256) float32 123 to 137 ms against 36 to 38 ms alone (rnnlib 42
to 44 ms against 40 to 41): the ratio read 0.32 to 0.35 instead of 1.07 to 1.09. In turns each
takes what it takes alone, in its own process (the README has the comparison).
"""
from __future__ import annotations

import statistics
import time

try:
    from threadpoolctl import threadpool_info
except ImportError:          # then torch keeps its own thread count, and the header says so
    threadpool_info = None


def median_ms(fns, turns=3, seconds=0.5, settle=0.2):
    """Give the functions turns: in each, one runs untimed for `settle` seconds, then is timed
    call by call for `seconds` (at least 3 calls). Returns each one's median in ms.

    The untimed start of each turn lets the other library's threads go idle (and is the first
    calls' warm-up); the turns spread the machine's slow changes over all the functions."""
    times = [[] for _ in fns]
    for _ in range(turns):
        for f, t in zip(fns, times):
            end = time.perf_counter() + settle
            while time.perf_counter() < end:
                f()
            end, calls = time.perf_counter() + seconds, 0
            while time.perf_counter() < end or calls < 3:
                t0 = time.perf_counter()
                f()
                t.append((time.perf_counter() - t0) * 1e3)
                calls += 1
    return [statistics.median(t) for t in times]


def blas_threads():
    """The number of threads numpy's BLAS uses, or None when threadpoolctl is not installed."""
    if threadpool_info is None:
        return None
    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return counts[0] if counts else None


def print_threads(np, torch):
    """Give torch (None when not installed) as many threads as numpy's BLAS uses, and print the
    table's first line: the versions and thread counts, or that torch is not installed."""
    threads = blas_threads()
    print(f"numpy {np.__version__}, BLAS threads: {threads if threads else 'unknown'}", end="")
    if torch is not None:
        if threads:
            torch.set_num_threads(threads)
        print(f"; torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        print("\ntorch is not installed: the torch columns are left out")
