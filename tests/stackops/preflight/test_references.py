"""Referenced secrets and parameters: moto's server for what exists, Stubber for denials and
faults."""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber

from stackops.preflight.references import dynamic, secret_id
from stackops.preflight.runner import inspect
from tests.support.preflight import (
    client,
    moto_session,
    request,
    resource,
    stub_client,
    stubbed_session,
    with_resources,
)


def topic_reading(value: Any) -> dict[str, Any]:
    return with_resources(Topic=resource("AWS::SNS::Topic", DisplayName=value))


def test_missing_secret_is_a_blocker_with_a_fix(account: str) -> None:
    session, _ = moto_session(account)
    report = inspect(
        session,
        request(topic_reading("{{resolve:secretsmanager:nope:SecretString:password}}")),
        None,
    )
    assert [(f.check, f.subject) for f in report.findings] == [("secret references", "secret nope")]
    assert "create it" in report.findings[0].fix and report.skips == []


def test_existing_secret_passes(account: str) -> None:
    client(account, "secretsmanager").create_secret(Name="db-dev", SecretString="x")
    session, _ = moto_session(account)
    template = topic_reading({"Fn::Sub": "{{resolve:secretsmanager:db-${Env}:SecretString:k}}"})
    report = inspect(session, request(template), None)
    assert report.findings == [] and report.checked == 1


def test_secret_scheduled_for_deletion_cannot_be_read(account: str) -> None:
    sm = client(account, "secretsmanager")
    sm.create_secret(Name="old", SecretString="x")
    sm.delete_secret(SecretId="old", RecoveryWindowInDays=7)
    session, _ = moto_session(account)
    report = inspect(session, request(topic_reading("{{resolve:secretsmanager:old}}")), None)
    assert len(report.findings) == 1
    assert "scheduled for deletion" in report.findings[0].problem
    assert "restore-secret --secret-id old" in report.findings[0].fix


def test_parameter_references_and_ssm_typed_parameters(account: str) -> None:
    client(account, "ssm").put_parameter(Name="/edu/ami", Value="ami-1", Type="String")
    session, _ = moto_session(account)
    template = topic_reading("{{resolve:ssm:/edu/ami}}-{{resolve:ssm-secure:/edu/missing:2}}")
    template["Parameters"]["Image"] = {"Type": "AWS::SSM::Parameter::Value<String>"}
    report = inspect(session, request(template, {"Image": "/edu/other"}), None)
    assert sorted(f.subject for f in report.findings) == [
        "parameter /edu/missing:2",
        "parameter /edu/other",
    ]
    assert report.checked == 3


def test_references_to_secrets_the_template_makes_are_not_checked() -> None:
    sm = stub_client("secretsmanager")
    sts = stub_client("sts")
    template = with_resources(
        Secret=resource("AWS::SecretsManager::Secret", Name="made-here"),
        Topic=resource(
            "AWS::SNS::Topic",
            DisplayName={"Fn::Sub": "{{resolve:secretsmanager:${Secret}:SecretString}}"},
            Other="{{resolve:secretsmanager:made-here}}",
        ),
    )
    with Stubber(sm) as sm_stub, Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "get_caller_identity",
            {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/u"},
        )
        # The only call: the Name the template gives is checked as a name, not as a reference.
        sm_stub.add_client_error(
            "describe_secret", "ResourceNotFoundException", http_status_code=400
        )
        session, _ = stubbed_session(sts=sts, secretsmanager=sm)
        report = inspect(session, request(template), None)
        sm_stub.assert_no_pending_responses()
    assert report.findings == [] and report.skips == [] and report.checked == 1


def test_denied_is_one_skip_line_naming_the_permission() -> None:
    sm, sts = stub_client("secretsmanager"), stub_client("sts")
    arn = "arn:aws:sts::123456789012:assumed-role/Deployer/s1"
    with Stubber(sm) as sm_stub, Stubber(sts) as sts_stub:
        sts_stub.add_response("get_caller_identity", {"Account": "123456789012", "Arn": arn})
        sm_stub.add_client_error("describe_secret", "AccessDeniedException", http_status_code=400)
        session, _ = stubbed_session(sts=sts, secretsmanager=sm)
        report = inspect(session, request(topic_reading("{{resolve:secretsmanager:a}}")), None)
    assert report.skips == [
        f"preflight: skipped secret references: {arn} may not describe the referenced secrets "
        "(needs secretsmanager:DescribeSecret)"
    ]
    assert report.findings == []


def test_a_server_fault_is_a_skip_not_a_crash() -> None:
    ssm, sts = stub_client("ssm"), stub_client("sts")
    with Stubber(ssm) as ssm_stub, Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "get_caller_identity", {"Account": "1", "Arn": "arn:aws:iam::1:user/u"}
        )
        ssm_stub.add_client_error(
            "get_parameter", "InternalServerError", "boom", http_status_code=500
        )
        session, _ = stubbed_session(sts=sts, ssm=ssm)
        report = inspect(session, request(topic_reading("{{resolve:ssm:/x}}")), None)
    assert report.skips == ["preflight: skipped parameter references: InternalServerError: boom"]


def test_dynamic_references_are_found_in_literal_strings_only() -> None:
    node = {
        "A": "{{resolve:ssm:/a}} and {{resolve:secretsmanager:"
        "arn:aws:secretsmanager:us-east-1:1:secret:s-AbCdEf:SecretString:k::}}",
        "B": {"Fn::Join": ["", ["{{resolve:ssm:", {"Ref": "P"}, "}}"]]},
    }
    found = list(dynamic(node))
    assert found[0] == ("ssm", "/a")
    assert secret_id(found[1][1]) == "arn:aws:secretsmanager:us-east-1:1:secret:s-AbCdEf"
    assert len(found) == 2
