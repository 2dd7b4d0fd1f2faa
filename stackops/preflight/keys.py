"""Each new KMS key's policy lets its deployer administer it: KMS's own lockout safety check.

KMS refuses CreateKey when the key policy would not let the calling principal call
kms:PutKeyPolicy, so that nobody makes a key no one can manage. The stack fails at the key,
minutes in; here the same rule is applied to the policy before anything is created.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from .context import Context
from .findings import Finding, Report
from .permissions import KEY_ADMINISTRATION

ACTION = "kms:putkeypolicy"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches_action(statement: dict[str, Any]) -> bool:
    if "NotAction" in statement:
        patterns = [str(p).lower() for p in _listed(statement["NotAction"])]
        return not any(fnmatchcase(ACTION, p) for p in patterns)
    patterns = [str(p).lower() for p in _listed(statement.get("Action", []))]
    return any(fnmatchcase(ACTION, p) for p in patterns)


def _same_principal(named: str, principal: str) -> bool:
    """An IAM role ARN matches by account and name: an assumed-role ARN does not carry the path."""
    if named == principal:
        return True
    if ":role/" in named and ":role/" in principal:
        return (
            named.split(":")[4] == principal.split(":")[4]
            and named.rsplit("/", 1)[-1] == principal.rsplit("/", 1)[-1]
        )
    return False


def _names(statement: dict[str, Any], principal: str, account: str) -> bool:
    """Whether the statement's Principal covers the caller or the account root."""
    given = statement.get("Principal")
    if given == "*":
        return True
    if not isinstance(given, dict):
        return False
    root = {account, f"arn:aws:iam::{account}:root", f"arn:aws-cn:iam::{account}:root"}
    root.add(f"arn:aws-us-gov:iam::{account}:root")
    for named in _listed(given.get("AWS", [])):
        if isinstance(named, str) and (
            named == "*" or named in root or _same_principal(named, principal)
        ):
            return True
    return False


def administers(policy: dict[str, Any], principal: str, account: str) -> bool:
    """Allowed kms:PutKeyPolicy, and not denied it. Conditions are not evaluated: KMS weighs
    them with the request's context, which only the real call has."""
    statements = [s for s in _listed(policy.get("Statement", [])) if isinstance(s, dict)]
    covering = [s for s in statements if _matches_action(s) and _names(s, principal, account)]
    denied = any(s.get("Effect") == "Deny" and "Condition" not in s for s in covering)
    return not denied and any(s.get("Effect") == "Allow" for s in covering)


def _policy(props: dict[str, Any]) -> dict[str, Any] | None:
    policy = props.get("KeyPolicy")
    if isinstance(policy, str):
        policy = json.loads(policy)
    return policy if isinstance(policy, dict) else None


def check(ctx: Context, report: Report) -> None:
    keys = ctx.of_type("AWS::KMS::Key")
    if not keys:
        return
    principal, account = ctx.caller.principal, ctx.caller.account
    if not principal or not account:
        report.skip(KEY_ADMINISTRATION, "the caller is unknown (GetCallerIdentity failed)")
        return
    with report.attempt(KEY_ADMINISTRATION):
        for lid, props in keys:
            finding = _finding(lid, props, principal, account)
            report.checked += 1
            if finding is not None:
                report.findings.append(finding)


def _finding(lid: str, props: dict[str, Any], principal: str, account: str) -> Finding | None:
    if str(props.get("BypassPolicyLockoutSafetyCheck", "")).lower() == "true":
        return None
    policy = _policy(props)
    if "KeyPolicy" not in props or policy is None:
        return None  # the default key policy lets the account root administer the key
    if administers(policy, principal, account):
        return None
    return Finding(
        KEY_ADMINISTRATION,
        lid,
        f"the key policy does not let {principal} (the deployer) or the account root call "
        "kms:PutKeyPolicy; KMS would refuse to create the key",
        "add a statement that allows kms:PutKeyPolicy (or kms:*) to "
        f"arn:aws:iam::{account}:root or {principal}",
    )
