"""The Thai national ID card (บัตรประจำตัวประชาชน): its applet's commands and what they answer.

The card is a smart card whose applet (AID A0 00 00 00 54 48 00 01, the Ministry of
Interior's) answers READ BINARY commands (`80 B0 <offset> 02 00 <length>`) at fixed offsets;
the layout is publicly documented (chakphanu/ThaiNationalIDCard, APDU.md, the source used
here, and the readers built on it). Text is TIS-620, fields of a name or an address are
separated by `#` and padded with spaces; dates are YYYYMMDD in the Buddhist era; sex is
1 (male) or 2 (female); the photo is a JPEG read in 20 parts of 255 bytes.

This module is pure: the commands to send and how to read the answers. Talking to a reader
is `clinic_app.card` (PC/SC).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

AID = bytes.fromhex("A000000054480001")
SELECT = bytes.fromhex("00A4040008") + AID


def read_command(offset: int, length: int) -> bytes:
    """READ BINARY of `length` bytes at `offset` of the applet's file."""
    return bytes([0x80, 0xB0, offset >> 8, offset & 0xFF, 0x02, 0x00, length])


def get_response(length: int, *, atr: bytes = b"") -> bytes:
    """GET RESPONSE for `length` waiting bytes (cards whose ATR starts 3B 67 want P2 = 01)."""
    return bytes([0x00, 0xC0, 0x00, 0x01 if atr[:2] == b"\x3b\x67" else 0x00, length])


# (offset, length) of each field on the card
CID = (0x0004, 0x0D)
NAME_TH = (0x0011, 0x64)
NAME_EN = (0x0075, 0x64)
BIRTH = (0x00D9, 0x08)
SEX = (0x00E1, 0x01)
ISSUER = (0x00F6, 0x64)
ISSUED = (0x0167, 0x08)
EXPIRES = (0x016F, 0x08)
ADDRESS = (0x1579, 0x64)
PHOTO_PARTS = [(0x017B + i * 0xFF, 0xFF) for i in range(20)]
FIELDS = {"cid": CID, "name_th": NAME_TH, "name_en": NAME_EN, "birth": BIRTH, "sex": SEX, "issuer": ISSUER,
          "issued": ISSUED, "expires": EXPIRES, "address": ADDRESS}


@dataclass(frozen=True)
class CardName:
    prefix: str = ""
    given: str = ""
    middle: str = ""
    family: str = ""


@dataclass(frozen=True)
class CardAddress:
    """The card's address as it is printed: house number, village (หมู่ที่), lane (ตรอก and ซอย), road, and
    the subdistrict, district and province with their Thai words (ตำบล/แขวง, อำเภอ/เขต,
    จังหวัด) taken off."""

    house: str = ""
    moo: str = ""
    lane: str = ""
    road: str = ""
    subdistrict: str = ""
    district: str = ""
    province: str = ""

    def line(self) -> str:
        """The street part on one line, as a form's address line takes it."""
        parts = [self.house, f"หมู่ที่ {self.moo}" if self.moo else "", self.lane, self.road]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class CardData:
    cid: str
    name_th: CardName
    name_en: CardName
    birth: _dt.date | None  # None: the card holds a year or month only (an unknown day: 00)
    birth_text: str  # as the card has it, Buddhist era
    sex: str  # "male", "female" or "unknown"
    address: CardAddress
    issuer: str
    issued: _dt.date | None
    expires: _dt.date | None  # None: a card for life (no expiry)
    photo: bytes = field(default=b"", repr=False)

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and self.expires < today


def text(raw: bytes) -> str:
    """A card field as text: TIS-620, padding and NULs taken off."""
    return raw.rstrip(b"\x00 ").decode("tis-620", errors="replace").strip()


def name(raw: bytes) -> CardName:
    parts = [p.strip() for p in text(raw).split("#")] + ["", "", "", ""]
    return CardName(prefix=parts[0], given=parts[1], middle=parts[2], family=parts[3])


def date_be(raw: bytes) -> _dt.date | None:
    """YYYYMMDD in the Buddhist era; None for a blank, a 99999999 (no expiry) or a date
    with an unknown day or month (00)."""
    digits = text(raw)
    if len(digits) != 8 or not digits.isdigit() or digits in ("99999999", "00000000"):
        return None
    try:
        return _dt.date(int(digits[:4]) - 543, int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


AREA_WORDS = {"subdistrict": ("ตำบล", "แขวง"), "district": ("อำเภอ", "เขต"), "province": ("จังหวัด",)}
MOO_WORDS = ("หมู่ที่", "หมู่")


def without_words(value: str, words: tuple[str, ...] | None = None) -> str:
    """A name with its leading word taken off (ตำบล, อำเภอ, จังหวัด...; any area word when
    `words` is not given)."""
    value = value.strip()
    for word in words if words is not None else tuple(w for ws in AREA_WORDS.values() for w in ws):
        if value.startswith(word):
            return value[len(word):].strip()
    return value


def address(raw: bytes) -> CardAddress:
    """`house#หมู่ที่ n#ตรอก#ซอย#ถนน#ตำบลX#อำเภอY#จังหวัดZ` by position; a card with fewer
    fields: its last three (trailing empty ones aside) are the subdistrict, district and
    province, what comes before them the street."""
    fields = [f.strip() for f in text(raw).split("#")]
    if len(fields) >= 8:  # the documented eight
        street, areas = fields[:5], fields[5:8]
    else:
        rest = list(fields)
        while rest and not rest[-1]:
            rest.pop()
        street, areas = rest[:-3] if len(rest) > 3 else [], (["", "", ""] + rest)[-3:]
    house, moo, trok, soi, road = (street + ["", "", "", "", ""])[:5]
    subdistrict, district, province = areas
    return CardAddress(house=house, moo=without_words(moo, MOO_WORDS), lane=" ".join(p for p in (trok, soi) if p),
                       road=road, subdistrict=without_words(subdistrict, AREA_WORDS["subdistrict"]),
                       district=without_words(district, AREA_WORDS["district"]),
                       province=without_words(province, AREA_WORDS["province"]))


def sex(raw: bytes) -> str:
    return {"1": "male", "2": "female"}.get(text(raw), "unknown")


def card_data(fields: dict[str, bytes], photo: bytes = b"") -> CardData:
    """What the card holds, from the raw answers to FIELDS (and the photo's parts joined)."""
    return CardData(
        cid=text(fields["cid"]), name_th=name(fields["name_th"]), name_en=name(fields["name_en"]),
        birth=date_be(fields["birth"]), birth_text=text(fields["birth"]), sex=sex(fields["sex"]),
        address=address(fields["address"]), issuer=text(fields["issuer"]), issued=date_be(fields["issued"]),
        expires=date_be(fields["expires"]), photo=photo.rstrip(b"\x00") if photo else b"")
