"""stackops.datasafety.decision: the one reading of --allow-replacement, and its messages."""

from __future__ import annotations

from stackops.datasafety.decision import Decision, decide, judge, refusal_message, refusals
from stackops.datasafety.verdicts import Verdict, assess
from tests.support.resources import bucket, db, template


def verdict(**fields: object) -> Verdict:
    base: dict[str, object] = {
        "logical_id": "Db",
        "resource_type": "AWS::RDS::DBInstance",
        "action": "Modify",
        "replacement": None,
        "source": "offline",
        "properties": (),
        "stateful": True,
        "refused": False,
        "reason": "Db is updated",
    }
    return Verdict(**{**base, **fields})  # type: ignore[arg-type]


def only(verdicts: list[Verdict], logical_id: str) -> Verdict:
    (found,) = [v for v in verdicts if v.logical_id == logical_id]
    return found


def test_refused_verdict_is_refused() -> None:
    assert decide(verdict(refused=True, replacement="True"), frozenset()) is Decision.REFUSE


def test_refused_verdict_named_by_the_flag_is_allowed() -> None:
    allowed = decide(verdict(refused=True, replacement="True"), frozenset({"Db"}))
    assert allowed is Decision.ALLOWED


def test_flag_naming_another_resource_does_not_help() -> None:
    refused = decide(verdict(refused=True, replacement="True"), frozenset({"Other"}))
    assert refused is Decision.REFUSE


def test_stateful_offline_conditional_is_a_warning() -> None:
    assert decide(verdict(replacement="Conditional"), frozenset()) is Decision.WARN


def test_stateless_conditional_is_fine() -> None:
    stateless = verdict(replacement="Conditional", stateful=False, resource_type="AWS::SNS::Topic")
    assert decide(stateless, frozenset()) is Decision.FINE


def test_in_place_update_is_fine() -> None:
    assert decide(verdict(replacement="False"), frozenset()) is Decision.FINE


def test_allow_replacement_lets_exactly_the_named_id_through() -> None:
    old = template(Primary=db(), Replica=db())
    new = template(Primary=db(DBName="a"), Replica=db(DBName="b"))
    judged = judge(assess([], old, new), allow=["Primary"])
    assert [v.logical_id for v in refusals(judged)] == ["Replica"]
    assert {j.verdict.logical_id: j.decision for j in judged}["Primary"] is Decision.ALLOWED


def test_refusal_message_names_resource_property_and_flag() -> None:
    v = only(assess([], template(Db=db()), template(Db=db(DBName="x"))), "Db")
    message = refusal_message(v)
    assert "Db" in message
    assert "DBName" in message
    assert "--allow-replacement Db" in message


def test_removal_message_names_the_flag() -> None:
    v = only(assess([], template(Files=bucket()), template()), "Files")
    assert "--allow-replacement Files" in refusal_message(v)


def test_refusal_message_lists_every_blamed_property() -> None:
    v = verdict(refused=True, reason="Db would be replaced", properties=("DBName", "Engine"))
    assert refusal_message(v) == (
        "refused: Db would be replaced (property: DBName, Engine). "
        "If this is intended, rerun with --allow-replacement Db"
    )


def test_refusal_message_without_a_property_blames_none() -> None:
    v = verdict(refused=True, reason="Db would be deleted")
    assert refusal_message(v) == (
        "refused: Db would be deleted. If this is intended, rerun with --allow-replacement Db"
    )
