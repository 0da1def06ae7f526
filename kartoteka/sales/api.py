"""API resources of the sales app, mounted at /api/v1/."""

from ninja import Router

router = Router(tags=["sales"])
