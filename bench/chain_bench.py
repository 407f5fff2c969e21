"""Timeline chain benchmark: sealing and verifying 100 000 events, and what sealing adds to each write.

    .venv/bin/python bench/chain_bench.py                    # 100 000 events, SQLite and PostgreSQL
    .venv/bin/python bench/chain_bench.py --events 1000000   # a larger chain
    .venv/bin/python bench/chain_bench.py --no-postgres      # SQLite only

For each database (SQLite in a fresh data folder; PostgreSQL at ``--postgres-url``, skipped with a message when it
does not answer; that database is dropped and created again), in a subprocess of its own:

1. an import's worth of events: ``--events`` events written by the imports' bulk insert in one transaction, the
   seal deferred, then ``seal`` timed alone (events per second), then ``verify`` over the chain;
2. the same number of events written the usual way (sealed when the transaction commits): the whole write timed,
   to compare with the insert alone;
3. ``--small`` customers created one by one, one transaction each (each sealed on its commit), against the same
   with the seal deferred to one seal at the end: what the seal adds to a small write;
4. the migration that seals the events recorded before the chain, over ``--events`` unsealed events;
5. on PostgreSQL, two threads creating ``--small`` customers each at once, then ``verify`` (intact, no fork).

Prints the figures and a summary; ``--json FILE`` writes them too. Not a test: nothing is asserted on timings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/recouvre_chain_bench"
GOAL = 10.0  # seconds to seal 100 000 events ("seconds", not minutes)


def _events(n: int, customers: list[int]) -> list[tuple[int | None, str, dict[str, Any]]]:
    return [
        (
            customers[i % len(customers)],
            "invoice.created",
            {"number": f"F{i:08d}", "total": f"{(i % 9000) + 100}.00", "currency": "EUR", "due_on": "2026-06-30"},
        )
        for i in range(n)
    ]


def worker(args: argparse.Namespace) -> int:
    """Runs in its own process, with RECOUVRE_DATABASE_URL / RECOUVRE_DATA_DIR set by the parent."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from recouvre.imports.tabular import record_events
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.chain import sealing_deferred, verify
    from recouvre.ledger.models import Customer, Event
    from recouvre.ledger.services import create_customer
    from recouvre.organizations.services import create_organization

    actor = Actor.system("bench")
    n, small = args.events, args.small
    out: dict[str, Any] = {"database": connection.vendor, "events": n, "small": small}
    call_command("migrate", interactive=False, verbosity=0)
    print(f"  {connection.vendor}: migrated", flush=True)

    def customers_of(org: Any, count: int = 1000) -> list[int]:
        Customer.objects.bulk_create(
            Customer(organization=org, ref=f"411C{i:05d}", name=f"Client {i}") for i in range(count)
        )
        return list(Customer.objects.filter(organization=org).values_list("id", flat=True))

    # 1. bulk insert, then the seal alone, then verify
    org = create_organization("bench-seal", "Bench Seal SAS")
    rows = _events(n, customers_of(org))
    t0 = time.perf_counter()
    with sealing_deferred():  # sealed on leaving it, once the insert is committed
        with transaction.atomic():
            record_events(org, actor, rows)
        t1, c1 = time.perf_counter(), time.process_time()
    t2, c2 = time.perf_counter(), time.process_time()
    out["insert_seconds"], out["seal_seconds"] = round(t1 - t0, 3), round(t2 - t1, 3)
    out["seal_cpu_seconds"] = round(c2 - c1, 3)
    assert not Event.objects.filter(organization=org, seq__isnull=True).exists()
    t, c = time.perf_counter(), time.process_time()
    result = verify(org)
    out["verify_seconds"] = round(time.perf_counter() - t, 3)
    out["verify_cpu_seconds"] = round(time.process_time() - c, 3)
    out["verify_intact"] = result.intact
    print(
        f"  {n} events: insert {out['insert_seconds']} s, seal {out['seal_seconds']} s "
        f"({n / out['seal_seconds']:,.0f}/s), verify {out['verify_seconds']} s (intact: {result.intact})",
        flush=True,
    )

    # 2. the usual write: sealed on commit
    org2 = create_organization("bench-import", "Bench Import SAS")
    rows = _events(n, customers_of(org2))
    t = time.perf_counter()
    with transaction.atomic():
        record_events(org2, actor, rows)
    out["insert_and_seal_seconds"] = round(time.perf_counter() - t, 3)
    assert not Event.objects.filter(organization=org2, seq__isnull=True).exists()
    print(f"  {n} events written and sealed on commit: {out['insert_and_seal_seconds']} s", flush=True)

    # 3. small writes: one transaction each
    org3 = create_organization("bench-small", "Bench Small SAS")
    t, c = time.perf_counter(), time.process_time()
    for i in range(small):
        create_customer(org3, actor, ref=f"411S{i:05d}", name=f"Small {i}")
    out["small_sealed_seconds"] = round(time.perf_counter() - t, 3)
    sealed_cpu = time.process_time() - c
    org4 = create_organization("bench-small-deferred", "Bench Small Deferred SAS")
    t, c = time.perf_counter(), time.process_time()
    with sealing_deferred():
        for i in range(small):
            create_customer(org4, actor, ref=f"411S{i:05d}", name=f"Small {i}")
    out["small_deferred_seconds"] = round(time.perf_counter() - t, 3)
    deferred_cpu = time.process_time() - c
    extra = (out["small_sealed_seconds"] - out["small_deferred_seconds"]) / small * 1000
    out["seal_ms_per_small_write"] = round(extra, 3)
    out["seal_cpu_ms_per_small_write"] = round((sealed_cpu - deferred_cpu) / small * 1000, 3)
    print(
        f"  {small} small writes: {out['small_sealed_seconds']} s sealed each, {out['small_deferred_seconds']} s "
        f"with one seal at the end: {extra:.2f} ms per write ({out['seal_cpu_ms_per_small_write']:.2f} ms of CPU)",
        flush=True,
    )

    # 4. the migration sealing existing events
    Event.objects.filter(organization__in=[org, org2]).update(seq=None, prev_hash="", hash="", digest="")
    from recouvre.ledger.models import ChainHead

    ChainHead.objects.filter(organization__in=[org, org2]).delete()
    migration = importlib.import_module("recouvre.ledger.migrations.0008_seal_existing_events")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    t = time.perf_counter()
    with transaction.atomic():
        migration.seal_existing_events(apps, editor)
    out["migration_seconds"] = round(time.perf_counter() - t, 3)
    out["migration_events"] = 2 * n
    print(f"  migration over {2 * n} unsealed events: {out['migration_seconds']} s", flush=True)
    assert verify(org).intact and verify(org2).intact

    # 5. two writers at once (PostgreSQL)
    if connection.vendor == "postgresql":
        org5 = create_organization("bench-concurrent", "Bench Concurrent SAS")
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def write(name: str) -> None:
            try:
                barrier.wait()
                for i in range(small):
                    create_customer(org5, actor, ref=f"411{name}{i:05d}", name=f"{name} {i}")
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(name,)) for name in ("A", "B")]
        t = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out["concurrent_seconds"] = round(time.perf_counter() - t, 3)
        result = verify(org5)
        out["concurrent_intact"] = result.intact and not errors and result.checked == 2 * small
        print(
            f"  2 writers x {small} customers at once: {out['concurrent_seconds']} s, chain of {result.checked} "
            f"events intact: {out['concurrent_intact']}",
            flush=True,
        )
    Path(args.result).write_text(json.dumps(out, indent=2))
    return 0


def _postgres_ready(url: str) -> str | None:
    """Drop and create the benchmark database; return why not when the server does not answer."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    try:
        conn = psycopg.connect(
            host=cfg["HOST"] or "localhost",
            port=cfg["PORT"] or 5432,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        )
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    with conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(cfg["NAME"])))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
    return None


def _run_worker(label: str, env: dict[str, str], args: argparse.Namespace, work: Path) -> dict[str, Any]:
    result = work / f"result-{label}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--result", str(result)]
    cmd += ["--events", str(args.events), "--small", str(args.small)]
    proc = subprocess.run(cmd, env=env, cwd=ROOT)
    if proc.returncode != 0 or not result.exists():
        return {"database": label, "error": f"worker exited with {proc.returncode}"}
    return dict(json.loads(result.read_text()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--events", type=int, default=100_000, help="events sealed at once (default 100 000)")
    p.add_argument("--small", type=int, default=1000, help="small writes, one transaction each (default 1000)")
    p.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help=f"default {DEFAULT_POSTGRES_URL}")
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    p.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(ROOT))
        return worker(args)

    work = Path(tempfile.mkdtemp(prefix="recouvre-chain-bench-"))
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    base_env = {k: v for k, v in os.environ.items() if k not in ("RECOUVRE_DATABASE_URL", "RECOUVRE_DATA_DIR")}
    base_env.setdefault("RECOUVRE_SECRET_KEY", "benchmark-only-not-secret")
    results: list[dict[str, Any]] = []
    if not args.no_sqlite:
        data_dir = work / "sqlite"
        data_dir.mkdir()
        print("\n== SQLite", flush=True)
        results.append(_run_worker("sqlite", {**base_env, "RECOUVRE_DATA_DIR": str(data_dir)}, args, work))
    if not args.no_postgres:
        print(f"\n== PostgreSQL ({args.postgres_url})", flush=True)
        why = _postgres_ready(args.postgres_url)
        if why:
            print(f"  skipped: PostgreSQL does not answer ({why})", flush=True)
            results.append({"database": "postgresql", "error": f"skipped: {why}"})
        else:
            data_dir = work / "postgres"
            data_dir.mkdir()
            env = {**base_env, "RECOUVRE_DATA_DIR": str(data_dir), "RECOUVRE_DATABASE_URL": args.postgres_url}
            results.append(_run_worker("postgresql", env, args, work))
    print(f"load average {os.getloadavg()[0]:.1f}; CPU: this process's (on PostgreSQL the server's work is not in it)")
    head = f"{'database':<11} {'events':>8} {'insert s':>9} {'seal s':>7} {'CPU s':>6} {'seal/s':>9} {'verify s':>9}"
    print(f"\n{head}  goal")
    for r in results:
        if "error" in r:
            print(f"{r['database']:<11} {r['error']}")
            continue
        rate = r["events"] / r["seal_seconds"]
        goal = f"100 000 in < {GOAL:g} s: " + ("met" if 100_000 / rate < GOAL else "NOT met")
        print(
            f"{r['database']:<11} {r['events']:>8} {r['insert_seconds']:>9.2f} {r['seal_seconds']:>7.2f} "
            f"{r['seal_cpu_seconds']:>6.2f} {rate:>9,.0f} {r['verify_seconds']:>9.2f}  {goal}"
        )
        print(
            f"{'':<11} written and sealed on commit {r['insert_and_seal_seconds']:.2f} s; seal per small write "
            f"{r['seal_ms_per_small_write']:.2f} ms ({r['seal_cpu_ms_per_small_write']:.2f} ms CPU); migration "
            f"{r['migration_events']} events {r['migration_seconds']:.2f} s"
            + (f"; 2 writers at once intact: {r['concurrent_intact']}" if "concurrent_intact" in r else "")
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
