"""E9101: every Secrets Manager dynamic reference names a secret this stack creates."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics

SECRET_TYPES = ("AWS::SecretsManager::Secret",)
# Ref of a SecretTargetAttachment returns the ARN of its secret.
SECRET_REF_TYPES = (*SECRET_TYPES, "AWS::SecretsManager::SecretTargetAttachment")
EXTERNAL_MARK = "external secret"


def external_parameters(template: dict[str, Any]) -> set[str]:
    """Parameters documented as carrying an external secret's ARN or name.

    Convention: the parameter's Description contains "external secret" (any case), or the
    template's Metadata lists it under StackOps.ExternalSecrets.
    """
    params = c.mapping(template.get("Parameters"))
    found = {
        name
        for name, p in params.items()
        # A missing Description reads as "none", which holds no mark.
        if isinstance(p, dict) and EXTERNAL_MARK in str(p.get("Description")).lower()
    }
    meta = c.mapping(c.mapping(template.get("Metadata")).get("StackOps")).get("ExternalSecrets")
    found.update(n for n in c.as_list(meta) if isinstance(n, str) and n in params)
    return found


def secret_json_keys(props: dict[str, Any]) -> set[str] | None:
    """Keys a created secret's JSON holds, or None when unknown (SecretString not JSON)."""
    gen = props.get("GenerateSecretString")
    # An intrinsic (Fn::If) holds neither key below, so its keys come out unknown (None).
    if isinstance(gen, dict):
        keys: set[str] = set()
        template = intrinsics.render(gen.get("SecretStringTemplate"))
        if template is None and "SecretStringTemplate" in gen:
            return None
        if template:
            try:
                import json

                keys.update(json.loads(template))
            except (ValueError, TypeError):
                return None
        if isinstance(gen.get("GenerateStringKey"), str):
            keys.add(gen["GenerateStringKey"])
        return keys or None
    return None


# Keys a SecretTargetAttachment writes into its secret's JSON, by TargetType ("JSON structure of
# Secrets Manager database credential secrets" in the Secrets Manager user guide). Generous on
# purpose: a key missing here would block a template AWS accepts.
ATTACHMENT_KEYS: dict[str, set[str]] = {
    "AWS::RDS::DBInstance": {"engine", "host", "port", "dbname", "dbInstanceIdentifier"},
    "AWS::RDS::DBCluster": {"engine", "host", "port", "dbname", "dbClusterIdentifier"},
    "AWS::Redshift::Cluster": {"engine", "host", "port", "dbname", "dbClusterIdentifier"},
    "AWS::RedshiftServerless::Namespace": {"engine", "host", "port", "dbname", "namespaceName"},
    "AWS::DocDB::DBInstance": {"engine", "host", "port", "ssl", "dbInstanceIdentifier"},
    "AWS::DocDB::DBCluster": {"engine", "host", "port", "ssl", "dbClusterIdentifier"},
}


def attached_keys(template: dict[str, Any]) -> dict[str, set[str]]:
    """Secret logical ID -> the connection keys its target attachment adds."""
    found: dict[str, set[str]] = {}
    for _, rtype, props in c.resources(template):
        if rtype != "AWS::SecretsManager::SecretTargetAttachment":
            continue
        secret_id = props.get("SecretId")
        secret = secret_id.get("Ref") if isinstance(secret_id, dict) else None
        keys = ATTACHMENT_KEYS.get(str(props.get("TargetType")))
        if isinstance(secret, str) and keys:
            found.setdefault(secret, set()).update(keys)
    return found


def known_keys(
    target: str | None, secrets: dict[str, Any], attached: dict[str, set[str]]
) -> set[str] | None:
    """Keys the secret holds once the stack is up, or None when unknown."""
    if not target:
        return None
    keys = secret_json_keys(secrets[target])  # _resolve names only secrets of the template
    return None if keys is None else keys | attached.get(target, set())


class SecretReferencesResolve(CloudFormationLintRule):
    """A `{{resolve:secretsmanager:ID...}}` must name a secret this template creates.

    Accepted IDs: `${Secret}` (Ref or Sub of an AWS::SecretsManager::Secret or its
    SecretTargetAttachment), the rendered `Name` of a created secret (then the consumer must
    DependsOn it, or CloudFormation may resolve before the secret exists), an ARN whose name is a
    created secret's Name, or anything built from a parameter documented as external (its
    Description contains "external secret", or Metadata.StackOps.ExternalSecrets lists it).
    The JSON key, when the secret's JSON shape is known, must exist. AWS fails such a stack with
    "Secrets Manager can't find the specified secret." after the resources before it were made.
    """

    id = "E9101"
    shortdesc = "Secret references resolve inside the stack"
    description = "Every secretsmanager dynamic reference names a secret the stack creates"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html"
    tags = ["secrets", "dynamic-references"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        types = c.resource_types(template)
        secrets = {lid: props for lid, t, props in c.resources(template) if t in SECRET_TYPES}
        names = {}
        for lid, props in secrets.items():
            name = intrinsics.render(props.get("Name"))
            if name:
                names[name] = lid
        external = external_parameters(template)
        attached = attached_keys(template)
        matches = []
        for lid, res in c.mapping(template.get("Resources")).items():
            if not isinstance(res, dict):
                continue
            depends = set(c.as_list(res.get("DependsOn")))
            for path, secret_id, key in c.dynamic_refs(res.get("Properties") or {}):
                full = ["Resources", lid, "Properties", *path]
                problem, target = self._resolve(secret_id, secrets, names, external, types)
                if problem:
                    matches.append(c.warning(full, problem))
                    continue
                if (
                    target
                    and target in names.values()
                    and secret_id in names
                    and (target not in depends)
                ):
                    matches.append(
                        RuleMatch(
                            full,
                            f"Secret '{target}' is referenced by its literal name, so nothing "
                            f"orders it before '{lid}'. Fix: use {{{{resolve:secretsmanager:"
                            f"${{{target}}}...}}}} in a Fn::Sub, or add DependsOn: {target}.",
                        )
                    )
                keys = known_keys(target, secrets, attached)
                if key and keys is not None and key not in keys:
                    matches.append(
                        RuleMatch(
                            full,
                            f"Secret '{target}' has no JSON key '{key}' (it holds "
                            f"{', '.join(sorted(keys))}). Fix: use one of those keys.",
                        )
                    )
        matches.extend(self._codebuild(template, secrets, names, external, types, attached))
        return matches

    def _codebuild(
        self,
        template: dict[str, Any],
        secrets: dict[str, Any],
        names: dict[str, str],
        external: set[str],
        types: dict[str, str],
        attached: dict[str, set[str]],
    ) -> list[RuleMatch]:
        """CodeBuild SECRETS_MANAGER variables: `secret-id[:json-key[:stage[:version]]]`."""
        matches = []
        for lid, rtype, props in c.resources(template):
            if rtype != "AWS::CodeBuild::Project":
                continue
            env = c.mapping(props.get("Environment")).get("EnvironmentVariables")
            for i, var in intrinsics.indexed_items(env):
                if not isinstance(var, dict) or var.get("Type") != "SECRETS_MANAGER":
                    continue
                value = intrinsics.render(var.get("Value"))
                if not value:
                    continue
                parts = c.split_ref(value)
                secret_id, key = parts[0], (parts[1] if len(parts) > 1 else "")
                path = ["Resources", lid, "Properties", "Environment", "EnvironmentVariables", *i]
                problem, target = self._resolve(secret_id, secrets, names, external, types)
                if problem:
                    matches.append(c.warning([*path, "Value"], problem))
                    continue
                keys = known_keys(target, secrets, attached)
                if key and keys is not None and key not in keys:
                    matches.append(
                        RuleMatch(
                            [*path, "Value"],
                            f"Secret '{target}' has no JSON key '{key}' (it holds "
                            f"{', '.join(sorted(keys))}). Fix: use one of those keys.",
                        )
                    )
        return matches

    @staticmethod
    def _resolve(
        secret_id: str,
        secrets: dict[str, Any],
        names: dict[str, str],
        external: set[str],
        types: dict[str, str],
    ) -> tuple[str | None, str | None]:
        """(problem or None, logical ID of the created secret or None)."""
        tokens = [t.split(".")[0] for t in intrinsics.sub_variables(secret_id)]
        if secret_id.startswith("${") and secret_id.endswith("}") and len(tokens) == 1:
            target = tokens[0]
            if types.get(target) in SECRET_REF_TYPES:
                return None, target if target in secrets else None
            if target in external:
                return None, None
        if any(t in external for t in tokens):
            return None, None
        if secret_id in names:
            return None, names[secret_id]
        if ":secret:" in secret_id:
            arn_name = secret_id.split(":secret:", 1)[1]
            for name, lid in names.items():
                if arn_name == name or arn_name.startswith(name + "-"):
                    return None, lid
        return (
            f"Secret '{secret_id}' is not created by this template nor passed in by a parameter "
            "documented as an external secret. This depends on the account: the secret must "
            "exist before deploy, or AWS fails with \"Secrets Manager can't find the specified "
            'secret". Fix: create an AWS::SecretsManager::Secret and reference it as '
            "${SecretLogicalId} in a Fn::Sub, or pass its ARN in a parameter whose Description "
            'says "external secret".',
            None,
        )
