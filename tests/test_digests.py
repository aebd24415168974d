from __future__ import annotations

from crawler.digests import CONTENT_FIELDS, changed_fields, content_hash, field_digests
from tests.factories import make_article


def test_the_hash_ignores_what_names_or_describes_the_record() -> None:
    record = make_article(1).to_record()
    renamed = {**record, "url": "http://mirror/page.php?p=1", "version": 4, "fetched_at": "x"}
    assert content_hash(renamed) == content_hash(record)


def test_every_content_field_changes_the_hash_and_is_named() -> None:
    record = make_article(1).to_record()
    for name in CONTENT_FIELDS:
        edited = {**record, name: "something else"}
        assert content_hash(edited) != content_hash(record), name
        assert changed_fields(field_digests(record), field_digests(edited)) == [name]
