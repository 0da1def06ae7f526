"""`kartoteka demo`: the users, companies, contacts and timelines it creates, in each language,
and that it leaves a database with users alone."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from kartoteka.accounts.models import Team
from kartoteka.contacts.demo import pl, ru
from kartoteka.contacts.demo.generator import (
    HISTORY_DAYS,
    INDUSTRY_WEIGHTS,
    PACKS,
    SOURCE_WEIGHTS,
    make_plan,
)
from kartoteka.contacts.demo.text import slug
from kartoteka.contacts.entities import INDUSTRIES, SOURCES
from kartoteka.contacts.models import Company, Contact
from kartoteka.platform.search import search, terms_of
from kartoteka.timeline.models import Activity

USER_KINDS = [str(kind) for kind in Activity.USER_KINDS]


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **{"companies": 20, "contacts": 40, "language": "ru",
                                        **options})  # fmt: skip
    return out.getvalue()


@pytest.fixture
def demo(db) -> str:
    return run_demo()


def test_creates_staff_companies_and_contacts(demo):
    users = {user.username: user for user in get_user_model().objects.select_related("role")}
    assert len(users) == 8
    assert Company.objects.count() == 20
    assert Contact.objects.count() == 40
    assert Contact.objects.filter(company__isnull=False).count() >= 25
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Север", "Юг"]

    admin = users["admin"]
    assert admin.is_superuser and admin.role.key == "administrator" and admin.language == "ru"
    roles = sorted(user.role.key for user in users.values())
    assert roles == ["administrator", "head_of_sales", *["manager"] * 4, "read_only",
                     "support_agent"]  # fmt: skip
    managers = [user for user in users.values() if user.role.key == "manager"]
    assert sorted(user.team.name for user in managers) == ["Север", "Север", "Юг", "Юг"]
    assert all(user.language == "ru" for user in users.values())

    sellers = {user.pk for user in managers} | {users["sokolova"].pk}
    assert set(Company.objects.values_list("owner_id", flat=True)) <= sellers
    for contact in Contact.objects.filter(company__isnull=False).select_related("company"):
        assert contact.owner_id == contact.company.owner_id
    assert "admin / admin" in demo and "http://127.0.0.1:8000/" in demo


def test_records_have_believable_values(demo):
    industries = {key for key, _label in INDUSTRIES}
    sources = {key for key, _label in SOURCES}
    for company in Company.objects.all():
        assert company.name.startswith(("ООО «", "АО «", "ПАО «", "ГК «", "ТД «"))
        assert company.industry in industries and company.source in sources
        assert company.address and "г. " in company.address
        for phone in company.phones:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.region_code_for_number(number) == "RU"
        domain = company.emails[0].split("@")[1]
        assert domain.isascii() and domain.endswith((".ru.example", ".com.example", ".su.example"))
        assert not company.website or company.website.endswith(domain)
    for contact in Contact.objects.exclude(emails=[]).select_related("company"):
        assert contact.emails[0].endswith("@" + contact.company.emails[0].split("@")[1])


def test_admin_and_staff_can_log_in(demo):
    assert Client().login(username="admin", password="admin")
    assert Client().login(username="orlov", password="orlov")
    assert not Client().login(username="admin", password="wrong")


def test_records_have_a_history_in_the_past(demo):
    now = timezone.now()
    earliest = now - dt.timedelta(days=HISTORY_DAYS + 1)
    for model, key in ((Company, "company"), (Contact, "contact")):
        # the demo card index's own history (service desk conversations are checked there)
        entries = Activity.objects.filter(entity=key, kind__in=USER_KINDS).exclude(
            payload__has_key="ticket"
        )
        assert entries.exists()
        owners = dict(model.objects.values_list("pk", "owner_id"))
        created = dict(model.objects.values_list("pk", "created_at"))
        for entry in entries:
            assert earliest < entry.at < now
            assert entry.body.strip() and entry.summary
            assert entry.actor_id == owners[entry.object_id]
            assert entry.at > created[entry.object_id]
        for pk, created_at in created.items():
            assert earliest < created_at < now
            assert Activity.objects.get(entity=key, object_id=pk, kind="created").at == created_at
    per_company = [
        Activity.objects.filter(entity="company", object_id=pk, kind__in=USER_KINDS).count()
        for pk in Company.objects.values_list("pk", flat=True)
    ]
    assert max(per_company) <= 8 and len(set(per_company)) > 2


def test_search_finds_a_company_by_a_word_of_its_name(demo):
    admin = get_user_model().objects.get(username="admin")
    for company in Company.objects.all()[:5]:
        word = max(terms_of(company.name), key=len)
        hits = search(admin, word, entity="company")
        assert company.pk in [hit.object_id for hit in hits], (company.name, word)


def test_if_empty_does_nothing_the_second_time(demo):
    counts = (get_user_model().objects.count(), Company.objects.count(), Activity.objects.count())
    out = run_demo(if_empty=True)
    assert out.strip().count("\n") == 0 and "skipped" in out
    assert counts == (
        get_user_model().objects.count(),
        Company.objects.count(),
        Activity.objects.count(),
    )
    with pytest.raises(CommandError):
        run_demo()


def test_the_same_seed_gives_the_same_names(demo):
    planned = [company.name for company in make_plan("ru", 20, 40, seed=1).companies]
    assert sorted(Company.objects.values_list("name", flat=True)) == sorted(planned)
    assert [c.name for c in make_plan("ru", 20, 40, seed=1).companies] == planned
    assert [c.name for c in make_plan("ru", 20, 40, seed=2).companies] != planned
    contacts = [c.full_name for c in make_plan("ru", 20, 40, seed=1).contacts]
    assert contacts == [c.full_name for c in make_plan("ru", 20, 40, seed=1).contacts]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "teams"), [("en", ["North", "South"]),
                                                 ("pl", ["Południe", "Północ"])])  # fmt: skip
def test_other_languages(language, teams):
    run_demo(language=language, companies=8, contacts=12)
    assert sorted(Team.objects.values_list("name", flat=True)) == teams
    assert Company.objects.count() == 8 and Contact.objects.count() == 12
    assert get_user_model().objects.get(username="admin").language == language


@pytest.mark.django_db
def test_language_defaults_to_the_setting(settings):
    settings.LANGUAGE_CODE = "pl"
    run_demo(language=None, companies=2, contacts=2)
    assert Team.objects.filter(name="Północ").exists()


@pytest.mark.parametrize(("language", "region"), [("en", "GB"), ("ru", "RU"), ("pl", "PL")])
def test_plans_have_valid_unique_phones_and_ascii_addresses(language, region):
    plan = make_plan(language, 300, 600, seed=7)
    names = [company.name for company in plan.companies]
    assert len(set(names)) == len(names)
    phones = [p for record in [*plan.companies, *plan.contacts] for p in record.data["phones"]]
    assert len(set(phones)) == len(phones)
    for phone in phones:
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.region_code_for_number(number) == region
    assert len({phone[:6] for phone in phones}) > 5  # several cities and mobile operators
    for record in [*plan.companies, *plan.contacts]:
        for email in record.data.get("emails", []):
            assert email.isascii() and email.count("@") == 1
    assert sum(1 for contact in plan.contacts if contact.company is not None) > 450


def test_weights_cover_every_industry_and_source():
    assert set(INDUSTRY_WEIGHTS) == {key for key, _label in INDUSTRIES}
    assert set(SOURCE_WEIGHTS) == {key for key, _label in SOURCES}
    for pack in PACKS.values():
        for key in INDUSTRY_WEIGHTS:
            assert pack.company_name(random.Random(1), key).core


def test_russian_and_polish_surnames_agree_with_gender():
    assert ru.feminine("Иванов") == "Иванова"
    assert ru.feminine("Ильин") == "Ильина"
    assert ru.feminine("Соловьёв") == "Соловьёва"
    assert ru.feminine("Островский") == "Островская"
    assert ru.feminine("Высоцкий") == "Высоцкая"
    assert ru.feminine("Толстой") == "Толстая"
    assert ru.feminine("Шевченко") == "Шевченко"
    assert ru.feminine("Черных") == "Черных"
    assert pl.feminine("Kowalski") == "Kowalska"
    assert pl.feminine("Zawadzki") == "Zawadzka"
    assert pl.feminine("Nowak") == "Nowak"


def test_transliteration():
    assert slug("Северный Путь") == "severnyy-put"
    assert slug("ЗдравФарм") == "zdravfarm"
    assert slug("Złota Dolina") == "zlota-dolina"
    assert slug("Łąka Źródło") == "laka-zrodlo"
    assert slug("Hughes & Clarke") == "hughes-and-clarke"
