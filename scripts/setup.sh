#!/usr/bin/env bash
# One-time set-up shared by the README commands: a Docker engine, dependencies, and the bundled build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: npm 11 writes lock files without other platforms' optional packages (rollup's,
  # esbuild's) and then npm ci refuses them as out of sync. Versions still come from package-lock.json.
  echo "berth setup: installing dependencies (npm install)" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
npm run --silent build >&2
