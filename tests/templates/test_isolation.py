"""Staging never touches production data, and only the bootstrap job holds the master password.

Proofs over the generated templates, through the IAM evaluator of tests/support/iam_eval.py: a
production stack (`production` or `ephemeral` profile, EnvironmentSuffix `prod`, hosting the
pipeline) and the staging platform the pipeline deploys next to it (`staging` profile,
EnvironmentSuffix `prod-stg`, every role bounded by production's `StagingBoundary`). What only
the account knows (a secret's ARN, a group's ID) stays symbolic; an unknown makes a role look
more powerful, never less, so a passing denial here is a proof for those policies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from cfnmodel.intrinsics import ImportUse, Reference, uses
from tests.support.iam_eval import (
    PSEUDO,
    ContextValue,
    Decision,
    Model,
    Policy,
    RolePolicies,
    Sym,
    evaluate,
    placeholders,
    policy_of,
)
from tests.support.profiles import PIPELINE_PROFILES

PROD = "prod"
STAGING_SUFFIX = "prod-stg"
SECRETS = ("DbSecret", "AppDbSecret", "CacheSecret")
SECRET_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:PutSecretValue",
)
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant")
GROUP_ACTIONS = (
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:CreateNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
)
# Roles of the production stack that act for staging; both carry StagingBoundary.
STAGING_SIDE = ("DeployStagingRole", "StagingPlatformExecutionRole")
BOUNDARY = "StagingBoundary"
# Service roles holding only AWS-managed policies, whose documents the evaluator cannot read.
SERVICE_ROLES = {
    "BackupRole": "backup.amazonaws.com",
    "DbMonitoringRole": "monitoring.rds.amazonaws.com",
}
ACCOUNT = PSEUDO["AWS::AccountId"]
REGION = PSEUDO["AWS::Region"]


@cache
def _built(profile: str) -> dict[str, Any]:
    from templates import build_template

    built: dict[str, Any] = json.loads(build_template(profile).to_json())
    return built


@cache
def _production(profile: str) -> Model:
    template = _built(profile)
    given = {**placeholders(template), "EnvironmentSuffix": PROD}
    return Model(template, given, stack=PROD)


def _require(model: Model, *logical: str) -> None:
    missing = [name for name in logical if name not in model.resources]
    if missing:
        pytest.fail(f"no {', '.join(missing)} in the {model.stack} template", pytrace=False)


def _prod_sym(model: Model, logical: str, attr: str = "Ref") -> Sym:
    _require(model, logical)
    return model.sym(logical, attr)


# The StagingBoundary's ARN as the pipeline passes it; named even while the policy is missing,
# so the staging template's own checks still run.
BOUNDARY_ARN = Sym(PROD, BOUNDARY, "Arn", "AWS::IAM::ManagedPolicy")
PIPELINE_KEY_ARN = Sym(PROD, "PipelineKey", "Arn", "AWS::KMS::Key")


@cache
def _staging(profile: str) -> Model:
    """The staging platform as the pipeline of `profile`'s production stack deploys it."""
    prod = _production(profile)
    template = _built("staging")
    given: dict[str, str | Sym] = {
        **placeholders(template),
        "EnvironmentSuffix": STAGING_SUFFIX,
        "PermissionsBoundaryArn": BOUNDARY_ARN,
        "AppCodeBucket": "pipeline-artifacts-bucket",
        "AppCodeKeyArn": PIPELINE_KEY_ARN,
    }
    given = {k: v for k, v in given.items() if k in (template.get("Parameters") or {})}
    documents: dict[str | Sym, Policy] = {}
    if BOUNDARY in prod.resources:
        documents[BOUNDARY_ARN] = prod.managed_policy(BOUNDARY)
    return Model(template, given, stack="stg", documents=documents)


def _context(extra: dict[str, ContextValue] | None = None) -> dict[str, ContextValue]:
    """What a request on a production resource carries: its Environment tag."""
    tags: dict[str, ContextValue] = {
        "aws:ResourceTag/Environment": PROD,
        "secretsmanager:ResourceTag/Environment": PROD,
        "ec2:ResourceTag/Environment": PROD,
    }
    return {**tags, **(extra or {})}


def _requests(prod: Model) -> Iterator[tuple[str, Any, dict[str, ContextValue]]]:
    """(action, resource, context) of every request on production data staging must not make."""
    for logical in SECRETS:
        secret = _prod_sym(prod, logical)
        for action in SECRET_ACTIONS:
            yield action, secret, _context({"secretsmanager:SecretId": secret})
    key = _prod_sym(prod, "Key", "Arn")
    for action in KEY_ACTIONS:
        yield action, key, _context()
    vpc = (f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/", _prod_sym(prod, "Vpc"))
    for group in _security_groups(prod):
        arn = (f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/", prod.sym(group, "GroupId"))
        for action in GROUP_ACTIONS:
            yield action, arn, _context({"ec2:Vpc": vpc})


def _security_groups(model: Model) -> list[str]:
    return sorted(k for k, v in model.resources.items() if v["Type"] == "AWS::EC2::SecurityGroup")


def _allowed(model: Model, governed: RolePolicies) -> list[str]:
    found = []
    for action, resource, context in _requests(model):
        decision = evaluate(governed, action, resource, context)
        if decision.allowed:
            found.append(_say(governed.role, action, resource, decision))
    return found


def _say(role: str, action: str, resource: Any, decision: Decision) -> str:
    shown = "".join(map(str, resource)) if isinstance(resource, tuple) else str(resource)
    return f"{role} may {action} on {shown}: {decision}"


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
@pytest.mark.parametrize("role", STAGING_SIDE)
def test_staging_side_roles_of_production_carry_the_staging_boundary(
    profile: str, role: str
) -> None:
    prod = _production(profile)
    _require(prod, role)
    governed = prod.governing(role)
    assert isinstance(governed.boundary, Policy), f"{role} has no known boundary"
    assert governed.boundary.name == BOUNDARY, f"{role} is bounded by {governed.boundary.name}"


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
@pytest.mark.parametrize("role", STAGING_SIDE)
def test_staging_side_roles_of_production_cannot_touch_production_data(
    profile: str, role: str
) -> None:
    prod = _production(profile)
    _require(prod, role)
    governed = prod.governing(role)
    assert not governed.unknown, f"{role}: policies the evaluator cannot read: {governed.unknown}"
    found = _allowed(prod, governed)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_every_staging_role_carries_the_boundary_it_is_given(profile: str) -> None:
    _require(_production(profile), BOUNDARY)
    staging = _staging(profile)
    unbounded = [
        role
        for role in staging.roles()
        if not isinstance(staging.governing(role).boundary, Policy)
        or staging.governing(role).boundary.name != BOUNDARY  # type: ignore[union-attr]
    ]
    assert staging.roles(), "the staging template has no role"
    assert not unbounded, f"staging roles without PermissionsBoundaryArn: {unbounded}"


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_staging_roles_cannot_touch_production_data(profile: str) -> None:
    """Every role of the staging stack, its boundary being production's StagingBoundary."""
    prod = _production(profile)
    _require(prod, BOUNDARY)
    staging = _staging(profile)
    boundary = prod.managed_policy(BOUNDARY)
    found: list[str] = []
    for role in staging.roles():
        # Unreadable (AWS-managed) policies count as allowing anything: the boundary must cap them.
        found.extend(_allowed(prod, staging.governing(role, boundary)))
    assert not found, "\n".join(found)


def _is_service_role(model: Model, role: str) -> bool:
    trust = json.dumps(model.resources[role]["Properties"].get("AssumeRolePolicyDocument"))
    return any(role == name and service in trust for name, service in SERVICE_ROLES.items())


# A production name: the suffix as a whole word, not the start of the staging suffix.
_PROD_WORD = re.compile(
    rf"(?<![a-z0-9]){re.escape(PROD)}(?!{re.escape(STAGING_SUFFIX[len(PROD) :])})(?![a-z0-9])"
)


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _strings(item, f"{path}[{index}]")


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_the_staging_template_names_nothing_of_production(profile: str) -> None:
    staging = _staging(profile)
    resolved = {k: staging.template.get(k) for k in ("Resources", "Outputs")}
    strings = list(_strings(resolved))
    assert any(STAGING_SUFFIX in value for _, value in strings), "the scan sees no staging name"
    found = [f"{path}: {value!r}" for path, value in strings if _PROD_WORD.search(value)]
    imports = [use for use in uses(resolved) if isinstance(use, ImportUse)]
    assert not found, "staging names production:\n" + "\n".join(found)
    assert not imports, f"staging imports another stack's values: {imports}"


SECRET_OR_KEY = ("secretsmanager:", "kms:")


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_staging_role_policies_name_only_staging_secrets_and_keys(profile: str) -> None:
    """Any statement on secrets or keys names its own resources (the pipeline key aside)."""
    staging = _staging(profile)
    found: list[str] = []
    for role in staging.roles():
        for policy in staging.governing(role).identity:
            for statement in policy.statements:
                if statement.effect == "Deny":
                    continue
                if not any(
                    a.lower().startswith(SECRET_OR_KEY) or a == "*" for a in statement.actions
                ):
                    continue
                for resource in statement.resources:
                    own = (
                        len(resource) == 1
                        and isinstance(resource[0], Sym)
                        and (resource[0].stack == "stg" or resource[0] == PIPELINE_KEY_ARN)
                    )
                    if not own:
                        shown = "".join(map(str, resource))
                        found.append(f"{role} {policy.name}/{statement.label}: {shown}")
    assert not found, "staging statements on secrets/keys not its own:\n" + "\n".join(found)


def _bounded_by(policy: Policy) -> RolePolicies:
    everything = policy_of(
        "allow-all", {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    return RolePolicies("BoundedRole", (everything,), policy, (), {})


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_the_staging_boundary_keeps_itself(profile: str) -> None:
    """A role it bounds, however much its own policies allow, cannot shed or widen it."""
    prod = _production(profile)
    # Named (ManagedPolicyName), so its ARN is known before the stack exists: the boundary's
    # own denies name it so, since a policy cannot refer to itself.
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/edu-staging-boundary-{PROD}"
    assert prod.resources[BOUNDARY]["Properties"]["ManagedPolicyName"] == boundary.split("/")[-1]
    governed = _bounded_by(prod.managed_policy(BOUNDARY))
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/edu-anything-{STAGING_SUFFIX}"
    # Any other policy's ARN, or none at all.
    others: list[ContextValue] = [f"arn:aws:iam::{ACCOUNT}:policy/wide-open", None]
    requests: list[tuple[str, Any, dict[str, ContextValue]]] = [
        *(("iam:CreateRole", role_arn, {"iam:PermissionsBoundary": o}) for o in others),
        *(
            ("iam:PutRolePermissionsBoundary", role_arn, {"iam:PermissionsBoundary": o})
            for o in others
        ),
        ("iam:DeleteRolePermissionsBoundary", role_arn, {}),
        ("iam:CreatePolicyVersion", boundary, {}),
        ("iam:SetDefaultPolicyVersion", boundary, {}),
        ("iam:DeletePolicy", boundary, {}),
        ("iam:DeletePolicyVersion", boundary, {}),
    ]
    found = [
        _say("a StagingBoundary-bounded role", action, resource, decision)
        for action, resource, context in requests
        if (decision := evaluate(governed, action, resource, context)).allowed
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_only_the_bootstrap_role_reads_the_master_secret(profile: str) -> None:
    """DbSecret's value reaches DbBootstrapRole alone among the roles of the template.

    The rotation functions read it too, but the AWS::SecretsManager transform creates them and
    their roles outside this template (HostedRotationLambda), so they are not evaluated here;
    test_the_master_secret_is_rotated checks that the rotations target it. The service roles
    of SERVICE_ROLES hold AWS-managed policies only, which the evaluator cannot read.
    """
    prod = _production(profile)
    secret = _prod_sym(prod, "DbSecret")
    context = _context({"secretsmanager:SecretId": secret})
    readers: list[str] = []
    unreadable: list[str] = []
    for role in prod.roles():
        governed = prod.governing(role)
        if governed.unknown:
            unreadable.append(role)
            continue
        decision = evaluate(governed, "secretsmanager:GetSecretValue", secret, context)
        if decision.allowed:
            readers.append(_say(role, "secretsmanager:GetSecretValue", secret, decision))
    assert all(_is_service_role(prod, role) for role in unreadable), unreadable
    names = [line.split(" ", 1)[0] for line in readers]
    shown = "\n".join(readers) or "no role"
    assert names == ["DbBootstrapRole"], (
        f"DbSecret must be readable by DbBootstrapRole only:\n{shown}"
    )


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_the_app_boundary_allows_the_app_secret_not_the_master(profile: str) -> None:
    prod = _production(profile)
    governed = _bounded_by(prod.managed_policy("AppPermissionsBoundary"))
    master, app = _prod_sym(prod, "DbSecret"), _prod_sym(prod, "AppDbSecret")
    action = "secretsmanager:GetSecretValue"
    on_master = evaluate(governed, action, master, _context({"secretsmanager:SecretId": master}))
    on_app = evaluate(governed, action, app, _context({"secretsmanager:SecretId": app}))
    assert not on_master.allowed, _say("an app role", action, master, on_master)
    assert on_app.allowed, f"an app role cannot read AppDbSecret: {on_app}"


def test_the_master_secret_is_rotated() -> None:
    """Production rotates DbSecret (single user) and AppDbSecret with DbSecret as master.

    Both are HostedRotationLambda: the AWS::SecretsManager transform creates the functions and
    their roles outside this template, each able to read only the secrets it rotates.
    """
    resources = _built("production")["Resources"]
    assert resources["DbSecretRotation"]["Properties"]["SecretId"] == {"Ref": "DbSecret"}
    app = resources.get("AppDbSecretRotation", {}).get("Properties", {})
    assert app.get("SecretId") == {"Ref": "AppDbSecret"}, app
    hosted = app.get("HostedRotationLambda", {})
    assert hosted.get("RotationType") == "PostgreSQLMultiUser", hosted
    assert hosted.get("MasterSecretArn") == {"Ref": "DbSecret"}, hosted


def _projects(profile: str) -> dict[str, Any]:
    resources = _production(profile).resources
    return {k: v for k, v in resources.items() if v["Type"] == "AWS::CodeBuild::Project"}


def _names_master(node: Any) -> bool:
    named = any(isinstance(u, Reference) and u.name == "DbSecret" for u in uses(node))
    return named or "edu-db-credentials-" in json.dumps(node)


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_no_project_but_the_bootstrap_holds_the_master_secret(profile: str) -> None:
    found = []
    for name, body in _projects(profile).items():
        if name == "DbBootstrapProject":
            continue
        env = body["Properties"].get("Environment", {}).get("EnvironmentVariables", [])
        secret_vars = [v["Name"] for v in env if v.get("Type") == "SECRETS_MANAGER"]
        if secret_vars:
            found.append(f"{name}: SECRETS_MANAGER variables {secret_vars}")
        if _names_master(body["Properties"]):
            found.append(f"{name}: names DbSecret")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_the_bootstrap_project_gets_secret_arns_not_values(profile: str) -> None:
    _require(_production(profile), "DbBootstrapProject")
    projects = _projects(profile)
    props = projects["DbBootstrapProject"]["Properties"]
    env = props["Environment"].get("EnvironmentVariables", [])
    not_plain = [v["Name"] for v in env if v.get("Type", "PLAINTEXT") != "PLAINTEXT"]
    assert not not_plain, f"DbBootstrapProject variables not PLAINTEXT: {not_plain}"
    assert "{{resolve:" not in json.dumps(props), "a dynamic reference resolves a value"
    arns = {v["Name"]: v["Value"] for v in env if v.get("Value") == {"Ref": "DbSecret"}}
    assert arns, f"no variable holds DbSecret's ARN: {[v['Name'] for v in env]}"


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
@pytest.mark.parametrize("group", ("DatabaseSecurityGroup", "CacheSecurityGroup"))
def test_data_groups_admit_only_groups_of_the_same_stack(profile: str, group: str) -> None:
    model = _production(profile)
    own = set(_security_groups(model))
    targets = {(model.sym(group, "GroupId"),), (model.sym(group),)}
    rules = list(model.resources[group]["Properties"].get("SecurityGroupIngress", []))
    rules += [
        body["Properties"]
        for body in model.resources.values()
        if body["Type"] == "AWS::EC2::SecurityGroupIngress"
        and model.value(body["Properties"].get("GroupId")) in targets
    ]
    assert rules, f"{group} admits nothing: the check would prove nothing"
    bad = []
    for rule in rules:
        source = model.value(rule.get("SourceSecurityGroupId", ""))
        ok = (
            len(source) == 1
            and isinstance(source[0], Sym)
            and source[0].logical in own
            and not {"CidrIp", "CidrIpv6", "SourcePrefixListId"} & set(rule)
        )
        if not ok:
            bad.append(rule)
    assert not bad, f"{group} admits sources outside the stack: {bad}"


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_the_staging_deploy_project_is_outside_the_vpc(profile: str) -> None:
    project = _projects(profile)["DeployStagingProject"]
    vpc = project["Properties"].get("VpcConfig")
    assert vpc is None, f"DeployStagingProject runs in the production VPC: {vpc}"
