"""W9205: IAM policies allow named actions only: no `*`, no `service:*`, no NotAction."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

# type -> where its policy documents live (a list of key paths; "*" walks a list).
POLICY_DOCS: dict[str, list[tuple[str, ...]]] = {
    "AWS::IAM::Role": [("Policies", "*", "PolicyDocument")],
    "AWS::IAM::User": [("Policies", "*", "PolicyDocument")],
    "AWS::IAM::Group": [("Policies", "*", "PolicyDocument")],
    "AWS::IAM::Policy": [("PolicyDocument",)],
    "AWS::IAM::ManagedPolicy": [("PolicyDocument",)],
    "AWS::IAM::RolePolicy": [("PolicyDocument",)],
    "AWS::S3::BucketPolicy": [("PolicyDocument",)],
    "AWS::SNS::TopicPolicy": [("PolicyDocument",)],
    "AWS::SQS::QueuePolicy": [("PolicyDocument",)],
}


def documents(props: dict[str, Any], path: tuple[str, ...]) -> list[tuple[list[Any], Any]]:
    found: list[tuple[list[Any], Any]] = [([], props)]
    for key in path:
        nxt: list[tuple[list[Any], Any]] = []
        for where, node in found:
            if key == "*":
                nxt.extend(([*where, *i], v) for i, v in intrinsics.indexed_items(node))
            elif isinstance(node, dict) and key in node:
                nxt.append(([*where, key], node[key]))
        found = nxt
    return found


def wildcard(action: Any) -> bool:
    return isinstance(action, str) and (action == "*" or action.endswith(":*"))


class NoWildcardActions(CloudFormationLintRule):
    """Promise: Allow statements of IAM and resource policies name their actions.

    `*`, `service:*` and NotAction in an Allow statement are flagged; Deny statements may use
    wildcards (denying everything over plain HTTP is the point). KMS key policies are left out:
    their root statement is the documented way to keep the key administrable (see E9104).
    """

    id = "W9205"
    shortdesc = "No wildcard IAM actions"
    description = "Allow statements name their actions; no *, service:* or NotAction"
    source_url = (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    )
    tags = ["iam", "promise"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches = []
        for lid, rtype, props in c.resources(cfn.template):
            for doc_path in POLICY_DOCS.get(rtype, []):
                for where, raw in documents(props, doc_path):
                    doc = c.key_policy(raw)
                    if doc is None:
                        continue
                    for i, st in intrinsics.indexed_items(doc.get("Statement")):
                        if not isinstance(st, dict) or st.get("Effect") != "Allow":
                            continue
                        path = ["Resources", lid, "Properties", *where, "Statement", *i]
                        if "NotAction" in st:
                            matches.append(
                                RuleMatch(
                                    [*path, "NotAction"],
                                    "Allow with NotAction grants every other action. Fix: list "
                                    "the allowed actions in Action.",
                                )
                            )
                        bad = [a for a in intrinsics.items(st.get("Action")) if wildcard(a)]
                        if bad:
                            matches.append(
                                RuleMatch(
                                    [*path, "Action"],
                                    f"Allow of wildcard action(s) {', '.join(bad)}. Fix: name "
                                    "the actions the principal needs.",
                                )
                            )
        return matches
