"""docs/pipeline.md's diagram is the one the built template draws."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from templates.diagram import DOC, END, START, main, mermaid, rendered
from tests.support.cfn import resources
from tests.support.profiles import PIPELINE_PROFILES

PROFILES = PIPELINE_PROFILES


def test_the_documented_diagram_is_regenerated_from_the_template(
    production: dict[str, Any],
) -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert rendered(doc, mermaid(production)) == doc, "run: python -m templates.diagram"
    assert main(["--check"]) == 0


def test_the_diagram_shows_every_stage_in_order_and_the_variables_passed(
    production: dict[str, Any],
) -> None:
    diagram = mermaid(production)
    (pipeline,) = resources(production, "AWS::CodePipeline::Pipeline").values()
    names = [s["Name"] for s in pipeline["Properties"]["Stages"]]
    for before, after in itertools.pairwise(names):
        assert f"  {before} --> {after}" in diagram.splitlines()
    assert '  PlanProduction -. "CHANGE_SET_ARN" .-> DeployProduction' in diagram
    assert '  PlanProduction -. "REVIEW_URL, SUMMARY" .-> Approval' in diagram
    assert "buildspecs/execute.yml" in diagram and "notifies ApprovalTopic" in diagram


def test_a_changed_pipeline_makes_the_check_fail(production: dict[str, Any]) -> None:
    (logical,) = resources(production, "AWS::CodePipeline::Pipeline")
    stages = production["Resources"][logical]["Properties"]["Stages"]
    shorter = {
        **production,
        "Resources": {
            **production["Resources"],
            logical: {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"Stages": stages[:-1]}},
        },
    }
    doc = DOC.read_text(encoding="utf-8")
    assert rendered(doc, mermaid(shorter)) != doc


def test_a_page_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the markers"):
        rendered("# no diagram here\n", "flowchart LR")
    assert START in DOC.read_text(encoding="utf-8") and END in DOC.read_text(encoding="utf-8")


def test_the_diagram_shows_what_each_deploy_stage_changes_in_order(
    production: dict[str, Any],
) -> None:
    lines = {line.split("[", 1)[0].strip(): line for line in mermaid(production).splitlines()}
    staging = lines["DeployStaging"]
    targets = ["edu-platform-#lt;suffix#gt;-stg", "edu-db-bootstrap-#lt;suffix#gt;-stg",
               "edu-app-staging-#lt;suffix#gt;-stg"]  # fmt: skip
    positions = [staging.index(f"→ {t}") for t in targets]
    assert positions == sorted(positions)
    assert staging.endswith('bounded by StagingBoundary"]')
    production_line = lines["DeployProduction"]
    assert production_line.index("→ edu-db-bootstrap-#lt;suffix#gt;<") < production_line.index(
        "→ edu-app-production-#lt;suffix#gt;"
    )
    assert "bounded by" not in production_line
