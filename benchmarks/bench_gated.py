"""rnnlib's gated cells against torch.nn.LSTM and torch.nn.GRU on the CPU: forward + backward of
one layer, batch first, same process, same thread count, taking turns, medians.

    python benchmarks/bench_gated.py                # torch columns only when torch is installed
    python benchmarks/bench_gated.py --turns 5
    python benchmarks/bench_gated.py --floor        # also the matrix products alone

Prints one row per configuration, dtype and cell: rnnlib ms, torch ms and their ratio (rnnlib /
torch: below 1 means rnnlib is faster). rnnlib's side is the layers rnnlib.LSTM and rnnlib.GRU
(forward, then backward into layer.grads), as bench_rnn.py times rnnlib.RNN; their time is
mostly lstm_forward/lstm_backward and gru_forward/gru_backward in rnnlib/gated.py. torch's side
is torch.nn.LSTM / torch.nn.GRU with batch_first=True and the same parameters, run with as many
threads as numpy's BLAS uses (read with threadpoolctl). Before timing, both run once on the
same weights and their outputs and gradients are compared (1e-3 relative in float32, 1e-9 in
float64), so the table compares the same computation. The two take turns of half a second
(see _timing.py for why not one call each). The claim is the ratio, measured side by side;
absolute times depend on the machine. Nothing in the environment is changed: the thread counts
and OpenBLAS's kernel are those numpy and torch start with.

--floor adds a third turn-taker and two columns: the matrix products that forward + backward
cannot do without, timed alone in rnnlib's layouts (products_run), and their time divided by
torch's. No numpy implementation can be faster than its products, so where that fraction is
above a target, the target cannot be met in numpy on this machine.
"""
from __future__ import annotations

import argparse

import numpy as np

import rnnlib
from _timing import median_ms, print_threads
from _torch_side import torch, torch_run

CONFIGS = [(1, 25, 65, 100), (32, 64, 64, 128), (64, 128, 128, 256)]   # (N, T, F, H)
LAYERS = {"lstm": rnnlib.LSTM, "gru": rnnlib.GRU}
PARAMS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def problem(cell, N, T, F, H, dtype, seed=0):
    """One layer (rnnlib.LSTM or rnnlib.GRU, torch's parameter names), an input and an output
    gradient."""
    layer = LAYERS[cell](F, H, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, F)).astype(dtype)
    dout = rng.standard_normal((N, T, H)).astype(dtype)
    return layer, x, dout


def rnnlib_run(layer, x, dout):
    """forward + backward through the rnnlib layer: output, dx and the four parameter gradients."""
    def run():
        layer.zero_grad()
        out, _ = layer(x)
        dx = layer.backward(dout)
        return (out, dx) + tuple(layer.grads[name] for name in PARAMS)
    return run


def products_run(layer, x, dout):
    """Only the matrix products of one forward + backward of the layer, in the layouts and with
    the weights rnnlib uses (Wx = weight_ih^T, Wh = weight_hh^T, k = 4 blocks for the LSTM, 3
    for the GRU): the input term of every step in one product, T products h_{t-1} Wh forward
    and T products da_t Wh^T backward (one step needs the one before, so these stay one per
    step), then dx = da Wx^T, dWx = x^T da and dWh = h^T da, each one product over all steps.
    The states and da are stand-ins of the right shapes: the time of a product does not depend
    on its values. Nothing else is timed (no nonlinearity, no copy, no bias)."""
    N, T, F = x.shape
    H, k = layer.hidden_size, layer.gates
    Wx, Wh = layer.params["weight_ih_l0"].T, layer.params["weight_hh_l0"].T  # (F, kH), (H, kH)
    WhT = Wh.T
    rng = np.random.default_rng(1)
    xT = np.ascontiguousarray(x.swapaxes(0, 1)).reshape(T * N, F)        # time-major rows
    hT = rng.standard_normal((T, N, H)).astype(x.dtype)
    daT = rng.standard_normal((T, N, k * H)).astype(x.dtype)
    hWh = np.empty((N, k * H), x.dtype)
    dh = np.empty((N, H), x.dtype)

    def run():
        a = xT @ Wx                                     # (T*N, kH) the input term
        for t in range(T):
            np.matmul(hT[t], Wh, out=hWh)               # forward, step by step
        for t in range(T):
            np.matmul(daT[t], WhT, out=dh)              # backward, step by step
        da = daT.reshape(T * N, k * H)
        return a, da @ Wx.T, xT.T @ da, hT.reshape(T * N, H).T @ da   # a, dx, dWx, dWh
    return run


def same_results(runs, dtype):
    """Every implementation gives the same output, dx and parameter gradients (to round-off)."""
    tol = 1e-3 if dtype == np.float32 else 1e-9
    names = ("output", "dx", "d weight_ih", "d weight_hh", "d bias_ih", "d bias_hh")
    results = [r() for r in runs]
    for other in results[1:]:
        for name, a, b in zip(names, results[0], other):
            a = np.asarray(a, np.float64)
            err = np.linalg.norm(a - np.asarray(b, np.float64)) / np.linalg.norm(a)
            if not err < tol:
                raise AssertionError(f"the implementations disagree on {name}: "
                                     f"relative error {err:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3, help="turns of each per row")
    parser.add_argument("--seconds", type=float, default=0.5, help="timed seconds per turn")
    parser.add_argument("--floor", action="store_true",
                        help="also time the matrix products alone (products_run)")
    args = parser.parse_args(argv)
    print_threads(np, torch)
    print(f"{'N':>3} {'T':>4} {'F':>4} {'H':>4}  {'dtype':7s} {'cell':4s} {'rnnlib ms':>10} "
          f"{'torch ms':>9} {'ratio':>6}" + (f" {'products ms':>12} {'/ torch':>7}" if args.floor
                                              else ""))
    for N, T, F, H in CONFIGS:
        for dtype in (np.float32, np.float64):
            for cell in LAYERS:
                layer, x, dout = problem(cell, N, T, F, H, dtype)
                fns = [rnnlib_run(layer, x, dout)]
                if torch is not None:
                    fns.append(torch_run(layer, x, dout, PARAMS, output=True))
                    same_results(fns, dtype)
                if args.floor:
                    fns.append(products_run(layer, x, dout))
                ms = median_ms(fns, args.turns, args.seconds)
                tail = (f"{ms[1]:9.2f} {ms[0] / ms[1]:6.2f}" if torch is not None
                        else f"{'-':>9} {'-':>6}")
                if args.floor:
                    tail += (f" {ms[-1]:12.2f} " + (f"{ms[-1] / ms[1]:7.2f}" if torch is not None
                                                    else f"{'-':>7}"))
                print(f"{N:3d} {T:4d} {F:4d} {H:4d}  {np.dtype(dtype).name:7s} {cell:4s} "
                      f"{ms[0]:10.2f} {tail}", flush=True)


if __name__ == "__main__":
    main()
