"""The durations table (cfnmodel/durations.json) and its reader."""

from __future__ import annotations

import json

from cfnmodel.durations import DURATIONS_FILE, Durations, load_durations

SLOW_TYPES = ("AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup", "AWS::EC2::NatGateway")


def test_every_duration_cites_a_source() -> None:
    data = json.loads(DURATIONS_FILE.read_text(encoding="utf-8"))
    entries = [data["default"], *data["types"].values()]
    assert len(entries) > 1
    assert all(e["seconds"] > 0 and len(e["source"]) > 20 for e in entries)


def test_the_slow_types_have_their_own_figures() -> None:
    durations = load_durations()
    assert all(t in durations.seconds for t in SLOW_TYPES)


def test_an_unlisted_type_takes_the_default() -> None:
    durations = Durations(seconds={"Known::T": 5.0}, default_seconds=30.0)
    assert (durations.of("Known::T"), durations.of("Other::T")) == (5.0, 30.0)
