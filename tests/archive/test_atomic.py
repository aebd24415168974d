from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.atomic import atomic_replace, atomic_write, open_path


def test_atomic_write_publishes_the_data(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    atomic_write(target, b"{}\n")
    assert target.read_bytes() == b"{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_final_name_appears_only_with_complete_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "categories.jsonl"
    data = b'{"n":1}\n' * 100
    seen: list[tuple[bool, bytes]] = []
    real_rename = Path.rename

    def spy(self: Path, dst: Path) -> Path:
        seen.append((Path(dst).exists(), self.read_bytes()))
        return real_rename(self, dst)

    monkeypatch.setattr(Path, "rename", spy)
    atomic_write(target, data)
    assert seen == [(False, data)]


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"first\n")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second\n")
    assert target.read_bytes() == b"first\n"


def test_open_path_adds_the_suffix() -> None:
    assert open_path(Path("run/articles-00001.jsonl")).name == "articles-00001.jsonl.open"


def test_atomic_replace_replaces_a_derived_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")
    atomic_replace(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_atomic_replace_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")

    def full(self: Path, dst: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", full)
    with pytest.raises(OSError, match="No space"):
        atomic_replace(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
