"""LivePlot: a figure whose static part is drawn once, so that a widget can redraw it fast.

A widget redraws on every slider move, and a full savefig of a two-panel figure costs
100-200 ms on a modest machine: mostly laying out tick labels, legends and titles that never
change. A LivePlot draws that static part once and afterwards redraws only the artists that
move (blitting), which takes a few milliseconds. A part that changes now and then (the
heatmap's y axis when its rows are put in a new order) can be redrawn alone over a copy of
the figure kept without it, instead of drawing the whole static part again. Each LivePlot
subclass has a *_figure function beside it that returns the same picture as an ordinary
Figure, for a notebook cell or a test.
"""
from __future__ import annotations

import io

import matplotlib.image
from matplotlib.figure import Figure


class LivePlot:
    """A Figure drawn once, whose changing artists are redrawn alone by png().

    Subclasses build self.figure (with a FigureCanvasAgg attached) and list the artists that
    their update() changes in self.dynamic. Everything else is drawn once and kept: an update
    that changes it too (an axis limit) calls invalidate(). The dynamic artists are drawn on
    top of everything else, so they should keep off the spines and the legend.

    Artists of the static part that change now and then may be listed in self.occasional
    (e.g. an Axes' yaxis: its ticks, tick labels and label). They are drawn over a copy of
    the figure kept without them, so after changing one, invalidate(artist) redraws them alone
    (a few ms) instead of the whole static part (tens of ms). They should overlap no other
    static artist, which would be drawn under them rather than in its own z-order.
    """

    figure: Figure
    dynamic: list
    occasional: list = []

    def invalidate(self, *artists):
        """Draw the static part again at the next png(): call it after changing that part
        (an axis limit, a tick locator). Given only artists of self.occasional, redraw those
        alone."""
        if artists and all(any(a is b for b in self.occasional) for a in artists):
            self._occasional_drawn = False
        else:
            self._renderer = None

    def png(self) -> bytes:
        """The figure as PNG bytes, as savefig would give them, but redrawing only self.dynamic."""
        canvas = self.figure.canvas
        # No background yet: the first call, invalidate(), or a new renderer (a resize).
        if getattr(self, "_renderer", None) is not canvas.get_renderer():
            hidden = [*self.dynamic, *self.occasional]
            for artist in hidden:                   # draw everything else once, and keep it
                artist.set_visible(False)
            canvas.draw()
            for artist in hidden:
                artist.set_visible(True)
            self._base = canvas.copy_from_bbox(self.figure.bbox)
            self._renderer = canvas.get_renderer()
            self._occasional_drawn = False
        if not self._occasional_drawn:              # the static part = the base + these
            canvas.restore_region(self._base)
            for artist in self.occasional:
                self.figure.draw_artist(artist)
            self._background = (canvas.copy_from_bbox(self.figure.bbox) if self.occasional
                                else self._base)
            self._occasional_drawn = True
        canvas.restore_region(self._background)
        for artist in self.dynamic:
            self.figure.draw_artist(artist)
        buf = io.BytesIO()
        # canvas.print_png would redraw the whole figure first; imsave encodes the pixels as
        # they are. compress_level=1: a PNG some 6% larger, encoded in 2/3 of the time.
        matplotlib.image.imsave(buf, canvas.buffer_rgba(), format="png",
                                pil_kwargs={"compress_level": 1})
        return buf.getvalue()
