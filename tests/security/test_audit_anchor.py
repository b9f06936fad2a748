"""The audit trail against someone who has the database key: links are keyed (a chain
recomputed without the audit key does not verify), and the head is anchored at the hub
with each sync (a trail cut short, or emptied, is found there)."""

from __future__ import annotations

import json

from clinic_app.hub.server import RunningHub
from clinic_app.security import audit_chain
from tests.conftest import run_cli
from tests.sync.conftest import Factory, hub, desktop, service, sync  # noqa: F401 - hub and desktop are fixtures


def _verify(inst) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def]
    result = run_cli("--data-dir", str(inst.folder.path), "audit", "verify")
    out = result.stdout[:result.stdout.rfind("}") + 1] if "{" in result.stdout else "{}"
    return result.returncode, json.loads(out), result.stderr


def test_a_chain_recomputed_without_the_audit_key_is_found(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    service(a).load_demo(1, seed=40)
    store = a.connect()
    rows = store.audit.rows()
    prev = audit_chain.GENESIS
    for seq, at, actor, action, etype, eid, detail, _prev, _digest in rows:  # the attacker's rewrite
        actor = "someone-else" if seq == 1 else actor
        digest = audit_chain.link(prev, at, actor, action, etype, eid, detail)  # no audit key
        store.conn.execute("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                           (actor, prev, digest, seq))
        prev = digest
    store.close()
    a.close()
    code, report, stderr = _verify(a)
    assert code == 2 and report["broken_at"][0] == 1 and "edited" in stderr


def test_a_trail_cut_short_or_emptied_is_found_against_the_hubs_anchor(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    service(a).load_demo(2, seed=41)
    sync(a)  # the head goes to the hub
    a.close()
    code, report, _ = _verify(a)
    assert code == 0 and report["hub_anchor"]["matches"] is True
    entries = report["entries"]
    store = a.connect()
    store.conn.execute("DELETE FROM audit_log WHERE seq > ?", (entries - 2,))  # the last entries dropped
    store.close()
    code, report, stderr = _verify(a)
    assert report["broken_at"] == [] and code == 2 and "cut short or rewritten" in stderr
    store = a.connect()
    store.conn.execute("DELETE FROM audit_log")  # or all of them
    store.close()
    code, report, stderr = _verify(a)
    assert report["entries"] == 0 and code == 2 and "cut short or rewritten" in stderr


def test_offline_the_local_chain_is_still_checked_and_said_so(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a", url="http://127.0.0.1:9/fhir")
    service(a).load_demo(1, seed=42)
    a.close()
    code, report, stderr = _verify(a)
    assert code == 0 and report["broken_at"] == [] and "offline" in stderr


def test_a_folder_from_before_audit_keys_gets_one_from_its_next_entry(hub: RunningHub, desktop: Factory,
                                                                      keystore) -> None:  # type: ignore[no-untyped-def]
    from clinic_app.services.installation import open_installation

    a = desktop(hub, "a")
    service(a).load_demo(1, seed=43)
    old = {k: v for k, v in a.marker.items() if k != "audit"}
    a.keys.forget(a.installation_id, a.marker["audit"]["key"])
    a.folder.write_marker(old)
    a.close()
    store = a.connect()  # as an older version linked them: plain SHA-256 all along
    rows = store.audit.rows()
    prev = audit_chain.GENESIS
    for seq, at, actor, action, etype, eid, detail, _p, _d in rows:
        digest = audit_chain.link(prev, at, actor, action, etype, eid, detail)
        store.conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    store.close()
    reopened = open_installation(a.folder.path, keys=keystore)
    assert reopened.marker["audit"]["keyed_from"] == len(rows) + 1
    reopened.close()
    service(reopened).load_demo(1, seed=44)  # new entries, keyed
    code, report, _ = _verify(reopened)
    assert code == 0 and report["entries"] > len(rows)
    reopened.forget_secrets()
