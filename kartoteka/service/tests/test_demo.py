"""The demo's service desk: requests in every state, in the demo's language, with SLA
records, so a newcomer's queues and portal are not empty."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kartoteka.service.models import SlaTarget, Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_has_tickets_in_every_state_in_its_language():
    call_command("demo", stdout=StringIO(), companies=10, contacts=20, language="pl")
    tickets = Ticket.objects.all()
    assert tickets.count() == 21
    statuses = set(tickets.values_list("status", flat=True))
    assert {"new", "open", "waiting_customer", "waiting_third_party", "resolved"} <= statuses
    assert tickets.filter(owner__isnull=True).exists()
    assert tickets.filter(csat_score__isnull=False).exists()
    assert tickets.filter(subject="Faktura ma złą stawkę VAT").exists()
    assert SlaTarget.objects.filter(state="met").exists()
    assert SlaTarget.objects.filter(state="breached").exists()
