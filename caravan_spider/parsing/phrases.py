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
    # the same «read also» link on pages in other languages: the label alone (a teaser box's heading) or
    # followed by «:» / «|» and the linked headline; «À lire aussi» puts the headline right after it
    (re.compile(r"^(- )?((read (more|also)|see also|related|more|lesen sie (auch|mehr)|mehr zum thema|zum artikel"
                r"|auch interessant|czytaj (więcej|też|także)|zobacz (też|także)|les også|läs (också|mer)"
                r"|læs (også|mere)|lee también|leer más|te puede interesar|leggi anche|čtěte (také|též)"
                r"|přečtěte si (také|též)|funda olunye udaba lapha)\s*([:|]\s*\S.*)?$|à lire aussi\b)", re.I),
     "«Read also» link (other languages)", ()),
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

# Appeals to the reader printed inside the text on pages of other sites: newsletter and channel
# sign-ups, donations and subscriptions, tip lines, affiliate notes, «breaking story» stubs. A line
# (of at most APPEAL_MAX_WORDS words) that holds one is not article text.
APPEAL_MAX_WORDS = 120
APPEALS = re.compile("|".join((
    r"\bsign(ing)? up (for|to)\b.{0,60}\bnewsletters?\b", r"\bin your inbox\b", r"^newsletter:",
    r"\bnewsletter informiert Sie\b", r"\bnewsletter richtig\b",
    r"^(follow|folgen Sie|folge)\b.{0,60}\b(on|auf) (google news|twitter|facebook|instagram|whatsapp)\b",
    r"\babonnier(e|en Sie)\b.{0,40}\b(kanal|newsletter|whatsapp)",  # «Abonniere den Whatsapp-Kanal»
    r"\bunterstützen Sie (uns|unsere)\b", r"\bmit einer Spende\b", r"\bsupport (our|independent) journalism\b",
    r"\babonnieren für\b", r"\b(\d+|zwei|two) (Wochen|weeks) (kostenlos|gratis|free)\b",
    r"^(got|do you have) a story\b", r"\bget in touch with our news team\b", r"^for more stories like this\b",
    r"^we want to hear from you\b", r"\bbreaking new(s)? story\b.{0,20}more to follow",
    r"\bmay earn (us )?(a|an) (affiliate )?commission\b", r"\bplease bookmark\b", r"\btreated to special offers\b",
    r"^sign up for breaking news\b", r"\bjournalismus braucht (deine|Ihre|eure) Unterstützung\b",
    r"^folgst du (schon|uns)\b.{0,60}\b(auf|bei) (whatsapp|instagram|facebook|tiktok|telegram|google news)\b",
)), re.I)

# The page's own widgets printed as text on pages of other sites: comment forms, paywall and login notes,
# notices about the reader's browser, rating and error-report prompts, «read the original» notes of a
# translation. A line (of at most APPEAL_MAX_WORDS words) that holds one is not article text.
WIDGETS = re.compile("|".join((
    # comment forms
    r"\bdisplay name before commenting\b", r"\bprompted to enter your display name\b",
    r"\bum einen Kommentar (zu verfassen|abzugeben|zu schreiben)\b",
    # paywall, login and subscription notes; the reader's browser
    r"\breste \d+([.,]\d+)?\s*% de cet article\b", r"\bsuite est réservée aux abonnés\b",
    r"^log in or create an account\b", r"\bsuscripción se está usando en otro dispositivo\b",
    r"\botro usuario a tu suscripción\b", r"\bwith limited support for CSS\b", r"\bmore up to date browser\b",
    r"\bdisplaying the site without styles\b",
    # rating and error-report prompts
    r"^Wie hat Ihnen dieser Artikel gefallen\b", r"^Durchschnittliche Bewertung:", r"^rate this article\b",
    r"^Fehler gefunden\?", r"\bmelden Sie den Fehler\b",
    # a translation's note on its original
    r"^(lest|lesen Sie) den Originalartikel\b", r"^read the original article\b",
)), re.I)

# Every appeal is spelled with Latin letters, and these are the characters that match one under
# re.I (besides A-Z: İ and ı, the long s, the Kelvin sign). A line without any holds no appeal and
# skips APPEALS, which costs ~0.6 ms on a 170-character Cyrillic line (re.I, twenty alternatives):
# 3 ms of a Caravan page. (test_parsing checks both facts.)
LATIN_LETTER = re.compile("[A-Za-z\u0130\u0131\u017f\u212a]")
