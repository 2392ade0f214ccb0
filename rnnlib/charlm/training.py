"""train_on_text: the recipe (recipe.py) run on a text, scored on the text's held-out end
against the counting baselines, written as an ordinary rnnlib checkpoint."""
from __future__ import annotations

import hashlib
import time

import numpy as np

from ..checkpoint import save as save_checkpoint
from ..data import bptt_windows, char_baselines
from ..optim import Adam
from ..text import Vocab
from .inputs import MIN_TRAIN, check_train, split_sizes
from .recipe import (CLIP, LR, STREAMS, WEIGHT_DECAY, WINDOW, build_model, held_out_perplexity,
                     one_update)


def train_on_text(text, cell="rnn", hidden=64, updates=None, minutes=None, seed=0,
                  valid_fraction=0.1, callback=None, should_stop=None, *, save=None,
                  source=None):
    """Train a character model on text and score it on held-out text from its end.

    text            a str of at least min_length(valid_fraction) characters (200 for 0.1)
    cell, hidden    "rnn", "lstm" or "gru"; the hidden size H
    updates         stop after this many updates (one window of STREAMS x WINDOW characters each)
    minutes         stop when training has taken this long; with neither, DEFAULT_MINUTES (2);
                    with both, whichever comes first
    seed            the initial weights (the windows come in a fixed order): same text, seed
                    and updates give the same model
    valid_fraction  the share of characters held out at the END of text, never trained on
    callback        None or callback(progress), after every update; progress is a dict: update,
                    updates (the limit or None), seconds, minutes (the budget or None), loss
                    (the mean over the last 20 windows), chars (characters trained on so far)
    should_stop     None or a function asked before every update; True stops training there
                    (the app's stop button, Ctrl-C): the model keeps every finished update
    save            None, or a .npz path, checked BEFORE training, written after
    source          the name used in messages and in the record (e.g. the file name)

    Returns (model, report). model.symbols is the vocabulary (rnnlib.Vocab(model.symbols)) and
    model.train_text the record of the characters trained on, so rnnlib.save(model, path,
    metadata=report["metadata"]) writes what `save` writes. report: perplexity, baselines
    (uniform, unigram, bigram on the same held-out text), updates, seconds, chars_per_second,
    chars_trained, train_chars, held_out_chars, vocab_size, parameters, stopped ("updates",
    "time" or "asked"), loss (the last 20 windows' mean), settings, metadata, path.
    """
    where = "train_on_text"
    text, cell, hidden, updates, minutes, seed, valid_fraction, save = check_train(
        text, cell, hidden, updates, minutes, seed, valid_fraction, callback, should_stop,
        save, source, where)
    n = len(text)
    n_train, n_held = split_sizes(n, valid_fraction)
    train_text, held_text = text[:n_train], text[n_train:]
    vocab = Vocab(text, order="sorted")
    ids = vocab.encode(text)
    streams = min(STREAMS, n_train // MIN_TRAIN)
    x, y = bptt_windows(ids[:n_train], streams, WINDOW)          # (W, N, WINDOW) each
    del ids
    model = build_model(len(vocab), hidden, cell, seed)
    opt = Adam(model.params, lr=LR)

    losses, done, stopped = [], 0, None
    start = time.perf_counter()
    while stopped is None:
        h = None                                                 # each pass starts from zeros
        for w in range(len(x)):
            seconds = time.perf_counter() - start
            if updates is not None and done >= updates:
                stopped = "updates"
            elif minutes is not None and seconds >= 60 * minutes:
                stopped = "time"
            elif should_stop is not None and should_stop():
                stopped = "asked"
            if stopped:
                break
            loss, h = one_update(model, opt, x[w], y[w], h, where, done + 1)   # h carried over
            losses.append(loss)
            done += 1
            if callback is not None:
                callback(dict(update=done, updates=updates, minutes=minutes,
                              seconds=time.perf_counter() - start,
                              loss=float(np.mean(losses[-20:])), chars=done * x[w].size))
    seconds = time.perf_counter() - start

    symbols = "".join(vocab.symbols)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    name = source if source is not None else "text"
    model.symbols = symbols
    model.train_text = dict(file=name, sha256=digest, chars=[0, n_train],
                            note=f"characters 0-{n_train:,} of {name} (decoded from UTF-8)")
    perplexity = held_out_perplexity(model, vocab.encode(held_text))
    baselines = char_baselines(train_text, held_text)
    settings = dict(cell=cell, hidden=hidden, seed=seed, valid_fraction=valid_fraction,
                    updates=updates, minutes=minutes, window=WINDOW, streams=streams, lr=LR,
                    clip=CLIP, weight_decay=WEIGHT_DECAY)
    parameters = int(sum(p.size for p in model.params.values()))
    metadata = dict(trainer="rnnlib.charlm", symbols=symbols, vocab_order="sorted",
                    train_text=model.train_text,
                    test_text=dict(file=name, sha256=digest, chars=[n_train, n],
                                   note=f"characters {n_train:,}-{n:,} of {name}: its end, "
                                        f"held out"),
                    settings=settings, updates_done=done, parameters=parameters,
                    perplexity=perplexity, baselines=baselines)
    if save is not None:
        save_checkpoint(model, save, metadata=metadata)
    chars = done * streams * WINDOW
    report = dict(perplexity=perplexity, baselines=baselines, updates=done, seconds=seconds,
                  chars_per_second=chars / seconds if seconds > 0 else float("nan"),
                  chars_trained=chars, train_chars=n_train, held_out_chars=n_held,
                  vocab_size=len(vocab), parameters=parameters, stopped=stopped,
                  loss=float(np.mean(losses[-20:])) if losses else float("nan"),
                  settings=settings, metadata=metadata,
                  path=None if save is None else str(save))
    return model, report
