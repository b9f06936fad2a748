"""Relay benchmark (issue 17): five desktops of a unit syncing through one unit relay,
beside the same desktops syncing straight with the hub.

    cd /work/main && QT_QPA_PLATFORM=offscreen dbus-run-session -- bash installer/with-keyring.sh \\
        .venv/bin/python -m tests.benchmarks.bench_relay --desktops 5 --changes 2000

Real processes on loopback, the OS keyring (run it under installer/with-keyring.sh): the cloud
hub is `clinic-app hub serve` (auth on, SIL-TH rules on) in a child process; the relay is
`clinic-app --data-dir R relay serve` (https, its own SQLCipher folder) in another; each
desktop's sync runs in a child process of its own (`--phase sync`: `sync_now`, timed inside),
so no two share a GIL, as five computers would not. Every desktop is made with `initialise`,
enrolled at the cloud and at the relay, joined to the relay by its fingerprint, and given
`load_demo(N)` patients of its own seed (N so its outbox holds about --changes entries; the
real count is printed).

Scenarios, each on fresh processes and fresh folders with the same data (same seeds):
- relay, sequential: the desktops sync one after another with the relay; then the relay's
  upstream sync (`clinic-app --data-dir R sync`, which asks the serving relay); then each
  desktop syncs once more (what the cloud's answer costs them);
- relay, concurrent: the same, the desktops' first syncs all at once;
- direct, sequential and concurrent: the same desktops, not joined, with a fresh hub.
The relay's peak RSS is its /proc/PID/status VmHWM, read after the desktops' syncs and again
after the upstream sync; the hub's likewise. The relay's periodic cloud sync is put off
(`sync_interval_minutes` 1440 on the relay) so that it syncs with the cloud only when asked
(it still syncs once at start, with nothing to send). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNIT = "99999"
PER_PATIENT = 19  # demo resources per patient, about (bench_sync's estimate)


def _proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _mib(kib: int) -> float:
    return kib / 1024


def phase_sync(folder: str) -> dict:
    """One sync of a desktop, in this process, timed (the partner is chosen as in the app)."""
    from clinic_app.security.keys import KeyStore
    from clinic_app.services.installation import open_installation
    from clinic_app.services.sync import sync_now

    inst = open_installation(Path(folder), keys=KeyStore())
    t0 = time.perf_counter()
    report = sync_now(inst)
    seconds = time.perf_counter() - t0
    inst.close()
    return {"seconds": seconds, "push_seconds": report.push_seconds, "pull_seconds": report.pull_seconds,
            "pushed": report.pushed, "pulled": report.pulled, "pending": report.pending, "failed": report.failed,
            "conflicts": report.conflicts, "start": time.time() - seconds, "end": time.time()}


def _phase_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-m", "tests.benchmarks.bench_relay", "--phase", "sync", "--folder", str(folder)]


def _result(proc: subprocess.CompletedProcess[str] | tuple[int, str, str]) -> dict:
    rc, out, err = (proc.returncode, proc.stdout, proc.stderr) if not isinstance(proc, tuple) else proc
    if rc != 0:
        raise SystemExit(f"a desktop's sync failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def sync_desktops(folders: list[Path], *, concurrent: bool) -> tuple[float, list[dict]]:
    """Wall time of the desktops' syncs (each in its own process), and each one's report."""
    t0 = time.perf_counter()
    if concurrent:
        procs = [subprocess.Popen(_phase_cmd(f), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for f in folders]
        outs = [p.communicate(timeout=3600) for p in procs]
        results = [_result((p.returncode, o, e)) for p, (o, e) in zip(procs, outs)]
    else:
        results = [_result(subprocess.run(_phase_cmd(f), capture_output=True, text=True, timeout=3600))
                   for f in folders]
    return time.perf_counter() - t0, results


def start_hub(folder: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "clinic_app", "hub", "serve", "--port", "0", "--data-dir",
                             str(folder)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), f"the hub did not start: {url!r}"
    return proc, url


def start_relay(folder: Path) -> tuple[subprocess.Popen[str], str, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "clinic_app", "--data-dir", str(folder), "relay", "serve",
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    fingerprint = proc.stdout.readline().strip()
    assert url.startswith("https://127.0.0.1:"), f"the relay did not start: {url!r}"
    return proc, url, fingerprint


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def scenario(work: Path, keys: object, *, via_relay: bool, concurrent: bool, desktops: int,
             patients: int) -> dict:
    """Fresh hub (and relay), fresh desktops with the same data; the syncs timed."""
    from clinic_app.hub.server import open_hub
    from clinic_app.security.device import enrolment
    from clinic_app.services import relay
    from clinic_app.services.installation import configure_hub, initialise
    from clinic_app.services.sync import relay_certificate
    from tests.sync.conftest import service

    name = f"{'relay' if via_relay else 'direct'}-{'concurrent' if concurrent else 'sequential'}"
    base = work / name
    base.mkdir()
    made = []
    t0 = time.perf_counter()
    for i in range(desktops):
        inst = initialise(base / f"desktop{i}", hcode=UNIT, keys=keys)  # type: ignore[arg-type]
        svc = service(inst)
        svc.load_demo(patients, seed=100 + i)
        svc.store.close()
        made.append(inst)
    relay_inst = initialise(base / "relay", hcode=UNIT, keys=keys) if via_relay else None  # type: ignore[arg-type]
    load_seconds = time.perf_counter() - t0
    hub_dir = base / "cloud"
    hub = open_hub(hub_dir)  # enrol before serving (the hub's folder is then the process's own)
    try:
        for inst in made + ([relay_inst] if relay_inst else []):
            hub.authority.enroll(enrolment(inst.device(), UNIT))
    finally:
        hub.close()
    hub_proc, hub_url = start_hub(hub_dir)
    relay_proc = None
    row: dict = {"name": name, "load_seconds": load_seconds}
    try:
        for inst in made + ([relay_inst] if relay_inst else []):
            configure_hub(inst, hub_url, auth=True)
        queued = []
        for inst in made:
            store = inst.connect()
            queued.append(sum(store.outbox.counts().values()))
            store.close()
        row["queued"] = queued
        if relay_inst is not None:
            store = relay_inst.connect()
            with store.transaction():
                store.settings.set("sync_interval_minutes", 1440)
            store.close()
            for inst in made:
                relay.enroll(relay_inst, enrolment(inst.device(), UNIT))
            relay_proc, url, fingerprint = start_relay(relay_inst.folder.path)
            for inst in made:
                relay.join(inst, url, fingerprint, peer_certificate=relay_certificate)
            row["relay_start_kib"] = _proc_kib(relay_proc.pid, "VmRSS")
        server = relay_proc or hub_proc
        row["first_seconds"], row["first"] = sync_desktops([i.folder.path for i in made], concurrent=concurrent)
        row["server_hwm_after_desktops"] = _proc_kib(server.pid, "VmHWM")
        if relay_inst is not None:
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(relay_inst.folder.path),
                                   "sync"], capture_output=True, text=True, timeout=3600)
            row["upstream_seconds"] = time.perf_counter() - t
            if done.returncode != 0:
                raise SystemExit(f"the relay's upstream sync failed ({done.returncode}):\n{done.stderr}")
            row["upstream"] = json.loads(done.stdout)
            row["relay_hwm"] = _proc_kib(server.pid, "VmHWM")
            row["hub_hwm"] = _proc_kib(hub_proc.pid, "VmHWM")
        row["second_seconds"], row["second"] = sync_desktops([i.folder.path for i in made], concurrent=False)
        row["server_hwm"] = _proc_kib(server.pid, "VmHWM")
        if not via_relay:
            row["hub_hwm"] = row["server_hwm"]
    finally:
        if relay_proc is not None:
            _stop(relay_proc)
        _stop(hub_proc)
        for inst in made + ([relay_inst] if relay_inst else []):
            inst.forget_secrets()
            inst.close()
        shutil.rmtree(base, ignore_errors=True)
    return row


def _sum(results: list[dict], key: str) -> int:
    return sum(int(r[key]) for r in results)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--desktops", type=int, default=5, help="desktops of the unit")
    ap.add_argument("--changes", type=int, default=2000, help="queued changes per desktop (about)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 desktops, 200 changes each")
    ap.add_argument("--only", choices=["sequential", "concurrent"], help="one way of syncing the desktops, not both")
    ap.add_argument("--phase", choices=["sync"])
    ap.add_argument("--folder")
    args = ap.parse_args(argv)
    if args.phase == "sync":
        print(json.dumps(phase_sync(args.folder)))
        return 0
    if args.quick:
        args.desktops, args.changes = 2, 200

    from clinic_app.security.keys import KeyStore

    keys = KeyStore()
    if not keys.keyring_works():
        raise SystemExit("No working OS keyring: run it under installer/with-keyring.sh (see the docstring).")
    patients = max(1, round(args.changes / PER_PATIENT))
    work = Path(tempfile.mkdtemp(prefix="relay-bench-"))
    modes = [m == "concurrent" for m in (["sequential", "concurrent"] if not args.only else [args.only])]
    rows: dict[tuple[bool, bool], dict] = {}
    try:
        for concurrent in modes:
            for via_relay in (True, False):
                rows[(via_relay, concurrent)] = scenario(work, keys, via_relay=via_relay, concurrent=concurrent,
                                                         desktops=args.desktops, patients=patients)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    any_row = next(iter(rows.values()))
    queued = any_row["queued"]
    print(f"Relay benchmark: {args.desktops} desktops of one unit, {patients} demo patients each"
          f" ({min(queued):,}-{max(queued):,} queued changes each, {sum(queued):,} in all), over loopback;"
          f" hub (auth, SIL-TH rules) and relay (https) in child processes, each desktop's sync in its own process;"
          f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    print("| desktops' syncs | step | relay s | direct s | relay / direct | pushed (relay / direct) |"
          " pulled (relay / direct) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for concurrent in modes:
        r, d = rows[(True, concurrent)], rows[(False, concurrent)]
        how = "concurrent" if concurrent else "sequential"
        slowest_r = max(x["seconds"] for x in r["first"])
        slowest_d = max(x["seconds"] for x in d["first"])
        print(f"| {how} | desktops' first syncs, wall | {r['first_seconds']:.1f} | {d['first_seconds']:.1f} |"
              f" {r['first_seconds'] / d['first_seconds']:.2f} | {_sum(r['first'], 'pushed'):,} /"
              f" {_sum(d['first'], 'pushed'):,} | {_sum(r['first'], 'pulled'):,} / {_sum(d['first'], 'pulled'):,} |")
        print(f"| {how} | slowest desktop's sync (push s + pull s) | {slowest_r:.1f}"
              f" ({max(x['push_seconds'] for x in r['first']):.1f} + {max(x['pull_seconds'] for x in r['first']):.1f})"
              f" | {slowest_d:.1f} ({max(x['push_seconds'] for x in d['first']):.1f} +"
              f" {max(x['pull_seconds'] for x in d['first']):.1f}) | {slowest_r / slowest_d:.2f} | - | - |")
        up = r["upstream"]
        print(f"| {how} | relay's upstream sync to the cloud (`sync`) | {r['upstream_seconds']:.1f} | - | - |"
              f" {up.get('pushed', 0):,} / - | {up.get('pulled', 0):,} / - |")
        total_r = r["first_seconds"] + r["upstream_seconds"]
        print(f"| {how} | all in the cloud: desktops + upstream | {total_r:.1f} | {d['first_seconds']:.1f} |"
              f" {total_r / d['first_seconds']:.2f} | - | - |")
        print(f"| {how} | each desktop's next sync, sequential, wall | {r['second_seconds']:.1f} |"
              f" {d['second_seconds']:.1f} | {r['second_seconds'] / max(d['second_seconds'], 1e-9):.2f} |"
              f" {_sum(r['second'], 'pushed'):,} / {_sum(d['second'], 'pushed'):,} |"
              f" {_sum(r['second'], 'pulled'):,} / {_sum(d['second'], 'pulled'):,} |")
    print()
    print("| desktops' syncs | relay RSS at start MiB | relay peak RSS after desktops MiB |"
          " relay peak RSS after upstream + next syncs MiB | cloud hub peak (relay run) MiB |"
          " hub peak (direct run) MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for concurrent in modes:
        r, d = rows[(True, concurrent)], rows[(False, concurrent)]
        print(f"| {'concurrent' if concurrent else 'sequential'} | {_mib(r['relay_start_kib']):.0f} |"
              f" {_mib(r['server_hwm_after_desktops']):.0f} | {_mib(r['server_hwm']):.0f} | {_mib(r['hub_hwm']):.0f} |"
              f" {_mib(d['hub_hwm']):.0f} |")
    print()
    problems = [(k, x) for k, row in rows.items() for x in row["first"] + row["second"]
                if x["failed"] or x["conflicts"] or x["pending"]]
    for (via_relay, concurrent), x in problems:
        print(f"- {'relay' if via_relay else 'direct'} {'concurrent' if concurrent else 'sequential'}: a desktop's"
              f" sync left {x['pending']} pending, {x['failed']} failed, {x['conflicts']} conflicts")
    for (via_relay, concurrent), row in rows.items():
        if via_relay:
            up = row["upstream"]
            print(f"- relay {'concurrent' if concurrent else 'sequential'} upstream report: pushed {up.get('pushed')},"
                  f" pulled {up.get('pulled')}, push {up.get('push_seconds', 0):.1f} s, pull"
                  f" {up.get('pull_seconds', 0):.1f} s, failed {up.get('failed')}, pending {up.get('pending')}")
    print("- The relay rows' pushes count the desktops' outboxes plus their audit trails; the direct rows the same."
          " Setting up (initialise + load_demo) took"
          f" {max(row['load_seconds'] for row in rows.values()):.0f} s per scenario at most, not timed above.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
