"""The staging side of the pipeline: StagingBoundary, the ceiling of every role that deploys or
runs staging, and the roles of this stack that carry it (the staging deploy role, and the role
CloudFormation creates the staging platform with). Nothing on that side may reach production:
its secrets, its data key, its VPC, its tagged resources or its contract."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from cfnmodel.intrinsics import walk
from cfnmodel.resolve import resolved
from templates import build_template, policies
from tests.support.cfn import resources
from tests.support.profiles import PIPELINE_PROFILES
from tests.templates.helpers import references, tag_map

PROFILES = PIPELINE_PROFILES

BOUNDARY = "StagingBoundary"
PLATFORM_ROLE = "StagingPlatformExecutionRole"
STAGING_ROLE = "DeployStagingRole"
STAGING_ROLES = (STAGING_ROLE, PLATFORM_ROLE)
SUFFIX = "${EnvironmentSuffix}"
# What of this stack the staging deploy role may name: the pipeline's artifacts and their key,
# its own log group, and the staging platform's CloudFormation role.
SHARED = {"ArtifactsBucket", "PipelineKey", "DeployStagingLogGroup", PLATFORM_ROLE}
# IAM's limits: a managed policy's document, and a role's inline policies together.
MANAGED_POLICY_LIMIT = 6144
INLINE_POLICIES_LIMIT = 10240


def _props(template: dict[str, Any], lid: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][lid]["Properties"]
    return props


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _boundary(template: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = _props(template, BOUNDARY)["PolicyDocument"]["Statement"]
    return statements


def _by_sid(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in _boundary(template)}


def _documents(template: dict[str, Any], role: str) -> list[Any]:
    props = _props(template, role)
    managed = [
        _props(template, m["Ref"])["PolicyDocument"] for m in props.get("ManagedPolicyArns", [])
    ]
    return [*(p["PolicyDocument"] for p in props.get("Policies", [])), *managed]


def _allows(node: Any) -> list[dict[str, Any]]:
    return [
        v
        for _, v in walk(node)
        if isinstance(v, dict) and v.get("Effect") == "Allow" and "Principal" not in v
    ]


def _as_principal(template: dict[str, Any], role: str, node: Any) -> str:
    """The role's policies as text, with its principal-tag variables replaced by its tags."""
    text = json.dumps(node, sort_keys=True)
    for key, value in tag_map(_props(template, role)["Tags"]).items():
        if isinstance(value, dict):
            shown = value["Fn::Sub"] if "Fn::Sub" in value else f"${{{value['Ref']}}}"
        else:
            shown = value
        text = text.replace(f"${{!aws:PrincipalTag/{key}}}", shown)
        text = text.replace(f"${{aws:PrincipalTag/{key}}}", shown)
    return text


# -- the roles that carry the boundary --------------------------------------------------------


def test_the_staging_roles_carry_the_boundary_and_no_other_role_does(
    template: dict[str, Any],
) -> None:
    bounded = {
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if r["Properties"].get("PermissionsBoundary") == {"Ref": BOUNDARY}
    }
    assert bounded == set(STAGING_ROLES)
    assert template["Outputs"]["StagingBoundaryArn"]["Value"] == {"Ref": BOUNDARY}
    assert template["Outputs"]["StagingPlatformExecutionRoleArn"]["Value"] == {
        "Fn::GetAtt": [PLATFORM_ROLE, "Arn"]
    }


def test_the_platform_role_is_cloudformations_and_tagged_like_the_others(
    template: dict[str, Any],
) -> None:
    props = _props(template, PLATFORM_ROLE)
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    tags = tag_map(props["Tags"])
    assert tags["Environment"] == {"Ref": "EnvironmentSuffix"}
    assert tags["Name"] == {"Fn::Sub": f"edu-staging-platform-execution-{SUFFIX}"}


# -- what the boundary denies -------------------------------------------------------------------


def test_the_boundary_denies_every_production_secret(template: dict[str, Any]) -> None:
    deny = _by_sid(template)["DenyProductionSecrets"]
    assert deny["Effect"] == "Deny" and deny["Action"] == ["*"]
    secrets = set(resources(template, "AWS::SecretsManager::Secret"))
    assert {"DbSecret", "AppDbSecret", "CacheSecret"} <= secrets
    assert {r["Ref"] for r in deny["Resource"]} == secrets


def test_the_boundary_denies_the_data_key_and_no_staging_policy_names_it(
    template: dict[str, Any],
) -> None:
    deny = _by_sid(template)["DenyProductionDataKey"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", ["kms:*"])
    assert deny["Resource"] == [{"Fn::GetAtt": ["Key", "Arn"]}]
    for role in STAGING_ROLES:
        assert "Key" not in references(_documents(template, role)), role


def test_the_boundary_denies_what_production_tagged_but_the_shared_few(
    template: dict[str, Any],
) -> None:
    deny = _by_sid(template)["DenyProductionTagged"]
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", ["*"], ["*"])
    condition = deny["Condition"]
    assert condition["StringEquals"] == {
        "aws:ResourceTag/Environment": {"Ref": "EnvironmentSuffix"}
    }
    excepted = condition["StringNotEquals"]["aws:ResourceTag/Name"]
    # Each exception is the Name tag of exactly one shared resource, and of nothing else.
    names = {
        lid: tag_map(r["Properties"].get("Tags")).get("Name")
        for lid, r in template["Resources"].items()
        if "Tags" in r.get("Properties", {})
    }
    holders = {lid for lid, name in names.items() if name in excepted}
    # The staging deploy project and its role share their log group's Name tag: what could
    # change them is denied whatever the Name (DenySharedChanges).
    assert holders == SHARED | {"DeployStagingProject", STAGING_ROLE}
    assert len(excepted) == len(SHARED)


def test_the_shared_resources_stay_as_production_made_them(template: dict[str, Any]) -> None:
    by_sid = _by_sid(template)
    changes = by_sid["DenySharedChanges"]
    assert changes["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Environment": {"Ref": "EnvironmentSuffix"}}
    }
    actions = changes["Action"]
    for needed in ("kms:Decrypt", "kms:GenerateDataKey", "iam:PassRole", "logs:PutLogEvents"):
        assert not any(fnmatchcase(needed, a) for a in actions), needed
    for change in ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant",
                   "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
                   "logs:DeleteLogGroup", "logs:DisassociateKmsKey", "kms:TagResource",
                   "codebuild:UpdateProject", "codebuild:StartBuild"):  # fmt: skip
        assert any(fnmatchcase(change, a) for a in actions), change
    objects = by_sid["DenyProductionObjects"]
    assert [r["Fn::Sub"] for r in objects["Resource"]] == [
        "${ArtifactsBucket.Arn}/app-code/*",
        "${ArtifactsBucket.Arn}/reviews/*",
    ]
    assert by_sid["DenyArtifactBucketChanges"]["Resource"] == [
        {"Fn::GetAtt": ["ArtifactsBucket", "Arn"]}
    ]


def test_the_boundary_denies_production_network_and_contract(template: dict[str, Any]) -> None:
    by_sid = _by_sid(template)
    (vpc,) = resources(template, "AWS::EC2::VPC")
    arn = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}"
    vpc_arn = {"Fn::Sub": f"{arn}:vpc/${{{vpc}}}"}
    assert by_sid["DenyProductionVpc"]["Resource"] == [vpc_arn]
    assert by_sid["DenyInProductionVpc"]["Condition"] == {"ArnEquals": {"ec2:Vpc": vpc_arn}}
    contract = by_sid["DenyProductionContract"]
    assert contract["Action"] == ["ssm:*"]
    (path,) = contract["Resource"]
    assert path["Fn::Sub"].endswith(f":parameter/edu/{SUFFIX}/*")


def test_the_boundary_keeps_itself(template: dict[str, Any]) -> None:
    by_sid = _by_sid(template)
    arn = policies.staging_boundary_arn().to_dict()
    name = _props(template, BOUNDARY)["ManagedPolicyName"]["Fn::Sub"]
    assert arn["Fn::Sub"].endswith(f":policy/{name}")
    unbounded = by_sid["DenyRolesWithoutThisBoundary"]
    assert unbounded["Action"] == ["iam:CreateRole", "iam:PutRolePermissionsBoundary"]
    assert unbounded["Condition"] == {"StringNotEquals": {"iam:PermissionsBoundary": arn}}
    assert by_sid["DenyBoundaryRemoval"]["Action"] == ["iam:DeleteRolePermissionsBoundary"]
    versions = by_sid["DenyBoundaryChanges"]
    assert versions["Resource"] == [arn]
    assert {"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} <= set(
        versions["Action"]
    )
    assert by_sid["DenyUsersAndKeys"]["Action"] == ["iam:CreateUser", "iam:CreateAccessKey"]
    assert all(by_sid[s]["Effect"] == "Deny" for s in by_sid if s.startswith("Deny"))


# -- what the boundary allows -----------------------------------------------------------------


def _ceiling(template: dict[str, Any]) -> tuple[list[str], list[str]]:
    by_sid = _by_sid(template)
    star = by_sid["CeilingWithoutResourceLevel"]
    scoped = by_sid["CeilingInThisAccount"]
    assert star["Resource"] == ["*"]
    assert scoped["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:*:*:${AWS::AccountId}:*"},
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
    ]
    return star["Action"], scoped["Action"]


def test_the_ceiling_names_actions_only(template: dict[str, Any]) -> None:
    star, scoped = _ceiling(template)
    allowed = [s for s in _boundary(template) if s["Effect"] == "Allow"]
    assert len(allowed) == 2
    for action in [*star, *scoped]:
        assert action != "*" and not action.endswith(":*"), action
        assert re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z]*\*?", action), action


def test_the_ceiling_leaves_room_for_every_staging_side_grant(template: dict[str, Any]) -> None:
    """Every action the staging side's policies allow, here and in the staging platform the
    pipeline deploys, passes the boundary on the resources its policy names."""
    star, scoped = _ceiling(template)
    staging = json.loads(build_template("staging").to_json())
    grants = [*(_allows(_documents(template, role)) for role in STAGING_ROLES), _allows(staging)]
    checked = 0
    for statement in (s for group in grants for s in group):
        on_star = "*" in _list(statement.get("Resource", []))
        for action in _list(statement["Action"]):
            patterns = star if on_star else [*star, *scoped]
            assert any(fnmatchcase(action, p) for p in patterns), action
            checked += 1
    assert checked > 100


def test_the_boundary_fits_iams_size_limits(template: dict[str, Any]) -> None:
    given = resolved(template, {"EnvironmentSuffix": "x" * 16, "ApproverEmail": "a@example.org"})

    def sized(node: Any) -> int:
        # Each unresolved reference (a secret's, a key's ARN) counted as a long ARN.
        text = json.dumps(node, separators=(",", ":"))
        long_arn = "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:edu-db-x-AbCdEf"
        return len(re.sub(r'\{"(Ref|Fn::GetAtt|Fn::Sub)":[^{}]*\}', f'"{long_arn}"', text))

    assert sized(_props(given, BOUNDARY)["PolicyDocument"]) <= MANAGED_POLICY_LIMIT
    assert sized(_props(given, PLATFORM_ROLE)["Policies"]) <= INLINE_POLICIES_LIMIT


# -- the staging deploy role reaches staging only -------------------------------------------


def test_the_staging_deploy_role_names_nothing_of_production(template: dict[str, Any]) -> None:
    documents = _documents(template, STAGING_ROLE)
    pseudo = {"AWS::Partition", "AWS::Region", "AWS::AccountId", "EnvironmentSuffix"}
    assert references(documents) <= SHARED | pseudo
    text = _as_principal(template, STAGING_ROLE, documents)
    # Every name built from the suffix is the staging platform's, `<suffix>-stg`.
    assert SUFFIX in text
    assert re.findall(r"\$\{EnvironmentSuffix\}(?!-stg)", text) == []


def test_the_staging_deploy_role_deploys_exactly_the_two_staging_stacks(
    template: dict[str, Any],
) -> None:
    text = _as_principal(template, STAGING_ROLE, _documents(template, STAGING_ROLE))
    stacks = set(re.findall(r":stack/([^/\"]+)/\*", text))
    assert stacks == {f"edu-app-staging-{SUFFIX}-stg", f"edu-platform-{SUFFIX}-stg"}
    bootstrap = set(re.findall(r":project/([^\"]+)\"", text))
    assert bootstrap == {f"edu-db-bootstrap-{SUFFIX}-stg"}


def test_the_staging_deploy_role_passes_only_staging_roles_to_cloudformation(
    template: dict[str, Any],
) -> None:
    passes = [
        s for s in _allows(_documents(template, STAGING_ROLE)) if s["Action"] == ["iam:PassRole"]
    ]
    assert passes
    for statement in passes:
        condition = statement["Condition"]["StringEquals"]
        assert condition["iam:PassedToService"] == "cloudformation.amazonaws.com"
        if statement["Resource"] != [{"Fn::GetAtt": [PLATFORM_ROLE, "Arn"]}]:
            shown = json.loads(_as_principal(template, STAGING_ROLE, condition))
            assert shown["aws:ResourceTag/Stage"] == "staging"
            assert shown["aws:ResourceTag/Environment"] == f"{SUFFIX}-stg"


def test_the_platform_role_writes_roles_only_with_the_boundary(template: dict[str, Any]) -> None:
    statements = _allows(_documents(template, PLATFORM_ROLE))
    arn = policies.staging_boundary_arn().to_dict()
    for statement in statements:
        writes = set(_list(statement["Action"])) & set(map(str, policies.ROLE_WRITE_ACTIONS))
        if writes:
            assert statement["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": arn}}
        if "iam:PassRole" in statement["Action"]:
            roles = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/edu-*-{SUFFIX}-stg*"
            assert statement["Resource"] == [{"Fn::Sub": roles}]


@pytest.mark.parametrize("role", STAGING_ROLES)
def test_staging_names_are_the_staging_platforms(template: dict[str, Any], role: str) -> None:
    # The one production-suffixed name is the boundary's own, which every role it writes carries.
    boundary = f"policy/edu-staging-boundary-{SUFFIX}"
    text = json.dumps(_documents(template, role)).replace(boundary, "")
    assert re.findall(r"\$\{EnvironmentSuffix\}(?!-stg)", text) == []
