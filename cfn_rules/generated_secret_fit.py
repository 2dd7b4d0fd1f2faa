"""E9102: a generated secret fits the property that consumes it (length and characters)."""

from __future__ import annotations

import string
from typing import Any, NamedTuple

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from cfn_rules import _common as c
from cfnmodel import intrinsics


class Limits(NamedTuple):
    what: str
    min_len: int
    max_len: int
    forbidden: frozenset[str] = frozenset()
    needs_each_type: bool = False  # upper, lower and digit must all be present


RDS_FORBIDDEN = frozenset("/@\"' ")
# Space and every punctuation character but the eight an AUTH token allows: !&#$^<>-
AUTH_TOKEN_FORBIDDEN = frozenset(" \"%'()*+,./:;=?@[\\]_`{|}~")
# An RBAC user's password: printable, but not space , " / @ (ElastiCache user guide, RBAC).
CACHE_USER_FORBIDDEN = frozenset(' ,"/@')
# Per engine; see the class docstring for sources.
RDS_INSTANCE_MAX = {
    "mysql": 41,
    "mariadb": 41,
    "postgres": 128,
    "sqlserver": 128,
    "oracle": 30,
    "db2": 255,
}


def rds_instance_limits(engine: str | None) -> Limits | None:
    """The limits of one engine; None for an engine without its own (Aurora: the cluster's)."""
    if engine is None:  # a parameter without AllowedValues: only the rules every engine shares
        return Limits("RDS master password", 8, 255, RDS_FORBIDDEN)
    engine = engine.lower()
    # aurora, aurora-mysql and aurora-postgresql start with none of the prefixes.
    for prefix, max_len in RDS_INSTANCE_MAX.items():
        if engine.startswith(prefix):
            forbidden = RDS_FORBIDDEN | {"&"} if prefix == "oracle" else RDS_FORBIDDEN
            return Limits(f"RDS for {prefix} master password", 8, max_len, forbidden)
    return None


def engine_values(value: Any, template: dict[str, Any]) -> list[str]:
    """The engines a DB's Engine can be: a literal, or a parameter's AllowedValues."""
    if isinstance(value, str):
        return [value]
    refs = intrinsics.references(value)
    params = c.mapping(template.get("Parameters"))
    found: list[str] = []
    for ref in refs:
        allowed = c.mapping(params.get(ref)).get("AllowedValues")
        if not isinstance(allowed, list):
            return []
        found.extend(str(v) for v in allowed)
    return found


def limits_for(
    rtype: str, prop: str, props: dict[str, Any], template: dict[str, Any]
) -> Limits | None:
    if rtype == "AWS::ElastiCache::User" and prop in ("Passwords", "AuthenticationMode"):
        # Passwords, or AuthenticationMode.Passwords: every reference found below either.
        return Limits("ElastiCache user password", 16, 128, CACHE_USER_FORBIDDEN)
    if prop not in ("MasterUserPassword", "AuthToken"):
        return None
    if rtype == "AWS::RDS::DBInstance" and prop == "MasterUserPassword":
        engines = engine_values(props.get("Engine"), template)
        if not engines:
            return rds_instance_limits(None)
        found = [x for x in (rds_instance_limits(e) for e in engines) if x is not None]
        return min(found, key=lambda x: x.max_len) if found else None
    if rtype == "AWS::RDS::DBCluster" and prop == "MasterUserPassword":
        return Limits("RDS DB cluster master password", 8, 41, RDS_FORBIDDEN)
    if rtype == "AWS::DocDB::DBCluster" and prop == "MasterUserPassword":
        return Limits("DocumentDB master password", 8, 100, frozenset('/"@ '))
    if rtype == "AWS::Redshift::Cluster" and prop == "MasterUserPassword":
        return Limits("Redshift master password", 8, 64, frozenset("'\"\\/@ "), True)
    if rtype == "AWS::ElastiCache::ReplicationGroup" and prop == "AuthToken":
        return Limits("ElastiCache AUTH token", 16, 128, AUTH_TOKEN_FORBIDDEN)
    return None


def generated_charset(gen: dict[str, Any]) -> set[str] | None:
    """Characters GenerateSecretString can emit; None when not literal."""
    chars: set[str] = set()
    for flag, group in (
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", string.punctuation),
    ):
        value = c.truthy(gen.get(flag, False))
        if value is None:
            return None
        if not value:
            chars.update(group)
    include_space = c.truthy(gen.get("IncludeSpace", False))
    if include_space is None:
        return None
    if include_space:
        chars.add(" ")
    exclude = gen.get("ExcludeCharacters", "")
    if not isinstance(exclude, str):
        return None
    return chars - set(exclude)


class GeneratedSecretFitsConsumer(CloudFormationLintRule):
    """Generated secrets must satisfy the password rules of the property they feed.

    Sources (AWS API reference, MasterUserPassword / AuthToken "Constraints"):
    - RDS CreateDBInstance: printable ASCII except "/", '"', "@" (Oracle also "&", "'");
      MariaDB and MySQL 8-41, PostgreSQL 8-128, SQL Server 8-128, Oracle 8-30, Db2 8-255.
      This project also refuses "'" and space: RDS hosted rotation and client connection strings
      break on them (the CloudFormation docs' own examples exclude `"@/\\` and `'`).
    - RDS CreateDBCluster (Aurora and Multi-AZ clusters): 8-41, not "/", '"', "@".
    - DocumentDB CreateDBCluster: 8-100, not "/", '"', "@".
    - Redshift CreateCluster: 8-64, one upper, one lower, one digit, ASCII 33-126 except
      "'", '"', "\\", "/", "@".
    - ElastiCache CreateReplicationGroup AuthToken: 16-128 printable, the only punctuation
      allowed is "!&#$^<>-", and TransitEncryptionEnabled must be true (checked by E9107).
    - ElastiCache CreateUser Passwords (RBAC; also AuthenticationMode.Passwords): 16-128
      printable, not space, ",", '"', "/", "@".
    A reference to the whole JSON SecretString (no json-key) of a secret with a
    SecretStringTemplate hands the consumer '{"username": ...}', which none of these accept.
    """

    id = "E9102"
    shortdesc = "Generated secrets fit their consumers"
    description = "GenerateSecretString length and characters satisfy the consuming property"
    source_url = (
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
    )
    tags = ["secrets", "rds", "elasticache"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = cfn.template
        matches = []
        for lid, rtype, props in c.resources(template):
            for prop, value in props.items():
                limits = limits_for(rtype, prop, props, template)
                if limits is None:
                    continue
                for path, secret_id, key in c.dynamic_refs(value):
                    target = c.secret_target(secret_id, template)
                    if target is None:
                        continue
                    secret = c.mapping(template["Resources"][target].get("Properties"))
                    full = ["Resources", lid, "Properties", prop, *path]
                    for problem in self._check(secret, key, limits, target):
                        matches.append(RuleMatch(full, problem))
                    matches.extend(self._rotation(template, target, key, limits))
        return matches

    @staticmethod
    def _rotation(
        template: dict[str, Any], target: str, key: str, limits: Limits
    ) -> list[RuleMatch]:
        """A hosted rotation Lambda must not generate what the consumer refuses either.

        It draws from printable ASCII without space, minus its own ExcludeCharacters (when that
        is absent, the function's default already excludes the RDS set).
        """
        props = c.mapping(template["Resources"][target].get("Properties"))
        gen = c.mapping(props.get("GenerateSecretString"))
        if gen.get("GenerateStringKey") not in (None, key):
            return []
        matches = []
        for lid, rtype, props in c.resources(template):
            exclude = c.mapping(props.get("HostedRotationLambda")).get("ExcludeCharacters")
            if (
                rtype != "AWS::SecretsManager::RotationSchedule"
                or target not in intrinsics.references(props.get("SecretId"))
                or not isinstance(exclude, str)
            ):
                continue
            chars = set(string.ascii_letters + string.digits + string.punctuation) - set(exclude)
            bad = chars & limits.forbidden
            if bad:
                matches.append(
                    RuleMatch(
                        [
                            "Resources",
                            lid,
                            "Properties",
                            "HostedRotationLambda",
                            "ExcludeCharacters",
                        ],
                        f"Rotation of secret '{target}' can generate {''.join(sorted(bad))!r}, "
                        f"which {limits.what} refuses; the first rotation fails. Fix: add them "
                        "to HostedRotationLambda.ExcludeCharacters.",
                    )
                )
        return matches

    @staticmethod
    def _check(secret: dict[str, Any], key: str, limits: Limits, target: str) -> list[str]:
        gen = c.mapping(secret.get("GenerateSecretString"))
        if not gen:
            return []
        generated_key = gen.get("GenerateStringKey")
        if generated_key and not key:
            return [
                f"{limits.what} receives the whole JSON of secret '{target}' (no json-key), "
                f"including '{{' and '\"'. Fix: end the reference with "
                f":SecretString:{generated_key}."
            ]
        if generated_key and key != generated_key:
            return []  # a fixed value from SecretStringTemplate, not the generated part
        problems = []
        length = c.literal_int(gen.get("PasswordLength", 32))
        if length is not None and not limits.min_len <= length <= limits.max_len:
            problems.append(
                f"{limits.what} must be {limits.min_len}-{limits.max_len} characters, but secret "
                f"'{target}' generates {length}. Fix: set GenerateSecretString.PasswordLength "
                f"between {limits.min_len} and {limits.max_len}."
            )
        chars = generated_charset(gen)
        if chars is None:
            return problems
        bad = chars & limits.forbidden
        if bad:
            shown = "".join(sorted(bad))
            problems.append(
                f"Secret '{target}' can generate characters that {limits.what} refuses: "
                f"{shown!r}. Fix: add them to GenerateSecretString.ExcludeCharacters."
            )
        if limits.needs_each_type:
            groups = (string.ascii_uppercase, string.ascii_lowercase, string.digits)
            missing = any(not chars & set(group) for group in groups)
            if missing or c.truthy(gen.get("RequireEachIncludedType")) is False:
                problems.append(
                    f"{limits.what} needs an uppercase letter, a lowercase letter and a digit; "
                    f"secret '{target}' does not guarantee them. Fix: keep letters and digits "
                    "and set RequireEachIncludedType: true."
                )
        return problems
