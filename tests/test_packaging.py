"""The wheel holds the crawler only: no sample site, demo, tests, benchmarks, fuzzers or data.

The dev tooling lives beside ``crawler/`` in the checkout (``sample_site/``, ``tests/``,
``bench/``, ``fuzz/``, ``data/``) and is imported from there; ``[tool.setuptools.packages.find]``
in pyproject.toml keeps it out of the distribution. The wheel is built with this virtualenv's
setuptools (``pip wheel --no-build-isolation``: nothing is downloaded) from a copy of the
checkout, so a ``build/`` folder left by an earlier build can add nothing to it and the checkout
gets no ``build/`` or ``*.egg-info`` of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Not the checkout's source: version control, virtualenvs, caches, build output.
SKIPPED = {".git", ".venv", "build", "dist", "__pycache__", ".hypothesis"}
#: Crawl output under data/ (gitignored), which may be large.
SKIPPED_IN_DATA = {"archive", "state"}
#: Top-level folders of the checkout that must stay out of the wheel.
DEV_TOOLING = {"sample_site", "tests", "bench", "fuzz", "data"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    skipped = {name for name in names if name in SKIPPED or name.endswith((".egg-info", "_cache"))}
    if Path(folder) == ROOT / "data":
        skipped |= SKIPPED_IN_DATA & set(names)
    return skipped


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    work = tmp_path_factory.mktemp("packaging")
    source, out = work / "source", work / "wheels"
    shutil.copytree(ROOT, source, ignore=_ignore, symlinks=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-cache-dir", "--disable-pip-version-check", "-w", str(out), str(source)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, (
        "pip wheel failed; without build isolation it needs setuptools>=70.1 in this"
        " virtualenv (the test extra: pip install -e '.[test]')\n"
        f"{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    )
    [path] = out.glob("evergreen_crawler-*.whl")
    with zipfile.ZipFile(path) as contents:
        yield contents


def test_the_wheel_holds_the_crawler_package_and_its_metadata_only(
    wheel: zipfile.ZipFile,
) -> None:
    names = wheel.namelist()
    tops = {name.split("/")[0] for name in names}
    [dist_info] = [top for top in tops if top.endswith(".dist-info")]
    assert dist_info.startswith("evergreen_crawler-")
    assert tops == {"crawler", dist_info}
    folders = {part for name in names for part in name.split("/")[:-1]}
    assert not folders & DEV_TOOLING, sorted(folders & DEV_TOOLING)
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_every_crawler_module_and_data_file_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    package = ROOT / "crawler"
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    schemas = {path.relative_to(ROOT).as_posix() for path in package.glob("schema/*.schema.json")}
    assert "crawler/schema/article.schema.json" in schemas
    packaged = {name for name in wheel.namelist() if name.startswith("crawler/")}
    assert packaged == modules | schemas | {"crawler/py.typed"}


def test_the_wheel_declares_scrapyds_settings_and_the_extract_command(
    wheel: zipfile.ZipFile,
) -> None:
    [entry_points] = [name for name in wheel.namelist() if name.endswith("/entry_points.txt")]
    declared = wheel.read(entry_points).decode("utf-8")
    assert "[scrapy]\nsettings = crawler.settings" in declared
    assert "[console_scripts]\nevergreen-extract = crawler.extract:main" in declared
