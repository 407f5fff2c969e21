"""Run the benchmarks of imports, the aged balance and the collections run, and compare each figure with the one
recorded in ``bench/reference.json``: ``bin/bench`` (quick, 100 000 rows, a few minutes) or ``bin/bench --full``
(the documented sizes). Not a test and not in CI: timings depend on the machine and its load.

A figure more than 30 % worse than its reference is flagged (``DROP``) and the exit code is 1. The comparison is
made on the CPU-time figures (rows per CPU second, CPU seconds): on a machine shared with other work the clock
slows down with the load while the process's own CPU time barely moves; the clock figures are printed beside them.

``--record`` writes the figures of this run into ``bench/reference.json`` (with the machine and its load) as the
new reference for that mode: do it on a quiet machine, and commit the file with the change that moved them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "bench" / "reference.json"
DROP = 0.30  # a figure worse by more than this share of its reference is flagged
AS_OF = "2026-06-30"

# (key, label, unit, higher is better)
FIGURES: list[tuple[str, str, str, bool]] = [
    ("fec.cpu_rate", "FEC import", "lines/CPU s", True),
    ("invoices.cpu_rate", "invoices CSV import", "rows/CPU s", True),
    ("invoices_beside.cpu_rate", "invoices CSV import, beside another organization", "rows/CPU s", True),
    ("aging.cpu_seconds", "aged balance", "CPU s", False),
    ("aging_beside.cpu_seconds", "aged balance, beside another organization", "CPU s", False),
    ("cli_aging.cpu_seconds", "recouvre report aging --json, whole call", "CPU s", False),
    ("collections_10000.items_per_cpu_second", "collections run, 10 000 items (spread)", "items/CPU s", True),
    ("collections_100000.items_per_cpu_second", "collections run, 100 000 items (spread)", "items/CPU s", True),
    ("collections_1000000.items_per_cpu_second", "collections run, 1 000 000 items (spread)", "items/CPU s", True),
]
# the clock figure printed beside each one
CLOCK = {
    "fec.cpu_rate": ("fec.rate", "lines/s"),
    "invoices.cpu_rate": ("invoices.rate", "rows/s"),
    "invoices_beside.cpu_rate": ("invoices_beside.rate", "rows/s"),
    "aging.cpu_seconds": ("aging.seconds", "s"),
    "aging_beside.cpu_seconds": ("aging_beside.seconds", "s"),
    "cli_aging.cpu_seconds": ("cli_aging.seconds", "s"),
    "collections_10000.items_per_cpu_second": ("collections_10000.items_per_second", "items/s"),
    "collections_100000.items_per_cpu_second": ("collections_100000.items_per_second", "items/s"),
    "collections_1000000.items_per_cpu_second": ("collections_1000000.items_per_second", "items/s"),
}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages * size / 2**30:.0f} GB"
    except (ValueError, OSError):
        pass
    import sqlite3

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "system": platform.platform(),
    }


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True)


def imports(size: int, work: Path, postgres: bool) -> dict[str, Any]:
    """``bench/import_bench.py`` at ``size``, and the CLI's aged balance over its CSV organization."""
    result = work / "imports.json"
    cmd = [sys.executable, "bench/import_bench.py", "--size", str(size), "--json", str(result), "--keep", str(work)]
    if not postgres:
        cmd.append("--no-postgres")
    proc = _run(cmd)
    sys.stdout.write(proc.stdout[-4000:])
    if proc.returncode != 0 or not result.exists():
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"bench/import_bench.py failed ({proc.returncode})")
    data = json.loads(result.read_text())
    sqlite = next(r for r in data["results"] if r["database"] == "sqlite")
    out: dict[str, Any] = {}
    for imp in sqlite.get("imports", []):
        key = {"fec": "fec", "invoices": "invoices", "invoices-beside": "invoices_beside"}[imp["kind"]]
        out[key] = {k: imp.get(k) for k in ("lines", "seconds", "cpu_seconds", "rate", "cpu_rate", "load_average")}
    for key in ("aging", "aging_beside"):
        if sqlite.get(key):
            out[key] = {
                k: sqlite[key][k] for k in ("open_invoices", "customers", "total", "seconds", "cpu_seconds")
            } | {"load_average": sqlite[key]["load_average"]}
    out["cli_aging"] = cli_aging(work / "sqlite", sqlite.get("aging"))
    return out


def cli_aging(data_dir: Path, aging: dict[str, Any] | None) -> dict[str, Any]:
    """``recouvre report aging --json`` over the CSV organization, as a whole process: start-up, query, output."""
    env = {**os.environ, "RECOUVRE_DATA_DIR": str(data_dir), "RECOUVRE_SECRET_KEY": "benchmark-only-not-secret"}
    env.pop("RECOUVRE_DATABASE_URL", None)
    # As installed: the modules' compiled bytecode written once and reused (a call compiling every module it
    # imports takes twice as long).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [str(Path(sys.executable).parent / "recouvre"), "report", "aging", "--org", "bench-csv"]
    cmd += ["--as-of", AS_OF, "--currency", "EUR", "--json"]
    times = []
    subprocess.run([*cmd[:2], "--help"], cwd=ROOT, env=env, capture_output=True)  # writes the bytecode
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True)
        seconds = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"recouvre report aging failed: {proc.stderr.decode()[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        times.append((seconds, cpu, len(proc.stdout)))
    seconds, cpu, size = min(times)
    report = json.loads(proc.stdout)
    lines = len(report["customers"])
    if aging and (lines != aging["customers"] or report["total"] != aging["total"]):
        raise SystemExit(
            f"the CLI's aged balance lists {lines} customers for {report['total']}, the selector {aging['customers']} "
            f"for {aging['total']}"
        )
    print(f"  recouvre report aging --json: best {seconds:.2f} s (CPU {cpu:.2f} s), {size:,} bytes, {lines} customers")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "bytes": size,
        "customers": lines,
        "load_average": round(os.getloadavg()[0], 2),
    }


def migrated(data_dir: Path) -> Path:
    """A data folder with a migrated SQLite database, copied for each benchmark (migrating takes longer than the
    quick benchmarks themselves; it is not what they measure)."""
    data_dir.mkdir(mode=0o700)
    env = {**os.environ, "RECOUVRE_DATA_DIR": str(data_dir), "RECOUVRE_SECRET_KEY": "benchmark-only-not-secret"}
    env.pop("RECOUVRE_DATABASE_URL", None)
    t = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "recouvre"), "migrate"], cwd=ROOT, env=env, capture_output=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"recouvre migrate failed: {proc.stderr.decode()[-2000:]}")
    print(f"migrated a template database in {time.perf_counter() - t:.0f} s", flush=True)
    return data_dir


def collections(items: int, work: Path, data_dir: Path) -> dict[str, Any]:
    workload = work / f"collections-{items}.csv"
    cmd = [sys.executable, "bench/collections_bench.py", "--workload", str(workload), "--generate", str(items)]
    cmd += ["--shape", "spread", "--as-of", AS_OF, "--data-dir", str(data_dir)]
    proc = _run(cmd)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"bench/collections_bench.py failed ({proc.returncode})")
    first = json.loads(proc.stdout.strip().splitlines()[-1])
    print("  " + json.dumps(first))
    return first


def _get(figures: dict[str, Any], key: str) -> float | None:
    node: Any = figures
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def compare(figures: dict[str, Any], reference: dict[str, Any] | None) -> tuple[list[str], int]:
    """The comparison table, and how many figures dropped by more than ``DROP``."""
    ref = (reference or {}).get("figures", {})
    lines = [
        f"{'what':<66} {'now':>10} {'reference':>10} {'change':>7}  {'clock now':>9} {'clock ref':>9}",
        "-" * 124,
    ]
    drops = 0
    for key, label, unit, higher in FIGURES:
        now = _get(figures, key)
        if now is None:
            continue
        was = _get(ref, key)
        clock_key, clock_unit = CLOCK[key]
        clock_now, clock_was = _get(figures, clock_key), _get(ref, clock_key)
        flag = ""
        change = ""
        if was:
            ratio = now / was if higher else (was / now if now else float("inf"))
            change = f"{(ratio - 1) * 100:+.0f} %"
            if ratio < 1 - DROP:
                flag = "  DROP"
                drops += 1

        def fmt(v: float | None) -> str:
            if v is None:
                return "-"
            return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"

        lines.append(
            f"{label + ', ' + unit:<66} {fmt(now):>10} {fmt(was):>10} {change:>7}  {fmt(clock_now):>9} "
            f"{fmt(clock_was):>9} {clock_unit}{flag}"
        )
    if reference:
        m = reference.get("machine", {})
        lines.append(
            f"reference: {reference.get('recorded', '?')}, {m.get('cpus')} CPUs {m.get('cpu', '')}, Python "
            f"{m.get('python')}, SQLite {m.get('sqlite')}, load average {reference.get('load_average')}"
        )
    lines.append(f"now: load average {os.getloadavg()[0]:.1f}; DROP: more than {DROP:.0%} worse than the reference")
    return lines, drops


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--full", action="store_true", help="the documented sizes (1 000 000 rows; long)")
    p.add_argument("--postgres", action="store_true", help="also the imports into PostgreSQL (import_bench.py)")
    p.add_argument("--record", action="store_true", help="write this run's figures as the reference for its mode")
    p.add_argument("--json", type=Path, help="write this run's figures to this file")
    args = p.parse_args(argv)
    mode = "full" if args.full else "quick"
    size = 1_000_000 if args.full else 100_000
    sizes = [10_000, 100_000, 1_000_000] if args.full else [10_000, 100_000]
    loads = [os.getloadavg()[0]]
    print(f"bin/bench ({mode}): {os.cpu_count()} CPUs, load average {loads[0]:.1f}", flush=True)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="recouvre-bench-") as tmp:
        work = Path(tmp)
        template = migrated(work / "template")
        shutil.copytree(template, work / "sqlite")
        figures.update(imports(size, work, args.postgres))
        loads.append(os.getloadavg()[0])
        for items in sizes:
            data_dir = work / f"collections-{items}"
            shutil.copytree(template, data_dir)
            figures[f"collections_{items}"] = collections(items, work, data_dir)
            shutil.rmtree(data_dir)
            loads.append(os.getloadavg()[0])
    all_refs = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    table, drops = compare(figures, all_refs.get(mode))
    print()
    print("\n".join(table))
    run = {
        "recorded": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_average": f"{min(loads):.1f} to {max(loads):.1f}",
        "figures": figures,
    }
    if args.json:
        args.json.write_text(json.dumps(run, indent=2))
    if args.record:
        all_refs[mode] = run
        REFERENCE.write_text(json.dumps(all_refs, indent=2, ensure_ascii=False) + "\n")
        print(f"recorded as the {mode} reference in {REFERENCE.relative_to(ROOT)}")
    if drops:
        print(
            f"{drops} figure(s) dropped by more than {DROP:.0%}: see docs/performance.md before resolving the change."
        )
    return 1 if drops else 0


if __name__ == "__main__":
    sys.exit(main())
