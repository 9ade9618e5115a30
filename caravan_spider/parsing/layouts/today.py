"""Today's www.caravan.kz article page (seen 2026): top bar, FullArticle block, «В тренде:»."""

from .base import COMMON_PRUNE, Layout


class Today(Layout):
    name = "today"
    MARKERS = ("//article[contains(@class,'FullArticle')]", "//div[contains(@class,'FullArticle__text')]")
    PRUNE = COMMON_PRUNE + (
        "//div[contains(@class,'TopBar')]",  # USD/EUR rates, weather, today's date, the six «A» buttons
        "//nav",  # site menu
        "//section[contains(@class,'Trending')]",  # «В тренде:» tag + headline pairs
        "//div[contains(@class,'ReadAlso')]",  # «Смотрите также» link blocks inside the body
        "//div[contains(@class,'AdBlock')]",  # «Реклама» blocks and their ad-server markup
        "//div[contains(@class,'Share')]",  # share buttons
        "//*[contains(@class,'Subscribe')]",  # «Подписывайтесь на наш Telegram-канал»
        "//div[contains(@class,'FullArticle__tags')]",  # tag links (kept as the tags field)
        "//footer",  # copyright line
    )
    BODY = ("//div[contains(@class,'FullArticle__text')]",)
    TITLE = ("//h1[contains(@class,'FullArticle__title')]", "//article//h1")
    LEAD = ("//div[contains(@class,'FullArticle__lead')]",)
    DATE = ("//li[contains(@class,'FullArticle__date')]",)
    VIEWS = ("//li[contains(@class,'FullArticle__views')]",)
    CREDIT = ("//div[contains(@class,'FullArticle__credit')]",)
    TAGS = ("//div[contains(@class,'FullArticle__tags')]//a",)
    AUTHORS = ("//div[contains(@class,'FullArticle__author')]",)
    CATEGORY = ("//a[contains(@class,'Breadcrumbs__category')]",)
    IMAGE = ("//div[contains(@class,'FullArticle__cover')]//img/@src",)
