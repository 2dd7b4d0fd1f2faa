"""The dependency graph and critical path (cfnmodel/graph.py), and the template's structure."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cfnmodel import graph
from cfnmodel.durations import Durations, load_durations
from cfnmodel.graph import build_graph

SLOW_TYPES = ("AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup", "AWS::EC2::NatGateway")


def resources(**bodies: dict[str, Any]) -> dict[str, Any]:
    """A template dict whose resources are the keyword arguments (Type defaults to Test::T)."""
    return {
        "Parameters": {"Param": {"Type": "String"}},
        "Resources": {name: {"Type": "Test::T", **body} for name, body in bodies.items()},
    }


def needs(template: dict[str, Any], node: str) -> frozenset[str]:
    return build_graph(template).needs[node]


def weights(**seconds: float) -> Durations:
    return Durations(seconds=seconds, default_seconds=1.0)


# -- each edge kind --------------------------------------------------------------------------


def test_ref_to_a_resource_is_an_edge() -> None:
    t = resources(A={}, B={"Properties": {"X": {"Ref": "A"}}})
    assert needs(t, "B") == {"A"}


def test_ref_to_parameters_and_pseudo_parameters_is_not_an_edge() -> None:
    t = resources(A={"Properties": {"X": {"Ref": "Param"}, "Y": {"Ref": "AWS::Region"}}})
    assert needs(t, "A") == set()


def test_getatt_list_form_is_an_edge() -> None:
    t = resources(A={}, B={"Properties": {"X": {"Fn::GetAtt": ["A", "Arn"]}}})
    assert needs(t, "B") == {"A"}


def test_getatt_dotted_string_form_is_an_edge() -> None:
    t = resources(A={}, B={"Properties": {"X": {"Fn::GetAtt": "A.Endpoint.Address"}}})
    assert needs(t, "B") == {"A"}


def test_sub_string_variables_and_attributes_are_edges() -> None:
    t = resources(A={}, C={}, B={"Properties": {"X": {"Fn::Sub": "${A}:${C.Arn}"}}})
    assert needs(t, "B") == {"A", "C"}


def test_sub_ignores_pseudo_parameters_literals_and_parameters() -> None:
    text = "${AWS::StackName}-${!A}-${Param}"
    t = resources(A={}, B={"Properties": {"X": {"Fn::Sub": text}}})
    assert needs(t, "B") == set()


def test_sub_list_form_reads_the_string_and_the_variable_values() -> None:
    sub = ["${Local}-${A}", {"Local": {"Fn::GetAtt": ["C", "Arn"]}}]
    t = resources(A={}, C={}, Local={}, B={"Properties": {"X": {"Fn::Sub": sub}}})
    # `Local` is the Sub's own variable, not the resource of the same name.
    assert needs(t, "B") == {"A", "C"}


def test_sub_inside_a_dynamic_reference_is_an_edge() -> None:
    text = "{{resolve:secretsmanager:${Secret}::password}}"
    t = resources(Secret={}, Db={"Properties": {"Password": {"Fn::Sub": text}}})
    assert needs(t, "Db") == {"Secret"}


def test_depends_on_string_is_an_edge() -> None:
    t = resources(A={}, B={"DependsOn": "A"})
    assert needs(t, "B") == {"A"}


def test_depends_on_list_is_an_edge_per_item() -> None:
    t = resources(A={}, C={}, B={"DependsOn": ["A", "C"]})
    assert needs(t, "B") == {"A", "C"}


def test_both_branches_of_fn_if_are_edges() -> None:
    value = {"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "C"}]}
    t = resources(A={}, C={}, B={"Condition": "Cond", "Properties": {"X": value}})
    assert needs(t, "B") == {"A", "C"}


def test_references_in_metadata_and_update_policy_are_edges() -> None:
    t = resources(A={}, B={"Metadata": {"X": {"Ref": "A"}}})
    assert needs(t, "B") == {"A"}


def test_indirect_dependency_is_a_path() -> None:
    g = build_graph(resources(A={}, B={"DependsOn": "A"}, C={"DependsOn": "B"}))
    assert g.has_path("A", "C") and not g.has_path("C", "A")


# -- order, cycles and the critical path -----------------------------------------------------


def test_topological_order_puts_dependencies_first() -> None:
    g = build_graph(resources(C={"DependsOn": "B"}, B={"DependsOn": "A"}, A={}))
    assert graph.topological_order(g) == ["A", "B", "C"]


def test_cycle_is_reported_with_its_members() -> None:
    g = build_graph(resources(A={"DependsOn": "C"}, B={"DependsOn": "A"}, C={"DependsOn": "B"}))
    with pytest.raises(graph.CycleError) as caught:
        graph.topological_order(g)
    assert set(caught.value.cycle) == {"A", "B", "C"}


def test_critical_path_takes_the_heavier_branch_of_a_diamond() -> None:
    t = resources(
        Top={"Type": "Fast"},
        Left={"Type": "Slow", "DependsOn": "Top"},
        Right={"Type": "Fast", "DependsOn": "Top"},
        Bottom={"Type": "Fast", "DependsOn": ["Left", "Right"]},
    )
    chain = graph.critical_path(build_graph(t), weights(Slow=100, Fast=2))
    assert chain == graph.Chain(ids=("Top", "Left", "Bottom"), seconds=104)


def test_critical_path_of_parallel_resources_is_the_slowest_one() -> None:
    t = resources(A={"Type": "Slow"}, B={"Type": "Fast"}, C={"Type": "Fast"})
    chain = graph.critical_path(build_graph(t), weights(Slow=50, Fast=2))
    assert chain.ids == ("A",) and chain.seconds == 50


def test_unknown_types_take_the_default_duration() -> None:
    chain = graph.critical_path(build_graph(resources(A={"Type": "X::Y"})), weights())
    assert chain.seconds == 1.0


# -- the report ------------------------------------------------------------------------------


def rotation_template() -> dict[str, Any]:
    return resources(
        Net={"Type": "Fast"},
        Db={"Type": "AWS::RDS::DBInstance", "Properties": {"S": {"Ref": "Net"}}},
        Attach={
            "Type": "AWS::SecretsManager::SecretTargetAttachment",
            "Properties": {"T": {"Ref": "Db"}},
        },
        Rotate={"Type": "AWS::SecretsManager::RotationSchedule", "DependsOn": "Attach"},
    )


def test_report_ratio_is_critical_path_over_slowest_resource() -> None:
    durations = weights(**{"AWS::RDS::DBInstance": 100, "Fast": 10})
    report = graph.explain(rotation_template(), durations)
    assert (report.critical.seconds, report.slowest_seconds) == (112, 100)
    assert report.ratio == pytest.approx(1.12)


def test_goal_holds_when_only_attachment_and_rotation_follow_the_slowest() -> None:
    durations = weights(**{"AWS::RDS::DBInstance": 100, "Fast": 10})
    report = graph.explain(rotation_template(), durations)
    assert report.goal_holds and report.slack_seconds == 0


def test_goal_fails_when_a_needless_resource_follows_the_slowest() -> None:
    t = rotation_template()
    t["Resources"]["Build"] = {"Type": "Fast", "DependsOn": "Db"}
    report = graph.explain(t, weights(**{"AWS::RDS::DBInstance": 100, "Fast": 30}))
    assert not report.goal_holds and report.slack_seconds == -28


def test_rendered_report_names_the_limits_and_the_chain() -> None:
    report = graph.explain(rotation_template(), weights(**{"AWS::RDS::DBInstance": 100}))
    text = graph.render(report)
    assert "1,000,000-byte limit for a template read from S3" in text
    assert "inline (TemplateBody, at most 51,200 bytes) on every path" in text
    assert "Net -> Db -> Attach -> Rotate" in text


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (51_200, "inline (TemplateBody, at most 51,200 bytes) on every path"),
        (
            51_201,
            "through S3 (over the 51,200-byte TemplateBody limit): the console and deploy.py "
            "upload it themselves; `aws cloudformation deploy` needs --s3-bucket",
        ),
        (1_000_000, "through S3"),
        (1_000_001, "too large: CloudFormation refuses a template over 1,000,000 bytes"),
    ],
)
def test_the_report_says_how_each_path_takes_a_template_of_that_size(
    size: int, expected: str
) -> None:
    assert graph.upload_paths(size).startswith(expected)


def test_compact_size_is_the_minified_json_length() -> None:
    t = rotation_template()
    report = graph.explain(t, weights())
    assert report.compact_bytes == len(json.dumps(t, separators=(",", ":")))


# -- the generated template: slow resources never wait for one another ------------------------


def slow_resources(g: graph.Graph) -> list[str]:
    return [node for kind in SLOW_TYPES for node in g.of_type(kind)]


def test_template_has_each_slow_resource_type(template: dict[str, Any]) -> None:
    g = build_graph(template)
    assert all(g.of_type(kind) for kind in SLOW_TYPES)


def test_no_slow_resource_waits_for_another(template: dict[str, Any]) -> None:
    g = build_graph(template)
    assert graph.serialized_pairs(g, slow_resources(g)) == []


def test_nat_gateways_do_not_wait_for_one_another(template: dict[str, Any]) -> None:
    g = build_graph(template)
    nats = g.of_type("AWS::EC2::NatGateway")
    assert graph.serialized_pairs(g, nats) == []


def test_added_depends_on_from_cache_to_database_is_caught(template: dict[str, Any]) -> None:
    broken = copy.deepcopy(template)
    g = build_graph(broken)
    db = g.of_type("AWS::RDS::DBInstance")[0]
    cache = g.of_type("AWS::ElastiCache::ReplicationGroup")[0]
    broken["Resources"][cache]["DependsOn"] = db
    found = graph.serialized_pairs(build_graph(broken), slow_resources(g))
    assert (db, cache) in found


def test_added_depends_on_from_database_to_nat_is_caught(template: dict[str, Any]) -> None:
    broken = copy.deepcopy(template)
    g = build_graph(broken)
    db = g.of_type("AWS::RDS::DBInstance")[0]
    nat = g.of_type("AWS::EC2::NatGateway")[0]
    existing = broken["Resources"][db].get("DependsOn", [])
    existing = [existing] if isinstance(existing, str) else list(existing)
    broken["Resources"][db]["DependsOn"] = [*existing, nat]
    found = graph.serialized_pairs(build_graph(broken), slow_resources(g))
    assert (nat, db) in found


def test_template_graph_has_no_cycle(template: dict[str, Any]) -> None:
    order = graph.topological_order(build_graph(template))
    assert len(order) == len(template["Resources"])


def test_deploy_time_goal_holds(template: dict[str, Any]) -> None:
    report = graph.explain(template, load_durations())
    assert report.goal_holds, graph.render(report)


# -- generate.py --explain -------------------------------------------------------------------


def test_explain_prints_the_report_on_stderr_and_keeps_stdout_a_template() -> None:
    import subprocess
    import sys

    from tests.support.paths import ROOT

    done = subprocess.run(
        [sys.executable, "generate.py", "--explain", "--profile", "ephemeral"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Resources" in json.loads(done.stdout)
    assert "critical path" in done.stderr and "slowest resource" in done.stderr
