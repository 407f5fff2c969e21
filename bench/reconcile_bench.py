"""Bank matching benchmark: a labelled set of incoming credits matched against open invoices by the pure engine.

    .venv/bin/python bench/reconcile_bench.py                      # 100 000 credits, 500 000 open items
    .venv/bin/python bench/reconcile_bench.py --quick              # 10 000 credits, 50 000 open items
    .venv/bin/python bench/reconcile_bench.py --transactions 20000 --open-items 100000 --seed 7 --json out.json

``generate`` makes, from a seed, an organization's customers (French company and personal names, a payment
reference each, a known IBAN for about half of them) with several open invoices each (numbered
``F-2025-000001`` on, due over the last months, a fifth of them at round amounts), and credits of these kinds,
each labelled with the customer and the invoices it pays (``Truth``):

- the customer's payment reference (in the structured field, or printed in the text), paying the balance, one
  invoice, a partial amount, or more than is open;
- invoice numbers, one or several, written in every way people write them (``F-2025-000123``, ``f2025000123``,
  ``2025-000123``, ``FA2025123``, ``Fact. 2025/123``...), amid noise (dates, amounts, IBANs, postcodes, the
  payer's own references), paying exactly, less a bank fee within or beyond the tolerance, or part of one;
- nothing useful in the text (``VIREMENT``, the payer's order number), paying one invoice or the balance;
- a wrong number (a typo, or a number of the payer's own system) with the right amount;
- credits from others than customers (refunds, interest, transfers between own accounts).

Payers' names differ from the customers' as they do at the bank: capitals, legal form dropped or moved, cut at 18
characters, a typo, the manager's own name, another company paying. ``score`` compares the proposals with the
labels. Prints one JSON line::

    {"transactions": n, "auto_applied": n, "precision": p, "recall": r, "top1_suggestion": t, "seconds": s, ...}

``precision``: of the credits applied automatically, the share applied to the right customer and invoices.
``recall``: of the credits that pay customers, the share whose right match is among the proposals (applied or
suggested); ``auto_recall``: the share applied automatically and rightly. ``top1_suggestion``: of the credits that
pay customers and got a proposal, the share whose first proposal is the right one. ``seconds``: building the index
and matching every credit (``index_seconds`` + ``match_seconds``), on the clock; ``cpu_seconds``: the same in CPU
time (what a shared machine does not inflate as much); generating the set is not counted. The goals
(precision >= 0.995, recall >= 0.90, top1 >= 0.97) are checked and printed on stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from faker.providers.person.fr_FR import Provider as _People  # noqa: E402

from recouvre.core.creditor_ref import customer_rf, format_rf  # noqa: E402
from recouvre.core.matching import (  # noqa: E402
    Credit,
    CustomerInfo,
    MatchIndex,
    MatchSettings,
    OpenItem,
    Proposal,
    match,
)

ORG_ID = 7
AS_OF = date(2026, 3, 31)
LAST_NAMES = list(_People.last_names)
FIRST_NAMES = list(_People.first_names_male) + list(_People.first_names_female)
TRADES = [
    "Boulangerie", "Garage", "Pharmacie", "Cabinet", "Transports", "Menuiserie", "Plomberie", "Boucherie", "Hôtel",
    "Restaurant", "Librairie", "Fleurs", "Immobilier", "Conseil", "Informatique", "Bâtiment", "Électricité",
    "Peinture", "Coiffure", "Optique", "Imprimerie", "Carrosserie", "Traiteur", "Architecture", "Nettoyage",
    "Charpente", "Paysages", "Couverture", "Ambulances", "Taxi",
]  # fmt: skip
LEGAL = ["SARL", "SAS", "SA", "EURL", "SASU", "S.A.R.L.", "SAS", ""]
ROUND_AMOUNTS = [
    50, 60, 75, 90, 100, 120, 150, 180, 200, 240, 250, 300, 360, 400, 450, 480, 500, 600, 750, 900, 1000, 1200,
    1500, 2000, 2400, 3000,
]  # fmt: skip
NOISE = [
    "", "", "", "VIR SEPA", "VIREMENT", "VIR INST", "PRLV", "REGLEMENT", "PAIEMENT", "NOTPROVIDED",
]  # fmt: skip
NON_CUSTOMER_TEXTS = [
    "REMBOURSEMENT CPAM", "INTERETS CREDITEURS 2025", "VIR CPTE A CPTE", "VIREMENT INTERNE", "CAF ALLOC",
    "REMB FRAIS DEPLACEMENT", "URSSAF REMBOURSEMENT TROP PERCU", "DGFIP REMBOURSEMENT TVA", "LOYER MARS",
    "ASSURANCE INDEMNISATION SINISTRE 2026/0412", "SUBVENTION REGION", "APPORT EN COMPTE COURANT",
]  # fmt: skip


@dataclass
class Truth:
    """What a credit pays: a customer and the invoices it goes to (``None``: no customer's), and its kind."""

    kind: str
    customer_id: int | None
    invoice_ids: frozenset[int] = frozenset()
    certain: bool = False  # the rules say it should be applied without review


@dataclass
class Dataset:
    open_items: list[OpenItem]
    customers: list[CustomerInfo]
    credits: list[Credit]
    truths: list[Truth]
    kinds: Counter[str] = field(default_factory=Counter)


# --------------------------------------------------------------------------------------------------------------


def _iban(rnd: random.Random) -> str:
    bank, branch, account, key = (rnd.randrange(10**4, 10**5), rnd.randrange(10**4, 10**5),
                                  rnd.randrange(10**10, 10**11), rnd.randrange(10, 100))  # fmt: skip
    bban = f"{bank}{branch}{account}{key}"
    check = 98 - int(bban + "152700") % 97
    return f"FR{check:02d}{bban}"


def _company(rnd: random.Random) -> str:
    shape = rnd.random()
    last = rnd.choice(LAST_NAMES)
    if shape < 0.35:
        name = f"{rnd.choice(TRADES)} {last}"
    elif shape < 0.55:
        name = f"{last} {rnd.choice(LAST_NAMES)}"
    elif shape < 0.7:
        name = f"{rnd.choice(TRADES)} {last} et Fils"
    elif shape < 0.85:
        name = f"{last} {rnd.choice(TRADES)}"
    else:
        return f"{rnd.choice(FIRST_NAMES)} {last}"  # a person
    legal = rnd.choice(LEGAL)
    return f"{name} {legal}".strip() if rnd.random() < 0.7 else f"{legal} {name}".strip()


def _payer_name(rnd: random.Random, name: str) -> tuple[str, str]:
    """How the bank writes the payer, and how it differs."""
    r = rnd.random()
    if r < 0.40:
        return name, "same"
    if r < 0.62:
        words = [w for w in name.replace(".", "").upper().split() if w not in {"SARL", "SAS", "SA", "EURL", "SASU"}]
        return " ".join(words), "capitals"
    if r < 0.72:
        return name.upper()[:18], "cut"
    if r < 0.82:
        chars = list(name.upper())
        i = rnd.randrange(len(chars))
        chars[i] = rnd.choice("ABCDEFGHIJKLMNOPRSTUV")
        return "".join(chars), "typo"
    if r < 0.92:
        surnames = [w for w in name.replace(".", "").split() if w in LAST_NAMES] or [rnd.choice(LAST_NAMES)]
        return f"M {rnd.choice(FIRST_NAMES).upper()} {surnames[0].upper()}", "manager"
    return _company(rnd).upper(), "other company"


def _written(rnd: random.Random, number: str) -> str:
    """An invoice number as a payer writes it."""
    prefix, year, seq = number.split("-")
    short = str(int(seq))
    forms = [
        number, number, number, number.lower(), f"{prefix}{year}{seq}", f"{year}-{seq}", f"{year}{seq}",
        f"FA{year}{short}", f"{prefix} {year} {seq}", f"{year}/{short}", f"FACT {year}-{short}", f"{prefix}{year}{seq}",
    ]  # fmt: skip
    return rnd.choice(forms)


def _noise(rnd: random.Random) -> str:
    bits = []
    r = rnd.random()
    if r < 0.15:
        bits.append(f"DU {rnd.randrange(1, 29):02d}/{rnd.randrange(1, 13):02d}/2026")
    elif r < 0.25:
        bits.append(f"MONTANT {rnd.randrange(1, 9)} {rnd.randrange(100, 999)},{rnd.randrange(0, 99):02d} EUR")
    elif r < 0.32:
        bits.append(f"IBAN {_iban(rnd)[:4]} {_iban(rnd)[4:8]}")  # a cut IBAN: digits only
    elif r < 0.40:
        bits.append(f"REF CLIENT {rnd.randrange(1000, 99999)}")
    elif r < 0.45:
        bits.append(f"{rnd.randrange(10, 96)}{rnd.randrange(0, 999):03d} {rnd.choice(['PARIS', 'LYON', 'NANTES'])}")
    elif r < 0.52:
        full = _iban(rnd)
        bits.append(" ".join(full[i : i + 4] for i in range(0, len(full), 4)))
    return " ".join(bits)


def generate(
    transactions: int,
    open_items: int,
    seed: int = 2026,
    tolerance: Decimal = Decimal("1.00"),
    customers_count: int | None = None,
) -> Dataset:
    """The labelled set. By default about four open items per customer, and each customer pays once.
    ``customers_count``: that many customers (a few with thousands of invoices each), each paying again and
    again: a credit pays one or a few invoices not paid by an earlier credit of the set (no balances, no partial
    payments against the balance, which would depend on the order the credits are applied in)."""
    rnd = random.Random(seed)
    reuse = customers_count is not None
    n_customers = max(2, customers_count) if customers_count is not None else max(2, open_items // 4)
    customers: list[CustomerInfo] = []
    names: list[str] = []
    own_ibans: list[str] = []
    for cid in range(1, n_customers + 1):
        name = _company(rnd)
        iban = _iban(rnd) if rnd.random() < 0.5 else ""
        names.append(name)
        own_ibans.append(iban)
        customers.append(CustomerInfo(cid, name, customer_rf(ORG_ID, cid), (iban,) if iban else ()))
    # open items: every customer at least one, the rest spread unevenly
    owners = list(range(1, n_customers + 1)) + [
        rnd.randrange(1, n_customers + 1) for _ in range(open_items - n_customers)
    ]
    rnd.shuffle(owners)
    items: list[OpenItem] = []
    by_customer: dict[int, list[OpenItem]] = {}
    for seq, cid in enumerate(owners, 1):
        issued = AS_OF - timedelta(days=rnd.randrange(0, 240))
        due = issued + timedelta(days=rnd.choice((30, 30, 45, 60)))
        if rnd.random() < 0.2:
            cents = rnd.choice(ROUND_AMOUNTS) * 100
        else:
            cents = int(rnd.lognormvariate(6.2, 1.0) * 100) + 500
        item = OpenItem(seq, cid, f"F-{issued.year}-{seq:06d}", Decimal(cents).scaleb(-2), "EUR", due, issued)
        items.append(item)
        by_customer.setdefault(cid, []).append(item)
    for lst in by_customer.values():
        lst.sort(key=lambda it: (it.due_on, it.issued_on, it.number, it.invoice_id))
    # A customer paying again and again: what earlier credits left open, taken out as they are paid (in no order);
    # an amount alone names an invoice only when no other of the customer's invoices, paid earlier in the set or
    # not, has it (every invoice is open before the run).
    pools: dict[int, _Pool] = {}
    unique: dict[int, _Pool] = {}
    if reuse:
        amounts = Counter((it.customer_id, _c(it)) for it in items)
        for cid, lst in by_customer.items():
            pools[cid] = _Pool(lst)
            unique[cid] = _Pool([it for it in lst if amounts[(cid, _c(it))] == 1])
    order = list(by_customer)
    rnd.shuffle(order)
    next_customer = 0
    credits: list[Credit] = []
    truths: list[Truth] = []
    kinds: Counter[str] = Counter()
    weights = [
        ("rf_balance", 8), ("rf_invoice", 6), ("rf_partial", 4), ("rf_over", 1),
        ("number", 30), ("number_fee", 6), ("number_fee_beyond", 2), ("numbers_grouped", 10),
        ("number_partial", 4), ("nothing", 15), ("wrong_number", 6), ("not_a_customer", 8),
    ]  # fmt: skip
    population = [k for k, _w in weights]
    cum = [w for _k, w in weights]
    tol_cents = int(tolerance * 100)
    for tid in range(1, transactions + 1):
        kind = rnd.choices(population, cum)[0]
        if reuse:
            kind = {"rf_balance": "rf_invoice", "rf_over": "rf_invoice", "rf_partial": "number_partial"}.get(kind, kind)
        booking = AS_OF + timedelta(days=rnd.randrange(0, 30))
        if kind == "not_a_customer":
            text = rnd.choice(NON_CUSTOMER_TEXTS)
            cents = rnd.choice([rnd.randrange(500, 300000), rnd.choice(ROUND_AMOUNTS) * 100])
            payer = rnd.choice([_company(rnd).upper(), f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}".upper()])
            credits.append(Credit(tid, Decimal(cents).scaleb(-2), "EUR", booking, text, payer, _iban(rnd)))
            truths.append(Truth(kind, None))
            kinds[kind] += 1
            continue
        # a customer not met yet in this set (a credit sees the customer's open items as they are before the run)
        if reuse:  # round the customers, each with what earlier credits left open
            need = 2 if kind == "numbers_grouped" else 1
            for _turn in range(len(order)):
                cid = order[next_customer % len(order)]
                next_customer += 1
                if len(pools[cid].items) >= need:
                    break
            else:
                break
        else:
            while next_customer < len(order) and (
                kind == "numbers_grouped" and len(by_customer[order[next_customer]]) < 2
            ):
                next_customer += 1
            if next_customer >= len(order):
                break
            cid = order[next_customer]
            next_customer += 1
        open_ = pools[cid].items if reuse else by_customer[cid]
        payer, _how = _payer_name(rnd, names[cid - 1])
        iban = own_ibans[cid - 1] if own_ibans[cid - 1] and rnd.random() < 0.8 else _iban(rnd)
        noise = _noise(rnd)
        prefix = rnd.choice(NOISE)
        rf_field = ""
        certain = False
        if kind.startswith("rf_"):
            rf = customer_rf(ORG_ID, cid)
            in_field = rnd.random() < 0.5
            rf_field = rf if in_field else ""
            text = " ".join(b for b in (prefix, "" if in_field else format_rf(rf), noise) if b)
            certain = True
            total = -1 if reuse else sum(_c(it) for it in open_)
            if kind == "rf_balance":
                cents, paid = total, open_
            elif kind == "rf_over":
                cents, paid = total + rnd.randrange(500, 20000), open_
            elif kind == "rf_invoice" and reuse:
                target = rnd.choice(unique[cid].items or open_)
                cents, paid = _c(target), [target]
            elif kind == "rf_invoice":
                cents = _c(rnd.choice(open_))
                paid = open_ if cents == total else [next(it for it in open_ if _c(it) == cents)]
            else:  # rf_partial: less than the balance, close to no invoice nor run of the oldest ones
                for _try in range(20):
                    cents = rnd.randrange(100, max(101, total))
                    if not _near_a_fit(open_, cents, tol_cents):
                        break
                else:
                    continue
                paid = _oldest_first(open_, cents)
        elif kind in ("number", "number_fee", "number_fee_beyond", "number_partial", "wrong_number"):
            target = rnd.choice(open_)
            paid = [target]
            cents = _c(target)
            if kind == "number_fee":
                cents -= rnd.randrange(1, tol_cents + 1) if tol_cents else 0
            elif kind == "number_fee_beyond":
                cents -= rnd.randrange(tol_cents + 50, tol_cents + 2500)
            elif kind == "number_partial":
                cents = max(100, cents * rnd.randrange(20, 90) // 100)
            if cents <= 0:
                continue
            if kind == "wrong_number":
                wrong = rnd.choice(
                    [
                        f"F-{target.issued_on.year}-{rnd.randrange(600000, 999999):06d}",
                        f"CMD {rnd.randrange(10000, 99999)}",
                    ]
                )
                words = f"FACTURE {wrong}"
            else:
                words = rnd.choice(["FACTURE ", "FACT. ", "REGLEMENT ", "", "PAIEMENT FACTURE ", "INV "]) + _written(
                    rnd, target.number
                )
            text = " ".join(b for b in (prefix, words, noise) if b)
            certain = kind in ("number", "number_fee")
        elif kind == "numbers_grouped":
            k = min(len(open_), rnd.randrange(2, 5))
            paid = rnd.sample(open_, k)
            cents = sum(_c(it) for it in paid)
            if rnd.random() < 0.2 and tol_cents:
                cents -= rnd.randrange(1, tol_cents + 1)
            sep = rnd.choice([" ", ", ", " ET ", " + ", " / "])
            words = "FACTURES " + sep.join(_written(rnd, it.number) for it in paid)
            text = " ".join(b for b in (prefix, words, noise) if b)
            certain = True
        else:  # nothing
            total = -1 if reuse else sum(_c(it) for it in open_)
            if reuse:
                target = rnd.choice(unique[cid].items or open_)
                cents, paid = _c(target), [target]
            elif rnd.random() < 0.6:
                cents = _c(rnd.choice(open_))  # the oldest of that amount: nothing tells them apart
                paid = open_ if cents == total else [next(it for it in open_ if _c(it) == cents)]
            else:
                cents, paid = total, open_
            text = " ".join(b for b in (prefix, rnd.choice(["", "", f"CDE {rnd.randrange(1000, 99999)}"]), noise) if b)
        credits.append(Credit(tid, Decimal(cents).scaleb(-2), "EUR", booking, text, payer, iban, rf_field))
        truths.append(Truth(kind, cid, frozenset(it.invoice_id for it in paid), certain))
        kinds[kind] += 1
        if reuse:
            for it in paid:
                pools[cid].remove(it)
                unique[cid].remove(it)
    return Dataset(items, customers, credits, truths, kinds)


class _Pool:
    """Items in no order, any of them taken out at once."""

    def __init__(self, items: list[OpenItem]):
        self.items = list(items)
        self.at = {it.invoice_id: i for i, it in enumerate(self.items)}

    def remove(self, item: OpenItem) -> None:
        i = self.at.pop(item.invoice_id, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.at[last.invoice_id] = i


def _c(item: OpenItem) -> int:
    return int(item.open_amount * 100)


def _near_a_fit(items: list[OpenItem], cents: int, tol: int) -> bool:
    """Whether ``cents`` is within ``tol`` of the balance, of one item, or of a run of the oldest items, or is
    the total of a combination of the items (checked for up to 12 items)."""
    running = 0
    for it in items:
        running += _c(it)
        if abs(running - cents) <= tol or abs(_c(it) - cents) <= tol:
            return True
    sums = {0}
    for it in items[:12]:
        sums |= {s + _c(it) for s in sums}
    return cents in sums


def _oldest_first(items: list[OpenItem], cents: int) -> list[OpenItem]:
    paid = []
    for it in items:
        if cents <= 0:
            break
        paid.append(it)
        cents -= _c(it)
    return paid


# --------------------------------------------------------------------------------------------------------------


def _right(p: Proposal, truth: Truth) -> bool:
    return p.customer_id == truth.customer_id and frozenset(a.invoice_id for a in p.allocations) == truth.invoice_ids


def score(dataset: Dataset, results: list[list[Proposal]]) -> dict[str, object]:
    """The figures of ``results`` (``match``'s answer for ``dataset.credits``) against the labels."""
    auto = auto_right = payable = found = with_proposal = top1 = 0
    wrong_auto: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for truth, proposals in zip(dataset.truths, results, strict=True):
        first = proposals[0] if proposals else None
        if first is not None and first.auto:
            auto += 1
            if truth.customer_id is not None and _right(first, truth):
                auto_right += 1
            else:
                wrong_auto[truth.kind] += 1
        if truth.customer_id is None:
            continue
        payable += 1
        if any(_right(p, truth) for p in proposals):
            found += 1
        else:
            missed[truth.kind] += 1
        if proposals:
            with_proposal += 1
            top1 += _right(proposals[0], truth)
    return {
        "transactions": len(dataset.credits),
        "auto_applied": auto,
        "precision": round(auto_right / auto, 4) if auto else 1.0,
        "recall": round(found / payable, 4) if payable else 1.0,
        "top1_suggestion": round(top1 / with_proposal, 4) if with_proposal else 1.0,
        "auto_recall": round(auto_right / payable, 4) if payable else 1.0,
        "paying_customers": payable,
        "with_proposal": with_proposal,
        "wrong_auto_by_kind": dict(sorted(wrong_auto.items())),
        "missed_by_kind": dict(sorted(missed.items())),
    }


def show_failures(dataset: Dataset, results: list[list[Proposal]], limit: int) -> None:
    """Print on stderr up to ``limit`` credits whose first proposal is not the right one."""
    shown = 0
    for credit, truth, proposals in zip(dataset.credits, dataset.truths, results, strict=True):
        if shown >= limit:
            return
        first = proposals[0] if proposals else None
        if truth.customer_id is None and (first is None or not first.auto):
            continue
        if first is not None and truth.customer_id is not None and _right(first, truth):
            continue
        shown += 1
        print(f"--- {truth.kind}: {credit}", file=sys.stderr)
        print(f"    truth: customer {truth.customer_id}, invoices {sorted(truth.invoice_ids)}", file=sys.stderr)
        for p in proposals[:3]:
            allocated = [(a.invoice_id, str(a.amount)) for a in p.allocations]
            print(
                f"    {p.customer_id} {p.confidence} auto={p.auto} {allocated}: {'; '.join(p.explain())}",
                file=sys.stderr,
            )


def run(
    transactions: int, open_items: int, seed: int = 2026, settings: MatchSettings | None = None, show: int = 0
) -> dict[str, object]:
    """Generate, index, match, score; the figures with the engine's time."""
    settings = settings or MatchSettings()
    t0 = time.perf_counter()
    data = generate(transactions, open_items, seed, settings.tolerance)
    t1, c1 = time.perf_counter(), time.process_time()
    index = MatchIndex.build(data.open_items, data.customers)
    t2 = time.perf_counter()
    results = match(data.credits, index, settings)
    t3, c3 = time.perf_counter(), time.process_time()
    figures = score(data, results)
    if show:
        show_failures(data, results, show)
    figures.update(
        {
            "seconds": round(t3 - t1, 2),
            "cpu_seconds": round(c3 - c1, 2),
            "index_seconds": round(t2 - t1, 2),
            "match_seconds": round(t3 - t2, 2),
            "open_items": len(data.open_items),
            "customers": len(data.customers),
            "generate_seconds": round(t1 - t0, 2),
            "kinds": dict(sorted(data.kinds.items())),
        }
    )
    return figures


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transactions", type=int, default=100_000)
    p.add_argument("--open-items", type=int, default=500_000)
    p.add_argument("--quick", action="store_true", help="10 000 credits against 50 000 open items")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--tolerance", type=Decimal, default=Decimal("1.00"))
    p.add_argument("--threshold", type=float, default=0.95)
    p.add_argument("--json", type=Path, help="also write every figure to this file")
    p.add_argument("--show", type=int, default=0, metavar="N", help="print N credits whose first proposal is wrong")
    args = p.parse_args()
    if args.quick:
        args.transactions, args.open_items = 10_000, 50_000
    settings = MatchSettings(auto_threshold=args.threshold, tolerance=args.tolerance)
    figures = run(args.transactions, args.open_items, args.seed, settings, args.show)
    headline = {
        k: figures[k] for k in ("transactions", "auto_applied", "precision", "recall", "top1_suggestion", "seconds")
    }
    print(json.dumps(headline))
    print(json.dumps(figures, indent=1), file=sys.stderr)
    goals = [
        ("precision >= 0.995", float(figures["precision"]) >= 0.995),  # type: ignore[arg-type]
        ("recall >= 0.90", float(figures["recall"]) >= 0.90),  # type: ignore[arg-type]
        ("top1_suggestion >= 0.97", float(figures["top1_suggestion"]) >= 0.97),  # type: ignore[arg-type]
    ]
    for goal, met in goals:
        print(f"{goal}: {'met' if met else 'NOT met'}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
