#!/usr/bin/env bash
# One-time set-up shared by the README commands: Node.js >= 22.12 (Node 24 installed as root when older), a Docker
# engine, dependencies with native addons built for the node that runs them, and the bundled build.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ensure-node.sh
source scripts/ensure-node.sh
bash scripts/ensure-engine.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: npm 11 writes lock files without other platforms' optional packages (rollup's,
  # esbuild's) and then npm ci refuses them as out of sync. Versions still come from package-lock.json.
  echo "berth setup: installing dependencies (npm install)" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
# Native addons built for another node (node_modules installed under Node 20, then node updated) fail to load:
# rebuild them for this one.
if ! node -e "new (require('better-sqlite3'))(':memory:').close(); require('node-pty')" 2>/dev/null; then
  echo "berth setup: rebuilding native addons for node $(node -v)" >&2
  npm rebuild better-sqlite3 node-pty --loglevel=error >&2
  node -e "new (require('better-sqlite3'))(':memory:').close(); require('node-pty')"
fi
npm run --silent build >&2
