#!/usr/bin/env bash
# One command from a fresh machine to the service on http://127.0.0.1:8000 with the demo region.
# The demo is served from its own database (rtrw_demo on the default server) unless
# RTRW_DATABASE_URL names one, and `rtrw demo setup` loads the demo pack only into an empty
# catalog: layers and rules a user loaded are never replaced by the synthetic demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
RTRW_DATABASE_URL="$(.venv/bin/rtrw demo url)"
export RTRW_DATABASE_URL
.venv/bin/rtrw demo setup
exec .venv/bin/rtrw serve --host "${RTRW_HOST:-127.0.0.1}" --port "${RTRW_PORT:-8000}"
