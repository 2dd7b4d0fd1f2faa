"""The production approval shows what it approves, and exactly that change reaches production.

PlanProduction makes and keeps production's change set and stores its review before the
Approval; the Approval shows the plan's one-line summary and links the review; DeployProduction
executes that change set (its ARN a pipeline variable), with rollback triggers from the
production alarms. The buildspecs are read from this repository, so a renamed variable on
either side fails here; tests/e2e/test_pipeline_offline.py runs them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cfnmodel.resolve import resolved
from templates.pipeline import PLAN_NAMESPACE
from tests.support.cfn import resources
from tests.support.paths import ROOT
from tests.support.pipeline import (
    action_environment,
    commands,
    exported_names,
    load_buildspec,
    pipeline_references,
    project,
    stage_action,
)
from tests.support.profiles import PIPELINE_PROFILES
from tests.templates.helpers import tag_map

PROFILES = PIPELINE_PROFILES

# CodeBuild sets these itself (CodeBuild user guide, "Environment variables in build
# environments"); the stand-in variables only the offline test sets are named in health.sh.
CODEBUILD_VARIABLES = {
    "AWS_REGION",
    "CODEBUILD_SRC_DIR",
    "CODEBUILD_BUILD_ID",
    "EDU_PIPELINE_OFFLINE",
}
PROJECT_OF_STAGE = {
    "Build": "BuildProject",
    "DeployStaging": "DeployStagingProject",
    "PlanProduction": "PlanProductionProject",
    "DeployProduction": "DeployProductionProject",
}
MAX_ROLLBACK_TRIGGERS = 5  # CloudFormation's limit
MIN_MONITOR_MINUTES = 10


def _spec(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return load_buildspec(ROOT, project(template, logical_id)["Source"]["BuildSpec"])


def _env(template: dict[str, Any], logical_id: str) -> dict[str, dict[str, Any]]:
    variables = project(template, logical_id)["Environment"].get("EnvironmentVariables", [])
    return {v["Name"]: v for v in variables}


def _stage_names(template: dict[str, Any]) -> list[str]:
    (pipeline,) = resources(template, "AWS::CodePipeline::Pipeline").values()
    return [s["Name"] for s in pipeline["Properties"]["Stages"]]


def _assigned(spec: dict[str, Any]) -> set[str]:
    """Variables the buildspec's own commands set (NAME=..., read NAME, for NAME in)."""
    text = "\n".join(commands(spec))
    found = set(re.findall(r"(?:^|[\s;(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", text, re.M))
    found |= set(re.findall(r"\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)", text))
    found |= set(re.findall(r"\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b", text))
    return found


def test_production_is_planned_before_the_approval_and_executed_after_it(
    template: dict[str, Any],
) -> None:
    names = _stage_names(template)
    assert names.index("DeployStaging") < names.index("PlanProduction")
    assert names.index("PlanProduction") + 1 == names.index("Approval")
    assert names.index("Approval") + 1 == names.index("DeployProduction")


@pytest.mark.parametrize("stage", sorted(PROJECT_OF_STAGE))
def test_every_variable_a_buildspec_reads_is_given_to_its_project(
    template: dict[str, Any], stage: str
) -> None:
    logical_id = PROJECT_OF_STAGE[stage]
    spec = _spec(template, logical_id)
    text = "\n".join(commands(spec))
    read = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))
    given = set(_env(template, logical_id))
    passed = set(action_environment(stage_action(template, stage), _AnyVariables()))
    missing = read - given - passed - _assigned(spec) - CODEBUILD_VARIABLES
    assert read and not missing, f"{stage}: {sorted(missing)} read but never set"


class _AnyVariables(dict[str, dict[str, str]]):
    """Every pipeline variable resolves (to its own reference): only the names matter here."""

    def __missing__(self, namespace: str) -> dict[str, str]:
        return _Named(namespace)


class _Named(dict[str, str]):
    def __init__(self, namespace: str) -> None:
        super().__init__()
        self.namespace = namespace

    def __missing__(self, name: str) -> str:
        return f"#{{{self.namespace}.{name}}}"


def test_each_plan_variable_the_pipeline_reads_is_exported_by_the_plan_buildspec(
    template: dict[str, Any],
) -> None:
    exported = set(exported_names(_spec(template, "PlanProductionProject")))
    read = {
        name for namespace, name in pipeline_references(template) if namespace != "codepipeline"
    }
    namespaces = {ns for ns, _ in pipeline_references(template)} - {"codepipeline"}
    assert namespaces == {PLAN_NAMESPACE}
    assert stage_action(template, "PlanProduction")["Namespace"] == PLAN_NAMESPACE
    assert read == exported == {"CHANGE_SET_ARN", "REVIEW_URL", "SUMMARY"}


def test_the_approval_shows_the_summary_and_links_the_review(template: dict[str, Any]) -> None:
    config = stage_action(template, "Approval")["Configuration"]
    assert config["CustomData"] == f"#{{{PLAN_NAMESPACE}.SUMMARY}}"
    assert config["ExternalEntityLink"] == f"#{{{PLAN_NAMESPACE}.REVIEW_URL}}"
    (topic,) = [
        lid
        for lid, t in resources(template, "AWS::SNS::Topic").items()
        if t["Properties"]["TopicName"] == {"Fn::Sub": "edu-approvals-${EnvironmentSuffix}"}
    ]
    assert config["NotificationArn"] == {"Ref": topic}
    # The pipeline's key: approvals are the pipeline's, not production's data.
    assert template["Resources"][topic]["Properties"]["KmsMasterKeyId"] == {
        "Fn::GetAtt": ["PipelineKey", "Arn"]
    }


def test_deploy_production_executes_the_kept_change_set_only(template: dict[str, Any]) -> None:
    execute = stage_action(template, "DeployProduction")
    passed = action_environment(execute, _AnyVariables())
    assert passed == {"CHANGE_SET_ARN": f"#{{{PLAN_NAMESPACE}.CHANGE_SET_ARN}}"}
    deploys = [c for c in commands(_spec(template, "DeployProductionProject")) if "deploy.py" in c]
    (command,) = deploys
    assert '--change-set "$CHANGE_SET_ARN"' in command
    assert "--template" not in command and "deploy.py plan" not in command


def test_the_plan_keeps_the_change_set_with_rollback_triggers_and_stores_the_review(
    template: dict[str, Any],
) -> None:
    text = "\n".join(commands(_spec(template, "PlanProductionProject")))
    (plan,) = [line for line in text.splitlines() if "deploy.py plan" in line]
    for flag in ("--keep-change-set", '--role-arn "$EXECUTION_ROLE_ARN"', "${alarms[@]}",
                 '--monitor-minutes "$MONITOR_MINUTES"', "--output json"):  # fmt: skip
        assert flag in plan, flag
    # One --rollback-alarm per production alarm (the offline test sees them arrive).
    assert 'alarms+=(--rollback-alarm "$arn")' in text
    assert "reviews/$PIPELINE_EXECUTION_ID" in text
    assert "review.txt" in text and "review.json" in text
    passed = action_environment(stage_action(template, "PlanProduction"), _AnyVariables())
    assert passed == {"PIPELINE_EXECUTION_ID": "#{codepipeline.PipelineExecutionId}"}


def test_rollback_triggers_are_production_alarms_watched_at_least_ten_minutes(
    template: dict[str, Any],
) -> None:
    env = _env(template, "PlanProductionProject")
    assert int(env["MONITOR_MINUTES"]["Value"]) >= MIN_MONITOR_MINUTES
    alarms = env["ROLLBACK_ALARM_ARNS"]
    assert alarms["Type"] == "PARAMETER_STORE"
    (parameter,) = [
        p
        for p in resources(template, "AWS::SSM::Parameter").values()
        if p["Properties"]["Name"] == alarms["Value"]
    ]
    assert parameter["Properties"]["Type"] == "StringList"
    separator, arns = parameter["Properties"]["Value"]["Fn::Join"]
    assert separator == ","
    assert 0 < len(arns) <= MAX_ROLLBACK_TRIGGERS
    cloudwatch = resources(template, "AWS::CloudWatch::Alarm")
    named = {
        json.dumps(a["Properties"]["AlarmName"], sort_keys=True): a
        for a in cloudwatch.values()
        if "AlarmName" in a["Properties"]
    }
    for arn in arns:
        # Built from the alarm's name: no GetAtt, so the list does not wait for the database.
        text, variables = arn["Fn::Sub"]
        assert text.startswith("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:")
        assert text.endswith(":alarm:${Name}")
        alarm = named[json.dumps(variables["Name"], sort_keys=True)]
        assert "Condition" not in alarm  # exists on every stack
    assert len(named) == len(arns)


def test_the_plan_project_may_plan_production_and_nothing_more(template: dict[str, Any]) -> None:
    props = project(template, "PlanProductionProject")
    assert "VpcConfig" not in props
    assert all(
        v.get("Type") != "SECRETS_MANAGER" for v in _env(template, "PlanProductionProject").values()
    )
    role = template["Resources"]["PlanProductionRole"]["Properties"]
    assert {"Ref": "DeployAccessPolicy"} not in role["ManagedPolicyArns"]
    policy = template["Resources"]["PlanProductionPolicy"]["Properties"]["PolicyDocument"]
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert "cloudformation:ExecuteChangeSet" not in actions
    assert "cloudformation:CreateChangeSet" in actions
    (stack,) = [s for s in policy["Statement"] if "cloudformation:CreateChangeSet" in s["Action"]]
    assert stack["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                    "stack/edu-app-production-${EnvironmentSuffix}/*"}
    ]  # fmt: skip
    (passing,) = [s for s in policy["Statement"] if s["Action"] == ["iam:PassRole"]]
    assert passing["Resource"] == [{"Fn::GetAtt": ["ProductionExecutionRole", "Arn"]}]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }


@pytest.mark.parametrize("logical_id", ["PlanProductionProject", "DeployProductionProject"])
def test_production_deploys_with_its_execution_role(
    template: dict[str, Any], logical_id: str
) -> None:
    assert _env(template, logical_id)["EXECUTION_ROLE_ARN"]["Value"] == {
        "Fn::GetAtt": ["ProductionExecutionRole", "Arn"]
    }


def test_staging_deploys_with_the_execution_role_its_own_platform_made(
    template: dict[str, Any],
) -> None:
    # This stack has no staging execution role to give: the staging platform makes it, and the
    # job reads it from that stack's outputs.
    assert "EXECUTION_ROLE_ARN" not in _env(template, "DeployStagingProject")
    text = "\n".join(commands(_spec(template, "DeployStagingProject")))
    assert 'describe-stacks --stack-name "$PLATFORM_STACK_NAME"' in text
    assert "OutputKey=='StagingExecutionRoleArn'" in text
    assert '--role-arn "$EXECUTION_ROLE_ARN"' in text


def test_deploy_roles_may_invoke_only_their_own_stages_health_check(
    template: dict[str, Any],
) -> None:
    holders = {
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if {"Ref": "HealthCheckPolicy"} in r["Properties"].get("ManagedPolicyArns", [])
    }
    assert holders == {"DeployStagingRole", "DeployProductionRole"}
    for role in holders:
        assert tag_map(template["Resources"][role]["Properties"]["Tags"])["Stage"]
    document = template["Resources"]["HealthCheckPolicy"]["Properties"]["PolicyDocument"]
    (statement,) = document["Statement"]
    assert statement["Action"] == ["lambda:InvokeFunction"]
    assert statement["Resource"][0]["Fn::Sub"].endswith(
        ":function:edu-app-${!aws:PrincipalTag/Stage}-${!aws:PrincipalTag/TargetEnvironment}-health"
    )


# -- ApproverEmail ----------------------------------------------------------------------------


def test_production_requires_an_approver(production: dict[str, Any]) -> None:
    spec = production["Parameters"]["ApproverEmail"]
    assert "Default" not in spec
    assert not re.fullmatch(spec["AllowedPattern"], "")
    assert re.fullmatch(spec["AllowedPattern"], "approver@example.org")
    subscription = production["Resources"]["ApproverEmailSubscription"]
    assert "Condition" not in subscription
    assert subscription["Properties"]["Endpoint"] == {"Ref": "ApproverEmail"}
    assert subscription["Properties"]["Protocol"] == "email"


def test_an_ephemeral_stack_may_leave_the_approver_empty(ephemeral: dict[str, Any]) -> None:
    spec = ephemeral["Parameters"]["ApproverEmail"]
    assert spec["Default"] == ""
    assert (
        "ApproverEmailSubscription"
        not in resolved(ephemeral, {"EnvironmentSuffix": "t"})["Resources"]
    )
    given = resolved(ephemeral, {"EnvironmentSuffix": "t", "ApproverEmail": "a@example.org"})
    assert "ApproverEmailSubscription" in given["Resources"]


def test_approver_email_sits_in_the_operations_group(template: dict[str, Any]) -> None:
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    (ops,) = [g for g in interface["ParameterGroups"] if "ApproverEmail" in g["Parameters"]]
    assert ops["Label"]["default"] == "Operations and delivery"
    assert interface["ParameterLabels"]["ApproverEmail"]["default"]


def test_the_pipeline_role_publishes_approvals(template: dict[str, Any]) -> None:
    statements = [
        s
        for p in template["Resources"]["PipelineRole"]["Properties"]["Policies"]
        if isinstance(p, dict) and "PolicyDocument" in p
        for s in p["PolicyDocument"]["Statement"]
    ]
    published = [s["Resource"] for s in statements if s["Action"] == ["sns:Publish"]]
    assert published == [[{"Ref": "ApprovalTopic"}]]
    started = [s["Resource"] for s in statements if s["Action"][0] == "codebuild:StartBuild"]
    assert {"Fn::GetAtt": ["PlanProductionProject", "Arn"]} in started[0]
    assert template["Outputs"]["ApprovalTopicArn"]["Value"] == {"Ref": "ApprovalTopic"}
