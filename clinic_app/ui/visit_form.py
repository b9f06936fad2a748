"""The visit form: complaint, vital signs and blood sugar, several diagnoses (ICD-10, each
with its 43-file DIAGTYPE in words), several drugs from the unit's drug list (dose,
frequency, meals, days; the quantity worked out and editable; the label's words shown as
they will be printed) or written freely and marked so, procedures (ICD-9-CM), an EPI
vaccine, a note and the next appointment (Buddhist-era date in Thai).

The dialog only collects and shows. Its caller saves: `save_requested([VisitForm])`, then
`saved()` or `refused(error)`; refused, it keeps everything typed and says why beside the
fields, asks about unusual readings (`ask_to_confirm`) and, for a drug the patient is
allergic to, asks for the reason and sends the form again with it (`ask_allergy_reason`).
`set_form(form)` fills it from a saved visit, for a correction. Given the window's
database worker and a patient, it reads the unit's drug list and the patient's allergies
itself (a drug they are allergic to is marked as soon as it is added); nothing else here
touches the database.

Keyboard first. Tab goes down the left column (complaint, readings, diagnoses, drugs) and
then the right one (procedures, vaccine, appointment, note), then Save. Enter saves from
any single field; in a list's search box Enter adds what the box names (or the item
highlighted under it) and never saves, and in a row of a list it moves to the next field,
so a number typed into a drug's row is never a visit saved half-done. Ctrl+Enter saves
from anywhere, Esc cancels. A row is removed with its "ลบ" button or Ctrl+Delete.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.core.fhir import Resource
from clinic_app.core.thai import BE_OFFSET, THAI_MONTHS_SHORT
from clinic_app.services.catalogs import icd9_by_code, icd9_codes, icd10_by_code, icd10_codes
from clinic_app.services.formulary import FREQUENCIES, MEALS, Drug, instructions, quantity_for
from clinic_app.services.visits import ARRIVALS, DISCHARGES, SERVICE_PLACES, DrugLine, VisitForm, allergy_matches
from clinic_app.ui.i18n import EN_MONTHS_SHORT, english, pick
from clinic_app.ui.widgets import both_languages, show_problems

RED = "#b00020"
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# (days, months) from today for the appointment's quick choices
INTERVALS = ((7, 0), (14, 0), (0, 1), (0, 2), (0, 3), (0, 6))


def diagtypes() -> list[tuple[str, str]]:
    """The 43 files' DIAGTYPE 1-5 in the window's language."""
    return [("1", QCoreApplication.translate("VisitDialog", "หลัก")),
            ("2", QCoreApplication.translate("VisitDialog", "โรคร่วม")),
            ("3", QCoreApplication.translate("VisitDialog", "โรคแทรก")),
            ("4", QCoreApplication.translate("VisitDialog", "อื่นๆ")),
            ("5", QCoreApplication.translate("VisitDialog", "สาเหตุภายนอก"))]


def interval_name(days: int, months: int) -> str:
    if months:
        return QCoreApplication.translate("VisitDialog", "{count} เดือน").format(count=months)
    if days % 7 == 0:
        return QCoreApplication.translate("VisitDialog", "{count} สัปดาห์").format(count=days // 7)
    return QCoreApplication.translate("VisitDialog", "{count} วัน").format(count=days)


def _title(code: str, catalogue: dict[str, Any]) -> str:
    found = catalogue.get(code)
    return f"{code} {pick(found.title_th, found.title_en) or found.title_en}" if found else code


def _locale() -> QLocale:
    return QLocale(QLocale.Language.English if english() else QLocale.Language.Thai)


class NumberBox(QDoubleSpinBox):
    """A number typed or stepped; "-" (0) when not given; written as 1, 0.5, 37.9."""

    def __init__(self, high: float, decimals: int, suffix: str = "", *, accessible: str = "") -> None:
        super().__init__()
        self.setRange(0, high)
        self.setDecimals(decimals)
        if suffix:
            self.setSuffix(f" {suffix}")
        self.setSpecialValueText("-")  # 0 means "not given"
        self.setAccessibleName(accessible)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return f"{value:g}"

    def number(self) -> float | None:
        return self.value() or None


class PickBox(QLineEdit):
    """The search box of a list on the form: part of a code or a name narrows the list under
    it; Enter adds the item the text names (a code, or the one item that matches) or the one
    highlighted in the list, and never saves. Several matches and none highlighted: the
    first is highlighted, a second Enter adds it."""

    picked = Signal(str)     # the chosen item's key
    unmatched = Signal(str)  # text that names nothing on the list

    def __init__(self, placeholder: str, accessible: str) -> None:
        super().__init__()
        self.setPlaceholderText(placeholder)
        self.setAccessibleName(accessible)
        self.setClearButtonEnabled(True)
        self._items: list[tuple[str, str]] = []
        self._keys: dict[str, str] = {}
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        completer.activated[str].connect(self._on_completer_activated)

    def set_items(self, items: list[tuple[str, str]]) -> None:
        """(key, label) pairs: the label is what is listed and searched."""
        self._items = list(items)
        self._keys = {label: key for key, label in items}
        self._model.setStringList([label for _, label in items])

    def resolve(self, text: str) -> tuple[str | None, int]:
        """The key the text names (None when it names none or several), and how many match."""
        text = text.strip()
        if not text:
            return None, 0
        if text in self._keys:
            return self._keys[text], 1
        folded = text.casefold()
        first = folded.split()[0]
        exact = [key for key, _ in self._items if key.casefold() in (folded, first)]
        if exact:
            return exact[0], 1
        matches = [key for key, label in self._items if folded in label.casefold()]
        return (matches[0] if len(matches) == 1 else None), len(matches)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.key() not in ENTER or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().keyPressEvent(event)  # Ctrl+Enter goes on to the dialog: save
            return
        event.accept()
        popup = self.completer().popup()
        if popup.isVisible() and popup.currentIndex().isValid():
            label = str(popup.currentIndex().data())
            popup.hide()
            self._take(self._keys.get(label, label))
            return
        self.pick_typed()

    def pick_typed(self) -> bool:
        """Add what the typed text names; True when it named one item."""
        text = self.text().strip()
        if not text:
            return False
        key, count = self.resolve(text)
        if key is not None:
            self._take(key)
            return True
        if count > 1:
            completer = self.completer()
            completer.setCompletionPrefix(text)
            completer.complete()
            completer.popup().setCurrentIndex(completer.completionModel().index(0, 0))
        else:
            self.unmatched.emit(text)
        return False

    def _on_completer_activated(self, label: str) -> None:
        # a click on the list: add once the completer has finished writing the label in
        QTimer.singleShot(0, lambda: self._take(self._keys[label]) if label in self._keys else None)

    def _take(self, key: str) -> None:
        self.completer().popup().hide()
        self.clear()
        self.picked.emit(key)


class ListRow(QFrame):
    """One row of a list on the form, removed by its button or Ctrl+Delete."""

    removed = Signal(object)  # [the row]

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("listRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.remove_button = QPushButton(self.tr("ลบ"))
        self.remove_button.setToolTip(self.tr("ลบรายการนี้ (Ctrl+Delete)"))
        self.remove_button.setAutoDefault(False)  # never the dialog's default: Enter elsewhere saves, not removes
        self.remove_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.remove_button.setMaximumWidth(self.remove_button.fontMetrics().horizontalAdvance(
            self.remove_button.text()) + 28)
        self.remove_button.clicked.connect(self.remove)
        QShortcut(QKeySequence("Ctrl+Del"), self, activated=self.remove,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def name_it(self, what: str) -> None:
        self.remove_button.setAccessibleName(self.tr("ลบ {what}").format(what=what))

    def remove(self) -> None:
        self.removed.emit([self])

    def focusables(self) -> list[QWidget]:
        return [self.remove_button]

    def mark(self, problem: str | None) -> None:
        self.setStyleSheet(f"QFrame#listRow{{border: 2px solid {RED};}}" if problem else "")
        self.setToolTip(problem or "")


class DiagnosisRow(ListRow):
    changed = Signal()

    def __init__(self, code: str, kind: str) -> None:
        super().__init__()
        self.name_it(code)
        self.code = code
        self.label = QLabel(_title(code, icd10_by_code()))
        self.label.setToolTip(self.label.text())
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.kind = QComboBox()
        for value, name in diagtypes():
            self.kind.addItem(f"{value} {name}", value)
        self.kind.setAccessibleName(self.tr("ประเภทการวินิจฉัย {code}").format(code=code))
        self.set_kind(kind)
        self.kind.currentIndexChanged.connect(lambda _i: self.changed.emit())
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 1, 4, 1)
        row.addWidget(self.label, 1)
        row.addWidget(self.kind)
        row.addWidget(self.remove_button)

    def set_kind(self, kind: str) -> None:
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.kind.blockSignals(False)

    def kind_code(self) -> str:
        return str(self.kind.currentData())

    def focusables(self) -> list[QWidget]:
        return [self.kind, self.remove_button]


class ProcedureRow(ListRow):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.name_it(code)
        self.code = code
        label = QLabel(_title(code, icd9_by_code()))
        label.setToolTip(label.text())
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 1, 4, 1)
        row.addWidget(label, 1)
        row.addWidget(self.remove_button)


class DrugRow(ListRow):
    """One drug: from the unit's list (its name, dispensing unit and defaults) or written
    freely (name and unit typed, marked "not on the drug list"). The quantity follows dose x
    frequency x days until someone types their own; the label's words follow the choices."""

    changed = Signal()

    def __init__(self, *, code: str = "", drug: Drug | None = None, text: str = "") -> None:
        super().__init__()
        self.code = code or (drug.code if drug else "")
        self.drug = drug
        self.free = not self.code
        self._label = ""           # the label as saved (a correction), until a choice changes it
        self._auto_quantity = True
        self._filling = False
        what = drug.name if drug else (code or text or self.tr("ยาพิมพ์เอง"))
        self.name_it(what)
        self.name = QLabel()
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.free_name = QLineEdit(text)
        self.free_name.setAccessibleName(self.tr("ชื่อยาที่พิมพ์เอง"))
        self.free_name.setPlaceholderText(self.tr("ชื่อยาและความแรง"))
        self.free_tag = QLabel(self.tr("พิมพ์เอง ไม่อยู่ในบัญชียา"))
        self.free_tag.setObjectName("freeDrugTag")
        self.free_tag.setStyleSheet("color:#8a4b00;background:#fff1d6;padding:0 4px;")
        self.allergy = QLabel()
        self.allergy.setObjectName("drugAllergy")
        self.allergy.setStyleSheet(f"color:{RED};font-weight:bold;")
        self.allergy.setVisible(False)
        self.dose = NumberBox(1000, 2, accessible=self.tr("ขนาดต่อครั้ง {drug}").format(drug=what))
        self.dose_unit = QLabel()
        self.frequency = QComboBox()
        self.frequency.addItem("-", "")
        for key, (thai, eng, _per_day) in FREQUENCIES.items():
            self.frequency.addItem(f"{key} {pick(thai, eng)}", key)
        self.frequency.setAccessibleName(self.tr("ความถี่ {drug}").format(drug=what))
        self.frequency.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.frequency.setMinimumContentsLength(16)
        self.meals = QComboBox()
        for key, (thai, eng) in MEALS.items():
            if key:
                self.meals.addItem(pick(thai, eng), key)
        self.meals.insertItem(0, "-", "")
        self.meals.setCurrentIndex(0)
        self.meals.setAccessibleName(self.tr("มื้ออาหาร {drug}").format(drug=what))
        self.days = QSpinBox()
        self.days.setRange(0, 365)
        self.days.setSpecialValueText("-")
        self.days.setSuffix(self.tr(" วัน"))
        self.days.setAccessibleName(self.tr("จำนวนวัน {drug}").format(drug=what))
        self.quantity = NumberBox(99999, 1, accessible=self.tr("จำนวนที่จ่าย {drug}").format(drug=what))
        self.quantity.setToolTip(self.tr("คำนวณจากขนาด × ความถี่ × จำนวนวัน แก้ไขได้"))
        self.unit = QLabel()
        self.free_unit = QLineEdit()
        self.free_unit.setAccessibleName(self.tr("หน่วยของยาที่พิมพ์เอง"))
        self.free_unit.setPlaceholderText(self.tr("หน่วย"))
        self.free_unit.setMaximumWidth(70)
        self.label_preview = QLabel()
        self.label_preview.setObjectName("drugInstructions")
        self.label_preview.setStyleSheet("color:#1f4e79;")
        self.label_preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.free_name if self.free else self.name)
        top.addWidget(self.free_tag)
        top.addWidget(self.allergy)
        top.addWidget(self.label_preview, 1)
        top.addWidget(self.remove_button)
        self.free_name.setVisible(self.free)
        self.name.setVisible(not self.free)
        self.free_tag.setVisible(self.free)
        self.free_unit.setVisible(self.free)
        self.unit.setVisible(not self.free)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel(self.tr("ครั้งละ")))
        bottom.addWidget(self.dose)
        bottom.addWidget(self.dose_unit)
        bottom.addWidget(self.frequency, 1)
        bottom.addWidget(self.meals)
        bottom.addWidget(self.days)
        bottom.addWidget(QLabel(self.tr("จ่าย")))
        bottom.addWidget(self.quantity)
        bottom.addWidget(self.unit)
        bottom.addWidget(self.free_unit)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(2)
        box.addLayout(top)
        box.addLayout(bottom)
        for signal in (self.dose.valueChanged, self.frequency.currentIndexChanged, self.meals.currentIndexChanged,
                       self.days.valueChanged):
            signal.connect(self._on_choice_changed)
        self.quantity.valueChanged.connect(self._on_quantity_value_changed)
        self.free_unit.textChanged.connect(lambda _t: self._on_choice_changed())
        self.free_name.editingFinished.connect(self.changed.emit)
        self.set_drug(drug)
        if drug is not None:
            self._filling = True
            self.dose.setValue(drug.dose or 0)
            self.frequency.setCurrentIndex(max(0, self.frequency.findData(drug.frequency)))
            self.days.setValue(drug.days or 0)
            self._filling = False
            self._on_choice_changed()

    def set_drug(self, drug: Drug | None) -> None:
        """The drug's details (from the unit's list, which may arrive after the row)."""
        if drug is not None:
            self.drug = drug
        if self.free:
            self._refresh_label()
            return
        if self.drug is None:
            self.name.setText(self.code)
        else:
            self.name.setText(f"{self.drug.name} {self.drug.strength}".strip())
            self.dose_unit.setText(self.drug.per_dose_unit)
            self.unit.setText(self.drug.unit)
        self.name.setToolTip(self.name.text())
        self._refresh_label()

    def display_name(self) -> str:
        return self.free_name.text().strip() if self.free else self.name.text()

    def concept(self) -> tuple[dict[str, Any], str]:
        """The drug's CodeableConcept and group, as the allergy check reads them."""
        if self.drug is not None and not self.free:
            return self.drug.concept(), self.drug.group
        return build.medication(self.display_name() or None), ""

    def _on_choice_changed(self, *_args: Any) -> None:
        if self._filling:
            return
        self._label = ""  # a choice changed: the label follows the choices again
        if self._auto_quantity and not self.free:
            amount = quantity_for(self.drug, dose=self.dose.number(), frequency=self._frequency(),
                                  days=self.days.value() or None)
            self._filling = True
            self.quantity.setValue(amount or 0)
            self._filling = False
        self._refresh_label()
        self.changed.emit()

    def _on_quantity_value_changed(self, _value: float) -> None:
        if not self._filling:
            self._auto_quantity = False  # typed by a person: kept as typed

    def _frequency(self) -> str:
        return str(self.frequency.currentData() or "")

    def _refresh_label(self) -> None:
        text = self._label or instructions(None if self.free else self.drug, dose=self.dose.number(),
                                           frequency=self._frequency(), meals=str(self.meals.currentData() or ""),
                                           dose_unit=self.free_unit.text().strip() if self.free else "")
        self.label_preview.setText(text or self.tr("(เลือกความถี่เพื่อให้มีวิธีใช้บนฉลาก)"))
        self.label_preview.setToolTip(text)
        if self.free:
            self.dose_unit.setText(self.free_unit.text().strip())

    def fill(self, line: DrugLine) -> None:
        """A saved line's values (a correction): the label as saved until a choice changes."""
        self._filling = True
        self.dose.setValue(line.dose or 0)
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(line.frequency)))
        self.meals.setCurrentIndex(max(0, self.meals.findData(line.meals)))
        self.days.setValue(line.days or 0)
        self.free_unit.setText(line.unit if self.free else "")
        self.quantity.setValue(line.quantity or 0)
        self._filling = False
        self._auto_quantity = line.quantity is None
        self._label = line.label
        self._refresh_label()

    def line(self) -> DrugLine:
        return DrugLine(code="" if self.free else self.code, text=self.free_name.text().strip() if self.free else "",
                        dose=self.dose.number(), frequency=self._frequency(), meals=str(self.meals.currentData() or ""),
                        days=self.days.value() or None, quantity=self.quantity.number(),
                        unit=self.free_unit.text().strip() if self.free else "", label=self._label)

    def show_allergy(self, allergy: str | None) -> None:
        self.allergy.setText(self.tr("⚠ แพ้ {allergy}").format(allergy=allergy) if allergy else "")
        self.allergy.setVisible(bool(allergy))

    def focusables(self) -> list[QWidget]:
        first = [self.free_name] if self.free else []
        unit = [self.free_unit] if self.free else []
        return [*first, self.dose, self.frequency, self.meals, self.days, self.quantity, *unit, self.remove_button]


class RowList(QScrollArea):
    """Rows of one list, newest last, scrolling when there are more than fit."""

    def __init__(self, accessible: str, *, visible_rows: float) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName(accessible)
        inner = QWidget()
        self.box = QVBoxLayout(inner)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(2)
        self.box.addStretch(1)
        self.setWidget(inner)
        self.rows: list[ListRow] = []
        self._visible_rows = visible_rows

    def add(self, row: ListRow) -> ListRow:
        self.box.insertWidget(self.box.count() - 1, row)
        self.rows.append(row)
        QTimer.singleShot(0, lambda: self.ensureWidgetVisible(row) if row in self.rows else None)
        return row

    def take(self, row: ListRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            self.box.removeWidget(row)
            row.hide()
            row.deleteLater()

    def clear_rows(self) -> None:
        for row in list(self.rows):
            self.take(row)

    def set_row_height(self, height: int) -> None:
        self.setMinimumHeight(int(height * self._visible_rows) + 4)


class CalendarPopup(QFrame):
    """A month to pick a day from, headed in the window's calendar (Buddhist era in Thai)."""

    chosen = Signal(object)  # [datetime.date]

    def __init__(self, parent: QWidget, day: _dt.date) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("appointmentCalendar")
        self.setFrameShape(QFrame.Shape.Box)
        self.calendar = QCalendarWidget()
        self.calendar.setNavigationBarVisible(False)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setLocale(_locale())
        self.calendar.setMinimumDate(QDate.currentDate().addDays(1))
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self.calendar.setAccessibleName(self.tr("ปฏิทินเลือกวันนัด"))
        back, forward = QPushButton("<"), QPushButton(">")
        back.setAccessibleName(self.tr("เดือนก่อน"))
        forward.setAccessibleName(self.tr("เดือนถัดไป"))
        back.clicked.connect(self.calendar.showPreviousMonth)
        forward.clicked.connect(self.calendar.showNextMonth)
        self.heading = QLabel()
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.heading, 1)
        head.addWidget(forward)
        box = QVBoxLayout(self)
        box.addLayout(head)
        box.addWidget(self.calendar)
        self.calendar.currentPageChanged.connect(self._on_calendar_current_page_changed)
        self.calendar.activated.connect(self._on_calendar_chosen)
        self.calendar.clicked.connect(self._on_calendar_chosen)
        self._on_calendar_current_page_changed(day.year, day.month)
        self.calendar.setFocus()

    def _on_calendar_current_page_changed(self, year: int, month: int) -> None:
        offset = 0 if english() else BE_OFFSET
        self.heading.setText(f"{_locale().standaloneMonthName(month)} {year + offset}")

    def _on_calendar_chosen(self, day: QDate) -> None:
        self.chosen.emit([_dt.date(day.year(), day.month(), day.day())])
        self.close()


class AppointmentBox(QWidget):
    """The next appointment: none unless ticked (or a quick interval chosen); the day as day,
    month and year in the window's calendar (Buddhist era in Thai), a calendar to pick from,
    the weekday and how far away; the reason."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("appointment")
        self.wanted = QCheckBox(self.tr("นัดครั้งต่อไป"))
        self.wanted.setAccessibleName(self.tr("นัดครั้งต่อไป"))
        self.interval = QComboBox()
        self.interval.setAccessibleName(self.tr("นัดอีก"))
        self.interval.addItem(self.tr("นัดอีก…"), None)
        for days, months in INTERVALS:
            self.interval.addItem(interval_name(days, months), (days, months))
        self.day = QSpinBox()
        self.day.setRange(1, 31)
        self.day.setAccessibleName(self.tr("วันที่นัด"))
        self.month = QComboBox()
        self.month.addItems(list(EN_MONTHS_SHORT if english() else THAI_MONTHS_SHORT))
        self.month.setAccessibleName(self.tr("เดือนที่นัด"))
        self.offset = 0 if english() else BE_OFFSET
        this_year = _dt.date.today().year + self.offset
        self.year = QSpinBox()
        self.year.setRange(this_year - 1, this_year + 5)
        self.year.setAccessibleName(self.tr("ปีที่นัด (พ.ศ.)") if not english() else self.tr("ปีที่นัด"))
        self.calendar_button = QPushButton(self.tr("ปฏิทิน…"))
        self.calendar_button.setAccessibleName(self.tr("เลือกวันนัดจากปฏิทิน"))
        self.calendar_button.setAutoDefault(False)
        self.calendar_button.clicked.connect(self.open_calendar)
        self.weekday = QLabel()
        self.weekday.setObjectName("appointmentWeekday")
        self.reason = QLineEdit()
        self.reason.setAccessibleName(self.tr("เหตุที่นัด"))
        self.reason.setPlaceholderText(self.tr("เหตุที่นัด เช่น ติดตามความดัน"))
        first = QHBoxLayout()
        first.addWidget(self.wanted)
        first.addWidget(self.interval)
        first.addWidget(self.weekday, 1)
        second = QHBoxLayout()
        second.addWidget(self.day)
        second.addWidget(self.month)
        second.addWidget(self.year)
        second.addWidget(self.calendar_button)
        second.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(first)
        box.addLayout(second)
        box.addWidget(self.reason)
        self.wanted.toggled.connect(self._on_wanted_toggled)
        self.interval.activated.connect(self._on_interval_activated)
        for signal in (self.day.valueChanged, self.month.currentIndexChanged, self.year.valueChanged):
            signal.connect(self._on_date_edited)
        self.set_day(None)

    def _on_date_edited(self, *_args: Any) -> None:
        self.interval.setCurrentIndex(0)  # a day typed by hand is no longer "in 2 weeks"
        self._on_date_changed()

    def _on_wanted_toggled(self, on: bool) -> None:
        for widget in (self.day, self.month, self.year, self.calendar_button, self.reason):
            widget.setEnabled(on)
        if on and self.chosen() is None:
            self.set_day(epi.add_months(_dt.date.today(), 1))
        self._on_date_changed()

    def _on_interval_activated(self, index: int) -> None:
        step = self.interval.itemData(index)
        if step:
            days, months = step
            self.set_day(epi.add_months(_dt.date.today(), months) + _dt.timedelta(days=days))

    def _on_date_changed(self, *_args: Any) -> None:
        day = self.chosen()
        if not self.wanted.isChecked():
            self.weekday.setText("")
        elif day is None:
            self.weekday.setText(self.tr("ไม่มีวันที่นี้ในเดือนนั้น"))
        else:
            away = (day - _dt.date.today()).days
            self.weekday.setText(self.tr("{weekday} (อีก {days} วัน)").format(
                weekday=_locale().dayName(day.isoweekday()), days=away))

    def chosen(self) -> _dt.date | None:
        """The date the fields show (None when they name no day, such as 31 Feb)."""
        try:
            return _dt.date(self.year.value() - self.offset, self.month.currentIndex() + 1, self.day.value())
        except ValueError:
            return None

    def value(self) -> _dt.date | None:
        """The appointment's day; None when there is none."""
        return self.chosen() if self.wanted.isChecked() else None

    def set_day(self, day: _dt.date | None) -> None:
        if day is not None:
            for widget in (self.day, self.month, self.year):
                widget.blockSignals(True)
            self.year.setValue(day.year + self.offset)
            self.month.setCurrentIndex(day.month - 1)
            self.day.setValue(day.day)
            for widget in (self.day, self.month, self.year):
                widget.blockSignals(False)
        self.wanted.blockSignals(True)
        self.wanted.setChecked(day is not None)
        self.wanted.blockSignals(False)
        self._on_wanted_toggled(day is not None)

    def open_calendar(self) -> CalendarPopup:
        popup = CalendarPopup(self, self.chosen() or _dt.date.today() + _dt.timedelta(days=7))
        popup.chosen.connect(lambda wrapped: self.set_day(wrapped[0]))
        popup.move(self.calendar_button.mapToGlobal(self.calendar_button.rect().bottomLeft()))
        popup.show()
        return popup

    def focusables(self) -> list[QWidget]:
        return [self.wanted, self.interval, self.day, self.month, self.year, self.calendar_button, self.reason]


class AllergyReasonDialog(QDialog):
    """Which drug the patient is allergic to and the allergy; the reason to give it anyway.
    OK only with a reason; Cancel goes back to the form to change the drugs."""

    def __init__(self, parent: QWidget, conflicts: list[str]) -> None:
        super().__init__(parent)
        self.setObjectName("allergyReason")
        self.setWindowTitle(self.tr("ผู้ป่วยแพ้ยาที่สั่ง"))
        self.conflicts = QLabel("\n".join(f"• {line}" for line in conflicts))
        self.conflicts.setObjectName("allergyConflicts")
        self.conflicts.setStyleSheet(f"color:{RED};font-weight:bold;")
        self.conflicts.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(self.tr("เหตุผลที่ให้ยาที่ผู้ป่วยแพ้"))
        self.reason.setPlaceholderText(self.tr("เช่น ไม่มียาอื่น แพทย์สั่งโดยทราบประวัติแพ้"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("ให้ยาพร้อมเหตุผลนี้"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("กลับไปแก้รายการยา"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.reason.textChanged.connect(lambda text: self.buttons.button(
            QDialogButtonBox.StandardButton.Ok).setEnabled(bool(text.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(QLabel(self.tr("ผู้ป่วยมีประวัติแพ้ยาที่สั่ง:")))
        box.addWidget(self.conflicts)
        explain = QLabel(self.tr("ถ้าจำเป็นต้องให้ยานี้ โปรดระบุเหตุผล (บันทึกไว้กับการจ่ายยาและในบันทึกการใช้งาน) "
                                 "หรือกลับไปแก้รายการยา"))
        explain.setWordWrap(True)
        box.addWidget(explain)
        box.addWidget(self.reason)
        box.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def accept(self) -> None:
        if self.reason.text().strip():
            super().accept()


def _choices(items: dict[str, tuple[str, str]], name: str, accessible: str) -> QComboBox:
    """A drop-down of coded choices (code -> (Thai, English)), the first chosen."""
    box = QComboBox()
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    for code, labels in items.items():
        box.addItem(pick(*labels), code)
    return box


def _group(title: str, name: str) -> tuple[QGroupBox, QVBoxLayout]:
    group = QGroupBox(title)
    group.setObjectName(name)
    box = QVBoxLayout(group)
    box.setContentsMargins(6, 4, 6, 4)
    box.setSpacing(3)
    return group, box


class VisitDialog(QDialog):
    """The whole visit on one screen (1366x768): see the module's docstring. It closes only
    once the visit is saved; refused, it keeps everything typed and says why beside the fields."""

    save_requested = Signal(object)  # [VisitForm]: the caller saves it and calls saved() or refused()

    def __init__(self, parent: QWidget | None = None, *, worker: Any = None, patient_id: str | None = None,
                 patient_name: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("visitDialog")
        self.setWindowTitle(self.tr("บันทึกการตรวจ"))
        self.drugs: dict[str, Drug] = {}
        self.allergy_records: list[Resource] = []
        self._unusual_confirmed = False
        self._allergy_reason = ""
        self._when: _dt.datetime | None = None
        self._build()
        self._fields: dict[str, QWidget] = {
            "complaint": self.complaint, "systolic": self.sbp, "diastolic": self.dbp, "blood pressure": self.sbp,
            "weight": self.weight, "temperature": self.temperature, "pulse": self.pulse, "blood_sugar": self.sugar,
            "diagnosis": self.diagnosis, "drugs": self.drug_search, "procedure": self.procedure,
            "vaccine": self.vaccine, "appointment": self.appointment.day}
        self._fix_tab_order()
        self._fit_screen()
        self.patient.setText(patient_name)  # allergies: once known (set_patient, or read by the worker)
        if worker is not None:
            self._load(worker, patient_id)

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.patient = QLabel()
        self.patient.setObjectName("visitPatient")
        font = self.patient.font()
        font.setBold(True)
        self.patient.setFont(font)
        self.allergies = QLabel()
        self.allergies.setObjectName("visitAllergies")
        self.allergies.setWordWrap(True)
        self.complaint = QLineEdit()
        self.complaint.setAccessibleName(self.tr("อาการสำคัญ"))
        self.complaint.setPlaceholderText(self.tr("อาการสำคัญ เช่น ไข้ ไอ 2 วัน"))
        # how the patient came and left (HDC asks it of every visit): the usual already chosen
        self.type_in = _choices(ARRIVALS, "typeIn", self.tr("มาโดย"))
        self.serv_place = _choices(SERVICE_PLACES, "servPlace", self.tr("ที่ให้บริการ"))
        self.type_out = _choices(DISCHARGES, "typeOut", self.tr("การจำหน่าย"))
        self.sbp = NumberBox(1040, 0, "mmHg", accessible=self.tr("ความดันตัวบน"))
        self.dbp = NumberBox(640, 0, "mmHg", accessible=self.tr("ความดันตัวล่าง"))
        self.weight = NumberBox(1000, 1, "kg", accessible=self.tr("น้ำหนัก"))
        self.temperature = NumberBox(172, 1, "°C", accessible=self.tr("อุณหภูมิ"))
        self.pulse = NumberBox(880, 0, self.tr("/นาที"), accessible=self.tr("ชีพจร"))
        self.sugar = NumberBox(6000, 0, "mg/dL", accessible=self.tr("น้ำตาลในเลือด (เจาะปลายนิ้ว)"))
        self.diagnosis = PickBox(self.tr("พิมพ์รหัสหรือชื่อโรค เช่น J00 หรือ หวัด แล้วกด Enter"),
                                 self.tr("ค้นหาการวินิจฉัย (ICD-10) Enter เพื่อเพิ่ม"))
        self.diagnosis.set_items([(d.code, d.label()) for d in icd10_codes()])
        self.diagnosis.picked.connect(self.add_diagnosis)
        self.diagnosis.unmatched.connect(lambda text: self._hint(self.diagnosis, self.tr(
            "ไม่พบ \"{text}\" ในรายการรหัสโรค").format(text=text)))
        self.diagnoses = RowList(self.tr("รายการการวินิจฉัย"), visible_rows=3)
        self.drug_search = PickBox(self.tr("พิมพ์รหัสหรือชื่อยาในบัญชียา แล้วกด Enter"),
                                   self.tr("ค้นหายาในบัญชียาของหน่วย Enter เพื่อเพิ่ม"))
        self.drug_search.picked.connect(self.add_drug)
        self.drug_search.unmatched.connect(lambda text: self._hint(self.drug_search, self.tr(
            "ไม่พบ \"{text}\" ในบัญชียา: เลือกจากรายการ หรือกดปุ่ม \"+ ยาพิมพ์เอง\"").format(text=text)))
        self.free_drug = QPushButton(self.tr("+ ยาพิมพ์เอง (ไม่อยู่ในบัญชียา)"))
        self.free_drug.setObjectName("addFreeDrug")
        self.free_drug.setAutoDefault(False)
        self.free_drug.clicked.connect(self._on_free_drug_clicked)
        self.drug_rows = RowList(self.tr("รายการยาที่จ่าย"), visible_rows=3)
        self.procedure = PickBox(self.tr("พิมพ์รหัสหรือชื่อหัตถการ แล้วกด Enter"),
                                 self.tr("ค้นหาหัตถการ (ICD-9-CM) Enter เพื่อเพิ่ม"))
        self.procedure.set_items([(d.code, d.label()) for d in icd9_codes()])
        self.procedure.picked.connect(self.add_procedure)
        self.procedure.unmatched.connect(lambda text: self._hint(self.procedure, self.tr(
            "ไม่พบ \"{text}\" ในรายการหัตถการ").format(text=text)))
        self.procedures = RowList(self.tr("รายการหัตถการ"), visible_rows=2)
        self.vaccine = QComboBox()
        self.vaccine.setAccessibleName(self.tr("วัคซีน"))
        self.vaccine.addItem("-", "")
        for dose in epi.SCHEDULE + [epi.BY_CODE["815"]]:
            self.vaccine.addItem(f"{dose.code} {pick(dose.name_th, dose.name)}", dose.code)
        self.appointment = AppointmentBox()
        self.note = QPlainTextEdit()
        self.note.setAccessibleName(self.tr("บันทึกเพิ่มเติม"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(64)
        self.problems = QLabel()
        self.problems.setObjectName("visitProblems")
        self.problems.setStyleSheet(f"color:{RED};")
        self.problems.setWordWrap(True)
        self.problems.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText(self.tr("บันทึก (Enter)"))
        save.setToolTip(self.tr("Enter ในช่องค้นหาหรือในแถวของรายการจะเพิ่มรายการหรือไปช่องถัดไป ไม่บันทึก "
                                "Ctrl+Enter บันทึกได้จากทุกช่อง"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("ยกเลิก (Esc)"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        readings = QHBoxLayout()
        for label, widgets in ((self.tr("ความดัน"), [self.sbp, QLabel("/"), self.dbp]),
                               (self.tr("น้ำหนัก"), [self.weight]), (self.tr("อุณหภูมิ"), [self.temperature]),
                               (self.tr("ชีพจร"), [self.pulse]), (self.tr("น้ำตาล"), [self.sugar])):
            readings.addWidget(QLabel(label))
            for widget in widgets:
                readings.addWidget(widget)
            readings.addSpacing(8)
        readings.addStretch(1)
        complaint = QHBoxLayout()
        complaint.addWidget(QLabel(self.tr("อาการสำคัญ")))
        complaint.addWidget(self.complaint, 1)
        for label, box in ((self.tr("มาโดย"), self.type_in), (self.tr("ที่"), self.serv_place),
                           (self.tr("จำหน่าย"), self.type_out)):
            complaint.addSpacing(6)
            complaint.addWidget(QLabel(label))
            complaint.addWidget(box)

        diagnoses, box = _group(self.tr("การวินิจฉัย (ICD-10) — รายการแรกเป็นการวินิจฉัยหลัก"), "diagnosisGroup")
        box.addWidget(self.diagnosis)
        box.addWidget(self.diagnoses, 1)
        drugs, box = _group(self.tr("ยาที่จ่าย"), "drugGroup")
        search = QHBoxLayout()
        search.addWidget(self.drug_search, 1)
        search.addWidget(self.free_drug)
        box.addLayout(search)
        box.addWidget(self.drug_rows, 1)
        procedures, box = _group(self.tr("หัตถการ (ICD-9-CM)"), "procedureGroup")
        box.addWidget(self.procedure)
        box.addWidget(self.procedures, 1)
        appointment, box = _group(self.tr("นัดครั้งต่อไป"), "appointmentGroup")
        box.addWidget(self.appointment)
        self._lists = (diagnoses, drugs, procedures)

        left = QVBoxLayout()
        left.addWidget(diagnoses, 1)
        left.addWidget(drugs, 2)
        right = QVBoxLayout()
        right.addWidget(procedures, 1)
        vaccine = QHBoxLayout()
        vaccine.addWidget(QLabel(self.tr("วัคซีน")))
        vaccine.addWidget(self.vaccine, 1)
        right.addLayout(vaccine)
        right.addWidget(appointment)
        right.addWidget(QLabel(self.tr("บันทึกเพิ่มเติม")))
        right.addWidget(self.note)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 1)

        body = QWidget()
        body.setObjectName("visitBody")
        form = QVBoxLayout(body)
        form.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.patient)
        head.addWidget(self.allergies, 1)
        form.addLayout(head)
        form.addLayout(complaint)
        form.addLayout(readings)
        form.addLayout(columns, 1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("visitScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(self.problems)
        outer.addWidget(self.buttons)
        # the dialog's default once in it (set before, the dialog would take the next button
        # to get the focus, a row's "ลบ", for its default)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(True)
        for rows, probe in ((self.drug_rows, DrugRow(text="x")), (self.diagnoses, DiagnosisRow("J00", "1")),
                            (self.procedures, DiagnosisRow("J00", "1"))):
            rows.set_row_height(probe.sizeHint().height())
            probe.deleteLater()

    def _fit_screen(self) -> None:
        """As wide and tall as the screen allows, up to what the form needs (1366x768 less a
        taskbar and a title bar fits it all without scrolling)."""
        screen = self.screen() or QApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        width = min(1300, room.width() - 20) if room else 1300
        height = min(690, room.height() - 40) if room else 690
        self.resize(max(width, 600), max(height, 400))

    def _fix_tab_order(self) -> None:
        """Top to bottom: the left column, then the right one, then the buttons."""
        chain: list[QWidget] = [self.complaint, self.type_in, self.serv_place, self.type_out, self.sbp, self.dbp,
                                self.weight, self.temperature, self.pulse, self.sugar, self.diagnosis]
        for row in self.diagnoses.rows:
            chain += row.focusables()
        chain += [self.drug_search]
        for row in self.drug_rows.rows:
            chain += row.focusables()
        chain += [self.free_drug, self.procedure]
        for row in self.procedures.rows:
            chain += row.focusables()
        chain += [self.vaccine, *self.appointment.focusables(), self.note]
        chain += [self.buttons.button(QDialogButtonBox.StandardButton.Save),
                  self.buttons.button(QDialogButtonBox.StandardButton.Cancel)]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- what the worker brings ---------------------------------------------------------------

    def _load(self, worker: Any, patient_id: str | None) -> None:
        """The unit's drug list, and the patient's name and allergies, read on the worker."""
        def work(unit: Any, _p: Any) -> tuple[list[Drug], str, list[Resource]]:
            drugs = unit.formulary.drugs()
            if not patient_id:
                return drugs, "", []
            chart = unit.patients.chart(patient_id)
            return drugs, chart.name, list(chart.allergy_records)

        def done(found: tuple[list[Drug], str, list[Resource]]) -> None:
            drugs, name, allergies = found
            self.set_drugs(drugs)
            self.set_patient(name or self.patient.text(), allergies)

        worker.submit(work, on_done=done, on_error=lambda error: self._show_problems(error))

    def set_drugs(self, drugs: list[Drug]) -> None:
        """The unit's drug list to choose from (active drugs)."""
        self.drugs = {d.code: d for d in drugs}
        self.drug_search.set_items([(d.code, d.label()) for d in drugs])
        for row in self.drug_rows.rows:
            if isinstance(row, DrugRow) and not row.free and row.code in self.drugs:
                row.set_drug(self.drugs[row.code])
        self._check_allergies()

    def set_patient(self, name: str, allergies: list[Resource]) -> None:
        self.patient.setText(name)
        if name:
            self.setWindowTitle(self.tr("บันทึกการตรวจ — {name}").format(name=name))
        self.allergy_records = list(allergies)
        names = [(a.get("code") or {}).get("text") or "?" for a in allergies]
        self.allergies.setText(self.tr("แพ้ยา/สาร: {allergies}").format(allergies=", ".join(names)) if names
                               else self.tr("ไม่มีประวัติแพ้"))
        self.allergies.setStyleSheet(f"color:{RED};font-weight:bold;" if names else "color:#555;")
        self._check_allergies()

    def _check_allergies(self) -> None:
        for row in self.drug_rows.rows:
            if isinstance(row, DrugRow):
                concept, group = row.concept()
                hit = next(((a.get("code") or {}).get("text") or "?" for a in self.allergy_records
                            if (concept.get("text") or concept.get("coding")) and allergy_matches(a, concept, group)),
                           None)
                row.show_allergy(hit)

    # -- the lists ----------------------------------------------------------------------------

    def add_diagnosis(self, code: str, kind: str = "") -> DiagnosisRow | None:
        """A diagnosis row; the first is the principal, the others "other" until changed."""
        if any(row.code == code for row in self.diagnoses.rows):  # type: ignore[attr-defined]
            self._hint(self.diagnosis, self.tr("{code} อยู่ในรายการแล้ว").format(code=code))
            return None
        row = DiagnosisRow(code, kind or ("1" if not self._principal() else "4"))
        row.changed.connect(lambda row=row: self._on_diagnosis_kind_changed(row))
        row.removed.connect(lambda wrapped: self._remove(self.diagnoses, wrapped[0], self.diagnosis))
        self.diagnoses.add(row)
        self._one_principal(row)
        self._fix_tab_order()
        return row

    def _principal(self) -> DiagnosisRow | None:
        return next((r for r in self.diagnoses.rows if isinstance(r, DiagnosisRow) and r.kind_code() == "1"), None)

    def _on_diagnosis_kind_changed(self, row: DiagnosisRow) -> None:
        self._one_principal(row)

    def _one_principal(self, changed: DiagnosisRow | None = None) -> None:
        """One principal diagnosis: a row made principal makes the former one "other"; with
        none, the first row is."""
        rows = [r for r in self.diagnoses.rows if isinstance(r, DiagnosisRow)]
        if changed is not None and changed.kind_code() == "1":
            for row in rows:
                if row is not changed and row.kind_code() == "1":
                    row.set_kind("4")
        if rows and not any(r.kind_code() == "1" for r in rows):
            rows[0].set_kind("1")

    def add_procedure(self, code: str) -> ProcedureRow | None:
        if any(row.code == code for row in self.procedures.rows):  # type: ignore[attr-defined]
            self._hint(self.procedure, self.tr("{code} อยู่ในรายการแล้ว").format(code=code))
            return None
        row = ProcedureRow(code)
        row.removed.connect(lambda wrapped: self._remove(self.procedures, wrapped[0], self.procedure))
        self.procedures.add(row)
        self._fix_tab_order()
        return row

    def add_drug(self, code: str) -> DrugRow:
        """A drug of the unit's list, with its defaults (dose, frequency, days)."""
        return self._add_drug_row(DrugRow(code=code, drug=self.drugs.get(code)))

    def add_free_drug(self, text: str = "") -> DrugRow:
        """A drug written freely: kept as its words alone, marked as not on the list."""
        row = self._add_drug_row(DrugRow(text=text))
        row.free_name.setFocus()
        return row

    def _add_drug_row(self, row: DrugRow) -> DrugRow:
        row.removed.connect(lambda wrapped: self._remove(self.drug_rows, wrapped[0], self.drug_search))
        row.changed.connect(self._check_allergies)
        self.drug_rows.add(row)
        self._fix_tab_order()
        self._check_allergies()
        return row

    def _on_free_drug_clicked(self) -> None:
        text = self.drug_search.text().strip()
        key, _count = self.drug_search.resolve(text)
        if key is not None:  # it names a drug of the list after all
            self.drug_search.clear()
            self.add_drug(key)
            return
        self.drug_search.clear()
        self.add_free_drug(text)

    def _remove(self, rows: RowList, row: ListRow, back_to: QWidget) -> None:
        rows.take(row)
        if rows is self.diagnoses:
            self._one_principal()
        self._fix_tab_order()
        back_to.setFocus()

    def _hint(self, widget: QWidget, text: str) -> None:
        widget.setToolTip(text)
        self.problems.setText(text)
        self.problems.setVisible(True)

    # -- keys -----------------------------------------------------------------------------------

    def _in_list(self, widget: QWidget | None) -> bool:
        while widget is not None and widget is not self:
            if widget in self._lists:
                return True
            widget = widget.parentWidget()
        return False

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.key() in ENTER:
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                event.accept()
                self.accept()
                return
            focused = QApplication.focusWidget()
            if isinstance(focused, QPushButton) and focused.parentWidget() is not self.buttons:
                event.accept()  # a button of the form ("+ ยาพิมพ์เอง", the calendar): Enter presses it
                focused.click()
                return
            if self._in_list(focused):
                event.accept()  # Enter in a list's row: on to the next field, never a save
                self.focusNextChild()
                return
        super().keyPressEvent(event)

    # -- the form -------------------------------------------------------------------------------

    def set_form(self, form: VisitForm) -> None:
        """Fill the form from a visit (a correction of a saved one): everything it holds."""
        self.complaint.setText(form.complaint)
        for box, value in ((self.sbp, form.systolic), (self.dbp, form.diastolic), (self.weight, form.weight),
                           (self.temperature, form.temperature), (self.pulse, form.pulse),
                           (self.sugar, form.blood_sugar)):
            box.setValue(value or 0)
        self.diagnoses.clear_rows()
        for code, kind in form.all_diagnoses():
            self.add_diagnosis(code, kind)
        self.drug_rows.clear_rows()
        for line in form.all_drugs():
            row = DrugRow(code=line.code, drug=self.drugs.get(line.code)) if line.code else DrugRow(text=line.text)
            row.fill(line)
            self._add_drug_row(row)
        self.procedures.clear_rows()
        for code in form.procedures:
            self.add_procedure(code)
        self.vaccine.setCurrentIndex(max(0, self.vaccine.findData(form.vaccine)))
        for box, code in ((self.type_in, form.type_in), (self.serv_place, form.serv_place),
                          (self.type_out, form.type_out)):
            box.setCurrentIndex(max(0, box.findData(code)))
        self.note.setPlainText(form.note)
        self.appointment.set_day(form.appointment_day)
        self.appointment.reason.setText(form.appointment_reason)
        self._when = form.when
        self._allergy_reason = form.allergy_reason
        self._unusual_confirmed = False
        self._fix_tab_order()

    def form(self) -> VisitForm:
        """What the form holds; text left in a list's search box goes as typed (the service
        then says it is not on the list)."""
        diagnoses = [(row.code, row.kind_code()) for row in self.diagnoses.rows if isinstance(row, DiagnosisRow)]
        if self.diagnosis.text().strip():
            diagnoses.append((self.diagnosis.text().strip().split()[0], "4" if diagnoses else "1"))
        drugs = [row.line() for row in self.drug_rows.rows if isinstance(row, DrugRow)]
        if self.drug_search.text().strip():
            drugs.append(DrugLine(code=self.drug_search.text().strip().split()[0]))
        procedures = [row.code for row in self.procedures.rows if isinstance(row, ProcedureRow)]
        if self.procedure.text().strip():
            procedures.append(self.procedure.text().strip().split()[0])
        return VisitForm(complaint=self.complaint.text().strip(), systolic=self.sbp.number(),
                         diastolic=self.dbp.number(), weight=self.weight.number(),
                         temperature=self.temperature.number(), pulse=self.pulse.number(),
                         blood_sugar=self.sugar.number(), diagnoses=diagnoses, drugs=drugs, procedures=procedures,
                         vaccine=self.vaccine.currentData() or "", note=self.note.toPlainText().strip(),
                         when=self._when, appointment_day=self.appointment.value(),
                         appointment_reason=self.appointment.reason.text().strip() if self.appointment.value() else "",
                         unusual_confirmed=self._unusual_confirmed, allergy_reason=self._allergy_reason,
                         type_in=self.type_in.currentData() or "", serv_place=self.serv_place.currentData() or "1",
                         type_out=self.type_out.currentData() or "1")

    def accept(self) -> None:  # Enter or Save: ask to save; the dialog closes once it is saved
        for box in (self.diagnosis, self.drug_search, self.procedure):
            if box.resolve(box.text())[0] is not None:  # a code typed, Enter not pressed: it is meant
                box.pick_typed()
            box.completer().popup().hide()
        self.buttons.setEnabled(False)
        self.save_requested.emit([self.form()])

    def saved(self) -> None:
        super().accept()

    def refused(self, error: KnownError) -> None:
        """Say why beside the fields, everything typed kept; unusual readings are asked about,
        a drug the patient is allergic to asks for the reason."""
        if error.code == "unusual-values":
            self.ask_to_confirm(error)
        elif error.code == "allergy-conflict":
            self.ask_allergy_reason(error)
        else:
            self._show_problems(error)

    def _show_problems(self, error: KnownError) -> None:
        self.buttons.setEnabled(True)
        lang = "en" if english() else "th"
        for row in self.drug_rows.rows:  # a drug's problem also beside its row ("<drug>: why")
            row.mark(None)
        for problem in error.problems if isinstance(error, InvalidInputError) else []:
            if problem.path == "drugs":
                for row in self.drug_rows.rows:
                    if isinstance(row, DrugRow) and row.display_name() and \
                            problem.reason_in(lang).startswith(row.display_name() + ":"):
                        row.mark(problem.reason_in(lang))
        show_problems(error, self._fields, self.problems)

    def ask_to_confirm(self, error: KnownError) -> QMessageBox:
        """Unusual readings: shown beside their fields, and asked about; Yes saves them."""
        self._show_problems(error)
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(),
                          self.tr("ค่าที่วัดได้ผิดปกติมาก ยืนยันว่าถูกต้องและบันทึกหรือไม่?") + "\n\n" + self.problems.text(),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmUnusual")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(self._on_confirm_accepted)
        box.open()
        return box

    def _on_confirm_accepted(self) -> None:
        self._unusual_confirmed = True
        self.accept()

    def ask_allergy_reason(self, error: KnownError) -> AllergyReasonDialog:
        """A drug the patient is allergic to: which drug, which allergy, and why it is given;
        with a reason the form goes again, carrying it; without, back to the drugs."""
        self._show_problems(error)
        lang = "en" if english() else "th"
        conflicts = [p.reason_in(lang) for p in error.problems] if isinstance(error, InvalidInputError) else []
        dialog = AllergyReasonDialog(self, conflicts or [both_languages(error)])
        dialog.accepted.connect(lambda: self._on_allergy_reason_given(dialog.reason.text()))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()
        return dialog

    def _on_allergy_reason_given(self, reason: str) -> None:
        self._allergy_reason = reason.strip()
        self.accept()


def open_visit_form(parent: QWidget, worker: Any, bus: Any, patient_id: str, *, patient_name: str = "",
                    save: Callable[[Any, VisitForm], Any], complaint: str = "",
                    on_saved: Callable[[], None] | None = None) -> VisitDialog:
    """The visit form for a patient; Save runs `save(unit, form)` on the worker (a Done or a
    ChangeSet), broadcasts what it changed and closes the form; refused, the form says why."""
    dialog = VisitDialog(parent, worker=worker, patient_id=patient_id, patient_name=patient_name)
    dialog.setModal(True)
    if complaint:
        dialog.complaint.setText(complaint)

    def requested(wrapped: list[VisitForm]) -> None:
        form = wrapped[0]

        def done(outcome: Any) -> None:
            dialog.saved()
            bus.result(outcome, parent)
            if on_saved is not None:
                on_saved()

        worker.submit(lambda unit, _p: save(unit, form), on_done=done, on_error=dialog.refused)

    dialog.save_requested.connect(requested)
    dialog.open()
    return dialog
