"""Patients recorded twice under one citizen ID, for an administrator: the groups (masked
citizen ID, HN, name, birth date, sex, visits), the record to keep chosen in the list, and
"Merge" with a confirmation. The merge runs on the database worker (services/duplicates.py:
every visit moves to the kept record, audited, queued for the hub); its changes go out on
the change bus and the list is read again."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import KnownError
from clinic_app.services.duplicates import DuplicateGroup, DuplicatePatient
from clinic_app.services.session import UnitSession
from clinic_app.ui.i18n import format_moment, format_when
from clinic_app.ui.tasks import ChangeBus, DbWorker
from clinic_app.ui.widgets import record_table, sexes, show_error


class DuplicatesDialog(QDialog):
    """One row per record, the records of one citizen ID together. Select the record to
    keep; "Merge" merges the other records of its group into it, once confirmed."""

    def __init__(self, parent: QWidget | None, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(parent)
        self.worker, self.bus = worker, bus
        self.setObjectName("duplicatesDialog")
        self.setWindowTitle(self.tr("ผู้ป่วยซ้ำ (เลขประจำตัวประชาชนเดียวกัน)"))
        self.resize(900, 420)
        layout = QVBoxLayout(self)
        about = QLabel(self.tr("แฟ้มที่มีเลขประจำตัวประชาชนเดียวกันคือผู้ป่วยคนเดียวกัน เลือกแฟ้มที่จะเก็บไว้ แล้วกด "
                               "\"รวมแฟ้ม\" ประวัติการรับบริการทั้งหมดของแฟ้มอื่นในกลุ่มจะย้ายมาอยู่ในแฟ้มที่เก็บ "
                               "(บันทึกในประวัติการใช้งาน และส่งไปยังระบบกลางเมื่อซิงก์)"))
        about.setWordWrap(True)
        layout.addWidget(about)
        columns = [self.tr("เลขประจำตัวประชาชน"), "HN", self.tr("ชื่อ-สกุล"), self.tr("วันเกิด"), self.tr("เพศ"),
                   self.tr("มารับบริการ (ครั้ง)"), self.tr("ข้อมูลอื่น"), self.tr("บันทึกล่าสุด")]
        self.table = record_table(columns, name="duplicatesTable", accessible=self.tr("ผู้ป่วยซ้ำ เลือกแฟ้มที่จะเก็บไว้"),
                                  stretch_last=False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.message = QLabel()
        self.message.setObjectName("duplicatesMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.merge = QPushButton(self.tr("รวมแฟ้ม: เก็บแฟ้มที่เลือก"))
        self.merge.setObjectName("mergeButton")
        self.merge.setEnabled(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.merge, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.merge.clicked.connect(self._on_merge_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.rows: list[tuple[DuplicateGroup, DuplicatePatient]] = []
        self.refreshes = 0  # how many times the list was read (tests watch it)
        self._note = ""  # said before the list's count once it is read again (after a merge)
        self.refresh()

    # -- the list -----------------------------------------------------------------------

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: unit.duplicates.groups(), on_done=self._show,
                           on_error=lambda e: show_error(self, e))

    def _show(self, groups: list[DuplicateGroup]) -> None:
        self.refreshes += 1
        sex = dict(sexes())
        self.rows = [(group, patient) for group in groups for patient in group.patients]
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(self.rows))
        for row, (group, p) in enumerate(self.rows):
            cells = [group.masked_cid, p.hn, p.name, format_when(p.birth_date) if p.birth_date else "-",
                     sex.get(p.sex or "", "-"), str(p.visits), str(p.records),
                     format_moment(p.last_updated) if p.last_updated else "-"]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        for col in (0, 1, 3, 4, 5, 6, 7):
            self.table.resizeColumnToContents(col)
        self.table.setUpdatesEnabled(True)
        found = (self.tr("พบ {count} กลุ่ม").format(count=len(groups)) if self.rows
                 else self.tr("ไม่พบผู้ป่วยซ้ำ"))
        self.message.setText(f"{self._note}  {found}".strip())
        self._note = ""
        if self.rows:
            self.table.selectRow(0)
        self._on_table_item_selection_changed()

    def _on_table_item_selection_changed(self) -> None:
        self.merge.setEnabled(self.chosen() is not None)

    def chosen(self) -> tuple[DuplicatePatient, list[DuplicatePatient]] | None:
        """The selected record (to keep) and the others of its group (to merge into it)."""
        row = self.table.currentRow()
        if not self.table.selectedItems() or not 0 <= row < len(self.rows):
            return None
        group, keep = self.rows[row]
        return keep, [p for p in group.patients if p.id != keep.id]

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes, initiator = wrapped
        if initiator is not self and "Patient" in changes.types:
            self.refresh()  # a sync or another page added or changed patients

    # -- merging ------------------------------------------------------------------------

    def _on_merge_clicked(self) -> QMessageBox | None:
        chosen = self.chosen()
        if chosen is None:
            return None
        keep, drops = chosen
        text = self.tr("เก็บแฟ้ม HN {keep} ({name}) และรวมแฟ้ม HN {drops} เข้าไป?\n\n"
                       "ประวัติการรับบริการทั้งหมดจะย้ายมาอยู่ในแฟ้มที่เก็บ แฟ้มที่รวมเข้าไปจะเลิกใช้ "
                       "การรวมแฟ้มจะบันทึกในประวัติการใช้งาน").format(
            keep=keep.hn, name=keep.name, drops=", ".join(p.hn for p in drops))
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmMerge")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self.merge_records(keep.id, [p.id for p in drops]))
        box.open()
        return box

    def merge_records(self, keep_id: str, drop_ids: list[str]) -> None:
        """Merge each of `drop_ids` into `keep_id` on the worker (each merge one transaction);
        broadcast what changed and read the list again."""
        self.merge.setEnabled(False)

        def work(unit: UnitSession, _p: Any) -> tuple[ChangeSet, KnownError | None]:
            changes = ChangeSet()
            try:
                for drop_id in drop_ids:
                    changes.merge(unit.duplicates.merge(keep_id, drop_id))
            except KnownError as error:
                if changes.empty:
                    raise
                return changes, error  # the merges done stay done; say why the rest did not happen
            return changes, None

        def done(outcome: tuple[ChangeSet, KnownError | None]) -> None:
            changes, error = outcome
            self.bus.broadcast(changes, self)
            if error is not None:
                show_error(self, error)
            else:
                self._note = self.tr("รวมแฟ้มแล้ว จะส่งไปยังระบบกลางเมื่อซิงก์")
            self.refresh()

        def failed(error: KnownError) -> None:
            show_error(self, error)
            self.refresh()

        self.worker.submit(work, on_done=done, on_error=failed)
