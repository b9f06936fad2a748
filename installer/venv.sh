# Shared by run-app.sh and test.sh: make ./.venv and install the project into it.
# ensure_venv EXTRAS  -- EXTRAS is "" or "[test]".
ensure_venv() {
  local extras="$1" stamp=".venv/.installed${1:+-test}"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  # The test environment holds everything the app needs: after test.sh, run-app.sh uses it as it is.
  if [ -z "$extras" ] && [ -f .venv/.installed-test ] && [ ! pyproject.toml -nt .venv/.installed-test ]; then
    return 0
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q -e ".${extras}"
    touch "$stamp"
  fi
}
