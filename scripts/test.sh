#!/usr/bin/env bash
# One command from a fresh machine to the whole test suite (a throw-away PostGIS database is
# created and dropped by the tests), plus ruff and mypy. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check app tests bench migrations
.venv/bin/mypy app
exec .venv/bin/python -m pytest "$@"
