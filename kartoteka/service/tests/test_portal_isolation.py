"""A customer sees nothing but their own data: guessed ticket and file ids through every
portal URL are "not found" and write nothing, company sharing is opt-in, internal notes and
third-party contacts never reach the page, hostile input is escaped, downloads cannot run in
our origin, and forms need their CSRF token."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kartoteka.service import services
from kartoteka.service.models import Attachment, Message, PortalAccess, Ticket
from kartoteka.service.portal import services as portal_services
from kartoteka.service.tests.test_portal import (  # noqa: F401  (the shared fixtures)
    bob_fixture,
    open_for,
    portal_settings_fixture,
    signed_in,
    text_of,
    upload,
    vera_fixture,
    victor_fixture,
    vistula_fixture,
)

pytestmark = pytest.mark.django_db


def without_tokens(response) -> str:
    """The page without what differs by request, not by data: CSRF tokens (masked afresh on
    every render) and the language switch's way back to the page."""
    pattern = r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value="|name="next" value=")[^"]+'
    return re.sub(pattern, r"\1", text_of(response))


def file_of(name="secret.txt", data=b"bob's secret", content_type="text/plain"):
    return services.Upload(name=name, content_type=content_type, data=data)


@pytest.fixture
def bobs_ticket(bob, agent):
    ticket = open_for(bob, "Bob's confidential matter", uploads=[file_of()])
    services.reply(agent, ticket, "Answer for Bob only.", status=Ticket.Status.RESOLVED)
    return ticket


def snapshot():
    """Everything a portal write could change."""
    return (
        Message.objects.count(),
        Attachment.objects.count(),
        list(Ticket.objects.order_by("pk").values_list("status", "csat_score", "version")),
    )


def test_a_customer_cannot_open_anything_of_another_customers_ticket(vera, bobs_ticket):
    client = signed_in(vera)
    file_id = bobs_ticket.attachments.get().pk
    missing = Ticket.objects.order_by("-pk").first().pk + 1000
    before = snapshot()
    client.get("/portal/tickets/")  # the welcome notice is shown once, here

    not_found_page = client.get(f"/portal/tickets/{missing}/")
    assert not_found_page.status_code == 404
    for url in (
        f"/portal/tickets/{bobs_ticket.pk}/",
        f"/portal/attachments/{file_id}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        # the same page as for an id that does not exist: nothing to tell them apart
        assert without_tokens(response) == without_tokens(not_found_page)
    for url, data in (
        (f"/portal/tickets/{bobs_ticket.pk}/reply/", {"body": "Vera was here"}),
        (f"/portal/tickets/{bobs_ticket.pk}/rate/", {"score": "1", "comment": "bad"}),
    ):
        response = client.post(url, {**data, "attachments": [upload()]})
        assert response.status_code == 404, url
        assert "Bob" not in text_of(response)
    list_page = text_of(client.get("/portal/tickets/"))
    assert "confidential" not in list_page
    assert snapshot() == before


@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999999", "1e3", "%00", "1.0"])
def test_odd_ids_are_not_found_and_never_an_error(vera, pk):
    client = signed_in(vera)
    for url in (f"/portal/tickets/{pk}/", f"/portal/attachments/{pk}/", f"/portal/kb/{pk}/"):
        assert client.get(url).status_code == 404, url


def test_guessing_ids_is_the_same_for_a_signed_out_visitor(client, bobs_ticket):
    for url in (f"/portal/tickets/{bobs_ticket.pk}/", "/portal/attachments/1/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/portal/login/"
    before = snapshot()
    client.post(f"/portal/tickets/{bobs_ticket.pk}/reply/", {"body": "anon"})
    client.post(f"/portal/tickets/{bobs_ticket.pk}/rate/", {"score": "1"})
    assert snapshot() == before


def test_the_api_does_not_open_another_customers_ticket_either(vera, bobs_ticket):
    client = signed_in(vera)
    for url in (
        f"/api/v1/entities/ticket/records/{bobs_ticket.pk}",
        "/api/v1/entities/ticket/records",
    ):
        assert client.get(url).status_code == 401
    response = client.post(
        "/api/v1/entities/ticket/records",
        {"subject": "via api", "contact": bobs_ticket.contact_id},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not Ticket.objects.filter(subject="via api").exists()


def test_colleagues_tickets_stay_private_unless_company_sharing_is_on(vera, victor, bob):
    victors = open_for(victor, "Victor's laptop")
    bobs = open_for(bob, "Bob's printer")
    client = signed_in(vera)
    assert client.get(f"/portal/tickets/{victors.pk}/").status_code == 404
    assert "Victor's laptop" not in text_of(client.get("/portal/tickets/"))

    PortalAccess.objects.filter(contact=vera).update(company_tickets=True)
    listing = text_of(client.get("/portal/tickets/"))
    assert "Victor&#x27;s laptop" in listing and "by Victor Lis" in listing
    assert "Bob" not in listing
    page = client.get(f"/portal/tickets/{victors.pk}/")
    assert page.status_code == 200
    assert client.get(f"/portal/tickets/{bobs.pk}/").status_code == 404
    # a colleague may add to the conversation, but the rating is the requester's
    response = client.post(f"/portal/tickets/{victors.pk}/reply/", {"body": "Same here."})
    assert response.status_code == 302
    assert victors.messages.filter(author_contact=vera).exists()
    Ticket.objects.filter(pk=victors.pk).update(status=Ticket.Status.RESOLVED)
    assert 'name="score"' not in text_of(client.get(f"/portal/tickets/{victors.pk}/"))
    assert client.post(f"/portal/tickets/{victors.pk}/rate/", {"score": "1"}).status_code == 404
    victors.refresh_from_db()
    assert victors.csat_score is None

    PortalAccess.objects.filter(contact=vera).update(company_tickets=False)
    assert client.get(f"/portal/tickets/{victors.pk}/").status_code == 404


def test_company_sharing_leaves_out_our_internal_requests_about_the_company(
    vera, vistula, agent, bob
):
    internal = services.open_ticket(
        agent,
        {
            "subject": "Renew the Vistula contract",
            "requester_user": agent.pk,
            "company": vistula.pk,
        },
    )
    stranger = open_for(bob, "Bob's note about Vistula", company=vistula.pk)
    assert stranger.company_id == vistula.pk
    PortalAccess.objects.create(contact=vera, company_tickets=True)
    client = signed_in(vera)
    assert "Vistula contract" not in text_of(client.get("/portal/tickets/"))
    for ticket in (internal, stranger):
        assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 404


def test_company_sharing_without_a_company_shows_only_ones_own(make, bob):
    loner = make("contact", first_name="Lena", last_name="Solo", emails="lena@example.com")
    open_for(bob, "Bob's printer")  # Bob's ticket has a company; Lena has none
    mine = open_for(loner, "Lena's question")
    Ticket.objects.filter(pk=mine.pk).update(company=None)
    client = signed_in(loner)
    PortalAccess.objects.filter(contact=loner).update(company_tickets=True)
    listing = text_of(client.get("/portal/tickets/"))
    assert "Lena&#x27;s question" in listing and "Bob" not in listing


def test_internal_notes_and_third_party_contacts_never_reach_the_customer(vera, agent):
    ticket = open_for(vera)
    services.reply(agent, ticket, "We are on it.")
    note = services.note(
        agent, ticket, "NOTE: refund limit exceeded", uploads=[file_of("internal.txt")]
    )
    services.log_vendor_contact(agent, ticket, "VENDOR: escalated to the supplier")
    client = signed_in(vera)
    html = text_of(client.get(f"/portal/tickets/{ticket.pk}/"))
    assert "We are on it." in html
    assert "NOTE:" not in html and "VENDOR:" not in html and "internal.txt" not in html
    assert "next_due" not in html and "SLA" not in html and "sofia@" not in html
    internal_file = note.attachments.get()
    assert client.get(f"/portal/attachments/{internal_file.pk}/").status_code == 404


def test_hostile_text_and_file_names_are_shown_escaped(vera, agent):
    ticket = open_for(
        vera,
        "<script>alert('subject')</script>",
        uploads=[
            file_of(
                '"><img src=x onerror=alert(1)>.html', b"<script>alert(2)</script>", "text/html"
            )
        ],
    )
    services.reply(agent, ticket, "<img src=x onerror=alert('reply')>")
    client = signed_in(vera)
    for url in ("/portal/tickets/", f"/portal/tickets/{ticket.pk}/"):
        html = text_of(client.get(url))
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(&#x27;subject&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#x27;reply&#x27;)&gt;" in html


def test_a_download_is_always_an_attachment_that_cannot_run_in_our_origin(vera):
    ticket = open_for(
        vera,
        uploads=[
            file_of("page.html", b"<script>alert(1)</script>", "text/html"),
            file_of("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"),
            file_of("photo.png", b"\x89PNG", "image/png"),
        ],
    )
    client = signed_in(vera)
    by_name = {a.name: a for a in ticket.attachments.all()}
    for name, expected in (
        ("page.html", "application/octet-stream"),
        ("logo.svg", "application/octet-stream"),
        ("photo.png", "image/png"),
    ):
        response = client.get(f"/portal/attachments/{by_name[name].pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == expected, name
        assert response["Content-Disposition"].startswith("attachment;"), name
        assert name in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert (
            b"".join(response.streaming_content)
            == {
                "page.html": b"<script>alert(1)</script>",
                "logo.svg": b"<svg onload='alert(1)'/>",
                "photo.png": b"\x89PNG",
            }[name]
        )


def test_forms_need_their_csrf_token(vera):
    ticket = open_for(vera)
    client = Client(enforce_csrf_checks=True)
    token = portal_services.create_link(vera)
    assert client.post(f"/portal/login/{token}/").status_code == 403
    assert client.post("/portal/login/", {"email": "vera@vistula.example"}).status_code == 403

    # signed in properly (the page's token), the reply without one is still refused
    page = client.get(f"/portal/login/{token}/")
    csrf = client.cookies["csrftoken"].value
    assert client.post(f"/portal/login/{token}/", {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert client.cookies["csrftoken"].value != csrf  # a new token with the new session
    csrf = client.cookies["csrftoken"].value
    before = snapshot()
    assert client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "x"}).status_code == 403
    assert client.post("/portal/logout/").status_code == 403
    assert snapshot() == before
    assert page.status_code == 200
    ok = client.post(
        f"/portal/tickets/{ticket.pk}/reply/", {"body": "with token", "csrfmiddlewaretoken": csrf}
    )
    assert ok.status_code == 302
