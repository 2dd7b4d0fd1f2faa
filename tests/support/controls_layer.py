"""Templates and a small Guard home for the gate's controls layer tests (parameters, SARIF)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from gate.controls import binary_path, rules_path
from tests.support.guard import installed_home

# Only MultiAZ depends on the parameter `Ha`: CT.RDS.PR.1 fails with Ha=no and passes with Ha=yes.
DATABASE_PROPERTIES: dict[str, Any] = {
    "Engine": "postgres",
    "DBInstanceClass": "db.t4g.medium",
    "AllocatedStorage": "20",
    "MultiAZ": {"Fn::If": ["WantHa", True, False]},
    "StorageEncrypted": True,
    "DeletionProtection": True,
    "Port": 5433,
    "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
    "AutoMinorVersionUpgrade": True,
    "BackupRetentionPeriod": 7,
    "CopyTagsToSnapshot": True,
    "EnableIAMDatabaseAuthentication": True,
    "MonitoringInterval": 60,
    "MonitoringRoleArn": "arn:aws:iam::123456789012:role/monitoring",
    "PubliclyAccessible": False,
    "EnablePerformanceInsights": True,
    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
    "PerformanceInsightsKMSKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
    "DBSubnetGroupName": "g",
    "ManageMasterUserPassword": True,
    "MasterUsername": "app",
}


def ha_template(
    *, opt_in: bool = True, default: str = "no", skips: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """One RDS instance whose MultiAZ follows the parameter Ha (default `default`)."""
    database: dict[str, Any] = {
        "Type": "AWS::RDS::DBInstance",
        "DeletionPolicy": "Snapshot",
        "UpdateReplacePolicy": "Snapshot",
        "Properties": dict(DATABASE_PROPERTIES),
    }
    if skips is not None:
        database["Metadata"] = {"guard": {"skip": skips}}
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "Ha": {"Type": "String", "Default": default, "AllowedValues": ["yes", "no"]}
        },
        "Conditions": {"WantHa": {"Fn::Equals": [{"Ref": "Ha"}, "yes"]}},
        "Resources": {"Db": database},
    }
    if opt_in:
        template["Metadata"] = {"StackOps": {"Controls": "on"}}
    return template


def write_template(directory: Path, template: dict[str, Any], name: str = "t.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(template, indent=2), encoding="utf-8")
    return path


def rds_home(directory: Path) -> Path:
    """The real cfn-guard with the RDS rules only: an evaluation in about a second, not five."""
    home = installed_home()
    small = directory / "guard"
    small.mkdir(parents=True, exist_ok=True)
    binary_path(small).symlink_to(binary_path(home))
    # cfn-guard does not follow a symlinked rules directory: copy the RDS rules.
    shutil.copytree(rules_path(home) / "rds", rules_path(small) / "rds")
    return small
