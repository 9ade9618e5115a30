"""The article record, defined once: the `Article` dataclass below, one described field each.

Every other copy is derived from it and checked by tests/test_record.py, which fails when one drifts:
the JSON Schema of `export` (`schema/article.schema.json`), the record columns of the archive's
`articles` and `revisions` tables, Datasette's column descriptions (`reading_room/metadata.yml`) and the
README's table. `python scripts/sync_record.py` rewrites the three files from this definition.

Adding a field: add it here with its description (and its JSON Schema constraints), add a migration
in archive/schema.py that adds the column to `articles` and `revisions`, run `scripts/sync_record.py`,
and teach the parser to fill it.

Both the parser (which makes records) and the archive (which stores them) import this module;
neither imports the other for it.
"""

from __future__ import annotations

import types
import typing
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from .site import CARAVAN

SCHEMA_ID = "https://github.com/caravan-archive/caravan-archive/blob/main/caravan_spider/schema/article.schema.json"
SCHEMA_TITLE = "Caravan.kz article record"
SCHEMA_DESCRIPTION = ("One line of `caravan-archive export`: an article as archived. "
                      "Unknown values are null, never guessed.")
# The values of `edition` and `language`: the site's editions' codes and languages (site.py).
EditionCode = Literal[CARAVAN.codes]
Language = Literal[CARAVAN.languages]
ISO_DATE = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?$"


def described(description: str, *, revision: bool = True, **schema: Any) -> Any:
    """A record field: what it means (one line, shown in the schema, Datasette and the README),
    whether a change of it makes a new revision, and JSON Schema constraints beyond its type."""
    return field(metadata={"description": description, "revision": revision, "schema": schema})


@dataclass
class Article:
    """One article as archived. Field order is the order of an exported line's keys."""

    url: str = described("Canonical URL on www.caravan.kz (or kaz.caravan.kz for the Kazakh edition)",
                         pattern=r"^https://(www|kaz)\.caravan\.kz/(news|sport|art)/[^?#]+/$")
    # The identity of the article, not part of its content.
    article_id: int = described("WordPress post id; identifies the article within its edition", revision=False,
                                minimum=1)
    # The two editions number their posts independently: an article is (edition, article_id).
    edition: EditionCode = described("Edition the article belongs to: ru (www.caravan.kz) or kk "
                                     "(kaz.caravan.kz)", revision=False)
    language: Language | None = described("ru (www.caravan.kz) or kk (kaz.caravan.kz)")
    title: str = described("Headline, without « - Караван»", minLength=1)
    lead: str | None = described("The standfirst, not repeated in body")
    body: str = described("Plain text; paragraphs, subheadings and list items separated by a blank line",
                          minLength=1)
    published_at: str | None = described(
        "ISO 8601 with the Asia/Almaty offset of that date (2025-07-24T09:40:00+05:00; +06:00 before "
        "2024-03-01); a bare date when the page gives no time", pattern=ISO_DATE)
    # Sites bump it for cosmetic edits: on its own it is not a new version.
    modified_at: str | None = described("Last modification the page declares, ISO 8601 like published_at",
                                        revision=False, pattern=ISO_DATE)
    category: str | None = described("Section of the site")
    tags: list[str] | None = described("Tag names in page order; JSON text in the archive's column")
    authors: list[str] | None = described("Author names in page order; JSON text in the archive's column")
    image_url: str | None = described("Absolute URL of the lead image", format="uri")
    image_credit: str | None = described("Source of the photo, without «Фото:»")
    # Changes on every visit: stored on the row, never a revision of its own.
    views: int | None = described("View count when last fetched", revision=False, minimum=0)
    # Follows from body.
    word_count: int = described("Words in body", revision=False, minimum=0)
    # What the site does with the article now; a parsed page is live, the archive marks it unpublished,
    # and one known only from an import (import-warc, import-wayback) is unknown until a crawl asks.
    status: Literal["live", "unpublished", "unknown"] = described(
        "live, or unpublished when the site last answered 404/410, a not-found page or a redirect elsewhere; "
        "unknown while the article is known only from a web archive or WARC import and no crawl has asked the site",
        revision=False)

    def to_dict(self) -> dict:
        return asdict(self)


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
# Fields whose change makes a new revision (and enter the content hash); views and modified_at alone do not.
REVISION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article) if f.metadata["revision"])
DESCRIPTIONS: dict[str, str] = {f.name: f.metadata["description"] for f in fields(Article)}
_HINTS = typing.get_type_hints(Article)


def _parts(annotation: Any) -> tuple[Any, bool]:
    """A field's type without None, and whether None is allowed."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        rest = [a for a in args if a is not type(None)]
        return rest[0], len(rest) < len(args)
    return annotation, False


# Lists are stored as JSON text: the columns Datasette and the archive decode.
JSON_FIELDS: tuple[str, ...] = tuple(name for name in FIELDS if typing.get_origin(_parts(_HINTS[name])[0]) is list)


def column_types() -> dict[str, type]:
    """The record's columns as sqlite-utils types: integers are INTEGER, the rest (lists as JSON) TEXT."""
    return {name: int if _parts(_HINTS[name])[0] is int else str for name in FIELDS}


def _json_type(annotation: Any) -> dict:
    base, nullable = _parts(annotation)
    if typing.get_origin(base) is Literal:
        return {"enum": [*typing.get_args(base), *([None] if nullable else [])]}
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base)
        name, extra = "array", {"items": _json_type(item)}
    else:
        name, extra = {str: "string", int: "integer"}[base], {}
    return {"type": [name, "null"] if nullable else name, **extra}


def json_schema() -> dict:
    """The JSON Schema of one exported line, as shipped in schema/article.schema.json."""
    properties = {}
    for f in fields(Article):
        properties[f.name] = {**_json_type(_HINTS[f.name]), **f.metadata["schema"],
                              "description": f.metadata["description"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": SCHEMA_DESCRIPTION,
        "type": "object",
        "additionalProperties": False,
        "required": list(FIELDS),
        "properties": properties,
    }


def _readme_type(annotation: Any) -> str:
    base, nullable = _parts(annotation)
    if typing.get_origin(base) is Literal:
        text = " or ".join(f"`{v}`" for v in typing.get_args(base))
    elif typing.get_origin(base) is list:
        text = "list of strings"
    else:
        text = {str: "string", int: "integer"}[base]
    return f"{text} or null" if nullable else text


def readme_table() -> str:
    """The README's table of the record (between its `record-table` markers)."""
    lines = ["| field | type | meaning |", "|---|---|---|"]
    lines += [f"| `{f.name}` | {_readme_type(_HINTS[f.name])} | {f.metadata['description']} |"
              for f in fields(Article)]
    return "\n".join(lines)


__all__ = ["Article", "DESCRIPTIONS", "FIELDS", "JSON_FIELDS", "REVISION_FIELDS", "column_types", "json_schema",
           "readme_table"]
