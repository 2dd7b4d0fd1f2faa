"""deploy's --require-approval: which security changes need a person, and what happens without one.

The matrix runs stackops.commands.deploy.run with the change set already prepared (prepare() is
replaced by one that returns it) and stops at the first step of execution, so it shows exactly
whether deploy went ahead, stopped at the prompt, or refused (exit 3).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.stub import Stubber

from clikit import exitcodes
from stackops import securitydiff
from stackops.aws.changesets import ChangeSet
from stackops.aws.clients import Clients
from stackops.aws.events import EventCursor
from stackops.commands import deploy
from stackops.commands.prepare import Prepared
from stackops.errors import Refused
from stackops.follow.interrupts import Run
from stackops.inputs import Inputs
from stackops.render import Console
from stackops.request import Request
from stackops.session import Session
from tests.support.consoles import Keyboard
from tests.support.samples import topic_template
from tests.support.stubbed import CS_ARN, FAST, STACK, STACK_ID, stack_desc

READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
WRITE = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    doc = {"Statement": list(statements)}
    return {"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": doc}}}}


SECURITY = {
    "widening": securitydiff.diff(policy(READ), policy(READ, WRITE)),
    "narrowing": securitydiff.diff(policy(READ, WRITE), policy(READ)),
    "none": [],
}
# The (mode, change) pairs that need a person's confirmation.
NEEDS_A_PERSON = {
    ("broadening", "widening"),
    ("any-change", "widening"),
    ("any-change", "narrowing"),
}


class Executed(Exception):
    """Raised where execution begins: the run got past confirmation."""


def situation_console(situation: str, err: io.StringIO) -> Console:
    """ "y"/"n": a terminal answering so; "ci": no terminal; "yes": no terminal, --yes."""
    if situation in ("y", "n"):
        return Console(err, Keyboard(situation + "\n"))
    return Console(err, None)


def deploy_with(
    monkeypatch: pytest.MonkeyPatch, cfn: Any, mode: str, change: str, situation: str
) -> tuple[str, str]:
    """What deploy did (executed, declined, refused) and what it said."""
    err = io.StringIO()
    clients = Clients(cfn=cfn, s3=None, rds=None, sts=None, region="us-east-1")
    session = Session(clients, situation_console(situation, err), FAST, sleep=lambda s: None)
    prep = Prepared(
        stack_desc("UPDATE_COMPLETE")["Stacks"][0],
        ChangeSet(CS_ARN, STACK_ID),
        "UPDATE",
        security=list(SECURITY[change]),
    )

    def prepared(session: Session, req: Request, run: Run) -> Prepared:
        return prep

    def execution_begins(*args: Any, **kwargs: Any) -> EventCursor:
        raise Executed

    monkeypatch.setattr(deploy, "prepare", prepared)
    monkeypatch.setattr(EventCursor, "before_operation", execution_begins)
    req = Request(
        STACK, topic_template(), Inputs({}, {}), yes=situation == "yes", require_approval=mode
    )
    try:
        result = deploy.run(session, req)
    except Executed:
        return "executed", err.getvalue()
    except Refused as exc:
        assert exc.exit_code == exitcodes.REFUSED
        return "refused", exc.message
    assert result.exit_code == exitcodes.FAILED
    return "declined", err.getvalue()


def expected(mode: str, change: str, situation: str) -> str:
    needs = (mode, change) in NEEDS_A_PERSON
    if situation == "n":
        return "declined"
    if situation == "y":
        return "executed"
    return "refused" if needs else "executed"


@pytest.mark.parametrize("situation", ["y", "n", "ci", "yes"])
@pytest.mark.parametrize("change", ["widening", "narrowing", "none"])
@pytest.mark.parametrize("mode", ["never", "broadening", "any-change"])
def test_require_approval_matrix(
    monkeypatch: pytest.MonkeyPatch, cfn: Any, mode: str, change: str, situation: str
) -> None:
    outcome, said = deploy_with(monkeypatch, cfn, mode, change, situation)
    assert outcome == expected(mode, change, situation)
    needs = (mode, change) in NEEDS_A_PERSON
    if situation in ("y", "n"):
        # The prompt says when the question is about access.
        assert ("changes access" in said) is needs
    if outcome == "refused":
        assert "pass --require-approval never to accept" in said.lower()
        assert "\n" not in said


def test_the_refusal_names_what_widens(monkeypatch: pytest.MonkeyPatch, cfn: Any) -> None:
    outcome, said = deploy_with(monkeypatch, cfn, "broadening", "widening", "ci")
    assert outcome == "refused"
    assert "1 row(s) widen access: IAM P" in said


def test_the_review_shows_the_security_table(monkeypatch: pytest.MonkeyPatch, cfn: Any) -> None:
    _, said = deploy_with(monkeypatch, cfn, "never", "widening", "ci")
    lines = [line for line in said.splitlines() if "s3:PutObject" in line]
    assert len(lines) == 1 and " + " in lines[0] and "widens" in lines[0]
    assert "Security changes (1: 1 widen access, 0 narrow it):" in said


def test_a_refusal_deletes_the_change_set(monkeypatch: pytest.MonkeyPatch, cfn: Any) -> None:
    err = io.StringIO()
    clients = Clients(cfn=cfn, s3=None, rds=None, sts=None, region="us-east-1")
    session = Session(clients, Console(err, None), FAST, sleep=lambda s: None)
    prep = Prepared(None, ChangeSet(CS_ARN, STACK_ID), "CREATE", security=SECURITY["widening"])

    def prepared(session: Session, req: Request, run: Run) -> Prepared:
        run.change_set_arn = CS_ARN  # as prepare() records it the moment it exists
        return prep

    monkeypatch.setattr(deploy, "prepare", prepared)
    req = Request(STACK, topic_template(), Inputs({}, {}), yes=True)
    with Stubber(cfn) as stub:
        stub.add_response("delete_change_set", {}, {"ChangeSetName": CS_ARN})
        with pytest.raises(Refused):
            deploy.run(session, req)
        stub.assert_no_pending_responses()


def test_the_pipeline_deploy_accepts_what_its_manual_approval_confirmed() -> None:
    import shlex

    import yaml

    import deploy as cli
    from tests.support.paths import ROOT

    spec = yaml.safe_load((ROOT / "buildspecs" / "deploy.yml").read_text(encoding="utf-8"))
    commands = [c for c in spec["phases"]["build"]["commands"] if "deploy.py deploy" in c]
    # The staging platform, then the application into it.
    assert len(commands) == 2
    for command in commands:
        argv = shlex.split(command)[2:]  # after python3 deploy.py
        args = cli.build_parser().parse_args(argv)
        assert (args.command, args.yes, args.require_approval) == ("deploy", True, "never")
    bare = cli.build_parser().parse_args(["deploy", "--stack-name", "s", "--template", "t"])
    assert bare.require_approval == "broadening"
