#!/usr/bin/env bash
# Runs a command with a private, unlocked gnome-keyring (Secret Service) on the current
# D-Bus session bus; test.sh starts that bus with dbus-run-session. The keyring's files go
# to a temporary folder, so a developer's own keyrings are never touched.
set -euo pipefail
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
eval "$(printf '\n' | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
