"""The command line: python -m rnnlib.charlm train FILE.txt --save MODEL.npz / sample MODEL.npz.

Arguments are read as strings and checked, with inputs.py's checks, before training starts,
so bad input is one line on stderr and exit code 2 and draws no progress bar; a failure inside
training (it diverged, the disk filled up) is one line and exit code 1. The first Ctrl-C stops
training after the update under way and saves the model as trained so far; a second one quits
at once (exit code 130). python -m rnnlib.charlm --help lists the options.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import pathlib
import signal
import sys
import textwrap

from .. import _validation as v
from ..checkpoint import load
from ..generate import MAX_SAMPLE, sample
from ..models import SequenceModel
from ..text import Vocab
from .inputs import (BYTES_PER_CHAR, MAX_CHARS, MEMORY_LIMIT, MIN_HELD_OUT, MIN_TRAIN,
                     check_train, gb, min_length, read_text, writable_path)
from .recipe import CELLS, DEFAULT_MINUTES, STREAMS, WINDOW
from .training import train_on_text


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
            f"characters ({gb(MEMORY_LIMIT)} of memory at {BYTES_PER_CHAR} bytes per "
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
        check_train(text, cell, hidden, updates, minutes, seed, fraction, None, None, None,
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
