"""rnnlib, numpy and the builtins as imported: the snapshot the checks run on.

A check compares the learner's function with rnnlib's, so while it runs, everything it depends
on is put back as it was when rnnlib was imported (`SNAPSHOT.pristine()`), and the learner's own
changes are put back afterwards. The snapshot is taken by rnnlib/__init__.py, last, so that a
cell that replaces part of rnnlib (`rnnlib.rnn_forward = my_rnn_forward`) before the checks are
first imported changes nothing they compare with; rnnlib.checks adds itself, and any rnnlib
module imported since, when it is imported (see rnnlib/checks/_guard.py). Only numpy is needed
here, so `import rnnlib` does not import the checks.
"""
from __future__ import annotations

import builtins
import contextlib
import os
import sys
import types

import numpy as np

_RNNLIB = os.path.realpath(os.path.dirname(os.path.abspath(__file__))) + os.sep
_MISSING = object()


def _in_rnnlib(code):
    return os.path.realpath(code.co_filename).startswith(_RNNLIB)


def _is_code_like(value):
    """Functions, classes, modules and other callables (numpy's dispatchers, ufuncs): what a
    module's namespace holds besides plain data, which a module may change as it runs."""
    return callable(value) or isinstance(value, types.ModuleType)


class Snapshot:
    """Every binding a check depends on, with the object it held when rnnlib was imported.

    An item is (kind, owner, name, original): kind "dict" for a namespace (a module's
    __dict__), "class" for an attribute of a class, "attr" for an attribute of a function
    (__code__, __defaults__, __kwdefaults__, unchecked, __wrapped__), "cell" for a closure cell.
    """

    def __init__(self):
        self.items, self._seen = [], set()
        self.modules = set()                # the names of the modules recorded

    # taking it
    def add_module(self, module, everything=False):
        """The module's bindings: all of them (a checks module has no state), or only the
        functions, classes and modules (other modules may keep state in plain values)."""
        d = vars(module)
        for name, value in list(d.items()):
            if name.startswith("__") and name.endswith("__"):
                continue
            if everything or _is_code_like(value):
                self.items.append(("dict", d, name, value))
                self.add_object(value)

    def add_object(self, value):
        """An rnnlib function's code, defaults and attributes; an rnnlib class's methods."""
        if id(value) in self._seen:
            return
        if isinstance(value, types.FunctionType) and _in_rnnlib(value.__code__):
            self._seen.add(id(value))
            for attr in ("__code__", "__defaults__", "__kwdefaults__"):
                self.items.append(("attr", value, attr, getattr(value, attr)))
            for name, inner in list(vars(value).items()):
                self.items.append(("fdict", value, name, inner))
                self.add_object(inner)
            for cell in value.__closure__ or ():
                try:
                    contents = cell.cell_contents
                except ValueError:            # an empty cell
                    continue
                self.items.append(("cell", cell, None, contents))
                self.add_object(contents)
        elif isinstance(value, type) and value.__module__.startswith("rnnlib"):
            self._seen.add(id(value))
            for name, member in list(vars(value).items()):
                if isinstance(member, (types.FunctionType, staticmethod, classmethod, property)):
                    self.items.append(("class", value, name, member))
                    self.add_object(getattr(member, "__func__", member))
                    for f in (getattr(member, "fget", None), getattr(member, "fset", None)):
                        self.add_object(f)

    # reading and writing one item
    @staticmethod
    def _get(item):
        kind, owner, name, _ = item
        if kind == "dict":
            return owner.get(name, _MISSING)
        if kind == "class":
            return vars(owner).get(name, _MISSING)
        if kind == "fdict":
            return vars(owner).get(name, _MISSING)
        if kind == "cell":
            try:
                return owner.cell_contents
            except ValueError:
                return _MISSING
        return getattr(owner, name)

    @staticmethod
    def _set(item, value):
        kind, owner, name, _ = item
        if kind == "dict":
            if value is _MISSING:
                owner.pop(name, None)
            else:
                owner[name] = value
        elif kind == "class":
            if value is _MISSING:
                type.__delattr__(owner, name)
            else:
                type.__setattr__(owner, name, value)
        elif kind == "fdict":
            if value is _MISSING:
                vars(owner).pop(name, None)
            else:
                vars(owner)[name] = value
        elif kind == "cell":
            owner.cell_contents = value
        else:
            setattr(owner, name, value)

    # using it
    def changed(self):
        """[(item, what it holds now)] for every binding that differs from the snapshot."""
        out = []
        for item in self.items:
            now = self._get(item)
            if now is not item[3]:
                out.append((item, now))
        return out

    def restore(self):
        """Put every changed binding back; return [(item, what it held)]."""
        changed = self.changed()
        for item, _ in changed:
            self._set(item, item[3])
        return changed

    @contextlib.contextmanager
    def pristine(self):
        """rnnlib, numpy and the builtins as imported, for the time of a check; then the
        learner's own changes again (those made during the check are dropped)."""
        changed = self.restore()
        try:
            yield [describe(item) for item, _ in changed]
        finally:
            self.restore()
            for item, now in reversed(changed):
                self._set(item, now)


def describe(item):
    """The changed binding in words: "rnnlib.rnn_forward", "Check.compare", "check_x's code"."""
    kind, owner, name, _ = item
    if kind == "dict":
        return f"{owner.get('__name__', '?')}.{name}"
    if kind == "class":
        return f"{owner.__qualname__}.{name}"
    if kind == "cell":
        return "a check's closure"
    return f"{getattr(owner, '__qualname__', '?')}.{name}"


SNAPSHOT = Snapshot()


def record():
    """Add every rnnlib module loaded now and not recorded yet (all the bindings of this module
    and of a checks module: they have no other state; the functions, classes and modules of the
    others, which may keep state in plain values), and, the
    first time, numpy's namespace and the builtins."""
    first = not SNAPSHOT.modules
    for name, module in sorted(sys.modules.items()):
        if module is not None and (name == "rnnlib" or name.startswith("rnnlib.")) \
                and name not in SNAPSHOT.modules:
            SNAPSHOT.modules.add(name)
            SNAPSHOT.add_module(module, everything=name.startswith("rnnlib.checks")
                                or name == __name__)
    if first:
        for module in (np, np.linalg):
            SNAPSHOT.add_module(module)
        d = vars(builtins)
        for name, value in list(d.items()):        # not IPython's additions (exit, display...)
            if isinstance(value, (types.BuiltinFunctionType, type)) and not name.startswith("__"):
                SNAPSHOT.items.append(("dict", d, name, value))
