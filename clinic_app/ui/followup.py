"""The follow-up page (tab "ติดตาม"): three lists a health centre works from.

- The chronic-disease register (diabetes, hypertension): name, HN, village (หมู่), the
  diseases, since when, the last visit, blood pressure and blood sugar, the next
  appointment, and for those overdue why (no visit for three months, a missed
  appointment), in red; "overdue only" narrows it.
- Children's vaccines due, by village and house number (the list a village health
  volunteer walks with): age in years and months, the doses due by their Thai names, those
  overdue in red; "overdue only" narrows it.
- Appointments: today's, the coming week's, or those missed.

Each list is read by the services (services/followup.py, VisitService.appointments) on the
database worker when it is first shown and again when a change touches what it lists; the
window never waits for it. A double-click (or Enter) on a patient opens the chart
(`patient_opened`); "พิมพ์ / บันทึก PDF" prints the list as shown (ui/printouts.py).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.changes import ChangeSet
from clinic_app.services.followup import ChronicRow, EpiRow
from clinic_app.services.session import UnitSession
from clinic_app.ui.i18n import format_when, translate
from clinic_app.ui.printouts import (
    Printout,
    age_text,
    appointment_state,
    appointments_for,
    appointments_html,
    chronic_html,
    chronic_why,
    disease_names,
    dose_names,
    epi_html,
    offer_printout,
    span_names,
    village_name,
)
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.widgets import record_view, show_error

LATE = QColor("#b00020")        # overdue: red words ...
LATE_ROW = QColor("#fdecea")    # ... on a pale red row
# The kinds of record whose change can change a list.
WATCHED = {"Patient", "Encounter", "Condition", "Observation", "Appointment", "Immunization"}


class _ListView(RefreshesWhenShown, QWidget):
    """One list: a bar (its filters, how many, print) over the rows; read on the worker
    when shown and when a change touches it."""

    patient_opened = Signal(str)

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        self.worker = worker
        self.loads = 0          # how many times the list was shown (tests wait on it)
        self.facility = ""
        self.today = _dt.date.today()
        self._serial = 0
        self._stale = True      # read when first shown
        layout = QVBoxLayout(self)
        self.bar = QHBoxLayout()
        layout.addLayout(self.bar)
        self.count = QLabel()
        self.count.setObjectName("followupCount")
        # (translate, not self.tr: in a base class PySide's tr takes the subclass's name as the context)
        self.print_button = QPushButton(translate("FollowUp", "พิมพ์ / บันทึก PDF"))
        self.print_button.setObjectName("printList")
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.print_button.setEnabled(False)
        bus.changes_applied.connect(self._on_bus_changes_applied)

    def _finish_bar(self) -> None:
        self.bar.addStretch(1)
        self.bar.addWidget(self.count)
        self.bar.addWidget(self.print_button)

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes: ChangeSet = wrapped[0]
        if WATCHED & set(changes.types):
            self.refresh_soon()

    def _on_filter_changed(self, *_args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._serial += 1
        serial, work = self._serial, self._work()
        self.worker.submit(work, on_done=lambda result: self._loaded(serial, result),
                           on_error=lambda error: show_error(self, error))

    def _loaded(self, serial: int, result: tuple[list[Any], str, _dt.date]) -> None:
        if serial != self._serial:
            return  # an older question answered after a newer one was asked
        rows, self.facility, self.today = result
        self._show(rows)
        self.print_button.setEnabled(True)
        self.loads += 1

    def _on_print_button_clicked(self) -> QMessageBox:
        return offer_printout(self, self.printout())

    # what each list says
    def _work(self) -> Any:
        raise NotImplementedError

    def _show(self, rows: list[Any]) -> None:
        raise NotImplementedError

    def printout(self) -> Printout:
        raise NotImplementedError


Cell = tuple[str, str, bool]  # text, tooltip, in red


def _cell(text: str, *, late: bool = False, tip: str = "") -> Cell:
    return (text, tip, late)


class RowsModel(QAbstractTableModel):
    """A list's rows for a QTableView: each row's cells (`cells(row)`) are made when the view
    asks for them, for the rows on screen only, so a register of 25,000 patients shows at
    once (a table of items made 250,000 of them first, 1.5 s on the window's thread); an
    overdue row (`late(row)`) on pale red."""

    CACHED = 2_000  # rows whose cells are kept (a screen holds a few dozen)

    def __init__(self, cells: Callable[[Any], list[Cell]], late: Callable[[Any], bool]) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[Any] = []
        self._cells_of, self._late = cells, late
        self._made: dict[int, list[Cell]] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows, self._made = rows, {}
        self.endResetModel()

    def cells(self, row: int) -> list[Cell]:
        made = self._made.get(row)
        if made is None:
            if len(self._made) >= self.CACHED:
                self._made.clear()
            made = self._made[row] = self._cells_of(self.rows[row])
        return made

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        text, tip, late = self.cells(index.row())[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip or None
        if role == Qt.ItemDataRole.ForegroundRole and late:
            return QBrush(LATE)
        if role == Qt.ItemDataRole.FontRole and late:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and self._late(self.rows[index.row()]):
            return QBrush(LATE_ROW)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.headers):
            return self.headers[section]
        return None


class _TableView(_ListView):
    """A list shown as a table, one patient a row: `_cells`, `_late` and `_patient` say, of
    one row, its cells, whether it is overdue and whose it is."""

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(worker, bus)
        self.model = RowsModel(self._cells, self._late)
        self.table = record_view(self.model)  # the columns: _columns()
        self.table.setWordWrap(False)
        self.layout().addWidget(self.table)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, context=Qt.ShortcutContext.WidgetShortcut,
                  activated=lambda: self._on_table_double_clicked(self.table.currentIndex()))

    def _columns(self, headers: list[str], name: str) -> None:
        self.model.beginResetModel()
        self.model.headers = headers
        self.model.endResetModel()
        self.table.setAccessibleName(name)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and 0 <= index.row() < len(self.model.rows):
            self.patient_opened.emit(self._patient(self.model.rows[index.row()]))

    def _fill(self, rows: list[Any]) -> None:
        """The rows, the columns sized to the first of them; the patient who was the current
        row stays current (a list read again after a change keeps the person's place)."""
        index = self.table.currentIndex()
        was = self._patient(self.model.rows[index.row()]) if index.isValid() and index.row() < len(self.model.rows) \
            else None
        self.model.set_rows(rows)
        if was is not None:
            row = next((n for n, r in enumerate(rows) if self._patient(r) == was), None)
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, max(0, index.column())))
        for c in range(self.model.columnCount() - 1):
            self.table.resizeColumnToContents(c)
            self.table.setColumnWidth(c, self.table.columnWidth(c) + 14)

    def _cells(self, row: Any) -> list[Cell]:
        raise NotImplementedError

    def _late(self, row: Any) -> bool:
        raise NotImplementedError

    def _patient(self, row: Any) -> str:
        raise NotImplementedError


class ChronicView(_TableView):
    """The chronic-disease register (DM, HT)."""

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(worker, bus)
        self._columns([self.tr("ชื่อ-สกุล"), "HN", self.tr("หมู่"), self.tr("โรค"), self.tr("เป็นตั้งแต่"),
                       self.tr("มาตรวจล่าสุด"), self.tr("ความดันล่าสุด"), self.tr("น้ำตาลล่าสุด"),
                       self.tr("นัดครั้งต่อไป"), self.tr("ต้องติดตาม")], self.tr("ทะเบียนผู้ป่วยโรคเรื้อรัง"))
        self.overdue_only = QCheckBox(self.tr("เฉพาะที่ต้องติดตาม"))
        self.overdue_only.setObjectName("overdueOnly")
        self.overdue_only.toggled.connect(self._on_filter_changed)
        self.bar.addWidget(self.overdue_only)
        self._finish_bar()
        self.rows: list[ChronicRow] = []
        self._names: dict[str, str] = {}

    def _work(self) -> Any:
        overdue_only = self.overdue_only.isChecked()

        def work(unit: UnitSession, _p: Any) -> tuple[list[ChronicRow], str, _dt.date]:
            today = _dt.date.today()
            return unit.followup.chronic(today=today, overdue_only=overdue_only), unit.settings().facility_name, today
        return work

    def _show(self, rows: list[ChronicRow]) -> None:
        self.rows = rows
        self._names = disease_names()
        self._fill(rows)
        late = sum(r.overdue for r in rows)
        self.count.setText(self.tr("{count} ราย ต้องติดตาม {late} ราย").format(count=len(rows), late=late))

    def _cells(self, r: ChronicRow) -> list[Cell]:
        def reading(found: tuple[str, str] | None) -> Cell:
            return _cell(found[1], tip=format_when(found[0])) if found else _cell("-")

        return [_cell(r.name), _cell(r.hn), _cell(r.village or "-"),
                _cell(", ".join(r.diseases), tip=", ".join(self._names.get(d, d) for d in r.diseases)),
                _cell(format_when(r.since)), _cell(format_when(r.last_visit) if r.last_visit else "-"),
                reading(r.last_bp), reading(r.last_sugar),
                _cell(format_when(r.next_appointment) if r.next_appointment else "-"),
                _cell("⚠ " + chronic_why(r) if r.overdue else "", late=r.overdue)]

    def _late(self, r: ChronicRow) -> bool:
        return r.overdue

    def _patient(self, r: ChronicRow) -> str:
        return r.patient_id

    def printout(self) -> Printout:
        return chronic_html(self.rows, facility=self.facility, overdue_only=self.overdue_only.isChecked(),
                            today=self.today)


class EpiView(_ListView):
    """Children's vaccines due, grouped by village, by house number."""

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(worker, bus)
        self.overdue_only = QCheckBox(self.tr("เฉพาะที่เลยกำหนด"))
        self.overdue_only.setObjectName("overdueOnly")
        self.overdue_only.toggled.connect(self._on_filter_changed)
        self.bar.addWidget(self.overdue_only)
        self._finish_bar()
        headers = [self.tr("หมู่ / บ้านเลขที่"), self.tr("ชื่อ-สกุล"), "HN", self.tr("อายุ"),
                   self.tr("วัคซีนที่ถึงกำหนด"), self.tr("เลยกำหนด")]
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(headers))
        self.tree.setHeaderLabels(headers)
        self.tree.setAccessibleName(self.tr("เด็กที่ถึงกำหนดรับวัคซีน แยกตามหมู่บ้าน"))
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(False)  # a child's doses one a line
        header = self.tree.header()
        header.setStretchLastSection(False)
        for column in (4, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.layout().addWidget(self.tree)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.tree, context=Qt.ShortcutContext.WidgetShortcut,
                  activated=lambda: self._on_tree_item_double_clicked(self.tree.currentItem(), 0))
        self.rows: list[EpiRow] = []

    def _work(self) -> Any:
        overdue_only = self.overdue_only.isChecked()

        def work(unit: UnitSession, _p: Any) -> tuple[list[EpiRow], str, _dt.date]:
            today = _dt.date.today()
            return unit.followup.epi(today=today, overdue_only=overdue_only), unit.settings().facility_name, today
        return work

    def _show(self, rows: list[EpiRow]) -> None:
        self.rows = rows
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        villages: dict[str, list[EpiRow]] = {}
        for row in rows:
            villages.setdefault(row.village, []).append(row)
        for village, children in villages.items():
            late = sum(bool(c.overdue) for c in children)
            group = QTreeWidgetItem([self.tr("{village} ({count} คน, เลยกำหนด {late} คน)").format(
                village=village_name(village), count=len(children), late=late)])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)  # (only once it is in the tree)
            for c in children:
                item = QTreeWidgetItem([c.house or "-", c.name, c.hn, age_text(c.age_months),
                                        "\n".join(dose_names([d]) for d in c.due if d not in c.overdue),
                                        "\n".join(dose_names([d]) for d in c.overdue)])  # a dose a line
                item.setData(0, Qt.ItemDataRole.UserRole, c.patient_id)
                item.setToolTip(3, format_when(c.birth_date))
                item.setToolTip(4, item.text(4))
                item.setToolTip(5, item.text(5))
                if c.overdue:
                    item.setForeground(5, QBrush(LATE))
                    bold = item.font(5)
                    bold.setBold(True)
                    item.setFont(5, bold)
                group.addChild(item)
            group.setExpanded(True)
        for column in (1, 2, 3):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, self.tree.columnWidth(column) + 14)
        self.tree.setColumnWidth(0, 130)  # the house number (the village's heading spans the row)
        self.tree.setUpdatesEnabled(True)
        late = sum(bool(r.overdue) for r in rows)
        self.count.setText(self.tr("{count} คน เลยกำหนด {late} คน").format(count=len(rows), late=late))

    def _on_tree_item_double_clicked(self, item: QTreeWidgetItem | None, _column: int) -> None:
        pid = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if pid:
            self.patient_opened.emit(str(pid))

    def shown_rows(self) -> list[tuple[str, list[str]]]:
        """What the tree shows: (village heading, [patient ids]) in order (for tests)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            out.append((group.text(0), [str(group.child(j).data(0, Qt.ItemDataRole.UserRole))
                                        for j in range(group.childCount())]))
        return out

    def printout(self) -> Printout:
        return epi_html(self.rows, facility=self.facility, overdue_only=self.overdue_only.isChecked(), today=self.today)


class AppointmentsView(_TableView):
    """Appointments: today's, the coming week's, or those missed."""

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(worker, bus)
        self._columns([self.tr("วันนัด"), self.tr("ชื่อ-สกุล"), "HN", self.tr("นัดเพื่อ"), self.tr("สถานะ")],
                      self.tr("รายชื่อนัดหมาย"))
        self.span = QComboBox()
        self.span.setObjectName("appointmentSpan")
        self.span.setAccessibleName(self.tr("ช่วงนัดหมาย"))
        for code, name in span_names().items():
            self.span.addItem(name, code)
        self.span.currentIndexChanged.connect(self._on_filter_changed)
        self.bar.addWidget(QLabel(self.tr("แสดง")))
        self.bar.addWidget(self.span)
        self._finish_bar()
        self.rows: list[dict[str, Any]] = []

    def choose(self, span: str) -> None:
        """Show the span "today", "week" or "missed"."""
        self.span.setCurrentIndex(self.span.findData(span))

    def _work(self) -> Any:
        span = str(self.span.currentData())

        def work(unit: UnitSession, _p: Any) -> tuple[list[dict[str, Any]], str, _dt.date]:
            today = _dt.date.today()
            return appointments_for(unit, span, today=today), unit.settings().facility_name, today
        return work

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self._fill(rows)
        self.count.setText(self.tr("{count} ราย").format(count=len(rows)))

    def _cells(self, r: dict[str, Any]) -> list[Cell]:
        return [_cell(format_when(r["day"])), _cell(r["name"]), _cell(r["hn"]), _cell(r.get("reason") or "-"),
                _cell(appointment_state(r), late=bool(r.get("missed")))]

    def _late(self, r: dict[str, Any]) -> bool:
        return bool(r.get("missed"))

    def _patient(self, r: dict[str, Any]) -> str:
        return str(r["patient_id"])

    def printout(self) -> Printout:
        return appointments_html(self.rows, facility=self.facility, span=str(self.span.currentData()),
                                  today=self.today)


class FollowUpPage(QWidget):
    """The tab "ติดตาม": the chronic register, children's vaccines due, appointments."""

    patient_opened = Signal(str)

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.lists = QTabWidget()
        self.lists.setObjectName("followupLists")
        self.lists.setAccessibleName(self.tr("รายการติดตาม"))
        self.chronic = ChronicView(worker, bus)
        self.epi = EpiView(worker, bus)
        self.appointments = AppointmentsView(worker, bus)
        self.lists.addTab(self.chronic, self.tr("โรคเรื้อรัง (เบาหวาน ความดัน)"))
        self.lists.addTab(self.epi, self.tr("วัคซีนเด็ก (EPI)"))
        self.lists.addTab(self.appointments, self.tr("นัดหมาย"))
        for view in (self.chronic, self.epi, self.appointments):
            view.patient_opened.connect(self.patient_opened)
        layout.addWidget(self.lists)
