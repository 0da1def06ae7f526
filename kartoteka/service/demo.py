"""Demo service desk on top of the demo card index: requests from demo contacts in every
state — new and unassigned, answered, waiting for the customer or a vendor, resolved and
rated, one breaching its SLA — so the queues, the SLA panel and the portal have something to
show. Texts are in the demo's language."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from kartoteka.timeline.models import Activity

from . import services, sla
from .models import Ticket

# (subject, description, type, priority, agent's answer)
REQUESTS = (
    (
        gettext_noop("Cannot log in after the password change"),
        gettext_noop("Since yesterday the system says my password is wrong, although I reset it."),
        "incident",
        "high",
        gettext_noop("We reset your account; please use the link we just sent you."),
    ),
    (
        gettext_noop("Invoice shows the wrong VAT rate"),
        gettext_noop("Our last invoice has 0% VAT instead of 23%. Please send a corrected one."),
        "complaint",
        "normal",
        gettext_noop("Sorry for the mistake — the corrected invoice is attached to this message."),
    ),
    (
        gettext_noop("How do I export my contacts?"),
        gettext_noop("I would like a spreadsheet of all our contacts. Where is the export?"),
        "question",
        "low",
        gettext_noop("Open the contact list, choose the columns you need and press Export."),
    ),
    (
        gettext_noop("Report takes minutes to open"),
        gettext_noop("The monthly sales report is very slow since Monday."),
        "bug",
        "normal",
        gettext_noop("We have asked the hosting provider to check the database server."),
    ),
    (
        gettext_noop("Please add a field for the tax number"),
        gettext_noop("We need to store the tax number of each client company."),
        "feature",
        "low",
        gettext_noop(
            "Good idea — an administrator can add it under Settings › Entities and fields."
        ),
    ),
    (
        gettext_noop("Access for our new colleague"),
        gettext_noop("Anna joined our team today and needs an account."),
        "access",
        "normal",
        gettext_noop("The account is ready; Anna will receive an email with the sign-in link."),
    ),
    (
        gettext_noop("Delivery has not arrived"),
        gettext_noop("The order from last week was due on Friday and is still not here."),
        "incident",
        "urgent",
        gettext_noop("We have contacted the courier and will tell you as soon as they answer."),
    ),
)
THANKS = gettext_noop("Thank you, that solved it.")


def load_service(users: dict, contacts: list, seed: int = 11) -> int:
    """Create tickets in the demo's language; returns how many."""
    admin = next((u for u in users.values() if u.is_superuser), None)
    with translation.override(admin.language if admin else None):
        return _load(users, contacts, seed)


def _load(users: dict, contacts: list, seed: int) -> int:
    rng = random.Random(seed)
    agents = [u for u in users.values() if u.role and u.role.key == "support_agent"]
    if not agents or not contacts:
        return 0
    agent = agents[0]
    now = timezone.now()
    with_email = [c for c in contacts if c.emails] or contacts
    count = 0
    for round_ in range(3):
        for index, (subject, description, type_, priority, answer) in enumerate(REQUESTS):
            contact = rng.choice(with_email)
            opened = now - dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8))
            state = (index + round_) % 5
            ticket = services.open_ticket(
                None,
                {
                    "subject": gettext(subject),
                    "description": gettext(description),
                    "contact": contact.pk,
                    "type": type_,
                    "priority": priority,
                    "owner": None if state == 0 else agent.pk,
                },
                channel=rng.choice([Ticket.Channel.EMAIL, Ticket.Channel.PORTAL, "phone"]),
                check_permission=False,
                at=opened,
            )
            count += 1
            Activity.objects.filter(entity="ticket", object_id=ticket.pk, kind="created").update(
                at=opened
            )
            if state == 0:
                continue  # new and unassigned
            answered = opened + dt.timedelta(hours=rng.randint(1, 6))
            if answered > now:
                answered = now
            next_status = {1: None, 2: "waiting_customer", 3: "waiting_third_party", 4: "resolved"}
            services.reply(
                agent,
                ticket,
                gettext(answer),
                status=next_status[state],
                send_mail=False,
                at=answered,
            )
            if state == 4 and rng.random() < 0.8:
                ticket.refresh_from_db()
                services.rate(ticket, contact, rng.choice([4, 5, 5, 3]), gettext(THANKS))
    sla.check(now)
    return count
