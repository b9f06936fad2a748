"""43-file benchmark: `export-43` and `import-43` of a unit's records, each beside the
FHIR command that moves the same records (`export-fhir`, `import-fhir` of that export),
in the same run, so the ratio means something on a noisy machine.

    .venv/bin/python -m tests.benchmarks.bench_f43 --patients 10000
    .venv/bin/python -m tests.benchmarks.bench_f43 --patients 100000 --export-only

(A primary care unit serves 3,000-10,000 people, which is what an import moves; the export
is also measured on 100,000 patients, a district's worth.)

Each command runs in a child process of its own (the real `clinic-app` entry point), so
its peak RSS is its own. Installations use a passphrase-wrapped key (no keyring needed).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HCODE = "99999"
ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def phase(argv: list[str]) -> None:
    """Run one clinic-app command in this process; print its seconds and peak RSS."""
    from clinic_app.cli import main as cli_main

    out = argv.pop(argv.index("--stdout") + 1) if "--stdout" in argv else None
    if out:
        argv.remove("--stdout")
        sys.stdout = open(out, "w", encoding="utf-8")  # noqa: SIM115 - closed at exit
    start = time.perf_counter()
    code = cli_main(argv)
    seconds = time.perf_counter() - start
    sys.stdout.flush()
    sys.stdout = sys.__stdout__
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "seconds": seconds, "rss_mb": rss}))


def _run(folder: Path, *args: str, stdout: Path | None = None) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, **ENV, "CLINIC_APP_PASSPHRASE_FILE": str(folder.parent / "passphrase")}
    argv = [sys.executable, "-m", "tests.benchmarks.bench_f43", "--phase", "--data-dir", str(folder), *args]
    if stdout is not None:
        argv += ["--stdout", str(stdout)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=7200)
    result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    if done.returncode != 0 or result.get("code") != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-2000:]}")
    return result


def main() -> int:
    if "--phase" in sys.argv:
        args = sys.argv[1:]
        args.remove("--phase")
        phase(args)
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--export-only", action="store_true", help="skip the two imports")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-f43-"))
    (work / "passphrase").write_text("benchmark passphrase, not a secret\n")
    units = {name: work / name for name in ("source", "by43", "byfhir")}
    for folder in units.values():
        _run(folder, "init", "--hcode", HCODE)
    start = time.perf_counter()
    _run(units["source"], "demo-data", "--patients", str(opts.patients))
    built = time.perf_counter() - start
    status = work / "status.json"
    _run(units["source"], "status", stdout=status)
    counts = json.loads(status.read_text())["counts"]
    out43 = work / "f43.zip"
    bundle = work / "bundle.json"
    rows = {
        "export-43": _run(units["source"], "export-43", str(out43)),
        "export-fhir": _run(units["source"], "export-fhir", stdout=bundle),
    }
    if not opts.export_only:
        rows["import-43"] = _run(units["by43"], "import-43", str(out43))
        rows["import-fhir"] = _run(units["byfhir"], "import-fhir", str(bundle))
    total = sum(counts.values())
    print(f"43-file benchmark: {opts.patients:,} demo patients, {total:,} resources (built in {built:.0f} s), "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; archive {out43.stat().st_size / 2**20:.1f} MiB, "
          f"FHIR bundle {bundle.stat().st_size / 2**20:.1f} MiB\n")
    print("| command | seconds | patients/s | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for name, row in rows.items():
        print(f"| `{name}` | {row['seconds']:.1f} | {opts.patients / row['seconds']:,.0f} | {row['rss_mb']:.0f} |")
    ratios = [f"{kind}-43 / {kind}-fhir time: {rows[kind + '-43']['seconds'] / rows[kind + '-fhir']['seconds']:.2f}"
              for kind in ("export", "import") if kind + "-43" in rows]
    print("\n" + "; ".join(ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
