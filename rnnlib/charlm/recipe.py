"""The training recipe, tools/train_char_model.py's (its docstring says why): the settings, the
model, one update (truncated backpropagation through time on one window, Adam, clipping,
decoupled weight decay) and the held-out score."""
from __future__ import annotations

import numpy as np

from ..losses import softmax_cross_entropy
from ..models import SequenceModel
from ..module import no_grad
from ..optim import clip_grad_norm_

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}

WINDOW = 64            # characters per window: gradients reach at most 63 characters back
STREAMS = 32           # parallel streams; one update reads STREAMS * WINDOW characters
CLIP = 5.0             # max global norm of the gradients
# The learning rate and decay of the course's gated checkpoints, for every cell: the same
# shrink per update (lr * decay = 0.003) as the RNN checkpoint's 3e-3 and 1.0, at a rate that
# learns faster in a short run. Decay leaves cleaner units to explore at a small cost in
# perplexity. Measured on rnnlib's own source (rnnlib/*.py joined, 350,000 characters, the last
# tenth held out), an RNN of H = 64 after 400 updates: held-out perplexity 7.51 with these,
# 7.29 without decay, 10.53 with 3e-3 and decay 1.0, 8.98 with 3e-3 and no decay (bigram 12.17).
LR = 1e-2              # Adam's learning rate
WEIGHT_DECAY = 0.3     # decoupled (AdamW-style): every update multiplies weights by 1 - LR * 0.3
DEFAULT_MINUTES = 2.0  # the budget when neither updates nor minutes is given


def build_model(V, hidden, cell, seed):
    """One-hot characters -> RNN, LSTM or GRU -> Dense: scores for the next character."""
    extra = dict(nonlinearity="tanh") if cell == "rnn" else dict(cell=cell)
    return SequenceModel(V, hidden, V, seed=seed, **extra)


def one_update(model, opt, x, y, h0, where, number):
    """One update on a window: x, y ids (N, WINDOW); h0 the state the last window ended in.
    Returns (loss, h_n). A number that overflows means training diverged: a RuntimeError that
    names the update (number)."""
    with np.errstate(over="raise", invalid="raise"):
        try:
            model.zero_grad()
            out, h_n = model.rnn(x, h0=h0)                       # ids (N, WINDOW) -> (N, WINDOW, H)
            loss, dlogits = softmax_cross_entropy(model.head(out), y)[:2]
            model.rnn.backward(model.head.backward(dlogits))     # stops at h0: truncated
            clip_grad_norm_(model.grads, CLIP)
            opt.step(model.grads)
            for p in model.params.values():                      # decoupled weight decay
                p *= 1.0 - LR * WEIGHT_DECAY
        except FloatingPointError:
            raise RuntimeError(f"{where}: training diverged at update {number}: a number "
                               f"overflowed. Try another seed or a smaller hidden size.") from None
    return float(loss), h_n


def held_out_perplexity(model, ids, chunk=1000):
    """exp(mean cross-entropy) of predicting ids[1:] from ids[:-1], read in chunks from the zero
    state with the state carried over: what rnnlib.perplexity computes, in constant memory.

    rnnlib.perplexity reads the whole text at once (a one-hot (1, T, V) array, the logits, the
    states): measured on 300,000 characters of rnnlib's source with V = 111, a peak of about
    6,300 bytes per character, against the 160 (inputs.BYTES_PER_CHAR) the memory check allows."""
    nll, h = 0.0, None
    with no_grad():
        for s in range(0, len(ids) - 1, chunk):
            xs, ys = ids[s: s + chunk], ids[s + 1: s + chunk + 1]
            out, h = model.rnn(xs[: len(ys)][None], h0=h)         # (1, chunk, H)
            loss = softmax_cross_entropy(model.head(out), ys[None])[0]
            nll += loss * len(ys)
    return float(np.exp(nll / (len(ids) - 1)))
