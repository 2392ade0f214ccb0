"""rnnlib.widgets.colours given what a hostile or careless caller passes: every call gets a
ValueError or TypeError whose message starts with the function called, names the argument, and
says what came; no numpy message and no warning gets through.

Nothing is broadcast or cut short: values and text of different lengths are refused instead of
zipped to the shorter, a colour scale of 0 or below is refused instead of making '#-8000...'
colours.

Each row: (function as the message names it, the argument, the call, the error, words the
message must hold besides those two)."""
import numpy as np
import pytest

from rnnlib.widgets import colours as C

from boundary import case_ids, clear_error

CASES = [
    # diverging_colours: a positive scale, finite values
    ("diverging_colours", "scale", lambda: C.diverging_colours([0.5], 0), ValueError, ["positive"]),
    ("diverging_colours", "scale", lambda: C.diverging_colours([0.5], -1.0), ValueError, ["-1.0"]),
    ("diverging_colours", "scale", lambda: C.diverging_colours([0.5], np.nan), ValueError, ["nan"]),
    ("diverging_colours", "scale", lambda: C.diverging_colours([0.5], np.inf), ValueError, ["inf"]),
    ("diverging_colours", "scale", lambda: C.diverging_colours([0.5], "1"), TypeError, ["'1'"]),
    ("diverging_colours", "scale", lambda: C.diverging_colours([0.5], None), TypeError, ["None"]),
    ("diverging_colours", "values", lambda: C.diverging_colours([0.5, np.nan], 1.0), ValueError, ["nan"]),
    ("diverging_colours", "values", lambda: C.diverging_colours(["a"], 1.0), TypeError, ["<U1"]),
    ("diverging_colours", "values", lambda: C.diverging_colours([1j], 1.0), TypeError, ["complex"]),
    ("diverging_colours", "values", lambda: C.diverging_colours([[1.0], [2.0, 3.0]], 1.0), TypeError,
     ["different lengths"]),
    # html_char
    ("html_char", "c", lambda: C.html_char(5), TypeError, ["5"]),
    ("html_char", "c", lambda: C.html_char("ab"), ValueError, ["'ab'", "one character"]),
    ("html_char", "c", lambda: C.html_char(""), ValueError, ["''"]),
    # coloured_text_html: values one per character, a positive scale, offset and bold in range
    ("coloured_text_html", "values", lambda: C.coloured_text_html("abc", [0.1, 0.2], 1.0), ValueError,
     ["(3,)", "(2,)"]),
    ("coloured_text_html", "values", lambda: C.coloured_text_html("ab", [0.1, 0.2, 0.3], 1.0), ValueError,
     ["(2,)", "(3,)"]),
    ("coloured_text_html", "values", lambda: C.coloured_text_html("ab", 0.5, 1.0), ValueError, ["()"]),
    ("coloured_text_html", "values", lambda: C.coloured_text_html("ab", [0.1, np.nan], 1.0), ValueError,
     ["nan"]),
    ("coloured_text_html", "values", lambda: C.coloured_text_html("ab", ["x", "y"], 1.0), TypeError,
     ["<U1"]),
    ("coloured_text_html", "text", lambda: C.coloured_text_html(["a", "b"], [0.1, 0.2], 1.0), TypeError,
     ["list"]),
    ("coloured_text_html", "text", lambda: C.coloured_text_html(None, [0.1], 1.0), TypeError, ["NoneType"]),
    ("coloured_text_html", "scale", lambda: C.coloured_text_html("ab", [0.1, 0.2], 0.0), ValueError,
     ["positive"]),
    ("coloured_text_html", "scale", lambda: C.coloured_text_html("ab", [0.1, 0.2], -2.0), ValueError,
     ["-2.0"]),
    ("coloured_text_html", "offset", lambda: C.coloured_text_html("ab", [0.1, 0.2], 1.0, offset=-5),
     ValueError, ["-5"]),
    ("coloured_text_html", "offset", lambda: C.coloured_text_html("ab", [0.1, 0.2], 1.0, offset=1.5),
     TypeError, ["1.5"]),
    ("coloured_text_html", "bold", lambda: C.coloured_text_html("ab", [0.1, 0.2], 1.0, bold=-1),
     ValueError, ["-1", "from 0 to 2"]),
    ("coloured_text_html", "bold", lambda: C.coloured_text_html("ab", [0.1, 0.2], 1.0, bold=3),
     ValueError, ["3"]),
    ("coloured_text_html", "bold", lambda: C.coloured_text_html("ab", [0.1, 0.2], 1.0, bold=True),
     TypeError, ["True"]),
    # marked_text_html: marks 0, 1, 2, one per character
    ("marked_text_html", "marks", lambda: C.marked_text_html("abc", [0, 1]), ValueError, ["(3,)", "(2,)"]),
    ("marked_text_html", "marks", lambda: C.marked_text_html("abc", [0, 1, 2, 0]), ValueError, ["(4,)"]),
    ("marked_text_html", "marks", lambda: C.marked_text_html("abc", [0, 3, 0]), ValueError,
     ["marks[1] is 3"]),
    ("marked_text_html", "marks", lambda: C.marked_text_html("abc", [0, -1, 0]), ValueError,
     ["marks[1] is -1"]),
    ("marked_text_html", "marks", lambda: C.marked_text_html("abc", [0.0, 1.0, 0.0]), TypeError,
     ["float64"]),
    ("marked_text_html", "marks", lambda: C.marked_text_html("abc", None), TypeError, ["object"]),
    ("marked_text_html", "text", lambda: C.marked_text_html(b"abc", [0, 0, 0]), TypeError, ["bytes"]),
]


@pytest.mark.parametrize("where, arg, call, error, words", CASES,
                         ids=case_ids(CASES))
def test_hostile_input_gets_a_clear_error(where, arg, call, error, words):
    clear_error(where, arg, call, error, words)


@pytest.mark.filterwarnings("error")
def test_edges_that_are_allowed_on_purpose():
    # a value beyond the scale gets the end colour; a 0-d value gives a 0-d colour
    assert C.diverging_colours([5.0, -5.0], 1.0).tolist() == ["#b2182b", "#2166ac"]
    assert C.diverging_colours(0.0, 1.0).shape == ()
    # an empty text is an empty box
    assert C.coloured_text_html("", [], 1.0).endswith("></div>")
    assert C.marked_text_html("", []).endswith("></div>")


def test_the_inputs_are_never_modified():
    values = np.linspace(-2.0, 2.0, 6)
    marks = np.array([0, 1, 1, 2, 0, 0])
    C.diverging_colours(values, 0.5)
    C.coloured_text_html("abcdef", values, 1.0)
    C.marked_text_html("abcdef", marks)
    np.testing.assert_array_equal(values, np.linspace(-2.0, 2.0, 6))
    np.testing.assert_array_equal(marks, [0, 1, 1, 2, 0, 0])
