"""The queue page's fifty rows, built in Python (as the list page's are, finding 21 of
docs/performance.md): the template engine spent most of the page's time on them — a
`{% url %}`, two badges, two date filters and a translated label per row. The markup and its
escaping are the ones the template wrote."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kartoteka.platform.list_html import pk_url_maker

from .models import Ticket

PRIORITY_BADGES = {
    Ticket.Priority.URGENT: "text-bg-danger",
    Ticket.Priority.HIGH: "text-bg-warning",
}


def _due(ticket: Ticket, now) -> SafeString:
    if ticket.next_due_at is None:
        return mark_safe('<span class="text-muted">—</span>')
    local = timezone.localtime(ticket.next_due_at)
    return format_html(
        '<time datetime="{}" class="{}">{}</time>',
        dateformat.format(local, "c"),
        "kt-due-late" if ticket.next_due_at < now else "",
        formats.date_format(local, "SHORT_DATETIME_FORMAT"),
    )


def rows(tickets: Iterable[Ticket], now) -> list[SafeString]:
    """One `<tr>` per ticket: selection box, number, subject linking the ticket (with an SLA
    badge when breached), customer, priority, status, assignee, next deadline."""
    ticket_url = pk_url_maker(lambda pk: reverse("service:ticket", args=[pk]))
    sla = conditional_escape(_("SLA"))
    out = []
    for t in tickets:
        pk = int(t.pk)
        select = conditional_escape(_("Select ticket %(number)s") % {"number": pk})
        breached = f' <span class="badge text-bg-danger">{sla}</span>' if t.sla_breached else ""
        company = (
            format_html('<div class="small text-muted">{}</div>', t.company) if t.company else ""
        )
        badge = PRIORITY_BADGES.get(t.priority, "text-bg-light")
        out.append(
            format_html(
                '\n<tr data-ticket="{pk}">\n'
                '  <td><input class="form-check-input" type="checkbox" name="ids" value="{pk}"'
                ' aria-label="{select}"></td>\n'
                '  <td class="text-muted">{pk}</td>\n'
                '  <td><a href="{url}">{subject}</a>{breached}</td>\n'
                "  <td>{contact}{company}</td>\n"
                '  <td><span class="badge {badge}">{priority}</span></td>\n'
                "  <td>{status}</td>\n"
                "  <td>{owner}</td>\n"
                "  <td>{due}</td>\n"
                "</tr>\n",
                pk=pk,
                select=select,
                url=ticket_url(pk),
                subject=t.subject,
                breached=mark_safe(breached),  # noqa: S308 (a fixed tag around an escaped word)
                contact=t.contact or "",
                company=company,
                badge=badge,
                priority=t.get_priority_display(),
                status=t.get_status_display(),
                owner=t.owner or "—",
                due=_due(t, now),
            )
        )
    return out
