"""Why a page is no article, as a member the code compares, with the text people read.

The parser says why with a `Rejection` and a detail; nobody matches the words. A `Rejected` reads as
the text the archive stores (listings.reason), the log, `extract` and the fixtures show:
"<rejection> (<detail>)", e.g. "no article text (12 words)".
"""

from __future__ import annotations

from enum import StrEnum


class Rejection(StrEnum):
    """What a page is when it is no article, or why it could not be read. The value opens the
    reason's text and names it in the run's stats (caravan/answers/no_article/<value>).

    `failed_parse`: the parser did not understand a page that may be an article (drift counts it
    against the fields' coverage), rather than a page that says what else it is."""

    failed_parse: bool

    def __new__(cls, value: str, failed_parse: bool = False):
        member = str.__new__(cls, value)
        member._value_ = value
        member.failed_parse = failed_parse
        return member

    # The page says so itself, or cannot be read (kind.refusal, bounds.py, page.py, charset.py).
    NOT_FOUND = "not found page"
    NOT_HTML = "not an HTML page"
    TOO_LARGE = "page too large"
    TOO_MANY_TAGS = "markup too large"
    TEXT_TOO_LONG = "text too long"
    NOT_WHOLE = "markup not parsed whole"
    ENCODING_UNKNOWN = "encoding unknown"
    PARKED_DOMAIN = "parked domain page"  # «caravan.kz is for sale»
    # Another publisher's page served at an article address (kind.foreign); the detail is its host.
    FOREIGN_PAGE = "another site's page"
    # What its body class or address names a page holding no article (kind.label), or a listing (kind.listing).
    TAG_PAGE = "tag page"
    LISTING_PAGE = "listing page"
    SEARCH_PAGE = "search page"
    STATIC_PAGE = "static page"
    # The parser found no article in it.
    NO_POST_ID = "no post id in the URL, canonical link or markup", True
    NO_HEADLINE = "no headline", True
    NO_TEXT = "no article text", True

    def because(self, detail: str | None = None) -> Rejected:
        return Rejected(self, detail)


class Rejected(str):
    """A rejection and its detail, equal to (and stored, logged and printed as) its text."""

    rejection: Rejection
    detail: str | None

    def __new__(cls, rejection: Rejection, detail: str | None = None):
        rejected = super().__new__(cls, rejection.value if detail is None else f"{rejection.value} ({detail})")
        rejected.rejection, rejected.detail = rejection, detail
        return rejected

    def __reduce__(self):  # to and from parse workers: made again from its parts, not from its text
        return Rejected, (self.rejection, self.detail)
