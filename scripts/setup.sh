#!/usr/bin/env bash
# Set up a fresh Debian machine with PostgreSQL running: PostGIS (apt, when missing), the
# virtualenv with the pinned dependencies, and the project. Idempotent; safe to run again.
#   scripts/setup.sh            # service + tests
#   scripts/setup.sh --bench    # also gdal-bin (ogr2ogr), the anchor of bench/load.py, and the
#                               # .venv-tipg / .venv-titiler anchors of bench/tiles.py, rasters.py
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# 1. PostgreSQL must be up (a local cluster is started if it is stopped).
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header | while read -r ver name _port status _rest; do
    if [ "$status" != "online" ]; then
      echo "setup: starting PostgreSQL $ver/$name"
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
    fi
  done
fi

# 2. PostGIS for each local PostgreSQL major version, when missing.
if command -v pg_lsclusters >/dev/null 2>&1; then
  for ver in $(pg_lsclusters --no-header | awk '{print $1}' | sort -u); do
    if [ ! -f "/usr/share/postgresql/$ver/extension/postgis.control" ]; then
      echo "setup: installing PostGIS for PostgreSQL $ver (apt)"
      apt_install "postgresql-$ver-postgis-3"
    fi
  done
fi
# Debian's Chromium for the browser tests (Playwright drives it; no browser is ever downloaded).
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Chromium (apt) for the browser tests"
  apt_install chromium fonts-dejavu-core
fi
if [ "${1:-}" = "--bench" ]; then
  if ! command -v ogr2ogr >/dev/null 2>&1; then
    echo "setup: installing gdal-bin (ogr2ogr) for the benchmarks"
    apt_install gdal-bin
  fi
  # tipg, the anchor of bench/tiles.py, pins its own dependencies: a virtualenv of its own.
  if [ ! -x .venv-tipg/bin/uvicorn ]; then
    echo "setup: creating .venv-tipg (tipg + uvicorn) for bench/tiles.py"
    [ -x .venv-tipg/bin/python ] || "$PY" -m venv .venv-tipg
    if [ -x .venv/bin/uv ]; then
      .venv/bin/uv pip install -q --python .venv-tipg/bin/python tipg uvicorn
    else
      .venv-tipg/bin/python -m pip install -q --disable-pip-version-check tipg uvicorn
    fi
  fi
  # TiTiler, the anchor of bench/rasters.py, likewise (its rio-tiler need not match ours).
  if [ ! -x .venv-titiler/bin/uvicorn ]; then
    echo "setup: creating .venv-titiler (titiler.application + uvicorn) for bench/rasters.py"
    [ -x .venv-titiler/bin/python ] || "$PY" -m venv .venv-titiler
    if [ -x .venv/bin/uv ]; then
      .venv/bin/uv pip install -q --python .venv-titiler/bin/python titiler.application uvicorn
    else
      .venv-titiler/bin/python -m pip install -q --disable-pip-version-check \
        titiler.application uvicorn
    fi
  fi
fi

# 3. Virtualenv with the locked dependencies, then the project itself (editable).
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check uv
# --compile-bytecode: the .pyc files are written once here, not by the first import of each
# module (in every test worker, CLI call and server process of a fresh checkout).
.venv/bin/uv pip install -q --python .venv/bin/python --compile-bytecode -r requirements.lock
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
echo "setup: ready ($(.venv/bin/python -c 'import app; print("rtrw", app.__version__)'))"
