"""Reshape benchmark: a data-version-1 folder rewritten in the SIL-TH shapes at first open.

    dbus-run-session -- bash installer/with-keyring.sh \\
        .venv/bin/python -m tests.benchmarks.bench_reshape --patients 20000

Makes N demo patients (`core.demo`, which writes the SIL-TH shapes) and turns each record
back into the shape the release before wrote (`to_v1`: the inverse of `core.reshape` for
the parts it changes, as in tests/fixtures/old_shapes_v1.json). On a sample it checks that
`reshape(to_v1(r))` gives the demo records back and that they pass the conformance check,
and compares the v1 records' shapes with the fixture's (printed, never failing).

Then a fresh encrypted folder (`initialise`, the OS keyring: run it under with-keyring.sh)
is loaded, in a child process, with the v1 records as the release before left them:
`store.put` and an outbox "create" for each, in transactions of --load-batch patients,
`record_shape` 1. That load is the baseline (the same records and outbox rows written, no
reading, no reshaping; only the writing is timed). The timed work is
`services.reshape.reshape_folder(store)` in this process on a new connection, the rewrite
the first start runs, in one transaction; as the load ran elsewhere, this process's peak
RSS after it is the reshape's. Prints seconds, records/s, peak RSS before and after, and
the size of the database file before and after (checkpointed) and of the WAL the one
transaction leaves. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geothai

from clinic_app.conformance import check_all
from clinic_app.core import demo
from clinic_app.core.builders import RIGHT_BY_CODE
from clinic_app.core.fhir import Resource, stamp_owner
from clinic_app.core.identifiers import (
    COVERAGE_TYPE_SYSTEM,
    DIAGTYPE_SYSTEM,
    DRUG24_SYSTEM,
    EPI_VACCINE_SYSTEM,
    LANGUAGE_EXTENSION,
    LOCAL_DRUG_SYSTEM,
    OLD_ADDRESS_CODE_EXTENSION,
    OLD_DOPA_ADDRESS_SYSTEM,
    OLD_PASSPORT_SYSTEM,
    OLD_RIGHTS_EXTENSION,
    OLD_RIGHTS_SYSTEM,
    OLD_TMT_SYSTEM,
    PERSON_STATUS_EXTENSION,
    STRUCTURED_LINE_EXTENSION,
    TMT_SYSTEM,
    local_system,
)
from clinic_app.core.places import address_codes, address_text, postal_code
from clinic_app.core.reshape import F43_URN, reshape
from clinic_app.store import database
from clinic_app.store.folder import MARKER_NAME

FIXTURE_PATH = Path(__file__).parents[1] / "fixtures" / "old_shapes_v1.json"
HCODE = "99999"  # the fixture's facility (the sandbox range)
OLD_VACCINE_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-vaccine-code"  # as the fixture has it
NEW_PASSPORT_THA = "http://hl7.org/fhir/sid/passport-THA"


# -- v2 -> v1 -----------------------------------------------------------------------------------

def to_v1(resource: Resource, hcode: str = HCODE, *, coverage: Resource | None = None) -> Resource | None:
    """`resource` as the release before wrote it (data version 1); None for what it did not
    write as a record of its own (a Coverage: give it to its Patient as `coverage`, which
    carries it in the old private right extension; a Practitioner)."""
    kind = resource.get("resourceType")
    if kind in ("Coverage", "Practitioner"):
        return None
    out = copy.deepcopy(resource)
    meta = out.get("meta")
    if isinstance(meta, dict):
        meta.pop("profile", None)
        if not meta:
            out.pop("meta")
    if isinstance(out.get("identifier"), list):
        out["identifier"] = [_untyped(i) for i in out["identifier"]]
    _drop_practitioners(out)
    if kind == "Patient":
        return _patient_v1(out, coverage)
    if kind == "Encounter":
        ids = []
        for ident in out.get("identifier") or []:
            if str(ident.get("system", "")).endswith("/VN"):  # the visit number was the 43 file's SEQ
                ident = {"system": local_system(hcode, "SEQ"), "value": ident.get("value")}
            ids.append(ident)
        if ids:
            out["identifier"] = ids
    elif kind == "Immunization":
        for coding in (out.get("vaccineCode") or {}).get("coding") or []:
            if coding.get("system") == EPI_VACCINE_SYSTEM:
                coding["system"] = OLD_VACCINE_SYSTEM
        if resource.get("performer") and not out.get("performer"):  # a dose given here: the facility
            out["performer"] = [{"actor": {"reference": f"Organization/{hcode}"}}]
    elif kind == "MedicationDispense":
        old = {LOCAL_DRUG_SYSTEM: local_system(hcode, "DRUG"), TMT_SYSTEM: OLD_TMT_SYSTEM,
               DRUG24_SYSTEM: OLD_TMT_SYSTEM}
        for coding in (out.get("medicationCodeableConcept") or {}).get("coding") or []:
            coding["system"] = old.get(coding.get("system"), coding.get("system"))
    elif kind == "Condition":
        extension = list(out.get("extension") or [])
        for category in out.get("category") or []:
            for coding in list(category.get("coding") or []):
                if coding.get("system") == DIAGTYPE_SYSTEM:
                    category["coding"].remove(coding)
                    extension.append({"url": F43_URN + "DIAGTYPE", "valueCode": coding.get("code")})
        if extension:
            out = {"resourceType": "Condition", "id": out["id"], "extension": extension,
                   **{k: v for k, v in out.items() if k not in ("resourceType", "id", "extension")}}
    return out


def person_to_v1(resources: Iterable[Resource], hcode: str = HCODE) -> list[Resource]:
    """One demo patient's records in the v1 shapes: the Coverage into the Patient."""
    resources = list(resources)
    coverage = next((r for r in resources if r["resourceType"] == "Coverage"), None)
    out = [to_v1(r, hcode, coverage=coverage) for r in resources]
    return [r for r in out if r is not None]


def _untyped(ident: Any) -> Any:
    if not isinstance(ident, dict):
        return ident
    out = {k: v for k, v in ident.items() if k != "type"}
    if out.get("system") == NEW_PASSPORT_THA:
        out["system"] = OLD_PASSPORT_SYSTEM
    if str(out.get("system", "")).endswith("/VN"):
        out.pop("use", None)
    return out


def _is_practitioner(ref: Any) -> bool:
    return isinstance(ref, dict) and str(ref.get("reference", "")).startswith("Practitioner/")


def _drop_practitioners(resource: Resource) -> None:
    """Version 1 named no staff member: the Practitioner references go."""
    for key, inner in (("participant", "individual"), ("performer", "actor")):
        if isinstance(resource.get(key), list):
            kept = [p for p in resource[key] if not _is_practitioner((p or {}).get(inner))]
            if kept:
                resource[key] = kept
            else:
                resource.pop(key)
    for key in ("asserter", "recorder", "performer"):
        if _is_practitioner(resource.get(key)):
            resource.pop(key)
    if isinstance(resource.get("performer"), list):  # Observation.performer: references themselves
        kept = [p for p in resource["performer"] if not _is_practitioner(p)]
        if kept:
            resource["performer"] = kept
        else:
            resource.pop("performer")


def _patient_v1(patient: Resource, coverage: Resource | None) -> Resource:
    extension = []
    for ext in patient.get("extension") or []:
        if ext.get("url") == PERSON_STATUS_EXTENSION:
            code = ((ext.get("valueCodeableConcept") or {}).get("coding") or [{}])[0].get("code")
            extension.append({"url": F43_URN + "TYPEAREA", "valueCode": code})
        else:
            extension.append(ext)
    if coverage is not None:
        nhso = next((c.get("code") for c in (coverage.get("type") or {}).get("coding") or []
                     if c.get("system") == COVERAGE_TYPE_SYSTEM), None)
        if nhso in RIGHT_BY_CODE:
            extension.append({"url": OLD_RIGHTS_EXTENSION,
                              "valueCoding": {"system": OLD_RIGHTS_SYSTEM, "code": RIGHT_BY_CODE[nhso]}})
    names = []
    for name in patient.get("name") or []:
        language = next((e.get("valueCode") for e in name.get("extension") or [] if e.get("url") == LANGUAGE_EXTENSION),
                        None)
        rest = [e for e in name.get("extension") or [] if e.get("url") != LANGUAGE_EXTENSION]
        old: dict[str, Any] = {"extension": rest} if rest else {}
        use = "usual" if language == "en" and name.get("use") == "official" else name.get("use")
        old.update({k: v for k, v in (("use", use), ("text", name.get("text")), ("given", name.get("given")),
                                      ("family", name.get("family")), ("prefix", name.get("prefix"))) if v})
        names.append(old)
    out: Resource = {"resourceType": "Patient", "id": patient["id"]}
    if "meta" in patient:
        out["meta"] = patient["meta"]
    if extension:
        out["extension"] = extension
    for key, value in patient.items():
        if key in ("resourceType", "id", "meta", "extension"):
            continue
        if key == "name":
            value = names
        elif key == "address":
            value = [_address_v1(a) for a in value]
        out[key] = value
    return out


def _address_v1(address: dict[str, Any]) -> dict[str, Any]:
    """The address as the release before's `places.home_address` wrote it: house and หมู่ on
    the line, the subdistrict in `district` and the district in `city` (swapped), the DOPA
    code with the village number (8 digits) in the old address-code extension."""
    subdistrict, village = address_codes(address)
    if not subdistrict:
        return address
    house = ""
    for ext in address.get("extension") or []:
        if ext.get("url") == STRUCTURED_LINE_EXTENSION:
            house = next((p.get("valueString", "") for p in ext.get("extension") or [] if p.get("url") == "number"), "")
    if not house:
        house = re.sub(r"\s*หมู่(ที่)?\s*[0-9]+\s*$", "", " ".join(address.get("line") or [])).strip()
    line = " ".join(part for part in (house, f"หมู่ {village}" if village else "") if part)
    old: dict[str, Any] = {"use": address.get("use"), "country": "TH", "line": [line] if line else None}
    found = geothai.address(subdistrict)
    if found is not None:
        old.update(text=address_text(subdistrict), district=found.subdistrict.name_th, city=found.district.name_th,
                   state=found.province.name_th, postalCode=address.get("postalCode") or postal_code(subdistrict))
        digits = f"{int(village):02d}" if re.fullmatch(r"[0-9]{1,2}", village) and int(village) > 0 else ""
        old["extension"] = [{"url": OLD_ADDRESS_CODE_EXTENSION, "valueCodeableConcept": {"coding": [
            {"system": OLD_DOPA_ADDRESS_SYSTEM, "code": subdistrict + digits}]}}]
    return {k: v for k, v in old.items() if v}


# -- checks on a sample -------------------------------------------------------------------------

def _diff(a: Any, b: Any, path: str = "") -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in b:
                yield f"{path}.{key} (only in the demo record)"
            elif key not in a:
                yield f"{path}.{key} (only after reshape)"
            else:
                yield from _diff(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {json.dumps(a, ensure_ascii=False)[:60]} -> {json.dumps(b, ensure_ascii=False)[:60]}"


def _shape(value: Any, path: str) -> Iterator[str]:
    """A record's shape: its key paths, with the value of every `system` and `url`."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("system", "url"):
                yield f"{path}.{key}={inner}"
            else:
                yield from _shape(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for inner in value:
            yield from _shape(inner, f"{path}[]")
    else:
        yield path


def shapes(records: Iterable[Resource]) -> set[str]:
    return {p for r in records for p in _shape(r, r["resourceType"])}


def sample_check(people: list[list[Resource]], hcode: str) -> list[str]:
    """reshape(to_v1(r)) against the demo records, the conformance check of the result, and
    the v1 shapes against the fixture's: lines to print."""
    lines: list[str] = []
    v2 = [r for p in people for r in p]
    v1 = [r for p in people for r in person_to_v1(p, hcode)]
    back = [out for r in v1 for out in (reshape(r, hcode) or [r])]
    before = {(r["resourceType"], r["id"]): r for r in v2}
    after = {(r["resourceType"], r["id"]): r for r in back}
    differing: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for key in before.keys() & after.keys():
        found = list(_diff(before[key], after[key], key[0]))
        if found:
            differing[key[0]] += 1
            examples.setdefault(key[0], found[:3])
    missing, extra = before.keys() - after.keys(), after.keys() - before.keys()
    same = len(before.keys() & after.keys()) - sum(differing.values())
    lines.append(f"Sample check ({len(people):,} patients, {len(v2):,} demo records, {len(v1):,} in v1 shapes):"
                 f" reshape(to_v1(r)) equals the demo record for {same:,} of {len(before):,}"
                 f"; {sum(differing.values())} differ, {len(missing)} missing, {len(extra)} extra")
    for kind, found in examples.items():
        lines.append(f"  {kind} ({differing[kind]} differ), e.g. " + "; ".join(found))
    for kind, rid in sorted(missing)[:3]:
        lines.append(f"  missing after reshape: {kind}/{rid}")
    old_violations = check_all(v1)
    violations = check_all(back)
    lines.append(f"Conformance (check_all): {len(old_violations):,} violations in the v1 records,"
                 f" {len(violations)} after reshape"
                 + ("" if not violations else ": " + "; ".join(str(v) for v in violations[:5])))
    fixture = json.loads(FIXTURE_PATH.read_text(encoding="utf-8"))
    theirs = shapes(fixture["records"])
    mine = shapes(v1)
    types = {p.split(".", 1)[0].split("[", 1)[0] for p in theirs}
    unknown = sorted({p.split(".", 1)[0] for p in mine} - types)
    novel = sorted(p for p in mine - theirs if p.split(".", 1)[0] in types)
    lines.append(f"Shapes against tests/fixtures/old_shapes_v1.json: {len(mine & theirs)} of the v1 records'"
                 f" {len(mine)} paths (with system/url values) are in the fixture; {len(theirs - mine)} of the"
                 f" fixture's are not made by the demo data; types the fixture lacks: {', '.join(unknown) or 'none'}")
    if novel:
        lines.append(f"  paths not in the fixture ({len(novel)}): " + "; ".join(novel[:12]))
    return lines


# -- the run ------------------------------------------------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def phase_load(folder: Path, patients: int, seed: int, load_batch: int) -> dict[str, Any]:
    """In a child process: a new folder as the release before left it, its load timed."""
    from clinic_app.security.keys import KeyStore
    from clinic_app.services.installation import initialise

    inst = initialise(folder, hcode=HCODE, keys=KeyStore())
    store = inst.connect()
    seconds, records, kinds = 0.0, 0, Counter[str]()

    def write(chunk: list[Resource]) -> float:
        t0 = time.perf_counter()
        with store.transaction():
            for record in chunk:
                store.put(record)
                store.outbox.enqueue(record["resourceType"], record["id"], "create")
        return time.perf_counter() - t0

    try:
        with store.transaction():
            store.settings.set("record_shape", 1)
        batch: list[Resource] = []
        for n, person in enumerate(demo.generate(patients, seed=seed, hcode=HCODE), 1):
            for record in person_to_v1(person.resources, HCODE):
                batch.append(stamp_owner(record, HCODE))
                kinds[record["resourceType"]] += 1
            if n % load_batch == 0 or n == patients:
                seconds += write(batch)  # only the writing is timed, not making the records
                records += len(batch)
                batch = []
        database.checkpoint(store.conn)
    finally:
        store.close()
        inst.close()
    return {"seconds": seconds, "records": records, "kinds": dict(kinds), "peak_mb": _peak_mb()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=500, help="patients whose round trip is checked")
    ap.add_argument("--load-batch", type=int, default=1000, help="patients per transaction of the load")
    ap.add_argument("--dir", help="where to make the data folder (default: a temporary folder, removed)")
    ap.add_argument("--phase", choices=["load"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase == "load":
        print(json.dumps(phase_load(Path(args.dir), args.patients, args.seed, args.load_batch)))
        return 0

    from clinic_app.security.keys import KeyStore
    from clinic_app.services.installation import open_installation
    from clinic_app.services.reshape import reshape_folder

    keys = KeyStore()
    if not keys.keyring_works():
        raise SystemExit("No working OS keyring: run under dbus-run-session -- bash installer/with-keyring.sh")
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="reshape-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    folder = work / "data"
    inst = None
    try:
        # The load runs in a child process, so this process's peak RSS is the reshape's own.
        done = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_reshape", "--phase", "load",
                               "--dir", str(folder), "--patients", str(args.patients), "--seed", str(args.seed),
                               "--load-batch", str(args.load_batch)], capture_output=True, text=True, timeout=7200)
        if done.returncode != 0:
            raise SystemExit(f"the load failed:\n{done.stderr[-2000:]}")
        load = json.loads(done.stdout.strip().splitlines()[-1])
        inst = open_installation(folder, keys=keys)
        db_path = inst.folder.db_path
        size_before = _size(db_path)

        # The first start: a new connection (a cold page cache), the rewrite in one transaction.
        store = inst.connect()
        try:
            rss_before = _peak_mb()
            t0 = time.perf_counter()
            changes = reshape_folder(store)
            reshape_seconds = time.perf_counter() - t0
            rss_after = _peak_mb()
            wal_after = _size(Path(f"{db_path}-wal"))
            shape = int(store.settings.get("record_shape"))
            outbox = store.outbox.counts()
            audit = sum(1 for row in store.audit.rows() if row[3] == "reshape-records")
            database.checkpoint(store.conn)
        finally:
            store.close()
        size_after = _size(db_path)
    finally:
        if inst is None and (folder / MARKER_NAME).exists():
            try:
                inst = open_installation(folder, keys=keys, verify_open=False)
            except Exception:  # noqa: BLE001 - clean-up of a failed run
                inst = None
        if inst is not None:
            inst.forget_secrets()
            inst.close()
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)

    people = [person.resources for person in demo.generate(min(args.sample, args.patients), seed=args.seed,
                                                           hcode=HCODE)]
    check_lines = sample_check(people, HCODE)
    records, load_seconds, rewritten = load["records"], load["seconds"], changes.total
    print(f"Reshape benchmark: {args.patients:,} demo patients in the v1 shapes, encrypted folder (OS keyring),"
          f" load in transactions of {args.load_batch:,} patients (in a child process), Python"
          f" {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for line in check_lines:
        print(line)
    kinds = sorted(load["kinds"].items(), key=lambda kv: -kv[1])
    print(f"v1 records: {', '.join(f'{k} {v:,}' for k, v in kinds)}; the load's peak RSS {load['peak_mb']:.0f} MB")
    print(f"Reshape wrote: created {dict(changes.created)}, updated {dict(changes.updated)};"
          f" record_shape {shape}, {audit} reshape-records audit entry, outbox {outbox}"
          f" ({records:,} creates queued before)")
    print()
    print("| patients | records | load s (baseline) | reshape s | ratio | reshape records/s |"
          " peak RSS MB before | peak RSS MB after | DB MiB before | DB MiB after | WAL MiB after the reshape |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.patients:,} | {records:,} (+{rewritten - records:,} Coverages) | {load_seconds:.1f} |"
          f" {reshape_seconds:.1f} | {reshape_seconds / load_seconds:.2f} | {rewritten / reshape_seconds:,.0f} |"
          f" {rss_before:.0f} | {rss_after:.0f} | {size_before / 2**20:,.0f} | {size_after / 2**20:,.0f} |"
          f" {wal_after / 2**20:,.0f} |")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
