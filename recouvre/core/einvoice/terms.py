"""Payment terms written in words on an e-invoice (BT-20): ``30 jours net``, ``Payment within 10 days``,
``45 jours fin de mois``, ``30% d'acompte, solde à 30 j``, ``à réception``.

A number of days followed by days (``j``, ``jours``, ``days``...), or ``net`` followed by a number, optionally with
end of month (``fin de mois``, ``FDM``, ``end of month``, ``EOM``); a percentage (``2%``) is never a number of days.
When the text gives several numbers of days (a discount period and the net term), the longest is the term. Text
with no number of days and no immediate payment gives nothing: the due date then comes from elsewhere.
"""

from __future__ import annotations

import re
import unicodedata

from ..dates import PaymentTerms

MAX_DAYS = 365
_DAYS = re.compile(
    r"(?<![\d.,])(\d{1,3})\s*(?:jours?|jrs?|j|days?|d)\b(?!\s*%)"
    r"(?P<eom>\s*(?:net\s*)?(?:fin\s*de\s*mois|fin\s*du\s*mois|fdm|fm|end\s*of\s*(?:the\s*)?month|eom))?"
)
_NET = re.compile(r"\bnet\s*(\d{1,3})\b(?!\s*%)(?P<eom>\s*(?:fin\s*de\s*mois|fdm|fm|end\s*of\s*(?:the\s*)?month|eom))?")
_IMMEDIATE = re.compile(r"\b(?:a\s+reception|des\s+reception|comptant|upon\s+receipt|on\s+receipt|immediate)\b")


def _plain(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_text.lower().split())


def terms_from_text(text: str) -> PaymentTerms | None:
    """The payment terms the text states, or ``None`` when it states none that can be read."""
    plain = _plain(text)
    if not plain:
        return None
    found: list[PaymentTerms] = []
    for pattern in (_DAYS, _NET):
        for m in pattern.finditer(plain):
            days = int(m.group(1))
            if days <= MAX_DAYS:
                found.append(PaymentTerms(days, end_of_month=bool(m.group("eom"))))
    if found:
        return max(found, key=lambda t: (t.days, t.end_of_month))
    if _IMMEDIATE.search(plain):
        return PaymentTerms(0)
    return None
