"""Small helpers shared by the views."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import timezone


def today() -> date:
    """The business date of the request, in the server's time zone (Europe/Paris)."""
    return timezone.localdate()


def paginate(request: HttpRequest, items: Any, per_page: int) -> Page:
    """The page asked for in ``?page=``; out-of-range or malformed numbers give the nearest valid page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
