#!/usr/bin/env bash
# Builds the Windows setup program on Linux: PyInstaller's one-folder program from
# installer/clinic-app.spec, run by a Windows Python under Wine (installer/windows/wine-env.sh),
# then the NSIS setup (installer/windows/clinic-app.nsi) with Debian's makensis.
#
#   bash installer/windows/build-setup.sh [OUT] [VERSION]
#
# OUT (default dist/windows) gets program/clinic-app/ (the one-folder program) and
# clinic-app-setup-VERSION.exe (VERSION: pyproject.toml's). Needs Debian's wine, wine64,
# gcc-mingw-w64-x86-64 and nsis. Signing, when a certificate exists: CLINIC_APP_SIGN_CMD is a
# command with %1 for the file (e.g. osslsigncode sign -pkcs12 cert.p12 -pass ... -in %1
# -out %1.signed && mv %1.signed %1); it signs clinic-app.exe before packaging, and the
# uninstaller and the setup as makensis writes them.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-dist/windows}
VERSION=${2:-$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])' 2>/dev/null || echo 0.1.0)}
for tool in wine x86_64-w64-mingw32-gcc makensis; do
  command -v "$tool" >/dev/null || { echo "build-setup: needs $tool (apt-get install wine wine64 gcc-mingw-w64-x86-64 nsis)"; exit 1; }
done
source installer/windows/wine-env.sh
wine_env_prepare
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
rm -rf "$OUT/program" "$OUT/build"
echo "build-setup: PyInstaller under Wine (about two minutes)"
# Python under Wine 8 cannot use a Linux file as its output: a pipe it is
timeout 1200 wine "$PY/python.exe" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$(winpath "$OUT")\\program" --workpath "$(winpath "$OUT")\\build" \
  "$(winpath installer/clinic-app.spec)" 2>&1 </dev/null | grep -v "could not resolve 'api-ms-win-" > "$OUT/pyinstaller.log" || true
PROGRAM=$OUT/program/clinic-app
[ -f "$PROGRAM/clinic-app.exe" ] || { tail -n 20 "$OUT/pyinstaller.log"; echo "build-setup: FAILED: PyInstaller built no clinic-app.exe"; exit 1; }
# the Wine bridges are the check's, never the program's
if find "$PROGRAM" -iname 'bcryptprimitives.dll' -o -iname 'icuuc.dll' | grep -q .; then
  echo "build-setup: FAILED: a Wine bridge DLL was bundled"; exit 1
fi
rm -rf "$OUT/build"
sign=()
if [ -n "${CLINIC_APP_SIGN_CMD:-}" ]; then
  bash -c "${CLINIC_APP_SIGN_CMD//%1/\"\$1\"}" sign "$PROGRAM/clinic-app.exe"
  sign=("-DSIGN_CMD=$CLINIC_APP_SIGN_CMD")
fi
SETUP=$OUT/clinic-app-setup-$VERSION.exe
makensis -V2 -INPUTCHARSET UTF8 "-DDIST=$PROGRAM" "-DVERSION=$VERSION" "-DOUTFILE=$SETUP" "${sign[@]}" \
  installer/windows/clinic-app.nsi
echo "build-setup: $SETUP ($(du -h "$SETUP" | cut -f1)); the program: $PROGRAM"
