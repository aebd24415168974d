"""Learning the body: the container whose blocks, once the subtrees that are not in the
archived body are dropped, are the archived blocks.

1. Each archived block is found on the page: the innermost element whose text is the block's.
2. The container is what holds them all, named by a selector that finds it on every page.
3. Each block kind gets the simplest selector that matches an element of every block of that
   kind, and none of another kind.
4. What that reads beyond the archived blocks (a sponsored block in the body's own paragraph
   markup) is dropped: the outermost subtree around it that holds no archived block gives a
   boilerplate rule, kept if it drops no archived block on any page.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from crawler.pages.text import is_non_text, normalize_space, raw_text, string_value, text_content
from crawler.pages.tree import Element
from crawler.templates.candidates import (
    content_elements,
    distinctive,
    own_selectors,
    ranked,
    selectors_for,
)
from crawler.templates.fields import Failure
from crawler.templates.model import BlockRule, Body
from crawler.templates.select import select_all, select_first

Blocks = Sequence[tuple[str, str]]
#: Rule candidates tried per block kind, and drop rules added at most.
TOP_RULES = 4
MAX_DROPS = 6


@dataclass(slots=True)
class _Page:
    root: Element
    blocks: Blocks
    #: Per archived block, the chain of elements (innermost first) whose text is the block's.
    chains: list[list[Element]]
    container: Element


def _index(root: Element, longest: int) -> dict[str, list[Element]]:
    """Elements by their text, for elements short enough to be one block."""
    found: dict[str, list[Element]] = {}
    for element in content_elements(root):
        if len(string_value(element)) <= 2 * longest + 200:
            found.setdefault(text_content(element), []).append(element)
    return found


def _chains(elements: list[Element]) -> list[list[Element]]:
    """``elements`` (in document order) grouped into nests, each innermost first."""
    nests: list[list[Element]] = []
    for element in elements:
        if nests and any(up is nests[-1][-1] for up in element.iterancestors()):
            nests[-1].append(element)
        else:
            nests.append([element])
    # Document order puts the outermost first within a nest.
    return [list(reversed(nest)) for nest in nests]


def _locate(root: Element, blocks: Blocks) -> list[list[Element]] | None:
    index = _index(root, max((len(text) for _kind, text in blocks), default=0))
    seen: dict[str, int] = {}
    chains = []
    for _kind, text in blocks:
        nests = _chains(index.get(text, []))
        occurrence = seen.get(text, 0)
        if occurrence >= len(nests):
            return None
        seen[text] = occurrence + 1
        chains.append(nests[occurrence])
    return chains


def _common_ancestor(elements: Sequence[Element]) -> Element | None:
    if not elements:
        return None
    shared = [elements[0], *elements[0].iterancestors()]
    for element in elements[1:]:
        mine = {element, *element.iterancestors()}
        shared = [e for e in shared if e in mine]
    # A block's own element is not its container (a body of one block).
    return next((e for e in shared if all(e is not x for x in elements)), None)


def extracted(container: Element, body: Body) -> list[tuple[Element, str, str]]:
    """What ``body`` reads from ``container``: each block's element, kind and text."""
    dropped = {e for css in body.drop for e in select_all(container, css, inside=True)}
    kinds: dict[Element, str] = {}
    for rule in reversed(body.blocks):
        for element in select_all(container, rule.select, inside=True):
            kinds[element] = rule.kind
    found = []
    walker = etree.iterwalk(container, events=("start",))
    for _event, element in walker:
        if element is container:
            continue
        if is_non_text(element) or element in dropped:
            walker.skip_subtree()
            continue
        kind = kinds.get(element)
        if kind is not None:
            walker.skip_subtree()
            text = normalize_space(raw_text(element, lambda e: e in dropped))
            if text:
                found.append((element, kind, text))
    return found


def _rule_candidates(pages: Sequence[_Page], kind: str, other: str) -> list[str]:
    """Selectors matching an element of every block of ``kind``, and of no block of
    ``other``'s chain."""
    shared: set[str] | None = None
    excluded: set[str] = set()
    for page in pages:
        for (block_kind, _text), chain in zip(page.blocks, page.chains, strict=True):
            names = {s for e in chain for s in own_selectors(e, positional=False)}
            if block_kind == kind:
                shared = names if shared is None else shared & names
            elif block_kind == other:
                excluded |= names
    return ranked((shared or set()) - excluded)[:TOP_RULES]


def _drop_rule(pages: Sequence[_Page], body: Body, extra: Element, page: _Page) -> str | None:
    """A rule dropping the outermost subtree around ``extra`` that holds no archived block,
    and on no page any archived block."""
    kept = {e for chain in page.chains for e in chain}
    subtree = extra
    for ancestor in extra.iterancestors():
        if ancestor is page.container:
            break
        inside = set(ancestor.iter())
        if inside & kept:
            break
        subtree = ancestor
    for css in [*distinctive(subtree), subtree.tag]:
        if css in body.drop or not isinstance(css, str):
            continue
        if all(_spares_blocks(other, css) for other in pages):
            return css
    return None


def _spares_blocks(page: _Page, css: str) -> bool:
    held = {e for chain in page.chains for e in chain[:1]}
    for element in select_all(page.container, css, inside=True):
        if any(e in held for e in element.iter()):
            return False
    return True


def _fit(pages: Sequence[_Page], body: Body) -> tuple[Body, int]:
    """``body`` with the drop rules its extra blocks call for; how many pages it reads."""
    for _round in range(MAX_DROPS + 1):
        right = 0
        added = None
        for page in pages:
            found = extracted(page.container, body)
            texts = [(kind, text) for _e, kind, text in found]
            if texts == [tuple(block) for block in page.blocks]:
                right += 1
                continue
            if added is not None:
                continue
            matcher = difflib.SequenceMatcher(a=[tuple(b) for b in page.blocks], b=texts)
            for tag, _a1, _a2, b1, b2 in matcher.get_opcodes():
                if tag in ("insert", "replace") and b2 > b1:
                    added = _drop_rule(pages, body, found[b1][0], page)
                    break
        if right == len(pages) or added is None:
            return body, right
        body = Body(body.container, body.blocks, (*body.drop, added))
    return body, right


def learn_body(examples: Sequence[tuple[Element, Blocks]]) -> Body | Failure:
    pages = []
    for root, blocks in examples:
        chains = _locate(root, blocks)
        container = _common_ancestor([chain[0] for chain in chains]) if chains else None
        if chains is None or container is None:
            return Failure("body", 0, len(examples), "archived blocks not found on the page")
        pages.append(_Page(root, blocks, chains, container))
    containers = ranked(
        itertools.chain.from_iterable(selectors_for(p.container) for p in pages[:2])
    )
    container_css = next(
        (css for css in containers if all(select_first(p.root, css) is p.container for p in pages)),
        None,
    )
    if container_css is None:
        return Failure("body", 0, len(pages), "no selector finds the body's container")
    paragraphs = _rule_candidates(pages, "paragraph", "heading") or [""]
    headings = _rule_candidates(pages, "heading", "paragraph") or [""]
    best = 0
    for paragraph, heading in itertools.product(paragraphs, headings):
        rules = [BlockRule(paragraph, "paragraph")] if paragraph else []
        if heading:
            rules.append(BlockRule(heading, "heading"))
        body, right = _fit(pages, Body(container_css, tuple(rules)))
        if right == len(pages):
            return body
        best = max(best, right)
    return Failure("body", best, len(pages))
