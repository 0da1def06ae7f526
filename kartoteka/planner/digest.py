"""The daily digest: one email and one notification a morning, built from sections that any
app registers.

    from kartoteka.planner import digest

    digest.register_section("stale_deals", stale_deals_for, _("Deals going stale"), order=50)

where `stale_deals_for(user, now)` returns `[{"title": …, "url": …, "note": …}, …]` (url a
path such as spec.card_url(pk); note optional). Sections run in the recipient's language. The
planner's own sections are "Overdue tasks" and "Due today".

The worker calls `send_daily_digests()` every quarter of an hour; from DIGEST_HOUR (site
time) each active person is considered once a day. A (user, date) row is written before
sending, under a unique constraint, so a second run or a second worker never sends again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import DigestSent, Task
from .notifications import absolute_url, notify, send_email
from .queries import attach_records, day_start, due_text, overdue_q

log = logging.getLogger(__name__)
DIGEST_HOUR = 7
ITEMS_PER_SECTION = 20


@dataclass(frozen=True)
class Section:
    key: str
    fn: Callable
    label: object
    order: int = 100


_sections: dict[str, Section] = {}


def register_section(key: str, fn: Callable, label, order: int = 100) -> Section:
    """Add (or replace) a digest section. `fn(user, now) -> list[dict(title, url, note)]`."""
    section = Section(key, fn, label, order)
    _sections[key] = section
    return section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


# -- the planner's own sections ------------------------------------------------------------------


def _task_items(user, tasks: list[Task], with_date: bool) -> list[dict]:
    attach_records(user, tasks)
    items = []
    for task in tasks:
        when = due_text(task, with_date)
        note = f"{when} · {task.record_title}" if task.record_title else when
        items.append({"title": task.title, "url": task.record_url, "note": note})
    return items


def overdue_tasks(user, now) -> list[dict]:
    tasks = Task.objects.filter(overdue_q(now), assignee=user).order_by("due_at", "id")
    return _task_items(user, list(tasks[: ITEMS_PER_SECTION + 1]), with_date=True)


def due_today(user, now) -> list[dict]:
    today = timezone.localdate(now)
    tasks = (
        Task.objects.filter(
            assignee=user,
            done_at__isnull=True,
            due_at__gte=day_start(today),
            due_at__lt=day_start(today + dt.timedelta(days=1)),
        )
        .exclude(overdue_q(now))
        .order_by("due_at", "id")
    )
    return _task_items(user, list(tasks[: ITEMS_PER_SECTION + 1]), with_date=False)


register_section("overdue_tasks", overdue_tasks, gettext_lazy("Overdue tasks"), order=10)
register_section("due_today", due_today, gettext_lazy("Due today"), order=20)


# -- building and sending ------------------------------------------------------------------------


def collect(user, now) -> list[dict]:
    """Non-empty sections for `user`, in their language: label, items (capped), more."""
    out = []
    with translation.override(user.language or settings.LANGUAGE_CODE):
        for section in sections():
            try:
                items = list(section.fn(user, now) or [])
            except Exception:  # noqa: BLE001  one app's broken section must not stop the digest
                log.exception("digest section %s failed for user %s", section.key, user.pk)
                continue
            if items:
                shown = items[:ITEMS_PER_SECTION]
                out.append(
                    {
                        "key": section.key,
                        "label": str(section.label),
                        "count": len(items),
                        "items": [
                            {**item, "link": absolute_url(item.get("url") or "")} for item in shown
                        ],
                        "more": len(items) - len(shown),
                    }
                )
    return out


def _claim(user, day: dt.date, items: int) -> bool:
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, date=day, items=items)
        return True
    except IntegrityError:
        return False


def _summary(found: list[dict]) -> tuple[str, str]:
    total = sum(section["count"] for section in found)
    title = ngettext(
        "Your day: %(count)d item needs attention",
        "Your day: %(count)d items need attention",
        total,
    ) % {"count": total}
    lines = []
    for section in found:
        lines.append(f"{section['label']} ({section['count']})")
        lines.extend(f"• {item['title']}" for item in section["items"][:5])
    return title, "\n".join(lines)


def send_digest(user, now) -> bool:
    """Consider one person's digest for the day of `now`; True if one was sent."""
    day = timezone.localdate(now)
    if DigestSent.objects.filter(user=user, date=day).exists():
        return False
    found = collect(user, now)
    if not _claim(user, day, sum(section["count"] for section in found)):
        return False
    if not found:
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title, body = _summary(found)
        subject = _("Kartoteka: your day, %(date)s") % {
            "date": formats.date_format(day, "SHORT_DATE_FORMAT")
        }
    url = reverse("planner:my_day")
    notify(user, "digest", title, body, url, email=False)
    send_email(
        user,
        subject,
        "digest",
        {"sections": found, "my_day_link": absolute_url(url)},
    )
    return True


def send_daily_digests(now=None) -> int:
    """Digests for every active person not yet considered today; nothing before DIGEST_HOUR
    (site time). Returns how many were sent."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < DIGEST_HOUR:
        return 0
    day = timezone.localdate(now)
    done_today = DigestSent.objects.filter(date=day).values("user_id")
    people = get_user_model().objects.filter(is_active=True).exclude(pk__in=done_today)
    sent = 0
    for user in list(people.order_by("pk")):  # a team, not a crowd: no cursor held open
        try:
            sent += send_digest(user, now)
        except Exception:  # noqa: BLE001  one person's failure must not stop everyone's digest
            log.exception("could not build the digest of user %s", user.pk)
    return sent
