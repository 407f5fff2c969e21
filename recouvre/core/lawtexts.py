"""The law each debtor gets: which articles a reminder, a letter, a formal notice, a statement or a penalty invoice
cites, and which clauses it may contain, chosen in one place from the debtor's kind and two attributes.

**Kind** (``business``, ``consumer``, ``public``) decides the regime of late payment:

- a professional debtor (business): C. com. L441-10 (late-payment penalties, ECB rate + 10 points, from the day
  after the due date, no reminder needed) and D441-5 (a fixed indemnity of 40 EUR per invoice paid late);
- a consumer: interest at the legal rate from the formal notice only (C. civ. 1231-6, 1344-1); no 40 EUR, no
  collection costs of any name (CPCE L111-8; charging them is a criminal offence, LEGAL-FR §2.5 and §7.4), never
  L441-10 or D441-5, no penalties paragraph in reminders; the two-year prescription (C. conso L218-2);
- a public buyer: *intérêts moratoires* of the public procurement code (CCP L2192-13, R2192-31: ECB rate + 8 points;
  D2192-35: 40 EUR), never C. com. L441-10.

**Two attributes** decide what a formal notice announces if the debt stays unpaid (LEGAL-FR §1.8, §5.1, §5.8):

- *public legal person*: its property cannot be seized (CGPPP L2311-1), so no *exécution forcée* is ever threatened;
  a judgment against it is paid through its public accountant (loi n° 80-539 of 16 July 1980);
- *administrative contract*: the claim belongs to the administrative court; no *injonction de payer* is threatened,
  the route is the *référé-provision* before the *tribunal administratif* (CJA R541-1).

The texts are written for the letter's language (French, else English), as the letters and e-mails are: they are
addressed to the debtor, not to the user of the interface. Pure: no Django import; ``for_customer`` reads the
attributes of any object that has them (``kind``, ``is_public_person``, ``has_administrative_contract``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

BUSINESS, CONSUMER, PUBLIC = "business", "consumer", "public"
KINDS = (BUSINESS, CONSUMER, PUBLIC)


@dataclass(frozen=True)
class Debtor:
    """What decides the law of a document: the customer's kind and its two legal attributes."""

    kind: str
    public_person: bool = False
    administrative_contract: bool = False

    @classmethod
    def of(cls, customer: Any) -> Debtor:
        kind = getattr(customer, "kind", BUSINESS) or BUSINESS
        kind = kind if kind in KINDS else BUSINESS
        public_person = getattr(customer, "is_public_person", None)
        administrative = getattr(customer, "has_administrative_contract", None)
        return cls(
            kind,
            kind == PUBLIC if public_person is None else bool(public_person),
            kind == PUBLIC if administrative is None else bool(administrative),
        )


@dataclass(frozen=True)
class LawTexts:
    """Every legal text of the documents addressed to one debtor, in one language. An empty text is a text the
    debtor must not get (e.g. no penalties reminder for a consumer)."""

    debtor: Debtor
    language: str
    penalties: bool  # late-payment interest and the 40 EUR shown in reminders from the firm step on
    indemnity: bool  # the fixed 40 EUR indemnity may be claimed
    penalty_invoice: bool  # a penalty invoice may be issued
    firm_notice: str  # the legal paragraph of the firm reminder
    formal_notice_clause: str  # the legal paragraph of a formal notice sent as a reminder (e-mail, plain letter)
    penalties_title: str  # heading of the penalties block of a reminder
    interest_label: str  # the formal notice's claim table: interest to date, with its article
    indemnity_label: str  # the formal notice's claim table: indemnities, ``{count}`` invoices
    notice_basis: str  # the formal notice: why interest (and the indemnity) run
    consequences: str  # the formal notice: what follows if the debt stays unpaid
    references: str  # the formal notice: the references line
    statement_references: str  # the statement of account: the legal references
    penalty_invoice_basis: str  # the penalty invoice: what is claimed and why
    penalties_due_title: str  # the message asking for claimed penalties once the principal is paid: its heading
    penalties_due_basis: str  # that message: why the penalties are owed

    @property
    def regime(self) -> str:
        return self.debtor.kind


def law_texts(debtor: Debtor, language: str) -> LawTexts:
    """The texts for ``debtor`` in ``language`` (``fr``; anything else is English)."""
    lang = "fr" if language == "fr" else "en"
    w = _WORDS[lang]
    kind = debtor.kind
    consumer = kind == CONSUMER
    regime = w[kind]
    return LawTexts(
        debtor=debtor,
        language=lang,
        penalties=not consumer,
        indemnity=not consumer,
        penalty_invoice=not consumer,
        firm_notice=regime["firm"],
        formal_notice_clause=regime["formal"],
        penalties_title=regime["penalties_title"],
        interest_label=regime["interest_label"],
        indemnity_label=regime["indemnity_label"],
        notice_basis=regime["basis"],
        consequences=_consequences(debtor, w),
        references=w["refs"] + regime["refs"] + (w["refs_administrative"] if debtor.administrative_contract else ""),
        statement_references=regime["statement"],
        penalty_invoice_basis=regime["penalty_invoice"],
        penalties_due_title=regime["due_title"],
        penalties_due_basis=regime["due_basis"],
    )


def for_customer(customer: Any, language: str) -> LawTexts:
    return law_texts(Debtor.of(customer), language)


def _consequences(debtor: Debtor, w: dict[str, Any]) -> str:
    """The route to court (administrative court under an administrative contract; the court of the domicile for a
    consumer; otherwise an injonction de payer or a summons), the interest that keeps running, then how a decision
    is carried out: through the public accountant for a public legal person (never *exécution forcée*), by
    enforcement otherwise; costs are never announced to a consumer."""
    c = w["consequences"]
    if debtor.administrative_contract:
        route = c["administrative"]
    elif debtor.kind == CONSUMER:
        route = c["consumer"]
    elif debtor.public_person:
        route = c["civil_public"]
    else:
        route = c["business"]
    parts = [route, c["interest"][debtor.kind]]
    if debtor.public_person:
        parts.append(c["public_accountant"])
    elif debtor.kind == CONSUMER:
        parts.append(c["execution_consumer"])
    else:
        parts.append(c["execution"])
    return " ".join(parts)


_WORDS: dict[str, dict[str, Any]] = {
    "fr": {
        BUSINESS: {
            "firm": "Nous vous rappelons qu'en application des articles L. 441-10 et D. 441-5 du Code de commerce, "
            "tout retard de paiement entraîne de plein droit des pénalités de retard ainsi qu'une indemnité "
            "forfaitaire pour frais de recouvrement de 40 euros par facture.",
            "formal": "Nous vous rappelons qu'en application des articles L. 441-10 et D. 441-5 du Code de "
            "commerce, tout retard de paiement entraîne de plein droit des pénalités de retard ainsi qu'une "
            "indemnité forfaitaire pour frais de recouvrement de 40 euros par facture.",
            "penalties_title": "Pénalités de retard à ce jour (articles L. 441-10 et D. 441-5 du Code de commerce) :",
            "interest_label": "Intérêts de retard à ce jour (article L. 441-10 du Code de commerce)",
            "indemnity_label": "Indemnités forfaitaires pour frais de recouvrement (40 € × {count}, article "
            "D. 441-5 du Code de commerce)",
            "basis": "En application de l'article L. 441-10 du Code de commerce, les pénalités de retard courent de "
            "plein droit depuis le lendemain de la date d'échéance de chaque facture, au taux de la Banque "
            "centrale européenne majoré de 10 points, et une indemnité forfaitaire pour frais de recouvrement de "
            "40 euros est due pour chaque facture payée en retard (article D. 441-5 du Code de commerce).",
            "refs": " ; articles L. 441-10 et D. 441-5 du Code de commerce (pénalités de retard et indemnité "
            "forfaitaire)",
            "statement": "Articles L. 441-10 (pénalités de retard : taux de la BCE majoré de 10 points) et D. 441-5 "
            "(indemnité forfaitaire de 40 euros par facture) du Code de commerce.",
            "penalty_invoice": "Pénalités de retard et indemnité forfaitaire pour frais de recouvrement dues en "
            "application de l'article L. 441-10 du Code de commerce (indemnité de 40 euros par facture payée en "
            "retard, article D. 441-5), pour les factures ci-dessous.",
            "due_title": "Pénalités de retard restant dues",
            "due_basis": "En application de l'article L. 441-10 du Code de commerce, tout retard de paiement fait "
            "courir de plein droit des pénalités de retard, du lendemain de la date d'échéance jusqu'au jour du "
            "paiement, et donne lieu à une indemnité forfaitaire pour frais de recouvrement de 40 euros par facture "
            "payée en retard (article D. 441-5 du Code de commerce).",
        },
        CONSUMER: {
            "firm": "",
            "formal": "Conformément aux articles 1231-6 et 1344-1 du Code civil, la présente mise en demeure fait "
            "courir les intérêts au taux légal sur les sommes dues.",
            "penalties_title": "",
            "interest_label": "Intérêts au taux légal à ce jour (articles 1231-6 et 1344-1 du Code civil)",
            "indemnity_label": "",
            "basis": "Conformément aux articles 1231-6 et 1344-1 du Code civil, la présente mise en demeure fait "
            "courir les intérêts au taux légal sur les sommes dues, à compter de ce jour.",
            "refs": " ; articles 1231-6 et 1344-1 du Code civil (intérêts au taux légal)",
            "statement": "Articles 1231-6 et 1344-1 du Code civil (intérêts au taux légal à compter de la mise en "
            "demeure) ; article L. 313-2 du Code monétaire et financier.",
            "penalty_invoice": "",
            "due_title": "",
            "due_basis": "",
        },
        PUBLIC: {
            "firm": "Nous vous rappelons qu'en application des articles L. 2192-13, R. 2192-31 et D. 2192-35 du Code "
            "de la commande publique, tout retard de paiement fait courir de plein droit des intérêts moratoires, "
            "au taux de la Banque centrale européenne majoré de 8 points, ainsi qu'une indemnité forfaitaire pour "
            "frais de recouvrement de 40 euros par facture.",
            "formal": "Nous vous rappelons qu'en application des articles L. 2192-13, R. 2192-31 et D. 2192-35 du "
            "Code de la commande publique, tout retard de paiement fait courir de plein droit des intérêts "
            "moratoires, au taux de la Banque centrale européenne majoré de 8 points, ainsi qu'une indemnité "
            "forfaitaire pour frais de recouvrement de 40 euros par facture.",
            "penalties_title": "Intérêts moratoires à ce jour (articles L. 2192-13, R. 2192-31 et D. 2192-35 du "
            "Code de la commande publique) :",
            "interest_label": "Intérêts moratoires à ce jour (article R. 2192-31 du Code de la commande publique)",
            "indemnity_label": "Indemnités forfaitaires pour frais de recouvrement (40 € × {count}, article "
            "D. 2192-35 du Code de la commande publique)",
            "basis": "En application des articles L. 2192-13 et R. 2192-31 du Code de la commande publique, les "
            "intérêts moratoires courent de plein droit depuis le lendemain de l'expiration du délai de paiement, "
            "au taux de la Banque centrale européenne majoré de 8 points, et une indemnité forfaitaire pour frais "
            "de recouvrement de 40 euros est due pour chaque facture payée en retard (article D. 2192-35 du Code "
            "de la commande publique).",
            "refs": " ; articles L. 2192-13, R. 2192-31 et D. 2192-35 du Code de la commande publique (intérêts "
            "moratoires et indemnité forfaitaire)",
            "statement": "Articles L. 2192-13, R. 2192-31 (intérêts moratoires : taux de la BCE majoré de 8 points) "
            "et D. 2192-35 (indemnité forfaitaire de 40 euros par facture) du Code de la commande publique.",
            "penalty_invoice": "Intérêts moratoires et indemnité forfaitaire pour frais de recouvrement dus en "
            "application des articles L. 2192-13 et R. 2192-31 du Code de la commande publique (indemnité de "
            "40 euros par facture payée en retard, article D. 2192-35), pour les factures ci-dessous.",
            "due_title": "Intérêts moratoires restant dus",
            "due_basis": "En application des articles L. 2192-13 et R. 2192-31 du Code de la commande publique, "
            "tout retard de paiement fait courir de plein droit des intérêts moratoires, au taux de la Banque "
            "centrale européenne majoré de 8 points, du lendemain de l'expiration du délai de paiement jusqu'au "
            "jour du paiement, et donne lieu à une indemnité forfaitaire pour frais de recouvrement de 40 euros par "
            "facture payée en retard (article D. 2192-35 du Code de la commande publique).",
        },
        "refs": "Références : articles 1344 à 1344-2 du Code civil (mise en demeure)",
        "refs_administrative": " ; article R. 541-1 du Code de justice administrative (référé-provision)",
        "consequences": {
            "business": "À défaut de règlement intégral dans ce délai, nous engagerons sans autre avis une procédure "
            "judiciaire de recouvrement, par voie de requête en injonction de payer (articles 1405 et suivants du "
            "Code de procédure civile) ou d'assignation en paiement devant la juridiction compétente.",
            "consumer": "À défaut de règlement intégral dans ce délai, nous pourrons saisir sans autre avis le "
            "tribunal judiciaire du lieu de votre domicile, par voie de requête en injonction de payer (articles "
            "1405 et suivants du Code de procédure civile) ou d'assignation en paiement.",
            "civil_public": "À défaut de règlement intégral dans ce délai, nous engagerons sans autre avis une "
            "procédure de recouvrement devant la juridiction judiciaire compétente, par voie de requête en "
            "injonction de payer (articles 1405 et suivants du Code de procédure civile) ou d'assignation en "
            "paiement.",
            "administrative": "À défaut de règlement intégral dans ce délai, nous saisirons sans autre avis le "
            "tribunal administratif compétent d'une demande de provision en référé (article R. 541-1 du Code de "
            "justice administrative).",
            "interest": {
                BUSINESS: "Les intérêts de retard continueront de courir jusqu'au complet paiement.",
                CONSUMER: "Les intérêts au taux légal courront jusqu'au complet paiement.",
                PUBLIC: "Les intérêts moratoires continueront de courir jusqu'au complet paiement.",
            },
            "execution": "Nous poursuivrons l'exécution forcée de la décision obtenue ; les frais de procédure et "
            "d'exécution pourront être mis à votre charge.",
            "execution_consumer": "La décision obtenue pourra être exécutée par un commissaire de justice.",
            "public_accountant": "Le paiement des sommes allouées par la décision obtenue sera demandé à votre "
            "ordonnateur et à votre comptable public (loi n° 80-539 du 16 juillet 1980) ; les frais de procédure "
            "pourront être mis à votre charge.",
        },
    },
    "en": {
        BUSINESS: {
            "firm": "Please note that under articles L. 441-10 and D. 441-5 of the French Commercial Code, late "
            "payment automatically gives rise to late-payment interest and to a fixed indemnity of 40 euros for "
            "recovery costs per invoice.",
            "formal": "Please note that under articles L. 441-10 and D. 441-5 of the French Commercial Code, late "
            "payment automatically gives rise to late-payment interest and to a fixed indemnity of 40 euros for "
            "recovery costs per invoice.",
            "penalties_title": "Late-payment penalties to date (French Commercial Code, articles L441-10 and D441-5):",
            "interest_label": "Late-payment interest to date (French Commercial Code, article L441-10)",
            "indemnity_label": "Fixed recovery indemnities (€40 × {count}, French Commercial Code, article D441-5)",
            "basis": "Under article L441-10 of the French Commercial Code, late-payment interest runs automatically "
            "from the day after each invoice's due date, at the European Central Bank rate plus 10 points, and a "
            "fixed indemnity of 40 euros for recovery costs is due for each invoice paid late (article D441-5 of "
            "the French Commercial Code).",
            "refs": "; French Commercial Code, articles L441-10 and D441-5 (late-payment interest and fixed indemnity)",
            "statement": "French Commercial Code, articles L441-10 (late-payment interest: ECB rate plus 10 points) "
            "and D441-5 (fixed indemnity of 40 euros per invoice).",
            "penalty_invoice": "Late-payment interest and fixed indemnity for recovery costs due under article "
            "L441-10 of the French Commercial Code (an indemnity of 40 euros per invoice paid late, article "
            "D441-5), for the invoices below.",
            "due_title": "Late-payment penalties still due",
            "due_basis": "Under article L441-10 of the French Commercial Code, late payment automatically gives "
            "rise to late-payment interest, from the day after the due date until the day of payment, and to a "
            "fixed indemnity of 40 euros for recovery costs for each invoice paid late (article D441-5 of the "
            "French Commercial Code).",
        },
        CONSUMER: {
            "firm": "",
            "formal": "Under articles 1231-6 and 1344-1 of the French Civil Code, this formal notice makes interest "
            "at the legal rate run on the sums due.",
            "penalties_title": "",
            "interest_label": "Interest at the legal rate to date (French Civil Code, articles 1231-6 and 1344-1)",
            "indemnity_label": "",
            "basis": "Under articles 1231-6 and 1344-1 of the French Civil Code, this formal notice makes interest "
            "at the legal rate run on the sums due from today.",
            "refs": "; French Civil Code, articles 1231-6 and 1344-1 (interest at the legal rate)",
            "statement": "French Civil Code, articles 1231-6 and 1344-1 (interest at the legal rate from the formal "
            "notice); French Monetary and Financial Code, article L313-2.",
            "penalty_invoice": "",
            "due_title": "",
            "due_basis": "",
        },
        PUBLIC: {
            "firm": "Please note that under articles L2192-13, R2192-31 and D2192-35 of the French Public "
            "Procurement Code, late payment automatically gives rise to interest at the European Central Bank "
            "rate plus 8 points and to a fixed indemnity of 40 euros for recovery costs per invoice.",
            "formal": "Please note that under articles L2192-13, R2192-31 and D2192-35 of the French Public "
            "Procurement Code, late payment automatically gives rise to interest at the European Central Bank "
            "rate plus 8 points and to a fixed indemnity of 40 euros for recovery costs per invoice.",
            "penalties_title": "Late-payment interest to date (French Public Procurement Code, articles L2192-13, "
            "R2192-31 and D2192-35):",
            "interest_label": "Late-payment interest to date (French Public Procurement Code, article R2192-31)",
            "indemnity_label": "Fixed recovery indemnities (€40 × {count}, French Public Procurement Code, article "
            "D2192-35)",
            "basis": "Under articles L2192-13 and R2192-31 of the French Public Procurement Code, late-payment "
            "interest runs automatically from the day after the payment period expired, at the European Central "
            "Bank rate plus 8 points, and a fixed indemnity of 40 euros for recovery costs is due for each invoice "
            "paid late (article D2192-35 of the French Public Procurement Code).",
            "refs": "; French Public Procurement Code, articles L2192-13, R2192-31 and D2192-35 (late-payment "
            "interest and fixed indemnity)",
            "statement": "French Public Procurement Code, articles L2192-13, R2192-31 (interest: ECB rate plus "
            "8 points) and D2192-35 (fixed indemnity of 40 euros per invoice).",
            "penalty_invoice": "Late-payment interest and fixed indemnity for recovery costs due under articles "
            "L2192-13 and R2192-31 of the French Public Procurement Code (an indemnity of 40 euros per invoice "
            "paid late, article D2192-35), for the invoices below.",
            "due_title": "Late-payment interest still due",
            "due_basis": "Under articles L2192-13 and R2192-31 of the French Public Procurement Code, late payment "
            "automatically gives rise to late-payment interest at the European Central Bank rate plus 8 points, "
            "from the day after the payment period expired until the day of payment, and to a fixed indemnity of "
            "40 euros for recovery costs for each invoice paid late (article D2192-35 of the French Public "
            "Procurement Code).",
        },
        "refs": "References: French Civil Code, articles 1344 to 1344-2 (formal notice)",
        "refs_administrative": "; French Code of Administrative Justice, article R541-1 (interim payment)",
        "consequences": {
            "business": "Failing full payment within this time, we shall, without further notice, start court "
            "proceedings to recover the debt, by an application for an order for payment (injonction de payer, "
            "articles 1405 et seq. of the French Code of Civil Procedure) or a summons to pay (assignation) before "
            "the competent court.",
            "consumer": "Failing full payment within this time, we may, without further notice, bring the matter "
            "before the civil court (tribunal judiciaire) of the place where you live, by an application for an "
            "order for payment (injonction de payer, articles 1405 et seq. of the French Code of Civil Procedure) "
            "or a summons to pay (assignation).",
            "civil_public": "Failing full payment within this time, we shall, without further notice, start "
            "proceedings to recover the debt before the competent civil court, by an application for an order for "
            "payment (injonction de payer, articles 1405 et seq. of the French Code of Civil Procedure) or a "
            "summons to pay (assignation).",
            "administrative": "Failing full payment within this time, we shall, without further notice, apply to "
            "the competent administrative court (tribunal administratif) for an interim payment (référé-provision, "
            "article R541-1 of the French Code of Administrative Justice).",
            "interest": {
                BUSINESS: "Late-payment interest will continue to run until full payment.",
                CONSUMER: "Interest at the legal rate will run until full payment.",
                PUBLIC: "Late-payment interest will continue to run until full payment.",
            },
            "execution": "We shall have the decision obtained enforced; the costs of the proceedings and of "
            "enforcement may be charged to you.",
            "execution_consumer": "The decision obtained may be carried out by a commissaire de justice.",
            "public_accountant": "Payment of the sums awarded by the decision obtained will be sought from your "
            "authorising officer and your public accountant (loi n° 80-539 of 16 July 1980); the costs of the "
            "proceedings may be charged to you.",
        },
    },
}


# ------------------------------------------------------------------------------------------------ legal mentions

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PAYMENT_MENTION = re.compile(
    r"L\.?\s?441-\d|D\.?\s?441-5|p[ée]nalit[ée]s?\s+de\s+retard|late[- ]payment\s+(?:penalt|interest)|"
    r"indemnit[ée]\s+forfaitaire|recovery\s+(?:costs|indemnity|fee)|frais\s+de\s+(?:recouvrement|dossier)|"
    r"(?<![\d.,\u202f])40\s?(?:€|(?:EUR|euros?)\b)|€\s?40(?!\d|[.,]\d)|\b(?:BCE|ECB)\b",
    re.I,
)


def _sentences(line: str) -> list[str]:
    """``line`` cut into sentences; a piece ending with a short abbreviation (``C. com.``, ``art.``) is joined to
    the next one."""
    pieces = _SENTENCE_END.split(line)
    out: list[str] = []
    for piece in pieces:
        if out and re.search(r"(?:^|[\s(])[A-Za-zÀ-ÿ]{1,4}\.$", out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def mentions_for(text: str, debtor: Debtor) -> str:
    """The organization's legal mentions as printed at the foot of what ``debtor`` receives. A professional gets
    them as written; a consumer or a public buyer gets them without the sentences carrying the payment mentions of
    invoices between professionals (penalty rate, the 40 EUR indemnity, C. com. L441-10), which are not their law
    (write those mentions in a sentence of their own). Line breaks are kept."""
    if debtor.kind == BUSINESS:
        return text
    lines = []
    for line in text.splitlines():
        kept = [s for s in _sentences(line.strip()) if s and not _PAYMENT_MENTION.search(s)]
        if kept or not line.strip():
            lines.append(" ".join(kept))
    return "\n".join(lines).strip()


# ------------------------------------------------------------------------------------------------ forbidden mentions

_FORBIDDEN_CONSUMER = re.compile(
    r"L\.?\s?441-10|D\.?\s?441-5|indemnit[ée]\s+forfaitaire|frais\s+de\s+(?:recouvrement|dossier)|"
    r"recovery\s+(?:costs|indemnity|indemnities)|(?<![\d.,\u202f])40\s?(?:€|(?:EUR|euros?)\b)|€\s?40(?!\d|[.,]\d)",
    re.I,
)
_FORBIDDEN_PUBLIC_PERSON = re.compile(r"L\.?\s?441-10|D\.?\s?441-5|ex[ée]cution\s+forc[ée]e|\benforce", re.I)
_FORBIDDEN_PUBLIC_BUYER = re.compile(r"L\.?\s?441-10|D\.?\s?441-5", re.I)
_FORBIDDEN_ADMINISTRATIVE = re.compile(r"injonction\s+de\s+payer|order\s+for\s+payment", re.I)


def forbidden_found(text: str, debtor: Debtor) -> list[str]:
    """The mentions of ``text`` that ``debtor``'s law forbids (empty: none): L441-10, D441-5, the 40 EUR and
    collection costs for a consumer; L441-10 for a public buyer; *exécution forcée* against a public legal person;
    *injonction de payer* under an administrative contract."""
    patterns = []
    if debtor.kind == CONSUMER:
        patterns.append(_FORBIDDEN_CONSUMER)
    if debtor.kind == PUBLIC:
        patterns.append(_FORBIDDEN_PUBLIC_BUYER)
    if debtor.public_person:
        patterns.append(_FORBIDDEN_PUBLIC_PERSON)
    if debtor.administrative_contract:
        patterns.append(_FORBIDDEN_ADMINISTRATIVE)
    found: list[str] = []
    for pattern in patterns:
        found += [m.group(0) for m in pattern.finditer(text) if m.group(0) not in found]
    return found
