"""What a language pack of the demo data provides, and small helpers the packs share.

A pack (`en.py`, `ru.py`, `pl.py`) holds every word of the demo in its language: people's
names, the words company names are built from, cities, streets, phone number patterns,
positions, tags and the texts of timeline entries. The generator (`generator.py`) only
combines them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class City:
    name: str
    weight: int
    landlines: tuple[str, ...]
    """Phone patterns, tried in order: `#` is any digit, `N` a digit from 2 to 9."""
    postcode: Callable[[random.Random], str]


@dataclass(frozen=True)
class Staff:
    username: str
    role: str
    first_name: str
    last_name: str
    team: int | None = None
    """Index into `Pack.teams`."""


@dataclass(frozen=True)
class Entry:
    """A timeline text. `phase`: 0 first contact, 1 working on a deal, 2 an existing client.

    Placeholders: {person} a contact's full name, {product}, {amount}, {percent}, {count},
    {weekday} (with its preposition, where the language needs one)."""

    kind: str
    phase: int
    text: str
    company_only: bool = False


@dataclass(frozen=True)
class CompanyName:
    full: str
    """The name as registered: `ООО «Северный Путь»`, `Polbud Sp. z o.o.`."""
    core: str
    """The distinctive part, for the domain: `Северный Путь`, `Polbud`."""


@dataclass(frozen=True)
class Pack:
    code: str
    timezone: str
    teams: tuple[str, str]
    staff: tuple[Staff, ...]
    male_first: tuple[str, ...]
    female_first: tuple[str, ...]
    surname: Callable[[random.Random, bool], str]
    """A surname, in its feminine form when the second argument is true."""
    positions: tuple[str | tuple[str, str], ...]
    """A position, or (masculine, feminine) where the language tells them apart."""
    company_name: Callable[[random.Random, str], CompanyName]
    """A company name for an industry key of `contacts.entities.INDUSTRIES`."""
    cities: tuple[City, ...]
    street_address: Callable[[random.Random, City], str]
    mobiles: tuple[str, ...]
    """Phone patterns of mobile numbers, one picked at random; empty where people get direct
    lines at their company instead."""
    tlds: tuple[tuple[str, int], ...]
    mailboxes: tuple[str, ...]
    company_tags: tuple[str, ...]
    contact_tags: tuple[str, ...]
    products: tuple[str, ...]
    weekdays: tuple[str, ...]
    money: Callable[[random.Random], str]
    someone: str
    """Stands in for {person} when a company has no contacts."""
    entries: tuple[Entry, ...]


def fill(pattern: str, rng: random.Random) -> str:
    """A number from a pattern: "+7 495 N##-##-##" → "+7 495 318-07-42"."""
    return "".join(
        str(rng.randint(0, 9)) if char == "#" else str(rng.randint(2, 9)) if char == "N" else char
        for char in pattern
    )


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    return rng.choices([value for value, _ in options], [weight for _, weight in options])[0]


def grouped(number: int, separator: str) -> str:
    """12500 → "12 500" (separator " ") or "12,500" (separator ",")."""
    return f"{number:,}".replace(",", separator)
