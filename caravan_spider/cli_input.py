"""What every caravan-archive command shares about its input: the one-line refusal (exit 64), the lock
exit, the --db option and the check of the archive's folder. Its own module so that command modules
(importing/commands.py) use the same ones without importing cli.py, which imports them."""

from __future__ import annotations

from pathlib import Path

import click

from .archive import DEFAULT_DB

EXIT_BAD_INPUT = 64  # sysexits' EX_USAGE: the command line or a file it names is wrong
EXIT_LOCKED = 2


class BadInput(click.ClickException):
    """One line naming what is wrong with the input and what to do; exit status 64."""

    exit_code = EXIT_BAD_INPUT


def db_option(must_exist: bool = False, help: str = "The archive's SQLite file."):
    return click.option("--db", "db", default=DEFAULT_DB, show_default=True,
                        type=click.Path(dir_okay=False, exists=must_exist), help=help)


def archive_folder(db: str, option: str) -> None:
    """The archive's folder must exist, but for the default one (archive/), which the crawl creates."""
    if db != DEFAULT_DB and not Path(db).parent.is_dir():
        raise BadInput(f"{option} {db}: directory {Path(db).parent} does not exist; create it first")
