"""What every check shares: call the learner's function, compare its outputs, say what is wrong.

A check is a list of cases. Each case calls the learner's function once (through Check.call,
which turns an exception into a message in the learner's terms) and compares every output with
the reference (Check.compare). When an output disagrees, the comparison looks for the mistake
that explains it: each check passes "mistakes", the outputs a known wrong implementation would
give, and the first one the learner's output matches names the cause. The report shows the
first wrong case only, so a learner reads one short paragraph, not a wall of numbers.

Printed numbers must be the same on every machine (notebook outputs are compared by nbval), so
round-off-sized errors are printed as "< 1e-12", never as their digits.
"""
from __future__ import annotations

import contextvars
import functools
import os
import re
import signal
import sysconfig
import threading
import traceback
import warnings

import numpy as np

from .._validation import fmt_shape
from . import _guard

RTOL = 1e-7      # an output agrees when max|got - want| <= RTOL * max|want|
MATCH = 1e-6     # a wrong output "is" a known mistake when it is this close to that mistake's output
TIME_LIMIT = 5.0  # seconds one call of the learner's function may take (time_limit= changes it)

_RNNLIB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NOT_LEARNERS = tuple(os.path.realpath(p) + os.sep for p in
                      {_RNNLIB, os.path.dirname(np.__file__),
                       *(sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib"))})


# --- what every check is: @replaces(...) above it --------------------------------------------

REGISTRY = {}                      # check name -> the check as learners call it
_RUN = contextvars.ContextVar("rnnlib_check_run")


class _Run:
    """One check's run: what it watches for, and the lines of its report."""

    def __init__(self, codes, time_limit=TIME_LIMIT):
        self.codes, self.lines, self.time_limit = codes, [], time_limit


def _say(text):
    """One line of a check's report: kept for the report while a check runs, printed otherwise."""
    run = _RUN.get(None)
    if run is None:
        print(text)
    else:
        run.lines.append(text)


def replaces(*names):
    """Decorator above every check: the rnnlib functions the exercise asks the learner to write.

        @replaces("rnnlib.rnn_forward", "rnnlib.rnn_forward_padded")
        def check_rnn_forward(fn, ...):

    The learner's function may not be one of them (or an alias, copy or wrapper of one), nor
    call one while it runs (directly or through another rnnlib object): the check fails with a
    plain message. Other rnnlib functions stay allowed. @replaces() declares none.

    The decorated check takes raise_error=True: on a wrong function it raises AssertionError
    whose message is the diagnosis (so nbgrader's Validate button and feedback show it);
    raise_error=False prints the diagnosis and returns False instead. A right function prints
    one line and returns True either way. Each call of the learner's function may take
    time_limit seconds (5 unless given); a longer one is reported as probably endless. While it runs, rnnlib, numpy and the builtins are as
    imported, whatever an earlier cell changed (see _guard).
    """
    def wrap(check):
        name = check.__name__

        @functools.wraps(check)
        def run_check(fn, *args, raise_error=True, time_limit=TIME_LIMIT, **kwargs):
            __tracebackhide__ = True          # IPython shows the learner's cell and the message
            if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) \
                    or not 0 < time_limit < float("inf"):
                raise ValueError(f"{name}: time_limit should be a number of seconds > 0, got "
                                 f"{time_limit!r}; the default is {TIME_LIMIT:g}.")
            ok, report = _run_check(check, names, fn, args, kwargs, float(time_limit))
            if ok:
                print(report)
                return True
            if raise_error:
                raise AssertionError(report) from None
            print(report)
            return False

        # a traceback names the frame after its code: "in check_rnn_forward(...)"
        run_check.__code__ = run_check.__code__.replace(co_name=name, co_qualname=name)
        run_check.replaces = names
        REGISTRY[name] = run_check
        return run_check
    return wrap


def _run_check(check, names, fn, args, kwargs, time_limit=TIME_LIMIT):
    """(True/False, the report) of one check, run on rnnlib as imported."""
    name = check.__name__
    with _guard.SNAPSHOT.pristine() as changed:
        run = _Run(_guard.watched(names), time_limit)
        token = _RUN.set(run)
        try:
            problem = _guard.static_problem(name, fn, run.codes) if callable(fn) else None
            if problem:
                ok, run.lines = False, [problem]
            else:
                ok = check(fn, *args, **kwargs) is True
        except _guard.Cheating as e:
            ok, run.lines = False, [str(e)]
        finally:
            _RUN.reset(token)
    report = "\n".join(run.lines) or f"{name}: failed"
    if changed:
        shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        report += (f"\n  (An earlier cell changed {shown}; the check ran with rnnlib's own, and "
                   f"your change is still in place.)")
    return ok, report


class LearnerError(Exception):
    """The learner's function raised. str(e) says what happened, in the learner's terms."""

    def __init__(self, text, not_implemented=False):
        super().__init__(text)
        self.not_implemented = not_implemented


def rel_error(got, want):
    """max|got - want| / max|want|: one number per output, independent of its scale."""
    with np.errstate(all="ignore"):
        diff = float(np.max(np.abs(got - want), initial=0.0))
        scale = float(np.max(np.abs(want), initial=0.0))
        return diff / scale if scale > 0 else diff


def fmt_small(err):
    """Errors of a correct answer: "< 1e-12" for round-off, so outputs match on every machine."""
    return "< 1e-12" if err < 1e-12 else f"{err:.0e}"


def steps_text(ts):
    """[0] -> "t = 0";  [0, 1, 2] -> "t = 0 .. 2";  [0, 2] -> "t = 0, 2"."""
    ts = list(ts)
    if len(ts) > 2 and ts == list(range(ts[0], ts[-1] + 1)):
        return f"t = {ts[0]} .. {ts[-1]}"
    return "t = " + ", ".join(str(t) for t in ts)


def join_names(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def fresh(*arrays):
    """Copies, so a function that changes its inputs in place cannot change the next call's."""
    return [a.copy() for a in arrays]


# --- what Check.call guards against: endless loops and arguments changed in place -----------

class _TimeUp(BaseException):
    """Raised inside the learner's code when its time is up (a BaseException, so that an
    `except Exception` in the learner's code cannot swallow it)."""


class _time_limit:
    """Stop the learner's call after `seconds`, with SIGALRM: in the main thread (a notebook's
    cells and pytest run there); elsewhere there is no limit. A kernel interrupt still stops a
    check at once: SIGINT is untouched."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = (hasattr(signal, "setitimer")
                       and threading.current_thread() is threading.main_thread())

    def __enter__(self):
        if self.active:
            def time_up(signum, frame):
                raise _TimeUp
            self.handler = signal.signal(signal.SIGALRM, time_up)
            self.timer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.handler)
        return False


def _array_arguments(names, args, kwargs):
    """[(name, the array, a copy)] for every ndarray among the arguments, also inside a tuple,
    list or dict argument (a cache, a dict of parameters): "cache[2]", "params['Wx']"."""
    found = []

    def visit(name, value, depth):
        if isinstance(value, np.ndarray):
            found.append((name, value, value.copy()))
        elif depth < 3 and isinstance(value, (tuple, list)):
            for k, item in enumerate(value):
                visit(f"{name}[{k}]", item, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for k, item in value.items():
                visit(f"{name}[{k!r}]", item, depth + 1)
    for name, value in zip(names, args):
        visit(name, value, 0)
    for name, value in kwargs.items():
        visit(name, value, 0)
    return found


def _changed_arguments(found):
    """The names of the arrays that no longer hold what they held before the call."""
    changed = []
    for name, array, copy in found:
        same = (array.shape == copy.shape and array.dtype == copy.dtype
                and np.array_equal(array, copy, equal_nan=array.dtype.kind in "fc"))
        if not same:
            changed.append(name)
    return changed


def _learners_frame(filename):
    return not os.path.realpath(filename).startswith(_NOT_LEARNERS)


class Check:
    """One check run: the learner's function, how it is called, and the report."""

    def __init__(self, name, fn, signature, reference):
        self.name = name            # "check_rnn_forward"
        self.fn = fn
        self.signature = signature  # how the check calls fn, for a wrong-signature TypeError
        self.reference = reference  # what the outputs are compared with, for the success line
        self.worst = 0.0            # largest relative error among agreeing outputs

    # --- calling the learner's code ---------------------------------------------------------
    def call(self, *args, fn=None, **kwargs):
        """fn(*args, **kwargs), with numpy's warnings silenced (the check reports overflow
        itself), a time limit, and any exception turned into a LearnerError that points at the
        learner's line. An argument the learner's function changed in place is a LearnerError
        too: the right output does not make up for a caller's array silently changed."""
        fn = self.fn if fn is None else fn
        run = _RUN.get(None)
        codes = run.codes if run is not None else {}
        limit = run.time_limit if run is not None else TIME_LIMIT
        before = _array_arguments(self._argument_names(len(args)), args, kwargs)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with _time_limit(limit):
                    result = _guard.call_watched(self.name, codes, fn, args, kwargs)
            except NotImplementedError:
                raise LearnerError("not implemented yet", not_implemented=True) from None
            except _TimeUp:
                raise LearnerError(
                    f"your function was still running after {limit:g} s, so the check stopped "
                    f"it. Look for a loop that never ends: a while loop whose condition never "
                    f"changes, or a loop over range() of a huge number (a size or an id used by "
                    f"mistake). If it is only slow, call the check with time_limit=60.") from None
            except (KeyboardInterrupt, _guard.Cheating):
                raise                    # an interrupt stops the check at once
            except BaseException as e:   # noqa: BLE001 - anything the learner's code raises
                raise LearnerError(self._describe(e)) from None
            finally:
                if run is not None:      # whatever the learner's code changed goes back
                    _guard.SNAPSHOT.restore()
        changed = _changed_arguments(before)
        if changed:
            base = re.split(r"[\[.]", changed[0])[0]
            one = len(changed) == 1
            raise LearnerError(
                f"your function changed {'its argument' if one else 'its arguments'} "
                f"{join_names(changed)} in place (the check gave it copies, and "
                f"{'that copy' if one else 'those copies'} came back different). A caller's "
                f"arrays would change silently. Usually this is `{base} += ...`, "
                f"`{base} -= ...` or `{base}[...] = ...` on an argument: compute into a new "
                f"array instead, e.g. `new = {base} + ...`, or start from `{base}.copy()`.")
        return result

    def _argument_names(self, n):
        """The names of the first n positional arguments, from the signature "fn(x, h_prev, ..)"."""
        inside = self.signature[self.signature.find("(") + 1:self.signature.rfind(")")]
        names = [a.split("=")[0].strip() for a in inside.split(",") if a.strip()]
        names = [a for a in names if a.isidentifier()]
        return names[:n] + [f"argument {k + 1}" for k in range(len(names), n)]

    def _describe(self, e):
        if isinstance(e, SystemExit):
            text = ("your code called exit() or sys.exit(), which would stop the whole program; "
                    "return the result instead")
        else:
            text = f"your code raised {type(e).__name__}" + (f": {e}" if str(e) else "")
        frames = [f for f in traceback.extract_tb(e.__traceback__) if _learners_frame(f.filename)]
        if frames:
            f = frames[-1]
            text += f"\n  in {f.name}, line {f.lineno}" + (f":  {f.line.strip()}" if f.line else "")
        elif isinstance(e, TypeError):
            text += (f"\n  The check calls it as {self.signature}; does your function take "
                     f"these arguments?")
        return text

    # --- comparing outputs ------------------------------------------------------------------
    def compare(self, outputs, mistakes=()):
        """Problems (lines of text) of the learner's outputs; [] when all agree.

        outputs   list of Out, one per output of the function
        mistakes  list of (message, values): values has one entry per output (None where the
                  mistake says nothing about it). message may use {names} (the outputs it
                  explains, "dWx and dWh"), {is} ("is"/"are") and {s} ("s"/"") for the verb.
        """
        lines, wrong = Problems(), {}
        for k, out in enumerate(outputs):
            text, g = out.problem()
            if text is None:
                self.worst = max(self.worst, out.err)
                continue
            if text.startswith("{names}"):      # nan or inf: one sentence for every output it hits
                wrong.setdefault(text, []).append(out.label)
                continue
            lines.append(text)
            if g is None:                       # a shape or type problem: text says it all
                continue
            matches = []
            for message, values in mistakes:
                v = values[k] if values is not None and k < len(values) else None
                if v is not None and np.shape(v) == g.shape and rel_error(g, v) < MATCH \
                        and rel_error(v, out.want) > RTOL and message not in matches:
                    matches.append(message)
            if matches:
                wrong.setdefault(matches[0], []).append(out.label)
                # two mistakes that give the same numbers here: another case may tell them apart
                lines.explained &= len(matches) == 1
            else:
                lines.explained = False         # wrong, and no known mistake gives these numbers
                why = out.explain(g)
                if why:
                    lines.append(why)
        for message, names in wrong.items():
            one = len(names) == 1
            lines.append(message.replace("{names}", join_names(names))
                         .replace("{is}", "is" if one else "are").replace("{s}", "s" if one else "")
                         .replace("{them}", "it" if one else "them"))
        return lines

    # --- running the cases and reporting ----------------------------------------------------
    def run(self, cases):
        """cases: list of (label, function() -> problems). Prints the report, returns True/False."""
        if not callable(self.fn):
            _say(f"{self.name}: expected your function, got {type(self.fn).__name__}. Pass the "
                  f"function itself, without calling it: {self.name}(my_function).")
            return False
        n, failed = len(cases), []
        for i, (label, case) in enumerate(cases, 1):
            try:
                problems = case()
            except LearnerError as e:
                if e.not_implemented:
                    _say(f"{self.name}: not implemented yet")
                    return False
                problems = e                    # an error in one case: the others still run
            if problems:
                failed.append((i, label, problems))
        if not failed:
            agree = {1: "the case agrees", 2: "both cases agree"}.get(n, f"all {n} cases agree")
            _say(f"{self.name}: {agree} with {self.reference} "
                  f"(largest relative error {fmt_small(self.worst)})")
            return True
        # show the first case whose mistake is recognised without doubt (a loop that stops early
        # only shows which end with T > 1), or else the first wrong case
        i, label, problems = next((f for f in failed if getattr(f[2], "explained", True)), failed[0])
        if isinstance(problems, LearnerError):
            _say(f"{self.name}: case {i} of {n} ({label}): {problems}")
        else:
            _say(f"{self.name}: case {i} of {n} ({label}) disagrees with {self.reference}:")
            for p in problems:
                _say("  " + p)
        if len(failed) > 1:
            _say(f"  ({len(failed)} of {n} cases disagree; case {i} is shown.)")
        return False


def most_telling(outs, mistakes):
    """The mistakes, less those that explain only some of the wrong outputs another one explains.

    Two mistakes may share an output's numbers: in an LSTM, tanh for i and f gives the c_next
    that tanh for i, f and o gives, and only the second also explains h_next; in BPTT, zeros in
    place of h0 give the dWh of a loop that stops at t = 1, which also gets dx, dWx and db
    wrong. Compare reports each output's first match, so the one that explains less is dropped
    here, before it can be named.
    """
    def explained(values):
        hits = set()
        for k, out in enumerate(outs):
            v = values[k] if k < len(values) else None
            g = real_array(out.got)
            if g is None:
                continue
            if v is not None and np.shape(v) == g.shape == out.want.shape \
                    and rel_error(g, v) < MATCH and rel_error(v, out.want) > RTOL:
                hits.add(k)
        return hits
    hits = [explained(values) for _, values in mistakes]
    return [m for m, h in zip(mistakes, hits) if not any(h < other for other in hits)]



class Problems(list):
    """The lines of a wrong case; explained is False when some wrong output matched no known
    mistake, or more than one."""
    explained = True


def real_array(value):
    """value as a float64 array, or None when it is not real numbers (complex, ragged, text)."""
    try:
        raw = np.asarray(value)
        return None if raw.dtype.kind == "c" else raw.astype(float)
    except (TypeError, ValueError, OverflowError):
        return None


class Out:
    """One output of the learner's function and what it should be.

    label    its name in messages ("h", "dWx", "the step p_new - p")
    got      what the learner returned;  want  the reference (an ndarray, or a float)
    axes     names of want's axes, shown with a shape mismatch ("batch", "time", "hidden")
    hints    {wrong shape: sentence} for shape mistakes this output is known for
    time     the time axis of want: a wrong output says at which steps it is wrong
    explain  extra function(got) -> sentence or None, tried when no mistake matched
    nonfinite  sentence when the learner's output holds nan or inf but want does not, or a
             dict {"nan": sentence, "inf": sentence}
    """

    def __init__(self, label, got, want, axes=None, hints=None, time=None, explain=None,
                 nonfinite=None):
        self.label, self.got, self.want = label, got, np.asarray(want, dtype=float)
        self.axes, self.hints, self.time = axes, hints or {}, time
        self._explain, self.nonfinite, self.err = explain, nonfinite, 0.0

    def problem(self):
        """(None, None) if got agrees; else (sentence, got as an array when its values are wrong).
        A nan/inf sentence starts with {names}, so outputs hit by the same cause share it."""
        label, want = self.label, self.want
        if self.got is None:
            return f"{label} is None: the function should return it.", None
        try:
            raw = np.asarray(self.got)
            if raw.dtype.kind == "c":
                return (f"{label} holds complex numbers (dtype {raw.dtype}); it should be real. "
                        f"A square root or a fractional power of a negative number, or 1j "
                        f"somewhere, makes numpy switch to complex.", None)
            g = raw.astype(float)
        except (TypeError, ValueError, OverflowError):
            return (f"{label} should be an array of numbers, got {describe(self.got)}.", None)
        if g.shape != want.shape:
            return self._shape_text(g.shape), None
        reasons = self.nonfinite if isinstance(self.nonfinite, dict) else {"nan": self.nonfinite}
        if g.size and np.isnan(g).all() and not reasons.get("nan"):
            return ("{names} {is} nan in every entry: no number of the computation reached "
                    "{them}. Is the array made with np.empty and never filled, or started from "
                    "np.nan, or divided 0 by 0?"), None
        if not np.all(np.isfinite(g)):
            what = "nan" if np.isnan(g).any() else "inf"
            why = self.nonfinite.get(what) if isinstance(self.nonfinite, dict) else self.nonfinite
            return "{names} contain{s} " + what + (f": {why}" if why else "."), None
        self.err = rel_error(g, want)
        if self.err <= RTOL:
            return None, None
        return f"{label} is wrong (largest relative error {self.err:.2g}).", g

    def _shape_text(self, got):
        want = self.want.shape
        text = f"{self.label} has shape {fmt_shape(got)} but should be {fmt_shape(want)}"
        if self.axes:
            text += " (" + ", ".join(self.axes) + ")"
        why = self.hints.get(tuple(got)) or _shape_hint(got, want, self.axes)
        return text + (f": {why}" if why else ".")

    def explain(self, g):
        dtype = getattr(self.got, "dtype", None)
        if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8 and self.err < 1e-3:
            return (f"{self.label} is {dtype}, which keeps about {7 if dtype.itemsize == 4 else 3} "
                    f"digits; the check compares in float64 to 1e-7, so compute in float64, "
                    f"numpy's default for floats.")
        if self._explain is not None:
            why = self._explain(g)
            if why:
                return why
        if self.time is not None:
            why = _wrong_steps(self.label, g, self.want, self.time)
            if why:
                return why
        return _scale(self.label, g, self.want)


def _shape_hint(got, want, axes):
    if len(got) == len(want) - 1:
        for i in range(len(want)):
            if want[:i] + want[i + 1:] == tuple(got):
                return f"the {axes[i]} axis is missing." if axes else f"axis {i} is missing."
    if len(got) == len(want) + 1 and 1 in got:
        for i, n in enumerate(got):
            if n == 1 and tuple(got[:i]) + tuple(got[i + 1:]) == want:
                return f"it has an extra axis of length 1 (axis {i}); remove it."
    if len(got) == len(want) and sorted(got) == sorted(want):
        return "the same sizes in another order: is an array transposed, or are two axes swapped?"
    return None


def _wrong_steps(label, g, want, axis):
    """Which timesteps are wrong, when some are right: "h is right at t = 0 and wrong at t = 1 .. 4"."""
    scale = float(np.max(np.abs(want), initial=0.0)) or 1.0
    diff = np.moveaxis(np.abs(g - want), axis, 0).reshape(want.shape[axis], -1).max(axis=1)
    bad = diff > RTOL * scale
    if bad.all() or not bad.any():
        return None
    ok_ts, bad_ts = np.flatnonzero(~bad).tolist(), np.flatnonzero(bad).tolist()
    return f"{label} is right at {steps_text(ok_ts)} and wrong at {steps_text(bad_ts)}."


def _scale(label, g, want):
    """A wrong output that is a constant multiple of the right one: say which multiple."""
    with np.errstate(all="ignore"):                 # a learner's 1e308 must not warn here
        ww = float(np.sum(want * want))
        if ww == 0:
            return None
        c = float(np.sum(g * want)) / ww
        if not np.isfinite(c) or rel_error(g, c * want) > MATCH or abs(c - 1) < 1e-6:
            return None
    if abs(c + 1) < 1e-6:
        return f"{label} has the wrong sign."
    if abs(c) < 1e-12:
        return f"{label} is all zeros."
    return f"{label} is {c:.4g} times the right value."


def unpack(result, names):
    """(values, None) when result is a tuple or list of len(names); else (None, sentence)."""
    n, want = len(names), "(" + ", ".join(names) + ")"
    if isinstance(result, (tuple, list)) and len(result) == n:
        return tuple(result), None
    return None, f"the function returned {describe(result)}; it should return {n} values, {want}."


def describe(value):
    """A returned value in words: "one array of shape (3, 4)", "None", "a tuple of 3 values"."""
    if value is None:
        return "None (is the return statement missing?)"
    if isinstance(value, np.ndarray):
        return f"one array of shape {fmt_shape(value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {type(value).__name__}"
