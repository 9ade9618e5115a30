"""HTTP header values as text: one way to read them, for the spider and the middlewares."""

from __future__ import annotations


def header(headers, name: str) -> str | None:
    """A header's value (Scrapy `Headers`: bytes), or None when absent or empty. HTTP header
    bytes are ISO-8859-1, so a stray byte never fails to decode."""
    value = headers.get(name)
    return value.decode("latin-1") if value else None
