"""AWS Backup of the database: production only, a locked vault under the stack's key, two rules
with parameter retentions, an optional copy to a second region, and a role for AWS Backup."""

from __future__ import annotations

import re
from typing import Any

from tests.support.cfn import resources

BACKUP_PARAMETERS = ("BackupDailyRetentionDays", "BackupMonthlyRetentionDays", "BackupCopyVaultArn")
SUFFIX_NAME = "edu-{}-${{EnvironmentSuffix}}"


def _props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return props


def _rules(production: dict[str, Any]) -> dict[str, dict[str, Any]]:
    plan = _props(production, "BackupPlan")["BackupPlan"]
    return {rule["RuleName"]: rule for rule in plan["BackupPlanRule"]}


def _tags(part: str) -> dict[str, Any]:
    return {
        "Environment": {"Ref": "EnvironmentSuffix"},
        "Project": "edu-platform",
        "Name": {"Fn::Sub": SUFFIX_NAME.format(part)},
    }


def test_ephemeral_has_no_backup_resource_parameter_condition_or_output(
    ephemeral: dict[str, Any],
) -> None:
    assert [t for t in resources(ephemeral).values() if t["Type"].startswith("AWS::Backup::")] == []
    assert "BackupRole" not in ephemeral["Resources"]
    assert not set(BACKUP_PARAMETERS) & set(ephemeral["Parameters"])
    assert "HasBackupCopy" not in ephemeral["Conditions"]
    assert "BackupVaultArn" not in ephemeral["Outputs"]


def test_production_backs_up_with_one_vault_plan_and_selection(production: dict[str, Any]) -> None:
    types = sorted(t["Type"] for t in resources(production).values())
    assert [t for t in types if t.startswith("AWS::Backup::")] == [
        "AWS::Backup::BackupPlan",
        "AWS::Backup::BackupSelection",
        "AWS::Backup::BackupVault",
    ]


def test_vault_is_encrypted_with_the_stack_key_and_locked_in_governance_mode(
    production: dict[str, Any],
) -> None:
    vault = production["Resources"]["BackupVault"]
    assert vault["Properties"] == {
        "BackupVaultName": {"Fn::Sub": SUFFIX_NAME.format("backup")},
        "EncryptionKeyArn": {"Fn::GetAtt": ["Key", "Arn"]},
        # No ChangeableForDays: governance mode (with it, compliance mode after the grace days).
        "LockConfiguration": {"MinRetentionDays": 7},
        "BackupVaultTags": _tags("backup"),
    }
    assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_the_lock_minimum_is_the_lowest_daily_retention_allowed(
    production: dict[str, Any],
) -> None:
    lock = _props(production, "BackupVault")["LockConfiguration"]["MinRetentionDays"]
    assert production["Parameters"]["BackupDailyRetentionDays"]["MinValue"] == lock
    assert production["Parameters"]["BackupMonthlyRetentionDays"]["MinValue"] >= lock


def test_plan_has_a_daily_and_a_monthly_rule_into_the_vault(production: dict[str, Any]) -> None:
    rules = _rules(production)
    assert sorted(rules) == ["daily", "monthly"]
    assert rules["daily"]["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert rules["monthly"]["ScheduleExpression"] == "cron(0 4 1 * ? *)"
    for name, rule in rules.items():
        assert rule["TargetBackupVault"] == {"Ref": "BackupVault"}
        assert (rule["StartWindowMinutes"], rule["CompletionWindowMinutes"]) == (60, 1440)
        assert rule["RecoveryPointTags"] == _tags(f"backup-{name}")
    assert _props(production, "BackupPlan")["BackupPlan"]["BackupPlanName"] == {
        "Fn::Sub": SUFFIX_NAME.format("backup")
    }


def test_each_rule_keeps_its_points_as_long_as_its_parameter_says(
    production: dict[str, Any],
) -> None:
    rules = _rules(production)
    assert rules["daily"]["Lifecycle"] == {"DeleteAfterDays": {"Ref": "BackupDailyRetentionDays"}}
    assert rules["monthly"]["Lifecycle"] == {
        "DeleteAfterDays": {"Ref": "BackupMonthlyRetentionDays"}
    }


def test_copy_to_the_second_region_happens_only_with_a_vault_arn(
    production: dict[str, Any],
) -> None:
    assert production["Conditions"]["HasBackupCopy"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "BackupCopyVaultArn"}, ""]}]
    }
    for name, param in (
        ("daily", "BackupDailyRetentionDays"),
        ("monthly", "BackupMonthlyRetentionDays"),
    ):
        copy = {
            "DestinationBackupVaultArn": {"Ref": "BackupCopyVaultArn"},
            "Lifecycle": {"DeleteAfterDays": {"Ref": param}},
        }
        assert _rules(production)[name]["CopyActions"] == {
            "Fn::If": ["HasBackupCopy", [copy], {"Ref": "AWS::NoValue"}]
        }


def test_backup_parameters(production: dict[str, Any]) -> None:
    params = production["Parameters"]
    daily, monthly, copy = (params[name] for name in BACKUP_PARAMETERS)
    assert (daily["Type"], daily["Default"], daily["MinValue"], daily["MaxValue"]) == (
        "Number",
        35,
        7,
        365,
    )
    assert (monthly["Type"], monthly["Default"], monthly["MinValue"], monthly["MaxValue"]) == (
        "Number",
        365,
        30,
        3650,
    )
    assert (copy["Type"], copy["Default"]) == ("String", "")
    assert all(p["Description"] for p in (daily, monthly, copy))


def test_copy_vault_pattern_takes_empty_or_a_vault_arn(production: dict[str, Any]) -> None:
    pattern = re.compile(production["Parameters"]["BackupCopyVaultArn"]["AllowedPattern"])
    assert pattern.match("")
    assert pattern.match("arn:aws:backup:eu-central-1:123456789012:backup-vault:edu-copy")
    assert not pattern.match("arn:aws:s3:::bucket")
    assert not pattern.match("edu-copy")


def test_selection_names_the_database_with_the_backup_role(production: dict[str, Any]) -> None:
    assert _props(production, "BackupSelection") == {
        "BackupPlanId": {"Ref": "BackupPlan"},
        "BackupSelection": {
            "SelectionName": {"Fn::Sub": SUFFIX_NAME.format("database")},
            "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
            "Resources": [
                {
                    "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}"
                    ":db:${Database}"
                }
            ],
        },
    }


def test_backup_role_is_trusted_by_aws_backup_with_the_managed_policies(
    production: dict[str, Any],
) -> None:
    props = _props(production, "BackupRole")
    assert props["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }
    ]
    assert props["ManagedPolicyArns"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/service-role/{name}"}
        for name in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")
    ]
    assert "Policies" not in props


def test_the_key_lets_account_principals_use_it_through_aws_backup(
    production: dict[str, Any],
) -> None:
    statements = _props(production, "Key")["KeyPolicy"]["Statement"]
    (through,) = [s for s in statements if s.get("Sid") == "AccountUsesKeyThroughStackServices"]
    via = through["Condition"]["StringEquals"]["kms:ViaService"]
    assert "backup.${AWS::Region}.amazonaws.com" in via["Fn::Split"][1]["Fn::Sub"]


def test_the_vault_arn_is_an_output(production: dict[str, Any]) -> None:
    assert production["Outputs"]["BackupVaultArn"]["Value"] == {
        "Fn::GetAtt": ["BackupVault", "BackupVaultArn"]
    }
