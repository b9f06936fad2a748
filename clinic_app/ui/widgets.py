"""Small shared pieces of the window: an error box (both languages, the window's first), a
form's problems shown beside its fields, a read-only table of records, a plot of vital signs
drawn with QPainter (QtCharts is not in PySide6-Essentials), and an object that carries a
value from any thread to the window's thread."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractItemModel, QObject, QPointF, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QTableWidget,
    QWidget,
)

from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.ui.i18n import english, format_when, translate

T = TypeVar("T", bound=QTableView)


MAX_PROBLEMS_SHOWN = 20  # a bad file can have thousands; the first ones say what to fix


def problem_labels() -> dict[str, str]:
    """What each InvalidInputError problem path is called on the form, in the window's language."""
    return {"cid": translate("Problems", "เลขประจำตัวประชาชน"), "name": translate("Problems", "ชื่อ-สกุล"),
            "sex": translate("Problems", "เพศ"), "birth": translate("Problems", "วันเกิด"),
            "phone": translate("Problems", "โทรศัพท์"), "address": translate("Problems", "ที่อยู่"),
            "duplicate": translate("Problems", "อาจซ้ำ"), "weight": translate("Problems", "น้ำหนัก"),
            "blood pressure": translate("Problems", "ความดันโลหิต"), "diagnosis": translate("Problems", "การวินิจฉัย"),
            "vaccine": translate("Problems", "วัคซีน"), "complaint": translate("Problems", "อาการสำคัญ"),
            "temperature": translate("Problems", "อุณหภูมิ"), "pulse": translate("Problems", "ชีพจร"),
            "systolic": translate("Problems", "ความดันตัวบน"), "diastolic": translate("Problems", "ความดันตัวล่าง")}


def sexes() -> list[tuple[str, str]]:
    """The FHIR sexes (administrative gender) and their names in the window's language."""
    return [("female", translate("Sex", "หญิง")), ("male", translate("Sex", "ชาย")),
            ("other", translate("Sex", "อื่น ๆ")), ("unknown", translate("Sex", "ไม่ระบุ"))]


def record_kinds() -> dict[str, str]:
    """What each kind of record is called, in the window's language."""
    return {
        "Patient": translate("Kinds", "ข้อมูลผู้ป่วย"),
        "Encounter": translate("Kinds", "การรับบริการ"),
        "Condition": translate("Kinds", "การวินิจฉัย"),
        "Observation": translate("Kinds", "ผลตรวจ/สัญญาณชีพ"),
        "MedicationDispense": translate("Kinds", "ยาที่จ่าย"),
        "MedicationRequest": translate("Kinds", "สั่งยา"),
        "Immunization": translate("Kinds", "วัคซีน"),
        "AllergyIntolerance": translate("Kinds", "การแพ้"),
        "Procedure": translate("Kinds", "หัตถการ"),
        "ServiceRequest": translate("Kinds", "การส่งต่อ/คำขอ"),
        "Consent": translate("Kinds", "ความยินยอม"),
        "AuditEvent": translate("Kinds", "บันทึกการใช้งาน"),
        "Provenance": translate("Kinds", "ที่มาของข้อมูล"),
        "Task": translate("Kinds", "งานส่งต่อ"),
        "Coverage": translate("Kinds", "สิทธิการรักษา"),
        "Practitioner": translate("Kinds", "ผู้ให้บริการ"),
    }


def both_languages(error: KnownError) -> str:
    """The error's two messages, the window's language first (the other stays: a clerk may read either)."""
    if english() and error.english:
        return f"{error.english}\n{error.thai}"
    return f"{error.thai}\n{error.english}"


def show_error(parent: QWidget | None, error: KnownError) -> None:
    if isinstance(error, InvalidInputError):
        labels, lang = problem_labels(), "en" if english() else "th"
        shown = error.problems[:MAX_PROBLEMS_SHOWN]
        more = len(error.problems) - len(shown)
        text = "\n".join([both_languages(error)]
                         + [f"• {labels.get(p.path) or p.where(lang)}: {p.reason_in(lang)}" for p in shown]
                         + ([translate("Problems", "…และอีก {count} จุด").format(count=more)] if more else []))
    else:
        text = both_languages(error)
    box = QMessageBox(QMessageBox.Icon.Warning, "clinic-app", text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.open()


def show_problems(error: KnownError, fields: Mapping[str, QWidget], label: QLabel, *,
                  labels: Mapping[str, str] | None = None) -> QWidget | None:
    """A refused form's problems beside its fields: the old marks cleared; each field with a
    problem bordered in red, the reason its tooltip; `label` shown with the error in both
    languages and a line per problem ("• field: why", the field named by `labels`, else by
    problem_labels()); the first field with a problem focused and returned (None: none)."""
    lang = "en" if english() else "th"
    names = {**problem_labels(), **(labels or {})}
    for widget in fields.values():
        widget.setStyleSheet("")
        widget.setToolTip("")
    lines = [both_languages(error)]
    problems = error.problems if isinstance(error, InvalidInputError) else []
    for problem in problems:
        widget = fields.get(problem.path)
        if widget is not None:
            widget.setStyleSheet("border: 2px solid #b00020;")
            widget.setToolTip(problem.reason_in(lang))
        lines.append(f"• {names.get(problem.path, problem.path)}: {problem.reason_in(lang)}")
    label.setText("\n".join(lines))
    label.setVisible(True)
    first = next((fields[p.path] for p in problems if p.path in fields), None)
    if first is not None:
        first.setFocus()
    return first


def record_table(headers: list[str], *, name: str | None = None, accessible: str | None = None,
                 single_row: bool = True, stretch_last: bool = True) -> QTableWidget:
    """A read-only table of records: no row numbers, columns sized by hand (the last one
    stretched unless `stretch_last` is False), one whole row selected at a time (unless
    `single_row` is False: then Qt's default, cells, several at once)."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    return _read_only(table, name=name, accessible=accessible, single_row=single_row, stretch_last=stretch_last)


def record_view(model: QAbstractItemModel, *, name: str | None = None,
                accessible: str | None = None) -> QTableView:
    """`record_table` for a model of its own (a long list whose cells are made only for the
    rows on screen), one whole row selected at a time; columns sized by the first rows only."""
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setResizeContentsPrecision(200)
    return _read_only(view, name=name, accessible=accessible, single_row=True, stretch_last=True)


def _read_only(table: T, *, name: str | None, accessible: str | None, single_row: bool, stretch_last: bool) -> T:
    if name is not None:
        table.setObjectName(name)
    if accessible is not None:
        table.setAccessibleName(accessible)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if single_row:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch_last:
        table.horizontalHeader().setStretchLastSection(True)
    return table


class Relay(QObject):
    """Emit from any thread; slots connected to `arrived` run on the receiver's thread."""

    arrived = Signal(object)

    def send(self, value: Any) -> None:
        self.arrived.emit([value])  # wrapped: see ui/tasks.py on PySide6 and None


class VitalsPlot(QWidget):
    """Blood pressure (upper, lower) and weight over time, one point per visit: the scale of
    each on its own axis (mmHg on the left, kg on the right), the dates in the window's
    calendar (Buddhist era in Thai) along the bottom, spaced by time."""

    PRESSURE = (40, 200, 40)   # low, high, step of the left axis (mmHg) ...
    WEIGHT = (0, 120, 20)      # ... and of the right axis (kg); each taller for higher readings
    pressure_axis, weight_axis = PRESSURE, WEIGHT

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.setMinimumHeight(170)
        self.setAccessibleName(self.tr("กราฟความดันและน้ำหนัก"))

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        high = max([r["weight"] for r in rows if r.get("weight") is not None] + [0])
        top = max(120, math.ceil(high / 40) * 40)
        self.weight_axis = (0, top, 20 if top <= 120 else 40)
        sbp = max([r["sbp"] for r in rows if r.get("sbp") is not None] + [0])
        self.pressure_axis = (40, max(200, math.ceil(sbp / 40) * 40), 40)
        self.update()

    def _x_positions(self, left: float, right: float) -> list[float]:
        """Each row's x: by its date, so a gap of a year looks like one; evenly when the
        dates cannot be read or are all one day."""
        try:
            days = [_dt.date.fromisoformat(r["date"][:10]).toordinal() for r in self.rows]
        except (ValueError, KeyError, TypeError):
            days = []
        n = len(self.rows)
        if days and max(days) > min(days):
            first, span = min(days), max(days) - min(days)
            return [left + (right - left) * (d - first) / span for d in days]
        return [left + (right - left) * (i / max(1, n - 1)) if n > 1 else (left + right) / 2 for i in range(n)]

    def date_labels(self, xs: list[float], width_of: Any) -> list[tuple[float, str]]:
        """The dates written under the axis, in the window's calendar: the first and the
        last visit's, and those between where they fit without overlapping."""
        shown: list[tuple[float, str]] = []
        if not xs:
            return shown
        low, high = min(xs) - 20, max(xs) + 20
        for i in sorted(range(len(xs)), key=lambda i: (i not in (0, len(xs) - 1), i)):
            label = format_when(self.rows[i]["date"])
            width = width_of(label)
            x = min(max(xs[i] - width / 2, low), high - width)
            if all(abs(x - other) > width + 12 for other, _ in shown):
                shown.append((x, label))
        return shown

    def axis_labels(self) -> tuple[list[str], list[str]]:
        """The values written on the left (mmHg) and right (kg) axes."""
        return ([str(v) for v in range(self.pressure_axis[0], self.pressure_axis[1] + 1, self.pressure_axis[2])],
                [str(v) for v in range(self.weight_axis[0], self.weight_axis[1] + 1, self.weight_axis[2])])

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        w, h = self.width(), self.height()
        left, right, top, bottom = 52, w - 44, 26, h - 24
        grey = QColor("#777777")
        painter.setPen(grey)
        painter.drawText(6, 16, self.tr("ความดันตัวบน (แดง) ตัวล่าง (ส้ม) mmHg แกนซ้าย · น้ำหนัก (น้ำเงิน) kg แกนขวา"))
        if not self.rows:
            painter.drawText(left, h // 2, self.tr("ยังไม่มีข้อมูลสัญญาณชีพ"))
            painter.end()
            return

        def y(value: float, axis: tuple[int, int, int]) -> float:
            low, high, _ = axis
            return bottom - (bottom - top) * ((min(max(value, low), high) - low) / (high - low))

        metrics = painter.fontMetrics()
        for axis, x_text, align_right in ((self.pressure_axis, left - 6, True), (self.weight_axis, right + 6, False)):
            low, high, step = axis
            for value in range(low, high + 1, step):
                at = y(value, axis)
                label = str(value)
                painter.setPen(QColor("#e6e6e6"))
                if align_right:
                    painter.drawLine(QPointF(left, at), QPointF(right, at))
                painter.setPen(grey)
                x = x_text - metrics.horizontalAdvance(label) if align_right else x_text
                painter.drawText(QPointF(x, at + metrics.ascent() / 2 - 1), label)
        painter.setPen(grey)
        painter.drawLine(QPointF(left, top), QPointF(left, bottom))
        painter.drawLine(QPointF(right, top), QPointF(right, bottom))
        painter.drawLine(QPointF(left, bottom), QPointF(right, bottom))
        xs = self._x_positions(left, right)
        series = [("sbp", "#c0392b", self.pressure_axis), ("dbp", "#e67e22", self.pressure_axis),
                  ("weight", "#2c6fbb", self.weight_axis)]
        for key, color, axis in series:
            points = [QPointF(x, y(r[key], axis)) for x, r in zip(xs, self.rows) if r.get(key) is not None]
            painter.setPen(QPen(QColor(color), 2))
            for a, b in zip(points, points[1:]):
                painter.drawLine(a, b)
            for p in points:
                painter.drawEllipse(p, 3, 3)
        painter.setPen(grey)
        for x, label in self.date_labels(xs, metrics.horizontalAdvance):
            painter.drawText(QPointF(x, h - 6), label)
        painter.end()


def bold(widget: QWidget) -> QWidget:
    font = widget.font()
    font.setBold(True)
    widget.setFont(font)
    return widget

