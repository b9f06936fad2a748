"""Sandbox hub benchmark: transaction ingest and search over loopback.

    .venv/bin/python -m tests.benchmarks.bench_hub --resources 100000

Starts `clinic-app hub serve` as a child process (so client and server do not share a
GIL), ingests demo data as 200-entry transaction Bundles (PUT with client ids, as the
desktop sends them), then times searches on the loaded hub. The floor in the same run is
`GET /metadata` (the cost of a request that touches no data). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from clinic_app.core import demo
from clinic_app.core.identifiers import CID_SYSTEM
from tests.hubprocess import start_hub_process

FHIR = {"Content-Type": "application/fhir+json"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    r = client.get(url, params=params)
    r.raise_for_status()
    return (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--bundle", type=int, default=200)
    ap.add_argument("--queries", type=int, default=500)
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    proc, base = start_hub_process(folder)
    try:
        resources, patients = [], []
        for person in demo.generate(args.resources // 19 + 1, seed=3, hcode="12345"):
            resources.extend(person.resources)
            patients.append((person.resources[0]["id"], person.cid))
            if len(resources) >= args.resources:
                break
        resources = resources[: args.resources]
        bundles = [json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r,
             "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in resources[i:i + args.bundle]]}) for i in range(0, len(resources), args.bundle)]
        sent = sum(len(b) for b in bundles)
        with httpx.Client(base_url=base + "/", headers=FHIR, timeout=120) as client:
            t0 = time.perf_counter()
            for body in bundles:
                r = client.post("", content=body)
                r.raise_for_status()
            ingest = time.perf_counter() - t0
            rng = random.Random(1)
            sample = rng.sample(patients, min(args.queries, len(patients)))
            rows = {
                "GET /metadata (floor)": [timed(client, "metadata") for _ in sample],
                "Patient?identifier=CID": [timed(client, "Patient", {"identifier": f"{CID_SYSTEM}|{c}"}) for _, c in sample],
                "Observation?patient=ID": [timed(client, "Observation", {"patient": p}) for p, _ in sample],
                "Encounter?patient=ID&_sort=_lastUpdated": [
                    timed(client, "Encounter", {"patient": p, "_sort": "_lastUpdated"}) for p, _ in sample],
                "Observation?_lastUpdated=gt…&_count=100 (a pull page)": [],
                "Observation?_summary=count": [timed(client, "Observation", {"_summary": "count"})
                                               for _ in range(max(5, len(sample) // 50))],
            }
            stamps = [r["meta"]["lastUpdated"] for r in client.get(
                "Observation", params={"_count": "1000", "_sort": "_lastUpdated"}).json()["entry"] and
                [e["resource"] for e in client.get("Observation", params={"_count": "1000"}).json()["entry"]]]
            for _ in sample:
                rows["Observation?_lastUpdated=gt…&_count=100 (a pull page)"].append(
                    timed(client, "Observation", {"_lastUpdated": f"gt{rng.choice(stamps)}", "_count": "100"}))
        print(f"Hub benchmark: {len(resources):,} resources in {len(bundles)} transaction Bundles of {args.bundle},"
              f" {sent / len(resources):,.0f} bytes per resource sent, server in a child process, loopback")
        print(f"Ingest: {len(resources) / ingest:,.0f} resources/s ({ingest:.1f} s); target ≥ 2,000")
        print()
        print("| request | p50 ms | p95 ms | target p95 |")
        print("|---|---:|---:|---:|")
        for name, values in rows.items():
            target = "-" if "floor" in name else "≤ 20 ms"
            print(f"| {name} | {statistics.median(values):.2f} | {pct(values, 0.95):.2f} | {target} |")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for p in sorted(folder.iterdir()):
            p.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
