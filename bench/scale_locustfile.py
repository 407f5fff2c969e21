"""The load test of ``bench/scale_bench.py``: credit managers browsing the largest organization and approving.

Run by the bench (``locust -f bench/scale_locustfile.py --headless ...``) against ``recouvre serve`` on loopback.
Environment: ``SCALE_USERNAME`` and ``SCALE_PASSWORD`` (a member allowed to approve), ``SCALE_CUSTOMERS`` (a JSON
file of customer ids to open), ``SCALE_SESSIONS`` (sessions made by the bench, one per user: then no password
login). Each user logs in once (or takes its session), then with 1 to 3 s of thought between pages opens the
dashboard, the lists (customers in each sort, invoices, aged balance, worklist, approvals), customers, and now and
then approves the first reminders awaiting approval, one at a time (``approval_decide``), as a person does from a
reminder's page. A reminder decided meanwhile by another user is a message on the page, not an error.
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

CUSTOMERS: list[int] = (
    json.loads(open(os.environ["SCALE_CUSTOMERS"]).read()) if os.environ.get("SCALE_CUSTOMERS") else []
)
SESSIONS: dict = (
    json.loads(open(os.environ["SCALE_SESSIONS"]).read())
    if os.environ.get("SCALE_SESSIONS")
    else {"cookie": "", "values": []}
)
APPROVAL_LINK = re.compile(r'href="/collections/approvals/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class CreditManager(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        if SESSIONS["values"]:
            # A session made by the bench (as Django's test client logs in), one per user.
            self.client.cookies.set(SESSIONS["cookie"], SESSIONS["values"].pop())
            return
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            {
                "username": os.environ["SCALE_USERNAME"],
                "password": os.environ["SCALE_PASSWORD"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="log in",
        )

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(3)
    def customers(self) -> None:
        sort = random.choice(["", "name", "overdue"])
        self.client.get("/customers/" + (f"?sort={sort}" if sort else ""), name="customer list")

    @task(4)
    def customer(self) -> None:
        if CUSTOMERS:
            self.client.get(f"/customers/{random.choice(CUSTOMERS)}/", name="customer")

    @task(2)
    def invoices(self) -> None:
        self.client.get("/invoices/", name="invoice list")

    @task(1)
    def aging(self) -> None:
        self.client.get("/aging/", name="aged balance")

    @task(1)
    def worklist(self) -> None:
        self.client.get("/worklist/", name="worklist")

    @task(2)
    def approve(self) -> None:
        listing = self.client.get("/collections/approvals/", name="approvals")
        ids = APPROVAL_LINK.findall(listing.text)
        if not ids:
            return
        pk = random.choice(ids[:20])
        detail = self.client.get(f"/collections/approvals/{pk}/", name="approval")
        token = CSRF.search(detail.text)
        if token is None:
            return
        self.client.post(
            "/collections/approvals/decide/",
            {"ids": pk, "decision": "approve", "note": "", "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{self.host}/collections/approvals/{pk}/"},
            name="approve",
        )
