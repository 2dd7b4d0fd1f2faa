"""The runner: skip flag, nothing asked for a template with nothing to check, blockers as one
BadInput (exit 4) with a fix each, skips as lines; and the permission table as documented."""

from __future__ import annotations

import re
from typing import Any

import pytest

from clikit import exitcodes
from stackops import preflight
from stackops.errors import BadInput
from stackops.preflight.permissions import PERMISSIONS
from tests.support.paths import ROOT
from tests.support.preflight import (
    client,
    moto_session,
    request,
    resource,
    stubbed_session,
    with_resources,
)

LOGS = with_resources(Logs=resource("AWS::Logs::LogGroup", LogGroupName="/edu/app"))


def test_skip_preflight_says_so_and_asks_nothing() -> None:
    session, err = stubbed_session()  # every client None: any call would fail
    preflight.run(session, request(LOGS, skip_preflight=True), None)
    assert err.getvalue() == "Account preflight skipped (--skip-preflight).\n"


def test_a_template_with_nothing_to_check_asks_nothing() -> None:
    session, err = stubbed_session()
    topics = with_resources(Topic=resource("AWS::SNS::Topic"))
    preflight.run(session, request(topics), None)
    assert err.getvalue() == ""


def test_blockers_are_bad_input_with_a_fix_per_line(account: str) -> None:
    client(account, "logs").create_log_group(logGroupName="/edu/app")
    session, _ = moto_session(account)
    with pytest.raises(BadInput) as caught:
        preflight.run(session, request(LOGS), None)
    assert caught.value.exit_code == exitcodes.BAD_INPUT
    assert caught.value.details == [
        "BLOCKER log group names: Logs /edu/app: a log group of this name exists in us-east-1; "
        "fix: choose another LogGroupName, or delete that log group (or import it into the stack)"
    ]


def test_a_clean_run_says_how_much_it_checked(account: str) -> None:
    session, err = moto_session(account)
    preflight.run(session, request(LOGS), None)
    assert err.getvalue() == "Account preflight: 1 check(s) passed.\n"


def test_the_permission_table_is_the_documented_one() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text.split("## Account preflight", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", section, re.MULTILINE)
    documented = {check: perm.replace("`", "") for check, perm in rows[2:]}
    assert documented == {check: needs.permission for check, needs in PERMISSIONS.items()}


class Unparsable:
    """A client whose every call gets what moto's 500 gives botocore: no parseable answer."""

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            from botocore.parsers import ResponseParserError

            raise ResponseParserError("Unable to parse response (500)")

        return call


def test_an_unparsable_answer_is_one_skip_line_and_the_run_goes_on() -> None:
    sts = Unparsable()
    session, err = stubbed_session(sts=sts, logs=Unparsable())
    preflight.run(session, request(LOGS), None)
    lines = err.getvalue().splitlines()
    reason = "the endpoint gave no parseable answer; it may not implement this API"
    assert lines == [
        "preflight: skipped checks that need the account or the caller: GetCallerIdentity "
        f"failed ({reason})",
        f"preflight: skipped log group names: {reason}",
    ]
