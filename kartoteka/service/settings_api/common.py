"""What the settings API's routers share: the error responses and the body of a reorder
(reading what a client sent is `platform.api_base.sent`)."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict, Field

from kartoteka.platform.api_records import ErrorOut

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[int] = Field(..., max_length=1000)
