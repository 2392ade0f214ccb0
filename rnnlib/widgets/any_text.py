"""Features that exist for any text, so a model trained on a user's own text can be correlated
with something: the explorer app's ground truth when nothing else is known about the text.

    any_text_features("say \\u201chi (2)\\u201d")   # dict name -> (T,) int64, keys as in ANY_TEXT
    regex_feature("a1b22", r"\\d+")               # array([0, 1, 0, 1, 1]): inside a match
    regex_feature(text, pattern, time_limit=1.0)  # matched in a worker process, stopped at 1 s

Every value at position t describes a reader who has just read text[t], as the hidden state
h_t can know it (rnnlib.corpus.text_features does the same for the generated corpus): an
opening quote already counts as inside, a closing bracket as outside its pair.
"""
from __future__ import annotations

import multiprocessing
import re
import threading

import numpy as np

from .. import _validation as v
from .._validation import checked_by

# What each feature means, in the words the app shows next to it.
ANY_TEXT = {
    "inside quotes": 'inside a quotation: after an opening " \u201c or \u00ab and until its '
                     'closing one (single quotes are left out: an apostrophe, as in "don\'t", '
                     'would open a quotation that never closes)',
    "inside brackets": "at least one bracket ( [ { is open (those inside quotes not counted)",
    "bracket depth": "how many brackets ( [ { are open (not inside quotes; never below 0)",
    "position in line": "how many characters of the line have been read (0 after a newline)",
    "digit": "the character is a digit 0-9",
}

# Each opening quote and the one that closes it; the straight double quote closes itself.
QUOTES = {'"': '"', "\u201c": "\u201d", "\u00ab": "\u00bb"}


def _check_any_text_features(text):
    return (v.text(text, "text", "any_text_features"),)


@checked_by(_check_any_text_features)
def any_text_features(text):
    """ANY_TEXT's features of text, read once left to right: dict name -> (T,) int64.

    Rules of the reader: an opening quote opens a quotation that only its own closing quote
    ends (other quote marks inside it are text); brackets inside a quotation do not count;
    a closing bracket with nothing open is ignored; a newline ends the line (not a quotation).
    """
    T = len(text)
    out = {k: np.zeros(T, dtype=np.int64) for k in ANY_TEXT}
    closing, depth, line_pos = None, 0, 0            # closing: the quote that would close
    for t, c in enumerate(text):
        if closing is not None:
            if c == closing:
                closing = None
        elif c in QUOTES:
            closing = QUOTES[c]
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(depth - 1, 0)
        line_pos = 0 if c == "\n" else line_pos + 1
        out["inside quotes"][t] = closing is not None
        out["bracket depth"][t] = depth
        out["inside brackets"][t] = depth > 0
        out["position in line"][t] = line_pos
        out["digit"][t] = c in "0123456789"
    return out


# The longest pattern accepted: enough for any regular expression typed by hand.
MAX_PATTERN = 200


def _check_regex_feature(text, pattern, time_limit=None):
    where = "regex_feature"
    text = v.text(text, "text", where)
    pattern = v.text(pattern, "pattern", where, empty="Type a pattern such as [aeiou] or \\d+.")
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"{where}: pattern is {len(pattern)} characters long; at most "
                         f"{MAX_PATTERN} are accepted. Type a shorter pattern.")
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        at = f" at position {err.pos}" if err.pos is not None else ""
        raise ValueError(f"{where}: {pattern!r} is not a regular expression Python reads: "
                         f"{err.msg}{at}. E.g. [aeiou] for a vowel, \\d+ for a number, "
                         f"\\(.*?\\) for a bracketed stretch (a bracket itself is \\( ).") from None
    if time_limit is not None:
        time_limit = v.positive_float(time_limit, "time_limit", where,
                                      "It is the most seconds the matching may take; None for "
                                      "no limit.")
    return text, compiled, time_limit


@checked_by(_check_regex_feature)
def regex_feature(text, pattern, time_limit=None):
    """1 at every character inside a match of the regular expression pattern, else 0:
    (T,) int64. Matches are Python's re.finditer (leftmost, not overlapping); a match of
    length 0 (such as ^ or \\b) marks no character.

    time_limit: None matches here; a number of seconds matches in a worker process that is
    stopped after that long, and the pattern is refused with a ValueError. Python's re has no
    time limit of its own, and a pattern that nests repeats, such as (a+)+$, can take time that
    doubles with every character it tries: matched here, it would hang the program (a page's
    kernel) for good."""
    if time_limit is None:
        spans = [m.span() for m in pattern.finditer(text)]
    else:
        spans = _WORKER.spans(text, pattern, time_limit)
    out = np.zeros(len(text), dtype=np.int64)
    for a, b in spans:
        out[a:b] = 1
    return out


def _match_forever(connection):
    """The worker process: (text, pattern) in, the spans of its matches out, until closed."""
    while True:
        try:
            text, pattern = connection.recv()
        except (EOFError, OSError):
            return
        connection.send([m.span() for m in pattern.finditer(text)])


class _Worker:
    """One process kept for matching, started at the first use and again after it was stopped
    (the process is a daemon: it ends with the program)."""

    def __init__(self):
        self.process = self.connection = None
        self.lock = threading.Lock()

    def spans(self, text, pattern, time_limit):
        with self.lock:
            if self.process is None or not self.process.is_alive():
                # fork where there is one: the worker starts in milliseconds, without importing
                # anything again
                methods = multiprocessing.get_all_start_methods()
                context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
                self.connection, theirs = context.Pipe()
                self.process = context.Process(target=_match_forever, args=(theirs,),
                                               daemon=True, name="rnnlib regex_feature")
                self.process.start()
                theirs.close()
            self.connection.send((text, pattern))
            if self.connection.poll(time_limit):
                return self.connection.recv()
            self.process.kill()                      # still matching: stopped, started anew
            self.process.join()
            self.connection.close()
            self.process = self.connection = None
        raise ValueError(
            f"regex_feature: the pattern {pattern.pattern!r} was still matching {len(text):,} "
            f"characters after {time_limit:g} s, so it was stopped. A pattern that nests "
            f"repeats, such as (a+)+ or (a|aa)+, can take time that doubles with every "
            f"character; write it with one repeat (a+ rather than (a+)+).")


_WORKER = _Worker()
