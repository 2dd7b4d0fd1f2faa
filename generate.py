#!/usr/bin/env python3
"""Writes the education platform's CloudFormation template, and nothing else, to stdout.

Exit codes (the same table as deploy.py's): 0 written; 1 the template could not be built (a bug:
please report it) or --output could not be written (nothing was written); 4 bad command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from clikit import exitcodes
from clikit.files import write_atomic

EXIT_OK = exitcodes.OK
EXIT_BUILD_FAILED = exitcodes.FAILED
EXIT_USAGE = exitcodes.BAD_INPUT
EXIT_OUTPUT_FAILED = exitcodes.FAILED

PROFILE_CHOICES = ("production", "ephemeral", "staging")
FORMAT_CHOICES = ("json", "yaml")

EPILOG = exitcodes.help_epilog(
    (
        (exitcodes.OK, "template written"),
        (
            exitcodes.FAILED,
            "the template could not be built (a bug), or --output could not be "
            "written (nothing was written)",
        ),
        (exitcodes.BAD_INPUT, "bad command line"),
    )
)


class UsageError(Exception):
    """A mistake on the command line; its message is the one line the user sees."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; one line is easier to act on.
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="generate.py",
        description="Write the education platform's CloudFormation template to stdout.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--profile",
        choices=PROFILE_CHOICES,
        default="production",
        help="production keeps data on delete; ephemeral (CI) deletes everything; staging is "
        "the pipeline's staging platform (no pipeline, deleted like ephemeral) "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--format", choices=FORMAT_CHOICES, default="json", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write FILE atomically instead of stdout (all or nothing)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print a deploy-time report to stderr: size against the limits and the "
        "estimated critical path (see cfnmodel/graph.py)",
    )
    return parser


def render(template_dict: dict[str, Any], fmt: str) -> str:
    """Sorted keys in both formats, so that diffs between runs are stable."""
    text = json.dumps(template_dict, sort_keys=True, indent=2) + "\n"
    if fmt == "yaml":
        from cfn_flip import to_yaml

        yaml_text: str = to_yaml(text)
        return yaml_text
    return text


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"generate.py: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help: argparse printed it and wants to stop
        return int(exc.code or 0)

    try:
        from templates import build_template

        template_dict = build_template(args.profile).to_dict()
        text = render(template_dict, args.format)
    except Exception as exc:  # one line for the user; the bug report needs only this line
        print(f"generate.py: error: cannot build the template: {exc}", file=sys.stderr)
        return EXIT_BUILD_FAILED

    if args.explain:
        # A human report, so stderr: stdout (or --output) still carries only the template.
        from cfnmodel.durations import load_durations
        from cfnmodel.graph import explain
        from cfnmodel.graph import render as render_report

        try:
            report = explain(template_dict, load_durations())
        except (ValueError, OSError) as exc:
            print(f"generate.py: error: cannot explain the template: {exc}", file=sys.stderr)
            return EXIT_BUILD_FAILED
        sys.stderr.write(render_report(report, f"Deploy-time report ({args.profile} profile)"))

    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        write_atomic(args.output, text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(
            f"generate.py: error: cannot write {args.output}: {reason}; nothing was written",
            file=sys.stderr,
        )
        return EXIT_OUTPUT_FAILED
    print(f"wrote {args.output} ({args.profile}, {args.format})", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
