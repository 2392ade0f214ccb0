"""Where the gradient stops vanishing, on notebook 06's own network (its section 1: H = 32,
F = 4, N = 8, T = 100, W1 one standard-normal matrix of default_rng(0) rescaled to spectral
radius 1, Wx and x drawn next from the same generator, b = 0, h0 = 0, the unit readout of
rnnlib.gradients.gradient_norms at the last step).

Prints, for radii every 0.05 from 0.5 to 3 (the widget's stops): ||dL/dh_0|| (mean over the 8
sequences) for tanh with inputs of size 0.01 and 1 and for relu, relu's factor per step
(||dL/dh_0||^(1/99)), that factor divided by the radius, and the share of relu units that are
off; then the first radius above 1 in each column; then the per-sequence scan of the
notebook's exercise 2 (tanh, inputs of size 1, 1.8 to 2.6 every 0.01).

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/borders.py
"""
import numpy as np

import rnnlib
from rnnlib.gradients import gradient_norms, with_spectral_radius

H, F, N, T = 32, 4, 8, 100
rng = np.random.default_rng(0)
W1 = with_spectral_radius(rng.standard_normal((H, H)), 1.0)
Wx = rng.standard_normal((F, H)) / np.sqrt(F)
x = rng.standard_normal((N, 200, F))[:, :T]
h0, b = np.zeros((N, H)), np.zeros(H)


def main():
    radii = np.round(np.arange(0.5, 3.0001, 0.05), 2)
    cols = {"tanh x 0.01": [], "tanh x 1": [], "relu": []}
    print("radius  tanh x 0.01   tanh x 1       relu   per step  / radius   off")
    for r in radii:
        small = gradient_norms(0.01 * x, h0, Wx, r * W1, b, "tanh")[0]
        unit = gradient_norms(x, h0, Wx, r * W1, b, "tanh")[0]
        relu = gradient_norms(x, h0, Wx, r * W1, b, "relu")[0]
        off = np.mean(rnnlib.rnn_forward(x, h0, Wx, r * W1, b, "relu")[0] == 0)
        for name, value in zip(cols, (small, unit, relu)):
            cols[name].append(value)
        step = relu ** (1 / (T - 1))
        print(f"{r:6.2f}  {small:11.3g}  {unit:9.3g}  {relu:9.3g}   {step:8.3f}  {step / r:8.3f}  {off:4.0%}")
    for name, values in cols.items():
        above = np.array(values) > 1
        print(f"{name}: first radius above 1: {radii[np.argmax(above)]:.2f}")
    fine = np.round(np.arange(1.8, 2.6001, 0.01), 2)
    per = np.array([gradient_norms(x, h0, Wx, r * W1, b, per_sequence=True)[:, 0] for r in fine])
    mean = per.mean(axis=1)
    print(f"tanh x 1, mean of 8: first above 1 at {fine[np.argmax(mean > 1)]:.2f}, goes down in "
          f"{np.sum(np.diff(mean) < 0)} of {len(fine) - 1} steps")
    for n in range(N):
        above = per[:, n] > 1
        print(f"  sequence {n}: first above 1 at {fine[np.argmax(above)]:.2f}, crosses 1 "
              f"{int(np.sum(above[1:] != above[:-1]))} times")


if __name__ == "__main__":
    main()
