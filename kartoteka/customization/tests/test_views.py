"""The settings pages: administrators shape entities, fields, relations and templates; nobody
else gets in; refused input comes back on the form with nothing written; pages keep to the
CSP (no inline scripts, styles or event handlers)."""

import re

import pytest
from django.urls import reverse

from kartoteka.customization import services
from kartoteka.customization.models import (
    EntityType,
    FieldDefinition,
    RelationType,
    RequiredFieldsTemplate,
)
from kartoteka.platform.services import create_record
from kartoteka.records.models import Record

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def assert_csp_clean(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)
    assert not INLINE_HANDLER.search(html)


@pytest.fixture
def city(admin_user, supplier):
    return services.create_field(
        admin_user, {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )


@pytest.fixture
def pages(supplier, city, admin_user):
    relation = services.create_relation_type(
        admin_user,
        {"from_entity": "company", "to_entity": "supplier", "label": "S", "reverse_label": "C"},
    )
    template = services.create_required_template(
        admin_user, {"entity": "supplier", "name": "Strict", "fields": ["city"]}
    )
    return [
        reverse("customization:entity_types"),
        reverse("customization:entity_type_create"),
        reverse("customization:entity_type_edit", args=["supplier"]),
        reverse("customization:entity_type_delete", args=["supplier"]),
        reverse("customization:fields", args=["supplier"]),
        reverse("customization:fields", args=["company"]),
        reverse("customization:field_create", args=["supplier"]),
        reverse("customization:field_edit", args=[city.pk]),
        reverse("customization:field_delete", args=[city.pk]),
        reverse("customization:relation_types"),
        reverse("customization:relation_type_create"),
        reverse("customization:relation_type_edit", args=[relation.pk]),
        reverse("customization:relation_type_delete", args=[relation.pk]),
        reverse("customization:templates"),
        reverse("customization:template_create") + "?entity=supplier",
        reverse("customization:template_edit", args=[template.pk]),
    ]


def test_administrator_sees_every_page_without_inline_code(client, admin_user, pages):
    client.force_login(admin_user)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp_clean(response.content.decode())


def test_other_roles_get_403_everywhere(client, manager, pages, snapshot):
    client.force_login(manager)
    before = snapshot()
    for url in pages:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"key": "x", "confirm_key": "supplier"}).status_code == 403, url
    assert snapshot() == before


def test_visitors_are_sent_to_log_in(client, pages):
    response = client.get(pages[0])
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_entity_list_shows_builtin_and_custom_entities(client, admin_user, city):
    client.force_login(admin_user)
    html = client.get(reverse("customization:entity_types")).content.decode()
    assert "Companies" in html and "Suppliers" in html
    assert reverse("customization:entity_type_delete", args=["supplier"]) in html
    assert reverse("customization:entity_type_delete", args=["company"]) not in html


def test_administrator_creates_an_entity_through_the_form(client, admin_user, registry):
    client.force_login(admin_user)
    response = client.post(
        reverse("customization:entity_type_create"),
        {
            "key": "contract",
            "label": "Contract",
            "label_plural": "Contracts",
            "icon": "file-earmark-text",
            "label_ru": "Договор",
            "plural_ru": "Договоры",
            "label_pl": "",
            "plural_pl": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customization:fields", args=["contract"])
    entity_type = EntityType.objects.get(key="contract")
    assert entity_type.labels == {"ru": {"label": "Договор", "plural": "Договоры"}}
    assert registry.get("contract").is_custom_entity


def test_refused_entity_form_shows_the_message_and_writes_nothing(
    client, admin_user, supplier, snapshot
):
    client.force_login(admin_user)
    before = snapshot()
    response = client.post(
        reverse("customization:entity_type_create"),
        {"key": "company", "label": "Firm", "label_plural": "Firms", "icon": "box"},
    )
    assert response.status_code == 422
    assert "A built-in entity already uses this key." in response.content.decode()
    assert snapshot() == before


FIELD_FORM = {
    "label": "Tier",
    "key": "tier",
    "type": "choice",
    "choices": "Gold\r\nSilver\r\n\r\n",
    "min_value": "",
    "max_value": "",
    "max_length": "",
    "regex": "",
    "related_entity": "",
    "default": "",
    "section": "Terms",
    "order": "",
    "show_in_list": "on",
    "filterable": "on",
}


def test_administrator_adds_a_choice_field(client, admin_user, registry, supplier):
    client.force_login(admin_user)
    response = client.post(reverse("customization:field_create", args=["supplier"]), FIELD_FORM)
    assert response.status_code == 302
    definition = FieldDefinition.objects.get(entity="supplier", key="tier")
    assert definition.choices == ["Gold", "Silver"]
    assert definition.section == "Terms"
    assert definition.filterable and definition.show_in_list and not definition.required
    assert registry.get("supplier").field("tier").type == "choice"


def test_inputs_hidden_for_the_chosen_type_are_ignored(client, admin_user, supplier):
    client.force_login(admin_user)
    form = {**FIELD_FORM, "type": "text", "min_value": "5", "related_entity": "company"}
    response = client.post(reverse("customization:field_create", args=["supplier"]), form)
    assert response.status_code == 302
    definition = FieldDefinition.objects.get(entity="supplier", key="tier")
    assert definition.choices == [] and definition.min_value is None
    assert definition.related_entity == ""


def test_field_form_shows_type_specific_inputs_only_for_their_types(client, admin_user, supplier):
    client.force_login(admin_user)
    html = client.get(reverse("customization:field_create", args=["supplier"])).content.decode()
    assert 'id="field-type"' in html
    assert 'data-show-when="field-type=choice,multichoice"' in html
    assert 'data-show-when="field-type=number,money"' in html
    assert 'data-show-when="field-type=relation"' in html


def test_refused_field_form_shows_the_message(client, admin_user, supplier, city, snapshot):
    client.force_login(admin_user)
    before = snapshot()
    form = {**FIELD_FORM, "key": "city", "type": "number", "min_value": "9", "max_value": "1"}
    response = client.post(reverse("customization:field_create", args=["supplier"]), form)
    assert response.status_code == 422
    html = response.content.decode()
    assert "This entity already has a field with this key." in html
    assert "The minimum cannot be greater than the maximum." in html
    assert snapshot() == before


def test_administrator_renames_a_field_and_values_follow(
    client, admin_user, registry, supplier, city
):
    record = create_record(registry.get("supplier"), admin_user, {"name": "S", "city": "Kraków"})
    client.force_login(admin_user)
    form = {**FIELD_FORM, "label": "Town", "key": "town", "type": "text", "choices": ""}
    response = client.post(reverse("customization:field_edit", args=[city.pk]), form)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.custom == {"town": "Kraków"}


def test_deleting_a_field_shows_how_many_values_go(client, admin_user, registry, supplier, city):
    create_record(registry.get("supplier"), admin_user, {"name": "S", "city": "Kraków"})
    client.force_login(admin_user)
    url = reverse("customization:field_delete", args=[city.pk])
    html = client.get(url).content.decode()
    assert "1 record holds a value in this field" in html
    assert "data-confirm=" in html
    assert client.post(url).status_code == 302
    assert not FieldDefinition.objects.filter(pk=city.pk).exists()


def test_deleting_an_entity_needs_its_key_typed(client, admin_user, registry, supplier):
    record = create_record(registry.get("supplier"), admin_user, {"name": "Acme"})
    services.create_field(
        admin_user,
        {
            "entity": "company",
            "key": "main_supplier",
            "label": "Main supplier",
            "type": "relation",
            "related_entity": "supplier",
        },
    )
    client.force_login(admin_user)
    url = reverse("customization:entity_type_delete", args=["supplier"])
    page = client.get(url).content.decode()
    assert "1 record, with its timeline" in page
    assert "the field “Main supplier” of “Companies”" in page
    assert "data-confirm=" in page

    response = client.post(url, {"confirm_key": "suppliers"})
    assert response.status_code == 422
    assert "Type the key “supplier” to confirm." in response.content.decode()
    assert Record.objects.filter(pk=record.pk).exists()

    response = client.post(url, {"confirm_key": "supplier"})
    assert response.status_code == 302
    assert not Record.objects.filter(pk=record.pk).exists()
    assert registry.find("supplier") is None


def test_builtin_entities_cannot_be_edited_or_deleted(client, admin_user):
    client.force_login(admin_user)
    assert (
        client.get(reverse("customization:entity_type_edit", args=["company"])).status_code == 404
    )
    url = reverse("customization:entity_type_delete", args=["company"])
    assert client.post(url, {"confirm_key": "company"}).status_code == 404


def test_administrator_creates_and_deletes_a_relation(client, admin_user, supplier):
    client.force_login(admin_user)
    response = client.post(
        reverse("customization:relation_type_create"),
        {
            "from_entity": "company",
            "to_entity": "supplier",
            "label": "Suppliers",
            "reverse_label": "Clients",
            "cardinality": "one_to_many",
        },
    )
    assert response.status_code == 302
    relation = RelationType.objects.get()
    assert relation.cardinality == "one_to_many"
    html = client.get(reverse("customization:relation_types")).content.decode()
    assert "Suppliers" in html and "Clients" in html
    response = client.post(reverse("customization:relation_type_delete", args=[relation.pk]))
    assert response.status_code == 302
    assert not RelationType.objects.exists()


def test_administrator_manages_required_field_templates(client, admin_user, supplier, city):
    client.force_login(admin_user)
    url = reverse("customization:template_create") + "?entity=supplier"
    html = client.get(url).content.decode()
    assert 'value="city"' in html
    response = client.post(url, {"name": "Address", "fields_": ["city"], "active": "on"})
    assert response.status_code == 302
    template = RequiredFieldsTemplate.objects.get()
    assert template.fields == ["city"] and template.active

    edit = reverse("customization:template_edit", args=[template.pk])
    response = client.post(edit, {"name": "Address", "fields_": []})
    assert response.status_code == 422
    assert "Choose at least one field." in response.content.decode()
    response = client.post(edit, {"name": "Address", "fields_": ["name", "city"]})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.fields == ["name", "city"] and not template.active

    response = client.post(reverse("customization:template_delete", args=[template.pk]))
    assert response.status_code == 302
    assert not RequiredFieldsTemplate.objects.exists()


def test_template_for_an_unknown_entity_goes_back_to_the_list(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("customization:template_create") + "?entity=planet")
    assert response.status_code == 302
    assert response["Location"] == reverse("customization:templates")
