"""The Redis state keeps the learned templates as the SQLite one does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.redis.test_state import open_state

if TYPE_CHECKING:
    from redis import Redis


def test_templates_are_kept_one_in_use_and_reset(redis_client: Redis) -> None:
    state = open_state(redis_client)
    try:
        assert state.templates() == []
        state.add_template('{"format": 1}', "2026-03-01T03:00:00Z", "site-1")
        second = state.add_template('{"format": 1, "x": 2}', "2026-03-02T03:00:00Z", None)
        state.commit()
    finally:
        state.close()
    again = open_state(redis_client, "w2", begin=False)
    try:
        history = again.templates()
        assert [(t.id, t.active, t.run_dir) for t in history] == [
            (1, False, "site-1"),
            (second.id, True, None),
        ]
        again.reset_templates()
        assert [t.active for t in again.templates()] == [False, False]
    finally:
        again.close()
