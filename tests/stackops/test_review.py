"""stackops.review: the change table and the data-safety decision on each row."""

from __future__ import annotations

from stackops.datasafety.decision import Decision, Judged
from stackops.datasafety.verdicts import Verdict
from stackops.review import ChangeRow, rows, table, with_decisions

REAL_CHANGES = [
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Db",
            "PhysicalResourceId": "edu-db",
            "ResourceType": "AWS::RDS::DBInstance",
            "Replacement": "True",
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "AllocatedStorage",
                        "RequiresRecreation": "Never",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                },
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "DBName",
                        "RequiresRecreation": "Always",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                },
            ],
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Cache",
            "ResourceType": "AWS::ElastiCache::ReplicationGroup",
            "Replacement": "Conditional",
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "NumCacheClusters",
                        "RequiresRecreation": "Conditionally",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ],
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Logs",
            "ResourceType": "AWS::Logs::LogGroup",
            "Replacement": "False",
            "Details": [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "RetentionInDays",
                        "RequiresRecreation": "Never",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ],
        },
    },
]


def test_rows_carry_replacement_and_the_property_that_forces_it() -> None:
    got = {r.logical_id: (r.replacement, r.properties) for r in rows(REAL_CHANGES)}
    assert got == {
        "Db": ("True", ("DBName",)),
        "Cache": ("Conditional", ("NumCacheClusters",)),
        "Logs": ("False", ("RetentionInDays",)),
    }


def test_table_lists_action_id_type_replacement_and_cause() -> None:
    lines = table(rows(REAL_CHANGES))
    assert lines[0].split()[:3] == ["ACTION", "LOGICAL", "ID"]
    assert lines[1].split()[:5] == ["Modify", "Db", "AWS::RDS::DBInstance", "True", "DBName"]


def test_verdicts_fill_in_what_the_change_set_lacks() -> None:
    change = {"Action": "Modify", "LogicalResourceId": "Db", "ResourceType": "AWS::RDS::DBInstance"}
    bare = [{"Type": "Resource", "ResourceChange": change}]
    verdict = Verdict("Db", "AWS::RDS::DBInstance", "Modify", "True", "offline", ("DBName",),
                      True, True, "Db would be replaced")  # fmt: skip
    (row,) = with_decisions(rows(bare), [Judged(verdict, Decision.REFUSE)])
    assert (row.replacement, row.properties, row.verdict) == ("True", ("DBName",), "REFUSED")


def test_offline_only_refusal_gets_a_row_of_its_own() -> None:
    verdict = Verdict("Data", "AWS::S3::Bucket", "Remove", None, "offline", (),
                      True, True, "Data would be removed")  # fmt: skip
    (row,) = with_decisions([], [Judged(verdict, Decision.REFUSE)])
    assert (row.logical_id, row.action, row.verdict) == ("Data", "Remove", "REFUSED")


def test_each_row_shows_the_decision_it_is_given() -> None:
    verdict = Verdict("Db", "AWS::RDS::DBInstance", "Modify", "True", "offline", ("DBName",),
                      True, True, "Db would be replaced")  # fmt: skip
    (row,) = with_decisions([], [Judged(verdict, Decision.ALLOWED)])
    assert row.verdict == "ALLOWED by --allow-replacement"


def topic_may_be_replaced() -> Verdict:
    return Verdict("Alerts", "AWS::SNS::Topic", "Modify", "Conditional", "offline",
                   ("TopicName",), False, False, "Alerts may be replaced")  # fmt: skip


def test_stateless_conditional_in_the_change_set_is_not_a_warning() -> None:
    change = {"Action": "Modify", "LogicalResourceId": "Alerts", "ResourceType": "AWS::SNS::Topic"}
    bare = [{"Type": "Resource", "ResourceChange": change}]
    (row,) = with_decisions(rows(bare), [Judged(topic_may_be_replaced(), Decision.FINE)])
    assert row.verdict == ""


def test_stateless_conditional_predicted_offline_only_is_not_a_warning_either() -> None:
    # The two row sources once disagreed here: only the decision decides the word.
    (row,) = with_decisions([], [Judged(topic_may_be_replaced(), Decision.FINE)])
    assert (row.logical_id, row.replacement, row.verdict) == ("Alerts", "Conditional", "")


def test_a_rows_json_carries_its_causes_and_verdict_only_when_it_has_them() -> None:
    plain = ChangeRow("Add", "Topic", "AWS::SNS::Topic", None, ())
    assert plain.as_dict() == {
        "logical_id": "Topic", "type": "AWS::SNS::Topic", "action": "Add", "replacement": None,
    }  # fmt: skip
    judged = ChangeRow("Modify", "Db", "AWS::RDS::DBInstance", "True", ("Engine",), "REFUSED")
    assert judged.as_dict() == {
        "logical_id": "Db", "type": "AWS::RDS::DBInstance", "action": "Modify",
        "replacement": "True", "caused_by": ["Engine"], "safety": "REFUSED",
    }  # fmt: skip
