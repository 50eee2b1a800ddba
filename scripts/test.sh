#!/usr/bin/env bash
# The whole test suite: Node.js (Node 24 installed as root when older), engine bring-up, dependencies, build, type
# check, then vitest against the real engine, all under that node (npm test may have been started by an older one).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ensure-node.sh
source scripts/ensure-node.sh
bash scripts/setup.sh
npx tsc --noEmit
npx vitest run "$@"
