"""A local mirror of the sample site with pages as heavy as the real site's (~81 KB): the same
articles, plus the template a real WordPress news page carries (inline CSS and scripts, a mega
menu, a footer) and a per-page nonce. Served from its own process, as a mirror would be.

    python benchmarks/mirror.py --articles 2000     # prints the base URL, serves until killed
    python benchmarks/mirror.py --generic           # the same pages in markup no known layout matches
"""

from __future__ import annotations

import argparse
import contextlib
import random
import subprocess
import sys

from caravan_spider.sample_site import render

SECTIONS = ["Новости", "Политика", "Экономика", "Общество", "Происшествия", "Культура", "Спорт", "В мире",
            "Здоровье", "Образование", "Технологии", "Авто", "Недвижимость", "Афиша", "Мнения", "Спецпроекты"]


def _template() -> tuple[str, str, str]:
    """(head, top of body, end of body): the same on every page, like a site's theme."""
    rng = random.Random(81)
    css = "\n".join(
        f".{block}__{element}--{modifier}{{margin:{rng.randint(0, 24)}px {rng.randint(0, 24)}px;"
        f"padding:{rng.randint(0, 16)}px;color:#{rng.randrange(16 ** 6):06x};font-size:{rng.randint(11, 22)}px;"
        f"line-height:{rng.randint(12, 18) / 10};display:{rng.choice(['flex', 'block', 'grid', 'none'])}}}"
        for block in ("Header", "MainMenu", "Card", "Article", "Footer", "Trending", "Banner", "Widget")
        for element in ("item", "link", "title", "image", "meta", "box", "text", "icon", "wrap", "list")
        for modifier in ("active", "mobile", "wide", "dark")
    )
    config = ",".join(f'"slot{n}":{{"id":"R-A-{rng.randint(100000, 999999)}-{n}","sizes":[[300,250],[728,90]],'
                      f'"lazy":{str(n % 2 == 0).lower()},"refresh":{rng.randint(20, 90)}}}' for n in range(120))
    scripts = (
        f"<script>window.__ADS__={{{config}}};</script>"
        + "".join(f"<script>(function(w,d,n){{w[n]=w[n]||[];w[n].push({{id:{rng.randint(10 ** 7, 10 ** 8)},"
                  f"clickmap:true,trackLinks:true,accurateTrackBounce:true,webvisor:{str(k % 2 == 0).lower()}}});"
                  f"var s=d.createElement('script');s.async=true;s.src='https://mc.example/tag{k}.js';"
                  f"d.head.appendChild(s)}})(window,document,'counter{k}');</script>" for k in range(46))
    )
    menu = "<nav class=\"MegaMenu\"><ul>" + "".join(
        f"<li class=\"MegaMenu__item\"><a class=\"MegaMenu__link\" href=\"/{render_slug(section)}/{k}/\">"
        f"{section}: {sub}</a></li>"
        for section in SECTIONS
        for k, sub in enumerate(["Главное", "Регионы", "Интервью", "Фото", "Видео", "Архив", "Колонки", "Тесты"])
    ) + "</ul></nav>"
    footer = "<footer class=\"SiteMap\"><div class=\"FooterLinks\">" + "".join(
        f"<a href=\"/info/{k}/\">{section} — правила, реклама, контакты редакции</a>"
        for k, section in enumerate(SECTIONS)
    ) + "</div></footer>"
    return f"<style>{css}</style>{scripts}", menu, footer


def render_slug(section: str) -> str:
    from caravan_spider.text import slugify

    return slugify(section)


# The class names our known layouts look for, renamed so none of them matches (a redesign, another
# site): the crawl then reads every article through the generic path.
UNKNOWN_MARKUP = (("FullArticle", "StoryView"), ("full-article", "story-view"), ("full-breadcrumb", "story-crumbs"))


def heavy(page_renderer, generic: bool = False):
    head, top, bottom = _template()

    def render_page(article, *args):
        html = page_renderer(article, *args)
        for known, unknown in UNKNOWN_MARKUP if generic else ():
            html = html.replace(known, unknown)
        nonce = f"<meta name=\"csrf-token\" content=\"{random.Random(article.article_id).randrange(16 ** 32):032x}\">"
        html = html.replace("</head>", f"{nonce}{head}</head>", 1)
        body_at = html.index(">", html.index("<body")) + 1
        html = html[:body_at] + top + html[body_at:]
        return html.replace("</body>", f"{bottom}</body>", 1)

    return render_page


@contextlib.contextmanager
def serving_mirror(articles: int, generic: bool = False):
    """Start the heavy mirror in its own process; yields its base URL."""
    process = subprocess.Popen([sys.executable, __file__, "--articles", str(articles)] + ["--generic"] * generic,
                               stdout=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--generic", action="store_true", help="rename the markup our known layouts match")
    args = parser.parse_args()
    from caravan_spider.sample_site.model import SampleSite
    from caravan_spider.sample_site.server import make_server

    # This process serves the mirror only: its render functions are the heavy ones.
    render.article_today = heavy(render.article_today, args.generic)
    render.article_legacy = heavy(render.article_legacy, args.generic)
    server = make_server(SampleSite(articles=args.articles), 0)
    # Headers and body leave in two writes; without TCP_NODELAY a client that waits for each
    # response (trafilatura's CLI fetches one page of a host at a time) stalls 40 ms on delayed ACKs.
    server.RequestHandlerClass.disable_nagle_algorithm = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
