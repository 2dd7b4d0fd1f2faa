"""The KMS key (rotation, lifecycle, scoped policy) and least-privilege security groups."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import assert_has_resource_properties, resources

USE = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey"}


def _key(template: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"]["Key"]["Properties"]
    return props


def _statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in _key(template)["KeyPolicy"]["Statement"]}


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_key_rotation_is_on(template: dict[str, Any]) -> None:
    assert _key(template)["EnableKeyRotation"] is True


def test_key_alias_carries_the_suffix(production: dict[str, Any]) -> None:
    assert_has_resource_properties(
        production,
        "AWS::KMS::Alias",
        {
            "AliasName": {"Fn::Sub": "alias/edu-${EnvironmentSuffix}"},
            "TargetKeyId": {"Ref": "Key"},
        },
    )


def test_account_root_administers_but_cannot_use_the_key_directly(
    production: dict[str, Any],
) -> None:
    admin = _statements(production)["AccountAdministersKey"]
    assert admin["Principal"] == {"AWS": {"Ref": "AWS::AccountId"}}
    assert "kms:PutKeyPolicy" in _actions(admin) or "kms:Put*" in _actions(admin)
    assert not _actions(admin) & USE
    assert "Condition" not in admin


def test_key_policy_grants_no_wildcard_actions(production: dict[str, Any]) -> None:
    statements = _statements(production)
    assert statements
    for statement in statements.values():
        assert not {"*", "kms:*"} & _actions(statement), statement["Sid"]


def test_account_principals_use_the_key_only_through_stack_services(
    production: dict[str, Any],
) -> None:
    use = _statements(production)["AccountUsesKeyThroughStackServices"]
    assert _actions(use) >= USE
    via = use["Condition"]["StringEquals"]["kms:ViaService"]
    services = {v.split(".")[0] for v in via["Fn::Split"][1]["Fn::Sub"].split(",")}
    assert via["Fn::Split"][0] == ","
    assert {"secretsmanager", "rds", "elasticache", "s3", "codebuild", "codepipeline"} <= services
    assert use["Condition"]["StringEquals"]["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}


def test_logs_use_the_key_only_for_this_accounts_log_groups(production: dict[str, Any]) -> None:
    logs = _statements(production)["LogsEncryptThisAccountsLogGroups"]
    assert logs["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert "${AWS::AccountId}:log-group:" in context["Fn::Sub"]


@pytest.mark.parametrize(
    ("sid", "service"),
    [
        ("AlarmsPublishToEncryptedTopic", "cloudwatch.amazonaws.com"),
        ("EventsPublishToEncryptedTopic", "events.amazonaws.com"),
        ("RdsEventsPublishToEncryptedTopic", "events.rds.amazonaws.com"),
    ],
)
def test_topic_publishers_get_only_decrypt_and_data_keys(
    production: dict[str, Any], sid: str, service: str
) -> None:
    statement = _statements(production)[sid]
    assert statement["Principal"] == {"Service": service}
    assert _actions(statement) == {"kms:Decrypt", "kms:GenerateDataKey"}


def test_alarm_publisher_is_scoped_to_this_account(production: dict[str, Any]) -> None:
    condition = _statements(production)["AlarmsPublishToEncryptedTopic"]["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_no_key_statement_allows_everyone(template: dict[str, Any]) -> None:
    statements = _statements(template)
    assert statements
    for statement in statements.values():
        if statement["Effect"] == "Allow":
            assert statement["Principal"] != "*"
            assert statement["Principal"].get("AWS") != "*"


def test_nobody_creates_a_grant_unless_for_an_aws_resource(template: dict[str, Any]) -> None:
    # CT.KMS.PR.3, in the exact shape the control accepts: the condition values are strings.
    assert _statements(template)["DenyGrantsNotForAwsResources"] == {
        "Sid": "DenyGrantsNotForAwsResources",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["kms:CreateGrant"],
        "Resource": ["*"],
        "Condition": {
            "BoolIfExists": {
                "kms:GrantIsForAWSResource": "false",
                "aws:PrincipalIsAWSService": "false",
            }
        },
    }


def test_account_grants_only_through_stack_services_for_aws_resources(
    template: dict[str, Any],
) -> None:
    statements = _statements(template)
    grant = statements["AccountGrantsThroughStackServicesForAwsResources"]
    use = statements["AccountUsesKeyThroughStackServices"]
    assert grant["Effect"] == "Allow"
    assert grant["Principal"] == {"AWS": {"Ref": "AWS::AccountId"}}
    assert _actions(grant) == {"kms:CreateGrant"}
    assert grant["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    # The same services and account as for using the key.
    assert grant["Condition"]["StringEquals"] == use["Condition"]["StringEquals"]
    assert "kms:CreateGrant" not in _actions(use)


def test_only_the_deny_and_the_scoped_grant_mention_create_grant(
    template: dict[str, Any],
) -> None:
    mentioning = {
        sid for sid, s in _statements(template).items() if "kms:CreateGrant" in _actions(s)
    }
    assert mentioning == {
        "DenyGrantsNotForAwsResources",
        "AccountGrantsThroughStackServicesForAwsResources",
    }


def test_rds_events_publish_to_the_topic_only_for_this_accounts_rds(
    template: dict[str, Any],
) -> None:
    statement = _statements(template)["RdsEventsPublishToEncryptedTopic"]
    assert statement["Principal"] == {"Service": "events.rds.amazonaws.com"}
    assert _actions(statement) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:*"
            }
        },
    }


def test_eventbridge_key_statement_has_no_source_condition(template: dict[str, Any]) -> None:
    # KMS requests from EventBridge to an encrypted topic carry neither aws:SourceAccount nor
    # aws:SourceArn: a condition would drop every event. The topic policy scopes it.
    assert "Condition" not in _statements(template)["EventsPublishToEncryptedTopic"]


def test_key_statements_are_exactly_these(template: dict[str, Any]) -> None:
    assert set(_statements(template)) == {
        "AccountAdministersKey",
        "AccountUsesKeyThroughStackServices",
        "AccountGrantsThroughStackServicesForAwsResources",
        "DenyGrantsNotForAwsResources",
        "LogsEncryptThisAccountsLogGroups",
        "AlarmsPublishToEncryptedTopic",
        "EventsPublishToEncryptedTopic",
        "RdsEventsPublishToEncryptedTopic",
    }


# -- security groups ------------------------------------------------------------------------------


def _group(template: dict[str, Any], lid: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][lid]["Properties"]
    return props


def _ingress_sources(template: dict[str, Any], lid: str) -> set[tuple[Any, str]]:
    rules = _group(template, lid).get("SecurityGroupIngress", [])
    extra = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Ref": lid}
    ]
    found = set()
    for rule in [*rules, *extra]:
        assert rule["FromPort"] == rule["ToPort"], "data ports are single ports"
        port = rule["FromPort"]
        # A port from a parameter is named by its parameter: (Ref, DbPort).
        key = next(iter(port.items())) if isinstance(port, dict) else port
        found.add((key, rule["SourceSecurityGroupId"]["Ref"]))
    return found


def test_database_accepts_its_port_only_from_app_bootstrap_and_rotation(
    production: dict[str, Any],
) -> None:
    # The instance's own Port, the DbPort parameter (not PostgreSQL's 5432: CT.RDS.PR.20).
    assert production["Resources"]["Database"]["Properties"]["Port"] == {"Ref": "DbPort"}
    port = ("Ref", "DbPort")
    assert _ingress_sources(production, "DatabaseSecurityGroup") == {
        (port, "AppSecurityGroup"),
        (port, "RotationSecurityGroup"),
        (port, "BootstrapSecurityGroup"),
    }


def test_cache_accepts_6379_only_from_the_app(production: dict[str, Any]) -> None:
    # The pipeline's projects run outside the VPC; the bootstrap job needs the database only.
    assert _ingress_sources(production, "CacheSecurityGroup") == {
        (6379, "AppSecurityGroup"),
    }


def test_no_ingress_from_anywhere(template: dict[str, Any]) -> None:
    rules = [
        rule
        for g in resources(template, "AWS::EC2::SecurityGroup").values()
        for rule in g["Properties"].get("SecurityGroupIngress", [])
    ] + [r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()]
    assert rules
    for rule in rules:
        assert rule.get("CidrIp") != "0.0.0.0/0"
        assert rule.get("CidrIpv6") != "::/0"


@pytest.mark.parametrize("lid", ["DatabaseSecurityGroup", "CacheSecurityGroup"])
def test_data_tier_groups_send_nothing(production: dict[str, Any], lid: str) -> None:
    assert _group(production, lid)["SecurityGroupEgress"] == [
        {"CidrIp": "127.0.0.1/32", "Description": "no egress", "IpProtocol": "-1"}
    ]


@pytest.mark.parametrize(
    "lid", ["AppSecurityGroup", "BootstrapSecurityGroup", "RotationSecurityGroup"]
)
def test_clients_reach_the_internet_only_over_https(production: dict[str, Any], lid: str) -> None:
    rules = _group(production, lid)["SecurityGroupEgress"]
    assert rules
    for rule in rules:
        if rule.get("CidrIp") == "0.0.0.0/0":
            assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 443, 443)
        else:
            assert rule["CidrIp"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}


def test_every_security_group_rule_is_described(template: dict[str, Any]) -> None:
    rules = [
        (lid, rule)
        for lid, g in resources(template, "AWS::EC2::SecurityGroup").items()
        for rule in g["Properties"].get("SecurityGroupIngress", [])
        + g["Properties"].get("SecurityGroupEgress", [])
    ]
    assert rules
    for lid, rule in rules:
        assert rule.get("Description"), lid
