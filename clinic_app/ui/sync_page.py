"""The sync screen: what waits to be sent, what the hub refused and why, and the conflicts
— this desktop's value and the other desktop's side by side, chosen element by element."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.services.session import OutboxView
from clinic_app.ui.chart import _fill, _table
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.widgets import show_error


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "…"


class SyncPage(RefreshesWhenShown, QWidget):
    """Refreshes when the queue changes (local writes, a sync, a resolved conflict)."""

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        self.worker, self.bus = worker, bus
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.queue = _table([self.tr("สถานะ"), self.tr("ประเภท"), self.tr("เหตุผล")])
        self.queue.setObjectName("outboxTable")
        self.queue.setAccessibleName(self.tr("รายการรอส่งและที่ระบบกลางไม่รับ"))
        self.conflicts = QListWidget()
        self.conflicts.setObjectName("conflictList")
        self.conflicts.setAccessibleName(self.tr("ข้อมูลขัดแย้ง"))
        self.sides = QTableWidget(0, 3)
        self.sides.setObjectName("conflictSides")
        self.sides.setAccessibleName(self.tr("ค่าของสองเครื่องที่ขัดแย้งกัน"))
        self.sides.setHorizontalHeaderLabels([self.tr("ข้อมูล"), self.tr("เครื่องนี้"), self.tr("เครื่องอื่น")])
        self.sides.horizontalHeader().setStretchLastSection(True)
        self.apply = QPushButton(self.tr("ใช้ตามที่เลือก"))
        self.apply.setObjectName("applyChoices")
        self.apply.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("รายการรอส่งและที่ระบบกลางไม่รับ")))
        layout.addWidget(self.queue, 2)
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("ข้อมูลขัดแย้ง (แก้ไขพร้อมกันสองเครื่อง)")))
        left.addWidget(self.conflicts)
        row.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(self.sides)
        right.addWidget(self.apply)
        row.addLayout(right, 3)
        layout.addLayout(row, 3)
        self._conflicts: list[dict[str, Any]] = []
        self._groups: list[tuple[str, QButtonGroup]] = []
        self.conflicts.currentRowChanged.connect(self._on_conflicts_current_row_changed)
        self.apply.clicked.connect(self._on_apply_clicked)
        self.refresh()

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        if wrapped[0].outbox:
            self.refresh_soon()

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: unit.outbox_view(), on_done=self._show,
                           on_error=lambda e: show_error(self, e))

    def _show(self, view: OutboxView) -> None:
        entries, conflicts = view.entries, view.conflicts
        labels = {"pending": self.tr("รอส่ง"), "sending": self.tr("กำลังส่ง"), "failed": self.tr("ระบบกลางไม่รับ"),
                  "conflict": self.tr("ขัดแย้ง")}
        _fill(self.queue, [[labels.get(e.state, e.state), e.type, e.reason or ""] for e in entries])
        self._conflicts = conflicts
        self.conflicts.clear()
        for c in conflicts:
            self.conflicts.addItem(f"{c['type']} — {', '.join(c['elements'])}")
        if conflicts:
            self.conflicts.setCurrentRow(0)
        else:
            self.sides.setRowCount(0)
            self.apply.setEnabled(False)

    def _on_conflicts_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._conflicts):
            return
        c = self._conflicts[row]
        self.sides.setRowCount(len(c["elements"]))
        self._groups = []
        for i, element in enumerate(c["elements"]):
            self.sides.setItem(i, 0, QTableWidgetItem(element))
            group = QButtonGroup(self)
            for col, (side, value) in enumerate((("local", c["local"].get(element)),
                                                 ("remote", c["remote"].get(element))), start=1):
                button = QRadioButton(_short(value))
                button.setProperty("side", side)
                group.addButton(button)
                self.sides.setCellWidget(i, col, button)
            group.buttons()[0].setChecked(True)
            self._groups.append((element, group))
        self.sides.resizeColumnsToContents()
        self.apply.setEnabled(True)

    def choices(self) -> dict[str, str]:
        return {element: group.checkedButton().property("side") for element, group in self._groups}

    def _on_apply_clicked(self) -> None:
        row = self.conflicts.currentRow()
        if not 0 <= row < len(self._conflicts):
            return
        c, choices = self._conflicts[row], self.choices()
        self.worker.submit(lambda unit, _p: unit.resolve_conflict(c["type"], c["id"], choices),
                           on_done=lambda changes: self.bus.broadcast(changes, None),
                           on_error=lambda e: show_error(self, e))
