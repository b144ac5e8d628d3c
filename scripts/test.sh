#!/usr/bin/env bash
# One command from a fresh machine to the whole test suite (a throw-away PostGIS database is
# created and dropped by the tests), plus ruff, mypy and `alembic check`. Extra arguments go
# to pytest (run on every core, see below).
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
# pytest on every core (RTRW_TEST_WORKERS=0: one process); a test file stays on one worker,
# each worker has its own throw-away database.
exec .venv/bin/python -m pytest -n "${RTRW_TEST_WORKERS:-auto}" --dist loadfile "$@"
