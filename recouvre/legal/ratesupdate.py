"""``update_rates``: the ECB main refinancing rate fetched from the ECB Data Portal and added to the rate tables
(``recouvre rates update``, and the scheduler's daily job). The legal interest rate has no machine-readable
source: an administrator imports it (web form or ``recouvre rates import``).

The fetch asks for the series ``FM/D.U2.EUR.4F.KR.MRR_FR.LEV`` as ``csvdata`` under ``RECOUVRE_ECB_URL`` (default
the ECB Data Portal's ``https://data-api.ecb.europa.eu/service/data``), with a short timeout and a size limit.
What the answer settles (``recouvre.core.ratetables.settle_ecb``) is written in one transaction with a
``RatesUpdate`` row saying when and what; a server error, a timeout or an answer that does not read raises
``RatesUpdateError`` after one log line, and nothing is written. Nothing here runs at start-up.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvre.core.interest import rate_text
from recouvre.core.ratetables import ECB_SERIES, EcbAnswerError, HalfYear, parse_ecb_answer, settle_ecb

from . import models

log = logging.getLogger(__name__)
DEFAULT_ECB_URL = "https://data-api.ecb.europa.eu/service/data"
TIMEOUT_SECONDS = 10
MAX_ANSWER_BYTES = 1_000_000
SOURCE = "ECB Data Portal"


class RatesUpdateError(Exception):
    """The update could not be done (the reason says why); nothing was written."""


@dataclass(frozen=True, slots=True)
class RatesUpdated:
    added: tuple[tuple[date, str], ...]  # (effective date, rate) of each row added
    half_years: tuple[HalfYear, ...]  # the half-years it settled

    def as_dict(self) -> dict[str, object]:
        return {
            "added": [{"effective_date": d.isoformat(), "rate": r} for d, r in self.added],
            "half_years": [str(h) for h in self.half_years],
        }


def ecb_url() -> str:
    base = (getattr(settings, "RECOUVRE_ECB_URL", "") or DEFAULT_ECB_URL).rstrip("/")
    return f"{base}/{ECB_SERIES}?format=csvdata"


def fetch_ecb(url: str, timeout: float = TIMEOUT_SECONDS) -> str:
    """The body of the ECB answer at ``url``, or ``RatesUpdateError`` naming what went wrong."""
    request = urllib.request.Request(url, headers={"Accept": "text/csv", "User-Agent": "Recouvre"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) URL of a setting
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise RatesUpdateError(_("the ECB server answered HTTP %(status)s") % {"status": exc.code}) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RatesUpdateError(_("the ECB server could not be reached: %(reason)s") % {"reason": reason}) from None
    if len(body) > MAX_ANSWER_BYTES:
        raise RatesUpdateError(_("the ECB answer is larger than %(size)d bytes") % {"size": MAX_ANSWER_BYTES})
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise RatesUpdateError(_("the ECB answer is not UTF-8 text")) from None


def update_rates(today: date, *, url: str | None = None) -> RatesUpdated:
    """Fetch the ECB rate and add what the answer settles on ``today`` (see the module description). Raises
    ``RatesUpdateError`` (logged once) when the server fails or its answer does not read; nothing is written."""
    from .selectors import rate_tables

    where = url or ecb_url()
    try:
        observed = parse_ecb_answer(fetch_ecb(where))
    except EcbAnswerError as exc:
        log.warning("ECB rates update failed: %s (%s)", exc, where)
        raise RatesUpdateError(str(exc)) from None
    except RatesUpdateError as exc:
        log.warning("ECB rates update failed: %s (%s)", exc, where)
        raise
    settlement = settle_ecb(rate_tables().ecb, observed, today)
    now = timezone.now()
    with transaction.atomic():
        stored = set(models.EcbRate.objects.values_list("effective_on", flat=True))
        rows = [row for row in settlement.rows if row.effective_on not in stored]
        models.EcbRate.objects.bulk_create(
            models.EcbRate(effective_on=row.effective_on, rate=row.rate, source=SOURCE, imported_at=now) for row in rows
        )
        added = tuple((row.effective_on, rate_text(row.rate)) for row in rows)
        result = RatesUpdated(added, settlement.half_years)
        models.RatesUpdate.objects.create(
            finished_at=now,
            added=result.as_dict()["added"],
            half_years=[str(h) for h in settlement.half_years],
            source=where[:255],
        )
    return result


def last_update() -> models.RatesUpdate | None:
    """The last successful update, or None."""
    return models.RatesUpdate.objects.order_by("-finished_at", "-id").first()
