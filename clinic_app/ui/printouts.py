"""Printouts: a visit's slip (diagnoses, drugs with their Thai instructions, the next
appointment), an appointment card, and the follow-up lists (the chronic register, the
children's vaccines due laid out for the village health volunteers one village a page,
the appointments), as a PDF file or on a printer, through Qt's print support.

A printout is HTML laid out by QTextDocument and painted page by page, with a footer
(what it is, when printed, page n/m), on a QPdfWriter (a file) or a QPrinter. The data
come from the services (`VisitService.slip`, `.appointment_card`, `.appointments`,
`FollowUpService.chronic`, `.epi`); nothing here reads the store.

For the command line (`clinic-app print ...`): `visit_slip_pdf`, `appointment_card_pdf` and
`followup_pdf` take a UnitSession and a path and run on the calling thread; each makes a
QGuiApplication when there is none (offscreen on Linux, which needs no display). The
window loads the data on its database worker and paints on its own thread
(`print_visit`, `offer_printout`).

Thai text in the PDF: the fonts are embedded (subsets), and the text can be searched and
copied (`pdftotext` reads it back; tests/ui/test_printouts.py). Qt maps each glyph back to
the first code point that reaches it in the font's cmap, and fonts such as Debian's TLWG
reach the lowered and shifted tone marks and vowels through the private-use code points of
the old Windows/Mac Thai shaping (U+F700-F71A, U+F884-F89E): the text would read "ผูปวย"
for "ผู้ป่วย". `fix_thai_text` maps those back to their Thai letters in the PDF's
ToUnicode maps. What remains is HarfBuzz's shaping of SARA AM: after a tone mark it is
kept as NIKHAHIT, the tone mark, SARA AA ("น้ำ" copies as "นํ้า"; it looks the same).

The words follow the window's language (Thai unless English was chosen); the drugs'
instructions are Thai in any case (they are the label's words as saved).
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPagedPaintDevice, QPainter, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from clinic_app.core import epi
from clinic_app.core.errors import InvalidInputError, KnownError, os_reason
from clinic_app.services.followup import FOLLOW_UP_DAYS, ChronicRow, EpiRow
from clinic_app.services.referrals import Referral
from clinic_app.services.session import UnitSession
from clinic_app.services.visits import AppointmentCard, VisitSlip
from clinic_app.ui.i18n import english, format_date, format_moment, format_when, pick, translate

# Thai-capable families in order, as the window's (ui/main.THAI_FONTS): Windows' first, then
# Debian's fonts-thai-tlwg; Qt falls back per glyph to whichever is installed.
PRINT_FONTS = ["Noto Sans Thai", "Leelawadee UI", "Tahoma", "Loma", "Garuda", "Sans Serif"]
POINT_SIZE = 10.5
KINDS = ("chronic", "epi", "appointments")
SPANS = ("today", "week", "missed")
MISSED_DAYS = 90  # how far back the missed appointments go


# -- words shared by the follow-up page and the printouts ---------------------------------

def disease_names() -> dict[str, str]:
    return {"DM": translate("FollowUp", "เบาหวาน"), "HT": translate("FollowUp", "ความดันโลหิตสูง")}


def chronic_why(row: ChronicRow) -> str:
    """Why a patient of the register is overdue, in words ("" when not)."""
    words = []
    if "no-visit" in row.why:
        words.append(translate("FollowUp", "ยังไม่เคยมาตรวจ") if row.last_visit is None
                     else translate("FollowUp", "ไม่ได้มาตรวจเกิน {days} วัน").format(days=FOLLOW_UP_DAYS))
    if "missed-appointment" in row.why:
        words.append(translate("FollowUp", "ขาดนัด"))
    return ", ".join(words)


def age_text(months: int) -> str:
    """An age in years and months: "1 ปี 3 เดือน", "5 เดือน", "ไม่ถึง 1 เดือน"."""
    years, rest = divmod(max(months, 0), 12)
    if not years:
        return translate("FollowUp", "{months} เดือน").format(months=rest) if rest \
            else translate("FollowUp", "ไม่ถึง 1 เดือน")
    if not rest:
        return translate("FollowUp", "{years} ปี").format(years=years)
    return translate("FollowUp", "{years} ปี {months} เดือน").format(years=years, months=rest)


def dose_names(doses: list[epi.Dose]) -> str:
    return ", ".join(pick(d.name_th, d.name) for d in doses)


def village_name(village: str) -> str:
    return translate("FollowUp", "หมู่ {number}").format(number=village) if village \
        else translate("FollowUp", "ไม่ระบุหมู่")


def appointment_state(row: dict[str, Any]) -> str:
    """An appointment's state in words: missed, kept, waiting."""
    if row.get("missed"):
        return translate("FollowUp", "ขาดนัด")
    return {"booked": translate("FollowUp", "รอมาตามนัด"), "fulfilled": translate("FollowUp", "มาตามนัดแล้ว"),
            "arrived": translate("FollowUp", "มาตามนัดแล้ว"), "checked-in": translate("FollowUp", "มาตามนัดแล้ว"),
            "noshow": translate("FollowUp", "ขาดนัด")}.get(str(row.get("status")), str(row.get("status")))


def span_names() -> dict[str, str]:
    return {"today": translate("FollowUp", "วันนี้"), "week": translate("FollowUp", "7 วันข้างหน้า"),
            "missed": translate("FollowUp", "ขาดนัด ({days} วันที่ผ่านมา)").format(days=MISSED_DAYS)}


def appointments_for(unit: UnitSession, span: str, *, today: _dt.date | None = None) -> list[dict[str, Any]]:
    """The appointments of a span: today's, the next seven days' (today included), or those
    missed in the last MISSED_DAYS days; by day and name."""
    today = today or _dt.date.today()
    if span == "today":
        rows = unit.visits.appointments(today, today)
    elif span == "week":
        rows = unit.visits.appointments(today, today + _dt.timedelta(days=6))
    elif span == "missed":
        rows = [r for r in unit.visits.appointments(today - _dt.timedelta(days=MISSED_DAYS),
                                                    today - _dt.timedelta(days=1)) if r["missed"]]
    else:
        raise InvalidInputError("ช่วงนัดหมายต้องเป็น today, week หรือ missed", "The span is today, week or missed.")
    return sorted(rows, key=lambda r: (r["day"], r["name"]))


def _weekday(day: _dt.date) -> str:
    names = (translate("Printouts", "วันจันทร์"), translate("Printouts", "วันอังคาร"), translate("Printouts", "วันพุธ"),
             translate("Printouts", "วันพฤหัสบดี"), translate("Printouts", "วันศุกร์"), translate("Printouts", "วันเสาร์"),
             translate("Printouts", "วันอาทิตย์"))
    return names[day.weekday()]


def _vital_names() -> dict[str, str]:
    return {"blood pressure": translate("Vitals", "ความดันโลหิต"), "weight": translate("Vitals", "น้ำหนัก"),
            "height": translate("Vitals", "ส่วนสูง"), "temperature": translate("Vitals", "อุณหภูมิ"),
            "heart_rate": translate("Vitals", "ชีพจร"), "respiratory_rate": translate("Vitals", "การหายใจ"),
            "blood_sugar": translate("Vitals", "น้ำตาลในเลือด")}


# -- the printouts as HTML --------------------------------------------------------------

@dataclass(frozen=True)
class Printout:
    """One document ready to lay out: its title (the PDF's and the footer's), HTML, page."""

    title: str
    html: str
    page: QPageSize.PageSizeId = QPageSize.PageSizeId.A4
    landscape: bool = False


def _e(text: Any) -> str:
    return html.escape(str(text if text is not None else ""))


STYLE = """<style>
h1 { font-size: 15pt; margin: 0; } h2 { font-size: 13pt; margin: 6px 0 2px 0; }
.facility { font-size: 12pt; font-weight: bold; } .muted { color: #555555; }
.late { color: #b00020; font-weight: bold; } .big { font-size: 16pt; font-weight: bold; }
th { background-color: #e8e8e8; text-align: left; } td, th { padding: 3px; }
</style>"""


def _table(headers: list[str], rows: list[list[str]], *, widths: list[int] | None = None) -> str:
    """A bordered table whose header row repeats on each page; cells are HTML already."""
    head = "".join(f'<th width="{widths[i]}%">{h}</th>' if widths else f"<th>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<table width="100%" border="1" cellspacing="0" cellpadding="3" style="border-collapse: collapse;">'
            f"<thead><tr>{head}</tr></thead>{body}</table>")


def _header(facility: str, title: str, note: str = "") -> str:
    return (f'{STYLE}<p class="facility" align="center">{_e(facility)}</p><h1 align="center">{_e(title)}</h1>'
            + (f'<p align="center" class="muted">{_e(note)}</p>' if note else ""))


def _printed_words() -> dict[str, str]:
    """The printouts' labels in the window's language (literal calls, so lupdate finds them;
    a call inside an f-string is not found)."""
    return {
        "ชื่อ-สกุล": translate("Printouts", "ชื่อ-สกุล"),
        "อายุ": translate("Printouts", "อายุ"),
        "วันที่รับบริการ": translate("Printouts", "วันที่รับบริการ"),
        "แพ้ยา/สารก่อภูมิแพ้": translate("Printouts", "แพ้ยา/สารก่อภูมิแพ้"),
        "ไม่มีประวัติ": translate("Printouts", "ไม่มีประวัติ"),
        "อาการสำคัญ": translate("Printouts", "อาการสำคัญ"),
        "สัญญาณชีพ": translate("Printouts", "สัญญาณชีพ"),
        "การวินิจฉัย": translate("Printouts", "การวินิจฉัย"),
        "ยาที่ได้รับ": translate("Printouts", "ยาที่ได้รับ"),
        "วัคซีน": translate("Printouts", "วัคซีน"),
        "หัตถการ": translate("Printouts", "หัตถการ"),
        "นัดครั้งต่อไป": translate("Printouts", "นัดครั้งต่อไป"),
        "นัดเพื่อ": translate("Printouts", "นัดเพื่อ"),
        "ไม่มีนัด": translate("Printouts", "ไม่มีนัด"),
        "วันนัด": translate("Printouts", "วันนัด"),
        "โปรดนำบัตรนี้มาด้วยทุกครั้งที่มาตามนัด": translate("Printouts", "โปรดนำบัตรนี้มาด้วยทุกครั้งที่มาตามนัด"),
        "ไม่มีรายชื่อ": translate("Printouts", "ไม่มีรายชื่อ"),
    }


def visit_slip_html(slip: VisitSlip) -> Printout:
    """The visit slip (ใบสั่งยา/ใบนัด) for the patient to take home: A5."""
    w = _printed_words()
    none = "-"
    age = translate("Printouts", "{years} ปี").format(years=slip.age) if slip.age is not None else none
    parts = [_header(slip.facility, translate("Printouts", "ใบรับบริการและใบสั่งยา")),
             '<table width="100%" cellpadding="2">',
             f'<tr><td><b>{w["ชื่อ-สกุล"]}</b> {_e(slip.name)}</td><td><b>HN</b> {_e(slip.hn)}</td>'
             f'<td><b>{w["อายุ"]}</b> {_e(age)}</td></tr>',
             f'<tr><td colspan="2"><b>{w["วันที่รับบริการ"]}</b> {_e(format_moment(slip.when))}</td>'
             f'<td><b>VN</b> {_e(slip.vn)}</td></tr></table>']
    if slip.allergies:
        parts.append(f'<p class="late">{w["แพ้ยา/สารก่อภูมิแพ้"]} {_e(", ".join(slip.allergies))}</p>')
    else:
        parts.append(f'<p><b>{w["แพ้ยา/สารก่อภูมิแพ้"]}</b> {w["ไม่มีประวัติ"]}</p>')
    details = slip.details
    if slip.complaint:
        parts.append(f'<p><b>{w["อาการสำคัญ"]}</b> {_e(slip.complaint)}</p>')
    if details["vitals"]:
        names = _vital_names()
        vitals = ", ".join(f"{names.get(k, k)} {v} {u}".strip() for k, v, u in details["vitals"])
        parts.append(f'<p><b>{w["สัญญาณชีพ"]}</b> {_e(vitals)}</p>')
    if details["diagnoses"]:
        items = "".join(f"<li>{_e(_diagnosis(d))}</li>" for d in details["diagnoses"])
        parts.append(f'<p><b>{w["การวินิจฉัย"]}</b></p><ul style="margin-top: 0;">{items}</ul>')
    if details["drugs"]:
        rows = [[_e(d["text"] or d["code"]),
                 _e(f"{d['amount']:g} {d['unit']}".strip() if d.get("amount") else none),
                 _e(d.get("label") or none)] for d in details["drugs"]]
        parts.append(f'<h2>{w["ยาที่ได้รับ"]}</h2>'
                     + _table([translate("Printouts", "ชื่อยา"), translate("Printouts", "จำนวน"),
                               translate("Printouts", "วิธีใช้")], rows, widths=[34, 14, 52]))
    if details["vaccines"]:
        doses = ", ".join(pick(v["dose"].name_th, v["dose"].name) if v["dose"] else (v["text"] or v["code"])
                          for v in details["vaccines"])
        parts.append(f'<p><b>{w["วัคซีน"]}</b> {_e(doses)}</p>')
    if details["procedures"]:
        done = ", ".join(f"{p['code']} {pick(p['th'], p['en']) or ''}".strip() for p in details["procedures"])
        parts.append(f'<p><b>{w["หัตถการ"]}</b> {_e(done)}</p>')
    if slip.appointment:
        day = _dt.date.fromisoformat(slip.appointment["day"])
        reason = slip.appointment["reason"]
        parts.append(f'<h2>{w["นัดครั้งต่อไป"]}</h2><p class="big">{_e(_weekday(day))} {_e(format_date(day))}</p>'
                     + (f'<p>{w["นัดเพื่อ"]} {_e(reason)}</p>' if reason else ""))
    else:
        parts.append(f'<p><b>{w["นัดครั้งต่อไป"]}</b> {w["ไม่มีนัด"]}</p>')
    return Printout(translate("Printouts", "ใบรับบริการ {name} {day}").format(name=slip.name, day=format_when(slip.when)),
                    "".join(parts), QPageSize.PageSizeId.A5)


def _diagnosis(d: dict[str, str]) -> str:
    if english():
        title = d["en"] or d["th"]
    else:
        title = d["th"] or (f"{d['en']} (EN)" if d["en"] else "")
    return f"{d['code']} {title}".strip()


def appointment_card_html(card: AppointmentCard) -> Printout:
    """The appointment card: A6, the day large."""
    w = _printed_words()
    day = _dt.date.fromisoformat(card.day)
    parts = [_header(card.facility, translate("Printouts", "บัตรนัด")),
             f'<p><b>{w["ชื่อ-สกุล"]}</b> {_e(card.name)} &nbsp; <b>HN</b> {_e(card.hn)}</p>',
             f'<p><b>{w["วันนัด"]}</b></p>',
             f'<p class="big" align="center">{_e(_weekday(day))} {_e(format_date(day))}</p>']
    if card.reason:
        parts.append(f'<p><b>{w["นัดเพื่อ"]}</b> {_e(card.reason)}</p>')
    parts.append(f'<p class="muted">{w["โปรดนำบัตรนี้มาด้วยทุกครั้งที่มาตามนัด"]}</p>')
    return Printout(translate("Printouts", "บัตรนัด {name} {day}").format(name=card.name, day=format_date(day)),
                    "".join(parts), QPageSize.PageSizeId.A6)


def _reading(found: tuple[str, str] | None) -> str:
    return f"{_e(found[1])}<br/><span class='muted'>{_e(format_when(found[0]))}</span>" if found else "-"


def chronic_html(rows: list[ChronicRow], *, facility: str, overdue_only: bool, today: _dt.date) -> Printout:
    """The chronic register: A4 landscape, by village then name; overdue in red with why."""
    w = _printed_words()
    title = translate("Printouts", "ทะเบียนผู้ป่วยโรคเรื้อรัง (เบาหวาน ความดันโลหิตสูง)")
    note = translate("Printouts", "{scope} {count} ราย ณ วันที่ {day}").format(
        scope=translate("Printouts", "เฉพาะที่ต้องติดตาม") if overdue_only else translate("Printouts", "ทั้งหมด"),
        count=len(rows), day=format_date(today))
    names = disease_names()
    table = [[_e(r.name), _e(r.hn), _e(r.village or "-"), _e(", ".join(names.get(d, d) for d in r.diseases)),
              _e(format_when(r.since)), _e(format_when(r.last_visit) if r.last_visit else "-"),
              _reading(r.last_bp), _reading(r.last_sugar),
              _e(format_when(r.next_appointment) if r.next_appointment else "-"),
              f'<span class="late">{_e(chronic_why(r))}</span>' if r.overdue else ""] for r in rows]
    headers = [translate("FollowUp", "ชื่อ-สกุล"), "HN", translate("FollowUp", "หมู่"), translate("FollowUp", "โรค"),
               translate("FollowUp", "เป็นตั้งแต่"), translate("FollowUp", "มาตรวจล่าสุด"),
               translate("FollowUp", "ความดันล่าสุด"), translate("FollowUp", "น้ำตาลล่าสุด"),
               translate("FollowUp", "นัดครั้งต่อไป"), translate("FollowUp", "ต้องติดตาม")]
    body = _table(headers, table, widths=[16, 7, 4, 13, 9, 9, 9, 9, 9, 15]) if rows \
        else f'<p>{w["ไม่มีรายชื่อ"]}</p>'
    return Printout(title, _header(facility, title, note) + body, QPageSize.PageSizeId.A4, landscape=True)


def epi_html(rows: list[EpiRow], *, facility: str, overdue_only: bool, today: _dt.date) -> Printout:
    """The children's vaccines due, for the village health volunteers: one village a page,
    by house number; a column to tick once the family was told."""
    w = _printed_words()
    title = translate("Printouts", "รายชื่อเด็กที่ถึงกำหนดรับวัคซีน")
    scope = translate("Printouts", "เฉพาะที่เลยกำหนด") if overdue_only else translate("Printouts", "ถึงกำหนดและเลยกำหนด")
    villages: dict[str, list[EpiRow]] = {}
    for row in rows:
        villages.setdefault(row.village, []).append(row)
    headers = [translate("FollowUp", "บ้านเลขที่"), translate("FollowUp", "ชื่อ-สกุล"), "HN", translate("FollowUp", "อายุ"),
               translate("FollowUp", "วัคซีนที่ถึงกำหนด"), translate("FollowUp", "เลยกำหนด"),
               translate("Printouts", "แจ้งแล้ว")]
    parts = []
    for number, (village, children) in enumerate(villages.items()):
        note = translate("Printouts", "{village} · {scope} {count} คน · ณ วันที่ {day}").format(
            village=village_name(village), scope=scope, count=len(children), day=format_date(today))
        table = [[_e(c.house or "-"), _e(c.name), _e(c.hn), _e(age_text(c.age_months)),
                  _e(dose_names([d for d in c.due if d not in c.overdue])),
                  f'<span class="late">{_e(dose_names(c.overdue))}</span>', ""] for c in children]
        brk = ' style="page-break-before: always;"' if number else ""
        parts.append(f"<div{brk}>" + _header(facility, f"{title} {village_name(village)}", note)
                     + _table(headers, table, widths=[10, 21, 9, 10, 23, 20, 7]) + "</div>")
    if not parts:
        parts.append(_header(facility, title, format_date(today)) + f'<p>{w["ไม่มีรายชื่อ"]}</p>')
    return Printout(title, "".join(parts), QPageSize.PageSizeId.A4)


def appointments_html(rows: list[dict[str, Any]], *, facility: str, span: str, today: _dt.date) -> Printout:
    """The appointments of a span (today, the coming week, missed)."""
    w = _printed_words()
    title = translate("Printouts", "รายชื่อนัดหมาย: {span}").format(span=span_names().get(span, span))
    note = translate("Printouts", "{count} ราย ณ วันที่ {day}").format(count=len(rows), day=format_date(today))
    table = [[_e(format_when(r["day"])), _e(r["name"]), _e(r["hn"]), _e(r.get("reason") or "-"),
              f'<span class="late">{_e(appointment_state(r))}</span>' if r.get("missed") else _e(appointment_state(r))]
             for r in rows]
    headers = [translate("FollowUp", "วันนัด"), translate("FollowUp", "ชื่อ-สกุล"), "HN",
               translate("FollowUp", "นัดเพื่อ"), translate("FollowUp", "สถานะ")]
    body = _table(headers, table, widths=[15, 30, 10, 30, 15]) if rows \
        else f'<p>{w["ไม่มีรายชื่อ"]}</p>'
    return Printout(title, _header(facility, title, note) + body, QPageSize.PageSizeId.A4)


# -- laying out and painting --------------------------------------------------------------

def print_font(points: float = POINT_SIZE) -> QFont:
    font = QFont()
    font.setFamilies(PRINT_FONTS)
    font.setPointSizeF(points)
    return font


def _set_page(device: QPagedPaintDevice, printout: Printout) -> None:
    device.setPageSize(QPageSize(printout.page))
    device.setPageOrientation(QPageLayout.Orientation.Landscape if printout.landscape
                              else QPageLayout.Orientation.Portrait)
    margin = 8.0 if printout.page == QPageSize.PageSizeId.A6 else 12.0
    device.setPageMargins(QMarginsF(margin, margin, margin, margin), QPageLayout.Unit.Millimeter)


def paint(printout: Printout, device: QPagedPaintDevice, *, printed: _dt.datetime | None = None) -> int:
    """Lay the printout out on the device's pages and paint it, with a footer on each page
    (its title, when printed, page n/m). The device's page is set already. Pages painted."""
    doc = QTextDocument()
    doc.setDefaultFont(print_font())
    doc.documentLayout().setPaintDevice(device)  # points and lengths at the device's resolution
    doc.setHtml(printout.html)
    rect = device.pageLayout().paintRectPixels(device.resolution())
    footer_font = print_font(7.5)
    painter = QPainter()
    if not painter.begin(device):
        raise KnownError("เริ่มพิมพ์ไม่ได้ (เครื่องพิมพ์หรือไฟล์ไม่พร้อม)", "Printing could not start (printer or file not ready).",
                         code="print-failed")
    try:
        painter.setFont(footer_font)
        footer = painter.fontMetrics().height() * 2
        body = QSizeF(rect.width(), rect.height() - footer)
        doc.setPageSize(body)
        pages = doc.pageCount()
        moment = (printed or _dt.datetime.now()).replace(microsecond=0).isoformat()
        for number in range(pages):
            if number:
                device.newPage()
            painter.save()
            painter.translate(0, -number * body.height())
            doc.drawContents(painter, QRectF(0, number * body.height(), body.width(), body.height()))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(Qt.GlobalColor.darkGray)
            words = translate("Printouts", "{title} · พิมพ์เมื่อ {when} · หน้า {page}/{pages}").format(
                title=printout.title, when=format_moment(moment), page=number + 1, pages=pages)
            # a small page (the A6 card) keeps both ends of the line: the title's start, the page
            words = painter.fontMetrics().elidedText(words, Qt.TextElideMode.ElideMiddle, int(rect.width()))
            painter.drawText(QRectF(0, rect.height() - footer * 0.8, rect.width(), footer * 0.8),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), words)
    finally:
        painter.end()
    return pages


def gui_application() -> QCoreApplication:
    """The application Qt's fonts and painting need: the one running, else a new
    QGuiApplication (offscreen on Linux unless QT_QPA_PLATFORM says otherwise: a PDF needs
    no display, and the command line may have none)."""
    app = QCoreApplication.instance()
    if app is None:
        args = ["clinic-app"]
        if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
            args += ["-platform", "offscreen"]
        app = QGuiApplication(args)
        _KEPT.append(app)
    elif not isinstance(app, QGuiApplication):
        raise KnownError("โปรแกรมนี้พิมพ์เอกสารไม่ได้ (ไม่มีส่วนแสดงผล)", "This program cannot print (no GUI application).",
                         code="print-failed")
    return app


_KEPT: list[QCoreApplication] = []  # the application made here lives as long as the process


def write_pdf(printout: Printout, path: Path, *, printed: _dt.datetime | None = None) -> int:
    """The printout as a PDF file at `path` (replaced if there); its Thai text copyable.
    Pages written."""
    gui_application()
    path = Path(path)
    if not path.parent.is_dir():
        raise KnownError(f"ไม่มีโฟลเดอร์ที่จะเก็บไฟล์ PDF: {path.parent}", f"No such folder for the PDF: {path.parent}",
                         code="print-failed")
    partial = path.with_name(path.name + ".part")
    try:
        writer = QPdfWriter(str(partial))
        writer.setTitle(printout.title)
        writer.setCreator("clinic-app")
        writer.setResolution(300)
        _set_page(writer, printout)
        try:
            pages = paint(printout, writer, printed=printed)
        finally:
            del writer  # the file is complete and closed once the writer goes
        partial.write_bytes(fix_thai_text(partial.read_bytes()))
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        thai, eng = os_reason(exc)
        raise KnownError(f"เขียนไฟล์ PDF ไม่ได้ ({thai}): {path}", f"The PDF could not be written ({eng}): {path}",
                         code="print-failed") from exc
    except KnownError:
        partial.unlink(missing_ok=True)
        raise
    return pages


# -- Thai text in the PDF: private-use glyph variants back to their letters ------------------

def _pua_thai() -> dict[int, int]:
    """Private-use code point -> Thai letter, Windows and Mac sets (HarfBuzz's Thai fallback
    tables): tone marks shifted down, down-left and left, upper vowels shifted left, lower
    vowels shifted down, YO YING and THO THAN without their tails."""
    out: dict[int, int] = {}
    tones = range(0x0E48, 0x0E4D)  # MAI EK ... THANTHAKHAT
    for base, win, mac in zip(tones, range(0xF70A, 0xF70F), (0xF88B, 0xF88E, 0xF891, 0xF894, 0xF897)):
        out[win], out[mac] = base, base  # shifted down
    for base, win, mac in zip(tones, range(0xF705, 0xF70A), (0xF88C, 0xF88F, 0xF892, 0xF895, 0xF898)):
        out[win], out[mac] = base, base  # shifted down and left
    for base, win, mac in zip(tones, range(0xF713, 0xF718), (0xF88A, 0xF88D, 0xF890, 0xF893, 0xF896)):
        out[win], out[mac] = base, base  # shifted left
    for base, win, mac in ((0x0E31, 0xF710, 0xF884), (0x0E34, 0xF701, 0xF885), (0x0E35, 0xF702, 0xF886),
                           (0x0E36, 0xF703, 0xF887), (0x0E37, 0xF704, 0xF888), (0x0E47, 0xF712, 0xF889),
                           (0x0E4D, 0xF711, 0xF899), (0x0E38, 0xF718, 0xF89B), (0x0E39, 0xF719, 0xF89C),
                           (0x0E3A, 0xF71A, 0xF89D), (0x0E0D, 0xF70F, 0xF89A), (0x0E10, 0xF700, 0xF89E)):
        out[win], out[mac] = base, base
    return out


PUA_THAI = _pua_thai()
_STREAM = re.compile(rb"\d+ 0 obj\s*<<\s*/Length (\d+)\s*>>\s*stream\r?\n")
_CMAP_BODY = re.compile(rb"endcodespacerange\s*(.*?)endcmap", re.S)
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)")
_CHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def _fixed_cmap(body: bytes) -> bytes:
    """A ToUnicode CMap with the private-use Thai variants mapped to their letters (as it
    was when there are none)."""
    found = _CMAP_BODY.search(body)
    if not found:
        return body
    mapping: dict[int, int] = {}
    section = found.group(1)
    for block in re.finditer(rb"beginbfrange(.*?)endbfrange", section, re.S):
        for low, high, dest in _RANGE.findall(block.group(1)):
            glyphs = range(int(low, 16), int(high, 16) + 1)
            if dest.startswith(b"["):
                for glyph, code in zip(glyphs, re.findall(rb"<([0-9A-Fa-f]+)>", dest)):
                    mapping[glyph] = int(code, 16)
            else:
                for step, glyph in enumerate(glyphs):
                    mapping[glyph] = int(dest[1:-1], 16) + step
    for block in re.finditer(rb"beginbfchar(.*?)endbfchar", section, re.S):
        for glyph, code in _CHAR.findall(block.group(1)):
            mapping[int(glyph, 16)] = int(code, 16)
    if not any(code in PUA_THAI for code in mapping.values()) or any(code > 0xFFFF for code in mapping.values()):
        return body
    items = sorted((glyph, PUA_THAI.get(code, code)) for glyph, code in mapping.items())
    out = b""
    for start in range(0, len(items), 100):  # a CMap block holds at most 100 entries
        chunk = items[start:start + 100]
        out += b"%d beginbfchar\n" % len(chunk) + b"".join(b"<%04X> <%04X>\n" % pair for pair in chunk) + b"endbfchar\n"
    return body[:found.start(1)] + out + body[found.end(1):]


def fix_thai_text(pdf: bytes) -> bytes:
    """The PDF (as Qt writes it: a classic xref table) with its ToUnicode maps' private-use
    Thai variants mapped to their letters, the xref table following the moved objects. A
    file in any other shape is returned as it was."""
    at = pdf.rfind(b"startxref")
    where = re.match(rb"startxref\s+(\d+)", pdf[at:]) if at >= 0 else None
    if where is None:
        return pdf
    xref_at = int(where.group(1))
    head = re.compile(rb"xref\r?\n0 (\d+)\r?\n").match(pdf, xref_at)
    if head is None:
        return pdf
    count, table_at = int(head.group(1)), head.end()
    entries = [pdf[table_at + 20 * i: table_at + 20 * (i + 1)] for i in range(count)]
    if not all(re.fullmatch(rb"\d{10} \d{5} [nf][ \r]?\r?\n", e) for e in entries):
        return pdf
    offsets = [int(e[:10]) if e[17:18] == b"n" else None for e in entries]
    edits: list[tuple[int, int, bytes]] = []
    for offset in offsets:
        stream = _STREAM.match(pdf, offset) if offset is not None else None
        if stream is None:
            continue
        length = int(stream.group(1))
        body = pdf[stream.end(): stream.end() + length]
        if b"/CMapName /Adobe-Identity-UCS" not in body:
            continue
        fixed = _fixed_cmap(body)
        if fixed != body:
            edits.append((stream.start(1), stream.end() + length,
                          b"%d" % len(fixed) + pdf[stream.end(1):stream.end()] + fixed))
    if not edits:
        return pdf
    edits.sort()

    def moved(position: int) -> int:
        return position + sum(len(new) - (end - start) for start, end, new in edits if end <= position)

    out, done = bytearray(), 0
    for start, end, new in edits:
        out += pdf[done:start] + new
        done = end
    out += pdf[done:xref_at]
    table = b"".join(e if o is None else b"%010d %s" % (moved(o), e[11:]) for e, o in zip(entries, offsets))
    rest = re.sub(rb"startxref\s+\d+", b"startxref\n%d" % len(out), pdf[table_at + 20 * count:], count=1)
    return bytes(out) + pdf[xref_at:table_at] + table + rest


# -- for the command line (and the window's loaders): a session and a path -------------------

def visit_slip_pdf(unit: UnitSession, encounter_id: str, path: Path) -> None:
    """A visit's slip as a PDF (`clinic-app print visit-slip ID --out F.pdf`)."""
    printout = visit_slip_html(unit.visits.slip(encounter_id))
    write_pdf(printout, Path(path))


def appointment_card_pdf(unit: UnitSession, patient_id: str, path: Path, *, appointment_id: str | None = None) -> None:
    """An appointment card as a PDF: the appointment named, else the patient's next one."""
    printout = appointment_card_html(unit.visits.appointment_card(patient_id, appointment_id=appointment_id))
    write_pdf(printout, Path(path))


def _letter_words() -> dict[str, str]:
    """The referral letter's labels (literal calls, so lupdate finds them)."""
    return {
        "title": translate("Printouts", "ใบส่งตัวผู้ป่วย"),
        "numbered": translate("Printouts", "เลขที่ {number}  วันที่ {day}"),
        "to": translate("Printouts", "เรียน"),
        "director": translate("Printouts", "ผู้อำนวยการ"),
        "from": translate("Printouts", "จาก"),
        "name": translate("Printouts", "ชื่อ-สกุล"),
        "cid": translate("Printouts", "เลขประจำตัวประชาชน"),
        "sex": translate("Printouts", "เพศ"),
        "birth": translate("Printouts", "วันเกิด"),
        "urgency": translate("Printouts", "ความเร่งด่วน"),
        "reason": translate("Printouts", "เหตุผลการส่งต่อ"),
        "diagnoses": translate("Printouts", "การวินิจฉัย"),
        "summary": translate("Printouts", "สรุปอาการและการรักษา"),
        "answer": translate("Printouts", "ผลการส่งต่อ"),
        "signed": translate("Printouts", "ลงชื่อ"),
        "referrer": translate("Printouts", "ผู้ส่งต่อ"),
        "routine": translate("Printouts", "ปกติ"),
        "urgent": translate("Printouts", "เร่งด่วน"),
        "emergency": translate("Printouts", "ฉุกเฉิน"),
        "male": translate("Printouts", "ชาย"),
        "female": translate("Printouts", "หญิง"),
    }


def referral_letter_html(referral: Referral, *, facility: str) -> Printout:
    """The referral letter (ใบส่งตัวผู้ป่วย), A4, laid out as the usual form: the referring
    unit, the number and day, to whom, the patient, the urgency, why, the diagnoses, the
    clinical summary, who refers (and signs), and the answer once there is one."""
    w, row, none = _letter_words(), referral.row, "-"
    details = referral.patient_details
    cid = str(((referral.request.get("subject") or {}).get("identifier") or {}).get("value") or "")
    sex = w.get(details.get("sex", ""), none) if details.get("sex") in ("male", "female") else none
    birth = details.get("birth", "")
    born = format_date(_dt.date.fromisoformat(birth)) if len(birth) == 10 else none
    when = format_moment(row.when) if row.when else none
    addressed = (f'<b>{w["to"]}</b> {_e(w["director"])} {_e(row.facility_name)} ({_e(row.facility)})'
                 if not row.incoming else f'<b>{w["from"]}</b> {_e(row.facility_name)} ({_e(row.facility)})')
    parts = [_header(f"{referral.from_name} ({referral.from_hcode})" if not row.incoming else facility, w["title"],
                     w["numbered"].format(number=referral.number or none, day=when)),
             '<table width="100%" cellpadding="3">',
             f'<tr><td colspan="2">{addressed}</td></tr>',
             f'<tr><td><b>{w["name"]}</b> {_e(row.patient)}</td><td><b>{w["cid"]}</b> {_e(cid or none)}</td></tr>',
             f'<tr><td><b>HN</b> {_e(details.get("hn") or none)} &nbsp; <b>{w["sex"]}</b> {_e(sex)}</td>'
             f'<td><b>{w["birth"]}</b> {_e(born)}</td></tr>',
             f'<tr><td colspan="2"><b>{w["urgency"]}</b> <span class="{"late" if row.urgency != "routine" else ""}">'
             f'{_e(w.get(row.urgency, row.urgency))}</span></td></tr></table>',
             f'<h2>{w["reason"]}</h2><p>{_e(row.reason)}</p>']
    if referral.diagnoses:
        items = "".join(f"<li>{_e(code)} {_e(words)}</li>" for code, words in referral.diagnoses)
        parts.append(f'<h2>{w["diagnoses"]}</h2><ul style="margin-top: 0;">{items}</ul>')
    if referral.summary:
        lines = "<br>".join(_e(line) for line in referral.summary.splitlines() if line.strip())
        parts.append(f'<h2>{w["summary"]}</h2><p>{lines}</p>')
    if row.state not in ("queued", "requested"):
        answer = row.state_words("en" if english() else "th") + (f": {row.answer}" if row.answer else "")
        parts.append(f'<h2>{w["answer"]}</h2><p>{_e(answer)}</p>')
    parts.append(f'<p>&nbsp;</p><table width="100%"><tr><td width="50%"></td><td align="center">'
                 f'{w["signed"]} ............................................<br>'
                 f'({_e(referral.referrer or none)})<br>{w["referrer"]}</td></tr></table>')
    return Printout(f'{w["title"]} {referral.number}', "".join(parts))


def referral_letter_pdf(unit: UnitSession, task_id: str, path: Path) -> None:
    """The referral letter as a PDF (`clinic-app referral letter ID --out F.pdf`)."""
    gui_application()  # the words are translated by the application's translator
    write_pdf(referral_letter_html(unit.referrals.get(task_id), facility=unit.settings().facility_name), Path(path))


def followup_printout(unit: UnitSession, kind: str, *, overdue_only: bool = False, span: str = "week",
                      today: _dt.date | None = None) -> Printout:
    """A follow-up list read from the services, ready to print: "chronic", "epi" or
    "appointments" (of `span`: today, week, missed; `overdue_only` means missed)."""
    gui_application()  # the words are translated by the application's translator
    today = today or _dt.date.today()
    facility = unit.settings().facility_name
    if kind == "chronic":
        return chronic_html(unit.followup.chronic(today=today, overdue_only=overdue_only), facility=facility,
                            overdue_only=overdue_only, today=today)
    if kind == "epi":
        return epi_html(unit.followup.epi(today=today, overdue_only=overdue_only), facility=facility,
                        overdue_only=overdue_only, today=today)
    if kind == "appointments":
        span = "missed" if overdue_only else span
        return appointments_html(appointments_for(unit, span, today=today), facility=facility, span=span, today=today)
    raise InvalidInputError("รายการติดตามต้องเป็น chronic, epi หรือ appointments",
                            "The follow-up list is chronic, epi or appointments.")


def followup_pdf(unit: UnitSession, kind: str, path: Path, *, overdue_only: bool = False, span: str = "week",
                 today: _dt.date | None = None) -> None:
    """A follow-up list as a PDF: "chronic", "epi" (one village a page) or "appointments"."""
    write_pdf(followup_printout(unit, kind, overdue_only=overdue_only, span=span, today=today), Path(path))


# -- in the window ---------------------------------------------------------------------

def print_on_printer(parent: QWidget | None, printout: Printout) -> bool:
    """Qt's print dialog, then the printout on the printer chosen; False when cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(printout.title)
    _set_page(printer, printout)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(printout.title)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    paint(printout, printer)
    return True


def save_pdf(parent: QWidget | None, printout: Printout, path: Path | None = None) -> Path | None:
    """The printout as a PDF where the person chooses (or at `path`); the error, if any, in a box."""
    from clinic_app.ui.widgets import show_error

    if path is None:
        name = re.sub(r"[\\/:*?\"<>|]+", "-", printout.title) + ".pdf"
        chosen, _ = QFileDialog.getSaveFileName(parent, translate("Printouts", "บันทึกเป็น PDF"),
                                                str(Path.home() / name), translate("Printouts", "PDF (*.pdf)"))
        if not chosen:
            return None
        path = Path(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")
    try:
        write_pdf(printout, path)
    except KnownError as error:
        show_error(parent, error)
        return None
    return path


def offer_printout(parent: QWidget, printout: Printout) -> QMessageBox:
    """Ask how: on a printer, or as a PDF file (the box is `printChoice`)."""
    box = QMessageBox(QMessageBox.Icon.Question, "clinic-app",
                      translate("Printouts", "{title}\n\nพิมพ์ออกเครื่องพิมพ์ หรือบันทึกเป็นไฟล์ PDF?").format(
                          title=printout.title), QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("printChoice")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the title holds the patient's name: never read as HTML
    printer = box.addButton(translate("Printouts", "พิมพ์…"), QMessageBox.ButtonRole.AcceptRole)
    printer.setObjectName("toPrinter")
    pdf = box.addButton(translate("Printouts", "บันทึกเป็น PDF…"), QMessageBox.ButtonRole.AcceptRole)
    pdf.setObjectName("toPdf")
    box.setDefaultButton(printer)

    def chosen(button: QPushButton) -> None:
        if button is printer:
            print_on_printer(parent, printout)
        elif button is pdf:
            save_pdf(parent, printout)

    box.buttonClicked.connect(chosen)
    box.open()
    return box


def print_visit(parent: QWidget, worker: Any, encounter_id: str, *, card: bool = False,
                on_ready: Callable[[Printout], None] | None = None) -> None:
    """A visit's slip (or, with `card`, the card of the appointment it booked): read on the
    database worker, then offered for a printer or a PDF (`on_ready` instead, for tests)."""
    from clinic_app.ui.widgets import show_error

    def work(unit: UnitSession, _progress: Any) -> Any:
        slip = unit.visits.slip(encounter_id)
        if not card:
            return visit_slip_html(slip)
        if slip.appointment is None:
            raise InvalidInputError("การรับบริการนี้ไม่มีนัดครั้งต่อไป", "This visit booked no next appointment.")
        return appointment_card_html(unit.visits.appointment_card(slip.patient_id,
                                                                  appointment_id=slip.appointment["id"]))

    worker.submit(work, on_done=on_ready or (lambda printout: offer_printout(parent, printout)),
                  on_error=lambda error: show_error(parent, error))
