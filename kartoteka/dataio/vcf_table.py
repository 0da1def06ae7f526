"""A .vcf file (vCard 4.0, 3.0, 2.1) read as a table, so contacts from a phone or another
address book go through the same wizard as a spreadsheet: one row per card, one column per
thing a card says that a contact has. The "line" of a row is the card's line in the file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _

from kartoteka.contacts import vcard
from kartoteka.imports import reading

MAX_VCF_BYTES = 20 * 1024 * 1024
HEADERS = ("First name", "Last name", "Company", "Position", "Email", "Phone", "Address",
           "Tags")  # fmt: skip


class VcardTable(reading.Table):
    format = "vcf"

    def __init__(self, source: str | os.PathLike | IO[bytes], filename: str):
        super().__init__(source, filename)
        self._remember_start()
        self.headers = list(HEADERS)
        self.header_line = 0
        with self._open_binary() as raw:
            data = raw.read(MAX_VCF_BYTES + 1)
        if len(data) > MAX_VCF_BYTES:
            raise reading.ImportFileError(
                _("A vCard file can have up to %(mb)s MB.") % {"mb": MAX_VCF_BYTES // 2**20}
            )
        self._cards, problems = vcard.parse(vcard.decode_vcf(data))
        if not self._cards and not problems:
            raise reading.ImportFileError(_("The file has no vCards."))
        self._problems = [reading.Problem(p.line, str(p)) for p in problems]
        self.encoding = "utf-8"

    def rows(self) -> Iterator[tuple[int, list[reading.Cell]]]:
        self.problems = list(self._problems)
        for number, card in enumerate(self._cards, start=1):
            last = card.last_name or (card.full_name if not card.first_name else "")
            yield (
                number,
                [
                    card.first_name,
                    last,
                    card.company,
                    card.position,
                    "; ".join(card.emails),
                    "; ".join(card.phones),
                    card.address,
                    ", ".join(card.tags),
                ],
            )


def open_table(source, *, filename: str, sheet: str | None = None) -> reading.Table:
    """`reading.open_table`, and .vcf files as a table of cards."""
    if filename.lower().endswith((".vcf", ".vcard")):
        return VcardTable(source, filename)
    return reading.open_table(source, filename=filename, sheet=sheet)
