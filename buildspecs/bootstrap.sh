#!/usr/bin/env bash
# Runs a platform's database bootstrap job and waits for it (buildspecs/deploy.yml, execute.yml):
# the CodeBuild project `$1` (edu-db-bootstrap-<suffix>, templates/bootstrap.py) creates or
# updates the application's database role and database with the master secret, inside that
# platform's VPC. The caller starts it and reads its status, nothing more: it never sees the
# secret. Anything but SUCCEEDED, or no end within BOOTSTRAP_WAIT_SECONDS (default 30 minutes),
# fails the stage with one line naming the build and its status.
# EDU_PIPELINE_OFFLINE=1 is set only by the offline pipeline test
# (tests/e2e/test_pipeline_offline.py): the emulator runs no CodeBuild build, so there the job
# is not started, and the line below says so.
set -euo pipefail
project="$1"
if [ "${EDU_PIPELINE_OFFLINE:-}" = 1 ]; then
  echo "bootstrap not started (EDU_PIPELINE_OFFLINE): $project"
  exit 0
fi
wait_seconds="${BOOTSTRAP_WAIT_SECONDS:-1800}"
poll_seconds="${BOOTSTRAP_POLL_SECONDS:-15}"
build="$(aws codebuild start-build --project-name "$project" --query build.id --output text)"
echo "bootstrap started: $build"
deadline=$((SECONDS + wait_seconds))
status=IN_PROGRESS
while [ "$status" = IN_PROGRESS ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "error: bootstrap $build still IN_PROGRESS after ${wait_seconds}s" >&2
    exit 1
  fi
  sleep "$poll_seconds"
  status="$(aws codebuild batch-get-builds --ids "$build" --query 'builds[0].buildStatus' --output text)"
done
if [ "$status" != SUCCEEDED ]; then
  echo "error: bootstrap $build ended $status" >&2
  exit 1
fi
echo "bootstrap succeeded: $build"
