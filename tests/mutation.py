"""A mutation pass over the code where a silent break would hurt most (issue 22).

    .venv/bin/python -m tests.mutation [--module NAME ...] [--max-mutants N] [--lines A-B[,C-D]]
                                       [--tests TEST ...] [--verbose]

For each target module, mutmut (2.x, used as a library for its mutations) makes every small
change it knows (an operator flipped, a constant changed, a string altered, a keyword
argument dropped ...); each mutant is run against only the tests that cover that module,
under the keyring wrapper, and must make one of them fail. A mutant the tests do not notice
"survives"; the list of survivors is printed for a person to judge (an equivalent change, a
log message's wording, or a hole in the tests).

A mutant is "killed" when a test fails, "timeout" when the run takes over three times the
baseline (+15 s; counted as killed). `--max-mutants` runs a sample spread evenly over the
module, `--lines` only the mutants on those lines: the table says how many of how many ran.
Needs the `mutation` extra (`pip install -e .[mutation]`), D-Bus and gnome-keyring as for the
tests.

The working tree is never mutated: the files git knows (tracked and untracked, not ignored)
are copied to a scratch folder, the mutants are written there, and the tests run there with
PYTHONPATH pointing at it (so the hub and CLI child processes run the mutant too). The folder
is removed at the end. Not a pytest module (the name has no `test_`), not part of the default
test command: it is slow. Figures, not thresholds: the exit status is 0 unless a baseline run
fails.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A type alias (`Link = Callable[[...], str]`, `KeySpec = dict[str, Any]`) is only read by type
# checkers here (annotations are not evaluated): every mutant of it is equivalent, and each
# one would cost a whole test run to prove so. Not run; counted in "skipped".
TYPE_ALIAS = re.compile(r"^[A-Z]\w* = (Callable|dict|list|tuple|set|frozenset)\[")


@dataclass(frozen=True)
class Target:
    path: str
    tests: tuple[str, ...]


TARGETS: dict[str, Target] = {
    "redact": Target("clinic_app/core/redact.py", (
        "tests/core/test_redact_mutants.py", "tests/core/test_outbox_and_redact.py", "tests/test_logging.py")),
    "audit_chain": Target("clinic_app/security/audit_chain.py", (
        "tests/security/test_mutants.py", "tests/security/test_audit_anchor.py", "tests/security/test_accounts.py")),
    "permissions": Target("clinic_app/core/permissions.py", (
        "tests/security/test_mutants.py", "tests/security/test_roles.py")),
    "rules": Target("clinic_app/hub/rules.py", (
        "tests/hub/test_rules_mutants.py", "tests/security/test_attacks.py", "tests/hub/test_health_link.py")),
    "push": Target("clinic_app/sync/push.py", (
        "tests/sync/test_push_mutants.py", "tests/sync/test_sync.py", "tests/sync/test_faults.py")),
    "keys": Target("clinic_app/security/keys.py", (
        "tests/security/test_keys_mutants.py", "tests/security/test_keys.py", "tests/security/test_recovery.py")),
}
# The tests written to kill survivors come first: under -x a mutant they kill dies in a second.


@dataclass
class Outcome:
    module: str
    total: int = 0  # mutants mutmut can make in the file (or in --lines)
    skipped: int = 0  # equivalent by construction (type aliases), not run
    run: int = 0
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    baseline_s: float = 0.0
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return 100.0 * (self.killed + len(self.timeouts)) / self.run if self.run else 0.0


def scratch_copy() -> Path:
    """The working tree as git sees it (tracked and untracked, not ignored), without caches."""
    dest = Path(tempfile.mkdtemp(prefix="clinic-mutation-"))
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():  # a tracked file deleted in the working tree is skipped
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(scratch), PYTHONDONTWRITEBYTECODE="1")
    return env


def command(tests: list[str]) -> list[str]:
    """The focused test run, under a private keyring (installer/with-keyring.sh) on its own bus."""
    return ["dbus-run-session", "--", "bash", "installer/with-keyring.sh",
            sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]


def run_tests(scratch: Path, tests: list[str], timeout: float | None) -> tuple[str, float, str]:
    """'passed', 'failed' or 'timeout', the seconds it took, and the output's tail."""
    start = time.monotonic()
    proc = subprocess.Popen(command(tests), cwd=scratch, env=environment(scratch), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the bus, the keyring, pytest, a hub child
        proc.communicate()
        return "timeout", time.monotonic() - start, ""
    except BaseException:  # interrupted: leave no test run behind
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    status = "passed" if proc.returncode == 0 else "failed"
    return status, time.monotonic() - start, out.decode(errors="replace")[-3000:]


def mutants(path: Path, lines: list[tuple[int, int]] | None) -> tuple[list[tuple[object, str]], int]:
    """(mutation id, mutated source) for every mutant in `path`, within `lines` when given, and
    how many were left out as type aliases."""
    from mutmut import ALL, Context, list_mutations, mutate

    source = path.read_text(encoding="utf-8")
    found, skipped = [], 0
    for mid in list_mutations(Context(source=source, mutation_id=ALL, filename=str(path))):
        if lines and not any(a <= mid.line_number + 1 <= b for a, b in lines):
            continue
        if TYPE_ALIAS.match(mid.line):
            skipped += 1
            continue
        mutated, _ = mutate(Context(source=source, mutation_id=mid, filename=str(path)))
        found.append((mid, mutated))
    return found, skipped


def describe(rel: str, original: str, mutated: str) -> str:
    old, new = original.splitlines(), mutated.splitlines()
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            before = " / ".join(s.strip() for s in old[i1:i2])
            after = " / ".join(s.strip() for s in new[j1:j2])
            parts.append(f"{rel}:{i1 + 1}: {before}  ->  {after}")
    return "; ".join(parts) or f"{rel}: (no textual change)"


def spread(items: list, n: int | None) -> list:
    """At most `n` items spread evenly over the list (deterministic)."""
    if n is None or n >= len(items):
        return items
    return [items[(i * len(items)) // n] for i in range(n)]


def run_target(name: str, target: Target, scratch: Path, *, max_mutants: int | None,
               lines: list[tuple[int, int]] | None, verbose: bool, tests: list[str] | None = None,
               timeout_s: float | None = None, deadline: float | None = None) -> Outcome:
    outcome = Outcome(name)
    path = scratch / target.path
    tests = tests or [t for t in target.tests if (scratch / t).exists()]
    original = path.read_text(encoding="utf-8")
    found, outcome.skipped = mutants(path, lines)
    outcome.total = len(found)
    chosen = spread(found, max_mutants)
    print(f"\n== {name}: {target.path}, {len(chosen)} of {len(found)} mutants; tests: {' '.join(tests)}",
          flush=True)
    status, outcome.baseline_s, tail = run_tests(scratch, tests, timeout=None)
    if status != "passed":
        print(f"   baseline run does not pass; skipped\n{tail}", flush=True)
        outcome.run = -1
        return outcome
    timeout = timeout_s or outcome.baseline_s * 3 + 15
    print(f"   baseline passes in {outcome.baseline_s:.1f} s (a mutant gets {timeout:.0f} s)", flush=True)
    start = time.monotonic()
    try:
        for n, (_mid, mutated) in enumerate(chosen, 1):
            if deadline and time.monotonic() > deadline:
                print(f"   out of time after {n - 1} mutants", flush=True)
                break
            path.write_text(mutated, encoding="utf-8")
            try:
                status, seconds, _ = run_tests(scratch, tests, timeout=timeout)
            finally:
                path.write_text(original, encoding="utf-8")
            what = describe(target.path, original, mutated)
            outcome.run += 1
            if status == "failed":
                outcome.killed += 1
            elif status == "timeout":
                outcome.timeouts.append(what)
            else:
                outcome.survived.append(what)
            if verbose or status == "passed":
                print(f"   [{n}/{len(chosen)}] {status:7s} {seconds:5.1f} s  {what}", flush=True)
    finally:
        path.write_text(original, encoding="utf-8")
    outcome.seconds = time.monotonic() - start
    return outcome


def table(outcomes: list[Outcome]) -> str:
    rows = ["| module | mutants run (of) | killed | survived | timeout | score % | skipped | time |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for o in outcomes:
        if o.run < 0:
            rows.append(f"| {o.module} | baseline failed | | | | | | |")
            continue
        rows.append(f"| {o.module} | {o.run} ({o.total}) | {o.killed} | {len(o.survived)} | {len(o.timeouts)} "
                    f"| {o.score:.0f} | {o.skipped} | {o.seconds / 60:.1f} min |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS),
                        help="a target (repeatable); all of them when not given")
    parser.add_argument("--max-mutants", type=int, help="at most this many mutants per module, spread over it")
    parser.add_argument("--lines", help="only mutants on lines A-B[,C-D ...] of the module (one module)")
    parser.add_argument("--tests", nargs="+", help="run these tests instead of the module's list (one module)")
    parser.add_argument("--timeout", type=float, help="seconds a mutant's run may take (default: 3 x baseline + 15)")
    parser.add_argument("--minutes", type=float, help="stop starting new mutants after this long; the table "
                                                     "says how many ran")
    parser.add_argument("--verbose", action="store_true", help="print every mutant, not only survivors")
    args = parser.parse_args(argv)
    names = args.module or list(TARGETS)
    lines = [(int(a), int(b)) for a, b in (r.split("-") for r in args.lines.split(","))] if args.lines else None
    if (lines or args.tests) and len(names) != 1:
        parser.error("--lines and --tests need exactly one --module")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds: the test run killed, the copy removed

    scratch = scratch_copy()
    try:
        where = subprocess.run([sys.executable, "-c", "import clinic_app; print(clinic_app.__file__)"], cwd=scratch,
                               env=environment(scratch), capture_output=True, text=True, check=True).stdout.strip()
        if not where.startswith(str(scratch)):  # else the mutants would never be imported
            raise SystemExit(f"clinic_app is imported from {where}, not from the scratch copy {scratch}")
        deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
        outcomes = [run_target(n, TARGETS[n], scratch, max_mutants=args.max_mutants, lines=lines,
                               verbose=args.verbose, tests=args.tests, timeout_s=args.timeout, deadline=deadline)
                    for n in names]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("\n" + table(outcomes))
    for o in outcomes:
        if o.survived or o.timeouts:
            print(f"\n{o.module}: survivors")
            for s in o.survived:
                print(f"  - {s}")
            for s in o.timeouts:
                print(f"  - (timeout, counted as killed) {s}")
    return 1 if any(o.run < 0 for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
