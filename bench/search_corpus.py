"""Synthetic essays for ``bench_search.py``: a natural vocabulary, not the generated site's.

The generated site (``sample_site.large``) builds its articles from small pools of sentences:
100,000 of them share 529 distinct words, each in more than 1 % of the articles, which no
search index sees in a real archive. Here every word is drawn from a Zipf distribution over
``VOCABULARY`` words, the commonest being English function words, as in prose.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

#: The commonest words of English prose, most frequent first: the head of the Zipf ranks.
FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "it",
    "for",
    "as",
    "with",
    "was",
    "on",
    "by",
    "this",
    "be",
    "are",
    "from",
    "at",
    "or",
    "his",
    "an",
    "which",
    "not",
    "but",
    "have",
    "had",
    "its",
    "their",
    "they",
    "one",
    "were",
    "has",
    "all",
    "been",
    "more",
    "also",
    "into",
    "than",
    "film",
    "can",
    "who",
    "other",
    "these",
    "first",
    "her",
    "what",
    "when",
    "there",
    "would",
    "such",
    "some",
    "new",
    "only",
    "about",
    "its",
    "most",
    "many",
]
CATEGORIES = (
    "National cinemas", "Film history", "Festivals & awards", "Documentary", "Animation",
    "Screenwriting", "Film criticism", "Cinematography",
)  # fmt: skip
VOCABULARY = 100_000
ZIPF = 1.07
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


class Corpus:
    """Synthetic essays: every word drawn from a Zipf distribution over ``VOCABULARY`` words
    (``FUNCTION_WORDS`` first, then made-up words of two to four syllables), in sentences and
    paragraphs; article ``n`` is the same for the same ``seed``."""

    def __init__(self, seed: int = 0) -> None:
        draw = random.Random(seed)
        words = list(dict.fromkeys(FUNCTION_WORDS))
        seen = set(words)
        while len(words) < VOCABULARY:
            word = "".join(draw.choices(_SYLLABLES, k=draw.choice((2, 2, 3, 3, 4))))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        self.cumulative = list(
            itertools.accumulate(1 / rank**ZIPF for rank in range(1, len(words) + 1))
        )
        self.seed = seed

    def _text(self, draw: random.Random, count: int) -> str:
        return " ".join(draw.choices(self.words, cum_weights=self.cumulative, k=count))

    def _sentence(self, draw: random.Random) -> str:
        text = self._text(draw, draw.randrange(8, 21))
        return text[0].upper() + text[1:] + "."

    def paragraph(self, draw: random.Random) -> str:
        return " ".join(self._sentence(draw) for _ in range(draw.randrange(3, 7)))

    def article(self, n: int, edition: int = 1) -> dict[str, Any]:
        """Article ``n`` as the crawl extracts it, at ``edition`` (2: one paragraph rewritten)."""
        draw = random.Random(f"{self.seed}/{n}")
        title = self._text(draw, draw.randrange(5, 11)).title()
        summary = self._sentence(draw) + " " + self._sentence(draw)
        paragraphs = [self.paragraph(draw) for _ in range(draw.randrange(6, 12))]
        if edition > 1:
            paragraphs[0] = self.paragraph(random.Random(f"{self.seed}/{n}/{edition}"))
        published = date(1990, 1, 1) + timedelta(days=draw.randrange(36 * 365))
        article_id = f"{2_000_000 + n}"
        return {
            "type": "article",
            "url": f"https://articles.example/page.php?p={article_id}",
            "id": article_id,
            "title": title,
            "summary": summary,
            "published": published.isoformat(),
            "category": CATEGORIES[n % len(CATEGORIES)],
            "body": "\n\n".join(paragraphs),
            "blocks": [{"kind": "paragraph", "text": text} for text in paragraphs],
            "related": [],
        }
