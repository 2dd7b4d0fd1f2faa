"""The bootstrap job's CodeBuild buildspec: a NO_SOURCE project, so everything it runs is in the
buildspec itself. It installs the job's dependencies pinned with hashes into a fresh venv,
downloads the RDS CA bundle over HTTPS, writes dbbootstrap/job.py from an embedded copy and runs
it. The project passes JOB_ENV as PLAINTEXT variables: ARNs and a name, never a secret value.

The job's source and the lock file are embedded gzipped (the template has a size budget), as
base64: the base64 alphabet has no quote, `$`, backslash, `#`, `:` or newline,
so the text passes unchanged through json.dumps, CloudFormation (even inside Fn::Sub), YAML and
the shell, and `base64 -d` gives back the file's exact bytes."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

JOB_ENV = ("MASTER_SECRET_ARN", "APP_SECRET_ARN", "DB_NAME")
JOB_SOURCE = Path(__file__).with_name("job.py")
IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
PYTHON = "3.12"
CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
WORK = "/tmp/edu-db-bootstrap"
# CodeBuild accepts a much longer inline buildspec; the template's size budget is the limit.
MAX_CHARS = 12_000
# The job's closure (pg8000, and boto3 for reading the secrets), every wheel pinned by its
# sha256 (pip download <pkg>==<version> --no-deps; sha256sum). All are pure-Python wheels.
LOCK = """\
pg8000==1.31.6 --hash=sha256:1ffe27af94fa5b37ce6885b98d591dc75562ff076859bf50ca7729af59345a80
scramp==1.5.0 --hash=sha256:8280608f568e81da9e9c9d69cac1331b836622d9b48bf5c5e400e16129c6d1fa
asn1crypto==1.5.1 --hash=sha256:db4e40728b728508912cbb3d44f19ce188f218e9eba635821bb4b68564f8fd67
python-dateutil==2.9.0.post0 \
--hash=sha256:a8b2bc7bffae282281c8140a97d3aa9c14da0b136dfe83f850eea9a5f7470427
six==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274
boto3==1.44.5 --hash=sha256:70c3e0409794b29ec1900bcaff0695b73234a2d32ffaed35045b94caa26212a5
botocore==1.44.8 --hash=sha256:76342a76c338701db80dcb8afe1c9bd079283d6fffbb9d881442abb02a215043
jmespath==1.1.0 --hash=sha256:a5663118de4908c91729bea0acadca56526eb2698e83de10cd116ae0f4e97c64
s3transfer==0.19.3 --hash=sha256:24eb7535804306355e31c952a90022bf5b2f9d760f9a11062c7493a217c08553
urllib3==2.8.0 --hash=sha256:0cf3cae568d36aa9576b28dfb35f11328f1cb974ca7647d9475ebb86c75ac6e3
"""


def embed(data: bytes) -> str:
    """`data` gzipped without a timestamp (the same input gives the same template), base64."""
    return base64.b64encode(gzip.compress(data, mtime=0)).decode("ascii")


def _unpack(data: bytes, path: str) -> str:
    return f"echo {embed(data)} | base64 -d | gunzip > {path}"


def buildspec() -> str:
    venv = f"{WORK}/venv"
    spec = {
        "version": 0.2,
        "phases": {
            "install": {
                "runtime-versions": {"python": PYTHON},
                "commands": [
                    f"mkdir -p {WORK} && python -m venv {venv}",
                    _unpack(LOCK.encode("ascii"), f"{WORK}/requirements.lock"),
                    # The venv sees only what the lock names, whatever the image preinstalls.
                    f"{venv}/bin/pip install --disable-pip-version-check --require-hashes"
                    f" --no-deps --only-binary=:all: -r {WORK}/requirements.lock",
                    f"curl --fail --silent --show-error --proto =https --tlsv1.2"
                    f" -o {WORK}/rds-ca.pem {CA_BUNDLE_URL}",
                    _unpack(JOB_SOURCE.read_bytes(), f"{WORK}/job.py"),
                ],
            },
            "build": {
                "commands": [f"CA_BUNDLE={WORK}/rds-ca.pem {venv}/bin/python {WORK}/job.py"],
            },
        },
    }
    text = json.dumps(spec, separators=(",", ":"))
    if len(text) > MAX_CHARS:
        raise ValueError(f"the buildspec has {len(text)} characters, over {MAX_CHARS}")
    return text
