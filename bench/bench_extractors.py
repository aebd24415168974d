"""trafilatura and newspaper4k beside our extraction, on the same saved pages, offline.

    python bench/bench_extractors.py [--rounds 7] [--cases specimen long-body]

Needs the ``bench`` extra (``pip install -e '.[bench]'``); without it, it says so and exits 0.

Each case is a fixture folder, ``tests/fixtures/article/<case>/{page.html,url.txt,expected.json}``:
the specimen, the long-body page and the sponsored page by default. Every extractor gets the
page's bytes and URL and nothing else (newspaper4k's HTML is handed to
``Article.download(input_html=...)``, so it fetches nothing); an audit hook refuses every
network connection outside the loopback for the whole process and counts the attempts.

Speed: each call is timed alone; the extractors and the floor (``lxml.html.fromstring`` of
the same bytes) are interleaved in every round, and the best of ``--rounds`` is kept for each.
Accuracy, against the fixture's expected record:

- title, summary (trafilatura's ``description``, newspaper4k's ``meta_description``) and the
  published date (as ``YYYY-MM-DD``): equal after whitespace is collapsed, or not;
- body: bag-of-words precision, recall and F1 of the extractor's main text against the
  record's ``body`` (whitespace-separated tokens, case kept, counted with multiplicity: the
  share of its tokens that are in our body, and of ours that are in its text);
- ad labels: how many more times ``ADVERTISEMENT`` / ``Sponsored`` (any case, as words) occur in
  its main text than in the expected body.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lxml.html
from harness import ROOT

from crawler import extract_article

FIXTURES = ROOT / "tests" / "fixtures" / "article"
#: The specimen and the long-body page; ``sponsored`` adds the one ad shape they lack (a
#: "Sponsored" block with a promotional line and link), for the ad-label check.
DEFAULT_CASES = ("specimen", "long-body", "sponsored")
#: The distributions the ``bench`` extra installs, by the module each provides.
EXTRA_MODULES = {"trafilatura": "trafilatura", "newspaper": "newspaper4k"}
AD_LABEL = re.compile(r"\b(?:advertisement|sponsored)\b", re.IGNORECASE)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", ""})

FLOOR = "lxml.html.fromstring (floor)"
OURS = "extract_article (ours)"
TRAFILATURA = "trafilatura"
NEWSPAPER = "newspaper4k"


# ---- no network -------------------------------------------------------------------------------


class NetworkRefused(OSError):
    """Raised by the audit hook for a connection to anything but the loopback."""


#: Every refused attempt: ``(event, host)``.
REFUSED: list[tuple[str, str]] = []
_guarded = False


def _loopback(host: object) -> bool:
    if host is None or isinstance(host, bytes | bytearray):
        host = (host or b"").decode() if not isinstance(host, str) else host
    return isinstance(host, str) and (host in LOOPBACK_HOSTS or host.startswith("127."))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect":
        address = args[1]
        if not isinstance(address, tuple):  # a Unix socket
            return
        host = address[0]
    else:
        return
    if not _loopback(host):
        REFUSED.append((event, str(host)))
        raise NetworkRefused(f"bench: no network outside the loopback ({event} {host!r})")


def forbid_network() -> None:
    """Refuse, for the rest of this process, every connection to a host off the loopback."""
    global _guarded
    if not _guarded:
        sys.addaudithook(_audit)
        _guarded = True


# ---- the extractors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Extraction:
    """The fields compared, as one extractor returned them (``None``: not found)."""

    title: str | None
    summary: str | None
    published: str | None
    text: str


Extractor = Callable[[bytes, str], Extraction]


def missing_extra() -> list[str]:
    """Distributions of the ``bench`` extra that cannot be imported."""
    missing = []
    for module, distribution in EXTRA_MODULES.items():
        try:
            with warnings.catch_warnings():
                # newspaper4k warns at import that nltk (its NLP extra) is absent: not used here.
                warnings.simplefilter("ignore")
                importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    return missing


def _iso_date(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value:
        return value[:10]
    return None


def floor(body: bytes, url: str) -> object:
    return lxml.html.fromstring(body)


def ours(body: bytes, url: str) -> Extraction:
    record = extract_article(body, url)
    if record is None:
        return Extraction(None, None, None, "")
    return Extraction(
        record.get("title"), record.get("summary"), record.get("published"), record["body"]
    )


def trafilatura_extractor() -> Extractor:
    trafilatura: Any = importlib.import_module("trafilatura")

    def extract(body: bytes, url: str) -> Extraction:
        # Default settings (with its fallbacks), metadata on: the usual way to call it.
        document = trafilatura.bare_extraction(body, url=url, with_metadata=True)
        if document is None:
            return Extraction(None, None, None, "")
        return Extraction(
            document.title, document.description, _iso_date(document.date), document.text or ""
        )

    return extract


def newspaper_extractor() -> Extractor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        newspaper: Any = importlib.import_module("newspaper")
    config = newspaper.Config()
    config.fetch_images = False  # it would download images to pick the top one
    config.memorize_articles = False  # no cache of seen URLs between calls

    def extract(body: bytes, url: str) -> Extraction:
        article = newspaper.Article(url, config=config)
        # input_html: parse this HTML, fetch nothing. It takes text; bytes are decoded as the
        # page declares (UTF-8 on these fixtures).
        article.download(input_html=body.decode("utf-8", errors="replace"))
        article.parse()
        return Extraction(
            article.title or None,
            article.meta_description or None,
            _iso_date(article.publish_date),
            article.text or "",
        )

    return extract


# ---- accuracy ---------------------------------------------------------------------------------


def _collapse(value: str | None) -> str | None:
    return None if value is None else " ".join(value.split())


def token_scores(found: str, expected: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of ``found`` against ``expected``.

    >>> token_scores("a b b c", "a b c d")
    (0.75, 0.75, 0.75)
    """
    got, want = Counter(found.split()), Counter(expected.split())
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class Accuracy:
    title: bool
    summary: bool
    published: bool
    precision: float
    recall: float
    f1: float
    ad_labels: int

    @classmethod
    def of(cls, found: Extraction, expected: dict[str, Any]) -> Accuracy:
        precision, recall, f1 = token_scores(found.text, expected["body"])
        leaked = len(AD_LABEL.findall(found.text)) - len(AD_LABEL.findall(expected["body"]))
        return cls(
            title=_collapse(found.title) == _collapse(expected["title"]),
            summary=_collapse(found.summary) == _collapse(expected["summary"]),
            published=found.published == expected["published"],
            precision=precision,
            recall=recall,
            f1=f1,
            ad_labels=max(leaked, 0),
        )


# ---- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    url: str
    expected: dict[str, Any]

    @classmethod
    def load(cls, name: str) -> Case:
        folder = FIXTURES / name
        return cls(
            name,
            (folder / "page.html").read_bytes(),
            (folder / "url.txt").read_text(encoding="utf-8").strip(),
            json.loads((folder / "expected.json").read_text(encoding="utf-8")),
        )


@dataclass
class Row:
    """One extractor on one page."""

    case: str
    kilobytes: float
    extractor: str
    seconds: float
    floor_seconds: float
    accuracy: Accuracy | None = None

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds


@dataclass
class Result:
    rounds: int
    rows: list[Row] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def best_times(
    functions: dict[str, Callable[[bytes, str], object]], case: Case, rounds: int
) -> dict[str, float]:
    """Best of ``rounds`` timed calls of each function on the page, interleaved: every round
    calls each once, starting from a different one, so load that comes and goes weighs alike."""
    best = dict.fromkeys(functions, float("inf"))
    names = list(functions)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            functions[name](case.body, case.url)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def measure(cases: Sequence[str] = DEFAULT_CASES, rounds: int = 7) -> Result:
    """Time and score our extraction, trafilatura and newspaper4k on each case. The ``bench``
    extra must be installed (see :func:`missing_extra`)."""
    forbid_network()
    extractors: dict[str, Extractor] = {
        OURS: ours,
        TRAFILATURA: trafilatura_extractor(),
        NEWSPAPER: newspaper_extractor(),
    }
    result = Result(rounds)
    for name in cases:
        case = Case.load(name)
        # One untimed call each first: imports, lazily compiled expressions and caches warm up.
        outputs = {label: extract(case.body, case.url) for label, extract in extractors.items()}
        floor(case.body, case.url)
        timed: dict[str, Callable[[bytes, str], object]] = {FLOOR: floor, **extractors}
        best = best_times(timed, case, rounds)
        kilobytes = len(case.body) / 1024
        result.rows.append(Row(name, kilobytes, FLOOR, best[FLOOR], best[FLOOR]))
        for label, output in outputs.items():
            accuracy = Accuracy.of(output, case.expected)
            result.rows.append(Row(name, kilobytes, label, best[label], best[FLOOR], accuracy))
    result.refused = list(REFUSED)
    return result


def _mark(value: bool) -> str:
    return "yes" if value else "**no**"


def report_lines(result: Result) -> list[str]:
    lines = [
        f"### Extractors on the same pages, offline: best of {result.rounds} interleaved calls",
        "",
        "| page | extractor | ms/page | ÷ lxml parse | title | summary | date "
        "| body P / R / F1 | ad labels leaked |",
        "| --- | --- | ---: | ---: | --- | --- | --- | --- | ---: |",
    ]
    for row in result.rows:
        page = f"{row.case} ({row.kilobytes:.0f} KiB)"
        timing = f"| {row.seconds * 1000:.2f} | {row.ratio:.2f} "
        a = row.accuracy
        if a is None:
            lines.append(f"| {page} | {row.extractor} {timing}| | | | | |")
            continue
        lines.append(
            f"| {page} | {row.extractor} {timing}| {_mark(a.title)} | {_mark(a.summary)} "
            f"| {_mark(a.published)} | {a.precision:.3f} / {a.recall:.3f} / {a.f1:.3f} "
            f"| {a.ad_labels} |"
        )
    refused = ", ".join(f"{event} {host}" for event, host in result.refused) or "none"
    lines += ["", f"- network connections attempted (and refused): {refused}"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed calls per extractor")
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), help="fixture names")
    args = parser.parse_args(argv)
    missing = missing_extra()
    if missing:
        print(
            f"skipped: {', '.join(missing)} not installed (pip install -e '.[bench]', "
            "or make bench)"
        )
        return 0
    print("\n".join(report_lines(measure(args.cases, args.rounds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
