"""Register a patient: citizen ID with a live check-digit verdict, Thai and English names,
sex, birth date in Buddhist-era years, address (DOPA subdistrict), phone, insurance right.
Possible duplicates are listed before saving; saving works offline."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QIntValidator, QPixmap, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core import places
from clinic_app.core.identifiers import is_local_system
from clinic_app.core.thai import BE_OFFSET, THAI_MONTHS_SHORT, cid_problem
from clinic_app.services.patients import PERSON_STATUSES, RIGHTS, AlreadyRegisteredError, PatientForm
from clinic_app.services.session import UnitSession
from clinic_app.ui.i18n import EN_MONTHS_SHORT, english, format_when, pick, translate
from clinic_app.ui.tasks import ChangeBus, DbWorker
from clinic_app.ui.widgets import sexes, show_error

# Thai name prefixes are part of the Thai name (stored as written), in either language.
PREFIXES = ["นาย", "นาง", "นางสาว", "ด.ช.", "ด.ญ.", ""]
PREFIX_SEX = {"นาย": "male", "ด.ช.": "male", "นาง": "female", "นางสาว": "female", "ด.ญ.": "female"}


def passport_countries() -> list[tuple[str, str]]:
    """The issuing countries a health centre meets most (ISO 3166 alpha-3), the window's
    language first; "" when not known."""
    t = {"": translate("RegisterPage", "ประเทศที่ออก (ไม่ทราบ)"), "MMR": translate("RegisterPage", "เมียนมา"),
         "LAO": translate("RegisterPage", "ลาว"), "KHM": translate("RegisterPage", "กัมพูชา"),
         "VNM": translate("RegisterPage", "เวียดนาม"), "CHN": translate("RegisterPage", "จีน"),
         "MYS": translate("RegisterPage", "มาเลเซีย"), "THA": translate("RegisterPage", "ไทย")}
    return [(code, f"{code} {label}".strip() if code else label) for code, label in t.items()]


class AreaBox(QComboBox):
    """A province, district or subdistrict list you can type into: any part of the Thai or
    English name narrows the list; the item's data is its DOPA code."""

    def __init__(self, placeholder: str, accessible: str) -> None:
        super().__init__()
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(14)
        self.setAccessibleName(accessible)
        self.lineEdit().setPlaceholderText(placeholder)
        completer = self.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.lineEdit().editingFinished.connect(self._on_editing_finished)
        # show a long name from its start, not scrolled to its end
        self.currentIndexChanged.connect(lambda _i: self.lineEdit().setCursorPosition(0))

    def _on_editing_finished(self) -> None:
        """Enter, Tab or leaving the box: a typed part that names exactly one item picks it
        (ราชสีมา is Nakhon Ratchasima); anything else stays as typed for the clerk to fix."""
        text = self.currentText().strip().casefold()
        exact = self.findText(self.currentText())
        if exact >= 0:
            if exact != self.currentIndex():  # arrowed to an item in the popup, then Tab
                self.setCurrentIndex(exact)
            return
        if not text:
            return
        hits = [i for i in range(self.count()) if text in self.itemText(i).casefold()]
        if len(hits) == 1:
            self.setCurrentIndex(hits[0])

    def fill(self, areas: list[places.Area]) -> None:
        self.blockSignals(True)
        self.clear()
        for area in sorted(areas, key=lambda a: a.name_en) if english() else areas:
            first, second = (area.name_en, area.name_th) if english() else (area.name_th, area.name_en)
            self.addItem(f"{first} ({second})", area.code)
        self.setCurrentIndex(-1)
        self.blockSignals(False)
        self.currentIndexChanged.emit(-1)

    def code(self) -> str:
        """The chosen code; the typed text itself when it names no item (the service then
        says to choose from the list); "" when empty."""
        text = self.currentText().strip()
        if not text:
            return ""
        index = self.findText(text)
        return str(self.itemData(index)) if index >= 0 else text

    def choose(self, code: str) -> None:
        self.setCurrentIndex(self.findData(code))


class AddressPicker(QObject):
    """House number and หมู่ on one row; province, district, subdistrict and postal code on
    the next. Choosing a province lists its districts, a district its subdistricts, and a
    subdistrict fills the postal code (which the clerk may change)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.house, self.moo, self.postal = QLineEdit(), QLineEdit(), QLineEdit()
        self.house.setAccessibleName(self.tr("บ้านเลขที่"))
        self.moo.setAccessibleName(self.tr("หมู่ที่"))
        self.moo.setValidator(QIntValidator(1, 99, self.moo))
        self.moo.setMaximumWidth(60)
        self.postal.setAccessibleName(self.tr("รหัสไปรษณีย์"))
        self.postal.setPlaceholderText(self.tr("รหัสไปรษณีย์"))
        self.postal.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,5}"), self.postal))
        self.postal.setMaximumWidth(120)
        self.province = AreaBox(self.tr("จังหวัด"), self.tr("จังหวัด"))
        self.district = AreaBox(self.tr("อำเภอ/เขต"), self.tr("อำเภอ/เขต"))
        self.subdistrict = AreaBox(self.tr("ตำบล/แขวง"), self.tr("ตำบล/แขวง"))
        self.line_row, self.area_row = QHBoxLayout(), QHBoxLayout()
        self.line_row.addWidget(QLabel(self.tr("บ้านเลขที่")))
        self.line_row.addWidget(self.house)
        self.line_row.addWidget(QLabel(self.tr("หมู่")))
        self.line_row.addWidget(self.moo)
        for box in (self.province, self.district, self.subdistrict):
            self.area_row.addWidget(box, 1)
        self.area_row.addWidget(self.postal)
        self.province.currentIndexChanged.connect(self._on_province_changed)
        self.district.currentIndexChanged.connect(self._on_district_changed)
        self.subdistrict.currentIndexChanged.connect(self._on_subdistrict_changed)
        self.province.fill(places.provinces())

    def _on_province_changed(self, _index: int) -> None:
        code = self.province.currentData()
        self.district.fill(places.districts(code) if code else [])

    def _on_district_changed(self, _index: int) -> None:
        code = self.district.currentData()
        self.subdistrict.fill(places.subdistricts(code) if code else [])

    def _on_subdistrict_changed(self, _index: int) -> None:
        code = self.subdistrict.currentData()
        self.postal.setText(places.postal_code(code) if code else "")

    def choose(self, subdistrict_code: str) -> None:
        province, district, subdistrict = places.split_code(subdistrict_code)
        self.province.choose(province)
        self.district.choose(district)
        self.subdistrict.choose(subdistrict)

    def code(self) -> str:
        """The subdistrict's DOPA code; "" when all three boxes are empty. Anything half
        done (a province without a subdistrict, a name that fits no item) comes back as the
        typed text, which the service refuses with "choose from the list"."""
        province, district, subdistrict = (box.code() for box in (self.province, self.district, self.subdistrict))
        if not (province or district or subdistrict):
            return ""
        if province and subdistrict.startswith(district) and district.startswith(province) and len(subdistrict) == 6:
            return subdistrict
        return " ".join(part for part in (province, district, subdistrict) if part)


class RegisterPage(QWidget):
    """The registration form. With `patient_id` it corrects that patient's details instead
    (filled in with `set_form`, saved with `PatientService.update`; no duplicate check: the
    service refuses a citizen ID another record holds)."""

    patient_registered = Signal(str)  # the new patient's id
    patient_opened = Signal(str)  # a patient already registered, to open instead
    patient_updated = Signal(str)  # the corrected patient's id (edit mode)

    def __init__(self, worker: DbWorker, bus: ChangeBus, *, patient_id: str | None = None) -> None:
        super().__init__()
        self.worker, self.bus = worker, bus
        self.patient_id = patient_id
        form = QFormLayout()
        self.cid = QLineEdit()
        self.cid.setPlaceholderText(self.tr("เลข 13 หลัก (เว้นว่างได้ถ้าไม่มี)"))
        self.cid.setAccessibleName(self.tr("เลขประจำตัวประชาชน"))
        self.cid.setMaxLength(17)
        self.cid_verdict = QLabel()
        self.cid_verdict.setObjectName("cidVerdict")
        row = QHBoxLayout()
        row.addWidget(self.cid)
        row.addWidget(self.cid_verdict)
        form.addRow(self.tr("เลขประจำตัวประชาชน"), row)
        self.passport = QLineEdit()
        self.passport.setAccessibleName(self.tr("เลขหนังสือเดินทาง"))
        self.passport_country = QComboBox()  # the issuing country: the passport's system (TH Core)
        self.passport_country.setAccessibleName(self.tr("ประเทศที่ออกหนังสือเดินทาง"))
        for code, label in passport_countries():
            self.passport_country.addItem(label, code)
        passport_row = QHBoxLayout()
        passport_row.addWidget(self.passport, 3)
        passport_row.addWidget(self.passport_country, 2)
        form.addRow(self.tr("หนังสือเดินทาง (ถ้าไม่มีเลข 13 หลัก)"), passport_row)
        self.prefix = QComboBox()
        self.prefix.addItems(PREFIXES)
        form.addRow(self.tr("คำนำหน้า"), self.prefix)
        self.given_th, self.family_th = QLineEdit(), QLineEdit()
        self.given_en, self.family_en = QLineEdit(), QLineEdit()
        for widget, label in ((self.given_th, self.tr("ชื่อ (ไทย)")), (self.family_th, self.tr("นามสกุล (ไทย)")),
                              (self.given_en, self.tr("ชื่อ (อังกฤษ)")), (self.family_en, self.tr("นามสกุล (อังกฤษ)"))):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        self.sex = QComboBox()
        for code, label in sexes():
            self.sex.addItem(label, code)
        form.addRow(self.tr("เพศ"), self.sex)
        # Empty at the start: a birth date is typed, never taken from the last patient. Day
        # and month may stay "-" (not known); with no year, an estimated age stands in.
        birth = QHBoxLayout()
        self.day, self.month, self.year, self.age = QSpinBox(), QComboBox(), QSpinBox(), QSpinBox()
        self.day.setRange(0, 31)
        self.day.setSpecialValueText("-")
        self.month.addItem("-")
        self.month.addItems(list(EN_MONTHS_SHORT if english() else THAI_MONTHS_SHORT))
        self.day.setAccessibleName(self.tr("วันเกิด"))
        self.month.setAccessibleName(self.tr("เดือนเกิด"))
        this_year = _dt.date.today().year + BE_OFFSET
        self.year.setRange(this_year - 131, this_year)  # the lowest is "-": not known
        self.year.setSpecialValueText("-")
        self.year.setAccessibleName(self.tr("ปีเกิด พ.ศ."))
        self.age.setRange(-1, 130)  # -1 is "-": not given (0 is an infant)
        self.age.setSpecialValueText("-")
        self.age.setAccessibleName(self.tr("อายุโดยประมาณ (ปี) เมื่อไม่ทราบปีเกิด"))
        self.age.setToolTip(self.tr("เมื่อไม่ทราบปีเกิด ใส่อายุโดยประมาณ (บันทึกเป็นปีเกิดโดยประมาณ)"))
        for w in (self.day, self.month, self.year):
            birth.addWidget(w)
        birth.addWidget(QLabel(self.tr("หรืออายุประมาณ")))
        birth.addWidget(self.age)
        form.addRow(self.tr("วันเกิด (พ.ศ.)"), birth)
        self.address = AddressPicker(self)
        form.addRow(self.tr("ที่อยู่"), self.address.line_row)
        form.addRow(self.tr("จังหวัด/อำเภอ/ตำบล"), self.address.area_row)
        self.phone = QLineEdit()
        form.addRow(self.tr("โทรศัพท์"), self.phone)
        self.right = QComboBox()
        for code, labels in RIGHTS.items():
            self.right.addItem(pick(*labels), code)
        form.addRow(self.tr("สิทธิการรักษา"), self.right)
        self.typearea = QComboBox()
        self.typearea.setObjectName("typearea")
        self.typearea.setAccessibleName(self.tr("สถานะบุคคล (TYPEAREA) ที่ HDC นับประชากร"))
        for code, labels in PERSON_STATUSES.items():
            self.typearea.addItem(pick(*labels), code)
        form.addRow(self.tr("สถานะบุคคล (TYPEAREA)"), self.typearea)
        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicates")
        self.duplicates.setMaximumHeight(90)
        self.duplicates.setAccessibleName(self.tr("อาจซ้ำกับผู้ป่วยเดิม"))
        self.save = QPushButton(self.tr("บันทึก (Enter)"))
        self.save.setDefault(True)
        self.save.setObjectName("saveButton")
        self.message = QLabel()
        self.message.setObjectName("registerMessage")
        self.open_existing = QPushButton(self.tr("เปิดแฟ้มเดิม"))
        self.open_existing.setObjectName("openExisting")
        self.open_existing.setVisible(False)
        self.open_existing.clicked.connect(lambda: self.patient_opened.emit(self._existing))
        self._existing = ""
        # The form scrolls: the window fits 1366x768 (and 1280x720), the commonest screens in
        # health centres, with the status bar on screen.
        content = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, not to the frame
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        self.card_note = QLabel()  # what the ID card filled and what it left for the person
        self.card_note.setObjectName("cardNote")
        self.card_note.setWordWrap(True)
        self.card_note.setVisible(False)
        self.photo = QLabel()  # the card's photo, when the unit keeps photos
        self.photo.setObjectName("cardPhoto")
        self.photo.setVisible(False)
        top = QHBoxLayout()
        top.addWidget(self.card_note, 1)
        top.addWidget(self.photo)
        layout.addLayout(top)
        layout.addLayout(form)
        self.duplicates_label = QLabel(self.tr("อาจซ้ำกับผู้ป่วยเดิม:"))
        layout.addWidget(self.duplicates_label)
        layout.addWidget(self.duplicates)
        layout.addWidget(self.save)
        layout.addWidget(self.message)
        layout.addWidget(self.open_existing)
        layout.addStretch()
        self.cid.textChanged.connect(self._on_cid_text_changed)
        self.save.clicked.connect(self._on_save_clicked)
        self.family_th.returnPressed.connect(self._on_save_clicked)
        self.prefix.currentTextChanged.connect(self._on_prefix_current_text_changed)
        self._confirmed = False
        self._photo = b""
        self.clear()
        self._on_prefix_current_text_changed(self.prefix.currentText())
        if patient_id is not None:
            self.save.setText(self.tr("บันทึกการแก้ไข (Enter)"))
            self.duplicates_label.setVisible(False)
            self.duplicates.setVisible(False)

    def _on_prefix_current_text_changed(self, prefix: str) -> None:
        """The prefix says the sex (นาย, ด.ช. a man or boy; นาง, นางสาว, ด.ญ. a woman or girl)."""
        sex = PREFIX_SEX.get(prefix)
        if sex is not None:
            self.sex.setCurrentIndex(self.sex.findData(sex))

    def clear(self) -> None:
        """An empty form for the next patient (after a save)."""
        for box in (self.cid, self.passport, self.given_th, self.family_th, self.given_en, self.family_en,
                    self.phone, self.address.house, self.address.moo, self.address.postal):
            box.clear()
        for area in (self.address.province,):
            area.setCurrentIndex(-1)
        self.prefix.setCurrentIndex(0)
        self.passport_country.setCurrentIndex(0)
        self.day.setValue(0)
        self.month.setCurrentIndex(0)
        self.year.setValue(self.year.minimum())
        self.age.setValue(-1)
        self.right.setCurrentIndex(0)
        self.typearea.setCurrentIndex(0)
        self.cid_verdict.setText("")
        self._photo = b""
        self.photo.clear()
        self.photo.setVisible(False)
        self.card_note.setVisible(False)

    def _on_cid_text_changed(self, text: str) -> None:
        self._confirmed = False
        if not text.strip():
            self.cid_verdict.setText("")
            return
        why = cid_problem(text)
        self.cid_verdict.setText("✗ " + pick(*why) if why else "✓ " + self.tr("ถูกต้อง"))
        self.cid_verdict.setStyleSheet("color:#b00020;" if why else "color:#1b7f3b;")

    def form(self) -> PatientForm:
        return PatientForm(given_th=self.given_th.text(), family_th=self.family_th.text(), sex=self.sex.currentData(),
                           birth_day=self.day.value(), birth_month=self.month.currentIndex(),
                           birth_year_be=0 if self.year.value() == self.year.minimum() else self.year.value(),
                           age_years=None if self.age.value() < 0 else self.age.value(),
                           cid=self.cid.text(), passport=self.passport.text(),
                           passport_country=self.passport_country.currentData() or "",
                           prefix=self.prefix.currentText(), given_en=self.given_en.text(),
                           family_en=self.family_en.text(), house=self.address.house.text(),
                           moo=self.address.moo.text(), subdistrict_code=self.address.code(),
                           postal_code=self.address.postal.text(),
                           phone=self.phone.text(), right=self.right.currentData(),
                           typearea=self.typearea.currentData() or "", photo=self._photo)

    def set_form(self, form: PatientForm) -> None:
        """Fill the form in (a patient's details to correct)."""
        self.clear()
        self.cid.setText(form.cid)
        self.passport.setText(form.passport)
        self.passport_country.setCurrentIndex(max(0, self.passport_country.findData(form.passport_country)))
        if form.prefix and self.prefix.findText(form.prefix) < 0:
            self.prefix.addItem(form.prefix)  # a prefix off the short list (พระ, ว่าที่ ร.ต. ...) is kept
        self.prefix.setCurrentText(form.prefix)
        self.sex.setCurrentIndex(max(0, self.sex.findData(form.sex)))  # after the prefix, which suggests one
        self.given_th.setText(form.given_th)
        self.family_th.setText(form.family_th)
        self.given_en.setText(form.given_en)
        self.family_en.setText(form.family_en)
        self.day.setValue(form.birth_day)
        self.month.setCurrentIndex(form.birth_month)
        self.year.setValue(form.birth_year_be or self.year.minimum())
        self.age.setValue(form.age_years if form.age_years is not None else -1)
        if form.subdistrict_code:
            self.address.choose(form.subdistrict_code)
        self.address.house.setText(form.house)
        self.address.moo.setText(form.moo)
        self.address.postal.setText(form.postal_code)  # as kept, after the subdistrict filled its own
        self.phone.setText(form.phone)
        self.right.setCurrentIndex(max(0, self.right.findData(form.right)))
        self.typearea.setCurrentIndex(max(0, self.typearea.findData(form.typearea)))
        self._photo = form.photo
        self.photo.clear()
        self.photo.setVisible(False)
        if form.photo:
            image = QPixmap()
            if image.loadFromData(form.photo, "JPG"):
                self.photo.setPixmap(image.scaledToHeight(110, Qt.TransformationMode.SmoothTransformation))
                self.photo.setVisible(True)

    def fill_from_card(self, read: Any) -> None:
        """A card read at the desk (services/idcard.py CardRead): the form as the card fills
        it, what it left for the person said above it; a patient registered already with its
        citizen ID is offered instead. A correction's form is not touched."""
        if self.patient_id is not None:
            return
        notes = []
        if read.expired:
            notes.append(self.tr("บัตรหมดอายุแล้ว ข้อมูลยังใช้ลงทะเบียนได้ โปรดแนะนำให้ต่ออายุบัตร"))
        if read.patient_ids:
            self.clear()  # nothing of an earlier card stays beside this holder
            if notes:
                self.card_note.setText("\n".join(notes))
                self.card_note.setVisible(True)
            self._existing = read.patient_ids[0]
            self.message.setText(self.tr("ผู้ถือบัตรนี้ลงทะเบียนไว้แล้ว"))
            self.open_existing.setVisible(True)
            self.open_existing.setFocus()
            return
        self.set_form(read.form)
        notes += [pick(thai, english) for thai, english in read.unmatched]
        notes.insert(0, self.tr("กรอกจากบัตรประชาชนแล้ว ตรวจแล้วกดบันทึก"))
        self.card_note.setText("\n".join(notes))
        self.card_note.setVisible(True)
        self.open_existing.setVisible(False)
        self.message.setText("")
        self.save.setFocus()

    def _on_save_clicked(self) -> None:
        form, confirmed = self.form(), self._confirmed
        if self.patient_id is not None:
            pid = self.patient_id
            self.worker.submit(lambda unit, _p: ("updated", unit.patients.update(pid, form)), on_done=self._on_saved,
                               on_error=lambda e: show_error(self, e))
            return

        def work(unit: UnitSession, _p: Any) -> Any:
            service = unit.patients
            twins = service.duplicates(form)
            if twins and not confirmed:
                return ("duplicates", twins)
            try:
                return ("saved", service.register(form, allow_duplicates=True))
            except AlreadyRegisteredError as exc:  # one citizen ID, one patient: offer the record
                return ("existing", exc.patient)

        self.worker.submit(work, on_done=self._on_saved, on_error=lambda e: show_error(self, e))

    def _on_saved(self, result: tuple[str, Any]) -> None:
        kind, value = result
        if kind == "updated":
            patient = self.bus.result(value, self)
            self.message.setText(self.tr("บันทึกการแก้ไขแล้ว (รอส่งเมื่อออนไลน์)"))
            self.patient_updated.emit(patient["id"])
            return
        if kind == "existing":
            self._existing = value["id"]
            self.message.setText(self.tr("เลขประจำตัวประชาชนนี้ลงทะเบียนไว้แล้ว: {name} (HN {hn}) ไม่ได้บันทึกซ้ำ").format(
                name=(value.get("name") or [{}])[0].get("text", ""), hn=_hn_of(value)))
            self.open_existing.setVisible(True)
            self.open_existing.setFocus()
            return
        self.open_existing.setVisible(False)
        if kind == "duplicates":
            self.duplicates.clear()
            for p in value:
                born = format_when(p.get("birthDate", "?"))
                self.duplicates.addItem(self.tr("{name}  เกิด {born}").format(name=p["name"][0].get("text", ""),
                                                                              born=born))
            self.message.setText(self.tr("พบผู้ป่วยที่อาจซ้ำ ตรวจรายชื่อด้านบน แล้วกดบันทึกอีกครั้งถ้าเป็นคนละคน"))
            self._confirmed = True
            return
        self.duplicates.clear()
        self._confirmed = False
        value = self.bus.result(value, self)
        hn = _hn_of(value)
        self.clear()  # the next patient starts on an empty form
        self.message.setText(self.tr("บันทึกแล้ว HN {hn} (รอส่งเมื่อออนไลน์)").format(hn=hn))
        self.patient_registered.emit(value["id"])


def _hn_of(patient: dict[str, Any]) -> str:
    return next((i["value"] for i in patient.get("identifier", []) if is_local_system(i["system"], "HN")), "")


class PatientEditDialog(QDialog):
    """A patient's details to correct: the registration form filled in from the record; it
    closes once the correction is saved (problems are said as the registration form says them)."""

    updated = Signal(str)  # the patient's id

    def __init__(self, worker: DbWorker, bus: ChangeBus, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientEdit")
        self.setWindowTitle(self.tr("แก้ไขข้อมูลผู้ป่วย"))
        self.page = RegisterPage(worker, bus, patient_id=patient_id)
        self.page.setEnabled(False)  # until the details are read
        self.page.patient_updated.connect(self._on_page_patient_updated)
        layout = QVBoxLayout(self)
        layout.addWidget(self.page)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(900, 640)
        worker.submit(lambda unit, _p: unit.patients.form_of(patient_id), on_done=self._on_form_read,
                      on_error=lambda e: show_error(self, e))

    def _on_form_read(self, form: PatientForm) -> None:
        self.page.set_form(form)
        self.page.setEnabled(True)
        self.page.family_th.setFocus()

    def _on_page_patient_updated(self, patient_id: str) -> None:
        self.updated.emit(patient_id)
        self.accept()
