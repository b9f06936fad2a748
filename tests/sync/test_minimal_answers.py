"""A server that honours `Prefer: return=minimal` on a transaction to the letter: 200 and no
body (issue 18). The desktop must neither crash nor split and resend a Bundle the server
committed: it reads the versions back, and every change reaches the server once."""

from __future__ import annotations

from pathlib import Path

from clinic_app.core.permissions import DEVICE
from clinic_app.hub.search import parse
from clinic_app.services.records import RecordService
from tests.conftest import run_cli
from tests.sync.conftest import Factory, limited_hub, sync


def test_a_hub_that_answers_transactions_with_no_body_gets_everything_once(tmp_path: Path, desktop: Factory) -> None:
    hub = limited_hub(tmp_path, minimal_no_body=True)
    try:
        a = desktop(hub, "a", auth=False)
        store = a.connect()
        RecordService(store, actor=DEVICE).load_demo(3, seed=11)
        local = store.counts_by_type()
        store.close()
        a.close()
        first = run_cli("--data-dir", str(a.folder.path), "sync")
        assert first.returncode == 0, first.stderr  # no crash on the empty 200
        assert "Traceback" not in first.stderr
        for rtype, count in local.items():
            found, _ = hub.engine.store.search(rtype, parse(rtype, [("_count", "1000")]))
            assert len(found) == count, rtype  # each once: nothing split and sent again
            assert {f.version for f in found} == {1}, rtype
        store = a.connect()
        assert store.outbox.counts() == {}
        patient = next(store.iter_resources(resource_type="Patient"))
        assert store.version_of("Patient", patient["id"]) == "1"  # the version read back
        RecordService(store, actor=DEVICE).save_resources([{**patient, "gender": "other"}])
        store.close()
        report = sync(a)
        assert report.failed == 0 and report.conflicts == 0 and report.pending == 0
        assert report.push_requests <= 3  # the Bundle, then one search per type read back (not a read each)
        stored = hub.engine.store.read("Patient", patient["id"])
        assert stored.version == 2 and stored.resource["gender"] == "other"  # an If-Match update, once
    finally:
        hub.stop()
