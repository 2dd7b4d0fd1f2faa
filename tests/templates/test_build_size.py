"""The minified template fits in a TemplateBody (51,200 bytes), so no S3 upload is needed."""

from __future__ import annotations

import json
from typing import Any

from cfnmodel.limits import TEMPLATE_BODY_BYTES as TEMPLATE_BODY_LIMIT


def test_compact_json_fits_in_a_template_body(template: dict[str, Any]) -> None:
    size = len(json.dumps(template, separators=(",", ":")).encode())
    assert size < TEMPLATE_BODY_LIMIT, (
        f"{size} bytes; the TemplateBody limit is {TEMPLATE_BODY_LIMIT}"
    )
