"""export --wacz: a WACZ (WARC, CDXJ index, pages with their text, datapackage with hashes) that a real
pywb replays from its own index, redirects with their Location."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from caravan_spider.archive import Archive, Capture
from caravan_spider.wacz import surt
from conftest import cli, in_process, rows
from webarchive import Pywb

def _with_a_redirect(db: Path) -> dict:
    """The site now sends an archived article to its section (301): the archive keeps that answer."""
    article = rows(db, "SELECT edition, article_id, url FROM articles ORDER BY article_id LIMIT 1")[0]
    archive = Archive(db)
    at = "2026-12-01T10:00:00+00:00"
    archive.unpublish(Capture(url=article["url"], status=301, fetched_at=at, body=b"", edition=article["edition"],
                              article_id=article["article_id"], content_type="text/html", location="/news/"),
                      (article["edition"], article["article_id"]), "redirect to /news/", at, None)
    archive.close()
    return article


@pytest.mark.e2e
def test_a_wacz_holds_the_warc_its_index_pages_and_hashes_and_pywb_replays_it(archive_copy, tmp_path):
    moved = _with_a_redirect(archive_copy)
    out = tmp_path / "archive.wacz"
    result = cli("export", "--wacz", "-o", str(out), "--db", str(archive_copy))
    assert result.returncode == 0, result.stderr
    captures = rows(archive_copy, "SELECT count(*) AS n FROM captures")[0]["n"]
    assert result.stderr == f"Wrote {captures} captures to {out}\n"
    with zipfile.ZipFile(out) as wacz:
        assert sorted(wacz.namelist()) == ["archive/data.warc.gz", "datapackage-digest.json", "datapackage.json",
                                           "indexes/index.cdx", "pages/pages.jsonl"]
        assert wacz.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED  # read by range requests
        files = {name: wacz.read(name) for name in wacz.namelist()}
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
    assert {r["path"]: (r["hash"], r["bytes"]) for r in package["resources"]} == {
        name: (f"sha256:{hashlib.sha256(files[name]).hexdigest()}", len(files[name]))
        for name in ("archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl")}
    assert json.loads(files["datapackage-digest.json"]) == {
        "path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(files['datapackage.json']).hexdigest()}"}

    pages = [json.loads(line) for line in files["pages/pages.jsonl"].decode().splitlines()]
    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}
    articles = {r["url"]: r for r in rows(archive_copy, "SELECT url, title, lead, body, fetched_at FROM articles")}
    assert len(pages) - 1 == len(articles)
    for line in pages[1:]:
        article = articles[line["url"]]
        assert line["title"] == article["title"]
        assert line["text"] == "\n\n".join(filter(None, [article["lead"], article["body"]]))
        assert line["ts"] == article["fetched_at"].replace("+00:00", "Z")

    # Every index line leads to its record: the offset and length of a response with that URL and time.
    warc = tmp_path / "data.warc.gz"
    warc.write_bytes(files["archive/data.warc.gz"])
    lines = files["indexes/index.cdx"].decode().splitlines()
    assert lines == sorted(lines) and len(lines) == captures
    for line in lines:
        key, timestamp, blob = line.split(" ", 2)
        entry = json.loads(blob)
        assert key == surt(entry["url"]) and entry["filename"] == "data.warc.gz"
        with open(warc, "rb") as stream:
            stream.seek(int(entry["offset"]))
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
            assert record.rec_headers.get_header("WARC-Date").replace("-", "").replace(":", "").replace("T", "")[:14] \
                == timestamp
    redirect = [json.loads(line.split(" ", 2)[2]) for line in lines if '"status": "301"' in line]
    assert [(r["url"], r["redirect"]) for r in redirect] == [(moved["url"], "/news/")]

    # pywb adds the WACZ from its own index (wb-manager add --unpack-wacz) and replays the captures.
    pywb = Pywb(tmp_path / "pywb", [], wacz=out)
    try:
        page = rows(archive_copy, "SELECT c.fetched_at, a.url, c.capture_id FROM articles AS a JOIN captures AS c "
                    "ON c.capture_id = a.capture_id WHERE a.status = 'live' LIMIT 1")[0]
        stamp = page["fetched_at"][:19].replace("-", "").replace(":", "").replace("T", "")
        with urllib.request.urlopen(f"{pywb.base}/caravan/{stamp}id_/{page['url']}") as response:
            body = response.read()
        archive = Archive(archive_copy, read_only=True)
        stored = archive.decompress_capture(next(archive.captures_by_id([page["capture_id"]])))
        archive.close()
        assert body == stored
        with urllib.request.urlopen(f"{pywb.cdx}?url={urllib.request.quote(moved['url'])}&output=json") as response:
            listed = [json.loads(line) for line in response.read().decode().splitlines()]
        assert sorted(entry["status"] for entry in listed) == ["200", "301"]
        stamp = next(entry["timestamp"] for entry in listed if entry["status"] == "301")
        opener = urllib.request.build_opener(type("NoRedirects", (urllib.request.HTTPRedirectHandler,),
                                                  {"redirect_request": lambda *a, **k: None}))
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(f"{pywb.base}/caravan/{stamp}id_/{moved['url']}")
        assert answer.value.code == 301
        assert answer.value.headers["Location"].endswith("/news/")
        answer.value.close()
    finally:
        pywb.stop()


def test_wacz_needs_a_file_and_is_not_warc(crawled, tmp_path):
    for args in (["--wacz"], ["--wacz", "--warc", "-o", str(tmp_path / "x.wacz")]):
        result = in_process("export", *args, "--db", str(crawled["db"]))
        assert result.returncode == 64
        assert result.stderr.startswith("Error: --wacz writes a file of its own: give -o FILE.wacz, without --warc")
    assert not (tmp_path / "x.wacz").exists()


@pytest.mark.e2e
def test_an_article_whose_address_is_not_ascii_is_replayed_from_the_wacz(tmp_path):
    """A page whose canonical link is written in Cyrillic, as Russian sites do: the WARC names it as a URI
    (percent-encoded, as a browser asks for it), and the index and pages.jsonl as the WARC does, so that
    pywb finds it (it keys its own lookups by the percent-encoded address)."""
    from caravan_spider.sample_site.model import SampleSite
    from webarchive import OLD, page, write_warc

    site = SampleSite(articles=8)
    article = next(a for a in sorted(site.articles.values(), key=lambda a: a.article_id) if a.layout == "today")
    body, content_type = page(article, site)
    iri = f"https://www.caravan.kz/news/новость-о-тарифах-{article.article_id}/"
    body = body.decode().replace(article.url, iri).encode()
    db = tmp_path / "caravan.db"
    imported = in_process("import-warc", str(write_warc(tmp_path / "past.warc", [(iri, OLD, 200, body, content_type)])),
                          "--db", str(db), "--jobs", "0")
    assert imported.stdout.startswith("1 captures of articles imported (1 new)"), imported.stdout
    out = tmp_path / "archive.wacz"
    assert cli("export", "--wacz", "-o", str(out), "--db", str(db)).returncode == 0  # warcio's temporary files
    uri = "https://www.caravan.kz/news/" + urllib.request.quote("новость-о-тарифах") + f"-{article.article_id}/"
    with zipfile.ZipFile(out) as wacz:
        index, pages = wacz.read("indexes/index.cdx").decode(), wacz.read("pages/pages.jsonl").decode()
        with wacz.open("archive/data.warc.gz") as warc:
            targets = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(warc)
                       if r.rec_type == "response"]
    assert targets == [uri]
    assert index.split(" ", 1)[0] == surt(uri) == f"kz,caravan)/news/{uri.rsplit('/news/', 1)[1][:-1].lower()}"
    assert json.loads(index.split(" ", 2)[2])["url"] == uri
    assert json.loads(pages.splitlines()[1])["url"] == uri
    pywb = Pywb(tmp_path / "pywb", [], wacz=out)
    try:
        with urllib.request.urlopen(f"{pywb.base}/caravan/20190514083000id_/{uri}") as response:
            assert response.read() == body
    finally:
        pywb.stop()
