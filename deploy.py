#!/usr/bin/env python3
"""Plan, deploy, inspect and delete CloudFormation stacks through change sets."""

#     python deploy.py plan     --stack-name NAME --template FILE [inputs]
#     python deploy.py deploy   --stack-name NAME --template FILE [inputs] [--yes]
#     python deploy.py status   --stack-name NAME
#     python deploy.py delete   --stack-name NAME [--yes]
#     python deploy.py rollback --stack-name NAME [--skip-resource ID ...]
#     python deploy.py validate --template FILE
#
# Argument parsing and orchestration only: AWS calls, review, polling, root cause and rendering
# live in the stackops package.

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from clikit import exitcodes
from clikit.files import write_atomic
from stackops.errors import BadInput, DeployError, Interrupted

if TYPE_CHECKING:
    from stackops.request import Request
    from stackops.result import Result
    from stackops.session import Session

POLL_HELP = (
    "polling: starts at DEPLOY_POLL_MIN seconds (default 1.5), backs off to DEPLOY_POLL_MAX "
    "(default 4); without a terminal a heartbeat every DEPLOY_HEARTBEAT seconds (default 30)."
)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 4 (argparse's own 2 means 'changes')."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(exitcodes.BAD_INPUT)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", choices=("text", "json"), default="text", help="result format")
    p.add_argument("--region", help="AWS region (default: the usual AWS_* configuration)")
    p.add_argument("--endpoint-url", help="CloudFormation/S3 endpoint (or AWS_ENDPOINT_URL)")


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack-name", required=True)
    p.add_argument("--template", required=True, type=Path, help="JSON or YAML template")
    p.add_argument(
        "--parameters",
        type=Path,
        help="parameter file: CLI list, CodePipeline {Parameters, Tags}, or a {key: value} map",
    )
    p.add_argument(
        "--parameter", action="append", metavar="KEY=VALUE", help="overrides the file; repeatable"
    )
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="stack tag; repeatable")
    p.add_argument(
        "--artifact-bucket",
        help="bucket for templates over 51,200 bytes (default: a deploy bucket the tool owns)",
    )
    p.add_argument(
        "--allow-replacement",
        action="append",
        default=[],
        metavar="LOGICAL_ID",
        help="let the data-safety check pass a replacement/removal of this resource; repeatable",
    )
    p.add_argument("--skip-validation", action="store_true", help="skip the offline gate")
    p.add_argument(
        "--strict", action="store_true", help="policy findings of the offline gate fail (exit 4)"
    )


def _deploy_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true", help="execute without asking")
    p.add_argument("--outputs-file", type=Path, help="write the stack outputs as JSON")
    p.add_argument(
        "--termination-protection",
        choices=("on", "off"),
        help="keep the stack's termination protection on or off (set after the deploy)",
    )
    p.add_argument(
        "--continue-rollback",
        action="store_true",
        help="on UPDATE_ROLLBACK_FAILED: continue the rollback, wait, then deploy",
    )
    p.add_argument(
        "--on-interrupt",
        choices=("follow", "cancel"),
        default="follow",
        help="Ctrl-C during an update: leave it running, or cancel it and follow the rollback",
    )


def _import_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--import-existing",
        action="store_true",
        help="adopt resources that already exist outside any stack (literal custom name, "
        "DeletionPolicy Retain or RetainExceptOnCreate) instead of failing on them",
    )


def _service_role_flags(p: argparse.ArgumentParser, *, rollback: bool = True) -> None:
    from stackops.options import DEFAULT_MONITOR_MINUTES, MAX_ALARMS, MAX_MONITOR_MINUTES

    p.add_argument(
        "--role-arn",
        metavar="ARN",
        help="IAM role CloudFormation acts with (RoleARN): "
        "arn:<partition>:iam::<account>:role/NAME",
    )
    if not rollback:
        return
    p.add_argument(
        "--rollback-alarm",
        action="append",
        metavar="ARN",
        help=f"CloudWatch alarm ARN whose ALARM state rolls the operation back; repeatable, at "
        f"most {MAX_ALARMS}",
    )
    p.add_argument(
        "--monitor-minutes",
        metavar="N",
        help=f"minutes (0-{MAX_MONITOR_MINUTES}) CloudFormation keeps watching the alarms after "
        f"the resources are in place; default {DEFAULT_MONITOR_MINUTES} with --rollback-alarm, "
        "none without",
    )


def _kept_change_set_flags(p: argparse.ArgumentParser, command: str) -> None:
    if command == "plan":
        p.add_argument(
            "--keep-change-set",
            action="store_true",
            help="keep the reviewed change set (its ARN on stderr and in the JSON) for "
            "deploy --change-set",
        )
        return
    p.add_argument(
        "--change-set",
        metavar="ARN",
        help="execute this change set kept by plan --keep-change-set (no --template); exit 5 "
        "when the stack changed since it was made",
    )
    for action in p._actions:
        if action.dest == "template":
            action.required = False  # required unless --change-set: checked in _kept()
            action.help = "JSON or YAML template (required unless --change-set)"


def _role_and_kept_flags(
    plan: argparse.ArgumentParser, deploy: argparse.ArgumentParser, delete: argparse.ArgumentParser
) -> None:
    _service_role_flags(plan)
    _kept_change_set_flags(plan, "plan")
    _service_role_flags(deploy)
    _kept_change_set_flags(deploy, "deploy")
    _service_role_flags(delete, rollback=False)


# What deploy --change-set takes from the change set itself, so must not be given.
KEPT_EXCLUDES = (
    ("template", "--template"), ("parameters", "--parameters"), ("parameter", "--parameter"),
    ("tag", "--tag"), ("artifact_bucket", "--artifact-bucket"),
    ("import_existing", "--import-existing"), ("role_arn", "--role-arn"),
    ("rollback_alarm", "--rollback-alarm"), ("monitor_minutes", "--monitor-minutes"),
    ("continue_rollback", "--continue-rollback"),
)  # fmt: skip


def _kept(args: argparse.Namespace) -> bool:
    """True for deploy --change-set ARN (checked); deploy without it needs --template."""
    if args.command != "deploy":
        return False
    if getattr(args, "change_set", None) is None:
        if args.template is None:
            raise BadInput("deploy needs --template FILE (or --change-set ARN)")
        return False
    given = [flag for dest, flag in KEPT_EXCLUDES if getattr(args, dest, None) not in (None, False)]
    if given:
        raise BadInput(
            f"--change-set executes the change set as it was made: {', '.join(given)} cannot "
            "be given with it"
        )
    return True


def _service_fields(args: argparse.Namespace) -> dict[str, Any]:
    """Request fields for the service role, rollback triggers and keeping, checked."""
    from stackops import options

    checked = options.service_options(
        getattr(args, "role_arn", None),
        getattr(args, "rollback_alarm", None),
        getattr(args, "monitor_minutes", None),
    )
    return {
        "role_arn": checked.role_arn,
        "rollback_alarms": checked.rollback_alarms,
        "monitor_minutes": checked.monitor_minutes,
        "keep_change_set": getattr(args, "keep_change_set", False),
    }


def _execute_kept(args: argparse.Namespace, err: TextIO) -> Result:
    from stackops import options
    from stackops.commands import execute_kept
    from stackops.inputs import Inputs
    from stackops.request import Request

    request = Request(
        stack_name=args.stack_name,
        template={},
        inputs=Inputs({}, {}),
        yes=args.yes,
        allow_replacement=tuple(args.allow_replacement),
        termination_protection=args.termination_protection,
        on_interrupt=args.on_interrupt,
        require_approval=args.require_approval,
        change_set_arn=options.change_set_arn(args.change_set),
    )
    return execute_kept.run(_session(args, err), request)


def _delete_with_role(args: argparse.Namespace, err: TextIO) -> Result:
    from stackops import options
    from stackops.commands import delete

    role = options.role_arn(args.role_arn)
    for line in options.header_lines(role, (), None):
        err.write(line + "\n")
    result = delete.run(_session(args, err), args.stack_name, args.yes, role_arn=role)
    result.role_arn = role
    return result


def _timeline_path(value: str) -> Path:
    from stackops.timeline import checked_path

    try:
        return checked_path(Path(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _timeline_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeline",
        type=_timeline_path,
        metavar="FILE.svg|FILE.html",
        help="draw the last operation as a waterfall of its resources (self-contained file)",
    )


def _import_existing(args: argparse.Namespace, template: dict[str, Any], err: TextIO) -> bool:
    """The flag's value, after saying what the template shows it cannot import."""
    if not getattr(args, "import_existing", False):
        return False
    from stackops import importable

    for line in importable.warnings(template):
        err.write(f"warning: {line}\n")
    return True


def _skip_resource_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--skip-resource",
        action="append",
        default=[],
        metavar="LOGICAL_ID",
        help="on UPDATE_ROLLBACK_FAILED: continue the rollback skipping this resource "
        "(Nested.LogicalId in a nested stack; a stateful one also needs --allow-replacement); "
        "repeatable",
    )


def _force_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="DELETE_FAILED only: delete the stack and leave behind what failed to delete "
        "(listed first; asks unless --yes)",
    )


def _rollback_parser(sub: Any) -> None:
    """rollback: RollbackStack on CREATE_FAILED/UPDATE_FAILED, or continue the rollback of an
    UPDATE_ROLLBACK_FAILED stack; no template needed."""
    p = sub.add_parser(
        "rollback",
        help="roll back a failed stack (CREATE_FAILED, UPDATE_FAILED, UPDATE_ROLLBACK_FAILED)",
        epilog=exitcodes.help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--stack-name", required=True)
    _skip_resource_flag(p)
    p.add_argument(
        "--allow-replacement",
        action="append",
        default=[],
        metavar="LOGICAL_ID",
        help="let --skip-resource skip this stateful resource; repeatable",
    )
    _common(p)


def _sub(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """One command's parser, with the exit codes in its --help."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_text,
        epilog=exitcodes.help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _drift_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--on-drift",
        choices=("fail", "warn", "revert"),
        help="drift found on the stack before the change set: stop (exit 3), show it and go on, "
        "or revert it (DeploymentMode REVERT_DRIFT); default: fail on a stack tagged "
        "Environment/Env/Stage=production|prod, warn on any other",
    )


def _execution_flags(p: argparse.ArgumentParser) -> None:
    # Exclusive: without a rollback there is nothing for RetainExceptOnCreate to act on.
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--no-rollback",
        action="store_true",
        help="on failure keep what was done, for fast iteration (refused on a replacement)",
    )
    group.add_argument(
        "--retain-except-on-create",
        action="store_true",
        help="on rollback delete what this run created, even with DeletionPolicy Retain",
    )


def _approval_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--require-approval",
        choices=("never", "broadening", "any-change"),
        default="broadening",
        help="security changes that need a person's confirmation (default: those that widen "
        "access); without a terminal or with --yes such a change exits 3 unless 'never'",
    )


def _preflight_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--skip-preflight",
        action="store_true",
        help="skip the account preflight (referenced secrets, free names, key admin, quotas)",
    )


def build_parser() -> Parser:
    parser = Parser(
        prog="deploy.py",
        description="Plan, deploy, inspect and delete CloudFormation stacks, safely and visibly.",
        epilog=exitcodes.help_epilog() + "\n\n" + POLL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = _sub(sub, "plan", "review changes only: exit 0 none, 2 some")
    _inputs(plan)
    _common(plan)
    _import_flags(plan)
    _drift_flags(plan)
    _approval_flags(plan)
    _preflight_flags(plan)

    deploy = _sub(sub, "deploy", "create or update a stack via a change set")
    _inputs(deploy)
    _common(deploy)
    _deploy_flags(deploy)
    _import_flags(deploy)
    _skip_resource_flag(deploy)
    _drift_flags(deploy)
    _execution_flags(deploy)
    _approval_flags(deploy)
    _preflight_flags(deploy)

    status = _sub(sub, "status", "status, last operation, root cause, outputs")
    status.add_argument("--stack-name", required=True)
    _common(status)
    _timeline_flags(status)

    delete = _sub(sub, "delete", "empty the stack's buckets, delete it, wait")
    delete.add_argument("--stack-name", required=True)
    delete.add_argument("--yes", action="store_true", help="delete without asking")
    _common(delete)
    _force_flag(delete)
    _rollback_parser(sub)

    validate = _sub(sub, "validate", "the offline gate: cfn-lint, checkov, custom rules")
    validate.add_argument("--template", required=True, type=Path)
    validate.add_argument("--output", choices=("text", "json"), default="text")
    _role_and_kept_flags(plan, deploy, delete)
    return parser


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _gate(args: argparse.Namespace, err: TextIO) -> None:
    """The offline gate before any AWS call: blockers stop, policy findings warn (or stop)."""
    if args.skip_validation:
        err.write("Offline validation skipped (--skip-validation).\n")
        return
    import gate

    report = gate.run_gate(args.template)
    for note in report.notes:
        err.write(f"note: {note}\n")
    for finding in report.warnings + report.policies:
        err.write(f"warning: {finding.line()}\n")
    if report.blockers:
        raise BadInput(
            f"the offline gate found {len(report.blockers)} blocker(s) in {args.template}",
            [f.line() for f in report.blockers],
        )
    if args.strict and report.policies:
        raise BadInput(
            f"--strict: the offline gate found {len(report.policies)} policy finding(s)",
            [f.line() for f in report.policies],
        )


def _request(args: argparse.Namespace, err: TextIO) -> Request:
    from stackops import inputs
    from stackops.aws import uploads
    from stackops.request import Request

    fields = _service_fields(args)
    template = inputs.load_template(args.template)
    resolved = inputs.resolve(template, args.parameters, args.parameter, args.tag)
    uploads.check_size(template, inputs.compact(template))
    _gate(args, err)
    return Request(
        stack_name=args.stack_name,
        template=template,
        inputs=resolved,
        artifact_bucket=args.artifact_bucket,
        yes=getattr(args, "yes", False),
        allow_replacement=tuple(args.allow_replacement),
        termination_protection=getattr(args, "termination_protection", None),
        continue_rollback=getattr(args, "continue_rollback", False),
        on_interrupt=getattr(args, "on_interrupt", "follow"),
        import_existing=_import_existing(args, template, err),
        skip_resources=tuple(getattr(args, "skip_resource", None) or ()),
        on_drift=getattr(args, "on_drift", None),
        no_rollback=getattr(args, "no_rollback", False),
        retain_except_on_create=getattr(args, "retain_except_on_create", False),
        require_approval=getattr(args, "require_approval", "broadening"),
        skip_preflight=args.skip_preflight,
        **fields,
    )


def _session(args: argparse.Namespace, err: TextIO) -> Session:
    from stackops.aws import clients
    from stackops.follow.polling import Poll
    from stackops.render import Console
    from stackops.session import Session

    made = clients.make_clients(args.region, args.endpoint_url)
    return Session(made, Console(err, sys.stdin), Poll.from_env())


def _error_json(args: argparse.Namespace, exc: BaseException, started: float) -> dict[str, Any]:
    """The result of a run that stopped with an error; one raised after the review carries what
    was reviewed, the stack's status read again and the root cause (stackops.errors.Story)."""
    from stackops.errors import story_of

    names = {
        exitcodes.BAD_INPUT: "BAD_INPUT",
        exitcodes.REFUSED: "REFUSED",
        exitcodes.NEEDS_HUMAN: "NEEDS_HUMAN",
        exitcodes.INTERRUPTED: "INTERRUPTED",
    }
    story = story_of(exc)
    code = exc.exit_code if isinstance(exc, DeployError) else exitcodes.FAILED
    body: dict[str, Any] = {
        "stack": getattr(args, "stack_name", None),
        "operation": story.operation or args.command,
        "status": names.get(code, "FAILED"),
        "changes": [c.as_dict() for c in story.changes],
        "outputs": {},
        "root_cause": None if story.root_cause is None else [c.as_dict() for c in story.root_cause],
        "duration_s": round(time.monotonic() - started, 3),
        **_drift_json(exc),
        **_validation_json(exc),
    }
    # Keys added after the first contract: present only when known.
    if story.stack_status:
        body["stack_status"] = story.stack_status
    if story.operation_id:
        body["operation_id"] = story.operation_id
    if story.notes:
        body["root_cause_notes"] = list(story.notes)
    return body


def _story_lines(exc: DeployError) -> list[str]:
    """The root cause an error after execution found, unless it only repeats the error."""
    from stackops.errors import story_of

    story = story_of(exc)
    causes = [c for c in story.root_cause or [] if c.reason != exc.message]
    lines = [f"root cause: {c.logical_id} ({c.type}): {c.reason}" for c in causes]
    return lines + [n for n in story.notes if "cannot read" in n]


def _drift_json(exc: BaseException) -> dict[str, Any]:
    """The drift report of a run that drift stopped (--on-drift fail); nothing otherwise."""
    drift = getattr(exc, "drift", None)
    return {} if drift is None else {"drift": drift}


def _validation_json(exc: BaseException) -> dict[str, Any]:
    """CloudFormation's early-validation errors, a key only when a change set failed with some."""
    errors = getattr(exc, "validation_errors", None)
    return {"validation_errors": list(errors)} if errors else {}


def _command(args: argparse.Namespace, err: TextIO) -> Result:
    from stackops import options
    from stackops.commands import delete, deploy, plan, status

    if _kept(args):
        return _execute_kept(args, err)
    if args.command == "plan":
        request = _request(args, err)
        return options.annotate(plan.run(_session(args, err), request), request)
    if args.command == "deploy":
        request = _request(args, err)
        return options.annotate(deploy.run(_session(args, err), request), request)
    if args.command == "status":
        return status.run(_session(args, err), args.stack_name, timeline=args.timeline)
    if args.command == "rollback":
        from stackops.commands import rollback

        skip, allow = tuple(args.skip_resource), tuple(args.allow_replacement)
        return rollback.run(_session(args, err), args.stack_name, skip, allow)
    if args.command == "delete" and args.force:
        from stackops.commands import force_delete

        return force_delete.run(_session(args, err), args.stack_name, args.yes)
    if args.command == "delete":
        return _delete_with_role(args, err)
    return delete.run(_session(args, err), args.stack_name, args.yes)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from stackops import render

    if args.command == "validate":
        from gate.command import validate_command

        return validate_command(args.template, args.output, out, err)
    result = _command(args, err)
    render.text(result, err)
    if args.output == "json":
        render.as_json(result, out)
    outputs_file = getattr(args, "outputs_file", None)
    if outputs_file is not None and result.exit_code == exitcodes.OK:
        text = json.dumps(result.outputs, indent=2, sort_keys=True) + "\n"
        write_atomic(outputs_file, text, parents=True)
        err.write(f"Outputs written to {outputs_file}\n")
    return result.exit_code


def _unexpected(exc: Exception) -> str:
    """One line for a failure no command turned into a DeployError."""
    from stackops.aws.errors import error_code, error_message, explain

    explained = explain(exc)
    if explained is not None:
        return explained
    code = error_code(exc)
    return f"AWS error: {code}: {error_message(exc)}" if code else f"{type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    with suppress(ValueError):  # not the main thread (embedded use)
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return _run(args, out, err)
    except DeployError as exc:
        err.write(
            f"error: {exc.message}\n"
            if exc.exit_code != exitcodes.INTERRUPTED
            else f"{exc.message}\n"
        )
        for line in exc.details + _story_lines(exc):
            err.write(f"  {line}\n")
        if getattr(args, "output", "text") == "json" and args.command != "validate":
            out.write(json.dumps(_error_json(args, exc, started), sort_keys=True) + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("interrupted\n")
        if getattr(args, "output", "text") == "json" and args.command != "validate":
            stopped = Interrupted("interrupted")
            out.write(json.dumps(_error_json(args, stopped, started), sort_keys=True) + "\n")
        return exitcodes.INTERRUPTED
    except Exception as exc:
        if os.environ.get("DEPLOY_DEBUG"):
            raise
        line = _unexpected(exc)
        err.write(f"error: {line}\n")
        if getattr(args, "output", "text") == "json" and args.command != "validate":
            out.write(json.dumps(_error_json(args, exc, started), sort_keys=True) + "\n")
        return exitcodes.FAILED


if __name__ == "__main__":
    sys.exit(main())
