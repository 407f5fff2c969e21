"""The web app's protective headers: a strict Content-Security-Policy on every page (and no inline script or style
in any page for it to refuse), no sniffing, no framing, no referrer outside; with ``RECOUVRE_HTTPS=1`` secure
cookies, HSTS, the TLS proxy's header trusted and plain HTTP redirected; and a debug page that never shows a
password."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse

from recouvre.web.debug import mask

from .test_pages import page_urls

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
}
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
    re.I,
)


def _policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_every_page_has_the_strict_policy_and_protective_headers(logged_client, ledger):
    from django.test import Client

    login = Client().get(reverse("login"))
    responses = [login] + [logged_client.get(url) for url in page_urls(ledger)]
    responses.append(logged_client.get(reverse("password_change")))
    responses.append(logged_client.get(reverse("templates")))
    for response in responses:
        url = response.wsgi_request.get_full_path()
        assert response.status_code == 200, url
        assert _policy(response["Content-Security-Policy"]) == POLICY, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert "Strict-Transport-Security" not in response, url  # plain HTTP: no RECOUVRE_HTTPS
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert INLINE.search(html) is None, (url, INLINE.search(html))


def test_only_djangos_own_debug_pages_may_run_inline_style_and_script(logged_client, ledger, settings):
    missing = "/customers/999999/"
    assert _policy(logged_client.get(missing)["Content-Security-Policy"]) == POLICY
    settings.DEBUG = True
    debug_404 = logged_client.get(missing)
    assert debug_404.status_code == 404 and "<style" in debug_404.content.decode()
    assert _policy(debug_404["Content-Security-Policy"])["style-src"] == "'self' 'unsafe-inline'"
    assert _policy(logged_client.get(reverse("home"))["Content-Security-Policy"]) == POLICY


def test_no_template_of_the_web_app_has_inline_script_style_or_handler():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in INLINE.finditer(path.read_text()):
            found.append(f"{path.relative_to(TEMPLATES)}: {match.group()}")
    assert found == []


def _run(code: str, **env: str) -> dict[str, object]:
    """Run ``code`` in a fresh Python with the given environment (the settings are read once, at start) and
    return the JSON it prints."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_")}
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "recouvre.settings"
    base["RECOUVRE_ALLOWED_HOSTS"] = "testserver"
    prelude = "import django, json\ndjango.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


_HTTPS_PROBE = """
from django.conf import settings
from django.test import Client
c = Client()
plain = c.get("/accounts/login/")
secure = c.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "settings": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,
                 settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
                 settings.SECURE_PROXY_SSL_HEADER],
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security", ""),
               secure.cookies["csrftoken"]["secure"] if "csrftoken" in secure.cookies else None],
}))
"""


def test_recouvre_https_makes_cookies_secure_sends_hsts_and_trusts_the_proxy(tmp_path):
    on = _run(_HTTPS_PROBE, RECOUVRE_HTTPS="1", RECOUVRE_DATA_DIR=str(tmp_path))
    assert on["settings"] == [True, True, True, 31536000, False, ["HTTP_X_FORWARDED_PROTO", "https"]]
    assert on["plain"] == [301, "https://testserver/accounts/login/"]  # plain HTTP is sent to HTTPS
    assert on["secure"] == [200, "max-age=31536000", True]  # through the proxy: HSTS, secure cookie

    subdomains = _run(
        _HTTPS_PROBE, RECOUVRE_HTTPS="1", RECOUVRE_HSTS_INCLUDE_SUBDOMAINS="1", RECOUVRE_DATA_DIR=str(tmp_path)
    )
    assert subdomains["secure"] == [200, "max-age=31536000; includeSubDomains", True]

    off = _run(_HTTPS_PROBE, RECOUVRE_DATA_DIR=str(tmp_path))
    assert off["settings"] == [False, False, False, 0, False, None]
    assert off["plain"] == [200, ""]
    assert off["secure"] == [200, "", ""]  # no HSTS, and the header is not trusted: a plain cookie


_DEBUG_PROBE = """
import os, sys
from django.conf import settings
from django.test import RequestFactory
from django.views.debug import technical_500_response

request = RequestFactory().get("/customers/", **{k: v for k, v in os.environ.items() if k.startswith("RECOUVRE_")})
def connect(url):
    conninfo = "host=127.0.0.1 port=1 user=recouvre password=S3cr3t-pw dbname=x"
    raise ConnectionError("the database does not answer")
try:
    connect(os.environ["RECOUVRE_DATABASE_URL"])
except ConnectionError:
    page = technical_500_response(request, *sys.exc_info()).content.decode()
print(json.dumps({"debug": settings.DEBUG, "page": page}))
"""


def test_the_debug_page_never_shows_the_database_or_mail_password(tmp_path):
    answer = _run(
        _DEBUG_PROBE,
        RECOUVRE_DEBUG="1",
        RECOUVRE_DATA_DIR=str(tmp_path),
        RECOUVRE_DATABASE_URL="postgres://recouvre:S3cr3t-pw@127.0.0.1:1/x",
        RECOUVRE_SMTP_URL="smtp://mailer:M41l-pw@127.0.0.1:2525?starttls=1",
        RECOUVRE_SECRET_KEY="K3y-not-to-show",
    )
    page = str(answer["page"])
    assert answer["debug"] is True
    assert "the database does not answer" in page  # the page itself, with its settings, environment and variables
    assert "DATABASES" in page and "RECOUVRE_DATABASE_URL" in page and "conninfo" in page
    assert "127.0.0.1:1/x" in page  # the address is shown, the password is not
    for secret in ("S3cr3t-pw", "M41l-pw", "K3y-not-to-show"):
        assert secret not in page


def test_passwords_written_in_values_are_masked():
    assert mask("postgres://recouvre:S3cr3t@db:5432/x") == "postgres://recouvre:********************@db:5432/x"
    assert mask("smtps://a%40b.fr:p%3Ass@mail:465") == "smtps://a%40b.fr:********************@mail:465"
    assert mask("host=db password='p w' user=x") == "host=db password=******************** user=x"
    assert mask("sqlite:////var/recouvre.sqlite3") == "sqlite:////var/recouvre.sqlite3"
    assert mask("https://recouvre.example/customers/") == "https://recouvre.example/customers/"
