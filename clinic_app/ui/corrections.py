"""Corrections in words: a record's history from the audit trail as people read it (who,
when, what was done; which parts a correction changed, named in words, never values), the
names of the 43-file diagnosis types, and the dialog that asks why a visit was entered in
error before it is marked so.

Only shows and collects: the chart runs the use cases on the worker (`VoidDialog` follows
the forms' contract: `void_requested`, then `saved()` or `refused(error)`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.ui.i18n import english, format_moment
from clinic_app.ui.widgets import both_languages


def diagtype_name(code: str) -> str:
    """A diagnosis's 43-file DIAGTYPE (1-5) in words."""
    return {"1": QCoreApplication.translate("Corrections", "การวินิจฉัยหลัก"),
            "2": QCoreApplication.translate("Corrections", "โรคร่วม"),
            "3": QCoreApplication.translate("Corrections", "โรคแทรกซ้อน"),
            "4": QCoreApplication.translate("Corrections", "อื่น ๆ"),
            "5": QCoreApplication.translate("Corrections", "สาเหตุภายนอก")}.get(code, code)


def changed_name(name: str) -> str:
    """What a correction changed, as the audit entry names it, in words."""
    return {"complaint": QCoreApplication.translate("Corrections", "อาการสำคัญ"),
            "note": QCoreApplication.translate("Corrections", "บันทึกเพิ่มเติม"),
            "readings": QCoreApplication.translate("Corrections", "สัญญาณชีพ"),
            "diagnoses": QCoreApplication.translate("Corrections", "การวินิจฉัย"),
            "drugs": QCoreApplication.translate("Corrections", "ยา"),
            "vaccine": QCoreApplication.translate("Corrections", "วัคซีน"),
            "procedures": QCoreApplication.translate("Corrections", "หัตถการ"),
            "name": QCoreApplication.translate("Corrections", "ชื่อ-สกุล"),
            "gender": QCoreApplication.translate("Corrections", "เพศ"),
            "birthDate": QCoreApplication.translate("Corrections", "วันเกิด"),
            "identifier": QCoreApplication.translate("Corrections", "เลขประจำตัว"),
            "address": QCoreApplication.translate("Corrections", "ที่อยู่"),
            "telecom": QCoreApplication.translate("Corrections", "โทรศัพท์"),
            "right": QCoreApplication.translate("Corrections", "สิทธิการรักษา")}.get(name, name)


def action_text(entry: dict[str, Any]) -> str:
    """What one audit entry of a record says was done, in words."""
    action, detail = entry["action"], entry.get("detail") or {}
    if action in ("correct-visit", "update-patient"):
        changed = [changed_name(n) for n in detail.get("changed") or []]
        if not changed:
            return QCoreApplication.translate("Corrections", "บันทึกซ้ำ ไม่มีสิ่งใดเปลี่ยน")
        return QCoreApplication.translate("Corrections", "แก้ไข: {parts}").format(parts=", ".join(changed))
    if action == "void-visit":
        return QCoreApplication.translate("Corrections", "ทำเครื่องหมายบันทึกผิดพลาด เหตุผล: {reason}").format(
            reason=detail.get("reason") or "-")
    text = {"record-visit": QCoreApplication.translate("Corrections", "บันทึกการรับบริการ"),
            "check-in": QCoreApplication.translate("Corrections", "ลงทะเบียนมารับบริการ"),
            "open-visit": QCoreApplication.translate("Corrections", "เริ่มตรวจ"),
            "cancel-visit": QCoreApplication.translate("Corrections", "ยกเลิก (กลับก่อนได้รับบริการ)"),
            "register": QCoreApplication.translate("Corrections", "ลงทะเบียนผู้ป่วย"),
            "add-allergy": QCoreApplication.translate("Corrections", "บันทึกการแพ้")}.get(action, action)
    if detail.get("allergy_override"):
        text += " " + QCoreApplication.translate("Corrections", "(จ่ายยาที่แพ้ เหตุผล: {reason})").format(
            reason=detail.get("allergy_reason") or "-")
    return text


def who_text(entry: dict[str, Any]) -> str:
    who, actor = entry.get("who") or entry["actor"], entry["actor"]
    return who if who == actor else f"{who} ({actor})"


def history_text(entries: list[dict[str, Any]]) -> str:
    """One line per audit entry, oldest first: when, who, what."""
    return "\n".join(QCoreApplication.translate("Corrections", "{when}  {who}  {what}").format(
        when=format_moment(e["at"]), who=who_text(e), what=action_text(e)) for e in entries)


class VoidDialog(QDialog):
    """Why the visit was entered in error (required): marked so, it is kept but leaves the
    chart and the lists. Closes once the chart says it is done."""

    void_requested = Signal(object)  # [the reason]

    def __init__(self, when: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voidDialog")
        self.setWindowTitle(self.tr("บันทึกผิดพลาด (ยกเลิกการรับบริการ)"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("การรับบริการวันที่ {when} จะถูกทำเครื่องหมายว่าบันทึกผิดพลาด ข้อมูลยังเก็บไว้ "
                               "แต่ไม่แสดงในแฟ้มและรายการต่าง ๆ โปรดระบุเหตุผล").format(when=format_moment(when)))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("voidReason")
        self.reason.setAccessibleName(self.tr("เหตุผลที่บันทึกผิดพลาด"))
        self.reason.setPlaceholderText(self.tr("เช่น บันทึกผิดคน บันทึกซ้ำ"))
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(80)
        layout.addWidget(self.reason)
        self.problems = QLabel()
        self.problems.setObjectName("voidProblems")
        self.problems.setStyleSheet("color:#b00020;")
        self.problems.setWordWrap(True)
        self.problems.setVisible(False)
        layout.addWidget(self.problems)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.addButton(self.tr("ยืนยันบันทึกผิดพลาด"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setObjectName("confirmVoid")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())

    def accept(self) -> None:
        self.buttons.setEnabled(False)
        self.void_requested.emit([self.reason.toPlainText()])

    def saved(self) -> None:
        super().accept()

    def refused(self, error: KnownError) -> None:
        self.buttons.setEnabled(True)
        lang = "en" if english() else "th"
        problems = error.problems if isinstance(error, InvalidInputError) else []
        for problem in problems:  # the message itself says what the reason lacks
            if problem.path == "reason":
                self.reason.setStyleSheet("border: 2px solid #b00020;")
                self.reason.setToolTip(problem.reason_in(lang))
        self.problems.setText(both_languages(error))
        self.problems.setVisible(True)
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width())))
        self.reason.setFocus()
