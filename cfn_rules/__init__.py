"""Custom cfn-lint rules of this project.

Load them with ``cfn-lint --append-rules cfn_rules template.json`` (cfn-lint walks this directory
and imports every ``[A-Za-z1-9]*.py`` file as a plain module) or through ``stackops.gate``.
Blocker rules are E9101-E9107; promise (policy) rules are W9201-W9205. Helpers live in
``_common.py`` and ``_bounds.py``, which the directory walk skips because of their leading
underscore; intrinsic functions and service limits are read through ``cfnmodel``.
"""
