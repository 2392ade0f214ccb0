"""Train a character language model on rnnlib.data.structured_text and look inside it.

    python tools/train_char_model.py                       # the full run (about 25 s of one core)
    python tools/train_char_model.py --seed 1              # the same with another seed
    python tools/train_char_model.py --preset short        # the one-second run a test repeats
    python tools/train_char_model.py --weight-decay 0      # any setting can be overridden
    python tools/train_char_model.py --save assets/char_model.npz   # the course's checkpoint
    python tools/train_char_model.py --cell lstm --hidden 29 --forget-bias 1 --lr 0.01 \
        --weight-decay 0.3 --test-seed 1 --save assets/char_model_lstm.npz   # notebook 09's LSTM
    python tools/train_char_model.py --cell gru --hidden 34 --lr 0.01 --weight-decay 0.3 \
        --test-seed 1 --save assets/char_model_gru.npz                       # notebook 09's GRU

What it does, with rnnlib's public API only:
  1. generates train + held-out text with its ground truth: by default one corpus cut in two
     (the held-out text is the 20,000 characters after the training text of the same seed);
     with --test-seed S the held-out text is structured_text(test_chars, seed=S) instead;
  2. scores the held-out text with the uniform, unigram and bigram baselines;
  3. trains one-hot -> RNN (tanh, batch_first; or --cell lstm / gru) -> Dense -> softmax
     cross-entropy with Adam, decoupled weight decay (AdamW-style) and gradient clipping by
     global norm, by truncated backpropagation through time: the text is cut into parallel
     streams and windows (rnnlib.data.bptt_windows); each window starts from the state the previous
     window ended in (h0=h_prev; for the LSTM the pair (h, c)), and gradients flow back
     only inside the window;
  4. reports held-out perplexity, and for each ground-truth feature the hidden unit whose
     activation correlates best with it (Pearson r over the held-out characters).

Why these settings (measured with this script, seeds 0 and 1; perplexity on 20,000 held-out
characters, where the bigram baseline is 7.53 and the unigram 28.9):
  * window 64 and 400,000 training characters: lines nest brackets over tens of characters;
    in development trials with 100,000-200,000 characters and window 32 the best depth unit
    stayed near |r| 0.7.
  * weight decay: without it the model is better but bracket depth is spread over several
    units. Measured on 20,000 characters of seed 1 (tools/experiments_09/README.md): no decay
    gives perplexity 3.08 and a best depth unit of |r| 0.78; decay 1.0 gives 3.46 and 0.91.
    Decay pulls the weights a unit does not need towards zero, which leaves cleaner units; in
    development trials on seed 0's held-out text, weight_decay 0.3 gave |r| 0.85, 0.6 gave
    0.88 and 1.0 gave 0.92 / 0.89 (initial seeds 0 / 1) at perplexity 3.47.
  * in_string and in_number can be read from the hidden state as a whole (in development
    trials a linear read-out of all units reached r of about 0.9 and 0.95) but no single unit
    of this vanilla RNN carries them: their best units stay at |r| 0.4-0.6, as does line_pos.

The gated cells (notebook 09) train on the same text, windows, streams, epochs and clipping,
at about the same number of parameters as the H = 64 RNN (10,158; 4H^2 + 238H + 46 for the
LSTM and 3H^2 + 190H + 46 for the GRU, with V = 46): LSTM H = 29 (10,312), GRU H = 34
(9,974). --forget-bias b adds b to the LSTM's forget-gate rows H:2H of bias_ih_l0 at
initialisation (Gers et al. 2000, Jozefowicz et al. 2015: a forget gate that starts mostly
open). With the RNN's settings
(lr 3e-3, weight decay 1.0) the LSTM lags (held-out perplexity 3.90 on seed 1, the RNN 3.46,
the GRU 3.44); lr 1e-2 with weight decay 0.3 keeps the same shrink per update (lr * decay =
0.003) and gives the LSTM 3.21 and cleaner units, so the gated checkpoints use it
(tools/experiments_09/README.md has every cell under each setting).

Every checkpoint records in its metadata the exact texts (train_text, test_text: generator,
seed, character range, and a note that says it in Python), and the parameter count; rnnlib.load
hands train_text to the model, and rnnlib.perplexity refuses to score the model on it.
structured_text(n, seed) is a prefix of the same seed's longer text, so the held-out text of
a shorter run of the same seed (notebook 07's characters 40,000-45,000 of seed 0) lies inside
this run's 400,000 training characters: score the checkpoints on another seed.
assets/char_model.npz was written by an earlier rnnlib: this script no longer writes it byte
for byte (assets/README.md says how close it gets).
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import rnnlib
from rnnlib.data import bptt_windows, char_baselines, structured_text

# The two runs the course uses; every field can be overridden on the command line.
PRESETS = {
    "full": dict(hidden=64, train_chars=400_000, test_chars=20_000, streams=32, window=64,
                 epochs=15, lr=3e-3, clip=5.0, weight_decay=1.0),
    "short": dict(hidden=32, train_chars=40_000, test_chars=5_000, streams=16, window=25,
                  epochs=1, lr=2e-2, clip=5.0, weight_decay=0.0),
}

CELLS = ("rnn", "lstm", "gru")


def build(vocab_size, hidden, seed, cell="rnn", forget_bias=0.0):
    """The model: its rnn reads characters (as ids, looked up like one-hot vectors), its head
    turns every state into V logits. forget_bias is added to an LSTM's forget-gate biases."""
    if cell == "rnn":
        return rnnlib.SequenceModel(vocab_size, hidden, vocab_size, nonlinearity="tanh", seed=seed)
    model = rnnlib.SequenceModel(vocab_size, hidden, vocab_size, cell=cell, seed=seed)
    if cell == "lstm" and forget_bias:
        model.rnn.params["bias_ih_l0"][hidden:2 * hidden] += forget_bias    # rows H:2H: f
    return model


def zero_state(rnn, streams):
    """The state before the first character: (layers, N, H) zeros, a pair (h, c) for an LSTM."""
    shape = (rnn.num_layers, streams, rnn.hidden_size)
    states = tuple(np.zeros(shape) for _ in rnn.state_names)
    return states[0] if len(states) == 1 else states


def train(model, vocab, text, *, streams, window, epochs, lr, clip, weight_decay=0.0,
          log_every=0):
    """Truncated BPTT over `epochs` passes of text; returns the list of window losses."""
    x, y = bptt_windows(vocab.encode(text), streams, window)         # (W, N, window) each
    rnn, head = model.rnn, model.head
    params, grads = model.params, model.grads
    opt = rnnlib.Adam(params, lr=lr)
    losses = []
    for epoch in range(epochs):
        h = zero_state(rnn, streams)                                 # (layers, N, H)
        for w in range(len(x)):
            out, h_n = rnn(x[w], h0=h)                  # ids (N, window): rows of Wx looked up
            logits = head(out)                                       # (N, window, V)
            loss, dlogits = rnnlib.softmax_cross_entropy(logits, y[w])[:2]
            model.zero_grad()
            rnn.backward(head.backward(dlogits))                     # stops at h0: truncated
            rnnlib.clip_grad_norm_(grads, clip)
            opt.step(grads)
            if weight_decay:
                for p in params.values():                            # decoupled, AdamW-style
                    p *= 1.0 - lr * weight_decay
            h = h_n                                                  # carried to the next window
            losses.append(loss)
            if log_every and len(losses) % log_every == 0:
                recent = np.mean(losses[-log_every:])
                print(f"  epoch {epoch} window {w + 1}/{len(x)}  loss {recent:.4f}")
    return losses


def evaluate(rnn, head, vocab, text, chunk=500):
    """Held-out perplexity and every hidden state: read text[:-1] in one stream, carrying the
    state from chunk to chunk, and score each prediction of text[1:].

    Returns perplexity (float) and hidden (len(text) - 1, H): hidden[t] = h_t after text[t].
    """
    ids = vocab.encode(text)
    h = zero_state(rnn, 1)
    nll, states = 0.0, []
    for s in range(0, len(ids) - 1, chunk):
        xs, ys = ids[s: s + chunk][None], ids[s + 1: s + chunk + 1][None]
        xs = xs[:, : ys.shape[1]]
        out, h = rnn(xs, h0=h)                                       # ids -> (1, chunk, H)
        loss = rnnlib.softmax_cross_entropy(head(out), ys)[0]
        nll += loss * ys.shape[1]
        states.append(out[0])
    return float(np.exp(nll / (len(ids) - 1))), np.concatenate(states)


def best_units(hidden, features):
    """For each feature, the unit with the largest |Pearson r| over the characters read.

    hidden (M, H); features name -> (>= M,) ints, feature[t] aligned with hidden[t].
    Returns name -> (unit, r).
    """
    hc = hidden - hidden.mean(axis=0)
    result = {}
    for name, f in features.items():
        fc = f[: len(hidden)] - f[: len(hidden)].mean()
        denom = np.sqrt((hc ** 2).sum(axis=0) * (fc ** 2).sum()) + 1e-12
        r = fc @ hc / denom                                          # (H,) one r per unit
        u = int(np.argmax(np.abs(r)))
        result[name] = (u, float(r[u]))
    return result


def run(hidden, train_chars, test_chars, streams, window, epochs, lr, clip, weight_decay=0.0,
        seed=0, log_every=0, cell="rnn", forget_bias=0.0, test_seed=None, init_seed=None):
    """One experiment; returns a dict of every number the report needs.

    seed chooses the training text and, unless init_seed is given, the initial weights.
    test_seed None: the held-out text is the test_chars characters that follow the training
    text in structured_text of the same seed; an int: structured_text(test_chars, test_seed).
    """
    if test_seed is None:
        corpus = structured_text(train_chars + test_chars, seed=seed)
        train_c, test_c = corpus[:train_chars], corpus[train_chars:]
        test_range = [train_chars, train_chars + test_chars]
    else:
        # structured_text(n, seed) is a prefix of the same seed's longer text, so this is the
        # same training text as above; the held-out text comes from another seed
        train_c = structured_text(train_chars, seed=seed)
        test_c = structured_text(test_chars, seed=test_seed)
        test_range = [0, test_chars]
    vocab = rnnlib.Vocab(train_c.text + test_c.text, order="sorted")
    baselines = char_baselines(train_c.text, test_c.text)
    model = build(len(vocab), hidden, seed if init_seed is None else init_seed, cell, forget_bias)
    rnn, head = model.rnn, model.head
    t0 = time.process_time()
    losses = train(model, vocab, train_c.text, streams=streams, window=window,
                   epochs=epochs, lr=lr, clip=clip, weight_decay=weight_decay,
                   log_every=log_every)
    train_cpu = time.process_time() - t0
    ppl, states = evaluate(rnn, head, vocab, test_c.text)
    units = best_units(states, test_c.features)
    res = dict(seed=seed, hidden=hidden, updates=len(losses), train_cpu_s=round(train_cpu, 1),
               baselines=baselines, perplexity=ppl, final_train_loss=float(np.mean(losses[-50:])),
               best_units={k: dict(unit=u, r=round(r, 3)) for k, (u, r) in units.items()},
               model=model, vocab=vocab)
    if cell != "rnn":                   # SequenceModel's config names the cell only when gated
        res["cell"] = cell
    # the exact texts, so that rnnlib.load gives the model its record (model.train_text) and
    # rnnlib.perplexity can refuse to score it on the text it trained on
    generator = "rnnlib.corpus.structured_text"
    res.update(parameters=int(sum(p.size for p in model.params.values())),
               train_text=dict(generator=generator, seed=seed, chars=[0, train_chars],
                               note=f"structured_text({train_chars}, seed={seed}).text"),
               test_text=dict(generator=generator,
                              seed=seed if test_seed is None else test_seed,
                              chars=test_range,
                              note=(f"structured_text({train_chars + test_chars}, seed={seed})"
                                    f".text[{train_chars}:]" if test_seed is None else
                                    f"structured_text({test_chars}, seed={test_seed}).text")))
    model.train_text = res["train_text"]
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=PRESETS, default="full")
    p.add_argument("--seed", type=int, default=0)
    for k, val in PRESETS["full"].items():
        p.add_argument(f"--{k.replace('_', '-')}", type=type(val), default=None)
    p.add_argument("--cell", choices=CELLS, default="rnn")
    p.add_argument("--forget-bias", type=float, default=0.0,
                   help="LSTM only: added to the forget gate's bias at initialisation")
    p.add_argument("--test-seed", type=int, default=None,
                   help="held-out text from structured_text with this seed (default: the text "
                        "after the training text, same seed)")
    p.add_argument("--init-seed", type=int, default=None,
                   help="seed of the initial weights (default: --seed, which also picks the text)")
    p.add_argument("--log-every", type=int, default=0)
    p.add_argument("--save", default=None, help="write the trained model here (.npz, rnnlib.save)")
    args = p.parse_args(argv)
    if args.forget_bias and args.cell != "lstm":
        p.error(f"--forget-bias is for --cell lstm; a {args.cell} has no forget gate")
    cfg = dict(PRESETS[args.preset])
    cfg.update({k: getattr(args, k) for k in cfg if getattr(args, k) is not None})
    extra = {}                          # settings beyond the RNN's: absent for the default run
    if args.cell != "rnn":
        extra["cell"] = args.cell
    if args.forget_bias:
        extra["forget_bias"] = args.forget_bias
    if args.test_seed is not None:
        extra["test_seed"] = args.test_seed
    if args.init_seed is not None:
        extra["init_seed"] = args.init_seed
    t0 = time.perf_counter()
    res = run(**cfg, **extra, seed=args.seed, log_every=args.log_every)
    model, vocab = res.pop("model"), res.pop("vocab")
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    res["config"] = {**cfg, **extra}
    if args.save:
        # no timings: two runs write the same file byte for byte
        meta = {k: v for k, v in res.items() if k not in ("wall_s", "train_cpu_s")}
        rnnlib.save(model, args.save, metadata={**meta, "symbols": "".join(vocab.symbols),
                                                "vocab_order": "sorted", "preset": args.preset})
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
