"""Small shared pieces of the window: a bilingual error box, a plot of vital signs drawn
with QPainter (QtCharts is not in PySide6-Essentials), and an object that carries a value
from any thread to the window's thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QMessageBox, QWidget

from clinic_app.core.errors import InvalidInputError, KnownError

PROBLEM_TH = {"cid": "เลขประจำตัวประชาชน", "name": "ชื่อ-สกุล", "sex": "เพศ", "birth": "วันเกิด", "phone": "โทรศัพท์",
              "address": "ที่อยู่", "duplicate": "อาจซ้ำ", "weight": "น้ำหนัก", "blood pressure": "ความดันโลหิต",
              "diagnosis": "การวินิจฉัย", "vaccine": "วัคซีน", "complaint": "อาการสำคัญ", "temperature": "อุณหภูมิ",
              "pulse": "ชีพจร", "systolic": "ความดันตัวบน", "diastolic": "ความดันตัวล่าง"}


def show_error(parent: QWidget | None, error: KnownError) -> None:
    text = error.bilingual() if not isinstance(error, InvalidInputError) else "\n".join(
        [error.thai, error.english] + [f"• {PROBLEM_TH.get(p.path, p.path)}: {p.reason}" for p in error.problems])
    box = QMessageBox(QMessageBox.Icon.Warning, "clinic-app", text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.open()


class Relay(QObject):
    """Emit from any thread; slots connected to `arrived` run on the receiver's thread."""

    arrived = Signal(object)

    def send(self, value: Any) -> None:
        self.arrived.emit([value])  # wrapped: see ui/tasks.py on PySide6 and None


class VitalsPlot(QWidget):
    """Blood pressure (upper, lower) and weight over time, one point per visit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.setMinimumHeight(160)
        self.setAccessibleName("กราฟความดันและน้ำหนัก / Blood pressure and weight over time")

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.update()

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        w, h, pad = self.width(), self.height(), 30
        painter.setPen(QColor("#888888"))
        painter.drawText(6, 16, "ความดัน (mmHg) แดง/ส้ม · น้ำหนัก (kg) น้ำเงิน")
        if len(self.rows) < 1:
            painter.drawText(pad, h // 2, "ยังไม่มีข้อมูลสัญญาณชีพ / no vital signs yet")
            return
        series = [("sbp", "#c0392b", 40, 220), ("dbp", "#e67e22", 40, 220), ("weight", "#2c6fbb", 0, 120)]
        n = len(self.rows)
        for key, color, low, high in series:
            points = [QPointF(pad + (w - 2 * pad) * (i / max(1, n - 1)),
                              h - pad - (h - 2 * pad) * ((r[key] - low) / (high - low)))
                      for i, r in enumerate(self.rows) if r.get(key) is not None]
            painter.setPen(QPen(QColor(color), 2))
            for a, b in zip(points, points[1:]):
                painter.drawLine(a, b)
            for p in points:
                painter.drawEllipse(p, 3, 3)
        painter.setPen(QColor("#888888"))
        painter.drawText(pad, h - 8, self.rows[0]["date"])
        painter.drawText(w - pad - 70, h - 8, self.rows[-1]["date"])
        painter.end()


def bold(widget: QWidget) -> QWidget:
    font = widget.font()
    font.setBold(True)
    widget.setFont(font)
    return widget

