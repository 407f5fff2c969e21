"""Speed at scale, on PostgreSQL: an accounting firm's database of 200 organizations and 10 000 000 invoices.

    .venv/bin/python bench/scale_bench.py                                  # everything, full size (about an hour)
    .venv/bin/python bench/scale_bench.py --orgs 5 --invoices 200000      # a small run (a few minutes)
    .venv/bin/python bench/scale_bench.py --no-load                        # measure again on the data loaded before
    .venv/bin/python bench/scale_bench.py --no-load --only pages,locust    # some parts: load run pages locust dispatch

PostgreSQL only: ``--database-url`` (default ``postgres://postgres@127.0.0.1:5432/recouvre_scale_bench``), a
database that is **dropped and created again** by the load. With a SQLite URL (or none reachable) it says so and
stops. The parts, in order (``--only`` keeps some of them):

1. **load**: migrations, ``--orgs`` organizations holding ``--invoices`` invoices in all, the largest with
   ``--largest`` invoices (default a tenth) and one customer per ten invoices; the others follow a realistic spread
   (the n-th largest holds about 1/n of the largest's share). Dates over two years; most invoices due long ago are
   settled by a payment allocated to them (some in part), a few payments are left unapplied; a few customers of the
   largest organization have 2 000 invoices each; every customer has a billing contact with an e-mail address.
   Rows are written with the imports' bulk writer (``recouvre.imports.bulk``: ``COPY``), one organization per
   transaction. Then ``VACUUM ANALYZE``.
2. **run**: the daily collections run of the largest organization (``run_collections``, what the scheduler's daily
   job and ``recouvre run`` do before sending), timed; goal under 90 s. One customer in ten is a strategic account
   (every written step needs approval): the run fills the outbox, the approvals and the worklist. ``--only history``
   first records the steps due 42, 28 and 14 days ago as carried out (``backfill``: six weeks of history; slow).
3. **pages**: each page of ``PAGES`` on the largest organization, through Django's test client logged in as a
   credit manager: one warm-up, then ``--requests`` times (a slow page: at least 5 times, then until 40 s have
   passed); p50, p95 and the number of SQL queries. Goal: p95 under
   300 ms. A page whose URL name does not exist is skipped with a note.
4. **locust**: ``recouvre serve`` (web only, ``--web-workers``) on a free loopback port, and ``locust`` headless,
   ``--users`` users (think time 1 to 3 s) browsing and approving for ``--load-seconds``; the server is stopped by
   its process id. Goal: p95 under 500 ms and no error.
5. **dispatch**: an SMTP sink on loopback that takes 0.2 s to answer each message, and 1, 2, 3 then 4
   ``recouvre worker`` processes sending the largest organization's due e-mails (the same queue, claimed with
   ``SELECT ... FOR UPDATE SKIP LOCKED``); the messages per second each way, over ``--dispatch-seconds``.

Every figure is printed with the load average of the machine; ``--json FILE`` also writes them to ``FILE``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/recouvre_scale_bench"
PAGE_GOAL_MS = 300
RUN_GOAL_S = 90
LOAD_TEST_GOAL_MS = 500
PAGE_BUDGET_S = 40  # a slow page is asked for fewer times: at least MIN_REQUESTS, then until this many seconds
MIN_REQUESTS = 5
HEAVY_INVOICES = 2000
# One customer in ten is a strategic account (every written step needs approval, a call at +14 days), one in ten a
# small account, the others standard: a first run already fills the approvals and the worklist.
SEGMENTS = (
    "standard",
    "strategic",
    "small",
    *["standard"] * 7,
)  # invoices of the largest organization's heaviest customers
USERNAME = "scale-manager"

# The pages measured: (label, URL name, URL arguments, query string). "{heavy}" is the id of a customer with
# 2 000 invoices, "{customer}" one of an ordinary customer, "{search}" a customer's name. Sorts offered by a list's
# filter form are added by ``pages()``. Add a page here; one whose URL name does not resolve is skipped with a note.
PAGES: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    ("dashboard", "home", {}, {}),
    ("customer list", "customer_list", {}, {}),
    ("customer with 2 000 invoices", "customer_detail", {"pk": "{heavy}"}, {}),
    ("customer", "customer_detail", {"pk": "{customer}"}, {}),
    ("invoice list", "invoice_list", {}, {}),
    ("overdue invoices", "invoice_list", {}, {"status": "overdue"}),
    ("aged balance", "aging", {}, {}),
    ("worklist", "worklist", {}, {}),
    ("approvals", "approvals", {}, {}),
    ("global search", "search", {}, {"q": "{search}"}),
]
# Lists whose filter form offers sorts: every sort is measured (URL name -> the form's dotted path).
SORTED_LISTS = {
    "customer_list": "recouvre.web.forms.CustomerFilterForm",
    "invoice_list": "recouvre.web.forms.InvoiceFilterForm",
    "aging": "recouvre.web.forms.AgingFilterForm",
    "approvals": "recouvre.web.forms.ApprovalFilterForm",
}

WORDS = (
    "Atelier Boulangerie Garage Transports Cabinet Pharmacie Menuiserie Imprimerie Hôtel Restaurant Ferme Agence "
    "Studio Clinique Librairie Quincaillerie Bâtiment Électricité Plomberie Jardins Optique Traiteur Laboratoire"
).split()
PLACES = (
    "Dupont Martin Bernard Durand Lefebvre Moreau Laurent Simon Michel Garcia David Bertrand Roux Vincent Fournier "
    "Morel Girard André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Perrin Robin"
).split()


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def say(text: str) -> None:
    print(text, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def org_sizes(orgs: int, invoices: int, largest: int) -> list[int]:
    """Invoices per organization, largest first: ``largest``, then the rest split as 1/n over ranks 2..orgs."""
    if orgs == 1:
        return [invoices]
    rest = invoices - largest
    weights = [1 / r for r in range(2, orgs + 1)]
    total = sum(weights)
    sizes = [max(50, int(rest * w / total)) for w in weights]
    cap = largest * 9 // 10  # the largest stays the largest
    sizes = [min(s, cap) for s in sizes]
    k = len(sizes) - 1
    while sum(sizes) < rest:  # what the cap and the rounding left out goes to the smaller ones, one at a time
        sizes[k] += min(rest - sum(sizes), max(1, (rest - sum(sizes)) // len(sizes) + 1))
        k = k - 1 if k > 0 else len(sizes) - 1
    return [largest, *sizes]


# ------------------------------------------------------------------------------------------------------ loading


class Ids:
    """Ids given by the loader itself (COPY returns none), set into the tables' sequences after the load."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str, count: int) -> int:
        first = self.next[table]
        self.next[table] = first + count
        return first


def load(args: argparse.Namespace, today: date) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from recouvre.imports import bulk
    from recouvre.ledger.models import Allocation, Contact, Customer, Invoice, Payment
    from recouvre.organizations.models import Role
    from recouvre.organizations.services import add_member, create_organization, create_user

    sizes = org_sizes(args.orgs, args.invoices, args.largest)
    say(f"load: {args.orgs} organizations, {sum(sizes):,} invoices (largest {sizes[0]:,}, smallest {sizes[-1]:,})")
    started = time.perf_counter()
    from recouvre.organizations.models import Organization

    orgs = []
    for i in range(args.orgs):  # --resume: the organizations already there are kept
        slug = f"org-{i + 1:03d}"
        orgs.append(
            Organization.objects.filter(slug=slug).first() or create_organization(slug, f"Client {i + 1:03d} SAS")
        )
    if not get_user_model().objects.filter(username=USERNAME).exists():
        user = create_user(USERNAME, args.password, email="manager@example.test")
        add_member(orgs[0], user, Role.CREDIT_MANAGER)
    tables = {m: m._meta.db_table for m in (Customer, Contact, Invoice, Payment, Allocation)}
    # Secondary indexes are built once after the load rather than updated row by row (as the SQLite import does,
    # ``bulk.indexes_rebuilt``); primary keys and unique constraints stay.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) AND NOT i.indisunique
               AND NOT i.indisprimary""",
            [list(tables.values())],
        )
        secondary = cursor.fetchall()
        for name, _definition in secondary:
            cursor.execute(f'DROP INDEX "{name}"')
    ids = Ids()
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            ids.next[table] = cursor.fetchone()[0] + args.id_offset
    counts = dict.fromkeys(("customers", "invoices", "open", "payments", "allocations"), 0)
    rnd = random.Random(args.seed)
    for index, (org, size) in enumerate(zip(orgs, sizes, strict=True)):
        t0 = time.perf_counter()
        if not args.org_from <= index + 1 <= (args.org_to or len(orgs)):
            continue
        if Invoice.objects.filter(organization=org).exists():
            say(f"  {org.slug}: already loaded, kept")
            continue
        with transaction.atomic():
            with connection.cursor() as cursor:
                # The allocation triggers and the foreign-key checks are off for this transaction: the loader writes
                # the settled amounts the triggers would (checked after the load) and ids it has just written.
                cursor.execute("SET LOCAL session_replication_role = replica")
            c = load_org(org, size, today, rnd, ids, tables, heavy=(index == 0), bulk=bulk)
        for k, v in c.items():
            counts[k] += v
        if index < 3 or index % 20 == 0 or index == len(orgs) - 1:
            say(
                f"  {org.slug}: {size:,} invoices ({c['open']:,} open), {c['customers']:,} customers, "
                f"{time.perf_counter() - t0:.1f} s (load {load_average()})"
            )
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    written = time.perf_counter() - started
    say(f"  rows written in {written:.0f} s; building {len(secondary)} indexes...")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, definition in secondary:
            cursor.execute(definition)
    indexing = time.perf_counter() - t0
    say(f"  indexes built in {indexing:.0f} s (load {load_average()}); VACUUM ANALYZE...")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum = time.perf_counter() - t0
    check_settled(orgs[0])
    rows = sum(counts.values()) - counts["open"] + counts["customers"]  # customers and their contacts
    say(
        f"load: {counts['invoices']:,} invoices ({counts['open']:,} open), {counts['customers']:,} customers, "
        f"{counts['payments']:,} payments, {counts['allocations']:,} allocations: {rows:,} rows in {written:.0f} s "
        f"({rows / written:,.0f} rows/s), VACUUM ANALYZE {vacuum:.0f} s (load {load_average()})"
    )
    return {
        "seconds": round(written, 1),
        "index_seconds": round(indexing, 1),
        "vacuum_seconds": round(vacuum, 1),
        "rows": rows,
        **counts,
    }


def load_org(
    org: Any, size: int, today: date, rnd: random.Random, ids: Ids, tables: dict[Any, str], *, heavy: bool, bulk: Any
) -> dict[str, int]:
    from recouvre.ledger.models import Allocation, Contact, Customer, Invoice, Payment

    n_customers = max(1, size // 10)
    first_customer = ids.take(tables[Customer], n_customers)
    heavy_count = max(1, n_customers // 5000) if heavy and size >= 5 * HEAVY_INVOICES else 0
    customer_rows = []
    for i in range(n_customers):
        name = f"{WORDS[i % len(WORDS)]} {PLACES[(i // len(WORDS)) % len(PLACES)]} {i:06d}"
        segment = SEGMENTS[i % 10]
        customer_rows.append((first_customer + i, org.pk, f"411C{i:06d}", name, segment, "fr"))
    bulk.insert_with_defaults(Customer, ["id", "organization", "ref", "name", "segment", "language"], customer_rows)
    contact_rows = (
        (org.pk, first_customer + i, "Comptabilité", "billing", f"compta{i}@client{org.pk}.example.test", True)
        for i in range(n_customers)
    )
    ids.take(tables[Contact], n_customers)
    bulk.insert_with_defaults(
        Contact, ["organization", "customer", "name", "role", "email", "is_primary"], contact_rows
    )

    first_invoice = ids.take(tables[Invoice], size)
    payments: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []
    counts = {"customers": n_customers, "invoices": size, "open": 0, "payments": 0, "allocations": 0}
    heavy_invoices = heavy_count * HEAVY_INVOICES
    randrange, random_ = rnd.randrange, rnd.random
    cents = Decimal("0.01")
    terms = (30, 30, 45, 60)

    def invoice_rows() -> Any:
        for i in range(size):
            invoice_id = first_invoice + i
            if i < heavy_invoices:
                customer = first_customer + i // HEAVY_INVOICES
            else:
                customer = first_customer + heavy_count + randrange(n_customers - heavy_count or 1)
            issued = today - timedelta(days=randrange(730))
            due = issued + timedelta(days=terms[i & 3])
            age = (today - due).days
            total_cents = randrange(5_000, 500_000)
            total = Decimal(total_cents) * cents
            settle = 0.93 if age > 90 else 0.7 if age > 30 else 0.35 if age > 0 else 0.08
            paid = Decimal(0)
            if random_() < settle:
                paid = total if random_() > 0.05 else Decimal(total_cents // 2) * cents
                received = min(today, due + timedelta(days=randrange(-10, 40)))
                received = max(received, issued)
                payments.append((customer, received, paid, paid, invoice_id))
            if paid < total:
                counts["open"] += 1
            yield (invoice_id, org.pk, customer, f"F{org.pk:03d}-{i:08d}", issued, due, "EUR", total, paid, "csv")

    bulk.insert_with_defaults(
        Invoice,
        [
            "id",
            "organization",
            "customer",
            "number",
            "issued_on",
            "due_on",
            "currency",
            "total",
            "allocated_amount",
            "source",
        ],
        invoice_rows(),
    )
    # A few payments on account, not applied: the "unapplied" figures are not all zero.
    for _ in range(max(1, len(payments) // 200)):
        customer = first_customer + randrange(n_customers)
        amount = Decimal(randrange(5_000, 100_000)) * cents
        payments.append((customer, today - timedelta(days=randrange(60)), amount, Decimal(0), None))
    first_payment = ids.take(tables[Payment], len(payments))
    payment_rows = []
    for k, (customer, received, amount, allocated, invoice_id) in enumerate(payments):
        payment_id = first_payment + k
        payment_rows.append(
            (
                payment_id,
                org.pk,
                customer,
                received,
                "EUR",
                amount,
                allocated,
                f"VIR{payment_id}",
                f"bench:{payment_id}",
                "bank",
            )
        )
        if invoice_id is not None:
            allocations.append((org.pk, invoice_id, payment_id, amount, received, "bank"))
    bulk.insert_with_defaults(
        Payment,
        [
            "id",
            "organization",
            "customer",
            "received_on",
            "currency",
            "amount",
            "allocated_amount",
            "reference",
            "source_key",
            "source",
        ],
        payment_rows,
    )
    ids.take(tables[Allocation], len(allocations))
    bulk.insert_with_defaults(
        Allocation, ["organization", "invoice", "payment", "amount", "allocated_on", "source"], allocations
    )
    counts["payments"] = len(payment_rows)
    counts["allocations"] = len(allocations)
    return counts


def check_settled(org: Any) -> None:
    """The settled amounts written by the loader are those the allocation triggers keep: the sum of the
    allocations of every invoice and payment of ``org``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM ledger_invoice i LEFT JOIN (SELECT invoice_id, sum(amount) s FROM ledger_allocation
               WHERE organization_id = %s GROUP BY invoice_id) a ON a.invoice_id = i.id
               WHERE i.organization_id = %s AND i.allocated_amount <> COALESCE(a.s, 0)""",
            [org.pk, org.pk],
        )
        wrong_invoices = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM ledger_payment p LEFT JOIN (SELECT payment_id, sum(amount) s FROM ledger_allocation
               WHERE organization_id = %s GROUP BY payment_id) a ON a.payment_id = p.id
               WHERE p.organization_id = %s AND p.allocated_amount <> COALESCE(a.s, 0)""",
            [org.pk, org.pk],
        )
        wrong_payments = cursor.fetchone()[0]
    if wrong_invoices or wrong_payments:
        raise SystemExit(f"load: {wrong_invoices} invoices, {wrong_payments} payments whose settled amount is wrong")


# ------------------------------------------------------------------------------------------------- daily run


def history(org: Any, today: date) -> list[dict[str, Any]]:
    """Six weeks of history: the steps due 42, 28 and 14 days ago recorded as carried out (backfill), so that
    today's run reaches formal notices (awaiting approval) and escalation tasks, not only first reminders."""
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor

    out = []
    for days in (42, 28, 14):
        t0 = time.perf_counter()
        day = today - timedelta(days=days)
        past = run_collections(org, day, actor=Actor.system("bench"), backfill=True, today=today)
        seconds = time.perf_counter() - t0
        out.append({"as_of": day.isoformat(), "item_steps": past.item_steps, "seconds": round(seconds, 1)})
        say(f"history of {org.slug}: steps of {day} recorded as carried out ({past.item_steps:,} item steps) in "
            f"{seconds:.1f} s (load {load_average()})")  # fmt: skip
    return out


def daily_run(org: Any, today: date) -> dict[str, Any]:
    from recouvre.collections.selectors import calendar_for
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor
    from recouvre.ledger.models import Invoice

    items = Invoice.objects.filter(organization=org, open_amount__gt=0).count()
    load_before = load_average()
    started, cpu = time.perf_counter(), time.process_time()
    result = run_collections(org, today, actor=Actor.system("bench"), calendar=calendar_for(org), today=today)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = {
        "open_items": items,
        "actions": result.actions,
        "item_steps": result.item_steps,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "goal_seconds": RUN_GOAL_S,
        "met": seconds < RUN_GOAL_S,
        "load_average": [load_before, load_average()],
    }
    say(
        f"daily run of {org.slug}: {items:,} open items, {result.actions:,} actions, {result.item_steps:,} item steps "
        f"in {seconds:.1f} s ({cpu:.1f} s CPU in this process), goal < {RUN_GOAL_S} s: "
        f"{'met' if out['met'] else 'MISSED'} (load {load_before} -> {load_average()})"
    )
    return out


# ------------------------------------------------------------------------------------------------------ pages


def fixtures(org: Any) -> dict[str, str]:
    """The values put into the pages' URLs: a customer with the most invoices, an ordinary one, a name."""
    from django.db.models import Count

    from recouvre.ledger.models import Customer

    heavy = Customer.objects.filter(organization=org, ref="411C000000").first()
    if heavy is None:
        heavy = Customer.objects.filter(organization=org).annotate(n=Count("invoices")).order_by("-n").first()
    ordinary = Customer.objects.filter(organization=org).order_by("-id").first()
    assert heavy is not None and ordinary is not None
    return {"heavy": str(heavy.pk), "customer": str(ordinary.pk), "search": ordinary.name.split()[-1]}


def pages() -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """``PAGES`` with, after each list offering sorts in its filter form, one entry per other sort."""
    from django.utils.module_loading import import_string

    out = []
    for label, name, kwargs, query in PAGES:
        out.append((label, name, kwargs, query))
        form_path = SORTED_LISTS.get(name)
        if form_path is None or query:
            continue
        try:
            field = import_string(form_path)().fields["sort"]
        except (ImportError, KeyError):
            continue
        for value, text in field.choices:
            if value:
                out.append((f"{label}, sorted by {text}", name, kwargs, {**query, "sort": str(value)}))
    return out


def measure_pages(org: Any, user: Any, requests: int, only: list[str] | None = None) -> list[dict[str, Any]]:
    from urllib.parse import urlencode

    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    request_started.disconnect(reset_queries)  # else each request empties the log the query count is read from
    values = fixtures(org)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    results = []
    for label, name, kwargs, query in pages():
        if only and not any(o in label for o in only):
            continue
        try:
            url = reverse(name, kwargs={k: v.format(**values) for k, v in kwargs.items()})
        except NoReverseMatch:
            say(f"  {label}: skipped, no page named {name!r} in this version")
            results.append({"page": label, "skipped": f"no URL named {name!r}"})
            continue
        if query:
            url += "?" + urlencode({k: v.format(**values) for k, v in query.items()})
        load_before = load_average()
        with CaptureQueriesContext(connection) as queries:
            first = client.get(url)
        if first.status_code != 200:
            say(f"  {label}: {url} answered {first.status_code}")
            results.append({"page": label, "url": url, "status": first.status_code})
            continue
        times: list[float] = []
        budget = time.perf_counter() + PAGE_BUDGET_S
        while len(times) < requests and (len(times) < MIN_REQUESTS or time.perf_counter() < budget):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        row = {
            "page": label,
            "url": url,
            "requests": len(times),
            "p50_ms": round(p50),
            "p95_ms": round(p95),
            "max_ms": round(max(times)),
            "queries": len(queries),
            "met": p95 < PAGE_GOAL_MS,
            "load_average": [load_before, load_average()],
        }
        results.append(row)
        say(
            f"  {label:<48} p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  n={len(times):<3d} {len(queries):3d} queries  "
            f"{'met' if row['met'] else 'MISSED'}  (load {load_before})"
        )
    return results


# ------------------------------------------------------------------------------------------------------ locust


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
        time.sleep(0.3)
    return False


def warm_up(port: int, workers: int) -> bool:
    """Ask for the login page until every web process has answered once (they import the app on start)."""
    import urllib.request

    deadline, answered = time.monotonic() + 60, 0
    while time.monotonic() < deadline and answered < 4 * workers:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30) as r:
                answered += r.status == 200
                continue
        time.sleep(0.5)
    return answered >= 4 * workers


def stop(proc: subprocess.Popen[Any], grace: float = 15) -> None:
    """Stop a process this bench started, by its id: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def load_test(args: argparse.Namespace, org: Any, env: dict[str, str]) -> dict[str, Any]:
    import csv

    from recouvre.ledger.models import Customer

    locust = Path(sys.executable).with_name("locust")
    if not locust.exists():
        say("locust: not installed (pip install -e '.[dev]'), skipped")
        return {"skipped": "locust not installed"}
    out = Path(tempfile.mkdtemp(prefix="scale-locust-"))
    customers = list(Customer.objects.filter(organization=org).order_by("?").values_list("pk", flat=True)[:500])
    (out / "customers.json").write_text(json.dumps(customers))
    # Each simulated user gets a session of its own, made here as the test client's force_login does: twenty
    # password logins at once would measure the password hashing (deliberately slow), not the pages.
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username=USERNAME)
    sessions = []
    for _ in range(args.users):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    (out / "sessions.json").write_text(json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "values": sessions}))
    port = free_port()
    server_env = dict(env, SCALE_PASSWORD=args.password)
    server = subprocess.Popen(
        [sys.executable, "-m", "recouvre.cli", "serve", "--no-worker", "--no-scheduler", "--port", str(port),
         "--web-workers", str(args.web_workers)],
        env=server_env, stdout=subprocess.DEVNULL, stderr=(out / "serve.log").open("w"),
    )  # fmt: skip
    try:
        if not wait_port(port, 60) or not warm_up(port, args.web_workers):
            raise SystemExit("locust: recouvre serve did not answer within 60 s (see its log in " + str(out) + ")")
        load_before = load_average()
        locust_env = dict(
            os.environ,
            SCALE_USERNAME=USERNAME,
            SCALE_PASSWORD=args.password,
            SCALE_CUSTOMERS=str(out / "customers.json"),
            SCALE_SESSIONS=str(out / "sessions.json"),
        )
        cmd = [
            str(locust), "-f", str(ROOT / "bench" / "scale_locustfile.py"), "--headless", "--host",
            f"http://127.0.0.1:{port}", "--users", str(args.users), "--spawn-rate", str(max(1, args.users // 5)),
            "--run-time", f"{args.load_seconds}s", "--stop-timeout", "10", "--csv", str(out / "run"),
            "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        done = subprocess.run(cmd, env=locust_env, capture_output=True, text=True, timeout=args.load_seconds + 120)
        (out / "locust.log").write_text(done.stdout + done.stderr)
    finally:
        stop(server)
    rows = list(csv.DictReader((out / "run_stats.csv").open()))
    per_page = []
    total: dict[str, Any] = {}
    for r in rows:
        entry = {
            "name": f"{r['Type']} {r['Name']}".strip(),
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "p50_ms": float(r["50%"] or 0),
            "p95_ms": float(r["95%"] or 0),
        }
        if r["Name"] == "Aggregated":
            total = entry
        else:
            per_page.append(entry)
    failures = list(csv.DictReader((out / "run_failures.csv").open())) if (out / "run_failures.csv").exists() else []
    result = {
        "users": args.users,
        "seconds": args.load_seconds,
        "web_workers": args.web_workers,
        "requests": total.get("requests", 0),
        "failures": total.get("failures", 0),
        "p50_ms": total.get("p50_ms"),
        "p95_ms": total.get("p95_ms"),
        "goal_ms": LOAD_TEST_GOAL_MS,
        "met": bool(total) and total["p95_ms"] < LOAD_TEST_GOAL_MS and total["failures"] == 0,
        "pages": per_page,
        "failure_kinds": [
            f"{f.get('Method')} {f.get('Name')}: {f.get('Error')} x{f.get('Occurrences')}" for f in failures
        ],
        "load_average": [load_before, load_average()],
    }
    for p in per_page:
        say(
            f"  {p['name']:<40} {p['requests']:5d} requests  {p['failures']} failed  "
            f"p50 {p['p50_ms']:5.0f} ms  p95 {p['p95_ms']:5.0f} ms"
        )
    for f in result["failure_kinds"]:
        say(f"  failure: {f}")
    say(
        f"load test: {args.users} users for {args.load_seconds} s, {args.web_workers} web workers: "
        f"{result['requests']} requests, {result['failures']} failed, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"goal p95 < {LOAD_TEST_GOAL_MS} ms and no error: {'met' if result['met'] else 'MISSED'} "
        f"(load {load_before} -> {load_average()})"
    )
    return result


# ---------------------------------------------------------------------------------------------------- dispatch

SINK = """
import asyncio, sys, os
from aiosmtpd.controller import Controller

class Slow:
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(float(sys.argv[3]))
        with open(sys.argv[2], "ab") as f:
            f.write(b".")
        return "250 OK"

controller = Controller(Slow(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
"""


def dispatch(args: argparse.Namespace, org: Any, env: dict[str, str]) -> dict[str, Any]:
    from recouvre.collections.models import Action, ActionState, Channel
    from recouvre.collections.tasks import send_due

    due = Action.objects.filter(organization=org, channel=Channel.EMAIL, state=ActionState.PLANNED).count()
    say(f"dispatch: {due:,} e-mails due in {org.slug}; SMTP sink answering in {args.smtp_delay} s")
    out = Path(tempfile.mkdtemp(prefix="scale-dispatch-"))
    counter = out / "sent"
    counter.touch()
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port), str(counter), str(args.smtp_delay)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    results = []
    try:
        assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        worker_env = dict(env, RECOUVRE_SMTP_URL=f"smtp://127.0.0.1:{port}")
        for n in range(1, args.max_workers + 1):
            workers = [
                subprocess.Popen(
                    [sys.executable, "-m", "recouvre.cli", "worker"],
                    env=worker_env,
                    stdout=subprocess.DEVNULL,
                    stderr=(out / f"worker-{n}-{k}.log").open("w"),
                )  # fmt: skip
                for k in range(n)
            ]
            try:
                for _ in range(n):
                    send_due.enqueue(org.pk, None, "")
                # wait for the first messages, then a few seconds for every worker to be sending
                base = counter.stat().st_size
                deadline = time.monotonic() + 60
                while counter.stat().st_size == base and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(3)
                load_before = load_average()
                start_count, t0 = counter.stat().st_size, time.perf_counter()
                time.sleep(args.dispatch_seconds)
                sent, seconds = counter.stat().st_size - start_count, time.perf_counter() - t0
            finally:
                for w in workers:
                    stop(w, grace=2)  # a worker finishes its task before stopping: killed after 2 s
            rate = sent / seconds
            results.append({"workers": n, "messages": sent, "seconds": round(seconds, 1), "per_second": round(rate, 2),
                            "load_average": [load_before, load_average()]})  # fmt: skip
            say(
                f"  {n} worker(s): {sent} messages in {seconds:.1f} s, {rate:.2f} messages/s "
                f"(load {load_before} -> {load_average()})"
            )
    finally:
        if sink.stdin is not None:
            sink.stdin.close()
        stop(sink, grace=5)
    if results:
        one = results[0]["per_second"] or 1
        for r in results:
            r["speedup"] = round(r["per_second"] / one, 2)
        say("dispatch: speed-up over one worker: " + ", ".join(f"{r['workers']}: x{r['speedup']}" for r in results))
    return {"smtp_delay": args.smtp_delay, "runs": results}


# -------------------------------------------------------------------------------------------------------- main


def hardware() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": memory}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=os.environ.get("RECOUVRE_DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--orgs", type=int, default=200)
    p.add_argument("--invoices", type=int, default=10_000_000, help="invoices in all (default 10 000 000)")
    p.add_argument("--largest", type=int, help="invoices of the largest organization (default: a tenth of all)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--no-load", action="store_true", help="use the data already in the database")
    p.add_argument("--org-from", type=int, default=1, help="load: only the organizations from this rank on")
    p.add_argument("--org-to", type=int, help="load: only the organizations up to this rank")
    p.add_argument("--id-offset", type=int, default=0, help="load: ids from this far above the largest (2 loaders)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply the migrations first")
    p.add_argument("--resume", action="store_true", help="load only the organizations not loaded yet (no drop)")
    p.add_argument("--only", help="comma-separated parts: load, history, run, pages, locust, dispatch (default: all)")
    p.add_argument("--page", action="append", help="measure only the pages whose label contains this (repeatable)")
    p.add_argument("--requests", type=int, default=20, help="requests per page after a warm-up (default 20)")
    p.add_argument("--users", type=int, default=20, help="load test: concurrent users (default 20)")
    p.add_argument("--load-seconds", type=int, default=60, help="load test: how long (default 60)")
    p.add_argument("--web-workers", type=int, default=2, help="load test: recouvre serve --web-workers (default 2)")
    p.add_argument("--max-workers", type=int, default=4, help="dispatch: up to this many workers (default 4)")
    p.add_argument("--dispatch-seconds", type=float, default=20, help="dispatch: seconds measured per count")
    p.add_argument("--smtp-delay", type=float, default=0.2, help="dispatch: the sink's answer time (default 0.2 s)")
    p.add_argument("--password", default="Scale-bench-2026!", help="the credit manager's password")
    p.add_argument("--json", type=Path, help="also write every figure to this file")
    args = p.parse_args()
    args.largest = args.largest or args.invoices // 10
    parts = set((args.only or "load,run,pages,locust,dispatch").split(","))
    if args.no_load:
        parts.discard("load")

    if not args.database_url.startswith(("postgres://", "postgresql://")):
        say("scale_bench: PostgreSQL only (the figures are for an accounting firm's PostgreSQL database); skipped.")
        return 0
    try:
        import psycopg

        psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means: skip
        say(f"scale_bench: PostgreSQL does not answer at {args.database_url} ({exc}); skipped.")
        return 0

    data_dir = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    env = dict(
        os.environ,
        RECOUVRE_DATA_DIR=str(data_dir),
        RECOUVRE_DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="recouvre.settings",
    )
    os.environ.update(env)
    if "load" in parts and not args.resume:
        name = args.database_url.rsplit("/", 1)[1]
        with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from recouvre.organizations.models import Organization

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    figures: dict[str, Any] = {"hardware": {**hardware(), "postgresql": pg_version}, "started_load": load_average()}
    say(f"scale_bench: {figures['hardware']} (load {load_average()})")
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    today = timezone.localdate()
    if "load" in parts:
        with contextlib.redirect_stderr(io.StringIO()):
            figures["load"] = load(args, today)
    org = Organization.objects.filter(slug="org-001").first()
    if org is None:
        say("scale_bench: no data loaded (run without --no-load first)")
        return 1
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=USERNAME)
    if "history" in parts:
        figures["history"] = history(org, today)
    if "run" in parts:
        figures["run"] = daily_run(org, today)
    if "pages" in parts:
        say(f"pages of {org.slug}, {args.requests} requests each after a warm-up, goal p95 < {PAGE_GOAL_MS} ms:")
        figures["pages"] = measure_pages(org, user, args.requests, args.page)
    if "locust" in parts:
        figures["load_test"] = load_test(args, org, env)
    if "dispatch" in parts:
        figures["dispatch"] = dispatch(args, org, env)
    missed = [r["page"] for r in figures.get("pages", []) if r.get("met") is False]
    say("summary: " + json.dumps({
        "pages_missed": missed,
        "run_met": figures.get("run", {}).get("met"),
        "load_test_met": figures.get("load_test", {}).get("met"),
        "dispatch_per_second": [r["per_second"] for r in figures.get("dispatch", {}).get("runs", [])],
        "load_average": load_average(),
    }))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
