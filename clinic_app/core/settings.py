"""The unit's settings: one table of every known setting with its type, default and check.

The store keeps settings as JSON values (`store/settings.py`); it reads and writes only the
names listed here, each as its type with its default when unset, and refuses a value that
fails its check. Callers never repeat a default. Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinic_app.core.errors import InvalidInputError, Problem


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type | tuple[type, ...]
    default: Any
    doc: str
    check: Callable[[Any], bool] | None = None
    optional: bool = False  # None is a value (nothing recorded)


def _positive(value: float) -> bool:
    return value > 0


def _between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= value <= high


SETTINGS: dict[str, Setting] = {s.key: s for s in [
    Setting("hcode", str, "", "the unit's MOPH facility code (5 or 9 digits)"),
    Setting("facility_name", str, "", "the unit's name, shown in the window's title"),
    Setting("hub_url", str, "", "FHIR base URL of the hub (MOPH Cloud); empty: not set up"),
    Setting("hub_auth", bool, True, "the hub needs SMART Backend Services tokens"),
    Setting("hub_ca_bundle", str, "", "a CA bundle file for the hub's TLS; empty: the system's"),
    Setting("training_mode", bool, False, "this folder is training mode (demo data, sandbox hub)"),
    Setting("next_hn", int, 1, "the next hospital number to give", check=_positive),
    Setting("last_sync_error", str, None, "the last sync's error (Thai, a newline, English)", optional=True),
    Setting("sync_bundle_size", int, 200, "changes per pushed transaction Bundle", check=_between(1, 5000)),
    Setting("sync_page_size", int, 500, "resources per pulled page", check=_between(1, 5000)),
    Setting("sync_interval_minutes", (int, float), 5, "minutes between scheduled syncs", check=_positive),
    Setting("export_partial", str, "", "a 43-file archive being written (removed at the next start if a crash "
            "left it)"),
    Setting("record_shape", int, 1, "the data version of the records' shapes (2: the SIL-TH guides; "
            "services/reshape.py)"),
    Setting("idle_lock_minutes", (int, float), 10, "minutes without input before the window locks",
            check=_positive),
    Setting("relay_url", str, "", "the unit relay's FHIR base (https) this desktop syncs with first; empty: "
            "none (`clinic-app relay join`)"),
    Setting("relay_cert", str, "", "the unit relay's certificate (PEM), pinned at join: nothing else is trusted "
            "at the relay's address"),
    Setting("relay_secret", str, "", "the unit relay's own secret (hex), its keys derived from it; made when the "
            "folder first serves, kept here encrypted so that a re-key of the folder leaves them"),
    Setting("relay_serve", bool, False, "this desktop serves the unit's other desktops as their relay while it "
            "runs"),
    Setting("card_photo", bool, False, "keep the photo read from a patient's ID card with the patient "
            "(encrypted like every record; it travels with the Patient to the hub)"),
]}


class UnknownSettingError(KeyError):
    """A bug: code asked for a setting that is not in the table."""


def setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise UnknownSettingError(key) from None


# What a unit changes after set-up (the rest are the app's own bookkeeping).
CHANGEABLE = ("facility_name", "hub_url", "hub_auth", "hub_ca_bundle", "sync_interval_minutes", "idle_lock_minutes",
              "sync_bundle_size", "sync_page_size", "card_photo")


def parse(key: str, text: str) -> Any:
    """A setting's value typed as text (the command line), as its type; refused when it is not."""
    spec = setting(key)
    kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
    value: Any = text
    if bool in kinds:
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "yes", "no", "1", "0"):
            raise InvalidInputError("ค่าต้องเป็น true หรือ false", f"{key} is true or false.",
                                    problems=[Problem(None, key, spec.doc)])
        value = lowered in ("true", "yes", "1")
    elif int in kinds or float in kinds:
        try:
            value = int(text) if int in kinds and text.strip().lstrip("-").isdigit() else float(text)
        except ValueError:
            raise InvalidInputError("ค่าต้องเป็นตัวเลข", f"{key} is a number.",
                                    problems=[Problem(None, key, spec.doc)]) from None
    return checked(key, value)


def checked(key: str, value: Any) -> Any:
    """`value` if it suits the setting; InvalidInputError (naming the setting) if not."""
    spec = setting(key)
    if value is None and spec.optional:
        return None
    ok = isinstance(value, spec.kind) and not (isinstance(value, bool) and spec.kind in (int, (int, float)))
    if ok and spec.check is not None:
        ok = bool(spec.check(value))
    if not ok:
        raise InvalidInputError("ค่าการตั้งค่าไม่ถูกต้อง", f"The setting {key} cannot be {value!r} ({spec.doc}).",
                                problems=[Problem(None, key, spec.doc)])
    return value
