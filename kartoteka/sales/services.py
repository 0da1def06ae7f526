"""Named sales actions: qualify or disqualify a lead, move a deal to a stage, set a deal's
line items and contacts. Each delegates the record write to the platform's generic services
(validation, timeline, search, events) and adds what is particular to sales."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.platform import events, permissions, search, services
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.registry import registry
from kartoteka.timeline.models import Activity

from . import config
from .models import DealContact, Lead, LineItem, Product

MAX_LINE_ITEMS = 200


def _spec(key: str):
    return registry.get(key)


# -- deals -----------------------------------------------------------------------------------


def create_deal(user, data: dict):
    return services.create_record(_spec("deal"), user, data)


def move_deal_to_stage(
    user, deal, stage_id: Any, *, lost_reason: Any = None, version: int | None = None
):
    """Move a deal (the board's drag and drop, the card's stage buttons, the API). The same
    rules as the form: a lost stage needs a reason; any stage of the deal's pipeline."""
    try:
        stage_id = int(stage_id)
    except (TypeError, ValueError):
        raise InputErrors({"stage": [_("Choose one of the stages.")]})
    target = config.stage(stage_id)
    if target is None:
        raise InputErrors({"stage": [_("Choose one of the stages.")]})
    if target.pipeline_id != deal.pipeline_id:
        raise InputErrors({"stage": [_("Choose a stage of the deal's pipeline.")]})
    data: dict[str, Any] = {"stage": stage_id}
    if target.kind == "lost":
        data["lost_reason"] = lost_reason
    return services.update_record(_spec("deal"), user, deal, data, version=version)


def _decimal(value: Any, field: str, index: int, *, minimum=None, maximum=None) -> Decimal:
    if isinstance(value, bool) or value in (None, ""):
        raise InputErrors({f"items.{index}.{field}": [_("Enter a number.")]})
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise InputErrors({f"items.{index}.{field}": [_("Enter a number.")]})
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise InputErrors({f"items.{index}.{field}": [_("Enter a smaller number.")]})
    if minimum is not None and number < minimum:
        raise InputErrors(
            {
                f"items.{index}.{field}": [
                    _("Enter a number of at least %(min)s.") % {"min": minimum}
                ]
            }
        )
    if maximum is not None and number > maximum:
        raise InputErrors(
            {f"items.{index}.{field}": [_("Enter a number of at most %(max)s.") % {"max": maximum}]}
        )
    return number


def _clean_items(user, items: Any) -> list[LineItem]:
    if not isinstance(items, list):
        raise InputErrors({"items": [_("Send a list of line items.")]})
    if len(items) > MAX_LINE_ITEMS:
        raise InputErrors({"items": [_("At most %(max)d line items.") % {"max": MAX_LINE_ITEMS}]})
    product_ids = {
        item.get("product") for item in items if isinstance(item, dict) and item.get("product")
    }
    products = {}
    if product_ids:
        if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in product_ids):
            raise InputErrors({"items": [_("Choose an existing product.")]})
        visible = permissions.restrict(_spec("product").queryset(), user, "product")
        products = {p.pk: p for p in visible.filter(pk__in=product_ids)}
    cleaned = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputErrors({f"items.{index}": [_("Send each line item as an object.")]})
        unknown = set(item) - {
            "product",
            "name",
            "sku",
            "unit",
            "quantity",
            "price",
            "discount",
            "tax_rate",
        }
        if unknown:
            raise InputErrors({f"items.{index}.{sorted(unknown)[0]}": [_("Unknown field.")]})
        product: Product | None = None
        if item.get("product"):
            product = products.get(item["product"])
            if product is None:
                raise InputErrors({f"items.{index}.product": [_("Choose an existing product.")]})
        name = str(item.get("name") or (product.name if product else "")).strip()
        if not name:
            raise InputErrors({f"items.{index}.name": [_("This field is required.")]})
        if len(name) > 255:
            raise InputErrors({f"items.{index}.name": [_("Enter at most 255 characters.")]})
        price = item.get("price")
        if price in (None, "") and product is not None and product.price is not None:
            price = product.price
        tax = item.get("tax_rate")
        if tax in (None, "") and product is not None:
            tax = product.tax_rate or 0
        cleaned.append(
            LineItem(
                product=product,
                name=name,
                sku=str(item.get("sku") or (product.sku if product else ""))[:60],
                unit=str(item.get("unit") or (product.unit if product else ""))[:20],
                quantity=_decimal(item.get("quantity", 1), "quantity", index, minimum=0),
                price=_decimal(price, "price", index, minimum=0),
                discount=_decimal(
                    item.get("discount") or 0, "discount", index, minimum=0, maximum=100
                ),
                tax_rate=_decimal(tax or 0, "tax_rate", index, minimum=0, maximum=100),
                position=index,
            )
        )
    return cleaned


def set_line_items(user, deal, items: Any, *, version: int | None = None):
    """Replace the deal's line items; the deal's amount becomes their total."""
    spec = _spec("deal")
    permissions.require(user, "deal", "change", deal)
    cleaned = _clean_items(user, items)
    with transaction.atomic():
        locked = spec.queryset().select_for_update(of=("self",)).get(pk=deal.pk)
        if version is not None and int(version) != locked.version:
            raise services.Conflict(locked.version)
        LineItem.objects.filter(deal=locked).delete()
        for item in cleaned:
            item.deal = locked
        LineItem.objects.bulk_create(cleaned)
        total = sum((item.total for item in cleaned), Decimal(0))
        amount = total if cleaned else locked.amount
        updated = services.update_record(
            spec,
            user,
            locked,
            {"amount": str(amount) if amount is not None else None},
            check_permission=False,
        )
        if updated.version == locked.version:  # same total: still a change of the items
            type(locked).objects.filter(pk=locked.pk).update(version=locked.version + 1)
            updated.version = locked.version + 1
        services.record_activity(
            "deal",
            locked.pk,
            Activity.Kind.CHANGED,
            user,
            summary=_("Line items"),
            payload={"items": len(cleaned), "total": str(total)},
        )
    return updated


def set_deal_contacts(user, deal, entries: Any) -> list[DealContact]:
    """Replace the contacts of a deal with their roles: [{"contact": id, "role": "…"}]."""
    permissions.require(user, "deal", "change", deal)
    if not isinstance(entries, list) or len(entries) > 100:
        raise InputErrors({"contacts": [_("Send a list of at most 100 contacts.")]})
    wanted: dict[int, str] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("contact"), int):
            raise InputErrors({f"contacts.{index}": [_("Choose an existing contact.")]})
        role = str(entry.get("role") or "").strip()
        if len(role) > 100:
            raise InputErrors({f"contacts.{index}.role": [_("Enter at most 100 characters.")]})
        wanted[entry["contact"]] = role
    visible = permissions.restrict(_spec("contact").queryset(), user, "contact")
    found = set(visible.filter(pk__in=list(wanted)).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise InputErrors({"contacts": [_("Choose existing contacts you can see.")]})
    with transaction.atomic():
        DealContact.objects.filter(deal=deal).delete()
        rows = DealContact.objects.bulk_create(
            DealContact(deal=deal, contact_id=pk, role=role) for pk, role in wanted.items()
        )
        events.emit("deal.contacts_changed", id=deal.pk)
    return rows


# -- leads -----------------------------------------------------------------------------------


def disqualify_lead(user, lead, reason_id: Any, *, version: int | None = None):
    return services.update_record(
        _spec("lead"),
        user,
        lead,
        {"status": Lead.Status.DISQUALIFIED, "disqualification_reason": reason_id},
        version=version,
    )


def qualification_proposal(lead) -> dict:
    """What qualifying would create, for the form: the contact, the company (or the existing
    one of the same name) and the deal."""
    existing_company = _company_named(lead.company_name)
    return {
        "contact": {
            "first_name": lead.first_name,
            "last_name": lead.last_name or lead.company_name or _("Unknown"),
            "position": lead.position,
            "emails": list(lead.emails),
            "phones": list(lead.phones),
            "source": lead.source,
        },
        "company": {"name": lead.company_name, "existing": existing_company},
        "deal": {
            "name": lead.company_name or lead.full_name or _("New deal"),
            "amount": None,
            "stage": getattr(config.first_open_stage(config.default_pipeline_id()), "pk", None),
            "source": lead.source,
        },
    }


def _company_named(name: str):
    """The company of exactly this name (case and accents aside), found through the search
    index rather than a scan of the companies table."""
    wanted = search.terms_of(name)
    if not wanted:
        return None
    for _key, pk, title, _subtitle in search.entries_with_all_terms(("company",), wanted):
        if search.terms_of(title) == wanted:
            return _spec("company").queryset().filter(pk=pk).first()
    return None


def qualify_lead(
    user,
    lead,
    *,
    contact: dict | None = None,
    company: dict | int | None = None,
    deal: dict | None = None,
    existing_contact: int | None = None,
):
    """Convert a lead in one step into contact + company + deal, owned by the lead's owner.
    The lead's timeline is copied onto the new contact and deal; the lead is marked converted
    and points at what it became. `company` is an existing company's id, the fields of a new
    one, or None; `deal` None creates no deal."""
    lead_spec = _spec("lead")
    permissions.require(user, "lead", "change", lead)
    if lead.status in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
        raise InputErrors({"__all__": [_("Only an open lead can be qualified.")]})
    owner = lead.owner_id or (user.pk if user is not None else None)
    with transaction.atomic():
        company_obj = None
        if isinstance(company, int) and not isinstance(company, bool):
            company_obj = (
                permissions.restrict(_spec("company").queryset(), user, "company")
                .filter(pk=company)
                .first()
            )
            if company_obj is None:
                raise InputErrors({"company": [_("Choose an existing company you can see.")]})
        elif isinstance(company, dict) and company.get("name"):
            company_obj = _create_part("company", user, {**company, "owner": owner})
        if existing_contact is not None:
            contact_obj = (
                permissions.restrict(_spec("contact").queryset(), user, "contact")
                .filter(pk=existing_contact)
                .first()
            )
            if contact_obj is None:
                raise InputErrors({"contact": [_("Choose an existing contact you can see.")]})
        else:
            contact_data = {**(contact or {}), "owner": owner}
            if company_obj is not None:
                contact_data["company"] = company_obj.pk
            contact_obj = _create_part("contact", user, contact_data)
        deal_obj = None
        if deal is not None:
            deal_data = {**deal, "owner": owner, "contact": contact_obj.pk}
            if company_obj is not None:
                deal_data["company"] = company_obj.pk
            deal_obj = _create_part("deal", user, deal_data)
            type(deal_obj).objects.filter(pk=deal_obj.pk).update(lead=lead)
            deal_obj.lead = lead
            DealContact.objects.get_or_create(deal=deal_obj, contact=contact_obj)
        _copy_timeline(
            lead,
            [("contact", contact_obj.pk)]
            + ([("deal", deal_obj.pk)] if deal_obj is not None else []),
        )
        locked = lead_spec.queryset().select_for_update(of=("self",)).get(pk=lead.pk)
        type(locked).objects.filter(pk=lead.pk).update(
            status=Lead.Status.CONVERTED,
            contact=contact_obj,
            company=company_obj,
            deal=deal_obj,
            converted_at=timezone.now(),
            version=locked.version + 1,
            updated_at=timezone.now(),
        )
        targets = {
            "contact": contact_obj.pk,
            "company": getattr(company_obj, "pk", None),
            "deal": getattr(deal_obj, "pk", None),
        }
        services.record_activity(
            "lead",
            lead.pk,
            Activity.Kind.CONVERTED,
            user,
            summary=_("Qualified into a contact, a company and a deal"),
            payload={
                "changes": [{"field": "status", "old": lead.status, "new": "converted"}],
                **targets,
            },
        )
        for key, pk in targets.items():
            if pk is not None:
                services.record_activity(
                    key,
                    pk,
                    Activity.Kind.CONVERTED,
                    user,
                    summary=_("From lead %(title)s") % {"title": lead_spec.title(lead)},
                    payload={"lead": lead.pk},
                )
        lead_obj = lead_spec.queryset().get(pk=lead.pk)
        services.reindex(lead_spec, lead_obj)
        events.emit("lead.converted", id=lead.pk, **targets)
    return lead_obj, contact_obj, company_obj, deal_obj


def _create_part(key: str, user, data: dict):
    """Create through the generic service; errors are reported under the part's name. The
    lead itself holds the same email and phone, so no ownership look-up here."""
    try:
        return services.create_record(_spec(key), user, data, claim=False)
    except InputErrors as exc:
        raise InputErrors({f"{key}.{k}": v for k, v in exc.errors.items()})


def _copy_timeline(lead, targets: list[tuple[str, int]]) -> None:
    """The lead's history goes with the client: notes, calls, emails, meetings, enquiries."""
    kinds = (
        *Activity.USER_KINDS,
        Activity.Kind.ENQUIRY,
        Activity.Kind.TASK,
        Activity.Kind.TASK_DONE,
    )
    entries = list(Activity.objects.filter(entity="lead", object_id=lead.pk, kind__in=kinds))
    copies = []
    for key, pk in targets:
        for entry in entries:
            copies.append(
                Activity(
                    entity=key,
                    object_id=pk,
                    kind=entry.kind,
                    at=entry.at,
                    actor_id=entry.actor_id,
                    summary=entry.summary,
                    body=entry.body,
                    payload={**entry.payload, "copied_from": {"entity": "lead", "id": lead.pk}},
                )
            )
    Activity.objects.bulk_create(copies, batch_size=1000)
