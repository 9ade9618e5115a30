"""`scrapy crawl caravan` exits as `caravan-archive crawl` does: with its run's outcome.

Scrapy's own command exits 0 whatever the run did (1 only when the crawler cannot be built); a
project's COMMANDS_MODULE may replace it, and a command says its exit status in `self.exitcode`
(scrapy.cmdline exits with it). Scrapyd runs spiders through the same command.
"""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl

from ..crawlrun import RunStart, exit_status


class Command(ScrapyCrawl):
    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)  # its usage errors
        crawler = self._create_crawler(args[0])
        start = RunStart().watch(crawler) if crawler.spidercls.name == "caravan" else None
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif start is not None:
            self.exitcode = exit_status(start, crawler.settings.get("CARAVAN_DB"))
