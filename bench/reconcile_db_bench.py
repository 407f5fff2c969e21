"""Cash application through the database: a camt.053 of labelled credits imported into an organization with many
open invoices, timed end to end (read the file, store the entries, match, apply the automatic matches, store the
suggestions), on SQLite.

    .venv/bin/python bench/reconcile_db_bench.py                        # 100 000 credits, 500 000 open invoices
    .venv/bin/python bench/reconcile_db_bench.py --transactions 5000 --open-items 25000 --runs 1
    .venv/bin/python bench/reconcile_db_bench.py --shape large --customers 100 --runs 3

The set is ``bench/reconcile_bench.py``'s (references, invoice numbers written in every way, grouped payments,
partial payments, bank fees, credits from others than customers), each credit labelled with the customer and
invoices it pays. Two shapes: ``small`` (about four open invoices per customer, each paying once) and ``large``
(``--customers`` customers, 50 by default, with thousands of invoices each, paying again and again). About one
entry in fifty more is a debit (bank fees, a direct debit), which the matching leaves alone.

The organization, its customers, their known IBANs and the open invoices are written in bulk into a fresh SQLite
database in a temporary data folder (not timed); the database file is then copied, and each run (``--runs``)
starts again from that copy, so every run imports the same file into the same state. Each run prints one JSON
line: the entries, ``auto_applied``, ``suggested``, ``unmatched``, ``seconds`` (the whole ``import_statement``,
commit included), ``cpu_seconds`` (the same in CPU time, what a shared machine does not inflate as much) and the
phases (``parse``, ``store_entries``, ``index``, ``match``, ``apply``, ``suggestions``, ``seal``: the timeline's
chain sealed at commit, ``other``: the rest), on the clock and, under ``cpu``, in CPU time; and ``precision``,
``recall`` and ``top1_suggestion`` against the labels as ``reconcile_bench.py`` counts them. A last line gives
the minimum and median of ``seconds`` over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import reconcile_bench as rb  # noqa: E402

ACCOUNT = "FR7630003012340123456789057"
DEBIT_TEXTS = ["FRAIS TENUE DE COMPTE", "PRLV URSSAF", "COMMISSION VIREMENTS", "PRLV EDF", "CB STATION"]


def camt(data: rb.Dataset, debits: int) -> bytes:
    """The credits of ``data`` (and ``debits`` debits) as one camt.053 statement; each credit's ``EndToEndId`` is
    ``T<its id>``."""
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    out = [
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>B1</MsgId>'
        f"</GrpHdr><Stmt><Id>BENCH-1</Id><Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
    ]

    def entry(i: int, amount: Decimal, booked: Any, e2e: str, name: str, iban: str, text: str, rf: str) -> str:
        credit = amount > 0
        side, party = ("CRDT", "Dbtr") if credit else ("DBIT", "Cdtr")
        strd = f"<Strd><CdtrRefInf><Ref>{rf}</Ref></CdtrRefInf></Strd>" if rf else ""
        ustrd = f"<Ustrd>{escape(text)}</Ustrd>" if text else ""
        acct = f"<{party}Acct><Id><IBAN>{iban}</IBAN></Id></{party}Acct>" if iban else ""
        return (
            f'<Ntry><Amt Ccy="EUR">{abs(amount)}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt><AcctSvcrRef>B{i:09d}"
            f"</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs><RltdPties><{party}><Pty>"
            f"<Nm>{escape(name)}</Nm></Pty></{party}>{acct}</RltdPties><RmtInf>{ustrd}{strd}</RmtInf></TxDtls>"
            "</NtryDtls></Ntry>\n"
        )

    every = max(1, len(data.credits) // debits) if debits else 0
    n = 0
    for c in data.credits:
        n += 1
        out.append(
            entry(
                n,
                c.amount,
                c.booking_date,
                f"T{c.id}",
                c.counterparty_name,
                c.counterparty_iban,
                c.text,
                c.creditor_reference,
            )  # fmt: skip
        )
        if every and c.id % every == 0:
            n += 1
            amount = -Decimal(100 + (c.id * 37) % 90000).scaleb(-2)
            out.append(entry(n, amount, c.booking_date, f"D{c.id}", "BANQUE", "", DEBIT_TEXTS[c.id % 5], ""))
    out.append("</Stmt></BkToCstmrStmt></Document>")
    return "".join(out).encode("utf-8")


def load(data: rb.Dataset) -> Any:
    """The organization with ``data``'s customers (their ids kept), known IBANs and open invoices, in bulk."""
    from recouvre.bank.models import CustomerIban
    from recouvre.ledger.models import Customer, Invoice, Source
    from recouvre.organizations.models import Organization

    org = Organization.objects.get(pk=rb.ORG_ID)
    Customer.objects.bulk_create(
        [Customer(pk=c.customer_id, organization=org, ref=f"411C{c.customer_id:07d}", name=c.name)
         for c in data.customers],
        batch_size=2000,
    )  # fmt: skip
    CustomerIban.objects.bulk_create(
        [CustomerIban(organization=org, customer_id=c.customer_id, iban=i, linked_by="bench")
         for c in data.customers for i in c.ibans],
        batch_size=2000,
    )  # fmt: skip
    Invoice.objects.bulk_create(
        [
            Invoice(pk=it.invoice_id, organization=org, customer_id=it.customer_id, number=it.number,
                    issued_on=it.issued_on, due_on=it.due_on, total=it.open_amount, currency="EUR",
                    source=Source.CSV)
            for it in data.open_items
        ],
        batch_size=2000,
    )  # fmt: skip
    return org


class Phases:
    """Time spent in some functions of the import, by name (wrapped in their modules)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, module: Any, attribute: str, name: str) -> None:
        inner: Callable[..., Any] = getattr(module, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.cpu[name] += time.process_time() - c0

        setattr(module, attribute, timed)


def score(data: rb.Dataset, run_id: int) -> dict[str, Any]:
    """Precision, recall and the first suggestions against the labels, read from what the import wrote."""
    from recouvre.bank.models import BankApplication, BankEntry, BankSuggestion
    from recouvre.ledger.models import Allocation

    truths = {c.id: t for c, t in zip(data.credits, data.truths, strict=True)}
    credit_of = {
        pk: int(e2e[1:])
        for pk, e2e in BankEntry.objects.filter(statement__import_run_id=run_id, amount__gt=0).values_list(
            "pk", "end_to_end_id"
        )
    }
    applied: dict[int, tuple[int, set[int]]] = {}
    payment_entry: dict[int, int] = {}
    for entry_id, customer_id, payment_id in BankApplication.objects.filter(entry_id__in=list(credit_of)).values_list(
        "entry_id", "customer_id", "payment_id"
    ):
        applied[entry_id] = (customer_id, set())
        payment_entry[payment_id] = entry_id
    for payment_id, invoice_id in Allocation.objects.filter(payment_id__in=list(payment_entry)).values_list(
        "payment_id", "invoice_id"
    ):
        applied[payment_entry[payment_id]][1].add(invoice_id)
    suggestions: dict[int, list[tuple[int, int, frozenset[int]]]] = defaultdict(list)
    for entry_id, customer_id, allocations, rank in BankSuggestion.objects.filter(
        entry_id__in=list(credit_of)
    ).values_list("entry_id", "customer_id", "allocations", "rank"):
        suggestions[entry_id].append((rank, customer_id, frozenset(int(a["invoice_id"]) for a in allocations)))
    auto = auto_right = payable = found = with_suggestion = top1 = 0
    for entry_id, credit_id in credit_of.items():
        truth = truths[credit_id]
        right = (truth.customer_id, truth.invoice_ids)
        got = applied.get(entry_id)
        if got is not None:
            auto += 1
            auto_right += (got[0], frozenset(got[1])) == right
        ranked = sorted(suggestions.get(entry_id, []), key=lambda s: s[0])
        if truth.customer_id is None:
            continue
        payable += 1
        hit = (got is not None and (got[0], frozenset(got[1])) == right) or any((s[1], s[2]) == right for s in ranked)
        found += hit
        if ranked:
            with_suggestion += 1
            top1 += (ranked[0][1], ranked[0][2]) == right
    return {
        "precision": round(auto_right / auto, 4) if auto else 1.0,
        "recall": round(found / payable, 4) if payable else 1.0,
        "top1_suggestion": round(top1 / with_suggestion, 4) if with_suggestion else 1.0,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transactions", type=int, default=100_000, help="credits in the file (default 100 000)")
    p.add_argument("--open-items", type=int, default=500_000, help="open invoices (default 500 000)")
    p.add_argument("--shape", choices=["small", "large"], default="small", help="many small or a few large customers")
    p.add_argument("--customers", type=int, default=50, help="--shape large: how many customers (default 50)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--json", type=Path, help="also write every run's figures to this file")
    p.add_argument(
        "--one-by-one", action="store_true", help="write the automatic matches one at a time (the reference path)"
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="recouvre-reconcile-") as folder:
        os.environ["RECOUVRE_DATA_DIR"] = folder
        os.environ.pop("RECOUVRE_DATABASE_URL", None)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from recouvre.cli import ensure_migrated, setup_django

    setup_django()
    ensure_migrated()
    from django.conf import settings
    from django.db import connection

    from recouvre.bank import matching, services
    from recouvre.bank.services import import_statement
    from recouvre.ledger import chain
    from recouvre.ledger.actors import Actor
    from recouvre.organizations.services import create_organization

    assert connection.vendor == "sqlite", "this bench copies the SQLite database file between runs"
    settings.IMPORTS_MAX_UPLOAD_BYTES = 1 << 31
    t0 = time.perf_counter()
    org = create_organization("bench", "Bench SAS")
    rb.ORG_ID = org.pk
    customers = args.customers if args.shape == "large" else None
    data = rb.generate(args.transactions, args.open_items, args.seed, Decimal("1.00"), customers)
    load(data)
    debits = len(data.credits) // 50
    content = camt(data, debits)
    database = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    snapshot = database.with_suffix(".snapshot")
    shutil.copyfile(database, snapshot)
    print(
        json.dumps(
            {
                "shape": args.shape,
                "customers": len(data.customers),
                "open_items": len(data.open_items),
                "credits": len(data.credits),
                "debits": debits,
                "file_mb": round(len(content) / 1e6, 1),
                "setup_seconds": round(time.perf_counter() - t0, 1),
                "kinds": dict(sorted(data.kinds.items())),
            }
        ),
        file=sys.stderr,
    )
    phases = Phases()
    phases.wrap(services, "parse", "parse")
    phases.wrap(services, "_write_entries", "store_entries")
    phases.wrap(matching, "build_index", "index")
    phases.wrap(matching, "match", "match")
    if args.one_by_one:
        matching._apply_all = matching._apply_one_by_one
    phases.wrap(matching, "_apply_all", "apply")
    phases.wrap(matching, "_insert_suggestions", "suggestions")
    phases.wrap(chain, "seal", "seal")
    runs = []
    for _n in range(args.runs):
        connection.close()
        for extra in ("-wal", "-shm"):
            Path(f"{database}{extra}").unlink(missing_ok=True)
        shutil.copyfile(snapshot, database)
        phases.seconds.clear()
        phases.cpu.clear()
        org.refresh_from_db()
        t1, c1 = time.perf_counter(), time.process_time()
        result = import_statement(org, content, "bench.xml", actor=Actor.system("bench"))
        seconds = time.perf_counter() - t1
        cpu = time.process_time() - c1
        assert result.import_run_id is not None
        figures: dict[str, Any] = {
            "transactions": len(data.credits),
            "entries": result.created,
            "auto_applied": result.matched,
            "suggested": result.suggested,
            "unmatched": result.unmatched,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
        }
        figures.update({k: round(v, 2) for k, v in phases.seconds.items()})
        figures["other"] = round(seconds - sum(phases.seconds.values()), 2)
        figures["cpu"] = {k: round(v, 2) for k, v in phases.cpu.items()}
        figures["cpu"]["other"] = round(cpu - sum(phases.cpu.values()), 2)
        figures.update(score(data, result.import_run_id))
        print(json.dumps(figures), flush=True)
        runs.append(figures)
    times = [r["seconds"] for r in runs]
    summary = {"runs": len(times), "min_seconds": min(times), "median_seconds": round(statistics.median(times), 2)}
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, **summary}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
