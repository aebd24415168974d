"""``evergreen-extract PAGE URL``: the record of a saved page, printed as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import main

SPECIMEN = Path(__file__).parent / "fixtures" / "article" / "specimen"


def test_prints_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    url = (SPECIMEN / "url.txt").read_text(encoding="utf-8").strip()
    assert main([str(SPECIMEN / "page.html"), url]) == 0
    expected = json.loads((SPECIMEN / "expected.json").read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == expected


def test_prints_null_for_a_page_that_is_not_an_article(capsys: pytest.CaptureFixture[str]) -> None:
    folder = SPECIMEN.parent / "no-title"
    url = (folder / "url.txt").read_text(encoding="utf-8").strip()
    assert main([str(folder / "page.html"), url]) == 0
    assert capsys.readouterr().out.strip() == "null"


def test_unreadable_page_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "missing.html"), "https://articles.example/page.php?p=1"])
    assert exit_info.value.code == 2
    assert "cannot read" in capsys.readouterr().err
