"""stackops.follow.polling: the polling cadence."""

from __future__ import annotations

from stackops.follow.polling import Poll


def test_backoff_grows_to_the_maximum() -> None:
    poll = Poll(minimum=1.5, maximum=10.0)
    delays = [1.5]
    for _ in range(8):
        delays.append(poll.next(delays[-1]))
    assert delays[0] == 1.5 and delays[-1] == 10.0 and delays == sorted(delays)
