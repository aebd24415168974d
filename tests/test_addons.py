"""The state backends plug in through add-ons: one setting switches a backend's components."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from crawler.addons import StateBackends, backend_problem
from crawler.redis import RedisAddon

STATE = "crawler.extensions.state.CrawlStateExtension"
WORKER = "crawler.redis.extension.WorkerStateExtension"


def project(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def test_without_redis_url_the_core_components_stay() -> None:
    settings = project()
    StateBackends().update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.scheduler.StateScheduler"
    assert settings.getdict("EXTENSIONS")[STATE] == 10
    assert WORKER not in settings.getdict("EXTENSIONS")


def test_redis_url_alone_makes_a_worker() -> None:
    settings = project(REDIS_URL="redis://127.0.0.1:6379/0")
    StateBackends().update_settings(settings)
    extensions = settings.getdict("EXTENSIONS")
    assert settings["SCHEDULER"] == "crawler.redis.scheduler.RedisScheduler"
    assert settings["DUPEFILTER_CLASS"] == "crawler.redis.dupefilter.FrontierDupeFilter"
    assert extensions[STATE] is None and extensions[WORKER] == 10


def test_the_redis_addon_can_be_named_explicitly() -> None:
    settings = project()
    RedisAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.redis.scheduler.RedisScheduler"


def test_a_scheduler_given_on_purpose_is_kept() -> None:
    settings = project(REDIS_URL="redis://127.0.0.1:6379/0", SCHEDULER="my.Scheduler")
    StateBackends().update_settings(settings)
    assert settings["SCHEDULER"] == "my.Scheduler"


def test_without_a_state_the_scheduler_is_scrapy_s_and_redis_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = project(STATE_ENABLED=False, REDIS_URL="redis://127.0.0.1:6379/0")
    StateBackends().update_settings(settings)
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert WORKER not in settings.getdict("EXTENSIONS")
    assert "REDIS_URL is ignored with STATE_ENABLED=False" in caplog.text


class SilentBackend:
    """A backend add-on that cannot say what is wrong with it."""

    def update_settings(self, settings: Settings) -> None:
        pass


class DownBackend(SilentBackend):
    def problem(self, settings: Settings) -> str | None:
        return f"the server at {settings['FAKE_URL']} does not answer"


BACKENDS = {"FAKE_URL": f"{__name__}.DownBackend", "OTHER_URL": f"{__name__}.SilentBackend"}


def test_a_backend_that_cannot_be_used_says_why_before_the_crawl() -> None:
    settings = project(STATE_BACKENDS=BACKENDS, FAKE_URL="fake://here")
    assert backend_problem(settings) == "the server at fake://here does not answer"


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # no backend's setting is set
        {"OTHER_URL": "other://here"},  # its add-on has no problem method
        {"FAKE_URL": "fake://here", "STATE_ENABLED": False},  # backends are ignored
    ],
)
def test_no_problem_without_a_backend_that_has_one(overrides: dict[str, object]) -> None:
    assert backend_problem(project(STATE_BACKENDS=BACKENDS, **overrides)) is None
