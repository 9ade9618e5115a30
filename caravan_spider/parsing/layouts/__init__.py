"""Layout generations of the site, most specific first; the generic layout comes last.

Adding a generation is adding one module here and its class to LAYOUTS.
"""

from .amp import Amp
from .base import Layout
from .kazakh import Kazakh
from .legacy2015 import Legacy2015
from .today import Today

LAYOUTS: tuple[Layout, ...] = (Amp(), Kazakh(), Today(), Legacy2015())
GENERIC = Layout()


def pick(page, generic_only: bool = False) -> Layout:
    """The first known layout whose markers the page has; the generic one when none (or when
    the known layouts are switched off, to see what the generic path alone makes of a page)."""
    for layout in () if generic_only else LAYOUTS:
        if layout.matches(page):
            return layout
    return GENERIC
