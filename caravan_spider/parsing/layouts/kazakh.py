"""The Kazakh edition's generation, kaz.caravan.kz («Керуен»): /art/<slug>-<id>/, Kazakh month names."""

from .base import COMMON_PRUNE, Layout


class Kazakh(Layout):
    name = "kazakh"
    MARKERS = ("//meta[@property='og:site_name' and @content='Керуен']", "//div[contains(@class,'kz-article__body')]")
    PRUNE = COMMON_PRUNE + (
        "//div[contains(@class,'kz-topbar')]",  # rates, weather, date
        "//div[contains(@class,'kz-share')]",  # share buttons
        "//section[contains(@class,'kz-popular')]",  # «Көп оқылған» (most read) block
        "//div[contains(@class,'kz-also')]",  # «Сондай-ақ оқыңыз» (read also) links
        "//footer",
    )
    BODY = ("//div[contains(@class,'kz-article__body')]",)
    TITLE = ("//h1[contains(@class,'kz-article__title')]", "//h1")
    LEAD = ("//div[contains(@class,'kz-article__lead')]",)
    DATE = ("//span[contains(@class,'kz-article__date')]",)
    VIEWS = ("//span[contains(@class,'kz-article__views')]",)
    CREDIT = ("//div[contains(@class,'kz-article__photo-credit')]",)
    TAGS = ("//div[contains(@class,'kz-article__tags')]//a",)
    CATEGORY = ("//a[contains(@class,'kz-article__rubric')]",)
    IMAGE = ("//div[contains(@class,'kz-article__photo')]//img/@src",)
