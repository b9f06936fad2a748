"""The hub's command-line verbs (`clinic-app hub ...`), kept here so the CLI module only
parses arguments: serve, enroll a desktop, decide a consent, list emergency accesses.

Errors from the hub (HubError) become known errors with the hub's reason, so the CLI
prints them in Thai and English and exits 2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clinic_app.core.errors import KnownError
from clinic_app.hub.engine import Limits
from clinic_app.hub.errors import HubError
from clinic_app.hub.server import Hub, open_hub
from clinic_app.hub.server import serve as _serve


@contextlib.contextmanager
def _hub(data_dir: Path) -> Iterator[Hub]:
    hub = open_hub(data_dir)
    try:
        yield hub
    except HubError as exc:
        raise KnownError("ฮับไม่รับคำขอนี้ (เหตุผลอยู่ในข้อความภาษาอังกฤษ)", f"The hub refused: {exc.diagnostics}",
                         code="hub-refused") from exc
    finally:
        hub.close()


def serve(data_dir: Path, *, host: str, port: int, max_bundle_entries: int, auth: bool,
          seed_demo: bool, auto_approve: float | None, public_url: str | None = None,
          conformance: bool = True) -> int:
    if seed_demo:
        from clinic_app.hub.seed import seed_demo as seed

        with _hub(data_dir) as hub:
            seed(hub.engine)
    return _serve(data_dir, host=host, port=port, limits=Limits(max_bundle_entries=max(1, max_bundle_entries)),
                  auth=auth, auto_approve_seconds=auto_approve, public_url=public_url, conformance=conformance)


def enroll(data_dir: Path, enrolment: Any) -> dict[str, Any]:
    with _hub(data_dir) as hub:
        return hub.authority.enroll(enrolment)


def decide_consent(data_dir: Path, consent_id: str, action: str) -> dict[str, Any]:
    with _hub(data_dir) as hub:
        return hub.admin.decide_consent(consent_id, action)


def break_glass_log(data_dir: Path) -> list[dict[str, Any]]:
    with _hub(data_dir) as hub:
        return hub.admin.break_glass_log()
