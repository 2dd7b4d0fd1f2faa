"""The data-safety check end to end: deploy.py as shipped, against the moto server.

moto's change sets carry no Replacement or Details, so these runs exercise the offline
prediction; the change-set verdicts (Conditional from AWS itself) are injected in-process with
real response shapes at the end of this file.
"""

from __future__ import annotations

import copy
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator

from tests.support.moto import MotoEnv, run_template, write_json
from tests.support.samples import rds_template

STACK = "students"


def run(
    moto_env: MotoEnv, tmp_path: Path, command: str, template: dict[str, Any], *extra: str
) -> subprocess.CompletedProcess[str]:
    return run_template(moto_env, tmp_path, STACK, command, template, *extra)


@pytest.fixture
def deployed(moto_env: MotoEnv, tmp_path: Path) -> MotoEnv:
    result = run(moto_env, tmp_path, "deploy", rds_template())
    assert result.returncode == 0, result.stderr
    return moto_env


def deployed_db_name(moto_env: MotoEnv) -> str:
    body = moto_env.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    name: str = body["Resources"]["Db"]["Properties"]["DBName"]
    return name


def change_set_ids(moto_env: MotoEnv) -> set[str]:
    cfn = moto_env.client("cloudformation")
    return {s["ChangeSetId"] for s in cfn.list_change_sets(StackName=STACK)["Summaries"]}


# --------------------------------------------------------------------------- refusals


def test_dbname_change_is_refused_with_exit_3_even_with_yes(
    deployed: MotoEnv, tmp_path: Path
) -> None:
    result = run(deployed, tmp_path, "deploy", rds_template(DBName="records"))
    assert result.returncode == 3, result.stderr


def test_refusal_names_resource_property_and_flag(deployed: MotoEnv, tmp_path: Path) -> None:
    result = run(deployed, tmp_path, "deploy", rds_template(DBName="records"))
    refused = [line for line in result.stderr.splitlines() if "refused: Db" in line]
    assert refused and "DBName" in refused[-1] and "--allow-replacement Db" in refused[-1]


def test_each_refused_resource_is_reported_once(deployed: MotoEnv, tmp_path: Path) -> None:
    template = rds_template(DBName="records")
    del template["Resources"]["Files"]
    result = run(deployed, tmp_path, "deploy", template)
    refused = [line.split()[1] for line in result.stderr.splitlines() if "refused: " in line]
    assert sorted(refused) == ["Db", "Files"]


def test_refused_update_leaves_the_stack_unchanged(deployed: MotoEnv, tmp_path: Path) -> None:
    run(deployed, tmp_path, "deploy", rds_template(DBName="records"))
    stack = deployed.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert (stack["StackStatus"], deployed_db_name(deployed)) == ("CREATE_COMPLETE", "students")


def test_refused_update_deletes_its_change_set(deployed: MotoEnv, tmp_path: Path) -> None:
    before = change_set_ids(deployed)
    run(deployed, tmp_path, "deploy", rds_template(DBName="records"))
    assert change_set_ids(deployed) == before


def test_allow_replacement_for_that_id_executes(deployed: MotoEnv, tmp_path: Path) -> None:
    template = rds_template(DBName="records")
    result = run(deployed, tmp_path, "deploy", template, "--allow-replacement", "Db")
    assert result.returncode == 0, result.stderr
    assert deployed_db_name(deployed) == "records"


def test_allow_replacement_for_another_id_does_not_help(deployed: MotoEnv, tmp_path: Path) -> None:
    template = rds_template(DBName="records")
    result = run(deployed, tmp_path, "deploy", template, "--allow-replacement", "Files")
    assert result.returncode == 3, result.stderr


def test_allocated_storage_change_is_allowed(deployed: MotoEnv, tmp_path: Path) -> None:
    result = run(deployed, tmp_path, "deploy", rds_template(AllocatedStorage="50"))
    assert result.returncode == 0, result.stderr
    body = deployed.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    assert body["Resources"]["Db"]["Properties"]["AllocatedStorage"] == "50"


def test_offline_conditional_is_a_warning_not_a_refusal(deployed: MotoEnv, tmp_path: Path) -> None:
    result = run(deployed, tmp_path, "deploy", rds_template(MultiAZ=True))
    assert result.returncode == 0, result.stderr
    assert "warning: Db" in result.stderr and "MultiAZ" in result.stderr


def test_removing_a_bucket_that_holds_objects_is_refused(deployed: MotoEnv, tmp_path: Path) -> None:
    cfn, s3 = deployed.client("cloudformation"), deployed.client("s3")
    bucket = cfn.describe_stack_resource(StackName=STACK, LogicalResourceId="Files")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    s3.put_object(Bucket=bucket, Key="grades/2026.csv", Body=b"id,grade\n1,A\n")
    template = rds_template()
    del template["Resources"]["Files"]
    result = run(deployed, tmp_path, "deploy", template)
    assert result.returncode == 3, result.stderr
    assert s3.get_object(Bucket=bucket, Key="grades/2026.csv")["Body"].read() == b"id,grade\n1,A\n"


def test_adding_an_unrelated_resource_is_allowed(deployed: MotoEnv, tmp_path: Path) -> None:
    template = rds_template()
    template["Resources"]["Alerts"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    result = run(deployed, tmp_path, "deploy", template)
    assert result.returncode == 0, result.stderr
    resources = deployed.client("cloudformation").list_stack_resources(StackName=STACK)
    assert "Alerts" in {r["LogicalResourceId"] for r in resources["StackResourceSummaries"]}


def test_plan_shows_the_same_verdicts(deployed: MotoEnv, tmp_path: Path) -> None:
    result = run(deployed, tmp_path, "plan", rds_template(DBName="records"))
    assert result.returncode == 2, result.stderr
    assert "REFUSED" in result.stderr and "--allow-replacement Db" in result.stderr


# --------------------------------------------------------------------------- change-set verdicts


def conditional_multi_az(parsed: dict[str, Any], **_: Any) -> None:
    """What real CloudFormation answers for a MultiAZ change that it may replace."""
    for change in parsed.get("Changes", []):
        rc = change["ResourceChange"]
        if rc.get("LogicalResourceId") == "Db":
            rc["Replacement"] = "Conditional"
            rc["Scope"] = ["Properties"]
            rc["Details"] = [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "MultiAZ",
                        "RequiresRecreation": "Conditionally",
                        "Path": "/Properties/MultiAZ",
                        "AttributeChangeType": "Modify",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ]


def replacement_true_from_parameter(parsed: dict[str, Any], **_: Any) -> None:
    """What real CloudFormation answers when a parameter feeding DBName changes its value."""
    parsed["Changes"] = [
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "Db",
                "PhysicalResourceId": "students-db",
                "ResourceType": "AWS::RDS::DBInstance",
                "Replacement": "True",
                "Scope": ["Properties"],
                "Details": [
                    {
                        "Target": {
                            "Attribute": "Properties",
                            "Name": "DBName",
                            "RequiresRecreation": "Always",
                        },
                        "Evaluation": "Static",
                        "ChangeSource": "ParameterReference",
                        "CausingEntity": "DbName",
                    }
                ],
            },
        }
    ]


def run_in_process_with_real_shapes(
    moto_env: MotoEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    template: dict[str, Any],
    answer: Any = conditional_multi_az,
    *extra: str,
) -> int:
    """deploy.main in this process, its DescribeChangeSet answers filled in as AWS would."""
    import deploy
    from stackops.aws import clients as aws

    make_clients = aws.make_clients
    cfn_model = moto_env.client("cloudformation").meta.service_model
    output_shape = cfn_model.operation_model("DescribeChangeSet").output_shape

    def enrich(parsed: dict[str, Any], **kwargs: Any) -> None:
        answer(parsed)
        # The same check botocore's Stubber applies to a stubbed response.
        shown = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        report = ParamValidator().validate(shown, output_shape)
        assert not report.has_errors(), report.generate_report()

    def clients_with_real_shapes(*args: Any, **kwargs: Any) -> Any:
        clients = make_clients(*args, **kwargs)
        clients.cfn.meta.events.register("after-call.cloudformation.DescribeChangeSet", enrich)
        return clients

    monkeypatch.setattr(aws, "make_clients", clients_with_real_shapes)
    path = write_json(tmp_path / "conditional.json", template)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        args = ["deploy", "--stack-name", STACK, "--template", str(path), "--skip-validation"]
        return deploy.main([*args, "--yes", *extra])
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_conditional_from_the_change_set_is_refused(
    deployed: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    template = rds_template(MultiAZ=True)
    code = run_in_process_with_real_shapes(deployed, monkeypatch, tmp_path, template)
    assert code == 3


def test_conditional_from_the_change_set_leaves_the_stack_unchanged(
    deployed: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = change_set_ids(deployed)
    template = rds_template(MultiAZ=True)
    run_in_process_with_real_shapes(deployed, monkeypatch, tmp_path, copy.deepcopy(template))
    body = deployed.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    assert "MultiAZ" not in body["Resources"]["Db"]["Properties"]
    assert change_set_ids(deployed) == before


def parameterized_db_name() -> dict[str, Any]:
    template = rds_template(DBName={"Ref": "DbName"})
    template["Parameters"] = {"DbName": {"Type": "String", "Default": "students"}}
    return template


def test_true_from_the_change_set_is_refused_when_the_text_is_unchanged(
    moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert run(moto_env, tmp_path, "deploy", parameterized_db_name()).returncode == 0
    code = run_in_process_with_real_shapes(
        moto_env,
        monkeypatch,
        tmp_path,
        parameterized_db_name(),
        replacement_true_from_parameter,
        "--parameter",
        "DbName=records",
    )
    assert code == 3
