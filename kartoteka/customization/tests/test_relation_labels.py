"""Translated labels of relation types: stored through the services, the settings form and
the API, refused whole when wrong, and shown on both cards in the reader's language."""

import pytest
from django.urls import reverse
from django.utils import translation

from kartoteka.customization import services
from kartoteka.customization.models import RelationType
from kartoteka.platform.fields import InputErrors
from kartoteka.platform.permissions import PermissionDenied
from kartoteka.platform.services import create_record, link_records

pytestmark = pytest.mark.django_db

RELATION = {
    "from_entity": "company",
    "to_entity": "supplier",
    "label": "Suppliers",
    "reverse_label": "Clients",
}
RUSSIAN = {"ru": {"label": "Поставщики компании", "reverse": "Покупатели"}}


@pytest.fixture
def relation(admin_user, supplier):
    return services.create_relation_type(admin_user, {**RELATION, "labels": RUSSIAN})


@pytest.fixture
def linked(admin_user, registry, relation):
    company = create_record(registry.get("company"), admin_user, {"name": "Buyer"})
    acme = create_record(registry.get("supplier"), admin_user, {"name": "Acme"})
    link_records(admin_user, relation, company, acme)
    return company, acme


def test_translations_are_stored_and_follow_the_active_language(relation):
    relation.refresh_from_db()
    assert relation.labels == RUSSIAN
    with translation.override("ru"):
        assert relation.display_label == "Поставщики компании"
        assert relation.display_reverse_label == "Покупатели"
    with translation.override("pl"):  # not translated: the default labels
        assert relation.display_label == "Suppliers"
        assert relation.display_reverse_label == "Clients"
    with translation.override("en"):
        assert relation.display_label == "Suppliers"


def test_half_translated_relation_falls_back_per_label(admin_user, supplier):
    relation = services.create_relation_type(
        admin_user, {**RELATION, "labels": {"pl": {"label": "Dostawcy", "reverse": " "}}}
    )
    assert relation.labels == {"pl": {"label": "Dostawcy"}}
    with translation.override("pl"):
        assert relation.display_label == "Dostawcy"
        assert relation.display_reverse_label == "Clients"


def test_both_cards_show_the_russian_labels(client, admin_user, linked):
    company, acme = linked
    admin_user.language = "ru"
    admin_user.save()
    client.force_login(admin_user)

    company_card = client.get(f"/e/company/{company.pk}/").content.decode()
    assert "Поставщики компании" in company_card and "Acme" in company_card
    supplier_card = client.get(f"/e/supplier/{acme.pk}/").content.decode()
    assert "Покупатели" in supplier_card and "Buyer" in supplier_card
    assert ">Clients<" not in supplier_card

    links = client.get(f"/api/v1/entities/company/records/{company.pk}/links").json()
    assert [group["label"] for group in links] == ["Поставщики компании"]


def test_english_reader_sees_the_default_labels(client, admin_user, linked):
    company, _acme = linked
    client.force_login(admin_user)
    html = client.get(f"/e/company/{company.pk}/").content.decode()
    assert "Suppliers" in html and "Поставщики компании" not in html


def test_service_changes_labels_and_translations(admin_user, registry, relation):
    version = registry.current_version()
    services.update_relation_type(
        admin_user,
        relation,
        {
            "label": "Vendors",
            "labels": {"pl": {"label": "Dostawcy", "reverse": "Klienci"}},
        },
    )
    relation.refresh_from_db()
    assert relation.label == "Vendors"
    assert relation.reverse_label == "Clients"  # not sent: kept
    assert relation.labels == {"pl": {"label": "Dostawcy", "reverse": "Klienci"}}
    assert registry.current_version() == version + 1  # the schema changed for every process
    assert registry.relation_types_for("supplier")[0].labels == relation.labels


@pytest.mark.parametrize(
    "change, key, message",
    [
        ({"labels": {"de": {"label": "Lieferanten"}}}, "labels", "Unknown language “de”."),
        ({"labels": {"en": {"label": "Vendors"}}}, "labels", "Unknown language “en”."),
        ({"labels": {"ru": {"label": "Я" * 101}}}, "labels.ru.label",
         "Enter at most 100 characters (it has 101)."),
        ({"labels": {"ru": {"reverse": 5}}}, "labels.ru.reverse", "Enter text."),
        ({"labels": {"ru": {"plural": "Ы"}}}, "labels.ru",
         "Send an object with “label” and “reverse”."),
        ({"labels": ["ru"]}, "labels", "Send the translations as an object keyed by language."),
        ({"label": ""}, "label", "This field is required."),
        ({"reverse_label": "R" * 101}, "reverse_label",
         "Enter at most 100 characters (it has 101)."),
        ({"to_entity": "company"}, "to_entity", "This cannot be changed once the relation exists."),
        ({"cardinality": "one_to_many"}, "cardinality",
         "This cannot be changed once the relation exists."),
        ({"weight": 3}, "weight", "Unknown field."),
    ],
)  # fmt: skip
def test_bad_updates_are_refused_whole(admin_user, relation, snapshot, change, key, message):
    before = snapshot()
    with pytest.raises(InputErrors) as refused:
        services.update_relation_type(admin_user, relation, {"label": "Vendors", **change})
    assert refused.value.errors[key] == [message]
    assert snapshot() == before


def test_bad_translations_are_refused_on_create(admin_user, supplier, snapshot):
    before = snapshot()
    with pytest.raises(InputErrors) as refused:
        services.create_relation_type(
            admin_user, {**RELATION, "labels": {"xx": {"label": "?"}, "pl": {"label": "D" * 101}}}
        )
    assert refused.value.errors == {
        "labels": ["Unknown language “xx”."],
        "labels.pl.label": ["Enter at most 100 characters (it has 101)."],
    }
    assert snapshot() == before


def test_unchanged_fixed_values_may_be_repeated(admin_user, relation):
    services.update_relation_type(
        admin_user, relation, {"key": relation.key, "cardinality": relation.cardinality}
    )


def test_update_may_not_take_a_label_of_a_sibling_relation(admin_user, relation, snapshot):
    other = services.create_relation_type(admin_user, {**RELATION, "label": "Backup suppliers"})
    before = snapshot()
    with pytest.raises(InputErrors) as refused:
        services.update_relation_type(admin_user, other, {"label": "Suppliers"})
    assert refused.value.errors["label"] == [
        "These entities already have a relation with this label."
    ]
    assert snapshot() == before
    services.update_relation_type(admin_user, relation, {"label": "Suppliers"})  # its own


def test_manager_cannot_change_relation_types(manager, relation, snapshot):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.update_relation_type(manager, relation, {"label": "Vendors"})
    assert snapshot() == before


# -- the settings pages ------------------------------------------------------------------------


def test_new_relation_form_takes_translations(client, admin_user, supplier):
    client.force_login(admin_user)
    response = client.post(
        reverse("customization:relation_type_create"),
        {
            **RELATION,
            "cardinality": "many_to_many",
            "label_ru": "Поставщики компании",
            "reverse_ru": "Покупатели",
            "label_pl": "",
            "reverse_pl": "",
        },
    )
    assert response.status_code == 302
    assert RelationType.objects.get().labels == RUSSIAN


def test_administrator_edits_a_relation_from_the_list(client, admin_user, relation):
    client.force_login(admin_user)
    edit = reverse("customization:relation_type_edit", args=[relation.pk])
    assert edit == f"/settings/relations/{relation.pk}/edit/"
    assert edit in client.get(reverse("customization:relation_types")).content.decode()

    html = client.get(edit).content.decode()
    assert 'value="Поставщики компании"' in html and 'name="reverse_pl"' in html
    assert 'name="from_entity"' not in html and 'name="cardinality"' not in html

    response = client.post(
        edit,
        {
            "label": "Vendors",
            "reverse_label": "Buyers",
            "label_ru": "Поставщики",
            "reverse_ru": "",
            "label_pl": "Dostawcy",
            "reverse_pl": "Odbiorcy",
        },
    )
    assert response.status_code == 302
    relation.refresh_from_db()
    assert (relation.label, relation.reverse_label) == ("Vendors", "Buyers")
    assert relation.labels == {
        "ru": {"label": "Поставщики"},
        "pl": {"label": "Dostawcy", "reverse": "Odbiorcy"},
    }
    assert (relation.from_entity, relation.to_entity) == ("company", "supplier")


def test_refused_edit_form_shows_the_message_and_writes_nothing(
    client, admin_user, relation, snapshot
):
    client.force_login(admin_user)
    before = snapshot()
    response = client.post(
        reverse("customization:relation_type_edit", args=[relation.pk]),
        {"label": "", "reverse_label": "Buyers", "label_ru": "Я" * 101},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "is-invalid" in html
    assert snapshot() == before


def test_edit_page_is_for_administrators_only(client, manager, relation, snapshot):
    client.force_login(manager)
    before = snapshot()
    edit = reverse("customization:relation_type_edit", args=[relation.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"label": "X", "reverse_label": "Y"}).status_code == 403
    assert snapshot() == before


def test_edit_page_of_a_missing_relation_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("customization:relation_type_edit", args=[999])).status_code == 404
