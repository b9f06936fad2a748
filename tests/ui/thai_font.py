"""Whether the window really draws Thai: a font from fonts-thai-tlwg (installer/system-
packages.sh) is installed, the application's font resolves to a family that writes Thai,
and every glyph of a Thai sample (consonants, vowels above and below, tone marks, digits)
is in it. Without a Thai font Qt draws empty boxes, and a screenshot of boxes is as large
as one of letters, so a PNG's size proves nothing."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics, QRawFont

# The families of Debian's fonts-thai-tlwg (installer/system-packages.sh installs it).
TLWG = {"Garuda", "Kinnari", "Laksaman", "Loma", "Norasi", "Purisa", "Sawasdee", "Tlwg Mono",
        "Tlwg Typewriter", "Tlwg Typist", "Tlwg Typo", "Umpush", "Waree"}
# Words from the screens: above and below vowels, tone marks, sara am, Thai digits.
SAMPLE = "ผู้ป่วย รอส่ง ออนไลน์ สมศรี มีสุข ไข้ ไอ เจ็บคอ ซิงก์ ฤๅษี ฯลฯ ๐๑๒๓๔๕๖๗๘๙ กำ"


def thai_font_problems(font: QFont) -> list[str]:
    """What keeps `font` from drawing Thai ([] when nothing does)."""
    thai = set(QFontDatabase.families(QFontDatabase.WritingSystem.Thai))
    if not thai & TLWG:
        return [f"no font of fonts-thai-tlwg is installed (Thai families: {sorted(thai) or 'none'}); "
                "run installer/system-packages.sh"]
    problems = []
    chosen = QFontInfo(font).family()
    if chosen not in thai:
        problems.append(f"the font resolves to {chosen!r}, which does not write Thai")
    raw = QRawFont.fromFont(font, QFontDatabase.WritingSystem.Thai)
    if not raw.isValid() or raw.familyName() not in thai:
        problems.append(f"Qt picks {raw.familyName()!r} for Thai text")
    metrics = QFontMetrics(font)
    missing = sorted({ch for ch in SAMPLE if not ch.isspace()
                      and not (raw.supportsCharacter(ord(ch)) and metrics.inFontUcs4(ord(ch)))})
    if missing:
        problems.append(f"no glyph for {''.join(missing)!r} in {raw.familyName()!r}")
    return problems
