"""Realistic French demo data, decided entirely by a seed and an ``as_of`` date.

Pure Python (no Django): a seeded ``random.Random`` and a seeded Faker ``fr_FR`` produce frozen dataclasses that
``recouvre.demo.services`` writes to the database. The same seed and the same ``as_of`` give the same data.

What is generated:

- the creditor: a French SAS with a valid SIREN/SIRET, its intra-EU VAT number (key computed from the SIREN),
  a French IBAN (valid RIB key and IBAN check digits), a BIC and its legal mentions;
- customers: companies of various legal forms (valid SIREN with the Luhn key, SIRET, FR VAT number), a few
  consumers and a few public bodies (a public hospital on 50 days, town halls on 30 days, and a local
  semi-public company, *SEM*, a public buyer under private-law contracts), each with a French address and a
  billing contact; segments strategic / standard / small; payment terms 30 days, 30 or 45 days end of month,
  60 days;
- each customer's legal identity, as a court would need it: the registered office of a company (sometimes away
  from its billing address), its legal form and legal representative; the domicile of a consumer; a public body's
  status (public legal person, administrative contract);
- invoices over the 24 months before ``as_of`` numbered ``FA2025-000123`` (excl. tax + VAT at 20 %, some at
  10 % or 5.5 %, exact to the cent), credit notes ``AV2025-000004``;
- payments following a behaviour per customer: prompt payers, chronic late payers (15-90 days late), partial
  payers, one customer in insolvency proceedings opened about six weeks before ``as_of`` (it stopped paying a few
  months before the judgment), a consumer, the hospital and the SEM that stopped paying a few months ago, a few disputed
  invoices left unpaid, transfers grouping several invoices on payment-run days, cheques, and a couple of
  payments on account that are not allocated. Whatever would be paid after ``as_of`` is still open.

The insolvency proceedings and the disputes are data here; ``recouvre.demo.services`` records them through the
legal and collections services, as a user would, so that collection stops for them.

E-mail addresses use the reserved ``.example`` domain so that no demo message can reach a real mailbox.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache

import holidays
from faker import Faker
from stdnum import iban as _iban
from stdnum import luhn
from stdnum.fr import siren as _siren

from recouvre.core.dates import PaymentTerms

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HISTORY_DAYS = 730  # 24 months before as_of

DISPUTE_TAG = "litige"
INSOLVENCY_TAG = "procédure collective"


class Behaviour(StrEnum):
    PROMPT = "prompt"  # pays on or before the due date
    LATE = "late"  # pays 15 to 90 days after the due date
    PARTIAL = "partial"  # often pays part of an invoice and leaves the rest open
    INSOLVENT = "insolvent"  # pays late, then stops paying some months before insolvency proceedings open


# ----------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    name: str
    legal_form: str
    siren: str
    siret: str
    vat_number: str
    address_line1: str
    postal_code: str
    city: str
    iban: str
    bic: str
    share_capital: Decimal
    rcs: str
    legal_mentions: str
    payment_terms_days: int = 30
    payment_terms_end_of_month: bool = False


@dataclass(frozen=True, slots=True)
class DemoContact:
    name: str
    email: str
    phone: str
    role: str = "billing"


@dataclass(frozen=True, slots=True)
class DemoInsolvency:
    """Collective proceedings opened against a customer (*procédure collective*)."""

    kind: str  # legal.models.ProcedureKind: safeguard / receivership / liquidation
    opened_on: date  # the opening judgment
    published_on: date  # BODACC publication: the 2-month claim deadline runs from here
    court: str  # the commercial court of the debtor's registered office
    officer_name: str  # the creditors' representative (mandataire judiciaire) the claim is declared to
    officer_address: str


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    ref: str
    name: str
    kind: str  # business / consumer / public
    legal_form: str
    siren: str
    siret: str
    vat_number: str
    address_line1: str
    postal_code: str
    city: str
    segment: str  # strategic / standard / small
    payment_terms_days: int
    payment_terms_end_of_month: bool
    credit_limit: Decimal | None
    behaviour: Behaviour
    contact: DemoContact
    tags: tuple[str, ...] = ()
    payer_iban: str = ""
    pays_by_cheque: bool = False
    groups_payments: bool = False  # pays on payment-run days, one transfer for several invoices
    insolvency: DemoInsolvency | None = None
    unpaid_from: date | None = None  # stopped paying: invoices falling due from this day are left unpaid
    # Legal identity (ledger.Customer): addresses as lines ("street\npostal code city").
    registered_office: str = ""  # a company's seat (siège social)
    domicile: str = ""  # an individual's home
    representative: str = ""  # name and capacity, e.g. "Mme Claire Martin, présidente"
    public_person: bool | None = None  # None: follows the kind (on for a public body)
    administrative_contract: bool | None = None  # None: follows the kind (on for a public body)

    @property
    def billing_address(self) -> str:
        return f"{self.address_line1}\n{self.postal_code} {self.city}"

    @property
    def terms(self) -> PaymentTerms:
        return PaymentTerms(self.payment_terms_days, self.payment_terms_end_of_month)


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    number: str
    customer_ref: str
    issued_on: date
    due_on: date
    amount_excl_tax: Decimal
    vat_rate: Decimal  # percent: 20, 10 or 5.5
    tax_amount: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class DemoDispute:
    invoice_number: str
    customer_ref: str
    opened_on: date
    reason_code: str  # collections.models.DisputeReason
    reason: str  # what the customer said
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DemoCreditNote:
    number: str
    customer_ref: str
    issued_on: date
    total: Decimal
    invoice_number: str
    reason: str


@dataclass(frozen=True, slots=True)
class DemoPayment:
    key: str
    customer_ref: str
    received_on: date
    amount: Decimal
    method: str  # transfer / cheque
    reference: str
    payer_name: str
    payer_iban: str


@dataclass(frozen=True, slots=True)
class DemoAllocation:
    invoice_number: str
    amount: Decimal
    allocated_on: date
    payment_key: str = ""
    credit_note_number: str = ""


@dataclass(frozen=True, slots=True)
class DemoData:
    seed: int
    as_of: date
    organization: DemoOrganization
    customers: tuple[DemoCustomer, ...]
    invoices: tuple[DemoInvoice, ...]
    credit_notes: tuple[DemoCreditNote, ...]
    payments: tuple[DemoPayment, ...]
    allocations: tuple[DemoAllocation, ...]
    disputes: tuple[DemoDispute, ...]

    def open_amounts(self) -> dict[str, Decimal]:
        """Invoice number -> total minus everything allocated to it."""
        open_ = {inv.number: inv.total for inv in self.invoices}
        for a in self.allocations:
            open_[a.invoice_number] -= a.amount
        return open_

    def unallocated_payments(self) -> list[DemoPayment]:
        allocated: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for a in self.allocations:
            if a.payment_key:
                allocated[a.payment_key] += a.amount
        return [p for p in self.payments if allocated[p.key] < p.amount]


# ----------------------------------------------------------------------------------------------- reference data

# (postal code, city, telephone zone digit). Real cities and their postal codes.
CITIES: tuple[tuple[str, str, str], ...] = (
    ("75002", "Paris", "1"),
    ("75008", "Paris", "1"),
    ("75011", "Paris", "1"),
    ("75015", "Paris", "1"),
    ("92100", "Boulogne-Billancourt", "1"),
    ("93200", "Saint-Denis", "1"),
    ("94300", "Vincennes", "1"),
    ("78000", "Versailles", "1"),
    ("91300", "Massy", "1"),
    ("95000", "Cergy", "1"),
    ("69003", "Lyon", "4"),
    ("69100", "Villeurbanne", "4"),
    ("13008", "Marseille", "4"),
    ("13100", "Aix-en-Provence", "4"),
    ("06000", "Nice", "4"),
    ("34000", "Montpellier", "4"),
    ("38000", "Grenoble", "4"),
    ("42000", "Saint-Étienne", "4"),
    ("26000", "Valence", "4"),
    ("63000", "Clermont-Ferrand", "4"),
    ("30000", "Nîmes", "4"),
    ("84000", "Avignon", "4"),
    ("74000", "Annecy", "4"),
    ("66000", "Perpignan", "4"),
    ("31000", "Toulouse", "5"),
    ("33000", "Bordeaux", "5"),
    ("87000", "Limoges", "5"),
    ("86000", "Poitiers", "5"),
    ("64000", "Pau", "5"),
    ("17000", "La Rochelle", "5"),
    ("44000", "Nantes", "2"),
    ("35000", "Rennes", "2"),
    ("49000", "Angers", "2"),
    ("37000", "Tours", "2"),
    ("45000", "Orléans", "2"),
    ("76000", "Rouen", "2"),
    ("14000", "Caen", "2"),
    ("29200", "Brest", "2"),
    ("72000", "Le Mans", "2"),
    ("59000", "Lille", "3"),
    ("59100", "Roubaix", "3"),
    ("67000", "Strasbourg", "3"),
    ("51100", "Reims", "3"),
    ("54000", "Nancy", "3"),
    ("57000", "Metz", "3"),
    ("21000", "Dijon", "3"),
    ("80000", "Amiens", "3"),
    ("25000", "Besançon", "3"),
    ("68100", "Mulhouse", "3"),
)
# Cities whose commercial court keeps the trade register under the city's own name.
REGISTRY_CITIES = ("Lyon", "Nantes", "Bordeaux", "Toulouse", "Rennes", "Montpellier", "Marseille", "Grenoble")
# Cities whose commercial court is still a *tribunal de commerce* under the city's name (Lyon and Marseille hold
# a *tribunal des activités économiques* since 2025, LEGAL-FR §5.7): where the insolvent customer has its seat.
COURT_CITIES = ("Nantes", "Bordeaux", "Toulouse", "Rennes", "Montpellier", "Grenoble")

# Fictitious numbering blocks per telephone zone (landlines 01-05, mobiles 06).
PHONE_BLOCKS = {"1": "01 99 00", "2": "02 61 91", "3": "03 53 01", "4": "04 65 71", "5": "05 36 49", "6": "06 39 98"}

# French bank codes and BICs for plausible IBANs.
BANKS: tuple[tuple[str, str], ...] = (
    ("30004", "BNPAFRPPXXX"),
    ("30003", "SOGEFRPPXXX"),
    ("30002", "CRLYFRPPXXX"),
    ("10107", "BREDFRPPXXX"),
    ("30066", "CMCIFRPPXXX"),
)

LEGAL_FORMS: tuple[tuple[str, int], ...] = (
    ("SAS", 40),
    ("SARL", 28),
    ("SASU", 10),
    ("EURL", 8),
    ("SA", 8),
    ("SNC", 3),
    ("SCOP", 3),
)
TRADES = (
    "Transports",
    "Menuiserie",
    "Plomberie",
    "Électricité",
    "Imprimerie",
    "Garage",
    "Boulangerie",
    "Restaurant",
    "Hôtel",
    "Librairie",
    "Quincaillerie",
    "Maçonnerie",
    "Charpente",
    "Fromagerie",
    "Distribution",
    "Informatique",
    "Conseil",
    "Logistique",
    "Nettoyage",
    "Paysages",
    "Carrosserie",
    "Laboratoire",
    "Brasserie",
    "Pâtisserie",
    "Ateliers",
    "Bâtiment",
    "Métallerie",
    "Emballages",
    "Froid Industriel",
    "Vins et Spiritueux",
)
AREAS = (
    "du Rhône",
    "de l'Ouest",
    "du Littoral",
    "des Alpes",
    "de Provence",
    "d'Armor",
    "du Centre",
    "de Bourgogne",
    "du Nord",
    "de Gascogne",
    "du Val de Loire",
    "de l'Est",
)
ORG_TRADES = ("Fournitures", "Équipements", "Distribution", "Matériaux", "Solutions")

# (days, end of month, weight) for businesses.
BUSINESS_TERMS: tuple[tuple[int, bool, int], ...] = ((30, False, 40), (45, True, 25), (60, False, 20), (30, True, 15))
CONSUMER_TERMS = (15, False)
TOWN_HALL_TERMS = (30, False)  # State and local authorities: 30 days (CCP R2192-10)
HOSPITAL_TERMS = (50, False)  # public hospitals: 50 days (CCP R2192-11)
SEM_TERMS = (30, False)  # agreed in the contract: within every cap that could apply to it

# The legal representative's capacity by legal form (masculine, feminine).
REPRESENTATIVES: dict[str, tuple[str, str]] = {
    "SAS": ("président", "présidente"),
    "SASU": ("président", "présidente"),
    "SA": ("président-directeur général", "présidente-directrice générale"),
    "SARL": ("gérant", "gérante"),
    "EURL": ("gérant", "gérante"),
    "SNC": ("gérant", "gérante"),
    "SCOP": ("gérant", "gérante"),
    "SAEML": ("directeur général", "directrice générale"),
    "Établissement public de santé": ("directeur", "directrice"),
    "Commune": ("maire", "maire"),
}
# Share of companies whose registered office is not where they are invoiced (an establishment elsewhere).
SEAT_ELSEWHERE = 0.2
SEM_TRADES = ("Aménagement", "Habitat", "Parcs et Stationnement", "Énergies")

VAT_RATES: tuple[tuple[Decimal, int], ...] = ((Decimal("20"), 85), (Decimal("10"), 10), (Decimal("5.5"), 5))

# Median amount excl. tax by segment / kind, in euros.
MEDIAN_AMOUNT = {"strategic": 6000.0, "standard": 1500.0, "small": 380.0, "consumer": 160.0, "public": 2400.0}
# Relative number of invoices by segment / kind.
INVOICE_WEIGHT = {"strategic": 6.0, "standard": 2.0, "small": 0.8, "consumer": 0.3, "public": 2.0}

# (collections.models.DisputeReason, what the customer said).
DISPUTE_REASONS: tuple[tuple[str, str], ...] = (
    ("quality", "Marchandise livrée endommagée : photos transmises par le client, expertise en cours."),
    ("quantity", "Quantités facturées supérieures aux quantités livrées (bon de livraison signé avec réserves)."),
    ("price", "Prix facturé différent du devis accepté."),
    ("quality", "Prestation contestée : intervention jugée incomplète par le client."),
    ("other", "Facture reçue en double selon le client."),
    ("other", "Livraison hors délai : le client réclame les pénalités prévues au contrat."),
)
CREDIT_NOTE_REASONS = (
    "Remise commerciale accordée",
    "Retour de marchandise",
    "Erreur de prix sur facture",
    "Geste commercial suite à retard de livraison",
)


# ----------------------------------------------------------------------------------------------- helpers


def _weighted[T](rng: random.Random, choices: Iterable[tuple[T, int]]) -> T:
    items = list(choices)
    return rng.choices([c for c, _w in items], weights=[w for _c, w in items])[0]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def make_siren(rng: random.Random, prefix: str = "") -> str:
    """Nine digits whose last one is the Luhn key."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(8 - len(prefix)))
    if not prefix and body[0] in "012":  # 1 and 2 start the SIRENs of individuals and public bodies
        body = str(rng.randrange(3, 10)) + body[1:]
    return body + luhn.calc_check_digit(body)


def make_siret(siren: str, nic: int) -> str:
    """SIREN + 4-digit establishment number + Luhn key over the 14 digits."""
    base = f"{siren}{nic:04d}"
    return base + luhn.calc_check_digit(base)


def vat_of_siren(siren: str) -> str:
    """The French intra-EU VAT number: FR + key (12 + 3 x (SIREN mod 97)) mod 97 + SIREN."""
    return "FR" + _siren.to_tva(siren)


def make_french_iban(rng: random.Random, bank_code: str) -> str:
    branch = rng.randrange(100000)
    account = rng.randrange(10**11)
    rib_key = 97 - (89 * int(bank_code) + 15 * branch + 3 * account) % 97
    bban = f"{bank_code}{branch:05d}{account:011d}{rib_key:02d}"
    return "FR" + _iban.calc_check_digits("FR00" + bban) + bban


def _format_siren(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


def _format_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _euros(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=[year]).keys())


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _holidays(d.year)


def next_business_day(d: date) -> date:
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def previous_business_day(d: date) -> date:
    while not is_business_day(d):
        d -= timedelta(days=1)
    return d


def _of(city: str) -> str:
    """ "de Lyon", "du Mans" (de + le contracts)."""
    if city.startswith("Le "):
        return "du " + city[3:]
    if city.startswith("Les "):
        return "des " + city[4:]
    return f"de {city}"


def _money(value: float) -> Decimal:
    return (Decimal(round(value * 100)) / 100).quantize(CENT)


def _phone(rng: random.Random, zone: str) -> str:
    return f"{PHONE_BLOCKS[zone]} {rng.randrange(100):02d} {rng.randrange(100):02d}"


def _next_payment_run(d: date) -> date:
    """Companies that group their payments pay on the 10th and the 25th."""
    if d.day <= 10:
        return d.replace(day=10)
    if d.day <= 25:
        return d.replace(day=25)
    nxt = (d.replace(day=1) + timedelta(days=32)).replace(day=10)
    return nxt


# ----------------------------------------------------------------------------------------------- generation


class _Generator:
    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.as_of = as_of
        self.start = as_of - timedelta(days=HISTORY_DAYS - 1)
        self.used_sirens: set[str] = set()
        self.used_refs: set[str] = set()
        self.used_names: set[str] = set()

    # --- identities

    def siren(self, prefix: str = "") -> str:
        while True:
            s = make_siren(self.rng, prefix)
            if s not in self.used_sirens:
                self.used_sirens.add(s)
                return s

    def ref(self, name: str) -> str:
        words = [
            w for w in _ascii(name).upper().replace("-", " ").split() if w not in {"SAS", "SARL", "SA", "M.", "MME"}
        ]
        core = re.sub(r"[^A-Z0-9]", "", "".join(words))[:8] or "CLIENT"
        ref, n = f"411{core}", 1
        while ref in self.used_refs:
            n += 1
            ref = f"411{core[:6]}{n:02d}"
        self.used_refs.add(ref)
        return ref

    def street(self) -> str:
        return f"{self.rng.randint(1, 180)}, {self.fake.street_name()}"

    def representative(self, legal_form: str) -> str:
        """A legal representative with the capacity of ``legal_form``, e.g. "Mme Claire Martin, présidente"."""
        female = self.rng.random() < 0.45
        first = self.fake.first_name_female() if female else self.fake.first_name_male()
        capacity = REPRESENTATIVES[legal_form][1 if female else 0]
        return f"{'Mme' if female else 'M.'} {first} {self.fake.last_name()}, {capacity}"

    def seat(self, billing: tuple[str, str, str], *, elsewhere: bool) -> str:
        """A company's registered office: its billing address, or an address in another city."""
        street, postal_code, city = billing
        if elsewhere:
            postal_code, city, _zone = self.rng.choice([c for c in CITIES if c[1] != city])
            street = self.street()
        return f"{street}\n{postal_code} {city}"

    def organization(self) -> DemoOrganization:
        rng = self.rng
        name = f"{rng.choice(ORG_TRADES)} {self.fake.last_name()}"
        siren = self.siren()
        city = rng.choice(REGISTRY_CITIES)
        postal_code = next(cp for cp, c, _z in CITIES if c == city)
        street = self.street()
        bank_code, bic = rng.choice(BANKS)
        iban = make_french_iban(rng, bank_code)
        capital = rng.choice((10_000, 50_000, 100_000, 150_000, 250_000))
        rcs = f"RCS {city} B {_format_siren(siren)}"
        vat = vat_of_siren(siren)
        mentions = (
            f"{name} SAS au capital de {_euros(capital)} € - {rcs} - Siège social : {street}, {postal_code} {city} - "
            f"N° TVA intracommunautaire : {vat} - IBAN {_format_iban(iban)} - BIC {bic}. "
            "Pénalités de retard : taux de la BCE majoré de 10 points ; indemnité forfaitaire pour frais de "
            "recouvrement : 40 € (C. com. L441-10). Pas d'escompte pour paiement anticipé."
        )
        return DemoOrganization(
            name=name,  # the legal form is its own field: letterheads print "name SAS"
            legal_form="SAS",
            siren=siren,
            siret=make_siret(siren, 1),
            vat_number=vat,
            address_line1=street,
            postal_code=postal_code,
            city=city,
            iban=iban,
            bic=bic,
            share_capital=Decimal(capital),
            rcs=rcs,
            legal_mentions=mentions,
        )

    def company_name(self) -> tuple[str, str]:
        rng, fake = self.rng, self.fake
        while True:
            pattern = rng.randrange(5)
            if pattern == 0:
                base = f"{rng.choice(TRADES)} {fake.last_name()}"
            elif pattern == 1:
                base = f"{fake.last_name()} {rng.choice(TRADES)}"
            elif pattern == 2:
                base = f"{fake.last_name()} & Fils"
            elif pattern == 3:
                base = f"{fake.last_name()}-{fake.last_name()}"
            else:
                base = f"{rng.choice(TRADES)} {rng.choice(AREAS)}"
            form = _weighted(rng, LEGAL_FORMS)
            name = f"{base} {form}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, form

    def contact(self, domain: str, zone: str, *, mobile: bool = False) -> DemoContact:
        first, last = self.fake.first_name(), self.fake.last_name()
        email = f"{_slug(first)}.{_slug(last)}@{domain}.example".replace("-", "")
        phone = _phone(self.rng, "6" if mobile else zone)
        return DemoContact(name=f"{first} {last}", email=email, phone=phone)

    def business(self, segment: str, behaviour: Behaviour) -> DemoCustomer:
        rng = self.rng
        name, form = self.company_name()
        siren = self.siren()
        postal_code, city, zone = rng.choice(CITIES)
        days, eom = _weighted(rng, (((d, e), w) for d, e, w in BUSINESS_TERMS))
        limit = {
            "strategic": rng.randrange(50, 201, 10) * 1000,
            "standard": rng.randrange(10, 41, 5) * 1000,
            "small": rng.randrange(2, 9) * 1000,
        }[segment]
        bank_code, _bic = rng.choice(BANKS)
        street = self.street()
        return DemoCustomer(
            ref=self.ref(name),
            name=name,
            kind="business",
            legal_form=form,
            siren=siren,
            siret=make_siret(siren, rng.randint(1, 60)),
            vat_number=vat_of_siren(siren),
            address_line1=street,
            postal_code=postal_code,
            city=city,
            registered_office=self.seat((street, postal_code, city), elsewhere=rng.random() < SEAT_ELSEWHERE),
            representative=self.representative(form),
            segment=segment,
            payment_terms_days=days,
            payment_terms_end_of_month=eom,
            credit_limit=Decimal(limit),
            behaviour=behaviour,
            contact=self.contact(_slug(name.rsplit(" ", 1)[0]), zone),
            payer_iban=make_french_iban(rng, bank_code),
            pays_by_cheque=segment == "small" and rng.random() < 0.35,
            groups_payments=segment != "small" and rng.random() < 0.6,
        )

    def consumer(self, behaviour: Behaviour) -> DemoCustomer:
        rng, fake = self.rng, self.fake
        female = rng.random() < 0.5
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name()
        name = f"{'Mme' if female else 'M.'} {first} {last}"
        postal_code, city, zone = rng.choice(CITIES)
        contact = DemoContact(
            name=f"{first} {last}",
            email=f"{_slug(first)}.{_slug(last)}@mail.example".replace("-", ""),
            phone=_phone(rng, "6"),
        )
        bank_code, _bic = rng.choice(BANKS)
        street = self.street()
        return DemoCustomer(
            ref=self.ref(f"{last} {first}"),
            name=name,
            kind="consumer",
            legal_form="",
            siren="",
            siret="",
            vat_number="",
            address_line1=street,
            postal_code=postal_code,
            city=city,
            domicile=f"{street}\n{postal_code} {city}",
            segment="small",
            payment_terms_days=CONSUMER_TERMS[0],
            payment_terms_end_of_month=CONSUMER_TERMS[1],
            credit_limit=None,
            behaviour=behaviour,
            contact=contact,
            payer_iban=make_french_iban(rng, bank_code),
            pays_by_cheque=rng.random() < 0.5,
        )

    def public_body(self, hospital: bool, behaviour: Behaviour) -> DemoCustomer:
        """A public hospital or a town (*commune*): a public legal person whose contracts are administrative (both
        left to follow the kind)."""
        rng = self.rng
        while True:
            postal_code, city, zone = rng.choice(CITIES)
            name = f"Centre hospitalier {_of(city)}" if hospital else f"Commune {_of(city)}"
            if name not in self.used_names:
                self.used_names.add(name)
                break
        # Local authorities' SIRENs start with 21 (communes) and public health bodies' with 26.
        siren = self.siren("26" if hospital else "21")
        days, eom = HOSPITAL_TERMS if hospital else TOWN_HALL_TERMS
        form = "Établissement public de santé" if hospital else "Commune"
        street = self.street() if hospital else "Hôtel de ville, place de la Mairie"
        return DemoCustomer(
            ref=self.ref(("CH " if hospital else "MAIRIE ") + city),
            name=name,
            kind="public",
            legal_form=form,
            siren=siren,
            siret=make_siret(siren, 1),
            vat_number="",
            address_line1=street,
            postal_code=postal_code,
            city=city,
            registered_office=f"{street}\n{postal_code} {city}",
            representative=self.representative(form),
            segment="standard",
            payment_terms_days=days,
            payment_terms_end_of_month=eom,
            credit_limit=None,
            behaviour=behaviour,
            contact=self.contact(_slug(name), zone),
            payer_iban=make_french_iban(rng, "10071"),  # public accountants bank with the Treasury
        )

    def sem(self, behaviour: Behaviour) -> DemoCustomer:
        """A local semi-public company (*société d'économie mixte locale*): a public buyer, but a private-law
        company, not a public legal person, whose contracts are private-law contracts (LEGAL-FR §1.8, §5.1)."""
        rng = self.rng
        while True:
            postal_code, city, zone = rng.choice(CITIES)
            name = f"SEM {city} {rng.choice(SEM_TRADES)}"
            if name not in self.used_names:
                self.used_names.add(name)
                break
        siren = self.siren()
        street = self.street()
        days, eom = SEM_TERMS
        bank_code, _bic = rng.choice(BANKS)
        return DemoCustomer(
            ref=self.ref(name),
            name=name,
            kind="public",
            legal_form="SAEML",
            siren=siren,
            siret=make_siret(siren, 1),
            vat_number=vat_of_siren(siren),
            address_line1=street,
            postal_code=postal_code,
            city=city,
            registered_office=f"{street}\n{postal_code} {city}",
            representative=self.representative("SAEML"),
            public_person=False,
            administrative_contract=False,
            segment="standard",
            payment_terms_days=days,
            payment_terms_end_of_month=eom,
            credit_limit=Decimal(rng.randrange(20, 61, 10) * 1000),
            behaviour=behaviour,
            contact=self.contact(_slug(name), zone),
            payer_iban=make_french_iban(rng, bank_code),
        )

    # --- customers

    def customers(self, n: int) -> list[DemoCustomer]:
        rng = self.rng
        # At least a hospital, an SEM and a town among public bodies, and two consumers.
        n_public = min(40, max(3, round(n * 0.03))) if n >= 10 else 0
        n_consumer = max(2, round(n * 0.03)) if n >= 10 else 0
        n_business = n - n_public - n_consumer
        # Behaviours for businesses: one insolvency, about 10 % partial payers, 28 % chronic late payers.
        n_insolvent = 1 if n_business >= 3 else 0
        n_partial = max(1, round(n_business * 0.10)) if n_business >= 3 else 0
        n_late = max(1, round(n_business * 0.28)) if n_business >= 2 else 0
        behaviours = (
            [Behaviour.INSOLVENT] * n_insolvent
            + [Behaviour.PARTIAL] * n_partial
            + [Behaviour.LATE] * n_late
            + [Behaviour.PROMPT] * (n_business - n_insolvent - n_partial - n_late)
        )
        rng.shuffle(behaviours)
        n_strategic = max(1, round(n_business * 0.10))
        n_small = round(n_business * 0.35)
        segments = ["strategic"] * n_strategic + ["small"] * n_small
        segments += ["standard"] * (n_business - len(segments))
        rng.shuffle(segments)
        out: list[DemoCustomer] = []
        for i, behaviour in enumerate(behaviours):
            segment = segments[i]
            if behaviour is Behaviour.INSOLVENT:
                segment = "standard"
            out.append(self.business(segment, behaviour))
        for i in range(n_public):
            behaviour = Behaviour.LATE if i % 3 != 2 else Behaviour.PROMPT
            hospital = i == 0 or (i > 2 and i % 2 == 1)
            body = self.sem(behaviour) if i == 1 else self.public_body(hospital, behaviour)
            if i < 2:  # the first hospital and the SEM have stopped paying: overdue invoices of a public buyer
                body = _replace(body, unpaid_from=self.stopped_paying_on())
            out.append(body)
        for i in range(n_consumer):
            consumer = self.consumer(Behaviour.LATE if i < 2 else Behaviour.PROMPT)
            if i == 0:  # a consumer who stopped paying: overdue invoices of a consumer
                consumer = _replace(consumer, unpaid_from=self.stopped_paying_on())
            out.append(consumer)
        rng.shuffle(out)
        return out

    def stopped_paying_on(self) -> date:
        return self.as_of - timedelta(days=self.rng.randint(60, 100))

    def insolvency(self, customer: DemoCustomer) -> DemoCustomer:
        """*Redressement judiciaire* opened six to eight weeks before ``as_of`` by the commercial court of the
        customer's registered office (moved to a court city when it is elsewhere), published at the BODACC one to
        three weeks later: the claim is still to be declared, its deadline a few weeks ahead."""
        rng, fake = self.rng, self.fake
        opened_on = previous_business_day(self.as_of - timedelta(days=rng.randint(40, 55)))
        seat_city = customer.registered_office.splitlines()[-1].split(" ", 1)[-1]
        seat = customer.registered_office
        if seat_city not in COURT_CITIES:
            seat_city = rng.choice(COURT_CITIES)
            postal_code = next(cp for cp, c, _z in CITIES if c == seat_city)
            seat = f"{self.street()}\n{postal_code} {seat_city}"
        officer_cp = next(cp for cp, c, _z in CITIES if c == seat_city)
        female = rng.random() < 0.5
        first = fake.first_name_female() if female else fake.first_name_male()
        procedure = DemoInsolvency(
            kind="receivership",
            opened_on=opened_on,
            published_on=next_business_day(opened_on + timedelta(days=rng.randint(8, 15))),
            court=f"Tribunal de commerce de {seat_city}",
            officer_name=f"Me {first} {fake.last_name()}",
            officer_address=f"{self.street()}\n{officer_cp} {seat_city}",
        )
        return _replace(
            customer,
            registered_office=seat,
            insolvency=procedure,
            # It stopped paying (cessation des paiements) three to four months before the judgment.
            unpaid_from=opened_on - timedelta(days=rng.randint(90, 120)),
            tags=(*customer.tags, INSOLVENCY_TAG),
        )

    # --- invoices

    def invoice_counts(self, customers: list[DemoCustomer], total: int) -> list[int]:
        rng = self.rng
        weights = []
        for c in customers:
            key = c.kind if c.kind != "business" else c.segment
            weights.append(INVOICE_WEIGHT[key] * rng.lognormvariate(0, 0.35))
        base = 1 if total >= len(customers) else 0
        rest = total - base * len(customers)
        scale = rest / sum(weights)
        raw = [w * scale for w in weights]
        counts = [base + int(r) for r in raw]
        remainder = total - sum(counts)
        by_fraction = sorted(range(len(customers)), key=lambda i: (-(raw[i] - int(raw[i])), i))
        for i in by_fraction[:remainder]:
            counts[i] += 1
        return counts

    def issue_date(self, latest: date) -> date:
        span = (latest - self.start).days
        d = next_business_day(self.start + timedelta(days=self.rng.randint(0, span)))
        return previous_business_day(latest) if d > latest else d

    def amounts(self, customer: DemoCustomer) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        key = customer.kind if customer.kind != "business" else customer.segment
        excl = _money(max(15.0, MEDIAN_AMOUNT[key] * self.rng.lognormvariate(0, 0.7)))
        rate = _weighted(self.rng, VAT_RATES)
        tax = (excl * rate / 100).quantize(CENT, ROUND_HALF_UP)
        return excl, rate, tax, excl + tax


def _replace(customer: DemoCustomer, **changes: object) -> DemoCustomer:
    return replace(customer, **changes)  # type: ignore[arg-type]


@dataclass(slots=True)
class _Settlement:
    """What happens to one invoice: paid (wholly or partly) on a date, with a credit note, or left open."""

    pay_on: date | None = None
    pay_amount: Decimal = ZERO


def generate(*, seed: int, as_of: date, customers: int = 300, invoices: int = 6000) -> DemoData:
    """The demo data set for ``seed`` seen on ``as_of``: ``customers`` customers and ``invoices`` invoices issued
    over the 24 months before ``as_of``."""
    if customers < 1:
        raise ValueError("the demo needs at least one customer")
    if invoices < 1:
        raise ValueError("the demo needs at least one invoice")
    g = _Generator(seed, as_of)
    rng = g.rng
    org = g.organization()
    custs = g.customers(customers)
    custs = [g.insolvency(c) if c.behaviour is Behaviour.INSOLVENT else c for c in custs]

    # Invoices: how many per customer, their dates and amounts, then numbered by issue date.
    drafts: list[tuple[date, int, DemoCustomer, tuple[Decimal, Decimal, Decimal, Decimal]]] = []
    for idx, (cust, count) in enumerate(zip(custs, g.invoice_counts(custs, invoices), strict=True)):
        latest = as_of
        if cust.insolvency is not None:
            latest = cust.insolvency.opened_on - timedelta(days=1)
        for n in range(count):
            if n == 0 and cust.unpaid_from is not None:
                # One invoice fell due after the customer stopped paying, 25 to 45 days before as_of (or the
                # opening judgment).
                end = latest + timedelta(days=1)
                issued_on = previous_business_day(end - timedelta(days=cust.terms.days + rng.randint(25, 45)))
            else:
                issued_on = g.issue_date(latest)
            drafts.append((issued_on, idx, cust, g.amounts(cust)))
    drafts.sort(key=lambda d: (d[0], d[1]))
    seq: dict[int, int] = defaultdict(int)
    invs: list[DemoInvoice] = []
    for issued_on, _idx, cust, (excl, rate, tax, total) in drafts:
        seq[issued_on.year] += 1
        invs.append(
            DemoInvoice(
                number=f"FA{issued_on.year}-{seq[issued_on.year]:06d}",
                customer_ref=cust.ref,
                issued_on=issued_on,
                due_on=cust.terms.due_on(issued_on),
                amount_excl_tax=excl,
                vat_rate=rate,
                tax_amount=tax,
                total=total,
            )
        )
    by_ref = {c.ref: c for c in custs}
    invs_of: dict[str, list[DemoInvoice]] = defaultdict(list)
    for inv in invs:
        invs_of[inv.customer_ref].append(inv)

    # Disputes: a few customers contest one or two invoices, spread over the overdue buckets.
    disputes = _disputes(g, custs, invs_of)
    disputed = {d.invoice_number for d in disputes}
    if disputes:
        dispute_refs = {d.customer_ref for d in disputes}
        custs = [_replace(c, tags=(*c.tags, DISPUTE_TAG)) if c.ref in dispute_refs else c for c in custs]
        by_ref = {c.ref: c for c in custs}

    # What each invoice's customer does about it.
    settlements: dict[str, _Settlement] = {}
    for inv in invs:
        if inv.number in disputed:
            continue
        settlements[inv.number] = _settle(rng, by_ref[inv.customer_ref], inv, as_of)

    # Credit notes: a couple of invoices corrected; the last credit note waits to be applied.
    credit_notes, cn_allocs = _credit_notes(g, invs, settlements, disputed)

    # Payments: one per invoice, or one transfer per payment run for customers who group their payments.
    groups: dict[tuple[str, date], list[tuple[DemoInvoice, Decimal]]] = defaultdict(list)
    for inv in invs:
        s = settlements.get(inv.number)
        if s is None or s.pay_on is None or s.pay_amount <= ZERO:
            continue
        groups[(inv.customer_ref, s.pay_on)].append((inv, s.pay_amount))
    payments: list[DemoPayment] = []
    allocs: list[DemoAllocation] = list(cn_allocs)
    pay_seq = 0
    for (ref, pay_on), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cust = by_ref[ref]
        pay_seq += 1
        key = f"DEMO-PAY-{pay_seq:06d}"
        amount = sum((a for _i, a in items), ZERO)
        method = "cheque" if cust.pays_by_cheque else "transfer"
        numbers = " ".join(i.number for i, _a in items)
        if method == "cheque":
            reference = f"CHQ {rng.randrange(1000000, 9999999)}"
        elif cust.kind == "public":
            reference = f"MANDAT {rng.randrange(1000, 99999)} {numbers}"
        else:
            reference = f"VIR {_ascii(cust.name).upper()} {numbers}"[:140]
        payments.append(
            DemoPayment(
                key=key,
                customer_ref=ref,
                received_on=pay_on,
                amount=amount,
                method=method,
                reference=reference,
                payer_name=cust.name,
                payer_iban="" if method == "cheque" else cust.payer_iban,
            )
        )
        for inv, a in items:
            allocs.append(DemoAllocation(invoice_number=inv.number, amount=a, allocated_on=pay_on, payment_key=key))

    # Payments on account that nobody has allocated yet.
    payments += _payments_on_account(g, custs, pay_seq)
    payments.sort(key=lambda p: (p.received_on, p.key))
    allocs.sort(key=lambda a: (a.allocated_on, a.invoice_number, a.payment_key, a.credit_note_number))

    return DemoData(
        seed=seed,
        as_of=as_of,
        organization=org,
        customers=tuple(custs),
        invoices=tuple(invs),
        credit_notes=tuple(credit_notes),
        payments=tuple(payments),
        allocations=tuple(allocs),
        disputes=tuple(disputes),
    )


def _settle(rng: random.Random, cust: DemoCustomer, inv: DemoInvoice, as_of: date) -> _Settlement:
    """When and how much the customer pays for ``inv`` according to its behaviour; nothing after ``as_of``."""
    amount = inv.total
    if cust.behaviour is Behaviour.PROMPT:
        pay_on = max(inv.issued_on, inv.due_on - timedelta(days=rng.randint(0, 10)))
    elif cust.behaviour is Behaviour.LATE:
        pay_on = inv.due_on + timedelta(days=rng.randint(15, 90))
    elif cust.behaviour is Behaviour.INSOLVENT:
        pay_on = inv.due_on + timedelta(days=rng.randint(20, 60))
    else:  # PARTIAL: pays some invoices in full a little late, others only in part
        pay_on = inv.due_on + timedelta(days=rng.randint(0, 30))
        if rng.random() < 0.45 and inv.total >= Decimal("10"):
            part = Decimal(int(inv.total * Decimal(rng.uniform(0.3, 0.7))))
            amount = max(Decimal("1.00"), part).quantize(CENT)
    if cust.groups_payments:
        pay_on = _next_payment_run(pay_on)
    pay_on = next_business_day(pay_on)
    if cust.behaviour is Behaviour.PROMPT and pay_on > inv.due_on:
        # A prompt payer moves its payment before the due date rather than after it.
        pay_on = max(inv.issued_on, previous_business_day(inv.due_on))
    if pay_on > as_of:
        return _Settlement()
    if cust.insolvency is not None and pay_on >= cust.insolvency.opened_on:
        return _Settlement()
    if cust.unpaid_from is not None and inv.due_on >= cust.unpaid_from:
        return _Settlement()
    return _Settlement(pay_on=pay_on, pay_amount=amount)


def _disputes(g: _Generator, custs: list[DemoCustomer], invs_of: dict[str, list[DemoInvoice]]) -> list[DemoDispute]:
    """About 2 % of customers (at least one) contest invoices; one disputed invoice per overdue bucket when
    possible, so the aged balance shows disputes at every age."""
    rng, as_of = g.rng, g.as_of
    candidates = [c for c in custs if c.kind == "business" and c.insolvency is None and c.segment != "small"]
    if not candidates:
        return []
    chosen = rng.sample(candidates, min(len(candidates), max(1, round(len(custs) * 0.02))))
    bands = ((1, 30), (31, 60), (61, 90), (91, 400))
    picked: list[DemoInvoice] = []
    for i, (lo, hi) in enumerate(bands):
        order = chosen[i % len(chosen) :] + chosen[: i % len(chosen)]
        for cust in order:
            pool = [
                inv
                for inv in invs_of[cust.ref]
                if lo <= (as_of - inv.due_on).days <= hi and inv not in picked and inv.issued_on < as_of
            ]
            if pool:
                picked.append(rng.choice(pool))
                break
    # A few more, anywhere in those customers' last six months.
    extra = max(0, min(len(custs) // 30, 12) - len(picked))
    pool = [
        inv
        for cust in chosen
        for inv in invs_of[cust.ref]
        if 0 < (as_of - inv.issued_on).days <= 180 and inv not in picked
    ]
    picked += rng.sample(pool, min(extra, len(pool)))
    out = []
    for inv in sorted(picked, key=lambda i: i.number):
        opened_on = min(
            previous_business_day(as_of), next_business_day(inv.issued_on + timedelta(days=rng.randint(5, 25)))
        )
        reason_code, reason = rng.choice(DISPUTE_REASONS)
        out.append(
            DemoDispute(
                invoice_number=inv.number,
                customer_ref=inv.customer_ref,
                opened_on=opened_on,
                reason_code=reason_code,
                reason=reason,
                amount=inv.total,
            )
        )
    return out


def _credit_notes(
    g: _Generator, invs: list[DemoInvoice], settlements: dict[str, _Settlement], disputed: set[str]
) -> tuple[list[DemoCreditNote], list[DemoAllocation]]:
    """Two credit notes reduce invoices that are then paid net; a third waits to be applied."""
    rng = g.rng
    eligible = [
        inv
        for inv in invs
        if inv.number not in disputed
        and (s := settlements[inv.number]).pay_on is not None
        and s.pay_amount == inv.total
        and inv.total >= Decimal("100")
        and (s.pay_on - inv.issued_on).days >= 5
    ]
    if not eligible:
        return [], []
    count = min(len(eligible), max(3, len(invs) // 2000))
    chosen = sorted(rng.sample(eligible, count), key=lambda i: i.issued_on)
    notes: list[DemoCreditNote] = []
    allocs: list[DemoAllocation] = []
    seq: dict[int, int] = defaultdict(int)
    for n, inv in enumerate(chosen):
        s = settlements[inv.number]
        assert s.pay_on is not None
        issued_on = min(s.pay_on, next_business_day(inv.issued_on + timedelta(days=rng.randint(3, 20))))
        seq[issued_on.year] += 1
        unapplied = n == len(chosen) - 1 and len(chosen) >= 3
        pct = Decimal(rng.choice((5, 10, 15, 20, 30)))
        total = (inv.total * pct / 100).quantize(CENT, ROUND_HALF_UP)
        note = DemoCreditNote(
            number=f"AV{issued_on.year}-{seq[issued_on.year]:06d}",
            customer_ref=inv.customer_ref,
            issued_on=issued_on,
            total=total,
            invoice_number=inv.number,
            reason=rng.choice(CREDIT_NOTE_REASONS),
        )
        notes.append(note)
        if not unapplied:
            allocs.append(
                DemoAllocation(
                    invoice_number=inv.number, amount=total, allocated_on=issued_on, credit_note_number=note.number
                )
            )
            settlements[inv.number] = _Settlement(pay_on=s.pay_on, pay_amount=inv.total - total)
    notes.sort(key=lambda c: (c.issued_on, c.number))
    return notes, allocs


def _payments_on_account(g: _Generator, custs: list[DemoCustomer], last_seq: int) -> list[DemoPayment]:
    rng, as_of = g.rng, g.as_of
    candidates = [c for c in custs if c.kind == "business" and c.insolvency is None and not c.pays_by_cheque]
    out = []
    for n, cust in enumerate(rng.sample(candidates, min(2, len(candidates)))):
        received_on = previous_business_day(as_of - timedelta(days=rng.randint(3, 40)))
        amount = Decimal(rng.choice((500, 750, 1000, 1500, 2500))).quantize(CENT)
        label = "ACOMPTE SUR COMMANDE" if n == 0 else "SANS REFERENCE"
        out.append(
            DemoPayment(
                key=f"DEMO-PAY-{last_seq + n + 1:06d}",
                customer_ref=cust.ref,
                received_on=received_on,
                amount=amount,
                method="transfer",
                reference=f"VIR {_ascii(cust.name).upper()} {label}",
                payer_name=cust.name,
                payer_iban=cust.payer_iban,
            )
        )
    return out
