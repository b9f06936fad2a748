"""The 43 files' review list in the window (issue 15; File menu "แถวที่นำเข้าไม่ได้ (43 แฟ้ม)…"):
the rows a partial import refused, each with its file, line and reason; the selected row's
fields in a table whose values can be typed over (the fields its reasons name marked);
"นำเข้าอีกครั้ง" imports the row as fixed, through the same checks as the files, with the
records already here as its context (services/interop_review.py), and the row leaves the
list when it imports (the rows refused because of it are tried with it). A row can be
taken off the list, and the list written back as 43 files for the unit's old system.

Also the import's own dialog: a zip or a folder, and whether to import what is valid and
keep the rest for review (`import-43 --partial`) or all or nothing.

Everything runs on the database worker; what changed goes out on the change bus."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.errors import KnownError
from clinic_app.core.thai import BE_OFFSET, THAI_MONTHS_SHORT
from clinic_app.ui.i18n import EN_MONTHS_SHORT, english, pick
from clinic_app.ui.tasks import ChangeBus, DbWorker
from clinic_app.ui.widgets import record_table, show_error

if TYPE_CHECKING:  # the 43-file code loads when a dialog needs it, not with the window (issue 18)
    from clinic_app.services.interop_review import ReimportReport, ReviewRow

MARKED = QColor("#fde2e1")  # a field a reason names


def reason_text(row: ReviewRow) -> str:
    """The row's reasons in the window's language, one after another."""
    return "; ".join(en if english() else th for en, th in row.reasons)


def named_fields(row: ReviewRow) -> set[str]:
    """The fields the row's reasons name ("BIRTH is missing ..." names BIRTH)."""
    from clinic_app.services.interop_review import display_fields

    words = set(re.findall(r"[A-Z][A-Z0-9_]+", " ".join(en for en, _th in row.reasons)))
    return {name for name, _value in display_fields(row) if name in words}


class F43ReviewDialog(QDialog):
    """The review list: the rows (file, line, reason) on the left, the selected row's fields
    on the right, editable; import again, take off the list, write out as 43 files."""

    def __init__(self, parent: QWidget | None, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(parent)
        self.worker, self.bus = worker, bus
        self.setObjectName("f43ReviewDialog")
        self.setWindowTitle(self.tr("แถวที่นำเข้าไม่ได้ (43 แฟ้ม)"))
        self.resize(1200, 640)
        layout = QVBoxLayout(self)
        about = QLabel(self.tr("แถวเหล่านี้ไม่ผ่านการตรวจเมื่อนำเข้า 43 แฟ้มแบบนำเข้าเฉพาะแถวที่ถูกต้อง เลือกแถว "
                               "แก้ค่าในตารางด้านขวา แล้วกด \"นำเข้าอีกครั้ง\" แถวที่นำเข้าได้จะออกจากรายการ "
                               "(แถวที่ถูกกันไว้เพราะแถวนี้จะนำเข้าตามไปด้วย) "
                               "หรือบันทึกเป็น 43 แฟ้มเพื่อแก้ในระบบเดิม"))
        about.setWordWrap(True)
        layout.addWidget(about)
        self.table = record_table([self.tr("แฟ้ม"), self.tr("บรรทัด"), self.tr("เหตุผล")], name="f43ReviewTable",
                                  accessible=self.tr("แถวที่นำเข้าไม่ได้"))
        self.fields = QTableWidget(0, 2)
        self.fields.setObjectName("f43ReviewFields")
        self.fields.setAccessibleName(self.tr("ข้อมูลในแถว แก้ค่าได้"))
        self.fields.setHorizontalHeaderLabels([self.tr("ช่อง"), self.tr("ค่า")])
        self.fields.verticalHeader().setVisible(False)
        self.fields.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                    | QAbstractItemView.EditTrigger.EditKeyPressed
                                    | QAbstractItemView.EditTrigger.AnyKeyPressed
                                    | QAbstractItemView.EditTrigger.SelectedClicked)
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        self.where = QLabel()
        self.where.setObjectName("f43ReviewWhere")
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.where)
        side.addWidget(self.fields)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.message = QLabel()
        self.message.setObjectName("f43ReviewMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.import_again = QPushButton(self.tr("นำเข้าอีกครั้ง"))
        self.import_again.setObjectName("f43ImportAgain")
        self.discard_button = QPushButton(self.tr("นำออกจากรายการ…"))
        self.discard_button.setObjectName("f43Discard")
        self.save_button = QPushButton(self.tr("บันทึกเป็น 43 แฟ้ม…"))
        self.save_button.setObjectName("f43SaveRejects")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.import_again, self.discard_button, self.save_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.import_again.clicked.connect(self._on_import_again_clicked)
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.rows: list[ReviewRow] = []
        self.shown: ReviewRow | None = None  # the row whose fields are in the editor
        self.refreshes = 0  # how many times the list was read (tests watch it)
        self._select: int | None = None  # the row to select once the list is read again
        self._note = ""
        self.refresh()

    # -- the list -----------------------------------------------------------------------

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: unit.interop43.review.rows(), on_done=self._show,
                           on_error=lambda e: show_error(self, e))

    def _show(self, rows: list[ReviewRow]) -> None:
        self.refreshes += 1
        keep = self._select if self._select is not None else (self.shown.id if self.shown else None)
        self._select = None
        self.rows = rows
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            for col, text in enumerate([row.file, str(row.line), reason_text(row)]):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setToolTip(text)
                self.table.setItem(n, col, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.table.setUpdatesEnabled(True)
        found = (self.tr("{count} แถวรอแก้").format(count=f"{len(rows):,}") if rows
                 else self.tr("ไม่มีแถวที่นำเข้าไม่ได้"))
        self.message.setText(f"{self._note}  {found}".strip())
        self._note = ""
        at = next((n for n, row in enumerate(rows) if row.id == keep), 0)
        self.shown = None
        if rows:
            self.table.selectRow(at)
        self._on_table_item_selection_changed()

    def selected(self) -> ReviewRow | None:
        n = self.table.currentRow()
        return self.rows[n] if self.table.selectedItems() and 0 <= n < len(self.rows) else None

    def _on_table_item_selection_changed(self) -> None:
        row = self.selected()
        for button in (self.import_again, self.discard_button):
            button.setEnabled(row is not None)
        self.save_button.setEnabled(bool(self.rows))
        if row is None or (self.shown is not None and self.shown.id == row.id):
            if row is None:
                self.shown = None
                self.fields.setRowCount(0)
                self.where.clear()
            return
        self.shown = row
        marked = named_fields(row)
        from clinic_app.services.interop_review import display_fields

        fields = display_fields(row)
        self.fields.setRowCount(len(fields))
        for n, (name, value) in enumerate(fields):
            label = QTableWidgetItem(name)
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            cell = QTableWidgetItem(value)
            if name in marked:
                for item in (label, cell):
                    item.setBackground(QBrush(MARKED))
                    item.setToolTip(reason_text(row))
            self.fields.setItem(n, 0, label)
            self.fields.setItem(n, 1, cell)
        edited = self.tr(" (แก้ไขแล้ว)") if row.edited else ""
        self.where.setText(self.tr("{file} บรรทัดที่ {line} จาก {source}{edited}\nเหตุผล: {reason}").format(
            file=row.file, line=row.line, source=row.source, edited=edited, reason=reason_text(row)))

    def edits(self) -> dict[str, str]:
        """The values typed over in the editor: field -> value."""
        from clinic_app.services.interop_review import display_fields

        if self.shown is None:
            return {}
        before = dict(display_fields(self.shown))
        out = {}
        for n in range(self.fields.rowCount()):
            name, cell = self.fields.item(n, 0).text(), self.fields.item(n, 1)
            value = cell.text() if cell is not None else ""
            if before.get(name, "") != value:
                out[name] = value
        return out

    def set_value(self, name: str, value: str) -> None:
        """Type `value` into the field `name` of the row shown (as a person would)."""
        for n in range(self.fields.rowCount()):
            if self.fields.item(n, 0).text() == name:
                self.fields.item(n, 1).setText(value)
                return
        raise KeyError(name)

    # -- import again, take off, write out -----------------------------------------------

    def _on_import_again_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.reimport(row.id, self.edits())

    def reimport(self, row_id: int, edits: dict[str, str]) -> None:
        """The row as fixed through the import's checks (on the worker); the list read again."""
        self.import_again.setEnabled(False)

        def done(report: ReimportReport) -> None:
            self.bus.broadcast(report.changes, self)
            if row_id in report.imported:
                self._note = self.tr("นำเข้าแล้ว {count} แถว").format(count=len(report.imported))
            else:
                self._select = row_id
                why = "; ".join(en if english() else th for en, th in report.refused.get(row_id, []))
                self._note = self.tr("ยังนำเข้าไม่ได้: {reason}").format(reason=why)
                self.shown = None  # show the row again as it is kept now (fixed, with its reasons now)
            self.refresh()

        def failed(error: KnownError) -> None:
            show_error(self, error)
            self.refresh()

        fixed = {row_id: edits} if edits else None
        self.worker.submit(lambda unit, _p: unit.interop43.review.reimport([row_id], fixed), on_done=done,
                           on_error=failed)

    def _on_discard_button_clicked(self) -> QMessageBox | None:
        row = self.selected()
        if row is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(),
                          self.tr("นำ {file} บรรทัดที่ {line} ออกจากรายการโดยไม่นำเข้า?\n"
                                  "แถวนี้จะไม่ถูกนำเข้า และบันทึกเป็น 43 แฟ้มไม่ได้อีก").format(file=row.file,
                                                                                           line=row.line),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmDiscard")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self.discard(row.id))
        box.open()
        return box

    def discard(self, row_id: int) -> None:
        def done(count: int) -> None:
            self._note = self.tr("นำออกจากรายการแล้ว {count} แถว").format(count=count)
            self.shown = None
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.interop43.review.discard([row_id]), on_done=done,
                           on_error=lambda e: show_error(self, e))

    def _on_save_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("บันทึกแถวที่นำเข้าไม่ได้เป็น 43 แฟ้ม"), "f43-rejects.zip",
                                              self.tr("43 แฟ้ม (*.zip)"))
        if path:
            self.write_rejects(Path(path))

    def write_rejects(self, path: Path) -> None:
        def done(report: Any) -> None:
            rows = ", ".join(f"{name} {count:,}" for name, count in report.rows.items())
            box = QMessageBox(QMessageBox.Icon.Information, "clinic-app",
                              self.tr("บันทึกแถวที่นำเข้าไม่ได้เป็น 43 แฟ้มแล้ว:\n{path}\n{rows}").format(
                                  path=report.path, rows=rows), QMessageBox.StandardButton.Ok, self)
            box.setObjectName("rejectsWritten")
            if report.notes:
                box.setDetailedText("\n".join(f"• {note}" for note in report.notes))
            box.open()

        self.worker.submit(lambda unit, _p: unit.interop43.review.write_rejects(path), on_done=done,
                           on_error=lambda e: show_error(self, e))


class Import43Dialog(QDialog):
    """Which 43 files to import (a zip or a folder), and how: all or nothing, or what is
    valid with the rest kept for review (`--partial`)."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("import43Dialog")
        self.setWindowTitle(self.tr("นำเข้า 43 แฟ้ม"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("43 แฟ้มจากระบบเดิม (ไฟล์ zip หรือโฟลเดอร์ที่มี person.txt, service.txt …)")))
        row = QHBoxLayout()
        self.source = QLineEdit()
        self.source.setObjectName("f43Source")
        self.source.setAccessibleName(self.tr("ที่อยู่ของ 43 แฟ้ม"))
        self.source.textChanged.connect(self._on_source_text_changed)
        choose_zip = QPushButton(self.tr("เลือกไฟล์ zip…"))
        choose_zip.clicked.connect(self._on_choose_zip_clicked)
        choose_folder = QPushButton(self.tr("เลือกโฟลเดอร์…"))
        choose_folder.clicked.connect(self._on_choose_folder_clicked)
        row.addWidget(self.source, 1)
        row.addWidget(choose_zip)
        row.addWidget(choose_folder)
        layout.addLayout(row)
        self.partial = QCheckBox(self.tr("นำเข้าเฉพาะแถวที่ถูกต้อง แถวที่ไม่ผ่านเก็บไว้ให้แก้ (--partial)"))
        self.partial.setObjectName("f43Partial")
        layout.addWidget(self.partial)
        hint = QLabel(self.tr("ถ้าไม่เลือก: มีปัญหาแม้แถวเดียวจะไม่นำเข้าอะไรเลย และแสดงปัญหาทุกจุดให้แก้ก่อน\n"
                              "ถ้าเลือก: แถวที่ไม่ผ่านและแถวที่ขึ้นกับแถวนั้น (การรับบริการของบุคคลนั้น) เก็บไว้ที่ "
                              "เมนูไฟล์ > แถวที่นำเข้าไม่ได้ (43 แฟ้ม)"))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("นำเข้า"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._on_source_text_changed("")

    def _on_source_text_changed(self, text: str) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(text.strip()))

    def _on_choose_zip_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("เลือกไฟล์ 43 แฟ้ม (zip)"), "", self.tr("43 แฟ้ม (*.zip)"))
        if path:
            self.source.setText(path)

    def _on_choose_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("เลือกโฟลเดอร์ของ 43 แฟ้ม"))
        if folder:
            self.source.setText(folder)

    def chosen(self) -> tuple[Path, bool]:
        """(the zip or folder, import what is valid)."""
        return Path(self.source.text().strip()), self.partial.isChecked()


class HdcMonthDialog(QDialog):
    """HDC's monthly submission: which month (last month at first, the year in the Buddhist
    era) and where the zip goes; every row is checked as HDC checks it before anything is
    written (services/interop.py, `export-43 --month`)."""

    def __init__(self, parent: QWidget | None, *, today: _dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hdcMonthDialog")
        self.setWindowTitle(self.tr("ส่ง HDC ประจำเดือน"))
        thai_today = today or _dt.datetime.now(_dt.timezone(_dt.timedelta(hours=7))).date()  # the files' days
        last_month = thai_today.replace(day=1) - _dt.timedelta(days=1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("43 แฟ้มของเดือนที่เลือก: บุคคลทุกคน และการรับบริการในเดือนนั้น "
                                        "ตรวจทุกแถวตามเกณฑ์ของ HDC ก่อนเขียนแฟ้ม")))
        row = QHBoxLayout()
        self.month = QComboBox()
        self.month.setObjectName("hdcMonth")
        self.month.setAccessibleName(self.tr("เดือน"))
        for n in range(1, 13):
            self.month.addItem(pick(THAI_MONTHS_SHORT[n - 1], EN_MONTHS_SHORT[n - 1]), n)
        self.month.setCurrentIndex(last_month.month - 1)
        self.year = QSpinBox()
        self.year.setObjectName("hdcYear")
        self.year.setAccessibleName(self.tr("ปี พ.ศ."))
        self.year.setRange(2500, 2700)
        self.year.setValue(last_month.year + BE_OFFSET)
        row.addWidget(QLabel(self.tr("เดือน")))
        row.addWidget(self.month, 1)
        row.addWidget(QLabel(self.tr("ปี พ.ศ.")))
        row.addWidget(self.year)
        layout.addLayout(row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("เลือกโฟลเดอร์แล้วเขียน…"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def chosen(self) -> tuple[_dt.date, _dt.date]:
        """The month's first and last day."""
        from clinic_app.services.interop import month_bounds

        return month_bounds(f"{self.year.value()}-{self.month.currentData():02d}")
