"""In-app notifications and the email that goes with them, in the recipient's language.

`notify()` is what reminders, digests, assignments and other apps (sales, service) call. It
runs in the worker or in a request; a mail server that refuses is logged, never raised, so a
notification is never lost because of email.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kartoteka.platform.listing import MAX_ID

from .models import Notification

log = logging.getLogger(__name__)
BADGE_CAP = 99  # the bell shows "99" for anything above; no count over a long history


def absolute_url(url: str) -> str:
    """Links in emails need a host. Without a request (the worker) the site address comes from
    the SITE_URL setting; without one the path is left as is."""
    if not url or url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "SITE_URL", "") or ""
    return base.rstrip("/") + url if base else url


def send_email(user, subject: str, template: str, context: dict) -> bool:
    """Render `planner/<template>_email.txt` in the user's language and send it; False (and a
    log line) if the user has no address or the mail server refused."""
    if not user.email or not user.is_active:
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = render_to_string(f"planner/{template}_email.txt", {"user": user, **context})
        subject = " ".join(str(subject).split())
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:  # noqa: BLE001  a broken mail server must not undo the notification
        log.exception("could not send the %s email to user %s", template, user.pk)
        return False
    return True


def notify(user, kind: str, title, body="", url: str = "", email: bool = True) -> Notification:
    """One notification for `user`, and an email unless `email=False`.

    `title` and `body` may be lazy translations; they are rendered in the recipient's
    language. Callers that format parameters into them should do so inside
    `translation.override(user.language)`.
    """
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title, body = str(title)[:255], str(body)
    notification = Notification.objects.create(
        user=user, kind=kind[:30], title=title, body=body, url=url[:500]
    )
    if email:
        send_email(
            user,
            title,
            "notification",
            {"notification": notification, "link": absolute_url(url)},
        )
    return notification


def unread_count(user) -> int:
    """For the bell on every page: one query on the (user, read_at) index, capped so a long
    unread history costs nothing. `order_by()` drops the model's default ordering, which would
    otherwise sort every unread row inside the capped count."""
    if user is None or not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(user=user, read_at__isnull=True).order_by()
    return unread[:BADGE_CAP].count()


def mark_read(user, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read; the notification, or None if it is not
    theirs (or does not exist)."""
    theirs = Notification.objects.filter(pk=min(notification_id, MAX_ID), user=user)
    theirs.filter(read_at__isnull=True).update(read_at=timezone.now())
    return theirs.first()


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
