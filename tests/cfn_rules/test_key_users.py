"""E9104 (cfn_rules.key_users): who a key policy lets in, and which resources use a key."""

from __future__ import annotations

from tests.support.rules import findings
from tests.support.severities import severities

ROOT = (
    '{Effect: Allow, Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}, Action: "kms:*"}'
)
ROOT_MESSAGE = (
    "Key '{key}' policy does not let the account root administer it (kms:PutKeyPolicy). This "
    "depends on who deploys: unless the policy grants the deploying principal that action, KMS "
    'refuses it: "The new key policy will not allow you to update the key policy in the future". '
    "Fix: allow arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root the key administration "
    "actions."
)


def key(*statements: str, name: str = "Key") -> str:
    """A KMS key whose policy holds the statements given (flow maps), its policy on line 5."""
    lines = "".join(f"\n          - {s}" for s in statements)
    return f"""  {name}:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:{lines}
"""


def resource(name: str, rtype: str, *properties: str) -> str:
    lines = "".join(f"\n      {p}" for p in properties)
    return f"  {name}:\n    Type: {rtype}\n    Properties:{lines}\n"


def e9104(*resources: str) -> list[tuple[int, str]]:
    template = "Resources:\n" + "".join(resources)
    return [(line, message) for _, line, message in findings("key_users", template)]


CONSEQUENCE = {
    "logs": 'AWS refuses the log group ("The specified KMS key does not exist or is not allowed").',
    "cloudtrail": "AWS refuses the trail (InsufficientEncryptionPolicyException).",
    **{
        service: "the deploy succeeds, but AWS drops every message it publishes to the topic."
        for service in ("cloudwatch", "events", "s3", "codestar-notifications")
    },
}


def not_allowed(what: str, service: str, actions: str, key_name: str = "Key") -> str:
    return (
        f"Key '{key_name}' is used by {what} but its policy does not allow "
        f"{service}.amazonaws.com {actions}; {CONSEQUENCE[service]} Fix: add a statement with "
        f"Principal Service {service}.amazonaws.com and those actions."
    )


LOGS = "kms:Encrypt, kms:Decrypt, kms:GenerateDataKey"
PUBLISH = "kms:Decrypt, kms:GenerateDataKey"
LOG_GROUP = resource("Logs", "AWS::Logs::LogGroup", "KmsKeyId: !GetAtt Key.Arn")


def test_a_deny_statement_lets_no_service_in() -> None:
    deny = "{Effect: Deny, Principal: {Service: logs.amazonaws.com}, Action: 'kms:*'}"
    assert e9104(key(ROOT, deny), LOG_GROUP) == [(5, not_allowed("log group 'Logs'", "logs", LOGS))]


def test_a_policy_open_to_every_principal_lets_root_and_services_in() -> None:
    assert e9104(key("{Effect: Allow, Principal: '*', Action: 'kms:*'}"), LOG_GROUP) == []


def test_a_role_administering_the_key_does_not_keep_the_root_in() -> None:
    admin = "{Effect: Allow, Principal: {AWS: 'arn:aws:iam::123456789012:role/a'}, Action: 'kms:*'}"
    assert e9104(key(admin)) == [(5, ROOT_MESSAGE.format(key="Key"))]


def test_the_account_id_alone_names_the_root() -> None:
    account = "{Effect: Allow, Principal: {AWS: !Ref 'AWS::AccountId'}, Action: 'kms:*'}"
    assert e9104(key(account)) == []


def test_keys_after_one_with_the_default_policy_are_checked() -> None:
    default = "  AKey:\n    Type: AWS::KMS::Key\n"
    assert e9104(default, key(name="BKey")) == [(7, ROOT_MESSAGE.format(key="BKey"))]


def alias(name: str, alias_name: str, target: str) -> str:
    return resource(name, "AWS::KMS::Alias", f"AliasName: {alias_name}", f"TargetKeyId: {target}")


def test_a_trail_naming_the_key_by_its_alias_name_needs_cloudtrail() -> None:
    trail = resource("Trail", "AWS::CloudTrail::Trail", "KMSKeyId: alias/app")
    assert e9104(key(ROOT), alias("Alias", "alias/app", "!Ref Key"), trail) == [
        (5, not_allowed("trail 'Trail'", "cloudtrail", "kms:GenerateDataKey"))
    ]


def test_an_alias_of_a_key_outside_the_template_names_none_of_its_keys() -> None:
    outside = alias("Outside", "alias/outside", "1234abcd-12ab-34cd-56ef-1234567890ab")
    logs = resource("Logs", "AWS::Logs::LogGroup", "KmsKeyId: alias/outside")
    assert e9104(key(ROOT), outside, logs) == []


def topic_and(*publishers: str) -> list[str]:
    """The key (root only), an encrypted topic `Topic`, another topic `Other` and publishers."""
    return [
        key(ROOT),
        resource("Topic", "AWS::SNS::Topic", "KmsMasterKeyId: !Ref Key"),
        resource("Other", "AWS::SNS::Topic", "TopicName: other"),
        *publishers,
    ]


def test_an_alarm_publishing_to_another_topic_needs_nothing() -> None:
    alarm = resource("Alarm", "AWS::CloudWatch::Alarm", "AlarmActions: [!Ref Other]")
    assert e9104(*topic_and(alarm)) == []


def test_a_notification_rule_publishing_to_the_topic_needs_codestar_notifications() -> None:
    rule = resource(
        "Notify",
        "AWS::CodeStarNotifications::NotificationRule",
        "Targets: [{TargetType: SNS, TargetAddress: !Ref Topic}]",
    )
    elsewhere = resource(
        "Elsewhere",
        "AWS::CodeStarNotifications::NotificationRule",
        "Targets: [{TargetType: SNS, TargetAddress: !Ref Other}]",
    )
    assert e9104(*topic_and(rule, elsewhere)) == [
        (
            5,
            not_allowed(
                "topic 'Topic' (published to by 'Notify')", "codestar-notifications", PUBLISH
            ),
        )
    ]


# Severity: refused at creation (logs, cloudtrail) is a blocker; a root left out depends on who
# deploys and a publisher left out deploys and loses its messages: warnings.


def test_a_log_group_the_key_refuses_is_a_blocker() -> None:
    template = "Resources:\n" + key(ROOT) + LOG_GROUP
    assert [(r, s) for r, s, _ in severities("key_users", template)] == [("E9104", "blocker")]


def test_a_root_left_out_of_the_key_policy_is_a_warning() -> None:
    deployer = "arn:aws:iam::111122223333:role/Deployer"
    other = f'{{Effect: Allow, Principal: {{AWS: "{deployer}"}}, Action: "kms:*"}}'
    found = severities("key_users", "Resources:\n" + key(other))
    assert [(r, s) for r, s, _ in found] == [("E9104", "warning")]
    assert "This depends on who deploys" in found[0][2]


def test_a_publisher_the_topic_key_refuses_is_a_warning() -> None:
    template = "Resources:\n" + "".join(
        topic_and(resource("Alarm", "AWS::CloudWatch::Alarm", "AlarmActions: [!Ref Topic]"))
    )
    found = severities("key_users", template)
    assert [(r, s) for r, s, _ in found] == [("E9104", "warning")]
    assert "the deploy succeeds, but AWS drops every message" in found[0][2]
