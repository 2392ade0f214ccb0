"""Train a character language model on your own text, then sample from it.

    python -m rnnlib.charlm train FILE.txt --save MODEL.npz        # about 2 minutes, a bar
    python -m rnnlib.charlm train FILE.txt --save MODEL.npz --cell gru --hidden 48 --updates 500
    python -m rnnlib.charlm sample MODEL.npz --prime "The " --temperature 0.8 -n 300

    model, report = train_on_text(text, cell="rnn", hidden=64, updates=None, minutes=None,
                                  seed=0, valid_fraction=0.1, callback=None, should_stop=None,
                                  save=None, source=None)
    report["perplexity"], report["baselines"]["bigram"], report["chars_per_second"]

The held-out text is the END of the file: its last valid_fraction of the characters, never
trained on. The model reads one character at a time (a one-hot vector over the file's
characters, sorted by code point) and predicts the next; its perplexity on the held-out text is
set against two models that only count, the unigram and the bigram of rnnlib.data.char_baselines,
fitted on the same training part and scored on the same held-out characters.

Training is tools/train_char_model.py's recipe: truncated backpropagation through time over
STREAMS parallel streams of the training text in windows of WINDOW characters (each window
starts from the state the previous one ended in; gradients stay inside the window), Adam with
gradient clipping by global norm and decoupled weight decay, one update per window, passes over
the text until the number of updates or the time budget is reached.

The checkpoint is an ordinary rnnlib checkpoint: rnnlib.load(path) gives the model with its
vocabulary (model.symbols) and the record of the characters it trained on (model.train_text:
{"file", "sha256", "chars": [0, n_train]}, the sha256 of the whole text in UTF-8: the file's
bytes, less a leading byte-order mark), and its metadata holds the settings, the held-out range
(test_text) and the scores. Same text, same seed, same --updates: the same weights and
metadata.

The core part (train_on_text and the checks) needs numpy alone; the command line shows a tqdm
progress bar when tqdm is installed (requirements.txt installs it) and trains without one when
it is not.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import math
import os
import pathlib
import signal
import sys
import tempfile
import textwrap
import time

import numpy as np

from . import _validation as v
from .checkpoint import load, save as save_checkpoint
from .data import bptt_windows, char_baselines
from .generate import MAX_SAMPLE, sample
from .losses import softmax_cross_entropy
from .models import SequenceModel
from .module import no_grad
from .optim import Adam, clip_grad_norm_
from .text import Vocab

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}

# --- the recipe: tools/train_char_model.py's (its docstring says why) -----------------------
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

# --- sizes ---------------------------------------------------------------------------------
MIN_TRAIN = WINDOW + 1  # one window of one stream and the character after it
MIN_HELD_OUT = 20       # fewer held-out characters give a perplexity that means little
# Memory per character of the text, at the peak: the file's bytes, the str and its training and
# held-out parts (1 to 4 bytes per character each: CPython stores a str at the width of its
# widest character), the ids (int64, 8 bytes), the training windows x and y (int64, 16) and the
# baselines' counting of the held-out pairs (Python tuples and floats, about 100 bytes per
# held-out character). Measured with tracemalloc on 1,000,000 characters of rnnlib's source:
# a peak of 32 bytes per character with valid_fraction 0.1, 74 with 0.5, 116 with 0.9, besides
# the file's bytes and the str. 160 covers any valid_fraction and the widest str.
BYTES_PER_CHAR = 160
MEMORY_LIMIT = 2 * 10**9    # 2 GB: a quarter of a modest 8 GB laptop, so nothing starts to swap
MAX_CHARS = MEMORY_LIMIT // BYTES_PER_CHAR          # 12.5 million characters


def memory_needed(n_chars, vocab_size, hidden, cell="rnn", streams=STREAMS, window=WINDOW):
    """Bytes training would hold at its peak, from the sizes alone:
    the text (BYTES_PER_CHAR per character), the model (parameters, gradients and Adam's two
    moments: 4 float64 copies of P numbers) and one window's forward and backward (per step of
    each stream: about 6 arrays of gates * H for the cell and 4 of V for the logits, float64)."""
    G = GATES[cell] * hidden
    P = G * (vocab_size + hidden + 2) + vocab_size * (hidden + 1)
    step = 8 * (6 * G + 2 * hidden + 4 * vocab_size)
    return n_chars * BYTES_PER_CHAR + 4 * 8 * P + streams * window * step


def _gb(n):
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _check_memory(n_chars, V, hidden, cell, where, what):
    need = memory_needed(n_chars, V, hidden, cell)
    if need > MEMORY_LIMIT:
        text_part = n_chars * BYTES_PER_CHAR
        raise ValueError(
            f"{where}: {what} would need about {_gb(need)} of memory to train on "
            f"({n_chars:,} characters x {BYTES_PER_CHAR} bytes = {_gb(text_part)} for the text, its "
            f"ids, windows and baseline counts; {_gb(need - text_part)} for the model, cell {cell} with "
            f"hidden size {hidden} over {V} symbols), more than the limit of {_gb(MEMORY_LIMIT)} "
            f"(rnnlib.charlm.MEMORY_LIMIT: at most {MAX_CHARS:,} characters). Train on a part of "
            f"it (e.g. its first {MAX_CHARS // 2:,} characters) or use a smaller --hidden.")


# --- reading a text file -------------------------------------------------------------------

def read_text(path, where="charlm train"):
    """The characters of a UTF-8 text file (a leading byte-order mark dropped), or an error in
    one line: missing, a folder, too large (checked from its size before reading), empty,
    binary (a NUL byte) or not UTF-8."""
    p = pathlib.Path(path)
    if p.is_dir():
        raise IsADirectoryError(f"{where}: {path} is a folder; give a text file such as notes.txt.")
    if not p.is_file():
        raise FileNotFoundError(f"{where}: there is no file {path} (working directory "
                                f"{os.getcwd()}). Check the name.")
    size = p.stat().st_size
    if size == 0:
        raise ValueError(f"{where}: {path} is empty; give a text file to learn from (at "
                         f"least {min_length(0.1):,} characters with the default held-out "
                         f"fraction 0.1).")
    # a character is at least one byte, so size bytes hold at most size characters
    if size * BYTES_PER_CHAR > MEMORY_LIMIT:
        raise ValueError(
            f"{where}: {path} is {_gb(size)}; up to {size:,} characters x {BYTES_PER_CHAR} bytes "
            f"each (the text, its ids, training windows and baseline counts) would need "
            f"{_gb(size * BYTES_PER_CHAR)} of memory, more than the limit of "
            f"{_gb(MEMORY_LIMIT)} (rnnlib.charlm.MEMORY_LIMIT), so it was not read. Train on "
            f"a part of it of at most {MAX_CHARS // 10**6} MB, e.g. head -c {MAX_CHARS // 2 // 10**6}M "
            f"{path} > part.txt")
    data = p.read_bytes()
    nul = data.find(b"\0")
    if nul >= 0:
        raise ValueError(f"{where}: {path} looks binary, not text: it has a NUL byte at byte "
                         f"{nul:,}. Give a plain text file (UTF-8), e.g. a .txt or source file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{where}: {path} is not UTF-8 text: byte {err.start:,} is "
                         f"0x{data[err.start]:02x}, which UTF-8 cannot decode there. Convert it, "
                         f"e.g. iconv -f latin1 -t utf-8 {path} > converted.txt") from None


def split_sizes(n, valid_fraction):
    """(training characters, held-out characters) of a text of n: the last floor(n * f) are
    held out."""
    held = int(n * valid_fraction)
    return n - held, held


def min_length(valid_fraction):
    """The fewest characters a text needs: MIN_TRAIN to train on and MIN_HELD_OUT held out."""
    # held = floor(n f) >= 20 needs n f >= 20; train = n - floor(n f) >= 65 needs n (1 - f) > 64.
    # Start just below both bounds (float division may be one off), then count up.
    n = max(1, math.floor(MIN_HELD_OUT / valid_fraction) - 1,
            math.floor((MIN_TRAIN - 1) / (1 - valid_fraction)) - 1)
    while True:
        train, held = split_sizes(n, valid_fraction)
        if train >= MIN_TRAIN and held >= MIN_HELD_OUT:
            return n
        n += 1


# --- checks --------------------------------------------------------------------------------

def _valid_fraction(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: valid_fraction should be a number between 0 and 1, got "
                        f"{value!r}.")
    if not 0 < value < 1:
        raise ValueError(f"{where}: valid_fraction should be between 0 and 1 (the share of the "
                         f"text held out at its end), got {value!r}. 0.1 holds out the last "
                         f"tenth.")
    return float(value)


def _check_train(text, cell, hidden, updates, minutes, seed, valid_fraction, callback,
                 should_stop, save, source, where):
    text = v.text(text, "text", where)
    cell = v.choice(cell, CELLS, "cell", where)
    hidden = v.positive_int(hidden, "hidden", where)
    if updates is not None:
        updates = v.positive_int(updates, "updates", where)
    if minutes is not None:
        minutes = v.positive_float(minutes, "minutes", where, "It is the training time budget.")
    if updates is None and minutes is None:
        minutes = DEFAULT_MINUTES
    seed = v.seed(seed, where)
    if seed is None or not isinstance(seed, int):
        raise TypeError(f"{where}: seed should be a whole number >= 0 (the same seed gives the "
                        f"same model), got {seed!r}.")
    valid_fraction = _valid_fraction(valid_fraction, where)
    for name, fn in (("callback", callback), ("should_stop", should_stop)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{where}: {name} should be a function or None, got "
                            f"{type(fn).__name__}.")
    name = source if source is not None else "the text"
    if not text:
        raise ValueError(f"{where}: {name} is empty; it needs at least "
                         f"{min_length(valid_fraction):,} characters.")
    n = len(text)
    need = min_length(valid_fraction)
    if n < need:
        raise ValueError(
            f"{where}: {name} has {n:,} characters, too short to split: with valid_fraction "
            f"{valid_fraction:g} it needs at least {need:,} ({MIN_TRAIN} to train on, one window "
            f"of {WINDOW} and the character after it, and {MIN_HELD_OUT} held out at the end). "
            f"Give a longer text or change the held-out fraction.")
    V = len(set(text))
    _check_memory(n, V, hidden, cell, where, name)
    if save is not None:
        save = writable_path(save, where)
    return text, cell, hidden, updates, minutes, seed, valid_fraction, save


def writable_path(path, where):
    """path as a pathlib.Path after making sure a checkpoint can be written there: it ends in
    .npz, is not a folder, and its folder exists and takes a new file (tried, then removed)."""
    p = pathlib.Path(path)
    if p.suffix != ".npz":
        raise ValueError(f"{where}: the save path should end in .npz, got {str(path)!r}.")
    if p.is_dir():
        raise IsADirectoryError(f"{where}: cannot save to {path}: it is a folder. Give a file "
                                f"name such as {p / 'model.npz'}.")
    folder = p.parent
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise FileNotFoundError(f"{where}: cannot save to {path}: the folder {folder} {what}. "
                                f"Create it first or save somewhere else.")
    try:
        fd, tmp = tempfile.mkstemp(suffix=".npz", prefix=".charlm-check.", dir=folder)
    except OSError as err:
        raise PermissionError(f"{where}: cannot save to {path}: {err.strerror or err} in "
                              f"{folder}. Save somewhere you may write.") from None
    os.close(fd)
    os.remove(tmp)
    return p


# --- training ------------------------------------------------------------------------------

def build_model(V, hidden, cell, seed):
    """One-hot characters -> RNN, LSTM or GRU -> Dense: scores for the next character."""
    extra = dict(nonlinearity="tanh") if cell == "rnn" else dict(cell=cell)
    return SequenceModel(V, hidden, V, seed=seed, **extra)


def held_out_perplexity(model, ids, chunk=1000):
    """exp(mean cross-entropy) of predicting ids[1:] from ids[:-1], read in chunks from the zero
    state with the state carried over: what rnnlib.perplexity computes, in constant memory."""
    nll, h = 0.0, None
    with no_grad():
        for s in range(0, len(ids) - 1, chunk):
            xs, ys = ids[s: s + chunk], ids[s + 1: s + chunk + 1]
            out, h = model.rnn(xs[: len(ys)][None], h0=h)         # (1, chunk, H)
            loss = softmax_cross_entropy(model.head(out), ys[None])[0]
            nll += loss * len(ys)
    return float(np.exp(nll / (len(ids) - 1)))


def _update(model, opt, x, y, h0, where, update):
    """One update on a window: x, y ids (N, WINDOW); h0 the state the last window ended in.
    Returns (loss, h_n). A number that overflows means training diverged: a RuntimeError."""
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
            raise RuntimeError(f"{where}: training diverged at update {update}: a number "
                               f"overflowed. Try another seed or a smaller hidden size.") from None
    return float(loss), h_n


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
    text, cell, hidden, updates, minutes, seed, valid_fraction, save = _check_train(
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
            loss, h = _update(model, opt, x[w], y[w], h, where, done + 1)   # h carried over
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


# --- the command line ----------------------------------------------------------------------

class InputError(Exception):
    """Bad input at the command line: printed as one line, exit code 2."""


@contextlib.contextmanager
def _bad_input():
    """The checks' errors (ValueError, TypeError, OSError) inside it become InputError; an error
    anywhere else is a fault of the program and keeps its traceback."""
    try:
        yield
    except (ValueError, TypeError, OSError) as err:
        raise InputError(str(err)) from None


class _Parser(argparse.ArgumentParser):
    def error(self, message):                 # one line, not argparse's usage block
        raise InputError(f"{self.prog}: {message} (see {self.prog} --help)")


def _number(text, kind, name, check, expected):
    try:
        value = kind(text)
    except ValueError:
        raise InputError(f"{name} should be {expected}, got {text!r}") from None
    if not check(value):
        raise InputError(f"{name} should be {expected}, got {text!r}")
    return value


def _paragraphs(text, width=88):
    """text with each paragraph (split at blank lines) wrapped to width."""
    return "\n\n".join(textwrap.fill(p, width) for p in text.split("\n\n"))


def _parser():
    p = _Parser(prog="python -m rnnlib.charlm",
                description="Train a character language model on your own text, or sample from "
                            "one.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser(
        "train", help="train on a UTF-8 text file",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_paragraphs(
            "Train on FILE (UTF-8 text). The last --valid-fraction of its characters is held "
            "out, never trained on, and scores the model at the end against the unigram and "
            "bigram baselines of the same split.\n\n"
            "Ctrl-C stops training after the update under way and then scores and saves the "
            "model as trained so far (the summary says so). Press Ctrl-C a second time to quit "
            "at once without saving.\n\n"
            f"Limits: at least {min_length(0.1)} characters with --valid-fraction 0.1 "
            f"({MIN_TRAIN} to train on and {MIN_HELD_OUT} held out); at most {MAX_CHARS:,} "
            f"characters ({_gb(MEMORY_LIMIT)} of memory at {BYTES_PER_CHAR} bytes per "
            f"character). Bad input prints one line and exits with code 2."))
    t.add_argument("file", metavar="FILE.txt")
    t.add_argument("--save", required=True, metavar="MODEL.npz",
                   help="where to write the checkpoint (checked before training)")
    t.add_argument("--cell", default="rnn", metavar="CELL", help="rnn (default), lstm or gru")
    t.add_argument("--hidden", default="64", metavar="H", help="hidden size H (default 64)")
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--minutes", default=None, metavar="M",
                        help=f"time budget for training (default {DEFAULT_MINUTES:g})")
    budget.add_argument("--updates", default=None, metavar="U",
                        help=f"number of updates of {STREAMS} x {WINDOW} characters each; "
                             f"the same --updates and --seed give the same model")
    t.add_argument("--seed", default="0", metavar="S", help="seed of the initial weights (default 0)")
    t.add_argument("--valid-fraction", default="0.1", metavar="F",
                   help="share of the text held out at its end (default 0.1)")
    s = sub.add_parser("sample", help="print text sampled from a trained model")
    s.add_argument("model", metavar="MODEL.npz")
    s.add_argument("--prime", default=None, metavar="TEXT",
                   help="text to start from (default: a newline if the model knows one, "
                        "else its first symbol); printed before the sample")
    s.add_argument("--temperature", default="0.8", metavar="TAU", help="tau > 0 (default 0.8; lower is safer)")
    s.add_argument("-n", default="300", metavar="N", help="characters to draw (default 300)")
    s.add_argument("--seed", default="0", metavar="S", help="seed of the draws (default 0)")
    return p


def _train_command(args):
    cell = args.cell
    if cell not in CELLS:
        raise InputError(f"--cell should be one of rnn, lstm, gru, got {cell!r}")
    hidden = _number(args.hidden, int, "--hidden", lambda h: h >= 1, "a whole number >= 1")
    seed = _number(args.seed, int, "--seed", lambda s: s >= 0, "a whole number >= 0")
    fraction = _number(args.valid_fraction, float, "--valid-fraction", lambda f: 0 < f < 1,
                       "a number between 0 and 1 (exclusive)")
    updates = None if args.updates is None else _number(
        args.updates, int, "--updates", lambda u: u >= 1, "a whole number >= 1")
    minutes = None if args.minutes is None else _number(
        args.minutes, float, "--minutes", lambda m: math.isfinite(m) and m > 0,
        "a positive number")
    where = "charlm train"
    name = pathlib.Path(args.file).name
    with _bad_input():
        save = writable_path(args.save, where)        # before reading, before training
        text = read_text(args.file, where)
        # every check of train_on_text, here, so that bad input never draws a bar
        _check_train(text, cell, hidden, updates, minutes, seed, fraction, None, None, None,
                     name, where)
    stop = {"asked": False}

    def on_interrupt(signum, frame):                   # the first Ctrl-C: finish and save
        stop["asked"] = True
        signal.signal(signal.SIGINT, signal.default_int_handler)   # the second one: quit

    previous = signal.signal(signal.SIGINT, on_interrupt)
    bar = _progress_bar(updates, DEFAULT_MINUTES if minutes is None else minutes)
    try:
        model, report = train_on_text(text, cell, hidden, updates, minutes, seed, fraction,
                                      callback=bar, should_stop=lambda: stop["asked"],
                                      save=save, source=name)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    _summary(report, name)


def _progress_bar(updates, minutes):
    """A callback drawing a tqdm bar (updates, or seconds of the budget), or None without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    if updates is not None:
        bar = tqdm(total=updates, unit="update", dynamic_ncols=True)
    else:
        bar = tqdm(total=round(60 * minutes), unit="s", dynamic_ncols=True,
                   bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} s [{elapsed}{postfix}]")

    def callback(progress):
        if updates is not None:
            bar.set_postfix(loss=f"{progress['loss']:.3f}", refresh=False)
            bar.update(1)
        else:
            bar.set_postfix(loss=f"{progress['loss']:.3f}", updates=progress["update"],
                            refresh=False)
            bar.update(min(progress["seconds"], bar.total) - bar.n)
    callback.close = bar.close
    return callback


def _summary(report, name):
    """The three lines printed after training: the scores, the run, the file."""
    b, s, ppl = report["baselines"], report["settings"], report["perplexity"]
    if b["uniform"] == 1:
        verdict = "the text has one distinct character: there is nothing to predict"
    elif ppl < b["bigram"]:
        verdict = "the model beats both baselines"
    elif ppl < b["unigram"]:
        verdict = "the model beats the unigram but not the bigram; train longer"
    else:
        verdict = "the model does not beat the baselines yet; train longer"
    print(f"held-out perplexity {ppl:.3f} on the last {report['held_out_chars']:,} characters "
          f"of {name}: unigram {b['unigram']:.3f}, bigram {b['bigram']:.3f}, uniform "
          f"{b['uniform']:.0f} (lower is better; {verdict})")
    why = {"updates": "", "time": " (time budget reached)",
           "asked": " (stopped by Ctrl-C: the model as trained so far)"}[report["stopped"]]
    again = (f"the same model again: --updates {report['updates']} --seed {s['seed']}"
             if report["updates"] else "the model is untrained")
    passes = report["chars_trained"] / report["train_chars"]
    print(f"trained {report['updates']:,} updates{why} in {report['seconds']:.1f} s, "
          f"{report['chars_trained']:,} characters read ({passes:.1f} passes over the first "
          f"{report['train_chars']:,}): {report['chars_per_second']:,.0f} characters/s; {again}")
    print(f"wrote {report['path']} ({s['cell']}, hidden {s['hidden']}, "
          f"{report['parameters']:,} parameters, {report['vocab_size']} symbol"
          f"{'' if report['vocab_size'] == 1 else 's'})")


def _sample_command(args):
    where = "charlm sample"
    temperature = _number(args.temperature, float, "--temperature",
                          lambda t: math.isfinite(t) and t > 0, "a positive number")
    n = _number(args.n, int, "-n", lambda k: 0 <= k <= MAX_SAMPLE,
                f"a whole number from 0 to {MAX_SAMPLE:,}")
    seed = _number(args.seed, int, "--seed", lambda s: s >= 0, "a whole number >= 0")
    path = pathlib.Path(args.model)
    if not path.is_file():
        raise InputError(f"{where}: there is no file {path}" +
                         (" (it is a folder)" if path.is_dir() else "") + ".")
    try:
        model = load(path)
    except (ValueError, TypeError, OSError) as err:
        raise InputError(f"{where}: {path} is not an rnnlib checkpoint that loads ({err})") from None
    symbols = getattr(model, "symbols", None)
    if not isinstance(model, SequenceModel) or symbols is None or \
            model.output_size != model.input_size:
        raise InputError(f"{where}: {path} is an rnnlib checkpoint of a {type(model).__name__} "
                         f"without a vocabulary, not a character model; train one with "
                         f"python -m rnnlib.charlm train FILE.txt --save MODEL.npz")
    vocab = Vocab(symbols)
    prime = args.prime
    if prime is None:
        prime = "\n" if "\n" in vocab.index else symbols[0]
    if prime == "":
        raise InputError("--prime should have at least one character")
    bad = next((i for i, c in enumerate(prime) if c not in vocab.index), None)
    if bad is not None:
        shown = "".join(symbols)
        raise InputError(f"--prime: character {bad} ({prime[bad]!r}) is not in the model's "
                         f"vocabulary of {len(symbols)} characters "
                         f"({v.short(shown, 60)}); use only characters of its training text")
    print(prime + sample(model, vocab, prime, n, temperature=temperature, seed=seed))


def main(argv=None):
    """The command line; returns the exit code (0, 1 for a failure inside training, 2 for
    bad input, 130 after a second Ctrl-C)."""
    for stream in (sys.stdout, sys.stderr):          # a terminal that cannot show a character
        if hasattr(stream, "reconfigure"):           # gets a stand-in, not an error
            stream.reconfigure(errors="backslashreplace")
    try:
        args = _parser().parse_args(argv)
        if args.command == "train":
            _train_command(args)
        else:
            _sample_command(args)
    except InputError as err:
        return _fail(err, 2)
    except (RuntimeError, OSError) as err:       # training diverged; the disk filled up
        return _fail(err, 1)
    except KeyboardInterrupt:
        print("interrupted: nothing was saved", file=sys.stderr)
        return 130
    return 0


def _fail(err, code):
    message = " ".join(str(err).split())              # one line, whatever the message held
    if not message.startswith(("charlm", "python -m")):
        message = f"python -m rnnlib.charlm: {message}"
    print(message, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
