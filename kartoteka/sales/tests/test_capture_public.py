"""The public endpoints a company's site posts to: the plain HTML form post, the JSON
endpoint with its CORS answers, rate limits, sizes and hostile input."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kartoteka.sales.models import Lead

from .test_capture_service import VISITOR, make_form

pytestmark = pytest.mark.django_db

SITE = "https://www.example.com"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web_form(registry, manager):
    return make_form(allowed_origins=[SITE], success_message="Thanks, we will call you.")


@pytest.fixture
def visitor():
    return Client()  # no session, no CSRF token: a page on another site


def post_html(client, form, data, **headers):
    """What a browser sends for a plain form: urlencoded fields."""
    return client.post(
        reverse("sales:form_submit", args=[form.key]),
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def post_json(client, form, body, origin=SITE, **headers):
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return client.post(
        reverse("sales:form_submit_json", args=[form.key]),
        body if isinstance(body, str | bytes) else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def assert_csp_clean(response):
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html) and not STYLE_ATTRIBUTE.search(html)


# -- the plain HTML form post ----------------------------------------------------------------------


def test_a_plain_form_post_shows_the_thank_you_page(visitor, web_form, manager):
    response = post_html(visitor, web_form, {**VISITOR, "utm_source": "fb", "website_url": ""})
    assert response.status_code == 200
    assert "Thanks, we will call you." in response.content.decode()
    assert_csp_clean(response)
    lead = Lead.objects.get()
    assert lead.owner == manager and lead.utm == {"utm_source": "fb"}


def test_a_multipart_post_works_too(visitor, web_form):
    response = visitor.post(reverse("sales:form_submit", args=[web_form.key]), VISITOR)
    assert response.status_code == 200 and Lead.objects.count() == 1


def test_several_emails_under_one_name_are_all_kept(visitor, web_form):
    post_html(visitor, web_form, {**VISITOR, "emails": ["a@example.org", "b@example.org"]})
    assert Lead.objects.get().emails == ["a@example.org", "b@example.org"]


def test_a_form_with_an_address_sends_the_visitor_there(visitor, registry):
    form = make_form(redirect_url="https://www.example.com/thank-you")
    response = post_html(visitor, form, VISITOR)
    assert response.status_code == 303
    assert response["Location"] == "https://www.example.com/thank-you"
    assert Lead.objects.count() == 1


def test_the_default_thank_you_text_when_the_form_has_none(visitor, registry):
    response = post_html(visitor, make_form(), VISITOR)
    assert "We have received your message" in response.content.decode()


def test_missing_fields_are_listed_with_a_way_back(visitor, web_form):
    response = post_html(
        visitor,
        web_form,
        {"first_name": "", "emails": ""},
        HTTP_REFERER="https://www.example.com/contact",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<strong>Your name</strong>: This field is required." in html
    assert "<strong>Email</strong>: This field is required." in html
    assert 'href="https://www.example.com/contact"' in html
    assert_csp_clean(response)
    assert Lead.objects.count() == 0


def test_a_back_link_never_points_to_a_script(visitor, web_form):
    response = post_html(visitor, web_form, {}, HTTP_REFERER="javascript:alert(1)")
    assert response.status_code == 422 and "javascript:" not in response.content.decode()


def test_the_honeypot_looks_like_success_to_a_bot(visitor, web_form):
    response = post_html(visitor, web_form, {**VISITOR, "website_url": "http://buy.example"})
    assert response.status_code == 200
    assert "Thanks, we will call you." in response.content.decode()
    assert Lead.objects.count() == 0


def test_an_unknown_or_switched_off_form_is_not_found(visitor, web_form):
    assert visitor.post("/sales/f/no-such-key/", VISITOR).status_code == 404
    assert visitor.post("/sales/f/no-such-key/json", "{}", "application/json").status_code == 404
    web_form.active = False
    web_form.save()
    assert post_html(visitor, web_form, VISITOR).status_code == 404
    assert post_json(visitor, web_form, VISITOR).status_code == 404
    assert Lead.objects.count() == 0


def test_only_post_is_accepted(visitor, web_form):
    response = visitor.get(reverse("sales:form_submit", args=[web_form.key]))
    assert response.status_code == 405


def test_an_oversized_post_is_refused(visitor, web_form):
    response = post_html(visitor, web_form, {**VISITOR, "interest": "z" * 30_000})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_ten_thousand_character_name_is_refused(visitor, web_form):
    response = post_html(visitor, web_form, {**VISITOR, "first_name": "n" * 10_000})
    assert response.status_code == 422
    assert "Enter at most 100 characters" in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_site_the_form_does_not_list_cannot_post_the_html_form(visitor, web_form):
    response = post_html(visitor, web_form, VISITOR, HTTP_ORIGIN="https://copycat.example")
    assert response.status_code == 403 and Lead.objects.count() == 0


def test_a_script_in_a_name_is_stored_as_text_and_escaped_on_the_card(
    visitor, web_form, admin_user
):
    name = '<script>alert("x")</script>'
    post_html(visitor, web_form, {**VISITOR, "first_name": name})
    lead = Lead.objects.get()
    assert lead.first_name == name
    admin = Client()
    admin.force_login(admin_user)
    html = admin.get(f"/e/lead/{lead.pk}/").content.decode()
    assert name not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# -- the JSON endpoint -----------------------------------------------------------------------------


def test_json_from_an_allowed_site_creates_the_lead_with_cors_headers(visitor, web_form):
    response = post_json(visitor, web_form, {**VISITOR, "utm_medium": "cpc"})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": "Thanks, we will call you."}
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"]
    assert Lead.objects.get().utm == {"utm_medium": "cpc"}


def test_json_from_a_site_not_listed_is_refused_without_cors_headers(visitor, web_form):
    response = post_json(visitor, web_form, VISITOR, origin="https://evil.example")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert "does not accept" in response.json()["detail"]
    assert Lead.objects.count() == 0


def test_a_lookalike_origin_is_not_allowed(visitor, web_form):
    for origin in ("http://www.example.com", "https://www.example.com:8443", "null"):
        response = post_json(visitor, web_form, VISITOR, origin=origin)
        assert response.status_code == 403, origin
    assert Lead.objects.count() == 0


def test_a_form_listing_no_sites_answers_no_browser_script(visitor, registry):
    form = make_form()
    assert post_json(visitor, form, VISITOR).status_code == 403
    response = post_json(visitor, form, VISITOR, origin="")  # a server posting, not a browser
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response


def test_the_preflight_answers_only_allowed_sites(visitor, web_form):
    url = reverse("sales:form_submit_json", args=[web_form.key])
    allowed = visitor.options(
        url,
        HTTP_ORIGIN=SITE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == SITE
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert "Content-Type" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed
    refused = visitor.options(url, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused
    assert Lead.objects.count() == 0


def test_json_errors_name_the_fields(visitor, web_form):
    response = post_json(visitor, web_form, {"first_name": "Vera", "emails": "bad"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and body["errors"] == {"emails": ["Enter a valid email address."]}
    assert response["Access-Control-Allow-Origin"] == SITE  # the site's script can read why
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "body, status",
    [("{not json", 400), ("[1, 2]", 422), ('"text"', 422), (b"\xff\xfe", 400), ("", 422)],
)
def test_malformed_json_is_refused(visitor, web_form, body, status):
    response = post_json(visitor, web_form, body)
    assert response.status_code == status and response.json()["detail"]
    assert Lead.objects.count() == 0


def test_an_oversized_json_body_is_refused(visitor, web_form):
    response = post_json(visitor, web_form, {**VISITOR, "interest": "z" * 25_000})
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert Lead.objects.count() == 0


def test_the_json_honeypot_answers_like_a_success(visitor, web_form):
    response = post_json(visitor, web_form, {**VISITOR, "website_url": "x"})
    assert response.json()["ok"] is True and Lead.objects.count() == 0


# -- rate limits -----------------------------------------------------------------------------------


def test_past_the_limit_an_address_is_refused_with_429(visitor, web_form, settings):
    settings.CAPTURE_FORM_LIMIT = 3
    for n in range(3):
        response = post_json(visitor, web_form, {**VISITOR, "emails": f"v{n}@example.org"})
        assert response.status_code == 200
    refused = post_json(visitor, web_form, {**VISITOR, "emails": "v9@example.org"})
    assert refused.status_code == 429 and "Too many submissions" in refused.json()["detail"]
    html = post_html(visitor, web_form, {**VISITOR, "emails": "v10@example.org"})
    assert html.status_code == 429 and "Too many submissions" in html.content.decode()
    assert Lead.objects.count() == 3
    # another address, and another form, have their own counts
    other = post_json(visitor, web_form, VISITOR, REMOTE_ADDR="198.51.100.1")
    assert other.status_code == 200
    assert (
        post_html(visitor, make_form(), {**VISITOR, "emails": "o@example.org"}).status_code == 200
    )


def test_spam_and_refused_posts_count_towards_the_limit(visitor, web_form, settings):
    settings.CAPTURE_FORM_LIMIT = 2
    post_html(visitor, web_form, {**VISITOR, "website_url": "spam"})
    post_html(visitor, web_form, {})
    assert post_html(visitor, web_form, VISITOR).status_code == 429
    assert Lead.objects.count() == 0


def test_behind_a_proxy_the_forwarded_address_is_counted(visitor, web_form, settings):
    settings.CAPTURE_FORM_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    first = post_html(visitor, web_form, VISITOR, HTTP_X_FORWARDED_FOR="192.0.2.1")
    second = post_html(
        visitor, web_form, {**VISITOR, "emails": "b@example.org"}, HTTP_X_FORWARDED_FOR="192.0.2.2"
    )
    again = post_html(
        visitor, web_form, {**VISITOR, "emails": "c@example.org"}, HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)
