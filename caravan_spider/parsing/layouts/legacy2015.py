"""The 2015-era page: text in div.full-article__text split by <br>, date in time.full-breadcrumb__time."""

import re

from ..dates import parse_visible
from ..page import Page
from .base import COMMON_PRUNE, Layout


class Legacy2015(Layout):
    name = "legacy-2015"
    MARKERS = ("//div[contains(@class,'full-article__text')]",)
    PRUNE = COMMON_PRUNE + (
        "//div[@id='header']",  # currency rates and weather
        "//div[contains(@class,'full-article__share')]",  # share links
        "//div[@id='footer']",  # copyright line
    )
    BODY = ("//div[contains(@class,'full-article__text')]",)
    TITLE = ("//h1[contains(@class,'full-article__title')]", "//h1")
    LEAD = ("//div[contains(@class,'full-article__lead')]",)
    DATE = ("//time[contains(@class,'full-breadcrumb__time')]",)
    VIEWS = ("//div[contains(@class,'full-article__views')]",)
    TAGS = ("//div[contains(@class,'full-article__tags')]//a",)
    CATEGORY = ("//div[contains(@class,'full-breadcrumb')]/a[2]",)
    IMAGE = ("//div[contains(@class,'full-article__text')]//img/@src",)

    # Some pages print only the day in <time> and write month and year with an inline script:
    # <time>12</time><script>var pubMonth = 'марта', pubYear = '2015'; document.write(...)</script>
    SCRIPT_DATE = re.compile(r"pubMonth\s*=\s*'([^']+)'.*?pubYear\s*=\s*'(\d{4})'", re.S)

    def visible_date(self, p: Page):
        text = p.text_of(*self.DATE)
        if text and text.isdigit():
            script = p.xpath("string(//time[contains(@class,'full-breadcrumb__time')]/following-sibling::script[1])")
            m = self.SCRIPT_DATE.search(script)
            text = f"{text} {m[1]} {m[2]}" if m else None
        return parse_visible(text, p.fetched_at)
