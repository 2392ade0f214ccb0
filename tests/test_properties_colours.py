"""Properties of rnnlib.widgets.colours on arbitrary shapes and values (hypothesis): every call
either returns what its docstring says or raises ValueError / TypeError naming the function; no
other exception and no warning.

Second readings: colours are '#rrggbb', white at 0 and the two ends at +-scale; the HTML holds
every character once, escaped, with its position."""
import html
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnnlib.widgets import colours as C

from boundary import outcome

ODD = st.one_of(st.none(), st.booleans(), st.text(max_size=2), st.integers(-3, 3), st.floats())
VALUES = st.floats(-1e3, 1e3)


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4),
                  elements=st.floats(-1e300, 1e300)),
       st.one_of(st.floats(1e-300, 1e300), ODD))
def test_diverging_colours(values, scale):
    colours, error = outcome(lambda: C.diverging_colours(values, scale), "diverging_colours")
    if error:
        return
    assert colours.shape == values.shape
    flat = np.asarray(colours).reshape(-1)
    assert all(re.fullmatch("#[0-9a-f]{6}", c) for c in flat)
    for x, c in zip(values.reshape(-1), flat):
        if x == 0:
            assert c == "#ffffff"
        elif x >= scale:
            assert c == "#b2182b"
        elif x <= -scale:
            assert c == "#2166ac"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.data())
def test_coloured_and_marked_text_html(text, data):
    T = len(text)
    values = data.draw(st.one_of(hnp.arrays(np.float64, (T,), elements=VALUES),
                                 hnp.arrays(np.float64, (data.draw(st.integers(0, 3)),), elements=VALUES)))
    bold = data.draw(st.one_of(st.integers(0, T), st.integers(-2, T + 2)))
    out, error = outcome(lambda: C.coloured_text_html(text, values, 1.0, bold=bold),
                         "coloured_text_html")
    if not error:
        cells = re.findall(r'<span style="background:#[0-9a-f]{6};color:#(?:fff|000)" '
                           r'title="(\d+): [+-]\d+\.\d{3}">(.*?)</span>', out, flags=re.S)
        assert [int(t) for t, _ in cells] == list(range(T))
        assert "".join(c for _, c in cells) == "".join(C.html_char(c) for c in text)
        assert html.unescape("".join(c for _, c in cells)).replace("\u21b5\n", "\n") == text
    marks = data.draw(hnp.arrays(np.int64, (data.draw(st.sampled_from([T, T, T + 1])),),
                                 elements=st.integers(0, 2)))
    out, error = outcome(lambda: C.marked_text_html(text, marks), "marked_text_html")
    if not error:
        inner = re.sub(r"</?span[^>]*>", "", out[out.index(">") + 1:-len("</div>")])
        assert html.unescape(inner).replace("\u21b5\n", "\n") == text
