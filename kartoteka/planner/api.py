"""API resources of the planner app, mounted at /api/v1/."""

from ninja import Router

router = Router(tags=["planner"])
