"""Rebuild `articles` and `revisions` from the stored captures with the current parser, offline."""

from __future__ import annotations

import gzip
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from . import boilerplate
from .archive import Archive
from .parsing import FIELDS, PARSER_VERSION, explain


@dataclass
class Report:
    articles: int = 0
    changed: dict[int, list[str]] = field(default_factory=dict)  # article_id -> fields that changed
    added: list[int] = field(default_factory=list)  # pages that now parse as articles
    removed: list[int] = field(default_factory=list)  # articles whose pages no longer parse
    # Articles are (edition, article_id); the lists above name Kazakh ones "kk/<id>".

    def by_field(self) -> Counter:
        return Counter(name for names in self.changed.values() for name in names)


def reextract(archive: Archive, layouts: str = "all") -> Report:
    """Re-extract every article; the furniture is learned afresh from the captures first
    (with the default CARAVAN_FURNITURE_* values) so that an archive made by an older version learns it too."""
    report = Report()
    boilerplate.learn(archive)
    furniture = boilerplate.load(archive)
    for key, captures in archive.captures_by_article():
        article_id = key[1] if key[0] == "ru" else f"{key[0]}/{key[1]}"
        versions = []
        for capture in captures:
            fetched = datetime.fromisoformat(capture["fetched_at"])
            result = explain(gzip.decompress(capture["body"]), capture["url"], fetched, capture["content_type"],
                             boilerplate.for_url(furniture, capture["url"]), layouts)
            if result.article is not None:
                versions.append((capture, result.article.to_dict(), result.layout))
        before = archive.article_record(key)
        archive.rebuild_article(key, versions, PARSER_VERSION)
        after = versions[-1][1] if versions else None
        report.articles += after is not None
        if before is None and after is not None:
            report.added.append(article_id)
        elif before is not None and after is None:
            report.removed.append(article_id)
        elif before is not None and after is not None:
            changed = [name for name in FIELDS if before[name] != after[name]]
            if changed:
                report.changed[article_id] = changed
    return report
