"""Sentences, titles and inline runs drawn from the corpus with a seeded ``random.Random``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from random import Random

from sample_site import corpus
from sample_site.model import Element, Entity, Inline, Run, Text

_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "between", "for", "from", "in", "into", "of", "on", "the", "to"}
)
_INLINE_MARK = re.compile(r"\[(\w+)\|([^\]]*)\]")

#: How the entity variant prints each character; forms rotate so every spelling appears.
ENTITY_FORMS: dict[str, tuple[str, ...]] = {
    "&": ("&amp;", "&#38;"),
    "’": ("&rsquo;", "&#x2019;", "&#8217;"),
    "é": ("&eacute;", "&#233;"),
    "è": ("&egrave;",),
    "—": ("&#8212;", "&mdash;"),
    "\u00a0": ("&nbsp;",),
    "“": ("&ldquo;", "&#8220;"),
    "”": ("&rdquo;", "&#x201D;"),
}


def capitalize(phrase: str) -> str:
    """First letter upper-cased, the rest untouched (``capitalize`` would lower "French")."""
    return phrase[:1].upper() + phrase[1:]


def title_case(phrase: str) -> str:
    """Headline capitalisation that keeps short function words lower-case.

    >>> title_case("the legacy of the French New Wave and censorship")
    'The Legacy of the French New Wave and Censorship'
    """
    words = phrase.split(" ")
    return " ".join(
        word.lower() if index and word.lower() in _SMALL_WORDS else capitalize(word)
        for index, word in enumerate(words)
    )


def parse_inline(marked: str, href: str | None = None) -> Inline:
    """Runs for text with ``[tag|text]`` marks; ``a`` marks link to ``href``.

    >>> parse_inline("[em|auteur]ism")
    (Element(tag='em', children=(Text(text='auteur'),), href=None), Text(text='ism'))
    """
    runs: list[Run] = []
    position = 0
    for match in _INLINE_MARK.finditer(marked):
        if match.start() > position:
            runs.append(Text(marked[position : match.start()]))
        tag, inner = match.group(1), match.group(2)
        runs.append(Element(tag, (Text(inner),), href if tag == "a" else None))
        position = match.end()
    if position < len(marked):
        runs.append(Text(marked[position:]))
    return tuple(runs)


def entity_runs(value: str, start: int = 0) -> Inline:
    """``value`` with the characters of :data:`ENTITY_FORMS` printed as references."""
    runs: list[Run] = []
    pending: list[str] = []
    counter = start
    for char in value:
        forms = ENTITY_FORMS.get(char)
        if forms is None:
            pending.append(char)
            continue
        if pending:
            runs.append(Text("".join(pending)))
            pending = []
        runs.append(Entity(char, forms[counter % len(forms)]))
        counter += 1
    if pending:
        runs.append(Text("".join(pending)))
    return tuple(runs)


def pick_subject(rng: Random, category_slug: str) -> str:
    """What an article of ``category_slug`` is about ("Senegalese cinema", "Locarno"...)."""
    slots = {
        "nation": rng.choice(corpus.NATIONS),
        "movement": rng.choice(corpus.MOVEMENTS),
        "festival": rng.choice(corpus.FESTIVALS),
        "doc_form": rng.choice(corpus.DOC_FORMS),
    }
    return rng.choice(corpus.SUBJECTS[category_slug]).format(**slots)


class Prose:
    """Prose about one subject: the head and the body of an article share it."""

    def __init__(self, rng: Random, subject: str) -> None:
        self.rng = rng
        self.subject = subject

    def _values(self) -> dict[str, str]:
        pick = self.rng.sample
        concept, concept2 = pick(corpus.CONCEPTS, 2)
        venue, venue2 = pick(corpus.VENUES, 2)
        adj, adj2 = pick(corpus.ADJECTIVES, 2)
        values = {
            "subject": self.subject,
            "concept": concept,
            "concept2": concept2,
            "practice": self.rng.choice(corpus.PRACTICES),
            "group": self.rng.choice(corpus.GROUPS),
            "venue": venue,
            "venue2": venue2,
            "adj": adj,
            "adj2": adj2,
        }
        values |= {capitalize(key): capitalize(value) for key, value in values.items()}
        return values

    def fill(self, template: str) -> str:
        return template.format(**self._values())

    def sentence(self) -> str:
        return self.fill(self.rng.choice(corpus.SENTENCES))

    def sentences(self, count: int) -> Iterator[str]:
        # Distinct templates, so a paragraph never says the same thing twice.
        for template in self.rng.sample(corpus.SENTENCES, count):
            yield self.fill(template)

    def paragraph(self) -> str:
        return " ".join(self.sentences(self.rng.randint(3, 6)))

    def short_paragraph(self) -> str:
        return self.fill(self.rng.choice(corpus.SHORT_SENTENCES))

    def heading(self) -> str:
        text = self.fill(self.rng.choice(corpus.HEADINGS))
        return capitalize(text) + ("." if self.rng.random() < 0.3 else "")

    def title(self) -> str:
        text = title_case(self.fill(self.rng.choice(corpus.TITLES)))
        # The site prints some titles with a final period; records keep it.
        return text + ("." if self.rng.random() < 0.3 else "")

    def teaser(self) -> str:
        return capitalize(self.fill(self.rng.choice(corpus.TEASERS)))

    def list_items(self) -> list[str]:
        templates = self.rng.sample(corpus.LIST_ITEMS, self.rng.randint(3, len(corpus.LIST_ITEMS)))
        return [capitalize(self.fill(template)) for template in templates]

    def list_intro(self) -> str:
        return self.fill(self.rng.choice(corpus.LIST_INTROS))
