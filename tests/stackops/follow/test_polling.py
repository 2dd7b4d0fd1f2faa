"""stackops.follow.polling: the polling cadence."""

from __future__ import annotations

import pytest

from stackops.follow.polling import Poll


def test_backoff_grows_to_the_maximum() -> None:
    poll = Poll(minimum=1.5, maximum=10.0)
    delays = [1.5]
    for _ in range(8):
        delays.append(poll.next(delays[-1]))
    assert delays[0] == 1.5 and delays[-1] == 10.0 and delays == sorted(delays)


def test_poll_cadence_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOY_POLL_MIN", "0.5")
    monkeypatch.setenv("DEPLOY_POLL_MAX", "2")
    monkeypatch.setenv("DEPLOY_HEARTBEAT", "7")
    poll = Poll.from_env()
    assert (poll.minimum, poll.maximum, poll.heartbeat) == (0.5, 2.0, 7.0)


def test_poll_cadence_without_settings_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEPLOY_POLL_MIN", "DEPLOY_POLL_MAX", "DEPLOY_HEARTBEAT"):
        monkeypatch.delenv(name, raising=False)
    assert Poll.from_env() == Poll()


@pytest.mark.parametrize("raw", ["", "soon", "0", "-1"])
def test_unusable_poll_settings_fall_back_to_the_defaults(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    for name in ("DEPLOY_POLL_MIN", "DEPLOY_POLL_MAX", "DEPLOY_HEARTBEAT"):
        monkeypatch.setenv(name, raw)
    poll = Poll.from_env()
    assert (poll.minimum, poll.maximum, poll.heartbeat) == (1.5, 4.0, 30.0)


def test_poll_maximum_below_the_minimum_is_raised_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOY_POLL_MIN", "3")
    monkeypatch.setenv("DEPLOY_POLL_MAX", "1")
    assert Poll.from_env().maximum == 3.0


def test_backoff_multiplies_by_the_factor_between_the_bounds() -> None:
    poll = Poll(minimum=1.0, maximum=4.0, factor=1.5)
    assert (poll.next(2.0), poll.next(0.1), poll.next(3.0)) == (3.0, 1.0, 4.0)
