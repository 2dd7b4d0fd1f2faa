"""Control Tower's proactive controls (Guard rules AWS publishes) on each profile, resolved with
its defaults as a hook would see it: only the controls listed below may fail, and every skip in
Metadata still matches a failure (a stale skip hides nothing and must go)."""

from __future__ import annotations

from typing import Any

import pytest

from gate.controls import Evaluation, evaluate, guard_home, installed

# Controls still failing, per profile. This list only shrinks: a control that starts to fail
# fails the test, and one that is fixed must be taken off (the test says so).
STILL_FAILING: dict[str, set[str]] = {
    "production": {
        "CT.ELASTICACHE.PR.8",
        "CT.KMS.PR.3",
        "CT.RDS.PR.1",
        "CT.RDS.PR.14",
        "CT.RDS.PR.20",
        "CT.S3.PR.10",
        "CT.S3.PR.2",
        "CT.S3.PR.4",
        "CT.S3.PR.8",
        "CT.S3.PR.9",
    },
    "ephemeral": {
        "CT.ELASTICACHE.PR.8",
        "CT.KMS.PR.3",
        "CT.RDS.PR.1",
        "CT.RDS.PR.13",
        "CT.RDS.PR.14",
        "CT.RDS.PR.20",
        "CT.S3.PR.10",
        "CT.S3.PR.2",
        "CT.S3.PR.4",
        "CT.S3.PR.8",
        "CT.S3.PR.9",
    },
}
# The parameters without a default, as a deploy would give them.
REQUIRED = {"EnvironmentSuffix": "test"}

_cache: dict[str, Evaluation] = {}


def controls_of(template: dict[str, Any], profile: str) -> Evaluation:
    if not installed(guard_home()):
        pytest.fail(f"the Guard rules are not in {guard_home()}: run `make guard`")
    if profile not in _cache:
        _cache[profile] = evaluate(template, REQUIRED)
    return _cache[profile]


def test_the_controls_ran(template: dict[str, Any], profile: str) -> None:
    # cfn-guard 3.1.1 with the package's 237 rule files; fewer means rules went missing.
    assert controls_of(template, profile).evaluated >= 200


def test_no_control_fails_beyond_the_known_list(template: dict[str, Any], profile: str) -> None:
    failing = set(controls_of(template, profile).failing_controls())
    assert failing - STILL_FAILING[profile] == set()


def test_the_known_list_holds_no_fixed_control(template: dict[str, Any], profile: str) -> None:
    failing = set(controls_of(template, profile).failing_controls())
    fixed = STILL_FAILING[profile] - failing
    assert fixed == set(), f"these controls pass now: take them off STILL_FAILING: {fixed}"


def test_every_skip_is_justified_and_still_needed(template: dict[str, Any], profile: str) -> None:
    result = controls_of(template, profile)
    assert result.stale == []
    assert all(len(skip.comment) >= 20 for skip in result.skipped)
