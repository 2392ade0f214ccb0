"""What the hostile-input and property tests of every module share: calling a public function
with warnings as errors, and what a clear error is (it starts with the function's name, names
the argument and says the words the case expects).

Not a test file: the test files import it (pytest puts tests/ on sys.path).
"""
import warnings

import pytest
from hypothesis import event


def case_ids(cases):
    """Readable ids for rows (where, arg, call, error, words, ...): "save-metadata-3"."""
    return [f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(cases)]


def clear_error(where, arg, call, error, words):
    """call() raises error, with no numpy warning on the way, and its message starts with
    "where: ", names arg and holds every one of words. Returns the exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # a numpy warning would fail the call here
        with pytest.raises(error) as info:
            call()
    message = str(info.value)
    assert message.startswith(f"{where}: "), message
    assert arg in message, (arg, message)
    for w in words:
        assert w in message, (w, message)
    return info.value


def outcome(call, where, errors=(ValueError, TypeError)):
    """call() with warnings as errors: (result, None), or (None, the error) when it raises one
    of errors with a message that starts with "where: ". Counts each outcome for hypothesis."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            result = call()
        except errors as e:
            assert str(e).startswith(f"{where}: "), str(e)
            event(type(e).__name__)
            return None, e
    event("returned")
    return result, None
