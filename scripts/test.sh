#!/usr/bin/env bash
# One command from a fresh machine to the whole test suite (a throw-away PostGIS database is
# created and dropped by the tests), plus ruff, mypy and `alembic check`. Extra arguments go
# to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check app tests bench migrations
.venv/bin/mypy app
# The models (app/models) must describe exactly what the migrations create: `alembic check`
# on a throw-away database migrated to head (on the test server when one is named).
(
  if [ -n "${RTRW_TEST_DATABASE_URL:-}" ]; then export RTRW_DATABASE_URL="$RTRW_TEST_DATABASE_URL"; fi
  exec .venv/bin/rtrw db check --scratch
)
exec .venv/bin/python -m pytest "$@"
