"""Import and aged-balance benchmark: a 1 000 000-line FEC and a 1 000 000-invoice CSV into SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py                  # full size (several minutes)
    .venv/bin/python bench/import_bench.py --size 100000    # a quick run

Steps:

1. generate, in a temporary folder (or ``--out DIR``), a FEC of ``--size`` lines (sales entries 411 / 706 / 44571,
   bank receipts 512 / 411 lettered to their invoices, purchases 401 / 607 / 44566, about 20 000 customers per
   million lines) and a semicolon-separated CSV of ``--size`` invoices with French headers for about 100 000
   customers per million invoices (imported with ``create_customers``);
2. for each database (SQLite in a fresh data folder; PostgreSQL at ``--postgres-url``, skipped with a message
   when it does not answer), in a subprocess of its own: a fresh database, migrations, two organizations, then
   ``run_import`` timed for each file (lines, seconds, lines per second, and the time of each stage the import
   reports), then ``aged_balance`` over the open invoices of the CSV organization (best of 3);
3. a summary table, and whether the goals are met: at least 50 000 lines/s imported into SQLite, the aged
   balance over 1 000 000 open invoices in under 2 s.

The PostgreSQL database named in ``--postgres-url`` is dropped and created again: never point it at a database
that holds anything of value. ``--profile`` writes a cProfile of each import next to the generated files and
prints its 25 most expensive functions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from recouvre.core.fec import FEC_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/recouvre_bench"
AS_OF = date(2026, 6, 30)  # the aged balance's date; the CSV's invoices are issued over the year before
IMPORT_GOAL = 50_000  # lines per second into SQLite
AGING_GOAL = 2.0  # seconds for the aged balance over 1 000 000 open invoices
CENT = Decimal("0.01")

CSV_HEADER = (
    "N° facture",
    "Code client",
    "Nom client",
    "Date",
    "Échéance",
    "Montant HT",
    "TVA",
    "Montant TTC",
    "Devise",
)

_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux David "
    "Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre Faure Andre "
    "Mercier Blanc Guerin Boyer Garnier Chevalier Francois Legrand Gauthier Garcia Perrin Robin Clement Morin "
    "Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noel Meyer Dufour"
).split()
_TRADES = (
    "Transports Menuiserie Plomberie Electricite Imprimerie Garage Boulangerie Restaurant Hotel Librairie "
    "Quincaillerie Maconnerie Charpente Fromagerie Distribution Informatique Conseil Logistique Nettoyage Paysages"
).split()
_FORMS = ("SAS", "SARL", "SA", "EURL", "SASU")


# --------------------------------------------------------------------------------------------- generation


def _fr(amount: Decimal) -> str:
    """French decimal comma, as accounting packages write it."""
    return f"{amount:.2f}".replace(".", ",")


def _company(rng: random.Random) -> str:
    return f"{rng.choice(_TRADES)} {rng.choice(_NAMES)} {rng.choice(_FORMS)}"


def _letters(n: int) -> str:
    """0 -> AAA, 1 -> AAB ...: lettering codes, unique per customer account."""
    code = ""
    for _ in range(3):
        n, r = divmod(n, 26)
        code = chr(65 + r) + code
    return code


@dataclass
class _Entry:
    day: date
    journal: str
    lines: list[tuple[str, str, str, str, str, str, Decimal, Decimal, str, str]]
    # (account, account label, aux account, aux label, piece ref, label, debit, credit, letter, lettered on)


def generate_fec(path: Path, lines: int, *, seed: int = 1) -> dict[str, int]:
    """Write a FEC of exactly ``lines`` lines (plus the header) for the year 2025 and return what it holds."""
    rng = random.Random(seed)
    zero = Decimal(0)
    n_customers = max(50, lines * 20_000 // 1_000_000)
    customers = [(f"C{i:06d}", _company(rng)) for i in range(1, n_customers + 1)]
    weights = [rng.paretovariate(1.5) for _ in customers]
    n_suppliers = max(10, n_customers // 40)
    suppliers = [(f"F{i:05d}", f"{rng.choice(_NAMES).upper()} FOURNITURES {i}") for i in range(1, n_suppliers + 1)]
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    year_days = (end - start).days + 1
    entries: list[_Entry] = []
    used = 0
    letter_seq = dict.fromkeys((c for c, _n in customers), 0)
    n_invoices = n_receipts = 0
    # An invoice waiting to be paid together with the customer's next one: (sales entry, piece, total, paid on).
    waiting: dict[str, tuple[_Entry, str, Decimal, date]] = {}

    def receipt(aux: str, name: str, group: list[tuple[_Entry, str, Decimal, date]]) -> int:
        """One bank entry paying the invoices of ``group``: 512 debit, a 411 credit per invoice lettered to it."""
        nonlocal n_receipts
        n_receipts += 1
        pay_day = max(g[3] for g in group)
        lettered = pay_day.strftime("%Y%m%d")
        ref = "VIR " + " ".join(g[1] for g in group)
        amount = sum((g[2] for g in group), zero)
        bank = [("512000", "Banque", "", "", ref, f"VIR {name}", amount, zero, "", "")]
        for sale, piece, total, _paid in group:
            letter = _letters(letter_seq[aux])
            letter_seq[aux] += 1
            first = sale.lines[0]
            sale.lines[0] = (*first[:8], letter, lettered)
            bank.append(("411000", "Clients", aux, name, ref, f"VIR {name} {piece}", zero, total, letter, lettered))
        entries.append(_Entry(pay_day, "BQ", bank))
        return len(bank)

    # Sales and receipts take about 90 % of the lines: 3 per invoice, 2 per receipt (3 for a receipt paying two).
    sales_budget = lines * 9 // 10
    for idx in rng.choices(range(n_customers), weights=weights, k=sales_budget // 3 + 10):
        if used + 6 > sales_budget:
            break
        aux, name = customers[idx]
        n_invoices += 1
        day = start + timedelta(days=rng.randrange(year_days))
        excl = Decimal(rng.randint(2_000, 900_000)).scaleb(-2)
        tax = (excl * Decimal("0.20")).quantize(CENT, ROUND_HALF_UP)
        total = excl + tax
        piece = f"FA{n_invoices:07d}"
        label = f"Facture {piece} {name}"
        sale = _Entry(
            day,
            "VE",
            [
                ("411000", "Clients", aux, name, piece, label, total, zero, "", ""),
                ("706000", "Prestations de services", "", "", piece, label, zero, excl, "", ""),
                ("445710", "TVA collectée", "", "", piece, label, zero, tax, "", ""),
            ],
        )
        entries.append(sale)
        used += 3
        paid_on = day + timedelta(days=rng.randint(20, 80))
        if rng.random() >= 0.75 or paid_on > end:
            continue  # still open at the end of the year
        item = (sale, piece, total, paid_on)
        if aux in waiting:
            used += receipt(aux, name, [waiting.pop(aux), item])
        elif rng.random() < 0.1:
            waiting[aux] = item
        else:
            used += receipt(aux, name, [item])
    names = dict(customers)
    for aux, item in waiting.items():
        used += receipt(aux, names[aux], [item])
    # Purchases (3 lines) and bank fees (2 lines) fill the rest to exactly ``lines``.
    rest = lines - used
    fees = {0: 0, 1: 2, 2: 1}[rest % 3]
    n_purchases = (rest - 2 * fees) // 3
    for n in range(n_purchases):
        aux, name = rng.choice(suppliers)
        day = start + timedelta(days=rng.randrange(year_days))
        excl = Decimal(rng.randint(1_000, 300_000)).scaleb(-2)
        tax = (excl * Decimal("0.20")).quantize(CENT, ROUND_HALF_UP)
        piece = f"AC{n + 1:07d}"
        label = f"Facture {name}"
        entries.append(
            _Entry(
                day,
                "AC",
                [
                    ("401000", "Fournisseurs", aux, name, piece, label, zero, excl + tax, "", ""),
                    ("607000", "Achats de marchandises", "", "", piece, label, excl, zero, "", ""),
                    ("445660", "TVA déductible", "", "", piece, label, tax, zero, "", ""),
                ],
            )
        )
    for n in range(fees):
        day = start + timedelta(days=rng.randrange(year_days))
        fee = Decimal("12.50")
        entries.append(
            _Entry(
                day,
                "BQ",
                [
                    ("627000", "Services bancaires", "", "", f"FRAIS{n + 1}", "Frais bancaires", fee, zero, "", ""),
                    ("512000", "Banque", "", "", f"FRAIS{n + 1}", "Frais bancaires", zero, fee, "", ""),
                ],
            )
        )
    entries.sort(key=lambda e: (e.day, e.journal))
    journals = {"VE": "Ventes", "BQ": "Banque", "AC": "Achats"}
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("\t".join(FEC_COLUMNS) + "\r\n")
        for num, e in enumerate(entries, start=1):
            d = e.day.strftime("%Y%m%d")
            head = f"{e.journal}\t{journals[e.journal]}\t{num}\t{d}\t"
            chunk = []
            for account, alabel, aux, auxlabel, piece, label, debit, credit, letter, let_on in e.lines:
                chunk.append(
                    f"{head}{account}\t{alabel}\t{aux}\t{auxlabel}\t{piece}\t{d}\t{label}\t{_fr(debit)}\t"
                    f"{_fr(credit)}\t{letter}\t{let_on}\t{d}\t\t\r\n"
                )
            written += len(chunk)
            f.write("".join(chunk))
    if written != lines:
        raise AssertionError(f"generated {written} FEC lines instead of {lines}")
    return {"lines": written, "customers": n_customers, "invoices": n_invoices, "receipts": n_receipts}


def generate_invoices_csv(path: Path, invoices: int, *, seed: int = 2) -> dict[str, int]:
    """Write ``invoices`` invoices for about 100 000 customers per million, issued over the year before AS_OF,
    none paid: after the import they are all open."""
    rng = random.Random(seed)
    n_customers = max(100, invoices * 100_000 // 1_000_000)
    names = [_company(rng) for _ in range(n_customers)]
    terms = (30, 45, 60)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(";".join(CSV_HEADER) + "\r\n")
        chunk: list[str] = []
        for n in range(1, invoices + 1):
            c = rng.randrange(n_customers)
            issued = AS_OF - timedelta(days=rng.randrange(365))
            due = issued + timedelta(days=terms[c % 3])
            cents = rng.randint(1_000, 2_000_000)
            excl = Decimal(cents).scaleb(-2)
            tax = (excl * Decimal("0.20")).quantize(CENT, ROUND_HALF_UP)
            chunk.append(
                f"F{n:08d};CLI{c + 1:06d};{names[c]};{issued:%d/%m/%Y};{due:%d/%m/%Y};{_fr(excl)};{_fr(tax)};"
                f"{_fr(excl + tax)};EUR\r\n"
            )
            if len(chunk) == 10_000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return {"lines": invoices, "customers": n_customers, "invoices": invoices}


# --------------------------------------------------------------------------------------------- worker


class _Stages:
    """The ``progress`` callback: notes when each stage the import reports starts."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float, float]] = []

    def __call__(self, done: int = 0, total: int | None = None, stage: str | None = None) -> None:
        label = stage or "import"
        if not self.marks or self.marks[-1][0] != label:
            self.marks.append((label, time.perf_counter(), time.process_time()))

    def durations(self, end: float, cpu_end: float) -> list[tuple[str, float, float]]:
        """(stage, seconds, CPU seconds) of each stage."""
        out = []
        for i, (label, t, c) in enumerate(self.marks):
            nxt, nxt_cpu = self.marks[i + 1][1:] if i + 1 < len(self.marks) else (end, cpu_end)
            out.append((label, round(nxt - t, 2), round(nxt_cpu - c, 2)))
        return out


def _import(org: Any, kind: str, path: Path, lines: int, profile: Path | None, **kwargs: Any) -> dict[str, Any]:
    from recouvre.imports.services import run_import
    from recouvre.ledger.actors import Actor

    stages = _Stages()
    print(f"  importing {path.name} ({lines} lines) ...", flush=True)
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        result = run_import(org, kind, path, actor=Actor.system("bench"), progress=stages, **kwargs)
    except NotImplementedError:
        print(f"  {kind} import: not implemented yet", flush=True)
        return {"kind": kind, "lines": lines, "error": "not implemented"}
    except Exception as exc:  # a benchmark reports and carries on
        print(f"  {kind} import failed: {type(exc).__name__}: {str(exc)[:500]}", flush=True)
        return {"kind": kind, "lines": lines, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profiler is not None and profile is not None:
        import pstats

        profiler.disable()
        profiler.dump_stats(profile)
        print(f"  profile written to {profile}; most expensive functions (cumulative):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    rate = lines / seconds if seconds else 0.0
    cpu_rate = lines / cpu if cpu else 0.0
    stage_times = stages.durations(t0 + seconds, c0 + cpu)
    print(
        f"  {kind}: {lines} lines in {seconds:.1f} s (CPU {cpu:.1f} s) = {rate:,.0f} lines/s "
        f"({cpu_rate:,.0f} per CPU second), load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for label, s, c in stage_times:
        print(f"    {s:8.2f} s (CPU {c:6.2f} s)  {label}", flush=True)
    return {
        "kind": kind,
        "lines": lines,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rate": round(rate),
        "cpu_rate": round(cpu_rate),
        "load_average": round(os.getloadavg()[0], 2),
        "created": result.created,
        "details": result.details,
        "notes": result.notes[:5],
        "stages": stage_times,
    }


def worker(args: argparse.Namespace) -> int:
    """Runs in its own process, with RECOUVRE_DATABASE_URL / RECOUVRE_DATA_DIR set by the parent."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvre.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from recouvre.organizations.services import create_organization

    out: dict[str, Any] = {"database": connection.vendor, "imports": []}
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        out["version"] = cursor.fetchone()[0]
    print(f"  {connection.vendor} {out['version']}", flush=True)
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"  migrated in {time.perf_counter() - t0:.1f} s", flush=True)
    fec_org = create_organization("bench-fec", "Bench FEC SAS")
    csv_org = create_organization("bench-csv", "Bench Factures SAS")
    files = json.loads(args.files)
    out_dir = Path(files["dir"])
    prof = (lambda name: out_dir / f"{connection.vendor}-{name}.prof") if args.profile else (lambda name: None)
    out["imports"].append(_import(fec_org, "fec", Path(files["fec"]), files["fec_lines"], prof("fec")))
    out["imports"].append(
        _import(
            csv_org,
            "invoices",
            Path(files["csv"]),
            files["csv_lines"],
            prof("invoices"),
            create_customers=True,
        )
    )

    out["aging"] = _aging(csv_org, "alone")
    if args.beside:
        # An accounting firm's database: the same invoices imported again into another organization, beside the
        # first one's (same customer codes, same numbers: each organization has its own), then its aged balance.
        other = create_organization("bench-csv-2", "Bench Factures 2 SAS")
        second = _import(
            other, "invoices", Path(files["csv"]), files["csv_lines"], prof("invoices-2"), create_customers=True
        )
        second["kind"] = "invoices-beside"
        out["imports"].append(second)
        out["aging_beside"] = _aging(other, "beside another organization of the same size")
    Path(args.result).write_text(json.dumps(out, indent=2))
    return 0


def _aging(org: Any, shape: str) -> dict[str, Any] | None:
    """The aged balance of ``org``'s open invoices, best of three."""
    from django.db import connection

    from recouvre.ledger.models import Invoice
    from recouvre.reports.selectors import aged_balance

    open_count = Invoice.objects.filter(organization=org, open_amount__gt=0).count()
    if not open_count:
        print("  aged balance skipped: no open invoices were imported", flush=True)
        return None
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a large import; SQLite is measured as imported, without ANALYZE.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    times, cpu_times = [], []
    report = None
    for _ in range(3):
        # Each run starts clean, as a report page would: the previous report is freed first, otherwise the
        # garbage collector walks its 100 000 lines again and again during the next run.
        report = None
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        report = aged_balance(org, AS_OF)
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
    assert report is not None
    best = min(times)
    load = os.getloadavg()[0]
    print(
        f"  aged balance ({shape}) over {open_count} open invoices (load average {load:.1f}): best {best:.2f} s of "
        f"{', '.join(f'{t:.2f}' for t in times)} (CPU {min(cpu_times):.2f} s); "
        f"{len(report.lines)} customers, total {report.total} EUR",
        flush=True,
    )
    return {
        "shape": shape,
        "open_invoices": open_count,
        "customers": len(report.lines),
        "total": str(report.total),
        "buckets": {k: str(v) for k, v in report.buckets.items()},
        "seconds": round(best, 3),
        "all_seconds": [round(t, 3) for t in times],
        "cpu_seconds": round(min(cpu_times), 3),
        "load_average": round(load, 2),
    }


# --------------------------------------------------------------------------------------------- parent


def _postgres_ready(url: str) -> str | None:
    """Drop and create the benchmark database; return why not when the server does not answer."""
    try:
        import dj_database_url
        import psycopg
        from psycopg import sql
    except ImportError as exc:  # pragma: no cover
        return str(exc)
    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
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
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return None


def _run_worker(
    label: str, env: dict[str, str], files: dict[str, Any], work: Path, profile: bool, beside: bool
) -> dict[str, Any]:
    result = work / f"result-{label}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--files", json.dumps(files)]
    cmd += ["--result", str(result)] + (["--profile"] if profile else []) + (["--beside"] if beside else [])
    proc = subprocess.run(cmd, env=env, cwd=ROOT)
    if proc.returncode != 0 or not result.exists():
        return {"database": label, "error": f"worker exited with {proc.returncode}"}
    return json.loads(result.read_text())


def _sqlite_size(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in data_dir.glob("recouvre.sqlite3*"))


def summary(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        f"{'database':<11} {'what':<38} {'rows':>10} {'seconds':>9} {'CPU s':>7} {'rows/s':>9} {'/CPU s':>9}  goal",
        "-" * 120,
    ]
    for r in results:
        db = r["database"]
        if "error" in r and "imports" not in r:
            lines.append(f"{db:<11} {r['error']}")
            continue
        for imp in r["imports"]:
            what = {
                "fec": "FEC import",
                "invoices": "invoices CSV import (+ customers)",
                "invoices-beside": "the same, beside another organization",
            }[imp["kind"]]
            if "error" in imp:
                lines.append(f"{db:<11} {what:<38} {imp['lines']:>10}  {imp['error']}")
                continue
            goal = ""
            if db == "sqlite":
                goal = f">= {IMPORT_GOAL:,} rows/s: " + ("met" if imp["rate"] >= IMPORT_GOAL else "NOT met")
            lines.append(
                f"{db:<11} {what:<38} {imp['lines']:>10} {imp['seconds']:>9.1f} {imp['cpu_seconds']:>7.1f} "
                f"{imp['rate']:>9,} {imp.get('cpu_rate', 0):>9,}  {goal}"
            )
        for key, label in (("aging", "aged balance (best of 3)"), ("aging_beside", "aged balance, beside another")):
            aging = r.get(key)
            if not aging:
                continue
            goal = f"< {AGING_GOAL:g} s: " + ("met" if aging["seconds"] < AGING_GOAL else "NOT met")
            if aging["open_invoices"] < 1_000_000:
                goal += f" (at {aging['open_invoices']:,} invoices; the goal is for 1,000,000)"
            lines.append(
                f"{db:<11} {label:<38} {aging['open_invoices']:>10} {aging['seconds']:>9.2f} "
                f"{aging['cpu_seconds']:>7.2f} {'':>9} {'':>9}  {goal}"
            )
            lines.append(
                f"{'':<11}   {aging['customers']:,} customers, total {aging['total']} EUR, "
                f"load average {aging['load_average']}"
            )
    lines.append(
        "CPU s: this process's CPU time (on PostgreSQL the server's work is not in it); /CPU s: rows per CPU second, "
        "which the machine's load changes far less than the clock."
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", type=int, default=1_000_000, help="FEC lines and CSV invoices (default 1 000 000)")
    p.add_argument("--out", type=Path, help="folder for the generated files (default: a temporary folder)")
    p.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help=f"default {DEFAULT_POSTGRES_URL}")
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    p.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    p.add_argument("--profile", action="store_true", help="profile each import with cProfile")
    p.add_argument(
        "--alone",
        action="store_true",
        help="skip the second import of the CSV into another organization and its aged balance (an accounting "
        "firm's database, where other organizations' data sit beside)",
    )
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--keep", type=Path, help="leave the SQLite data folder in KEEP/sqlite (for more measures)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--beside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--files", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(ROOT))
        return worker(args)
    if args.size < 100:
        p.error("--size must be at least 100")

    temp = Path(tempfile.mkdtemp(prefix="recouvre-bench-"))
    out_dir = args.out.resolve() if args.out else temp
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        print(
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(f"Generating files in {out_dir} ...", flush=True)
        t = time.perf_counter()
        fec_facts = generate_fec(out_dir / "bench-fec.txt", args.size)
        print(f"  FEC: {fec_facts} in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        csv_facts = generate_invoices_csv(out_dir / "bench-invoices.csv", args.size)
        print(f"  invoices CSV: {csv_facts} in {time.perf_counter() - t:.1f} s", flush=True)
        files = {
            "dir": str(out_dir),
            "fec": str(out_dir / "bench-fec.txt"),
            "fec_lines": fec_facts["lines"],
            "csv": str(out_dir / "bench-invoices.csv"),
            "csv_lines": csv_facts["lines"],
        }
        results: list[dict[str, Any]] = []
        base_env = {k: v for k, v in os.environ.items() if k not in ("RECOUVRE_DATABASE_URL", "RECOUVRE_DATA_DIR")}
        base_env.setdefault("RECOUVRE_SECRET_KEY", "benchmark-only-not-secret")
        if not args.no_sqlite:
            data_dir = (args.keep.resolve() if args.keep else temp) / "sqlite"
            data_dir.mkdir(mode=0o700, exist_ok=bool(args.keep))  # with --keep, may hold a migrated database
            print("\n== SQLite", flush=True)
            r = _run_worker(
                "sqlite", {**base_env, "RECOUVRE_DATA_DIR": str(data_dir)}, files, temp, args.profile, not args.alone
            )
            r["db_bytes"] = _sqlite_size(data_dir)
            results.append(r)
        if not args.no_postgres:
            print(f"\n== PostgreSQL ({args.postgres_url})", flush=True)
            why = _postgres_ready(args.postgres_url)
            if why:
                print(f"  skipped: PostgreSQL does not answer ({why})", flush=True)
                results.append({"database": "postgresql", "error": f"skipped: {why}"})
            else:
                data_dir = temp / "postgres"
                data_dir.mkdir()
                env = {**base_env, "RECOUVRE_DATA_DIR": str(data_dir), "RECOUVRE_DATABASE_URL": args.postgres_url}
                results.append(_run_worker("postgresql", env, files, temp, args.profile, not args.alone))
        for line in summary(results):
            print(line)
        if args.json:
            args.json.write_text(
                json.dumps({"size": args.size, "fec": fec_facts, "csv": csv_facts, "results": results}, indent=2)
            )
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
