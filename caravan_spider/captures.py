"""How capture bodies are stored: zstd with a dictionary trained on the archive's own captures.

Pages of one site share most of their bytes (template, menus, scripts), so a dictionary trained
on a few of them stores the next pages at a few per cent of their size, against ~30 % for gzip.
Dictionaries live in the archive (`capture_dictionaries`); each capture names the one it needs.
The first dictionary is trained once the archive holds TRAIN_FIRST captures and a new one each
time the archive has grown RETRAIN_GROWTH-fold since (8, 64, 512, 4096 ... captures), so
retraining is rare. Older captures keep their dictionary, and gzip captures stay readable.

The first captures of an archive are stored before any dictionary, or with one trained on a
handful of pages: at the end of a run those early captures (none, or a dictionary trained on
fewer than EARLY_SAMPLES pages) are stored again with a dictionary trained on the archive as it
now is (Archive.compact_captures), so a small archive is as compact as a big one. Their bytes as
fetched never change: each is checked against its sha256 before its new form replaces the old.

The binding is `backports.zstd`: the Python 3.14 `compression.zstd` API for 3.11, maintained by
CPython's zstd authors and already installed with Scrapy 2.19, so no extra dependency; on Python
≥ 3.14 the standard library module is the same code.
"""

from __future__ import annotations

import gzip
import sys
import zlib

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

LEVEL = 3  # zstd's default: ~0.1 ms per page here; higher levels gain little with a dictionary
TRAIN_FIRST = 8  # the fewest captures zstd's trainer accepts for a useful dictionary
RETRAIN_GROWTH = 8  # retrain when the archive has this many times the captures it had at training
MAX_SAMPLES = 1000  # the newest captures a dictionary is trained on, at most...
# ...and no more bytes of them than this once EARLY_SAMPLES are taken: training takes ~50 ms per MB and
# blocks the crawl; on 81 KB pages 11 MB of samples (0.5 s) stored the next pages at 1.9 %, 82 MB (4.7 s) at 1.7 %.
MAX_SAMPLE_BYTES = 100 * 112_640
MAX_DICTIONARY = 112_640  # zstd's usual dictionary size; small dictionaries from few samples
# A dictionary is 1/16 of its samples' bytes, at least 16 KB: the sample site's 100 pages store at
# 6 % with it (12 % with the dictionary); 1/4 gave 11 % (31 %), a big dictionary from few pages is worse.
DICTIONARY_SHARE = 16
MIN_DICTIONARY = 16_384  # below this, eight pages' dictionary stored the next at 17 % instead of 6 %
EARLY_SAMPLES = 100  # captures stored with a dictionary trained on fewer pages are stored again at a run's end
COMPACT_PER_RUN = 5000  # at most this many early captures per run (an old archive's gzip captures, over several runs)


class CaptureFormatError(ValueError):
    """A capture this version cannot read: stored in a way it does not know, or damaged."""


def decompress_capture(compression: str | None, body: bytes, dictionary: zstd.ZstdDict | None = None) -> bytes:
    """A capture's body as fetched, whatever way it was stored (every reader goes through here)."""
    try:
        if compression == "zstd":
            return zstd.decompress(body, zstd_dict=dictionary) if dictionary is not None else zstd.decompress(body)
        if compression == "gzip":
            return gzip.decompress(body)
    except (zstd.ZstdError, OSError, EOFError, zlib.error) as error:  # (gzip's BadGzipFile is an OSError)
        raise CaptureFormatError(f"its {compression} bytes cannot be read ({error}); the archive is damaged: "
                                 "restore it from a backup") from None
    if compression in (None, "", "identity"):
        return body
    raise CaptureFormatError(f"capture compressed with {compression!r}, which this version cannot read; "
                             "upgrade caravan-archive")


def compress(body: bytes, dictionary: zstd.ZstdDict | None) -> bytes:
    if dictionary is None:
        return zstd.compress(body, LEVEL)
    # Digested once and kept by the ZstdDict: handed as it is, zstd loads the dictionary again for
    # every page (0.42 ms of 0.52 per 82 KB page). The stored bytes are the same below DIGESTED_BELOW:
    # past it zstd compresses with other parameters when handed the digested dictionary.
    if len(body) < max(DIGESTED_BELOW, DIGESTED_DICTIONARY_SHARE * len(dictionary.dict_content)):
        return zstd.compress(body, LEVEL, zstd_dict=dictionary.as_digested_dict)
    return zstd.compress(body, LEVEL, zstd_dict=dictionary)


# zstd uses a digested dictionary's own parameters only for inputs smaller than 128 KiB or than six
# times the dictionary (ZSTD_USE_CDICT_PARAMS_SRCSIZE_CUTOFF, ..._DICTSIZE_MULTIPLIER in zstd_compress.c).
DIGESTED_BELOW = 128 * 1024
DIGESTED_DICTIONARY_SHARE = 6


# A capture shorter than this is no sample: an empty answer or a redirect teaches nothing, and zstd's
# trainer crashed the process (SIGSEGV) on eight 1-byte samples, or on two pages among six empty ones.
MIN_SAMPLE = 64


def samples(bodies) -> list[bytes]:
    """The bodies (newest first) a dictionary is trained on: MAX_SAMPLES of them at most, and
    beyond EARLY_SAMPLES only while they hold fewer than MAX_SAMPLE_BYTES; none under MIN_SAMPLE."""
    taken, size = [], 0
    for body in bodies:
        if len(taken) >= MAX_SAMPLES or (len(taken) >= EARLY_SAMPLES and size >= MAX_SAMPLE_BYTES):
            break
        if len(body) >= MIN_SAMPLE:
            taken.append(body)
            size += len(body)
    return taken


def train(samples: list[bytes]) -> bytes | None:
    """A dictionary trained on sample bodies (1/DICTIONARY_SHARE of their size, within MIN_DICTIONARY and
    MAX_DICTIONARY); None with fewer than TRAIN_FIRST samples, or when zstd finds nothing to learn
    (the captures are then stored with the dictionary they would have had, or none)."""
    if len(samples) < TRAIN_FIRST or any(len(sample) < MIN_SAMPLE for sample in samples):
        return None
    size = min(MAX_DICTIONARY, max(MIN_DICTIONARY, sum(map(len, samples)) // DICTIONARY_SHARE))
    try:
        return zstd.train_dict(samples, size).dict_content
    except zstd.ZstdError:
        return None


def load(content: bytes) -> zstd.ZstdDict:
    return zstd.ZstdDict(content)


def due(captures: int, trained_at: int | None) -> bool:
    """Whether a new dictionary should be trained, with `captures` in the archive and the current
    dictionary trained when it held `trained_at` (None: no dictionary yet)."""
    if trained_at is None:
        return captures >= TRAIN_FIRST
    return captures >= RETRAIN_GROWTH * trained_at
