"""Leads: status rules, qualification into contact + company + deal, and ownership rights —
a client registered by one manager is not re-created or taken by another."""

from __future__ import annotations

import pytest

from kartoteka.contacts.models import Company, Contact
from kartoteka.platform import ownership
from kartoteka.platform import services as platform_services
from kartoteka.platform.fields import InputErrors
from kartoteka.sales import services
from kartoteka.sales.models import Deal, Lead, Reason
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db


def lead_of(make, owner, **data):
    values = {
        "first_name": "Olga",
        "last_name": "Petrova",
        "company_name": "Volga Trade",
        "emails": "olga@volga.example",
        **data,
    }
    return make("lead", owner, owner=owner, **values)


def test_a_lead_needs_something_to_call_it_by(manager, make):
    with pytest.raises(InputErrors) as refused:
        make("lead", manager, interest="Wants a quote")

    assert "Enter a name, a company" in refused.value.first_message


def test_disqualifying_needs_a_reason_from_the_list(manager, make):
    lead = lead_of(make, manager)
    reason = Reason.objects.filter(kind="disqualification").first()
    loss = Reason.objects.filter(kind="loss").first()

    with pytest.raises(InputErrors):
        services.disqualify_lead(manager, lead, None)
    with pytest.raises(InputErrors):
        services.disqualify_lead(manager, lead, loss.pk)  # a loss reason is not one of these
    done = services.disqualify_lead(manager, lead, reason.pk)

    assert done.status == "disqualified" and done.disqualification_reason == reason


def test_converted_is_set_only_by_qualifying(manager, make):
    lead = lead_of(make, manager)

    with pytest.raises(InputErrors) as refused:
        platform_services.update_record(
            platform_services.registry.get("lead"), manager, lead, {"status": "converted"}
        )

    assert "qualify" in refused.value.first_message


def test_qualifying_creates_contact_company_and_deal_and_keeps_the_timeline(manager, make):
    lead = lead_of(make, manager, phones="+48 601 234 567")
    spec = platform_services.registry.get("lead")
    platform_services.add_activity(spec, manager, lead, {"kind": "call", "body": "Wants 20"})

    lead, contact, company, deal = services.qualify_lead(
        manager,
        lead,
        contact=services.qualification_proposal(lead)["contact"],
        company={"name": "Volga Trade"},
        deal={"name": "Volga: 20 licences", "amount": "2000"},
    )

    assert lead.status == "converted" and lead.converted_at is not None
    assert (lead.contact, lead.company, lead.deal) == (contact, company, deal)
    assert contact.emails == ["olga@volga.example"] and contact.company == company
    assert contact.owner == company.owner == deal.owner == manager
    assert deal.company == company and deal.contact == contact and deal.lead == lead
    for key, pk in (("contact", contact.pk), ("deal", deal.pk)):
        assert Activity.objects.filter(entity=key, object_id=pk, body="Wants 20").exists()
    with pytest.raises(InputErrors):
        services.qualify_lead(manager, lead, contact={"last_name": "Again"})


def test_qualifying_with_a_bad_part_writes_nothing(manager, make):
    lead = lead_of(make, manager)

    with pytest.raises(InputErrors) as refused:
        services.qualify_lead(
            manager,
            lead,
            contact={"last_name": "Petrova"},
            company={"name": "Volga"},
            deal={"name": "", "amount": "-5"},
        )

    assert any(key.startswith("deal.") for key in refused.value.errors)
    assert not Company.objects.exists() and not Contact.objects.exists()
    assert not Deal.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_the_qualify_page_converts_and_opens_the_deal(client, manager, make):
    lead = lead_of(make, manager)
    client.force_login(manager)
    form = client.get(f"/sales/leads/{lead.pk}/qualify/")
    assert form.status_code == 200 and "Volga Trade" in form.content.decode()

    response = client.post(
        f"/sales/leads/{lead.pk}/qualify/",
        {
            "first_name": "Olga",
            "last_name": "Petrova",
            "company_choice": "new",
            "company_name": "Volga Trade",
            "deal_create": "1",
            "deal_name": "Volga deal",
            "deal_amount": "1500",
        },
    )

    deal = Deal.objects.get(name="Volga deal")
    assert response.status_code == 302 and response["Location"] == f"/e/deal/{deal.pk}/"


def test_a_colleagues_client_is_not_taken_the_enquiry_lands_on_their_card(
    client, manager, colleague, make
):
    contact = make(
        "contact",
        colleague,
        first_name="Olga",
        last_name="Petrova",
        emails="olga@volga.example",
        owner=colleague,
    )
    client.force_login(manager)

    response = client.post(
        "/api/v1/entities/lead/records",
        {
            "first_name": "O.",
            "last_name": "Petrova",
            "emails": ["OLGA@volga.example"],
            "interest": "Wants a quote for 30 seats",
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    attached = response.json()["attached_to"]
    assert attached == {
        "entity": "contact",
        "id": contact.pk,
        "title": "Olga Petrova",
        "owner": colleague.pk,
        "owner_name": str(colleague),
        "reason": "same email olga@volga.example",
    }
    assert not Lead.objects.exists()
    enquiry = Activity.objects.get(entity="contact", object_id=contact.pk, kind="enquiry")
    assert "30 seats" in enquiry.body
    contact.refresh_from_db()
    assert contact.owner == colleague


def test_same_name_at_the_same_company_is_the_same_client(manager, colleague, make):
    lead_of(make, colleague, emails="")

    with pytest.raises(ownership.AttachedToExisting) as attached:
        make("lead", manager, first_name="olga", last_name="PETROVA", company_name="Volga  Trade")

    assert attached.value.match.reason == "same name and company"
    assert Lead.objects.count() == 1


def test_nobody_but_head_or_administrator_reassigns_a_client(manager, colleague, head, make):
    lead = lead_of(make, manager)
    spec = platform_services.registry.get("lead")

    with pytest.raises(InputErrors) as refused:
        platform_services.update_record(spec, manager, lead, {"owner": colleague.pk})
    assert "only assign records to yourself" in refused.value.first_message

    moved = platform_services.update_record(spec, head, lead, {"owner": colleague.pk})
    assert moved.owner == colleague


def test_one_owns_what_one_registered_first_and_may_add_it_again_with_a_warning(manager, make):
    lead_of(make, manager)

    again = lead_of(make, manager, first_name="Olga", interest="Second enquiry")

    assert Lead.objects.count() == 2 and again.owner == manager
