"""Store benchmark: the encrypted SQLCipher store against the same code on plain SQLite.

    .venv/bin/python -m tests.benchmarks.bench_store --patients 100000

Builds both databases from the same deterministic demo data (about 20 resources per
patient), then times, on each, in the same run: lookup by citizen ID, lookup by HN, Thai
name substring search, loading one patient's chart, and inserting 10,000 resources in one
transaction. Prints p50 and p95 per row, the encrypted/plain ratio of the p95s, and the
encrypted file's bytes per resource. Figures, not assertions: nothing here fails on time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clinic_app.core import demo
from clinic_app.store import database
from clinic_app.security.audit_chain import link
from clinic_app.store.record_store import RecordStore

TARGETS = {"lookup by citizen ID": 2.0, "lookup by HN": 2.0, "Thai name substring search": 30.0,
           "load one patient's chart": 15.0}


@dataclass
class Sample:
    cid: str
    hn: str
    patient_id: str
    name_part: str


def build(path: Path, key: bytes | None, patients: int, seed: int,
          samples: list[Sample] | None, batch: int = 1000) -> int:
    store = RecordStore(database.connect(path, key, create=True), link=link)
    count, chunk = 0, []
    rng = random.Random(seed + 1)
    try:
        for n, person in enumerate(demo.generate(patients, seed=seed, hcode="12345")):
            chunk.extend(person.resources)
            if samples is not None:
                _maybe_sample(rng, patients, person, samples)
            if (n + 1) % batch == 0:
                count += _insert(store, chunk)
                chunk = []
        count += _insert(store, chunk)
        database.checkpoint(store.conn)
    finally:
        store.close()
    return count


def collect_samples(patients: int, seed: int, samples: list[Sample]) -> int:
    """The samples `build` would draw, without building (for --reuse)."""
    rng, total = random.Random(seed + 1), 0
    for person in demo.generate(patients, seed=seed, hcode="12345"):
        total += len(person.resources)
        _maybe_sample(rng, patients, person, samples)
    return total


def _maybe_sample(rng: random.Random, patients: int, person: demo.DemoPatient, samples: list[Sample]) -> None:
    if rng.random() < min(1.0, 4000 / patients):
        patient = person.resources[0]
        family = patient["name"][0]["family"]
        start = rng.randint(0, max(0, len(family) - 4))
        samples.append(Sample(person.cid, patient["identifier"][1]["value"], patient["id"],
                              family[start:start + 4]))


def _insert(store: RecordStore, resources: list[dict]) -> int:
    with store.transaction():
        for res in resources:
            store.put(res)
    return len(resources)


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(path: Path, key: bytes | None, samples: list[Sample], warmup: list[Sample], insert_rounds: int,
            cache_kib: int) -> dict[str, list[float]]:
    store = RecordStore(database.connect(path, key, cache_kib=cache_kib), link=link)
    results: dict[str, list[float]] = {k: [] for k in TARGETS}
    results["insert 10,000 resources (one transaction)"] = []
    try:
        # A desktop keeps its connection open all day: warm the cache on other patients first.
        for s in warmup:
            store.find_patients("cid", s.cid)
            store.find_patients("hn", s.hn)
            store.search_patients(s.name_part, limit=50)
            store.chart(s.patient_id)
        for s in samples:
            results["lookup by citizen ID"] += timings(lambda: store.find_patients("cid", s.cid), 1)
            results["lookup by HN"] += timings(lambda: store.find_patients("hn", s.hn), 1)
            results["Thai name substring search"] += timings(lambda: store.search_patients(s.name_part, limit=50), 1)
            results["load one patient's chart"] += timings(lambda: store.chart(s.patient_id), 1)
        extra = [r for p in demo.generate(600, seed=99_999, hcode="12345") for r in p.resources][:10_000]
        for round_no in range(insert_rounds):
            batch = [{**r, "id": f"{r['id'][:-4]}{round_no:04d}"} for r in extra]
            results["insert 10,000 resources (one transaction)"] += timings(lambda: _insert(store, batch), 1)
    finally:
        store.close()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=1000, help="sampled patients per query kind")
    ap.add_argument("--reuse", action="store_true", help="with --dir: reuse databases built before (key.hex kept there)")
    ap.add_argument("--insert-rounds", type=int, default=5)
    ap.add_argument("--cache-mib", type=int, default=database.CACHE_KIB // 1024,
                    help="SQLite page cache per connection (the app's default unless given)")
    ap.add_argument("--dir", help="where to build the databases (default: a temporary folder)")
    args = ap.parse_args(argv)
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="clinic-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    enc_path, plain_path, key_path = workdir / "encrypted.db", workdir / "plain.db", workdir / "key.hex"
    if args.reuse and key_path.exists():
        key = bytes.fromhex(key_path.read_text())
        total = collect_samples(args.patients, args.seed, samples)
        build_enc = build_plain = float("nan")
    else:
        key = os.urandom(32)
        key_path.write_text(key.hex())  # benchmark data only: demo patients
        for p in (enc_path, plain_path):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        total = build(enc_path, key, args.patients, args.seed, samples)
        build_enc = time.perf_counter() - t0
        t0 = time.perf_counter()
        build(plain_path, None, args.patients, args.seed, None)
        build_plain = time.perf_counter() - t0
    rng = random.Random(args.seed)
    rng.shuffle(samples)
    measured = samples[: min(args.queries, len(samples) // 2)]
    warmup = samples[len(measured):]
    cache = args.cache_mib * 1024
    enc = measure(enc_path, key, measured, warmup, args.insert_rounds, cache)
    plain = measure(plain_path, None, measured, warmup, args.insert_rounds, cache)

    print(f"Store benchmark: {args.patients:,} patients, {total:,} resources, {len(measured)} sampled queries per row"
          f" after {len(warmup)} warm-up ones, page cache {args.cache_mib} MiB, Python {sys.version.split()[0]},"
          f" {os.cpu_count()} CPUs")
    print(f"Build (ingest incl. indexes): encrypted {total / build_enc:,.0f} resources/s,"
          f" plain {total / build_plain:,.0f} resources/s")
    print()
    print("| operation | encrypted p50 ms | encrypted p95 ms | plain p50 ms | plain p95 ms | ratio (p95) | target p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in enc.items():
        e50, e95 = pct(values, 0.5), pct(values, 0.95)
        p50, p95 = pct(plain[name], 0.5), pct(plain[name], 0.95)
        target = f"≤ {TARGETS[name]:g} ms" if name in TARGETS else "-"
        print(f"| {name} | {e50:.2f} | {e95:.2f} | {p50:.2f} | {p95:.2f} | {e95 / p95 if p95 else float('nan'):.2f} | {target} |")
    size = enc_path.stat().st_size
    plain_size = plain_path.stat().st_size
    print()
    print(f"File size: encrypted {size / total:,.0f} bytes per resource ({size / 2**20:,.0f} MiB),"
          f" plain {plain_size / total:,.0f} bytes per resource; target ≤ 2,500")
    sys.stdout.flush()
    if not args.dir:
        for p in workdir.iterdir():
            p.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
