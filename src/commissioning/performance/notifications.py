"""Messages for people in the platform, kept as ``Notification`` rows and sent by email too.

The row is the record: it is written in the caller's transaction, so a message about a review
that was rolled back never exists. The email goes only once that transaction has committed, and
a mail server that refuses it does not undo the work that caused it; the message is still on the
person's notifications page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from commissioning.core.errors import NotPermitted
from commissioning.core.models import User
from commissioning.partners.models import Partnership
from commissioning.performance.models import Notification

log = logging.getLogger(__name__)

MAX_SUBJECT = 200


def _email(notification: Notification) -> None:
    recipient = notification.recipient
    if not recipient.email:
        return
    link = notification.url
    if link.startswith("/"):
        link = getattr(settings, "PLATFORM_URL", "").rstrip("/") + link
    body = notification.body
    if link:
        body = f"{body}\n\nOpen it in the platform: {link}" if body else f"Open it in the platform: {link}"
    try:
        send_mail(
            subject=notification.subject,
            message=body,
            from_email=None,
            recipient_list=[recipient.email],
        )
    except Exception:
        log.exception("Could not email notification %s to %s", notification.pk, recipient.username)


def notify(
    *, partnership: Partnership, recipient: User, subject: str, body: str = "", url: str = ""
) -> Notification:
    """Store a message for ``recipient`` and email it to them once the current transaction commits."""
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError({"subject": "Give the notification a subject."})
    notification = Notification.objects.create(
        partnership=partnership,
        recipient=recipient,
        subject=subject[:MAX_SUBJECT],
        body=(body or "").strip(),
        url=(url or "")[:300],
    )
    transaction.on_commit(lambda: _email(notification))
    return notification


def notifications_for(user: Any, partnership: Partnership) -> QuerySet[Notification]:
    """The user's own notifications in this partnership, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(partnership=partnership, recipient=user).order_by("-created_at", "-id")


def unread_count(user: Any, partnership: Partnership) -> int:
    return notifications_for(user, partnership).filter(read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, actor: User, partnership: Partnership, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (``ids``, or all of them); returns how many changed.

    Not audited: whether someone has read their own messages is their inbox, not the
    partnership's record.
    """
    if not getattr(actor, "is_authenticated", False):
        raise NotPermitted("Sign in to read your notifications.")
    unread = notifications_for(actor, partnership).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
