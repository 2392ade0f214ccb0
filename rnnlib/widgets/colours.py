"""Numbers as colours, and a text as HTML coloured by them: what the explorers show.

    diverging_colours(values, scale)                   # '#rrggbb' per value, blue - white - red
    coloured_text_html(text, values, scale)            # each character on the colour of its value
    marked_text_html(text, marks)                      # stretches marked: the selection, matches
    html_char(c)                                       # one character as a coloured cell shows it
    ink_colours(values, scale)                         # '#000' or '#fff': the legible ink on each

The scale is the one of rnnlib.plots' heatmaps (ColorBrewer's RdBu, rnnlib.plots.hidden.RED,
WHITE, BLUE), so coloured text and figures agree. The numbers behind the colours come from
rnnlib.explore; these functions only draw them, and check their arguments the same way (a
scale of 0 or below is refused, never turned into a colour like '#-8000...'; values and text
of different lengths are refused, never cut to the shorter).
"""
from __future__ import annotations

import html

import numpy as np

from .. import _validation as v
from .._validation import checked_by
from ..plots.hidden import BLUE, RED, WHITE


def _check_diverging_colours(values, scale, where="diverging_colours"):
    values = v.as_array(values, "values", where)
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{where}: values should be numbers, got dtype {values.dtype}.")
    v.check_finite(values.astype(np.float64), "values", where)
    return values, _scale(scale, where)


def _rgb(values, scale):
    """The colours of diverging_colours as whole numbers 0-255: (...) -> (..., 3)."""
    with np.errstate(over="ignore"):                       # beyond the float range: the end colour
        t = np.clip(np.asarray(values, dtype=float) / scale, -1.0, 1.0)[..., None]     # (..., 1)
    end = np.where(t >= 0, RED, BLUE)                                              # (..., 3)
    return np.rint(WHITE + np.abs(t) * (end - WHITE)).astype(int)


@checked_by(_check_diverging_colours)
def diverging_colours(values, scale):
    """'#rrggbb' per value: white at 0, deepening to red at +scale and to blue at -scale
    (values beyond +-scale get the end colour). values (...) -> array of str, same shape."""
    rgb = _rgb(values, scale)
    hexes = np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.reshape(-1, 3).tolist()],
                     dtype="<U7")
    return hexes.reshape(np.shape(values))


def _luminance(rgb):
    """WCAG 2's relative luminance of sRGB colours (..., 3) in 0-255: 0 black, 1 white."""
    c = np.asarray(rgb) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


# WCAG's contrast ratio is (L_lighter + 0.05) / (L_darker + 0.05). White ink on a background of
# luminance L gives 1.05 / (L + 0.05), black ink (L + 0.05) / 0.05; they are equal where
# (L + 0.05)^2 = 1.05 * 0.05, and the better of the two is never below 4.58:1 (at that L), so
# every colour of the scale gets an ink that passes WCAG AA's 4.5:1 for text.
WHITE_INK_BELOW = float(np.sqrt(1.05 * 0.05) - 0.05)                 # L = 0.179


def _check_ink_colours(values, scale):
    return _check_diverging_colours(values, scale, "ink_colours")


@checked_by(_check_ink_colours)
def ink_colours(values, scale):
    """The ink, '#000' or '#fff', that contrasts more with each value's diverging colour:
    values (...) -> array of str, same shape. Only the darkest reds and blues take white."""
    dark = _luminance(_rgb(values, scale)) < WHITE_INK_BELOW
    return np.where(dark, "#fff", "#000")


def _check_html_char(c):
    if not isinstance(c, str) or len(c) != 1:
        raise (ValueError if isinstance(c, str) else TypeError)(
            f"html_char: c should be a str of one character, got {v.short(c)}. For a whole "
            f"text use coloured_text_html or marked_text_html.")
    return (c,)


@checked_by(_check_html_char)
def html_char(c):
    """A character as it can be seen in a coloured cell: a newline is shown as a return arrow."""
    return "\u21b5\n" if c == "\n" else html.escape(c)


_BOX = ('<div style="font-family: monospace; white-space: pre-wrap; line-height: 1.5; '
        'max-height: 24em; overflow-y: auto">{}</div>')


def _check_coloured_text_html(text, values, scale, offset=0, bold=0):
    where = "coloured_text_html"
    text = v.text(text, "text", where)
    values = _per_character(values, len(text), "values", where)
    scale = _scale(scale, where)
    offset = v.int_in(offset, 0, 2 ** 62, "offset", where,
                      "It is the position of the first character, shown when hovering.")
    bold = v.int_in(bold, 0, len(text), "bold", where,
                    "It is how many characters, from the first, are in bold.")
    return text, values, scale, offset, bold


@checked_by(_check_coloured_text_html)
def coloured_text_html(text, values, scale, offset=0, bold=0):
    """text as HTML, each character on the diverging colour of its value; hovering shows the
    position (offset + t) and the value. text (T,) str, values (T,); the first `bold`
    characters in bold (a prime, say)."""
    colours = diverging_colours.unchecked(values, scale)
    ink = ink_colours.unchecked(values, scale)                      # the better contrast
    values = values.tolist()                               # Python floats format faster
    cells = [f'<span style="background:{bg};color:{fg}" title="{offset + t}: {x:+.3f}">'
             f'{html_char.unchecked(c)}</span>'
             for t, (c, x, bg, fg) in enumerate(zip(text, values, colours, ink))]
    if bold:
        cells[:bold] = ["<b>" + "".join(cells[:bold]) + "</b>"]
    return _BOX.format("".join(cells))


MARK_STYLES = {1: "outline: 2px solid #222; background: #ffe08a",     # the selected span
               2: "background: #8fd19e"}                               # a place that matches


def _check_marked_text_html(text, marks):
    where = "marked_text_html"
    text = v.text(text, "text", where)
    arr = v.as_array(marks, "marks", where)
    if arr.shape == (0,) == (len(text),):                # [] is no marks whatever its dtype
        return text, np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{where}: marks should be whole numbers 0, 1 or 2, got dtype "
                        f"{arr.dtype}. E.g. np.where(mask, 2, 0).")
    if arr.shape != (len(text),):
        raise ValueError(f"{where}: marks should have shape ({len(text)},), one mark per "
                         f"character of text, got {v.fmt_shape(arr.shape)}.")
    bad = np.flatnonzero((arr < 0) | (arr > 2))
    if len(bad):
        raise ValueError(f"{where}: marks[{bad[0]}] is {arr[bad[0]]}; marks are 0 (plain), "
                         f"1 (the selection) or 2 (a match).")
    return text, arr.astype(np.int64)


@checked_by(_check_marked_text_html)
def marked_text_html(text, marks):
    """text as HTML with stretches marked: marks (T,) ints, 0 plain, 1 the selection, 2 a match."""
    edges = np.flatnonzero(np.diff(marks)) + 1
    parts = []
    for a, b in zip(np.concatenate([[0], edges]), np.concatenate([edges, [len(text)]])):
        piece = "".join(html_char.unchecked(c) for c in text[a:b])
        style = MARK_STYLES.get(int(marks[a])) if b > a else None
        parts.append(f'<span style="{style}">{piece}</span>' if style else piece)
    return _BOX.format("".join(parts))


# --- checks used only here ------------------------------------------------------------------

def _scale(value, where):
    return v.positive_float(value, "scale", where,
                            "It is the value shown in full colour; e.g. 1.0 for tanh units.")


def _per_character(value, T, name, where):
    """(T,) numbers, one per character, finite, as float64."""
    arr = v.as_array(value, name, where)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} should be numbers, got dtype {arr.dtype}.")
    if arr.shape != (T,):
        raise ValueError(f"{where}: {name} should have shape ({T},), one value per character of "
                         f"text, got {v.fmt_shape(arr.shape)}. Cut both to the same stretch.")
    arr = arr.astype(np.float64)
    v.check_finite(arr, name, where)
    return arr
