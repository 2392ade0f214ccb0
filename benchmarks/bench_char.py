"""Character-model training throughput: rnnlib (parallel streams, truncated BPTT, characters given
as ids so the input product is a row look-up) against a plain per-character numpy loop of the
min-char-rnn kind (batch 1, one-hot column vectors, one matrix product per step), at the same
hidden size H = 100 and window T = 25, on the same text.

    python benchmarks/bench_char.py                 # 20 s of training each, 128 streams
    python benchmarks/bench_char.py --streams 32
    python benchmarks/bench_char.py --seconds 60

Prints characters per second for each, their ratio, and the held-out loss (nats per character)
each reached after the same wall time.
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


def train_loop(ids, seconds):
    model, h, p, chars = PerCharacterLoop(int(ids.max()) + 1), np.zeros((H, 1)), 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if p + T + 1 > len(ids):
            p, h = 0, np.zeros((H, 1))
        _, h = model.step(ids[p:p + T], ids[p + 1:p + T + 1], h)
        p, chars = p + T, chars + T
    return model, chars / (time.perf_counter() - start)


def train_rnnlib(ids, V, seconds, streams=128):
    model = rnnlib.SequenceModel(V, H, V, seed=0)
    opt = rnnlib.Adam(model.params, lr=3e-3)
    x, y = bptt_windows(ids, streams, T)                           # (W, N, T) each
    chars, start, w = 0, time.perf_counter(), 0
    h = np.zeros((1, streams, H))
    while time.perf_counter() - start < seconds:
        if w == len(x):
            w, h = 0, np.zeros((1, streams, H))
        model.zero_grad()
        out, h = model.rnn(x[w], h0=h)              # (N, T, H); ids: rows of Wx looked up
        _, dlogits = rnnlib.softmax_cross_entropy(model.head(out), y[w])
        model.rnn.backward(model.head.backward(dlogits))
        rnnlib.clip_grad_norm_(model.grads, 5.0)
        opt.step(model.grads)
        w, chars = w + 1, chars + streams * T
    return model, chars / (time.perf_counter() - start)


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
    loop, loop_rate = train_loop(train, args.seconds)
    ours, our_rate = train_rnnlib(train, V, args.seconds, args.streams)
    print(f"H = {H}, T = {T}, V = {V}, {args.seconds:g} s of training each")
    print(f"{'':28s} {'chars/s':>9s} {'held-out loss':>14s}")
    print(f"{'per-character numpy loop':28s} {loop_rate:9.0f} {loop.held_out_loss(test):14.3f}")
    print(f"{f'rnnlib, {args.streams} streams':28s} {our_rate:9.0f} {rnnlib_held_out_loss(ours, test, V):14.3f}")
    print(f"throughput ratio: {our_rate / loop_rate:.1f}x")


if __name__ == "__main__":
    main()
