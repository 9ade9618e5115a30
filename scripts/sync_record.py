"""Rewrite the copies of the article record from its one definition (caravan_spider/record.py).

    .venv/bin/python scripts/sync_record.py          # rewrite the JSON Schema, README table, Datasette descriptions
    .venv/bin/python scripts/sync_record.py --check  # exit 1 naming each copy that differs

tests/test_record.py fails while a copy differs; run this after editing the definition and review the diff.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from caravan_spider.record import DESCRIPTIONS, json_schema, readme_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path("caravan_spider/schema/article.schema.json")
README = Path("README.md")
METADATA = Path("caravan_spider/reading_room/metadata.yml")  # Datasette's, shipped with the package
TABLE_START, TABLE_END = "<!-- record-table: written by scripts/sync_record.py -->", "<!-- /record-table -->"


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


def readme_text(current: str) -> str:
    if TABLE_START not in current or TABLE_END not in current:
        raise SystemExit(f"{README}: the markers {TABLE_START} … {TABLE_END} are missing; put them around the record table")
    head, rest = current.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{readme_table()}\n{TABLE_END}{tail}"


def _yaml_scalar(text: str) -> str:
    """Plain when YAML reads it back unchanged, else a JSON string (valid YAML)."""
    try:
        plain = yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:  # e.g. a ": " inside the text
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def metadata_text(current: str) -> str:
    """The `articles` column descriptions set line by line, so the rest of the file stays as written."""
    lines = current.split("\n")
    try:
        table = lines.index("      articles:")
        start = lines.index("        columns:", table) + 1
    except ValueError:
        raise SystemExit(f"{METADATA}: no `columns:` under databases → caravan → tables → articles") from None
    end = start
    while end < len(lines) and lines[end].startswith("          "):
        end += 1
    columns = {re.match(r"\s*([^:]+):", line)[1]: line for line in lines[start:end]}
    for name, description in DESCRIPTIONS.items():
        columns[name] = f"          {name}: {_yaml_scalar(description)}"
    ordered = [columns.pop(name) for name in DESCRIPTIONS] + list(columns.values())
    return "\n".join(lines[:start] + ordered + lines[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a copy differs")
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder (default: this checkout)")
    args = parser.parse_args(argv)
    stale = []
    for path, render in ((SCHEMA, lambda _: schema_text()), (README, readme_text), (METADATA, metadata_text)):
        target = args.root / path
        current = target.read_text("utf-8")
        wanted = render(current)
        if wanted != current:
            stale.append(str(path))
            if not args.check:
                target.write_text(wanted, "utf-8")
    if stale:
        print(("differs from the record: " if args.check else "rewritten: ") + ", ".join(stale), file=sys.stderr)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
