"""Coverage-guided fuzzing of ``crawler.extract.extract_article`` with atheris (libFuzzer).

    python fuzz/fuzz_extract.py -runs=20000 -seed=1 -max_len=65536 [libFuzzer flags] [CORPUS_DIR]

Every input is one of two modes, picked by its first byte:

* raw (even first byte): the next :data:`HEADER` bytes build the fetched URL through
  ``atheris.FuzzedDataProvider`` (scheme, host, article id, tracking parameters, fragment); the
  rest of the input is the page body, as bytes. libFuzzer mutates fixture pages byte by byte.
* structured (odd first byte): the rest drives the tree mutations of ``tests/fuzz/mutations.py``
  (drop, duplicate and move elements, rewrite links and dates, inject ads of SITE.md's five
  shapes and scripts with marker text, re-encode, truncate) on one fixture page.

A crash is any exception escaping ``extract_article``, or a record that breaks the record
contract or carries injected ad or script text (``mutations.record_problem``); libFuzzer then
prints the traceback, writes the input to ``crash-<sha1>`` and exits non-zero. Replay a crash
with ``python fuzz/fuzz_extract.py crash-<sha1>``.

The seed corpus is every fixture page (and a shortened copy of each, for speed), rewritten on
each run to ``$TMPDIR/fuzz-extract-seeds-<uid>/`` and handed to libFuzzer with ``-seed_inputs``;
pass a directory to keep the corpus a run grows.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import atheris

REPO: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.fuzz.mutations, when run as `python fuzz/fuzz_extract.py`

with atheris.instrument_imports(include=["crawler", "w3lib", "parsel"]):
    from crawler.contract import violation
    from crawler.extract import extract_article

from tests.fuzz import mutations  # noqa: E402  (after sys.path and instrumentation)

#: Bytes after the mode byte that choose the URL of a raw input.
HEADER: Final = 8
_SCHEMES_HOSTS: Final = (
    "https://articles.example",
    "http://articles.example",
    "https://ARTICLES.example:443",
    "http://127.0.0.1:8000",
    "http://localhost:8080",
)
_SUFFIXES: Final = ("", "&utm_source=feed", "#comments", "&ref=home&fbclid=x1", "&p=0000001")
#: Shortened seeds keep this many blocks of the body and cards of the related list.
_SHORT: Final = 4
_MAX_OPS: Final = 8


def fetched_url(header: bytes) -> str:
    """A URL the crawler could have fetched an article from (always a valid URL: Scrapy never
    hands extraction a response for an unparseable one)."""
    fdp = atheris.FuzzedDataProvider(header)
    origin = fdp.PickValueInList(list(_SCHEMES_HOSTS))
    article = fdp.ConsumeIntInRange(0, 9_999_999)
    suffix = fdp.PickValueInList(list(_SUFFIXES))
    return f"{origin}/page.php?p={article:07d}{suffix}"


def check(record: dict[str, Any] | None, where: str) -> None:
    problem = mutations.record_problem(record)
    if problem is not None:
        raise AssertionError(f"{where}: {problem}")


def raw(data: bytes) -> None:
    url = fetched_url(data[:HEADER].ljust(HEADER, b"\0"))
    record = extract_article(data[HEADER:], url)
    # Byte damage can turn an ad into an ordinary element, so only the contract is checked.
    if record is not None and (reason := violation(record)):
        raise AssertionError(f"contract: {reason}")


def structured(data: bytes, seeds: tuple[mutations.Seed, ...]) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    seed = seeds[fdp.ConsumeIntInRange(0, len(seeds) - 1)]
    ops = [
        mutations.Op(
            kind=fdp.PickValueInList(list(mutations.ALL_OPS)),
            target=fdp.ConsumeIntInRange(0, 1 << 16),
            a=fdp.ConsumeIntInRange(0, 1 << 16),
            b=fdp.ConsumeIntInRange(0, 255),
            text=fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 32)),
        )
        for _ in range(fdp.ConsumeIntInRange(1, _MAX_OPS))
    ]
    how = None
    if fdp.ConsumeBool():
        how = mutations.Recode(
            codec=fdp.PickValueInList(list(mutations.CODECS)),
            declared=fdp.PickValueInList([None, *mutations.CHARSET_LABELS]),
            http_equiv=fdp.ConsumeBool(),
        )
    mutant = mutations.mutate(seed, ops, how)
    body = mutant.body
    if fdp.ConsumeBool():
        body = mutations.truncate(body, fdp.ConsumeIntInRange(0, len(body)))
    check(extract_article(body, mutant.url), " / ".join(mutant.steps))


def shortened(seed: mutations.Seed) -> mutations.Seed:
    """``seed`` with its body and related list cut to a few entries: same markup, ~5 KB."""
    doc = mutations.fresh(seed)
    for parent in (mutations.post_body(doc.root), *doc.root.find_class("related-list")):
        for child in list(parent)[_SHORT:] if parent is not None else ():
            child.drop_tree()
    return mutations.Seed(f"{seed.name}-short", mutations.serialize(doc), seed.url)


def seed_inputs(seeds: tuple[mutations.Seed, ...], folder: Path) -> list[Path]:
    """Raw-mode inputs (mode byte, zero URL header, page) and a few structured-mode ones."""
    inputs = [b"\0" * (1 + HEADER) + seed.body for seed in seeds]
    inputs += [bytes([1, index]) + bytes(range(2, 64)) for index in range(len(seeds))]
    paths = []
    for data in inputs:
        path = folder / hashlib.sha1(data).hexdigest()
        path.write_bytes(data)
        paths.append(path)
    return paths


def harness(seeds: tuple[mutations.Seed, ...]) -> Callable[[bytes], None]:
    def test_one_input(data: bytes) -> None:
        if not data:
            return
        if data[0] % 2:
            structured(data[1:], seeds)
        else:
            raw(data[1:])

    return test_one_input


def main(argv: list[str]) -> None:
    pages = mutations.load_seeds()
    if not pages:
        raise SystemExit("no seed pages: tests/fixtures/article/ and ../shared are missing")
    seeds = tuple(sorted({*pages, *map(shortened, pages)}, key=lambda seed: seed.name))
    replaying = any(Path(arg).is_file() for arg in argv[1:] if not arg.startswith("-"))
    if not replaying and not any(arg.startswith("-seed_inputs=") for arg in argv):
        folder = Path(tempfile.gettempdir()) / f"fuzz-extract-seeds-{os.getuid()}"
        folder.mkdir(exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        argv = [*argv, "-seed_inputs=" + ",".join(map(str, seed_inputs(seeds, folder)))]
    atheris.Setup(argv, harness(seeds))
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
