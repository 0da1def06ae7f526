"""Polish demo data: a supplier of office IT equipment and services with clients in Warsaw,
Kraków and other large cities. Every word the Polish demo shows lives here."""

from __future__ import annotations

import random

from .pack import City, CompanyName, Entry, Pack, Staff, grouped

TEAMS = ("Północ", "Południe")

STAFF = (
    Staff("admin", "administrator", "Tomasz", "Zieliński"),
    Staff("wisniewska", "head_of_sales", "Katarzyna", "Wiśniewska"),
    Staff("nowak", "manager", "Piotr", "Nowak", team=0),
    Staff("wojcik", "manager", "Agnieszka", "Wójcik", team=0),
    Staff("kaminski", "manager", "Marcin", "Kamiński", team=1),
    Staff("lewandowska", "manager", "Joanna", "Lewandowska", team=1),
    Staff("zajac", "support_agent", "Michał", "Zając"),
    Staff("dudek", "read_only", "Ewa", "Dudek"),
)

MALE_FIRST = (
    "Adam", "Andrzej", "Bartosz", "Damian", "Dariusz", "Grzegorz", "Jacek", "Jakub", "Jan",
    "Janusz", "Jarosław", "Jerzy", "Kamil", "Krzysztof", "Łukasz", "Maciej", "Marcin", "Marek",
    "Mariusz", "Mateusz", "Michał", "Paweł", "Piotr", "Rafał", "Robert", "Sebastian",
    "Stanisław", "Szymon", "Tadeusz", "Tomasz", "Wojciech", "Zbigniew",
)  # fmt: skip

FEMALE_FIRST = (
    "Agnieszka", "Aleksandra", "Alicja", "Anna", "Barbara", "Beata", "Dorota", "Ewa",
    "Elżbieta", "Grażyna", "Hanna", "Iwona", "Joanna", "Justyna", "Karolina", "Katarzyna",
    "Magdalena", "Małgorzata", "Maria", "Marta", "Monika", "Natalia", "Paulina", "Renata",
    "Sylwia", "Urszula", "Weronika", "Zofia",
)  # fmt: skip

# Masculine forms; `surname()` makes the feminine one.
SURNAMES = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
    "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel",
    "Nowakowski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk",
    "Dudek", "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran",
    "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak", "Zalewski",
    "Wróblewski", "Marciniak", "Jasiński", "Zawadzki", "Bąk", "Jakubowski", "Sadowski", "Duda",
    "Włodarczyk", "Wilk", "Chmielewski", "Borkowski", "Sokołowski", "Szczepański", "Sawicki",
    "Lis", "Kucharski", "Kalinowski", "Wysocki", "Mazurek", "Kubiak", "Maciejewski",
    "Czarnecki", "Kołodziej", "Szczepaniak", "Urbański", "Cieślak", "Kowalewski",
)  # fmt: skip


def feminine(surname: str) -> str:
    """Kowalski → Kowalska, Zawadzki → Zawadzka; Nowak and Zając do not change."""
    if surname.endswith(("ski", "cki", "dzki")):
        return surname[:-1] + "a"
    return surname


def surname(rng: random.Random, female: bool) -> str:
    name = rng.choice(SURNAMES)
    return feminine(name) if female else name


POSITIONS = (
    "Prezes zarządu", ("Dyrektor handlowy", "Dyrektor handlowa"),
    ("Dyrektor finansowy", "Dyrektor finansowa"), ("Dyrektor techniczny", "Dyrektor techniczna"),
    ("Główny księgowy", "Główna księgowa"), ("Księgowy", "Księgowa"),
    "Kierownik działu zakupów", ("Specjalista ds. zakupów", "Specjalistka ds. zakupów"),
    "Kierownik IT", ("Administrator systemów", "Administratorka systemów"), "Office manager",
    ("Właściciel", "Właścicielka"), "Inżynier", ("Asystent zarządu", "Asystentka zarządu"),
    "Radca prawny", "Kierownik produkcji", ("Logistyk", "Logistyczka"),
)  # fmt: skip

# Company names -----------------------------------------------------------------------------

ADJECTIVES = (
    ("Złoty", "Złota", "Złote"), ("Zielony", "Zielona", "Zielone"), ("Biały", "Biała", "Białe"),
    ("Srebrny", "Srebrna", "Srebrne"), ("Północny", "Północna", "Północne"),
    ("Mazowiecki", "Mazowiecka", "Mazowieckie"), ("Bałtycki", "Bałtycka", "Bałtyckie"),
    ("Śląski", "Śląska", "Śląskie"), ("Nowy", "Nowa", "Nowe"),
    ("Wielkopolski", "Wielkopolska", "Wielkopolskie"), ("Pomorski", "Pomorska", "Pomorskie"),
    ("Karpacki", "Karpacka", "Karpackie"), ("Jasny", "Jasna", "Jasne"),
    ("Pierwszy", "Pierwsza", "Pierwsze"), ("Błękitny", "Błękitna", "Błękitne"),
)  # fmt: skip
NOUNS = (
    ("Kłos", 0), ("Most", 0), ("Dąb", 0), ("Brzeg", 0), ("Gród", 0), ("Szlak", 0),
    ("Horyzont", 0), ("Standard", 0), ("Kamień", 0), ("Port", 0), ("Dolina", 1), ("Fala", 1),
    ("Brama", 1), ("Przystań", 1), ("Gwiazda", 1), ("Linia", 1), ("Grupa", 1), ("Zatoka", 1),
    ("Łąka", 1), ("Pole", 2), ("Źródło", 2), ("Jezioro", 2), ("Centrum", 2), ("Wybrzeże", 2),
    ("Ogniwo", 2),
)  # fmt: skip
# Prefixes and suffixes of compound names such as "Polbud", by industry.
COMPOUNDS = {
    "it": (("Info", "Data", "Net", "Soft", "Tech", "Kom"),
           ("soft", "net", "tech", "sys", "kom", "data")),
    "manufacturing": (("Pol", "Met", "Stal", "Plast", "Elektro", "Hydro", "Drew"),
                      ("met", "plast", "pol", "stal", "mex", "tech")),
    "retail": (("Euro", "Dom", "Eko", "Super", "Max"), ("pol", "lux", "max", "dom", "market")),
    "wholesale": (("Hurt", "Pol", "Agro", "Inter", "Euro", "Chem"),
                  ("hurt", "pol", "ex", "trade", "mar")),
    "services": (("Serwis", "Pro", "Clean", "Eko", "Inter"),
                 ("serwis", "pro", "pol", "mix", "team")),
    "logistics": (("Trans", "Cargo", "Auto", "Euro", "Inter"),
                  ("trans", "sped", "cargo", "log", "pol")),
    "construction": (("Bud", "Dom", "Eko", "Term", "Mar", "Stal", "Dach"),
                     ("bud", "dom", "mex", "pol", "serwis", "bet")),
    "finance": (("Fin", "Invest", "Audyt", "Kredyt", "Euro"),
                ("fin", "invest", "audyt", "konsult")),
    "healthcare": (("Med", "Farm", "Bio", "Denta", "Vita"), ("med", "farm", "lux", "pol", "vita")),
    "education": (("Edu", "Lingua", "Smart", "Profi"), ("kurs", "lab", "edu", "pol")),
    "other": (("Inter", "Euro", "Pol", "Uni", "Multi"), ("pol", "ex", "max", "mix", "plus")),
}  # fmt: skip
SINGLE = (
    "Horyzont", "Meridian", "Orion", "Atlas", "Wektor", "Granit", "Kwant", "Spektrum",
    "Impuls", "Zenit", "Delta", "Sigma", "Omega", "Alfa", "Prima", "Solid", "Optima",
    "Integra", "Nova", "Astra",
)  # fmt: skip
# Names built on a surname, by industry; {s} is the (masculine) surname.
WITH_SURNAME = {
    "it": ("{s} IT", "{s} Software", "{s} Systemy Informatyczne"),
    "manufacturing": ("{s} Produkcja", "Zakład Produkcyjny {s}", "{s} Metal"),
    "retail": ("Sklepy {s}", "Delikatesy {s}"),
    "wholesale": ("Hurtownia {s}", "{s} Dystrybucja"),
    "services": ("{s} Usługi", "{s} i Wspólnicy"),
    "logistics": ("{s} Transport", "{s} Logistyka", "Przewozy {s}"),
    "construction": ("Usługi Budowlane {s}", "{s} Budownictwo", "{s} Bud"),
    "finance": ("Biuro Rachunkowe {s}", "{s} i Wspólnicy", "{s} Doradztwo Podatkowe"),
    "healthcare": ("Centrum Medyczne {s}", "{s} Medica"),
    "education": ("Szkoła Językowa {s}", "Centrum Szkoleniowe {s}"),
    "other": ("{s} i Syn", "{s} Group"),
}


def company_name(rng: random.Random, industry: str) -> CompanyName:
    roll = rng.random()
    plain = True  # a name a sole trader's "PHU" may stand before
    if roll < 0.35:
        prefixes, suffixes = COMPOUNDS[industry]
        prefix, suffix = rng.choice(prefixes), rng.choice(suffixes)
        if prefix.lower() == suffix:
            suffix = rng.choice([s for s in suffixes if s != suffix])
        core = f"{prefix}-{suffix.capitalize()}" if rng.random() < 0.3 else prefix + suffix
    elif roll < 0.6:
        noun, gender = rng.choice(NOUNS)
        core = f"{rng.choice(ADJECTIVES)[gender]} {noun}"
    elif roll < 0.85:
        core = rng.choice(WITH_SURNAME[industry]).format(s=rng.choice(SURNAMES))
        plain = False
    else:
        core = rng.choice(SINGLE)
    form = rng.random()
    if core.endswith("Wspólnicy"):
        full = f"{core} Sp. k." if form < 0.5 else f"{core} Sp. j."
    elif plain and form < 0.08:
        full = f"{rng.choice(('PHU', 'PPHU', 'FHU'))} {core}"
    elif form < 0.15:
        full = f"{core} S.A."
    elif form < 0.25:
        full = f"{core} Sp. j."
    else:
        full = f"{core} Sp. z o.o."
    return CompanyName(full=full, core=core)


# Addresses and phones ----------------------------------------------------------------------


def _postcode(low: int, high: int):
    return lambda rng: f"{rng.randint(low, high):02d}-{rng.randint(1, 999):03d}"


CITIES = (
    City("Warszawa", 40, ("+48 22 N## ## ##",), _postcode(0, 4)),
    City("Kraków", 12, ("+48 12 N## ## ##",), _postcode(30, 31)),
    City("Wrocław", 10, ("+48 71 N## ## ##",), _postcode(50, 54)),
    City("Poznań", 9, ("+48 61 N## ## ##",), _postcode(60, 61)),
    City("Gdańsk", 8, ("+48 58 N## ## ##",), _postcode(80, 80)),
    City("Łódź", 8, ("+48 42 N## ## ##",), _postcode(90, 94)),
    City("Katowice", 7, ("+48 32 N## ## ##",), _postcode(40, 40)),
    City("Lublin", 6, ("+48 81 N## ## ##",), _postcode(20, 20)),
)
STREETS = (
    "ul. Marszałkowska", "ul. Mickiewicza", "ul. Słowackiego", "ul. Kościuszki",
    "ul. Piłsudskiego", "ul. Sienkiewicza", "ul. Długa", "ul. Polna", "ul. Lipowa",
    "ul. Kolejowa", "ul. Przemysłowa", "ul. Ogrodowa", "ul. Kwiatowa", "ul. Leśna",
    "ul. Szkolna", "ul. Jana Pawła II", "ul. 3 Maja", "al. Armii Krajowej", "al. Solidarności",
    "ul. Grunwaldzka", "ul. Składowa", "ul. Fabryczna", "ul. Krakowska", "pl. Wolności",
)  # fmt: skip


def street_address(rng: random.Random, city: City) -> str:
    number = str(rng.randint(1, 140))
    if rng.random() < 0.5:
        number += f"/{rng.randint(1, 40)}"
    return f"{rng.choice(STREETS)} {number}, {city.postcode(rng)} {city.name}"


MOBILES = tuple(
    f"+48 {code}# ### ###" for code in ("50", "51", "53", "60", "66", "69", "72", "78", "79", "88")
)

# Texts -------------------------------------------------------------------------------------

PRODUCTS = (
    "laptopy do biura", "serwery", "sprzęt sieciowy", "licencje na oprogramowanie",
    "umowa serwisowa", "telefonia VoIP", "monitoring wizyjny",
    "urządzenia wielofunkcyjne i materiały eksploatacyjne", "wdrożenie CRM",
    "kopie zapasowe w chmurze", "monitory i akcesoria",
)  # fmt: skip
WEEKDAYS = ("w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek")


def money(rng: random.Random) -> str:
    return f"{grouped(rng.randint(20, 6000) * 100, ' ')} zł"


ENTRIES = (
    Entry("call", 0, "Telefon przychodzący, temat: {product}. Obiecaliśmy przesłać ofertę."),
    Entry("call", 0, "Zimny telefon. Sekretariat podał kontakt do osoby decyzyjnej: {person}."),
    Entry("call", 0, "{person}: teraz nie mają czasu, prosili o kontakt za miesiąc."),
    Entry("email", 0, "Zapytanie ze strony\nTemat: {product}, około {count} szt."),
    Entry("email", 0, "Wysłaliśmy prezentację firmy i cennik."),
    Entry("note", 0, "Poznaliśmy się na targach, mamy wizytówkę. Temat: {product}."),
    Entry("note", 0, "Przyszli z polecenia stałego klienta."),
    Entry("meeting", 0, "Pierwsze spotkanie w biurze klienta\nOmówiliśmy potrzeby i budżet."),
    Entry("email", 1, "Oferta handlowa\n{product} — {amount}. Oferta ważna 14 dni."),
    Entry("call", 1, "Omówiliśmy ofertę. Proszą o {percent}% rabatu przy płatności z góry."),
    Entry("call", 1, "{person}: oddzwonić {weekday}, teraz na spotkaniu."),
    Entry("call", 1, "Termin dostawy: klient chce zdążyć przed końcem miesiąca."),
    Entry("meeting", 1, "Spotkanie z działem technicznym\nUzgodniona specyfikacja: {count} poz."),
    Entry("meeting", 1, "Prezentacja dla zespołu klienta. Dużo pytań, dobre nastawienie."),
    Entry("note", 1, "Konkurencja dała cenę niższą o {percent}%. Przygotowujemy odpowiedź."),
    Entry("note", 1, "Budżet zatwierdzony, czekamy na decyzję zarządu."),
    Entry("email", 1, "Wysłaliśmy projekt umowy do działu prawnego klienta."),
    Entry("email", 1, "Faktura proforma\n{product}, kwota {amount}."),
    Entry("note", 1, "Umowa podpisana, faktura na {amount} wystawiona."),
    Entry("call", 2, "Płatność zaksięgowana. Dostawa planowana {weekday}."),
    Entry("call", 2, "Rutynowy telefon: wszystko działa, jest pytanie o gwarancję."),
    Entry("call", 2, "Reklamacja opóźnionej dostawy. Przeprosiliśmy, sprawa przekazana logistyce."),
    Entry("email", 2, "Potwierdzenie salda za kwartał wysłane do księgowości."),
    Entry("email", 2, "Przypomnienie o płatności faktury. Obiecali zapłacić {weekday}."),
    Entry("email", 2, "Wysłaliśmy życzenia świąteczne i kalendarz firmowy."),
    Entry("note", 2, "Klient zadowolony, chętnie nas poleci."),
    Entry("note", 2, "Ponowne zamówienie: {product}, {amount}."),
    Entry("note", 2, "Nowa osoba odpowiedzialna za zakupy: {person}.", company_only=True),
    Entry("meeting", 2, "Spotkanie kwartalne\nPlany na przyszły rok: {product}."),
    Entry("meeting", 2, "Szkolenie pracowników klienta, uczestników: {count}."),
)  # fmt: skip

PACK = Pack(
    code="pl",
    timezone="Europe/Warsaw",
    teams=TEAMS,
    staff=STAFF,
    male_first=MALE_FIRST,
    female_first=FEMALE_FIRST,
    surname=surname,
    positions=POSITIONS,
    company_name=company_name,
    cities=CITIES,
    street_address=street_address,
    mobiles=MOBILES,
    tlds=((".pl", 80), (".com.pl", 12), (".eu", 8)),
    mailboxes=("biuro", "kontakt", "info", "sekretariat", "zamowienia"),
    company_tags=(
        "VIP",
        "kluczowy klient",
        "przetarg",
        "hurt",
        "partner",
        "nowy",
        "stały klient",
        "odroczona płatność",
        "sektor publiczny",
    ),
    contact_tags=("decydent", "księgowość", "technik", "zakupy"),
    products=PRODUCTS,
    weekdays=WEEKDAYS,
    money=money,
    someone="Klient",
    entries=ENTRIES,
)
