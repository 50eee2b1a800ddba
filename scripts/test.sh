#!/usr/bin/env bash
# The whole test suite: engine bring-up, dependencies, build, type check, then vitest against the real engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
npx vitest run "$@"
