"""The window's language: Thai by default, English on request.

The window's own words are written in Thai in the source, wrapped in `self.tr()` (or
`translate(context, text)` outside a widget); `resources/i18n/clinic_app_en.ts` holds their
English, and `clinic_app_en.qm` is what Qt loads (made from the .ts by `pyside6-lrelease`;
`tests/ui/test_i18n.py` checks that it is current and complete). Data that already
carries both languages (an error, an ICD-10 title, a place name) is chosen with `pick`.

The choice is stored per user with QSettings (the registry on Windows, ~/.config on
Linux) and applies from the next start of the window; `CLINIC_APP_LANG=en|th` overrides it
for one run (the screens command and the tests use that).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os

from PySide6.QtCore import QCoreApplication, QSettings, QTranslator

from clinic_app.core.thai import format_thai_date
from clinic_app.services.catalogs import resource_path

log = logging.getLogger(__name__)

LANGUAGES = {"th": "ไทย", "en": "English"}
_PROPERTY = "clinicLanguage"
_SETTING = "language"


def settings() -> QSettings:
    return QSettings("clinic-app", "clinic-app")


def chosen_language() -> str:
    """The language to start in: CLINIC_APP_LANG, else the stored choice, else Thai."""
    lang = os.environ.get("CLINIC_APP_LANG") or str(settings().value(_SETTING, "th"))
    return lang if lang in LANGUAGES else "th"


def remember_language(lang: str) -> None:
    store = settings()
    store.setValue(_SETTING, lang)
    store.sync()


def install_language(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Load the translation for `lang` into the application (Thai is the source text, so
    only Qt's own button words need one there)."""
    translator = QTranslator(app)
    try:
        path = resource_path(f"i18n/clinic_app_{lang}.qm")
    except FileNotFoundError:
        path = None
    if path is None or not translator.load(str(path)):
        # Half a language is worse than the source's: stay wholly Thai (and say so).
        log.warning("translation file for %s missing or unreadable; the window stays in Thai", lang)
        app.setProperty(_PROPERTY, "th")
        return None
    app.setProperty(_PROPERTY, lang)
    app.installTranslator(translator)
    return translator


def english() -> bool:
    app = QCoreApplication.instance()
    return app is not None and app.property(_PROPERTY) == "en"


def pick(thai: str, english_text: str) -> str:
    """The text in the window's language, for data that carries both."""
    return english_text if english() and english_text else thai


def translate(context: str, text: str) -> str:
    """Translate outside a QObject (module functions, lists of labels): lupdate finds these
    calls as it finds `self.tr`."""
    return QCoreApplication.translate(context, text)


EN_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: _dt.date) -> str:
    """25 พ.ย. 2569 (Buddhist era) in Thai; 25 Nov 2026 (common era) in English."""
    if english():
        return f"{day.day} {EN_MONTHS_SHORT[day.month - 1]} {day.year}"
    return format_thai_date(day)


def _local(text: str) -> _dt.datetime | None:
    """A date-time with an offset ("...Z", "...+07:00") at this computer's time; None for a
    date alone or anything else."""
    if len(text) <= 10:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone() if moment.tzinfo else moment


def format_when(text: str) -> str:
    """An ISO date or date-time from a record as `format_date` writes it, on this
    computer's calendar (a sync at 20:00 UTC is the next morning in Thailand); the text
    itself when it is not a date."""
    moment = _local(text)
    if moment is not None:
        return format_date(moment.date())
    try:
        return format_date(_dt.date.fromisoformat(text[:10]))
    except ValueError:
        return text


def format_moment(text: str) -> str:
    """`format_when` and the time of day (HH:MM, this computer's time) when the text has one."""
    moment = _local(text)
    return f"{format_date(moment.date())} {moment:%H:%M}" if moment is not None else format_when(text)
