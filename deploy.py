#!/usr/bin/env python3
"""Plan, deploy, inspect and delete CloudFormation stacks through change sets."""

#     python deploy.py plan     --stack-name NAME --template FILE [inputs]
#     python deploy.py deploy   --stack-name NAME --template FILE [inputs] [--yes]
#     python deploy.py status   --stack-name NAME
#     python deploy.py delete   --stack-name NAME [--yes]
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
from stackops.errors import BadInput, DeployError

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


def build_parser() -> Parser:
    parser = Parser(
        prog="deploy.py",
        description="Plan, deploy, inspect and delete CloudFormation stacks, safely and visibly.",
        epilog=exitcodes.help_epilog() + "\n\n" + POLL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fmt = argparse.RawDescriptionHelpFormatter
    epilog = exitcodes.help_epilog()

    plan = sub.add_parser(
        "plan", help="review changes only: exit 0 none, 2 some", epilog=epilog, formatter_class=fmt
    )
    _inputs(plan)
    _common(plan)

    deploy = sub.add_parser(
        "deploy",
        help="create or update a stack via a change set",
        epilog=epilog,
        formatter_class=fmt,
    )
    _inputs(deploy)
    _common(deploy)
    _deploy_flags(deploy)

    status = sub.add_parser(
        "status",
        help="status, last operation, root cause, outputs",
        epilog=epilog,
        formatter_class=fmt,
    )
    status.add_argument("--stack-name", required=True)
    _common(status)

    delete = sub.add_parser(
        "delete",
        help="empty the stack's buckets, delete it, wait",
        epilog=epilog,
        formatter_class=fmt,
    )
    delete.add_argument("--stack-name", required=True)
    delete.add_argument("--yes", action="store_true", help="delete without asking")
    _common(delete)

    validate = sub.add_parser(
        "validate",
        help="the offline gate: cfn-lint, checkov, custom rules, Control Tower controls",
        epilog=epilog,
        formatter_class=fmt,
    )
    _validate_flags(validate)
    return parser


def _validate_flags(p: argparse.ArgumentParser) -> None:
    """validate: the template, the values to judge it with, the controls layer, the format."""
    p.add_argument("--template", required=True, type=Path)
    p.add_argument(
        "--output",
        choices=("text", "json", "sarif"),
        default="text",
        help="text on stderr, or one JSON object or one SARIF 2.1.0 log on stdout",
    )
    p.add_argument(
        "--parameters",
        type=Path,
        help="judge the template with these values: CLI list, CodePipeline {Parameters, Tags}, "
        "or a {key: value} map",
    )
    p.add_argument(
        "--parameter", action="append", metavar="KEY=VALUE", help="overrides the file; repeatable"
    )
    p.add_argument(
        "--controls",
        choices=("auto", "on", "off"),
        default="auto",
        help="Control Tower proactive controls: auto = when the template's Metadata has "
        "StackOps: {Controls: on}",
    )


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _gate(args: argparse.Namespace, err: TextIO) -> None:
    """The offline gate before any AWS call: blockers stop, policy findings warn (or stop)."""
    if args.skip_validation:
        err.write("Offline validation skipped (--skip-validation).\n")
        return
    import gate
    from gate.params import read_values

    # The values being deployed (read as _request read them): each layer judges those.
    values = read_values(args.template, args.parameters, args.parameter)
    report = gate.run_gate(args.template, parameters=values)
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
    )


def _session(args: argparse.Namespace, err: TextIO) -> Session:
    from stackops.aws import clients
    from stackops.follow.polling import Poll
    from stackops.render import Console
    from stackops.session import Session

    made = clients.make_clients(args.region, args.endpoint_url)
    return Session(made, Console(err, sys.stdin), Poll.from_env())


def _error_json(args: argparse.Namespace, exc: DeployError, started: float) -> dict[str, Any]:
    names = {
        exitcodes.BAD_INPUT: "BAD_INPUT",
        exitcodes.REFUSED: "REFUSED",
        exitcodes.NEEDS_HUMAN: "NEEDS_HUMAN",
        exitcodes.INTERRUPTED: "INTERRUPTED",
    }
    return {
        "stack": getattr(args, "stack_name", None),
        "operation": exc.operation or args.command,
        "status": names.get(exc.exit_code, "FAILED"),
        "changes": [c.as_dict() for c in exc.changes],
        "outputs": {},
        "root_cause": None,
        "duration_s": round(time.monotonic() - started, 3),
    }


def _command(args: argparse.Namespace, err: TextIO) -> Result:
    from stackops.commands import delete, deploy, plan, status

    if args.command == "plan":
        request = _request(args, err)
        return plan.run(_session(args, err), request)
    if args.command == "deploy":
        request = _request(args, err)
        return deploy.run(_session(args, err), request)
    if args.command == "status":
        return status.run(_session(args, err), args.stack_name)
    return delete.run(_session(args, err), args.stack_name, args.yes)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from stackops import render

    if args.command == "validate":
        from gate.command import validate_command

        return validate_command(
            args.template,
            args.output,
            out,
            err,
            parameter_file=args.parameters,
            parameter_flags=args.parameter,
            controls=args.controls,
        )
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
        for line in exc.details:
            err.write(f"  {line}\n")
        if getattr(args, "output", "text") == "json" and args.command != "validate":
            out.write(json.dumps(_error_json(args, exc, started), sort_keys=True) + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return exitcodes.INTERRUPTED
    except Exception as exc:
        if os.environ.get("DEPLOY_DEBUG"):
            raise
        line = _unexpected(exc)
        err.write(f"error: {line}\n")
        if getattr(args, "output", "text") == "json" and args.command != "validate":
            out.write(
                json.dumps(_error_json(args, DeployError(line), started), sort_keys=True) + "\n"
            )
        return exitcodes.FAILED


if __name__ == "__main__":
    sys.exit(main())
