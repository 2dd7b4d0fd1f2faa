"""Hook invocations: which hooks ran against a stack or change set, what failed ones said."""

from __future__ import annotations

from typing import Any

FAILED_STATES = frozenset({"HOOK_COMPLETE_FAILED", "HOOK_FAILED"})


def results(cfn: Any, target_type: str, target_id: str) -> list[dict[str, Any]]:
    """ListHookResults for one target (STACK or CHANGE_SET and its ARN), every page."""
    # botocore has no paginator for ListHookResults.
    request: dict[str, str] = {"TargetType": target_type, "TargetId": target_id}
    found: list[dict[str, Any]] = []
    while True:
        page = cfn.list_hook_results(**request)
        found += page.get("HookResults", [])
        token = page.get("NextToken")
        if not token:
            return found
        request["NextToken"] = str(token)


def failed(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The failed invocations, one per HookResultId, in the order listed."""
    seen: set[str] = set()
    out = []
    for summary in summaries:
        rid = str(summary.get("HookResultId", ""))
        if summary.get("Status") in FAILED_STATES and rid not in seen:
            seen.add(rid)
            out.append(summary)
    return out


def result(cfn: Any, result_id: str) -> dict[str, Any]:
    """GetHookResult: the invocation with its target and annotations."""
    return dict(cfn.get_hook_result(HookResultId=result_id))


def message(invocation: dict[str, Any]) -> str:
    """The hook's own words: its status reason, then each failed annotation's message."""
    parts = [str(invocation.get("HookStatusReason") or "").strip()]
    for note in invocation.get("Annotations", []) or []:
        if note.get("Status") != "FAILED":
            continue
        said = str(note.get("StatusMessage") or note.get("RemediationMessage") or "").strip()
        name = str(note.get("AnnotationName") or "")
        parts.append(f"{name}: {said}" if name and said else said or name)
    return "; ".join(p for p in parts if p) or "no reason given"
