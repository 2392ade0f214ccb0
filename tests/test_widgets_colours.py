"""rnnlib.widgets.colours by hand: the diverging scale's colours worked out from its two ends,
and the HTML of a coloured and of a marked text read back cell by cell."""
import html
import re

import numpy as np

from rnnlib.widgets import colours as C


def test_diverging_colours_by_hand():
    c = C.diverging_colours([0.0, 1.0, -1.0, 0.25, 7.0, -2.0], 1.0)
    # white at 0; RdBu's red (178, 24, 43) and blue (33, 102, 172) at the ends; a quarter of
    # the way: 255 + (178 - 255) / 4 = 235.75 -> 236 = ec, 197.25 -> c5, 202 = ca; beyond
    # the scale is clipped to the end colour
    assert list(c) == ["#ffffff", "#b2182b", "#2166ac", "#ecc5ca", "#b2182b", "#2166ac"]
    assert C.diverging_colours(np.zeros((2, 3)), 2.0).shape == (2, 3)


SPAN = re.compile(r'<span style="background:(#[0-9a-f]{6});color:#[0-9a-f]{3}" '
                  r'title="(\d+): ([-+]\d\.\d{3})">(.*?)</span>', re.S)


def test_coloured_text_html_has_a_cell_per_character_with_its_value():
    text = 'a<b"\n'
    values = np.array([0.5, -1.0, 0.0, 0.25, 1.0])
    cells = SPAN.findall(C.coloured_text_html(text, values, 1.0, offset=10))
    assert [int(t) for _, t, _, _ in cells] == [10, 11, 12, 13, 14]
    assert [float(x) for _, _, x, _ in cells] == list(values)
    assert [html.unescape(c) for _, _, _, c in cells] == ["a", "<", "b", '"', "\u21b5\n"]
    assert [bg for bg, _, _, _ in cells] == list(C.diverging_colours(values, 1.0))


def test_marked_text_html_marks_the_selection_and_the_matches():
    page = C.marked_text_html("ab cd ef", [1, 1, 0, 2, 2, 0, 0, 0])
    assert f'<span style="{C.MARK_STYLES[1]}">ab</span> ' in page
    assert f'<span style="{C.MARK_STYLES[2]}">cd</span> ef' in page


def test_coloured_text_html_can_set_a_prime_in_bold():
    page = C.coloured_text_html("abc", np.zeros(3), 1.0, bold=2)
    assert page.count("<b>") == 1 and len(SPAN.findall(page)) == 3
    assert page.index("</b>") < page.index('title="2:')


def wcag_contrast(a, b):
    """WCAG 2.1's contrast ratio of two '#rrggbb' / '#rgb' colours, from its definition."""
    def luminance(colour):
        h = colour[1:]
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        channels = []
        for i in (0, 2, 4):
            c = int(h[i:i + 2], 16) / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_colour_of_the_scale_gets_ink_with_aa_contrast():
    # every colour the scale makes (8-bit steps: 4001 values reach each one), read back from
    # the HTML: the ink is the better of black and white, and passes WCAG AA for text (4.5:1)
    values = np.linspace(-1.0, 1.0, 4001)
    cells = re.findall(r'background:(#[0-9a-f]{6});color:(#[0-9a-f]{3})',
                       C.coloured_text_html("x" * len(values), values, 1.0))
    assert len(cells) == len(values) and len(set(bg for bg, _ in cells)) > 200
    ratios = []
    for bg, ink in cells:
        other = "#000" if ink == "#fff" else "#fff"
        assert wcag_contrast(bg, ink) >= wcag_contrast(bg, other), (bg, ink)
        ratios.append(wcag_contrast(bg, ink))
    assert min(ratios) >= 4.5, min(ratios)
    # the ends are dark enough for white ink, white itself takes black
    assert dict(cells)["#b2182b"] == dict(cells)["#2166ac"] == "#fff"
    assert dict(cells)["#ffffff"] == "#000"
    assert C.ink_colours([[0.0, 1.0]], 1.0).tolist() == [["#000", "#fff"]]
