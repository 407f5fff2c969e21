"""A reminder e-mail exactly as it was sent: headers, text, HTML, attachments, fingerprint; and the .eml file."""

from __future__ import annotations

import email
import email.policy
import hashlib
from email.message import EmailMessage

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from recouvre.collections.models import Action, Channel

from ..csp import email_document
from ..decorators import member_required

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "Content-Language")


def _stored(request: HttpRequest, pk: int) -> Action:
    org = request.organization  # type: ignore[attr-defined]
    action = (
        Action.objects.filter(organization=org, pk=pk, channel=Channel.EMAIL)
        .exclude(content="")
        .select_related("customer")
        .first()
    )
    if action is None:
        raise Http404
    return action


def _parts(raw: bytes) -> tuple[EmailMessage, str, str, list[dict[str, object]]]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    attachments = []
    for index, part in enumerate(message.iter_attachments()):
        payload = part.get_payload(decode=True) or b""
        assert isinstance(payload, bytes)
        attachments.append(
            {
                "index": index,
                "name": part.get_filename() or f"attachment-{index + 1}",
                "type": part.get_content_type(),
                "size": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        )
    text = text_part.get_content() if text_part is not None else ""
    html = html_part.get_content() if html_part is not None else ""
    return message, text, html, attachments


@member_required()
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = _stored(request, pk)
    raw = action.content.encode("utf-8")
    message, text, html, attachments = _parts(raw)
    headers = [(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None]
    return render(
        request,
        "web/message_detail.html",
        {
            "action": action,
            "headers": headers,
            "text": text,
            "html": html,
            "attachments": attachments,
            "size": len(raw),
            "verified": hashlib.sha256(raw).hexdigest() == action.content_sha256,
        },
    )


@member_required()
def message_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML part as sent, a document of its own framed by the message page (``recouvre.web.csp``)."""
    action = _stored(request, pk)
    _message, _text, html, _attachments = _parts(action.content.encode("utf-8"))
    if not html:
        raise Http404
    return email_document(html)


@member_required()
def message_eml(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored bytes, unchanged: what the SMTP server received."""
    action = _stored(request, pk)
    response = HttpResponse(action.content.encode("utf-8"), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{action.customer.ref}-{action.send_on}-{action.pk}.eml"'
    return response


@member_required()
def message_attachment(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    action = _stored(request, pk)
    message = email.message_from_bytes(action.content.encode("utf-8"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    parts = list(message.iter_attachments())
    if not 0 <= index < len(parts):
        raise Http404
    part = parts[index]
    payload = part.get_payload(decode=True) or b""
    assert isinstance(payload, bytes)
    response = HttpResponse(payload, content_type=part.get_content_type())
    name = (part.get_filename() or f"attachment-{index + 1}").replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
