"""E9104: each KMS key's policy lets in the services that the template makes use it."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

PUBLISH_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
LOGS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
TRAIL_ACTIONS = ("kms:GenerateDataKey",)
ADMIN_ACTION = "kms:PutKeyPolicy"
ALARM_ACTION_PROPS = ("AlarmActions", "OKActions", "InsufficientDataActions")
Need = tuple[str, tuple[str, ...], str]  # (service, actions it needs, what uses the key)


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in intrinsics.items(policy.get("Statement")) if isinstance(s, dict)]


def _allows(statement: dict[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    patterns = [str(a).lower() for a in intrinsics.items(statement.get("Action"))]
    return any(fnmatchcase(action.lower(), p) for p in patterns)


def _principals(statement: dict[str, Any], kind: str) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    rendered = [intrinsics.render(p) for p in intrinsics.items(principal.get(kind))]
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


# Services whose resource AWS refuses to create without the key grant; the others (publishers
# to an encrypted topic) deploy, and their messages are dropped.
REFUSED_AT_CREATE = ("logs", "cloudtrail")


def _consequence(service: str) -> str:
    if service == "logs":
        return (
            'AWS refuses the log group ("The specified KMS key does not exist or is not allowed").'
        )
    if service == "cloudtrail":
        return "AWS refuses the trail (InsufficientEncryptionPolicyException)."
    return "the deploy succeeds, but AWS drops every message it publishes to the topic."


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
        needs = self._needs(template, keys)
        matches: list[RuleMatch] = []
        for key in sorted(keys):
            props = c.mapping(template["Resources"][key].get("Properties"))
            if "KeyPolicy" not in props:
                continue  # the default policy: root only; users are reported below
            policy = c.key_policy(props.get("KeyPolicy"))
            if policy is None:
                continue  # conditional or unparseable: nothing to say offline
            path = ["Resources", key, "Properties", "KeyPolicy"]
            for message, as_written in self._problems(key, policy, needs[key]):
                matches.append(RuleMatch(path, message) if as_written else c.warning(path, message))
        return matches

    def _needs(self, template: dict[str, Any], keys: set[str]) -> dict[str, list[Need]]:
        """For each key, the services that use it: (service, actions, what uses it)."""
        aliases = self._aliases(template, keys)
        needs: dict[str, list[Need]] = {k: [] for k in keys}
        for lid, rtype, props in c.resources(template):
            if rtype == "AWS::Logs::LogGroup":
                for key in self._keys_of(props.get("KmsKeyId"), keys, aliases):
                    needs[key].append(("logs", LOGS_ACTIONS, f"log group '{lid}'"))
            if rtype == "AWS::CloudTrail::Trail":
                for key in self._keys_of(props.get("KMSKeyId"), keys, aliases):
                    needs[key].append(("cloudtrail", TRAIL_ACTIONS, f"trail '{lid}'"))
            if rtype == "AWS::SNS::Topic":
                key_ids = self._keys_of(props.get("KmsMasterKeyId"), keys, aliases)
                for service, publisher in self._publishers(template, lid):
                    what = f"topic '{lid}' (published to by '{publisher}')"
                    for key in key_ids:
                        needs[key].append((service, PUBLISH_ACTIONS, what))
        return needs

    @staticmethod
    def _problems(key: str, policy: dict[str, Any], needs: list[Need]) -> list[tuple[str, bool]]:
        """(message, whether AWS refuses the template as written) of each problem."""
        problems = []
        if not root_administers(policy):
            # KMS checks that the principal creating the key may administer it: a policy that
            # grants administration to a role the deployer uses instead of the root passes.
            problems.append(
                (
                    f"Key '{key}' policy does not let the account root administer it "
                    f"({ADMIN_ACTION}). This depends on who deploys: unless the policy grants "
                    'the deploying principal that action, KMS refuses it: "The new key policy '
                    'will not allow you to update the key policy in the future". Fix: allow '
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:root the key "
                    "administration actions.",
                    False,
                )
            )
        # Each (service, what) comes once: one entry per resource, and per publisher of a topic.
        for service, actions, what in needs:
            if grants_service(policy, service, actions):
                continue
            problems.append(
                (
                    f"Key '{key}' is used by {what} but its policy does not allow "
                    f"{service}.amazonaws.com {', '.join(actions)}; {_consequence(service)} "
                    f"Fix: add a statement with Principal Service {service}.amazonaws.com and "
                    "those actions.",
                    service in REFUSED_AT_CREATE,
                )
            )
        return problems

    @staticmethod
    def _aliases(template: dict[str, Any], keys: set[str]) -> dict[str, str]:
        """Alias logical ID and rendered AliasName -> key logical ID."""
        found = {}
        for lid, rtype, props in c.resources(template):
            if rtype != "AWS::KMS::Alias":
                continue
            targets = intrinsics.references(props.get("TargetKeyId")) & keys
            if targets:
                key = next(iter(targets))
                found[lid] = key
                name = intrinsics.render(props.get("AliasName"))
                if name:
                    found[name] = key
        return found

    @staticmethod
    def _keys_of(value: Any, keys: set[str], aliases: dict[str, str]) -> set[str]:
        if value is None:
            return set()
        refs = intrinsics.references(value)
        found = refs & keys
        found.update(aliases[r] for r in refs if r in aliases)
        rendered = intrinsics.render(value)
        if rendered in aliases:
            found.add(aliases[rendered])
        return found

    @staticmethod
    def _publishers(template: dict[str, Any], topic: str) -> list[tuple[str, str]]:
        found = []
        for lid, rtype, props in c.resources(template):
            if rtype == "AWS::CloudWatch::Alarm":
                if any(topic in intrinsics.references(props.get(p)) for p in ALARM_ACTION_PROPS):
                    found.append(("cloudwatch", lid))
            elif rtype == "AWS::S3::Bucket":
                config = c.mapping(props.get("NotificationConfiguration"))
                topics = [
                    t.get("Topic")
                    for t in intrinsics.items(config.get("TopicConfigurations"))
                    if isinstance(t, dict)
                ]
                if any(topic in intrinsics.references(t) for t in topics):
                    found.append(("s3", lid))
            elif rtype == "AWS::CodeStarNotifications::NotificationRule":
                addresses = [
                    t.get("TargetAddress")
                    for t in intrinsics.items(props.get("Targets"))
                    if isinstance(t, dict)
                ]
                if any(topic in intrinsics.references(a) for a in addresses):
                    found.append(("codestar-notifications", lid))
            elif rtype == "AWS::Events::Rule":
                targets = [
                    t.get("Arn")
                    for t in intrinsics.items(props.get("Targets"))
                    if isinstance(t, dict)
                ]
                if any(topic in intrinsics.references(t) for t in targets):
                    found.append(("events", lid))
        return found
