"""E9104: each KMS key's policy lets in the services that the template makes use it."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c

PUBLISH_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
LOGS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
TRAIL_ACTIONS = ("kms:GenerateDataKey",)
ADMIN_ACTION = "kms:PutKeyPolicy"
ALARM_ACTION_PROPS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in c.items(policy.get("Statement")) if isinstance(s, dict)]


def _allows(statement: dict[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    patterns = [str(a).lower() for a in c.items(statement.get("Action"))]
    return any(fnmatchcase(action.lower(), p) for p in patterns)


def _principals(statement: dict[str, Any], kind: str) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    rendered = [c.render(p) for p in c.items(principal.get(kind))]
    return [r for r in rendered if r]


def _is_service(principal: str, service: str) -> bool:
    return principal == "*" or (
        principal.startswith(service + ".") and "amazonaws.com" in principal
    )


def _is_root(principal: str) -> bool:
    return principal == "*" or principal.endswith(":root") or principal == "${AWS::AccountId}"


def grants_service(policy: dict[str, Any], service: str, actions: tuple[str, ...]) -> bool:
    return all(
        any(
            _allows(s, action) and any(_is_service(p, service) for p in _principals(s, "Service"))
            for s in _statements(policy)
        )
        for action in actions
    )


def root_administers(policy: dict[str, Any]) -> bool:
    return any(
        _allows(s, ADMIN_ACTION) and any(_is_root(p) for p in _principals(s, "AWS"))
        for s in _statements(policy)
    )


class KeysLetTheirUsersIn(CloudFormationLintRule):
    """A KMS key policy must grant every service principal the template makes use the key.

    - A log group with KmsKeyId: logs.<region>.amazonaws.com needs kms:Encrypt, kms:Decrypt and
      kms:GenerateDataKey ("The specified KMS key does not exist or is not allowed to be used").
    - An SNS topic with KmsMasterKeyId, published to by CloudWatch alarms, EventBridge rules,
      S3 event notifications or CodeStar notification rules: cloudwatch / events / s3 /
      codestar-notifications .amazonaws.com need kms:Decrypt and kms:GenerateDataKey, or the
      notifications are silently dropped (AWS SNS docs, "Enable compatibility between event
      sources from AWS services and encrypted topics").
    - A CloudTrail trail with KMSKeyId: cloudtrail.amazonaws.com needs kms:GenerateDataKey*.
    - The account root keeps administration (kms:PutKeyPolicy), or KMS refuses the key: "The new
      key policy will not allow you to update the key policy in the future."
    A key policy given as a JSON string, or a Fn::Sub of one, is parsed too. Statement
    conditions are not evaluated.
    """

    id = "E9104"
    shortdesc = "Keys let their users in"
    description = "KMS key policies grant the service principals that use the key"
    source_url = (
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
    )
    tags = ["kms", "encryption"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        types = c.resource_types(template)
        keys = {lid for lid, t in types.items() if t == "AWS::KMS::Key"}
        if not keys:
            return []
        aliases = self._aliases(template, keys)
        needs: dict[str, list[tuple[str, tuple[str, ...], str, list[Any]]]] = {k: [] for k in keys}
        for lid, rtype, props in c.resources(template):
            if rtype == "AWS::Logs::LogGroup":
                for key in self._keys_of(props.get("KmsKeyId"), keys, aliases):
                    path = ["Resources", lid, "Properties", "KmsKeyId"]
                    needs[key].append(("logs", LOGS_ACTIONS, f"log group '{lid}'", path))
            if rtype == "AWS::CloudTrail::Trail":
                for key in self._keys_of(props.get("KMSKeyId"), keys, aliases):
                    path = ["Resources", lid, "Properties", "KMSKeyId"]
                    needs[key].append(("cloudtrail", TRAIL_ACTIONS, f"trail '{lid}'", path))
            if rtype == "AWS::SNS::Topic":
                key_ids = self._keys_of(props.get("KmsMasterKeyId"), keys, aliases)
                for service, publisher in self._publishers(template, lid):
                    for key in key_ids:
                        what = f"topic '{lid}' (published to by '{publisher}')"
                        path = ["Resources", lid, "Properties", "KmsMasterKeyId"]
                        needs[key].append((service, PUBLISH_ACTIONS, what, path))
        matches = []
        for key in sorted(keys):
            props = c.mapping(template["Resources"][key].get("Properties"))
            if "KeyPolicy" not in props:
                continue  # the default policy: root only; users are reported below
            policy = c.key_policy(props.get("KeyPolicy"))
            if policy is None:
                continue  # conditional or unparseable: nothing to say offline
            path = ["Resources", key, "Properties", "KeyPolicy"]
            if not root_administers(policy):
                matches.append(
                    RuleMatch(
                        path,
                        f"Key '{key}' policy does not let the account root administer it "
                        f'({ADMIN_ACTION}); KMS refuses it: "The new key policy will not allow '
                        'you to update the key policy in the future". Fix: allow '
                        "arn:${AWS::Partition}:iam::${AWS::AccountId}:root the key "
                        "administration actions.",
                    )
                )
            seen = set()
            for service, actions, what, _ in needs[key]:
                if (service, what) in seen or grants_service(policy, service, actions):
                    continue
                seen.add((service, what))
                matches.append(
                    RuleMatch(
                        path,
                        f"Key '{key}' is used by {what} but its policy does not allow "
                        f"{service}.amazonaws.com {', '.join(actions)}. Fix: add a statement "
                        f"with Principal Service {service}.amazonaws.com and those actions.",
                    )
                )
        return matches

    @staticmethod
    def _aliases(template: dict[str, Any], keys: set[str]) -> dict[str, str]:
        """Alias logical ID and rendered AliasName -> key logical ID."""
        found = {}
        for lid, rtype, props in c.resources(template):
            if rtype != "AWS::KMS::Alias":
                continue
            targets = c.referenced_ids(props.get("TargetKeyId")) & keys
            if targets:
                key = next(iter(targets))
                found[lid] = key
                name = c.render(props.get("AliasName"))
                if name:
                    found[name] = key
        return found

    @staticmethod
    def _keys_of(value: Any, keys: set[str], aliases: dict[str, str]) -> set[str]:
        if value is None:
            return set()
        refs = c.referenced_ids(value)
        found = refs & keys
        found.update(aliases[r] for r in refs if r in aliases)
        rendered = c.render(value)
        if rendered in aliases:
            found.add(aliases[rendered])
        return found

    @staticmethod
    def _publishers(template: dict[str, Any], topic: str) -> list[tuple[str, str]]:
        found = []
        for lid, rtype, props in c.resources(template):
            if rtype == "AWS::CloudWatch::Alarm":
                if any(topic in c.referenced_ids(props.get(p)) for p in ALARM_ACTION_PROPS):
                    found.append(("cloudwatch", lid))
            elif rtype == "AWS::S3::Bucket":
                config = c.mapping(props.get("NotificationConfiguration"))
                topics = [
                    t.get("Topic")
                    for t in c.items(config.get("TopicConfigurations"))
                    if isinstance(t, dict)
                ]
                if any(topic in c.referenced_ids(t) for t in topics):
                    found.append(("s3", lid))
            elif rtype == "AWS::CodeStarNotifications::NotificationRule":
                addresses = [
                    t.get("TargetAddress")
                    for t in c.items(props.get("Targets"))
                    if isinstance(t, dict)
                ]
                if any(topic in c.referenced_ids(a) for a in addresses):
                    found.append(("codestar-notifications", lid))
            elif rtype == "AWS::Events::Rule":
                targets = [
                    t.get("Arn") for t in c.items(props.get("Targets")) if isinstance(t, dict)
                ]
                if any(topic in c.referenced_ids(t) for t in targets):
                    found.append(("events", lid))
        return found
