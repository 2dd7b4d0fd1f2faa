#!/usr/bin/env bash
# The application's health check after a deploy (buildspecs/deploy.yml, execute.yml): its
# function `<stack>-health` must answer {"ok": true, ...}; anything else fails the stage.
# EDU_PIPELINE_OFFLINE=1 is set only by the offline pipeline test
# (tests/e2e/test_pipeline_offline.py): the emulator deploys the function but cannot run its
# code, so there the function must exist and is not invoked.
set -euo pipefail
function="$1-health"
if [ "${EDU_PIPELINE_OFFLINE:-}" = 1 ]; then
  aws lambda get-function --function-name "$function" --query Configuration.FunctionName --output text
  echo "health check not invoked (EDU_PIPELINE_OFFLINE): $function exists"
  exit 0
fi
aws lambda invoke --function-name "$function" health.json >/dev/null
if jq -e '.ok == true' health.json >/dev/null; then
  echo "healthy: $function"
else
  echo "unhealthy: $function answered $(head -c 500 health.json)" >&2
  exit 1
fi
