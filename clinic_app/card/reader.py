"""Read the Thai national ID card through PC/SC: `pyscard` over the system's smart-card
service (pcscd on Linux, the Smart Card service of Windows).

`card_state()` says what the front desk needs to know without reading anything: no reader,
no card, or a card (with its ATR, so that a card swap is seen). `read_card()` selects the
card's applet and reads every field (core/idcard.py has the commands), the photo too when
asked; it raises a KnownError a clerk can act on: no reader, no card, the card was pulled
out or could not be read (try again), a card that is not a Thai ID card. Nothing read is
logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinic_app.core import idcard
from clinic_app.core.errors import KnownError
from clinic_app.core.thai import cid_problem

log = logging.getLogger(__name__)
CONNECT_TRIES = 6  # a card just put in takes a moment to be powered: 1 s at most


class CardError(KnownError):
    code = "card"


class NoReaderError(CardError):
    code = "card-no-reader"

    def __init__(self, detail: str = "") -> None:
        super().__init__("ไม่พบเครื่องอ่านบัตร โปรดเสียบเครื่องอ่านบัตรประชาชน"
                         + (f" ({detail})" if detail else ""),
                         "No card reader found: plug in the ID card reader." + (f" ({detail})" if detail else ""))


class NoCardError(CardError):
    code = "card-none"

    def __init__(self) -> None:
        super().__init__("ยังไม่ได้เสียบบัตร โปรดเสียบบัตรประชาชนเข้าเครื่องอ่าน",
                         "No card in the reader: insert the ID card.")


class CardUnreadableError(CardError):
    code = "card-unreadable"

    def __init__(self) -> None:
        super().__init__("อ่านบัตรไม่สำเร็จ (บัตรถูกดึงออกระหว่างอ่าน หรือเสียบไม่แน่น) โปรดเสียบบัตรใหม่แล้วลองอีกครั้ง",
                         "The card could not be read (pulled out while reading, or not seated): "
                         "insert it again and try again.")


class NotThaiIdCardError(CardError):
    code = "card-not-thai-id"

    def __init__(self) -> None:
        super().__init__("บัตรนี้ไม่ใช่บัตรประจำตัวประชาชน โปรดใช้บัตรประชาชน",
                         "This card is not a Thai national ID card.")


@dataclass(frozen=True)
class CardState:
    reader: str | None  # the reader's name; None: no reader
    atr: bytes | None  # the card's answer-to-reset; None: no card
    events: int = 0  # the service's count of card events in this reader: a card swapped is a new count

    @property
    def present(self) -> bool:
        return self.atr is not None


def _pcsc() -> Any:
    try:
        from smartcard.System import readers
    except ImportError as exc:  # pyscard not installed (or its PC/SC library missing)
        raise NoReaderError("pyscard") from exc
    return readers


def card_state() -> CardState:
    """The first reader and whether a card is in it, from the smart-card service's own view
    (SCardGetStatusChange): nothing connects to the card, so a read under way is never
    disturbed."""
    _pcsc()
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return CardState(None, None)  # the smart-card service is not running
    try:
        hresult, found = scard.SCardListReaders(context, [])
        if hresult != scard.SCARD_S_SUCCESS or not found:
            return CardState(None, None)
        reader = found[0]
        hresult, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if hresult != scard.SCARD_S_SUCCESS or not states:
            return CardState(reader, None)
        _name, flags, atr = states[0]
        present = bool(flags & scard.SCARD_STATE_PRESENT) and not flags & scard.SCARD_STATE_MUTE
        return CardState(reader, bytes(atr) if present and atr else None, flags >> 16)
    finally:
        scard.SCardReleaseContext(context)


def read_card(*, photo: bool = True, progress: Callable[[int, int], None] | None = None) -> idcard.CardData:
    """Everything the card holds (the photo when asked), read over one connection."""
    try:
        found = _pcsc()()
    except NoReaderError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise NoReaderError() from exc
    if not found:
        raise NoReaderError()
    connection = found[0].createConnection()
    for attempt in range(CONNECT_TRIES):
        try:
            connection.connect()
            break
        except Exception as exc:  # noqa: BLE001 - no card, or one just put in and not powered yet
            if attempt + 1 == CONNECT_TRIES or not card_state().present:
                _close(connection)
                raise NoCardError() from exc
            time.sleep(0.2)
    try:
        atr = bytes(connection.getATR())
        steps = len(idcard.FIELDS) + (len(idcard.PHOTO_PARTS) if photo else 0)
        done = 0

        def transmit(command: bytes) -> tuple[bytes, int]:
            try:
                data, sw1, sw2 = connection.transmit(list(command))
            except Exception as exc:  # noqa: BLE001 - the card went away mid-read
                raise CardUnreadableError() from exc
            return bytes(data), (sw1 << 8) | sw2

        _data, status = transmit(idcard.SELECT)
        if status >> 8 not in (0x61, 0x90):
            raise NotThaiIdCardError()

        def read(offset: int, length: int) -> bytes:
            data, status = transmit(idcard.read_command(offset, length))
            if status >> 8 == 0x61:
                data, status = transmit(idcard.get_response(status & 0xFF or length, atr=atr))
            if status != 0x9000:
                raise CardUnreadableError()
            return data

        fields = {}
        for name, (offset, length) in idcard.FIELDS.items():
            fields[name] = read(offset, length)
            done += 1
            if progress:
                progress(done, steps)
        image = b""
        if photo:
            for offset, length in idcard.PHOTO_PARTS:
                image += read(offset, length)
                done += 1
                if progress:
                    progress(done, steps)
        data = idcard.card_data(fields, image)
        if cid_problem(data.cid) is not None:  # a garbled read must not open another person's chart
            raise CardUnreadableError()
        log.info("read an ID card")  # never what it holds
        return data
    finally:
        _close(connection)


def _close(connection: Any) -> None:
    for step in ("disconnect", "release"):
        try:
            getattr(connection, step, lambda: None)()
        except Exception:  # noqa: BLE001 - already gone with the card
            pass
