"""What each profile promises: production never loses data, ephemeral leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from templates import build_template
from tests.support.cfn import resources

DATA_TYPES = ["AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup"]


@pytest.mark.parametrize("rtype", DATA_TYPES)
@pytest.mark.parametrize("policy", ["DeletionPolicy", "UpdateReplacePolicy"])
def test_production_snapshots_data_on_delete_and_replace(
    production: dict[str, Any], rtype: str, policy: str
) -> None:
    found = resources(production, rtype)
    assert found
    assert {r[policy] for r in found.values()} == {"Snapshot"}


def test_production_database_has_deletion_protection(production: dict[str, Any]) -> None:
    assert production["Resources"]["Database"]["Properties"]["DeletionProtection"] is True


def test_production_keeps_automated_backups_after_delete(production: dict[str, Any]) -> None:
    assert production["Resources"]["Database"]["Properties"]["DeleteAutomatedBackups"] is False


@pytest.mark.parametrize("policy", ["DeletionPolicy", "UpdateReplacePolicy"])
def test_production_retains_the_key(production: dict[str, Any], policy: str) -> None:
    assert production["Resources"]["Key"][policy] == "Retain"


def test_production_rotates_the_db_secret(production: dict[str, Any]) -> None:
    assert resources(production, "AWS::SecretsManager::RotationSchedule")


def test_ephemeral_deletes_every_resource(ephemeral: dict[str, Any]) -> None:
    assert resources(ephemeral)
    kept = {
        lid: r.get("DeletionPolicy")
        for lid, r in resources(ephemeral).items()
        if r.get("DeletionPolicy", "Delete") != "Delete"
    }
    assert kept == {}


def test_ephemeral_says_delete_explicitly_on_rds(ephemeral: dict[str, Any]) -> None:
    # RDS's own default is Snapshot: leaving it implicit would leave a snapshot behind.
    db = ephemeral["Resources"]["Database"]
    assert (db["DeletionPolicy"], db["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_ephemeral_database_has_deletion_protection(ephemeral: dict[str, Any]) -> None:
    # deploy.py delete switches it off on a database the stack does not keep.
    assert ephemeral["Resources"]["Database"]["Properties"]["DeletionProtection"] is True


def test_ephemeral_database_drops_its_automated_backups(ephemeral: dict[str, Any]) -> None:
    assert ephemeral["Resources"]["Database"]["Properties"]["DeleteAutomatedBackups"] is True


def test_ephemeral_key_has_the_shortest_pending_window(ephemeral: dict[str, Any]) -> None:
    assert ephemeral["Resources"]["Key"]["Properties"]["PendingWindowInDays"] == 7


def test_production_key_has_the_longest_pending_window(production: dict[str, Any]) -> None:
    assert production["Resources"]["Key"]["Properties"]["PendingWindowInDays"] == 30


def test_profiles_share_their_parameters(
    production: dict[str, Any], ephemeral: dict[str, Any]
) -> None:
    # Profiles are build-time choices; a deployer chooses the same things in both, except the
    # backups production alone has, NatMode's default (one NAT per AZ in production) and
    # ApproverEmail, which only production requires.
    production_only = {
        "BackupDailyRetentionDays",
        "BackupMonthlyRetentionDays",
        "BackupCopyVaultArn",
    }
    assert set(production["Parameters"]) - set(ephemeral["Parameters"]) == production_only
    assert set(ephemeral["Parameters"]) <= set(production["Parameters"])
    for name, spec in ephemeral["Parameters"].items():
        other = dict(production["Parameters"][name])
        if name == "NatMode":
            assert (other.pop("Default"), spec["Default"]) == ("per-az", "single")
            spec = {k: v for k, v in spec.items() if k != "Default"}
        if name == "ApproverEmail":
            # Required in production; an ephemeral stack may leave it empty.
            assert "Default" not in other and spec["Default"] == ""
            optional = {"Default", "AllowedPattern", "ConstraintDescription"}
            other = {k: v for k, v in other.items() if k not in optional}
            spec = {k: v for k, v in spec.items() if k not in optional}
        assert other == spec, name


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        build_template("qa")
