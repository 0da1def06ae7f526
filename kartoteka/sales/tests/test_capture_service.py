"""What a visitor's submission becomes (`capture.submit`): a lead with the form's source,
the web-form channel, its UTM parameters and an owner; or a clear refusal with nothing
written; or, for a known client, an enquiry on the existing card."""

import secrets

import pytest

from kartoteka.sales import capture, capture_settings
from kartoteka.sales.models import AssignmentRule, CaptureForm, Lead, Product
from kartoteka.timeline.models import Activity

pytestmark = pytest.mark.django_db

CONTACT_FIELDS = [
    {"field": "first_name", "label": "Your name", "required": True},
    {"field": "emails", "label": "Email", "required": True},
    {"field": "phones", "label": "Phone", "required": False},
    {"field": "interest", "label": "Message", "required": False},
]


def make_form(**extra) -> CaptureForm:
    values = {
        "name": "Contact us",
        "key": secrets.token_urlsafe(18),
        "fields": CONTACT_FIELDS,
        "source": "website",
    }
    values.update(extra)
    return CaptureForm.objects.create(**values)


def send(form, raw, **kwargs):
    kwargs.setdefault("ip", "203.0.113.7")
    return capture.submit(form, raw, **kwargs)


@pytest.fixture
def web_form(registry):
    return make_form(source="exhibition")


VISITOR = {"first_name": "Vera", "emails": "vera@example.org", "interest": "A quote, please"}


def test_a_submission_creates_a_lead_from_the_web_form(web_form, manager):
    result = send(web_form, {**VISITOR, "utm_source": "newsletter", "utm_campaign": "spring"})
    assert result.ok and result.status == 200 and not result.spam
    lead = Lead.objects.get()
    assert lead.first_name == "Vera" and lead.emails == ["vera@example.org"]
    assert lead.interest == "A quote, please"
    assert lead.source == "exhibition" and lead.channel == "web_form"
    assert lead.utm == {"utm_source": "newsletter", "utm_campaign": "spring"}
    assert lead.form == web_form
    assert lead.owner == manager  # the only manager, in turn
    assert result.lead == lead
    web_form.refresh_from_db()
    assert web_form.submissions == 1
    assert Activity.objects.filter(entity="lead", object_id=lead.pk, kind="created").exists()


def test_utm_parameters_come_from_the_referring_page_when_not_posted(web_form):
    send(
        web_form,
        {**VISITOR, "utm_medium": "email"},
        referer="https://shop.example.com/offer?utm_source=ads&utm_medium=cpc&utm_term=red+shoes",
    )
    # posted values win over the page's address
    assert Lead.objects.get().utm == {
        "utm_source": "ads",
        "utm_medium": "email",
        "utm_term": "red shoes",
    }


def test_the_forms_owner_gets_the_lead(registry, colleague, manager):
    AssignmentRule.objects.create(name="All to Anna", users=[manager.pk])
    form = make_form(owner=colleague)
    send(form, VISITOR)
    assert Lead.objects.get().owner == colleague


def test_an_inactive_forms_owner_leaves_the_lead_to_the_rules(registry, colleague, manager):
    AssignmentRule.objects.create(name="All to Anna", users=[manager.pk])
    colleague.is_active = False
    colleague.save()
    send(make_form(owner=colleague), VISITOR)
    assert Lead.objects.get().owner == manager


def test_an_unowned_forms_leads_follow_the_assignment_rules(web_form, manager, outsider):
    AssignmentRule.objects.create(name="Fairs", source="exhibition", users=[outsider.pk])
    send(web_form, VISITOR)
    assert Lead.objects.get().owner == outsider


def test_the_honeypot_makes_it_spam_answered_like_a_success(web_form):
    result = send(web_form, {**VISITOR, capture.HONEYPOT: "http://spam.example"})
    assert result.ok and result.spam and result.message
    assert result.message == send(web_form, VISITOR).message  # looks the same to a bot
    assert Lead.objects.count() == 1  # only the second, real one
    web_form.refresh_from_db()
    assert web_form.submissions == 1


def test_a_missing_required_field_is_named_and_nothing_is_created(web_form):
    result = send(web_form, {"first_name": "Vera", "emails": "  "})
    assert not result.ok and result.status == 422
    assert result.errors == {"emails": ["This field is required."]}
    assert ("Email", "This field is required.") in result.error_list
    assert Lead.objects.count() == 0
    web_form.refresh_from_db()
    assert web_form.submissions == 0


def test_an_invalid_email_is_refused_with_the_validators_words(web_form):
    result = send(web_form, {"first_name": "Vera", "emails": "not-an-email"})
    assert result.status == 422 and result.errors["emails"] == ["Enter a valid email address."]
    assert Lead.objects.count() == 0


def test_a_ten_thousand_character_value_is_refused(web_form):
    result = send(web_form, {**VISITOR, "first_name": "x" * 10_000})
    assert result.status == 422
    assert result.errors["first_name"] == ["Enter at most 100 characters (it has 10000)."]
    assert Lead.objects.count() == 0


def test_an_oversized_submission_is_refused(web_form):
    result = send(web_form, {**VISITOR, "padding": "y" * 25_000})
    assert result.status == 413 and "too large" in result.message
    assert Lead.objects.count() == 0


def test_too_many_names_in_one_submission_are_refused(web_form):
    result = send(web_form, {**VISITOR, **{f"extra{i}": "1" for i in range(100)}})
    assert result.status == 413 and Lead.objects.count() == 0


def test_only_the_forms_fields_are_taken(web_form, admin_user):
    send(
        web_form,
        {
            **VISITOR,
            "status": "qualified",
            "owner": admin_user.pk,
            "cost": "1000",
            "region": "Mars",  # a lead field, but the form does not ask for it
            "source": "partner",
            "channel": "api",
        },
    )
    lead = Lead.objects.get()
    assert lead.status == "new" and lead.owner_id != admin_user.pk
    assert lead.cost is None and lead.region == ""
    assert lead.source == "exhibition" and lead.channel == "web_form"


def test_a_value_that_is_not_text_is_refused(web_form):
    result = send(web_form, {**VISITOR, "first_name": {"$gt": ""}})
    assert result.status == 422 and result.errors["first_name"] == ["Enter text."]
    assert Lead.objects.count() == 0


def test_a_product_must_be_an_active_product(registry):
    old = Product.objects.create(name="Old", active=False)
    widget = Product.objects.create(name="Widget")
    form = make_form(fields=[*CONTACT_FIELDS, {"field": "product", "label": "Product"}])
    assert send(form, {**VISITOR, "product": str(old.pk)}).errors == {
        "product": ["Choose one of the products."]
    }
    assert send(form, {**VISITOR, "product": "abc"}).status == 422
    assert send(form, {**VISITOR, "product": str(widget.pk)}).ok
    assert Lead.objects.get().product == widget


def test_an_inactive_form_takes_nothing(registry):
    result = send(make_form(active=False), VISITOR)
    assert not result.ok and result.status == 404 and Lead.objects.count() == 0


def test_a_site_the_form_does_not_list_is_refused(registry):
    form = make_form(allowed_origins=["https://www.example.com"])
    refused = send(form, VISITOR, origin="https://evil.example.net")
    assert refused.status == 403 and Lead.objects.count() == 0
    assert send(form, VISITOR, origin="https://www.example.com").ok
    assert send(form, {**VISITOR, "emails": "v2@example.org"}).ok  # no Origin: not a browser


def test_a_colleagues_client_gets_the_enquiry_on_their_card(web_form, make, colleague):
    contact = make(
        "contact",
        first_name="Vera",
        last_name="Known",
        emails=["vera@example.org"],
        owner=colleague,
    )
    assert contact.owner == colleague
    result = send(web_form, {**VISITOR, "interest": "Second order", "utm_source": "mail"})
    assert result.ok and result.attached and result.lead is None
    assert result.message == capture.success_message(web_form)  # nothing about who owns what
    assert Lead.objects.count() == 0
    enquiry = Activity.objects.get(entity="contact", object_id=contact.pk, kind="enquiry")
    assert "Second order" in enquiry.body and enquiry.payload["channel"] == "web_form"
    # where the enquiry came from is kept on the card it landed on
    assert enquiry.payload["form_id"] == web_form.pk
    assert enquiry.payload["utm"] == {"utm_source": "mail"}
    web_form.refresh_from_db()
    assert web_form.submissions == 1


def test_a_rule_about_a_field_the_form_does_not_show_is_explained(registry):
    # a form that only asks for a message cannot make a lead (the lead needs a name or
    # contact details); the visitor is told in words, not with a field key
    form = make_form(fields=[{"field": "interest", "label": "Message", "required": True}])
    result = send(form, {"interest": "Hello"})
    assert result.status == 422
    assert result.errors["__all__"] == [
        "Enter a name, a company, an email address or a phone number."
    ]
    assert Lead.objects.count() == 0


def test_the_snippet_posts_to_the_form_with_its_fields_and_the_honeypot(web_form):
    html = capture_settings.render_snippet(web_form, "https://crm.example.com")
    assert f'action="https://crm.example.com/sales/f/{web_form.key}/"' in html
    assert 'name="first_name"' in html and 'type="email"' in html and "Your name" in html
    assert 'name="website_url"' in html and 'tabindex="-1"' in html
    for key in capture.UTM_KEYS:
        assert f'<input type="hidden" name="{key}" value="">' in html
    assert "<script" not in html
    example = capture_settings.render_fetch_example(web_form, "https://crm.example.com")
    assert f"https://crm.example.com/sales/f/{web_form.key}/json" in example


def test_labels_are_escaped_in_the_snippet(registry):
    form = make_form(fields=[{"field": "first_name", "label": '<b onclick="x()">Name</b>'}])
    html = capture_settings.render_snippet(form, "https://crm.example.com")
    assert "<b onclick" not in html and "&lt;b onclick=" in html


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://Example.com", "https://example.com"),
        ("https://example.com:443/", "https://example.com"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_site_addresses_are_normalised(text, expected):
    assert capture.normalise_origin(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "ftp://example.com",
        "https://example.com/contact",
        "https://user@example.com",
        "https://example.com?x=1",
        "https://exa mple.com",
        "https://example.com:99999",
        "*",
        "null",
    ],
)
def test_bad_site_addresses_are_refused(text):
    with pytest.raises(ValueError):
        capture.normalise_origin(text)


def test_custom_fields_of_leads_can_be_asked_for(registry, admin_user):
    from kartoteka.customization import services as customization

    customization.create_field(
        admin_user, {"entity": "lead", "key": "team_size", "label": "Team size", "type": "number"}
    )
    customization.create_field(
        admin_user,
        {
            "entity": "lead",
            "key": "plan",
            "label": "Plan",
            "type": "choice",
            "choices": ["Basic", "Pro"],
        },
    )
    customization.create_field(
        admin_user, {"entity": "lead", "key": "consent", "label": "Consent", "type": "boolean"}
    )
    registry.refresh()
    offered = [spec.key for spec in capture.available_fields()]
    assert {"team_size", "plan", "consent"} <= set(offered)
    form = make_form(
        fields=[
            *CONTACT_FIELDS,
            {"field": "team_size", "label": "People"},
            {"field": "plan", "label": "Plan"},
            {"field": "consent", "label": "I agree to be contacted", "required": True},
        ]
    )
    html = capture_settings.render_snippet(form, "https://crm.example.com")
    assert '<option value="Pro">Pro</option>' in html and 'type="checkbox"' in html
    refused = send(form, {**VISITOR, "team_size": "many", "plan": "Gold"})
    assert set(refused.errors) == {"consent"}  # the shape is checked first, then the lead's rules
    refused = send(form, {**VISITOR, "team_size": "many", "plan": "Gold", "consent": "yes"})
    assert set(refused.errors) == {"team_size", "plan"} and Lead.objects.count() == 0
    assert send(form, {**VISITOR, "team_size": "12", "plan": "Pro", "consent": "yes"}).ok
    assert Lead.objects.get().custom == {"team_size": 12, "plan": "Pro", "consent": True}
