"""The profiles the tests build, and which of them carry the pipeline."""

from __future__ import annotations

PROFILE_NAMES = ("production", "ephemeral", "staging")
# The profiles whose platform carries the pipeline (buckets, projects, CodePipeline). A test
# module about the pipeline says `PROFILES = PIPELINE_PROFILES`; `profile` (and so `template`)
# then runs over those only.
PIPELINE_PROFILES = ("production", "ephemeral")
# The application stage each profile's platform hosts (Profile.app_stage): a test that takes
# `stage` runs once per profile with that profile's stage.
PROFILE_STAGES = {"production": "production", "ephemeral": "production", "staging": "staging"}
