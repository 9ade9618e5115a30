"""The site's furniture phrases, in one place: words that are never article text.

body.py drops a text line that matches one; drift.py raises the alarm when a marker shows up in
stored text (pruning failed). The «Фото:» prefix of a photo credit is one regex, used wherever a
credit is read.
"""

from __future__ import annotations

import re

# A credit line's prefix: «Фото: …», «Сурет: …» (kk), «Источник фото: …», «Видео: …»; and the
# «Photo: AFP» / «Image: …» / «Foto: …» of pages in other languages (real pages keep them in the text).
CREDIT_PREFIX = re.compile(r"^(Фото и видео|Фото|Видео|Сурет|Источник фото|Photo|Photos|Image|Foto|Fotos)\s*:\s*",
                           re.I)

# Lines that are furniture even when they sit in ordinary <p> inside the content:
# (what a whole line matches, what it is, markers drift looks for in stored text).
FURNITURE_LINES: tuple[tuple[re.Pattern, str, tuple[str, ...]], ...] = (
    (re.compile(r"^(Читайте|Смотрите)\s+(также|еще|ещё)\b", re.I), "«Читайте/Смотрите также» link",
     ("Читайте также:", "Смотрите также:")),
    (re.compile(r"^(Сондай-ақ оқыңыз|Оқи отырыңыз)\b", re.I), "«Сондай-ақ оқыңыз» link (kk)", ("Сондай-ақ оқыңыз",)),
    (CREDIT_PREFIX, "photo credit", ()),
    (re.compile(r"^(©|\(c\)\s|<?Copyright\b)|Все права защищены|При использовании материалов|Перепечатка материалов"
                r"|All rights reserved", re.I),
     "copyright", ("Все права защищены",)),
    (re.compile(r"^Реклама$", re.I), "«Реклама» label", ()),
    (re.compile(r"^(Подписывайтесь|Подпишитесь) на наш", re.I), "subscription prompt", ("Подписывайтесь на наш",)),
    (re.compile(r"^Поделиться\b", re.I), "share buttons", ("Поделиться:",)),
    (re.compile(r"^В тренде:?$", re.I), "«В тренде» heading", ("В тренде:",)),
    (re.compile(r"^Комментарии(\s*\(\d+\))?$", re.I), "comments heading", ()),
    (re.compile(r"^Посмотреть эту публикацию в Instagram", re.I), "embed fallback", ()),
)

# Text that only ever comes from page furniture; in a stored record it means pruning failed.
BOILERPLATE_MARKERS: tuple[str, ...] = tuple(marker for *_, markers in FURNITURE_LINES for marker in markers)
