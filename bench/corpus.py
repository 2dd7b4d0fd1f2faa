"""False positives of the gate on templates written by others: blockers and warnings per template.

Two corpora of production templates that deploy for many users, so a BLOCKER on one of them is
wrong unless AWS would refuse that template as written (each true one is listed in
TRUE_BLOCKERS with the reason):

- `widdix`: widdix/aws-cf-templates, vendored unchanged in bench/corpus/widdix/ (Apache 2.0).
- `cfn-modules`: the `module.yml` of the pinned `@cfn-modules/*` npm packages, unpacked by
  `python -m bench.corpus install` into build/corpus/cfn-modules/ (`npm pack`, which runs no
  package script).

`python -m bench.corpus` runs the layers that can produce blockers and warnings (cfn-lint and
the custom rules; checkov and the controls only give policy) over every template and prints a
Markdown table per template and the totals on stdout, progress on stderr. `--docs-table` prints
only the summary table that docs/gate.md holds.

Exit codes: 0 measured; 1 a blocker not listed in TRUE_BLOCKERS; 4 bad command line or a
missing corpus (run `python -m bench.corpus install`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clikit import exitcodes
from gate.findings import Finding, GateReport

ROOT = Path(__file__).resolve().parent.parent
WIDDIX = ROOT / "bench" / "corpus" / "widdix"
CFN_MODULES = ROOT / "build" / "corpus" / "cfn-modules"

# @cfn-modules/<name> at an exact version: every package of the cfn-modules organisation that
# ships a module.yml (the nested stacks people compose into their own templates).
CFN_MODULES_PINS: tuple[tuple[str, str], ...] = (
    ("acm-wildcard-certificate-public", "1.0.0"),
    ("alb", "1.2.0"),
    ("alb-listener", "1.4.0"),
    ("alb-redirect-to-https", "1.0.1"),
    ("alerting", "1.2.2"),
    ("asg-singleton-amazon-linux2", "2.4.0"),
    ("client-sg", "1.0.0"),
    ("cloudfront", "1.0.0"),
    ("cloudwatch-dashboard", "1.7.0"),
    ("cognito-userpool", "2.0.0"),
    ("dynamodb-table", "1.6.1"),
    ("ebs-volume", "1.2.0"),
    ("ec2-instance-amazon-linux2", "2.5.0"),
    ("ecs-alb-target", "1.4.0"),
    ("ecs-cluster", "1.2.0"),
    ("ecs-nlb-listener-and-target", "1.4.0"),
    ("efs-file-system", "1.3.0"),
    ("elasticache-redis", "1.1.0"),
    ("elasticache-serverless", "0.2.0"),
    ("fargate-scheduled-task", "1.7.0"),
    ("fargate-service", "2.15.1"),
    ("kinesis-data-stream", "0.1.0"),
    ("kms-key", "1.2.1"),
    ("kms-key-strict", "0.2.1"),
    ("lambda-event-source-cron", "1.1.0"),
    ("lambda-event-source-dynamodb-stream", "1.0.0"),
    ("lambda-event-source-kinesis-data-stream", "0.1.0"),
    ("lambda-event-source-sqs-queue", "1.0.0"),
    ("lambda-event-source-webhook", "2.0.1"),
    ("lambda-function", "2.10.0"),
    ("lambda-layer", "1.0.0"),
    ("lb-dns-record", "1.1.1"),
    ("nlb", "1.1.0"),
    ("rds-aurora-serverless", "2.0.0"),
    ("rds-postgres", "2.4.6"),
    ("route53-hosted-zone-private", "1.0.0"),
    ("route53-hosted-zone-public", "1.0.0"),
    ("route53-hosted-zone-wrapper", "1.11.0"),
    ("s3-bucket", "1.8.0"),
    ("secret", "1.3.0"),
    ("ssh-bastion", "1.5.0"),
    ("vpc", "2.3.0"),
    ("vpc-nat-gateway", "2.0.0"),
)

# (template as "corpus/relative path", rule ID, logical ID) -> why AWS refuses it as written.
TRUE_BLOCKERS: dict[tuple[str, str, str | None], str] = {}


@dataclass
class Result:
    """What the gate's lint layer said about one template."""

    name: str  # "corpus/relative path"
    findings: list[Finding] = field(default_factory=list)

    @property
    def blockers(self) -> list[Finding]:
        return GateReport(self.findings).blockers

    @property
    def warnings(self) -> list[Finding]:
        return GateReport(self.findings).warnings

    def unexplained(
        self, documented: dict[tuple[str, str, str | None], str] | None = None
    ) -> list[Finding]:
        """Blockers that TRUE_BLOCKERS does not document: false positives until shown true."""
        known = TRUE_BLOCKERS if documented is None else documented
        return [b for b in self.blockers if (self.name, b.rule_id, b.logical_id) not in known]


def corpora() -> dict[str, Path]:
    return {"widdix": WIDDIX, "cfn-modules": CFN_MODULES}


def templates(corpus: str) -> list[Path]:
    """The corpus's templates, sorted; [] when it is not installed."""
    root = corpora()[corpus]
    if corpus == "cfn-modules":
        return sorted(root.glob("*/module.yml"))
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def name_of(corpus: str, path: Path) -> str:
    return f"{corpus}/{path.relative_to(corpora()[corpus]).as_posix()}"


def lint(corpus: str, path: Path) -> Result:
    from gate.lint import run_cfn_lint

    return Result(name_of(corpus, path), run_cfn_lint(path))


# -- install ---------------------------------------------------------------------------------


def install(dest: Path = CFN_MODULES) -> str:
    """Unpack each pinned package's module.yml into dest/<name>/; the reason when it cannot."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm not installed: the cfn-modules corpus is skipped"
    missing = [(n, v) for n, v in CFN_MODULES_PINS if not (dest / n / "module.yml").is_file()]
    if not missing:
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"@cfn-modules/{n}@{v}" for n, v in missing]
        done = subprocess.run(
            [npm, "pack", "--silent", *specs], cwd=tmp, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            return f"npm pack failed: {done.stderr.strip().splitlines()[-1:]}"
        for name, version in missing:
            unpack(Path(tmp) / f"cfn-modules-{name}-{version}.tgz", dest / name)
    return ""


def unpack(tarball: Path, dest: Path) -> None:
    """The package's module.yml (npm puts every file under package/), written to dest."""
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("package/module.yml")
        if member is None:
            raise OSError(f"{tarball.name} holds no module.yml")
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "module.yml").write_bytes(member.read())


# -- report ----------------------------------------------------------------------------------


def measure(names: Sequence[str]) -> dict[str, list[Result]]:
    results: dict[str, list[Result]] = {}
    for corpus in names:
        results[corpus] = []
        for path in templates(corpus):
            print(f"bench.corpus: {name_of(corpus, path)}", file=sys.stderr, flush=True)
            results[corpus].append(lint(corpus, path))
    return results


def per_template(results: dict[str, list[Result]]) -> str:
    lines = ["| template | blockers | warnings |", "| --- | --- | --- |"]
    for found in results.values():
        for r in found:
            if r.blockers or r.warnings:
                lines.append(f"| {r.name} | {len(r.blockers)} | {len(r.warnings)} |")
    return "\n".join(lines)


def summary(results: dict[str, list[Result]]) -> str:
    lines = [
        "| corpus | templates | with a blocker | blockers | of them documented true | warnings |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for corpus, found in results.items():
        blockers = sum(len(r.blockers) for r in found)
        unexplained = sum(len(r.unexplained()) for r in found)
        lines.append(
            f"| {corpus} | {len(found)} | {sum(1 for r in found if r.blockers)} | {blockers} "
            f"| {blockers - unexplained} | {sum(len(r.warnings) for r in found)} |"
        )
    return "\n".join(lines)


def details(results: dict[str, list[Result]]) -> str:
    """Every blocker and warning, one line each: what the table counts."""
    return "\n".join(
        f"{r.name}: {f.line()}"
        for found in results.values()
        for r in found
        for f in (*r.blockers, *r.warnings)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("measure", "install"), default="measure")
    parser.add_argument("--corpus", action="append", choices=tuple(corpora()))
    parser.add_argument("--docs-table", action="store_true", help="print only the summary table")
    parser.add_argument("--details", action="store_true", help="also print every finding counted")
    args = parser.parse_args(argv)
    if args.command == "install":
        reason = install()
        print(f"bench.corpus: {reason or 'cfn-modules corpus installed'}", file=sys.stderr)
        return exitcodes.OK
    names = args.corpus or list(corpora())
    empty = [n for n in names if not templates(n)]
    if empty:
        print(
            f"bench.corpus: no templates in {', '.join(empty)}: "
            "run `python -m bench.corpus install`",
            file=sys.stderr,
        )
        return exitcodes.BAD_INPUT
    results = measure(names)
    if not args.docs_table:
        print(per_template(results) + "\n")
    print(summary(results))
    if args.details:
        print("\n" + details(results))
    unexplained = any(r.unexplained() for found in results.values() for r in found)
    return exitcodes.FAILED if unexplained else exitcodes.OK


if __name__ == "__main__":
    sys.exit(main())
