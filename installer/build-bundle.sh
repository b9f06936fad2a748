#!/usr/bin/env bash
# Builds dist/clinic-app/: the program with Python and every library inside, for a desktop
# with no Python (PyInstaller, installed into ./.venv with the test extras). Run the
# result as dist/clinic-app/clinic-app (no arguments: the window).
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/venv.sh
ensure_venv "[test]"
.venv/bin/python -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    installer/clinic-app.spec
echo "built: dist/clinic-app/clinic-app"
