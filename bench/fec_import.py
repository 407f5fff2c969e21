"""Benchmark the FEC import: generate a FEC, import it into a fresh organization, import it again, print figures.

    .venv/bin/python bench/fec_import.py --lines 200000

The generated book: sales entries (customer debit, revenue and VAT credits: 3 lines) and bank receipts (bank
debit, customer credit: 2 lines); about 70 % of the invoices are paid and lettered, a few receipts pay two
invoices at once, an opening entry per customer. Uses RECOUVRE_DATABASE_URL when set, else the SQLite
database of RECOUVRE_DATA_DIR. Prints the time of each stage (reported through the progress callback) and
lines per second.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\t"
    "PieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)


def _fr(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _letters(n: int) -> str:
    code = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        code = chr(65 + r) + code
    return code.rjust(3, "A")


def generate_fec(path: Path, lines: int, customers: int, *, purchases: bool = True, seed: int = 1) -> None:
    """Write a tab-separated FEC of about ``lines`` lines for ``customers`` customers. With ``purchases`` the
    book also has supplier invoices and payments as often as sales (about a fifth of the lines are then on
    customer accounts, as in a trading company's books); without, about two fifths are."""
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    out: list[str] = [HEADER]
    entry = 0
    letter_seq = [0] * customers
    pending: list[list[tuple[str, Decimal, date]]] = [[] for _ in range(customers)]
    piece_rows: dict[str, int] = {}  # invoice number -> index of its customer line in ``out``
    lettered: dict[str, str] = {}  # invoice number -> letter of the receipt that settled it

    def row(journal: str, jlib: str, num: int, day: date, account: str, alib: str, aux: str, auxlib: str,
            piece: str, label: str, debit: Decimal, credit: Decimal, letter: str = "") -> None:  # fmt: skip
        d = day.strftime("%Y%m%d")
        out.append(
            f"{journal}\t{jlib}\t{num}\t{d}\t{account}\t{alib}\t{aux}\t{auxlib}\t{piece}\t{d}\t{label}\t"
            f"{_fr(debit)}\t{_fr(credit)}\t{letter}\t\t{d}\t\t"
        )

    for c in range(customers):
        entry += 1
        amount = Decimal(rng.randint(1000, 500000)) / 100
        row("AN", "A nouveaux", entry, start, "411000", "Clients", f"C{c:06d}", f"Client {c} SARL", "AN", "A nouveau",
            amount, Decimal(0))  # fmt: skip
        row("AN", "A nouveaux", entry, start, "890000", "Bilan d'ouverture", "", "", "AN", "A nouveau",
            Decimal(0), amount)  # fmt: skip
    invoice_no = 0
    while len(out) < lines:
        c = rng.randrange(customers)
        day = start + timedelta(days=rng.randrange(360))
        if purchases and rng.random() < 0.5:
            # a supplier invoice and, most of the time, its payment: no customer line
            entry += 1
            excl = Decimal(rng.randint(1000, 200000)) / 100
            tax = (excl * Decimal("0.20")).quantize(Decimal("0.01"))
            supplier = f"F{c % 300:05d}"
            row("AC", "Achats", entry, day, "401000", "Fournisseurs", supplier, f"Fournisseur {c % 300}",
                f"A{entry}", "Facture fournisseur", Decimal(0), excl + tax)  # fmt: skip
            row("AC", "Achats", entry, day, "607000", "Achats", "", "", f"A{entry}", "Facture fournisseur",
                excl, Decimal(0))  # fmt: skip
            row("AC", "Achats", entry, day, "445660", "TVA deductible", "", "", f"A{entry}", "Facture fournisseur",
                tax, Decimal(0))  # fmt: skip
            if rng.random() < 0.8:
                entry += 1
                row("BQ", "Banque", entry, day, "401000", "Fournisseurs", supplier, f"Fournisseur {c % 300}",
                    f"P{entry}", "VIR fournisseur", excl + tax, Decimal(0))  # fmt: skip
                row("BQ", "Banque", entry, day, "512000", "Banque", "", "", f"P{entry}", "VIR fournisseur",
                    Decimal(0), excl + tax)  # fmt: skip
            continue
        if pending[c] and rng.random() < 0.45:
            # a receipt settling the oldest one or two invoices of the customer, lettered with them
            take = pending[c][:2] if rng.random() < 0.1 else pending[c][:1]
            del pending[c][: len(take)]
            total = sum((t[1] for t in take), Decimal(0))
            letter = _letters(letter_seq[c])
            letter_seq[c] += 1
            entry += 1
            pay_day = max(max(t[2] for t in take), day)
            row("BQ", "Banque", entry, pay_day, "512000", "Banque", "", "", f"VIR{entry}", "VIR client", total,
                Decimal(0))  # fmt: skip
            row("BQ", "Banque", entry, pay_day, "411000", "Clients", f"C{c:06d}", f"Client {c} SARL", f"VIR{entry}",
                "VIR client", Decimal(0), total, letter)  # fmt: skip
            for piece, _amount, _day in take:
                lettered[piece] = letter
            continue
        invoice_no += 1
        entry += 1
        excl = Decimal(rng.randint(1000, 200000)) / 100
        tax = (excl * Decimal("0.20")).quantize(Decimal("0.01"))
        piece = f"F{invoice_no:07d}"
        row("VE", "Ventes", entry, day, "411000", "Clients", f"C{c:06d}", f"Client {c} SARL", piece, "Facture",
            excl + tax, Decimal(0))  # fmt: skip
        piece_rows[piece] = len(out) - 1
        row("VE", "Ventes", entry, day, "706000", "Prestations", "", "", piece, "Facture", Decimal(0), excl)
        row("VE", "Ventes", entry, day, "445710", "TVA collectee", "", "", piece, "Facture", Decimal(0), tax)
        pending[c].append((piece, excl + tax, day))
    # write the letters of the settled invoices on their customer lines
    for piece, letter in lettered.items():
        i = piece_rows[piece]
        fields = out[i].split("\t")
        fields[13] = letter
        out[i] = "\t".join(fields)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=0, help="default: one per 100 lines")
    parser.add_argument("--keep", help="write the generated FEC here and keep it (default: a temporary file)")
    parser.add_argument("--sales-only", action="store_true", help="no purchases: twice as many customer lines")
    args = parser.parse_args()
    customers = args.customers or max(1, args.lines // 100)
    with tempfile.TemporaryDirectory(prefix="recouvre-fec-") as folder:
        # without RECOUVRE_DATA_DIR (nor RECOUVRE_DATABASE_URL), the SQLite database goes in the temporary folder
        os.environ.setdefault("RECOUVRE_DATA_DIR", folder)
        path = Path(args.keep) if args.keep else Path(folder) / "bench-FEC.txt"
        return _run(path, args.lines, customers, purchases=not args.sales_only)


def _run(path: Path, lines: int, customers: int, *, purchases: bool) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from recouvre.cli import ensure_migrated, setup_django

    setup_django()
    ensure_migrated()
    from django.db import connection

    from recouvre.imports.fec import import_fec
    from recouvre.ledger.actors import Actor
    from recouvre.organizations.models import Organization

    t0 = time.perf_counter()
    generate_fec(path, lines, customers, purchases=purchases)
    n_lines = sum(1 for _ in path.open("rb")) - 1
    print(f"generated {n_lines} lines, {customers} customers, {path.stat().st_size / 1e6:.1f} MB, "
          f"{'sales and purchases' if purchases else 'sales only'}, "
          f"in {time.perf_counter() - t0:.1f}s ({connection.vendor})")  # fmt: skip

    org = Organization.objects.create(slug=f"bench-{int(time.time() * 1000)}", name="Bench SAS")
    for run in ("first import", "re-import"):
        stages: list[tuple[str, float]] = []

        def progress(
            done: int, total: int | None = None, stage: str | None = None, stages: list[tuple[str, float]] = stages
        ) -> None:
            if stage and (not stages or stages[-1][0] != stage):
                stages.append((stage, time.perf_counter()))

        t0, cpu0 = time.perf_counter(), time.process_time()
        result = import_fec(org, path, actor=Actor.system("bench"), progress=progress)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stages.append(("end", time.perf_counter()))
        print(f"{run}: {elapsed:.2f}s, {n_lines / elapsed:,.0f} lines/s (CPU of this process {cpu:.2f}s, "
              f"{n_lines / cpu:,.0f} lines/s); {result.created} created, {result.updated} updated, "
              f"{result.unchanged} unchanged")  # fmt: skip
        for entity, counts in result.details.items():
            print(f"    {entity}: {counts}")
        for (stage, at), (_next, until) in zip(stages, stages[1:], strict=False):
            print(f"    {stage:<14} {until - at:7.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
