"""Administration in the web app: members and invitations, the organization's settings, import mappings.

Real components: a real SMTP server on the loopback receives the invitations; letters are drawn by WeasyPrint and
read back from their PDF."""

from __future__ import annotations

import email
import email.policy
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recouvre.collections.tests import test_dispatch
from recouvre.collections.tests.test_dispatch import Keep
from recouvre.imports.models import ImportMapping
from recouvre.ledger.models import Event
from recouvre.ledger.timeline import describe
from recouvre.organizations.models import Invitation, Membership, Organization, Role, User
from recouvre.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db
smtp = test_dispatch.smtp  # a real SMTP server on the loopback: smtp(Keep())


@pytest.fixture
def admin_client(org, user):  # type: ignore[no-untyped-def]
    """``claire``, administrator of ACME, logged in, reading English."""
    user.first_name, user.last_name, user.email = "Claire", "Durand", "claire@acme.example"
    user.save()
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "en"
    return c


def _org_events(org: Organization, prefix: str) -> list[str]:
    return [describe(e) for e in Event.objects.filter(organization=org, kind__startswith=prefix).order_by("id")]


def _message(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _link(raw: bytes) -> str:
    body = _message(raw).get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"http://testserver(/invitation/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def _invite(admin_client, server, address="marc@example.com", role=Role.COLLECTOR) -> str:  # type: ignore[no-untyped-def]
    response = admin_client.post(reverse("members"), {"email": address, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(server.messages) == 1
    return _link(server.messages[-1][1])


# ------------------------------------------------------------------------------------------------ invitations


def test_an_invitation_sends_one_email_whose_link_works_once(org, admin_client, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    path = _invite(admin_client, server)
    rcpt, raw = server.messages[0]
    message = _message(raw)
    assert rcpt == ["marc@example.com"]
    assert message["Subject"] == "Invitation to join ACME Distribution SAS on Recouvre"
    assert message["From"] == "ACME Distribution SAS <relances@acme.example>"
    assert message["Reply-To"] == "claire@acme.example"
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Claire Durand invites you to join ACME Distribution SAS on Recouvre" in body
    assert "as collector." in body
    invitation = Invitation.objects.get()
    token = path.split("/")[2]
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64  # only the hash is stored
    assert abs(invitation.expires_at - invitation.created_at - timedelta(days=7)) < timedelta(seconds=5)

    # the invitee, not logged in, opens the link and makes an account
    invitee = Client()
    invitee.cookies["django_language"] = "en"
    page = invitee.get(path)
    assert page.status_code == 200
    assert "Join ACME Distribution SAS" in page.content.decode()
    assert "You are invited as collector (marc@example.com)." in page.content.decode()
    response = invitee.post(
        path,
        {
            "first_name": "Marc",
            "last_name": "Petit",
            "username": "marc",
            "password": "un cheval correct 42",
            "password_again": "un cheval correct 42",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    marc = User.objects.get(username="marc")
    assert (marc.email, marc.get_full_name(), marc.check_password("un cheval correct 42")) == (
        "marc@example.com",
        "Marc Petit",
        True,
    )
    assert Membership.objects.get(user=marc).role == Role.COLLECTOR
    home = invitee.get(reverse("home"))
    assert home.status_code == 200  # logged in, in ACME
    assert "Welcome to ACME Distribution SAS: you are a member as collector." in home.content.decode()

    # the link works once
    again = Client()
    again.cookies["django_language"] = "en"
    used = again.get(path)
    assert used.status_code == 410
    assert "This invitation link was already used: it works only once." in used.content.decode()
    assert again.post(path, {"username": "other", "password": "x" * 12, "password_again": "x" * 12}).status_code == 410
    assert User.objects.filter(username="other").count() == 0
    assert len(server.messages) == 1
    assert _org_events(org, "organization.") == [
        "marc@example.com invited to join as collector.",
        "marc (marc@example.com) joined as collector.",
    ]


def test_an_expired_or_revoked_link_is_refused_with_a_clear_page(org, admin_client, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    path = _invite(admin_client, server)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    c = Client()
    c.cookies["django_language"] = "en"
    expired = c.get(path)
    assert expired.status_code == 410
    assert (
        "This invitation link has expired. Ask the person who invited you to send it again." in expired.content.decode()
    )

    # sent again: a new link, the old one stays dead
    assert admin_client.post(reverse("invitation_resend", args=[invitation.pk])).status_code == 302
    assert len(server.messages) == 2
    new_path = _link(server.messages[1][1])
    assert new_path != path
    assert c.get(path).status_code == 404
    assert c.get(new_path).status_code == 200

    assert admin_client.post(reverse("invitation_revoke", args=[invitation.pk])).status_code == 302
    revoked = c.get(new_path)
    assert revoked.status_code == 410
    assert "This invitation was withdrawn." in revoked.content.decode()
    unknown = c.get("/invitation/not-a-token/")
    assert unknown.status_code == 404 and "This invitation link is not valid." in unknown.content.decode()
    assert _org_events(org, "organization.") == [
        "marc@example.com invited to join as collector.",
        "Invitation of marc@example.com sent again.",
        "Invitation of marc@example.com revoked.",
    ]


def test_an_existing_user_joins_with_their_account_after_logging_in(org, other_org, admin_client, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    rival = MembershipFactory(organization=other_org, role=Role.ADMIN, user__username="bruno").user
    rival.email = "bruno@rival.example"
    rival.save()
    path = _invite(admin_client, server, "bruno@rival.example", Role.VIEWER)
    anonymous = Client()
    anonymous.cookies["django_language"] = "en"
    page = anonymous.get(path).content.decode()
    assert reverse("login") + "?next=" + path in page
    bruno = Client()
    bruno.cookies["django_language"] = "en"
    bruno.force_login(rival)
    assert "You are logged in as bruno: join with this account." in bruno.get(path).content.decode()
    assert bruno.post(path).status_code == 302
    assert {m.organization.slug: m.role for m in Membership.objects.filter(user=rival)} == {
        "rival": Role.ADMIN,
        "acme": Role.VIEWER,
    }
    assert bruno.get(path).status_code == 410


def test_an_invitation_of_one_organization_cannot_be_handled_from_another(org, other_org, admin_client, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    _invite(admin_client, server)
    invitation = Invitation.objects.get()
    rival_admin = Client()
    rival_admin.force_login(MembershipFactory(organization=other_org, role=Role.ADMIN).user)
    assert rival_admin.post(reverse("invitation_resend", args=[invitation.pk])).status_code == 404
    assert rival_admin.post(reverse("invitation_revoke", args=[invitation.pk])).status_code == 404
    marie = Membership.objects.get(organization=org)
    assert rival_admin.post(reverse("member_role", args=[marie.pk]), {f"m{marie.pk}-role": "viewer"}).status_code == 404
    assert rival_admin.post(reverse("member_remove", args=[marie.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending and len(server.messages) == 1
    assert "marc@example.com" not in rival_admin.get(reverse("members")).content.decode()


def test_inviting_a_member_or_someone_already_invited_is_refused(org, admin_client, smtp):  # type: ignore[no-untyped-def]
    server = smtp(Keep())
    _invite(admin_client, server)
    again = admin_client.post(reverse("members"), {"email": "MARC@example.com", "role": "viewer"})
    assert again.status_code == 400
    assert "MARC@example.com is already invited: send the invitation again instead." in again.content.decode()
    member = admin_client.post(reverse("members"), {"email": "claire@acme.example", "role": "viewer"})
    assert "claire@acme.example is already a member." in member.content.decode()
    bad = admin_client.post(reverse("members"), {"email": "not an address", "role": "viewer"})
    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()
    assert len(server.messages) == 1 and Invitation.objects.count() == 1


# ------------------------------------------------------------------------------------------------ roles


def test_roles_change_but_the_last_administrator_stays(org, user, admin_client):  # type: ignore[no-untyped-def]
    claire = Membership.objects.get(user=user)
    paul = MembershipFactory(organization=org, role=Role.COLLECTOR, user__username="paul")
    page = admin_client.get(reverse("members")).content.decode()
    assert "paul" in page and "claire@acme.example" in page and "Last login" in page

    refused = admin_client.post(reverse("member_role", args=[claire.pk]), {f"m{claire.pk}-role": "viewer"}, follow=True)
    assert "claire is the organization&#x27;s last administrator: make another member administrator first." in (
        refused.content.decode()
    )
    claire.refresh_from_db()
    assert claire.role == Role.ADMIN
    removed = admin_client.post(reverse("member_remove", args=[claire.pk]), follow=True)
    assert "last administrator" in removed.content.decode()
    assert Membership.objects.filter(pk=claire.pk).exists()

    assert admin_client.post(reverse("member_role", args=[paul.pk]), {f"m{paul.pk}-role": "admin"}).status_code == 302
    paul.refresh_from_db()
    assert paul.role == Role.ADMIN
    assert admin_client.post(reverse("member_role", args=[claire.pk]), {f"m{claire.pk}-role": "credit_manager"})
    claire.refresh_from_db()
    assert claire.role == Role.CREDIT_MANAGER
    # claire is no administrator any more: the pages are closed to her
    assert admin_client.get(reverse("members")).status_code == 403

    paul_client = Client()
    paul_client.cookies["django_language"] = "en"
    paul_client.force_login(paul.user)
    assert paul_client.post(reverse("member_remove", args=[claire.pk])).status_code == 302
    assert not Membership.objects.filter(pk=claire.pk).exists()
    assert User.objects.filter(pk=user.pk).exists()  # the account stays
    refused_self = paul_client.post(reverse("member_remove", args=[paul.pk]))
    assert refused_self.status_code == 302 and Membership.objects.filter(pk=paul.pk).exists()
    assert _org_events(org, "organization.") == [
        "Role of paul changed from collector to administrator.",
        "Role of claire changed from administrator to credit manager.",
        "claire (credit manager) removed from the members.",
    ]


def test_a_deactivated_administrator_does_not_count(org, user):  # type: ignore[no-untyped-def]
    from recouvre.ledger.actors import CLI
    from recouvre.organizations.services import MemberChangeRefused, change_role

    other = MembershipFactory(organization=org, role=Role.ADMIN)
    other.user.is_active = False
    other.user.save()
    with pytest.raises(MemberChangeRefused):
        change_role(Membership.objects.get(user=user), Role.VIEWER, actor=CLI)


# ------------------------------------------------------------------------------------------------ access


ADMIN_PAGES = [
    ("members", ()),
    ("organization_settings", ()),
    ("mappings", ()),
    ("legal_rates", ()),
]


@pytest.mark.parametrize("role", [Role.CREDIT_MANAGER, Role.COLLECTOR, Role.VIEWER])
def test_a_member_without_the_right_gets_403_on_every_page_and_post(org, user, member_of, role):  # type: ignore[no-untyped-def]
    mapping = ImportMapping.objects.create(organization=org, name="sage", kind="invoices", columns={"total": "Montant"})
    claire = Membership.objects.get(user=user)
    invitation = Invitation.objects.create(
        organization=org, email="x@example.com", role="viewer", token_hash="0" * 64, expires_at=timezone.now()
    )
    c = member_of(role)
    for name, args in ADMIN_PAGES:
        assert c.get(reverse(name, args=args)).status_code == 403, name
    posts = [
        (reverse("members"), {"email": "y@example.com", "role": "admin"}),
        (reverse("member_role", args=[claire.pk]), {f"m{claire.pk}-role": "viewer"}),
        (reverse("member_remove", args=[claire.pk]), {}),
        (reverse("invitation_resend", args=[invitation.pk]), {}),
        (reverse("invitation_revoke", args=[invitation.pk]), {}),
        (reverse("organization_settings"), {"part": "identity", "identity-name": "Pirate", "identity-country": "FR"}),
        (reverse("mapping_edit", args=[mapping.pk]), {"name": "x", "column_total": "Y"}),
        (reverse("mapping_delete", args=[mapping.pk]), {}),
    ]
    for url, data in posts:
        assert c.post(url, data).status_code == 403, url
    assert c.get(reverse("member_remove", args=[claire.pk])).status_code == 403
    assert c.get(reverse("organization_logo")).status_code == 403
    claire.refresh_from_db()
    org.refresh_from_db()
    assert (claire.role, org.name, ImportMapping.objects.count(), Invitation.objects.count()) == (
        Role.ADMIN,
        "ACME Distribution SAS",
        1,
        1,
    )
    menu = c.get(reverse("home")).content.decode()
    assert reverse("members") not in menu and "Administration" not in menu


def test_the_menu_shows_the_administration_to_an_administrator(admin_client):  # type: ignore[no-untyped-def]
    page = admin_client.get(reverse("home")).content.decode()
    group = page[page.index('id="nav-administration"') :]
    for name in ("members", "organization_settings", "mappings", "legal_rates"):
        assert f'href="{reverse(name)}"' in group


# ------------------------------------------------------------------------------------------------ settings


def _identity(**changes: str) -> dict[str, str]:
    data = {
        "part": "identity",
        "identity-name": "ACME Distribution",
        "identity-legal_form": "SAS",
        "identity-siren": "552 100 554",
        "identity-siret": "552 100 554 00013",
        "identity-vat_number": "FR96552100554",
        "identity-address_line1": "8 rue de la Paix",
        "identity-address_line2": "",
        "identity-postal_code": "75002",
        "identity-city": "Paris",
        "identity-country": "fr",
        "identity-legal_mentions": "SAS au capital de 10 000 EUR",
    }
    data.update({f"identity-{k}": v for k, v in changes.items()})
    return data


def test_identity_is_saved_compact_and_recorded(org, admin_client):  # type: ignore[no-untyped-def]
    assert admin_client.post(reverse("organization_settings"), _identity()).status_code == 302
    org.refresh_from_db()
    assert (org.name, org.siren, org.siret, org.country, org.city) == (
        "ACME Distribution",
        "552100554",
        "55210055400013",
        "FR",
        "Paris",
    )
    assert _org_events(org, "organization.") == [
        "Organization settings changed: legal name, legal form, SIREN, SIRET, VAT number, address, postal code, "
        "city, legal mentions."
    ]
    page = admin_client.get(reverse("organization_settings")).content.decode()
    assert 'value="ACME Distribution"' in page and 'value="55210055400013"' in page


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"siren": "552100555"}, "SIREN: "),
        ({"siret": "55210055400014"}, "SIRET: "),
        ({"siret": "73282932000074"}, "SIRET: the SIRET 73282932000074 is not an establishment of the SIREN 552100554"),
        ({"country": "XX"}, "Country: &#x27;XX&#x27; is not a country code"),
        ({"name": ""}, "Legal name: This field is required."),
    ],
)
def test_identity_errors_are_shown_by_field_and_nothing_is_saved(org, admin_client, changes, error):  # type: ignore[no-untyped-def]
    response = admin_client.post(reverse("organization_settings"), _identity(**changes))
    assert response.status_code == 400
    assert error in response.content.decode()
    org.refresh_from_db()
    assert org.name == "ACME Distribution SAS"
    assert not Event.objects.filter(kind="organization.settings_changed").exists()


def test_bank_details_are_checked(org, admin_client):  # type: ignore[no-untyped-def]
    bad = admin_client.post(
        reverse("organization_settings"),
        {"part": "bank", "bank-account_holder": "", "bank-iban": "FR76 3000 6000 0112 3456 7890 188", "bank-bic": ""},
    )
    assert bad.status_code == 400 and "IBAN: " in bad.content.decode()
    org.refresh_from_db()
    assert org.iban == ""
    good = admin_client.post(
        reverse("organization_settings"),
        {"part": "bank", "bank-account_holder": "", "bank-iban": "FR76 3000 6000 0112 3456 7890 189", "bank-bic": ""},
    )
    assert good.status_code == 302
    org.refresh_from_db()
    assert org.iban == "FR7630006000011234567890189"


def test_sender_is_saved_for_the_emails(org, admin_client):  # type: ignore[no-untyped-def]
    from recouvre.collections.models import CollectionSettings

    bad = admin_client.post(
        reverse("organization_settings"), {"part": "sender", "sender-from_name": "ACME", "sender-from_email": "nope"}
    )
    assert bad.status_code == 400 and "Sender address: Enter a valid email address." in bad.content.decode()
    ok = admin_client.post(
        reverse("organization_settings"),
        {"part": "sender", "sender-from_name": "ACME Relances", "sender-from_email": "relances@acme.fr"},
    )
    assert ok.status_code == 302
    identity = CollectionSettings.objects.get(organization=org)
    assert (identity.from_name, identity.from_email, identity.reply_to) == ("ACME Relances", "relances@acme.fr", "")


def _png(size: tuple[int, int] = (120, 40), fmt: str = "PNG", extra: bytes = b"") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue() + extra


def _upload(admin_client, data: bytes, name: str = "logo.png"):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return admin_client.post(
        reverse("organization_settings"), {"part": "logo", "logo-logo": SimpleUploadedFile(name, data)}
    )


def test_logo_upload_limits(org, admin_client):  # type: ignore[no-untyped-def]
    from PIL import Image

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = _upload(admin_client, svg, "logo.svg")
    assert refused.status_code == 400
    assert "The logo must be a PNG or JPEG image (SVG and other formats are refused)." in refused.content.decode()
    gif = _upload(admin_client, _png(fmt="GIF"), "logo.gif")
    assert "The logo must be a PNG or JPEG image" in gif.content.decode()
    big = _upload(admin_client, _png(extra=b"\0" * (1024 * 1024)))
    assert "at most 1024 KB are accepted" in big.content.decode()
    huge = _upload(admin_client, _png(size=(6000, 10)))
    assert "The logo is 6000 × 10 pixels; at most 5000 pixels a side are accepted." in huge.content.decode()
    org.refresh_from_db()
    assert bytes(org.logo) == b""

    # a JPEG with bytes after its end is drawn again as a PNG, reduced to fit 600 × 240
    assert (
        _upload(admin_client, _png(size=(1200, 300), fmt="JPEG", extra=b"<script>x</script>"), "l.jpg").status_code
        == 302
    )
    org.refresh_from_db()
    stored = bytes(org.logo)
    assert stored.startswith(b"\x89PNG") and b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (600, 150)
    shown = admin_client.get(reverse("organization_logo"))
    assert shown["Content-Type"] == "image/png" and shown.content == stored
    assert admin_client.post(reverse("organization_settings"), {"part": "logo", "remove": "1"}).status_code == 302
    org.refresh_from_db()
    assert bytes(org.logo) == b""
    assert _org_events(org, "organization.") == ["Logo changed.", "Logo removed."]


def test_settings_reach_the_letters_produced_afterwards_not_those_produced_before(org, admin_client):  # type: ignore[no-untyped-def]
    from datetime import date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from recouvre.collections.models import Policy, Step
    from recouvre.collections.services import run_collections
    from recouvre.ledger.actors import Actor
    from recouvre.letters.models import Letter
    from recouvre.letters.services import produce_due_letters
    from recouvre.letters.tests.conftest import make_customer, pdf_text
    from recouvre.testing.factories import InvoiceFactory

    paris = ZoneInfo("Europe/Paris")
    actor = Actor.system("test")
    org.address_line1, org.postal_code, org.city = "1 rue Ancienne", "69001", "Lyon"
    org.save()
    policy = Policy.objects.create(organization=org, key="letters", name="Letters", segment="standard")
    Step.objects.create(policy=policy, position=1, key="reminder", offset_days=5, channel="letter", template="reminder")
    first = make_customer(org, ref="411A", name="Alpha SARL")
    InvoiceFactory(
        customer=first, number="A-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 2), total=Decimal("100")
    )
    run_collections(org, date(2026, 3, 27), actor=actor)
    assert produce_due_letters(org, now=datetime(2026, 3, 27, 9, tzinfo=paris), actor=actor) == 1
    before = Letter.objects.get()

    assert (
        admin_client.post(reverse("organization_settings"), _identity(address_line1="8 rue Nouvelle")).status_code
        == 302
    )
    assert _upload(admin_client, _png()).status_code == 302

    second = make_customer(org, ref="411B", name="Beta SARL")
    InvoiceFactory(
        customer=second, number="B-1", issued_on=date(2026, 2, 1), due_on=date(2026, 3, 3), total=Decimal("200")
    )
    run_collections(org, date(2026, 3, 30), actor=actor)
    assert produce_due_letters(org, now=datetime(2026, 3, 30, 9, tzinfo=paris), actor=actor) == 1
    after = Letter.objects.exclude(pk=before.pk).get()

    before.refresh_from_db()
    old, new = pdf_text(bytes(before.pdf)), pdf_text(bytes(after.pdf))
    assert "1 rue Ancienne" in old and "8 rue Nouvelle" not in old and "ACME Distribution SAS" in old
    assert "8 rue Nouvelle" in new and "1 rue Ancienne" not in new and "SIREN 552100554" in new
    assert b"/Image" not in bytes(before.pdf) and b"/Image" in bytes(after.pdf)  # the logo, on the new one only


# ------------------------------------------------------------------------------------------------ mappings


def test_mappings_are_listed_renamed_edited_and_deleted(org, other_org, admin_client):  # type: ignore[no-untyped-def]
    mapping = ImportMapping.objects.create(
        organization=org, name="sage", kind="invoices", columns={"total": "Montant TTC"}, options={"dayfirst": True}
    )
    theirs = ImportMapping.objects.create(
        organization=other_org, name="secret", kind="invoices", columns={"total": "X"}
    )
    page = admin_client.get(reverse("mappings")).content.decode()
    assert "sage" in page and "Montant TTC" in page and "secret" not in page
    assert admin_client.get(reverse("mapping_edit", args=[theirs.pk])).status_code == 404
    assert admin_client.post(reverse("mapping_delete", args=[theirs.pk])).status_code == 404

    form = admin_client.get(reverse("mapping_edit", args=[mapping.pk])).content.decode()
    assert 'name="column_total"' in form and 'value="Montant TTC"' in form and 'name="column_due_on"' in form
    repeated = admin_client.post(
        reverse("mapping_edit", args=[mapping.pk]),
        {"name": "sage", "column_total": "Montant", "column_number": "Montant"},
    )
    assert repeated.status_code == 400
    bad_name = admin_client.post(reverse("mapping_edit", args=[mapping.pk]), {"name": "Sage 100!", "column_total": "M"})
    assert bad_name.status_code == 400
    ok = admin_client.post(
        reverse("mapping_edit", args=[mapping.pk]),
        {"name": "sage-100", "column_total": "Montant", "column_number": "N° pièce"},
    )
    assert ok.status_code == 302
    saved = ImportMapping.objects.get(organization=org)
    assert (saved.name, saved.columns, saved.options) == (
        "sage-100",
        {"total": "Montant", "number": "N° pièce"},
        {"dayfirst": True, "reference_is_unique": False},  # the options stay
    )
    assert admin_client.post(reverse("mapping_delete", args=[saved.pk])).status_code == 302
    assert not ImportMapping.objects.filter(organization=org).exists()
    assert ImportMapping.objects.filter(organization=other_org).count() == 1
    assert _org_events(org, "imports.mapping") == [
        "Import mapping sage renamed sage-100; changed: name, columns.",
        "Import mapping sage-100 deleted.",
    ]
