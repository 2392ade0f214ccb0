"""Character-model training throughput: rnnlib (parallel streams, truncated BPTT, characters given
as ids so the input product is a row look-up) against a plain per-character numpy loop of the
min-char-rnn kind (batch 1, one-hot column vectors, one matrix product per step), at the same
hidden size H = 100 and window T = 25, on the same text.

    python benchmarks/bench_char.py                 # 20 s of training each, 128 streams
    python benchmarks/bench_char.py --streams 32
    python benchmarks/bench_char.py --seconds 60

The two train in turns of half a second until each has had the same training time, so that
whatever else the machine does slows both alike. Prints characters per second for each, their
ratio, and the held-out loss (nats per character) each reached after that same time.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import rnnlib
from rnnlib.data import bptt_windows, structured_text

H, T = 100, 25


class PerCharacterLoop:
    """min-char-rnn's recipe, written here for the comparison: h_t = tanh(Wxh x_t + Whh h_{t-1} + bh),
    y_t = Why h_t + by, column vectors, one step at a time, Adagrad, gradients clipped to +-5."""

    def __init__(self, V, seed=0, lr=0.1):
        rng = np.random.default_rng(seed)
        self.Wxh, self.Whh, self.Why = (rng.normal(0, 0.01, s) for s in ((H, V), (H, H), (V, H)))
        self.bh, self.by = np.zeros((H, 1)), np.zeros((V, 1))
        self.mem = [np.zeros_like(p) for p in self.params()]
        self.V, self.lr = V, lr

    def params(self):
        return [self.Wxh, self.Whh, self.Why, self.bh, self.by]

    def step(self, inputs, targets, hprev):
        xs, hs, ps, loss = {}, {-1: hprev}, {}, 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(self.Wxh @ xs[t] + self.Whh @ hs[t - 1] + self.bh)
            y = self.Why @ hs[t] + self.by
            e = np.exp(y - y.max())
            ps[t] = e / e.sum()
            loss -= np.log(ps[t][targets[t], 0])
        grads = [np.zeros_like(p) for p in self.params()]
        dWxh, dWhh, dWhy, dbh, dby = grads
        dhnext = np.zeros_like(hprev)
        for t in reversed(range(len(inputs))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dWhy += dy @ hs[t].T
            dby += dy
            dh = self.Why.T @ dy + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += dhraw @ xs[t].T
            dWhh += dhraw @ hs[t - 1].T
            dhnext = self.Whh.T @ dhraw
        for p, g, m in zip(self.params(), grads, self.mem):
            np.clip(g, -5, 5, out=g)
            m += g * g
            p -= self.lr * g / np.sqrt(m + 1e-8)
        return loss / len(inputs), hs[len(inputs) - 1]

    def held_out_loss(self, ids):
        h, loss = np.zeros((H, 1)), 0.0
        for a, b in zip(ids[:-1], ids[1:]):
            h = np.tanh(self.Wxh[:, [a]] + self.Whh @ h + self.bh)
            y = self.Why @ h + self.by
            loss += np.log(np.exp(y - y.max()).sum()) + y.max() - y[b, 0]
        return float(loss / (len(ids) - 1))


class LoopTrainer:
    """The per-character loop over the text, window after window, resumable: run(seconds)."""

    def __init__(self, ids):
        self.ids, self.model = ids, PerCharacterLoop(int(ids.max()) + 1)
        self.h, self.p, self.chars, self.seconds = np.zeros((H, 1)), 0, 0, 0.0

    def run(self, seconds):
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            if self.p + T + 1 > len(self.ids):
                self.p, self.h = 0, np.zeros((H, 1))
            p = self.p
            _, self.h = self.model.step(self.ids[p:p + T], self.ids[p + 1:p + T + 1], self.h)
            self.p, self.chars = p + T, self.chars + T
        self.seconds += time.perf_counter() - start


class RnnlibTrainer:
    """rnnlib on `streams` parallel streams of the text (truncated BPTT, the state carried from
    window to window, Adam, gradients clipped to norm 5), resumable: run(seconds)."""

    def __init__(self, ids, V, streams):
        self.model = rnnlib.SequenceModel(V, H, V, seed=0)
        self.opt = rnnlib.Adam(self.model.params, lr=3e-3)
        self.x, self.y = bptt_windows(ids, streams, T)             # (W, N, T) each
        self.streams, self.w, self.h = streams, 0, np.zeros((1, streams, H))
        self.chars, self.seconds = 0, 0.0

    def run(self, seconds):
        model, start = self.model, time.perf_counter()
        while time.perf_counter() - start < seconds:
            if self.w == len(self.x):
                self.w, self.h = 0, np.zeros((1, self.streams, H))
            model.zero_grad()
            out, self.h = model.rnn(self.x[self.w], h0=self.h)  # (N, T, H); ids: rows of Wx looked up
            _, dlogits = rnnlib.softmax_cross_entropy(model.head(out), self.y[self.w])
            model.rnn.backward(model.head.backward(dlogits))
            rnnlib.clip_grad_norm_(model.grads, 5.0)
            self.opt.step(model.grads)
            self.w, self.chars = self.w + 1, self.chars + self.streams * T
        self.seconds += time.perf_counter() - start


def train_both(loop, ours, seconds, slice_seconds=0.5):
    """Give each trainer `seconds` of training, in turns of slice_seconds, so that whatever else
    the machine does slows both alike. Returns each one's characters per second."""
    while loop.seconds < seconds or ours.seconds < seconds:
        for trainer in (loop, ours):
            if trainer.seconds < seconds:
                trainer.run(min(slice_seconds, seconds - trainer.seconds))
    return loop.chars / loop.seconds, ours.chars / ours.seconds


def rnnlib_held_out_loss(model, ids, V):
    with rnnlib.no_grad():
        logits = model(ids[:-1][None])
    return rnnlib.softmax_cross_entropy(logits, ids[1:][None])[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="training time for each")
    parser.add_argument("--streams", type=int, default=128, help="rnnlib's parallel streams (batch)")
    args = parser.parse_args(argv)
    corpus = structured_text(220_000, seed=0)
    vocab = rnnlib.Vocab(corpus.text, order="sorted")
    ids = vocab.encode(corpus.text)
    train, test = ids[:200_000], ids[200_000:]
    V = len(vocab)
    loop, ours = LoopTrainer(train), RnnlibTrainer(train, V, args.streams)
    loop_rate, our_rate = train_both(loop, ours, args.seconds)
    print(f"H = {H}, T = {T}, V = {V}, {args.seconds:g} s of training each")
    print(f"{'':28s} {'chars/s':>9s} {'held-out loss':>14s}")
    print(f"{'per-character numpy loop':28s} {loop_rate:9.0f} {loop.model.held_out_loss(test):14.3f}")
    print(f"{f'rnnlib, {args.streams} streams':28s} {our_rate:9.0f} "
          f"{rnnlib_held_out_loss(ours.model, test, V):14.3f}")
    print(f"throughput ratio: {our_rate / loop_rate:.1f}x")


if __name__ == "__main__":
    main()
