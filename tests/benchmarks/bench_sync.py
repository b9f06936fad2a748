"""Sync benchmark: push 10,000 changes; first pull of a unit's records from the hub.

    .venv/bin/python -m tests.benchmarks.bench_sync --push 10000 --pull 100000

The hub runs as a child process (`hub serve --no-auth`) and each phase runs in a child
process of its own, so its peak RSS is its own. Desktops use a passphrase-wrapped key
(no keyring needed here). The pull is compared with a bare loop in the same run that only
fetches the same pages with httpx (following `next` links) and stores their JSON text in
a plain SQLite table. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.hubprocess import start_hub_process

HCODE = "99999"
FHIR = {"Content-Type": "application/fhir+json"}
ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _cli(*args: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV, "CLINIC_APP_PASSPHRASE_FILE": str(folder.parent / "passphrase")}
    return subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(folder), *args],
                          capture_output=True, text=True, env=env, timeout=3600)


def _phase(name: str, **kw: str) -> dict:
    env = {**os.environ, **ENV}
    args = [sys.executable, "-m", "tests.benchmarks.bench_sync", "--phase", name]
    for k, v in kw.items():
        args += [f"--{k.replace('_', '-')}", v]
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_sync(folder: str) -> dict:
    """One `sync` of an installation, in this process, timed."""
    from clinic_app.app import build_keystore, passphrase_from_file
    from clinic_app.services.installation import open_installation
    from clinic_app.services.sync import sync_now

    path = Path(folder)
    inst = open_installation(path, keys=build_keystore(), passphrase=passphrase_from_file(str(path.parent / "passphrase")))
    t0 = time.perf_counter()
    report = sync_now(inst, verify_counts=False)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "push_seconds": report.push_seconds, "pull_seconds": report.pull_seconds,
            "pushed": report.pushed, "pulled": report.pulled, "sent": report.bytes_sent,
            "received": report.bytes_received, "peak_mb": _peak_mb()}


def phase_bare(url: str, out: str) -> dict:
    """The floor: fetch the same pages with httpx and store the JSON text, nothing else."""
    db = sqlite3.connect(out)
    db.execute("CREATE TABLE IF NOT EXISTS raw (type TEXT, id TEXT, json TEXT)")
    t0, count, received = time.perf_counter(), 0, 0
    with httpx.Client(timeout=120, headers={"Accept-Encoding": "gzip"}) as client:
        for rtype in ("Patient", "Encounter", "AllergyIntolerance", "Condition", "Observation", "Immunization",
                      "MedicationDispense"):
            next_url: str | None = f"{url}/{rtype}"
            params: dict | None = {"_tag": f"https://terms.sil-th.org/id/th-moph-hcode|{HCODE}",
                                   "_sort": "_lastUpdated", "_count": "500"}
            while next_url:
                r = client.get(next_url, params=params)
                received += len(r.content)
                page = r.json()
                rows = [(e["resource"]["resourceType"], e["resource"]["id"], json.dumps(e["resource"]))
                        for e in page.get("entry", [])]
                with db:
                    db.executemany("INSERT INTO raw VALUES (?, ?, ?)", rows)
                count += len(rows)
                next_url = next((link["url"] for link in page.get("link", []) if link["relation"] == "next"), None)
                params = None
    return {"seconds": time.perf_counter() - t0, "pulled": count, "received": received, "peak_mb": _peak_mb()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--push", type=int, default=10_000, help="changes to push")
    ap.add_argument("--pull", type=int, default=100_000, help="resources of the unit to pull")
    ap.add_argument("--phase", choices=["sync", "bare"])
    ap.add_argument("--folder")
    ap.add_argument("--url")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    if args.phase == "sync":
        print(json.dumps(phase_sync(args.folder)))
        return 0
    if args.phase == "bare":
        print(json.dumps(phase_bare(args.url, args.out)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    (work / "passphrase").write_text("benchmark passphrase, not a secret\n")
    hub, url = start_hub_process(work / "hub")
    try:
        from clinic_app.core import demo

        # A unit's history on the hub, written by another desktop (loaded directly, as fast as it goes).
        resources: list[dict] = []
        for person in demo.generate(args.pull // 19 + 1, seed=8, hcode=HCODE):
            resources.extend(person.resources)
        resources = resources[: args.pull]
        from clinic_app.core.fhir import stamp_owner

        with httpx.Client(timeout=300, headers=FHIR) as client:
            for i in range(0, len(resources), 500):
                bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
                    {"resource": stamp_owner(r, HCODE), "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                    for r in resources[i:i + 500]]}
                client.post(url, json=bundle).raise_for_status()
        del resources
        pusher, puller = work / "pusher", work / "puller"
        for folder in (pusher, puller):
            done = _cli("init", "--hcode", HCODE, "--hub-url", url, "--no-auth", folder=folder)
            assert done.returncode == 0, done.stderr
        assert _cli("demo-data", "--patients", str(args.push // 19 + 1), "--seed", "77", folder=pusher).returncode == 0
        status = json.loads(_cli("status", folder=pusher).stdout)
        queued = status["outbox"]["pending"]
        push = _phase("sync", folder=str(pusher))
        pull = _phase("sync", folder=str(puller))
        bare = _phase("bare", url=url, out=str(work / "bare.sqlite"))
    finally:
        hub.terminate()
        hub.wait(timeout=30)
    print(f"Sync benchmark: hub in a child process over loopback (no TLS, no auth), each phase in its own process,"
          f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    print("| phase | resources | seconds | resources/s | bytes on the wire per resource | peak RSS MB | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print(f"| push (outbox to hub) | {push['pushed']:,} of {queued:,} queued | {push['push_seconds']:.1f} |"
          f" {push['pushed'] / push['push_seconds']:,.0f} | {push['sent'] / max(1, push['pushed']):,.0f} sent |"
          f" {push['peak_mb']:.0f} | ≥ 1,000/s, ≤ 400 MB |")
    print(f"| first pull of the unit | {pull['pulled']:,} | {pull['pull_seconds']:.1f} |"
          f" {pull['pulled'] / pull['pull_seconds']:,.0f} | {pull['received'] / max(1, pull['pulled']):,.0f} received |"
          f" {pull['peak_mb']:.0f} | ≥ 2,000/s, ≤ 400 MB |")
    print(f"| bare loop: same pages, httpx + JSON into SQLite | {bare['pulled']:,} | {bare['seconds']:.1f} |"
          f" {bare['pulled'] / bare['seconds']:,.0f} | {bare['received'] / max(1, bare['pulled']):,.0f} received |"
          f" {bare['peak_mb']:.0f} | - |")
    print()
    print(f"Pull rate / bare loop rate: {(pull['pulled'] / pull['pull_seconds']) / (bare['pulled'] / bare['seconds']):.2f}"
          " (target ≥ 0.5). The push phase's whole sync (push, then pulling its own records back) took"
          f" {push['seconds']:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
