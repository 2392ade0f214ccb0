"""What training needs from its input, checked before it starts: a text file that reads as
UTF-8, a text long enough to split and small enough for memory, settings in range, and a
place a checkpoint can be written. Each failure is one sentence that says how to fix it."""
from __future__ import annotations

import math
import os
import pathlib
import tempfile

import numpy as np

from .. import _validation as v
from .recipe import CELLS, DEFAULT_MINUTES, GATES, STREAMS, WINDOW

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


def memory_needed(n_chars, vocab_size, hidden, cell="rnn", streams=STREAMS, window=WINDOW):
    """Bytes training would hold at its peak, from the sizes alone:
    the text (BYTES_PER_CHAR per character), the model (parameters, gradients and Adam's two
    moments: 4 float64 copies of P numbers) and one window's forward and backward (per step of
    each stream: about 6 arrays of gates * H for the cell and 4 of V for the logits, float64)."""
    G = GATES[cell] * hidden
    P = G * (vocab_size + hidden + 2) + vocab_size * (hidden + 1)
    step = 8 * (6 * G + 2 * hidden + 4 * vocab_size)
    return n_chars * BYTES_PER_CHAR + 4 * 8 * P + streams * window * step


def gb(n):
    """n bytes in GB, or MB below 0.1 GB, for a message."""
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _check_memory(n_chars, V, hidden, cell, where, what):
    need = memory_needed(n_chars, V, hidden, cell)
    if need > MEMORY_LIMIT:
        text_part = n_chars * BYTES_PER_CHAR
        raise ValueError(
            f"{where}: {what} would need about {gb(need)} of memory to train on "
            f"({n_chars:,} characters x {BYTES_PER_CHAR} bytes = {gb(text_part)} for the text, its "
            f"ids, windows and baseline counts; {gb(need - text_part)} for the model, cell {cell} with "
            f"hidden size {hidden} over {V} symbols), more than the limit of {gb(MEMORY_LIMIT)} "
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
            f"{where}: {path} is {gb(size)}; up to {size:,} characters x {BYTES_PER_CHAR} bytes "
            f"each (the text, its ids, training windows and baseline counts) would need "
            f"{gb(size * BYTES_PER_CHAR)} of memory, more than the limit of "
            f"{gb(MEMORY_LIMIT)} (rnnlib.charlm.MEMORY_LIMIT), so it was not read. Train on "
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


# --- the settings of train_on_text ---------------------------------------------------------

def _valid_fraction(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: valid_fraction should be a number between 0 and 1, got "
                        f"{value!r}.")
    if not 0 < value < 1:
        raise ValueError(f"{where}: valid_fraction should be between 0 and 1 (the share of the "
                         f"text held out at its end), got {value!r}. 0.1 holds out the last "
                         f"tenth.")
    return float(value)


def check_train(text, cell, hidden, updates, minutes, seed, valid_fraction, callback,
                should_stop, save, source, where):
    """train_on_text's arguments, checked and normalised (minutes DEFAULT_MINUTES when neither
    budget is given; save a pathlib.Path whose folder takes a file): the command line calls it
    too, before it draws a progress bar."""
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
