"""Application delivery: the CloudFormation execution roles, the permissions boundary every
application role carries, the deploy roles' PassRole, and the platform-application contract."""

from __future__ import annotations

import json
import re
from typing import Any

from cfnlint.api import ManualArgs, lint

from cfnmodel.intrinsics import walk
from templates.contract import CONTRACT_KEYS
from tests.support.cfn import resources
from tests.support.iam_eval import ContextValue, Model, Sym, placeholders
from tests.support.paths import ROOT
from tests.templates.helpers import dependency_graph, reaches, tag_map

STAGES = {"staging": "StagingExecutionRole", "production": "ProductionExecutionRole"}
DEPLOY_ROLES = {"staging": "DeployStagingRole", "production": "DeployProductionRole"}
BOUNDARY = "AppPermissionsBoundary"
# IAM's actions that take the iam:PermissionsBoundary condition key (IAM user guide,
# "Permissions boundaries for IAM entities"): each must be granted with it, or not at all.
ROLE_WRITES = {
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
}
# Authorized only against Resource "*" (no resource type in the Service Authorization Reference).
NO_RESOURCE_LEVEL = {
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeNetworkInterfaces",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
}
DOCS = ROOT / "docs" / "pipeline.md"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A resource or condition value as text: a Sub's template, or the JSON of anything else."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return json.dumps(value, sort_keys=True)


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = document["Statement"]
    assert found
    return found


def _execution_policy(template: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    role = template["Resources"][STAGES[stage]]["Properties"]
    (policy,) = role["Policies"]
    return _statements(policy["PolicyDocument"])


def _boundary(template: dict[str, Any]) -> list[dict[str, Any]]:
    return _statements(template["Resources"][BOUNDARY]["Properties"]["PolicyDocument"])


def _by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {s["Sid"]: s for s in statements}
    assert len(found) == len(statements), "every statement has a Sid of its own"
    return found


# -- the execution roles --------------------------------------------------------------------


def test_only_cloudformation_of_this_account_assumes_an_execution_role(
    template: dict[str, Any], stage: str
) -> None:
    trust = template["Resources"][STAGES[stage]]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = _statements(trust)
    assert statement["Effect"] == "Allow"
    assert _list(statement["Principal"]["Service"]) == ["cloudformation.amazonaws.com"]
    assert _list(statement["Action"]) == ["sts:AssumeRole"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }


def test_every_allow_names_its_resources_unless_the_action_has_none(
    template: dict[str, Any], stage: str
) -> None:
    offenders = [
        (s.get("Sid"), a)
        for s in _execution_policy(template, stage)
        if s["Effect"] == "Allow" and "*" in _list(s["Resource"])
        for a in _list(s["Action"])
        if a not in NO_RESOURCE_LEVEL
    ]
    assert offenders == []


def test_application_resources_are_the_stages_own(template: dict[str, Any], stage: str) -> None:
    own = f"edu-app-{stage}-${{EnvironmentSuffix}}-*"
    other = next(s for s in STAGES if s != stage)
    by_sid = _by_sid(_execution_policy(template, stage))
    for sid in ("LambdaFunctions", "PassAppRolesToLambda", "AppRoles", "AppRolesBounded"):
        texts = [_text(r) for r in _list(by_sid[sid]["Resource"])]
        assert texts and all(t.endswith(own) for t in texts), (sid, texts)
    for sid in ("LogGroups", "Alarms"):
        texts = [_text(r) for r in _list(by_sid[sid]["Resource"])]
        assert texts and all(own in t and f"edu-app-{other}-" not in t for t in texts), sid


def test_every_role_write_requires_the_boundary(template: dict[str, Any], stage: str) -> None:
    statements = _execution_policy(template, stage)
    writes = [s for s in statements if s["Effect"] == "Allow" and ROLE_WRITES & set(s["Action"])]
    assert {a for s in writes for a in s["Action"]} >= ROLE_WRITES
    # The boundary the contract publishes: the platform's own, or in a staging platform the
    # production platform's StagingBoundary when the pipeline passes it.
    published = template["Resources"]["ContractBoundaryArn"]["Properties"]["Value"]
    assert {"Ref": BOUNDARY} in (published, published.get("Fn::If", [None, None, None])[2])
    for statement in writes:
        assert statement["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": published}}
    denied = [s for s in statements if s["Effect"] == "Deny"]
    assert any("iam:DeleteRolePermissionsBoundary" in _list(s["Action"]) for s in denied)


def test_an_execution_role_passes_application_roles_to_lambda_only(
    template: dict[str, Any], stage: str
) -> None:
    passes = [s for s in _execution_policy(template, stage) if "iam:PassRole" in _list(s["Action"])]
    assert len(passes) == 1
    assert passes[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
    }


def test_code_is_read_under_the_code_prefix_and_decrypted_only_through_s3(
    template: dict[str, Any], stage: str
) -> None:
    by_sid = _by_sid(_execution_policy(template, stage))
    (code,) = _list(by_sid["ReadAppCode"]["Resource"])
    bucket = r"\$\{ArtifactsBucket\.Arn\}|arn:\$\{AWS::Partition\}:s3:::\$\{AppCodeBucket\}"
    assert re.fullmatch(rf"({bucket})/app-code/\*", _text(code))
    decrypt = by_sid["DecryptAppCode"]
    assert _list(decrypt["Action"]) == ["kms:Decrypt"]
    via = decrypt["Condition"]["StringEquals"]["kms:ViaService"]
    assert _text(via) == "s3.${AWS::Region}.amazonaws.com"


# -- the deploy roles' PassRole -------------------------------------------------------------


def _passes_to_cloudformation(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, s)
        for lid, r in resources(template).items()
        if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Role")
        for s in _all_statements(r)
        if "iam:PassRole" in _list(s.get("Action", []))
        and any(lid_ in json.dumps(s["Resource"]) for lid_ in STAGES.values())
    ]


def _all_statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    # Every statement, inside an Fn::If too (the pipeline role's connection policy).
    return [v for _, v in walk(resource) if isinstance(v, dict) and "Effect" in v]


def _tags(template: dict[str, Any], lid: str) -> dict[str, Any]:
    return tag_map(template["Resources"][lid]["Properties"].get("Tags"))


def _attached_to(template: dict[str, Any], policy: str) -> set[str]:
    return {
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if {"Ref": policy} in r["Properties"].get("ManagedPolicyArns", [])
    }


# A role CloudFormation may be handed: (its stack, logical ID, Stage tag, Environment tag).
PASS_CASES = {
    "production's execution role": ("prod", "ProductionExecutionRole", "production", "prod"),
    "the staging platform's role": ("prod", "StagingPlatformExecutionRole", "staging", "prod"),
    "the staging stack's execution role": (
        "prod-stg",
        "StagingExecutionRole",
        "staging",
        "prod-stg",
    ),
    "another platform's production role": (
        "other",
        "ProductionExecutionRole",
        "production",
        "other",
    ),
    "another platform's staging role": (
        "other-stg",
        "StagingExecutionRole",
        "staging",
        "other-stg",
    ),
}
# The deploy role -> the cases it may pass, and no other.
MAY_PASS = {
    "DeployProductionRole": {"production's execution role"},
    "DeployStagingRole": {"the staging platform's role", "the staging stack's execution role"},
}


def test_a_deploy_role_may_pass_only_its_own_stages_execution_role(
    template: dict[str, Any], profile: str
) -> None:
    if profile == "staging":
        assert not resources(template, "AWS::CodeBuild::Project").keys() - {"DbBootstrapProject"}
        return
    model = Model(template, {**placeholders(template), "EnvironmentSuffix": "prod"}, stack="prod")
    for deploy_role, allowed in MAY_PASS.items():
        found = set()
        for case, (stack, logical, stage, environment) in PASS_CASES.items():
            role_arn = Sym(stack, logical, "Arn", "AWS::IAM::Role")
            context: dict[str, ContextValue] = {
                "iam:PassedToService": "cloudformation.amazonaws.com",
                "aws:ResourceTag/Stage": stage,
                "aws:ResourceTag/Environment": environment,
            }
            if model.decide(deploy_role, "iam:PassRole", role_arn, context).allowed:
                found.add(case)
            to_lambda = {**context, "iam:PassedToService": "lambda.amazonaws.com"}
            assert not model.decide(deploy_role, "iam:PassRole", role_arn, to_lambda).allowed
        assert found == allowed, deploy_role


# -- the boundary ---------------------------------------------------------------------------


def test_the_boundary_denies_iam_key_administration_and_other_secrets(
    template: dict[str, Any],
) -> None:
    by_sid = _by_sid(_boundary(template))
    denies = {sid: s for sid, s in by_sid.items() if s["Effect"] == "Deny"}
    actions = {a for s in denies.values() for a in _list(s["Action"])}
    assert {"iam:*", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"} <= actions
    secret = by_sid["AppSecret"]["Resource"]
    other = [s for s in denies.values() if "secretsmanager:GetSecretValue" in _list(s["Action"])]
    assert [s["Condition"] for s in other] == [
        {"StringNotEquals": {"secretsmanager:SecretId": r}} for r in _list(secret)
    ]


def test_the_boundary_allows_no_iam_and_only_named_resources(template: dict[str, Any]) -> None:
    allows = [s for s in _boundary(template) if s["Effect"] == "Allow"]
    assert allows
    assert [a for s in allows for a in _list(s["Action"]) if a.startswith("iam:")] == []
    star = {a for s in allows if "*" in _list(s["Resource"]) for a in _list(s["Action"])}
    assert star <= NO_RESOURCE_LEVEL


def test_the_boundary_reaches_the_cache_as_the_app_user_only(template: dict[str, Any]) -> None:
    (connect,) = [s for s in _boundary(template) if "elasticache:Connect" in _list(s["Action"])]
    users = template["Resources"]
    app_user = next(
        r["Properties"]["UserName"]
        for r in users.values()
        if r["Type"] == "AWS::ElastiCache::User"
        and r["Properties"].get("AuthenticationMode", {}).get("Type") == "iam"
    )
    values = [json.dumps(r) for r in connect["Resource"]]
    assert len(values) == 2 and any(json.dumps(app_user) in v for v in values)


# -- ordering -------------------------------------------------------------------------------


def test_the_pipeline_side_waits_for_neither_database_nor_cache(
    template: dict[str, Any], profile: str, stage: str
) -> None:
    graph = dependency_graph(template)
    starts = [STAGES[stage], BOUNDARY]
    if profile != "staging":
        starts.append("DeployAccessPolicy")
    for start in starts:
        assert start in graph
        assert not reaches(graph, start, "Database"), start
        assert not reaches(graph, start, "Cache"), start


# -- the contract ---------------------------------------------------------------------------


def _contract(template: dict[str, Any]) -> dict[str, Any]:
    # Under /edu/<suffix>/; the pipeline's own parameter (the rollback alarms) is under
    # /edu-pipeline/<suffix>/.
    return {
        lid: r
        for lid, r in resources(template, "AWS::SSM::Parameter").items()
        if r["Properties"]["Name"]["Fn::Sub"].startswith("/edu/")
    }


def test_the_contract_is_one_parameter_per_key(template: dict[str, Any]) -> None:
    found = {
        lid: (r["Properties"]["Name"], r["Properties"]["Type"])
        for lid, r in _contract(template).items()
    }
    assert found == {
        f"Contract{k.camel}": ({"Fn::Sub": f"/edu/${{EnvironmentSuffix}}/{k.key}"}, k.ssm_type)
        for k in CONTRACT_KEYS
    }


# Contract key -> the output that already published the same value.
SAME_AS_OUTPUT = {
    "vpc-id": "VpcId",
    "private-subnet-ids": "PrivateSubnetIds",
    "app-security-group-id": "AppSecurityGroupId",
    "app-secret-arn": "AppDbSecretArn",
    "db-endpoint": "DbEndpoint",
    "db-port": "DbPort",
    "cache-endpoint": "CacheEndpoint",
    "cache-user": "CacheAppUser",
    "key-arn": "KeyArn",
    "boundary-arn": "AppPermissionsBoundaryArn",
}


def test_contract_values_are_the_platforms(template: dict[str, Any]) -> None:
    values = {
        k.key: template["Resources"][f"Contract{k.camel}"]["Properties"]["Value"]
        for k in CONTRACT_KEYS
    }
    outputs = template["Outputs"]
    assert {k: values[k] for k in SAME_AS_OUTPUT} == {
        k: outputs[o]["Value"] for k, o in SAME_AS_OUTPUT.items()
    }
    assert values["db-name"] == template["Resources"]["Database"]["Properties"]["DBName"]
    assert values["cache-port"] == {"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Port"]}


def test_nothing_of_the_delivery_is_exported(template: dict[str, Any], stage: str) -> None:
    ours = {*_contract(template), STAGES[stage], BOUNDARY}
    exported = [
        name
        for name, output in template["Outputs"].items()
        if "Export" in output and any(lid in json.dumps(output["Value"]) for lid in ours)
    ]
    assert exported == []
    for name in (f"{STAGES[stage]}Arn", BOUNDARY + "Arn"):
        assert name in template["Outputs"]
    # A platform hosts one stage: the other stage's execution role is not here.
    assert set(STAGES.values()) & set(template["Resources"]) == {STAGES[stage]}


def test_contract_parameters_carry_the_tags(template: dict[str, Any]) -> None:
    for lid, r in _contract(template).items():
        tags = tag_map(r["Properties"]["Tags"])
        assert tags["Environment"] == {"Ref": "EnvironmentSuffix"}, lid
        assert {"Project", "Name"} <= set(tags), lid


# -- lint ----------------------------------------------------------------------------------


def test_cfn_lint_with_the_project_rules_reports_nothing(template: dict[str, Any]) -> None:
    # `cfn-lint -c I --append-rules cfn_rules`: W9205 (no wildcard Allow) among the rules.
    config = ManualArgs(
        include_checks=["I"], append_rules=[str(ROOT / "cfn_rules")], regions=["us-east-1"]
    )
    found = [
        f"{m.rule.id} {'/'.join(map(str, m.path))}"
        for m in lint(json.dumps(template), config=config)
    ]
    assert found == []


# -- the docs -------------------------------------------------------------------------------


def _documented() -> dict[str, set[str]]:
    """Sid -> actions, from the tables of docs/pipeline.md's "Execution roles and the boundary"."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Execution roles and the boundary", 1)[1].split("\n## ", 1)[0]
    found: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        sid = re.match(r"`(\w+)`", cells[0])
        if line.startswith("|") and len(cells) >= 3 and sid:
            found[sid[1]] = set(re.findall(r"`([a-z0-9-]+:[A-Za-z*]+)`", cells[2]))
    assert found, "no table rows in the section"
    return found


def test_the_docs_list_exactly_the_actions_of_the_template(
    template: dict[str, Any], stage: str
) -> None:
    statements = [*_boundary(template), *_execution_policy(template, stage)]
    in_template: dict[str, set[str]] = {}
    for s in statements:
        in_template.setdefault(s["Sid"], set()).update(_list(s["Action"]))
    assert _documented() == in_template
