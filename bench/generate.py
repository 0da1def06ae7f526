"""The bench data set, the same for the same seed: users in teams with the built-in roles,
custom fields on contacts and deals, companies, contacts, deals in two pipelines and
timeline entries, loaded through the project's own bulk paths (`platform.bulk`) and
`customization.services.create_field`.

One contact ("the card contact") gets exactly 1,000 timeline entries (its "created" entry
and 999 more); a few contacts share a rare surname, many share a common first name, so
search can be measured with a rare and a common term.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

SCALES = {
    "small": {
        "companies": 4_000,
        "contacts": 20_000,
        "deals": 10_000,
        "tickets": 5_000,
        "timeline": 100_000,
    },
    "full": {
        "companies": 200_000,
        "contacts": 1_000_000,
        "deals": 500_000,
        "tickets": 200_000,
        "timeline": 5_000_000,
    },
}
SEED = 20260101
USERS = 100
TEAMS = 10
CARD_ENTRIES = 1_000
RARE_SURNAME = "Wyszomirska"
COMMON_TERM = "anna"
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
SEGMENTS = ["enterprise", "mid-market", "smb", "startup", "public"]
REGIONS = ["north", "south", "east", "west", "central"]
# of the deals: 9 in 10 in the main pipeline; 22 % open there, the rest won or lost
PARTNER_SHARE = 0.1
OPEN_SHARE = 0.22
WON_SHARE = 0.45
ROLE_MIX = [("administrator", 2), ("head_of_sales", 8), ("support_agent", 6), ("read_only", 4)]

FIRST = (
    "Anna Maria Olga Ewa Irina Katarzyna Natalia Agnieszka Elena Tatiana Joanna Svetlana "
    "Piotr Ivan Jan Sergey Tomasz Dmitry Paweł Alexey Michał Andrey Krzysztof Nikolai John "
    "Emma Oliver Sophia Lucas Mia Jakub Zofia Artem Daria Marek Alicja Семён Łukasz Ольга Игорь"
).split()
LAST = (
    "Kowalski Nowak Wiśniewski Wójcik Kamiński Lewandowski Zieliński Szymański Woźniak "
    "Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Ivanov Petrov Sidorov Smirnov "
    "Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov Fedorov Smith Johnson "
    "Brown Taylor Miller Wilson Moore Иванов Петров Смирнов Кузнецов Соколов Попов Łącki"
).split()
ROOTS = (
    "Alfa Baltic Vistula Polar Nord Ural Volga Amber Sigma Orion Vector Delta Kraków Mazovia "
    "Sokol Granit Zenit Kvant Atlas Nova Terra Prima Optima Techno Stal Drewno Agro Medi"
).split()
KINDS = "Trade Logistics Systems Group Holding Service Solutions Industries Labs Partners".split()
FORMS = ["Sp. z o.o.", "S.A.", "OOO", "AO", "Ltd", "GmbH", "Inc."]
POSITIONS = "CEO CFO CTO Buyer Manager Engineer Accountant Director Assistant Owner".split()
INDUSTRIES = "it manufacturing retail wholesale services logistics construction finance".split()
SOURCES = "website referral cold_call exhibition advertising social partner other".split()
TAGS = "vip newsletter partner lost-once key-account reseller".split()
WORDS = (
    "call back about the offer discussed prices delivery terms contract signed invoice sent "
    "meeting at office demo went well asked for discount next quarter budget approved waiting"
).split()


@dataclass
class Loaded:
    """What the measurements need to know about the generated data."""

    scale: str
    admin_id: int = 0
    manager_id: int = 0
    card_contact_id: int = 0
    contact_ids_sample: list[int] = field(default_factory=list)
    rare_term: str = RARE_SURNAME.lower()
    common_term: str = COMMON_TERM
    filter_segment: str = "enterprise"
    pipeline_id: int = 0
    ticket_id: int = 0
    rates: dict[str, dict] = field(default_factory=dict)


def _phase(loaded: Loaded, name: str, started: float, rows: int) -> None:
    seconds = time.perf_counter() - started
    rate = rows / seconds if seconds else 0.0
    loaded.rates[name] = {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rate)}
    print(f"  load {name:<10} {rows:>10,} rows in {seconds:8.1f} s = {rate:10,.0f} rows/s")


def _users(rnd: random.Random, loaded: Loaded) -> list:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from kartoteka.accounts.models import Role, Team

    roles = {role.key: role for role in Role.objects.all()}
    teams = Team.objects.bulk_create([Team(name=f"Bench team {n + 1}") for n in range(TEAMS)])
    plan = [key for key, count in ROLE_MIX for _ in range(count)]
    plan += ["manager"] * (USERS - len(plan))
    unusable = make_password(None)
    user_model = get_user_model()
    users = [
        user_model(
            username=f"bench{n:03d}",
            first_name=rnd.choice(FIRST),
            last_name=rnd.choice(LAST),
            email=f"bench{n:03d}@example.com",
            password=unusable,
            role=roles[key],
            team=teams[n % TEAMS],
            is_staff=key == "administrator",
        )
        for n, key in enumerate(plan)
    ]
    users = user_model.objects.bulk_create(users)
    users = list(user_model.objects.filter(username__startswith="bench").order_by("username"))
    loaded.admin_id = users[0].pk
    loaded.manager_id = next(u.pk for u in users if u.role.key == "manager")
    return users


def _fields(admin) -> None:
    from kartoteka.customization.services import create_field

    create_field(
        admin,
        {
            "entity": "contact",
            "key": "segment",
            "label": "Segment",
            "type": "choice",
            "choices": SEGMENTS,
            "filterable": True,
        },
    )
    create_field(
        admin,
        {
            "entity": "contact",
            "key": "revenue",
            "label": "Revenue",
            "type": "number",
            "filterable": True,
        },
    )
    create_field(
        admin,
        {"entity": "contact", "key": "since", "label": "Client since", "type": "date"},
    )
    create_field(
        admin,
        {
            "entity": "deal",
            "key": "region",
            "label": "Region",
            "type": "choice",
            "choices": REGIONS,
            "filterable": True,
        },
    )


def _moment(rnd: random.Random, index: int, total: int) -> datetime:
    """Creation times rise with the row number, so "newest first" is a real order."""
    return START + SPAN * (index / total) + timedelta(seconds=rnd.randrange(3600))


def _phone(rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return f"+48 5{rnd.randrange(10)}{rnd.randrange(10)} {rnd.randrange(1000):03d} " + (
            f"{rnd.randrange(1000):03d}"
        )
    return f"+7 9{rnd.randrange(100):02d} {rnd.randrange(1000):03d}-{rnd.randrange(10000):04d}"


def company_rows(rnd: random.Random, count: int, owners: list[int]) -> Iterator:
    from kartoteka.platform.bulk import BulkRow

    for n in range(count):
        name = f"{rnd.choice(ROOTS)} {rnd.choice(KINDS)} {n} {rnd.choice(FORMS)}"
        slug = f"c{n}"
        yield BulkRow(
            {
                "name": name,
                "phones": [_phone(rnd)],
                "emails": [f"office@{slug}.example.com"],
                "website": f"https://{slug}.example.com",
                "industry": rnd.choice(INDUSTRIES),
                "source": rnd.choice(SOURCES),
                "tags": rnd.sample(TAGS, rnd.randrange(3)),
                "owner": rnd.choice(owners),
            },
            created_at=_moment(rnd, n, count),
        )


def contact_rows(rnd: random.Random, count: int, owners: list[int], companies: list[int]):
    from kartoteka.platform.bulk import BulkRow

    rare_every = max(count // 3, 1)
    for n in range(count):
        last = RARE_SURNAME if n % rare_every == rare_every // 2 else rnd.choice(LAST)
        first = rnd.choice(FIRST)
        data = {
            "first_name": first,
            "last_name": last,
            "company": rnd.choice(companies) if rnd.random() < 0.8 else None,
            "position": rnd.choice(POSITIONS),
            "phones": [_phone(rnd)],
            "emails": [f"p{n}@mail{n % 97}.example.com"],
            "source": rnd.choice(SOURCES),
            "tags": rnd.sample(TAGS, rnd.randrange(3)),
            "owner": rnd.choice(owners),
            "segment": rnd.choice(SEGMENTS),
            "revenue": rnd.randrange(1_000, 10_000_000),
            "since": (START - timedelta(days=rnd.randrange(3650))).date().isoformat(),
        }
        yield BulkRow(data, created_at=_moment(rnd, n, count))


def _partner_pipeline() -> int:
    """A second pipeline, so the board reads one pipeline among several."""
    from kartoteka.platform.registry import registry
    from kartoteka.sales.models import Pipeline, Stage

    pipeline = Pipeline.objects.create(name="Partners", order=1)
    for order, (name, kind) in enumerate((("Talk", "open"), ("Signed", "won"), ("No", "lost"))):
        Stage.objects.create(pipeline=pipeline, name=name, kind=kind, order=order)
    registry.bump()
    return pipeline.pk


def deal_rows(
    rnd: random.Random, count: int, owners: list[int], companies: list[int], partner: int
):
    from kartoteka.platform.bulk import BulkRow
    from kartoteka.sales import config
    from kartoteka.sales.models import Reason

    main = config.default_pipeline_id()
    stages = {pid: config.stages_of(pid) for pid in (main, partner)}
    reasons = list(Reason.objects.filter(kind="loss").values_list("pk", flat=True))
    for n in range(count):
        pipeline = main if rnd.random() >= PARTNER_SHARE else next(p for p in stages if p != main)
        roll = rnd.random()
        kind = "open" if roll < OPEN_SHARE else "won" if roll < OPEN_SHARE + WON_SHARE else "lost"
        stage = rnd.choice([s for s in stages[pipeline] if s.kind == kind])
        data = {
            "name": f"{rnd.choice(ROOTS)} {rnd.choice(KINDS)} deal {n}",
            "amount": rnd.randrange(100, 500_000),
            "company": rnd.choice(companies),
            "stage": stage.pk,
            "source": rnd.choice(SOURCES),
            "owner": rnd.choice(owners),
            "region": rnd.choice(REGIONS),
        }
        if kind == "lost":
            data["lost_reason"] = rnd.choice(reasons)
        yield BulkRow(data, created_at=_moment(rnd, n, count))


TICKET_WORDS = "printer invoice login password export report delivery slow error access".split()
# of the tickets: 3 in 10 still open, in every open status; 1 in 10 unassigned
TICKET_OPEN_SHARE = 0.3
CONVERSATION = 50


def ticket_rows(rnd: random.Random, count: int, agents: list[int], contacts: list[int]):
    from kartoteka.platform.bulk import BulkRow

    open_statuses = ["new", "open", "open", "waiting_customer", "waiting_third_party"]
    for n in range(count):
        word = rnd.choice(TICKET_WORDS)
        is_open = rnd.random() < TICKET_OPEN_SHARE
        data = {
            "subject": f"The {word} does not work ({n})",
            "description": " ".join(rnd.choices(WORDS, k=rnd.randrange(8, 30))).capitalize(),
            "contact": rnd.choice(contacts),
            "priority": rnd.choices(["low", "normal", "high", "urgent"], [2, 6, 2, 1])[0],
            "type": rnd.choice(["question", "incident", "bug", "complaint"]),
            "status": rnd.choice(open_statuses) if is_open else rnd.choice(["resolved", "closed"]),
            "owner": None if rnd.random() < 0.1 else rnd.choice(agents),
        }
        yield BulkRow(data, created_at=_moment(rnd, n, count))


def _conversation(ticket_id: int, agent_id: int, messages: int) -> None:
    """A long conversation on one ticket, for the ticket card's measurement."""
    from kartoteka.service.models import Message, Ticket

    ticket = Ticket.objects.get(pk=ticket_id)
    Message.objects.bulk_create(
        Message(
            ticket=ticket,
            kind="reply" if n % 2 else "customer",
            author_user_id=agent_id if n % 2 else None,
            author_contact_id=None if n % 2 else ticket.contact_id,
            body=f"Message {n}: " + " ".join(WORDS[: 10 + n % 20]),
            at=ticket.created_at + timedelta(minutes=10 * (n + 1)),
        )
        for n in range(messages)
    )


def activity_rows(rnd, total: int, card_id: int, contacts: list[int], companies: list[int], users):
    from kartoteka.platform.bulk import BulkActivity

    kinds = ["note", "call", "email", "meeting"]
    now = START + SPAN

    def entry(entity: str, object_id: int) -> BulkActivity:
        body = " ".join(rnd.choices(WORDS, k=rnd.randrange(4, 16))).capitalize()
        return BulkActivity(
            entity=entity,
            object_id=object_id,
            kind=rnd.choice(kinds),
            body=body,
            at=now - timedelta(seconds=rnd.randrange(int(SPAN.total_seconds()))),
            actor_id=rnd.choice(users),
        )

    for _ in range(CARD_ENTRIES - 1):  # plus its "created" entry: 1,000 on the card
        yield entry("contact", card_id)
    for _ in range(max(total - CARD_ENTRIES + 1, 0)):
        if rnd.random() < 0.8:
            yield entry("contact", rnd.choice(contacts))
        else:
            yield entry("company", rnd.choice(companies))


def load(scale: str, seed: int = SEED) -> Loaded:
    from kartoteka.platform import bulk
    from kartoteka.platform.registry import registry

    sizes = SCALES[scale]
    rnd = random.Random(seed)
    loaded = Loaded(scale=scale)

    started = time.perf_counter()
    users = _users(rnd, loaded)
    _phase(loaded, "users", started, len(users))
    admin = users[0]
    owners = [u.pk for u in users if u.role.key in ("manager", "head_of_sales")]

    started = time.perf_counter()
    _fields(admin)
    _phase(loaded, "fields", started, 3)

    started = time.perf_counter()
    result = bulk.bulk_create_records(
        registry.get("company"), admin, company_rows(rnd, sizes["companies"], owners)
    )
    _check(result, "company")
    companies = result.ids
    _phase(loaded, "companies", started, result.created)

    started = time.perf_counter()
    result = bulk.bulk_create_records(
        registry.get("contact"),
        admin,
        contact_rows(rnd, sizes["contacts"], owners, companies),
    )
    _check(result, "contact")
    contacts = result.ids
    _phase(loaded, "contacts", started, result.created)

    started = time.perf_counter()
    partner = _partner_pipeline()  # before the deal spec is read: its stages are choices
    result = bulk.bulk_create_records(
        registry.get("deal"), admin, deal_rows(rnd, sizes["deals"], owners, companies, partner)
    )
    _check(result, "deal")
    _phase(loaded, "deals", started, result.created)
    from kartoteka.sales import config

    loaded.pipeline_id = config.default_pipeline_id()

    started = time.perf_counter()
    agents = [u.pk for u in users if u.role.key == "support_agent"]
    result = bulk.bulk_create_records(
        registry.get("ticket"), admin, ticket_rows(rnd, sizes["tickets"], agents, contacts)
    )
    _check(result, "ticket")
    _phase(loaded, "tickets", started, result.created)
    loaded.ticket_id = result.ids[-1]
    _conversation(loaded.ticket_id, agents[0], CONVERSATION)

    loaded.card_contact_id = contacts[len(contacts) // 2]
    loaded.contact_ids_sample = rnd.sample(contacts, min(2000, len(contacts)))
    started = time.perf_counter()
    written = bulk.bulk_add_activities(
        activity_rows(rnd, sizes["timeline"], loaded.card_contact_id, contacts, companies, owners)
    )
    _phase(loaded, "timeline", started, written)
    return loaded


def _check(result, what: str) -> None:
    if result.errors:
        index, errors = result.errors[0]
        raise SystemExit(f"bench: {len(result.errors)} {what} rows refused; row {index}: {errors}")
