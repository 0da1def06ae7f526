"""Ownership rights: the first manager to register a client keeps it.

When someone creates a lead, contact or company that is already in the card index under
another owner — the same email address or phone number, or the same person at the same
company — nothing new is created and the owner is not changed: the new enquiry is added to
the existing card's timeline, the owner is notified (event `enquiry.attached`) and the
creator is told who owns the client. Every door — the form, the API, web forms — goes
through `services.create_record`, which calls `claimed_match` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .models import ContactPoint
from .registry import EntitySpec, registry
from .search import entries_with_all_terms, terms_of

# Entities whose records are clients; a match in any of them protects the client.
CLAIMABLE = ("lead", "contact", "company")
PERSONS = ("lead", "contact")


@dataclass
class Match:
    spec: EntitySpec
    obj: Any
    reason: str

    @property
    def owner_name(self) -> str:
        return str(self.obj.owner) if self.obj.owner_id else ""


class AttachedToExisting(Exception):
    """Raised by `create_record` after the enquiry was added to the existing card."""

    def __init__(self, match: Match, activity):
        super().__init__(match.spec.key, match.obj.pk)
        self.match = match
        self.activity = activity

    @property
    def message(self) -> str:
        match = self.match
        if match.owner_name:
            return _(
                "%(owner)s already works with this client (%(entity)s “%(title)s”, %(reason)s). "
                "Your enquiry was added to that card and %(owner)s was notified."
            ) % {
                "owner": match.owner_name,
                "entity": match.spec.label,
                "title": match.spec.title(match.obj),
                "reason": match.reason,
            }
        return _(
            "This client is already in the card index (%(entity)s “%(title)s”, %(reason)s). "
            "Your enquiry was added to that card."
        ) % {
            "entity": match.spec.label,
            "title": match.spec.title(match.obj),
            "reason": match.reason,
        }


def _person_name(entity: EntitySpec, clean: dict) -> str:
    return f"{clean.get('first_name') or ''} {clean.get('last_name') or ''}".strip()


def _company_name(entity: EntitySpec, clean: dict) -> str:
    if entity.key == "lead":
        return clean.get("company_name") or ""
    if entity.key == "contact" and clean.get("company"):
        company = registry.get("company").queryset().filter(pk=clean["company"]).first()
        return company.name if company else ""
    return ""


def _same(a: str, b: str) -> bool:
    return bool(a) and " ".join(terms_of(a)) == " ".join(terms_of(b))


def find_client(entity: EntitySpec, clean: dict) -> Match | None:
    """The existing client record `clean` describes, by email, phone, or name + company."""
    values = [str(v).lower() for v in clean.get("emails") or []]
    values += [str(v) for v in clean.get("phones") or []]
    if values:
        point = (
            ContactPoint.objects.filter(value__in=values[:20], entity__in=CLAIMABLE)
            .order_by("id")
            .first()
        )
        if point is not None:
            spec = registry.get(point.entity)
            obj = spec.queryset().filter(pk=point.object_id).first()
            if obj is not None:
                reason = (
                    _("same email %(value)s")
                    if point.kind == ContactPoint.EMAIL
                    else _("same phone %(value)s")
                ) % {"value": point.value}
                return Match(spec, obj, reason)
    if entity.key in PERSONS:
        name, company = _person_name(entity, clean), _company_name(entity, clean)
        if name and company:
            return _by_name_and_company(name, company)
    return None


def _by_name_and_company(name: str, company: str) -> Match | None:
    # contacts carry their company's name as the search subtitle; leads their company_name
    for key, pk, title, subtitle in entries_with_all_terms(PERSONS, terms_of(name), limit=500):
        if _same(title, name) and _same(subtitle, company):
            spec = registry.get(key)
            obj = spec.queryset().filter(pk=pk).first()
            if obj is not None:
                return Match(spec, obj, _("same name and company"))
    return None


def claimed_match(entity: EntitySpec, user, clean: dict) -> Match | None:
    """A client record owned by someone other than `user` (or by nobody) that `clean`
    describes; None when the record may be created."""
    if entity.key not in CLAIMABLE:
        return None
    match = find_client(entity, clean)
    if match is None:
        return None
    if user is not None and user.is_authenticated and match.obj.owner_id == user.pk:
        return None  # one's own client: the usual duplicate warning applies
    return match


def enquiry_text(entity: EntitySpec, clean: dict) -> str:
    from .presenters import as_text

    lines = []
    for field_spec in entity.fields:
        value = clean.get(field_spec.key)
        if value in (None, "", []) or field_spec.key == "owner":
            continue
        lines.append(f"{field_spec.label}: {as_text(field_spec, value)}")
    return "\n".join(lines)


def attach_enquiry(
    entity: EntitySpec,
    user,
    clean: dict,
    match: Match,
    channel: str = "",
    attributes: dict | None = None,
):
    """Record the enquiry on the existing card and tell its owner; returns the activity."""
    from kartoteka.timeline.models import Activity

    from . import events
    from .services import record_activity

    body = enquiry_text(entity, clean)
    creator = str(user) if user is not None and user.is_authenticated else ""
    activity = record_activity(
        match.spec.key,
        match.obj.pk,
        Activity.Kind.ENQUIRY,
        user,
        summary=(body.splitlines() or [""])[0][:200],
        body=body,
        payload={
            "entity": entity.key,
            "channel": channel,
            "by": creator,
            **_plain_attributes(attributes),
        },
    )
    events.emit(
        "enquiry.attached",
        entity=match.spec.key,
        id=match.obj.pk,
        activity=activity.pk,
        owner=match.obj.owner_id,
        by=user.pk if user is not None and user.is_authenticated else None,
    )
    return activity


def _plain_attributes(attributes: dict | None) -> dict:
    """What of the caller's attributes a JSON payload can keep (a web form by its id)."""
    plain = {}
    for name, value in (attributes or {}).items():
        if hasattr(value, "pk"):
            plain[f"{name}_id"] = value.pk
        elif isinstance(value, str | int | float | bool | dict | list) or value is None:
            plain[name] = value
    return plain
