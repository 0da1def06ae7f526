"""The /api/v1/imports resource."""

from ninja import Router

router = Router(tags=["imports"])
