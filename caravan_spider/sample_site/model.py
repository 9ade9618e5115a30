"""The bundled sample site's content: a deterministic imitation of www.caravan.kz.

Everything is derived from (number of articles, anchor time), so a test can build the same
site twice and know exactly which articles it holds and what a reader sees on each page.
The site can also change while it is served (an edit, a new article, more views) so that
incremental crawls can be tested against it.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources

from ..almaty import ALMATY, iso, now
from ..text import slugify, word_count
from ..site import CARAVAN
from ..urls import article_ref

SEED_ID = 845713
NOT_FOUND_ID = 845001  # listed in the sitemap, answers 200 with «Страница не найдена»

CATEGORIES = ["Общество", "Политика", "Экономика", "Происшествия", "Культура", "В мире"]
TAGS = [
    ("Алматы", "almaty"), ("Астана", "astana"), ("Пенсия 2026", "pensiya-2026"), ("Налоги", "nalogi"),
    ("Медицина", "medicina"), ("Туризм", "turizm"), ("Образование", "obrazovanie"), ("Погода", "pogoda"),
    ("ДТП", "dtp"), ("Экономика", "ekonomika"), ("Культура", "kultura"), ("Футбол", "futbol"),
]
AUTHORS = ["Айгерим Нурланова", "Дмитрий Ким", "Алия Серикова", "Марат Жумабаев", "Ольга Ли"]
CITIES = ["Алматы", "Астане", "Шымкенте", "Караганде", "Актобе", "Павлодаре", "Таразе", "Усть-Каменогорске"]
CREDITS = ["пресс-служба акимата", "Министерство здравоохранения РК", "Caravan.kz", "Depositphotos", "МВД РК"]

HEADLINES = [
    "В {city} открыли новую школу на {n} мест",
    "Тарифы на коммунальные услуги пересмотрят в {city}",
    "В {city} отремонтируют дороги на {n} улицах",
    "Жители {city_gen} пожаловались на качество воды",
    "В {city} задержали подозреваемых в мошенничестве с кредитами",
    "Новые автобусы вышли на маршруты в {city}",
    "В {city} начали строить детскую больницу",
    "Цены на продукты в {city}: что подорожало за месяц",
    "Студентам из {city_gen} выплатят повышенную стипендию",
    "В {city} ограничат движение на выходных",
    "Аграрии {city_gen} собрали рекордный урожай пшеницы",
    "В {city} пройдет ярмарка местных производителей",
]
SENTENCES = [
    "Об этом сообщили в пресс-службе местного акимата.",
    "По словам представителей ведомства, работы планируется завершить до конца года.",
    "На реализацию проекта из местного бюджета выделено {n} миллионов тенге.",
    "Жители района давно просили решить эту проблему.",
    "В ведомстве подчеркнули, что ситуация находится на особом контроле.",
    "Ранее аналогичные меры уже приняли в нескольких регионах страны.",
    "Эксперты считают, что это позволит снизить нагрузку на городскую инфраструктуру.",
    "Всего в программе участвуют {n} предприятий и организаций.",
    "Горожан просят заранее планировать свои поездки.",
    "Подробности можно узнать на официальном сайте ведомства.",
    "В прошлом году показатель составил {n} процентов.",
    "Проверка продолжается, по ее итогам будет принято решение.",
    "Специалисты отмечают положительную динамику за последние месяцы.",
    "Кроме того, планируется привлечь частных инвесторов.",
    "Для этого в городе создадут дополнительный штаб.",
    "Мнения местных жителей о нововведении разделились.",
]
SUBHEADINGS = ["Что известно", "Мнение экспертов", "Что дальше", "Как это будет работать", "Цифры и факты"]

# Articles with fixed text that the search and parser tests rely on.
SPECIALS = [
    {
        "title": "В Алматы пройдет международный фестиваль уличной музыки",
        "lead": "Музыканты из двенадцати стран выступят на площадях южной столицы.",
        "blocks": [
            ("p", "Фестиваль продлится три дня и станет крупнейшим в истории города."),
            ("p", "Организаторы фестиваля обещают бесплатный вход на все концерты."),
            ("h2", "Программа"),
            ("ul", ["открытие на площади Республики", "ночные концерты на Арбате", "мастер-классы для детей"]),
            ("quote", "Мы хотим, чтобы музыка звучала на каждой улице, — сказал директор фестиваля."),
        ],
        "category": "Культура", "tags": [("Алматы", "almaty"), ("Культура", "kultura")],
    },
    {
        "title": "Казахстанский офицер стал миротворцем года по версии ООН",
        "lead": "Награду вручили в Нью-Йорке на церемонии в штаб-квартире организации.",
        "blocks": [
            ("p", "Майор вооруженных сил Казахстана признан лучшим миротворцем года."),
            ("p", "Он служил в составе миссии на Ближнем Востоке и руководил группой наблюдателей."),
            ("p", "В Министерстве обороны отметили, что это первая такая награда для страны."),
        ],
        "category": "Политика", "tags": [("Астана", "astana")],
    },
]


@dataclass
class SampleArticle:
    article_id: int
    section: str
    slug: str
    layout: str  # "today" (2026 markup) or "legacy" (2015-era markup)
    title: str
    lead: str
    blocks: list  # (kind, content): "p", "h2", "ul" (list of items), "quote"
    published: datetime
    modified: datetime
    category: str | None
    tags: list  # (name, slug)
    authors: list
    image_id: int
    image_credit: str | None
    views: int
    read_also: list = field(default_factory=list)  # (block index, article) inline links
    has_ad: bool = False
    has_embed: bool = False
    has_figure: bool = False
    legacy_date_style: str = "full"  # "full": 12.03.2015, 14:05; "day": day only, month and year in a script
    encoding: str = "utf-8"
    with_metadata: bool = True  # meta tags and JSON-LD (today's layout)
    edition: int = 1
    language: str = CARAVAN.main.language  # which edition of the site: ru (www.caravan.kz) or kk (kaz.caravan.kz, layout "kazakh")

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}-{self.article_id}/"

    @property
    def origin(self) -> str:
        """The public origin of its edition."""
        return CARAVAN.edition_of_language(self.language).origin

    @property
    def url(self) -> str:
        return self.origin + self.path

    @property
    def amp_path(self) -> str:
        return f"/amp/{self.section}/{self.slug}-{self.article_id}"

    @property
    def image_url(self) -> str:
        if self.language == "kk" or self.layout == "legacy":
            return f"{self.origin}/wp-content/uploads/{self.published:%Y/%m}/{self.image_id}.jpg"
        return f"{self.origin}/wp-content/uploads/images/{self.image_id}.jpg"

    def body_paragraphs(self) -> list[str]:
        out = []
        for kind, content in self.blocks:
            if kind == "ul":
                out.extend(f"- {item}" for item in content)
            else:
                out.append(content)
        return out

    def expected_record(self) -> dict:
        """The record a faithful parser produces for this page: the test oracle."""
        body = "\n\n".join(self.body_paragraphs())
        if self.layout == "legacy" and self.legacy_date_style == "day":
            published = self.published.date().isoformat()
        else:
            published = iso(self.published)
        today = self.layout == "today"
        return {
            "url": self.url,
            "article_id": self.article_id,
            "edition": self.language,
            "language": self.language,
            "title": self.title,
            "lead": self.lead,
            "body": body,
            "published_at": published,
            "modified_at": iso(self.modified) if today and self.with_metadata else None,
            "category": self.category,
            "tags": [name for name, _ in self.tags] or None,
            "authors": list(self.authors) or None,
            "image_url": self.image_url,
            "image_credit": self.image_credit,
            "views": self.views,
            "word_count": word_count(body),
            "status": "live",
        }


class SampleSite:
    """The articles of the sample site and the ways it can change while served."""

    def __init__(self, articles: int = 50, anchor: datetime | None = None, sitemap_size: int = 1000,
                 edition: str = CARAVAN.main.code):
        if articles < 8:
            raise ValueError("the sample site needs at least 8 articles to hold every kind of page")
        self.edition = edition  # "ru": www.caravan.kz; "kk": kaz.caravan.kz («Керуен»), served on its own port
        self.anchor = (anchor or datetime(2026, 1, 21, 12, 0)).replace(tzinfo=ALMATY, second=0, microsecond=0)
        self.sitemap_size = sitemap_size
        self.lock = threading.Lock()
        self.faults: dict[str, list[tuple[int, dict]]] = {}  # path -> responses to give before the real one
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) as served
        self.user_agents: set[str] = set()
        self.served_at: dict[str, list[float]] = {}  # path -> monotonic times it was answered
        # "today" or "js-app": a redesign that renders article text with JavaScript, the kind
        # of change the drift alarm must catch.
        self.markup = "today"
        self.sitemaps = True  # False: robots.txt names no sitemap and none exists (listings only)
        self.articles: dict[int, SampleArticle] = {}
        # Articles the site no longer shows, and how it says so: "404", "410", "soft404" (200 with
        # «Страница не найдена») or "redirect" (301 to the listing). They leave sitemaps and listings.
        self.gone: dict[int, str] = {}
        self.moved: dict[str, int] = {}  # old path -> article renamed since (WordPress redirects old slugs)
        built = _build_kazakh(articles, self.anchor) if edition == "kk" else _build(articles, self.anchor)
        for article in built:
            self.articles[article.article_id] = article

    # --- what the site holds -------------------------------------------------
    def newest_first(self) -> list[SampleArticle]:
        """The articles the site shows (in listings, feed and sitemaps), newest first."""
        return sorted(self.listed(), key=lambda a: (a.published, a.article_id), reverse=True)

    def listed(self) -> list[SampleArticle]:
        return [a for a in self.articles.values() if a.article_id not in self.gone]

    def by_path(self, path: str) -> SampleArticle | None:
        """The article at an article path or its AMP copy (found by the post id in the path)."""
        ref = article_ref(path)
        article = self.articles.get(ref.article_id) if ref else None
        if article and path in (article.path, article.path.rstrip("/"), article.amp_path, article.amp_path + "/"):
            return article
        return None

    def tag_slugs(self) -> dict[str, str]:
        return {slug: name for a in self.articles.values() for name, slug in a.tags}

    def expected_records(self) -> dict[int, dict]:
        return {a.article_id: a.expected_record() for a in self.articles.values()}

    # --- how it changes ----------------------------------------------------------
    def edit(self, article_id: int, new_paragraph: str, when: datetime | None = None) -> SampleArticle:
        """An editor appends a paragraph: content, modified time and sitemap lastmod change."""
        with self.lock:
            article = self.articles[article_id]
            modified = (when or now()).replace(microsecond=0)  # an edit made while served happens now
            self.articles[article_id] = replace(
                article, blocks=article.blocks + [("p", new_paragraph)], modified=modified, edition=article.edition + 1
            )
            return self.articles[article_id]

    def retitle(self, article_id: int, title: str, when: datetime | None = None) -> SampleArticle:
        """An editor changes the headline: content, modified time and sitemap lastmod change."""
        with self.lock:
            article = self.articles[article_id]
            modified = (when or now()).replace(microsecond=0)
            self.articles[article_id] = replace(article, title=title, modified=modified, edition=article.edition + 1)
            return self.articles[article_id]

    def add_views(self, article_id: int, more: int) -> None:
        """Readers come: only the view count changes (no lastmod change, as on WordPress)."""
        with self.lock:
            article = self.articles[article_id]
            self.articles[article_id] = replace(article, views=article.views + more)

    def publish(self, title: str, paragraphs: list[str], when: datetime | None = None) -> SampleArticle:
        with self.lock:
            when = (when or now()).replace(microsecond=0)
            article_id = max(a.article_id for a in self.articles.values() if a.layout == "today") + 7
            article = SampleArticle(
                article_id=article_id, section="news", slug=slugify(title), layout="today", title=title,
                lead=paragraphs[0], blocks=[("p", p) for p in paragraphs[1:]], published=when, modified=when,
                category="Общество", tags=[("Алматы", "almaty")], authors=[], image_id=article_id + 11,
                image_credit="Caravan.kz", views=12,
            )
            self.articles[article_id] = article
            return article

    def unpublish(self, article_id: int, how: str) -> None:
        """The editors take an article down: "404", "410", "soft404" or "redirect"."""
        if how not in ("404", "410", "soft404", "redirect"):
            raise ValueError(f"unknown way to unpublish: {how}")
        with self.lock:
            self.gone[article_id] = how

    def rename(self, article_id: int, slug: str) -> SampleArticle:
        """The editors change an article's slug: its old address redirects to the new one."""
        with self.lock:
            article = self.articles[article_id]
            self.moved[article.path] = article_id
            self.articles[article_id] = replace(article, slug=slug)
            return self.articles[article_id]

    def restore(self, article_id: int) -> None:
        """The article is back, as it was."""
        with self.lock:
            self.gone.pop(article_id, None)

    def fail(self, path: str, status: int, times: int = 1, headers: dict | None = None) -> None:
        """Answer the next `times` requests for `path` with `status` (e.g. 503 with Retry-After)."""
        with self.lock:
            self.faults.setdefault(path, []).extend([(status, headers or {})] * times)


def _seed_article() -> SampleArticle:
    seed = json.loads(resources.files(__package__).joinpath("seed_article.json").read_text("utf-8"))
    published = datetime(2025, 7, 24, 9, 40, tzinfo=ALMATY)
    return SampleArticle(
        article_id=SEED_ID, section="news",
        slug="kazahstan-poslannik-mira-kak-nasha-strana-postroila-reputaciyu-mirotvorca",
        layout="today", title=seed["title"], lead=seed["lead"], blocks=[tuple(b) for b in seed["blocks"]],
        published=published, modified=published + timedelta(minutes=25), category=None, tags=[], authors=[],
        image_id=845714, image_credit=seed["credit"], views=seed["views"],
    )


def _genitive(city: str) -> str:
    return {"Астане": "Астаны", "Шымкенте": "Шымкента", "Караганде": "Караганды", "Павлодаре": "Павлодара",
            "Таразе": "Тараза", "Усть-Каменогорске": "Усть-Каменогорска"}.get(city, city)


def _paragraph(rng: random.Random, n: int = 3) -> str:
    return " ".join(s.format(n=rng.randint(3, 950)) for s in rng.sample(SENTENCES, n))


def _generated(rng: random.Random, index: int, layout: str, published: datetime) -> SampleArticle:
    city = CITIES[index % len(CITIES)]
    headline = HEADLINES[index % len(HEADLINES)].format(city=city, city_gen=_genitive(city), n=50 + index * 7)
    title = headline if index < len(HEADLINES) else f"{headline} ({published:%d.%m})"
    blocks = []
    for k in range(rng.randint(3, 6)):
        if k == 2 and layout == "today" and rng.random() < 0.5:
            blocks.append(("h2", rng.choice(SUBHEADINGS)))
        blocks.append(("p", _paragraph(rng, rng.randint(2, 4))))
    if layout == "legacy":
        # 2015-era texts: subheadings were bold lines inside <br>-split text.
        blocks.insert(2, ("h2", rng.choice(SUBHEADINGS)))
    is_sport = layout == "today" and index % 9 == 4
    tags = rng.sample(TAGS[:-1], rng.randint(0, 3))
    if is_sport:
        tags = [("Футбол", "futbol")] + tags[:1]
    return SampleArticle(
        article_id=0, section="sport" if is_sport else "news", slug=slugify(title), layout=layout, title=title,
        lead=_paragraph(rng, 1), blocks=blocks, published=published,
        modified=published + timedelta(minutes=rng.choice([0, 15, 90])),
        category="Спорт" if is_sport else rng.choice(CATEGORIES), tags=tags,
        authors=rng.sample(AUTHORS, 1) if rng.random() < 0.4 else [], image_id=0,
        image_credit=rng.choice(CREDITS) if rng.random() < 0.8 else None, views=rng.randint(90, 25000),
    )


def _build(count: int, anchor: datetime) -> list[SampleArticle]:
    rng = random.Random(20260121)
    legacy_count = max(2, count // 6)
    modern_count = count - legacy_count - 1 - len(SPECIALS)
    modern: list[SampleArticle] = []
    for i in range(modern_count):
        # Newest first, a few hours apart, thinning out over about three years.
        hours = 5 * i + min(i, 60) ** 2 * 12 + rng.randint(0, 3)
        published = (anchor - timedelta(hours=hours, minutes=rng.choice([0, 10, 25, 40]))).astimezone(ALMATY)
        modern.append(_generated(rng, i, "today", published))
    for k, special in enumerate(SPECIALS):
        published = (anchor - timedelta(hours=30 + 200 * k, minutes=5)).astimezone(ALMATY)
        modern.append(
            SampleArticle(
                article_id=0, section="news", slug=slugify(special["title"]), layout="today",
                title=special["title"], lead=special["lead"], blocks=list(special["blocks"]), published=published,
                modified=published, category=special["category"], tags=special["tags"], authors=[AUTHORS[k]],
                image_id=0, image_credit="Caravan.kz", views=1000 + k,
            )
        )
    seed = _seed_article()
    modern.append(seed)
    modern.sort(key=lambda a: a.published)
    # WordPress post ids grow with time; the seed keeps its own id.
    seed_at = modern.index(seed)
    for offset, article in enumerate(reversed(modern[:seed_at]), start=1):
        article.article_id = SEED_ID - 37 * offset - 1
    for offset, article in enumerate(modern[seed_at + 1:], start=1):
        article.article_id = SEED_ID + 41 * offset
    legacy = []
    for j in range(legacy_count):
        published = datetime(2015, 3, 12, 14, 5, tzinfo=ALMATY) + timedelta(days=11 * j, hours=j % 5)
        article = _generated(rng, 100 + j, "legacy", published)
        article.article_id = 301200 + 53 * j
        article.modified = published
        article.legacy_date_style = "day" if j % 3 == 2 else "full"
        article.encoding = "windows-1251" if j % 2 else "utf-8"
        article.tags = article.tags[:2]
        article.authors = []
        legacy.append(article)
    everything = modern + legacy
    for article in everything:
        if article.article_id != SEED_ID and article.image_id == 0:
            article.image_id = article.article_id + 3
    # Page furniture some bodies carry: links to other articles, ads, embeds, figures.
    for n, article in enumerate(everything):
        if article.article_id == SEED_ID or article.title in (s["title"] for s in SPECIALS):
            continue
        if n % 3 == 0 and len(article.blocks) > 2:
            article.read_also = [(1, everything[(n + 5) % len(everything)])]
        article.has_ad = n % 4 == 1 and article.layout == "today"
        article.has_embed = n % 7 == 3 and article.layout == "today"
        article.has_figure = n % 5 == 2
        article.with_metadata = not (n % 11 == 6 and article.layout == "today")
        if article.layout == "legacy" and article.image_credit is None:
            article.image_credit = CREDITS[0]
    return everything


def etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


# --- The Kazakh edition (kaz.caravan.kz, «Керуен») ---------------------------------------------
# Post ids are the edition's own: KAZAKH_COLLIDING_ID is also a post id of the Russian edition.
KAZAKH_COLLIDING_ID = SEED_ID
KK_CATEGORIES = ["Қоғам", "Саясат", "Экономика", "Мәдениет", "Әлем"]
KK_TAGS = [("Алматы", "almaty"), ("Астана", "astana"), ("Білім", "bilim"), ("Денсаулық", "densaulyq"),
           ("Ауа райы", "aua-raiy"), ("Спорт", "sport")]
KK_CITIES = ["Алматыда", "Астанада", "Шымкентте", "Қарағандыда", "Ақтөбеде", "Павлодарда"]
KK_HEADLINES = [
    "{city} жаңа мектеп ашылды",
    "{city} жолдар жөнделеді",
    "{city} жаңа автобустар жолға шықты",
    "{city} балалар ауруханасы салынып жатыр",
    "{city} жәрмеңке өтеді",
    "{city} коммуналдық тарифтер қайта қаралады",
]
KK_SENTENCES = [
    "Бұл туралы жергілікті әкімдіктің баспасөз қызметі хабарлады.",
    "Ведомство өкілдерінің айтуынша, жұмыстар жыл соңына дейін аяқталады.",
    "Жобаны іске асыруға жергілікті бюджеттен {n} миллион теңге бөлінді.",
    "Аудан тұрғындары бұл мәселені шешуді көптен бері сұрап келген.",
    "Ведомствода жағдай ерекше бақылауда екенін атап өтті.",
    "Бұған дейін осындай шаралар бірнеше өңірде қабылданған.",
    "Сарапшылардың пікірінше, бұл қалалық инфрақұрылымға түсетін жүктемені азайтады.",
    "Бағдарламаға барлығы {n} кәсіпорын мен ұйым қатысады.",
    "Қала тұрғындарына сапарларын алдын ала жоспарлау ұсынылады.",
    "Толығырақ ақпаратты ведомствоның ресми сайтынан білуге болады.",
    "Өткен жылы бұл көрсеткіш {n} пайызды құрады.",
    "Мамандар соңғы айлардағы оң өзгерістерді атап өтеді.",
]
KK_SUBHEADINGS = ["Не белгілі", "Сарапшылар пікірі", "Әрі қарай не болады"]
KK_CREDITS = ["Алматы қаласы әкімдігі", "Керуен", "Depositphotos"]


def _build_kazakh(count: int, anchor: datetime) -> list[SampleArticle]:
    rng = random.Random(20260122)
    out = []
    for i in range(count):
        hours = 7 * i + min(i, 40) ** 2 * 10 + rng.randint(0, 3)
        published = (anchor - timedelta(hours=hours, minutes=rng.choice([0, 10, 25, 40]))).astimezone(ALMATY)
        title = KK_HEADLINES[i % len(KK_HEADLINES)].format(city=KK_CITIES[i % len(KK_CITIES)])
        if i >= len(KK_HEADLINES):
            title = f"{title} ({published:%d.%m.%Y})"
        blocks = []
        for k in range(rng.randint(3, 5)):
            if k == 2:
                blocks.append(("h2", rng.choice(KK_SUBHEADINGS)))
            blocks.append(("p", " ".join(t.format(n=rng.randint(3, 950)) for t in rng.sample(KK_SENTENCES, 3))))
        # Newest first: ids fall with age; the fourth newest shares its id with the Russian seed article.
        article_id = KAZAKH_COLLIDING_ID + 29 * (3 - i) if i <= 3 else KAZAKH_COLLIDING_ID - 29 * (i - 3) - 3
        out.append(SampleArticle(
            article_id=article_id, section="art", slug=f"zhanalyq-{i + 1}", layout="kazakh", title=title,
            lead=" ".join(rng.sample(KK_SENTENCES, 1)).format(n=12), blocks=blocks, published=published,
            modified=published, category=KK_CATEGORIES[i % len(KK_CATEGORIES)], tags=rng.sample(KK_TAGS, 2),
            authors=[], image_id=article_id + 5, image_credit=rng.choice(KK_CREDITS), views=rng.randint(40, 9000),
            language="kk",
        ))
    return out
