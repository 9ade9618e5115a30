"""Layout generations of the site; the generic layout comes last.

Each edition names the generations its pages may have, most specific first (site.py). Adding a
generation is adding one module here and naming its class in its edition's spec.
"""

from .base import Layout

GENERIC = Layout()


def pick(page, layouts, generic_only: bool = False) -> Layout:
    """The first of `layouts` (an edition's) whose markers the page has; the generic one when none
    (or when the known layouts are switched off, to see what the generic path alone makes of a page)."""
    for layout in () if generic_only else layouts:
        if layout.matches(page):
            return layout
    return GENERIC
