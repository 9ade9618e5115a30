"""What a parse worker loads on its first page, loaded once in the fork server the workers are
forked from (workers.PRELOAD imports this module): pymorphy3's dictionaries and what trafilatura
and lxml set up on first use. Each worker would otherwise load them again (a worker's first two
pages took 250 ms instead of 150)."""

from .workers import parse_page

URL = "https://www.caravan.kz/news/novye-pravila-parkovki-777001/"
PARAGRAPH = ("Жители Алматы обсуждают новые правила парковки, цены на проезд в автобусах и ремонт дорог "
             "в центре города этим летом.")
PAGE = ("<html lang='ru'><head><meta charset='utf-8'><title>Новые правила парковки в Алматы</title>"
        f"<link rel='canonical' href='{URL}'></head><body>"
        "<h1>Новые правила парковки в Алматы</h1><time datetime='2026-01-01T10:00:00+05:00'>1 января</time>"
        f"<div class='text'>{''.join(f'<p>{PARAGRAPH}</p>' for _ in range(6))}</div></body></html>")

# (an article, so that its lemmas are made too: a page that is not one would warm up less)
WARMED = parse_page(PAGE.encode(), URL, "2026-01-01T10:00:00+00:00", "text/html; charset=utf-8", lines=True)
