"""The rules of tickets, applied by the platform's generic writes.

A ticket has a requester (a contact, or a colleague for internal requests); its company and
customer tier follow the contact unless set; its team follows the category. Every status it
passes through is stored with its time (`StatusPeriod`), and the SLA clock (`sla`) is told of
each change: waiting for the customer pauses it, resolving meets the resolution target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.platform.behaviour import Behaviour
from kartoteka.platform.services import record_activity
from kartoteka.timeline.models import Activity

from . import sla
from .models import Category, Message, StatusPeriod, Ticket

SLA_FIELDS = {"priority", "type", "category", "tier"}
TIER_FIELD = "service_tier"  # a company custom field whose value names the tier


def breaching_soon_q(now: dt.datetime | None = None, within: dt.timedelta | None = None) -> Q:
    now = now or timezone.now()
    return Q(next_due_at__lte=now + (within or dt.timedelta(hours=2)))


def _category_text(name: str, active: bool) -> str:
    from .settings_services import label

    if active:
        return label(name)
    return gettext_lazy("%(name)s (inactive)") % {"name": label(name)}


# Choices are built once per registry load and shown in each reader's language.
_category_label = lazy(_category_text, str)


class TicketBehaviour(Behaviour):
    def prepare_fields(self, fields: list) -> list:
        from kartoteka.accounts.models import Team

        categories = tuple(
            (pk, _category_label(name, active))
            for pk, name, active in Category.objects.values_list("pk", "name", "active")
        )
        teams = tuple(Team.objects.values_list("pk", "name"))
        by_key = {"category": categories, "team": teams}
        return [replace(f, choices=by_key[f.key]) if f.key in by_key else f for f in fields]

    def flags(self) -> dict:
        return {
            "open": gettext_lazy("Open tickets"),
            "unassigned": gettext_lazy("Unassigned"),
            "mine": gettext_lazy("Assigned to me"),
            "breaching": gettext_lazy("Breaching soon"),
            "breached": gettext_lazy("SLA breached"),
        }

    def apply_flag(self, qs, name: str, user):
        open_q = Q(status__in=Ticket.OPEN_STATUSES)
        if name == "open":
            return qs.filter(open_q)
        if name == "unassigned":
            return qs.filter(open_q, owner__isnull=True)
        if name == "mine":
            return qs.filter(open_q, owner=user.pk if user else None)
        if name == "breaching":
            return qs.filter(open_q, breaching_soon_q())
        if name == "breached":
            return qs.filter(open_q, sla_breached=True)
        return qs

    def check(self, user, instance, clean: dict) -> dict:
        def value(key):
            return clean[key] if key in clean else getattr(instance, f"{key}_id", None)

        if instance is None and not value("contact") and not value("requester_user"):
            return {
                "contact": [
                    _("Choose the customer who asked, or the colleague for an internal request.")
                ]
            }
        merged = getattr(instance, "merged_into_id", None)
        if merged and clean.get("status") not in (None, Ticket.Status.CLOSED):
            return {
                "status": [
                    _("This ticket was merged into #%(number)s; answer there.") % {"number": merged}
                ]
            }
        return {}

    def before_save(self, user, obj, changes: list[dict], created: bool) -> None:
        changed = {c["field"] for c in changes}
        if obj.contact_id and not obj.company_id and (created or "contact" in changed):
            obj.company_id = obj.contact.company_id
        if obj.company_id and (created or "company" in changed) and "tier" not in changed:
            tier = (obj.company.custom or {}).get(TIER_FIELD)
            if tier in Ticket.Tier.values:
                obj.tier = tier
        if obj.category_id and not obj.team_id and (created or "category" in changed):
            obj.team_id = obj.category.team_id
        if obj.contact_id and not obj.requester_email and obj.contact.emails:
            obj.requester_email = obj.contact.emails[0]
        now = timezone.now()
        if obj.status in Ticket.DONE_STATUSES:
            obj.resolved_at = obj.resolved_at or now
            if obj.status == Ticket.Status.CLOSED:
                obj.closed_at = obj.closed_at or now
        else:
            obj.resolved_at = obj.closed_at = None

    def after_save(self, user, obj, changes: list[dict], created: bool) -> None:
        now = timezone.now()
        if created:
            # The description is the first message of the conversation, whichever door the
            # ticket came through (mail threading and the portal start from it).
            Message.objects.create(
                ticket=obj,
                kind=Message.Kind.CUSTOMER,
                author_contact_id=obj.contact_id,
                author_user_id=obj.requester_user_id if not obj.contact_id else None,
                author_email=obj.requester_email,
                body=obj.description.strip() or obj.subject,
                via=obj.channel,
                at=obj.created_at,
            )
            StatusPeriod.objects.create(ticket=obj, status=obj.status, started_at=obj.created_at)
            if obj.contact_id:
                record_activity(
                    "contact",
                    obj.contact_id,
                    Activity.Kind.EMAIL
                    if obj.channel == Ticket.Channel.EMAIL
                    else Activity.Kind.NOTE,
                    user,
                    summary=f"#{obj.pk} {obj.subject}",
                    body=obj.description,
                    payload={"ticket": obj.pk},
                    at=obj.created_at,
                )
            sla.start(obj)
            return
        by_field = {c["field"]: c for c in changes}
        if "status" in by_field:
            old = by_field["status"]["old"]
            StatusPeriod.objects.filter(ticket=obj, ended_at__isnull=True).update(ended_at=now)
            StatusPeriod.objects.create(ticket=obj, status=obj.status, started_at=now)
            sla.on_status_change(obj, old, obj.status, now)
        if SLA_FIELDS & set(by_field):
            sla.reapply(obj)

    def before_bulk_create(self, user, objs: list) -> None:
        """`before_save` for a batch: contacts, companies and categories read once."""
        from kartoteka.contacts.models import Company, Contact

        contacts = Contact.objects.in_bulk({o.contact_id for o in objs if o.contact_id})
        for obj in objs:
            if obj.contact_id in contacts:
                obj.contact = contacts[obj.contact_id]
        company_ids = {
            o.company_id or getattr(contacts.get(o.contact_id), "company_id", None) for o in objs
        }
        companies = Company.objects.in_bulk({pk for pk in company_ids if pk})
        categories = Category.objects.in_bulk({o.category_id for o in objs if o.category_id})
        for obj in objs:
            if not obj.company_id and obj.contact_id in contacts:
                obj.company_id = contacts[obj.contact_id].company_id
            if obj.company_id in companies:
                obj.company = companies[obj.company_id]
            if obj.category_id in categories:
                obj.category = categories[obj.category_id]
            self.before_save(user, obj, [], True)
        sla.plan_many(objs)  # deadlines known before the rows are written: no update after

    def after_bulk_create(self, user, objs: list) -> None:
        """The bulk path's `after_save(created=True)`: first messages, status periods and
        SLA targets written in batches."""
        Message.objects.bulk_create(
            [
                Message(
                    ticket=obj,
                    kind=Message.Kind.CUSTOMER,
                    author_contact_id=obj.contact_id,
                    author_user_id=obj.requester_user_id if not obj.contact_id else None,
                    author_email=obj.requester_email,
                    body=obj.description.strip() or obj.subject,
                    via=obj.channel,
                    at=obj.created_at,
                )
                for obj in objs
            ],
            batch_size=2000,
        )
        StatusPeriod.objects.bulk_create(
            [
                StatusPeriod(ticket=obj, status=obj.status, started_at=obj.created_at)
                for obj in objs
            ],
            batch_size=2000,
        )
        sla.save_planned(objs)
