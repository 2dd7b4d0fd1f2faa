"""The profiles the tests build, and which of them carry the pipeline (templates.context)."""

from __future__ import annotations

from templates.context import PROFILES

PROFILE_NAMES = tuple(PROFILES)
# The profiles whose platform carries the pipeline (buckets, projects, CodePipeline). A test
# module about the pipeline says `PROFILES = PIPELINE_PROFILES`; `profile` (and so `template`)
# then runs over those only.
PIPELINE_PROFILES = tuple(name for name, p in PROFILES.items() if p.pipeline)
# The application stage each profile's platform hosts: a test that takes `stage` runs once per
# profile with that profile's stage.
PROFILE_STAGES = {name: p.app_stage for name, p in PROFILES.items()}
