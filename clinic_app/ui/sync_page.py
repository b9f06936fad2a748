"""The sync screen: what waits to be sent, what the hub refused and why, and the conflicts
— this desktop's value and the other desktop's side by side, chosen element by element."""

from __future__ import annotations

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
from clinic_app.ui.i18n import format_moment, format_when, translate
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.widgets import record_kinds, sexes, show_error


def _dated(text: str, element: str = "") -> str:
    """An element's value in words as the window writes it: a plain ISO date in the
    window's calendar, a sex by its name."""
    if element == "gender":
        return dict(sexes()).get(text, text)
    return format_when(text) if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-" else text


def element_names() -> dict[str, str]:
    """What a record's elements are called, in the window's language."""
    return {
        "name": translate("Elements", "ชื่อ-สกุล"),
        "telecom": translate("Elements", "โทรศัพท์"),
        "address": translate("Elements", "ที่อยู่"),
        "birthDate": translate("Elements", "วันเกิด"),
        "gender": translate("Elements", "เพศ"),
        "identifier": translate("Elements", "เลขประจำตัว"),
        "extension": translate("Elements", "ข้อมูลเพิ่มเติม (สิทธิ ฯลฯ)"),
        "active": translate("Elements", "ใช้งานอยู่"),
        "deceasedBoolean": translate("Elements", "เสียชีวิต"),
        "deceasedDateTime": translate("Elements", "วันที่เสียชีวิต"),
        "maritalStatus": translate("Elements", "สถานภาพสมรส"),
        "reasonCode": translate("Elements", "อาการสำคัญ"),
        "period": translate("Elements", "ช่วงเวลา"),
        "status": translate("Elements", "สถานะ"),
        "code": translate("Elements", "รหัส/ชื่อ"),
        "valueQuantity": translate("Elements", "ค่าที่วัดได้"),
        "component": translate("Elements", "ค่าที่วัดได้"),
        "note": translate("Elements", "บันทึก"),
        "text": translate("Elements", "บันทึก"),
        "clinicalStatus": translate("Elements", "สถานะทางคลินิก"),
        "verificationStatus": translate("Elements", "การยืนยัน"),
        "criticality": translate("Elements", "ความรุนแรง"),
        "quantity": translate("Elements", "จำนวน"),
        "medicationCodeableConcept": translate("Elements", "ยา"),
        "vaccineCode": translate("Elements", "วัคซีน"),
        "occurrenceDateTime": translate("Elements", "วันที่ให้"),
        "effectiveDateTime": translate("Elements", "วันที่ตรวจ"),
        "whenHandedOver": translate("Elements", "วันที่จ่าย"),
    }


class SyncPage(RefreshesWhenShown, QWidget):
    """Refreshes when the queue changes (local writes, a sync, a resolved conflict)."""

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        self.worker, self.bus = worker, bus
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.queue = _table([self.tr("สถานะ"), self.tr("ประเภท"), self.tr("ผู้ป่วย"), self.tr("เหตุผล")])
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
        self.who = QLabel()
        self.who.setObjectName("conflictWho")
        self.who.setWordWrap(True)
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
        row.addLayout(left, 2)
        right = QVBoxLayout()
        right.addWidget(self.who)
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
        kinds, fields = record_kinds(), element_names()
        changed = {(c["type"], c["id"]): c["elements"] for c in conflicts}

        def reason(entry: Any) -> str:
            if (entry.type, entry.id) in changed:  # in words, not the queue's English note
                return self.tr("แก้ไขที่เครื่องอื่นด้วย: {fields}").format(
                    fields=", ".join(dict.fromkeys(fields.get(e, e) for e in changed[(entry.type, entry.id)])))
            return entry.reason or ""

        _fill(self.queue, [[labels.get(e.state, e.state), kinds.get(e.type, e.type),
                            view.patients.get(f"{e.type}/{e.id}", ""), reason(e)] for e in entries])
        self._conflicts = conflicts
        self.conflicts.clear()
        for c in conflicts:
            what = ", ".join(dict.fromkeys(fields.get(e, e) for e in c["elements"]))
            self.conflicts.addItem(" — ".join(p for p in (c["patient"], kinds.get(c["type"], c["type"]), what) if p))
        if conflicts:
            self.conflicts.setCurrentRow(0)
        else:
            self.sides.setRowCount(0)
            self.who.setText("")
            self.apply.setEnabled(False)

    def _who(self, who: str | None, when: str | None) -> str:
        person = who or self.tr("ไม่ทราบผู้บันทึก")
        return self.tr("{who} เมื่อ {when}").format(who=person, when=format_moment(when)) if when else person

    def _on_conflicts_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._conflicts):
            return
        c = self._conflicts[row]
        fields = element_names()
        self.who.setText(self.tr("เครื่องนี้: {here}\nเครื่องอื่น (ผ่านระบบกลาง): {there}").format(
            here=self._who(c["local_who"], c["local_when"]), there=self._who(c["remote_who"], c["remote_when"])))
        self.sides.setRowCount(len(c["rows"]))
        self._groups = []
        for i, (element, here, there) in enumerate(c["rows"]):
            self.sides.setItem(i, 0, QTableWidgetItem(fields.get(element, element)))
            group = QButtonGroup(self)
            for col, (side, value) in enumerate((("local", here), ("remote", there)), start=1):
                shown = _dated(value, element) or self.tr("(ว่าง)")
                button = QRadioButton(shown)
                button.setAccessibleName(self.tr("ใช้ค่านี้: {value}").format(value=shown))
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
