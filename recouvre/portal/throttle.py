"""The portal's rate limit, the writes: requests counted per link and per client address in fixed windows
(``recouvre.core.portal.window_start``), in the database so that every web worker counts the same requests."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from recouvre.core import portal as core

from .models import PortalCounter

log = logging.getLogger("recouvre.security")


def _count(key: str, start: datetime) -> int:
    updated = PortalCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                PortalCounter.objects.create(key=key, window_start=start, count=1)
        except IntegrityError:  # another worker created it in between
            PortalCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        else:
            PortalCounter.objects.filter(window_start__lt=start - core.WINDOW).delete()
            return 1
    return PortalCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True).first() or 0


def allow(keys: list[tuple[str, int]], now: datetime) -> bool:
    """Count one request for each ``(key, limit)``; False when any key is over its limit in this window."""
    start = core.window_start(now)
    allowed = True
    for key, limit in keys:
        if _count(key[:120], start) > limit:
            if allowed:
                log.warning("portal requests over the limit for %s", key[:120])
            allowed = False
    return allowed
