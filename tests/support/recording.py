"""moto's CloudFormation handlers, recording what deploy.py sent and filling two gaps of moto.

moto (5.2.5) stores RoleARN but drops RollbackConfiguration and DeleteStack's RoleARN, and
GetTemplate ignores ChangeSetName. Patched in-process (the server runs in the test process):
every CreateChangeSet and DeleteStack is recorded with its query parameters as received, and
GetTemplate answers a ChangeSetName with that change set's template, as CloudFormation does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Received:
    """Query parameters of each call, in order; keys as on the wire (RollbackConfiguration...)."""

    create_change_set: list[dict[str, str]] = field(default_factory=list)
    delete_stack: list[dict[str, str]] = field(default_factory=list)
    execute_change_set: list[str] = field(default_factory=list)


def _flat(querystring: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in querystring.items() if values}


def record_calls(monkeypatch: pytest.MonkeyPatch, backend: Callable[[], Any]) -> Received:
    from moto.cloudformation.responses import CloudFormationResponse

    seen = Received()
    create: Callable[[Any], Any] = CloudFormationResponse.create_change_set
    delete: Callable[[Any], Any] = CloudFormationResponse.delete_stack
    execute: Callable[[Any], Any] = CloudFormationResponse.execute_change_set
    get_template: Callable[[Any], Any] = CloudFormationResponse.get_template

    def create_change_set(self: Any) -> Any:
        seen.create_change_set.append(_flat(self.querystring))
        return create(self)

    def delete_stack(self: Any) -> Any:
        seen.delete_stack.append(_flat(self.querystring))
        return delete(self)

    def execute_change_set(self: Any) -> Any:
        seen.execute_change_set.append(str(self._get_param("ChangeSetName")))
        return execute(self)

    def template_of(self: Any) -> Any:
        name = self._get_param("ChangeSetName")
        if not name:
            return get_template(self)
        from moto.core.responses import ActionResult

        change_set = backend().describe_change_set(change_set_name=name)
        return ActionResult({"TemplateBody": change_set.template})

    monkeypatch.setattr(CloudFormationResponse, "create_change_set", create_change_set)
    monkeypatch.setattr(CloudFormationResponse, "delete_stack", delete_stack)
    monkeypatch.setattr(CloudFormationResponse, "execute_change_set", execute_change_set)
    monkeypatch.setattr(CloudFormationResponse, "get_template", template_of)
    return seen
