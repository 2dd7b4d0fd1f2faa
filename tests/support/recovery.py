"""Stand-ins on moto's in-process server for the recovery calls moto 5.2.5 lacks or ignores:
RollbackStack and ContinueUpdateRollback (absent), DeleteStack's DeletionMode (ignored) and
resource states in ListStackResources (always CREATE_COMPLETE). Each records what deploy.py
sent, so a test can assert on the request as AWS would receive it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

# Where each call leaves a stack, as AWS documents it.
_ROLLED_BACK = {"CREATE_FAILED": "ROLLBACK_COMPLETE", "UPDATE_FAILED": "UPDATE_ROLLBACK_COMPLETE"}


@dataclass
class Recorded:
    """The recovery calls the server received, by action, in order, with their parameters."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # stack name -> {logical ID: resource status} that ListStackResources reports instead.
    resource_states: dict[str, dict[str, str]] = field(default_factory=dict)

    def of(self, action: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == action]


def _params(response: Any, *names: str) -> dict[str, Any]:
    return {n: response._get_param(n) for n in names if response._get_param(n) is not None}


def install(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """Patch moto's CloudFormation responses for this test; returns what they record."""
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    recorded = Recorded()
    delete_stack = CloudFormationResponse.delete_stack
    list_resources = CloudFormationResponse.list_stack_resources

    def rollback_stack(self: Any) -> Any:
        recorded.calls.append(("RollbackStack", _params(self, "StackName", "ClientRequestToken")))
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        end = _ROLLED_BACK[stack.status]
        stack._add_stack_event(end.replace("_COMPLETE", "_IN_PROGRESS"))
        stack._add_stack_event(end)
        stack.status = end
        return ActionResult({"StackId": stack.stack_id})

    def continue_update_rollback(self: Any) -> Any:
        names = ("StackName", "ClientRequestToken", "ResourcesToSkip")
        recorded.calls.append(("ContinueUpdateRollback", _params(self, *names)))
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS")
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        return EmptyResult()

    def recorded_delete(self: Any) -> Any:
        names = ("StackName", "ClientRequestToken", "DeletionMode")
        recorded.calls.append(("DeleteStack", _params(self, *names)))
        return delete_stack(self)

    def listed(self: Any) -> Any:
        answer = list_resources(self)
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        states = recorded.resource_states.get(stack.name, {})
        rows: list[dict[str, Any]] = answer.result["StackResourceSummaries"]  # type: ignore[index]
        for row in rows:
            row["ResourceStatus"] = states.get(row["LogicalResourceId"], row["ResourceStatus"])
        return answer

    monkeypatch.setattr(CloudFormationResponse, "rollback_stack", rollback_stack, raising=False)
    monkeypatch.setattr(
        CloudFormationResponse, "continue_update_rollback", continue_update_rollback, raising=False
    )
    monkeypatch.setattr(CloudFormationResponse, "delete_stack", recorded_delete)
    monkeypatch.setattr(CloudFormationResponse, "list_stack_resources", listed)
    return recorded
