#!/usr/bin/env bash
# Sets up everything the tests need and runs them: system packages (when missing; needs
# root or sudo), ./.venv with the test extras, a private D-Bus session with gnome-keyring,
# Qt offscreen. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/system-packages.sh
source installer/venv.sh
ensure_venv "[test]"
export QT_QPA_PLATFORM=offscreen
exec dbus-run-session -- bash installer/with-keyring.sh .venv/bin/python -m pytest "$@"
