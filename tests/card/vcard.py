"""A virtual Thai national ID card for the tests, on the real PC/SC stack.

pcscd runs with the `vpcd` reader driver (Debian `vsmartcard-vpcd`), a virtual reader that
listens on TCP port 35963 for a card. `VirtualCard.insert()` connects to it as the card side
(what `vsmartcard-vpicc` does) and answers over vpcd's documented socket protocol: each
message is a 2-byte big-endian length and a payload; a 1-byte payload is a control (0 power
off, 1 power on, 2 reset, 4 "your ATR?", answered with the ATR), anything longer is a
command APDU, answered with the response APDU. `remove()` closes the socket: the card is
pulled out. The card answers the applet's documented commands (core/idcard.py) with a
made-up person: TIS-620 names and address, Buddhist-era dates, a small JPEG photo.
`pull_after` pulls the card out after that many commands (mid-read); `thai=False` makes a
card that is not a Thai ID card (its SELECT answers 6A 82, file not found).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from clinic_app.core import idcard

VPCD_PORT = 35963
ATR = bytes.fromhex("3B0454484944")  # TS, T0 (4 historical bytes), "THID"


def tiny_jpeg() -> bytes:
    """A real small JPEG (a face-coloured square), written by Qt's JPEG plugin."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(48, 60, QImage.Format.Format_RGB32)
    image.fill(QColor(214, 170, 140))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "JPG")
    return bytes(data.data())


@dataclass
class Person:
    cid: str = "1101700203450"
    name_th: str = "นาง#สมศรี##ใจดี"
    name_en: str = "Mrs.#Somsri##Jaidee"
    birth: str = "25200314"  # 14 March 1977
    sex: str = "2"
    issuer: str = "ท้องถิ่นเขตบางรัก/กรุงเทพมหานคร"
    issued: str = "25650101"
    expires: str = "25730313"
    address: str = "99/1#หมู่ที่ 4####ตำบลบ้านเป็ด#อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น"
    photo: bytes = field(default_factory=tiny_jpeg)

    def image(self) -> bytes:
        """The applet's file as the card holds it."""
        data = bytearray(b" " * (idcard.ADDRESS[0] + idcard.ADDRESS[1]))
        for name, (offset, length) in idcard.FIELDS.items():
            raw = str(getattr(self, name)).encode("tis-620")[:length]
            data[offset:offset + length] = raw.ljust(length, b" ")
        start = idcard.PHOTO_PARTS[0][0]
        size = sum(length for _o, length in idcard.PHOTO_PARTS)
        data[start:start + size] = self.photo[:size].ljust(size, b"\x00")
        return bytes(data)


class VirtualCard:
    def __init__(self, person: Person | None = None, *, thai: bool = True, pull_after: int | None = None,
                 port: int = VPCD_PORT) -> None:
        self.person = person or Person()
        self.thai = thai
        self.pull_after = pull_after
        self.port = port
        self.commands = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._image = self.person.image()
        self._waiting = b""

    def insert(self, *, seen: bool = True) -> VirtualCard:
        """Put the card in; with `seen`, until pcscd says a card is present. (vpcd now and then
        misses a card that connects just after one was pulled out mid-read: it is put in again,
        as a person would, up to three times.)"""
        from clinic_app.card.reader import card_state

        for _attempt in range(3):
            self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            self._sock.settimeout(None)
            self._thread = threading.Thread(target=self._serve, name="virtual-thai-id-card", daemon=True)
            self._thread.start()
            if not seen:
                return self
            end = time.monotonic() + 4
            while time.monotonic() < end:
                if card_state().present:
                    return self
                time.sleep(0.05)
            self.remove()
            time.sleep(0.5)
        raise AssertionError("pcscd never saw the virtual card")

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self) -> None:
        sock = self._sock
        try:
            while sock is not None:
                head = self._read(sock, 2)
                if head is None:
                    return
                (length,) = struct.unpack(">H", head)
                payload = self._read(sock, length)
                if payload is None:
                    return
                if length == 1:
                    if payload[0] == 4:
                        sock.sendall(struct.pack(">H", len(ATR)) + ATR)
                    continue
                self.commands += 1
                answer = self.answer(payload)
                sock.sendall(struct.pack(">H", len(answer)) + answer)
                if self.pull_after is not None and self.commands >= self.pull_after:
                    # pulled out between two commands: the reader finds no card for the next
                    threading.Thread(target=self.remove, daemon=True).start()
                    return
        except OSError:
            return

    @staticmethod
    def _read(sock: socket.socket, n: int) -> bytes | None:
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def answer(self, apdu: bytes) -> bytes:
        if apdu[:4] == bytes.fromhex("00A40400"):
            if not self.thai or apdu[5:5 + apdu[4]] != idcard.AID:
                return bytes.fromhex("6A82")
            return bytes.fromhex("610A")
        if apdu[:2] == bytes.fromhex("80B0") and len(apdu) == 7:
            offset, length = (apdu[2] << 8) | apdu[3], apdu[6]
            self._waiting = self._image[offset:offset + length].ljust(length, b"\x00")
            return bytes([0x61, length])
        if apdu[:2] == bytes.fromhex("00C0"):
            data, self._waiting = self._waiting[:apdu[4]], b""
            return data + bytes.fromhex("9000")
        return bytes.fromhex("6D00")  # instruction not supported
