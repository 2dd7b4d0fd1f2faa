"""The sample application through the real pipeline, on a real AWS account.

What moto cannot run: CodePipeline and CodeBuild themselves (the buildspecs on CodeBuild's
image, the V2 variables between actions, the approval), and the health function's code. It
deploys the platform (ephemeral profile), uploads bundle.zip to its source bucket, waits for
the approval, reads the review the approval links, approves with `put-approval-result`, waits
for the execution to succeed and invokes production's health check. It costs money (the
platform for about 45 minutes), so it runs only when asked:

    EDU_LIVE_AWS=1 AWS_PROFILE=sandbox .venv/bin/python -m pytest \
        tests/aws/test_live_pipeline.py -m aws -v

It never runs against an emulator (AWS_ENDPOINT_URL must be unset), and deletes what it made.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import live_marks, run_here

WAIT_S = 3600
POLL_S = 20


pytestmark = live_marks()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_here(*args, timeout=WAIT_S)


@dataclass(frozen=True)
class Platform:
    suffix: str
    outputs: dict[str, str]

    def app_stack(self, stage: str) -> str:
        return f"edu-app-{stage}-{self.suffix}"

    @property
    def staging_platform(self) -> str:
        return f"edu-platform-{self.suffix}-stg"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    suffix = f"cp{secrets.token_hex(3)}"
    stack = f"edu-live-{suffix}"
    template = tmp_path_factory.mktemp("live") / "template.json"
    built = _run("generate.py", "--profile", "ephemeral", "--output", str(template))
    assert built.returncode == 0, built.stderr
    try:
        created = _run(
            *("deploy.py", "deploy", "--stack-name", stack, "--template", str(template)),
            *("--yes", "--require-approval", "never", "--output", "json"),
            *("--parameter", f"EnvironmentSuffix={suffix}", "--parameter", "CacheNodeCount=1"),
            *("--parameter", "DbMultiAz=false"),
        )
        assert created.returncode == 0, created.stderr
        yield Platform(suffix=suffix, outputs=json.loads(created.stdout)["outputs"])
    finally:
        # Staging first (its roles carry this platform's StagingBoundary, which IAM will not
        # delete while in use), each application before its platform (whose execution role
        # deletes it).
        for name in (
            f"edu-app-staging-{suffix}-stg",
            f"edu-platform-{suffix}-stg",
            f"edu-app-production-{suffix}",
            stack,
        ):
            _run("deploy.py", "delete", "--stack-name", name, "--yes")


def _until(what: str, check: Callable[[], Any]) -> Any:
    """check()'s first truthy answer, polled; fails after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(POLL_S)
    pytest.fail(f"timed out waiting for {what}")


def _stage(codepipeline: Any, pipeline: str, execution: str, name: str) -> dict[str, Any]:
    """The stage's latest state, failing the test when any stage of the execution failed."""
    state = codepipeline.get_pipeline_state(name=pipeline)["stageStates"]
    for stage in state:
        latest = stage.get("latestExecution") or {}
        if latest.get("pipelineExecutionId") == execution and latest.get("status") == "Failed":
            pytest.fail(f"stage {stage['stageName']} failed: {stage.get('actionStates')}")
    found: dict[str, Any]
    (found,) = [s for s in state if s["stageName"] == name]
    return found


def _execution_after(codepipeline: Any, pipeline: str, since: float) -> str | None:
    runs = codepipeline.list_pipeline_executions(pipelineName=pipeline)[
        "pipelineExecutionSummaries"
    ]
    fresh = [r for r in runs if r["startTime"].timestamp() >= since]
    return str(fresh[-1]["pipelineExecutionId"]) if fresh else None


def _plan_outputs(codepipeline: Any, pipeline: str, execution: str) -> dict[str, str]:
    details = codepipeline.list_action_executions(
        pipelineName=pipeline, filter={"pipelineExecutionId": execution}
    )["actionExecutionDetails"]
    (plan,) = [d for d in details if d["actionName"] == "PlanProduction"]
    variables: dict[str, str] = plan["output"]["outputVariables"]
    return variables


def test_the_sample_application_is_delivered_through_the_reviewed_approval(
    platform: Platform, tmp_path: Path
) -> None:
    import boto3

    bundle = tmp_path / "bundle.zip"
    made = _run("-m", "app.build", "bundle", "--out", str(bundle))
    assert made.returncode == 0, made.stderr
    codepipeline, s3 = boto3.client("codepipeline"), boto3.client("s3")
    pipeline = platform.outputs["PipelineName"]
    started = time.time() - 5
    s3.upload_file(str(bundle), platform.outputs["SourceBucketName"], "bundle.zip")
    execution = _until("the upload to start the pipeline",
                       lambda: _execution_after(codepipeline, pipeline, started))  # fmt: skip

    def approval_token() -> str | None:
        latest = _stage(codepipeline, pipeline, execution, "Approval").get("latestExecution", {})
        return latest.get("token") if latest.get("pipelineExecutionId") == execution else None

    token = _until("the approval", approval_token)
    planned = _plan_outputs(codepipeline, pipeline, execution)
    key = f"reviews/{execution}/review.json"
    review = json.loads(
        s3.get_object(Bucket=platform.outputs["ArtifactsBucketName"], Key=key)["Body"].read()
    )
    assert review["change_set_arn"] == planned["CHANGE_SET_ARN"]
    assert planned["SUMMARY"].startswith(platform.app_stack("production"))
    assert key.replace(".json", ".txt") in planned["REVIEW_URL"]
    cfn = boto3.client("cloudformation")
    assert cfn.describe_change_set(ChangeSetName=planned["CHANGE_SET_ARN"])["ExecutionStatus"] == (
        "AVAILABLE"
    )

    codepipeline.put_approval_result(
        pipelineName=pipeline,
        stageName="Approval",
        actionName="Approval",
        result={"summary": "live test: review read", "status": "Approved"},
        token=token,
    )

    def ended() -> str | None:
        run = codepipeline.get_pipeline_execution(
            pipelineName=pipeline, pipelineExecutionId=execution
        )
        status = str(run["pipelineExecution"]["status"])
        return None if status in ("InProgress", "Stopping") else status

    status = _until("the execution to end", ended)
    assert status == "Succeeded"
    executed = cfn.describe_change_set(ChangeSetName=planned["CHANGE_SET_ARN"])
    assert executed["ExecutionStatus"] == "EXECUTE_COMPLETE"

    answer = boto3.client("lambda").invoke(
        FunctionName=f"{platform.app_stack('production')}-health"
    )
    assert json.loads(answer["Payload"].read())["ok"] is True


# What no staging-side role may do to production, asked of IAM's policy simulator (which applies
# each role's permissions boundary): (action, production output naming the resource).
PRODUCTION_TARGETS = (
    ("secretsmanager:GetSecretValue", "DbSecretArn"),
    ("secretsmanager:GetSecretValue", "AppDbSecretArn"),
    ("secretsmanager:GetSecretValue", "CacheSecretArn"),
    ("kms:Decrypt", "KeyArn"),
)


def _stack_roles(cfn: Any, stack: str) -> dict[str, str]:
    """Logical ID -> role name of every IAM role of the stack."""
    found = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in found
        if r["ResourceType"] == "AWS::IAM::Role"
    }


def _allowed(iam: Any, role_arn: str, action: str, resource: str) -> bool:
    result = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=[action], ResourceArns=[resource]
    )["EvaluationResults"]
    return any(r["EvalDecision"] == "allowed" for r in result)


def test_staging_reaches_nothing_of_production_and_only_the_bootstrap_reads_the_master(
    platform: Platform,
) -> None:
    """After the delivery above: the staging platform the pipeline made has its own VPC and key,
    no staging-side role may read production's secrets or use its data key, and of the
    production platform's roles only DbBootstrapRole may read the master secret."""
    import boto3

    cfn, iam = boto3.client("cloudformation"), boto3.client("iam")
    (staging,) = cfn.describe_stacks(StackName=platform.staging_platform)["Stacks"]
    staged = {o["OutputKey"]: o["OutputValue"] for o in staging.get("Outputs", [])}
    assert staged["VpcId"] != platform.outputs["VpcId"]
    assert staged["KeyArn"] != platform.outputs["KeyArn"]
    account = boto3.client("sts").get_caller_identity()["Account"]

    def arn(name: str) -> str:
        return f"arn:aws:iam::{account}:role/{name}"

    production_roles = _stack_roles(cfn, f"edu-live-{platform.suffix}")
    staging_side = [
        production_roles["DeployStagingRole"],
        production_roles["StagingPlatformExecutionRole"],
        *_stack_roles(cfn, platform.staging_platform).values(),
    ]
    reached = [
        (role, action, output)
        for role in staging_side
        for action, output in PRODUCTION_TARGETS
        if _allowed(iam, arn(role), action, platform.outputs[output])
    ]
    assert reached == []
    readers = {
        logical
        for logical, name in production_roles.items()
        if _allowed(
            iam, arn(name), "secretsmanager:GetSecretValue", platform.outputs["DbSecretArn"]
        )
    }
    assert readers == {"DbBootstrapRole"}


def test_the_bootstrap_job_run_again_changes_nothing(platform: Platform) -> None:
    """The pipeline ran production's bootstrap job once; a second run reports no change."""
    import boto3

    builds = boto3.client("codebuild")
    build_id = builds.start_build(projectName=f"edu-db-bootstrap-{platform.suffix}")["build"]["id"]

    def finished() -> dict[str, Any] | None:
        (build,) = builds.batch_get_builds(ids=[build_id])["builds"]
        return None if build["buildStatus"] == "IN_PROGRESS" else build

    build = _until("the bootstrap build", finished)
    assert build["buildStatus"] == "SUCCEEDED"
    events = boto3.client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
    )["events"]
    assert any("no change" in e["message"] for e in events)
