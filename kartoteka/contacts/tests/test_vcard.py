"""vCard import and export: what an address book gets from Kartoteka, what Kartoteka gets from
the address books people really have (Apple, Google, an Android phone, Outlook), and that a
damaged or hostile file yields problems rather than an exception."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kartoteka.contacts.vcard import (
    MAX_CARDS,
    VCardData,
    decode_vcf,
    parse,
    serialize,
    uid_for,
)


def export(*cards: VCardData) -> str:
    return "".join(serialize(cards))


def only_card(text: str) -> VCardData:
    cards, problems = parse(text)
    assert problems == []
    assert len(cards) == 1
    return cards[0]


def crlf(text: str) -> str:
    return text.strip("\n").replace("\n", "\r\n") + "\r\n"


POLISH = VCardData(
    first_name="Zażółć",
    last_name="Gęślą-Jaźń",
    full_name="Zażółć Gęślą-Jaźń",
    company="Przedsiębiorstwo; Handel, Usługi",
    position="Główna księgowa",
    emails=["zazolc@firma.pl", "prywatny@example.com"],
    email_types={"zazolc@firma.pl": ["work"]},
    phones=["+48601234567", "+48221234567"],
    phone_types={"+48601234567": ["cell"]},
    address="ul. Długa 5, lok. 3\n80-001 Gdańsk; Polska",
    note="Lubi kawę; nie dzwonić przed 9:00, tylko\\mail.\nDrugi wiersz.",
    tags=["klient", "VIP, złoty", "a;b"],
    uid=uid_for(42),
    rev=datetime(2024, 3, 1, 12, 30, 5, tzinfo=UTC),
)

RUSSIAN = VCardData(
    first_name="Ёлка",
    last_name="Щукина",
    full_name="Ёлка Щукина",
    company="ООО «Ромашка»",
    emails=["elka@romashka.ru"],
    phones=["+74951234567"],
    note="Заметка, которая длиннее строки; " * 10,  # 340 characters: folded many times
    tags=["поставщик"],
    uid=uid_for(43),
)


# ---------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("card", [POLISH, RUSSIAN], ids=["polish", "russian"])
def test_what_kartoteka_exports_it_reads_back_unchanged(card):
    back = only_card(export(card))
    expected = VCardData(**{**card.__dict__, "note": card.note.strip()})
    assert back == expected


def test_several_cards_come_back_in_order():
    cards, problems = parse(export(POLISH, RUSSIAN, VCardData(last_name="Trzeci")))
    assert problems == []
    assert [c.full_name for c in cards] == ["Zażółć Gęślą-Jaźń", "Ёлка Щукина", "Trzeci"]


def test_export_is_vcard_4_with_escaped_values_and_tel_uris():
    text = export(POLISH)
    lines = text.replace("\r\n ", "").split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert lines[-2:] == ["END:VCARD", ""]
    assert "N:Gęślą-Jaźń;Zażółć;;;" in lines
    assert "ORG:Przedsiębiorstwo\\; Handel\\, Usługi" in lines
    assert "EMAIL;TYPE=work;PREF=1:zazolc@firma.pl" in lines
    assert "EMAIL:prywatny@example.com" in lines
    assert "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+48601234567" in lines
    assert "ADR:;;ul. Długa 5\\, lok. 3\\n80-001 Gdańsk\\; Polska;;;;" in lines
    assert "NOTE:Lubi kawę\\; nie dzwonić przed 9:00\\, tylko\\\\mail.\\nDrugi wiersz." in lines
    assert "CATEGORIES:klient,VIP\\, złoty,a\\;b" in lines
    assert "REV:20240301T123005Z" in lines


def test_every_line_ends_with_crlf_and_no_bare_newline_escapes_a_value():
    text = export(POLISH, RUSSIAN)
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


def test_folding_keeps_lines_within_75_octets_and_never_splits_a_character():
    long_cyrillic = VCardData(last_name="Щ" * 100, note="ż€😀" * 120, company="x" * 300)
    data = export(long_cyrillic, RUSSIAN).encode("utf-8")
    physical = data.split(b"\r\n")
    assert max(len(line) for line in physical) == 75  # something was folded to the limit
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # a cut character would not decode on its own line
    assert only_card(export(long_cyrillic)).note == "ż€😀" * 120


def test_uid_is_stable_per_record_and_differs_between_records():
    assert uid_for(42) == uid_for("42") == POLISH.uid
    assert uid_for(42) != uid_for(43)
    assert uid_for(42).startswith("urn:uuid:")
    assert "UID:" + uid_for(42) in export(POLISH)


def test_a_card_with_only_a_company_still_gets_a_formatted_name():
    back = only_card(export(VCardData(company="Acme")))
    assert back.full_name == "Acme"
    assert back.company == "Acme"


def test_phone_that_is_no_international_number_is_written_as_text():
    text = export(VCardData(last_name="X", phones=["wew. 12; centrala"]))
    assert "TEL:wew. 12\\; centrala\r\n" in text
    assert only_card(text).phones == ["wew. 12; centrala"]


def test_control_characters_cannot_forge_properties():
    hostile = VCardData(
        last_name="Evil\r\nEMAIL:spoof@example.com",
        note="a\x00b\x1bc",
        extra=[("X-INJECT", {"X-P": ['a"\r\nb']}, "v\r\nTEL:+1"), ("BAD NAME", {}, "x")],
    )
    text = export(hostile)
    card = only_card(text)
    assert card.emails == [] and card.phones == []
    assert card.last_name == "Evil\nEMAIL:spoof@example.com"
    assert card.note == "abc"
    assert "BAD NAME" not in text


def test_unknown_properties_survive_import_and_export():
    source = crlf("""
BEGIN:VCARD
VERSION:4.0
FN:Jan
X-SKYPE;TYPE=work:jan.skype
item1.URL:https://example.com/a\\,b
item1.X-ABLABEL:blog
BDAY:19800101
END:VCARD
""")
    card = only_card(source)
    assert card.extra == [
        ("X-SKYPE", {"TYPE": ["work"]}, "jan.skype"),
        ("ITEM1.URL", {}, "https://example.com/a\\,b"),
        ("ITEM1.X-ABLABEL", {}, "blog"),
        ("BDAY", {}, "19800101"),
    ]
    assert only_card(export(card)).extra == card.extra


# ---------------------------------------------------------------------------- real files

APPLE_3 = """
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//macOS 14.2.1//EN
N:Appleseed;John;Q.;Dr.;Jr.
FN:Dr. John Q. Appleseed Jr.
ORG:Apple Inc.;Engineering
TITLE:Engineer
EMAIL;type=INTERNET;type=HOME:john@me.com
EMAIL;type=INTERNET;type=WORK;type=pref:john@apple.com
TEL;type=CELL;type=VOICE;type=pref:+1 (408) 555-0101
TEL;type=WORK;type=VOICE:(408) 555-0102
item1.ADR;type=WORK;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States
item1.X-ABADR:us
item2.URL;type=pref:https://www.apple.com
item2.X-ABLabel:_$!<HomePage>!$_
NOTE:Met at WWDC\\, June 2023\\nAsk about the beta
CATEGORIES:Clients,Conference 2023
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBk
 SEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgN
UID:2B7F3C3E-7C1F-4E0E-9C5B-5E1B2C3D4E5F
X-ABShowAs:PERSON
END:VCARD
"""


def test_apple_contacts_3_0():
    card = only_card(crlf(APPLE_3))
    assert (card.first_name, card.last_name) == ("John Q.", "Appleseed")
    assert card.full_name == "Dr. John Q. Appleseed Jr."
    assert card.company == "Apple Inc."
    assert ("ORG", {}, "Apple Inc.;Engineering") in card.extra  # the department is kept
    assert card.position == "Engineer"
    assert card.emails == ["john@apple.com", "john@me.com"]  # type=pref comes first
    assert card.email_types == {"john@me.com": ["home"], "john@apple.com": ["work"]}
    assert card.phones == ["+1 (408) 555-0101", "(408) 555-0102"]
    assert card.phone_types["+1 (408) 555-0101"] == ["cell", "voice"]
    assert card.address == "1 Infinite Loop, Cupertino, CA, 95014, United States"
    assert card.note == "Met at WWDC, June 2023\nAsk about the beta"
    assert card.tags == ["Clients", "Conference 2023"]
    assert card.uid == "2B7F3C3E-7C1F-4E0E-9C5B-5E1B2C3D4E5F"
    photo = next(e for e in card.extra if e[0] == "PHOTO")
    assert photo[1] == {"ENCODING": ["b"], "TYPE": ["JPEG"]}
    assert photo[2].startswith("/9j/4AAQ") and photo[2].endswith("NDL/2wBDAQkJCQwLDBgN")
    assert ("ITEM2.X-ABLABEL", {}, "_$!<HomePage>!$_") in card.extra


GOOGLE_3 = """
BEGIN:VCARD
VERSION:3.0
FN:Anna Nowak-Wiśniewska
N:Nowak-Wiśniewska;Anna;;;
EMAIL;TYPE=INTERNET;TYPE=WORK:anna.nowak@firma.pl
EMAIL;TYPE=INTERNET:Anna.Nowak@firma.pl
TEL;TYPE=CELL:+48 601 234 567
TEL;TYPE=WORK:+48 58 123 45 67
ADR;TYPE=HOME:;;ul. Długa 5;Gdańsk;;80-001;Polska
ORG:Firma Sp. z o.o.
TITLE:Kierownik działu sprzedaży
BDAY:1985-04-12
item1.URL:http\\://firma.pl
item1.X-ABLabel:
NOTE:Poznana na targach w Poznaniu\\, 2023.
CATEGORIES:myContacts,Klienci
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Piotr
N:;Piotr;;;
TEL;TYPE=CELL:600-700-800
CATEGORIES:myContacts
END:VCARD
"""


def test_google_contacts_3_0_export_with_two_cards():
    cards, problems = parse(crlf(GOOGLE_3))
    assert problems == []
    anna, piotr = cards
    assert (anna.first_name, anna.last_name) == ("Anna", "Nowak-Wiśniewska")
    assert anna.emails == ["anna.nowak@firma.pl"]  # the same address twice is one address
    assert anna.phones == ["+48 601 234 567", "+48 58 123 45 67"]
    assert anna.address == "ul. Długa 5, Gdańsk, 80-001, Polska"
    assert anna.position == "Kierownik działu sprzedaży"
    assert anna.note == "Poznana na targach w Poznaniu, 2023."
    assert anna.tags == ["myContacts", "Klienci"]
    assert ("ITEM1.URL", {}, "http\\://firma.pl") in anna.extra
    assert (piotr.first_name, piotr.last_name, piotr.full_name) == ("Piotr", "", "Piotr")
    assert piotr.phones == ["600-700-800"]


ANDROID_2_1 = """
BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD=D0=BE=D0=B2;=D0=98=
=D0=B2=D0=B0=D0=BD;=D0=9F=D0=B5=
=D1=82=D1=80=D0=BE=D0=B2=D0=B8=D1=87;;
TEL;CELL;PREF:+7 916 123-45-67
TEL;HOME:8 (495) 123-45-67
EMAIL;HOME:ivan@example.ru
ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=9E=D0=9E=D0=9E =C2=AB=D0=A0=
=D0=BE=D0=BC=D0=B0=D1=88=D0=BA=D0=B0=C2=BB
NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=92=D1=81=D1=82=D1=80=D0=B5=
=D1=82=D0=B8=D0=BB=D0=B8=D1=81=D1=8C =D0=BD=D0=B0 =D0=B2=D1=8B=D1=81=D1=82=
=D0=B0=D0=B2=D0=BA=D0=B5.=0D=0A=D0=9F=D0=B5=D1=80=D0=B5=D0=B7=D0=B2=D0=BE=
=D0=BD=D0=B8=D1=82=D1=8C
X-ANDROID-CUSTOM;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:vnd.android.cursor.item/nick=
name;=D0=92=D0=B0=D0=BD=D1=8F;1;;;;;;;;;;;;;
END:VCARD
BEGIN:VCARD
VERSION:2.1
N;CHARSET=windows-1251;ENCODING=QUOTED-PRINTABLE:=CF=E5=F2=F0=EE=E2;=CF=E5=F2=F0
TEL;WORK;VOICE:+74950000000
END:VCARD
"""


def test_android_2_1_with_quoted_printable_cyrillic():
    cards, problems = parse(crlf(ANDROID_2_1))
    assert problems == []
    ivan, petr = cards
    assert (ivan.first_name, ivan.last_name) == ("Иван Петрович", "Иванов")
    assert ivan.full_name == "Иван Петрович Иванов"  # no FN: built from N
    assert ivan.company == "ООО «Ромашка»"
    assert ivan.note == "Встретились на выставке.\nПерезвонить"
    assert ivan.phones == ["+7 916 123-45-67", "8 (495) 123-45-67"]
    assert ivan.phone_types == {"+7 916 123-45-67": ["cell"], "8 (495) 123-45-67": ["home"]}
    assert ivan.emails == ["ivan@example.ru"]
    assert ivan.extra == [
        ("X-ANDROID-CUSTOM", {}, "vnd.android.cursor.item/nickname;Ваня;1;;;;;;;;;;;;;")
    ]
    assert (petr.first_name, petr.last_name) == ("Петр", "Петров")  # windows-1251 bytes
    assert petr.phone_types == {"+74950000000": ["work", "voice"]}


OUTLOOK_2_1 = """
BEGIN:VCARD
VERSION:2.1
N;LANGUAGE=pl:Kowalski;Jan
FN:Jan Kowalski
ORG:Budimex S.A.;Zakupy
TITLE:Dyrektor
TEL;WORK;VOICE:+48 22 123 45 67
TEL;CELL;VOICE:+48 601 000 111
ADR;WORK;PREF:;;ul. Marszałkowska 1;Warszawa;;00-001;Polska
LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE:ul. Marsza=C5=82kowska 1=0D=0A=
Warszawa 00-001
EMAIL;PREF;INTERNET:jan.kowalski@budimex.pl
X-MS-OL-DEFAULT-POSTAL-ADDRESS:2
REV:20240115T101500Z
END:VCARD
"""


def test_outlook_2_1():
    card = only_card(crlf(OUTLOOK_2_1))
    assert (card.first_name, card.last_name, card.full_name) == ("Jan", "Kowalski", "Jan Kowalski")
    assert card.company == "Budimex S.A."
    assert card.position == "Dyrektor"
    assert card.phones == ["+48 22 123 45 67", "+48 601 000 111"]
    assert card.address == "ul. Marszałkowska 1, Warszawa, 00-001, Polska"
    assert card.emails == ["jan.kowalski@budimex.pl"]
    assert card.rev == datetime(2024, 1, 15, 10, 15, tzinfo=UTC)
    assert ("LABEL", {"TYPE": ["WORK", "PREF"]}, "ul. Marszałkowska 1\\nWarszawa 00-001") in (
        card.extra
    )


def test_vcard_4_parameters_quoted_and_listed():
    card = only_card(
        crlf("""
BEGIN:VCARD
VERSION:4.0
FN:Ada
EMAIL;TYPE="work,internet";PREF=2:second@example.com
EMAIL;TYPE=home;PREF=1:first@example.com
TEL;VALUE=uri;TYPE=work;TYPE=voice:tel:+1-555-0100;ext=12
X-LABEL;X-NOTE="semi;colon:and,comma";X-C=caret^nnew^'q^':v
END:VCARD
""")
    )
    assert card.emails == ["first@example.com", "second@example.com"]
    assert card.email_types["second@example.com"] == ["work"]
    assert card.phones == ["+1-555-0100 ext. 12"]
    assert card.phone_types["+1-555-0100 ext. 12"] == ["work", "voice"]
    assert card.extra == [
        ("X-LABEL", {"X-NOTE": ["semi;colon:and,comma"], "X-C": ['caret\nnew"q"']}, "v")
    ]
    assert only_card(export(card)).extra == card.extra


def test_lowercase_lf_only_file_and_tab_folding_are_read():
    card = only_card("begin:vcard\nversion:3.0\nfn:Ala\n\tMa Kota\nemail:ala@kot.pl\nend:vcard")
    assert card.full_name == "AlaMa Kota"
    assert card.emails == ["ala@kot.pl"]


# ---------------------------------------------------------------------------- file encoding


def test_decode_vcf_utf8_with_and_without_bom():
    text = "BEGIN:VCARD\r\nFN:Zażółć Щука\r\nEND:VCARD\r\n"
    assert decode_vcf(text.encode("utf-8")) == text
    assert decode_vcf(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_vcf(text.encode("utf-16")) == text  # BOM included by the codec


def test_decode_vcf_falls_back_to_cp1251_for_cyrillic_and_latin_for_the_rest():
    russian = "BEGIN:VCARD\r\nN:Иванов;Иван\r\nEND:VCARD\r\n"
    assert decode_vcf(russian.encode("cp1251")) == russian
    german = "BEGIN:VCARD\r\nN:Müller;Jürgen\r\nNOTE:café\r\nEND:VCARD\r\n"
    assert decode_vcf(german.encode("latin-1")) == german


def test_decode_vcf_trusts_a_declared_charset():
    polish = "BEGIN:VCARD\r\nN;CHARSET=windows-1250:Łączyński;Źdźisław\r\nEND:VCARD\r\n"
    assert decode_vcf(polish.encode("cp1250")) == polish
    card = only_card(decode_vcf(polish.encode("cp1250")))
    assert card.last_name == "Łączyński"


# ---------------------------------------------------------------------------- bad input


def test_a_card_without_end_is_reported_and_the_next_file_part_still_read():
    cards, problems = parse(
        crlf("""
BEGIN:VCARD
VERSION:3.0
FN:Broken
BEGIN:VCARD
VERSION:3.0
FN:Good
END:VCARD
BEGIN:VCARD
FN:Truncated
""")
    )
    assert [c.full_name for c in cards] == ["Good"]
    assert [(p.card, p.line, p.code) for p in problems] == [
        (1, 4, "nested-begin"),
        (3, 8, "unclosed-card"),
    ]
    assert str(problems[1]) == "card 3, line 8: END:VCARD missing; card skipped"


def test_a_malformed_line_is_reported_and_the_rest_of_the_card_kept():
    cards, problems = parse(
        crlf("""
BEGIN:VCARD
VERSION:4.0
FN:Ewa
this line has no colon
EMAIL;TYPE="unterminated:ewa@example.com
;=:
EMAIL:ewa@example.com
END:VCARD
""")
    )
    assert cards[0].emails == ["ewa@example.com"]
    assert [(p.card, p.line, p.code) for p in problems] == [
        (1, 4, "malformed-line"),
        (1, 5, "malformed-line"),
        (1, 6, "malformed-line"),
    ]


def test_a_card_with_nothing_to_name_it_is_reported():
    cards, problems = parse("BEGIN:VCARD\r\nVERSION:4.0\r\nX-FOO:bar\r\nEND:VCARD\r\n")
    assert cards == []
    assert [p.code for p in problems] == ["empty-card"]


def test_garbage_gives_one_problem_per_run_not_per_line():
    garbage = "\n".join(f"garbage {i} ;;: \\ =" for i in range(100_000))
    cards, problems = parse(garbage + "\n" + export(RUSSIAN) + "trailing junk\n")
    assert [c.full_name for c in cards] == ["Ёлка Щукина"]
    assert [(p.line, p.code) for p in problems] == [(1, "outside-card"), (100_020, "outside-card")]
    assert "lines 1-100000" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02",
        "BEGIN:VCARD",
        "END:VCARD\r\nEND:VCARD",
        "BEGIN:VCARD\r\n" * 50,
        "BEGIN:VCARD\r\n:\r\n;\r\n\\\r\n=\r\nN;ENCODING=QUOTED-PRINTABLE:=\r\nEND:VCARD",
        "BEGIN:VCARD\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=no-such:=ZZ=\r\nEND:VCARD",
        "BEGIN:VCARD\r\nFN;ENCODING=b:!!!not base64\r\nREV:yesterday\r\nEND:VCARD",
        "\ufeff\udcff\u2028BEGIN:VCARD\u2029",
    ],
)
def test_hostile_input_never_raises(text):
    cards, problems = parse(text)
    assert isinstance(cards, list)
    assert all(p.message for p in problems)
    assert cards or problems or not text.strip()


def test_a_2mb_property_line_skips_its_card_only():
    huge = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Huge\r\nNOTE:" + "x" * 2_000_000 + "\r\nEND:VCARD\r\n"
    cards, problems = parse(huge + export(POLISH))
    assert [c.full_name for c in cards] == ["Zażółć Gęślą-Jaźń"]
    assert [(p.card, p.line, p.code) for p in problems] == [(1, 1, "card-too-large")]


def test_a_2mb_line_of_folded_continuations_is_also_too_large():
    folded = "NOTE:" + "\r\n y" * 1_100_000
    cards, problems = parse(f"BEGIN:VCARD\r\nFN:A\r\n{folded}\r\nEND:VCARD\r\n")
    assert cards == []
    assert [p.code for p in problems] == ["card-too-large"]


def test_more_than_the_card_limit_is_reported_and_the_first_ones_kept():
    one = "BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n"
    cards, problems = parse(one * (MAX_CARDS + 5))
    assert len(cards) == MAX_CARDS
    assert [p.code for p in problems] == ["too-many-cards"]


def test_the_list_of_problems_is_capped():
    broken = "BEGIN:VCARD\r\n" + "no colon here\r\n" * 5000 + "FN:x\r\nEND:VCARD\r\n"
    cards, problems = parse(broken)
    assert len(cards) == 1
    assert len(problems) == 1001
    assert problems[-1].code == "too-many-problems"
