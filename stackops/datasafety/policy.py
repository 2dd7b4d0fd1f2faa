"""Stack policies: built from the stateful resources, set around an execution, always restored."""

# ExecuteChangeSet takes no StackPolicyDuringUpdateBody, so a run that lets a stateful resource
# be replaced (``--allow-replacement``) opens the policy for exactly those logical IDs, executes,
# and restores the protective policy afterwards, whatever happens in between.

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..aws import stacks
from ..aws.errors import degraded_reason
from ..errors import OperationFailed
from ..follow import signals
from .verdicts import STATEFUL_TYPES, resources_of

Warn = Callable[[str], None]


def stateful_ids(template: Mapping[str, Any]) -> list[str]:
    """Logical IDs of the template's stateful resources, sorted."""
    return sorted(
        lid for lid, res in resources_of(template).items() if res.get("Type") in STATEFUL_TYPES
    )


def _policy(denied: list[str]) -> dict[str, Any]:
    statements: list[dict[str, Any]] = []
    if denied:
        statements.append(
            {
                "Effect": "Deny",
                "Action": ["Update:Replace", "Update:Delete"],
                "Principal": "*",
                "Resource": [f"LogicalResourceId/{lid}" for lid in denied],
            }
        )
    statements.append({"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"})
    policy = {"Statement": statements}
    problems = policy_problems(policy)
    if problems:
        raise ValueError("; ".join(problems))
    return policy


def protective_policy(template: Mapping[str, Any]) -> dict[str, Any]:
    """Stack policy: deny Update:Replace and Update:Delete on stateful IDs, allow the rest."""
    return _policy(stateful_ids(template))


def opened_policy(template: Mapping[str, Any], allow: Iterable[str]) -> dict[str, Any]:
    """The protective policy with the named logical IDs (and only those) opened."""
    opened = set(allow)
    return _policy([lid for lid in stateful_ids(template) if lid not in opened])


_POLICY_ACTIONS = frozenset({"Update:*", "Update:Modify", "Update:Replace", "Update:Delete"})
_LOGICAL_ID = re.compile(r"^LogicalResourceId/[A-Za-z0-9*]+$")


def policy_problems(policy: Mapping[str, Any]) -> list[str]:
    """What is wrong with a stack policy's shape (empty when it is valid)."""
    statements = policy.get("Statement")
    if not isinstance(statements, list) or not statements:
        return ["Statement must be a non-empty list"]
    problems = []
    for i, st in enumerate(statements):
        if not isinstance(st, Mapping):
            problems.append(f"Statement[{i}] must be an object")
            continue
        if st.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"Statement[{i}].Effect must be Allow or Deny")
        actions = st.get("Action")
        actions = [actions] if isinstance(actions, str) else actions
        if not actions or any(a not in _POLICY_ACTIONS for a in actions):
            problems.append(f"Statement[{i}].Action must be Update:* actions, got {actions!r}")
        if st.get("Principal") != "*":
            problems.append(f"Statement[{i}].Principal must be '*'")
        resources = st.get("Resource")
        resources = [resources] if isinstance(resources, str) else resources
        if not resources or any(r != "*" and not _LOGICAL_ID.match(str(r)) for r in resources):
            problems.append(
                f"Statement[{i}].Resource must be '*' or LogicalResourceId/ID, got {resources!r}"
            )
    return problems


def merged_template(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Resources of both templates, so a policy also covers what an update is removing."""
    resources = dict((old or {}).get("Resources") or {})
    resources.update((new or {}).get("Resources") or {})
    return {"Resources": resources}


def set_policy(cfn: Any, stack_name: str, policy: dict[str, Any]) -> None:
    problems = policy_problems(policy)
    if problems:
        raise ValueError(f"refusing to set a malformed stack policy: {'; '.join(problems)}")
    stacks.set_policy(cfn, stack_name, policy)


class Execution:
    """Handed to the block inside ``policy_around_execution``: the command reports the outcome."""

    def __init__(self) -> None:
        self.status: str | None = None

    def finished(self, status: str) -> None:
        self.status = status

    @property
    def create_failed(self) -> bool:
        """A first create that did not complete: the stack holds no data to protect."""
        status = self.status or ""
        return "ROLLBACK" in status or status.startswith("DELETE") or status.endswith("FAILED")


@contextmanager
def policy_around_execution(
    cfn: Any,
    stack_name: str,
    *,
    creating: bool,
    old_template: Mapping[str, Any] | None,
    new_template: Mapping[str, Any],
    allow: Iterable[str],
    warn: Warn,
) -> Iterator[Execution]:
    """Wrap ExecuteChangeSet and the follow-up: the right policy before, the protective after.

    - create: the protective policy is set once the stack exists, i.e. after this block
      (CreateChangeSet takes no StackPolicyBody); not after a failed create, which holds no data.
    - update: the protective policy (or, with ``allow``, one opened for exactly those IDs) is set
      before executing, so a replacement the check could not foresee is still denied by
      CloudFormation; afterwards the protective policy is restored, also on failure and
      interruption.
    """
    merged = merged_template(old_template, new_template)
    protective = protective_policy(merged)
    if not creating:
        _open_before_update(cfn, stack_name, merged, sorted(set(allow)), warn)
    execution = Execution()
    failed = False
    try:
        yield execution
    except OperationFailed:
        failed = True
        raise
    finally:
        if not (creating and (failed or execution.create_failed)):
            # A second Ctrl-C must not skip the restore.
            with signals.held():
                _restore(cfn, stack_name, protective, warn)


def _open_before_update(
    cfn: Any, stack_name: str, merged: dict[str, Any], allowed: list[str], warn: Warn
) -> None:
    before = opened_policy(merged, allowed) if allowed else protective_policy(merged)
    try:
        set_policy(cfn, stack_name, before)
    except Exception as exc:
        reason = degraded_reason(exc)
        if reason is None:
            raise
        if allowed:
            # The old policy still denies the replacement: executing would only fail later.
            raise OperationFailed(
                f"could not open the stack policy for {', '.join(allowed)}: {reason}"
            ) from None
        warn(f"could not set the protective stack policy before the update: {reason}")


def _restore(cfn: Any, stack_name: str, protective: dict[str, Any], warn: Warn) -> None:
    try:
        set_policy(cfn, stack_name, protective)
    except Exception as exc:
        reason = degraded_reason(exc)
        if reason is None:
            raise
        warn(
            f"could not set the protective stack policy: {reason}. Set it with: "
            f"aws cloudformation set-stack-policy --stack-name {stack_name} "
            f"--stack-policy-body '{json.dumps(protective, sort_keys=True)}'"
        )
