"""AMP copies at /amp/news/<slug>-<id>: the same article, its canonical link points home."""

from .base import COMMON_PRUNE, Layout


class Amp(Layout):
    name = "amp"
    MARKERS = ("/html[@amp]", "//script[contains(@src,'cdn.ampproject.org')]")
    PRUNE = COMMON_PRUNE + ("//header", "//footer")
    BODY = ("//div[contains(@class,'amp-article__content')]",)
    TITLE = ("//h1[contains(@class,'amp-article__title')]", "//h1")
    LEAD = ("//div[contains(@class,'amp-article__lead')]",)
    DATE = ("//div[contains(@class,'amp-article__meta')]/time",)
    VIEWS = ("//span[contains(@class,'amp-article__views')]",)
    CREDIT = ("//div[contains(@class,'amp-article__credit')]",)
    IMAGE = ("//amp-img/@src",)
