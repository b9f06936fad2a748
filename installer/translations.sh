#!/usr/bin/env bash
# Refreshes the window's translation files after its words change:
#   1. pyside6-lupdate collects every self.tr()/translate() text of clinic_app/ui/ into
#      resources/i18n/clinic_app_en.ts (new ones marked unfinished, dropped ones removed);
#   2. translate the unfinished ones (Qt Linguist: `pyside6-linguist <file>`, or any editor);
#   3. run this again: pyside6-lrelease compiles both .ts files to the .qm files the app loads.
# tests/ui/test_i18n.py fails while a text has no English or a .qm is older than its .ts.
# PYTHON=... picks the interpreter whose PySide6 provides the tools (default ./.venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$("${PYTHON:-.venv/bin/python}" -c 'import os, sys; print(os.path.dirname(sys.executable))')"
"$bin/pyside6-lupdate" -no-obsolete -locations none -source-language th_TH -target-language en_US \
    clinic_app/ui/*.py -ts resources/i18n/clinic_app_en.ts
for lang in en th; do
    "$bin/pyside6-lrelease" -silent resources/i18n/clinic_app_$lang.ts -qm resources/i18n/clinic_app_$lang.qm
done
grep -c 'type="unfinished"' resources/i18n/clinic_app_en.ts | sed 's/^/texts still without English: /' || true
