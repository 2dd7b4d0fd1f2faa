"""New KMS keys are administrable by their deployer: the policy rule as pure functions, the
caller from moto's STS (an IAM user) and from Stubber (an assumed role)."""

from __future__ import annotations

from botocore.stub import Stubber

from stackops.preflight.context import role_arn
from stackops.preflight.keys import administers
from stackops.preflight.runner import inspect
from tests.support.preflight import (
    ACCOUNT,
    key_policy,
    moto_session,
    request,
    resource,
    stub_client,
    stubbed_session,
    with_resources,
)

ROLE = f"arn:aws:iam::{ACCOUNT}:role/deploy/Deployer"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci-42"


def test_assumed_role_session_maps_to_its_role() -> None:
    assert role_arn(SESSION) == f"arn:aws:iam::{ACCOUNT}:role/Deployer"
    assert role_arn(f"arn:aws:iam::{ACCOUNT}:user/u") == f"arn:aws:iam::{ACCOUNT}:user/u"


def test_root_or_caller_may_administer() -> None:
    caller = role_arn(SESSION)
    assert administers(key_policy({"Ref": "x"}, ACCOUNT), caller, ACCOUNT)
    assert administers(key_policy(f"arn:aws:iam::{ACCOUNT}:root"), caller, ACCOUNT)
    assert administers(key_policy(ROLE, action="kms:Put*"), caller, ACCOUNT)  # path-insensitive
    assert not administers(key_policy(ROLE, action="kms:Encrypt"), caller, ACCOUNT)
    assert not administers(key_policy("arn:aws:iam::999999999999:root"), caller, ACCOUNT)


def test_an_unconditional_deny_wins() -> None:
    policy = key_policy(ACCOUNT)
    policy["Statement"] += key_policy(ROLE, action="kms:PutKeyPolicy", effect="Deny")["Statement"]
    assert not administers(policy, role_arn(SESSION), ACCOUNT)


def test_key_the_moto_user_cannot_administer_is_a_blocker(account: str) -> None:
    session, _ = moto_session(account)
    template = with_resources(
        Open=resource(
            "AWS::KMS::Key",
            KeyPolicy=key_policy({"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}),
        ),
        Closed=resource("AWS::KMS::Key", KeyPolicy=key_policy("arn:aws:iam::999999999999:root")),
        Default=resource("AWS::KMS::Key"),
    )
    report = inspect(session, request(template), None)
    assert [(f.check, f.subject) for f in report.findings] == [("key administration", "Closed")]
    assert f"arn:aws:iam::{ACCOUNT}:root" in report.findings[0].fix
    assert report.checked == 3


def test_assumed_role_named_in_a_string_policy_passes() -> None:
    import json

    sts = stub_client("sts")
    template = with_resources(Key=resource("AWS::KMS::Key", KeyPolicy=json.dumps(key_policy(ROLE))))
    with Stubber(sts) as s:
        s.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": SESSION})
        session, _ = stubbed_session(sts=sts)
        report = inspect(session, request(template), None)
    assert report.findings == [] and report.checked == 1


def test_unknown_caller_skips_the_key_check() -> None:
    sts = stub_client("sts")
    template = with_resources(Key=resource("AWS::KMS::Key", KeyPolicy=key_policy("x")))
    with Stubber(sts) as s:
        s.add_client_error("get_caller_identity", "AccessDenied", http_status_code=403)
        session, _ = stubbed_session(sts=sts)
        report = inspect(session, request(template), None)
    assert report.findings == []
    assert report.skips[-1] == (
        "preflight: skipped key administration: the caller is unknown (GetCallerIdentity failed)"
    )
