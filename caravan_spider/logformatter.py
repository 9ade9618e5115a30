"""Log lines that never hold page bytes: Scrapy's defaults print the whole item when it is
scraped, dropped or fails in a pipeline, and our items carry the page (a 10 MB page, a 10 MB line)."""

from __future__ import annotations

from scrapy.logformatter import LogFormatter


def _name(item) -> str:
    url = getattr(item, "url", None)
    return f"{type(item).__name__} {url}" if url else type(item).__name__


class NoPageBytes(LogFormatter):
    def scraped(self, item, response, spider):
        entry = super().scraped(item, response, spider)
        entry["msg"] = "Scraped %(item)s"
        entry["args"] = {"item": _name(item)}
        return entry

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def item_error(self, item, exception, response, spider):
        entry = super().item_error(item, exception, response, spider)
        entry["msg"] = "Error processing %(item)s"
        entry["args"] = {"item": _name(item)}
        return entry
