"""The desk defects a clerk or nurse met in their first hour (issue 13), each driven through
the real window offscreen against the real encrypted store."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from clinic_app.services.patients import VisitForm
from clinic_app.ui.chart import ChartPage, VisitDetailsDialog, diagnosis_text
from clinic_app.ui.main import MainWindow
from tests.ui.test_workflows import _idle, window  # noqa: F401 - the window fixture


def _register(qtbot, window: MainWindow, cid: str, given: str, family: str) -> ChartPage:  # type: ignore[no-untyped-def]
    page = window.register
    window.tabs.setCurrentWidget(page)
    page.cid.setText(cid)
    page.given_th.setText(given)
    page.family_th.setText(family)
    page.save.click()
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage), timeout=10_000)
    chart: ChartPage = window.tabs.currentWidget()
    _idle(qtbot, window)
    return chart


def test_the_chart_shows_what_a_visit_recorded_titled_with_the_patient(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chart = _register(qtbot, window, "1101700207030", "สมศรี", "มีสุข")
    qtbot.waitUntil(lambda: "สมศรี" in window.tabs.tabText(window.tabs.currentIndex()), timeout=10_000)
    assert window.tabs.tabText(window.tabs.currentIndex()) != "แฟ้มผู้ป่วย"
    chart._save_visit(VisitForm(complaint="ไข้ ไอ", systolic=132, diastolic=84, weight=55.5, temperature=38.2,
                                diagnosis="J00", drug="Paracetamol 500 mg", drug_amount=20, note="นัดติดตาม 1 สัปดาห์"))
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 1, timeout=10_000)
    assert chart.visits.item(0, 3).text() == "J00 หวัด"
    # Enter on the visit list opens the visit's details
    chart.visits.setFocus()
    chart.visits.setCurrentCell(0, 0)
    QTest.keyClick(chart.visits, Qt.Key.Key_Return)
    dialog = chart.findChild(VisitDetailsDialog)
    assert dialog is not None and dialog.isVisible()
    assert "132/84" in dialog.values["vitals"].text() and "38.2" in dialog.values["vitals"].text()
    assert "55.5" in dialog.values["vitals"].text()
    assert "Paracetamol 500 mg" in dialog.values["drugs"].text() and "20" in dialog.values["drugs"].text()
    assert dialog.values["note"].text() == "นัดติดตาม 1 สัปดาห์"
    assert dialog.values["diagnoses"].text() == "J00 หวัด"
    assert "25" in dialog.values["when"].text()  # the Buddhist-era year: 25xx
    dialog.close()
    # opening the same patient again shows the open chart, not a second tab
    tabs = window.tabs.count()
    assert window.open_chart(chart.patient_id) is chart and window.tabs.count() == tabs


def test_diagnosis_titles_in_the_windows_language_english_marked_where_no_thai() -> None:
    assert diagnosis_text({"code": "I10", "th": "ความดันโลหิตสูง", "en": "Essential hypertension"}) == "I10 ความดันโลหิตสูง"
    assert diagnosis_text({"code": "Z99.9", "th": "", "en": "Dependence on machine"}) == "Z99.9 Dependence on machine (EN)"


def test_the_blood_pressure_graph_has_value_axes_and_buddhist_era_dates(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chart = _register(qtbot, window, "1101700207030", "สมศรี", "มีสุข")
    plot = chart.plot
    plot.set_rows([{"date": "2025-01-10", "sbp": 150, "dbp": 95, "weight": 70},
                   {"date": "2026-11-20", "sbp": 128, "dbp": 82, "weight": 131}])
    left, right = plot.axis_labels()
    assert left[0] == "40" and "120" in left and left[-1] == "200"
    assert right[0] == "0" and int(right[-1]) >= 131  # the weight axis reaches the heaviest reading
    xs = plot._x_positions(52, 500)
    labels = [text for _, text in plot.date_labels(xs, lambda t: 8 * len(t))]
    assert labels[0].endswith("2568") and labels[-1].endswith("2569"), labels  # Buddhist era in the Thai window
    image = plot.grab().toImage()  # it paints (a painter error would show here)
    assert image.width() > 0
