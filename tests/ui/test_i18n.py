"""The window's two languages: the translation files are complete and compiled, the window
speaks English when asked, Thai (with Qt's own buttons in Thai) by default, and the
choice in the language menu is kept for the next start."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox

from clinic_app.core.errors import KnownError
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.ui import i18n
from clinic_app.ui.main import MainWindow
from clinic_app.services.session import UnitSession
from clinic_app.ui.widgets import show_error

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "resources" / "i18n"
TOOLS = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{[a-z_]+[^}]*\}")


def _messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [(ctx.findtext("name") or "", msg.findtext("source") or "", msg.find("translation"))  # type: ignore[misc]
            for ctx in root.iter("context") for msg in ctx.iter("message")]


def test_every_text_of_the_window_has_english(tmp_path: Path) -> None:
    """lupdate over today's sources adds nothing to the committed .ts: no text was added or
    changed without its English."""
    fresh = tmp_path / "clinic_app_en.ts"
    shutil.copy(I18N / "clinic_app_en.ts", fresh)
    subprocess.run([str(TOOLS / "pyside6-lupdate"), "-no-obsolete", "-locations", "none", "-source-language", "th_TH",
                    "-target-language", "en_US", *map(str, sorted((ROOT / "clinic_app" / "ui").glob("*.py"))),
                    "-ts", str(fresh)], check=True, capture_output=True)
    messages = _messages(fresh)
    assert len(messages) > 150
    missing = [(ctx, src) for ctx, src, tr in messages if tr.get("type") == "unfinished" or not (tr.text or "").strip()]
    assert missing == [], f"texts without English (run installer/translations.sh): {missing[:10]}"
    assert len(messages) == len(_messages(I18N / "clinic_app_en.ts")), "run installer/translations.sh"
    for ctx, src, tr in messages:
        assert sorted(PLACEHOLDER.findall(src)) == sorted(PLACEHOLDER.findall(tr.text or "")), (ctx, src)
        assert not re.search("[\u0e00-\u0e7f]", tr.text or ""), f"Thai left in the English of {src!r}"


@pytest.mark.parametrize("lang", ["en", "th"])
def test_the_qm_files_are_compiled_from_the_ts_files(tmp_path: Path, lang: str) -> None:
    out = tmp_path / f"clinic_app_{lang}.qm"
    subprocess.run([str(TOOLS / "pyside6-lrelease"), "-silent", str(I18N / f"clinic_app_{lang}.ts"), "-qm", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (I18N / f"clinic_app_{lang}.qm").read_bytes(), "run installer/translations.sh"


@pytest.fixture
def language(qapp) -> Iterator[callable]:  # type: ignore[no-untyped-def,valid-type]
    """Switch the running application's language; back to Thai afterwards."""
    installed = []

    def use(lang: str) -> None:
        translator = i18n.install_language(qapp, lang)
        assert translator is not None
        installed.append(translator)

    yield use
    for translator in installed:
        qapp.removeTranslator(translator)
    qapp.setProperty("clinicLanguage", "th")


def _window(qtbot, unit: Installation) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(UnitSession(unit, actor=Actor("nurse", CLINICIAN)), training=True, facility="x")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.worker.pending == 0, timeout=10_000)
    return win


def test_the_window_in_english(qtbot, language, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    language("en")
    win = _window(qtbot, unit)
    tabs = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert tabs[:3] == ["Today", "Find a patient", "Register"] and tabs[-3:] == ["Consent", "Referrals", "Sync"]
    assert win.sync_button.text() == "Sync now (F5)"
    assert win.banner.text().startswith("Training mode")
    assert "Patients 0" in win.status_label.text() and "never" in win.status_label.text().lower()
    page = win.register
    assert page.save.text() == "Save (Enter)"
    assert page.month.itemText(1) == "Jan" and page.right.itemText(0).startswith("Universal Coverage")
    assert page.address.province.itemText(0) == "Amnat Charoen (อำนาจเจริญ)"  # English names, English order
    page.cid.setText("1101700207031")
    assert page.cid_verdict.text() == "✗ The last (check) digit does not match; please re-check the number"
    show_error(win, KnownError("ไทย", "English first"))
    box = next(b for b in win.findChildren(QMessageBox, "errorBox") if b.isVisible())
    assert box.text().startswith("English first")
    assert i18n.format_when("2026-11-25T10:00:00Z") == "25 Nov 2026"


def test_thai_by_default_with_qt_buttons_in_thai(qtbot, language, unit: Installation, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("CLINIC_APP_LANG", raising=False)
    i18n.settings().remove("language")
    assert i18n.chosen_language() == "th"  # nothing chosen yet: Thai, as run() installs it
    language(i18n.chosen_language())
    win = _window(qtbot, unit)
    assert win.tabs.tabText(0) == "วันนี้" and win.tabs.tabText(1) == "ค้นหาผู้ป่วย"  # the window opens on today's list
    assert win.tabs.currentIndex() == 0 and win.sync_button.text() == "ซิงก์เดี๋ยวนี้ (F5)"
    assert i18n.format_when("2026-11-25") == "25 พ.ย. 2569"
    box = QMessageBox(QMessageBox.Icon.Information, "t", "x", QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    assert box.button(QMessageBox.StandardButton.Ok).text() == "ตกลง"
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "ยกเลิก"
    assert QCoreApplication.translate("QLineEdit", "&Paste") == "&วาง"


def test_the_language_menu_keeps_the_choice_for_the_next_start(qtbot, unit: Installation, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("CLINIC_APP_LANG", raising=False)
    win = _window(qtbot, unit)
    assert i18n.chosen_language() == "th" and win.language_actions["th"].isChecked()
    win.language_actions["en"].trigger()
    box = win.findChild(QMessageBox, "languageBox")
    assert box is not None and "next time" in box.text() and "ครั้งถัดไป" in box.text()
    assert i18n.chosen_language() == "en" and win.language_actions["en"].isChecked()
    assert not win.language_actions["th"].isChecked()
    monkeypatch.setenv("CLINIC_APP_LANG", "th")  # one run's override wins over the stored choice
    assert i18n.chosen_language() == "th"
    win.choose_language("th")
    monkeypatch.delenv("CLINIC_APP_LANG")
    assert i18n.chosen_language() == "th"


def test_a_missing_translation_file_leaves_the_window_wholly_thai(qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(i18n, "resource_path", lambda name: tmp_path / "gone.qm")
    assert i18n.install_language(qapp, "en") is None
    assert not i18n.english() and i18n.pick("ไทย", "English") == "ไทย"


def test_moments_are_shown_at_this_computers_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A sync stamped by the hub in UTC late in the evening is the next morning in Thailand."""
    import time

    monkeypatch.setenv("TZ", "Asia/Bangkok")
    time.tzset()
    try:
        assert i18n.format_moment("2026-11-30T20:00:00Z") == "1 ธ.ค. 2569 03:00"
        assert i18n.format_when("2026-11-30T20:00:00Z") == "1 ธ.ค. 2569"
        assert i18n.format_moment("2026-11-30") == "30 พ.ย. 2569"  # a date alone has no time to show
        assert i18n.format_moment("not a date") == "not a date"
    finally:
        monkeypatch.undo()
        time.tzset()
