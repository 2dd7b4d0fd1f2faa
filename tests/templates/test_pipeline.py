"""The CI/CD pipeline: V2, one KMS-encrypted artifact store, event-driven source, gated prod."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from cfnmodel.intrinsics import walk
from cfnmodel.resolve import resolved
from tests.support.cfn import matches, resources
from tests.support.paths import ROOT
from tests.support.profiles import PIPELINE_PROFILES
from tests.templates.helpers import references, tag_map

PROFILES = PIPELINE_PROFILES

GROUP = "Operations and delivery"
STAGES = ["Source", "Build", "DeployStaging", "PlanProduction", "Approval", "DeployProduction"]
PROJECTS = (
    "BuildProject",
    "DeployStagingProject",
    "PlanProductionProject",
    "DeployProductionProject",
)
DEPLOY_PROJECTS = ("DeployStagingProject", "DeployProductionProject")
LOG_GROUPS = {
    "BuildProject": "BuildLogGroup",
    "DeployStagingProject": "DeployStagingLogGroup",
    "PlanProductionProject": "PlanProductionLogGroup",
    "DeployProductionProject": "DeployProductionLogGroup",
}


def _props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return props


def _pipeline(template: dict[str, Any]) -> dict[str, Any]:
    (pipeline,) = resources(template, "AWS::CodePipeline::Pipeline").values()
    props: dict[str, Any] = pipeline["Properties"]
    return props


def _stage(template: dict[str, Any], name: str) -> list[Any]:
    (stage,) = [s for s in _pipeline(template)["Stages"] if s["Name"] == name]
    actions: list[Any] = stage["Actions"]
    return actions


def _pipeline_key_arn(template: dict[str, Any]) -> dict[str, Any]:
    # The pipeline's own key; the data key is production's (test_build_encryption.py).
    assert "PipelineKey" in resources(template, "AWS::KMS::Key")
    return {"Fn::GetAtt": ["PipelineKey", "Arn"]}


def _topic_arn(template: dict[str, Any], name: str = "alarms") -> dict[str, Any]:
    """The topic whose TopicName is edu-<name>-<suffix>."""
    (topic_id,) = [
        lid
        for lid, t in resources(template, "AWS::SNS::Topic").items()
        if t["Properties"]["TopicName"] == {"Fn::Sub": f"edu-{name}-${{EnvironmentSuffix}}"}
    ]
    return {"Ref": topic_id}


CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)
REPOSITORY = "edu-org/platform"
# The deploy-time values of each source, and the parameters a deploy must always give.
REQUIRED = {"EnvironmentSuffix": "test", "ApproverEmail": "approver@example.org"}
WITH_CONNECTION = {**REQUIRED, "SourceConnectionArn": CONNECTION, "SourceRepository": REPOSITORY}


def _source_action(template: dict[str, Any], given: dict[str, str] | None = None) -> dict[str, Any]:
    """The one Source action as CloudFormation deploys it with these parameter values."""
    action: dict[str, Any]
    (action,) = _stage(resolved(template, given or REQUIRED), "Source")
    return action


def _source_choice(template: dict[str, Any]) -> list[Any]:
    """[condition, action with a connection, action without] of the Source stage, as written."""
    (action,) = _stage(template, "Source")
    choice: list[Any] = action["Fn::If"]
    return choice


def _policy_names(template: dict[str, Any], role: str) -> list[str]:
    return [p["PolicyName"] for p in _props(template, role)["Policies"]]


def _env(template: dict[str, Any], project: str) -> list[dict[str, Any]]:
    variables: list[dict[str, Any]] = _props(template, project)["Environment"].get(
        "EnvironmentVariables", []
    )
    return variables


# -- pipeline -------------------------------------------------------------------------------


def test_pipeline_is_v2(template: dict[str, Any]) -> None:
    assert _pipeline(template)["PipelineType"] == "V2"


def test_pipeline_has_one_artifact_store_encrypted_with_the_pipeline_key(
    template: dict[str, Any],
) -> None:
    pipeline = _pipeline(template)
    assert "ArtifactStores" not in pipeline
    assert pipeline["ArtifactStore"] == {
        "Type": "S3",
        "Location": {"Ref": "ArtifactsBucket"},
        "EncryptionKey": {"Id": _pipeline_key_arn(template), "Type": "KMS"},
    }


def test_stages_run_in_order(template: dict[str, Any]) -> None:
    assert [s["Name"] for s in _pipeline(template)["Stages"]] == STAGES


def test_approval_is_manual_and_notifies_the_approvals_topic(template: dict[str, Any]) -> None:
    (action,) = _stage(template, "Approval")
    assert action["ActionTypeId"] == {
        "Category": "Approval",
        "Owner": "AWS",
        "Provider": "Manual",
        "Version": "1",
    }
    assert action["Configuration"]["NotificationArn"] == _topic_arn(template, "approvals")


def test_production_deploy_comes_only_after_approval(template: dict[str, Any]) -> None:
    names = [s["Name"] for s in _pipeline(template)["Stages"]]
    assert names.index("Approval") == names.index("DeployProduction") - 1


def test_the_source_is_chosen_by_the_connection_parameter(template: dict[str, Any]) -> None:
    condition, connection, bundle = _source_choice(template)
    assert condition == "UseCodeConnections"
    assert template["Conditions"]["UseCodeConnections"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SourceConnectionArn"}, ""]}]
    }
    assert template["Conditions"]["UseS3Source"] == {
        "Fn::Equals": [{"Ref": "SourceConnectionArn"}, ""]
    }
    # Both write the one artifact every later stage reads, under the one name.
    assert connection["Name"] == bundle["Name"] == "Source"
    assert connection["OutputArtifacts"] == bundle["OutputArtifacts"] == [{"Name": "Source"}]


def test_without_a_connection_the_source_is_the_s3_bundle(template: dict[str, Any]) -> None:
    action = _source_action(template)
    assert action["ActionTypeId"] == {
        "Category": "Source",
        "Owner": "AWS",
        "Provider": "S3",
        "Version": "1",
    }
    assert action["OutputArtifacts"] == [{"Name": "Source"}]


def test_s3_source_reads_the_source_bucket_without_polling(template: dict[str, Any]) -> None:
    bucket = _source_action(template)
    assert bucket["Configuration"] == {
        "S3Bucket": {"Ref": "SourceBucket"},
        "S3ObjectKey": "bundle.zip",
        "PollForSourceChanges": False,
    }


def test_with_a_connection_the_source_is_the_connected_branch(template: dict[str, Any]) -> None:
    action = _source_action(template, WITH_CONNECTION)
    assert action["ActionTypeId"] == {
        "Category": "Source",
        "Owner": "AWS",
        "Provider": "CodeStarSourceConnection",
        "Version": "1",
    }
    assert action["Configuration"] == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": REPOSITORY,
        "BranchName": "main",
    }
    assert action["OutputArtifacts"] == [{"Name": "Source"}]


def test_connection_source_takes_each_setting_from_its_parameter(template: dict[str, Any]) -> None:
    _, connection, _ = _source_choice(template)
    assert connection["Configuration"] == {
        "ConnectionArn": {"Ref": "SourceConnectionArn"},
        "FullRepositoryId": {"Ref": "SourceRepository"},
        "BranchName": {"Ref": "SourceBranch"},
    }


def test_source_parameters_sit_in_the_operations_group_with_labels(
    template: dict[str, Any],
) -> None:
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    (ops,) = [g for g in interface["ParameterGroups"] if g["Label"]["default"] == GROUP]
    names = ["SourceConnectionArn", "SourceRepository", "SourceBranch"]
    assert ops["Parameters"][-3:] == names
    for name in names:
        assert interface["ParameterLabels"][name]["default"]
        assert template["Parameters"][name]["Description"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        (CONNECTION, True),
        ("arn:aws:codestar-connections:us-east-1:123456789012:connection/0a1b-2c3d", True),
        ("arn:aws-us-gov:codeconnections:us-gov-west-1:123456789012:connection/ab12", True),
        ("arn:aws:codeconnections:eu-west-1:123456789012:host/0a1b", False),
        ("arn:aws:codecommit:eu-west-1:123456789012:connection/0a1b", False),
        ("connection/0a1b", False),
    ],
)
def test_connection_arn_pattern(template: dict[str, Any], value: str, ok: bool) -> None:
    pattern = template["Parameters"]["SourceConnectionArn"]["AllowedPattern"]
    assert (re.fullmatch(pattern, value) is not None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("", True), ("edu-org/platform", True), ("group/sub/app.v2", True), ("platform", False),
     ("edu org/platform", False), ("edu-org/", False)],
)  # fmt: skip
def test_repository_pattern(template: dict[str, Any], value: str, ok: bool) -> None:
    pattern = template["Parameters"]["SourceRepository"]["AllowedPattern"]
    assert (re.fullmatch(pattern, value) is not None) is ok


def test_a_connection_without_a_repository_is_rejected_by_a_rule(template: dict[str, Any]) -> None:
    rule = template["Rules"]["ConnectionNeedsRepository"]
    assert rule["RuleCondition"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SourceConnectionArn"}, ""]}]
    }
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SourceRepository"}, ""]}]}


def test_upload_rule_starts_the_pipeline_on_object_created(template: dict[str, Any]) -> None:
    rule = template["Resources"]["SourceUploadRule"]
    key = _source_action(template)["Configuration"]["S3ObjectKey"]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [{"Ref": "SourceBucket"}]}, "object": {"key": [key]}},
    }
    (target,) = rule["Properties"]["Targets"]
    assert "codepipeline" in target["Arn"]["Fn::Sub"] and "${Pipeline}" in target["Arn"]["Fn::Sub"]
    assert target["RoleArn"] == {"Fn::GetAtt": ["PipelineStartRole", "Arn"]}


def test_upload_trigger_exists_only_with_the_s3_source(template: dict[str, Any]) -> None:
    for lid in ("SourceUploadRule", "PipelineStartRole"):
        assert template["Resources"][lid]["Condition"] == "UseS3Source"
        assert lid in resolved(template, REQUIRED)["Resources"]
        assert lid not in resolved(template, WITH_CONNECTION)["Resources"]


def test_pipeline_role_may_use_the_connection_only_when_there_is_one(
    template: dict[str, Any],
) -> None:
    assert "connection" not in _policy_names(resolved(template, REQUIRED), "PipelineRole")
    policies = _props(resolved(template, WITH_CONNECTION), "PipelineRole")["Policies"]
    (connection,) = [p for p in policies if p["PolicyName"] == "connection"]
    assert connection["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
            "Resource": [CONNECTION],
        }
    ]


def test_no_other_role_may_use_a_connection(template: dict[str, Any]) -> None:
    given = resolved(template, WITH_CONNECTION)
    holders = {
        lid
        for lid, r in resources(given).items()
        if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy")
        and any(
            isinstance(v, str) and v.endswith(":UseConnection") for _, v in walk(r["Properties"])
        )
    }
    assert holders == {"PipelineRole"}


def test_start_role_may_only_start_this_pipeline(template: dict[str, Any]) -> None:
    role = _props(template, "PipelineStartRole")
    assert matches(
        role["AssumeRolePolicyDocument"]["Statement"],
        [{"Principal": {"Service": "events.amazonaws.com"}, "Action": ["sts:AssumeRole"]}],
    )
    (policy,) = role["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["codepipeline:StartPipelineExecution"]
    (arn,) = statement["Resource"]
    assert arn["Fn::Sub"].endswith(":${Pipeline}")
    assert "ManagedPolicyArns" not in role or role["ManagedPolicyArns"] == []


def test_failed_execution_notifies_the_topic(template: dict[str, Any]) -> None:
    rule = _props(template, "PipelineFailureRule")
    assert rule["EventPattern"] == {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Pipeline Execution State Change"],
        "detail": {"pipeline": [{"Ref": "Pipeline"}], "state": ["FAILED"]},
    }
    assert [t["Arn"] for t in rule["Targets"]] == [_topic_arn(template)]


def test_pipeline_name_is_exported(template: dict[str, Any]) -> None:
    output = template["Outputs"]["PipelineName"]
    assert output["Value"] == {"Ref": "Pipeline"}
    assert "Export" in output


# -- CodeBuild ------------------------------------------------------------------------------


@pytest.mark.parametrize("project", PROJECTS)
def test_projects_are_encrypted_with_the_pipeline_key(
    template: dict[str, Any], project: str
) -> None:
    assert _props(template, project)["EncryptionKey"] == _pipeline_key_arn(template)


@pytest.mark.parametrize("project", PROJECTS)
def test_projects_log_to_their_own_log_group(template: dict[str, Any], project: str) -> None:
    logs = _props(template, project)["LogsConfig"]["CloudWatchLogs"]
    assert logs == {"Status": "ENABLED", "GroupName": {"Ref": LOG_GROUPS[project]}}


@pytest.mark.parametrize("log_group", sorted(LOG_GROUPS.values()))
def test_project_log_groups_are_encrypted_with_the_pipeline_key(
    template: dict[str, Any], log_group: str
) -> None:
    assert _props(template, log_group)["KmsKeyId"] == _pipeline_key_arn(template)


@pytest.mark.parametrize("log_group", sorted(LOG_GROUPS.values()))
def test_project_logs_are_kept_a_year_on_every_profile(
    template: dict[str, Any], log_group: str
) -> None:
    # CT.CLOUDWATCH.PR.2; ephemeral groups still go with the stack (DeletionPolicy Delete).
    assert _props(template, log_group)["RetentionInDays"] == 365


def test_ephemeral_project_logs_go_with_the_stack(ephemeral: dict[str, Any]) -> None:
    for log_group in LOG_GROUPS.values():
        assert ephemeral["Resources"][log_group]["DeletionPolicy"] == "Delete"


@pytest.mark.parametrize("project", PROJECTS)
def test_no_project_runs_in_the_vpc(template: dict[str, Any], project: str) -> None:
    # None reaches a database or a cache: each platform's bootstrap job does, in its own VPC.
    assert "VpcConfig" not in _props(template, project)


@pytest.mark.parametrize("project", PROJECTS)
def test_no_project_is_given_a_secret(template: dict[str, Any], project: str) -> None:
    variables = _env(template, project)
    assert variables
    assert [v for v in variables if v.get("Type", "PLAINTEXT") == "SECRETS_MANAGER"] == []
    secrets = set(resources(template, "AWS::SecretsManager::Secret"))
    assert secrets
    assert not secrets & set().union(*(references(v["Value"]) for v in variables))


def _role_documents(template: dict[str, Any], role: str) -> list[Any]:
    props = _props(template, role)
    managed = [_props(template, m["Ref"]) for m in props.get("ManagedPolicyArns", [])]
    # Inline policies as written (an Fn::If included) and each attached managed policy.
    return [props.get("Policies", []), *(m["PolicyDocument"] for m in managed)]


def test_no_project_or_pipeline_role_may_read_a_secret(template: dict[str, Any]) -> None:
    roles = [_props(template, p)["ServiceRole"]["Fn::GetAtt"][0] for p in PROJECTS]
    for role in [*roles, "PipelineRole"]:
        actions = [
            a
            for _, v in walk(_role_documents(template, role))
            if isinstance(v, dict) and "Action" in v
            for a in v["Action"]
        ]
        assert actions, role
        # DescribeSecret (the staging preflight's name check) reads metadata, no value.
        reads = {"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"}
        assert not [a for a in actions if a in reads or a.startswith("secretsmanager:*")], role


def test_no_plaintext_variable_carries_a_secret(template: dict[str, Any]) -> None:
    secrets = set(resources(template, "AWS::SecretsManager::Secret"))
    plain = [
        var
        for project in PROJECTS
        for var in _env(template, project)
        if var.get("Type", "PLAINTEXT") == "PLAINTEXT"
    ]
    assert plain
    for var in plain:
        values = [v for _, v in walk(var["Value"])]
        assert not secrets & {v for v in values if isinstance(v, str)}, var
        assert not secrets & references(var["Value"]), var
        assert not any(isinstance(v, str) and "resolve:secretsmanager" in v for v in values), var
        assert not any(w in var["Name"] for w in ("PASSWORD", "TOKEN", "SECRET")), var


def _buildspec(template: dict[str, Any], project: str) -> dict[str, Any]:
    """The buildspec file a project names, read from this repository (the source bundle)."""
    path = _props(template, project)["Source"]["BuildSpec"]
    assert isinstance(path, str) and path.endswith(".yml"), path
    buildspec: dict[str, Any] = yaml.safe_load((ROOT / path).read_text())
    return buildspec


@pytest.mark.parametrize("project", PROJECTS)
def test_projects_name_a_buildspec_file_of_version_0_2(
    template: dict[str, Any], project: str
) -> None:
    assert _buildspec(template, project)["version"] == 0.2


@pytest.mark.parametrize("project", DEPLOY_PROJECTS)
def test_deploy_projects_run_deploy_py(template: dict[str, Any], project: str) -> None:
    commands = _buildspec(template, project)["phases"]["build"]["commands"]
    deploys = [c for c in commands if "python3 deploy.py deploy" in c]
    assert [d for d in deploys if '--stack-name "$STACK_NAME"' in d]


def test_staging_deploys_its_platform_then_bootstraps_it_then_deploys_the_application(
    template: dict[str, Any],
) -> None:
    commands = _buildspec(template, "DeployStagingProject")["phases"]["build"]["commands"]
    order = [
        next(i for i, c in enumerate(commands) if needle in c)
        for needle in (
            '--stack-name "$PLATFORM_STACK_NAME" --template build/staging/platform.json',
            'bash buildspecs/bootstrap.sh "$BOOTSTRAP_PROJECT"',
            "OutputKey=='StagingExecutionRoleArn'",
            '--stack-name "$STACK_NAME" --template build/app/template.json',
            'bash buildspecs/health.sh "$STACK_NAME"',
        )
    ]
    assert order == sorted(order) and len(set(order)) == len(order)
    platform = commands[order[0]]
    for given in (
        '--parameter "EnvironmentSuffix=$ENVIRONMENT_SUFFIX-stg"',
        '--parameter "PermissionsBoundaryArn=$STAGING_BOUNDARY_ARN"',
        '--parameter "AppCodeBucket=$ARTIFACT_BUCKET"',
        '--parameter "AppCodeKeyArn=$PIPELINE_KEY_ARN"',
        '--role-arn "$STAGING_PLATFORM_ROLE_ARN"',
    ):
        assert given in platform
    assert "--parameters params-staging.json" in commands[order[3]]
    assert not [c for c in commands if "migrate.py" in c]


def test_production_bootstraps_before_it_executes_the_reviewed_change_set(
    template: dict[str, Any],
) -> None:
    commands = _buildspec(template, "DeployProductionProject")["phases"]["build"]["commands"]
    bootstrap = commands.index('bash buildspecs/bootstrap.sh "$BOOTSTRAP_PROJECT"')
    (execute,) = [i for i, c in enumerate(commands) if '--change-set "$CHANGE_SET_ARN"' in c]
    assert bootstrap < execute
    assert not [c for c in commands if "migrate.py" in c]


def test_build_writes_the_staging_platform_template_and_both_parameter_files(
    template: dict[str, Any],
) -> None:
    commands = _buildspec(template, "BuildProject")["phases"]["build"]["commands"]
    assert any(
        c.endswith("python3 generate.py --profile staging --output build/staging/platform.json")
        for c in commands
    )
    params = [c for c in commands if "python3 -m app.build params" in c]
    assert [c.split("--suffix ")[1].split()[0] for c in params] == [
        '"$ENVIRONMENT_SUFFIX"',
        '"$ENVIRONMENT_SUFFIX-stg"',
    ]
    assert [c.rsplit("> ", 1)[1] for c in params] == ["params.json", "params-staging.json"]


def test_build_project_writes_the_app_template_into_its_artifact(template: dict[str, Any]) -> None:
    spec = _buildspec(template, "BuildProject")
    assert any(
        "python3 -m app.build template --out build/app" in c
        for c in spec["phases"]["build"]["commands"]
    )
    assert spec["artifacts"]["files"] == ["**/*"]


def test_staging_and_production_target_different_stacks(template: dict[str, Any]) -> None:
    def stack(project: str) -> Any:
        (var,) = [v for v in _env(template, project) if v["Name"] == "STACK_NAME"]
        return var["Value"]

    assert stack("DeployStagingProject") != stack("DeployProductionProject")


def test_iam_roles_are_unnamed_and_only_the_staging_boundary_is_named(
    template: dict[str, Any],
) -> None:
    # The boundary names its own ARN in its statements, which a Ref to itself cannot.
    named = [
        lid
        for lid, r in resources(template).items()
        if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy")
        and ({"RoleName", "ManagedPolicyName"} & set(r["Properties"]))
    ]
    assert named == ["StagingBoundary"]
    assert _props(template, "StagingBoundary")["ManagedPolicyName"] == {
        "Fn::Sub": "edu-staging-boundary-${EnvironmentSuffix}"
    }


# -- each deploy role deploys only its own stage's stack ------------------------------------

DEPLOY_ROLES = {
    "DeployStagingProject": "DeployStagingRole",
    "DeployProductionProject": "DeployProductionRole",
}


def _stack_statement(template: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any]
    (statement,) = [
        s
        for s in _props(template, "DeployAccessPolicy")["PolicyDocument"]["Statement"]
        if "cloudformation:ExecuteChangeSet" in s["Action"]
    ]
    return statement


def test_deploy_roles_share_one_stack_grant_keyed_by_their_tags(
    template: dict[str, Any],
) -> None:
    (stack,) = _stack_statement(template)["Resource"]
    assert stack["Fn::Sub"].endswith(
        ":stack/edu-app-${!aws:PrincipalTag/Stage}-${!aws:PrincipalTag/TargetEnvironment}/*"
    )


TARGETS = {
    "DeployStagingProject": ("staging", "${EnvironmentSuffix}-stg"),
    "DeployProductionProject": ("production", "${EnvironmentSuffix}"),
}


@pytest.mark.parametrize("project", DEPLOY_PROJECTS)
def test_deploy_role_tags_select_the_stack_and_bootstrap_job_its_project_names(
    template: dict[str, Any], project: str
) -> None:
    role = _props(template, DEPLOY_ROLES[project])
    tags = tag_map(role["Tags"])
    stage, target = TARGETS[project]
    assert (tags["Stage"], tags["TargetEnvironment"]) == (stage, {"Fn::Sub": target})
    env = {v["Name"]: v["Value"] for v in _env(template, project)}
    assert env["STACK_NAME"] == {"Fn::Sub": f"edu-app-{stage}-{target}"}
    assert env["BOOTSTRAP_PROJECT"] == {"Fn::Sub": f"edu-db-bootstrap-{target}"}
    assert {"Ref": "DeployAccessPolicy"} in role["ManagedPolicyArns"]
    document = _props(template, "DeployAccessPolicy")["PolicyDocument"]
    (bootstrap,) = [s for s in document["Statement"] if "codebuild:StartBuild" in s["Action"]]
    assert bootstrap["Action"] == ["codebuild:StartBuild", "codebuild:BatchGetBuilds"]
    assert bootstrap["Resource"][0]["Fn::Sub"].endswith(
        ":project/edu-db-bootstrap-${!aws:PrincipalTag/TargetEnvironment}"
    )


def test_the_deploy_projects_environments_are_exactly_what_their_buildspecs_use(
    template: dict[str, Any],
) -> None:
    names = {p: sorted(v["Name"] for v in _env(template, p)) for p in DEPLOY_PROJECTS}
    assert names == {
        "DeployStagingProject": sorted(
            [
                "ENVIRONMENT_SUFFIX", "PLATFORM_STACK_NAME", "STACK_NAME", "BOOTSTRAP_PROJECT",
                "ARTIFACT_BUCKET", "PIPELINE_KEY_ARN", "STAGING_BOUNDARY_ARN",
                "STAGING_PLATFORM_ROLE_ARN",
            ]
        ),
        "DeployProductionProject": sorted(
            ["STACK_NAME", "BOOTSTRAP_PROJECT", "ARTIFACT_BUCKET", "EXECUTION_ROLE_ARN"]
        ),
    }  # fmt: skip


def test_only_deploy_roles_get_the_stack_grant(template: dict[str, Any]) -> None:
    holders = {
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if {"Ref": "DeployAccessPolicy"} in r["Properties"].get("ManagedPolicyArns", [])
    }
    assert holders == set(DEPLOY_ROLES.values())


def test_no_inline_policy_grants_stack_actions(template: dict[str, Any]) -> None:
    # CloudFormation grants are managed policies: the stage-keyed statement above, and the plan
    # project's (test_build_pipeline_review.py).
    roles = resources(template, "AWS::IAM::Role")
    assert roles
    for lid, role in roles.items():
        actions = [a for _, a in walk(role["Properties"].get("Policies", [])) if isinstance(a, str)]
        assert not [a for a in actions if a.startswith("cloudformation:")], lid
