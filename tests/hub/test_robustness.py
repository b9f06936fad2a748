"""The hub under load and abuse: concurrent writers, a kill in the middle of a
transaction. A real server in each case (a thread, or a child process to kill)."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx

from clinic_app.hub.server import RunningHub
from tests.hub.conftest import FHIR
from tests.hubprocess import start_hub_process

CLIENTS, WRITES = 10, 500


def test_concurrent_clients_lose_nothing(hub: RunningHub) -> None:
    errors: list[str] = []

    def writer(n: int) -> None:
        with httpx.Client(base_url=hub.url + "/", headers=FHIR, timeout=60) as c:
            for i in range(WRITES):
                r = c.put(f"Observation/c{n}-{i}", json={
                    "resourceType": "Observation", "status": "final", "code": {"text": f"{n}/{i}"},
                    "subject": {"reference": f"Patient/p{n}"}})
                if r.status_code != 201:
                    errors.append(f"{n}/{i}: {r.status_code}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with httpx.Client(base_url=hub.url + "/", headers=FHIR) as c:
        assert c.get("Observation", params={"_summary": "count"}).json()["total"] == CLIENTS * WRITES
        for n in range(CLIENTS):
            total = c.get("Observation", params={"patient": f"p{n}", "_summary": "count"}).json()["total"]
            assert total == WRITES
        history = c.get("_history", params={"_count": "1000"}).json()
        stamps = [e["response"]["lastModified"] for e in history["entry"]]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)  # a strictly increasing clock


def test_a_kill_during_a_transaction_leaves_all_or_nothing(tmp_path: Path) -> None:
    rng = random.Random(4)
    size = 400
    for trial in range(3):
        proc, url = start_hub_process(tmp_path / "hub")
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": str(i)}},
             "request": {"method": "PUT", "url": f"Observation/t{trial}-{i}"}} for i in range(size)]}
        body = json.dumps(bundle)

        def send() -> None:
            try:
                httpx.post(url, content=body, headers=FHIR, timeout=30)
            except httpx.HTTPError:
                pass

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        sender.join()
        proc, url = start_hub_process(tmp_path / "hub")
        try:
            total = httpx.get(url + "/Observation", params={"_summary": "count"}).json()["total"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        assert total % size == 0, total  # whole transactions only
