"""The follow-up page in the real window offscreen, on a seeded unit with known answers:
the chronic register (who is overdue and why), the children's vaccines due by village,
the appointments (today, the coming week, missed); overdue-only; a double-click opens the
chart; a visit saved elsewhere in the window takes a patient off the overdue list.

`seed` is shared with test_printouts.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from clinic_app.services.visits import DrugLine, VisitForm
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.followup import LATE, LATE_ROW, FollowUpPage
from clinic_app.ui.i18n import format_when
from clinic_app.ui.main import MainWindow, apply_thai_font
from tests.ui.test_accessibility import _unnamed

FORMULARY = """code,name,strength,unit,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,1,QID,3,
CPM4,Chlorpheniramine,4 mg,เม็ด,1,TID,5,antihistamines
METF500,Metformin,500 mg,เม็ด,1,BID,30,biguanides
"""
NURSE = Actor("nurse.ploy", CLINICIAN)
BOSS = Actor("admin.somchai", ADMIN)
TODAY = dt.date.today()


@dataclass
class Seeded:
    ids: dict[str, str]     # given name -> patient id
    slip_visit: str         # a visit with drugs and a next appointment (สมศรี มีสุข)


def _born(months_ago: int) -> tuple[int, int, int]:
    day = epi.add_months(TODAY, -months_ago)
    return (day.day, day.month, day.year + 543)


def seed(inst: Installation) -> Seeded:
    """Four patients on the chronic register (one well, three overdue for three reasons),
    three children with doses due (one overdue), appointments today, in three days and one
    missed, and a visit with drugs for the slip."""
    ids: dict[str, str] = {}
    now = dt.datetime.now().astimezone().replace(microsecond=0)
    with UnitSession(inst, actor=BOSS) as unit:
        unit.formulary.import_csv(FORMULARY)
        unit.act_as(NURSE)

        def patient(given: str, family: str, *, moo: str, house: str = "1", born: tuple[int, int, int] = (3, 2, 2510),
                    sex: str = "female") -> str:
            day, month, year = born
            form = PatientForm(given_th=given, family_th=family, sex=sex, birth_day=day, birth_month=month,
                               birth_year_be=year, house=house, moo=moo, subdistrict_code="300101")
            ids[given] = unit.patients.register(form, allow_duplicates=True).value["id"]
            return ids[given]

        def visit(pid: str, days_ago: int, **form: object) -> str:
            return unit.visits.save(pid, VisitForm(complaint="ติดตาม", when=now - dt.timedelta(days=days_ago),
                                                   **form)).value["id"]  # type: ignore[arg-type]

        well = patient("ปกติดี", "ใจดี", moo="1")
        visit(well, 20, diagnoses=[("E11.9", "1")], systolic=130, diastolic=80, blood_sugar=140,
              drugs=[DrugLine(code="METF500", dose=1, frequency="BID", days=30)],
              appointment_day=TODAY + dt.timedelta(days=10), appointment_reason="ตรวจน้ำตาล")
        late = patient("ขาดนัด", "มาช้า", moo="2")
        visit(late, 200, diagnoses=[("I10", "1")], systolic=150, diastolic=95)
        visit(late, 120, diagnoses=[("I10", "1")], systolic=142, diastolic=90)
        both = patient("สองโรค", "รวมกัน", moo="1")
        visit(both, 30, diagnoses=[("E11.9", "1"), ("I10", "2")])
        with unit.store.transaction():
            unit.records.write([build.appointment(id="a-missed", patient=build.reference("Patient", both),
                                                  start=(now - dt.timedelta(days=5)).isoformat(),
                                                  reason="ตรวจน้ำตาลซ้ำ")], action="test")
        sent = patient("ส่งตัวมา", "ใหม่", moo="3")
        unit.followup.add_chronic(sent, "DM", since=TODAY - dt.timedelta(days=400))
        patient("แรกเกิด", "น่ารัก", moo="2", house="7", born=_born(0))
        two = patient("สองเดือน", "ตัวเล็ก", moo="1", house="5", born=_born(2))
        for code in ("010", "041"):
            unit.visits.save(two, VisitForm(vaccine=code, when=now - dt.timedelta(days=50)))
        four = patient("สี่ขวบ", "ซุกซน", moo="1", house="3", born=_born(50), sex="male")
        for dose in epi.SCHEDULE:
            if epi.routine(dose, "male") and dose.age_months < 48:
                unit.visits.save(four, VisitForm(vaccine=dose.code, when=now - dt.timedelta(days=400)))
        today_ = patient("นัดวันนี้", "มาแน่", moo="4")
        visit(today_, 1, appointment_day=TODAY, appointment_reason="ฟังผลเลือด")
        wound = patient("ล้างแผล", "ต่อเนื่อง", moo="4")
        visit(wound, 1, appointment_day=TODAY + dt.timedelta(days=3), appointment_reason="ล้างแผล")
        somsri = patient("สมศรี", "มีสุข", moo="5", house="12")
        slip = unit.visits.save(somsri, VisitForm(
            complaint="ไข้ ไอ เจ็บคอ", systolic=128, diastolic=82, temperature=38.2,
            diagnoses=[("J00", "1")], vaccine="",
            drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3),
                   DrugLine(code="CPM4", dose=1, frequency="TID", meals="pc", days=5)],
            appointment_day=TODAY + dt.timedelta(days=14), appointment_reason="ติดตามอาการไอ")).value["id"]
    return Seeded(ids, slip)


def _window(qtbot, qapp, inst: Installation, actor: Actor = NURSE) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(inst, actor=actor), training=False, facility="รพ.สต.ทดสอบ")
    qtbot.addWidget(win)
    win.show()
    return win


def _texts(table, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [_text(table, r, column) for r in range(table.model().rowCount())]


def _text(table, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
    return table.model().index(row, column).data(role)


def _colour(table, row: int, column: int) -> QColor | None:  # type: ignore[no-untyped-def]
    brush = _text(table, row, column, Qt.ItemDataRole.ForegroundRole)
    return brush.color() if brush is not None else None


def _open(table, row: int, column: int) -> None:  # type: ignore[no-untyped-def]
    table.doubleClicked.emit(table.model().index(row, column))


def test_the_chronic_register_shows_who_is_overdue_and_why(qtbot, qapp, installation: Installation) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(installation)
    window = _window(qtbot, qapp, installation)
    page: FollowUpPage = window.followup
    assert window.tabs.tabText(window.tabs.indexOf(page)) == "ติดตาม"
    assert window.tabs.indexOf(page) > window.tabs.indexOf(window.register)
    view = page.chronic
    assert view.loads == 0  # nothing is read while the tab is not shown
    window.tabs.setCurrentWidget(page)
    assert view.loads == 0  # read on the worker: the window shows first
    qtbot.waitUntil(lambda: view.loads == 1, timeout=10_000)
    table = view.table
    names = [n.split()[0] for n in _texts(table, 0)]
    assert names == ["ปกติดี", "สองโรค", "ขาดนัด", "ส่งตัวมา"]  # by village (1, 1, 2, 3), then name
    assert _texts(table, 2) == ["1", "1", "2", "3"]
    assert _texts(table, 3) == ["DM", "DM, HT", "HT", "DM"]
    why = dict(zip(names, _texts(table, 9)))
    assert why == {"ปกติดี": "", "สองโรค": "⚠ ขาดนัด", "ขาดนัด": "⚠ ไม่ได้มาตรวจเกิน 90 วัน",
                   "ส่งตัวมา": "⚠ ยังไม่เคยมาตรวจ"}
    rows = dict(zip(names, range(table.model().rowCount())))
    assert _colour(table, rows["ขาดนัด"], 9) == LATE
    assert _colour(table, rows["ปกติดี"], 9) is None  # not red
    assert _text(table, rows["ขาดนัด"], 6) == "142/90"   # the last blood pressure, not the first
    assert _text(table, rows["ปกติดี"], 7) == "140"      # the last blood sugar
    assert _text(table, rows["ปกติดี"], 8) == format_when((TODAY + dt.timedelta(days=10)).isoformat())
    assert str((TODAY + dt.timedelta(days=10)).year + 543) in _text(table, rows["ปกติดี"], 8)  # Buddhist era
    assert _text(table, rows["ส่งตัวมา"], 5) == "-"
    assert _text(table, rows["ขาดนัด"], 9, Qt.ItemDataRole.BackgroundRole).color() == LATE_ROW
    assert "4 ราย" in view.count.text() and "3 ราย" in view.count.text()
    assert _unnamed(window) == []
    # overdue only
    view.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: view.loads == 2, timeout=10_000)
    assert [n.split()[0] for n in _texts(table, 0)] == ["สองโรค", "ขาดนัด", "ส่งตัวมา"]
    # Enter on a row opens the chart
    table.setFocus()
    table.setCurrentIndex(table.model().index(1, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert isinstance(window.tabs.currentWidget(), ChartPage)
    assert window.tabs.currentWidget().patient_id == seeded.ids["ขาดนัด"]
    # the overdue patient comes today: saved in the window, the list follows
    window.tabs.setCurrentWidget(page)
    pid = seeded.ids["ขาดนัด"]
    window.worker.submit(lambda unit, _p: unit.visits.save(pid, VisitForm(complaint="วัดความดัน", diagnoses=[("I10", "1")],
                                                                          systolic=128, diastolic=84)),
                         on_done=lambda done: window.bus.result(done, window))
    qtbot.waitUntil(lambda: view.loads == 3, timeout=10_000)
    assert [n.split()[0] for n in _texts(table, 0)] == ["สองโรค", "ส่งตัวมา"]
    view.overdue_only.setChecked(False)
    qtbot.waitUntil(lambda: view.loads == 4, timeout=10_000)
    row = [n.split()[0] for n in _texts(table, 0)].index("ขาดนัด")
    assert (_text(table, row, 6), _text(table, row, 9)) == ("128/84", "")
    # read again after a change, the list keeps the patient who was current (Enter still opens them)
    table.setCurrentIndex(table.model().index(row, 0))
    view.refresh()
    qtbot.waitUntil(lambda: view.loads == 5, timeout=10_000)
    assert _text(table, table.currentIndex().row(), 0).split()[0] == "ขาดนัด"
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_childrens_vaccines_due_by_village_with_the_overdue_in_red(qtbot, qapp, installation: Installation) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(installation)
    window = _window(qtbot, qapp, installation)
    window.tabs.setCurrentWidget(window.followup)
    view = window.followup.epi
    window.followup.lists.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.loads == 1, timeout=10_000)
    ids = seeded.ids
    assert view.shown_rows() == [("หมู่ 1 (2 คน, เลยกำหนด 1 คน)", [ids["สี่ขวบ"], ids["สองเดือน"]]),  # house 3, 5
                                 ("หมู่ 2 (1 คน, เลยกำหนด 0 คน)", [ids["แรกเกิด"]])]
    village = view.tree.topLevelItem(0)
    four, two = village.child(0), village.child(1)
    assert (four.text(0), four.text(3)) == ("3", "4 ปี 2 เดือน")
    assert four.text(4) == "" and four.text(5) == "คอตีบ-บาดทะยัก-ไอกรน กระตุ้น 2\nโปลิโอชนิดกิน กระตุ้น 2"
    assert four.foreground(5).color() == LATE
    assert (two.text(3), two.text(4), two.text(5)) == (
        "2 เดือน", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 1\nโปลิโอชนิดกิน 1\nโรต้า 1", "")
    newborn = view.tree.topLevelItem(1).child(0)
    assert (newborn.text(0), newborn.text(3), newborn.text(4)) == ("7", "ไม่ถึง 1 เดือน", "บีซีจี\nตับอักเสบบี เข็ม 1")
    view.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: view.loads == 2, timeout=10_000)
    assert view.shown_rows() == [("หมู่ 1 (1 คน, เลยกำหนด 1 คน)", [ids["สี่ขวบ"]])]
    view.tree.itemDoubleClicked.emit(view.tree.topLevelItem(0).child(0), 1)
    assert window.tabs.currentWidget().patient_id == ids["สี่ขวบ"]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_appointments_today_this_week_and_missed(qtbot, qapp, installation: Installation) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(installation)
    window = _window(qtbot, qapp, installation)
    window.tabs.setCurrentWidget(window.followup)
    view = window.followup.appointments
    window.followup.lists.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.loads == 1, timeout=10_000)
    assert [(n.split()[0], r, s) for n, r, s in zip(_texts(view.table, 1), _texts(view.table, 3),
                                                     _texts(view.table, 4))] == [("นัดวันนี้", "ฟังผลเลือด", "รอมาตามนัด")]
    view.choose("week")
    qtbot.waitUntil(lambda: view.loads == 2, timeout=10_000)
    assert [n.split()[0] for n in _texts(view.table, 1)] == ["นัดวันนี้", "ล้างแผล"]
    assert _texts(view.table, 0)[1] == format_when((TODAY + dt.timedelta(days=3)).isoformat())
    view.choose("missed")
    qtbot.waitUntil(lambda: view.loads == 3, timeout=10_000)
    assert [n.split()[0] for n in _texts(view.table, 1)] == ["สองโรค"]
    assert _text(view.table, 0, 4) == "ขาดนัด" and _colour(view.table, 0, 4) == LATE
    _open(view.table, 0, 1)
    assert window.tabs.currentWidget().patient_id == seeded.ids["สองโรค"]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
