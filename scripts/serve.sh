#!/usr/bin/env bash
# One command from a fresh machine to the service on http://127.0.0.1:8000 with the demo region.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/rtrw db upgrade
.venv/bin/rtrw demo generate
.venv/bin/rtrw region load layers/batang-demo
exec .venv/bin/rtrw serve --host "${RTRW_HOST:-127.0.0.1}" --port "${RTRW_PORT:-8000}"
