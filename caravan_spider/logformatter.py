"""Scrapy's log lines about items, without the items: an item holds a whole page's bytes,
and a log must never hold page bytes. Items are named by article id and URL instead."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import logformatter


def describe(item) -> str:
    try:
        adapter = ItemAdapter(item)
    except TypeError:
        return type(item).__name__
    return f"article {adapter.get('article_id')} ({adapter.get('url')})"


class LogFormatter(logformatter.LogFormatter):
    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        result["args"]["item"] = describe(item)
        return result

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result

    def item_error(self, item, exception, response, spider):
        result = super().item_error(item, exception, response, spider)
        result["args"]["item"] = describe(item)
        return result
