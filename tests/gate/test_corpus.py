"""The mutation corpus and the comparison of three checkers on it (bench/gate_compare.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import gate_compare
from tests.support.mutations import MUTATIONS


@pytest.fixture(scope="module")
def comparison() -> gate_compare.Comparison:
    return gate_compare.compare()


def test_corpus_has_at_least_25_documented_mutations() -> None:
    names = [m.name for m in MUTATIONS]
    assert len(set(names)) == len(names) >= 25
    assert all(m.what and m.aws_error and m.profiles for m in MUTATIONS)


def test_corpus_keeps_the_three_historic_blockers() -> None:
    assert {m.name for m in MUTATIONS} >= {
        "historic-secret-not-created",
        "historic-artifact-stores",
        "historic-literal-password",
    }


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_mutation_changes_a_copy_of_every_profile_it_names(
    mutation: Any, built_templates: dict[str, dict[str, Any]]
) -> None:
    assert mutation.profiles
    for profile in mutation.profiles:
        base = built_templates[profile]
        before = json.dumps(base, sort_keys=True)
        mutated = mutation.mutate(base)
        assert json.dumps(base, sort_keys=True) == before
        assert json.dumps(mutated, sort_keys=True) != before


@pytest.mark.slow
def test_unmutated_templates_have_no_project_gate_finding(
    comparison: gate_compare.Comparison,
) -> None:
    assert {p: v["project gate"] for p, v in comparison.base_findings.items()} == {
        "production": [],
        "ephemeral": [],
    }


@pytest.mark.slow
def test_project_gate_catches_at_least_90_percent(comparison: gate_compare.Comparison) -> None:
    missed = [
        f"{c.mutation}[{c.profile}]" for c in comparison.cases if not c.caught["project gate"]
    ]
    assert comparison.rate("project gate") >= 0.9, f"missed: {missed}"


@pytest.mark.slow
def test_comparison_counts_come_from_the_cases(comparison: gate_compare.Comparison) -> None:
    expected_cases = sum(len(m.profiles) for m in MUTATIONS)
    assert expected_cases and len(comparison.cases) == expected_cases
    assert gate_compare.CHECKERS
    for checker in gate_compare.CHECKERS:
        counted = sum(1 for c in comparison.cases if c.caught[checker])
        assert comparison.caught(checker) == counted
        assert f"| {checker} | {counted}/{expected_cases} |" in comparison.table()


@pytest.mark.slow
def test_project_gate_catches_everything_the_other_checkers_catch(
    comparison: gate_compare.Comparison,
) -> None:
    assert comparison.cases
    for case in comparison.cases:
        if case.caught["cfn-lint + checkov"]:
            assert case.caught["project gate"], case.mutation
