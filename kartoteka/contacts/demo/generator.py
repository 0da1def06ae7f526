"""The demo plan: companies, contacts and their timelines as plain data, made from a
language pack and a seed. No database here; `loader.py` writes a plan through the services.

Everything is drawn from one `random.Random(seed)` in a fixed order, so the same seed gives
the same names, numbers and texts. Dates are drawn from a second generator and counted back
from `now`, so they stay within the last 18 months whenever the plan is made.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import phonenumbers

from kartoteka.contacts.entities import INDUSTRIES, SOURCES

from . import en, pl, ru
from .pack import City, CompanyName, Pack, Staff, fill, weighted
from .text import slug

PACKS: dict[str, Pack] = {"en": en.PACK, "ru": ru.PACK, "pl": pl.PACK}
HISTORY_DAYS = 548  # 18 months
KINDS = (("call", 35), ("note", 28), ("email", 27), ("meeting", 10))
ENTRY_COUNTS = ((0, 8), (1, 12), (2, 15), (3, 15), (4, 14), (5, 12), (6, 10), (7, 7), (8, 7))
INDUSTRY_WEIGHTS = {
    "it": 12, "manufacturing": 12, "retail": 10, "wholesale": 12, "services": 14,
    "logistics": 9, "construction": 11, "finance": 6, "healthcare": 6, "education": 4,
    "other": 4,
}  # fmt: skip
SOURCE_WEIGHTS = {
    "website": 25, "referral": 20, "cold_call": 15, "exhibition": 10, "advertising": 10,
    "social": 8, "partner": 8, "other": 4,
}  # fmt: skip
LINKED_SHARE = 0.85  # of contacts work at one of the companies


@dataclass
class PlannedEntry:
    kind: str
    body: str
    at: dt.datetime


@dataclass
class PlannedCompany:
    data: dict
    owner: str
    created_at: dt.datetime
    city: City
    domain: str
    entries: list[PlannedEntry] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.data["name"]


@dataclass
class PlannedContact:
    data: dict
    owner: str
    company: int | None
    created_at: dt.datetime
    entries: list[PlannedEntry] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.data['first_name']} {self.data['last_name']}"


@dataclass
class Plan:
    pack: Pack
    companies: list[PlannedCompany]
    contacts: list[PlannedContact]

    @property
    def staff(self) -> tuple[Staff, ...]:
        return self.pack.staff


def make_plan(
    language: str, companies: int, contacts: int, seed: int = 1, now: dt.datetime | None = None
) -> Plan:
    return _Planner(PACKS[language], seed, now).plan(companies, contacts)


class _Planner:
    def __init__(self, pack: Pack, seed: int, now: dt.datetime | None):
        self.pack = pack
        self.rng = random.Random(seed)
        self.dates = random.Random(f"{seed}:dates")
        self.tz = ZoneInfo(pack.timezone)
        self.now = (now or dt.datetime.now(dt.UTC)).astimezone(self.tz)
        self.phones: set[str] = set()
        self.cores: set[str] = set()
        self.domains: set[str] = set()
        self.emails: set[str] = set()
        owners = [s.username for s in pack.staff if s.role == "manager"]
        heads = [s.username for s in pack.staff if s.role == "head_of_sales"]
        self.owners = [(name, 22) for name in owners] + [(name, 12) for name in heads]
        # Only choices the entities still offer (a test keeps the two lists in step).
        industries, sources = dict(INDUSTRIES), dict(SOURCES)
        self.industries = [(k, w) for k, w in INDUSTRY_WEIGHTS.items() if k in industries]
        self.sources = [(k, w) for k, w in SOURCE_WEIGHTS.items() if k in sources]

    def plan(self, company_count: int, contact_count: int) -> Plan:
        companies = [self.company() for _ in range(company_count)]
        contacts = self.contacts(companies, contact_count)
        for company in companies:
            people = [contacts[i].full_name for i in company.contacts]
            company.entries = self.history(company.created_at, people, company_only=True)
        for contact in contacts:
            contact.entries = self.history(contact.created_at, [contact.full_name])
        return Plan(self.pack, companies, contacts)

    # -- companies ------------------------------------------------------------------------
    def company(self) -> PlannedCompany:
        rng, pack = self.rng, self.pack
        industry = weighted(rng, self.industries)
        name = pack.company_name(rng, industry)
        for _ in range(60):
            if name.core not in self.cores:
                break
            name = pack.company_name(rng, industry)
        else:  # every combination is taken: number the name
            core = f"{name.core} {len(self.cores) + 1}"
            name = CompanyName(full=name.full.replace(name.core, core, 1), core=core)
        self.cores.add(name.core)
        domain = self.domain(name.core)
        city = rng.choices(pack.cities, [c.weight for c in pack.cities])[0]
        phones = [self.phone(city.landlines)]
        if rng.random() < 0.25:
            phones.append(self.phone(city.landlines))
        boxes = rng.sample(pack.mailboxes, 2)
        emails = [f"{boxes[0]}@{domain}"]
        if rng.random() < 0.3:
            emails.append(f"{boxes[1]}@{domain}")
        website_roll = rng.random()
        website = (
            f"https://www.{domain}" if website_roll < 0.6
            else f"https://{domain}" if website_roll < 0.85 else ""
        )  # fmt: skip
        tags = rng.sample(pack.company_tags, weighted(rng, [(0, 45), (1, 40), (2, 15)]))
        data = {
            "name": name.full,
            "phones": phones,
            "emails": emails,
            "website": website,
            "address": pack.street_address(rng, city),
            "industry": industry,
            "source": weighted(rng, self.sources),
            "tags": tags,
        }
        created = self.moment(self.now - dt.timedelta(days=HISTORY_DAYS), self.days_ago(14))
        return PlannedCompany(
            data=data,
            owner=weighted(rng, self.owners),
            created_at=created,
            city=city,
            domain=domain,
        )

    def domain(self, core: str) -> str:
        """A domain under the reserved `.example` TLD (RFC 2606): demo data must never
        reach a real mailbox or web site, whatever a later campaign does with it."""
        words = slug(core)
        if "-" in words and self.rng.random() < 0.4:
            words = words.replace("-", "")
        tld = weighted(self.rng, self.pack.tlds) + ".example"
        domain = words + tld
        number = 2
        while domain in self.domains:
            domain = f"{words}{number}{tld}"
            number += 1
        self.domains.add(domain)
        return domain

    def phone(self, patterns: tuple[str, ...]) -> str:
        """A valid number no other record has, from the first pattern that still has one."""
        for pattern in patterns:
            for _ in range(25):
                number = fill(pattern, self.rng)
                if number in self.phones:
                    continue
                if phonenumbers.is_valid_number(phonenumbers.parse(number)):
                    self.phones.add(number)
                    return number
        raise RuntimeError(f"no free valid phone number for {patterns}")

    # -- contacts -------------------------------------------------------------------------
    def contacts(self, companies: list[PlannedCompany], count: int) -> list[PlannedContact]:
        rng, pack = self.rng, self.pack
        weights = [rng.choice((0.2, 1, 1, 1.5, 2, 3)) for _ in companies]
        result = []
        for index in range(count):
            female = rng.random() < 0.45
            first = rng.choice(pack.female_first if female else pack.male_first)
            last = pack.surname(rng, female)
            position = rng.choice(pack.positions)
            if isinstance(position, tuple):
                position = position[1 if female else 0]
            company_index = None
            if companies and rng.random() < LINKED_SHARE:
                company_index = rng.choices(range(len(companies)), weights)[0]
            company = companies[company_index] if company_index is not None else None
            data = {"first_name": first, "last_name": last, "tags": []}
            if rng.random() < 0.2:
                data["tags"] = [rng.choice(pack.contact_tags)]
            data["source"] = company.data["source"] if company else weighted(rng, self.sources)
            if company is not None:
                data["position"] = position
                data["phones"] = self.person_phones(company.city)
                if rng.random() < 0.85:
                    data["emails"] = [self.person_email(first, last, company.domain)]
                owner = company.owner
                start = company.created_at
                company.contacts.append(index)
            else:
                # Private persons: a phone and an address; no mailbox at a made-up domain.
                city = rng.choices(pack.cities, [c.weight for c in pack.cities])[0]
                data["phones"] = self.person_phones(city)
                data["address"] = pack.street_address(rng, city)
                owner = weighted(rng, self.owners)
                start = self.now - dt.timedelta(days=HISTORY_DAYS)
            created = self.moment(start, self.days_ago(3))
            result.append(PlannedContact(data, owner, company_index, created))
        return result

    def person_phones(self, city: City) -> list[str]:
        mobiles = self.pack.mobiles
        if not mobiles:
            return [self.phone(city.landlines)]
        roll = self.rng.random()
        mobile = (self.rng.choice(mobiles), *mobiles)  # any operator; the rest if it is full
        if roll < 0.45:
            return [self.phone(mobile)]
        if roll < 0.8:
            return [self.phone(city.landlines)]
        return [self.phone(mobile), self.phone(city.landlines)]

    def person_email(self, first: str, last: str, domain: str) -> str:
        first_a, last_a = slug(first, ""), slug(last, "")
        style = self.rng.random()
        local = (
            f"{first_a}.{last_a}" if style < 0.5
            else f"{first_a[0]}.{last_a}" if style < 0.8 else last_a
        )  # fmt: skip
        email = f"{local}@{domain}"
        number = 2
        while email in self.emails:
            email = f"{local}{number}@{domain}"
            number += 1
        self.emails.add(email)
        return email

    # -- timeline -------------------------------------------------------------------------
    def history(
        self, created: dt.datetime, people: list[str], company_only: bool = False
    ) -> list[PlannedEntry]:
        rng, pack = self.rng, self.pack
        count = weighted(rng, ENTRY_COUNTS)
        start = created + dt.timedelta(hours=1)
        moments = sorted(self.moment(start, self.now - dt.timedelta(hours=1)) for _ in range(count))
        entries = []
        for index, at in enumerate(moments):
            phase = 0 if index == 0 else 1 if index < count * 0.6 else 2
            kind = weighted(rng, KINDS)
            options = [
                e
                for e in pack.entries
                if e.phase == phase and e.kind == kind and (company_only or not e.company_only)
            ] or [e for e in pack.entries if e.phase == phase and not e.company_only]
            entry = rng.choice(options)
            text = entry.text.format(
                person=rng.choice(people) if people else pack.someone,
                product=rng.choice(pack.products),
                amount=pack.money(rng),
                percent=rng.choice((3, 5, 7, 10, 12, 15)),
                count=rng.randint(3, 40),
                weekday=rng.choice(pack.weekdays),
            )
            body = "\n".join(line[:1].upper() + line[1:] for line in text.splitlines())
            entries.append(PlannedEntry(entry.kind, body, at))
        return entries

    # -- dates ----------------------------------------------------------------------------
    def days_ago(self, days: int) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    def moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A time in working hours on a weekday between start and end (local time)."""
        dates = self.dates
        fraction, hour, minute = dates.random(), dates.randint(9, 17), dates.choice(range(0, 60, 5))
        if end <= start:
            return start
        first, last = start.date(), end.date()
        while first.weekday() >= 5:
            first += dt.timedelta(days=1)
        workdays = _weekdays_between(first, last)
        if workdays:
            day = _add_weekdays(first, int(fraction * workdays))
            at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)
            if start <= at <= end:
                return at
        return start + (end - start) * fraction


def _weekdays_between(first: dt.date, last: dt.date) -> int:
    """Monday to Friday days from first to last, both included."""
    if last < first:
        return 0
    weeks, rest = divmod((last - first).days + 1, 7)
    return weeks * 5 + sum(1 for i in range(rest) if (first.weekday() + i) % 7 < 5)


def _add_weekdays(day: dt.date, count: int) -> dt.date:
    """The weekday `count` weekdays after `day` (itself a weekday)."""
    weeks, rest = divmod(count, 5)
    day += dt.timedelta(weeks=weeks)
    while rest:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            rest -= 1
    return day
