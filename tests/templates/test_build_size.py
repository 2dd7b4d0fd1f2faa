"""The template fits CloudFormation's 1,000,000-byte limit for a template read from S3.

It is no longer held under the 51,200-byte TemplateBody limit: `deploy.py` uploads a larger
template to S3 itself, and the console uploads every template through S3. Holding it under 51,200
bytes had cost features (the CodeConnections source, the RDS `upgrade` log export).
"""

from __future__ import annotations

import json
from typing import Any

from cfnmodel.limits import TEMPLATE_URL_BYTES


def test_compact_json_fits_in_a_template_read_from_s3(template: dict[str, Any]) -> None:
    size = len(json.dumps(template, separators=(",", ":")).encode())
    assert size < TEMPLATE_URL_BYTES, f"{size} bytes; the limit through S3 is {TEMPLATE_URL_BYTES}"
