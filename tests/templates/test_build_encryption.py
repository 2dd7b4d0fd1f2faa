"""Everything that stores something is encrypted with one of the stack's two customer-managed
keys: the data key (`Key`) encrypts data (database, cache, secrets, their logs and alarms), the
pipeline key (`PipelineKey`) encrypts the pipeline's things (buckets, CodeBuild projects,
artifact store, build logs, approvals). No pipeline resource uses the data key, so what deploys
staging can be given the pipeline key without being able to decrypt anything of production."""

from __future__ import annotations

from typing import Any

import pytest

from cfnmodel.intrinsics import walk
from tests.support.cfn import resources
from tests.support.profiles import PIPELINE_PROFILES

DATA_KEY = {"Fn::GetAtt": ["Key", "Arn"]}
PIPELINE_KEY = {"Fn::GetAtt": ["PipelineKey", "Arn"]}
# (resource type, the property that must name one of the keys)
KEYED = [
    ("AWS::Logs::LogGroup", "KmsKeyId"),
    ("AWS::SecretsManager::Secret", "KmsKeyId"),
    ("AWS::SNS::Topic", "KmsMasterKeyId"),
    ("AWS::RDS::DBInstance", "KmsKeyId"),
    ("AWS::RDS::DBInstance", "PerformanceInsightsKMSKeyId"),
    ("AWS::ElastiCache::ReplicationGroup", "KmsKeyId"),
    ("AWS::CodeBuild::Project", "EncryptionKey"),
]
# The pipeline's resources, each with where it names its key.
PIPELINE_KEYED = {
    "BuildProject": ("EncryptionKey",),
    "DeployStagingProject": ("EncryptionKey",),
    "PlanProductionProject": ("EncryptionKey",),
    "DeployProductionProject": ("EncryptionKey",),
    "BuildLogGroup": ("KmsKeyId",),
    "DeployStagingLogGroup": ("KmsKeyId",),
    "PlanProductionLogGroup": ("KmsKeyId",),
    "DeployProductionLogGroup": ("KmsKeyId",),
    "ApprovalTopic": ("KmsMasterKeyId",),
    "Pipeline": ("ArtifactStore", "EncryptionKey", "Id"),
    "SourceBucket": ("BucketEncryption",),
    "ArtifactsBucket": ("BucketEncryption",),
}
# Resources that hold production's data, and only those, use the data key.
DATA_TYPES = {
    "AWS::SecretsManager::Secret",
    "AWS::RDS::DBInstance",
    "AWS::ElastiCache::ReplicationGroup",
}


def _names_a_key(value: Any) -> dict[str, Any] | None:
    found = [v for _, v in walk(value) if v in (DATA_KEY, PIPELINE_KEY)]
    assert len({str(v) for v in found}) <= 1, found
    return found[0] if found else None


@pytest.mark.parametrize(("rtype", "prop"), KEYED)
def test_resources_name_one_of_the_stacks_keys(
    template: dict[str, Any], rtype: str, prop: str
) -> None:
    found = resources(template, rtype)
    assert found, f"no {rtype} in the template"
    for lid, res in found.items():
        assert res["Properties"].get(prop) in (DATA_KEY, PIPELINE_KEY), f"{lid}.{prop}"


def test_there_are_two_keys_the_data_key_and_the_pipeline_key(
    template: dict[str, Any], profile: str
) -> None:
    # A staging platform has no pipeline, so no pipeline key.
    expected = {"Key"} if profile == "staging" else {"Key", "PipelineKey"}
    assert set(resources(template, "AWS::KMS::Key")) == expected


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
@pytest.mark.parametrize("logical_id", sorted(PIPELINE_KEYED))
def test_the_pipeline_key_encrypts_each_pipeline_resource(
    template: dict[str, Any], logical_id: str
) -> None:
    props = template["Resources"][logical_id]["Properties"]
    node: Any = props
    for step in PIPELINE_KEYED[logical_id]:
        node = node[step]
    assert _names_a_key(node) == PIPELINE_KEY


# The bootstrap job is the data tier's, not the pipeline's: it reads the secrets inside the VPC
# with the data key (templates/bootstrap.py), and the pipeline only starts it by name.
DATA_TIER_PROJECTS = {"DbBootstrapProject"}


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_no_pipeline_resource_uses_the_data_key(template: dict[str, Any]) -> None:
    pipeline_types = {"AWS::CodeBuild::Project", "AWS::CodePipeline::Pipeline", "AWS::S3::Bucket"}
    pipeline = {
        lid
        for lid, r in template["Resources"].items()
        if (r["Type"] in pipeline_types or lid in PIPELINE_KEYED) and lid not in DATA_TIER_PROJECTS
    }
    assert pipeline >= set(PIPELINE_KEYED)
    for lid in pipeline:
        assert DATA_KEY not in [v for _, v in walk(template["Resources"][lid])], lid


def test_data_is_encrypted_with_the_data_key(template: dict[str, Any]) -> None:
    found = {lid: r for lid, r in template["Resources"].items() if r["Type"] in DATA_TYPES}
    assert {r["Type"] for r in found.values()} == DATA_TYPES
    for lid, res in found.items():
        assert _names_a_key(res["Properties"]) == DATA_KEY, lid


def test_the_bootstrap_project_uses_the_data_key(template: dict[str, Any]) -> None:
    project = template["Resources"]["DbBootstrapProject"]["Properties"]
    assert project["EncryptionKey"] == DATA_KEY
    assert PIPELINE_KEY not in [v for _, v in walk(project)]


@pytest.mark.parametrize("profile", PIPELINE_PROFILES)
def test_the_pipeline_key_is_used_only_by_the_pipeline(template: dict[str, Any]) -> None:
    users = {
        lid
        for lid, r in template["Resources"].items()
        if r["Type"] not in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::KMS::Alias")
        and PIPELINE_KEY in [v for _, v in walk(r.get("Properties", {}))]
    }
    assert users == set(PIPELINE_KEYED)


def test_database_storage_is_encrypted(template: dict[str, Any]) -> None:
    databases = resources(template, "AWS::RDS::DBInstance")
    assert databases
    for res in databases.values():
        assert res["Properties"]["StorageEncrypted"] is True


@pytest.mark.parametrize("prop", ["AtRestEncryptionEnabled", "TransitEncryptionEnabled"])
def test_cache_is_encrypted(template: dict[str, Any], prop: str) -> None:
    caches = resources(template, "AWS::ElastiCache::ReplicationGroup")
    assert caches
    for res in caches.values():
        assert res["Properties"][prop] is True


def test_both_keys_are_symmetric_customer_managed_keys(template: dict[str, Any]) -> None:
    # Rotation is a property of the key itself: test_security.py.
    for key in resources(template, "AWS::KMS::Key").values():
        assert key["Properties"].get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"


def test_rotation_lambda_environment_is_encrypted(production: dict[str, Any]) -> None:
    schedules = resources(production, "AWS::SecretsManager::RotationSchedule")
    assert schedules
    for res in schedules.values():
        assert res["Properties"]["HostedRotationLambda"]["KmsKeyArn"] == DATA_KEY
