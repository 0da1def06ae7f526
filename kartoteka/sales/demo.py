"""Demo sales data on top of the demo card index: deals of the demo companies spread over the
pipeline (some won, some lost with a reason), open leads from every channel, and next steps
for part of them — so the board, the flags and the digest have something to show."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from kartoteka.platform import services
from kartoteka.platform.registry import registry

from . import config
from .models import Deal, Reason, StageChange

PRODUCTS = (
    gettext_noop("CRM licence"),
    gettext_noop("Onboarding"),
    gettext_noop("Support plan"),
    gettext_noop("Data migration"),
    gettext_noop("Training day"),
)
TASKS = (gettext_noop("Call back"), gettext_noop("Send the proposal"), gettext_noop("Meeting"))


def load_sales(users: dict, companies: list, contacts: list, seed: int = 7) -> tuple[int, int]:
    """Create deals and leads in the demo's language; returns (deals, leads)."""
    admin = next((u for u in users.values() if u.is_superuser), None)
    with translation.override(admin.language if admin else None):
        return _load(users, companies, contacts, seed)


def _load(users: dict, companies: list, contacts: list, seed: int) -> tuple[int, int]:
    from kartoteka.planner.services import create_task

    rng = random.Random(seed)
    sellers = [u for u in users.values() if u.role and u.role.key in ("manager", "head_of_sales")]
    if not sellers or not companies:
        return 0, 0
    admin = next(u for u in users.values() if u.is_superuser)
    pipeline = config.default_pipeline_id()
    stages = config.stages_of(pipeline)
    open_stages = [s for s in stages if s.is_open]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    loss_reasons = list(Reason.objects.filter(kind="loss", active=True))
    deal_spec, lead_spec = registry.get("deal"), registry.get("lead")
    now = timezone.now()
    by_company: dict[int, list] = {}
    for contact in contacts:
        by_company.setdefault(contact.company_id, []).append(contact)
    deals = 0
    for company in rng.sample(companies, k=max(1, len(companies) * 2 // 5)):
        owner = next((u for u in sellers if u.pk == company.owner_id), rng.choice(sellers))
        people = by_company.get(company.pk) or [None]
        roll = rng.random()
        target = won if roll < 0.2 else lost if roll < 0.35 else rng.choice(open_stages)
        data = {
            "name": f"{company.name}: {gettext(rng.choice(PRODUCTS))}",
            "amount": str(rng.randrange(5, 400) * 100),
            "company": company.pk,
            "contact": people[0].pk if people[0] else None,
            "owner": owner.pk,
            "stage": target.pk,
            "expected_close": (now + dt.timedelta(days=rng.randrange(-20, 90))).date().isoformat(),
        }
        if target is lost:
            data["lost_reason"] = rng.choice(loss_reasons).pk
        deal = services.create_record(deal_spec, admin, data, claim=False)
        started = now - dt.timedelta(days=rng.randrange(5, 180))
        moved = started + (now - started) * rng.uniform(0.2, 0.9)
        active = moved + (now - moved) * rng.uniform(0, 1)
        Deal.objects.filter(pk=deal.pk).update(
            created_at=started,
            stage_changed_at=moved,
            last_activity_at=active,
            closed_at=moved if not target.is_open else None,
        )
        StageChange.objects.filter(deal=deal).update(at=moved)
        if target.is_open and rng.random() < 0.6:
            create_task(
                owner,
                {
                    "title": gettext(rng.choice(TASKS)),
                    "kind": rng.choice(("call", "email", "meeting")),
                    "due_at": (now + dt.timedelta(days=rng.randrange(-3, 10), hours=2)).isoformat(),
                    "entity": "deal",
                    "object_id": deal.pk,
                    "assignee": owner.pk,
                },
            )
        deals += 1
    leads = 0
    channels = ("web_form", "email", "phone", "manual", "api")
    sources = ("website", "advertising", "exhibition", "referral", "social")
    for index in range(min(40, len(contacts))):
        model = contacts[-1 - index]  # names and domains like the demo's, new people
        owner = rng.choice(sellers)
        data = {
            "first_name": model.first_name,
            "last_name": f"{model.last_name}",
            "company_name": f"{rng.choice(companies).name} {index + 1}",
            "emails": [f"lead{index + 1}@{(model.emails or ['x@lead.example'])[0].split('@')[1]}"],
            "status": rng.choice(("new", "new", "in_work")),
            "channel": rng.choice(channels),
            "source": rng.choice(sources),
            "interest": gettext(rng.choice(PRODUCTS)),
            "owner": owner.pk,
        }
        services.create_record(lead_spec, admin, data, claim=False)
        leads += 1
    return deals, leads
