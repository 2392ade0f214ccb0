"""The clipping experiment through rnnlib.fit: what a learner sees when training explodes.

relu RNN (SequenceModel(8, 32, 4)), recurrent matrix rescaled to spectral radius 2.5, SGD
lr 0.1, the memory task at gap 10 (distractors from A..D), a fixed training set of 256
sequences in minibatches of 32 (8 updates per epoch), loss at the last step only.
fit(clip=None) should stop with its FloatingPointError; fit(clip=1.0) should train.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python tools/experiments_06/clipping_fit.py
"""
import inspect
import time

import numpy as np

import rnnlib
from rnnlib.gradients import with_spectral_radius
from memory_task import memory_batch


def last_step_loss(y, targets, mask=None):
    """Softmax cross-entropy on the last step only; (loss, dy) as fit expects."""
    loss, dlast = rnnlib.softmax_cross_entropy(y[:, -1], targets[:, -1])[:2]
    dy = np.zeros_like(y)
    dy[:, -1] = dlast
    return loss, dy


def train(seed, clip, gap=10, epochs=40):
    x, y = memory_batch(np.random.default_rng(seed), 256, gap, same=True)
    targets = np.repeat(y[:, None], gap + 1, axis=1)
    model = rnnlib.SequenceModel(8, 32, 4, nonlinearity="relu", seed=seed)
    w = model.params["rnn.weight_hh_l0"]
    w[...] = with_spectral_radius(w, 2.5)
    opt = rnnlib.SGD(model.params, lr=0.1)
    extra = {"quiet": True} if "quiet" in inspect.signature(rnnlib.fit).parameters else {}
    hist = rnnlib.fit(model, x, targets, opt, loss=last_step_loss, epochs=epochs, clip=clip,
                      batch_size=32, seed=seed, **extra)
    xt, yt = memory_batch(np.random.default_rng(10_000 + seed), 1000, gap, same=True)
    acc = float(np.mean(model.forward(xt)[:, -1].argmax(-1) == yt))
    return hist, acc


for seed in (0, 1, 2):
    for clip in (None, 1.0):
        t = time.process_time()
        try:
            hist, acc = train(seed, clip)
            print(f"seed {seed} clip {clip}: loss {hist['loss'][0]:.3f} -> {hist['loss'][-1]:.4f}, "
                  f"max grad norm {max(hist['grad_norm']):.3g}, held-out accuracy {acc:.2f}, "
                  f"cpu {time.process_time() - t:.2f}s")
        except FloatingPointError as e:
            print(f"seed {seed} clip {clip}: FloatingPointError: {e}  (cpu {time.process_time() - t:.2f}s)")
