"""Administrators' settings of web forms and assignment rules, on the pages and through the
API: who may open them, what they create, and bad input refused with nothing written."""

import json
import re

import pytest
from django.test import Client

from kartoteka.sales import assignment
from kartoteka.sales.models import AssignmentRule, CaptureForm, Lead, Product

from .test_capture_service import VISITOR, make_form

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(admin_user, registry):
    return signed_in(admin_user)


def assert_csp_clean(response):
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not STYLE_ATTRIBUTE.search(html)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html)


def new_form_post(**extra) -> dict:
    data = {
        "name": "Contact us",
        "source": "website",
        "owner": "",
        "allowed_origins": "https://www.example.com\nhttp://localhost:8000/",
        "success_message": "Thank you!",
        "redirect_url": "",
        "active": "on",
        "use_first_name": "on",
        "label_first_name": "Your name",
        "required_first_name": "on",
        "position_first_name": "1",
        "use_emails": "on",
        "label_emails": "Email",
        "required_emails": "on",
        "position_emails": "2",
        "use_interest": "on",
        "label_interest": "How can we help?",
        "position_interest": "3",
    }
    data.update(extra)
    return data


# -- who may open the pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/sales/forms/", "/sales/forms/new/", "/sales/rules/", "/sales/rules/new/"]
)
def test_a_manager_may_not_open_the_settings(manager, path):
    assert signed_in(manager).get(path).status_code == 403


def test_a_head_of_sales_may_not_change_forms_either(head, registry):
    form = make_form()
    client = signed_in(head)
    assert client.post(f"/sales/forms/{form.pk}/new-key/").status_code == 403
    assert client.post(f"/sales/forms/{form.pk}/delete/").status_code == 403
    assert CaptureForm.objects.get().key == form.key


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/sales/forms/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- web forms on the pages ------------------------------------------------------------------------


def test_an_administrator_creates_a_form_and_sees_its_snippet(as_admin):
    response = as_admin.post("/sales/forms/new/", new_form_post())
    form = CaptureForm.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/forms/{form.pk}/"
    assert form.fields == [
        {"field": "first_name", "label": "Your name", "required": True},
        {"field": "emails", "label": "Email", "required": True},
        {"field": "interest", "label": "How can we help?", "required": False},
    ]
    assert form.allowed_origins == ["https://www.example.com", "http://localhost:8000"]
    assert len(form.key) >= 20

    page = as_admin.get(f"/sales/forms/{form.pk}/")
    assert page.status_code == 200
    assert_csp_clean(page)
    html = page.content.decode()
    # the snippet is shown as text, ready to copy
    assert f"action=&quot;http://testserver/sales/f/{form.key}/&quot;" in html
    assert "name=&quot;first_name&quot;" in html and "name=&quot;emails&quot;" in html
    assert "name=&quot;website_url&quot;" in html and "name=&quot;utm_source&quot;" in html
    assert 'data-copy="snippet-html"' in html
    assert f"http://testserver/sales/f/{form.key}/json" in html
    listing = as_admin.get("/sales/forms/")
    assert "Contact us" in listing.content.decode()
    assert_csp_clean(listing)


def test_the_fields_table_keeps_the_chosen_order(as_admin):
    as_admin.post(
        "/sales/forms/new/",
        new_form_post(position_first_name="3", position_interest="1", position_emails="2"),
    )
    assert [f["field"] for f in CaptureForm.objects.get().fields] == [
        "interest",
        "emails",
        "first_name",
    ]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"allowed_origins": "https://example.com/contact"}, "allowed_origins", "no path"),
        ({"allowed_origins": "example.com"}, "allowed_origins", "no path"),
        ({"redirect_url": "javascript:alert(1)"}, "redirect_url", "http://"),
        ({"name": ""}, "name", "required"),
        ({"use_first_name": "", "use_emails": ""}, "fields", "a name, a company"),
    ],
)
def test_bad_settings_are_refused_on_the_page(as_admin, change, field, message):
    response = as_admin.post("/sales/forms/new/", new_form_post(**change))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert CaptureForm.objects.count() == 0


def test_an_administrator_edits_a_form(as_admin, manager):
    form = make_form()
    response = as_admin.post(
        f"/sales/forms/{form.pk}/",
        new_form_post(name="Call me back", owner=str(manager.pk), active=""),
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.name == "Call me back" and form.owner == manager and not form.active


def test_editing_keeps_the_submission_count(as_admin):
    form = make_form()
    CaptureForm.objects.filter(pk=form.pk).update(submissions=41)
    as_admin.post(f"/sales/forms/{form.pk}/", new_form_post())
    form.refresh_from_db()
    assert form.submissions == 41


def test_a_new_key_stops_the_old_address(as_admin, client, registry):
    form = make_form()
    old = form.key
    response = as_admin.post(f"/sales/forms/{form.pk}/new-key/")
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.key != old
    assert client.post(f"/sales/f/{old}/", VISITOR).status_code == 404
    assert client.post(f"/sales/f/{form.key}/", VISITOR).status_code == 200


def test_deleting_a_form_asks_first_and_keeps_its_leads(as_admin, client, registry):
    form = make_form()
    client.post(f"/sales/f/{form.key}/", VISITOR)
    confirm = as_admin.get(f"/sales/forms/{form.pk}/delete/")
    assert confirm.status_code == 200 and "1 lead it brought in is kept" in confirm.content.decode()
    assert CaptureForm.objects.count() == 1
    as_admin.post(f"/sales/forms/{form.pk}/delete/")
    assert CaptureForm.objects.count() == 0
    assert Lead.objects.get().form is None


# -- assignment rules on the pages -----------------------------------------------------------------


def test_an_administrator_manages_assignment_rules(as_admin, manager, colleague):
    widget = Product.objects.create(name="Widget")
    response = as_admin.post(
        "/sales/rules/new/",
        {
            "name": "Widgets in Kraków",
            "order": "5",
            "active": "on",
            "source": "website",
            "region": "Kraków",
            "product": str(widget.pk),
            "users": [str(colleague.pk), str(manager.pk)],
        },
    )
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert (rule.source, rule.region, rule.product, rule.order) == (
        "website",
        "Kraków",
        widget,
        5,
    )
    assert set(rule.users) == {manager.pk, colleague.pk}
    page = as_admin.get("/sales/rules/")
    html = page.content.decode()
    assert "Widgets in Kraków" in html and "Widget" in html and "Anna" in html
    assert_csp_clean(page)

    as_admin.post(f"/sales/rules/{rule.pk}/", {"name": "Widgets", "order": "7", "users": []})
    rule.refresh_from_db()
    assert (rule.name, rule.order, rule.active, rule.users, rule.product) == (
        "Widgets",
        7,
        False,
        [],
        None,
    )
    as_admin.post(f"/sales/rules/{rule.pk}/delete/")
    assert AssignmentRule.objects.count() == 0


def test_the_fallback_rule_is_shown_as_everyone_in_turn(as_admin, manager):
    assignment.ensure_fallback_rule()
    html = as_admin.get("/sales/rules/").content.decode()
    assert "Everyone in turn" in html and "Every active manager" in html and "Anna" in html


def test_a_rule_needs_a_name(as_admin):
    response = as_admin.post("/sales/rules/new/", {"name": "", "order": "1"})
    assert response.status_code == 422 and AssignmentRule.objects.count() == 0


# -- the API ---------------------------------------------------------------------------------------


def api(client: Client, method: str, path: str, body=None):
    return getattr(client, method)(
        "/api/v1" + path,
        json.dumps(body) if body is not None else None,
        content_type="application/json",
    )


API_FORM = {
    "name": "Landing page",
    "fields": [
        {"field": "last_name", "label": "Name", "required": True},
        {"field": "phones", "label": "Phone"},
    ],
    "allowed_origins": ["https://landing.example.com"],
    "source": "advertising",
}


def test_forms_through_the_api(as_admin, manager):
    created = api(as_admin, "post", "/forms", API_FORM)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["fields"][1] == {"field": "phones", "label": "Phone", "required": False}
    assert body["submit_url"] == f"http://testserver/sales/f/{body['key']}/"
    pk = body["id"]
    assert [f["id"] for f in api(as_admin, "get", "/forms").json()] == [pk]
    assert api(as_admin, "get", f"/forms/{pk}").json()["name"] == "Landing page"

    changed = api(as_admin, "patch", f"/forms/{pk}", {"owner": manager.pk, "rotate_key": True})
    assert changed.status_code == 200
    assert changed.json()["owner"] == manager.pk and changed.json()["key"] != body["key"]
    assert changed.json()["name"] == "Landing page"

    assert api(as_admin, "delete", f"/forms/{pk}").status_code == 204
    assert api(as_admin, "get", f"/forms/{pk}").status_code == 404


@pytest.mark.parametrize(
    "change, field",
    [
        ({"fields": [{"field": "owner", "label": "x"}]}, "fields"),
        ({"fields": [{"field": "cost"}]}, "fields"),
        ({"fields": [{"field": "emails"}, {"field": "emails"}]}, "fields"),
        ({"fields": []}, "fields"),
        ({"fields": [{"field": "emails", "colour": "red"}]}, "fields.0.colour"),
        ({"allowed_origins": ["https://landing.example.com/page"]}, "allowed_origins"),
        ({"allowed_origins": ["*"]}, "allowed_origins"),
        ({"source": "moon"}, "source"),
        ({"owner": 999999}, "owner"),
        ({"redirect_url": "ftp://files.example.com"}, "redirect_url"),
        ({"name": "n" * 101}, "name"),
        ({"key": "chosen-by-me"}, "key"),
    ],
)
def test_bad_forms_are_refused_by_the_api(as_admin, change, field):
    response = api(as_admin, "post", "/forms", {**API_FORM, **change})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert CaptureForm.objects.count() == 0


def test_a_bad_patch_changes_nothing(as_admin):
    form = make_form()
    response = api(
        as_admin, "patch", f"/forms/{form.pk}", {"name": "New", "allowed_origins": ["x"]}
    )
    assert response.status_code == 422
    form.refresh_from_db()
    assert form.name == "Contact us" and form.allowed_origins == []


def test_only_administrators_use_the_forms_api(manager, head, registry):
    form = make_form()
    for user in (manager, head):
        client = signed_in(user)
        assert api(client, "get", "/forms").status_code == 403
        assert api(client, "post", "/forms", API_FORM).status_code == 403
        assert api(client, "delete", f"/forms/{form.pk}").status_code == 403
        assert api(client, "get", "/assignment-rules").status_code == 403
    assert api(Client(), "get", "/forms").status_code == 401
    assert CaptureForm.objects.count() == 1


def test_assignment_rules_through_the_api(as_admin, manager, colleague):
    created = api(
        as_admin,
        "post",
        "/assignment-rules",
        {"name": "Fairs", "source": "exhibition", "users": [colleague.pk, manager.pk]},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["users"] == [colleague.pk, manager.pk]  # the turn order as given
    changed = api(as_admin, "patch", f"/assignment-rules/{pk}", {"region": "Gdańsk"})
    assert changed.json()["region"] == "Gdańsk" and changed.json()["source"] == "exhibition"
    assert [r["id"] for r in api(as_admin, "get", "/assignment-rules").json()] == [pk]
    assert api(as_admin, "delete", f"/assignment-rules/{pk}").status_code == 204
    assert AssignmentRule.objects.count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "users": [999999]}, "users"),
        ({"name": "X", "product": 999999}, "product"),
        ({"name": "X", "source": "moon"}, "source"),
        ({"name": "X", "order": -1}, "order"),
        ({"name": ""}, "name"),
        ({"name": "X", "next_index": 5}, "next_index"),
    ],
)
def test_bad_rules_are_refused_by_the_api(as_admin, body, field):
    response = api(as_admin, "post", "/assignment-rules", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert AssignmentRule.objects.count() == 0


def test_an_inactive_user_cannot_join_a_rule(as_admin, colleague):
    colleague.is_active = False
    colleague.save()
    response = api(as_admin, "post", "/assignment-rules", {"name": "X", "users": [colleague.pk]})
    assert response.status_code == 422 and AssignmentRule.objects.count() == 0


def test_every_settings_page_works_under_the_content_security_policy(as_admin, manager):
    form = make_form()
    rule = AssignmentRule.objects.create(name="All", users=[manager.pk])
    for path in (
        "/sales/forms/new/",
        f"/sales/forms/{form.pk}/delete/",
        "/sales/rules/new/",
        f"/sales/rules/{rule.pk}/",
    ):
        response = as_admin.get(path)
        assert response.status_code == 200, path
        assert_csp_clean(response)


def test_the_api_description_lists_the_forms_endpoints(as_admin):
    paths = as_admin.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/forms", "/api/v1/forms/{pk}", "/api/v1/assignment-rules"} <= set(paths)


def test_the_rules_page_runs_the_same_queries_for_many_rules(as_admin, manager, colleague):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert as_admin.get("/sales/rules/").status_code == 200
        return len(context.captured_queries)

    assignment.ensure_fallback_rule()
    AssignmentRule.objects.create(name="Pair", order=1, users=[manager.pk, colleague.pk])
    few = queries()
    for n in range(8):
        AssignmentRule.objects.create(name=f"Rule {n}", order=n + 2, users=[colleague.pk])
    assert queries() == few


def test_everyone_in_turn_keeps_its_place_when_renamed(as_admin, manager):
    rule = assignment.ensure_fallback_rule()
    response = as_admin.post(
        f"/sales/rules/{rule.pk}/",
        {"name": "All managers", "order": str(assignment.FALLBACK_ORDER), "active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.order) == ("All managers", assignment.FALLBACK_ORDER)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"order": None}, "order"),
        ({"active": None}, "active"),
        ({"name": "two\nlines"}, "name"),
        ({"order": 1_000_001}, "order"),
    ],
)
def test_a_bad_rule_patch_changes_nothing(as_admin, manager, change, field):
    rule = AssignmentRule.objects.create(name="All", order=3, users=[manager.pk])
    response = api(as_admin, "patch", f"/assignment-rules/{rule.pk}", change)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    rule.refresh_from_db()
    assert (rule.name, rule.order, rule.active) == ("All", 3, True)


def test_a_refused_edit_shows_the_stored_snippet(as_admin):
    form = make_form()
    response = as_admin.post(
        f"/sales/forms/{form.pk}/", new_form_post(allowed_origins="https://example.com/contact")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "no path" in html and f"/sales/f/{form.key}/" in html
    form.refresh_from_db()
    assert form.allowed_origins == [] and form.fields[0]["label"] == "Your name"
