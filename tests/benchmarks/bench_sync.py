"""Sync benchmark: push 10,000 changes; first pull of a unit's records from the hub.

    .venv/bin/python -m tests.benchmarks.bench_sync --push 10000 --pull 100000

The hub runs as a child process (`hub serve --no-auth`) and each phase runs in a child
process of its own, so its peak RSS is its own. Desktops use a passphrase-wrapped key
(no keyring needed here). The pull is compared with a bare loop in the same run that only
fetches the same pages with httpx (following `next` links) and stores their JSON text in
a plain SQLite table. Figures, not assertions.

    .venv/bin/python -m tests.benchmarks.bench_sync --push 10000 --pull-patients 5000 --link 3g

`--link 3g` (issue 18) runs the phases twice in the same run, each time on a fresh hub loaded
the same way and with fresh desktop folders (both first syncs): once through a proxy that
only counts (loopback) and once through one that shapes the link as a rural 3G one (1 Mbit/s
down, 384 kbit/s up, 300 ms round trip; tests/benchmarks/throttle.py). The desktops are
initialised with the proxy's URL, so every request of their syncs goes through it; bytes are
counted on the wire (HTTP heads and bodies as sent, compressed where they were). The pushing
desktop is a unit of its own (hcode 99998), so its sync pulls back only what it pushed, not the
unit the other desktop pulls. Each row is set beside the time its bytes need on the 3G link
(bytes up * 8 / 384,000 + bytes down * 8 / 1,000,000 seconds, no round trips), with the targets
of issue 18: a first sync of 5,000 patients at most 1.6x that, a push of 10,000 changes 1.5x.
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

from tests.benchmarks.throttle import LINKS, ThrottleProxy, transfer_floor
from tests.hubprocess import start_hub_process

HCODE = "99999"
PUSH_HCODE = "99998"  # --link: the pushing desktop's unit, apart from the one pulled
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
    marks: dict[str, float] = {}

    def progress(p: object) -> None:  # wall-clock marks, to cut the proxy's counts by phase
        phase = str(getattr(p, "phase", ""))
        marks.setdefault(f"{phase}_first", time.time())
        marks[f"{phase}_last"] = time.time()

    wall_start = time.time()
    t0 = time.perf_counter()
    report = sync_now(inst, verify_counts=False, progress=progress)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "push_seconds": report.push_seconds, "pull_seconds": report.pull_seconds,
            "pushed": report.pushed, "pulled": report.pulled, "sent": report.bytes_sent,
            "received": report.bytes_received, "requests": getattr(report, "requests", None),
            "push_requests": getattr(report, "push_requests", None), "wall_start": wall_start,
            "wall_end": time.time(), "marks": marks, "peak_mb": _peak_mb()}


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


def _load_unit(url: str, args: argparse.Namespace) -> int:
    """A unit's history on the hub, written by another desktop (loaded directly, as fast as it
    goes): --pull resources, or --pull-patients whole patients. Returns how many."""
    from clinic_app.core import demo
    from clinic_app.core.fhir import stamp_owner

    resources: list[dict] = []
    patients = args.pull_patients or args.pull // 19 + 1
    for person in demo.generate(patients, seed=8, hcode=HCODE):
        resources.extend(person.resources)
    if not args.pull_patients:
        resources = resources[: args.pull]
    with httpx.Client(timeout=300, headers=FHIR) as client:
        for i in range(0, len(resources), 500):
            bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
                {"resource": stamp_owner(r, HCODE), "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                for r in resources[i:i + 500]]}
            client.post(url, json=bundle).raise_for_status()
    return len(resources)


def _run_link(args: argparse.Namespace, work: Path, link: str) -> list[dict]:
    """The phases through a proxy shaped as `link`, on a hub of their own: a first sync of the
    unit by one desktop, then a push of --push changes by another. Rows for the table."""
    folder = work / link
    folder.mkdir()
    (folder / "passphrase").write_text((work / "passphrase").read_text())
    hub, url = start_hub_process(folder / "hub")
    proxy = ThrottleProxy(url, **LINKS[link]).start()
    try:
        loaded = _load_unit(url, args)
        pusher, puller = folder / "pusher", folder / "puller"
        for f, hcode in ((puller, HCODE), (pusher, PUSH_HCODE)):
            done = _cli("init", "--hcode", hcode, "--hub-url", proxy.url, "--no-auth", folder=f)
            assert done.returncode == 0, done.stderr
        done = _cli("demo-data", "--patients", str(args.push // 19 + 1), "--seed", "77", folder=pusher)
        assert done.returncode == 0, done.stderr
        queued = json.loads(_cli("status", folder=pusher).stdout)["outbox"]["pending"]
        pull = _phase("sync", folder=str(puller))
        push = _phase("sync", folder=str(pusher))
    finally:
        proxy.stop()
        hub.terminate()
        hub.wait(timeout=30)
    unit = f"{args.pull_patients:,} patients" if args.pull_patients else f"{loaded:,} resources"
    push_end = push["marks"].get("push_last") or push["marks"].get("pull_first") or push["wall_end"]
    windows = [
        (f"first sync of the unit ({unit})", pull, pull["wall_start"], pull["wall_end"], pull["seconds"],
         f"{pull['pulled']:,} pulled", 1.6),
        (f"push of {args.push:,} changes (sync start to last bundle answered)", push, push["wall_start"], push_end,
         push_end - push["wall_start"], f"{push['pushed']:,} of {queued:,} queued", 1.5),
        ("the pushing desktop's whole sync", push, push["wall_start"], push["wall_end"], push["seconds"],
         f"{push['pushed']:,} pushed, {push['pulled']:,} pulled", None),
    ]
    rows = []
    for name, phase, start, end, seconds, resources, target in windows:
        # A phase runs alone: a margin at its outer edges takes in nothing else (the cut between
        # the push and the rest of its sync has none).
        w = proxy.between(start - 0.5, end + 0.5 if end == phase["wall_end"] else end)
        rows.append({"phase": name, "link": link, "resources": resources, "seconds": seconds, "up": w.bytes_up,
                     "down": w.bytes_down, "requests": w.requests, "connections": w.connections,
                     "methods": w.methods, "floor": transfer_floor(w.bytes_up, w.bytes_down), "target": target,
                     "client_requests": phase.get("requests"), "client_sent": phase["sent"],
                     "client_received": phase["received"], "push_seconds": phase["push_seconds"],
                     "pull_seconds": phase["pull_seconds"], "peak_mb": phase["peak_mb"]})
    rows[0]["unparsed"] = proxy.unparsed
    return rows


def compare_links(args: argparse.Namespace, work: Path, link: str) -> int:
    """Loopback (a proxy that only counts) and `link` (a shaping proxy), one after the other."""
    rows = _run_link(args, work, "loopback") + _run_link(args, work, link)
    shape = LINKS[link]
    print(f"Sync benchmark over loopback and a shaped {link} link ({shape['down_bps'] / 1e6:g} Mbit/s down,"
          f" {shape['up_bps'] / 1e3:g} kbit/s up, {shape['rtt'] * 1e3:g} ms round trip), each on a fresh hub in a child"
          f" process (no TLS, no auth), each phase in its own process, Python {sys.version.split()[0]},"
          f" {os.cpu_count()} CPUs")
    print()
    print("| phase | link | resources | seconds | HTTP requests (connections) | bytes up | bytes down |"
          f" {link} transfer floor s | seconds / floor | target |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in sorted(rows, key=lambda r: [row["phase"] for row in rows].index(r["phase"])):
        shaped = r["link"] != "loopback"
        ratio = r["seconds"] / r["floor"] if r["floor"] else float("nan")
        target = "-"
        if shaped and r["target"]:
            target = f"≤ {r['target']} ({'met' if ratio <= r['target'] else 'not met'})"
        print(f"| {r['phase']} | {r['link']} | {r['resources']} | {r['seconds']:.1f} |"
              f" {r['requests']:,} ({r['connections']:,}) | {r['up']:,} | {r['down']:,} | {r['floor']:.1f} |"
              f" {f'{ratio:.2f}' if shaped else '-'} | {target} |")
    print()
    print("Bytes are TCP payload counted at the proxy (HTTP heads and bodies as sent, compressed where they were);"
          " requests are request lines read from the desktop's stream"
          + (f" ({sum(r.get('unparsed', 0) for r in rows)} connection(s) could not be read as HTTP/1.1: a lower"
             " bound)" if any(r.get("unparsed") for r in rows) else "") + ".")
    print("The loopback rows go through the same proxy with no delay and no cap (it only counts).")
    print("The floor is the time those bytes need on the link alone (up * 8 / up rate + down * 8 / down rate);"
          " the pushing row's window runs from the start of the sync to the answer to its last bundle.")
    print()
    print("The client's own counts (bodies only, as the sync report has them):")
    for r in rows:
        print(f"- {r['phase']}, {r['link']}: {r['client_sent']:,} bytes sent, {r['client_received']:,} received,"
              f" {r['client_requests'] if r['client_requests'] is not None else '?'} requests;"
              f" push {r['push_seconds']:.1f} s, pull {r['pull_seconds']:.1f} s; by method {r['methods']};"
              f" peak RSS {r['peak_mb']:.0f} MB")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--push", type=int, default=10_000, help="changes to push")
    ap.add_argument("--pull", type=int, default=100_000, help="resources of the unit to pull")
    ap.add_argument("--pull-patients", type=int, metavar="N",
                    help="instead of --pull: the unit is N whole demo patients (5,000: ~113,000 resources)")
    ap.add_argument("--link", choices=sorted(LINKS), default="loopback",
                    help="3g: the phases over loopback and through a 3G-shaped proxy, side by side")
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
    if args.link != "loopback":
        return compare_links(args, work, args.link)
    hub, url = start_hub_process(work / "hub")
    try:
        _load_unit(url, args)
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
