"""The unit's drug list, for administrators (File menu): every drug (code, name, strength,
unit, TMT, 24-digit code, the default dose, frequency and days, group, withdrawn or not);
a CSV imported (all rows or none: the problems come back with their line numbers and are
listed here, nothing imported); one drug added or changed; a drug withdrawn (kept for the
visits that named it, no longer offered) or brought back.

Everything runs through services/formulary.py on the database worker; each change goes out
on the change bus (the visit form's drug list follows it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.errors import InvalidInputError, KnownError, Problem
from clinic_app.services.formulary import COLUMNS, FREQUENCIES, Drug, ImportReport
from clinic_app.ui.i18n import english, pick, translate
from clinic_app.ui.tasks import ChangeBus, DbWorker
from clinic_app.ui.widgets import both_languages, record_table, show_error


def column_names() -> dict[str, str]:
    """Each CSV column (a field of a drug) by its name on the form, in the window's language."""
    return {"code": translate("Formulary", "รหัสยา"), "name": translate("Formulary", "ชื่อยา"),
            "strength": translate("Formulary", "ความแรง"), "unit": translate("Formulary", "หน่วยจ่าย"),
            "tmt": "TMT", "drug24": translate("Formulary", "รหัสยา 24 หลัก"),
            "dose": translate("Formulary", "ขนาดต่อครั้ง"), "dose_unit": translate("Formulary", "หน่วยของขนาดยา"),
            "frequency": translate("Formulary", "ความถี่"), "days": translate("Formulary", "จำนวนวัน"),
            "group": translate("Formulary", "กลุ่มยา")}


def problem_text(problem: Problem) -> str:
    """"บรรทัดที่ 3 · ขนาดต่อครั้ง: ต้องเป็นตัวเลข..." (the file's line, the column, why)."""
    field = column_names().get(problem.path, problem.path)
    reason = problem.reason_in("en" if english() else "th")
    if problem.index is None:
        return f"{field}: {reason}"
    return translate("Formulary", "บรรทัดที่ {line} · {field}: {reason}").format(line=problem.index, field=field,
                                                                            reason=reason)


def row_of(drug: Drug) -> dict[str, str]:
    """A drug as the service's row of text (a CSV row, the form's values)."""
    return {"code": drug.code, "name": drug.name, "strength": drug.strength, "unit": drug.unit, "tmt": drug.tmt,
            "drug24": drug.drug24, "dose": f"{drug.dose:g}" if drug.dose else "", "dose_unit": drug.dose_unit,
            "frequency": drug.frequency, "days": str(drug.days) if drug.days else "", "group": drug.group}


# The list's columns: the dose with its unit ("1 เม็ด", "5 ช้อนชา"), withdrawn or not, the
# national codes last.
SHOWN = ("code", "name", "strength", "unit", "dose", "frequency", "days", "group", "status", "tmt", "drug24")


def shown_values(drug: Drug) -> list[str]:
    values = row_of(drug)
    values["dose"] = f"{drug.dose:g} {drug.per_dose_unit}".strip() if drug.dose else ""
    values["frequency"] = frequency_text(drug.frequency)
    values["status"] = translate("Formulary", "ใช้อยู่") if drug.active else translate("Formulary", "ถอนออกแล้ว")
    return [values[c] for c in SHOWN]


def frequency_text(code: str) -> str:
    if code not in FREQUENCIES:
        return code
    thai, eng, _ = FREQUENCIES[code]
    return f"{code} · {pick(thai, eng)}"


class FormularyDialog(QDialog):
    """The drug list: import, add, edit, withdraw (administrators)."""

    def __init__(self, parent: QWidget | None, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(parent)
        self.worker, self.bus = worker, bus
        self.setObjectName("formularyDialog")
        self.setWindowTitle(self.tr("บัญชียาของหน่วยบริการ"))
        self.resize(1240, 600)  # room on a 1366x768 screen
        layout = QVBoxLayout(self)
        about = QLabel(self.tr("ยาที่พยาบาลเลือกเมื่อสั่งยา นำเข้าจากไฟล์ CSV (บรรทัดแรกเป็นชื่อคอลัมน์: code, name, "
                               "strength, unit, tmt, drug24, dose, dose_unit, frequency, days, group) ถ้าไฟล์มีข้อผิดพลาด "
                               "จะไม่นำเข้าเลยสักรายการ ยาที่ถอนออกยังอยู่ในประวัติการรับบริการที่เคยสั่ง"))
        about.setWordWrap(True)
        layout.addWidget(about)
        top = QHBoxLayout()
        self.show_withdrawn = QCheckBox(self.tr("แสดงยาที่ถอนออกแล้ว"))
        self.show_withdrawn.setObjectName("showWithdrawn")
        self.show_withdrawn.toggled.connect(lambda _on: self.refresh())
        top.addWidget(self.show_withdrawn)
        top.addStretch(1)
        self.count = QLabel()
        self.count.setObjectName("formularyCount")
        top.addWidget(self.count)
        layout.addLayout(top)
        names = column_names()
        names["status"] = self.tr("สถานะ")
        headers = [names[c] for c in SHOWN]
        self.table = record_table(headers, name="formularyTable", accessible=self.tr("รายการยา"))
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problemsLabel")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color:#b00020;font-weight:bold;")
        self.problems = QListWidget()
        self.problems.setObjectName("importProblems")
        self.problems.setAccessibleName(self.tr("ข้อผิดพลาดในไฟล์รายการยา"))
        self.problems.setMaximumHeight(120)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems)
        self.message = QLabel()
        self.message.setObjectName("formularyMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.import_button = QPushButton(self.tr("นำเข้า CSV…"))
        self.import_button.setObjectName("importCsv")
        self.add_button = QPushButton(self.tr("เพิ่มยา…"))
        self.add_button.setObjectName("addDrug")
        self.edit_button = QPushButton(self.tr("แก้ไข…"))
        self.edit_button.setObjectName("editDrug")
        self.withdraw_button = QPushButton(self.tr("ถอนออกจากบัญชี"))
        self.withdraw_button.setObjectName("withdrawDrug")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.import_button, self.add_button, self.edit_button, self.withdraw_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.add_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.chosen()))
        self.withdraw_button.clicked.connect(self._on_withdraw_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.table.cellDoubleClicked.connect(lambda row, _c: self.open_editor(self.chosen()))
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.drugs: list[Drug] = []
        self.refreshes = 0   # how many times the list was read (tests wait on it)
        self._show_problems([])
        self._on_table_item_selection_changed()
        self.refresh()

    # -- the list -----------------------------------------------------------------------

    def refresh(self) -> None:
        withdrawn = self.show_withdrawn.isChecked()
        self.worker.submit(lambda unit, _p: unit.formulary.drugs(include_withdrawn=withdrawn), on_done=self._show,
                           on_error=lambda e: show_error(self, e))

    def _show(self, drugs: list[Drug]) -> None:
        chosen = self.chosen()
        self.drugs = drugs
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(drugs))
        for row, drug in enumerate(drugs):
            for col, text in enumerate(shown_values(drug)):
                item = QTableWidgetItem(text)
                if not drug.active:
                    item.setForeground(QBrush(QColor("#8a8a8a")))
                self.table.setItem(row, col, item)
        for col in range(self.table.columnCount() - 1):
            self.table.resizeColumnToContents(col)
            self.table.setColumnWidth(col, self.table.columnWidth(col) + 8)
        self.table.setUpdatesEnabled(True)
        self.count.setText(self.tr("{count} รายการ").format(count=len(drugs)))
        if chosen is not None:
            again = next((i for i, d in enumerate(drugs) if d.code == chosen.code), None)
            if again is not None:
                self.table.selectRow(again)
        self.refreshes += 1
        self._on_table_item_selection_changed()

    def chosen(self) -> Drug | None:
        row = self.table.currentRow()
        return self.drugs[row] if self.table.selectedItems() and 0 <= row < len(self.drugs) else None

    def _on_table_item_selection_changed(self) -> None:
        drug = self.chosen()
        self.edit_button.setEnabled(drug is not None)
        self.withdraw_button.setEnabled(drug is not None)
        self.withdraw_button.setText(self.tr("นำกลับมาใช้") if drug is not None and not drug.active
                                     else self.tr("ถอนออกจากบัญชี"))

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes, initiator = wrapped
        if initiator is not self and "Medication" in changes.types:
            self.refresh()  # a sync brought the unit's list from another desktop

    def _show_problems(self, problems: list[Problem], heading: str = "") -> None:
        self.problems.clear()
        self.problems.addItems([problem_text(p) for p in problems])
        self.problems_label.setText(heading)
        self.problems_label.setVisible(bool(problems) or bool(heading))
        self.problems.setVisible(bool(problems))

    # -- import -------------------------------------------------------------------------

    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("เลือกไฟล์รายการยา (CSV)"), "",
                                              self.tr("ไฟล์ CSV (*.csv);;ทุกไฟล์ (*)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Import a CSV on the worker: what was added and updated, or every problem with
        its line (and nothing imported)."""
        self.import_button.setEnabled(False)
        self.message.setText(self.tr("กำลังนำเข้า {name}…").format(name=path.name))

        def done(report: ImportReport) -> None:
            self.import_button.setEnabled(True)
            self._show_problems([])
            text = self.tr("นำเข้า {name} แล้ว: เพิ่ม {added} รายการ แก้ไข {updated} รายการ ไม่เปลี่ยน {unchanged} รายการ").format(
                name=path.name, added=report.added, updated=report.updated, unchanged=report.unchanged)
            if report.extra_columns:
                text += "\n" + self.tr("คอลัมน์ที่ไม่ได้ใช้: {columns}").format(columns=", ".join(report.extra_columns))
            self.message.setText(text)
            self.bus.broadcast(report.changes, self)
            self.refresh()

        def failed(error: KnownError) -> None:
            self.import_button.setEnabled(True)
            self.message.setText("")
            if isinstance(error, InvalidInputError):
                self._show_problems(error.problems, both_languages(error).split("\n")[0])
            else:
                self._show_problems([], both_languages(error).split("\n")[0])
                show_error(self, error)

        self.worker.submit(lambda unit, _p: unit.formulary.import_csv(path), on_done=done, on_error=failed)

    # -- one drug -----------------------------------------------------------------------

    def open_editor(self, drug: Drug | None) -> DrugDialog:
        """The form for a new drug (None) or for changing one."""
        dialog = DrugDialog(self, drug)
        dialog.save_requested.connect(lambda wrapped: self.save(wrapped[0], editor=dialog,
                                                                active=drug.active if drug else True))
        dialog.open()
        return dialog

    def save(self, row: dict[str, str], *, editor: DrugDialog | None = None, active: bool = True) -> None:
        """Add or change one drug on the worker; the form closes once it is saved."""
        def done(changes: Any) -> None:
            if editor is not None:
                editor.saved()
            self.message.setText(self.tr("บันทึกยา {code} แล้ว").format(code=row.get("code", "")))
            self.bus.broadcast(changes, self)
            self.refresh()

        def failed(error: KnownError) -> None:
            if editor is not None:
                editor.refused(error)
            else:
                show_error(self, error)

        self.worker.submit(lambda unit, _p: unit.formulary.save(row, active=active), on_done=done, on_error=failed)

    def _on_withdraw_button_clicked(self) -> QMessageBox | None:
        drug = self.chosen()
        if drug is None:
            return None
        if not drug.active:  # bring it back at once: nothing is lost either way
            self.save(row_of(drug), active=True)
            return None
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(),
                          self.tr("ถอน {name} ({code}) ออกจากบัญชียา?\n\nจะไม่มีให้เลือกเมื่อสั่งยาอีก "
                                  "แต่ยังอยู่ในประวัติการรับบริการที่เคยสั่ง และนำกลับมาใช้ได้").format(
                              name=f"{drug.name} {drug.strength}".strip(), code=drug.code),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmWithdraw")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self.save(row_of(drug), active=False))
        box.open()
        return box


class DrugDialog(QDialog):
    """One drug's values; the code is fixed once the drug exists (it names the record)."""

    save_requested = Signal(object)  # [row]: the list saves it and calls saved() or refused()

    def __init__(self, parent: QWidget | None, drug: Drug | None) -> None:
        super().__init__(parent)
        self.setObjectName("drugDialog")
        self.setWindowTitle(self.tr("แก้ไขยา") if drug else self.tr("เพิ่มยา"))
        self.setModal(True)
        values = row_of(drug) if drug else {c: "" for c in COLUMNS}
        form = QFormLayout(self)
        names = column_names()
        self.fields: dict[str, QLineEdit] = {}
        for column in COLUMNS:
            if column == "frequency":
                continue
            edit = QLineEdit(values[column])
            edit.setObjectName(column)
            edit.setAccessibleName(names[column])
            self.fields[column] = edit
        self.fields["code"].setReadOnly(drug is not None)
        self.fields["dose"].setPlaceholderText(self.tr("เช่น 1 หรือ 0.5"))
        self.fields["unit"].setPlaceholderText(self.tr("เช่น เม็ด แคปซูล ขวด หลอด"))
        self.fields["dose_unit"].setPlaceholderText(self.tr("เว้นว่างถ้าเหมือนหน่วยจ่าย เช่น ช้อนชา"))
        self.fields["drug24"].setMaxLength(24)
        self.frequency = QComboBox()
        self.frequency.setObjectName("frequency")
        self.frequency.setAccessibleName(names["frequency"])
        self.frequency.addItem(self.tr("ไม่ระบุ"), "")
        for code in FREQUENCIES:
            self.frequency.addItem(frequency_text(code), code)
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(values["frequency"])))
        for column in COLUMNS:
            form.addRow(names[column], self.frequency if column == "frequency" else self.fields[column])
        self.problems = QLabel()
        self.problems.setObjectName("drugProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color:#b00020;")
        self.problems.setVisible(False)
        form.addRow(self.problems)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(520, self.sizeHint().height())

    def row(self) -> dict[str, str]:
        out = {column: edit.text().strip() for column, edit in self.fields.items()}
        out["frequency"] = str(self.frequency.currentData() or "")
        return out

    def accept(self) -> None:  # Enter or Save: ask to save; the form closes once it is saved
        self.buttons.setEnabled(False)
        self.save_requested.emit([self.row()])

    def saved(self) -> None:
        super().accept()

    def refused(self, error: KnownError) -> None:
        self.buttons.setEnabled(True)
        lines = [both_languages(error).split("\n")[0]]
        if isinstance(error, InvalidInputError):
            lines += ["• " + problem_text(p) for p in error.problems]
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(True)
