"""`python -m app.build template|params|check|bundle`: what the pipeline's build and a team's CI
run for the sample application.

- `template --out DIR`: DIR/template.json, DIR/code.zip (deterministic), DIR/code.sha256
- `params --suffix S --code-bucket B --code-key K`: a CodePipeline-format parameter file on
  stdout, for `deploy.py --parameters` (each contract parameter's value is its SSM path)
- `check DIR`: exit 4 and one line naming the first file the pipeline needs that DIR lacks
- `bundle --out FILE`: bundle.zip of this checkout (what a team's CI uploads)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import NoReturn

from app import bundle, code
from app import template as app_template
from clikit import exitcodes
from clikit.files import write_atomic
from templates.contract import CONTRACT_KEYS
from templates.parameters import STAGING_SUFFIX_TAIL, SUFFIX_MAX_LENGTH, SUFFIX_PATTERN

ROOT = Path(__file__).resolve().parent.parent


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 4 (as in deploy.py)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(exitcodes.BAD_INPUT)


def parser() -> Parser:
    p = Parser(prog="python -m app.build", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    t = sub.add_parser("template", help="write template.json, code.zip and code.sha256")
    t.add_argument("--out", type=Path, required=True, help="the directory to write to")
    t.add_argument(
        "--ca-bundle",
        type=Path,
        help=f"RDS CA bundle (default: ${code.CA_ENV}, else downloaded from RDS)",
    )
    s = sub.add_parser("params", help="print the deploy parameter file")
    s.add_argument("--suffix", required=True, help="the platform's EnvironmentSuffix")
    s.add_argument("--code-bucket", required=True)
    s.add_argument("--code-key", required=True)
    c = sub.add_parser("check", help="exit 4 if DIR lacks a file the pipeline runs")
    c.add_argument("dir", type=Path)
    b = sub.add_parser("bundle", help="write bundle.zip of this checkout")
    b.add_argument("--out", type=Path, default=Path("bundle.zip"))
    return p


def run_template(out: Path, ca_bundle: Path | None, install: code.Installer) -> int:
    ca = code.ca_bundle(ca_bundle)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "template.json", app_template.to_json())
    digest = code.build_code(out / "code.zip", ca, install)
    write_atomic(out / "code.sha256", f"{digest}  code.zip\n")
    print(f"wrote {out}/template.json, code.zip (sha256 {digest})", file=sys.stderr)
    return exitcodes.OK


def params(suffix: str, code_bucket: str, code_key: str) -> dict[str, dict[str, str]]:
    values = {k.camel: k.path(suffix) for k in CONTRACT_KEYS}
    return {"Parameters": {**values, "CodeBucket": code_bucket, "CodeKey": code_key}}


def platform_suffix(suffix: str) -> bool:
    """A platform's EnvironmentSuffix: a production or ephemeral one, or the pipeline's staging
    platform's, which is one of those plus `-stg`."""
    base = suffix.removesuffix(STAGING_SUFFIX_TAIL)
    return len(base) <= SUFFIX_MAX_LENGTH and re.fullmatch(SUFFIX_PATTERN, suffix) is not None


def run_params(suffix: str, code_bucket: str, code_key: str) -> int:
    if not platform_suffix(suffix):
        print(
            f"error: --suffix {suffix!r} is not a platform suffix "
            f"(a-z, 0-9, inner hyphens, at most {SUFFIX_MAX_LENGTH}, "
            f"or that plus {STAGING_SUFFIX_TAIL})",
            file=sys.stderr,
        )
        return exitcodes.BAD_INPUT
    if not code_bucket or not code_key:
        print("error: --code-bucket and --code-key must not be empty", file=sys.stderr)
        return exitcodes.BAD_INPUT
    print(json.dumps(params(suffix, code_bucket, code_key), indent=1))
    return exitcodes.OK


def run_check(directory: Path) -> int:
    missing = bundle.first_missing(directory)
    if missing is not None:
        print(f"error: {directory} has no {missing} (the pipeline runs it)", file=sys.stderr)
        return exitcodes.BAD_INPUT
    return exitcodes.OK


def run_bundle(out: Path) -> int:
    missing = bundle.first_missing(ROOT)
    if missing is not None:
        print(f"error: this checkout has no {missing}: no bundle written", file=sys.stderr)
        return exitcodes.BAD_INPUT
    digest = bundle.build_bundle(ROOT, out)
    print(f"wrote {out} (sha256 {digest})", file=sys.stderr)
    return exitcodes.OK


def main(argv: list[str] | None = None, install: code.Installer = code.pip_install) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "template":
            return run_template(args.out, args.ca_bundle, install)
        if args.command == "params":
            return run_params(args.suffix, args.code_bucket, args.code_key)
        if args.command == "check":
            return run_check(args.dir)
        return run_bundle(args.out)
    except code.BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
