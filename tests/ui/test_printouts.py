"""Printouts as PDF files, read back with the real `pdftotext` (poppler-utils, installed by
installer/system-packages.sh): the visit slip, the appointment card and the follow-up lists
carry the Thai patient names, the drugs' Thai instructions and the vaccine doses' Thai names
as text (the fonts embedded, no private-use code points left from Thai shaping); from the
command line's functions, from the window's follow-up page and from a visit in the chart;
and from a process with no Qt application and no display.

`pdftotext -raw` keeps the text in the order it was written; the comparison ignores white
space (the PDF breaks lines where the page does) and compares under Unicode's NFKC
(SARA AM is written as NIKHAHIT and SARA AA, as HarfBuzz shapes it, NIKHAHIT before a
tone mark)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession
from clinic_app.ui import printouts
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.i18n import format_date
from tests.ui.test_followup_page import NURSE, TODAY, _window, seed

# "เช้า" and "ก่อนนอน" carry tone marks that Debian's Thai fonts lower through private-use glyphs:
# without printouts.fix_thai_text they read "เชา", "กอนนอน".
INSTRUCTIONS = ("รับประทานครั้งละ 1 เม็ด วันละ 4 ครั้ง เช้า กลางวัน เย็น ก่อนนอน",
                "รับประทานครั้งละ 1 เม็ด วันละ 3 ครั้ง เช้า กลางวัน เย็น หลังอาหาร")


def pdf_text(path: Path, *, page: int | None = None) -> str:
    """What pdftotext reads in the PDF (one page, or all); it must read it without complaint."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True, text=True, check=True)
    assert done.stderr == ""  # a broken file (its cross-reference table, say) is complained about here
    return done.stdout


def _squash(text: str) -> str:
    """Without white space, NFKC, and NIKHAHIT put back after a tone mark: HarfBuzz shapes
    "น้ำ" as NO NU, NIKHAHIT, MAI THO, SARA AA (the same on paper; ui/printouts.py says so)."""
    return re.sub("\u0e4d([\u0e48-\u0e4b])", "\\1\u0e4d", "".join(unicodedata.normalize("NFKC", text).split()))


def assert_says(text: str, *words: str) -> None:
    for word in words:
        assert _squash(word) in _squash(text), f"{word!r} not in the PDF's text:\n{text}"


def assert_thai_embedded(path: Path, text: str) -> None:
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    assert not [c for c in text if 0xE000 <= ord(c) <= 0xF8FF]  # no private-use glyph variants as text


def test_a_visit_slip_and_an_appointment_card(qapp, installation: Installation, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(installation)
    with UnitSession(installation, actor=NURSE) as unit:
        printouts.visit_slip_pdf(unit, seeded.slip_visit, tmp_path / "slip.pdf")
        printouts.appointment_card_pdf(unit, seeded.ids["สมศรี"], tmp_path / "card.pdf")
    text = pdf_text(tmp_path / "slip.pdf")
    assert_thai_embedded(tmp_path / "slip.pdf", text)
    next_visit = TODAY + dt.timedelta(days=14)
    assert_says(text, "รพ.สต.ทดสอบ", "ใบรับบริการและใบสั่งยา", "สมศรี มีสุข", "J00 หวัด", "Paracetamol 500 mg", "12 เม็ด",
                *INSTRUCTIONS, "นัดครั้งต่อไป", format_date(next_visit), "ติดตามอาการไอ", "ไข้ ไอ เจ็บคอ")
    assert str(next_visit.year + 543) in text  # the Buddhist era
    card = pdf_text(tmp_path / "card.pdf")
    assert_thai_embedded(tmp_path / "card.pdf", card)
    assert_says(card, "บัตรนัด", "สมศรี มีสุข", format_date(next_visit), "ติดตามอาการไอ")
    assert not list(tmp_path.glob("*.part"))


def test_the_follow_up_lists(qapp, installation: Installation, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(installation)
    with UnitSession(installation, actor=NURSE) as unit:
        printouts.followup_pdf(unit, "chronic", tmp_path / "chronic.pdf", overdue_only=True)
        printouts.followup_pdf(unit, "epi", tmp_path / "epi.pdf")
        printouts.followup_pdf(unit, "appointments", tmp_path / "missed.pdf", span="missed")
        with pytest.raises(Exception) as refused:
            printouts.followup_pdf(unit, "everything", tmp_path / "x.pdf")
        assert "chronic" in str(refused.value)
    chronic = pdf_text(tmp_path / "chronic.pdf")
    assert_thai_embedded(tmp_path / "chronic.pdf", chronic)
    assert_says(chronic, "ทะเบียนผู้ป่วยโรคเรื้อรัง", "เฉพาะที่ต้องติดตาม 3 ราย", "ขาดนัด มาช้า", "ไม่ได้มาตรวจเกิน 90 วัน",
                "สองโรค รวมกัน", "ส่งตัวมา ใหม่", "ยังไม่เคยมาตรวจ", "142/90", "ความดันโลหิตสูง")
    assert "ปกติดี" not in chronic  # not overdue
    # the volunteers' list: one village a page, by house number
    info = subprocess.run(["pdfinfo", str(tmp_path / "epi.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M), info
    first, second = pdf_text(tmp_path / "epi.pdf", page=1), pdf_text(tmp_path / "epi.pdf", page=2)
    assert_thai_embedded(tmp_path / "epi.pdf", first + second)
    assert_says(first, "หมู่ 1", "สี่ขวบ ซุกซน", "4 ปี 2 เดือน", "คอตีบ-บาดทะยัก-ไอกรน กระตุ้น 2", "โปลิโอชนิดกิน กระตุ้น 2",
                "สองเดือน ตัวเล็ก", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 1", "โรต้า 1")
    assert _squash(first).index(_squash("สี่ขวบ")) < _squash(first).index(_squash("สองเดือน"))  # house 3, then 5
    assert_says(second, "หมู่ 2", "แรกเกิด น่ารัก", "บีซีจี", "ตับอักเสบบี เข็ม 1")
    assert "สี่ขวบ" not in second
    missed = pdf_text(tmp_path / "missed.pdf")
    assert_says(missed, "ขาดนัด", "สองโรค รวมกัน", "ตรวจน้ำตาลซ้ำ", format_date(TODAY - dt.timedelta(days=5)))
    assert "นัดวันนี้" not in missed


def test_printing_from_the_follow_up_page_and_from_a_visit(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = seed(installation)
    window = _window(qtbot, qapp, installation)
    window.tabs.setCurrentWidget(window.followup)
    view = window.followup.chronic
    qtbot.waitUntil(lambda: view.loads == 1, timeout=10_000)
    view.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: view.loads == 2, timeout=10_000)
    view.print_button.click()
    box = next(b for b in view.findChildren(QMessageBox, "printChoice") if b.isVisible())
    chosen = tmp_path / "ติดตาม.pdf"
    monkeypatch.setattr(printouts.QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    box.findChild(type(box.defaultButton()), "toPdf").click()  # "save as PDF": the list as shown
    text = pdf_text(chosen)
    assert_says(text, "ขาดนัด มาช้า", "ไม่ได้มาตรวจเกิน 90 วัน", "เฉพาะที่ต้องติดตาม")
    assert "ปกติดี" not in text
    # a visit's slip from its details in the chart, read on the worker
    chart: ChartPage = window.open_chart(seeded.ids["สมศรี"])
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 1 and window.worker.pending == 0, timeout=10_000)
    details = chart.show_visit(0)
    assert details is not None and details.print_button.isVisible()
    ready: list[printouts.Printout] = []
    printouts.print_visit(details, window.worker, seeded.slip_visit, on_ready=ready.append)
    printouts.print_visit(details, window.worker, seeded.slip_visit, card=True, on_ready=ready.append)
    qtbot.waitUntil(lambda: len(ready) == 2, timeout=10_000)
    printouts.write_pdf(ready[0], tmp_path / "slip.pdf")
    printouts.write_pdf(ready[1], tmp_path / "card.pdf")
    assert_says(pdf_text(tmp_path / "slip.pdf"), "สมศรี มีสุข", *INSTRUCTIONS)
    assert_says(pdf_text(tmp_path / "card.pdf"), "บัตรนัด", "สมศรี มีสุข", "ติดตามอาการไอ")
    details.print_button.click()  # the button offers a printer or a PDF
    qtbot.waitUntil(lambda: any(b.objectName() == "printChoice" and b.isVisible()
                                for b in details.findChildren(QMessageBox)), timeout=10_000)
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_the_command_lines_function_needs_no_window_and_no_display(installation: Installation, tmp_path: Path) -> None:
    """In a process of its own with no Qt application and no DISPLAY, as `clinic-app print`
    runs it: the function makes its own (offscreen) application."""
    seeded = seed(installation)
    out = tmp_path / "slip.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    script = ("import sys; from pathlib import Path\n"
              "from clinic_app.security.keys import KeyStore\n"
              "from clinic_app.services.session import UnitSession\n"
              "from clinic_app.ui.printouts import visit_slip_pdf\n"
              "from PySide6.QtCore import QCoreApplication\n"
              "assert QCoreApplication.instance() is None\n"
              "with UnitSession.open(Path(sys.argv[1]), keys=KeyStore()) as unit:\n"
              "    visit_slip_pdf(unit, sys.argv[2], Path(sys.argv[3]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(installation.folder.path), seeded.slip_visit, str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert_says(pdf_text(out), "สมศรี มีสุข", *INSTRUCTIONS)
