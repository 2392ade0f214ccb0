"""What keeps a check honest: the function it checks is the learner's, and the check, its
machinery and the rnnlib it compares with are the ones imported.

A check compares the learner's function with rnnlib's. That proves something only if

1. the learner's function is not rnnlib's own: not rnnlib's function itself, an alias of it
   (the same function, its code object, a functools.partial or functools.wraps wrapper, the
   bare maths `fn.unchecked` behind a public function), and does not call it while it runs
   (directly, through a reference captured earlier, or through another rnnlib object that
   runs it, such as RNNCell.forward running rnn_step_forward). Each check declares the rnnlib
   functions the exercise asks the learner to write, with `@replaces("rnnlib.rnn_forward", ...)`
   above it; the check fails with a plain message when the learner's function is one of them
   (`static_problem`) or when one of their code objects runs during the learner's call
   (`call_watched`, which watches with sys.setprofile, so renaming hides nothing). Other rnnlib
   functions stay allowed: an rnn_backward may call rnnlib's rnn_step_backward.
2. the check, its machinery and rnnlib are unchanged. `from rnnlib.checks import check_x`
   always gives the check that was imported (the package serves its checks from a registry,
   and refuses `rnnlib.checks.check_x = ...` and the like on its modules); and while a check
   runs, everything it depends on is put back as it was when rnnlib was imported (`SNAPSHOT`:
   the namespaces of rnnlib's modules, numpy's and the builtins', the methods of rnnlib's
   classes, and the code, defaults and closures of rnnlib's functions), and the learner's
   changes are put back afterwards, so a notebook that experiments with rnnlib keeps working.

The limits. Python has no private memory: a student who knows its internals can still fool a
check in the kernel it runs in, for example by replacing `builtins.__import__`, by rewriting a
check's data through the garbage collector, by switching sys.setprofile off and back on inside
their own function, by returning an object that computes its values with rnnlib only when the
check reads them, or by copying rnnlib's source text into a cell (that is typing the library
in, which no check can tell from writing it). nbgrader's autograde restores the locked check
cells from its gradebook, so an edited or deleted check cell is graded as the teacher wrote it;
what runs before the check cell in the student's notebook is theirs. These checks make a wrong
answer fail and cheating visible; a teacher who grades for marks reads what was submitted.
"""
from __future__ import annotations

import functools
import importlib
import sys
import types
from types import MappingProxyType

from .._snapshot import SNAPSHOT, Snapshot, _in_rnnlib, describe, record  # noqa: F401 (describe)

_setprofile, _getprofile = sys.setprofile, sys.getprofile      # as imported, whatever a cell does


class Cheating(BaseException):
    """The learner's function is, aliases or runs a function the exercise asks them to write.
    A BaseException, so no `except Exception` between the learner's call and the check's
    report can mistake it for an error in the learner's code."""


# --- which rnnlib functions an exercise replaces -------------------------------------------

def resolve(name):
    """"rnnlib.rnn_forward", "rnnlib.Vocab.one_hot", "rnnlib.losses._log_softmax" -> the object."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"rnnlib.checks: cannot find {name!r} to watch for")


def codes_of(obj, seen=None):
    """The code objects of rnnlib's that running obj means running: a function's own, and those
    of the functions it wraps (fn.unchecked, fn.__wrapped__); every method of a class and of
    its rnnlib base classes."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, (staticmethod, classmethod, types.MethodType)):
        return codes_of(obj.__func__, seen)
    if isinstance(obj, property):
        return [c for f in (obj.fget, obj.fset) if f for c in codes_of(f, seen)]
    if isinstance(obj, functools.partial):
        return codes_of(obj.func, seen)
    if isinstance(obj, type):
        return [c for cls in obj.__mro__ if cls.__module__.startswith("rnnlib")
                for value in vars(cls).values() for c in codes_of(value, seen)]
    if not isinstance(obj, types.FunctionType):
        return []
    inner = [f for f in (getattr(obj, "unchecked", None), getattr(obj, "__wrapped__", None)) if f]
    # a decorator's wrapper (checked_by's `public`) shares its code with every function it
    # wraps: only the code it wraps says which function runs
    out = [obj.__code__] if _in_rnnlib(obj.__code__) and not inner else []
    return out + [c for f in inner for c in codes_of(f, seen)]


def watched(names):
    """{code object: the declared name it belongs to} for a check's declared names."""
    return {code: name for name in names for code in codes_of(resolve(name))}


def _functions_behind(fn):
    """The Python functions a callable runs first: through partial, bound methods, __wrapped__,
    and a callable object's __call__."""
    out, todo, seen = [], [fn], set()
    while todo:
        f = todo.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        if isinstance(f, functools.partial):
            todo.append(f.func)
        elif isinstance(f, (types.MethodType, staticmethod, classmethod)):
            todo.append(f.__func__)
        elif isinstance(f, types.FunctionType):
            out.append(f)
            todo += [getattr(f, "__wrapped__", None), getattr(f, "unchecked", None)]
        elif callable(f) and not isinstance(f, type):
            todo.append(getattr(type(f), "__call__", None))
    return out


def _anonymous(code):
    """code without its name, file and first line: what a copy made with code.replace() keeps."""
    return code.replace(co_name="_", co_qualname="_", co_filename="_", co_firstlineno=1)


def _shape(code):
    """Cheap numbers a copy keeps too, to skip most calls without comparing their code."""
    return code.co_argcount, code.co_kwonlyargcount, code.co_nlocals, code.co_stacksize


def _same_code(code, codes):
    """The declared name of the code in codes that code is, or is a copy of (the same bytecode,
    constants, names and line table, under any name or file name); else None."""
    key = None
    for c, name in codes.items():
        if c is code:
            return name
        if _shape(c) == _shape(code):
            key = _anonymous(code) if key is None else key
            if _anonymous(c) == key:
                return name
    return None


def static_problem(check_name, fn, codes):
    """A sentence when fn is, or wraps, an rnnlib function; else None."""
    behind = _functions_behind(fn)
    for f in behind:
        name = _same_code(f.__code__, codes)
        if name is not None:
            short = name.rsplit(".", 1)[-1]
            return (f"{check_name}: the function you passed is {name} itself (an alias such as "
                    f"`{short} = {name}`, a copy of its code, or a partial or wrapper around it), "
                    f"the function this exercise asks you to write. The check compares your "
                    f"function with rnnlib's, so this would compare rnnlib with itself. Write the "
                    f"computation yourself in the exercise cell.")
    for f in behind:
        if _in_rnnlib(f.__code__):
            where = f"{f.__module__}.{f.__qualname__}"
            return (f"{check_name}: the function you passed is rnnlib's own {where}, not one "
                    f"you wrote. Pass the function you defined in the exercise cell.")
    return None


# --- watching the learner's call -------------------------------------------------------------

def call_watched(check_name, codes, fn, args, kwargs):
    """fn(*args, **kwargs), raising Cheating if one of codes (or an equal copy) runs during it."""
    if not codes:
        return fn(*args, **kwargs)
    by_shape, known = {}, {}
    for code, name in codes.items():
        by_shape.setdefault(_shape(code), {})[code] = name
    seen = []

    def profile(frame, event, arg):
        if event == "call" and not seen:
            code = frame.f_code
            if code not in known:                 # each code object is looked at once
                candidates = by_shape.get(_shape(code))
                known[code] = _same_code(code, candidates) if candidates else None
            if known[code] is not None:
                seen.append(known[code])

    before = _getprofile()
    _setprofile(profile)
    try:
        return fn(*args, **kwargs)
    finally:
        intact = _getprofile() is profile
        _setprofile(before)
        if seen:
            raise Cheating(
                f"{check_name}: your function calls {seen[0]}, which does what this exercise "
                f"asks you to work out (directly, or through another rnnlib object that runs "
                f"it). The check compares your function with rnnlib's, so this would compare rnnlib with "
                f"itself. Write the computation yourself, from the equations in the text.")
        if not intact:
            raise Cheating(
                f"{check_name}: your function changed sys.setprofile, which the check uses to "
                f"see which rnnlib functions your function calls. Remove that line.")


# --- the snapshot: rnnlib, numpy and the builtins as imported (rnnlib/_snapshot.py) ------

def take_snapshot(checks):
    """Add to the snapshot rnnlib/__init__.py took: the checks' modules, any rnnlib module
    imported since, and the checks themselves."""
    record()
    for check in checks:
        SNAPSHOT.add_object(check)


# --- the package and its modules refuse to be changed --------------------------------------

def _refusal(module, name):
    return AttributeError(
        f"{module}.{name} cannot be changed: the checks compare your functions with rnnlib's, "
        f"and a notebook cell that replaced part of them would make every check meaningless. "
        f"Use the checks as they are; to try something of your own, give it another name.")


class SealedModule(types.ModuleType):
    """A checks module that refuses assignment and deletion (the import system may still bind
    a submodule it imports)."""

    def __setattr__(self, name, value):
        own_name = types.ModuleType.__getattribute__(self, "__name__")
        if isinstance(value, types.ModuleType) and value.__name__ == f"{own_name}.{name}":
            return types.ModuleType.__setattr__(self, name, value)
        raise _refusal(own_name, name)

    def __delattr__(self, name):
        raise _refusal(types.ModuleType.__getattribute__(self, "__name__"), name)


def sealed_package(registry):
    """The class of rnnlib.checks itself: sealed, and `check_*` names come from the registry
    (a read-only view captured here), whatever the module's __dict__ holds now."""
    registry = MappingProxyType(registry)

    class SealedPackage(SealedModule):
        def __getattribute__(self, name, _registry=registry, _get=types.ModuleType.__getattribute__):
            check = _registry.get(name) if name.startswith("check_") else None
            if check is not None:
                _restore_function(check)
                return check
            return _get(self, name)

    return SealedPackage


def _restore_function(fn):
    """The served check's own code, defaults and closure as imported (the check restores the
    rest itself when it runs)."""
    for item in SNAPSHOT.items:
        if item[1] is fn or (item[0] == "cell" and fn.__closure__ and item[1] in fn.__closure__):
            if Snapshot._get(item) is not item[3]:
                Snapshot._set(item, item[3])


def seal(package_name):
    """Seal rnnlib.checks and its submodules (after the snapshot is taken)."""
    for name, module in list(sys.modules.items()):
        if module is not None and name.startswith(package_name + ".") \
                and type(module) is types.ModuleType:
            module.__class__ = SealedModule
