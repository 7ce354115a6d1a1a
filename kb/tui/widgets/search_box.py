"""The search box of home: Textual's Input, minus a layout of the whole screen per key."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SearchBox(Input):
    """An :class:`~textual.widgets.Input` whose text never lays the screen out again.

    Input keeps its text's width as its virtual (scrollable) size, and a change of virtual
    size lays out the whole screen: on home, with the results list and the preview, that was
    5 ms of every key's frame, and over 20 ms in one frame of ten. The box's own size never
    depends on its text (as wide as the screen, one line high): the new virtual size is kept
    for scrolling along a long text, and a repaint of the box is enough.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True)
