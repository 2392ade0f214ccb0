"""Does the memory-task table survive round-off? Multiply every initial RNN weight by (1 + eps),
as a different BLAS or CPU would perturb the last bits, and compare each run's outcome.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/roundoff.py
"""
import sys

import rnnlib
import memory_task as M

EPS = 1e-13
Plain = rnnlib.RNN


class Perturbed(Plain):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for p in self.params.values():
            p *= 1 + EPS


def outcomes(cls, gap, seeds):
    M.rnnlib.RNN = cls
    try:
        return [M.train_memory(gap, s, lr=0.02, same=True)[:2] for s in seeds]
    finally:
        M.rnnlib.RNN = Plain


for gap in [int(g) for g in sys.argv[1:]] or [2, 5, 10, 15, 20, 30, 40]:
    a, b = outcomes(Plain, gap, range(5)), outcomes(Perturbed, gap, range(5))
    same_learned = [x[1] == y[1] for x, y in zip(a, b)]
    print(f"gap {gap:2d}: learned-at equal {sum(same_learned)}/5; "
          + "  ".join(f"{x[1] or '-'}:{x[0]:.2f}|{y[1] or '-'}:{y[0]:.2f}" for x, y in zip(a, b)), flush=True)
