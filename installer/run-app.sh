#!/usr/bin/env bash
# Sets up clinic-app in ./.venv (first time, or after pyproject.toml changed) and starts it.
# First start with no data folder: training mode with demo data, no questions asked.
# Extra arguments go to clinic-app (for example: bash installer/run-app.sh status).
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/system-packages.sh  # the window's libraries and Thai fonts (when missing; needs root or sudo)
source installer/venv.sh
ensure_venv ""
exec .venv/bin/clinic-app "$@"
