"""The flows behind plan, deploy, status and delete.

The engine returns a typed Result (or raises a DeployError); deploy.py decides how to print it.
Every create and update goes through a change set, and every change set this run makes is
deleted again unless it was executed, whatever happens (plan, refusal, decline, Ctrl-C).
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from clikit import exitcodes

from . import changeset, protection, rootcause, safety, upload
from .aws import Clients, error_code, error_message
from .errors import BadInput, Interrupted, NeedsHuman, OperationFailed, Refused
from .events import EventCursor, is_stack_event, stack_missing
from .inputs import Inputs, capabilities, missing_on_create, parse_template_text
from .polling import Poll
from .progress import Followed, follow, make_view
from .render import Console, Result
from .review import ChangeRow, rows, with_verdicts
from .states import (
    Next,
    classify,
    continue_rollback_command,
    describe_resource,
    failed_resources,
)

SUCCESS_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
START_STATES = frozenset(
    {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"}
)
MAX_STATE_STEPS = 6
MAX_NESTED_DEPTH = 5


@dataclass
class Request:
    stack_name: str
    template: dict[str, Any]
    inputs: Inputs
    artifact_bucket: str | None = None
    yes: bool = False
    allow_replacement: tuple[str, ...] = ()
    termination_protection: str | None = None  # "on" | "off" | None (leave as is)
    continue_rollback: bool = False
    on_interrupt: str = "follow"  # "follow" | "cancel"


@dataclass
class _Run:
    """What this run has started, so an interruption can clean up exactly that."""

    change_set_arn: str | None = None
    review_stack_id: str | None = None  # a REVIEW_IN_PROGRESS stack this run created
    executing: bool = False
    stack_id: str | None = None
    change_set_type: str = ""
    token: str | None = None


@dataclass
class _Prepared:
    stack: dict[str, Any] | None
    cs: changeset.ChangeSet | None
    change_set_type: str
    change_rows: list[ChangeRow] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)
    noop_reason: str = ""
    old_template: dict[str, Any] | None = None  # the deployed one, for the stack policy


class _WouldReplace(Exception):
    """plan met a stack that deploy would delete and create again: nothing to diff against."""


def _token(kind: str) -> str:
    return f"deploy-{kind}-{uuid.uuid4().hex[:16]}"


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM across a call whose result we must record before reacting."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (ValueError, OSError):  # not the main thread, or a platform without sigmask
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """Cleanup after an interruption must not itself be interrupted half-way."""
    saved = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(ValueError):  # not the main thread
            saved[sig] = signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs") or []}


def _operation_of(status: str) -> str:
    for prefix, op in (("UPDATE", "update"), ("DELETE", "delete"), ("IMPORT", "update")):
        if status.startswith(prefix):
            return op
    return "create"


class Engine:
    def __init__(
        self,
        clients: Clients,
        console: Console,
        poll: Poll,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clients = clients
        self.cfn = clients.cfn
        self.console = console
        self.poll = poll
        self.clock = clock
        self.sleep = sleep

    # ------------------------------------------------------------------ small AWS helpers

    def describe(self, name: str) -> dict[str, Any] | None:
        try:
            stacks = self.cfn.describe_stacks(StackName=name).get("Stacks", [])
        except Exception as exc:
            if stack_missing(exc):
                return None
            raise
        return stacks[0] if stacks else None

    def resources(self, stack: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackName": stack}
            if token:
                kwargs["NextToken"] = token
            page = self.cfn.list_stack_resources(**kwargs)
            out += page.get("StackResourceSummaries", [])
            token = page.get("NextToken")
            if not token:
                return out

    def deployed_template(self, stack: str) -> dict[str, Any] | None:
        body = self.cfn.get_template(StackName=stack, TemplateStage="Original").get("TemplateBody")
        if body is None:
            return None
        if isinstance(body, dict):  # boto3 decodes JSON bodies itself
            return json.loads(json.dumps(body))
        try:
            return parse_template_text(str(body), f"deployed template of {stack}")
        except BadInput:
            return None

    def _follow(
        self,
        stack_id: str,
        cursor: EventCursor,
        *,
        review_pending: bool = False,
        expect: list[tuple[str, str]] | None = None,
    ) -> Followed:
        view = make_view(self.console.stream, self.poll, self.clock)
        if expect:
            view.expect(expect)
        return follow(
            self.cfn,
            stack_id,
            cursor,
            view,
            self.poll,
            review_pending=review_pending,
            sleep=self.sleep,
            clock=self.clock,
        )

    def _delete_stack_and_wait(self, stack_id: str) -> Followed:
        token = _token("delete")
        cursor = EventCursor.before_operation(self.cfn, stack_id, token)
        self.cfn.delete_stack(StackName=stack_id, ClientRequestToken=token)
        return self._follow(stack_id, cursor)

    # ------------------------------------------------------------------ stack states

    def _settle(self, req: Request, *, mutate: bool = True) -> dict[str, Any] | None:
        """Walk the state table until the stack can take a change set; return it (or None).

        With mutate=False (plan) nothing that exists is deleted or rolled on: a stack that deploy
        would delete first ends the walk with _WouldReplace instead.
        """
        name = req.stack_name
        stack = self.describe(name)
        for _ in range(MAX_STATE_STEPS):
            count = 0
            if stack is not None and stack.get("StackStatus") == "REVIEW_IN_PROGRESS":
                count = len(
                    [r for r in self.resources(stack["StackId"]) if r.get("LogicalResourceId")]
                )
            step = classify(stack, count)
            if step in (Next.CREATE, Next.UPDATE):
                return stack
            assert stack is not None
            status = str(stack["StackStatus"])
            stack_id = str(stack["StackId"])
            if not mutate and step in (Next.CREATE_OVER_REVIEW, Next.RECREATE):
                raise _WouldReplace(
                    f"stack {name} is {status} and holds no data: deploy would delete it and "
                    "create it again"
                )
            if step in (Next.CREATE_OVER_REVIEW, Next.RECREATE):
                # Deleting first and then failing on a missing value would help no one.
                self._check_create_inputs(req)
            if step is Next.WAIT:
                self.console.info(f"Stack {name} is {status}: waiting for it to settle.")
                cursor = EventCursor.before_operation(self.cfn, stack_id)
                self._follow(stack_id, cursor)
            elif step is Next.CREATE_OVER_REVIEW:
                self.console.info(
                    f"Stack {name} is an empty REVIEW_IN_PROGRESS stack: removing it first."
                )
                self._delete_stack_and_wait(stack_id)
            elif step is Next.RECREATE:
                self.console.info(
                    f"Stack {name} is {status} after a failed first create; it holds no data: "
                    "deleting it, then creating it again."
                )
                gone = self._delete_stack_and_wait(stack_id)
                if gone.status != "DELETE_COMPLETE":
                    raise NeedsHuman(
                        f"stack {name} could not be deleted ({gone.status}): "
                        + "; ".join(c.reason for c in rootcause.find(self.cfn, gone.events))
                    )
            elif step is Next.CONTINUE_ROLLBACK:
                self._continue_rollback(req, stack)
            else:
                self._needs_human(stack)
            stack = self.describe(name)
        raise NeedsHuman(f"stack {name} did not settle; check it with the console")

    def _needs_human(self, stack: dict[str, Any]) -> None:
        name, status = str(stack["StackName"]), str(stack["StackStatus"])
        failed = failed_resources(self.resources(str(stack["StackId"])))
        lines = [describe_resource(r) for r in failed]
        if status == "DELETE_FAILED":
            what = ", ".join(str(r.get("LogicalResourceId")) for r in failed) or "unknown resources"
            raise NeedsHuman(
                f"stack {name} is DELETE_FAILED: could not delete {what}; fix or retain them, "
                f"then run `python deploy.py delete --stack-name {name}`",
                lines,
            )
        raise NeedsHuman(f"stack {name} is {status}, which needs a human before deploying", lines)

    def _continue_rollback(self, req: Request, stack: dict[str, Any]) -> None:
        name, stack_id = str(stack["StackName"]), str(stack["StackId"])
        failed = failed_resources(self.resources(stack_id))
        blockers = [describe_resource(r) for r in failed]
        command = continue_rollback_command(name, self.clients.region)
        if not req.continue_rollback:
            skip = [str(r.get("LogicalResourceId")) for r in failed]
            details = [f"blocked by: {b}" for b in blockers] or [
                "blocked by: (no failed resource listed)"
            ]
            details.append(f"to continue the rollback: {command}")
            if skip:
                details.append(
                    "if a resource cannot be fixed: "
                    + continue_rollback_command(name, self.clients.region, skip)
                )
            details.append("or rerun this deploy with --continue-rollback")
            raise NeedsHuman(f"stack {name} is UPDATE_ROLLBACK_FAILED", details)
        self.console.info(f"Stack {name} is UPDATE_ROLLBACK_FAILED: continuing the rollback.")
        token = _token("continue")
        cursor = EventCursor.before_operation(self.cfn, stack_id, token)
        self.cfn.continue_update_rollback(StackName=stack_id, ClientRequestToken=token)
        done = self._follow(stack_id, cursor)
        if done.status != "UPDATE_ROLLBACK_COMPLETE":
            causes = rootcause.find(self.cfn, done.events)
            raise NeedsHuman(
                f"the rollback of {name} did not complete ({done.status})",
                [f"{c.logical_id} ({c.type}): {c.reason}" for c in causes] + [command],
            )

    # ------------------------------------------------------------------ change sets

    def _parameters(self, req: Request, stack: dict[str, Any] | None) -> list[dict[str, Any]]:
        declared = req.template.get("Parameters") or {}
        given = req.inputs.parameters
        if stack is None:
            self._check_create_inputs(req)
            return [{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()]
        previous = {p["ParameterKey"] for p in stack.get("Parameters") or []}
        out = []
        for key in declared:
            if key in given:
                out.append({"ParameterKey": key, "ParameterValue": given[key]})
            elif key in previous:
                # Only what the new template still declares; the rest would be rejected.
                out.append({"ParameterKey": key, "UsePreviousValue": True})
        return out

    def _check_create_inputs(self, req: Request) -> None:
        missing = missing_on_create(req.template, req.inputs.parameters)
        if missing:
            raise BadInput(
                "no value for parameter(s) without a default: "
                + ", ".join(missing)
                + "; pass --parameter NAME=VALUE or a --parameters file"
            )

    def _unchanged(self, req: Request, stack: dict[str, Any]) -> bool:
        """Template, parameters and tags identical to the stack's: no change set needed."""
        old = self.deployed_template(str(stack["StackId"]))
        if old is None or old != req.template:
            return False
        current = {
            p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters") or []
        }
        for key, spec in (req.template.get("Parameters") or {}).items():
            if (
                str((spec or {}).get("NoEcho", "")).lower() == "true"
                and key in req.inputs.parameters
            ):
                return False  # masked on the stack: cannot tell
            if key in req.inputs.parameters and current.get(key) != req.inputs.parameters[key]:
                return False
            if key not in current:
                return False  # a newly declared parameter
        tags = {t["Key"]: t["Value"] for t in stack.get("Tags") or []}
        return not req.inputs.tags or tags == req.inputs.tags

    def _prepare(
        self, req: Request, run: _Run, *, fast_noop: bool, mutate: bool = True
    ) -> _Prepared:
        stack = self._settle(req, mutate=mutate)
        cs_type = "CREATE" if stack is None else "UPDATE"
        if stack is not None and fast_noop and self._unchanged(req, stack):
            return _Prepared(
                stack, None, cs_type, noop_reason="template, parameters and tags are unchanged"
            )
        params = self._parameters(req, stack)
        args = upload.template_args(
            req.template,
            s3=self.clients.s3,
            sts=self.clients.sts,
            region=self.clients.region,
            artifact_bucket=req.artifact_bucket,
            on_upload=lambda b, k, n: self.console.info(
                f"Template is {n:,} bytes (over 51,200): uploaded to s3://{b}/{k}"
            ),
        )
        old_template = self.deployed_template(str(stack["StackId"])) if stack else None
        tags = dict(req.inputs.tags)
        if stack is not None and not tags:
            tags = {t["Key"]: t["Value"] for t in stack.get("Tags") or []}
        with _signals_held():
            try:
                cs = changeset.create(
                    self.cfn,
                    stack_name=req.stack_name,
                    name=_token("cs"),
                    change_set_type=cs_type,
                    template_args=args,
                    parameters=params,
                    tags=tags,
                    capabilities=capabilities(req.template),
                )
            except changeset.NoChanges as exc:
                return _Prepared(stack, None, cs_type, noop_reason=str(exc))
            run.change_set_arn = cs.arn
            run.stack_id = cs.stack_id
            run.change_set_type = cs_type
            if cs_type == "CREATE":
                run.review_stack_id = cs.stack_id
        try:
            changeset.wait_ready(self.cfn, cs, self.poll)
        except changeset.NoChanges as exc:
            self._cleanup(run)
            return _Prepared(stack, None, cs_type, noop_reason=str(exc))
        except OperationFailed:
            self._cleanup(run)
            raise
        verdicts = safety.assess(cs.changes, old_template, req.template, req.allow_replacement)
        change_rows = with_verdicts(rows(cs.changes), verdicts)
        return _Prepared(stack, cs, cs_type, change_rows, verdicts, old_template=old_template)

    def _cleanup(self, run: _Run) -> list[str]:
        """Delete what this run made and did not execute; say what went."""
        said = []
        if run.change_set_arn and not run.executing:
            if changeset.delete(self.cfn, run.change_set_arn):
                said.append("change set deleted")
            run.change_set_arn = None
        if run.review_stack_id and not run.executing:
            try:
                self.cfn.delete_stack(StackName=run.review_stack_id)
                said.append("empty review stack deleted")
            except Exception as exc:
                if not stack_missing(exc):
                    said.append(f"could not delete the review stack: {error_message(exc)}")
            run.review_stack_id = None
        return said

    def _review(self, req: Request, prep: _Prepared, verb: str) -> None:
        assert prep.cs is not None
        n = len(prep.change_rows)
        # deploy prints its refusals once, in the error that stops it; plan has no such error.
        refused = safety.refusals(prep.verdicts) if verb == "Plan" else []
        notes = [safety.refusal_message(v) for v in refused]
        notes += [safety.warning_message(v) for v in safety.warnings(prep.verdicts)]
        self.console.review(
            f"{verb} for stack {req.stack_name} ({prep.change_set_type}, {n} resource change"
            f"{'' if n == 1 else 's'}):",
            prep.change_rows,
            notes,
        )

    def _warn(self, message: str) -> None:
        self.console.info(f"warning: {message}")

    def _sync_termination_protection(self, req: Request, stack: dict[str, Any]) -> None:
        if stack.get("StackId"):
            protection.sync_termination_protection(
                self.cfn,
                req.stack_name,
                protection.parse_switch(req.termination_protection),
                self._warn,
                current=bool(stack.get("EnableTerminationProtection")),
            )

    def _refuse_if_unsafe(self, prep: _Prepared, run: _Run) -> None:
        refused = safety.refusals(prep.verdicts)
        if refused:
            said = self._cleanup(run)
            error = Refused(
                f"the data-safety gate refused {len(refused)} change(s); nothing was executed"
                + (f" ({', '.join(said)})" if said else ""),
                [safety.refusal_message(v) for v in refused],
            )
            error.operation = "create" if prep.change_set_type == "CREATE" else "update"
            error.changes = list(prep.change_rows)
            raise error

    # ------------------------------------------------------------------ commands

    def plan(self, req: Request) -> Result:
        started = self.clock()
        run = _Run()
        said: list[str] = []
        try:
            try:
                prep = self._prepare(req, run, fast_noop=True, mutate=False)
            except _WouldReplace as exc:
                return Result(
                    req.stack_name,
                    "plan",
                    str((self.describe(req.stack_name) or {}).get("StackStatus", "")),
                    exitcodes.CHANGES,
                    f"Plan for {req.stack_name}: {exc}",
                    duration_s=self.clock() - started,
                )
            if prep.cs is None:
                return Result(
                    req.stack_name,
                    "plan",
                    str((prep.stack or {}).get("StackStatus", "")),
                    exitcodes.OK,
                    f"No changes for stack {req.stack_name}: {prep.noop_reason}",
                    duration_s=self.clock() - started,
                )
            self._review(req, prep, "Plan")
        except KeyboardInterrupt:
            with _signals_ignored():
                said += self._cleanup(run)
            raise Interrupted(
                "interrupted during review: " + (", ".join(said) or "nothing was created")
            ) from None
        finally:
            # plan always cleans up after itself: its change set and any review stack it made.
            with _signals_ignored():
                said += self._cleanup(run)
        refused = safety.refusals(prep.verdicts)
        summary = f"Plan for {req.stack_name}: {len(prep.change_rows)} change(s); " + ", ".join(
            said
        )
        if refused:
            summary += f"; {len(refused)} change(s) would be refused by the data-safety gate"
        return Result(
            req.stack_name,
            "plan",
            str((prep.stack or {}).get("StackStatus", "NONE")),
            exitcodes.CHANGES,
            summary,
            changes=prep.change_rows,
            duration_s=self.clock() - started,
        )

    def deploy(self, req: Request) -> Result:
        started = self.clock()
        run = _Run()
        try:
            prep = self._prepare(req, run, fast_noop=True)
            if prep.cs is None:
                stack = prep.stack or {}
                self._sync_termination_protection(req, stack)
                return Result(
                    req.stack_name,
                    "noop",
                    str(stack.get("StackStatus", "")),
                    exitcodes.OK,
                    f"No changes for stack {req.stack_name}: {prep.noop_reason}",
                    outputs=outputs_of(stack),
                    duration_s=self.clock() - started,
                )
            self._review(req, prep, "Change set")
            self._refuse_if_unsafe(prep, run)
            asks = not req.yes and self.console.interactive
            if not req.yes and not asks:
                self.console.info("No terminal to ask on: executing without confirmation.")
            if asks and not self.console.confirm("Execute this change set?"):
                said = self._cleanup(run)
                return Result(
                    req.stack_name,
                    "create" if prep.change_set_type == "CREATE" else "update",
                    str((prep.stack or {}).get("StackStatus", "NONE")),
                    exitcodes.FAILED,
                    "Not executed: declined. " + ", ".join(said),
                    changes=prep.change_rows,
                    duration_s=self.clock() - started,
                )
            return self._execute(req, prep, run, started)
        except KeyboardInterrupt:
            return self._interrupted(req, run)
        except BaseException:
            with _signals_ignored():
                self._cleanup(run)
            raise

    def _execute(self, req: Request, prep: _Prepared, run: _Run, started: float) -> Result:
        assert prep.cs is not None
        op = "create" if prep.change_set_type == "CREATE" else "update"
        stack_id = prep.cs.stack_id
        token = _token("exec")
        cursor = EventCursor.before_operation(self.cfn, stack_id, token)
        # The stack policy: opened for --allow-replacement IDs before, protective after, even
        # when the update fails or is interrupted (safety engineer's hook).
        with protection.policy_around_execution(
            self.cfn,
            stack_id,
            creating=op == "create",
            old_template=prep.old_template,
            new_template=req.template,
            allow=req.allow_replacement,
            warn=self._warn,
        ) as execution:
            with _signals_held():
                run.executing = True
                run.token = token
                run.stack_id = stack_id
                try:
                    changeset.execute(self.cfn, prep.cs.arn, token)
                except BaseException:
                    run.executing = False
                    raise
            self.console.info(f"Executing change set ({op}) on stack {req.stack_name}...")
            expect = [(r.logical_id, r.type) for r in prep.change_rows]
            done = self._follow(stack_id, cursor, review_pending=op == "create", expect=expect)
            execution.finished(done.status)
        stack = self.describe(stack_id) or {}
        elapsed = self.clock() - started
        if done.status in SUCCESS_STATES:
            self._sync_termination_protection(req, stack)
            return Result(
                req.stack_name,
                op,
                done.status,
                exitcodes.OK,
                f"Stack {req.stack_name}: {done.status} in {elapsed:.1f} s",
                changes=prep.change_rows,
                outputs=outputs_of(stack),
                duration_s=elapsed,
            )
        causes = rootcause.find(self.cfn, done.events)
        return Result(
            req.stack_name,
            op,
            done.status,
            exitcodes.FAILED,
            f"Stack {req.stack_name}: {done.status}" + (f" ({done.reason})" if done.reason else ""),
            changes=prep.change_rows,
            root_cause=causes,
            duration_s=elapsed,
        )

    def _interrupted(self, req: Request, run: _Run) -> Result:
        name = req.stack_name
        if not run.executing:
            with _signals_ignored():
                said = self._cleanup(run)
            if not said:
                raise Interrupted("interrupted before any change set was made")
            raise Interrupted(f"interrupted during review: {', '.join(said)}; nothing was executed")
        follow_hint = f"python deploy.py status --stack-name {name}"
        if req.on_interrupt == "cancel" and run.change_set_type == "UPDATE" and run.stack_id:
            self.console.info(
                f"Interrupted: cancelling the update of {name} and following the rollback."
            )
            token = _token("cancel")
            cursor = EventCursor.before_operation(self.cfn, run.stack_id, token)
            try:
                self.cfn.cancel_update_stack(StackName=run.stack_id, ClientRequestToken=token)
                done = self._follow(run.stack_id, cursor)
            except KeyboardInterrupt:
                raise Interrupted(
                    f"interrupted again; the rollback goes on: follow it with `{follow_hint}`"
                ) from None
            except Exception as exc:
                raise Interrupted(
                    f"could not cancel the update ({error_code(exc) or type(exc).__name__}: "
                    f"{error_message(exc)}); follow it with `{follow_hint}`"
                ) from None
            raise Interrupted(f"update cancelled; stack {name} is {done.status}")
        cancel = (
            f"aws cloudformation cancel-update-stack --stack-name {name} "
            f"--region {self.clients.region}"
            if run.change_set_type == "UPDATE"
            else f"python deploy.py delete --stack-name {name} (once the create settles)"
        )
        raise Interrupted(
            f"interrupted; CloudFormation goes on with the {run.change_set_type.lower()} of {name}",
            [f"follow it: {follow_hint}", f"cancel it: {cancel}"],
        )

    # ------------------------------------------------------------------ status

    def last_operation_events(self, stack_id: str) -> list[dict[str, Any]]:
        """The events of the stack's latest operation, oldest first."""
        newest_first: list[dict[str, Any]] = []
        token: str | None = None
        request_token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackName": stack_id}
            if token:
                kwargs["NextToken"] = token
            page = self.cfn.describe_stack_events(**kwargs)
            for event in page.get("StackEvents", []):
                if not newest_first:
                    request_token = event.get("ClientRequestToken")
                stamped = event.get("ClientRequestToken")
                if request_token and stamped and stamped != request_token:
                    newest_first.reverse()
                    return newest_first
                newest_first.append(event)
                if is_stack_event(event) and event.get("ResourceStatus") in START_STATES:
                    newest_first.reverse()
                    return newest_first
            token = page.get("NextToken")
            if not token:
                newest_first.reverse()
                return newest_first

    def status(self, name: str) -> Result:
        started = self.clock()
        stack = self.describe(name)
        if stack is None:
            return Result(
                name,
                "status",
                "DOES_NOT_EXIST",
                exitcodes.FAILED,
                f"Stack {name} does not exist in {self.clients.region}",
                duration_s=self.clock() - started,
            )
        status = str(stack["StackStatus"])
        events = self.last_operation_events(str(stack["StackId"]))
        failed = status.endswith("_FAILED") or "ROLLBACK" in status
        causes = rootcause.find(self.cfn, events) if failed else None
        if status in ("UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"):
            code = exitcodes.NEEDS_HUMAN
        elif failed:
            code = exitcodes.FAILED
        else:
            code = exitcodes.OK
        details = []
        if events:
            first = events[0]
            details.append(
                f"last operation: {first.get('ResourceStatus', '')} at {first.get('Timestamp', '')}"
            )
        if stack.get("StackStatusReason"):
            details.append(f"reason: {stack['StackStatusReason']}")
        if status == "UPDATE_ROLLBACK_FAILED":
            details.append(f"to continue: {continue_rollback_command(name, self.clients.region)}")
        return Result(
            name,
            _operation_of(status),
            status,
            code,
            f"Stack {name}: {status}",
            outputs=outputs_of(stack),
            root_cause=causes,
            duration_s=self.clock() - started,
            details=details,
        )

    # ------------------------------------------------------------------ delete

    def _stack_buckets(self, stack_id: str, depth: int = 0) -> list[tuple[str, str]]:
        """(logical ID, name) of this stack's own buckets, nested stacks included; never
        another stack's, since they come from this stack's resource list."""
        buckets: list[tuple[str, str]] = []
        for r in self.resources(stack_id):
            physical = str(r.get("PhysicalResourceId") or "")
            lid = str(r.get("LogicalResourceId") or "")
            if not physical:
                continue
            if r.get("ResourceType") == "AWS::S3::Bucket":
                buckets.append((lid, physical))
            elif r.get("ResourceType") == "AWS::CloudFormation::Stack" and depth < MAX_NESTED_DEPTH:
                try:
                    inner = self._stack_buckets(physical, depth + 1)
                except Exception as exc:
                    if not stack_missing(exc):
                        raise
                    inner = []
                buckets += [(f"{lid}/{i}", b) for i, b in inner]
        return buckets

    def empty_bucket(self, bucket: str) -> int:
        """Delete every object version and delete marker; return how many went."""
        s3 = self.clients.s3
        removed = 0
        try:
            pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
            for page in pages:
                keys = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                for i in range(0, len(keys), 1000):
                    batch = keys[i : i + 1000]
                    answer = s3.delete_objects(
                        Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
                    )
                    errors = answer.get("Errors") or []
                    if errors:
                        first = errors[0]
                        raise OperationFailed(
                            f"could not empty bucket {bucket}: {first.get('Key')}: "
                            f"{first.get('Code')} {first.get('Message', '')}"
                        )
                    removed += len(batch)
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                return removed
            raise
        return removed

    def delete(self, name: str, yes: bool) -> Result:
        started = self.clock()
        stack = self.describe(name)
        if stack is None:
            return Result(
                name,
                "delete",
                "DOES_NOT_EXIST",
                exitcodes.OK,
                f"Stack {name} does not exist: nothing to delete",
                duration_s=self.clock() - started,
            )
        stack_id = str(stack["StackId"])
        protection.refuse_protected_delete(stack)
        if not yes:
            if not self.console.interactive:
                raise BadInput(
                    f"refusing to delete stack {name} without confirmation: no terminal to ask "
                    "on; pass --yes"
                )
            if not self.console.confirm(f"Delete stack {name} and empty its buckets?"):
                return Result(
                    name,
                    "delete",
                    str(stack["StackStatus"]),
                    exitcodes.FAILED,
                    "Not deleted: declined",
                    duration_s=self.clock() - started,
                )
        status = str(stack.get("StackStatus", ""))
        if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            # CloudFormation refuses DeleteStack while an operation runs: let it settle first.
            self.console.info(f"Stack {name} is {status}: waiting for it to settle.")
            settled = self._follow(stack_id, EventCursor.before_operation(self.cfn, stack_id))
            if settled.status == "DELETE_COMPLETE":
                return Result(
                    name,
                    "delete",
                    settled.status,
                    exitcodes.OK,
                    f"Stack {name}: DELETE_COMPLETE",
                    duration_s=self.clock() - started,
                )
        template = self.deployed_template(stack_id) or {}
        kept = {
            lid: str(res.get("DeletionPolicy"))
            for lid, res in (template.get("Resources") or {}).items()
            if isinstance(res, dict)
            and res.get("DeletionPolicy") in ("Retain", "Snapshot", "RetainExceptOnCreate")
        }
        for logical_id, bucket in self._stack_buckets(stack_id):
            if logical_id in kept:
                continue  # its DeletionPolicy keeps the bucket, so its data stays too
            n = self.empty_bucket(bucket)
            self.console.info(
                f"Emptied bucket {bucket}: {n} object version(s) and delete marker(s)"
            )
        try:
            done = self._delete_stack_and_wait(stack_id)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted; CloudFormation goes on deleting {name}: follow it with "
                f"`python deploy.py status --stack-name {name}`"
            ) from None
        elapsed = self.clock() - started
        skipped = [
            str(e.get("LogicalResourceId"))
            for e in done.events
            if e.get("ResourceStatus") == "DELETE_SKIPPED"
        ]
        details = [
            f"retained: {lid} (DeletionPolicy {policy})"
            for lid, policy in sorted(kept.items())
            if policy != "Snapshot"
        ]
        details += [
            f"snapshotted: {lid}" for lid, policy in sorted(kept.items()) if policy == "Snapshot"
        ]
        details += [f"retained: {lid} (DELETE_SKIPPED)" for lid in skipped if lid not in kept]
        if done.status == "DELETE_COMPLETE":
            return Result(
                name,
                "delete",
                done.status,
                exitcodes.OK,
                f"Stack {name}: DELETE_COMPLETE in {elapsed:.1f} s",
                duration_s=elapsed,
                details=details,
            )
        causes = rootcause.find(self.cfn, done.events)
        failed = failed_resources(self.resources(stack_id)) if self.describe(stack_id) else []
        details = [f"could not delete: {describe_resource(r)}" for r in failed] + details
        return Result(
            name,
            "delete",
            done.status,
            exitcodes.FAILED,
            f"Stack {name}: {done.status}",
            root_cause=causes,
            duration_s=elapsed,
            details=details,
        )
