"""Control Tower's proactive controls (the Guard rules AWS publishes) on each profile, resolved
with its defaults as a hook would see it: no control fails, every skip in Metadata is justified
and still needed (a stale skip hides nothing and must go), and the skips stay few."""

from __future__ import annotations

from typing import Any

from gate.controls import Evaluation, Skip, evaluate
from tests.support.guard import installed_home
from tests.support.paths import ROOT

# The parameters without a default, as a deploy would give them.
# ApproverEmail: required on the production profile; AppCodeBucket and AppCodeKeyArn on the
# staging profile (the pipeline passes its own).
REQUIRED = {"EnvironmentSuffix": "test", "ApproverEmail": "approver@example.org"}
STAGING_REQUIRED = {
    "EnvironmentSuffix": "test-stg",
    "AppCodeBucket": "edu-artifacts-test-111122223333-eu-west-1",
    "AppCodeKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
}
# Every skip, per profile (docs/template.md gives each reason). A new skip fails this test until
# it is added here and in the docs.
SKIPS: dict[str, set[tuple[str, str]]] = {
    "production": {
        ("CT.S3.PR.2", "LogsBucket"),
        ("CT.S3.PR.9", "LogsBucket"),
        ("CT.S3.PR.10", "LogsBucket"),
    },
    "ephemeral": {
        ("CT.S3.PR.2", "LogsBucket"),
        ("CT.S3.PR.9", "LogsBucket"),
        ("CT.S3.PR.10", "LogsBucket"),
    },
    "staging": {("CT.RDS.PR.1", "Database"), ("CT.ELASTICACHE.PR.3", "Cache")},
}

_cache: dict[str, Evaluation] = {}


def controls_of(template: dict[str, Any], profile: str) -> Evaluation:
    if profile not in _cache:
        given = STAGING_REQUIRED if profile == "staging" else REQUIRED
        _cache[profile] = evaluate(template, given, home=installed_home())
    return _cache[profile]


def test_the_controls_ran(template: dict[str, Any], profile: str) -> None:
    # cfn-guard 3.1.1 with the package's 237 rule files; fewer means rules went missing.
    assert controls_of(template, profile).evaluated >= 200


def test_no_control_fails(template: dict[str, Any], profile: str) -> None:
    failing = [
        f"{f.control_id} {f.logical_id}: {f.title}" for f in controls_of(template, profile).failures
    ]
    assert failing == []


def test_the_skips_are_the_documented_ones(template: dict[str, Any], profile: str) -> None:
    skipped = {(s.control_id, s.logical_id) for s in controls_of(template, profile).skipped}
    assert skipped == SKIPS[profile]


def test_every_skip_is_justified_and_still_needed(template: dict[str, Any], profile: str) -> None:
    result = controls_of(template, profile)
    assert result.stale == []
    short: list[Skip] = [skip for skip in result.skipped if len(skip.comment) < 40]
    assert short == []


def test_every_skip_is_listed_in_the_docs(template: dict[str, Any], profile: str) -> None:
    docs = (ROOT / "docs" / "template.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip() + " " + line.split("|")[2].strip()
        for line in docs.splitlines()
        if line.startswith("| CT.")
    }
    listed = {f"{control} `{resource}`" for control, resource in SKIPS[profile]}
    assert listed <= rows
