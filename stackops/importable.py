"""Which resources `--import-existing` can adopt, as far as the template alone tells."""

# AWS's conditions for ImportExistingResources (CloudFormation User Guide, "Import AWS resources
# into a CloudFormation stack automatically"): the resource has a static custom name in the
# template (no Ref or other function), a DeletionPolicy of Retain or RetainExceptOnCreate, belongs
# to no other stack, its type supports import, and its primary identifier is in the template and
# is not a read-only property. The first two and the last can be read offline, from the template
# and the resource provider schemas cfn-lint ships; the others need AWS.
#
# AWS documents no case where CreateChangeSet rejects the flag itself: resources that qualify are
# imported, the rest are created as usual. So nothing here refuses; what the template shows is
# said as warnings before any AWS call, because a resource the user meant to adopt that does not
# qualify ends in "already exists" halfway through the deployment.

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .datasafety.verdicts import SCHEMA_REGION, resources_of

RETAINED = frozenset({"Retain", "RetainExceptOnCreate"})


@dataclass(frozen=True)
class Candidate:
    logical_id: str
    resource_type: str
    identifiers: tuple[str, ...]  # the primary identifier's properties
    static: bool  # every identifier is a literal string in the template
    retained: bool  # DeletionPolicy Retain or RetainExceptOnCreate
    read_only: bool  # the identifier is read-only: AWS cannot import the type by name

    @property
    def eligible(self) -> bool:
        return self.static and self.retained and not self.read_only

    def why_not(self) -> str:
        if self.read_only:
            return f"its identifier {', '.join(self.identifiers)} is read-only"
        if not self.static:
            return f"{', '.join(self.identifiers)} is not set to a literal name in the template"
        return "its DeletionPolicy is not Retain or RetainExceptOnCreate"


def _identifiers(resource_type: str) -> tuple[tuple[str, ...], bool]:
    """The primary identifier's top-level properties, and whether any of them is read-only."""
    # Imported here: cfn-lint takes most of a second to import, and only this flag needs it.
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except ResourceNotFoundError:
        return (), False
    primary = [str(p) for p in schema.get("primaryIdentifier") or []]
    read_only = set(schema.get("readOnlyProperties") or [])
    names = tuple(p.removeprefix("/properties/") for p in primary)
    return names, any(p in read_only for p in primary)


def candidates(template: Mapping[str, Any]) -> list[Candidate]:
    """Every resource that names a custom identifier or is retained: what the flag may touch."""
    found = []
    for logical_id, body in resources_of(template).items():
        resource_type = str(body.get("Type", ""))
        names, read_only = _identifiers(resource_type)
        if not names:
            continue
        props = body.get("Properties") or {}
        given = [n for n in names if n in props]
        retained = str(body.get("DeletionPolicy", "")) in RETAINED
        if not given and not retained:
            continue  # a generated name and no policy: plainly a resource to create
        static = len(given) == len(names) and all(isinstance(props[n], str) for n in names)
        found.append(Candidate(logical_id, resource_type, names, static, retained, read_only))
    return found


def warnings(template: Mapping[str, Any]) -> list[str]:
    """What `--import-existing` will not do with this template, one line each."""
    found = candidates(template)
    lines = [
        f"--import-existing: {c.logical_id} ({c.resource_type}) cannot be imported: {c.why_not()}"
        for c in found
        if not c.eligible
    ]
    if not any(c.eligible for c in found):
        lines.append(
            "--import-existing: no resource in the template can be imported (AWS needs a "
            "literal custom name and DeletionPolicy Retain or RetainExceptOnCreate); "
            "every resource will be created"
        )
    return lines
