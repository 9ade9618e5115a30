"""Whether a fetched page is the whole page: a cut one must never become the article (nor lend its ETag
to the next request), whether the crawl fetched it or an import read it from a web archive."""

from __future__ import annotations

TAIL = 8192  # bytes at a page's end in which its </html> is looked for


def ends_early(content_type: str | None, body: bytes) -> str | None:
    """Why an HTML page is not whole (it ends without </html>), or None."""
    if body.strip() and "html" in (content_type or "").lower() and b"</html>" not in body[-TAIL:].lower():
        return f"the page ends without </html> ({len(body)} bytes received)"
    return None
