"""The national ID card at the front desk: read it, find the patient it names, or fill the
registration form from it.

`CardDesk.read()` reads the card in the reader (clinic_app.card; the photo only when the unit
keeps photos: the `card_photo` setting, off by default) and answers a `CardRead`: the card's
data, the patients registered here with its citizen ID, the registration form filled from it,
and what could not be filled. The address is matched to the DOPA code list by the names on
the card (province, then district, then subdistrict); a part that matches nothing is left
for the person, and said. An expired card is said, not refused. Nothing read is logged.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core import idcard, places
from clinic_app.core.permissions import Actor, require
from clinic_app.services.patients import PatientForm



@dataclass(frozen=True)
class CardRead:
    data: idcard.CardData
    patient_ids: list[str]  # registered here with the card's citizen ID (normally one, or none)
    form: PatientForm  # the registration form as the card fills it
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (Thai, English) parts left for the person
    expired: bool = False
    keep_photo: bool = False  # the unit keeps photos: the form's photo is stored with the patient

    def summary(self) -> dict[str, Any]:
        """What the card holds, as the command line prints it (the photo aside)."""
        d = self.data
        return {
            "cid": d.cid,
            "name_th": {"prefix": d.name_th.prefix, "given": d.name_th.given, "middle": d.name_th.middle,
                        "family": d.name_th.family},
            "name_en": {"prefix": d.name_en.prefix, "given": d.name_en.given, "middle": d.name_en.middle,
                        "family": d.name_en.family},
            "birth_date": d.birth.isoformat() if d.birth else None, "birth_date_be": d.birth_text,
            "sex": d.sex,
            "address": {"house": d.address.house, "moo": d.address.moo, "lane": d.address.lane, "road": d.address.road,
                        "subdistrict": d.address.subdistrict, "district": d.address.district,
                        "province": d.address.province, "subdistrict_code": self.form.subdistrict_code or None},
            "issuer": d.issuer, "issued": d.issued.isoformat() if d.issued else None,
            "expires": d.expires.isoformat() if d.expires else None, "expired": self.expired,
            "photo_bytes": len(d.photo),
            "registered_here": len(self.patient_ids),
        }


def _find(areas: list[places.Area], name: str) -> places.Area | None:
    wanted = idcard.without_words(name)
    return next((a for a in areas if idcard.without_words(a.name_th) == wanted), None) if wanted else None


def match_address(address: idcard.CardAddress) -> tuple[str, list[tuple[str, str]]]:
    """The DOPA subdistrict code of the card's address ("" when it does not come down to one),
    and the parts that matched nothing (Thai, English)."""
    province = _find(places.provinces(), address.province)
    if province is None:
        return "", [(f"จังหวัด \u201c{address.province}\u201d ไม่ตรงกับรายชื่อจังหวัด โปรดเลือกเอง",
                     f"The province \u201c{address.province}\u201d matches no province: choose it.")]
    district = _find(places.districts(province.code), address.district)
    if district is None:
        return "", [(f"อำเภอ \u201c{address.district}\u201d ไม่พบใน{province.name_th} โปรดเลือกอำเภอและตำบลเอง",
                     f"The district \u201c{address.district}\u201d is not in {province.name_en}: choose the "
                     "district and subdistrict.")]
    subdistrict = _find(places.subdistricts(district.code), address.subdistrict)
    if subdistrict is None:
        return "", [(f"ตำบล \u201c{address.subdistrict}\u201d ไม่พบใน{district.name_th} โปรดเลือกตำบลเอง",
                     f"The subdistrict \u201c{address.subdistrict}\u201d is not in {district.name_en}: choose it.")]
    return subdistrict.code, []


def registration_form(data: idcard.CardData, *, keep_photo: bool = False) -> tuple[PatientForm, list[tuple[str, str]]]:
    """The registration form as the card fills it, and what it could not fill."""
    code, unmatched = match_address(data.address)
    digits = data.birth_text if len(data.birth_text) == 8 and data.birth_text.isdigit() else ""
    year, month, day = (int(digits[:4]), int(digits[4:6]), int(digits[6:])) if digits else (0, 0, 0)
    if not year:
        unmatched.append(("วันเกิดบนบัตรอ่านไม่ได้ โปรดกรอกเอง", "The birth date on the card is unreadable: type it."))
    given_th = " ".join(p for p in (data.name_th.given, data.name_th.middle) if p)
    given_en = " ".join(p for p in (data.name_en.given, data.name_en.middle) if p)
    form = PatientForm(
        given_th=given_th, family_th=data.name_th.family, sex=data.sex, birth_day=day if month else 0,
        birth_month=month, birth_year_be=year, cid=data.cid, prefix=data.name_th.prefix, given_en=given_en,
        family_en=data.name_en.family, house=data.address.house, moo=data.address.moo, subdistrict_code=code,
        postal_code=places.postal_code(code) if code else "", photo=data.photo if keep_photo else b"")
    return form, unmatched


class CardDesk:
    """Reading the ID card for one unit session (the store's settings and patients)."""

    def __init__(self, store: Any, *, actor: Actor) -> None:
        self.store = store
        self.actor = actor

    def keeps_photos(self) -> bool:
        return bool(self.store.settings.get("card_photo"))

    def read(self, *, photo: bool | None = None, progress: Callable[[int, int], None] | None = None,
             today: _dt.date | None = None) -> CardRead:
        """Read the card in the reader (off the window's thread: it takes a second or two).
        The photo is read when asked (`photo`), else when the unit keeps photos; the form
        carries it only when the unit keeps them."""
        require(self.actor, "record.read")
        keep = self.keeps_photos()
        data = read_card_data(photo=keep if photo is None else photo, progress=progress)
        return self.interpret(data, keep_photo=keep, today=today)

    def interpret(self, data: idcard.CardData, *, keep_photo: bool = False,
                  today: _dt.date | None = None) -> CardRead:
        from clinic_app.core.thai import normalise_cid

        require(self.actor, "record.read")
        form, unmatched = registration_form(data, keep_photo=keep_photo)
        found = [p["id"] for p in self.store.find_patients("cid", normalise_cid(data.cid))]
        return CardRead(data=data, patient_ids=found, form=form, unmatched=unmatched,
                        expired=data.expired(today or _dt.date.today()), keep_photo=keep_photo)



def card_state() -> Any:
    """The reader's state for the front desk (no reader, no card, a card): no command is sent,
    no database touched (the window's card watcher asks it twice a second)."""
    from clinic_app.card.reader import card_state as state

    return state()


def read_card_data(*, photo: bool, progress: Callable[[int, int], None] | None = None) -> idcard.CardData:
    """The card read, nothing more (no database: the window reads it on its network worker,
    then `CardDesk.interpret` on its database worker)."""
    from clinic_app.card.reader import read_card

    return read_card(photo=photo, progress=progress)
