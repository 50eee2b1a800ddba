#!/usr/bin/env bash
# `npm run dashboard`: the set-up, then the dashboard under the node it settled on (npm may run on an older one).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ensure-node.sh
source scripts/ensure-node.sh
bash scripts/setup.sh
exec node bin/berth "$@"
