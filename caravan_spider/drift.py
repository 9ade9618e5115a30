"""Drift alarm: notice when the site's markup changes before junk fills the archive.

Each run counts, per field, how many of its articles had it and which layout parsed them.
Too little coverage of title, body or published_at, or a known boilerplate marker in the
stored text, fails the run loudly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .parsing.phrases import BOILERPLATE_MARKERS  # text that only ever comes from page furniture
from .parsing.rejections import Rejected

REQUIRED = ("title", "body", "published_at")


@dataclass
class Coverage:
    articles: int = 0
    unparsed: int = 0  # article URLs whose page yielded no record for want of a field
    found: Counter = field(default_factory=Counter)
    layouts: Counter = field(default_factory=Counter)
    found_by_layout: dict[str, Counter] = field(default_factory=dict)
    markers: Counter = field(default_factory=Counter)

    def add(self, record: dict, layout: str | None) -> None:
        layout = layout or "?"
        self.articles += 1
        self.layouts[layout] += 1
        by_layout = self.found_by_layout.setdefault(layout, Counter())
        for name, value in record.items():
            if value not in (None, "", []):
                self.found[name] += 1
                by_layout[name] += 1
        text = "\n".join(str(record.get(k) or "") for k in ("title", "lead", "body"))
        for marker in BOILERPLATE_MARKERS:
            if marker in text:
                self.markers[marker] += 1

    def add_rejection(self, reason: Rejected | str | None) -> None:
        """An article URL's page that is no article: counted against coverage when the parser did not
        understand it (Rejection.failed_parse), not when it is something else. A str: the site's
        own word that the article is gone (a redirect elsewhere), no parse."""
        if isinstance(reason, Rejected) and reason.rejection.failed_parse:
            self.unparsed += 1

    def shares(self) -> dict[str, float]:
        total = self.articles + self.unparsed
        return {name: round(self.found[name] / total, 4) for name in sorted(self.found)} if total else {}

    def problems(self, min_share: float, min_pages: int = 5) -> list[str]:
        """What is wrong; coverage is judged only on `min_pages` article pages or more."""
        total = self.articles + self.unparsed
        found = []
        for name in REQUIRED if total >= min_pages else ():
            share = self.found[name] / total
            if share < min_share:
                found.append(f"{name} found in {share:.0%} of {total} article pages (minimum {min_share:.0%})")
        for marker, count in self.markers.items():
            found.append(f"boilerplate «{marker}» in {count} stored article(s)")
        return found

    def as_dict(self) -> dict:
        by_layout = {layout: {name: round(count / self.layouts[layout], 4) for name, count in sorted(found.items())}
                     for layout, found in self.found_by_layout.items()}
        return {"articles": self.articles, "unparsed": self.unparsed, "fields": self.shares(),
                "layouts": dict(self.layouts), "fields_by_layout": by_layout, "markers": dict(self.markers)}
