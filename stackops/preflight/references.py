"""Referenced secrets and parameters exist: dynamic references and SSM-typed parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .context import SSM_PARAMETER_TYPE, Context, known
from .findings import Finding, Report, not_found
from .permissions import PARAMETER_REFERENCES, SECRET_REFERENCES

DYNAMIC = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):(.+?)\}\}")
# Still a function after resolving: built from a resource of this template (or its attribute),
# which CloudFormation creates before resolving the reference, so it need not exist now.
BUILT = ("Fn::Sub", "Fn::Join", "Fn::GetAtt", "Ref")


def dynamic(node: Any) -> Iterator[tuple[str, str]]:
    """(service, body) of every literal dynamic reference under `node`."""
    if isinstance(node, str):
        if known(node):
            yield from ((m.group(1), m.group(2)) for m in DYNAMIC.finditer(node))
    elif isinstance(node, list):
        for item in node:
            yield from dynamic(item)
    elif isinstance(node, dict):
        if len(node) == 1 and next(iter(node)) in BUILT:
            return
        for value in node.values():
            yield from dynamic(value)


def secret_id(body: str) -> str:
    """The secret of `secret-id:SecretString:json-key:stage:version`; an ARN has six colons."""
    parts = body.split(":")
    return ":".join(parts[:7]) if parts[0] == "arn" else parts[0]


def wanted(ctx: Context) -> tuple[list[str], list[str]]:
    """The secret IDs and parameter names (with `:version` when given) the stack reads."""
    created = {
        str(props.get("Name"))
        for _, props in ctx.of_type("AWS::SecretsManager::Secret", "AWS::SSM::Parameter")
    }
    secrets: set[str] = set()
    parameters: set[str] = set()
    for service, body in dynamic(ctx.resources):
        if service == "secretsmanager":
            secrets.add(secret_id(body))
        else:
            parameters.add(body)
    for name, spec in ctx.parameters.items():
        if str((spec or {}).get("Type", "")).startswith(SSM_PARAMETER_TYPE):
            value = ctx.values.get(name, (spec or {}).get("Default"))
            if known(value):
                parameters.add(str(value))
    return sorted(secrets - created), sorted(parameters - created)


def check(ctx: Context, report: Report) -> None:
    secrets, parameters = wanted(ctx)
    if secrets:
        with report.attempt(SECRET_REFERENCES):
            for sid in secrets:
                _secret(ctx, report, sid)
                report.checked += 1
    if parameters:
        with report.attempt(PARAMETER_REFERENCES):
            for name in parameters:
                _parameter(ctx, report, name)
                report.checked += 1


def _secret(ctx: Context, report: Report, sid: str) -> None:
    try:
        found = ctx.clients.secretsmanager.describe_secret(SecretId=sid)
    except Exception as exc:
        if not not_found(exc):
            raise
        report.findings.append(
            Finding(
                SECRET_REFERENCES,
                f"secret {sid}",
                f"does not exist in {ctx.region}",
                "create it, or correct the {{resolve:secretsmanager:...}} reference",
            )
        )
        return
    if found.get("DeletedDate"):
        report.findings.append(
            Finding(
                SECRET_REFERENCES,
                f"secret {sid}",
                f"is scheduled for deletion (on {found['DeletedDate']}) and cannot be read",
                f"aws secretsmanager restore-secret --secret-id {sid} --region {ctx.region}",
            )
        )


def _parameter(ctx: Context, report: Report, name: str) -> None:
    try:
        # Never decrypted: whether it can be read is the question, not its value.
        ctx.clients.ssm.get_parameter(Name=name, WithDecryption=False)
    except Exception as exc:
        if not not_found(exc):
            raise
        report.findings.append(
            Finding(
                PARAMETER_REFERENCES,
                f"parameter {name}",
                f"does not exist in {ctx.region}",
                "create it (aws ssm put-parameter), or correct the reference or parameter value",
            )
        )
