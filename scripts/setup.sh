#!/usr/bin/env bash
# One-time set-up shared by the README commands: a Docker engine, dependencies, and the bundled build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "berth setup: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
npm run --silent build >&2
