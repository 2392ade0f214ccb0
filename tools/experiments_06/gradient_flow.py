"""Gradient norm against t for tanh and relu at several spectral radii and input scales.

Setting (what the notebook's gradient-flow widget draws): H = 32 hidden units, T = 100 steps,
F = 4 inputs, N = 8 sequences. Wh is ONE fixed random matrix (standard normal, seed 0)
rescaled to each spectral radius; Wx is standard normal / sqrt(F) (seed 1); x is
input_scale * standard normal (seed 2); h0 = 0, b = 0. The loss is rnnlib.gradients'
fixed unit readout at the last step, so ||dL/dh_{T-1}|| = 1.

Prints ||dL/dh_t|| (mean over the 8 sequences) at t = 0, 25, 50, 75, 90, 99, the spectral
norm of d h_{T-1} / d h_t for the first sequence, and the CPU time of each computation.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/gradient_flow.py
"""
import time

import numpy as np

import rnnlib
from rnnlib.gradients import gradient_norms, jacobian_products, with_spectral_radius

H, T, F, N = 32, 100, 4, 8
W0 = np.random.default_rng(0).standard_normal((H, H))
Wx = np.random.default_rng(1).standard_normal((F, H)) / np.sqrt(F)
x0 = np.random.default_rng(2).standard_normal((N, T, F))
h0, b = np.zeros((N, H)), np.zeros(H)
TS = [0, 25, 50, 75, 90, 99]


def cpu_ms(fn, repeat=10):
    t = time.process_time()
    for _ in range(repeat):
        out = fn()
    return out, (time.process_time() - t) / repeat * 1e3


def fmt(a):
    return " ".join(f"{value:9.2e}" for value in a)


print(f"||W0||_2 / rho(W0) = {np.linalg.norm(W0, 2) / np.abs(np.linalg.eigvals(W0)).max():.2f}")
print(f"{'act':5s} {'scale':>5s} {'rho':>4s} | grad norm at t = {TS} | spectral norm of P_t at same t | ms(gn) ms(jp)")
for nl in ("tanh", "relu"):
    for scale in (0.01, 1.0):
        for rho in (0.5, 1.0, 1.5, 2.0, 3.0):
            Wh = with_spectral_radius(W0, rho)
            x = scale * x0
            gn, t_gn = cpu_ms(lambda: gradient_norms(x, h0, Wx, Wh, b, nl))
            h, _ = rnnlib.rnn_forward(x[:1], h0[:1], Wx, Wh, b, nl)
            (P, norms), t_jp = cpu_ms(lambda: jacobian_products(h[0], Wh, nl))
            print(f"{nl:5s} {scale:5.2f} {rho:4.1f} | {fmt(gn[TS])} | {fmt(norms[TS])} | {t_gn:5.1f} {t_jp:5.1f}")

# the extremes the widget must survive
for nl in ("tanh", "relu"):
    for rho, Tx in ((0.0, 100), (50.0, 200), (1e6, 100), (1.0, 1)):
        Wh = with_spectral_radius(W0, rho)
        gn = gradient_norms(x0[:, :Tx] if Tx <= T else np.tile(x0, (1, 2, 1)), h0, Wx, Wh, b, nl)
        print(f"extreme {nl} rho={rho:g} T={Tx}: first {gn[0]:.3g}, last {gn[-1]:.3g}, "
              f"finite {np.isfinite(gn).sum()}/{gn.size}")
