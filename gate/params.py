"""The parameter values the gate judges a template with, and the template each layer reads.

A deploy passes values; each layer must judge what will be deployed. cfn-lint takes them as its
own parameter set (layers.lint_findings); checkov, which reads parameter defaults but does not
decide conditions, reads a copy of the template resolved as CloudFormation will deploy it; the
controls read the same resolution (controls.GuardRun).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cfnmodel.resolve import resolved
from stackops import inputs

Values = dict[str, str]


def read_values(
    template_path: Path, parameter_file: Path | None, parameter_flags: list[str] | None
) -> Values:
    """The values of `--parameters FILE` (any of deploy's three formats) and `--parameter K=V`.

    Read and checked by deploy's own readers (stackops.inputs), so `validate` accepts exactly
    what `plan` and `deploy` accept; a mistake raises BadInput (exit 4).
    """
    if parameter_file is None and not parameter_flags:
        return {}
    template = inputs.load_template(template_path)
    return dict(inputs.resolve(template, parameter_file, parameter_flags, None).parameters)


def stand_ins(template: Mapping[str, Any], given: Mapping[str, str]) -> Values:
    """A value for each parameter with neither a given value nor a default.

    The template is still judged without them: the first allowed value, the minimum, or a short
    lowercase word (`aa`), which most patterns accept.
    """
    found: Values = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in given or not isinstance(spec, dict) or "Default" in spec:
            continue
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and allowed:
            found[name] = str(allowed[0])
        elif str(spec.get("Type")) in ("Number", "List<Number>"):
            found[name] = str(spec.get("MinValue", 1))
        else:
            found[name] = "a" * max(2, int(spec.get("MinLength", 2)))
    return found


def deployed(template: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """The template resolved with `values` (stand-ins for the missing): what AWS would get.

    Conditions are decided and gone, so no tool mistakes a decided condition for a broken one.
    """
    out = resolved(template, {**stand_ins(template, values), **values})
    out.pop("Conditions", None)
    for section in ("Resources", "Outputs"):
        for body in (out.get(section) or {}).values():
            if isinstance(body, dict):
                body.pop("Condition", None)
    return out


def write_json(document: Mapping[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path
