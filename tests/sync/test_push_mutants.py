"""Push acknowledgement, pinned where the mutation pass (tests/mutation.py) found it loose: an
entry leaves the outbox only for an answer that acknowledges it, with the hub's version;
a refused entry is set aside with the hub's reason and counted; a stuck or interrupted send
goes back to pending. A fake store and client, so each outcome is seen exactly."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from clinic_app.core.audit import TRAIL_TAG
from clinic_app.core.outbox import OutboxEntry
from clinic_app.sync.push import Pusher, push_order, version_of_etag

BASE = "https://hub.example/fhir"


def entry(seq: int, rtype: str = "Patient", rid: str | None = None, op: str = "create",
          base: str | None = None) -> OutboxEntry:
    return OutboxEntry(seq=seq, type=rtype, id=rid or f"{rtype.lower()}-{seq}", op=op,  # type: ignore[arg-type]
                       base_version=base, state="pending", reason=None, attempts=0, created_at="2026-11-30")


class Outbox:
    def __init__(self, entries: list[OutboxEntry]) -> None:
        self.state = {e.seq: "pending" for e in entries}
        self.by_seq = {e.seq: e for e in entries}
        self.acked: list[tuple[int, str | None, Any]] = []
        self.reasons: dict[int, str | None] = {}
        self.dropped: list[tuple[str, str]] = []

    def entries(self, *, states: tuple[str, ...], limit: int) -> list[OutboxEntry]:
        return [e for s, e in sorted(self.by_seq.items()) if self.state[s] in states][:limit]

    def set_state(self, seqs: list[int], state: str, *, reason: str | None = None) -> None:
        for s in seqs:
            self.state[s] = state
            self.reasons[s] = reason

    def acknowledge(self, e: OutboxEntry, *, version_id: str | None, server_copy: Any) -> None:
        self.acked.append((e.seq, version_id, server_copy))
        self.state[e.seq] = "gone"

    def drop_local(self, rtype: str, rid: str) -> None:
        self.dropped.append((rtype, rid))


class Store:
    def __init__(self, entries: list[OutboxEntry], resources: dict[tuple[str, str], dict] | None = None) -> None:
        self.outbox = Outbox(entries)
        self.resources = resources or {}
        self.open = 0

    @contextmanager
    def transaction(self):
        self.open += 1
        yield
        self.open -= 1

    def get(self, rtype: str, rid: str) -> dict | None:
        return self.resources.get((rtype, rid))


class Client:
    base_url = BASE

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, Any, Any]] = []

    def request(self, method: str, path: str, *, json_body: Any = None, headers: Any = None,
                params: Any = None) -> httpx.Response:
        self.sent.append((method, path, json_body, headers or params))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @staticmethod
    def json(response: httpx.Response) -> Any:
        return response.json()


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/fhir+json",
                                                                               **headers})


def outcome(text: str) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid",
                                                           "diagnostics": text, "expression": ["Patient.name"]}]}


def test_etags_give_the_version() -> None:
    assert version_of_etag('W/"7"') == "7" and version_of_etag('"7"') == "7"
    assert version_of_etag(None) is None and version_of_etag("") is None and version_of_etag('W/""') is None


def test_a_bundles_answers_acknowledge_each_entry_with_its_version() -> None:
    entries = [entry(1), entry(2), entry(3)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    progress: list[int] = []
    copy = {"resourceType": "Patient", "id": "patient-2", "meta": {"versionId": "5"}}
    client = Client(answer(200, {"resourceType": "Bundle", "entry": [
        {"response": {"status": "201", "etag": 'W/"1"'}},
        {"response": {"status": "200"}, "resource": copy},
        {"response": {"status": "200", "etag": 'W/"9"'}, "resource": {"resourceType": "OperationOutcome"}},
    ]}))
    stats = Pusher(store, client, bundle_size=10, on_progress=progress.append).run()
    assert store.outbox.acked == [(1, "1", None), (2, "5", copy), (3, "9", None)]
    assert stats.pushed == 3 and stats.failed == 0 and stats.requests == 1 and progress == [3]
    method, path, bundle, headers = client.sent[0]
    assert (method, path, headers) == ("POST", "", {"Prefer": "return=minimal"})
    assert bundle["type"] == "transaction" and [e["request"]["url"] for e in bundle["entry"]] == [
        "Patient/patient-1", "Patient/patient-2", "Patient/patient-3"]
    assert store.open == 0


def test_the_trail_copy_is_dropped_once_the_hub_has_it_and_nothing_else_is() -> None:
    trail = {"resourceType": "AuditEvent", "id": "a-1", "meta": {"tag": [TRAIL_TAG]}}
    other = {"resourceType": "AuditEvent", "id": "a-2", "meta": {"tag": []}}
    store = Store([entry(1, "AuditEvent", "a-1"), entry(2, "AuditEvent", "a-2")],
                  {("AuditEvent", "a-1"): trail, ("AuditEvent", "a-2"): other})
    bundle = {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"1"'}}] * 2}
    Pusher(store, Client(answer(200, bundle)), bundle_size=10).run()
    assert store.outbox.dropped == [("AuditEvent", "a-1")]


def test_an_update_carries_if_match_and_a_delete_is_a_delete() -> None:
    store = Store([entry(1, op="update", base="4"), entry(2, op="create"), entry(3, "Encounter", op="delete")],
                  {("Patient", "patient-1"): {"resourceType": "Patient", "id": "patient-1",
                                              "meta": {"versionId": "4", "lastUpdated": "x", "profile": ["p"]}},
                   ("Patient", "patient-2"): {"resourceType": "Patient", "id": "patient-2",
                                              "meta": {"versionId": "1"}}})
    client = Client(answer(200, {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"5"'}}] * 3}))
    Pusher(store, client, bundle_size=10).run()
    sent = client.sent[0][2]["entry"]
    assert sent[0]["request"] == {"method": "PUT", "url": "Patient/patient-1", "ifMatch": 'W/"4"'}
    assert sent[0]["fullUrl"] == f"{BASE}/Patient/patient-1"
    assert sent[0]["resource"]["meta"] == {"profile": ["p"]}  # the local version is not the hub's business
    assert sent[1]["request"] == {"method": "PUT", "url": "Patient/patient-2"} and "meta" not in sent[1]["resource"]
    assert sent[2] == {"request": {"method": "DELETE", "url": "Encounter/encounter-3"}}


def test_deletes_go_after_creates_and_referring_first() -> None:
    es = [entry(1, "Encounter", op="delete"), entry(2, "Patient", op="delete"), entry(3, "Encounter"),
          entry(4, "Patient"), entry(5, "Unknown"), entry(6, "Patient", op="update")]
    assert [e.seq for e in push_order(es)] == [4, 6, 3, 5, 1, 2]


def test_one_by_one_each_answer_has_its_outcome() -> None:
    entries = [entry(1), entry(2, op="update", base="3"), entry(3, op="delete"), entry(4, op="delete"),
               entry(5), entry(6, op="update", base="1"), entry(7)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    copy = {"resourceType": "Patient", "id": "patient-1", "meta": {"versionId": "1"}}
    # sent in push order: 1, 2, 5, 6, 7, then the deletes 3, 4
    client = Client(answer(201, copy, etag='W/"1"'), answer(200, None, etag='W/"4"'), answer(422, outcome("bad name")),
                    answer(404, outcome("no such patient")), answer(204, etag='W/"2"'), answer(404, outcome("gone")),
                    answer(410))
    progress: list[int] = []
    stats = Pusher(store, client, bundle_size=10, transactions=False, on_progress=progress.append).run()
    assert store.outbox.acked == [(1, "1", copy), (2, "4", None), (7, "2", None), (3, None, None), (4, None, None)]
    assert client.sent[1][3] == {"If-Match": 'W/"3"'} and client.sent[0][3] is None
    assert store.outbox.state[5] == store.outbox.state[6] == "failed"
    assert store.outbox.reasons[5] == "HTTP 422: bad name [Patient.name]"
    assert store.outbox.reasons[6].startswith("HTTP 404: no such patient")  # a 404 acknowledges only a delete
    assert stats.pushed == 5 and stats.failed == 2 and stats.requests == 7 and progress == [1] * 7


def test_a_bundle_refused_for_one_entry_sets_that_one_aside_and_sends_the_rest() -> None:
    entries = [entry(1), entry(2), entry(3)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    client = Client(answer(422, outcome("entry 1: bad name")), answer(422, outcome("x" * 1500)),
                    answer(200, {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"1"'}}] * 2}))
    stats = Pusher(store, client, bundle_size=10).run()
    assert store.outbox.state[2] == "failed" and len(store.outbox.reasons[2]) == 1000
    assert [a[0] for a in store.outbox.acked] == [1, 3] and stats.failed == 1 and stats.pushed == 2


def test_sends_left_stuck_or_interrupted_go_back_to_pending() -> None:
    entries = [entry(1), entry(2)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    store.outbox.state[2] = "sending"  # a sync killed mid-send
    with pytest.raises(httpx.ConnectError):
        Pusher(store, Client(httpx.ConnectError("down")), bundle_size=10).run()
    assert store.outbox.state == {1: "pending", 2: "pending"} and store.outbox.acked == []


def test_a_cancelled_push_sends_nothing() -> None:
    store = Store([entry(1)], {("Patient", "patient-1"): {"resourceType": "Patient", "id": "patient-1"}})
    client = Client()
    assert Pusher(store, client, bundle_size=10, cancelled=lambda: True).run().pushed == 0
    assert client.sent == [] and store.outbox.state == {1: "pending"}


def test_a_200_without_its_answers_is_read_back_and_what_the_hub_lacks_stays_queued() -> None:
    entries = [entry(1), entry(2), entry(3, "Encounter", op="delete"), entry(4, "Encounter", op="delete")]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries[:2]})
    held = {"resourceType": "Patient", "id": "patient-1", "meta": {"versionId": "3"}}
    for lost in (answer(200), answer(200, {"resourceType": "Bundle", "entry": [{}]}),  # no body; one answer of 4
                 answer(200, {"resourceType": "OperationOutcome"})):
        store.outbox = Outbox(entries)
        client = Client(lost, answer(200, {"resourceType": "Bundle", "entry": [{"resource": held}]}),  # not patient-2
                        answer(200, {"resourceType": "Bundle", "entry": [  # encounter-3 gone, encounter-4 still there
                            {"resource": {"resourceType": "Encounter", "id": "encounter-4"}}]}))
        rounds = iter([False, True])  # one round: what stays pending would go in the next
        stats = Pusher(store, client, bundle_size=10, cancelled=lambda: next(rounds)).run()
        assert [c[:2] for c in client.sent[1:]] == [("GET", "Patient"), ("GET", "Encounter")]  # one search per type
        assert client.sent[1][3][0] == ("_id", "patient-1,patient-2")
        assert store.outbox.acked == [(1, "3", held), (3, None, None)]
        assert store.outbox.state[2] == store.outbox.state[4] == "pending"  # not failed, not sent twice now
        assert stats.pushed == 2 and stats.failed == 0 and stats.requests == 3


def test_a_bundle_refused_as_too_large_is_halved_and_one_too_large_entry_set_aside() -> None:
    entries = [entry(1), entry(2), entry(3)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    ok = {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"1"'}}]}
    client = Client(answer(400, outcome("Bundle too large: at most 2 entries")),  # 3 -> 1 + 2
                    answer(200, ok), answer(413), answer(200, ok), answer(413, outcome("body too large")))
    pusher = Pusher(store, client, bundle_size=10)
    stats = pusher.run()
    assert [len(c[2]["entry"]) for c in client.sent] == [3, 1, 2, 1, 1] and pusher.bundle_size == 1
    assert [a[0] for a in store.outbox.acked] == [1, 2] and store.outbox.state[3] == "failed"
    assert store.outbox.reasons[3] == "too large for the hub: body too large [Patient.name]"
    assert stats.pushed == 2 and stats.failed == 1


def test_a_refusal_that_only_mentions_a_limit_is_not_taken_for_too_large() -> None:
    entries = [entry(1), entry(2)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    client = Client(answer(422, outcome("entry 0: at most 3 names")), answer(422, outcome("at most 3 names")),
                    answer(200, {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"1"'}}]}))
    pusher = Pusher(store, client, bundle_size=10)
    pusher.run()
    assert pusher.bundle_size == 10 and store.outbox.state[1] == "failed"
    assert store.outbox.reasons[1] == "HTTP 422: at most 3 names [Patient.name]" and store.outbox.acked[0][0] == 2


def test_a_400_saying_too_large_shrinks_the_bundles_that_follow() -> None:
    entries = [entry(1), entry(2)]
    store = Store(entries, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in entries})
    ok = {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"1"'}}]}
    pusher = Pusher(store, Client(answer(400, outcome("too many entries")), answer(200, ok), answer(200, ok)),
                    bundle_size=10)
    assert pusher.run().pushed == 2 and pusher.bundle_size == 1  # a plain refusal would only be narrowed down


class Timed:
    """A client whose every transaction takes a moment, counting how many are on their way at once."""

    base_url = BASE

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.active = self.most = 0
        self.sent: list[list[str]] = []

    def request(self, method: str, path: str, *, json_body: Any = None, headers: Any = None,
                params: Any = None) -> httpx.Response:
        import time

        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.sent.append([e["request"]["url"] for e in json_body["entry"]])
        time.sleep(0.1)
        with self.lock:
            self.active -= 1
        return answer(200, {"resourceType": "Bundle", "entry": [{"response": {"etag": 'W/"1"'}}
                                                                   for _ in json_body["entry"]]})

    @staticmethod
    def json(response: httpx.Response) -> Any:
        return response.json()


def test_two_bundles_travel_at_once_unless_the_second_refers_to_the_first() -> None:
    patients = [entry(i) for i in (1, 2, 3)]
    store = Store(patients, {("Patient", e.id): {"resourceType": "Patient", "id": e.id} for e in patients})
    client = Timed()
    stats = Pusher(store, client, bundle_size=1).run()  # type: ignore[arg-type]
    assert stats.pushed == 3 and client.most == 2  # independent: the next went before the last was answered
    assert [a[0] for a in store.outbox.acked] == [1, 2, 3]  # answered, and acknowledged, in the order sent

    visit = entry(2, "Encounter")
    linked = [entry(1), visit]
    store = Store(linked, {("Patient", "patient-1"): {"resourceType": "Patient", "id": "patient-1"},
                           ("Encounter", visit.id): {"resourceType": "Encounter", "id": visit.id,
                                                     "subject": {"reference": "Patient/patient-1"}}})
    client = Timed()
    Pusher(store, client, bundle_size=1).run()  # type: ignore[arg-type]
    assert client.sent == [["Patient/patient-1"], [f"Encounter/{visit.id}"]] and client.most == 1  # waited

    gone = [entry(1), entry(2, op="delete")]
    store = Store(gone, {("Patient", "patient-1"): {"resourceType": "Patient", "id": "patient-1"}})
    client = Timed()
    Pusher(store, client, bundle_size=1).run()  # type: ignore[arg-type]
    assert client.most == 1  # a delete never overtakes


def test_with_patients_known_each_patients_records_go_together_after_what_all_refer_to() -> None:
    es = [entry(1, "Patient", "a"), entry(2, "Patient", "b"), entry(3, "Encounter", "a-visit"),
          entry(4, "Encounter", "b-visit"), entry(5, "Practitioner", "nurse"), entry(6, "AuditEvent", "trail"),
          entry(7, "Observation", "a-bp"), entry(8, "Patient", "c", op="delete")]
    owner = {"a": "a", "b": "b", "a-visit": "a", "b-visit": "b", "a-bp": "a"}
    order = [e.id for e in push_order(es, lambda e: owner.get(e.id))]
    assert order == ["nurse", "a", "a-visit", "a-bp", "b", "b-visit", "trail", "c"]
    assert [e.id for e in push_order(es)] == ["nurse", "a", "b", "a-visit", "b-visit", "a-bp", "trail", "c"]


def test_a_bundle_ends_where_a_patients_records_end_so_the_next_can_travel_with_it() -> None:
    es = [entry(1, "Patient", "a"), entry(2, "Encounter", "a-visit"), entry(3, "Patient", "b"),
          entry(4, "Encounter", "b-visit")]
    store = Store(es, {("Patient", "a"): {"resourceType": "Patient", "id": "a"},
                       ("Patient", "b"): {"resourceType": "Patient", "id": "b"},
                       ("Encounter", "a-visit"): {"resourceType": "Encounter", "id": "a-visit",
                                                  "subject": {"reference": "Patient/a"}},
                       ("Encounter", "b-visit"): {"resourceType": "Encounter", "id": "b-visit",
                                                  "subject": {"reference": "Patient/b"}}})
    client = Timed()
    Pusher(store, client, bundle_size=3).run()  # type: ignore[arg-type]
    assert client.sent == [["Patient/a", "Encounter/a-visit"], ["Patient/b", "Encounter/b-visit"]]
    assert client.most == 2  # not [a, a-visit, b] then [b-visit], which would have had to wait


def test_an_edit_of_a_record_on_its_way_waits_for_that_answer() -> None:
    first, edit = entry(1, "Patient", "a"), entry(2, "Patient", "a", op="update")
    store = Store([first, edit], {("Patient", "a"): {"resourceType": "Patient", "id": "a"}})
    client = Timed()
    pusher = Pusher(store, client, bundle_size=1)  # type: ignore[arg-type]
    pusher.run()
    assert client.sent == [["Patient/a"], ["Patient/a"]] and client.most == 1  # never both at once
