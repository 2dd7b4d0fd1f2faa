"""The pipeline's stages as a Mermaid diagram, read from the built template.

`python -m templates.diagram` rewrites the diagram between the markers in docs/pipeline.md;
`--check` only says whether it is current (exit 1 when not). The diagram is drawn from the
template, not written by hand, so it shows what CloudFormation deploys: the stages in order,
each action's provider, project and buildspec, and the pipeline variables that pass between
actions (tests/templates/test_build_pipeline_diagram.py regenerates and compares it).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "pipeline.md"
START = "<!-- pipeline-diagram:start (python -m templates.diagram) -->"
END = "<!-- pipeline-diagram:end -->"
VARIABLE = re.compile(r"#\{([A-Za-z0-9_@-]+)\.([A-Za-z0-9_@-]+)\}")


def _pipeline(template: dict[str, Any]) -> dict[str, Any]:
    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    props: dict[str, Any] = pipeline["Properties"]
    return props


def _choices(action: dict[str, Any]) -> list[dict[str, Any]]:
    """The action, or both branches of an Fn::If that chooses it at deploy time."""
    if "Fn::If" in action:
        return [a for a in action["Fn::If"][1:] if isinstance(a, dict)]
    return [action]


def _describe(template: dict[str, Any], action: dict[str, Any]) -> str:
    provider = action["ActionTypeId"]["Provider"]
    config = action.get("Configuration") or {}
    if provider == "CodeBuild":
        logical = config["ProjectName"]["Ref"]
        props = template["Resources"][logical]["Properties"]
        lines = [logical, props["Source"]["BuildSpec"], *_targets(template, props)]
        return "<br/>".join(lines)
    if provider == "S3":
        return f"S3: {config['S3ObjectKey']}"
    if provider == "Manual":
        topic = config["NotificationArn"]["Ref"]
        return f"manual approval<br/>notifies {topic}"
    return str(provider)


# The project variables that name what a deploy project changes, in the order its buildspec
# does: the platform stack it creates, the bootstrap job it runs, the application stack.
TARGET_VARIABLES = ("PLATFORM_STACK_NAME", "BOOTSTRAP_PROJECT", "STACK_NAME")


def _targets(template: dict[str, Any], props: dict[str, Any]) -> list[str]:
    """`→ <name>` for each target the project's environment names, then the boundary its role
    carries, if any."""
    env = {v["Name"]: v["Value"] for v in props["Environment"].get("EnvironmentVariables", [])}
    lines = [f"→ {_name(env[n])}" for n in TARGET_VARIABLES if n in env]
    role = template["Resources"][props["ServiceRole"]["Fn::GetAtt"][0]]["Properties"]
    boundary = role.get("PermissionsBoundary", {}).get("Ref")
    return [*lines, f"bounded by {boundary}"] if boundary else lines


def _name(value: Any) -> str:
    text = value.get("Fn::Sub", "") if isinstance(value, dict) else str(value)
    # Mermaid's entity codes: a bare <suffix> would be read as an HTML tag.
    return str(text).replace("${EnvironmentSuffix}", "#lt;suffix#gt;")


def _passed(stages: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """(from stage, to stage, variable names) for each #{Namespace.NAME} an action reads."""
    owner = {
        a.get("Namespace"): s["Name"] for s in stages for a in s["Actions"] if "Namespace" in a
    }
    edges = []
    for stage in stages:
        text = json.dumps(stage["Actions"])
        names: dict[str, list[str]] = {}
        for namespace, name in VARIABLE.findall(text):
            if namespace in owner and name not in names.setdefault(namespace, []):
                names[namespace].append(name)
        edges += [(owner[ns], stage["Name"], sorted(n)) for ns, n in names.items()]
    return edges


def mermaid(template: dict[str, Any]) -> str:
    """The diagram: a flowchart of the stages, left to right, with the variables passed."""
    stages = _pipeline(template)["Stages"]
    lines = ["flowchart LR"]
    for stage in stages:
        alternatives = [_describe(template, a) for a in stage["Actions"] for a in _choices(a)]
        label = "<br/>or ".join(alternatives)
        lines.append(f'  {stage["Name"]}["<b>{stage["Name"]}</b><br/>{label}"]')
    names = [s["Name"] for s in stages]
    lines += [f"  {a} --> {b}" for a, b in itertools.pairwise(names)]
    lines += [f'  {a} -. "{", ".join(v)}" .-> {b}' for a, b, v in _passed(stages)]
    return "\n".join(lines)


def rendered(doc: str, diagram: str) -> str:
    """`doc` with the block between the markers replaced by `diagram`."""
    head, start, rest = doc.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"{DOC.name} lacks the markers {START!r} ... {END!r}")
    return f"{head}{START}\n```mermaid\n{diagram}\n```\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    from templates import build_template

    args = sys.argv[1:] if argv is None else argv
    template = json.loads(build_template("production").to_json())
    doc = DOC.read_text(encoding="utf-8")
    new = rendered(doc, mermaid(template))
    if args == ["--check"]:
        if new != doc:
            print(f"{DOC} is out of date: run python -m templates.diagram", file=sys.stderr)
            return 1
        return 0
    if args:
        print("usage: python -m templates.diagram [--check]", file=sys.stderr)
        return 4
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
