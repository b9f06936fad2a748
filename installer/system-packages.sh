#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the app and its tests need: a Secret Service
# (gnome-keyring on D-Bus) for the real keyring backend, Thai fonts, the libraries Qt needs
# offscreen and on a real X11 desktop (xcb: Qt 6.5 and later need libxcb-cursor0), and
# binutils (PyInstaller needs objdump to build the one-folder program in tests/test_bundle.py),
# util-linux and mount (the full-disk and read-only tests: mount, setpriv), and poppler-utils
# (pdftotext and pdftoppm: the printout tests read the Thai text back out of the PDFs);
# pcscd (the smart-card service the ID-card reader talks through), and to build pyscard
# (no Linux wheel): gcc, swig, the PC/SC headers and Python's; vsmartcard-vpcd: the virtual
# card reader the ID-card tests insert their virtual card into.
set -euo pipefail
packages=(dbus dbus-bin gnome-keyring fonts-thai-tlwg fontconfig libegl1 libgl1 libxkbcommon0
          libfontconfig1 libglib2.0-0 libdbus-1-3 util-linux mount binutils poppler-utils
          libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
          libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
          pcscd libpcsclite-dev swig gcc python3-dev vsmartcard-vpcd)
command -v dpkg-query >/dev/null || { echo "Not a Debian-like system: install the equivalents of: ${packages[*]}"; exit 0; }
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Please install as root: apt-get install ${missing[*]}"; exit 1; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
