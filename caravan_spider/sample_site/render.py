"""HTML, XML and text of the sample site's pages, in the site's two layout generations.

Markup follows what is known of the real site (../shared/reference/caravan-site.md): the 2026
page with its top bar (rates, weather, today's date, six «A» buttons), the «В тренде:» block,
the 2015-era `full-article__text` markup split by <br>, AMP copies, listings, tag pages.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from ..almaty import ALMATY, iso
from .model import SampleArticle, SampleSite

MONTHS_GENITIVE = ["Января", "Февраля", "Марта", "Апреля", "Мая", "Июня", "Июля", "Августа", "Сентября",
                   "Октября", "Ноября", "Декабря"]
TRENDING = [
    ("Пенсия 2026", "Расходы на пенсии и пособия в Казахстане в 2026 году составят почти 6,8 трлн тенге"),
    ("Новый год 2026", "Правило двух стаканов: как избежать похмелья"),
    ("Налоговый кодекс РК 2026", "Смена налогового режима в приложении Kaspi.kz"),
    ("Алматы", "Где в Алматы отключат свет в ближайшие дни"),
    ("Землетрясение", "В 46 км от Алматы произошло землетрясение"),
]
COPYRIGHT = "© 2006–2026 «Караван». Все права защищены. При использовании материалов ссылка на caravan.kz обязательна."


def _visible_date(value: datetime) -> str:
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year}"


def _top_bar(today: datetime) -> str:
    buttons = "".join('<li><button class="FontSize__btn" type="button">A</button></li>' for _ in range(6))
    return f"""<div class="TopBar">
  <ul class="TopBar__rates"><li class="TopBar__rate TopBar__rate--usd">$ 507.05</li><li class="TopBar__rate TopBar__rate--eur">594.82</li></ul>
  <div class="TopBar__weather"><span class="TopBar__temp">-7 °C</span><span class="TopBar__city">Алматы</span></div>
  <div class="TopBar__today"><span>{today.year} Год</span><span>{today.day} {MONTHS_GENITIVE[today.month - 1]}</span></div>
  <ul class="TopBar__font">{buttons}</ul>
</div>"""


def _menu() -> str:
    return """<nav class="MainMenu"><a href="/">Главная</a> <a href="/news/">Новости</a> <a href="/sport/">Спорт</a>
<a href="/info/about/">О нас</a> <a href="/search/?q=">Поиск</a></nav>"""


def _block_html(kind: str, content) -> str:
    if kind == "p":
        return f"<p>{escape(content)}</p>"
    if kind == "h2":
        return f"<h2>{escape(content)}</h2>"
    if kind == "ul":
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in content) + "</ul>"
    if kind == "quote":
        return f"<blockquote><p>{escape(content)}</p></blockquote>"
    raise ValueError(kind)


def _read_also(other: SampleArticle, style: int) -> str:
    # Two ways the site links related stories inside a body: a styled block and a plain <p>.
    link = f'<a href="https://caravan.kz{other.path}?utm_source=read_also">{escape(other.title)}</a>'
    if style % 2:
        return f'<p>Читайте также: {link}</p>'
    return f'<div class="ReadAlso"><span class="ReadAlso__label">Смотрите также:</span> {link}</div>'


AD = """<div class="AdBlock"><span class="AdBlock__label">Реклама</span><div id="adfox_1657" class="adfox">
<a href="https://ads.example/click">Кредит наличными под 0%! Оформите онлайн</a></div>
<script>window.yaContextCb.push(()=>{Ya.adfoxCode.create({ownerId: 1657})})</script></div>"""

EMBED = """<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/Cx1/">
<p>Посмотреть эту публикацию в Instagram</p><p>Публикация от akimat_almaty</p></blockquote>
<script async src="//www.instagram.com/embed.js"></script>"""


def article_body_today(article: SampleArticle) -> str:
    parts = []
    for index, (kind, content) in enumerate(article.blocks):
        parts.append(_block_html(kind, content))
        for at, other in article.read_also:
            if at == index:
                parts.append(_read_also(other, article.article_id))
        if index == 1 and article.has_ad:
            parts.append(AD)
        if index == 0 and article.has_embed:
            parts.append(EMBED)
        if index == 0 and article.has_figure:
            parts.append(
                f'<figure class="wp-block-image"><img src="/wp-content/uploads/images/{article.image_id + 1}.jpg" alt="">'
                f"<figcaption>Фото: {escape(article.image_credit or 'Caravan.kz')}</figcaption></figure>"
            )
    if article.article_id % 2:
        parts.append('<p class="Subscribe">Подписывайтесь на наш Telegram-канал, чтобы первыми узнавать новости.</p>')
    return "\n".join(parts)


def _json_ld(article: SampleArticle) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.lead,
        "datePublished": iso(article.published),
        "dateModified": iso(article.modified),
        "mainEntityOfPage": article.url,
        "image": {"@type": "ImageObject", "url": article.image_url},
        "inLanguage": "ru",
        "publisher": {"@type": "Organization", "name": "Караван"},
    }
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    else:
        data["author"] = {"@type": "Organization", "name": "Караван"}
    if article.category:
        data["articleSection"] = article.category
    if article.tags:
        data["keywords"] = ", ".join(name for name, _ in article.tags)
    return json.dumps(data, ensure_ascii=False)


def article_js_app(article: SampleArticle) -> str:
    """A redesign gone client-side: the text arrives as JSON for a script to render."""
    data = json.dumps({"title": article.title, "blocks": article.blocks}, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Караван</title>
<link rel="canonical" href="{article.url}"></head>
<body><div id="app"><div class="Loader">Загрузка…</div></div>
<script>window.__ARTICLE__ = {data};</script><script src="/static/app.js"></script></body></html>"""


def article_today(article: SampleArticle, today: datetime) -> str:
    title = escape(article.title)
    meta = ""
    if article.with_metadata:
        tags_meta = "".join(f'<meta property="article:tag" content="{escape(n)}">' for n, _ in article.tags)
        section_meta = f'<meta property="article:section" content="{escape(article.category)}">' if article.category else ""
        meta = f"""<meta name="description" content="{escape(article.lead)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Караван">
<meta property="og:title" content="{title} - Караван">
<meta property="og:url" content="{article.url}">
<meta property="og:image" content="{article.image_url}">
<meta property="article:published_time" content="{iso(article.published)}">
<meta property="article:modified_time" content="{iso(article.modified)}">
{section_meta}{tags_meta}
<script type="application/ld+json">{_json_ld(article)}</script>"""
    crumbs = (
        f'<div class="Breadcrumbs"><a href="/">Главная</a> <a href="/news/">Новости</a> '
        f'<a class="Breadcrumbs__category" href="/category/{article.article_id % 7}/">{escape(article.category)}</a></div>'
        if article.category else ""
    )
    authors = (
        '<div class="FullArticle__author">Автор: ' + ", ".join(escape(a) for a in article.authors) + "</div>"
        if article.authors else ""
    )
    credit = f'<div class="FullArticle__credit">{escape(article.image_credit)}</div>' if article.image_credit else ""
    tags = (
        '<div class="FullArticle__tags">'
        + "".join(f'<a class="FullArticle__tag" href="/tag/{slug}/">{escape(name)}</a>' for name, slug in article.tags)
        + "</div>"
        if article.tags else ""
    )
    trending = "".join(
        f'<div class="Trending__item"><a class="Trending__tag" href="/tag/t{k}/">{escape(tag)}</a>'
        f'<a class="Trending__title" href="/news/trend-{900000 + k}/">{escape(head)}</a></div>'
        for k, (tag, head) in enumerate(TRENDING)
    )
    return f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{title} - Караван</title>
<link rel="canonical" href="{article.url}">
<link rel="amphtml" href="https://caravan.kz{article.amp_path}">
<link rel="shortlink" href="{article.origin}/?p={article.article_id}">
{meta}
</head>
<body class="post-template-default single single-post postid-{article.article_id}">
<header class="Header">
{_top_bar(today)}
{_menu()}
</header>
<main class="Main">
<article class="FullArticle">
{crumbs}
<h1 class="FullArticle__title">{title}</h1>
<div class="FullArticle__cover"><img src="{article.image_url}" alt="{title}"><p class="FullArticle__cover-title">{title}</p></div>
<div class="FullArticle__lead"><p>{escape(article.lead)}</p></div>
<ul class="FullArticle__meta">
<li class="FullArticle__date"><time datetime="{iso(article.published)}">{_visible_date(article.published)}</time></li>
<li class="FullArticle__views">{article.views}</li>
</ul>
{authors}
{credit}
<div class="FullArticle__text">
{article_body_today(article)}
</div>
{tags}
<div class="Share"><span>Поделиться:</span> <a href="https://t.me/share/url?url={article.url}">Telegram</a>
<a href="https://wa.me/?text={article.url}">WhatsApp</a> <a href="https://facebook.com/sharer.php?u={article.url}">Facebook</a></div>
</article>
<section class="Trending"><h3 class="Trending__title-block">В тренде:</h3>{trending}</section>
</main>
<footer class="Footer"><p>{COPYRIGHT}</p></footer>
</body>
</html>"""


def article_legacy(article: SampleArticle) -> str:
    """2015-era markup: text in div.full-article__text, split by <br>, a comments block."""
    title = escape(article.title)
    lines = [f'<img src="/wp-content/uploads/{article.published:%Y/%m}/{article.image_id}.jpg" alt="">']
    if article.image_credit:
        lines.append(f"Фото: {escape(article.image_credit)}")
    for index, (kind, content) in enumerate(article.blocks):
        if kind == "h2":
            lines.append(f"<b>{escape(content)}</b>")
        elif kind == "ul":
            lines.extend(f"- {escape(item)}" for item in content)
        else:
            lines.append(escape(content))
        for at, other in article.read_also:
            if at == index:
                lines.append(f'Читайте также: <a href="http://caravan.kz{other.path}">{escape(other.title)}</a>')
    text = "<br><br>\n".join(lines) if article.article_id % 2 else "<br>\n".join(lines)
    if article.legacy_date_style == "day":
        # The site printed the day in <time> and wrote month and year with a script.
        date_html = (
            f'<time class="full-breadcrumb__time">{article.published.day}</time>'
            f"<script>var pubMonth = '{MONTHS_GENITIVE[article.published.month - 1].lower()}', "
            f"pubYear = '{article.published.year}'; document.write(' ' + pubMonth + ' ' + pubYear);</script>"
        )
    else:
        date_html = f'<time class="full-breadcrumb__time">{article.published:%d.%m.%Y, %H:%M}</time>'
    tags = ", ".join(f'<a href="/tag/{slug}/">{escape(name)}</a>' for name, slug in article.tags)
    charset = article.encoding
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{title} - Караван</title>
<link rel="canonical" href="http://www.caravan.kz{article.path}" />
<meta name="keywords" content="новости Казахстана, {escape(article.category or '')}" />
</head>
<body>
<div id="header"><div class="currency">USD 185.50 | EUR 205.10 | RUB 3.05</div>
<div class="weather">Алматы +12</div><div class="logo"><a href="/">Караван</a></div></div>
<div id="content">
<div class="full-breadcrumb"><a href="/">Главная</a> / <a href="/news/">{escape(article.category or 'Новости')}</a> {date_html}</div>
<div class="full-article">
<h1 class="full-article__title">{title}</h1>
<div class="full-article__lead">{escape(article.lead)}</div>
<div class="full-article__text clear">{text}</div>
<div class="full-article__tags">Теги: {tags}</div>
<div class="full-article__views">Просмотров: {article.views}</div>
<div class="full-article__share">Поделиться: <a href="http://vk.com/share.php">ВКонтакте</a> <a href="http://twitter.com/share">Twitter</a></div>
</div>
<div id="comments" class="comments"><h3>Комментарии (2)</h3>
<div class="comment"><span class="comment__author">Гость</span><p class="comment__text">Наконец-то! Давно пора было этим заняться.</p></div>
<div class="comment"><span class="comment__author">Асель</span><p class="comment__text">А у нас во дворе до сих пор ничего не сделали.</p></div>
</div>
</div>
<div id="footer">© 2006-2015 Газета «Караван». Перепечатка материалов без разрешения редакции запрещена.</div>
</body>
</html>"""


def article_amp(article: SampleArticle) -> str:
    title = escape(article.title)
    return f"""<!doctype html>
<html amp lang="ru">
<head><meta charset="utf-8"><title>{title} - Караван</title>
<link rel="canonical" href="{article.url}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<script type="application/ld+json">{_json_ld(article)}</script>
<style amp-custom>body{{font-family:sans-serif}}</style>
</head>
<body>
<header class="amp-header"><a href="{article.origin}/">Караван</a></header>
<article class="amp-article">
<h1 class="amp-article__title">{title}</h1>
<div class="amp-article__meta"><time datetime="{iso(article.published)}">{_visible_date(article.published)}</time>
<span class="amp-article__views">{article.views}</span></div>
<amp-img src="{article.image_url}" width="800" height="450" layout="responsive"></amp-img>
<div class="amp-article__credit">{escape(article.image_credit or '')}</div>
<div class="amp-article__lead">{escape(article.lead)}</div>
<div class="amp-article__content">{"".join(_block_html(k, c) for k, c in article.blocks)}</div>
</article>
<footer class="amp-footer">{COPYRIGHT}</footer>
</body></html>"""


def plain_page(title: str, content: str, today: datetime, body_class: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{escape(title)} - Караван</title></head>
<body class="{body_class}"><header class="Header">{_top_bar(today)}{_menu()}</header>
<main class="Main">{content}</main><footer class="Footer"><p>{COPYRIGHT}</p></footer></body></html>"""


def _card(article: SampleArticle, today: datetime, link_style: int) -> str:
    published = article.published
    if published.date() == today.date():
        when = f"Сегодня, {published:%H:%M}"
    elif (today.date() - published.date()).days == 1:
        when = f"Вчера, {published:%H:%M}"
    else:
        when = f"{published:%d.%m.%Y}"
    # Links to the same article come in the forms the real site mixes.
    href = [article.path, f"https://caravan.kz{article.path.rstrip('/')}", article.path + "?utm_source=main",
            f"https://caravan.kz{article.amp_path}"][link_style % 4]
    return (f'<div class="BlockNewsCardImage"><a href="{href}"><img src="{article.image_url}" alt="">'
            f'<span class="BlockNewsCardImage__title">{escape(article.title)}</span></a>'
            f'<span class="BlockNewsCardImage__date">{when}</span></div>')


PER_PAGE = 20


def listing(site: SampleSite, page: int, today: datetime) -> str | None:
    if site.edition == "kk":
        return kazakh_listing(site, page, today)
    articles = site.newest_first()
    chunk = articles[(page - 1) * PER_PAGE: page * PER_PAGE]
    if not chunk:
        return None
    cards = "\n".join(_card(a, today, i + page) for i, a in enumerate(chunk))
    nav = f'<a class="Pagination__next" href="/news/page/{page + 1}/">Следующая</a>' if page * PER_PAGE < len(articles) else ""
    return plain_page("Новости" + (f" - страница {page}" if page > 1 else ""),
                 f'<h1>Новости</h1><div class="NewsList">{cards}</div><div class="Pagination">{nav}</div>',
                 today, "archive category")


def tag_page(site: SampleSite, slug: str, today: datetime) -> str | None:
    name = site.tag_slugs().get(slug)
    if name is None:
        return None
    tagged = [a for a in site.newest_first() if any(s == slug for _, s in a.tags)]
    cards = "\n".join(_card(a, today, 0) for a in tagged)
    return plain_page(name, f'<h1 class="TagTitle">{escape(name)}</h1><div class="NewsList">{cards}</div>', today,
                 f"archive tag tag-{slug}")


def info_page(slug: str, today: datetime) -> str | None:
    pages = {
        "about": ("О газете", "Газета «Караван» выходит с 1991 года. Редакция находится в Алматы."),
        "advertising": ("Реклама на сайте", "По вопросам размещения рекламы пишите на адрес отдела продаж."),
    }
    if slug not in pages:
        return None
    title, text = pages[slug]
    return plain_page(title, f'<article class="Page"><h1>{title}</h1><p>{text}</p></article>', today, "page")


def search_page(query: str, today: datetime) -> str:
    return plain_page("Поиск", f"<h1>Результаты поиска: {escape(query)}</h1>", today, "search")


def not_found_page(today: datetime) -> str:
    # The site answers some removed articles with status 200 and this page.
    return plain_page("Страница не найдена",
                 '<div class="NotFound"><h1>Страница не найдена</h1><p>Возможно, она была удалена или перемещена.</p>'
                 '<a href="/">Вернуться на главную</a></div>', today, "error404")


def robots(base: str, sitemaps: bool = True) -> str:
    sitemap = f"\nSitemap: {base}/sitemap_index.xml\n" if sitemaps else ""
    return f"""User-agent: *
Disallow: /wp-admin/
Disallow: /search/
Disallow: /*?s=
Allow: /wp-admin/admin-ajax.php
{sitemap}"""


def sitemap_index(site: SampleSite, base: str) -> str:
    names = [f"post-sitemap{'' if i == 0 else i + 1}.xml" for i in range(_post_sitemap_count(site))]
    names += ["page-sitemap.xml", "post_tag-sitemap.xml"]
    newest = iso(max(a.modified for a in site.listed()))
    entries = "".join(f"<sitemap><loc>{base}/{n}</loc><lastmod>{newest}</lastmod></sitemap>" for n in names)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def _post_sitemap_count(site: SampleSite) -> int:
    return max(1, -(-len(site.articles) // site.sitemap_size))


def post_sitemap(site: SampleSite, base: str, number: int) -> str | None:
    # Yoast lists posts oldest first; the stale entry of a removed post stays in the first one.
    posts = sorted(site.listed(), key=lambda a: a.published)
    if number < 1 or number > _post_sitemap_count(site):
        return None
    chunk = posts[(number - 1) * site.sitemap_size: number * site.sitemap_size]
    urls = [(f"{base}{a.path}", iso(a.modified)) for a in chunk]
    if number == 1 and site.edition == "ru":
        urls.append((f"{base}/news/udalennaya-novost-{845001}/", "2025-06-01T10:00:00+05:00"))
    entries = "".join(f"<url><loc>{xml_escape(u)}</loc><lastmod>{m}</lastmod></url>" for u, m in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def page_sitemap(base: str) -> str:
    entries = "".join(f"<url><loc>{base}/info/{s}/</loc></url>" for s in ("about", "advertising"))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def tag_sitemap(site: SampleSite, base: str) -> str:
    entries = "".join(f"<url><loc>{base}/tag/{s}/</loc></url>" for s in sorted(site.tag_slugs()))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def feed(site: SampleSite, base: str) -> str:
    items = "".join(
        f"<item><title>{xml_escape(a.title)}</title><link>{base}{a.path}?utm_source=rss&amp;utm_medium=rss</link>"
        f"<guid isPermaLink=\"false\">{a.origin}/?p={a.article_id}</guid>"
        f"<pubDate>{a.published.astimezone(ALMATY):%a, %d %b %Y %H:%M:%S %z}</pubDate></item>"
        for a in site.newest_first()[:20]
    )
    title, description = ("Керуен", "Қазақстан жаңалықтары") if site.edition == "kk" else ("Караван", "Новости Казахстана")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>{description}</description>{items}</channel></rss>")


# --- The Kazakh edition (kaz.caravan.kz, «Керуен»): its own markup, Kazakh dates and boilerplate ---
KK_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
             "қараша", "желтоқсан"]
KK_COPYRIGHT = "© 2026 «Керуен». Барлық құқықтар қорғалған."


def _kk_date(value: datetime) -> str:
    return f"{value.day} {KK_MONTHS[value.month - 1]} {value.year}, {value:%H:%M}"


def _kk_views(views: int) -> str:
    return f"{views:,}".replace(",", " ")  # 1 520, as the edition prints it


def _kk_topbar(today: datetime) -> str:
    return (f'<div class="kz-topbar"><span>USD 507.05</span><span>EUR 594.82</span><span>Алматы -7 °C</span>'
            f"<span>{today.day} {KK_MONTHS[today.month - 1]} {today.year}</span></div>")


def _kk_block(kind: str, content) -> str:
    if kind == "h2":
        return f"<h2>{escape(content)}</h2>"
    return f"<p>{escape(content)}</p>"


def article_kazakh(article: SampleArticle, today: datetime, popular: list[SampleArticle]) -> str:
    title = escape(article.title)
    blocks = [_kk_block(k, c) for k, c in article.blocks]
    if popular:
        other = popular[0]
        blocks.insert(1, f'<div class="kz-also">Сондай-ақ оқыңыз: <a href="{other.path}">{escape(other.title)}</a></div>')
    tags = "".join(f'<a href="/tag/{slug}/">{escape(name)}</a>' for name, slug in article.tags)
    links = "".join(f'<a href="{a.path}">{escape(a.title)}</a>' for a in popular[:3])
    return f"""<!DOCTYPE html>
<html lang="kk">
<head>
<meta charset="utf-8">
<title>{title} - Керуен</title>
<link rel="canonical" href="{article.url}">
<meta property="og:site_name" content="Керуен">
<meta property="og:title" content="{title}">
</head>
<body>
{_kk_topbar(today)}
<div class="kz-page">
<article class="kz-article">
<a class="kz-article__rubric" href="/rubric/{article.article_id % 5}/">{escape(article.category)}</a>
<h1 class="kz-article__title">{title}</h1>
<div class="kz-article__lead">{escape(article.lead)}</div>
<div class="kz-article__info"><span class="kz-article__date">{_kk_date(article.published)}</span> <span class="kz-article__views">{_kk_views(article.views)}</span></div>
<div class="kz-article__photo"><img src="/wp-content/uploads/{article.published:%Y/%m}/{article.image_id}.jpg" alt=""></div>
<div class="kz-article__photo-credit">Сурет: {escape(article.image_credit)}</div>
<div class="kz-article__body">
{chr(10).join(blocks)}
</div>
<div class="kz-article__tags">{tags}</div>
<div class="kz-share">Бөлісу: <a href="https://t.me/share">Telegram</a> <a href="https://wa.me/">WhatsApp</a></div>
</article>
<section class="kz-popular"><h3>Көп оқылған</h3>{links}</section>
</div>
<footer>{KK_COPYRIGHT}</footer>
</body>
</html>"""


def kazakh_page(title: str, content: str, today: datetime, body_class: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="kk"><head><meta charset="utf-8"><title>{escape(title)} - Керуен</title>
<meta property="og:site_name" content="Керуен"></head>
<body class="{body_class}">{_kk_topbar(today)}<div class="kz-page">{content}</div><footer>{KK_COPYRIGHT}</footer></body></html>"""


def kazakh_listing(site: SampleSite, page: int, today: datetime) -> str | None:
    articles = site.newest_first()
    chunk = articles[(page - 1) * PER_PAGE: page * PER_PAGE]
    if not chunk:
        return None
    cards = "\n".join(f'<div class="kz-card"><a href="{a.path}">{escape(a.title)}</a>'
                      f'<span class="kz-card__date">{_kk_date(a.published)}</span></div>' for a in chunk)
    nav = f'<a class="kz-pagination__next" href="/art/page/{page + 1}/">Келесі</a>' if page * PER_PAGE < len(articles) else ""
    return kazakh_page("Жаңалықтар", f'<h1>Жаңалықтар</h1><div class="kz-list">{cards}</div>{nav}', today,
                       "archive category")


def kazakh_not_found_page(today: datetime) -> str:
    return kazakh_page("Бет табылмады", '<div class="kz-notfound"><h1>Бет табылмады</h1>'
                       '<p>Бет жойылған немесе көшірілген болуы мүмкін.</p><a href="/">Басты бетке оралу</a></div>',
                       today, "error404")
