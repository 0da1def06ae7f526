"""The customer portal: signing in by an emailed one-time link, the customer's requests
(list, new with files, conversation, reply, rating), the knowledge base and feedback.

Isolation between customers (guessed ids, company sharing, hidden messages, hostile input)
is in test_portal_isolation.py; both share the customers made here."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kartoteka.knowledge.models import Article, ArticleVote
from kartoteka.service import services
from kartoteka.service.models import (
    Attachment,
    Feedback,
    Message,
    PortalAccess,
    PortalLink,
    Ticket,
)
from kartoteka.service.portal import services as portal_services
from kartoteka.service.portal import views as portal_views
from kartoteka.service.portal.access import SESSION_KEY

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/portal/login/([A-Za-z0-9_-]+)/")


# -- shared customers and helpers (test_portal_isolation.py imports these) -----------------------


@pytest.fixture(name="portal_settings", autouse=True)
def portal_settings_fixture(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "http://testserver"
    cache.clear()  # throttle counters live in the cache
    yield settings
    cache.clear()


@pytest.fixture(name="vistula")
def vistula_fixture(make):
    return make("company", name="Vistula Ltd")


@pytest.fixture(name="vera")
def vera_fixture(make, vistula):
    return make(
        "contact",
        first_name="Vera",
        last_name="Nowak",
        company=vistula.pk,
        emails="vera@vistula.example",
    )


@pytest.fixture(name="victor")
def victor_fixture(make, vistula):
    """Vera's colleague at Vistula."""
    return make(
        "contact",
        first_name="Victor",
        last_name="Lis",
        company=vistula.pk,
        emails="victor@vistula.example",
    )


@pytest.fixture(name="bob")
def bob_fixture(make):
    """A customer of another company."""
    oder = make("company", name="Oder GmbH")
    return make(
        "contact", first_name="Bob", last_name="Brandt", company=oder.pk, emails="bob@oder.example"
    )


def open_for(contact, subject="The printer is offline", uploads=(), **data) -> Ticket:
    return services.open_ticket(
        None,
        {
            "subject": subject,
            "description": f"{subject}. Please help.",
            "contact": contact.pk,
            **data,
        },
        channel="portal",
        uploads=uploads,
        check_permission=False,
    )


def signed_in(contact, client: Client | None = None) -> Client:
    """A browser signed in as the contact, the way a customer does it: by a link's button."""
    client = client or Client()
    token = portal_services.create_link(contact)
    response = client.post(f"/portal/login/{token}/")
    assert response.status_code == 302, response.content[:500]
    return client


def upload(name="report.txt", data=b"hello", content_type="text/plain"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def text_of(response) -> str:
    return response.content.decode()


# -- signing in ---------------------------------------------------------------------------------


def test_a_customer_signs_in_with_the_link_mailed_to_them(client, vera):
    client.get("/portal/")
    response = client.post("/portal/login/", {"email": "  Vera@Vistula.EXAMPLE "})
    assert response.status_code == 302 and response["Location"] == "/portal/login/sent/"
    assert "If the address is known to us" in text_of(client.get(response["Location"]))

    [sent] = mail.outbox
    assert sent.to == ["vera@vistula.example"]
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    token = LINK.search(sent.body).group(1)
    link = PortalLink.objects.get(contact=vera)
    assert token not in link.token_hash and len(link.token_hash) == 64  # only the hash is kept
    assert dt.timedelta(minutes=29) < link.expires_at - timezone.now() <= dt.timedelta(minutes=30)

    # opening the link (or a mail scanner prefetching it) only shows a button
    page = client.get(f"/portal/login/{token}/")
    assert page.status_code == 200 and "Sign in" in text_of(page)
    assert PortalLink.objects.get(pk=link.pk).used_at is None
    assert SESSION_KEY not in client.session

    before = client.session.session_key
    response = client.post(f"/portal/login/{token}/")
    assert response.status_code == 302 and response["Location"] == "/portal/tickets/"
    assert client.session[SESSION_KEY] == vera.pk
    assert client.session.session_key != before  # a new session key: no fixation
    assert PortalLink.objects.get(pk=link.pk).used_at is not None
    assert PortalAccess.objects.get(contact=vera).last_login_at is not None

    tickets = client.get("/portal/tickets/")
    assert tickets.status_code == 200
    assert "Vera Nowak" in text_of(tickets) and "Welcome, Vera." in text_of(tickets)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, vera):
    known = client.post("/portal/login/", {"email": "vera@vistula.example"})
    unknown = client.post("/portal/login/", {"email": "nobody@vistula.example"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["vera@vistula.example"]]
    assert PortalLink.objects.count() == 1


def test_a_blocked_contact_gets_no_link_and_an_old_one_stops_working(client, vera):
    token = portal_services.create_link(vera)
    PortalAccess.objects.create(contact=vera, blocked=True)
    response = client.post("/portal/login/", {"email": "vera@vistula.example"})
    assert response["Location"] == "/portal/login/sent/"
    assert mail.outbox == []
    assert client.post(f"/portal/login/{token}/").status_code == 410
    assert SESSION_KEY not in client.session


def test_an_address_only_in_a_custom_field_opens_nothing(client, make):
    from kartoteka.platform.models import ContactPoint

    # an email-like custom field value is indexed too; it is not the contact's own address
    contact = make("contact", last_name="Other")
    ContactPoint.objects.create(
        entity="contact", object_id=contact.pk, kind="email", value="assistant@example.com"
    )
    client.post("/portal/login/", {"email": "assistant@example.com"})
    assert mail.outbox == []


def test_something_that_is_not_an_address_is_refused_clearly(client, vera):
    for bad in ("", "vera", "a" * 300 + "@example.com", "<script>@x"):
        response = client.post("/portal/login/", {"email": bad})
        assert response.status_code == 422
        html = text_of(response)
        assert any(
            message in html
            for message in (
                "Enter a valid email address.",
                "This field is required.",
                "at most 254",
            )
        )
    assert "<script>@x" not in html
    assert mail.outbox == []


def test_a_link_works_only_once(client, vera):
    token = portal_services.create_link(vera)
    signed_in_first = client.post(f"/portal/login/{token}/")
    assert signed_in_first.status_code == 302
    other = Client()
    again = other.post(f"/portal/login/{token}/")
    assert again.status_code == 410
    assert "This link no longer works" in text_of(again)
    assert 'name="email"' in text_of(again)  # a form for a new link
    assert SESSION_KEY not in other.session


def test_using_one_link_retires_the_others(client, vera):
    first = portal_services.create_link(vera)
    second = portal_services.create_link(vera)
    assert client.post(f"/portal/login/{second}/").status_code == 302
    assert Client().post(f"/portal/login/{first}/").status_code == 410


def test_an_expired_link_is_refused_with_a_way_to_get_a_new_one(client, vera):
    token = portal_services.create_link(vera)
    PortalLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for method in (client.get, client.post):
        response = method(f"/portal/login/{token}/")
        assert response.status_code == 410
        assert "Send a new link" in text_of(response)
    assert SESSION_KEY not in client.session
    assert PortalLink.objects.get().used_at is None


@pytest.mark.parametrize(
    "token", ["x" * 43, "short", "a" * 101, "%3Cscript%3E", "..%2F..%2Fetc", "-" * 43]
)
def test_a_wrong_token_is_refused(client, vera, token):
    portal_services.create_link(vera)
    response = client.post(f"/portal/login/{token}/")
    assert response.status_code in (404, 410)
    assert SESSION_KEY not in client.session


def test_asking_for_links_is_throttled_per_address_known_or_not(client, vera, portal_settings):
    portal_settings.PORTAL_LINK_LIMIT = 3
    for address in ("vera@vistula.example", "nobody@vistula.example"):
        answers = [client.post("/portal/login/", {"email": address}).status_code for _ in range(4)]
        assert answers == [302, 302, 302, 429]
    refused = client.post("/portal/login/", {"email": "VERA@vistula.example"})
    assert refused.status_code == 429 and "Try again in" in text_of(refused)
    assert len(mail.outbox) == 3


def test_asking_for_links_is_throttled_per_client(client, vera, portal_settings):
    portal_settings.PORTAL_LINK_CLIENT_LIMIT = 2
    assert client.post("/portal/login/", {"email": "a@example.com"}).status_code == 302
    assert client.post("/portal/login/", {"email": "b@example.com"}).status_code == 302
    refused = client.post("/portal/login/", {"email": "vera@vistula.example"})
    assert refused.status_code == 429
    assert mail.outbox == []
    # another network is not affected
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.post("/portal/login/", {"email": "vera@vistula.example"}).status_code == 302


def test_guessing_tokens_is_throttled_per_client(client, vera, portal_settings):
    portal_settings.PORTAL_TOKEN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert client.post(f"/portal/login/{'g' * 43}/").status_code == 410
    token = portal_services.create_link(vera)
    assert client.post(f"/portal/login/{token}/").status_code == 429  # even a good one, now
    assert SESSION_KEY not in client.session


def test_signing_out_ends_the_portal_session(vera):
    client = signed_in(vera)
    assert client.get("/portal/logout/").status_code == 405
    response = client.post("/portal/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/portal/tickets/")["Location"] == "/portal/login/"


def test_a_signed_out_customer_comes_back_to_the_page_they_asked_for(client, vera):
    ticket = open_for(vera)
    response = client.get(f"/portal/tickets/{ticket.pk}/")
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    token = portal_services.create_link(vera)
    response = client.post(f"/portal/login/{token}/")
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"


def test_blocking_a_signed_in_customer_signs_them_out(vera):
    client = signed_in(vera)
    PortalAccess.objects.filter(contact=vera).update(blocked=True)
    assert client.get("/portal/tickets/").status_code == 302


def test_a_staff_sign_in_gives_no_portal_access(client, agent, vera):
    open_for(vera)
    client.force_login(agent)
    response = client.get("/portal/tickets/")
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    assert client.get("/portal/").status_code == 200  # the sign-in form, not a ticket list


def test_a_staff_users_language_does_not_reach_the_portal(client, agent):
    agent.language = "ru"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in text_of(page)
    client.cookies["django_language"] = "pl"
    assert '<html lang="pl">' in text_of(client.get("/portal/kb/"))


@pytest.mark.parametrize(
    "url",
    [
        "/e/contact/",
        "/service/",
        "/",
        "/api/v1/entities/ticket/records",
        "/api/v1/entities/contact/records",
    ],
)
def test_a_portal_session_opens_no_staff_page_or_api(vera, make, url):
    client = signed_in(vera)
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_portal_session_cannot_read_a_record_through_the_api(vera):
    ticket = open_for(vera)
    client = signed_in(vera)
    assert client.get(f"/api/v1/entities/ticket/records/{ticket.pk}").status_code == 401
    assert client.get(f"/api/v1/entities/contact/records/{vera.pk}").status_code == 401


# -- requests -------------------------------------------------------------------------------------


def test_the_list_shows_the_customers_requests_newest_first_with_their_status(vera, monkeypatch):
    older = open_for(vera, "Older problem")
    Ticket.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    newer = open_for(vera, "Newer problem")
    Ticket.objects.filter(pk=newer.pk).update(status=Ticket.Status.WAITING_CUSTOMER)
    client = signed_in(vera)
    html = text_of(client.get("/portal/tickets/"))
    assert html.index("Newer problem") < html.index("Older problem")
    assert "Waiting for your reply" in html and "Received" in html

    monkeypatch.setattr(portal_views, "PAGE_SIZE", 1)
    first = client.get("/portal/tickets/")
    assert "Newer problem" in text_of(first) and "Older problem" not in text_of(first)
    cursor = re.search(r'href="\?after=([^"]+)"', text_of(first)).group(1)
    second = client.get(f"/portal/tickets/?after={cursor}")
    assert "Older problem" in text_of(second) and "Newer problem" not in text_of(second)
    assert client.get("/portal/tickets/?after=garbage").status_code == 404


def test_a_customer_opens_a_request_with_files(vera):
    client = signed_in(vera)
    form = client.get("/portal/tickets/new/")
    assert form.status_code == 200
    assert 'hx-trigger="keyup changed delay:500ms"' in text_of(form)
    assert 'value="access"' not in text_of(form)  # only the customer's types
    response = client.post(
        "/portal/tickets/new/",
        {
            "subject": "Invoice 42 is wrong",
            "description": "The VAT is 23%, not 32%.",
            "type": "complaint",
            "attachments": [upload("invoice.pdf", b"%PDF-1.4", "application/pdf"), upload()],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.contact, ticket.company_id, ticket.channel, ticket.type, ticket.owner) == (
        vera,
        vera.company_id,
        "portal",
        "complaint",
        None,
    )
    first = ticket.messages.get()
    assert first.body == "The VAT is 23%, not 32%."
    assert sorted(a.name for a in first.attachments.all()) == ["invoice.pdf", "report.txt"]
    page = client.get(response["Location"])
    assert "Invoice 42 is wrong" in text_of(page) and "invoice.pdf" in text_of(page)
    assert "We received your request" in text_of(page)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"subject": "", "description": "x", "type": "question"}, "This field is required."),
        ({"subject": "Hi", "description": "", "type": "question"}, "This field is required."),
        ({"subject": "Hi", "description": "x", "type": "access"}, "Select a valid choice."),
        ({"subject": "x" * 256, "description": "x", "type": "bug"}, "at most 255 characters"),
    ],
)
def test_an_incomplete_request_is_refused_clearly_and_nothing_is_written(vera, data, message):
    client = signed_in(vera)
    response = client.post("/portal/tickets/new/", data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert Ticket.objects.count() == 0


def test_too_many_or_too_large_files_are_refused_clearly(vera, portal_settings):
    portal_settings.SERVICE_MAX_ATTACHMENT_BYTES = 1024 * 1024
    client = signed_in(vera)
    data = {"subject": "Files", "description": "See the files.", "type": "question"}
    many = client.post(
        "/portal/tickets/new/",
        {**data, "attachments": [upload(f"f{i}.txt") for i in range(services.ATTACHMENTS_MAX + 1)]},
    )
    assert many.status_code == 422
    assert f"Attach at most {services.ATTACHMENTS_MAX} files." in text_of(many)
    large = client.post(
        "/portal/tickets/new/",
        {**data, "attachments": [upload("big.bin", b"0" * (1024 * 1024 + 1))]},
    )
    assert large.status_code == 422
    assert "big.bin is larger than 1 MB." in text_of(large)
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_suggestions_while_typing_are_public_articles_only(vera, admin_user):
    from kartoteka.knowledge import services as kb

    public = kb.create_article(
        admin_user,
        {
            "title": "Printer offline",
            "body": "Restart the printer.",
            "visibility": "public",
            "status": "published",
        },
    )
    kb.create_article(
        admin_user,
        {
            "title": "Printer offline internal",
            "body": "Call the vendor.",
            "visibility": "internal",
            "status": "published",
        },
    )
    kb.create_article(
        admin_user,
        {
            "title": "Printer offline draft",
            "body": "Soon.",
            "visibility": "public",
            "status": "draft",
        },
    )
    client = signed_in(vera)
    response = client.get(
        "/portal/tickets/new/suggest/",
        {"subject": "printer", "description": "is offline"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = text_of(response)
    assert f"/portal/kb/{public.pk}/" in html
    assert "internal" not in html and "draft" not in html
    assert "<html" not in html  # a fragment
    assert Client().get("/portal/tickets/new/suggest/?subject=printer").status_code == 302


def test_the_conversation_shows_public_messages_and_the_agents_first_name_only(vera, agent):
    agent.last_name = "Kowalczyk"
    agent.save(update_fields=["last_name"])
    ticket = open_for(vera)
    services.reply(agent, ticket, "Please restart it.")
    services.note(agent, ticket, "Internal: customer is grumpy.")
    services.log_vendor_contact(agent, ticket, "Called HP support, case 123.")
    client = signed_in(vera)
    html = text_of(client.get(f"/portal/tickets/{ticket.pk}/"))
    assert "Please restart it." in html and "Sofia" in html
    assert "Kowalczyk" not in html and "sofia@example.com" not in html
    assert "grumpy" not in html and "HP support" not in html
    assert html.index("Please help.") < html.index("Please restart it.")


def test_a_customer_replies_with_a_file_and_a_resolved_request_reopens(vera, agent):
    ticket = open_for(vera)
    services.reply(agent, ticket, "Fixed, I think.", status=Ticket.Status.RESOLVED)
    client = signed_in(vera)
    response = client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {"body": "Still broken.", "attachments": [upload("photo.png", b"\x89PNG", "image/png")]},
    )
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ticket, kind="customer").last()
    assert (message.body, message.author_contact, message.via) == ("Still broken.", vera, "portal")
    assert [a.name for a in message.attachments.all()] == ["photo.png"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REOPENED


def test_an_empty_reply_is_refused_and_nothing_is_written(vera):
    ticket = open_for(vera)
    client = signed_in(vera)
    response = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "   "})
    assert response.status_code == 422 and "This field is required." in text_of(response)
    assert ticket.messages.count() == 1


def test_a_resolved_request_asks_for_a_rating_and_keeps_it(vera, agent):
    ticket = open_for(vera)
    client = signed_in(vera)
    assert 'name="score"' not in text_of(client.get(f"/portal/tickets/{ticket.pk}/"))
    services.set_status(agent, ticket, Ticket.Status.RESOLVED)
    page = text_of(client.get(f"/portal/tickets/{ticket.pk}/"))
    assert page.count('type="radio" name="score"') == 5 and "<legend" in page
    response = client.post(
        f"/portal/tickets/{ticket.pk}/rate/", {"score": "5", "comment": "Quick!"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (5, "Quick!")
    page = text_of(client.get(f"/portal/tickets/{ticket.pk}/"))
    assert "5 of 5" in page and "Change your rating" in page
    client.post(f"/portal/tickets/{ticket.pk}/rate/", {"score": "3"})
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (3, "")


@pytest.mark.parametrize("score", ["0", "6", "-1", "five", "", "3.5", "99999999999999999999"])
def test_a_rating_out_of_range_is_refused_and_nothing_changes(vera, agent, score):
    ticket = open_for(vera)
    services.set_status(agent, ticket, Ticket.Status.RESOLVED)
    client = signed_in(vera)
    response = client.post(f"/portal/tickets/{ticket.pk}/rate/", {"score": score})
    assert response.status_code == 422
    ticket.refresh_from_db()
    assert ticket.csat_score is None


def test_an_open_request_cannot_be_rated(vera):
    ticket = open_for(vera)
    client = signed_in(vera)
    response = client.post(f"/portal/tickets/{ticket.pk}/rate/", {"score": "5"})
    assert response.status_code == 422
    assert "You can rate a request once it is resolved." in text_of(response)
    ticket.refresh_from_db()
    assert ticket.csat_score is None


def test_a_too_long_rating_comment_is_refused(vera, agent):
    ticket = open_for(vera)
    services.set_status(agent, ticket, Ticket.Status.RESOLVED)
    client = signed_in(vera)
    response = client.post(
        f"/portal/tickets/{ticket.pk}/rate/", {"score": "4", "comment": "x" * 2001}
    )
    assert response.status_code == 422
    ticket.refresh_from_db()
    assert ticket.csat_score is None


def test_a_merged_request_leads_to_the_one_it_was_merged_into(vera, agent):
    keep = open_for(vera, "Printer")
    duplicate = open_for(vera, "Printer again")
    services.merge(agent, keep, duplicate)
    client = signed_in(vera)
    response = client.get(f"/portal/tickets/{duplicate.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{keep.pk}/"
    assert client.post(f"/portal/tickets/{duplicate.pk}/reply/", {"body": "Hi"}).status_code == 404


# -- feedback --------------------------------------------------------------------------------------


def test_a_customer_leaves_a_suggestion(vera):
    client = signed_in(vera)
    page = text_of(client.get("/portal/tickets/"))
    assert 'href="/portal/feedback/"' in page
    response = client.post(
        "/portal/feedback/", {"kind": "suggestion", "text": "Open on Saturdays."}
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.contact, feedback.kind, feedback.text) == (
        vera,
        "suggestion",
        "Open on Saturdays.",
    )
    assert "Thank you!" in text_of(client.get("/portal/feedback/"))


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "suggestion", "text": ""},
        {"kind": "suggestion", "text": "x" * 5001},
        {"kind": "praise", "text": "Great"},
        {"text": "no kind"},
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_written(vera, data):
    client = signed_in(vera)
    response = client.post("/portal/feedback/", data)
    assert response.status_code == 422
    assert Feedback.objects.count() == 0


def test_feedback_needs_a_signed_in_customer(client):
    response = client.post("/portal/feedback/", {"kind": "comment", "text": "Hi"})
    assert response.status_code == 302 and Feedback.objects.count() == 0


# -- knowledge base --------------------------------------------------------------------------------


@pytest.fixture
def articles(admin_user):
    from kartoteka.knowledge import services as kb

    def article(title, visibility="public", status="published"):
        return kb.create_article(
            admin_user,
            {
                "title": title,
                "body": f"How to deal with {title.lower()}.",
                "visibility": visibility,
                "status": status,
            },
        )

    return {
        "public": article("Resetting a password"),
        "internal": article("Resetting a password for VIPs", visibility="internal"),
        "draft": article("Resetting a password soon", status="draft"),
    }


def test_the_knowledge_base_lists_and_finds_public_articles_only(client, articles):
    html = text_of(client.get("/portal/kb/"))
    assert "Resetting a password" in html
    assert "VIPs" not in html and "soon" not in html
    found = text_of(client.get("/portal/kb/", {"q": "password"}))
    assert f"/portal/kb/{articles['public'].pk}/" in found
    assert f"/portal/kb/{articles['internal'].pk}/" not in found
    assert f"/portal/kb/{articles['draft'].pk}/" not in found


def test_internal_and_draft_articles_are_not_found(client, articles):
    assert client.get(f"/portal/kb/{articles['public'].pk}/").status_code == 200
    for key in ("internal", "draft"):
        response = client.get(f"/portal/kb/{articles[key].pk}/")
        assert response.status_code == 404
        assert "Resetting" not in text_of(response)
    assert client.get(f"/portal/kb/{2**70}/").status_code == 404


def test_a_customer_says_whether_an_article_helped(vera, articles):
    client = signed_in(vera)
    public = articles["public"]
    response = client.post(f"/portal/kb/{public.pk}/vote/", {"helpful": "yes"})
    assert response.status_code == 302
    vote = ArticleVote.objects.get()
    assert (vote.voter_key, vote.helpful) == (f"contact:{vera.pk}", True)
    # changing one's mind through htmx returns the box with the new answer
    box = client.post(f"/portal/kb/{public.pk}/vote/", {"helpful": "no"}, HTTP_HX_REQUEST="true")
    assert box.status_code == 200 and "Thank you for your answer." in text_of(box)
    public.refresh_from_db()
    assert (public.helpful_yes, public.helpful_no) == (0, 1)
    assert client.post(f"/portal/kb/{public.pk}/vote/", {"helpful": "maybe"}).status_code == 422
    internal = articles["internal"]
    assert client.post(f"/portal/kb/{internal.pk}/vote/", {"helpful": "yes"}).status_code == 404
    assert ArticleVote.objects.count() == 1


def test_voting_needs_a_signed_in_customer(client, articles):
    page = text_of(client.get(f"/portal/kb/{articles['public'].pk}/"))
    assert "Sign in to tell us." in page
    client.post(f"/portal/kb/{articles['public'].pk}/vote/", {"helpful": "yes"})
    assert ArticleVote.objects.count() == 0
    assert Article.objects.get(pk=articles["public"].pk).helpful_yes == 0


# -- the portal's look -----------------------------------------------------------------------------


def test_the_portal_shows_the_company_name_and_no_staff_navigation(vera, portal_settings):
    client = signed_in(vera)
    html = text_of(client.get("/portal/tickets/"))
    assert "Support" in html and "Kartoteka" not in html.split("<body", 1)[1]
    assert 'href="/e/' not in html and 'href="/service/' not in html
    assert 'action="/i18n/setlang/"' in html
    assert "<script>" not in html and "style=" not in html  # the CSP forbids inline code
    portal_settings.COMPANY_NAME = "Acme Support"
    assert "Acme Support" in text_of(client.get("/portal/tickets/"))


# -- cost ------------------------------------------------------------------------------------------


def queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_ticket_page_and_list_cost_the_same_however_long_they_are(vera, agent):
    short = open_for(vera, "Short")
    long = open_for(vera, "Long", uploads=[services.Upload("a.txt", "text/plain", b"a")])
    for number in range(5):
        services.reply(
            agent, long, f"Answer {number}", uploads=[services.Upload("b.txt", "", b"b")]
        )
        services.customer_message(long, f"Question {number}", contact=vera)
    client = signed_in(vera)
    client.get("/portal/tickets/")  # the welcome notice, once
    assert queries_for(client, f"/portal/tickets/{short.pk}/") == queries_for(
        client, f"/portal/tickets/{long.pk}/"
    )
    one_ticket = queries_for(client, "/portal/tickets/")
    for number in range(5):
        open_for(vera, f"More {number}")
    assert queries_for(client, "/portal/tickets/") == one_ticket


def test_a_fragment_asked_for_after_signing_out_sends_the_page_to_sign_in(client):
    response = client.get("/portal/tickets/new/suggest/?subject=x", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/portal/login/"
