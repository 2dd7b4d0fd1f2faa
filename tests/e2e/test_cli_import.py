"""deploy.py plan/deploy --import-existing against the moto server."""

# moto ignores ImportExistingResources. The fixture below records the flag as the server received
# it and, when it is set, does what CloudFormation does to the change set: a retained resource
# with a literal BucketName whose bucket already exists becomes Action=Import.

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.injection import find_change_set
from tests.support.moto import MotoEnv, run_template
from tests.support.samples import topic_template

BUCKET = "edu-records-import"


def adoptable() -> dict[str, Any]:
    template = topic_template()
    template["Resources"]["Data"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "Properties": {"BucketName": BUCKET},
    }
    return template


@pytest.fixture
def received(moto_env: MotoEnv, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The ImportExistingResources value of every CreateChangeSet the server answers."""
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.s3.models import s3_backends

    seen: list[bool] = []
    original: Callable[[Any], Any] = CloudFormationResponse.create_change_set

    def create_change_set(self: Any) -> Any:
        flag = bool(self._get_bool_param("ImportExistingResources", False))
        seen.append(flag)
        answer = original(self)
        if flag:
            change_set = find_change_set(moto_env.backend(), self._get_param("ChangeSetName"))
            buckets = s3_backends[moto_env.account]["aws"].buckets
            resources = change_set.template_dict.get("Resources", {})
            for change in change_set.changes:
                body = resources.get(change.logical_resource_id, {})
                name = (body.get("Properties") or {}).get("BucketName")
                if (
                    body.get("DeletionPolicy") == "Retain"
                    and isinstance(name, str)
                    and name in buckets
                ):
                    change.action = "Import"
        return answer

    monkeypatch.setattr(CloudFormationResponse, "create_change_set", create_change_set)
    return seen


def test_plan_shows_an_existing_bucket_as_import_and_nothing_refused(
    moto_env: MotoEnv, tmp_path: Path, received: list[bool]
) -> None:
    moto_env.client("s3").create_bucket(Bucket=BUCKET)
    result = run_template(
        moto_env, tmp_path, "adopt", "plan", adoptable(), "--import-existing", "--output", "json"
    )
    assert result.returncode == 2, result.stderr
    assert received == [True]
    rows = [line.split() for line in result.stderr.splitlines() if "AWS::S3::Bucket" in line]
    assert rows == [["Import", "Data", "AWS::S3::Bucket", "-", "-", "-"]]
    changes = {c["logical_id"]: c for c in json.loads(result.stdout)["changes"]}
    assert changes["Data"] == {
        "logical_id": "Data", "type": "AWS::S3::Bucket", "action": "Import", "replacement": None,
    }  # fmt: skip
    assert changes["Topic"]["action"] == "Add"
    assert "refused" not in result.stderr and "warning" not in result.stderr


def test_without_the_flag_the_taken_name_stops_the_plan_before_any_change_set(
    moto_env: MotoEnv, tmp_path: Path, received: list[bool]
) -> None:
    moto_env.client("s3").create_bucket(Bucket=BUCKET)
    result = run_template(moto_env, tmp_path, "adopt", "plan", adoptable())
    assert result.returncode == 4, result.stderr
    assert f"BLOCKER bucket names: Data {BUCKET}: exists in this account" in result.stderr
    assert received == []


def test_without_the_flag_nothing_is_asked_and_the_bucket_is_an_add(
    moto_env: MotoEnv, tmp_path: Path, received: list[bool]
) -> None:
    moto_env.client("s3").create_bucket(Bucket=BUCKET)
    result = run_template(
        moto_env, tmp_path, "adopt", "plan", adoptable(), "--output", "json", "--skip-preflight"
    )
    assert result.returncode == 2, result.stderr
    assert received == [False]
    actions = {c["logical_id"]: c["action"] for c in json.loads(result.stdout)["changes"]}
    assert actions["Data"] == "Add"


def test_deploy_warns_about_what_cannot_be_imported_and_goes_on(
    moto_env: MotoEnv, tmp_path: Path, received: list[bool]
) -> None:
    template = adoptable()
    template["Resources"]["Data"]["Properties"]["BucketName"] = {"Fn::Sub": "${AWS::StackName}-x"}
    result = run_template(moto_env, tmp_path, "adopt", "deploy", template, "--import-existing")
    assert result.returncode == 0, result.stderr
    assert received == [True]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: --import-existing: Data (AWS::S3::Bucket) cannot be imported: BucketName is "
        "not set to a literal name in the template",
        "warning: --import-existing: no resource in the template can be imported (AWS needs a "
        "literal custom name and DeletionPolicy Retain or RetainExceptOnCreate); every resource "
        "will be created",
    ]
    stack = moto_env.client("cloudformation").describe_stacks(StackName="adopt")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
