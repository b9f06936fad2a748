"""Record an allergy on the chart: what the patient is allergic to (written freely, or a
drug of the unit's list), the reaction seen, and how certain and how severe it is in the
MoPH codes (43-file DRUGALLERGY: certainty TYPEDX 1-5, severity ALEVEL 1-7) in Thai words.

The dialog only collects and shows: the chart saves (`save_requested`, then `saved()` or
`refused(error)` with the service's problems beside the fields). No database, no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from clinic_app.core.errors import KnownError
from clinic_app.core.identifiers import ALLERGY_CERTAINTY_EXTENSION, ALLERGY_SEVERITY_EXTENSION
from clinic_app.services.formulary import Drug
from clinic_app.ui.widgets import show_problems


def certainty_names() -> dict[str, str]:
    """The MoPH certainty codes (43-file TYPEDX) in the window's language."""
    return {"1": QCoreApplication.translate("Allergy", "แน่นอน"),
            "2": QCoreApplication.translate("Allergy", "น่าจะใช่"),
            "3": QCoreApplication.translate("Allergy", "อาจจะใช่"),
            "4": QCoreApplication.translate("Allergy", "ไม่น่าใช่"),
            "5": QCoreApplication.translate("Allergy", "ไม่สามารถจำแนกได้")}


def severity_names() -> dict[str, str]:
    """The MoPH severity codes (43-file ALEVEL) in the window's language."""
    return {"1": QCoreApplication.translate("Allergy", "ไม่ร้ายแรง"),
            "2": QCoreApplication.translate("Allergy", "ร้ายแรง-เสียชีวิต"),
            "3": QCoreApplication.translate("Allergy", "ร้ายแรง-อันตรายถึงชีวิต"),
            "4": QCoreApplication.translate("Allergy", "ร้ายแรง-ต้องนอนโรงพยาบาล"),
            "5": QCoreApplication.translate("Allergy", "ร้ายแรง-ทำให้นอนโรงพยาบาลนานขึ้น"),
            "6": QCoreApplication.translate("Allergy", "ร้ายแรง-พิการ"),
            "7": QCoreApplication.translate("Allergy", "ร้ายแรง-ความผิดปกติแต่กำเนิด")}


def _extension_code(resource: dict[str, Any], url: str) -> str:
    return next((str(c.get("code")) for e in resource.get("extension") or [] if e.get("url") == url
                 for c in (e.get("valueCodeableConcept") or {}).get("coding") or []), "")


def allergy_text(allergy: dict[str, Any]) -> str:
    """One allergy as the chart's header says it: "Penicillin (ผื่นลมพิษ, ไม่ร้ายแรง)"."""
    substance = (allergy.get("code") or {}).get("text") or next(
        (c.get("display") or c.get("code") for c in (allergy.get("code") or {}).get("coding") or []), "?")
    reactions = [m.get("text") or next((c.get("display") for c in m.get("coding") or [] if c.get("display")), "")
                 for r in allergy.get("reaction") or [] for m in r.get("manifestation") or []]
    severity = severity_names().get(_extension_code(allergy, ALLERGY_SEVERITY_EXTENSION), "")
    if not severity and allergy.get("criticality") == "high":
        severity = QCoreApplication.translate("Allergy", "อันตรายสูง")
    said = [r for r in reactions if r] + ([severity] if severity else [])
    return f"{substance} ({', '.join(said)})" if said else str(substance)


def allergy_certainty(allergy: dict[str, Any]) -> str:
    return certainty_names().get(_extension_code(allergy, ALLERGY_CERTAINTY_EXTENSION), "")


@dataclass
class AllergyEntry:
    """What the dialog collected, as `VisitService.add_allergy` takes it."""

    substance: str
    reaction: str = ""
    certainty: str = "2"
    severity: str = "1"
    drug_code: str = ""


class AllergyDialog(QDialog):
    """What the patient is allergic to, the reaction, certainty and severity. It closes only
    once the allergy is saved; refused, it keeps what was typed and says why beside the fields."""

    save_requested = Signal(object)  # [AllergyEntry]: the chart saves it and calls saved() or refused()

    def __init__(self, drugs: list[Drug], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allergyDialog")
        self.setWindowTitle(self.tr("บันทึกการแพ้ยา/สาร"))
        form = QFormLayout(self)
        self.drug = QComboBox()
        self.drug.setObjectName("allergyDrug")
        self.drug.setAccessibleName(self.tr("เลือกยาจากบัญชียาของหน่วย"))
        self.drug.addItem(self.tr("- ไม่เลือก (พิมพ์ชื่อสิ่งที่แพ้เอง) -"), "")
        self._names: dict[str, str] = {}
        for drug in drugs:
            self.drug.addItem(drug.label(), drug.code)
            self._names[drug.code] = f"{drug.name} {drug.strength}".strip()
        self.drug.currentIndexChanged.connect(self._on_drug_current_index_changed)
        form.addRow(self.tr("ยาในบัญชียา"), self.drug)
        self.substance = QLineEdit()
        self.substance.setObjectName("allergySubstance")
        self.substance.setAccessibleName(self.tr("สิ่งที่แพ้"))
        self.substance.setPlaceholderText(self.tr("ชื่อยาหรือสารที่แพ้ เช่น Penicillin, อาหารทะเล"))
        form.addRow(self.tr("สิ่งที่แพ้"), self.substance)
        self.reaction = QLineEdit()
        self.reaction.setObjectName("allergyReaction")
        self.reaction.setAccessibleName(self.tr("อาการที่แพ้"))
        self.reaction.setPlaceholderText(self.tr("เช่น ผื่นลมพิษ ตาบวม หายใจลำบาก"))
        form.addRow(self.tr("อาการที่แพ้"), self.reaction)
        self.certainty = QComboBox()
        self.certainty.setObjectName("allergyCertainty")
        self.certainty.setAccessibleName(self.tr("ความแน่นอน"))
        for code, name in certainty_names().items():
            self.certainty.addItem(f"{code} {name}", code)
        self.certainty.setCurrentIndex(self.certainty.findData("2"))
        form.addRow(self.tr("ความแน่นอน"), self.certainty)
        self.severity = QComboBox()
        self.severity.setObjectName("allergySeverity")
        self.severity.setAccessibleName(self.tr("ความรุนแรง"))
        for code, name in severity_names().items():
            self.severity.addItem(f"{code} {name}", code)
        form.addRow(self.tr("ความรุนแรง"), self.severity)
        self.problems = QLabel()
        self.problems.setObjectName("allergyProblems")
        self.problems.setStyleSheet("color:#b00020;")
        self.problems.setWordWrap(True)
        self.problems.setVisible(False)
        form.addRow(self.problems)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._fields: dict[str, QWidget] = {"substance": self.substance, "reaction": self.reaction,
                                            "certainty": self.certainty, "severity": self.severity}
        self._labels = {"substance": self.tr("สิ่งที่แพ้"), "reaction": self.tr("อาการที่แพ้"),
                        "certainty": self.tr("ความแน่นอน"), "severity": self.tr("ความรุนแรง")}
        self.resize(520, self.sizeHint().height())

    def _on_drug_current_index_changed(self, _index: int) -> None:
        """A drug picked from the list names the substance (which can still be changed)."""
        code = self.drug.currentData() or ""
        if code:
            self.substance.setText(self._names.get(code, ""))

    def entry(self) -> AllergyEntry:
        return AllergyEntry(substance=self.substance.text(), reaction=self.reaction.text(),
                            certainty=self.certainty.currentData() or "", severity=self.severity.currentData() or "",
                            drug_code=self.drug.currentData() or "")

    def accept(self) -> None:  # Enter or Save: ask to save; the dialog closes once it is saved
        self.buttons.setEnabled(False)
        self.save_requested.emit([self.entry()])

    def saved(self) -> None:
        super().accept()

    def refused(self, error: KnownError) -> None:
        """Say why beside the fields; everything typed stays."""
        self.buttons.setEnabled(True)
        show_problems(error, self._fields, self.problems, labels=self._labels)
