"""caravan-archive: a clean, searchable, complete archive of Caravan.kz."""

__version__ = "0.1.0"
