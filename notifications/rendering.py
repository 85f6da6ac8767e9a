"""What an email of the outbox says: rendered when it is sent, from the data as it is then.

`templates/emails/<template>.subject.txt`, `.txt` and `.html` receive the portal's facts
(`site_url`, `museum_name`, `MUSEUM_ADDRESS`, `MUSEUM_PHONE`, `MUSEUM_CONTACT_EMAIL`,
`catalogue_url`), the message's own `context`, the `message`, and what the app that sent it
registered in `notifications.registry` for the template (e.g. `booking`, `session`, `booking_url`
for the bookings app's emails), in the reader's language.
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template import Context
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import registry
from .conf import outbox_setting
from .models import OutboxMessage


def _render_text(name: str, context: dict) -> str:
    # Plain text and subjects are not HTML: no escaping of "&" or apostrophes.
    return get_template(name).template.render(Context(context, autoescape=False))


def _portal_url(name: str, fallback: str) -> str:
    try:
        return settings.SITE_URL + reverse(name)
    except NoReverseMatch:
        return settings.SITE_URL + fallback


def _message_id_header(message: OutboxMessage) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "louvrelens.example"
    stamp = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<outbox-{message.pk}.{stamp}@{domain}>"


def render_message(message: OutboxMessage) -> EmailMultiAlternatives:
    """The email of a message, rendered now from the data as it is now, in the reader's language."""
    try:
        validate_email(message.to)
    except ValidationError as exc:
        raise ValidationError(
            _("The address “%(to)s” is not a valid email address.") % {"to": message.to}
        ) from exc
    context = {
        "site_url": settings.SITE_URL,
        "museum_name": outbox_setting("MUSEUM_NAME"),
        "MUSEUM_ADDRESS": settings.MUSEUM_ADDRESS,
        "MUSEUM_PHONE": settings.MUSEUM_PHONE,
        "MUSEUM_CONTACT_EMAIL": settings.MUSEUM_CONTACT_EMAIL,
        "catalogue_url": _portal_url("catalogue:index", "/offres/"),
        **message.context,
        "message": message,
    }
    with translation.override(message.language):
        context.update(registry.context_for(message))
        subject = " ".join(_render_text(f"emails/{message.template}.subject.txt", context).split())
        text = _render_text(f"emails/{message.template}.txt", context)
        html = get_template(f"emails/{message.template}.html").render(context)
        attachments = registry.attachments_for(message)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=[settings.MUSEUM_CONTACT_EMAIL],
        headers={"Message-ID": _message_id_header(message), "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        email.attach(filename, content, mimetype)
    return email
