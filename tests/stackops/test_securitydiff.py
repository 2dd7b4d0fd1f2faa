"""stackops.securitydiff: what a template change widens or narrows, per kind of access."""

from __future__ import annotations

import copy
import io
import os
from typing import Any

from stackops import securitydiff
from stackops.render import Console, show_security
from stackops.review import SECURITY_SHOWN
from stackops.securitydiff import SecurityRow


def template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Parameters": {}, "Resources": dict(resources)}


def role(*statements: dict[str, Any], trust: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Statement": trust
            or [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "codebuild.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        },
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}],
    }
    return {"Type": "AWS::IAM::Role", "Properties": props}


READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}


def only(rows: list[SecurityRow]) -> SecurityRow:
    assert len(rows) == 1, rows
    return rows[0]


def test_a_new_star_action_widens_and_names_only_that_action() -> None:
    old = template(Role=role(READ))
    new = copy.deepcopy(old)
    statement = new["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]
    statement["Statement"][0]["Action"] = ["s3:GetObject", "*"]
    row = only(securitydiff.diff(old, new))
    assert (row.resource, row.kind, row.sign, row.action) == ("Role", "IAM", "+", "*")
    assert (row.effect, row.target, row.direction) == ("Allow", "arn:aws:s3:::b/*", "widens")


def test_a_removed_allow_statement_narrows() -> None:
    write = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
    rows = securitydiff.diff(template(Role=role(READ, write)), template(Role=role(READ)))
    row = only(rows)
    assert (row.sign, row.action, row.direction) == ("-", "s3:PutObject", "narrows")


def test_a_removed_deny_widens_and_an_added_deny_narrows() -> None:
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    removed = only(securitydiff.diff(template(Role=role(READ, deny)), template(Role=role(READ))))
    added = only(securitydiff.diff(template(Role=role(READ)), template(Role=role(READ, deny))))
    assert (removed.sign, removed.direction) == ("-", "widens")
    assert (added.sign, added.direction) == ("+", "narrows")


def test_a_dropped_condition_widens() -> None:
    conditioned = {**READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    rows = securitydiff.diff(template(Role=role(conditioned)), template(Role=role(READ)))
    assert {(r.sign, r.direction) for r in rows} == {("+", "widens"), ("-", "narrows")}
    assert len(securitydiff.widening(rows)) == 1


def test_a_trust_principal_added_widens_as_iam_trust() -> None:
    trust = [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111:root"}, "Action": "sts:*"}]
    wider = [{**trust[0], "Principal": {"AWS": ["arn:aws:iam::111:root", "*"]}}]
    row = only(
        securitydiff.diff(template(R=role(READ, trust=trust)), template(R=role(READ, trust=wider)))
    )
    assert (row.kind, row.principal, row.direction) == ("IAM trust", "AWS:*", "widens")


def group(*ingress: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "db", "SecurityGroupIngress": list(ingress)},
    }


def test_the_whole_internet_added_to_a_port_widens() -> None:
    vpc_only = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.0.0.0/16"}
    anyone = {**vpc_only, "CidrIp": "0.0.0.0/0", "Description": "oops"}
    row = only(
        securitydiff.diff(template(Sg=group(vpc_only)), template(Sg=group(vpc_only, anyone)))
    )
    assert (row.kind, row.effect, row.principal) == ("SG", "ingress", "CidrIp=0.0.0.0/0")
    assert (row.action, row.target, row.direction) == ("tcp", "5432", "widens")


def test_a_standalone_rule_removed_narrows_and_names_its_group() -> None:
    rule = {
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {
            "GroupId": {"Fn::GetAtt": ["DbSg", "GroupId"]},
            "IpProtocol": "-1",
            "SourceSecurityGroupId": {"Ref": "AppSg"},
        },
    }
    row = only(securitydiff.diff(template(Rule=rule), template()))
    assert (row.sign, row.action, row.direction) == ("-", "all", "narrows")
    assert row.target == "all on ${DbSg.GroupId}"
    assert row.principal == "SourceSecurityGroupId=${AppSg}"


def key(*principals: str) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": "kms:*",
        "Resource": "*",
    }
    return {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [statement]}}}


def test_a_key_policy_principal_added_widens() -> None:
    old = template(Key=key("arn:aws:iam::123456789012:root"))
    new = template(Key=key("arn:aws:iam::123456789012:root", "arn:aws:iam::999999999999:root"))
    row = only(securitydiff.diff(old, new))
    assert (row.kind, row.sign, row.direction) == ("KMS", "+", "widens")
    assert row.principal == "AWS:arn:aws:iam::999999999999:root"


def bucket_policy(principal: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
    }
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {"Bucket": "site", "PolicyDocument": {"Statement": [statement]}},
    }


def test_a_bucket_policy_allow_to_everyone_widens() -> None:
    old = template(Policy=bucket_policy({"Service": "cloudfront.amazonaws.com"}))
    new = template(Policy=bucket_policy("*"))
    rows = securitydiff.diff(old, new)
    added = only([r for r in rows if r.sign == "+"])
    assert (added.kind, added.principal, added.direction) == ("bucket policy", "*", "widens")
    assert [r.direction for r in rows if r.sign == "-"] == ["narrows"]


def test_queue_and_topic_policies_are_read() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}]}
    queue = {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": doc, "Queues": []}}
    topic = {"Type": "AWS::SNS::TopicPolicy", "Properties": {"PolicyDocument": doc, "Topics": []}}
    rows = securitydiff.diff(template(), template(Q=queue, T=topic))
    assert [(r.resource, r.kind) for r in rows] == [("Q", "queue policy"), ("T", "topic policy")]


def test_create_lists_every_grant_and_an_unchanged_template_none() -> None:
    new = template(Role=role(READ), Sg=group({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}))
    rows = securitydiff.diff(None, new)
    assert {r.kind for r in rows} == {"IAM", "IAM trust", "SG"}
    assert all(r.sign == "+" and r.direction == "widens" for r in rows)
    assert securitydiff.diff(new, copy.deepcopy(new)) == []


def test_templates_are_compared_resolved_with_their_parameter_values() -> None:
    doc = {"Statement": [{**READ, "Action": {"Ref": "Act"}}]}
    with_param = {
        "Parameters": {"Act": {"Type": "String", "Default": "s3:GetObject"}},
        "Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": doc}}},
    }
    assert securitydiff.diff(with_param, with_param, {"Act": "s3:GetObject"}, {}) == []
    row = only(
        [r for r in securitydiff.diff(with_param, with_param, {}, {"Act": "s3:*"}) if r.sign == "+"]
    )
    assert (row.action, row.direction) == ("s3:*", "widens")


def test_approval_modes_pick_the_rows_that_need_a_person() -> None:
    write = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    widen = securitydiff.diff(template(Role=role(READ)), template(Role=role(READ, write)))
    narrow = securitydiff.diff(template(Role=role(READ, write)), template(Role=role(READ)))
    assert securitydiff.needing_approval("never", widen) == []
    assert securitydiff.needing_approval("broadening", widen) == widen
    assert securitydiff.needing_approval("broadening", narrow) == []
    assert securitydiff.needing_approval("any-change", narrow) == narrow


class Screen(io.StringIO):
    def isatty(self) -> bool:
        return True


def many_grants(n: int) -> dict[str, Any]:
    actions = [f"s3:Action{i:03d}" for i in range(n)]
    return template(Role=role({"Effect": "Allow", "Action": actions, "Resource": "*"}))


def test_the_review_table_is_plain_off_a_terminal_and_says_what_it_left_out() -> None:
    found = securitydiff.diff(None, many_grants(70))
    err = io.StringIO()
    show_security(Console(err, None), found)
    lines = err.getvalue().splitlines()
    assert lines[0] == "Security changes (71: 71 widen access, 0 narrow it):"
    assert lines[1].split()[:3] == ["RESOURCE", "KIND", "+/-"]
    assert len(lines) == 2 + SECURITY_SHOWN + 1
    assert lines[-1].strip() == "... and 11 more (plan --output json lists all)"


def test_the_review_table_on_a_terminal_is_drawn_by_rich() -> None:
    screen = Screen()
    show_security(Console(screen, None), securitydiff.diff(None, many_grants(2)))
    shown = screen.getvalue()
    assert "s3:Action001" in shown and "widens" in shown
    assert "\x1b[" in shown or os.environ.get("NO_COLOR")


def test_no_security_change_prints_nothing() -> None:
    err = io.StringIO()
    show_security(Console(err, None), [])
    assert err.getvalue() == ""
