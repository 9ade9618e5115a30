"""Screenshots of the reading room at 1366×768 in headless Chromium, for a person to look at.

    .venv/bin/python scripts/screenshots.py [--db archive/caravan.db] [--out screenshots/]

Needs Debian's `chromium` package (apt-get install chromium); not part of the test suite,
which checks the same pages' HTML through Datasette's test client. Crawls the sample site
into a temporary archive unless --db is given, serves it with `datasette` (the installed
plugin and archive/settings.json), and saves one PNG per page. Prints what the reading room's
Content-Security-Policy blocked on a page (Chromium's console), if anything.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "articles": "/caravan/articles",
    "search": "/caravan/articles?_search=миротворцы",
    "search-prefix-or": "/caravan/articles?_search=миротвор*+OR+фестивалей",
    "article": "/caravan/articles/845713",
    "canned-search": "/caravan/search?q=KAZBAT",
    "database": "/caravan",
    "revisions": "/caravan/revisions",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--window-size=1366,768", "--enable-logging=stderr", "--v=1"]
BLOCKED = "violates the following Content Security Policy"  # Chromium's console, when the policy blocks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="An archive to show (default: a fresh crawl of the sample site)")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed: apt-get install chromium")
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "archive"
        shutil.copytree(ROOT / "archive", folder, ignore=shutil.ignore_patterns("*.db", "*.db-*", "*.lock"))
        if args.db:
            shutil.copy(args.db, folder / "caravan.db")
        else:
            subprocess.run([bin_dir / "caravan-archive", "crawl", "--sample", "--db", folder / "caravan.db"],
                           check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen([bin_dir / "datasette", folder, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            args.out.mkdir(parents=True, exist_ok=True)
            for name, path in PAGES.items():
                png = args.out / f"{name}.png"
                profile = tempfile.mkdtemp()
                done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                                       base + path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True, errors="replace", timeout=120)
                shutil.rmtree(profile, ignore_errors=True)
                blocked = [line for line in done.stderr.splitlines() if BLOCKED in line]
                print(png, *(f"\n  blocked: {line}" for line in blocked))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
