"""The controls layer: cfn-guard's verdicts parsed per control and resource, skips applied."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gate.controls import (
    ControlFailure,
    GuardMissing,
    Skip,
    binary_path,
    evaluate,
    rules_path,
)
from tests.support.guard import installed_home


@pytest.fixture(scope="module")
def rds_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real binary with the RDS rules only, so each evaluation takes a second, not ten."""
    home = installed_home()
    small = tmp_path_factory.mktemp("guard")
    binary_path(small).symlink_to(binary_path(home))
    # cfn-guard does not follow a symlinked rules directory: copy the RDS rules.
    shutil.copytree(rules_path(home) / "rds", rules_path(small) / "rds")
    return small


def database(multi_az: Any, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Type": "AWS::RDS::DBInstance",
        "Properties": {
            "Engine": "postgres",
            "MultiAZ": multi_az,
            "StorageEncrypted": True,
            "DeletionProtection": True,
            "Port": 5433,
            "EnableCloudwatchLogsExports": ["postgresql", "upgrade", "iam-db-auth-error"],
            "AutoMinorVersionUpgrade": True,
            "BackupRetentionPeriod": 7,
            "CopyTagsToSnapshot": True,
            "EnableIAMDatabaseAuthentication": True,
            "MonitoringInterval": 60,
            "PubliclyAccessible": False,
            "EnablePerformanceInsights": True,
            "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
            "PerformanceInsightsKMSKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
            "DBSubnetGroupName": "g",
        },
    }
    if metadata is not None:
        body["Metadata"] = metadata
    return body


def template(*, multi_az: Any, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Parameters": {"Ha": {"Type": "String", "Default": "no", "AllowedValues": ["yes", "no"]}},
        "Conditions": {"WantHa": {"Fn::Equals": [{"Ref": "Ha"}, "yes"]}},
        "Resources": {"Db": database(multi_az, metadata)},
    }


MULTI_AZ_FAILURE = ControlFailure(
    control_id="CT.RDS.PR.1",
    logical_id="Db",
    title="Require that an Amazon RDS database instance is configured with multiple "
    "Availability Zones",
    fix="Set 'MultiAZ' to 'true'.",
)


def test_a_failing_control_names_its_id_resource_title_and_fix(rds_home: Path) -> None:
    result = evaluate(template(multi_az=False), home=rds_home)
    assert MULTI_AZ_FAILURE in result.failures
    assert result.evaluated == len(list((rules_path(rds_home) / "rds").glob("*.guard")))


def test_the_template_is_judged_with_the_values_being_deployed(rds_home: Path) -> None:
    conditional = template(multi_az={"Fn::If": ["WantHa", True, False]})
    assert MULTI_AZ_FAILURE in evaluate(conditional, home=rds_home).failures
    with_ha = evaluate(conditional, {"Ha": "yes"}, home=rds_home)
    assert "CT.RDS.PR.1" not in with_ha.failing_controls()


def test_a_skip_in_metadata_moves_the_failure_to_skipped(rds_home: Path) -> None:
    reason = "single-AZ on purpose: a throwaway CI database"
    skip = {"guard": {"skip": [{"id": "CT.RDS.PR.1", "comment": reason}]}}
    result = evaluate(template(multi_az=False, metadata=skip), home=rds_home)
    assert "CT.RDS.PR.1" not in result.failing_controls()
    assert result.skipped == [Skip("CT.RDS.PR.1", "Db", reason)]
    assert result.stale == []


def test_a_skip_that_matches_no_failure_is_stale(rds_home: Path) -> None:
    skip = {"guard": {"skip": [{"id": "CT.RDS.PR.1", "comment": "no longer true"}]}}
    result = evaluate(template(multi_az=True, metadata=skip), home=rds_home)
    assert result.skipped == []
    assert result.stale == [Skip("CT.RDS.PR.1", "Db", "no longer true")]


def test_missing_rules_say_how_to_install_them(tmp_path: Path) -> None:
    with pytest.raises(GuardMissing, match="run `make guard`"):
        evaluate(template(multi_az=True), home=tmp_path)
